"""Evaluation of a whole assessment: three risk states, residual conventions, re-ratings, findings."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

import pytest

from riskengine.catalog.models import Misura
from riskengine.errors import RiskengineError
from riskengine.evaluate.residual import residual_level, residual_score
from riskengine.method.load import load_method
from riskengine.pipeline import assess

ROOT = Path(__file__).resolve().parent.parent
MINI = ROOT / "tests" / "data" / "mini"
RULES = ROOT / "rules"

ANSWERS = {
    # P = 2.83, I = 1.25 → 3.54 (basso, new scheme)
    "oracolo": "{P1: 2, P2: 5, P3: 1, P4: 5, P5: 1, P6: 3, I1: 1, I2: 1, I3: 0, I4: 3}",
    # P = 4.33, I = 3.00 → 12.99 (medio-alto, new scheme; medio, old scheme)
    "alto": "{P1: 5, P2: 5, P3: 3, P4: 5, P5: 5, P6: 3, I1: 3, I2: 1, I3: 3, I4: 5}",
}


def _catalog(tmp_path: Path, entries: str, monitoring: str = "") -> Path:
    target = tmp_path / "mini"
    shutil.copytree(MINI, target, ignore=shutil.ignore_patterns("assessment-*.yaml", "templates"))
    (target / "assessment-2026.yaml").write_text(
        "anno: 2026\ndata_valutazione: 2026-01-15\nvalutazioni:\n" + entries + (monitoring or ""), encoding="utf-8")
    return target


def _entry(process: str, answers: str, extra: str = "") -> str:
    return f"  - processo: {process}\n    risposte: {answers}\n    motivazione: \"Motivato\"\n{extra}"


def _process(result: dict, code: str) -> dict:
    return next(p for p in result["processi"] if p["codice"] == code)


def _run(tmp_path: Path, entries: str, monitoring: str = "") -> dict:
    return assess(_catalog(tmp_path, entries, monitoring), rules_dir=RULES)


def test_three_states_and_oracle(tmp_path: Path) -> None:
    result = _run(tmp_path, _entry("B2.1.1", ANSWERS["oracolo"]) + _entry("D1.1.1", ANSWERS["alto"]))
    b = _process(result, "B2.1.1")
    assert (b["probabilita"], b["impatto"], b["inerente"]["rischio"], b["livello"]) == ("2.83", "1.25", "3.54", "basso")
    # Torino: best efficacy among MS01 (0.3, in corso) and the general measures (0.05) → 3.54 × 0.7 = 2.478 → 2.48
    assert b["residuo_programmato"]["rischio"] == "2.48"
    # monitored: MS01 is not implemented, only the general measures count → 3.54 × 0.95 = 3.363 → 3.36
    assert b["residuo_monitorato"]["rischio"] == "3.36"
    d = _process(result, "D1.1.1")
    assert d["tabella_bande"] == "vecchi-indici" and d["livello"] == "medio"
    assert b["tabella_bande"] == "nuovi-indici"
    unassessed = _process(result, "C2.1.1")
    assert not unassessed["valutato"]
    assert [f["codice"] for f in unassessed["criticita"]] == ["NON-VALUTATO"]


def test_monitoring_status_lowers_monitored_residual(tmp_path: Path) -> None:
    monitoring = "monitoraggio:\n  - {misura: MS01, stato: attuata, verifiche_previste: 2, verifiche_eseguite: 2}\n"
    result = _run(tmp_path, _entry("B2.1.1", ANSWERS["oracolo"]), monitoring)
    assert _process(result, "B2.1.1")["residuo_monitorato"]["rischio"] == "2.48"
    assert result["sintesi"]["tasso_verifiche"] == "100.0"


def test_rerating_above_inherent_is_refused_and_flagged(tmp_path: Path) -> None:
    extra = "    residuo: {rischio: 9.5, motivazione: \"prudenza\"}\n"
    result = _run(tmp_path, _entry("B2.1.1", ANSWERS["oracolo"], extra))
    b = _process(result, "B2.1.1")
    assert b["residuo_programmato"]["rischio"] == "2.48"
    assert "RESIDUO-SOPRA-INERENTE" in [f["codice"] for f in b["criticita"]]


def test_rerating_within_inherent_is_applied_and_classified(tmp_path: Path) -> None:
    extra = "    residuo: {rischio: 8.5, motivazione: \"controlli rafforzati\"}\n"
    result = _run(tmp_path, _entry("D1.1.1", ANSWERS["alto"], extra))
    d = _process(result, "D1.1.1")
    assert d["residuo_programmato"]["rischio"] == "8.50"
    assert d["residuo_programmato"]["livello"] == "basso"
    assert d["residuo_programmato"]["traccia"][0]["regola"] == "valutazione.residuo"
    assert d["residuo_programmato"]["traccia"][-1]["regola"] == "bande:vecchi-indici:1"


def test_answer_off_scale_is_a_located_error(tmp_path: Path) -> None:
    with pytest.raises(RiskengineError) as caught:
        _run(tmp_path, _entry("B2.1.1", ANSWERS["oracolo"].replace("P2: 5", "P2: 3")))
    text = str(caught.value)
    assert "assessment-2026.yaml:5:27:" in text and "'3' is not an answer of indicator 'P2'" in text
    assert "expected one of: 2, 5" in text


def _misura(code: str, ambito: str, efficacia: str | None) -> Misura:
    return Misura(codice=code, nome=code, tipologia="controllo", ambito=ambito,
                  efficacia=Decimal(efficacia) if efficacia else None)


@pytest.mark.parametrize("convention, expected", [
    ("efficacia-migliore", "7.00"),   # 10 × (1 − 0.3)
    ("efficacia-prodotto", "5.60"),   # 10 × 0.7 × 0.8
    ("nessuno", "10.00"),
])
def test_residual_score_conventions(convention: str, expected: str) -> None:
    method = load_method(RULES / "cciaa-torino-2022")
    method.model.residuo.metodo = convention
    value, step = residual_score(method, Decimal("10.00"), [_misura("A", "specifica", "0.3"),
                                                             _misura("B", "specifica", "0.2")])
    assert format(value, "f") == expected
    assert step["regola"] == f"residuo: {convention}"


def test_residual_never_above_inherent_nor_lowered_without_measures() -> None:
    method = load_method(RULES / "cciaa-torino-2022")
    value, _ = residual_score(method, Decimal("4.00"), [])
    assert value == Decimal("4.00")


@pytest.mark.parametrize("measures, expected", [
    ([], "alto"),
    ([("g1", "generale")], "alto"),                      # 0.5 step rounds toward the higher risk
    ([("g1", "generale"), ("g2", "generale")], "medio"),
    ([("s1", "specifica")], "medio"),
    ([("s1", "specifica"), ("s2", "specifica"), ("s3", "specifica"), ("s4", "specifica"), ("s5", "specifica")],
     "minimo"),                                           # never below the lowest level
])
def test_residual_level_steps(measures: list, expected: str) -> None:
    method = load_method(RULES / "pna2019")
    level, _ = residual_level(method, "alto", [_misura(c, a, None) for c, a in measures])
    assert level == expected


def test_a_policy_message_names_a_level_by_its_label_inside_the_sentence() -> None:
    # "Rischio {livello} …" wrote the level's code: a method coding its levels MA, A wrote "Rischio MA"
    from riskengine.evaluate.evaluation import _format_message

    levels = {"MA": "Medio-alto", "A": "Alto"}
    labels = {"livello": levels, "livello_residuo": levels, "P1": {"MA": "Molto alta"}}
    values = {"livello": "MA", "livello_residuo": "A", "rischio": Decimal("9.58"), "area": "MA", "P1": "MA"}
    message = "Rischio {livello} (residuo {livello_residuo}, {rischio}) in area {area} per {nome}, P1 {P1}"
    assert _format_message(message, values, "Gare", labels, {}) == \
        "Rischio medio-alto (residuo alto, 9.58) in area MA per Gare, P1 molto alta"  # a code of no level stays


def test_a_policy_message_writes_yes_and_no_and_names_not_codes() -> None:
    # Regression: {motivazione} wrote True/False, and {unita} the unit's code
    from riskengine.evaluate.evaluation import _format_message

    values = {"motivazione": True, "art6": False, "unita": "PROVV", "codice": "B2.1.1"}
    message = "{codice}: motivato {motivazione}, art. 6 {art6}, unità {unita}"
    assert _format_message(message, values, "Gare", {}, {"unita": "Ufficio Provveditorato"}) == \
        "B2.1.1: motivato sì, art. 6 no, unità Ufficio Provveditorato"


def test_an_assessed_process_s_finding_names_its_unit_and_area(tmp_path: Path) -> None:
    # Regression: "{unita}" wrote PROVV and "{motivazione}" False in the annex's findings
    rules = tmp_path / "rules"
    shutil.copytree(RULES, rules)
    policies = rules / "cciaa-torino-2022" / "policies.yaml"
    text = policies.read_text(encoding="utf-8")
    policies.write_text(text.replace('"Il processo {codice} non ha la motivazione del giudizio"',
                                     '"{codice} ({unita}, area {area}): motivato {motivazione}"'), encoding="utf-8")
    entries = _entry("B2.1.1", ANSWERS["oracolo"]).replace('"Motivato"', '""')
    result = assess(_catalog(tmp_path, entries), rules_dir=rules)
    (finding,) = [f for f in _process(result, "B2.1.1")["criticita"] if f["codice"] == "MOTIVAZIONE-MANCANTE"]
    assert finding["messaggio"] == "B2.1.1 (Ufficio Provveditorato, area Contratti pubblici): motivato no"
