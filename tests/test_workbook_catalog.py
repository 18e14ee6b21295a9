"""The catalogue as a workbook, both ways: export-xlsx and import-xlsx on the example and on edits."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from catalog_helpers import run_cli
from workbook_helpers import EXAMPLE, RULES, column_of, edit, example_copy, export, row_of, tree_bytes

from riskengine import api
from riskengine.errors import RiskengineError
from riskengine.source.document import load_yaml


@pytest.fixture(scope="module")
def workbook(tmp_path_factory) -> Path:
    return export(EXAMPLE, tmp_path_factory.mktemp("wb") / "esempio.xlsx")


def _import(workbook: Path, out: Path, *extra: str):
    return run_cli("import-xlsx", str(workbook), "--out", str(out), "--rules", RULES, *extra)


def _check_lines(catalog: Path) -> list[str]:
    """``check``'s problem lines without their places (file and line differ between two folders)."""
    result = run_cli("check", str(catalog), "--rules", RULES)
    lines = [re.sub(r"^\s*\S+:\d+:\d+: ", "", line) for line in result.stdout.splitlines()[1:]]
    return [result.exit_code, result.stdout.splitlines()[0].split(": ", 1)[1], *lines]


def test_export_then_import_over_the_catalogue_is_byte_identical(tmp_path, workbook) -> None:
    catalog = example_copy(tmp_path)
    before = tree_bytes(catalog)
    result = _import(workbook, catalog, "--force", "--lang", "it")
    assert result.exit_code == 0, result.stderr
    assert tree_bytes(catalog) == before
    assert result.stdout.count("invariato") == 8  # every file of the workbook: its content did not change
    assert run_cli("check", str(catalog), "--rules", RULES).stdout.replace(str(catalog), "X") \
        == run_cli("check", str(EXAMPLE), "--rules", RULES).stdout.replace(str(EXAMPLE), "X")


def test_a_fresh_import_checks_like_the_original_and_round_trips_byte_for_byte(tmp_path, workbook) -> None:
    first = tmp_path / "primo"
    assert _import(workbook, first).exit_code == 0
    assert sorted(p.name for p in first.iterdir()) == sorted(
        ["ente.yaml", "areas.yaml", "units.yaml", "factors.yaml", "processes.yaml", "measures.yaml",
         "trasparenza.yaml", "assessment-2026.yaml"])
    original = example_copy(tmp_path, "originale")
    (original / "assessment-2025.yaml").unlink()  # the workbook carries the latest assessment only
    assert _check_lines(first) == _check_lines(original)
    second = tmp_path / "secondo"
    assert _import(export(first, tmp_path / "di-nuovo.xlsx"), second).exit_code == 0
    assert tree_bytes(second) == tree_bytes(first)


def test_the_export_is_deterministic_and_has_the_layout_users_expect(tmp_path, workbook) -> None:
    from openpyxl import load_workbook

    again = export(EXAMPLE, tmp_path / "again.xlsx")
    assert again.read_bytes() == workbook.read_bytes()
    book = load_workbook(workbook)
    assert book.sheetnames[:3] == ["Leggimi", "Generale", "Elenchi"]
    assert {"Processi", "Fasi", "Eventi", "Misure", "Unità", "Aree", "Fattori", "Valutazione",
            "Monitoraggio"} <= set(book.sheetnames)
    misure = book["Misure"]
    assert misure.freeze_panes == "A2"
    assert misure.column_dimensions["B"].width > 8
    references = {str(dv.sqref).split(":")[0]: dv.formula1 for dv in misure.data_validations.dataValidation}
    lists = book["Elenchi"]
    assert lists["D1"].value == "responsabili"
    last = max(c.row for c in lists["D"] if c.value is not None)
    assert references["E2"] == f"Elenchi!$D$2:$D${last}"  # units and roles
    assert references["C2"].startswith('"controllo,trasparenza')
    valutazione = book["Valutazione"]
    p1 = column_of(workbook, "Valutazione", "risposte.P1")
    answers = next(dv for dv in valutazione.data_validations.dataValidation if str(dv.sqref).startswith(p1))
    assert answers.formula1 == '"1,2,3,4,5"'  # the scale of P1 (discrezionalità)
    assert book["Elenchi"].sheet_state == "hidden"


def test_a_misspelt_unit_in_the_measures_sheet_is_reported_at_its_cell(tmp_path, workbook) -> None:
    assert row_of(workbook, "Misure", "MG06") == 7 and column_of(workbook, "Misure", "responsabile") == "E"
    broken = edit(workbook, "Misure", {"E7": "RPTC"}, tmp_path / "rotto.xlsx")
    result = _import(broken, tmp_path / "out")
    assert result.exit_code == 1
    assert f"{broken}:Misure!E7: error[dangling-reference]: unknown unit or role 'RPTC' (did you mean 'RPCT'?)" \
        in result.stderr
    assert not (tmp_path / "out").exists()
    italian = _import(broken, tmp_path / "out", "--lang", "it")  # worded by the catalogue, as in YAML
    assert f"{broken}:Misure!E7: error[dangling-reference]: unità o ruolo 'RPTC' inesistente (forse 'RPCT'?)" \
        in italian.stderr


def test_a_formula_cell_is_refused_with_its_address(tmp_path, workbook) -> None:
    broken = edit(workbook, "Processi", {"B3": "=CONCATENA(A2;A3)"}, tmp_path / "formula.xlsx")
    result = _import(broken, tmp_path / "out")
    assert result.exit_code == 1
    assert f"{broken}:Processi!B3: error[workbook]: a formula is not accepted: cells hold data" in result.stderr


def test_an_excel_error_value_is_refused_with_its_address(tmp_path, workbook) -> None:
    # a column of VLOOKUPs pasted as values: '#N/A' became a measure's name and '#DIV/0!' a description, exit 0
    broken = edit(workbook, "Misure", {"B2": "#N/A", "C3": "#DIV/0!"}, tmp_path / "errori.xlsx")
    from openpyxl import load_workbook

    assert load_workbook(broken)["Misure"]["B2"].data_type == "e"  # as Excel saves an error
    result = _import(broken, tmp_path / "out", "--lang", "it")
    assert result.exit_code == 1 and not (tmp_path / "out").exists()
    assert result.stderr.splitlines()[:2] == [
        f"{broken}:Misure!B2: error[workbook]: la cella contiene l'errore di Excel #N/A, non un valore (scrivi il "
        "valore: un errore come #N/A è il risultato di una formula (incollata come valore?))",
        f"{broken}:Misure!C3: error[workbook]: la cella contiene l'errore di Excel #DIV/0!, non un valore (scrivi il "
        "valore: un errore come #N/A è il risultato di una formula (incollata come valore?))"], result.stderr


def test_an_answer_outside_the_scale_is_refused_with_its_address(tmp_path, workbook) -> None:
    column = column_of(workbook, "Valutazione", "risposte.P2")
    broken = edit(workbook, "Valutazione", {f"{column}4": 9}, tmp_path / "scala.xlsx")
    result = _import(broken, tmp_path / "out")
    assert result.exit_code == 1
    assert f"{broken}:Valutazione!{column}4: error[assessment]: '9' is not an answer of indicator 'P2' " \
           "(expected one of: 2, 5)" in result.stderr


def test_the_catalogue_s_errors_and_the_answers_errors_come_in_one_round(tmp_path, workbook) -> None:
    # an error of the catalogue's sheets (integrity) stopped the import before the «Valutazione» sheet was read:
    # a renamed process was refused in «Misure» in one run and in the answers in the next
    column = column_of(workbook, "Valutazione", "risposte.P2")
    broken = edit(workbook, "Misure", {"E7": "RPTC"}, tmp_path / "due.xlsx")
    edit(broken, "Valutazione", {f"{column}4": 9})
    result = _import(broken, tmp_path / "out")
    assert result.exit_code == 1 and not (tmp_path / "out").exists()
    errors = [line for line in result.stderr.splitlines() if ": error[" in line]
    assert errors == [
        f"{broken}:Misure!E7: error[dangling-reference]: unknown unit or role 'RPTC' (did you mean 'RPCT'?)",
        f"{broken}:Valutazione!{column}4: error[assessment]: '9' is not an answer of indicator 'P2' (expected one "
        "of: 2, 5)"], result.stderr


def test_a_formula_a_renamed_process_and_the_other_sheets_errors_come_in_one_round(tmp_path, workbook) -> None:
    # a formula was refused in a round of its own, then the rows naming the renamed process in another, and only
    # then the errors of the other sheets and of the answers: three runs to learn what one could say
    process = row_of(workbook, "Processi", "B1.1.1")
    description = column_of(workbook, "Misure", "descrizione")
    broken = edit(workbook, "Processi", {f"A{process}": "B1.1.1X"}, tmp_path / "tre.xlsx")
    edit(broken, "Misure", {f"{description}3": "=A1", "E7": "RPTC"})
    catalog = example_copy(tmp_path)
    before = tree_bytes(catalog)
    result = _import(broken, catalog, "--force", "--lang", "it")
    assert result.exit_code == 1 and tree_bytes(catalog) == before
    unknown = "error[workbook]: processo 'B1.1.1' inesistente (forse 'B1.1.1X'?)"
    named = "processo o fase 'B1.1.1' inesistente (forse 'B1.1.1X'?)"
    # the measures naming the events of the rows left out («Eventi» 2-4) are not said: they follow from those rows
    assert [line for line in result.stderr.splitlines() if ": error[" in line] == [
        *(f"{broken}:Eventi!A{row}: {unknown}" for row in (2, 3, 4)),
        *(f"{broken}:Fasi!A{row}: {unknown}" for row in (2, 3, 4)),
        f"{broken}:Misure!{description}3: error[workbook]: una formula non è ammessa: le celle contengono dati "
        "(sostituiscila con il suo valore)",
        f"{broken}:Misure!E7: error[dangling-reference]: unità o ruolo 'RPTC' inesistente (forse 'RPCT'?)",
        f"{broken}:Misure!S13: error[dangling-reference]: {named}",
        f"{broken}:Misure!S14: error[dangling-reference]: {named}",
        f"{broken}:Valutazione!A2: error[assessment]: processo 'B1.1.1' inesistente (forse 'B1.1.1X'?)"], \
        result.stderr


def test_what_only_follows_from_a_cell_or_a_row_left_out_is_not_said(tmp_path, workbook) -> None:
    # a formula naming an event's process, a phase whose process is misspelt: their rows are left out, and the
    # sub-phases, events and measures naming them say nothing more (they read once those rows are fixed)
    phase = row_of(workbook, "Fasi", "B2.1.1.2", column=3)
    assert [row_of(workbook, "Fasi", code, column=3) for code in ("B2.1.1.2.1", "B2.1.1.2.2")] == \
        [phase + 1, phase + 2]
    broken = edit(workbook, "Fasi", {f"A{phase}": "B2.1.1Y"}, tmp_path / "conseguenze.xlsx")
    edit(broken, "Eventi", {"A2": "=B2"})
    edit(broken, "Misure", {"E7": "RPTC"})
    result = _import(broken, tmp_path / "out", "--lang", "it")
    assert result.exit_code == 1 and not (tmp_path / "out").exists()
    assert [line for line in result.stderr.splitlines() if ": error[" in line] == [
        f"{broken}:Eventi!A2: error[workbook]: una formula non è ammessa: le celle contengono dati "
        "(sostituiscila con il suo valore)",
        f"{broken}:Fasi!A{phase}: error[workbook]: processo 'B2.1.1Y' inesistente (forse 'B2.1.1'?)",
        f"{broken}:Misure!E7: error[dangling-reference]: unità o ruolo 'RPTC' inesistente (forse 'RPCT'?)"], \
        result.stderr


@pytest.mark.parametrize(("sheet", "cell"), [("Eventi", "D1"), ("Processi", "C1"), ("Misure", "A1"),
                                           ("Valutazione", "B1"), ("Generale", "A3"), ("Generale", "B3")])
def test_a_formula_in_a_heading_or_a_setting_s_name_is_said_alone(tmp_path, workbook, sheet, cell) -> None:
    # Regression (review of 66d3f92): the column under a refused heading was left out and every row then
    # lacked its value ("manca la chiave obbligatoria 'descrizione'" 96 times, "non ha un'area" 41 times); a
    # setting's name refused left its field missing. Nothing under such a cell reads rightly: it is said alone.
    broken = edit(workbook, sheet, {cell: '="x"'}, tmp_path / "intestazione.xlsx")
    result = _import(broken, tmp_path / "out", "--lang", "it")
    assert result.exit_code == 1 and not (tmp_path / "out").exists()
    assert [line for line in result.stderr.splitlines() if ": error[" in line] == [
        f"{broken}:{sheet}!{cell}: error[workbook]: una formula non è ammessa: le celle contengono dati "
        "(sostituiscila con il suo valore)"], result.stderr


def test_a_value_outside_a_closed_list_reads_like_the_yaml_error(tmp_path, workbook) -> None:
    column = column_of(workbook, "Misure", "tipologia")
    broken = edit(workbook, "Misure", {f"{column}3": "formazzione"}, tmp_path / "tipologia.xlsx")
    result = _import(broken, tmp_path / "out")
    assert f"{broken}:Misure!{column}3: error[schema]: 'formazzione' is not a valid value for 'tipologia' " \
           "(did you mean 'formazione'?)" in result.stderr


def test_unknown_columns_and_sheets_are_named_with_a_suggestion(tmp_path, workbook) -> None:
    broken = edit(workbook, "Processi", {"B1": "nomme"}, tmp_path / "intestazione.xlsx")
    result = _import(broken, tmp_path / "out")
    assert f"{broken}:Processi!B1: error[workbook]: unknown column 'nomme' (did you mean 'nome'?)" in result.stderr
    assert f"{broken}:Processi!A1: error[workbook]: missing column 'nome'" in result.stderr


def test_text_that_starts_like_a_formula_stays_text_both_ways(tmp_path) -> None:
    from openpyxl import load_workbook

    catalog = example_copy(tmp_path)
    measures = catalog / "measures.yaml"
    text = measures.read_text(encoding="utf-8")
    for prefix, code in (("=", "MG01"), ("+", "MG02"), ("-", "MG03"), ("@", "MG04")):
        start = text.index(f"codice: {code}\n")
        line_start = text.index("nome: ", start)
        text = text[:line_start] + f'nome: "{prefix}SOMMA(A1:A9) {code}"\n' + text[text.index("\n", line_start) + 1:]
    measures.write_text(text, encoding="utf-8")
    workbook = export(catalog, tmp_path / "prefissi.xlsx")
    sheet = load_workbook(workbook)["Misure"]
    cells = [sheet.cell(row=r, column=2) for r in range(2, 6)]
    assert [c.value for c in cells] == ["=SOMMA(A1:A9) MG01", "+SOMMA(A1:A9) MG02", "-SOMMA(A1:A9) MG03",
                                        "@SOMMA(A1:A9) MG04"]
    assert {c.data_type for c in cells} == {"s"} and all(c.quotePrefix for c in cells)
    out = tmp_path / "out"
    assert _import(workbook, out).exit_code == 0
    imported = api.load_linked(out).catalog.measures.misure
    assert [m.nome for m in imported[:4]] == [c.value for c in cells]


def test_existing_files_are_replaced_only_with_force_changing_only_what_changed(tmp_path, workbook) -> None:
    catalog = example_copy(tmp_path)
    before = tree_bytes(catalog)
    column = column_of(workbook, "Misure", "stato")
    row = row_of(workbook, "Misure", "MG06")
    edited = edit(workbook, "Misure", {f"{column}{row}": "non-attuata"}, tmp_path / "modificato.xlsx")
    refused = _import(edited, catalog)
    assert refused.exit_code == 1 and "already exists" in refused.stderr and "--force" in refused.stderr
    assert tree_bytes(catalog) == before
    done = _import(edited, catalog, "--force")
    assert done.exit_code == 0, done.stderr
    after = tree_bytes(catalog)
    assert [n for n in after if after[n] != before[n]] == ["measures.yaml"]
    old_lines, new_lines = before["measures.yaml"].decode().splitlines(), after["measures.yaml"].decode().splitlines()
    assert len(old_lines) == len(new_lines)  # comments, quoting, flow lists and key order all kept
    changed = [(a, b) for a, b in zip(old_lines, new_lines, strict=True) if a != b]
    assert len(changed) == 1 and changed[0][1].strip() == "stato: non-attuata"
    assert next(m for m in api.load_linked(catalog).catalog.measures.misure if m.codice == "MG06").stato == "non-attuata"


@pytest.mark.parametrize("damaged", [b"x: [\n", b"\xff\xfe not UTF-8\n"], ids=["yaml", "encoding"])
def test_force_replaces_a_file_that_does_not_read_as_yaml_whole(tmp_path, workbook, damaged) -> None:
    # --force over a units.yaml cut short (or not UTF-8) ended in exit 70: its comments were to be kept by parsing it
    catalog = example_copy(tmp_path)
    before = tree_bytes(catalog)
    (catalog / "units.yaml").write_bytes(damaged)  # the others' bytes stay
    done = _import(workbook, catalog, "--force")
    assert done.exit_code == 0, done.stderr
    assert f"{catalog / 'units.yaml'}: replaced" in done.stdout, done.stdout
    assert api.load_linked(catalog).catalog.units == api.load_linked(EXAMPLE).catalog.units
    assert {n: b for n, b in tree_bytes(catalog).items() if n != "units.yaml"} == \
        {n: b for n, b in before.items() if n != "units.yaml"}


def test_a_workbook_without_its_settings_sheet_is_one_located_line(tmp_path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Foglio1"
    book.save(tmp_path / "vuoto.xlsx")
    result = _import(tmp_path / "vuoto.xlsx", tmp_path / "out")
    assert result.exit_code == 1
    assert "no sheet 'Generale'" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("catalog", ["esempio-cciaa", "esempio-piccolo"])
def test_updating_a_file_with_its_own_data_changes_no_byte(catalog) -> None:
    from riskengine.catalog import load_catalog
    from riskengine.method.models import AssessmentFile
    from riskengine.source.document import load_yaml
    from riskengine.workbook.values import plain
    from riskengine.workbook.yamlfile import updated_yaml

    root = EXAMPLE.parent / catalog
    loaded = load_catalog(root)
    models = {"ente.yaml": loaded.ente, "areas.yaml": loaded.areas, "units.yaml": loaded.units,
              "processes.yaml": loaded.processes, "measures.yaml": loaded.measures}
    if loaded.transparency is not None:
        models["trasparenza.yaml"] = loaded.transparency
    for path in sorted(root.glob("assessment-*.yaml")):
        models[path.name] = AssessmentFile.model_validate(load_yaml(path).data)
    for name, model in models.items():
        text = (root / name).read_text(encoding="utf-8")
        assert updated_yaml(text, plain(model)) == text, name


def test_an_update_adds_and_removes_items_and_keys_in_place() -> None:
    from riskengine.workbook.yamlfile import updated_yaml

    text = ("# intestazione\nmisure:\n  - codice: M1  # prima\n    nome: \"Uno\"\n    aree: [A, B]\n\n"
            "  - codice: M2\n    nome: Due\n    target: 10\n")
    data = {"misure": [{"codice": "M2", "nome": "Due"}, {"codice": "M3", "nome": "Tre", "aree": ["C"]},
                       {"codice": "M1", "nome": "Uno", "aree": ["A"]}]}
    updated = updated_yaml(text, data)
    assert updated.startswith("# intestazione\nmisure:\n")
    assert "- codice: M1  # prima\n    nome: \"Uno\"\n    aree: [A]\n" in updated  # comment, quotes, flow style
    assert "target" not in updated and "codice: M3" in updated
    assert [line.strip() for line in updated.splitlines() if "codice:" in line] == [
        "- codice: M2", "- codice: M3", "- codice: M1  # prima"]


def test_the_small_example_round_trips_too(tmp_path) -> None:
    source = EXAMPLE.parent / "esempio-piccolo"
    catalog = tmp_path / "piccolo"
    shutil.copytree(source, catalog, ignore=shutil.ignore_patterns("storico.sqlite*"))
    workbook = export(catalog, tmp_path / "piccolo.xlsx")
    before = tree_bytes(catalog)
    assert _import(workbook, catalog, "--force").exit_code == 0
    assert tree_bytes(catalog) == before
    fresh = tmp_path / "nuovo"
    assert _import(workbook, fresh).exit_code == 0
    assert _import(export(fresh, tmp_path / "nuovo.xlsx"), tmp_path / "ancora").exit_code == 0
    assert tree_bytes(tmp_path / "ancora") == tree_bytes(fresh)


@pytest.mark.parametrize(("command", "out", "where", "cause"), [
    ("export-xlsx", "{cat}/ente.yaml/x.xlsx", "{cat}/ente.yaml", "Not a directory"),
    ("export-xlsx", "/proc/x.xlsx", "/proc/x.xlsx", "No such file or directory"),
    ("questionari", "{cat}/ente.yaml", "{cat}/ente.yaml", "Not a directory"),
    # a folder that cannot be made, met first by exists() (was an internal error: OSError, exit 70)
    ("questionari", "{cat}/" + "a" * 300, "{cat}/" + "a" * 300, "File name too long"),
    ("import-xlsx", "{cat}/" + "a" * 300, "{cat}/" + "a" * 300, "File name too long"),
    ("import-xlsx", "{cat}/ente.yaml/copia", "{cat}/ente.yaml/copia", "Not a directory"),
])
def test_an_output_that_cannot_be_written_is_one_located_line(tmp_path, workbook, command: str, out: str,
                                                                where: str, cause: str) -> None:
    # were internal errors (exit 70, Python's FileNotFoundError, NotADirectoryError, IsADirectoryError)
    cat = example_copy(tmp_path)
    first = str(workbook) if command == "import-xlsx" else str(cat)
    extra = ["--year", "2026"] if command == "questionari" else []
    before = tree_bytes(cat), sorted(cat.rglob("*"))
    result = run_cli(command, first, "--out", out.format(cat=cat), "--rules", RULES, *extra)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == f"{where.format(cat=cat)}: error[output]: cannot write file: {cause} " \
        "(check the output directory)", result.output
    assert (tree_bytes(cat), sorted(cat.rglob("*"))) == before  # nothing written, no temporary file left


def test_an_export_over_a_folder_is_refused_not_replaced(tmp_path, workbook) -> None:
    cat = example_copy(tmp_path)
    result = run_cli("export-xlsx", str(cat), "--out", str(cat), "--rules", RULES)
    assert result.exit_code == 1, result.output
    assert result.output.splitlines()[0] == f"{cat}: error[output]: not a regular file but a directory: riskengine " \
        "would replace it (give a new file, or a regular file to replace)"
    assert (cat / "ente.yaml").is_file()


def test_an_export_replaces_an_earlier_export_never_another_file(tmp_path, workbook) -> None:
    # --out catalogs/…/ente.yaml replaced the catalogue's file with the workbook's bytes (check then: "binary file")
    cat = example_copy(tmp_path)
    notes = tmp_path / "note.xlsx"
    notes.write_bytes(b"PK\x03\x04 not ours")
    # a returned questionnaire, which riskengine wrote too (its creator): replaced, its answers lost
    assert run_cli("questionari", str(cat), "--year", "2026", "--out", str(tmp_path / "q"), "--rules",
                   RULES).exit_code == 0
    questionnaire = tmp_path / "q" / "questionario-PERS-2026.xlsx"
    # a user's workbook with sheets named as the export's (common Italian names)
    from openpyxl import Workbook

    own = Workbook()
    own.active.title = "Generale"
    own.create_sheet("Elenchi")
    own.create_sheet("Budget")
    own.save(tmp_path / "mio.xlsx")
    for target in (cat / "ente.yaml", notes, questionnaire, tmp_path / "mio.xlsx"):
        before = target.read_bytes()
        result = run_cli("export-xlsx", str(cat), "--out", str(target), "--rules", RULES)
        assert result.exit_code == 1, result.output
        assert result.stderr.startswith(f"{target}: error[output]: the file exists and was not written by "
                                        "'riskengine export-xlsx': riskengine does not replace it"), result.stderr
        assert target.read_bytes() == before
    out = tmp_path / "catalogo.xlsx"
    for _ in range(2):  # written, then replaced: an earlier export
        export(cat, out)
    assert out.read_bytes() == workbook.read_bytes()


def test_an_export_into_a_new_folder_makes_it(tmp_path, workbook) -> None:
    out = tmp_path / "nuova" / "cartella" / "catalogo.xlsx"
    export(EXAMPLE, out)
    assert out.read_bytes() == workbook.read_bytes()


def test_the_import_warns_of_what_check_then_reports(tmp_path, workbook) -> None:
    """import-xlsx counted untreated events by the strict default while check counts them as the method says
    (cciaa-torino-2022: measures of the process cover its events): 31 warnings check never showed."""
    out = tmp_path / "importato"
    result = _import(workbook, out)
    assert result.exit_code == 0, result.stderr
    check = run_cli("check", str(out), "--rules", RULES)
    warned = sorted(re.findall(r"warning\[([^\]]+)\]", result.stdout + result.stderr))
    checked = sorted(re.findall(r"warning\[([^\]]+)\]", check.stdout))
    assert warned == checked == ["measure-overdue", "obligation-overdue"]
    # headed as check heads them (import-xlsx said "warnings (2)", "avvisi (2)" in Italian, where check said
    # "Warnings (2)", "Avvisi (2)")
    assert "\nWarnings (2)\n" in result.stdout and "\nWarnings (2)\n" in check.stdout, result.stdout
    italian = run_cli("import-xlsx", str(workbook), "--out", str(out), "--force", "--rules", RULES, "--lang", "it")
    assert "\nAvvisi (2)\n" in italian.stdout and "\navvisi (2)" not in italian.stdout, italian.stdout
    # a year whose processes are not all answered: the import lists them as check does (NON-VALUTATO)
    older = export(EXAMPLE, tmp_path / "2025.xlsx", "--year", "2025")
    result = _import(older, tmp_path / "importato-2025")
    warned = sorted(re.findall(r"warning\[([^\]]+)\]: (process \S+)?", result.stdout + result.stderr))
    checked = sorted(re.findall(r"warning\[([^\]]+)\]: (process \S+)?",
                                run_cli("check", str(tmp_path / "importato-2025"), "--rules", RULES).stdout))
    assert warned == checked and ("NON-VALUTATO", "process B2.1.5") in warned, (warned, checked)


def test_the_import_counts_untreated_events_strictly_when_the_method_says_so(tmp_path, workbook) -> None:
    """The same workbook with the method's misure_di_processo_coprono false (pna2013's and pna2019's default): every
    event without a measure of its own or of its phase is a warning, at import as in check."""
    rules = tmp_path / "regole"
    shutil.copytree(RULES, rules)
    method = rules / "cciaa-torino-2022" / "method.yaml"
    text = method.read_text(encoding="utf-8")
    assert "  misure_di_processo_coprono: true\n" in text
    method.write_text(text.replace("  misure_di_processo_coprono: true\n", "  misure_di_processo_coprono: false\n"),
                      encoding="utf-8")
    out = tmp_path / "importato"
    result = run_cli("import-xlsx", str(workbook), "--out", str(out), "--rules", str(rules))
    assert result.exit_code == 0, result.stderr
    warned = sorted(re.findall(r"warning\[([^\]]+)\]", result.stdout + result.stderr))
    checked = sorted(re.findall(r"warning\[([^\]]+)\]", run_cli("check", str(out), "--rules", str(rules)).stdout))
    assert warned == checked and warned.count("event-without-measure") == 31


@pytest.mark.parametrize(("field", "typed", "read"), [
    ("stato", "In corso", "in-corso"),
    # the labels of the annex and of an English questionnaire, which raccogli read and import-xlsx refused
    ("stato", "In progress", "in-corso"),
    ("tipologia", "Definizione e promozione dell'etica e di standard di comportamento", "etica"),
    ("frequenza", "Una tantum", "una-tantum"),
    ("esito_monitoraggio.esito", "not published", "non-pubblicato")])  # the labels of esito_monitoraggio
def test_a_choice_typed_as_its_label_is_read_as_the_choice(tmp_path, workbook, field, typed, read) -> None:
    """'In corso' typed in the catalogue workbook's stato column (its drop-down offers in-corso) is in-corso."""
    sheet, code, file, key = ("Obblighi", "AT-01-01", "trasparenza.yaml", "obblighi") if "." in field else \
        ("Misure", "MS08", "measures.yaml", "misure")
    row, column = row_of(workbook, sheet, code), column_of(workbook, sheet, field)
    typed_in = edit(workbook, sheet, {f"{column}{row}": typed}, tmp_path / "etichetta.xlsx")
    result = _import(typed_in, tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    items = {m["codice"]: m for m in load_yaml(tmp_path / "out" / file).data[key]}
    value = items[code]
    for name in field.split("."):
        value = value[name]
    assert value == read


def test_a_date_refused_in_a_cell_is_asked_for_as_the_workbook_writes_dates(tmp_path, workbook) -> None:
    # "31/13/2026" in a deadline cell was answered "expected a date (YYYY-MM-DD)": the YAML's form, where the
    # workbook reads and writes 31/12/2026
    row, column = row_of(workbook, "Misure", "MS08"), column_of(workbook, "Misure", "scadenza")
    typed = edit(workbook, "Misure", {f"{column}{row}": "31/13/2026"}, tmp_path / "data.xlsx")
    result = _import(typed, tmp_path / "out", "--lang", "it")
    assert result.exit_code == 1
    assert f"{typed}:Misure!{column}{row}: error[schema]: 'scadenza': attesa una data (gg/mm/aaaa) o 'continua', " \
        "trovato '31/13/2026'" in result.stderr
    english = _import(typed, tmp_path / "out")
    assert "expected a date (dd/mm/yyyy) or 'continua'" in english.stderr and "YYYY" not in english.stderr
    # the plan's date written with dots, the assessment's date in the General sheet: the same, the field named
    # in the problem as kept (not only as the command line frames it)
    for cell, field in (("C8", "data_riferimento"), ("C17", "data_valutazione")):
        dotted = edit(workbook, "Generale", {cell: "31.13.2026" if cell == "C17" else "31.01.2026"},
                      tmp_path / f"{field}.xlsx")
        with pytest.raises(RiskengineError) as refused:
            api.import_xlsx(dotted, tmp_path / f"out-{field}")
        (problem,) = refused.value.problems
        assert str(problem.location) == f"{dotted}:Generale!{cell}"
        assert problem.message.startswith(f"'{field}': expected a date (dd/mm/yyyy), got '31."), problem.message


def test_a_year_typed_into_a_date_cell_is_refused_as_the_number_typed(tmp_path, workbook) -> None:
    # Excel shows 2026 typed into a cell formatted as a date as 18/07/1905 (2026 days after its epoch): imported
    # as the plan's date of 1905, without a word
    from openpyxl import load_workbook

    row, column = row_of(workbook, "Misure", "MS08"), column_of(workbook, "Misure", "scadenza")
    for cell, sheet, field, typed in (("C8", "Generale", "data_riferimento", 2026),
                                      (f"{column}{row}", "Misure", "scadenza", 31),
                                      ("C8", "Generale", "data_riferimento", 60)):  # Excel's 29/02/1900
        edited = edit(workbook, sheet, {cell: typed}, tmp_path / f"{field}-{typed}.xlsx")
        book = load_workbook(edited, read_only=True)
        assert book[sheet][cell].value.year in (1900, 1905)  # as Excel and openpyxl show it
        book.close()
        with pytest.raises(RiskengineError) as refused:
            api.import_xlsx(edited, tmp_path / f"out-{field}-{typed}")
        (problem,) = refused.value.problems
        assert str(problem.location) == f"{edited}:{sheet}!{cell}"
        assert problem.message.startswith(f"'{field}': expected a date (dd/mm/yyyy)"), problem.message
        assert f"the number {typed}" in problem.message or f"got '{typed}'" in problem.message, problem.message


def test_a_date_of_a_workbook_counting_from_1904_is_read_as_the_day_it_shows(tmp_path, workbook) -> None:
    # Excel for Mac's older workbooks count days from 1904: their days after 1912 are dates, not typed numbers
    import datetime as dt

    from openpyxl import load_workbook
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    book = load_workbook(workbook)
    book.epoch = CALENDAR_MAC_1904
    book["Generale"]["C8"] = dt.date(2026, 1, 31)
    book.save(tmp_path / "mac.xlsx")
    assert _import(tmp_path / "mac.xlsx", tmp_path / "out").exit_code == 0
    assert load_yaml(tmp_path / "out" / "ente.yaml").data["data_riferimento"] == dt.date(2026, 1, 31)


def test_a_field_given_twice_in_the_general_sheet_is_refused_at_the_second(tmp_path, workbook) -> None:
    # the last row silently replaced the first: the administration's name changed without a word
    from openpyxl import load_workbook

    book = load_workbook(workbook)
    ws = book["Generale"]
    first = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "ente.yaml"
                 and ws.cell(r, 2).value == "nome")
    last = ws.max_row + 1
    ws.cell(last, 1).value, ws.cell(last, 2).value, ws.cell(last, 3).value = "ente.yaml", "nome", "Altro nome"
    book.save(tmp_path / "doppio.xlsx")
    with pytest.raises(RiskengineError) as refused:
        api.import_xlsx(tmp_path / "doppio.xlsx", tmp_path / "out")
    (problem,) = refused.value.problems
    assert str(problem.location) == f"{tmp_path / 'doppio.xlsx'}:Generale!B{last}"
    assert problem.message == f"field 'nome' of ente.yaml is already on row {first}: which of the two values holds?"
    assert not (tmp_path / "out").exists()


def test_a_whole_number_typed_as_text_is_the_number(tmp_path, workbook) -> None:
    # '150 typed into a cell (text, as Excel keeps it after an apostrophe) or "2026 " with a space after it was
    # refused as "must be a whole number, got '150'", which a reader cannot make sense of
    from openpyxl import load_workbook

    ws = load_workbook(workbook, read_only=True)["Generale"]
    rows = {(r[0], r[1]): i for i, r in enumerate(ws.iter_rows(values_only=True), start=1)}
    cell = f"C{rows[('ente.yaml', 'dipendenti')]}"
    typed = edit(workbook, "Generale", {cell: "150 "}, tmp_path / "testo.xlsx")
    assert _import(typed, tmp_path / "out").exit_code == 0
    assert load_yaml(tmp_path / "out" / "ente.yaml").data["dipendenti"] == 150


def test_the_problems_of_a_column_come_in_the_order_of_its_rows(tmp_path, workbook) -> None:
    # a renamed heading refused every value of its column: G10, G11, … were said before G2
    from openpyxl import load_workbook

    column = column_of(workbook, "Misure", "scadenza")
    book = load_workbook(workbook)
    book["Misure"][f"{column}1"] = "scadenzaa"
    book.save(tmp_path / "intestazione.xlsx")
    with pytest.raises(RiskengineError) as refused:
        api.import_xlsx(tmp_path / "intestazione.xlsx", tmp_path / "out")
    cells = [str(p.location).rsplit("!", 1)[1] for p in refused.value.problems
             if str(p.location).startswith(f"{tmp_path / 'intestazione.xlsx'}:Misure!")]
    rows = [int(cell.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) for cell in cells]
    assert len(rows) > 10 and rows == sorted(rows), cells


def test_a_questionnaire_given_to_import_xlsx_is_said_to_be_one(tmp_path) -> None:
    # a unit's questionnaire given to import-xlsx was answered with a cascade of missing sheets and columns
    catalog = example_copy(tmp_path)
    assert run_cli("questionari", str(catalog), "--year", "2026", "--out", str(tmp_path / "q"), "--rules", RULES,
                   "--lang", "it").exit_code == 0
    questionnaire = tmp_path / "q" / "questionario-PROVV-2026.xlsx"
    result = _import(questionnaire, tmp_path / "out")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{questionnaire}: error[workbook]: it is a unit's questionnaire, not the catalogue (merge it into the "
        "assessment with riskengine raccogli CATALOGUE FOLDER, the folder of the returned questionnaires)",
        "1 error"]


def test_a_sheet_of_notes_is_refused_saying_it_can_go(tmp_path, workbook) -> None:
    from openpyxl import load_workbook

    book = load_workbook(workbook)
    book.create_sheet("Appunti")["A1"] = "da rivedere"
    book.save(tmp_path / "appunti.xlsx")
    result = _import(tmp_path / "appunti.xlsx", tmp_path / "out")
    assert result.exit_code == 1
    assert f"{tmp_path / 'appunti.xlsx'}:Appunti!A1: error[workbook]: unknown sheet 'Appunti' (riskengine reads " \
           "only the catalogue's sheets: if it holds notes, move the sheet to another file or delete it)" \
        in result.stderr, result.stderr


def test_the_readme_sheet_is_in_the_language_of_the_run_and_the_data_the_same(tmp_path, workbook) -> None:
    # the «Leggimi» sheet was Italian whatever --lang said (its text was in workbook/export.py)
    from openpyxl import load_workbook

    english = tmp_path / "english.xlsx"
    assert run_cli("export-xlsx", str(EXAMPLE), "--out", str(english), "--rules", RULES, "--lang", "en").exit_code == 0
    readme = [r[0] for r in load_workbook(english)["Leggimi"].iter_rows(values_only=True) if r[0]]
    assert readme[0].startswith("Catalogue of ") and "Sheets:" in readme
    assert "  Misure: the prevention measures" in readme
    assert not [line for line in readme if re.search(r"\b(foglio|le misure|si reimporta|Fogli)\b", line)], readme
    italian = [r[0] for r in load_workbook(workbook)["Leggimi"].iter_rows(values_only=True) if r[0]]
    assert italian[0].startswith("Catalogo di ") and "  Misure: le misure di prevenzione" in italian
    # the drop-downs' messages too ("Scegliere un valore dall'elenco", "Alt+Invio" in an English workbook)
    for path, messages in ((english, {"Choose a value from the list", "Value not allowed",
                                      "One code per line (Alt+Enter)"}),
                           (workbook, {"Scegliere un valore dall'elenco", "Valore non ammesso",
                                       "Un codice per riga (Alt+Invio)"})):
        validations = load_workbook(path)["Processi"].data_validations.dataValidation
        assert {m for v in validations for m in (v.error, v.errorTitle, v.prompt) if m} == messages, path
    # the sheets the catalogue is read from are the same
    for sheet in load_workbook(workbook).sheetnames:
        if sheet != "Leggimi":
            assert [list(r) for r in load_workbook(english)[sheet].iter_rows(values_only=True)] == \
                [list(r) for r in load_workbook(workbook)[sheet].iter_rows(values_only=True)], sheet


def test_a_cell_left_empty_or_holding_a_decimal_or_a_yes_no_is_said_at_its_cell_as_the_sheet_shows_it(
        tmp_path, workbook) -> None:
    # an empty required cell was "missing required key 'stato'" at the row's code (A3); a count of 1.5 or TRUE was
    # "got 1.5" / "got true" in the Italian line (YAML's spelling, not the sheet's 1,5 and sì)
    rows = {code: row_of(workbook, "Monitoraggio", code) for code in ("MO4", "MGU33", "MU4")}
    columns = {name: column_of(workbook, "Monitoraggio", name)
               for name in ("stato", "verifiche_previste", "verifiche_eseguite")}
    state, done, planned = (f"{columns['stato']}{rows['MO4']}", f"{columns['verifiche_eseguite']}{rows['MGU33']}",
                            f"{columns['verifiche_previste']}{rows['MU4']}")
    typed = edit(workbook, "Monitoraggio", {state: None, done: 1.5, planned: True}, tmp_path / "monitoraggio.xlsx")
    italian = _import(typed, tmp_path / "out", "--lang", "it")
    assert italian.exit_code == 1
    assert italian.stderr.splitlines()[:3] == [
        f"{typed}:Monitoraggio!{state}: error[schema]: la cella di 'stato' è vuota (scrivi il valore: la colonna è "
        "obbligatoria)",
        f"{typed}:Monitoraggio!{done}: error[schema]: 'verifiche_eseguite' deve essere un numero intero, trovato 1,5",
        f"{typed}:Monitoraggio!{planned}: error[schema]: 'verifiche_previste' deve essere un numero intero, "
        "trovato sì"], italian.stderr
    english = _import(typed, tmp_path / "out").stderr
    assert "the cell of 'stato' is empty" in english and "got 1.5" in english and "got yes" in english, english
    # a catalogue's sheet the same: a process's name left empty, asked for at its cell
    row, column = row_of(workbook, "Processi", "B2.1.1"), column_of(workbook, "Processi", "nome")
    unnamed = edit(workbook, "Processi", {f"{column}{row}": None}, tmp_path / "senza-nome.xlsx")
    with pytest.raises(RiskengineError) as refused:
        api.import_xlsx(unnamed, tmp_path / "out-nome")
    assert [(str(p.location), p.message) for p in refused.value.problems] == [
        (f"{unnamed}:Processi!{column}{row}", "the cell of 'nome' is empty")]
    # two columns ending alike (tipo and collettivo.tipo; esito_monitoraggio.esito and attestazione_oiv.esito): the
    # one left empty, by its heading (it was said at the other)
    for sheet, code, heading in (("Ruoli", "OIV", "tipo"), ("Obblighi", "AT-01-02", "esito_monitoraggio.esito")):
        row, column = row_of(workbook, sheet, code), column_of(workbook, sheet, heading)
        emptied = edit(workbook, sheet, {f"{column}{row}": None}, tmp_path / f"{sheet}.xlsx")
        with pytest.raises(RiskengineError) as refused:
            api.import_xlsx(emptied, tmp_path / f"out-{sheet}")
        assert [(str(p.location), p.message) for p in refused.value.problems] == [
            (f"{emptied}:{sheet}!{column}{row}", f"the cell of '{heading}' is empty")]


def test_a_sheet_named_with_a_combining_accent_is_the_sheet_of_that_name(tmp_path, workbook) -> None:
    # «Unità» written with a combining grave (as some keyboards and macOS compose it): "foglio 'Unità' inesistente
    # (forse 'Unità'?)"
    import unicodedata

    from openpyxl import load_workbook

    book = load_workbook(workbook)
    decomposed = unicodedata.normalize("NFD", "Unità")
    assert decomposed != "Unità"
    book["Unità"].title = decomposed
    book.save(tmp_path / "nfd.xlsx")
    result = _import(tmp_path / "nfd.xlsx", tmp_path / "out")
    assert result.exit_code == 0, result.stderr
    assert _import(workbook, tmp_path / "composed").exit_code == 0
    assert (tmp_path / "out" / "units.yaml").read_bytes() == (tmp_path / "composed" / "units.yaml").read_bytes()
    # beside the sheet «Unità», a second one named so: refused, not one silently taking the other's place
    book = load_workbook(workbook)
    book.copy_worksheet(book["Unità"]).title = decomposed
    book.save(tmp_path / "due.xlsx")
    result = _import(tmp_path / "due.xlsx", tmp_path / "out-due")
    assert result.exit_code == 1 and "error[workbook]: a second sheet «Unità»" in result.stderr, result.stderr


def test_the_rows_naming_a_process_that_is_not_there_are_given_at_most_so_many_suggestions(
        tmp_path, workbook, monkeypatch) -> None:
    # each wrong row scanned every process for a close code: 3,425 events of a mistyped sheet took 12 s more
    from openpyxl import load_workbook

    import riskengine.suggest as suggest

    book = load_workbook(workbook, read_only=True)
    headers = [c.value for c in next(book["Eventi"].iter_rows(max_row=1))]
    template = [c.value for c in next(book["Eventi"].iter_rows(min_row=2, max_row=2))]
    process = template[headers.index("processo")]
    asked: list[str] = []
    real = suggest.did_you_mean
    monkeypatch.setattr(suggest, "did_you_mean", lambda word, pool: asked.append(word) or real(word, pool))
    # rows naming a process that is not there, then rows naming a phase their process does not have
    for name, written in (("errati", lambda i: {"processo": f"Z{i}.1.1", "codice": f"Z{i}-E1"}),
                          ("fasi", lambda i: {"fase": f"{process}.F{i}", "codice": f"{process}-X{i}"})):
        book = load_workbook(workbook)
        for i in range(suggest.SUGGESTED_AT_MOST + 50):
            row = list(template)
            for heading, value in written(i).items():
                row[headers.index(heading)] = value
            book["Eventi"].append(row)
        book.save(tmp_path / f"{name}.xlsx")
        asked.clear()
        with pytest.raises(RiskengineError) as refused:
            api.import_xlsx(tmp_path / f"{name}.xlsx", tmp_path / f"out-{name}")
        assert len(refused.value.problems) == suggest.SUGGESTED_AT_MOST + 50
        assert len(asked) == suggest.SUGGESTED_AT_MOST
