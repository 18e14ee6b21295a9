"""The rules commands end to end: ``riskengine test``, ``check`` on a method, ``explain`` and ``assess``."""

from __future__ import annotations

import json

import pytest
from rules_helpers import ESEMPIO, PNA2019, RULES, TORINO, method_copy, run_cli, where

from riskengine.method.load import load_method
from riskengine.source.document import load_yaml

METHODS = ["pna2013", "pna2019", "cciaa-torino-2022"]


def case_count(method_dir) -> int:
    return sum(len(load_yaml(path).data.get(key, [])) for path in sorted((method_dir / "tests").glob("*.yaml"))
               for key in ("casi", "piani_monitoraggio"))


def fail_lines(stdout: str) -> list[str]:
    return [line for line in stdout.splitlines() if line.startswith("FAIL  ")]


@pytest.mark.parametrize("engine", ["durable", "interpreter"])
@pytest.mark.parametrize("name", METHODS)
def test_shipped_methods_pass_with_full_coverage(name: str, engine: str) -> None:
    rules = len(load_method(RULES / name).rule_ids())
    cases = case_count(RULES / name)
    result = run_cli("test", RULES / name, "--engine", engine)
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines() == [f"coverage: {rules}/{rules} rules exercised", f"{cases} passed, 0 failed"]


def test_shipped_rule_counts() -> None:
    # 5 band rows + residual + 12 policy rules; 9 grid cells + residual + 11; 7 band rows + residual + 12
    assert [len(load_method(RULES / name).rule_ids()) for name in METHODS] == [18, 21, 20]


def test_verbose_lists_passing_cases() -> None:
    result = run_cli("test", TORINO, "-v")
    assert "ok    nuovi indici: 9.00 → medio" in result.stdout.splitlines()
    assert len([line for line in result.stdout.splitlines() if line.startswith("ok    ")]) == case_count(TORINO)


@pytest.mark.parametrize("edits, changed", [
    # a: 9 → 8.5 and the next row from 8.51: only the 9.00 case moves (to medio-alto)
    ([("{da: 4.01, a: 9, livello: medio}", "{da: 4.01, a: 8.5, livello: medio}"),
      ("{da: 9.01, a: 15, livello: medio-alto}", "{da: 8.51, a: 15, livello: medio-alto}")],
     {"nuovi indici: 9.00 → medio": "Level: expected Medium, got Medium-high"}),
    # basso up to 3.5: the 4.00 edge and the PNA 2013 worked example (3.54) become medio
    ([("{da: 0, a: 4, livello: basso}", "{da: 0, a: 3.5, livello: basso}"),
      ("{da: 4.01, a: 9, livello: medio}", "{da: 3.51, a: 9, livello: medio}")],
     {"nuovi indici: 4.00 → basso": "Level: expected Low, got Medium",
      "PNA 2013, esempio svolto (2,5,1,5,1,3 / 1,1,0,3)": "Level: expected Low, got Medium"}),
    # old indices: medio up to 16 only
    ([("{oltre: 10, a: 17, livello: medio}", "{oltre: 10, a: 16, livello: medio}"),
      ("{oltre: 17, a: 25, livello: alto}", "{oltre: 16, a: 25, livello: alto}")],
     {"vecchi indici (D): 17.0 → medio": "Level: expected Medium, got High"}),
])
def test_changing_a_band_edge_fails_exactly_the_cases_that_changed(tmp_path, edits, changed: dict) -> None:
    method = method_copy(tmp_path, TORINO, *[("method.yaml", old, new) for old, new in edits])
    result = run_cli("test", method)
    assert result.exit_code == 1
    names = {line.split("  ")[1] for line in fail_lines(result.stdout)}
    assert names == set(changed)
    lines = result.stdout.splitlines()
    for name, mismatch in changed.items():
        header = next(i for i, line in enumerate(lines) if line.startswith(f"FAIL  {name}  ("))
        assert lines[header + 1] == f"        {mismatch}"
    assert lines[-1] == f"{case_count(TORINO) - len(changed)} passed, {len(changed)} failed"


def test_failure_shows_where_the_case_is_and_which_band_row_fired(tmp_path) -> None:
    method = method_copy(tmp_path, TORINO,
                         ("method.yaml", "{da: 4.01, a: 9, livello: medio}", "{da: 4.01, a: 8.5, livello: medio}"),
                         ("method.yaml", "{da: 9.01, a: 15, livello: medio-alto}",
                          "{da: 8.51, a: 15, livello: medio-alto}"))
    result = run_cli("test", method)
    case = where(method / "tests" / "oracoli.yaml", '{nome: "nuovi indici: 9.00')
    assert fail_lines(result.stdout) == [f"FAIL  nuovi indici: 9.00 → medio  ({case})"]
    # the step as explain shows it: the band table by its name, the level by its label, the values
    lines = result.stdout.splitlines()
    at = lines.index("        band table 'Aree A, B, C, H – nuovi indici (quattro fasce)', row 3: ≥ 8.51 and ≤ 15 = Medium-high"
                     "   [bande:nuovi-indici:3]")
    assert lines[at + 1] == "          values: Risk = 9.00"


def test_a_failure_shows_the_steps_down_worded_as_explain_words_them(tmp_path) -> None:
    # the residual's steps were printed as the engine writes them, in Italian in English ("1 gradini: altissimo →
    # alto"), and a floor reached as steps taken
    method = method_copy(tmp_path, PNA2019,
                         ("tests/residuo.yaml", "atteso: {livello: minimo, livello_residuo: minimo}",
                          "atteso: {livello: minimo, livello_residuo: basso}"))
    result = run_cli("test", method)
    assert result.exit_code == 1
    # the state named in the language, the step worded as explain words it (both were Italian)
    assert "        Planned residual: −0.5 per general measure and −1 per specific measure, rounded toward the " \
           "higher risk = 2 → 2 steps down: Minimal → Minimal (stops at the lowest level)   [residuo: gradino]" \
           in result.stdout.splitlines(), result.stdout


def test_a_deleted_case_leaves_a_policy_rule_never_fired(tmp_path) -> None:
    case = ('  - nome: "misure scadute su rischio medio: priorità alta"\n    area: D\n    rischio: 12\n'
            '    fatti: {misure_scadute: 2}\n    atteso: {livello: medio, criticita: [], priorita: 2}\n')
    method = method_copy(tmp_path, TORINO, ("tests/politiche.yaml", case, ""))
    result = run_cli("test", method)
    assert result.exit_code == 0  # nothing failed; the gap in coverage is reported
    assert result.stdout.splitlines() == [
        "coverage: 19/20 rules exercised",
        f"  never fired: priorita/scadute ({where(method / 'policies.yaml', '{codice: scadute')})",
        f"{case_count(TORINO) - 1} passed, 0 failed",
    ]


def test_deleted_cases_leave_a_band_row_never_fired(tmp_path) -> None:
    d_case = '  - {nome: "vecchi indici (D): 17.1 → alto", area: D, rischio: 17.1, atteso: {livello: alto}}\n'
    g_case = '  - {nome: "vecchi indici (G): 25 → alto", area: G, rischio: 25, atteso: {livello: alto}}\n'
    method = method_copy(tmp_path, TORINO, ("tests/oracoli.yaml", d_case, ""), ("tests/oracoli.yaml", g_case, ""))
    result = run_cli("test", method)
    assert result.stdout.splitlines()[:2] == [
        "coverage: 19/20 rules exercised",
        f"  never fired: bande:vecchi-indici:3 ({where(method / 'method.yaml', '{oltre: 17, a: 25')})",
    ]


def test_invalid_test_case_is_an_input_error(tmp_path) -> None:
    expected = "\n    atteso: {livello: medio-alto, criticita: []}"
    method = method_copy(tmp_path, TORINO, ("tests/politiche.yaml", "fatti: {misure_specifiche: 1}" + expected,
                                            "fatti: {misure_specifice: 1}" + expected))
    result = run_cli("test", method)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{where(method / 'tests' / 'politiche.yaml', 'misure_specifice')}: error[rule-test]: unknown fact "
        "'misure_specifice' (did you mean 'misure_specifiche'?)",
        "1 error",
    ]


def test_test_case_with_a_score_finer_than_the_method(tmp_path) -> None:
    # 4.005 is never a rounded score: the case is wrong, not the band table
    method = method_copy(tmp_path, TORINO, ("tests/oracoli.yaml", "area: B, rischio: 4.01, atteso",
                                            "area: B, rischio: 4.005, atteso"))
    result = run_cli("test", method)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{where(method / 'tests' / 'oracoli.yaml', '4.005')}: error[rule-test]: 4.005 is not a score of the method "
        "(scores are from 0, rounded to 2 decimals: a band table never sees this value)",
        "1 error",
    ]


def test_method_without_tests(tmp_path) -> None:
    method = method_copy(tmp_path, TORINO)
    for path in (method / "tests").glob("*.yaml"):
        path.unlink()
    result = run_cli("test", method)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == (f"{method / 'tests'}: error[rule-test]: no rule tests found "
                                             "(add tests/*.yaml with 'casi:')")


# ---- check on a method directory ---------------------------------------------------------------------

@pytest.mark.parametrize("name, counts", [
    ("pna2013", "5 band rows, 0 grid cells, 12 policy rules"),
    ("pna2019", "0 band rows, 9 grid cells, 11 policy rules"),
    ("cciaa-torino-2022", "7 band rows, 0 grid cells, 12 policy rules"),
])
def test_check_shipped_method(name: str, counts: str) -> None:
    result = run_cli("check", RULES / name)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [f"{RULES / name}: {counts}", "ok: 0 errors, 0 warnings, 0 notes"]


def test_check_broken_method_exits_1_with_file_and_line(tmp_path) -> None:
    method = method_copy(tmp_path, TORINO, ("method.yaml", "{da: 4.01, a: 9, livello: medio}",
                                            "{da: 4.02, a: 9, livello: medio}"),
                         ("policies.yaml", "misure_specifiche == 0", "misure_specifice == 0"))
    result = run_cli("check", method)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [  # no blank line first: a method has no counts line before its findings
        "Errors (2)",
        "  band-gap (1)",
        f"    {where(method / 'method.yaml', '{da: 4.02')}: error[band-gap]: band table 'nuovi-indici' has a gap: "
        "scores 4.01 to 4.01 fall in no band (start this row at 'da: 4.01' or 'oltre: 4.00')",
        "  policy-condition (1)",
        f"    {where(method / 'policies.yaml', 'misure_specifice')}: error[policy-condition]: unknown field "
        "'misure_specifice' (did you mean 'misure_specifiche'?)",
        "FAILED: 2 errors, 0 warnings, 0 notes",
    ]


def test_test_command_refuses_a_broken_method(tmp_path) -> None:
    method = method_copy(tmp_path, TORINO, ("method.yaml", "{da: 4.01, a: 9, livello: medio}",
                                            "{da: 3.99, a: 9, livello: medio}"))
    result = run_cli("test", method)
    assert result.exit_code == 1
    place = where(method / "method.yaml", "{da: 3.99")
    assert result.stderr.splitlines()[0].startswith(f"{place}: error[band-overlap]")


# ---- explain and assess on the example catalogue ------------------------------------------------------

def test_explain_shows_the_oracle_numbers_and_the_band_rule() -> None:
    result = run_cli("explain", ESEMPIO, "C1.1.2", "--lang", "it")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    for expected in [
        "  media di P1, P2, P3, P4, P5, P6 = 2,83   [dimensioni.probabilita: media]",
        "    valori: P1 = 2, P2 = 5, P3 = 1, P4 = 5, P5 = 1, P6 = 3",
        "    arrotondamento: 2,833333… → 2,83 (2 decimali, per eccesso da 0,5)",
        "  media di I1, I2, I3, I4 = 1,25   [dimensioni.impatto: media]",
        "    valori: I1 = 1, I2 = 1, I3 = 0, I4 = 3",
        "  probabilità × impatto = 3,54   [combinazione: prodotto]",
        "    valori: Probabilità = 2,83, Impatto = 1,25",  # the words, not the keys of the trace
        "Rischio inerente: 3,54 → Basso",
        "  fascia 'Aree A, B, C, H – nuovi indici (quattro fasce)', riga 1: ≥ 0 e ≤ 4 = Basso   [bande:nuovi-indici:1]",
        "    valori: Rischio = 3,54",
        "  monitoraggio/altri: Altri livelli: autovalutazione annuale a campione",
        "    quando: sempre",
    ]:
        assert expected in lines
    assert lines[0].startswith("C1.1.2 ")
    assert "motore: durable-rules" in lines[2]
    # the residual was a formula over efficacies without the inherent value it multiplies (helper walk, finding 5):
    # the scores now also as the annex's sheet writes them out, to check with a calculator
    calculation = lines[lines.index("Il calcolo, da verificare con una calcolatrice") + 1:]
    assert calculation[:3] == [
        "  P = (2 + 5 + 1 + 5 + 1 + 3) / 6 = 2,83",
        "  I = (1 + 1 + 0 + 3) / 4 = 1,25",
        "  R = P × I = 2,83 × 1,25 = 3,54 → Basso, fascia da 0 a 4 della tabella «Aree A, B, C, H – nuovi indici "
        "(quattro fasce)»"]
    assert any(line.startswith("  Residuo programmato = 3,54 × (1 − ") for line in calculation)
    assert lines[-2:] == ["Criticità del processo", "  nessuna"]


def test_explain_and_the_trace_name_an_indicator_coded_by_an_identifier_by_its_name() -> None:
    # pna2019's steps read "massimo (prudenza) di interesse_esterno, discrezionalita, …": slugs, not indicators
    from riskengine.i18n import Text
    from riskengine.report.view import TraceWords

    result = run_cli("explain", ESEMPIO.parent / "esempio-piccolo", "C1.1.1", "--lang", "it")
    assert result.exit_code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "  Livello di interesse esterno: medio (valore 2, \"Medio\") — motivazione: Le imprese hanno interesse " \
        "alla rapidità dell'iscrizione per l'avvio dell'attività" in lines
    assert ("  massimo (prudenza) di Impatto sull'immagine e reputazionale, Impatto organizzativo e sulla continuità "
            "del servizio, Impatto economico e in termini di contenzioso = 2   [dimensioni.impatto: max]") in lines
    assert ("    valori: Impatto sull'immagine e reputazionale = 2, Impatto organizzativo e sulla continuità del "
            "servizio = 2, Impatto economico e in termini di contenzioso = 1") in lines
    assert "interesse_esterno" not in result.stdout.split("Regole di politica applicate")[0]
    # the annex's trace table words its rows alike; a short code (P1) stays the code the method's tables use
    step = {"passo": "probabilita", "regola": "dimensioni.probabilita: max", "risultato": "3",
            "descrizione": "massimo (prudenza) di interesse_esterno, P1", "valori": {"interesse_esterno": "3", "P1": "2"}}
    words = TraceWords({"livelli": [], "indicatori": [{"codice": "interesse_esterno", "nome": "Interesse esterno"},
                                                      {"codice": "P1", "nome": "Discrezionalità"}]}, Text("it"))
    assert words.row(step) == ("massimo (prudenza) di Interesse esterno, P1", "3", "Interesse esterno = 3, P1 = 2")


def test_explain_lists_a_process_s_findings_with_their_severity_and_message(tmp_path) -> None:
    # explain showed a policy's consequence as "criticità RISCHIO-SENZA-MISURA-SPECIFICA" and nothing else of the
    # finding; then only the policies' findings, not those of the assessment rules check lists for the process
    import shutil

    from riskengine import api

    catalogue = tmp_path / "mini"
    shutil.copytree(ESEMPIO.parent.parent / "tests" / "data" / "mini", catalogue)
    policy = run_cli("explain", catalogue, "B2.2.1", "--rules", RULES, "--lang", "it")
    assert policy.stdout.splitlines()[-2:] == [
        "Criticità del processo", "  RISCHIO-SENZA-MISURA-SPECIFICA (errore): Rischio alto senza alcuna misura specifica"]
    api.new_year(catalogue, from_year=2026, to_year=2027)  # every answer of the draft to be confirmed
    checked = run_cli("check", catalogue, "--rules", RULES)
    assert "warning[da-confermare]: the answers of C2.1.1" in checked.stdout
    draft = run_cli("explain", catalogue, "C2.1.1", "--year", "2027", "--rules", RULES)
    findings = draft.stdout.splitlines()[draft.stdout.splitlines().index("Findings of the process") + 1:]
    assert [line.split(":")[0] for line in findings] == ["  da-confermare (warning)"]


def test_explain_unknown_process_suggests() -> None:
    result = run_cli("explain", ESEMPIO, "C1.1.22")
    assert result.exit_code == 1
    # at the catalogue's file of processes, as every other unknown code
    assert result.stderr.splitlines()[0] == (f"{ESEMPIO}/processes.yaml: error[load]: unknown process 'C1.1.22' "
                                             "(did you mean 'C1.1.2'?)")


def test_assess_twice_is_byte_identical_and_the_interpreter_agrees(tmp_path) -> None:
    outputs = {}
    for name, engine in (("a", "durable"), ("b", "durable"), ("c", "interpreter")):
        result = run_cli("assess", ESEMPIO, "--out", tmp_path / name, "--format", "json", "--engine", engine, "-q")
        assert result.exit_code == 0, result.stderr
        assert sorted(p.name for p in (tmp_path / name).iterdir()) == [".riskengine-manifest.json", "risultato.json"]
        outputs[name] = (tmp_path / name / "risultato.json").read_bytes()
    assert outputs["a"] == outputs["b"]
    durable, interpreter = json.loads(outputs["a"]), json.loads(outputs["c"])
    assert (durable.pop("motore"), interpreter.pop("motore")) == ("durable-rules", "interpreter")
    assert durable == interpreter
    process = next(p for p in durable["processi"] if p["codice"] == "C1.1.2")
    assert (process["probabilita"], process["impatto"], process["inerente"]["rischio"]) == ("2.83", "1.25", "3.54")
    assert process["inerente"]["livello"] == "basso" and process["tabella_bande"] == "nuovi-indici"
    assert durable["digest"]["regole"] == load_method(TORINO).digests


def test_strict_coverage_fails_when_a_rule_never_fired(tmp_path) -> None:
    d = method_copy(tmp_path, TORINO, ("tests/oracoli.yaml", '  - {nome: "vecchi indici (G): 25 → alto", area: G, rischio: 25, atteso: {livello: alto}}\n', ""),
                    ("tests/oracoli.yaml", '  - {nome: "vecchi indici (D): 17.1 → alto", area: D, rischio: 17.1, atteso: {livello: alto}}\n', ""))
    assert run_cli("test", d).exit_code == 0
    strict = run_cli("test", d, "--strict")
    assert strict.exit_code == 1
    assert "never fired: bande:vecchi-indici:3" in strict.stdout


def test_expected_level_must_exist(tmp_path) -> None:
    d = method_copy(tmp_path, TORINO, ("tests/oracoli.yaml", "area: D, rischio: 10.0, atteso: {livello: basso}",
                                       "area: D, rischio: 10.0, atteso: {livello: bassa}"))
    result = run_cli("test", d)
    assert result.exit_code == 1
    assert "unknown risk level 'bassa' (did you mean 'basso'?)" in result.stderr


@pytest.mark.parametrize("raw", [".nan", "1.0e+400", "-.inf"])
def test_fact_that_is_not_a_finite_number_is_a_located_error(tmp_path, raw: str) -> None:
    # issue 11, F9: YAML reads these as float NaN and infinity; the engine cannot compare them
    import subprocess
    import sys

    expected = "\n    atteso: {livello: medio-alto, criticita: []}"
    method = method_copy(tmp_path, TORINO, ("tests/politiche.yaml", "fatti: {misure_specifiche: 1}" + expected,
                                            f"fatti: {{misure_specifiche: {raw}}}" + expected))
    result = subprocess.run([sys.executable, "-m", "riskengine", "test", str(method)], capture_output=True,
                            text=True, timeout=300, check=False)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert lines[-1] == "1 error"
    # .nan and .inf are not finite; 1.0e+400 is read exactly, and is beyond the numbers the engine compares
    assert lines[0].startswith(f"{where(method / 'tests' / 'politiche.yaml', raw)}: error[rule-test]: "
                               "fact 'misure_specifiche': ")

