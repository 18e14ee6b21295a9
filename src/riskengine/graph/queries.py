"""Graph queries: what a process is made of and treated by, what a unit owns and must do."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from riskengine.catalog.models import Misura
from riskengine.errors import Location
from riskengine.graph.build import (
    IN_AREA,
    OWNED_BY,
    PART_OF,
    RESPONSIBLE_FOR,
    SUPPORTS,
    THREATENS,
    TREATED_BY,
    CatalogGraph,
)
from riskengine.i18n import catalogue, format_label


def overdue(cg: CatalogGraph, misura: Misura, stato: str) -> bool:
    """Whether a measure in ``stato`` is overdue: its deadline is before the plan's reference date and it is not
    implemented (the ``measure-overdue`` finding; the annex's ``scaduta``)."""
    deadline = misura.scadenza
    return isinstance(deadline, dt.date) and deadline < cg.catalog.ente.data_riferimento and stato != "attuata"


def descendants(cg: CatalogGraph, process: str) -> list[str]:
    """Phases and activities below a process or phase, depth first, in file order."""
    def walk() -> list[str]:
        found = []
        attrs = cg.attrs
        stack = [process]
        while stack:
            node = stack.pop()
            if node != process:
                found.append(node)
            children = [u for u in cg.sources(node, PART_OF) if attrs(u)["kind"] == "phase"]
            stack.extend(sorted(children, key=lambda n: attrs(n)["path"], reverse=True))
        return found

    return list(cg.memo(process, "descendants", walk))


def events_of(cg: CatalogGraph, process: str) -> list[str]:
    """Risk events threatening a process or any of its phases, in file order."""
    def threatening() -> list[str]:
        holders = [process] + descendants(cg, process)
        events = {e for h in holders for e in cg.sources(h, THREATENS)}
        attrs = cg.attrs
        return sorted(events, key=lambda n: attrs(n)["path"])

    return list(cg.memo(process, "events", threatening))


def areas_of(cg: CatalogGraph, process: str) -> list[str]:
    """Areas a process belongs to."""
    return list(cg.memo(process, "areas", lambda: cg.targets(process, IN_AREA)))


def owner_of(cg: CatalogGraph, process: str) -> str | None:
    """The owning unit (or role) of a process, if it resolves."""
    def owner() -> str | None:
        owners = cg.targets(process, OWNED_BY)
        return owners[0] if owners else None

    return cg.memo(process, "owner", owner)


def measures_of(cg: CatalogGraph, process: str) -> list[str]:
    """Measures treating a process: directly, through its phases, events or areas, or applying to all."""
    found = set(cg.universal_measures())
    for holders in ([process], descendants(cg, process), events_of(cg, process), areas_of(cg, process)):
        for holder in holders:
            found.update(cg.reached(holder, TREATED_BY))
    return sorted(found)


def measures_by_process(cg: CatalogGraph) -> dict[str, list[str]]:
    """:func:`measures_of` for every process at once, from one pass over the links of the measures (kept).

    Read-only: callers copy a list before changing it.
    """
    def compute() -> dict[str, list[str]]:
        processes = cg.nodes_of("process")
        belongs: dict[str, list[str]] = {}  # holder (the process, its phases, events and areas) -> processes
        for process in processes:
            for holders in ([process], descendants(cg, process), events_of(cg, process), areas_of(cg, process)):
                for holder in holders:
                    belongs.setdefault(holder, []).append(process)
        universal = cg.universal_measures()
        found = {process: set(universal) for process in processes}
        for measure in cg.nodes_of("measure"):
            for holder in cg.sources(measure, TREATED_BY):
                for process in belongs.get(holder, ()):
                    found[process].add(measure)
        return {process: sorted(measures) for process, measures in found.items()}

    return cg.memo("", "measures-by-process", compute)


def processes_of_unit(cg: CatalogGraph, unit: str) -> list[str]:
    """Processes owned by a unit."""
    return cg.sources(unit, OWNED_BY)


def measures_of_unit(cg: CatalogGraph, unit: str) -> tuple[list[str], list[str]]:
    """(measures the unit leads, measures it supports)."""
    return cg.targets(unit, RESPONSIBLE_FOR), cg.targets(unit, SUPPORTS)


def find_party(cg: CatalogGraph, ref: str) -> str | None:
    """A unit or role node by code or exact name (of several with that name, the first unit, else role, by code)."""
    for kind in ("unit", "role"):
        node = f"{kind}:{ref}"
        if node in cg:
            return node
    return cg.memo("", "parties-by-name", lambda: _parties_by_name(cg)).get(ref)


def _parties_by_name(cg: CatalogGraph) -> dict[str, str]:
    # Indexed once: measures name their owners by name, and a national catalogue's result asks for the owners of
    # 50,000 measures among 900 units (a scan each took most of a minute).
    named: dict[str, str] = {}
    for node in cg.nodes_of("unit") + cg.nodes_of("role"):
        named.setdefault(cg.attrs(node)["label"], node)
    return named


def collective_measures(cg: CatalogGraph, unit: str) -> list[tuple[str, str, str]]:
    """(measure, collective role, how it reaches the unit) for each measure a collective owner brings to ``unit``.

    A role with ``collettivo`` reaches every unit (``tutte-le-unita``), the units owning a process the
    measure treats (``unita-dei-processi``), or the heads of the units it lists (``responsabili-di-unita``).
    """
    italian = catalogue("it")
    code = cg.code(unit)
    owned = processes_of_unit(cg, unit) if cg.attrs(unit)["kind"] == "unit" else []
    found = []
    for role in cg.nodes_of("role"):
        collective = cg.obj(role).collettivo
        if collective is None or cg.attrs(unit)["kind"] != "unit":
            continue
        for measure in sorted(set(cg.targets(role, RESPONSIBLE_FOR)) | set(cg.targets(role, SUPPORTS))):
            # "how" is data of the result, in Italian; Text.collective_how words it in each language.
            if collective.tipo == "tutte-le-unita":
                found.append((measure, role, format_label(italian["unita.collettivo.tutte-le-unita"], {})))
            elif collective.tipo == "unita-dei-processi":
                treated = [cg.code(p) for p in owned if measure in measures_of(cg, p)]
                if treated:
                    found.append((measure, role, format_label(italian["unita.collettivo.unita-dei-processi"],
                                                              {"processi": ", ".join(treated)})))
            elif code in collective.unita:
                found.append((measure, role, format_label(italian["unita.collettivo.responsabili-di-unita"], {})))
    return found


# How a measure reaches a risk event, most specific first: the event itself, the phase or activity it
# sits on (or one above it), its process, an area of the process, or every process (tratta: tutti).
VIA_EVENT, VIA_PHASE, VIA_PROCESS, VIA_AREA, VIA_ALL = "evento", "fase", "processo", "area", "tutti"
VIA_ORDER = (VIA_EVENT, VIA_PHASE, VIA_PROCESS, VIA_AREA, VIA_ALL)
EVENT_LEVEL = frozenset({VIA_EVENT, VIA_PHASE})
"""The links that treat an event by themselves; the others cover it only if the method says so."""


def _holders(cg: CatalogGraph, node: str) -> list[str]:
    """The phases above a risk event, phase or activity, innermost first, then its process (last)."""
    found: list[str] = []
    current = node
    while cg.attrs(current)["kind"] != "process":
        rel = THREATENS if cg.attrs(current)["kind"] == "event" else PART_OF
        parents = [p for p in cg.targets(current, rel) if p not in found and p != node]
        if not parents:  # only in a catalogue with duplicate codes, which is refused anyway
            break
        current = parents[0]
        found.append(current)
    return found


def process_of(cg: CatalogGraph, node: str) -> str:
    """The process a phase, an activity or a risk event belongs to (the process itself for a process)."""
    holders = _holders(cg, node)
    return holders[-1] if holders else node


def event_measures(cg: CatalogGraph, event: str) -> list[tuple[str, str]]:
    """(measure, how it reaches the event) for each measure treating a risk event, by the most specific link.

    Sorted by how (event, phase, process, area, all) and then by measure.
    """
    holders = _holders(cg, event)
    process = holders[-1] if holders and cg.attrs(holders[-1])["kind"] == "process" else None
    return with_process_level(event_level_measures(cg, event, holders), process_level_measures(cg, process))


def event_level_measures(cg: CatalogGraph, event: str, holders: list[str] | None = None) -> list[tuple[str, str]]:
    """The part of :func:`event_measures` that only this event has: the measures linked to it or to a phase
    above it (``holders``: its :func:`_holders`, when the caller has them). Most events have none."""
    found = dict.fromkeys(cg.reached(event, TREATED_BY), VIA_EVENT)
    for holder in _holders(cg, event) if holders is None else holders:
        if cg.attrs(holder)["kind"] == "phase":
            for measure in cg.reached(holder, TREATED_BY):
                found.setdefault(measure, VIA_PHASE)
    return sorted(found.items(), key=_by_via)


def process_level_measures(cg: CatalogGraph, process: str | None) -> list[tuple[str, str]]:
    """The part of :func:`event_measures` that every event of ``process`` shares: the measures linked to the
    process, to one of its areas or to every process, sorted as there (None: an event without a process)."""
    found = dict(_process_level(cg, process)) if process is not None else {}
    for measure in cg.universal_measures():
        found.setdefault(measure, VIA_ALL)
    return sorted(found.items(), key=_by_via)


def with_process_level(event_level: list[tuple[str, str]],
                       process_level: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """:func:`event_measures` from its two parts: the event's own links first (they are more specific), then
    its process's for the measures not already there."""
    if not event_level:
        return list(process_level)
    own = {measure for measure, _ in event_level}
    return event_level + [link for link in process_level if link[0] not in own]


_VIA_RANK = {via: rank for rank, via in enumerate(VIA_ORDER)}


def _by_via(item: tuple[str, str]) -> tuple[int, str]:
    return _VIA_RANK[item[1]], item[0]


def _process_level(cg: CatalogGraph, process: str) -> list[tuple[str, str]]:
    """(measure, how) for the measures linked to a process or to its areas, the process's first (kept:
    every event of the process asks)."""
    def compute() -> list[tuple[str, str]]:
        found = dict.fromkeys(cg.reached(process, TREATED_BY), VIA_PROCESS)
        for area in areas_of(cg, process):
            for measure in cg.reached(area, TREATED_BY):
                found.setdefault(measure, VIA_AREA)
        return list(found.items())

    return cg.memo(process, "measures-via-process", compute)


def event_treated(cg: CatalogGraph, event: str, process_level_covers: bool = False) -> bool:
    """Whether a measure treats the event: linked to it or to its phase, or (when the method declares that
    process-level measures cover every event) to its process, its area or every process."""
    if process_level_covers:  # a measure of every process reaches every event: no need to walk the event's links
        return bool(cg.universal_measures()) or bool(event_measures(cg, event))
    # linked to the event or to a phase above it: its process's links are not looked at
    if cg.reached(event, TREATED_BY):
        return True
    return any(cg.attrs(holder)["kind"] == "phase" and cg.reached(holder, TREATED_BY) for holder in _holders(cg, event))


def area_references(cg: CatalogGraph) -> dict[str, str]:
    """Every way an area is written (its code, its reference ``cciaa:G``, ``anac:personale``) → the one a method must
    name it by (``scelta_bande.per_area``, as a process's ``area_codes`` hold it): its code in the primary taxonomy,
    its reference in another."""
    primary = cg.catalog.areas.tassonomia_principale
    named: dict[str, str] = {}
    for area in map(cg.obj, cg.nodes_of("area")):
        if area.tassonomia == primary:
            named[area.ref] = named[area.codice] = area.codice
        else:
            named[area.ref] = area.ref
    return named


def area_values(cg: CatalogGraph) -> dict[str, str]:
    """Every way an area is written (its code, its reference ``cciaa:G``) → the value a policy condition's ``area``
    holds for a process in it (:func:`primary_area`: the code of the process's area in the primary taxonomy, else of
    its first); "" for an area no process's ``area`` holds (another taxonomy's, where each process has a primary
    one, or an area no process is in yet): a real area, which no name is taken for."""
    held = {facts.area for facts in process_facts(cg).values()}
    values: dict[str, str] = {}
    for area in map(cg.obj, cg.nodes_of("area")):
        value = area.codice if area.codice in held else ""
        values[area.ref] = value
        values[area.codice] = values.get(area.codice) or value  # a code of two taxonomies: held if either is
    return values


def primary_area(cg: CatalogGraph, node: str) -> tuple[str, str, list[str]]:
    """A process's area in the primary taxonomy (code, class) and the codes of all its areas, primary first."""
    primary = cg.catalog.areas.tassonomia_principale
    areas = [cg.obj(a) for a in areas_of(cg, node)]
    codes = [a.codice for a in areas if a.tassonomia == primary] + [a.ref for a in areas if a.tassonomia != primary]
    main = next((a for a in areas if a.tassonomia == primary), areas[0] if areas else None)
    return (main.codice if main else ""), (main.classe if main else ""), codes


class ProcessFacts(NamedTuple):
    """What evaluation reads of a process in the linked catalogue (worked out once and kept)."""

    name: str
    measures: list[str]  # linked measure codes, sorted
    linked: list[Misura]  # the same measures
    area: str
    classe: str
    area_codes: list[str]


def process_facts(cg: CatalogGraph) -> dict[str, ProcessFacts]:
    """The facts of every process, by node, in one pass (kept with the graph, and stored with it in the cache of
    linked catalogues: read-only)."""
    def compute() -> dict[str, ProcessFacts]:
        measure_nodes = cg.nodes_of("measure")
        codes = {m: cg.code(m) for m in measure_nodes}
        models = {m: cg.obj(m) for m in measure_nodes}
        by_areas: dict[tuple[str, ...], tuple[str, str, list[str]]] = {}  # processes in the same areas share it
        facts = {}
        for node, measures in measures_by_process(cg).items():
            areas = tuple(areas_of(cg, node))
            area = by_areas.get(areas)
            if area is None:
                area = by_areas[areas] = primary_area(cg, node)
            facts[node] = ProcessFacts(cg.obj(node).nome, [codes[m] for m in measures],
                                       [models[m] for m in measures], *area)
        return facts

    return cg.memo("", "process-facts", compute)


def process_location(cg: CatalogGraph, process: str) -> Location:
    """Where a process (node) is written in processes.yaml, as :meth:`CatalogGraph.location` gave it when the
    catalogue was linked (in the file as it was loaded, even if it has changed on disk since)."""
    return Location(*process_places(cg)[process])


def process_places(cg: CatalogGraph) -> dict[str, tuple[str, int, int]]:
    """(path, line, column) of every process, by node: worked out while linking, when the files' positions are
    at hand, and kept with the graph. A finding on a process without answers is located there: reading a national
    catalogue's processes.yaml and its position index again for it took half a second and 355 MB."""
    def compute() -> dict[str, tuple[str, int, int]]:
        places = {}
        for node in cg.nodes_of("process"):
            where = cg.location(node)
            places[node] = (where.path, where.line, where.column)
        return places

    return cg.memo("", "process-places", compute)
