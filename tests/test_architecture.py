"""The pipeline is visible in the tree: every stage package is documented and named in docs/architecture.md."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "riskengine"
STAGES = ("source", "catalog", "method", "graph", "answers", "engine", "evaluate", "result", "report", "workbook",
          "history")


def _packages() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*") if p.is_dir() and p.name != "__pycache__"
                  and any(p.glob("*.py")))


def test_every_package_has_an_init_with_a_docstring() -> None:
    missing = [str(p.relative_to(PACKAGE)) for p in _packages()
               if not (p / "__init__.py").exists() or not ast.get_docstring(ast.parse((p / "__init__.py").read_text()))]
    assert missing == []


def test_the_stage_packages_are_the_pipeline() -> None:
    top = sorted(p.name for p in _packages() if p.parent == PACKAGE and p.name != "data")
    assert top == sorted(STAGES)


def test_architecture_doc_names_every_stage_and_top_module() -> None:
    doc = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    described = set(re.findall(r"^\*\*([a-z_]+)\*\*", doc, flags=re.MULTILINE))
    top_modules = {p.stem for p in PACKAGE.glob("*.py") if p.stem not in {"__init__", "__main__"}}
    for name in STAGES:
        assert name in described, f"docs/architecture.md has no paragraph for the stage {name}"
        assert f"{name}/" in doc, f"docs/architecture.md's picture does not show {name}/"
    for name in top_modules:
        assert f"{name}.py" in doc, f"docs/architecture.md does not name {name}.py"


def test_the_layers_contract_lists_every_stage() -> None:
    config = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    contract = config[config.index("[tool.importlinter]"):]
    for name in STAGES + ("pipeline", "api", "cli"):
        assert f"riskengine.{name}" in contract
