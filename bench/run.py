"""Benchmarks from one chamber to national scale (issue 5).

    python bench/run.py --size S                 # one chamber; under 2 minutes
    python bench/run.py --size S,K,M,L           # the combined run whose results are committed
    python bench/run.py --size M --repeat 5

Every CLI timing is a fresh subprocess (start-up counts), its wall-clock time measured here and its
peak resident memory read from the kernel for that process alone (``os.wait4``). Each step runs
``--repeat`` times (slow steps: see ``SLOW``) and the median is reported. Catalogues are generated
by ``bench/generate.py`` into ``bench/work/<size>/`` when missing. Results go to
``bench/results/<date>-<sizes>.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "work"
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE))

import generate  # noqa: E402

# The steps measured at each size. K exists for the PDF case (1,000 processes).
STEPS = {
    "S": ["startup", "check", "assess", "interpreter", "html", "xlsx", "pdf"],
    "K": ["assess", "html", "xlsx", "pdf"],
    "M": ["check", "assess", "interpreter", "html", "xlsx"],
    "L": ["check", "assess", "interpreter"],
}
SLOW = {"pdf"}            # run once whatever --repeat says
DEFAULT_REPEAT = {"S": 3, "K": 1, "M": 3, "L": 1}
MAX_FILE_MB = "1024"      # RISKENGINE_MAX_FILE_MB for M and L: their YAML files exceed the 20 MB default
DESCRIPTIONS = {
    "startup": "riskengine --help (CLI start-up)",
    "check": "riskengine check (load, validate, link, integrity, method, assessment)",
    "assess": "riskengine assess --format json (durable-rules engine, no rendering)",
    "interpreter": "riskengine assess --engine interpreter --format json (no engine: the reference)",
    "html": "riskengine report risultato.json --format html (annex + one sheet per process)",
    "xlsx": "riskengine report risultato.json --format xlsx",
    "pdf": "riskengine report risultato.json --format pdf (WeasyPrint, PDF/A-3b)",
}


def riskengine_cmd() -> list[str]:
    script = Path(sys.executable).parent / "riskengine"
    return [str(script)] if script.exists() else [sys.executable, "-m", "riskengine"]


def step_command(step: str, catalog: Path, out: Path) -> list[str]:
    cli = riskengine_cmd()
    rules = ["--rules", str(REPO / "rules")]
    result = out.parent / "assess" / "risultato.json"
    return {
        "startup": cli + ["--help"],
        "check": cli + ["check", str(catalog), "-q"] + rules,
        "assess": cli + ["assess", str(catalog), "--out", str(out), "--format", "json", "-q"] + rules,
        "interpreter": cli + ["assess", str(catalog), "--out", str(out), "--format", "json", "-q",
                              "--engine", "interpreter"] + rules,
        "html": cli + ["report", str(result), "--out", str(out), "--format", "html", "-q"],
        "xlsx": cli + ["report", str(result), "--out", str(out), "--format", "xlsx", "-q"],
        "pdf": cli + ["report", str(result), "--out", str(out), "--format", "pdf", "-q"],
    }[step]


def run_once(cmd: list[str], env: dict, timeout: float, log: Path) -> dict:
    """Run ``cmd`` once: wall and CPU seconds (user + system of the child), peak RSS (MB), exit code, timeout flag.

    CPU time is what to compare across runs on a busy machine: wall time also counts waiting for a core.
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "wb") as handle:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=handle, stderr=subprocess.STDOUT, env=env, cwd=REPO,
                                start_new_session=True)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    rss_kb = usage.ru_maxrss / (1024 if sys.platform == "darwin" else 1)
    return {"seconds": round(seconds, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
            "peak_mb": round(rss_kb / 1024, 1), "exit": proc.returncode, "timed_out": timed_out.is_set()}


def ensure_catalog(size: str) -> tuple[Path, dict]:
    """The catalogue of ``size`` (generated when missing or generated with other parameters)."""
    catalog = WORK / size
    info_path = catalog / "generated.json"
    spec = generate.SIZES[size]
    if info_path.exists():
        info = json.loads(info_path.read_text())
        if info.get("seed") == generate.SEED and info.get("processes") == spec.processes:
            return catalog, info
    start = time.perf_counter()
    info = generate.generate(size)
    info["generation_seconds"] = round(time.perf_counter() - start, 2)
    info_path.write_text(json.dumps(info, indent=2) + "\n")
    return catalog, info


def measure_stages(catalog: Path, env: dict, timeout: float, out_root: Path, info: dict) -> dict:
    """In-process time of each stage of assess (bench/stages.py), once; the result written streamed."""
    cmd = [sys.executable, str(HERE / "stages.py"), str(catalog), "--machine", "--json", "stream"]
    log = out_root / "logs" / "stages.log"
    result = run_once(cmd, env, timeout, log)
    if result["timed_out"] or result["exit"]:
        return {"failed": "timed out" if result["timed_out"] else f"exit {result['exit']}", "partial_s": result["seconds"]}
    data = json.loads(log.read_text().strip().splitlines()[-1])
    pipeline = data["stages_s"]["pipeline"]
    data["pipeline_events_per_s"] = round(info["risk_events"] / pipeline) if pipeline else None
    print(f"  {catalog.name} stages: " + ", ".join(f"{k} {v:.2f}" for k, v in data["stages_s"].items()), flush=True)
    return data


def measure_size(size: str, repeat: int, timeout: float, pdf_timeout: float, steps: list[str] | None,
                 with_stages: bool = True) -> dict:
    catalog, info = ensure_catalog(size)
    env = dict(os.environ)
    env.pop("RISKENGINE_MAX_FILE_MB", None)
    if size in ("M", "L"):
        env["RISKENGINE_MAX_FILE_MB"] = MAX_FILE_MB
    out_root = WORK / "out" / size
    report: dict = {"catalog": info, "env": {k: env[k] for k in ("RISKENGINE_MAX_FILE_MB",) if k in env},
                    "steps": {}}
    for step in steps or STEPS[size]:
        if step in ("html", "xlsx", "pdf") and not (out_root / "assess" / "risultato.json").exists():
            report["steps"][step] = {"skipped": "no result JSON (run the assess step first)"}
            continue
        runs = []
        n = 1 if step in SLOW else repeat
        limit = pdf_timeout if step == "pdf" else timeout
        for k in range(n):
            out = out_root / step
            if step != "startup":
                shutil.rmtree(out, ignore_errors=True)
            result = run_once(step_command(step, catalog, out), env, limit, out_root / "logs" / f"{step}-{k + 1}.log")
            runs.append(result)
            print(f"  {size} {step:<12} run {k + 1}/{n}: {result['seconds']:8.2f} s  cpu {result['cpu_s']:8.2f} s  "
                  f"{result['peak_mb']:8.1f} MB"
                  + ("  TIMED OUT" if result["timed_out"] else "") + (f"  exit {result['exit']}" if result["exit"] else ""),
                  flush=True)
            if result["timed_out"] or result["exit"]:
                break
        ok = [r for r in runs if not r["timed_out"] and r["exit"] == 0]
        entry = {"runs": runs, "description": DESCRIPTIONS[step]}
        if ok:
            entry["median_s"] = round(statistics.median(r["seconds"] for r in ok), 3)
            entry["median_cpu_s"] = round(statistics.median(r["cpu_s"] for r in ok), 3)
            entry["peak_mb"] = max(r["peak_mb"] for r in ok)
        else:
            entry["failed"] = "timed out" if runs[-1]["timed_out"] else f"exit {runs[-1]['exit']}"
            entry["partial_s"] = runs[-1]["seconds"]
            entry["peak_mb"] = runs[-1]["peak_mb"]
        report["steps"][step] = entry
    if with_stages:
        report["stages"] = measure_stages(catalog, env, timeout, out_root, info)
    assess = report["steps"].get("assess", {})
    if "median_s" in assess:
        report["risk_events_per_s"] = round(info["risk_events"] / assess["median_s"])
        report["processes_per_s"] = round(info["processes"] / assess["median_s"])
    interp = report["steps"].get("interpreter", {})
    if "median_s" in assess and "median_s" in interp:
        report["engine_overhead"] = round(assess["median_s"] / interp["median_s"], 2)
    return report


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        cpu = platform.processor() or "unknown"
    memory_gb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory_gb = round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    try:  # read-only git queries: the commit, and whether tracked files differ from it
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                                timeout=10).stdout.strip()
        changed = subprocess.run(["git", "diff", "--name-only", "HEAD", "--", "src"], cwd=REPO, capture_output=True,
                                 text=True, timeout=10).stdout.split()
        if commit and changed:
            commit += " + uncommitted changes to " + ", ".join(changed)
    except (OSError, subprocess.SubprocessError):
        commit = ""
    versions = {}
    for dist in ("durable-rules", "pydantic", "networkx", "PyYAML", "weasyprint", "openpyxl"):
        try:
            from importlib.metadata import version
            versions[dist] = version(dist)
        except Exception:
            versions[dist] = None
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": memory_gb, "python": platform.python_version(),
            "platform": platform.platform(), "commit": commit, "packages": versions}


# (size, what, target, comparison, unit)
TARGETS = [
    ("S", "CLI start-up", "startup", 0.3, "<", "s"),
    ("S", "check", "check", 0.5, "<", "s"),
    ("S", "assess", "assess", 1.0, "<", "s"),
    ("S", "HTML + XLSX", "html+xlsx", 3.0, "<", "s"),
    ("S", "PDF", "pdf", 30.0, "<", "s"),
    ("K", "PDF (1,000 processes)", "pdf", 30.0, "<", "s"),
    ("L", "assess throughput", "events_per_s", 20_000, ">=", "risk events/s"),
    ("L", "assess peak memory", "assess_peak", 2048, "<", "MB"),
    ("M→L", "assess time ratio", "ml_ratio", 12, "<=", "×"),
    ("S/M/L", "engine overhead (durable / interpreter)", "overhead", 3.0, "<=", "×"),
]


def _step(sizes: dict, size: str, step: str) -> tuple[float | None, str]:
    entry = sizes.get(size, {}).get("steps", {}).get(step)
    if not entry:
        return None, "not run"
    if "median_s" in entry:
        return entry["median_s"], ""
    if "partial_s" in entry:
        return None, f"{entry['failed']} after {entry['partial_s']:.0f} s"
    return None, entry.get("skipped", "not run")


def evaluate_targets(sizes: dict) -> list[dict]:
    rows = []
    for size, what, key, target, op, unit in TARGETS:
        value, note = None, ""
        if key in ("startup", "check", "assess", "pdf"):
            value, note = _step(sizes, size, key)
        elif key == "html+xlsx":
            h, nh = _step(sizes, size, "html")
            x, nx = _step(sizes, size, "xlsx")
            value, note = (round(h + x, 3), "") if h is not None and x is not None else (None, nh or nx)
        elif key == "events_per_s":
            value = sizes.get(size, {}).get("risk_events_per_s")
            note = "" if value is not None else _step(sizes, size, "assess")[1]
            pipeline = sizes.get(size, {}).get("stages", {}).get("pipeline_events_per_s")
            if pipeline:
                note = (note + "; " if note else "") + f"pipeline without writing the result: {pipeline:,}/s"
        elif key == "assess_peak":
            entry = sizes.get(size, {}).get("steps", {}).get("assess")
            value = entry.get("peak_mb") if entry and "median_s" in entry else None
            note = "" if value is not None else _step(sizes, size, "assess")[1]
        elif key == "ml_ratio":
            m, _ = _step(sizes, "M", "assess")
            lv, nl = _step(sizes, "L", "assess")
            value = round(lv / m, 2) if m and lv else None
            note = "" if value is not None else (nl or "needs M and L")
            sm = sizes.get("M", {}).get("stages", {}).get("stages_s", {}).get("pipeline")
            sl = sizes.get("L", {}).get("stages", {}).get("stages_s", {}).get("pipeline")
            if sm and sl:
                note = (note + "; " if note else "") + f"pipeline without writing the result: {sl / sm:.2f}"
        elif key == "overhead":
            found = {s: sizes[s]["engine_overhead"] for s in ("S", "M", "L") if "engine_overhead" in sizes.get(s, {})}
            value = max(found.values()) if found else None
            note = ", ".join(f"{s} {v}" for s, v in found.items()) if found else "needs assess and interpreter"
        if value is None and not note:
            note = "not run"
        met = None if value is None else (value < target if op == "<" else value >= target if op == ">=" else value <= target)
        partial = sizes.get(size, {}).get("steps", {}).get(key, {}).get("partial_s")
        if value is None and op == "<" and partial is not None and partial >= target:
            met = False  # stopped after more time than the target allows
        rows.append({"size": size, "what": what, "target": f"{op} {target:,} {unit}".replace(",", ","),
                     "measured": value, "unit": unit, "met": met, "note": note})
    return rows


def markdown(data: dict) -> str:
    m = data["machine"]
    lines = [f"# riskengine benchmarks — {data['date']}", "",
             f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM; Python {m['python']} "
             f"({m['platform']}); riskengine commit {m['commit'] or '?'}; durable-rules "
             f"{m['packages'].get('durable-rules')}.", "",
             f"Command: `{data['command']}`. Medians of fresh CLI subprocesses (start-up included); "
             "peak memory is the maximum resident set size of that process. "
             f"M and L runs set `RISKENGINE_MAX_FILE_MB={MAX_FILE_MB}` (their YAML files exceed the 20 MB default).", "",
             "## Targets", "", "| size | what | target | measured | met |", "|---|---|---|---|---|"]
    for row in data["targets"]:
        value = "—" if row["measured"] is None else (f"{row['measured']:,}" if isinstance(row["measured"], int)
                                                     else f"{row['measured']:,.2f}")
        unit = "" if row["measured"] is None else f" {row['unit']}"
        note = f" ({row['note']})" if row["note"] else ""
        met = {True: "yes", False: "**no**", None: "—"}[row["met"]]
        lines.append(f"| {row['size']} | {row['what']} | {row['target']} | {value}{unit}{note} | {met} |")
    lines += ["", "## Steps", "",
              "| size | processes | risk events | step | median s | median CPU s | runs | peak MB |",
              "|---|---|---|---|---|---|---|---|"]
    for size, rep in data["sizes"].items():
        cat = rep["catalog"]
        for step, entry in rep["steps"].items():
            if "median_s" in entry:
                value = f"{entry['median_s']:.2f}"
            elif "partial_s" in entry:
                value = f"> {entry['partial_s']:.0f} ({entry['failed']})"
            else:
                value = entry.get("skipped", "—")
            cpu = f"{entry['median_cpu_s']:.2f}" if "median_cpu_s" in entry else "—"
            lines.append(f"| {size} | {cat['processes']:,} | {cat['risk_events']:,} | {step} | {value} | {cpu} | "
                         f"{len(entry.get('runs', []))} | {entry.get('peak_mb', '—')} |")
    lines += ["", "## Derived", "", "| size | risk events/s (assess) | processes/s | engine overhead |", "|---|---|---|---|"]
    for size, rep in data["sizes"].items():
        lines.append(f"| {size} | {rep.get('risk_events_per_s', '—'):,} | {rep.get('processes_per_s', '—'):,} | "
                     f"{rep.get('engine_overhead', '—')} |" if "risk_events_per_s" in rep else
                     f"| {size} | — | — | {rep.get('engine_overhead', '—')} |")
    staged = {size: rep["stages"] for size, rep in data["sizes"].items() if "stages_s" in rep.get("stages", {})}
    if staged:
        names = list(next(iter(staged.values()))["stages_s"])
        lines += ["", "## Stages of assess, in one process (bench/stages.py)", "",
                  "| size | " + " | ".join(names) + " | risk events/s (pipeline) | peak MB |",
                  "|---|" + "---|" * (len(names) + 2)]
        for size, st in staged.items():
            lines.append(f"| {size} | " + " | ".join(f"{st['stages_s'].get(n, 0):.2f}" for n in names)
                         + f" | {st.get('pipeline_events_per_s') or '—':,} | {st['peak_mb']:.0f} |")
        lines += ["", "`pipeline` = load … result (everything but writing the file); `json_stream` = the result file "
                  "written by `riskengine.result.build.write_json` (streamed, same bytes as the CLI's)."]
    if data.get("ml_ratio") is not None:
        lines += ["", f"M → L assess time ratio: {data['ml_ratio']} (10× the processes)."]
    lines += ["", "Steps: " + "; ".join(f"`{k}` = {v}" for k, v in DESCRIPTIONS.items()) + "."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="riskengine benchmarks (issue 5)")
    parser.add_argument("--size", default="S", help="S, K, M, L or a comma-separated list (e.g. S,K,M,L)")
    parser.add_argument("--repeat", type=int, help="runs per step (default: S 3, K 1, M 3, L 1; PDF always 1)")
    parser.add_argument("--steps", help="comma-separated subset of steps (default: all of the size)")
    parser.add_argument("--timeout", type=float, default=1200, help="seconds before a step is stopped (default 1200)")
    parser.add_argument("--pdf-timeout", type=float, help="seconds before a PDF step is stopped (default: --timeout)")
    parser.add_argument("--no-save", action="store_true", help="print only; write nothing under bench/results/")
    parser.add_argument("--no-stages", action="store_true", help="skip the in-process stage breakdown")
    args = parser.parse_args(argv)
    sizes = [s.strip().upper() for s in args.size.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in STEPS]
    if unknown:
        parser.error(f"unknown size(s): {', '.join(unknown)}; expected S, K, M, L")
    pdf_timeout = args.pdf_timeout or args.timeout
    started = time.perf_counter()
    data = {"date": dt.date.today().isoformat(), "command": "python bench/run.py " + " ".join(argv or sys.argv[1:]),
            "machine": machine(), "sizes": {}}
    for size in sizes:
        print(f"== {size}: {generate.SIZES[size].description}", flush=True)
        steps = [s.strip() for s in args.steps.split(",")] if args.steps else None
        if steps:
            steps = [s for s in steps if s in STEPS[size] or s in DESCRIPTIONS]
        data["sizes"][size] = measure_size(size, args.repeat or DEFAULT_REPEAT[size], args.timeout, pdf_timeout, steps,
                                           with_stages=not args.no_stages and size != "K")
    m = data["sizes"].get("M", {}).get("steps", {}).get("assess", {}).get("median_s")
    lv = data["sizes"].get("L", {}).get("steps", {}).get("assess", {}).get("median_s")
    data["ml_ratio"] = round(lv / m, 2) if m and lv else None
    data["targets"] = evaluate_targets(data["sizes"])
    data["total_seconds"] = round(time.perf_counter() - started, 1)
    text = markdown(data)
    print()
    print(text)
    if not args.no_save:
        RESULTS.mkdir(exist_ok=True)
        stem = RESULTS / f"{data['date']}-{'-'.join(sizes)}"
        stem.with_suffix(".json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        stem.with_suffix(".md").write_text(text, encoding="utf-8")
        print(f"written: {stem.with_suffix('.json').relative_to(REPO)}, {stem.with_suffix('.md').relative_to(REPO)}")
    print(f"total: {data['total_seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
