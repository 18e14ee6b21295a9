"""Equal parts of a catalogue and of a result are one object: a national catalogue's assessment fits in memory.

The result is plain data nothing modifies (its JSON is the same either way: the golden files); these tests pin
that the sharing happens, on the bundled example.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from riskengine import pipeline
from riskengine.catalog.load import load_catalog
from riskengine.catalog.models import EventoRischioso
from riskengine.graph import build_graph
from riskengine.graph.build import _sharing_keys

EXAMPLE = Path(__file__).resolve().parent.parent / "catalogs" / "esempio-cciaa"


def test_equal_codes_and_texts_of_a_catalogue_are_one_object() -> None:
    # the same risk described in many processes, as a file writes it: a new text object each time it is read
    # (longer than the 64 characters pydantic's own cache of strings keeps)
    read = [" ".join(["Uso distorto del criterio dell'offerta economicamente più vantaggiosa", str(n % 2 + 1),
                      "finalizzato a favorire un'impresa"]) for n in range(4)]
    events = [EventoRischioso.model_validate({"codice": f"A{n % 2}-E{n}", "descrizione": text,
                                              "fattori": ["".join(["conflitto-di-interessi-", "x" * 64])]})
              for n, text in enumerate(read)]
    assert len({id(text) for text in read}) == 4
    assert len({id(e.descrizione) for e in events}) == 2  # one per distinct text
    assert len({id(e.fattori[0]) for e in events}) == 1
    assert [e.descrizione for e in events] == [text.strip() for text in read]


def test_a_stored_adjacency_names_each_node_by_its_own_id() -> None:
    cg = build_graph(load_catalog(EXAMPLE))
    stored = _sharing_keys(cg._successors, {})
    ids = {node: node for node in cg._attrs}
    reached = [other for targets in stored.values() for other in targets]
    assert len(reached) > 300
    assert all(other is ids[other] for other in reached)


def test_processes_with_equal_states_traces_and_rules_share_them() -> None:
    result = pipeline.assess(EXAMPLE)
    assessed = [p for p in result["processi"] if p["valutato"]]
    groups = defaultdict(list)
    for p in assessed:
        state = p["inerente"]
        groups[(state["rischio"], state["livello"], repr(state["traccia"]))].append(state)
    repeated = [states for states in groups.values() if len(states) > 1]
    assert repeated  # the example has processes scored alike
    assert all(len({id(s) for s in states}) == 1 for states in repeated)
    # every planned measure implemented: the monitored residual is the planned one
    same = [p for p in assessed if p["residuo_monitorato"] == p["residuo_programmato"]]
    assert same and all(p["residuo_monitorato"] is p["residuo_programmato"] for p in same)
    fired = defaultdict(list)
    for p in assessed:
        fired[tuple(p["regole_attivate"])].append(p["regole_attivate"])
    assert any(len(lists) > 1 for lists in fired.values())
    assert all(len({id(x) for x in lists}) == 1 for lists in fired.values())


def test_items_answered_alike_share_their_options(bench_s) -> None:
    assessment = pipeline._loaded(bench_s, None, None, "interpreter")[3]
    alike = defaultdict(list)
    for answers in assessment.answers.values():
        alike[tuple((name, option.codice, option.valore) for name, option in answers.options.items())].append(
            answers.options)
    assert len(alike) < sum(len(options) for options in alike.values())  # some processes answered alike
    assert all(len({id(o) for o in options}) == 1 for options in alike.values())
