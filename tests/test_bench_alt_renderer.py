"""Issue 18 item 7: the Typst prototype of the risk sheets (bench/alt_renderer.py) escapes catalogue text, reads
no file outside its root, and shows the same text as the sheets of the PDF annex.

Typst markup is code (``#read(...)``, ``#import``, ``$...$``, ``<label>``, ``@ref``): the oracles are Typst's own
evaluation of what the prototype writes (a string literal must evaluate to the text, a markup piece must be one
text whatever markup follows it), the text of the compiled PDF, and the text of the annex's HTML for the sheets.
"""

from __future__ import annotations

import io
import json
import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

typst = pytest.importorskip("typst")

from riskengine.report import canonical_copy  # noqa: E402
from riskengine.report.html import HtmlRenderer  # noqa: E402
from riskengine.report.messages import Messages  # noqa: E402
from riskengine.report.view import View  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
try:
    import alt_renderer
finally:
    sys.path.pop(0)

HOSTILE = ['#read("/etc/passwd")', "#import \"@preview/cetz:0.3.0\": *", "a ] b [ c", "$x^2$", "back\\slash \\",
           "// not a comment", "/* nor this */", "@ref", "<x>", '"quoted"', "*strong* _emph_ `raw`", "= heading",
           "- item", "+ item", "#let x = 1", "#{ panic() }", "~ -- --- ... 'quote'", "#\"nested\";.len()",
           "\\u{41} #sym.arrow", "https://example.org/#frag", "line\none\ttab"]


@pytest.fixture(scope="module")
def evaluator(tmp_path_factory):
    """A Typst compiler whose ``eval`` evaluates expressions (it needs a document: an empty one in its root)."""
    root = tmp_path_factory.mktemp("typst-root")
    (root / "main.typ").write_text("", encoding="utf-8")
    return typst.Compiler(input=str(root / "main.typ"), root=str(root), ignore_system_fonts=True)


def texts(node) -> str:
    """The text of evaluated content; anything else than text and spaces fails the test."""
    kind = node["func"]
    if kind == "text":
        return node["text"]
    if kind == "space":
        return " "
    assert kind == "sequence", f"markup became {kind}: {node}"
    return "".join(texts(child) for child in node["children"])


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_a_string_literal_evaluates_to_exactly_the_text(evaluator, text):
    assert json.loads(evaluator.eval(alt_renderer.typst_string(text))) == text


@settings(max_examples=300, deadline=None)
@given(st.text(), st.sampled_from([".len()", "(1)", "[x]", ".text", ";", ": ", ""]))
def test_text_in_markup_stays_text_whatever_follows(evaluator, text, after):
    """Markup after a text (``.len()``, ``(1)``, ``[x]``) never continues it as a method or function call."""
    shown = re.sub(r"[ \t\n\f\r]+", " ", text)
    assert texts(json.loads(evaluator.eval(f"[{alt_renderer.typst_text(text)}{after}]"))) == shown + after


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_is_one_text(evaluator, text):
    assert texts(json.loads(evaluator.eval(f"[{alt_renderer.typst_text(text)}]"))) == re.sub(r"[ \t\n]+", " ", text)


def test_hostile_text_comes_out_literally_in_the_pdf():
    source = "\n\n".join(alt_renderer.typst_text(text) for text in HOSTILE)
    pdf = alt_renderer.compile_pdf(f'#set document(title: "x")\n#set text(lang: "it", font: "DejaVu Sans")\n= x\n{source}',
                                   created="2026-01-15")
    shown = re.sub(r"\s+", " ", body_text(pdf, crop=False))
    for text in HOSTILE:
        assert re.sub(r"\s+", " ", text) in shown, text


@pytest.mark.parametrize("markup", ['#read("../secret.txt")', '#read("/../secret.txt")', '#image("../secret.txt")',
                                    '#include "../secret.txt"', '#import "../secret.txt": *', '#read("{secret}")',
                                    '#read("/secret.txt")', '#csv("../secret.txt")'])
def test_the_compiler_reads_nothing_outside_its_root(tmp_path, markup):
    secret = tmp_path / "secret.txt"
    secret.write_text("segreto", encoding="utf-8")
    root = tmp_path / "root"
    root.mkdir()
    (root / "inside.txt").write_text("dentro", encoding="utf-8")
    compiler = alt_renderer.compiler(root)
    # the control: a file inside the root is read (the refusals below are the root's doing)
    inside = compiler.compile(input=b'#read("inside.txt")', format="pdf")
    assert "dentro" in body_text(inside, crop=False)
    with pytest.raises(typst.TypstError, match=r"escape the project root|file not found"):
        compiler.compile(input=markup.replace("{secret}", str(secret)).encode(), format="pdf")


@pytest.mark.parametrize("path", ["/etc/passwd", "../../../../../../../etc/passwd", "/proc/self/environ"])
def test_compile_pdf_runs_in_an_empty_root(path):
    with pytest.raises(typst.TypstError, match=r"escape the project root|file not found"):
        alt_renderer.compile_pdf(f"#read({alt_renderer.typst_string(path)})", standards=[])


# -- the same content as the annex's sheets ------------------------------------------------------------------

class _MainText(HTMLParser):
    """The text of an HTML page's <main>, as a reader sees it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inside = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.inside += tag == "main"

    def handle_endtag(self, tag):
        self.inside -= tag == "main"

    def handle_data(self, data):
        if self.inside:
            self.parts.append(data)


def comparable(text: str) -> str:
    """Text without what the two layouts legitimately differ in: line breaks and spaces, hyphens (a word may
    be hyphenated at a line end in one and not the other), list markers."""
    return re.sub(r"[\s\-‐•]", "", text)


def body_text(pdf: bytes, *, crop: bool = True) -> str:
    """The text of a PDF; with ``crop``, only what lies between the top and bottom margins (no running
    header or footer)."""
    from pypdf import PdfReader

    out: list[str] = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        top = float(page.mediabox.top) - 2.2 / 2.54 * 72
        bottom = 2.0 / 2.54 * 72

        def keep(text, cm, tm, _font, _size, top=top, bottom=bottom):
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]  # the text's origin on the page (text matrix × CTM)
            if not crop or bottom <= y <= top:
                out.append(text)

        page.extract_text(visitor_text=keep)
    return "".join(out)


def hostile(result: dict) -> dict:
    result = canonical_copy(result)
    first = next(p for p in result["processi"] if p.get("valutato"))
    first["motivazione"] = " ".join(HOSTILE)
    first["nome"] = "Nome #strong[non grassetto] $x$ <etichetta>"
    return result


@pytest.fixture(scope="module")
def mini_renderer(assessed):
    return HtmlRenderer(View(hostile(assessed("mini")), Messages("it"), edition="pubblicazione"))


@pytest.fixture(scope="module")
def mini_pdf(mini_renderer):
    sheets = alt_renderer.TypstSheets(mini_renderer)
    return alt_renderer.compile_pdf(sheets.document(), created=mini_renderer.view.result.get("data_valutazione"))


def test_the_typst_sheets_show_the_text_of_the_annex_sheets(mini_renderer, mini_pdf):
    html = mini_renderer.annex(pdf=True, parte=alt_renderer.section_part())
    parser = _MainText()
    parser.feed(html)
    expected = comparable("".join(parser.parts))
    assert "#read(\"/etc/passwd\")" in "".join(parser.parts)  # the hostile text is part of what is compared
    assert comparable(body_text(mini_pdf)) == expected


def test_the_typst_sheets_are_tagged_pdf_a_and_ua_in_italian_and_reproducible(mini_renderer, mini_pdf):
    info = alt_renderer.describe(mini_pdf)
    processes = len(mini_renderer.view.processes)
    assert (info["tagged"], info["structure"], info["pdfa"], info["pdfua"], info["lang"], info["title"]) == \
        (True, True, "3a", "1", "it", True)
    assert info["element_types"]["/H2"] == processes  # one heading per sheet, bookmarked
    assert info["bookmarks"] == processes + 1
    sheets = alt_renderer.TypstSheets(mini_renderer)
    again = alt_renderer.compile_pdf(sheets.document(), created=mini_renderer.view.result.get("data_valutazione"))
    assert again == mini_pdf


def test_links_to_measures_land_on_anchors_of_the_document(mini_renderer):
    sheets = alt_renderer.TypstSheets(mini_renderer)
    source = sheets.document()
    assert sheets.links  # mini's sheets link to their measures
    for ref in sheets.links:
        assert f"#anchor({alt_renderer.typst_string(ref)})" in source


def test_the_register_table_repeats_its_header_and_tags_it(mini_renderer):
    sheets = alt_renderer.TypstSheets(mini_renderer)
    pdf = alt_renderer.compile_pdf(sheets.register(), created=mini_renderer.view.result.get("data_valutazione"))
    info = alt_renderer.describe(pdf)
    view = mini_renderer.view
    types = info["element_types"]
    assert (types["/Table"], types["/THead"], types["/TH"], types["/TR"]) == \
        (1, 1, 9 + len(view.variants), len(view.processes) + 1)
    assert info["links"] == len(view.processes)  # every code links to its sheet
    assert "Nome #strong[non grassetto] $x$ <etichetta>" in body_text(pdf, crop=False)
