"""The monitoring plan the method selects (method.yaml ``piano_monitoraggio``): selection, rotation, the examples."""

from __future__ import annotations

import pytest
from history_helpers import catalog_copy, result_of, riskengine, sqlite_url
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from rules_helpers import RULES, method_copy, run_cli

from riskengine.evaluate.monitoring import Candidate, select_checks
from riskengine.method.models import PianoMonitoraggio


def plan(*selections: dict, seme: int = 0) -> PianoMonitoraggio:
    return PianoMonitoraggio.model_validate({"tipo": "selezione", "seme": seme, "selezioni": list(selections)})


PER_AREA = {"codice": "s", "livelli": ["medio", "medio-alto"], "per_area": 1, "modalita": "a-campione",
            "periodicita": "annuale"}
CANDIDATES = [Candidate("A1", "a1", "A", "medio"), Candidate("A2", "a2", "A", "medio-alto"),
              Candidate("A3", "a3", "A", "basso"), Candidate("B1", "b1", "B", "medio"),
              Candidate("B2", "b2", "B", "medio"), Candidate("C1", "c1", "C", "alto")]


def voci(rows: list[dict]) -> list[str]:
    return [str(r["voce"]) for r in rows]


def test_one_per_area_among_the_given_levels() -> None:
    rows = select_checks(plan(PER_AREA), CANDIDATES, 2026)
    assert [(r["area"], r["livello"] in ("medio", "medio-alto")) for r in rows] == [("A", True), ("B", True)]


def test_the_same_year_gives_the_same_plan_and_years_rotate() -> None:
    by_year = {year: voci(select_checks(plan(PER_AREA), CANDIDATES, year)) for year in (2026, 2027)}
    assert voci(select_checks(plan(PER_AREA), list(reversed(CANDIDATES)), 2026)) == by_year[2026]
    assert by_year[2026] != by_year[2027]
    assert {v[0] for v in by_year[2026]} == {v[0] for v in by_year[2027]} == {"A", "B"}


def test_the_seed_shifts_the_rotation() -> None:
    assert voci(select_checks(plan(PER_AREA, seme=1), CANDIDATES, 2026)) != voci(
        select_checks(plan(PER_AREA), CANDIDATES, 2026))


def test_history_puts_the_items_never_checked_first() -> None:
    first = voci(select_checks(plan(PER_AREA), CANDIDATES, 2026))
    second = voci(select_checks(plan(PER_AREA), CANDIDATES, 2026, dict.fromkeys(first, 2025)))
    assert set(first).isdisjoint(second)
    # everything checked: the one checked longest ago comes back first
    back = select_checks(plan(PER_AREA), CANDIDATES, 2027, {"A1": 2024, "A2": 2025, "B1": 2025, "B2": 2023})
    assert voci(back) == ["A1", "B2"]


def test_a_process_is_chosen_once_across_selections_and_phases_are_checked() -> None:
    phases = [Candidate("P1", "p1", "A", "alto", (("P1.1", "uno"), ("P1.2", "due"))),
              Candidate("P2", "p2", "A", "alto", (("P2.1", "uno"),)), Candidate("P3", "p3", "B", "alto")]
    rows = select_checks(plan({"codice": "a", "oggetto": "fase", "livelli": ["alto"], "numero": 1,
                               "modalita": "puntuale"},
                              {"codice": "b", "oggetto": "fase", "livelli": ["alto"], "numero": 5,
                               "modalita": "a-campione", "periodicita": "annuale"}), phases, 2026)
    assert len(rows) == 3 and len({r["processo"] for r in rows}) == 3
    assert [r["modalita"] for r in rows] == ["puntuale", "a-campione", "a-campione"]
    assert {r["fase"] for r in rows if r["processo"] != "P3"} <= {"P1.1", "P1.2", "P2.1"}
    assert next(r for r in rows if r["processo"] == "P3")["fase"] is None  # no phase: the process itself


@pytest.mark.parametrize(("selection", "message"), [
    ({"codice": "x", "livelli": ["medio"], "modalita": "puntuale"}, "per_area"),
    ({"codice": "x", "livelli": ["medio"], "numero": 1, "modalita": "puntuale", "campione": "10%"}, "campione"),
])
def test_a_selection_says_how_many_and_a_sample_needs_a_sampled_check(selection: dict, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        plan(selection)


def test_an_unknown_level_is_located_with_a_suggestion(tmp_path) -> None:
    method = method_copy(tmp_path, RULES / "cciaa-torino-2022",
                         ("method.yaml", "livelli: [medio-alto, medio]", "livelli: [medio-alta, medio]"))
    result = run_cli("check", method)
    assert result.exit_code == 1
    assert "method.yaml:" in result.stdout and "unknown risk level 'medio-alta'" in result.stdout
    assert "did you mean 'medio-alto'" in result.stdout


def test_the_torino_shaped_rule_test_passes() -> None:
    result = run_cli("test", RULES / "cciaa-torino-2022", "-v")
    assert result.exit_code == 0, result.stdout
    assert "Torino 2022: sei attività, una puntuale e cinque a campione annuali" in result.stdout


@pytest.mark.parametrize(("lang", "lines"), [
    ("en", ["Checks by frequency: expected yearly 5; half-yearly 1, got yearly 6",
            "Checks by object: expected process 6, got phase 6",
            "Items checked: expected B.02.01, B.03.04, C.05.02, D.04.02, G.02.03, got A.01.03, B.02.01, B.03.04, "
            "C.05.02, D.04.02, G.02.03"]),
    ("it", ["Verifiche per periodicità: atteso annuale 5; semestrale 1, ottenuto annuale 6",
            "Verifiche per oggetto: atteso processo 6, ottenuto fase 6",
            "Voci verificate: atteso B.02.01, B.03.04, C.05.02, D.04.02, G.02.03, ottenuto A.01.03, B.02.01, B.03.04, "
            "C.05.02, D.04.02, G.02.03"])])
def test_a_failed_plan_case_words_its_counts_and_items_not_python_data(tmp_path, lang, lines) -> None:
    # "expected {'annuale': 5, 'semestrale': 1}, got {'annuale': 6}", "expected ['B.02.01', …]" in both languages
    method = method_copy(tmp_path, RULES / "cciaa-torino-2022",
                         ("tests/monitoraggio.yaml", "      periodicita: {annuale: 6}\n      oggetto: {fase: 6}\n"
                          "      voci: [A.01.03, ", "      periodicita: {annuale: 5, semestrale: 1}\n"
                          "      oggetto: {processo: 6}\n      voci: ["))
    result = run_cli("--lang", lang, "test", method)
    assert result.exit_code == 1
    assert [line.strip() for line in result.stdout.splitlines()[1:4]] == lines, result.stdout


def test_the_example_plan_is_a_handful_of_checks_that_rotates_with_the_history(tmp_path) -> None:
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    db = sqlite_url(tmp_path)
    runs = {}
    for year in (2025, 2026):
        out = tmp_path / f"out{year}"
        done = riskengine("assess", catalog, "--year", str(year), "--out", out, "--format", "json", "--db", db,
                          cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        runs[year] = result_of(out)["piano_monitoraggio"]
    plan_2026 = runs[2026]
    rows = plan_2026["righe"]
    assert len(rows) == 6
    assert [r["modalita"] for r in rows].count("puntuale") == 1
    assert all(r["periodicita"] == "annuale" for r in rows if r["modalita"] == "a-campione")
    assert runs[2025]["rotazione"] == "seme" and plan_2026["rotazione"] == "storico"
    checked_2025 = {r["voce"] for r in runs[2025]["righe"]}
    assert {r["voce"] for r in rows if r["ultima_verifica"] == 2025} <= checked_2025
    assert {r["voce"] for r in rows} != checked_2025  # it rotated
    assert all(r["misure"] for r in rows)  # each check names the specific measures it verifies

LEVELS = ["basso", "medio", "medio-alto", "alto"]
candidate_lists = st.lists(st.tuples(st.sampled_from("ABC"), st.sampled_from(LEVELS), st.integers(0, 3)),
                           max_size=25).map(lambda items: [
                               Candidate(f"{area}{i}", f"p{i}", area, level,
                                         tuple((f"{area}{i}.{k}", "f") for k in range(phases)))
                               for i, (area, level, phases) in enumerate(items)])


@settings(max_examples=200, deadline=None)
@given(candidate_lists, st.integers(2000, 2100), st.integers(1, 3), st.sampled_from(["processo", "fase"]),
       st.dictionaries(st.sampled_from([f"{a}{i}" for a in "ABC" for i in range(25)]), st.integers(2000, 2099)))
def test_a_selection_takes_as_many_as_it_can_once_each_and_in_any_input_order(
        candidates, year, per_area, oggetto, history) -> None:
    selection = dict(PER_AREA, per_area=per_area, oggetto=oggetto)
    rows = select_checks(plan(selection), candidates, year, history)
    assert len({r["processo"] for r in rows}) == len(rows)
    assert all(r["livello"] in ("medio", "medio-alto") for r in rows)
    for area in "ABC":
        eligible = [c for c in candidates if c.area == area and c.livello in ("medio", "medio-alto")]
        assert sum(r["area"] == area for r in rows) == min(per_area, len(eligible))
    assert rows == select_checks(plan(selection), list(reversed(candidates)), year, history)
    for r in rows:  # a phase when the process has phases, else the process
        phases = next(c.fasi for c in candidates if c.processo == r["processo"])
        assert (r["fase"] is not None) == (oggetto == "fase" and bool(phases))
