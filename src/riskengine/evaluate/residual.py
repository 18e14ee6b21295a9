"""Residual risk conventions: best efficacy, product of efficacies, or steps down the level scale.

Residual never exceeds inherent, and never drops without a linked measure (both hold by construction
and are re-checked for explicit re-ratings).
"""

from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal
from sys import intern

from riskengine.catalog.models import Misura
from riskengine.method.arithmetic import round_to
from riskengine.method.load import Method
from riskengine.source.fields import decimal_text

# The rule of a numeric residual's step, by convention: one text for every process of a catalogue.
_RULE = {convention: f"residuo: {convention}" for convention in ("nessuno", "efficacia-migliore", "efficacia-prodotto")}


def efficacy(method: Method, misura: Misura) -> Decimal:
    """A measure's efficacy, or the method's default for its scope."""
    if misura.efficacia is not None:
        return misura.efficacia
    return getattr(method.model.residuo.efficacia_predefinita, misura.ambito)


def efficacies(method: Method, measures: list[Misura]) -> dict[str, tuple[Decimal, str]]:
    """Each measure's efficacy and its text, by code (computed once for a catalogue's measures)."""
    found = {}
    for misura in measures:
        value = efficacy(method, misura)
        found[misura.codice] = (value, decimal_text(value))
    return found


def residual_score(method: Method, inherent: Decimal, measures: list[Misura],
                   known: dict[str, tuple[Decimal, str]] | None = None,
                   shared: dict[tuple[str, ...], tuple[tuple[str, ...], dict[str, str], str | None]] | None = None,
                   ) -> tuple[Decimal, dict]:
    """Numeric residual from efficacies (``efficacia-migliore``, ``efficacia-prodotto`` or ``nessuno``).

    ``known``: the :func:`efficacies` of the catalogue's measures, when the caller has them.
    ``shared``: what the steps built so far found of their measures, by the measures' codes (the
    codes sorted, the efficacy table, the most effective measure); steps with the same measures
    then share one table (about half of a catalogue's residual steps) and it is worked out once.
    """
    convention = method.model.residuo.metodo
    rounding = method.rounding("rischio")
    assert rounding is not None  # the risk is always rounded
    digits, mode = rounding
    listed = tuple([m.codice for m in measures])
    found = shared.get(listed) if shared is not None else None
    if found is None:
        codes = tuple(sorted(set(listed)))
        if known is None:
            by_code = {m.codice: m for m in measures}
            known = efficacies(method, [by_code[c] for c in codes])
        efficacy_values = [known[c][0] for c in codes]
        # the first of the most effective, by code
        best = codes[efficacy_values.index(max(efficacy_values))] if codes else None
        found = (codes, {c: known[c][1] for c in codes}, best)
        if shared is not None:
            shared[listed] = found
    codes, texts, best_code = found
    # The texts every process of a national catalogue repeats, one object each (sys.intern).
    step = {"regola": _RULE[convention], "valori": texts}
    if convention == "efficacia-migliore" and best_code is not None:
        result = inherent * (1 - _efficacy_of(method, measures, best_code, known))
        step["descrizione"] = intern(f"inerente × (1 − efficacia della misura migliore, {best_code})")
    elif convention == "efficacia-prodotto" and codes:
        result = inherent
        for code in codes:
            result *= 1 - _efficacy_of(method, measures, code, known)
        step["descrizione"] = "inerente × Π(1 − efficacia di ciascuna misura)"
    else:
        result = inherent
        step["descrizione"] = "nessuna misura collegata: residuo uguale all'inerente" if convention != "nessuno" \
            else "il metodo non riduce il rischio: residuo uguale all'inerente"
    value = min(round_to(result, digits, mode), inherent)
    step["risultato"] = intern(decimal_text(value))
    return value, step


def _efficacy_of(method: Method, measures: list[Misura], code: str,
                 known: dict[str, tuple[Decimal, str]] | None) -> Decimal:
    if known is not None:
        return known[code][0]
    return efficacy(method, next(m for m in measures if m.codice == code))


def kept_without(method: Method, planned: list[Misura], linked: list[Misura], removed: str,
                 known: dict[str, tuple[Decimal, str]] | None = None) -> bool:
    """Whether a process's planned residual stays the same without measure ``removed`` (the ranking's shortcut).

    With the best-efficacy convention it does when ``removed`` does not count for the residual
    (``planned``: the measures that do) or another of them is at least as effective, provided the
    process keeps a linked measure (an explicit re-rating below the inherent risk needs one). Other
    conventions: False, the process is evaluated again. ``known``: the :func:`efficacies` of the
    measures, when the caller has them.
    """
    if not method.numeric or method.model.residuo.metodo != "efficacia-migliore":
        return False
    if all(m.codice == removed for m in linked):
        return False
    gone = next((m for m in planned if m.codice == removed), None)
    if gone is None:
        return True
    if known is None:
        known = efficacies(method, planned)
    least = known[removed][0]
    return any(m.codice != removed and known[m.codice][0] >= least for m in planned)


def residual_level(method: Method, inherent_level: str, measures: list[Misura]) -> tuple[str, dict]:
    """Residual level by steps down the level scale (``gradino``), rounding toward the higher risk."""
    sizes = method.model.residuo.gradino
    total = sum((sizes.generale if m.ambito == "generale" else sizes.specifica for m in measures), Decimal(0))
    steps = int(total.to_integral_value(rounding=ROUND_FLOOR))
    rank = max(0, method.levels.index(inherent_level) - steps)
    level = method.levels[rank]
    return level, {"regola": "residuo: gradino",
                   "descrizione": f"−{sizes.generale} per misura generale e −{sizes.specifica} per "
                                  "misura specifica, arrotondato verso il rischio più alto",
                   "valori": {m.codice: m.ambito for m in sorted(measures, key=lambda m: m.codice)},
                   "risultato": f"{decimal_text(total)} → {steps} gradini: {inherent_level} → {level}"}
