"""The examples of the docs are tested files: a block marked ``<!-- tested: path -->`` is a part of that file."""

from __future__ import annotations

import re

import pytest
from rules_helpers import REPO

from riskengine.schema import schema_models
from riskengine.source.document import load_yaml
from riskengine.source.validate import validate_document

MARKED = re.compile(r"<!-- tested: (?P<path>[^ ]+) -->\n```yaml\n(?P<block>.*?)```", re.S)


def marked_examples() -> list[tuple[str, str, str]]:
    found = []
    for doc in sorted((REPO / "docs").glob("*.md")):
        for match in MARKED.finditer(doc.read_text(encoding="utf-8")):
            found.append((doc.name, match["path"], match["block"]))
    return found


def test_the_residual_grid_and_maximum_score_examples_are_marked() -> None:
    paths = [path for doc, path, _ in marked_examples() if doc == "rules.md"]
    assert paths.count("rules/pna2019/method.yaml") == 2  # the grid and the residual steps
    assert "rules/cciaa-torino-2022/method.yaml" in paths  # punteggio_massimo
    assert "rules/cciaa-torino-2022/tests/residuo.yaml" in paths
    assert "tests/test_rounding_stages.py" in paths


@pytest.mark.parametrize("doc, path, block", marked_examples())
def test_a_marked_example_is_part_of_its_tested_file(doc: str, path: str, block: str) -> None:
    source = (REPO / path).read_text(encoding="utf-8")
    lines = block.rstrip("\n").splitlines()
    if path.endswith(".py"):  # an example quoted in a test as one string
        assert all(f'"{line}"' in source for line in lines), f"{doc}: the example is not in {path}"
    else:
        assert block in source, f"{doc}: the example is not in {path}"


EXAMPLE = re.compile(r"<!-- example: (?P<kind>[a-z-]+) -->\n```yaml\n(?P<block>.*?)```", re.S)


def test_every_yaml_example_of_the_docs_is_tested_or_validated() -> None:
    for doc in sorted((REPO / "docs").glob("*.md")):
        text = doc.read_text(encoding="utf-8")
        blocks = text.count("```yaml\n")
        assert blocks == len(MARKED.findall(text)) + len(EXAMPLE.findall(text)), (
            f"docs/{doc.name}: a YAML example is neither a part of a tested file nor validated")


def validated_examples() -> list[tuple[str, str, str]]:
    return [(doc.name, m["kind"], m["block"]) for doc in sorted((REPO / "docs").glob("*.md"))
            for m in EXAMPLE.finditer(doc.read_text(encoding="utf-8"))]


@pytest.mark.parametrize("doc, kind, block", validated_examples())
def test_an_example_is_a_valid_file_of_its_type(tmp_path, doc: str, kind: str, block: str) -> None:
    path = tmp_path / f"{kind}.yaml"
    path.write_text(block, encoding="utf-8")
    problems: list = []
    assert validate_document(load_yaml(path), schema_models()[kind], problems) is not None
    assert problems == [], f"{doc}: the {kind} example is not valid"


def test_the_examples_cover_every_catalogue_file_and_the_rule_files() -> None:
    kinds = {kind for _, kind, _ in validated_examples()}
    assert kinds >= {"ente", "areas", "units", "factors", "processes", "measures", "assessment", "policies",
                     "rule-tests"}
