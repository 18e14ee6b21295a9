"""Helpers shared by the rules-layer tests: shipped methods, edited copies, exact source locations, the CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from riskengine.cli import app
from riskengine.errors import RiskengineError
from riskengine.method.load import load_method

REPO = Path(__file__).resolve().parents[1]
RULES = REPO / "rules"
TORINO = RULES / "cciaa-torino-2022"
PNA2013 = RULES / "pna2013"
PNA2019 = RULES / "pna2019"
CATALOGS = REPO / "catalogs"
ESEMPIO = CATALOGS / "esempio-cciaa"
PICCOLO = CATALOGS / "esempio-piccolo"

# PNA 2013 worked example (domain.md §8): P1..P6 = 2,5,1,5,1,3 and I1..I4 = 1,1,0,3.
ORACLE_ANSWERS = {"P1": 2, "P2": 5, "P3": 1, "P4": 5, "P5": 1, "P6": 3, "I1": 1, "I2": 1, "I3": 0, "I4": 3}


def method_copy(tmp_path: Path, src: Path, *edits: tuple[str, str, str], name: str | None = None) -> Path:
    """Copy a method (or catalogue) directory to ``tmp_path`` and apply ``(file, old, new)`` edits.

    ``old`` must occur exactly once in the file, so that every edit is the one intended.
    """
    target = tmp_path / (name or src.name)
    shutil.copytree(src, target)
    for file, old, new in edits:
        path = target / file
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{file}: {old!r} occurs {text.count(old)} times"
        path.write_text(text.replace(old, new), encoding="utf-8")
    return target


def where(path: Path, needle: str, *, nth: int = 0, offset: int = 0) -> str:
    """``path:line:col`` of the ``nth`` occurrence of ``needle`` in the file (plus ``offset`` characters).

    The expected locations of the tests are computed from the file text itself, independently of the
    YAML node marks that the code under test uses.
    """
    lines = path.read_text(encoding="utf-8").splitlines()
    seen = 0
    for number, line in enumerate(lines, start=1):
        start = line.find(needle)
        while start != -1:
            if seen == nth:
                return f"{path}:{number}:{start + 1 + offset}"
            seen += 1
            start = line.find(needle, start + 1)
    raise AssertionError(f"{needle!r} (occurrence {nth}) not in {path}")


def load_problems(method_dir: Path) -> list:
    """The problems ``load_method`` refuses a method directory with (fails if it loads)."""
    try:
        load_method(method_dir)
    except RiskengineError as exc:
        return exc.problems
    raise AssertionError(f"{method_dir} loaded without errors")


def formatted(problems: list) -> list[str]:
    """Problems as printed by the CLI, in a stable order."""
    return [p.format() for p in sorted(problems, key=lambda p: p.sort_key())]


def run_cli(*args: str):
    """Run ``riskengine ARGS`` in-process; the result has exit_code, stdout and stderr."""
    return CliRunner().invoke(app, [str(a) for a in args], catch_exceptions=False)
