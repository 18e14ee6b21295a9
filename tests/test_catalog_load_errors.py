"""Load errors: every kind is reported by `riskengine check` at its exact place; hostile files are refused.

Cases are built in tmp_path from the mini catalogue by rewriting one file; line and column numbers
are counted by hand from the mini files (ente.yaml: 1 codice, 2 nome, 3 tipo, 4 dipendenti, 5 piano,
6 data_riferimento, 7 metodo, 8 esempio, 9 descrizione).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time

import pytest
from catalog_helpers import MINI, REPO, broken_copy, problem_lines, run_cli
from typer.testing import CliRunner

from riskengine.cli import app
from riskengine.errors import RiskengineError
from riskengine.source.document import load_yaml, max_bytes

ENTE_KEYS = "codice, nome, tipo, dipendenti, piano, data_riferimento, metodo, metodi_precedenti, esempio, descrizione, tipologie_obbligatorie"
TAG_HINT = "(rule and catalogue files hold plain data only: remove the '!' tag)"

# case -> (edits, problem lines); every case exits 1
CASES = {
    "invalid-yaml-syntax": (
        [("ente.yaml", "piano: {dal: 2026, al: 2028}", "piano: {dal: 2026, al: 2028")],
        # the unclosed flow mapping of line 5 is noticed at the ':' of line 6 (column 17)
        ["cat/ente.yaml:6:17: error[load]: invalid YAML: the brace '{' opened on line 5 is not closed, or a comma "
         "between the entries is missing (close the brace with '}' and separate the entries with commas)"]),
    # a required key misspelt: one line at the key as written (the missing 'nome' follows from it, and was said
    # too, at the start of the mapping)
    "unknown-key": (
        [("ente.yaml", 'nome: "Camera', 'nomee: "Camera')],
        ["cat/ente.yaml:2:1: error[schema]: unknown key 'nomee' (did you mean 'nome'?)"]),
    "unknown-key-in-nested-phase": (
        [("processes.yaml", '        nome: "Programmazione', '        nomee: "Programmazione')],
        ["cat/processes.yaml:8:9: error[schema]: unknown key 'nomee' (did you mean 'nome'?)"]),
    "unknown-key-beside-a-missing-one": (  # not a misspelling of it: both said
        [("ente.yaml", 'nome: "Camera', 'titolo: "Camera')],
        ["cat/ente.yaml:1:1: error[schema]: missing required key 'nome'",
         "cat/ente.yaml:2:1: error[schema]: unknown key 'titolo' (did you mean 'tipo'?)"]),
    "unknown-key-in-tratta": (
        [("measures.yaml", "    tratta: {tutti: true}\n", "    tratta: {tuti: true}\n")],
        ["cat/measures.yaml:13:14: error[schema]: unknown key 'tuti' (did you mean 'tutti'?)"]),
    "wrong-type": (
        [("ente.yaml", "dipendenti: 60", 'dipendenti: "tanti"')],
        ["cat/ente.yaml:4:13: error[schema]: 'dipendenti' must be a whole number, got 'tanti'"]),
    "boolean-for-a-number": (
        [("ente.yaml", "dipendenti: 60", "dipendenti: true")],
        ["cat/ente.yaml:4:13: error[schema]: 'dipendenti' must be a whole number, got true"]),  # as YAML writes it
    "code-with-a-leading-zero": (  # YAML 1.1 reads 010 as octal 8: the code was '8', without a word
        [("processes.yaml", "  - codice: B2.2.1\n", "  - codice: 010\n")],
        ["cat/processes.yaml:26:13: error[load]: invalid number '010': YAML reads a number with a leading zero as "
         "octal, here 8; if it is the number, write it without leading zeros (write it in quotes if it is text)"]),
    "fraction-for-a-whole-number": (  # pydantic's own English ('got a number with a fractional part') before
        [("ente.yaml", "piano: {dal: 2026, al: 2028}", "piano: {dal: 2026.5, al: 2028}")],
        ["cat/ente.yaml:5:14: error[schema]: 'dal' must be a whole number, got 2026.5"]),
    "decimal-comma": (  # the Italian way: said so, with the number to write
        [("measures.yaml", "    ambito: generale\n", "    ambito: generale\n    efficacia: \"0,5\"\n")],
        ["cat/measures.yaml:6:16: error[schema]: 'efficacia': expected a number, got '0,5': decimals are written "
         "with a point, 0.5"]),
    "percentage-for-a-fraction": (  # an efficacy of 25%, written as a whole number
        [("measures.yaml", "    ambito: generale\n", "    ambito: generale\n    efficacia: 25\n")],
        ["cat/measures.yaml:6:16: error[schema]: 'efficacia' must be at most 1, got 25 (a fraction from 0 to 1: "
         "25% is written 0.25)"]),
    "percentage-with-decimals-for-a-fraction": (
        [("measures.yaml", "    ambito: generale\n", "    ambito: generale\n    efficacia: 12.5\n")],
        ["cat/measures.yaml:6:16: error[schema]: 'efficacia' must be at most 1, got 12.5 (a fraction from 0 to 1: "
         "12.5% is written 0.125)"]),
    "percentage-sign-for-a-fraction": (  # regression (review): '25%' was only "expected a number"
        [("measures.yaml", "    ambito: generale\n", "    ambito: generale\n    efficacia: 25%\n")],
        ["cat/measures.yaml:6:16: error[schema]: 'efficacia': expected a number, got '25%' (a fraction from 0 to 1: "
         "25% is written 0.25)"]),
    "small-percentage-sign-for-a-fraction": (  # regression (second review): with its sign, 0.5% is a percentage too
        [("measures.yaml", "    ambito: generale\n", "    ambito: generale\n    efficacia: 0.5%\n")],
        ["cat/measures.yaml:6:16: error[schema]: 'efficacia': expected a number, got '0.5%' (a fraction from 0 to 1: "
         "0.5% is written 0.005)"]),
    "percentage-sign-after-a-no-break-space": (  # regression (third review): pasted text has U+00A0 before '%'
        [("measures.yaml", "    ambito: generale\n", "    ambito: generale\n    efficacia: \"25\u00a0%\"\n")],
        ["cat/measures.yaml:6:16: error[schema]: 'efficacia': expected a number, got '25\u00a0%' (a fraction from 0 "
         "to 1: 25% is written 0.25)"]),
    "other-digits-with-a-percentage-sign": (  # Arabic-Indic digits are no number YAML reads: no fraction proposed
        [("measures.yaml", "    ambito: generale\n", "    ambito: generale\n    efficacia: \"\u0662\u0665%\"\n")],
        ["cat/measures.yaml:6:16: error[schema]: 'efficacia': expected a number, got '\u0662\u0665%'"]),
    "over-a-hundred-for-a-fraction": (  # no percentage: said without a guess
        [("measures.yaml", "    ambito: generale\n", "    ambito: generale\n    efficacia: 250\n")],
        ["cat/measures.yaml:6:16: error[schema]: 'efficacia' must be at most 1, got 250"]),
    "single-value-for-a-list": (
        [("processes.yaml", "    aree: [C]\n", "    aree: C\n")],
        ["cat/processes.yaml:15:11: error[schema]: 'aree' must be a list, got 'C' (write [C]: a single value is "
         "still written as a list)"]),
    "values-with-commas-for-a-list": (
        [("processes.yaml", "    aree: [C]\n", "    aree: C, D\n")],
        ["cat/processes.yaml:15:11: error[schema]: 'aree' must be a list, got 'C, D' (write [C, D]: a single value "
         "is still written as a list)"]),
    "mapping-for-a-list": (  # no single value: said without a guess
        [("processes.yaml", "    aree: [C]\n", "    aree: {C: D}\n")],
        ["cat/processes.yaml:15:11: error[schema]: 'aree' must be a list, got {'C': 'D'}"]),
    "word-for-a-list-of-mappings": (  # regression (review): "write [RPCT]" was proposed, a list of one word again
        [("units.yaml", "ruoli:\n", "ruoli: RPCT\n"), ("units.yaml", "  - {codice: RPCT,", "#  - {codice: RPCT,"),
         ("units.yaml", "  - {codice: DIR,", "#  - {codice: DIR,")],
        ["cat/units.yaml:8:8: error[schema]: 'ruoli' must be a list, got 'RPCT'"]),
    "null-for-a-text": (
        [("ente.yaml", 'nome: "Camera di commercio Mini (dati di prova)"', "nome: null")],
        ["cat/ente.yaml:2:7: error[schema]: 'nome' must be text, got null"]),
    "false-for-a-choice": (
        [("measures.yaml", "    ambito: generale\n", "    ambito: false\n")],
        ["cat/measures.yaml:5:13: error[schema]: 'false' is not a valid value for 'ambito' "
         "(expected one of: 'generale', 'specifica')"]),
    "date-for-a-number": (
        [("ente.yaml", "dipendenti: 60", "dipendenti: 2026-01-31")],
        ["cat/ente.yaml:4:13: error[schema]: 'dipendenti' must be a whole number, got 2026-01-31"]),
    "date-and-time-for-a-text": (
        [("ente.yaml", 'nome: "Camera di commercio Mini (dati di prova)"', "nome: 2026-01-31 10:00:00")],
        ["cat/ente.yaml:2:7: error[schema]: 'nome' must be text, got 2026-01-31 10:00:00"]),
    "number-for-a-date": (  # pydantic would read it as seconds since 1970: 0 is 01/01/1970
        [("ente.yaml", "data_riferimento: 2026-01-31", "data_riferimento: 0")],
        ["cat/ente.yaml:6:19: error[schema]: 'data_riferimento': expected a date (YYYY-MM-DD), got the number 0"]),
    "wrong-type-list-item": (
        [("processes.yaml", "    aree: [C]\n", "    aree: [C, [x]]\n")],
        ["cat/processes.yaml:15:15: error[schema]: an item of 'aree' must be text, got ['x']"]),
    "invalid-literal": (
        [("measures.yaml", "    ambito: generale\n", "    ambito: generalle\n")],
        ["cat/measures.yaml:5:13: error[schema]: 'generalle' is not a valid value for 'ambito' "
         "(did you mean 'generale'?)"]),
    "invalid-literal-in-list": (
        [("ente.yaml", "esempio: true\n", "esempio: true\ntipologie_obbligatorie: [etica, rotazion]\n")],
        ["cat/ente.yaml:9:33: error[schema]: 'rotazion' is not a valid value for an item of "
         "'tipologie_obbligatorie' (did you mean 'rotazione'?)"]),
    "missing-required-key": (
        [("ente.yaml", "metodo: cciaa-torino-2022\n", "")],
        ["cat/ente.yaml:1:1: error[schema]: missing required key 'metodo'"]),
    "empty-file": (
        [("ente.yaml", None, "")],
        [f"cat/ente.yaml:1:1: error[schema]: the file is empty (expected the keys: {ENTE_KEYS})"]),
    "comments-only-file": (
        [("ente.yaml", None, "# nothing yet\n")],
        [f"cat/ente.yaml:1:1: error[schema]: the file is empty (expected the keys: {ENTE_KEYS})"]),
    "top-level-list": (
        [("ente.yaml", None, "- codice: mini\n- nome: Mini\n")],
        [f"cat/ente.yaml:1:1: error[schema]: expected a mapping (key: value) at the top of the file "
         f"(expected the keys: {ENTE_KEYS})"]),
    "duplicate-key": (
        [("ente.yaml", "esempio: true\n", "esempio: true\nnome: altro\n")],
        ["cat/ente.yaml:9:1: error[load]: duplicate key 'nome' in the same mapping (keep one of the two entries)"]),
    "code-read-as-float": (
        [("processes.yaml", "  - codice: B2.2.1\n", "  - codice: 1.10\n")],
        ["cat/processes.yaml:26:13: error[schema]: 'codice': YAML read this code as the number 1.10: "
         "write it in quotes"]),
    "impossible-date": (
        [("ente.yaml", "data_riferimento: 2026-01-31", "data_riferimento: 2026-02-30")],
        ["cat/ente.yaml:6:19: error[load]: invalid date '2026-02-30': there is no day 30 in that month, which has "
         "28 days (write dates as YYYY-MM-DD)"]),
    "month-out-of-range": (
        [("ente.yaml", "data_riferimento: 2026-01-31", "data_riferimento: 2026-13-01")],
        ["cat/ente.yaml:6:19: error[load]: invalid date '2026-13-01': there is no month 13 (1 to 12) "
         "(write dates as YYYY-MM-DD)"]),
    # a name of millions of characters passed, repeated in every table: an annex of hundreds of megabytes
    "name-too-long": (
        [("measures.yaml", 'nome: "Codice di comportamento"', 'nome: "' + "x" * 20_001 + '"')],
        ["cat/measures.yaml:3:11: error[schema]: 'nome': a text of 20,001 characters, over the limit of 20,000 for "
         "a text field"]),
    # a unit valid until before it begins: said only as five 'unit-not-valid' findings, each twice
    "validity-reversed": (
        [("units.yaml", "padre: SG, valida_dal: 2025-01-01}", "padre: SG, valida_dal: 2025-01-01, valida_al: 2024-01-01}")],
        ["cat/units.yaml:7:5: error[schema]: 'valida_al' (2024-01-01) is before 'valida_dal' (2025-01-01): the unit "
         "would exist on no day"]),
    "date-in-wrong-format": (
        [("ente.yaml", "data_riferimento: 2026-01-31", "data_riferimento: 31/01/2026")],
        ["cat/ente.yaml:6:19: error[schema]: 'data_riferimento': expected a date (YYYY-MM-DD), got '31/01/2026': "
         "write 2026-01-31"]),
    "deadline-not-a-date": (
        [("measures.yaml", "    scadenza: 2026-06-30\n", "    scadenza: fine anno\n")],
        ["cat/measures.yaml:25:15: error[schema]: 'scadenza': expected a date (YYYY-MM-DD) or 'continua', got 'fine anno'"]),
    "python-tag": (
        [("ente.yaml", "esempio: true", 'esempio: !!python/object/apply:os.system ["echo pwned"]')],
        [f"cat/ente.yaml:8:10: error[load]: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' "
         f"is not allowed {TAG_HINT}"]),
    "custom-tag": (
        [("ente.yaml", "esempio: true", "esempio: !vero true")],
        [f"cat/ente.yaml:8:10: error[load]: YAML tag '!vero' is not allowed {TAG_HINT}"]),
    "invalid-number": (
        [("ente.yaml", "dipendenti: 60", "dipendenti: 0x_")],
        ["cat/ente.yaml:4:13: error[load]: invalid number '0x_': digits are missing after '0x' or '0b' "
         "(write it in quotes if it is text)"]),
    "integer-too-long": (  # past Python's limit on the digits of an integer converted at once
        [("ente.yaml", "dipendenti: 60", "dipendenti: 1" + "0" * 5000)],
        ["cat/ente.yaml:4:13: error[load]: invalid number '1000000000000000000000000000000000000000… (5,001 "
         "characters)': a number of more than 4,300 digits, which cannot be read (write it in quotes if it is text)"]),
    "control-character": (  # often pasted from another program; the reader gives only its offset
        [("ente.yaml", 'nome: "Camera di commercio Mini', 'nome: "Camera di \x1b[1mcommercio Mini')],
        ["cat/ente.yaml:2:18: error[load]: invalid YAML: a control character, usually invisible (U+001B), is not "
         "allowed (delete it: it usually comes with text pasted from another program)"]),
    "staff-beyond-any-administration": (  # more than the whole public sector: a typing error
        [("ente.yaml", "dipendenti: 60", "dipendenti: 600000000")],
        ["cat/ente.yaml:4:13: error[schema]: 'dipendenti' must be at most 10000000, got 600000000"]),
    "missing-file": (
        [],  # units.yaml removed below
        ["cat/units.yaml: error[load]: missing file units.yaml "
         "(every catalogue needs ente.yaml, areas.yaml, units.yaml, processes.yaml, measures.yaml)"]),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_load_error_is_reported_at_its_place(case, tmp_path, monkeypatch):
    edits, expected = CASES[case]
    cat = broken_copy(tmp_path, *edits)
    if case == "missing-file":
        (cat / "units.yaml").unlink()
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "cat")
    assert result.exit_code == 1, result.output
    assert problem_lines(result.stdout) == expected
    assert result.stdout.splitlines()[-1] == f"FAILED: {len(expected)} error{'' if len(expected) == 1 else 's'}, 0 warnings, 0 notes"


def test_errors_of_every_file_are_reported_together(tmp_path, monkeypatch):
    """Three files broken in three ways: one run lists all five problems, in file order per code."""
    broken_copy(tmp_path,
                ("ente.yaml", "dipendenti: 60", 'dipendenti: "tanti"'),
                ("ente.yaml", "esempio: true", 'esempio: !!python/object/apply:os.system ["echo pwned"]'),
                ("measures.yaml", "    ambito: generale\n", "    ambito: generalle\n"),
                ("processes.yaml", "  - codice: B2.2.1\n", "  - codice: 1.10\n"),
                ("units.yaml", "tipo: uo,", "tipo: UO,"))
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "cat")
    assert result.exit_code == 1
    # a YAML error (the tag) stops ente.yaml, so its wrong 'dipendenti' is not reached
    assert problem_lines(result.stdout) == [
        f"cat/ente.yaml:8:10: error[load]: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' "
        f"is not allowed {TAG_HINT}",
        "cat/measures.yaml:5:13: error[schema]: 'generalle' is not a valid value for 'ambito' "
        "(did you mean 'generale'?)",
        "cat/processes.yaml:26:13: error[schema]: 'codice': YAML read this code as the number 1.10: "
        "write it in quotes",
        # units.yaml line 7: "tipo: UO" at column 53
        "cat/units.yaml:7:53: error[schema]: 'UO' is not a valid value for 'tipo' (did you mean 'uo'?)",
    ]
    assert "pwned" not in result.output


def test_not_a_catalogue_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "nowhere")
    assert result.exit_code == 1
    assert problem_lines(result.stdout) == [
        "nowhere: error[load]: no such file or folder (give the path of a folder holding ente.yaml, areas.yaml, …)"]


GENERIC = "(give the path of a folder holding ente.yaml, areas.yaml, …)"


@pytest.mark.parametrize(("path", "said"), [
    # a typo of a catalogue's folder, or of a method's (check reads methods too): the one it looks like
    ("cataloghi/esempio-ccia", "no such file or folder (did you mean 'cataloghi/esempio-cciaa'?)"),
    ("rules/pna2091", "no such file or folder (did you mean 'rules/pna2019'?)"),
    # a folder that is neither is not suggested, however alike
    ("cataloghi/nota", f"no such file or folder {GENERIC}"),
    ("cataloghi/zzz", f"no such file or folder {GENERIC}"),
    # the catalogues' parent: the catalogues it holds, in order
    ("cataloghi", "not a catalogue directory (it holds the catalogues cataloghi/altro, cataloghi/esempio-cciaa: "
                  "give the path of one of them)"),
    ("solo", "not a catalogue directory (it holds the catalogue solo/unico: give its path)"),
    # a file of a catalogue or of a method, or one mistyped in its folder: the folder
    ("cataloghi/esempio-cciaa/units.yaml", "not a catalogue directory (give the catalogue's folder instead, "
                                           "cataloghi/esempio-cciaa)"),
    ("cataloghi/esempio-cciaa/assessment-2025.yaml", "not a catalogue directory (give the catalogue's folder "
                                                     "instead, cataloghi/esempio-cciaa)"),
    ("cataloghi/esempio-cciaa/unit.yaml", "no such file or folder (give the catalogue's folder instead, "
                                          "cataloghi/esempio-cciaa)"),
    ("rules/pna2019/method.yaml", "not a catalogue directory (give the method's folder instead, rules/pna2019)"),
    # a folder with neither catalogue files nor catalogues
    ("rules", f"not a catalogue directory {GENERIC}"),
])
def test_a_path_that_holds_no_catalogue_says_what_was_meant(tmp_path, monkeypatch, path, said):
    for name in ("esempio-cciaa", "altro"):
        shutil.copytree(MINI, tmp_path / "cataloghi" / name)
    shutil.copytree(MINI, tmp_path / "solo" / "unico")
    (tmp_path / "cataloghi" / "esempio-cciaa" / "assessment-2025.yaml").write_text("anno: 2025\n", encoding="utf-8")
    (tmp_path / "cataloghi" / ".nascosta").mkdir()
    (tmp_path / "cataloghi" / "note").mkdir()
    for name in ("pna2013", "pna2019"):
        shutil.copytree(REPO / "rules" / name, tmp_path / "rules" / name)
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", path)
    assert result.exit_code == 1
    assert problem_lines(result.stdout) == [f"{path}: error[load]: {said}"]


@pytest.mark.parametrize(("path", "said"), [
    ("rules/pna2091", f"no such file or folder {GENERIC}"),
    ("rules/pna2019/method.yaml", f"not a catalogue directory {GENERIC}"),
    ("cataloghi/esempio-ccia", "no such file or folder (did you mean 'cataloghi/esempio-cciaa'?)"),
])
def test_only_check_is_pointed_to_a_method_folder(tmp_path, monkeypatch, path, said):
    # assess, explain… read catalogues alone: a method folder suggested to them would be refused in turn
    shutil.copytree(MINI, tmp_path / "cataloghi" / "esempio-cciaa")
    shutil.copytree(REPO / "rules" / "pna2019", tmp_path / "rules" / "pna2019")
    monkeypatch.chdir(tmp_path)
    for command in (["assess", path, "--out", "o"], ["explain", path, "X"]):
        result = CliRunner().invoke(app, command)
        assert result.exit_code == 1, result.output
        assert result.output.startswith(f"{path}: error[load]: {said}\n"), result.output


def test_no_suggestion_from_a_folder_too_large_to_list_or_a_name_that_cannot_be_typed(tmp_path, monkeypatch):
    # beyond FOLDERS_LOOKED_AT entries a suggestion would depend on the order the system lists them in
    from riskengine.catalog.load import FOLDERS_LOOKED_AT

    shutil.copytree(MINI, tmp_path / "molti" / "esempio-cciaa")
    for k in range(FOLDERS_LOOKED_AT):
        (tmp_path / "molti" / f"c{k:04d}").mkdir()
    shutil.copytree(MINI, tmp_path / "pochi" / os.fsdecode(b"esempio-cci\xff"))
    monkeypatch.chdir(tmp_path)
    for path in ("molti/esempio-ccia", "pochi/esempio-cci"):
        assert problem_lines(run_cli("check", path).stdout) == [f"{path}: error[load]: no such file or folder {GENERIC}"]
    (tmp_path / "molti" / "c0000").rmdir()
    assert problem_lines(run_cli("check", "molti/esempio-ccia").stdout) == [
        "molti/esempio-ccia: error[load]: no such file or folder (did you mean 'molti/esempio-cciaa'?)"]


@pytest.mark.parametrize(("command", "said"), [
    (["check"], "cannot read the folder: "), (["assess", "--out", "o"], "cannot read the folder: "),
    (["explain", "X"], "cannot read the folder: "), (["graph"], "cannot read the folder: "),
    # a result file, or a catalogue: a path the system cannot probe is no result file
    (["report", "--out", "o"], "no such result file"), (["diff", "a" * 300], "no such result file"),
    (["test"], "method.yaml"),
])
def test_a_name_too_long_for_the_system_is_one_located_line(tmp_path, monkeypatch, command, said):
    # pathlib's probes raise for it: an internal error, exit 70
    monkeypatch.chdir(tmp_path)
    name = "a" * 300
    result = CliRunner().invoke(app, [command[0], name, *command[1:]])
    assert result.exit_code == 1, result.output
    assert re.search(rf"^ *{name}\S*: error\[", result.output, re.M) and said in result.output, result.output
    assert "internal error" not in result.output and list(tmp_path.iterdir()) == []


def test_a_mistyped_folder_is_said_in_italian_by_default(tmp_path, monkeypatch):
    shutil.copytree(MINI, tmp_path / "esempio-cciaa")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RISKENGINE_LANG")
    result = run_cli("check", "esempio-ccia")
    assert result.exit_code == 1
    assert "esempio-ccia: error[load]: il percorso non esiste (forse 'esempio-cciaa'?)" in result.output


def test_a_directory_where_a_file_should_be(tmp_path, monkeypatch):
    cat = broken_copy(tmp_path)
    (cat / "units.yaml").unlink()
    (cat / "units.yaml").mkdir()
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "cat")
    assert result.exit_code == 1
    assert problem_lines(result.stdout) == [
        "cat/units.yaml: error[load]: not a regular file: a directory (rule and catalogue files are plain YAML files)"]


def test_factors_file_is_optional_and_its_errors_are_located(tmp_path, monkeypatch):
    broken_copy(tmp_path, ("factors.yaml", None, "fattori:\n  - {codice: a, nome: controlli}\n  - {codice: b}\n"))
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "cat")
    assert result.exit_code == 1
    assert problem_lines(result.stdout) == ["cat/factors.yaml:3:5: error[schema]: missing required key 'nome'"]


# --- hostile files: generated here, never committed ---------------------------------------------


def _write_bytes(tmp_path, data: bytes, file: str = "ente.yaml"):
    cat = broken_copy(tmp_path)
    (cat / file).write_bytes(data)
    return cat


def test_binary_file(tmp_path, monkeypatch):
    # PNG signature: "\x89PNG\r\n" "\x1a\n" then NUL at byte 8, i.e. line 3 column 1
    _write_bytes(tmp_path, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "cat")
    assert result.exit_code == 1
    assert problem_lines(result.stdout) == [
        "cat/ente.yaml:3:1: error[load]: binary file (NUL byte found): expected UTF-8 YAML text"]


def test_file_not_in_utf8(tmp_path, monkeypatch):
    latin1 = (MINI / "ente.yaml").read_text(encoding="utf-8").replace(
        'nome: "Camera di commercio Mini (dati di prova)"', 'nome: "Città"').encode("latin-1")
    _write_bytes(tmp_path, latin1)
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "cat")
    assert result.exit_code == 1
    # line 2 'nome: "Citt' is 11 bytes: the latin-1 'à' is byte 12
    assert problem_lines(result.stdout) == [
        "cat/ente.yaml:2:12: error[load]: file is not valid UTF-8 text (save the file as UTF-8)"]


def test_a_50_mb_file_is_refused_by_size_within_seconds(tmp_path, monkeypatch):
    cat = broken_copy(tmp_path)
    with open(cat / "measures.yaml", "r+b") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: costs no disk, reads as NUL bytes if ever read
    monkeypatch.chdir(tmp_path)
    start = time.monotonic()
    result = run_cli("check", "cat")
    assert time.monotonic() - start < 5
    assert result.exit_code == 1
    limit = max_bytes() // 1048576
    assert problem_lines(result.stdout) == [
        f"cat/measures.yaml: error[load]: file is 50.0 MB, above the {limit} MB limit "
        "(split the file, or raise the limit with RISKENGINE_MAX_FILE_MB)"]


def test_size_limit_is_exact_and_can_be_changed(tmp_path, monkeypatch):
    monkeypatch.setenv("RISKENGINE_MAX_FILE_MB", "²")  # isdigit() took it and int() refused it: an internal error
    assert max_bytes() == 20 * 1048576
    monkeypatch.setenv("RISKENGINE_MAX_FILE_MB", "1")
    assert max_bytes() == 1048576
    body = b"a: 1\n"
    filler = b"# " + b"x" * 1021 + b"\n"  # 1,024-byte comment lines
    text = body + filler * ((1048576 - len(body)) // len(filler))
    text += b"#" * (1048576 - len(text) - 1) + b"\n"
    assert len(text) == 1048576
    at_limit = tmp_path / "at-limit.yaml"
    at_limit.write_bytes(text)
    assert load_yaml(at_limit).data == {"a": 1}
    over = tmp_path / "over.yaml"
    over.write_bytes(text + b"\n")
    with pytest.raises(RiskengineError) as info:
        load_yaml(over)
    assert str(info.value) == (f"{over}: error[load]: file is 1.0 MB, above the 1 MB limit "
                               "(split the file, or raise the limit with RISKENGINE_MAX_FILE_MB)")


def _billion_laughs() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_quickly(tmp_path, monkeypatch):
    """Nine levels of nine aliases (10^9 strings) stop at the node budget, 100,000 values.

    Counting values in build order (a0 takes 10, a1 91, a2 820, a3 7,381, a4 66,430) the budget runs
    out inside a5, at the second "lol" of line 1 (column 16: 'a0: &a0 [' is 9 characters, "lol", is 6).
    """
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text(_billion_laughs(), encoding="utf-8")
    assert bomb.stat().st_size < 1000
    start = time.monotonic()
    with pytest.raises(RiskengineError) as info:
        load_yaml(bomb)
    assert time.monotonic() - start < 2
    assert str(info.value) == (f"{bomb}:1:16: error[load]: too many values after expanding aliases "
                               "(possible alias bomb) (remove the repeated '*alias' references or split the file)")

    _write_bytes(tmp_path / "x", _billion_laughs().encode(), "areas.yaml")
    monkeypatch.chdir(tmp_path / "x")
    start = time.monotonic()
    result = run_cli("check", "cat")
    assert time.monotonic() - start < 2
    assert result.exit_code == 1
    assert problem_lines(result.stdout) == [
        "cat/areas.yaml:1:16: error[load]: too many values after expanding aliases (possible alias bomb) "
        "(remove the repeated '*alias' references or split the file)"]


def test_aliases_expanding_to_more_text_than_a_file_may_hold_are_refused(tmp_path, monkeypatch):
    # a few thousand aliases of one 20,000-character text, under the value budget: a 445 KB file made a 1.3 GB
    # annex (written out without aliases, the file would be refused by the size limit)
    monkeypatch.setenv("RISKENGINE_MAX_FILE_MB", "1")
    path = tmp_path / "testo.yaml"
    path.write_text("a: &t \"" + "X" * 20_000 + "\"\nb: [" + ", ".join(["*t"] * 60) + "]\n", encoding="utf-8")
    with pytest.raises(RiskengineError) as info:
        load_yaml(path)
    assert str(info.value) == (f"{path}:1:4: error[load]: the aliases expand the file's values to more than 1 MB "
                               "of text, the size limit of a file (remove the repeated '*alias' references or split "
                               "the file)")
    path.write_text("a: &t \"" + "X" * 20_000 + "\"\nb: [" + ", ".join(["*t"] * 40) + "]\n", encoding="utf-8")
    assert len(load_yaml(path).data["b"]) == 40  # 820,000 characters: within the limit


def test_a_few_aliases_are_fine(tmp_path):
    path = tmp_path / "ok.yaml"
    path.write_text("base: &b {tipo: ufficio, padre: SG}\nuno: *b\ndue: *b\n", encoding="utf-8")
    assert load_yaml(path).data == {"base": {"tipo": "ufficio", "padre": "SG"},
                                    "uno": {"tipo": "ufficio", "padre": "SG"},
                                    "due": {"tipo": "ufficio", "padre": "SG"}}


def test_a_merge_key_is_said_to_be_one(tmp_path):
    # '<<: *base' was refused as "YAML tag 'tag:yaml.org,2002:merge' … remove the '!' tag": the user wrote no '!'
    path = tmp_path / "unione.yaml"
    path.write_text("base: &b {tipo: ufficio}\nuno:\n  <<: *b\n  nome: x\n", encoding="utf-8")
    with pytest.raises(RiskengineError) as info:
        load_yaml(path)
    assert str(info.value) == (f"{path}:3:3: error[load]: YAML reads '<<' as a merge key, which is not supported "
                               "(write the keys of the anchored mapping out in full (or use '*name' for a whole "
                               "value); if '<<' is text, write it between quotes)")
    path.write_text("simbolo: <<\n", encoding="utf-8")  # a value YAML reads the same way: quoting is the way out
    with pytest.raises(RiskengineError) as info:
        load_yaml(path)
    assert "YAML reads '<<' as a merge key" in str(info.value) and "write it between quotes" in str(info.value)


def test_python_tag_runs_nothing(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    payloads = [
        f'esempio: !!python/object/apply:os.system ["touch {marker}"]',
        f'esempio: !!python/object/apply:subprocess.call [["touch", "{marker}"]]',
        f'esempio: !!python/object/new:os.system ["touch {marker}"]',
        'esempio: !!python/name:os.system ""',
    ]
    for i, payload in enumerate(payloads):
        broken_copy(tmp_path, ("ente.yaml", "esempio: true", payload), name=f"cat{i}")
    monkeypatch.chdir(tmp_path)
    for i, payload in enumerate(payloads):
        start = time.monotonic()
        result = run_cli("check", f"cat{i}")
        assert time.monotonic() - start < 2
        assert result.exit_code == 1
        tag = payload.split()[1].replace("!!", "tag:yaml.org,2002:")
        assert problem_lines(result.stdout) == [
            f"cat{i}/ente.yaml:8:10: error[load]: YAML tag '{tag}' is not allowed {TAG_HINT}"]
    assert not marker.exists()


def test_python_tag_echo_runs_nothing_in_a_real_process(tmp_path):
    broken_copy(tmp_path, ("ente.yaml", "esempio: true", 'esempio: !!python/object/apply:os.system ["echo pwned"]'))
    proc = subprocess.run([sys.executable, "-m", "riskengine", "check", "cat"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1
    assert "pwned" not in proc.stdout + proc.stderr
    assert problem_lines(proc.stdout) == [
        f"cat/ente.yaml:8:10: error[load]: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' "
        f"is not allowed {TAG_HINT}"]


def test_deep_nesting_is_refused_without_crashing(tmp_path):
    """100,000 nested '[' used to overflow libyaml's recursive composer (a segmentation fault)."""
    _write_bytes(tmp_path, b"[" * 100_000 + b"]" * 100_000 + b"\n", "units.yaml")
    proc = subprocess.run([sys.executable, "-m", "riskengine", "check", "cat"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    # the 66th '[' is the first past the limit (64 levels below the top)
    assert problem_lines(proc.stdout) == [
        "cat/units.yaml:1:66: error[load]: nesting deeper than 64 levels (flatten the structure)"]


@pytest.mark.parametrize("text", ["- " * 100_000 + "x\n", "{a: " * 50_000 + "}" * 50_000 + "\n", "&a [*a]\n"])
def test_deep_or_recursive_structures_are_refused(tmp_path, text):
    path = tmp_path / "deep.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RiskengineError) as info:
        load_yaml(path)
    assert "nesting deeper than 64 levels" in str(info.value)


def test_unclosed_flow_sequence_is_located_at_the_end(tmp_path):
    path = tmp_path / "x.yaml"
    path.write_text("a: [1\n", encoding="utf-8")
    with pytest.raises(RiskengineError) as info:
        load_yaml(str(path))
    assert str(info.value).startswith(f"{path}:2:1: error[load]: invalid YAML: ")


@pytest.mark.parametrize(("text", "where", "written"), [
    ("bande:\n  - {da: 0, a: 4,5, livello: basso}\n", "2:16", "4,5"),  # a band edge of a method
    ("risposte: {P1: 2,5, P2: 5}\n", "1:16", "2,5"),  # an answer
    ("varianti: {prudenziale: 8,49}\n", "1:25", "8,49"),  # a rule test's expected variant
    ("base: &b {a: 1}\nrighe: {x: *b, soglia: 12,75}\n", "2:24", "12,75"),  # with an alias: the tree reader
])
def test_a_decimal_comma_between_braces_is_said_so_where_it_is_written(text, where, written, tmp_path):
    # YAML reads {a: 4,5} as a: 4 and a key '5': "unknown key '5'", "indicator '5' does not exist (did you mean
    # 'P5'?)", "'49' must be a number, got null" (helper walk, finding 4), where the same comma outside braces is
    # said to be the decimal comma
    path = tmp_path / "file.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RiskengineError) as refused:
        load_yaml(path)
    (problem,) = refused.value.problems
    assert str(problem.location) == f"{path}:{where}"
    assert problem.message == (f"expected a number, got '{written}': decimals are written with a point, "
                               f"{written.replace(',', '.')}")


@pytest.mark.parametrize(("text", "data"), [
    ("a: {x: 4, 5: cinque}\n", {"x": 4, "5": "cinque"}),  # a space after the comma: two entries
    ("a: [4,5]\n", [4, 5]),  # a list
    ("a: {x: quattro,5}\n", {"x": "quattro", "5": None}),  # not after a number
    ("a: {2025: 3,2026: 4}\n", {"2025": 3, "2026": 4}),  # a key with its value: years, codes of digits
    ("a: {101: 2026,201: 2026}\n", {"101": 2026, "201": 2026}),  # a rule test's verified processes
    ("b: &b {x: 1}\na: {2025: 3,2026: 4}\n", {"2025": 3, "2026": 4}),  # the same through the tree reader
])
def test_digits_after_a_comma_are_a_decimal_comma_only_right_after_a_number_and_without_a_value(text, data,
                                                                                                 tmp_path):
    path = tmp_path / "file.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_yaml(path).data["a"] == data
