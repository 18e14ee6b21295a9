"""Rounding per stage: P, I, the risk and each variant with their own precision and mode, or none for P and I."""

from __future__ import annotations

import shutil
from decimal import Decimal
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from rules_helpers import ESEMPIO, ORACLE_ANSWERS, PNA2013, RULES, TORINO, load_problems, method_copy, run_cli

from riskengine.evaluate.items import rounded, score_item
from riskengine.method.load import load_method

GENERAL = "arrotondamento: {cifre: 2, modo: half-up}"


def staged(tmp_path: Path, rounding: str, method: Path = PNA2013) -> Path:
    """A copy of ``method`` with ``rounding`` for its ``arrotondamento`` line and no rule tests."""
    copy = method_copy(tmp_path, method, ("method.yaml", GENERAL, rounding))
    shutil.rmtree(copy / "tests")
    (copy / "tests").mkdir()
    return copy


def cases(copy: Path, text: str) -> None:
    (copy / "tests" / "arrotondamento.yaml").write_text(text, encoding="utf-8")


ORACLE = "{P1: 2, P2: 5, P3: 1, P4: 5, P5: 1, P6: 3, I1: 1, I2: 1, I3: 0, I4: 3}"


def test_p_to_one_decimal_i_and_risk_to_two_reproduce_the_product_of_the_rounded_p(tmp_path) -> None:
    # P = 17/6 = 2.8333… → 2.8; I = 5/4 = 1.25; risk = 2.8 × 1.25 = 3.50 (not 3.54: the product of the rounded P);
    # the prudential variant = 2.8 × max I (3) = 8.40
    copy = staged(tmp_path, "arrotondamento: {cifre: 2, modo: half-up, probabilita: {cifre: 1}}")
    cases(copy, f"casi:\n  - nome: oracolo\n    risposte: {ORACLE}\n"
                "    atteso: {probabilita: 2.8, impatto: 1.25, rischio: 3.50, livello: medio-basso, "
                "varianti: {prudenziale: 8.40}}\n")
    result = run_cli("test", copy)
    assert result.stdout.splitlines()[-1] == "1 passed, 0 failed", result.stdout


def test_a_wrong_hand_computation_fails(tmp_path) -> None:
    copy = staged(tmp_path, "arrotondamento: {cifre: 2, modo: half-up, probabilita: {cifre: 1}}")
    cases(copy, f"casi:\n  - {{nome: oracolo, risposte: {ORACLE}, atteso: {{rischio: 3.54}}}}\n")
    result = run_cli("test", copy, "--lang", "it")
    assert result.exit_code == 1
    assert "        Rischio: atteso 3,54, ottenuto 3,50" in result.stdout.splitlines()  # Italian, decimal commas
    assert "          arrotondamento: 2,833333… → 2,8 (1 decimali, per eccesso da 0,5)" in result.stdout.splitlines()


def test_an_unrounded_p_enters_the_product_exactly(tmp_path) -> None:
    # 17/6 × 1.25 = 3.541666… → 3.54; the variant 17/6 × 3 = 8.5 → 8.50 (8.49 with P rounded first)
    copy = staged(tmp_path, "arrotondamento: {cifre: 2, modo: half-up, probabilita: nessuno}")
    cases(copy, f"casi:\n  - nome: oracolo\n    risposte: {ORACLE}\n"
                "    atteso: {probabilita: 2.833333, rischio: 3.54, varianti: {prudenziale: 8.50}}\n")
    result = run_cli("test", copy)
    assert result.stdout.splitlines()[-1] == "1 passed, 0 failed", result.stdout


def test_each_variant_and_the_risk_have_their_own_mode(tmp_path) -> None:
    # risk 2.83 × 1.25 = 3.5375 → down to 3.53 at 2 decimals; the variant 2.83 × 3 = 8.49 → up to 9 at 0 decimals
    copy = staged(tmp_path, "arrotondamento: {cifre: 2, modo: half-up, rischio: {cifre: 2, modo: down}, "
                            "varianti: {prudenziale: {cifre: 0, modo: up}}}")
    cases(copy, f"casi:\n  - {{nome: oracolo, risposte: {ORACLE}, "
                "atteso: {rischio: 3.53, varianti: {prudenziale: 9}}}\n")
    result = run_cli("test", copy)
    assert result.stdout.splitlines()[-1] == "1 passed, 0 failed", result.stdout


def test_today_single_setting_is_the_default_of_every_stage() -> None:
    method = load_method(PNA2013)
    for stage in ("probabilita", "impatto", "rischio"):
        assert method.rounding(stage) == (2, "half-up")
    assert method.rounding("variante", "prudenziale") == (2, "half-up")
    score = score_item(method, {k: next(o for o in method.scale_of(i).opzioni if o.valore == v)
                                for k, v in ORACLE_ANSWERS.items()
                                for i in method.model.indicatori if i.codice == k})
    assert (score.probabilita, score.impatto, score.rischio) == (Decimal("2.83"), Decimal("1.25"), Decimal("3.54"))


def test_band_gaps_are_checked_at_the_precision_of_the_risk(tmp_path) -> None:
    # the general setting is 1 decimal, the risk 2: the Torino edges 4.01, 9.01 and 15.01 are the risk's
    copy = staged(tmp_path, "arrotondamento: {cifre: 1, modo: half-up, rischio: {cifre: 2}}", TORINO)
    method = load_method(copy)
    assert method.digits == 2
    copy = staged(tmp_path / "uno", "arrotondamento: {cifre: 2, modo: half-up, rischio: {cifre: 1}}", TORINO)
    messages = [p.message for p in load_problems(copy)]
    assert ("edge 'da: 4.01' has more decimals than the scores: no score falls between 4.0 and 4.1, and the edge "
            "works as 'da: 4.1'") in messages


def test_a_rounding_for_an_unknown_variant_is_refused(tmp_path) -> None:
    copy = staged(tmp_path, "arrotondamento: {cifre: 2, modo: half-up, varianti: {prudente: {cifre: 1}}}")
    problems = load_problems(copy)
    assert [(p.message, p.hint) for p in problems] == [("unknown variant 'prudente'", "did you mean 'prudenziale'?")]


def test_a_grid_method_cannot_leave_a_dimension_unrounded(tmp_path) -> None:
    copy = method_copy(tmp_path, RULES / "pna2019", ("method.yaml", "arrotondamento: {cifre: 0, modo: half-up}",
                                                     "arrotondamento: {cifre: 0, modo: half-up, impatto: nessuno}"))
    assert [p.message for p in load_problems(copy)] == [
        "a grid method looks up rounded scale values: 'impatto' cannot be left unrounded"]


# the example of docs/rules.md
DOCUMENTED = "arrotondamento: {cifre: 2, modo: half-up, probabilita: {cifre: 1}, varianti: {prudenziale: {cifre: 0}}}"


def test_explain_shows_each_rounding(tmp_path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    method_copy(rules, TORINO, ("method.yaml", GENERAL, DOCUMENTED))
    result = run_cli("explain", ESEMPIO, "C1.1.2", "--rules", rules, "--lang", "it")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "    arrotondamento: 2,833333… → 2,8 (1 decimali, per eccesso da 0,5)" in lines
    assert "  probabilità × impatto = 3,50   [combinazione: prodotto]" in lines
    # the prudential variant: 2.8 × 3 = 8.4 → 8 at 0 decimals
    assert "    arrotondamento: 8,4 → 8 (0 decimali, per eccesso da 0,5)" in lines
    english = run_cli("explain", ESEMPIO, "C1.1.2", "--rules", rules, "--lang", "en").stdout.splitlines()
    assert "    rounding: 2.833333… → 2.8 (1 decimals, half up)" in english
    assert "    rounding: 8.4 → 8 (0 decimals, half up)" in english


@given(st.decimals(min_value=0, max_value=1000, places=8, allow_nan=False, allow_infinity=False))
def test_rounding_never_moves_a_value_by_more_than_half_a_step(raw: Decimal) -> None:
    method = load_method(PNA2013)
    value, shown, _ = rounded(method, raw, "rischio")
    assert value == shown
    assert abs(value - raw) <= Decimal("0.005")
    assert value == value.quantize(Decimal("0.01"))
