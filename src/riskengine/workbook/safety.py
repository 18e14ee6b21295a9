"""Opening a workbook from others: bounded, macro-free, formula-free, text kept as text.

Every check runs on the zip directory and on streamed bytes BEFORE openpyxl parses anything (the
container's checks in :mod:`riskengine.source.archive`), with the number of cells of every sheet
counted in the raw XML. Only then is the workbook opened read-only.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from riskengine.errors import Location, Problem, RiskengineError, shorten
from riskengine.i18n import refuse, said
from riskengine.source.archive import check_archive

MAX_WORKBOOK_BYTES = 10 * 1024 * 1024  # compressed: a national catalogue is about 2 MB
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # every member together, as the zip directory declares them
MAX_CELLS = 500_000  # every sheet together
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
_PREFIXED_CELL = re.compile(rb"<\w+:c[\s>/]")  # <x:c r="A1">, from writers that prefix the namespace
FORMULA_PREFIXES = ("=", "+", "-", "@")


def _refuse(path: Path, key: str, hint: str, **values: Any) -> RiskengineError:
    """One located problem about a workbook, worded by ``problemi.cartella.<key>`` and its hint."""
    return refuse(Location(str(path)), f"problemi.cartella.{key}", code="workbook",
                  hint_key=f"problemi.cartella.suggerimento.{hint}", **values)


def check_container(path: Path) -> None:
    """Refuse what is not a bounded, macro-free XLSX of at most ``MAX_CELLS`` cells: before any XML is parsed."""
    cells = 0

    def count(part: str, chunk: bytes) -> None:
        nonlocal cells
        if _SHEET.fullmatch(part):  # a cell split between two chunks is missed: one in a million
            cells += chunk.count(b"<c ") + chunk.count(b"<c>") + len(_PREFIXED_CELL.findall(chunk))
            if cells > MAX_CELLS:
                raise _refuse(path, "troppe_celle", "dividi", limite_celle=MAX_CELLS)

    check_archive(path, max_bytes=MAX_WORKBOOK_BYTES, max_uncompressed=MAX_UNCOMPRESSED_BYTES, code="workbook",
                  save_as="xlsx", scan=count)


@dataclass(frozen=True)
class Cell:
    """One non-empty cell as data: where it is and what it holds (text, number, date or true/false)."""

    sheet: str
    row: int
    column: int
    value: Any

    @property
    def ref(self) -> str:
        """``C12``."""
        return f"{column_letter(self.column)}{self.row}"


# A number under 3000 typed into a cell formatted as a date (a year, 2026; a day, 31) is shown by Excel as a day of
# 1900–1908 (1904–1912 in a workbook counting from 1904): it is read as the number typed, so that it is refused as
# a number where a date is expected rather than taken for 18/07/1905. No plan holds a day that early.
_TYPED_NUMBERS = 3000


def _date_cell(value: Any, style: int, book: Any) -> Any:
    """The value of a cell formatted as a date, from its number: a date (or a time, below 1), else the number typed."""
    from openpyxl.utils.datetime import from_excel

    if style not in book._date_formats or isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if not 0 <= value < 1 and value < _TYPED_NUMBERS:
        return value
    try:
        day = from_excel(value, book.epoch, timedelta=style in book._timedelta_formats)
    except (OverflowError, ValueError):  # beyond the dates Python knows: the number, refused where a date is due
        return value
    return day.isoformat() if isinstance(day, dt.time) else day


def column_letter(index: int) -> str:
    """1 → A, 28 → AB."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_location(path: Path | str, sheet: str, ref: str) -> Location:
    """``FILE.xlsx:Foglio!C12`` as a problem's place."""
    return Location(f"{path}:{sheet}!{ref}")


@dataclass
class Sheet:
    """The non-empty cells of a sheet, by row, and its merged ranges (``B3:D3``, in row order)."""

    title: str
    rows: dict[int, dict[int, Cell]]
    merged: list[str] = field(default_factory=list)


def merged_cells(path: Path, sheet: Sheet) -> list[Problem]:
    """A problem at the first cell of each merged range of a sheet that is read: Excel keeps the value of the first
    cell only, and the others' columns would read empty."""
    return [said(cell_location(path, sheet.title, ref.split(":")[0]), "problemi.cartella.celle_unite",
                 code="workbook", celle=ref, hint_key="problemi.cartella.suggerimento.separa") for ref in sheet.merged]


def read_workbook(path: str | os.PathLike) -> dict[str, Sheet]:
    """The sheets of a checked workbook, as data; formula cells and Excel's error values are refused with their
    address."""
    sheets, refused = read_sheets(path)
    if refused:
        raise RiskengineError(refused)
    return sheets


def read_sheets(path: str | os.PathLike) -> tuple[dict[str, Sheet], list[Problem]]:
    """The sheets of a checked workbook, as data, and a problem at each cell refused and left out of them (a
    formula, Excel's error value, a cell over Excel's length): a reader goes on without those cells and says them
    with what it finds next. Two sheets of one name are refused with the cells, before any is read."""
    from openpyxl import load_workbook

    path = Path(path)
    check_container(path)
    try:
        book = load_workbook(path, read_only=True, data_only=False, keep_links=False, keep_vba=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file: one located line
        raise _refuse(path, "illeggibile", "salva", errore=type(exc).__name__) from None
    sheets: dict[str, Sheet] = {}
    problems: list[Problem] = []
    twice: list[Problem] = []
    try:
        for ws in book.worksheets:
            rows: dict[int, dict[int, Cell]] = {}
            try:
                merged: list[str] = []
                for item in _cells_of(book, ws, merged):
                    value = item["value"]
                    if value is None or (isinstance(value, str) and not value.strip()):
                        continue
                    cell = Cell(ws.title, item["row"], item["column"], value)
                    if item["data_type"] == "f":
                        problems.append(said(cell_location(path, ws.title, cell.ref), "problemi.cartella.formula",
                                             code="workbook", hint_key="problemi.cartella.suggerimento.valore"))
                        continue
                    if item["data_type"] == "e":  # #N/A, #DIV/0!: a formula's failure, pasted as a value
                        problems.append(said(cell_location(path, ws.title, cell.ref), "problemi.cartella.errore_excel",
                                             code="workbook", hint_key="problemi.cartella.suggerimento.errore_excel",
                                             errore=shorten(str(value))))
                        continue
                    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                        problems.append(said(cell_location(path, ws.title, cell.ref), "problemi.cartella.cella_lunga",
                                             code="workbook", hint_key="problemi.cartella.suggerimento.accorcia",
                                             caratteri_cella=len(value), limite_caratteri=MAX_CELL_CHARS))
                        continue
                    value = _date_cell(value, item["style_id"], book)
                    rows.setdefault(cell.row, {})[cell.column] = Cell(ws.title, cell.row, cell.column, value)
            except Exception as exc:  # a damaged sheet (XML cut short, a cell openpyxl cannot read): one line
                raise _refuse(path, "foglio_illeggibile", "salva", foglio=ws.title, errore=type(exc).__name__) \
                    from None
            # by its name as one composes it: 'Unità' typed with a combining accent is the sheet «Unità»
            name = unicodedata.normalize("NFC", ws.title)
            if name in sheets:  # two sheets of one name written two ways: which one holds the data?
                twice.append(said(cell_location(path, ws.title, "A1"), "problemi.cartella.foglio_doppio",
                                  code="workbook", hint_key="problemi.cartella.suggerimento.foglio_doppio",
                                  foglio=name))
            sheets[name] = Sheet(ws.title, rows, merged)
    finally:
        book.close()
    if twice:
        raise RiskengineError(problems + twice)
    return sheets, problems


def _cells_of(book: Any, ws: Any, merged: list[str]) -> Iterator[dict[str, Any]]:
    """Every cell a sheet's XML holds, as openpyxl's parser reads it (row, column, value, data_type, style_id), a
    date cell as its number (see ``_date_cell``); once they are read, the sheet's merged ranges (``B3:D3``, in row
    order) are put in ``merged``.

    Not through ``iter_rows``: in read-only mode it stops at the dimension the sheet declares and pads each row up
    to it, so cells beyond a stale dimension were lost without a word, and a forged A1:XFD1048576 made millions
    of empty cells. The parser is openpyxl's own (the locked version's), on the sheet's part in the archive.
    """
    from openpyxl.utils.cell import range_boundaries
    from openpyxl.worksheet._reader import WorkSheetParser

    with book._archive.open(ws._worksheet_path) as source:
        parser = WorkSheetParser(source, book.shared_strings, data_only=False, epoch=book.epoch,
                                 date_formats=set(), timedelta_formats=set())
        for _, row in parser.parse():
            yield from row
    ranges = {str(m.ref) for m in parser.merged_cells.mergeCell} if parser.merged_cells is not None else set()
    merged += sorted(ranges, key=lambda ref: range_boundaries(ref)[1::-1])


def cells(sheet: Sheet) -> Iterator[Cell]:
    """Every cell of ``sheet``, row by row."""
    for row in sorted(sheet.rows):
        yield from (sheet.rows[row][c] for c in sorted(sheet.rows[row]))
