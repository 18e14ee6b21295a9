"""Load assessment-<year>.yaml and check it against the catalogue and the method's scales."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from riskengine.errors import Location, Problem, RiskengineError, Severity
from riskengine.graph.build import CatalogGraph
from riskengine.method.arithmetic import decimals
from riskengine.method.load import Method
from riskengine.method.models import AssessmentFile, EsitoMonitoraggio, Giudizio, Opzione
from riskengine.source.document import Document, load_yaml
from riskengine.source.validate import validate_document
from riskengine.suggest import did_you_mean

_KIND_OF_LEVEL = {"processo": "process", "fase": "phase", "evento": "event"}


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
    to_confirm: list[Problem] = field(default_factory=list)  # one finding per answer still marked da_confermare


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
                  matched: dict[tuple, Opzione | None] | None = None) -> dict[str, Opzione]:
    """Validate a mapping indicator → answer; report unknown indicators, missing answers, values off scale.

    ``locate(keys, key=False)`` places a problem; ``matched``: the answers matched so far in the same
    file, by (indicator, type, answer): answers repeat, each distinct one is matched once.
    """
    codes = [i.codice for i in method.model.indicatori]
    options: dict[str, Opzione] = {}
    for name, raw in risposte.items():
        if name not in codes:
            problems.append(Problem(locate((name,), key=True), f"unknown indicator '{name}'", code="assessment",
                                    hint=did_you_mean(name, codes)))
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
            problems.append(Problem(locate((name,)), f"'{raw}' is not an answer of indicator '{name}'",
                                    code="assessment", hint=did_you_mean(str(raw), allowed) if not
                                    str(raw).replace(".", "").isdigit() else "expected one of: " + ", ".join(allowed)))
            continue
        options[name] = option
    missing = [c for c in codes if c not in risposte]
    if missing:
        problems.append(Problem(locate(()), f"missing answers for: {', '.join(missing)}", code="assessment",
                                hint="every indicator of the method needs an answer"))
    return options


def load_assessment(path: str | Path, cg: CatalogGraph, method: Method) -> Assessment:
    """Load and validate an assessment file; raise :class:`RiskengineError` with every problem."""
    path = Path(path)
    doc = load_yaml(path)
    problems: list[Problem] = []
    model = validate_document(doc, AssessmentFile, problems)
    if model is None:
        raise RiskengineError(problems)
    result = Assessment(path, model, document=doc)
    level = method.model.valutazione.livello
    wanted_kind = _KIND_OF_LEVEL[level]
    pool = [cg.code(n) for n in cg.nodes_of(wanted_kind)]
    seen: dict[str, int] = {}
    indicator_codes = [i.codice for i in method.model.indicatori]
    matched: dict[tuple, Opzione | None] = {}
    for index, giudizio in enumerate(model.valutazioni):
        keys = ("valutazioni", index)
        given = "processo" if giudizio.processo else "fase" if giudizio.fase else "evento"
        code = giudizio.oggetto
        if given != level:
            problems.append(Problem(doc.locate(keys + (given,), key=True),
                                    f"this method scores each {level}, not each {given}", code="assessment",
                                    hint=f"write '{level}: CODE'"))
            continue
        if f"{wanted_kind}:{code}" not in cg.graph:
            problems.append(Problem(doc.locate(keys + (given,)), f"unknown {level} '{code}'", code="assessment",
                                    hint=did_you_mean(code, pool)))
            continue
        if code in seen:
            problems.append(Problem(doc.locate(keys + (given,)),
                                    f"'{code}' is assessed twice (also entry {seen[code] + 1})",
                                    code="assessment", hint="keep one entry per item"))
            continue
        seen[code] = index
        result.places[code] = doc.locate(keys)
        options = check_answers(method, giudizio.risposte,
                                lambda k, key=False, base=keys: doc.locate(base + ("risposte",) + k, key=key), problems,
                                matched)
        for name in giudizio.motivazioni:
            if name not in indicator_codes:
                problems.append(Problem(doc.locate(keys + ("motivazioni", name), key=True),
                                        f"motivazione for unknown indicator '{name}'", code="assessment",
                                        hint=did_you_mean(name, indicator_codes)))
        if giudizio.residuo is not None:
            r = giudizio.residuo
            if r.livello is not None and r.livello not in method.levels:
                problems.append(Problem(doc.locate(keys + ("residuo", "livello")), f"unknown risk level '{r.livello}'",
                                        code="assessment", hint=did_you_mean(r.livello, method.levels)))
            if r.rischio is not None and not method.numeric:
                problems.append(Problem(doc.locate(keys + ("residuo", "rischio")),
                                        "this method has no numeric score: re-rate with 'livello'", code="assessment"))
            elif r.rischio is not None:
                digits = method.digits
                if not r.rischio.is_finite() or r.rischio < 0:
                    problems.append(Problem(doc.locate(keys + ("residuo", "rischio")),
                                            f"a re-rated risk is a score from 0, got {r.rischio}", code="assessment"))
                elif decimals(r.rischio) > digits:
                    problems.append(Problem(doc.locate(keys + ("residuo", "rischio")),
                                            f"re-rated risk {r.rischio} has more decimals than the method's rounding "
                                            f"precision ({digits})", code="assessment",
                                            hint=f"write the score with at most {digits} decimals"))
            if (r.rischio is None) == (r.livello is None):
                problems.append(Problem(doc.locate(keys + ("residuo",)), "give exactly one of 'rischio' or 'livello'",
                                        code="assessment"))
        result.answers[code] = Answers(code, wanted_kind, options, giudizio)
        if giudizio.da_confermare:
            result.to_confirm.append(Problem(
                doc.locate(keys + ("da_confermare",)), f"the answers of {code} were copied from the previous year "
                "and are not confirmed", code="da-confermare", severity=Severity.WARNING, subject=code,
                hint="confirm or change them, then delete 'da_confermare'"))
    measure_codes = [cg.code(n) for n in cg.nodes_of("measure")]
    for index, esito in enumerate(model.monitoraggio):
        if f"measure:{esito.misura}" not in cg.graph:
            problems.append(Problem(doc.locate(("monitoraggio", index, "misura")), f"unknown measure '{esito.misura}'",
                                    code="assessment", hint=did_you_mean(esito.misura, measure_codes)))
        elif esito.misura in result.monitoring:
            problems.append(Problem(doc.locate(("monitoraggio", index, "misura")),
                                    f"measure '{esito.misura}' is monitored twice", code="assessment"))
        else:
            result.monitoring[esito.misura] = esito
    if problems:
        raise RiskengineError(sorted(problems, key=Problem.sort_key))
    doc.release_data()  # kept for locating values only: the model holds the answers
    return result
