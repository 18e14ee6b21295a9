"""riskengine: anticorruption risk assessment for Italian public administrations.

Pipeline: load (catalog/, rules/) -> link (graph/) -> evaluate (engine/) -> render (report/).
"""

__version__ = "0.1.0"
