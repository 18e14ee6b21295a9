"""What-if scenarios: changed links, measures and answers, applied to a freshly loaded catalogue.

A scenario file never reaches the catalogue on disk: it changes the models in memory (the graph's
measure objects, the assessment's answers and monitoring) and gives the links to evaluate with.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import Field

from riskengine.answers.load import Assessment, allowed_answers, match_option
from riskengine.catalog.models import Misura, Stato
from riskengine.errors import Problem, RiskengineError, shorten
from riskengine.graph import queries as q
from riskengine.graph.build import CatalogGraph
from riskengine.i18n import said
from riskengine.method.load import Method
from riskengine.method.models import EsitoMonitoraggio
from riskengine.source.document import Document, load_yaml
from riskengine.source.fields import Code, Dec, Model, Scadenza
from riskengine.source.validate import validate_document, written
from riskengine.suggest import Suggestions


class Collegamento(Model):
    """A link between a measure and a process."""

    misura: Code
    processo: Code


class Collegamenti(Model):
    """Links to add and to remove."""

    aggiungi: list[Collegamento] = Field(default_factory=list)
    rimuovi: list[Collegamento] = Field(default_factory=list)


class ModificaMisura(Model):
    """A measure's new status, deadline or efficacy, or its removal from every process (``rimuovi``)."""

    misura: Code
    stato: Stato | None = None
    scadenza: Scadenza = None
    efficacia: Dec | None = Field(default=None, ge=Decimal(0), le=Decimal(1))
    rimuovi: bool = False


class ModificaRisposte(Model):
    """New answers for some indicators of an assessed item (process, phase or event, as the method scores)."""

    oggetto: Code
    risposte: dict[str, Any]


class Scenario(Model):
    """A what-if scenario file."""

    descrizione: str = ""
    collegamenti: Collegamenti = Field(default_factory=Collegamenti)
    misure: list[ModificaMisura] = Field(default_factory=list)
    risposte: list[ModificaRisposte] = Field(default_factory=list)


def load_scenario(path: str | Path) -> tuple[Scenario, Document]:
    """Load and validate a scenario file (its references are checked by :func:`apply_scenario`)."""
    doc = load_yaml(path)
    problems: list[Problem] = []
    scenario = validate_document(doc, Scenario, problems)
    if scenario is None:
        raise RiskengineError(problems)
    return scenario, doc


def _replace_measure(cg: CatalogGraph, node: str, change: ModificaMisura) -> None:
    data = cg.obj(node).model_dump()
    if change.stato is not None:
        data["stato"] = change.stato
    if change.scadenza is not None:
        data["scadenza"] = change.scadenza
    if change.efficacia is not None:
        data["efficacia"] = change.efficacia
    cg.attrs(node)["obj"] = Misura.model_validate(data)  # catalogue models are frozen: a new one


def apply_scenario(scenario: Scenario, doc: Document, cg: CatalogGraph, method: Method,
                   assessment: Assessment) -> dict[str, list[str]]:
    """Apply a scenario to a loaded catalogue and assessment; return the measures of every process.

    Raises :class:`RiskengineError` (located in the scenario file) for unknown measures, processes,
    items, indicators or answers.
    """
    problems: list[Problem] = []
    measures = {cg.code(n) for n in cg.nodes_of("measure")}
    links = {cg.code(p): [cg.code(m) for m in q.measures_of(cg, p)] for p in cg.nodes_of("process")}

    suggesters: dict[int, Suggestions] = {}  # by pool: one for each kind of code

    def known(kind: str, code: str, pool: Any, keys: tuple[Any, ...]) -> bool:
        if code in pool:
            return True
        proposal = suggesters.setdefault(id(pool), Suggestions(pool))(code)  # a close code, else where they are
        problems.append(said(doc.locate(keys), "problemi.scenario.sconosciuto", code="scenario", hint=proposal,
                             hint_key="" if proposal else f"problemi.scenario.suggerimento.codice.{kind}",
                             codice=shorten(code), genere_chiave=f"problemi.scenario.genere.{kind}"))
        return False

    for verb in ("aggiungi", "rimuovi"):
        for index, link in enumerate(getattr(scenario.collegamenti, verb)):
            keys = ("collegamenti", verb, index)
            if not (known("measure", link.misura, measures, keys + ("misura",))
                    and known("process", link.processo, links, keys + ("processo",))):
                continue
            treated = links[link.processo]
            if (link.misura in treated) == (verb == "aggiungi"):  # a link that is there already, or not there
                problems.append(said(doc.locate(keys), f"problemi.scenario.collegamento_{verb}", code="scenario",
                                     misura=link.misura, processo=link.processo))
            elif verb == "aggiungi":
                treated.append(link.misura)
            else:
                treated.remove(link.misura)
    first: dict[tuple[str, str, str], int] = {}  # (list, code, what it sets) → the entry that sets it first

    def once(name: str, code: str, fields: list[str], index: int, kind: str) -> bool:
        """True unless an earlier entry of ``name`` about ``code`` sets one of ``fields`` too (the last would win:
        refused). Entries setting different fields of the same measure or item add up."""
        for field in fields:
            if (name, code, field) in first:
                problems.append(said(doc.locate((name, index)), "problemi.scenario.doppio", code="scenario",
                                     hint_key="problemi.scenario.suggerimento.doppio", codice=code, campo=field,
                                     voce=first[(name, code, field)] + 1,
                                     genere_chiave=f"problemi.scenario.genere.{kind}"))
                return False
        first.update({(name, code, field): index for field in fields})
        return True

    for index, change in enumerate(scenario.misure):
        set_here = [f for f in ("stato", "scadenza", "efficacia") if getattr(change, f) is not None] \
            + (["rimuovi"] if change.rimuovi else [])
        if not known("measure", change.misura, measures, ("misure", index, "misura")) \
                or not once("misure", change.misura, set_here, index, "measure"):
            continue
        node = f"measure:{change.misura}"
        if change.rimuovi:
            for treated in links.values():
                if change.misura in treated:
                    treated.remove(change.misura)
        _replace_measure(cg, node, change)
        esito = assessment.monitoring.get(change.misura)
        if esito is not None and change.stato is not None:
            assessment.monitoring[change.misura] = EsitoMonitoraggio.model_validate(
                dict(esito.model_dump(), stato=change.stato))
    indicators = [i.codice for i in method.model.indicatori]
    for index, given in enumerate(scenario.risposte):
        where: tuple[Any, ...] = ("risposte", index)
        if not known("item", given.oggetto, assessment.answers, where + ("oggetto",)) \
                or not once("risposte", given.oggetto, sorted(given.risposte), index, "item"):
            continue
        options = dict(assessment.answers[given.oggetto].options)
        for indicator, raw in given.risposte.items():
            if not known("indicator", indicator, indicators, where + ("risposte", indicator)):
                continue
            option = match_option(method, indicator, raw)
            if option is None:  # worded as an answer of an assessment file is
                problems.append(said(doc.locate(where + ("risposte", indicator)), "problemi.risposta_non_ammessa",
                                     code="scenario", hint_key="problemi.suggerimento.risposte_ammesse",
                                     risposta=shorten(written(raw)), indicatore=indicator,
                                     risposte=", ".join(allowed_answers(method, indicator))))
                continue
            options[indicator] = option
        assessment.answers[given.oggetto].options = options
    if problems:
        raise RiskengineError(problems)
    return links
