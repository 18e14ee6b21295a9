"""Execution of compiled rules on durable-rules, behind a small, checked interface."""

from riskengine.engine.durable import DurableBackend, InterpreterBackend

__all__ = ["DurableBackend", "InterpreterBackend"]
