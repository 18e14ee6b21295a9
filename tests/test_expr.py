"""The condition language of policies: one test per primitive, typed errors with exact offsets,
negation normal form, and a property test of render → parse round trips."""

from __future__ import annotations

import itertools
import operator
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskengine.engine.interpret import condition_steps, holds
from riskengine.method import expr
from riskengine.method.compile import encode_fact
from riskengine.method.expr import (
    AllOf,
    Always,
    AnyOf,
    Cmp,
    ExprError,
    parse_condition,
    render,
)

LEVELS = ("basso", "medio", "medio-alto", "alto")
SCHEMA: dict[str, expr.FieldType] = {
    "misure": expr.NUMBER,
    "rischio": expr.NUMBER,
    "area": expr.TEXT,
    "unita": expr.TEXT,
    "motivazione": expr.BOOL,
    "rivalutato": expr.BOOL,
    "livello": expr.ordinal("a risk level (basso < medio < medio-alto < alto)", LEVELS),
}
DEFAULTS = {"misure": Decimal(0), "rischio": Decimal(0), "area": "", "unita": "", "motivazione": False,
            "rivalutato": False, "livello": "basso"}
OPS = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}


def fact(**values) -> dict:
    """An encoded fact over SCHEMA (unspecified fields take their defaults)."""
    return encode_fact(SCHEMA, {**DEFAULTS, **values}, "processo", "f")


def check(text: str, **values) -> bool:
    return holds(parse_condition(text, SCHEMA), fact(**values))


def error_of(text: str) -> ExprError:
    with pytest.raises(ExprError) as info:
        parse_condition(text, SCHEMA)
    return info.value


# ---- comparisons, one primitive at a time --------------------------------------------------------

@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("value", ["1", "2", "2.5", "3"])
def test_number_comparison(op: str, value: str) -> None:
    cond = parse_condition(f"misure {op} 2.5", SCHEMA)
    assert cond == Cmp("misure", op, Decimal("2.5"), "2.5", "number")
    assert holds(cond, fact(misure=Decimal(value))) is OPS[op](Decimal(value), Decimal("2.5"))


def test_number_literals_negative_and_decimal() -> None:
    assert check("rischio > -1", rischio=Decimal(0))
    assert not check("rischio > -1", rischio=Decimal("-1"))
    assert check("rischio >= 4.005", rischio=Decimal("4.005"))
    assert not check("rischio >= 4.005", rischio=Decimal("4.004999"))
    assert check("rischio == 4", rischio=Decimal("4.000"))  # 4 and 4.000 are the same number


@pytest.mark.parametrize("op", list(OPS))
@pytest.mark.parametrize("actual", LEVELS)
def test_ordinal_comparison_follows_the_level_order(op: str, actual: str) -> None:
    cond = parse_condition(f'livello {op} "medio"', SCHEMA)
    assert cond == Cmp("livello", op, 1, '"medio"', "ordinal")  # the rank of 'medio', lowest first
    assert holds(cond, fact(livello=actual)) is OPS[op](LEVELS.index(actual), LEVELS.index("medio"))


def test_ordinal_order_is_not_alphabetical() -> None:
    # alphabetically "alto" < "basso"; as levels alto is the highest
    assert check('livello > "basso"', livello="alto")
    assert not check('livello < "medio-alto"', livello="alto")
    assert check('livello >= "medio-alto"', livello="medio-alto")


@pytest.mark.parametrize("op", ["==", "!="])
@pytest.mark.parametrize("actual", ["B", "b", "", "B "])
def test_text_equality_is_exact(op: str, actual: str) -> None:
    assert check(f'area {op} "B"', area=actual) is OPS[op](actual, "B")


def test_text_single_quotes() -> None:
    assert parse_condition("area == 'B'", SCHEMA) == parse_condition('area == "B"', SCHEMA)
    assert check("area == 'say \"hi\"'", area='say "hi"')


@pytest.mark.parametrize("text, expected", [
    ("motivazione", [False, True]),
    ("not motivazione", [True, False]),
    ("motivazione == true", [False, True]),
    ("motivazione == false", [True, False]),
    ("motivazione != false", [False, True]),
    ("motivazione != true", [True, False]),
    ("not not motivazione", [False, True]),
])
def test_bool_forms(text: str, expected: list[bool]) -> None:
    assert [check(text, motivazione=v) for v in (False, True)] == expected


def test_bare_bool_field_is_true_comparison() -> None:
    assert parse_condition("motivazione", SCHEMA) == Cmp("motivazione", "==", True, "true", "bool")
    assert parse_condition("not motivazione", SCHEMA) == Cmp("motivazione", "!=", True, "true", "bool")


@pytest.mark.parametrize("actual, inside", [("B", True), ("D", True), ("C", False), ("", False)])
def test_text_in_and_not_in(actual: str, inside: bool) -> None:
    assert check('area in ["B", "D"]', area=actual) is inside
    assert check('area not in ["B", "D"]', area=actual) is (not inside)
    assert check('not area in ["B", "D"]', area=actual) is (not inside)


def test_in_is_a_disjunction_and_not_in_a_conjunction() -> None:
    assert parse_condition('area in ["B", "D"]', SCHEMA) == AnyOf((
        Cmp("area", "==", "B", '"B"', "text"), Cmp("area", "==", "D", '"D"', "text")))
    assert parse_condition('area not in ["B", "D"]', SCHEMA) == AllOf((
        Cmp("area", "!=", "B", '"B"', "text"), Cmp("area", "!=", "D", '"D"', "text")))


@pytest.mark.parametrize("actual", LEVELS)
def test_ordinal_in(actual: str) -> None:
    assert check('livello in ["alto", "medio-alto"]', livello=actual) is (actual in ("alto", "medio-alto"))
    assert check('livello not in ["alto", "medio-alto"]', livello=actual) is (actual not in ("alto", "medio-alto"))


@pytest.mark.parametrize("n", [0, 1, 2, 3])
def test_number_in(n: int) -> None:
    assert check("misure in [1, 3]", misure=Decimal(n)) is (n in (1, 3))


def test_true_false_and_sempre() -> None:
    assert parse_condition("true", SCHEMA) == AllOf(())
    assert parse_condition("false", SCHEMA) == AnyOf(())
    assert parse_condition("sempre", SCHEMA) == Always()
    assert parse_condition("  Sempre ", SCHEMA) == Always()
    assert check("true") and not check("false") and check("sempre")
    assert check("not false") and not check("not true")


def test_and_binds_tighter_than_or() -> None:
    cond = parse_condition('area == "A" or area == "B" and misure > 1', SCHEMA)
    assert cond == AnyOf((Cmp("area", "==", "A", '"A"', "text"),
                          AllOf((Cmp("area", "==", "B", '"B"', "text"),
                                 Cmp("misure", ">", Decimal(1), "1", "number")))))
    assert check('area == "A" or area == "B" and misure > 1', area="A", misure=Decimal(0))
    assert not check('(area == "A" or area == "B") and misure > 1', area="A", misure=Decimal(0))


def test_keywords_are_case_sensitive_names() -> None:
    err = error_of("misure > 1 AND misure < 3")
    assert (err.offset, err.message) == (11, "unexpected 'AND'")


# ---- not pushed down (De Morgan): the tree stays in negation normal form ---------------------------

A = 'area == "B"'
B = "misure > 2"
C = 'livello >= "medio-alto"'


def _atoms(area: bool, misure: bool, livello: bool) -> dict:
    return {"area": "B" if area else "X", "misure": Decimal(3 if misure else 1),
            "livello": "alto" if livello else "medio"}


NEGATIONS = [
    (f"not ({A} and {B})", lambda a, b, c: not (a and b)),
    (f"not ({A} or {B})", lambda a, b, c: not (a or b)),
    (f"not ({A} and ({B} or {C}))", lambda a, b, c: not (a and (b or c))),
    (f"not (not {A} or not ({B} and {C}))", lambda a, b, c: a and b and c),
    (f"not {A} and not {B} or {C}", lambda a, b, c: (not a and not b) or c),
    (f"not ({A} or {B}) or not {C}", lambda a, b, c: not (a or b) or not c),
    (f"not not ({A} and {B})", lambda a, b, c: a and b),
]


def _nodes(cond):
    yield cond
    if isinstance(cond, (AllOf, AnyOf)):
        for item in cond.items:
            yield from _nodes(item)


@pytest.mark.parametrize("text, truth", NEGATIONS)
def test_not_is_pushed_down_and_agrees_with_the_truth_table(text: str, truth) -> None:
    cond = parse_condition(text, SCHEMA)
    assert all(isinstance(node, (AllOf, AnyOf, Cmp)) for node in _nodes(cond))
    for a, b, c in itertools.product([False, True], repeat=3):
        assert holds(cond, fact(**_atoms(a, b, c))) is truth(a, b, c), (text, a, b, c)


def test_de_morgan_shapes() -> None:
    assert parse_condition(f"not ({A} and {B})", SCHEMA) == AnyOf((
        Cmp("area", "!=", "B", '"B"', "text"), Cmp("misure", "<=", Decimal(2), "2", "number")))
    assert parse_condition(f"not ({A} or {C})", SCHEMA) == AllOf((
        Cmp("area", "!=", "B", '"B"', "text"), Cmp("livello", "<", 2, '"medio-alto"', "ordinal")))
    assert expr.negate(AllOf(())) == AnyOf(()) and expr.negate(AnyOf(())) == AllOf(())
    assert expr.negate(Always()) == AnyOf(())


@pytest.mark.parametrize("op, negated", [
    ("==", "!="), ("!=", "=="), ("<", ">="), (">=", "<"), (">", "<="), ("<=", ">")])
def test_negated_comparison_operator(op: str, negated: str) -> None:
    assert parse_condition(f"not misure {op} 2", SCHEMA) == Cmp("misure", negated, Decimal(2), "2", "number")


def test_explain_lists_each_comparison_with_the_actual_value() -> None:
    cond = parse_condition('livello >= "medio-alto" and misure == 0 and area in ["B"]', SCHEMA)
    lines = condition_steps(cond, fact(livello="alto", misure=Decimal(0), area="C"), SCHEMA)
    assert lines == [
        {"condizione": 'livello >= "medio-alto"', "valore": '"alto"', "esito": True},
        {"condizione": "misure == 0", "valore": "0", "esito": True},
        {"condizione": 'area == "B"', "valore": '"C"', "esito": False},
    ]


def test_fields_of() -> None:
    cond = parse_condition('(misure > 1 or area == "B") and not motivazione', SCHEMA)
    assert expr.fields_of(cond) == {"misure", "area", "motivazione"}
    assert expr.fields_of(Always()) == set()


# ---- errors, with the exact character offset ----------------------------------------------------------

@pytest.mark.parametrize("text, offset, message, hint", [
    ('livelo == "alto"', 0, "unknown field 'livelo'", "did you mean 'livello'?"),
    ('misure > 1 and livelo == "alto"', 15, "unknown field 'livelo'", "did you mean 'livello'?"),
    ("livello > 3", 10, "'livello' is a risk level (basso < medio < medio-alto < alto), not a number: "
                        "cannot compare it with 3",
     'compare with one of: "basso", "medio", "medio-alto", "alto"'),
    ('livello == "medo"', 12, "'medo' is not a risk level (basso < medio < medio-alto < alto)",
     "did you mean 'medio'?"),
    ('misure > 0 and livello in ["alto", "medo"]', 36, "'medo' is not a risk level (basso < medio < medio-alto < alto)",
     "did you mean 'medio'?"),
    ("misure = 3", 7, "'=' is not a comparison", "write '==' to compare"),
    ("misure => 3", 7, "'=' is not a comparison", "write '>=': the = sign comes second"),  # was: write '=='
    ("misure =< 3", 7, "'=' is not a comparison", "write '<=': the = sign comes second"),
    ("misure = > 3", 7, "'=' is not a comparison", "write '==' to compare"),
    ('area => "B"', 5, "'=' is not a comparison", "write '==' to compare"),  # text: only equal or not
    ('area < "B"', 5, "'area' is text: it cannot be compared with '<'", "use == or != (or 'in [...]')"),
    ('area >= "B"', 5, "'area' is text: it cannot be compared with '>='", "use == or != (or 'in [...]')"),
    ("motivazione > true", 12, "'motivazione' is true or false: it cannot be compared with '>'",
     "use == or != (or 'in [...]')"),
    ('(livello == "alto"', 18, "expected ')', found the end of the condition",
     "add ')' to close the parenthesis opened before 'livello == \"alto\"'"),  # was: no hint
    ('((misure > 1) or area == "B"', 28, "expected ')', found the end of the condition",
     "add ')' to close the parenthesis opened before '(misure > 1) or area == \"B\"'"),
    ('misure > 1 and (livello == "alto" or area == "B" and misure > 3', 63,
     "expected ')', found the end of the condition",
     "add ')' to close the parenthesis opened before 'livello == \"alto\" or area == \"…'"),
    ('livello == "alto")', 17, "unexpected ')'", "join conditions with 'and' or 'or'"),
    ("misure > 1 misure", 11, "unexpected 'misure'", "join conditions with 'and' or 'or'"),
    ('misure > 1 "x"', 11, "unexpected '\"x\"'", "join conditions with 'and' or 'or'"),
    # the decimal comma an Italian writes: said so, where the number starts (a comma apart stays unexpected)
    ("rischio > 12,25", 10, "'12,25': conditions write decimals with a point", "write 12.25"),
    ('rischio >= 4,5 and area == "B"', 11, "'4,5': conditions write decimals with a point", "write 4.5"),
    ("rischio > 1, 5", 11, "unexpected ','", "join conditions with 'and' or 'or'"),
    ("(rischio > 1,5)", 11, "'1,5': conditions write decimals with a point", "write 1.5"),
    ("misure > 0 and (rischio > 1,5)", 26, "'1,5': conditions write decimals with a point", "write 1.5"),
    ("area in []", 9, "empty list after 'in': 'area' can never be one of no values",
     'list at least one value, e.g. in ["B", "D"]'),
    ('area in ["B",]', 13, "expected a value to compare 'area' with, found ']'", ""),
    ('area in "B"', 8, "expected '[' to start a list, found '\"B\"'", ""),
    ('area in ["B"', 12, "expected ']' to close the list, found the end of the condition", ""),
    ('area not ["B"]', 9, "expected 'in' after 'not'", ""),
    ("", 0, "expected a field name, found the end of the condition", ""),
    ("not", 3, "expected a field name, found the end of the condition", ""),
    ("misure >", 8, "expected a value to compare 'misure' with, found the end of the condition", ""),
    ("area == B", 8, "expected a value to compare 'area' with, found 'B'", "write text in double quotes"),
    ("misure", 6, "expected a comparison (== != < <= > >= in) after 'misure'", ""),
    ("area == 3", 8, "'area' is text, not a number: cannot compare it with 3", 'compare with text in quotes, e.g. "B"'),
    ('misure == "3"', 10, "'misure' is a number, not text: cannot compare it with \"3\"",
     "compare with a number, e.g. 3.5"),
    ("motivazione == 1", 15, "'motivazione' is true or false, not a number: cannot compare it with 1",
     "compare with true or false"),
    ("misure == true", 10, "'misure' is a number, not true/false", "compare with a number, e.g. 3.5"),
    ("rischio > 4.0000001", 10, "4.0000001 has 7 decimals: conditions compare numbers with at most 6",
     "round the threshold"),
    ("misure & 1", 7, "unexpected character '&'",
     'conditions use names, numbers, "text", == != < <= > >=, in, and, or, not'),
    ('area == "B', 8, "unexpected character '\"'",
     'conditions use names, numbers, "text", == != < <= > >=, in, and, or, not'),
])
def test_error_offsets(text: str, offset: int, message: str, hint: str) -> None:
    err = error_of(text)
    assert (err.offset, err.message, err.hint) == (offset, message, hint)
    assert str(err) == message


def test_unknown_field_without_a_close_match_lists_the_fields() -> None:
    err = error_of("zzzzzz == 1")
    assert err.message == "unknown field 'zzzzzz'"
    assert err.hint == ("expected one of: 'area', 'livello', 'misure', 'motivazione', 'rischio', 'rivalutato', "
                        "'unita'")


# ---- property: random well-typed trees, rendered as text and parsed back ------------------------------

NUMBERS = st.decimals(min_value=-5, max_value=30, places=2, allow_nan=False, allow_infinity=False)
TEXTS = st.sampled_from(["A", "B", "D", "", "x y", "l'area", 'say "hi"'])


def _quote(text: str) -> str:
    return f"'{text}'" if '"' in text else f'"{text}"'


@st.composite
def comparisons(draw):
    field = draw(st.sampled_from(sorted(SCHEMA)))
    kind = SCHEMA[field].kind
    if kind == "bool":
        form = draw(st.sampled_from(["bare", "not", "==", "!="]))
        value = draw(st.booleans())
        if form == "bare":
            return (field, lambda f: f[field], field)
        if form == "not":
            return (f"not {field}", lambda f: not f[field], field)
        word = "true" if value else "false"
        return (f"{field} {form} {word}", lambda f: OPS[form](f[field], value), field)
    if kind == "text":
        if draw(st.booleans()):
            values = draw(st.lists(TEXTS, min_size=1, max_size=3))
            negated = draw(st.booleans())
            text = f"{field} {'not in' if negated else 'in'} [{', '.join(_quote(v) for v in values)}]"
            return (text, lambda f: (f[field] in values) is not negated, field)
        op = draw(st.sampled_from(["==", "!="]))
        value = draw(TEXTS)
        return (f"{field} {op} {_quote(value)}", lambda f: OPS[op](f[field], value), field)
    op = draw(st.sampled_from(list(OPS)))
    if kind == "ordinal":
        value = draw(st.sampled_from(LEVELS))
        return (f'{field} {op} "{value}"', lambda f: OPS[op](LEVELS.index(f[field]), LEVELS.index(value)), field)
    value = draw(NUMBERS)
    return (f"{field} {op} {value}", lambda f: OPS[op](f[field], value), field)


def _combine(children):
    def build(parts, joiner, negate):
        texts = [p[0] for p in parts]
        text = "(" + f" {joiner} ".join(texts) + ")"
        if joiner == "and":
            fn = lambda f, parts=parts: all(p[1](f) for p in parts)  # noqa: E731
        else:
            fn = lambda f, parts=parts: any(p[1](f) for p in parts)  # noqa: E731
        if negate:
            return (f"not {text}", lambda f, fn=fn: not fn(f), None)
        return (text, fn, None)
    return st.builds(build, st.lists(children, min_size=1, max_size=3), st.sampled_from(["and", "or"]), st.booleans())


CONDITIONS = st.recursive(comparisons(), _combine, max_leaves=12)
FACTS = st.fixed_dictionaries({
    "misure": st.integers(min_value=0, max_value=5).map(Decimal),
    "rischio": NUMBERS,
    "area": TEXTS,
    "unita": TEXTS,
    "motivazione": st.booleans(),
    "rivalutato": st.booleans(),
    "livello": st.sampled_from(LEVELS),
})


@settings(max_examples=300, deadline=None)
@given(CONDITIONS, st.lists(FACTS, min_size=1, max_size=8))
def test_render_and_reparse_gives_an_equivalent_condition(condition, facts) -> None:
    text, meaning, _ = condition
    parsed = parse_condition(text, SCHEMA)
    rendered = render(parsed)
    reparsed = parse_condition(rendered, SCHEMA)
    assert render(reparsed) == rendered  # rendering is a fixed point after one round
    for values in facts:
        encoded = encode_fact(SCHEMA, values, "processo", "f")
        expected = meaning(values)
        assert holds(parsed, encoded) is expected, (text, values)
        assert holds(reparsed, encoded) is expected, (rendered, values)
