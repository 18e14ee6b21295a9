"""Measures as plans write them: co-responsible units, the plan's class label, collective owners resolved
through the graph, and unknown keys that list the allowed ones."""

from __future__ import annotations

from catalog_helpers import MINI, broken_copy, run_cli

from riskengine.catalog.load import load_catalog
from riskengine.graph.build import build_graph
from riskengine.graph.views import unit_view

# MS02 shared by three offices, with the plan's grouping label
SHARED = ("measures.yaml", "responsabile: PROM, scadenza: 2025-12-31",
          'responsabili: [PROM, RI, PROVV], classe: "Misure ulteriori", scadenza: 2025-12-31')
# a collective owner: the units owning the processes the measure treats
STRUCTURES = ("units.yaml", '  - {codice: DIR, nome: "Dirigenti", tipo: dirigente}\n',
              '  - {codice: DIR, nome: "Dirigenti", tipo: dirigente}\n'
              '  - {codice: STRUTTURE, nome: "Tutte le strutture coinvolte nei processi a rischio", tipo: tutti, '
              'collettivo: {tipo: unita-dei-processi}}\n'
              '  - {codice: TUTTI, nome: "Tutti i dipendenti", tipo: tutti, collettivo: {tipo: tutte-le-unita}}\n'
              '  - {codice: DIR-AREE, nome: "Dirigenti delle aree interessate", tipo: dirigente, '
              'collettivo: {tipo: responsabili-di-unita, unita: [AREA-AMM]}}\n')
# MS01 (treating B2.1.1 of PROVV) owned by the structures involved
MS01_BY_STRUCTURES = ("measures.yaml", "    responsabile: PROVV\n", "    responsabile: STRUTTURE\n")


def graph(catalog):
    return build_graph(load_catalog(catalog))


def test_a_measure_with_three_co_responsible_units_is_shown_to_each(tmp_path) -> None:
    catalog = broken_copy(tmp_path, SHARED)
    for unit in ("PROM", "RI", "PROVV"):
        result = run_cli("show", str(catalog), "--unit", unit, "--lang", "it")
        assert result.exit_code == 0, result.stderr
        lines = result.stdout.splitlines()
        assert any(line.startswith("  MS02     Pubblicazione dei criteri dei bandi") for line in lines), unit
        assert ("           corresponsabili: Ufficio Promozione, Registro Imprese, Ufficio Provveditorato"
                in lines), unit
    view = unit_view(graph(catalog), "RI")
    (ms02,) = [m for m in view["misure_responsabile"] if m["codice"] == "MS02"]
    assert ms02["classe"] == "Misure ulteriori"
    assert ms02["responsabile"] == "Ufficio Promozione"  # the first named, for one-owner views


def test_responsabile_and_responsabili_together_are_refused(tmp_path) -> None:
    catalog = broken_copy(tmp_path, ("measures.yaml", "responsabile: PROM, scadenza: 2025-12-31",
                                     "responsabile: PROM, responsabili: [RI], scadenza: 2025-12-31"))
    result = run_cli("check", str(catalog))
    assert result.exit_code == 1
    assert "give 'responsabile' (one unit) or 'responsabili' (co-responsible units), not both" in result.stdout + \
        result.stderr


def test_a_measure_of_the_structures_involved_reaches_exactly_the_owners_of_its_processes(tmp_path) -> None:
    catalog = broken_copy(tmp_path, STRUCTURES, MS01_BY_STRUCTURES)
    cg = graph(catalog)
    reached = {}
    for unit in ("SG", "AREA-AMM", "PROVV", "RI", "PROM", "UO-COMPL"):
        reached[unit] = [(m["codice"], m["come"]) for m in unit_view(cg, unit)["misure_collettive"]
                         if m["tramite"] == "Tutte le strutture coinvolte nei processi a rischio"]
    # MS01 treats B2.1.1 only, owned by PROVV
    assert reached == {"SG": [], "AREA-AMM": [], "RI": [], "PROM": [], "UO-COMPL": [],
                       "PROVV": [("MS01", "unità titolare dei processi trattati: B2.1.1")]}
    result = run_cli("show", str(catalog), "--unit", "PROVV", "--lang", "it")
    assert ("  MS01     Controllo a campione degli affidamenti diretti — tramite Tutte le strutture coinvolte nei "
            "processi a rischio (unità titolare dei processi trattati: B2.1.1), scadenza 30/06/2026"
            in result.stdout.splitlines())
    assert "tramite" not in run_cli("show", str(catalog), "--unit", "RI", "--lang", "it").stdout
    english = run_cli("show", str(catalog), "--unit", "PROVV", "--lang", "en").stdout
    assert "(unit owning the treated processes: B2.1.1), deadline 2026-06-30" in english
    assert "titolare" not in english


def test_all_employees_reach_every_unit_and_area_heads_their_areas(tmp_path) -> None:
    catalog = broken_copy(tmp_path, STRUCTURES,
                          ("measures.yaml", "natura: obbligatoria, responsabile: RPCT, scadenza: continua, frequenza: "
                                            "annuale, indicatore: \"Dichiarazioni raccolte\"",
                           "natura: obbligatoria, responsabile: TUTTI, scadenza: continua, frequenza: annuale, "
                           "indicatore: \"Dichiarazioni raccolte\""),
                          ("measures.yaml", "natura: obbligatoria, responsabile: RPCT, scadenza: continua, frequenza: "
                                            "annuale, indicatore: \"Canale attivo\"",
                           "natura: obbligatoria, responsabile: DIR-AREE, scadenza: continua, frequenza: annuale, "
                           "indicatore: \"Canale attivo\""))
    cg = graph(catalog)
    for unit in ("SG", "AREA-AMM", "PROVV", "RI", "PROM", "UO-COMPL"):
        found = {(m["codice"], m["come"]) for m in unit_view(cg, unit)["misure_collettive"]}
        assert ("MG03", "tutte le unità") in found
        assert (("MG04", "responsabile dell'unità") in found) == (unit == "AREA-AMM")


def test_a_collective_of_heads_names_its_units(tmp_path) -> None:
    catalog = broken_copy(tmp_path, ("units.yaml", '  - {codice: DIR, nome: "Dirigenti", tipo: dirigente}\n',
                                     '  - {codice: DIR, nome: "Dirigenti", tipo: dirigente, '
                                     'collettivo: {tipo: responsabili-di-unita}}\n'))
    result = run_cli("check", str(catalog))
    assert result.exit_code == 1
    assert "'unita' lists the units of 'responsabili-di-unita', and only of it" in result.stdout + result.stderr


def test_an_unknown_key_of_a_measure_lists_the_allowed_keys(tmp_path) -> None:
    catalog = broken_copy(tmp_path, ("measures.yaml", "responsabile: PROM, scadenza: 2025-12-31",
                                     'responsabile: PROM, gruppo: "Misure ulteriori", scadenza: 2025-12-31'))
    result = run_cli("check", str(catalog))
    output = result.stdout + result.stderr
    assert "error[schema]: unknown key 'gruppo' (allowed keys: codice, nome, descrizione, tipologia, ambito, " \
           "natura, classe, responsabile, responsabili, supporto," in output


def test_the_mini_catalogue_is_unchanged_by_collective_owners() -> None:
    assert all(not unit_view(graph(MINI), u)["misure_collettive"] for u in ("SG", "PROVV", "RI", "PROM"))


def dossier_sections(html: str) -> dict[str, str]:
    """The per-unit dossier of the annex: each unit's section (from its heading to the next), by unit code."""
    part = html[html.index('id="misure-unita"'):]
    part = part[:part.index("</section>")] if "</section>" in part else part
    sections = {}
    for chunk in part.split('<h3 id="u-')[1:]:
        code = chunk[chunk.index('<span class="nota">(') + 20:chunk.index(")</span>")]
        sections[code] = chunk
    return sections


def test_the_dossier_of_each_unit_lists_shared_and_collective_measures(tmp_path) -> None:
    catalog = broken_copy(tmp_path, SHARED, STRUCTURES, MS01_BY_STRUCTURES)
    out = tmp_path / "out"
    result = run_cli("assess", str(catalog), "--out", str(out), "--format", "html,json", "--quiet")
    assert result.exit_code == 3, result.stderr  # written: a draft (mini has an error finding)
    html = (out / "allegato-rischi.html").read_text(encoding="utf-8")
    sections = dossier_sections(html)
    for unit in ("PROM", "RI", "PROVV"):  # MS02: three co-responsible units
        assert ">MS02</a> Pubblicazione dei criteri dei bandi" in sections[unit], unit
    from riskengine.report.safety import html_id

    assert html.count(f'id="{html_id("m", "MS02")}"') == 1  # one anchor for the shared measure
    # MS01 of the structures involved: PROVV only, saying how it reached it
    assert ("Tramite Tutte le strutture coinvolte nei processi a rischio (unità titolare dei processi trattati: "
            "B2.1.1)") in sections["PROVV"]
    # and as ever its owner (the collective role) and its support (UO Compliance)
    assert [code for code, text in sections.items() if ">MS01</a>" in text] == ["PROVV", "UO-COMPL", "STRUTTURE"]
