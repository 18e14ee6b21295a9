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

from riskengine.errors import Location
from riskengine.i18n import refuse

PDF_FILE = "allegato-rischi.pdf"
PUBLICATION_PDF_FILE = "allegato-rischi-pubblicazione.pdf"
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
def _font_timestamp(epoch: int) -> Iterator[None]:
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


def pdf_bytes(html: str) -> bytes:
    """Render the print variant of the annex HTML to tagged PDF/A-3a bytes, identical for identical HTML."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    # Only inline data: URLs may be resolved; any http(s)/file reference in a template is refused.
    fetcher = URLFetcher(allowed_protocols={"data"})
    # WeasyPrint reports refused URLs and CSS it ignores as warnings; keep the CLI output clean.
    loggers = [logging.getLogger(name) for name in ("weasyprint", "fontTools")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        document = HTML(string=html, base_url=None, url_fetcher=fetcher).render(pdf_variant=PDF_VARIANT)
        # Fonts are subset while the PDF is written, after layout: date them as the document.
        with _font_timestamp(font_epoch(document.metadata.created)):
            pdf: bytes = document.write_pdf(pdf_variant=PDF_VARIANT)
    except Exception as exc:  # WeasyPrint errors carry no file/line of ours: name the output
        raise refuse(Location(PDF_FILE), "problemi.uscita.pdf", code="report", errore=type(exc).__name__,
                     causa=exc) from exc
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
    return pdf


def pdf_file(edition: str) -> str:
    """The PDF file of an edition of the annex."""
    return PUBLICATION_PDF_FILE if edition == "pubblicazione" else PDF_FILE


def write_pdf(html: str, staging: Path, edition: str = "completa") -> list[Path]:
    """Write the PDF of ``edition`` (see :func:`pdf_file`) into ``staging``."""
    path = staging / pdf_file(edition)
    path.write_bytes(pdf_bytes(html))
    return [path]
