"""The annex through the command line (riskengine assess / report), as a user runs it."""

from __future__ import annotations

from test_report_support import REPO, parse_html
from typer.testing import CliRunner

from riskengine.cli import app

RULES = str(REPO / "rules")


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_assess_small_chamber_writes_the_simplified_annex(tmp_path):
    out = tmp_path / "piccolo"
    result = run("assess", str(REPO / "catalogs" / "esempio-piccolo"), "--out", str(out), "--rules", RULES, "-q")
    assert result.exit_code == 0, result.output
    assert result.output == ""
    names = {p.name for p in out.iterdir()}
    assert {"allegato-rischi.html", "allegato-rischi.pdf", "allegato-rischi.xlsx", "csv", "schede",
            "risultato.json"} <= names
    doc = parse_html((out / "allegato-rischi.html").read_text(encoding="utf-8"))
    section = doc.by_id("mappatura")
    assert "Mappatura dei processi (art. 6 DM 132/2022)" in section.text()
    highlighted = [tr for tr in section.find_all("tr") if "art6" in tr.attrs.get("class", "").split()]
    agreements = [tr for tr in section.find_all("tr") if "convenzione" in tr.attrs.get("class", "").split()]
    assert highlighted and agreements
    assert all("art. 6" in tr.text() for tr in highlighted + agreements)
    assert all("Milano" in tr.text() for tr in agreements)
    assert doc.by_id("misure-art6")
    assert (out / "csv" / "mappatura.csv").exists()


def test_english_labels(tmp_path):
    out = tmp_path / "en"
    result = run("assess", str(REPO / "tests" / "data" / "mini"), "--out", str(out), "--rules", RULES,
                 "--format", "html,xlsx,csv", "--lang", "en", "-q")
    assert result.exit_code == 3, result.output  # mini has an error finding: a draft
    html = (out / "allegato-rischi.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in html
    for label in ("Risk register", "General measures", "Monitoring plan", "Risk sheet", "Inherent risk", "High"):
        assert label in html
    assert "Registro dei rischi" not in html and "Misure generali" not in html
    from openpyxl import load_workbook

    wb = load_workbook(out / "allegato-rischi.xlsx")
    assert wb.sheetnames == ["Register", "General measures", "Specific measures", "Monitoring", "Phases and activities",
                             "Risk events", "Enabling factors", "Indicator answers", "Findings", "Legend"]
    assert (out / "csv" / "registro.csv").read_text(encoding="utf-8-sig").startswith("Code,Process,Risk area,")


def test_report_from_result_json_renders_the_same_annex(tmp_path):
    first = tmp_path / "a"
    assert run("assess", str(REPO / "tests" / "data" / "mini"), "--out", str(first), "--rules", RULES,
               "--format", "html,json", "-q").exit_code == 3  # mini has an error finding: a draft
    second = tmp_path / "b"
    result = run("report", str(first / "risultato.json"), "--out", str(second), "--format", "html,json", "-v")
    assert result.exit_code == 3, result.output
    # every file of the annex, but the hidden manifest that lets the next run replace the folder
    assert sorted(result.stdout.split()) == sorted(str(p) for p in second.rglob("*")
                                                   if p.is_file() and p.name != ".riskengine-manifest.json")
    for name in ("allegato-rischi.html", "risultato.json"):
        assert (first / name).read_bytes() == (second / name).read_bytes()


def test_broken_template_fails_with_template_and_line(tmp_path):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "sintesi.html.j2").write_text("<p>\n{{ view.sintesi.processi | nonexistent_filter }}</p>\n",
                                               encoding="utf-8")
    result = CliRunner().invoke(app, ["assess", str(REPO / "tests" / "data" / "mini"), "--out", str(tmp_path / "o"),
                                      "--rules", RULES, "--format", "html", "--templates", str(templates)])
    assert result.exit_code == 1
    assert "sintesi.html.j2:2: error[template]: template sintesi.html.j2, line 2" in result.output
    assert not (tmp_path / "o").exists()


def test_csv_delimiter_option(tmp_path):
    out = tmp_path / "annex"
    result = run("assess", str(REPO / "tests" / "data" / "mini"), "--out", str(out), "--format", "csv",
                 "--csv-delimiter", ",", "-q")
    assert result.exit_code == 3, result.output  # mini has an error finding: a draft
    header = (out / "csv" / "registro.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("Codice,Processo,Area di rischio,")  # the option wins over the Italian ';'
    default = run("assess", str(REPO / "tests" / "data" / "mini"), "--out", str(tmp_path / "it"), "--format", "csv",
                  "-q")
    assert default.exit_code == 3, default.output
    header = (tmp_path / "it" / "csv" / "registro.csv").read_text(encoding="utf-8-sig").splitlines()[0]
    assert header.startswith("Codice;Processo;Area di rischio;")
    refused = run("assess", str(REPO / "tests" / "data" / "mini"), "--out", str(tmp_path / "x"), "--format", "csv",
                  "--csv-delimiter", "|")
    assert refused.exit_code == 1 and "unsupported CSV delimiter '|'" in refused.output
    assert not (tmp_path / "x").exists()


def test_the_summary_counts_levels_in_the_methods_order_in_both_languages(tmp_path):
    """risultato.json has its keys sorted (alto, basso, …): the summary of report read from it still follows the
    method's levels, as assess's does, in Italian and in English (it listed them by code)."""
    first = tmp_path / "a"
    assess = run("assess", str(REPO / "tests" / "data" / "mini"), "--out", str(first), "--rules", RULES,
                 "--format", "json", "--lang", "en")
    assert assess.exit_code == 3, assess.output  # mini has an error finding: a draft
    english = "Processes by risk level (planned residual): Low 2; Medium 1; Medium-high 0; High 1"
    assert assess.stderr.splitlines()[2] == "  " + english
    for lang, line in (("en", english),
                       ("it", "Processi per livello di rischio (residuo programmato): Basso 2; Medio 1; Medio-alto 0; "
                              "Alto 1")):
        result = run("report", str(first / "risultato.json"), "--out", str(tmp_path / lang), "--format", "json",
                     "--lang", lang)
        assert result.exit_code == 3, result.output
        assert result.stderr.splitlines()[2] == "  " + line
