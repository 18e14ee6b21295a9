"""Rows of an XLSX sheet written whole, with the bytes xlsxwriter's per-cell calls write in constant-memory mode.

xlsxwriter spends most of an annex's time per cell (argument conversion, a cell tuple in a table, a type
dispatch on the class name and an attribute list per cell). :class:`StreamedSheet` takes a row's values and
formats at once and writes the row's XML as one string, at the moment xlsxwriter would write it: a row is
held until the next one starts, and the last one until the workbook closes, so that formats get their
numbers (xf indexes, in order of first use) exactly as they would cell by cell.

One deliberate difference: text is always an escaped inline string. xlsxwriter copies text that starts with
``<r>`` and ends with ``</r>`` into the sheet unescaped (its rich strings), so a catalogue text could inject
cells or formulas into the annex (tests/test_report_xlsx_rows.py).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from math import isfinite
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.worksheet import Worksheet
from xlsxwriter.xmlwriter import XMLwriter

# Text that xlsxwriter would change on its way into the XML: control characters and literal _xHHHH_ (escaped as
# _xHHHH_), the two non-characters, XML's & < > and leading or trailing white space (xml:space="preserve").
_NOT_VERBATIM = re.compile(r"^\s|\s$|[\x00-\x08\x0b-\x1f&<>\ufffe\uffff]|_x[0-9a-fA-F]{4}_")
_NUMBERS = (int, float, Decimal)

Cell = tuple[Any, Format]


class StreamedSheet(Worksheet):
    """A constant-memory worksheet written a row at a time with :meth:`write_cells` (and no per-cell calls).

    Values: ``None`` (an empty cell that keeps its format), text, ``bool``, numbers (``int``, ``float``,
    ``Decimal``; one that is not finite, which a cell cannot hold, as its text) and dates (``date`` or
    ``datetime``, stored as Excel serial numbers). Rows have no attributes of their own (no ``set_row``).
    """

    def __init__(self) -> None:
        super().__init__()
        self._held: tuple[int, Sequence[Cell]] | None = None
        self._styles: dict[Format, str] = {}
        self._columns: list[str] = []

    def write_cells(self, row: int, cells: Sequence[Cell]) -> None:
        """Write ``cells`` (value, format) in columns A, B, … of ``row``; rows must come in increasing order.

        The row is written when the next one starts (or when the workbook closes), as xlsxwriter does.
        A row past the sheet's last (1,048,576) is left out, as xlsxwriter leaves out its cells.
        """
        if self._held is not None and row <= self._held[0]:
            raise ValueError(f"row {row} after row {self._held[0]}: rows are written in increasing order")
        # as xlsxwriter's cell calls: no cell, or a row out of the sheet or already written, does not write the row
        # held (an empty row is not a row)
        if not cells or self._check_dimensions(row, 0) or self._check_dimensions(row, len(cells) - 1):
            return
        if row > self.previous_row:
            self._write_single_row(row)
        self._held = (row, cells)

    def _write_single_row(self, current_row_num: int = 0) -> None:
        # xlsxwriter's own hook for writing the row it holds: when the next row starts and when the workbook closes
        if self._held is None:
            super()._write_single_row(current_row_num)
            return
        row, cells = self._held
        self._held = None
        self.previous_row = current_row_num
        self.fh.write(self._row_xml(row, cells))

    def _row_xml(self, row: int, cells: Sequence[Cell]) -> str:
        number = str(row + 1)
        columns = self._columns
        while len(columns) < len(cells):
            columns.append(xl_col_to_name(len(columns)))
        styles = self._styles
        verbatim_length = self.xls_strmax // 2  # longer text may need cutting (Excel's limit is in UTF-16 units)
        parts = [f'<row r="{number}">']
        for col, (value, fmt) in enumerate(cells):
            style = styles.get(fmt)
            if style is None:  # numbered on first use, as xlsxwriter numbers it when writing the cell
                style = styles[fmt] = f' s="{fmt._get_xf_index()}"'
            ref = columns[col] + number
            kind = type(value)
            if kind is str:
                if len(value) <= verbatim_length and not _NOT_VERBATIM.search(value):  # most text: as it is
                    parts.append(f'<c r="{ref}"{style} t="inlineStr"><is><t>{value}</t></is></c>')
                else:
                    parts.append(self._text_xml(ref, style, value))
            elif value is None:
                parts.append(f'<c r="{ref}"{style}/>')
            elif kind is bool:
                parts.append(f'<c r="{ref}"{style} t="b"><v>{int(value)}</v></c>')
            elif isinstance(value, _NUMBERS):
                if value.is_finite() if isinstance(value, Decimal) else isfinite(value):
                    parts.append(f'<c r="{ref}"{style}><v>{value:.16G}</v></c>')
                else:
                    parts.append(self._text_xml(ref, style, str(value)))
            elif isinstance(value, date):
                parts.append(f'<c r="{ref}"{style}><v>{self._convert_date_time(value):.16G}</v></c>')
            elif isinstance(value, str):
                parts.append(self._text_xml(ref, style, str(value)))
            else:
                raise TypeError(f"{type(value).__name__} in a cell ({ref}): text, number, date or None expected")
        parts.append("</row>")
        return "".join(parts)

    def _text_xml(self, ref: str, style: str, text: str) -> str:
        # xlsxwriter's steps for text: cut to Excel's 32,767 UTF-16 units, control characters as _xHHHH_,
        # white space at either end kept, & < > escaped (and never its rich strings' raw XML)
        if len(text) > self.xls_strmax // 2 and _utf16_len(text) > self.xls_strmax:
            text = _utf16_truncate(text, self.xls_strmax)
        text = XMLwriter._escape_control_characters(text)
        space = ' xml:space="preserve"' if _preserve_whitespace(text) else ""
        return f'<c r="{ref}"{style} t="inlineStr"><is><t{space}>{self._escape_data(text)}</t></is></c>'
