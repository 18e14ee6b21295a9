"""Whole rows of an XLSX sheet (report/xlsx_rows.py): the bytes of xlsxwriter's per-cell calls, except text that
xlsxwriter would copy into the sheet as raw XML (its rich strings), which is escaped."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from xlsxwriter import Workbook

from riskengine.report import write_annex
from riskengine.report.xlsx import XLSX_FILE
from riskengine.report.xlsx_rows import StreamedSheet

FORMATS = ({"text_wrap": True, "valign": "top"}, {"bold": True, "bg_color": "#E8ECF2", "pattern": 1},
           {"num_format": "0.00"}, {"num_format": "dd/mm/yyyy", "text_wrap": True},
           {"bold": True, "bg_color": "#C62828", "font_color": "#FFFFFF", "pattern": 1})


def _per_cell(ws, row: int, cells) -> None:
    """The reference: xlsxwriter's own calls, one per cell."""
    for col, (value, fmt) in enumerate(cells):
        if value is None:
            ws.write_blank(row, col, None, fmt)
        elif isinstance(value, str):
            ws.write_string(row, col, value, fmt)
        elif isinstance(value, bool):
            ws.write_boolean(row, col, value, fmt)
        elif isinstance(value, date):
            ws.write_datetime(row, col, value, fmt)
        else:
            ws.write_number(row, col, value, fmt)


def _workbook(sheets, *, streamed: bool) -> bytes:
    """A workbook of ``sheets`` (each a list of (row, [(value, format number)])) written either way."""
    buffer = io.BytesIO()
    workbook = Workbook(buffer, {"constant_memory": True})
    workbook.set_properties({"created": datetime(2026, 1, 15)})  # not the clock: the two files can be compared
    formats = [workbook.add_format(properties) for properties in FORMATS]
    for rows in sheets:
        ws = workbook.add_worksheet(worksheet_class=StreamedSheet if streamed else None)
        for row, cells in rows:
            cells = [(value, formats[f]) for value, f in cells]
            if streamed:
                ws.write_cells(row, cells)
            else:
                _per_cell(ws, row, cells)
    workbook.close()
    return buffer.getvalue()


def _is_rich(text: str) -> bool:
    return text.startswith("<r>") and text.endswith("</r>")


_values = st.one_of(
    st.none(), st.text(max_size=30).filter(lambda s: not _is_rich(s)),
    st.text(alphabet=" \t\r\n_x0Ff<>&\"'=\x00\x01\x1f\ufffe\uffff\u00a0\u2028é", max_size=12).filter(
        lambda s: not _is_rich(s)),
    st.text(alphabet="ab_x0F&<>é", max_size=6).filter(lambda s: not _is_rich(s)),  # one kind of escape at a time
    st.booleans(), st.integers(-10**15, 10**15), st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False), st.dates(min_value=date(1900, 3, 1)),
    st.datetimes(min_value=datetime(1900, 3, 1)))
_rows = st.lists(st.tuples(st.integers(1, 3), st.lists(st.tuples(_values, st.integers(0, len(FORMATS) - 1)),
                                                       max_size=6)), max_size=6)


def _numbered(rows):
    """Rows with their numbers (gaps of 1 to 3: some rows are absent)."""
    numbered, row = [], -1
    for gap, cells in rows:
        row += gap
        numbered.append((row, cells))
    return numbered


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_rows, min_size=1, max_size=3))
def test_a_workbook_of_whole_rows_is_the_per_cell_workbook_byte_for_byte(sheets):
    # the whole file: sheets, and the styles (formats are numbered in order of first use, the last row of each
    # sheet when the workbook closes)
    sheets = [_numbered(rows) for rows in sheets]
    assert _workbook(sheets, streamed=True) == _workbook(sheets, streamed=False)


@pytest.mark.parametrize("text", [
    "plain", "", "a&b", "a<b", "a>b", 'a"b', "a'b", " lead", "trail ", "\tlead", "trail\n", "mid\nline", "\u00a0nbsp",
    "line\u2028", "cr\rhere", "nul\x00", "esc\x1b", "_x0041_", "a_x00e9_b", "_x004_", "\ufffe", "x\uffff",
    "<r>not closed", "closed only</r>", "<r/>", "=1+1", "é à ü", "\U0001f600"])
def test_each_kind_of_text_is_written_as_xlsxwriter_writes_it(text):
    sheets = [[(0, [(text, 0), (text, 1)]), (2, [(text, 4)])]]
    assert _workbook(sheets, streamed=True) == _workbook(sheets, streamed=False)


def test_long_text_is_cut_where_xlsxwriter_cuts_it():
    text = "é" * 20_000 + "\U0001f600" * 8_000 + "x" * 10  # 36,010 UTF-16 units: over Excel's 32,767
    sheets = [[(0, [(text, 0), ("x" * 16_384, 0), (" padded ", 0)])]]
    assert _workbook(sheets, streamed=True) == _workbook(sheets, streamed=False)


def _sheet_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return z.read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_text_that_looks_like_rich_text_cannot_inject_cells_or_formulas():
    # regression: xlsxwriter copies a string that starts with <r> and ends with </r> into the sheet unescaped
    from openpyxl import load_workbook

    payload = ('<r><t>ok</t></r></is></c><c r="B1"><f>HYPERLINK("http://x","y")</f></c>'
               '<c r="C1" t="inlineStr"><is><r><t>y</t></r>')
    data = _workbook([[(0, [(payload, 0)])]], streamed=True)
    assert "<f>" not in _sheet_xml(data)
    cells = [c for row in load_workbook(io.BytesIO(data)).active.iter_rows() for c in row]
    assert [(c.coordinate, c.value, c.data_type) for c in cells] == [("A1", payload, "s")]


def test_a_rich_looking_process_name_stays_text_in_the_annex(assessed, tmp_path):
    from openpyxl import load_workbook

    result = assessed("mini")
    bad = {**result, "processi": [dict(p) for p in result["processi"]]}
    bad["processi"][0]["nome"] = '<r><t>x</t></r></is></c><c r="Z1"><f>1+1</f></c><c r="Y1" t="inlineStr"><is><r></r>'
    write_annex(bad, tmp_path / "out", formats=("xlsx",))
    path = tmp_path / "out" / XLSX_FILE
    with zipfile.ZipFile(path) as z:
        sheets = [z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
    assert sheets and not any("<f>" in xml for xml in sheets)
    texts = {c.value for ws in load_workbook(path).worksheets for row in ws.iter_rows() for c in row}
    assert bad["processi"][0]["nome"] in texts


def test_a_number_that_is_not_finite_is_written_as_its_text():
    # a cell cannot hold one (xlsxwriter raised TypeError)
    from openpyxl import load_workbook

    data = _workbook([[(0, [(Decimal("NaN"), 2), (float("inf"), 2), (Decimal("-Infinity"), 2), (Decimal("1.50"), 2)])]],
                     streamed=True)
    row = next(load_workbook(io.BytesIO(data)).active.iter_rows())
    assert [(c.value, c.data_type) for c in row] == [("NaN", "s"), ("inf", "s"), ("-Infinity", "s"), (1.5, "n")]


def test_rows_must_come_in_increasing_order():
    workbook = Workbook(io.BytesIO(), {"constant_memory": True})
    ws = workbook.add_worksheet(worksheet_class=StreamedSheet)
    fmt = workbook.add_format()
    ws.write_cells(3, [("a", fmt)])
    with pytest.raises(ValueError, match="row 3 after row 3"):
        ws.write_cells(3, [("b", fmt)])
    with pytest.raises(ValueError, match="row 2 after row 3"):
        ws.write_cells(2, [("b", fmt)])
    workbook.close()


def test_anything_else_in_a_cell_is_refused():
    workbook = Workbook(io.BytesIO(), {"constant_memory": True})
    ws = workbook.add_worksheet(worksheet_class=StreamedSheet)
    ws.write_cells(0, [(["x"], workbook.add_format())])
    with pytest.raises(TypeError, match=r"list in a cell \(A1\)"):
        workbook.close()
