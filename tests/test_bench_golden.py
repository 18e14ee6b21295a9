"""The benchmark's S catalogue assessed through the CLI gives the recorded result, byte for byte.

tests/golden/bench/S-risultato.sha256 was recorded before the performance work of issue 18, and
recorded again only when the NON-VALUTATO finding gained its arguments and catalogue wording: every
optimisation (the cache of linked catalogues, the result writer, the evaluation path) keeps it. The
run is repeated on a warm cache, whose entry must give the same bytes as the cold run.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden" / "bench" / "S-risultato.sha256"


def _assess(catalog: Path, out: Path, cache: Path) -> str:
    env = dict(os.environ, RISKENGINE_CACHE_DIR=str(cache))
    done = subprocess.run([sys.executable, "-m", "riskengine", "assess", str(catalog), "--out", str(out),
                           "--format", "json", "-q", "--rules", str(REPO / "rules")],
                          capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode in (0, 3), done.stderr  # 3: the annex is a draft (the catalogue has error findings)
    return hashlib.sha256((out / "risultato.json").read_bytes()).hexdigest()


def test_s_result_is_the_recorded_one_cold_and_warm(bench_s, tmp_path, update_golden):
    cache = tmp_path / "cache"
    cold = _assess(bench_s, tmp_path / "cold", cache)
    assert len(list((cache / "cataloghi").glob("[0-9a-f]*.bin"))) == 1  # the cold run stored its linked catalogue
    warm = _assess(bench_s, tmp_path / "warm", cache)
    assert warm == cold
    if update_golden:
        GOLDEN.write_text(cold + "\n", encoding="utf-8")
    assert cold == GOLDEN.read_text(encoding="utf-8").strip(), \
        "the S result changed (if intended: pytest tests/test_bench_golden.py --update-golden, and say why)"


def test_a_step_command_reads_no_result_that_its_step_does_not_use(tmp_path):
    """Regression: the commands of every step were built at once, so the pdf_incremental input was read from
    the assess result just after the assess step had cleared it (a crash on a fresh bench/work/out)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_run", REPO / "bench" / "run.py")
    assert spec is not None and spec.loader is not None
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    out = tmp_path / "out" / "S"
    for step in ("startup", "check", "assess", "interpreter", "html", "xlsx", "pdf"):
        command = run.step_command(step, tmp_path / "S", out / step)
        assert command[-1] in ("--help", "-q") or "--rules" in command or step == "pdf"
    assert not (out / "pdf_incremental-input").exists()
    # The PDF steps time the publication edition (the target's), which `riskengine report` does not write for a draft.
    pdf = run.step_command("pdf", tmp_path / "S", out / "pdf")
    assert pdf[1].endswith("pdf_edition.py") and pdf[pdf.index("--mode") + 1] == "parts"
    assert pdf[-1] == str(out / "pdf" / run.PDF_NAME) and "--edition" not in pdf  # pubblicazione: the default


def test_the_pdf_steps_count_pages_without_reading_the_pdf_in_the_harness(tmp_path):
    """Regression: the harness counted a PDF's pages with pypdf (9 s and 500 MB for S); its memory then became the
    floor of every later step's peak. The pages and bytes now come from bench/pdf_edition.py's printed line, which
    counts the page objects inside pydyf's compressed object streams."""
    import importlib.util
    import io

    import pydyf
    from pypdf import PdfReader

    def load(name: str):
        spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    pdf = pydyf.PDF()
    for _ in range(3):
        page = pydyf.Dictionary({"Type": "/Page", "Parent": pdf.pages.reference, "MediaBox": pydyf.Array([0, 0, 10, 10])})
        pdf.add_object(page)
        pdf.pages["Kids"].extend([page.number, 0, "R"])
        pdf.pages["Count"] += 1
    output = io.BytesIO()
    pdf.write(output, compress=True)
    data = output.getvalue()
    assert b"/ObjStm" in data
    assert load("pdf_edition").page_count(data) == len(PdfReader(io.BytesIO(data)).pages) == 3
    log = tmp_path / "pdf-1.log"
    log.write_text("parts pubblicazione: wall 46.0 s; …; 598 pages; 6148332 bytes; sha256 2c11567ec9c8\n", encoding="utf-8")
    assert load("run").pdf_size(log) == {"pages": 598, "bytes": 6148332}


def test_the_limits_unpickle_the_catalogue_entry_not_a_position_index(tmp_path):
    """Regression: bench/limits.py took the first ``*.bin`` of the cache as the linked catalogue's entry; once every
    file's position index was stored beside it, that was often an index, and the bare minimum was a few bytes."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_limits", REPO / "bench" / "limits.py")
    assert spec is not None and spec.loader is not None
    limits = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(limits)
    folder = tmp_path / "cataloghi"
    folder.mkdir()
    (folder / "posizioni-0a1b.bin").write_bytes(b"s" * 32 + b"index")
    (folder / "chiave-firma").write_bytes(b"k" * 32)
    (folder / "9f8e.bin").write_bytes(b"s" * 32 + b"catalogue")
    assert limits.catalogue_entry(tmp_path) == b"catalogue"


def test_the_imports_floor_records_a_warm_check_and_imports_every_module_it_recorded(tmp_path):
    """The imports step times what a warm `check` imports: a record made on a cold cache would count networkx,
    which only linking the catalogue imports (0.15 s more than a warm check's imports on S)."""
    env = dict(os.environ, RISKENGINE_CACHE_DIR=str(tmp_path / "cache"))
    modules = tmp_path / "moduli.json"
    script = str(REPO / "bench" / "imports.py")
    check = ["check", str(REPO / "catalogs" / "esempio-piccolo"), "-q", "--rules", str(REPO / "rules")]
    recorded = []
    for _ in range(2):  # cold, then warm: as bench/run.py records it
        done = subprocess.run([sys.executable, script, "record", str(modules), "--", *check], capture_output=True,
                              text=True, env=env, timeout=300, check=False)
        assert done.returncode == 0, done.stderr
        recorded.append(json.loads(modules.read_text(encoding="utf-8")))
    cold, warm = recorded
    assert "networkx" in cold and "networkx" not in warm
    assert {"riskengine.pipeline", "riskengine.api", "pydantic", "durable.engine"} <= set(warm)
    loaded = subprocess.run([sys.executable, script, "load", str(modules)], capture_output=True, text=True, env=env,
                            timeout=300, check=False)
    assert loaded.stdout == f"{len(warm)} of {len(warm)} recorded modules loaded\n", loaded.stderr
    # check exits 1 for its findings and for a catalogue it refuses: the second imports too little to be the floor
    refused = subprocess.run([sys.executable, script, "record", str(tmp_path / "altro.json"), "--", "check",
                              str(tmp_path / "nessuno")], capture_output=True, text=True, env=env, timeout=300,
                             check=False)
    assert refused.returncode == 1 and "did not assess the catalogue" in refused.stderr, refused.stderr
