"""The condition language of policies: a small, typed expression language.

Example: ``livello >= "medio-alto" and misure_specifiche == 0 and area in ["B", "D"]``.

Text → tokens → syntax tree → typed condition tree (in negation normal form). The typed tree is the
single compiled form: the durable-rules compiler and the direct interpreter both consume it. Nothing
is ever evaluated as Python code.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from riskengine.i18n import wording
from riskengine.suggest import did_you_mean

# ---- field types --------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldType:
    """The type of a fact field: number, text (maybe of a closed set of values), bool, or ordinal (ordered names,
    lowest first)."""

    kind: str
    description: str
    values: tuple[str, ...] = ()
    # The catalogue key that words the description in each language, and the value it names.
    key: str = field(default="", compare=False)
    arg: str = field(default="", compare=False)

    def rank(self, name: str) -> int:
        """Position of an ordinal value (0 = lowest)."""
        return self.values.index(name)


NUMBER = FieldType("number", "a number", key="problemi.tipo.numero")
TEXT = FieldType("text", "text", key="problemi.tipo.testo")
BOOL = FieldType("bool", "true or false", key="problemi.tipo.vero_falso")


def closed_text(description: str, values: tuple[str, ...], key: str = "", arg: str = "") -> FieldType:
    """Text that is one of ``values`` (or empty), compared by equality only; ``key`` words ``description``."""
    return FieldType("text", description, values, key, arg)


def ordinal(description: str, values: tuple[str, ...], key: str = "", arg: str = "") -> FieldType:
    """An ordered set of names, lowest first (e.g. risk levels); ``key`` words ``description`` with ``arg``."""
    return FieldType("ordinal", description, values, key, arg)


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
    """A problem in a condition, with its character offset and a hint.

    Worded by ``problemi.condizione.<key>`` (the hint by ``problemi.condizione.suggerimento.<hint_key>``,
    else ``hint`` as computed) with ``values``; ``message`` and ``hint`` hold the English wording.
    """

    def __init__(self, key: str, offset: int, hint: str = "", *, hint_key: str = "", **values: Any) -> None:
        self.key = f"problemi.condizione.{key}"
        self.hint_key = f"problemi.condizione.suggerimento.{hint_key}" if hint_key else ""
        self.values: dict[str, Any] = {name: str(value) for name, value in values.items()}
        self.message = wording(self.key, **self.values)
        super().__init__(self.message)
        self.offset = offset
        self.hint = wording(self.hint_key, **self.values) if hint_key else hint


def _typed(ftype: FieldType) -> dict[str, str]:
    """The values that word a field's type in a message: ``{tipo}`` (by its key) and what it names."""
    return {"tipo_chiave": ftype.key, "tipo_valore": ftype.arg} if ftype.key else {"tipo": ftype.description}


def tokenize(text: str) -> list[Token]:
    """Split a condition into tokens; unknown characters and over-long conditions are errors."""
    if len(text) > MAX_CONDITION_LENGTH:
        raise ExprError("troppo_lunga", MAX_CONDITION_LENGTH, hint_key="dividi", lunghezza=f"{len(text):,}",
                        massimo=f"{MAX_CONDITION_LENGTH:,}", caratteri=len(text), limite=MAX_CONDITION_LENGTH)
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise ExprError("carattere_inatteso", pos, hint_key="sintassi", carattere=text[pos])
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
    """``field op value``. For ordinal fields ``value`` is the rank; ``shown`` is what the user wrote, ``at`` where
    in the condition (the offset of the literal; -1: none written, a bool field alone)."""

    field: str
    op: str
    value: Literal_
    shown: str
    kind: str
    at: int = dataclasses.field(default=-1, compare=False)  # 'field' is the compared field's name here


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
        return Cmp(cond.field, _NEGATE[cond.op], cond.value, cond.shown, cond.kind, cond.at)
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

    def take(self, kind: str, what: str, hint_key: str = "", **values: Any) -> Token:
        tok = self.tok
        if tok.kind != kind:
            self._no_decimal_comma()
            raise ExprError("atteso", tok.offset, hint_key=hint_key,
                            atteso_chiave=f"problemi.condizione.elemento.{what}", **_found(tok), **values)
        self.pos += 1
        return tok

    def parse(self) -> Cond:
        cond = self.or_()
        if self.tok.kind != "end":
            self._no_decimal_comma()
            raise ExprError("inatteso", self.tok.offset, hint_key="unisci", testo=self.tok.text)
        return cond

    def _no_decimal_comma(self) -> None:
        """Where a comma is out of place between two figures ('rischio > 1,5', also in parentheses): the decimal
        comma of Italian, where conditions write a point, said so at the number."""
        if self.tok.kind != ",":
            return
        before, after = self.tokens[self.pos - 1], self.tokens[self.pos + 1]
        if before.kind == after.kind == "number" and before.offset + len(before.text) == self.tok.offset \
                == after.offset - 1:
            raise ExprError("virgola_decimale", before.offset, hint_key="punto_decimale",
                            scritto=f"{before.text},{after.text}", numero=f"{before.text}.{after.text}")

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
                raise ExprError("annidamento", tok.offset, hint_key="annidamento", livelli=MAX_NESTING)
            self.pos += 1
            self.depth += 1
            cond = self.or_()
            # where the parenthesis opened: a long condition may hold several
            rest = self.text[tok.offset + 1:].strip()
            opened = rest if len(rest) <= 30 else f"{rest[:30].rstrip()}…"
            self.take(")", "chiudi_parentesi", hint_key="parentesi_aperta", inizio=opened)
            self.depth -= 1
            return cond
        if tok.kind == "true":
            self.pos += 1
            return AllOf(())
        if tok.kind == "false":
            self.pos += 1
            return AnyOf(())
        if tok.kind != "name":
            raise ExprError("atteso", tok.offset, atteso_chiave="problemi.condizione.elemento.campo", **_found(tok))
        return self.comparison()

    def field(self) -> tuple[str, FieldType, Token]:
        tok = self.take("name", "campo")
        ftype = self.schema.get(tok.text)
        if ftype is None:
            raise ExprError("campo_sconosciuto", tok.offset, did_you_mean(tok.text, self.schema), campo=tok.text)
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
                raise ExprError("in_dopo_not", self.tok.offset)
        if self.tok.kind == "in":
            self.pos += 1
            values = self.literal_list(name, ftype)
            cond: Cond = AnyOf(tuple(Cmp(name, "==", v, s, ftype.kind, at) for v, s, at in values))
            return negate(cond) if negated else cond
        if tok.kind != "op":
            raise ExprError("confronto_atteso", tok.offset, campo=name)
        if tok.text == "=":
            after = self.tokens[self.pos + 1]
            if after.kind == "op" and after.text in ("<", ">") and after.offset == tok.offset + 1 \
                    and ftype.kind not in ("text", "bool"):  # '=>' for '>=' (text is only equal or not)
                raise ExprError("uguale_singolo", tok.offset, hint_key="uguale_invertito", operatore=f"{after.text}=")
            raise ExprError("uguale_singolo", tok.offset, hint_key="uguale_doppio")
        self.pos += 1
        if tok.text in ("<", "<=", ">", ">=") and ftype.kind in ("text", "bool"):
            raise ExprError("non_ordinabile", tok.offset, hint_key="uguaglianza", campo=name, operatore=tok.text,
                            **_typed(ftype))
        value, shown, at = self.placed_literal(name, ftype)
        return Cmp(name, tok.text, value, shown, ftype.kind, at)

    def literal_list(self, name: str, ftype: FieldType) -> list[tuple[Literal_, str, int]]:
        """The literals of ``[v1, v2, …]``, each with its offset."""
        self.take("[", "apri_lista")
        if self.tok.kind == "]":
            raise ExprError("lista_vuota", self.tok.offset, hint_key="lista_vuota", campo=name)
        values = [self.placed_literal(name, ftype)]
        while self.tok.kind == ",":
            self.pos += 1
            values.append(self.placed_literal(name, ftype))
        self.take("]", "chiudi_lista")
        return values

    def placed_literal(self, name: str, ftype: FieldType) -> tuple[Literal_, str, int]:
        """A literal, and its offset in the condition."""
        at = self.tok.offset
        return (*self.literal(name, ftype), at)

    def literal(self, name: str, ftype: FieldType) -> tuple[Literal_, str]:
        tok = self.tok
        self.pos += 1
        if tok.kind == "number":
            if ftype.kind != "number":
                raise ExprError("non_numero", tok.offset, hint_key=self._literal_hint(ftype), campo=name,
                                letterale=tok.text, valori=self._listed(ftype), **_typed(ftype))
            whole, _, fraction = tok.text.lstrip("-").partition(".")
            if len(fraction) > MAX_DECIMALS:
                raise ExprError("troppi_decimali", tok.offset, hint_key="arrotonda", letterale=_shown(tok.text),
                                decimali=len(fraction), massimo=MAX_DECIMALS)
            # The digits are counted before any arithmetic: a literal of a million digits is refused at once.
            if len(whole.lstrip("0")) > len(str(MAX_MAGNITUDE)) or abs(Decimal(tok.text)) > MAX_MAGNITUDE:
                raise ExprError("fuori_scala", tok.offset, hint_key="fuori_scala", letterale=_shown(tok.text),
                                massimo=f"{MAX_MAGNITUDE:,}", massimo_cifre=len(str(MAX_MAGNITUDE)) - 1)
            return Decimal(tok.text), tok.text
        if tok.kind == "string":
            text = tok.text[1:-1]
            if len(text) > MAX_TEXT_LITERAL:
                raise ExprError("testo_lungo", tok.offset, hint_key="testo_lungo", lunghezza=f"{len(text):,}",
                                massimo=MAX_TEXT_LITERAL, caratteri=len(text))
            if ftype.kind == "ordinal":
                if text not in ftype.values:
                    raise ExprError("valore_non_ammesso", tok.offset + 1, did_you_mean(text, ftype.values),
                                    valore=text, **_typed(ftype))
                return ftype.rank(text), f'"{text}"'
            if ftype.kind != "text":
                raise ExprError("non_testo", tok.offset, hint_key=self._literal_hint(ftype), campo=name,
                                letterale=tok.text, valori=self._listed(ftype), **_typed(ftype))
            # a text of a closed set (an area's class) is one of its values, or empty (no such value)
            if ftype.values and text and text not in ftype.values:
                raise ExprError("valore_non_ammesso", tok.offset + 1, did_you_mean(text, ftype.values),
                                valore=text, **_typed(ftype))
            quote = "'" if '"' in text else '"'
            return text, f"{quote}{text}{quote}"
        if tok.kind in ("true", "false"):
            if ftype.kind != "bool":
                raise ExprError("non_vero_falso", tok.offset, hint_key=self._literal_hint(ftype), campo=name,
                                valori=self._listed(ftype), **_typed(ftype))
            return tok.kind == "true", tok.kind
        raise ExprError("valore_atteso", tok.offset, hint_key="virgolette" if tok.kind == "name" else "", campo=name,
                        **_found(tok))

    @staticmethod
    def _literal_hint(ftype: FieldType) -> str:
        """The key of the hint on what ``ftype`` is compared with (under problemi.condizione.suggerimento)."""
        return {"ordinal": "confronta_ordinale", "number": "confronta_numero", "text": "confronta_testo",
                "bool": "confronta_vero_falso"}[ftype.kind]

    @staticmethod
    def _listed(ftype: FieldType) -> str:
        return ", ".join(f'"{v}"' for v in ftype.values)


def _found(tok: Token) -> dict[str, str]:
    """What was found instead: the token as written, or the end of the condition (by its key)."""
    if tok.text:
        return {"trovato": f"'{tok.text}'"}
    return {"trovato_chiave": "problemi.condizione.elemento.fine"}


def _shown(text: str) -> str:
    """A literal as quoted in an error: long ones shortened, with their length."""
    return text if len(text) <= 40 else f"{text[:20]}… ({len(text):,} characters)"


def parse_condition(text: str, schema: dict[str, FieldType]) -> Cond:
    """Parse and type-check a condition against the fact schema; raise :class:`ExprError`."""
    if text.strip().lower() == "sempre":
        return Always()
    return _Parser(text, schema).parse()
