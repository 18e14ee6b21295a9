"""The monitoring plan the method selects: which processes or phases get a check, how, how often, by whom.

The method's ``piano_monitoraggio`` lists selections (e.g. one process per area among those rated
medio or medio-alto, checked by the RPCT); this module applies them to the assessed processes of a
year. The choice rotates over the years and is deterministic: the items checked longest ago come
first (never checked before all, from the runs recorded in the history store), and among equals
the candidates, in code order, are read from a position that moves each year by the number taken
(shifted by the method's ``seme``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from riskengine.method.models import PianoMonitoraggio, Selezione


@dataclass(frozen=True)
class Candidate:
    """An assessed process as the selection sees it: its area, inherent level and the phases it may check.

    ``fasi``: (code, name) of the phases or activities that carry risk events, in file order.
    """

    processo: str
    nome: str
    area: str | None
    livello: str | None
    fasi: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Item:
    candidate: Candidate
    code: str  # the process or phase checked
    name: str
    phase: str | None


def _natural(code: str) -> tuple:
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", code) if part)


def _items(selection: Selezione, candidate: Candidate) -> list[_Item]:
    if selection.oggetto == "fase" and candidate.fasi:
        return [_Item(candidate, code, name, code) for code, name in candidate.fasi]
    return [_Item(candidate, candidate.processo, candidate.nome, None)]


def _ranked(items: list[_Item], take: int, year: int, seed: int, last_checked: dict[str, int]) -> list[_Item]:
    """Items checked longest ago first; among equals, code order read from this year's position."""
    ordered = sorted(items, key=lambda i: _natural(i.code))
    if not ordered:
        return []
    offset = ((year + seed) * take) % len(ordered)
    position = {id(item): (index - offset) % len(ordered) for index, item in enumerate(ordered)}
    return sorted(ordered, key=lambda i: (last_checked.get(i.code, -1), position[id(i)]))


def _take(ranked: list[_Item], n: int, chosen: set[str]) -> list[_Item]:
    """The first ``n`` items of distinct processes not chosen yet."""
    found: list[_Item] = []
    for item in ranked:
        if len(found) == n:
            break
        if item.candidate.processo not in chosen and all(f.candidate.processo != item.candidate.processo
                                                         for f in found):
            found.append(item)
    return found


def _select(selection: Selezione, candidates: list[Candidate], year: int, seed: int,
            last_checked: dict[str, int], chosen: set[str]) -> list[_Item]:
    eligible = [c for c in candidates if c.livello in selection.livelli and c.processo not in chosen
                and (not selection.aree or c.area in selection.aree)]
    items = [item for c in eligible for item in _items(selection, c)]
    if selection.per_area is not None:
        areas = sorted({i.candidate.area or "" for i in items}, key=_natural)
        taken = []
        for area in areas:
            group = [i for i in items if (i.candidate.area or "") == area]
            taken += _take(_ranked(group, selection.per_area, year, seed, last_checked), selection.per_area, chosen)
        if selection.numero is not None and len(taken) > selection.numero:
            ranked = _ranked(taken, selection.numero, year, seed, last_checked)
            kept = {id(i) for i in ranked[:selection.numero]}
            taken = [i for i in taken if id(i) in kept]
        return taken
    assert selection.numero is not None  # the model requires per_area or numero
    return _take(_ranked(items, selection.numero, year, seed, last_checked), selection.numero, chosen)


def select_checks(plan: PianoMonitoraggio, candidates: list[Candidate], year: int,
                  last_checked: dict[str, int] | None = None) -> list[dict[str, object]]:
    """The rows of the monitoring plan: each selection in the method's order, a process chosen once.

    ``last_checked``: the last year each process or phase was checked (from the history store; empty or
    None: no earlier run, the rotation follows the year and ``seme`` alone).
    """
    checked = last_checked or {}
    chosen: set[str] = set()
    rows: list[dict[str, object]] = []
    for selection in plan.selezioni:
        for item in _select(selection, candidates, year, plan.seme, checked, chosen):
            chosen.add(item.candidate.processo)
            rows.append({
                "selezione": selection.codice, "descrizione": selection.descrizione, "oggetto": selection.oggetto,
                "voce": item.code, "nome": item.name, "processo": item.candidate.processo,
                "fase": item.phase, "area": item.candidate.area, "livello": item.candidate.livello,
                "modalita": selection.modalita, "campione": selection.campione,
                "periodicita": selection.periodicita, "livello_verifica": selection.livello,
                "verificatore": selection.verificatore, "periodo": selection.periodo,
                "ultima_verifica": checked.get(item.code)})
    return rows
