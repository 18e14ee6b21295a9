"""The annex's files by format and edition, and ``LEGGIMI.txt``, which says which is which (no renderer imported:
an annex of workbooks and tables alone names its files too)."""

from __future__ import annotations

from pathlib import Path

from riskengine.report.messages import Messages

ANNEX_FILE = "allegato-rischi.html"
PUBLICATION_FILE = "allegato-rischi-pubblicazione.html"
PDF_FILE = "allegato-rischi.pdf"
PUBLICATION_PDF_FILE = "allegato-rischi-pubblicazione.pdf"
README_FILE = "LEGGIMI.txt"


def annex_file(edition: str) -> str:
    """The HTML file of an edition of the annex."""
    return PUBLICATION_FILE if edition == "pubblicazione" else ANNEX_FILE


def pdf_file(edition: str) -> str:
    """The PDF file of an edition of the annex."""
    return PUBLICATION_PDF_FILE if edition == "pubblicazione" else PDF_FILE


def write_readme(staging: Path, messages: Messages, formats: tuple[str, ...], editions: tuple[str, ...]) -> Path:
    """Write ``LEGGIMI.txt``: which file of the directory is which edition or format, for whom (in the annex's
    language)."""
    lines = [messages("leggimi.titolo"), ""]
    if {"html", "pdf"} & set(formats):  # the editions
        for edition in editions:
            files = [annex_file(edition)] if "html" in formats else []
            files += [pdf_file(edition)] if "pdf" in formats else []
            lines.append(messages(f"leggimi.{edition}", file=", ".join(files)))
            if edition == "completa" and "html" in formats:
                lines.append(messages("leggimi.schede"))
                lines.append(messages("leggimi.unita"))
        if "pubblicazione" not in editions:
            lines.append(messages("leggimi.senza_pubblicazione"))
    # the other formats, in the order of riskengine.report.FORMATS (the Word annex last: on request only)
    lines += [messages(f"leggimi.{fmt}") for fmt in ("xlsx", "csv", "json", "docx") if fmt in formats]
    path = staging / README_FILE
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path
