"""Serialise the catalogue graph for other tools (GraphML, DOT, node-link JSON)."""

from __future__ import annotations

import io
import json

import networkx as nx

from riskengine.graph.build import FILE_OF_KIND, CatalogGraph

FORMATS = ("graphml", "dot", "json")


def _plain(cg: CatalogGraph) -> nx.MultiDiGraph:
    """A copy with scalar attributes only, nodes and edges in sorted order."""
    plain = nx.MultiDiGraph()
    for node in sorted(cg.graph.nodes):
        data = cg.graph.nodes[node]
        plain.add_node(node, kind=data["kind"], code=data["code"], label=data["label"],
                       file=FILE_OF_KIND[data["kind"]])
    for u, v, rel in sorted(cg.graph.edges(keys=True)):
        plain.add_edge(u, v, key=rel, rel=rel)
    return plain


def _dot_quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def export(cg: CatalogGraph, fmt: str) -> str:
    """Return the graph as text in ``fmt`` (graphml, dot or json)."""
    plain = _plain(cg)
    if fmt == "json":
        data = nx.node_link_data(plain, edges="edges")
        return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    if fmt == "graphml":
        buffer = io.BytesIO()
        nx.write_graphml(plain, buffer, encoding="utf-8")
        return buffer.getvalue().decode("utf-8")
    if fmt == "dot":
        lines = ["digraph catalogo {", "  rankdir=LR;"]
        for node, data in plain.nodes(data=True):
            label = data["label"] if len(data["label"]) <= 40 else data["label"][:39].rstrip() + "…"  # said cut
            lines.append(f"  {_dot_quote(node)} [label={_dot_quote(data['code'] + ' ' + label)}, "
                         f"kind={_dot_quote(data['kind'])}];")
        for u, v, rel in plain.edges(data="rel"):
            lines.append(f"  {_dot_quote(u)} -> {_dot_quote(v)} [label={_dot_quote(rel)}];")
        lines.append("}")
        return "\n".join(lines) + "\n"
    raise ValueError(f"unknown graph format '{fmt}': expected one of {', '.join(FORMATS)}")
