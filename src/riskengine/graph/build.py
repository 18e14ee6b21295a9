"""Build the networkx graph of a catalogue, resolving every reference and recording what fails.

Node ids are ``kind:code`` (areas: ``area:tassonomia:codice``). Edges are keyed by their type,
``rel`` (``graph.edges(keys=True)``): part-of, in-area, owned-by, threatens, enabled-by, treated-by,
responsible-for, supports, crosswalk, transmits, publishes (publication obligations); one edge per
type between two nodes, and no edge attributes (the key says it all, and a national catalogue has
millions of edges). Dangling references and
duplicate codes are recorded, not raised: the integrity rules report them with every other finding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cached_property, partial
from typing import TYPE_CHECKING, Any, TypeVar

from riskengine.catalog.load import Catalog
from riskengine.catalog.models import EventoRischioso, Fase, Processo
from riskengine.errors import Location
from riskengine.gcpause import paused
from riskengine.i18n import said
from riskengine.suggest import SUGGESTED_AT_MOST, closest, did_you_mean

if TYPE_CHECKING:
    import networkx as nx

_T = TypeVar("_T")

PART_OF = "part-of"
IN_AREA = "in-area"
OWNED_BY = "owned-by"
THREATENS = "threatens"
ENABLED_BY = "enabled-by"
TREATED_BY = "treated-by"
RESPONSIBLE_FOR = "responsible-for"
SUPPORTS = "supports"
CROSSWALK = "crosswalk"
TRANSMITS = "transmits"  # a unit or role transmits the data of a publication obligation
PUBLISHES = "publishes"  # a unit or role publishes them

# The catalogue file that defines each kind of node (not stored per node: five keys fit networkx's
# smallest attribute dict, 88 bytes less per node of a national catalogue).
FILE_OF_KIND = {"factor": "factors.yaml", "area": "areas.yaml", "unit": "units.yaml", "role": "units.yaml",
                "process": "processes.yaml", "phase": "processes.yaml", "event": "processes.yaml",
                "measure": "measures.yaml", "obligation": "trasparenza.yaml"}


@dataclass(frozen=True)
class Defect:
    """A reference or code problem found while building the graph (reported by integrity rules)."""

    rule: str
    location: Location
    message: str
    hint: str = ""
    subject: str = ""
    key: str = ""  # the message's key and values in the catalogue (riskengine.i18n)
    args: tuple[tuple[str, str], ...] = ()
    hint_key: str = ""
    unknown: str = ""  # the code a reference names that names nothing (Problem.unknown)


@dataclass
class CatalogGraph:
    """The catalogue graph plus the defects found while linking it.

    Built once and not changed afterwards (networkx's public API only): node ids by kind, the
    adjacency dicts and the measures that apply to every process are read once and kept. Those dicts
    are its :meth:`parts`: riskengine.graph.cache stores them, not the networkx object, so a run that
    reads the catalogue back and asks only this class's questions (``check``, ``assess``) does not
    import networkx (a tenth of a second); ``graph`` is rebuilt from them when first asked for.
    """

    catalog: Catalog
    graph: nx.MultiDiGraph = field(repr=False, compare=False)
    defects: list[Defect] = field(default_factory=list)
    _by_kind: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _memo: dict[tuple[str, str], Any] = field(default_factory=dict, repr=False)
    # The key of its files in riskengine.graph.cache (set by ``linked``; None when not cached): caches of what is
    # validated against this catalogue (its assessments) include it in theirs.
    files_key: str | None = field(default=None, repr=False, compare=False)

    def __contains__(self, node: object) -> bool:
        """True when ``node`` (``kind:code``) is in the graph."""
        return node in self._attrs

    def nodes_of(self, kind: str) -> list[str]:
        """Node ids of one kind, sorted (indexed once: the graph is not changed after building)."""
        if not self._by_kind:
            for node, data in self._attrs.items():
                self._by_kind.setdefault(data["kind"], []).append(node)
            for nodes in self._by_kind.values():
                nodes.sort()
        return list(self._by_kind.get(kind, ()))

    def attrs(self, node: str) -> dict[str, Any]:
        """The attribute dict of a node (kind, code, label, obj, path); read-only."""
        return self._attrs[node]

    def code(self, node: str) -> str:
        """The code of a node."""
        return self._attrs[node]["code"]

    def obj(self, node: str) -> Any:
        """The catalogue model behind a node."""
        return self._attrs[node]["obj"]

    @cached_property
    def _attrs(self) -> dict[str, dict[str, Any]]:
        """Node -> its attribute dict (the dicts ``graph.nodes(data=True)`` yields), read without a
        view object per question: evaluation and the result ask for codes and models millions of times."""
        return dict(self.graph.nodes(data=True))

    def location(self, node: str, *keys: Any, key: bool = False) -> Location:
        """Where a node (or one of its keys) is written."""
        data = self._attrs[node]
        return self.catalog.locate(FILE_OF_KIND[data["kind"]], data["path"] + keys, key=key)

    def targets(self, node: str, rel: str) -> list[str]:
        """Nodes reached from ``node`` by edges of type ``rel``, sorted."""
        return sorted([v for v, keys in self._successors[node].items() if rel in keys])

    def reached(self, node: str, rel: str) -> list[str]:
        """Nodes reached from ``node`` by edges of type ``rel``, in adjacency order (for callers that
        gather them into a set: sorting each list first is most of the cost of such a union)."""
        return [v for v, keys in self._successors[node].items() if rel in keys]

    def sources(self, node: str, rel: str) -> list[str]:
        """Nodes with an edge of type ``rel`` into ``node``, sorted."""
        return sorted([u for u, keys in self._predecessors[node].items() if rel in keys])

    @cached_property
    def _successors(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Node -> {successor: {rel: edge attributes}}: the dicts ``graph.adjacency()`` yields.

        Read without a view object per question: evaluation asks several for every process, phase
        and event, and through ``graph.succ[node]`` they cost three times as much.
        """
        return dict(self.graph.adjacency())

    @cached_property
    def _predecessors(self) -> dict[str, dict[str, dict[str, Any]]]:
        """Node -> {predecessor: {rel: edge attributes}}, as ``_successors`` (of the reverse view)."""
        import networkx as nx

        return dict(nx.reverse_view(self.graph).adjacency())

    def parts(self) -> tuple[Any, ...]:
        """The catalogue graph without its networkx object, as :meth:`read_back` takes it: the same objects, except
        that the edges' ``{rel: attributes}`` dicts without attributes are one shared dict per set of ``rel``s.

        The graph is read only once built, and those dicts are most of its adjacency: on a national catalogue
        (1.7 million edges) about 430 MB of identical dicts, where a stored entry now holds a few.
        """
        self.nodes_of("")
        shared: dict[tuple[str, ...], dict[str, dict[str, Any]]] = {}
        return (self.catalog, self.defects, self._by_kind, self._memo, self._attrs,
                _sharing_keys(self._successors, shared), _sharing_keys(self._predecessors, shared))

    @classmethod
    def read_back(cls, catalog: Catalog, defects: list[Defect], by_kind: dict[str, list[str]],
                  memo: dict[tuple[str, str], Any], attrs: dict[str, dict[str, Any]],
                  successors: dict[str, dict[str, dict[str, Any]]],
                  predecessors: dict[str, dict[str, dict[str, Any]]]) -> CatalogGraph:
        """The catalogue graph of :meth:`parts`; its ``graph`` is rebuilt when first asked for."""
        cg = cls.__new__(cls)
        cg.__dict__.update(catalog=catalog, defects=defects, _by_kind=by_kind, _memo=memo, _attrs=attrs,
                           _successors=successors, _predecessors=predecessors)
        return cg

    def __getattr__(self, name: str) -> Any:
        # Only reached for an attribute not set: ``graph`` of a catalogue graph made by read_back.
        if name != "graph" or "_successors" not in self.__dict__:
            raise AttributeError(name)
        import networkx as nx

        graph = nx.MultiDiGraph()
        graph.add_nodes_from(self._attrs.items())
        graph.add_edges_from((u, v, rel, data) for u, targets in self._successors.items()
                             for v, rels in targets.items() for rel, data in rels.items())
        # From now on the questions are answered from this graph's own dicts, as for a graph built here
        # (same nodes, attributes and successors in the same order; predecessors are only read sorted).
        self.__dict__.update(graph=graph, _attrs=dict(graph.nodes(data=True)), _successors=dict(graph.adjacency()))
        del self.__dict__["_predecessors"]
        return graph

    def duplicates(self) -> list[Defect]:
        """The ``duplicate-code`` defects: each code written twice, at its second definition."""
        return [d for d in self.defects if d.rule == "duplicate-code"]

    def memo(self, node: str, question: str, compute: Callable[[], _T]) -> _T:
        """The answer to ``question`` about ``node``, computed once: the graph does not change after
        building, and evaluation and the result ask the same questions several times per process.

        The cached answer itself is returned: callers copy a mutable one before handing it out.
        """
        key = (node, question)
        if key in self._memo:
            return self._memo[key]
        found = self._memo[key] = compute()
        return found

    def universal_measures(self) -> list[str]:
        """Measures that apply to every process (``tratta: {tutti: true}``), sorted."""
        return list(self.memo("", "universal-measures",
                              lambda: [n for n in self.nodes_of("measure") if self.obj(n).tratta.tutti]))


def _sharing_keys(adjacency: dict[str, dict[str, dict[str, Any]]],
                  shared: dict[tuple[str, ...], dict[str, dict[str, Any]]]) -> dict[str, dict[str, dict[str, Any]]]:
    """``adjacency`` with each ``{rel: {}}`` of edges without attributes replaced by the one in ``shared``, and
    each node it reaches named by the node's own id (an edge's end is the text it was linked with: one copy per
    edge, a national catalogue's enabling factors alone a few million)."""
    ids = {node: node for node in adjacency}

    def keys_of(keys: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        if any(keys.values()):  # an edge with attributes keeps its own
            return keys
        found = shared.get(signature := tuple(keys))
        if found is None:
            found = shared[signature] = {rel: {} for rel in keys}
        return found

    return {node: {ids[other]: keys_of(keys) for other, keys in targets.items()}
            for node, targets in adjacency.items()}


# The kinds of node a reference may name, by the words its message names them with (``Builder.dangling``).
REFERRED_KINDS = {"taxonomy": (), "area": ("area",), "unit": ("unit",), "unit or role": ("unit", "role"),
                  "enabling factor": ("factor",), "process or phase": ("process", "phase"), "risk event": ("event",)}


def after_duplicates(duplicates: list[Defect], kinds: tuple[str, ...], looks_like: Callable[[], str | None], *,
                     primary: str = "") -> dict[str, Any]:
    """The hint of a reference to no code of ``kinds`` while ``duplicates`` (``duplicate-code`` defects) has codes of
    those kinds: that the reference may name the former code of one (a code changed by a rename into another's),
    and to fix the duplicate first. ``looks_like()``: the code the reference looks like, None for none (asked only
    when a duplicate is of ``kinds``; an area of the ``primary`` taxonomy may be it by its code alone, G for
    cciaa:G). When it is not one written twice, the hint proposes it too, as a typo of that code: which of the two
    the reference is cannot be told (C1.1.1 renamed C1.1.6 looks as much like G1.1.1). Empty when no duplicate is
    of ``kinds``.

    The values go with the reference's own message (:func:`riskengine.i18n.said`): ``hint_key`` and its values.
    """
    found = [d for d in duplicates if d.subject.split(":", 1)[0] in kinds]
    if not found:
        return {}
    codes = list(dict.fromkeys(dict(d.args)["codice"] for d in found))
    meant = looks_like()
    as_coded = f"{primary}:{meant}" if primary and meant is not None and ":" not in meant else meant
    also = {} if meant is None or as_coded in codes else {"proposta": meant}
    prefix = "forse_o_" if also else ""
    if len(found) == 1:
        return {"hint_key": f"problemi.suggerimento.{prefix}dopo_duplicato", "duplicato": codes[0],
                "dove_duplicato": str(found[0].location), **also}
    return {"hint_key": f"problemi.suggerimento.{prefix}dopo_duplicati",
            "duplicati": ", ".join(f"'{c}'" for c in codes[:5]) + (", …" if len(codes) > 5 else ""), **also}


def walk_processes(processes: list[Processo]) -> Iterator[tuple[str, Any, tuple, str | None]]:
    """Yield (kind, model, path in processes.yaml, parent code) for processes, phases and events."""
    def phases(items: list[Fase], base: tuple, parent: str) -> Iterator[tuple[str, Any, tuple, str | None]]:
        for j, fase in enumerate(items):
            path = base + ("fasi", j)
            yield "phase", fase, path, parent
            yield from events(fase.eventi, path, fase.codice)
            yield from phases(fase.fasi, path, fase.codice)

    def events(items: list[EventoRischioso], base: tuple, parent: str) -> Iterator[tuple[str, Any, tuple, str | None]]:
        for k, evento in enumerate(items):
            yield "event", evento, base + ("eventi", k), parent

    for i, proc in enumerate(processes):
        path = ("processi", i)
        yield "process", proc, path, None
        yield from events(proc.eventi, path, proc.codice)
        yield from phases(proc.fasi, path, proc.codice)


class _Builder:
    def __init__(self, catalog: Catalog) -> None:
        self.cat = catalog
        import networkx as nx

        self.g = nx.MultiDiGraph()
        self.links: list[tuple[str, str, str]] = []  # (u, v, rel): added once every node is in
        self.defects: list[Defect] = []
        self.area_index: dict[str, str] = {}
        self.party_index: dict[str, str] = {}
        self.item_index: dict[str, str] = {}
        self.suggested = 0  # dangling references given a suggestion so far
        self.duplicates: list[Defect] = []  # the duplicate codes found so far, each at its second definition
        self.lookalikes: dict[tuple[str, str, str], str | None] = {}  # while there are: what a reference looks like
        self.items_of: dict[tuple[str, ...], list[str]] = {}  # the codes of items of some kinds, once worked out

    def add(self, node: str, kind: str, code: str, label: str, obj: Any, path: tuple) -> bool:
        if node in self.g:
            first = self.g.nodes[node]
            where = self.cat.locate(FILE_OF_KIND[first["kind"]], first["path"])
            worded = said(self.cat.locate(FILE_OF_KIND[kind], path + ("codice",)), "problemi.codice_duplicato",
                          hint_key="problemi.suggerimento.codici_unici", genere_chiave=f"problemi.genere.{kind}",
                          genere=kind, codice=code, dove=where)
            self.duplicates.append(Defect("duplicate-code", worded.location, worded.message, hint=worded.hint,
                                          subject=node, key=worded.key, args=worded.args, hint_key=worded.hint_key))
            self.defects.append(self.duplicates[-1])
            return False
        self.g.add_node(node, kind=kind, code=code, label=label, obj=obj, path=path)
        return True

    def edge(self, u: str, v: str, rel: str) -> None:
        """Link ``u -rel-> v``, two nodes already added."""
        self.links.append((u, v, rel))

    def dangling(self, file: str, path: tuple, what: str, ref: str, pool: Callable[[], list[str]],
                 subject: str) -> None:
        """A reference to nothing; the first ``SUGGESTED_AT_MOST`` of a catalogue say which code of ``pool`` (worked
        out only then) they may mean. While a code of the kinds it may name is written twice, it says that it may be
        that code's former one, and the code it looks like when that is another (:func:`after_duplicates`)."""
        genere: dict[str, Any] = {"genere_chiave": "problemi.genere." + what.replace(" ", "_"), "genere": what,
                                  "riferimento": ref}
        follows = after_duplicates(self.duplicates, REFERRED_KINDS[what], lambda: self.meant(file, what, ref, pool),
                                   primary=self.cat.areas.tassonomia_principale if what == "area" else "")
        if follows:
            worded = said(self.cat.locate(file, path), "problemi.riferimento_sconosciuto", **genere, **follows)
        else:
            self.suggested += 1
            hint = did_you_mean(ref, pool()) if self.suggested <= SUGGESTED_AT_MOST else ""
            worded = said(self.cat.locate(file, path), "problemi.riferimento_sconosciuto", hint=hint, **genere)
        self.defects.append(Defect("dangling-reference", worded.location, worded.message, hint=worded.hint,
                                   subject=subject, key=worded.key, args=worded.args, hint_key=worded.hint_key,
                                   unknown=ref))

    def meant(self, file: str, what: str, ref: str, pool: Callable[[], list[str]]) -> str | None:
        """The code of ``pool`` a reference to nothing looks like, worked out once per code referred to in a file (a
        file's references of a kind share their pool): a former code is named again and again, and each of the first
        ``SUGGESTED_AT_MOST`` codes is one scan."""
        key = (file, what, ref)
        if key not in self.lookalikes:
            self.suggested += 1
            self.lookalikes[key] = closest(ref, pool()) if self.suggested <= SUGGESTED_AT_MOST else None
        return self.lookalikes[key]

    def resolve_area(self, ref: str) -> str | None:
        if ":" not in ref:
            ref = f"{self.cat.areas.tassonomia_principale}:{ref}"
        return self.area_index.get(ref)

    def build(self) -> CatalogGraph:
        self.areas()
        self.parties()
        for i, fattore in enumerate(self.cat.factors.fattori):
            self.add(f"factor:{fattore.codice}", "factor", fattore.codice, fattore.nome, fattore,
                     ("fattori", i))
        self.processes()
        self.measures()
        self.obligations()
        # Edges after nodes: the node attribute dicts stay together in memory, which makes every
        # later walk over the nodes faster (measured). One add_edge per link: add_edges_from goes
        # through a view per edge in a multigraph and costs half as much again.
        add_edge = self.g.add_edge
        for u, v, rel in self.links:
            add_edge(u, v, rel)  # keyed by rel: the same link twice is one edge
        return CatalogGraph(self.cat, self.g, self.defects)

    def areas(self) -> None:
        af = self.cat.areas
        taxonomies = {t.codice for t in af.tassonomie}
        if af.tassonomia_principale not in taxonomies:
            self.dangling("areas.yaml", ("tassonomia_principale",), "taxonomy", af.tassonomia_principale,
                          lambda: sorted(taxonomies), "")
        for i, area in enumerate(af.aree):
            node = f"area:{area.ref}"
            if self.add(node, "area", area.ref, area.nome, area, ("aree", i)):
                self.area_index[area.ref] = node
            if area.tassonomia not in taxonomies:
                self.dangling("areas.yaml", ("aree", i, "tassonomia"), "taxonomy", area.tassonomia,
                              lambda: sorted(taxonomies), node)
        for i, link in enumerate(af.corrispondenze):
            ends = []
            for key in ("da", "a"):
                ref = getattr(link, key)
                target = self.resolve_area(ref)
                if target is None:
                    self.dangling("areas.yaml", ("corrispondenze", i, key), "area", ref,
                                  lambda: sorted(self.area_index), "")
                else:
                    ends.append(target)
            if len(ends) == 2:
                self.edge(ends[0], ends[1], CROSSWALK)

    def parties(self) -> None:
        uf = self.cat.units
        # A unit or role whose code is written twice is the first's node. The second's name names it too (a
        # reference to it names something that exists: the duplicate is the one fault); its padre or unita is
        # checked, not linked to the first (a unit renamed to its padre's code would be a cycle of one).
        units = [self.add(f"unit:{u.codice}", "unit", u.codice, u.nome, u, ("unita", i))
                 for i, u in enumerate(uf.unita)]
        for unita in uf.unita:
            self.party_index.setdefault(unita.codice, f"unit:{unita.codice}")
            self.party_index.setdefault(unita.nome, f"unit:{unita.codice}")
        roles = [self.add(f"role:{r.codice}", "role", r.codice, r.nome, r, ("ruoli", i))
                 for i, r in enumerate(uf.ruoli)]
        for ruolo in uf.ruoli:
            self.party_index.setdefault(ruolo.codice, f"role:{ruolo.codice}")
            self.party_index.setdefault(ruolo.nome, f"role:{ruolo.codice}")
        for i, (unita, added) in enumerate(zip(uf.unita, units, strict=True)):
            if unita.padre is not None:
                parent = self.party_unit(unita.padre, ("unita", i, "padre"), f"unit:{unita.codice}")
                if parent and added:
                    self.edge(f"unit:{unita.codice}", parent, PART_OF)
        for i, (ruolo, added) in enumerate(zip(uf.ruoli, roles, strict=True)):
            if ruolo.unita is not None:
                unit = self.party_unit(ruolo.unita, ("ruoli", i, "unita"), f"role:{ruolo.codice}")
                if unit and added:
                    self.edge(f"role:{ruolo.codice}", unit, PART_OF)

    def party_unit(self, ref: str, path: tuple, subject: str) -> str | None:
        node = self.party_index.get(ref)
        if node is None or not node.startswith("unit:"):
            units = self.cat.units.unita
            self.dangling("units.yaml", path, "unit", ref, lambda: [u.codice for u in units] + [u.nome for u in units],
                          subject)
            return None
        return node

    def party(self, file: str, path: tuple, ref: str, subject: str) -> str | None:
        node = self.party_index.get(ref)
        if node is None:
            self.dangling(file, path, "unit or role", ref, lambda: sorted(self.party_index), subject)
        return node

    def processes(self) -> None:
        factor_codes = sorted(f.codice for f in self.cat.factors.fattori)
        for kind, obj, path, parent in walk_processes(self.cat.processes.processi):
            node = f"{kind}:{obj.codice}"
            label = obj.descrizione if kind == "event" else obj.nome
            if not self.add(node, kind, obj.codice, label, obj, path):
                continue
            self.item_index[obj.codice] = node
            if parent is not None:
                parent_node = self.item_index[parent]
                self.edge(node, parent_node, THREATENS if kind == "event" else PART_OF)
            if kind == "process":
                for j, ref in enumerate(obj.aree):
                    area = self.resolve_area(ref)
                    if area is None:
                        self.dangling("processes.yaml", path + ("aree", j), "area", ref, self.area_codes, node)
                    else:
                        self.edge(node, area, IN_AREA)
                if obj.unita is not None:
                    owner = self.party("processes.yaml", path + ("unita",), obj.unita, node)
                    if owner:
                        self.edge(node, owner, OWNED_BY)
            if kind == "event":
                for j, ref in enumerate(obj.fattori):
                    if f"factor:{ref}" in self.g:
                        self.edge(node, f"factor:{ref}", ENABLED_BY)
                    else:
                        self.dangling("processes.yaml", path + ("fattori", j), "enabling factor", ref,
                                      lambda: factor_codes, node)

    def measures(self) -> None:
        for i, misura in enumerate(self.cat.measures.misure):
            node = f"measure:{misura.codice}"
            path = ("misure", i)
            if not self.add(node, "measure", misura.codice, misura.nome, misura, path):
                continue
            if misura.responsabile is not None:
                lead = self.party("measures.yaml", path + ("responsabile",), misura.responsabile, node)
                if lead:
                    self.edge(lead, node, RESPONSIBLE_FOR)
            for j, ref in enumerate(misura.responsabili):
                lead = self.party("measures.yaml", path + ("responsabili", j), ref, node)
                if lead:
                    self.edge(lead, node, RESPONSIBLE_FOR)
            for j, ref in enumerate(misura.supporto):
                helper = self.party("measures.yaml", path + ("supporto", j), ref, node)
                if helper:
                    self.edge(helper, node, SUPPORTS)
            self.treats(misura, node, path)

    def obligations(self) -> None:
        transparency = self.cat.transparency
        for i, obbligo in enumerate(transparency.obblighi if transparency else []):
            node = f"obligation:{obbligo.codice}"
            path = ("obblighi", i)
            if not self.add(node, "obligation", obbligo.codice, obbligo.denominazione, obbligo, path):
                continue
            for key, rel in (("trasmissione", TRANSMITS), ("pubblicazione", PUBLISHES)):
                ref = getattr(obbligo, key)
                if ref is not None:
                    owner = self.party("trasparenza.yaml", path + (key,), ref, node)
                    if owner:
                        self.edge(owner, node, rel)

    def area_codes(self) -> list[str]:
        """The areas a process may name: by reference (``taxonomy:code``), or by code in the primary taxonomy."""
        primary = self.cat.areas.tassonomia_principale
        return sorted(self.area_index) + [a.codice for a in self.cat.areas.aree if a.tassonomia == primary]

    def items_of_kinds(self, kinds: tuple[str, ...]) -> list[str]:
        """The codes of the processes, phases or events of ``kinds`` (once: every wrong reference asks)."""
        found = self.items_of.get(kinds)
        if found is None:
            found = self.items_of[kinds] = [c for c, n in self.item_index.items() if self.g.nodes[n]["kind"] in kinds]
        return found

    def treats(self, misura: Any, node: str, path: tuple) -> None:
        tratta = misura.tratta
        for j, ref in enumerate(tratta.aree):
            area = self.resolve_area(ref)
            if area is None:
                self.dangling("measures.yaml", path + ("tratta", "aree", j), "area", ref,
                              lambda: sorted(self.area_index), node)
            else:
                self.edge(area, node, TREATED_BY)
        for key, kinds in (("processi", ("process", "phase")), ("eventi", ("event",))):
            for j, ref in enumerate(getattr(tratta, key)):
                target = self.item_index.get(ref)
                if target is None or self.g.nodes[target]["kind"] not in kinds:
                    what = "process or phase" if key == "processi" else "risk event"
                    self.dangling("measures.yaml", path + ("tratta", key, j), what, ref,
                                  partial(self.items_of_kinds, kinds), node)
                else:
                    self.edge(target, node, TREATED_BY)


def build_graph(catalog: Catalog) -> CatalogGraph:
    """Link a loaded catalogue into a typed graph, recording dangling references and duplicates."""
    with paused():  # a node and its edges per catalogue item, no garbage cycles (riskengine.gcpause)
        return _Builder(catalog).build()
