"""The execution backends evaluation runs on: durable-rules or the direct interpreter, by name."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from riskengine.engine import DurableBackend, InterpreterBackend
from riskengine.errors import Location
from riskengine.i18n import refuse
from riskengine.method.compile import compile_method
from riskengine.method.load import Method

BACKENDS = ("durable", "interpreter")


class Backend(Protocol):
    """Runs the compiled rules of one stage over encoded facts; gives (rule id, fact id) per match."""

    name: str

    def run(self, stage: str, facts: Sequence[dict]) -> list[tuple[str, str]]: ...


# Compiling a method into durable-rules rulesets is the slow part of a run and the rulesets live for
# the process anyway: one backend per method content, location and kind.
_compiled: dict[tuple[str, str, str], Backend] = {}


def backend_for(method: Method, kind: str = "durable") -> Backend:
    """The backend ``kind`` (one of :data:`BACKENDS`) for a method, compiled once per process."""
    if kind not in BACKENDS:
        raise refuse(Location("--engine"), "cli.motore_sconosciuto", code="usage", motore=kind,
                     attesi=", ".join(BACKENDS))
    digests = "|".join(f"{name}:{digest}" for name, digest in sorted(method.digests.items()))
    key = (kind, digests, str(method.root.resolve()))
    found = _compiled.get(key)
    if found is None:
        rules = compile_method(method)
        backend: Backend = DurableBackend(rules) if kind == "durable" else InterpreterBackend(rules)
        found = _compiled[key] = backend
    return found
