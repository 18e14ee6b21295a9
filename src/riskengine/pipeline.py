"""Orchestration: catalogue + method + assessment → result. The only place the stages meet."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from riskengine import gcpause, shards
from riskengine.errors import Location, Problem, RiskengineError, Severity, shorten
from riskengine.evaluate.backend import Backend, backend_for
from riskengine.graph import queries as q
from riskengine.graph.build import CatalogGraph
from riskengine.graph.integrity import covered_events_dropped, overdue_measures
from riskengine.i18n import refuse
from riskengine.method.load import Method, unknown_areas
from riskengine.progress import Progress, silent
from riskengine.suggest import closest, did_you_mean

if TYPE_CHECKING:
    from riskengine.answers.load import Assessment
    from riskengine.catalog.models import Misura


def method_name(cg: CatalogGraph, year: int | None = None) -> Location:
    """Where ente.yaml names the method of ``year`` (its own in ``metodi_precedenti``, else the catalogue's)."""
    if year in cg.catalog.ente.metodi_precedenti:
        return cg.catalog.locate("ente.yaml", ("metodi_precedenti", year))
    return cg.catalog.locate("ente.yaml", ("metodo",))


def year_method_dir(cg: CatalogGraph, year: int | None, rules_dir: str | Path | None = None) -> Path:
    """The folder of the method ``year`` is assessed with (``None``: the catalogue's), found as
    :func:`find_method_dir` finds it; one not found is said at its name in ente.yaml."""
    name = cg.catalog.ente.metodo_di(year)
    return find_method_dir(cg.catalog.root, name, rules_dir, where=method_name(cg, year))


def year_method(cg: CatalogGraph, year: int | None, rules_dir: str | Path | None = None) -> Method:
    """The method ``year`` is assessed with (``None``: the catalogue's), loaded from :func:`year_method_dir`."""
    from riskengine.method.cache import cached_method

    return cached_method(year_method_dir(cg, year, rules_dir))


def find_method_dir(catalog_root: Path, name: str, rules_dir: str | Path | None = None, *,
                    where: Location | None = None) -> Path:
    """Locate ``rules/<name>``: in the given rules directory only (a method of the same name elsewhere may be
    another version of it), else beside the catalogues folder, or in ./rules. ``where``: the place of the name,
    where a method not found is said (default: ente.yaml)."""
    if rules_dir:  # the folder of the methods, or the method's own folder
        # the method's own folder by its name as written, "." and ".." worked out (``--rules .`` inside it); a
        # link keeps its own name (abspath follows none, so a loop of links is refused as not found)
        own = Path(os.path.abspath(rules_dir)).name == name
        candidates = [Path(rules_dir) / name] + ([Path(rules_dir)] if own else [])
    else:
        candidates = [catalog_root.resolve().parent.parent / "rules" / name, Path("rules") / name]
    for candidate in candidates:
        if (candidate / "method.yaml").is_file():
            return candidate
    where = where or Location(str(catalog_root / "ente.yaml"))
    folders: dict[str, list[str]] = {}  # each folder looked in, as given → its methods
    listed: set[str] = set()
    for candidate in candidates:  # ./rules is often the folder beside the catalogues: listed once
        real = os.path.realpath(candidate.parent)  # never raises: a loop of links is a folder with no methods
        if real not in listed:
            listed.add(real)
            folders[str(candidate.parent)] = _methods_in(Path(real))
    methods = sorted({m for found in folders.values() for m in found})
    if not methods:
        raise refuse(where, "problemi.metodo_non_trovato", metodo=name,
                     hint_key="problemi.suggerimento.metodo_non_trovato", cartelle=", ".join(map(str, candidates)))
    meant = closest(name, methods)
    raise refuse(where, "problemi.metodo_non_trovato", metodo=name,
                 hint_key="problemi.suggerimento.metodo_forse" if meant else "problemi.suggerimento.metodi_disponibili",
                 proposta=meant or "", metodi=", ".join(methods),
                 cartelle=", ".join(folder for folder, found in folders.items() if found))


# Folders of a rules directory looked at for the methods it holds: a directory of thousands (--rules given a home
# or a temporary folder) is not read through to name them.
MAX_LISTED_FOLDERS = 1000


def _methods_in(folder: Path) -> list[str]:
    """The methods of ``folder``: its sub-folders that hold a method.yaml (none when it cannot be read)."""
    try:
        with os.scandir(folder) as entries:
            return [entry.name for _, entry in zip(range(MAX_LISTED_FOLDERS), entries, strict=False)
                    if entry.is_dir() and (Path(entry.path) / "method.yaml").is_file()]
    except OSError:
        return []


def prepare(catalog_dir: str | Path, rules_dir: str | Path | None = None, year: int | None = None,
            ) -> tuple[CatalogGraph, list[Problem], Method]:
    """Load and link the catalogue (refusing errors) and load the method of ``year`` (default: the latest year
    assessed)."""
    from riskengine.graph.cache import linked

    cg, integrity = linked(catalog_dir)
    errors = [p for p in integrity if p.severity is Severity.ERROR]
    if errors:
        raise RiskengineError(errors)
    method = year_method(cg, year if year is not None else max(cg.catalog.assessment_files(), default=None),
                         rules_dir)
    return cg, catalog_findings(cg, integrity, method), method


def catalog_findings(cg: CatalogGraph, integrity: list[Problem], method: Method) -> list[Problem]:
    """The findings of the catalogue that every year's annex lists, as `check` reports them.

    Every warning found on the way is a finding: integrity (untreated events counted as the method
    says, ``eventi.misure_di_processo_coprono``), look-alike codes, the method's own warnings, and the areas
    the method names that the catalogue does not have.
    """
    # the ways areas are written, worked out for the names the method has (most name none in their policies)
    areas = q.area_references(cg) if method.area_places else {}
    compared = q.area_values(cg) if method.policy_area_places else {}
    return (covered_events_dropped(cg, integrity, method.model.eventi.misure_di_processo_coprono)
            + cg.catalog.warnings + method.warnings + unknown_areas(method, areas, compared))


def assessment_path(cg: CatalogGraph, year: int | None) -> Path:
    """The assessment file for ``year`` (default: the latest one)."""
    files = cg.catalog.assessment_files()
    if not files:
        raise refuse(Location(str(cg.catalog.root)), "problemi.nessuna_valutazione",
                     hint_key="problemi.suggerimento.nessuna_valutazione")
    if year is None:
        return files[max(files)]
    if year not in files:
        raise refuse(Location(str(cg.catalog.root)), "problemi.valutazione_assente", anno=year,
                     hint_key="problemi.suggerimento.anni_disponibili", anni=", ".join(str(y) for y in sorted(files)))
    return files[year]


def _loaded(catalog_dir: str | Path, year: int | None, rules_dir: str | Path | None,
            backend: str, tell: Progress = silent) -> tuple[CatalogGraph, list[Problem], Method, Assessment, Backend]:
    """Everything an evaluation needs, loaded and checked (the assessment's findings join the integrity ones)."""
    from riskengine.answers.cache import cached_assessment

    tell("catalogo")
    prepared = prepare(catalog_dir, rules_dir, year)  # the catalogue's positions already released
    tell("valutazione")
    return _with_assessment(prepared, cached_assessment(assessment_path(prepared[0], year), prepared[0], prepared[2]),
                            backend)


def _with_assessment(prepared: tuple[CatalogGraph, list[Problem], Method], assessment: Assessment,
                     backend: str) -> tuple[CatalogGraph, list[Problem], Method, Assessment, Backend]:
    """A prepared catalogue and method with a loaded assessment: what :func:`_result` evaluates."""
    cg, integrity, method = prepared
    if assessment.document is not None:
        assessment.document.release_positions()
    # A measure is overdue by its status in the year: implemented in this year's monitoring, it is not.
    monitored = {code: esito.stato for code, esito in assessment.monitoring.items()}
    integrity = [p for p in integrity if p.code != "measure-overdue"] + overdue_measures(cg, monitored)
    cg.catalog.release_positions()  # read again to locate the overdue measures (on L, about 90 MB)
    return cg, integrity + assessment.findings, method, assessment, backend_for(method, backend)


def _result(loaded: tuple[CatalogGraph, list[Problem], Method, Assessment, Backend],
            links: dict[str, list[str]] | None = None, tell: Progress = silent,
            checked: dict[str, int] | None = None) -> dict[str, Any]:
    """Evaluate (with ``links`` in place of the catalogue's, when given) and build the result.

    ``checked``: the last year each process or phase had a selected check (the monitoring plan's rotation).
    """
    from riskengine.evaluate.evaluation import evaluate
    from riskengine.result.build import build_result, result_from_records

    cg, integrity, method, assessment, runner = loaded
    tell("regole")
    count = shards.sharded(len(cg.nodes_of("process")), records=True)
    if count:  # evaluated and built in shards by worker processes, taken back in order
        processes = list(shards.in_shards(cg, method, assessment, runner, links, count))
        tell("risultato")
        return result_from_records(cg, method, assessment, processes, integrity, runner.name, checked)
    evaluations = evaluate(cg, method, assessment, runner, links)
    tell("risultato")
    return build_result(cg, method, assessment, evaluations, integrity, runner.name, checked)


def assess(catalog_dir: str | Path, *, year: int | None = None, rules_dir: str | Path | None = None,
           backend: str = "durable", progress: Progress | None = None,
           checked: Callable[[str, int], dict[str, int]] | None = None) -> dict[str, Any]:
    """Run the assessment of a catalogue and return the result (plain data); ``progress`` is told each stage.

    ``checked(ente, anno)``: the last year before ``anno`` each process or phase had a selected check
    (:meth:`riskengine.history.store.Store.last_checked`); without it the monitoring plan rotates by year alone.
    """

    # The collector is kept out of the bulk stages (riskengine.gcpause): loading and building the
    # result make no garbage cycles; the engine's runs do (durable-rules actions), and each frees its
    # own, scanning only what it made (riskengine.engine.durable).
    # Once a file is checked, every finding in it is located: its bytes and position index are
    # released (for a national catalogue, hundreds of megabytes). The answers' checks locate in the
    # assessment file only; a later lookup in a released file would read it again.
    tell = progress or silent
    with gcpause.paused():
        loaded = _loaded(catalog_dir, year, rules_dir, backend, tell)
        cg, assessment = loaded[0], loaded[3]
        history = checked(cg.catalog.ente.codice, assessment.model.anno) if checked is not None else None
        return _result(loaded, tell=tell, checked=history)


def assess_process(catalog_dir: str | Path, code: str, *, year: int | None = None,
                   rules_dir: str | Path | None = None, backend: str = "durable") -> dict[str, Any]:
    """What the result of :func:`assess` says of process ``code``, as ``explain`` reads it: ``processi`` its
    record alone, ``criticita`` the findings about it (subject the process or its code, in the result's order),
    ``metodo``, ``motore`` and ``digest.regole``; the rest of the result is not built.

    Only that process is evaluated: a process's facts and policies read no other process (the shards and the
    ranking of measures evaluate a part of the catalogue alike). A code of no process is refused at
    processes.yaml, with the nearest codes.
    """
    from riskengine.evaluate.evaluation import evaluate
    from riskengine.result.build import annex_findings, method_record, process_records

    with gcpause.paused():
        cg, integrity, method, assessment, runner = _loaded(catalog_dir, year, rules_dir, backend)
        node = f"process:{code}"
        if node not in cg or cg.attrs(node)["kind"] != "process":
            raise refuse(Location(str(Path(catalog_dir) / "processes.yaml")), "problemi.riferimento_sconosciuto",
                         hint=did_you_mean(code, [cg.code(n) for n in cg.nodes_of("process")]),
                         genere_chiave="problemi.genere.process", genere="process", riferimento=shorten(code))
        record = process_records(cg, method, assessment, evaluate(cg, method, assessment, runner, only={code}))[0]
        subjects = (node, code)
        return {"motore": runner.name, "metodo": method_record(method),
                "digest": {"regole": dict(sorted(method.digests.items()))}, "processi": [record],
                "criticita": annex_findings(cg, assessment, [(code, record["criticita"])],
                                            [p for p in integrity if p.subject in subjects])}


def assessed_findings(prepared: tuple[CatalogGraph, list[Problem], Method], assessment: Assessment, *,
                      backend: str = "durable", progress: Progress | None = None) -> list[dict[str, Any]]:
    """The findings (``criticita``) of the result :func:`assess` gives for a catalogue and method already
    :func:`prepare`-d and an assessment already loaded against them, without building the rest of the
    result: ``check`` reads each file once, then assesses every year this way."""
    from riskengine.evaluate.evaluation import evaluate
    from riskengine.result.build import annex_findings

    tell = progress or silent
    with gcpause.paused():
        cg, integrity, method, assessment, runner = _with_assessment(prepared, assessment, backend)
        tell("regole")
        count = shards.sharded(len(cg.nodes_of("process")))
        if count:
            return annex_findings(cg, assessment, shards.in_shards(cg, method, assessment, runner, None, count,
                                                                   wanted=shards.FINDINGS), integrity)
        evaluations = evaluate(cg, method, assessment, runner)
        return annex_findings(cg, assessment, ((ev.code, ev.findings) for ev in evaluations), integrity)


def whatif(catalog_dir: str | Path, scenario_file: str | Path, *, year: int | None = None,
           rules_dir: str | Path | None = None, backend: str = "durable") -> tuple[dict[str, Any], dict[str, Any]]:
    """The result of the assessment as it is and as the scenario makes it (nothing on disk changes)."""
    from riskengine.history.scenario import apply_scenario, load_scenario

    scenario, doc = load_scenario(scenario_file)
    with gcpause.paused():
        before = _result(_loaded(catalog_dir, year, rules_dir, backend))
        loaded = _loaded(catalog_dir, year, rules_dir, backend)  # a fresh copy: the scenario changes its models
        cg, _, method, assessment, _ = loaded
        links = apply_scenario(scenario, doc, cg, method, assessment)
        return before, _result(loaded, links)


def assess_and_rank(catalog_dir: str | Path, *, year: int | None = None, rules_dir: str | Path | None = None,
                    backend: str = "durable", progress: Progress | None = None,
                    checked: Callable[[str, int], dict[str, int]] | None = None,
                    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The result of :func:`assess` and the ranking of :func:`rank_measures`, from one load of the catalogue."""
    tell = progress or silent
    with gcpause.paused():
        loaded = _loaded(catalog_dir, year, rules_dir, backend, tell)
        cg, assessment = loaded[0], loaded[3]
        history = checked(cg.catalog.ente.codice, assessment.model.anno) if checked is not None else None
        result = _result(loaded, tell=tell, checked=history)
        tell("priorita")
        return result, _ranking(loaded, result)


def rank_measures(catalog_dir: str | Path, *, year: int | None = None, rules_dir: str | Path | None = None,
                  backend: str = "durable", result: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Planned measures ranked by the residual risk they remove: the assessment re-evaluated without each.

    ``result``: the assessment's result when the caller has it (it is computed otherwise).
    """
    with gcpause.paused():
        loaded = _loaded(catalog_dir, year, rules_dir, backend)
        return _ranking(loaded, result if result is not None else _result(loaded))


def _ranking(loaded: tuple[CatalogGraph, list[Problem], Method, Assessment, Backend],
             baseline: dict[str, Any]) -> list[dict[str, Any]]:
    """Rank the planned measures of ``baseline``, re-evaluating on ``loaded`` only the processes each treats."""
    from riskengine.evaluate.evaluation import evaluate, monitored_state, residual_measures
    from riskengine.evaluate.residual import efficacies, kept_without
    from riskengine.history.whatif import planned_measures, rank
    from riskengine.source.fields import decimal_text

    cg, _, method, assessment, runner = loaded
    measures = {cg.code(m): cg.obj(m) for m in cg.nodes_of("measure")}
    known = efficacies(method, list(measures.values()))
    states = {code: monitored_state(assessment, misura) for code, misura in measures.items()}
    facts = q.process_facts(cg)
    # Per process treated by a planned measure: its linked measures' codes, the measures (the catalogue's
    # facts) and those of its planned residual (worked out once, whichever measures it is re-evaluated without).
    of_process: dict[str, tuple[list[str], list[Misura], list[Misura]]] = {}

    def process_measures(process: str) -> tuple[list[str], list[Misura], list[Misura]]:
        found = of_process.get(process)
        if found is None:
            linked = facts[f"process:{process}"]
            found = of_process[process] = (linked.measures, linked.linked,
                                           residual_measures(method, linked.linked, states)[0])
        return found

    before = {p["codice"]: p for p in baseline["processi"]}
    kept_rows: dict[str, dict[str, Any]] = {}  # a process's row without a measure that leaves it as it is: its own

    def kept_row(process: str) -> dict[str, Any]:
        found = kept_rows.get(process)
        if found is None:
            row = before[process]
            state = row["residuo_programmato"] if row["valutato"] else {"rischio": None, "livello": None}
            found = kept_rows[process] = {"codice": process, "valutato": row["valutato"],
                                          "residuo_programmato": {"rischio": state["rischio"],
                                                                  "livello": state["livello"]}}
        return found
    without: dict[str, dict[str, list[dict[str, Any]]]] = {}
    # A process whose planned residual cannot change without the measure keeps the baseline's
    # (kept_without); the others are evaluated again. A process evaluates alone (its scores, lookups
    # and policies read only its own facts): measures treating disjoint processes are re-evaluated
    # together, one engine run for the group instead of one each.
    groups: list[tuple[set[str], dict[str, str]]] = []  # (processes, the measure left out of each)
    for measure in planned_measures(baseline):
        code = measure["codice"]
        kept, treated = [], set()
        for p in measure["processi"]:
            _, linked, planned = process_measures(p)
            if kept_without(method, planned, linked, code, known):
                kept.append(kept_row(p))
            else:
                treated.add(p)
        without[code] = {"processi": kept}
        if not treated:
            continue
        group = next((g for g in groups if g[0].isdisjoint(treated)), None)
        if group is None:
            group = (set(), {})
            groups.append(group)
        group[0].update(treated)
        group[1].update(dict.fromkeys(treated, code))
    changes = [({p: [m for m in process_measures(p)[0] if m != left_out[p]] for p in processes}, left_out)
               for processes, left_out in groups]
    count = shards.sharded(sum(len(processes) for processes, _ in groups))
    if count:  # the groups' processes in shards, by worker processes: the same rows in the same order
        rows = iter(shards.residuals_in_shards(cg, method, assessment, runner, [c for c, _ in changes], count))
        for changed, left_out in changes:
            for _ in changed:
                code, assessed, rischio, livello = next(rows)
                without[left_out[code]]["processi"].append(
                    {"codice": code, "valutato": assessed, "residuo_programmato": {"rischio": rischio,
                                                                                 "livello": livello}})
        return rank(baseline, without)
    for changed, left_out in changes:
        for ev in evaluate(cg, method, assessment, runner, changed, only=set(changed)):
            without[left_out[ev.code]]["processi"].append(
                {"codice": ev.code, "valutato": ev.scoring is not None,
                 "residuo_programmato": {
                     "rischio": decimal_text(ev.scoring.residuo_programmato.rischio)
                     if ev.scoring and ev.scoring.residuo_programmato.rischio is not None else None,
                     "livello": ev.scoring.residuo_programmato.livello if ev.scoring else None}})
    return rank(baseline, without)
