"""The command itself, run as a user runs it (``python -m riskengine`` in a separate process): the version,
the default output directory, a wrong ``--engine``, and the last-resort handler (one line, no traceback);
and the way it is installed: the README's commands, ``.ci/run`` and ``requirements.lock`` agree."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import riskengine

REPO = Path(__file__).resolve().parents[1]


def riskengine_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``python -m riskengine ARGS`` and capture its output."""
    return subprocess.run([sys.executable, "-m", "riskengine", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600, check=False)


def main_with(api_function: str, body: str, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m riskengine ARGS`` with ``riskengine.api.<api_function>`` replaced by ``body``.

    The way to reach the last-resort handler: no input makes riskengine fail unexpectedly on purpose.
    """
    script = (f"import runpy, sys\nimport riskengine.api\n"
              f"def broken(*args, **kwargs):\n    {body}\n"
              f"riskengine.api.{api_function} = broken\n"
              f"sys.argv = ['riskengine', *{list(args)!r}]\n"
              f"runpy.run_module('riskengine', run_name='__main__')\n")
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=False)


def test_version_prints_the_package_version():
    run = riskengine_cli("--version")
    assert (run.returncode, run.stdout, run.stderr) == (0, f"riskengine {riskengine.__version__}\n", "")


def test_assess_without_out_writes_reports_ente_year_under_the_current_directory(tmp_path):
    # The README's first command, in a fresh directory holding a catalogue and the methods.
    shutil.copytree(REPO / "catalogs" / "esempio-cciaa", tmp_path / "catalogs" / "esempio-cciaa")
    shutil.copytree(REPO / "rules", tmp_path / "rules")
    run = riskengine_cli("assess", "catalogs/esempio-cciaa", "--format", "json", "-v", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    annex = tmp_path / "reports" / "esempio-cciaa" / "2026"
    written = run.stdout.splitlines()
    assert "reports/esempio-cciaa/2026/risultato.json" in written
    assert all(line.startswith("reports/esempio-cciaa/2026/") for line in written)
    result = json.loads((annex / "risultato.json").read_text(encoding="utf-8"))
    assert (result["ente"]["codice"], result["anno"]) == ("esempio-cciaa", 2026)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalogs", "reports", "rules"]
    assert [p.name for p in (tmp_path / "reports").iterdir()] == ["esempio-cciaa"]


@pytest.mark.parametrize("command", [["assess", "catalogs/esempio-cciaa", "--out", "never-written"],
                                     ["test", "rules/cciaa-torino-2022"]], ids=["assess", "test"])
def test_unknown_engine_is_one_line_listing_the_engines(command, tmp_path):
    run = riskengine_cli(*command, "--engine", "bogus", cwd=REPO)
    assert (run.returncode, run.stdout) == (2, "")
    assert run.stderr == "unknown engine 'bogus': expected one of durable, interpreter\n"
    assert not (REPO / "never-written").exists()


def test_unexpected_exception_is_one_line_and_exit_70():
    run = main_with("check", "raise RuntimeError('state lost\\n  in two lines')", "check", "catalogs/esempio-cciaa")
    assert (run.returncode, run.stdout) == (70, "")
    assert run.stderr == ("riskengine: internal error: RuntimeError: state lost in two lines "
                          "(a bug: please report it with the command)\n")


def test_an_internal_error_quoting_a_file_s_value_is_bounded_and_inert():
    # the line echoed a value of the file whole (a name of 200 characters, a U+202E reordering the line)
    run = main_with("check", "raise ValueError('got: ' + 'A' * 5000 + '\\u202e')", "check",
                    "catalogs/esempio-cciaa")
    assert run.returncode == 70 and "\u202e" not in run.stderr and len(run.stderr) < 500, run.stderr
    assert run.stderr.startswith("riskengine: internal error: ValueError: got: AAAA")


def test_a_cut_in_an_italian_line_is_said_in_italian():
    # "errore interno: ValueError: got: AAAA… (5,006 characters) (è un difetto …)": English inside Italian
    run = main_with("check", "raise ValueError('got: ' + 'A' * 5000)", "--lang", "it", "check", "catalogs/esempio-cciaa")
    assert run.returncode == 70 and "… (5.005 caratteri) (è un difetto del programma" in run.stderr, run.stderr
    from riskengine.errors import Location, Problem
    from riskengine.i18n import Text

    line = Text("it").problem(Problem(Location("f.yaml"), "x" * 1200, key="", hint=""))
    assert line.endswith("… (1.200 caratteri)"), line[-40:]
    # a file's own words that only look cut stay as the file has them
    assert Text("it").cut("PROVV… (3 characters)") == "PROVV… (3 characters)"


def test_a_cut_in_an_italian_usage_error_is_said_in_italian():
    # a value given on the command line is shortened where the usage error quotes it: its cut in the line's language
    option, command = "--" + "x" * 500, "y" * 500
    for args, said in ((("check", "catalogs/esempio-cciaa", option), "… (502 caratteri)"),
                       ((command,), "… (500 caratteri)"),
                       (("check", "catalogs/esempio-cciaa", "altro", command), "… (500 caratteri)")):
        run = riskengine_cli("--lang", "it", *args)
        first = run.stderr.splitlines()[0]
        assert run.returncode == 2 and said in first and "characters" not in first, run.stderr


def test_interrupt_is_one_line_and_exit_130():
    # A real SIGINT, delivered while the command runs. Python's own handler is put back first: a test run
    # started in the background by a shell inherits SIGINT ignored, and Python then installs none.
    body = ("import os, signal, time; signal.signal(signal.SIGINT, signal.default_int_handler); "
            "os.kill(os.getpid(), signal.SIGINT); time.sleep(60)")
    run = main_with("check", body, "check", "catalogs/esempio-cciaa")
    assert (run.returncode, run.stdout, run.stderr) == (130, "", "riskengine: interrupted\n")


def unread(*args: str, errors_too: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``python -m riskengine ARGS`` with its output (and its errors: ``2>&1 | head``) into a pipe nobody reads
    any more (``| head`` once done)."""
    reader, writer = os.pipe()
    os.close(reader)  # every write to the pipe fails with EPIPE, the first as surely as the last
    try:
        return subprocess.run([sys.executable, "-m", "riskengine", *args], stdout=writer,
                              stderr=writer if errors_too else subprocess.PIPE, text=True, timeout=600, check=False,
                              cwd=REPO)
    finally:
        os.close(writer)


@pytest.mark.parametrize("args", [("check", "catalogs/esempio-cciaa"),
                                  ("diff", "catalogs/esempio-cciaa", "2025", "2026"),
                                  ("show", "catalogs/esempio-cciaa", "--unit", "PERS"),
                                  ("--help",), ("--version",), ("check", "--help")])
def test_output_nobody_reads_ends_quietly_with_141_not_the_code_of_input_errors(args):
    # click exits with 1 on EPIPE: `check CAT | head` on a sound catalogue then said "the input has errors"
    assert riskengine_cli(*args).returncode == 0  # run from the repository: a sound catalogue
    run = unread(*args)
    assert (run.returncode, run.stderr) == (141, ""), run.stderr


@pytest.mark.parametrize("args", [("frobnicate",), ("check",), (), ("show", "nowhere", "--process", "B1")])
def test_errors_nobody_reads_end_with_141_too(args):
    # `2>&1 | head`: a usage error, the help of no command and an input error were said to the closed pipe by
    # handlers outside the command, and the process ended with 1
    assert riskengine_cli(*args).returncode in (1, 2)
    assert unread(*args, errors_too=True).returncode == 141


def test_a_broken_pipe_that_is_not_the_output_s_is_an_internal_error():
    run = main_with("check", "raise BrokenPipeError(32, 'Broken pipe')", "check", "catalogs/esempio-cciaa")
    assert run.returncode == 70 and run.stderr.startswith("riskengine: internal error"), run.stderr


def test_input_errors_and_usage_errors_keep_their_exit_codes(tmp_path):
    missing = riskengine_cli("show", str(tmp_path / "nowhere"), "--process", "B1")
    assert missing.returncode == 1
    assert "Traceback" not in missing.stderr
    usage = riskengine_cli("assess")
    assert usage.returncode == 2
    # worded from the message catalogue (English here: conftest sets RISKENGINE_LANG=en), one line and the hint
    assert usage.stderr.splitlines() == ["python -m riskengine assess: missing argument CATALOG — catalogue directory "
                                         "(catalogs/<administration>)", "Try 'python -m riskengine assess --help' for help."]


def _normalised(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_readme_commands_ci_and_lock_agree():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    main_job, tests_job, regenerate = (block.strip() for block in re.findall(r"```sh\n(.*?)```", readme, re.S)[:3])
    assert main_job.endswith("riskengine assess catalogs/esempio-cciaa")  # the default reports/ home
    for job in (main_job, tests_job):
        assert "pip install -q -r requirements.lock && .venv/bin/pip install -q --no-deps -e ." in job
    assert f"{tests_job} || status=$?" in (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    lock = (REPO / "requirements.lock").read_text(encoding="utf-8")
    assert f"#    {regenerate}" in lock.splitlines()  # the header names the documented command


def test_lock_pins_every_dependency_and_extra_exactly():
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {_normalised(Requirement(r).name) for r in project["dependencies"]}
    wanted |= {_normalised(Requirement(r).name) for extra in project["optional-dependencies"].values() for r in extra}
    pinned = {}
    for line in (REPO / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith((" ", "#")):
            name, _, version = line.split(";")[0].strip().partition("==")
            pinned.setdefault(_normalised(name), set()).add(version)
    assert wanted <= set(pinned), sorted(wanted - set(pinned))
    assert all(len(versions) == 1 and all(versions) for versions in pinned.values())  # one exact version each


@pytest.mark.parametrize(("formats", "first"), [("docx", "allegato-rischi.docx"), ("xlsx,csv", "allegato-rischi.xlsx"),
                                              ("csv", "LEGGIMI.txt")])
def test_the_summary_points_to_the_annex_written_not_to_the_hidden_manifest(tmp_path, formats, first):
    # a Word or Excel annex was "opened first" at .riskengine-manifest.json, the file that lets the next run
    # replace the folder, and counted with the files the user reads
    out = tmp_path / "allegato"
    run = riskengine_cli("assess", "catalogs/esempio-piccolo", "--format", formats, "--out", str(out), "-v", cwd=REPO)
    assert run.returncode == 0, run.stderr
    assert (out / ".riskengine-manifest.json").exists()
    read = sorted(str(p) for p in out.rglob("*") if p.is_file() and p.name != ".riskengine-manifest.json")
    assert f"Annex in {out} ({len(read)} files); open first: {out / first}" in run.stderr, run.stderr
    assert sorted(run.stdout.splitlines()) == read  # -v: the files, one per line, for a script to read
