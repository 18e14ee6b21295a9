"""The XLSX annex (report/xlsx.py, xlsxwriter in constant-memory mode): cells, formats and sheets as the
openpyxl writer made them, text that is never a formula, and the same bytes for the same result."""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
import zipfile
from collections import Counter
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_report_support import check_golden, hostile

from riskengine.report import write_annex
from riskengine.report.messages import Messages
from riskengine.report.safety import neutralise
from riskengine.report.view import View
from riskengine.report.xlsx import XLSX_FILE, write_workbook


def _cell(cell) -> list:
    """What a reader sees in a cell: value (numbers as floats), number format, fill, font and alignment."""
    value = cell.value
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = float(value)  # the old writer wrote 2.00 where xlsxwriter writes 2: the same number
    elif isinstance(value, date | datetime):
        value = value.isoformat()
    fill = cell.fill.fgColor.rgb[-6:] if cell.fill is not None and cell.fill.fill_type == "solid" else None
    font = cell.font
    colour = font.color.rgb[-6:] if font.color is not None and isinstance(font.color.rgb, str) else None
    return [value, cell.number_format, fill, bool(font.b), float(font.sz or 11), colour,
            bool(cell.alignment.wrap_text), cell.alignment.vertical]


def xlsx_digest(path: Path) -> dict:
    """Each sheet's layout, print setup and census of cell formats, and a digest of every cell (_cell)."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    props = wb.properties
    digest: dict = {"properties": {k: str(getattr(props, k)) for k in (
        "title", "subject", "creator", "lastModifiedBy", "language", "created", "modified")}, "sheets": []}
    for ws in wb.worksheets:
        rows = [[_cell(c) for c in row] for row in ws.iter_rows()]
        formats = Counter(json.dumps(c[1:]) for row in rows for c in row)
        setup = ws.page_setup
        digest["sheets"].append({
            "title": ws.title, "freeze": ws.freeze_panes, "filter": ws.auto_filter.ref,
            "print_titles": ws.print_title_rows, "orientation": setup.orientation, "paper": str(setup.paperSize),
            # fitToWidth absent means 1 (ECMA-376's default; xlsxwriter, like Excel, leaves it out)
            "fit": [bool(ws.sheet_properties.pageSetUpPr.fitToPage), 1 if setup.fitToWidth is None else setup.fitToWidth,
                    setup.fitToHeight],
            # xlsxwriter stores the displayed width (34 -> 34.71) and joins equal neighbours into one range
            "widths": {str(i): int(d.width) for d in ws.column_dimensions.values() if d.width
                       for i in range(d.min, d.max + 1)},
            "rows": len(rows),
            "formats": dict(sorted(formats.items())),
            "cells_blake2b": hashlib.blake2b(json.dumps(rows, ensure_ascii=False).encode(), digest_size=20).hexdigest()})
    return digest


@pytest.fixture(scope="module")
def cciaa_annexes(assessed, tmp_path_factory):
    """The XLSX annex of esempio-cciaa in Italian and in English."""
    result = assessed("esempio-cciaa")
    paths = {}
    for lang in ("it", "en"):
        out = tmp_path_factory.mktemp("xlsx") / lang
        write_annex(result, out, formats=("xlsx",), lang=lang)
        paths[lang] = out / XLSX_FILE
    return result, paths


def test_cells_formats_and_sheets_are_the_openpyxl_writers(cciaa_annexes, update_golden):
    # The golden digest was made from the openpyxl writer's annex (7fa2bdd) and must not change with the writer.
    _, paths = cciaa_annexes
    digest = {lang: xlsx_digest(path) for lang, path in paths.items()}
    check_golden("esempio-cciaa/allegato-rischi.xlsx.digest.json",
                 json.dumps(digest, ensure_ascii=False, indent=1) + "\n", update_golden)


def test_level_cells_are_filled_with_the_levels_colour_and_dates_are_dates(cciaa_annexes):
    from openpyxl import load_workbook

    result, paths = cciaa_annexes
    levels = {lvl["etichetta"]: lvl for lvl in View(result, Messages("it")).levels_desc}
    wb = load_workbook(paths["it"])
    register = wb["Registro"]
    header = [c.value for c in register[1]]
    column = header.index("Livello inerente")
    filled = 0
    for row in register.iter_rows(min_row=2):
        cell = row[column]
        if cell.value is None:
            continue
        level = levels[cell.value]
        assert cell.fill.fgColor.rgb[-6:] == level["colore"].lstrip("#").upper()
        assert cell.font.color.rgb[-6:] == level["testo"].lstrip("#").upper() and cell.font.b
        filled += 1
    assert filled == sum(1 for p in result["processi"] if (p.get("inerente") or {}).get("livello"))
    dates = [c for ws in wb.worksheets for row in ws.iter_rows(min_row=2) for c in row if c.is_date]
    assert dates and all(c.number_format == "dd/mm/yyyy" for c in dates)
    assert all(c.number_format == "yyyy-mm-dd" for ws in load_workbook(paths["en"]).worksheets
               for row in ws.iter_rows(min_row=2) for c in row if c.is_date)


def _sheets_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")}


def test_text_starting_with_a_formula_sign_is_stored_as_a_string(assessed, tmp_path):
    from openpyxl import load_workbook

    bad = hostile(assessed("mini"))
    bad["processi"][0]["nome"] = "=1+1"
    bad["processi"][1]["nome"] = "https://example.org/x"  # write() would have made it a hyperlink
    bad["processi"][2]["nome"] = "123"  # and with strings_to_numbers a number
    write_annex(bad, tmp_path / "out", formats=("xlsx",))
    path = tmp_path / "out" / XLSX_FILE
    sheets = _sheets_xml(path)
    assert sheets and not any("<f>" in xml or "<f " in xml or "<hyperlink" in xml for xml in sheets.values())
    with zipfile.ZipFile(path) as z:
        assert not [n for n in z.namelist() if "worksheets/_rels" in n], "no hyperlink relationships"
    texts = {}
    for ws in load_workbook(path).worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{ws.title}!{cell.coordinate}"
                if isinstance(cell.value, str):
                    texts[cell.value] = cell.data_type
    assert texts["'=1+1"] == "s" and texts["https://example.org/x"] == "s" and texts["123"] == "s"
    assert texts["'=HYPERLINK(\"http://x\",\"y\")"] == "s" and texts["'@SUM(1+1)"] == "s"


def test_rows_are_streamed_as_inline_strings(assessed, tmp_path):
    # constant_memory writes each row when the next begins, with inline strings (no shared-string table
    # that would hold every text of the catalogue in memory)
    write_annex(assessed("mini"), tmp_path / "out", formats=("xlsx",))
    path = tmp_path / "out" / XLSX_FILE
    with zipfile.ZipFile(path) as z:
        assert "xl/sharedStrings.xml" not in z.namelist()
    assert all('t="inlineStr"' in xml for xml in _sheets_xml(path).values())


def test_same_result_same_bytes_whatever_the_time_zone(assessed):
    view = View(assessed("mini"), Messages("it"))

    def written() -> bytes:
        buffer = io.BytesIO()
        write_workbook(view, buffer)
        return buffer.getvalue()

    first = written()
    assert written() == first
    zone = os.environ.get("TZ")
    try:
        for other in ("America/New_York", "Asia/Tokyo"):
            os.environ["TZ"] = other
            time.tzset()
            assert written() == first, other
    finally:
        if zone is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = zone
        time.tzset()
    with zipfile.ZipFile(io.BytesIO(first)) as z:
        core = z.read("docProps/core.xml").decode()
    assert "2026-01-15T00:00:00Z" in core and "<dc:language>it</dc:language>" in core


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=40))
def test_any_text_reads_back_as_the_neutralised_text(text):
    from openpyxl import load_workbook
    from openpyxl.utils.escape import unescape
    from xlsxwriter import Workbook

    from riskengine.report.xlsx import _value
    from riskengine.report.xlsx_rows import StreamedSheet

    buffer = io.BytesIO()
    workbook = Workbook(buffer, {"constant_memory": True})
    workbook.add_worksheet(worksheet_class=StreamedSheet).write_cells(0, [(_value(text), workbook.add_format())])
    workbook.close()
    cell = load_workbook(io.BytesIO(buffer.getvalue()))["Sheet1"]["A1"]
    expected = neutralise(text)
    assert cell.data_type != "f"
    # a control character (CR) is stored as ECMA-376's _xHHHH_ escape (and a literal _xHHHH_ as _x005F_xHHHH_),
    # which Excel decodes and openpyxl leaves to its reader of inline strings
    assert unescape(cell.value or "") == expected


def test_each_kind_of_value_is_written_as_its_own_type():
    from decimal import Decimal

    from openpyxl import load_workbook
    from xlsxwriter import Workbook

    from riskengine.report import tables as tb
    from riskengine.report.xlsx import _value
    from riskengine.report.xlsx_rows import StreamedSheet

    buffer = io.BytesIO()
    workbook = Workbook(buffer, {"constant_memory": True})
    ws = workbook.add_worksheet(worksheet_class=StreamedSheet)
    boxed = workbook.add_format({"text_wrap": True})
    dated = workbook.add_format({"text_wrap": True, "num_format": "dd/mm/yyyy"})
    values = ["-1", Decimal("3.83"), 7, True, date(2026, 3, 31), tb.Level("A", "=Alto", "#c62828", "#ffffff"),
              "", None, ["x"]]
    ws.write_cells(0, [(_value(value), dated if isinstance(value, date) else boxed) for value in values])
    workbook.close()
    row = next(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows())
    assert [cell.value for cell in row] == ["'-1", 3.83, 7, True, datetime(2026, 3, 31), "'=Alto", None, None, "['x']"]
    assert [cell.data_type for cell in row[:5]] == ["s", "n", "n", "b", "d"]
    assert row[6].alignment.wrap_text and row[7].alignment.wrap_text, "empty cells keep their format"


def test_the_collector_is_paused_while_the_workbook_is_written_and_restored_after(assessed, monkeypatch):
    # the rows make no garbage cycles; the collector would only rescan the result (riskengine.gcpause)
    import gc

    from riskengine.report import xlsx

    seen: list[bool] = []
    write_table = xlsx._write_table
    monkeypatch.setattr(xlsx, "_write_table", lambda *args: (seen.append(gc.isenabled()), write_table(*args)))
    assert gc.isenabled()
    write_workbook(View(assessed("mini"), Messages("it")), io.BytesIO())
    assert seen and not any(seen)
    assert gc.isenabled() and gc.get_freeze_count() == 0
