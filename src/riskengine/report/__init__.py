"""Rendering of the risk annex from an assessment result (never from the catalogue or the rules).

``write_annex`` renders every requested format into a staging directory beside the output
directory and swaps it in only when all files have been written: a failure leaves the previous
annex untouched. Output tree (see docs/annex.md)::

    OUT/risultato.json            the result (json)
    OUT/allegato-rischi.html      the complete annex, one offline file (html)
    OUT/schede/<processo>.html    one standalone risk sheet per process (html)
    OUT/allegato-rischi.pdf       the annex as PDF/A-3b (pdf)
    OUT/allegato-rischi.xlsx      one sheet per table plus the legend (xlsx)
    OUT/csv/<tabella>.csv         one CSV per table (csv)
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from riskengine.errors import Location, Problem, RiskengineError
from riskengine.report.output import replace_directory, staging_directory

FORMATS = ("html", "pdf", "xlsx", "csv", "json")
RESULT_FILE = "risultato.json"
# Everything write_annex may put at the top of the output directory. A directory holding anything
# else is not replaced (it is not a previous annex, and its other files would be lost).
OUTPUT_NAMES = frozenset({RESULT_FILE, "allegato-rischi.html", "allegato-rischi.pdf", "allegato-rischi.xlsx",
                          "schede", "csv"})


def result_json(result: dict[str, Any]) -> str:
    """Canonical JSON of a result: sorted keys, UTF-8, two-space indent, trailing newline."""
    return json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def canonical_copy(result: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``result`` in its canonical JSON form (keys sorted, tuples as lists).

    The annex is rendered from this form, so that an annex rendered right after the assessment and
    one rendered later from risultato.json are byte for byte the same.
    """
    return json.loads(json.dumps(result, ensure_ascii=False, sort_keys=True))


def load_result(path: str | Path) -> dict[str, Any]:
    """Read a result JSON written by ``assess``, checked (see :func:`riskengine.result.read.read_result`)."""
    from riskengine.result.read import read_result

    return read_result(path)


def _check_target(out_dir: Path) -> None:
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise RiskengineError([Problem(Location(str(out_dir)), "the output path exists and is not a directory",
                                       code="report", hint="choose a new directory for the annex")])
    foreign = sorted(p.name for p in out_dir.iterdir() if p.name not in OUTPUT_NAMES)
    if foreign:
        shown = ", ".join(foreign[:5]) + (", …" if len(foreign) > 5 else "")
        raise RiskengineError([Problem(Location(str(out_dir)),
                                       f"the output directory holds files riskengine did not write ({shown}); "
                                       "replacing it would delete them", code="report",
                                       hint="choose an empty or new directory, or the directory of a previous annex")])


def _check_formats(formats: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [f for f in formats if f not in FORMATS]
    if unknown or not formats:
        raise RiskengineError([Problem(Location("--format"), f"unknown format(s): {', '.join(unknown) or '(none)'}",
                                       code="report", hint="expected: " + ", ".join(FORMATS))])
    return tuple(f for f in FORMATS if f in formats)


def render_annex(result: dict[str, Any], staging: Path, *, formats: tuple[str, ...], lang: str = "it",
                 templates: str | Path | None = None, csv_delimiter: str = ",") -> list[Path]:
    """Render ``formats`` of the annex into the (empty) directory ``staging``; return the files written."""
    from riskengine.report.messages import Messages
    from riskengine.report.view import View

    formats = _check_formats(tuple(formats))
    messages = Messages(lang)
    written: list[Path] = []
    if "csv" in formats:
        from riskengine.report.csv_files import check_delimiter

        check_delimiter(csv_delimiter)
    if "json" in formats:
        from riskengine.result.writer import write_json

        path = staging / RESULT_FILE
        write_json(result, path)  # streamed: the same bytes as result_json(), without the whole text in memory
        written.append(path)
    if "html" in formats or "pdf" in formats:
        from riskengine.report.html import HtmlRenderer, write_html

        # Templates get their own copy: whatever a (user) template does to it cannot reach XLSX or CSV.
        renderer = HtmlRenderer(View(canonical_copy(result), messages), templates)
        if "html" in formats:
            written += write_html(renderer, staging)
        if "pdf" in formats:
            from riskengine.report.pdf import write_pdf

            written += write_pdf(renderer.annex(pdf=True), staging)
    view = View(canonical_copy(result), messages) if "xlsx" in formats or "csv" in formats else None
    if "xlsx" in formats:
        from riskengine.report.xlsx import write_xlsx

        written += write_xlsx(view, staging)
    if "csv" in formats:
        from riskengine.report.csv_files import write_csv

        written += write_csv(view, staging, csv_delimiter)
    return written


def write_annex(result: dict[str, Any], out_dir: str | Path, *, formats: tuple[str, ...] = FORMATS, lang: str = "it",
                templates: str | Path | None = None, csv_delimiter: str = ",") -> list[Path]:
    """Write the annex in ``formats`` to ``out_dir``, replacing it only when every file has been written.

    ``templates`` is a directory of template overrides (by file name); ``csv_delimiter`` is ``,``
    (default), ``;`` or a tab. Raises :class:`RiskengineError` (the previous ``out_dir`` untouched)
    when a template fails, the language or a format is unknown, or ``out_dir`` holds foreign files.
    """
    out_dir = Path(out_dir)
    _check_target(out_dir)
    staging = staging_directory(out_dir)
    try:
        render_annex(result, staging, formats=formats, lang=lang, templates=templates, csv_delimiter=csv_delimiter)
        replace_directory(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(p for p in out_dir.rglob("*") if p.is_file())
