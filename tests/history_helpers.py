"""Helpers of the history tests: catalogue copies in a temporary tree, the CLI, the stores to test on."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[1]
PG_ENV = "RISKENGINE_TEST_PG"


def catalog_copy(tmp_path: Path, name: str) -> Path:
    """``tmp_path/catalogs/<name>``, a copy of a repository catalogue (or tests/data one), with ``rules`` beside it."""
    source = REPO / "tests" / "data" / name
    if not source.is_dir():
        source = REPO / "catalogs" / name
    target = tmp_path / "catalogs" / name
    shutil.copytree(source, target)
    if not (tmp_path / "rules").exists():
        (tmp_path / "rules").symlink_to(REPO / "rules")
    return target


def riskengine(*args: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m riskengine`` in ``cwd`` (the test's RISKENGINE_DB is inherited)."""
    return subprocess.run([sys.executable, "-m", "riskengine", *map(str, args)], cwd=cwd, capture_output=True,
                          text=True, timeout=600, check=False, env={**os.environ, **(env or {})})


def result_of(out: Path) -> dict:
    """The risultato.json an assess wrote into ``out``."""
    return json.loads((out / "risultato.json").read_text(encoding="utf-8"))


def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'storico.sqlite'}"


# This process's schema: its process id and a random part (processes of two containers may share an id)
_SCHEMA = f"prova_{os.getpid()}_{secrets.token_hex(4)}"
_made: list[str] = []  # the schema, once this process has made it


def postgres_schema() -> str:
    """The schema this test process keeps its PostgreSQL stores in: its own, so that another pytest run on the
    same server (another clone, a run beside CI) neither empties nor fills it."""
    return _SCHEMA


def postgres_url(**settings: str) -> str:
    """The URL of the PostgreSQL server .ci/run starts, its connections in this process's schema (the test is
    skipped without a server); ``settings``: more server settings for those connections, after any the URL has."""
    url = os.environ.get(PG_ENV)
    if not url:
        pytest.skip(f"no PostgreSQL server: set {PG_ENV} (.ci/run starts one) to run the store tests on it")
    address = sa.make_url(url)
    given = address.query.get("options") or ()
    options = [*([given] if isinstance(given, str) else given),
               *(f"-c {name}={value}" for name, value in {"search_path": postgres_schema(), **settings}.items())]
    return address.update_query_dict({"options": " ".join(options)}).render_as_string(hide_password=False)


def empty_postgres() -> str:
    """:func:`postgres_url`, its schema emptied."""
    url = postgres_url()
    # The schema dropped whole, in one statement: reflecting the tables and then dropping each raced with a
    # connection of the test before still closing (NoSuchTableError: alembic_version, once in CI).
    _on_server(f"DROP SCHEMA IF EXISTS {postgres_schema()} CASCADE", f"CREATE SCHEMA {postgres_schema()}")
    _made[:] = [postgres_schema()]
    return url


def drop_postgres_schema() -> None:
    """Drop this process's schema, if it made one (at the end of the tests that used it): a run of none of them
    connects to no server."""
    if _made:
        _on_server(f"DROP SCHEMA IF EXISTS {postgres_schema()} CASCADE")
        _made.clear()


def _on_server(*statements: str) -> None:
    """Run ``statements`` in one transaction on the server, outside any schema's URL."""
    engine = sa.create_engine(os.environ[PG_ENV])
    try:
        with engine.begin() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))
    finally:
        engine.dispose()
