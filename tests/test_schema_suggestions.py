"""What to write instead, said with a problem: a misspelt required key, a method not found; in English and Italian,
a line each."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from catalog_helpers import broken_copy, problem_lines
from rules_helpers import PICCOLO, RULES, TORINO, formatted, load_problems, method_copy, run_cli, where

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
