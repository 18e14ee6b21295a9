"""Direct interpreter of compiled conditions: the oracle for the engine and the source of explanations."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from riskengine.method import expr
from riskengine.method.compile import SCALE_DIGITS, CompiledRule, encode_literal

_OPS = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,
}


def holds(cond: expr.Cond, fact: dict[str, Any]) -> bool:
    """Whether an encoded fact satisfies a condition."""
    if isinstance(cond, expr.Cmp):
        return _OPS[cond.op](fact[cond.field], encode_literal(cond))
    if isinstance(cond, expr.AllOf):
        return all(holds(c, fact) for c in cond.items)
    if isinstance(cond, expr.AnyOf):
        return any(holds(c, fact) for c in cond.items)
    return True


def fired(rules: Iterable[CompiledRule], facts: Iterable[dict[str, Any]]) -> list[tuple[str, str]]:
    """(rule id, fact id) for every rule whose condition an encoded fact of its type satisfies."""
    by_type: dict[str, list[CompiledRule]] = {}
    for rule in rules:
        by_type.setdefault(rule.fact_type, []).append(rule)
    hits = []
    for fact in facts:
        for rule in by_type.get(fact["t"], ()):
            if holds(rule.condition, fact):
                hits.append((rule.rule_id, fact["id"]))
    return sorted(hits)


def decode(value: Any, cmp: expr.Cmp, schema: dict[str, expr.FieldType] | None) -> str:
    """An encoded fact value shown as the user writes it."""
    if cmp.kind == "number":
        return format(Decimal(value).scaleb(-SCALE_DIGITS).normalize(), "f")
    if cmp.kind == "ordinal" and schema is not None:
        return f'"{schema[cmp.field].values[value]}"'
    if cmp.kind == "bool":
        return "true" if value else "false"
    return f'"{value}"'


def condition_steps(cond: expr.Cond, fact: dict[str, Any],
                    schema: dict[str, expr.FieldType] | None = None) -> list[dict]:
    """Each comparison of a condition with the actual value and whether it held."""
    if isinstance(cond, expr.Cmp):
        return [{"condizione": f"{cond.field} {cond.op} {cond.shown}", "valore": decode(fact[cond.field], cond, schema),
                 "esito": holds(cond, fact)}]
    if isinstance(cond, (expr.AllOf, expr.AnyOf)):
        return [line for item in cond.items for line in condition_steps(item, fact, schema)]
    return [{"condizione": "sempre", "valore": "", "esito": True}]
