"""A change of method: ente.yaml's metodi_precedenti names the method of each earlier year, which every command
reads that year with (check, assess, explain, diff, questionari, export-xlsx); new-year drafts for ``metodo``."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import openpyxl
import pytest
import yaml
from history_helpers import catalog_copy, riskengine

PNA2019_INDICATORS = ("interesse_esterno", "discrezionalita", "eventi_passati", "opacita", "collaborazione",
                      "attuazione_misure", "impatto_reputazionale", "impatto_organizzativo", "impatto_economico")


def _on_pna2019(catalog: Path, earlier: str = "") -> None:
    """The example catalogue moved to PNA 2019 (its 2025 and 2026 were assessed with cciaa-torino-2022)."""
    ente = catalog / "ente.yaml"
    text = ente.read_text(encoding="utf-8")
    assert "metodo: cciaa-torino-2022\n" in text
    ente.write_text(text.replace("metodo: cciaa-torino-2022\n", f"metodo: pna2019\n{earlier}"), encoding="utf-8")


EARLIER = "metodi_precedenti:\n  2025: cciaa-torino-2022\n  2026: cciaa-torino-2022\n"


def _problem_lines(output: str, catalog: Path) -> list[str]:
    return sorted(line.strip().replace(str(catalog), "CATALOG") for line in output.splitlines()
                  if re.search(r"(error|warning|info)\[", line))


def _answer_2027(catalog: Path, tmp_path: Path) -> None:
    """2027 drafted by new-year (no answer kept: the method changed), then answered on PNA 2019's scale."""
    run = riskengine("new-year", catalog, "--from", "2026", "--to", "2027", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    path = catalog / "assessment-2027.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    answers = itertools.cycle(("basso", "medio", "alto", "medio", "basso", "basso", "medio"))
    for entry in data["valutazioni"]:
        entry["risposte"] = {code: next(answers) for code in PNA2019_INDICATORS}
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_check_reads_each_earlier_year_with_its_own_method(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    before = riskengine("check", catalog, cwd=tmp_path)
    assert before.returncode == 0, before.stdout
    _on_pna2019(catalog)
    # without the entry: 2025 and 2026 read with pna2019; the closed year says how to name its own method
    moved = riskengine("check", catalog, cwd=tmp_path)
    assert moved.returncode == 1
    unknown_2025 = [line for line in moved.stdout.splitlines()
                    if "assessment-2025.yaml:" in line and "unknown indicator '" in line]
    assert unknown_2025 and all(line.endswith(
        "(the 2025 assessment is closed: if it was made with another method than 'pna2019', name it in ente.yaml, "
        "under metodi_precedenti, as «2025: METHOD»)") for line in unknown_2025), unknown_2025[:2]
    assert "closed" not in "".join(line for line in moved.stdout.splitlines() if "assessment-2026.yaml:" in line)
    # with it: each year is checked as it was, the same findings at the same places as before the change
    second = catalog_copy(tmp_path / "second", "esempio-cciaa")
    _on_pna2019(second, EARLIER)
    after = riskengine("check", second, cwd=tmp_path / "second")
    assert after.returncode == 0, after.stdout
    assert _problem_lines(after.stdout, second) == _problem_lines(before.stdout, catalog)
    assert len(_problem_lines(after.stdout, second)) == 4


def test_each_year_is_assessed_explained_and_compared_with_its_own_method(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    _on_pna2019(catalog, EARLIER)
    out = tmp_path / "out"
    assert riskengine("assess", catalog, "--year", "2025", "--format", "json", "--out", out / "2025",
                      cwd=tmp_path).returncode == 0
    assert json.loads((out / "2025" / "risultato.json").read_text(encoding="utf-8"))["metodo"]["codice"] \
        == "cciaa-torino-2022"
    explained = riskengine("explain", catalog, "B1.1.1", "--year", "2026", cwd=tmp_path)
    assert explained.returncode == 0, explained.stderr
    assert "method: cciaa-torino-2022 v2022.1" in explained.stdout
    assert "P1 Discrezionalità: 4" in explained.stdout
    _answer_2027(catalog, tmp_path)
    latest = riskengine("assess", catalog, "--format", "json", "--out", out / "2027", cwd=tmp_path)
    assert latest.returncode in (0, 3), latest.stderr  # 3: the made-up answers leave high risks untreated
    assert json.loads((out / "2027" / "risultato.json").read_text(encoding="utf-8"))["metodo"]["codice"] == "pna2019"
    diff = riskengine("diff", catalog, "2026", "2027", cwd=tmp_path)
    assert diff.returncode == 0, diff.stderr
    assert "The two years were assessed with different methods (cciaa-torino-2022 2022.1, then pna2019 2019.1)" \
        in diff.stdout
    check = riskengine("check", catalog, cwd=tmp_path).stdout
    assert not [line for line in check.splitlines() if re.search(r"assessment-202[56]\.yaml:\d+:\d+: error", line)]


def test_the_questionnaires_and_the_workbook_of_an_earlier_year_ask_its_own_method(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    _on_pna2019(catalog, EARLIER)
    run = riskengine("questionari", catalog, "--year", "2025", "--out", tmp_path / "q", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    exported = riskengine("export-xlsx", catalog, "--year", "2025", "--out", tmp_path / "catalogo.xlsx",
                          cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    for book in [*sorted((tmp_path / "q").glob("*.xlsx")), tmp_path / "catalogo.xlsx"]:
        cells = {str(c.value) for sheet in openpyxl.load_workbook(book, read_only=True).worksheets
                 for row in sheet.iter_rows() for c in row if c.value is not None}
        assert any("P1" in c or "Discrezionalità" in c for c in cells), book.name
        assert not any("interesse_esterno" in c or "decisore interno" in c for c in cells), book.name  # pna2019's


def test_an_earlier_method_that_cannot_be_found_is_one_located_line(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    _on_pna2019(catalog, "metodi_precedenti:\n  2025: pna2013-vecchio\n  2026: cciaa-torino-2022\n")
    ente = catalog / "ente.yaml"
    line = ente.read_text(encoding="utf-8").splitlines().index("  2025: pna2013-vecchio") + 1
    check = riskengine("check", catalog, cwd=tmp_path)
    assert check.returncode == 1
    errors = [text.strip() for text in check.stdout.splitlines() if "error[" in text]
    assert errors == [f"{ente}:{line}:9: error[load]: method 'pna2013-vecchio' not found (looked in "
                      f"{tmp_path / 'rules' / 'pna2013-vecchio'}, rules/pna2013-vecchio; use --rules DIR)"], errors
    assessed = riskengine("assess", catalog, "--year", "2025", "--format", "json", "--out", tmp_path / "o",
                          cwd=tmp_path)
    assert assessed.returncode == 1 and assessed.stderr.startswith(f"{ente}:{line}:9: error[load]: method "
                                                                   "'pna2013-vecchio' not found"), assessed.stderr
    assert "Traceback" not in assessed.stderr


def test_the_earlier_methods_go_through_the_workbook_and_back(tmp_path):
    from riskengine import api
    from riskengine.errors import RiskengineError

    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    _on_pna2019(catalog, EARLIER)
    book = tmp_path / "catalogo.xlsx"
    api.export_xlsx(catalog, book, rules_dir=tmp_path / "rules")
    sheet = openpyxl.load_workbook(book)["Generale"]
    (row,) = [r for r in sheet.iter_rows(min_row=2) if r[1].value == "metodi_precedenti"]
    assert row[2].value == "2025: cciaa-torino-2022\n2026: cciaa-torino-2022"
    api.import_xlsx(book, tmp_path / "copia", rules_dir=tmp_path / "rules")
    ente = yaml.safe_load((tmp_path / "copia" / "ente.yaml").read_text(encoding="utf-8"))
    assert ente["metodo"] == "pna2019"
    assert ente["metodi_precedenti"] == {2025: "cciaa-torino-2022", 2026: "cciaa-torino-2022"}
    # a line without its year is refused at its cell
    workbook = openpyxl.load_workbook(book)
    workbook["Generale"][row[2].coordinate] = "2025: cciaa-torino-2022\ncciaa-torino-2022"
    workbook.save(tmp_path / "rotto.xlsx")
    with pytest.raises(RiskengineError) as refused:
        api.import_xlsx(tmp_path / "rotto.xlsx", tmp_path / "copia-2", rules_dir=tmp_path / "rules")
    assert [str(p.location) for p in refused.value.problems] == [f"{tmp_path / 'rotto.xlsx'}:Generale!"
                                                                 f"{row[2].coordinate}"]
