"""Property-based tests of the safe YAML loader: round trips, locations, and hostile bytes."""

from __future__ import annotations

import calendar
import datetime as dt
import math
import os
import tempfile

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from riskengine.errors import RiskengineError
from riskengine.source import document as yamlsrc
from riskengine.source import yaml_reader
from riskengine.source.document import Document, load_yaml

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)  # any unicode but lone surrogates
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-10**30, max_value=10**30),
    st.floats(allow_nan=False), st.dates(), text,
)
data = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(text, children, max_size=4),
    max_leaves=25,
)
dump_options = st.fixed_dictionaries({
    "allow_unicode": st.booleans(),
    "default_flow_style": st.sampled_from([False, None]),  # block style, or flow for the innermost collections
    "sort_keys": st.booleans(),
    "indent": st.sampled_from([2, 4]),
})


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("props")


def _load_text(workdir, content: str | bytes) -> Document:
    fd, name = tempfile.mkstemp(suffix=".yaml", dir=workdir)
    with os.fdopen(fd, "wb") as handle:
        handle.write(content.encode("utf-8") if isinstance(content, str) else content)
    try:
        return load_yaml(name)
    finally:
        os.unlink(name)


def _kind(value) -> type:
    """The type of a value, a float that keeps its written digits (``WrittenFloat``) being a float."""
    return float if isinstance(value, float) else type(value)


def _same(a, b, ordered: bool = False) -> bool:
    """Equality that tells 1 from 1.0 and True from 1 (YAML must not turn one into the other).

    With ``ordered``, mappings must also keep their key order.
    """
    if _kind(a) is not _kind(b):
        return False
    if isinstance(a, dict):
        keys_ok = list(a) == list(b) if ordered else set(a) == set(b)
        return keys_ok and all(_same(a[k], b[k], ordered) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y, ordered) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isinf(a):
        return a == b
    return a == b


@SETTINGS
@given(value=data, options=dump_options)
def test_safe_dump_round_trips(workdir, value, options):
    dumped = yaml.safe_dump(value, width=10**6, **options)
    doc = _load_text(workdir, dumped)
    ordered = not options["sort_keys"]
    assert _same(doc.data, yaml.safe_load(dumped), ordered), dumped  # PyYAML's own reading
    if "\x85" not in dumped:  # PyYAML writes NEL raw with allow_unicode, and then reads it as a line break
        assert _same(doc.data, value, ordered), dumped


def _leaves(value, path=()):
    """(path, value) of every scalar and empty collection; (path, key) of every mapping key."""
    if isinstance(value, dict) and value:
        for k, v in value.items():
            yield path + (k,), k, True
            yield from _leaves(v, path + (k,))
    elif isinstance(value, list) and value:
        for i, v in enumerate(value):
            yield from _leaves(v, path + (i,))
    else:
        yield path, value, False


def _tokens_at(source: str) -> dict[tuple[int, int], list]:
    """PyYAML's (pure Python) scanner tokens of ``source`` by 1-based (line, column) of their start."""
    found: dict[tuple[int, int], list] = {}
    for token in yaml.scan(source, Loader=yaml.SafeLoader):
        found.setdefault((token.start_mark.line + 1, token.start_mark.column + 1), []).append(token)
    return found


def _written_as(tokens: list, leaf) -> bool:
    """Whether one of ``tokens`` is ``leaf`` as written: a scalar with its text, or an empty collection."""
    for token in tokens:
        if isinstance(token, yaml.ScalarToken):
            if isinstance(leaf, str):
                return token.value == leaf and (not token.plain or isinstance(yaml.safe_load(token.value), str))
            return token.plain and _same(yaml.safe_load(token.value), leaf)
        if leaf == [] and isinstance(token, yaml.FlowSequenceStartToken):
            return True
        if leaf == {} and isinstance(token, yaml.FlowMappingStartToken):
            return True
    return False


@SETTINGS
@given(value=st.dictionaries(text, data, min_size=1, max_size=4) | st.lists(data, min_size=1, max_size=4),
       options=dump_options)
def test_locate_points_at_every_leaf_and_key(workdir, value, options):
    source = yaml.safe_dump(value, width=10**6, **options)
    assume("\x85" not in source)  # see test_safe_dump_round_trips
    doc = _load_text(workdir, source)
    tokens = _tokens_at(source)
    for path, leaf, is_key in _leaves(value):
        loc = doc.locate(path, key=is_key)
        assert loc.path == doc.path
        here = tokens.get((loc.line, loc.column), [])
        assert _written_as(here, leaf), (path, is_key, loc, here, source)


@SETTINGS
@given(value=data, path=st.lists(st.one_of(st.integers(-2, 5), text), max_size=4), key=st.booleans())
def test_locate_never_fails_on_any_path(workdir, value, path, key):
    doc = _load_text(workdir, yaml.safe_dump(value))
    loc = doc.locate(tuple(path), key=key)
    assert loc.line >= 1 and loc.column >= 1


yamlish = st.lists(st.sampled_from([
    "[", "]", "{", "}", ": ", ":", "- ", ", ", "&a ", "*a ", "&b ", "*b ", "!!python/object/apply:os.system ",
    "!x ", "!!binary ", "!!set ", "<<: ", "? ", "|\n", ">\n", "#", "'", '"', "\\", "\t", "\n", "  ", "    ",
    "a", "codice", "1", "1.10", "0x_", "0b", "0o7", ".inf", "2026-02-30", "2026-01-31", "2026-01-31 10:00:00 +99:00",
    "true", "null", "~", "---\n", "...\n", "%YAML 1.1\n", "%TAG ! tag:x,2000:\n", "\ufeff", "\x85", "\u2028",
    "\x00", "\x07", "é", "🙂",
]), max_size=60).map("".join)


@SETTINGS
@given(content=st.binary(max_size=300) | yamlish.map(lambda s: s.encode("utf-8", "surrogatepass")))
def test_any_bytes_load_or_raise_riskengine_error(workdir, content):
    try:
        doc = _load_text(workdir, content)
    except RiskengineError as exc:
        problems = exc.problems
    else:
        if doc.data is not None:
            assert doc.locate(()).line >= 1
        return
    assert problems
    for problem in problems:
        assert problem.location.path.endswith(".yaml")
        assert problem.message


def test_dates_and_codes_keep_their_yaml_types(workdir):
    doc = _load_text(workdir, "d: 2026-01-31\nt: 2026-01-31 10:00:00\nc: B2.1.1\nf: 1.10\ns: '1.10'\nn: 7\n"
                              "z: '007'\nh: 0x1F\ng: 1_000\n")
    assert doc.data == {"d": dt.date(2026, 1, 31), "t": dt.datetime(2026, 1, 31, 10, 0), "c": "B2.1.1",
                        "f": 1.1, "s": "1.10", "n": 7, "z": "007", "h": 31, "g": 1000}
    assert type(doc.data["d"]) is dt.date


@pytest.mark.parametrize(("text", "read"), [("010", "8"), ("007", "7"), ("-010", "-8"), ("0_1", "1"), ("1:30", "90"),
                                            ("10:30", "630"), ("1:30.5", "90.5"), ("!!int 010", "8")])
def test_a_number_yaml_1_1_reads_otherwise_than_it_looks_is_refused(workdir, text, read):
    # 'dipendenti: 010' was 8 and 'codice: 010' the code '8', 'target: 10:30' the text '630', without a word
    with pytest.raises(RiskengineError) as info:
        _load_text(workdir, f"x: 1\nn: {text}\n")
    (problem,) = info.value.problems
    values = dict(problem.args)
    base = "sessagesimale" if ":" in text else "ottale"
    assert (problem.key, problem.location.line, problem.location.column) == ("problemi.yaml.numero", 2, 4)
    assert (values["dettaglio_chiave"], values["letto"]) == (f"problemi.yaml.causa.{base}", read)
    assert _load_text(workdir, f"n: '{text}'\n").data == {"n": text}  # quoted, it is the text


def test_a_float_with_leading_zeros_reads_as_it_looks(workdir):
    # octal is for integers only: 00.5 and 08.5 are the numbers they look
    assert _load_text(workdir, "a: 00.5\nb: 08.5\nc: -0.5\n").data == {"a": 0.5, "b": 8.5, "c": -0.5}


def _date_cause(year: int, month: int, day: int, clock: tuple[int, int, int] | None, zone: int | None) -> str | None:
    """The oracle: why a date of these parts is none (the first part out of the calendar), None when it is one."""
    if year == 0:
        return "anno_zero"
    if not 1 <= month <= 12:
        return "mese"
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return "giorno"
    if clock is not None and (clock[0] > 23 or clock[1] > 59 or clock[2] > 59):
        return "ora"
    if zone is not None and zone > 23:
        return "fuso"
    return None


@SETTINGS
@given(year=st.integers(0, 9999), month=st.integers(0, 13) | st.integers(0, 99), day=st.integers(0, 32) | st.integers(0, 99),
       clock=st.none() | st.tuples(st.integers(0, 24), st.integers(0, 60), st.integers(0, 60))
       | st.tuples(st.integers(0, 99), st.integers(0, 99), st.integers(0, 99)),
       zone=st.none() | st.integers(0, 25) | st.integers(0, 99))
@example(year=2026, month=1, day=31, clock=(10, 0, 60), zone=None)  # the last second, the last day of a month
@example(year=2026, month=1, day=31, clock=(24, 0, 0), zone=None)
@example(year=2024, month=2, day=29, clock=(23, 59, 59), zone=24)
def test_a_date_is_read_or_refused_with_its_cause(workdir, year, month, day, clock, zone):
    text = f"{year:04d}-{month:02d}-{day:02d}"
    if clock is not None:
        text += f" {clock[0]:02d}:{clock[1]:02d}:{clock[2]:02d}" + (f" +{zone:02d}" if zone is not None else "")
    cause = _date_cause(year, month, day, clock, None if clock is None else zone)
    try:
        doc = _load_text(workdir, f"d: {text}\n")
    except RiskengineError as exc:
        (problem,) = exc.problems
        assert cause is not None, text
        assert (problem.key, problem.location.line, problem.location.column) == ("problemi.yaml.data", 1, 4)
        assert dict(problem.args)["dettaglio_chiave"] == f"problemi.yaml.causa.{cause}"
    else:
        assert cause is None, text
        assert doc.data == yaml.safe_load(f"d: {text}")


def test_locate_missing_key_points_at_the_nearest_parent(workdir):
    doc = _load_text(workdir, "a:\n  a: 1\n  b: [x, y]\n")
    assert (doc.locate(("a", "a")).line, doc.locate(("a", "a")).column) == (2, 6)
    assert (doc.locate(("a", "a"), key=True).line, doc.locate(("a", "a"), key=True).column) == (2, 3)
    # an inner 'a' absent: the nearest parent is the inner mapping (line 2, column 3), not the outer key 'a'
    other = _load_text(workdir, "a:\n  b: 1\n")
    assert (other.locate(("a", "a"), key=True).line, other.locate(("a", "a"), key=True).column) == (2, 3)
    assert (doc.locate(("a", "b", 1)).line, doc.locate(("a", "b", 1)).column) == (3, 10)
    assert (doc.locate(("a", "b", 7)).line, doc.locate(("a", "b", 7)).column) == (3, 6)


def test_released_positions_are_read_again_from_the_unchanged_file(tmp_path):
    path = tmp_path / "m.yaml"
    path.write_text("misure:\n  - codice: M1\n    descrizione: x\n  - codice: M2\n", encoding="utf-8")
    doc = load_yaml(path)
    before = doc.locate(("misure", 1, "codice"))
    doc.release_positions()
    assert doc.source is None and doc._index is None
    after = doc.locate(("misure", 1, "codice"))
    assert (after.line, after.column) == (before.line, before.column) == (4, 13)
    assert doc.locate(("misure", 0, "descrizione"), key=True).line == 3


def test_bytes_read_again_are_released_again_without_hashing_them(tmp_path, monkeypatch):
    """Their digest was checked when they were read again: releasing them keeps it (a national catalogue's
    processes.yaml is 85 MB to hash), and the next reading is checked against it."""
    path = tmp_path / "m.yaml"
    path.write_text("misure:\n  - codice: M1\n  - codice: M2\n", encoding="utf-8")
    doc = load_yaml(path)
    doc.release_positions()
    hashed = []
    sha256 = yamlsrc.hashlib.sha256
    monkeypatch.setattr(yamlsrc.hashlib, "sha256", lambda data=b"": hashed.append(len(data)) or sha256(data))
    assert doc.locate(("misure", 1, "codice")).line == 3
    assert len(hashed) == 1  # the bytes read again, checked against the digest of the loaded ones
    doc.release_positions()
    assert len(hashed) == 1 and doc.source is None and doc._index is None
    path.write_text("# edited\nmisure:\n  - codice: M1\n  - codice: M2\n", encoding="utf-8")
    assert str(doc.locate(("misure", 1, "codice"))) == str(path)  # the kept digest still tells a changed file


def test_released_positions_of_a_changed_file_point_at_the_file_only(tmp_path, monkeypatch):
    path = tmp_path / "m.yaml"
    path.write_text("misure:\n  - codice: M1\n", encoding="utf-8")
    doc = load_yaml(path)
    doc.release_positions()
    path.write_text("# edited\n\nmisure:\n  - codice: M1\n", encoding="utf-8")
    reads = []
    monkeypatch.setattr(yamlsrc, "read_file", lambda p, read=yamlsrc.read_file, **kw: reads.append(p) or read(p, **kw))
    for _ in range(3):
        assert str(doc.locate(("misure", 0, "codice"))) == str(path)  # never a line of a different text
    assert len(reads) == 1  # found changed once, then not read again


@SETTINGS
@given(source=data.map(lambda v: yaml.safe_dump(v, width=10**6)) | yamlish)
def test_one_pass_gives_the_data_and_the_index_of_two(source):
    """Loading builds the position index in the same pass as the data (issue 18): the same data, the same
    index and the same error as the data pass and the index pass apart."""

    def run(**mode):
        try:
            return yaml_reader._scan("x.yaml", source, **mode), None
        except (RiskengineError, yaml_reader._FallbackError, yaml.YAMLError) as exc:
            return None, (type(exc), str(exc))

    both, both_error = run(data=True, index=True)
    data_only, data_error = run(data=True)
    assert both_error == data_error
    if both is None or data_only is None:
        return
    assert _same(both.data, data_only.data, ordered=True)
    index_only, _ = run(data=False)
    assert index_only is not None and both.index == index_only.index
