"""Reading a result (``riskengine report FILE``): anything that is not a result gets one clear line, never a traceback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from catalog_helpers import REPO

from riskengine.errors import RiskengineError
from riskengine.result.model import RESULT_FORMAT
from riskengine.result.read import read_result

GOLDEN = REPO / "tests" / "golden" / "mini" / "risultato.json"


def _report(path: Path, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "riskengine", "report", str(path), "--out", str(out), "--format", "json"],
                          capture_output=True, text=True, timeout=120, check=False)


def _golden() -> dict:
    return json.loads(GOLDEN.read_text(encoding="utf-8"))


def _variant(tmp_path: Path, name: str) -> tuple[Path, str]:
    """A file that is not a readable result, and the message ``report`` must give for it."""
    path = tmp_path / f"{name}.json"
    if name == "missing":
        return path, "no such result file"
    if name == "truncated":
        text = GOLDEN.read_text(encoding="utf-8")
        path.write_text(text[: len(text) // 2], encoding="utf-8")
        return path, "is not valid JSON"
    if name == "not-a-result":
        path.write_text('{"a": 1}\n', encoding="utf-8")
        return path, "is not a riskengine result"
    if name == "a-list":
        path.write_text("[1, 2]\n", encoding="utf-8")
        return path, "is not a riskengine result"
    data = _golden()
    if name == "other-version":
        data["formato"] = "riskengine-result/2"
        message = f"is a result of format 'riskengine-result/2'; this riskengine reads '{RESULT_FORMAT}'"
    else:  # a result of this version without a required key
        del next(p for p in data["processi"] if p["valutato"])["inerente"]["livello"]
        message = f"is not a valid {RESULT_FORMAT} result: processi["
    path.write_text(json.dumps(data), encoding="utf-8")
    return path, message


CASES = ("missing", "truncated", "not-a-result", "a-list", "other-version", "incomplete")


@pytest.mark.parametrize("name", CASES)
def test_report_on_a_file_that_is_not_a_result_gives_one_line(tmp_path: Path, name: str) -> None:
    path, message = _variant(tmp_path, name)
    result = _report(path, tmp_path / "out")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    problems = [line for line in result.stderr.splitlines() if ": error[" in line]
    assert len(problems) == 1, result.stderr
    assert problems[0].startswith(f"{path}") and "error[result]" in problems[0] and message in problems[0]
    assert "assess" in problems[0]  # what to do
    assert not (tmp_path / "out").exists()


def test_truncated_file_is_located_at_the_line_where_it_ends(tmp_path: Path) -> None:
    path, _ = _variant(tmp_path, "truncated")
    with pytest.raises(RiskengineError) as caught:
        read_result(path)
    (problem,) = caught.value.problems
    assert problem.location.line == len(path.read_text(encoding="utf-8").splitlines()) or problem.location.line > 1


def test_report_renders_from_a_valid_result(tmp_path: Path) -> None:
    result = _report(GOLDEN, tmp_path / "out")
    assert result.returncode == 3, result.stderr  # mini's annex has an error finding: written, as a draft
    assert (tmp_path / "out" / "risultato.json").read_bytes() == GOLDEN.read_bytes()


def test_a_value_not_of_its_form_is_told_the_form_in_words_not_as_a_regular_expression(tmp_path: Path) -> None:
    # "does not have the expected form (^-?[0-9]{1,18}(\.[0-9]{1,40})?$)": a reader was shown a regular expression
    data = _golden()
    next(p for p in data["processi"] if p["valutato"])["inerente"]["rischio"] = "4,25"
    path = tmp_path / "virgola.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    line = next(x for x in _report(path, tmp_path / "out").stderr.splitlines() if ": error[" in x)
    assert ".inerente.rischio: does not have the expected form (a number of digits with a decimal point, e.g. " \
           "4.25)" in line and "[0-9]" not in line, line
    # a method's colour, in Italian: the form of a colour
    from rules_helpers import run_cli

    method = tmp_path / "rules" / "m"
    shutil.copytree(REPO / "rules" / "cciaa-torino-2022", method)
    text = (method / "method.yaml").read_text(encoding="utf-8")
    (method / "method.yaml").write_text(text.replace('colore: "#2e7d32"', 'colore: "verde"', 1), encoding="utf-8")
    checked = run_cli("check", str(method), "--lang", "it")
    assert "'colore' non ha la forma attesa (un colore #RRGGBB, ad es. #2e7d32)" in checked.stdout, checked.stdout


def test_json_with_a_lone_surrogate_is_said_as_json_that_does_not_read_at_its_line(tmp_path: Path) -> None:
    # Python's parser takes '\ud800', pydantic's does not: "livello principale: Invalid JSON: unexpected end of hex
    # escape at line 8 column 22", in English and at no line
    text = GOLDEN.read_text(encoding="utf-8")
    path = tmp_path / "surrogato.json"
    path.write_text(text.replace('"nome": "', '"nome": "àèì \\ud800', 1), encoding="utf-8")
    line = next(x for x in _report(path, tmp_path / "out").stderr.splitlines() if ": error[" in x)
    assert line.startswith(f"{path}:") and ": error[result]: is not valid JSON (" in line and "Invalid JSON" not in line
    # at the escape's backslash, counted in characters (pydantic counts bytes, past the escape)
    number = next(n for n, written in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "\\ud800" in written)
    column = path.read_text(encoding="utf-8").splitlines()[number - 1].index("\\ud800") + 1
    assert line.startswith(f"{path}:{number}:{column}: "), line
