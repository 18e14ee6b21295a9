"""GC pause around the bulk stages: Python's cyclic garbage collector kept out of them (measured).

Loading, validating and linking a catalogue, and building the result, allocate millions of
long-lived containers and no garbage cycles; the collector's repeated scans of that growing heap
took more time than the work itself (YAML composition 4× slower, large assessments 2× slower).

``paused()`` switches the collector off for such a stage. On leaving it, what the stage allocated
joins the oldest generation without being scanned (``gc.freeze()`` then ``gc.unfreeze()``, two
constant-time list moves); otherwise the first allocation afterwards would scan it all at once.
The collector still counts it as new to that generation, so a stage that follows and allocates many
containers sets off one full collection of the whole heap (after a national assessment, 1.8 s): such
a stage pauses too (the history store in ``api.assess``).
``collecting()``, inside ``paused()``, is for a stage that does make garbage cycles (the
durable-rules host creates some for every action it runs): the collector stays off, and one
collection at the end of the block frees them, with everything allocated before set aside
(``gc.freeze``) so that it scans only what the stage made, once (the collector running during the
stage would rescan its growing survivors hundreds of times).

Both are re-entrant and restore the collector's state. When objects are already frozen by someone
else (``gc.get_freeze_count()``), they only switch the collector off and on, and never unfreeze.

This module is the only place that touches the collector, and it is used at the edges of stages
only (``load_yaml``, the lazy composition of a file's positions, ``validate_document``,
``load_catalog``, ``build_graph``, ``check_integrity``, ``pipeline.assess``, the history store's
reading and recording in ``api.assess``, reading a result and building its view for the annex,
writing the XLSX annex; ``collecting()`` around each run of the durable-rules engine), never inside
the domain's loops.
``bench/stages.py`` times the stages the same way.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_collect_inside: list[bool] = []  # per open paused(): may collecting() turn the collector on?


@contextmanager
def paused() -> Iterator[None]:
    """The collector off for the block (reference counting still frees memory)."""
    was_enabled = gc.isenabled()
    own = not gc.get_freeze_count()
    gc.disable()
    _collect_inside.append(was_enabled and own)
    try:
        yield
    finally:
        _collect_inside.pop()
        if own:
            gc.freeze()  # move everything, young objects included, out of the generations...
            gc.unfreeze()  # ...and back into the oldest one: no scan of what the block allocated
        if was_enabled:
            gc.enable()


@contextmanager
def collecting() -> Iterator[None]:
    """Inside ``paused()``: collect the garbage made in the block at its end, never scanning older objects."""
    if not (_collect_inside and _collect_inside[-1]) or gc.get_freeze_count():
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        try:
            gc.collect()
        finally:
            gc.unfreeze()  # never left frozen, whatever a finalizer run by the collection raises
