"""Opening a workbook from others: bounded, macro-free, formula-free, text kept as text.

Every check runs on the zip directory and on streamed bytes BEFORE openpyxl parses anything: the
compressed size, the uncompressed sizes the directory declares (zipfile never reads past them), the
compression ratio of each member, macro parts, XML document type declarations, and the number of
cells of every sheet (counted in the raw XML). Only then is the workbook opened read-only.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import stat
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riskengine.errors import Location, RiskengineError, fail

MAX_WORKBOOK_BYTES = 10 * 1024 * 1024  # compressed: a national catalogue is about 2 MB
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024  # every member together, as the zip directory declares them
MAX_RATIO = 100  # uncompressed / compressed, per member: sheets compress 5-20 times, bombs thousands
MAX_MEMBERS = 1_000
MAX_CELLS = 500_000  # every sheet together
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
_CHUNK = 1024 * 1024
_SHEET = re.compile(r"xl/worksheets/[^/]+\.xml")
_PREFIXED_CELL = re.compile(rb"<\w+:c[\s>/]")  # <x:c r="A1">, from writers that prefix the namespace
_DOCTYPE = b"<!DOCTYPE"
FORMULA_PREFIXES = ("=", "+", "-", "@")


def _refuse(path: Path, message: str, hint: str) -> RiskengineError:
    return fail(Location(str(path)), message, code="workbook", hint=hint)


def check_container(path: Path) -> None:
    """Refuse what is not a bounded, macro-free XLSX: before any XML is parsed."""
    if path.suffix.lower() in (".xlsm", ".xltm", ".xlsb", ".xls"):
        raise _refuse(path, f"'{path.suffix}' workbooks are not accepted (macros or a binary format)",
                      "save it as 'Cartella di lavoro di Excel (*.xlsx)'")
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _refuse(path, f"cannot read the workbook: {exc.strerror}", "check the path") from None
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(path, "not a regular file", "give the path of an .xlsx file")
    if info.st_size > MAX_WORKBOOK_BYTES:
        raise _refuse(path, f"the workbook is {info.st_size / 1048576:.1f} MB, over the limit of "
                      f"{MAX_WORKBOOK_BYTES // 1048576} MB", "split it, or remove images and unused sheets")
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise _refuse(path, "not an XLSX workbook (not a zip archive)", "save it as .xlsx from Excel") from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _refuse(path, f"the workbook holds {len(members):,} parts, over the limit of {MAX_MEMBERS:,}",
                          "save it again from Excel")
        total = 0
        for member in members:
            name = member.filename
            if name.lower().endswith("vbaproject.bin") or "macroenabled" in name.lower():
                raise _refuse(path, "the workbook contains macros (vbaProject.bin)",
                              "save it as 'Cartella di lavoro di Excel (*.xlsx)', without macros")
            total += member.file_size
            if total > MAX_UNCOMPRESSED_BYTES:
                raise _refuse(path, f"the workbook expands to more than {MAX_UNCOMPRESSED_BYTES // 1048576} MB",
                              "a workbook this large is not a catalogue: split it")
            if member.file_size > 4096 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                raise _refuse(path, f"part '{name[:80]}' expands {member.file_size // max(member.compress_size, 1):,} "
                              "times: a zip bomb", "save the workbook again from Excel")
        _scan_members(path, archive, members)


def _scan_members(path: Path, archive: zipfile.ZipFile, members: list[zipfile.ZipInfo]) -> None:
    """Stream every XML part once: no DOCTYPE (entity expansion), no macro content type, cells counted."""
    cells = 0
    for member in members:
        if not member.filename.endswith((".xml", ".rels")):
            continue
        sheet = bool(_SHEET.fullmatch(member.filename))
        tail = b""
        with archive.open(member) as stream:
            while chunk := stream.read(_CHUNK):
                block = tail + chunk
                if _DOCTYPE in block:
                    raise _refuse(path, f"part '{member.filename[:80]}' declares a DOCTYPE",
                                  "save the workbook again from Excel")
                if member.filename == "[Content_Types].xml" and b"macroEnabled" in block:
                    raise _refuse(path, "the workbook is macro-enabled",
                                  "save it as 'Cartella di lavoro di Excel (*.xlsx)', without macros")
                if sheet:  # a cell split between two chunks is missed: one in a million
                    cells += chunk.count(b"<c ") + chunk.count(b"<c>") + len(_PREFIXED_CELL.findall(chunk))
                    if cells > MAX_CELLS:
                        raise _refuse(path, f"the workbook has more than {MAX_CELLS:,} cells",
                                      "a catalogue this large is not read from Excel: split it or use YAML")
                tail = block[-16:]


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
    """The non-empty cells of a sheet, by row."""

    title: str
    rows: dict[int, dict[int, Cell]]


def read_workbook(path: str | os.PathLike) -> dict[str, Sheet]:
    """The sheets of a checked workbook, as data; formula cells are refused with their address."""
    from openpyxl import load_workbook

    path = Path(path)
    check_container(path)
    try:
        book = load_workbook(path, read_only=True, data_only=False, keep_links=False, keep_vba=False)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file: one located line
        raise _refuse(path, f"the workbook cannot be read: {type(exc).__name__}", "save it again from Excel") from None
    sheets: dict[str, Sheet] = {}
    problems = []
    try:
        for ws in book.worksheets:
            rows: dict[int, dict[int, Cell]] = {}
            for row in ws.iter_rows():
                for item in row:
                    value = getattr(item, "value", None)
                    if value is None or (isinstance(value, str) and not value.strip()):
                        continue
                    cell = Cell(ws.title, item.row, item.column, value)
                    if item.data_type == "f":
                        problems.append(fail(cell_location(path, ws.title, cell.ref),
                                             "a formula is not accepted: cells hold data",
                                             code="workbook", hint="replace it with its value").problems[0])
                        continue
                    if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                        problems.append(fail(cell_location(path, ws.title, cell.ref),
                                             f"a cell holds {len(value):,} characters, more than Excel's "
                                             f"{MAX_CELL_CHARS:,}", code="workbook",
                                             hint="shorten the text").problems[0])
                        continue
                    if isinstance(value, dt.time):
                        value = value.isoformat()
                    rows.setdefault(item.row, {})[item.column] = Cell(ws.title, item.row, item.column, value)
            sheets[ws.title] = Sheet(ws.title, rows)
    finally:
        book.close()
    if problems:
        raise RiskengineError(problems)
    return sheets


def cells(sheet: Sheet) -> Iterator[Cell]:
    """Every cell of ``sheet``, row by row."""
    for row in sorted(sheet.rows):
        yield from (sheet.rows[row][c] for c in sorted(sheet.rows[row]))
