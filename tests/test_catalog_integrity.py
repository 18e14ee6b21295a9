"""`riskengine check` on deliberately broken catalogues: one per integrity rule, exact places and codes.

Each directory under tests/data/broken/ is tests/data/mini with one thing broken (see its README).
Expected lines and columns were counted by hand from those files; every run also reports the
intact mini catalogue's own finding (MS02 overdue), which shows that problems are reported together.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from catalog_helpers import BROKEN, REPO, broken_copy, overdue, problem_lines, run_cli

from riskengine.catalog import load_catalog
from riskengine.errors import RiskengineError, Severity
from riskengine.graph import RULES, build_graph, check_integrity
from riskengine.report.messages import Messages
from riskengine.report.messages import keys as message_keys

# unqualified codes of the primary taxonomy, and every qualified reference
HINT_AREAS = "expected one of: 'B', 'C', 'D', 'anac:contratti', 'cciaa:B', 'cciaa:C', 'cciaa:D'"
NOT_VALID = "not valid on 2026-01-31 (assign it to the unit that took over this work)"

# case -> (exit code, problem lines in printed order: errors, warnings, notes; by code, file, line, column)
CASES: dict[str, tuple[int, list[str]]] = {
    "dangling-reference-area": (1, [
        # processes.yaml line 15 "    aree: [F]": F at column 12 (letter F is absent in the seeds)
        f"{{d}}/processes.yaml:15:12: error[dangling-reference]: unknown area 'F' ({HINT_AREAS})",
        overdue("{d}"),
        "{d}/areas.yaml:9:5: info[area-unused]: risk area 'cciaa:C' holds no process",
    ]),
    "dangling-reference-owner": (1, [
        # processes.yaml line 16 '    unita: "Registro Impresa"': the quote at column 12
        "{d}/processes.yaml:16:12: error[dangling-reference]: unknown unit or role 'Registro Impresa' "
        "(did you mean 'Registro Imprese'?)",
        overdue("{d}"),
    ]),
    "dangling-reference-responsabile": (1, [
        # measures.yaml line 23 '    responsabile: "UO Complianse"': the quote at column 19
        "{d}/measures.yaml:23:19: error[dangling-reference]: unknown unit or role 'UO Complianse' "
        "(did you mean 'UO Compliance'?)",
        overdue("{d}"),
    ]),
    "dangling-reference-supporto": (1, [
        # measures.yaml line 24 '    supporto: ["UO Compliance", OIV]': OIV at column 33
        "{d}/measures.yaml:24:33: error[dangling-reference]: unknown unit or role 'OIV'",
        overdue("{d}"),
    ]),
    "dangling-reference-factor": (1, [
        # processes.yaml line 18: "fattori: [j]" with j at column 110
        "{d}/processes.yaml:18:110: error[dangling-reference]: unknown enabling factor 'j' "
        "(expected one of: 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i')",
        overdue("{d}"),
    ]),
    "dangling-reference-tratta-processi": (1, [
        # measures.yaml line 31 "    tratta: {processi: [B2.1.2], ...": B2.1.2 at column 25
        "{d}/measures.yaml:31:25: error[dangling-reference]: unknown process or phase 'B2.1.2' "
        "(did you mean 'B2.1.1'?)",
        overdue("{d}"),
    ]),
    "dangling-reference-tratta-eventi": (1, [
        # measures.yaml line 31 "... eventi: [B2.1.1-E3]}": B2.1.1-E3 at column 43
        "{d}/measures.yaml:31:43: error[dangling-reference]: unknown risk event 'B2.1.1-E3' "
        "(did you mean 'B2.1.1-E2'?)",
        overdue("{d}"),
    ]),
    "dangling-reference-padre": (1, [
        # units.yaml line 4 "... padre: AREA-AM}": AREA-AM at column 75
        "{d}/units.yaml:4:75: error[dangling-reference]: unknown unit 'AREA-AM' (did you mean 'AREA-AMM'?)",
        overdue("{d}"),
    ]),
    "dangling-reference-corrispondenze": (1, [
        # areas.yaml line 13 '  - {da: "cciaa:B", a: "anac:contratto"}': the quote at column 24
        "{d}/areas.yaml:13:24: error[dangling-reference]: unknown area 'anac:contratto' "
        "(did you mean 'anac:contratti'?)",
        overdue("{d}"),
    ]),
    "duplicate-code": (1, [
        # processes.yaml line 26 "  - codice: B2.1.1" (was B2.2.1): the code at column 13
        "{d}/processes.yaml:26:13: error[duplicate-code]: duplicate process code 'B2.1.1' "
        "(first defined at {d}/processes.yaml:2:5) (codes must be unique: rename one of them)",
        overdue("{d}"),
    ]),
    "hierarchy-cycle": (1, [
        # SG gets padre PROVV: AREA-AMM -> SG -> PROVV -> AREA-AMM; reported at AREA-AMM's padre (line 3)
        "{d}/units.yaml:3:73: error[hierarchy-cycle]: hierarchy cycle: AREA-AMM → SG → PROVV → AREA-AMM "
        "(a unit cannot be its own ancestor: fix one 'padre')",
        overdue("{d}"),
    ]),
    "process-without-area": (1, [
        # C2.1.1 (line 13, "  - codice: C2.1.1") lost "aree: [C]": so area C holds no process
        "{d}/processes.yaml:13:5: error[process-without-area]: process 'C2.1.1' has no risk area "
        "(add 'aree: [CODE]')",
        overdue("{d}"),
        "{d}/areas.yaml:9:5: info[area-unused]: risk area 'cciaa:C' holds no process",
    ]),
    "process-without-owner": (1, [
        "{d}/processes.yaml:13:5: error[process-without-owner]: process 'C2.1.1' has no owning unit "
        "(add 'unita: UNIT')",
        overdue("{d}"),
    ]),
    "measure-without-responsible": (1, [
        # MS01 (line 19) lost line 23 "responsabile: PROVV": MS02 moves up to line 31
        "{d}/measures.yaml:19:5: error[measure-without-responsible]: measure 'MS01' has no responsible unit "
        "(add 'responsabile: UNIT')",
        overdue("{d}", 32),
    ]),
    "unit-not-valid": (1, [
        # UO-COMPL ends 2025-12-31, before data_riferimento 2026-01-31: MG05 lead by name (line 17),
        # MG06 support by code (line 18), MS01 support by name (line 24, the item at column 16)
        f"{{d}}/measures.yaml:17:117: error[unit-not-valid]: measure 'MG05' is assigned to unit 'UO Compliance', {NOT_VALID}",
        f"{{d}}/measures.yaml:18:136: error[unit-not-valid]: measure 'MG06' is assigned to unit 'UO Compliance', {NOT_VALID}",
        f"{{d}}/measures.yaml:24:16: error[unit-not-valid]: measure 'MS01' is assigned to unit 'UO Compliance', {NOT_VALID}",
        overdue("{d}"),
    ]),
    "measure-without-indicator": (0, [
        overdue("{d}", 32),
        "{d}/measures.yaml:19:5: warning[measure-without-indicator]: measure 'MS01' has no monitoring indicator "
        "('indicatore') "
        "(state how implementation is measured and the expected value)",
    ]),
    "measure-without-natura": (0, [
        overdue("{d}", 32),
        "{d}/measures.yaml:19:5: warning[measure-without-natura]: measure 'MS01' does not state whether it is "
        "mandatory or additional ('natura'): counted as additional ('ulteriore') (add 'natura: obbligatoria' or "
        "'natura: ulteriore')",
    ]),
    "measure-without-deadline": (0, [
        overdue("{d}", 32),
        "{d}/measures.yaml:19:5: warning[measure-without-deadline]: measure 'MS01' has no deadline "
        "(add 'scadenza: YYYY-MM-DD' or 'scadenza: continua')",
    ]),
    "event-without-factor": (0, [
        "{d}/processes.yaml:18:9: warning[event-without-factor]: risk event 'C2.1.1-E1' has no enabling factor "
        "(add 'fattori: [a, …]')",
        overdue("{d}"),
    ]),
    "event-without-measure": (0, [
        # the six general measures treat area B instead of every process: C2.1.1 has no measure at all,
        # so its event (line 18, code at column 18) is untreated even though the method lets process-level
        # measures cover events (D1.1.1's event is covered by MS02 on its process)
        "{d}/processes.yaml:18:18: warning[event-without-measure]: risk event 'C2.1.1-E1' of process 'C2.1.1' has "
        "no measure treating it (add 'C2.1.1-E1' to 'tratta: {{eventi: [...]}}' of the measure that treats it, "
        "or link a measure to its phase)",
        overdue("{d}"),
    ]),
    "process-without-events": (0, [
        overdue("{d}"),
        "{d}/processes.yaml:13:5: warning[process-without-events]: process 'C2.1.1' has no risk event "
        "(describe at least one risk event)",
    ]),
    "measure-treats-nothing": (0, [
        overdue("{d}", 32),
        "{d}/measures.yaml:19:5: warning[measure-treats-nothing]: measure 'MS01' treats nothing "
        "(add 'tratta: {{processi: [...]}}' or 'tratta: {{tutti: true}}')",
    ]),
    "missing-mandatory-typology": (0, [
        overdue("{d}"),
        "{d}/measures.yaml:1:1: warning[missing-mandatory-typology]: no general measure of typology 'Rotation' "
        "(add the general measure, or remove the typology from tipologie_obbligatorie)",
    ]),
    "measure-overdue": (0, [
        # MS01 due 2025-06-30 (line 25, date at column 15) and 'in-corso'
        "{d}/measures.yaml:25:15: warning[measure-overdue]: measure 'MS01' was due 2025-06-30 and is 'In progress' "
        "(implement it, or set a new deadline with a reason)",
        overdue("{d}"),
    ]),
    "area-unused": (0, [
        overdue("{d}"),
        "{d}/areas.yaml:11:5: info[area-unused]: risk area 'cciaa:E' holds no process",
    ]),
    "several-problems": (1, [
        "{d}/measures.yaml:23:19: error[dangling-reference]: unknown unit or role 'UO Complianse' "
        "(did you mean 'UO Compliance'?)",
        "{d}/measures.yaml:31:25: error[dangling-reference]: unknown process or phase 'B2.1.2' "
        "(did you mean 'B2.1.1'?)",
        "{d}/units.yaml:4:75: error[dangling-reference]: unknown unit 'AREA-AM' (did you mean 'AREA-AMM'?)",
        overdue("{d}"),
    ]),
    "load-errors": (1, [
        # a YAML error stops its file; the other files are still validated and reported
        "{d}/processes.yaml:3:23: error[load]: invalid YAML: a colon ':' is not allowed here (a text holding «: » "
        "is written between quotes) (write the value between quotes, for example nome: \"Ufficio: contratti\", or "
        "check the line's indentation)",
        "{d}/ente.yaml:2:1: error[schema]: unknown key 'nomee' (did you mean 'nome'?)",  # the missing 'nome', misspelt
        "{d}/measures.yaml:22:13: error[schema]: 'specifca' is not a valid value for 'ambito' "
        "(did you mean 'specifica'?)",
    ]),
}


# Publication obligations: each directory is tests/data/mini plus a trasparenza.yaml that covers the whole
# official tree (four obligations, the rest declared not applicable), with one thing broken.
TREE = "is not a {what} of the official tree of 'Amministrazione trasparente'"
CASES.update({
    "obligation-without-owner": (1, [
        # T2 without "pubblicazione": its "  - codice: T2" on line 13, T2 at column 13
        "{d}/trasparenza.yaml:13:13: error[obligation-without-owner]: publication obligation 'T2' has no unit "
        "responsible for publication (add 'pubblicazione: UNIT')",
        overdue("{d}"),
    ]),
    "obligation-date-ahead": (0, [
        overdue("{d}"),
        # T1's "    ultimo_aggiornamento: 2062-01-30" on line 12, the date at column 27 (2026 mistyped): the obligation
        # read as up to date until 2062, its next update due then
        "{d}/trasparenza.yaml:12:27: warning[obligation-date-ahead]: 'ultimo_aggiornamento' of publication "
        "obligation 'T1' is 2062-01-30, more than a year after the plan's reference date 2026-01-31 (check its "
        "year: it records a past event)",
    ]),
    "not-applicable-with-obligations": (1, [
        # "  - {sottosezione: "0101", motivo: "prova"}" on line 74 (T1's sub-section), its code at column 20;
        # "0102" declared again on line 75; 2101 on line 76, in section 21 declared above: the annex left T1 out of
        # its section and listed it elsewhere
        "{d}/trasparenza.yaml:74:20: error[not-applicable-with-obligations]: sub-section 0101 'Piano triennale per "
        "la prevenzione della corruzione e della trasparenza' is declared not applicable, but it holds publication "
        "obligations (T1) (remove it from 'non_applicabili', or move its obligations to the sub-section they belong "
        "to)",
        "{d}/trasparenza.yaml:75:20: error[not-applicable-with-obligations]: sub-section 0102 'Atti generali' is "
        "declared not applicable a second time (also entry 1 of 'non_applicabili') (keep one entry per section or "
        "sub-section, with its reason)",
        # and a sub-section of section 21, declared itself: two reasons for 2101
        "{d}/trasparenza.yaml:76:20: error[not-applicable-with-obligations]: sub-section 2101 'Prevenzione della Corruzione' is "
        "declared not applicable, and so is its section 21 (keep the section's entry, or the entries of its "
        "sub-sections only)",
        overdue("{d}"),
    ]),
    "obligation-frequency": (1, [
        # T2 'tempestivo' gains "    scadenza: 2026-06-30" on line 20 (value at column 15)
        "{d}/trasparenza.yaml:20:15: error[obligation-frequency]: publication obligation 'T2' is updated in a timely "
        "way ('tempestivo') but "
        "has the calendar deadline 2026-06-30 (state the rule in 'termine' (e.g. within 30 days of the act), "
        "or give a periodic frequency)",
        # T4 without "aggiornamento": its codice on line 37, column 13
        "{d}/trasparenza.yaml:37:13: error[obligation-frequency]: publication obligation 'T4' has no update "
        "frequency (add 'aggiornamento: tempestivo', trimestrale, semestrale, annuale or a date)",
        overdue("{d}"),
    ]),
    "unit-not-valid-obbligo": (1, [
        # units.yaml as in unit-not-valid; T1 "    trasmissione: UO-COMPL" on line 10, value at column 19
        "{d}/measures.yaml:17:117: error[unit-not-valid]: measure 'MG05' is assigned to unit 'UO Compliance', "
        + NOT_VALID,
        "{d}/measures.yaml:18:136: error[unit-not-valid]: measure 'MG06' is assigned to unit 'UO Compliance', "
        + NOT_VALID,
        "{d}/measures.yaml:24:16: error[unit-not-valid]: measure 'MS01' is assigned to unit 'UO Compliance', "
        + NOT_VALID,
        "{d}/trasparenza.yaml:10:19: error[unit-not-valid]: publication obligation 'T1' is transmitted by unit "
        "'UO Compliance', " + NOT_VALID,
        overdue("{d}"),
    ]),
    "binding-schema-not-open": (0, [
        # T3 (art. 4-bis, binding from 2026-01-22) "    formato_aperto: false" on line 34, value at column 21
        "{d}/trasparenza.yaml:34:21: warning[binding-schema-not-open]: publication obligation 'T3' follows the "
        "binding ANAC schema of delibera 495/2024 and is not marked as published in an open format (publish it "
        "as an open table (CSV, HTML or XML) with the schema's fields and set 'formato_aperto: true')",
        overdue("{d}"),
    ]),
    "obligation-overdue": (0, [
        overdue("{d}"),
        # T3 quarterly, last updated 2025-09-30: due 2025-12-30; "    ultimo_aggiornamento: " value at column 27
        "{d}/trasparenza.yaml:35:27: warning[obligation-overdue]: publication obligation 'T3' was due for update "
        "on 2025-12-30 (publish the update and record 'ultimo_aggiornamento')",
    ]),
    "subsection-without-obligation": (0, [
        overdue("{d}"),
        # 0103 neither has an obligation nor is declared not applicable: reported at the key 'obblighi'
        "{d}/trasparenza.yaml:3:1: warning[subsection-without-obligation]: sub-section 0103 'Oneri informativi "
        "per cittadini e imprese' has no publication obligation (add its obligations, or declare it in "
        "'non_applicabili' with the reason)",
    ]),
    "load-errors-trasparenza": (1, [
        # codes outside the official tree, with the nearest code; a sub-section under the wrong section
        "{d}/trasparenza.yaml:15:19: error[schema]: 'sottosezione': '0206' " + TREE.format(what="sub-section")
        + " (did you mean '0205'?)",
        "{d}/trasparenza.yaml:26:14: error[schema]: 'sezione': '23' " + TREE.format(what="section")
        + " (did you mean '22'?)",
        "{d}/trasparenza.yaml:38:19: error[schema]: 'sottosezione': sub-section '1002' belongs to section '10', "
        "not '09'",
    ]),
})


def _summary(lines: list[str], exit_code: int) -> str:
    counts = {s: sum(f": {s}[" in line for line in lines) for s in ("error", "warning", "info")}
    status = "FAILED" if exit_code else "ok"
    words = {"error": ("error", "errors"), "warning": ("warning", "warnings"), "info": ("note", "notes")}
    return f"{status}: " + ", ".join(f"{counts[s]} {words[s][counts[s] != 1]}" for s in ("error", "warning", "info"))


def test_every_broken_directory_is_a_case():
    assert sorted(p.name for p in BROKEN.iterdir() if p.is_dir()) == sorted(CASES)


def test_every_integrity_rule_has_a_broken_catalogue():
    shown = {line.split("[", 1)[1].split("]", 1)[0] for _, lines in CASES.values() for line in lines}
    assert set(RULES) <= shown
    for code, rule in RULES.items():
        if rule.severity.value == "error":  # each error rule has its own committed directory
            assert any(name == code or name.startswith(code + "-") for name in CASES), code


@pytest.mark.parametrize("case", sorted(CASES))
def test_check_reports_exact_places(case, monkeypatch):
    exit_code, expected = CASES[case]
    d = f"tests/data/broken/{case}"
    expected = [line.format(d=d) for line in expected]
    monkeypatch.chdir(REPO)
    result = run_cli("check", d)
    assert result.exit_code == exit_code, result.output
    assert problem_lines(result.stdout) == expected
    assert result.stdout.splitlines()[-1] == _summary(expected, exit_code)


def test_check_output_is_grouped_by_severity_and_rule(monkeypatch):
    monkeypatch.chdir(REPO)
    d = "tests/data/broken/process-without-area"
    result = run_cli("check", d)
    assert result.exit_code == 1
    assert result.stdout == (
        f"{d}: 4 areas, 6 units, 2 roles, 4 processes, 1 phase, 5 risk events, 9 enabling factors, 8 measures\n"
        "\n"
        "Errors (1)\n"
        "  process-without-area (1)\n"
        f"    {d}/processes.yaml:13:5: error[process-without-area]: process 'C2.1.1' has no risk area "
        "(add 'aree: [CODE]')\n"
        "\n"
        "Warnings (1)\n"
        "  measure-overdue (1)\n"
        f"    {overdue(d)}\n"
        "\n"
        "Notes (1)\n"
        "  area-unused (1)\n"
        f"    {d}/areas.yaml:9:5: info[area-unused]: risk area 'cciaa:C' holds no process\n"
        "FAILED: 1 error, 1 warning, 1 note\n"
    )
    assert result.stderr == ""


def test_quiet_prints_only_the_summary(monkeypatch):
    monkeypatch.chdir(REPO)
    result = run_cli("check", "--quiet", "tests/data/broken/several-problems")
    assert result.exit_code == 1
    assert result.stdout == "FAILED: 3 errors, 1 warning, 0 notes\n"


def test_several_problems_in_two_files_through_python_m():
    """The real entry point (``python -m riskengine``) reports all three errors of two files at once."""
    d = "tests/data/broken/several-problems"
    proc = subprocess.run([sys.executable, "-m", "riskengine", "check", d], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 1, proc.stderr
    assert problem_lines(proc.stdout) == [line.format(d=d) for line in CASES["several-problems"][1]]
    assert proc.stdout.splitlines()[-1] == "FAILED: 3 errors, 1 warning, 0 notes"


def test_warnings_only_exit_zero_through_python_m():
    d = "tests/data/broken/measure-overdue"
    proc = subprocess.run([sys.executable, "-m", "riskengine", "check", d], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-1] == "ok: 0 errors, 2 warnings, 0 notes"


# Further kinds of dangling reference, built in tmp_path from the mini catalogue.
HINT_QUALIFIED = "expected one of: 'anac:contratti', 'cciaa:B', 'cciaa:C', 'cciaa:D'"
EXTRA_DANGLING = {
    "tratta.aree": (("measures.yaml", "tratta: {processi: [D1.1.1]}", "tratta: {aree: [Z]}"), [
        # line 32 ends with "tratta: {aree: [Z]}": Z at column 284
        f"cat/measures.yaml:33:284: error[dangling-reference]: unknown area 'Z' ({HINT_QUALIFIED})",
    ]),
    "ruoli.unita": (("units.yaml", "tipo: rpct, unita: SG}", "tipo: rpct, unita: SGR}"), [
        # line 9 ends with "unita: SGR}": SGR at column 116
        "cat/units.yaml:9:116: error[dangling-reference]: unknown unit 'SGR' (did you mean 'SG'?)",
    ]),
    "aree.tassonomia": (("areas.yaml", "  - {tassonomia: cciaa, codice: D,", "  - {tassonomia: ccia, codice: D,"), [
        # the area becomes ccia:D, so process D1.1.1's "aree: [D]" (line 21) no longer resolves
        "cat/areas.yaml:10:18: error[dangling-reference]: unknown taxonomy 'ccia' (did you mean 'cciaa'?)",
        "cat/processes.yaml:21:12: error[dangling-reference]: unknown area 'D' "
        "(expected one of: 'B', 'C', 'anac:contratti', 'ccia:D', 'cciaa:B', 'cciaa:C')",
    ]),
    "tassonomia_principale": (("areas.yaml", "tassonomia_principale: cciaa\n", "tassonomia_principale: anc\n"), [
        # unqualified area references resolve in the primary taxonomy: all four processes lose theirs
        "cat/areas.yaml:1:24: error[dangling-reference]: unknown taxonomy 'anc' (did you mean 'anac'?)",
        f"cat/processes.yaml:4:12: error[dangling-reference]: unknown area 'B' ({HINT_QUALIFIED})",
        f"cat/processes.yaml:15:12: error[dangling-reference]: unknown area 'C' ({HINT_QUALIFIED})",
        f"cat/processes.yaml:21:12: error[dangling-reference]: unknown area 'D' ({HINT_QUALIFIED})",
        f"cat/processes.yaml:28:12: error[dangling-reference]: unknown area 'B' ({HINT_QUALIFIED})",
    ]),
}


@pytest.mark.parametrize("kind", sorted(EXTRA_DANGLING))
def test_more_dangling_references(kind, tmp_path, monkeypatch):
    edit, expected = EXTRA_DANGLING[kind]
    broken_copy(tmp_path, edit)
    monkeypatch.chdir(tmp_path)
    result = run_cli("check", "cat")
    assert result.exit_code == 1
    errors = [line for line in problem_lines(result.stdout) if ": error[" in line]
    assert errors == expected


REACH_THE_ANNEX = sorted(code for code, r in RULES.items() if r.severity is not Severity.ERROR)


def test_every_integrity_finding_that_reaches_the_annex_is_worded_in_both_languages():
    for lang in ("it", "en"):
        worded = {key.split(".")[1] for key in message_keys(lang) if key.startswith("integrita.")}
        assert set(REACH_THE_ANNEX) <= worded, lang
        # the errors too (check says them in both languages), the warnings found on loading, and the method's
        assert worded == set(RULES) - {"dangling-reference", "duplicate-code"} | {"look-alike-code", "da-confermare",
                                                                                 "NON-VALUTATO", "plan-date-before-year",
                                                                                 "method", "earlier-method-is-current",
                                                                                 "method-unknown-area",
                                                                                 "policy-unknown-area"}


@pytest.mark.parametrize("case", REACH_THE_ANNEX)
def test_integrity_findings_carry_their_values_and_are_translated(case, tmp_path):
    catalogs = [BROKEN / case]
    if case == "measure-without-indicator":  # the other two variants: no target, and neither
        no_target = ("measures.yaml", '    target: "10%"\n', "")
        catalogs += [broken_copy(tmp_path, no_target, name="no-target"),
                     broken_copy(tmp_path, no_target, ("measures.yaml", '    indicatore: "Affidamenti verificati"\n', ""),
                                 name="neither")]
    found = [p for c in catalogs for p in check_integrity(build_graph(load_catalog(c))) if p.code == case]
    assert found
    if case == "measure-without-indicator":
        assert {dict(p.args)["variante"] for p in found} == {"indicatore", "target", "indicatore-target"}
    italian, english = Messages("it"), Messages("en")
    for problem in found:
        finding = {"codice": problem.code, "messaggio": problem.message, "argomenti": dict(problem.args)}
        assert english.finding(finding) == problem.message  # the English annex says what `check` says
        worded = italian.finding(finding)
        assert worded != problem.message
        assert all(value in worded for name, value in problem.args  # a date is worded dd/mm/yyyy in Italian
                   if name not in ("variante", "scadenza", "stato", "tipologia")
                   and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value))
        # closed values are worded by their labels, never as slugs
        for name, value in problem.args:
            if name in ("stato", "tipologia"):
                assert italian.value(name, value) in worded and f"'{value}'" not in worded


def test_findings_without_values_are_shown_as_written():
    policy = {"codice": "MISURE-SCADUTE", "messaggio": "il processo X ha 2 misure scadute"}
    assert Messages("en").finding(policy) == policy["messaggio"]
    unknown = dict(policy, codice="nuova-regola", argomenti={"misura": "M1"})
    assert Messages("it").finding(unknown) == policy["messaggio"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_finding_that_reaches_a_result_carries_the_values_it_declares(case):
    # a result holding a finding without a declared value is refused when read (errors stop assess: never held)
    from riskengine.result.model import FINDING_ARGUMENTS

    try:
        found = check_integrity(build_graph(load_catalog(BROKEN / case)))
    except RiskengineError:  # the load-error cases
        return
    for problem in found:
        if problem.severity is not Severity.ERROR:
            assert FINDING_ARGUMENTS.get(problem.code, frozenset()) <= set(dict(problem.args)), problem
