"""How many processes a stage may run at once, and from what size it runs them: settings read from the environment.

The PDF's parts (``riskengine.report.pdf_parts``) and the shards of an evaluation (``riskengine.shards``) each
have a variable for the number of processes and one for the size from which they are used; both read them here,
so that they are understood the same way.
"""

from __future__ import annotations

import os


def cores(variable: str) -> int:
    """The processes to use: the positive integer in ``variable``, else the cores this process may use."""
    configured = os.environ.get(variable, "").strip()
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def size_from(variable: str, default: int) -> int:
    """From what size a stage runs in several processes: the integer in ``variable`` (0: never), else ``default``."""
    configured = os.environ.get(variable, "").strip()
    return int(configured) if configured.isdigit() else default
