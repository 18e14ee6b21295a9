"""Issue 18 item 8: a large catalogue evaluated in shards by worker processes gives the same result, byte for
byte, for any number of workers; a small one starts no pool; a dead worker or Ctrl-C ends in one line.

Sharding is forced on the small examples with ``RISKENGINE_SHARDS_FROM=1``; ``RISKENGINE_SHARDS_FROM=0``
is the one-process path they are compared with.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskengine import api, pipeline, shards
from riskengine.errors import Location, RiskengineError
from riskengine.i18n import refuse

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p for p in (REPO / "catalogs").iterdir() if (p / "ente.yaml").is_file())
GOLDEN_S = REPO / "tests" / "golden" / "bench" / "S-risultato.sha256"


def _cli(catalog: Path, out: Path, cache: Path, shards_from: str, workers: str = "", *more: str,
         env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environ = dict(os.environ, RISKENGINE_CACHE_DIR=str(cache), RISKENGINE_SHARDS_FROM=shards_from,
                   RISKENGINE_SHARD_WORKERS=workers, RISKENGINE_DB=f"sqlite:///{out.parent / (out.name + '.sqlite')}",
                   **(env or {}))
    return subprocess.run([sys.executable, "-m", "riskengine", "assess", str(catalog), "--out", str(out),
                           "--format", "json", "-q", "--rules", str(REPO / "rules"), *more],
                          capture_output=True, text=True, env=environ, timeout=300)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- the shards -------------------------------------------------------------------------------------------

@given(st.lists(st.integers(), max_size=60), st.integers(min_value=1, max_value=20))
def test_cut_gives_contiguous_nearly_equal_shards_in_order(items, count):
    parts = shards.cut(items, count)
    assert [x for part in parts for x in part] == items
    assert len(parts) == max(1, min(count, len(items)))
    if items:
        assert all(parts)
        assert max(map(len, parts)) - min(map(len, parts)) <= 1


def test_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "250")
    monkeypatch.setenv("RISKENGINE_SHARD_WORKERS", "3")
    assert (shards.shards_from(), shards.workers()) == (250, 3)
    assert shards.sharded(249) == 0
    assert shards.sharded(250) == 3
    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "0")  # never
    assert shards.sharded(10**6) == 0
    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "1")
    monkeypatch.setenv("RISKENGINE_SHARD_WORKERS", "1")  # one worker: this process
    assert shards.sharded(10**6) == 0
    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "many")  # not a number: the default
    monkeypatch.setenv("RISKENGINE_SHARD_WORKERS", "0")  # not a count: the cores
    assert shards.shards_from() == shards.MIN_PROCESSES
    assert shards.workers() == len(os.sched_getaffinity(0))


def test_the_records_of_assess_are_sharded_only_when_asked(monkeypatch):
    """By default only check's findings and the ranking's residuals are sharded (measured: see shards.sharded)."""
    monkeypatch.delenv("RISKENGINE_SHARDS_FROM", raising=False)
    monkeypatch.setenv("RISKENGINE_SHARD_WORKERS", "2")
    assert shards.sharded(shards.MIN_PROCESSES) == 2
    assert shards.sharded(shards.MIN_PROCESSES, records=True) == 0
    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", str(shards.MIN_PROCESSES))
    assert shards.sharded(shards.MIN_PROCESSES, records=True) == 2


def test_a_process_with_other_threads_does_not_fork(monkeypatch):
    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "1")
    monkeypatch.setenv("RISKENGINE_SHARD_WORKERS", "2")
    assert shards.sharded(10) == 2
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert shards.sharded(10) == 0
    finally:
        stop.set()
        other.join()


def test_at_a_terminal_the_shards_fork_while_the_progress_display_waits(monkeypatch, threads_at_fork):
    """The progress display redraws from a thread; it stops while workers are forked, so a run at a terminal
    shards as a quiet one does, with the same result."""
    import io

    from riskengine import cli
    from riskengine.i18n import Text

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "0")
    alone = pipeline.assess_and_rank(EXAMPLES[0], rules_dir=REPO / "rules")
    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "1")
    monkeypatch.setenv("RISKENGINE_SHARD_WORKERS", "2")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    with cli._progress(Text("it"), quiet=False) as progress:
        assert progress is not None and threading.active_count() == 2  # the display, redrawing
        sharded = pipeline.assess_and_rank(EXAMPLES[0], rules_dir=REPO / "rules", progress=progress)
        assert threading.active_count() == 2  # redrawn again once the workers are forked
    assert threads_at_fork == [1, 1]  # the records' worker, then the ranking's: each forked alone
    assert threading.active_count() == 1
    assert "Applicazione delle regole" in terminal.getvalue()
    assert json.dumps(sharded, sort_keys=True) == json.dumps(alone, sort_keys=True)


def test_a_small_catalogue_starts_no_pool(monkeypatch):
    """Below the threshold (the default, 5,000 processes) the shards are never entered."""
    monkeypatch.delenv("RISKENGINE_SHARDS_FROM", raising=False)

    def no_pool(*_args, **_kwargs):
        raise AssertionError("a pool was started for a small catalogue")

    monkeypatch.setattr(shards, "in_shards", no_pool)
    result = pipeline.assess(EXAMPLES[0], rules_dir=REPO / "rules")
    assert len(result["processi"]) < shards.MIN_PROCESSES


# -- the same result ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("catalog", EXAMPLES, ids=lambda p: p.name)
def test_the_result_is_byte_identical_with_shards_for_any_worker_count(catalog, tmp_path):
    cache = tmp_path / "cache"
    alone = _cli(catalog, tmp_path / "alone", cache, "0")
    assert alone.returncode in (0, 3), alone.stderr
    expected = _digest(tmp_path / "alone" / "risultato.json")
    for workers in ("2", "3", "5"):
        run = _cli(catalog, tmp_path / f"w{workers}", cache, "1", workers)
        assert run.returncode == alone.returncode, run.stderr
        assert run.stderr == alone.stderr
        assert _digest(tmp_path / f"w{workers}" / "risultato.json") == expected, f"{workers} workers"


def test_bench_s_in_shards_is_the_recorded_result(bench_s, tmp_path):
    run = _cli(bench_s, tmp_path / "out", tmp_path / "cache", "1", "2")
    assert run.returncode in (0, 3), run.stderr
    assert _digest(tmp_path / "out" / "risultato.json") == GOLDEN_S.read_text(encoding="utf-8").strip()


def test_the_shards_are_really_used_and_the_library_result_is_the_same(monkeypatch):
    """The records and the ranking's re-evaluations both come from the workers, and give the same result."""
    used: list[str] = []

    def spy(name):
        real = getattr(shards, name)

        def called(*args, **kwargs):
            used.append(name)
            return real(*args, **kwargs)
        return called

    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "0")
    alone = pipeline.assess_and_rank(EXAMPLES[0], rules_dir=REPO / "rules")
    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "1")
    monkeypatch.setenv("RISKENGINE_SHARD_WORKERS", "2")
    monkeypatch.setattr(shards, "in_shards", spy("in_shards"))
    monkeypatch.setattr(shards, "residuals_in_shards", spy("residuals_in_shards"))
    sharded = pipeline.assess_and_rank(EXAMPLES[0], rules_dir=REPO / "rules")
    assert used == ["in_shards", "residuals_in_shards"]
    assert alone[1]  # the example has planned measures to rank
    assert json.dumps(sharded, sort_keys=True) == json.dumps(alone, sort_keys=True)


def test_check_reports_the_same_findings_with_shards(monkeypatch):
    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "0")
    alone = api.check(EXAMPLES[0], REPO / "rules")
    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "1")
    monkeypatch.setenv("RISKENGINE_SHARD_WORKERS", "2")
    sharded = api.check(EXAMPLES[0], REPO / "rules")
    assert [p.format() for p in sharded.problems] == [p.format() for p in alone.problems]
    assert any(p.code != "load" for p in alone.problems)  # the example has policy findings to compare


def test_whatif_scenarios_reach_the_workers(monkeypatch, tmp_path):
    """A scenario changes the loaded models and links before the workers fork: they evaluate the changed ones."""
    catalog = REPO / "catalogs" / "esempio-cciaa"
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("misure:\n  - {misura: MU4, rimuovi: true}\n", encoding="utf-8")
    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "0")
    alone = pipeline.whatif(catalog, scenario, rules_dir=REPO / "rules")
    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "1")
    monkeypatch.setenv("RISKENGINE_SHARD_WORKERS", "2")
    sharded = pipeline.whatif(catalog, scenario, rules_dir=REPO / "rules")
    assert json.dumps(sharded, sort_keys=True) == json.dumps(alone, sort_keys=True)
    assert alone[0] != alone[1]  # the scenario changed something


# -- failures ----------------------------------------------------------------------------------------------

_PARENT = os.getpid()


def _refusing_evaluate(*args, **kwargs):
    if kwargs.get("only") and os.getpid() != _PARENT:  # this process's own block passes; a worker's is refused
        raise refuse(Location("metodo.yaml", 3, 5), "problemi.metodo_non_trovato", metodo="x")
    return []


def test_a_refusal_in_a_worker_reaches_the_parent_with_its_problems(monkeypatch):
    from riskengine.evaluate import evaluation

    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "1")
    monkeypatch.setenv("RISKENGINE_SHARD_WORKERS", "2")
    monkeypatch.setattr(evaluation, "evaluate", _refusing_evaluate)
    with pytest.raises(RiskengineError) as raised:
        pipeline.assess(EXAMPLES[0], rules_dir=REPO / "rules")
    assert [str(p.location) for p in raised.value.problems] == ["metodo.yaml:3:5"]


def _failing_evaluate(*args, **kwargs):
    if kwargs.get("only") and os.getpid() != _PARENT:
        raise ValueError("a defect\nover two lines")
    return []


def test_a_defect_in_a_worker_is_an_internal_error_of_one_line(monkeypatch):
    from riskengine.evaluate import evaluation

    monkeypatch.setenv("RISKENGINE_SHARDS_FROM", "1")
    monkeypatch.setenv("RISKENGINE_SHARD_WORKERS", "2")
    monkeypatch.setattr(evaluation, "evaluate", _failing_evaluate)
    with pytest.raises(RuntimeError, match=r"^ValueError: a defect over two lines$"):
        pipeline.assess(EXAMPLES[0], rules_dir=REPO / "rules")


# The command as a terminal runs it in the foreground: Python's own Ctrl-C handler, which a test run started in the
# background by a shell would not give it (it inherits SIGINT ignored, and Python then installs none).
_FOREGROUND = "import signal\nsignal.signal(signal.SIGINT, signal.default_int_handler)\n"

# Run in a child interpreter: its workers are forked from it with the shard function replaced.
_DYING = """
import os, signal, sys, time
import riskengine.shards as shards
def dying(shard, wanted, links):
    if shard[-1] == shards._work["cg"].nodes_of("process")[-1]:  # the worker of the last shard dies
        os.kill(os.getpid(), SIG)
    time.sleep(NAP)
    return "ok", []
shards._evaluate_shard = dying
from riskengine.cli import main
sys.argv = ["riskengine"] + sys.argv[1:]
main()
"""


def _dying_run(tmp_path: Path, sig: int, nap: float, **popen: object) -> subprocess.Popen:
    out = tmp_path / "out"
    env = dict(os.environ, RISKENGINE_CACHE_DIR=str(tmp_path / "cache"), RISKENGINE_SHARDS_FROM="1",
               RISKENGINE_SHARD_WORKERS="3", RISKENGINE_LANG="it", RISKENGINE_DB=f"sqlite:///{tmp_path / 's.sqlite'}")
    code = _FOREGROUND + _DYING.replace("SIG", str(int(sig))).replace("NAP", str(nap))
    return subprocess.Popen([sys.executable, "-c", code, "assess", str(EXAMPLES[0]), "--out", str(out),
                             "--format", "json", "-q", "--rules", str(REPO / "rules")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, **popen)


def test_a_worker_killed_by_a_signal_ends_in_one_italian_line_and_writes_nothing(tmp_path):
    run = _dying_run(tmp_path, signal.SIGKILL, 0)
    _, stderr = run.communicate(timeout=120)
    assert run.returncode == 1
    # one located line (the catalogue: no file of it is at fault), then the count every input error ends with
    located, count = stderr.strip().splitlines()
    assert located.startswith(f"{EXAMPLES[0]}: error[shards]: un processo di lavoro della valutazione in parallelo "
                              "si è interrotto"), stderr
    assert "RISKENGINE_SHARD_WORKERS=1" in located  # the suggestion
    assert count == "1 errore"
    assert not (tmp_path / "out").exists()


def test_ctrl_c_stops_the_workers_and_ends_in_one_line(tmp_path):
    run = _dying_run(tmp_path, 0, 60, start_new_session=True)  # signal 0: nothing dies, every block naps
    deadline = time.monotonic() + 60
    workers: list[str] = []
    while time.monotonic() < deadline and len(workers) < 2:  # wait until both workers are forked
        time.sleep(0.2)
        children = Path(f"/proc/{run.pid}/task/{run.pid}/children")
        workers = children.read_text().split() if children.exists() else []
    assert len(workers) >= 2
    os.killpg(run.pid, signal.SIGINT)  # Ctrl-C: the terminal signals the whole group
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 130
    assert stderr.strip() == "riskengine: interrotto"
    assert not (tmp_path / "out").exists()
    for pid in workers:
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]


# Ctrl-C the instant a worker is forked, before the parent has counted it (the window a loaded machine widens).
_INTERRUPTED_AT_FORK = """
import os, signal, sys, time
from multiprocessing.context import ForkProcess
import riskengine.shards as shards
def napping(shard, wanted, links):
    time.sleep(60)
    return "ok", []
shards._evaluate_shard = napping
started = ForkProcess.start
def start(self):
    started(self)
    os.killpg(0, signal.SIGINT)  # the terminal's Ctrl-C, to the whole group, the worker just forked included
ForkProcess.start = start
from riskengine.cli import main
sys.argv = ["riskengine"] + sys.argv[1:]
main()
"""


def test_ctrl_c_while_workers_are_forked_leaves_none_behind(tmp_path):
    env = dict(os.environ, RISKENGINE_CACHE_DIR=str(tmp_path / "cache"), RISKENGINE_SHARDS_FROM="1",
               RISKENGINE_SHARD_WORKERS="3", RISKENGINE_LANG="it", RISKENGINE_DB=f"sqlite:///{tmp_path / 's.sqlite'}")
    run = subprocess.Popen([sys.executable, "-c", _FOREGROUND + _INTERRUPTED_AT_FORK, "assess", str(EXAMPLES[0]), "--out",
                            str(tmp_path / "out"), "--format", "json", "-q", "--rules", str(REPO / "rules")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    # A worker left behind keeps the command's output open through its 60-second nap: communicate would wait.
    _, stderr = run.communicate(timeout=30)
    assert run.returncode == 130, stderr
    assert stderr.strip() == "riskengine: interrotto"
    assert not (tmp_path / "out").exists()
