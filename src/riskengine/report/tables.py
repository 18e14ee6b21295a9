"""The tables of the annex as rows of values, shared by the XLSX and CSV writers.

Values are what the result holds: numbers as :class:`~decimal.Decimal` (exactly the JSON text),
calendar dates as :class:`~datetime.date`, levels as :class:`Level` (label plus colour), everything
else as text. Text is *not* neutralised
here; each writer neutralises at the last moment (see :mod:`riskengine.report.safety`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from riskengine.report.arithmetic import percent
from riskengine.report.view import View


@dataclass(frozen=True)
class Level:
    """A level cell: written as its label, filled with its colour."""

    codice: str
    etichetta: str
    colore: str
    testo: str

    def __str__(self) -> str:
        return self.etichetta


@dataclass
class Column:
    key: str                 # label key under ``colonne.``
    kind: str = "text"       # text | number | integer | level | date
    width: int = 16          # XLSX column width (characters)
    label: str | None = None  # the header when it is a name from the method (a variant's), not a message


def header(view: View, column: Column) -> str:
    """The header of a column: its method-given label, or its message."""
    return column.label if column.label is not None else view.t(f"colonne.{column.key}")


@dataclass
class Table:
    name: str                # file stem of the CSV (``registro`` → registro.csv)
    sheet: str               # label key under ``fogli.`` (XLSX sheet name)
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)


def _dec(value: Any) -> Decimal | None:
    return Decimal(str(value)) if value not in (None, "") else None


def _level(view: View, code: str | None) -> Level | None:
    lvl = view.level_of(code)
    return Level(lvl["codice"], lvl["etichetta"], lvl["colore"], lvl["testo"]) if lvl else None


def _areas(p: dict[str, Any]) -> str:
    return "; ".join(f"{a['codice']} – {a['nome']}" for a in p.get("aree", []))


def _join(items: list[str]) -> str:
    return "; ".join(items)


def _day(value: str | None) -> date | None:
    """An ISO calendar date of the result as a date (None for no date, or text that is not one)."""
    try:
        return date.fromisoformat(value) if value and len(value) == 10 else None
    except ValueError:
        return None


def _deadline(view: View, value: str | None) -> date | str:
    """A deadline: a date, or the label of a deadline that is not one ("continua")."""
    if not value:
        return ""
    return _day(value) or view.t.value("scadenza", value)


def register(view: View) -> Table:
    """One row per process, in register order (level descending, then code)."""
    t = view.t
    cols = [Column("codice", width=12), Column("processo", width=48), Column("area", width=34),
            Column("unita_responsabile", width=30)]
    if view.numeric:
        cols += [Column("probabilita", "number", 12), Column("impatto", "number", 11),
                 Column("rischio_inerente", "number", 12), Column("livello_inerente", "level", 14),
                 Column("residuo_programmato", "number", 13), Column("livello_residuo_programmato", "level", 14),
                 Column("residuo_monitorato", "number", 13), Column("livello_residuo_monitorato", "level", 14)]
        for v in view.variants:  # each variant's score, and its level when it has a band table
            cols.append(Column(f"variante_{v['codice']}", "number", 14, label=v["nome"]))
            if v.get("bande"):
                cols.append(Column(f"livello_{v['codice']}", "level", 14,
                                   label=t("colonne.livello_variante", nome=v["nome"])))
    else:
        cols += [Column("probabilita", width=12), Column("impatto", width=11),
                 Column("livello_inerente", "level", 14), Column("livello_residuo_programmato", "level", 14),
                 Column("livello_residuo_monitorato", "level", 14)]
    cols += [Column("priorita", width=14), Column("motivazione", width=60)]
    table = Table("registro", "registro", cols)
    for p in view.register:
        row: list[Any] = [p["codice"], p["nome"], _areas(p), (p.get("unita") or {}).get("nome", "")]
        scored = p.get("valutato")
        states = [p.get(s) or {} for s in ("inerente", "residuo_programmato", "residuo_monitorato")]
        if view.numeric:
            row += [_dec(p.get("probabilita")) if scored else None, _dec(p.get("impatto")) if scored else None]
            for s in states:
                row += [_dec(s.get("rischio")), _level(view, s.get("livello"))]
            for v in view.variants:
                row.append(_dec(p.get("varianti", {}).get(v["codice"])))
                if v.get("bande"):
                    row.append(_level(view, p.get("livelli_varianti", {}).get(v["codice"], {}).get("livello")))
        else:
            row += [t.value("scala", p.get("probabilita")) if scored else "",
                    t.value("scala", p.get("impatto")) if scored else ""]
            row += [_level(view, s.get("livello")) for s in states]
        prio = p.get("priorita")
        row += [f"{prio['valore']} – {t.value('priorita', prio['etichetta'])}" if prio else "",
                p.get("motivazione", "")]
        table.rows.append(row)
    return table


def general_measures(view: View) -> Table:
    """Typology | measure | description | responsible | timing, plus the monitoring fields."""
    t = view.t
    table = Table("misure-generali", "misure_generali", [
        Column("codice", width=10), Column("tipologia", width=28), Column("nome_misura", width=40),
        Column("descrizione", width=70), Column("responsabili", width=30), Column("supporto", width=24),
        Column("tempi", width=40), Column("scadenza", "date", 12), Column("frequenza", width=12),
        Column("indicatore", width=36), Column("target", width=14), Column("natura", width=13),
        Column("stato", width=14)])
    for m in view.general_measures:
        table.rows.append([m["codice"], t.value("tipologia", m["tipologia"]), m["nome"], m.get("descrizione", ""),
                           m.get("responsabile") or "", _join(m.get("supporto", [])), m.get("tempi", ""),
                           _deadline(view, m.get("scadenza")), t.value("frequenza", m.get("frequenza")),
                           m.get("indicatore") or "", m.get("target") or "", t.value("natura", m.get("natura")),
                           t.value("stato", m.get("stato_monitorato"))])
    return table


def specific_measures(view: View) -> Table:
    """One row per specific measure with its owner, processes, deadline, indicator, target and status."""
    t = view.t
    table = Table("misure-specifiche", "misure_specifiche", [
        Column("codice", width=10), Column("nome_misura", width=44), Column("descrizione", width=60),
        Column("tipologia", width=24), Column("responsabile", width=30), Column("supporto", width=26),
        Column("processi", width=24), Column("scadenza", "date", 12), Column("frequenza", width=12),
        Column("indicatore", width=36), Column("target", width=14), Column("natura", width=13),
        Column("stato", width=14), Column("stato_monitorato", width=16)])
    for m in view.specific_measures:
        table.rows.append([m["codice"], m["nome"], m.get("descrizione", ""), t.value("tipologia", m["tipologia"]),
                           m.get("responsabile") or "", _join(m.get("supporto", [])), _join(m.get("processi", [])),
                           _deadline(view, m.get("scadenza")), t.value("frequenza", m.get("frequenza")),
                           m.get("indicatore") or "", m.get("target") or "", t.value("natura", m.get("natura")),
                           t.value("stato", m.get("stato")), t.value("stato", m.get("stato_monitorato"))])
    return table


def monitoring(view: View) -> Table:
    """Process/activity | measures checked | mode | periodicity (plus level and priority)."""
    t = view.t
    table = Table("monitoraggio", "monitoraggio", [
        Column("codice", width=12), Column("processo_attivita", width=48), Column("livello", "level", 14),
        Column("misure_verifica", width=24), Column("modalita", width=16), Column("periodicita", width=14),
        Column("livello_monitoraggio", width=22), Column("priorita", width=14), Column("regola", width=26)])
    for r in view.monitoring_plan():
        p, mon, prio = r["processo"], r["monitoraggio"], r["priorita"]
        table.rows.append([p["codice"], p["nome"], _level(view, p.get("livello")),
                           _join([m["codice"] for m in r["misure"]]) or t("monitoraggio.solo_generali"),
                           t.value("modalita", mon.get("modalita")), t.value("periodicita", mon.get("periodicita")),
                           t.value("livello_monitoraggio", mon.get("livello")),
                           f"{prio['valore']} – {t.value('priorita', prio['etichetta'])}" if prio else "",
                           mon.get("regola", "")])
    return table


def findings(view: View) -> Table:
    """Every finding with severity, code, message, place and rule."""
    t = view.t
    table = Table("criticita", "criticita", [
        Column("gravita", width=12), Column("codice", width=30), Column("messaggio", width=70),
        Column("dove", width=24), Column("regola", width=36), Column("oggetto", width=22)])
    for f in view.findings:
        table.rows.append([t.value("gravita", f["gravita"]), f["codice"], t.finding(f), f.get("dove", ""),
                           f.get("regola", ""), view.subject(f)])
    return table


def process_map(view: View) -> Table:
    """The process map with the art. 6 letter and the agreement partner (simplified regime)."""
    t = view.t
    cols = [Column("codice", width=12), Column("processo", width=50), Column("area", width=34),
            Column("unita_responsabile", width=30), Column("art6", width=16), Column("in_convenzione", width=36)]
    if view.scored:
        cols.append(Column("livello", "level", 14))
    table = Table("mappatura", "mappatura", cols)
    for p in view.process_map():
        row: list[Any] = [p["codice"], p["nome"], _areas(p), (p.get("unita") or {}).get("nome", ""),
                          t("mappatura.lettera", lettera=p["art6"]) if p.get("art6") else "",
                          p.get("in_convenzione") or ""]
        if view.scored:
            row.append(_level(view, p.get("livello")) if p.get("valutato") else None)
        table.rows.append(row)
    return table


def _schema(view: View, schema: dict[str, Any] | None) -> str:
    if not schema:
        return ""
    t = view.t
    if not schema["vincolante"]:
        status = t("trasparenza.sperimentale")
    elif schema.get("dal"):
        status = t("trasparenza.vincolante_dal", data=t.day(schema["dal"]))
    else:
        status = t("trasparenza.vincolante")
    annex = f" – {schema['allegato']}" if schema.get("allegato") else ""
    return f"{t('trasparenza.schema', delibera=schema['delibera'])}{annex}: {status}"


def _update(view: View, value: str | None) -> str:
    """An obligation's updating: its frequency by label, or a fixed date as the HTML annex writes it."""
    if value and value[:1].isdigit():
        return view.t("trasparenza.alla_data", data=view.t.day(value))
    return view.t.value("aggiornamento", value)


def obligations(view: View) -> Table:
    """The publication obligations in the order of the official tree, one row each; a sub-section that does not
    apply is a row without an obligation code, its reason under 'contenuto' (dates as ISO text, like measures)."""
    t = view.t
    table = Table("obblighi-pubblicazione", "obblighi_pubblicazione", [
        Column("codice_sezione", width=8), Column("sezione", width=28), Column("codice_sottosezione", width=10),
        Column("sottosezione", width=34), Column("codice_obbligo", width=11), Column("denominazione", width=40),
        Column("riferimento", width=32), Column("contenuto", width=50), Column("aggiornamento", width=13),
        Column("termine", width=34), Column("prossima_scadenza", "date", 12), Column("trasmissione", width=30),
        Column("pubblicazione", width=30), Column("monitoraggio_obbligo", width=30), Column("schema_anac", width=40),
        Column("formato_aperto", width=9), Column("ultimo_aggiornamento", "date", 12),
        Column("esito_monitoraggio", width=16), Column("attestazione_oiv", width=40), Column("dato_ulteriore", width=9),
        Column("stato_obbligo", width=14)])
    for r in view.transparency_rows():
        section, sub, o = r["sezione"], r["sottosezione"], r["obbligo"]
        head = [section["codice"], view.tree_name(section), sub["codice"], view.tree_name(sub)]
        if o is None:
            table.rows.append(head + ["", t("trasparenza.non_applicabile_breve"), "", sub["non_applicabile"]]
                              + [""] * 12 + [t.value("stato_obbligo", "non-applicabile")])
            continue
        esito, oiv = o.get("esito_monitoraggio"), o.get("attestazione_oiv")
        table.rows.append(head + [
            o["codice"], o["denominazione"], o["riferimento"], o["contenuto"],
            _update(view, o.get("aggiornamento")), o["termine"], _day(o.get("prossima_scadenza")),
            (o.get("trasmissione") or {}).get("nome", ""), (o.get("pubblicazione") or {}).get("nome", ""),
            o["monitoraggio"], _schema(view, o.get("schema_anac")),
            t.value("si_no", str(bool(o["formato_aperto"])).lower()), _day(o.get("ultimo_aggiornamento")),
            f"{t.value('esito_monitoraggio', esito['esito'])} ({t.day(esito['data'])})" if esito else "",
            f"{t.day(oiv['data'])}: {oiv['esito']}" if oiv else "",
            t.value("si_no", str(bool(o["ulteriore"])).lower()), t.value("stato_obbligo", o["stato"])])
    return table


def phases(view: View) -> Table:
    """The mapping of processes into phases and activities: one row per phase or activity of the catalogue."""
    t = view.t
    table = Table("fasi", "fasi", [Column("processo", width=12), Column("nome_processo", width=44),
                                   Column("codice", width=14), Column("fase_attivita", width=60),
                                   Column("tipo_fase", width=12)])
    for p in view.processes:
        phases = view.phases(p)
        top = min((f.get("livello", 0) for f in phases), default=0)  # the phases' depth; deeper: activities
        for f in phases:
            table.rows.append([p["codice"], p["nome"], f["codice"], f["nome"],
                               t("colonne.fase") if f.get("livello", 0) <= top else t("colonne.attivita")])
    return table


def events(view: View) -> Table:
    """One row per risk event of the catalogue: the process, the phase it refers to, its enabling factors
    and the measures that treat it (the result's ``eventi[].misure``; an untreated event says so)."""
    table = Table("eventi", "eventi", [Column("processo", width=12), Column("codice", width=16),
                                       Column("evento", width=70), Column("riferito_a", width=14),
                                       Column("fattori", width=50), Column("misure_trattamento", width=50)])
    phrases: dict[tuple[Any, ...], tuple[bool, str]] = {}  # many events name the same measure the same way
    for p in view.processes:
        for e in p.get("eventi", []):
            table.rows.append([p["codice"], e["codice"], e["descrizione"], e["su"],
                               _join([f"{f['codice']}) {f['nome']}" for f in e.get("fattori", [])]),
                               _treating(e, view, phrases)])
    return table


def _treating(event: dict[str, Any], view: View, phrases: dict[tuple[Any, ...], tuple[bool, str]]) -> str:
    """The measures treating an event as the sheet words them: each with how it reaches the event and the efficacy
    the residual uses ("MS01 (sull'evento; efficacia 30%)"), then those on every process in one entry; an
    untreated event is marked in words. ``phrases``: each measure's words, kept from one event to the next."""
    t = view.t
    untreated = event.get("trattato") is False
    own: list[str] = [t.warned('eventi.non_trattato')] if untreated else []
    universal: list[str] = []
    for m in event.get("misure", []):
        if isinstance(m, str):  # a result without efficacies: the code alone
            own.append(m)
            continue
        efficacy = m.get("efficacia")
        key = (m["codice"], m.get("tramite"), type(efficacy), efficacy, m.get("efficacia_dichiarata", True))
        phrase = phrases.get(key)
        if phrase is None:
            phrase = phrases[key] = _measure_phrase(m, view)
        (universal if phrase[0] else own).append(phrase[1])
    if universal:
        own.append(f"{t('eventi.tramite_tutti')}: {', '.join(universal)}")
    return _join(own)


def _measure_phrase(m: dict[str, Any], view: View) -> tuple[bool, str]:
    """Whether a measure treating an event applies to every process, and its words for the event's row."""
    t = view.t
    efficacy = percent(m["efficacia"], view.lang) if m.get("efficacia") not in (None, "") else ""
    if m.get("tramite") == "tutti":
        return True, f"{m['codice']} ({efficacy})" if efficacy else m["codice"]
    how = [t(f"eventi.tramite_{m['tramite']}")] if m.get("tramite") else []
    if efficacy:
        how.append(t("eventi.efficacia" if m.get("efficacia_dichiarata", True) else "eventi.efficacia_predefinita",
                     efficacia=efficacy))
    return False, f"{m['codice']} ({'; '.join(how)})" if how else m["codice"]


def event_factors(view: View) -> Table:
    """One row per enabling factor of an event (the event–factor pairs of the catalogue)."""
    table = Table("fattori", "fattori", [Column("processo", width=12), Column("evento", width=16),
                                         Column("codice", width=8), Column("fattore", width=70)])
    for p in view.processes:
        for e in p.get("eventi", []):
            for f in e.get("fattori", []):
                table.rows.append([p["codice"], e["codice"], f["codice"], f["nome"]])
    return table


def answers(view: View) -> Table:
    """One row per answer to an indicator in the year's assessment, with its motivation."""
    t = view.t
    table = Table("risposte", "risposte", [Column("processo", width=12), Column("indicatore", width=10),
                                           Column("nome_indicatore", width=34), Column("dimensione", width=13),
                                           Column("risposta", width=50), Column("valore", "number", 9),
                                           Column("motivazione", width=60)])
    for p in view.processes:
        for a in p.get("risposte", []):
            value = _dec(a["valore"]) if str(a.get("valore", "")).replace(".", "", 1).isdigit() else a.get("valore")
            table.rows.append([p["codice"], a["indicatore"], a["nome"], t.value("dimensione", a["dimensione"]),
                               a["etichetta"], value, a.get("motivazione") or ""])
    return table


def legend(view: View) -> Table:
    """The method's levels, indicator scales, band tables and grid as one flat table (for CSV)."""
    t = view.t
    table = Table("legenda", "legenda", [Column("sezione", width=24), Column("codice", width=16),
                                          Column("etichetta", width=50), Column("valore", width=20)])
    for lvl in view.levels_desc:
        table.rows.append([t("fogli.legenda_livelli"), lvl["codice"], lvl["etichetta"], lvl["colore"]])
    for ind in view.metodo.get("indicatori", []):
        for o in ind.get("opzioni", []):
            table.rows.append([t("fogli.legenda_indicatori"), ind["codice"], f"{ind['nome']}: {o['etichetta']}",
                               o.get("codice") or o.get("valore")])
    for band in view.metodo.get("bande", []):
        for r in band.get("righe", []):
            table.rows.append([t("fogli.legenda_bande"), band["codice"], view.interval(r["intervallo"]),
                               (view.level_of(r["livello"]) or {}).get("etichetta", r["livello"])])
    for v in view.variants:
        table.rows.append([t("fogli.legenda_varianti"), v["codice"], v["nome"],
                           (v.get("bande") or "") if v.get("bande") != "principale" else t("metodo.bande_principali")])
    grid = view.metodo.get("griglia")
    if grid:
        for i, r in enumerate(grid["righe"]):
            for j, c in enumerate(grid["colonne"]):
                label = (f"{t('colonne.probabilita')} {t.value('scala', r)} × "
                         f"{t('colonne.impatto')} {t.value('scala', c)}")
                table.rows.append([t("fogli.legenda_griglia"), f"{r}×{c}", label, grid["celle"][i][j]])
    return table


def data_tables(view: View) -> Iterator[Table]:
    """The data tables of the annex, in order (CSV files and XLSX sheets; the legend is apart), built one at a
    time as the writer asks for them: only one table's rows are held at once."""
    if view.simplified:
        yield process_map(view)
    for build in (register, general_measures, specific_measures, monitoring, phases, events, event_factors, answers):
        yield build(view)
    if view.transparency:  # the catalogue has trasparenza.yaml
        yield obligations(view)
    yield findings(view)
