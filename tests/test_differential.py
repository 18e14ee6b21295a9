"""Differential tests: durable-rules execution and the direct interpreter agree, rule for rule.

Each shipped method is run on 10,000 generated assessments (random answers, random catalogue facts,
band-edge scores); a second test compiles random condition trees (not only the shipped policies)
and compares both backends on random facts.
"""

from __future__ import annotations

import random
from decimal import Decimal
from pathlib import Path

import pytest

from riskengine.engine import DurableBackend, InterpreterBackend
from riskengine.evaluate.items import score_item
from riskengine.method import expr
from riskengine.method.compile import (
    BAND_FACT,
    BAND_SCHEMA,
    CLASSIFY,
    GRID_FACT,
    GRID_SCHEMA,
    POLICIES,
    PROCESS_FACT,
    CompiledRule,
    compile_method,
    encode_fact,
)
from riskengine.method.load import load_method

RULES = Path(__file__).resolve().parent.parent / "rules"
ASSESSMENTS_PER_METHOD = 10_000
METHODS = ["pna2013", "pna2019", "cciaa-torino-2022"]


def _random_value(rng: random.Random, ftype: expr.FieldType, name: str):
    if ftype.kind == "number":
        if name.startswith(("misure", "eventi", "fasi", "motivazioni")):
            return Decimal(rng.choice([0, 0, 0, 1, 2, 3, 7]))
        return Decimal(rng.randint(0, 2500)).scaleb(-2)
    if ftype.kind == "bool":
        return rng.random() < 0.3
    if ftype.kind == "ordinal":
        return rng.choice(ftype.values)
    if ftype.values:  # a closed text (an area's class), or none
        return rng.choice([*ftype.values, ""])
    return rng.choice(["A", "B", "C", "D", "E", "G", "H", ""])


def _edge_scores(method) -> list[Decimal]:
    step = Decimal(1).scaleb(-method.digits)
    values = []
    for table in method.band_tables.values():
        for row in table.rows:
            for steps in (row.lo - 1, row.lo, row.lo + 1, row.hi - 1, row.hi, row.hi + 1):
                value = Decimal(steps) * step
                if Decimal(0) <= value <= Decimal(25):
                    values.append(value)
    return values


def _hits(backend, stage, facts) -> set[tuple[str, str]]:
    return set(backend.run(stage, facts))


@pytest.mark.parametrize("name", METHODS)
def test_engine_and_interpreter_agree_on_generated_assessments(name: str) -> None:
    method = load_method(RULES / name)
    rules = compile_method(method)
    engine, direct = DurableBackend(rules), InterpreterBackend(rules)
    rng = random.Random(f"differential-{name}")
    indicators = method.model.indicatori
    edges = _edge_scores(method)
    classify_facts: dict[str, dict] = {}
    policy_facts = []
    for n in range(ASSESSMENTS_PER_METHOD):
        options = {i.codice: rng.choice(method.scale_of(i).opzioni) for i in indicators}
        score = score_item(method, options)
        area = rng.choice(["A", "B", "C", "D", "E", "G", "H", "X"])
        if method.numeric:
            table = method.band_table_for([area]).code
            value = rng.choice(edges) if n % 5 == 0 else score.rischio
            fact_id = f"{table}|{value}"
            classify_facts[fact_id] = encode_fact(BAND_SCHEMA, {"tabella": table, "v": value}, BAND_FACT, fact_id)
        else:
            fact_id = f"{score.p_code}|{score.i_code}"
            classify_facts[fact_id] = encode_fact(GRID_SCHEMA, {"p": score.p_code, "i": score.i_code}, GRID_FACT, fact_id)
        values = {field: _random_value(rng, ftype, field) for field, ftype in method.schema.items()}
        for indicator in indicators:
            option = options[indicator.codice]
            values[indicator.codice] = option.codice if method.schema[indicator.codice].kind == "ordinal" else option.valore
        if method.numeric:
            values.update({"probabilita": score.probabilita, "impatto": score.impatto, "rischio": score.rischio})
        else:
            values.update({"probabilita": score.p_code, "impatto": score.i_code})
        values["area"] = area
        policy_facts.append(encode_fact(method.schema, values, PROCESS_FACT, f"a{n}"))
    facts = sorted(classify_facts.values(), key=lambda f: f["id"])
    classify_engine, classify_direct = _hits(engine, CLASSIFY, facts), _hits(direct, CLASSIFY, facts)
    assert classify_engine == classify_direct
    per_fact = {}
    for rule_id, fact_id in classify_engine:
        per_fact.setdefault(fact_id, []).append(rule_id)
    assert all(len(per_fact.get(f["id"], [])) == 1 for f in facts), "band and grid lookups must hit exactly one row"
    policies_engine, policies_direct = _hits(engine, POLICIES, policy_facts), _hits(direct, POLICIES, policy_facts)
    assert policies_engine == policies_direct
    fired_rules = {rule for rule, _ in policies_engine}
    assert len(fired_rules) >= len([r for r in rules if r.ruleset == POLICIES]) - 1, "generation should reach the policies"


def _random_condition(rng: random.Random, schema: dict[str, expr.FieldType], depth: int = 0) -> str:
    if depth < 3 and rng.random() < 0.45:
        joiner = rng.choice([" and ", " or "])
        parts = [_random_condition(rng, schema, depth + 1) for _ in range(rng.randint(2, 3))]
        text = "(" + joiner.join(parts) + ")"
        return ("not " + text) if rng.random() < 0.2 else text
    field = rng.choice(sorted(schema))
    ftype = schema[field]
    if ftype.kind == "bool":
        return rng.choice([field, f"not {field}", f"{field} == true", f"{field} != false"])
    if ftype.kind == "text":
        values = [f'"{v}"' for v in ftype.values[:3]] + ['""'] if ftype.values else ['"A"', '"B"', '"D"', '""']
        if rng.random() < 0.3:
            return f"{field} {rng.choice(['in', 'not in'])} [{', '.join(rng.sample(values, 2))}]"
        return f"{field} {rng.choice(['==', '!='])} {rng.choice(values)}"
    op = rng.choice(["==", "!=", "<", "<=", ">", ">="])
    if ftype.kind == "ordinal":
        if rng.random() < 0.2:
            return f'{field} in ["{rng.choice(ftype.values)}", "{rng.choice(ftype.values)}"]'
        return f'{field} {op} "{rng.choice(ftype.values)}"'
    return f"{field} {op} {rng.choice(['0', '1', '2', '3.54', '9.01', '-1', '12.5'])}"


def test_engine_and_interpreter_agree_on_random_conditions() -> None:
    method = load_method(RULES / "cciaa-torino-2022")
    rng = random.Random("differential-conditions")
    texts = sorted({_random_condition(rng, method.schema) for _ in range(400)})
    rules = [CompiledRule(f"r{n}", POLICIES, PROCESS_FACT, expr.parse_condition(text, method.schema))
             for n, text in enumerate(texts)]
    engine, direct = DurableBackend(rules), InterpreterBackend(rules)
    facts = [encode_fact(method.schema, {f: _random_value(rng, t, f) for f, t in method.schema.items()},
                         PROCESS_FACT, f"f{n}") for n in range(1500)]
    assert _hits(engine, POLICIES, facts) == _hits(direct, POLICIES, facts)


def test_engine_reports_each_of_facts_that_read_the_same() -> None:
    """Facts equal on the fields the rules read are asserted once; each gets the matches."""
    method = load_method(RULES / "cciaa-torino-2022")
    rules = compile_method(method)
    engine, direct = DurableBackend(rules), InterpreterBackend(rules)
    read = set().union(*(expr.fields_of(r.condition) for r in rules if r.ruleset == POLICIES))
    rng = random.Random("differential-duplicates")
    facts = []
    for n in range(300):
        values = {f: _random_value(rng, t, f) for f, t in method.schema.items()}
        for copy in range(3):
            values.update({f: _random_value(rng, t, f) for f, t in method.schema.items() if f not in read})
            facts.append(encode_fact(method.schema, values, PROCESS_FACT, f"f{n}-{copy}"))
    hits = _hits(engine, POLICIES, facts)
    assert hits == _hits(direct, POLICIES, facts)
    by_fact: dict[str, set[str]] = {}
    for rule_id, fact_id in hits:
        by_fact.setdefault(fact_id, set()).add(rule_id)
    assert len(by_fact) > 300
    for n in range(300):
        assert by_fact.get(f"f{n}-0") == by_fact.get(f"f{n}-1") == by_fact.get(f"f{n}-2")
