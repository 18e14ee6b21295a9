"""The library functions behind every CLI command (each command is a thin wrapper of one of these)."""

from __future__ import annotations

import contextlib
import os
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskengine import gcpause
from riskengine.errors import Location, Problem, RiskengineError, Severity
from riskengine.i18n import finding_hint_key, refuse, said

if TYPE_CHECKING:
    from riskengine.answers.load import Assessment
    from riskengine.graph.build import CatalogGraph
    from riskengine.history.store import Store
    from riskengine.method.load import Method
    from riskengine.progress import Progress
    from riskengine.rule_tests import TestReport
    from riskengine.workbook.collect import Collection

WORKBOOK_GROUP = "cartella"  # `schema --markdown cartella`: the sheets and columns of export-xlsx
# Where `assess` writes when no output directory is given: reports/<ente>/<anno>/ under the current directory.
REPORTS_DIR = Path("reports")


@dataclass
class CheckReport:
    """What ``check`` found: counts of what was loaded, and every problem or finding."""

    target: str
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    # A finding that not every year's annex lists (an older year's answers or monitoring): the years that list it.
    years: dict[Problem, tuple[int, ...]] = field(default_factory=dict)

    @property
    def severities(self) -> Counter[str]:
        """Number of problems per severity."""
        return Counter(p.severity.value for p in self.problems)

    @property
    def ok(self) -> bool:
        """True when nothing of severity error was found."""
        return self.severities["error"] == 0


def check(catalog_dir: str | Path, rules_dir: str | Path | None = None, *,
          progress: Progress | None = None) -> CheckReport:
    """Check a catalogue or a method directory: every problem of every file, in one run.

    For a catalogue: the files of the catalogue, the integrity rules, the method and each
    assessment file; when none of them has an error, each year is assessed as ``assess`` would and
    every finding its annex would list (policies, monitoring) is reported at the place of the data
    it concerns, so that ``check`` and the annex always say the same things.
    """
    from riskengine.catalog.load import folder_refusal
    from riskengine.graph.cache import linked
    from riskengine.graph.integrity import overdue_measures
    from riskengine.pipeline import catalog_findings

    if os.path.isfile(Path(catalog_dir) / "method.yaml"):  # an unreadable path is refused by the catalogue's loader
        return check_method(catalog_dir)
    report = CheckReport(str(catalog_dir))
    refused = folder_refusal(Path(catalog_dir), methods=True)  # check reads method folders too: they are suggested
    if refused is not None:
        report.problems = refused.problems
        return report
    try:
        cg, integrity = linked(catalog_dir)
    except RiskengineError as exc:
        # The other files are still checked: a file that fails to load hides nothing else.
        report.problems = exc.problems + _check_unlinked(Path(catalog_dir), rules_dir)
        return report
    catalog = cg.catalog
    report.counts = {kind: len(cg.nodes_of(kind)) for kind in
                     ("area", "unit", "role", "process", "phase", "event", "factor", "measure")}
    if catalog.transparency is not None:  # optional file: counted when the catalogue has it
        report.counts["obligation"] = len(cg.nodes_of("obligation"))
    method, missing, method_problems = _catalog_method(cg, rules_dir)
    if method is None:
        # Whether a process's measures cover its events is the method's to say: no untreated event is counted
        # without it (the stricter default listed dozens the method would not).
        untold = [p for p in integrity if p.code != "event-without-measure"]
        report.problems = untold + catalog.warnings + method_problems
        if report.ok:  # a method that cannot be found matters once the catalogue could be assessed
            report.problems += missing
        return report
    findings = catalog_findings(cg, integrity, method)
    earlier, earlier_problems = _earlier_methods(cg, rules_dir)
    assessment_problems, assessments = _check_assessments(cg, method, earlier)
    if assessments:  # a measure is overdue by its state in the latest year's monitoring, as that year's annex says
        monitored = {code: esito.stato for code, esito in assessments[max(assessments)].monitoring.items()}
        findings = [p for p in findings if p.code != "measure-overdue"] + overdue_measures(cg, monitored)
    # each year as its annex is made: with its own method, and the catalogue's findings as that method counts them
    prepared = dict.fromkeys(assessments, (cg, findings, method))
    for year, own in earlier.items():
        if own is not None and year in assessments:
            prepared[year] = (cg, catalog_findings(cg, integrity, own), own)
    report.problems = (findings + earlier_problems + assessment_problems
                       + _storico_problems(catalog_dir, method, earlier))
    if report.ok:
        report.problems, report.years = _assessed_findings(Path(catalog_dir), prepared, assessments, report.problems,
                                                           progress)
    return report


def _check_unlinked(root: Path, rules_dir: str | Path | None) -> list[Problem]:
    """Problems of the methods (the catalogue's and those of metodi_precedenti) and of the assessment files' own
    structure, when the catalogue cannot be loaded: what check says of them once it loads."""
    from riskengine.catalog.models import is_method_name
    from riskengine.method.load import load_method
    from riskengine.method.models import AssessmentFile
    from riskengine.pipeline import find_method_dir
    from riskengine.source.document import load_yaml
    from riskengine.source.validate import validate_document

    problems: list[Problem] = []
    try:
        ente = load_yaml(root / "ente.yaml", within=root).data
    except RiskengineError:
        ente = None  # already reported by the catalogue
    ente = ente if isinstance(ente, dict) else {}
    listed = sorted(ente["metodi_precedenti"].items(), key=lambda item: str(item[0])) \
        if isinstance(ente.get("metodi_precedenti"), dict) else []
    try:
        assessment_files = sorted(root.glob("assessment-*.yaml"))
    except OSError:  # a folder that cannot be read, a name too long: the catalogue's loader said so
        assessment_files = []
    assessed = {path.stem.removeprefix("assessment-") for path in assessment_files}
    # a method's errors are said whatever year names it, its warnings when an annex lists them: the catalogue's
    # method, and that of a year assessed
    in_annexes = [ente.get("metodo")] + [name for year, name in listed if str(year) in assessed]
    # a name that is a path is refused by ente.yaml's own check
    for name in dict.fromkeys(n for n in [ente.get("metodo"), *(name for _, name in listed)] if is_method_name(n)):
        try:
            method_dir = find_method_dir(root, name, rules_dir)
        except RiskengineError:
            continue  # reported once the catalogue loads: its name may be the very error
        try:
            method = load_method(method_dir)
        except RiskengineError as exc:
            problems += exc.problems
        else:
            problems += method.warnings if name in in_annexes else []
    for path in assessment_files:
        try:
            validate_document(load_yaml(path, within=root), AssessmentFile, problems)
        except RiskengineError as exc:
            problems += exc.problems
    return problems


def _catalog_method(cg: CatalogGraph, rules_dir: str | Path | None,
                    ) -> tuple[Method | None, list[Problem], list[Problem]]:
    """The catalogue's method, or None with the problem of finding it (first list) or of loading it (second)."""
    from riskengine.method.cache import cached_method
    from riskengine.pipeline import year_method_dir

    try:
        method_dir = year_method_dir(cg, None, rules_dir)
    except RiskengineError as exc:
        return None, exc.problems, []
    try:
        return cached_method(method_dir), [], []
    except RiskengineError as exc:
        return None, [], exc.problems


def _storico_problems(catalog_dir: str | Path, method: Method, earlier: Mapping[int, Method | None]) -> list[Problem]:
    """The problems of the declared years (storico.yaml), which assess reads for the annex's trend: each year's
    levels those of its own method (``earlier``'s, else the catalogue's ``method``)."""
    from riskengine.history.storico import load_storico

    def levels_of(year: int) -> list[str] | None:
        own = earlier.get(year, method)
        return list(own.levels) if own is not None else None

    try:
        load_storico(catalog_dir, levels_of)
    except RiskengineError as exc:
        return exc.problems
    return []


def _year_levels(cg: CatalogGraph, rules_dir: str | Path | None) -> Callable[[int], list[dict[str, Any]]]:
    """The levels (code and labels) of each year's method, found as ``assess`` finds it."""
    import functools

    from riskengine.pipeline import year_method

    @functools.cache
    def levels(year: int) -> list[dict[str, Any]]:
        return [lvl.model_dump() for lvl in year_method(cg, year, rules_dir).model.livelli]
    return levels


def _earlier_methods(cg: CatalogGraph, rules_dir: str | Path | None,
                     ) -> tuple[dict[int, Method | None], list[Problem]]:
    """The methods of the years ente.yaml says were assessed with another (None: not found, or with errors), and
    the problems of finding and loading them."""
    from riskengine.pipeline import year_method

    methods: dict[int, Method | None] = {}
    problems: list[Problem] = []
    for year in sorted(cg.catalog.ente.metodi_precedenti):
        try:
            methods[year] = year_method(cg, year, rules_dir)
        except RiskengineError as exc:
            methods[year] = None
            problems += [p for p in exc.problems if p not in problems]  # one method named for two years: once
    return methods, problems


def _check_assessments(cg: CatalogGraph, method: Method, earlier: Mapping[int, Method | None],
                       ) -> tuple[list[Problem], dict[int, Assessment]]:
    """The problems of each assessment file against its year's method (``earlier``'s, else the catalogue's), and
    the assessments that load, by year. A year whose own method cannot be loaded is not checked."""
    from riskengine.answers.cache import cached_assessment

    problems: list[Problem] = []
    assessments: dict[int, Assessment] = {}
    try:
        files = cg.catalog.assessment_files()
    except RiskengineError as exc:  # a file named as an assessment otherwise (assessment-2026.yml, …)
        return exc.problems, assessments
    for year, path in sorted(files.items()):
        own = earlier.get(year, method)
        if own is None:
            continue
        try:
            assessments[year] = cached_assessment(path, cg, own)
        except RiskengineError as exc:
            problems += exc.problems
        else:
            problems += assessments[year].findings
    return problems, assessments


def _assessed_findings(root: Path, prepared: Mapping[int, tuple[CatalogGraph, list[Problem], Method]],
                       assessments: dict[int, Assessment], found: list[Problem],
                       progress: Progress | None) -> tuple[list[Problem], dict[Problem, tuple[int, ...]]]:
    """The findings of each year's annex, located in the files they concern (the result names only the file),
    and the years that list each finding not every year's annex lists.

    A finding of the catalogue (integrity, warnings of the method) is in the annex of every year:
    the same fact, worded the same, at the same place, is reported once; each year adds the
    findings of its own assessment. Each year is assessed as ``assess`` does (``prepared``: the catalogue, its
    findings and the year's method, by year), on the files ``check`` has already read.
    """
    from riskengine.pipeline import assessed_findings

    if not assessments:
        return found, {}
    facts: dict[tuple[str, str, str | None, str, str], tuple[Problem, list[int]]] = {}
    by_name = {Path(p.location.path).name: p.location.path for p in found}
    for year, assessment in sorted(assessments.items()):
        by_name[f"assessment-{year}.yaml"] = str(root / f"assessment-{year}.yaml")
        # the files a year's findings name, its own method's method.yaml among them (an earlier year's method is
        # another folder: its warnings are said there, not at the catalogue's method)
        named = {**by_name, **{Path(p.location.path).name: p.location.path for p in prepared[year][1]}}
        for finding in assessed_findings(prepared[year], assessment, progress=progress):
            where = str(finding["dove"])
            fact = (finding["codice"], finding["gravita"], named.get(where.rsplit(":", 2)[0]), where,
                    finding["messaggio"])
            if fact not in facts:
                facts[fact] = (finding_problem(finding, root, named), [])
            if year not in facts[fact][1]:
                facts[fact][1].append(year)
    problems = [problem for problem, _ in facts.values()]
    return problems, {problem: tuple(years) for problem, years in facts.values() if len(years) < len(assessments)}


def finding_problem(finding: Mapping[str, Any], root: Path, paths: Mapping[str, str]) -> Problem:
    """A finding of a result as a located problem (``dove`` is ``file:line:col``, the file by its name)."""
    name, line, column = str(finding["dove"]).rsplit(":", 2)
    args = {k: str(v) for k, v in finding.get("argomenti", {}).items()}
    hint = finding.get("suggerimento", "")
    return Problem(Location(paths.get(name, str(root / name)), int(line), int(column)), finding["messaggio"],
                   code=finding["codice"], severity=Severity(finding["gravita"]), subject=finding.get("oggetto", ""),
                   hint=hint, hint_key=finding_hint_key(finding["codice"], args) if hint else "",
                   args=tuple(sorted(args.items())))


def rules_list() -> list[tuple[str, Severity]]:
    """The codes of the findings ``check`` and the annex show, with their severity, by code: the catalogue's
    integrity rules, look-alike codes and ente.yaml's, the findings of a year's assessment (each described by
    ``regole_integrita.<code>``). The findings of a method's policies are the method's own (policies.yaml)."""
    from riskengine.answers.load import FINDINGS as ASSESSMENT
    from riskengine.catalog.load import FINDINGS as ENTE
    from riskengine.catalog.lookalikes import FINDINGS as LOOKALIKES
    from riskengine.evaluate.evaluation import FINDINGS as EVALUATION
    from riskengine.graph import RULES
    from riskengine.method.load import FINDINGS as METHOD_AREAS

    found = {code: spec.severity for code, spec in RULES.items()} | LOOKALIKES | ENTE | ASSESSMENT | EVALUATION \
        | METHOD_AREAS
    return sorted(found.items(), key=lambda item: (item[0].casefold(), item[0]))


def load_linked(catalog_dir: str | Path) -> CatalogGraph:
    """Load and link a catalogue, raising when it has errors (used by show, graph, assess)."""
    from riskengine.graph.cache import linked

    cg, integrity = linked(catalog_dir)
    errors = [p for p in integrity if p.severity is Severity.ERROR]
    if errors:
        raise RiskengineError(errors)
    return cg


def graph(catalog_dir: str | Path, fmt: str = "json", out: str | Path | None = None) -> str:
    """The catalogue graph serialised as GraphML, DOT or node-link JSON; written to ``out`` when given (an existing
    file only when it is an earlier graph export)."""
    from riskengine.graph.export import export
    from riskengine.source.writing import write_atomic

    text = export(load_linked(catalog_dir), fmt)
    if out is not None:
        _replace_only_earlier(Path(out), "graph", _graph_export)
        write_atomic(Path(out), text)
    return text


def _graph_export(path: Path) -> bool:
    """Whether ``path`` begins as a graph export of one of the formats does."""
    with path.open("rb") as file:
        head = file.read(256)
    return head.startswith((b"digraph catalogo {", b'{\n  "directed": ')) or (
        head.startswith(b"<?xml") and b"<graphml" in head)


def schema(out_dir: str | Path) -> list[Path]:
    """Write the JSON Schema of every file type into ``out_dir``; return the files written."""
    from riskengine.schema import write_schemas

    return write_schemas(Path(out_dir))


def schema_markdown(group: str) -> str:
    """The Markdown reference tables of a group of file types (``catalogo`` or ``regole``) from their JSON Schemas,
    or the layout of the catalogue workbook (``cartella``) from the file models.

    ``docs/formats.md`` holds the first and the third, ``docs/rules.md`` the second. ValueError for an unknown
    group.
    """
    from riskengine.schema import MARKDOWN_GROUPS
    from riskengine.schema import schema_markdown as tables

    if group == WORKBOOK_GROUP:
        from riskengine.workbook.layout import layout_markdown

        return layout_markdown()
    if group not in MARKDOWN_GROUPS:
        groups = sorted([*MARKDOWN_GROUPS, WORKBOOK_GROUP])
        raise ValueError(f"unknown group '{group}' (expected one of: {', '.join(groups)})")
    return tables(group)


def show(catalog_dir: str | Path, *, unit: str | None = None, process: str | None = None) -> dict[str, Any]:
    """What a unit owns and must implement (``unit``), or everything about a process (``process``).

    A unit's measures have the state the latest year's monitoring records, as the annex's unit page gives it.

    Give exactly one of the two (ValueError otherwise).
    """
    from riskengine.catalog import load_catalog
    from riskengine.graph import build_graph
    from riskengine.graph.views import process_view, unit_view

    if unit is not None and process is None:
        cg = build_graph(load_catalog(catalog_dir))
        return unit_view(cg, unit, *_monitoring(cg))
    if process is not None and unit is None:
        return process_view(build_graph(load_catalog(catalog_dir)), process)
    raise ValueError("give exactly one of unit or process")


def default_out_dir(result: Mapping[str, Any]) -> Path:
    """``reports/<ente>/<anno>``: where an assessment's annex goes when no directory is given.

    The ente code is a validated slug (lower-case letters, digits, dashes), so the path stays inside ``reports/``.
    """
    return REPORTS_DIR / result["ente"]["codice"] / str(result["anno"])


@dataclass
class Annex:
    """What ``assess`` and ``report`` wrote: the directory, its files and the result they show."""

    out_dir: Path
    files: list[Path]
    result: dict[str, Any]
    # Why the run could not be recorded in the history store, the annex being written (no space, the server
    # gone): said after the annex, never instead of it.
    unrecorded: list[Problem] = field(default_factory=list)

    @property
    def draft(self) -> bool:
        """True when the result has error findings: the annex is marked as a draft and cannot be published."""
        return bool(self.result["sintesi"]["criticita_per_gravita"].get("error"))


def assess(catalog_dir: str | Path, out_dir: str | Path | None = None, *, year: int | None = None,
           rules_dir: str | Path | None = None, formats: tuple[str, ...] | None = None, lang: str = "it",
           templates: str | Path | None = None, backend: str = "durable", csv_delimiter: str | None = None,
           db: str | None = None, progress: Progress | None = None,
           editions: tuple[str, ...] | None = None) -> Annex:
    """Assess a catalogue, write the result and the annex into ``out_dir``, record the run.

    Without ``out_dir`` the annex goes to :func:`default_out_dir` (``reports/<ente>/<anno>``). The
    result gains the trend over the earlier years (runs in the history store at ``db``, see
    :func:`riskengine.history.store.store_url`, else ``storico.yaml``) and the treatment priority of
    the planned measures; the run is recorded once the annex is written (a store that refuses it does not undo
    the annex: why is in :attr:`Annex.unrecorded`). The annex is written even
    when the result has error findings (the RPCT needs to see it), then marked as a draft on every
    page (:attr:`Annex.draft`), in its complete edition only. ``editions``: the HTML/PDF editions
    (``completa``, ``pubblicazione``; default both, see :func:`riskengine.report.check_editions`).
    """
    from riskengine.pipeline import assess_and_rank
    from riskengine.report import check_output

    if templates is None and os.path.isdir(Path(catalog_dir) / "templates"):  # os.path's: an unreadable path is False
        templates = Path(catalog_dir) / "templates"
    # Refused now, not after the assessment (and before the store is created); the default directory, named
    # after the assessment, is checked when the annex is written.
    check_output(out_dir, templates)
    _check_store(catalog_dir, db)
    store: Store | None = None

    def last_checked(ente: str, anno: int) -> dict[str, int]:
        # Asked once the catalogue has loaded: a path that is no catalogue, or one with errors, gets no store made.
        nonlocal store
        store = _open_store(catalog_dir, db)
        return store.last_checked(ente, anno)

    try:
        result, ranking = assess_and_rank(catalog_dir, year=year, rules_dir=rules_dir, backend=backend,
                                          progress=progress, checked=last_checked)
        assert store is not None  # assess_and_rank asks for the history before it evaluates
        if ranking:
            result["priorita_trattamento"] = ranking
        # Earlier years' results read, and this one's snapshot made: plain data, no garbage cycles. The
        # collector would scan the whole result and catalogue once their allocations reach it (on L, 1.8 s).
        with gcpause.paused():
            section = _history_section(catalog_dir, result, store, rules_dir)
        if section is not None:
            result["storico"] = section
        annex = _write(result, default_out_dir(result) if out_dir is None else Path(out_dir), formats, lang,
                       templates, csv_delimiter, progress, editions)
        try:
            with gcpause.paused():
                store.record(result)
        except RiskengineError as refused:
            annex.unrecorded = refused.problems
    finally:
        if store is not None:
            store.close()
    return annex


def _write(result: dict[str, Any], out_dir: Path, formats: tuple[str, ...] | None, lang: str,
           templates: str | Path | None, csv_delimiter: str | None, progress: Progress | None,
           editions: tuple[str, ...] | None, *, copy: bool = True) -> Annex:
    from riskengine.report import FORMATS, write_annex

    if progress is not None:
        progress("allegato")
    files = write_annex(result, out_dir, formats=formats or FORMATS, lang=lang, templates=templates,
                        csv_delimiter=csv_delimiter, editions=editions, copy=copy)
    return Annex(out_dir, files, result)


def _check_store(catalog_dir: str | Path, db: str | None) -> None:
    """Refuse a store address that can never open before the catalogue loads (see ``check_url``)."""
    from riskengine.history.store import check_url, store_url

    check_url(store_url(catalog_dir, db))


def _open_store(catalog_dir: str | Path, db: str | None) -> Store:
    from riskengine.history.store import open_store, store_url

    return open_store(store_url(catalog_dir, db))


def _read_store(catalog_dir: str | Path, db: str | None) -> Store:
    import os

    from riskengine.history.store import ENV_VAR, read_store, store_url

    return read_store(store_url(catalog_dir, db), named=bool(db or os.environ.get(ENV_VAR)))


def _history_section(catalog_dir: str | Path, result: dict[str, Any], store: Store,
                     rules_dir: str | Path | None) -> dict[str, Any] | None:
    """The trend section of a result, or None when no earlier year is recorded or declared (each declared year
    on the levels of its own method)."""
    from riskengine.history.figures import history_section
    from riskengine.history.storico import FILE, load_storico

    declared: dict[int, Any] = {}
    declared_levels: dict[int, list[dict[str, Any]]] = {}
    if (Path(catalog_dir) / FILE).is_file():
        levels = _year_levels(load_linked(catalog_dir), rules_dir)
        declared = {y: d for y, d in load_storico(catalog_dir, lambda y: [lvl["codice"] for lvl in levels(y)]).items()
                    if y < result["anno"]}
        declared_levels = {y: levels(y) for y, d in declared.items() if d.processi_per_livello}
    recorded = {y: (f"{run.id}", store.result(run.id))
                for y, run in store.latest_by_year(result["ente"]["codice"]).items() if y < result["anno"]}
    if not declared and not recorded:
        return None
    return history_section(result, recorded, declared, declared_levels)


def history(catalog_dir: str | Path, *, db: str | None = None, rules_dir: str | Path | None = None) -> dict[str, Any]:
    """The years of an administration: its recorded runs (latest of each year marked) and declared years.

    ``rules_dir``: where the methods are (each declared year's levels are its method's), as for :func:`assess`."""
    from riskengine.history.storico import load_storico

    _check_store(catalog_dir, db)
    cg = load_linked(catalog_dir)
    ente = cg.catalog.ente.codice
    store = _read_store(catalog_dir, db)
    try:
        runs = store.runs(ente)
    finally:
        store.close()
    latest = {run.anno: run.id for run in runs}
    levels = _year_levels(cg, rules_dir)
    declared = load_storico(catalog_dir, lambda year: [lvl["codice"] for lvl in levels(year)])
    return {"ente": ente,
            "esecuzioni": [dict(run.as_dict(), ultima=latest[run.anno] == run.id) for run in runs],
            "dichiarati": [{"anno": y, "fonte": declared[y].fonte} for y in sorted(declared)]}


def diff(source: str | Path, before: str | Path, after: str | Path | None = None, *, db: str | None = None,
         rules_dir: str | Path | None = None) -> dict[str, Any]:
    """The changes between two years of a catalogue (latest runs, else evaluated now) or two result files.

    With ``source`` a catalogue directory, ``before`` and ``after`` are years (a year with no recorded run
    is assessed with the method found in ``rules_dir``, as by :func:`assess`); with ``after`` left out, the
    latest recorded run of the year ``before`` against the year assessed now from the files as they are
    (a method's band edge or an answer edited since: which processes it moves), recording nothing. With
    ``source`` empty (``""``) they are result files (risultato.json).
    """
    from riskengine.history.compare import changes

    if source and after is None:
        from riskengine.pipeline import assess as run_assessment

        year = int(str(before))
        _check_store(source, db)
        recorded = _year_results(source, (year,), db, rules_dir, recorded_only=True)[0]
        return changes(recorded, run_assessment(source, year=year, rules_dir=rules_dir))
    if after is None:
        raise ValueError("two result files are compared")
    if not source:
        from riskengine.report import load_result

        older, newer = dict(load_result(Path(before))), dict(load_result(Path(after)))
        _in_order(Location(str(before)), older["anno"], newer["anno"], f"{after} {before}")
        return changes(older, newer)
    _in_order(Location(str(source)), int(str(before)), int(str(after)), f"{source} {after} {before}")
    if int(str(before)) == int(str(after)):  # the latest run of a year against itself: nothing would ever change
        year = int(str(before))
        raise refuse(Location(str(source)), "problemi.diff_stesso_anno",
                     hint_key="problemi.suggerimento.diff_stesso_anno", anno=year,
                     comando=f"riskengine diff {source} {year - 1} {year}")
    _check_store(source, db)
    return changes(*_year_results(source, (int(str(before)), int(str(after))), db, rules_dir))


def _monitoring(cg: CatalogGraph) -> tuple[int | None, dict[str, str]]:
    """The latest assessment's year and the state its monitoring records of each measure (none without one, or
    when its file does not read: show needs only the catalogue, and check says what is wrong with the file)."""
    from riskengine.method.models import AssessmentFile
    from riskengine.source.document import load_yaml
    from riskengine.source.validate import validate_document

    problems: list[Problem] = []
    try:
        files = cg.catalog.assessment_files()
        if not files:
            return None, {}
        assessment = validate_document(load_yaml(files[max(files)], within=cg.catalog.root), AssessmentFile,
                                       problems)
    except RiskengineError:
        return None, {}
    if assessment is None:
        return None, {}
    return assessment.anno, {esito.misura: esito.stato for esito in assessment.monitoraggio}


def _in_order(place: Location, first: int, second: int, swapped: str) -> None:
    """Refuse a comparison whose first year comes after the second: what is new and what was removed would be
    the other way round."""
    if first > second:
        raise refuse(place, "problemi.diff_invertito", hint_key="problemi.suggerimento.diff_invertito",
                     primo=first, secondo=second, comando=f"riskengine diff {swapped}")


def _year_results(catalog_dir: str | Path, years: tuple[int, ...], db: str | None,
                  rules_dir: str | Path | None, *, recorded_only: bool = False) -> list[dict[str, Any]]:
    """The latest recorded result of each year, the catalogue and the store read once; a year with no run is
    assessed now (and not recorded), or refused when ``recorded_only``."""
    from riskengine.pipeline import assess as run_assessment

    cg = load_linked(catalog_dir)
    store = _read_store(catalog_dir, db)
    try:
        latest = store.latest_by_year(cg.catalog.ente.codice)
        recorded = {year: store.result(latest[year].id) for year in years if year in latest}
    finally:
        store.close()
    missing = [year for year in years if year not in recorded]
    if recorded_only and missing:
        from riskengine.pipeline import assessment_path

        assessment_path(cg, missing[0])  # a year the catalogue has no assessment of is said so first
        options = "".join(f" {name} {value}" for name, value in (("--rules", rules_dir), ("--db", db)) if value)
        raise refuse(Location(str(catalog_dir)), "problemi.diff_senza_esecuzione", anno=missing[0],
                     hint_key="problemi.suggerimento.diff_senza_esecuzione",
                     comando=f"riskengine assess {catalog_dir} --year {missing[0]}{options}")
    return [recorded[year] if year in recorded else run_assessment(catalog_dir, year=year, rules_dir=rules_dir)
            for year in years]


@dataclass
class NewYear:
    """The draft ``new-year`` wrote, and what it says of last year's answers it left out (warnings)."""

    path: Path
    problems: list[Problem] = field(default_factory=list)


def new_year(catalog_dir: str | Path, *, from_year: int, to_year: int, rules_dir: str | Path | None = None,
             lang: str = "it") -> NewYear:
    """Write ``assessment-<to_year>.yaml``, the draft of the next year from ``from_year``, its comments and notes in
    ``lang``, for the method of ``to_year`` (the catalogue's, unless ente.yaml lists the year under
    ``metodi_precedenti``; ``rules_dir``: where the methods are).

    Answers to indicators the method lacks (the method changed since ``from_year``) are left out and said in
    warnings. Never overwrites: an existing file is an error.
    """
    from riskengine.history.draft import draft
    from riskengine.method.models import AssessmentFile
    from riskengine.pipeline import assessment_path, year_method
    from riskengine.source.document import load_yaml
    from riskengine.source.validate import validate_document
    from riskengine.source.writing import unwritable

    bounds = {type(m).__name__: m for m in AssessmentFile.model_fields["anno"].metadata}
    lowest, highest = bounds["Ge"].ge, bounds["Le"].le
    if not lowest <= to_year <= highest:  # the draft would be refused by check, or not be written at all
        raise refuse(Location("--to"), "problemi.bozza.anno_fuori", anno=to_year, minimo=lowest, massimo=highest,
                     hint_key="problemi.bozza.suggerimento.anno_fuori")
    cg = load_linked(catalog_dir)
    source = assessment_path(cg, from_year)
    target = Path(catalog_dir) / f"assessment-{to_year}.yaml"
    if to_year <= from_year:
        raise refuse(Location(str(source)), "problemi.bozza.anno_non_successivo", anno=to_year, da_anno=from_year,
                     hint_key="problemi.bozza.suggerimento.anno")
    # the draft asks the questions of its year's method: without it, none can be told from the old ones
    method = year_method(cg, to_year, rules_dir)
    problems: list[Problem] = []
    previous = load_yaml(source, within=Path(catalog_dir))
    if validate_document(previous, AssessmentFile, problems) is None:
        raise RiskengineError(problems)
    level = method.model.valutazione.livello
    drafted = draft(previous.data, [cg.obj(n) for n in cg.nodes_of("measure")], to_year, lang,
                    indicators={i.codice for i in method.model.indicatori}, level=level)
    try:
        with target.open("x", encoding="utf-8") as out:  # never over an existing file: created, not replaced
            out.write(drafted.text)
    except FileExistsError:
        raise refuse(Location(str(target), 1, 1), "problemi.bozza.file_esistente",
                     hint_key="problemi.bozza.suggerimento.file_esistente") from None
    except OSError as exc:  # a read-only catalogue, no space: one located problem, no part of a draft left
        with contextlib.suppress(OSError):
            target.unlink(missing_ok=True)
        raise unwritable(target, exc) from None
    def left_out(key: str, hint: str = "risposte_tolte", **values: Any) -> Problem:
        return said(Location(str(target)), f"problemi.bozza.{key}", code="new-year", severity=Severity.WARNING,
                    da_anno=from_year, anno=to_year, metodo=method.model.metodo.codice,
                    hint_key=f"problemi.bozza.suggerimento.{hint}", **values)

    if drafted.tolte:
        problems.append(left_out("risposte_tolte", n=sum(drafted.tolte.values()),
                                 indicatori=", ".join(sorted(drafted.tolte))))
    if drafted.voci_tolte:
        problems.append(left_out("voci_tolte", n=drafted.voci_tolte, livello=level,
                                 livello_chiave=f"problemi.oggetto.{level}"))
    if drafted.residui_tolti:  # named in the draft's head too, where the referent reads them
        named = drafted.residui_tolti
        problems.append(left_out("residui_tolti", "residui_tolti", n=len(named),
                                 voci=", ".join(named[:5]) + (", …" if len(named) > 5 else "")))
    return NewYear(target, problems)


def whatif(catalog_dir: str | Path, scenario: str | Path, *, year: int | None = None,
           rules_dir: str | Path | None = None, backend: str = "durable") -> dict[str, Any]:
    """What a scenario changes: per-process scores and levels and the summary deltas (nothing is written)."""
    from riskengine.history.whatif import compare_runs
    from riskengine.pipeline import whatif as run_whatif

    before, after = run_whatif(catalog_dir, scenario, year=year, rules_dir=rules_dir, backend=backend)
    return {"anno": before["anno"], "scenario": Path(scenario).name, "livelli": before["metodo"]["livelli"],
            **compare_runs(before, after)}


_WHATIF_READ_BYTES = 64 * 1024 * 1024  # an earlier what-if's output is read back to know it is one


def write_whatif(changes: dict[str, Any], target: str | Path) -> Path:
    """Write a what-if's changes to ``target`` as JSON; an existing file is replaced only when it is an earlier
    what-if's output (a catalogue file named by mistake is left as it is)."""
    import json

    from riskengine.source.writing import write_atomic

    def earlier(path: Path) -> bool:
        written = json.loads(path.read_bytes()) if path.stat().st_size <= _WHATIF_READ_BYTES else None
        return isinstance(written, dict) and set(written) == set(changes)

    target = Path(target)
    _replace_only_earlier(target, "whatif", earlier)
    write_atomic(target, json.dumps(changes, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    return target


def _replace_only_earlier(target: Path, command: str, earlier: Callable[[Path], bool]) -> None:
    """Refuse to replace an existing file that ``earlier`` does not know as an output of ``command`` (a catalogue's
    file, or a user's, named by mistake is left as it is); a link or a folder is refused as write_atomic does."""
    import zipfile

    if not target.is_file() or target.is_symlink():
        return
    with contextlib.suppress(OSError, ValueError, KeyError, RecursionError, zipfile.BadZipFile):
        if earlier(target):
            return
    raise refuse(Location(str(target)), "problemi.uscita.non_nostro", code="output",
                 hint_key="problemi.uscita.suggerimento.non_nostro", comando=command)


def rank_measures(catalog_dir: str | Path, *, year: int | None = None, rules_dir: str | Path | None = None,
                  backend: str = "durable") -> list[dict[str, Any]]:
    """Planned measures ranked by the planned residual risk each removes (see :mod:`riskengine.history.whatif`)."""
    from riskengine.pipeline import rank_measures as rank

    return rank(catalog_dir, year=year, rules_dir=rules_dir, backend=backend)


def report(source: str | Path, out_dir: str | Path, *, formats: tuple[str, ...] | None = None, lang: str = "it",
           templates: str | Path | None = None, year: int | None = None, csv_delimiter: str | None = None,
           progress: Progress | None = None, editions: tuple[str, ...] | None = None,
           rules_dir: str | Path | None = None) -> Annex:
    """Render the annex from a result JSON file, or from a catalogue directory (assessed first, with the method
    found in ``rules_dir`` as by :func:`assess`)."""
    from riskengine.report import check_output, load_result

    source = Path(source)
    if os.path.isdir(source):  # os.path's: a path the system cannot probe is then read as a result file, and refused
        return assess(source, out_dir, year=year, rules_dir=rules_dir, formats=formats, lang=lang,
                      templates=templates, csv_delimiter=csv_delimiter, progress=progress, editions=editions)
    check_output(out_dir, templates)
    # read here and used by nobody else: rendered without a copy (a large result is held once)
    return _write(load_result(source), Path(out_dir), formats, lang, templates, csv_delimiter, progress, editions,
                  copy=False)


def explain(catalog_dir: str | Path, process: str, *, year: int | None = None,
            rules_dir: str | Path | None = None, lang: str = "it") -> list[str]:
    """Plain-language explanation of how ``process`` got each score and finding, in ``lang`` (only that process
    is evaluated: see :func:`riskengine.pipeline.assess_process`)."""
    from riskengine.i18n import Text
    from riskengine.pipeline import assess_process
    from riskengine.report.explanation import explain_process

    return explain_process(assess_process(catalog_dir, process, year=year, rules_dir=rules_dir), process, Text(lang))


def test(method_dir: str | Path, *, backend: str = "durable") -> TestReport:
    """Run the rule tests of a method; return the report (cases, failures, uncovered rules)."""
    from riskengine.rule_tests import run_tests

    return run_tests(method_dir, backend)


def check_method(method_dir: str | Path) -> CheckReport:
    """Load and statically check a method directory (bands, grid, policies, engine limits)."""
    from riskengine.method.load import load_method

    report = CheckReport(str(method_dir))
    try:
        method = load_method(method_dir)
    except RiskengineError as exc:
        report.problems = exc.problems
        return report
    report.counts = {"band rows": sum(len(t.rows) for t in method.band_tables.values()),
                     "grid cells": len(method.grid), "policy rules": sum(len(t.rules) for t in method.tables)}
    report.problems = list(method.warnings)
    return report


def export_xlsx(catalog_dir: str | Path, out: str | Path, *, year: int | None = None,
                rules_dir: str | Path | None = None, lang: str = "it") -> Path:
    """Write the catalogue (and the assessment of ``year``, default the latest) as one workbook ``out``, its
    readme in ``lang``."""
    from riskengine.method.models import AssessmentFile
    from riskengine.pipeline import year_method
    from riskengine.source.document import load_yaml
    from riskengine.source.validate import validate_document
    from riskengine.source.writing import temporary_unwritable, write_atomic
    from riskengine.workbook.export import catalog_workbook

    cg = load_linked(catalog_dir)
    files = cg.catalog.assessment_files()
    if year is not None and year not in files:
        raise refuse(Location(str(Path(catalog_dir) / f"assessment-{year}.yaml")), "problemi.valutazione_assente",
                     anno=year, hint_key="problemi.suggerimento.anni_disponibili",
                     anni=", ".join(map(str, sorted(files))) or "—")
    year = year if year is not None else max(files, default=None)
    assessment = method = None
    if year is not None:
        problems: list[Problem] = []
        assessment = validate_document(load_yaml(files[year]), AssessmentFile, problems)
        if assessment is None:
            raise RiskengineError(problems)
        method = year_method(cg, year, rules_dir)
    out = Path(out)
    _replace_only_earlier(out, "export-xlsx", _exported_workbook)
    try:
        content = catalog_workbook(cg.catalog, method=method, assessment=assessment, year=year, lang=lang)
    except OSError as exc:  # in the workbook's temporary files: no space, a file size limit
        raise temporary_unwritable(exc) from None
    write_atomic(out, content)
    return out


def _exported_workbook(path: Path) -> bool:
    """Whether ``path`` is a catalogue workbook, as export-xlsx writes them: riskengine its creator (which Excel
    keeps) and its «Generale» and «Elenchi» sheets (a questionnaire or an annex is another workbook riskengine
    wrote; a user's workbook may have sheets of those names)."""
    import zipfile

    from riskengine.workbook.layout import LISTS_SHEET, SETTINGS_SHEET

    with zipfile.ZipFile(path) as archive:
        parts = [archive.getinfo(name) for name in ("docProps/core.xml", "xl/workbook.xml")]
        if any(info.file_size > 1024 * 1024 for info in parts):
            return False
        core, workbook = (archive.read(info) for info in parts)
    sheets = set(re.findall(rb'<(?:\w+:)?sheet\b[^>]*\bname="([^"]*)"', workbook))
    return re.search(rb"<dc:creator\b[^>]*>riskengine</dc:creator>", core) is not None and \
        {SETTINGS_SHEET.encode(), LISTS_SHEET.encode()} <= sheets


def import_xlsx(workbook: str | Path, out_dir: str | Path, *, force: bool = False,
                rules_dir: str | Path | None = None) -> dict[str, Any]:
    """Read a catalogue workbook into ``out_dir``'s YAML files; every problem at its cell, nothing written then.

    Existing files are replaced only with ``force`` (and only those whose content changed).
    Returns the files with what happened to each, and the warnings found.
    """
    from riskengine.method.load import load_method
    from riskengine.pipeline import find_method_dir
    from riskengine.workbook.files import write_catalog_files
    from riskengine.workbook.read import read_catalog_workbook

    out_dir = Path(out_dir)

    def method_of(name: str, where: Location) -> Method:  # as assess will look for it, from out_dir
        return load_method(find_method_dir(out_dir, name, rules_dir, where=where))

    imported = read_catalog_workbook(workbook, method_of=method_of, root=out_dir)
    return {"files": write_catalog_files(imported, out_dir, force=force), "warnings": imported.warnings}


def questionari(catalog_dir: str | Path, out_dir: str | Path, *, year: int, force: bool = False,
                rules_dir: str | Path | None = None, lang: str = "it") -> list[Path]:
    """Write one self-assessment questionnaire per unit for ``year`` into ``out_dir``, in ``lang``; return the files.

    The answers of ``assessment-<year>.yaml``, when it exists, are filled in. Existing questionnaires are
    replaced only with ``force`` (nothing is written otherwise).
    """
    from riskengine.errors import Location
    from riskengine.method.models import AssessmentFile
    from riskengine.pipeline import year_method
    from riskengine.source.document import load_yaml
    from riskengine.source.validate import validate_document
    from riskengine.source.writing import make_folder, temporary_unwritable, write_all
    from riskengine.workbook.questionnaires import questionnaires

    cg = load_linked(catalog_dir)
    method = year_method(cg, year, rules_dir)
    assessment = None
    source = cg.catalog.assessment_files().get(year)
    if source is not None:
        problems: list[Problem] = []
        assessment = validate_document(load_yaml(source), AssessmentFile, problems)
        if assessment is None:
            raise RiskengineError(problems)
    out = Path(out_dir)
    try:
        made = questionnaires(cg, method, year, assessment, lang)
    except OSError as exc:  # in the workbooks' temporary files: no space, a file size limit
        raise temporary_unwritable(exc) from None
    make_folder(out)  # first: a folder that cannot be made is one located problem, not an error of exists()
    existing = [out / q.name for q in made if (out / q.name).exists()]
    if existing and not force:
        raise RiskengineError([said(Location(str(p)), "problemi.questionario.esistente", code="questionario",
                                    hint_key="problemi.questionario.suggerimento.forza") for p in existing])
    write_all([(out / item.name, item.content) for item in made])
    return [out / q.name for q in made]


def raccogli(catalog_dir: str | Path, folder: str | Path, *, year: int | None = None,
             rules_dir: str | Path | None = None) -> Collection:
    """Merge the returned questionnaires in ``folder`` into ``assessment-<year>.yaml``; return the report.

    Nothing is written when a questionnaire has errors (each at its cell), nor when the file already says what
    the questionnaires do (``written`` False); conflicts (an item answered by a unit that does not own it) are
    reported and not merged.
    """
    from riskengine.method.models import AssessmentFile
    from riskengine.pipeline import year_method
    from riskengine.source.writing import write_atomic
    from riskengine.workbook.collect import collect
    from riskengine.workbook.values import plain
    from riskengine.workbook.yamlfile import canonical_yaml, updated_yaml

    cg = load_linked(catalog_dir)
    collection = collect(cg, lambda anno: year_method(cg, anno, rules_dir), Path(folder), year=year)
    data = plain(AssessmentFile.model_validate(collection.data))
    if collection.target.exists():  # updated in place: comments and layout stay where nothing changed
        before = collection.target.read_text(encoding="utf-8")
        text = updated_yaml(before, data)
        collection.written = text != before  # the answers it already held: its bytes and date kept
    else:
        text = canonical_yaml(data)
    if collection.written:
        write_atomic(collection.target, text)
    return collection


def template_check(template: str | Path) -> list[Problem]:
    """The variables a Word template (``allegato.docx``) uses that the result does not provide, each at its place;
    raise :class:`RiskengineError` for a template that is no bounded DOCX or does not compile."""
    from riskengine.report.docx import template_problems

    return template_problems(Path(template))
