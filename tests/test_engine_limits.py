"""The engine boundary (issue 11: F3, F4, F5): durable-rules is never given what it would misread.

The reproductions f03, f04 and f05 of the hardening issue, on the compiled-rule interface: the backend
refuses fields it would confuse, and fact encoding refuses numbers and texts it would saturate or
truncate, so no wrong answer comes back silently.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from riskengine.engine import DurableBackend, InterpreterBackend
from riskengine.errors import Problem, RiskengineError
from riskengine.i18n import Text
from riskengine.method import expr
from riskengine.method.compile import (
    MAX_ENGINE_TEXT_BYTES,
    POLICIES,
    PROCESS_FACT,
    CompiledRule,
    EncodingError,
    encode_fact,
)
from riskengine.method.load import ENGINE_OPERATORS, ENGINE_PROPERTIES, engine_hash


def both(rules, facts):
    return DurableBackend(rules).run(POLICIES, facts), InterpreterBackend(rules).run(POLICIES, facts)


def test_engine_hash_is_the_one_durable_rules_uses():
    """Constants of durable-rules 2.0 (state.h, rete.c): the hash is FNV-1a over the UTF-8 name."""
    assert engine_hash("id") == 926444256
    assert engine_hash("sid") == 3593476751
    assert engine_hash("$and") == 3746487396
    assert engine_hash("$lt") == 542787579
    assert engine_hash("I3gndfu") == engine_hash("I7d7xmL") == 279320681
    assert {"t", "id", "sid"} <= set(ENGINE_PROPERTIES) and "$or" in ENGINE_OPERATORS


def test_the_backend_refuses_fields_it_would_confuse():
    """f03: the engine answered [] where the interpreter answered [('b', 'f1')]."""
    schema = {"I3gndfu": expr.NUMBER, "I7d7xmL": expr.NUMBER}
    rules = [CompiledRule("a", POLICIES, PROCESS_FACT, expr.parse_condition("I3gndfu >= 4", schema)),
             CompiledRule("b", POLICIES, PROCESS_FACT, expr.parse_condition("I7d7xmL >= 4", schema))]
    with pytest.raises(RiskengineError, match="'I3gndfu' and 'I7d7xmL' have the same engine hash"):
        DurableBackend(rules)


def test_numbers_beyond_the_engine_range_are_refused_not_saturated():
    """f04: 2e13 > 1e13 was false in the engine (both saturated at 2^63 - 1 once scaled by 10^6)."""
    schema = {"rischio": expr.NUMBER}
    with pytest.raises(expr.ExprError, match="outside the numbers conditions compare"):
        expr.parse_condition("rischio > 10000000000000", schema)
    for value in (Decimal(2 * 10 ** 13), 2 * 10 ** 13, Decimal("-1000000000000.000001"), Decimal("NaN"),
                  Decimal("Infinity"), Decimal("1E+999999")):
        with pytest.raises(EncodingError):
            encode_fact(schema, {"rischio": value}, PROCESS_FACT, "f1")


def test_the_extremes_of_the_range_compare_exactly_on_both_backends():
    schema = {"rischio": expr.NUMBER}
    rules = [CompiledRule("gt", POLICIES, PROCESS_FACT, expr.parse_condition("rischio > 999999999999.999999", schema)),
             CompiledRule("lt", POLICIES, PROCESS_FACT, expr.parse_condition("rischio < -999999999999.999999", schema))]
    facts = [encode_fact(schema, {"rischio": v}, PROCESS_FACT, f"f{n}")
             for n, v in enumerate([10 ** 12, -10 ** 12, Decimal("999999999999.999999"), 0])]
    engine, oracle = both(rules, facts)
    assert engine == oracle == [("gt", "f0"), ("lt", "f1")]


def test_texts_the_engine_would_misread_are_refused():
    """f05: "B2.1.1" + 65,536 × "x" equalled "B2.1.1" in the engine (lengths compared modulo 65,536)."""
    schema = {"codice": expr.TEXT}
    with pytest.raises(EncodingError, match="65,542 bytes"):
        encode_fact(schema, {"codice": "B2.1.1" + "x" * 65536}, PROCESS_FACT, "long")
    with pytest.raises(EncodingError):  # bytes, not characters: 'è' is two
        encode_fact(schema, {"codice": "è" * (MAX_ENGINE_TEXT_BYTES // 2 + 1)}, PROCESS_FACT, "long")
    rules = [CompiledRule("eq", POLICIES, PROCESS_FACT, expr.parse_condition('codice == "B2.1.1"', schema))]
    longest = "B2.1.1" + "x" * (MAX_ENGINE_TEXT_BYTES - 6)
    facts = [encode_fact(schema, {"codice": text}, PROCESS_FACT, n) for n, text in (("long", longest), ("eq", "B2.1.1"))]
    engine, oracle = both(rules, facts)
    assert engine == oracle == [("eq", "eq")]


def test_deep_conditions_are_refused_and_long_negation_chains_are_flat():
    schema = {"misure": expr.NUMBER}
    with pytest.raises(expr.ExprError, match="nest more than 32"):
        expr.parse_condition("(" * 33 + "misure > 0" + ")" * 33, schema)
    assert expr.parse_condition("(" * 32 + "misure > 0" + ")" * 32, schema) == expr.parse_condition("misure > 0", schema)
    assert expr.parse_condition("not " * 2_001 + "misure > 0", schema) == expr.parse_condition("misure <= 0", schema)


def _failing(monkeypatch, method: str, replacement) -> Problem:
    """The one problem raised by a run of a one-rule backend whose host's ``method`` is ``replacement``."""
    schema = {"x": expr.NUMBER}
    backend = DurableBackend([CompiledRule("a", POLICIES, PROCESS_FACT, expr.parse_condition("x >= 4", schema))])
    monkeypatch.setattr(backend._host, method, replacement)
    with pytest.raises(RiskengineError) as caught:
        backend.run(POLICIES, [encode_fact(schema, {"x": 5}, PROCESS_FACT, "f1")])
    (problem,) = caught.value.problems
    return problem


def _raising(text: str):
    def raising(*args):
        raise Exception(text)  # durable-rules raises bare Exceptions with C-level messages
    return raising


def test_an_engine_failure_is_one_line_in_the_users_language(monkeypatch):
    # a defect of the program, said as one
    problem = _failing(monkeypatch, "assert_facts", _raising("rule engine\n  exploded"))
    assert Text("it").problem(problem) == (
        "<engine>: error[engine]: durable-rules si è fermato al passo 'policies': rule engine exploded "
        "(è un difetto del programma: segnalalo indicando il comando)")
    assert Text("en").problem(problem).startswith("<engine>: error[engine]: durable-rules stopped at step 'policies'")


def test_an_engine_failures_text_is_shown_escaped_and_bounded(monkeypatch):
    problem = _failing(monkeypatch, "assert_facts", _raising("bad\x1b[31mRED \u202eevil " + "y" * 3000))
    line = Text("it").problem(problem)
    assert "\x1b" not in line and "\u202e" not in line and "bad\\x1b[31mRED" in line
    assert len(line) < 600 and "y…" in line  # cut where errors.shorten cuts a value


def test_a_failed_engine_action_is_one_line_in_the_users_language(monkeypatch):
    problem = _failing(monkeypatch, "get_state", lambda name, sid: {"exception": "KeyError: 'm'"})
    assert Text("it").problem(problem) == (
        "<engine>: error[engine]: un'azione del motore è fallita: KeyError: 'm' "
        "(è un difetto del programma: segnalalo indicando il comando)")
