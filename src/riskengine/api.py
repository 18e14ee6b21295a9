"""The library functions behind every CLI command (each command is a thin wrapper of one of these)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskengine.errors import Problem, RiskengineError, Severity

if TYPE_CHECKING:
    from riskengine.graph.build import CatalogGraph
    from riskengine.graph.integrity import IntegrityRule
    from riskengine.history.store import Store
    from riskengine.rule_tests import TestReport

# Where `assess` writes when no output directory is given: reports/<ente>/<anno>/ under the current directory.
REPORTS_DIR = Path("reports")


@dataclass
class CheckReport:
    """What ``check`` found: counts of what was loaded, and every problem or finding."""

    target: str
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    @property
    def severities(self) -> Counter[str]:
        """Number of problems per severity."""
        return Counter(p.severity.value for p in self.problems)

    @property
    def ok(self) -> bool:
        """True when nothing of severity error was found."""
        return self.severities["error"] == 0


def check(catalog_dir: str | Path, rules_dir: str | Path | None = None) -> CheckReport:
    """Check a catalogue (integrity rules, its method and its assessments) or a method directory."""
    from riskengine.graph.cache import linked

    if (Path(catalog_dir) / "method.yaml").is_file():
        return check_method(catalog_dir)
    report = CheckReport(str(catalog_dir))
    try:
        cg, integrity = linked(catalog_dir)
    except RiskengineError as exc:
        report.problems = exc.problems
        return report
    catalog = cg.catalog
    report.counts = {kind: len(cg.nodes_of(kind)) for kind in
                     ("area", "unit", "role", "process", "phase", "event", "factor", "measure")}
    if catalog.transparency is not None:  # optional file: counted when the catalogue has it
        report.counts["obligation"] = len(cg.nodes_of("obligation"))
    report.problems = integrity + catalog.warnings
    if report.ok:
        report.problems += _check_method_and_assessments(cg, rules_dir)
    return report


def _check_method_and_assessments(cg: CatalogGraph, rules_dir: str | Path | None) -> list[Problem]:
    """Problems of the catalogue's method and of each assessment file against it."""
    from riskengine.answers.load import load_assessment
    from riskengine.method.load import load_method
    from riskengine.pipeline import find_method_dir

    try:
        method_dir = find_method_dir(cg.catalog.root, cg.catalog.ente.metodo, Path(rules_dir) if rules_dir else None)
        method = load_method(method_dir)
    except RiskengineError as exc:
        return exc.problems
    problems = list(method.warnings)
    for _, path in sorted(cg.catalog.assessment_files().items()):
        try:
            problems += load_assessment(path, cg, method).to_confirm
        except RiskengineError as exc:
            problems += exc.problems
    return problems


def rules_list() -> list[IntegrityRule]:
    """The integrity rules, by code."""
    from riskengine.graph import RULES

    return [RULES[c] for c in sorted(RULES)]


def load_linked(catalog_dir: str | Path) -> CatalogGraph:
    """Load and link a catalogue, raising when it has errors (used by show, graph, assess)."""
    from riskengine.graph.cache import linked

    cg, integrity = linked(catalog_dir)
    errors = [p for p in integrity if p.severity is Severity.ERROR]
    if errors:
        raise RiskengineError(errors)
    return cg


def graph(catalog_dir: str | Path, fmt: str = "json") -> str:
    """The catalogue graph serialised as GraphML, DOT or node-link JSON."""
    from riskengine.graph.export import export

    return export(load_linked(catalog_dir), fmt)


def schema(out_dir: str | Path) -> list[Path]:
    """Write the JSON Schema of every file type into ``out_dir``; return the files written."""
    from riskengine.schema import write_schemas

    return write_schemas(Path(out_dir))


def schema_markdown(group: str) -> str:
    """The Markdown reference tables of a group of file types (``catalogo`` or ``regole``) from their JSON Schemas.

    ``docs/formats.md`` holds the first, ``docs/rules.md`` the second. ValueError for an unknown group.
    """
    from riskengine.schema import MARKDOWN_GROUPS
    from riskengine.schema import schema_markdown as tables

    if group not in MARKDOWN_GROUPS:
        raise ValueError(f"unknown group '{group}' (expected one of: {', '.join(sorted(MARKDOWN_GROUPS))})")
    return tables(group)


def show(catalog_dir: str | Path, *, unit: str | None = None, process: str | None = None) -> dict[str, Any]:
    """What a unit owns and must implement (``unit``), or everything about a process (``process``).

    Give exactly one of the two (ValueError otherwise).
    """
    from riskengine.catalog import load_catalog
    from riskengine.graph import build_graph
    from riskengine.graph.views import process_view, unit_view

    if unit is not None and process is None:
        return unit_view(build_graph(load_catalog(catalog_dir)), unit)
    if process is not None and unit is None:
        return process_view(build_graph(load_catalog(catalog_dir)), process)
    raise ValueError("give exactly one of unit or process")


def default_out_dir(result: Mapping[str, Any]) -> Path:
    """``reports/<ente>/<anno>``: where an assessment's annex goes when no directory is given.

    The ente code is a validated slug (lower-case letters, digits, dashes), so the path stays inside ``reports/``.
    """
    return REPORTS_DIR / result["ente"]["codice"] / str(result["anno"])


def assess(catalog_dir: str | Path, out_dir: str | Path | None = None, *, year: int | None = None,
           rules_dir: str | Path | None = None, formats: tuple[str, ...] | None = None, lang: str = "it",
           templates: str | Path | None = None, backend: str = "durable", csv_delimiter: str = ",",
           db: str | None = None) -> list[Path]:
    """Assess a catalogue, write the result and the annex into ``out_dir``, record the run; return the files.

    Without ``out_dir`` the annex goes to :func:`default_out_dir` (``reports/<ente>/<anno>``). The
    result gains the trend over the earlier years (runs in the history store at ``db``, see
    :func:`riskengine.history.store.store_url`, else ``storico.yaml``) and the treatment priority of
    the planned measures; the run is recorded once the annex is written.
    """
    from riskengine.pipeline import assess_and_rank
    from riskengine.report import FORMATS, write_annex

    result, ranking = assess_and_rank(catalog_dir, year=year, rules_dir=rules_dir, backend=backend)
    if ranking:
        result["priorita_trattamento"] = ranking
    if templates is None and (Path(catalog_dir) / "templates").is_dir():
        templates = Path(catalog_dir) / "templates"
    store = _open_store(catalog_dir, db)
    try:
        section = _history_section(catalog_dir, result, store)
        if section is not None:
            result["storico"] = section
        files = write_annex(result, default_out_dir(result) if out_dir is None else out_dir,
                            formats=formats or FORMATS, lang=lang, templates=templates, csv_delimiter=csv_delimiter)
        store.record(result)
    finally:
        store.close()
    return files


def _open_store(catalog_dir: str | Path, db: str | None) -> Store:
    from riskengine.history.store import open_store, store_url

    return open_store(store_url(catalog_dir, db))


def _history_section(catalog_dir: str | Path, result: dict[str, Any], store: Store) -> dict[str, Any] | None:
    """The trend section of a result, or None when no earlier year is recorded or declared."""
    from riskengine.history.figures import history_section
    from riskengine.history.storico import load_storico

    levels = [lvl["codice"] for lvl in result["metodo"]["livelli"]]
    declared = {y: d for y, d in load_storico(catalog_dir, levels).items() if y < result["anno"]}
    recorded = {y: (f"{run.id}", store.result(run.id))
                for y, run in store.latest_by_year(result["ente"]["codice"]).items() if y < result["anno"]}
    if not declared and not recorded:
        return None
    return history_section(result, recorded, declared)


def history(catalog_dir: str | Path, *, db: str | None = None) -> dict[str, Any]:
    """The years of an administration: its recorded runs (latest of each year marked) and declared years."""
    from riskengine.history.storico import load_storico
    from riskengine.method.load import load_method
    from riskengine.pipeline import find_method_dir

    cg = load_linked(catalog_dir)
    ente = cg.catalog.ente.codice
    store = _open_store(catalog_dir, db)
    try:
        runs = store.runs(ente)
    finally:
        store.close()
    latest = {run.anno: run.id for run in runs}
    method = load_method(find_method_dir(cg.catalog.root, cg.catalog.ente.metodo))
    declared = load_storico(catalog_dir, list(method.levels))
    return {"ente": ente,
            "esecuzioni": [dict(run.as_dict(), ultima=latest[run.anno] == run.id) for run in runs],
            "dichiarati": [{"anno": y, "fonte": declared[y].fonte} for y in sorted(declared)]}


def diff(source: str | Path, before: str | Path, after: str | Path, *, db: str | None = None) -> dict[str, Any]:
    """The changes between two years of a catalogue (latest runs, else evaluated now) or two result files.

    With ``source`` a catalogue directory, ``before`` and ``after`` are years; with ``source`` empty
    (``""``) they are result files (risultato.json).
    """
    from riskengine.history.compare import changes
    from riskengine.report import load_result

    if not source:
        return changes(dict(load_result(Path(before))), dict(load_result(Path(after))))
    return changes(_year_result(source, int(str(before)), db), _year_result(source, int(str(after)), db))


def _year_result(catalog_dir: str | Path, year: int, db: str | None) -> dict[str, Any]:
    """The latest recorded result of a year; a year with no run is assessed now (and not recorded)."""
    from riskengine.pipeline import assess as run_assessment

    cg = load_linked(catalog_dir)
    store = _open_store(catalog_dir, db)
    try:
        run = store.latest_by_year(cg.catalog.ente.codice).get(year)
        if run is not None:
            return store.result(run.id)
    finally:
        store.close()
    return run_assessment(catalog_dir, year=year)


def new_year(catalog_dir: str | Path, *, from_year: int, to_year: int) -> Path:
    """Write ``assessment-<to_year>.yaml``, the draft of the next year from ``from_year``; return its path.

    Never overwrites: an existing file is an error.
    """
    from riskengine.errors import Location, fail
    from riskengine.history.draft import draft
    from riskengine.pipeline import assessment_path
    from riskengine.source.document import load_yaml

    cg = load_linked(catalog_dir)
    source = assessment_path(cg, from_year)
    target = Path(catalog_dir) / f"assessment-{to_year}.yaml"
    if to_year <= from_year:
        raise fail(Location(str(source)), f"the draft's year {to_year} is not after {from_year}",
                   hint="use --to with a later year")
    text = draft(load_yaml(source).data, [cg.obj(n) for n in cg.nodes_of("measure")], to_year)
    try:
        with target.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise fail(Location(str(target), 1, 1), "the file already exists: new-year never overwrites",
                   hint="rename or delete it first, or choose another --to") from None
    return target


def whatif(catalog_dir: str | Path, scenario: str | Path, *, year: int | None = None,
           rules_dir: str | Path | None = None, backend: str = "durable") -> dict[str, Any]:
    """What a scenario changes: per-process scores and levels and the summary deltas (nothing is written)."""
    from riskengine.history.whatif import compare_runs
    from riskengine.pipeline import whatif as run_whatif

    before, after = run_whatif(catalog_dir, scenario, year=year, rules_dir=rules_dir, backend=backend)
    return {"anno": before["anno"], "scenario": Path(scenario).name, **compare_runs(before, after)}


def rank_measures(catalog_dir: str | Path, *, year: int | None = None, rules_dir: str | Path | None = None,
                  backend: str = "durable") -> list[dict[str, Any]]:
    """Planned measures ranked by the planned residual risk each removes (see :mod:`riskengine.history.whatif`)."""
    from riskengine.pipeline import rank_measures as rank

    return rank(catalog_dir, year=year, rules_dir=rules_dir, backend=backend)


def report(source: str | Path, out_dir: str | Path, *, formats: tuple[str, ...] | None = None, lang: str = "it",
           templates: str | Path | None = None, year: int | None = None, csv_delimiter: str = ",") -> list[Path]:
    """Render the annex from a result JSON file, or from a catalogue directory (assessed first)."""
    from riskengine.report import FORMATS, load_result, write_annex

    source = Path(source)
    if source.is_dir():
        return assess(source, out_dir, year=year, formats=formats, lang=lang, templates=templates,
                      csv_delimiter=csv_delimiter)
    return write_annex(load_result(source), out_dir, formats=formats or FORMATS, lang=lang, templates=templates,
                       csv_delimiter=csv_delimiter)


def explain(catalog_dir: str | Path, process: str, *, year: int | None = None,
            rules_dir: str | Path | None = None) -> list[str]:
    """Plain-language explanation of how ``process`` got each score and finding."""
    from riskengine.pipeline import assess as run_assessment
    from riskengine.report.explanation import explain_process

    return explain_process(run_assessment(catalog_dir, year=year, rules_dir=rules_dir), process)


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
