"""Two commands timed in alternation (A, B, A, B, …): for steps of a few hundredths of a second, such as
``riskengine --help``, whose medians in ``bench/run.py`` move by ±10% from one run to the next on a shared
machine. Alternating gives both commands the same background load at the same moments.

    python bench/interleaved.py --runs 41 -- /tmp/venv-base/bin/riskengine --help -- .venv/bin/riskengine --help

Each run's CPU time is the user + sys time of the child; one untimed run of each comes first (compiled
bytecode, caches). Prints the median and the minimum of each command and the ratios B / A.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess


def cpu_seconds(command: list[str], env: dict[str, str]) -> float:
    """The CPU time (user + sys) of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=41, help="timed runs of each command")
    parser.add_argument("commands", nargs=argparse.REMAINDER, help="-- COMMAND A -- COMMAND B")
    args = parser.parse_args()
    words = args.commands[1:] if args.commands[:1] == ["--"] else args.commands
    if "--" not in words:
        parser.error("two commands are needed: -- COMMAND A -- COMMAND B")
    cut = words.index("--")
    first, second = words[:cut], words[cut + 1:]
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: imports read compiled bytecode
    times: dict[str, list[float]] = {"A": [], "B": []}
    for command in (first, second):
        cpu_seconds(command, env)
    for _ in range(args.runs):
        times["A"].append(cpu_seconds(first, env))
        times["B"].append(cpu_seconds(second, env))
    medians = {k: statistics.median(v) for k, v in times.items()}
    minima = {k: min(v) for k, v in times.items()}
    print(f"A: {' '.join(first)}\nB: {' '.join(second)}\nruns: {args.runs} each, alternating, load {os.getloadavg()[0]:.2f}\n")
    print("| | A CPU s | B CPU s | B / A |\n|---|---|---|---|")
    print(f"| median | {medians['A']:.4f} | {medians['B']:.4f} | {medians['B'] / medians['A']:.2f} |")
    print(f"| minimum | {minima['A']:.4f} | {minima['B']:.4f} | {minima['B'] / minima['A']:.2f} |")


if __name__ == "__main__":
    main()
