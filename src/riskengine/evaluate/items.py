"""Scoring of one assessed item: indicator answers → probability, impact, risk (exact decimals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from riskengine.method.arithmetic import aggregate, decimals, describe_aggregation, round_to
from riskengine.method.load import Method
from riskengine.method.models import Opzione
from riskengine.source.fields import decimal_text


@dataclass(frozen=True, slots=True)
class ItemScore:
    """Probability, impact and (numeric methods) risk of an item, with the steps that produced them.

    Numeric methods give ``rischio`` and ``varianti``; grid methods give the level codes of probability
    and impact (``p_code``, ``i_code``) instead. Scores are shared between items: never modified.
    """

    probabilita: Decimal
    impatto: Decimal
    rischio: Decimal | None = None
    p_code: str | None = None
    i_code: str | None = None
    varianti: dict[str, Decimal] = field(default_factory=dict)
    trace: list[dict] = field(default_factory=list)


def _option_code(method: Method, dimension: str, value: Decimal) -> str:
    scale = method.scale_of(method.indicators(dimension)[0])
    option = next(o for o in scale.opzioni if o.valore == value)
    return option.codice or decimal_text(option.valore)


# An unrounded value is kept exact for the next stage; what is shown and read by the policies is
# that value at the engine's precision (riskengine.method.compile.SCALE_DIGITS).
_ENGINE_DIGITS = 6


def rounded(method: Method, raw: Decimal, stage: str, variant: str | None = None) -> tuple[Decimal, Decimal, str]:
    """``raw`` rounded as the method says for ``stage``: (value for the next stage, value shown, explanation).

    The explanation is empty when rounding changed nothing.
    """
    rounding = method.rounding(stage, variant)
    if rounding is None:
        shown = round_to(raw, _ENGINE_DIGITS, "half-even")
        note = "" if shown == raw else f"{decimal_text(shown)}… non arrotondato: il valore esatto entra nel prodotto"
        return raw, shown, note
    digits, mode = rounding
    value = round_to(raw, digits, mode)
    note = "" if value == raw else f"{_exact_text(raw)} → {decimal_text(value)} ({digits} decimali, {mode})"
    return value, value, note


def _exact_text(raw: Decimal) -> str:
    """A value before rounding: exactly when it has at most 6 decimals, else its first 6 and "…"."""
    places = decimals(raw)
    return decimal_text(round_to(raw, places, "down")) if places <= 6 else f"{decimal_text(round_to(raw, 6, 'down'))}…"


def _dimension_value(method: Method, dimension: str, operator: str,
                     options: dict[str, Opzione]) -> tuple[Decimal, Decimal, dict]:
    """Aggregate the answers of one dimension with a named operator, rounded as the method says.

    Returns the value for the product, the value shown (they differ only when the stage is not
    rounded) and the step.
    """
    indicators = method.indicators(dimension)
    values = [options[i.codice].valore for i in indicators]
    # A weighted mean has a weight on each of its indicators (checked when the method is loaded).
    weights = [i.peso or Decimal(0) for i in indicators] if operator == "media-ponderata" else None
    raw = aggregate(operator, values, weights)
    value, shown, note = rounded(method, raw, dimension)
    step = {
        "passo": dimension,
        "regola": f"dimensioni.{dimension}: {operator}",
        "descrizione": f"{describe_aggregation(operator)} di {', '.join(i.codice for i in indicators)}",
        "valori": {i.codice: decimal_text(options[i.codice].valore) for i in indicators},
        "risultato": decimal_text(shown),
    }
    if note:
        step["arrotondamento"] = note
    return value, shown, step


def score_item(method: Method, options: dict[str, Opzione],
               memo: dict[tuple, tuple[Decimal, Decimal, dict]] | None = None) -> ItemScore:
    """Score one item from its validated answers.

    ``memo``: the dimension values computed so far, by dimension, operator and answers (items that
    share the answers of one dimension share its value and step); kept by the caller per method.
    """
    def dimension_value(dimension: str, operator: str) -> tuple[Decimal, Decimal, dict]:
        if memo is None:
            return _dimension_value(method, dimension, operator, options)
        key = (dimension, operator, *[str(options[i.codice].valore) for i in method.indicators(dimension)])
        found = memo.get(key)
        if found is None:
            found = memo[key] = _dimension_value(method, dimension, operator, options)
        return found

    dims = method.model.dimensioni
    p, p_shown, p_step = dimension_value("probabilita", dims.probabilita.aggregazione)
    i, i_shown, i_step = dimension_value("impatto", dims.impatto.aggregazione)
    trace = [p_step, i_step]
    if not method.numeric:
        return ItemScore(p, i, p_code=_option_code(method, "probabilita", p),
                         i_code=_option_code(method, "impatto", i), trace=trace)
    rischio, _, note = rounded(method, p * i, "rischio")
    step = {"passo": "rischio", "regola": "combinazione: prodotto", "descrizione": "probabilità × impatto",
            "valori": {"probabilita": decimal_text(p_shown), "impatto": decimal_text(i_shown)},
            "risultato": decimal_text(rischio)}
    if note:
        step["arrotondamento"] = note
    trace.append(step)
    varianti: dict[str, Decimal] = {}
    for variant in method.model.combinazione.varianti:
        vp, vp_shown, _ = dimension_value("probabilita", variant.probabilita)
        vi, vi_shown, _ = dimension_value("impatto", variant.impatto)
        value, _, note = rounded(method, vp * vi, "variante", variant.codice)
        varianti[variant.codice] = value
        step = {"passo": f"variante {variant.codice}", "regola": f"combinazione.varianti.{variant.codice}",
                "descrizione": f"{variant.nome}: {describe_aggregation(variant.probabilita)} P × "
                               f"{describe_aggregation(variant.impatto)} I",
                "valori": {"probabilita": decimal_text(vp_shown), "impatto": decimal_text(vi_shown)},
                "risultato": decimal_text(value)}
        if note:
            step["arrotondamento"] = note
        trace.append(step)
    return ItemScore(p_shown, i_shown, rischio=rischio, varianti=varianti, trace=trace)


def combine_items(method: Method, items: list[ItemScore]) -> ItemScore:
    """Aggregate the scores of phases or events up to their process (operator named in the method)."""
    operator = method.model.valutazione.aggregazione_processo

    def combined(values: list[Decimal], stage: str, variant: str | None = None) -> Decimal:
        return rounded(method, aggregate(operator, values), stage, variant)[1]

    p = combined([s.probabilita for s in items], "probabilita")
    i = combined([s.impatto for s in items], "impatto")
    step = {"passo": "aggregazione", "regola": f"valutazione.aggregazione_processo: {operator}",
            "descrizione": f"{describe_aggregation(operator)} su {len(items)} elementi valutati"}
    if not method.numeric:
        p_code, i_code = _option_code(method, "probabilita", p), _option_code(method, "impatto", i)
        return ItemScore(p, i, p_code=p_code, i_code=i_code, trace=[dict(step, risultato=f"{p_code} × {i_code}")])
    rischio = combined([s.rischio for s in items if s.rischio is not None], "rischio")
    varianti = {code: combined([s.varianti[code] for s in items], "variante", code) for code in items[0].varianti}
    return ItemScore(p, i, rischio=rischio, varianti=varianti, trace=[dict(step, risultato=decimal_text(rischio))])
