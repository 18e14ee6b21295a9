"""What evaluation works out once per method and reuses for every process: the tight path's tables.

A catalogue's processes repeat a few hundred answer patterns and a handful of area combinations,
and the policies read a few of the fields a process fact may have. A :class:`Plan` keeps, for one
method: the indicator codes in file order, the process values the policies and their messages read,
the score and policy answers of each answer pattern seen so far, and the band tables of each
combination of areas. Per process, evaluation then only looks these up and does the arithmetic
that is the process's own (residuals, measure counts).

Everything a plan hands out is shared between processes and never modified.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Set as AbstractSet
from decimal import Decimal
from typing import Any

from riskengine.evaluate.items import ItemScore, score_item
from riskengine.method.load import BandTable, Method, PolicyRule
from riskengine.method.models import Opzione

PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Plan:
    """The per-method tables of the tight evaluation path (see the module docstring)."""

    def __init__(self, method: Method) -> None:
        self._method = weakref.ref(method)  # the plans are kept by method: never keep one alive
        self.indicator_codes = tuple(i.codice for i in method.model.indicatori)
        self.ordinal = frozenset(c for c in self.indicator_codes if method.schema[c].kind == "ordinal")
        placeholders = {name for table in method.tables for rule in table.rules for action in rule.actions
                        if action.criticita is not None for name in PLACEHOLDER.findall(action.criticita.messaggio)}
        # The process values worth computing: those a policy condition or a finding's message reads.
        self.read = frozenset(method.policy_schema) | placeholders
        self.written = frozenset(placeholders)  # those a message writes
        self.transversal_ok = method.model.residuo.considera_trasversali
        # Answer pattern (the ids of the chosen scale options, in indicator order) -> (the options,
        # kept alive so that their ids are never reused, score, policy answers).
        self._patterns: dict[tuple[int, ...], tuple[tuple[Opzione, ...], ItemScore, dict[str, Any]]] = {}
        self._dimensions: dict[tuple, tuple[Decimal, Decimal, dict]] = {}  # see score_item
        self._tables: dict[tuple[str, ...], tuple[BandTable, dict[str, BandTable]]] = {}
        self._chosen: dict[frozenset[str], list[PolicyRule]] = {}

    @property
    def method(self) -> Method:
        """The method this plan is for."""
        method = self._method()
        assert method is not None  # a plan is dropped with its method
        return method

    def pattern(self, options: dict[str, Opzione]) -> tuple[ItemScore, dict[str, Any]]:
        """The score of an item's answers and the answers as policy values (built once per pattern)."""
        chosen = tuple([options[c] for c in self.indicator_codes])
        key = tuple(map(id, chosen))
        found = self._patterns.get(key)
        if found is None:
            answers = {code: option.codice if code in self.ordinal else option.valore
                       for code, option in zip(self.indicator_codes, chosen, strict=True)}
            found = self._patterns[key] = (chosen, score_item(self.method, options, self._dimensions), answers)
        return found[1], found[2]

    def score(self, options: dict[str, Opzione]) -> ItemScore:
        """The score of an item's answers (built once per pattern)."""
        return self.pattern(options)[0]

    def band_tables(self, area_codes: list[str]) -> tuple[BandTable, dict[str, BandTable]]:
        """(numeric methods) the band table of a process in these areas and the tables of its variants that have one."""
        key = tuple(area_codes)
        found = self._tables.get(key)
        if found is None:
            variants = {}
            for variant in self.method.model.combinazione.varianti:
                table = self.method.variant_table(variant.codice, area_codes)
                if table is not None:
                    variants[variant.codice] = table
            found = self._tables[key] = (self.method.band_table_for(area_codes), variants)
        return found


    def chosen(self, fired: AbstractSet[str]) -> list[PolicyRule]:
        """The rules that apply when these rules fired, table by table, after each decision table's hit
        policy (collect, first, priority); worked out once per set of fired rules."""
        key = frozenset(fired)
        found = self._chosen.get(key)
        if found is None:
            found = self._chosen[key] = []
            for table in self.method.tables:
                matched = [r for r in table.rules if r.rule_id in key]
                if not matched:
                    continue
                if table.hit == "first":
                    found += matched[:1]
                elif table.hit == "priority":
                    found.append(max(matched, key=lambda r: (r.priority, -r.order)))
                else:
                    found += matched
        return found


# One plan per method object, for as long as the method lives (the ranking of measures evaluates
# the same method hundreds of times).
_plans: dict[int, Plan] = {}


def plan_for(method: Method) -> Plan:
    """The plan of a method, made on first use and dropped with the method."""
    found = _plans.get(id(method))
    if found is None or found._method() is not method:
        found = _plans[id(method)] = Plan(method)
        weakref.finalize(method, _plans.pop, id(method), None)
    return found
