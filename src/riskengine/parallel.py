"""How many processes a stage may run at once, from what size it runs them, and whether it may fork them.

The PDF's parts (``riskengine.report.pdf_parts``) and the shards of an evaluation (``riskengine.shards``) each
have a variable for the number of processes and one for the size from which they are used; both read them here,
so that they are understood the same way.

Workers are forked (they inherit what this process loaded) only when no other thread runs: a fork copies the
locks other threads may hold, and a worker could wait on one forever. A thread that can stop for a moment (the
terminal's progress display, redrawing) is declared with :func:`pausable`; it does not count, and
:func:`forking`, where workers are started, stops it (and holds Ctrl-C back) meanwhile.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import Protocol


def cores(variable: str) -> int:
    """The processes to use: the positive integer in ``variable``, else the cores this process may use."""
    configured = os.environ.get(variable, "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def size_from(variable: str, default: int) -> int:
    """From what size a stage runs in several processes: the integer in ``variable`` (0: never), else ``default``."""
    configured = os.environ.get(variable, "").strip()
    return int(configured) if configured.isdigit() else default


class Pausable(Protocol):
    """A thread of this process that stops while workers are forked (see the module's docstring)."""

    def running(self) -> bool:
        """Whether the thread runs now."""

    def paused(self) -> AbstractContextManager[None]:
        """The thread stopped (its locks released) while inside, running again after."""


_pausable: list[Pausable] = []


@contextmanager
def pausable(thread: Pausable) -> Iterator[None]:
    """``thread`` declared while inside: :func:`may_fork` does not count it, :func:`forking` stops it."""
    _pausable.append(thread)
    try:
        yield
    finally:
        _pausable.remove(thread)


def may_fork() -> bool:
    """Whether workers may be forked: the platform forks, and no thread runs here but this one and declared ones."""
    import multiprocessing
    import threading

    declared = len({id(thread) for thread in _pausable if thread.running()})  # one declared twice is one thread
    return "fork" in multiprocessing.get_all_start_methods() and threading.active_count() - declared == 1


@contextmanager
def forking() -> Iterator[None]:
    """Start workers inside (forked or spawned): Ctrl-C held back and the declared threads stopped.

    Ctrl-C reaches the whole process group: a worker started but not yet ignoring it would stop with a traceback,
    and one started but not yet counted by its parent would be left running. Held back here, it is delivered on
    leaving, once the workers are counted; a worker inherits the mask and lets it through once it ignores it.
    """
    import signal

    held = signal.pthread_sigmask(signal.SIG_BLOCK, [])  # read first: blocking may raise a pending Ctrl-C
    try:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        with ExitStack() as stack:
            for thread in list(_pausable):
                stack.enter_context(thread.paused())
            yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
