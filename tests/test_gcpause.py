"""The collector pauses of the bulk stages: state restored, cycles of a collecting stage freed."""

from __future__ import annotations

import gc
import weakref

from riskengine import gcpause


class _Node:
    def __init__(self) -> None:
        self.other = self


def test_paused_switches_the_collector_off_and_restores_it() -> None:
    assert gc.isenabled()
    with gcpause.paused():
        assert not gc.isenabled()
        with gcpause.paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    assert gc.get_freeze_count() == 0


def test_collecting_frees_the_cycles_of_its_block_at_the_end() -> None:
    with gcpause.paused():
        kept = _Node()
        with gcpause.collecting():
            assert not gc.isenabled()
            garbage = weakref.ref(_Node())
            assert garbage() is not None  # a cycle: reference counting alone does not free it
        assert garbage() is None
        assert not gc.isenabled()
        assert gc.get_freeze_count() == 0
    assert kept.other is kept
    assert gc.isenabled()


def test_collecting_outside_a_pause_leaves_the_collector_alone() -> None:
    with gcpause.collecting():
        assert gc.isenabled()
    assert gc.isenabled()
