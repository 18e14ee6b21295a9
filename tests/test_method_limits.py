"""Hostile method files (issue 11: F3, F4, F5, F9, F14): one located line and a non-zero exit, never a
traceback, through ``python -m riskengine check``.

Each case edits a copy of a shipped method (or of the mini catalogue) the way a file from another
office could, and checks the exact place the error names, computed from the edited file's text.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rules_helpers import REPO, TORINO, method_copy, where

MINI = REPO / "tests" / "data" / "mini"
POLICY = 'quando: "residuo_senza_misure"'


def riskengine(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """``python -m riskengine ARGS`` in a child process, as a user runs it."""
    env = dict(os.environ, COLUMNS="400")
    return subprocess.run([sys.executable, "-m", "riskengine", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=300)


def refused(method_dir: Path, location: str, *fragments: str, errors: int = 1) -> None:
    """Run ``check``: exit 1, ``errors`` error lines, one of them at ``location`` holding ``fragments``."""
    run = riskengine("check", method_dir)
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "Traceback" not in output
    lines = [line.strip() for line in output.splitlines() if ": error[" in line]
    assert len(lines) == errors, output
    line = next((line for line in lines if line.startswith(location + ":")), None)
    assert line is not None, (lines, location)
    for fragment in fragments:
        assert fragment in line, line
    assert max(map(len, output.splitlines())) < 400, "an error line echoes a huge value"


def policy_with(tmp_path: Path, condition: str) -> Path:
    return method_copy(tmp_path, TORINO, ("policies.yaml", POLICY, f'quando: "{condition}"'))


def test_300_parentheses_are_a_located_error(tmp_path):
    method = policy_with(tmp_path, "(" * 300 + "misure_scadute > 0" + ")" * 300)
    refused(method, where(method / "policies.yaml", "(" * 33, offset=32), "parentheses nest more than 32 levels")


def test_a_thousand_nots_are_read_without_recursion(tmp_path):
    method = policy_with(tmp_path, "not " * 1000 + "misure_scadute > 0")
    run = riskengine("check", method)
    assert run.returncode == 0, run.stdout + run.stderr
    odd = policy_with(tmp_path / "odd", "not " * 1001 + "misure_scadute <= 0 and misure_scadute <= 0")
    refused(odd, where(odd / "policies.yaml", '"not not'), "can never fire")


@pytest.mark.parametrize(("digits", "shown"), [(14, "10000000000000 is"), (9_000, "… (9,000 characters)")])
def test_a_literal_beyond_the_engine_range_is_refused_by_check(tmp_path, digits, shown):
    method = policy_with(tmp_path, "misure_scadute > 1" + "0" * (digits - 1))
    refused(method, where(method / "policies.yaml", "> 1000", offset=2), "outside the numbers conditions compare",
            shown)


def test_a_million_digit_literal_is_refused_by_check(tmp_path):
    """It used to pass ``check`` and fail ``assess`` with a traceback."""
    method = policy_with(tmp_path, "misure_scadute > 1" + "0" * 999_999)
    refused(method, where(method / "policies.yaml", "> 1000", offset=10_000 - 15),
            "the condition is 1,000,017 characters long")


def test_the_largest_literal_in_range_is_accepted(tmp_path):
    method = policy_with(tmp_path, "misure_scadute > 1000000000000 or misure_scadute < -1000000000000")
    assert riskengine("check", method).returncode == 0


def test_a_long_text_literal_is_refused(tmp_path):
    method = policy_with(tmp_path, "area == 'B" + "x" * 200 + "'")
    refused(method, where(method / "policies.yaml", "'Bxx"), "a text of 201 characters")


def test_a_condition_too_long_is_refused(tmp_path):
    method = policy_with(tmp_path, " or ".join(["misure_scadute > 0"] * 600))
    refused(method, where(method / "policies.yaml", "misure_scadute > 0 or", offset=10_000),
            "at most 10,000")


@pytest.mark.parametrize(("old", "new", "needle", "offset"), [
    ("punteggio_massimo: 25", 'punteggio_massimo: "1E+999999999"', '"1E+999999999"', 0),
    ("punteggio_massimo: 25", "punteggio_massimo: 1E+999999", "1E+999999", 0),
    ("punteggio_massimo: 25", "punteggio_massimo: -1", "-1", 0),
    ("punteggio_massimo: 25", "punteggio_massimo: 0", "punteggio_massimo: 0", len("punteggio_massimo: ")),
    ("{da: 0, a: 4, livello: basso}", "{da: 0, a: 1E+999999, livello: basso}", "1E+999999", 0),
    ("{da: 0, a: 4, livello: basso}", "{da: -9.3E+12, a: 4, livello: basso}", "-9.3E+12", 0),
    ('{valore: 1, etichetta: "No, è del tutto vincolato"}', '{valore: -1, etichetta: "No, è del tutto vincolato"}',
     "-1, etichetta", 0),
])
def test_numbers_out_of_range_are_refused_at_their_place(tmp_path, old, new, needle, offset):
    method = method_copy(tmp_path, TORINO, ("method.yaml", old, new))
    refused(method, where(method / "method.yaml", needle, offset=offset), "error[schema]")


def test_a_negative_weight_is_refused_at_check(tmp_path):
    """The reproduction of F14: weights 300, -200 and 0 add up to 100 but are not weights."""
    edits = [("method.yaml", "probabilita: {aggregazione: media}", "probabilita: {aggregazione: media-ponderata}")]
    for code, weight in (("P1", 300), ("P2", -200), ("P3", 0), ("P4", 0), ("P5", 0), ("P6", 0)):
        edits.append(("method.yaml", f"scala: {code}, dimensione: probabilita,",
                      f"scala: {code}, dimensione: probabilita, peso: {weight},"))
    method = method_copy(tmp_path, TORINO, *edits)
    refused(method, where(method / "method.yaml", "-200"), "'peso'", "must be at least 0", errors=2)
    refused(method, where(method / "method.yaml", "300"), "'peso'", "must be at most 100", errors=2)


def test_a_score_beyond_the_engine_range_is_refused(tmp_path):
    """Each scale value is in range, but P × I (up to 10^7 × 10^6) is not: no score may reach the engine saturated."""
    method = method_copy(tmp_path, TORINO,
                         ("method.yaml", '{valore: 5, etichetta: "È altamente discrezionale"}',
                          '{valore: 10000000, etichetta: "È altamente discrezionale"}'),
                         ("method.yaml", '{valore: 5, etichetta: "A livello di capo dipartimento/segretario generale"}',
                          '{valore: 1000000, etichetta: "A livello di capo dipartimento/segretario generale"}'))
    refused(method, where(method / "method.yaml", "10000000"), "error[engine-limit]", "10000000 × 1000000")


def rename_indicators(tmp_path: Path, renames: dict[str, str]) -> Path:
    edits = [("method.yaml", f"{{codice: {old}, nome:", f"{{codice: {new}, nome:") for old, new in renames.items()]
    return method_copy(tmp_path, TORINO, *edits)


def test_indicators_whose_names_collide_in_the_engine_are_refused(tmp_path):
    """I3gndfu and I7d7xmL have the same FNV-1a hash: durable-rules would read one value for the other."""
    method = rename_indicators(tmp_path, {"P1": "I3gndfu", "P2": "I7d7xmL"})
    refused(method, where(method / "method.yaml", "I7d7xmL"), "error[engine-limit]",
            "'I3gndfu' and 'I7d7xmL' have the same engine hash")


@pytest.mark.parametrize(("name", "reserved"), [("HxSXDg", "t"), ("DOeeia", "id"), ("H1G0Wb", "$and")])
def test_an_indicator_colliding_with_an_engine_name_is_refused(tmp_path, name, reserved):
    method = rename_indicators(tmp_path, {"P3": name})
    refused(method, where(method / "method.yaml", name), "error[engine-limit]", f"'{reserved}' and '{name}'")


def test_checks_planned_are_a_whole_number(tmp_path):
    """``1.0e-400`` is a float YAML reads as 0.0: refused instead of silently becoming 0 checks."""
    catalogue = method_copy(tmp_path, MINI, ("assessment-2026.yaml", "verifiche_previste: 2",
                                             "verifiche_previste: 1.0e-400"))
    run = riskengine("check", catalogue, "--rules", REPO / "rules")
    output = run.stdout + run.stderr
    assert run.returncode == 1, output
    assert "Traceback" not in output
    assert where(catalogue / "assessment-2026.yaml", "1.0e-400") + ": error[schema]" in output
