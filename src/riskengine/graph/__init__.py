"""The catalogue as a typed graph: a :class:`Catalog` in, a :class:`CatalogGraph` and integrity findings out.

Who is responsible for what, integrity rules with stable codes, per-unit and per-process views.
"""

from riskengine.graph.build import CatalogGraph, build_graph
from riskengine.graph.integrity import RULES, check_integrity

__all__ = ["RULES", "CatalogGraph", "build_graph", "check_integrity"]
