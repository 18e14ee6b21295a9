"""Every CLI command is a thin wrapper over the api function of the same name, and the README shows it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import typer
from catalog_helpers import REPO, run_cli
from typer.testing import CliRunner

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


# Each command on a catalogue, as a user runs it from a folder where the catalogue's method is not found by itself.
_ON_A_CATALOGUE = {
    "check": ["c"], "assess": ["c", "--out", "o", "-f", "json"], "report": ["c", "--out", "o", "-f", "json"],
    "explain": ["c", "B2.1.1"], "history": ["c"], "diff": ["c", "2025", "2026"], "whatif": ["c", "--scenario", "s.yaml"],
    "rank-measures": ["c"], "export-xlsx": ["c", "--out", "c.xlsx"], "questionari": ["c", "--year", "2026", "--out", "q"],
    "raccogli": ["c", "q"], "show": ["c", "--process", "B2.1.1"], "graph": ["c"], "new-year": ["c", "2027", "--from", "2026"],
}


def test_a_command_that_says_use_rules_accepts_rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """'method not found … use --rules DIR' is true advice: every command that says it takes --rules, and
    finds the method with it (report, history and diff did not take it)."""
    shutil.copytree(REPO / "catalogs" / "esempio-cciaa", tmp_path / "c")
    (tmp_path / "s.yaml").write_text("misure: []\n", encoding="utf-8")
    (tmp_path / "q").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", "off")
    assert set(_ON_A_CATALOGUE) | {"import-xlsx", "rules-list", "schema", "template-check", "test"} == set(_names())
    advised = []
    for name, args in sorted(_ON_A_CATALOGUE.items()):
        alone = CliRunner().invoke(app, [name, *args])
        if "--rules" not in alone.output:
            continue
        advised.append(name)
        helped = CliRunner().invoke(app, [name, *args, "--rules", str(REPO / "rules")])
        assert "no such option" not in helped.output, (name, helped.output)
        assert "not found" not in helped.output, (name, helped.output)
        assert helped.exit_code in (0, 1, 3), (name, helped.output)
    # history reads a method only for the levels of storico.yaml, which the example has not
    assert {"check", "assess", "report", "diff", "whatif", "rank-measures"} <= set(advised)


_THROUGH_A_FILE = "error[output]: cannot write file: Not a directory (check the output directory)"
_A_DIRECTORY = "error[output]: not a regular file but a directory: riskengine would replace it (give a new file, or " \
    "a regular file to replace)"


@pytest.mark.parametrize(("args", "line"), [
    (["graph", "c", "--out", "c"], f"c: {_A_DIRECTORY}"),
    (["graph", "c", "--out", "c/ente.yaml/g.json"], f"c/ente.yaml: {_THROUGH_A_FILE}"),
    (["schema", "--out", "c/ente.yaml"], f"c/ente.yaml: {_THROUGH_A_FILE}"),
    (["whatif", "c", "--scenario", "s.yaml", "--out", "c", "--rules", str(REPO / "rules")], f"c: {_A_DIRECTORY}"),
])
def test_an_output_file_that_cannot_be_written_is_one_located_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   args: list[str], line: str) -> None:
    # were internal errors (exit 70) with Python's IsADirectoryError, FileExistsError and the temporary file's name
    shutil.copytree(REPO / "catalogs" / "esempio-cciaa", tmp_path / "c")
    (tmp_path / "s.yaml").write_text("misure: []\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    assert line in result.output, result.output
    assert sorted(tmp_path.rglob("*")) == before


@pytest.mark.parametrize("name", ["check", "assess", "explain", "rank-measures", "export-xlsx", "questionari"])
def test_a_rules_folder_given_is_the_only_one_searched(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       name: str) -> None:
    """A --rules folder without the method (a typo, another version's folder) is refused, naming it; the method of
    the same name beside the catalogues folder, which may be another version, is not used instead."""
    shutil.copytree(REPO / "catalogs" / "esempio-cciaa", tmp_path / "catalogs" / "c")
    (tmp_path / "rules").symlink_to(REPO / "rules")  # found there without --rules
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", "off")
    args = {"check": ["catalogs/c"], "assess": ["catalogs/c", "--out", "o", "-f", "json"],
            "explain": ["catalogs/c", "B2.1.1"], "rank-measures": ["catalogs/c"],
            "export-xlsx": ["catalogs/c", "--out", "o/c.xlsx"], "questionari": ["catalogs/c", "--year", "2026", "--out", "o"],
            }[name]
    assert CliRunner().invoke(app, [name, *args]).exit_code == 0
    shutil.rmtree(tmp_path / "o", ignore_errors=True)
    refused = CliRunner().invoke(app, [name, *args, "--rules", "regole"])
    assert refused.exit_code == 1, refused.output
    # said at the method's name in ente.yaml (it had no line)
    assert ("catalogs/c/ente.yaml:8:9: error[load]: method 'cciaa-torino-2022' not found "
            "(looked in regole/cciaa-torino-2022; use --rules DIR)") in refused.output, refused.output
    assert not (tmp_path / "o").exists()
    own = CliRunner().invoke(app, [name, *args, "--rules", "rules/cciaa-torino-2022"])  # the method's own folder
    assert own.exit_code == 0, own.output
    shutil.rmtree(tmp_path / "o", ignore_errors=True)
    # the method's own folder as "." from inside it: refused before ("looked in ./cciaa-torino-2022")
    monkeypatch.chdir(REPO / "rules" / "cciaa-torino-2022")
    args = [str(tmp_path / a) if a.startswith(("catalogs", "o")) else a for a in args]
    here = CliRunner().invoke(app, [name, *args, "--rules", "."])
    assert here.exit_code == 0, here.output
    shutil.rmtree(tmp_path / "o", ignore_errors=True)
    # a link named after the method, to a folder of another name (a version kept beside others), is the method's
    # own folder; a loop of links is a folder not found (the real name was followed: not found, or exit 70)
    monkeypatch.chdir(tmp_path)
    shutil.copytree(REPO / "rules" / "cciaa-torino-2022", tmp_path / "versioni" / "cciaa-torino-2022-v3")
    (tmp_path / "scelto").mkdir()
    (tmp_path / "scelto" / "cciaa-torino-2022").symlink_to(tmp_path / "versioni" / "cciaa-torino-2022-v3")
    linked = CliRunner().invoke(app, [name, *args, "--rules", "scelto/cciaa-torino-2022"])
    assert linked.exit_code == 0, linked.output
    (tmp_path / "anello-a").symlink_to(tmp_path / "anello-b")
    (tmp_path / "anello-b").symlink_to(tmp_path / "anello-a")
    loop = CliRunner().invoke(app, [name, *args, "--rules", "anello-a"])
    assert loop.exit_code == 1 and "not found" in loop.output, loop.output


@pytest.mark.parametrize("path", ["catalogs/nessuno", "catalogs/c/measures.yaml", "catalogs", "vuota"])
def test_assess_on_a_path_that_is_no_catalogue_folder_makes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   path: str) -> None:
    """The history store is created beside the catalogue: a typo in the folder was made a folder for it (and a
    catalogue file gave 'cannot open the history store: File exists'; an empty folder or the catalogues' parent
    got a store, then five missing files). Refused as check refuses it, in one line."""
    shutil.copytree(REPO / "catalogs" / "esempio-cciaa", tmp_path / "catalogs" / "c")
    (tmp_path / "vuota").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RISKENGINE_DB")  # the store's default place: beside the catalogue
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    refused = CliRunner().invoke(app, ["assess", path, "--out", "o", "-f", "json", "--rules", str(REPO / "rules")])
    assert refused.exit_code == 1, refused.output
    said = "no such file or folder" if path == "catalogs/nessuno" else "not a catalogue directory"
    assert refused.output.startswith(f"{path}: error[load]: {said} "), refused.output
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_assess_refused_for_the_catalogue_makes_no_history_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The store is opened once the catalogue has loaded: a catalogue with an error left an empty store beside it."""
    catalog = tmp_path / "catalogs" / "c"
    shutil.copytree(REPO / "catalogs" / "esempio-cciaa", catalog, ignore=shutil.ignore_patterns("storico.sqlite*"))
    (catalog / "areas.yaml").write_text("aree: [\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RISKENGINE_DB")
    refused = CliRunner().invoke(app, ["assess", "catalogs/c", "--out", "o", "-f", "json", "--rules", str(REPO / "rules")])
    assert refused.exit_code == 1 and "catalogs/c/areas.yaml:" in refused.output, refused.output
    assert not (catalog / "storico.sqlite").exists() and not (tmp_path / "o").exists()
    (catalog / "areas.yaml").write_bytes((REPO / "catalogs" / "esempio-cciaa" / "areas.yaml").read_bytes())
    done = CliRunner().invoke(app, ["assess", "catalogs/c", "--out", "o", "-f", "json", "--rules", str(REPO / "rules")])
    assert done.exit_code == 0, done.output
    assert (catalog / "storico.sqlite").is_file()  # recorded once it could be assessed


def test_a_mistyped_format_or_engine_gets_the_close_one_suggested() -> None:
    # one line, exit 2, nothing done: the value that was probably meant, then every value accepted
    example = str(REPO / "catalogs" / "esempio-cciaa")
    cases = [(["assess", example, "--format", "jsn"],
              "unknown format(s): jsn (did you mean 'json'?); expected: html, pdf, xlsx, csv, json, docx"),
             (["assess", example, "--format", "json,zzz"],
              "unknown format(s): zzz; expected: html, pdf, xlsx, csv, json, docx"),
             (["assess", example, "--engine", "durabel"],
              "unknown engine 'durabel' (did you mean 'durable'?): expected one of durable, interpreter"),
             (["graph", example, "--format", "dott"],
              "unknown graph format 'dott' (did you mean 'dot'?): expected one of graphml, dot, json"),
             (["diff", example, "2025", "2026", "--format", "jsno"],
              "unknown format 'jsno' (did you mean 'json'?): expected text or json"),
             # an edition was refused only after the assessment, as bad input (exit 1)
             (["assess", example, "--edition", "publicazione"],
              "unknown edition(s): publicazione (did you mean 'pubblicazione'?); expected: completa, pubblicazione"),
             (["report", example, "--out", "o", "--edition", "bozza"],
              "unknown edition(s): bozza; expected: completa, pubblicazione")]
    for args, said in cases:
        result = run_cli(*args)
        assert (result.exit_code, result.stdout, result.stderr) == (2, "", said + "\n"), args


def test_check_without_the_method_counts_no_untreated_event(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the method not found, check listed 31 event-without-measure warnings the method would not: whether a
    # process's measures cover its events is the method's to say
    shutil.copytree(REPO / "catalogs" / "esempio-cciaa", tmp_path / "c")
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", "off")
    found = CliRunner().invoke(app, ["check", str(tmp_path / "c"), "--rules", str(REPO / "rules")])
    missing = CliRunner().invoke(app, ["check", str(tmp_path / "c"), "--rules", str(tmp_path / "regole")])
    assert missing.exit_code == 1 and f"{tmp_path / 'c' / 'ente.yaml'}:8:9: error[load]: method " in missing.output
    assert "event-without-measure" not in missing.output and "event-without-measure" not in found.output


def test_explain_shows_a_condition_s_level_by_its_label() -> None:
    # 'livello == "medio" (value: "medio")' beside '(value: "Medium-high")': only hyphenated codes were worded
    for lang, label in (("en", '"Medium"'), ("it", '"Medio"')):
        result = CliRunner().invoke(app, ["explain", str(REPO / "catalogs" / "esempio-cciaa"), "B1.1.2",
                                          "--rules", str(REPO / "rules"), "--lang", lang])
        assert result.exit_code == 0, result.output
        values = re.findall(r'\((?:value|valore): ("[^"]*")\)', result.output)
        assert label in values and '"medio"' not in values, values


@pytest.mark.parametrize("lang", ["it", "en"])
@pytest.mark.parametrize("args", [["explain", "catalogs/esempio-cciaa"], ["show", "catalogs/esempio-cciaa", "--process"],
                                  ["show", "catalogs/esempio-cciaa", "--unit"]], ids=["explain", "process", "unit"])
def test_a_code_given_on_the_command_line_is_quoted_bounded_and_inert(args, lang) -> None:
    # a code of 100,000 characters came back whole, a U+202E reordered the line and a line break split it in two
    for code, shown in (("A" * 100_000, "A" * 80 + "… (100"), ("X\u202eY\nZ", "'X\\u202eY\\nZ'")):
        result = run_cli("--lang", lang, *args, code)
        assert result.exit_code == 1
        (line,) = [line for line in result.stderr.splitlines() if ": error[" in line]
        assert shown in line and "\u202e" not in line and len(line) < 400, line
