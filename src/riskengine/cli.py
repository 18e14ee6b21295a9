"""Command line: thin wrappers over :mod:`riskengine.api`; printing, progress and exit codes live here.

Every message comes from the message catalogue (Italian by default, English with ``--lang en`` or
``RISKENGINE_LANG=en``); codes stay the same in both languages.

Exit codes: 0 done; 1 the input has errors (one located line each; ``check`` found an error); 2 the
command line is wrong; 3 the annex was written but is a draft (it has error findings: see
``check``); 70 an internal error (a bug: one line, no traceback); 130 interrupted.
"""

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

from riskengine import __version__
from riskengine.errors import Problem, RiskengineError
from riskengine.i18n import LANG_VARIABLE, LANGUAGES, Text, language

EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_DRAFT = 3  # the annex is written, marked as a draft: it has error findings and cannot be published
EXIT_INTERNAL = 70  # sysexits' EX_SOFTWARE
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
ENGINE_HELP = "durable (durable-rules) or interpreter"
LANG_HELP = f"it or en (default: ${LANG_VARIABLE}, else it)"


def _help_text() -> Text:
    """The language of the help, read when the command line is built (an unknown one falls back to Italian)."""
    try:
        return Text(language())
    except RiskengineError:
        return Text("it")


_HELP = _help_text()
app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help=f"{_HELP('cli.aiuto')}\n\n{_HELP('cli.codici_uscita')}")
DB_HELP = "history store URL (default: $RISKENGINE_DB, else storico.sqlite beside the catalogue)"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"riskengine {__version__}")
        raise typer.Exit()


@app.callback(epilog=_HELP("cli.codici_uscita"))
def riskengine(version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True,
                                            help="print the version and exit")) -> None:
    """riskengine: anticorruption risk assessment for the PIAO risk annex."""


def _text(lang: str | None) -> Text:
    """The messages of this run, or exit 2 with one line when the language is unknown."""
    try:
        return Text(language(lang))
    except RiskengineError:
        wrong = lang or os.environ.get(LANG_VARIABLE, "")
        fallback = Text("it")
        typer.echo(fallback("cli.lingua_sconosciuta", lingua=wrong, attese=", ".join(LANGUAGES)), err=True)
        raise typer.Exit(EXIT_USAGE) from None


def _fail(exc: RiskengineError, t: Text) -> None:
    for problem in sorted(exc.problems, key=lambda p: p.sort_key()):
        typer.echo(t.problem(problem), err=True)
    typer.echo(t("cli.errori", n=len(exc.problems)), err=True)
    raise typer.Exit(EXIT_INPUT)


def _lang_option() -> Any:
    return typer.Option(None, "--lang", help=LANG_HELP)


@contextmanager
def _progress(t: Text, quiet: bool) -> Iterator[Any]:
    """A rich progress display on stderr for the stages of a long run; nothing when quiet or not a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=False) as bar:
        current: list[Any] = []

        def report(stage: str, done: int = 0, total: int = 0) -> None:
            if done or total:
                bar.update(current[-1], completed=done, total=total)
                return
            if current:
                bar.update(current[-1], completed=1, total=1)
            current.append(bar.add_task(t(f"cli.avanzamento.{stage}"), total=None))

        yield report
        if current:
            bar.update(current[-1], completed=1, total=1)


@app.command()
def check(catalog: Path = typer.Argument(..., help="catalogue directory (catalogs/<ente>) or method directory"),
          rules: Path | None = typer.Option(None, "--rules", help="directory holding the methods (default: rules/)"),
          quiet: bool = typer.Option(False, "--quiet", "-q", help="print only the summary line"),
          lang: str | None = _lang_option()) -> None:
    """Check a catalogue (files, integrity, method, assessments, and every finding of the annex) or a method.

    Exit 0 when nothing is an error, 1 otherwise.
    """
    from riskengine import api

    t = _text(lang)
    with _progress(t, quiet) as progress:
        report = api.check(catalog, rules, progress=progress)
    by_severity: dict[str, dict[str, list[Problem]]] = {}
    for problem in sorted(report.problems, key=Problem.sort_key):
        by_severity.setdefault(problem.severity.value, {}).setdefault(problem.code, []).append(problem)
    if not quiet:
        if report.counts:
            counts = ", ".join(f"{n} {t('cli.conteggio.' + k.replace(' ', '_'))}" for k, n in report.counts.items())
            typer.echo(t("cli.check.conteggi", oggetto=catalog, conteggi=counts))
        for severity in ("error", "warning", "info"):
            groups = by_severity.get(severity, {})
            if not groups:
                continue
            typer.echo(f"\n{t('cli.gravita_plurale.' + severity)} ({sum(len(v) for v in groups.values())})")
            for code in sorted(groups):
                typer.echo(f"  {code} ({len(groups[code])})")
                for problem in groups[code]:
                    typer.echo(f"    {t.problem(problem)}")
    severities = report.severities
    status = "cli.check.esito_ok" if report.ok else "cli.check.esito_ko"
    typer.echo(t(status, errori=severities["error"], avvisi=severities["warning"], note=severities["info"]))
    if not report.ok:
        raise typer.Exit(EXIT_INPUT)


def _echo_measures(t: Text, title: str, measures: list[dict]) -> None:
    typer.echo(f"{title} ({len(measures)})")
    for m in measures:
        typer.echo(f"  {m['codice']:<8} {m['nome']}")
        if len(m["responsabili"]) > 1:
            typer.echo(f"           {t('cli.mostra.corresponsabili')}: {', '.join(m['responsabili'])}")
        typer.echo(f"           {t('cli.mostra.scadenza')}: {t.day(m['scadenza'])}  "
                   f"{t('cli.mostra.stato')}: {t.value('stato', m['stato'])}  "
                   f"{t('cli.mostra.frequenza')}: {t.value('frequenza', m['frequenza']) or '—'}")
        typer.echo(f"           {t('cli.mostra.indicatore')}: {m['indicatore'] or '—'}  "
                   f"{t('cli.mostra.target')}: {m['target'] or '—'}")


def _echo_obligations(t: Text, title: str, obligations: list[dict]) -> None:
    typer.echo(f"{title} ({len(obligations)})")
    for o in obligations:
        frequency = o["aggiornamento"] or "—"
        if frequency[:1].isdigit():  # a fixed date rather than a frequency
            frequency = t("cli.mostra.alla_data", data=t.day(frequency))
        else:
            frequency = t.value("aggiornamento", frequency)
        typer.echo(f"  {o['codice']:<8} {o['denominazione']}")
        typer.echo(f"           {o['sottosezione']['codice']} {o['sezione']['nome']} › {o['sottosezione']['nome']}")
        typer.echo(f"           {t('cli.mostra.aggiornamento')}: {frequency}  "
                   f"{t('cli.mostra.prossima_scadenza')}: {t.day(o['prossima_scadenza'])}  "
                   f"{t('cli.mostra.stato')}: {t.value('stato_obbligo', o['stato'])}")
        if o["termine"]:
            typer.echo(f"           {t('cli.mostra.termine')}: {o['termine']}")


@app.command()
def show(catalog: Path = typer.Argument(..., help="catalogue directory"),
         unit: str | None = typer.Option(None, "--unit", help="unit or role, by code or name"),
         process: str | None = typer.Option(None, "--process", help="process code"),
         lang: str | None = _lang_option()) -> None:
    """Show what a unit owns and must implement, or everything about a process."""
    from riskengine import api

    t = _text(lang)
    if (unit is None) == (process is None):
        typer.echo(t("cli.unita_o_processo"), err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        view = api.show(catalog, unit=unit, process=process)
    except RiskengineError as exc:
        _fail(exc, t)
    if unit is not None:
        typer.echo(f"{view['nome']} [{view['codice']}]"
                   + (f" — {t('cli.mostra.in')} {view['padre']}" if view["padre"] else ""))
        typer.echo(f"{t('cli.mostra.processi')} ({len(view['processi'])})")
        for p in view["processi"]:
            typer.echo(f"  {p['codice']:<10} {p['nome']}")
        _echo_measures(t, t("cli.mostra.misure_responsabile"), view["misure_responsabile"])
        _echo_measures(t, t("cli.mostra.misure_supporto"), view["misure_supporto"])
        if view["obblighi_trasmissione"] is not None:  # the catalogue has trasparenza.yaml
            _echo_obligations(t, t("cli.mostra.obblighi_trasmissione"), view["obblighi_trasmissione"])
            _echo_obligations(t, t("cli.mostra.obblighi_pubblicazione"), view["obblighi_pubblicazione"])
        if view["misure_collettive"]:  # measures owned by a collective role that reaches this unit
            typer.echo(f"{t('cli.mostra.misure_collettive')} ({len(view['misure_collettive'])})")
        for m in view["misure_collettive"]:
            typer.echo(f"  {m['codice']:<8} {m['nome']} — "
                       + t("cli.mostra.tramite", ruolo=m["tramite"], come=t.collective_how(m["come"]),
                           scadenza=t.day(m["scadenza"])))
        return
    typer.echo(f"{view['codice']} {view['nome']}")
    typer.echo(f"{t('cli.mostra.aree')}: {'; '.join(view['aree']) or '—'}")
    typer.echo(f"{t('cli.mostra.unita_responsabile')}: {view['unita'] or '—'}")
    if view["in_convenzione"]:
        typer.echo(f"{t('cli.mostra.in_convenzione')}: {view['in_convenzione']}")
    if view["art6"]:
        typer.echo(f"{t('cli.mostra.art6')} {view['art6']}")
    typer.echo(f"{t('cli.mostra.fasi')} ({len(view['fasi'])})")
    for f in view["fasi"]:
        typer.echo(f"  {'  ' * f['livello']}{f['codice']} {f['nome']}")
    typer.echo(f"{t('cli.mostra.eventi')} ({len(view['eventi'])})")
    for e in view["eventi"]:
        typer.echo(f"  {e['codice']}: {e['descrizione']}")
        for factor in e["fattori"]:
            typer.echo(f"      {t('cli.mostra.fattore')}: {factor}")
    typer.echo(f"{t('cli.mostra.misure')} ({len(view['misure'])})")
    for m in view["misure"]:
        typer.echo(f"  {m['codice']:<8} [{t.value('ambito', m['ambito'])}] {m['nome']} — {m['responsabile'] or '—'}, "
                   f"{t('cli.mostra.scadenza')} {t.day(m['scadenza'])}")


@app.command()
def graph(catalog: Path = typer.Argument(..., help="catalogue directory"),
          format: str = typer.Option("json", "--format", "-f", help="graphml, dot or json"),
          out: Path | None = typer.Option(None, "--out", "-o", help="file to write (default: the standard output)"),
          lang: str | None = _lang_option()) -> None:
    """Export the catalogue graph (areas, units, processes, events, factors, measures and their links)."""
    from riskengine import api

    t = _text(lang)
    if format not in ("graphml", "dot", "json"):
        typer.echo(t("cli.formato_grafo_sconosciuto", formato=format), err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        text = api.graph(catalog, format)
    except RiskengineError as exc:
        _fail(exc, t)
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
                                               "instead: 'catalogo' or 'cartella' (the workbook, docs/formats.md) or "
                                               "'regole' (docs/rules.md)"),
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
def rules_list(lang: str | None = _lang_option()) -> None:
    """List the integrity rules with their codes, severities and descriptions."""
    from riskengine import api

    t = _text(lang)
    for spec in api.rules_list():
        typer.echo(f"{spec.code:<30} {t.severity(spec.severity.value):<8} {t('regole_integrita.' + spec.code)}")


def _formats(text: str, t: Text) -> tuple[str, ...]:
    from riskengine.report import FORMATS, OPTIONAL_FORMATS

    known = FORMATS + OPTIONAL_FORMATS
    chosen = tuple(f.strip().lower() for f in text.split(",") if f.strip())
    unknown = [f for f in chosen if f not in known]
    if unknown or not chosen:
        typer.echo(t("cli.formato_sconosciuto", formati=", ".join(unknown) or "—", attesi=", ".join(known)),
                   err=True)
        raise typer.Exit(EXIT_USAGE)
    return chosen


def _engine(name: str, t: Text) -> str:
    from riskengine.evaluate.backend import BACKENDS

    if name not in BACKENDS:
        typer.echo(t("cli.motore_sconosciuto", motore=name, attesi=", ".join(BACKENDS)), err=True)
        raise typer.Exit(EXIT_USAGE)
    return name


def _delimiter(text: str | None) -> str | None:
    if text is None:
        return None
    return "\t" if text.lower() == "tab" else text


def _editions(text: str | None) -> tuple[str, ...] | None:
    return None if text is None else tuple(e.strip().lower() for e in text.split(",") if e.strip())


EDITION_HELP = ("annex editions (HTML, PDF): 'completa' (RPCT, OIV), 'pubblicazione' (Amministrazione "
                "trasparente), comma-separated; default both, only 'completa' while there are error findings")
CSV_HELP = "CSV separator: ',', ';' or 'tab' (default: ';' with --lang it, ',' with --lang en)"


def _counts(t: Text, field: str, counts: dict[str, int]) -> str:
    """Counts by deadline year in year order; by natura or tipologia in the order of their labels."""
    if field == "scadenza":
        labelled = [(t("cli.sintesi.continua") if key == "continua" else key, n) for key, n in counts.items()]
    else:
        labelled = t.counts_by_label(field, counts)
    return "; ".join(f"{label} {n}" for label, n in labelled)


def _first_to_open(files: list[Path], out_dir: Path) -> Path:
    """The file an RPCT opens first: the HTML annex, else the PDF, else the result."""
    for name in ("allegato-rischi.html", "allegato-rischi.pdf", "risultato.json"):
        if out_dir / name in files:
            return out_dir / name
    return files[0] if files else out_dir


def _summary(t: Text, annex: Any, verbose: bool) -> None:
    """The closing summary of assess and report: processes, levels, findings, measures, where the annex is."""
    result = annex.result
    s = result["sintesi"]
    echo = lambda text="": typer.echo(text, err=True)  # noqa: E731  (stdout stays free for pipes)
    echo(t("cli.sintesi.titolo", anno=result["anno"], ente=result["ente"]["nome"]))
    echo("  " + t("cli.sintesi.processi", valutati=s["processi_valutati"], processi=s["processi"]))
    levels = {lvl["codice"]: t.level(lvl) for lvl in result["metodo"]["livelli"]}
    per_level = s.get("per_livello", {}).get("residuo_programmato", {})
    echo("  " + t("cli.sintesi.per_livello",
                  livelli="; ".join(f"{levels.get(k, k)} {n}" for k, n in per_level.items())))
    severities = s["criticita_per_gravita"]
    echo("  " + t("cli.sintesi.criticita", errori=severities.get("error", 0), avvisi=severities.get("warning", 0),
                  note=severities.get("info", 0)))
    worst = result["criticita"][:3]  # sorted by severity in the result
    if worst:
        echo("  " + t("cli.sintesi.piu_gravi"))
        for f in worst:
            echo(f"    {t.severity(f['gravita'])} [{f['codice']}] {f['dove']}: "
                 f"{t.finding(f['codice'], f.get('argomenti'), f['messaggio'])}")
    rate = s.get("attuazione")
    if rate:
        echo("  " + t("cli.sintesi.attuazione", tasso=t.number(rate["tasso"], "%"), attuate=rate["attuate"],
                      dovute=rate["dovute"], data=t.day(rate["data_riferimento"]), in_ritardo=rate["in_ritardo"],
                      non_dovute=rate["non_ancora_dovute"]))
        echo("    " + t("cli.sintesi.definizione"))
    counts = s.get("misure_conteggi")
    if counts:
        echo("  " + t("cli.sintesi.per_scadenza", voci=_counts(t, "scadenza", counts["per_scadenza"])))
        echo("  " + t("cli.sintesi.per_natura", voci=_counts(t, "natura", counts["per_natura"])))
        echo("  " + t("cli.sintesi.per_tipologia", voci=_counts(t, "tipologia", counts["per_tipologia"])))
    echo("  " + t("cli.sintesi.dove", cartella=annex.out_dir, n=len(annex.files),
                  primo=_first_to_open(annex.files, annex.out_dir)))
    published = [p for p in annex.files if p.parent == annex.out_dir and p.stem == "allegato-rischi-pubblicazione"]
    if published:  # the file(s) for "Amministrazione trasparente"; LEGGIMI.txt says which is which
        echo("  " + t("cli.sintesi.pubblicare", file=", ".join(str(p) for p in sorted(published))))
    if annex.draft:
        echo(t("cli.sintesi.bozza"))
    if verbose:
        echo(t("cli.sintesi.file"))
        for path in annex.files:
            typer.echo(str(path))


def _finish(t: Text, annex: Any, quiet: bool, verbose: bool) -> None:
    if not quiet:
        _summary(t, annex, verbose)
    elif annex.draft:
        typer.echo(t("cli.sintesi.bozza"), err=True)
    if annex.draft:
        raise typer.Exit(EXIT_DRAFT)


@app.command()
def assess(catalog: Path = typer.Argument(..., help="catalogue directory"),
           out: Path | None = typer.Option(None, "--out", "-o", help="output directory, replaced only when complete "
                                           "(default: reports/<ente>/<anno>/ under the current directory)"),
           year: int | None = typer.Option(None, "--year", "-y", help="assessment year (default: the latest)"),
           rules: Path | None = typer.Option(None, "--rules", help="directory holding the methods (default: rules/)"),
           format: str = typer.Option("html,pdf,xlsx,csv,json", "--format", "-f", help="comma-separated formats"),
           lang: str | None = _lang_option(),
           templates: Path | None = typer.Option(None, "--templates", help="directory of template overrides"),
           engine: str = typer.Option("durable", "--engine", help=ENGINE_HELP),
           csv_delimiter: str | None = typer.Option(None, "--csv-delimiter", help=CSV_HELP),
           edition: str | None = typer.Option(None, "--edition", help=EDITION_HELP),
           db: str | None = typer.Option(None, "--db", help=DB_HELP),
           quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress and no summary"),
           verbose: bool = typer.Option(False, "--verbose", "-v", help="also list the files written")) -> None:
    """Assess a catalogue with its method, write the result and the annex, and record the run in the history.

    With error findings the annex is still written, marked as a draft on every page, and the exit code is 3.
    """
    from riskengine import api

    t = _text(lang)
    formats = _formats(format, t)
    backend = _engine(engine, t)
    try:
        with _progress(t, quiet) as progress:
            annex = api.assess(catalog, out, year=year, rules_dir=rules, formats=formats, lang=lang or "it",
                               templates=templates, backend=backend, csv_delimiter=_delimiter(csv_delimiter),
                               progress=progress, db=db, editions=_editions(edition))
    except RiskengineError as exc:
        _fail(exc, t)
    _finish(t, annex, quiet, verbose)


@app.command()
def report(source: Path = typer.Argument(..., help="a result JSON file, or a catalogue directory to assess first"),
           out: Path = typer.Option(..., "--out", "-o", help="output directory (replaced only when complete)"),
           format: str = typer.Option("html,pdf,xlsx,csv,json", "--format", "-f", help="comma-separated formats"),
           lang: str | None = _lang_option(),
           templates: Path | None = typer.Option(None, "--templates", help="directory of template overrides"),
           year: int | None = typer.Option(None, "--year", "-y", help="assessment year when SOURCE is a catalogue"),
           csv_delimiter: str | None = typer.Option(None, "--csv-delimiter", help=CSV_HELP),
           edition: str | None = typer.Option(None, "--edition", help=EDITION_HELP),
           quiet: bool = typer.Option(False, "--quiet", "-q", help="no progress and no summary"),
           verbose: bool = typer.Option(False, "--verbose", "-v", help="also list the files written")) -> None:
    """Render the annex from a result JSON (or from a catalogue, assessing it first); exit 3 when it is a draft."""
    from riskengine import api

    t = _text(lang)
    formats = _formats(format, t)
    try:
        with _progress(t, quiet) as progress:
            annex = api.report(source, out, formats=formats, lang=lang or "it", templates=templates, year=year,
                               csv_delimiter=_delimiter(csv_delimiter), progress=progress,
                               editions=_editions(edition))
    except RiskengineError as exc:
        _fail(exc, t)
    _finish(t, annex, quiet, verbose)


@app.command()
def explain(catalog: Path = typer.Argument(..., help="catalogue directory"),
            process: str = typer.Argument(..., help="process code"),
            year: int | None = typer.Option(None, "--year", "-y", help="assessment year (default: the latest)"),
            rules: Path | None = typer.Option(None, "--rules", help="directory holding the methods"),
            lang: str | None = _lang_option()) -> None:
    """Explain, in plain language, the rules and values behind each score and finding of a process."""
    from riskengine import api

    t = _text(lang)
    try:
        lines = api.explain(catalog, process, year=year, rules_dir=rules, lang=t.lang)
    except RiskengineError as exc:
        _fail(exc, t)
    typer.echo("\n".join(lines))


@app.command("test")
def test_rules(method: Path = typer.Argument(..., help="method directory (rules/<method>) with tests/*.yaml"),
               engine: str = typer.Option("durable", "--engine", help=ENGINE_HELP),
               verbose: bool = typer.Option(False, "--verbose", "-v", help="list passing cases too"),
               strict: bool = typer.Option(False, "--strict", help="also fail when a rule was never exercised"),
               lang: str | None = _lang_option()) -> None:
    """Run a method's rule tests; show failures with their explanation and the rules no case exercised."""
    from riskengine import api

    t = _text(lang)
    backend = _engine(engine, t)
    try:
        report = api.test(method, backend=backend)
    except RiskengineError as exc:
        _fail(exc, t)
    for outcome in report.outcomes:
        if outcome.passed:
            if verbose:
                typer.echo(f"ok    {outcome.name}")
            continue
        typer.echo(f"{t('cli.test.fallito')}  {outcome.name}  ({outcome.location})")
        for mismatch in outcome.mismatches:
            typer.echo(f"        {t.mismatch(mismatch)}")
        for step in outcome.trace:
            if step.get("passo") == "politica":
                typer.echo(f"        {t('cli.test.regola')} {step['regola']}: {step['quando']} → "
                           f"{t.labelled(str(step['risultato']))}")
            else:
                typer.echo(f"        {t.prose(step.get('descrizione', ''))} = "
                           f"{t.prose(str(step.get('risultato', '')))}   [{step['regola']}]")
                if step.get("arrotondamento"):
                    note = t.rounding_note(step["arrotondamento"])
                    typer.echo(f"          {t('spiegazione.arrotondamento')}: {note}")
    covered = report.total_rules - len(report.uncovered)
    typer.echo(t("cli.test.copertura", coperte=covered, totale=report.total_rules))
    for rule_id, location in report.uncovered:
        typer.echo(f"  {t('cli.test.mai_attivata')}: {rule_id}" + (f" ({location})" if location else ""))
    failed = len(report.failed)
    typer.echo(t("cli.test.esito", superati=len(report.outcomes) - failed, falliti=failed))
    if failed or (strict and report.uncovered):
        raise typer.Exit(EXIT_INPUT)


def _words(t: Text) -> dict[str, str]:
    """The words of the history commands (``comandi_storia.*`` of the message catalogue)."""
    prefix = "comandi_storia."
    return {key[len(prefix):]: text for key, text in t.labels.items() if key.startswith(prefix)}


def _signed(t: Text, text: str | None) -> str:
    """A difference as the language writes it, always signed (a true minus sign)."""
    if text is None:
        return "—"
    sign, text = ("−", text[1:]) if text.startswith("-") else ("+", text)
    return sign + t.number(text)


def _level_labels(t: Text, levels: list[dict]) -> dict[str, str]:
    return {lvl["codice"]: t.level(lvl) for lvl in levels}


def _when(t: Text, iso: str) -> str:
    """The moment of a run: dd/mm/yyyy in Italian, ISO in English (UTC both)."""
    import datetime as dt

    when = dt.datetime.fromisoformat(iso)
    return when.strftime("%d/%m/%Y %H:%M UTC" if t.lang == "it" else "%Y-%m-%d %H:%M UTC")


def _text_or_json(t: Text, format: str) -> None:
    if format not in ("text", "json"):
        typer.echo(t("cli.formato_testo_json", formato=format), err=True)
        raise typer.Exit(EXIT_USAGE)


@app.command()
def history(catalog: Path = typer.Argument(..., help="catalogue directory"),
            db: str | None = typer.Option(None, "--db", help=DB_HELP),
            lang: str | None = _lang_option()) -> None:
    """List the recorded runs of a catalogue, year by year, and the years declared in storico.yaml."""
    from riskengine import api

    t = _text(lang)
    w = _words(t)
    try:
        years = api.history(catalog, db=db)
    except RiskengineError as exc:
        _fail(exc, t)
    typer.echo(f"{w['runs']} ({len(years['esecuzioni'])})")
    for run in years["esecuzioni"]:
        mark = f"  [{w['latest']}]" if run["ultima"] else ""
        typer.echo(f"  {run['anno']}  #{run['id']:<5} {_when(t, run['eseguita_il'])}  "
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
         lang: str | None = _lang_option()) -> None:
    """Print the changes between two years of a catalogue (CATALOG 2025 2026) or two result files."""
    import json

    from riskengine import api

    t = _text(lang)
    w = _words(t)
    _text_or_json(t, format)
    try:
        if first.is_dir():
            if third is None or not (second.isdigit() and third.isdigit()):
                typer.echo(t("cli.diff_due_anni"), err=True)
                raise typer.Exit(EXIT_USAGE)
            changes = api.diff(first, second, third, db=db)
        else:
            if third is not None:
                typer.echo(t("cli.diff_due_file"), err=True)
                raise typer.Exit(EXIT_USAGE)
            changes = api.diff("", first, second)
    except RiskengineError as exc:
        _fail(exc, t)
    if format == "json":
        typer.echo(json.dumps(changes, ensure_ascii=False, indent=2, sort_keys=True))
        return
    labels = _level_labels(t, changes["livelli"])
    typer.echo(f"{changes['da']} → {changes['a']}")
    typer.echo(f"{w['moved']} ({len(changes['processi_cambiati'])})")
    for p in changes["processi_cambiati"]:
        typer.echo(f"  {p['codice']:<10} {labels[p['da']]} → {labels[p['a']]} ({w[p['verso']]}, "
                   f"{t.number(p['rischio_da'])} → {t.number(p['rischio_a'])}, "
                   f"{_signed(t, p['variazione'])})  {p['nome']}")
    for key, title in (("processi_nuovi", "new"), ("processi_rimossi", "removed")):
        typer.echo(f"{w[title]} ({len(changes[key])})")
        for p in changes[key]:
            typer.echo(f"  {p['codice']:<10} {labels.get(p['livello'] or '', '—')}  {p['nome']}")
    typer.echo(f"{w['due']} ({len(changes['misure_dovute'])})")
    for m in changes["misure_dovute"]:
        typer.echo(f"  {m['codice']:<8} {w[m['esito']]:<12} {w['deadline']} {t.day(m['scadenza'])}  {m['nome']}")


@app.command("new-year")
def new_year(catalog: Path = typer.Argument(..., help="catalogue directory"),
             from_year: int = typer.Option(..., "--from", help="the year to copy"),
             to_year: int = typer.Option(..., "--to", help="the year of the draft"),
             lang: str | None = _lang_option()) -> None:
    """Write assessment-<to>.yaml, a draft from <from>: answers to be confirmed, statuses carried (never overwrites)."""
    from riskengine import api

    t = _text(lang)
    try:
        path = api.new_year(catalog, from_year=from_year, to_year=to_year)
    except RiskengineError as exc:
        _fail(exc, t)
    typer.echo(f"{path}: {_words(t)['draft']}")


@app.command()
def whatif(catalog: Path = typer.Argument(..., help="catalogue directory"),
           scenario: Path = typer.Option(..., "--scenario", "-s", help="scenario file (YAML)"),
           year: int | None = typer.Option(None, "--year", "-y", help="assessment year (default: the latest)"),
           rules: Path | None = typer.Option(None, "--rules", help="directory holding the methods"),
           engine: str = typer.Option("durable", "--engine", help=ENGINE_HELP),
           out: Path | None = typer.Option(None, "--out", "-o", help="JSON file of the changes "
                                           "(default: whatif-<scenario>.json in the current directory)"),
           lang: str | None = _lang_option()) -> None:
    """Print and write what a scenario changes (scores, levels, summary); the catalogue and history are untouched."""
    import json

    from riskengine import api
    from riskengine.report.output import write_text_atomic

    t = _text(lang)
    w = _words(t)
    backend = _engine(engine, t)
    try:
        changes = api.whatif(catalog, scenario, year=year, rules_dir=rules, backend=backend)
    except RiskengineError as exc:
        _fail(exc, t)
    labels = _level_labels(t, changes["livelli"])
    typer.echo(f"{w['changed']} ({len(changes['processi'])})")
    for p in changes["processi"]:
        typer.echo(f"  {p['codice']}  {p['nome']}")
        for state, c in p["stati"].items():
            typer.echo(f"      {w[state]}: {t.number(c['rischio_da'])} → {t.number(c['rischio_a'])} "
                       f"({_signed(t, c['variazione'])}), "
                       f"{labels.get(c['livello_da'], c['livello_da'])} → {labels.get(c['livello_a'], c['livello_a'])}")
    typer.echo(w["summary"])
    for key, c in changes["sintesi"].items():
        typer.echo(f"  {w[key]}: {t.number(c['da'])} → {t.number(c['a'])} ({_signed(t, c['variazione'])})")
    target = out or Path(f"whatif-{scenario.stem}.json")
    write_text_atomic(target, json.dumps(changes, ensure_ascii=False, indent=2, sort_keys=True) + "\n")
    typer.echo(f"{w['written']}: {target}")


@app.command("rank-measures")
def rank_measures(catalog: Path = typer.Argument(..., help="catalogue directory"),
                  year: int | None = typer.Option(None, "--year", "-y", help="assessment year (default: the latest)"),
                  rules: Path | None = typer.Option(None, "--rules", help="directory holding the methods"),
                  engine: str = typer.Option("durable", "--engine", help=ENGINE_HELP),
                  format: str = typer.Option("text", "--format", "-f", help="text or json"),
                  lang: str | None = _lang_option()) -> None:
    """Rank the planned measures by the residual risk they remove (re-evaluating without each)."""
    import json

    from riskengine import api

    t = _text(lang)
    w = _words(t)
    backend = _engine(engine, t)
    _text_or_json(t, format)
    try:
        ranking = api.rank_measures(catalog, year=year, rules_dir=rules, backend=backend)
    except RiskengineError as exc:
        _fail(exc, t)
    if format == "json":
        typer.echo(json.dumps(ranking, ensure_ascii=False, indent=2, sort_keys=True))
        return
    typer.echo(f"{w['rank']} ({len(ranking)})")
    for r in ranking:
        dropped = ", ".join(r["processi_abbassati"]) or "—"
        typer.echo(f"  {r['posizione']:>3}. {r['codice']:<8} {w['removes']} {t.number(r['rischio_rimosso'])}; "
                   f"{w['drops']}: {dropped}  {r['nome']}")

RULES_HELP = "directory holding the methods (default: rules/)"


def _workbook_words(t: Text) -> dict[str, str]:
    """The words of the workbook commands (``comandi_cartelle.*`` of the message catalogue)."""
    prefix = "comandi_cartelle."
    return {key[len(prefix):]: text for key, text in t.labels.items() if key.startswith(prefix)}


@app.command("export-xlsx")
def export_xlsx(catalog: Path = typer.Argument(..., help="catalogue directory"),
                out: Path = typer.Option(..., "--out", "-o", help="the workbook to write (.xlsx)"),
                year: int | None = typer.Option(None, "--year", "-y", help="assessment year (default: the latest)"),
                rules: Path | None = typer.Option(None, "--rules", help=RULES_HELP),
                lang: str | None = _lang_option()) -> None:
    """Write the catalogue (and an assessment) as one workbook: a sheet per list, drop-downs, a readme."""
    from riskengine import api

    t = _text(lang)
    w = _workbook_words(t)
    try:
        path = api.export_xlsx(catalog, out, year=year, rules_dir=rules)
    except RiskengineError as exc:
        _fail(exc, t)
    typer.echo(f"{path}: {w['esportato']}")


@app.command("import-xlsx")
def import_xlsx(workbook: Path = typer.Argument(..., help="a workbook written by export-xlsx (.xlsx)"),
                out: Path = typer.Option(..., "--out", "-o", help="the catalogue directory to write"),
                force: bool = typer.Option(False, "--force", help="replace existing files whose content changed"),
                rules: Path | None = typer.Option(None, "--rules", help=RULES_HELP),
                lang: str | None = _lang_option()) -> None:
    """Write the catalogue's YAML files from a workbook; every problem at its cell, nothing written then."""
    from riskengine import api

    t = _text(lang)
    w = _workbook_words(t)
    try:
        outcome = api.import_xlsx(workbook, out, force=force, rules_dir=rules)
    except RiskengineError as exc:
        _fail(exc, t)
    for item in outcome["files"]:
        typer.echo(f"{item.path}: {w[item.outcome]}")
    if outcome["warnings"]:
        typer.echo(f"{w['avvisi']} ({len(outcome['warnings'])})")
        for problem in outcome["warnings"]:
            typer.echo(f"  {t.problem(problem)}")


@app.command()
def questionari(catalog: Path = typer.Argument(..., help="catalogue directory"),
                year: int = typer.Option(..., "--year", "-y", help="the year of the self-assessment"),
                out: Path = typer.Option(..., "--out", "-o", help="directory for the questionnaires"),
                force: bool = typer.Option(False, "--force", help="replace existing questionnaires"),
                rules: Path | None = typer.Option(None, "--rules", help=RULES_HELP),
                lang: str | None = _lang_option()) -> None:
    """Write one self-assessment questionnaire (XLSX) per unit: its processes' indicators and its measures."""
    from riskengine import api

    t = _text(lang)
    w = _workbook_words(t)
    try:
        written = api.questionari(catalog, out, year=year, force=force, rules_dir=rules)
    except RiskengineError as exc:
        _fail(exc, t)
    for path in written:
        typer.echo(f"{path}: {w['questionario']}")


@app.command()
def raccogli(catalog: Path = typer.Argument(..., help="catalogue directory"),
             folder: Path = typer.Argument(..., help="directory of the returned questionnaires"),
             year: int | None = typer.Option(None, "--year", "-y", help="the year (default: the questionnaires')"),
             rules: Path | None = typer.Option(None, "--rules", help=RULES_HELP),
             lang: str | None = _lang_option()) -> None:
    """Merge the returned questionnaires into assessment-<year>.yaml; report who returned what and what is missing."""
    from riskengine import api

    t = _text(lang)
    w = _workbook_words(t)
    try:
        done = api.raccogli(catalog, folder, year=year, rules_dir=rules)
    except RiskengineError as exc:
        _fail(exc, t)
    typer.echo(f"{done.target}: {w['valutazione']}")
    typer.echo(f"{w['restituiti']} ({len(done.returned)})")
    for item in done.returned:
        typer.echo(f"  {item.file}: {item.name} ({item.unit}): {w['risposte_cambiate']} {len(item.changed)}"
                   + (f" ({', '.join(item.changed)})" if item.changed else "")
                   + (f"; {w['misure']} {', '.join(item.measures)}" if item.measures else ""))
    typer.echo(f"{w['righe_invariate']}: {done.untouched}")
    typer.echo(f"{w['mancanti']}: " + (", ".join(f"{name} ({code})" for code, name in done.missing)
                                       or w["nessuno"]))
    for unit, items in done.unanswered.items():
        typer.echo(f"  {unit}, {w['senza_valutazione']}: {', '.join(items)}")
    if done.conflicts:
        typer.echo(f"{w['conflitti']} ({len(done.conflicts)})")
        for problem in done.conflicts:
            typer.echo(f"  {t.problem(problem)}")


@app.command("template-check")
def template_check(template: Path = typer.Argument(..., help="a Word template (.docx) for --format docx"),
                   lang: str | None = _lang_option()) -> None:
    """List the variables a Word template uses that the result does not provide, with their place; exit 1 if any."""
    from riskengine import api

    t = _text(lang)
    w = _workbook_words(t)
    try:
        problems = api.template_check(template)
    except RiskengineError as exc:
        _fail(exc, t)
    if not problems:
        typer.echo(f"{template}: {w['variabili_ok']}")
        return
    typer.echo(f"{w['variabili_mancanti']} ({len(problems)})")
    for problem in problems:
        typer.echo(f"  {t.problem(problem)}")
    raise typer.Exit(EXIT_INPUT)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def main() -> None:
    """Console-script entry point: run the command; anything unexpected ends in one line, never a traceback."""
    # pydantic looks for plugins among every installed distribution when it builds the first model;
    # the command uses none (a user who sets the variable keeps their choice).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    t = _help_text()
    try:
        app()  # exits itself: 0, or the code of a usage error (2) or of a command
    except SystemExit as exc:
        if exc.code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into this exit code, silently
            typer.echo(t("cli.interrotto"), err=True)
        raise
    except KeyboardInterrupt:  # arrived outside the command (typer handles it inside)
        typer.echo(t("cli.interrotto"), err=True)
        sys.exit(EXIT_INTERRUPTED)
    except Exception as exc:
        typer.echo(t("cli.errore_interno", errore=_one_line(exc)), err=True)
        sys.exit(EXIT_INTERNAL)
