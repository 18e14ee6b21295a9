"""The compiled form shared by the durable-rules backend and the direct interpreter.

Every executable rule (band row, grid cell, policy rule) becomes a :class:`CompiledRule`: a fact
type, a typed condition tree and an id. Facts are encoded once (:func:`encode_fact`): numbers as
integers scaled by 10^6 (exact, and safe from the engine's float and string coercions), ordinal
values as their rank, text and booleans as they are.

The engine holds integers in 64 bits and text lengths in 16: a value outside what it represents is
refused here (:class:`EncodingError`), never sent to be saturated or truncated. The load-time limits
(:data:`riskengine.method.expr.MAX_MAGNITUDE`, codes and literals of at most 200 characters) keep
valid files far inside these bounds.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from riskengine.i18n import RefusalError
from riskengine.method import expr
from riskengine.method.load import Method

SCALE_DIGITS = 6
_UNIT = 10 ** SCALE_DIGITS
MAX_ENGINE_TEXT_BYTES = 65_535
"""The engine compares text lengths as unsigned 16-bit integers (measured): longer texts are misread."""
CLASSIFY = "classify"
POLICIES = "policies"
BAND_FACT = "banda"
GRID_FACT = "griglia"
PROCESS_FACT = "processo"
BAND_SCHEMA = {"tabella": expr.TEXT, "v": expr.NUMBER}
GRID_SCHEMA = {"p": expr.TEXT, "i": expr.TEXT}


@dataclass(frozen=True)
class CompiledRule:
    """One executable rule: its id, the ruleset it belongs to, the fact type it matches, its condition."""

    rule_id: str
    ruleset: str
    fact_type: str
    condition: expr.Cond


class EncodingError(RefusalError):
    """A value the engine cannot represent exactly (not finite, too fine, too large, too long).

    Worded by ``problemi.motore.<key>``, so that whoever reports it does so in the user's language.
    """

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(f"problemi.motore.{key}", **values)


def scaled(value: Decimal) -> int:
    """A decimal as an integer number of 10^-6 units; refuses finer, non-finite and out-of-range values."""
    if not value.is_finite():
        raise EncodingError("non_finito", valore=value)
    # Compared before scaling (1E+999999 must not reach scaleb), and with copy_abs: abs() rounds to
    # the context, which overflows on 1E+999999999.
    if value.copy_abs() > expr.MAX_MAGNITUDE:
        raise EncodingError("fuori_scala", valore=_short(value), massimo_cifre=len(str(expr.MAX_MAGNITUDE)) - 1)
    # Decimals counted on the digits as written: scaleb rounds to the context's 28 digits (so
    # 1.000…0001 would pass as 1) and flushes 1E-999999999 to zero.
    _, digits, exponent = value.as_tuple()
    significant = bytes(digits).rstrip(b"\0")
    if significant and exponent + len(digits) - len(significant) < -SCALE_DIGITS:  # type: ignore[operator]
        raise EncodingError("troppi_decimali", valore=_short(value), decimali=SCALE_DIGITS)
    return int(value.scaleb(SCALE_DIGITS))


def _short(value: Decimal) -> str:
    """A number as shown in an error: a million digits become their first ones and the count."""
    text = str(value)
    return text if len(text) <= 40 else f"{text[:20]}… ({len(text)} characters)"


def engine_text(value: str) -> str:
    """A text for a fact, refused if the engine would misread its length."""
    size = len(value.encode("utf-8"))
    if size > MAX_ENGINE_TEXT_BYTES:
        raise EncodingError("testo_lungo", byte=size, limite_byte=MAX_ENGINE_TEXT_BYTES)
    return value


def encode_value(ftype: expr.FieldType, value: Any) -> Any:
    """Encode one typed value for a fact."""
    if ftype.kind == "number":
        return scaled(Decimal(value))
    if ftype.kind == "ordinal":
        return ftype.rank(value)
    if ftype.kind == "bool":
        return bool(value)
    return engine_text(str(value))


def encode_literal(cmp: expr.Cmp) -> Any:
    """Encode the literal of a comparison the same way facts are encoded."""
    if cmp.kind == "number":
        return scaled(Decimal(cmp.value))
    return cmp.value


def encode_fact(schema: dict[str, expr.FieldType], values: dict[str, Any], fact_type: str, fact_id: str) -> dict:
    """An engine/interpreter fact from typed values (every schema field must be present)."""
    fact = {"t": fact_type, "id": fact_id}
    for name, ftype in schema.items():
        value = values[name]
        if type(value) is int and ftype.kind == "number" and -expr.MAX_MAGNITUDE <= value <= expr.MAX_MAGNITUDE:
            fact[name] = value * _UNIT  # counts: most fields of a process fact
        else:
            fact[name] = encode_value(ftype, value)
    return fact


def band_condition(table: str, lo_steps: int, hi_steps: int, digits: int) -> expr.Cond:
    """A band row as a condition over a band fact (``v`` is the rounded score)."""
    lo = Decimal(lo_steps).scaleb(-digits)
    hi = Decimal(hi_steps).scaleb(-digits)
    return expr.AllOf((
        expr.Cmp("tabella", "==", table, f'"{table}"', "text"),
        expr.Cmp("v", ">=", lo, format(lo, "f"), "number"),
        expr.Cmp("v", "<=", hi, format(hi, "f"), "number"),
    ))


def grid_condition(p: str, i: str) -> expr.Cond:
    """A grid cell as a condition over a grid fact."""
    return expr.AllOf((expr.Cmp("p", "==", p, f'"{p}"', "text"), expr.Cmp("i", "==", i, f'"{i}"', "text")))


def compile_method(method: Method) -> list[CompiledRule]:
    """Every executable rule of a method, in a stable order."""
    rules: list[CompiledRule] = []
    for band_table in method.band_tables.values():
        for row in band_table.rows:
            rules.append(CompiledRule(row.rule_id, CLASSIFY, BAND_FACT,
                                      band_condition(band_table.code, row.lo, row.hi, band_table.digits)))
    for cell in method.grid.values():
        rules.append(CompiledRule(cell.rule_id, CLASSIFY, GRID_FACT, grid_condition(cell.p, cell.i)))
    for table in method.tables:
        for rule in table.rules:
            rules.append(CompiledRule(rule.rule_id, POLICIES, PROCESS_FACT, rule.condition))
    return rules
