"""The official tree of "Amministrazione trasparente" (AgID/ANAC controlled vocabulary, CC BY 4.0).

Read from the package data ``data/trasparenza-sezioni.csv`` (attribution in
``data/trasparenza-sezioni.md``): 22 sections and 68 sub-sections with their Italian and English
names. Sections are ordered as in the source's ``l0:positionInSequence``, not by code: section 22
"Pagamenti dell'amministrazione" comes 16th, after 15 "Servizi erogati".
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from functools import cache
from importlib import resources

ATTRIBUTION = ("Vocabolario Controllato Trasparenza PA (transparency-titulus) di A.N.AC. / AgID, "
               "da github.com/italia/dati-semantic-assets, licenza CC BY 4.0; riportati solo codici, "
               "gerarchia e denominazioni, codici scritti senza il punto.")
# positionInSequence of the top concepts: the source's order, which code order breaks only for 22.
_SECTION_ORDER = ("01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13", "14", "15",
                  "22", "16", "17", "18", "19", "20", "21")


@dataclass(frozen=True)
class Voce:
    """A section (``livello`` 1) or sub-section (2) of the official tree."""

    codice: str
    livello: int
    padre: str | None
    nome: str
    nome_en: str


@cache
def albero() -> dict[str, Voce]:
    """Every section and sub-section by code, in the official order (a section before its sub-sections)."""
    text = (resources.files("riskengine") / "data" / "trasparenza-sezioni.csv").read_text(encoding="utf-8")
    voci = [Voce(r["codice"], int(r["livello"]), r["codice_padre"] or None, r["denominazione_it"],
                 r["denominazione_en"].strip()) for r in csv.DictReader(io.StringIO(text))]
    sections = {v.codice: v for v in voci if v.livello == 1}
    if sorted(sections) != sorted(_SECTION_ORDER):  # the package data and the order must agree
        raise RuntimeError("trasparenza-sezioni.csv does not hold the 22 sections of the official tree")
    ordered: dict[str, Voce] = {}
    for code in _SECTION_ORDER:
        ordered[code] = sections[code]
        for v in sorted((v for v in voci if v.padre == code), key=lambda v: v.codice):
            ordered[v.codice] = v
    return ordered


def ordine(codice: str) -> int:
    """Position of a section or sub-section in the official order (unknown codes last)."""
    positions = _positions()
    return positions.get(codice, len(positions))


@cache
def _positions() -> dict[str, int]:
    return {code: i for i, code in enumerate(albero())}


def sezioni() -> list[Voce]:
    """The 22 sections in the official order."""
    return [v for v in albero().values() if v.livello == 1]


def sottosezioni(sezione: str | None = None) -> list[Voce]:
    """The sub-sections (of one section, or all) in the official order."""
    return [v for v in albero().values() if v.livello == 2 and (sezione is None or v.padre == sezione)]


def codice_piu_vicino(codice: str, livello: int) -> str:
    """The code of the tree nearest to ``codice`` at ``livello``: fewest differing characters, then
    nearest as a number (``0106`` → ``0103``, ``23`` → ``22``), then the smaller code. A code written
    without its leading zeros (``1``, read from YAML as a number) is compared as ``01``."""
    pool = [v.codice for v in albero().values() if v.livello == livello]
    figures = codice.isascii() and codice.isdigit()  # not '0²', which isdigit() takes and int() refuses
    codice = codice.zfill(2 * livello) if figures else codice

    def distance(candidate: str) -> tuple[int, int, str]:
        differing = sum(a != b for a, b in zip(candidate, codice, strict=False)) + abs(len(candidate) - len(codice))
        gap = abs(int(candidate) - int(codice)) if figures else 0
        return (differing, gap, candidate)

    return min(pool, key=distance)
