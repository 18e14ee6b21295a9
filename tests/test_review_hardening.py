"""Regression tests for the reviewer's findings: reading a result, its declared shape, rule-test facts,
codes that print as something else, controls in the assessment's free text, and the graph's cache."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from catalog_helpers import REPO, broken_copy, problem_lines

from riskengine.catalog import load_catalog
from riskengine.errors import shorten
from riskengine.graph.build import build_graph
from riskengine.graph.queries import areas_of, descendants, events_of, owner_of
from riskengine.result.model import FINDING_ARGUMENTS, RESULT_FORMAT
from riskengine.suggest import skeleton

RULES = REPO / "rules"
GOLDEN = REPO / "tests" / "golden" / "mini" / "risultato.json"


def riskengine(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m riskengine ARGS`` in ``cwd``."""
    return subprocess.run([sys.executable, "-m", "riskengine", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


def one_error(proc: subprocess.CompletedProcess[str]) -> str:
    """The only error line of a run that failed cleanly (exit 1, no traceback)."""
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    lines = [line for line in (proc.stdout + proc.stderr).splitlines() if ": error[" in line]
    assert len(lines) == 1, proc.stdout + proc.stderr
    return lines[0]


# 1. `report FILE` reads the file like any other input: regular, bounded, not through a link.


@pytest.mark.parametrize("kind", ["device", "fifo", "link-out", "long-integer"])
def test_report_refuses_a_result_that_is_not_a_plain_readable_file(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    path = folder / "risultato.json"
    if kind == "device":
        path = Path("/dev/zero")
        expected = "/dev/zero: error[result]: not a regular file: a device"
    elif kind == "fifo":
        os.mkfifo(path)
        expected = f"{path}: error[result]: not a regular file: a named pipe (FIFO)"
    elif kind == "link-out":
        outside = tmp_path / "elsewhere.json"
        shutil.copyfile(GOLDEN, outside)
        path.symlink_to(outside)
        expected = f"{path}: error[result]: the file is a link to {shorten(outside)}, outside {shorten(folder)}"
    else:  # past Python's limit on the digits of an integer converted at once
        path.write_text('{"formato": ' + "9" * 5000 + "}\n", encoding="utf-8")
        expected = f"{path}: error[result]: is not a result: a number of more than 4,300 digits, which cannot be read"
    line = one_error(riskengine(tmp_path, "report", str(path), "--out", "rendered", "--format", "json"))
    assert line.startswith(expected), line
    assert not (tmp_path / "rendered").exists()


def test_report_refuses_a_result_above_the_size_limit(tmp_path: Path) -> None:
    path = tmp_path / "risultato.json"
    path.write_bytes(b" " * (1024 * 1024 + 1))
    proc = subprocess.run([sys.executable, "-m", "riskengine", "report", str(path), "--out", "r", "--format", "json"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "RISKENGINE_MAX_FILE_MB": "1"})
    assert "above the 1 MB limit" in one_error(proc)


# 2. The parts of a result the reports compute with are declared: a hand-edited file is refused when read.


def _edited(tmp_path: Path, edit) -> Path:
    data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    edit(data)
    path = tmp_path / "risultato.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def _overdue(data: dict) -> dict:
    return next(f for f in data["criticita"] if f["codice"] == "measure-overdue")


EDITS = {
    "empty method": (lambda d: d.__setitem__("metodo", {}), "metodo.codice: missing"),
    "no levels": (lambda d: d["metodo"].__setitem__("livelli", []), "metodo.livelli: must not be empty"),
    "empty organisation": (lambda d: d.__setitem__("ente", {}), "ente.codice: missing"),
    "empty summary": (lambda d: d.__setitem__("sintesi", {}), "sintesi.processi: missing"),
    "score not a number": (lambda d: d["processi"][0]["inerente"].__setitem__("rischio", "abc"),
                           "processi[0].inerente.rischio: does not have the expected form"),
    "year out of range": (lambda d: d.__setitem__("anno", 10 ** 12), "anno: must be at most 2200, got 1000000000000"),
    "finding value missing": (lambda d: _overdue(d)["argomenti"].pop("scadenza"),
                              "Value error, finding 'measure-overdue' lacks argomenti: scadenza"),
    "finding value not text": (lambda d: _overdue(d)["argomenti"].__setitem__("scadenza", [1]),
                               ".argomenti.scadenza: expected text"),
    "probability not a number": (lambda d: d["processi"][0].__setitem__("probabilita", "alta"),
                                 "processi[0].probabilita: 'alta' is not a number (the method is numeric)"),
    "colour not a colour": (lambda d: d["metodo"]["livelli"][0].__setitem__("colore", "red"),
                            "metodo.livelli[0].colore: does not have the expected form"),
    # a process twice, a level the method has not, a date of no calendar: rendered as if they were right
    "process twice": (lambda d: d["processi"].append(dict(d["processi"][0])), "' appears twice"),
    "unknown level": (lambda d: d["processi"][0].__setitem__("livello", "inesistente"),
                      "processi[0].livello: 'inesistente' is not a level of the method (alto, basso, medio"),
    "impossible date": (lambda d: d["ente"].__setitem__("data_riferimento", "2026-02-30"),
                        "ente.data_riferimento: '2026-02-30' is not a day of the calendar"),
    "grid with a missing row": (lambda d: d["metodo"].__setitem__(
        "griglia", {"righe": ["1", "2"], "colonne": ["1"], "celle": [["basso"]]}), "metodo.griglia"),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_report_refuses_a_result_the_reports_could_not_read(tmp_path: Path, name: str) -> None:
    edit, message = EDITS[name]
    path = _edited(tmp_path, edit)
    line = one_error(riskengine(tmp_path, "report", str(path), "--out", "rendered"))
    assert line.startswith(f"{path}: error[result]: is not a valid {RESULT_FORMAT} result: "), line
    assert message in line, line
    assert not (tmp_path / "rendered").exists()


def test_a_result_s_value_beyond_its_limit_is_worded_in_italian(tmp_path: Path) -> None:
    # "…non è un risultato … valido: anno: Input should be less than or equal to 2200": pydantic's English words
    path = _edited(tmp_path, lambda d: d.__setitem__("anno", 9999))
    proc = subprocess.run([sys.executable, "-m", "riskengine", "report", str(path), "--out", "r", "--lang", "it"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    assert one_error(proc).endswith(": anno: deve essere al massimo 2200, trovato 9999 (indica il risultato.json "
                                    "scritto da 'riskengine assess', o valuta di nuovo il catalogo)"), proc.stderr


def test_the_declared_finding_values_are_those_the_messages_name() -> None:
    catalogues = sorted((REPO / "src" / "riskengine" / "report" / "messages").glob("*.yaml"))
    assert catalogues
    for catalogue in catalogues:
        labels = yaml.safe_load(catalogue.read_text(encoding="utf-8"))["integrita"]
        named: dict[str, set[str]] = {}
        for code, label in labels.items():
            texts = label.values() if isinstance(label, dict) else [label]
            named[code] = {field for text in texts for field in re.findall(r"\{(\w+)\}", text)}
            if isinstance(label, dict):
                named[code].add("variante")  # the key of the label's variant
        assert named == {code: set(keys) for code, keys in FINDING_ARGUMENTS.items()}, catalogue.name


# 3. A rule-test fact far out of range is refused with its place, not an internal error.


@pytest.mark.parametrize(("fact", "message"), [
    ("1E+999999999", "1E+999999999 is outside the range the engine compares exactly"),
    ("1E-999999999", "1E-999999999 has more than 6 decimals"),
    ("1.0000000000000000000000000000001", "1.0000000000000000000000000000001 has more than 6 decimals"),
])
def test_rule_test_fact_out_of_range_is_one_error(tmp_path: Path, fact: str, message: str) -> None:
    method = tmp_path / "metodo"
    shutil.copytree(RULES / "cciaa-torino-2022", method)
    cases = method / "tests" / "politiche.yaml"
    text = cases.read_text(encoding="utf-8")
    assert text.count("fatti: {misure_specifiche: 1}\n") == 1
    cases.write_text(text.replace("fatti: {misure_specifiche: 1}\n", f'fatti: {{misure_specifiche: "{fact}"}}\n'),
                     encoding="utf-8")
    line = one_error(riskengine(tmp_path, "test", "metodo"))
    assert line.startswith("metodo/tests/politiche.yaml:14:32: error[rule-test]: fact 'misure_specifiche': "), line
    assert message in line


# 4. and 6. Codes: nothing that prints as nothing or on its neighbour; integers bounded like text.


@pytest.mark.parametrize(("char", "name", "kind"), [
    ("\u034f", "COMBINING GRAPHEME JOINER", "combining"),
    ("\ufe0f", "VARIATION SELECTOR-16", "combining"),
    ("\U000e0100", "VARIATION SELECTOR-17", "combining"),
    ("\u0301", "COMBINING ACUTE ACCENT", "combining"),
    ("\u115f", "HANGUL CHOSEONG FILLER", "invisible or control"),
    ("\u1160", "HANGUL JUNGSEONG FILLER", "invisible or control"),
    ("\u3164", "HANGUL FILLER", "invisible or control"),
    ("\uffa0", "HALFWIDTH HANGUL FILLER", "invisible or control"),
    ("\u2800", "BRAILLE PATTERN BLANK", "invisible or control"),
])
def test_a_code_with_a_character_that_prints_as_nothing_is_refused(tmp_path: Path, char: str, name: str,
                                                                   kind: str) -> None:
    broken_copy(tmp_path, ("processes.yaml", "  - codice: B2.2.1\n", f'  - codice: "B2.{char}2.1"\n'))
    proc = riskengine(tmp_path, "check", "cat")
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    lines = problem_lines(proc.stdout)
    assert len(lines) == 1, proc.stdout
    assert lines[0].startswith(f"cat/processes.yaml:26:13: error[schema]: 'codice': a code cannot contain {kind} "
                               f"characters: U+{ord(char):04X} {name} is character 4 of "), lines[0]


def test_a_code_with_accented_letters_is_still_a_code(tmp_path: Path) -> None:
    cat = broken_copy(tmp_path, ("processes.yaml", "  - codice: B2.2.1\n", '  - codice: "B2.2.1-Società"\n'),
                      ("assessment-2026.yaml", "processo: B2.2.1", "processo: B2.2.1-Società"))
    assert "B2.2.1-Società" in {p.codice for p in load_catalog(cat).processes.processi}


def test_an_integer_code_is_bounded_like_a_written_one(tmp_path: Path) -> None:
    broken_copy(tmp_path, ("processes.yaml", "  - codice: B2.2.1\n", f"  - codice: {'7' * 250}\n"))
    proc = riskengine(tmp_path, "check", "cat")
    assert proc.returncode == 1 and "Traceback" not in proc.stdout + proc.stderr
    assert problem_lines(proc.stdout) == [
        "cat/processes.yaml:26:13: error[schema]: 'codice': a code has at most 200 characters, this one is "
        "a number of about 250 digits"]


def test_skeleton_drops_what_prints_as_nothing() -> None:
    assert skeleton("B\u034f2.\ufe0f1.\U000e01001\u200b") == skeleton("B2.1.1") == "B2.1.1"
    assert skeleton("\u0412\u3164\uffa02") == "B2"
    assert skeleton("e\u034f\u0301") == skeleton("\u00e9")  # a joiner does not keep an accent apart


# 5. Terminal controls written in the assessment's free text are removed when it is read.


def test_controls_in_the_assessment_text_reach_neither_explain_nor_the_reports(tmp_path: Path) -> None:
    esc = "\\e]8;;https://evil.example\\a\\e[2J"  # YAML escapes: an OSC 8 link and a screen clear
    broken_copy(tmp_path,
                ("assessment-2026.yaml", 'motivazione: "Affidamenti diretti', f'motivazione: "{esc}Affidamenti diretti'),
                ("assessment-2026.yaml", '      P5: "L\'affidamento', f'      P5: "{esc}L\'affidamento'),
                ("assessment-2026.yaml", 'note: "Primo semestre', f'note: "{esc}Primo semestre'))
    shutil.copytree(RULES, tmp_path / "rules")
    explained = riskengine(tmp_path, "explain", "cat", "B2.1.1", "--rules", "rules", "--lang", "it")
    assert explained.returncode == 0, explained.stderr
    assert "motivazione del giudizio: ]8;;https://evil.example[2JAffidamenti diretti" in explained.stdout
    assert "\x1b" not in explained.stdout and "\x07" not in explained.stdout
    assessed = riskengine(tmp_path, "assess", "cat", "--rules", "rules", "--out", "out", "--format", "json,html",
                          "-q")
    assert assessed.returncode == 3, assessed.stderr  # mini's annex is a draft (an error finding)
    html = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "out").rglob("*.html"))
    result = (tmp_path / "out" / "risultato.json").read_text(encoding="utf-8")
    assert "evil.example" in html and "evil.example" in result  # the text is there, without its controls
    for text in (html, result):
        assert "\x1b" not in text and "\x07" not in text and "\\u001b" not in text and "\\u0007" not in text
    data = json.loads(result)
    process = next(p for p in data["processi"] if p["codice"] == "B2.1.1")
    assert process["motivazione"].startswith("]8;;https://evil.example[2JAffidamenti")
    assert next(m for m in data["misure"] if m["codice"] == "MS01")["note_monitoraggio"].startswith("]8;;")


# 8. The graph's cached answers are handed out as copies.


def test_graph_queries_answer_the_same_however_their_answers_are_used() -> None:
    cg = build_graph(load_catalog(REPO / "tests" / "data" / "mini"))
    process = "process:B2.1.1"
    first = (descendants(cg, process), events_of(cg, process), areas_of(cg, process), owner_of(cg, process))
    assert first[1] and first[2] and first[3]
    for answer in first[:3]:
        answer.append("tampered")
    again = (descendants(cg, process), events_of(cg, process), areas_of(cg, process), owner_of(cg, process))
    assert all("tampered" not in answer for answer in again[:3])
    assert again[3] == first[3]
    assert cg.memo(process, "events", lambda: ["not computed again"]) == again[1]
