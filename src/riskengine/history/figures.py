"""The figures of a year (averages, processes per level, measures) and the trend section of a result."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from riskengine.history.compare import changes, level_labels
from riskengine.history.storico import AnnoDichiarato
from riskengine.source.fields import decimal_text

AVERAGES = ("rischio_medio_inerente", "rischio_medio_residuo_programmato", "rischio_medio_residuo_monitorato")
COMPARED = AVERAGES + ("misure_attuate", "misure_dovute", "tasso_attuazione")


def year_figures(result: dict[str, Any], source: str = "registrato", reference: str | None = None) -> dict[str, Any]:
    """The compared figures of a result (numbers as exact text)."""
    summary = result["sintesi"]
    return {"anno": result["anno"], "fonte": source, "riferimento": reference,
            **{k: summary.get(k) for k in AVERAGES},
            "per_livello": dict(summary["per_livello"]["inerente"]) if summary.get("processi_valutati") else {},
            # the measures due at the reference date, the rate's base (not known of a run recorded before it was kept)
            "misure_attuate": summary["misure_attuate"], "misure_dovute": summary.get("attuazione", {}).get("dovute"),
            "tasso_attuazione": summary["tasso_attuazione"]}


def declared_figures(year: AnnoDichiarato, levels: list[str]) -> dict[str, Any]:
    """The figures a plan published for a year before the tool, marked as declared with their source."""
    def text(value: Decimal | None) -> str | None:
        return decimal_text(value) if value is not None else None

    rate = year.tasso_attuazione
    if rate is None and year.misure_dovute:
        rate = (Decimal(year.misure_attuate or 0) * 100 / year.misure_dovute).quantize(Decimal("0.1"))
    return {"anno": year.anno, "fonte": "dichiarato", "riferimento": year.fonte,
            **{k: text(getattr(year, k)) for k in AVERAGES},
            "per_livello": {lvl: year.processi_per_livello[lvl] for lvl in levels if lvl in year.processi_per_livello},
            "misure_attuate": year.misure_attuate, "misure_dovute": year.misure_dovute,
            "tasso_attuazione": text(rate)}


def delta(current: Any, previous: Any) -> str | None:
    """``current − previous`` as exact text, or None when either is missing."""
    if current is None or previous is None:
        return None
    return decimal_text(Decimal(str(current)) - Decimal(str(previous)))


def history_section(result: dict[str, Any], recorded: dict[int, tuple[str, dict[str, Any]]],
                    declared: dict[int, AnnoDichiarato],
                    declared_levels: Mapping[int, list[dict[str, Any]]] | None = None) -> dict[str, Any]:
    """The ``storico`` section of a result: the years before it, last year's figures, deltas and changes.

    ``recorded``: year → (reference of the run, its result) for the latest run of each earlier year;
    ``declared``: the years of ``storico.yaml``, used where no run is recorded; ``declared_levels``: the levels
    (code and labels) of a declared year's method, when it is not the result's (ente.yaml's metodi_precedenti).
    A year whose method had other level codes carries them (``livelli``): its counts are on its own scale.
    """
    year = result["anno"]
    levels = [lvl["codice"] for lvl in result["metodo"]["livelli"]]
    years: dict[int, dict[str, Any]] = {}
    for y, entry in declared.items():
        if y < year:
            own = (declared_levels or {}).get(y)
            codes = [lvl["codice"] for lvl in own] if own else levels
            years[y] = declared_figures(entry, codes)
            if own and codes != levels:
                years[y]["livelli"] = level_labels(own)
    for y, (reference, earlier) in recorded.items():
        if y < year:
            years[y] = year_figures(earlier, "registrato", reference)
            if [lvl["codice"] for lvl in earlier["metodo"]["livelli"]] != levels:  # its counts are of other levels
                years[y]["livelli"] = level_labels(earlier["metodo"]["livelli"])
    current = year_figures(result, "corrente")
    previous = years.get(year - 1)
    section: dict[str, Any] = {
        "anni": [years[y] for y in sorted(years)] + [current],
        "precedente": year - 1 if previous else None,
        "variazioni": {k: delta(current[k], previous[k]) for k in COMPARED} if previous else {},
        "cambiamenti": None,
    }
    if previous and previous["fonte"] == "registrato":
        section["cambiamenti"] = changes(recorded[year - 1][1], result)
    return section
