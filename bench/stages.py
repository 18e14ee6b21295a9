"""Time each stage of ``assess`` in one process (what limits the end-to-end figures).

    python bench/stages.py bench/work/M [--engine durable|interpreter] [--json]

Stages: load (YAML + validation), graph (link), integrity, method, assessment (load answers),
evaluate (scores, bands, policies on the engine), result (plain data), ranking (the planned measures
re-evaluated one by one, as ``assess`` does), then the result file:
``json_report`` the way ``riskengine assess --format json`` writes it today (report.write_annex),
or ``json_stream`` with ``riskengine.result.writer.write_json`` (same bytes, streamed; ``--json``). Peak
memory is the process's maximum resident set size at the end. Each stage is timed in wall and in CPU
seconds (``stages_s``, ``stages_cpu_s``).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run(catalog: Path, engine: str, writers: tuple[str, ...] = ("stream",)) -> dict:
    from riskengine import gcpause
    from riskengine.answers.load import load_assessment
    from riskengine.catalog import load_catalog
    from riskengine.evaluate.evaluation import evaluate
    from riskengine.graph import build_graph, check_integrity
    from riskengine.method.load import load_method
    from riskengine.pipeline import _ranking, assessment_path, backend_for, find_method_dir
    from riskengine.report import write_annex
    from riskengine.result.build import build_result
    from riskengine.result.writer import write_json

    times: dict[str, float] = {}
    cpu: dict[str, float] = {}  # CPU seconds of each stage (compare across runs on a busy machine)
    cpu_start = [time.process_time()]

    def lap(name: str, start: float) -> float:
        now = time.perf_counter()
        times[name] = round(now - start, 3)
        cpu_now = time.process_time()
        cpu[name] = round(cpu_now - cpu_start[0], 3)
        cpu_start[0] = cpu_now
        return now

    t = time.perf_counter()
    with gcpause.paused():  # as riskengine.pipeline.assess does
        catalog_obj = load_catalog(catalog)
        t = lap("load", t)
        cg = build_graph(catalog_obj)
        t = lap("graph", t)
        integrity = check_integrity(cg)
        catalog_obj.release_positions()
        t = lap("integrity", t)
        method = load_method(find_method_dir(cg.catalog.root, cg.catalog.ente.metodo, REPO / "rules"))
        runner = backend_for(method, engine)
        t = lap("method", t)
        assessment = load_assessment(assessment_path(cg, None), cg, method)
        if assessment.document is not None:
            assessment.document.release_positions()
        t = lap("assessment", t)
        evaluations = evaluate(cg, method, assessment, runner)  # each engine run frees its own cycles
        t = lap("evaluate", t)
        result = build_result(cg, method, assessment, evaluations, integrity, runner.name)
        t = lap("result", t)
        _ranking((cg, integrity, method, assessment, runner), result)  # assess ranks the planned measures
    t = lap("ranking", t)
    times["pipeline"] = round(sum(times.values()), 3)
    cpu["pipeline"] = round(sum(cpu.values()), 3)
    with tempfile.TemporaryDirectory() as tmp:
        if "stream" in writers:
            t, cpu_start[0] = time.perf_counter(), time.process_time()
            write_json(result, Path(tmp) / "risultato.json")
            lap("json_stream", t)
        if "report" in writers:
            t, cpu_start[0] = time.perf_counter(), time.process_time()
            write_annex(result, Path(tmp) / "out", formats=("json",))
            lap("json_report", t)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"engine": engine, "stages_s": times, "stages_cpu_s": cpu, "peak_mb": round(peak, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("catalog", type=Path)
    parser.add_argument("--engine", default="durable", choices=("durable", "interpreter"))
    parser.add_argument("--json", default="stream", help="result writers to time: stream, report, both, none")
    parser.add_argument("--machine", action="store_true", help="print the report as one JSON line")
    args = parser.parse_args(argv)
    writers = {"both": ("stream", "report"), "none": ()}.get(args.json, (args.json,))
    report = run(args.catalog, args.engine, writers)
    if args.machine:
        print(json.dumps(report))
    else:
        for name, seconds in report["stages_s"].items():
            print(f"{name:<12} {seconds:8.2f} s  CPU {report['stages_cpu_s'][name]:8.2f} s")
        print(f"peak memory  {report['peak_mb']:8.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
