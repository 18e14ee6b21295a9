"""Template overrides, the sandbox, and the all-or-nothing replacement of the output directory."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from test_report_support import REPO

from riskengine.errors import RiskengineError
from riskengine.report import write_annex


def _snapshot(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def previous(assessed, tmp_path):
    """An output directory holding a previous annex, and its snapshot."""
    out = tmp_path / "out"
    write_annex(assessed("mini"), out, formats=("html", "csv", "json"))
    return out, _snapshot(out)


def _templates(tmp_path: Path, name: str, text: str) -> Path:
    directory = tmp_path / "templates"
    directory.mkdir(exist_ok=True)
    (directory / name).write_text(text, encoding="utf-8")
    return directory


@pytest.mark.parametrize("name,text,line,cause", [
    ("registro.html.j2", "<p>ok</p>\n<p>{% for p in view.register %}{{ p.codice }}</p>\n", 2, "TemplateSyntaxError"),
    ("scheda.html.j2", "<h3>{{ p.codice }}</h3>\n\n<p>{{ p.no_such_field }}</p>\n", 3, "UndefinedError"),
    ("criticita.html.j2", "<p>{{ view.__class__.__init__.__globals__ }}</p>\n", 1, "SecurityError"),
])
def test_broken_template_leaves_previous_annex_untouched(assessed, tmp_path, previous, name, text, line, cause):
    out, before = previous
    templates = _templates(tmp_path, name, text)
    with pytest.raises(RiskengineError) as info:
        write_annex(assessed("mini"), out, formats=("html", "pdf", "csv", "json"), templates=templates)
    message = str(info.value)
    assert f"template {name}, line {line}" in message and cause in message
    assert info.value.problems[0].location.line == line
    assert Path(info.value.problems[0].location.path).name == name
    assert _snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "templates"], "no staging directory left behind"


def test_syntax_error_in_an_included_template_is_reported_even_for_pdf_only(assessed, tmp_path, previous):
    out, before = previous
    templates = _templates(tmp_path, "macros.html.j2", "{% macro livello(code) %}\n{{ code }\n{% endmacro %}\n")
    with pytest.raises(RiskengineError, match=r"template macros\.html\.j2, line 2"):
        write_annex(assessed("mini"), out, formats=("pdf",), templates=templates)
    assert _snapshot(out) == before


def test_one_template_is_overridden_by_name(assessed, tmp_path):
    templates = _templates(tmp_path, "nota_tecnica.html.j2",
                           "<p class=\"nostra\">Nota della {{ view.ente.nome }}: {{ '<b>' }}</p>\n")
    out = tmp_path / "out"
    write_annex(assessed("mini"), out, formats=("html",), templates=templates)
    html = (out / "allegato-rischi.html").read_text(encoding="utf-8")
    assert '<p class="nostra">Nota della Camera di commercio Mini (dati di prova): &lt;b&gt;</p>' in html
    assert 'id="registro"' in html and "Impronte dei file" not in html


def test_catalogue_templates_are_picked_up_by_assess(tmp_path):
    from riskengine import api

    catalog = tmp_path / "mini"
    shutil.copytree(REPO / "tests" / "data" / "mini", catalog)
    _templates(catalog, "nota_tecnica.html.j2", "<p>Nota personalizzata dell'ente</p>\n")
    api.assess(catalog, tmp_path / "out", rules_dir=REPO / "rules", formats=("html",))
    assert "Nota personalizzata dell'ente" in (tmp_path / "out" / "allegato-rischi.html").read_text(encoding="utf-8")


def test_missing_templates_directory_is_an_error(assessed, tmp_path):
    with pytest.raises(RiskengineError, match="templates directory not found"):
        write_annex(assessed("mini"), tmp_path / "out", formats=("html",), templates=tmp_path / "nope")
    assert not (tmp_path / "out").exists()


def test_a_directory_with_other_files_is_never_replaced(assessed, tmp_path):
    precious = tmp_path / "notes.txt"
    precious.write_text("not an annex", encoding="utf-8")
    with pytest.raises(RiskengineError, match="files riskengine did not write"):
        write_annex(assessed("mini"), tmp_path, formats=("json",))
    assert precious.read_text(encoding="utf-8") == "not an annex"


def test_previous_annex_is_replaced_when_everything_rendered(assessed, previous):
    out, _ = previous
    write_annex(assessed("mini"), out, formats=("json",))
    assert sorted(_snapshot(out)) == [".riskengine-manifest.json", "risultato.json"]


def test_unknown_format_and_delimiter_are_refused(assessed, tmp_path):
    with pytest.raises(RiskengineError, match="unknown format"):
        write_annex(assessed("mini"), tmp_path / "a", formats=("odt",))
    with pytest.raises(RiskengineError, match="unsupported CSV delimiter"):
        write_annex(assessed("mini"), tmp_path / "b", formats=("csv",), csv_delimiter="|")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()


def test_semicolon_delimiter(assessed, tmp_path):
    write_annex(assessed("mini"), tmp_path / "out", formats=("csv",), csv_delimiter=";")
    first = (tmp_path / "out" / "csv" / "registro.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert first.startswith("Codice;Processo;Area di rischio;")


@pytest.mark.parametrize("statement", ["view.register.clear()", "result.processi.clear()",
                                       "t.labels.update({'colonne.codice': 'X'})", "t.labels.clear()"])
def test_a_template_cannot_change_what_it_is_given(assessed, tmp_path, statement):
    templates = _templates(tmp_path, "registro.html.j2", f"<p>\n{{% set _ = {statement} %}}</p>\n")
    with pytest.raises(RiskengineError, match=r"template registro\.html\.j2, line 2: (SecurityError|UndefinedError)"):
        write_annex(assessed("mini"), tmp_path / "out", formats=("html", "xlsx"), templates=templates)
    assert not (tmp_path / "out").exists()
