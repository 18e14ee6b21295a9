"""Variants with a band table: a level in the result, the register (HTML, CSV, XLSX), the legend, explain,
policies (``livello_<variante>``) and rule tests."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from rules_helpers import ESEMPIO, TORINO, load_problems, method_copy, run_cli

from riskengine.method.load import load_method

VARIANT = ('    - {codice: prudenziale, nome: "Variante prudenziale: media P × massimo I", probabilita: media, '
           'impatto: max}')
OWN_BANDS = ('    - {codice: prudenziale, nome: "Variante prudenziale: media P × massimo I", probabilita: media, '
             'impatto: max, bande: fasce-prudenziali}')
BANDS = "bande:\n  - codice: nuovi-indici\n"
PRUDENTIAL_TABLE = ("bande:\n  - codice: fasce-prudenziali\n    nome: \"Fasce della variante prudenziale\"\n"
                    "    righe:\n      - {da: 0, a: 8, livello: basso}\n      - {oltre: 8, a: 12, livello: medio}\n"
                    "      - {oltre: 12, a: 25, livello: alto}\n  - codice: nuovi-indici\n")
NAME = "Variante prudenziale: media P × massimo I"


def with_variant_bands(root: Path) -> Path:
    """The Torino method whose prudential variant has its own band table (``rules`` directory under ``root``)."""
    rules = root / "rules"
    rules.mkdir(parents=True)
    return method_copy(rules, TORINO, ("method.yaml", VARIANT, OWN_BANDS), ("method.yaml", BANDS, PRUDENTIAL_TABLE))


@pytest.fixture(scope="module")
def annex(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("varianti")
    with_variant_bands(root)
    out = root / "out"
    result = run_cli("assess", ESEMPIO, "--rules", root / "rules", "--out", out, "--format", "html,xlsx,csv,json",
                     "--quiet")
    assert result.exit_code == 0, result.stderr
    return out


def test_the_result_holds_the_variant_level(annex: Path) -> None:
    result = json.loads((annex / "risultato.json").read_text(encoding="utf-8"))
    process = next(p for p in result["processi"] if p["codice"] == "C1.1.2")
    # PNA 2013 worked example: mean P 2.83 × max I 3 = 8.49, above 8 and up to 12: medio
    assert process["varianti"] == {"prudenziale": "8.49"}
    assert process["livelli_varianti"]["prudenziale"]["livello"] == "medio"
    assert process["livelli_varianti"]["prudenziale"]["traccia"][0]["regola"] == "bande:fasce-prudenziali:2"
    assert [v["bande"] for v in result["metodo"]["varianti"]] == ["fasce-prudenziali"]


def test_the_csv_register_has_the_variant_score_and_level(annex: Path) -> None:
    with (annex / "csv" / "registro.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f, delimiter=";"))  # Italian: ';'
    header = rows[0]
    assert NAME in header
    assert f"Livello – {NAME}" in header
    row = next(r for r in rows if r[0] == "C1.1.2")
    assert row[header.index(NAME)] == "8,49"  # the result's exact digits, with the Italian decimal comma
    assert row[header.index(f"Livello – {NAME}")] == "Medio"


def test_the_xlsx_register_and_legend_have_the_variant(annex: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(next(annex.glob("*.xlsx")))
    register = next(ws for ws in wb.worksheets if any(c.value == f"Livello – {NAME}" for c in ws[1]))
    header = [c.value for c in register[1]]
    row = next(r for r in register.iter_rows(values_only=True) if r[0] == "C1.1.2")
    assert row[header.index(f"Livello – {NAME}")] == "Medio"
    legend = [tuple(r) for ws in wb.worksheets for r in ws.iter_rows(values_only=True)]
    assert ("prudenziale", NAME, "fasce-prudenziali") in [r[:3] for r in legend]


def test_the_html_register_legend_and_sheet_show_the_variant_by_name(annex: Path) -> None:
    html = (annex / "allegato-rischi.html").read_text(encoding="utf-8")
    register = html[html.index('<table class="registro'):]
    register = register[:register.index("</table>")]
    assert f'<th scope="col">{NAME}</th>' in register
    assert "Varianti del punteggio" in html
    assert "Variante prudenziale (prudenziale)" not in html
    assert "Variante prudenziale</strong>" not in html  # the sheet shows the name, not "Variante <code>"


def test_explain_shows_the_variant_level_and_its_band(tmp_path) -> None:
    with_variant_bands(tmp_path)
    result = run_cli("explain", ESEMPIO, "C1.1.2", "--rules", tmp_path / "rules", "--lang", "it")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"{NAME}: 8,49 → Medio" in lines  # the band table and the level by their names
    assert ("  fascia 'Fasce della variante prudenziale', riga 2: > 8 e ≤ 12 = Medio   [bande:fasce-prudenziali:2]"
            in lines)


def test_a_rule_test_checks_the_variant_level_and_covers_its_bands(tmp_path) -> None:
    method = with_variant_bands(tmp_path)
    (method / "tests" / "varianti.yaml").write_text(
        "casi:\n"
        "  - nome: oracolo\n    area: B\n"
        "    risposte: {P1: 2, P2: 5, P3: 1, P4: 5, P5: 1, P6: 3, I1: 1, I2: 1, I3: 0, I4: 3}\n"
        "    atteso: {varianti: {prudenziale: 8.49}, livelli_varianti: {prudenziale: medio}}\n", encoding="utf-8")
    result = run_cli("test", method)
    # coverage counts the variant's band rows: basso and alto are never exercised, medio is
    never = [line.split(" (")[0] for line in result.stdout.splitlines() if line.startswith("  never fired: ")]
    assert never == ["  never fired: bande:fasce-prudenziali:1", "  never fired: bande:fasce-prudenziali:3"]
    assert result.stdout.splitlines()[-1].endswith("passed, 0 failed")
    wrong = (method / "tests" / "varianti.yaml").read_text(encoding="utf-8").replace("prudenziale: medio",
                                                                                      "prudenziale: alto")
    (method / "tests" / "varianti.yaml").write_text(wrong, encoding="utf-8")
    result = run_cli("test", method)
    assert "        Level of variant prudenziale: expected High, got Medium" in result.stdout.splitlines()
    # the variant's steps named in the language ("variante prudenziale: fascia …" in English before)
    assert any(line.startswith("        Variante prudenziale: media P × massimo I: band table 'Fasce della variante "
                               "prudenziale', row 2")
               for line in result.stdout.splitlines()), result.stdout


def test_a_level_expected_of_a_variant_without_bands_is_an_error(tmp_path) -> None:
    copy = method_copy(tmp_path, TORINO)
    (copy / "tests" / "x.yaml").write_text("casi:\n  - {nome: x, rischio: 3, area: B, "
                                           "atteso: {livelli_varianti: {prudenziale: basso}}}\n", encoding="utf-8")
    result = run_cli("test", copy)
    assert result.exit_code == 1
    assert "error[rule-test]: variant 'prudenziale' has no level (a variant has a level when it names a band " \
           "table ('bande'))" in result.stderr


def test_policies_read_the_variant_level(tmp_path) -> None:
    method = with_variant_bands(tmp_path)
    assert load_method(method).schema["livello_prudenziale"].kind == "ordinal"
    assert "livello_prudenziale" not in load_method(TORINO).schema  # no band table: no level


def test_an_unknown_variant_band_table_is_refused(tmp_path) -> None:
    copy = method_copy(tmp_path, TORINO, ("method.yaml", VARIANT, VARIANT.replace("max}", "max, bande: fasce}")))
    problems = load_problems(copy)
    assert [p.message for p in problems] == ["unknown band table 'fasce'"]


def test_a_variant_may_reuse_the_process_band_table(tmp_path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    method_copy(rules, TORINO, ("method.yaml", VARIANT, VARIANT.replace("max}", "max, bande: principale}")))
    result = run_cli("explain", ESEMPIO, "C1.1.2", "--rules", rules, "--lang", "it")
    assert f"{NAME}: 8,49 → Medio" in result.stdout.splitlines()  # nuovi-indici: 4.01 to 9 is medio
