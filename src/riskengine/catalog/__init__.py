"""The administration's catalogue: a catalogue directory in, a validated :class:`Catalog` out.

Pydantic models of ente, areas, units, factors, processes and measures; loading that reports every
problem of every file at its file:line:col.
"""

from riskengine.catalog.load import Catalog, load_catalog

__all__ = ["Catalog", "load_catalog"]
