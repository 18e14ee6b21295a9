"""The catalogue graph's edges: one per type between two nodes, two types between the same nodes kept apart.

Edges are keyed by their type in networkx's multigraph (``add_edge(u, v, rel)``): a link written
twice in the catalogue is one edge, and a unit that both leads and supports a measure has two.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

from catalog_helpers import broken_copy, run_cli

from riskengine.catalog import load_catalog
from riskengine.graph import build_graph
from riskengine.graph import queries as q
from riskengine.suggest import SUGGESTED_AT_MOST

SRC = Path(__file__).resolve().parents[1] / "src" / "riskengine" / "graph"

# MS01 names process B2.1.1 twice, and its responsible unit PROVV also in supporto
EDITS = (
    ("measures.yaml", 'supporto: ["UO Compliance"]', 'supporto: ["UO Compliance", PROVV]'),
    ("measures.yaml", "tratta: {processi: [B2.1.1], eventi: [B2.1.1-E1]}",
     "tratta: {processi: [B2.1.1, B2.1.1], eventi: [B2.1.1-E1]}"),
)


def test_a_link_written_twice_is_one_edge_and_two_types_are_two_edges(tmp_path):
    catalog = broken_copy(tmp_path, *EDITS)
    result = run_cli("graph", str(catalog), "--format", "json")
    assert result.exit_code == 0
    edges = Counter((e["source"], e["target"], e["rel"]) for e in json.loads(result.stdout)["edges"])
    assert edges[("process:B2.1.1", "measure:MS01", "treated-by")] == 1
    assert edges[("unit:PROVV", "measure:MS01", "responsible-for")] == 1
    assert edges[("unit:PROVV", "measure:MS01", "supports")] == 1
    assert max(edges.values()) == 1

    cg = build_graph(load_catalog(catalog))
    assert q.measures_of(cg, "process:B2.1.1").count("measure:MS01") == 1
    assert cg.sources("measure:MS01", "responsible-for") == ["unit:PROVV"]
    assert cg.sources("measure:MS01", "supports") == ["unit:PROVV", "unit:UO-COMPL"]
    assert sorted(cg.graph["unit:PROVV"]["measure:MS01"]) == ["responsible-for", "supports"]


def test_the_unit_view_shows_a_measure_led_and_supported_by_the_same_unit(tmp_path):
    catalog = broken_copy(tmp_path, *EDITS)
    result = run_cli("show", str(catalog), "--unit", "PROVV")
    assert result.exit_code == 0
    assert result.stdout.count("MS01") == 2, result.stdout  # once as responsible, once as support


def test_the_graph_package_uses_only_networkx_public_api():
    private = re.compile(r"\._(node|adj|succ|pred)\b")
    for path in sorted(SRC.glob("*.py")):
        found = [line for line in path.read_text(encoding="utf-8").splitlines() if private.search(line)]
        assert not found, f"{path.name} reaches into networkx's private dicts: {found}"


def _scanned_party(cg, ref: str) -> str | None:
    """find_party as it was written first: by code, else the first unit, then role, in code order, with that name."""
    for kind in ("unit", "role"):
        if f"{kind}:{ref}" in cg:
            return f"{kind}:{ref}"
    return next((n for n in cg.nodes_of("unit") + cg.nodes_of("role") if cg.attrs(n)["label"] == ref), None)


def test_a_party_is_found_by_code_or_name_as_a_scan_finds_it(tmp_path):
    # The role DIR takes the name of a unit: the unit, first in the scan, is the one found.
    catalog = broken_copy(tmp_path, ("units.yaml", 'nome: "Dirigenti"', 'nome: "UO Compliance"'))
    cg = build_graph(load_catalog(catalog))
    assert cg.attrs("role:DIR")["label"] == cg.attrs("unit:UO-COMPL")["label"] == "UO Compliance"
    assert q.find_party(cg, "UO Compliance") == "unit:UO-COMPL"
    assert q.find_party(cg, "DIR") == "role:DIR"
    assert q.find_party(cg, "Segretario Generale") == "unit:SG"
    assert q.find_party(cg, "Nessuno") is None
    parties = cg.nodes_of("unit") + cg.nodes_of("role")
    refs = [cg.code(n) for n in parties] + [cg.attrs(n)["label"] for n in parties] + ["Nessuno", "", "unit:SG"]
    assert [q.find_party(cg, ref) for ref in refs] == [_scanned_party(cg, ref) for ref in refs]


def test_only_the_first_references_to_nothing_are_given_a_suggestion(tmp_path, monkeypatch):
    # each suggestion scans every code of its kind: a file of 3,000 mistyped references took 34 s on a catalogue of
    # 1,000 processes (hours at the size limit); every reference is still reported, at its place
    import riskengine.graph.build as build

    wrong = 3 * SUGGESTED_AT_MOST
    refs = ", ".join(f"B2.1.1x{i}" for i in range(wrong))
    catalog = broken_copy(tmp_path, ("measures.yaml", "tratta: {processi: [B2.1.1], eventi: [B2.1.1-E1]}",
                                     f"tratta: {{processi: [B2.1.1, {refs}], eventi: [B2.1.1-E1]}}"))
    asked = []
    monkeypatch.setattr(build, "did_you_mean", lambda word, pool: asked.append(word) or "did you mean 'B2.1.1'?")
    cg = build_graph(load_catalog(catalog))
    dangling = [d for d in cg.defects if d.rule == "dangling-reference"]
    assert len(dangling) == wrong and len(asked) == SUGGESTED_AT_MOST
    assert [bool(d.hint) for d in dangling] == [True] * SUGGESTED_AT_MOST + [False] * (wrong - SUGGESTED_AT_MOST)
    assert {d.location.line for d in dangling} == {31}
