"""Hostile catalogue and rule files (issue 11, the input side): each is refused with one located line.

Every case runs ``python -m riskengine`` in a subprocess, as the reproductions in the hardening
issue do: links out of the catalogue, special files, method names that are paths, invisible
characters in codes, digits beyond a float, numbers beyond any score and values of megabytes.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from catalog_helpers import MINI, broken_copy, problem_lines

from riskengine.catalog import load_catalog
from riskengine.errors import RiskengineError, is_noncharacter, shorten
from riskengine.source.document import read_file

RULES = Path(__file__).resolve().parent.parent / "rules"
TORINO = RULES / "cciaa-torino-2022"
NOT_REGULAR_HINT = "(rule and catalogue files are plain YAML files)"
LINK_HINT = "(copy the file into the folder instead of linking to it)"


def riskengine(cwd: Path, *args: str, timeout: float = 60, memory: int | None = None,
               env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -m riskengine ARGS`` in ``cwd``; ``memory`` caps its address space (bytes)."""
    def cap() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    return subprocess.run([sys.executable, "-m", "riskengine", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=cap, env={**os.environ, **(env or {})})


def refused(proc: subprocess.CompletedProcess[str]) -> list[str]:
    """The problem lines of a failed run that printed no traceback."""
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    return problem_lines(proc.stdout)


def _method_copy(tmp_path: Path, old: str, new: str, name: str = "m") -> Path:
    target = tmp_path / "rules" / name
    shutil.copytree(TORINO, target)
    text = (target / "method.yaml").read_text(encoding="utf-8")
    assert text.count(old) == 1
    (target / "method.yaml").write_text(text.replace(old, new), encoding="utf-8")
    return target


# F2: links out of the catalogue


def test_a_catalogue_file_linked_outside_the_catalogue_is_refused_and_never_echoed(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("root:$6$hash:20228:0:99999:7:::\ndaemon:*:20228:0:99999:7:::\n", encoding="utf-8")
    cat = broken_copy(tmp_path)
    (cat / "ente.yaml").unlink()
    (cat / "ente.yaml").symlink_to(secret)
    proc = riskengine(tmp_path, "check", "cat")
    assert refused(proc) == [
        f"cat/ente.yaml: error[load]: the file is a link to {shorten(secret)}, outside {shorten(cat)} {LINK_HINT}"]
    assert "$6$hash" not in proc.stdout + proc.stderr


def test_a_link_through_a_parent_folder_is_refused_as_well(tmp_path):
    cat = broken_copy(tmp_path)
    shutil.copy(MINI / "units.yaml", tmp_path / "units.yaml")
    (cat / "units.yaml").unlink()
    (cat / "units.yaml").symlink_to(Path("..") / "units.yaml")
    assert refused(riskengine(tmp_path, "check", "cat")) == [
        f"cat/units.yaml: error[load]: the file is a link to {shorten(tmp_path / 'units.yaml')}, outside {shorten(cat)} "
        f"{LINK_HINT}"]


def test_a_link_that_stays_inside_the_catalogue_is_read(tmp_path):
    cat = broken_copy(tmp_path)
    (cat / "shared").mkdir()
    (cat / "units.yaml").rename(cat / "shared" / "units.yaml")
    (cat / "units.yaml").symlink_to(Path("shared") / "units.yaml")
    proc = riskengine(tmp_path, "check", "cat", "--rules", str(RULES))
    assert proc.returncode == 1, proc.stdout + proc.stderr  # only mini's own policy error
    assert [line for line in problem_lines(proc.stdout) if ": error[" in line] == [
        "cat/assessment-2026.yaml:12:5: error[RISCHIO-SENZA-MISURA-SPECIFICA]: Rischio alto senza alcuna misura "
        "specifica"]


def test_an_assessment_linked_outside_the_catalogue_is_refused(tmp_path):
    cat = broken_copy(tmp_path)
    (cat / "assessment-2026.yaml").rename(tmp_path / "elsewhere.yaml")
    (cat / "assessment-2026.yaml").symlink_to(tmp_path / "elsewhere.yaml")
    proc = riskengine(tmp_path, "assess", "cat", "--rules", str(RULES), "--out", "out", "--format", "json")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert (f"cat/assessment-2026.yaml: error[load]: the file is a link to {shorten(tmp_path / 'elsewhere.yaml')}, "
            f"outside {shorten(cat)}") in proc.stdout + proc.stderr
    assert not (tmp_path / "out").exists()


def test_a_method_file_linked_outside_its_folder_is_refused(tmp_path):
    method = tmp_path / "rules" / "m"
    shutil.copytree(TORINO, method)
    (method / "policies.yaml").rename(tmp_path / "policies.yaml")
    (method / "policies.yaml").symlink_to(tmp_path / "policies.yaml")
    assert refused(riskengine(tmp_path, "check", "rules/m")) == [
        f"rules/m/policies.yaml: error[load]: the file is a link to {shorten(tmp_path / 'policies.yaml')}, "
        f"outside {shorten(method)} {LINK_HINT}"]


def test_a_file_that_does_not_look_like_the_expected_one_is_one_problem(tmp_path):
    """A regular file of the wrong kind (here a shadow file copied in) is not printed key by key."""
    lines = "".join(f"user{i}:$6$hash{i}:20228:0:99999:7:::\n" for i in range(40))  # each line a key
    broken_copy(tmp_path, ("ente.yaml", None, lines))
    proc = riskengine(tmp_path, "check", "cat")
    assert refused(proc) == [
        "cat/ente.yaml:1:1: error[schema]: this does not look like a ente.yaml file: 40 unknown keys, not shown "
        "(expected the keys: codice, nome, tipo, dipendenti, piano, data_riferimento, metodo, metodi_precedenti, esempio, descrizione, "
        "tipologie_obbligatorie)"]
    assert "user1" not in proc.stdout


def test_a_few_unknown_keys_are_still_named_one_by_one(tmp_path):
    broken_copy(tmp_path, ("ente.yaml", "esempio: true\n", "esempio: true\nnote: a\nautore: b\n"))
    lines = refused(riskengine(tmp_path, "check", "cat"))
    assert [line.split(": ", 2)[2][:20] for line in lines] == ["unknown key 'note' (", "unknown key 'autore'"]


# F7: special files


def test_a_link_to_dev_zero_is_refused_without_reading_it(tmp_path):
    cat = broken_copy(tmp_path)
    (cat / "ente.yaml").unlink()
    (cat / "ente.yaml").symlink_to("/dev/zero")
    proc = riskengine(tmp_path, "check", "cat", timeout=30, memory=2_000_000_000)
    assert refused(proc) == [
        f"cat/ente.yaml: error[load]: the file is a link to /dev/zero, outside {shorten(cat)} {LINK_HINT}"]


def test_a_device_inside_the_catalogue_is_refused(tmp_path):
    """Refused as not a regular file, whatever the folder it lies in (``within`` is the file system root)."""
    with pytest.raises(RiskengineError) as info:
        read_file("/dev/zero", within="/")
    assert str(info.value) == f"/dev/zero: error[load]: not a regular file: a device {NOT_REGULAR_HINT}"


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path):
    cat = broken_copy(tmp_path)
    (cat / "ente.yaml").unlink()
    os.mkfifo(cat / "ente.yaml")
    proc = riskengine(tmp_path, "check", "cat", timeout=30)
    assert refused(proc) == [f"cat/ente.yaml: error[load]: not a regular file: a named pipe (FIFO) {NOT_REGULAR_HINT}"]


def test_a_file_above_the_limit_is_refused_and_one_at_the_limit_is_read(tmp_path, monkeypatch):
    monkeypatch.setenv("RISKENGINE_MAX_FILE_MB", "1")
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * (1024 * 1024))
    assert len(read_file(path)) == 1024 * 1024
    path.write_bytes(b"#" * (1024 * 1024 + 1))
    with pytest.raises(RiskengineError, match=r"file is 1\.0 MB, above the 1 MB limit"):
        read_file(path)


# F11: the method is a name


@pytest.mark.parametrize("name", ["../elsewhere-method", "/tmp/elsewhere-method", "rules/pna2019", "..", ".hidden"])
def test_a_method_named_by_a_path_is_refused_at_its_line(tmp_path, name):
    shutil.copytree(TORINO, tmp_path / "elsewhere-method")
    broken_copy(tmp_path, ("ente.yaml", "metodo: cciaa-torino-2022\n", f'metodo: "{name}"\n'))
    proc = riskengine(tmp_path, "assess", "cat", "--rules", str(RULES), "--out", "out", "--format", "json")
    assert proc.returncode == 1
    assert (f"cat/ente.yaml:7:9: error[schema]: 'metodo': '{name}' is not a method name: write the name of a folder "
            "in rules/ (letters, digits, '-', '_' and '.'), not a path") in proc.stdout + proc.stderr
    assert not (tmp_path / "out").exists()


# F12: invisible characters and look-alikes in codes, controls in text


@pytest.mark.parametrize(("char", "name"), [("\u202e", "RIGHT-TO-LEFT OVERRIDE"), ("\u200b", "ZERO WIDTH SPACE"),
                                            ("\u2028", "LINE SEPARATOR")])
def test_a_code_with_an_invisible_character_is_refused(tmp_path, char, name):
    broken_copy(tmp_path, ("processes.yaml", "  - codice: B2.2.1\n", f'  - codice: "B2.{char}2.1"\n'))
    shown = char.encode("unicode_escape").decode()
    assert refused(riskengine(tmp_path, "check", "cat")) == [
        f"cat/processes.yaml:26:13: error[schema]: 'codice': a code cannot contain invisible or control characters: "
        f"U+{ord(char):04X} {name} is character 4 of 'B2.{shown}2.1'"]


def test_a_code_with_a_control_character_is_refused_and_shown_escaped(tmp_path):
    broken_copy(tmp_path, ("processes.yaml", "  - codice: B2.2.1\n", '  - codice: "B2\\e[31m.2.1"\n'))
    proc = riskengine(tmp_path, "check", "cat")
    assert refused(proc) == [
        "cat/processes.yaml:26:13: error[schema]: 'codice': a code cannot contain invisible or control characters: "
        "U+001B control character is character 3 of 'B2\\x1b[31m.2.1'"]
    assert "\x1b" not in proc.stdout


def test_a_code_with_a_character_no_xml_document_may_hold_is_refused(tmp_path):
    # 'MG\uffff01' passed check; export-xlsx ended in "internal error" and the Word annex blamed its template
    broken_copy(tmp_path, ("processes.yaml", "  - codice: B2.2.1\n", '  - codice: "B2\\uffff.2.1"\n'))
    lines = refused(riskengine(tmp_path, "check", "cat"))
    assert lines == ["cat/processes.yaml:26:13: error[schema]: 'codice': a code cannot contain invisible or control "
                     "characters: U+FFFF noncharacter is character 3 of 'B2\\uffff.2.1'"], lines
    # a noncharacter of another plane, shown escaped too (it was printed raw)
    broken_copy(tmp_path, ("processes.yaml", "  - codice: B2.2.1\n", '  - codice: "B2\\U0010FFFF.2.1"\n'),
                name="piani")
    lines = refused(riskengine(tmp_path, "check", "piani"))
    assert lines == ["piani/processes.yaml:26:13: error[schema]: 'codice': a code cannot contain invisible or "
                     "control characters: U+10FFFF noncharacter is character 3 of 'B2\\U0010ffff.2.1'"], lines


def test_noncharacters_are_one_rule_for_messages_and_codes():
    """errors.is_noncharacter is what both the escaping of messages and the refusal of codes read: Unicode's 66."""
    expected = {*range(0xFDD0, 0xFDF0), *(plane + last for plane in range(0, 0x110000, 0x10000)
                                        for last in (0xFFFE, 0xFFFF))}
    assert len(expected) == 66
    assert {c for c in range(0x110000) if is_noncharacter(chr(c))} == expected
    assert all(shorten(chr(c)).startswith("\\u") or shorten(chr(c)).startswith("\\U") for c in expected)


def test_codes_that_look_alike_are_a_warning(tmp_path):
    cyrillic = "\u04122.1.1"  # Cyrillic В, then 2.1.1
    broken_copy(tmp_path, ("processes.yaml", "  - codice: B2.2.1\n", f"  - codice: {cyrillic}\n"),
                ("processes.yaml", "B2.2.1-E1", f"{cyrillic}-E1"),
                ("assessment-2026.yaml", "processo: B2.2.1", f"processo: {cyrillic}"))
    proc = riskengine(tmp_path, "check", "cat", "--rules", str(RULES))
    assert proc.returncode == 1, proc.stdout  # mini's own policy error; the look-alike is a warning
    found = [line for line in problem_lines(proc.stdout) if "[look-alike-code]" in line]
    assert found == [
        f"cat/processes.yaml:26:13: warning[look-alike-code]: process code '{cyrillic}' looks like 'B2.1.1' "
        "(at cat/processes.yaml:2:13) but is written with other characters (write both with the same alphabet, "
        "as a rule Latin)",
        f"cat/processes.yaml:31:18: warning[look-alike-code]: event code '{cyrillic}-E1' looks like 'B2.1.1-E1' "
        "(at cat/processes.yaml:12:18) but is written with other characters (write both with the same alphabet, "
        "as a rule Latin)"]


def test_fullwidth_digits_look_alike_too(tmp_path):
    broken_copy(tmp_path, ("processes.yaml", "  - codice: B2.2.1\n", "  - codice: B\uff12.1.1\n"),
                ("assessment-2026.yaml", "processo: B2.2.1", "processo: B\uff12.1.1"))
    lines = problem_lines(riskengine(tmp_path, "check", "cat", "--rules", str(RULES)).stdout)
    assert any("warning[look-alike-code]: process code 'B\uff12.1.1' looks like 'B2.1.1'" in line for line in lines)


def test_control_characters_are_removed_from_names(tmp_path):
    cat = broken_copy(tmp_path, ("processes.yaml", "  - codice: B2.2.1\n    nome: ",
                                 '  - codice: B2.2.1\n    nome: "\\e[2J\\x9b1mX\\tY\\nZ" #'))
    process = next(p for p in load_catalog(cat).processes.processi if p.codice == "B2.2.1")
    assert process.nome == "[2J1mX\tY\nZ"


def test_characters_no_xml_document_may_hold_are_removed_from_names(tmp_path):
    # U+FFFF in a name passed check, then export-xlsx and questionari ended in "internal error" (exit 70) and the
    # Word annex blamed its template: no workbook or document may hold the character
    cat = broken_copy(tmp_path, ("processes.yaml", "  - codice: B2.2.1\n    nome: ",
                                 '  - codice: B2.2.1\n    nome: "A\\uffffB\\ufffeC" #'))
    process = next(p for p in load_catalog(cat).processes.processi if p.codice == "B2.2.1")
    assert process.nome == "ABC"
    exported = riskengine(tmp_path, "export-xlsx", "cat", "--rules", str(RULES), "-o", "cat.xlsx")
    assert exported.returncode == 0, exported.stderr


# F13 and F9: exact digits, and numbers beyond any score


def test_digits_beyond_a_float_reach_the_precision_check(tmp_path):
    _method_copy(tmp_path, "{da: 0, a: 4, livello: basso}", "{da: 0, a: 4.0000000000000000000000001, livello: basso}")
    assert refused(riskengine(tmp_path, "check", "rules/m")) == [
        "rules/m/method.yaml:113:20: error[method]: edge 'a: 4.0000000000000000000000001' has more decimals than the "
        "scores: no score falls between 4.00 and 4.01, and the edge works as 'a: 4.00' (write 'a: 4.00')"]


@pytest.mark.parametrize("value", ['"1E+999999999"', "1.0e+999999", "1E+999999", '"NaN"', ".inf", "10000000000000000000"])
def test_a_number_beyond_any_score_is_a_located_error(tmp_path, value):
    _method_copy(tmp_path, "punteggio_massimo: 25", f"punteggio_massimo: {value}")
    lines = refused(riskengine(tmp_path, "check", "rules/m"))
    assert len(lines) == 1
    assert lines[0].startswith("rules/m/method.yaml:108:20: error[schema]: 'punteggio_massimo': ")


def test_a_measure_efficacy_beyond_range_is_a_located_error(tmp_path):
    broken_copy(tmp_path, ("measures.yaml", "    stato: attuata\n", "    stato: attuata\n    efficacia: 1E+999999\n"))
    lines = refused(riskengine(tmp_path, "check", "cat"))
    assert len(lines) == 1
    assert ": error[schema]: 'efficacia': the number 1E+999999 is out of range" in lines[0]


# F15: values are shortened in messages


def test_a_value_of_ten_megabytes_gives_a_short_line(tmp_path):
    broken_copy(tmp_path, ("ente.yaml", "dipendenti: 60", "dipendenti: " + "x" * 10 * 1024 * 1024))
    lines = refused(riskengine(tmp_path, "check", "cat"))
    assert lines == ["cat/ente.yaml:4:13: error[schema]: 'dipendenti' must be a whole number, got "
                     f"'{'x' * 79}… (10,485,762 characters)"]


def test_a_key_of_a_megabyte_gives_a_short_line(tmp_path):
    # an explicit key ('? '): an implicit one is at most 1,024 characters long
    broken_copy(tmp_path, ("ente.yaml", "esempio: true\n", "esempio: true\n? " + "k" * 1024 * 1024 + "\n: 1\n"))
    lines = refused(riskengine(tmp_path, "check", "cat"))
    assert len(lines) == 1
    assert lines[0].startswith(f"cat/ente.yaml:9:3: error[schema]: unknown key '{'k' * 80}… (1,048,576 characters)' (")
    assert len(lines[0]) < 400


def test_a_file_that_grows_past_the_limit_once_open_is_refused(tmp_path, monkeypatch):
    """Within the limit when checked on the open handle, above it when read: refused, as read by pieces is."""
    from riskengine.source import document

    path = tmp_path / "processes.yaml"
    path.write_bytes(b"x" * 200)
    monkeypatch.setattr(document, "max_bytes", lambda: 150)
    real = os.fstat

    def fstat(fd):  # the size the handle had when checked, before the file grew
        info = real(fd)
        return os.stat_result((*info[:6], 100, *info[7:10]))

    monkeypatch.setattr(document.os, "fstat", fstat)
    with pytest.raises(RiskengineError, match="above the"):
        read_file(path)
    monkeypatch.setattr(document, "max_bytes", lambda: 200)
    assert read_file(path) == b"x" * 200
