"""A template's failure is worded in the user's language: Jinja's (and Python's) English causes, the common ones."""

from __future__ import annotations

import jinja2
import pytest

from riskengine.errors import Location
from riskengine.i18n import Text, said
from riskengine.report.template_causes import template_cause


def _failure(source: str) -> BaseException:
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    try:
        env.from_string(source).render(vuoto={}, pieno={"a": 1})
    except Exception as exc:  # the exception is the test's subject
        return exc
    raise AssertionError("the template rendered")


def _worded(exc: BaseException, lang: str) -> str:
    problem = said(Location("modello.html.j2", 1), "problemi.modello.errore_riga", code="template",
                   nome="modello.html.j2", riga=1, errore=type(exc).__name__, **template_cause(exc))
    return Text(lang).message(problem)


@pytest.mark.parametrize("source, italian, english", [
    ("{{ x | nonesiste }}", "il filtro 'nonesiste' non esiste", "no filter named 'nonesiste'"),
    ("{{ x is nonsense }}", "il test 'nonsense' non esiste", "no test named 'nonsense'"),
    ("{% endif %}", "l'istruzione 'endif' non esiste o non è al suo posto",
     "unknown or misplaced tag 'endif'"),
    ("{% if x %}", "il modello finisce prima che il blocco 'if' sia chiuso",
     "the template ends before the block 'if' is closed"),
    ("{{ (1 }}", "trovato '}' dove era atteso ')'", "found '}' where ')' was expected"),
    ("{% if %}", "attesa un'espressione, trovato '%}'", "expected an expression, found '%}'"),
    ("{{ 1 +* 2 }}", "'*' inatteso", "unexpected '*'"),
    ("{{ nessuno }}", "'nessuno' non è definito", "'nessuno' is undefined"),
    ("{{ vuoto.campo }}", "'dict object' non ha l'attributo 'campo'", "'dict object' has no attribute 'campo'"),
    ("{{ 1 / 0 }}", "divisione per zero", "division by zero"),
    ("{{ 1 // 0 }}", "divisione per zero", "division by zero"),
    ("{% for p in x %}{% endif %}", "l'istruzione 'endif' non è attesa qui: va prima chiuso il blocco 'for'",
     "tag 'endif' not expected here: the block 'for' must be closed first"),
    ("{% if x %}{% foo %}{% endif %}", "l'istruzione 'foo' non è attesa qui: va prima chiuso il blocco 'if'",
     "tag 'foo' not expected here: the block 'if' must be closed first"),
    ("{% if pieno %}{{ x | nonesiste }}{% endif %}", "il filtro 'nonesiste' non esiste",
     "no filter named 'nonesiste'"),
    ("{{ x", "il modello finisce dove era atteso '}}'", "the template ends where '}}' was expected"),
])
def test_common_causes_are_worded_in_each_language(source, italian, english):
    exc = _failure(source)
    assert template_cause(exc)["causa_chiave"].startswith("problemi.modello.causa.")
    assert italian in _worded(exc, "it")
    assert english in _worded(exc, "en")
    assert type(exc).__name__ in _worded(exc, "it")  # the exception's class stays: it is what a search finds


@pytest.mark.parametrize("source", [
    "{{ [] | first + 1 }}",  # uncommon: Jinja's words
    "{{ x is 1 }}",  # quotes kinds of token ('integer' where a 'name' was expected), not what was written
    "{{ 0 ** -1 }}",  # a ZeroDivisionError that is not a division
])
def test_another_cause_keeps_its_own_text(source):
    exc = _failure(source)
    assert template_cause(exc) == {"causa": exc.message if hasattr(exc, "message") else str(exc)}
    assert template_cause(exc)["causa"] in _worded(exc, "it")


def test_riskengine_s_own_limits_are_worded_in_each_language_with_grouped_numbers():
    from riskengine.report.sandbox import RenderTimeoutError, TemplateLimitError

    repetition = TemplateLimitError("ripetizione", elementi=1, volte=10**10, limite_caratteri=33554432)
    assert "una ripetizione di 1 × 10.000.000.000, oltre il limite di 33.554.432" in _worded(repetition, "it")
    assert "a repetition of 1 × 10,000,000,000, above the limit of 33,554,432" in _worded(repetition, "en")
    assert str(repetition) == "a repetition of 1 × 10,000,000,000, above the limit of 33,554,432"  # logs: English
    assert "la resa ha superato il tempo massimo (RISKENGINE_TEMPLATE_SECONDS)" in _worded(RenderTimeoutError(), "it")
    assert "rendering took longer than the time limit" in _worded(RenderTimeoutError(), "en")


@pytest.mark.parametrize("source, italian, english", [
    ("{{ vuoto.__class__ }}", "un modello non può leggere l'attributo '__class__' di 'dict'",
     "access to attribute '__class__' of 'dict' object is unsafe"),
    ("{% for i in range(10**8) %}{% endfor %}", "un range di oltre 100.000 elementi",
     "range too big: the sandbox blocks ranges larger than 100,000"),
])
def test_the_sandbox_s_refusals_are_worded_in_each_language(source, italian, english):
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    env = ImmutableSandboxedEnvironment(undefined=jinja2.StrictUndefined)
    with pytest.raises(Exception) as info:  # noqa: PT011 - the failure is the test's subject
        env.from_string(source).render(vuoto={})
    assert italian in _worded(info.value, "it")
    assert english in _worded(info.value, "en")


def test_a_limit_error_survives_pickling_as_a_worker_s_failure_would():
    import pickle

    from riskengine.report.sandbox import RenderTimeoutError, TemplateLimitError

    for error in (TemplateLimitError("stima", operazione="join", limite_caratteri=1024), RenderTimeoutError()):
        again = pickle.loads(pickle.dumps(error))
        assert (type(again), again.key, again.values, str(again)) == (type(error), error.key, error.values, str(error))


def test_a_repetition_too_long_to_write_is_still_refused_in_one_line(assessed, tmp_path):
    from riskengine.errors import RiskengineError
    from riskengine.report import write_annex

    huge = "*".join(["(2**2000)"] * 8)  # over 4,300 digits: Python refuses to write it
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "nota_tecnica.html.j2").write_text(f"<p>\n{{{{ 'a' * ({huge}) }}}}</p>\n", encoding="utf-8")
    with pytest.raises(RiskengineError, match=r"line 2: TemplateLimitError: a repetition of 1 × > 2\^64"):
        write_annex(assessed("mini"), tmp_path / "out", formats=("html",), templates=templates)


def test_a_quoted_name_is_never_reworded():
    exc = _failure("{{ vuoto['2024-01-01'] }}")
    assert "'2024-01-01'" in _worded(exc, "it")


def test_a_place_known_to_the_line_only_names_no_column():
    # Jinja knows a template error's line, not its column: the line reads "modello.html.j2:3: error…", not ":3:0".
    assert str(Location("modello.html.j2", 3)) == "modello.html.j2:3"
    assert str(Location("processes.yaml", 3, 7)) == "processes.yaml:3:7"
    assert str(Location("--format")) == "--format"
    problem = said(Location("modello.html.j2", 3), "problemi.modello.errore_riga", code="template",
                   nome="modello.html.j2", riga=3, errore="TemplateSyntaxError", causa="x")
    assert Text("it").problem(problem).startswith("modello.html.j2:3: error[template]: ")
