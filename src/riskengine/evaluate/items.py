"""Scoring of one assessed item: indicator answers → probability, impact, risk (exact decimals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from riskengine.method.arithmetic import aggregate, describe_aggregation, round_to
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


def dimension_value(method: Method, dimension: str, operator: str, options: dict[str, Opzione]) -> tuple[Decimal, dict]:
    """Aggregate the answers of one dimension with a named operator, rounded as the method says."""
    indicators = method.indicators(dimension)
    values = [options[i.codice].valore for i in indicators]
    # A weighted mean has a weight on each of its indicators (checked when the method is loaded).
    weights = [i.peso or Decimal(0) for i in indicators] if operator == "media-ponderata" else None
    raw = aggregate(operator, values, weights)
    rounding = method.model.arrotondamento
    value = round_to(raw, rounding.cifre, rounding.modo)
    step = {
        "passo": dimension,
        "regola": f"dimensioni.{dimension}: {operator}",
        "descrizione": f"{describe_aggregation(operator)} di {', '.join(i.codice for i in indicators)}",
        "valori": {i.codice: decimal_text(options[i.codice].valore) for i in indicators},
        "risultato": decimal_text(value),
    }
    if raw != value:
        step["arrotondamento"] = f"{decimal_text(round_to(raw, 6, 'down'))}… → {decimal_text(value)} " \
                                 f"({rounding.cifre} decimali, {rounding.modo})"
    return value, step


def score_item(method: Method, options: dict[str, Opzione]) -> ItemScore:
    """Score one item from its validated answers."""
    dims = method.model.dimensioni
    p, p_step = dimension_value(method, "probabilita", dims.probabilita.aggregazione, options)
    i, i_step = dimension_value(method, "impatto", dims.impatto.aggregazione, options)
    trace = [p_step, i_step]
    if not method.numeric:
        return ItemScore(p, i, p_code=_option_code(method, "probabilita", p),
                         i_code=_option_code(method, "impatto", i), trace=trace)
    rounding = method.model.arrotondamento
    rischio = round_to(p * i, rounding.cifre, rounding.modo)
    trace.append({"passo": "rischio", "regola": "combinazione: prodotto", "descrizione": "probabilità × impatto",
                  "valori": {"probabilita": decimal_text(p), "impatto": decimal_text(i)},
                  "risultato": decimal_text(rischio)})
    varianti: dict[str, Decimal] = {}
    for variant in method.model.combinazione.varianti:
        vp, _ = dimension_value(method, "probabilita", variant.probabilita, options)
        vi, _ = dimension_value(method, "impatto", variant.impatto, options)
        value = varianti[variant.codice] = round_to(vp * vi, rounding.cifre, rounding.modo)
        trace.append({"passo": f"variante {variant.codice}", "regola": f"combinazione.varianti.{variant.codice}",
                      "descrizione": f"{variant.nome}: {describe_aggregation(variant.probabilita)} P × "
                                     f"{describe_aggregation(variant.impatto)} I",
                      "valori": {"probabilita": decimal_text(vp), "impatto": decimal_text(vi)},
                      "risultato": decimal_text(value)})
    return ItemScore(p, i, rischio=rischio, varianti=varianti, trace=trace)


def combine_items(method: Method, items: list[ItemScore]) -> ItemScore:
    """Aggregate the scores of phases or events up to their process (operator named in the method)."""
    operator = method.model.valutazione.aggregazione_processo
    rounding = method.model.arrotondamento

    def combined(values: list[Decimal]) -> Decimal:
        return round_to(aggregate(operator, values), rounding.cifre, rounding.modo)

    p = combined([s.probabilita for s in items])
    i = combined([s.impatto for s in items])
    step = {"passo": "aggregazione", "regola": f"valutazione.aggregazione_processo: {operator}",
            "descrizione": f"{describe_aggregation(operator)} su {len(items)} elementi valutati"}
    if not method.numeric:
        p_code, i_code = _option_code(method, "probabilita", p), _option_code(method, "impatto", i)
        return ItemScore(p, i, p_code=p_code, i_code=i_code, trace=[dict(step, risultato=f"{p_code} × {i_code}")])
    rischio = combined([s.rischio for s in items if s.rischio is not None])
    varianti = {code: combined([s.varianti[code] for s in items]) for code in items[0].varianti}
    return ItemScore(p, i, rischio=rischio, varianti=varianti, trace=[dict(step, risultato=decimal_text(rischio))])
