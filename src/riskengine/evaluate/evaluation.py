"""Evaluate an assessment: score items, classify on the engine, derive residuals, run the policies.

Evaluation never reads files: it receives the linked catalogue, the compiled method, the validated
assessment and a backend (durable-rules, or the direct interpreter) and returns plain records.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from typing import Any, NamedTuple

from riskengine.answers.load import Answers, Assessment
from riskengine.catalog.models import Misura
from riskengine.engine import interpret
from riskengine.errors import Location, Severity
from riskengine.evaluate.backend import Backend
from riskengine.evaluate.items import ItemScore, combine_items
from riskengine.evaluate.plan import PLACEHOLDER, plan_for
from riskengine.evaluate.residual import efficacies, residual_level, residual_score
from riskengine.graph import queries as q
from riskengine.graph.build import CatalogGraph
from riskengine.i18n import DEFAULT_LANGUAGE, Text, lowered, refuse, wording
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
from riskengine.method.models import Opzione, Rivalutazione
from riskengine.source.fields import decimal_text, plain_fields

# The finding of a process without answers: worded by integrita.NON-VALUTATO in every language.
UNASSESSED = "NON-VALUTATO"
FINDINGS = {UNASSESSED: Severity.WARNING}  # by code, its severity (``rules-list`` lists it)


@dataclass(frozen=True, slots=True)
class State:
    """One of the three risk states of a process: its score (numeric methods), level and steps."""

    rischio: Decimal | None
    livello: str
    trace: list[dict]


@dataclass(frozen=True, slots=True)
class Scoring:
    """The score and the three risk states of an assessed process."""

    score: ItemScore
    band_table: str | None  # numeric methods: the band table its scores were classified in
    inerente: State
    residuo_programmato: State
    residuo_monitorato: State
    varianti: dict[str, State] = field(default_factory=dict)  # the variants that have a band table: their levels


@dataclass(frozen=True, slots=True)
class ProcessEvaluation:
    """Everything evaluation found about one process (``scoring`` is None when it has no answers)."""

    code: str
    node: str
    measures: list[str]
    scoring: Scoring | None
    findings: list[dict]
    requirements: list[dict]
    monitoring: dict | None
    priority: dict | None
    trace: list[dict]
    fired: list[str]


@dataclass(frozen=True, slots=True)
class Subject:
    """What evaluation needs to know about one assessed process, from the catalogue or a rule test.

    ``values``: the policy values that do not depend on the scores (counts, area, unit…);
    ``answers``: the indicator answers as policy values; ``given``: values a rule test sets over
    those evaluation derives. ``steps``: the scoring steps of its items (then their combination).
    ``shown``: how a finding's message writes the values conditions compare by code (the unit's name).
    """

    code: str
    node: str
    name: str
    score: ItemScore
    steps: list[dict]
    area_codes: list[str]
    measures: list[str]
    linked: list[Misura]
    planned: list[Misura]
    implemented: list[Misura]
    rerating: Rivalutazione | None
    values: dict[str, Any]
    answers: dict[str, Any]
    given: dict[str, Any]
    shown: dict[str, str] = field(default_factory=dict)


def _items_for(cg: CatalogGraph, method: Method, assessment: Assessment, node: str) -> list[Answers]:
    level = method.model.valutazione.livello
    if level == "processo":
        answers = assessment.answers.get(cg.code(node))
        return [answers] if answers else []
    holders = q.descendants(cg, node) if level == "fase" else q.events_of(cg, node)
    return [assessment.answers[cg.code(h)] for h in holders
            if cg.code(h) in assessment.answers]


def unassessed(cg: CatalogGraph, method: Method, assessment: Assessment) -> list[str]:
    """The processes without answers in ``assessment`` (each a NON-VALUTATO finding of the annex), in code order."""
    return [node for node in cg.nodes_of("process") if not _items_for(cg, method, assessment, node)]


def monitored_state(assessment: Assessment, misura: Misura) -> str:
    """A measure's status as the year's monitoring records it, else as the catalogue declares it."""
    esito = assessment.monitoring.get(misura.codice)
    return esito.stato if esito else misura.stato


class Classifier:
    """Band and grid lookups on the engine, deduplicated by value, with the unique hit policy checked."""

    def __init__(self, method: Method, backend: Backend) -> None:
        self.method = method
        self.backend = backend
        self.band_requests: dict[str, tuple[str, Decimal]] = {}
        self.grid_requests: dict[str, tuple[str, str]] = {}
        self.results: dict[str, str] = {}
        self._levels: dict[str, tuple[str, dict]] = {}
        self._states: dict[tuple[object, ...], State] = {}

    def band(self, table: str, value: Decimal) -> str:
        """Ask for the row of band table ``table`` that ``value`` falls in; return the lookup's id."""
        fact_id = f"{table}|{decimal_text(value)}"
        self.band_requests[fact_id] = (table, value)
        return fact_id

    def grid(self, p: str, i: str) -> str:
        """Ask for the grid cell of probability ``p`` and impact ``i``; return the lookup's id."""
        fact_id = f"{p}|{i}"
        self.grid_requests[fact_id] = (p, i)
        return fact_id

    def run(self) -> None:
        """Run the lookups asked for since the last run, on the engine."""
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
                raise refuse(Location(str(self.method.root / "method.yaml")), "problemi.metodo.righe_trovate",
                             code="unique-hit", ricerca=fact["id"], n=len(matched), righe=", ".join(matched) or "—")
            self.results[fact["id"]] = matched[0]
        self.band_requests.clear()
        self.grid_requests.clear()

    def level(self, fact_id: str) -> tuple[str, dict]:
        """The level a lookup found and its trace step (one shared step per distinct lookup)."""
        found = self._levels.get(fact_id)
        if found is None:
            found = self._levels[fact_id] = self._level(fact_id)
        return found

    def state(self, rischio: Decimal | None, steps: list[dict], fact_id: str) -> State:
        """The state whose level a lookup found, its step after ``steps``: one object for the same steps and
        lookup (the same score: the lookup's id is its text), as states are never modified. A national
        catalogue's processes mostly share their inherent state, and their monitored residual is their planned one."""
        key = (fact_id, *map(id, steps))
        found = self._states.get(key)
        if found is None:
            level, step = self.level(fact_id)
            # the steps kept with the state: their ids, in the key, stay theirs
            found = self._states[key] = State(rischio, level, [*steps, step])
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


def evaluate(cg: CatalogGraph, method: Method, assessment: Assessment, backend: Backend,
             links: Mapping[str, list[str]] | None = None,
             only: set[str] | None = None) -> list[ProcessEvaluation]:
    """Evaluate every process of the catalogue; processes without answers are reported, not scored.

    ``links``: the measures of some processes (by process code) in place of the catalogue's links,
    as what-if scenarios and the ranking of measures set them. ``only``: evaluate just these
    processes (by code; the ranking re-evaluates only the processes a measure treats).
    """
    plan = plan_for(method)
    reference = assessment.model.data_valutazione or cg.catalog.ente.data_riferimento
    # Only the measures linked to the processes evaluated: the ranking of measures calls this once
    # per planned measure for the few processes it treats, so nothing here may walk the catalogue.
    parts: dict[str, tuple[bool, bool, tuple[int, ...]]] = {}  # by measure code: see _measure_part
    monitoring = assessment.monitoring
    by_process = method.model.valutazione.livello == "processo"
    read = plan.read
    counts = not read.isdisjoint(_COUNTS)
    subjects: list[Subject] = []
    unassessed: dict[str, ProcessEvaluation] = {}
    catalogue_facts = q.process_facts(cg)
    if only is None:
        nodes = cg.nodes_of("process")
    else:  # node ids are "process:<code>", and nodes_of sorts them: the same order, without the scan
        nodes = sorted(node for code in only if (node := f"process:{code}") in cg
                       and cg.attrs(node)["kind"] == "process")
    for node in nodes:
        code = cg.code(node)
        facts = catalogue_facts[node]
        if links is not None and code in links:
            measures = sorted(links[code])
            linked = [cg.obj(f"measure:{m}") for m in measures]
        else:
            measures, linked = list(facts.measures), facts.linked
        if by_process:
            answers = assessment.answers.get(code)
            items = [answers] if answers else []
        else:
            items = _items_for(cg, method, assessment, node)
        if not items:
            named = {"processo": code, "anno": str(assessment.model.anno)}
            finding = {"codice": UNASSESSED, "gravita": FINDINGS[UNASSESSED].value,
                       "regola": "riskengine/non-valutato",
                       "messaggio": wording(f"integrita.{UNASSESSED}", **named), "argomenti": named}
            unassessed[node] = ProcessEvaluation(code, node, measures, None, [finding], [], None, None, [], [])
            continue
        if len(items) == 1:
            score, answers_read = plan.pattern(items[0].options)
            steps = score.trace
        else:
            item_scores = [plan.score(item.options) for item in items]
            score = combine_items(method, item_scores)
            steps = [step for s in item_scores for step in s.trace] + score.trace
            answers_read = policy_answers(method, _options(items, method))
        planned, implemented, tally = split_measures(linked, parts, monitoring, reference, plan.transversal_ok)
        giudizio = items[0].giudizio
        values: dict[str, Any] = {"codice": code}
        if counts:
            values.update(tally)
        for name in read:
            getter = _FACT_VALUES.get(name)
            if getter is not None:
                values[name] = getter(cg, node, facts)
        if "regime_semplificato" in read:
            values["regime_semplificato"] = cg.catalog.ente.regime_semplificato
        if "motivazione" in read:
            values["motivazione"] = bool(giudizio.motivazione.strip())
        if "motivazioni_mancanti" in read:
            values["motivazioni_mancanti"] = sum(1 for c in plan.indicator_codes
                                                 if not giudizio.motivazioni.get(c, "").strip())
        shown = {name: get(cg, node, facts) for name, get in _SHOWN_VALUES.items() if name in plan.written}
        subjects.append(Subject(code, node, facts.name, score, steps, facts.area_codes, measures, linked, planned,
                                implemented, giudizio.residuo, values, answers_read, {}, shown))
    assessed = iter(evaluate_subjects(method, backend, subjects))
    return [unassessed[node] if node in unassessed else next(assessed) for node in nodes]


_COUNT_NAMES = ("misure_generali", "misure_specifiche", "misure_attuate", "misure_specifiche_attuate",
                "misure_scadute")


def split_measures(linked: list[Misura], parts: dict[str, tuple[bool, bool, tuple[int, ...]]],
                   monitoring: Mapping[str, Any], reference: dt.date | None,
                   transversal_ok: bool) -> tuple[list[Misura], list[Misura], dict[str, int]]:
    """:func:`residual_measures` and :func:`measure_counts` of a process in one pass.

    ``parts``: each measure's part (see ``_measure_part``) by code, filled as measures are met, so
    that a measure linked to thousands of processes is looked at once per evaluation.
    """
    planned, implemented = [], []
    tally = [0, 0, 0, 0, 0]
    for misura in linked:
        part = parts.get(misura.codice)
        if part is None:
            part = parts[misura.codice] = _measure_part(misura, monitoring, reference, transversal_ok)
        if part[0]:
            planned.append(misura)
        if part[1]:
            implemented.append(misura)
        for k in part[2]:
            tally[k] += 1
    return planned, implemented, {"misure": len(linked), **dict(zip(_COUNT_NAMES, tally, strict=True))}


def _measure_part(misura: Misura, monitoring: Mapping[str, Any], reference: dt.date | None,
                  transversal_ok: bool) -> tuple[bool, bool, tuple[int, ...]]:
    """A measure's part in a process's residuals and counts: (in the planned residual, in the monitored
    one, the indexes of the counts of ``_COUNT_NAMES`` it adds one to), as residual_measures and
    measure_counts decide them."""
    esito = monitoring.get(misura.codice)
    state = esito.stato if esito else misura.stato
    for_residual = transversal_ok or not misura.tratta.tutti
    counted = []
    if misura.ambito == "generale":
        counted.append(0)
    elif misura.ambito == "specifica":
        counted.append(1)
    if state == "attuata":
        counted.append(2)
        if misura.ambito == "specifica":
            counted.append(3)
    elif reference is not None and isinstance(misura.scadenza, dt.date) and misura.scadenza < reference:
        counted.append(4)
    return for_residual and state != "non-attuata", for_residual and state == "attuata", tuple(counted)


_COUNTS = frozenset({"misure", "misure_generali", "misure_specifiche", "misure_attuate", "misure_specifiche_attuate",
                     "misure_scadute"})
# The policy values of a process that its place in the catalogue gives, by field (computed only
# for the fields the policies read).
_FACT_VALUES: dict[str, Callable[[CatalogGraph, str, q.ProcessFacts], Any]] = {
    "area": lambda cg, node, f: f.area,
    "classe_area": lambda cg, node, f: f.classe,
    "unita": lambda cg, node, f: cg.code(owner) if (owner := q.owner_of(cg, node)) else "",
    "eventi": lambda cg, node, f: len(q.events_of(cg, node)),
    "fasi": lambda cg, node, f: len(q.descendants(cg, node)),
    "in_convenzione": lambda cg, node, f: cg.obj(node).in_convenzione is not None,
    "art6": lambda cg, node, f: cg.obj(node).art6 is not None,
}

# How a finding's message writes the values above that are codes: by their names, as a reader reads them
# (computed only for the placeholders the messages write).
_SHOWN_VALUES: dict[str, Callable[[CatalogGraph, str, q.ProcessFacts], str]] = {
    "area": lambda cg, node, f: _area_name(cg, node, f.area),
    "unita": lambda cg, node, f: cg.attrs(owner)["label"] if (owner := q.owner_of(cg, node)) else "",
}


def _area_name(cg: CatalogGraph, node: str, code: str) -> str:
    """The name of the area a process's ``area`` names (its area of the primary taxonomy, else its first)."""
    primary = cg.catalog.areas.tassonomia_principale
    areas = sorted((cg.obj(a) for a in q.areas_of(cg, node)), key=lambda area: area.tassonomia != primary)
    return next((area.nome for area in areas if area.codice == code), code)


def residual_measures(method: Method, linked: list[Misura], states: dict[str, str]) -> tuple[list[Misura],
                                                                                               list[Misura]]:
    """The measures of the planned residual (all but ``non-attuata``) and of the monitored one (``attuata``).

    ``states``: each measure's monitored status by code. Transversal measures count only when the
    method's ``residuo.considera_trasversali`` says so.
    """
    transversal_ok = method.model.residuo.considera_trasversali
    for_residual = [m for m in linked if transversal_ok or not m.tratta.tutti]
    planned = [m for m in for_residual if states[m.codice] != "non-attuata"]
    implemented = [m for m in for_residual if states[m.codice] == "attuata"]
    return planned, implemented


def measure_counts(linked: list[Misura], states: dict[str, str], reference: dt.date | None) -> dict[str, int]:
    """The policy counts of a process's measures (``misure_scadute`` only with a reference date)."""
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
        elif reference is not None and isinstance(m.scadenza, dt.date) and m.scadenza < reference:
            scadute += 1
    return {"misure": len(linked), "misure_generali": generali, "misure_specifiche": specifiche,
            "misure_attuate": attuate, "misure_specifiche_attuate": specifiche_attuate, "misure_scadute": scadute}


def _options(items: list[Answers], method: Method) -> dict[str, Opzione]:
    """Indicator answers of the process: its own, or the prudent (highest) across its assessed items."""
    if len(items) == 1:
        return items[0].options
    return {indicator.codice: max((it.options[indicator.codice] for it in items), key=lambda o: o.valore)
            for indicator in method.model.indicatori}


def policy_answers(method: Method, options: dict[str, Opzione]) -> dict[str, Any]:
    """The answers as policy values: the option's code on ordinal scales, its value otherwise."""
    return {code: option.codice if method.schema[code].kind == "ordinal" else option.valore
            for code, option in options.items()}


class _Classified(NamedTuple):
    """An assessed process between the lookups and the policies."""

    subject: Subject
    scoring: Scoring
    flags: dict[str, bool]  # the residual re-rating flags (rivalutato, residuo_sopra_inerente, …)


def evaluate_subjects(method: Method, backend: Backend, subjects: list[Subject]) -> list[ProcessEvaluation]:
    """Classify the scores of assessed processes, derive their residuals, run the policies.

    ``assess`` passes every assessed process of a catalogue; a rule test passes its one case.
    """
    classifier = Classifier(method, backend)
    plan = plan_for(method)
    linked = {m.codice: m for s in subjects for m in s.linked}
    known = efficacies(method, list(linked.values())) if method.numeric else {}
    tables: dict[tuple[str, ...], Any] = {}  # residual steps with the same measures share their table
    gradino = method.model.residuo.metodo == "gradino"
    # First the lookups of the inherent and (numeric) residual scores, all in one engine run.
    lookups: list[tuple[str | None, str, tuple[Decimal, dict, str, Decimal, dict, str] | None]] = []
    variant_lookups: list[dict[str, str]] = []  # per subject: the band lookup of each variant with a level
    for subject in subjects:
        score = subject.score
        if score.rischio is None:
            assert score.p_code is not None  # a grid method's score: level codes, no risk
            assert score.i_code is not None
            lookups.append((None, classifier.grid(score.p_code, score.i_code), None))
            variant_lookups.append({})
            continue
        bands, variant_bands = plan.band_tables(subject.area_codes)
        band_table = bands.code
        variant_lookups.append({code: classifier.band(variant_bands[code].code, value)
                                for code, value in score.varianti.items() if code in variant_bands})
        residual = None
        if not gradino:
            planned, pstep = residual_score(method, score.rischio, subject.planned, known, tables)
            monitored, mstep = planned, pstep  # the same value and step when every planned measure is done
            if subject.implemented != subject.planned:
                monitored, mstep = residual_score(method, score.rischio, subject.implemented, known, tables)
            residual = (planned, pstep, classifier.band(band_table, planned), monitored, mstep,
                        classifier.band(band_table, monitored))
        lookups.append((band_table, classifier.band(band_table, score.rischio), residual))
    classifier.run()
    classified: list[_Classified] = []
    reratings: list[tuple[int, Decimal, dict, str]] = []  # numeric re-ratings, classified in a second run
    for subject, (table, inherent_id, residual), variant_ids in zip(subjects, lookups, variant_lookups, strict=True):
        inerente = classifier.state(subject.score.rischio, [], inherent_id)
        varianti = {code: classifier.state(subject.score.varianti[code], [], fact_id)
                    for code, fact_id in sorted(variant_ids.items())}
        if residual is None:
            lvl, step = residual_level(method, inerente.livello, subject.planned)
            programmato = State(None, lvl, [step])
            if subject.implemented != subject.planned:
                lvl, step = residual_level(method, inerente.livello, subject.implemented)
            monitorato = State(None, lvl, [step])
        else:
            planned, pstep, planned_id, monitored, mstep, monitored_id = residual
            programmato = classifier.state(planned, [pstep], planned_id)
            monitorato = classifier.state(monitored, [mstep], monitored_id)
        flags = {"rivalutato": False, "residuo_sopra_inerente": False, "residuo_senza_misure": False}
        if subject.rerating is not None:
            rerated = _explicit_residual(method, inerente, subject.linked, subject.rerating, flags)
            if isinstance(rerated, State):
                programmato = rerated
            elif rerated is not None:
                assert table is not None  # a numeric re-rating is only accepted for numeric methods
                value, step = rerated
                reratings.append((len(classified), value, step, classifier.band(table, value)))
        classified.append(_Classified(subject, Scoring(subject.score, table, inerente, programmato, monitorato,
                                                       varianti), flags))
    if reratings:
        classifier.run()
        for index, value, step, fact_id in reratings:
            subject, scoring, flags = classified[index]
            rerated_state = classifier.state(value, [step], fact_id)
            classified[index] = _Classified(subject, Scoring(scoring.score, scoring.band_table, scoring.inerente,
                                                             rerated_state, scoring.residuo_monitorato,
                                                             scoring.varianti), flags)
    return _policies(method, backend, classified)


def _explicit_residual(method: Method, inherent: State, linked: list[Misura], r: Rivalutazione,
                       flags: dict[str, bool]) -> State | tuple[Decimal, dict] | None:
    """An explicit re-rating of the planned residual, or None when it would exceed inherent or lack measures.

    A re-rating by level is a state; a numeric one is its rounded score and step, to classify on the engine.
    """
    if r.rischio is not None:
        assert inherent.rischio is not None  # numeric re-ratings are refused for grid methods when loaded
        above, lower = r.rischio > inherent.rischio, r.rischio < inherent.rischio
    else:
        assert r.livello is not None  # exactly one of rischio and livello, checked when loaded
        rank, inherent_rank = method.levels.index(r.livello), method.levels.index(inherent.livello)
        above, lower = rank > inherent_rank, rank < inherent_rank
    flags["rivalutato"] = True
    if above:
        flags["residuo_sopra_inerente"] = True
        return None
    if lower and not linked:
        flags["residuo_senza_misure"] = True
        return None
    description = f"rivalutazione esplicita: {r.motivazione or 'senza motivazione'}"
    if r.rischio is None:
        assert r.livello is not None
        return State(None, r.livello, [{"regola": "valutazione.residuo", "descrizione": description,
                                        "risultato": r.livello}])
    rounding = method.rounding("rischio")
    assert rounding is not None  # the risk is always rounded
    score = round_to(r.rischio, *rounding)
    return score, {"regola": "valutazione.residuo", "descrizione": description, "risultato": decimal_text(score)}


def _policy_values(method: Method, item: _Classified) -> dict[str, Any]:
    subject, scoring = item.subject, item.scoring
    score, inerente = scoring.score, scoring.inerente
    programmato, monitorato = scoring.residuo_programmato, scoring.residuo_monitorato
    values = dict(subject.values)
    values.update({"livello": inerente.livello,
                   "livello_residuo": programmato.livello, "livello_monitorato": monitorato.livello})
    values.update(item.flags)
    values.update(subject.answers)
    if method.numeric:
        values.update({"probabilita": score.probabilita, "impatto": score.impatto, "rischio": inerente.rischio,
                       "rischio_residuo": programmato.rischio if programmato.rischio is not None else inerente.rischio,
                       "rischio_monitorato": monitorato.rischio if monitorato.rischio is not None
                       else inerente.rischio})
        for code, value in score.varianti.items():
            values[f"rischio_{code}"] = value
        for code, state in scoring.varianti.items():
            values[f"livello_{code}"] = state.livello
    else:
        values.update({"probabilita": score.p_code, "impatto": score.i_code})
    values.update(subject.given)
    return values


@cache
def _yes_no() -> dict[bool, str]:
    """True and false as the policies' messages write them (the language of the method's own labels)."""
    said = Text(DEFAULT_LANGUAGE)
    return {True: said("valori.si_no.true"), False: said("valori.si_no.false")}


def _format_message(template: str, values: dict[str, Any], name: str, labels: Mapping[str, Mapping[str, str]],
                    shown: Mapping[str, str]) -> str:
    """A policy's message with the process's values as a reader reads them: its name, numbers as written, a unit or
    an area by its name (``shown``), and, in the language its authors write the messages in (Italian, the method's
    labels: results are read in every language, and a sentence keeps its own), true and false as "sì" and "no", a
    level or an answer on an ordinal scale by its label inside the sentence ("Rischio molto alto", not the code MA;
    ``labels``)."""
    def sub(match: re.Match) -> str:
        key = match.group(1)
        if key == "nome":
            return name
        if key in shown:
            return shown[key]
        value = values.get(key, match.group(0))
        if isinstance(value, bool):
            return _yes_no()[value]
        if isinstance(value, str) and value in labels.get(key, {}):
            return lowered(labels[key][value])
        return decimal_text(value) if isinstance(value, Decimal) else str(value)
    return PLACEHOLDER.sub(sub, template)


_Consequences = tuple[list[dict], dict | None, dict | None, dict]


def _policies(method: Method, backend: Backend, classified: list[_Classified]) -> list[ProcessEvaluation]:
    values = [_policy_values(method, item) for item in classified]
    facts = [encode_fact(method.policy_schema, v, PROCESS_FACT, item.subject.code)
             for item, v in zip(classified, values, strict=True)]
    hits: dict[str, set[str]] = {}
    for rule_id, fact_id in backend.run(POLICIES, facts):
        hits.setdefault(fact_id, set()).add(rule_id)
    # The requirements, monitoring, priority and step of a rule depend on a fact only through the
    # fields the rule reads: each distinct reading is built once and shared (never modified).
    consequences: dict[tuple, _Consequences] = {}
    # Processes whose rules fired alike, or whose traces are the same steps, share the list (never modified):
    # a national catalogue's processes mostly do. The traces are kept with their keys, the steps' ids.
    fired_lists: dict[frozenset[str], list[str]] = {}
    traces: dict[tuple[int, ...], list[dict]] = {}
    chosen = plan_for(method).chosen
    evaluations = []
    for item, fact, process_values in zip(classified, facts, values, strict=True):
        subject = item.subject
        fired = frozenset(hits.get(subject.code, ()))  # once: the key of the rules chosen and of the list named
        findings: list[dict] = []
        requirements: list[dict] = []
        monitoring = priority = None
        trace = list(subject.steps)
        for rule in chosen(fired):
            key = (rule.rule_id, *(fact[f] for f in rule.fields))
            found = consequences.get(key)
            if found is None:
                found = consequences[key] = _consequences(method, rule, fact)
            required, monitored, prioritised, step = found
            findings += [{"codice": a.criticita.codice, "gravita": a.criticita.gravita, "regola": rule.rule_id,
                          "messaggio": _format_message(a.criticita.messaggio, process_values, subject.name,
                                                       method.value_labels, subject.shown)}
                         for a in rule.actions if a.criticita is not None]
            requirements += required
            monitoring = monitored if monitored is not None else monitoring
            priority = prioritised if prioritised is not None else priority
            trace.append(step)
        trace = traces.setdefault(tuple(map(id, trace)), trace)
        names = fired_lists.get(fired)
        if names is None:
            names = fired_lists[fired] = sorted(fired)
        evaluations.append(ProcessEvaluation(subject.code, subject.node, subject.measures, item.scoring, findings,
                                             requirements, monitoring, priority, trace, names))
    return evaluations


def _consequences(method: Method, rule: PolicyRule, fact: dict) -> _Consequences:
    """(requirements, monitoring, priority, trace step) of a rule applied to a fact: all but the findings."""
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
            monitoring = dict(plain_fields(action.monitoraggio), regola=rule.rule_id)
            consequences.append(f"monitoraggio {action.monitoraggio.modalita} {action.monitoraggio.periodicita}")
        elif action.priorita is not None:
            priority = dict(plain_fields(action.priorita), regola=rule.rule_id)
            consequences.append(f"priorità {action.priorita.valore}")
    step = {"passo": "politica", "regola": rule.rule_id, "descrizione": rule.description, "quando": rule.text,
            "condizioni": interpret.condition_steps(rule.condition, fact, method.schema),
            "risultato": "; ".join(consequences)}
    return requirements, monitoring, priority, step
