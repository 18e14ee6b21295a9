"""Codes that look the same but differ: ``B2.1.1`` and ``В2.1.1`` (Cyrillic В) are two processes that print alike."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from riskengine.errors import Problem, Severity, shorten
from riskengine.i18n import said
from riskengine.suggest import skeleton

if TYPE_CHECKING:
    from riskengine.catalog.load import Catalog

Place = tuple[str, str, str, tuple[Any, ...]]  # kind, code, file, keys of the code in the file
FINDINGS = {"look-alike-code": Severity.WARNING}  # by code, its severity (``rules-list`` lists it)


def _phases(fasi: list[Any], keys: tuple[Any, ...]) -> Iterator[Place]:
    for i, fase in enumerate(fasi):
        here = (*keys, "fasi", i)
        yield "phase", fase.codice, "processes.yaml", (*here, "codice")
        yield from _events(fase.eventi, here)
        yield from _phases(fase.fasi, here)


def _events(eventi: list[Any], keys: tuple[Any, ...]) -> Iterator[Place]:
    for i, evento in enumerate(eventi):
        yield "event", evento.codice, "processes.yaml", (*keys, "eventi", i, "codice")


def _codes(catalog: Catalog) -> Iterator[Place]:
    """Every code the catalogue defines, with its kind and place."""
    for i, area in enumerate(catalog.areas.aree):
        yield "area", area.ref, "areas.yaml", ("aree", i, "codice")
    for i, unita in enumerate(catalog.units.unita):
        yield "unit", unita.codice, "units.yaml", ("unita", i, "codice")
    for i, ruolo in enumerate(catalog.units.ruoli):
        yield "role", ruolo.codice, "units.yaml", ("ruoli", i, "codice")
    for i, fattore in enumerate(catalog.factors.fattori):
        yield "factor", fattore.codice, "factors.yaml", ("fattori", i, "codice")
    for i, processo in enumerate(catalog.processes.processi):
        here = ("processi", i)
        yield "process", processo.codice, "processes.yaml", (*here, "codice")
        yield from _events(processo.eventi, here)
        yield from _phases(processo.fasi, here)
    for i, misura in enumerate(catalog.measures.misure):
        yield "measure", misura.codice, "measures.yaml", ("misure", i, "codice")


def look_alike_codes(catalog: Catalog) -> list[Problem]:
    """A warning for each code that looks like an earlier, different code of the same kind.

    Two codes look alike when they are equal after Unicode compatibility normalisation (NFKC) and
    the mapping of common Cyrillic and Greek look-alikes to Latin letters (see ``suggest.skeleton``).
    """
    first: dict[tuple[str, str], tuple[str, str, tuple[Any, ...]]] = {}
    warnings = []
    for kind, code, file, keys in _codes(catalog):
        seen = first.setdefault((kind, skeleton(code)), (code, file, keys))
        if seen[0] != code:
            where = catalog.locate(seen[1], seen[2])
            warnings.append(said(
                catalog.locate(file, keys), "integrita.look-alike-code", code="look-alike-code",
                severity=FINDINGS["look-alike-code"], hint_key="problemi.suggerimento.stesso_alfabeto",
                genere_chiave=f"problemi.genere.{kind}", genere=kind, codice=shorten(code), simile=shorten(seen[0]),
                dove=where))
    return warnings
