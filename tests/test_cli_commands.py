"""Every CLI command is a thin wrapper over the api function of the same name, and the README shows it."""

from __future__ import annotations

import typer
from catalog_helpers import REPO

from riskengine import api
from riskengine.cli import app


def _names() -> list[str]:
    group = typer.main.get_group(app)
    return sorted(group.commands)


def test_every_command_has_its_library_function_and_a_readme_line() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    names = _names()
    assert {"export-xlsx", "import-xlsx", "questionari", "raccogli", "template-check"} <= set(names)
    for name in names:
        function = getattr(api, name.replace("-", "_"), None)
        assert callable(function) and function.__doc__, f"api.{name.replace('-', '_')} is missing or undocumented"
        assert f"riskengine {name} " in readme, f"the README's tour has no line for `riskengine {name}`"
