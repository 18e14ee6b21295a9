"""Publication obligations (trasparenza.yaml) as graph queries: their order, owners, due dates and status."""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Any

from riskengine.catalog.albero_trasparenza import ordine
from riskengine.graph.build import PUBLISHES, TRANSMITS, CatalogGraph

PERIOD_MONTHS = {"trimestrale": 3, "semestrale": 6, "annuale": 12}
# The outcome of an obligation at the plan date, from the most to the least serious.
STATI = ("in-ritardo", "incompleto", "da-verificare", "aggiornato")
_LATE = ("non-conforme", "non-pubblicato")


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` plus ``months`` calendar months (31 August + 6 months is 28 or 29 February); past the calendar's
    last day (an update recorded in 9999, an open-ended sentinel), that last day."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    if year > dt.MAXYEAR:
        return dt.date.max
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_due(obbligo: Any) -> dt.date | None:
    """When the next update is due: the last update plus the period, the fixed date, or the deadline."""
    frequency = obbligo.aggiornamento
    if isinstance(frequency, dt.date):
        return frequency
    if frequency in PERIOD_MONTHS and obbligo.ultimo_aggiornamento is not None:
        return add_months(obbligo.ultimo_aggiornamento, PERIOD_MONTHS[frequency])
    return obbligo.scadenza


def overdue(obbligo: Any, day: dt.date) -> dt.date | None:
    """The due date an obligation missed on ``day`` (its update is late), or None."""
    due = next_due(obbligo)
    if due is None or due >= day:
        return None
    if isinstance(obbligo.aggiornamento, dt.date) and obbligo.ultimo_aggiornamento is not None \
            and obbligo.ultimo_aggiornamento >= due:
        return None  # a fixed-date obligation updated on or after its date is done
    return due


def status(obbligo: Any, day: dt.date) -> str:
    """The obligation's outcome on ``day`` (one of :data:`STATI`): late when an update is overdue or the
    last check found it missing or non-compliant; incomplete when the check found it partial."""
    esito = obbligo.esito_monitoraggio.esito if obbligo.esito_monitoraggio else None
    if overdue(obbligo, day) is not None or esito in _LATE:
        return "in-ritardo"
    if esito == "parziale":
        return "incompleto"
    if esito == "conforme" or obbligo.ultimo_aggiornamento is not None:
        return "aggiornato"
    return "da-verificare"


def obligations(cg: CatalogGraph) -> list[str]:
    """Obligation nodes in the order of the official tree (section, sub-section), then as written."""
    key = ("", "obligations")
    if key not in cg._memo:  # asked once per unit by the result and the views
        cg._memo[key] = sorted(cg.nodes_of("obligation"),
                               key=lambda n: (ordine(cg.obj(n).sottosezione), cg.attrs(n)["path"]))
    return list(cg._memo[key])


def obligations_of_unit(cg: CatalogGraph, party: str) -> tuple[list[str], list[str]]:
    """Obligations whose data a unit or role transmits, and those it publishes (tree order)."""
    position = {n: i for i, n in enumerate(obligations(cg))}
    transmits = sorted(cg.targets(party, TRANSMITS), key=position.__getitem__)
    publishes = sorted(cg.targets(party, PUBLISHES), key=position.__getitem__)
    return transmits, publishes


def owner(cg: CatalogGraph, node: str, rel: str) -> str | None:
    """The unit or role that transmits (``rel`` = transmits) or publishes an obligation, if it resolves."""
    found = cg.sources(node, rel)
    return found[0] if found else None


def obligation_summary(cg: CatalogGraph, node: str) -> dict[str, Any]:
    """The facts about an obligation that its owners and the annex need (dates as ISO text)."""
    from riskengine.catalog.albero_trasparenza import albero

    o = cg.obj(node)
    day = cg.catalog.ente.data_riferimento
    tree = albero()

    def party(rel: str) -> dict[str, str] | None:
        found = owner(cg, node, rel)
        return {"codice": cg.code(found), "nome": cg.attrs(found)["label"]} if found else None

    def iso(value: dt.date | None) -> str | None:
        return value.isoformat() if value else None

    schema = o.schema_anac
    due = next_due(o)
    return {
        "codice": o.codice,
        "sezione": {"codice": o.sezione, "nome": tree[o.sezione].nome, "nome_en": tree[o.sezione].nome_en},
        "sottosezione": {"codice": o.sottosezione, "nome": tree[o.sottosezione].nome,
                         "nome_en": tree[o.sottosezione].nome_en},
        "riferimento": o.riferimento, "denominazione": o.denominazione, "contenuto": o.contenuto,
        # a period (tempestivo, trimestrale…) or a fixed date as ISO text
        "aggiornamento": iso(o.aggiornamento) if isinstance(o.aggiornamento, dt.date) else o.aggiornamento,
        "termine": o.termine, "prossima_scadenza": iso(due),
        "trasmissione": party(TRANSMITS), "pubblicazione": party(PUBLISHES),
        "monitoraggio": o.monitoraggio,
        "schema_anac": {"delibera": schema.delibera, "allegato": schema.allegato, "vincolante": schema.vincolante,
                        "dal": iso(schema.dal)} if schema else None,
        "formato_aperto": o.formato_aperto,
        "ultimo_aggiornamento": iso(o.ultimo_aggiornamento),
        "esito_monitoraggio": {"data": o.esito_monitoraggio.data.isoformat(), "esito": o.esito_monitoraggio.esito,
                               "note": o.esito_monitoraggio.note} if o.esito_monitoraggio else None,
        "attestazione_oiv": {"data": o.attestazione_oiv.data.isoformat(), "esito": o.attestazione_oiv.esito}
        if o.attestazione_oiv else None,
        "ulteriore": o.ulteriore,
        "stato": status(o, day),
    }
