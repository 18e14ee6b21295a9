"""Progress of long stages: the stages say where they are, the command line decides how to show it.

A :class:`Progress` is called with a stage key (a message key ``avanzamento.<stage>`` of the
catalogue) when the stage starts; stages that go item by item call it again with ``done`` and
``total``. The library never prints: without a progress, nothing is reported.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Told where a long run is: ``stage`` started, or ``done`` of ``total`` items of it are through."""

    def __call__(self, stage: str, done: int = 0, total: int = 0) -> None:
        """Report the stage and, for stages with items, how many are through."""


def silent(stage: str, done: int = 0, total: int = 0) -> None:
    """A progress that shows nothing (the library's default)."""
