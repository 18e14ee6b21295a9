"""The streamed result JSON: the same bytes as ``json.dumps(indent=2, sort_keys=True)``, in chunks (orjson per batch
of records)."""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskengine.result import writer
from riskengine.result.writer import NotPlainError, compact_json, iter_json, write_json

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
# Integers within 64 bits: orjson's range (larger ones fall back to json.dumps, tested below).
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**63, max_value=2**64 - 1), text)
plain = st.recursive(
    scalars,
    lambda children: (st.lists(children, max_size=5) | st.tuples(children, children)
                      | st.dictionaries(text, children, max_size=5)),
    max_leaves=60,
)


def canonical(data) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")


def written(data, tmp_path) -> bytes:
    """The bytes write_json writes, checked against the digest it gives (hashed as written, either encoder)."""
    path = tmp_path / "risultato.json"
    digest = write_json(data, path)
    text = path.read_bytes()
    assert digest == hashlib.sha256(text).hexdigest()
    return text


@SETTINGS
@given(plain)
def test_same_text_as_json_dumps(data):
    assert b"".join(iter_json(data)) == canonical(data)


@SETTINGS
@given(st.dictionaries(text, st.lists(plain, min_size=1, max_size=7), min_size=1, max_size=3))
def test_same_text_when_the_lists_are_encoded_a_few_records_at_a_time(data):
    # records are encoded in batches of at most writer._RECORDS: the seams between batches must not show
    original = writer._RECORDS
    writer._RECORDS = 2
    try:
        assert b"".join(iter_json(data)) == canonical(data)
    finally:
        writer._RECORDS = original


def test_a_batch_after_small_records_holds_at_most_a_few_large_ones():
    # the batch size is guessed from the last batch: after small records it is the most, _RECORDS records
    small, large = [{"n": i} for i in range(300)], [{"t": "x" * 100_000} for _ in range(64)]
    chunks = list(iter_json({"processi": small + large}))
    assert b"".join(chunks) == canonical({"processi": small + large})
    assert max(map(len, chunks)) < (writer._RECORDS + 1) * 100_020


def test_a_list_longer_than_a_batch_is_written_as_json_dumps():
    records = [{"codice": f"P{i:04d}", "eventi": [{"n": i, "testo": "è\n\"x\""}] * (i % 3), "vuoto": {}}
               for i in range(3 * writer._RECORDS + 7)]
    data = {"processi": records, "misure": [], "altro": list(range(writer._RECORDS + 1)), "z": "fine"}
    assert b"".join(iter_json(data)) == canonical(data)


@SETTINGS
@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                 st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=3)))
def test_floats_are_written_in_a_form_that_reads_back_the_same(data):
    # A result holds no floats (exact numbers are text); orjson may write an exponent differently
    # from json.dumps (1.5e-7 for 1.5e-07), never another value.
    text = b"".join(iter_json({"a": [data], "b": "x"}))
    assert json.loads(text) == {"a": [data], "b": "x"}
    if b"e-" not in canonical(data):
        assert text == canonical({"a": [data], "b": "x"})


@SETTINGS
@given(st.one_of(st.dictionaries(st.integers(), text, min_size=1, max_size=3),
                 st.integers(min_value=2**64), st.integers(max_value=-2**63 - 1)))
def test_other_values_fall_back_to_json_dumps(tmp_path_factory, data):
    for value in (data, {"a": [data], "b": "x"}, {"a": {"b": data}}, [data]):
        assert written(value, tmp_path_factory.mktemp("out")) == canonical(value)


def test_values_orjson_would_write_its_own_way_fall_back(tmp_path):
    import dataclasses
    import datetime as dt

    class Text(str):
        pass

    @dataclasses.dataclass
    class Point:
        x: int

    for value in (Text("x"), dt.date(2026, 1, 31), Point(1)):
        data = {"a": [{"b": value}]}
        with pytest.raises(NotPlainError):
            b"".join(iter_json(data))
        if isinstance(value, str):
            assert written(data, tmp_path) == canonical(data)
        else:  # json.dumps refuses them, and so does the writer
            with pytest.raises(TypeError):
                written(data, tmp_path)


def test_a_failed_stream_leaves_no_partial_text(tmp_path):
    records = [{"codice": f"P{n:05d}", "testo": "x" * 100} for n in range(3000)] + [{"n": 2**70}]
    data = {"processi": records}
    assert written(data, tmp_path) == canonical(data)


def test_large_results_come_in_chunks(tmp_path):
    records = [{"codice": f"P{n:05d}", "eventi": [{"codice": f"E{n}.{k}", "fattori": ["a", "b"]} for k in range(3)],
                "valutato": n % 2 == 0, "rischio": None, "livello": "medio è"} for n in range(3000)]
    data = {"processi": records, "sintesi": {"processi": len(records)}}
    chunks = list(iter_json(data))
    assert len(chunks) > 5
    assert all(len(chunk) < 200_000 for chunk in chunks)
    assert b"".join(chunks) == canonical(data)
    assert written(data, tmp_path) == canonical(data)


def test_example_result_is_written_as_json_dumps(assessed, tmp_path):
    result = assessed("esempio-piccolo")
    assert written(result, tmp_path) == canonical(result)


def test_records_held_in_several_places_are_written_in_full_each_time():
    step = {"regola": "r", "valori": {"a": "1", "b": [1, 2]}}
    area = {"codice": "A", "nome": "Àrea"}
    data = {"processi": [{"traccia": [step, step], "aree": [area]}, {"x": {"y": step, "aree": [area, area]}}],
            "z": step, "w": [[step]]}
    assert b"".join(iter_json(data)) == canonical(data)


def compact(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@SETTINGS
@given(st.one_of(plain, st.dictionaries(st.integers(), text, min_size=1, max_size=3),
                 st.integers(min_value=2**64), st.integers(max_value=-2**63 - 1)))
def test_compact_text_is_that_of_json_dumps_also_where_orjson_refuses(data):
    # the history store's snapshots: orjson, and json.dumps for big integers and keys that are not text
    for value in (data, {"a": [data], "b": "x"}):
        assert compact_json(value) == compact(value)


def test_compact_text_of_values_orjson_would_write_its_own_way():
    import datetime as dt

    class Shown(dict):  # json.dumps writes what items() gives; orjson would read the dict itself
        def items(self):
            return [("b", 2)]

    data = {"a": Shown(z=1)}
    assert compact_json(data) == compact(data) == '{"a":{"b":2}}'
    with pytest.raises(TypeError, match=r"^Object of type date is not JSON serializable"):  # json.dumps' refusal, not orjson's ISO date
        compact_json({"a": dt.date(2026, 1, 31)})
