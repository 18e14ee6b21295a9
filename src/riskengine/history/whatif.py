"""What a scenario changes (per process and in the summary) and the ranking of planned measures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from riskengine.history.figures import AVERAGES, delta
from riskengine.source.fields import decimal_text

STATES = ("inerente", "residuo_programmato", "residuo_monitorato")
PLANNED = ("da-attuare", "in-corso")  # measures still to be carried out


def compare_runs(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """Per-process score and level changes of every risk state, and the summary's deltas."""
    old = {p["codice"]: p for p in before["processi"] if p["valutato"]}
    processes = []
    for p in after["processi"]:
        a = old.get(p["codice"])
        if a is None or not p["valutato"]:
            continue
        changed = {}
        for state in STATES:
            x, y = a[state], p[state]
            if (x["rischio"], x["livello"]) != (y["rischio"], y["livello"]):
                changed[state] = {"rischio_da": x["rischio"], "rischio_a": y["rischio"],
                                  "variazione": delta(y["rischio"], x["rischio"]),
                                  "livello_da": x["livello"], "livello_a": y["livello"]}
        if changed:
            processes.append({"codice": p["codice"], "nome": p["nome"], "stati": changed})
    summary = {k: {"da": before["sintesi"].get(k), "a": after["sintesi"].get(k),
                   "variazione": delta(after["sintesi"].get(k), before["sintesi"].get(k))} for k in AVERAGES}
    levels = {state: {lvl: after["sintesi"]["per_livello"][state][lvl] - n
                      for lvl, n in before["sintesi"]["per_livello"][state].items()} for state in STATES}
    return {"processi": sorted(processes, key=lambda p: p["codice"]),
            "sintesi": summary, "per_livello": levels}


def planned_measures(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The measures still to be carried out that treat at least one process, by code."""
    return sorted((m for m in result["misure"] if m["stato_monitorato"] in PLANNED and m["processi"]),
                  key=lambda m: m["codice"])


def rank(baseline: dict[str, Any], without: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Rank planned measures by the planned residual risk they remove.

    ``without[code]`` is the result evaluated without measure ``code``. A measure removes, over all
    processes, the difference between its absence and the plan; a process "drops a level" when its
    planned residual level is lower with the measure. Ties: more processes dropping, then code. A method
    without scores (levels only) removes no risk to measure: ``rischio_rimosso`` is None, the processes
    dropping a level rank the measures.
    """
    numeric = bool(baseline["metodo"].get("numerico"))
    order = {lvl["codice"]: i for i, lvl in enumerate(baseline["metodo"]["livelli"])}
    with_it = {p["codice"]: p["residuo_programmato"] for p in baseline["processi"] if p["valutato"]}
    ranking = []
    for measure in planned_measures(baseline):
        removed = Decimal(0)
        dropped = []
        for p in without[measure["codice"]]["processi"]:
            if not p["valutato"] or p["codice"] not in with_it:
                continue
            mine, theirs = with_it[p["codice"]], p["residuo_programmato"]
            if mine["rischio"] is not None and theirs["rischio"] is not None:
                removed += Decimal(theirs["rischio"]) - Decimal(mine["rischio"])
            if order[mine["livello"]] < order[theirs["livello"]]:
                dropped.append(p["codice"])
        ranking.append({"codice": measure["codice"], "nome": measure["nome"], "stato": measure["stato_monitorato"],
                        "scadenza": measure["scadenza"], "responsabile": measure["responsabile"],
                        "processi": len(measure["processi"]),
                        "rischio_rimosso": decimal_text(removed) if numeric else None,
                        "processi_abbassati": sorted(dropped)})
    ranking.sort(key=lambda r: (-Decimal(r["rischio_rimosso"] or 0), -len(r["processi_abbassati"]), r["codice"]))
    for position, entry in enumerate(ranking, 1):
        entry["posizione"] = position
    return ranking
