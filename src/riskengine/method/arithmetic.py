"""Exact arithmetic of the methods: rounding and the named aggregation operators."""

from __future__ import annotations

from collections import Counter
from decimal import (
    ROUND_DOWN,
    ROUND_HALF_DOWN,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    ROUND_UP,
    Context,
    Decimal,
    localcontext,
)
from functools import lru_cache

ROUNDING_MODES = {
    "half-up": ROUND_HALF_UP, "half-even": ROUND_HALF_EVEN, "half-down": ROUND_HALF_DOWN,
    "up": ROUND_UP, "down": ROUND_DOWN,
}


# The context of every rounding: 50 significant digits, the library defaults otherwise (built once:
# rounding runs several times per assessed item, and entering a local context costs more than it).
_ROUNDING_CONTEXT = Context(prec=50)


@lru_cache(maxsize=64)
def quantum(digits: int) -> Decimal:
    """The smallest step at ``digits`` decimals (e.g. 0.01 for 2)."""
    return Decimal(1).scaleb(-digits)


def decimals(value: Decimal) -> int:
    """How many decimals a value really has, trailing zeros ignored (4.50 → 1, 4.005 → 3, 1E+3 → 0)."""
    _, digits, exponent = value.as_tuple()
    if not isinstance(exponent, int):
        raise ValueError(f"{value} is not a finite number")
    text = "".join(map(str, digits))
    if not text.strip("0"):
        return 0
    return max(0, -(exponent + len(text) - len(text.rstrip("0"))))


def round_to(value: Decimal, digits: int, mode: str) -> Decimal:
    """Round exactly to ``digits`` decimals with a named mode."""
    return value.quantize(quantum(digits), rounding=ROUNDING_MODES[mode], context=_ROUNDING_CONTEXT)


def aggregate(operator: str, values: list[Decimal], weights: list[Decimal] | None = None) -> Decimal:
    """Apply a named aggregation operator (media, max, min, moda, media-ponderata) exactly."""
    if not values:
        raise ValueError("no values to aggregate")
    with localcontext() as ctx:
        ctx.prec = 50
        if operator == "media":
            return sum(values, Decimal(0)) / Decimal(len(values))
        if operator == "max":
            return max(values)
        if operator == "min":
            return min(values)
        if operator == "moda":
            counts = Counter(values)
            top = max(counts.values())
            return max(v for v, n in counts.items() if n == top)
        if operator == "media-ponderata":
            if weights is None or len(weights) != len(values):
                raise ValueError("media-ponderata needs one weight per value")
            total = sum(weights, Decimal(0))
            return sum((v * w for v, w in zip(values, weights, strict=True)), Decimal(0)) / total
    raise ValueError(f"unknown aggregation operator '{operator}'")


def describe_aggregation(operator: str) -> str:
    """Plain-language (Italian) name of an operator, for explanations."""
    return {"media": "media", "max": "massimo (prudenza)", "min": "minimo",
            "moda": "moda (a parità, il valore più alto)", "media-ponderata": "media ponderata"}[operator]
