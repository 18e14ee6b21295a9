"""Unit tests of the scores written out as arithmetic (report/arithmetic.py) and of the band zones (report/svg.py):
every operand comes from the trace, the sentence never computes a score."""

from __future__ import annotations

import copy
import functools
import re
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from riskengine.i18n import indicator_reference
from riskengine.report.arithmetic import calculation, method_in_words, number, percent
from riskengine.report.messages import Messages
from riskengine.report.svg import band_bounds, band_ruler, process_maps
from riskengine.report.view import TraceWords, View


def _process(assessed, code: str = "B2.1.1") -> tuple[dict, dict]:
    result = copy.deepcopy(assessed("esempio-cciaa"))
    return result, next(p for p in result["processi"] if p["codice"] == code)


def test_max_and_product_of_efficacies_are_written_from_the_trace(assessed):
    result, p = _process(assessed)
    p["traccia"][0]["regola"] = "dimensioni.probabilita: max"
    p["traccia"][0]["risultato"] = "5"  # what the engine would write for max(4, 5, 1, 5, 5, 3)
    step = p["residuo_programmato"]["traccia"][0]
    step["regola"] = "residuo: efficacia-prodotto"
    step["valori"] = {"MS07": "0.3", "MGU33": "0.4"}
    p["residuo_programmato"]["rischio"] = "4.42"
    calc = calculation(View(result, Messages("it")), p)
    assert calc is not None
    assert calc["righe"][0] == "P = massimo(4; 5; 1; 5; 5; 3) = 5"
    planned = calc["residui"][0]
    assert planned["formula"].startswith("Residuo programmato = 10,53 × (1 − 0,4) × (1 − 0,3) = 4,42 → ")
    assert planned["efficacie"] == [("MGU33", "40%"), ("MS07", "30%")]


def test_a_residual_without_measures_says_so(assessed):
    result, p = _process(assessed)
    p["residuo_programmato"]["traccia"][0]["valori"] = {}
    p["residuo_programmato"]["rischio"] = p["inerente"]["rischio"]
    planned = calculation(View(result, Messages("it")), p)["residui"][0]
    assert planned["formula"].startswith("Residuo programmato = 10,53 → ")
    assert planned["nota"] == "nessuna misura riduce il rischio: il residuo è uguale all'inerente"


def test_a_variant_with_a_band_table_gets_its_level(assessed):
    result, p = _process(assessed)
    p["livelli_varianti"] = {"prudenziale": {"livello": "alto", "rischio": "19.15",
                                             "traccia": [{"regola": "bande:nuovi-indici:4", "valori": {}}]}}
    line = calculation(View(result, Messages("it")), p)["righe"][3]
    assert line.endswith("= 19,15 → Alto, fascia da 15,01 a 25 della tabella «Aree A, B, C, H – nuovi indici "
                         "(quattro fasce)»")


def test_no_arithmetic_for_a_process_not_assessed_or_a_grid_method(assessed):
    result, p = _process(assessed)
    assert calculation(View(result, Messages("it")), dict(p, valutato=False)) is None
    small = assessed("esempio-piccolo")
    view = View(small, Messages("it"))
    assert all(calculation(view, q) is None for q in view.processes)
    assert "griglia" in " ".join(method_in_words(view))


def test_the_method_in_words_names_every_table_and_the_areas_that_use_it(assessed):
    words = " ".join(method_in_words(View(assessed("esempio-cciaa"), Messages("it"))))
    assert "P (Probabilità) è la media delle risposte ai 6 indicatori (P1, P2, P3, P4, P5, P6)." in words
    assert "R = P × I" in words and "arrotondato a 2 decimali" in words
    assert "salvo per le aree D, E, G, per le quali si usa la tabella «Aree D, E, G – vecchi indici" in words
    assert "Medio-alto ≥ 9,01 e ≤ 15" in words
    assert "è un punteggio informativo" in words


def test_band_bounds_and_the_ruler(assessed):
    result = assessed("esempio-cciaa")
    tables = {b["codice"]: band_bounds(b) for b in result["metodo"]["bande"]}
    assert tables["nuovi-indici"] == [(Decimal(0), Decimal(4), "basso"), (Decimal("4.01"), Decimal(9), "medio"),
                                      (Decimal("9.01"), Decimal(15), "medio-alto"),
                                      (Decimal("15.01"), Decimal(25), "alto")]
    ruler = str(band_ruler(View(result, Messages("it"))))
    assert ruler.count("<rect") == sum(len(b) for b in tables.values())
    assert ">9,01<" not in ruler and ">15<" in ruler  # upper bounds, decimal comma
    single = copy.deepcopy(result)
    single["metodo"]["bande"] = single["metodo"]["bande"][:1]
    assert band_ruler(View(single, Messages("it"))) is None, "one table: nothing to compare"


def test_one_pair_of_maps_per_band_table(assessed):
    view = View(assessed("esempio-cciaa"), Messages("it"))
    maps = process_maps(view)
    assert [caption for caption, _ in maps] == [
        f"Mappa del rischio {state} – {b['nome']}" for b in view.metodo["bande"]
        for state in ("inerente", "residuo programmato")]


def test_a_process_whose_level_is_not_its_cells_zone_is_marked_on_the_map(assessed):
    # the map rounds P and I: D6.1.1 (17.32, "alto") stood unmarked in the P4 × I4 cell of zone "medio"
    result = assessed("esempio-cciaa")
    view = View(result, Messages("it"))
    rank = {lvl["codice"]: i for i, lvl in enumerate(result["metodo"]["livelli"])}
    tables = {b["codice"]: b for b in result["metodo"]["bande"]}
    charts = dict(process_maps(view))
    marked = {"▲": 0, "▼": 0}
    for p in (p for p in result["processi"] if p["valutato"]):
        table = tables[p["tabella_bande"]]
        whole = [int(Decimal(p[k]).quantize(Decimal(1), rounding="ROUND_HALF_UP")) for k in ("probabilita", "impatto")]
        zone = next(level for _, high, level in band_bounds(table) if whole[0] * whole[1] <= high)
        own = p["inerente"]["livello"]
        mark = "" if own == zone else " ▲" if rank[own] > rank[zone] else " ▼"
        chart = str(charts[f"Mappa del rischio inerente – {table['nome']}"])
        assert f">{p['codice']}{mark}</text>" in chart, (p["codice"], own, zone)
        if mark:
            marked[mark.strip()] += 1
            label = view.level_of(own)["etichetta"]  # and said in the map's description
            assert f"{p['codice']} ({label})" in chart
    assert marked["▲"] and marked["▼"]


@given(st.decimals(min_value=0, max_value=1, places=2))
def test_percent_is_the_efficacy_times_a_hundred(value):
    shown = percent(value, "it")
    assert shown.endswith("%")
    assert Decimal(shown[:-1].replace(",", ".")) == value * 100


@given(st.decimals(min_value=0, max_value=25, places=2, allow_nan=False))
def test_number_only_changes_the_decimal_mark(value):
    text = str(value)
    assert number(text, "it").replace(",", ".") == text
    assert number(text, "en") == text


def test_a_trace_reads_in_the_language_without_rewording_free_text() -> None:
    from riskengine.report.view import TraceWords

    metodo = {"bande": [{"codice": "nuovi-indici", "nome": "Aree A, B – nuovi indici"}],
              "livelli": [{"codice": "medio-alto", "etichetta": "Medio-alto", "etichetta_en": "Medium-high"},
                          {"codice": "medio", "etichetta": "Medio", "etichetta_en": "Medium"}]}
    band = {"regola": "bande:nuovi-indici:3", "descrizione": "fascia 'nuovi-indici', riga 3: ≥ 9.01 e ≤ 15",
            "risultato": "medio-alto", "valori": {"rischio": "9.58"}}
    # a re-rating's motivation and a policy's description are the author's words: a level's code in them stays
    rerated = {"regola": "valutazione.residuo", "risultato": "4.5",
               "descrizione": "rivalutazione esplicita: rischio medio-alto ridotto, la misura è in-corso (delibera "
                              "2026-01-15, soglia 4.5)"}
    policy = {"passo": "politica", "regola": "monitoraggio/medio", "descrizione": "Rischio medio-alto o superiore",
              "risultato": "monitoraggio a-campione semestrale"}
    grid = {"regola": "griglia:medio:medio", "descrizione": "matrice: probabilità medio × impatto medio",
            "risultato": "medio", "valori": {"probabilita": "medio", "impatto": "medio"}}
    italian, english = TraceWords(metodo, Messages("it")), TraceWords(metodo, Messages("en"))
    assert (italian.description(band), italian.result(band), italian.values(band["valori"])) == (
        "fascia 'Aree A, B – nuovi indici', riga 3: ≥ 9,01 e ≤ 15", "Medio-alto", "Rischio = 9,58")
    assert (english.description(band), english.result(band), english.values(band["valori"])) == (
        "band table 'Aree A, B – nuovi indici', row 3: ≥ 9.01 and ≤ 15", "Medium-high", "Risk = 9.58")
    assert italian.description(rerated) == ("rivalutazione esplicita: rischio medio-alto ridotto, la misura è "
                                            "in-corso (delibera 15/01/2026, soglia 4,5)")
    assert english.description(rerated) == "explicit re-rating: " + rerated["descrizione"].split(": ", 1)[1]
    # a policy's consequences are the engine's words: worded in the language, closed values by label
    assert (english.description(policy), english.result(policy)) == (policy["descrizione"],
                                                                       "monitoring: sample, half-yearly")
    assert italian.result(policy) == "monitoraggio a campione, semestrale"
    # a band table's code is shown by the table's name even when it holds a date (read as one before)
    dated = {"bande": [{"codice": "fasce-2024-01-01", "nome": "Fasce 2024"}], "livelli": metodo["livelli"]}
    dated_band = dict(band, regola="bande:fasce-2024-01-01:3",
                      descrizione="fascia 'fasce-2024-01-01', riga 3: ≥ 9.01 e ≤ 15")
    assert TraceWords(dated, Messages("it")).description(dated_band) == "fascia 'Fasce 2024', riga 3: ≥ 9,01 e ≤ 15"
    # a level coded as a number relabels only the results of the steps that find a level
    numbered = TraceWords({"livelli": [{"codice": "2", "etichetta": "Medio"}]}, Messages("it"))
    assert numbered.result({"passo": "impatto", "regola": "dimensioni.impatto: media", "risultato": "2"}) == "2"
    assert numbered.result({"regola": "bande:t:2", "risultato": "2"}) == "Medio"
    # a grid's scale values are the scale's codes, not the levels of the same name; its result is a level
    assert (english.values(grid["valori"]), english.result(grid)) == ("Probability = medio, Impact = medio", "Medium")


def _engine_steps(assessed) -> list[dict]:
    """Every step the engine writes, of the examples and of the conventions and cases they do not use."""
    import copy as copying
    from pathlib import Path
    from types import SimpleNamespace

    from riskengine.evaluate.evaluation import State, _explicit_residual
    from riskengine.evaluate.items import ItemScore, combine_items
    from riskengine.evaluate.residual import residual_score
    from riskengine.method.load import load_method
    from riskengine.method.models import Rivalutazione

    steps = []
    for name in ("esempio-cciaa", "esempio-piccolo", "mini"):
        for p in assessed(name)["processi"]:
            steps += p["traccia"] + [s for state in ("inerente", "residuo_programmato", "residuo_monitorato")
                                     if p.get(state) for s in p[state]["traccia"]]
    method = load_method(Path(__file__).parent.parent / "rules" / "cciaa-torino-2022")
    for convention in ("efficacia-prodotto", "nessuno"):
        other = copying.copy(method)
        other.model = method.model.model_copy(update={"residuo": method.model.residuo.model_copy(
            update={"metodo": convention})})
        steps.append(residual_score(other, Decimal("9.99"), [SimpleNamespace(codice="M1", efficacia=Decimal("0.3"))])[1])
    steps.append(residual_score(method, Decimal("9.99"), [])[1])  # no linked measure
    steps += combine_items(method, [ItemScore(Decimal(2), Decimal(3), rischio=Decimal(6)),
                                    ItemScore(Decimal(3), Decimal(3), rischio=Decimal(9))]).trace
    inherent = State(Decimal("9.99"), "medio-alto", [])
    for reason in ("", "delibera 2026-01-15"):
        steps.append(_explicit_residual(method, inherent, [object()], Rivalutazione(rischio=Decimal(5),
                                                                                      motivazione=reason), {})[1])
    return steps


def test_every_description_the_engine_writes_is_worded_in_english(assessed):
    # the English annex's trace and explain --lang en wrote the engine's Italian: "media di P1…", "fascia '…', riga
    # 3", "inerente × (1 − efficacia della misura migliore, MG01)"
    from riskengine.report.view import _STEP_FORMS, _step_patterns

    patterns, _ = _step_patterns()
    italian_words = re.compile(r"\b(di|su|fascia|riga|matrice|probabilità|impatto|inerente|efficacia|misura|"
                               r"migliore|ciascuna|nessuna|collegata|residuo|uguale|arrotondato|rischio|esplicita|"
                               r"senza|motivazione|elementi|valutati|media|massimo|minimo|moda)\b")
    metodi = [assessed(n)["metodo"] for n in ("esempio-cciaa", "esempio-piccolo")]
    english = [TraceWords(m, Messages("en")) for m in metodi]
    # an indicator coded by an identifier (pna2019's interesse_esterno) is named by its name: the method's own words
    named = {i["codice"]: indicator_reference(i["codice"], i["nome"]) for m in metodi for i in m["indicatori"]}
    authors = sorted({*named.values(), "Variante prudenziale: media P × massimo I"}, key=len, reverse=True)
    italian = [TraceWords(m, Messages("it")) for m in metodi]
    forms = set()
    for step in _engine_steps(assessed):
        keys = next((k for start, k in _STEP_FORMS if step["regola"].startswith(start)), ())
        if not keys:
            continue  # an author's text: a policy's description
        matched = [k for k in keys if patterns[k].fullmatch(step["descrizione"])]
        assert matched, step  # the Italian forms of the catalogue are what the engine writes
        forms.add(matched[0])
        worded = {words.description(step) for words in english}
        assert not [w for w in worded if italian_words.search(functools.reduce(lambda text, name: text.replace(name, ""),
                                                                               authors, w))], (step, worded)
        # and read back in Italian as the engine wrote it (numbers and dates in the Italian form, indicators named)
        written = re.sub(r"\w+", lambda code: named.get(code.group(), code.group()), step["descrizione"])
        assert Messages("it").prose(written) in {words.description(step) for words in italian} | {
            Messages("it").prose(step["descrizione"]).replace(f"'{b['codice']}'", f"'{b['nome']}'")
            for b in metodi[0]["bande"]}
    assert forms == {key.rsplit(".", 1)[1] for key in Messages("it").labels if key.startswith("spiegazione.passo.")
                     } - {"senza_motivazione"}


def test_what_is_not_the_engines_own_text_stays_as_written() -> None:
    metodo = {"livelli": [{"codice": "alto", "etichetta": "Alto"}]}
    italian, english = TraceWords(metodo, Messages("it")), TraceWords(metodo, Messages("en"))
    # a grid's axes in the method's own codes: as written (they were lower-cased); known scale values by label
    grid = {"regola": "griglia:Alta:P3", "descrizione": "matrice: probabilità Alta × impatto P3"}
    assert italian.description(grid) == "matrice: probabilità Alta × impatto P3"
    assert english.description(grid) == "matrix: probability Alta × impact P3"
    assert english.description(dict(grid, descrizione="matrice: probabilità alto × impatto medio")) == \
        "matrix: probability high × impact medium"
    # a policy's description is its author's, even under a rule named like an engine's step
    policy = {"passo": "politica", "regola": "valutazione.residuo/x", "descrizione": "rivalutazione esplicita: senza "
              "motivazione", "risultato": "priorità 2"}
    assert english.description(policy) == policy["descrizione"]


def test_the_engine_names_its_aggregations_as_the_catalogue_does():
    from riskengine.method.arithmetic import describe_aggregation

    italian = Messages("it")
    for operator in ("media", "max", "min", "moda", "media-ponderata"):
        assert describe_aggregation(operator) == italian(f"spiegazione.aggregazione.{operator}")


def test_band_intervals_are_worded_in_the_language_wherever_the_annex_shows_them(assessed):
    # "≥ 4.01 e ≤ 9" in English (the Italian "e"), "≥ 4.01" in Italian (a decimal point), and the legend's
    # level as its code (medio-alto)
    from riskengine.report.tables import legend

    result = copy.deepcopy(assessed("esempio-cciaa"))
    for lang, interval, label in (("it", "≥ 4,01 e ≤ 9", "Medio"), ("en", "≥ 4.01 and ≤ 9", "Medium")):
        view = View(result, Messages(lang))
        assert view.interval("≥ 4.01 e ≤ 9") == interval
        assert any(interval in sentence for sentence in method_in_words(view))
        rows = [row for row in legend(view).rows if row[2] == interval]
        assert rows and rows[0][3] == label
