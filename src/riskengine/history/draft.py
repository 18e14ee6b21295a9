"""The next year's draft assessment: last year's answers to be confirmed, measures' statuses carried."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from riskengine.catalog.models import Misura
from riskengine.i18n import Text
from riskengine.workbook.yamlfile import canonical_yaml

DONE = "attuata"


def _plain(value: Any) -> Any:
    """YAML-ready data: exact decimals as numbers where whole, as text otherwise (answers match either); a number
    read from the file as it was written (the YAML writer knows no float of the reader's own type)."""
    if isinstance(value, float):
        return Decimal(repr(value))  # written as the number it is, exactly (workbook.yamlfile)
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


@dataclass
class Draft:
    """A drafted year: its YAML text, and what of last year's answers the method no longer asks.

    ``tolte``: per indicator the method lacks, how many answers were left out; ``voci_tolte``: how many entries
    were left out because they assess another kind of item than the method (a process, a phase, a risk event);
    ``residui_tolti``: the items whose re-rating of the residual risk was left out with their answers.
    """

    text: str
    tolte: Counter[str] = field(default_factory=Counter)
    voci_tolte: int = 0
    residui_tolti: list[str] = field(default_factory=list)


def _entry(entry: dict[str, Any], level: str, indicators: Collection[str], drafted: Draft) -> dict[str, Any]:
    """Last year's entry marked to be confirmed, without the answers (and their reasons) to indicators the method
    lacks: after a change of method they would be refused one by one, and hide what the year still needs. An entry
    left with no answer has nothing to confirm: its motivazione and its re-rating of the residual risk (a level or
    score of the other method's scale) go with the answers, and what the referent writes there is this year's."""
    copied = {k: _plain(v) for k, v in entry.items() if k != "da_confermare"}
    answers, reasons = copied.get("risposte") or {}, copied.get("motivazioni") or {}
    gone = [name for name in answers if name not in indicators]
    if not gone:
        return {**copied, "da_confermare": True}
    drafted.tolte.update(gone)
    copied["risposte"] = {name: value for name, value in answers.items() if name in indicators}
    if "motivazioni" in copied:
        copied["motivazioni"] = {name: text for name, text in reasons.items() if name in indicators}
        if not copied["motivazioni"]:  # every reason was for an answer left out
            del copied["motivazioni"]
    if copied["risposte"]:  # a slip of last year's, or a method that asks some of the same: to be confirmed
        return {**copied, "da_confermare": True}
    # none of its answers is the method's: the judgement, its reason and its re-rating were another method's
    copied.pop("motivazione", None)
    if copied.pop("residuo", None) is not None:
        drafted.residui_tolti.append(str(entry[level]))
    return copied


def draft(previous: dict[str, Any], measures: list[Misura], to_year: int, lang: str = "it", *,
          indicators: Collection[str], level: str) -> Draft:
    """``assessment-<to_year>.yaml`` drafted from last year's file (its plain data), for the method whose
    indicators are ``indicators`` and which assesses each ``level`` (``processo``, ``fase`` or ``evento``).

    Every answer is copied and marked ``da_confermare``, but for indicators the method lacks (the method changed:
    those answers are left out and counted); every measure's status is carried (last year's monitoring, else the
    catalogue's), with a note on the overdue ones; checks done are reset. The comments and notes are in ``lang``.
    """
    words = Text(lang)
    from_year = previous["anno"]
    monitored = {m["misura"]: m for m in previous.get("monitoraggio") or []}
    entries = []
    drafted = Draft("")
    for entry in previous.get("valutazioni") or []:
        if entry.get(level) is None:  # an entry of another kind of item: none of its answers would hold
            drafted.voci_tolte += 1
            continue
        entries.append(_entry(entry, level, indicators, drafted))
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
    if drafted.tolte or drafted.voci_tolte:
        head += f"# {words('bozza.metodo_cambiato', da_anno=str(from_year))}\n"
    if drafted.residui_tolti:
        head += f"# {words('bozza.residui_tolti', da_anno=str(from_year), voci=', '.join(drafted.residui_tolti))}\n"
    # in the catalogue's canonical form, which raccogli keeps where nothing changed (PyYAML's default, lists not
    # indented and text wrapped at 120, was rewritten whole by the first raccogli)
    drafted.text = head + canonical_yaml({"anno": to_year, "valutazioni": entries, "monitoraggio": monitoring})
    return drafted
