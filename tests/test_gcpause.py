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


def test_assess_reads_and_records_the_history_with_the_collector_off(tmp_path, monkeypatch) -> None:
    # After a national assessment the heap holds the result and the catalogue; the snapshot's and earlier
    # years' dicts would make the collector scan all of it once (1.8 s on L), for no cycle to free.
    from catalog_helpers import MINI, REPO

    from riskengine import api
    from riskengine.history.store import Store

    seen: dict[str, bool] = {}
    section, record = api._history_section, Store.record

    def reading(*args, **kwargs):
        seen["storico"] = gc.isenabled()
        return section(*args, **kwargs)

    def recording(self, *args, **kwargs):
        seen["registrazione"] = gc.isenabled()
        return record(self, *args, **kwargs)

    monkeypatch.setattr(api, "_history_section", reading)
    monkeypatch.setattr(Store, "record", recording)
    api.assess(MINI, tmp_path / "out", rules_dir=REPO / "rules", formats=("json",),
               db=f"sqlite:///{tmp_path / 'storico.sqlite'}")
    assert seen == {"storico": False, "registrazione": False}
    assert gc.isenabled() and gc.get_freeze_count() == 0


def test_each_engine_run_frees_the_cycles_it_makes_inside_a_pause() -> None:
    # durable-rules' host makes garbage cycles for every action; each run frees its own, so that no collection
    # has to scan the evaluations (on L, 500 MB of them) to find them
    from catalog_helpers import MINI, REPO

    from riskengine.evaluate.evaluation import evaluate
    from riskengine.pipeline import _loaded

    with gcpause.paused():
        cg, _, method, assessment, runner = _loaded(MINI, None, REPO / "rules", "durable")
        gc.collect()
        evaluations = evaluate(cg, method, assessment, runner)
        assert evaluations and not gc.isenabled()
        assert gc.collect() == 0
