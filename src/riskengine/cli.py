"""Command line: thin wrappers over :mod:`riskengine.api`; printing and exit codes live here.

Exit codes: 0 done, 1 the input has errors (one located line each), 2 the command line is wrong,
70 an internal error (a bug: one line, no traceback), 130 interrupted.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from riskengine import __version__
from riskengine.errors import RiskengineError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="riskengine: anticorruption risk assessment for the PIAO risk annex.")

EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70  # sysexits' EX_SOFTWARE
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
ENGINE_HELP = "durable (durable-rules) or interpreter"
DB_HELP = "history store URL (default: $RISKENGINE_DB, else storico.sqlite beside the catalogue)"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"riskengine {__version__}")
        raise typer.Exit()


@app.callback()
def riskengine(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                            help="print the version and exit")) -> None:
    """riskengine: anticorruption risk assessment for the PIAO risk annex."""


def _fail(exc: RiskengineError) -> None:
    for problem in sorted(exc.problems, key=lambda p: p.sort_key()):
        typer.echo(problem.format(), err=True)
    typer.echo(f"{len(exc.problems)} error(s)", err=True)
    raise typer.Exit(EXIT_INPUT)


@app.command()
def check(catalog: Path = typer.Argument(..., help="catalogue directory (catalogs/<ente>) or method directory"),
          rules: Path | None = typer.Option(None, "--rules", help="directory holding the methods (default: rules/)"),
          quiet: bool = typer.Option(False, "--quiet", "-q", help="print only the summary line")) -> None:
    """Validate a catalogue (integrity rules, method, assessments) or a method; exit 1 on errors."""
    from riskengine import api

    report = api.check(catalog, rules)
    by_severity: dict[str, dict[str, list]] = {}
    for problem in report.problems:
        by_severity.setdefault(problem.severity.value, {}).setdefault(problem.code, []).append(problem)
    if not quiet:
        if report.counts:
            typer.echo(f"{catalog}: " + ", ".join(f"{n} {k}" for k, n in report.counts.items()))
        titles = {"error": "errors", "warning": "warnings", "info": "notes"}
        for severity in ("error", "warning", "info"):
            groups = by_severity.get(severity, {})
            if not groups:
                continue
            typer.echo(f"\n{titles[severity]} ({sum(len(v) for v in groups.values())})")
            for code in sorted(groups):
                typer.echo(f"  {code} ({len(groups[code])})")
                for problem in groups[code]:
                    typer.echo(f"    {problem.format()}")
    counts = report.severities
    status = "ok" if report.ok else "FAILED"
    typer.echo(f"{status}: {counts['error']} error(s), {counts['warning']} warning(s), {counts['info']} note(s)")
    if not report.ok:
        raise typer.Exit(EXIT_INPUT)


def _echo_measures(title: str, measures: list[dict]) -> None:
    typer.echo(f"{title} ({len(measures)})")
    for m in measures:
        typer.echo(f"  {m['codice']:<8} {m['nome']}")
        if len(m["responsabili"]) > 1:
            typer.echo(f"           corresponsabili: {', '.join(m['responsabili'])}")
        typer.echo(f"           scadenza: {m['scadenza']}  stato: {m['stato']}  frequenza: {m['frequenza'] or '—'}")
        typer.echo(f"           indicatore: {m['indicatore'] or '—'}  target: {m['target'] or '—'}")


_STATO_OBBLIGO = {"aggiornato": "aggiornato", "in-ritardo": "in ritardo", "incompleto": "incompleto",
                  "da-verificare": "da verificare"}


def _data(iso: str | None) -> str:
    """dd/mm/yyyy, as Italian readers write dates."""
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}" if iso else "—"


def _echo_obligations(title: str, obligations: list[dict]) -> None:
    typer.echo(f"{title} ({len(obligations)})")
    for o in obligations:
        frequency = o["aggiornamento"] or "—"
        if frequency[:1].isdigit():
            frequency = f"alla data {_data(frequency)}"
        typer.echo(f"  {o['codice']:<8} {o['denominazione']}")
        typer.echo(f"           {o['sottosezione']['codice']} {o['sezione']['nome']} › {o['sottosezione']['nome']}")
        typer.echo(f"           aggiornamento: {frequency}  prossima scadenza: {_data(o['prossima_scadenza'])}  "
                   f"stato: {_STATO_OBBLIGO[o['stato']]}")
        if o["termine"]:
            typer.echo(f"           termine: {o['termine']}")


@app.command()
def show(catalog: Path = typer.Argument(..., help="catalogue directory"),
         unit: str | None = typer.Option(None, "--unit", help="unit or role, by code or name"),
         process: str | None = typer.Option(None, "--process", help="process code")) -> None:
    """Show what a unit owns and must implement, or everything about a process."""
    from riskengine import api

    if (unit is None) == (process is None):
        typer.echo("give exactly one of --unit or --process", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        view = api.show(catalog, unit=unit, process=process)
    except RiskengineError as exc:
        _fail(exc)
    if unit is not None:
        typer.echo(f"{view['nome']} [{view['codice']}]" + (f" — in {view['padre']}" if view["padre"] else ""))
        typer.echo(f"processi ({len(view['processi'])})")
        for p in view["processi"]:
            typer.echo(f"  {p['codice']:<10} {p['nome']}")
        _echo_measures("misure da attuare come responsabile", view["misure_responsabile"])
        _echo_measures("misure a supporto", view["misure_supporto"])
        if view["obblighi_trasmissione"] is not None:  # the catalogue has trasparenza.yaml
            _echo_obligations("obblighi di pubblicazione: trasmissione dei dati", view["obblighi_trasmissione"])
            _echo_obligations("obblighi di pubblicazione: pubblicazione", view["obblighi_pubblicazione"])
        if view["misure_collettive"]:  # measures owned by a collective role that reaches this unit
            typer.echo(f"misure dei responsabili collettivi ({len(view['misure_collettive'])})")
        for m in view["misure_collettive"]:
            typer.echo(f"  {m['codice']:<8} {m['nome']} — tramite {m['tramite']} ({m['come']}), "
                       f"scadenza {m['scadenza']}")
        return
    typer.echo(f"{view['codice']} {view['nome']}")
    typer.echo(f"aree: {'; '.join(view['aree']) or '—'}")
    typer.echo(f"unità responsabile: {view['unita'] or '—'}")
    if view["in_convenzione"]:
        typer.echo(f"in convenzione con: {view['in_convenzione']}")
    if view["art6"]:
        typer.echo(f"art. 6 DM 132/2022: lettera {view['art6']}")
    typer.echo(f"fasi ({len(view['fasi'])})")
    for f in view["fasi"]:
        typer.echo(f"  {'  ' * f['livello']}{f['codice']} {f['nome']}")
    typer.echo(f"eventi rischiosi ({len(view['eventi'])})")
    for e in view["eventi"]:
        typer.echo(f"  {e['codice']}: {e['descrizione']}")
        for factor in e["fattori"]:
            typer.echo(f"      fattore: {factor}")
    typer.echo(f"misure ({len(view['misure'])})")
    for m in view["misure"]:
        typer.echo(f"  {m['codice']:<8} [{m['ambito']}] {m['nome']} — {m['responsabile'] or '—'}, "
                   f"scadenza {m['scadenza']}")


@app.command()
def graph(catalog: Path = typer.Argument(..., help="catalogue directory"),
          format: str = typer.Option("json", "--format", "-f", help="graphml, dot or json"),
          out: Path | None = typer.Option(None, "--out", "-o", help="file to write (default: the standard output)"),
          ) -> None:
    """Export the catalogue graph (areas, units, processes, events, factors, measures and their links)."""
    from riskengine import api

    if format not in ("graphml", "dot", "json"):
        typer.echo(f"unknown graph format '{format}': expected one of graphml, dot, json", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        text = api.graph(catalog, format)
    except RiskengineError as exc:
        _fail(exc)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if out is None:
        sys.stdout.write(text)
    else:
        from riskengine.report.output import write_text_atomic

        write_text_atomic(out, text)


@app.command()
def schema(out: Path | None = typer.Option(None, "--out", "-o", help="directory for the *.schema.json files"),
           markdown: str | None = typer.Option(None, "--markdown", help="print the reference tables of the docs "
                                               "instead: 'catalogo' (docs/formats.md) or 'regole' (docs/rules.md)"),
           ) -> None:
    """Write the JSON Schema of every file type (for editor completion and validation), or its Markdown tables."""
    from riskengine import api

    if (out is None) == (markdown is None):
        typer.echo("give exactly one of --out or --markdown", err=True)
        raise typer.Exit(EXIT_USAGE)
    if markdown is not None:
        try:
            typer.echo(api.schema_markdown(markdown), nl=False)
        except ValueError as exc:
            typer.echo(f"--markdown: {exc}", err=True)
            raise typer.Exit(EXIT_USAGE) from None
        return
    assert out is not None
    for path in api.schema(out):
        typer.echo(str(path))


@app.command("rules-list")
def rules_list() -> None:
    """List the integrity rules with their codes, severities and descriptions."""
    from riskengine import api

    for spec in api.rules_list():
        typer.echo(f"{spec.code:<30} {spec.severity.value:<8} {spec.description}")


def _formats(text: str) -> tuple[str, ...]:
    from riskengine.report import FORMATS

    chosen = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    unknown = [f for f in chosen if f not in FORMATS]
    if unknown or not chosen:
        typer.echo(f"unknown format(s): {', '.join(unknown) or '(none)'}; expected: {', '.join(FORMATS)}", err=True)
        raise typer.Exit(EXIT_USAGE)
    return chosen


def _engine(name: str) -> str:
    from riskengine.evaluate.backend import BACKENDS

    if name not in BACKENDS:
        typer.echo(f"unknown engine '{name}': expected one of {', '.join(BACKENDS)}", err=True)
        raise typer.Exit(EXIT_USAGE)
    return name


def _delimiter(text: str) -> str:
    return "\t" if text.lower() == "tab" else text


@app.command()
def assess(catalog: Path = typer.Argument(..., help="catalogue directory"),
           out: Path | None = typer.Option(None, "--out", "-o", help="output directory, replaced only when complete "
                                           "(default: reports/<ente>/<anno>/ under the current directory)"),
           year: int | None = typer.Option(None, "--year", "-y", help="assessment year (default: the latest)"),
           rules: Path | None = typer.Option(None, "--rules", help="directory holding the methods (default: rules/)"),
           format: str = typer.Option("html,pdf,xlsx,csv,json", "--format", "-f", help="comma-separated formats"),
           lang: str = typer.Option("it", "--lang", help="it or en"),
           templates: Path | None = typer.Option(None, "--templates", help="directory of template overrides"),
           engine: str = typer.Option("durable", "--engine", help=ENGINE_HELP),
           csv_delimiter: str = typer.Option(",", "--csv-delimiter", help="CSV separator: ',', ';' or 'tab'"),
           db: str | None = typer.Option(None, "--db", help=DB_HELP),
           quiet: bool = typer.Option(False, "--quiet", "-q", help="print nothing on success")) -> None:
    """Assess a catalogue with its method, write the result and the annex, and record the run in the history."""
    from riskengine import api

    formats = _formats(format)
    backend = _engine(engine)
    try:
        written = api.assess(catalog, out, year=year, rules_dir=rules, formats=formats, lang=lang,
                             templates=templates, backend=backend, csv_delimiter=_delimiter(csv_delimiter), db=db)
    except RiskengineError as exc:
        _fail(exc)
    if not quiet:
        for path in written:
            typer.echo(str(path))


@app.command()
def report(source: Path = typer.Argument(..., help="a result JSON file, or a catalogue directory to assess first"),
           out: Path = typer.Option(..., "--out", "-o", help="output directory (replaced only when complete)"),
           format: str = typer.Option("html,pdf,xlsx,csv,json", "--format", "-f", help="comma-separated formats"),
           lang: str = typer.Option("it", "--lang", help="it or en"),
           templates: Path | None = typer.Option(None, "--templates", help="directory of template overrides"),
           year: int | None = typer.Option(None, "--year", "-y", help="assessment year when SOURCE is a catalogue"),
           csv_delimiter: str = typer.Option(",", "--csv-delimiter", help="CSV separator: ',', ';' or 'tab'"),
           quiet: bool = typer.Option(False, "--quiet", "-q", help="print nothing on success")) -> None:
    """Render the annex from a result JSON (or from a catalogue, assessing it first)."""
    from riskengine import api

    formats = _formats(format)
    try:
        written = api.report(source, out, formats=formats, lang=lang, templates=templates, year=year,
                             csv_delimiter=_delimiter(csv_delimiter))
    except RiskengineError as exc:
        _fail(exc)
    if not quiet:
        for path in written:
            typer.echo(str(path))


@app.command()
def explain(catalog: Path = typer.Argument(..., help="catalogue directory"),
            process: str = typer.Argument(..., help="process code"),
            year: int | None = typer.Option(None, "--year", "-y", help="assessment year (default: the latest)"),
            rules: Path | None = typer.Option(None, "--rules", help="directory holding the methods")) -> None:
    """Explain, in plain language, the rules and values behind each score and finding of a process."""
    from riskengine import api

    try:
        lines = api.explain(catalog, process, year=year, rules_dir=rules)
    except RiskengineError as exc:
        _fail(exc)
    typer.echo("\n".join(lines))


@app.command("test")
def test_rules(method: Path = typer.Argument(..., help="method directory (rules/<method>) with tests/*.yaml"),
               engine: str = typer.Option("durable", "--engine", help=ENGINE_HELP),
               verbose: bool = typer.Option(False, "--verbose", "-v", help="list passing cases too"),
               strict: bool = typer.Option(False, "--strict", help="also fail when a rule was never exercised"),
               ) -> None:
    """Run a method's rule tests; show failures with their explanation and the rules no case exercised."""
    from riskengine import api

    backend = _engine(engine)
    try:
        report = api.test(method, backend=backend)
    except RiskengineError as exc:
        _fail(exc)
    for outcome in report.outcomes:
        if outcome.passed:
            if verbose:
                typer.echo(f"ok    {outcome.name}")
            continue
        typer.echo(f"FAIL  {outcome.name}  ({outcome.location})")
        for mismatch in outcome.mismatches:
            typer.echo(f"        {mismatch}")
        for step in outcome.trace:
            if step.get("passo") == "politica":
                typer.echo(f"        rule {step['regola']}: {step['quando']} → {step['risultato']}")
            else:
                typer.echo(f"        {step.get('descrizione', '')} = {step.get('risultato', '')}   [{step['regola']}]")
                if step.get("arrotondamento"):
                    typer.echo(f"          arrotondamento: {step['arrotondamento']}")
    covered = report.total_rules - len(report.uncovered)
    typer.echo(f"coverage: {covered}/{report.total_rules} rules exercised")
    for rule_id, location in report.uncovered:
        typer.echo(f"  never fired: {rule_id}" + (f" ({location})" if location else ""))
    failed = len(report.failed)
    typer.echo(f"{len(report.outcomes) - failed} passed, {failed} failed")
    if failed or (strict and report.uncovered):
        raise typer.Exit(EXIT_INPUT)


def _words(lang: str) -> dict[str, str]:
    """The words of the history commands in ``lang`` (``comandi_storia.*`` of the message catalogue)."""
    from riskengine.report.messages import LANGUAGES, Messages

    if lang not in LANGUAGES:
        typer.echo(f"unknown language '{lang}': expected it or en", err=True)
        raise typer.Exit(EXIT_USAGE)
    prefix = "comandi_storia."
    return {key[len(prefix):]: text for key, text in Messages(lang).labels.items() if key.startswith(prefix)}


def _number(text: str | None, lang: str, signed: bool = False) -> str:
    """A decimal as the language writes it (decimal comma in Italian; a true minus sign when signed)."""
    if text is None:
        return "—"
    sign = ""
    if signed:
        sign, text = ("−", text[1:]) if text.startswith("-") else ("+", text)
    return sign + (text.replace(".", ",") if lang == "it" else text)


def _level_labels(levels: list[dict], lang: str) -> dict[str, str]:
    key = "etichetta_en" if lang == "en" else "etichetta"
    return {lvl["codice"]: lvl.get(key) or lvl["etichetta"] for lvl in levels}


def _date(iso: str, lang: str) -> str:
    import datetime as dt

    when = dt.datetime.fromisoformat(iso)
    return when.strftime("%d/%m/%Y %H:%M UTC" if lang == "it" else "%Y-%m-%d %H:%M UTC")


@app.command()
def history(catalog: Path = typer.Argument(..., help="catalogue directory"),
            db: str | None = typer.Option(None, "--db", help=DB_HELP),
            lang: str = typer.Option("it", "--lang", help="it or en")) -> None:
    """List the recorded runs of a catalogue, year by year, and the years declared in storico.yaml."""
    from riskengine import api

    w = _words(lang)
    try:
        years = api.history(catalog, db=db)
    except RiskengineError as exc:
        _fail(exc)
    typer.echo(f"{w['runs']} ({len(years['esecuzioni'])})")
    for run in years["esecuzioni"]:
        mark = f"  [{w['latest']}]" if run["ultima"] else ""
        typer.echo(f"  {run['anno']}  #{run['id']:<5} {_date(run['eseguita_il'], lang)}  "
                   f"{run['metodo']} {run['versione_metodo']}{mark}")
    typer.echo(f"{w['declared']} ({len(years['dichiarati'])})")
    for entry in years["dichiarati"]:
        typer.echo(f"  {entry['anno']}  {entry['fonte']}")


@app.command()
def diff(first: Path = typer.Argument(..., help="catalogue directory, or the earlier result file"),
         second: str = typer.Argument(..., help="the earlier year, or the later result file"),
         third: str | None = typer.Argument(None, help="the later year (with a catalogue)"),
         format: str = typer.Option("text", "--format", "-f", help="text or json"),
         db: str | None = typer.Option(None, "--db", help=DB_HELP),
         lang: str = typer.Option("it", "--lang", help="it or en")) -> None:
    """Print the changes between two years of a catalogue (CATALOG 2025 2026) or two result files."""
    import json

    from riskengine import api

    w = _words(lang)
    if format not in ("text", "json"):
        typer.echo(f"unknown format '{format}': expected text or json", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        if first.is_dir():
            if third is None or not (second.isdigit() and third.isdigit()):
                typer.echo("with a catalogue give two years: riskengine diff CATALOG 2025 2026", err=True)
                raise typer.Exit(EXIT_USAGE)
            changes = api.diff(first, second, third, db=db)
        else:
            if third is not None:
                typer.echo("with result files give exactly two: riskengine diff OLD.json NEW.json", err=True)
                raise typer.Exit(EXIT_USAGE)
            changes = api.diff("", first, second)
    except RiskengineError as exc:
        _fail(exc)
    if format == "json":
        typer.echo(json.dumps(changes, ensure_ascii=False, indent=2, sort_keys=True))
        return
    labels = _level_labels(changes["livelli"], lang)
    typer.echo(f"{changes['da']} → {changes['a']}")
    typer.echo(f"{w['moved']} ({len(changes['processi_cambiati'])})")
    for p in changes["processi_cambiati"]:
        typer.echo(f"  {p['codice']:<10} {labels[p['da']]} → {labels[p['a']]} ({w[p['verso']]}, "
                   f"{_number(p['rischio_da'], lang)} → {_number(p['rischio_a'], lang)}, "
                   f"{_number(p['variazione'], lang, signed=True)})  {p['nome']}")
    for key, title in (("processi_nuovi", "new"), ("processi_rimossi", "removed")):
        typer.echo(f"{w[title]} ({len(changes[key])})")
        for p in changes[key]:
            typer.echo(f"  {p['codice']:<10} {labels.get(p['livello'] or '', '—')}  {p['nome']}")
    typer.echo(f"{w['due']} ({len(changes['misure_dovute'])})")
    for m in changes["misure_dovute"]:
        typer.echo(f"  {m['codice']:<8} {w[m['esito']]:<12} {w['deadline']} {m['scadenza']}  {m['nome']}")


@app.command("new-year")
def new_year(catalog: Path = typer.Argument(..., help="catalogue directory"),
             from_year: int = typer.Option(..., "--from", help="the year to copy"),
             to_year: int = typer.Option(..., "--to", help="the year of the draft"),
             lang: str = typer.Option("it", "--lang", help="it or en")) -> None:
    """Write assessment-<to>.yaml, a draft from <from>: answers to be confirmed, statuses carried (never overwrites)."""
    from riskengine import api

    w = _words(lang)
    try:
        path = api.new_year(catalog, from_year=from_year, to_year=to_year)
    except RiskengineError as exc:
        _fail(exc)
    typer.echo(f"{path}: {w['draft']}")


@app.command()
def whatif(catalog: Path = typer.Argument(..., help="catalogue directory"),
           scenario: Path = typer.Option(..., "--scenario", "-s", help="scenario file (YAML)"),
           year: int | None = typer.Option(None, "--year", "-y", help="assessment year (default: the latest)"),
           rules: Path | None = typer.Option(None, "--rules", help="directory holding the methods"),
           engine: str = typer.Option("durable", "--engine", help=ENGINE_HELP),
           out: Path | None = typer.Option(None, "--out", "-o", help="JSON file of the changes "
                                           "(default: whatif-<scenario>.json in the current directory)"),
           lang: str = typer.Option("it", "--lang", help="it or en")) -> None:
    """Print and write what a scenario changes (scores, levels, summary); the catalogue and history are untouched."""
    import json

    from riskengine import api
    from riskengine.report.output import write_text_atomic

    w = _words(lang)
    backend = _engine(engine)
    try:
        changes = api.whatif(catalog, scenario, year=year, rules_dir=rules, backend=backend)
    except RiskengineError as exc:
        _fail(exc)
    typer.echo(f"{w['changed']} ({len(changes['processi'])})")
    for p in changes["processi"]:
        typer.echo(f"  {p['codice']}  {p['nome']}")
        for state, c in p["stati"].items():
            typer.echo(f"      {w[state]}: {_number(c['rischio_da'], lang)} → {_number(c['rischio_a'], lang)} "
                       f"({_number(c['variazione'], lang, signed=True)}), {c['livello_da']} → {c['livello_a']}")
    typer.echo(w["summary"])
    for key, c in changes["sintesi"].items():
        typer.echo(f"  {w[key]}: {_number(c['da'], lang)} → {_number(c['a'], lang)} "
                   f"({_number(c['variazione'], lang, signed=True)})")
    target = out or Path(f"whatif-{scenario.stem}.json")
    write_text_atomic(target, json.dumps(changes, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    typer.echo(f"{w['written']}: {target}")


@app.command("rank-measures")
def rank_measures(catalog: Path = typer.Argument(..., help="catalogue directory"),
                  year: int | None = typer.Option(None, "--year", "-y", help="assessment year (default: the latest)"),
                  rules: Path | None = typer.Option(None, "--rules", help="directory holding the methods"),
                  engine: str = typer.Option("durable", "--engine", help=ENGINE_HELP),
                  format: str = typer.Option("text", "--format", "-f", help="text or json"),
                  lang: str = typer.Option("it", "--lang", help="it or en")) -> None:
    """Rank the planned measures by the residual risk they remove (re-evaluating without each)."""
    import json

    from riskengine import api

    w = _words(lang)
    backend = _engine(engine)
    if format not in ("text", "json"):
        typer.echo(f"unknown format '{format}': expected text or json", err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        ranking = api.rank_measures(catalog, year=year, rules_dir=rules, backend=backend)
    except RiskengineError as exc:
        _fail(exc)
    if format == "json":
        typer.echo(json.dumps(ranking, ensure_ascii=False, indent=2, sort_keys=True))
        return
    typer.echo(f"{w['rank']} ({len(ranking)})")
    for r in ranking:
        dropped = ", ".join(r["processi_abbassati"]) or "—"
        typer.echo(f"  {r['posizione']:>3}. {r['codice']:<8} {w['removes']} {_number(r['rischio_rimosso'], lang)}; "
                   f"{w['drops']}: {dropped}  {r['nome']}")

def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def main() -> None:
    """Console-script entry point: run the command; anything unexpected ends in one line, never a traceback."""
    # pydantic looks for plugins among every installed distribution when it builds the first model;
    # the command uses none (a user who sets the variable keeps their choice).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    try:
        app()  # exits itself: 0, or the code of a usage error (2) or of a command
    except SystemExit as exc:
        if exc.code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into this exit code, silently
            typer.echo("riskengine: interrupted", err=True)
        raise
    except KeyboardInterrupt:  # arrived outside the command (typer handles it inside)
        typer.echo("riskengine: interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:
        typer.echo(f"riskengine: internal error: {_one_line(exc)} (a bug: please report it with the command)",
                   err=True)
        sys.exit(EXIT_INTERNAL)
