"""Shared pytest options and fixtures.

``pytest --update-golden`` (or ``RISKENGINE_UPDATE_GOLDEN=1 pytest``) rewrites the golden files under
tests/golden/ instead of comparing against them; review the diff before committing.
"""

from __future__ import annotations

import compileall
import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

# The command-line tests start riskengine in hundreds of subprocesses. An editable install compiles
# nothing, and where the environment forbids writing bytecode (PYTHONDONTWRITEBYTECODE, which some
# containers set) each subprocess would compile the package again; compiled once here, they read it.
if "PYTEST_XDIST_WORKER" not in os.environ:  # once, before pytest-xdist starts its workers
    compileall.compile_dir(REPO / "src" / "riskengine", quiet=1)

# Every run records itself in the history store, by default beside the catalogue: tests never write
# into the repository's catalogs/. One store for the session (module fixtures run before the
# per-test one below), and a fresh one per test so that no test sees another's runs.
_SESSION_STORE = tempfile.mkdtemp(prefix="riskengine-storico-")
os.environ["RISKENGINE_DB"] = f"sqlite:///{_SESSION_STORE}/storico.sqlite"
# The cache of linked catalogues (riskengine.graph.cache): one private directory for the session,
# never the user's ~/.cache; tests share it as runs of one user do.
_SESSION_CACHE = tempfile.mkdtemp(prefix="riskengine-cache-")
os.environ["RISKENGINE_CACHE_DIR"] = _SESSION_CACHE


def pytest_unconfigure(config):
    shutil.rmtree(_SESSION_STORE, ignore_errors=True)
    shutil.rmtree(_SESSION_CACHE, ignore_errors=True)


@pytest.fixture(autouse=True)
def _history_store(tmp_path_factory, monkeypatch):
    """A history store of the test's own (RISKENGINE_DB), which subprocesses inherit."""
    folder = tmp_path_factory.mktemp("storico")
    monkeypatch.setenv("RISKENGINE_DB", f"sqlite:///{folder}/storico.sqlite")


def pytest_configure(config):
    config.addinivalue_line("markers", "properties_long: property tests with many more examples; skipped unless "
                            "selected with -m properties_long")


def pytest_collection_modifyitems(config, items):
    _one_worker_per_module(items)
    if "properties_long" in (config.getoption("-m") or ""):
        return
    skip = pytest.mark.skip(reason="many examples: run with -m properties_long")
    for item in items:
        if "properties_long" in item.keywords:
            item.add_marker(skip)


def _one_worker_per_module(items) -> None:
    """The groups pytest-xdist hands to its workers whole (``--dist loadgroup``, pyproject.toml): a module each, so
    that its module fixtures (most of them WeasyPrint layouts) are built once; and one group for the modules that
    read the session's written annex (``cciaa_annex``, most of a minute). The PostgreSQL tests that empty the one
    database are all in test_history_store.py, on one worker (test_italian_first.py only names a database that
    does not exist)."""
    by_module: dict[str, list] = {}
    for item in items:
        by_module.setdefault(item.module.__name__, []).append(item)
    for module, members in by_module.items():
        reads_annex = any("cciaa_annex" in item.fixturenames for item in members)
        for item in members:
            item.add_marker(pytest.mark.xdist_group("cciaa_annex" if reads_annex else module))


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true", default=False,
                     help="rewrite tests/golden/ from the current output instead of comparing")


@pytest.fixture(autouse=True)
def _english_messages(monkeypatch):
    """The command line speaks Italian by default; the tests written against its English wording ask for English.

    Tests of the Italian default (tests/test_messages_cli.py) remove the variable or pass ``--lang``.
    """
    monkeypatch.setenv("RISKENGINE_LANG", "en")


@pytest.fixture
def example_catalogue(tmp_path) -> Path:
    """A copy of catalogs/esempio-cciaa to change (without its run store and templates)."""
    target = tmp_path / "cat"
    shutil.copytree(REPO / "catalogs" / "esempio-cciaa", target,
                    ignore=shutil.ignore_patterns("storico.sqlite", "templates"))
    return target


@pytest.fixture(scope="session")
def update_golden(request) -> bool:
    """True when golden files are to be rewritten."""
    return bool(request.config.getoption("--update-golden") or os.environ.get("RISKENGINE_UPDATE_GOLDEN"))


@pytest.fixture(scope="session")
def assessed():
    """``assessed(name)``: the result of a catalogue (tests/data/<name> or catalogs/<name>), computed once."""
    from riskengine.pipeline import assess

    cache: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in cache:
            path = REPO / "tests" / "data" / name
            cache[name] = assess(path if path.is_dir() else REPO / "catalogs" / name, rules_dir=REPO / "rules")
        return cache[name]

    return get


@pytest.fixture(scope="session")
def cciaa_annex(assessed, tmp_path_factory):
    """(result, output directory) of esempio-cciaa written once in every format, both editions: several modules
    read it (its PDFs take most of a minute to lay out), and none may change it."""
    from riskengine.report import write_annex

    result = assessed("esempio-cciaa")
    out = tmp_path_factory.mktemp("cciaa") / "annex"
    write_annex(result, out)
    return result, out


@pytest.fixture(scope="session")
def bench_s(tmp_path_factory) -> Path:
    """The benchmarks' S catalogue (300 processes), generated once per session by bench/generate.py."""
    import sys

    bench = Path(__file__).resolve().parents[1] / "bench"
    sys.path.insert(0, str(bench))
    try:
        import generate
    finally:
        sys.path.remove(str(bench))
    out = tmp_path_factory.mktemp("bench") / "S"
    generate.generate("S", out)
    return out



@pytest.fixture
def threads_at_fork(monkeypatch) -> list[int]:
    """The number of threads alive each time a worker process is started from now on (a fork is safe with one)."""
    import multiprocessing.process
    import threading

    start = multiprocessing.process.BaseProcess.start
    counts: list[int] = []

    def counted(process):
        counts.append(threading.active_count())
        start(process)

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", counted)
    return counts
