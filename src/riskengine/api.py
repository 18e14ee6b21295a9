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
    from riskengine.catalog import load_catalog
    from riskengine.graph import build_graph, check_integrity

    if (Path(catalog_dir) / "method.yaml").is_file():
        return check_method(catalog_dir)
    report = CheckReport(str(catalog_dir))
    try:
        catalog = load_catalog(catalog_dir)
    except RiskengineError as exc:
        report.problems = exc.problems
        return report
    cg = build_graph(catalog)
    report.counts = {kind: len(cg.nodes_of(kind)) for kind in
                     ("area", "unit", "role", "process", "phase", "event", "factor", "measure")}
    report.problems = check_integrity(cg) + catalog.warnings
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
            load_assessment(path, cg, method)
        except RiskengineError as exc:
            problems += exc.problems
    return problems


def rules_list() -> list[IntegrityRule]:
    """The integrity rules, by code."""
    from riskengine.graph import RULES

    return [RULES[c] for c in sorted(RULES)]


def load_linked(catalog_dir: str | Path) -> CatalogGraph:
    """Load and link a catalogue, raising when it has errors (used by show, graph, assess)."""
    from riskengine.catalog import load_catalog
    from riskengine.graph import build_graph, check_integrity

    cg = build_graph(load_catalog(catalog_dir))
    errors = [p for p in check_integrity(cg) if p.severity is Severity.ERROR]
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
           templates: str | Path | None = None, backend: str = "durable", csv_delimiter: str = ",") -> list[Path]:
    """Assess a catalogue and write the result and the annex into ``out_dir``; return the files written.

    Without ``out_dir`` the annex goes to :func:`default_out_dir` (``reports/<ente>/<anno>``).
    """
    from riskengine.pipeline import assess as run_assessment
    from riskengine.report import FORMATS, write_annex

    result = run_assessment(catalog_dir, year=year, rules_dir=rules_dir, backend=backend)
    if templates is None and (Path(catalog_dir) / "templates").is_dir():
        templates = Path(catalog_dir) / "templates"
    return write_annex(result, default_out_dir(result) if out_dir is None else out_dir, formats=formats or FORMATS,
                       lang=lang, templates=templates, csv_delimiter=csv_delimiter)


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
