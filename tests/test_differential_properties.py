"""Property-based differential test (issue 11, acceptance): for random method and policy files within the
validated limits, durable-rules and the direct interpreter fire the same rules on the same facts; numbers,
texts and names outside the limits are refused when the files are loaded.

The files are generated as text (JSON, which YAML reads), written to a directory and loaded with
``load_method`` as ``riskengine test`` does; a few examples also run ``riskengine test`` itself with
both engines. About 3,000 examples run with the suite; ``pytest -m properties_long`` runs each property
with twenty times as many (the marker is registered in tests/conftest.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, reject, settings
from hypothesis import strategies as st

from riskengine.engine import DurableBackend, InterpreterBackend
from riskengine.errors import RiskengineError
from riskengine.method import expr
from riskengine.method.compile import (
    BAND_FACT,
    BAND_SCHEMA,
    CLASSIFY,
    POLICIES,
    PROCESS_FACT,
    compile_method,
    encode_fact,
)
from riskengine.method.load import COUNT_FIELDS, FACT_FIELDS, engine_collisions, load_method

SETTINGS = settings(deadline=None, suppress_health_check=list(HealthCheck))
LEVELS = ["basso", "medio", "alto"]
TEXTS = ["B", "B2.1.1", "C", "", "x" * expr.MAX_TEXT_LITERAL]
LIMIT = expr.MAX_MAGNITUDE

# ---- strategies ---------------------------------------------------------------------------------

# indicator codes: not a keyword of the conditions, nor a field every fact has (refused: load.FACT_FIELDS)
names = st.from_regex(r"\A[A-Za-z][A-Za-z0-9_]{0,11}\Z").filter(
    lambda n: n not in expr.KEYWORDS and n not in FACT_FIELDS and not n.startswith(("rischio_", "livello_")))
in_range = st.decimals(min_value=-LIMIT, max_value=LIMIT, places=6, allow_nan=False, allow_infinity=False)
edges = st.sampled_from([Decimal(0), Decimal(LIMIT), Decimal(-LIMIT), Decimal("0.000001"), Decimal("4.005")])


@st.composite
def methods(draw):
    """method.yaml and policies.yaml (as data) within every load-time limit, and the literals they use."""
    digits = draw(st.integers(0, 2))
    values = st.integers(0, 1000).map(Decimal)  # whole values: the largest score is a whole number too
    indicators = draw(st.lists(names, min_size=2, max_size=5, unique_by=str.lower))
    scales, inds = [], []
    for n, code in enumerate(indicators):
        options = draw(st.lists(values, min_size=1, max_size=4, unique=True))
        scales.append({"codice": f"S{n}", "nome": "s", "opzioni": [{"valore": str(v), "etichetta": str(v)}
                                                                     for v in options]})
        inds.append({"codice": code, "nome": code, "scala": f"S{n}",
                     "dimensione": "probabilita" if n % 2 == 0 else "impatto"})
    top = max(Decimal(o["valore"]) for s in scales[0::2] for o in s["opzioni"]) * \
        max(Decimal(o["valore"]) for s in scales[1::2] for o in s["opzioni"])
    step = Decimal(1).scaleb(-digits)
    cuts = sorted(draw(st.sets(st.integers(0, int(top / step)), max_size=2)))
    rows, lo = [], Decimal(0)
    for n, cut in enumerate([*cuts, None]):
        hi = top if cut is None else Decimal(cut) * step
        if hi < lo:
            continue
        rows.append({"da": str(lo), "a": str(hi), "livello": LEVELS[min(n, 2)]})
        lo = hi + step
    method = {
        "metodo": {"codice": "generato", "nome": "g", "versione": "1"},
        "arrotondamento": {"cifre": digits, "modo": draw(st.sampled_from(["half-up", "half-even", "down"]))},
        "scale": scales, "indicatori": inds,
        "dimensioni": {"probabilita": {"aggregazione": draw(st.sampled_from(["media", "max", "min", "moda"]))},
                       "impatto": {"aggregazione": draw(st.sampled_from(["media", "max", "min", "moda"]))}},
        "combinazione": {"tipo": "prodotto"},
        "livelli": [{"codice": level, "etichetta": level} for level in LEVELS],
        "bande": [{"codice": "unica", "nome": "u", "righe": rows}], "scelta_bande": {"predefinita": "unica"},
    }
    numbers = [*indicators, *COUNT_FIELDS[:3], "rischio", "probabilita"]
    literals = draw(st.lists(st.one_of(in_range, edges), min_size=1, max_size=6))
    conditions = draw(st.lists(conditions_over(numbers, literals), min_size=1, max_size=8, unique=True))
    rules = [{"codice": f"r{n}", "descrizione": "d", "quando": text, "allora": [{"priorita": {"valore": 1}}]}
             for n, text in enumerate(conditions)]
    # One table per rule: two random conditions that normalise alike are not a duplicate in one table.
    policies = {"tabelle": [{"codice": f"t{n}", "esito": "collect", "regole": [rule]} for n, rule in enumerate(rules)]}
    return method, policies, numbers, literals


def conditions_over(numbers: list[str], literals: list[Decimal]) -> st.SearchStrategy[str]:
    """Condition texts: comparisons on numbers, texts, booleans and levels, joined with and/or/not."""
    number = st.builds(lambda f, op, v: f"{f} {op} {format(v, 'f')}", st.sampled_from(numbers),
                       st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), st.sampled_from(literals))
    text = st.builds(lambda op, v: f'area {op} "{v}"', st.sampled_from(["==", "!="]), st.sampled_from(TEXTS))
    listed = st.builds(lambda neg, vs: f"area {neg}in [{', '.join(json.dumps(v) for v in vs)}]",
                       st.sampled_from(["", "not "]), st.lists(st.sampled_from(TEXTS), min_size=1, max_size=3))
    level = st.builds(lambda op, v: f'livello {op} "{v}"', st.sampled_from(["==", "<", ">="]), st.sampled_from(LEVELS))
    boolean = st.sampled_from(["motivazione", "not art6", "rivalutato == false"])
    atom = st.one_of(number, text, listed, level, boolean)
    return st.recursive(atom, lambda inner: st.one_of(
        st.builds(lambda a, b: f"({a} and {b})", inner, inner),
        st.builds(lambda a, b: f"({a} or {b})", inner, inner),
        st.builds(lambda a: f"not ({a})", inner)), max_leaves=6)


def write(root: Path, method: dict, policies: dict) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "method.yaml").write_text(json.dumps(method, ensure_ascii=False), encoding="utf-8")
    (root / "policies.yaml").write_text(json.dumps(policies, ensure_ascii=False), encoding="utf-8")
    return root


@st.composite
def fact_values(draw, method, literals: list[Decimal]) -> dict:
    """Values for every field, numbers drawn at and around the method's own literals."""
    near = st.sampled_from(literals).flatmap(lambda v: st.sampled_from(
        [v, v + Decimal("0.000001"), v - Decimal("0.000001")])).filter(lambda v: abs(v) <= LIMIT)
    values = {}
    for name, ftype in method.schema.items():
        if ftype.kind == "number":
            values[name] = draw(st.one_of(near, in_range, st.integers(0, 5)))
        elif ftype.kind == "ordinal":
            values[name] = draw(st.sampled_from(ftype.values))
        elif ftype.kind == "bool":
            values[name] = draw(st.booleans())
        else:
            values[name] = draw(st.sampled_from(TEXTS + ["other"]))
    return values


# ---- properties ---------------------------------------------------------------------------------

def properties(examples: int, **strategies):
    """The property as two tests: ``examples`` examples with the suite, twenty times as many when marked long."""
    def both(body):
        quick = settings(SETTINGS, max_examples=examples)(given(**strategies)(body))
        long = settings(SETTINGS, max_examples=20 * examples)(given(**strategies)(body))
        return quick, pytest.mark.properties_long(long)
    return both


def engine_and_interpreter_agree(data, generated):
    method_data, policies, _, literals = generated
    with tempfile.TemporaryDirectory() as tmp:
        try:
            method = load_method(write(Path(tmp) / "generato", method_data, policies))
        except RiskengineError as exc:
            if {p.code for p in exc.problems} - {"policy-unreachable", "engine-limit"}:
                raise
            reject()  # a random contradiction, or a method past the engine's limits, is rightly refused
    rules = compile_method(method)
    engine, oracle = DurableBackend(rules), InterpreterBackend(rules)
    facts = [encode_fact(method.schema, data.draw(fact_values(method, literals)), PROCESS_FACT, f"f{n}")
             for n in range(data.draw(st.integers(1, 4)))]
    assert engine.run(POLICIES, facts) == oracle.run(POLICIES, facts)
    top = method.band_tables["unica"].rows[-1].hi
    scores = data.draw(st.lists(st.integers(0, top), min_size=1, max_size=4))
    bands = [encode_fact(BAND_SCHEMA, {"tabella": "unica", "v": Decimal(s).scaleb(-method.digits)}, BAND_FACT,
                         f"b{n}") for n, s in enumerate(scores)]
    classified = engine.run(CLASSIFY, bands)
    assert classified == oracle.run(CLASSIFY, bands)
    assert sorted(fact for _, fact in classified) == sorted(f["id"] for f in bands)  # unique hit: one row each


test_engine_and_interpreter_agree_on_random_methods, test_engine_and_interpreter_agree_long = \
    properties(1000, data=st.data(), generated=methods())(engine_and_interpreter_agree)


def refused(method_data: dict, policies: dict) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp, pytest.raises(RiskengineError) as caught:
        load_method(write(Path(tmp) / "generato", method_data, policies))
    return [p.format() for p in caught.value.problems]


beyond = st.one_of(st.decimals(min_value=LIMIT + Decimal("0.000001"), places=6, allow_nan=False,
                               allow_infinity=False),
                   st.integers(LIMIT + 1, 10 ** 40).map(Decimal), st.sampled_from([Decimal("1E+999999")]))


def literals_beyond_the_range_are_refused(generated, value, negative):
    method_data, policies, numbers, _ = generated
    literal = format(-value if negative else value, "f")
    policies["tabelle"][0]["regole"][0]["quando"] = f"{numbers[0]} > {literal}"
    assert any("outside the numbers conditions compare" in line or "characters long" in line
               for line in refused(method_data, policies))


test_literals_beyond_the_range_are_refused, test_literals_beyond_the_range_are_refused_long = \
    properties(300, generated=methods(), value=beyond, negative=st.booleans())(literals_beyond_the_range_are_refused)


def numbers_beyond_the_range_are_refused(generated, value, where):
    method_data, policies, _, _ = generated
    if where == "valore":
        method_data["scale"][0]["opzioni"][0]["valore"] = str(value)
    elif where == "punteggio_massimo":
        method_data["punteggio_massimo"] = str(value)
    else:
        method_data["bande"][0]["righe"][0][where] = str(value)
    assert any("error[schema]" in line for line in refused(method_data, policies))


test_numbers_beyond_the_range_are_refused, test_numbers_beyond_the_range_are_refused_long = \
    properties(300, generated=methods(), value=beyond,
               where=st.sampled_from(["valore", "da", "a", "punteggio_massimo"]))(numbers_beyond_the_range_are_refused)


def long_texts_and_negative_scale_values_are_refused(generated, extra, negative):
    method_data, policies, _, _ = generated
    if negative:
        method_data["scale"][0]["opzioni"][0]["valore"] = f"-{extra}"
        expected = "must be at least 0"
    else:
        policies["tabelle"][0]["regole"][0]["quando"] = f'area == "{"x" * (expr.MAX_TEXT_LITERAL + extra)}"'
        expected = "conditions compare texts of at most"
    assert any(expected in line for line in refused(method_data, policies))


test_long_texts_and_negative_values_are_refused, test_long_texts_and_negative_values_are_refused_long = \
    properties(300, generated=methods(), extra=st.integers(1, 5000),
               negative=st.booleans())(long_texts_and_negative_scale_values_are_refused)


@given(generated=methods())
@settings(SETTINGS, max_examples=3, phases=[Phase.generate])  # a child process per engine: no shrinking
def test_riskengine_test_agrees_across_engines(generated):
    """End to end: ``riskengine test --engine durable`` and ``--engine interpreter`` print the same report."""
    method_data, policies, _, _ = generated
    with tempfile.TemporaryDirectory() as tmp:
        root = write(Path(tmp) / "generato", method_data, policies)
        try:
            load_method(root)
        except RiskengineError:  # a random contradiction is rightly refused: not an example
            reject()
        (root / "tests").mkdir()
        cases = [{"nome": f"c{n}", "rischio": row["a"], "atteso": {"livello": row["livello"]}}
                 for n, row in enumerate(method_data["bande"][0]["righe"])]
        (root / "tests" / "casi.yaml").write_text(json.dumps({"casi": cases}), encoding="utf-8")
        runs = [subprocess.run([sys.executable, "-m", "riskengine", "test", str(root), "--engine", engine, "-v"],
                               capture_output=True, text=True, timeout=300) for engine in ("durable", "interpreter")]
    assert "Traceback" not in runs[0].stderr + runs[1].stderr
    assert runs[0].returncode == runs[1].returncode == 0, runs[0].stdout + runs[0].stderr
    assert runs[0].stdout == runs[1].stdout


def test_the_names_every_method_generates_never_collide_in_the_engine():
    """Fixed fact fields, band and grid fields, and the engine's own names: distinct for durable-rules."""
    method = load_method(Path(__file__).resolve().parents[1] / "rules" / "cciaa-torino-2022")
    assert engine_collisions([*method.schema, *BAND_SCHEMA, "p", "i"]) == []
