"""Publication obligations (trasparenza.yaml, d.lgs. 33/2013): the official tree, the model, the due dates,
``show --unit`` and the annex section "Obblighi di pubblicazione" in every format.

The broken catalogues of the transparency integrity rules are in tests/test_catalog_integrity.py.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import re
import subprocess
import sys
from importlib import resources
from types import SimpleNamespace

import pytest
import yaml
from catalog_helpers import REPO, broken_copy, run_cli
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError
from test_report_support import parse_html, pdf_text

from riskengine.catalog.albero_trasparenza import albero, codice_piu_vicino, ordine, sezioni, sottosezioni
from riskengine.catalog.models import Obbligo
from riskengine.graph.trasparenza import add_months, next_due, overdue, status
from riskengine.report import write_annex

ESEMPIO = REPO / "catalogs" / "esempio-cciaa"
OBBLIGO = {"codice": "X1", "sezione": "04", "sottosezione": "0408", "riferimento": "Art. 16, c. 3, d.lgs. 33/2013",
           "denominazione": "Tassi di assenza", "aggiornamento": "trimestrale"}


def example_yaml() -> dict:
    return yaml.safe_load((ESEMPIO / "trasparenza.yaml").read_text(encoding="utf-8"))


def tree_order(obligations: list[dict]) -> list[dict]:
    """Oracle of the official order: sections 01-15, then 22, then 16-21; sub-sections by code; then as written."""
    sections = [f"{n:02d}" for n in range(1, 16)] + ["22"] + [f"{n:02d}" for n in range(16, 22)]
    return sorted(obligations, key=lambda o: (sections.index(o["sezione"]), o["sottosezione"]))


# -- the official tree -------------------------------------------------------------------------------------

def test_the_official_tree_has_22_sections_and_68_sub_sections_in_the_official_order():
    assert len(sezioni()) == 22 and len(sottosezioni()) == 68 and len(albero()) == 90
    order = [s.codice for s in sezioni()]
    assert order.index("22") == order.index("15") + 1 and order.index("16") == order.index("22") + 1
    assert [v.codice for v in sottosezioni("22")] == ["1506", "1507", "1508", "1509"]  # the source's quirk
    assert [v.codice for v in sottosezioni("15")] == ["1501", "1502", "1503", "1504", "1505"]
    assert albero()["0404"].nome_en == "Penalties for failure to communicate data"  # trailing space dropped
    assert ordine("1506") < ordine("16") < ordine("1601") and ordine("nessuno") == 90


def test_the_tree_ships_with_its_attribution():
    data = resources.files("riskengine") / "data"
    notice = (data / "trasparenza-sezioni.md").read_text(encoding="utf-8")
    for words in ("CC BY 4.0", "A.N.AC.", "AgID", "italia/dati-semantic-assets", "6f98170fea482f9518cc189af839e85cd37d8486"):
        assert words in notice
    for doc in ("formats.md", "annex.md"):
        text = (REPO / "docs" / doc).read_text(encoding="utf-8")
        assert "CC BY 4.0" in text and "dati-semantic-assets" in text, doc


@pytest.mark.parametrize(("code", "level", "nearest"), [
    ("0106", 2, "0103"), ("0206", 2, "0205"), ("1510", 2, "1509"), ("0413", 2, "0412"), ("23", 1, "22"),
    ("00", 1, "01"), ("0101", 2, "0101"), ("1", 1, "01"), ("ab", 1, "01"),
    ("0²", 1, "01"), ("٠١", 1, "01")])  # digits isdigit() takes and int() refuses, or reads otherwise
def test_the_nearest_code_of_the_tree(code, level, nearest):
    assert codice_piu_vicino(code, level) == nearest


@given(st.text(alphabet="0123456789", min_size=1, max_size=5), st.sampled_from([1, 2]))
def test_the_nearest_code_is_a_code_of_that_level_and_no_other_differs_in_fewer_characters(code, level):
    nearest = codice_piu_vicino(code, level)
    pool = [v.codice for v in albero().values() if v.livello == level]
    assert nearest in pool

    written = code.zfill(2 * level)  # a code written without its leading zeros (YAML 1 for "01")

    def differing(candidate: str) -> int:
        return sum(a != b for a, b in zip(candidate, written, strict=False)) + abs(len(candidate) - len(written))

    assert differing(nearest) == min(differing(c) for c in pool)
    if code in pool:
        assert nearest == code


# -- the model ---------------------------------------------------------------------------------------------

def test_a_section_or_sub_section_outside_the_tree_is_refused_with_the_nearest_code():
    with pytest.raises(ValidationError, match=r"'0106' is not a sub-section of the official tree .*did you mean '0103'"):
        Obbligo.model_validate(dict(OBBLIGO, sezione="01", sottosezione="0106"))
    with pytest.raises(ValidationError, match=r"'23' is not a section .*did you mean '22'"):
        Obbligo.model_validate(dict(OBBLIGO, sezione="23"))
    with pytest.raises(ValidationError, match="sub-section '1506' belongs to section '22', not '15'"):
        Obbligo.model_validate(dict(OBBLIGO, sezione="15", sottosezione="1506"))
    assert Obbligo.model_validate(dict(OBBLIGO, sezione="22", sottosezione="1506")).sezione == "22"


def test_a_section_code_outside_the_tree_through_python_m(tmp_path):
    catalog = broken_copy(tmp_path, ("trasparenza.yaml", None, (REPO / "tests" / "data" / "broken" / "obligation-overdue"
                                                                / "trasparenza.yaml").read_text(encoding="utf-8")
                                     .replace('    sottosezione: "0101"', '    sottosezione: "0106"')))
    proc = subprocess.run([sys.executable, "-m", "riskengine", "check", str(catalog)], capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 1
    assert (f"{catalog}/trasparenza.yaml:6:19: error[schema]: 'sottosezione': '0106' is not a sub-section of the "
            "official tree of 'Amministrazione trasparente' (did you mean '0103'?)") in proc.stdout
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.parametrize(("value", "expected"), [
    ("tempestivo", "tempestivo"), ("annuale", "annuale"), ("2026-01-31", dt.date(2026, 1, 31)),
    (dt.date(2026, 3, 31), dt.date(2026, 3, 31))])
def test_the_update_frequency_is_a_period_or_a_fixed_date(value, expected):
    assert Obbligo.model_validate(dict(OBBLIGO, aggiornamento=value)).aggiornamento == expected


@pytest.mark.parametrize(("value", "proposal"), [
    ("mensile", None), ("2026-13-01", None), ("ogni tanto", None), ("Annuale", "annuale"),
    ("tempestiva", "tempestivo"), (True, None), (["annuale"], None), (0, None), ("0", None),
    ("quadrimestrale", None), ("biennale", None)])  # other periods, not slips
def test_other_frequencies_are_refused(value, proposal):
    # once, by the field's own refusal: not also as pydantic's 'date' alternative ("'date' must be a date")
    with pytest.raises(ValidationError) as info:
        Obbligo.model_validate(dict(OBBLIGO, aggiornamento=value))
    (error,) = info.value.errors()
    assert error["loc"] == ("aggiornamento",)
    refusal = error["ctx"]["error"]
    if proposal is None:
        assert refusal.key == "problemi.valore.aggiornamento"
    else:
        assert (refusal.key, refusal.values["proposta"]) == ("problemi.valore.aggiornamento_forse", proposal)


def test_no_update_frequency_is_none():
    assert Obbligo.model_validate(dict(OBBLIGO, aggiornamento=None)).aggiornamento is None


# -- due dates and status (domain oracles: d.lgs. 33/2013 periods, plan date 31/01/2026) --------------------

DAY = dt.date(2026, 1, 31)


def obligation(**fields) -> SimpleNamespace:
    values = {"aggiornamento": "trimestrale", "ultimo_aggiornamento": None, "scadenza": None,
              "esito_monitoraggio": None}
    values.update(fields)
    return SimpleNamespace(**values)


def test_calendar_months():
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2023, 8, 31), 6) == dt.date(2024, 2, 29)
    assert add_months(dt.date(2025, 11, 15), 3) == dt.date(2026, 2, 15)
    assert add_months(dt.date(2025, 1, 31), 12) == dt.date(2026, 1, 31)


@pytest.mark.parametrize(("fields", "due", "late"), [
    ({"ultimo_aggiornamento": dt.date(2025, 10, 31)}, dt.date(2026, 1, 31), None),  # due on the plan date: in time
    ({"ultimo_aggiornamento": dt.date(2025, 10, 30)}, dt.date(2026, 1, 30), dt.date(2026, 1, 30)),
    ({"aggiornamento": "semestrale", "ultimo_aggiornamento": dt.date(2025, 7, 31)}, dt.date(2026, 1, 31), None),
    ({"aggiornamento": "annuale", "ultimo_aggiornamento": dt.date(2025, 1, 30)}, dt.date(2026, 1, 30),
     dt.date(2026, 1, 30)),
    ({"aggiornamento": dt.date(2026, 1, 15)}, dt.date(2026, 1, 15), dt.date(2026, 1, 15)),  # fixed date, not done
    ({"aggiornamento": dt.date(2026, 1, 15), "ultimo_aggiornamento": dt.date(2026, 1, 14)}, dt.date(2026, 1, 15),
     dt.date(2026, 1, 15)),
    ({"aggiornamento": dt.date(2026, 1, 15), "ultimo_aggiornamento": dt.date(2026, 1, 15)}, dt.date(2026, 1, 15), None),
    ({"aggiornamento": "tempestivo"}, None, None),  # updated at each act: no calendar date
    ({"aggiornamento": "trimestrale"}, None, None),  # never updated and no deadline: nothing to compare
    ({"aggiornamento": "trimestrale", "scadenza": dt.date(2026, 1, 10)}, dt.date(2026, 1, 10), dt.date(2026, 1, 10)),
])
def test_due_dates_and_overdue_updates(fields, due, late):
    o = obligation(**fields)
    assert next_due(o) == due
    assert overdue(o, DAY) == late


@pytest.mark.parametrize(("fields", "expected"), [
    ({"ultimo_aggiornamento": dt.date(2025, 12, 1)}, "aggiornato"),
    ({"ultimo_aggiornamento": dt.date(2025, 6, 1)}, "in-ritardo"),
    ({"ultimo_aggiornamento": dt.date(2025, 12, 1), "esito_monitoraggio": SimpleNamespace(esito="non-pubblicato")},
     "in-ritardo"),
    ({"ultimo_aggiornamento": dt.date(2025, 12, 1), "esito_monitoraggio": SimpleNamespace(esito="parziale")},
     "incompleto"),
    ({"esito_monitoraggio": SimpleNamespace(esito="conforme")}, "aggiornato"),
    ({}, "da-verificare"),
])
def test_the_status_at_the_plan_date(fields, expected):
    assert status(obligation(**fields), DAY) == expected


# -- check and show ------------------------------------------------------------------------------------------

def test_check_validates_the_example_schedule_without_errors(monkeypatch):
    monkeypatch.chdir(REPO)
    result = run_cli("check", "catalogs/esempio-cciaa")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].endswith(f", {len(example_yaml()['obblighi'])} publication obligations")
    trasparenza = [line for line in result.stdout.splitlines() if "trasparenza.yaml" in line]
    # the one finding is the late quarterly update of the absence rates (the example shows a late duty)
    assert trasparenza == ["    catalogs/esempio-cciaa/trasparenza.yaml:226:27: warning[obligation-overdue]: "
                           "publication obligation 'AT-04-08' was due for update on 2025-10-15 "
                           "(publish the update and record 'ultimo_aggiornamento')"]
    assert "errors" in result.stdout and result.stdout.splitlines()[-1].startswith("ok: 0 errors")


def test_the_example_covers_the_tree_and_marks_the_three_binding_schemas():
    data = example_yaml()
    assert data["esempio"] is True
    assert "Dati di esempio" in (ESEMPIO / "trasparenza.yaml").read_text(encoding="utf-8").splitlines()[0]
    covered = {o["sottosezione"] for o in data["obblighi"]} | {n.get("sottosezione") for n in data["non_applicabili"]}
    sections = {n.get("sezione") for n in data["non_applicabili"]}
    assert all(v.codice in covered or v.padre in sections for v in sottosezioni())
    binding = {o["riferimento"].split(",")[0] for o in data["obblighi"]
               if (o.get("schema_anac") or {}).get("vincolante")}
    assert binding == {"Art. 4-bis", "Art. 13", "Art. 31"}
    assert all(o.get("formato_aperto") for o in data["obblighi"] if (o.get("schema_anac") or {}).get("vincolante"))
    units = {u["codice"] for u in yaml.safe_load((ESEMPIO / "units.yaml").read_text(encoding="utf-8"))["unita"]}
    units |= {r["codice"] for r in yaml.safe_load((ESEMPIO / "units.yaml").read_text(encoding="utf-8"))["ruoli"]}
    assert {o["trasmissione"] for o in data["obblighi"]} | {o["pubblicazione"] for o in data["obblighi"]} <= units


def test_show_unit_lists_its_transparency_duties_through_python_m():
    proc = subprocess.run([sys.executable, "-m", "riskengine", "show", "catalogs/esempio-cciaa", "--unit", "PERS",
                           "--lang", "it"], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    data = example_yaml()
    transmits = [o["codice"] for o in data["obblighi"] if o["trasmissione"] == "PERS"]
    start = lines.index(f"obblighi di pubblicazione: trasmissione dei dati ({len(transmits)})")
    shown = [line.split()[0] for line in lines[start + 1:] if line.startswith("  AT-")]
    assert sorted(shown) == sorted(transmits)
    # soonest deadline first: the late quarterly update (due 15/10/2025) heads the list
    assert lines[start + 1:start + 4] == [
        "  AT-04-08 Tassi di assenza",
        "           0408 Personale › Tassi di assenza",
        "           aggiornamento: Trimestrale  prossima scadenza: 15/10/2025  stato: in ritardo"]
    assert lines[-1] == "obblighi di pubblicazione: pubblicazione (0)"


def test_show_unit_lists_what_a_unit_publishes(monkeypatch):
    monkeypatch.chdir(REPO)
    result = run_cli("show", "catalogs/esempio-cciaa", "--unit", "URP", "--lang", "it")
    published = [o for o in example_yaml()["obblighi"] if o["pubblicazione"] == "URP"]
    assert f"obblighi di pubblicazione: pubblicazione ({len(published)})" in result.stdout
    assert "AT-21-03 Accessibilità e catalogo dei dati, metadati e banche dati" in result.stdout
    assert "aggiornamento: alla data 31/03/2026" in result.stdout  # a fixed-date obligation, Italian date
    assert "1501 Servizi erogati › Carta dei servizi e standard di qualità" in result.stdout
    # the official tree's names in English, as the English annex writes them (they stayed Italian)
    english = run_cli("show", "catalogs/esempio-cciaa", "--unit", "URP", "--lang", "en")
    assert "1501 Services provided › Chart of services and quality standards" in english.stdout
    assert "Servizi erogati" not in english.stdout


def test_show_unit_without_a_schedule_says_nothing_of_it(monkeypatch):
    monkeypatch.chdir(REPO)
    result = run_cli("show", "tests/data/mini", "--unit", "PROVV", "--lang", "it")
    assert "obblighi di pubblicazione" not in result.stdout


# -- the result and the annex --------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def annex(cciaa_annex):
    """(result, output directory) of esempio-cciaa rendered once in every format (shared: read only)."""
    return cciaa_annex


def test_the_result_carries_the_schedule_in_tree_order_with_summary_counts(annex):
    result, _ = annex
    data = example_yaml()
    expected = [o["codice"] for o in tree_order(data["obblighi"])]
    assert [o["codice"] for o in result["trasparenza"]["obblighi"]] == expected
    summary = result["sintesi"]["trasparenza"]
    assert summary["obblighi"] == len(data["obblighi"])
    for section in sezioni():
        assert summary["per_sezione"][section.codice] == sum(o["sezione"] == section.codice for o in data["obblighi"])
    assert summary["per_stato"] == {"aggiornato": len(data["obblighi"]) - 2, "da-verificare": 0, "in-ritardo": 1,
                                    "incompleto": 1}
    not_applicable = [n for n in data["non_applicabili"] if "sottosezione" in n]
    not_applicable += [v for n in data["non_applicabili"] if "sezione" in n for v in sottosezioni(n["sezione"])]
    assert summary["sottosezioni_non_applicabili"] == len(not_applicable)
    pers = next(u for u in result["unita"] if u["codice"] == "PERS")
    assert sorted(pers["obblighi_trasmissione"]) == sorted(o["codice"] for o in data["obblighi"]
                                                           if o["trasmissione"] == "PERS")


def _csv_rows(out) -> list[list[str]]:
    raw = (out / "csv" / "obblighi-pubblicazione.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))  # Italian: ';'


def _expected_rows() -> list[tuple]:
    """(section, sub-section, code, name, legal reference, transmits, publishes, frequency) from the YAML."""
    units = yaml.safe_load((ESEMPIO / "units.yaml").read_text(encoding="utf-8"))
    names = {u["codice"]: u["nome"] for u in units["unita"] + units["ruoli"]}
    labels = {"tempestivo": "Tempestivo", "trimestrale": "Trimestrale", "semestrale": "Semestrale",
              "annuale": "Annuale"}
    def update(value: object) -> str:  # a fixed date as the HTML annex writes it
        return f"alla data del {value:%d/%m/%Y}" if isinstance(value, dt.date) else labels[str(value)]

    return [(o["sezione"], o["sottosezione"], o["codice"], o["denominazione"], o["riferimento"],
             names[o["trasmissione"]], names[o["pubblicazione"]], update(o["aggiornamento"]))
            for o in tree_order(example_yaml()["obblighi"])]


def test_the_italian_tables_write_the_dates_in_their_text_as_dd_mm_yyyy(annex):
    # "conforme (2025-12-31)", "vincolante dal 2026-01-22", an OIV attestation's and a fixed update's date were
    # ISO in the Italian CSV and workbook, where the HTML writes 31/12/2025
    from openpyxl import load_workbook

    _, out = annex
    rows = _csv_rows(out)
    sheet = [[c.value for c in row] for row in load_workbook(out / "allegato-rischi.xlsx")["Obblighi di pubblicazione"]
             .iter_rows()]
    for table in (rows, sheet):
        header = table[0]
        text = [header.index(name) for name in ("Contenuto", "Aggiornamento", "Schema ANAC", "Esito del monitoraggio",
                                                 "Attestazione OIV")]
        cells = [str(r[i]) for r in table[1:] for i in text if r[i]]
        assert not [c for c in cells if re.search(r"\b\d{4}-\d{2}-\d{2}\b", c)]
        assert any(re.search(r"\(\d{2}/\d{2}/\d{4}\)$", c) for c in cells)  # conforme (31/12/2025)
        assert any(re.search(r"dal \d{2}/\d{2}/\d{4}$", c) for c in cells)  # vincolante dal 22/01/2026


def test_the_csv_table_equals_the_yaml_in_tree_order(annex):
    _, out = annex
    rows = _csv_rows(out)
    header = rows[0]
    assert header[:6] == ["Codice sezione", "Sezione", "Codice sottosezione", "Sottosezione", "Codice obbligo",
                          "Denominazione"]
    col = {name: header.index(name) for name in header}
    obligations = [r for r in rows[1:] if r[col["Codice obbligo"]]]
    assert [(r[0], r[2], r[4], r[5], r[col["Riferimento normativo"]], r[col["Responsabile della trasmissione"]],
             r[col["Responsabile della pubblicazione"]], r[col["Aggiornamento"]]) for r in obligations] == _expected_rows()
    not_applicable = [r for r in rows[1:] if not r[col["Codice obbligo"]]]
    assert {r[2] for r in not_applicable} >= {"0203", "1504", "1507", "1701", "1901"}
    assert all(r[col["Stato"]] == "non applicabile" for r in not_applicable)
    # the whole table follows the official order of the sub-sections
    assert [ordine(r[2]) for r in rows[1:]] == sorted(ordine(r[2]) for r in rows[1:])
    late = next(r for r in obligations if r[4] == "AT-04-08")
    assert late[col["Stato"]] == "in ritardo"


def test_the_xlsx_sheet_equals_the_yaml(annex):
    from openpyxl import load_workbook

    _, out = annex
    ws = load_workbook(out / "allegato-rischi.xlsx")["Obblighi di pubblicazione"]
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    header = rows[0]
    col = {name: header.index(name) for name in header}
    obligations = [r for r in rows[1:] if r[col["Codice obbligo"]]]
    assert [(r[0], r[2], r[4], r[5], r[col["Riferimento normativo"]], r[col["Responsabile della trasmissione"]],
             r[col["Responsabile della pubblicazione"]], r[col["Aggiornamento"]]) for r in obligations] == _expected_rows()
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref


def test_the_html_section_follows_the_official_tree(annex):
    _, out = annex
    doc = parse_html((out / "allegato-rischi.html").read_text(encoding="utf-8"))
    section = doc.by_id("trasparenza")
    assert section.find_all("h2")[0].text().endswith("Obblighi di pubblicazione")
    headings = [h.attrs["id"] for h in section.find_all("h3") if h.attrs.get("id", "").startswith("t-")]
    assert headings == [f"t-{s.codice}" for s in sezioni()]
    rows = [tr.attrs["id"] for tr in section.find_all("tr") if tr.attrs.get("id", "").startswith("o-")]
    assert [r.removeprefix("o-") for r in rows] == [o["codice"] for o in tree_order(example_yaml()["obblighi"])]
    late = doc.by_id("o-AT-04-08").text()
    assert "in ritardo" in late and "Trimestrale" in late and "Ufficio Personale" in late
    binding = doc.by_id("o-AT-22-01").text()
    assert "vincolante dal 22/01/2026" in binding and "formato aperto" in binding
    assert "Non applicabile: La Camera di commercio non ha funzioni di pianificazione" in section.text()
    assert "CC BY 4.0" in section.text()
    summary = doc.by_id("sintesi").text()
    assert "Obblighi di pubblicazione: in ritardo 1" in summary
    per_unit = next(t for t in section.find_all("table") if "ciascuna unità" in t.text())
    pers = next(r for r in per_unit.find_all("tr") if "(PERS)" in r.text())
    transmits = [o["codice"] for o in tree_order(example_yaml()["obblighi"]) if o["trasmissione"] == "PERS"]
    assert [a.text() for a in pers.find_all("td")[0].find_all("a")] == transmits


def test_the_pdf_contains_the_section(annex):
    _, out = annex
    text = " ".join(pdf_text(out / "allegato-rischi.pdf"))
    assert "Obblighi di pubblicazione della sezione 22 Pagamenti dell'amministrazione" in text
    codes = [o["codice"] for o in tree_order(example_yaml()["obblighi"])]
    assert [c for c in codes if c in text] == codes
    assert sorted(codes, key=text.index) == codes  # in the order of the tree


def test_the_english_annex_names_the_tree_in_english(assessed, tmp_path):
    write_annex(assessed("esempio-cciaa"), tmp_path / "en", formats=("html", "csv"), lang="en")
    doc = parse_html((tmp_path / "en" / "allegato-rischi.html").read_text(encoding="utf-8"))
    section = doc.by_id("trasparenza")
    assert section.find_all("h2")[0].text().endswith("Publication obligations")
    assert doc.by_id("t-22").text() == "22 Payments administration"
    rows = list(csv.reader(io.StringIO((tmp_path / "en" / "csv" / "obblighi-pubblicazione.csv")
                                       .read_text(encoding="utf-8-sig"))))
    assert rows[0][4] == "Obligation code" and rows[1][1] == "General provisions"


def test_the_simplified_regime_shows_the_schedule_too(assessed, tmp_path):
    """A small administration publishes the same table: its annex has the section and the CSV."""
    result = copy.deepcopy(assessed("esempio-piccolo"))
    assert result["ente"]["regime_semplificato"]
    source = assessed("esempio-cciaa")
    result["trasparenza"] = copy.deepcopy(source["trasparenza"])
    result["sintesi"]["trasparenza"] = copy.deepcopy(source["sintesi"]["trasparenza"])
    write_annex(result, tmp_path / "out", formats=("html", "csv"))
    doc = parse_html((tmp_path / "out" / "allegato-rischi.html").read_text(encoding="utf-8"))
    assert next(h.attrs["id"] for h in doc.by_id("trasparenza").find_all("h3")) == "t-01"
    assert (tmp_path / "out" / "csv" / "obblighi-pubblicazione.csv").is_file()


def test_an_annex_without_a_schedule_has_no_section(assessed, tmp_path):
    result = assessed("mini")
    assert "trasparenza" not in result and "trasparenza" not in result["sintesi"]
    write_annex(result, tmp_path / "out", formats=("html", "csv"))
    assert 'id="trasparenza"' not in (tmp_path / "out" / "allegato-rischi.html").read_text(encoding="utf-8")
    assert not (tmp_path / "out" / "csv" / "obblighi-pubblicazione.csv").exists()


def test_report_reads_back_a_result_with_the_schedule(annex, tmp_path, monkeypatch):
    _, out = annex
    result = run_cli("report", str(out / "risultato.json"), "--out", str(tmp_path / "again"), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "again" / "csv" / "obblighi-pubblicazione.csv").read_bytes() == \
        (out / "csv" / "obblighi-pubblicazione.csv").read_bytes()


def test_the_published_schema_offers_the_codes_of_the_tree(tmp_path):
    import json

    import jsonschema

    result = run_cli("schema", "--out", str(tmp_path))
    assert result.exit_code == 0
    schema = json.loads((tmp_path / "trasparenza.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    data = json.loads(json.dumps(example_yaml(), default=str))  # YAML dates as ISO text
    assert list(validator.iter_errors(data)) == []
    wrong = copy.deepcopy(data)
    wrong["obblighi"][0]["sezione"] = "23"
    assert list(validator.iter_errors(wrong))
    unquoted = copy.deepcopy(data)
    unquoted["obblighi"][-1]["sezione"] = 21  # read by the loader as "21": the schema agrees
    assert list(validator.iter_errors(unquoted)) == []


def test_the_graph_links_obligations_to_their_units():
    from riskengine.catalog import load_catalog
    from riskengine.graph import build_graph
    from riskengine.graph.build import PUBLISHES, TRANSMITS

    cg = build_graph(load_catalog(ESEMPIO))
    data = example_yaml()
    assert len(cg.nodes_of("obligation")) == len(data["obblighi"])
    for o in data["obblighi"]:
        node = f"obligation:{o['codice']}"
        assert [cg.code(u) for u in cg.sources(node, TRANSMITS)] == [o["trasmissione"]]
        assert [cg.code(u) for u in cg.sources(node, PUBLISHES)] == [o["pubblicazione"]]
    exported = run_cli("graph", str(ESEMPIO), "--format", "json")
    assert exported.exit_code == 0 and '"obligation:AT-22-01"' in exported.stdout


@pytest.mark.parametrize("day", ["9999-12-31", "9999-11-30"])
def test_a_last_update_in_the_calendar_s_last_year_is_no_internal_error(tmp_path, day):
    # 'ultimo_aggiornamento: 9999-12-31' (an open-ended sentinel of many exports) ended check and assess in exit 70
    # ("year 10000 is out of range"): the next due date of its frequency is past the calendar's last day
    from history_helpers import catalog_copy

    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    path = catalog / "trasparenza.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("ultimo_aggiornamento: 2026-01-30",
                                                             f"ultimo_aggiornamento: {day}", 1), encoding="utf-8")
    result = run_cli("check", str(catalog))
    assert result.exit_code == 0, result.output
    assert add_months(dt.date.fromisoformat(day), 12) == dt.date.max
    assert add_months(dt.date(9999, 6, 30), 3) == dt.date(9999, 9, 30)
