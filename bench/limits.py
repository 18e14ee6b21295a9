"""Each stage of ``assess`` beside the bare minimum of its work, on the same data, in one process.

    python bench/limits.py bench/work/M [--machine]

The distance between a stage and the least work that gives the same output says where time can
still be won (issue 18). CPU seconds (``time.process_time``; the median of three fresh processes) of
each, and their ratio:

- YAML → data: ``load_yaml`` of every catalogue file / libyaml's events over the same bytes, nothing built;
- load + validate (cold): ``load_catalog`` / unpickling that validated catalogue;
- linked catalogue (warm): ``riskengine.graph.cache.linked`` from a warm cache (file digests, signature
  check, unpickle) / unpickling the same graph and findings;
- graph + integrity + process facts: ``build_graph`` + ``check_integrity`` (positions read for the findings)
  + ``queries.process_facts``, what ``linked`` builds and stores / a dict index of the same nodes and links
  with the same reference and duplicate checks (the defects counted are compared; the other integrity rules
  are queries on that index, not timed);
- evaluate: ``evaluate`` on durable-rules, on the linked catalogue as the cache gives it (its process facts
  worked out) / a direct loop with the same exact decimal arithmetic
  (``aggregate``, ``rounded``, band rows, residual conventions) on facts gathered beforehand; the
  scores, levels and residuals of every process are compared (policies are not in the loop);
- result JSON: ``write_json`` (streamed) / ``orjson.dumps`` of the whole result with the same
  options, written at once; the bytes are compared.

Only numeric methods assessed per process (the benchmark's ``cciaa-torino-2022``) are supported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import pickle
import statistics
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent


# Each timing is the median of this many fresh processes: one run of a sub-second stage moves by ±40% on a busy
# machine. Fresh ones, because a stage run again in the same process is warm (the method's plan remembers the answer
# patterns it scored, imports are done), while the pipeline runs each once.
REPEAT = 3


def _cpu(fn: Any) -> tuple[float, Any]:
    start = time.process_time()
    value = fn()
    return time.process_time() - start, value


def catalogue_entry(cache: Path) -> bytes:
    """The pickled linked catalogue in a cache directory, without its signature: the entry named by its key,
    not one of the files' position indexes (``posizioni-*.bin``) stored beside it."""
    (entry,) = (cache / "cataloghi").glob("[0-9a-f]*.bin")
    return entry.read_bytes()[32:]


def _row(stage: str, project: float, bare_text: str, bare: float | None, **extra: Any) -> dict:
    ratio = round(project / bare, 1) if bare else None
    return {"stage": stage, "project_s": round(project, 4), "bare": bare_text,
            "bare_s": None if bare is None else round(bare, 4), "ratio": ratio, **extra}


def yaml_events(paths: list[Path]) -> int:
    """Read each file and let libyaml scan and parse it into events: the least any YAML loader does."""
    import yaml

    count = 0
    for path in paths:
        for _ in yaml.parse(path.read_bytes(), Loader=yaml.CSafeLoader):
            count += 1
    return count


def dict_index(cat: Any) -> tuple[dict, int]:
    """The catalogue's nodes and links in plain dicts, with the graph builder's reference and duplicate checks.

    Returns the successor lists by node and the number of defects (dangling references, duplicate codes).
    """
    from riskengine.graph.build import walk_processes

    succ: dict[str, list[tuple[str, str]]] = {}
    defects = 0

    def add(node: str) -> bool:
        nonlocal defects
        if node in succ:
            defects += 1
            return False
        succ[node] = []
        return True

    primary = cat.areas.tassonomia_principale
    taxonomies = {t.codice for t in cat.areas.tassonomie}
    defects += primary not in taxonomies
    areas: dict[str, str] = {}
    for area in cat.areas.aree:
        node = f"area:{area.ref}"
        if add(node):
            areas[area.ref] = node
        defects += area.tassonomia not in taxonomies

    def area_of(ref: str) -> str | None:
        return areas.get(ref if ":" in ref else f"{primary}:{ref}")

    for link in cat.areas.corrispondenze:
        ends = [area_of(link.da), area_of(link.a)]
        defects += sum(e is None for e in ends)
        if None not in ends:
            succ[ends[0]].append((ends[1], "crosswalk"))
    parties: dict[str, str] = {}
    for kind, items in (("unit", cat.units.unita), ("role", cat.units.ruoli)):
        for item in items:
            node = f"{kind}:{item.codice}"
            if add(node):
                parties.setdefault(item.codice, node)
                parties.setdefault(item.nome, node)
    for kind, items, key in (("unit", cat.units.unita, "padre"), ("role", cat.units.ruoli, "unita")):
        for item in items:
            ref = getattr(item, key)
            if ref is not None:
                target = parties.get(ref)
                if target is None or not target.startswith("unit:"):
                    defects += 1
                else:
                    succ[f"{kind}:{item.codice}"].append((target, "part-of"))
    for factor in cat.factors.fattori:
        add(f"factor:{factor.codice}")
    items: dict[str, str] = {}
    for kind, obj, _, parent in walk_processes(cat.processes.processi):
        node = f"{kind}:{obj.codice}"
        if not add(node):
            continue
        items[obj.codice] = node
        if parent is not None:
            succ[node].append((items[parent], "threatens" if kind == "event" else "part-of"))
        if kind == "process":
            for ref in obj.aree:
                target = area_of(ref)
                if target is None:
                    defects += 1
                else:
                    succ[node].append((target, "in-area"))
            if obj.unita is not None:
                owner = parties.get(obj.unita)
                if owner is None:
                    defects += 1
                else:
                    succ[node].append((owner, "owned-by"))
        elif kind == "event":
            for ref in obj.fattori:
                if f"factor:{ref}" in succ:
                    succ[node].append((f"factor:{ref}", "enabled-by"))
                else:
                    defects += 1
    for misura in cat.measures.misure:
        node = f"measure:{misura.codice}"
        if not add(node):
            continue
        leads = ([misura.responsabile] if misura.responsabile is not None else []) + list(misura.responsabili)
        for rel, refs in (("responsible-for", leads), ("supports", misura.supporto)):
            for ref in refs:
                party = parties.get(ref)
                if party is None:
                    defects += 1
                else:
                    succ[party].append((node, rel))
        for ref in misura.tratta.aree:
            target = area_of(ref)
            if target is None:
                defects += 1
            else:
                succ[target].append((node, "treated-by"))
        for key, kinds in (("processi", ("process", "phase")), ("eventi", ("event",))):
            for ref in getattr(misura.tratta, key):
                target = items.get(ref)
                if target is None or target.split(":", 1)[0] not in kinds:
                    defects += 1
                else:
                    succ[target].append((node, "treated-by"))
    for obbligo in (cat.transparency.obblighi if cat.transparency else []):
        node = f"obligation:{obbligo.codice}"
        if not add(node):
            continue
        for key, rel in (("trasmissione", "transmits"), ("pubblicazione", "publishes")):
            ref = getattr(obbligo, key)
            if ref is not None:
                party = parties.get(ref)
                if party is None:
                    defects += 1
                else:
                    succ[party].append((node, rel))
    return succ, defects


def gather_facts(cg: Any, method: Any, assessment: Any) -> list[tuple]:
    """Per assessed process: (code, answers, band table, variant tables, planned and implemented efficacies)."""
    from riskengine.evaluate.evaluation import residual_measures
    from riskengine.evaluate.residual import efficacy
    from riskengine.graph import queries as q

    if method.model.valutazione.livello != "processo" or not method.numeric:
        raise SystemExit("bench/limits.py: only numeric methods assessed per process are supported")
    states = {}
    for node in cg.nodes_of("measure"):
        misura = cg.obj(node)
        found = assessment.monitoring.get(misura.codice)
        states[misura.codice] = found.stato if found else misura.stato
    facts = []
    for node in cg.nodes_of("process"):
        code = cg.code(node)
        answers = assessment.answers.get(code)
        if answers is None:
            continue
        linked = [cg.obj(m) for m in q.measures_of(cg, node)]
        planned, implemented = residual_measures(method, linked, states)
        area_codes = q.primary_area(cg, node)[2]
        variants = {v.codice: method.variant_table(v.codice, area_codes) for v in method.model.combinazione.varianti}
        facts.append((code, answers.options, method.band_table_for(area_codes), variants,
                      [efficacy(method, m) for m in planned], [efficacy(method, m) for m in implemented],
                      answers.giudizio.residuo is not None))
    return facts


def direct_loop(method: Any, facts: list[tuple]) -> dict[str, tuple]:
    """Scores, levels and residuals of every process: the method's exact arithmetic and nothing else."""
    from riskengine.evaluate.items import rounded
    from riskengine.method.arithmetic import aggregate, round_to

    dims = method.model.dimensioni
    by_dim = {d: [i.codice for i in method.indicators(d)] for d in ("probabilita", "impatto")}
    weights = {d: [i.peso or Decimal(0) for i in method.indicators(d)] for d in by_dim}
    operator = {"probabilita": dims.probabilita.aggregazione, "impatto": dims.impatto.aggregazione}
    convention = method.model.residuo.metodo
    digits, mode = method.rounding("rischio")
    variants = method.model.combinazione.varianti

    def dimension(d: str, op: str, options: dict) -> tuple[Decimal, Decimal]:
        values = [options[c].valore for c in by_dim[d]]
        value, shown, _ = rounded(method, aggregate(op, values, weights[d] if op == "media-ponderata" else None), d)
        return value, shown

    def level(table: Any, value: Decimal) -> str:
        steps = int(value.scaleb(table.digits))
        for row in table.rows:
            if row.lo <= steps <= row.hi:
                return row.level
        raise AssertionError(f"no band row for {value}")

    def residual(inherent: Decimal, efficacies: list[Decimal]) -> Decimal:
        result = inherent
        if convention == "efficacia-migliore" and efficacies:
            result = inherent * (1 - max(efficacies))
        elif convention == "efficacia-prodotto":
            for e in efficacies:
                result *= 1 - e
        return min(round_to(result, digits, mode), inherent)

    out = {}
    for code, options, table, variant_tables, planned, implemented, rerated in facts:
        p, _ = dimension("probabilita", operator["probabilita"], options)
        i, _ = dimension("impatto", operator["impatto"], options)
        risk = rounded(method, p * i, "rischio")[0]
        levels = {}
        for v in variants:
            vp, _ = dimension("probabilita", v.probabilita, options)
            vi, _ = dimension("impatto", v.impatto, options)
            value = rounded(method, vp * vi, "variante", v.codice)[0]
            levels[v.codice] = (value, level(variant_tables[v.codice], value) if variant_tables[v.codice] else None)
        planned_risk, monitored_risk = residual(risk, planned), residual(risk, implemented)
        out[code] = (risk, level(table, risk), None if rerated else (planned_risk, level(table, planned_risk)),
                     (monitored_risk, level(table, monitored_risk)), levels)
    return out


def same_scores(evaluations: list[Any], direct: dict[str, tuple]) -> int:
    """How many assessed processes the direct loop scores differently from ``evaluate``."""
    differ = 0
    for ev in evaluations:
        if ev.scoring is None:
            continue
        s = ev.scoring
        risk, lvl, planned, monitored, variants = direct[ev.code]
        mine = (s.inerente.rischio, s.inerente.livello, None if planned is None else
                (s.residuo_programmato.rischio, s.residuo_programmato.livello),
                (s.residuo_monitorato.rischio, s.residuo_monitorato.livello),
                {c: (s.score.varianti[c], s.varianti[c].livello if c in s.varianti else None) for c in s.score.varianti})
        differ += mine != (risk, lvl, planned, monitored, variants)
    return differ


def run(catalog: Path) -> dict:
    import orjson

    from riskengine import gcpause
    from riskengine.answers.load import load_assessment
    from riskengine.catalog import load_catalog
    from riskengine.catalog.models import CATALOG_FILES
    from riskengine.evaluate.evaluation import evaluate
    from riskengine.graph import build_graph, check_integrity
    from riskengine.graph import queries as q
    from riskengine.method.load import load_method
    from riskengine.pipeline import assessment_path, backend_for, find_method_dir
    from riskengine.result.build import build_result
    from riskengine.result.writer import write_json
    from riskengine.source.document import load_yaml

    rows = []
    with gcpause.paused():
        paths = [catalog / n for n in CATALOG_FILES if (catalog / n).exists()]
        project, _ = _cpu(lambda: [load_yaml(p, within=catalog) for p in paths])
        bare, _ = _cpu(lambda: yaml_events(paths))
        rows.append(_row("YAML → data", project, "libyaml events only", bare))

        project, cat = _cpu(lambda: load_catalog(catalog))
        frozen = pickle.dumps(cat, protocol=pickle.HIGHEST_PROTOCOL)
        bare, _ = _cpu(lambda: pickle.loads(frozen))
        rows.append(_row("load + validate the catalogue (cold)", project, "unpickling the validated catalogue", bare))

        def link() -> tuple:  # as riskengine.graph.cache.linked builds what it stores
            cg = build_graph(cat)
            integrity = check_integrity(cg)
            q.process_facts(cg)
            return cg, integrity
        project, (cg, integrity) = _cpu(link)
        bare, (_, defects) = _cpu(lambda: dict_index(cat))
        rows.append(_row("graph + integrity + process facts", project,
                         "dict index, same reference and duplicate checks", bare,
                         same_defects=defects == len(cg.defects)))

        with tempfile.TemporaryDirectory() as cache:
            os.environ["RISKENGINE_CACHE_DIR"] = cache
            from riskengine.graph.cache import linked

            linked(catalog)  # fills the cache
            project, _ = _cpu(lambda: linked(catalog))
            entry = catalogue_entry(Path(cache))
            bare, _ = _cpu(lambda: pickle.loads(entry))
            rows.append(_row("linked catalogue from the cache (warm)", project,
                             "unpickling the same graph and findings", bare))

        cat.release_positions()
        method = load_method(find_method_dir(catalog, cat.ente.metodo, REPO / "rules"))
        runner = backend_for(method, "durable")
        assessment = load_assessment(assessment_path(cg, None), cg, method)
        # as the pipeline runs it: in the pause, each engine run freeing the cycles it makes (timed with it)
        project, evaluations = _cpu(lambda: evaluate(cg, method, assessment, runner))
        facts = gather_facts(cg, method, assessment)
        bare, direct = _cpu(lambda: direct_loop(method, facts))
        differ = same_scores(evaluations, direct)
        rows.append(_row("evaluate", project, "direct loop, same exact arithmetic (no policies)", bare,
                         processes_differing=differ))
        result = build_result(cg, method, assessment, evaluations, integrity, runner.name)
    with tempfile.TemporaryDirectory() as out:
        streamed, whole = Path(out) / "streamed.json", Path(out) / "whole.json"
        project, _ = _cpu(lambda: write_json(result, streamed))
        options = orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS
        bare, _ = _cpu(lambda: whole.write_bytes(orjson.dumps(result, option=options) + b"\n"))
        rows.append(_row("result JSON", project, "orjson of the whole result, same options", bare,
                         identical=streamed.read_bytes() == whole.read_bytes()))
    return {"catalog": str(catalog), "date": dt.date.today().isoformat(), "rows": rows}


def _median_of_passes(catalog: Path) -> dict:
    """``REPEAT`` passes of :func:`run`, each in a fresh process, as one report: each row's median times (its
    ratio from them) and its checks (a check that differs between passes shows every pass's value)."""
    import subprocess

    passes = []
    for _ in range(REPEAT):
        done = subprocess.run([sys.executable, __file__, str(catalog), "--machine", "--once"],
                              capture_output=True, text=True, env=os.environ)
        if done.returncode:
            raise SystemExit(f"limits.py: a measuring pass failed:\n{done.stderr}")
        passes.append(json.loads(done.stdout.splitlines()[-1]))
    rows = []
    for same in zip(*(p["rows"] for p in passes), strict=True):
        first = same[0]
        extra = {}
        for key in first.keys() - {"stage", "project_s", "bare", "bare_s", "ratio"}:
            values = [row[key] for row in same]
            extra[key] = values[0] if all(v == values[0] for v in values) else values
        bare = None if first["bare_s"] is None else statistics.median(row["bare_s"] for row in same)
        rows.append(_row(first["stage"], statistics.median(row["project_s"] for row in same), first["bare"],
                         bare, **extra))
    return {**passes[0], "rows": rows, "passes": REPEAT}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalog", type=Path)
    parser.add_argument("--machine", action="store_true", help="print the report as one JSON line")
    parser.add_argument("--once", action="store_true", help="one measuring pass in this process (see REPEAT)")
    args = parser.parse_args(argv)
    report = run(args.catalog) if args.once else _median_of_passes(args.catalog)
    if args.machine:
        print(json.dumps(report))
        return 0
    print(f"{'stage':<40} {'project s':>10} {'bare s':>10} {'ratio':>6}  bare minimum")
    for row in report["rows"]:
        checks = {k: v for k, v in row.items() if k not in ("stage", "project_s", "bare", "bare_s", "ratio")}
        print(f"{row['stage']:<40} {row['project_s']:>10.3f} {row['bare_s'] or 0:>10.3f} {row['ratio'] or 0:>6.1f}  "
              f"{row['bare']}" + (f"  {checks}" if checks else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
