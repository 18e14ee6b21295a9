"""Writing sheets with openpyxl: headers, widths, drop-downs, text kept as text, deterministic bytes."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
from typing import Any

from riskengine.i18n import Text
from riskengine.source.writing import temporary_refusal
from riskengine.workbook.layout import LISTS_SHEET, Column
from riskengine.workbook.safety import FORMULA_PREFIXES, column_letter

HEADER_FILL = "E8ECF2"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
MIN_WIDTH, MAX_WIDTH = 8, 60
MAX_INLINE_CHOICES = 250  # characters of an inline drop-down list (Excel's limit is 255)
DATE_FORMAT = "DD/MM/YYYY"  # the catalogue workbook's, in every language (its format's own)
DATE_FORMATS = {"it": DATE_FORMAT, "en": "YYYY-MM-DD"}  # a questionnaire's: as its language writes dates


def set_cell(ws: Any, row: int, column: int, value: Any, date_format: str = DATE_FORMAT) -> Any:
    """Write ``value``; text that starts like a formula stays text (string type, quote prefix); a date shown in
    ``date_format``."""
    cell = ws.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        cell.data_type = "s"
        cell.quotePrefix = True
    elif isinstance(value, datetime) or (hasattr(value, "isoformat") and not isinstance(value, str)):
        cell.number_format = date_format
    return cell


def bold() -> Any:
    """The font of labels."""
    from openpyxl.styles import Font

    return Font(bold=True)


def style_header(ws: Any, headers: list[str], *, notes: dict[int, str] | None = None) -> None:
    """A bold, filled, frozen first row."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill

    bold, fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    for index, text in enumerate(headers, start=1):
        cell = set_cell(ws, 1, index, text)
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if notes and index in notes:
            cell.comment = Comment(notes[index], "riskengine", width=300, height=120)
    ws.freeze_panes = "A2"


def fit_widths(ws: Any, count: int) -> None:
    """Column widths from the longest line of each column, within bounds; text wraps at the top."""
    from openpyxl.styles import Alignment

    widths = [MIN_WIDTH] * (count + 1)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            if cell.value is None:
                continue
            longest = max((len(line) for line in str(cell.value).split("\n")), default=0)
            widths[cell.column] = max(widths[cell.column], min(MAX_WIDTH, longest + 2))
            cell.alignment = wrap
    for row in ws.iter_rows(min_row=1, max_row=1):
        for cell in row:
            widths[cell.column] = max(widths[cell.column], min(MAX_WIDTH, len(str(cell.value or "")) + 2))
    for index in range(1, count + 1):
        ws.column_dimensions[column_letter(index)].width = widths[index]


def drop_down(ws: Any, column: Column, ref: str, lists: dict[str, tuple[int, int]], words: Text, *,
              choices: tuple[str, ...] = ()) -> None:
    """A list validation over the cells ``ref``: the column's words, or the codes of its list in "Elenchi"; its
    messages in the language of ``words``.

    A cell holding several codes (one per line) is not a single choice: there the list is offered,
    and any value is accepted (the import checks each code).
    """
    from openpyxl.worksheet.datavalidation import DataValidation

    offered = choices or column.choices
    if column.kind == "bool":
        offered = ("sì", "no")
    if offered and sum(len(w) + 1 for w in offered) <= MAX_INLINE_CHOICES and not any("," in w for w in offered):
        formula = '"' + ",".join(offered) + '"'
    elif column.ref in lists:
        index, count = lists[column.ref]
        letter = column_letter(index)
        formula = f"{LISTS_SHEET}!${letter}$2:${letter}${count + 1}"
    else:
        return
    strict = not column.many and column.kind != "date-or-choice"
    validation = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=strict,
                                errorStyle="stop", error=words("cartella.convalida.errore"),
                                errorTitle=words("cartella.convalida.titolo"))
    if column.many:
        validation.prompt, validation.showInputMessage = words("cartella.convalida.piu_codici"), True
    ws.add_data_validation(validation)
    validation.add(ref)


def deterministic_bytes(book: Any, when: datetime) -> bytes:
    """The workbook's bytes with fixed document times and fixed zip entry timestamps."""
    props = book.properties
    props.creator = props.lastModifiedBy = "riskengine"
    props.created = props.modified = when
    buffer = io.BytesIO()
    try:
        book.save(buffer)
    except Exception as exc:  # openpyxl lays each sheet out in a file of the system's temporary folder
        if (refused := temporary_refusal(exc)) is None:
            raise
        raise refused from None
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                                 lambda mo: mo.group(1) + stamp + mo.group(2), content)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, content)
    return out.getvalue()
