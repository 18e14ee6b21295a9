"""The examples of the docs are tested files: a block marked ``<!-- tested: path -->`` is a part of that file."""

from __future__ import annotations

import re

import pytest
from rules_helpers import REPO

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
