"""Execution of compiled rules: compiled rules and facts in, the rules each fact fired out.

The durable-rules backend executes them; the direct interpreter of the same condition trees is the
oracle of the differential tests and the source of per-condition explanations.
"""

from riskengine.engine.durable import DurableBackend, InterpreterBackend

__all__ = ["DurableBackend", "InterpreterBackend"]
