"""Scoring of one assessed item: indicator answers → probability, impact, risk (exact decimals)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from riskengine.method.arithmetic import aggregate, describe_aggregation, round_to
from riskengine.method.load import Method
from riskengine.method.models import Opzione
from riskengine.source.fields import decimal_text


@dataclass
class ItemScore:
    """Probability, impact and (numeric methods) risk of an item, with the steps that produced them."""

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
    weights = [i.peso for i in indicators] if operator == "media-ponderata" else None
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
    """Score one item from its validated answers.

    Items with the same answers get the same score object (computed once per method and distinct
    answers: catalogues repeat answer patterns, and the shared trace steps are never modified).
    """
    key = ("score", *(id(options.get(i.codice)) for i in method.model.indicatori))
    cached = method.memo.get(key)
    if cached is None:
        # The options are kept with the score, so that their ids stay theirs while the key lives.
        cached = method.memo[key] = (tuple(options.values()), _score_item(method, options))
    return cached[1]


def _score_item(method: Method, options: dict[str, Opzione]) -> ItemScore:
    dims = method.model.dimensioni
    p, p_step = dimension_value(method, "probabilita", dims.probabilita.aggregazione, options)
    i, i_step = dimension_value(method, "impatto", dims.impatto.aggregazione, options)
    score = ItemScore(p, i, trace=[p_step, i_step])
    rounding = method.model.arrotondamento
    if method.numeric:
        score.rischio = round_to(p * i, rounding.cifre, rounding.modo)
        score.trace.append({"passo": "rischio", "regola": "combinazione: prodotto",
                            "descrizione": "probabilità × impatto",
                            "valori": {"probabilita": decimal_text(p), "impatto": decimal_text(i)},
                            "risultato": decimal_text(score.rischio)})
        for variant in method.model.combinazione.varianti:
            vp, _ = dimension_value(method, "probabilita", variant.probabilita, options)
            vi, _ = dimension_value(method, "impatto", variant.impatto, options)
            score.varianti[variant.codice] = round_to(vp * vi, rounding.cifre, rounding.modo)
            score.trace.append({"passo": f"variante {variant.codice}", "regola": f"combinazione.varianti.{variant.codice}",
                                "descrizione": f"{variant.nome}: {describe_aggregation(variant.probabilita)} P × "
                                               f"{describe_aggregation(variant.impatto)} I",
                                "valori": {"probabilita": decimal_text(vp), "impatto": decimal_text(vi)},
                                "risultato": decimal_text(score.varianti[variant.codice])})
    else:
        score.p_code = _option_code(method, "probabilita", p)
        score.i_code = _option_code(method, "impatto", i)
    return score


def combine_items(method: Method, items: list[ItemScore]) -> ItemScore:
    """Aggregate the scores of phases or events up to their process (operator named in the method)."""
    operator = method.model.valutazione.aggregazione_processo
    rounding = method.model.arrotondamento
    agg = lambda values: round_to(aggregate(operator, values), rounding.cifre, rounding.modo)  # noqa: E731
    p = agg([s.probabilita for s in items])
    i = agg([s.impatto for s in items])
    combined = ItemScore(p, i)
    if method.numeric:
        combined.rischio = agg([s.rischio for s in items])
        for code in items[0].varianti:
            combined.varianti[code] = agg([s.varianti[code] for s in items])
    else:
        combined.p_code = _option_code(method, "probabilita", p)
        combined.i_code = _option_code(method, "impatto", i)
    combined.trace.append({"passo": "aggregazione", "regola": f"valutazione.aggregazione_processo: {operator}",
                           "descrizione": f"{describe_aggregation(operator)} su {len(items)} elementi valutati",
                           "risultato": decimal_text(combined.rischio) if combined.rischio is not None else
                           f"{combined.p_code} × {combined.i_code}"})
    return combined
