"""One copy of the result for every format, none for a result read from a file (issue 18, item 6: report memory).

``report risultato.json`` reads the result compactly (validated a process at a time, equal texts one object), puts
it in canonical form in place and renders every format from it; ``assess`` renders one canonical copy of its
in-memory result. Both must write the same bytes as before, and no format may change the result it renders.
"""

from __future__ import annotations

import copy
from pathlib import Path

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from riskengine.report import canonical_copy, load_result, make_canonical, write_annex
from riskengine.report.html import HtmlRenderer
from riskengine.report.messages import Messages
from riskengine.report.view import View
from riskengine.result.model import RESULT
from riskengine.result.read import _validated, read_result

# The PDF is WeasyPrint's rendering of the print variant of the annex HTML: compared as that HTML (much faster).
FORMATS = ("html", "xlsx", "csv", "json", "docx")
CATALOGUES = ("mini", "esempio-cciaa", "esempio-piccolo")


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module", params=CATALOGUES)
def result_file(request, assessed, tmp_path_factory):
    out = tmp_path_factory.mktemp("result") / request.param
    write_annex(assessed(request.param), out, formats=("json",))
    return request.param, out / "risultato.json"


def test_validated_by_parts_is_what_validating_the_whole_gives(result_file):
    _, path = result_file
    raw = path.read_bytes()
    whole = RESULT.validate_json(raw)
    parts, unchanged = _validated(raw)
    assert unchanged
    assert parts == whole
    # same key order too (dumped without sorting)
    assert orjson.dumps(parts) == orjson.dumps(whole)


def test_an_invalid_result_is_not_validated_by_parts():
    assert _validated(b'{"formato": "x", "processi": [{"codice": 1}]}') is None
    assert _validated(b"[1, 2]") is None
    assert _validated(b'{"processi": ') is None


def test_numeric_scores_are_still_checked(result_file, tmp_path):
    """A label where a numeric method writes a number is refused; a qualitative method's scores are labels."""
    _, path = result_file
    data = orjson.loads(path.read_bytes())
    data["processi"][0]["probabilita"] = "alta"
    bad = tmp_path / "risultato.json"
    bad.write_bytes(orjson.dumps(data))
    if data["metodo"]["numerico"]:
        assert _validated(bad.read_bytes()) is None
        with pytest.raises(Exception, match=r"processi\[0\]\.probabilita"):
            read_result(bad)
    else:
        assert _validated(bad.read_bytes()) is not None
        assert read_result(bad)["processi"][0]["probabilita"] == "alta"


def test_made_canonical_in_place_is_the_canonical_copy(result_file):
    _, path = result_file
    read = read_result(path)
    expected = orjson.dumps(canonical_copy(read))
    assert orjson.dumps(make_canonical(read)) == expected  # same values and the same (sorted) key order


def test_equal_texts_are_one_object(result_file):
    _, path = result_file
    result = load_result(path)
    names = [p["unita"]["nome"] for p in result["processi"] if p.get("unita")]
    by_text: dict[str, str] = {}
    for name in names:
        assert by_text.setdefault(name, name) is name
    assert len(set(names)) < len(names)


def test_non_finite_numbers_become_null_as_in_the_canonical_copy():
    result = {"b": [float("nan"), 1.5, {"y": float("inf"), "x": "t"}], "a": "t"}
    expected = canonical_copy(copy.deepcopy(result))
    assert orjson.dumps(make_canonical(result)) == orjson.dumps(expected)
    assert list(result) == ["a", "b"]


def test_report_from_the_file_writes_what_assess_writes(result_file, assessed, tmp_path):
    """Every format, both editions: the result read without a copy gives the bytes of the in-memory result's."""
    name, path = result_file
    from_memory = tmp_path / "memoria"
    write_annex(assessed(name), from_memory, formats=FORMATS)
    from_file = tmp_path / "file"
    read = load_result(path)
    write_annex(read, from_file, formats=FORMATS, copy=False)
    assert _files(from_file) == _files(from_memory)
    for edition in ("completa", "pubblicazione"):
        printed = [HtmlRenderer(View(data, Messages("it"), edition=edition)).annex(pdf=True)
                   for data in (read, canonical_copy(assessed(name)))]
        assert printed[0] == printed[1]


def test_no_format_changes_the_result_it_renders(result_file, assessed, tmp_path):
    name, path = result_file
    result = load_result(path)
    before = orjson.dumps(result)
    write_annex(result, tmp_path / "out", formats=FORMATS, copy=False)
    assert orjson.dumps(result) == before
    given = assessed(name)
    before = orjson.dumps(given, option=orjson.OPT_PASSTHROUGH_DATACLASS, default=str)
    write_annex(given, tmp_path / "out2", formats=FORMATS)
    assert orjson.dumps(given, option=orjson.OPT_PASSTHROUGH_DATACLASS, default=str) == before


_JSON = st.recursive(st.none() | st.booleans() | st.integers(-2**53, 2**53) | st.floats() | st.text(max_size=5),
                     lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
                     max_leaves=30)


@given(st.dictionaries(st.text(max_size=3), _JSON, max_size=5))
def test_any_result_made_canonical_in_place_is_the_canonical_copy(result):
    """Keys in any order (sorted or not, as a file may hold them), texts, non-finite numbers, nesting."""
    expected = orjson.dumps(canonical_copy(copy.deepcopy(result)))
    assert orjson.dumps(make_canonical(result)) == expected
