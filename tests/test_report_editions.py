"""Issue 13 (part A): two editions of the annex, scores as plain arithmetic, a tagged PDF, Italian office
conventions in CSV and XLSX, the catalogue's mapping in the spreadsheets, captions that count what they show
and PDF pages that are never nearly blank.

The example is assessed once through the command line (``python -m riskengine assess``) and every check reads
the files it wrote.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from edition_helpers import leaks
from test_report_support import ended, parse_html, pdf_text

from riskengine.errors import RiskengineError
from riskengine.report import write_annex
from riskengine.report.arithmetic import calculation
from riskengine.report.messages import Messages
from riskengine.report.pdf import pdf_bytes
from riskengine.report.safety import html_id
from riskengine.report.view import View

REPO = Path(__file__).resolve().parents[1]
CCIAA = REPO / "catalogs" / "esempio-cciaa"


def riskengine(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "riskengine", *map(str, args)], capture_output=True, text=True,
                          cwd=REPO, timeout=900)


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    """(result, output directory) of ``riskengine assess catalogs/esempio-cciaa`` with every format."""
    out = tmp_path_factory.mktemp("editions") / "annex"
    done = riskengine("assess", CCIAA, "--out", out, "-q")
    assert done.returncode == 0, done.stderr
    return json.loads((out / "risultato.json").read_text(encoding="utf-8")), out


def body_text(path: Path) -> str:
    doc = parse_html(path.read_text(encoding="utf-8"))
    return next(n for n in doc.iter() if n.tag == "body").text()


# -- 1. two editions ---------------------------------------------------------------------------------------

def test_assess_writes_both_editions_and_says_which_is_which(example):
    _result, out = example
    for name in ("allegato-rischi.html", "allegato-rischi.pdf", "allegato-rischi-pubblicazione.html",
                 "allegato-rischi-pubblicazione.pdf"):
        assert (out / name).is_file(), name
    readme = (out / "LEGGIMI.txt").read_text(encoding="utf-8")
    assert "Edizione per la pubblicazione" in readme and "allegato-rischi-pubblicazione.html" in readme
    assert "Edizione completa" in readme and "allegato-rischi.pdf" in readme
    assert "Edizione per la pubblicazione" in body_text(out / "allegato-rischi-pubblicazione.html")
    assert "Edizione completa" in body_text(out / "allegato-rischi.html")


@pytest.mark.parametrize(("formats", "lines"), [
    (("xlsx",), ["Foglio di calcolo con le tabelle dell'allegato, da filtrare e ordinare: allegato-rischi.xlsx"]),
    (("csv", "json", "docx"),
     ["Le stesse tabelle in CSV, per altri programmi e per la pubblicazione come dati aperti: csv/",
      "Il risultato completo della valutazione, per altri programmi e per 'riskengine report': risultato.json",
      "L'allegato in Word, da inserire nella sezione 2.3 del PIAO: allegato-rischi.docx"]),
])
def test_the_readme_names_the_other_formats_too(assessed, tmp_path, formats, lines):
    """LEGGIMI.txt named only the HTML and PDF editions: it was not written beside a workbook alone, and never
    named the workbook, the CSV tables, the result or the Word annex."""
    write_annex(assessed("esempio-piccolo"), tmp_path / "out", formats=formats)
    readme = (tmp_path / "out" / "LEGGIMI.txt").read_text(encoding="utf-8").splitlines()
    assert readme == ["Allegato rischi corruttivi: quale file è quale", "", *lines]
    assert {line.rsplit(": ", 1)[1].rstrip("/") for line in lines} <= {p.name for p in (tmp_path / "out").iterdir()}


def test_the_publication_edition_shows_nothing_internal(example):
    result, out = example
    html = body_text(out / "allegato-rischi-pubblicazione.html")
    assert {kind: found for kind, found in leaks(html, result).items() if found} == {}
    pdf = "\n".join(pdf_text(out / "allegato-rischi-pubblicazione.pdf"))
    assert {kind: found for kind, found in leaks(pdf, result).items() if found} == {}
    # The scan can fail: the complete edition, made from the same result, shows every kind of it.
    complete = leaks(body_text(out / "allegato-rischi.html"), result)
    assert all(complete[kind] for kind in ("file", "posizione", "impronta", "regola", "slug")), complete
    # Numbers are Italian in both editions, the calculation trace of the complete one included (it wrote 9.58).
    assert complete["decimale"] == [] and leaks("rischio = 9.58", result)["decimale"] == ["9.58"]
    complete_pdf = leaks("\n".join(pdf_text(out / "allegato-rischi.pdf")), result)  # the trace is in the HTML only
    assert all(complete_pdf[kind] for kind in ("file", "impronta", "regola", "slug")), complete_pdf
    for section in ("Criticità rilevate", "Nota tecnica", "Traccia del calcolo"):
        assert section in body_text(out / "allegato-rischi.html")
        assert section not in html


def test_the_publication_edition_of_an_annex_with_errors_is_refused_with_the_errors(assessed, tmp_path):
    result = assessed("mini")
    errors = [f for f in result["criticita"] if f["gravita"] == "error"]
    assert errors, "mini has an error finding"
    with pytest.raises(RiskengineError) as refused:
        write_annex(result, tmp_path / "out", formats=("html",), editions=("pubblicazione",))
    assert len(refused.value.problems) == len(errors)
    assert not (tmp_path / "out").exists(), "nothing is written"
    # Through the command line: one located line per error, exit 1, and the default writes the complete one only.
    source = tmp_path / "risultato.json"
    write_annex(result, tmp_path / "json", formats=("json",))
    shutil.copy(tmp_path / "json" / "risultato.json", source)
    shown = riskengine("report", source, "--out", tmp_path / "pub", "--format", "html", "--edition", "pubblicazione")
    assert shown.returncode == 1
    lines = [line for line in shown.stderr.splitlines() if "edizione per la pubblicazione rifiutata" in line]
    assert len(lines) == len(errors)
    assert all(line.startswith(f"{f['dove']}:") for line, f in zip(lines, errors, strict=True))
    assert "Traceback" not in shown.stderr and not (tmp_path / "pub").exists()
    written = write_annex(result, tmp_path / "default", formats=("html",))
    names = {p.name for p in written}
    assert "allegato-rischi.html" in names and "allegato-rischi-pubblicazione.html" not in names
    assert "non prodotta" in (tmp_path / "default" / "LEGGIMI.txt").read_text(encoding="utf-8")


def test_an_unknown_edition_is_one_line(assessed, tmp_path):
    with pytest.raises(RiskengineError) as refused:
        write_annex(assessed("mini"), tmp_path / "out", formats=("html",), editions=("bozza",))
    assert "edizione sconosciuta: bozza" in str(refused.value)


# -- 2. scores explained as arithmetic -----------------------------------------------------------------------

def test_b2_1_1_is_explained_as_the_arithmetic_of_the_plan(assessed):
    """Domain oracle (issue 13): B2.1.1 answers P 4,5,1,5,5,3 and I 5,1,2,3 under the Torino 2022 method."""
    result = assessed("esempio-cciaa")
    view = View(result, Messages("it"), edition="pubblicazione")
    calc = calculation(view, view.process["B2.1.1"])
    assert calc is not None
    assert calc["righe"][0] == "P = (4 + 5 + 1 + 5 + 5 + 3) / 6 = 3,83"
    assert calc["righe"][1] == "I = (5 + 1 + 2 + 3) / 4 = 2,75"
    assert calc["righe"][2] == ("R = P × I = 3,83 × 2,75 = 10,53 → Medio-alto, fascia da 9,01 a 15 della tabella "
                                "«Aree A, B, C, H – nuovi indici (quattro fasce)»")
    assert "19,15 (informativa, non determina il livello)" in calc["righe"][3]
    planned = calc["residui"][0]
    # the residual with the efficacy it used: 10,53 × (1 − 0,40) = 6,318 → 6,32
    assert planned["formula"].startswith("Residuo programmato = 10,53 × (1 − 0,4) = 6,32 → Medio")
    assert ("MGU33", "40%") in planned["efficacie"]
    english = calculation(View(result, Messages("en")), view.process["B2.1.1"])
    assert english is not None and english["righe"][0] == "P = (4 + 5 + 1 + 5 + 5 + 3) / 6 = 3.83"


def test_every_assessed_sheet_shows_its_arithmetic_and_the_definitions(example):
    result, out = example
    doc = parse_html((out / "allegato-rischi-pubblicazione.html").read_text(encoding="utf-8"))
    for p in result["processi"]:
        if not p["valutato"]:
            continue
        text = doc.by_id(html_id("p", p["codice"])).text()
        score = p["inerente"]["rischio"].replace(".", ",")
        assert f"× {p['impatto'].replace('.', ',')} = {score} →" in text
    register = doc.by_id("registro").text()
    assert "Residuo programmato: il rischio che resta" in register
    assert "Fasce I: Aree A, B, C, H" in register and "Fasce II: Aree D, E, G" in register


# -- 7. accessible PDF ---------------------------------------------------------------------------------------

def _structure(path: Path) -> tuple[dict, list[tuple[str, str]]]:
    from pypdf import PdfReader

    root = PdfReader(path).trailer["/Root"]
    found: list[tuple[str, str]] = []

    def walk(node) -> None:
        node = node.get_object()
        if "/S" in node:
            found.append((str(node["/S"]), str(node.get("/Alt", ""))))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict):
                walk(kid)

    walk(root["/StructTreeRoot"])
    return root, found


@pytest.mark.parametrize("name", ["allegato-rischi.pdf", "allegato-rischi-pubblicazione.pdf"])
def test_the_pdf_is_tagged_with_headings_tables_and_figures(example, name):
    _result, out = example
    root, elements = _structure(out / name)
    assert root["/MarkInfo"]["/Marked"]
    assert root["/Lang"] == "it"
    assert root["/ViewerPreferences"]["/DisplayDocTitle"]
    kinds = {kind for kind, _ in elements}
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/TD", "/L", "/LI"} <= kinds
    figures = [alt for kind, alt in elements if kind == "/Figure"]
    assert figures and all(alt for alt in figures), "every figure has its alternative text"
    for title in ("Mappa del rischio inerente", "Mappa del rischio residuo programmato",
                  "Fasce di rischio del metodo sulla scala da 0 a 25", "Distribuzione dei processi per area"):
        assert any(alt.startswith(title) for alt in figures), title
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(out / name)], capture_output=True, text=True, check=True).stdout
        assert re.search(r"^Tagged:\s+yes$", info, re.M)
        assert "Valutazione e trattamento del rischio corruttivo 2026" in info


def test_the_tagged_pdf_is_byte_reproducible(assessed, tmp_path):
    result = assessed("mini")
    write_annex(result, tmp_path / "a", formats=("pdf",))
    write_annex(result, tmp_path / "b", formats=("pdf",))
    assert (tmp_path / "a" / "allegato-rischi.pdf").read_bytes() == (tmp_path / "b" / "allegato-rischi.pdf").read_bytes()


def _noted_layout(html: str) -> bytes:
    """pdf_bytes, noting the process that lays out each edition in ``$LAYOUT_LOG`` (a forked worker inherits the
    patch; the pool pickles this function by name) and, with ``$LAYOUT_FAILS_IN_WORKER``, failing in a worker as
    WeasyPrint's failures do: one located problem."""
    from riskengine.errors import Location, fail

    with Path(os.environ["LAYOUT_LOG"]).open("a", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()}\n")
    in_worker = os.getpid() != int(os.environ["LAYOUT_PARENT"])
    if os.environ.get("LAYOUT_FAILS_IN_WORKER") and in_worker:
        raise fail(Location("allegato-rischi.pdf"), "PDF rendering failed: ValueError: broken layout")
    if os.environ.get("LAYOUT_FAILS_HERE") and not in_worker:
        time.sleep(1)  # the worker's layout has started
        raise fail(Location("allegato-rischi-pubblicazione.pdf"), "PDF rendering failed: ValueError: broken layout")
    if in_worker and os.environ.get("LAYOUT_SLOW_IN_WORKER"):
        time.sleep(120)
    return pdf_bytes(html)


def _recording_layouts(monkeypatch, log: Path, *settings: str) -> None:
    from riskengine.report import pdf

    monkeypatch.setenv("LAYOUT_LOG", str(log))
    monkeypatch.setenv("LAYOUT_PARENT", str(os.getpid()))
    for setting in settings:
        monkeypatch.setenv(setting, "1")
    monkeypatch.setattr(pdf, "pdf_bytes", _noted_layout)


def test_two_small_editions_are_laid_out_side_by_side_with_the_same_bytes(assessed, tmp_path, monkeypatch):
    # esempio-piccolo has no error finding (both editions) and is laid out as one document per edition: with two
    # cores the first edition goes to a worker while this process lays out the second.
    result = assessed("esempio-piccolo")
    files = ("allegato-rischi.pdf", "allegato-rischi-pubblicazione.pdf")
    written = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("RISKENGINE_PDF_WORKERS", workers)
        log = tmp_path / f"layouts-{workers}"
        _recording_layouts(monkeypatch, log)
        write_annex(result, tmp_path / workers, formats=("pdf",))
        pids = log.read_text(encoding="utf-8").split()
        assert len(pids) == 2
        others = [pid for pid in pids if pid != str(os.getpid())]
        assert len(others) == (0 if workers == "1" else 1), pids
        written[workers] = [(tmp_path / workers / name).read_bytes() for name in files]
    assert written["1"] == written["2"]


def test_a_failure_in_the_editions_worker_is_its_located_problem_and_writes_nothing(assessed, tmp_path, monkeypatch):
    monkeypatch.setenv("RISKENGINE_PDF_WORKERS", "2")
    _recording_layouts(monkeypatch, tmp_path / "layouts", "LAYOUT_FAILS_IN_WORKER")
    with pytest.raises(RiskengineError) as raised:
        write_annex(assessed("esempio-piccolo"), tmp_path / "out", formats=("html", "pdf"))
    assert str(raised.value) == "allegato-rischi.pdf: error[load]: PDF rendering failed: ValueError: broken layout"
    assert not (tmp_path / "out").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["layouts"]


def test_a_failure_here_stops_the_editions_worker_at_once(assessed, tmp_path, monkeypatch):
    # The worker would lay out its edition for two minutes: it is stopped, not waited for.
    monkeypatch.setenv("RISKENGINE_PDF_WORKERS", "2")
    log = tmp_path / "layouts"
    _recording_layouts(monkeypatch, log, "LAYOUT_FAILS_HERE", "LAYOUT_SLOW_IN_WORKER")
    started = time.monotonic()
    with pytest.raises(RiskengineError, match=re.escape("allegato-rischi-pubblicazione.pdf:")):
        write_annex(assessed("esempio-piccolo"), tmp_path / "out", formats=("pdf",))
    assert time.monotonic() - started < 60
    worker = next(int(pid) for pid in log.read_text(encoding="utf-8").split() if int(pid) != os.getpid())
    assert ended(worker)
    assert not (tmp_path / "out").exists()


# -- 6. pages and captions -----------------------------------------------------------------------------------

def _page_fill(path: Path) -> list[tuple[str, float]]:
    """(running section title in the page header, fraction of the page body filled) of each page of a PDF."""
    from pypdf import PdfReader

    pages = []
    for page in PdfReader(path).pages:
        height = float(page.mediabox.height)
        top, bottom = height - 62, 57  # the page box margins of allegato.css.j2 (2.2 cm, 2 cm)
        lows: list[float] = []
        header: list[tuple[float, str]] = []

        def visit(text, cm, tm, font, size, lows=lows, header=header, top=top, bottom=bottom):
            x, y = cm[0] * tm[4] + cm[4], cm[3] * tm[5] + cm[5]
            if not text.strip():
                return
            if y >= top:
                header.append((x, text.strip()))
            elif y > bottom + 15:
                lows.append(y)

        page.extract_text(visitor_text=visit)
        # the header's right box is the section (string-set by h2); the left one is the administration
        section = " ".join(text for _, text in sorted(header)[1:]) if len(header) > 1 else ""
        pages.append((section, (top - min(lows)) / (top - bottom) if lows else 0.0))
    return pages


@pytest.mark.parametrize("name", ["allegato-rischi.pdf", "allegato-rischi-pubblicazione.pdf"])
def test_no_page_is_less_than_a_third_full_but_at_the_end_of_a_section(example, name):
    _result, out = example
    pages = _page_fill(out / name)
    short = [(number, section, round(fill, 2)) for number, (section, fill) in enumerate(pages, start=1)
             if number > 1 and fill < 1 / 3 and number < len(pages) and pages[number][0] == section]
    assert short == []


_COUNTED = re.compile(r"\((\d+)(?: [^()]*)?\)$")


def test_captions_count_the_rows_they_show(example):
    _result, out = example
    checked = 0
    for name in ("allegato-rischi.html", "allegato-rischi-pubblicazione.html"):
        doc = parse_html((out / name).read_text(encoding="utf-8"))
        for table in doc.find_all("table"):
            caption = next(iter(table.find_all("caption")), None)
            match = _COUNTED.search(caption.text()) if caption else None
            if not match:
                continue
            rows = [tr for body in table.find_all("tbody") for tr in body.find_all("tr")
                    if "gruppo" not in tr.attrs.get("class", "")]
            assert int(match.group(1)) == len(rows), caption.text()
            checked += 1
    assert checked >= 10


# -- 8. office conventions; 3. the mapping in the spreadsheets ------------------------------------------------

def _catalogue_counts() -> dict[str, int]:
    counts = {"fasi": 0, "eventi": 0, "fattori": 0}

    def walk(node) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "fasi" and isinstance(value, list):
                    counts["fasi"] += len(value)
                if key == "eventi" and isinstance(value, list):
                    counts["eventi"] += len(value)
                    counts["fattori"] += sum(len(e.get("fattori", [])) for e in value)
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(yaml.safe_load((CCIAA / "processes.yaml").read_text(encoding="utf-8")))
    answers = yaml.safe_load((CCIAA / "assessment-2026.yaml").read_text(encoding="utf-8"))["valutazioni"]
    counts["risposte"] = sum(len(a["risposte"]) for a in answers)
    return counts


def test_the_xlsx_has_the_mapping_with_the_catalogues_rows(example):
    from openpyxl import load_workbook

    _result, out = example
    wb = load_workbook(out / "allegato-rischi.xlsx")
    counts = _catalogue_counts()
    assert counts == {"fasi": 31, "eventi": 97, "fattori": 178, "risposte": 410}  # the example, read from the YAML
    for sheet, key in (("Fasi e attività", "fasi"), ("Eventi rischiosi", "eventi"), ("Fattori abilitanti", "fattori"),
                       ("Risposte agli indicatori", "risposte")):
        assert wb[sheet].max_row - 1 == counts[key], sheet
    answers = {(r[0], r[1]): r for r in wb["Risposte agli indicatori"].iter_rows(min_row=2, values_only=True)}
    b1 = answers[("B1.1.1", "P1")]
    assert b1[5] == 4 and b1[6].startswith("Requisiti specifici e criteri di valutazione")
    events = {r[1]: r for r in wb["Eventi rischiosi"].iter_rows(min_row=2, values_only=True)}
    assert events["B1.1.1.1-E1"][3] == "B1.1.1.1" and "b)" in events["B1.1.1.1-E1"][4]
    for name in ("fasi", "eventi", "fattori", "risposte"):
        assert (out / "csv" / f"{name}.csv").is_file()


def test_xlsx_dates_are_dates_numbers_numbers_and_every_sheet_prints(example):
    from openpyxl import load_workbook

    result, out = example
    wb = load_workbook(out / "allegato-rischi.xlsx")
    specific = wb["Misure specifiche"]
    header = [c.value for c in specific[1]]
    column = header.index("Scadenza")
    by_code = {m["codice"]: m for m in result["misure"]}
    dated = 0
    for row in specific.iter_rows(min_row=2):
        deadline = by_code[row[0].value]["scadenza"]
        cell = row[column]
        if deadline and deadline[0].isdigit():
            assert cell.is_date and cell.value.date() == date.fromisoformat(deadline)
            assert cell.number_format == "dd/mm/yyyy"
            dated += 1
        else:
            assert isinstance(cell.value, str)
    assert dated >= 10
    register = wb["Registro"]
    scores = [c.value for c in register["G"][1:] if c.value is not None]
    assert scores and all(isinstance(v, int | float) for v in scores)
    for ws in wb.worksheets:
        assert ws.page_setup.orientation == "landscape", ws.title
        # fitToWidth absent means 1 (ECMA-376's default, which xlsxwriter, like Excel, does not write)
        assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (None, 1), ws.title
        assert ws.page_setup.fitToHeight == 0, ws.title
        if ws.title != "Legenda":
            assert ws.print_title_rows == "$1:$1", ws.title


def test_italian_csv_has_semicolons_and_decimal_commas(example, assessed, tmp_path):
    result, out = example
    text = (out / "csv" / "registro.csv").read_bytes().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows[0]) > 10, "Excel in Italian opens it in columns"
    header = rows[0]
    by_code = {p["codice"]: p for p in result["processi"]}
    column = header.index("Rischio inerente")
    for row in rows[1:]:
        p = by_code[row[0]]
        if p["valutato"]:
            assert row[column] == p["inerente"]["rischio"].replace(".", ",")
            assert "." not in row[column]
    specific = list(csv.reader(io.StringIO((out / "csv" / "misure-specifiche.csv").read_text(encoding="utf-8-sig")),
                               delimiter=";"))
    deadlines = {r[0]: r[specific[0].index("Scadenza")] for r in specific[1:]}
    for m in result["misure"]:
        if m["ambito"] == "specifica" and (m.get("scadenza") or "")[:1].isdigit():
            day = date.fromisoformat(m["scadenza"])
            assert deadlines[m["codice"]] == day.strftime("%d/%m/%Y")
    english = write_annex(assessed("mini"), tmp_path / "en", formats=("csv",), lang="en")
    register = next(p for p in english if p.name == "registro.csv")
    rows = list(csv.reader(io.StringIO(register.read_text(encoding="utf-8-sig"))))
    column = rows[0].index("Inherent risk")
    assert any(re.fullmatch(r"\d+\.\d+", r[column]) for r in rows[1:])


def test_an_explicit_delimiter_still_wins(assessed, tmp_path):
    write_annex(assessed("mini"), tmp_path / "out", formats=("csv",), csv_delimiter=",")
    first = (tmp_path / "out" / "csv" / "registro.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert first.startswith("Codice,Processo,")
    with pytest.raises(RiskengineError):
        write_annex(assessed("mini"), tmp_path / "bad", formats=("csv",), csv_delimiter="|")


def test_numbers_in_the_spreadsheet_equal_the_result(example):
    from openpyxl import load_workbook

    result, out = example
    rows = load_workbook(out / "allegato-rischi.xlsx")["Registro"].iter_rows(min_row=2, values_only=True)
    by_code = {p["codice"]: p for p in result["processi"]}
    for row in rows:
        p = by_code[row[0]]
        if p["valutato"]:
            assert Decimal(str(row[6])) == Decimal(p["inerente"]["rischio"])


# -- the output lock is per directory -------------------------------------------------------------------------

def test_runs_writing_sibling_directories_do_not_refuse_each_other(assessed, tmp_path):
    from riskengine.report.output import exclusive, output_target

    result = assessed("mini")
    with exclusive(output_target(tmp_path / "out" / "2025")):
        written = write_annex(result, tmp_path / "out" / "2026", formats=("json",))
        assert sorted(p.name for p in written) == [".riskengine-manifest.json", "risultato.json"]
        with pytest.raises(RiskengineError, match="another riskengine run is writing"):
            write_annex(result, tmp_path / "out" / "2025", formats=("json",))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["2026"], "no lock file beside the annex"
    write_annex(result, tmp_path / "out" / "2025", formats=("json",))  # released


def test_the_events_sheet_lists_the_measures_treating_each_event(example):
    """The XLSX events sheet reads the result's eventi[].misure: every treating measure, how it reaches the event
    and the efficacy the residual uses, the measures on every process in one entry."""
    from openpyxl import load_workbook

    result, out = example
    events = {r[1]: r for r in load_workbook(out / "allegato-rischi.xlsx")["Eventi rischiosi"].iter_rows(
        min_row=2, values_only=True)}
    # measures.yaml: MS01 (efficacia 0.3) treats B1.1.1.1-E1 on the event.
    b1 = events["B1.1.1.1-E1"][5]
    assert b1.startswith("MS01 (sull'evento; efficacia 30%)"), b1
    codes = {m["codice"] for m in result["misure"]}
    treated = 0
    for p in result["processi"]:
        for e in p.get("eventi", []):
            cell = events[e["codice"]][5] or ""
            own = {m["codice"] for m in e["misure"] if m["tramite"] != "tutti"}
            universal = {m["codice"] for m in e["misure"] if m["tramite"] == "tutti"}
            shown = {c for c in codes if re.search(rf"(^|[ ;,]){re.escape(c)} \(", cell)}
            assert shown == own | universal, (e["codice"], cell)
            assert ("su tutti i processi:" in cell) == bool(universal), cell
            assert ("Nessuna misura tratta questo evento" in cell) == (not e["trattato"]), cell
            treated += bool(own)
    assert treated >= 30


def test_an_untreated_event_is_marked_in_the_events_table(example):
    from riskengine.report import tables

    result, _out = example
    result = json.loads(json.dumps(result))
    event = result["processi"][0]["eventi"][0]
    event["misure"], event["trattato"] = [], False
    for lang, words in (("it", "⚠ Nessuna misura tratta questo evento"), ("en", "⚠ No measure treats this event")):
        rows = {r[1]: r for r in tables.events(View(result, Messages(lang))).rows}
        assert rows[event["codice"]][5] == words


def test_the_simplified_regimes_publication_edition_leaves_out_the_technical_note(tmp_path):
    """Part B's simplified annex has its own sections: the publication edition still shows nothing internal."""
    out = tmp_path / "piccolo"
    done = riskengine("assess", REPO / "catalogs" / "esempio-piccolo", "--out", out, "--format", "json,html", "-q")
    assert done.returncode == 0, done.stderr
    result = json.loads((out / "risultato.json").read_text(encoding="utf-8"))
    assert result["ente"]["regime_semplificato"]
    publication = body_text(out / "allegato-rischi-pubblicazione.html")
    assert {kind: found for kind, found in leaks(publication, result).items() if found} == {}
    assert "Nota tecnica" in body_text(out / "allegato-rischi.html") and "Nota tecnica" not in publication
    assert "Mappatura dei processi" in publication
