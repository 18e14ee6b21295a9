"""The condition language of policies: a small, typed expression language.

Example: ``livello >= "medio-alto" and misure_specifiche == 0 and area in ["B", "D"]``.

Text → tokens → syntax tree → typed condition tree (in negation normal form). The typed tree is the
single compiled form: the durable-rules compiler and the direct interpreter both consume it. Nothing
is ever evaluated as Python code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from riskengine.suggest import did_you_mean

# ---- field types --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldType:
    """The type of a fact field: number, text, bool, or ordinal (ordered names, lowest first)."""

    kind: str
    description: str
    values: tuple[str, ...] = ()

    def rank(self, name: str) -> int:
        """Position of an ordinal value (0 = lowest)."""
        return self.values.index(name)


NUMBER = FieldType("number", "a number")
TEXT = FieldType("text", "text")
BOOL = FieldType("bool", "true or false")


def ordinal(description: str, values: tuple[str, ...]) -> FieldType:
    """An ordered set of names, lowest first (e.g. risk levels)."""
    return FieldType("ordinal", description, values)


# ---- tokens -------------------------------------------------------------------------------------

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<number>-?\d+(?:\.\d+)?)
  | (?P<string>"[^"\\]*"|'[^'\\]*')
  | (?P<op>==|!=|<=|>=|<|>|=)
  | (?P<punct>[()\[\],])
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
""", re.VERBOSE)

KEYWORDS = {"and", "or", "not", "in", "true", "false"}
MAX_DECIMALS = 6
"""Numbers in conditions have at most 6 decimals: the engine encodes numbers as integers of 10^-6."""
MAX_MAGNITUDE = 10 ** 12
"""The largest absolute value of a number the method compares (literals, scale values, band edges,
scores): scaled by 10^6 it stays below the engine's 64-bit integers (about 9.2 × 10^18) with margin."""
MAX_TEXT_LITERAL = 200
"""The longest text literal in a condition, in characters (codes are bounded the same way)."""
MAX_NESTING = 32
"""The deepest nesting of parentheses (and of lists) in a condition."""
MAX_CONDITION_LENGTH = 10_000
"""The longest condition, in characters."""


@dataclass(frozen=True)
class Token:
    kind: str
    text: str
    offset: int


class ExprError(Exception):
    """A problem in a condition, with its character offset and a hint."""

    def __init__(self, message: str, offset: int, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset
        self.hint = hint


def tokenize(text: str) -> list[Token]:
    """Split a condition into tokens; unknown characters and over-long conditions are errors."""
    if len(text) > MAX_CONDITION_LENGTH:
        raise ExprError(f"the condition is {len(text):,} characters long: at most {MAX_CONDITION_LENGTH:,}",
                        MAX_CONDITION_LENGTH, "split it into several rules")
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise ExprError(f"unexpected character '{text[pos]}'", pos,
                            "conditions use names, numbers, \"text\", == != < <= > >=, in, and, or, not")
        kind = match.lastgroup
        assert kind is not None  # every alternative of _TOKEN is a named group
        if kind != "ws":
            word = match.group()
            if kind == "name" and word in KEYWORDS:
                kind = word
            elif kind == "punct":
                kind = word  # the parser matches '(', ')', '[', ']' and ',' by their text
            tokens.append(Token(kind, word, pos))
        pos = match.end()
    tokens.append(Token("end", "", len(text)))
    return tokens


# ---- typed condition tree ----------------------------------------------------------------------

Literal_ = Decimal | str | bool | int


@dataclass(frozen=True)
class Cmp:
    """``field op value``. For ordinal fields ``value`` is the rank; ``shown`` is what the user wrote."""

    field: str
    op: str
    value: Literal_
    shown: str
    kind: str


@dataclass(frozen=True)
class AllOf:
    """Every item holds."""

    items: tuple[Cond, ...]


@dataclass(frozen=True)
class AnyOf:
    """At least one item holds."""

    items: tuple[Cond, ...]


@dataclass(frozen=True)
class Always:
    """The empty condition (``sempre``)."""


Cond = Cmp | AllOf | AnyOf | Always

_NEGATE = {"==": "!=", "!=": "==", "<": ">=", ">=": "<", ">": "<=", "<=": ">"}


def negate(cond: Cond) -> Cond:
    """Negation pushed down to comparisons (De Morgan), so the tree stays in negation normal form."""
    if isinstance(cond, Cmp):
        return Cmp(cond.field, _NEGATE[cond.op], cond.value, cond.shown, cond.kind)
    if isinstance(cond, AllOf):
        return AnyOf(tuple(negate(c) for c in cond.items))
    if isinstance(cond, AnyOf):
        return AllOf(tuple(negate(c) for c in cond.items))
    return AnyOf(())


def to_dnf(cond: Cond, limit: int = 10_000) -> list[tuple[Cmp, ...]]:
    """Disjunctive normal form: a list of alternatives, each a conjunction of comparisons.

    ``[()]`` means always true, ``[]`` never. Raises ValueError past ``limit`` alternatives.
    """
    if isinstance(cond, Cmp):
        return [(cond,)]
    if isinstance(cond, Always):
        return [()]
    if isinstance(cond, AnyOf):
        result = [conj for item in cond.items for conj in to_dnf(item, limit)]
    else:
        result = [()]
        for item in cond.items:
            result = [left + right for left in result for right in to_dnf(item, limit)]
            if len(result) > limit:
                break
    if len(result) > limit:
        raise ValueError(f"{len(result)} alternatives")
    return result


def fields_of(cond: Cond) -> set[str]:
    """The fields a condition reads."""
    if isinstance(cond, Cmp):
        return {cond.field}
    if isinstance(cond, (AllOf, AnyOf)):
        return set().union(*(fields_of(c) for c in cond.items)) if cond.items else set()
    return set()


def render(cond: Cond, schema: dict[str, FieldType] | None = None) -> str:
    """The condition written back as text (ordinal ranks shown by name)."""
    if isinstance(cond, Cmp):
        return f"{cond.field} {cond.op} {cond.shown}"
    if isinstance(cond, Always):
        return "sempre"
    joiner = " and " if isinstance(cond, AllOf) else " or "
    if not cond.items:
        return "true" if isinstance(cond, AllOf) else "false"
    if len(cond.items) == 1:  # e.g. 'area in ["B"]' is written like 'area == "B"'
        return render(cond.items[0])
    return "(" + joiner.join(render(c) for c in cond.items) + ")"


# ---- parser + type checker ---------------------------------------------------------------------


class _Parser:
    def __init__(self, text: str, schema: dict[str, FieldType]) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.pos = 0
        self.schema = schema
        self.depth = 0  # open parentheses: bounded so that no walk of the tree can exhaust the stack

    @property
    def tok(self) -> Token:
        return self.tokens[self.pos]

    def take(self, kind: str, what: str) -> Token:
        tok = self.tok
        if tok.kind != kind:
            found = f"'{tok.text}'" if tok.text else "the end of the condition"
            raise ExprError(f"expected {what}, found {found}", tok.offset)
        self.pos += 1
        return tok

    def parse(self) -> Cond:
        cond = self.or_()
        if self.tok.kind != "end":
            raise ExprError(f"unexpected '{self.tok.text}'", self.tok.offset,
                            "join conditions with 'and' or 'or'")
        return cond

    def or_(self) -> Cond:
        items = [self.and_()]
        while self.tok.kind == "or":
            self.pos += 1
            items.append(self.and_())
        return items[0] if len(items) == 1 else AnyOf(tuple(items))

    def and_(self) -> Cond:
        items = [self.not_()]
        while self.tok.kind == "and":
            self.pos += 1
            items.append(self.not_())
        return items[0] if len(items) == 1 else AllOf(tuple(items))

    def not_(self) -> Cond:
        negations = 0
        while self.tok.kind == "not":  # a loop, not recursion: 'not not … x' of any length is flat
            self.pos += 1
            negations += 1
        cond = self.atom()
        return negate(cond) if negations % 2 else cond

    def atom(self) -> Cond:
        tok = self.tok
        if tok.kind == "(":
            if self.depth == MAX_NESTING:
                raise ExprError(f"parentheses nest more than {MAX_NESTING} levels deep", tok.offset,
                                "write the condition with fewer levels, e.g. one 'in [...]' list")
            self.pos += 1
            self.depth += 1
            cond = self.or_()
            self.take(")", "')'")
            self.depth -= 1
            return cond
        if tok.kind == "true":
            self.pos += 1
            return AllOf(())
        if tok.kind == "false":
            self.pos += 1
            return AnyOf(())
        if tok.kind != "name":
            found = f"'{tok.text}'" if tok.text else "the end of the condition"
            raise ExprError(f"expected a field name, found {found}", tok.offset)
        return self.comparison()

    def field(self) -> tuple[str, FieldType, Token]:
        tok = self.take("name", "a field name")
        ftype = self.schema.get(tok.text)
        if ftype is None:
            raise ExprError(f"unknown field '{tok.text}'", tok.offset, did_you_mean(tok.text, self.schema))
        return tok.text, ftype, tok

    def comparison(self) -> Cond:
        name, ftype, _ = self.field()
        tok = self.tok
        if tok.kind in ("and", "or", ")", "end") and ftype.kind == "bool":
            return Cmp(name, "==", True, "true", "bool")
        negated = False
        if tok.kind == "not":
            self.pos += 1
            negated = True
            if self.tok.kind != "in":
                raise ExprError("expected 'in' after 'not'", self.tok.offset)
        if self.tok.kind == "in":
            self.pos += 1
            values = self.literal_list(name, ftype)
            cond: Cond = AnyOf(tuple(Cmp(name, "==", v, s, ftype.kind) for v, s in values))
            return negate(cond) if negated else cond
        if tok.kind != "op":
            raise ExprError(f"expected a comparison (== != < <= > >= in) after '{name}'", tok.offset)
        if tok.text == "=":
            raise ExprError("'=' is not a comparison", tok.offset, "write '==' to compare")
        self.pos += 1
        if tok.text in ("<", "<=", ">", ">=") and ftype.kind in ("text", "bool"):
            raise ExprError(f"'{name}' is {ftype.description}: it cannot be compared with '{tok.text}'",
                            tok.offset, "use == or != (or 'in [...]')")
        value, shown = self.literal(name, ftype)
        return Cmp(name, tok.text, value, shown, ftype.kind)

    def literal_list(self, name: str, ftype: FieldType) -> list[tuple[Literal_, str]]:
        self.take("[", "'[' to start a list")
        if self.tok.kind == "]":
            raise ExprError(f"empty list after 'in': '{name}' can never be one of no values", self.tok.offset,
                            "list at least one value, e.g. in [\"B\", \"D\"]")
        values = [self.literal(name, ftype)]
        while self.tok.kind == ",":
            self.pos += 1
            values.append(self.literal(name, ftype))
        self.take("]", "']' to close the list")
        return values

    def literal(self, name: str, ftype: FieldType) -> tuple[Literal_, str]:
        tok = self.tok
        self.pos += 1
        if tok.kind == "number":
            if ftype.kind != "number":
                raise ExprError(f"'{name}' is {ftype.description}, not a number: cannot compare it with {tok.text}",
                                tok.offset, self._literal_hint(ftype))
            whole, _, fraction = tok.text.lstrip("-").partition(".")
            if len(fraction) > MAX_DECIMALS:
                raise ExprError(f"{_shown(tok.text)} has {len(fraction)} decimals: conditions compare numbers with "
                                f"at most {MAX_DECIMALS}", tok.offset, "round the threshold")
            # The digits are counted before any arithmetic: a literal of a million digits is refused at once.
            if len(whole.lstrip("0")) > len(str(MAX_MAGNITUDE)) or abs(Decimal(tok.text)) > MAX_MAGNITUDE:
                raise ExprError(f"{_shown(tok.text)} is outside the numbers conditions compare "
                                f"(±{MAX_MAGNITUDE:,})", tok.offset, "the engine compares numbers exactly up to 10^12")
            return Decimal(tok.text), tok.text
        if tok.kind == "string":
            text = tok.text[1:-1]
            if len(text) > MAX_TEXT_LITERAL:
                raise ExprError(f"a text of {len(text):,} characters: conditions compare texts of at most "
                                f"{MAX_TEXT_LITERAL}", tok.offset, "codes and values are short")
            if ftype.kind == "ordinal":
                if text not in ftype.values:
                    raise ExprError(f"'{text}' is not {ftype.description}", tok.offset + 1,
                                    did_you_mean(text, ftype.values))
                return ftype.rank(text), f'"{text}"'
            if ftype.kind != "text":
                raise ExprError(f"'{name}' is {ftype.description}, not text: cannot compare it with {tok.text}",
                                tok.offset, self._literal_hint(ftype))
            quote = "'" if '"' in text else '"'
            return text, f"{quote}{text}{quote}"
        if tok.kind in ("true", "false"):
            if ftype.kind != "bool":
                raise ExprError(f"'{name}' is {ftype.description}, not true/false", tok.offset,
                                self._literal_hint(ftype))
            return tok.kind == "true", tok.kind
        found = f"'{tok.text}'" if tok.text else "the end of the condition"
        hint = "write text in double quotes" if tok.kind == "name" else ""
        raise ExprError(f"expected a value to compare '{name}' with, found {found}", tok.offset, hint)

    @staticmethod
    def _literal_hint(ftype: FieldType) -> str:
        if ftype.kind == "ordinal":
            return "compare with one of: " + ", ".join(f'"{v}"' for v in ftype.values)
        return {"number": "compare with a number, e.g. 3.5", "text": 'compare with text in quotes, e.g. "B"',
                "bool": "compare with true or false"}[ftype.kind]


def _shown(text: str) -> str:
    """A literal as quoted in an error: long ones shortened, with their length."""
    return text if len(text) <= 40 else f"{text[:20]}… ({len(text):,} characters)"


def parse_condition(text: str, schema: dict[str, FieldType]) -> Cond:
    """Parse and type-check a condition against the fact schema; raise :class:`ExprError`."""
    if text.strip().lower() == "sempre":
        return Always()
    return _Parser(text, schema).parse()
