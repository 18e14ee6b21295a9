"""Compare two results files of bench/run.py step by step: CPU and wall medians, peak memory, ratios.

    python bench/compare.py bench/results/BEFORE.json bench/results/AFTER.json [--limit 1.10]

Prints a Markdown table (after / before for each figure) and exits 1 when a step's CPU median grew
by more than ``--limit`` (default 1.10: no step more than 10% slower).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _ratio(after: float | None, before: float | None) -> str:
    return f"{after / before:.2f}" if after is not None and before else "—"


def compare(before: dict, after: dict, limit: float) -> tuple[list[str], list[str]]:
    """Table lines and the steps whose CPU median grew past ``limit``."""
    lines = ["| size | step | CPU s before | CPU s after | CPU ratio | wall s before | wall s after | wall ratio "
             "| peak MB before | peak MB after |", "|---|---|---|---|---|---|---|---|---|---|"]
    slower = []
    for size in sorted(set(before["sizes"]) & set(after["sizes"])):
        steps_b, steps_a = before["sizes"][size]["steps"], after["sizes"][size]["steps"]
        for step in [s for s in steps_a if s in steps_b]:
            b, a = steps_b[step], steps_a[step]
            cpu_b, cpu_a = b.get("median_cpu_s"), a.get("median_cpu_s")
            lines.append(f"| {size} | {step} | {cpu_b or '—'} | {cpu_a or '—'} | {_ratio(cpu_a, cpu_b)} | "
                         f"{b.get('median_s', '—')} | {a.get('median_s', '—')} | "
                         f"{_ratio(a.get('median_s'), b.get('median_s'))} | {b.get('peak_mb', '—')} | "
                         f"{a.get('peak_mb', '—')} |")
            if cpu_a is not None and cpu_b and cpu_a / cpu_b > limit:
                slower.append(f"{size} {step}: CPU {cpu_b} s -> {cpu_a} s")
    return lines, slower


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--limit", type=float, default=1.10, help="largest accepted CPU ratio (default 1.10)")
    args = parser.parse_args()
    lines, slower = compare(json.loads(args.before.read_text()), json.loads(args.after.read_text()), args.limit)
    print("\n".join(lines))
    for line in slower:
        print(f"slower than {args.limit:.2f}x: {line}", file=sys.stderr)
    return 1 if slower else 0


if __name__ == "__main__":
    sys.exit(main())
