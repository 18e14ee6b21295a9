"""Pydantic models of the catalogue files (one top-level model per file)."""

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator, model_validator

from riskengine.errors import shorten
from riskengine.i18n import RefusalError
from riskengine.source.fields import CleanText, Code, Dec, Giorno, ItemModel, Model, Scadenza, Text, day_of
from riskengine.source.validate import written
from riskengine.suggest import closest

Tipologia = Literal[
    "controllo", "trasparenza", "etica", "regolamentazione", "semplificazione", "formazione",
    "sensibilizzazione", "rotazione", "segnalazione", "conflitto-interessi", "rapporti-interessi",
]
TIPOLOGIE: tuple[str, ...] = Tipologia.__args__  # type: ignore[attr-defined]
ClasseArea = Literal["obbligatoria", "facoltativa", "specifica", "art6"]
CLASSI_AREA: tuple[str, ...] = ClasseArea.__args__  # type: ignore[attr-defined]
LetteraArt6 = Literal["a", "b", "c", "d", "e"]
DEFAULT_TIPOLOGIE_OBBLIGATORIE: list[Tipologia] = [
    "etica", "rotazione", "conflitto-interessi", "segnalazione", "formazione", "trasparenza"]
SOGLIA_REGIME_SEMPLIFICATO = 50
# More staff than the whole Italian public sector (about 3.2 million): a typing error, refused where it is written.
MASSIMO_DIPENDENTI = 10_000_000
_METHOD_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


def is_method_name(value: object) -> bool:
    """Whether ``value`` can name a method: its folder in ``rules/`` (``pna2019``), a name, never a path."""
    return isinstance(value, str) and _METHOD_NAME.fullmatch(value) is not None and ".." not in value


def _method_name(value: str) -> str:
    if not is_method_name(value):
        raise RefusalError("problemi.valore.nome_metodo", valore=shorten(value))
    return value


MethodName = Annotated[Code, AfterValidator(_method_name)]


class Piano(Model):
    """The years a plan covers."""

    dal: int = Field(ge=2000, le=2100, strict=True)  # strict: 'true' is not a year
    al: int = Field(ge=2000, le=2100, strict=True)

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.al < self.dal:
            raise RefusalError("problemi.valore.piano_rovesciato", al=self.al, dal=self.dal)
        return self


class Ente(Model):
    """ente.yaml: the administration."""

    codice: Code = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    nome: CleanText = Field(min_length=1)
    tipo: CleanText = ""
    dipendenti: int = Field(ge=0, le=MASSIMO_DIPENDENTI, strict=True)  # strict: 'true' is not 1 employee
    piano: Piano
    data_riferimento: Giorno
    metodo: MethodName
    # The years assessed with another method than ``metodo`` (a change of method, the move to PNA 2019): each is
    # checked, assessed and explained with its own, as it was.
    metodi_precedenti: dict[Annotated[int, Field(ge=2000, le=2100)], MethodName] = Field(default_factory=dict)
    esempio: bool = False
    descrizione: CleanText = ""
    tipologie_obbligatorie: list[Tipologia] = Field(default_factory=lambda: list(DEFAULT_TIPOLOGIE_OBBLIGATORIE))

    def metodo_di(self, anno: int | None) -> str:
        """The method the year ``anno`` is assessed with (``None``: the catalogue's)."""
        return self.metodi_precedenti.get(anno, self.metodo) if anno is not None else self.metodo

    @property
    def regime_semplificato(self) -> bool:
        """True under 50 staff: DM 132/2022 art. 6 simplified regime."""
        return self.dipendenti < SOGLIA_REGIME_SEMPLIFICATO


class Tassonomia(Model):
    """A taxonomy of risk areas (ANAC general areas, chamber letters, DM 132/2022 art. 6…)."""

    codice: Code
    nome: CleanText
    descrizione: CleanText = ""


class Area(Model):
    """A risk area within a taxonomy."""

    tassonomia: Code
    codice: Code
    nome: CleanText
    classe: ClasseArea
    lettera_art6: LetteraArt6 | None = None
    descrizione: CleanText = ""

    @model_validator(mode="after")
    def _art6(self) -> Self:
        if self.classe == "art6" and self.lettera_art6 is None:
            raise RefusalError("problemi.valore.area_art6")
        return self

    @property
    def ref(self) -> str:
        """Fully qualified reference ``tassonomia:codice``."""
        return f"{self.tassonomia}:{self.codice}"


class Corrispondenza(Model):
    """One crosswalk link between areas of two taxonomies."""

    da: Code
    a: Code


class AreasFile(Model):
    """areas.yaml."""

    tassonomia_principale: Code
    tassonomie: list[Tassonomia] = Field(min_length=1)
    aree: list[Area] = Field(min_length=1)
    corrispondenze: list[Corrispondenza] = Field(default_factory=list)


class Unita(ItemModel):
    """An organisational unit, optionally valid only for a period (reorganisations)."""

    codice: Code
    nome: CleanText
    tipo: Literal["segretario-generale", "area", "settore", "servizio", "ufficio", "uo", "staff"]
    padre: Code | None = None
    responsabile: CleanText | None = None
    valida_dal: Giorno | None = None
    valida_al: Giorno | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.valida_dal is not None and self.valida_al is not None and self.valida_al < self.valida_dal:
            raise RefusalError("problemi.valore.validita_rovesciata", al=self.valida_al.isoformat(),
                               dal=self.valida_dal.isoformat())
        return self

    def valida_il(self, day: dt.date) -> bool:
        """Whether the unit exists on ``day``."""
        return (self.valida_dal is None or self.valida_dal <= day) and (self.valida_al is None or day <= self.valida_al)


class Collettivo(ItemModel):
    """How a collective owner reaches units: every unit, the owners of the treated processes, or given units."""

    tipo: Literal["tutte-le-unita", "unita-dei-processi", "responsabili-di-unita"]
    unita: list[Code] = Field(default_factory=list)  # responsabili-di-unita: the units whose heads are meant

    @model_validator(mode="after")
    def _units(self) -> Self:
        if (self.tipo == "responsabili-di-unita") != bool(self.unita):
            raise RefusalError("problemi.valore.collettivo_unita")
        return self


class Ruolo(ItemModel):
    """A role (RPCT, OIV, dirigente, referente, tutti i dipendenti); ``collettivo``: a collective owner."""

    codice: Code
    nome: CleanText
    tipo: Literal["rpct", "oiv", "dirigente", "referente", "tutti"]
    unita: Code | None = None
    collettivo: Collettivo | None = None


class UnitsFile(Model):
    """units.yaml."""

    unita: list[Unita] = Field(min_length=1)
    ruoli: list[Ruolo] = Field(default_factory=list)


class Fattore(Model):
    """An enabling factor (fattore abilitante)."""

    codice: Code
    nome: CleanText


class FactorsFile(Model):
    """factors.yaml."""

    fattori: list[Fattore] = Field(min_length=1)


class EventoRischioso(ItemModel):
    """A risk event and the enabling factors that make it possible."""

    codice: Code
    descrizione: CleanText
    fattori: list[Code] = Field(default_factory=list)


class Fase(ItemModel):
    """A phase or activity of a process; nests to any depth."""

    codice: Code
    nome: CleanText
    descrizione: CleanText = ""
    eventi: list[EventoRischioso] = Field(default_factory=list)
    fasi: list["Fase"] = Field(default_factory=list)


class InConvenzione(ItemModel):
    """A process run under agreement with another body."""

    partner: CleanText


class Processo(ItemModel):
    """A process of the map."""

    codice: Code
    nome: CleanText
    aree: list[Code] = Field(default_factory=list)
    unita: Code | None = None
    in_convenzione: InConvenzione | None = None
    art6: LetteraArt6 | None = None
    descrizione: CleanText = ""
    fasi: list[Fase] = Field(default_factory=list)
    eventi: list[EventoRischioso] = Field(default_factory=list)


class ProcessesFile(Model):
    """processes.yaml."""

    processi: list[Processo] = Field(min_length=1)


class Tratta(ItemModel):
    """What a measure treats: everything, or areas, processes and risk events."""

    tutti: bool = False
    aree: list[Code] = Field(default_factory=list)
    processi: list[Code] = Field(default_factory=list)
    eventi: list[Code] = Field(default_factory=list)

    @property
    def vuota(self) -> bool:
        """True when the measure treats nothing."""
        return not (self.tutti or self.aree or self.processi or self.eventi)


Stato = Literal["da-attuare", "in-corso", "attuata", "non-attuata"]
Frequenza = Literal["una-tantum", "annuale", "semestrale", "trimestrale", "mensile", "continua"]


class Misura(ItemModel):
    """A prevention measure with its owner, deadline, indicator and target."""

    codice: Code
    nome: CleanText
    descrizione: CleanText = ""
    tipologia: Tipologia
    ambito: Literal["generale", "specifica"]
    natura: Literal["obbligatoria", "ulteriore"] = "ulteriore"  # left out: a warning (measure-without-natura)
    classe: CleanText | None = None  # the plan's own grouping label, e.g. "Tutela del whistleblower"
    responsabile: Code | None = None
    responsabili: list[Code] = Field(default_factory=list)  # co-responsible units, when the plan names several
    supporto: list[Code] = Field(default_factory=list)
    scadenza: Scadenza = None
    frequenza: Frequenza | None = None
    indicatore: CleanText | None = None
    target: Text | None = None
    stato: Stato = "da-attuare"
    efficacia: Dec | None = Field(default=None, ge=Decimal(0), le=Decimal(1))
    tratta: Tratta = Field(default_factory=Tratta)
    tempi: CleanText = ""

    @model_validator(mode="after")
    def _owners(self) -> Self:
        if self.responsabile is not None and self.responsabili:
            raise RefusalError("problemi.valore.responsabile_o_responsabili")
        return self

    @property
    def owners(self) -> list[str]:
        """The responsible units or roles, as written."""
        return [self.responsabile] if self.responsabile is not None else list(self.responsabili)


class MeasuresFile(Model):
    """measures.yaml."""

    misure: list[Misura] = Field(default_factory=list)



# --- trasparenza.yaml: the schedule of publication obligations (d.lgs. 33/2013) ----------------------

Periodicita = Literal["tempestivo", "trimestrale", "semestrale", "annuale"]
PERIODICITA: tuple[str, ...] = Periodicita.__args__  # type: ignore[attr-defined]
EsitoMonitoraggio = Literal["conforme", "parziale", "non-conforme", "non-pubblicato"]


def _tree_code(value: str, livello: int) -> str:
    from riskengine.catalog.albero_trasparenza import albero, codice_piu_vicino

    voce = albero().get(value)
    if voce is None or voce.livello != livello:
        what = "sezione" if livello == 1 else "sottosezione"
        raise RefusalError(f"problemi.valore.non_{what}", valore=shorten(value),
                           proposta=codice_piu_vicino(value, livello))
    return value


def _tree_enum(livello: int) -> Callable[[dict[str, Any]], None]:
    """The codes of one level as a JSON Schema enum, so that editors offer them; codes without a leading
    zero may also be written unquoted (YAML numbers), which the loader reads as the same code."""
    def schema(node: dict[str, Any]) -> None:
        from riskengine.catalog.albero_trasparenza import albero

        codes = [v.codice for v in albero().values() if v.livello == livello]
        node.pop("type", None)
        node.pop("anyOf", None)
        node["enum"] = [*codes, *(int(c) for c in codes if not c.startswith("0"))]
    return schema


CodiceSezione = Annotated[Code, AfterValidator(lambda v: _tree_code(v, 1)), Field(json_schema_extra=_tree_enum(1))]
CodiceSottosezione = Annotated[Code, AfterValidator(lambda v: _tree_code(v, 2)),
                               Field(json_schema_extra=_tree_enum(2))]


class SchemaAnac(Model):
    """An ANAC publication schema (delibera 495/2024 as revised by 481/2025; 497/2025) that applies."""

    delibera: CleanText = Field(min_length=1)  # "495/2024"
    allegato: CleanText = ""
    vincolante: bool  # binding (true) or experimental (false)
    dal: Giorno | None = None  # binding from this date (22 January 2026 for arts. 4-bis, 13 and 31)


class AttestazioneOiv(Model):
    """The OIV's yearly attestation of the obligation (ANAC grid: completeness, update, open format)."""

    data: Giorno
    esito: CleanText = Field(min_length=1)


class Monitoraggio(Model):
    """The last check of an obligation by the RPCT (or its staff)."""

    data: Giorno
    esito: EsitoMonitoraggio
    note: CleanText = ""


def _aggiornamento(value: object) -> object:
    """A periodicity as it is, a day as every day is read (a number is no day, not seconds since 1970); anything else
    refused once, saying both (not once for each alternative, one of them pydantic's 'date')."""
    if value is None or value in PERIODICITA:
        return value
    if (isinstance(value, (dt.date, int, float, Decimal)) and not isinstance(value, bool)) \
            or (isinstance(value, str) and value.strip()[:1].isdigit()):
        return day_of(value, refusal="problemi.valore.aggiornamento")
    # close enough to be a slip ('Annuale', 'tempestiva'), not another period ('quadrimestrale', 'biennale')
    proposal = closest(value.lower(), PERIODICITA, cutoff=0.9) if isinstance(value, str) else None
    if proposal is not None:  # 'Annuale', 'tempestiva'
        raise RefusalError("problemi.valore.aggiornamento_forse", valore=shorten(value), proposta=proposal)
    raise RefusalError("problemi.valore.aggiornamento", valore=shorten(written(value)))


class Obbligo(ItemModel):
    """One publication obligation: where it is published, by whom, how often, and how it is checked."""

    codice: Code
    sezione: CodiceSezione
    sottosezione: CodiceSottosezione
    riferimento: CleanText = Field(min_length=1)  # the legal reference ("Art. 13, c. 1, lett. b), d.lgs. 33/2013")
    denominazione: CleanText = Field(min_length=1)
    contenuto: CleanText = ""
    # How often it is updated: a period, or a fixed date. Optional here so that the integrity rule
    # obligation-frequency reports a missing one at its place with every other finding.
    aggiornamento: Annotated[Periodicita | dt.date | None, BeforeValidator(_aggiornamento)] = None
    termine: CleanText = ""  # the deadline or the rule ("entro 30 giorni dall'adozione")
    scadenza: Giorno | None = None  # the next calendar deadline, when there is one
    trasmissione: Code | None = None  # unit or role that transmits the data
    pubblicazione: Code | None = None  # unit or role that publishes them
    monitoraggio: CleanText = ""  # how the RPCT checks it
    schema_anac: SchemaAnac | None = None
    formato_aperto: bool = False  # published as an open table (CSV, HTML or XML)
    ultimo_aggiornamento: Giorno | None = None
    esito_monitoraggio: Monitoraggio | None = None
    attestazione_oiv: AttestazioneOiv | None = None
    ulteriore: bool = False  # "dati ulteriori": a local obligation, beyond the law

    @field_validator("sottosezione")
    @classmethod
    def _sezione_della_sottosezione(cls, value: str, info: ValidationInfo) -> str:
        """A sub-section sits under the section given (reported at the sub-section)."""
        from riskengine.catalog.albero_trasparenza import albero

        sezione = info.data.get("sezione")  # absent when the section itself was refused
        padre = albero()[value].padre
        if sezione is not None and padre != sezione:
            raise RefusalError("problemi.valore.sottosezione_altrove", sottosezione=value, padre=padre, sezione=sezione)
        return value


class NonApplicabile(Model):
    """A section or sub-section of the tree that does not apply to the administration, with the reason."""

    sezione: CodiceSezione | None = None
    sottosezione: CodiceSottosezione | None = None
    motivo: CleanText = Field(min_length=1)

    @model_validator(mode="after")
    def _one(self) -> Self:
        if (self.sezione is None) == (self.sottosezione is None):
            raise RefusalError("problemi.valore.sezione_o_sottosezione")
        return self

    @property
    def codice(self) -> str:
        """The code declared not applicable."""
        return self.sezione or self.sottosezione or ""


class TrasparenzaFile(Model):
    """trasparenza.yaml: the schedule of publication obligations (optional)."""

    esempio: bool = False
    obblighi: list[Obbligo] = Field(default_factory=list)
    non_applicabili: list[NonApplicabile] = Field(default_factory=list)


CATALOG_FILES: dict[str, type[Model]] = {
    "ente.yaml": Ente,
    "areas.yaml": AreasFile,
    "units.yaml": UnitsFile,
    "factors.yaml": FactorsFile,
    "processes.yaml": ProcessesFile,
    "measures.yaml": MeasuresFile,
    "trasparenza.yaml": TrasparenzaFile,
}
