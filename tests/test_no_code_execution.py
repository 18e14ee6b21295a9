"""Rules are data: nothing in a rule, test, assessment or catalogue file is ever executed.

Every payload below would create a sentinel file if it were executed (by a YAML constructor, by
``eval``, by ``str.format`` attribute access or by a template engine). Each is refused at load time
with its location, or, for message text, rendered literally; the sentinel never appears.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rules_helpers import ESEMPIO, REPO, TORINO, formatted, load_problems, method_copy, run_cli, where

from riskengine.catalog import load_catalog
from riskengine.errors import RiskengineError
from riskengine.method.load import load_method
from riskengine.pipeline import assess


@pytest.fixture
def sentinel(tmp_path) -> Path:
    path = tmp_path / "PWNED"
    yield path
    assert not path.exists(), "a payload was executed"


def _tag_error(path: Path, needle: str, tag: str) -> str:
    return (f"{where(path, needle)}: error[load]: YAML tag 'tag:yaml.org,2002:{tag}' is not allowed "
            "(rule and catalogue files hold plain data only: remove the '!' tag)")


# ---- YAML tags ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("file, old, template, tag", [
    ("method.yaml", 'versione: "2022.1"', "versione: !!python/object/apply:os.system ['touch {s}']",
     "python/object/apply:os.system"),
    ("method.yaml", 'versione: "2022.1"', "versione: !!python/object/new:os.system ['touch {s}']",
     "python/object/new:os.system"),
    ("policies.yaml", 'quando: "residuo_senza_misure"', "quando: !!python/name:os.system",
     "python/name:os.system"),
    ("policies.yaml", 'quando: "residuo_senza_misure"',
     "quando: !!python/object/apply:subprocess.check_output [['touch', '{s}']]",
     "python/object/apply:subprocess.check_output"),
])
def test_python_tags_in_rule_files_are_refused(tmp_path, sentinel, file: str, old: str, template: str,
                                               tag: str) -> None:
    method = method_copy(tmp_path, TORINO, (file, old, template.format(s=sentinel)))
    problems = formatted(load_problems(method))
    assert problems == [_tag_error(method / file, "!!python", tag)]


def test_python_tag_in_a_rule_test_file_is_refused(tmp_path, sentinel) -> None:
    method = method_copy(tmp_path, TORINO, ("tests/politiche.yaml", "fatti: {misure_scadute: 1}",
                                            f"fatti: !!python/object/apply:os.system ['touch {sentinel}']"))
    result = run_cli("test", method)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[0] == _tag_error(method / "tests" / "politiche.yaml", "!!python",
                                                       "python/object/apply:os.system")


def test_python_tag_in_an_assessment_is_refused(tmp_path, sentinel) -> None:
    catalog = method_copy(tmp_path, ESEMPIO, ("assessment-2026.yaml", "anno: 2026",
                                              f"anno: !!python/object/apply:os.system ['touch {sentinel}']"))
    with pytest.raises(RiskengineError) as info:
        assess(catalog, rules_dir=TORINO.parent)
    assert [p.format() for p in info.value.problems] == [
        _tag_error(catalog / "assessment-2026.yaml", "!!python", "python/object/apply:os.system")]


def test_python_tag_in_a_catalogue_is_refused(tmp_path, sentinel) -> None:
    catalog = method_copy(tmp_path, ESEMPIO, (
        "processes.yaml", 'nome: "Procedure abilitative per attività regolamentate (SCIA e verifica dei requisiti)"',
        f"nome: !!python/object/apply:os.system ['touch {sentinel}']"))
    with pytest.raises(RiskengineError) as info:
        load_catalog(catalog)
    assert _tag_error(catalog / "processes.yaml", "!!python", "python/object/apply:os.system") in \
        [p.format() for p in info.value.problems]
    result = run_cli("check", catalog)
    assert result.exit_code == 1


def test_custom_local_tag_is_refused(tmp_path, sentinel) -> None:
    method = method_copy(tmp_path, TORINO, ("policies.yaml", 'quando: "residuo_senza_misure"', "quando: !exec 'x'"))
    assert formatted(load_problems(method)) == [
        f"{where(method / 'policies.yaml', '!exec')}: error[load]: YAML tag '!exec' is not allowed "
        "(rule and catalogue files hold plain data only: remove the '!' tag)"]


# ---- code-looking conditions ----------------------------------------------------------------------------

@pytest.mark.parametrize("condition, needle, message", [
    # the first character the language does not know is refused (the whole text is tokenized first)
    ('__import__("os").system("touch SENTINEL")', ".system(", "unexpected character '.'"),
    ('codice == "x" or __import__', "__import__", "unknown field '__import__'"),
    ('codice == "x" or __import__("os").system("touch SENTINEL")', ".system(", "unexpected character '.'"),
    ('eval("open(SENTINEL)")', "eval", "unknown field 'eval'"),
    ('exec("import os") and misure > 0', "exec", "unknown field 'exec'"),
    ('{{ cycler.__init__.__globals__.os.system("touch SENTINEL") }}', "{{ cycler", "unexpected character '{'"),
    ('livello == "alto" and {{ 7*7 }}', "{{ 7*7", "unexpected character '{'"),
    ('codice.__class__ == "x"', ".__class__", "unexpected character '.'"),
    ('codice == "x"; import os', '; import', "unexpected character ';'"),
    ("lambda: 1", ": 1'", "unexpected character ':'"),
    ('codice == "x" or True', "True", "unknown field 'True'"),
    ('misure > 1 or os.system("touch SENTINEL")', ".system", "unexpected character '.'"),
])
def test_code_in_a_condition_is_refused_at_its_place(tmp_path, sentinel, condition: str, needle: str,
                                                     message: str) -> None:
    text = condition.replace("SENTINEL", str(sentinel))
    method = method_copy(tmp_path, TORINO, ("policies.yaml", 'quando: "residuo_senza_misure"', f"quando: '{text}'"))
    problems = load_problems(method)
    assert [(p.code, p.message) for p in problems] == [("policy-condition", message)]
    assert str(problems[0].location) == where(method / "policies.yaml", needle)


def test_durable_rules_json_cannot_be_smuggled_in_a_text_literal(tmp_path) -> None:
    # a text literal stays a value: it is compared, never interpreted as an engine operator
    method = method_copy(tmp_path, TORINO, ("policies.yaml", 'quando: "residuo_senza_misure"',
                                            "quando: 'codice == \"$ex\" or area == \"{$and: [], $or: 1}\"'"))
    loaded = load_method(method)
    rule = next(r for t in loaded.tables for r in t.rules if r.code == "residuo-senza-misure")
    assert {c.value for c in rule.condition.items} == {"$ex", "{$and: [], $or: 1}"}


# ---- messages -------------------------------------------------------------------------------------------

def test_attribute_placeholder_in_a_message_is_refused(tmp_path, sentinel) -> None:
    method = method_copy(tmp_path, TORINO, ("policies.yaml", '"Rischio {livello} senza', '"Rischio {__class__} senza'))
    place = where(method / "policies.yaml", '{__class__}')
    assert formatted(load_problems(method)) == [
        f"{place}: error[policy]: unknown placeholder '{{__class__}}' in the message (did you mean 'classe_area'?)"]


PAYLOAD = ("{codice} {codice.__class__.__mro__} {0} {{codice}} {{ 7*7 }} %(codice)s ${codice} "
           "__import__('os').system('touch SENTINEL') !!python/name:os.system")


def _with_message(rules: Path, message: str) -> Path:
    rule = ("      - codice: sempre-presente\n"
            "        descrizione: \"messaggio con testo che somiglia a codice\"\n"
            "        quando: \"sempre\"\n"
            "        allora:\n"
            "          - criticita:\n"
            "              codice: PROVA\n"
            "              gravita: info\n"
            "              messaggio: |-\n"
            f"                {message}\n"
            "          - criticita: {codice: NOME, gravita: info, messaggio: \"{nome}\"}\n")
    return method_copy(rules, TORINO, ("policies.yaml", "  - codice: monitoraggio\n",
                                       rule + "  - codice: monitoraggio\n"))


def test_a_brace_that_opens_no_field_name_is_refused_when_the_method_loads(tmp_path, sentinel) -> None:
    # {codice.__class__.__mro__}, {0}, {{ 7*7 }} were printed as written in every finding: refused at the message
    payload = PAYLOAD.replace("SENTINEL", str(sentinel))
    with pytest.raises(RiskengineError) as refused:
        load_method(_with_message(tmp_path / "rules", payload))
    (problem,) = refused.value.problems
    assert problem.code == "policy" and problem.message == (
        "in the message «{codice.__class__.__mro__}» is a format field: only a field's name is written here")
    assert not sentinel.exists()


def test_message_text_is_rendered_literally(tmp_path, sentinel) -> None:
    rules = tmp_path / "rules"
    payload = ("{codice} %(codice)s ${codice} {{codice}} {{ 7*7 }} {art. 36} __import__('os').system('touch SENTINEL') "
               "!!python/name:os.system")
    payload = payload.replace("SENTINEL", str(sentinel))
    _with_message(rules, payload)
    catalog = method_copy(tmp_path, ESEMPIO, (
        "processes.yaml", 'nome: "Procedure abilitative per attività regolamentate (SCIA e verifica dei requisiti)"',
        "nome: \"SCIA {codice} {__class__} {{ 7*7 }} {0.__globals__}\""))
    result = assess(catalog, rules_dir=rules)
    process = next(p for p in result["processi"] if p["codice"] == "C1.1.2")
    messages = {f["codice"]: f["messaggio"] for f in process["criticita"]}
    # only {name} of a known field is replaced, once; everything else stays as written
    assert messages["PROVA"] == payload.replace("{codice} ", "C1.1.2 ", 1).replace("${codice}", "$C1.1.2") \
        .replace("{{codice}}", "{C1.1.2}")
    assert messages["NOME"] == "SCIA {codice} {__class__} {{ 7*7 }} {0.__globals__}"  # the name is not re-expanded
    assert not sentinel.exists()


# ---- the code itself ------------------------------------------------------------------------------------

def test_no_dynamic_code_paths_in_loading_and_evaluation() -> None:
    """The rules layer, the engine adapter and YAML loading contain no eval/exec/unsafe YAML/str.format on data."""
    forbidden = re.compile(r"\beval\(|\bexec\(|yaml\.load\(|unsafe_load|FullLoader|UnsafeLoader|\bpickle\b|"
                           r"__import__|os\.system|subprocess|\.format\(|format_map|from_string|Template\(")
    package = REPO / "src" / "riskengine"
    sources = [path for stage in ("source", "method", "answers", "evaluate", "engine")
               for path in sorted((package / stage).glob("*.py"))] + \
        [package / name for name in ("pipeline.py", "rule_tests.py", "report/explanation.py")]
    hits = [f"{path.name}:{n}: {line.strip()}" for path in sources
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1) if forbidden.search(line)]
    assert hits == []
