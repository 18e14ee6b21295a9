"""The package templates' environment (issue 18, item 6): Jinja's escaping, attribute lookup and calls made cheap,
with exactly Jinja's results (the annex's bytes are unchanged: tests/test_report_golden.py)."""

from __future__ import annotations

from decimal import Decimal

import jinja2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup, escape

from riskengine.report.html import make_environment
from riskengine.report.package_env import PackageEnvironment, escape_text

OPTIONS = {"autoescape": True, "undefined": jinja2.StrictUndefined, "trim_blocks": True, "lstrip_blocks": True}


class _Html:
    def __html__(self) -> str:
        return "<b>già sicuro</b>"


@given(st.text())
def test_text_is_escaped_to_markupsafes_characters(text):
    assert escape_text(text) == str(escape(text))
    assert type(escape_text(text)) is str


@pytest.mark.parametrize("value", [Markup("<i>x</i>"), _Html(), 3, Decimal("2.50"), None, True, 1.5, ["<a>"]])
def test_other_values_go_through_escape_itself(value):
    assert escape_text(value) == escape(value)


SOURCE = """{% macro riga(x, caller=None) %}<td>{{ x }}{% if caller %}{{ caller() }}{% endif %}</td>{% endmacro %}
{% for k in chiavi %}{{ d[k] }}|{{ d.get(k, '-') }}|{{ riga(k) }}{% call riga(k) %}«{{ k }}»{% endcall %}
{% endfor %}{{ d.items() | list | length }} {% if "nome" in d %}{{ d.nome }}{% endif %} {{ d.keys() | list | length }}
{{ f(testo) }} {{ ctx() }} {{ "%s" | format(testo) }}{{ testo ~ "<" }}{% set blocco %}{{ testo }}{% endset %}{{ blocco }}
"""


@jinja2.pass_context
def _context_name(context):
    return context.name


def _stops():
    raise StopIteration


@given(st.dictionaries(st.sampled_from(["nome", "items", "keys", "x<y", "get"]), st.text(max_size=8)),
       st.text(max_size=12))
def test_a_template_renders_as_jinjas_own_environment_renders_it(d, testo):
    values = {"d": d, "chiavi": sorted(d), "testo": testo, "f": str.upper, "ctx": _context_name}
    loader = jinja2.DictLoader({"t.j2": SOURCE})
    ours, jinjas = PackageEnvironment(loader=loader, **OPTIONS), jinja2.Environment(loader=loader, **OPTIONS)
    text = ours.get_template("t.j2").render(**values)
    assert text == jinjas.get_template("t.j2").render(**values)
    assert "t.j2" in text  # the function marked pass_context got the context


def test_a_function_stopping_iteration_gives_jinjas_undefined():
    for cls in (PackageEnvironment, jinja2.Environment):
        assert cls().from_string("[{{ g() }}]").render(g=_stops) == "[]"
        with pytest.raises(jinja2.UndefinedError, match="StopIteration"):
            cls(undefined=jinja2.StrictUndefined).from_string("{{ g() }}").render(g=_stops)


def test_a_missing_item_is_undefined_as_in_jinja():
    env = PackageEnvironment(undefined=jinja2.StrictUndefined)
    with pytest.raises(jinja2.UndefinedError, match="'dict object' has no attribute 'nome'"):
        env.from_string("{{ d.nome }}").render(d={})
    assert env.from_string("{{ d.values }}").render(d={"values": 1}).startswith("<built-in method values")


def test_only_the_package_templates_use_it(tmp_path):
    assert type(make_environment()) is PackageEnvironment
    (tmp_path / "nota_tecnica.html.j2").write_text("x\n", encoding="utf-8")
    sandboxed = make_environment(tmp_path)
    assert not isinstance(sandboxed, PackageEnvironment)
    assert sandboxed.getattr.__func__ is not PackageEnvironment.getattr
