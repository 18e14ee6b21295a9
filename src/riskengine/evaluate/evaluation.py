"""Evaluate an assessment: score items, classify on the engine, derive residuals, run the policies.

Evaluation never reads files: it receives the linked catalogue, the compiled method, the validated
assessment and a backend (durable-rules, or the direct interpreter) and returns plain records.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, NamedTuple, Protocol

from riskengine.answers.load import Assessment
from riskengine.catalog.models import Misura
from riskengine.engine import interpret
from riskengine.errors import Location, fail
from riskengine.evaluate.items import ItemScore, combine_items, score_item
from riskengine.evaluate.residual import efficacies, residual_level, residual_score
from riskengine.graph import queries as q
from riskengine.graph.build import CatalogGraph
from riskengine.method.arithmetic import round_to
from riskengine.method.compile import (
    BAND_FACT,
    BAND_SCHEMA,
    CLASSIFY,
    GRID_FACT,
    GRID_SCHEMA,
    POLICIES,
    PROCESS_FACT,
    encode_fact,
)
from riskengine.method.load import Method, PolicyRule
from riskengine.source.fields import decimal_text

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Backend(Protocol):
    """Runs the compiled rules of one stage over encoded facts."""

    name: str

    def run(self, stage: str, facts: Sequence[dict]) -> list[tuple[str, str]]: ...


@dataclass(slots=True)
class State:
    """One of the three risk states of a process."""

    rischio: Decimal | None
    livello: str
    trace: list[dict] = field(default_factory=list)


@dataclass(slots=True)
class ProcessEvaluation:
    """Everything evaluation found about one process.

    ``values`` holds the flags of the residual re-rating (rivalutato, residuo_sopra_inerente,
    residuo_senza_misure); the policy values built from it are the fact's, not kept per process.
    """

    code: str
    node: str
    score: ItemScore | None = None
    band_table: str | None = None
    inerente: State | None = None
    residuo_programmato: State | None = None
    residuo_monitorato: State | None = None
    measures: list[str] = field(default_factory=list)
    values: dict[str, Any] = field(default_factory=dict)
    findings: list[dict] = field(default_factory=list)
    requirements: list[dict] = field(default_factory=list)
    monitoring: dict | None = None
    priority: dict | None = None
    trace: list[dict] = field(default_factory=list)
    fired: list[str] = field(default_factory=list)


def _items_for(cg: CatalogGraph, method: Method, assessment: Assessment, node: str) -> list:
    level = method.model.valutazione.livello
    if level == "processo":
        answers = assessment.answers.get(cg.code(node))
        return [answers] if answers else []
    holders = q.descendants(cg, node) if level == "fase" else q.events_of(cg, node)
    return [assessment.answers[cg.code(h)] for h in holders
            if cg.code(h) in assessment.answers]


def _monitored_state(assessment: Assessment, misura: Misura) -> str:
    esito = assessment.monitoring.get(misura.codice)
    return esito.stato if esito else misura.stato


def _primary_area(cg: CatalogGraph, node: str) -> tuple[str, str, list[str]]:
    primary = cg.catalog.areas.tassonomia_principale
    areas = [cg.obj(a) for a in q.areas_of(cg, node)]
    codes = [a.codice for a in areas if a.tassonomia == primary] + [a.ref for a in areas if a.tassonomia != primary]
    main = next((a for a in areas if a.tassonomia == primary), areas[0] if areas else None)
    return (main.codice if main else ""), (main.classe if main else ""), codes


class Classifier:
    """Band and grid lookups on the engine, deduplicated by value, with the unique hit policy checked."""

    def __init__(self, method: Method, backend: Backend) -> None:
        self.method = method
        self.backend = backend
        self.band_requests: dict[str, tuple[str, Decimal]] = {}
        self.grid_requests: dict[str, tuple[str, str]] = {}
        self.results: dict[str, str] = {}
        self._levels: dict[str, tuple[str, dict]] = {}

    def band(self, table: str, value: Decimal) -> str:
        fact_id = f"{table}|{decimal_text(value)}"
        self.band_requests[fact_id] = (table, value)
        return fact_id

    def grid(self, p: str, i: str) -> str:
        fact_id = f"{p}|{i}"
        self.grid_requests[fact_id] = (p, i)
        return fact_id

    def run(self) -> None:
        facts = [encode_fact(BAND_SCHEMA, {"tabella": t, "v": v}, BAND_FACT, fid)
                 for fid, (t, v) in sorted(self.band_requests.items())]
        facts += [encode_fact(GRID_SCHEMA, {"p": p, "i": i}, GRID_FACT, fid)
                  for fid, (p, i) in sorted(self.grid_requests.items())]
        hits: dict[str, list[str]] = {}
        for rule_id, fact_id in self.backend.run(CLASSIFY, facts):
            hits.setdefault(fact_id, []).append(rule_id)
        for fact in facts:
            matched = sorted(hits.get(fact["id"], []))
            if len(matched) != 1:
                raise fail(Location(str(self.method.root / "method.yaml")),
                           f"lookup '{fact['id']}' matched {len(matched)} rows ({', '.join(matched) or 'none'}): "
                           "band tables and grids must match exactly one row", code="unique-hit")
            self.results[fact["id"]] = matched[0]
        self.band_requests.clear()
        self.grid_requests.clear()

    def level(self, fact_id: str) -> tuple[str, dict]:
        """The level a lookup found and its trace step (one shared step per distinct lookup)."""
        found = self._levels.get(fact_id)
        if found is None:
            found = self._levels[fact_id] = self._level(fact_id)
        return found

    def _level(self, fact_id: str) -> tuple[str, dict]:
        rule_id = self.results[fact_id]
        if rule_id.startswith("bande:"):
            _, table, row = rule_id.split(":")
            band_row = self.method.band_tables[table].rows[int(row) - 1]
            return band_row.level, {"regola": rule_id, "descrizione": f"fascia '{table}', riga {row}: {band_row.text}",
                                    "valori": {"rischio": fact_id.split("|")[1]}, "risultato": band_row.level}
        cell = next(c for c in self.method.grid.values() if c.rule_id == rule_id)
        return cell.level, {"regola": rule_id, "descrizione": f"matrice: probabilità {cell.p} × impatto {cell.i}",
                            "valori": {"probabilita": cell.p, "impatto": cell.i}, "risultato": cell.level}


def _explicit_residual(method: Method, ev: ProcessEvaluation, linked: list[Misura], giudizio: Any) -> State | None:
    """An explicit re-rating of the planned residual, or None when it would exceed inherent or lack measures.

    A numeric re-rating comes back with an empty level: the caller classifies it on the engine.
    """
    r = giudizio.residuo
    inherent = ev.inerente
    assert inherent is not None
    if r.rischio is not None:
        above, lower = r.rischio > inherent.rischio, r.rischio < inherent.rischio
    else:
        rank, inherent_rank = method.levels.index(r.livello), method.levels.index(inherent.livello)
        above, lower = rank > inherent_rank, rank < inherent_rank
    ev.values["rivalutato"] = True
    if above:
        ev.values["residuo_sopra_inerente"] = True
        return None
    if lower and not linked:
        ev.values["residuo_senza_misure"] = True
        return None
    rounding = method.model.arrotondamento
    score = round_to(r.rischio, rounding.cifre, rounding.modo) if r.rischio is not None else None
    step = {"regola": "valutazione.residuo", "descrizione": f"rivalutazione esplicita: {r.motivazione or 'senza motivazione'}",
            "risultato": decimal_text(score) if score is not None else r.livello}
    return State(score, r.livello or "", [step])


def evaluate(cg: CatalogGraph, method: Method, assessment: Assessment, backend: Backend) -> list[ProcessEvaluation]:
    """Evaluate every process of the catalogue; processes without answers are reported, not scored."""
    reference = assessment.model.data_valutazione or cg.catalog.ente.data_riferimento
    classifier = Classifier(method, backend)
    evaluations: list[ProcessEvaluation] = []
    pending: list[_Pending] = []
    transversal_ok = method.model.residuo.considera_trasversali
    states = {cg.code(m): _monitored_state(assessment, cg.obj(m)) for m in cg.nodes_of("measure")}
    known = efficacies(method, [cg.obj(m) for m in cg.nodes_of("measure")]) if method.numeric else {}
    efficacy_tables: dict[tuple[str, ...], dict[str, str]] = {}
    for node in cg.nodes_of("process"):
        code = cg.code(node)
        ev = ProcessEvaluation(code, node)
        evaluations.append(ev)
        ev.measures = [cg.code(m) for m in q.measures_of(cg, node)]
        items = _items_for(cg, method, assessment, node)
        if not items:
            ev.findings.append({"codice": "NON-VALUTATO", "gravita": "warning", "regola": "riskengine/non-valutato",
                                "messaggio": f"il processo {code} non ha risposte nella valutazione {assessment.model.anno}"})
            continue
        scores = [score_item(method, item.options) for item in items]
        ev.score = scores[0] if len(scores) == 1 else combine_items(method, scores)
        ev.trace.extend(step for s in scores for step in s.trace)
        if len(scores) > 1:
            ev.trace.extend(ev.score.trace)
        area, classe, area_codes = _primary_area(cg, node)
        linked = [cg.obj(f"measure:{m}") for m in ev.measures]
        for_residual = [m for m in linked if transversal_ok or not m.tratta.tutti]
        planned = [m for m in for_residual if states[m.codice] != "non-attuata"]
        implemented = [m for m in for_residual if states[m.codice] == "attuata"]
        if method.numeric:
            table = method.band_table_for(area_codes)
            ev.band_table = table.code
            ev.inerente = State(ev.score.rischio, classifier.band(table.code, ev.score.rischio))
            if method.model.residuo.metodo != "gradino":
                value, step = residual_score(method, ev.score.rischio, planned, known, efficacy_tables)
                ev.residuo_programmato = State(value, classifier.band(table.code, value), [step])
                if implemented != planned:  # else the same value and step (every planned measure is done)
                    value, step = residual_score(method, ev.score.rischio, implemented, known, efficacy_tables)
                ev.residuo_monitorato = State(value, classifier.band(table.code, value), [step])
        else:
            ev.inerente = State(None, classifier.grid(ev.score.p_code, ev.score.i_code))
        pending.append(_Pending(ev, items, linked, planned, implemented, area, classe))
    classifier.run()
    lookups: list[tuple[State, str]] = []
    for ev, items, linked, planned, implemented, _, _ in pending:
        giudizio = items[0].giudizio
        level, step = classifier.level(ev.inerente.livello)
        ev.inerente.livello = level
        ev.inerente.trace.append(step)
        if ev.residuo_programmato is None:
            lvl, rstep = residual_level(method, level, planned)
            ev.residuo_programmato = State(None, lvl, [rstep])
            if implemented != planned:
                lvl, rstep = residual_level(method, level, implemented)
            ev.residuo_monitorato = State(None, lvl, [rstep])
        else:
            for state in (ev.residuo_programmato, ev.residuo_monitorato):
                lvl, bstep = classifier.level(state.livello)
                state.livello = lvl
                state.trace.append(bstep)
        ev.values.update({"rivalutato": False, "residuo_sopra_inerente": False, "residuo_senza_misure": False})
        if giudizio.residuo is not None:
            rerated = _explicit_residual(method, ev, linked, giudizio)
            if rerated is not None:
                ev.residuo_programmato = rerated
                if not rerated.livello:
                    lookups.append((rerated, classifier.band(ev.band_table, rerated.rischio)))
    if lookups:
        classifier.run()
        for state, fact_id in lookups:
            state.livello, bstep = classifier.level(fact_id)
            state.trace.append(bstep)
    _policies(cg, method, backend, pending, reference, states)
    return evaluations


class _Pending(NamedTuple):
    """An assessed process between scoring and the policies, with what both stages read."""

    ev: ProcessEvaluation
    items: list
    linked: list[Misura]
    planned: list[Misura]
    implemented: list[Misura]
    area: str
    classe: str


def _policy_values(cg: CatalogGraph, method: Method, item: _Pending, reference: dt.date,
                   states: dict[str, str]) -> dict[str, Any]:
    ev, linked, area, classe = item.ev, item.linked, item.area, item.classe
    giudizio = item.items[0].giudizio
    proc = cg.obj(ev.node)
    owner = q.owner_of(cg, ev.node)
    generali = specifiche = attuate = specifiche_attuate = scadute = 0
    for m in linked:  # the measure counts, in one pass
        ambito = m.ambito
        if ambito == "generale":
            generali += 1
        elif ambito == "specifica":
            specifiche += 1
        if states[m.codice] == "attuata":
            attuate += 1
            specifiche_attuate += ambito == "specifica"
        elif m.scadenza not in (None, "continua") and m.scadenza < reference:
            scadute += 1
    indicator_codes = [i.codice for i in method.model.indicatori]
    values: dict[str, Any] = {
        "codice": ev.code, "area": area, "classe_area": classe,
        "unita": cg.code(owner) if owner else "",
        "misure": len(linked),
        "misure_generali": generali,
        "misure_specifiche": specifiche,
        "misure_attuate": attuate,
        "misure_specifiche_attuate": specifiche_attuate,
        "misure_scadute": scadute,
        "eventi": len(q.events_of(cg, ev.node)),
        "fasi": len(q.descendants(cg, ev.node)),
        "motivazione": bool(giudizio.motivazione.strip()),
        "motivazioni_mancanti": sum(1 for c in indicator_codes if not giudizio.motivazioni.get(c, "").strip()),
        "in_convenzione": proc.in_convenzione is not None,
        "art6": proc.art6 is not None,
        "regime_semplificato": cg.catalog.ente.regime_semplificato,
        "livello": ev.inerente.livello,
        "livello_residuo": ev.residuo_programmato.livello,
        "livello_monitorato": ev.residuo_monitorato.livello,
    }
    values.update(ev.values)
    answers = {}
    options = _first_options(item.items, method)
    for indicator in method.model.indicatori:
        option = options[indicator.codice]
        if method.schema[indicator.codice].kind == "ordinal":
            answers[indicator.codice] = option.codice
        else:
            answers[indicator.codice] = option.valore
    values.update(answers)
    if method.numeric:
        values.update({"probabilita": ev.score.probabilita, "impatto": ev.score.impatto, "rischio": ev.inerente.rischio,
                       "rischio_residuo": ev.residuo_programmato.rischio if ev.residuo_programmato.rischio is not None
                       else ev.inerente.rischio,
                       "rischio_monitorato": ev.residuo_monitorato.rischio if ev.residuo_monitorato.rischio is not None
                       else ev.inerente.rischio})
        for code, value in ev.score.varianti.items():
            values[f"rischio_{code}"] = value
    else:
        values.update({"probabilita": ev.score.p_code, "impatto": ev.score.i_code})
    return values


def _first_options(items: list, method: Method) -> dict:
    """Indicator answers of the process: its own, or the prudent (highest) across its assessed items."""
    if len(items) == 1:
        return items[0].options
    merged = {}
    for indicator in method.model.indicatori:
        merged[indicator.codice] = max((it.options[indicator.codice] for it in items), key=lambda o: o.valore)
    return merged


def _format_message(template: str, values: dict[str, Any], name: str) -> str:
    def sub(match: re.Match) -> str:
        key = match.group(1)
        if key == "nome":
            return name
        value = values.get(key, match.group(0))
        return decimal_text(value) if isinstance(value, Decimal) else str(value)
    return _PLACEHOLDER.sub(sub, template)


def _policies(cg: CatalogGraph, method: Method, backend: Backend, pending: list[_Pending], reference: dt.date,
              states: dict[str, str]) -> None:
    values = [_policy_values(cg, method, item, reference, states) for item in pending]
    facts = [encode_fact(method.policy_schema, v, PROCESS_FACT, item.ev.code) for item, v in zip(pending, values)]
    hits: dict[str, set[str]] = {}
    for rule_id, fact_id in backend.run(POLICIES, facts):
        hits.setdefault(fact_id, set()).add(rule_id)
    for item, fact, process_values in zip(pending, facts, values):
        ev = item.ev
        apply_hits(method, ev, hits.get(ev.code, set()), fact, cg.obj(ev.node).nome, process_values)


def apply_hits(method: Method, ev: ProcessEvaluation, fired: set[str], fact: dict, name: str,
               values: dict[str, Any]) -> None:
    """Apply each decision table's hit policy (collect, first, priority) to the rules that fired.

    ``values`` are the policy values of the process (the findings' messages are filled from them).
    """
    ev.fired = sorted(fired)
    for table in method.tables:
        matched = [r for r in table.rules if r.rule_id in fired]
        if not matched:
            continue
        if table.hit == "first":
            chosen = matched[:1]
        elif table.hit == "priority":
            chosen = [max(matched, key=lambda r: (r.priority, -r.order))]
        else:
            chosen = matched
        for rule in chosen:
            _apply(ev, rule, fact, method, name, values)


def _apply(ev: ProcessEvaluation, rule: PolicyRule, fact: dict, method: Method, name: str,
           values: dict[str, Any]) -> None:
    """Apply one chosen rule to a process: its findings, requirements, monitoring, priority, trace step."""
    requirements, monitoring, priority, step = _consequences(method, rule, fact)
    for action in rule.actions:
        if action.criticita is not None:
            c = action.criticita
            message = _format_message(c.messaggio, values, name)
            ev.findings.append({"codice": c.codice, "gravita": c.gravita, "regola": rule.rule_id, "messaggio": message})
    ev.requirements.extend(requirements)
    if monitoring is not None:
        ev.monitoring = monitoring
    if priority is not None:
        ev.priority = priority
    ev.trace.append(step)


def _consequences(method: Method, rule: PolicyRule, fact: dict) -> tuple[list[dict], dict | None, dict | None, dict]:
    """(requirements, monitoring, priority, trace step) of a rule applied to a fact: all but the findings.

    They depend on the fact only through the fields the rule reads, so each distinct reading is
    explained once and its records are shared between processes (they are never modified).
    """
    key = ("consequences", rule.rule_id, *(fact[f] for f in rule.fields))
    found = method.memo.get(key)
    if found is not None:
        return found
    requirements: list[dict] = []
    monitoring = priority = None
    consequences = []
    for action in rule.actions:
        if action.criticita is not None:
            consequences.append(f"criticità {action.criticita.codice}")
        elif action.richiede_misura is not None:
            r = action.richiede_misura
            requirements.append({"ambito": r.ambito, "tipologie": list(r.tipologie), "descrizione": r.descrizione,
                                 "regola": rule.rule_id})
            consequences.append(f"richiede misura {r.ambito}")
        elif action.monitoraggio is not None:
            monitoring = dict(action.monitoraggio.model_dump(), regola=rule.rule_id)
            consequences.append(f"monitoraggio {action.monitoraggio.modalita} {action.monitoraggio.periodicita}")
        elif action.priorita is not None:
            priority = dict(action.priorita.model_dump(), regola=rule.rule_id)
            consequences.append(f"priorità {action.priorita.valore}")
    step = {"passo": "politica", "regola": rule.rule_id, "descrizione": rule.description, "quando": rule.text,
            "condizioni": interpret.explain(rule.condition, fact, method.schema), "risultato": "; ".join(consequences)}
    found = method.memo[key] = (requirements, monitoring, priority, step)
    return found
