"""Load assessment-<year>.yaml and check it against the catalogue and the method's scales."""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from riskengine.errors import Location, Problem, RiskengineError, Severity, shorten
from riskengine.graph.build import CatalogGraph, after_duplicates
from riskengine.i18n import said
from riskengine.method.arithmetic import decimals
from riskengine.method.load import Method
from riskengine.method.models import AssessmentFile, EsitoMonitoraggio, Giudizio, Opzione
from riskengine.source.document import Document, load_yaml
from riskengine.source.validate import validate_document, written
from riskengine.suggest import Suggestions, closest, did_you_mean

_KIND_OF_LEVEL = {"processo": "process", "fase": "phase", "evento": "event"}
# The findings an assessment file raises, by code: their severity (``rules-list`` lists them).
FINDINGS = {"da-confermare": Severity.WARNING, "plan-date-before-year": Severity.WARNING}


@dataclass
class Answers:
    """The validated answers of one assessed item: indicator → chosen scale option."""

    item: str
    kind: str
    options: dict[str, Opzione]
    giudizio: Giudizio


@dataclass
class Assessment:
    """A validated assessment: answers by item code, monitoring by measure code."""

    path: Path
    model: AssessmentFile
    answers: dict[str, Answers] = field(default_factory=dict)
    monitoring: dict[str, EsitoMonitoraggio] = field(default_factory=dict)
    document: Document | None = None
    # Where each item's judgement is written: the findings of the policies on it are located there.
    places: dict[str, Location] = field(default_factory=dict)
    # What the annex lists about the assessment itself: one finding per answer still marked da_confermare.
    findings: list[Problem] = field(default_factory=list)


def match_option(method: Method, indicator_code: str, raw: Any) -> Opzione | None:
    """The scale option an answer names (by its value or by its code), or None."""
    indicator = next(i for i in method.model.indicatori if i.codice == indicator_code)
    scale = method.scale_of(indicator)
    for option in scale.opzioni:
        if option.codice is not None and isinstance(raw, str) and raw.strip() == option.codice:
            return option
        if not isinstance(raw, bool) and isinstance(raw, (int, float, Decimal, str)):
            try:
                if Decimal(repr(raw) if isinstance(raw, float) else str(raw).strip()) == option.valore:
                    return option
            except ArithmeticError:
                continue
    return None


def allowed_answers(method: Method, indicator_code: str) -> list[str]:
    """How the answers of an indicator may be written."""
    indicator = next(i for i in method.model.indicatori if i.codice == indicator_code)
    return [o.codice or format(o.valore, "f") for o in method.scale_of(indicator).opzioni]


def check_answers(method: Method, risposte: dict[str, Any], locate: Callable[..., Location], problems: list[Problem],
                  matched: dict[tuple, Opzione | None] | None = None,
                  unknown: Callable[[], dict[str, Any]] | None = None) -> dict[str, Opzione]:
    """Validate a mapping indicator → answer; report unknown indicators, missing answers, values off scale.

    ``locate(keys, key=False)`` places a problem; ``matched``: the answers matched so far in the same
    file, by (indicator, type, answer): answers repeat, each distinct one is matched once; ``unknown()``: the hint
    of an unknown indicator no code is close to (an earlier year's file: assessed with another method), if any.
    """
    codes = [i.codice for i in method.model.indicatori]
    options: dict[str, Opzione] = {}
    for name, raw in risposte.items():
        if name not in codes:
            proposal = did_you_mean(name, codes)
            hinted = unknown() if unknown is not None and closest(name, codes) is None else {}
            problems.append(said(locate((name,), key=True), "problemi.indicatore_sconosciuto", code="assessment",
                                 hint=proposal, indicatore=shorten(name), **hinted))
            continue
        if matched is not None and type(raw) in (str, int, float, Decimal):
            key = (name, type(raw), raw)
            if key in matched:
                option = matched[key]
            else:
                option = matched[key] = match_option(method, name, raw)
        else:
            option = match_option(method, name, raw)
        if option is None:
            allowed = allowed_answers(method, name)
            numeric = str(raw).replace(".", "").isdigit()  # a number off the scale: every allowed answer
            # a close answer proposed, else every allowed one, listed alike for a number and a text
            proposal = "" if numeric or closest(str(raw), allowed) is None else did_you_mean(str(raw), allowed)
            problems.append(said(locate((name,)), "problemi.risposta_non_ammessa", code="assessment", hint=proposal,
                                 hint_key="" if proposal else "problemi.suggerimento.risposte_ammesse",
                                 risposta=shorten(written(raw)), indicatore=name, risposte=", ".join(allowed)))
            continue
        options[name] = option
    missing = [c for c in codes if c not in risposte]
    if missing:
        problems.append(said(locate(()), "problemi.risposte_mancanti", code="assessment",
                             hint_key="problemi.suggerimento.risposte_mancanti", indicatori=", ".join(missing)))
    return options


def load_assessment(path: str | Path, cg: CatalogGraph, method: Method, *, raw: bytes | None = None) -> Assessment:
    """Load and validate an assessment file; raise :class:`RiskengineError` with every problem.

    ``raw``: the file's bytes as :func:`~riskengine.source.document.read_file` read them, when already read."""
    path = Path(path)
    doc = load_yaml(path, raw=raw)
    cache = cg.catalog.position_cache()
    if cache is not None:  # its judgements are all located: the index of an unchanged file is read, not rebuilt
        doc.use_positions(cache)
    return check_assessment(doc, cg, method, path)


# The name of an assessment file, which states its year (riskengine.catalog.load.Catalog.assessment_files).
_FILE_YEAR = re.compile(r"assessment-(\d+)\.yaml")


def check_assessment(doc: Document, cg: CatalogGraph, method: Method, path: Path) -> Assessment:
    """Validate a loaded assessment document (a YAML file, or a workbook's cells) against the catalogue
    and the method; raise :class:`RiskengineError` with every problem, each at its place."""
    problems: list[Problem] = []
    model = validate_document(doc, AssessmentFile, problems)
    if model is None:
        raise RiskengineError(problems)
    result = Assessment(path, model, document=doc)
    named = _FILE_YEAR.fullmatch(path.name)
    if named and int(named[1]) != model.anno:  # the file is chosen by its name, the year by its 'anno'
        problems.append(said(doc.locate(("anno",)), "problemi.anno_del_file", code="assessment",
                             hint_key="problemi.suggerimento.anno_del_file", file=path.name, anno=model.anno,
                             anno_file=int(named[1])))
    plan_date = cg.catalog.ente.data_riferimento
    if model.anno > plan_date.year:  # new-year does not touch ente.yaml: last year's plan date would be this year's
        result.findings.append(said(
            cg.catalog.locate("ente.yaml", ("data_riferimento",)), "integrita.plan-date-before-year",
            code="plan-date-before-year", severity=FINDINGS["plan-date-before-year"],
            subject=f"anno:{model.anno}",
            hint_key="problemi.suggerimento.plan-date-before-year", anno=model.anno, data=plan_date.isoformat()))
    level = method.model.valutazione.livello
    wanted_kind = _KIND_OF_LEVEL[level]
    suggest = Suggestions(cg.code(n) for n in cg.nodes_of(wanted_kind))

    @functools.cache
    def closed() -> dict[str, Any]:
        """The hint of a catalogue's file of an earlier year than the latest (worked out at its first unknown item,
        not for a workbook or questionnaires): an item it names that the catalogue no longer has, and no code is
        close to, was most likely removed from the map since."""
        with contextlib.suppress(OSError, RiskengineError):  # a misnamed file: refused by the catalogue
            if type(doc) is Document and model.anno < max(cg.catalog.assessment_files(), default=model.anno):
                return {"hint_key": "problemi.suggerimento.anno_chiuso", "anno": model.anno}
        return {}

    duplicates = functools.cache(cg.duplicates)  # asked at each unknown item, worked out at the first
    indicator_codes = [i.codice for i in method.model.indicatori]

    def other_method(giudizio: Giudizio) -> Callable[[], dict[str, Any]] | None:
        """The hint of an answer to an indicator the method lacks, where the year was most likely assessed with
        another method (none of the entry's answers is the method's; one slip beside the others is no such sign):
        name it in ente.yaml, or correct the method named there."""
        foreign = giudizio.risposte and not any(name in indicator_codes for name in giudizio.risposte)
        if type(doc) is not Document or not foreign:
            return None
        listed = model.anno in cg.catalog.ente.metodi_precedenti
        hint_key = f"problemi.suggerimento.{'metodo_elencato' if listed else 'metodo_precedente'}"
        return lambda: {"hint_key": hint_key, "anno": model.anno, "metodo": method.model.metodo.codice}
    seen: dict[str, int] = {}
    matched: dict[tuple, Opzione | None] = {}
    # Items answered alike share their options (never modified): a national assessment repeats a few patterns.
    patterns: dict[tuple[tuple[str, int], ...], dict[str, Opzione]] = {}
    for index, giudizio in enumerate(model.valutazioni):
        keys = ("valutazioni", index)
        given = "processo" if giudizio.processo else "fase" if giudizio.fase else "evento"
        code = giudizio.oggetto
        if given != level:
            problems.append(said(doc.locate(keys + (given,), key=True), "problemi.livello_valutazione",
                                 code="assessment", hint_key="problemi.suggerimento.livello_valutazione",
                                 livello=level, dato=given, livello_chiave=f"problemi.oggetto.{level}",
                                 dato_chiave=f"problemi.oggetto.{given}"))
            continue
        if f"{wanted_kind}:{code}" not in cg:
            # while a code of its kind is written twice, it may be that one's former code (as the catalogue's own
            # references say): said so, with the code it looks like when that is another
            follows = after_duplicates(duplicates(), (wanted_kind,), functools.partial(suggest.nearest, code))
            proposal = "" if follows else suggest(code)
            problems.append(said(doc.locate(keys + (given,)), "problemi.oggetto_sconosciuto", code="assessment",
                                 hint=proposal, livello=level, livello_chiave=f"problemi.oggetto.{level}",
                                 codice=code, unknown=code, **(follows or ({} if proposal else closed()))))
            continue
        if code in seen:
            problems.append(said(doc.locate(keys + (given,)), "problemi.valutato_due_volte", code="assessment",
                                 hint_key="problemi.suggerimento.una_voce", codice=code, voce=seen[code] + 1))
            continue
        seen[code] = index
        result.places[code] = doc.locate(keys)
        options = check_answers(method, giudizio.risposte,
                                lambda k, key=False, base=keys: doc.locate(base + ("risposte",) + k, key=key), problems,
                                matched, (hint := other_method(giudizio)))
        for name in giudizio.motivazioni:
            if name not in indicator_codes:
                hinted = hint() if hint is not None and closest(name, indicator_codes) is None else {}
                problems.append(said(doc.locate(keys + ("motivazioni", name), key=True),
                                     "problemi.motivazione_indicatore_sconosciuto", code="assessment",
                                     hint=did_you_mean(name, indicator_codes), indicatore=shorten(name), **hinted))
        if giudizio.residuo is not None:
            r = giudizio.residuo
            if r.livello is not None and r.livello not in method.levels:
                problems.append(said(doc.locate(keys + ("residuo", "livello")), "problemi.livello_sconosciuto",
                                     code="assessment", hint=did_you_mean(r.livello, method.levels),
                                     livello=shorten(r.livello)))
            if r.rischio is not None and not method.numeric:
                problems.append(said(doc.locate(keys + ("residuo", "rischio")), "problemi.residuo_non_numerico",
                                     code="assessment"))
            elif r.rischio is not None:
                digits = method.digits
                if not r.rischio.is_finite() or r.rischio < 0:
                    problems.append(said(doc.locate(keys + ("residuo", "rischio")), "problemi.residuo_negativo",
                                         code="assessment", rischio=r.rischio))
                elif decimals(r.rischio) > digits:
                    problems.append(said(doc.locate(keys + ("residuo", "rischio")), "problemi.residuo_decimali",
                                         code="assessment", hint_key="problemi.suggerimento.residuo_decimali",
                                         rischio=r.rischio, cifre=digits))
            if (r.rischio is None) == (r.livello is None):
                problems.append(said(doc.locate(keys + ("residuo",)), "problemi.rischio_o_livello", code="assessment"))
        # the options are the method's, which the assessment holds: their ids name them
        options = patterns.setdefault(tuple((name, id(option)) for name, option in options.items()), options)
        result.answers[code] = Answers(code, wanted_kind, options, giudizio)
        if giudizio.da_confermare:
            result.findings.append(said(
                doc.locate(keys + ("da_confermare",)), "integrita.da-confermare", code="da-confermare",
                severity=FINDINGS["da-confermare"], subject=code,
                hint_key="problemi.suggerimento.da-confermare", codice=code))
    suggest_measure = Suggestions(cg.code(n) for n in cg.nodes_of("measure"))
    for index, esito in enumerate(model.monitoraggio):
        if f"measure:{esito.misura}" not in cg:
            problems.append(said(doc.locate(("monitoraggio", index, "misura")), "problemi.misura_sconosciuta",
                                 code="assessment", hint=(proposal := suggest_measure(esito.misura)),
                                 misura=esito.misura, **({} if proposal else closed())))
        elif esito.misura in result.monitoring:
            problems.append(said(doc.locate(("monitoraggio", index, "misura")), "problemi.monitorata_due_volte",
                                 code="assessment", misura=esito.misura))
        else:
            result.monitoring[esito.misura] = esito
    if problems:
        raise RiskengineError(sorted(problems, key=Problem.sort_key))
    doc.release_data()  # kept for locating values only: the model holds the answers
    return result
