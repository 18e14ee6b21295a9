"""The catalogue as a typed graph: who is responsible for what, integrity checks, per-unit views."""

from riskengine.graph.build import CatalogGraph, build_graph
from riskengine.graph.integrity import RULES, check_integrity

__all__ = ["RULES", "CatalogGraph", "build_graph", "check_integrity"]
