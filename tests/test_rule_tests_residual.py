"""Rule tests of the residual: declared measures, planned and monitored expectations, load-time refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from rules_helpers import PNA2013, PNA2019, TORINO, method_copy, run_cli, where

RESIDUAL_FILE = {TORINO: "residuo.yaml", PNA2013: "residuo.yaml", PNA2019: "residuo.yaml"}


def only_case(tmp_path: Path, method: Path, text: str) -> Path:
    """A copy of ``method`` whose only rule test file is ``text``."""
    copy = method_copy(tmp_path, method)
    for path in (copy / "tests").glob("*.yaml"):
        path.unlink()
    (copy / "tests" / "caso.yaml").write_text(text, encoding="utf-8")
    return copy


@pytest.mark.parametrize("method, case, mismatch", [
    # efficacy of the best measure: 10 × (1 − 0.5) = 5.00 (medio), not 4.00
    (TORINO, "rischio: 10, area: B, misure: [{codice: M1, ambito: specifica, efficacia: 0.5}], "
             "atteso: {rischio_residuo: 4, livello_residuo: medio}",
     "Planned residual risk: expected 4, got 5.00"),
    # product of efficacies: 10 × 0.5 × 0.8 = 4.00 (medio-basso)
    (PNA2013, "rischio: 10, misure: [{codice: M1, ambito: specifica, efficacia: 0.5}, "
              "{codice: M2, ambito: generale, efficacia: 0.2}], atteso: {livello_residuo: basso}",
     "Planned residual level: expected Low, got Medium-low"),
    # steps: one general measure is half a step, rounded toward the higher risk: no change
    (PNA2019, "probabilita: alto, impatto: alto, misure: [{codice: M1, ambito: generale}], "
              "atteso: {livello_residuo: alto}",
     "Planned residual level: expected High, got Very high"),
    # explicit re-rating: the planned residual is the re-rated one, the monitored comes from the measures
    (TORINO, "rischio: 10, area: B, misure: [{codice: M1, ambito: generale}], "
             "rivalutazione: {livello: basso, motivazione: x}, atteso: {livello_monitorato: basso}",
     "Monitored residual level: expected Low, got Medium-high"),
])
def test_a_wrong_residual_expectation_fails_with_the_residual_trace(tmp_path, method, case, mismatch) -> None:
    copy = only_case(tmp_path, method, f"casi:\n  - {{nome: caso, {case}}}\n")
    result = run_cli("test", copy)
    assert result.exit_code == 1, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0].startswith("FAIL  caso  (")
    assert lines[1] == f"        {mismatch}"
    assert any(line.startswith("        Planned residual: ") for line in lines)  # the state, in the language
    assert any(line.startswith("        Monitored residual: ") for line in lines)
    assert lines[-1] == "0 passed, 1 failed"


def test_a_failure_of_another_key_shows_no_residual_trace(tmp_path) -> None:
    copy = only_case(tmp_path, TORINO, "casi:\n  - {nome: caso, rischio: 10, area: B, misure: [], "
                                       "atteso: {livello: basso}}\n")
    result = run_cli("test", copy)
    assert result.exit_code == 1
    assert "Level: expected Low, got Medium-high" in result.stdout  # labels, not codes
    assert "Planned residual" not in result.stdout


@pytest.mark.parametrize("method", [TORINO, PNA2013, PNA2019])
def test_the_shipped_residual_cases_pass_and_cover_the_convention(method) -> None:
    result = run_cli("test", method, "-v")
    assert result.exit_code == 0, result.stdout
    convention = {TORINO: "efficacia-migliore", PNA2013: "efficacia-prodotto", PNA2019: "gradino"}[method]
    assert "never fired" not in result.stdout
    assert (method / "tests" / RESIDUAL_FILE[method]).is_file()
    assert convention in (method / "method.yaml").read_text(encoding="utf-8")


def test_the_residual_convention_is_a_rule_of_the_coverage(tmp_path) -> None:
    copy = only_case(tmp_path, PNA2019, "casi:\n  - {nome: caso, probabilita: alto, impatto: alto, "
                                        "atteso: {livello: altissimo}}\n")
    result = run_cli("test", copy)
    assert f"  never fired: residuo:gradino ({where(copy / 'method.yaml', 'metodo: gradino')})" in result.stdout


def test_a_residual_expected_without_declared_measures_is_an_error(tmp_path) -> None:
    text = "casi:\n  - nome: caso\n    rischio: 10\n    area: B\n    atteso: {livello_residuo: medio}\n"
    copy = only_case(tmp_path, TORINO, text)
    result = run_cli("test", copy)
    assert result.exit_code == 1
    path = copy / "tests" / "caso.yaml"
    assert result.stderr.splitlines() == [(
        f"{where(path, 'livello_residuo')}: error[rule-test]: 'livello_residuo' expects a residual, but the case "
        "declares no measures (list the measures linked to the process under 'misure' ('misure: []' for none): "
        "the residual is computed from them)"), "1 error"]
    assert result.stdout == ""


def test_no_measures_declared_empty_means_no_change(tmp_path) -> None:
    copy = only_case(tmp_path, TORINO, "casi:\n  - {nome: caso, rischio: 10, area: B, misure: [], "
                                       "atteso: {livello_residuo: medio}}\n")
    result = run_cli("test", copy)
    assert result.exit_code == 1
    assert "Planned residual level: expected Medium, got Medium-high" in result.stdout


@pytest.mark.parametrize("method, atteso, message", [
    (PNA2019, "{rischio_residuo: 3}", "'rischio_residuo' is not given by this method: it has no numeric score"),
    (PNA2019, "{rischio: 3}", "'rischio' is not given by this method: it has no numeric score"),
    (TORINO, "{varianti: {prudente: 3}}", "unknown variant 'prudente'"),
    (PNA2019, "{varianti: {prudenziale: 3}}", "unknown variant 'prudenziale'"),
    (TORINO, "{criticita: [NON-ESISTE]}", "no policy rule raises the finding 'NON-ESISTE'"),
    (TORINO, "{livello_monitorato: altissimo}", "unknown risk level 'altissimo'"),
])
def test_expecting_a_key_the_evaluation_does_not_give_is_an_error(tmp_path, method, atteso, message) -> None:
    inputs = "probabilita: alto, impatto: alto" if method == PNA2019 else "rischio: 10, area: B"
    copy = only_case(tmp_path, method, f"casi:\n  - {{nome: caso, {inputs}, misure: [], atteso: {atteso}}}\n")
    result = run_cli("test", copy)
    assert result.exit_code == 1, result.stdout
    assert f"error[rule-test]: {message}" in result.stderr
    assert result.stdout == ""


def test_a_measure_declared_twice_is_an_error(tmp_path) -> None:
    copy = only_case(tmp_path, TORINO, "casi:\n  - {nome: caso, rischio: 10, area: B, misure: "
                                       "[{codice: M1, ambito: generale}, {codice: M1, ambito: specifica}], "
                                       "atteso: {livello_residuo: medio}}\n")
    result = run_cli("test", copy)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "error[rule-test]: measure 'M1' is declared twice" in result.stderr


def test_declared_measures_reach_the_policies_as_counts(tmp_path) -> None:
    # Torino: RISCHIO-SENZA-MISURA-SPECIFICA reads misure_specifiche, the priority 'scadute' misure_scadute
    cases = ("casi:\n"
             "  - {nome: senza, rischio: 25, area: B, misure: [], atteso: {criticita: [RISCHIO-SENZA-MISURA-SPECIFICA]}}\n"
             "  - {nome: con, rischio: 25, area: B, misure: [{codice: M1, ambito: specifica}], atteso: {criticita: []}}\n"
             "  - {nome: scaduta, rischio: 12, area: D, data_valutazione: 2024-01-01, misure: [{codice: M1, "
             "ambito: specifica, scadenza: 2023-12-31}], atteso: {criticita: [], priorita: 2}}\n"
             "  - {nome: attuata, rischio: 12, area: D, data_valutazione: 2024-01-01, misure: [{codice: M1, "
             "ambito: specifica, scadenza: 2023-12-31, monitorato: attuata}], atteso: {criticita: [], priorita: 3}}\n")
    result = run_cli("test", only_case(tmp_path, TORINO, cases))
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[-1] == "4 passed, 0 failed"


def test_a_failed_finding_or_monitoring_is_worded_not_printed_as_python_data(tmp_path) -> None:
    # "criticita: expected ['X'], got []" and "monitoraggio: expected {'modalita': 'puntuale', …}": Python's repr
    copy = only_case(tmp_path, TORINO, "casi:\n  - {nome: caso, rischio: 10, area: B, misure: [], atteso: "
                                       "{criticita: [MOTIVAZIONE-MANCANTE], monitoraggio: {modalita: puntuale, "
                                       "periodicita: mensile, livello: primo}}}\n")
    for lang, lines in (("en", ["Findings: expected MOTIVAZIONE-MANCANTE, got RISCHIO-SENZA-MISURA-SPECIFICA",
                                "Monitoring: expected monitoring: exhaustive, monthly, got monitoring: sample, "
                                "half-yearly"]),
                        ("it", ["Criticità: atteso MOTIVAZIONE-MANCANTE, ottenuto RISCHIO-SENZA-MISURA-SPECIFICA",
                                "Monitoraggio: atteso monitoraggio puntuale, mensile, ottenuto monitoraggio a "
                                "campione, semestrale"])):
        result = run_cli("test", copy, "--lang", lang)
        assert result.exit_code == 1
        assert [line.strip() for line in result.stdout.splitlines()[1:3]] == lines, result.stdout


def test_a_failed_monitoring_level_is_worded_by_its_label(tmp_path) -> None:
    copy = only_case(tmp_path, TORINO, "casi:\n  - {nome: caso, rischio: 10, area: B, misure: [], atteso: "
                                       "{monitoraggio: {modalita: a-campione, periodicita: semestrale, "
                                       "livello: primo}}}\n")
    result = run_cli("test", copy, "--lang", "en")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[1].strip() == "Monitoring, level: expected first-level, got second-level"


def test_a_case_s_risk_beyond_the_bands_is_refused_at_the_case(tmp_path) -> None:
    # rischio: 26 on a 0–25 method: "method.yaml: error[unique-hit]: la ricerca 'nuovi-indici|26' corrisponde a 0
    # righe", no line, the engine's words, and no case run
    copy = only_case(tmp_path, TORINO, "casi:\n  - {nome: caso, rischio: 26, area: B, atteso: {livello: alto}}\n")
    result = run_cli("test", copy, "--lang", "it")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{where(copy / 'tests' / 'caso.yaml', '26')}: error[rule-test]: il rischio 26 è fuori dalle fasce della "
        "tabella «Aree A, B, C, H – nuovi indici (quattro fasce)» (da 0,00 a 25,00) (scrivi un rischio tra 0,00 e "
        "25,00, dove finiscono le fasce della tabella)", "1 errore"]
