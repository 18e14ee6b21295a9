"""The tight evaluation path gives what the plain functions give: measures, residuals, counts, plans."""

from __future__ import annotations

import datetime as dt
import gc
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from riskengine.catalog.load import load_catalog
from riskengine.catalog.models import Misura
from riskengine.evaluate.evaluation import measure_counts, residual_measures, split_measures
from riskengine.evaluate.plan import plan_for
from riskengine.evaluate.residual import efficacies, residual_score
from riskengine.graph import build_graph
from riskengine.graph import queries as q
from riskengine.method.load import load_method

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"


@pytest.mark.parametrize("catalog", ["esempio-cciaa", "esempio-piccolo", "bench-S"])
def test_measures_by_process_is_measures_of_for_every_process(catalog: str, request) -> None:
    root = request.getfixturevalue("bench_s") if catalog == "bench-S" else ROOT / "catalogs" / catalog
    cg = build_graph(load_catalog(root))
    bulk = q.measures_by_process(cg)
    processes = cg.nodes_of("process")
    assert sorted(bulk) == processes
    assert any(len(bulk[p]) > len(cg.universal_measures()) for p in processes)  # not only the universal ones
    for process in processes:
        assert bulk[process] == q.measures_of(cg, process), process


STATES = ("attuata", "in-corso", "non-attuata", "da-attuare")


@st.composite
def measures(draw):
    count = draw(st.integers(0, 8))
    found, monitoring = [], {}
    for n in range(count):
        deadline = draw(st.one_of(st.none(), st.just("continua"), st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31))))
        misura = Misura.model_validate({
            "codice": f"M{n:02d}", "nome": "m", "tipologia": "controllo",
            "ambito": draw(st.sampled_from(["generale", "specifica"])), "stato": draw(st.sampled_from(STATES)),
            "scadenza": deadline, "tratta": {"tutti": draw(st.booleans())}})
        found.append(misura)
        if draw(st.booleans()):
            monitoring[misura.codice] = type("Esito", (), {"stato": draw(st.sampled_from(STATES))})()
    return found, monitoring


@settings(max_examples=200, deadline=None)
@given(measures(), st.booleans(), st.one_of(st.none(), st.dates(dt.date(2025, 1, 1), dt.date(2027, 12, 31))))
def test_split_measures_is_residual_measures_and_measure_counts(drawn, transversal_ok: bool,
                                                               reference: dt.date | None) -> None:
    linked, monitoring = drawn
    states = {m.codice: (monitoring[m.codice].stato if m.codice in monitoring else m.stato) for m in linked}
    method = type("M", (), {})()
    method.model = type("F", (), {})()
    method.model.residuo = type("R", (), {"considera_trasversali": transversal_ok})()
    parts: dict = {}
    for _ in range(2):  # the second time from the measures' parts worked out the first
        planned, implemented, counts = split_measures(linked, parts, monitoring, reference, transversal_ok)
        assert (planned, implemented) == residual_measures(method, linked, states)
        assert counts == measure_counts(linked, states, reference)


def _misura(code: str, efficacia: str | None, ambito: str = "specifica") -> Misura:
    return Misura.model_validate({"codice": code, "nome": code, "tipologia": "controllo", "ambito": ambito,
                                  "efficacia": efficacia})


@pytest.mark.parametrize("convention", ["efficacia-migliore", "efficacia-prodotto", "nessuno"])
def test_residual_score_shared_tables_give_the_fresh_step(convention: str) -> None:
    method = load_method(RULES / "cciaa-torino-2022")
    method.model.residuo.metodo = convention
    a, b, c = _misura("A", "0.3"), _misura("B", "0.3"), _misura("C", None, "generale")
    known = efficacies(method, [a, b, c])
    shared: dict = {}
    for inherent in (Decimal("10.00"), Decimal("3.54"), Decimal("10.00")):
        for listed in ([a, b, c], [c, b, a], [b, b, a, c], [c], []):
            assert residual_score(method, inherent, listed, known, shared) == residual_score(method, inherent, listed)
    # ties go to the first measure by code, whichever order they are listed in
    if convention == "efficacia-migliore":
        assert "misura migliore, A" in residual_score(method, Decimal("10.00"), [b, a], known, shared)[1]["descrizione"]


def test_one_plan_per_method_dropped_with_it() -> None:
    method = load_method(RULES / "cciaa-torino-2022")
    plan = plan_for(method)
    assert plan_for(method) is plan and plan.method is method
    other = load_method(RULES / "cciaa-torino-2022")
    assert plan_for(other) is not plan
    # the policies of the method read these process values (and the messages name {codice} and {livello})
    assert {"motivazione", "misure_specifiche", "misure_scadute", "livello", "codice"} <= plan.read
    assert "eventi" not in plan.read
    from riskengine.evaluate import plan as plans
    before = len(plans._plans)
    del method, plan
    gc.collect()
    assert len(plans._plans) == before - 1
