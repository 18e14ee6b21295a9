"""Run compiled rules on durable-rules (JSON rulesets, facts, one context per batch, always deleted).

Actions come from a closed registry (``record`` and ``ignore``): an action only records which rule
matched which fact; consequences are applied afterwards from our own model, so no rule file can run
code. Exceptions that durable-rules swallows into the context state are raised as our errors.

durable-rules keys fact properties by a 32-bit hash of their names and saturates large integers:
methods are checked against both at load time (riskengine.method.load), and this backend refuses
rules whose fields it would confuse and facts it cannot represent instead of answering wrongly.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Sequence
from typing import Any

from riskengine.engine.interpret import fired as interpret
from riskengine.errors import Location, shorten
from riskengine.gcpause import collecting
from riskengine.i18n import refuse
from riskengine.method import expr
from riskengine.method.compile import CompiledRule, encode_literal
from riskengine.method.load import engine_collisions, engine_hash

MAX_FACTS_PER_CONTEXT = 1000
MAX_ENGINE_RULES_PER_RULESET = 48
_JSON_OPS = {"!=": "$neq", "<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte"}
_ABSENT = object()  # a field a fact does not have
_names = itertools.count(1)
_lock = threading.Lock()


def comparison_json(cmp: expr.Cmp) -> dict:
    """The durable-rules JSON form of one comparison (literal encoded like the facts)."""
    value = encode_literal(cmp)
    if cmp.op == "==":
        return {cmp.field: value}
    return {_JSON_OPS[cmp.op]: {cmp.field: value}}


def engine_rules(rules: Sequence[CompiledRule]) -> list[tuple[int, dict]]:
    """(index of the compiled rule, durable-rules match) for each alternative of each condition (DNF).

    The engine receives only conjunctions of simple comparisons: ``$or`` is expanded here because
    durable-rules corrupts memory with more than a few dozen ``$or`` nodes in one ruleset (measured).
    """
    result = []
    for n, rule in enumerate(rules):
        for conjunction in expr.to_dnf(rule.condition):
            tests = [{"t": rule.fact_type}] + [comparison_json(c) for c in conjunction]
            result.append((n, tests[0] if len(tests) == 1 else {"$and": tests}))
    return result


def ruleset_jsons(rules: Sequence[CompiledRule]) -> list[dict[str, dict]]:
    """The durable-rules rulesets for one stage, each with a catch-all so no fact is left unhandled.

    A fact may fire at most ~64 rules of one ruleset before durable-rules crashes (measured), so the
    engine rules are split into rulesets of at most ``MAX_ENGINE_RULES_PER_RULESET``.
    """
    alternatives = engine_rules(rules)
    rulesets = []
    for start in range(0, max(len(alternatives), 1), MAX_ENGINE_RULES_PER_RULESET):
        definition: dict[str, dict] = {}
        for k, (n, match) in enumerate(alternatives[start:start + MAX_ENGINE_RULES_PER_RULESET]):
            definition[f"r{start + k:05d}"] = {"all": [{"m": match}], "run": f"record:{n}"}
        definition["zz_catch_all"] = {"all": [{"m": {"$ex": {"t": 1}}}], "run": "ignore"}
        rulesets.append(definition)
    return rulesets


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

            def _run(self) -> None:
                """No background dispatch threads: we use no timers, and the dispatcher thread
                racing with synchronous assertions corrupts contexts (error 307, segfaults)."""

        self._sink: list[tuple[str, str]] = []
        self._actions: dict[str, Callable[[str], Callable]] = {"record": self._record, "ignore": self._ignore}
        self._stages: dict[str, tuple[list[str], list[CompiledRule]]] = {}
        # The fields each stage's rules read (and the fact type): facts go to the engine with these
        # only (durable-rules copies every fact to JSON and back for each rule that fires on it).
        self._fields: dict[str, tuple[str, ...]] = {}
        grouped: dict[str, list[CompiledRule]] = {}
        for rule in rules:
            grouped.setdefault(rule.ruleset, []).append(rule)
        with _lock:
            prefix = f"riskengine{next(_names)}"
        definitions = {}
        for stage, stage_rules in sorted(grouped.items()):
            names = []
            for part, definition in enumerate(ruleset_jsons(stage_rules)):
                name = f"{prefix}_{stage}_{part}"
                names.append(name)
                definitions[name] = definition
            self._stages[stage] = (names, stage_rules)
            read = set().union(*(expr.fields_of(rule.condition) for rule in stage_rules))
            self._fields[stage] = ("t", *sorted(read - {"t", "id", "sid"}))
            for earlier, later in engine_collisions(self._fields[stage][1:]):  # a method's are refused when loaded
                raise refuse(Location("<engine>"), "problemi.metodo.stesso_hash", code="engine-limit",
                             campo=earlier, altro_campo=later, hash=engine_hash(later))
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
        """(rule id, fact id) for every rule of ``stage`` that matched one of ``facts``.

        Facts that agree on every field the stage's rules read are one fact for the engine (the
        rules cannot tell them apart), and its matches are reported for each of them.
        """
        if stage not in self._stages or not facts:
            return []
        names, rules = self._stages[stage]
        read = self._fields[stage]
        groups: dict[tuple, list[str]] = {}
        for fact in facts:
            groups.setdefault(tuple(fact.get(name, _ABSENT) for name in read), []).append(fact["id"])
        distinct = []
        for n, key in enumerate(groups):
            sent = {name: value for name, value in zip(read, key, strict=True) if value is not _ABSENT}
            sent["id"] = str(n)
            distinct.append(sent)
        self._current = rules
        self._sink = []
        # The host makes garbage cycles for every action it runs: freed here, where they are the only young
        # objects (riskengine.gcpause), rather than after the evaluation, when its records would be scanned too.
        with collecting():
            for start in range(0, len(distinct), MAX_FACTS_PER_CONTEXT):
                sid = f"c{next(self._contexts)}"
                batch = [dict(fact, sid=sid) for fact in distinct[start:start + MAX_FACTS_PER_CONTEXT]]
                for name in names:
                    self._assert(name, stage, sid, batch)
        members = list(groups.values())
        return sorted({(rule_id, fact_id) for rule_id, n in self._sink for fact_id in members[int(n)]})

    def _assert(self, name: str, stage: str, sid: str, batch: list[dict]) -> None:
        """Assert a batch of facts in a fresh context of one ruleset; always delete the context."""
        state = None
        try:
            self._host.assert_facts(name, batch)
            state = self._host.get_state(name, sid)
        except Exception as exc:  # durable raises bare Exceptions with C-level messages
            raise refuse(Location("<engine>"), "problemi.motore.fallito", code="engine", passo=stage,
                         causa=_cause(exc)) from None
        finally:
            with contextlib.suppress(Exception):
                self._host.delete_state(name, sid)
        if state and state.get("exception"):
            raise refuse(Location("<engine>"), "problemi.motore.azione_fallita", code="engine",
                         causa=_cause(state["exception"]))



def _cause(error: object) -> str:
    """The engine's own words for a failure, on one line and bounded, as the cause of a worded problem."""
    return shorten(" ".join(str(error).split()))


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
