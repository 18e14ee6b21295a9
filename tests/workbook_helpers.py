"""Helpers of the workbook tests: export the example, edit a workbook's cells as a user would."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from catalog_helpers import REPO, run_cli

EXAMPLE = REPO / "catalogs" / "esempio-cciaa"
RULES = str(REPO / "rules")


def example_copy(tmp_path: Path, name: str = "cat") -> Path:
    """A copy of the example catalogue (without its history store)."""
    target = tmp_path / name
    shutil.copytree(EXAMPLE, target, ignore=shutil.ignore_patterns("storico.sqlite*"))
    return target


def export(catalog: Path, out: Path, *extra: str) -> Path:
    """``riskengine export-xlsx`` in Italian (its readme is in the run's language); fails the test on a non-zero
    exit."""
    result = run_cli("export-xlsx", str(catalog), "--out", str(out), "--rules", RULES, "--lang", "it", *extra)
    assert result.exit_code == 0, result.stdout + result.stderr
    return out


def edit(workbook: Path, sheet: str, cells: dict[str, Any], target: Path | None = None) -> Path:
    """Set cells of a workbook with openpyxl (as Excel would save them) into ``target`` (default: in place)."""
    from openpyxl import load_workbook

    book = load_workbook(workbook)
    for ref, value in cells.items():
        book[sheet][ref] = value
    book.save(target or workbook)
    return target or workbook


def column_of(workbook: Path, sheet: str, header: str) -> str:
    """The letter of the column whose header is ``header``."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    ws = load_workbook(workbook, read_only=True)[sheet]
    headers = [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]
    return get_column_letter(headers.index(header) + 1)


def row_of(workbook: Path, sheet: str, code: str, column: int = 1) -> int:
    """The row whose cell in ``column`` is ``code``."""
    from openpyxl import load_workbook

    ws = load_workbook(workbook, read_only=True)[sheet]
    for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
        if row and row[column - 1] == code:
            return number
    raise AssertionError(f"{code} not in {sheet}")


def tree_bytes(folder: Path) -> dict[str, bytes]:
    """Every YAML file of a folder, by name."""
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.yaml"))}
