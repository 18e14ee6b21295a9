"""Residual risk conventions: best efficacy, product of efficacies, or steps down the level scale.

Residual never exceeds inherent, and never drops without a linked measure (both hold by construction
and are re-checked for explicit re-ratings).
"""

from __future__ import annotations

import sys
from decimal import ROUND_FLOOR, Decimal

from riskengine.catalog.models import Misura
from riskengine.rules.method import Method
from riskengine.rules.scoring import round_to
from riskengine.types import decimal_text


def efficacy(method: Method, misura: Misura) -> Decimal:
    """A measure's efficacy, or the method's default for its scope."""
    if misura.efficacia is not None:
        return misura.efficacia
    return getattr(method.model.residuo.efficacia_predefinita, misura.ambito)


def residual_score(method: Method, inherent: Decimal, measures: list[Misura]) -> tuple[Decimal, dict]:
    """Numeric residual from efficacies (``efficacia-migliore``, ``efficacia-prodotto`` or ``nessuno``)."""
    convention = method.model.residuo.metodo
    rounding = method.model.arrotondamento
    values = {m.codice: efficacy(method, m) for m in measures}
    # The same few efficacies recur in every process: their texts are interned (one string each).
    step = {"regola": f"residuo: {convention}",
            "valori": {k: sys.intern(decimal_text(v)) for k, v in sorted(values.items())}}
    if convention == "efficacia-migliore" and values:
        best_code = max(sorted(values), key=lambda c: values[c])
        result = inherent * (1 - values[best_code])
        step["descrizione"] = f"inerente × (1 − efficacia della misura migliore, {best_code})"
    elif convention == "efficacia-prodotto" and values:
        result = inherent
        for code in sorted(values):
            result *= 1 - values[code]
        step["descrizione"] = "inerente × Π(1 − efficacia di ciascuna misura)"
    else:
        result = inherent
        step["descrizione"] = "nessuna misura collegata: residuo uguale all'inerente" if convention != "nessuno" \
            else "il metodo non riduce il rischio: residuo uguale all'inerente"
    value = min(round_to(result, rounding.cifre, rounding.modo), inherent)
    step["risultato"] = decimal_text(value)
    return value, step


def residual_level(method: Method, inherent_level: str, measures: list[Misura]) -> tuple[str, dict]:
    """Residual level by steps down the level scale (``gradino``), rounding toward the higher risk."""
    sizes = method.model.residuo.gradino
    total = sum((sizes.generale if m.ambito == "generale" else sizes.specifica for m in measures), Decimal(0))
    steps = int(total.to_integral_value(rounding=ROUND_FLOOR))
    rank = max(0, method.levels.index(inherent_level) - steps)
    level = method.levels[rank]
    return level, {"regola": "residuo: gradino",
                   "descrizione": f"−{sizes.generale} per misura generale e −{sizes.specifica} per misura specifica, "
                                  f"arrotondato verso il rischio più alto",
                   "valori": {m.codice: m.ambito for m in sorted(measures, key=lambda m: m.codice)},
                   "risultato": f"{decimal_text(total)} → {steps} gradini: {inherent_level} → {level}"}
