"""Rule tests: YAML cases (answers → expected scores, level, findings) run against a method, with coverage.

``riskengine test rules/<method>`` loads ``tests/*.yaml``, evaluates every case on the engine, prints
each failure with its explanation, and lists the band rows, grid cells and policy rules no case fired.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from riskengine.answers.load import check_answers
from riskengine.errors import Location, Problem, RiskengineError
from riskengine.evaluate.backend import Backend, backend_for
from riskengine.evaluate.evaluation import Subject, evaluate_subjects, policy_answers
from riskengine.evaluate.items import ItemScore, score_item
from riskengine.method import expr
from riskengine.method.arithmetic import decimals
from riskengine.method.compile import scaled
from riskengine.method.load import Method, load_method
from riskengine.method.models import Caso, TestFile
from riskengine.source.document import Document, load_yaml
from riskengine.source.fields import decimal_text
from riskengine.source.validate import validate_document
from riskengine.suggest import did_you_mean


@dataclass
class CaseOutcome:
    """The result of one test case."""

    name: str
    location: Location
    passed: bool
    mismatches: list[str] = field(default_factory=list)
    actual: dict[str, Any] = field(default_factory=dict)
    trace: list[dict] = field(default_factory=list)


@dataclass
class TestReport:
    """All cases of a method's tests, and the rules never exercised."""

    method: str
    outcomes: list[CaseOutcome]
    uncovered: list[tuple[str, Location | None]]
    total_rules: int

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


def _typed(ftype: expr.FieldType, raw: Any) -> Any:
    if ftype.kind == "number":
        if isinstance(raw, bool) or not isinstance(raw, (int, float, str, Decimal)):
            raise ValueError(f"expected {ftype.description}")
        try:
            value = Decimal(repr(raw)) if isinstance(raw, float) else Decimal(str(raw))
        except ArithmeticError:
            raise ValueError(f"expected {ftype.description}, got {str(raw)[:40]!r}") from None
        if not value.is_finite():  # YAML's .nan and .inf, and 1.0e+400 read as infinity
            raise ValueError(f"expected a finite number, got {raw}")
        scaled(value)  # the engine compares numbers exactly within its range and precision, or refuses them
        return value
    if ftype.kind == "bool":
        if not isinstance(raw, bool):
            raise ValueError("expected true or false")
        return raw
    if ftype.kind == "ordinal":
        if raw not in ftype.values:
            raise ValueError(f"expected {ftype.description}: {did_you_mean(str(raw), ftype.values)}")
        return raw
    return str(raw)


def run_case(method: Method, backend: Backend, case: Caso, doc: Document, keys: tuple) -> CaseOutcome:
    """Evaluate one case on ``backend`` (the evaluation ``assess`` runs) and compare with its expectations."""
    problems: list[Problem] = []
    for key in ("livello", "livello_residuo"):
        expected_level = getattr(case.atteso, key)
        if expected_level is not None and expected_level not in method.levels:
            problems.append(Problem(doc.locate(keys + ("atteso", key)), f"unknown risk level '{expected_level}'",
                                    code="rule-test", hint=did_you_mean(expected_level, method.levels)))
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
            raise RiskengineError([Problem(doc.locate(keys + ("rischio",)), "this method has no numeric score",
                                           code="rule-test", hint="give 'probabilita' and 'impatto' levels")])
        if case.rischio < 0 or decimals(case.rischio) > method.digits:
            raise RiskengineError([Problem(doc.locate(keys + ("rischio",)),
                                           f"{decimal_text(case.rischio)} is not a score of the method",
                                           code="rule-test", hint=f"scores are from 0, rounded to {method.digits} "
                                           "decimals: a band table never sees this value")])
        score = ItemScore(Decimal(0), Decimal(0), rischio=case.rischio)
    else:
        ptype, itype = method.schema["probabilita"], method.schema["impatto"]
        for name, dimension, value in (("probabilita", ptype, case.probabilita), ("impatto", itype, case.impatto)):
            if value not in dimension.values:
                raise RiskengineError([Problem(doc.locate(keys + (name,)), f"'{value}' is not {dimension.description}",
                                               code="rule-test", hint=did_you_mean(str(value), dimension.values))])
        score = ItemScore(Decimal(0), Decimal(0), p_code=case.probabilita, i_code=case.impatto)
    given: dict[str, Any] = {}
    for name, raw in case.fatti.items():
        fact_type = method.schema.get(name)
        if fact_type is None:
            raise RiskengineError([Problem(doc.locate(keys + ("fatti", name), key=True), f"unknown fact '{name}'",
                                           code="rule-test", hint=did_you_mean(name, method.schema))])
        try:
            given[name] = _typed(fact_type, raw)
        except ValueError as exc:
            raise RiskengineError([Problem(doc.locate(keys + ("fatti", name)), f"fact '{name}': {exc}",
                                           code="rule-test")]) from None
    # A case is a process of its own: no measures, no catalogue (the defaults stand for it).
    values = _defaults(method)
    values.update({"codice": case.nome, "area": case.area or ""})
    subject = Subject("case", case.nome, case.nome, score, list(score.trace), [case.area] if case.area else [],
                      [], [], [], [], None, values, answers, given)
    (evaluation,) = evaluate_subjects(method, backend, [subject])
    assert evaluation.scoring is not None  # every case is scored
    inerente = evaluation.scoring.inerente
    actual = {
        "probabilita": score.p_code or decimal_text(score.probabilita),
        "impatto": score.i_code or decimal_text(score.impatto),
        "rischio": score.rischio, "livello": inerente.livello,
        "livello_residuo": evaluation.scoring.residuo_programmato.livello,
        "varianti": score.varianti,
        "criticita": sorted(f["codice"] for f in evaluation.findings),
        "monitoraggio": evaluation.monitoring,
        "priorita": evaluation.priority["valore"] if evaluation.priority else None,
        "regole": sorted({step["regola"] for step in inerente.trace} | set(evaluation.fired)),
    }
    # The case's steps: its score, then its inherent level, then the policies that applied.
    scored = len(subject.steps)
    trace = evaluation.trace[:scored] + inerente.trace + evaluation.trace[scored:]
    return CaseOutcome(case.nome, doc.locate(keys), True, _compare(case, actual), actual, trace)


def _compare(case: Caso, actual: dict[str, Any]) -> list[str]:
    expected = case.atteso
    mismatches = []
    for key in ("probabilita", "impatto"):
        want = getattr(expected, key)
        if want is not None:
            got = actual[key]
            same = Decimal(want) == Decimal(got) if _is_number(want) and _is_number(got) else want == got
            if not same:
                mismatches.append(f"{key}: expected {want}, got {got}")
    if expected.rischio is not None and expected.rischio != actual["rischio"]:
        mismatches.append(f"rischio: expected {decimal_text(expected.rischio)}, got "
                          f"{decimal_text(actual['rischio']) if actual['rischio'] is not None else '—'}")
    for key in ("livello", "livello_residuo", "priorita"):
        want = getattr(expected, key)
        if want is not None and want != actual[key]:
            mismatches.append(f"{key}: expected {want}, got {actual[key]}")
    if expected.varianti is not None:
        for code, want in expected.varianti.items():
            got = actual["varianti"].get(code)
            if got != want:
                mismatches.append(f"variante {code}: expected {decimal_text(want)}, got "
                                  f"{decimal_text(got) if got is not None else '—'}")
    if expected.criticita is not None and sorted(expected.criticita) != actual["criticita"]:
        mismatches.append(f"criticita: expected {sorted(expected.criticita)}, got {actual['criticita']}")
    if expected.monitoraggio is not None:
        got = actual["monitoraggio"] or {}
        want = expected.monitoraggio.model_dump()
        if {k: got.get(k) for k in want} != want:
            mismatches.append(f"monitoraggio: expected {want}, got {({k: got.get(k) for k in want}) if got else None}")
    return mismatches


def _is_number(text: str) -> bool:
    try:
        Decimal(str(text))
        return True
    except ArithmeticError:
        return False


def run_tests(method_dir: str | Path, backend_kind: str = "durable") -> TestReport:
    """Run every case of ``<method_dir>/tests/*.yaml``; raise on invalid test files."""
    method = load_method(method_dir)
    backend = backend_for(method, backend_kind)
    files = sorted((Path(method_dir) / "tests").glob("*.yaml"))
    if not files:
        raise RiskengineError([Problem(Location(str(Path(method_dir) / "tests")), "no rule tests found",
                                       code="rule-test", hint="add tests/*.yaml with 'casi:'")])
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
    if problems:
        raise RiskengineError(problems)
    fired = {rule for o in outcomes for rule in o.actual["regole"]}
    uncovered = [(rule_id, method.rule_location(rule_id)) for rule_id in method.rule_ids() if rule_id not in fired]
    return TestReport(method.name, outcomes, uncovered, len(method.rule_ids()))
