"""Integrity rules: named, listable graph checks with stable codes and a severity."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from riskengine.errors import Problem, Severity, cause_rank
from riskengine.gcpause import paused
from riskengine.graph.build import PART_OF, PUBLISHES, RESPONSIBLE_FOR, SUPPORTS, TRANSMITS, CatalogGraph
from riskengine.i18n import has_wording, said

Check = Callable[[CatalogGraph], Iterator[Problem]]



@dataclass(frozen=True)
class IntegrityRule:
    """One integrity check: a stable code, a severity, a one-line description."""

    code: str
    severity: Severity
    description: str
    check: Check


RULES: dict[str, IntegrityRule] = {}


def rule(code: str, severity: Severity, description: str) -> Callable[[Check], Check]:
    """Register an integrity check under a stable code."""
    def register(func: Check) -> Check:
        RULES[code] = IntegrityRule(code, severity, description, func)
        return func
    return register


def _problem(cg: CatalogGraph, code: str, node: str, *keys: str | int, key: bool = False, **args: Any) -> Problem:
    """A finding about ``node``, worded with ``args`` by the message catalogue in every language.

    The message is ``integrita.<code>`` (``integrita.<code>.<variante>`` with a ``variante``), the
    hint ``problemi.suggerimento.<code>`` likewise when the catalogue has one; the annex words the
    findings that reach it by the same keys.
    """
    spec = RULES[code]
    variant = f".{args['variante']}" if "variante" in args else ""
    hint_key = f"problemi.suggerimento.{code}{variant}"
    return said(cg.location(node, *keys, key=key), f"integrita.{code}{variant}", code=code, severity=spec.severity,
                hint_key=hint_key if has_wording(hint_key) else "", subject=node, **args)


def _defects(code: str) -> Check:
    def check(cg: CatalogGraph) -> Iterator[Problem]:
        for d in cg.defects:
            if d.rule == code:
                yield Problem(d.location, d.message, code=code, severity=RULES[code].severity, hint=d.hint,
                              subject=d.subject, args=d.args, key=d.key, hint_key=d.hint_key, unknown=d.unknown)
    return check


rule("dangling-reference", Severity.ERROR,
     "A reference names an area, unit, role, factor, process, phase or risk event that does not exist.")(
    _defects("dangling-reference"))
rule("duplicate-code", Severity.ERROR, "Two items of the same kind share a code.")(_defects("duplicate-code"))


@rule("hierarchy-cycle", Severity.ERROR, "The unit hierarchy (padre) or the process hierarchy contains a cycle.")
def _cycles(cg: CatalogGraph) -> Iterator[Problem]:
    # part-of edges leave units (padre), roles (unita) and phases (their process or phase) only
    edges = [(u, v) for kind in ("unit", "role", "phase") for u in cg.nodes_of(kind) for v in cg.targets(u, PART_OF)]
    parent = dict(edges)
    # at most one parent each (as written, without duplicate codes): a walk up from each node will do
    one_parent = len(parent) == len(edges)
    cycles = _parent_cycles(parent) if one_parent else _all_cycles(edges)
    # Each cycle in edge order (unit → its padre → …), started at its smallest node for a stable report.
    rotated = [c[c.index(min(c)):] + c[:c.index(min(c))] for c in cycles]
    for cycle in sorted(rotated):
        first = cycle[0]
        names = " → ".join(cg.attrs(n)["code"] for n in cycle + [first])
        yield _problem(cg, "hierarchy-cycle", first, "padre" if first.startswith("unit:") else "codice", ciclo=names)


def _all_cycles(edges: list[tuple[str, str]]) -> list[list[str]]:
    """The cycles of a graph whose nodes may have several out-edges (codes written twice)."""
    import networkx as nx  # imported when the catalogue is linked, not when a linked one is read back

    return list(nx.simple_cycles(nx.DiGraph(edges)))


def _parent_cycles(parent: dict[str, str]) -> list[list[str]]:
    """The cycles of a graph where each node has at most one out-edge (``parent``), in edge order.

    The same cycles as ``networkx.simple_cycles`` finds there, by following parents from each node
    once: linear in the number of nodes.
    """
    walked: dict[str, str] = {}  # node -> the start of the walk that reached it first
    cycles = []
    for start in parent:
        node: str | None = start
        path = []
        while node is not None and node not in walked:
            walked[node] = start
            path.append(node)
            node = parent.get(node)
        if node is not None and walked[node] == start:  # this walk came back to itself
            cycles.append(path[path.index(node):])
    return cycles


@rule("process-without-area", Severity.ERROR, "A process has no risk area.")
def _no_area(cg: CatalogGraph) -> Iterator[Problem]:
    for node in cg.nodes_of("process"):
        if not cg.obj(node).aree:
            yield _problem(cg, "process-without-area", node, processo=cg.obj(node).codice)


@rule("process-without-owner", Severity.ERROR, "A process has no owning unit.")
def _no_owner(cg: CatalogGraph) -> Iterator[Problem]:
    for node in cg.nodes_of("process"):
        if cg.obj(node).unita is None:
            yield _problem(cg, "process-without-owner", node, processo=cg.obj(node).codice)


@rule("measure-without-responsible", Severity.ERROR,
      "A measure has no responsible unit or role "
      "(violating a measure is a disciplinary offence: ownership must be clear).")
def _no_responsible(cg: CatalogGraph) -> Iterator[Problem]:
    for node in cg.nodes_of("measure"):
        if not cg.obj(node).owners:
            yield _problem(cg, "measure-without-responsible", node, misura=cg.obj(node).codice)


@rule("measure-without-natura", Severity.WARNING,
      "A measure does not say whether it is mandatory or additional ('natura'): it is counted as additional "
      "('ulteriore').")
def _no_natura(cg: CatalogGraph) -> Iterator[Problem]:
    for node in cg.nodes_of("measure"):
        misura = cg.obj(node)
        if "natura" not in misura.model_fields_set:
            yield _problem(cg, "measure-without-natura", node, misura=misura.codice)


@rule("measure-without-indicator", Severity.WARNING, "A measure has no monitoring indicator or no target.")
def _no_indicator(cg: CatalogGraph) -> Iterator[Problem]:
    for node in cg.nodes_of("measure"):
        misura = cg.obj(node)
        missing = [k for k in ("indicatore", "target") if not getattr(misura, k)]
        if missing:
            yield _problem(cg, "measure-without-indicator", node, misura=misura.codice, variante="-".join(missing))


@rule("measure-without-deadline", Severity.WARNING, "A measure has no deadline (a date or 'continua').")
def _no_deadline(cg: CatalogGraph) -> Iterator[Problem]:
    for node in cg.nodes_of("measure"):
        if cg.obj(node).scadenza is None:
            yield _problem(cg, "measure-without-deadline", node, misura=cg.obj(node).codice)


@rule("unit-not-valid", Severity.ERROR,
      "A measure, process or publication obligation is assigned to a unit that does not exist at the plan date "
      "(reorganised away).")
def _invalid_unit(cg: CatalogGraph) -> Iterator[Problem]:
    day = cg.catalog.ente.data_riferimento
    for node in cg.nodes_of("unit"):
        unita = cg.obj(node)
        if unita.valida_il(day):
            continue
        for target, rel in sorted((t, r) for r in (RESPONSIBLE_FOR, SUPPORTS) for t in cg.targets(node, r)):
            keys: tuple = ("responsabile",)
            if rel == SUPPORTS:  # point at the item of 'supporto' naming this unit
                refs = cg.obj(target).supporto
                keys = ("supporto", next((j for j, r in enumerate(refs) if r in (unita.codice, unita.nome)), 0))
            yield _problem(cg, "unit-not-valid", target, *keys, variante="misura", codice=cg.obj(target).codice,
                           unita=unita.nome, data=day.isoformat())
        for owner in cg.sources(node, "owned-by"):
            yield _problem(cg, "unit-not-valid", owner, "unita", variante="processo", codice=cg.obj(owner).codice,
                           unita=unita.nome, data=day.isoformat())
        for rel, key in ((TRANSMITS, "trasmissione"), (PUBLISHES, "pubblicazione")):
            for obligation in cg.targets(node, rel):
                yield _problem(cg, "unit-not-valid", obligation, key, variante=key,
                               codice=cg.obj(obligation).codice, unita=unita.nome, data=day.isoformat())


@rule("event-without-factor", Severity.WARNING, "A risk event has no enabling factor.")
def _no_factor(cg: CatalogGraph) -> Iterator[Problem]:
    for node in cg.nodes_of("event"):
        if not cg.obj(node).fattori:
            yield _problem(cg, "event-without-factor", node, evento=cg.obj(node).codice)


@rule("process-without-events", Severity.WARNING, "A process has no risk event, in itself or in its phases.")
def _no_events(cg: CatalogGraph) -> Iterator[Problem]:
    from riskengine.graph.queries import events_of
    for node in cg.nodes_of("process"):
        if not events_of(cg, node):
            yield _problem(cg, "process-without-events", node, processo=cg.obj(node).codice)


@rule("event-without-measure", Severity.WARNING,
      "A risk event has no measure linked to it or to its phase (unless the method declares that the measures of "
      "its process cover every event: method.yaml eventi.misure_di_processo_coprono).")
def _untreated_event(cg: CatalogGraph) -> Iterator[Problem]:
    from riskengine.graph.queries import event_treated, process_of
    for node in cg.nodes_of("event"):
        if not event_treated(cg, node):
            evento = cg.obj(node)
            process = cg.code(process_of(cg, node))
            yield _problem(cg, "event-without-measure", node, "codice", evento=evento.codice, processo=process)


@rule("measure-treats-nothing", Severity.WARNING, "A measure treats no process, area or risk event.")
def _treats_nothing(cg: CatalogGraph) -> Iterator[Problem]:
    for node in cg.nodes_of("measure"):
        if cg.obj(node).tratta.vuota:
            yield _problem(cg, "measure-treats-nothing", node, misura=cg.obj(node).codice)


@rule("missing-mandatory-typology", Severity.WARNING,
      "No general measure covers a mandatory typology (ente.yaml: tipologie_obbligatorie).")
def _mandatory_typologies(cg: CatalogGraph) -> Iterator[Problem]:
    present = {cg.obj(n).tipologia for n in cg.nodes_of("measure") if cg.obj(n).ambito == "generale"}
    for typology in sorted(set(cg.catalog.ente.tipologie_obbligatorie) - present):
        yield said(cg.catalog.locate("measures.yaml", ()), "integrita.missing-mandatory-typology",
                   code="missing-mandatory-typology", severity=Severity.WARNING,
                   hint_key="problemi.suggerimento.missing-mandatory-typology", tipologia=typology)


@rule("measure-overdue", Severity.WARNING, "A measure's deadline is before the plan date and it is not implemented.")
def _overdue(cg: CatalogGraph) -> Iterator[Problem]:
    yield from overdue_measures(cg)


def overdue_measures(cg: CatalogGraph, monitored: Mapping[str, str] | None = None) -> list[Problem]:
    """The ``measure-overdue`` findings, judged on each measure's status in the year.

    ``monitored``: the statuses that a year's monitoring records, by measure code; a measure it
    does not name keeps its catalogue status (without an assessment, every one does).
    """
    from riskengine.graph.queries import overdue

    found = []
    for node in cg.nodes_of("measure"):
        misura = cg.obj(node)
        stato = (monitored or {}).get(misura.codice, misura.stato)
        if overdue(cg, misura, stato):
            found.append(_problem(cg, "measure-overdue", node, "scadenza", misura=misura.codice,
                                  scadenza=misura.scadenza.isoformat(), stato=stato))
    return found


@rule("area-unused", Severity.INFO, "A risk area of the primary taxonomy holds no process.")
def _unused_area(cg: CatalogGraph) -> Iterator[Problem]:
    primary = cg.catalog.areas.tassonomia_principale
    for node in cg.nodes_of("area"):
        if cg.obj(node).tassonomia == primary and not cg.sources(node, "in-area"):
            yield _problem(cg, "area-unused", node, area=cg.obj(node).ref)


@rule("obligation-without-owner", Severity.ERROR,
      "A publication obligation has no unit responsible for transmitting or for publishing its data "
      "(d.lgs. 33/2013 art. 10: both must be named).")
def _obligation_owners(cg: CatalogGraph) -> Iterator[Problem]:
    for node in cg.nodes_of("obligation"):
        obbligo = cg.obj(node)
        missing = [k for k in ("trasmissione", "pubblicazione") if getattr(obbligo, k) is None]
        if missing:
            yield _problem(cg, "obligation-without-owner", node, "codice", variante="-".join(missing),
                           obbligo=obbligo.codice)


@rule("obligation-frequency", Severity.ERROR,
      "A publication obligation has no update frequency, or is updated in a timely way ('tempestivo') with a "
      "calendar deadline (a timely update follows each act, not a date).")
def _obligation_frequency(cg: CatalogGraph) -> Iterator[Problem]:
    for node in cg.nodes_of("obligation"):
        obbligo = cg.obj(node)
        if obbligo.aggiornamento is None:
            yield _problem(cg, "obligation-frequency", node, "codice", variante="mancante", obbligo=obbligo.codice)
        elif obbligo.aggiornamento == "tempestivo" and obbligo.scadenza is not None:
            yield _problem(cg, "obligation-frequency", node, "scadenza", variante="tempestivo",
                           obbligo=obbligo.codice, scadenza=obbligo.scadenza.isoformat())


@rule("binding-schema-not-open", Severity.WARNING,
      "A publication obligation under a binding ANAC schema (delibera 495/2024) is not published as an open table.")
def _binding_schema(cg: CatalogGraph) -> Iterator[Problem]:
    day = cg.catalog.ente.data_riferimento
    for node in cg.nodes_of("obligation"):
        obbligo = cg.obj(node)
        schema = obbligo.schema_anac
        if schema is None or not schema.vincolante or (schema.dal is not None and schema.dal > day):
            continue
        if not obbligo.formato_aperto:
            yield _problem(cg, "binding-schema-not-open", node,
                           "formato_aperto" if "formato_aperto" in obbligo.model_fields_set else "schema_anac",
                           obbligo=obbligo.codice, delibera=schema.delibera)


@rule("obligation-overdue", Severity.WARNING,
      "A publication obligation's update is overdue at the plan date, given its frequency and last update.")
def _obligation_overdue(cg: CatalogGraph) -> Iterator[Problem]:
    from riskengine.graph.trasparenza import overdue

    day = cg.catalog.ente.data_riferimento
    for node in cg.nodes_of("obligation"):
        obbligo = cg.obj(node)
        due = overdue(obbligo, day)
        if due is not None:
            yield _problem(cg, "obligation-overdue", node,
                           "ultimo_aggiornamento" if obbligo.ultimo_aggiornamento else "aggiornamento",
                           obbligo=obbligo.codice, scadenza=due.isoformat())


@rule("obligation-date-ahead", Severity.WARNING,
      "A date of a publication obligation (last update, last check, OIV attestation) is more than a year after the "
      "plan's reference date: its year is likely mistyped.")
def _obligation_date_ahead(cg: CatalogGraph) -> Iterator[Problem]:
    day = cg.catalog.ente.data_riferimento
    limit = day + dt.timedelta(days=366)
    for node in cg.nodes_of("obligation"):
        obbligo = cg.obj(node)
        dates = [(("ultimo_aggiornamento",), obbligo.ultimo_aggiornamento),
                 (("esito_monitoraggio", "data"), obbligo.esito_monitoraggio and obbligo.esito_monitoraggio.data),
                 (("attestazione_oiv", "data"), obbligo.attestazione_oiv and obbligo.attestazione_oiv.data)]
        for keys, date in dates:
            if date and date > limit:  # a recorded past event dated after the plan: 2062 for 2026, 9999
                yield _problem(cg, "obligation-date-ahead", node, *keys, obbligo=obbligo.codice,
                               campo=".".join(keys), data=date.isoformat(), riferimento=day.isoformat())


@rule("subsection-without-obligation", Severity.WARNING,
      "A sub-section of the official tree of 'Amministrazione trasparente' has no publication obligation and is "
      "not declared not applicable.")
def _uncovered(cg: CatalogGraph) -> Iterator[Problem]:
    from riskengine.catalog.albero_trasparenza import sottosezioni

    transparency = cg.catalog.transparency
    if transparency is None:
        return
    covered = {cg.obj(n).sottosezione for n in cg.nodes_of("obligation")}
    covered |= {na.codice for na in transparency.non_applicabili}
    where = cg.catalog.locate("trasparenza.yaml", ("obblighi",), key=True)
    for voce in sottosezioni():
        if voce.codice not in covered and voce.padre not in covered:
            yield said(where, "integrita.subsection-without-obligation", code="subsection-without-obligation",
                       severity=Severity.WARNING, hint_key="problemi.suggerimento.subsection-without-obligation",
                       nome=voce.nome, sottosezione=voce.codice)


@rule("not-applicable-with-obligations", Severity.ERROR,
      "A section or sub-section declared not applicable ('non_applicabili') has publication obligations, or is "
      "declared twice.")
def _not_applicable(cg: CatalogGraph) -> Iterator[Problem]:
    from riskengine.catalog.albero_trasparenza import albero

    transparency = cg.catalog.transparency
    if transparency is None:
        return
    tree = albero()
    obligations: dict[str, list[str]] = {}  # a section or sub-section → the codes of the obligations in it
    for node in cg.nodes_of("obligation"):
        obbligo = cg.obj(node)
        voce = tree.get(obbligo.sottosezione)
        for code in (obbligo.sottosezione, voce.padre if voce is not None else None):
            if code is not None:
                obligations.setdefault(code, []).append(obbligo.codice)
    sections = {declared.sezione for declared in transparency.non_applicabili if declared.sezione}
    first: dict[str, int] = {}
    for index, declared in enumerate(transparency.non_applicabili):
        kind = "sezione" if declared.sezione else "sottosezione"
        where = cg.catalog.locate("trasparenza.yaml", ("non_applicabili", index, kind))
        voce = tree.get(declared.codice)
        values: dict[str, Any]
        if declared.codice in first:  # the second reason would silently replace the first
            variant, values = "doppia", {"voce": first[declared.codice] + 1}
        elif declared.codice in obligations:  # the annex would leave them out of the section, list them elsewhere
            found = sorted(obligations[declared.codice])
            variant, values = "obblighi", {"obblighi": ", ".join(found[:5]) + (", …" if len(found) > 5 else "")}
        elif voce is not None and voce.padre in sections:  # two reasons for one sub-section: which holds?
            variant, values = "nella_sezione", {"sezione": voce.padre}
        else:
            first[declared.codice] = index
            continue
        first.setdefault(declared.codice, index)
        values = {"obblighi": "", "voce": "", "sezione": "", **values}  # every variant's values, as the result declares
        code = "not-applicable-with-obligations"
        yield said(where, f"integrita.{code}.{variant}", code=code, severity=Severity.ERROR,
                   hint_key=f"problemi.suggerimento.{code}.{variant}", variante=variant, codice=declared.codice,
                   genere_chiave=f"problemi.genere.{kind}", genere=kind, nome=voce.nome if voce is not None else "",
                   **values)


def covered_events_dropped(cg: CatalogGraph, problems: list[Problem], process_level_covers: bool) -> list[Problem]:
    """``problems`` without the ``event-without-measure`` findings of events that a measure of their process,
    area or every process treats, when the method declares that these cover every event."""
    from riskengine.graph.queries import event_treated

    if not process_level_covers:
        return problems
    return [p for p in problems if p.code != "event-without-measure" or not event_treated(cg, p.subject, True)]


def check_integrity(cg: CatalogGraph, only: set[str] | None = None) -> list[Problem]:
    """Run every integrity rule (or those in ``only``) and return the findings in a stable order, by severity, those
    that make others first (riskengine.errors.CAUSES)."""
    found: list[Problem] = []
    with paused():  # graph queries over the whole catalogue (riskengine.gcpause)
        for code in sorted(RULES):
            if only is None or code in only:
                found.extend(RULES[code].check(cg))
    return sorted(found, key=lambda p: (p.severity.rank, cause_rank(p.code), p.code, p.sort_key()))
