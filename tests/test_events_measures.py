"""Risk events and the measures that treat them: the result, the integrity finding, the sheet, the register per event."""

from __future__ import annotations

import json
import shutil

import pytest
from catalog_helpers import MINI, REPO, problem_lines, run_cli
from rules_helpers import TORINO, method_copy, where
from test_report_support import parse_html

from riskengine.catalog import load_catalog
from riskengine.graph import build_graph
from riskengine.graph import queries as q
from riskengine.report import write_annex

STRICT = ("method.yaml", "misure_di_processo_coprono: true", "misure_di_processo_coprono: false")
REGISTER = ("method.yaml", "  registro: false", "  registro: true")


def setup(tmp_path, *method_edits):
    """The mini catalogue with the Torino method edited as given, side by side in tmp_path/{catalogs,rules}."""
    rules = tmp_path / "rules"
    rules.mkdir()
    method_copy(rules, TORINO, *method_edits)
    catalog = tmp_path / "catalogs" / "mini"
    shutil.copytree(MINI, catalog)
    return catalog, rules


def test_every_event_carries_the_measures_that_treat_it_most_specific_first(assessed):
    result = assessed("esempio-cciaa")
    measures = {m["codice"]: m for m in result["misure"]}
    order = ["evento", "fase", "processo", "area", "tutti"]
    for p in result["processi"]:
        assert {m["codice"] for e in p["eventi"] for m in e["misure"]} <= set(p["misure"]), p["codice"]
        for e in p["eventi"]:
            hows = [m["tramite"] for m in e["misure"]]
            assert hows == sorted(hows, key=order.index)
            for m in e["misure"]:
                own = measures[m["codice"]]["efficacia"]
                assert m["efficacia_dichiarata"] == (own is not None)
                if own is not None:
                    assert m["efficacia"] == own
            assert e["trattato"] == bool(e["misure"])  # the Torino method counts process-level measures
    # MGU33 names B2.1.1-E1 in tratta.eventi: it reaches that event directly
    event = next(e for p in result["processi"] for e in p["eventi"] if e["codice"] == "B2.1.1-E1")
    assert {"codice": "MGU33", "tramite": "evento", "efficacia": "0.4", "efficacia_dichiarata": True} in event["misure"]


def test_an_untreated_event_is_a_warning_at_the_event(tmp_path):
    catalog, rules = setup(tmp_path, STRICT)
    result = run_cli("check", str(catalog), "--rules", str(rules))
    found = [line for line in problem_lines(result.stdout) if "event-without-measure" in line]
    processes = catalog / "processes.yaml"
    # B2.1.1-E1 is named by MS01's tratta.eventi: treated; the other four are not
    assert found == [
        f"{where(processes, 'B2.1.1-E2')}: warning[event-without-measure]: risk event 'B2.1.1-E2' of process "
        "'B2.1.1' has no measure treating it (add 'B2.1.1-E2' to 'tratta: {eventi: [...]}' of the measure that "
        "treats it, or link a measure to its phase)",
        *[f"{where(processes, code)}: warning[event-without-measure]: risk event '{code}' of process '{proc}' has "
          f"no measure treating it (add '{code}' to 'tratta: {{eventi: [...]}}' of the measure that treats it, or "
          "link a measure to its phase)"
          for code, proc in (("C2.1.1-E1", "C2.1.1"), ("D1.1.1-E1", "D1.1.1"), ("B2.2.1-E1", "B2.2.1"))],
    ]


def test_process_level_measures_cover_the_events_when_the_method_says_so(tmp_path):
    catalog, rules = setup(tmp_path)
    result = run_cli("check", str(catalog), "--rules", str(rules))
    assert "event-without-measure" not in result.stdout


def test_linking_the_phase_treats_its_events(tmp_path):
    catalog, rules = setup(tmp_path, STRICT)
    (catalog / "measures.yaml").write_text((catalog / "measures.yaml").read_text(encoding="utf-8").replace(
        "tratta: {processi: [B2.1.1], eventi: [B2.1.1-E1]}", "tratta: {processi: [B2.1.1, B2.1.1.1], eventi: [B2.1.1-E1]}"),
        encoding="utf-8")
    result = run_cli("check", str(catalog), "--rules", str(rules))
    assert "'B2.1.1-E2'" not in result.stdout and "'C2.1.1-E1'" in result.stdout


@pytest.fixture(scope="module")
def strict_annex(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("events")
    catalog, rules = setup(tmp_path, STRICT, REGISTER)
    out = tmp_path / "out"
    done = run_cli("assess", str(catalog), "--rules", str(rules), "--out", str(out), "--format", "html,json",
                   "--db", f"sqlite:///{tmp_path / 'storico.sqlite'}", "-q")
    assert done.exit_code == 3, done.stdout  # the mini catalogue has error findings: its annex is a draft
    result = json.loads((out / "risultato.json").read_text(encoding="utf-8"))
    return result, out, parse_html((out / "allegato-rischi.html").read_text(encoding="utf-8"))


def test_each_sheet_shows_every_event_with_its_measures_and_flags_the_untreated(strict_annex):
    result, out, _ = strict_annex
    codes = {f["codice"] for f in result["criticita"]}
    assert "event-without-measure" in codes
    for p in result["processi"]:
        sheet = parse_html((out / "schede" / f"{p['codice']}.html").read_text(encoding="utf-8"))
        table = sheet.find_all("table", "eventi")[0]
        rows = table.find_all("tbody")[0].find_all("tr")
        assert [r.find_all("th")[0].find_all("span")[0].text() for r in rows] == [e["codice"] for e in p["eventi"]]
        untreated = [e for e in p["eventi"] if not e["trattato"]]
        assert table.find_all("caption")[0].text().endswith(f"({len(rows)}; non trattati: {len(untreated)})")
        for row, event in zip(rows, p["eventi"], strict=True):
            assert ("Nessuna misura tratta questo evento" in row.text()) == (not event["trattato"])
            for m in event["misure"]:
                if m["tramite"] != "tutti":
                    assert m["codice"] in row.text()
    ms01 = parse_html((out / "schede" / "B2.1.1.html").read_text(encoding="utf-8"))
    assert "MS01 Controllo a campione degli affidamenti diretti (sull'evento; efficacia 0,3)" in " ".join(
        ms01.find_all("table", "eventi")[0].text().split())


def test_the_register_per_event_when_the_method_asks_for_it(strict_annex, assessed, tmp_path):
    result, _, doc = strict_annex
    section = doc.by_id("registro-eventi")
    rows = section.find_all("tbody")[0].find_all("tr")
    events = [e["codice"] for p in result["processi"] for e in p["eventi"]]
    assert sorted(r.find_all("th")[0].find_all("span")[0].text() for r in rows) == sorted(events)
    sections = [n.attrs["id"] for n in doc.find_all("section", "sezione")]
    assert sections.index("registro-eventi") == sections.index("registro") + 1
    # off by default: the shipped example has the register per process only
    out = tmp_path / "plain"
    write_annex(assessed("mini"), out, formats=("html",))
    assert 'id="registro-eventi"' not in (out / "allegato-rischi.html").read_text(encoding="utf-8")



@pytest.mark.parametrize("catalogue", [REPO / "catalogs" / "esempio-cciaa", MINI], ids=["esempio-cciaa", "mini"])
def test_an_event_is_treated_when_its_links_say_so_with_or_without_universal_measures(catalogue, monkeypatch):
    # event_treated answers at once when a measure reaches every process; the answer must be the walk's.
    cg = build_graph(load_catalog(catalogue))
    assert cg.universal_measures()  # both catalogues have measures for every process
    for universal in (True, False):
        if not universal:
            monkeypatch.setattr(cg, "universal_measures", list)  # as if no measure were for every process
        for event in cg.nodes_of("event"):
            links = q.event_measures(cg, event)
            assert q.event_treated(cg, event, True) == bool(links)
            assert q.event_treated(cg, event, False) == any(via in q.EVENT_LEVEL for _, via in links)


def _by_most_specific_link(cg, event):
    """The definition of an event's measures: every measure linked to the event, to a phase above it, to its
    process, to an area of the process or to every process, each once by its most specific link, in that order
    and then by measure."""
    links = {}
    holder = event
    while cg.attrs(holder)["kind"] != "process":
        for m in cg.targets(holder, "treated-by"):
            links.setdefault(m, "evento" if holder == event else "fase")
        holder = cg.targets(holder, "threatens" if holder == event else "part-of")[0]
    for m in cg.targets(holder, "treated-by"):
        links.setdefault(m, "processo")
    for area in q.areas_of(cg, holder):
        for m in cg.targets(area, "treated-by"):
            links.setdefault(m, "area")
    for m in cg.nodes_of("measure"):
        if cg.obj(m).tratta.tutti:
            links.setdefault(m, "tutti")
    order = ["evento", "fase", "processo", "area", "tutti"]
    return sorted(links.items(), key=lambda link: (order.index(link[1]), link[0]))


@pytest.mark.parametrize("catalogue", [REPO / "catalogs" / "esempio-cciaa", MINI], ids=["esempio-cciaa", "mini"])
def test_an_events_measures_are_its_own_links_then_its_processs_without_repeats(catalogue):
    # the result takes the process's part once for all its events (q.process_level_measures) and adds each
    # event's own: the same links as the definition, including a measure linked both to the event and above it
    cg = build_graph(load_catalog(catalogue))
    own = repeated = 0
    for event in cg.nodes_of("event"):
        process = q.process_of(cg, event)
        event_level, process_level = q.event_level_measures(cg, event), q.process_level_measures(cg, process)
        expected = _by_most_specific_link(cg, event)
        assert q.event_measures(cg, event) == q.with_process_level(event_level, process_level) == expected, event
        own += bool(event_level)
        repeated += bool({m for m, _ in event_level} & {m for m, _ in process_level})
    assert own and repeated  # both cases are met: events with links of their own, and measures linked twice


def test_the_events_table_words_each_link_of_a_measure_by_its_own_way_and_efficacy(assessed):
    # the words of a measure are kept from one event to the next (report.tables.events): never those of another link
    from riskengine.report import tables as tb
    from riskengine.report.messages import Messages
    from riskengine.report.view import View

    result = json.loads(json.dumps(assessed("mini")))
    process = result["processi"][0]
    template = process["eventi"][0]

    def link(way, efficacy, declared=True):
        return {"codice": "MS01", "tramite": way, "efficacia": efficacy, "efficacia_dichiarata": declared}

    process["eventi"] = [dict(template, codice=f"E{i}", misure=misure, trattato=True) for i, misure in enumerate([
        [link("evento", "0.3")], [link("fase", "0.3")], [link("evento", "0.3", declared=False)],
        [link("evento", "0.45")], [link("tutti", "0.5")], [link("evento", "0.3")], [link("evento", 0.3)]])]
    rows = [row for row in tb.events(View(result, Messages("it"))).rows if row[0] == process["codice"]]
    assert [row[-1] for row in rows] == [
        "MS01 (sull'evento; efficacia 30%)", "MS01 (sulla fase; efficacia 30%)",
        "MS01 (sull'evento; efficacia 30%, valore predefinito del metodo)", "MS01 (sull'evento; efficacia 45%)",
        "su tutti i processi: MS01 (50%)", "MS01 (sull'evento; efficacia 30%)", "MS01 (sull'evento; efficacia 30%)"]
    english = [row[-1] for row in tb.events(View(result, Messages("en"))).rows if row[0] == process["codice"]]
    assert english[0] != rows[0] and "30%" in english[0]
