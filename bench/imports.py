"""The floor of a command's start-up: the modules it imports, imported, and nothing else run.

    python bench/imports.py record MODULES.json -- check CATALOG --rules rules   # run the command once, in this
                                                                               # process: record what it imported
    python bench/imports.py load MODULES.json                                  # import those modules, in order

`bench/run.py` times the second form as the `imports` step beside `check`: the part of `check`'s wall time
that no change to riskengine's own work can remove while the command imports these modules (pydantic and the
models built on it, typer's parameter adapters, durable-rules; networkx only in a cold run, which links the
catalogue: `bench/run.py` records a warm run). It prints how many of the recorded modules are loaded at its
end, so that a floor missing part of the imports shows.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import runpy
import sys
from pathlib import Path


def record(target: Path, args: list[str]) -> None:
    """Run ``riskengine ARGS`` here, its output discarded, and write the modules it imported, in import order;
    exit non-zero when it did not complete (0, or 1 for check's findings) or did not assess the catalogue."""
    before = set(sys.modules)
    sys.argv = ["riskengine", *args]
    output = io.StringIO()
    code: object = 0
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            runpy.run_module("riskengine", run_name="__main__")
        except SystemExit as exc:
            code = exc.code
    if code not in (0, 1, None):
        sys.exit(f"riskengine {' '.join(args)} exited with {code}:\n{output.getvalue()[-2000:]}")
    imported = [name for name in sys.modules if name not in before and name != "__main__"]
    if "riskengine.evaluate.evaluation" not in imported:  # exit 1 is also a catalogue refused before assessing it
        sys.exit(f"riskengine {' '.join(args)} did not assess the catalogue (its floor would be too low):\n"
                 f"{output.getvalue()[-2000:]}")
    target.write_text(json.dumps(imported, indent=1) + "\n", encoding="utf-8")
    print(f"{len(imported)} modules imported by riskengine {' '.join(args)}")


def load(source: Path) -> None:
    """Import the recorded modules in the order they were imported; say how many are loaded at the end."""
    names = json.loads(source.read_text(encoding="utf-8"))
    for name in names:
        # a module only its package can make (a lazily added attribute module, a C submodule) comes with it
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    loaded = sum(name in sys.modules for name in names)
    print(f"{loaded} of {len(names)} recorded modules loaded")


def main() -> None:
    if len(sys.argv) >= 4 and sys.argv[1] == "record" and sys.argv[3] == "--":
        record(Path(sys.argv[2]), sys.argv[4:])
    elif len(sys.argv) == 3 and sys.argv[1] == "load":
        load(Path(sys.argv[2]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
