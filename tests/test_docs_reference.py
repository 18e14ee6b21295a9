"""docs/formats.md and docs/rules.md hold the reference tables `riskengine schema --markdown` generates."""

from __future__ import annotations

import re

import pytest
from rules_helpers import REPO, run_cli

from riskengine.schema import schema_markdown


def documented(doc: str, group: str) -> str:
    text = (REPO / "docs" / doc).read_text(encoding="utf-8")
    match = re.search(rf"<!-- BEGIN riskengine schema --markdown {group} -->\n(.*?)<!-- END riskengine schema "
                      rf"--markdown {group} -->", text, re.S)
    assert match, f"docs/{doc} has no generated tables of '{group}'"
    return match.group(1)


@pytest.mark.parametrize("doc, group", [("formats.md", "catalogo"), ("rules.md", "regole"),
                                        ("formats.md", "cartella")])
def test_the_docs_equal_the_generated_reference_tables(doc: str, group: str) -> None:
    from riskengine.api import schema_markdown as generated

    assert documented(doc, group) == generated(group), (
        f"docs/{doc} differs from `riskengine schema --markdown {group}`: regenerate its tables")


def test_the_cli_prints_the_tables_of_the_library() -> None:
    result = run_cli("schema", "--markdown", "regole")
    assert result.exit_code == 0
    assert result.stdout == schema_markdown("regole")


def test_the_tables_follow_the_models() -> None:
    rules = schema_markdown("regole")
    # the grid nests under 'griglia', the residual steps and the maximum score are there
    assert "| `griglia` | Griglia | — |" in rules
    assert "| `righe` | list of text | required |" in rules
    assert "| `gradino` | Gradino | — |" in rules
    assert "| `punteggio_massimo` | number or text | — |" in rules
    catalogue = schema_markdown("catalogo")
    assert "| `responsabili` | list of text | — |" in catalogue
    assert "| `natura` | `obbligatoria`, `ulteriore` | `\"ulteriore\"` |" in catalogue
    # a code of the official tree also allowed unquoted (the number 10 for '10') is listed once
    (sections,) = [line for line in catalogue.splitlines() if line.startswith("| `sezione` |") and "required" in line]
    listed = re.findall(r"`(\d+)`", sections)
    assert len(listed) == len(set(listed)) == 22, sections


def test_an_unknown_group_is_a_usage_error() -> None:
    result = run_cli("schema", "--markdown", "tutto")
    assert result.exit_code == 2
    assert "unknown group 'tutto' (expected one of: cartella, catalogo, regole)" in result.stderr
