"""Primitives of the history: deltas, the changes between two results, declared figures, signed numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskengine.history.compare import changes
from riskengine.history.figures import declared_figures, delta
from riskengine.history.storico import AnnoDichiarato
from riskengine.report.html import _signed

LEVELS = [{"codice": c, "etichetta": c.capitalize()} for c in ("basso", "medio", "alto")]
decimals = st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False, allow_infinity=False)


def _process(code: str, level: str | None, score: str | None = "1.00") -> dict:
    if level is None:
        return {"codice": code, "nome": f"Processo {code}", "valutato": False}
    return {"codice": code, "nome": f"Processo {code}", "valutato": True, "livello": level,
            "inerente": {"rischio": score, "livello": level}}


def _measure(code: str, deadline: str | None, state: str) -> dict:
    return {"codice": code, "nome": f"Misura {code}", "scadenza": deadline, "stato_monitorato": state}


def _result(year: int, processes: list[dict], measures: list[dict]) -> dict:
    return {"anno": year, "metodo": {"livelli": LEVELS}, "processi": processes, "misure": measures}


@given(decimals, decimals)
def test_delta_is_the_exact_difference(current, previous):
    assert Decimal(delta(str(current), str(previous))) + previous == current


def test_delta_of_a_missing_figure_is_none():
    assert delta(None, "1.00") is None and delta("1.00", None) is None


@pytest.mark.parametrize(("value", "lang", "suffix", "text"), [
    ("-0.27", "it", "", "−0,27"), ("0.27", "it", "", "+0,27"), ("0.00", "it", "", "0,00"),
    ("4.5", "it", "%", "+4,5%"), ("-2", "en", "", "−2"), (None, "it", "", "—"),
])
def test_signed_numbers_carry_a_true_minus_and_a_plus(value, lang, suffix, text):
    assert _signed(value, lang, suffix) == text


def test_changes_between_two_results():
    before = _result(2025, [_process("A", "basso", "2.00"), _process("B", "alto", "20.00"), _process("C", "medio"),
                            _process("D", None), _process("E", "medio")],
                     [_measure("M1", "2025-06-30", "da-attuare"), _measure("M2", "2025-12-31", "in-corso"),
                      _measure("M3", "2024-12-31", "in-corso"), _measure("M4", "2026-03-31", "da-attuare"),
                      _measure("M5", "continua", "attuata"), _measure("M6", "2025-01-31", "attuata")])
    after = _result(2026, [_process("A", "medio", "5.50"), _process("B", "medio", "12.25"), _process("C", "medio"),
                           _process("D", "basso"), _process("F", "alto")],
                    [_measure("M1", "2025-06-30", "attuata"), _measure("M2", "2026-06-30", "in-corso"),
                     _measure("M3", "2024-12-31", "non-attuata"), _measure("M4", "2026-03-31", "da-attuare"),
                     _measure("M5", "continua", "attuata")])
    found = changes(before, after)
    assert [(p["codice"], p["verso"], p["variazione"]) for p in found["processi_cambiati"]] == [
        ("A", "su", "3.50"), ("B", "giu", "-7.75")]
    assert [p["codice"] for p in found["processi_nuovi"]] == ["D", "F"]  # D first assessed, F added
    assert [p["codice"] for p in found["processi_rimossi"]] == ["E"]
    assert [(m["codice"], m["esito"]) for m in found["misure_dovute"]] == [
        ("M1", "attuata"), ("M2", "in-ritardo"), ("M3", "abbandonata"), ("M6", "attuata")]


def test_a_result_has_no_changes_from_itself():
    result = _result(2026, [_process("A", "medio")], [_measure("M1", "2026-01-31", "in-corso")])
    found = changes(result, result)
    assert found["processi_cambiati"] == found["processi_nuovi"] == found["processi_rimossi"] == []


def test_a_residual_level_that_moves_alone_is_listed_with_its_state():
    # diff listed processes whose inherent level moved; a band edge or a measure's state may move a residual alone
    def process(code: str, levels: tuple[str, str, str]) -> dict:
        return {"codice": code, "nome": f"Processo {code}", "valutato": True, "livello": levels[0],
                **{s: {"rischio": "4.20", "livello": lvl}
                   for s, lvl in zip(("inerente", "residuo_programmato", "residuo_monitorato"), levels, strict=True)}}

    before = _result(2026, [process("A", ("medio", "medio", "medio")), process("B", ("alto", "medio", "alto"))],
                     [_measure("M1", "2025-06-30", "in-corso")])
    after = _result(2026, [process("A", ("medio", "basso", "medio")), process("B", ("alto", "medio", "medio"))],
                    [_measure("M1", "2025-06-30", "in-corso")])
    found = changes(before, after)
    assert found["processi_cambiati"] == []
    assert [(p["codice"], p["stato"], p["da"], p["a"], p["verso"], p["variazione"])
            for p in found["residui_cambiati"]] == [
        ("A", "residuo_programmato", "medio", "basso", "giu", "0.00"),
        ("B", "residuo_monitorato", "alto", "medio", "giu", "0.00")]
    assert found["misure_dovute"] == []  # one year compared with itself: no earlier year's measures


def test_declared_figures_keep_their_source_and_compute_the_rate_when_not_given():
    year = AnnoDichiarato(anno=2024, fonte="PIAO 2024-2026, pag. 45", rischio_medio_residuo_programmato=Decimal("6.02"),
                          processi_per_livello={"alto": 1, "basso": 3}, misure_dovute=22, misure_attuate=21)
    figures = declared_figures(year, ["basso", "medio", "alto"])
    assert figures["fonte"] == "dichiarato" and figures["riferimento"] == "PIAO 2024-2026, pag. 45"
    assert figures["tasso_attuazione"] == "95.5" and figures["rischio_medio_residuo_programmato"] == "6.02"
    assert figures["per_livello"] == {"basso": 3, "alto": 1} and figures["rischio_medio_inerente"] is None


levels = st.sampled_from(["basso", "medio", "alto", None])


@given(st.dictionaries(st.sampled_from("ABCDEFGH"), st.tuples(levels, levels), max_size=8))
def test_changes_read_backwards_are_the_same_movements_reversed(pairs):
    before = _result(2025, [_process(c, a) for c, (a, _) in sorted(pairs.items())], [])
    after = _result(2026, [_process(c, b) for c, (_, b) in sorted(pairs.items())], [])
    forward, backward = changes(before, after), changes(after, before)
    assert [(p["codice"], p["da"], p["a"]) for p in forward["processi_cambiati"]] == [
        (p["codice"], p["a"], p["da"]) for p in backward["processi_cambiati"]]
    assert {p["verso"] for p in forward["processi_cambiati"]} <= {"su", "giu"}
    for f, b in zip(forward["processi_cambiati"], backward["processi_cambiati"], strict=True):
        assert f["verso"] != b["verso"]
    assert forward["processi_nuovi"] == backward["processi_rimossi"]
    moved = sorted(c for c, (a, b) in pairs.items() if a and b and a != b)
    assert [p["codice"] for p in forward["processi_cambiati"]] == moved
