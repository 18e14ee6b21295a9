"""The streamed result JSON: the same bytes as ``json.dumps(indent=2, sort_keys=True)``, in chunks."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskengine.result.writer import iter_json, write_json

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-10**20, max_value=10**20), text)
plain = st.recursive(
    scalars,
    lambda children: (st.lists(children, max_size=5) | st.tuples(children, children)
                      | st.dictionaries(text, children, max_size=5)),
    max_leaves=60,
)


def canonical(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


@SETTINGS
@given(plain)
def test_same_text_as_json_dumps(data):
    assert "".join(iter_json(data)) == canonical(data)


@SETTINGS
@given(st.one_of(st.floats(allow_nan=False), st.lists(st.floats(allow_nan=False), min_size=1, max_size=3),
                 st.dictionaries(st.integers(), text, min_size=1, max_size=3)))
def test_other_values_fall_back_to_json_dumps(data):
    chunks = list(iter_json({"a": [data], "b": "x"}))
    assert chunks == [canonical({"a": [data], "b": "x"})]


def test_large_results_come_in_chunks(tmp_path):
    records = [{"codice": f"P{n:05d}", "eventi": [{"codice": f"E{n}.{k}", "fattori": ["a", "b"]} for k in range(3)],
                "valutato": n % 2 == 0, "rischio": None, "livello": "medio è"} for n in range(3000)]
    data = {"processi": records, "sintesi": {"processi": len(records)}}
    chunks = list(iter_json(data))
    assert len(chunks) > 5
    assert all(len(chunk) < 200_000 for chunk in chunks)
    assert "".join(chunks) == canonical(data)
    path = tmp_path / "risultato.json"
    write_json(data, path)
    assert path.read_bytes() == canonical(data).encode("utf-8")


def test_example_result_is_written_as_json_dumps(assessed, tmp_path):
    result = assessed("esempio-piccolo")
    write_json(result, tmp_path / "risultato.json")
    assert (tmp_path / "risultato.json").read_text(encoding="utf-8") == canonical(result)


def test_records_held_in_several_places_are_written_in_full_each_time():
    step = {"regola": "r", "valori": {"a": "1", "b": [1, 2]}}
    area = {"codice": "A", "nome": "Àrea"}
    data = {"processi": [{"traccia": [step, step], "aree": [area]}, {"x": {"y": step, "aree": [area, area]}}],
            "z": step, "w": [[step]]}
    assert "".join(iter_json(data)) == canonical(data)
