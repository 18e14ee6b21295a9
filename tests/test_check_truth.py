"""Issue 12: `check` reports what the annex lists; drafts; exit codes; honest implementation figures.

The oracle of the multiset test is risultato.json as `assess` writes it; the implementation
figures are computed here again from the YAML files, by a reading independent of result/build.py.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import yaml

from riskengine import api
from riskengine.errors import RiskengineError

REPO = Path(__file__).resolve().parents[1]
EXAMPLES = sorted(p for p in (REPO / "catalogs").iterdir() if (p / "ente.yaml").is_file())
BROKEN = sorted(p for p in (REPO / "tests" / "data" / "broken").iterdir() if p.is_dir())
EVERY_CATALOGUE = [*EXAMPLES, REPO / "tests" / "data" / "mini", *BROKEN]
RULES = REPO / "rules"
LOCATED = re.compile(r"^\s*(?P<path>\S+?):(?P<line>\d+):(?P<col>\d+): (?P<sev>error|warning|info)\[(?P<code>[^\]]+)\]")


def riskengine(*args: str | Path, lang: str = "it", cwd: Path = REPO) -> subprocess.CompletedProcess[str]:
    """``python -m riskengine ARGS`` in a child process, in ``lang``."""
    env = dict(os.environ, RISKENGINE_LANG=lang)
    return subprocess.run([sys.executable, "-m", "riskengine", *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=600, check=False)


def reported(stdout: str) -> Counter[tuple[str, str, str]]:
    """(code, severity, file:line:col with the file's name) of every located line of `check`."""
    found: Counter[tuple[str, str, str]] = Counter()
    for line in stdout.splitlines():
        m = LOCATED.match(line)
        if m:
            found[(m["code"], m["sev"], f"{Path(m['path']).name}:{m['line']}:{m['col']}")] += 1
    return found


def annex_findings(result: dict) -> Counter[tuple[str, str, str]]:
    return Counter((f["codice"], f["gravita"], f["dove"]) for f in result["criticita"])


def years_of(catalogue: Path) -> list[int | None]:
    """The years of the catalogue's assessments; ``[None]`` (the default year) when it has none."""
    return sorted(int(p.stem.removeprefix("assessment-")) for p in catalogue.glob("assessment-*.yaml")) or [None]


def every_annex(catalogue: Path, out: Path, assess_year) -> tuple[Counter[tuple[str, str, str]], list[dict]]:
    """The findings of the annexes of every year (``assess_year(year, out_dir)`` writes one).

    A finding of the catalogue is the same fact in every year's annex (same code, place and
    wording): it counts once; each year adds the findings of its own assessment.
    """
    facts: set[tuple[str, str, str, str]] = set()
    results = []
    for year in years_of(catalogue):
        assess_year(year, out / f"{year}")
        written = json.loads((out / f"{year}" / "risultato.json").read_text(encoding="utf-8"))
        results.append(written)
        facts |= {(f["codice"], f["gravita"], f["dove"], f["messaggio"]) for f in written["criticita"]}
    return Counter(fact[:3] for fact in facts), results


def copy_catalogue(tmp_path: Path, source: Path) -> Path:
    """A copy of a catalogue under ``tmp_path/catalogs`` with the methods beside it (as in the repository)."""
    target = tmp_path / "catalogs" / source.name
    shutil.copytree(source, target)
    shutil.copytree(RULES, tmp_path / "rules")
    return target


# ---- check is the whole truth ------------------------------------------------------------------------------


@pytest.mark.parametrize("catalogue", EVERY_CATALOGUE, ids=lambda p: p.name)
def test_check_reports_exactly_the_findings_of_the_annex(catalogue: Path, tmp_path: Path) -> None:
    report = api.check(catalogue, RULES)
    checked = Counter((p.code, p.severity.value, f"{Path(p.location.path).name}:{p.location.line}:"
                       f"{p.location.column}") for p in report.problems)
    try:
        annexes = []
        expected, results = every_annex(catalogue, tmp_path / "out", lambda year, out: annexes.append(
            api.assess(catalogue, out, year=year, rules_dir=RULES, formats=("json",))))
    except RiskengineError as exc:
        # No annex: assess stopped on errors that check reports too (or the catalogue has no year to assess).
        refused = Counter((p.code, p.severity.value, f"{Path(p.location.path).name}:{p.location.line}:"
                           f"{p.location.column}") for p in exc.problems if "no assessment" not in p.message)
        assert refused <= checked
        assert not report.ok or not list(catalogue.glob("assessment-*.yaml"))
        return
    assert checked == expected
    if len(results) == 1:
        assert report.severities == Counter(results[0]["sintesi"]["criticita_per_gravita"])
    assert report.ok == (not any(annex.draft for annex in annexes))


@pytest.mark.parametrize("catalogue", EXAMPLES, ids=lambda p: p.name)
def test_check_through_the_cli_equals_risultato_json(catalogue: Path, tmp_path: Path) -> None:
    checked = riskengine("check", catalogue)
    expected, results = every_annex(catalogue, tmp_path / "out", lambda year, out: riskengine(
        "assess", catalogue, *(["--year", year] if year else []), "--out", out, "--format", "json", "-q"))
    assert reported(checked.stdout) == expected
    # the CCIAA example shows what the checks do; the small chamber's is clean (issue 13: no warnings)
    assert bool(results[-1]["criticita"]) == (catalogue.name != "esempio-piccolo")


@pytest.mark.parametrize("catalogue", EXAMPLES, ids=lambda p: p.name)
def test_the_examples_have_no_error_so_the_readme_command_exits_0(catalogue: Path, tmp_path: Path) -> None:
    checked = riskengine("check", catalogue)
    assert checked.returncode == 0, checked.stdout
    warnings = [k for k in reported(checked.stdout) if k[1] == "warning"]
    assert not [k for k in reported(checked.stdout) if k[1] == "error"]
    assert bool(warnings) == (catalogue.name != "esempio-piccolo")  # the small chamber's example is clean
    # The README's first command: assess with the default output directory, under the current one.
    assessed = riskengine("assess", catalogue, "--format", "html,json", cwd=tmp_path)
    assert assessed.returncode == 0, assessed.stderr
    html = (tmp_path / "reports" / catalogue.name / "2026" / "allegato-rischi.html").read_text(encoding="utf-8")
    assert "BOZZA" not in html


@pytest.mark.parametrize(("name", "text", "said"), [
    ("storico.yaml", "anni:\n  - {anno: 2024, fonte: \"P\", misure_dovute: 10, misure_attuate: 20}\n",
     "storico.yaml:2:65: error[storico]: "),
    ("storico.yaml", "anni:\n  - {anno: 2024, fonte: \"P\", processi_per_livello: {altissimo: 3}}\n",
     "storico.yaml:2:53: error[storico]: "),
    # a second file for 2026, or one named otherwise: its answers were ignored by both
    # (beside the year's own file: to merge, not to rename over it; alone: to rename)
    ("assessment-02026.yaml", None, "assessment-02026.yaml: error[load]: a file named as the assessment of 2026, but "
                                    "not as riskengine reads it: its answers would be ignored (assessment-2026.yaml "
                                    "is the year's file: move what this one holds into it, then remove this one)"),
    ("assessment-2026.yml", None, "assessment-2026.yml: error[load]: "),
    ("Assessment-2027.YAML", None, "Assessment-2027.YAML: error[load]: a file named as the assessment of 2027, but "
                                   "not as riskengine reads it: its answers would be ignored (name it "
                                   "assessment-2027.yaml (one file per year), or move it out of the catalogue)"),
    # the year in full-width digits: silently ignored
    ("assessment-\uff12\uff10\uff12\uff17.yaml", None, "assessment-\uff12\uff10\uff12\uff17.yaml: error[load]: a file "
                                                        "named as the assessment of 2027, but not as riskengine "
                                                        "reads it"),
])
def test_check_refuses_what_assess_refuses_in_the_declared_years_and_the_assessment_files(
        tmp_path: Path, name: str, text: str | None, said: str) -> None:
    # check said "ok" where assess then refused storico.yaml; two files of one year passed both
    catalogue = copy_catalogue(tmp_path, REPO / "catalogs" / "esempio-cciaa")
    if text is None:
        shutil.copy(catalogue / "assessment-2026.yaml", catalogue / name)
    else:
        (catalogue / name).write_text(text, encoding="utf-8")
    checked = riskengine("check", catalogue, lang="en")
    assessed = riskengine("assess", catalogue, "--out", tmp_path / "out", "-q", "--format", "json", lang="en")
    assert checked.returncode == assessed.returncode == 1, (checked.stdout, assessed.stderr)
    assert f"{catalogue / said}" in checked.stdout and f"{catalogue / said}" in assessed.stderr


def _without_motivazione(tmp_path: Path) -> tuple[Path, str]:
    """esempio-piccolo with the motivazione of its first judgement removed; the place of that judgement."""
    catalogue = copy_catalogue(tmp_path, REPO / "catalogs" / "esempio-piccolo")
    path = catalogue / "assessment-2026.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    item = next(i for i, line in enumerate(lines) if line.lstrip().startswith("- processo:"))
    motivation = next(i for i in range(item + 1, len(lines)) if lines[i].lstrip().startswith("motivazione:"))
    del lines[motivation]
    path.write_text("".join(lines), encoding="utf-8")
    column = lines[item].index("processo") + 1  # a judgement is placed at its first key
    return catalogue, f"assessment-2026.yaml:{item + 1}:{column}"


def test_a_missing_motivazione_fails_check_at_the_judgement(tmp_path: Path) -> None:
    catalogue, place = _without_motivazione(tmp_path)
    checked = riskengine("check", catalogue)
    assert checked.returncode == 1
    assert any(k[1] == "error" and k[2] == place for k in reported(checked.stdout)), checked.stdout
    assert f"{catalogue / place}: error[" in checked.stdout


def test_assess_with_error_findings_writes_a_draft_on_every_page_and_exits_3(tmp_path: Path) -> None:
    from pypdf import PdfReader

    catalogue, _ = _without_motivazione(tmp_path)
    out = tmp_path / "out"
    assessed = riskengine("assess", catalogue, "--out", out, "--format", "html,pdf,json")
    assert assessed.returncode == 3, assessed.stderr
    assert "BOZZA" in assessed.stderr
    banner = "BOZZA – contiene criticità gravi"
    # the unit pages too, sent to each dirigente (they were not marked)
    units = sorted((out / "unita").glob("*.html"))
    pages = [out / "allegato-rischi.html", *sorted((out / "schede").glob("*.html")), *units]
    assert len(pages) > 1 and units
    for page in pages:
        assert banner in page.read_text(encoding="utf-8"), page
    pdf = PdfReader(out / "allegato-rischi.pdf")
    assert len(pdf.pages) > 3
    for number, page in enumerate(pdf.pages, 1):
        assert "BOZZA" in (page.extract_text() or ""), f"page {number}"


def test_exit_codes_are_documented_in_help_and_readme() -> None:
    shown = riskengine("--help")
    assert shown.returncode == 0
    text = " ".join(shown.stdout.split())
    for code in ("0", "1", "2", "3", "70", "130", "141"):
        assert re.search(rf"\b{code} ", text), code
    assert "BOZZA" in text
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "## Exit codes" in readme
    for code in ("`0`", "`1`", "`2`", "`3`", "`70`", "`130`", "`141`"):
        assert code in readme


def test_errors_in_three_files_are_reported_in_one_run(tmp_path: Path) -> None:
    catalogue = copy_catalogue(tmp_path, REPO / "catalogs" / "esempio-piccolo")
    ente = catalogue / "ente.yaml"
    ente.write_text(ente.read_text(encoding="utf-8") + "colore_preferito: blu\n", encoding="utf-8")
    measures = catalogue / "measures.yaml"
    measures.write_text(measures.read_text(encoding="utf-8").replace("stato: attuata", "stato: finita", 1),
                        encoding="utf-8")
    assessment = catalogue / "assessment-2026.yaml"
    assessment.write_text(assessment.read_text(encoding="utf-8") + "revisore: nessuno\n", encoding="utf-8")
    checked = riskengine("check", catalogue)
    assert checked.returncode == 1
    files = {Path(m["path"]).name for m in map(LOCATED.match, checked.stdout.splitlines()) if m}
    assert {"ente.yaml", "measures.yaml", "assessment-2026.yaml"} <= files, checked.stdout


def test_with_an_error_check_still_says_a_measure_is_overdue_by_the_latest_monitoring(tmp_path: Path) -> None:
    # with an error in the catalogue check listed MS08 as overdue 'Da attuare' (the catalogue's state), though the
    # 2026 monitoring records it implemented and no annex lists it
    catalogue = copy_catalogue(tmp_path, REPO / "catalogs" / "esempio-cciaa")
    assessment = catalogue / "assessment-2026.yaml"
    text = assessment.read_text(encoding="utf-8")
    assert text.count("  - misura: MS08\n    stato: da-attuare\n") == 1
    assessment.write_text(text.replace("  - misura: MS08\n    stato: da-attuare\n", "  - misura: MS08\n    stato: attuata\n"),
                          encoding="utf-8")
    measures = catalogue / "measures.yaml"  # MS06 given to the office closed in the reorganisation
    text = measures.read_text(encoding="utf-8")
    owner = text.index("responsabile:", text.index("codice: MS06"))
    measures.write_text(text[:owner] + "responsabile: CONC" + text[text.index("\n", owner):], encoding="utf-8")
    checked = riskengine("check", catalogue)
    assert checked.returncode == 1 and "error[unit-not-valid]" in checked.stdout, checked.stdout
    assert "warning[measure-overdue]" not in checked.stdout, checked.stdout


def test_a_closed_year_naming_an_item_the_catalogue_no_longer_has_says_what_to_do_with_the_year(
        tmp_path: Path) -> None:
    # a process removed from this year's map made check fail at the closed years' files with no advice: the closed
    # year's file can lose the entry or leave the catalogue; a code close to one of the catalogue is still a typo
    catalogue = copy_catalogue(tmp_path, REPO / "catalogs" / "esempio-cciaa")
    for year, removed in ((2025, "ZZ9.9.9"), (2026, "ZZ9.9.9")):
        path = catalogue / f"assessment-{year}.yaml"
        text = path.read_text(encoding="utf-8")
        assert text.count("  - processo: C2.7.2\n") == 1
        path.write_text(text.replace("  - processo: C2.7.2\n", f"  - processo: {removed}\n"), encoding="utf-8")
    lines = [line for line in riskengine("check", catalogue, lang="en").stdout.splitlines() if "ZZ9.9.9" in line]
    closed = next(line for line in lines if "assessment-2025.yaml" in line)
    latest = next(line for line in lines if "assessment-2026.yaml" in line)
    assert closed.endswith("error[assessment]: unknown processo 'ZZ9.9.9' (the 2025 assessment is closed: if the "
                           "catalogue no longer has this item, remove the entry from the file, or move the file out "
                           "of the catalogue's folder (diff and the trend read the runs recorded in the history "
                           "store))"), closed
    assert latest.endswith("error[assessment]: unknown processo 'ZZ9.9.9'"), latest
    path = catalogue / "assessment-2025.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("ZZ9.9.9", "C2.7.9"), encoding="utf-8")
    typo = next(line for line in riskengine("check", catalogue, lang="en").stdout.splitlines() if "C2.7.9" in line)
    assert typo.endswith("(did you mean 'C2.7.3'?)"), typo


# ---- honest figures ----------------------------------------------------------------------------------------

PERIOD_END = {"semestrale": (6, 30), "trimestrale": (3, 31), "mensile": (1, 31)}


def expected_figures(catalogue: Path) -> dict:
    """The implementation figures read from the YAML files: due, implemented, late, not yet due; counts."""
    ente = yaml.safe_load((catalogue / "ente.yaml").read_text(encoding="utf-8"))
    measures = yaml.safe_load((catalogue / "measures.yaml").read_text(encoding="utf-8"))["misure"]
    monitoring = yaml.safe_load((catalogue / "assessment-2026.yaml").read_text(encoding="utf-8")).get(
        "monitoraggio") or []
    status = {m["codice"]: m["stato"] for m in measures} | {e["misura"]: e["stato"] for e in monitoring}
    reference = ente["data_riferimento"]
    due = implemented = late = not_yet = 0
    years: Counter[str] = Counter()
    for m in measures:
        deadline = m.get("scadenza")
        ongoing = deadline in (None, "continua")
        years["continua" if ongoing else str(deadline.year)] += 1
        if not ongoing:
            first = deadline
            if m.get("frequenza") in PERIOD_END:  # a periodic measure is due from the end of its first period
                month, day = PERIOD_END[m["frequenza"]]
                first = min(deadline, date(deadline.year, month, day))
            if first > reference:
                not_yet += 1
                continue
        due += 1
        if status[m["codice"]] == "attuata":
            implemented += 1
        else:
            late += 1
    return {"dovute": due, "attuate": implemented, "in_ritardo": late, "non_ancora_dovute": not_yet,
            "per_scadenza": dict(years),
            "per_natura": dict(Counter(m.get("natura", "ulteriore") for m in measures)),
            "per_tipologia": dict(Counter(m["tipologia"] for m in measures)),
            "riferimento": reference}


def test_the_implementation_rate_counts_measures_due_on_esempio_cciaa(tmp_path: Path) -> None:
    catalogue = REPO / "catalogs" / "esempio-cciaa"
    expected = expected_figures(catalogue)
    assert expected["non_ancora_dovute"] >= 10  # the case of the issue: most of the others are not yet due
    assessed = riskengine("assess", catalogue, "--out", tmp_path / "out", "--format", "json")
    assert assessed.returncode == 0, assessed.stderr
    summary = json.loads((tmp_path / "out" / "risultato.json").read_text(encoding="utf-8"))["sintesi"]
    rate = summary["attuazione"]
    for key in ("dovute", "attuate", "in_ritardo", "non_ancora_dovute"):
        assert rate[key] == expected[key], key
    percent = f"{expected['attuate'] * 100 / expected['dovute']:.1f}"
    assert summary["tasso_attuazione"] == rate["tasso"] == percent
    counts = summary["misure_conteggi"]
    assert counts["per_scadenza"] == expected["per_scadenza"]
    assert counts["per_natura"] == expected["per_natura"]
    assert counts["per_tipologia"] == expected["per_tipologia"]
    # The summary of the command line says the same, with its definition, in Italian.
    text = assessed.stderr
    day = expected["riferimento"].strftime("%d/%m/%Y")
    assert (f"{percent.replace('.', ',')}% (al {day}: misure dovute {expected['dovute']}, attuate "
            f"{expected['attuate']}, in ritardo {expected['in_ritardo']}; non ancora dovute "
            f"{expected['non_ancora_dovute']})") in text
    assert "Come si calcola: misure attuate ÷ misure dovute" in text
    assert f"Continua {expected['per_scadenza']['continua']}" in text
    assert f"Obbligatoria {expected['per_natura']['obbligatoria']}" in text
    html_rate = riskengine("assess", catalogue, "--out", tmp_path / "html", "--format", "html", "-q")
    assert html_rate.returncode == 0
    annex = (tmp_path / "html" / "allegato-rischi.html").read_text(encoding="utf-8")
    assert f"misure attuate ÷ misure dovute al {day}" in annex
    assert f"Attuazione delle misure per unità responsabile, alla data del {day}" in annex
    # Typologies and natures are listed by their labels, in the order of the labels (not of their codes).
    labels = yaml.safe_load((REPO / "src" / "riskengine" / "report" / "messages" / "it.yaml").read_text("utf-8"))
    for field in ("tipologia", "natura"):
        counts, names = expected[f"per_{field}"], labels["valori"][field]
        by_label = sorted((names[code], n) for code, n in counts.items())
        if field == "tipologia":  # on this catalogue the two orders differ: the test tells them apart
            assert sorted(counts, key=names.get) != sorted(counts)
        listed = "; ".join(f"{label} {n}" for label, n in by_label)
        assert listed in text
        assert "; ".join(f"{label}: {n}" for label, n in by_label).replace("'", "&#39;") in annex


def test_the_rate_per_unit_is_computed_on_the_measures_it_owns(tmp_path: Path) -> None:
    annex = api.assess(REPO / "catalogs" / "esempio-cciaa", tmp_path / "out", rules_dir=RULES, formats=("json",))
    per_unit = annex.result["sintesi"]["attuazione"]["per_unita"]
    owned = {u["codice"]: u["misure_responsabile"] for u in annex.result["unita"] if u["misure_responsabile"]}
    assert set(per_unit) == set(owned)
    total = Counter()
    for figures in per_unit.values():
        total.update({k: figures[k] for k in ("dovute", "attuate", "in_ritardo", "non_ancora_dovute")})
    whole = annex.result["sintesi"]["attuazione"]
    # every measure has exactly one owner, so the units add up to the whole
    assert {k: total[k] for k in ("dovute", "attuate", "in_ritardo", "non_ancora_dovute")} == {
        k: whole[k] for k in ("dovute", "attuate", "in_ritardo", "non_ancora_dovute")}


# ---- one fact, one finding ---------------------------------------------------------------------------------

# Codes that state the same fact in other words, by the fact they state. An overdue measure is the
# measure's finding (measure-overdue, at its deadline); a method's policy that counted it again on
# each process it treats (MISURE-SCADUTE, removed from the shipped methods) would say it twice.
SAME_FACT = {"measure-overdue": "misura scaduta", "MISURE-SCADUTE": "misura scaduta",
             "obligation-overdue": "obbligo scaduto"}


def facts(result: dict) -> Counter[tuple[str, str]]:
    """(subject, fact) of every finding; a finding about a process's overdue measures stands for each of them."""
    reference = date.fromisoformat(result["ente"]["data_riferimento"])
    measures = {m["codice"]: m for m in result["misure"]}
    processes = {p["codice"]: p for p in result["processi"]}
    found: Counter[tuple[str, str]] = Counter()
    for f in result["criticita"]:
        fact = SAME_FACT.get(f["codice"], f["codice"])
        kind, _, code = f.get("oggetto", "").partition(":")
        if kind == "process" and fact == "misura scaduta":
            for m in processes[code]["misure"]:
                deadline = measures[m]["scadenza"]
                if deadline and deadline != "continua" and date.fromisoformat(deadline) < reference \
                        and measures[m]["stato_monitorato"] != "attuata":
                    found[(f"measure:{m}", fact)] += 1
        else:
            found[(f.get("oggetto") or f["dove"], fact + (f"/{f['messaggio']}" if not f.get("oggetto") else ""))] += 1
    return found


def test_no_two_findings_state_the_same_fact(tmp_path: Path) -> None:
    from riskengine.pipeline import assess

    assessed = overdue = 0
    for catalogue in EVERY_CATALOGUE:
        for year in years_of(catalogue):
            try:
                result = assess(catalogue, year=year, rules_dir=RULES)
            except RiskengineError:
                continue  # errors: no annex
            assessed += 1
            counted = facts(result)
            twice = {fact: n for fact, n in counted.items() if n > 1}
            assert not twice, f"{catalogue.name} {year}: {twice}"
            overdue += sum(1 for _, fact in counted if fact == "misura scaduta")
            assert "MISURE-SCADUTE" not in {f["codice"] for f in result["criticita"]}
    assert assessed >= 4 and overdue >= 3  # both years of the examples and mini: each has an overdue measure


def test_a_policy_that_says_an_overdue_measure_again_is_caught_by_the_oracle() -> None:
    result = {"ente": {"data_riferimento": "2026-01-31"},
              "misure": [{"codice": "M1", "scadenza": "2025-12-31", "stato_monitorato": "da-attuare"}],
              "processi": [{"codice": "P1", "misure": ["M1"]}],
              "criticita": [{"codice": "measure-overdue", "oggetto": "measure:M1", "dove": "measures.yaml:3:5",
                             "messaggio": "measure 'M1' was due 2025-12-31"},
                            {"codice": "MISURE-SCADUTE", "oggetto": "process:P1", "dove": "assessment-2026.yaml:4:5",
                             "messaggio": "1 misure scadute e non attuate"}]}
    assert facts(result)[("measure:M1", "misura scaduta")] == 2


def test_look_alike_codes_are_findings_of_the_annex_too(tmp_path: Path) -> None:
    catalogue = copy_catalogue(tmp_path, REPO / "tests" / "data" / "mini")
    cyrillic = "\u04122.1.1"  # Cyrillic В, then 2.1.1: prints like B2.1.1
    for name, old, new in (("processes.yaml", "  - codice: B2.2.1\n", f"  - codice: {cyrillic}\n"),
                           ("processes.yaml", "B2.2.1-E1", f"{cyrillic}-E1"),
                           ("assessment-2026.yaml", "processo: B2.2.1", f"processo: {cyrillic}")):
        path = catalogue / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
    checked = riskengine("check", catalogue, "--rules", RULES)
    look_alike = {k for k in reported(checked.stdout) if k[0] == "look-alike-code"}
    assert len(look_alike) == 2  # the process and its event
    riskengine("assess", catalogue, "--rules", RULES, "--out", tmp_path / "out", "--format", "json,html", "-q")
    written = json.loads((tmp_path / "out" / "risultato.json").read_text(encoding="utf-8"))
    assert {k for k in annex_findings(written) if k[0] == "look-alike-code"} == look_alike
    html = (tmp_path / "out" / "allegato-rischi.html").read_text(encoding="utf-8")
    assert f"{cyrillic}&#39;: il codice sembra uguale a &#39;B2.1.1&#39;" in html  # worded in Italian
    assert f"processo '{cyrillic}': il codice sembra uguale a 'B2.1.1'" in checked.stdout


# ---- measure-overdue judges the year's monitored status --------------------------------------------------------


def _monitor_ms08(tmp_path: Path, catalogue_status: str, monitored: dict[int, str]) -> Path:
    """esempio-cciaa with MS08 (due 31/12/2025, before the plan date) in ``catalogue_status`` and monitored by year."""
    catalogue = copy_catalogue(tmp_path, REPO / "catalogs" / "esempio-cciaa")
    measures = catalogue / "measures.yaml"
    text = measures.read_text(encoding="utf-8")
    old = '    target: "Adozione entro il 31/12/2025"\n    stato: da-attuare\n'
    assert text.count(old) == 1
    measures.write_text(text.replace(old, old.replace("da-attuare", catalogue_status)), encoding="utf-8")
    for year, status in monitored.items():
        path = catalogue / f"assessment-{year}.yaml"
        text = path.read_text(encoding="utf-8")
        old = "  - misura: MS08\n    stato: da-attuare\n"
        assert text.count(old) == 1
        path.write_text(text.replace(old, old.replace("da-attuare", status)), encoding="utf-8")
    return catalogue


def _overdue(result: dict) -> list[dict]:
    return [f for f in result["criticita"] if f["codice"] == "measure-overdue" and f["oggetto"] == "measure:MS08"]


def test_a_measure_monitored_as_implemented_in_the_year_is_not_overdue(tmp_path: Path) -> None:
    from riskengine.pipeline import assess

    catalogue = _monitor_ms08(tmp_path, "da-attuare", {2026: "attuata"})
    assert _overdue(assess(catalogue, year=2026)) == []
    # 2025's monitoring still has it to be implemented: that year's annex flags it, with that status
    (flagged,) = _overdue(assess(catalogue, year=2025))
    assert flagged["argomenti"]["stato"] == "da-attuare" and flagged["dove"] == "measures.yaml:353:15"
    # check still equals the annexes of every year
    expected, _ = every_annex(catalogue, tmp_path / "out", lambda year, out: riskengine(
        "assess", catalogue, "--year", year, "--out", out, "--format", "json", "-q"))
    assert reported(riskengine("check", catalogue).stdout) == expected


def test_implemented_in_every_year_check_reports_no_overdue_measure(tmp_path: Path) -> None:
    catalogue = _monitor_ms08(tmp_path, "da-attuare", {2025: "attuata", 2026: "attuata"})
    checked = riskengine("check", catalogue)
    assert "[measure-overdue]" not in checked.stdout
    expected, _ = every_annex(catalogue, tmp_path / "out", lambda year, out: riskengine(
        "assess", catalogue, "--year", year, "--out", out, "--format", "json", "-q"))
    assert reported(checked.stdout) == expected


def test_implemented_in_the_catalogue_but_not_in_the_year_is_overdue(tmp_path: Path) -> None:
    from riskengine.pipeline import assess

    catalogue = _monitor_ms08(tmp_path, "attuata", {2026: "non-attuata"})
    (flagged,) = _overdue(assess(catalogue, year=2026))
    assert flagged["argomenti"]["stato"] == "non-attuata"


# ---- a finding of an older year is named as such ------------------------------------------------------------


def _ms08_implemented(tmp_path: Path) -> Path:
    """The CCIAA example with MS08 reported implemented in the 2026 monitoring (as raccogli writes it): the 2025
    annex still lists it overdue, the 2026 annex no longer does."""
    catalogue = copy_catalogue(tmp_path, REPO / "catalogs" / "esempio-cciaa")
    path = catalogue / "assessment-2026.yaml"
    text = path.read_text(encoding="utf-8")
    before = "  - misura: MS08\n    stato: da-attuare\n"
    assert before in text
    path.write_text(text.replace(before, "  - misura: MS08\n    stato: attuata\n"), encoding="utf-8")
    return catalogue


@pytest.mark.parametrize("edit", ["as-is", "MS08 implemented in 2026"])
def test_check_names_the_years_of_a_finding_not_every_annex_lists(edit: str, tmp_path: Path) -> None:
    catalogue = REPO / "catalogs" / "esempio-cciaa" if edit == "as-is" else _ms08_implemented(tmp_path)
    report = api.check(catalogue, RULES)
    listed: dict[int, set[tuple[str, str, str]]] = {}
    for year in years_of(catalogue):
        out = tmp_path / "out" / str(year)
        api.assess(catalogue, out, year=year, rules_dir=RULES, formats=("json",))
        result = json.loads((out / "risultato.json").read_text(encoding="utf-8"))
        listed[year] = {(f["codice"], f["gravita"], f["dove"]) for f in result["criticita"]}
    assert len(listed) > 1
    labelled = 0
    for problem in report.problems:
        fact = (problem.code, problem.severity.value,
                f"{Path(problem.location.path).name}:{problem.location.line}:{problem.location.column}")
        years = tuple(year for year, facts in sorted(listed.items()) if fact in facts)
        assert years, fact
        assert report.years.get(problem) == (years if len(years) < len(listed) else None), fact
        labelled += len(years) < len(listed)
    assert labelled >= 2  # B2.1.5 and C2.7.3 have no answers in 2025 (and MS08 is overdue only in 2025)


def test_the_overdue_measure_of_an_older_year_says_which_annex_lists_it(tmp_path: Path) -> None:
    checked = riskengine("check", _ms08_implemented(tmp_path), "--rules", RULES)
    (line,) = [line for line in checked.stdout.splitlines() if "[measure-overdue]" in line]
    assert "'MS08'" in line and line.endswith(" [solo nell'allegato 2025]"), line
    assert not [line for line in checked.stdout.splitlines() if "obligation-overdue" in line and "[solo" in line]


def test_a_year_after_the_plan_date_is_a_warning_of_that_year(tmp_path: Path) -> None:
    """new-year leaves ente.yaml as it is: the 2027 annex would count deadlines and late measures at the 2026
    plan's date without a word. check and the 2027 annex say so, at data_riferimento; the 2026 annex does not."""
    catalogue = copy_catalogue(tmp_path, REPO / "catalogs" / "esempio-cciaa")
    api.new_year(catalogue, from_year=2026, to_year=2027)
    checked = riskengine("check", catalogue, "--rules", RULES)
    (line,) = [line for line in checked.stdout.splitlines() if "[plan-date-before-year]" in line]
    assert line.strip() == (f"{catalogue}/ente.yaml:7:19: warning[plan-date-before-year]: la valutazione è del 2027, "
                            "ma la data di riferimento del piano è ancora 31/01/2026 (aggiorna data_riferimento alla "
                            "data del piano 2027: scadenze e misure in ritardo si contano a quella data) "
                            "[solo nell'allegato 2027]"), line
    for year, listed in ((2027, True), (2026, False)):
        api.assess(catalogue, tmp_path / str(year), year=year, rules_dir=RULES, formats=("json",))
        result = json.loads((tmp_path / str(year) / "risultato.json").read_text(encoding="utf-8"))
        codes = {f["codice"] for f in result["criticita"]}
        assert ("plan-date-before-year" in codes) == listed, year
    ente = catalogue / "ente.yaml"
    ente.write_text(ente.read_text(encoding="utf-8").replace("2026-01-31", "2027-01-31"), encoding="utf-8")
    assert "plan-date-before-year" not in riskengine("check", catalogue, "--rules", RULES).stdout
