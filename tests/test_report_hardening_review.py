"""Bypasses of the report hardening found in review (F17 policy position, F8 amplifiers, output errors,
template hints, hard-linked templates), end to end through ``python -m riskengine`` where possible."""

from __future__ import annotations

import copy
import errno
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tinyhtml5
from test_report_hardening import assess, refused, snapshot, with_template
from test_report_support import REPO

import riskengine.report.output as output
from riskengine.errors import RiskengineError
from riskengine.report import write_annex

XHTML = "{http://www.w3.org/1999/xhtml}"
# The run's address space: an amplifier that allocates gigabytes fails with MemoryError under it.
PRLIMIT = ["prlimit", "--as=3000000000"] if shutil.which("prlimit") else []


@pytest.fixture
def mini(tmp_path) -> Path:
    catalog = tmp_path / "mini"
    shutil.copytree(REPO / "tests" / "data" / "mini", catalog)
    return catalog


def policy_first(html: str) -> None:
    """As an HTML5 parser (WeasyPrint's) reads ``html``: the policy is the first element of the page."""
    root = tinyhtml5.parse(html)
    elements = [e for e in root.iter() if isinstance(e.tag, str)]
    assert [e.tag for e in elements[:3]] == [f"{XHTML}html", f"{XHTML}head", f"{XHTML}meta"]
    assert elements[2].get("http-equiv") == "Content-Security-Policy"
    assert root.find(f"{XHTML}head")[0] is elements[2]


# -- F17: the policy precedes everything, whatever the template's start ----------------------------------------

@pytest.mark.parametrize("page", [
    '<html data-x="><script>alert(1)</script>"><head></head><body>s</body></html>\n',
    "<!doctype html><!-- --!><script>alert(1)</script><!-- --><html><head></head>\n",
    "<!DOCTYPE html>\n<html lang=\"it\" class=\"x\">\n<head>\n<script>alert(1)</script></head></html>\n",
    "\u00a0<!DOCTYPE html><html><head><script>alert(1)</script></head></html>\n",
])
def test_f17_no_markup_trick_puts_a_script_before_the_policy(mini, page):
    with_template(mini, "allegato.html.j2", page)
    assert assess(mini, "--format", "html").returncode == 3  # written: a draft (mini has an error finding)
    policy_first((mini.parent / "out" / "allegato-rischi.html").read_text(encoding="utf-8"))


def test_f17_the_shipped_pages_have_the_policy_first_in_head(assessed, tmp_path):
    write_annex(assessed("mini"), tmp_path / "out", formats=("html",))
    for page in [tmp_path / "out" / "allegato-rischi.html", *sorted((tmp_path / "out" / "schede").iterdir())]:
        policy_first(page.read_text(encoding="utf-8"))


# -- F8: string amplifiers other than * + % ** ------------------------------------------------------------------

@pytest.mark.parametrize("expression,cause", [
    ("('a'*100000).replace('', 'b'*100000)", "replace would build"),
    ("('a'*100000)|replace('', 'b'*100000)", "replace would build"),
    ("('\\t'*100000).expandtabs(100000)", "expandtabs would build"),
    ("('{0}'*100000).format('x'*100000)", "str.format would build"),
    ("('{a}'*100000).format_map({'a': 'x'*100000})", "str.format would build"),
    ("'{:>{w}}'.format('', w=999999999)", "a format width"),
    ("'{0:>{1}}'.format('', '999999999')", "a format width"),
    ("(['x'*100000]*100000)|join", "join would build"),
    ("''.join(['x'*100000]*100000)", "join would build"),
    ("('\\n'*100000)|indent(100000)", "indent would build"),
    ("('x'*100000)|wordwrap(1, wrapstring='y'*100000)", "wordwrap would build"),
    ("('%s'*100000)|format('x'*100000)", "format would build"),
    ("('%s'*100000) % ('x'*100000,)", "%-format would build"),
    ("(range(100000)|list)|tojson(indent=100000)", "tojson would build"),
    ("['x'*100000]*100000", "output would build"),
    ("(['x'*100000]*100000)|string", "string would build"),
    ("(['x'*100000]*100000) ~ ''", "output would build"),
])
def test_f08_string_amplifiers_are_refused_before_they_allocate(mini, expression, cause):
    with_template(mini, "nota_tecnica.html.j2", f"<p>\n{{{{ {expression} }}}}</p>\n")
    run = subprocess.run([*PRLIMIT, sys.executable, "-m", "riskengine", "assess", mini.name, "--rules",
                          str(REPO / "rules"), "--out", "out", "-q", "--format", "html"],
                         cwd=mini.parent, capture_output=True, text=True, timeout=120)
    refused(run, "template nota_tecnica.html.j2, line 2", f"TemplateLimitError: {cause}")


def test_f08_bounded_text_methods_still_work(mini):
    with_template(mini, "nota_tecnica.html.j2",
                  "<p>{{ 'a-b'.replace('-', '+') }} {{ ['x', 'y']|join(',') }} {{ '{:>4}|{w}'.format(1, w=2) }} "
                  "{{ 'a\\nb'|indent(2, first=True) }} {{ '%s/%s'|format(1, 2) }} {{ [1]|tojson(indent=1) }}</p>\n")
    assert assess(mini, "--format", "html").returncode == 3  # written: a draft (mini has an error finding)
    text = (mini.parent / "out" / "allegato-rischi.html").read_text(encoding="utf-8")
    assert "<p>a+b x,y    1|2   a\n  b 1/2 [\n 1\n]</p>" in text


# -- output: a name too long, a failure after the swap ----------------------------------------------------------

def test_an_out_name_too_long_is_one_located_line(mini):
    run = assess(mini, "--format", "json", "--out", "x" * 300)
    refused(run, "cannot write the annex", "File name too long")


def test_a_failure_removing_the_previous_annex_says_the_new_one_is_in_place(assessed, tmp_path, monkeypatch):
    out = tmp_path / "out"
    write_annex(assessed("mini"), out, formats=("json",))
    real = shutil.rmtree

    def refuse(path, ignore_errors=False, **kwargs):
        if not ignore_errors:  # removing the previous annex after the swap
            raise OSError(errno.EACCES, "Permission denied", str(path))
        real(path, ignore_errors=ignore_errors, **kwargs)

    monkeypatch.setattr(output.shutil, "rmtree", refuse)
    with pytest.raises(RiskengineError) as info:
        write_annex(assessed("mini"), out, formats=("json", "csv"))
    hint = info.value.problems[0].hint
    assert "the new annex is in place" in hint and "untouched" not in hint
    assert any(name.startswith("csv/") for name in snapshot(out)), "the new annex is the one in place"


# -- template hints -----------------------------------------------------------------------------------------------

def test_a_package_template_failing_on_a_result_blames_the_result(assessed, tmp_path):
    result = copy.deepcopy(assessed("mini"))
    del result["ente"]["nome"]
    with pytest.raises(RiskengineError) as info:
        write_annex(result, tmp_path / "out", formats=("html",))
    hint = info.value.problems[0].hint
    assert "result file" in hint and "templates directory" not in hint


def test_a_user_template_failing_blames_the_template(mini):
    with_template(mini, "nota_tecnica.html.j2", "<p>\n{{ nessuno.campo }}</p>\n")
    assert "remove it from the templates directory" in refused(assess(mini, "--format", "html"),
                                                                 "nota_tecnica.html.j2")


# -- F2: a hard-linked template override ----------------------------------------------------------------------------

def test_a_hard_linked_template_override_is_refused(mini, tmp_path):
    outside = tmp_path / "elsewhere.html.j2"
    outside.write_text("<p>secret</p>\n", encoding="utf-8")
    directory = mini / "templates"
    directory.mkdir()
    (directory / "nota_tecnica.html.j2").hardlink_to(outside)
    refused(assess(mini, "--format", "html"), "nota_tecnica.html.j2", "hard link")
