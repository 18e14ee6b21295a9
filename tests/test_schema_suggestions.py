"""What to write instead, said with a schema problem: a misspelt required key, a percentage for a fraction, a single
value for a list, a method not found; in English and Italian, a line each."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from catalog_helpers import broken_copy, problem_lines
from rules_helpers import PICCOLO, RULES, TORINO, formatted, load_problems, method_copy, run_cli, where
from workbook_helpers import EXAMPLE, column_of, edit, export, row_of

from riskengine.errors import RiskengineError
from riskengine.pipeline import find_method_dir


def _check(cat: Path, *extra: str) -> list[str]:
    result = run_cli("check", str(cat), *extra)
    assert result.exit_code == 1, result.output
    return problem_lines(result.stdout)


def test_a_misspelt_required_key_of_a_band_row_is_one_line_at_the_key(tmp_path):
    # was two lines: "missing required key 'livello'" at the row, then the unknown key with the same suggestion
    method = method_copy(tmp_path, TORINO, ("method.yaml", "{da: 0, a: 4, livello: basso}",
                                            "{da: 0, a: 4, livelo: basso}"))
    assert formatted(load_problems(method)) == [
        f"{where(method / 'method.yaml', 'livelo')}: error[schema]: unknown key 'livelo' (did you mean 'livello'?)"]


def test_two_unknown_keys_close_to_two_missing_ones_are_two_lines(tmp_path):
    cat = broken_copy(tmp_path, ("ente.yaml", 'nome: "Camera', 'nomee: "Camera'),
                      ("ente.yaml", "metodo: cciaa-torino-2022", "metod: cciaa-torino-2022"))
    assert [re.sub(r"^\S+: ", "", line) for line in _check(cat)] == [
        "error[schema]: unknown key 'nomee' (did you mean 'nome'?)",
        "error[schema]: unknown key 'metod' (did you mean 'metodo'?)"]


def test_the_suggestions_are_worded_in_italian_numbers_to_write_with_a_point(tmp_path):
    cat = broken_copy(tmp_path, ("ente.yaml", 'nome: "Camera', 'nomee: "Camera'),
                      ("measures.yaml", "    ambito: generale\n", "    ambito: generale\n    efficacia: 12.5\n"),
                      ("processes.yaml", "    aree: [C]\n", "    aree: C\n"))
    assert _check(cat, "--lang", "it") == [
        f"{cat}/ente.yaml:2:1: error[schema]: chiave sconosciuta 'nomee' (forse 'nome'?)",
        # what is read is said with a decimal comma; what to write in the file, with the point YAML reads
        f"{cat}/measures.yaml:6:16: error[schema]: 'efficacia' deve essere al massimo 1, trovato 12,5 (è una frazione "
        "da 0 a 1: 12,5% si scrive 0.125)",
        f"{cat}/processes.yaml:15:11: error[schema]: 'aree' deve essere un elenco, trovato 'C' (scrivi [C]: anche un "
        "solo valore va in un elenco)"]


@pytest.mark.parametrize("field", ["generale", "specifica"])
def test_a_percentage_for_a_default_efficacy_of_the_method_is_said_as_its_fraction(tmp_path, field):
    # the method's efficacia_predefinita takes fractions as a measure's efficacia does
    method = method_copy(tmp_path, TORINO)
    text = (method / "method.yaml").read_text(encoding="utf-8")
    assert "efficacia_predefinita" in text
    written = re.sub(rf"(efficacia_predefinita:.*?{field}: )[0-9.]+", r"\g<1>40", text, count=1, flags=re.S)
    assert written != text
    (method / "method.yaml").write_text(written, encoding="utf-8")
    [line] = formatted(load_problems(method))
    assert line.endswith(f"'{field}' must be at most 1, got 40 (a fraction from 0 to 1: 40% is written 0.4)"), line


def test_a_percentage_typed_in_a_workbook_cell_is_said_as_the_sheet_takes_it(tmp_path):
    # a sheet's number is typed with a decimal comma in Italian, or as a percentage the sheet keeps as its fraction
    workbook = export(EXAMPLE, tmp_path / "esempio.xlsx")
    cell = f"{column_of(workbook, 'Misure', 'efficacia')}{row_of(workbook, 'Misure', 'MS01')}"
    typed = edit(workbook, "Misure", {cell: 25}, tmp_path / "percento.xlsx")
    result = run_cli("import-xlsx", typed, "--out", tmp_path / "out", "--rules", RULES, "--lang", "it")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{typed}:Misure!{cell}: error[schema]: 'efficacia' deve essere al massimo 1, trovato 25 (è una frazione da 0 "
        "a 1: 25% si scrive 0,25, oppure 25% in una cella numerica, non di testo)")


def _catalogue_naming(tmp_path: Path, method: str) -> Path:
    cat = tmp_path / "catalogs" / "cat"
    shutil.copytree(PICCOLO, cat)
    ente = cat / "ente.yaml"
    ente.write_text(ente.read_text(encoding="utf-8").replace("metodo: pna2019", f"metodo: {method}"),
                    encoding="utf-8")
    return cat


@pytest.mark.parametrize(("lang", "said"), [
    ("en", "method 'pna2091' not found (did you mean 'pna2019'? methods in {rules}: cciaa-torino-2022, pna2013, "
           "pna2019; or use --rules DIR)"),
    ("it", "metodo 'pna2091' non trovato (forse 'pna2019'? metodi in {rules}: cciaa-torino-2022, pna2013, pna2019; "
           "o usa --rules CARTELLA)")])
def test_a_method_not_found_names_the_methods_of_the_rules_folder(tmp_path, lang, said):
    # was "method 'pna2091' not found (looked in rules/pna2091; use --rules DIR)", the methods there left to find
    cat = _catalogue_naming(tmp_path, "pna2091")
    assert _check(cat, "--rules", str(RULES), "--lang", lang) == [
        f"{cat}/ente.yaml:8:9: error[load]: {said.format(rules=RULES)}"]


def test_a_method_named_like_none_is_said_with_the_methods_there(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # ./rules, the other folder looked in, is the same
    rules = tmp_path / "rules"
    for name in ("pna2019", "pna2013"):
        shutil.copytree(RULES / name, rules / name)
    (rules / "appunti").mkdir()  # a folder without method.yaml is no method
    cat = _catalogue_naming(tmp_path, "nonexistent")  # beside tmp_path/rules: found there without --rules
    assert _check(cat) == [f"{cat}/ente.yaml:8:9: error[load]: method 'nonexistent' not found (methods in "
                           f"{tmp_path}/rules: pna2013, pna2019; or use --rules DIR)"]


def test_a_rules_folder_without_methods_is_said_as_before(tmp_path):
    cat = _catalogue_naming(tmp_path, "pna2091")
    (tmp_path / "vuota").mkdir()
    with pytest.raises(RiskengineError) as refused:
        find_method_dir(cat, "pna2091", tmp_path / "vuota")
    assert [p.format() for p in refused.value.problems] == [
        f"{cat}/ente.yaml: error[load]: method 'pna2091' not found (looked in {tmp_path}/vuota/pna2091; use --rules "
        "DIR)"]
