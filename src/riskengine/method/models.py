"""Pydantic models of the rule files: method.yaml, policies.yaml, rule tests, assessment-<year>.yaml."""

from decimal import Decimal
from typing import Annotated, Any, Literal, Self

from pydantic import Field, model_validator

from riskengine.i18n import RefusalError
from riskengine.method.expr import MAX_MAGNITUDE
from riskengine.source.fields import CleanText, Code, Dec, Giorno, Gravita, ItemModel, Model, Text

Aggregazione = Literal["media", "max", "min", "moda", "media-ponderata"]
ModoArrotondamento = Literal["half-up", "half-even", "half-down", "up", "down"]
Dimensione = Literal["probabilita", "impatto"]
Livello = Literal["processo", "fase", "evento"]
StatoMisura = Literal["da-attuare", "in-corso", "attuata", "non-attuata"]

# Every number of a rule file is bounded where it is read, so that no later arithmetic overflows and
# every score reaches the engine exactly (see riskengine.method.expr.MAX_MAGNITUDE).
_MAGNITUDE = MAX_MAGNITUDE
Amount = Annotated[Dec, Field(ge=-_MAGNITUDE, le=_MAGNITUDE)]
"""A number within the engine's exact range (band edges, expected scores)."""
NonNegative = Annotated[Dec, Field(ge=0, le=_MAGNITUDE)]
"""A number from 0 within the engine's exact range (scale values, scores)."""
MAX_COUNT = 1_000_000
"""The largest count a file may state (checks planned or done in a year)."""
Count = Annotated[int, Field(strict=True, ge=0, le=MAX_COUNT)]
"""A whole number written as one: ``1.0e-400`` is refused, not read as 0."""


class InfoMetodo(Model):
    """Identity of a method: code, name, version, sources."""

    codice: Code
    nome: str
    versione: Text
    fonte: str = ""
    descrizione: str = ""


class Precisione(Model):
    """The rounding of one stage: digits after the point, and the mode (default: the method's)."""

    cifre: int = Field(ge=0, le=6)
    modo: ModoArrotondamento | None = None


class Arrotondamento(Model):
    """Rounding: digits and mode of every stage, unless a stage states its own.

    ``probabilita`` and ``impatto`` may be ``nessuno`` (not rounded before the product); ``rischio``
    is the precision of the classified scores (inherent, residual, re-rated); each variant rounds as
    ``varianti.<codice>`` says, else as the risk.
    """

    cifre: int = Field(ge=0, le=6)
    modo: ModoArrotondamento = "half-up"
    probabilita: Precisione | Literal["nessuno"] | None = None
    impatto: Precisione | Literal["nessuno"] | None = None
    rischio: Precisione | None = None
    varianti: dict[str, Precisione] = Field(default_factory=dict)


class Opzione(Model):
    """One answer of a scale: its value, optional code and label."""

    valore: NonNegative
    codice: Code | None = None
    etichetta: str


class Scala(Model):
    """A measurement scale: ordered answers; ``ordinale`` scales may not be averaged."""

    codice: Code
    nome: str
    ordinale: bool = False
    opzioni: list[Opzione] = Field(min_length=1)


class Indicatore(Model):
    """An indicator (question) rated on a scale, on the probability or impact side."""

    codice: Code = Field(pattern=r"^[A-Za-z][A-Za-z0-9_]*$")
    nome: str
    scala: Code
    dimensione: Dimensione
    peso: Annotated[Dec, Field(ge=0, le=100)] | None = None
    domanda: str = ""


class RegolaDimensione(Model):
    """How the indicators of one dimension are aggregated."""

    aggregazione: Aggregazione


class Dimensioni(Model):
    """Aggregation of probability and impact."""

    probabilita: RegolaDimensione
    impatto: RegolaDimensione


class Variante(Model):
    """A score reported beside the main one, e.g. the prudential mean P × max I.

    ``bande``: the band table that gives it a level (``principale``: the table of the process's own
    risk); without it the variant is a score only.
    """

    codice: Code
    nome: str
    probabilita: Aggregazione
    impatto: Aggregazione
    bande: Code | None = None


class Griglia(Model):
    """A P × I grid: rows are probability levels, columns impact levels, cells risk levels."""

    righe: list[Code] = Field(min_length=1)
    colonne: list[Code] = Field(min_length=1)
    celle: list[list[Code]] = Field(min_length=1)


class Combinazione(Model):
    """How probability and impact combine: a product (numeric) or a grid lookup (levels)."""

    tipo: Literal["prodotto", "griglia"]
    griglia: Griglia | None = None
    varianti: list[Variante] = Field(default_factory=list)

    @model_validator(mode="after")
    def _shape(self) -> Self:
        if self.tipo == "griglia" and self.griglia is None:
            raise RefusalError("problemi.valore.griglia_mancante")
        if self.tipo == "prodotto" and self.griglia is not None:
            raise RefusalError("problemi.valore.griglia_fuori_posto")
        return self


class LivelloRischio(Model):
    """A risk level, lowest first in the method's list, each code once."""

    codice: Code
    etichetta: str
    etichetta_en: str = ""
    colore: str = Field(default="#cccccc", pattern=r"^#[0-9a-fA-F]{6}$")


class RigaBanda(Model):
    """One band-table row: lower edge (da inclusive / oltre exclusive), upper edge (a inclusive / sotto exclusive)."""

    da: Amount | None = None
    oltre: Amount | None = None
    a: Amount | None = None
    sotto: Amount | None = None
    livello: Code

    @model_validator(mode="after")
    def _edges(self) -> Self:
        if (self.da is None) == (self.oltre is None):
            raise RefusalError("problemi.valore.limite_inferiore")
        if (self.a is None) == (self.sotto is None):
            raise RefusalError("problemi.valore.limite_superiore")
        return self


class TabellaBande(Model):
    """A band table on the numeric score: unique hit policy, no gaps, no overlaps, no level lower than a lower
    score's."""

    codice: Code
    nome: str
    descrizione: str = ""
    righe: list[RigaBanda] = Field(min_length=1)


class SceltaArea(Model):
    """Use a band table for the processes of some areas."""

    aree: list[Code] = Field(min_length=1)
    bande: Code


class SceltaBande(Model):
    """Which band table applies: a default, and overrides by risk area (first matching area wins)."""

    predefinita: Code
    per_area: list[SceltaArea] = Field(default_factory=list)


class EfficaciaPredefinita(Model):
    """Efficacy used for a measure that does not state its own."""

    generale: Dec = Field(default=Decimal("0"), ge=0, le=1)
    specifica: Dec = Field(default=Decimal("0"), ge=0, le=1)


class Gradino(Model):
    """Steps down the level scale per linked measure."""

    generale: Dec = Field(default=Decimal("0.5"), ge=0, le=100)
    specifica: Dec = Field(default=Decimal("1"), ge=0, le=100)


class Residuo(Model):
    """The residual-risk convention."""

    metodo: Literal["nessuno", "efficacia-migliore", "efficacia-prodotto", "gradino"]
    efficacia_predefinita: EfficaciaPredefinita = Field(default_factory=EfficaciaPredefinita)
    gradino: Gradino = Field(default_factory=Gradino)
    considera_trasversali: bool = True


class Valutazione(Model):
    """Where answers are given and how item scores aggregate up to the process."""

    livello: Livello = "processo"
    aggregazione_processo: Literal["max", "media", "moda"] = "max"


class Eventi(Model):
    """How risk events are treated and shown.

    ``misure_di_processo_coprono``: a measure linked to a process, to its area or to every process
    treats each of its risk events (otherwise only measures linked to the event or to its phase do, and
    an event without one is a finding, ``event-without-measure``). ``registro``: the annex also gives the
    register per risk event, beside the one per process.
    """

    misure_di_processo_coprono: bool = False
    registro: bool = False


Periodicita = Literal["continua", "mensile", "trimestrale", "semestrale", "annuale", "biennale"]
LivelloMonitoraggio = Literal["primo", "secondo", "primo-e-secondo"]


class Selezione(Model):
    """A group of checks of the monitoring plan: which processes (or phases) among which risk levels, how many,
    how, how often, by whom.

    ``per_area``: so many per risk area; ``numero``: so many in all (after ``per_area``, when both are given).
    ``oggetto: fase``: the phase or activity of each chosen process that carries its risk events is checked.
    ``campione``: the sample of an ``a-campione`` check (``"10%"``, ``"5 pratiche"``).
    """

    codice: Code
    descrizione: CleanText = ""
    oggetto: Literal["processo", "fase"] = "processo"
    livelli: list[Code] = Field(min_length=1)
    aree: list[Code] = Field(default_factory=list)
    per_area: int | None = Field(default=None, ge=1, le=1000, strict=True)
    numero: int | None = Field(default=None, ge=1, le=100_000, strict=True)
    modalita: Literal["puntuale", "a-campione"]
    campione: CleanText | None = None
    periodicita: Periodicita | None = None
    livello: LivelloMonitoraggio = "secondo"
    verificatore: CleanText = "RPCT"
    periodo: CleanText = ""

    @model_validator(mode="after")
    def _how_many(self) -> Self:
        if self.per_area is None and self.numero is None:
            raise RefusalError("problemi.valore.quante_verifiche")
        if self.campione is not None and self.modalita != "a-campione":
            raise RefusalError("problemi.valore.campione")
        return self


class PianoMonitoraggio(Model):
    """The monitoring plan: ``per-livello`` gives one row per process from the policies' cadence; ``selezione``
    the checks the RPCT selects (``selezioni``, in order, a process chosen once), rotating over the years.

    Rotation: the items checked longest ago (never first, by the runs recorded in the history store) come
    first; among equals, the list of candidates (by code) is read from a position that moves each year
    by the number taken, shifted by ``seme``; so without any history the choice still rotates, and is the
    same for the same year, catalogue and method.
    """

    tipo: Literal["per-livello", "selezione"] = "per-livello"
    seme: int = Field(default=0, ge=0, le=1_000_000, strict=True)
    selezioni: list[Selezione] = Field(default_factory=list)

    @model_validator(mode="after")
    def _selections(self) -> Self:
        if (self.tipo == "selezione") != bool(self.selezioni):
            raise RefusalError("problemi.valore.selezioni")
        return self


class MethodFile(Model):
    """method.yaml: a complete, declarative scoring method."""

    metodo: InfoMetodo
    valutazione: Valutazione = Field(default_factory=Valutazione)
    arrotondamento: Arrotondamento
    scale: list[Scala] = Field(min_length=1)
    indicatori: list[Indicatore] = Field(min_length=1)
    dimensioni: Dimensioni
    combinazione: Combinazione
    livelli: list[LivelloRischio] = Field(min_length=2)
    punteggio_massimo: Annotated[Dec, Field(gt=0, le=_MAGNITUDE)] | None = None
    bande: list[TabellaBande] = Field(default_factory=list)
    scelta_bande: SceltaBande | None = None
    residuo: Residuo = Field(default_factory=lambda: Residuo(metodo="nessuno"))
    eventi: Eventi = Field(default_factory=Eventi)
    piano_monitoraggio: PianoMonitoraggio = Field(default_factory=PianoMonitoraggio)


# ---- policies.yaml ----------------------------------------------------------------------------

class Criticita(Model):
    """Consequence: raise a finding."""

    codice: Code
    gravita: Gravita  # also in Italian (errore, avviso, nota), kept in English
    messaggio: str


class RichiestaMisura(Model):
    """Consequence: require a treatment (e.g. a specific measure of some typology)."""

    ambito: Literal["generale", "specifica"] = "specifica"
    tipologie: list[Code] = Field(default_factory=list)
    descrizione: str = ""


class Monitoraggio(Model):
    """Consequence: set the monitoring of a process."""

    modalita: Literal["puntuale", "a-campione"]
    periodicita: Periodicita
    livello: LivelloMonitoraggio = "primo"


class Priorita(Model):
    """Consequence: set the treatment priority (1 is the highest)."""

    valore: int = Field(ge=1, le=9)
    etichetta: str = ""


class Azione(Model):
    """Exactly one consequence from the closed set."""

    criticita: Criticita | None = None
    richiede_misura: RichiestaMisura | None = None
    monitoraggio: Monitoraggio | None = None
    priorita: Priorita | None = None

    @model_validator(mode="after")
    def _one(self) -> Self:
        given = [k for k in ("criticita", "richiede_misura", "monitoraggio", "priorita")
                 if getattr(self, k) is not None]
        if len(given) != 1:
            raise RefusalError("problemi.valore.una_azione")
        return self

    @property
    def tipo(self) -> str:
        """The kind of consequence."""
        return next(k for k in ("criticita", "richiede_misura", "monitoraggio", "priorita") if getattr(self, k))


class Regola(Model):
    """A when → then rule."""

    codice: Code
    descrizione: str
    quando: str = Field(min_length=1)
    allora: list[Azione] = Field(min_length=1)
    priorita: int = 0


class TabellaDecisione(Model):
    """A group of rules with an explicit hit policy (DMN): collect, first or priority."""

    codice: Code
    descrizione: str = ""
    esito: Literal["collect", "first", "priority"]
    regole: list[Regola] = Field(min_length=1)


class PoliciesFile(Model):
    """policies.yaml."""

    tabelle: list[TabellaDecisione] = Field(default_factory=list)


# ---- rule tests -----------------------------------------------------------------------------------

class MisuraCaso(Model):
    """A measure linked to a rule test case: what the residual conventions read from the catalogue and monitoring.

    ``stato`` is the planned status (a ``non-attuata`` measure does not count for the planned
    residual); ``monitorato`` the monitored outcome of the year (default: ``stato``); only
    ``attuata`` measures count for the monitored residual.
    """

    codice: Code
    ambito: Literal["generale", "specifica"]
    stato: StatoMisura = "da-attuare"
    monitorato: StatoMisura | None = None
    efficacia: Dec | None = Field(default=None, ge=Decimal(0), le=Decimal(1))
    scadenza: Giorno | None = None
    trasversale: bool = False


class Atteso(Model):
    """Expected outcome of a rule test case: every key given is checked, and must be one the evaluation gives."""

    probabilita: Text | None = None
    impatto: Text | None = None
    rischio: Amount | None = None
    livello: Code | None = None
    rischio_residuo: Amount | None = None
    livello_residuo: Code | None = None
    rischio_monitorato: Amount | None = None
    livello_monitorato: Code | None = None
    varianti: dict[str, Amount] | None = None
    livelli_varianti: dict[str, Code] | None = None
    criticita: list[Code] | None = None
    monitoraggio: Monitoraggio | None = None
    priorita: int | None = None


class Caso(Model):
    """A rule test case: answers (or a score, or P/I levels), measures and facts, and what must come out."""

    nome: str
    area: Code | None = None
    risposte: dict[str, Any] | None = None
    rischio: Amount | None = None
    probabilita: Code | None = None
    impatto: Code | None = None
    misure: list[MisuraCaso] | None = None
    rivalutazione: "Rivalutazione | None" = None
    data_valutazione: Giorno | None = None
    fatti: dict[str, Any] = Field(default_factory=dict)
    atteso: Atteso

    @model_validator(mode="after")
    def _input(self) -> Self:
        given = [self.risposte is not None, self.rischio is not None,
                 self.probabilita is not None or self.impatto is not None]
        if sum(given) != 1:
            raise RefusalError("problemi.valore.un_ingresso")
        if (self.probabilita is None) != (self.impatto is None):
            raise RefusalError("problemi.valore.probabilita_impatto")
        return self


class ProcessoPiano(Model):
    """A process of a monitoring-plan test case: its area, its inherent level and the phases it may check."""

    codice: Code
    nome: str = ""
    area: Code | None = None
    livello: Code
    fasi: list[Code] = Field(default_factory=list)  # the phases or activities carrying its risk events


class AttesoPiano(Model):
    """Expected shape of the monitoring plan: every key given is checked."""

    righe: int | None = Field(default=None, ge=0)
    puntuali: int | None = Field(default=None, ge=0)
    a_campione: int | None = Field(default=None, ge=0)
    periodicita: dict[str, int] | None = None  # rows per periodicity ("-" for none)
    oggetto: dict[Literal["processo", "fase"], int] | None = None  # rows per object checked
    per_area: dict[str, int] | None = None  # rows per area
    voci: list[Code] | None = None  # the processes or phases checked, in the plan's order


class CasoPiano(Model):
    """A monitoring-plan test case: the assessed processes of a year, what earlier years checked, the plan."""

    nome: str
    anno: int = Field(ge=2000, le=2100)
    processi: list[ProcessoPiano] = Field(min_length=1)
    verificati: dict[Code, int] = Field(default_factory=dict)  # the last year each process or phase was checked
    atteso: AttesoPiano


class TestFile(Model):
    """rules/<method>/tests/*.yaml: scoring cases (``casi``) and monitoring-plan cases (``piani_monitoraggio``)."""

    casi: list[Caso] = Field(default_factory=list)
    piani_monitoraggio: list[CasoPiano] = Field(default_factory=list)

    @model_validator(mode="after")
    def _some(self) -> Self:
        if not self.casi and not self.piani_monitoraggio:
            raise RefusalError("problemi.valore.almeno_un_caso")
        return self


# ---- assessment-<year>.yaml -------------------------------------------------------------------

class Rivalutazione(ItemModel):
    """An explicit re-rating of the residual risk, with its reason."""

    rischio: Amount | None = None  # negative scores get the answers' own message (riskengine.answers.load)
    livello: Code | None = None
    motivazione: CleanText = ""  # free text shown by explain and the reports: no terminal controls


class Giudizio(ItemModel):
    """The answers for one process, phase or risk event, with the motivazione."""

    processo: Code | None = None
    fase: Code | None = None
    evento: Code | None = None
    risposte: dict[str, Any] = Field(default_factory=dict)
    motivazione: CleanText = ""
    motivazioni: dict[str, CleanText] = Field(default_factory=dict)
    residuo: Rivalutazione | None = None
    da_confermare: bool = False  # answers copied by `new-year`: the referent confirms or changes them

    @model_validator(mode="after")
    def _target(self) -> Self:
        if sum(x is not None for x in (self.processo, self.fase, self.evento)) != 1:
            raise RefusalError("problemi.valore.un_oggetto")
        return self

    @property
    def oggetto(self) -> str:
        """The code of the assessed item."""
        return self.processo or self.fase or self.evento  # type: ignore[return-value]


class EsitoMonitoraggio(ItemModel):
    """Monitoring result for a measure in the year."""

    misura: Code
    stato: StatoMisura
    verifiche_previste: Count | None = None
    verifiche_eseguite: Count | None = None
    note: CleanText = ""


class AssessmentFile(Model):
    """assessment-<year>.yaml."""

    anno: int = Field(ge=2000, le=2100)
    data_valutazione: Giorno | None = None
    valutazioni: list[Giudizio] = Field(default_factory=list)
    monitoraggio: list[EsitoMonitoraggio] = Field(default_factory=list)


RULE_FILES = {"method": MethodFile, "policies": PoliciesFile, "rule-tests": TestFile, "assessment": AssessmentFile}
