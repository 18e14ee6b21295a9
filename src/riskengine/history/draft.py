"""The next year's draft assessment: last year's answers to be confirmed, measures' statuses carried."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from riskengine.catalog.models import Misura
from riskengine.i18n import Text
from riskengine.workbook.yamlfile import canonical_yaml

DONE = "attuata"


def _plain(value: Any) -> Any:
    """YAML-ready data: exact decimals as numbers where whole, as text otherwise (answers match either)."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def overdue(misura: Misura, state: str, year: int) -> bool:
    """Whether a measure not yet implemented had a deadline before the new year."""
    return state != DONE and isinstance(misura.scadenza, dt.date) and misura.scadenza < dt.date(year, 1, 1)


def draft(previous: dict[str, Any], measures: list[Misura], to_year: int, lang: str = "it") -> str:
    """The YAML text of ``assessment-<to_year>.yaml`` drafted from last year's file (its plain data).

    Every answer is copied and marked ``da_confermare``; every measure's status is carried (last
    year's monitoring, else the catalogue's), with a note on the overdue ones; checks done are reset. The comments
    and notes are in ``lang``.
    """
    words = Text(lang)
    from_year = previous["anno"]
    monitored = {m["misura"]: m for m in previous.get("monitoraggio") or []}
    entries = []
    for entry in previous.get("valutazioni") or []:
        copied = {k: _plain(v) for k, v in entry.items() if k != "da_confermare"}
        entries.append({**copied, "da_confermare": True})
    monitoring = []
    flagged = []
    for misura in sorted(measures, key=lambda m: m.codice):
        before = monitored.get(misura.codice, {})
        state = before.get("stato", misura.stato)
        record: dict[str, Any] = {"misura": misura.codice, "stato": state}
        if before.get("verifiche_previste") is not None:
            record["verifiche_previste"] = before["verifiche_previste"]
            record["verifiche_eseguite"] = 0
        if overdue(misura, state, to_year):
            assert isinstance(misura.scadenza, dt.date)
            record["note"] = words("bozza.scaduta", data=words.day(misura.scadenza.isoformat()))
            flagged.append(misura.codice)
        monitoring.append(record)
    head = "".join(f"# {words(f'bozza.intestazione.riga_{n}', anno=str(to_year), da_anno=str(from_year))}\n"
                   for n in range(1, 5))
    if flagged:
        head += f"# {words('bozza.scadute', misure=', '.join(flagged))}\n"
    # in the catalogue's canonical form, which raccogli keeps where nothing changed (PyYAML's default, lists not
    # indented and text wrapped at 120, was rewritten whole by the first raccogli)
    return head + canonical_yaml({"anno": to_year, "valutazioni": entries, "monitoraggio": monitoring})
