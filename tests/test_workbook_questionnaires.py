"""Self-assessment questionnaires: ``questionari`` writes one per unit, ``raccogli`` merges the returned ones."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
from catalog_helpers import run_cli
from workbook_helpers import RULES, example_copy

from riskengine import api
from riskengine.answers.load import allowed_answers
from riskengine.graph.queries import descendants
from riskengine.method.load import load_method
from riskengine.source.document import load_yaml

METHOD = load_method(Path(RULES) / "cciaa-torino-2022")
INDICATORS = [i.codice for i in METHOD.model.indicatori]
# What a unit head reads at the head of the columns of an Italian questionnaire, by the key raccogli reads
HEADINGS = {"codice": "Codice", "nome": "Nome", "processo": "Processo", "motivazione": "Motivazione",
            "scadenza": "Scadenza", "indicatore": "Indicatore", "target": "Valore atteso", "stato": "Stato",
            "verifiche_previste": "Verifiche previste", "verifiche_eseguite": "Verifiche eseguite", "note": "Note"}


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("q")
    catalog = example_copy(root)
    out = root / "questionari"
    result = run_cli("questionari", str(catalog), "--year", "2026", "--out", str(out), "--rules", RULES,
                     "--lang", "it")
    assert result.exit_code == 0, result.stderr
    return catalog, out


def _fresh(tmp_path: Path, written: tuple[Path, Path], *units: str) -> tuple[Path, Path]:
    """A copy of the catalogue and a folder with the questionnaires of ``units`` only."""
    catalog = example_copy(tmp_path)
    folder = tmp_path / "restituiti"
    folder.mkdir()
    for unit in units:
        shutil.copy(written[1] / f"questionario-{unit}-2026.xlsx", folder)
    return catalog, folder


def _fill(path: Path, answers: dict[str, dict[str, object]], *, codes: dict[int, str] | None = None) -> None:
    """Answer rows (by process code) as a unit head would, in Excel; ``codes``: rows whose code is rewritten."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    ws = book.worksheets[1]  # the answers, in the questionnaire's language
    headers = [c.value for c in ws[1]]
    for row, code in (codes or {}).items():
        ws.cell(row=row, column=1).value = code
    for row in range(2, ws.max_row + 1):
        code = ws.cell(row=row, column=1).value
        for name, value in answers.get(code, {}).items():
            column = next(i for i, h in enumerate(headers, start=1)
                          if str(h).split(" – ")[0] in (name, HEADINGS.get(name)))
            ws.cell(row=row, column=column).value = value
    book.save(path)


def _answers(catalog: Path) -> dict[str, dict]:
    data = load_yaml(catalog / "assessment-2026.yaml").data
    return {e["processo"]: e for e in data["valutazioni"]}


def _processes(path: Path) -> list[str]:
    from openpyxl import load_workbook

    ws = load_workbook(path, read_only=True).worksheets[1]  # the answers, in the questionnaire's language
    return [r[0] for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]


def test_one_questionnaire_per_unit_with_the_unit_and_year_recorded(written) -> None:
    from openpyxl import load_workbook

    catalog, out = written
    cg = api.load_linked(catalog)
    # a unit that owns a process, leads a measure, or holds a role that leads one (the RPCT, in SG)
    roles = {cg.code(r): cg.code(cg.targets(r, "part-of")[0]) for r in cg.nodes_of("role")
             if cg.targets(r, "part-of") and cg.targets(r, "responsible-for")}
    owners = {cg.code(u) for u in cg.nodes_of("unit")
              if cg.sources(u, "owned-by") or cg.targets(u, "responsible-for")} | set(roles.values())
    assert roles == {"RPCT": "SG"}
    assert sorted(p.name for p in out.iterdir()) == sorted(f"questionario-{u}-2026.xlsx" for u in owners)
    book = load_workbook(out / "questionario-PERS-2026.xlsx")
    info = {r[0]: r[1] for r in book["Questionario"].iter_rows(max_row=6, values_only=True)}
    assert info["Unità (codice)"] == "PERS" and info["Anno"] == 2026 and info["Ente"] == "esempio-cciaa"
    assert book.security.lockStructure
    ws = book["Valutazione"]
    assert ws.protection.sheet and book["Misure"].protection.sheet
    assert [c.value for c in ws[1]][:3] == ["Codice", "Nome", "P1 – " + METHOD.model.indicatori[0].nome]
    assert ws["A2"].protection.locked and ws["B2"].protection.locked
    assert not ws["C2"].protection.locked and not ws.cell(row=2, column=3 + len(INDICATORS)).protection.locked
    p1 = next(dv for dv in ws.data_validations.dataValidation if str(dv.sqref).startswith("C2"))
    assert p1.formula1 == '"' + ",".join(allowed_answers(METHOD, "P1")) + '"'
    option = METHOD.scale_of(METHOD.model.indicatori[0]).opzioni[0]
    assert option.etichetta[:30] in p1.prompt  # the scale's help text
    assert ws["C2"].value == _answers(catalog)[ws["A2"].value]["risposte"]["P1"]  # pre-filled with the year's
    assert set(_processes(out / "questionario-PERS-2026.xlsx")) == {
        cg.code(p) for p in cg.sources("unit:PERS", "owned-by")}
    scales = list(book["Scale"].iter_rows(min_row=2, values_only=True))
    # each scale by its indicator as the column answering it is headed
    assert (option.codice or int(option.valore), option.etichetta) in {
        (r[2], r[3]) for r in scales if r[0] == "P1 – " + METHOD.model.indicatori[0].nome}
    measures = book["Misure"]
    # headings, states and "continua" by their labels, as a unit head reads them (they were keys and slugs)
    assert [c.value for c in measures[1]] == ["Codice", "Nome", "Scadenza", "Indicatore", "Valore atteso", "Stato",
                                              "Verifiche previste", "Verifiche eseguite", "Note"]
    assert not measures["F2"].protection.locked and measures["A2"].protection.locked
    states = next(dv for dv in measures.data_validations.dataValidation if str(dv.sqref).startswith("F2"))
    assert states.formula1 == '"Da attuare,In corso,Attuata,Non attuata"'
    shown = [(r[2], r[5]) for r in measures.iter_rows(min_row=2, values_only=True)]
    assert not [d for d, _ in shown if isinstance(d, str) and d != "Continua"]
    assert {s for _, s in shown if s} <= {"Da attuare", "In corso", "Attuata", "Non attuata"} and any(s for _, s in shown)


def test_raccogli_merges_two_units_keeps_the_rest_and_reports_a_conflict(tmp_path, written) -> None:
    catalog, folder = _fresh(tmp_path, written, "PERS", "PROVV", "RI")
    before = _answers(catalog)
    pers, provv = _processes(folder / "questionario-PERS-2026.xlsx"), _processes(folder / "questionario-PROVV-2026.xlsx")
    high = {i: allowed_answers(METHOD, i)[-1] for i in INDICATORS}
    low = {i: allowed_answers(METHOD, i)[0] for i in INDICATORS}
    filled_pers = {code: {**{i: int(v) for i, v in high.items()}, "motivazione": f"Rivalutato {code}"}
                   for code in pers}
    filled_provv = {code: {i: int(v) for i, v in low.items()} for code in provv}
    _fill(folder / "questionario-PERS-2026.xlsx", filled_pers)
    _fill(folder / "questionario-PROVV-2026.xlsx", filled_provv)
    # The third unit answers, in its first row, a process of PERS: a conflict
    _fill(folder / "questionario-RI-2026.xlsx", {pers[0]: {i: int(v) for i, v in low.items()}},
          codes={2: pers[0]})
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES, "--lang", "it")
    assert result.exit_code == 0, result.stderr
    after = _answers(catalog)
    for code in pers:
        assert after[code]["risposte"] == {i: int(v) for i, v in high.items()}
        assert after[code]["motivazione"] == f"Rivalutato {code}"
    for code in provv:
        assert after[code]["risposte"] == {i: int(v) for i, v in low.items()}
        assert after[code].get("motivazione") == before[code].get("motivazione")  # left empty: kept
    others = set(before) - set(pers) - set(provv)
    assert others and all(after[code] == before[code] for code in others)
    text = (catalog / "assessment-2026.yaml").read_text(encoding="utf-8")
    assert text.startswith("# Valutazione del rischio 2026") and "  # --- Area C ---\n" in text
    untouched = next(iter(sorted(others)))
    assert f"  - processo: {untouched}\n    risposte: {{" in text  # the file's own flow style, where unchanged
    out = result.stdout
    assert "questionari restituiti (3)" in out
    assert f"(PERS): risposte cambiate {len(pers)} ({', '.join(pers)})" in out
    # Italian output, Italian conflict (it was the one English sentence left in this command's output)
    conflict = f"{folder / 'questionario-RI-2026.xlsx'}:Valutazione!A2: warning[conflitto]: processo '{pers[0]}' " \
               f"compilato dall'unità Ufficio Registro Imprese (RI) e dalla titolare Ufficio Personale (PERS) ({folder / 'questionario-PERS-2026.xlsx'}:Valutazione!A"
    assert conflict in out
    assert "): si tengono le risposte della titolare (risponde l'unità titolare dei suoi processi)" in out
    assert "unità che non hanno restituito il questionario: " in out and "(SEGR)" in out


def test_a_row_answered_in_part_is_refused_at_its_first_empty_answer(tmp_path, written) -> None:
    """The questionnaire holds last year's answers; a unit that changed one and emptied another cell had the
    emptied one kept, silently taken as confirmed (da_confermare dropped). The row is refused there."""
    from openpyxl import load_workbook

    catalog, folder = _fresh(tmp_path, written, "PROVV")
    path = folder / "questionario-PROVV-2026.xlsx"
    code = _processes(path)[0]
    before, answers = (catalog / "assessment-2026.yaml").read_bytes(), _answers(catalog)
    low = allowed_answers(METHOD, INDICATORS[0])[0]
    _fill(path, {code: {INDICATORS[0]: int(low), INDICATORS[2]: None, INDICATORS[4]: None}})
    headers = [c.value for c in load_workbook(path)["Valutazione"][1]]
    column = next(i for i, h in enumerate(headers, start=1) if str(h).split(" – ")[0] == INDICATORS[2])
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES, "--lang", "it")
    assert result.exit_code == 1, result.stdout
    assert (f"{path}:Valutazione!{chr(64 + column)}2: error[questionario]: {code}: manca la risposta a "
            f"{INDICATORS[2]} (senza risposta: {INDICATORS[2]}, {INDICATORS[4]}), in una riga compilata in parte "
            "(rispondi a ogni indicatore della riga, o lasciala vuota per tenere le risposte che la valutazione "
            "ha già)") in result.stderr, result.stderr
    assert (catalog / "assessment-2026.yaml").read_bytes() == before
    # the same row emptied in full keeps the assessment's answers
    _fill(path, {code: dict.fromkeys([*INDICATORS, "motivazione"])})
    assert run_cli("raccogli", str(catalog), str(folder), "--rules", RULES).exit_code == 0
    assert _answers(catalog)[code] == answers[code]


@pytest.mark.parametrize("change", ["deleted", "renamed"])
def test_a_questionnaire_without_an_indicator_column_is_refused(tmp_path, written, change) -> None:
    """A deleted or renamed column kept that indicator's old answers, taken as confirmed with the others."""
    from openpyxl import load_workbook

    catalog, folder = _fresh(tmp_path, written, "PROVV")
    path = folder / "questionario-PROVV-2026.xlsx"
    before = (catalog / "assessment-2026.yaml").read_bytes()
    book = load_workbook(path)
    ws = book["Valutazione"]
    ws.protection.sheet = False
    column = next(i for i, c in enumerate(ws[1], start=1) if str(c.value).split(" – ")[0] == INDICATORS[4])
    if change == "deleted":
        ws.delete_cols(column)
    else:
        ws.cell(row=1, column=column).value = "Frazionabilità"
    ws.cell(row=2, column=2).value = int(allowed_answers(METHOD, INDICATORS[0])[0])
    book.save(path)
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES, "--lang", "it")
    assert result.exit_code == 1, result.stdout
    assert (f"{path}:Valutazione!A1: error[questionario]: mancano le colonne degli indicatori {INDICATORS[4]} "
            "(restituisci il questionario come l'ha scritto riskengine)") in result.stderr, result.stderr
    assert (catalog / "assessment-2026.yaml").read_bytes() == before


def test_an_answer_outside_the_scale_is_refused_at_its_cell_and_nothing_is_written(tmp_path, written) -> None:
    catalog, folder = _fresh(tmp_path, written, "PERS")
    before = (catalog / "assessment-2026.yaml").read_bytes()
    code = _processes(folder / "questionario-PERS-2026.xlsx")[1]
    _fill(folder / "questionario-PERS-2026.xlsx", {code: {"P2": 9}})
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES)
    assert result.exit_code == 1
    where = f"{folder / 'questionario-PERS-2026.xlsx'}:Valutazione!D3"
    assert f"{where}: error[assessment]: '9' is not an answer of indicator 'P2'" in result.stderr
    assert (catalog / "assessment-2026.yaml").read_bytes() == before


@pytest.mark.parametrize("error", ["outside the scale", "row in part"])
def test_a_refused_collection_also_says_the_conflicts(tmp_path, written, error) -> None:
    # a collection refused for an error in one questionnaire dropped the conflict warnings of another: the unit
    # that answered someone else's process learnt it only after the first unit's fix (and in English the
    # warning called the process "processo")
    catalog, folder = _fresh(tmp_path, written, "PERS", "RI")
    before = (catalog / "assessment-2026.yaml").read_bytes()
    pers = _processes(folder / "questionario-PERS-2026.xlsx")
    wrong = {"P2": 9} if error == "outside the scale" else {INDICATORS[0]: int(allowed_answers(METHOD, INDICATORS[0])[0]),
                                                             INDICATORS[2]: None}
    _fill(folder / "questionario-PERS-2026.xlsx", {pers[1]: wrong})
    _fill(folder / "questionario-RI-2026.xlsx", {pers[0]: {i: int(allowed_answers(METHOD, i)[0]) for i in INDICATORS}},
          codes={2: pers[0]})
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert ": error[" in lines[0] and str(folder / "questionario-PERS-2026.xlsx") in lines[0]
    assert f"{folder / 'questionario-RI-2026.xlsx'}:Valutazione!A2: warning[conflitto]: process '{pers[0]}' " \
           "answered by unit Ufficio Registro Imprese (RI) and by its owner Ufficio Personale (PERS)" in result.stderr
    assert lines[-1] == "1 error"
    assert (catalog / "assessment-2026.yaml").read_bytes() == before


def test_every_error_of_every_questionnaire_is_said_in_one_round(tmp_path, written) -> None:
    # a row answered in part (PERS) was refused first; the answer outside the scale (PROVV) came only once it was
    # fixed, in a second round
    catalog, folder = _fresh(tmp_path, written, "PERS", "PROVV")
    before = (catalog / "assessment-2026.yaml").read_bytes()
    pers, provv = (_processes(folder / f"questionario-{u}-2026.xlsx") for u in ("PERS", "PROVV"))
    _fill(folder / "questionario-PERS-2026.xlsx",
          {pers[0]: {INDICATORS[0]: int(allowed_answers(METHOD, INDICATORS[0])[0]), INDICATORS[2]: None}})
    _fill(folder / "questionario-PROVV-2026.xlsx", {provv[0]: {"P2": 9}})
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ": error[" in line]
    assert len(errors) == 2, result.stderr
    assert "questionario-PERS-2026.xlsx:Valutazione!" in errors[0] and "error[questionario]" in errors[0]
    assert "questionario-PROVV-2026.xlsx:Valutazione!D2: error[assessment]: '9' is not an answer" in errors[1]
    assert result.stderr.splitlines()[-1] == "2 errors"
    assert (catalog / "assessment-2026.yaml").read_bytes() == before


def test_measures_status_and_checks_are_merged_into_the_monitoring(tmp_path, written) -> None:
    from openpyxl import load_workbook

    catalog, folder = _fresh(tmp_path, written, "PROVV")
    path = folder / "questionario-PROVV-2026.xlsx"
    book = load_workbook(path)
    ws = book["Misure"]
    code = ws["A2"].value
    ws["F2"], ws["G2"], ws["H2"], ws["I2"] = "in-corso", 4, 3, "Tre verifiche su quattro"
    book.save(path)
    assert run_cli("raccogli", str(catalog), str(folder), "--rules", RULES).exit_code == 0
    monitoring = {e["misura"]: e for e in load_yaml(catalog / "assessment-2026.yaml").data["monitoraggio"]}
    assert monitoring[code] == {"misura": code, "stato": "in-corso", "verifiche_previste": 4,
                                "verifiche_eseguite": 3, "note": "Tre verifiche su quattro"}


def test_a_measure_code_that_is_no_measure_is_said_unknown_not_led_by_another_unit(tmp_path, written) -> None:
    # a row typed for a code no measure has was refused as "not led by unit 'PROVV'", sending the RPCT to look
    # for another unit's measure; a process code that exists nowhere is said unknown
    from openpyxl import load_workbook

    catalog, folder = _fresh(tmp_path, written, "PROVV")
    path = folder / "questionario-PROVV-2026.xlsx"
    book = load_workbook(path)
    ws = book["Misure"]
    code, last = ws["A2"].value, ws.max_row + 1
    ws.cell(row=last, column=1).value = code + "9"
    ws.cell(row=last, column=6).value = "in-corso"
    book.save(path)
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ": error[" in line]
    assert errors == [f"{path}:Misure!A{last}: error[questionario]: unknown measure '{code}9' (did you mean "
                      f"'{code}'?)"], result.stderr


def test_a_questionnaire_headed_by_keys_as_earlier_versions_wrote_it_is_read_the_same(tmp_path, written) -> None:
    # questionnaires sent out before the headings were labels ("codice", "verifiche_previste") come back too
    from openpyxl import load_workbook

    catalog, folder = _fresh(tmp_path, written, "PROVV")
    path = folder / "questionario-PROVV-2026.xlsx"
    book = load_workbook(path)
    keys = {heading: key for key, heading in HEADINGS.items()}
    for sheet in ("Valutazione", "Misure"):
        for cell in book[sheet][1]:
            cell.value = keys.get(cell.value, cell.value)
    ws = book["Misure"]
    code = ws["A2"].value
    ws["F2"], ws["G2"] = "attuata", 2
    book.save(path)
    assert [c.value for c in load_workbook(path)["Misure"][1]][:2] == ["codice", "nome"]
    assert run_cli("raccogli", str(catalog), str(folder), "--rules", RULES).exit_code == 0
    monitoring = {e["misura"]: e for e in load_yaml(catalog / "assessment-2026.yaml").data["monitoraggio"]}
    assert monitoring[code]["stato"] == "attuata" and monitoring[code]["verifiche_previste"] == 2


@pytest.mark.parametrize(("typed", "merged"), [("In corso", "in-corso"), ("ATTUATA", "attuata"),
                                               ("  da   attuare ", "da-attuare"), ("Non attuata", "non-attuata")])
def test_a_status_typed_as_the_annex_writes_it_is_the_status(tmp_path, written, typed, merged) -> None:
    """The annex and the questionnaire's own text show 'In corso', 'Attuata': typed so, they were refused
    ('forse in-corso?')."""
    from openpyxl import load_workbook

    catalog, folder = _fresh(tmp_path, written, "PROVV")
    path = folder / "questionario-PROVV-2026.xlsx"
    book = load_workbook(path)
    code, book["Misure"]["F2"] = book["Misure"]["A2"].value, typed
    book.save(path)
    run = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES)
    assert run.exit_code == 0, run.stderr
    monitoring = {e["misura"]: e for e in load_yaml(catalog / "assessment-2026.yaml").data["monitoraggio"]}
    assert monitoring[code]["stato"] == merged


def test_a_status_that_is_no_status_is_still_refused_at_its_cell(tmp_path, written) -> None:
    from openpyxl import load_workbook

    catalog, folder = _fresh(tmp_path, written, "PROVV")
    path = folder / "questionario-PROVV-2026.xlsx"
    book = load_workbook(path)
    book["Misure"]["F2"] = "In-corso quasi"
    book.save(path)
    run = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES)
    assert run.exit_code == 1 and "questionario-PROVV-2026.xlsx:Misure!F2: error[" in run.stderr, run.stderr


def test_a_new_year_starts_empty_and_reports_what_is_still_missing(tmp_path, written, monkeypatch) -> None:
    monkeypatch.delenv("RISKENGINE_LANG")  # the default: Italian
    catalog = example_copy(tmp_path)
    out = tmp_path / "q2027"
    assert run_cli("questionari", str(catalog), "--year", "2027", "--out", str(out), "--rules", RULES).exit_code == 0
    again = run_cli("questionari", str(catalog), "--year", "2027", "--out", str(out), "--rules", RULES)
    # Italian by default: the refusal too (it was printed in English)
    assert again.exit_code == 1 and "il questionario esiste già (usa --force per sostituirlo" in again.stderr
    folder = tmp_path / "solo-pers"
    folder.mkdir()
    shutil.copy(out / "questionario-PERS-2027.xlsx", folder)
    pers = _processes(folder / "questionario-PERS-2027.xlsx")
    _fill(folder / "questionario-PERS-2027.xlsx",
          {code: {i: int(allowed_answers(METHOD, i)[0]) for i in INDICATORS} for code in pers})
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES)
    assert result.exit_code == 0, result.stderr
    data = load_yaml(catalog / "assessment-2027.yaml").data
    assert data["anno"] == 2027 and [e["processo"] for e in data["valutazioni"]] == pers
    assert "PROVV, ancora senza valutazione: " in result.stdout
    wrong = run_cli("raccogli", str(catalog), str(folder), "--year", "2026", "--rules", RULES)
    assert wrong.exit_code == 1
    assert f"{folder / 'questionario-PERS-2027.xlsx'}:Questionario!B4: error[questionario]: questo questionario è " \
           "del 2027, non del 2026 (raccogli un anno alla volta: toglilo dalla cartella, o usa il suo --year)" \
           in wrong.stderr


def test_a_new_year_whose_questionnaires_hold_no_answer_writes_no_assessment(tmp_path, monkeypatch) -> None:
    # questionari for a year nobody assessed writes blank questionnaires; returned blank, they were merged into
    # an assessment holding only its year, which check and assess then took for a year no unit answered
    monkeypatch.delenv("RISKENGINE_LANG")
    catalog = example_copy(tmp_path)
    out = tmp_path / "q2030"
    assert run_cli("questionari", str(catalog), "--year", "2030", "--out", str(out), "--rules", RULES).exit_code == 0
    result = run_cli("raccogli", str(catalog), str(out), "--rules", RULES)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (
        f"{out}: error[questionario]: nessun questionario contiene risposte da unire: assessment-2030.yaml non è "
        "stato scritto (compila e restituisci i questionari del 2030; per partire dalle risposte di un anno già "
        "valutato: riskengine new-year CATALOGO --from <anno> --to 2030, poi esegui di nuovo riskengine questionari "
        "CATALOGO --year 2030 --out <nuova cartella>)")
    assert not (catalog / "assessment-2030.yaml").exists()
    # The only answers are a unit's for a process it does not own: refused as well, saying why they were not merged
    pers = _processes(out / "questionario-PERS-2030.xlsx")
    _fill(out / "questionario-RI-2030.xlsx", {pers[0]: {i: int(allowed_answers(METHOD, i)[0]) for i in INDICATORS}},
          codes={2: pers[0]})
    foreign = run_cli("raccogli", str(catalog), str(out), "--rules", RULES)
    assert foreign.exit_code == 1 and not (catalog / "assessment-2030.yaml").exists()
    # the error first, then the warning that explains it, counted as what they are
    assert foreign.stderr.splitlines()[0].startswith(f"{out}: error[questionario]: nessun questionario contiene")
    assert foreign.stderr.splitlines()[-1] == "1 errore"
    assert f"{out / 'questionario-RI-2030.xlsx'}:Valutazione!A2: warning[conflitto]: processo '{pers[0]}' compilato " \
           "dall'unità Ufficio Registro Imprese (RI), che non ne è titolare (titolare: Ufficio Personale (PERS)): non unito" in foreign.stderr


def test_questionnaires_are_deterministic(written, tmp_path) -> None:
    catalog, out = written
    again = tmp_path / "ancora"
    assert run_cli("questionari", str(catalog), "--year", "2026", "--out", str(again), "--rules", RULES,
                   "--lang", "it").exit_code == 0
    assert {p.name: p.read_bytes() for p in again.iterdir()} == {p.name: p.read_bytes() for p in out.iterdir()}


def test_a_method_scoring_phases_gets_one_row_per_phase(tmp_path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(Path(RULES) / "cciaa-torino-2022", rules / "per-fasi")
    method = rules / "per-fasi" / "method.yaml"
    method.write_text(method.read_text(encoding="utf-8").replace("  livello: processo", "  livello: fase", 1),
                      encoding="utf-8")
    catalog = example_copy(tmp_path)
    for path in catalog.glob("assessment-*.yaml"):
        path.unlink()
    ente = catalog / "ente.yaml"
    ente.write_text(ente.read_text(encoding="utf-8").replace("metodo: cciaa-torino-2022", "metodo: per-fasi"),
                    encoding="utf-8")
    out = tmp_path / "q"
    assert run_cli("questionari", str(catalog), "--year", "2027", "--out", str(out), "--rules", str(rules)).exit_code == 0
    cg = api.load_linked(catalog)
    phases = [cg.code(f) for p in sorted(cg.sources("unit:PERS", "owned-by"), key=lambda n: cg.attrs(n)["path"])
              for f in descendants(cg, p)]
    path = out / "questionario-PERS-2027.xlsx"
    assert _processes(path) == phases
    _fill(path, {phases[0]: {i: int(allowed_answers(METHOD, i)[-1]) for i in INDICATORS}})
    folder = tmp_path / "restituiti"
    folder.mkdir()
    shutil.copy(path, folder)
    assert run_cli("raccogli", str(catalog), str(folder), "--rules", str(rules)).exit_code == 0
    entries = load_yaml(catalog / "assessment-2027.yaml").data["valutazioni"]
    assert entries == [{"fase": phases[0], "risposte": {i: int(allowed_answers(METHOD, i)[-1]) for i in INDICATORS}}]


def test_a_value_of_the_wrong_type_or_an_unreadable_file_does_not_hide_the_other_errors(tmp_path, written) -> None:
    # a count typed as a word (schema) left every other answer unchecked, and a file that was no workbook stopped
    # raccogli at once: each came in a round of its own
    from openpyxl import load_workbook

    catalog, folder = _fresh(tmp_path, written, "PROVV", "PERS")
    before = (catalog / "assessment-2026.yaml").read_bytes()
    book = load_workbook(folder / "questionario-PROVV-2026.xlsx")
    book["Misure"]["G2"] = "tre"
    book.save(folder / "questionario-PROVV-2026.xlsx")
    pers = _processes(folder / "questionario-PERS-2026.xlsx")
    _fill(folder / "questionario-PERS-2026.xlsx", {pers[0]: {"P2": 9}})
    (folder / "salvato-male.xlsx").write_bytes(b"not a workbook")
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES)
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ": error[" in line]
    assert len(errors) == 3, result.stderr
    assert "questionario-PERS-2026.xlsx:Valutazione!D2: error[assessment]: '9' is not an answer" in errors[0]
    assert "questionario-PROVV-2026.xlsx:Misure!G2: error[questionario]:" in errors[1] and "'tre'" in errors[1]
    assert "salvato-male.xlsx: error[" in errors[2]
    assert result.stderr.splitlines()[-1] == "3 errors"
    assert (catalog / "assessment-2026.yaml").read_bytes() == before


def test_a_questionnaire_saved_with_another_extension_is_read_or_refused_never_left_unread(tmp_path, written) -> None:
    # Q.XLSX was not read nor mentioned, its unit listed among those that did not return the questionnaire;
    # a .xls or .ods the same
    catalog, folder = _fresh(tmp_path, written)
    shutil.copy(written[1] / "questionario-PROVV-2026.xlsx", folder / "QUESTIONARIO-PROVV-2026.XLSX")
    (folder / "vecchio.xls").write_bytes(b"\xd0\xcf\x11\xe0 binary Excel 97")
    (folder / "libreoffice.ods").write_bytes(b"PK\x03\x04 an OpenDocument spreadsheet")
    (folder / "apple.numbers").write_bytes(b"PK\x03\x04 a Numbers spreadsheet")
    (folder / "note.txt").write_text("not a questionnaire", encoding="utf-8")
    refused = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES)
    assert refused.exit_code == 1
    assert [line for line in refused.stderr.splitlines() if ": error[" in line] == [
        f"{folder / 'apple.numbers'}: error[workbook]: '.numbers' files are not read: riskengine reads an Excel "
        "workbook (save it as 'Excel Workbook (*.xlsx)')",
        f"{folder / 'libreoffice.ods'}: error[workbook]: '.ods' files are not read: riskengine reads an Excel "
        "workbook (save it as 'Excel Workbook (*.xlsx)')",
        f"{folder / 'vecchio.xls'}: error[workbook]: '.xls' files are not accepted (macros or a binary format) (save "
        "it as 'Excel Workbook (*.xlsx)')"], refused.stderr
    for refused_file in ("vecchio.xls", "libreoffice.ods", "apple.numbers"):
        (folder / refused_file).unlink()
    merged = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES)
    assert merged.exit_code == 0, merged.stderr
    missing = next(line for line in merged.stdout.splitlines() if line.startswith("units that have not returned"))
    assert "QUESTIONARIO-PROVV-2026.XLSX: " in merged.stdout and "(PROVV)" not in missing, merged.stdout


def test_an_answer_error_is_said_beside_a_wrong_type_in_the_same_questionnaire(tmp_path, written) -> None:
    from openpyxl import load_workbook

    catalog, folder = _fresh(tmp_path, written, "PROVV")
    path = folder / "questionario-PROVV-2026.xlsx"
    provv = _processes(path)
    _fill(path, {provv[0]: {"P2": 9}})
    book = load_workbook(path)
    book["Misure"]["F2"] = 12
    book.save(path)
    errors = [line for line in run_cli("raccogli", str(catalog), str(folder), "--rules", RULES).stderr.splitlines()
              if ": error[" in line]
    assert [line.split(": error[")[0].rsplit(":", 1)[1] for line in errors] == ["Misure!F2", "Valutazione!D2"]


def test_a_questionnaire_in_english_is_written_in_english_and_merged_back(tmp_path) -> None:
    # the questionnaire was Italian whatever the language of the run (its words were not in the message catalogue)
    from openpyxl import load_workbook

    catalog = example_copy(tmp_path)
    out = tmp_path / "questionnaires"
    assert run_cli("questionari", str(catalog), "--year", "2026", "--out", str(out), "--rules", RULES,
                   "--lang", "en").exit_code == 0
    path = out / "questionario-PROVV-2026.xlsx"
    book = load_workbook(path)
    assert book.sheetnames == ["Questionnaire", "Assessment", "Measures", "Scales"]
    info = {r[0]: r[1] for r in book["Questionnaire"].iter_rows(max_row=6, values_only=True)}
    assert info["Unit (code)"] == "PROVV" and info["Year"] == 2026 and info["Item assessed"] == "process"
    guide = [r[0] for r in book["Questionnaire"].iter_rows(min_row=8, values_only=True) if r[0]]
    assert guide[0].startswith("Self-assessment 2026 of the unit ") and "«Assessment» sheet" in guide[1]
    assert [c.value for c in book["Assessment"][1]][:2] == ["Code", "Name"]
    measures = book["Measures"]
    assert [c.value for c in measures[1]] == ["Code", "Name", "Deadline", "Indicator", "Target", "State",
                                              "Checks planned", "Checks done", "Notes"]
    states = next(dv for dv in measures.data_validations.dataValidation if str(dv.sqref).startswith("F2"))
    assert states.formula1 == '"To be implemented,In progress,Implemented,Not implemented"'
    assert states.error == "Choose a state from the list"
    assert [c.value for c in book["Scales"][1]] == ["Indicator", "Question", "Answer", "Meaning"]
    # the words of the questionnaire itself (the catalogue's and the method's texts are the administration's)
    own = [c.value for ws in book.worksheets for c in ws[1]] + [r[0] for r in book["Questionnaire"].iter_rows()] \
        + [measures[f"F{r}"].value for r in range(2, measures.max_row + 1)] \
        + [v for dv in [*measures.data_validations.dataValidation, *book["Assessment"].data_validations.dataValidation]
           for v in (dv.error, dv.errorTitle)]
    for italian in ("Valutazione", "Misure", "Verifiche", "Scadenza", "Stato", "Autovalutazione", "Da attuare",
                    "Scegliere", "Unità", "In corso", "Attuata"):
        assert not [text for text in own if text and italian in str(text)], italian
    code = measures["A2"].value
    measures["F2"], measures["G2"] = "In progress", 3
    book.save(path)
    process = _processes(path)[0]
    _fill(path, {process: {"P2": 9}})
    folder = tmp_path / "returned"
    folder.mkdir()
    shutil.copy(path, folder)
    refused = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES, "--lang", "it")
    assert f"{path.name}:Assessment!D2: error[assessment]: '9' non è una risposta" in refused.stderr.replace(
        str(folder) + "/", ""), refused.stderr
    _fill(folder / path.name, {process: {"P2": int(allowed_answers(METHOD, "P2")[0])}})
    assert run_cli("raccogli", str(catalog), str(folder), "--rules", RULES, "--lang", "it").exit_code == 0
    monitoring = {e["misura"]: e for e in load_yaml(catalog / "assessment-2026.yaml").data["monitoraggio"]}
    assert monitoring[code]["stato"] == "in-corso" and monitoring[code]["verifiche_previste"] == 3
    assert _answers(catalog)[process]["risposte"]["P2"] == int(allowed_answers(METHOD, "P2")[0])


@pytest.mark.parametrize("sheet", ["Valutazione", "Misure"])
def test_a_code_on_two_rows_of_a_sheet_is_refused_at_the_second(tmp_path, written, sheet) -> None:
    # the last row silently won: another row's answers and motivazione (or checks and notes) merged into the item
    from openpyxl import load_workbook

    catalog, folder = _fresh(tmp_path, written, "PROVV")
    before = (catalog / "assessment-2026.yaml").read_bytes()
    path = folder / "questionario-PROVV-2026.xlsx"
    book = load_workbook(path)
    ws = book[sheet]
    code = ws["A2"].value
    ws["A3"] = code
    if sheet == "Valutazione":
        ws["C2"], ws["C3"] = int(allowed_answers(METHOD, "P1")[0]), int(allowed_answers(METHOD, "P1")[-1])
    else:
        ws["G2"], ws["G3"] = 2, 5
    book.save(path)
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES)
    assert result.exit_code == 1
    assert f"{path}:{sheet}!A3: error[questionario]: '{code}' is already on row 2 of this sheet" in result.stderr, \
        result.stderr
    assert (catalog / "assessment-2026.yaml").read_bytes() == before


def test_a_questionnaire_of_a_year_already_closed_is_merged_only_with_its_year(tmp_path, written) -> None:
    # a questionnaire whose year was typed 2025 silently rewrote the 2025 assessment, already published
    from openpyxl import load_workbook

    catalog, folder = _fresh(tmp_path, written, "PROVV")
    path = folder / "questionario-PROVV-2026.xlsx"
    book = load_workbook(path)
    book["Questionario"]["B4"] = 2025
    book.save(path)
    provv = _processes(path)
    _fill(path, {provv[0]: {i: int(allowed_answers(METHOD, i)[0]) for i in INDICATORS}})
    before = (catalog / "assessment-2025.yaml").read_bytes()
    refused = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES)
    assert refused.exit_code == 1
    assert f"{path}:Questionario!B4: error[questionario]: this questionnaire is of 2025, a year before the latest " \
           "assessment (2026) (to really change the assessment of 2025 use --year 2025; " in refused.stderr
    assert (catalog / "assessment-2025.yaml").read_bytes() == before
    assert run_cli("raccogli", str(catalog), str(folder), "--year", "2025", "--rules", RULES).exit_code == 0
    assert (catalog / "assessment-2025.yaml").read_bytes() != before


def test_numbers_typed_as_text_in_a_questionnaire_are_numbers(tmp_path, written) -> None:
    # a count typed as text ('2) was refused; an answer "4,0" was written to the assessment as the text '4.0'
    from openpyxl import load_workbook

    catalog, folder = _fresh(tmp_path, written, "PROVV")
    path = folder / "questionario-PROVV-2026.xlsx"
    provv = _processes(path)
    answers = {i: int(allowed_answers(METHOD, i)[0]) for i in INDICATORS}
    _fill(path, {provv[0]: {**answers, "P1": f"{answers['P1']},0"}})
    book = load_workbook(path)
    code, book["Misure"]["G2"] = book["Misure"]["A2"].value, "2"
    book.save(path)
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES)
    assert result.exit_code == 0, result.stderr
    assert "P1: '" not in (catalog / "assessment-2026.yaml").read_text(encoding="utf-8")
    assert _answers(catalog)[provv[0]]["risposte"]["P1"] == answers["P1"]
    monitoring = {e["misura"]: e for e in load_yaml(catalog / "assessment-2026.yaml").data["monitoraggio"]}
    assert monitoring[code]["verifiche_previste"] == 2


@pytest.mark.parametrize("lang", ["it", "en"])
def test_a_state_that_is_no_state_is_answered_with_the_labels_of_the_drop_down(tmp_path, written, lang) -> None:
    # the hint listed the slugs ('attuata', 'da-attuare', …) where the drop-down offers "Attuata", "Da attuare"
    from openpyxl import load_workbook

    from riskengine.i18n import Text
    from riskengine.workbook.questionnaires import STATI

    catalog, folder = _fresh(tmp_path, written, "PROVV")
    path = folder / "questionario-PROVV-2026.xlsx"
    book = load_workbook(path)
    book["Misure"]["F2"] = "completata"
    book.save(path)
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES, "--lang", lang)
    (line,) = [line for line in result.stderr.splitlines() if ": error[" in line]
    assert line.startswith(f"{path}:Misure!F2: error[questionario]: 'completata' ")
    # the states as this (Italian) questionnaire's drop-down offers them, whatever the language of the run
    offered = ", ".join(Text("it").value("stato", state) for state in STATI)
    assert offered == "Da attuare, In corso, Attuata, Non attuata"
    assert line.endswith(f": {offered})"), line
    assert "da-attuare" not in line


def test_a_method_not_found_does_not_hide_what_the_questionnaires_were_found_to_have(tmp_path, written) -> None:
    # the errors found before the year's method is read (a file that is no workbook, a count typed as a word)
    # were dropped: the method not found was said alone, the others in the next round
    from openpyxl import load_workbook

    catalog, folder = _fresh(tmp_path, written, "PROVV")
    book = load_workbook(folder / "questionario-PROVV-2026.xlsx")
    book["Misure"]["G2"] = "tre"
    book.save(folder / "questionario-PROVV-2026.xlsx")
    (folder / "salvato-male.xlsx").write_bytes(b"not a workbook")
    (tmp_path / "regole").mkdir()
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", str(tmp_path / "regole"))
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if ": error[" in line]
    assert len(errors) == 3, result.stderr
    assert errors[0].startswith(f"{catalog / 'ente.yaml'}:8:9: error[load]: method 'cciaa-torino-2022' not found")
    assert "questionario-PROVV-2026.xlsx:Misure!G2: error[questionario]:" in errors[1] and "'tre'" in errors[1]
    assert "salvato-male.xlsx: error[" in errors[2]


def test_a_folder_that_does_not_exist_is_said_so(tmp_path, written) -> None:
    # it was answered "no questionnaire (.xlsx) in the folder", as if the folder were there and empty
    catalog, _ = written
    result = run_cli("raccogli", str(catalog), str(tmp_path / "restituiti"), "--rules", RULES)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"{tmp_path / 'restituiti'}: error[questionario]: the folder of the returned "
                                    "questionnaires does not exist (check the path: "), result.stderr


def test_a_long_scale_s_prompt_ends_on_a_whole_word_and_points_to_the_scales_sheet(written) -> None:
    # Excel holds 255 characters in a cell's prompt: the help was cut mid-word ("5 = È altamente discrez")
    from openpyxl import load_workbook

    from riskengine.workbook.questionnaires import PROMPT_CHARS

    _, out = written
    ws = load_workbook(out / "questionario-PERS-2026.xlsx")["Valutazione"]
    prompts = [dv.prompt for dv in ws.data_validations.dataValidation if dv.prompt]
    long = [p for p in prompts if p.endswith("(tutta la scala nel foglio «Scale»)")]
    assert long, prompts
    for prompt in prompts:
        assert len(prompt) <= PROMPT_CHARS
    for prompt in long:
        kept = prompt.removesuffix(" … (tutta la scala nel foglio «Scale»)")
        words = set(re.findall(r"\w+", " ".join(o.etichetta for i in METHOD.model.indicatori
                                                 for o in METHOD.scale_of(i).opzioni)
                                + " ".join(i.domanda or "" for i in METHOD.model.indicatori)))
        assert re.findall(r"\w+", kept)[-1] in words, kept


def test_an_answer_typed_as_the_scale_words_it_is_that_answer(tmp_path, written) -> None:
    # "È altamente discrezionale", as the «Scale» sheet shows answer 5, was refused ("valori ammessi: '1', …")
    catalog, folder = _fresh(tmp_path, written, "PROVV")
    path = folder / "questionario-PROVV-2026.xlsx"
    provv = _processes(path)
    answers = {i: int(allowed_answers(METHOD, i)[0]) for i in INDICATORS}
    last = METHOD.scale_of(METHOD.model.indicatori[0]).opzioni[-1]
    _fill(path, {provv[0]: {**answers, INDICATORS[0]: f"  {last.etichetta.upper()} "}})
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES)
    assert result.exit_code == 0, result.stderr
    assert _answers(catalog)[provv[0]]["risposte"][INDICATORS[0]] == (last.codice or int(last.valore))


def test_a_count_or_an_empty_state_is_refused_at_its_cell_by_its_heading(tmp_path, written) -> None:
    # "'verifiche_previste' deve essere un numero intero, trovato 1.5" (the YAML's key, a decimal point) and
    # "Misure!A3: missing required key 'stato'" (the row's code, where the state's cell was left empty)
    from openpyxl import load_workbook

    catalog, folder = _fresh(tmp_path, written, "PERS")
    path = folder / "questionario-PERS-2026.xlsx"
    book = load_workbook(path)
    measures = book["Misure"]
    measures["F2"], measures["G2"], measures["H2"] = "In corso", 1.5, "due"
    measures["F3"], measures["G3"] = None, 3
    # a state that is no state on a measure not yet monitored: said once (not also "empty"); a yes/no and a day
    # typed in a count quoted as the sheet shows them ('True', '2026-03-01 00:00:00' were Python's)
    measures["F4"], measures["G4"], measures["H4"] = "Boh", True, dt.datetime(2026, 3, 1)
    book.save(path)
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES, "--lang", "it")
    assert result.exit_code == 1
    code = measures["A3"].value
    assert [line.split(": error")[0].rsplit("!", 1)[1] for line in result.stderr.splitlines() if ": error[" in line] \
        == ["G2", "H2", "F3", "F4", "G4", "H4"], result.stderr
    assert "Misure!G4: error[questionario]: Verifiche previste: 'sì' non è un numero di verifiche" in result.stderr
    assert "Misure!H4: error[questionario]: Verifiche eseguite: '01/03/2026' non è un numero di verifiche" \
        in result.stderr
    assert "Misure!G2: error[questionario]: Verifiche previste: '1,5' non è un numero di verifiche (scrivi un numero " \
           "intero, 0 o più)" in result.stderr
    assert "Misure!H2: error[questionario]: Verifiche eseguite: 'due' non è un numero di verifiche" in result.stderr
    assert f"Misure!F3: error[questionario]: lo stato della misura '{code}' è vuoto (scegli dal menu: Da attuare, " \
           "In corso, Attuata, Non attuata)" in result.stderr


def test_a_questionnaire_s_deadlines_are_shown_as_its_language_writes_dates(tmp_path, written) -> None:
    # an English questionnaire showed its deadlines DD/MM/YYYY, where the English annex and CLI write 2026-06-30
    from openpyxl import load_workbook

    catalog = example_copy(tmp_path)
    out = tmp_path / "english"
    assert run_cli("questionari", str(catalog), "--year", "2026", "--out", str(out), "--rules", RULES, "--lang",
                   "en").exit_code == 0
    for folder, shown in ((out, "YYYY-MM-DD"), (written[1], "DD/MM/YYYY")):
        formats = {cell.number_format for path in folder.glob("*.xlsx") for row in load_workbook(path).worksheets[2]
                   .iter_rows(min_row=2) for cell in row if hasattr(cell.value, "isoformat")}
        assert formats == {shown}, (folder, formats)


def test_answers_carried_from_last_year_and_returned_as_they_were_are_said_confirmed_not_changed(
        tmp_path, written) -> None:
    # a questionnaire returned untouched reported "risposte cambiate 1 (B2.1.1)": only 'da_confermare' had gone
    catalog, folder = _fresh(tmp_path, written, "PROVV")
    path = catalog / "assessment-2026.yaml"
    text = path.read_text(encoding="utf-8")
    carried = "  - processo: B2.1.1\n    risposte: {P1: 4, P2: 5, P3: 1, P4: 5, P5: 5, P6: 3, I1: 5, I2: 1, I3: 2, I4: 3}\n"
    assert text.count(carried) == 1
    path.write_text(text.replace(carried, carried + "    da_confermare: true\n"), encoding="utf-8")
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES, "--lang", "it")
    assert result.exit_code == 0, result.stderr
    assert "(PROVV): risposte cambiate 0; risposte confermate 1 (B2.1.1)" in result.stdout, result.stdout
    assert "da_confermare" not in _answers(catalog)["B2.1.1"]


def test_a_questionnaire_returned_as_it_was_leaves_the_assessment_untouched_and_says_so(tmp_path, written) -> None:
    # raccogli said "valutazione scritta" and rewrote the file (same bytes, a new date) on a run that changed nothing
    import os

    catalog, folder = _fresh(tmp_path, written, "PROVV")
    path = catalog / "assessment-2026.yaml"
    text = path.read_bytes()
    os.utime(path, ns=(1_000_000_000, 1_000_000_000))
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES, "--lang", "it")
    assert result.exit_code == 0, result.stderr
    assert f"{path}: valutazione invariata (le risposte restituite sono quelle che il file già conteneva: " \
           "file lasciato com'era)" in result.stdout, result.stdout
    assert "valutazione scritta" not in result.stdout
    assert path.read_bytes() == text and path.stat().st_mtime_ns == 1_000_000_000
    # an answer changed: written, and said written
    code = _processes(folder / "questionario-PROVV-2026.xlsx")[0]
    answer = _answers(catalog)[code]["risposte"][INDICATORS[0]]
    other = next(int(v) for v in allowed_answers(METHOD, INDICATORS[0]) if int(v) != answer)
    _fill(folder / "questionario-PROVV-2026.xlsx", {code: {INDICATORS[0]: other}})
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES)
    assert result.exit_code == 0, result.stderr
    assert f"{path}: assessment written" in result.stdout, result.stdout
    assert _answers(catalog)[code]["risposte"][INDICATORS[0]] == other


def test_raccogli_over_a_new_year_draft_changes_only_the_lines_of_what_was_returned(tmp_path) -> None:
    # new-year wrote PyYAML's default layout (lists not indented, text wrapped at 120): the first raccogli rewrote
    # the whole file in the catalogue's (~600 changed lines for one questionnaire returned as it was)
    import difflib

    catalog = example_copy(tmp_path)
    assert run_cli("new-year", str(catalog), "--from", "2026", "--to", "2027").exit_code == 0
    out = tmp_path / "questionari"
    assert run_cli("questionari", str(catalog), "--year", "2027", "--out", str(out), "--rules", RULES).exit_code == 0
    returned = tmp_path / "restituiti"
    returned.mkdir()
    shutil.copy(out / "questionario-PROVV-2027.xlsx", returned)
    before = (catalog / "assessment-2027.yaml").read_text(encoding="utf-8").splitlines()
    assert run_cli("raccogli", str(catalog), str(returned), "--rules", RULES).exit_code == 0
    after = (catalog / "assessment-2027.yaml").read_text(encoding="utf-8").splitlines()
    changed = [line for line in difflib.unified_diff(before, after, lineterm="", n=0)
               if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    provv = _processes(returned / "questionario-PROVV-2027.xlsx")
    assert changed == ["-    da_confermare: true"] * len(provv), changed


def test_an_answer_changed_under_an_indicator_s_motivation_is_said_to_need_reviewing(tmp_path, written) -> None:
    # PERS changed B1.1.1's P1: the annex showed the new answer beside the motivation written for the old one, and
    # raccogli said nothing (the questionnaire has no column for an indicator's motivation)
    catalog, folder = _fresh(tmp_path, written, "PERS")
    old = _answers(catalog)["B1.1.1"]
    assert old["motivazioni"]["P1"] and old["motivazioni"]["I4"]
    other = next(int(v) for v in allowed_answers(METHOD, "P1") if int(v) != old["risposte"]["P1"])
    _fill(folder / "questionario-PERS-2026.xlsx", {"B1.1.1": {"P1": other}})
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES, "--lang", "it")
    assert result.exit_code == 0, result.stderr
    assert "; motivazioni degli indicatori da rivedere, scritte per la risposta precedente: B1.1.1 (P1)" \
        in result.stdout, result.stdout
    assert _answers(catalog)["B1.1.1"]["motivazioni"] == old["motivazioni"]  # kept: the referent rewrites them
    # the same answer written as a decimal in the file (4.0 for 4) is no change
    catalog, folder = _fresh(tmp_path / "decimale", written, "PERS")
    path = catalog / "assessment-2026.yaml"
    text = path.read_text(encoding="utf-8")
    written_as = f"  - processo: B1.1.1\n    risposte: {{P1: {old['risposte']['P1']}, "
    assert text.count(written_as) == 1
    path.write_text(text.replace(written_as, written_as.replace(f"P1: {old['risposte']['P1']},",
                                                                f"P1: {old['risposte']['P1']}.0,")), encoding="utf-8")
    _fill(folder / "questionario-PERS-2026.xlsx", {"B1.1.1": {"P1": old["risposte"]["P1"]}})
    result = run_cli("raccogli", str(catalog), str(folder), "--rules", RULES, "--lang", "it")
    assert result.exit_code == 0 and "da rivedere" not in result.stdout, result.stdout


def test_two_answers_are_the_same_as_numbers_when_both_are_finite_numbers_else_as_text() -> None:
    from riskengine.workbook.collect import _same

    assert _same(4, 4.0) and _same("4", 4) and _same("basso", " basso")
    assert not _same(3, 2) and not _same("basso", "medio") and not _same(None, 2)
    assert _same("nan", "nan")  # as text: a number that equals nothing is not a change of answer


SMALL = Path(RULES).parent / "catalogs" / "esempio-piccolo"  # on pna2019, whose indicators' codes are identifiers
PNA2019 = load_method(Path(RULES) / "pna2019")


def _small_questionnaire(tmp_path: Path) -> tuple[Path, Path]:
    """A copy of esempio-piccolo and the Italian questionnaire of its unit RI, in a folder of its own."""
    catalog = tmp_path / "cat"
    shutil.copytree(SMALL, catalog)
    out = tmp_path / "restituiti"
    assert run_cli("questionari", str(catalog), "--year", "2026", "--out", str(tmp_path / "q"), "--rules", RULES,
                   "--lang", "it").exit_code == 0
    out.mkdir()
    return catalog, Path(shutil.copy(tmp_path / "q" / "questionario-RI-2026.xlsx", out))


def test_an_indicator_coded_by_an_identifier_is_headed_and_named_by_its_name(tmp_path) -> None:
    # pna2019's columns were headed "interesse_esterno – Livello di interesse esterno" and raccogli named them
    # "interesse_esterno": slugs a unit head does not know the indicator by
    from openpyxl import load_workbook

    catalog, path = _small_questionnaire(tmp_path)
    ws = load_workbook(path)["Valutazione"]
    assert [c.value for c in ws[1]][2:-1] == [i.nome for i in PNA2019.model.indicatori]
    titles = [dv.promptTitle for dv in ws.data_validations.dataValidation]
    assert titles[0] == "Livello di interesse esterno" and titles[1] == "Grado di discrezionalità del…"
    # the «Scale» sheet names them so too: its first column read "interesse_esterno"
    scales = {r[0] for r in load_workbook(path)["Scale"].iter_rows(min_row=2, values_only=True)}
    assert scales == {i.nome for i in PNA2019.model.indicatori}
    before = (catalog / "assessment-2026.yaml").read_bytes()
    _fill(path, {"C1.1.1": {"Livello di interesse esterno": "alto", "Opacità del processo decisionale": None}})
    refused = run_cli("raccogli", str(catalog), str(path.parent), "--rules", RULES, "--lang", "it")
    assert refused.exit_code == 1 and (catalog / "assessment-2026.yaml").read_bytes() == before
    assert ("error[questionario]: C1.1.1: manca la risposta a Opacità del processo decisionale (senza risposta: "
            "Opacità del processo decisionale), in una riga compilata in parte") in refused.stderr, refused.stderr
    _fill(path, {"C1.1.1": {"Opacità del processo decisionale": "basso"}})
    merged = run_cli("raccogli", str(catalog), str(path.parent), "--rules", RULES, "--lang", "it")
    assert merged.exit_code == 0, merged.stderr
    assert "da rivedere, scritte per la risposta precedente: C1.1.1 (Livello di interesse esterno)" in merged.stdout
    assert load_yaml(catalog / "assessment-2026.yaml").data["valutazioni"][0]["risposte"]["interesse_esterno"] \
        == "alto"


def test_a_questionnaire_sent_with_code_and_name_headers_is_still_read_back(tmp_path) -> None:
    """Questionnaires already sent head each column ``interesse_esterno – Livello di interesse esterno``."""
    from openpyxl import load_workbook

    catalog, path = _small_questionnaire(tmp_path)
    book = load_workbook(path)
    ws = book["Valutazione"]
    for cell, indicator in zip(ws[1][2:-1], PNA2019.model.indicatori, strict=True):
        cell.value = f"{indicator.codice} – {indicator.nome}"
    book.save(path)
    _fill(path, {"C1.1.1": {"interesse_esterno": "alto"}})
    merged = run_cli("raccogli", str(catalog), str(path.parent), "--rules", RULES, "--lang", "it")
    assert merged.exit_code == 0, merged.stderr
    assert load_yaml(catalog / "assessment-2026.yaml").data["valutazioni"][0]["risposte"]["interesse_esterno"] \
        == "alto"
