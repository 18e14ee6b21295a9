"""Property: for generated catalogues (and assessments), YAML → XLSX → YAML is the identity, byte for byte."""

from __future__ import annotations

import datetime as dt
import tempfile
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from workbook_helpers import RULES

from riskengine.catalog import load_catalog
from riskengine.catalog.models import CATALOG_FILES, TIPOLOGIE
from riskengine.method.load import load_method
from riskengine.method.models import AssessmentFile
from riskengine.workbook.export import catalog_workbook
from riskengine.workbook.files import write_catalog_files
from riskengine.workbook.read import read_catalog_workbook
from riskengine.workbook.values import plain
from riskengine.workbook.yamlfile import canonical_yaml

METHOD = load_method(Path(RULES) / "cciaa-torino-2022")
ANSWERS = {i.codice: [o.codice or o.valore for o in METHOD.scale_of(i).opzioni] for i in METHOD.model.indicatori}

# Free text as offices write it: accents, quotes, symbols, line breaks inside, and the formula prefixes.
_CHARS = st.characters(blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"), blacklist_characters="\ufeff")
TEXT = st.builds(lambda prefix, body, tail: (prefix + body + tail).strip(),
                 st.sampled_from(["", "=", "+", "-", "@", "10", "sì ", "#"]),
                 st.text(_CHARS, min_size=1, max_size=24),
                 st.sampled_from(["", "\nseconda riga", " «citato»", ": due punti"])).filter(bool)
DATES = st.dates(dt.date(2001, 1, 1), dt.date(2099, 12, 31))
EARLY = st.dates(dt.date(2000, 1, 1), dt.date(2000, 12, 31))  # units valid from before any plan date
DECIMALS = st.decimals(min_value=0, max_value=1, places=3, allow_nan=False).map(lambda d: d.normalize())


@st.composite
def catalogues(draw) -> dict[str, dict]:
    areas = draw(st.lists(st.sampled_from(["A", "B", "C", "D"]), min_size=1, max_size=3, unique=True))
    units = [f"U{i}" for i in range(draw(st.integers(1, 3)))]
    factors = draw(st.lists(st.sampled_from(list("abcdefg")), min_size=1, max_size=4, unique=True))
    maybe = lambda strategy: draw(st.none() | strategy)  # noqa: E731

    def event(code: str) -> dict:
        return {"codice": code, "descrizione": draw(TEXT),
                "fattori": draw(st.lists(st.sampled_from(factors), max_size=2, unique=True))}

    processes = []
    for p in range(draw(st.integers(1, 3))):
        code = f"P{p}.1"
        phases = [{"codice": f"{code}.{f}", "nome": draw(TEXT), "eventi": [event(f"{code}.{f}-E1")],
                   "fasi": [{"codice": f"{code}.{f}.1", "nome": draw(TEXT)}] if draw(st.booleans()) else []}
                  for f in range(draw(st.integers(0, 2)))]
        processes.append({"codice": code, "nome": draw(TEXT), "aree": [draw(st.sampled_from(areas))],
                          "unita": draw(st.sampled_from(units)), "descrizione": maybe(TEXT) or "",
                          "in_convenzione": {"partner": draw(TEXT)} if draw(st.booleans()) else None,
                          "eventi": [event(f"{code}-E{e}") for e in range(draw(st.integers(0, 2)))], "fasi": phases})
    process_codes = [p["codice"] for p in processes]
    measures = [{"codice": f"M{m}", "nome": draw(TEXT), "tipologia": draw(st.sampled_from(TIPOLOGIE)),
                 "ambito": draw(st.sampled_from(["generale", "specifica"])),
                 "natura": draw(st.sampled_from(["obbligatoria", "ulteriore"])),
                 "responsabile": draw(st.sampled_from(units)),
                 "scadenza": maybe(DATES | st.just("continua")), "indicatore": maybe(TEXT),
                 "target": maybe(TEXT | st.integers(0, 100).map(str)), "efficacia": maybe(DECIMALS),
                 "stato": draw(st.sampled_from(["da-attuare", "in-corso", "attuata", "non-attuata"])),
                 "tratta": {"tutti": draw(st.booleans()),
                            "processi": draw(st.lists(st.sampled_from(process_codes), max_size=2, unique=True))}}
                for m in range(draw(st.integers(1, 3)))]
    assessment = {"anno": 2026, "data_valutazione": maybe(DATES),
                  "valutazioni": [{"processo": code,
                                   "risposte": {i: draw(st.sampled_from(a)) for i, a in ANSWERS.items()},
                                   "motivazione": maybe(TEXT) or "",
                                   # in the method's order: the canonical order of the workbook's columns
                                   "motivazioni": {i: draw(TEXT) for i in ANSWERS if draw(st.booleans())}}
                                  for code in process_codes if draw(st.booleans())],
                  "monitoraggio": [{"misura": m["codice"], "stato": m["stato"],
                                    "verifiche_previste": draw(st.integers(0, 10)), "note": maybe(TEXT) or ""}
                                   for m in measures if draw(st.booleans())]}
    return {
        "ente.yaml": {"codice": "ente-prova", "nome": draw(TEXT), "dipendenti": draw(st.integers(0, 5000)),
                      "piano": {"dal": 2026, "al": 2028}, "data_riferimento": draw(DATES),
                      "metodo": "cciaa-torino-2022", "esempio": draw(st.booleans()), "descrizione": maybe(TEXT) or ""},
        "areas.yaml": {"tassonomia_principale": "cciaa", "tassonomie": [{"codice": "cciaa", "nome": draw(TEXT)}],
                       "aree": [{"tassonomia": "cciaa", "codice": a, "nome": draw(TEXT), "classe": "obbligatoria"}
                                for a in areas]},
        "units.yaml": {"unita": [{"codice": u, "nome": draw(TEXT), "tipo": draw(st.sampled_from(["area", "ufficio"])),
                                  "responsabile": maybe(TEXT), "valida_dal": maybe(EARLY)} for u in units]},
        "factors.yaml": {"fattori": [{"codice": f, "nome": draw(TEXT)} for f in factors]},
        "processes.yaml": {"processi": processes},
        "measures.yaml": {"misure": measures},
        "assessment": assessment,
    }


def _canonical(name: str, data: dict) -> str:
    model = AssessmentFile if name == "assessment" else CATALOG_FILES[name]
    return canonical_yaml(plain(model.model_validate(data)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(catalogues())
def test_yaml_to_xlsx_to_yaml_is_the_identity(files) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source, target = Path(folder) / "origine", Path(folder) / "copia"
        source.mkdir()
        texts = {("assessment-2026.yaml" if n == "assessment" else n): _canonical(n, d) for n, d in files.items()}
        for name, text in texts.items():
            (source / name).write_text(text, encoding="utf-8")
        catalog = load_catalog(source)
        assessment = AssessmentFile.model_validate(files["assessment"])
        workbook = Path(folder) / "catalogo.xlsx"
        workbook.write_bytes(catalog_workbook(catalog, method=METHOD, assessment=assessment, year=2026))
        imported = read_catalog_workbook(workbook, method_of=lambda _, where: METHOD, root=target)
        write_catalog_files(imported, target)
        assert {p.name: p.read_text(encoding="utf-8") for p in target.iterdir()} == texts


def test_decimals_keep_their_digits_through_a_cell() -> None:
    from riskengine.workbook.layout import Column
    from riskengine.workbook.values import decimal_cell, from_cell

    column = Column(("efficacia",), "decimal")
    for text in ("0.5", "0.25", "1", "0.30", "0.333", "0"):
        cell = decimal_cell(Decimal(text))
        assert str(from_cell(cell, column)) in (text, str(Decimal(text)))
        assert format(Decimal(str(from_cell(cell, column))), "f") == text


CHOICES = (*TIPOLOGIE, "da-attuare", "in-corso", "attuata", "non-attuata")


@given(st.sampled_from(CHOICES), st.sampled_from([str.upper, str.lower, str.title, str.capitalize]),
       st.sampled_from([" ", "  ", " \u00a0"]))
def test_a_choice_typed_with_spaces_for_its_dashes_in_any_case_is_the_choice(choice, case, space) -> None:
    from riskengine.workbook.layout import Column
    from riskengine.workbook.values import from_cell

    typed = f" {case(choice.replace('-', space))} "
    assert from_cell(typed, Column(("stato",), "choice", choices=CHOICES)) == choice
    many = Column(("tipologie",), "choice", many=True, choices=CHOICES)
    assert from_cell(f"{typed}\n{choice}", many) == [choice, choice]  # each line of a list cell, too
    other = f"{typed}x"
    assert from_cell(other, Column(("stato",), "choice", choices=CHOICES)) == other  # left to be refused
