"""The administration's catalogue: file models, loading with precise errors, JSON Schemas."""

from riskengine.catalog.load import Catalog, load_catalog

__all__ = ["Catalog", "load_catalog"]
