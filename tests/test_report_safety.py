"""Unit tests of the report's safety helpers: formula neutralisation, safe file names, colours, CSS strings."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskengine.report.html import css_string
from riskengine.report.messages import Messages, keys
from riskengine.report.safety import (
    contrast_ratio,
    html_id,
    neutralise,
    safe_colour,
    safe_filename,
    text_colour,
    unique_filenames,
)


@pytest.mark.parametrize("text", ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"])
def test_formula_prefixes_are_neutralised(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["Controllo a campione", "a=b", "10%", "", "'già protetto"])
def test_plain_text_is_unchanged(text):
    assert neutralise(text) == text


def test_xml_illegal_control_characters_are_dropped():
    assert neutralise("a\x00b\x1fc\nd") == "abc\nd"


@pytest.mark.parametrize("code", ["../../etc/x", "..\\..\\x", "C:\\x", "/etc/passwd", "..", ".", "", "a/../../b",
                                  "CON", "nul.txt", "~root", "x\x00y", "-rf", ".hidden"])
def test_hostile_codes_give_names_inside_the_directory(code, tmp_path):
    name = safe_filename(code)
    assert name and "/" not in name and "\\" not in name and ".." not in name and ":" not in name
    assert not name.startswith((".", "-"))
    assert name.split(".")[0].lower() not in {"con", "nul", "prn", "aux"}
    assert (tmp_path / f"{name}.html").resolve().parent == tmp_path.resolve()


def test_ordinary_codes_are_kept():
    assert safe_filename("B2.1.1") == "B2.1.1"
    assert safe_filename("P_1.1.1") == "P_1.1.1"


def test_unique_filenames_keep_distinct_codes_distinct():
    names = unique_filenames(["a/b", "a_b", "A_B", "a:b"])
    assert len({n.lower() for n in names.values()}) == 4


@settings(max_examples=300, deadline=None)
@given(st.text(min_size=0, max_size=60))
def test_any_code_gives_a_safe_name(code):
    name = safe_filename(code)
    assert name and len(name) <= 80
    assert all(c.isascii() and (c.isalnum() or c in "._-") for c in name)
    assert ".." not in name and not name.startswith((".", "-"))
    assert Path("/out", name).parent == Path("/out")


def test_html_ids_are_safe():
    assert html_id("p", "B2.1.1") == "p-B2.1.1"
    assert all(c.isalnum() or c in "._-" for c in html_id("p", '"><script>'))


@pytest.mark.parametrize("value,expected", [("#c62828", "#c62828"), ("#ABC", "#aabbcc"),
                                            ("red;background:url(x)", "#9e9e9e"), (None, "#9e9e9e"),
                                            ("#12345g", "#9e9e9e")])
def test_only_hex_colours_reach_css(value, expected):
    assert safe_colour(value) == expected


@pytest.mark.parametrize("colour", ["#2e7d32", "#9ccc65", "#fbc02d", "#f57c00", "#c62828", "#ffffff", "#000000"])
def test_level_text_has_sufficient_contrast(colour):
    assert contrast_ratio(colour, text_colour(colour)) >= 4.5


def test_css_strings_cannot_escape():
    text = css_string('a"b\\c</style><script>\n')
    assert text.startswith('"') and text.endswith('"')
    inner = text[1:-1]
    assert '"' not in inner and "<" not in inner and ">" not in inner and "\n" not in inner


def test_message_catalogues_have_the_same_keys():
    assert keys("it") == keys("en")


def test_unknown_language_is_refused():
    from riskengine.errors import RiskengineError

    with pytest.raises(RiskengineError, match="unknown language 'fr'"):
        Messages("fr")
