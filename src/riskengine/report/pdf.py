"""The annex as PDF (WeasyPrint): the HTML annex with page boxes, running header, page numbers and a
table of contents with page references; PDF/A-3b; nothing fetched from the network.

The document date written in the PDF metadata is the assessment date (``data_valutazione``), not
the wall clock, so the same result gives the same bytes (WeasyPrint's file identifier is a hash
of the content).
"""

from __future__ import annotations

import logging
from pathlib import Path

from riskengine.errors import Location, Problem, RiskengineError

PDF_FILE = "allegato-rischi.pdf"
PDF_VARIANT = "pdf/a-3b"


def pdf_bytes(html: str) -> bytes:
    """Render the print variant of the annex HTML to PDF/A-3b bytes."""
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
        return HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf(pdf_variant=PDF_VARIANT)
    except Exception as exc:  # WeasyPrint errors carry no file/line of ours: name the output
        raise RiskengineError([Problem(Location(PDF_FILE), f"PDF rendering failed: {type(exc).__name__}: {exc}",
                                       code="report")]) from exc
    finally:
        for logger, level in zip(loggers, levels):
            logger.setLevel(level)


def write_pdf(html: str, staging: Path) -> list[Path]:
    """Write ``allegato-rischi.pdf`` into ``staging``."""
    path = staging / PDF_FILE
    path.write_bytes(pdf_bytes(html))
    return [path]
