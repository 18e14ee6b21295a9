"""Helpers shared by the catalogue tests: paths, running the CLI, breaking a copy of the mini catalogue."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from riskengine.cli import app

REPO = Path(__file__).resolve().parents[1]
MINI = REPO / "tests" / "data" / "mini"
BROKEN = REPO / "tests" / "data" / "broken"

# The one finding of the intact mini catalogue: MS02 was due 2025-12-31 (before data_riferimento
# 2026-01-31) and is still 'da-attuare'. Line 33 of measures.yaml; "scadenza: " value at column 138.
OVERDUE_MS02 = ("{d}/measures.yaml:{line}:138: warning[measure-overdue]: measure 'MS02' was due 2025-12-31 "
                "and is 'To be implemented' (implement it, or set a new deadline with a reason)")


def overdue(d: str, line: int = 33) -> str:
    """The MS02 overdue warning for catalogue directory ``d`` (line 32 when a line above was removed)."""
    return OVERDUE_MS02.format(d=d, line=line)


def run_cli(*args: str):
    """Run ``riskengine ARGS`` in-process; the result has exit_code, stdout and stderr."""
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def problem_lines(stdout: str) -> list[str]:
    """The problem lines of ``riskengine check`` output (indented by four spaces), in printed order."""
    return [line[4:] for line in stdout.splitlines() if line.startswith("    ")]


def broken_copy(tmp_path: Path, *edits: tuple[str, str | None, str], name: str = "cat") -> Path:
    """Copy the mini catalogue to ``tmp_path/name`` and apply ``(file, old, new)`` edits.

    ``old`` must occur exactly once in the file; ``old=None`` replaces the whole file with ``new``.
    """
    target = tmp_path / name
    shutil.copytree(MINI, target)
    for file, old, new in edits:
        path = target / file
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        if old is None:
            text = new
        else:
            assert text.count(old) == 1, f"{file}: {old!r} occurs {text.count(old)} times"
            text = text.replace(old, new)
        path.write_text(text, encoding="utf-8")
    return target
