"""A change of method: ente.yaml's metodi_precedenti names the method of each earlier year, which every command
reads that year with (check, assess, explain, diff, questionari, raccogli, export-xlsx, storico.yaml's levels);
new-year drafts for the method of the year it writes."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import openpyxl
import pytest
import yaml
from history_helpers import REPO, catalog_copy, riskengine

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
    # without the entry: 2025 and 2026 read with pna2019; each answer says how to name the year's own method
    moved = riskengine("check", catalog, cwd=tmp_path)
    assert moved.returncode == 1
    for year in (2025, 2026):
        unknown = [line for line in moved.stdout.splitlines()
                   if f"assessment-{year}.yaml:" in line and "unknown indicator '" in line]
        assert unknown and all(line.endswith(
            f"(if the {year} assessment was made with another method than 'pna2019', name it in ente.yaml, "
            f"under metodi_precedenti, as «{year}: METHOD»)") for line in unknown), unknown[:2]
    # a year given the wrong method: correct the entry
    ente = catalog / "ente.yaml"
    ente.write_text(ente.read_text(encoding="utf-8") + "metodi_precedenti: {2025: pna2019}\n", encoding="utf-8")
    listed = riskengine("check", catalog, cwd=tmp_path).stdout
    assert "error[assessment]: unknown indicator 'P1' (ente.yaml gives 2025 the method 'pna2019' "\
           "(metodi_precedenti): if the assessment was made with another, correct the entry)" in listed
    # an unknown indicator beside known ones, in the latest year: a slip, not another method
    only = catalog_copy(tmp_path / "slip", "esempio-cciaa")
    source = only / "assessment-2026.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace("P6: 3, I1: 5", "P6: 3, XX: 1, I1: 5", 1),
                      encoding="utf-8")
    earlier = only / "assessment-2025.yaml"  # and in an earlier year
    earlier.write_text(earlier.read_text(encoding="utf-8").replace("{P1: ", "{YY: 1, P1: ", 1), encoding="utf-8")
    slips = [line for line in riskengine("check", only, cwd=tmp_path / "slip").stdout.splitlines()
             if "'XX'" in line or "'YY'" in line]
    assert len(slips) == 2 and all("metodi_precedenti" not in line and "expected one of: 'I1'" in line
                                   for line in slips), slips
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
    assert errors == [f"{ente}:{line}:9: error[load]: method 'pna2013-vecchio' not found (did you mean 'pna2013'? "
                      f"methods in {tmp_path / 'rules'}: cciaa-torino-2022, pna2013, pna2019; or use --rules DIR)"], \
        errors
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
    # a line without its year, a year twice (the last would win): refused at the cell
    for n, text in enumerate(("2025: cciaa-torino-2022\ncciaa-torino-2022", "2025: pna2013\n2025: pna2019")):
        workbook = openpyxl.load_workbook(book)
        workbook["Generale"][row[2].coordinate] = text
        workbook.save(tmp_path / f"rotto-{n}.xlsx")
        with pytest.raises(RiskengineError) as refused:
            api.import_xlsx(tmp_path / f"rotto-{n}.xlsx", tmp_path / f"copia-{n}", rules_dir=tmp_path / "rules")
        assert [str(p.location) for p in refused.value.problems] == [f"{tmp_path / f'rotto-{n}.xlsx'}:Generale!"
                                                                     f"{row[2].coordinate}"]
    # the method of the assessment's year not found: said at the cell that names it (it was at the output's
    # ente.yaml, a file not written), for metodi_precedenti as for metodo
    (metodo,) = [r for r in sheet.iter_rows(min_row=2) if r[1].value == "metodo"]
    for n, (cell, text) in enumerate(((row[2].coordinate, "2025: cciaa-torino-2022\n2026: inesistente"),
                                      (metodo[2].coordinate, "inesistente"))):
        workbook = openpyxl.load_workbook(book)
        workbook["Generale"][cell] = text
        if n:  # 2026 read with metodo
            workbook["Generale"][row[2].coordinate] = "2025: cciaa-torino-2022"
        workbook.save(tmp_path / f"senza-{n}.xlsx")
        with pytest.raises(RiskengineError) as refused:
            api.import_xlsx(tmp_path / f"senza-{n}.xlsx", tmp_path / f"senza-{n}", rules_dir=tmp_path / "rules")
        (problem,) = refused.value.problems
        assert str(problem.location) == f"{tmp_path / f'senza-{n}.xlsx'}:Generale!{cell}"
        assert problem.message == "method 'inesistente' not found"
        assert not (tmp_path / f"senza-{n}").exists()


def test_new_year_drafts_for_the_method_of_the_year_it_drafts(tmp_path):
    # a year listed under metodi_precedenti was drafted for `metodo`: its answers dropped, then asked back by check
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    _on_pna2019(catalog, EARLIER)
    (catalog / "assessment-2026.yaml").unlink()
    run = riskengine("new-year", catalog, "--from", "2025", "--to", "2026", cwd=tmp_path)
    assert run.returncode == 0 and run.stderr == "", run.stderr
    drafted = yaml.safe_load((catalog / "assessment-2026.yaml").read_text(encoding="utf-8"))["valutazioni"]
    assert all(v["da_confermare"] is True and "P1" in v["risposte"] for v in drafted)
    check = riskengine("check", catalog, cwd=tmp_path)
    assert check.returncode == 0, check.stdout


def test_a_re_rating_of_the_residual_risk_goes_with_the_answers_of_another_method(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    _on_pna2019(catalog, EARLIER)
    source = catalog / "assessment-2026.yaml"
    text = source.read_text(encoding="utf-8")
    first = "  - processo: B1.1.1\n"
    assert first in text
    source.write_text(text.replace(first, first + "    residuo: {livello: alto, motivazione: \"nessuna misura\"}\n",
                                   1), encoding="utf-8")
    run = riskengine("new-year", catalog, "--from", "2026", "--to", "2027", cwd=tmp_path)
    assert run.returncode == 0
    draft = (catalog / "assessment-2027.yaml").read_text(encoding="utf-8")
    entry = next(v for v in yaml.safe_load(draft)["valutazioni"] if v["processo"] == "B1.1.1")
    assert "residuo" not in entry and entry["risposte"] == {}
    assert "# Re-ratings of the residual risk of 2026 left out, as they are on the earlier method's scale: " \
           "B1.1.1.\n" in draft
    # said where the RPCT reads what new-year did, not only in the draft's head
    said = [line for line in run.stderr.splitlines() if "re-ratings of the residual risk" in line]
    assert said == [f"{catalog / 'assessment-2027.yaml'}: warning[new-year]: re-ratings of the residual risk of "
                    "2026 left out of the draft: 1 (B1.1.1), as they are on the earlier method's scale (where one of "
                    "those entries is to be re-rated, write its residual on the scale of the method 'pna2019')"], \
        run.stderr
    # the head does not say that every answer was carried over: those to the earlier method's indicators were not
    assert "# Every answer carried over is marked `da_confermare: true`" in draft


def test_raccogli_reads_the_questionnaires_with_the_method_of_their_year(tmp_path):
    # without --year the year comes from the questionnaires: their answers were read with `metodo` (481 errors)
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    _on_pna2019(catalog, EARLIER)
    assert riskengine("questionari", catalog, "--year", "2026", "--out", tmp_path / "q",
                      cwd=tmp_path).returncode == 0
    before = (catalog / "assessment-2026.yaml").read_bytes()
    run = riskengine("raccogli", catalog, tmp_path / "q", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert (catalog / "assessment-2026.yaml").read_bytes() == before  # nothing returned changed an answer


STORICO_2024 = ("anni:\n  - anno: 2024\n    fonte: \"PIAO 2024-2026, p. 12\"\n"
                "    processi_per_livello: {basso: 20, medio: 14, {level}: 4, alto: 1}\n")


def test_a_declared_year_is_read_on_the_levels_of_its_own_method_by_check_and_assess_alike(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    _on_pna2019(catalog, "metodi_precedenti:\n  2024: cciaa-torino-2022\n  2025: cciaa-torino-2022\n"
                         "  2026: cciaa-torino-2022\n")
    storico = catalog / "storico.yaml"
    storico.write_text(STORICO_2024.replace("{level}", "altissimo"), encoding="utf-8")  # pna2019's, not 2024's
    check = riskengine("check", catalog, cwd=tmp_path)
    assert check.returncode == 1
    assert f"{storico}:4:50: error[storico]: unknown level 'altissimo'" in check.stdout, check.stdout
    assessed = riskengine("assess", catalog, "--format", "json", "--out", tmp_path / "o", cwd=tmp_path)
    assert assessed.returncode == 1 and f"{storico}:4:50: error[storico]: unknown level 'altissimo'" \
        in assessed.stderr, assessed.stderr
    storico.write_text(STORICO_2024.replace("{level}", "medio-alto"), encoding="utf-8")
    assert riskengine("check", catalog, cwd=tmp_path).returncode == 0
    assert riskengine("assess", catalog, "--format", "json", "--out", tmp_path / "o", cwd=tmp_path).returncode == 0
    years = json.loads((tmp_path / "o" / "risultato.json").read_text(encoding="utf-8"))["storico"]["anni"]
    declared = next(y for y in years if y["anno"] == 2024)
    assert declared["per_livello"] == {"basso": 20, "medio": 14, "medio-alto": 4, "alto": 1}
    assert "livelli" not in declared  # 2026's method, cciaa-torino-2022: the same scale
    history = riskengine("history", catalog, cwd=tmp_path)
    assert history.returncode == 0, history.stderr
    # a declared year that counts no level needs no method: assess and history agree
    ente = catalog / "ente.yaml"
    ente.write_text(ente.read_text(encoding="utf-8").replace("  2024: cciaa-torino-2022\n", "  2024: nessuno\n"),
                    encoding="utf-8")
    storico.write_text("anni:\n  - {anno: 2024, fonte: \"PIAO 2024-2026\", misure_dovute: 3, misure_attuate: 2}\n",
                       encoding="utf-8")
    assert riskengine("assess", catalog, "--format", "json", "--out", tmp_path / "o", cwd=tmp_path).returncode == 0
    assert riskengine("history", catalog, cwd=tmp_path).returncode == 0
    ente.write_text(ente.read_text(encoding="utf-8").replace("  2024: nessuno\n", "  2024: cciaa-torino-2022\n"),
                    encoding="utf-8")
    storico.write_text(STORICO_2024.replace("{level}", "medio-alto"), encoding="utf-8")
    # the annex of a pna2019 year counts 2024 on 2024's own scale
    _answer_2027(catalog, tmp_path)
    assert riskengine("assess", catalog, "--format", "json", "--out", tmp_path / "o27",
                      cwd=tmp_path).returncode in (0, 3)
    years = json.loads((tmp_path / "o27" / "risultato.json").read_text(encoding="utf-8"))["storico"]["anni"]
    declared = next(y for y in years if y["anno"] == 2024)
    assert [lvl["codice"] for lvl in declared["livelli"]] == ["basso", "medio", "medio-alto", "alto"]


def _broken_on_rules_with_a_warning(tmp_path: Path, earlier: str) -> tuple[Path, Path, Path]:
    """The example on pna2019 with ``earlier``, a measure's state mistyped (the catalogue does not load), and rules
    whose cciaa-torino-2022 has an unused band table (a warning): the catalogue, the rules and that method.yaml."""
    import shutil

    rules = tmp_path / "regole"
    shutil.copytree(REPO / "rules" / "pna2019", rules / "pna2019")
    shutil.copytree(REPO / "rules" / "cciaa-torino-2022", rules / "cciaa-torino-2022")
    torino = rules / "cciaa-torino-2022" / "method.yaml"
    text = torino.read_text(encoding="utf-8")
    assert text.count("bande: vecchi-indici}") == 1
    torino.write_text(text.replace("bande: vecchi-indici}", "bande: nuovi-indici}"), encoding="utf-8")
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    _on_pna2019(catalog, earlier)
    measures = catalog / "measures.yaml"
    measures.write_text(measures.read_text(encoding="utf-8").replace("stato: attuata", "stato: finita", 1),
                        encoding="utf-8")
    return catalog, rules, torino


def test_a_catalogue_that_does_not_load_still_has_the_earlier_years_methods_checked(tmp_path):
    # check lists the method's own problems beside the file that fails to load: those of the earlier years'
    # methods were left for the next round
    catalog, rules, torino = _broken_on_rules_with_a_warning(tmp_path, EARLIER)
    run = riskengine("check", catalog, "--rules", rules, cwd=tmp_path)
    assert run.returncode == 1
    lines = _problem_lines(run.stdout, catalog)
    assert any("measures.yaml:" in line and "error[" in line for line in lines), run.stdout
    assert [line for line in lines if "method.yaml" in line] == [
        f"{torino}:{_place_of(torino, 'codice: vecchi-indici', 'vecchi')}: warning[method]: band table 'vecchi-indici' is "
        "never used (reference it in scelta_bande or remove it)"], run.stdout


def _place_of(path: Path, needle: str, word: str) -> str:
    """``line:column`` of ``word`` on the line of ``path`` that holds ``needle``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(f"{number}:{line.index(word) + 1}" for number, line in enumerate(lines, 1) if needle in line)


@pytest.mark.parametrize("earlier", ["metodi_precedenti:\n  2024: cciaa-torino-2022\n",
                                     "metodi_precedenti:\n  2025: ../regole/cciaa-torino-2022\n"])
def test_a_catalogue_that_does_not_load_checks_no_method_its_annexes_would_not_use(tmp_path, earlier):
    # a year without an assessment (its method is in no annex, and check said nothing of it once the catalogue
    # loaded), and a path where a name belongs (refused by ente.yaml's own check): a method outside the rules was
    # loaded, and one named three ways was said three times
    catalog, rules, _ = _broken_on_rules_with_a_warning(tmp_path, earlier)
    run = riskengine("check", catalog, "--rules", rules, cwd=tmp_path)
    assert run.returncode == 1
    assert not [line for line in _problem_lines(run.stdout, catalog) if "method.yaml" in line], run.stdout


def test_an_earlier_year_s_method_warning_is_said_at_its_own_method_yaml_in_the_run_s_language(tmp_path):
    # once the catalogue loaded, an earlier year's method warning was said at <catalogue>/method.yaml, a file
    # that does not exist, and in English in an Italian run, as the annex also wrote it
    catalog, rules, torino = _broken_on_rules_with_a_warning(tmp_path, EARLIER)
    measures = catalog / "measures.yaml"
    measures.write_text(measures.read_text(encoding="utf-8").replace("stato: finita", "stato: attuata", 1),
                        encoding="utf-8")
    place = _place_of(torino, "codice: vecchi-indici", "vecchi")
    run = riskengine("check", catalog, "--rules", rules, "--lang", "it", cwd=tmp_path)
    assert run.returncode == 0, run.stdout
    assert [line.strip() for line in run.stdout.splitlines() if "method.yaml" in line] == [
        f"{torino}:{place}: warning[method]: la tabella di bande 'vecchi-indici' non è mai usata (richiamala in "
        "scelta_bande o toglila)"], run.stdout
    out = tmp_path / "allegato"
    assessed = riskengine("assess", catalog, "--rules", rules, "--lang", "it", "--year", "2026", "--format", "html",
                          "--out", out, cwd=tmp_path)
    assert assessed.returncode == 0, assessed.stderr
    annex = (out / "allegato-rischi.html").read_text(encoding="utf-8")
    assert "la tabella di bande &#39;vecchi-indici&#39; non è mai usata" in annex and "never used" not in annex


def test_a_broken_method_of_a_year_without_an_assessment_is_said_whether_the_catalogue_loads_or_not(tmp_path):
    # once the catalogue loads, check says the errors of every method metodi_precedenti names; when it did not
    # load, a year without an assessment was skipped and its method's errors came in the next round
    import shutil

    catalog, rules, torino = _broken_on_rules_with_a_warning(
        tmp_path, "metodi_precedenti:\n  2024: rotto\n  2025: cciaa-torino-2022\n  2026: cciaa-torino-2022\n")
    shutil.copytree(torino.parent, rules / "rotto")
    broken = rules / "rotto" / "method.yaml"
    broken.write_text(torino.read_text(encoding="utf-8").replace("bande: nuovi-indici}", "bande: inesistenti}"),
                      encoding="utf-8")
    said = []
    for fixed in (False, True):
        if fixed:  # the measure's state mistyped by _broken_on_rules_with_a_warning, put right
            measures = catalog / "measures.yaml"
            measures.write_text(measures.read_text(encoding="utf-8").replace("stato: finita", "stato: attuata", 1),
                                encoding="utf-8")
        run = riskengine("check", catalog, "--rules", rules, cwd=tmp_path)
        assert run.returncode == 1
        said.append([line for line in _problem_lines(run.stdout, catalog) if str(broken) in line])
    assert said[0] == said[1] and len(said[0]) == 1 and "error[method]" in said[0][0], said


def test_a_year_listed_with_the_catalogue_s_own_method_is_a_located_warning(tmp_path):
    # «2025: cciaa-torino-2022» beside «metodo: cciaa-torino-2022» changes nothing (most likely the new method written
    # where the old one was meant), and check accepted it silently
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    ente = catalog / "ente.yaml"
    ente.write_text(ente.read_text(encoding="utf-8") + "metodi_precedenti:\n  2025: cciaa-torino-2022\n",
                    encoding="utf-8")
    place = f"{ente}:{_place_of(ente, '2025: cciaa', 'cciaa')}"
    for lang, said in (
            ("it", "warning[earlier-method-is-current]: l'anno 2025 è elencato sotto metodi_precedenti con il metodo "
                   "del catalogo, 'cciaa-torino-2022': la voce non cambia nulla (togli la voce: metodi_precedenti "
                   "elenca solo gli anni valutati con un metodo diverso da metodo; se il 2025 fu valutato con un "
                   "altro metodo, scrivi quello)"),
            ("en", "warning[earlier-method-is-current]: the year 2025 is listed under metodi_precedenti with the "
                   "catalogue's own method, 'cciaa-torino-2022': the entry changes nothing (remove the entry: "
                   "metodi_precedenti lists only the years assessed with a method other than metodo; if 2025 was "
                   "assessed with another method, name that one)")):
        run = riskengine("check", catalog, "--lang", lang, cwd=tmp_path)
        assert run.returncode == 0, run.stdout  # a warning: the year is read with that method either way
        assert [line.strip() for line in run.stdout.splitlines() if "warning[earlier-method" in line] == [
            f"{place}: {said}"], run.stdout
    # a year listed with another method than metodo is what the entry is for: nothing said
    _on_pna2019(catalog)
    assert "earlier-method-is-current" not in riskengine("check", catalog, cwd=tmp_path).stdout
