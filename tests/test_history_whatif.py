"""What-if scenarios and the ranking of planned measures, on the example chamber, against independent oracles."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path

import pytest
from history_helpers import REPO, catalog_copy, result_of, riskengine, sqlite_url

from riskengine import api
from riskengine.pipeline import assess

CATALOG = REPO / "catalogs" / "esempio-cciaa"
DEFAULT_EFFICACY = {"generale": Decimal("0.05"), "specifica": Decimal("0.2")}  # cciaa-torino-2022's residuo


@pytest.fixture(scope="module")
def baseline() -> dict:
    return assess(CATALOG, rules_dir=REPO / "rules")


def _efficacy(measure: dict) -> Decimal:
    return Decimal(measure["efficacia"]) if measure["efficacia"] is not None else DEFAULT_EFFICACY[measure["ambito"]]


def _raised_by_removing(result: dict, code: str) -> set[str]:
    """Oracle: with the best-efficacy convention, removing a planned measure raises the planned residual of
    exactly the processes where it is strictly the most effective planned measure."""
    measures = {m["codice"]: m for m in result["misure"]}
    raised = set()
    for p in result["processi"]:
        planned = [measures[m] for m in p["misure"] if measures[m]["stato_monitorato"] != "non-attuata"]
        if not p["valutato"] or code not in [m["codice"] for m in planned]:
            continue
        others = [_efficacy(m) for m in planned if m["codice"] != code]
        if _efficacy(measures[code]) > max(others, default=Decimal(0)):
            raised.add(p["codice"])
    return raised


def _scenario(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("code", ["MU4", "MS05", "MS08", "MS04", "MS07", "MO4"])
def test_removing_a_measure_raises_exactly_the_processes_it_is_best_for(tmp_path, baseline, code):
    scenario = _scenario(tmp_path, f"misure:\n  - {{misura: {code}, rimuovi: true}}\n")
    changes = api.whatif(CATALOG, scenario, rules_dir=REPO / "rules")
    raised = {p["codice"] for p in changes["processi"]}
    assert raised == _raised_by_removing(baseline, code)
    treats = next(m["processi"] for m in baseline["misure"] if m["codice"] == code)
    assert raised <= set(treats)
    for p in changes["processi"]:
        assert "inerente" not in p["stati"]  # a measure never changes the inherent risk
        planned = p["stati"]["residuo_programmato"]
        assert Decimal(planned["rischio_a"]) > Decimal(planned["rischio_da"])


def test_removing_a_measure_that_is_best_everywhere_raises_every_process_it_treats(tmp_path, baseline):
    scenario = _scenario(tmp_path, "misure:\n  - {misura: MU4, rimuovi: true}\n")
    changes = api.whatif(CATALOG, scenario, rules_dir=REPO / "rules")
    assert [p["codice"] for p in changes["processi"]] == ["B2.1.2"]
    # MU4 is implemented: the monitored residual rises too; the summary moves by the same amount / 41
    assert set(changes["processi"][0]["stati"]) == {"residuo_programmato", "residuo_monitorato"}
    assert Decimal(changes["sintesi"]["rischio_medio_residuo_programmato"]["variazione"]) > 0
    assert changes["sintesi"]["rischio_medio_inerente"]["variazione"] == "0.00"


def test_whatif_changes_links_status_efficacy_and_answers(tmp_path, baseline):
    scenario = _scenario(tmp_path, """descrizione: "Slittamento e rafforzamento"
collegamenti:
  aggiungi: [{misura: MU4, processo: B2.1.1}]
  rimuovi: [{misura: MS05, processo: A2.1.1}]
misure:
  - {misura: MS08, stato: non-attuata, scadenza: 2027-06-30}
  - {misura: MS07, efficacia: 0.9}
risposte:
  - oggetto: C1.1.4
    risposte: {P1: 5, P4: 5}
""")
    changes = api.whatif(CATALOG, scenario, rules_dir=REPO / "rules")
    by_code = {p["codice"]: p["stati"] for p in changes["processi"]}
    assert Decimal(by_code["A2.1.1"]["residuo_programmato"]["variazione"]) > 0  # link removed
    assert Decimal(by_code["B2.1.4"]["residuo_programmato"]["variazione"]) > 0  # MS08 dropped
    assert Decimal(by_code["B2.1.5"]["residuo_programmato"]["variazione"]) < 0  # MS07 more effective
    assert Decimal(by_code["C1.1.4"]["inerente"]["variazione"]) > 0  # answers changed
    assert set(by_code) >= {"A2.1.1", "B2.1.4", "B2.1.5", "C1.1.4"}


def test_the_cli_prints_and_writes_and_touches_neither_catalogue_nor_history(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    db = sqlite_url(tmp_path)
    digests = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in catalog.iterdir()}
    scenario = _scenario(tmp_path, "misure:\n  - {misura: MU4, rimuovi: true}\n", "slitta-mu4.yaml")
    run = riskengine("whatif", catalog, "--scenario", scenario, "--lang", "it", cwd=tmp_path, env={"RISKENGINE_DB": db})
    assert run.returncode == 0, run.stderr
    assert "B2.1.2" in run.stdout and "residuo programmato:" in run.stdout and "(+" in run.stdout
    written = json.loads((tmp_path / "whatif-slitta-mu4.json").read_text(encoding="utf-8"))
    assert [p["codice"] for p in written["processi"]] == ["B2.1.2"]
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in catalog.iterdir()} == digests
    history = riskengine("history", catalog, "--lang", "it", cwd=tmp_path, env={"RISKENGINE_DB": db})
    assert "esecuzioni registrate (0)" in history.stdout


def test_entries_setting_different_fields_of_one_measure_or_item_add_up(tmp_path, baseline):
    scenario = _scenario(tmp_path, "misure:\n  - {misura: MS08, stato: attuata}\n  - {misura: MS08, efficacia: 0.5}\n"
                                   "risposte:\n  - {oggetto: C1.1.4, risposte: {P1: 1}}\n"
                                   "  - {oggetto: C1.1.4, risposte: {P2: 2}}\n")
    assert api.whatif(CATALOG, scenario, rules_dir=REPO / "rules")["scenario"] == "scenario.yaml"


def test_whatif_out_replaces_an_earlier_output_never_another_file(tmp_path):
    # --out catalogs/…/measures.yaml replaced the catalogue's measures with the what-if's JSON
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    scenario = _scenario(tmp_path, "misure:\n  - {misura: MU4, rimuovi: true}\n", "slitta-mu4.yaml")
    measures = (catalog / "measures.yaml").read_bytes()
    run = riskengine("whatif", catalog, "--scenario", scenario, "--out", catalog / "measures.yaml", cwd=tmp_path)
    assert run.returncode == 1
    assert run.stderr.startswith(f"{catalog / 'measures.yaml'}: error[output]: the file exists and was not written "
                                 "by 'riskengine whatif': riskengine does not replace it"), run.stderr
    assert (catalog / "measures.yaml").read_bytes() == measures
    out = tmp_path / "esito.json"
    for _ in range(2):  # written, then replaced: an earlier what-if's output
        assert riskengine("whatif", catalog, "--scenario", scenario, "--out", out, cwd=tmp_path).returncode == 0
    assert json.loads(out.read_text(encoding="utf-8"))["scenario"] == "slitta-mu4.yaml"


@pytest.mark.parametrize(("text", "message"), [
    ("misure:\n  - {misura: MX99, rimuovi: true}\n", "scenario.yaml:2:14: error[scenario]: unknown measure 'MX99'"),
    ("collegamenti:\n  aggiungi: [{misura: MU4, processo: Z9}]\n", "error[scenario]: unknown process 'Z9'"),
    # the answers allowed, the indicators of the method, where the codes are (was "use a indicator code of the
    # catalogue", "use a assessed item code of the catalogue")
    ("risposte:\n  - {oggetto: C1.1.4, risposte: {P1: 9}}\n",
     "error[scenario]: '9' is not an answer of indicator 'P1' (expected one of: 1, 2, 3, 4, 5)"),
    ("risposte:\n  - {oggetto: C1.1.4, risposte: {P9: 1}}\n",
     "error[scenario]: unknown indicator 'P9' (expected one of: 'I1', 'I2', 'I3', 'I4', 'P1', 'P2', 'P3', 'P4', 'P5', "
     "'P6')"),
    ("risposte:\n  - {oggetto: ZZ, risposte: {P1: 1}}\n", "error[scenario]: unknown assessed item 'ZZ' (use the code of "
     "a process or phase of the year's assessment file)"),
    ("misure:\n  - {misura: MU4, stato: finita}\n", "scenario.yaml:2:"),
    # contradictions the last entry silently won, and a link removed that was not there ("0 changed")
    ("misure:\n  - {misura: MS08, stato: attuata}\n  - {misura: MS08, stato: non-attuata}\n",
     "scenario.yaml:3:5: error[scenario]: measure 'MS08': 'stato' already changed by entry 1 of this list"),
    ("risposte:\n  - {oggetto: C1.1.4, risposte: {P1: 1}}\n  - {oggetto: C1.1.4, risposte: {P1: 2, P2: 1}}\n",
     "scenario.yaml:3:5: error[scenario]: assessed item 'C1.1.4': 'P1' already changed by entry 1 of this list"),
    ("collegamenti:\n  rimuovi: [{misura: MS05, processo: B1.1.1}]\n",
     "error[scenario]: measure MS05 does not treat process B1.1.1: there is no link to remove"),
])
def test_a_bad_scenario_is_a_located_error(tmp_path, text, message):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    run = riskengine("whatif", catalog, "--scenario", _scenario(tmp_path, text), cwd=tmp_path)
    assert run.returncode == 1 and message in run.stderr, run.stderr
    assert "Traceback" not in run.stderr and not list(tmp_path.glob("whatif-*.json"))


def test_rank_measures_matches_a_brute_force_recomputation(tmp_path, baseline):
    ranking = api.rank_measures(CATALOG, rules_dir=REPO / "rules")
    planned = sorted(m["codice"] for m in baseline["misure"]
                     if m["stato_monitorato"] in ("da-attuare", "in-corso") and m["processi"])
    assert sorted(r["codice"] for r in ranking) == planned
    levels = [lvl["codice"] for lvl in baseline["metodo"]["livelli"]]
    brute = []
    for code in planned:  # each measure removed through a scenario file: the other path into the evaluator
        scenario = _scenario(tmp_path, f"misure:\n  - {{misura: {code}, rimuovi: true}}\n", f"{code}.yaml")
        changes = api.whatif(CATALOG, scenario, rules_dir=REPO / "rules")
        removed = sum((Decimal(p["stati"]["residuo_programmato"]["variazione"]) for p in changes["processi"]
                       if "residuo_programmato" in p["stati"]), Decimal(0))
        dropped = sorted(p["codice"] for p in changes["processi"] if "residuo_programmato" in p["stati"]
                         and levels.index(p["stati"]["residuo_programmato"]["livello_a"])
                         > levels.index(p["stati"]["residuo_programmato"]["livello_da"]))
        brute.append((-removed, -len(dropped), code, dropped))
    brute.sort()
    assert [r["codice"] for r in ranking] == [b[2] for b in brute]
    assert [Decimal(r["rischio_rimosso"]) for r in ranking] == [-b[0] for b in brute]
    assert [r["processi_abbassati"] for r in ranking] == [b[3] for b in brute]
    assert [r["posizione"] for r in ranking] == list(range(1, len(ranking) + 1))
    # MS28 (the exam commission's measure, added so that C1.1.6 has a specific measure) takes it down a level
    assert ranking[0]["codice"] == "MS28" and ranking[0]["processi_abbassati"] == ["C1.1.6"]
    assert ranking[2]["codice"] == "MS05" and ranking[2]["processi_abbassati"] == ["A2.1.1"]


def test_the_complete_annex_has_the_treatment_priority_table(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    run = riskengine("assess", catalog, "-o", tmp_path / "out", "-f", "html,json", "-q", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    ranking = result_of(tmp_path / "out")["priorita_trattamento"]
    html = (tmp_path / "out" / "allegato-rischi.html").read_text(encoding="utf-8")
    assert 'id="priorita"' in html and "Priorità di trattamento" in html
    first = ranking[0]
    assert f'<td class="num">1</td>\n<th scope="row">{first["codice"]} – ' in html
    cli = riskengine("rank-measures", catalog, "--format", "json", cwd=tmp_path)
    assert json.loads(cli.stdout) == ranking
    text = riskengine("rank-measures", catalog, "--lang", "it", cwd=tmp_path).stdout
    assert (f"    1. MS28     {first['nome']} — rimuove 2,50; processi che scendono di livello: "
            f"{', '.join(first['processi_abbassati'])}\n") in text


def test_a_method_without_scores_ranks_by_processes_dropping_a_level(tmp_path):
    # a grid method removes no score: "rimuove 0" stood beside every measure, and the annex had a column of zeros
    catalog = catalog_copy(tmp_path, "esempio-piccolo")
    ranking = api.rank_measures(catalog, rules_dir=REPO / "rules")
    assert ranking and all(r["rischio_rimosso"] is None for r in ranking)
    assert [len(r["processi_abbassati"]) for r in ranking] == sorted((len(r["processi_abbassati"]) for r in ranking),
                                                                     reverse=True)
    cli = riskengine("rank-measures", catalog, "--lang", "it", cwd=tmp_path)
    lines = cli.stdout.splitlines()
    assert lines[0] == f"misure programmate per processi che scendono di livello ({len(ranking)})"
    assert not [line for line in lines if "rimuove" in line]
    # the annex's table (written outside the simplified regime, whose annex is the map and a few pages)
    from riskengine.report import write_annex

    run = riskengine("assess", catalog, "-o", tmp_path / "json", "-f", "json", "-q", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    result = result_of(tmp_path / "json")
    result["ente"]["regime_semplificato"] = False
    write_annex(result, tmp_path / "out", formats=("html",))
    html = (tmp_path / "out" / "allegato-rischi.html").read_text(encoding="utf-8")
    priority = html[html.index('id="priorita"'):]
    priority = priority[:priority.index("</table>")]
    assert "Rischio residuo rimosso" not in priority and "scende di livello" in priority


def test_the_rankings_shortcut_keeps_a_residual_only_when_it_cannot_change():
    """kept_without (the ranking skips re-evaluating these processes) against its three conventions."""
    from riskengine.catalog import load_catalog
    from riskengine.evaluate.residual import kept_without
    from riskengine.method.load import load_method

    misure = {m.codice: m for m in load_catalog(CATALOG).measures.misure}
    general, mo4, ms01 = misure["MG01"], misure["MO4"], misure["MS01"]  # efficacies 0.05 (default), 0.4, 0.3
    best = load_method(REPO / "rules" / "cciaa-torino-2022")
    assert kept_without(best, [mo4, ms01], [mo4, ms01], "MS01")  # a more effective measure stays
    assert not kept_without(best, [mo4, ms01], [mo4, ms01], "MO4")  # the best one goes: evaluate again
    assert kept_without(best, [ms01], [ms01, general], "MG01")  # not counted for the residual
    assert not kept_without(best, [], [general], "MG01")  # the last linked measure: a re-rating may depend on it
    assert kept_without(best, [general, misure["MG02"]], [general, misure["MG02"]], "MG01")  # a tie (0.05)
    for name in ("pna2013", "pna2019"):  # product of efficacies, steps: every measure counts
        assert not kept_without(load_method(REPO / "rules" / name), [mo4, ms01], [mo4, ms01], "MS01")
