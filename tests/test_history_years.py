"""Two years of the example chamber: trend, deltas, charts and changes in the annex; declared years; diff."""

from __future__ import annotations

import json
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import jsonschema
import pytest
from history_helpers import catalog_copy, result_of, riskengine, sqlite_url
from markupsafe import escape

from riskengine import api
from riskengine.errors import RiskengineError
from riskengine.history import compare

REPO_TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "riskengine" / "report" / "templates"

MINI_2025 = """anno: 2025
data_valutazione: 2025-01-20
valutazioni:
  # B2.1.1: not yet fractionable in 2025 (P5 1): P 3,17 × I 2,5 = 7,93, medio; in 2026 9,58, medio-alto (up)
  - processo: B2.1.1
    risposte: {P1: 4, P2: 5, P3: 1, P4: 5, P5: 1, P6: 3, I1: 4, I2: 1, I3: 2, I4: 3}
  # B2.2.1: the same answers as 2026 (alto both years)
  - processo: B2.2.1
    risposte: {P1: 5, P2: 5, P3: 1, P4: 5, P5: 5, P6: 4, I1: 5, I2: 5, I3: 3, I4: 4}
  # C2.1.1: image impact 4 in 2025: P 2,83 × I 1,5 = 4,25, medio; in 2026 3,54, basso (down)
  - processo: C2.1.1
    risposte: {P1: 2, P2: 5, P3: 1, P4: 5, P5: 1, P6: 3, I1: 1, I2: 1, I3: 0, I4: 4}
  # D1.1.1: simpler in 2025 (P3 1): 3,17 × 3,25 = 10,30, still medio in the old three bands: a score change, no level change
  - processo: D1.1.1
    risposte: {P1: 4, P2: 5, P3: 1, P4: 5, P5: 1, P6: 3, I1: 3, I2: 5, I3: 2, I4: 3}
"""


def _mean(values: list[str]) -> Decimal:
    return (sum(map(Decimal, values), Decimal(0)) / len(values)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _it(value: Decimal) -> str:
    return str(value).replace(".", ",")


def _signed_it(value: Decimal) -> str:
    return ("−" if value < 0 else "+") + _it(abs(value))


@pytest.fixture(scope="module")
def two_years(tmp_path_factory):
    """The example chamber assessed for 2025, then 2026 (a copy; one store)."""
    tmp = tmp_path_factory.mktemp("two-years")
    catalog = catalog_copy(tmp, "esempio-cciaa")
    db = sqlite_url(tmp)
    for year, formats in (("2025", "json"), ("2026", "html,json")):
        run = riskengine("assess", catalog, "--year", year, "--db", db, "-o", tmp / year, "-f", formats, "-q", cwd=tmp)
        assert run.returncode == 0, run.stderr
    return tmp, catalog, db


def test_the_summary_shows_both_years_and_the_delta_as_computed_from_the_two_result_files(two_years):
    tmp, _, _ = two_years
    before, after = result_of(tmp / "2025"), result_of(tmp / "2026")
    html = (tmp / "2026" / "allegato-rischi.html").read_text(encoding="utf-8")
    section = after["storico"]
    assert [y["anno"] for y in section["anni"]] == [2025, 2026]
    assert section["precedente"] == 2025 and section["anni"][0]["fonte"] == "registrato"
    for state in ("inerente", "residuo_programmato", "residuo_monitorato"):
        # independent: the mean of the processes' scores, rounded as the method says (2 digits, half up)
        old = _mean([p[state]["rischio"] for p in before["processi"] if p["valutato"]])
        new = _mean([p[state]["rischio"] for p in after["processi"] if p["valutato"]])
        key = f"rischio_medio_{state}"
        assert Decimal(section["anni"][0][key]) == old and Decimal(section["anni"][1][key]) == new
        assert Decimal(section["variazioni"][key]) == new - old
        assert f'<td class="num">{_it(old)}</td>\n<td class="num">{_it(new)}</td>\n' \
               f'<td class="num">{_signed_it(new - old)}</td>' in html
    done = [sum(1 for m in r["misure"] if m["stato_monitorato"] == "attuata") for r in (before, after)]
    assert section["variazioni"]["misure_attuate"] == str(done[1] - done[0])
    # a rate's change is in percentage points ("−23,8%" read as a 23.8% fall of the rate)
    rates = [Decimal(y["tasso_attuazione"]) for y in section["anni"]]
    assert Decimal(section["variazioni"]["tasso_attuazione"]) == rates[1] - rates[0]
    assert f'<td class="num">{_it(rates[0])}%</td>\n<td class="num">{_it(rates[1])}%</td>\n' \
           f'<td class="num">{_signed_it(rates[1] - rates[0])} p.p.</td>' in html
    # each year's "implemented / due" is the rate's own fraction: the measures due at its reference date (it was
    # every measure not dropped: "33 / 45" beside a rate of 97,1%)
    for year in section["anni"]:
        attuate, dovute = year["misure_attuate"], year["misure_dovute"]
        assert Decimal(year["tasso_attuazione"]) == (Decimal(attuate * 100) / dovute).quantize(Decimal("0.1"),
                                                                                              ROUND_HALF_UP)
        assert f'<td class="num">{attuate} / {dovute}</td>' in html


def test_the_annex_has_the_two_charts_the_table_for_screen_readers_and_the_changes(two_years):
    tmp, _, _ = two_years
    before, after = result_of(tmp / "2025"), result_of(tmp / "2026")
    html = (tmp / "2026" / "allegato-rischi.html").read_text(encoding="utf-8")
    assert 'class="andamento"' in html and "<polyline" in html
    assert 'class="livelli-anni"' in html
    assert "Dati di ciascun anno (stessi valori dei grafici)" in html
    for year in (before, after):  # the table gives each year's processes per level, as the bars do
        counts = year["sintesi"]["per_livello"]["inerente"]
        assert f'<th scope="row">{year["anno"]}</th>' in html
        assert all(isinstance(n, int) for n in counts.values())
    assert 'id="variazioni"' in html and "Variazioni rispetto all&#39;anno precedente" in html
    old = {p["codice"]: p["livello"] for p in before["processi"] if p["valutato"]}
    new = {p["codice"]: p["livello"] for p in after["processi"] if p["valutato"]}
    moved = sorted(c for c in old.keys() & new.keys() if old[c] != new[c])
    changes = after["storico"]["cambiamenti"]
    assert [p["codice"] for p in changes["processi_cambiati"]] == moved and moved
    assert [p["codice"] for p in changes["processi_nuovi"]] == sorted(new.keys() - old.keys()) == ["B2.1.5", "C2.7.3"]
    assert changes["processi_rimossi"] == []
    assert [(m["codice"], m["esito"]) for m in changes["misure_dovute"]] == [("MS08", "in-ritardo")]
    for code in moved:
        assert f'<th scope="row">{code} – ' in html
    # the residuals' levels too, each with its state (a measure implemented moves the monitored one alone)
    was = {p["codice"]: p for p in before["processi"] if p["valutato"]}
    residual = [(p["codice"], p["nome"], s) for p in after["processi"] if p["valutato"] and p["codice"] in was
                for s in ("residuo_programmato", "residuo_monitorato")
                if p[s]["livello"] != was[p["codice"]][s]["livello"]]
    assert [(p["codice"], p["nome"], p["stato"]) for p in changes["residui_cambiati"]] == residual and residual
    assert "Processi che hanno cambiato livello di rischio residuo" in html
    for code, name, state in residual:
        label = {"residuo_programmato": "Residuo programmato", "residuo_monitorato": "Residuo monitorato"}[state]
        assert f'<th scope="row">{code} – {escape(name)}</th>\n<td>{label}</td>' in html


def test_the_table_of_each_year_fits_the_printed_page(two_years):
    # its numeric headings kept on one line ("Rischio medio residuo programmato") pushed the last column past the
    # right margin of the PDF: "Misure attu", the "/ 34" cut off
    from weasyprint import HTML

    tmp, _, _ = two_years
    page = tmp / "2026" / "allegato-rischi.html"

    def boxes(box):
        yield box
        for child in getattr(box, "children", None) or []:
            yield from boxes(child)

    tables = []
    for printed in HTML(string=page.read_text(encoding="utf-8"), base_url=str(page)).render().pages:
        right = printed._page_box.content_box_x() + printed._page_box.width
        for table in (b for b in boxes(printed._page_box) if type(b).__name__ == "TableBox"):
            words = " ".join(b.text for b in boxes(table) if hasattr(b, "text"))
            if words.startswith("Anno "):
                edge = max(b.position_x + b.margin_width() for b in boxes(table) if hasattr(b, "margin_width"))
                tables.append((edge, right, words))
    assert len(tables) == 1 and tables[0][0] <= tables[0][1] + 0.01, tables
    assert tables[0][2].count(" / ") == 2, tables  # each year's implemented / due, laid out


def test_a_rerun_of_the_same_year_adds_a_run_and_keeps_the_comparison(two_years):
    tmp, catalog, db = two_years
    run = riskengine("assess", catalog, "--year", "2026", "--db", db, "-o", tmp / "again", "-f", "json", "-q", cwd=tmp)
    assert run.returncode == 0, run.stderr
    again, first = result_of(tmp / "again"), result_of(tmp / "2026")
    assert again["storico"] == first["storico"]  # compared with 2025's latest run, never with 2026's own
    history = riskengine("history", catalog, "--db", db, "--lang", "it", cwd=tmp)
    assert history.returncode == 0, history.stderr
    lines = [line for line in history.stdout.splitlines() if line.startswith("  20")]
    assert [line.split()[0] for line in lines] == ["2025", "2026", "2026"]
    assert "ultima dell'anno" in lines[0] and "ultima dell'anno" not in lines[1] and "ultima dell'anno" in lines[2]


def test_diff_of_two_years_and_of_two_result_files_agree(two_years):
    tmp, catalog, db = two_years
    by_year = riskengine("diff", catalog, "2025", "2026", "--db", db, "--format", "json", cwd=tmp)
    by_file = riskengine("diff", tmp / "2025" / "risultato.json", tmp / "2026" / "risultato.json", "--format", "json",
                         cwd=tmp)
    assert by_year.returncode == 0 and by_file.returncode == 0, by_year.stderr + by_file.stderr
    assert json.loads(by_year.stdout) == json.loads(by_file.stdout)
    text = riskengine("diff", catalog, "2025", "2026", "--db", db, "--lang", "it", cwd=tmp)
    assert "B1.1.1     Medio → Medio-alto (in aumento, 6,68 → 9,51, +2,83)" in text.stdout


def test_diff_refuses_two_years_given_newer_first(two_years):
    # 2026 then 2025 was compared as written: 2026's processes "new", the measures of "the previous year" 2026's
    tmp, catalog, db = two_years
    newer, older = tmp / "2026" / "risultato.json", tmp / "2025" / "risultato.json"
    for args, place, swapped in [((catalog, "2026", "2025"), str(catalog), f"{catalog} 2025 2026"),
                                 (("", newer, older), str(newer), f"{older} {newer}")]:
        with pytest.raises(RiskengineError) as refused:
            api.diff(*args, db=db)
        (problem,) = refused.value.problems
        assert (str(problem.location), problem.message, problem.hint) == (
            place, "the first year (2026) comes after the second (2025): new and removed processes would be swapped",
            f"give the older year first: riskengine diff {swapped}")


def test_diff_refuses_one_year_given_twice(two_years):
    # 'diff CATALOG 2026 2026' compared the latest run with itself: never a change
    _, catalog, db = two_years
    with pytest.raises(RiskengineError) as refused:
        api.diff(catalog, "2026", "2026", db=db)
    (problem,) = refused.value.problems
    assert (problem.message, problem.hint) == (
        "diff compares two years: 2026 was given twice",
        f"give an earlier year first: riskengine diff {catalog} 2025 2026; to compare the year's latest run with the "
        "files as they are now, give the year once")


def test_diff_of_one_year_says_which_processes_an_edited_band_edge_moves(tmp_path):
    # a compliance officer raising the edge between Basso and Medio could only assess twice (the trial run recorded
    # in the history, then read by the yearly diff) and diff the two files, which listed inherent levels only
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    rules = tmp_path / "regole"
    shutil.copytree((tmp_path / "rules").resolve(), rules)
    db = sqlite_url(tmp_path)
    before = riskengine("assess", catalog, "--rules", rules, "--db", db, "-o", tmp_path / "prima", "-f", "json", "-q",
                        cwd=tmp_path)
    assert before.returncode == 0, before.stderr
    method = rules / "cciaa-torino-2022" / "method.yaml"
    text = method.read_text(encoding="utf-8")
    edges = ("{da: 0, a: 4, livello: basso}", "{da: 4.01, a: 9, livello: medio}")
    assert all(text.count(edge) == 1 for edge in edges)
    method.write_text(text.replace(edges[0], "{da: 0, a: 4.5, livello: basso}")
                      .replace(edges[1], "{da: 4.51, a: 9, livello: medio}"), encoding="utf-8")
    after = riskengine("assess", catalog, "--rules", rules, "--db", f"sqlite:///{tmp_path / 'altro.sqlite'}", "-o",
                       tmp_path / "dopo", "-f", "json", "-q", cwd=tmp_path)
    assert after.returncode == 0, after.stderr
    run = riskengine("diff", catalog, "2026", "--rules", rules, "--db", db, "-f", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    changes = json.loads(run.stdout)
    # the oracle: every state of every process whose level differs between the two result files
    old, new = (result_of(tmp_path / d) for d in ("prima", "dopo"))
    old_by = {p["codice"]: p for p in old["processi"] if p["valutato"]}
    moved = {(p["codice"], s, old_by[p["codice"]][s]["livello"], p[s]["livello"])
             for p in new["processi"] if p["valutato"]
             for s in ("inerente", "residuo_programmato", "residuo_monitorato")
             if p[s]["livello"] != old_by[p["codice"]][s]["livello"]}
    assert {(p["codice"], "inerente", p["da"], p["a"]) for p in changes["processi_cambiati"]} | {
        (p["codice"], p["stato"], p["da"], p["a"]) for p in changes["residui_cambiati"]} == moved
    assert {s for _, s, _, _ in moved} == {"inerente", "residuo_programmato", "residuo_monitorato"}
    assert all(p["verso"] == "giu" for p in changes["processi_cambiati"] + changes["residui_cambiati"])
    assert changes["misure_dovute"] == [] and changes["da"] == changes["a"] == 2026
    text = riskengine("diff", catalog, "2026", "--rules", rules, "--db", db, "--lang", "it", cwd=tmp_path).stdout
    lines = text.splitlines()
    assert lines[0] == "2026 (ultima esecuzione registrata) → 2026 (i file come sono ora)"
    assert lines[1].startswith("I file delle regole del metodo cciaa-torino-2022 2022.1 sono cambiati dall'ultima "
                               "esecuzione registrata")
    residual = next(p for p in changes["residui_cambiati"] if p["stato"] == "residuo_programmato")
    assert any(line.startswith(f"  {residual['codice']:<10} residuo programmato: Medio → Basso (in diminuzione, ")
               for line in lines), text
    assert "misure dell'anno precedente" not in text  # one year: no earlier year's measures
    # nothing recorded: the store still holds the one run
    assert len(api.history(catalog, db=db)["esecuzioni"]) == 1
    missing = riskengine("diff", catalog, "2025", "--rules", rules, "--db", db, cwd=tmp_path)
    assert missing.returncode == 1 and "no recorded run of 2025 to compare with the files as they are now" in \
        missing.stderr and f"riskengine assess {catalog} --year 2025 --rules {rules} --db {db}" in missing.stderr
    # a year the catalogue has no assessment of: said so, not to be assessed
    absent = riskengine("diff", catalog, "2030", "--rules", rules, "--db", db, cwd=tmp_path)
    assert absent.returncode == 1 and "no assessment for 2030" in absent.stderr and "riskengine assess" not in absent.stderr


def test_a_method_changed_between_the_years_is_said_in_diff_and_in_the_annex(tmp_path):
    # a band edge raised in a new version of the method: diff and the annex's changes listed "Medio → Basso" as if
    # the risk had fallen, nothing said the method had changed
    catalog, db = _mini_pair(tmp_path)
    # the mini catalogue's 2025 has error findings: a draft (exit 3), recorded all the same
    assert riskengine("assess", catalog, "--year", "2025", "--db", db, "-o", tmp_path / "2025", "-f", "json", "-q",
                      cwd=tmp_path).returncode in (0, 3)
    rules = tmp_path / "regole"
    shutil.copytree((tmp_path / "rules").resolve(), rules)  # the repository's methods, one of them edited
    edited = rules / "cciaa-torino-2022" / "method.yaml"
    text = edited.read_text(encoding="utf-8")
    assert text.count('versione: "2022.1"') == 1
    edited.write_text(text.replace('versione: "2022.1"', 'versione: "2023.1"'), encoding="utf-8")
    run = riskengine("assess", catalog, "--rules", rules, "--db", db, "-o", tmp_path / "2026", "-f", "html,json",
                     "-q", "--lang", "it", cwd=tmp_path)
    assert run.returncode in (0, 3), run.stderr
    said = ("I due anni sono stati valutati con metodi diversi (cciaa-torino-2022 2022.1, poi cciaa-torino-2022 "
            "2023.1): un livello può essere cambiato per il metodo, non per il rischio.")
    text = riskengine("diff", catalog, "2025", "2026", "--db", db, "--lang", "it", cwd=tmp_path).stdout
    assert text.splitlines()[1] == said, text
    assert said in (tmp_path / "2026" / "allegato-rischi.html").read_text(encoding="utf-8")
    changes = json.loads(riskengine("diff", catalog, "2025", "2026", "--db", db, "-f", "json", cwd=tmp_path).stdout)
    assert changes["metodo"] == {"da": "cciaa-torino-2022 2022.1", "a": "cciaa-torino-2022 2023.1"}
    same = api.diff("", tmp_path / "2025" / "risultato.json", tmp_path / "2025" / "risultato.json")
    assert "metodo" not in same  # one method: nothing said
    # the same version with other rule files (an edited band edge, version kept): said as such, not as "different
    # methods" named alike
    older = json.loads((tmp_path / "2025" / "risultato.json").read_text(encoding="utf-8"))
    older["digest"]["regole"]["method.yaml"] = "0" * 64
    (tmp_path / "vecchio.json").write_text(json.dumps(older), encoding="utf-8")
    text = riskengine("diff", tmp_path / "vecchio.json", tmp_path / "2025" / "risultato.json", "--lang", "it",
                      cwd=tmp_path).stdout
    assert text.splitlines()[1] == ("I file delle regole del metodo cciaa-torino-2022 2022.1 sono cambiati tra i due "
                                    "anni, la versione no: un livello può essere cambiato per le regole, non per il "
                                    "rischio."), text


def test_a_run_stored_without_the_rule_files_digest_is_not_said_to_have_other_rule_files(tmp_path):
    # a run stored before results carried 'digest' compared with a newer one of the same method version: diff
    # said the rule files had changed, with nothing to compare them by
    catalog, db = _mini_pair(tmp_path)
    assert riskengine("assess", catalog, "--year", "2025", "--db", db, "-o", tmp_path / "2025", "-f", "json", "-q",
                      cwd=tmp_path).returncode in (0, 3)
    older = json.loads((tmp_path / "2025" / "risultato.json").read_text(encoding="utf-8"))
    newer = json.loads(json.dumps(older))
    del older["digest"]
    assert "metodo" not in compare.changes(older, newer)
    newer["metodo"]["versione"] = "2023.1"  # another version is said all the same
    assert compare.changes(older, newer)["metodo"] == {"da": "cciaa-torino-2022 2022.1",
                                                        "a": "cciaa-torino-2022 2023.1"}


def _mini_pair(tmp_path: Path) -> tuple[Path, str]:
    catalog = catalog_copy(tmp_path, "mini")
    (catalog / "assessment-2025.yaml").write_text(MINI_2025, encoding="utf-8")
    return catalog, sqlite_url(tmp_path)


def test_diff_lists_exactly_the_processes_whose_level_changed(tmp_path):
    catalog, db = _mini_pair(tmp_path)
    run = riskengine("diff", catalog, "2025", "2026", "--db", db, "--format", "json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    changes = json.loads(run.stdout)
    # the hand-made pair: B2.1.1 up (medio → medio-alto), C2.1.1 down (medio → basso); D1.1.1's score
    # moves inside its band and B2.2.1 is unchanged, so neither is listed
    assert [(p["codice"], p["da"], p["a"], p["verso"]) for p in changes["processi_cambiati"]] == [
        ("B2.1.1", "medio", "medio-alto", "su"), ("C2.1.1", "medio", "basso", "giu")]
    assert [p["variazione"] for p in changes["processi_cambiati"]] == ["1.65", "-0.71"]
    assert changes["processi_nuovi"] == [] and changes["processi_rimossi"] == []
    text = riskengine("diff", catalog, "2025", "2026", "--db", db, "--lang", "it", cwd=tmp_path).stdout
    assert "B2.1.1     Medio → Medio-alto (in aumento, 7,93 → 9,58, +1,65)" in text
    assert "C2.1.1     Medio → Basso (in diminuzione, 4,25 → 3,54, −0,71)" in text
    inherent = text.split("processi che hanno cambiato livello di rischio residuo")[0]
    assert "D1.1.1" not in inherent and "B2.2.1" not in text  # D1.1.1's monitored residual does cross a band


def test_diff_of_a_method_of_levels_shows_the_direction_without_empty_scores(tmp_path):
    # a qualitative method has levels and no scores: every row printed "(up, — → —, —)"
    catalog = catalog_copy(tmp_path, "esempio-piccolo")
    run = riskengine("assess", catalog, "-o", tmp_path / "prima", "-f", "json", "-q", "--db",
                     sqlite_url(tmp_path), cwd=tmp_path)
    assert run.returncode in (0, 3), run.stderr
    before = json.loads((tmp_path / "prima" / "risultato.json").read_text(encoding="utf-8"))
    after = json.loads(json.dumps(before))
    process = next(p for p in after["processi"] if p["valutato"])
    levels = [lvl["codice"] for lvl in after["metodo"]["livelli"]]
    old = process["residuo_programmato"]["livello"]
    new = levels[levels.index(old) + 1] if levels.index(old) + 1 < len(levels) else levels[0]
    process["residuo_programmato"]["livello"] = new
    (tmp_path / "dopo.json").write_text(json.dumps(after), encoding="utf-8")
    text = riskengine("diff", tmp_path / "prima" / "risultato.json", tmp_path / "dopo.json", "--lang", "it",
                      cwd=tmp_path).stdout
    label = {lvl["codice"]: lvl["etichetta"] for lvl in after["metodo"]["livelli"]}
    direction = "in aumento" if levels.index(new) > levels.index(old) else "in diminuzione"
    assert f"  {process['codice']:<10} residuo programmato: {label[old]} → {label[new]} ({direction})  " \
           f"{process['nome']}" in text.splitlines(), text
    assert "—" not in text


def test_diff_json_validates_against_the_published_schema(tmp_path):
    catalog, db = _mini_pair(tmp_path)
    run = riskengine("diff", catalog, "2025", "2026", "--db", db, "--format", "json", cwd=tmp_path)
    published = riskengine("schema", "--out", tmp_path / "schemas", cwd=tmp_path)
    assert run.returncode == 0 and published.returncode == 0, run.stderr + published.stderr
    schema = json.loads((tmp_path / "schemas" / "differenze.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(schema).validate(json.loads(run.stdout))
    broken = json.loads(run.stdout)
    broken["processi_cambiati"][0]["verso"] = "sideways"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate(broken)


def test_diff_usage_errors(tmp_path):
    catalog, db = _mini_pair(tmp_path)
    assert riskengine("diff", catalog, "2025", "²⁰²⁶", cwd=tmp_path).returncode == 2
    assert riskengine("diff", catalog, "2025", "", cwd=tmp_path).returncode == 2  # was an internal error
    assert riskengine("diff", catalog, "2025", "2026", "--format", "xml", cwd=tmp_path).returncode == 2
    assert riskengine("diff", catalog, "²⁰²⁵", "2026", cwd=tmp_path).returncode == 2  # was an internal error
    missing = riskengine("diff", catalog, "2024", "2026", "--db", db, cwd=tmp_path)
    assert missing.returncode == 1 and "no assessment for 2024" in missing.stderr and "Traceback" not in missing.stderr


STORICO = """anni:
  - anno: 2025
    fonte: "PIAO 2025-2027, pag. 45"
    rischio_medio_inerente: 6.02
    rischio_medio_residuo_programmato: 5.75
    processi_per_livello: {basso: 20, medio: 14, medio-alto: 4, alto: 1}
    misure_dovute: 22
    misure_attuate: 21
"""


def test_a_declared_previous_year_shows_marked_as_declared_with_the_delta(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    (catalog / "assessment-2025.yaml").unlink()
    (catalog / "storico.yaml").write_text(STORICO, encoding="utf-8")
    run = riskengine("assess", catalog, "-o", tmp_path / "out", "-f", "html,json", "-q", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    result = result_of(tmp_path / "out")
    declared, current = result["storico"]["anni"]
    assert declared["fonte"] == "dichiarato" and declared["riferimento"] == "PIAO 2025-2027, pag. 45"
    assert declared["tasso_attuazione"] == "95.5"  # 21 of 22, as the plans write it
    residual = Decimal(current["rischio_medio_residuo_programmato"])
    assert Decimal(result["storico"]["variazioni"]["rischio_medio_residuo_programmato"]) == residual - Decimal("5.75")
    assert result["storico"]["cambiamenti"] is None  # no recorded run: no process-level changes
    html = (tmp_path / "out" / "allegato-rischi.html").read_text(encoding="utf-8")
    assert "2025 <span class=\"nota\">(dichiarato)</span>" in html
    assert "I dati 2025 sono dichiarati, non ricalcolati: fonte PIAO 2025-2027, pag. 45." in html
    assert f"<td class=\"num\">5,75</td>\n<td class=\"num\">{_it(residual)}</td>\n" \
           f"<td class=\"num\">{_signed_it(residual - Decimal('5.75'))}</td>" in html
    assert 'id="variazioni"' not in html


def test_a_recorded_run_wins_over_the_declared_year(tmp_path):
    catalog = catalog_copy(tmp_path, "esempio-cciaa")
    (catalog / "storico.yaml").write_text(STORICO, encoding="utf-8")
    for year in ("2025", "2026"):
        run = riskengine("assess", catalog, "--year", year, "-o", tmp_path / year, "-f", "json", "-q", cwd=tmp_path)
        assert run.returncode == 0, run.stderr
    assert result_of(tmp_path / "2026")["storico"]["anni"][0]["fonte"] == "registrato"


@pytest.mark.parametrize(("text", "message"), [
    ("anni:\n  - anno: 2025\n    processi_per_livello: {basso: 1}\n", "storico.yaml:2:"),
    ("anni:\n  - anno: 2025\n    fonte: x\n    processi_per_livello: {bassissimo: 1}\n",
     "storico.yaml:4:28: error[storico]: unknown level 'bassissimo'"),
    ("anni:\n  - anno: 2025\n    fonte: x\n    misure_dovute: 2\n    misure_attuate: 3\n",
     "storico.yaml:5:21: error[storico]: measures implemented 3, due 2"),
    ("anni:\n  - {anno: 2025, fonte: x}\n  - {anno: 2025, fonte: y}\n", "error[storico]: year 2025 is declared twice"),
    # a count is a whole number written as one: true was 1 process, 1.0 one measure
    ("anni:\n  - anno: 2025\n    fonte: x\n    processi_per_livello: {basso: true}\n",
     "storico.yaml:4:35: error[schema]: 'basso' must be a whole number, got true"),
    ("anni:\n  - anno: 2025\n    fonte: x\n    misure_dovute: 1.0\n",
     "storico.yaml:4:20: error[schema]: 'misure_dovute' must be a whole number, got 1.0"),
])
def test_a_bad_storico_is_a_located_error(tmp_path, text, message):
    catalog = catalog_copy(tmp_path, "mini")
    (catalog / "storico.yaml").write_text(text, encoding="utf-8")
    run = riskengine("assess", catalog, "-o", tmp_path / "out", "-f", "json", "-q", cwd=tmp_path)
    assert run.returncode == 1 and message in run.stderr, run.stderr
    assert "Traceback" not in run.stderr and not (tmp_path / "out").exists()


def test_the_trend_and_changes_in_english_from_the_result_file(two_years):
    tmp, _, _ = two_years
    run = riskengine("report", tmp / "2026" / "risultato.json", "--out", tmp / "en", "--lang", "en", "--format", "html",
                     cwd=tmp)
    assert run.returncode == 0, run.stderr
    html = (tmp / "en" / "allegato-rischi.html").read_text(encoding="utf-8")
    section = result_of(tmp / "2026")["storico"]
    change = Decimal(section["variazioni"]["rischio_medio_inerente"])
    assert "Comparison with the previous year" in html and "Changes since the previous year" in html
    assert f'<td class="num">{_signed_it(change).replace(",", ".")}</td>' in html
    assert "Treatment priority" in html and "Medium-high" in html


def test_history_and_diff_only_read_a_store_and_create_none(tmp_path):
    # a catalogue never assessed (no storico.sqlite beside it, none in --db): the two commands that only read the
    # store answer from what there is, and leave no empty store behind (the catalogue may be another's, read-only)
    catalog, db = _mini_pair(tmp_path)
    store = tmp_path / "storico.sqlite"
    listed = riskengine("history", catalog, "--db", db, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "runs (0)" in listed.stdout
    compared = riskengine("diff", catalog, "2025", "2026", "--db", db, "--format", "json", cwd=tmp_path)
    assert compared.returncode == 0, compared.stderr
    assert [p["codice"] for p in json.loads(compared.stdout)["processi_cambiati"]] == ["B2.1.1", "C2.1.1"]
    assert not store.exists() and not (catalog / "storico.sqlite").exists()
    # the first assessment creates it, and the two then read its run
    assessed = riskengine("assess", catalog, "--db", db, "--out", tmp_path / "out", "--format", "json", cwd=tmp_path)
    assert assessed.returncode in (0, 3), assessed.stderr
    assert store.exists()
    assert "runs (1)" in riskengine("history", catalog, "--db", db, cwd=tmp_path).stdout


def test_a_store_named_by_a_file_uri_is_read(tmp_path):
    # 'sqlite:///file:…?uri=true' is SQLite's own form: the store it names was read as empty
    catalog, _ = _mini_pair(tmp_path)
    store = tmp_path / "uri.sqlite"
    assessed = riskengine("assess", catalog, "--db", f"sqlite:///{store}", "--out", tmp_path / "out", "-f", "json",
                          cwd=tmp_path)
    assert assessed.returncode in (0, 3), assessed.stderr
    listed = riskengine("history", catalog, "--db", f"sqlite:///file:{store}?mode=ro&uri=true", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "runs (1)" in listed.stdout


@pytest.mark.parametrize("shape", ["options", "empty", "dangling"])
def test_reading_a_store_that_holds_nothing_writes_nothing(tmp_path, shape):
    # a URL with options went through SQLAlchemy and made the file; an empty file got the schema; a link to nothing
    # got its target made
    catalog, _ = _mini_pair(tmp_path)
    store = tmp_path / "store.sqlite"
    url = f"sqlite:///{store}"
    if shape == "options":
        url += "?timeout=5"
    elif shape == "empty":
        store.write_bytes(b"")
    else:
        (tmp_path / "link.sqlite").symlink_to(store)
        url = f"sqlite:///{tmp_path / 'link.sqlite'}"
    listed = riskengine("history", catalog, "--db", url, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "runs (0)" in listed.stdout
    assert (store.exists() and store.stat().st_size) == (0 if shape == "empty" else False)


def test_levels_of_an_earlier_method_are_named_by_it_in_diff_and_the_annex(tmp_path):
    # 2025 assessed with pna2013 (five levels), 2026 with cciaa-torino-2022 (four, no 'medio-basso'): diff ended in
    # "internal error: KeyError: 'medio-basso'", and the annex's changes showed the code
    import yaml

    from riskengine.report.messages import Messages
    from riskengine.report.view import View

    catalog, db = _mini_pair(tmp_path)
    for year in ("2025", "2026"):
        run = riskengine("assess", catalog, "--year", year, "--db", db, "-o", tmp_path / year, "-f", "json", "-q",
                         cwd=tmp_path)
        assert run.returncode in (0, 3), run.stderr
    older = result_of(tmp_path / "2025")
    pna2013 = yaml.safe_load((tmp_path / "rules" / "pna2013" / "method.yaml").read_text(encoding="utf-8"))
    older["metodo"] = dict(older["metodo"], codice="pna2013", versione="2013", livelli=pna2013["livelli"])
    process = {p["codice"]: p for p in older["processi"]}
    for code in ("B2.1.1", "C2.1.1", "D1.1.1"):  # medio in 2025: a quarter of the way up pna2013's scale instead
        process[code]["livello"] = process[code]["inerente"]["livello"] = "medio-basso"
    process["D1.1.1"]["codice"] = "Z9.9.9"  # gone by 2026
    (tmp_path / "2025-pna2013.json").write_text(json.dumps(older), encoding="utf-8")
    newer = tmp_path / "2026" / "risultato.json"
    run = riskengine("diff", tmp_path / "2025-pna2013.json", newer, "--lang", "it", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    # medio-alto is two thirds up cciaa-torino-2022's four levels (up), basso its lowest (down)
    assert any(line.startswith("  B2.1.1     Medio-basso → Medio-alto (in aumento, 7,93 → 9,58, +1,65)  ")
               for line in lines), run.stdout
    assert any(line.startswith("  C2.1.1     Medio-basso → Basso (in diminuzione, 4,25 → 3,54, −0,71)  ")
               for line in lines), run.stdout
    assert any(line.startswith("  Z9.9.9     Medio-basso  ") for line in lines), run.stdout
    changes = api.diff("", tmp_path / "2025-pna2013.json", newer)
    assert changes["livelli_da"] == [{k: lvl[k] for k in ("codice", "etichetta", "etichetta_en")}
                                     for lvl in pna2013["livelli"]]
    assert "livelli_da" not in api.diff("", newer, newer)  # one scale: said once
    shown = View(dict(json.loads(newer.read_text(encoding="utf-8")), storico={"cambiamenti": changes}),
                 Messages("it"))
    assert shown.earlier_level_of("medio-basso")["etichetta"] == "Medio-basso (metodo precedente)"
    assert shown.earlier_level_of("alto")["etichetta"] == "Alto (metodo precedente)"  # a code both methods have
    assert shown.level_of("alto")["etichetta"] == "Alto"


def test_across_two_scales_a_level_moves_by_its_place_not_by_its_code():
    # pna2013 (2025) and pna2019 (2026) share basso, medio and alto at other places: medio-alto → alto (both the
    # fourth of five) was listed as a fall, basso → basso (lowest, then second) and alto → alto (highest, then
    # fourth) were not listed at all
    import yaml

    def scale(method: str) -> list[dict]:
        path = Path(__file__).resolve().parents[1] / "rules" / method / "method.yaml"
        return yaml.safe_load(path.read_text(encoding="utf-8"))["livelli"]

    def result(year: int, method: str, levels: dict[str, str]) -> dict:
        return {"anno": year, "metodo": {"codice": method, "versione": "1", "livelli": scale(method)}, "misure": [],
                "processi": [{"codice": code, "nome": code, "valutato": True, "livello": level,
                              "inerente": {"livello": level, "rischio": None}}
                             for code, level in levels.items()]}

    before = result(2025, "pna2013", {"A": "medio-alto", "B": "basso", "C": "alto", "D": "medio", "E": "medio-basso"})
    after = result(2026, "pna2019", {"A": "alto", "B": "basso", "C": "alto", "D": "medio", "E": "basso"})
    moved = compare.changes(before, after)["processi_cambiati"]
    assert [(p["codice"], p["da"], p["a"], p["verso"]) for p in moved] == [
        ("B", "basso", "basso", "su"), ("C", "alto", "alto", "giu")]
    # one scale: a level moves by its code, up or down the method's order; labels alone changed are one scale
    relabelled = result(2025, "pna2019", {"A": "alto", "B": "minimo"})
    relabelled["metodo"]["livelli"] = [dict(lvl, etichetta=lvl["etichetta"] + " (v1)")
                                       for lvl in relabelled["metodo"]["livelli"]]
    same = compare.changes(relabelled, result(2026, "pna2019", {"A": "medio", "B": "basso"}))
    assert [(p["codice"], p["verso"]) for p in same["processi_cambiati"]] == [("A", "giu"), ("B", "su")]
    assert "livelli_da" not in same
    # across two scales the scores, where both years have one, say which way: cciaa-torino-2022's 'medio' (second
    # of four) is lower on its scale than pna2013's (third of five), and a risk of 7 then 8 rose
    before = result(2025, "pna2013", {"A": "medio"})
    after = result(2026, "cciaa-torino-2022", {"A": "medio"})
    before["processi"][0]["inerente"]["rischio"], after["processi"][0]["inerente"]["rischio"] = "7.00", "8.00"
    assert [(p["codice"], p["verso"], p["variazione"]) for p in compare.changes(before, after)["processi_cambiati"]] \
        == [("A", "su", "1.00")]


def test_the_trend_keeps_each_earlier_scale_apart():
    # 2024 assessed with pna2019, 2025 with pna2013, 2026 with cciaa-torino-2022: the two earlier scales share
    # 'basso', 'medio' and 'alto'; keyed by code alone, pna2019's 'alto' took pna2013's place and grey, and 2024
    # was counted 0 at pna2013's levels
    import yaml

    from riskengine.report.messages import Messages
    from riskengine.report.view import View

    def scale(method: str) -> list[dict]:
        path = Path(__file__).resolve().parents[1] / "rules" / method / "method.yaml"
        return [{k: lvl[k] for k in ("codice", "etichetta", "etichetta_en")}
                for lvl in yaml.safe_load(path.read_text(encoding="utf-8"))["livelli"]]

    golden = Path(__file__).resolve().parent / "golden" / "mini" / "risultato.json"
    result = json.loads(golden.read_text(encoding="utf-8"))
    assert [lvl["codice"] for lvl in result["metodo"]["livelli"]] == ["basso", "medio", "medio-alto", "alto"]
    years = [{"anno": 2024, "livelli": scale("pna2019"), "per_livello": {"minimo": 1, "alto": 2}},
             {"anno": 2025, "livelli": scale("pna2013"), "per_livello": {"medio-basso": 3, "alto": 1}},
             {"anno": 2026, "per_livello": {"medio": 4}}]
    view = View(dict(result, storico={"anni": years, "cambiamenti": {"livelli_da": scale("pna2013")}}),
                Messages("it"))
    assert [(lvl.get("scala", ())[:1], lvl["codice"]) for lvl in view.trend_levels] == [
        *(((), c) for c in ("basso", "medio", "medio-alto", "alto")),
        *((("minimo",), c) for c in ("minimo", "basso", "medio", "alto", "altissimo")),
        *((("basso",), c) for c in ("basso", "medio-basso", "medio", "medio-alto", "alto"))]
    counts = {y["anno"]: [view.trend_count(y, lvl) for lvl in view.trend_levels] for y in years}
    assert counts[2024] == [None] * 4 + [1, 0, 0, 2, 0] + [None] * 5
    assert counts[2025] == [None] * 9 + [0, 3, 0, 0, 1]
    assert counts[2026] == [0, 4, 0, 0] + [None] * 10
    # a scale of the method's own codes (a result that names one) is no other scale
    own = [{"codice": lvl["codice"], "etichetta": lvl["etichetta"]} for lvl in result["metodo"]["livelli"]]
    same = View(dict(result, storico={"anni": [{"anno": 2025, "livelli": own, "per_livello": {"medio": 2}}],
                                      "cambiamenti": {"livelli_da": own}}), Messages("it"))
    assert same.trend_levels == same.levels and same.earlier_level_of("medio") == same.level_of("medio")
    assert [same.trend_count(same.result["storico"]["anni"][0], lvl) for lvl in same.trend_levels] == [0, 2, 0, 0]
    # the changes' earlier side is 2025's scale: its 'alto' is the highest of five, the darkest grey
    assert view.earlier_level_of("alto") == view.trend_levels[-1]
    assert view.trend_levels[7]["colore"] != view.trend_levels[-1]["colore"]  # pna2019's 'alto' is its fourth


def test_the_trend_counts_an_earlier_methods_levels_under_their_labels(tmp_path):
    # a recorded year whose method had levels the current one has not (pna2013's medio-basso): its processes at them
    # were left out of the trend's table, bars and chart description, and the year's row did not add up
    import yaml

    from riskengine.history.store import open_store
    from riskengine.report.messages import Messages
    from riskengine.report.view import View

    catalog, db = _mini_pair(tmp_path)
    run = riskengine("assess", catalog, "--year", "2025", "--db", db, "-o", tmp_path / "2025", "-f", "json", "-q",
                     cwd=tmp_path)
    assert run.returncode in (0, 3), run.stderr
    older = result_of(tmp_path / "2025")
    pna2013 = yaml.safe_load((tmp_path / "rules" / "pna2013" / "method.yaml").read_text(encoding="utf-8"))
    older["metodo"] = dict(older["metodo"], codice="pna2013", versione="2013", livelli=pna2013["livelli"])
    counts = older["sintesi"]["per_livello"]["inerente"]
    for p in older["processi"]:
        if p["codice"] in ("B2.1.1", "C2.1.1"):
            counts[p["livello"]] -= 1
            p["livello"] = p["inerente"]["livello"] = "medio-basso"
    counts["medio-basso"] = 2
    store = open_store(db)
    store.record(older)  # the latest run of 2025
    store.close()
    run = riskengine("assess", catalog, "--db", db, "-o", tmp_path / "2026", "-f", "html,json", "-q", "--lang", "it",
                     cwd=tmp_path)
    assert run.returncode in (0, 3), run.stderr
    result = result_of(tmp_path / "2026")
    before, now = result["storico"]["anni"]
    assert before["livelli"] == [{k: lvl[k] for k in ("codice", "etichetta", "etichetta_en")}
                                 for lvl in pna2013["livelli"]]
    assert "livelli" not in now  # the method's own levels
    view = View(result, Messages("it"))
    assert [lvl["codice"] for lvl in view.trend_levels] == [
        *(lvl["codice"] for lvl in result["metodo"]["livelli"]), *(lvl["codice"] for lvl in pna2013["livelli"])]
    # each year counted on its own scale only, and in full: 2025's top 'alto' is not the method's 'alto'
    counted = {year["anno"]: [view.trend_count(year, lvl) for lvl in view.trend_levels] for year in (before, now)}
    assert counted[2025][:4] == [None] * 4 and None not in counted[2025][4:]
    assert counted[2026][4:] == [None] * 5 and None not in counted[2026][:4]
    assert sum(counted[2025][4:]) == older["sintesi"]["processi_valutati"]
    assert sum(counted[2026][:4]) == result["sintesi"]["processi_valutati"]
    html = (tmp_path / "2026" / "allegato-rischi.html").read_text(encoding="utf-8")
    assert html.count("Medio-basso (metodo precedente)") >= 3  # the table's column, the chart's legend and description
    assert "2 Medio-basso (metodo precedente)" in html  # 2025 in the chart's description
    assert "Alto (metodo precedente)" in html
    distribution = html[html.index('class="distribuzione"'):]
    assert "precedente" not in distribution[:distribution.index("</svg>")]  # this year's chart: this year's levels
    # a user's macros.html.j2 written before livello.html.j2 (its badge inline) still renders the trend and changes
    templates = tmp_path / "modelli"
    templates.mkdir()
    macros = (REPO_TEMPLATES / "macros.html.j2").read_text(encoding="utf-8")
    old = ('{% macro livello(code) -%}\n{%- set l = view.level_of(code) -%}\n{%- if l is none -%}'
           '<span class="nd">—</span>\n{%- else -%}<span class="livello">{{ l.etichetta }}</span>\n{%- endif -%}\n'
           '{%- endmacro %}')
    new = macros[:macros.index('{% from "livello.html.j2"')] + old + macros[macros.index("{%- endmacro %}") + 15:]
    (templates / "macros.html.j2").write_text(new, encoding="utf-8")
    run = riskengine("report", tmp_path / "2026" / "risultato.json", "-o", tmp_path / "utente", "-f", "html",
                     "--templates", templates, "--lang", "it", cwd=tmp_path)
    assert run.returncode in (0, 3), run.stderr
    assert "Medio-basso (metodo precedente)" in (tmp_path / "utente" / "allegato-rischi.html").read_text(
        encoding="utf-8")
