"""The declared shape of a result (format ``riskengine-result/1``): what every report may read.

TypedDicts keep building the result cheap (plain dicts); :data:`RESULT` validates a result read from
a file and gives its JSON Schema. Numbers are written as text (exact decimals); dates as ISO text.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, NotRequired

from pydantic import AfterValidator, ConfigDict, Field, TypeAdapter
from typing_extensions import TypedDict  # pydantic reads typing's TypedDict only from Python 3.12

from riskengine.i18n import RefusalError
from riskengine.method.models import Dimensione, ModoArrotondamento
from riskengine.result import RESULT_FORMAT as RESULT_FORMAT  # the format this shape declares

_OPEN = ConfigDict(extra="allow")  # records keep the keys later minor versions add

# The parts the reports compute with are declared with their shapes, so that a hand-edited file is
# refused when read, with the field named, rather than failing inside a report.
DECIMAL_TEXT = r"^-?[0-9]{1,18}(\.[0-9]{1,40})?$"
DecimalText = Annotated[str, Field(pattern=DECIMAL_TEXT)]
"""An exact number as text (``decimal_text``): digits, at most one point, no exponent."""


def _a_day(text: str) -> str:
    """A date of the calendar (2026-02-30 has the form of one)."""
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        raise RefusalError("problemi.risultato.causa.data", valore=text) from None
    return text


DateText = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"), AfterValidator(_a_day)]
Count = Annotated[int, Field(ge=0)]
Year = Annotated[int, Field(ge=1900, le=2200)]
Colour = Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")]

# The values each integrity finding's message (``integrita.<codice>`` in the report messages) names;
# tests/test_review_hardening.py checks this against the message catalogues.
FINDING_ARGUMENTS: dict[str, frozenset[str]] = {
    "measure-without-indicator": frozenset({"misura", "variante"}),
    "measure-without-deadline": frozenset({"misura"}),
    "event-without-factor": frozenset({"evento"}),
    "event-without-measure": frozenset({"evento", "processo"}),
    "process-without-events": frozenset({"processo"}),
    "measure-treats-nothing": frozenset({"misura"}),
    "missing-mandatory-typology": frozenset({"tipologia"}),
    "measure-overdue": frozenset({"misura", "scadenza", "stato"}),
    "area-unused": frozenset({"area"}),
    "measure-without-natura": frozenset({"misura"}),
    "binding-schema-not-open": frozenset({"obbligo", "delibera"}),
    "obligation-overdue": frozenset({"obbligo", "scadenza"}),
    "subsection-without-obligation": frozenset({"sottosezione", "nome"}),
    "obligation-date-ahead": frozenset({"obbligo", "campo", "data", "riferimento"}),
    "not-applicable-with-obligations": frozenset({"codice", "genere", "nome", "variante", "obblighi", "voce",
                                                  "sezione"}),
    "look-alike-code": frozenset({"genere", "codice", "simile", "dove"}),
    "earlier-method-is-current": frozenset({"anno", "metodo"}),
    "method-unknown-area": frozenset({"area", "metodo"}),
    "policy-unknown-area": frozenset({"area", "metodo", "regola"}),
    "method": frozenset({"tabella", "variante"}),  # a method's warnings (tabella: the band tables in question)
    # Errors stop the assessment (never in a result) but are worded by the same catalogue keys.
    "hierarchy-cycle": frozenset({"ciclo"}),
    "process-without-area": frozenset({"processo"}),
    "process-without-owner": frozenset({"processo"}),
    "measure-without-responsible": frozenset({"misura"}),
    "unit-not-valid": frozenset({"codice", "unita", "data", "variante"}),
    "obligation-without-owner": frozenset({"obbligo", "variante"}),
    "obligation-frequency": frozenset({"obbligo", "scadenza", "variante"}),
    "da-confermare": frozenset({"codice"}),
    # An assessment of a year after the plan's reference date (riskengine.answers.load): a finding of that year.
    "plan-date-before-year": frozenset({"anno", "data"}),
    # A process without answers (riskengine.evaluate.evaluation): a finding of the evaluation, not of the graph.
    "NON-VALUTATO": frozenset({"processo", "anno"}),
}


class Step(TypedDict):
    """One step of a trace: the rule, what it did and with which values."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    regola: str
    descrizione: NotRequired[str]
    risultato: NotRequired[str]
    passo: NotRequired[str]
    valori: NotRequired[dict[str, Any]]
    arrotondamento: NotRequired[str]
    quando: NotRequired[str]
    condizioni: NotRequired[list[dict[str, Any]]]


class State(TypedDict):
    """A risk state: score (numeric methods; text), level, and the steps that gave them."""

    rischio: DecimalText | None
    livello: str
    traccia: list[Step]


class _Finding(TypedDict):
    """A finding of the policies or of the integrity checks; integrity findings carry their values."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    codice: str
    gravita: str
    regola: str
    messaggio: str
    dove: NotRequired[str]
    oggetto: NotRequired[str]
    argomenti: NotRequired[dict[str, str]]
    suggerimento: NotRequired[str]  # how to fix it, as `check` shows it


def _arguments_named(finding: _Finding) -> _Finding:
    """An integrity finding's values include every one its message names."""
    arguments = finding.get("argomenti")
    if arguments:
        missing = FINDING_ARGUMENTS.get(finding["codice"], frozenset()) - set(arguments)
        if missing:
            raise ValueError(f"finding '{finding['codice']}' lacks argomenti: {', '.join(sorted(missing))}")
    return finding


Finding = Annotated[_Finding, AfterValidator(_arguments_named)]


class Answer(TypedDict):
    """An indicator's answer in a process record."""

    indicatore: str
    nome: str
    dimensione: str
    risposta: str
    valore: str
    etichetta: str
    motivazione: str


class Phase(TypedDict):
    """A phase or activity of a process: ``livello`` 0 for a phase, 1 for its activities, and so on."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    codice: str
    nome: str
    livello: Count
    padre: NotRequired[str]  # the process or phase it belongs to


class Factor(TypedDict):
    """An enabling factor of a risk event."""

    codice: str
    nome: str


class EventMeasure(TypedDict):
    """A measure treating a risk event: how it reaches it and the efficacy the residual uses."""

    codice: str
    tramite: Literal["evento", "fase", "processo", "area", "tutti"]
    efficacia: DecimalText  # the measure's own, else the method's default for its scope
    efficacia_dichiarata: bool  # false: the method's default


class Event(TypedDict):
    """A risk event of a process, with its enabling factors and the measures that treat it."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    codice: str
    descrizione: str
    su: str  # the process or phase it threatens
    fattori: list[Factor]
    fase: NotRequired[str | None]  # the name of that phase (None when it is the process)
    misure: NotRequired[list[EventMeasure]]  # most specific link first
    trattato: NotRequired[bool]  # a measure treats it (as the method's ``eventi`` counts them)


class Process(TypedDict):
    """A process of the catalogue; the scoring keys are present when ``valutato`` is true."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    codice: str
    nome: str
    descrizione: str
    aree: list[dict[str, Any]]
    unita: dict[str, Any] | None
    in_convenzione: str | None
    art6: str | None
    fasi: list[Phase]
    eventi: list[Event]
    misure: list[str]
    valutato: bool
    criticita: list[Finding]
    trattamenti_richiesti: list[dict[str, Any]]
    monitoraggio: dict[str, Any] | None
    priorita: dict[str, Any] | None
    regole_attivate: list[str]
    risposte: NotRequired[list[Answer]]
    motivazione: NotRequired[str]
    probabilita: NotRequired[str]  # a decimal text in numeric methods, a scale value in grid methods
    impatto: NotRequired[str]
    varianti: NotRequired[dict[str, str]]
    tabella_bande: NotRequired[str | None]
    inerente: NotRequired[State]
    residuo_programmato: NotRequired[State]
    residuo_monitorato: NotRequired[State]
    livello: NotRequired[str]
    traccia: NotRequired[list[Step]]
    livelli_varianti: NotRequired[dict[str, State]]  # the variants with a band table: score, level, steps


class Measure(TypedDict):
    """A measure with its owners, deadline and the year's monitoring."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    codice: str
    nome: str
    tipologia: str
    ambito: str
    natura: str | None
    responsabile: str | None
    responsabili: NotRequired[list[str]]  # every co-responsible unit or role, in the order written
    classe: NotRequired[str | None]  # the plan's own grouping label
    supporto: list[str]
    scadenza: str | None
    frequenza: str | None
    indicatore: str | None
    target: str | None
    stato: str
    descrizione: str
    tempi: str
    efficacia: str | None
    tratta_tutti: bool
    processi: list[str]
    stato_monitorato: str
    verifiche_previste: int | None
    verifiche_eseguite: int | None
    note_monitoraggio: str
    scaduta: NotRequired[bool]  # due before the plan's reference date and not implemented


class Unit(TypedDict):
    """A unit or role with what it owns (publication obligations when the catalogue has trasparenza.yaml)."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    codice: str
    nome: str
    tipo: str
    padre: str | None
    processi: list[str]
    misure_responsabile: list[str]
    misure_supporto: list[str]
    obblighi_trasmissione: NotRequired[list[str]]
    obblighi_pubblicazione: NotRequired[list[str]]
    # the measures of collective owners that reach it: misura, tramite (the role), come (how)
    misure_collettive: NotRequired[list[dict[str, str]]]


class TreeItem(TypedDict):
    """A section or sub-section of the official tree of "Amministrazione trasparente"."""

    codice: str
    nome: str
    nome_en: str


class Party(TypedDict):
    """A unit or role named by code and name."""

    codice: str
    nome: str


class AnacSchema(TypedDict):
    """An ANAC publication schema that applies to an obligation."""

    delibera: str
    allegato: str
    vincolante: bool
    dal: str | None


class Obligation(TypedDict):
    """A publication obligation (d.lgs. 33/2013) with its owners, frequency, deadline and outcome."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    codice: str
    sezione: TreeItem
    sottosezione: TreeItem
    riferimento: str
    denominazione: str
    contenuto: str
    aggiornamento: str | None  # tempestivo, trimestrale, semestrale, annuale, or an ISO date
    termine: str
    prossima_scadenza: str | None
    trasmissione: Party | None
    pubblicazione: Party | None
    monitoraggio: str
    schema_anac: AnacSchema | None
    formato_aperto: bool
    ultimo_aggiornamento: str | None
    esito_monitoraggio: dict[str, Any] | None
    attestazione_oiv: dict[str, Any] | None
    ulteriore: bool
    stato: str  # aggiornato, incompleto, in-ritardo, da-verificare (at the plan date)


class SubSection(TypedDict):
    """A sub-section of the tree: its obligations (codes) or the reason it does not apply."""

    codice: str
    nome: str
    nome_en: str
    obblighi: list[str]
    non_applicabile: str | None


class Section(TypedDict):
    """A section of the tree in the official order, with its sub-sections."""

    codice: str
    nome: str
    nome_en: str
    non_applicabile: str | None
    sottosezioni: list[SubSection]


class Transparency(TypedDict):
    """The schedule of publication obligations along the official tree."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    fonte_albero: str  # the attribution of the official tree (CC BY 4.0)
    esempio: bool
    sezioni: list[Section]
    obblighi: list[Obligation]


class Plan(TypedDict):
    """The years of the plan."""

    dal: Year
    al: Year


class Organisation(TypedDict):
    """The administration (``ente``) the result is about."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    codice: str
    nome: str
    tipo: str
    dipendenti: Count | None
    regime_semplificato: bool
    esempio: bool
    piano: Plan
    data_riferimento: DateText


class Rounding(TypedDict):
    """The method's rounding: digits and mode."""

    cifre: Annotated[int, Field(ge=0, le=6)]
    modo: ModoArrotondamento


class Level(TypedDict):
    """A risk level of the method, lowest first."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    codice: str
    etichetta: str
    etichetta_en: str
    colore: Colour


class Option(TypedDict):
    """An answer of an indicator's scale."""

    valore: DecimalText
    codice: str | None
    etichetta: str


class Indicator(TypedDict):
    """An indicator of the method, with its scale's options."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    codice: str
    nome: str
    dimensione: Dimensione
    scala: str
    opzioni: list[Option]


class BandRow(TypedDict):
    """A row of a band table: the level, its interval as text and the rule."""

    livello: str
    intervallo: str
    regola: str


class BandTable(TypedDict):
    """A band table of a numeric method."""

    codice: str
    nome: str
    righe: list[BandRow]


class AreaChoice(TypedDict):
    """A band table chosen for some risk areas."""

    aree: list[str]
    bande: str


class BandChoice(TypedDict):
    """Which band table applies: the default and the overrides by area."""

    predefinita: str
    per_area: list[AreaChoice]


class _Grid(TypedDict):
    """A P × I grid: rows are probability values, columns impact values, cells risk levels."""

    righe: list[str]
    colonne: list[str]
    celle: list[list[str]]


def _grid_shape(grid: _Grid) -> _Grid:
    """A cell for every row and column: the reports draw the grid by position."""
    if len(grid["celle"]) != len(grid["righe"]) or any(len(row) != len(grid["colonne"]) for row in grid["celle"]):
        raise ValueError(f"the grid has {len(grid['righe'])} rows and {len(grid['colonne'])} columns: "
                         "celle must have as many rows, each with as many cells")
    return grid


Grid = Annotated[_Grid, AfterValidator(_grid_shape)]


class EventOptions(TypedDict):
    """The method's ``eventi``: whether process-level measures cover every event; the register per event."""

    misure_di_processo_coprono: bool
    registro: bool


class MethodSummary(TypedDict):
    """The method the result was assessed with, as the reports show it."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    codice: str
    nome: str
    versione: str
    fonte: str
    numerico: bool
    arrotondamento: Rounding
    livelli: Annotated[list[Level], Field(min_length=1)]
    indicatori: list[Indicator]
    bande: list[BandTable]
    scelta_bande: BandChoice | None
    griglia: Grid | None
    residuo: str
    eventi: NotRequired[EventOptions]


class HeatCell(TypedDict):
    """A cell of the heat map: probability, impact, how many processes and their levels."""

    probabilita: str
    impatto: str
    processi: Count
    per_livello: dict[str, Count]


class Implementation(TypedDict):
    """Measures due by the reference date (frequency-aware), implemented, late, not yet due; the rate in percent."""

    dovute: Count
    attuate: Count
    in_ritardo: Count
    non_ancora_dovute: Count
    tasso: DecimalText | None


class ImplementationSummary(Implementation):
    """The implementation of every measure as of the reference date, and the same per owner unit."""

    data_riferimento: DateText
    per_unita: dict[str, Implementation]


class Summary(TypedDict):
    """The counts and means the summary section shows."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    processi: Count
    processi_valutati: Count
    per_livello: dict[str, dict[str, Count]]
    per_area: dict[str, dict[str, Count]]
    mappa_calore: list[HeatCell]
    misure: Count
    misure_attuate: Count
    tasso_attuazione: DecimalText | None
    verifiche_previste: Count
    verifiche_eseguite: Count
    tasso_verifiche: DecimalText | None
    criticita_per_gravita: dict[str, Count]
    rischio_medio_inerente: NotRequired[DecimalText | None]
    rischio_medio_residuo_programmato: NotRequired[DecimalText | None]
    rischio_medio_residuo_monitorato: NotRequired[DecimalText | None]
    attuazione: NotRequired[ImplementationSummary]
    misure_conteggi: NotRequired[dict[str, dict[str, Count]]]  # per_scadenza, per_natura, per_tipologia


_CLOSED = ConfigDict(extra="forbid")  # published for machines (``diff --format json``): exactly these keys


class LevelChange(TypedDict):
    """A process whose inherent level changed between two results, with the score difference."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    codice: str
    nome: str
    da: str
    a: str
    verso: Literal["su", "giu"]
    rischio_da: str | None
    rischio_a: str | None
    variazione: str | None


class ResidualChange(LevelChange):
    """A process whose planned or monitored residual level changed between two results, with the score difference."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    stato: Literal["residuo_programmato", "residuo_monitorato"]


class ProcessBrief(TypedDict):
    """A process assessed in only one of two results."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    codice: str
    nome: str
    livello: str | None


class DueMeasure(TypedDict):
    """A measure due in the earlier year and its outcome in the later one."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    codice: str
    nome: str
    scadenza: str | None
    esito: Literal["attuata", "in-ritardo", "abbandonata"]


class LevelLabel(TypedDict):
    """A level of the method, with its labels."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    codice: str
    etichetta: str
    etichetta_en: NotRequired[str]


class MethodChange(TypedDict):
    """The method of each of two compared years (code and version), when they differ."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    da: str
    a: str


class _ChangesOfEveryVersion(TypedDict):
    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    da: int
    a: int
    metodo: NotRequired[MethodChange]  # when the two years were assessed by different methods (or rule files)
    livelli: list[LevelLabel]
    livelli_da: NotRequired[list[LevelLabel]]  # the earlier year's levels, when its method had others
    processi_cambiati: list[LevelChange]
    processi_nuovi: list[ProcessBrief]
    processi_rimossi: list[ProcessBrief]
    misure_dovute: list[DueMeasure]


class Changes(_ChangesOfEveryVersion):
    """What changed from one result to a later one, as ``riskengine diff`` prints it."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    residui_cambiati: list[ResidualChange]


class RecordedChanges(_ChangesOfEveryVersion):
    """The changes a result keeps for the annex's changes section (a result written before residual levels were
    compared has none of them)."""

    __pydantic_config__ = _CLOSED  # type: ignore[misc]
    residui_cambiati: NotRequired[list[ResidualChange]]


class YearFigures(TypedDict):
    """The compared figures of a year: recorded (a run), declared (storico.yaml) or the current result."""

    anno: int
    fonte: Literal["registrato", "dichiarato", "corrente"]
    riferimento: str | None
    rischio_medio_inerente: str | None
    rischio_medio_residuo_programmato: str | None
    rischio_medio_residuo_monitorato: str | None
    per_livello: dict[str, int]
    livelli: NotRequired[list[LevelLabel]]  # a recorded year whose method had other levels: theirs
    misure_attuate: int | None
    misure_dovute: int | None
    tasso_attuazione: str | None


class History(TypedDict):
    """The years before a result (latest run of each, or declared) and the result's own, with deltas."""

    anni: list[YearFigures]
    precedente: int | None
    variazioni: dict[str, str | None]
    cambiamenti: RecordedChanges | None


class Priority(TypedDict):
    """A planned measure in the treatment-priority ranking."""

    posizione: int
    codice: str
    nome: str
    stato: str
    scadenza: str | None
    responsabile: str | None
    processi: int
    rischio_rimosso: str | None  # None for a method without scores (levels only)
    processi_abbassati: list[str]


class CheckSelection(TypedDict):
    """A selection of the method's monitoring plan, as declared."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    codice: str
    descrizione: str
    oggetto: Literal["processo", "fase"]
    livelli: list[str]
    aree: list[str]
    per_area: int | None
    numero: int | None
    modalita: Literal["puntuale", "a-campione"]
    campione: str | None
    periodicita: str | None
    livello: str
    verificatore: str
    periodo: str


class CheckRow(TypedDict):
    """A check of the monitoring plan: the process or phase (``voce``), how, how often, by whom."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    selezione: str
    descrizione: str
    oggetto: Literal["processo", "fase"]
    voce: str
    nome: str
    processo: str
    fase: str | None
    area: str | None
    livello: str | None
    modalita: Literal["puntuale", "a-campione"]
    campione: str | None
    periodicita: str | None
    livello_verifica: str
    verificatore: str
    periodo: str
    ultima_verifica: int | None  # the last year it was checked (history store), None: never or unknown
    misure: list[str]  # the specific measures verified


class MonitoringPlan(TypedDict):
    """The checks the method selects; ``rotazione``: storico (history store) or seme (no earlier run)."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    tipo: Literal["selezione"]
    rotazione: Literal["storico", "seme"]
    seme: Count
    selezioni: list[CheckSelection]
    righe: list[CheckRow]


class _Result(TypedDict):
    """A complete assessment result, as ``assess`` writes it to risultato.json."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    formato: str
    riskengine: str
    motore: str
    ente: Organisation
    anno: Year
    data_valutazione: DateText | None
    metodo: MethodSummary
    digest: dict[str, dict[str, str]]
    aree: list[dict[str, Any]]
    unita: list[Unit]
    processi: list[Process]
    misure: list[Measure]
    criticita: list[Finding]
    sintesi: Summary
    trasparenza: NotRequired[Transparency]  # when the catalogue has trasparenza.yaml
    storico: NotRequired[History]  # added by `assess` when an earlier year is recorded or declared
    priorita_trattamento: NotRequired[list[Priority]]  # added by `assess` when measures are planned
    piano_monitoraggio: NotRequired[MonitoringPlan]  # when the method selects the checks (tipo: selezione)


def scores_are_numbers(result: _Result) -> _Result:
    """In a numeric method a process's probability and impact are numbers (the registers compute with them); every
    process once, at a level of the method (the reports count and colour by them)."""
    levels = {level["codice"] for level in result["metodo"]["livelli"]}
    seen: set[str] = set()
    for index, process in enumerate(result["processi"]):
        if result["metodo"]["numerico"]:
            for key in ("probabilita", "impatto"):
                value = process.get(key)
                if isinstance(value, str) and not re.fullmatch(DECIMAL_TEXT, value):
                    raise RefusalError("problemi.risultato.causa.non_numero", voce=f"processi[{index}].{key}",
                                       valore=str(value)[:40])
        if process["codice"] in seen:
            raise RefusalError("problemi.risultato.causa.processo_doppio", voce=f"processi[{index}].codice",
                               codice=process["codice"][:40])
        seen.add(process["codice"])
        for where, state in (("", process), *((f".{s}", process.get(s)) for s in ("inerente", "residuo_programmato",
                                                                               "residuo_monitorato"))):
            level = state.get("livello") if isinstance(state, dict) else None
            if level is not None and level not in levels:
                raise RefusalError("problemi.risultato.causa.livello", voce=f"processi[{index}]{where}.livello",
                                   livello=str(level)[:40], livelli=", ".join(sorted(levels)))
    return result


Result = Annotated[_Result, AfterValidator(scores_are_numbers)]


RESULT: TypeAdapter[Result] = TypeAdapter(Result)
"""Validation and JSON Schema of a result."""

CHANGES: TypeAdapter[Changes] = TypeAdapter(Changes)
"""Validation and JSON Schema of the changes between two results."""
