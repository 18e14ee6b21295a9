"""``storico.yaml``: the published figures of years before the tool, each with its source."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from pydantic import Field

from riskengine.errors import Problem, RiskengineError
from riskengine.i18n import said
from riskengine.method.models import Count
from riskengine.source.document import load_yaml
from riskengine.source.fields import Dec, Model, Text
from riskengine.source.validate import validate_document

FILE = "storico.yaml"


class AnnoDichiarato(Model):
    """The figures an earlier plan published for one year; ``fonte`` says where (plan and page)."""

    anno: int = Field(ge=2000, le=2100)
    fonte: Text = Field(min_length=1)
    rischio_medio_inerente: Dec | None = Field(default=None, ge=Decimal(0))
    rischio_medio_residuo_programmato: Dec | None = Field(default=None, ge=Decimal(0))
    rischio_medio_residuo_monitorato: Dec | None = Field(default=None, ge=Decimal(0))
    processi_per_livello: dict[str, Count] = Field(default_factory=dict)  # strict: 'true' is not 1 process
    misure_dovute: Count | None = None
    misure_attuate: Count | None = None
    tasso_attuazione: Dec | None = Field(default=None, ge=Decimal(0), le=Decimal(100))


class StoricoFile(Model):
    """storico.yaml."""

    anni: list[AnnoDichiarato] = Field(default_factory=list)


def load_storico(catalog_dir: str | Path, levels_of: Callable[[int], list[str] | None]) -> dict[int, AnnoDichiarato]:
    """The declared years of a catalogue by year (none without ``storico.yaml``); raise on any problem.

    ``levels_of(year)``: the level codes of the year's method, the only keys its ``processi_per_livello`` may use
    (None: its method could not be loaded, which is said where it is named).
    """
    path = Path(catalog_dir) / FILE
    if not path.is_file():
        return {}
    doc = load_yaml(path)
    problems: list[Problem] = []
    model = validate_document(doc, StoricoFile, problems)
    if model is None:
        raise RiskengineError(problems)
    found: dict[int, AnnoDichiarato] = {}
    for index, year in enumerate(model.anni):
        keys = ("anni", index)
        if year.anno in found:
            problems.append(said(doc.locate(keys + ("anno",)), "problemi.storico.anno_doppio", code="storico",
                                 hint_key="problemi.storico.suggerimento.un_anno", anno=year.anno))
        levels = levels_of(year.anno) if year.processi_per_livello else None
        for level in year.processi_per_livello:
            if levels is not None and level not in levels:
                problems.append(said(doc.locate(keys + ("processi_per_livello", level), key=True),
                                     "problemi.storico.livello_sconosciuto", code="storico",
                                     hint_key="problemi.storico.suggerimento.livelli", livello=level,
                                     livelli=", ".join(levels), anno=year.anno))
        if (year.misure_attuate is not None and year.misure_dovute is not None
                and year.misure_attuate > year.misure_dovute):
            problems.append(said(doc.locate(keys + ("misure_attuate",)), "problemi.storico.attuate_oltre_dovute",
                                 code="storico", hint_key="problemi.storico.suggerimento.attuate",
                                 attuate=year.misure_attuate, dovute=year.misure_dovute))
        found[year.anno] = year
    if problems:
        raise RiskengineError(problems)
    return found
