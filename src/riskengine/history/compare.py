"""The changes between two results: processes whose inherent or residual level moved, new and removed ones, last
year's measures."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from riskengine.source.fields import decimal_text

OUTCOMES = ("attuata", "in-ritardo", "abbandonata")


RESIDUALS = ("residuo_programmato", "residuo_monitorato")


def _score_delta(old: str | None, new: str | None) -> str | None:
    if old is None or new is None:
        return None
    return decimal_text(Decimal(new) - Decimal(old))


class _Scales:
    """The level scales of two results, to tell whether a level moved from one to the other, and which way.

    One scale (the same level codes): a level moved when its code differs, up or down the scale. Two scales (the
    method changed its levels): a code names a place on its own scale, and a shared code need not be the same
    place (pna2013's lowest 'basso' is pna2019's second); a level moved when its place differs, 'medio-basso' a
    quarter of the way up five levels, so the same as pna2019's 'basso' and above cciaa-torino-2022's lowest.
    """

    def __init__(self, before: list[dict[str, Any]], after: list[dict[str, Any]]) -> None:
        self.one = [lvl["codice"] for lvl in before] == [lvl["codice"] for lvl in after]
        self.before, self.after = _positions(before), _positions(after)

    def moved(self, old: str, new: str) -> bool:
        """Whether ``old`` (a level of the earlier result) and ``new`` (of the later) are different places."""
        return old != new if self.one else self.before.get(old, Fraction(0)) != self.after.get(new, Fraction(0))

    def direction(self, old: dict[str, Any], new: dict[str, Any]) -> str:
        """'su' or 'giu': up or down the scale; across two scales the scores say it where both have one and they
        differ (cciaa-torino-2022's 'medio' is lower on its scale than pna2013's, a risk of 7 then 8 rose)."""
        if not self.one and old["rischio"] is not None and new["rischio"] is not None \
                and Decimal(new["rischio"]) != Decimal(old["rischio"]):
            return "su" if Decimal(new["rischio"]) > Decimal(old["rischio"]) else "giu"
        higher = self.after.get(new["livello"], Fraction(0)) > self.before.get(old["livello"], Fraction(0))
        return "su" if higher else "giu"


def _positions(levels: list[dict[str, Any]]) -> dict[str, Fraction]:
    return {lvl["codice"]: Fraction(i, max(len(levels) - 1, 1)) for i, lvl in enumerate(levels)}


def level_labels(levels: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A method's levels as results name them: code and labels."""
    return [{k: lvl[k] for k in ("codice", "etichetta", "etichetta_en") if k in lvl} for lvl in levels]


def _moved(before: dict[str, Any] | None, after: dict[str, Any] | None, scales: _Scales) -> dict[str, Any] | None:
    """How a state (``{rischio, livello}``) went from ``before`` to ``after``, when both have a level and it differs."""
    if not before or not after or not before.get("livello") or not after.get("livello") \
            or not scales.moved(before["livello"], after["livello"]):
        return None
    return {"da": before["livello"], "a": after["livello"],
            "verso": scales.direction(before, after),
            "rischio_da": before["rischio"], "rischio_a": after["rischio"],
            "variazione": _score_delta(before["rischio"], after["rischio"])}


def _due_by(measure: dict[str, Any], year: int) -> bool:
    """Whether a measure's deadline fell in ``year`` or earlier ('continua' and no deadline never do)."""
    deadline = measure.get("scadenza")
    return isinstance(deadline, str) and deadline[:4].isdigit() and int(deadline[:4]) <= year


def _outcome(before: dict[str, Any], after: dict[str, Any] | None) -> str:
    if before["stato_monitorato"] == "attuata" or (after is not None and after["stato_monitorato"] == "attuata"):
        return "attuata"
    if after is None or after["stato_monitorato"] == "non-attuata":
        return "abbandonata"
    return "in-ritardo"


def _method_change(before: dict[str, Any], after: dict[str, Any]) -> dict[str, str] | None:
    """The method of each year when the two differ (another method or version, or the same version with other
    rule files): a level may then change with the method, not the risk."""
    def named(result: dict[str, Any]) -> str:
        method = result.get("metodo", {})
        return f"{method.get('codice', '')} {method.get('versione', '')}".strip()

    # A run stored before results carried the rule files' digest has none: only two digests compare.
    rules = [result.get("digest", {}).get("regole") for result in (before, after)]
    if named(before) == named(after) and (None in rules or rules[0] == rules[1]):
        return None
    return {"da": named(before), "a": named(after)}


def changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What changed from ``before`` to ``after`` (two results of the same administration), sorted by code.

    A process is new when assessed only in ``after`` (added to the catalogue, or first assessed),
    removed when assessed only in ``before``. A process "moved" when its inherent level differs, and its
    residual "moved" when the level of its planned or monitored residual differs (a band edge, a measure's
    state or efficacy may change those alone); the direction follows the method's level order. When
    ``before``'s method has other level codes, a level moved when its place on its scale differs, which way by
    the scores where both have one (see :class:`_Scales`), and ``livelli_da`` gives their labels.
    A measure of ``before`` was due when its deadline fell in ``before``'s year or earlier; its outcome is
    read in ``after``: implemented, late, or dropped (gone, or not to be done). Two results of one year
    (a run against the files as they are now) have no earlier year's measures.
    """
    levels_after = after["metodo"]["livelli"]
    levels_before = before["metodo"].get("livelli") or levels_after
    scales = _Scales(levels_before, levels_after)
    old = {p["codice"]: p for p in before["processi"]}
    new = {p["codice"]: p for p in after["processi"]}
    moved, residuals = [], []
    for code in sorted(old.keys() & new.keys()):
        a, b = old[code], new[code]
        if not (a["valutato"] and b["valutato"]):
            continue
        inherent = _moved({"livello": a["livello"], "rischio": (a.get("inerente") or {}).get("rischio")},
                          {"livello": b["livello"], "rischio": (b.get("inerente") or {}).get("rischio")}, scales)
        if inherent is not None:
            moved.append({"codice": code, "nome": b["nome"], **inherent})
        for state in RESIDUALS:
            residual = _moved(a.get(state), b.get(state), scales)
            if residual is not None:
                residuals.append({"codice": code, "nome": b["nome"], "stato": state, **residual})

    def brief(p: dict[str, Any]) -> dict[str, Any]:
        return {"codice": p["codice"], "nome": p["nome"], "livello": p.get("livello")}

    measures_after = {m["codice"]: m for m in after["misure"]}
    due = [{"codice": m["codice"], "nome": m["nome"], "scadenza": m["scadenza"],
            "esito": _outcome(m, measures_after.get(m["codice"]))}
           for m in sorted(before["misure"], key=lambda m: m["codice"])
           if before["anno"] != after["anno"] and _due_by(m, before["anno"])]
    old_assessed = {c for c, p in old.items() if p["valutato"]}
    new_assessed = {c for c, p in new.items() if p["valutato"]}
    method = _method_change(before, after)
    return {"da": before["anno"], "a": after["anno"], **({"metodo": method} if method else {}),
            "livelli": level_labels(levels_after),
            **({"livelli_da": level_labels(levels_before)} if not scales.one else {}),
            "processi_cambiati": moved,
            "residui_cambiati": residuals,
            "processi_nuovi": [brief(new[c]) for c in sorted(new_assessed - old_assessed)],
            "processi_rimossi": [brief(old[c]) for c in sorted(old_assessed - new_assessed)],
            "misure_dovute": due}
