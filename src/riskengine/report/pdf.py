"""The annex as PDF (WeasyPrint): the HTML annex with page boxes, running header, page numbers and a
table of contents with page references; tagged PDF/A-3a (accessible); nothing fetched from the network.

The document date written in the PDF metadata is the assessment date (``data_valutazione``), not
the wall clock, so the same result gives the same bytes (WeasyPrint's file identifier is a hash
of the content). The embedded font subsets carry the same date: fontTools, which WeasyPrint uses
to subset fonts when HarfBuzz-Subset is not installed and to instantiate variable fonts, stamps
each font it saves with the current second (``head.modified``) unless ``SOURCE_DATE_EPOCH`` is set,
so two renders a second apart used to differ.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskengine.errors import Location, RiskengineError
from riskengine.i18n import refuse
from riskengine.report.files import PDF_FILE, pdf_file

if TYPE_CHECKING:
    from riskengine.report.html import HtmlRenderer

# PDF/A-3 level a ("accessible"): tagged, with the structure tree (headings, lists, tables with their
# header cells, figures with their alternative text), the document language and title shown.
PDF_VARIANT = "pdf/a-3a"

# The date part of a W3C date (``<meta name="dcterms.created">``): year, optional month and day.
_W3C_DATE = re.compile(r"\s*(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")


def font_epoch(created: str | None) -> int:
    """Seconds since 1970 (UTC midnight) of a W3C document date; 0 when the document has no date."""
    match = _W3C_DATE.match(created or "")
    if match is None:
        return 0
    year, month, day = (int(part or 1) for part in match.groups())
    return int(datetime(year, month, day, tzinfo=UTC).timestamp())


@contextmanager
def font_timestamp(epoch: int) -> Iterator[None]:
    """Make fontTools date the fonts it saves ``epoch`` instead of now (the reproducible-builds variable).

    The variable is process-wide: set only for the duration of one PDF write, and restored after.
    """
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(epoch)
    try:
        yield
    finally:
        if previous is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


@contextmanager
def weasyprint_quiet() -> Iterator[None]:
    """WeasyPrint reports refused URLs and CSS it ignores as warnings: keep the command line's output clean."""
    loggers = [logging.getLogger(name) for name in ("weasyprint", "fontTools")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


@contextmanager
def rendering_errors() -> Iterator[None]:
    """A WeasyPrint failure as one located problem (its errors carry no file or line of ours: name the output)."""
    try:
        yield
    except RiskengineError:
        raise
    except Exception as exc:  # WeasyPrint errors carry no file/line of ours: name the output
        raise refuse(Location(PDF_FILE), "problemi.uscita.pdf", code="report", errore=type(exc).__name__,
                     causa=exc) from exc


@contextmanager
def page_references_once() -> Iterator[None]:
    """Make pydyf list a PDF's page references once per page added, not once per use.

    WeasyPrint's tagging asks ``pdf.page_references[n]`` for every structure element, and pydyf builds
    the tuple of all pages at each call: time in pages × elements (measured on the S annex: a third
    of the PDF's time; on K, 1,000 processes, most of it). The tuple is kept while no page is added,
    so every answer is the same as pydyf's. Process-wide: set for the duration of one PDF, and restored.
    """
    import pydyf

    original = pydyf.PDF.page_references

    def page_references(pdf: Any) -> tuple[bytes, ...]:
        kids = pdf.pages["Kids"]
        known = pdf.__dict__.get("_riskengine_page_references")
        if known is None or known[0] is not kids or known[1] != len(kids):
            known = (kids, len(kids), tuple(f"{number} 0 R".encode("ascii") for number in kids[::3]))
            pdf.__dict__["_riskengine_page_references"] = known
        return known[2]

    pydyf.PDF.page_references = property(page_references)
    try:
        yield
    finally:
        pydyf.PDF.page_references = original


def compress_once(_document: Any, pdf: Any) -> None:
    """A WeasyPrint finisher: compress each stream now, once (pydyf compresses a stream every time its bytes
    are asked for, and asks twice: to write it and to compute the file identifier). Same bytes."""
    from riskengine.report.pdf_streams import packed

    pdf.objects[:] = [packed(obj) for obj in pdf.objects]


def pdf_bytes(html: str) -> bytes:
    """Render the print variant of the annex HTML to tagged PDF/A-3a bytes, identical for identical HTML."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Only inline data: URLs may be resolved; any http(s)/file reference in a template is refused.
    fetcher = URLFetcher(allowed_protocols={"data"})
    with weasyprint_quiet(), rendering_errors():
        document = HTML(string=html, base_url=None, url_fetcher=fetcher).render(pdf_variant=PDF_VARIANT)
        # Fonts are subset while the PDF is written, after layout: date them as the document.
        with font_timestamp(font_epoch(document.metadata.created)), page_references_once():
            pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT, finisher=compress_once)
    return pdf


def annex_pdf(renderer: HtmlRenderer) -> bytes:
    """The PDF of the renderer's edition: laid out in parts over the cores when it is large and written by the
    package's templates (:mod:`riskengine.report.pdf_parts`), else as one document."""
    if in_parts(renderer):
        from riskengine.report import pdf_parts
        from riskengine.report.pdf_cache import PartCache

        with weasyprint_quiet(), rendering_errors():
            return pdf_parts.annex_pdf(renderer, cache=PartCache.open())
    return pdf_bytes(renderer.annex(pdf=True))


def in_parts(renderer: HtmlRenderer) -> bool:
    """True when the renderer's edition is laid out in parts (:func:`annex_pdf`)."""
    from riskengine.report import pdf_parts

    threshold = pdf_parts.parts_from()
    return renderer.package_templates and bool(threshold) and len(renderer.view.processes) >= threshold


class EditionPdfs:
    """Writes the PDF of each edition of an annex into a staging directory, the editions of a small annex side by
    side.

    WeasyPrint lays out one document on one core. The edition of an annex of fewer processes than
    :data:`~riskengine.report.pdf_parts.MIN_PROCESSES` is laid out as one document (the two editions of
    esempio-cciaa take 17 and 19 CPU-s): it is given to a worker process when another edition follows, and this
    process lays out the next one meanwhile. A larger annex's editions are laid out here, one after the other:
    in parts, they already use every core; as one document (templates of one's own), two at once would need
    twice the memory. The bytes are the same either way. Use as a context manager: on leaving it, the worker's
    PDFs are written, or, after a failure, the worker is stopped.
    """

    def __init__(self, staging: Path, editions: int) -> None:
        self.staging = staging
        self.left = editions  # the editions still to come
        self.pool: Any = None
        self.pending: list[tuple[Path, Any]] = []  # (file, the worker's future PDF bytes)

    def __enter__(self) -> EditionPdfs:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        failed = kind is not None
        try:
            for path, future in [] if failed else self.pending:
                with rendering_errors():  # a worker that died: one line naming the PDF, as in parts
                    data = future.result()
                path.write_bytes(data)
        except BaseException:
            failed = True
            raise
        finally:
            if self.pool is not None:
                from riskengine.report.pdf_parts import stop_pool

                stop_pool(self.pool, failed)

    def write(self, renderer: HtmlRenderer) -> list[Path]:
        """The PDF of the renderer's edition (see :func:`pdf_file`): written now, or when the block is left."""
        from riskengine.report import pdf_parts

        path = self.staging / pdf_file(renderer.view.edition)
        self.left -= 1
        if self.left > 0 and len(renderer.view.processes) < pdf_parts.MIN_PROCESSES and not in_parts(renderer) \
                and pdf_parts.workers() > 1:
            if self.pool is None:
                self.pool = pdf_parts.worker_pool(1)
            self.pending.append((path, self.pool.submit(pdf_bytes, renderer.annex(pdf=True))))
        else:
            path.write_bytes(annex_pdf(renderer))
        return [path]
