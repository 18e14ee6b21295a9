"""Workbooks from others: oversize files, zip bombs, million-cell sheets, macros and entity tricks are
refused quickly, before openpyxl parses them, in bounded memory."""

from __future__ import annotations

import io
import os
import random
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from catalog_helpers import run_cli
from workbook_helpers import EXAMPLE, RULES, export

from riskengine.errors import RiskengineError
from riskengine.workbook.safety import MAX_CELLS, read_workbook


@pytest.fixture(scope="module")
def valid(tmp_path_factory) -> Path:
    return export(EXAMPLE, tmp_path_factory.mktemp("sicurezza") / "valido.xlsx")


def _with_parts(valid: Path, target: Path, parts: dict[str, bytes], *, compress: int = zipfile.ZIP_DEFLATED) -> Path:
    """A copy of a valid workbook with some parts replaced or added."""
    with zipfile.ZipFile(valid) as src, zipfile.ZipFile(target, "w", compress) as dst:
        for info in src.infolist():
            if info.filename not in parts:
                dst.writestr(info.filename, src.read(info.filename))
        for name, content in parts.items():
            dst.writestr(name, content)
    return target


def _refused(path: Path, words: str) -> float:
    """Seconds taken to refuse ``path`` (and the refusal names ``words``), with bounded memory."""
    start = time.perf_counter()
    with pytest.raises(RiskengineError) as caught:
        read_workbook(path)
    elapsed = time.perf_counter() - start
    tracemalloc.start()  # a second time, for the memory (tracing slows it down)
    with pytest.raises(RiskengineError):
        read_workbook(path)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert words in str(caught.value)
    assert str(path) in str(caught.value)
    assert peak < 16 * 1024 * 1024, f"{peak / 1048576:.0f} MB"
    return elapsed


def test_a_50_mb_workbook_is_refused_within_seconds(tmp_path, valid) -> None:
    big = _with_parts(valid, tmp_path / "grande.xlsx", {"xl/media/image1.png": os.urandom(50 * 1024 * 1024)},
                      compress=zipfile.ZIP_STORED)
    assert big.stat().st_size > 50 * 1024 * 1024
    assert _refused(big, "over the limit of 10 MB") < 2


def test_a_zip_bomb_is_refused_within_seconds(tmp_path, valid) -> None:
    bomb = _with_parts(valid, tmp_path / "bomba.xlsx", {"xl/worksheets/sheet3.xml": b"\0" * (64 * 1024 * 1024)})
    assert bomb.stat().st_size < 1024 * 1024
    assert _refused(bomb, "a zip bomb") < 2


def test_parts_declaring_more_than_the_total_limit_are_refused(tmp_path, valid) -> None:
    noise = random.Random(7)
    # runs of random length compress about 30 times: each part is under the ratio limit, the file under
    # 10 MB, and together the parts declare more than 100 MB
    runs = b"".join(b"a" * noise.randrange(1, 60) + b"b" for _ in range(40_000))
    parts = {f"xl/media/dati{i}.bin": runs * (36 * 1024 * 1024 // len(runs)) for i in range(3)}
    heavy = _with_parts(valid, tmp_path / "pesante.xlsx", parts)
    assert _refused(heavy, "expands to more than 100 MB") < 5


def test_a_sheet_of_more_than_the_cell_limit_is_refused_before_parsing(tmp_path, valid) -> None:
    noise = random.Random(3)
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (n, n, noise.randrange(10 ** 9))
                    for n in range(1, MAX_CELLS + 2))
    sheet = (b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
             b'spreadsheetml/2006/main"><sheetData>' + rows + b"</sheetData></worksheet>")
    huge = _with_parts(valid, tmp_path / "righe.xlsx", {"xl/worksheets/sheet3.xml": sheet})
    assert _refused(huge, f"more than {MAX_CELLS:,} cells") < 5


def test_macro_enabled_workbooks_are_refused(tmp_path, valid) -> None:
    xlsm = tmp_path / "macro.xlsm"
    xlsm.write_bytes(valid.read_bytes())
    assert _refused(xlsm, "'.xlsm' files are not accepted") < 1
    hidden = _with_parts(valid, tmp_path / "nascosta.xlsx", {"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 macro"})
    assert _refused(hidden, "contains macros (vbaProject.bin)") < 1
    with zipfile.ZipFile(valid) as src:
        types = src.read("[Content_Types].xml").replace(
            b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
            b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
    declared = _with_parts(valid, tmp_path / "dichiarata.xlsx", {"[Content_Types].xml": types})
    assert _refused(declared, "macro-enabled") < 1
    result = run_cli("import-xlsx", str(xlsm), "--out", str(tmp_path / "out"), "--rules", RULES)
    assert result.exit_code == 1 and "Traceback" not in result.stderr and not (tmp_path / "out").exists()


def test_an_xml_entity_declaration_is_refused(tmp_path, valid) -> None:
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
              b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&lol2;</t></si></sst>')
    entity = _with_parts(valid, tmp_path / "entita.xlsx", {"xl/sharedStrings.xml": laughs})
    assert _refused(entity, "declares a DOCTYPE") < 1


@pytest.mark.parametrize(("encoding", "marked"), [("utf-16", True), ("utf-16-le", False), ("utf-32", True),
                                                 ("utf-16-be", False)])
def test_an_entity_declaration_in_utf16_or_utf32_is_refused(tmp_path, valid, encoding, marked) -> None:
    # a part in UTF-16 hid its DOCTYPE from the byte scan, and the XML parser then expanded its entities: an
    # entity's text imported into the catalogue, a billion laughs or an external entity ended in exit 70
    text = (f'<?xml version="1.0" encoding="{encoding}"?><!DOCTYPE sst [<!ENTITY e "ESPANSA">]>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&e;</t></si></sst>')
    content = text.encode(encoding)
    assert marked == content.startswith((b"\xff\xfe", b"\xfe\xff"))
    assert b"<!DOCTYPE" not in content
    part = _with_parts(valid, tmp_path / f"{encoding}.xlsx", {"xl/sharedStrings.xml": content})
    assert _refused(part, "declares a DOCTYPE") < 1


@pytest.mark.parametrize("encoding", ["utf-7", "cp500"])
def test_a_part_in_an_encoding_where_ascii_is_not_itself_is_refused(tmp_path, valid, encoding) -> None:
    declared = encoding if encoding != "cp500" else "ebcdic-cp-us"
    text = (f'<?xml version="1.0" encoding="{declared}"?><!DOCTYPE sst [<!ENTITY e "ESPANSA">]>'
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&e;</t></si></sst>')
    content = text.encode(encoding).replace(b"<!DOCTYPE", b"+ADwAIQ-DOCTYPE")  # as UTF-7 may write "<!"
    assert b"<!DOCTYPE" not in content
    part = _with_parts(valid, tmp_path / f"{encoding}.xlsx", {"xl/sharedStrings.xml": content})
    assert _refused(part, "is in an encoding riskengine does not read") < 1


def test_a_utf16_part_of_a_document_management_system_is_read(tmp_path, valid) -> None:
    # SharePoint and other document management systems store their properties in customXml parts in UTF-16
    properties = ('<?xml version="1.0" encoding="utf-16"?><p:properties xmlns:p="http://schemas.microsoft.com/'
                  'office/2006/metadata/properties"><documentManagement/></p:properties>').encode("utf-16")
    shared = _with_parts(valid, tmp_path / "sharepoint.xlsx", {"customXml/item1.xml": properties})
    assert read_workbook(shared) == read_workbook(valid)


def test_a_part_in_utf8_with_its_mark_or_a_latin_declaration_is_read(tmp_path, valid) -> None:
    with zipfile.ZipFile(valid) as book:
        workbook = book.read("xl/workbook.xml")
    for name, content in (("bom", b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?>\n' + workbook),
                          ("latin", b'<?xml version="1.0" encoding="ISO-8859-1" standalone="yes"?>' + workbook)):
        assert read_workbook(_with_parts(valid, tmp_path / f"{name}.xlsx", {"xl/workbook.xml": content}))


def test_what_is_not_a_workbook_is_one_located_line(tmp_path) -> None:
    fake = tmp_path / "finto.xlsx"
    fake.write_text("codice;nome\nB1;prova\n", encoding="utf-8")
    assert _refused(fake, "not an Office file (not a zip archive)") < 1
    damaged = tmp_path / "rovinato.xlsx"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("xl/workbook.xml", b"<workbook")
    damaged.write_bytes(buffer.getvalue())
    assert _refused(damaged, "cannot be read") < 1
    # a Word document saved under the name of a workbook (template-check said "ValueError" of the reverse)
    document = tmp_path / "documento.xlsx"
    document.write_bytes((Path(__file__).parents[1] / "src" / "riskengine" / "report" / "templates" /
                          "allegato.docx").read_bytes())
    assert _refused(document, "error[workbook]: not an Excel workbook: an Office file of another kind (save it as "
                              "'Excel Workbook (*.xlsx)')") < 1


def _sheet_part(valid: Path, number: int) -> str:
    with zipfile.ZipFile(valid) as book:
        return book.read(f"xl/worksheets/sheet{number}.xml").decode("utf-8")


@pytest.mark.parametrize("dimension", ["A1:B2", "A1:XFD1048576"])
def test_every_cell_is_read_whatever_dimension_the_sheet_declares(tmp_path, valid, dimension) -> None:
    # openpyxl's read-only rows stop at the declared dimension: cells beyond a stale one were lost without a word
    # (Excel shows them), and a forged A1:XFD1048576 padded every row to 16,384 cells
    import re

    part = _sheet_part(valid, 9)  # Fattori
    assert re.search(r'<dimension ref="[^"]+"/>', part)
    declared = re.sub(r'<dimension ref="[^"]+"/>', f'<dimension ref="{dimension}"/>', part, count=1)
    edited = _with_parts(valid, tmp_path / "dimensione.xlsx", {"xl/worksheets/sheet9.xml": declared.encode()})
    start = time.perf_counter()
    sheets = read_workbook(edited)
    assert time.perf_counter() - start < 5
    original = read_workbook(valid)["Fattori"]
    assert max(original.rows) > 2 and sheets["Fattori"].rows == original.rows


def test_a_sheet_cut_short_is_one_located_line(tmp_path, valid) -> None:
    part = _sheet_part(valid, 14)  # Misure
    cut = _with_parts(valid, tmp_path / "tagliato.xlsx",
                      {"xl/worksheets/sheet14.xml": part[:len(part) // 2].encode()})
    result = run_cli("import-xlsx", str(cut), "--out", str(tmp_path / "out"), "--rules", RULES)
    assert result.exit_code == 1 and "Traceback" not in result.stderr and "internal error" not in result.stderr
    assert result.stderr.startswith(f"{cut}: error[workbook]: sheet «Misure» cannot be read (") and \
        "the file is damaged (save it again from Excel)" in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_merged_cells_are_refused_at_their_first_cell_in_the_sheets_read(tmp_path, valid) -> None:
    # merging Misure!B3:D3 left C3 and D3 empty: "Misure!A3: missing key 'ambito'", merging never mentioned; a
    # merged title in the «Leggimi» sheet, which is not read, is no fault
    from openpyxl import load_workbook

    from riskengine import api

    book = load_workbook(valid)
    book["Misure"].merge_cells("B3:D3")
    book["Misure"].merge_cells("A5:A6")
    book["Leggimi"].merge_cells("A1:C1")
    book.save(tmp_path / "unite.xlsx")
    with pytest.raises(RiskengineError) as refused:
        api.import_xlsx(tmp_path / "unite.xlsx", tmp_path / "out", rules_dir=RULES)
    merged = [(str(p.location).rsplit(":", 1)[1], p.message) for p in refused.value.problems if "merged" in p.message]
    assert merged == [
        ("Misure!B3", "merged cells B3:D3: Excel keeps the value of the first only, the others read as empty"),
        ("Misure!A5", "merged cells A5:A6: Excel keeps the value of the first only, the others read as empty")]
    book = load_workbook(valid)
    book["Leggimi"].merge_cells("A1:C1")
    book.save(tmp_path / "titolo.xlsx")
    assert api.import_xlsx(tmp_path / "titolo.xlsx", tmp_path / "out-titolo", rules_dir=RULES)["files"]
