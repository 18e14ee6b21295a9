"""The settings of the stages that run in several processes: one reading for the PDF's parts and the shards."""

from __future__ import annotations

import os
import threading

import pytest

from riskengine import cli, parallel, shards
from riskengine.report import pdf_parts


@pytest.mark.parametrize("given, expected", [("3", 3), (" 2 ", 2), ("0", None), ("", None), ("due", None), ("-1", None)])
def test_cores_take_a_positive_count_or_the_cores_this_process_may_use(monkeypatch, given, expected):
    monkeypatch.setenv("RISKENGINE_X_WORKERS", given)
    assert parallel.cores("RISKENGINE_X_WORKERS") == (expected or len(os.sched_getaffinity(0)))


@pytest.mark.parametrize("given, expected", [("0", 0), ("120", 120), ("", 60), ("molti", 60), ("-5", 60)])
def test_the_size_from_which_a_stage_runs_in_several_processes(monkeypatch, given, expected):
    monkeypatch.setenv("RISKENGINE_X_FROM", given)
    assert parallel.size_from("RISKENGINE_X_FROM", 60) == expected


def test_the_pdf_and_the_shards_read_their_own_variables(monkeypatch):
    monkeypatch.setenv("RISKENGINE_PDF_WORKERS", "3")
    monkeypatch.setenv("RISKENGINE_SHARD_WORKERS", "5")
    monkeypatch.setenv("RISKENGINE_PDF_PARTS_FROM", "7")
    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "0")
    assert (pdf_parts.workers(), shards.workers(), pdf_parts.parts_from(), shards.shards_from()) == (3, 5, 7, 0)
    monkeypatch.delenv("RISKENGINE_PDF_PARTS_FROM")
    monkeypatch.delenv("RISKENGINE_SHARDS_FROM")
    assert (pdf_parts.parts_from(), shards.shards_from()) == (pdf_parts.MIN_PROCESSES, shards.MIN_PROCESSES)


class _Bar:
    """A progress display that counts its redraws."""

    def __init__(self) -> None:
        self.redrawn = threading.Event()

    def refresh(self) -> None:
        self.redrawn.set()


def test_the_progress_display_lets_workers_fork_and_stops_while_they_are_forked(monkeypatch):
    monkeypatch.setenv("RISKENGINE_SHARD_WORKERS", "2")
    monkeypatch.delenv("RISKENGINE_SHARDS_FROM", raising=False)
    bar = _Bar()
    redrawing = cli._Redrawing(bar)
    assert parallel.may_fork() and pdf_parts.start_method() == "fork"
    redrawing.start()
    try:
        assert bar.redrawn.wait(5)  # redrawn from its own thread
        assert not parallel.may_fork() and pdf_parts.start_method() == "spawn"  # undeclared, it counts
        with parallel.pausable(redrawing):
            assert threading.active_count() == 2
            assert parallel.may_fork() and pdf_parts.start_method() == "fork" and shards.sharded(10**6) > 0
            with parallel.forking():
                assert threading.active_count() == 1 and not redrawing.running()
            assert redrawing.running()
            bar.redrawn.clear()
            assert bar.redrawn.wait(5)  # redrawn again
        assert not parallel.may_fork()
    finally:
        redrawing.stop()
    assert threading.active_count() == 1 and parallel.may_fork()


def test_an_undeclared_thread_still_keeps_workers_from_forking():
    redrawing = cli._Redrawing(_Bar())
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    redrawing.start()
    other.start()
    try:
        with parallel.pausable(redrawing):
            assert not parallel.may_fork() and pdf_parts.start_method() == "spawn"
    finally:
        stop.set()
        other.join()
        redrawing.stop()


def test_a_stopped_display_is_not_started_again_by_a_fork():
    redrawing = cli._Redrawing(_Bar())
    with parallel.pausable(redrawing), parallel.forking():
        pass
    assert not redrawing.running() and threading.active_count() == 1


def test_pdf_workers_are_forked_while_the_progress_display_waits(threads_at_fork):
    redrawing = cli._Redrawing(_Bar())
    redrawing.start()
    try:
        with parallel.pausable(redrawing):
            pool = pdf_parts.worker_pool(2)
            try:
                assert pool.submit(os.getpid).result(timeout=60) != os.getpid()
            finally:
                pdf_parts.stop_pool(pool, failed=False)
            assert redrawing.running()
    finally:
        redrawing.stop()
    assert threads_at_fork == [1, 1]  # forked (both at the first submit), the display stopped meanwhile


def test_a_stopped_or_twice_declared_display_does_not_hide_another_thread():
    redrawing = cli._Redrawing(_Bar())
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        with parallel.pausable(redrawing):  # declared, not redrawing: the other thread counts
            assert not parallel.may_fork()
        redrawing.start()
        with parallel.pausable(redrawing), parallel.pausable(redrawing):  # one thread, declared twice
            assert threading.active_count() == 3 and not parallel.may_fork()
    finally:
        stop.set()
        other.join()
        redrawing.stop()


def test_forking_holds_ctrl_c_back_and_restores_everything_after_a_failure():
    import signal

    def blocked() -> set:
        return signal.pthread_sigmask(signal.SIG_BLOCK, [])

    inside: list[tuple[set, bool]] = []

    def fail_to_start_a_worker() -> None:
        with parallel.forking():
            inside.append((blocked(), redrawing.running()))
            raise RuntimeError("a worker failed to start")

    redrawing = cli._Redrawing(_Bar())
    redrawing.start()
    before = blocked()
    try:
        with parallel.pausable(redrawing):
            with pytest.raises(RuntimeError):
                fail_to_start_a_worker()
            assert blocked() == before and redrawing.running()
    finally:
        redrawing.stop()
    assert signal.SIGINT not in before and inside == [(before | {signal.SIGINT}, False)]


def test_the_display_redraws_with_ctrl_c_left_to_the_main_thread():
    import signal

    masks: list[set] = []

    class Bar:
        def refresh(self) -> None:
            masks.append(signal.pthread_sigmask(signal.SIG_BLOCK, []))

    redrawing = cli._Redrawing(Bar())
    redrawing.start()
    try:
        while not masks:
            threading.Event().wait(0.05)
    finally:
        redrawing.stop()
    assert signal.SIGINT in masks[0] and signal.SIGINT not in signal.pthread_sigmask(signal.SIG_BLOCK, [])


def test_a_template_deadline_leaves_no_thread_behind():
    # Workers may be forked right after a user template is rendered: its watchdog must be gone by then.
    from riskengine.report.sandbox import Deadline

    deadline = Deadline(5)
    for _ in range(20):
        with deadline.running():
            pass
        assert threading.active_count() == 1
