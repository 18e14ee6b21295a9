"""Rule tests: YAML cases (answers → expected scores, level, findings) run against a method, with coverage.

``riskengine test rules/<method>`` loads ``tests/*.yaml``, evaluates every case on the engine, prints
each failure with its explanation, and lists the band rows, grid cells and policy rules no case fired.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from riskengine.answers.load import check_answers
from riskengine.catalog.models import Misura
from riskengine.errors import Location, Problem, RiskengineError
from riskengine.evaluate.backend import Backend, backend_for
from riskengine.evaluate.evaluation import (
    Subject,
    evaluate_subjects,
    measure_counts,
    policy_answers,
    residual_measures,
)
from riskengine.evaluate.items import ItemScore, score_item
from riskengine.evaluate.monitoring import Candidate, select_checks
from riskengine.i18n import RefusalError, refuse, said
from riskengine.method import expr
from riskengine.method.arithmetic import decimals, quantum
from riskengine.method.compile import EncodingError, scaled
from riskengine.method.load import Method, load_method
from riskengine.method.models import Caso, CasoPiano, TestFile
from riskengine.result.build import method_record
from riskengine.source.document import Document, load_yaml
from riskengine.source.fields import decimal_text
from riskengine.source.validate import validate_document
from riskengine.suggest import did_you_mean


@dataclass(frozen=True)
class Mismatch:
    """A value a case expected and the one it got, the field named as the test file names it; ``parole`` says
    what the values are, for their wording: a level's code (``livello``), a monitoring as a policy words it
    (``monitoraggio``), a monitoring's level (``livello_monitoraggio``), else numbers and codes."""

    campo: str
    atteso: Any  # text; a monitoring plan's counts by key (dict) or items checked (list) as they are
    ottenuto: Any
    parole: str = ""
    codice: str = ""  # the variant, for a variant's score or level

    def __str__(self) -> str:
        return f"{self.campo}{' ' + self.codice if self.codice else ''}: expected {self.atteso}, got {self.ottenuto}"


@dataclass
class CaseOutcome:
    """The result of one test case."""

    name: str
    location: Location
    passed: bool
    mismatches: list[Mismatch] = field(default_factory=list)
    actual: dict[str, Any] = field(default_factory=dict)
    trace: list[dict] = field(default_factory=list)


@dataclass
class TestReport:
    """All cases of a method's tests, and the rules never exercised."""

    method: str
    outcomes: list[CaseOutcome]
    uncovered: list[tuple[str, Location | None]]
    total_rules: int
    # The method as a result names it (``metodo``, riskengine.result.build.method_record): what a trace's steps are
    # worded by.
    names: dict[str, Any]

    @property
    def failed(self) -> list[CaseOutcome]:
        """The cases that did not pass."""
        return [o for o in self.outcomes if not o.passed]


def _defaults(method: Method) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, ftype in method.schema.items():
        if ftype.kind == "number":
            values[name] = Decimal(0)
        elif ftype.kind == "bool":
            values[name] = name == "motivazione"
        elif ftype.kind == "ordinal":
            values[name] = ftype.values[0]
        else:
            values[name] = ""
    return values


def _typed(name: str, ftype: expr.FieldType, raw: Any) -> Any:
    """The value of fact ``name`` as its type holds it; refused, worded by a key, when it is not one."""
    expected = {"tipo_chiave": ftype.key, "tipo_valore": ftype.arg} if ftype.key else {"tipo": ftype.description}
    if ftype.kind == "number":
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
            raise RefusalError("problemi.fatto.atteso", fatto=name, **expected)
        try:
            value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(str(raw))
        except ArithmeticError:
            raise RefusalError("problemi.fatto.atteso_trovato", fatto=name, valore=str(raw)[:40], **expected) from None
        if not value.is_finite():  # YAML's .nan and .inf, and 1.0e+400 read as infinity
            raise RefusalError("problemi.fatto.non_finito", fatto=name, valore=raw)
        try:
            scaled(value)  # the engine compares numbers exactly within its range and precision, or refuses them
        except EncodingError as exc:
            raise RefusalError("problemi.fatto.motore", fatto=name, testo_chiave=exc.key, **exc.values) from None
        return value
    if ftype.kind == "bool":
        if not isinstance(raw, bool):
            raise RefusalError("problemi.fatto.atteso", fatto=name, **expected)
        return raw
    if ftype.kind == "ordinal":
        if raw not in ftype.values:
            raise RefusalError("problemi.fatto.atteso", fatto=name, **expected)
        return raw
    return str(raw)


_RESIDUAL_KEYS = ("rischio_residuo", "livello_residuo", "rischio_monitorato", "livello_monitorato")


def _expectation_problems(method: Method, case: Caso, doc: Document, keys: tuple) -> list[Problem]:
    """What a case expects or declares that the evaluation cannot give: each is an error, never a pass."""
    problems: list[Problem] = []

    def problem(where: tuple, message_key: str, hint: str = "", key: bool = False, hint_key: str = "",
                **values: Any) -> None:
        """A problem worded by ``problemi.test.<message_key>``, its hint by ``…suggerimento.<hint_key>``."""
        problems.append(said(doc.locate(keys + where, key=key), f"problemi.test.{message_key}", code="rule-test",
                             hint=hint, hint_key=f"problemi.test.suggerimento.{hint_key}" if hint_key else "",
                             **values))

    expected = case.atteso
    for key in ("livello", "livello_residuo", "livello_monitorato"):
        level = getattr(expected, key)
        if level is not None and level not in method.levels:
            problem(("atteso", key), "livello_sconosciuto", did_you_mean(level, method.levels), livello=level)
    convention = method.model.residuo.metodo
    rerated_score = case.rivalutazione is not None and case.rivalutazione.rischio is not None
    for key in ("rischio", "rischio_residuo", "rischio_monitorato"):
        if getattr(expected, key) is None:
            continue
        if not method.numeric:
            problem(("atteso", key), "non_numerico", key=True, hint_key="atteso_livello", campo=key,
                    livello=key.replace("rischio", "livello"))
        elif key != "rischio" and convention == "gradino" and not (key == "rischio_residuo" and rerated_score):
            problem(("atteso", key), "gradino", key=True, hint_key="atteso_livello", campo=key,
                    livello=key.replace("rischio", "livello"))
    if case.rischio is not None and method.numeric:  # no band row would classify it: the engine finds none
        table = method.band_table_for([case.area] if case.area else [])
        step = quantum(table.digits)
        low, high = min(r.lo for r in table.rows) * step, max(r.hi for r in table.rows) * step
        if not low <= case.rischio <= high:  # its decimals are already the method's (checked with the case)
            problem(("rischio",), "rischio_fuori_bande", hint_key="rischio_fuori_bande", rischio=case.rischio,
                    tabella=table.name, da_punteggio=low, a_punteggio=high)
    residual = [k for k in _RESIDUAL_KEYS if getattr(expected, k) is not None]
    if residual and case.misure is None and case.rivalutazione is None:
        problem(("atteso", residual[0]), "residuo_senza_misure", key=True, hint_key="residuo_senza_misure",
                campo=residual[0])
    variants = [v.codice for v in method.model.combinazione.varianti]
    for code in sorted(expected.varianti or {}):
        if code not in variants:
            problem(("atteso", "varianti", code), "variante_sconosciuta",
                    did_you_mean(code, variants) if variants else "", key=True,
                    hint_key="" if variants else "nessuna_variante", variante=code)
    leveled = [v.codice for v in method.model.combinazione.varianti if v.bande is not None]
    for code, level in sorted((expected.livelli_varianti or {}).items()):
        if code not in leveled:
            problem(("atteso", "livelli_varianti", code),
                    "variante_senza_livello" if code in variants else "variante_sconosciuta",
                    "" if code in variants else did_you_mean(code, variants), key=True,
                    hint_key="variante_senza_livello" if code in variants else "", variante=code)
        elif level not in method.levels:
            problem(("atteso", "livelli_varianti", code), "livello_sconosciuto", did_you_mean(level, method.levels),
                    livello=level)
    actions = [a for table in method.tables for rule in table.rules for a in rule.actions]
    findings = sorted({a.criticita.codice for a in actions if a.criticita is not None})
    for n, code in enumerate(expected.criticita or []):
        if code not in findings:
            problem(("atteso", "criticita", n), "criticita_mai_sollevata",
                    did_you_mean(code, findings) if findings else "",
                    hint_key="" if findings else "nessuna_criticita", criticita=code)
    for key in ("monitoraggio", "priorita"):
        if getattr(expected, key) is not None and not any(getattr(a, key) is not None for a in actions):
            problem(("atteso", key), f"mai_impostato.{key}", key=True, campo=key)
    seen: set[str] = set()
    for n, misura in enumerate(case.misure or []):
        if misura.codice in seen:
            problem(("misure", n, "codice"), "misura_due_volte", misura=misura.codice)
        seen.add(misura.codice)
    rerating = case.rivalutazione
    if rerating is not None:
        if (rerating.rischio is None) == (rerating.livello is None):
            problem(("rivalutazione",), "rischio_o_livello")
        elif rerating.livello is not None and rerating.livello not in method.levels:
            problem(("rivalutazione", "livello"), "livello_sconosciuto", did_you_mean(rerating.livello, method.levels),
                    livello=rerating.livello)
        elif rerating.rischio is not None and (not method.numeric or rerating.rischio < 0):
            problem(("rivalutazione", "rischio"), "rivalutazione_punteggio", hint_key="rivaluta_livello")
    return problems


def _case_measures(case: Caso) -> tuple[list[Misura], dict[str, str]]:
    """The case's measures as catalogue measures, and their monitored statuses by code."""
    measures = [Misura.model_validate({
        # the residual and the policy counts read scope, status, efficacy, deadline and transversality;
        # name and typology are the catalogue's and read by neither
        "codice": m.codice, "nome": m.codice, "tipologia": "controllo", "ambito": m.ambito, "stato": m.stato,
        "efficacia": m.efficacia, "scadenza": m.scadenza, "tratta": {"tutti": m.trasversale}})
        for m in case.misure or []]
    states: dict[str, str] = {m.codice: m.monitorato or m.stato for m in case.misure or []}
    return measures, states


def run_case(method: Method, backend: Backend, case: Caso, doc: Document, keys: tuple) -> CaseOutcome:
    """Evaluate one case on ``backend`` (the evaluation ``assess`` runs) and compare with its expectations."""
    problems = _expectation_problems(method, case, doc, keys)
    if problems:
        raise RiskengineError(problems)
    score: ItemScore
    answers: dict[str, Any] = {}
    if case.risposte is not None:
        options = check_answers(method, case.risposte,
                                lambda k, key=False: doc.locate(keys + ("risposte",) + k, key=key), problems)
        if problems:
            raise RiskengineError(problems)
        score = score_item(method, options)
        answers = policy_answers(method, options)
    elif case.rischio is not None:
        if not method.numeric:
            raise refuse(doc.locate(keys + ("rischio",)), "problemi.test.senza_punteggio", code="rule-test",
                         hint_key="problemi.test.suggerimento.senza_punteggio")
        if case.rischio < 0 or decimals(case.rischio) > method.digits:
            raise refuse(doc.locate(keys + ("rischio",)), "problemi.test.non_punteggio", code="rule-test",
                         hint_key="problemi.test.suggerimento.non_punteggio", rischio=decimal_text(case.rischio),
                         cifre=method.digits)
        score = ItemScore(Decimal(0), Decimal(0), rischio=case.rischio)
    else:
        ptype, itype = method.schema["probabilita"], method.schema["impatto"]
        for name, dimension, value in (("probabilita", ptype, case.probabilita), ("impatto", itype, case.impatto)):
            if value not in dimension.values:
                raise refuse(doc.locate(keys + (name,)), "problemi.condizione.valore_non_ammesso", code="rule-test",
                             hint=did_you_mean(str(value), dimension.values), valore=value,
                             **({"tipo_chiave": dimension.key, "tipo_valore": dimension.arg} if dimension.key
                                else {"tipo": dimension.description}))
        score = ItemScore(Decimal(0), Decimal(0), p_code=case.probabilita, i_code=case.impatto)
    given: dict[str, Any] = {}
    for name, raw in case.fatti.items():
        fact_type = method.schema.get(name)
        if fact_type is None:
            raise refuse(doc.locate(keys + ("fatti", name), key=True), "problemi.test.fatto_sconosciuto",
                         code="rule-test", hint=did_you_mean(name, method.schema), fatto=name)
        try:
            given[name] = _typed(name, fact_type, raw)
        except RefusalError as exc:
            hint = did_you_mean(str(raw), fact_type.values) if fact_type.kind == "ordinal" else ""
            raise refuse(doc.locate(keys + ("fatti", name)), exc.key, code="rule-test", hint=hint,
                         **exc.values) from None
    # A case is a process of its own: its declared measures, no catalogue (the defaults stand for it).
    linked, states = _case_measures(case)
    planned, implemented = residual_measures(method, linked, states)
    values = _defaults(method)
    values.update({"codice": case.nome, "area": case.area or ""})
    values.update(measure_counts(linked, states, case.data_valutazione))
    subject = Subject("case", case.nome, case.nome, score, list(score.trace), [case.area] if case.area else [],
                      [m.codice for m in linked], linked, planned, implemented, case.rivalutazione, values, answers,
                      given)
    (evaluation,) = evaluate_subjects(method, backend, [subject])
    assert evaluation.scoring is not None  # every case is scored
    inerente = evaluation.scoring.inerente
    programmato, monitorato = evaluation.scoring.residuo_programmato, evaluation.scoring.residuo_monitorato
    varianti = evaluation.scoring.varianti
    rules = {step["regola"] for step in inerente.trace} | set(evaluation.fired)
    rules |= {step["regola"] for state in varianti.values() for step in state.trace}
    if method.residual_rule and (planned or implemented):
        rules.add(method.residual_rule)
    actual = {
        "probabilita": score.p_code or decimal_text(score.probabilita),
        "impatto": score.i_code or decimal_text(score.impatto),
        "rischio": score.rischio, "livello": inerente.livello,
        "rischio_residuo": programmato.rischio, "livello_residuo": programmato.livello,
        "rischio_monitorato": monitorato.rischio, "livello_monitorato": monitorato.livello,
        "varianti": score.varianti,
        "livelli_varianti": {code: state.livello for code, state in varianti.items()},
        "criticita": sorted(f["codice"] for f in evaluation.findings),
        "monitoraggio": evaluation.monitoring,
        "priorita": evaluation.priority["valore"] if evaluation.priority else None,
        "regole": sorted(rules),
    }
    mismatches = _compare(case, actual)
    # The case's steps: its score, then its inherent level, then the policies that applied; and the
    # residual's steps when a residual expectation failed.
    scored = len(subject.steps)
    trace = evaluation.trace[:scored] + inerente.trace
    if any(m.campo in _RESIDUAL_KEYS for m in mismatches):
        for state, name in ((programmato, "residuo_programmato"), (monitorato, "residuo_monitorato")):
            trace += [dict(step, stato=name) for step in state.trace]  # the state they are steps of, said first
    if any(m.campo == "livello_variante" for m in mismatches):
        for code, state in sorted(varianti.items()):
            trace += [dict(step, variante=code) for step in state.trace]
    trace += evaluation.trace[scored:]
    return CaseOutcome(case.nome, doc.locate(keys), True, mismatches, actual, trace)


def _compare(case: Caso, actual: dict[str, Any]) -> list[Mismatch]:
    expected = case.atteso
    mismatches = []
    for key in ("probabilita", "impatto"):
        want = getattr(expected, key)
        if want is not None:
            got = actual[key]
            same = Decimal(want) == Decimal(got) if _is_number(want) and _is_number(got) else want == got
            if not same:
                mismatches.append(Mismatch(key, str(want), str(got)))
    for key in ("rischio", "rischio_residuo", "rischio_monitorato"):
        want = getattr(expected, key)
        if want is not None and want != actual[key]:
            mismatches.append(Mismatch(key, decimal_text(want), _decimal_or_none(actual[key])))
    for key in ("livello", "livello_residuo", "livello_monitorato"):
        want = getattr(expected, key)
        if want is not None and want != actual[key]:
            mismatches.append(Mismatch(key, want, _shown(actual[key]), "livello"))
    if expected.priorita is not None and expected.priorita != actual["priorita"]:
        mismatches.append(Mismatch("priorita", str(expected.priorita), _shown(actual["priorita"])))
    if expected.varianti is not None:
        for code, want in expected.varianti.items():
            got = actual["varianti"].get(code)
            if got != want:
                mismatches.append(Mismatch("variante", decimal_text(want), _decimal_or_none(got), codice=code))
    for code, want in sorted((expected.livelli_varianti or {}).items()):
        if actual["livelli_varianti"].get(code) != want:
            mismatches.append(Mismatch("livello_variante", want, _shown(actual["livelli_varianti"].get(code)),
                                       "livello", codice=code))
    if expected.criticita is not None and sorted(expected.criticita) != actual["criticita"]:
        mismatches.append(Mismatch("criticita", ", ".join(sorted(expected.criticita)) or "—",
                                   ", ".join(actual["criticita"]) or "—"))
    if expected.monitoraggio is not None:
        got = actual["monitoraggio"] or {}
        want = expected.monitoraggio.model_dump()
        shown = ("modalita", "periodicita")  # worded as a policy's consequence is (riskengine.i18n reads it)
        if not got or any(got.get(k) != want[k] for k in shown):
            mismatches.append(Mismatch("monitoraggio", f"monitoraggio {want['modalita']} {want['periodicita']}",
                                       f"monitoraggio {got.get('modalita')} {got.get('periodicita')}" if got else "—",
                                       "monitoraggio"))
        if got and got.get("livello") != want["livello"]:
            mismatches.append(Mismatch("monitoraggio_livello", _shown(want["livello"]), _shown(got.get("livello")),
                                       "livello_monitoraggio"))
    return mismatches


def _decimal_or_none(value: Any) -> str:
    return decimal_text(value) if value is not None else "—"


def _shown(value: Any) -> str:
    return "—" if value is None else str(value)


def _is_number(text: str) -> bool:
    try:
        Decimal(str(text))
        return True
    except ArithmeticError:
        return False


def run_plan_case(method: Method, case: CasoPiano, doc: Document, keys: tuple) -> CaseOutcome:
    """Select the monitoring plan of a case's processes with the method's ``piano_monitoraggio`` and compare
    its shape with ``atteso`` (the same selection ``assess`` makes)."""
    location = doc.locate(keys)
    if method.model.piano_monitoraggio.tipo != "selezione":
        raise refuse(location, "problemi.test.nessun_piano", code="rule-test",
                     hint_key="problemi.test.suggerimento.nessun_piano")
    problems = [said(doc.locate(keys + ("processi", i, "livello")), "problemi.test.livello_sconosciuto",
                     code="rule-test", hint=did_you_mean(p.livello, method.levels), livello=p.livello)
                for i, p in enumerate(case.processi) if p.livello not in method.levels]
    if problems:
        raise RiskengineError(problems)
    candidates = [Candidate(p.codice, p.nome or p.codice, p.area, p.livello, tuple((f, f) for f in p.fasi))
                  for p in case.processi]
    rows = select_checks(method.model.piano_monitoraggio, candidates, case.anno, case.verificati)
    actual: dict[str, Any] = {
        "righe": len(rows),
        "puntuali": sum(r["modalita"] == "puntuale" for r in rows),
        "a_campione": sum(r["modalita"] == "a-campione" for r in rows),
        "periodicita": dict(Counter(str(r["periodicita"] or "-") for r in rows)),
        "oggetto": dict(Counter(str(r["oggetto"]) for r in rows)),
        "per_area": dict(Counter(str(r["area"]) for r in rows)),
        "voci": [r["voce"] for r in rows],
    }
    expected = case.atteso.model_dump(exclude_none=True)
    mismatches = [Mismatch(key, value, actual[key], key) for key, value in expected.items() if actual[key] != value]
    return CaseOutcome(case.nome, location, not mismatches, mismatches, dict(actual, regole=[]))


def run_tests(method_dir: str | Path, backend_kind: str = "durable") -> TestReport:
    """Run every case of ``<method_dir>/tests/*.yaml``; raise on invalid test files."""
    method = load_method(method_dir)
    backend = backend_for(method, backend_kind)
    files = sorted((Path(method_dir) / "tests").glob("*.yaml"))
    if not files:
        raise refuse(Location(str(Path(method_dir) / "tests")), "problemi.test.nessun_test", code="rule-test",
                     hint_key="problemi.test.suggerimento.nessun_test")
    outcomes: list[CaseOutcome] = []
    problems: list[Problem] = []
    for path in files:
        doc = load_yaml(path)
        model = validate_document(doc, TestFile, problems)
        if model is None:
            continue
        for index, case in enumerate(model.casi):
            try:
                outcome = run_case(method, backend, case, doc, ("casi", index))
            except RiskengineError as exc:
                problems.extend(exc.problems)
                continue
            outcome.passed = not outcome.mismatches
            outcomes.append(outcome)
        for index, plan_case in enumerate(model.piani_monitoraggio):
            try:
                outcomes.append(run_plan_case(method, plan_case, doc, ("piani_monitoraggio", index)))
            except RiskengineError as exc:
                problems.extend(exc.problems)
    if problems:
        raise RiskengineError(problems)
    fired = {rule for o in outcomes for rule in o.actual["regole"]}
    uncovered = [(rule_id, method.rule_location(rule_id)) for rule_id in method.rule_ids() if rule_id not in fired]
    return TestReport(method.name, outcomes, uncovered, len(method.rule_ids()), method_record(method))
