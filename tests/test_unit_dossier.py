"""The per-unit dossier: each unit's measures in organisation-chart order, overdue first, and one page per unit."""

from __future__ import annotations

import copy
import re

import pytest
import yaml
from test_report_support import Node, parse_html
from workbook_helpers import EXAMPLE

from riskengine.report import write_annex
from riskengine.report.messages import Messages
from riskengine.report.view import View


@pytest.fixture(scope="module")
def cciaa(assessed, tmp_path_factory):
    """The CCIAA example rendered in HTML: (result, output directory, parsed annex)."""
    result = copy.deepcopy(assessed("esempio-cciaa"))
    out = tmp_path_factory.mktemp("dossier") / "annex"
    write_annex(result, out, formats=("html",))
    return result, out, parse_html((out / "allegato-rischi.html").read_text(encoding="utf-8"))


def chart_order(result: dict) -> list[str]:
    """Units depth first from the roots, children in the order units.yaml writes them, then the roles (the oracle,
    independent of the view and of the result's order: siblings came by code, AREA-AN before AREA-EF)."""
    written = yaml.safe_load((EXAMPLE / "units.yaml").read_text(encoding="utf-8"))
    order_written = [u["codice"] for u in written["unita"]] + [r["codice"] for r in written.get("ruoli", [])]
    units = sorted(result["unita"], key=lambda u: order_written.index(u["codice"]))
    codes = {u["codice"] for u in units}
    order: list[str] = []

    def visit(code: str | None) -> None:
        for u in units:
            parent = u["padre"] if u["padre"] in codes else None
            if parent == code and u["codice"] not in order:
                order.append(u["codice"])
                visit(u["codice"])

    visit(None)
    return order


def units_shown(doc: Node) -> list[str]:
    """The unit codes of the annex's dossier section, in order (every unit with measures or processes)."""
    return [n.attrs["id"].removeprefix("u-") for n in doc.by_id("misure-unita").iter() if n.tag == "h3"]


def sections(doc: Node) -> list[tuple[str, Node]]:
    """(unit code, table) of each unit of the dossier section that has measures, in order."""
    found: list[tuple[str, Node]] = []
    current = None
    for n in doc.by_id("misure-unita").iter():
        if n.tag == "h3":
            current = n.attrs["id"].removeprefix("u-")
        elif n.tag == "table" and "dossier" in n.attrs.get("class", "").split():
            found.append((str(current), n))
    return found


def test_units_follow_the_organisation_chart(cciaa):
    result, _, doc = cciaa
    shown = units_shown(doc)
    expected = [c for c in chart_order(result) if c in shown]
    assert shown == expected
    # a unit comes after its parent when both are shown
    parents = {u["codice"]: u["padre"] for u in result["unita"]}
    for code in shown:
        if parents[code] in shown:
            assert shown.index(parents[code]) < shown.index(code)


def test_the_implementation_table_by_unit_follows_the_organisation_chart_too(cciaa):
    # it followed the units' codes, which the reader does not see: Promozione before Provveditorato, its parent
    result, _, doc = cciaa
    per_unit = result["sintesi"]["attuazione"]["per_unita"]
    names = {u["codice"]: u["nome"] for u in result["unita"]}
    table = next(t for t in doc.find_all("table") if t.find_all("caption")
                 and t.find_all("caption")[0].text().startswith("Attuazione delle misure per unità responsabile"))
    rows = [r.find_all("th")[0].text() for r in table.find_all("tr") if r.find_all("th", None)
            and r.find_all("th")[0].attrs.get("scope") == "row"]
    assert rows == [names[c] for c in chart_order(result) if c in per_unit]
    assert len(rows) > 2 and rows != [names[c] for c in sorted(per_unit)]


def test_every_measure_a_unit_leads_or_supports_is_there_general_ones_included(cciaa):
    result, _, doc = cciaa
    by_unit = {u["codice"]: u for u in result["unita"]}
    for code, table in sections(doc):
        rows = table.find_all("tbody")[0].find_all("tr")
        listed = {tr.find_all("th")[0].find_all("a")[0].text() for tr in rows}
        unit = by_unit[code]
        expected = set(unit["misure_responsabile"]) | set(unit["misure_supporto"]) | {
            r["misura"] for r in unit.get("misure_collettive", [])}
        assert listed == expected, code
    rpct = dict(sections(doc))["RPCT"]
    general = [m["codice"] for m in result["misure"] if m["ambito"] == "generale"
               and m["codice"] in by_unit["RPCT"]["misure_responsabile"]]
    assert general and all(c in rpct.text() for c in general)


def test_captions_count_the_rows_they_caption(cciaa):
    _, _, doc = cciaa
    for code, table in sections(doc):
        rows = table.find_all("tbody")[0].find_all("tr")
        caption = table.find_all("caption")[0].text()
        overdue = [tr for tr in rows if "scaduta" in tr.attrs.get("class", "").split()]
        general = [tr for tr in rows if tr.find_all("td")[0].text() == "Generale"]
        assert caption == (f"Misure dell'unità: {len(rows)} (generali: {len(general)}; "
                           f"scadute e non attuate: {len(overdue)})"), code


def test_overdue_measures_come_first_and_are_marked_in_words(cciaa):
    result, _, doc = cciaa
    overdue = {m["codice"] for m in result["misure"] if m["scaduta"]}
    assert overdue == {"MS08"}  # due 31/12/2025, still da-attuare at the reference date 31/01/2026
    seen = 0
    for _, table in sections(doc):
        rows = table.find_all("tbody")[0].find_all("tr")
        flags = ["scaduta" in tr.attrs.get("class", "").split() for tr in rows]
        assert flags == sorted(flags, reverse=True), "overdue rows first"
        for tr, flag in zip(rows, flags, strict=True):
            assert ("⚠ Scaduta" in tr.text()) == flag  # said in words, not by colour alone
            seen += flag
    assert seen >= 1


def test_one_standalone_page_per_unit_with_its_measures(cciaa):
    _, out, doc = cciaa
    pages = sorted(p.stem for p in (out / "unita").iterdir())
    assert pages == sorted(units_shown(doc))
    page = parse_html((out / "unita" / "PROVV.html").read_text(encoding="utf-8"))
    assert page.find_all("html")[0].attrs["lang"] == "it"
    assert [n.text() for n in page.iter() if n.tag == "h1"] == ["Misure di prevenzione affidate a Ufficio Provveditorato"]
    links = [a.attrs["href"] for a in page.find_all("a")]
    assert links and all(h.startswith("../allegato-rischi.html#") for h in links)
    text = (out / "unita" / "PROVV.html").read_text(encoding="utf-8")
    assert "<script" not in text and "http" not in text.split("</head>")[1]


def test_the_implementation_rate_is_the_units_own(assessed):
    result = copy.deepcopy(assessed("mini"))
    result["sintesi"]["attuazione"] = {"per_unita": {"PROVV": {"dovute": 2, "attuate": 1, "in_ritardo": 1,
                                                              "non_ancora_dovute": 0, "tasso": "50.0"}}}
    view = View(result, Messages("it"))
    dossier = next(d for d in view.unit_dossiers() if d["unita"] and d["unita"]["codice"] == "PROVV")
    assert dossier["attuazione"]["tasso"] == "50.0"
    assert all(d["attuazione"] is None for d in view.unit_dossiers() if d["unita"]["codice"] != "PROVV")


def test_the_units_rate_is_written_as_every_other_percentage(cciaa):
    # "(83,3 %)" on the unit pages, "97,1%" everywhere else
    _, _, doc = cciaa
    rates = [p.text() for p in doc.find_all("p", "attuazione-unita")]
    assert not [r for r in rates if " %" in r] and any(re.search(r"\(\d+,\d%\)", r) for r in rates), rates
