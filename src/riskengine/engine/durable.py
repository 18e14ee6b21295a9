"""Run compiled rules on durable-rules (JSON rulesets, facts, one context per batch, always deleted).

Actions come from a closed registry (``record`` and ``ignore``): an action only records which rule
matched which fact; consequences are applied afterwards from our own model, so no rule file can run
code. Exceptions that durable-rules swallows into the context state are raised as our errors.
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable, Sequence
from typing import Any

from riskengine.errors import Location, fail
from riskengine.rules import expr
from riskengine.rules.compiled import CompiledRule, encode_literal
from riskengine.rules.interpret import fired as interpret

MAX_FACTS_PER_CONTEXT = 2000
_JSON_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_names = itertools.count(1)
_lock = threading.Lock()


def condition_json(cond: expr.Cond) -> dict:
    """The durable-rules JSON form of a condition tree."""
    if isinstance(cond, expr.Cmp):
        value = encode_literal(cond)
        if cond.op == "==":
            return {cond.field: value}
        return {_JSON_OPS[cond.op]: {cond.field: value}}
    if isinstance(cond, expr.AllOf):
        return {"$and": [condition_json(c) for c in cond.items]}
    if isinstance(cond, expr.AnyOf):
        return {"$or": [condition_json(c) for c in cond.items]}
    raise TypeError(cond)


def _simplify(cond: expr.Cond) -> expr.Cond | None:
    """Drop always-true parts; None when the whole condition is always true."""
    if isinstance(cond, expr.Always):
        return None
    if isinstance(cond, expr.AllOf):
        items = [c for c in (_simplify(i) for i in cond.items) if c is not None]
        if not items:
            return None
        return items[0] if len(items) == 1 else expr.AllOf(tuple(items))
    if isinstance(cond, expr.AnyOf):
        items = []
        for item in cond.items:
            simple = _simplify(item)
            if simple is None:
                return None
            items.append(simple)
        return expr.AnyOf(tuple(items))
    return cond


def ruleset_json(rules: Sequence[CompiledRule]) -> dict[str, dict]:
    """A durable-rules ruleset for rules, plus a catch-all so that no fact is left unhandled."""
    definition: dict[str, dict] = {}
    for n, rule in enumerate(rules):
        simple = _simplify(rule.condition)
        match = {"t": rule.fact_type} if simple is None else {"$and": [{"t": rule.fact_type}, condition_json(simple)]}
        if isinstance(simple, expr.AnyOf) and not simple.items:
            continue
        definition[f"r{n:05d}"] = {"all": [{"m": match}], "run": f"record:{n}"}
    definition["zz_catch_all"] = {"all": [{"m": {"$ex": {"t": 1}}}], "run": "ignore"}
    return definition


class DurableBackend:
    """Executes compiled rules with durable-rules; one ruleset per stage, one context per batch."""

    name = "durable-rules"

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        from durable import engine

        backend = self

        class _Host(engine.Host):
            def get_action(self, action_name: str) -> Callable:
                verb, _, arg = action_name.partition(":")
                return backend._actions[verb](arg)

        self._sink: list[tuple[str, str]] = []
        self._actions: dict[str, Callable[[str], Callable]] = {"record": self._record, "ignore": self._ignore}
        self._stages: dict[str, tuple[str, list[CompiledRule]]] = {}
        grouped: dict[str, list[CompiledRule]] = {}
        for rule in rules:
            grouped.setdefault(rule.ruleset, []).append(rule)
        with _lock:
            prefix = f"riskengine{next(_names)}"
        definitions = {}
        for stage, stage_rules in sorted(grouped.items()):
            name = f"{prefix}_{stage}"
            self._stages[stage] = (name, stage_rules)
            definitions[name] = ruleset_json(stage_rules)
        self._stage_rules: list[CompiledRule] = []
        self._host = _Host()
        self._host.set_rulesets(definitions)
        self._contexts = itertools.count(1)
        self._current: list[CompiledRule] = []

    def _record(self, arg: str) -> Callable:
        index = int(arg)

        def action(c: Any) -> None:
            self._sink.append((self._current[index].rule_id, c.m["id"]))
        return action

    @staticmethod
    def _ignore(arg: str) -> Callable:
        def action(c: Any) -> None:
            return None
        return action

    def run(self, stage: str, facts: Sequence[dict]) -> list[tuple[str, str]]:
        """(rule id, fact id) for every rule of ``stage`` that matched one of ``facts``."""
        if stage not in self._stages or not facts:
            return []
        name, rules = self._stages[stage]
        self._current = rules
        self._sink = []
        for start in range(0, len(facts), MAX_FACTS_PER_CONTEXT):
            sid = f"c{next(self._contexts)}"
            batch = [dict(fact, sid=sid) for fact in facts[start:start + MAX_FACTS_PER_CONTEXT]]
            try:
                self._host.assert_facts(name, batch)
                state = self._host.get_state(name, sid)
            except Exception as exc:  # durable raises bare Exceptions with C-level messages
                raise fail(Location("<engine>"), f"durable-rules failed on stage '{stage}': {exc}",
                           code="engine") from None
            finally:
                try:
                    self._host.delete_state(name, sid)
                except Exception:  # noqa: BLE001 - a context that failed to open has nothing to delete
                    pass
            if state and state.get("exception"):
                raise fail(Location("<engine>"), f"an engine action failed: {state['exception']}", code="engine")
        return self._sink


class InterpreterBackend:
    """The same compiled rules evaluated directly in Python (reference and explanations)."""

    name = "interpreter"

    def __init__(self, rules: Sequence[CompiledRule]) -> None:
        self._rules: dict[str, list[CompiledRule]] = {}
        for rule in rules:
            self._rules.setdefault(rule.ruleset, []).append(rule)

    def run(self, stage: str, facts: Sequence[dict]) -> list[tuple[str, str]]:
        """(rule id, fact id) for every rule of ``stage`` that matches one of ``facts``."""
        return interpret(self._rules.get(stage, ()), facts)
