"""Exact arithmetic of the methods: rounding modes, aggregation operators, item scores, residual risk."""

from __future__ import annotations

import re
from decimal import Decimal as D
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rules_helpers import ORACLE_ANSWERS, PNA2013, PNA2019, TORINO, method_copy

from riskengine.evaluate.items import combine_items, score_item
from riskengine.evaluate.residual import residual_level, residual_score
from riskengine.method.arithmetic import (
    ROUNDING_MODES,
    aggregate,
    decimals,
    quantum,
    round_to,
)
from riskengine.method.load import load_method
from riskengine.source.fields import Dec, Model

MODES = sorted(ROUNDING_MODES)


@pytest.fixture(scope="module")
def pna2013():
    return load_method(PNA2013)


@pytest.fixture(scope="module")
def torino():
    return load_method(TORINO)


def options(method, answers: dict) -> dict:
    """Scale options for answers given by value (numeric scales) or by code (ordinal scales)."""
    chosen = {}
    for indicator in method.model.indicatori:
        raw = answers[indicator.codice]
        scale = method.scale_of(indicator)
        if isinstance(raw, str):
            chosen[indicator.codice] = next(o for o in scale.opzioni if o.codice == raw)
        else:
            chosen[indicator.codice] = next(o for o in scale.opzioni if o.valore == D(raw))
    return chosen


# ---- rounding ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, mode, expected", [
    ("4.005", "half-up", "4.01"), ("4.005", "half-even", "4.00"), ("4.005", "half-down", "4.00"),
    ("4.005", "up", "4.01"), ("4.005", "down", "4.00"),
    ("2.675", "half-up", "2.68"), ("2.675", "half-even", "2.68"), ("2.675", "half-down", "2.67"),
    ("2.665", "half-even", "2.66"), ("2.665", "half-up", "2.67"),
    ("4.0049999", "half-up", "4.00"), ("4.0050001", "half-down", "4.01"),
    ("2.671", "up", "2.68"), ("2.679", "down", "2.67"),
    ("3.125", "half-up", "3.13"), ("3.125", "half-even", "3.12"),
    ("4", "half-up", "4.00"), ("0", "half-even", "0.00"), ("25", "down", "25.00"),
])
def test_round_to_two_digits(value: str, mode: str, expected: str) -> None:
    result = round_to(D(value), 2, mode)
    assert result == D(expected)
    assert str(result) == expected  # always written with the method's decimals


def test_round_to_other_precisions() -> None:
    assert round_to(D("2.5"), 0, "half-up") == D(3)
    assert round_to(D("2.5"), 0, "half-even") == D(2)
    assert round_to(D("17") / D("6"), 3, "half-up") == D("2.833")
    assert round_to(D("17") / D("6"), 6, "up") == D("2.833334")


def test_python_float_rounding_would_be_wrong() -> None:
    # the trap the method avoids: the float nearest to 2.675 is below it, so round() gives 2.67
    assert round(2.675, 2) == 2.67
    assert round_to(D("2.675"), 2, "half-up") == D("2.68")


def test_yaml_floats_become_the_decimal_that_was_written() -> None:
    class Edge(Model):
        v: Dec

    assert Edge.model_validate({"v": 2.675}).v == D("2.675")
    assert Edge.model_validate({"v": 0.1}).v == D("0.1")
    assert round_to(Edge.model_validate({"v": 4.005}).v, 2, "half-up") == D("4.01")


def test_quantum_and_decimals() -> None:
    assert quantum(2) == D("0.01") and quantum(0) == D(1)
    assert [decimals(D(v)) for v in ("4.50", "4.005", "1E+3", "0.000", "25", "-0.010")] == [1, 3, 0, 0, 0, 2]


# ---- aggregation operators --------------------------------------------------------------------------

def test_media_is_exact() -> None:
    assert aggregate("media", [D(2), D(5), D(1), D(5), D(1), D(3)]) == D("2.8" + "3" * 48)  # 50 significant digits
    assert round_to(aggregate("media", [D(2), D(5), D(1), D(5), D(1), D(3)]), 2, "half-up") == D("2.83")
    assert aggregate("media", [D(1), D(1), D(0), D(3)]) == D("1.25")


def test_no_float_drift() -> None:
    assert 0.1 + 0.1 + 0.1 != 0.3  # floats drift
    assert aggregate("media", [D("0.1")] * 3) == D("0.1")
    assert aggregate("media", [D("0.1"), D("0.2")]) == D("0.15")
    assert round_to(aggregate("media", [D("0.1"), D("0.2")]), 1, "half-up") == D("0.2")  # float: 0.15000000000000002
    assert sum([D("0.1")] * 3, D(0)) == D("0.3")
    assert aggregate("media-ponderata", [D("0.1")] * 3, [D(1)] * 3) == D("0.1")


def test_max_and_min() -> None:
    values = [D(2), D("4.5"), D(1), D("4.49")]
    assert aggregate("max", values) == D("4.5")
    assert aggregate("min", values) == D(1)


@pytest.mark.parametrize("values, expected", [
    ([1, 1, 3, 3, 2], 3),  # tie between 1 and 3: the higher
    ([3, 3, 1, 1, 2], 3),  # order does not matter
    ([2, 2, 5], 2),  # a clear mode below the maximum
    ([1, 2, 3], 3),  # all tied: the highest
    ([4], 4),
])
def test_moda_with_ties_to_the_higher(values: list[int], expected: int) -> None:
    assert aggregate("moda", [D(v) for v in values]) == D(expected)


def test_media_ponderata() -> None:
    assert aggregate("media-ponderata", [D(1), D(5)], [D(75), D(25)]) == D(2)
    assert aggregate("media-ponderata", [D(1), D(2), D(3)], [D(50), D(30), D(20)]) == D("1.7")
    assert aggregate("media-ponderata", [D(3), D(3)], [D(1), D(99)]) == D(3)


@pytest.mark.parametrize("operator, values, weights, message", [
    ("media", [], None, "no values to aggregate"),
    ("media-ponderata", [D(1), D(2)], None, "media-ponderata needs one weight per value"),
    ("media-ponderata", [D(1), D(2)], [D(100)], "media-ponderata needs one weight per value"),
    ("mediana", [D(1)], None, "unknown aggregation operator 'mediana'"),
])
def test_aggregate_refuses(operator: str, values: list, weights, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        aggregate(operator, values, weights)


# ---- properties -------------------------------------------------------------------------------------

VALUES = st.lists(st.decimals(min_value=0, max_value=5, places=2, allow_nan=False, allow_infinity=False),
                  min_size=1, max_size=10)


@settings(max_examples=200, deadline=None)
@given(VALUES)
def test_every_operator_lies_between_min_and_max(values) -> None:
    low, high = min(values), max(values)
    for operator in ("media", "max", "min", "moda"):
        assert low <= aggregate(operator, values) <= high
    weights = [D(i + 1) for i in range(len(values))]
    assert low <= aggregate("media-ponderata", values, weights) <= high
    assert low <= round_to(aggregate("media", values), 2, "half-up") <= high


@settings(max_examples=300, deadline=None)
@given(st.decimals(min_value=-100, max_value=100, places=6, allow_nan=False, allow_infinity=False),
       st.integers(min_value=0, max_value=4), st.sampled_from(MODES))
def test_rounding_is_idempotent_and_close(value, digits, mode) -> None:
    once = round_to(value, digits, mode)
    assert round_to(once, digits, mode) == once
    assert decimals(once) <= digits
    assert abs(once - value) < quantum(digits)
    if mode.startswith("half"):
        assert abs(once - value) <= quantum(digits) / 2


ANSWERS_2013 = st.fixed_dictionaries({
    "P1": st.sampled_from([1, 2, 3, 4, 5]), "P2": st.sampled_from([2, 5]), "P3": st.sampled_from([1, 3, 5]),
    "P4": st.sampled_from([1, 3, 5]), "P5": st.sampled_from([1, 5]), "P6": st.sampled_from([1, 2, 3, 4, 5]),
    "I1": st.sampled_from([1, 2, 3, 4, 5]), "I2": st.sampled_from([1, 5]), "I3": st.sampled_from([0, 1, 2, 3, 4, 5]),
    "I4": st.sampled_from([1, 2, 3, 4, 5]),
})


@settings(max_examples=300, deadline=None)
@given(ANSWERS_2013)
def test_pna2013_risk_is_p_times_i_within_0_and_25(pna2013, answers) -> None:
    score = score_item(pna2013, options(pna2013, answers))
    p_values = [D(answers[f"P{n}"]) for n in range(1, 7)]
    i_values = [D(answers[f"I{n}"]) for n in range(1, 5)]
    assert score.probabilita == round_to(sum(p_values) / 6, 2, "half-up")
    assert score.impatto == round_to(sum(i_values) / 4, 2, "half-up")
    assert score.rischio == round_to(score.probabilita * score.impatto, 2, "half-up")
    assert D(0) <= score.rischio <= D(25)
    assert score.varianti["prudenziale"] == round_to(score.probabilita * max(i_values), 2, "half-up")
    assert score.rischio <= score.varianti["prudenziale"]
    assert decimals(score.rischio) <= 2


# ---- item scores on the shipped methods ---------------------------------------------------------------

def test_pna2013_oracle(torino) -> None:
    score = score_item(torino, options(torino, ORACLE_ANSWERS))
    assert (score.probabilita, score.impatto, score.rischio) == (D("2.83"), D("1.25"), D("3.54"))
    assert score.varianti == {"prudenziale": D("8.49")}
    assert [step["risultato"] for step in score.trace] == ["2.83", "1.25", "3.54", "8.49"]
    assert score.trace[0]["arrotondamento"] == "2.833333… → 2.83 (2 decimali, half-up)"
    assert "arrotondamento" not in score.trace[1]  # 1.25 is exact


def test_rounding_mode_of_the_method_file_is_applied(tmp_path, torino) -> None:
    # P = 15/6 = 2.5 and I = 1.25: P × I = 3.125, a tie at 2 decimals
    answers = dict(ORACLE_ANSWERS, P6=1)
    assert score_item(torino, options(torino, answers)).rischio == D("3.13")
    even = load_method(method_copy(tmp_path, TORINO, ("method.yaml", "{cifre: 2, modo: half-up}",
                                                      "{cifre: 2, modo: half-even}")))
    assert score_item(even, options(even, answers)).rischio == D("3.12")
    down = load_method(method_copy(tmp_path, TORINO, ("method.yaml", "{cifre: 2, modo: half-up}",
                                                      "{cifre: 2, modo: down}"), name="down"))
    score = score_item(down, options(down, ORACLE_ANSWERS))
    assert (score.probabilita, score.impatto, score.rischio) == (D("2.83"), D("1.25"), D("3.53"))  # 3.5375 → 3.53


def test_pna2019_prudence_takes_the_highest_judgement() -> None:
    method = load_method(PNA2019)
    answers = {i.codice: "basso" for i in method.model.indicatori}
    answers.update(opacita="alto", impatto_organizzativo="medio")
    score = score_item(method, options(method, answers))
    assert (score.p_code, score.i_code, score.rischio) == ("alto", "medio", None)


def test_combine_items_uses_the_method_operator(torino) -> None:
    low = score_item(torino, options(torino, ORACLE_ANSWERS))
    high = score_item(torino, options(torino, dict.fromkeys(ORACLE_ANSWERS, 5)))
    combined = combine_items(torino, [low, high])  # aggregazione_processo defaults to max
    assert (combined.probabilita, combined.impatto, combined.rischio) == (D(5), D(5), D(25))
    assert combined.varianti == {"prudenziale": D(25)}
    assert combined.trace[-1]["regola"] == "valutazione.aggregazione_processo: max"


# ---- residual risk ----------------------------------------------------------------------------------

def measure(code: str, ambito: str = "specifica", efficacia: str | None = None) -> SimpleNamespace:
    return SimpleNamespace(codice=code, ambito=ambito, efficacia=None if efficacia is None else D(efficacia))


def test_residual_best_efficacy(torino) -> None:
    # Torino: efficacia-migliore, defaults 0.05 (generale) and 0.2 (specifica)
    value, step = residual_score(torino, D("3.54"), [measure("MG01", "generale"), measure("MS15", efficacia="0.3")])
    assert value == D("2.48")  # 3.54 × 0.7 = 2.478
    assert step["descrizione"] == "inerente × (1 − efficacia della misura migliore, MS15)"
    assert step["valori"] == {"MG01": "0.05", "MS15": "0.3"}
    assert residual_score(torino, D("10.00"), [measure("MS01")])[0] == D("8.00")
    assert residual_score(torino, D("10.00"), [])[0] == D("10.00")  # no measure, no reduction


def test_residual_product_of_efficacies(tmp_path) -> None:
    method = load_method(method_copy(tmp_path, TORINO, ("method.yaml", "metodo: efficacia-migliore",
                                                        "metodo: efficacia-prodotto")))
    value, _ = residual_score(method, D("10.00"), [measure("A", efficacia="0.5"), measure("B", efficacia="0.2")])
    assert value == D("4.00")  # 10 × 0.5 × 0.8


def test_residual_never_exceeds_inherent(torino) -> None:
    value, _ = residual_score(torino, D("3.54"), [measure("X", efficacia="0")])
    assert value == D("3.54")


def test_residual_steps_round_toward_the_higher_risk() -> None:
    method = load_method(PNA2019)  # gradino: −0.5 per general measure, −1 per specific
    assert residual_level(method, "altissimo", [measure("G1", "generale")])[0] == "altissimo"  # 0.5 → 0 steps
    assert residual_level(method, "altissimo", [measure("G1", "generale"), measure("G2", "generale"),
                                                measure("G3", "generale")])[0] == "alto"  # 1.5 → 1 step
    assert residual_level(method, "alto", [measure("S1"), measure("S2")])[0] == "basso"
    assert residual_level(method, "basso", [measure("S1"), measure("S2"), measure("S3")])[0] == "minimo"  # floor
    level, step = residual_level(method, "medio", [])
    assert level == "medio" and step["risultato"] == "0 → 0 gradini: medio → medio"
