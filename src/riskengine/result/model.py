"""The declared shape of a result (format ``riskengine-result/1``): what every report may read.

TypedDicts keep building the result cheap (plain dicts); :data:`RESULT` validates a result read from
a file and gives its JSON Schema. Numbers are written as text (exact decimals); dates as ISO text.
"""

from __future__ import annotations

from typing import Any, NotRequired

from pydantic import ConfigDict, TypeAdapter
from typing_extensions import TypedDict  # pydantic reads typing's TypedDict only from Python 3.12

RESULT_FORMAT = "riskengine-result/1"

_OPEN = ConfigDict(extra="allow")  # records keep the keys later minor versions add


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

    rischio: str | None
    livello: str
    traccia: list[Step]


class Finding(TypedDict):
    """A finding of the policies or of the integrity checks."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    codice: str
    gravita: str
    regola: str
    messaggio: str
    dove: NotRequired[str]
    oggetto: NotRequired[str]
    argomenti: NotRequired[dict[str, Any]]
    suggerimento: NotRequired[str]  # how to fix it, as `check` shows it


class Answer(TypedDict):
    """An indicator's answer in a process record."""

    indicatore: str
    nome: str
    dimensione: str
    risposta: str
    valore: str
    etichetta: str
    motivazione: str


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
    fasi: list[dict[str, Any]]
    eventi: list[dict[str, Any]]
    misure: list[str]
    valutato: bool
    criticita: list[Finding]
    trattamenti_richiesti: list[dict[str, Any]]
    monitoraggio: dict[str, Any] | None
    priorita: dict[str, Any] | None
    regole_attivate: list[str]
    risposte: NotRequired[list[Answer]]
    motivazione: NotRequired[str]
    probabilita: NotRequired[str]
    impatto: NotRequired[str]
    varianti: NotRequired[dict[str, str]]
    tabella_bande: NotRequired[str | None]
    inerente: NotRequired[State]
    residuo_programmato: NotRequired[State]
    residuo_monitorato: NotRequired[State]
    livello: NotRequired[str]
    traccia: NotRequired[list[Step]]


class Measure(TypedDict):
    """A measure with its owners, deadline and the year's monitoring."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    codice: str
    nome: str
    tipologia: str
    ambito: str
    natura: str | None
    responsabile: str | None
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


class Unit(TypedDict):
    """A unit or role with what it owns."""

    codice: str
    nome: str
    tipo: str
    padre: str | None
    processi: list[str]
    misure_responsabile: list[str]
    misure_supporto: list[str]


class Implementation(TypedDict):
    """Measures due by the reference date (frequency-aware), implemented, late, not yet due; the rate in percent."""

    dovute: int
    attuate: int
    in_ritardo: int
    non_ancora_dovute: int
    tasso: str | None


class Summary(TypedDict):
    """The figures of the annex's summary (the other keys: levels, areas, heat map, checks)."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    misure: int
    misure_attuate: int
    tasso_attuazione: str | None
    attuazione: NotRequired[dict[str, Any]]  # Implementation, with data_riferimento and per_unita
    misure_conteggi: NotRequired[dict[str, dict[str, int]]]  # per_scadenza, per_natura, per_tipologia
    criticita_per_gravita: dict[str, int]


class Result(TypedDict):
    """A complete assessment result, as ``assess`` writes it to risultato.json."""

    __pydantic_config__ = _OPEN  # type: ignore[misc]
    formato: str
    riskengine: str
    motore: str
    ente: dict[str, Any]
    anno: int
    data_valutazione: str | None
    metodo: dict[str, Any]
    digest: dict[str, dict[str, str]]
    aree: list[dict[str, Any]]
    unita: list[Unit]
    processi: list[Process]
    misure: list[Measure]
    criticita: list[Finding]
    sintesi: Summary


RESULT: TypeAdapter[Result] = TypeAdapter(Result)
"""Validation and JSON Schema of a result."""
