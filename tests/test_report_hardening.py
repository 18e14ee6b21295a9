"""Hardening of the report side (issue 11: F1, F2, F6, F8, F9 output cases, F10, F16, F17), end to end.

Each reproduction of ../shared/repro/hardening.sh that goes through the CLI runs here as
``python -m riskengine`` in a subprocess: the expected outcome is one located line and a non-zero
exit, never a traceback, and nothing lost.
"""

from __future__ import annotations

import errno
import hashlib
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_report_support import REPO

from riskengine.errors import RiskengineError
from riskengine.report import write_annex
from riskengine.report.html import CSP_META
from riskengine.report.messages import Messages, format_label

RULES = str(REPO / "rules")


def cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 120):
    return subprocess.run([sys.executable, "-m", "riskengine", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


def refused(run, *expected: str) -> str:
    """The single error line of a refused run (exit 1, no traceback), checked to contain ``expected``."""
    assert run.returncode == 1, (run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if "error[" in line]
    assert len(lines) == 1, run.stderr
    for text in expected:
        assert text in lines[0], lines[0]
    return lines[0]


def snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def mini(tmp_path) -> Path:
    catalog = tmp_path / "mini"
    shutil.copytree(REPO / "tests" / "data" / "mini", catalog)
    return catalog


def with_template(catalog: Path, name: str, text: str) -> Path:
    directory = catalog / "templates"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


# mini's annex has an error finding: assess writes it as a draft and exits 3 (riskengine.cli.EXIT_DRAFT).
def assess(catalog: Path, *extra: str, env: dict[str, str] | None = None, timeout: float = 120):
    return cli("assess", catalog.name, "--rules", RULES, "--out", "out", "-q", *extra, cwd=catalog.parent,
               env=env, timeout=timeout)


# -- F1, F16: labels are read-only and their fields are plain names ------------------------------------------

def test_f01_a_template_cannot_rewrite_a_label_to_read_the_environment(mini):
    payload = ("{% set _ = t.labels.update({'nota.impronte': "
               "'{v.__func__.__globals__[resources].files.__globals__[os].environ[SECRET]}'}) %}"
               "<p id=\"leak\">{{ t('nota.impronte', v=t.finding) }}</p>\n")
    with_template(mini, "nota_tecnica.html.j2", payload)
    run = assess(mini, "--format", "html", env={"SECRET": "s3cr3t"})
    refused(run, "nota_tecnica.html.j2:1", "template nota_tecnica.html.j2, line 1")
    assert "s3cr3t" not in run.stdout + run.stderr
    assert not (mini.parent / "out").exists()


@pytest.mark.parametrize("label", ["{v.__class__}", "{v[0]}", "{0}", "{}", "{x:{v.real}}"])
def test_f01_label_fields_refuse_attribute_index_and_nested_access(label):
    with pytest.raises(ValueError, match="not a plain name"):
        format_label(label, {"v": 1, "x": 2})


def test_f01_plain_label_fields_are_filled():
    assert format_label("{n} processi, {x:>3}", {"n": 4, "x": 7}) == "4 processi,   7"
    with pytest.raises(TypeError):
        Messages("it").labels["colonne.codice"] = "X"  # type: ignore[index]


def test_f16_a_template_cannot_change_the_csv_labels_of_the_run(mini):
    with_template(mini, "nota_tecnica.html.j2", "{% set _ = t.labels.update({'colonne.codice': 'CHANGED'}) %}<p>x</p>\n")
    refused(assess(mini, "--format", "html,csv"), "template nota_tecnica.html.j2, line 1")
    (mini / "templates" / "nota_tecnica.html.j2").write_text("<p>{{ t('colonne.codice') }}</p>\n", encoding="utf-8")
    assert assess(mini, "--format", "html,csv").returncode == 3
    assert (mini.parent / "out" / "csv" / "registro.csv").read_text(encoding="utf-8-sig").startswith("Codice;")


# -- F2: templates are regular files inside the templates directory ------------------------------------------

def test_f02_an_included_link_out_of_the_templates_directory_is_refused(mini):
    with_template(mini, "nota_tecnica.html.j2", "<pre>{% include 'passwd.j2' %}</pre>\n")
    (mini / "templates" / "passwd.j2").symlink_to("/etc/passwd")
    run = assess(mini, "--format", "html")
    refused(run, "passwd.j2", "link leading outside the templates directory")
    assert "root:x:0:0" not in run.stdout + run.stderr


def test_f02_an_override_that_is_a_link_out_is_refused(mini):
    (mini / "templates").mkdir()
    (mini / "templates" / "nota_tecnica.html.j2").symlink_to("/etc/passwd")
    refused(assess(mini, "--format", "html"), "nota_tecnica.html.j2", "outside the templates directory")


def test_f02_a_link_inside_the_templates_directory_is_followed(mini):
    with_template(mini, "mia_nota.j2", "<p>nota propria</p>\n")
    (mini / "templates" / "nota_tecnica.html.j2").symlink_to("mia_nota.j2")
    assert assess(mini, "--format", "html").returncode == 3
    assert "nota propria" in (mini.parent / "out" / "allegato-rischi.html").read_text(encoding="utf-8")


def test_f02_a_templates_directory_that_is_a_link_is_refused(mini, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "nota_tecnica.html.j2").write_text("<p>x</p>\n", encoding="utf-8")
    (mini / "templates").symlink_to(elsewhere)
    refused(assess(mini, "--format", "html"), "templates", "symbolic link")


def test_f02_a_fifo_template_is_refused_without_blocking(mini):
    (mini / "templates").mkdir()
    os.mkfifo(mini / "templates" / "nota_tecnica.html.j2")
    refused(assess(mini, "--format", "html", timeout=60), "nota_tecnica.html.j2", "not a regular file")


# -- F8: rendering is bounded in time and size -----------------------------------------------------------------

def test_f08_a_template_looping_for_hours_is_stopped_at_its_line(mini):
    with_template(mini, "nota_tecnica.html.j2",
                  "<p>\n{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}</p>\n")
    start = time.monotonic()
    run = assess(mini, "--format", "html", env={"RISKENGINE_TEMPLATE_SECONDS": "2"}, timeout=90)
    assert time.monotonic() - start < 60
    refused(run, "template nota_tecnica.html.j2, line 2", "time limit")
    assert not list(mini.parent.glob(".out.*")), "no staging directory left behind"


def test_f08_a_template_writing_a_gigabyte_is_stopped_at_its_line(mini):
    with_template(mini, "nota_tecnica.html.j2", "<p>\n{% for i in range(100000) %}{{ 'x' * 10000 }}{% endfor %}</p>\n")
    run = assess(mini, "--format", "html", env={"RISKENGINE_TEMPLATE_MB": "1"})
    refused(run, "template nota_tecnica.html.j2, line 2", "output grew above the limit")


def test_f08_a_user_template_nested_too_deep_is_said_at_its_own_file(mini):
    # compiling it ran out of Python's stack while the annex's include loaded it: said at the shipped template's
    # include line, with the hint that a result file lacked a field
    with_template(mini, "nota_tecnica.html.j2", "<p>" + "{% if 1 %}" * 300 + "x" + "{% endif %}" * 300 + "</p>\n")
    line = refused(assess(mini, "--format", "html", "--lang", "en"), "templates/nota_tecnica.html.j2:1: error[template]",
                   "blocks or calls nested too deep")
    assert "fix the template" in line and "result file" not in line


def test_f08_a_list_nested_deep_is_weighed_one_level_and_still_renders():
    # a list's nested lists were weighed all the way down on every operation: a list nested 3,000 deep, which
    # rendered before, ended in a RecursionError (and a list grown in a loop cost its whole walk at each step)
    from riskengine.report.sandbox import AnnexEnvironment, RenderLimits

    env = AnnexEnvironment(RenderLimits(600, 32 * 1024 * 1024))
    env.bound_filters()
    deep: list = []
    for _ in range(3000):
        deep = [deep]
    assert env.from_string("{{ (deep|list)|length }} {{ (deep + deep)|length }}").render(deep=deep) == "1 2"


@pytest.mark.parametrize("expression,cause", [
    ("'x' * 10**10", "repetition"),
    ("[0] * 10**10", "repetition"),
    ("10 ** 100000", "power"),
    ("'x'.center(10**9)", "argument above"),
    ("'x'|center(10**9)", "argument above"),
    ("'%999999999d' % 1", "format width"),
    ("'%*d' % (999999999, 1)", "argument above"),
    ("'{:>999999999}'.format(1)", "format width"),
    ("'%999999999d'|format(1)", "format width"),
    # a list's items weigh as pointers: 40,000,000 characters made a list of 320 MB (forty of them: gigabytes)
    ("('a' * 30000000)|list|length", "a list of 30,000,000 items"),
    ("(('a' * 4000000)|list) * 8", "repetition"),
    # lists of lists: each weighs as a list (8,000,000 batches of one character took 825 MB before the check)
    ("(('a' * 8000000)|batch(1)|list)|length", "list would build"),
])
def test_f08_amplifiers_are_refused_before_they_allocate(assessed, tmp_path, expression, cause):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "nota_tecnica.html.j2").write_text(f"<p>\n{{{{ {expression} }}}}</p>\n", encoding="utf-8")
    with pytest.raises(RiskengineError, match=rf"nota_tecnica\.html\.j2, line 2: TemplateLimitError: .*{cause}"):
        write_annex(assessed("mini"), tmp_path / "out", formats=("html",), templates=templates)


# -- F17: a Content-Security-Policy no template can drop -------------------------------------------------------

def test_f17_every_page_carries_the_policy(assessed, tmp_path):
    write_annex(assessed("mini"), tmp_path / "out", formats=("html",))
    pages = [tmp_path / "out" / "allegato-rischi.html", *sorted((tmp_path / "out" / "schede").iterdir())]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert text.count(CSP_META) == 1
        assert text.index(CSP_META) == text.index("<head>") + len("<head>\n")


@pytest.mark.parametrize("page", ["<script>alert(1)</script><p>x</p>\n",
                                  "<!DOCTYPE html>\n<html><head><script src=x></script></head></html>\n"])
def test_f17_an_override_cannot_put_a_script_before_the_policy(mini, page):
    with_template(mini, "allegato.html.j2", page)
    assert assess(mini, "--format", "html").returncode == 3
    text = (mini.parent / "out" / "allegato-rischi.html").read_text(encoding="utf-8")
    assert text.index(CSP_META) < text.index("<script")
    assert "default-src 'none'" in CSP_META


# -- F6: only a tree riskengine wrote is replaced ---------------------------------------------------------------

def test_f06_a_directory_of_user_files_with_annex_names_is_not_replaced(mini):
    user = mini.parent / "out"
    (user / "csv").mkdir(parents=True)
    (user / "csv" / "budget-2026.csv").write_text("a,b\n", encoding="utf-8")
    store = mini.parent / "storico" / "storico.sqlite"
    refused(assess(mini, "--format", "json", env={"RISKENGINE_DB": f"sqlite:///{store}"}), "no riskengine manifest")
    assert (user / "csv" / "budget-2026.csv").read_text(encoding="utf-8") == "a,b\n"
    # refused before the assessment, so before its history store is opened: no empty store left behind
    assert not store.parent.exists()


def test_an_output_under_a_file_is_refused_before_the_assessment(mini):
    (mini.parent / "nota.txt").write_text("x\n", encoding="utf-8")
    store = mini.parent / "storico" / "storico.sqlite"
    line = refused(assess(mini, "--format", "json", "--out", "nota.txt/allegato/2026",
                          env={"RISKENGINE_DB": f"sqlite:///{store}"}), "error[output]")
    assert line.startswith(f"{mini.parent / 'nota.txt'}: error[output]: cannot write the annex: Not a directory"), line
    assert not store.parent.exists() and (mini.parent / "nota.txt").read_text(encoding="utf-8") == "x\n"


def test_f06_an_annex_directory_is_checked_under_its_lock_before_the_assessment(mini, tmp_path):
    from riskengine.report import check_output
    from riskengine.report.output import exclusive

    out = mini.parent / "out"
    assert assess(mini, "--format", "json").returncode == 3
    check_output(out)  # the annex riskengine wrote may be replaced
    check_output(tmp_path / "nuova" / "sotto")  # a directory not made yet: nothing made now
    assert not (tmp_path / "nuova").exists()
    with exclusive(out), pytest.raises(RiskengineError, match="another riskengine run"):  # another run writes there
        check_output(out)


def test_the_check_before_the_assessment_hashes_no_file_of_the_previous_annex(mini, monkeypatch):
    """A national annex is 2 GB: hashed once, when it is replaced, not also before the assessment."""
    from riskengine.report import check_output, output

    out = mini.parent / "out"
    assert assess(mini, "--format", "json").returncode == 3
    (out / "risultato.json").write_text("{}\n", encoding="utf-8")  # edited: refused when written, not here

    def no_hashing(path):
        raise AssertionError(f"hashed {path}")

    monkeypatch.setattr(output, "_digest", no_hashing)
    check_output(out)


@pytest.mark.parametrize("formats", ["json", "csv,xlsx", "html"])
def test_a_templates_directory_that_is_not_one_is_refused_whatever_the_formats(mini, formats):
    store = mini.parent / "storico" / "storico.sqlite"
    env = {"RISKENGINE_DB": f"sqlite:///{store}"}
    line = refused(assess(mini, "--format", formats, "--templates", "nessuna", env=env), "error[template]")
    assert line.startswith("nessuna: error[template]: "), line
    assert not store.parent.exists() and not (mini.parent / "out").exists()  # refused before the assessment
    assert assess(mini, "--format", "json").returncode == 3
    refused(cli("report", "out/risultato.json", "--out", "altro", "--format", formats, "--templates", "nessuna",
                cwd=mini.parent), "error[template]")
    assert not (mini.parent / "altro").exists()


def test_f06_an_annex_with_an_added_or_edited_file_is_not_replaced(mini):
    out = mini.parent / "out"
    assert assess(mini, "--format", "json,csv").returncode == 3
    (out / "csv" / "budget-2026.csv").write_text("a,b\n", encoding="utf-8")
    refused(assess(mini, "--format", "json"), "did not write", "csv/budget-2026.csv")
    (out / "csv" / "budget-2026.csv").unlink()
    (out / "risultato.json").write_text("{}\n", encoding="utf-8")
    refused(assess(mini, "--format", "json"), "changed since riskengine wrote them", "risultato.json")
    assert (out / "risultato.json").read_text(encoding="utf-8") == "{}\n"


def test_f06_the_manifest_holds_the_result_digest_hashed_as_it_was_written(assessed, tmp_path, monkeypatch):
    import json

    from riskengine.report import output

    read_back: list[str] = []
    digest = output._digest
    monkeypatch.setattr(output, "_digest", lambda path: read_back.append(path.name) or digest(path))
    out = tmp_path / "out"
    write_annex(assessed("mini"), out, formats=("json", "csv"))
    manifest = json.loads((out / ".riskengine-manifest.json").read_text(encoding="utf-8"))
    assert manifest["file"] == {name: digest for name, digest in snapshot(out).items()
                                if name != ".riskengine-manifest.json"}
    assert "risultato.json" not in read_back  # a national result is 2 GB: hashed once, as it was written
    assert read_back  # the other files are read to be hashed
    # the next run checks the annex it replaces against that digest
    (out / "risultato.json").write_text("{}\n", encoding="utf-8")
    with pytest.raises(RiskengineError, match=r"risultato\.json"):
        write_annex(assessed("mini"), out, formats=("json",))


def test_f06_an_unchanged_annex_is_replaced(mini):
    assert assess(mini, "--format", "json,csv").returncode == 3
    assert assess(mini, "--format", "json").returncode == 3
    assert sorted(snapshot(mini.parent / "out")) == [".riskengine-manifest.json", "risultato.json"]


# -- F9: output failures are one located line -------------------------------------------------------------------

def test_f09_out_dot_from_an_empty_directory_is_refused(mini):
    empty = mini.parent / "empty"
    empty.mkdir()
    run = cli("assess", "../mini", "--rules", RULES, "--out", ".", "--format", "json", cwd=empty)
    refused(run, "current directory")
    assert not list(empty.iterdir())


def test_f09_out_on_a_mount_point_is_refused(assessed, tmp_path, monkeypatch):
    out = tmp_path / "mounted"
    out.mkdir()
    real = os.path.ismount
    monkeypatch.setattr(os.path, "ismount", lambda p: Path(p) == out or real(p))
    with pytest.raises(RiskengineError, match="mount point"):
        write_annex(assessed("mini"), out, formats=("json",))


@pytest.mark.parametrize("code,hint", [(errno.EROFS, "read-only"), (errno.ENOSPC, "free some space")])
def test_f09_file_system_failures_keep_the_previous_annex(assessed, tmp_path, monkeypatch, code, hint):
    out = tmp_path / "out"
    write_annex(assessed("mini"), out, formats=("json", "csv"))
    before = snapshot(out)
    import riskengine.report.csv_files as csv_files

    def full(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(tmp_path / "x.csv"))

    monkeypatch.setattr(csv_files, "write_csv", full)
    with pytest.raises(RiskengineError) as info:
        write_annex(assessed("mini"), out, formats=("json", "csv"))
    assert len(info.value.problems) == 1
    assert hint in info.value.problems[0].hint and "cannot write the annex" in str(info.value)
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize("command", ["assess", "export-xlsx", "questionari"])
def test_f09_a_file_size_limit_while_writing_a_workbook_is_one_located_line(mini, command):
    """The workbooks' writers wrap the system's refusal: xlsxwriter in its FileCreateError, openpyxl (laying each
    sheet out in a temporary file) in lxml's SerialisationError('IO_EFBIG'). Both were an internal error (exit
    70), openpyxl's with tracebacks after it. Measured with a file size limit (a full disk refuses alike)."""
    root = mini.parent
    if command == "assess":  # the history store made first: it is larger than the limit
        assert cli("assess", "mini", "--rules", RULES, "--out", "first", "--format", "json", cwd=root).returncode == 3
    args = {"assess": ["--out", "out", "--format", "xlsx"], "export-xlsx": ["--out", "out.xlsx"],
            "questionari": ["--year", "2026", "--out", "out"]}[command]
    limit = 8192 if command == "assess" else 4096  # bytes: below each workbook, above what else is written

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    temporary = root / "tmp"  # openpyxl's sheets are laid out there: its refusal is said there, not at the output
    temporary.mkdir()
    run = subprocess.run([sys.executable, "-m", "riskengine", command, "mini", "--rules", RULES, *args, "--lang", "en"],
                         cwd=root, capture_output=True, text=True, timeout=120, preexec_fn=limited,
                         env={**os.environ, "TMPDIR": str(temporary)})
    line = refused(run, "File too large")
    if command == "assess":
        assert line.startswith("out: error[output]: cannot write the annex"), line
    else:
        assert line.startswith(f"{temporary}: error[output]: cannot write the workbook's temporary files"), line
        assert line.endswith("or name another with the TMPDIR variable)")
    assert run.stderr.splitlines()[-1] == "1 error" and "Exception ignored" not in run.stderr
    assert not (root / "out").exists() and not (root / "out.xlsx").exists()
    assert not [p for p in root.rglob("*") if p.name.startswith(".") and p.name.endswith(".tmp")]


def test_f09_a_run_the_history_store_cannot_record_is_one_located_line_after_the_annex(mini):
    # the store's refusal (sqlite3.OperationalError: disk I/O error) was an internal error, exit 70, with the annex
    # written and nothing said of the run not recorded
    root = mini.parent
    assert cli("assess", "mini", "--rules", RULES, "--out", "first", "--format", "json", cwd=root).returncode == 3
    store = Path(os.environ["RISKENGINE_DB"].removeprefix("sqlite:///"))  # the test's own (conftest)
    size = store.stat().st_size  # the store cannot grow: the next run does not fit

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))

    run = subprocess.run([sys.executable, "-m", "riskengine", "assess", "mini", "--rules", RULES, "--out", "out",
                          "--format", "csv", "--lang", "en"], cwd=root, capture_output=True, text=True, timeout=120,
                         preexec_fn=limited)
    line = refused(run, "cannot record the run in the history store: disk I/O error", "fix it and run assess again")
    assert line.startswith(f"{store}: error[output]")
    assert (root / "out" / "csv").is_dir()  # the annex is written
    # and said first, as when the run is recorded: the summary, and that this annex is a draft (mini's is)
    assert run.stderr.index("Summary of the") < run.stderr.index("DRAFT") < run.stderr.index(line)
    assert "recorded runs (1)" in cli("history", "mini", "--rules", RULES, "--lang", "en", cwd=root).stdout


# -- F10: the swap survives being killed at any point -----------------------------------------------------------

def test_f10_killed_runs_never_lose_the_previous_annex(mini):
    """Kill ``assess`` 20 times at random points: ``out`` is always a complete annex, never a mix."""
    root = mini.parent
    assert assess(mini, "--format", "html").returncode == 3
    old = snapshot(root / "out")
    command = [sys.executable, "-m", "riskengine", "assess", "mini", "--rules", RULES, "--out", "out", "-q",
               "--format", "html", "--lang", "en"]
    assert subprocess.run(command, cwd=root).returncode == 3  # mini's annex is a draft
    new = snapshot(root / "out")
    assert new != old
    assert subprocess.run([*command[:-2], "--lang", "it"], cwd=root).returncode == 3
    # timed warm, as the runs killed below are: the first run of a fresh install also fills the user's caches
    # (messages, linked catalogue) and takes longer, and kills timed by it landed after the swap
    start = time.monotonic()
    assert subprocess.run(command, cwd=root).returncode == 3
    duration = time.monotonic() - start
    assert snapshot(root / "out") == new
    assert subprocess.run([*command[:-2], "--lang", "it"], cwd=root).returncode == 3
    rng = random.Random(11)
    kept = 0
    for _ in range(20):
        process = subprocess.Popen(command, cwd=root)
        time.sleep(rng.uniform(0.05, duration))
        process.send_signal(signal.SIGKILL)
        process.wait()
        current = snapshot(root / "out") if (root / "out").exists() else None
        if current is None:  # between the two renames of the fallback: the next run restores it
            assert list(root.glob(".out.old-*"))
        else:
            assert current in (old, new)
            kept += current == old
        if current == new:  # the run finished before the kill: start again from the old annex
            assert subprocess.run([*command[:-2], "--lang", "it"], cwd=root).returncode == 3
    assert kept >= 5, "most kills must land before the swap"
    assert subprocess.run([*command[:-2], "--lang", "it"], cwd=root).returncode == 3
    assert snapshot(root / "out") == old
    assert sorted(p.name for p in root.iterdir()) == ["mini", "out"], "no staging or backup directory survives"


def test_f10_a_death_between_the_two_renames_is_repaired(mini, tmp_path):
    """Without renameat2 the swap is two renames; a death between them is undone by the next run."""
    root = mini.parent
    assert assess(mini, "--format", "json").returncode == 3
    old = snapshot(root / "out")
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(
        "import os\n"
        "import riskengine.report.output as output\n"
        "output._exchange = lambda a, b: False\n"
        "_rename = os.rename\n"
        "def rename(a, b, *k, **kw):\n"
        "    _rename(a, b, *k, **kw)\n"
        "    if '.old-' in str(b):\n"
        "        os.kill(os.getpid(), 9)\n"
        "os.rename = rename\n", encoding="utf-8")
    run = assess(mini, "--format", "json", env={"PYTHONPATH": str(hook)})
    assert run.returncode == -signal.SIGKILL
    assert not (root / "out").exists() and len(list(root.glob(".out.old-*"))) == 1
    assert assess(mini, "--format", "json,csv").returncode == 3
    assert sorted(p.name for p in root.iterdir()) == ["hook", "mini", "out"]
    assert set(old) < set(snapshot(root / "out"))


def test_f10_stale_staging_and_backup_directories_are_removed(mini):
    root = mini.parent
    assert assess(mini, "--format", "json").returncode == 3
    for name in (".out.old-abcdefgh", ".out.new-12345678", f".out.old-{os.getpid():08d}"[:17]):
        (root / name / "x").mkdir(parents=True)
    (root / ".out.new-keep").mkdir()  # not a name riskengine makes: left alone
    assert assess(mini, "--format", "json").returncode == 3
    assert sorted(p.name for p in root.iterdir()) == [".out.new-keep", "mini", "out"]


@pytest.mark.parametrize("name", ["../fuori.html", "schede/../../x.html", "/etc/passwd", "..", ".", "", "a\0b.html",
                                  "..\\fuori.html", "C:fuori.html", "\\\\server\\x.html"])
def test_a_page_name_that_could_leave_its_folder_is_refused(tmp_path, name):
    # Names come from safe_filename(), which never makes these: the check is the last line of defence.
    from riskengine.report.html import _page_path

    with pytest.raises(RiskengineError, match="unsafe file name for a page of the annex"):
        _page_path(tmp_path, name)
    assert _page_path(tmp_path, "B2.1.1.html") == tmp_path / "B2.1.1.html"
