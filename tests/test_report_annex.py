"""The annex of the example chamber (numeric method, 41 processes) and of the small chamber (grid method,
simplified regime), checked format by format against the result it was rendered from."""

from __future__ import annotations

import csv
import functools
import io
import itertools
import re
from decimal import Decimal
from pathlib import Path

import pytest
from test_report_support import Node, level_label, parse_html, pdf_text, register_order, register_rows

from riskengine.cli import app
from riskengine.report import result_json, write_annex
from riskengine.report.html import REGISTER_SCRIPT, REGISTER_SCRIPT_HASH

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def cciaa(cciaa_annex):
    """(result, output directory) of esempio-cciaa rendered once in every format (shared: read only)."""
    return cciaa_annex


@pytest.fixture(scope="module")
def piccolo(assessed, tmp_path_factory):
    result = assessed("esempio-piccolo")
    out = tmp_path_factory.mktemp("piccolo") / "annex"
    write_annex(result, out, formats=("html", "xlsx", "csv", "json"))
    return result, out


@functools.cache
def annex_doc(path) -> Node:
    """The parsed allegato-rischi.html of an output directory (parsed once per module)."""
    return parse_html((path / "allegato-rischi.html").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", params=["cciaa", "piccolo"])
def annex(request):
    return request.getfixturevalue(request.param)


def test_output_tree(cciaa):
    result, out = cciaa
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    expected = {"risultato.json", "allegato-rischi.html", "allegato-rischi.pdf", "allegato-rischi.xlsx",
                ".riskengine-manifest.json", "LEGGIMI.txt"}
    if not any(f["gravita"] == "error" for f in result["criticita"]):  # publishable: the second edition too
        expected |= {"allegato-rischi-pubblicazione.html", "allegato-rischi-pubblicazione.pdf"}
    expected |= {f"csv/{n}.csv" for n in ("registro", "misure-generali", "misure-specifiche", "monitoraggio",
                                          "fasi", "eventi", "fattori", "risposte", "obblighi-pubblicazione",
                                          "criticita", "legenda")}
    expected |= {f"schede/{p['codice']}.html" for p in result["processi"]}
    expected |= {f"unita/{u['codice']}.html" for u in result["unita"]
                 if u["misure_responsabile"] or u["misure_supporto"] or u.get("misure_collettive") or u["processi"]}
    assert files == expected


def test_json_is_exactly_the_result(cciaa):
    result, out = cciaa
    assert (out / "risultato.json").read_text(encoding="utf-8") == result_json(result)


# -- HTML ---------------------------------------------------------------------------------------------------

def test_html_register_has_every_process_with_its_level_in_order(cciaa):
    result, out = cciaa
    rows = register_rows(annex_doc(out))
    assert [r[0] for r in rows] == register_order(result)
    by_code = {p["codice"]: p for p in result["processi"]}
    for row in rows:
        p = by_code[row[0]]
        assert row[1] == p["nome"]
        assert level_label(result, p["inerente"]["livello"]) in row[6]
        assert level_label(result, p["residuo_programmato"]["livello"]) in row[7]
        assert level_label(result, p["residuo_monitorato"]["livello"]) in row[8]
        if result["metodo"]["numerico"]:
            assert row[4] == p["probabilita"].replace(".", ",") and row[5] == p["impatto"].replace(".", ",")
            assert row[6].startswith(p["inerente"]["rischio"].replace(".", ","))


def test_html_is_accessible_and_offline(annex):
    _, out = annex
    text = (out / "allegato-rischi.html").read_text(encoding="utf-8")
    doc = annex_doc(out)
    assert doc.find_all("html")[0].attrs["lang"] == "it"
    headings = [int(n.tag[1]) for n in doc.iter() if re.fullmatch(r"h[1-6]", n.tag)]
    assert headings.count(1) == 1 and headings[0] == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(headings)), "a heading level is skipped"
    assert all(th.attrs.get("scope") in ("col", "row", "colgroup") for th in doc.find_all("th"))
    for table in doc.find_all("table"):
        assert table.find_all("caption"), "every table has a caption"
    for badge in doc.find_all("span", "livello"):
        assert badge.text(), "a level is always written, not only coloured"
    # One script only, the register's, inline and allowed by its hash alone (no external or other script).
    scripts = doc.find_all("script")
    assert [" ".join(s.children) for s in scripts] == ([REGISTER_SCRIPT] if doc.find_all("table", "registro") else [])
    assert all(not s.attrs for s in scripts)
    assert f"script-src '{REGISTER_SCRIPT_HASH}';" in text and not re.search(r"script-src [^;]*unsafe", text)
    assert "<link" not in text and "<img" not in text
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", text) and "url(http" not in text
    assert "thead { display: table-header-group; }" in text
    ids = [n.attrs["id"] for n in doc.iter() if "id" in n.attrs]
    assert len(ids) == len(set(ids)), "ids are unique"
    hrefs = {n.attrs["href"][1:] for n in doc.find_all("a") if n.attrs.get("href", "").startswith("#")}
    assert hrefs <= set(ids), f"dangling links: {sorted(hrefs - set(ids))[:5]}"


def test_html_sections_charts_and_sheets(cciaa):
    result, out = cciaa
    doc = annex_doc(out)
    for ident in ("sintesi", "registro", "misure-generali", "misure-unita", "monitoraggio", "criticita", "metodo",
                  "schede", "nota-tecnica"):
        doc.by_id(ident)
    sheets = doc.find_all("article", "scheda")
    assert [s.attrs["id"] for s in sheets] == [f"p-{p['codice']}" for p in result["processi"]]
    # The heat maps: inherent and planned residual, one pair per band table, every assessed process in one cell
    # of each map of its table, linked to its sheet.
    tables = [b["codice"] for b in result["metodo"]["bande"]]
    for state in ("inerente", "residuo_programmato"):
        for table in tables:
            chart = doc.find_all("svg", f"mappa-{state}-{table}")[0]
            codes = [a.text().removesuffix(" ▲").removesuffix(" ▼") for a in chart.find_all("a")]  # off its zone
            expected = sorted(p["codice"] for p in result["processi"] if p["valutato"] and p["tabella_bande"] == table)
            assert sorted(codes) == expected, (state, table)
            assert all(a.attrs["href"] == f"#p-{code}" for a, code in zip(chart.find_all("a"), codes, strict=True))
            desc = chart.find_all("desc")[0].text()
            assert all(code in desc for code in expected)
    bars = doc.find_all("svg", "distribuzione")[0].find_all("desc")[0].text()
    for area in result["sintesi"]["per_area"]:
        assert f"{area}: " in bars
    general = doc.by_id("misure-generali").find_all("tbody")[0].find_all("tr")
    assert [tr.attrs["id"] for tr in general] == [f"m-{m['codice']}" for m in result["misure"]
                                                  if m["ambito"] == "generale"]
    findings = doc.by_id("criticita").find_all("tbody")[0].find_all("tr")
    assert len(findings) == len(result["criticita"])
    for tr, f in zip(findings, result["criticita"], strict=True):
        assert f["codice"] in tr.text() and f["regola"] in tr.text() and f["dove"] in tr.text()


def test_risk_sheet_content(cciaa):
    result, out = cciaa
    p = next(p for p in result["processi"] if p["fasi"])
    sheet = parse_html((out / "schede" / f"{p['codice']}.html").read_text(encoding="utf-8"))
    text = sheet.text()
    assert p["nome"] in text and p["unita"]["nome"] in text and p["aree"][0]["nome"] in text
    for f in p["fasi"]:
        assert f["nome"] in text
    for e in p["eventi"]:
        assert e["descrizione"] in text
        for factor in e["fattori"]:
            assert factor["nome"] in text
    for r in p["risposte"]:
        assert r["etichetta"] in text
    assert p["motivazione"] in text
    assert p["inerente"]["rischio"].replace(".", ",") in text
    assert p["monitoraggio"]["regola"] in text
    for step in p["traccia"]:
        assert step["regola"] in text
    specific = [m for m in result["misure"] if m["codice"] in p["misure"] and m["ambito"] == "specifica"]
    for m in specific:
        assert m["nome"] in text and (m["indicatore"] or "") in text


def test_measures_by_unit_sorted_by_deadline(cciaa):
    result, out = cciaa
    section = annex_doc(out).by_id("misure-unita")
    specific = {m["codice"] for m in result["misure"] if m["ambito"] == "specifica"}
    seen = set()
    for unit in result["unita"]:
        lead = [c for c in unit["misure_responsabile"] if c in specific]
        if not lead:
            continue
        table = next(n for n in section.iter() if n.attrs.get("id") == f"u-{unit['codice']}")
        assert unit["nome"] in table.text()
        seen.update(lead)
    assert seen == {m["codice"] for m in result["misure"] if m["ambito"] == "specifica" and m["responsabile"]}


# -- XLSX ---------------------------------------------------------------------------------------------------

def test_xlsx_register_equals_the_json(annex):
    from openpyxl import load_workbook

    result, out = annex
    wb = load_workbook(out / "allegato-rischi.xlsx")
    required = ["Registro", "Misure generali", "Misure specifiche", "Monitoraggio", "Criticità", "Legenda"]
    assert [n for n in wb.sheetnames if n in required] == required
    ws = wb["Registro"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref.startswith("A1:")
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, row, strict=True)) for row in ws.iter_rows(min_row=2)]
    assert [r["Codice"].value for r in rows] == register_order(result)
    levels = {lvl["codice"]: lvl for lvl in result["metodo"]["livelli"]}
    by_code = {p["codice"]: p for p in result["processi"]}
    for r in rows:
        p = by_code[r["Codice"].value]
        assert r["Processo"].value == p["nome"]
        assert r["Unità responsabile"].value == p["unita"]["nome"]
        for col, state in (("Livello inerente", "inerente"), ("Livello residuo programmato", "residuo_programmato"),
                           ("Livello residuo monitorato", "residuo_monitorato")):
            code = p[state]["livello"]
            assert r[col].value == levels[code]["etichetta"]
            assert r[col].fill.fgColor.rgb.endswith(levels[code]["colore"].lstrip("#").upper())
        if result["metodo"]["numerico"]:
            assert Decimal(str(r["Probabilità"].value)) == Decimal(p["probabilita"])
            assert Decimal(str(r["Impatto"].value)) == Decimal(p["impatto"])
            assert Decimal(str(r["Rischio inerente"].value)) == Decimal(p["inerente"]["rischio"])
            assert Decimal(str(r["Residuo programmato"].value)) == Decimal(p["residuo_programmato"]["rischio"])
            assert Decimal(str(r["Residuo monitorato"].value)) == Decimal(p["residuo_monitorato"]["rischio"])
        assert r["Motivazione"].value == (p["motivazione"] or None)
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"formula in {ws.title}!{cell.coordinate}"


def test_xlsx_measures_and_findings_equal_the_json(cciaa):
    from openpyxl import load_workbook

    result, out = cciaa
    wb = load_workbook(out / "allegato-rischi.xlsx")
    general = [[c.value for c in row] for row in wb["Misure generali"].iter_rows(min_row=2)]
    expected = [m for m in result["misure"] if m["ambito"] == "generale"]
    assert [(r[0], r[2], r[4]) for r in general] == [(m["codice"], m["nome"], m["responsabile"]) for m in expected]
    specific = [[c.value for c in row] for row in wb["Misure specifiche"].iter_rows(min_row=2)]
    expected = [m for m in result["misure"] if m["ambito"] == "specifica"]
    assert [(r[0], r[4], r[9], r[10]) for r in specific] == [
        (m["codice"], m["responsabile"], m["indicatore"], m["target"]) for m in expected]
    findings = [[c.value for c in row] for row in wb["Criticità"].iter_rows(min_row=2)]
    assert [(r[1], r[4]) for r in findings] == [(f["codice"], f["regola"]) for f in result["criticita"]]
    monitoring = [[c.value for c in row] for row in wb["Monitoraggio"].iter_rows(min_row=2)]
    # the checks the method selects (a handful), in the plan's order
    assert [r[0] for r in monitoring] == [r["processo"] for r in result["piano_monitoraggio"]["righe"]]
    legend = [c.value for row in wb["Legenda"].iter_rows() for c in row if c.value]
    for lvl in result["metodo"]["livelli"]:
        assert lvl["etichetta"] in legend
    for band in result["metodo"]["bande"]:
        for row in band["righe"]:
            assert row["intervallo"].replace(".", ",") in legend  # in Italian: decimal comma


# -- CSV ----------------------------------------------------------------------------------------------------

def test_csv_files_mirror_the_tables(cciaa):
    result, out = cciaa
    raw = (out / "csv" / "registro.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))  # Italian: ';'
    assert rows[0][:3] == ["Codice", "Processo", "Area di rischio"]
    assert [r[0] for r in rows[1:]] == register_order(result)
    by_code = {p["codice"]: p for p in result["processi"]}
    for r in rows[1:]:
        assert r[6] == by_code[r[0]]["inerente"]["rischio"].replace(".", ",")  # decimal comma
    specific = list(csv.reader(io.StringIO((out / "csv" / "misure-specifiche.csv").read_text(encoding="utf-8-sig")),
                               delimiter=";"))
    assert len(specific) - 1 == sum(m["ambito"] == "specifica" for m in result["misure"])


# -- PDF ----------------------------------------------------------------------------------------------------

def test_pdf_has_one_sheet_per_process(cciaa):
    result, out = cciaa
    pages = pdf_text(out / "allegato-rischi.pdf")
    text = "\n".join(pages)
    headings = re.findall(r"Scheda di rischio (\S+) –", text)
    assert headings == [p["codice"] for p in result["processi"]]
    for p in result["processi"]:
        assert p["codice"] in text
    assert "Indice" in pages[1]
    for number, page in enumerate(pages[1:], start=2):
        assert result["ente"]["nome"] in page, f"page {number} has no header"
        assert f"Pagina {number} di {len(pages)}" in page


def test_pdf_metadata_and_pdfa(cciaa):
    from pypdf import PdfReader

    result, out = cciaa
    reader = PdfReader(out / "allegato-rischi.pdf")
    assert reader.metadata.title.startswith("Valutazione e trattamento del rischio corruttivo 2026")
    assert reader.metadata.author == result["ente"]["nome"]
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b"pdfaid:part" in xmp and b"3" in xmp
    assert reader.outline, "headings become PDF bookmarks"


# -- simplified regime ---------------------------------------------------------------------------------------

def test_simplified_annex_highlights_art6_and_agreements(piccolo):
    result, out = piccolo
    doc = annex_doc(out)
    rows = doc.by_id("mappatura").find_all("tbody")[0].find_all("tr")
    assert len(rows) == len(result["processi"])
    by_code = {p["codice"]: p for p in result["processi"]}
    for tr in rows:
        p = by_code[tr.find_all("th")[0].text()]
        classes = tr.attrs.get("class", "").split()
        if p["in_convenzione"]:
            assert "convenzione" in classes and p["in_convenzione"] in tr.text()
        elif p["art6"]:
            assert "art6" in classes
        if p["art6"]:
            assert f"art. 6 lett. {p['art6']})" in tr.text()
    section = doc.by_id("misure-art6")
    for letter in "abcde":
        heading = next(n for n in section.iter() if n.attrs.get("id") == f"art6-{letter}")
        assert heading.text().startswith(f"{letter})")
    for m in result["misure"]:
        if m["ambito"] == "specifica" and any(by_code[c]["art6"] for c in m["processi"] if c in by_code):
            assert m["nome"] in section.text()
    assert (out / "csv" / "mappatura.csv").exists()


def test_simplified_example_highlights_only_the_art6_processes_and_has_no_findings(piccolo):
    result, out = piccolo
    rows = annex_doc(out).by_id("mappatura").find_all("tbody")[0].find_all("tr")
    highlighted = {tr.find_all("th")[0].text() for tr in rows
                   if {"art6", "convenzione"} & set(tr.attrs.get("class", "").split())}
    art6 = {p["codice"] for p in result["processi"] if p["art6"]}
    assert highlighted == art6
    assert len(art6) < len(result["processi"]), "the example maps processes outside art. 6, not highlighted"
    assert result["criticita"] == []


def test_simplified_annex_is_the_map_the_measures_and_a_few_pages(tmp_path):
    from riskengine.api import check

    assert [(p.severity.value, p.code) for p in check(REPO / "catalogs" / "esempio-piccolo").problems] == []
    out = tmp_path / "piccolo"
    from typer.testing import CliRunner

    result = CliRunner().invoke(app, ["assess", str(REPO / "catalogs" / "esempio-piccolo"), "--out", str(out),
                                      "--db", f"sqlite:///{tmp_path / 'storico.sqlite'}", "-q"])
    assert result.exit_code == 0, result.output
    doc = parse_html((out / "allegato-rischi.html").read_text(encoding="utf-8"))
    sections = [n.attrs["id"] for n in doc.find_all("section", "sezione")]
    assert sections[:3] == ["mappatura", "misure-art6", "misure-generali"]
    assert not {"registro", "sintesi", "schede", "misure-unita", "monitoraggio"} & set(sections)
    assert len(pdf_text(out / "allegato-rischi.pdf")) <= 12


def test_unscored_simplified_result_shows_the_map_without_scores(assessed, tmp_path):
    import copy

    from openpyxl import load_workbook

    result = copy.deepcopy(assessed("esempio-piccolo"))
    for p in result["processi"]:
        p["valutato"] = False
        for key in ("risposte", "motivazione", "probabilita", "impatto", "varianti", "tabella_bande", "inerente",
                    "residuo_programmato", "residuo_monitorato", "livello", "traccia"):
            p.pop(key, None)
    result["sintesi"]["mappa_calore"] = []
    write_annex(result, tmp_path / "out", formats=("html", "xlsx"))
    doc = parse_html((tmp_path / "out" / "allegato-rischi.html").read_text(encoding="utf-8"))
    assert doc.by_id("mappatura") and doc.by_id("misure-art6")
    assert not doc.find_all("svg")
    assert not [n for n in doc.iter() if n.attrs.get("id") == "registro"]
    assert "Livello" not in [th.text() for th in doc.by_id("mappatura").find_all("th")]
    # under 50 staff the annex is the map, the measures per art. 6 area and the general measures: the
    # sheets are the standalone files, one per process
    assert not doc.find_all("article", "scheda")
    assert sorted(p.name for p in (tmp_path / "out" / "schede").iterdir()) == sorted(
        f"{p['codice']}.html" for p in result["processi"])
    wb = load_workbook(tmp_path / "out" / "allegato-rischi.xlsx")
    codes = [row[0].value for row in wb["Registro"].iter_rows(min_row=2)]
    assert sorted(codes) == sorted(p["codice"] for p in result["processi"])


def test_a_measure_with_several_supporting_units_names_them_after_one_label(cciaa):
    # "Ufficio Personale con il supporto di: Ufficio Provveditorato" followed "con il supporto di: …" once per unit
    result, out = cciaa
    shared = [m for m in result["misure"] if len(m.get("supporto", [])) > 1]
    assert shared
    text = " ".join(annex_doc(out).text().split())
    for m in shared:
        assert f"con il supporto di: {', '.join(m['supporto'])}" in text, m["codice"]
    sheets = " ".join((out / "schede" / f"{p}.html").read_text(encoding="utf-8")
                      for p in {p for m in shared for p in m.get("processi", [])})
    assert "</span><br><span class=\"ruolo-supporto\">" not in sheets


def test_the_marks_of_the_process_map_are_words_apart_from_what_follows(piccolo):
    # copied, or read by a screen reader, the map said "art. 6lett. d)" and "conv.Camera di …"
    _, out = piccolo
    html = (out / "allegato-rischi.html").read_text(encoding="utf-8")
    text = re.sub(r"<[^>]+>", "", html)
    assert "art. 6 lett. " in text and "art. 6lett" not in text
    assert re.search(r"conv\. \S", text) and not re.search(r"conv\.[^\s]", text)


def test_a_finding_s_subject_is_named_by_its_kind_s_label_not_the_graph_s_node(cciaa):
    # the Findings sheet and criticita.csv showed "measure:MS08", "obligation:AT-04-08" (English node names of
    # the catalogue's graph, in the Italian annex too)
    from openpyxl import load_workbook

    from riskengine.report import canonical_copy
    from riskengine.report.messages import Messages
    from riskengine.report.view import View

    result, out = cciaa
    wb = load_workbook(out / "allegato-rischi.xlsx")
    subjects = [row[5].value for row in wb["Criticità"].iter_rows(min_row=2)]
    expected = [f["oggetto"].replace("measure:", "Misura ").replace("obligation:", "Obbligo di pubblicazione ")
                .replace("process:", "Processo ") for f in result["criticita"]]
    assert subjects == expected and not any(":" in s for s in subjects if s)
    english = View(canonical_copy(result), Messages("en"))
    assert english.subject({"oggetto": "measure:MS08"}) == "Measure MS08"
    assert english.subject({"oggetto": "anno:2027"}) == "Year 2027"  # plan-date-before-year's
