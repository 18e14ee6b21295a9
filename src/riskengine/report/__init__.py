"""Rendering of the risk annex from an assessment result (never from the catalogue or the rules)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from riskengine.fsutil import replace_directory, staging_directory

FORMATS = ("html", "pdf", "xlsx", "csv", "json")


def result_json(result: dict[str, Any]) -> str:
    """Canonical JSON of a result: sorted keys, UTF-8, two-space indent, trailing newline."""
    return json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def load_result(path: str | Path) -> dict[str, Any]:
    """Read a result JSON written by ``assess``."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def write_annex(result: dict[str, Any], out_dir: str | Path, *, formats: tuple[str, ...] = FORMATS, lang: str = "it",
                templates: str | Path | None = None) -> list[Path]:
    """Write the annex in ``formats`` to ``out_dir``, replacing it only when every file has been written."""
    out_dir = Path(out_dir)
    staging = staging_directory(out_dir)
    (staging / "risultato.json").write_text(result_json(result), encoding="utf-8")
    replace_directory(staging, out_dir)
    return sorted(p for p in out_dir.rglob("*") if p.is_file())
