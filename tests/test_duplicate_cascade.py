"""One code written twice (a unit or process renamed to another's code) is said first, at its second definition; what
follows from it says so, and nothing that only the duplicate made up is reported (`riskengine check`, `assess`).

Each case is the mini catalogue with one rename, and the exact lines `check` prints.
"""

from __future__ import annotations

from catalog_helpers import REPO, broken_copy, overdue, problem_lines, run_cli

RULES_DIR = str(REPO / "rules")
# Area Amministrazione renamed to its padre's code, SG; a measure names it by its name (the unit exists: its code
# is the fault, not the reference); PROVV's padre still names its former code.
UNIT_RENAMED = [("units.yaml", '{codice: AREA-AMM, nome: "Area Amministrazione"', '{codice: SG, nome: "Area Amministrazione"'),
                ("measures.yaml", "    responsabile: PROVV\n", '    responsabile: "Area Amministrazione"\n')]
# B2.2.1 renamed to B2.1.1, the code of the process above it; the assessment and a measure name the former code.
PROCESS_RENAMED = [("processes.yaml", "  - codice: B2.2.1\n", "  - codice: B2.1.1\n"),
                   ("measures.yaml", "tratta: {processi: [D1.1.1]}", "tratta: {processi: [D1.1.1, B2.2.1]}")]


def test_a_unit_renamed_to_an_existing_code_is_said_first_and_makes_no_cycle(tmp_path, monkeypatch):
    """Before: the reference to its former code first, a cycle SG → SG that the rename made up, and the reference
    by the renamed unit's name called unknown."""
    broken_copy(tmp_path, *UNIT_RENAMED)
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "cat")
    assert result.exit_code == 1
    assert result.stdout == (
        "cat: 4 areas, 5 units, 2 roles, 4 processes, 1 phase, 5 risk events, 9 enabling factors, 8 measures\n"
        "\n"
        "Errors (2)\n"
        "  duplicate-code (1)\n"
        "    cat/units.yaml:3:14: error[duplicate-code]: duplicate unit code 'SG' (first defined at cat/units.yaml:2:5) "
        "(codes must be unique: rename one of them)\n"
        "  dangling-reference (1)\n"
        "    cat/units.yaml:4:75: error[dangling-reference]: unknown unit 'AREA-AMM' "
        "(perhaps the former code of 'SG', now duplicated at cat/units.yaml:3:14: fix that first)\n"
        "\n"
        "Warnings (1)\n"
        "  measure-overdue (1)\n"
        f"    {overdue('cat')}\n"
        "FAILED: 2 errors, 1 warning, 0 notes\n")


def test_the_duplicate_and_what_follows_in_italian(tmp_path, monkeypatch):
    broken_copy(tmp_path, *UNIT_RENAMED)
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "cat", "--lang", "it")
    assert problem_lines(result.stdout)[:2] == [
        "cat/units.yaml:3:14: error[duplicate-code]: codice duplicato: unità 'SG' (già definito in cat/units.yaml:2:5) "
        "(i codici devono essere unici: rinominane uno)",
        "cat/units.yaml:4:75: error[dangling-reference]: unità 'AREA-AMM' inesistente "
        "(forse era il codice cambiato in 'SG', ora duplicato in cat/units.yaml:3:14: correggi prima quello)"]


def test_references_to_several_duplicated_codes_name_them_all(tmp_path, monkeypatch):
    """Two units renamed to existing codes: which former code is which cannot be told, both are named; no lookalike
    is proposed (it would be one of the codes written twice)."""
    broken_copy(tmp_path, *UNIT_RENAMED,
                ("units.yaml", '{codice: RI, nome: "Registro Imprese"', '{codice: PROM, nome: "Registro Imprese"'),
                ("processes.yaml", "    unita: RI\n", "    unita: RJ\n"))
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "cat")
    assert [line for line in problem_lines(result.stdout) if ": error[" in line] == [
        "cat/units.yaml:3:14: error[duplicate-code]: duplicate unit code 'SG' (first defined at cat/units.yaml:2:5) "
        "(codes must be unique: rename one of them)",
        "cat/units.yaml:6:14: error[duplicate-code]: duplicate unit code 'PROM' (first defined at cat/units.yaml:5:5) "
        "(codes must be unique: rename one of them)",
        "cat/processes.yaml:16:12: error[dangling-reference]: unknown unit or role 'RJ' "
        "(perhaps the former code of one now duplicated ('SG', 'PROM'): fix those first)",
        "cat/units.yaml:4:75: error[dangling-reference]: unknown unit 'AREA-AMM' "
        "(perhaps the former code of one now duplicated ('SG', 'PROM'): fix those first)"]


def test_a_process_renamed_to_an_existing_code_is_said_first_and_what_follows_says_so(tmp_path, monkeypatch):
    """Before: the assessment's line first, and each line proposed a lookalike of the former code."""
    broken_copy(tmp_path, *PROCESS_RENAMED)
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "cat", "--rules", RULES_DIR)
    assert result.exit_code == 1
    assert problem_lines(result.stdout) == [
        "cat/processes.yaml:26:13: error[duplicate-code]: duplicate process code 'B2.1.1' "
        "(first defined at cat/processes.yaml:2:5) (codes must be unique: rename one of them)",
        "cat/assessment-2026.yaml:12:15: error[assessment]: unknown processo 'B2.2.1' "
        "(perhaps the former code of 'B2.1.1', now duplicated at cat/processes.yaml:26:13: fix that first)",
        "cat/measures.yaml:33:296: error[dangling-reference]: unknown process or phase 'B2.2.1' "
        "(perhaps the former code of 'B2.1.1', now duplicated at cat/processes.yaml:26:13: fix that first)",
        overdue("cat")]


def test_assess_says_the_duplicate_first(tmp_path, monkeypatch):
    """Before: sorted by file alone, measures.yaml's reference came before the duplicate that made it."""
    broken_copy(tmp_path, *PROCESS_RENAMED)
    monkeypatch.chdir(tmp_path)
    result = run_cli("assess", "cat", "--rules", RULES_DIR, "-o", str(tmp_path / "out"), "-f", "json")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "cat/processes.yaml:26:13: error[duplicate-code]: duplicate process code 'B2.1.1' "
        "(first defined at cat/processes.yaml:2:5) (codes must be unique: rename one of them)",
        "cat/measures.yaml:33:296: error[dangling-reference]: unknown process or phase 'B2.2.1' "
        "(perhaps the former code of 'B2.1.1', now duplicated at cat/processes.yaml:26:13: fix that first)",
        "2 errors"]


def test_a_typo_beside_a_duplicate_keeps_its_own_suggestion(tmp_path, monkeypatch):
    """Regression (review of the duplicate's hint): every unknown code of a kind with a duplicate was told it may be
    the duplicate's former code, a plain typo of another code ('PROV' for 'PROVV') losing its "did you mean". Which
    of the two it is cannot be told (see the next test): both are said."""
    broken_copy(tmp_path, *UNIT_RENAMED, *PROCESS_RENAMED,
                ("processes.yaml", "    unita: PROVV\n    fasi:\n", "    unita: PROV\n    fasi:\n"),
                ("assessment-2026.yaml", "  - processo: C2.1.1\n", "  - processo: C2.1.l\n"))
    monkeypatch.chdir(tmp_path)
    lines = [line for line in problem_lines(run_cli("check", "cat", "--rules", RULES_DIR).stdout)
             if "'PROV'" in line or "'C2.1.l'" in line]
    assert lines == [
        "cat/assessment-2026.yaml:15:15: error[assessment]: unknown processo 'C2.1.l' (did you mean 'C2.1.1'? Or the "
        "former code of 'B2.1.1', now duplicated at cat/processes.yaml:26:13: if so, fix that first)",
        "cat/processes.yaml:5:12: error[dangling-reference]: unknown unit or role 'PROV' (did you mean 'PROVV'? Or the "
        "former code of 'SG', now duplicated at cat/units.yaml:3:14: if so, fix that first)"]


def test_a_former_code_like_another_code_is_still_said_to_follow_from_the_duplicate(tmp_path, monkeypatch):
    """Regression (second review): once a lookalike replaced the duplicate's hint, a process renamed into another's
    code was told only "did you mean" another process: structured codes look alike (B2.2.1, B2.1.1)."""
    broken_copy(tmp_path, ("processes.yaml", "  - codice: B2.2.1\n", "  - codice: C2.1.1\n"))
    monkeypatch.chdir(tmp_path)
    lines = problem_lines(run_cli("check", "cat", "--rules", RULES_DIR).stdout)
    assert lines[:2] == [
        "cat/processes.yaml:26:13: error[duplicate-code]: duplicate process code 'C2.1.1' "
        "(first defined at cat/processes.yaml:13:5) (codes must be unique: rename one of them)",
        "cat/assessment-2026.yaml:12:15: error[assessment]: unknown processo 'B2.2.1' (did you mean 'B2.1.1'? Or the "
        "former code of 'C2.1.1', now duplicated at cat/processes.yaml:26:13: if so, fix that first)"]


def test_a_former_code_named_many_times_leaves_the_suggestions_to_the_others(tmp_path, monkeypatch):
    """Regression (second review): each reference to the former code used one of the catalogue's 200 suggestions, so
    a typo after 230 of them ('D1.1.l') got none; a code referred to is now looked up once."""
    many = ", ".join(["B2.2.1"] * 230)
    broken_copy(tmp_path, ("processes.yaml", "  - codice: B2.2.1\n", "  - codice: B2.1.1\n"),
                ("measures.yaml", "tratta: {processi: [D1.1.1]}", f"tratta: {{processi: [D1.1.1, {many}, D1.1.l]}}"))
    monkeypatch.chdir(tmp_path)
    lines = [line for line in problem_lines(run_cli("check", "cat", "--rules", RULES_DIR).stdout) if "'D1.1.l'" in line]
    assert [line.split(": error[dangling-reference]: ")[1] for line in lines] == [
        "unknown process or phase 'D1.1.l' (did you mean 'D1.1.1'? Or the former code of 'B2.1.1', now duplicated at "
        "cat/processes.yaml:26:13: if so, fix that first)"]


# Anac's area B written twice, and a process naming 'BB', like cciaa's B (the primary taxonomy's, named by its code).
ANAC_B_TWICE = [("areas.yaml", "corrispondenze:\n",
                 '  - {tassonomia: anac, codice: B, nome: "Altra", classe: obbligatoria}\n' * 2 + "corrispondenze:\n"),
                ("processes.yaml", "    aree: [B]\n    unita: PROVV\n    fasi:\n", "    aree: [BB]\n    unita: PROVV\n    fasi:\n")]
BB_IN_A_PROCESS = ("unknown area 'BB' (did you mean 'B'? Or the former code of 'anac:B', now duplicated at "
                   "cat/areas.yaml:13:32: if so, fix that first)")


def _bb_in_processes(tmp_path, monkeypatch, *more: tuple[str, str, str]) -> list[str]:
    """What check says of 'BB' in processes.yaml, with ANAC_B_TWICE and ``more`` edits."""
    broken_copy(tmp_path, *ANAC_B_TWICE, *more)
    monkeypatch.chdir(tmp_path)
    return [line.split(": error[dangling-reference]: ")[1]
            for line in problem_lines(run_cli("check", "cat", "--rules", RULES_DIR).stdout)
            if "'BB'" in line and "processes.yaml" in line]


def test_an_area_like_a_primary_one_is_proposed_beside_another_taxonomy_s_duplicate(tmp_path, monkeypatch):
    """Regression (second review): a duplicated area's code was compared without its taxonomy, so 'BB' (like cciaa's
    B) was taken for the former code of anac's B, written twice, and not told "did you mean 'B'?"."""
    assert _bb_in_processes(tmp_path, monkeypatch) == [BB_IN_A_PROCESS]


def test_an_area_code_looked_up_in_one_file_is_looked_up_again_in_another(tmp_path, monkeypatch):
    """Regression (third review): what 'BB' looks like was kept from areas.yaml's corrispondenze, which name areas by
    reference only, for processes.yaml, where a primary area's code alone is one: the process lost "did you mean
    'B'?"."""
    assert _bb_in_processes(tmp_path, monkeypatch, ("areas.yaml", '{da: "cciaa:B"', '{da: "BB"')) == [BB_IN_A_PROCESS]
