"""Each sheet rendered once (issue 18, item 6): the annex's sheet reused for its standalone page, pages streamed.

The standalone page of a process (schede/<code>.html) shows the sheet the annex already rendered, with its headings
moved up two levels and its links pointed at the annex file (:func:`riskengine.report.html.page_sheet`); the page of
a unit (unita/<code>.html) shows its dossier the same way, its heading moved up one level. These tests check that the
pages are byte for byte the pages a fresh render writes, on the example catalogues and on hostile catalogue text,
and that the page's start (with the Content-Security-Policy) is the same when streamed.
"""

from __future__ import annotations

import copy
import itertools
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markupsafe import Markup

from riskengine.report import canonical_copy
from riskengine.report import html as html_module
from riskengine.report.html import (
    PACKAGE_TEMPLATES,
    PAGE_BASE,
    SHEET_TEMPLATE,
    UNIT_PAGE_HEADING,
    UNIT_TEMPLATE,
    HtmlRenderer,
    stream_with_policy,
    with_policy,
    write_html,
)
from riskengine.report.messages import Messages
from riskengine.report.view import View

# The templates a sheet or a unit's dossier is made of (scheda.html.j2, dossier_unita.html.j2 and what they include
# or import).
SHEET_PARTS = ("scheda.html.j2", "eventi_misure.html.j2", "macros.html.j2", "livello.html.j2", "dossier_unita.html.j2")


def _renderer(result: dict, lang: str = "it", templates: Path | None = None) -> HtmlRenderer:
    return HtmlRenderer(View(canonical_copy(result), Messages(lang)), templates)


def _fresh_page(result: dict, p_code: str, lang: str = "it") -> bytes:
    """The standalone page of one process rendered on its own (no sheet reused)."""
    renderer = _renderer(result, lang)
    p = renderer.view.process[p_code]
    return renderer.render(SHEET_TEMPLATE, p=p, pdf=False, base=PAGE_BASE).encode("utf-8")


def _fresh_unit_page(result: dict, file: str, lang: str = "it") -> bytes:
    """The standalone page of one unit rendered on its own (no dossier reused)."""
    renderer = _renderer(result, lang)
    d = next(d for d in renderer.view.unit_dossiers() if d["file"] == file)
    return renderer.render(UNIT_TEMPLATE, d=d, pdf=False, base=PAGE_BASE).encode("utf-8")


def _write(result: dict, tmp_path: Path, lang: str = "it", monkeypatch=None) -> tuple[HtmlRenderer, list[Path], list]:
    """write_html of the complete edition; returns the renderer, the files and the heading level each part reused
    was moved to (1: a sheet, 2: a dossier)."""
    reused: list[int] = []
    if monkeypatch is not None:
        original = html_module.page_sheet
        monkeypatch.setattr(html_module, "page_sheet",
                            lambda sheet, heading: reused.append(heading) or original(sheet, heading))
    renderer = _renderer(result, lang)
    out = tmp_path / "out"
    out.mkdir()
    return renderer, write_html(renderer, out), reused


@pytest.mark.parametrize(("catalogue", "lang"), [("mini", "it"), ("mini", "en"), ("esempio-cciaa", "it"),
                                                 ("esempio-piccolo", "it")])
def test_pages_are_the_pages_a_fresh_render_writes(assessed, tmp_path, monkeypatch, catalogue, lang):
    result = assessed(catalogue)
    renderer, files, reused = _write(result, tmp_path, lang, monkeypatch)
    processes = renderer.view.processes
    pages = [f for f in files if f.parent.name == "schede"]
    assert [f.name for f in pages] == [f"{p['file']}.html" for p in processes]
    for p, page in zip(processes, pages, strict=True):
        assert page.read_bytes() == _fresh_page(result, p["codice"], lang), page.name
    dossiers = [d for d in renderer.view.unit_dossiers() if d["unita"] is not None]
    unit_pages = [f for f in files if f.parent.name == "unita"]
    assert [f.name for f in unit_pages] == [f"{d['file']}.html" for d in dossiers]
    for d, page in zip(dossiers, unit_pages, strict=True):
        assert page.read_bytes() == _fresh_unit_page(result, d["file"], lang), page.name
    # The annex of the ordinary regime holds every sheet, each reused for its page; the simplified regime's annex
    # holds none (its pages are rendered on their own). The same for the units' dossiers, which the simplified
    # regime's annex does not hold either.
    assert reused.count(1) == (0 if renderer.view.simplified else len(processes))
    holds_dossiers = "misure-unita" in renderer.section_ids()
    assert holds_dossiers is not renderer.view.simplified
    assert reused.count(UNIT_PAGE_HEADING) == (len(dossiers) if holds_dossiers else 0)
    assert processes and dossiers


def test_measures_without_an_owner_are_in_the_annex_and_get_no_page(assessed, tmp_path, monkeypatch):
    """A result written by hand may leave a measure without an owner: its dossier (no unit, no file) is in the annex
    and gets no page, and every unit's page is still the page a fresh render writes."""
    result = copy.deepcopy(assessed("esempio-cciaa"))
    orphan = next(m["codice"] for m in result["misure"] if m["ambito"] != "generale")
    for unit in result["unita"]:
        unit["misure_responsabile"] = [c for c in unit["misure_responsabile"] if c != orphan]
    renderer, files, reused = _write(result, tmp_path, monkeypatch=monkeypatch)
    *dossiers, orphans = renderer.view.unit_dossiers()
    assert orphans["unita"] is None and orphans["file"] is None
    assert [m["codice"] for m in orphans["misure"]] == [orphan]
    assert f'id="{orphans["ref"]}"' in files[0].read_text(encoding="utf-8")
    unit_pages = [f for f in files if f.parent.name == "unita"]
    assert sorted(unit_pages) == sorted((tmp_path / "out" / "unita").iterdir())
    assert [f.name for f in unit_pages] == [f"{d['file']}.html" for d in dossiers]
    assert reused.count(UNIT_PAGE_HEADING) == len(dossiers)
    for d, page in zip(dossiers, unit_pages, strict=True):
        assert page.read_bytes() == _fresh_unit_page(result, d["file"]), page.name


def test_the_annex_is_the_one_rendered_whole(assessed, tmp_path):
    result = assessed("esempio-cciaa")
    _, files, _ = _write(result, tmp_path)
    assert files[0].read_bytes() == _renderer(result).annex().encode("utf-8")


HOSTILE = ['<h3 id="x">titolo</h3>', 'href="#registro"', "</article><h4>", '<a href="#p-x">', "<head>\n", "«—»"]


def _hostile(result: dict, text: str) -> dict:
    changed = copy.deepcopy(result)
    for p in changed["processi"]:
        p["nome"] = text + p["nome"]
        p["descrizione"] = text
        p["motivazione"] = text
    for m in changed["misure"]:
        m["nome"] = text
    for u in changed["unita"]:
        u["nome"] = text + u["nome"]
    return changed


@pytest.mark.parametrize("text", HOSTILE)
def test_catalogue_text_cannot_move_a_heading_or_a_link(assessed, tmp_path, monkeypatch, text):
    result = _hostile(assessed("mini"), text)
    renderer, _, reused = _write(result, tmp_path, monkeypatch=monkeypatch)
    assert reused.count(1) == len(renderer.view.processes)
    for p in renderer.view.processes:
        page = tmp_path / "out" / "schede" / f"{p['file']}.html"
        assert page.read_bytes() == _fresh_page(result, p["codice"])
    dossiers = [d for d in renderer.view.unit_dossiers() if d["unita"] is not None]
    assert reused.count(UNIT_PAGE_HEADING) == len(dossiers)
    for d in dossiers:
        page = tmp_path / "out" / "unita" / f"{d['file']}.html"
        assert page.read_bytes() == _fresh_unit_page(result, d["file"])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(list('<>/h34"#=ahref &;\n') + ["<h3", "</h4>", 'href="#', "à"]), max_size=20)
       .map("".join))
def test_any_text_leaves_the_page_as_a_fresh_render_writes_it(assessed, tmp_path_factory, text):
    result = _hostile(assessed("mini"), text)
    tmp_path = tmp_path_factory.mktemp("page")
    renderer, _, _ = _write(result, tmp_path)
    p = renderer.view.processes[0]
    assert (tmp_path / "out" / "schede" / f"{p['file']}.html").read_bytes() == _fresh_page(result, p["codice"])
    d = next(d for d in renderer.view.unit_dossiers() if d["unita"] is not None)
    assert (tmp_path / "out" / "unita" / f"{d['file']}.html").read_bytes() == _fresh_unit_page(result, d["file"])


@pytest.mark.parametrize("name", SHEET_PARTS)
def test_sheet_templates_write_headings_and_links_only_through_their_variables(name):
    """page_sheet moves every <h3>/<h4> and every href="#…" of a sheet: the templates may write none of their own."""
    text = re.sub(r"\{#.*?#\}", "", (PACKAGE_TEMPLATES / name).read_text(encoding="utf-8"), flags=re.S)
    assert not re.findall(r"<h(?!\{\{ h1? \}\})", text.replace("<head", "").replace("<html", ""))
    assert not re.findall(r"</h(?!\{\{ h1? \}\}>)", text.replace("</head", "").replace("</html", ""))
    assert len(re.findall(r'href="', text)) == len(re.findall(r'href="\{\{ base \}\}#', text))


@pytest.mark.parametrize(("name", "pages", "level"), [("scheda.html.j2", "schede", 1),
                                                      ("dossier_unita.html.j2", "unita", 2)])
def test_a_user_template_of_the_sheet_renders_every_page_itself(assessed, tmp_path, name, pages, level):
    """With user templates a sheet or dossier is rendered for the annex and for the page (in the sandbox): no
    reuse."""
    templates = tmp_path / "templates"
    templates.mkdir()
    body = (PACKAGE_TEMPLATES / name).read_text(encoding="utf-8")
    (templates / name).write_text(body + "<p>livello {{ h }}</p>\n", encoding="utf-8")
    renderer = _renderer(assessed("mini"), templates=templates)
    out = tmp_path / "out"
    out.mkdir()
    write_html(renderer, out)
    assert "<p>livello 3</p>" in (out / "allegato-rischi.html").read_text(encoding="utf-8")
    assert list((out / pages).iterdir())
    for page in (out / pages).iterdir():
        text = page.read_text(encoding="utf-8")
        assert f"<p>livello {level}</p>" in text and "<p>livello 3</p>" not in text


PAGE_PIECES = st.lists(st.sampled_from(["<!DOCTYPE html>", "<!doctype html>", "\n", " ", "<html", ' lang="it"', ">",
                                        "<head>", "<HEAD>", "\n<meta>", "<!-- x -->", "<body>", "h", "<", "ead>"]),
                       max_size=14)


@given(PAGE_PIECES, st.lists(st.integers(0, 200), max_size=6))
def test_the_policy_lands_where_with_policy_puts_it_however_the_page_is_cut(pieces, cuts):
    page = "".join(pieces)
    points = sorted({0, len(page), *(c % (len(page) + 1) for c in cuts)})
    parts = [page[a:b] for a, b in itertools.pairwise(points)]
    assert "".join(stream_with_policy(parts)) == with_policy(page)


@pytest.mark.parametrize("kind", [str, Markup])
def test_a_streamed_page_is_written_before_it_ends(kind):
    def long_page():
        yield kind("<!DOCTYPE html>\n<html lang=\"it\">\n<he")
        yield kind("ad>")
        yield kind("\n")
        for _ in range(100_000):
            yield kind("<p>…</p>")

    pieces = stream_with_policy(long_page())
    first = next(pieces)
    assert first == with_policy("<!DOCTYPE html>\n<html lang=\"it\">\n<head>\n")
    assert next(pieces) == "<p>…</p>"


def test_the_annex_is_streamed_from_its_start(assessed):
    """The first piece of the annex is its start, not the whole annex held back by the policy's placement."""
    renderer = _renderer(assessed("esempio-cciaa"))
    pieces = renderer._pieces("allegato.html.j2", {"pdf": False, "base": ""})
    first = next(pieces)
    assert "Content-Security-Policy" in first
    assert len(first) < 1000 < len(renderer.annex())
