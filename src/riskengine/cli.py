"""Command line: thin wrappers over :mod:`riskengine.api`; printing, progress and exit codes live here.

Every message comes from the message catalogue (Italian by default, English with ``--lang en`` or
``RISKENGINE_LANG=en``); codes stay the same in both languages. So do the help pages and the usage errors:
the command docstrings are for developers, users read ``cli.comandi.<command>``, ``cli.opzioni.<option>``
and ``cli.uso.*`` (the classes ``Command`` and ``Application`` below word them in place of click's English).

Exit codes: 0 done; 1 the input has errors (one located line each; ``check`` found an error); 2 the
command line is wrong; 3 the annex was written but is a draft (it has error findings: see
``check``); 70 an internal error (a bug: one line, no traceback); 130 interrupted; 141 the reader of the output
stopped reading (``riskengine diff … | head``), the code a shell gives a command that SIGPIPE ends.
"""

import os
import re
import sys
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import typer
from typer._click import Context, HelpFormatter, Parameter
from typer._click.exceptions import (
    BadOptionUsage,
    BadParameter,
    ClickException,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer._click.formatting import join_options
from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
from typer._param_types import coerce_cli_path
from typer.core import TyperCommand, TyperGroup, _TyperParameter
from typer.exceptions import Abort

from riskengine import __version__
from riskengine.errors import Problem, RiskengineError, Severity, cause_rank, causes_first, shorten
from riskengine.i18n import DEFAULT_LANGUAGE, LANG_VARIABLE, LANGUAGES, Text, language

EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_DRAFT = 3  # the annex is written, marked as a draft: it has error findings and cannot be published
EXIT_INTERNAL = 70  # sysexits' EX_SOFTWARE
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_READER_GONE = 141  # 128 + SIGPIPE: Python ignores the signal, so the command says it in its code

# --- help and usage errors, worded from the message catalogue (cli.uso, cli.comandi, cli.opzioni, ...) -----------

_HELP_LANGUAGE = "riskengine.lingua_aiuto"  # key of Context.meta, shared by a command line's contexts


def help_language(args: Sequence[str]) -> str:
    """The language of the help and of usage errors: the last ``--lang`` of ``args``, else $RISKENGINE_LANG, else it.

    The help is printed as soon as ``--help`` is read, before ``--lang`` is parsed: so the command line is read
    here, the one place that decides it. A language without a catalogue falls back to Italian (a command refuses it
    when it runs).
    """
    if "--" in args:  # what follows is not options
        args = args[:list(args).index("--")]
    chosen = None
    for at, arg in enumerate(args):
        if arg == "--lang" and at + 1 < len(args):
            chosen = args[at + 1]
        elif arg.startswith("--lang="):
            chosen = arg.partition("=")[2]
    lang = chosen or os.environ.get(LANG_VARIABLE, "")  # as riskengine.i18n.language: an empty --lang is no choice
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


def _help_text(ctx: Context) -> Text:
    return Text(ctx.meta.get(_HELP_LANGUAGE) or help_language(sys.argv[1:]))


def _is_argument(param: Parameter) -> bool:
    return param.param_type_name == "argument"


def _long_name(option: Parameter) -> str:
    """An option by its long name, as usage errors name it (--year, not -y)."""
    return max(option.opts, key=len)


def _param_name(param: Parameter) -> str:
    """The name a parameter's help is keyed by: an argument's own, an option's long name without dashes."""
    return param.name if _is_argument(param) else _long_name(param).lstrip("-")


def param_help_key(t: Text, command: str | None, param: Parameter) -> str | None:
    """The key of a parameter's help: the command's own wording, else the shared one; None when there is neither."""
    kind = "argomenti" if _is_argument(param) else "opzioni"
    name = _param_name(param)
    for key in (f"cli.comandi.{command}.{kind}.{name}", f"cli.{kind}.{name}"):
        if t.has(key):
            return key
    return None


def _param_help(t: Text, ctx: Context, param: Parameter) -> str:
    key = param_help_key(t, ctx.command.name if ctx.parent is not None else None, param)
    if key is None:
        raise KeyError(f"no help for {param.name!r} of {ctx.command_path!r} in messages/{t.lang}.yaml")
    return t(key)


def _metavar(t: Text, param: Parameter) -> str:
    """An argument's name in the usage line (CATALOGO), in brackets when it may be left out."""
    name = t(f"cli.segnaposti.{param.name}")
    return name if param.required else f"[{name}]"


def _value_type(t: Text, ctx: Context, param: Any) -> str:
    """What an option takes: its own name for it (<anno>), else typer's type name (<percorso>), worded."""
    own = t.labels.get(f"cli.valori_opzioni.{_param_name(param)}")
    if own:
        return own
    shown = str(param.display_type(ctx))
    return t.labels.get(f"cli.tipi.{shown.strip('<>')}", shown)


def _help_rows(t: Text, ctx: Context, kind: str) -> list[tuple[str, str]]:
    rows = []
    for param in ctx.command.get_params(ctx):
        if getattr(param, "hidden", False) or _is_argument(param) != (kind == "argomenti"):
            continue
        text = _param_help(t, ctx, param)
        if _is_argument(param):
            rows.append((t(f"cli.segnaposti.{param.name}"), text))
            continue
        shown = join_options(param.opts)[0]
        notes = []
        if not getattr(param, "is_flag", False):
            shown += " " + _value_type(t, ctx, param)
            if param.required:
                notes.append(t("cli.uso.obbligatoria"))
            elif param.default not in (None, ""):
                notes.append(t("cli.uso.predefinito", valore=param.default))
        rows.append((shown, f"{text}  [{'; '.join(notes)}]" if notes else text))
    return rows


def _write_help(formatter: HelpFormatter, text: str) -> None:
    formatter.write_paragraph()
    with formatter.indentation():
        formatter.write_text(text)


def _write_sections(ctx: Context, formatter: HelpFormatter) -> None:
    t = _help_text(ctx)
    for kind, title in (("argomenti", "cli.uso.sezione_argomenti"), ("opzioni", "cli.uso.sezione_opzioni")):
        rows = _help_rows(t, ctx, kind)
        if rows:
            with formatter.section(t(title)):
                formatter.write_dl(rows)


def _usage_pieces(t: Text, ctx: Context) -> list[str]:
    pieces = [t("cli.uso.segnaposto_opzioni")]
    pieces += [_metavar(t, p) for p in ctx.command.get_params(ctx) if _is_argument(p)]
    return pieces


# --- command-line values, read without pydantic ------------------------------------------------------------------

_DIGITS = re.compile(r"[0-9]{1,18}")  # ASCII digits, a few: int() and pydantic read them alike (signs, spaces differ)


@dataclass(frozen=True)
class _PlainValue(RuntimeParam):
    """A parameter's value read as typer reads it, without a pydantic TypeAdapter where the value is plain.

    Typer reads every value through an adapter it builds per parameter: importing pydantic's type machinery and
    building the adapters took 30-60 ms of every command's start, for values that are text, a path or a year.
    Those (every parameter of riskengine's) are read here as the adapters read them (``str`` as given, ``Path``
    through typer's own path checks, a year's digits as an int); any other value, as a year written ``2O25``, and
    any parameter with a parser, limits or a dash for standard input, go to typer's adapter, which reads them with
    its own rules and refusals. (A flag's bool is not read at all: typer passes it as it is.)
    """

    descriptor: TypeDescriptor

    def _coerce_value(self, value: Any, param: Any, ctx: Context) -> Any:
        kind, info = self.annotation, self.parameter_info
        if isinstance(value, str) and info.parser is None and info.min is None and info.max is None:
            if kind is str:
                return value
            if kind is int and _DIGITS.fullmatch(value):
                return int(value)
            # typer's own checks, given the path as typed, which its refusals quote; they stat what Path makes of
            # it, so a path Path writes otherwise ('dir/', '', 'a//b') goes to typer
            if kind is Path and info.path_type is None and not info.allow_dash and os.fspath(Path(value)) == value:
                with suppress(ValueError):  # a path the system cannot take (a NUL, a lone surrogate): typer words it
                    return Path(cast(str, coerce_cli_path(value, info, path_type=str, param=param, ctx=ctx)))
        return build_runtime_param(self.descriptor)._coerce_value(value, param, ctx)


def _read_plainly(params: Sequence[Parameter]) -> None:
    """Give each of typer's parameters of ``params`` not read yet the :class:`_PlainValue` reading."""
    for param in params:
        if isinstance(param, _TyperParameter) and param._runtime_param is None:
            desc = param.type_descriptor
            if desc.file_annotation is None:
                param._runtime_param = _PlainValue(desc.parameter_info, desc.annotation, desc)


class Command(TyperCommand):
    """A command whose help page is worded from the message catalogue (``cli.comandi.<name>``) in the language of
    the command line, and whose unexpected extra arguments are a usage error that names them."""

    allow_extra_args = True  # checked in parse_args, to word the refusal with the extra arguments themselves

    def format_usage(self, ctx: Context, formatter: HelpFormatter) -> None:
        t = _help_text(ctx)
        formatter.write_usage(ctx.command_path, " ".join(_usage_pieces(t, ctx)), prefix=t("cli.uso.utilizzo") + " ")

    def format_help_text(self, ctx: Context, formatter: HelpFormatter) -> None:
        _write_help(formatter, _help_text(ctx)(f"cli.comandi.{self.name}.aiuto"))

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        _write_sections(ctx, formatter)

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        _read_plainly(self.get_params(ctx))
        try:
            rest = super().parse_args(ctx, args)
        except UsageError as exc:
            exc.ctx = exc.ctx or ctx  # the parser's own refusals come without the command they belong to
            raise
        if rest and not ctx.resilient_parsing:
            raise ExtraArgumentsError(rest, ctx)
        return rest


def _output_gone() -> bool:
    """Whether the reader of the standard output or error has gone: the pipe reports an error (a file, a terminal or
    a pipe still read reports none). A broken pipe elsewhere (a worker's) is no reason to stop quietly."""
    import select

    poller = select.poll()
    for fd in (1, 2):
        poller.register(fd, 0)  # no event asked: an error is reported all the same
    return any(event & select.POLLERR for _, event in poller.poll(0))


class _OtherPipeError(Exception):
    """A broken pipe that is not the output's, raised on as an internal error: click would end it with exit 1."""


def _broken_pipe(exc: BrokenPipeError) -> Exception:
    """What a broken pipe ends the command with: the quiet exit if the output's reader has gone, else an internal
    error whose cause is the pipe's."""
    if _output_gone():
        return _reader_gone()
    other = _OtherPipeError()
    other.__cause__ = exc
    return other


def _reader_gone() -> typer.Exit:
    """The exit of a command whose output nobody reads any more (``| head``): quiet, with its own code.

    Click would exit with 1, which here says the input has errors: a script could not tell ``check … | head`` on a
    sound catalogue from one with errors.
    """
    with suppress(OSError):  # what is still buffered, or still to say, goes nowhere, not into an error at exit
        devnull = os.open(os.devnull, os.O_WRONLY)
        for fd in (1, 2):
            os.dup2(devnull, fd)
    return typer.Exit(EXIT_READER_GONE)


class ExtraArgumentsError(UsageError):
    """More arguments than the command takes."""

    def __init__(self, extra: list[str], ctx: Context) -> None:
        super().__init__(f"Got unexpected extra argument(s) ({' '.join(extra)})", ctx)
        self.extra = extra


class NoSuchCommandError(UsageError):
    """A command name the application does not have."""

    def __init__(self, name: str, ctx: Context) -> None:
        super().__init__(f"No such command {name!r}.", ctx)
        self.name = name


class Application(TyperGroup):
    """The application: help worded like its commands', and usage errors worded from the catalogue.

    Click prints its usage errors in English from inside ``main``: here the command line runs with
    ``standalone_mode=False`` and each refusal is worded in one line, plus the line that points to the help.
    """

    def format_usage(self, ctx: Context, formatter: HelpFormatter) -> None:
        t = _help_text(ctx)
        pieces = [*_usage_pieces(t, ctx), t("cli.uso.segnaposto_comando")]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix=t("cli.uso.utilizzo") + " ")

    def format_help_text(self, ctx: Context, formatter: HelpFormatter) -> None:
        _write_help(formatter, _help_text(ctx)("cli.aiuto"))

    def format_options(self, ctx: Context, formatter: HelpFormatter) -> None:
        _write_sections(ctx, formatter)
        t = _help_text(ctx)
        rows = [(name, t(f"cli.comandi.{name}.breve")) for name in self.list_commands(ctx)]
        with formatter.section(t("cli.uso.sezione_comandi")):
            formatter.write_dl(rows)

    def format_epilog(self, ctx: Context, formatter: HelpFormatter) -> None:
        _write_help(formatter, _help_text(ctx)("cli.codici_uscita"))

    def parse_args(self, ctx: Context, args: list[str]) -> list[str]:
        if ctx.parent is None:  # the whole command line: its --lang words the help, even of a command
            ctx.meta[_HELP_LANGUAGE] = help_language(args)
        _read_plainly(self.get_params(ctx))
        try:
            return super().parse_args(ctx, args)
        except UsageError as exc:
            exc.ctx = exc.ctx or ctx
            raise
        except BrokenPipeError as exc:  # the application's --help or --version, piped to a reader that stopped
            raise _broken_pipe(exc) from exc

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError as exc:  # a command's output (or its --help), piped to a reader that stopped
            raise _broken_pipe(exc) from exc

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Any, list[str]]:
        name = args[0]
        if self.get_command(ctx, name) is None and not ctx.resilient_parsing:
            raise NoSuchCommandError(name, ctx)
        return super().resolve_command(ctx, args)

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, windows_expand_args: bool = True, **extra: Any) -> Any:
        """Run the command line; as a program (``standalone_mode``), exit with its code, usage errors worded here."""
        args = list(sys.argv[1:] if args is None else args)
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, windows_expand_args, **extra)
        except NoArgsIsHelpError as exc:  # no command: the help, where errors go
            typer.echo(exc.format_message(), err=True)
            sys.exit(exc.exit_code)
        except ClickException as exc:
            t = Text(help_language(args))
            for line in usage_error(exc, t):
                typer.echo(line, err=True)
            sys.exit(exc.exit_code)
        except Abort:  # typer's word for an input that ended or was interrupted: an interruption, as Ctrl-C
            typer.echo(Text(help_language(args))("cli.interrotto"), err=True)
            sys.exit(EXIT_INTERRUPTED)
        # A command returns None when it is done; typer.Exit comes back as its code.
        sys.exit(code if isinstance(code, int) else 0)


def _shown(param: Parameter | None, t: Text) -> str:
    """A parameter as a usage error names it: an option by its long name, an argument by its name in the usage."""
    if param is None:
        return ""
    return t(f"cli.segnaposti.{param.name}") if _is_argument(param) else _long_name(param)


def _given(t: Text, value: Any) -> str:
    """A value given on the command line, shortened as every quoted value is, the cut said in this language."""
    return t.cut(shorten(value))


def _invalid_value(exc: BadParameter, t: Text) -> str:
    """An invalid value: what was given and what was expected, by the reason typer's validation gives."""
    param, shown = exc.param, _shown(exc.param, t)
    choices = getattr(getattr(param, "type_descriptor", None), "choices", None)
    cause: Any = exc.__cause__
    errors = cause.errors() if hasattr(cause, "errors") else []  # pydantic's ValidationError
    given = _given(t, errors[0].get("input", "")) if errors else ""
    if choices:
        expected = t("cli.uso.valori_ammessi", valori=", ".join(str(getattr(c, "value", c)) for c in choices))
        return t("cli.uso.valore_non_valido", parametro=shown, valore=given, atteso=expected)
    if errors and t.has(f"cli.uso.atteso.{errors[0].get('type')}"):
        expected = t(f"cli.uso.atteso.{errors[0]['type']}")
        return t("cli.uso.valore_non_valido", parametro=shown, valore=given, atteso=expected)
    return t("cli.uso.valore_non_valido_motivo", parametro=shown, motivo=_given(t, exc.message))


def _message(exc: ClickException, t: Text) -> str:
    ctx = getattr(exc, "ctx", None)
    if isinstance(exc, MissingParameter) and exc.param is not None and ctx is not None:
        help_text = _param_help(t, ctx, exc.param)
        if _is_argument(exc.param):
            return t("cli.uso.argomento_mancante", argomento=_shown(exc.param, t), aiuto=help_text)
        return t("cli.uso.opzione_mancante", opzione=_shown(exc.param, t), aiuto=help_text)
    if isinstance(exc, BadParameter):
        return _invalid_value(exc, t)
    if isinstance(exc, NoSuchOption):
        option = _given(t, exc.option_name)
        if exc.possibilities:
            return t("cli.uso.opzione_sconosciuta_forse", opzione=option, proposte=", ".join(sorted(exc.possibilities)))
        return t("cli.uso.opzione_sconosciuta", opzione=option)
    if isinstance(exc, BadOptionUsage) and ctx is not None:
        used = next((p for p in ctx.command.get_params(ctx) if exc.option_name in p.opts), None)
        if used is not None:  # the parser refuses a flag given a value, or an option given none
            key = "cli.uso.valore_non_previsto" if getattr(used, "is_flag", False) else "cli.uso.valore_mancante"
            return t(key, opzione=exc.option_name)
    if isinstance(exc, ExtraArgumentsError):
        return t("cli.uso.argomenti_in_piu", argomenti=" ".join(_given(t, a) for a in exc.extra))
    if isinstance(exc, NoSuchCommandError) and ctx is not None:
        from riskengine.suggest import did_you_mean

        hint = t.suggestion(did_you_mean(exc.name, ctx.command.list_commands(ctx)))
        if hint:
            return t("cli.uso.comando_sconosciuto_forse", comando=_given(t, exc.name), suggerimento=hint)
        return t("cli.uso.comando_sconosciuto", comando=_given(t, exc.name))
    return t("cli.uso.riga_non_valida", motivo=_given(t, exc.format_message()))


def usage_error(exc: ClickException, t: Text) -> list[str]:
    """A refused command line in ``t``'s language: one line saying what is wrong, one saying where the help is."""
    ctx = getattr(exc, "ctx", None)
    where = ctx.command_path if ctx is not None else "riskengine"
    lines = [f"{where}: {_message(exc, t)}"]
    if ctx is not None:
        ask = f"{where} --help"
        if t.lang != help_language([]):  # chosen with --lang: the help it points to is in the same language
            ask += f" --lang {t.lang}"
        lines.append(t("cli.uso.prova", comando=ask))
    return lines


app = typer.Typer(cls=Application, add_completion=False, no_args_is_help=True, rich_markup_mode=None)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"riskengine {__version__}")
        raise typer.Exit()


@app.callback(invoke_without_command=True)
def riskengine(ctx: typer.Context,
               version: bool = typer.Option(False, "--version", callback=_print_version, is_eager=True),
               lang: str | None = typer.Option(None, "--lang")) -> None:
    """riskengine: anticorruption risk assessment for the PIAO risk annex (``--lang`` here words every command)."""
    if lang is not None:
        _text(lang)  # refuses a language without a catalogue
        ctx.default_map = {name: {"lang": lang} for name in ctx.command.list_commands(ctx)}  # type: ignore[attr-defined]
    if ctx.invoked_subcommand is None:  # options but no command: the help, as with nothing at all
        typer.echo(ctx.get_help(), err=True)
        raise typer.Exit(EXIT_USAGE)


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
    # the errors first, those that make others before them (a code written twice), then the warnings that explain
    # them (raccogli's conflicts); the count is of errors
    errors = [p for p in exc.problems if p.severity is Severity.ERROR]
    others = [p for p in exc.problems if p.severity is not Severity.ERROR] if errors else []
    for problem in causes_first(errors or exc.problems) + sorted(others, key=Problem.sort_key):
        typer.echo(t.problem(problem), err=True)
    typer.echo(t("cli.errori", n=len(errors or exc.problems)), err=True)
    raise typer.Exit(EXIT_INPUT)


@contextmanager
def _reported(t: Text) -> Iterator[None]:
    """Input errors raised inside: one located line each, then their count, and exit 1."""
    try:
        yield
    except RiskengineError as exc:
        _fail(exc, t)


def _lang_option() -> Any:
    return typer.Option(None, "--lang")


class _Redrawing:
    """Redraws a progress display ten times a second from a thread that stops while the library forks workers
    (declared to :mod:`riskengine.parallel`): with rich's own refresh thread, a large catalogue's run at a
    terminal could not fork its shards and PDF workers."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def running(self) -> bool:
        """Whether the display is being redrawn."""
        return self.thread is not None and self.thread.is_alive()

    def start(self) -> None:
        """Redraw from a new thread."""
        self.stopping.clear()
        self.thread = threading.Thread(target=self._redraw, name="riskengine-progress", daemon=True)
        self.thread.start()

    def stop(self) -> None:
        """Stop redrawing; the thread has ended (its locks released) on return."""
        if self.thread is not None:
            self.stopping.set()
            self.thread.join()
            self.thread = None

    @contextmanager
    def paused(self) -> Iterator[None]:
        """Not redrawn while inside."""
        was_running = self.running()
        self.stop()
        try:
            yield
        finally:
            if was_running:
                self.start()

    def _redraw(self) -> None:
        import signal

        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # Ctrl-C for the main thread, whenever started
        while not self.stopping.wait(0.1):
            self.bar.refresh()


@contextmanager
def _progress(t: Text, quiet: bool) -> Iterator[Any]:
    """A rich progress display on stderr for the stages of a long run; nothing when quiet or not a terminal."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from riskengine import parallel

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=False, auto_refresh=False) as bar:
        current: list[Any] = []

        def report(stage: str, done: int = 0, total: int = 0) -> None:
            if done or total:
                bar.update(current[-1], completed=done, total=total)
                return
            if current:
                bar.update(current[-1], completed=1, total=1)
            current.append(bar.add_task(t(f"cli.avanzamento.{stage}"), total=None))

        redrawing = _Redrawing(bar)
        redrawing.start()
        try:
            with parallel.pausable(redrawing):
                yield report
        finally:
            redrawing.stop()
        if current:
            bar.update(current[-1], completed=1, total=1)


@app.command(cls=Command)
def check(catalog: Path = typer.Argument(...),
          rules: Path | None = typer.Option(None, "--rules"),
          quiet: bool = typer.Option(False, "--quiet", "-q"),
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
            counts = ", ".join(t(f"cli.conteggio.{k.replace(' ', '_')}", n=n) for k, n in report.counts.items())
            typer.echo(t("cli.check.conteggi", oggetto=catalog, conteggi=counts))
        apart = bool(report.counts)  # a blank line between sections, none before the first
        for severity in ("error", "warning", "info"):
            groups = by_severity.get(severity, {})
            if not groups:
                continue
            heading = f"{t('cli.gravita_plurale.' + severity)} ({sum(len(v) for v in groups.values())})"
            typer.echo(f"\n{heading}" if apart else heading)
            apart = True
            for code in sorted(groups, key=lambda c: (cause_rank(c), c)):  # what makes others first
                typer.echo(f"  {code} ({len(groups[code])})")
                for problem in groups[code]:
                    typer.echo(f"    {t.problem(problem)}{_only_in(t, report.years.get(problem, ()))}")
    severities = report.severities
    status = "cli.check.esito_ok" if report.ok else "cli.check.esito_ko"
    typer.echo(t(status, **t.severities(severities)))
    if not report.ok:
        raise typer.Exit(EXIT_INPUT)


def _only_in(t: Text, years: tuple[int, ...]) -> str:
    """The annexes that list a finding of check, when not every year's does (nothing otherwise)."""
    if not years:
        return ""
    key = "cli.check.solo_anno" if len(years) == 1 else "cli.check.solo_anni"
    return f" [{t(key, anni=', '.join(map(str, years)))}]"


def _echo_measures(t: Text, title: str, measures: list[dict]) -> None:
    typer.echo(f"{title} ({len(measures)})")
    for m in measures:
        typer.echo(f"  {m['codice']:<8} {m['nome']}")
        if len(m["responsabili"]) > 1:
            typer.echo(f"           {t('cli.mostra.corresponsabili')}: {', '.join(m['responsabili'])}")
        overdue = f" {t.warned('unita.in_ritardo')}" if m["scaduta"] else ""  # as the annex
        typer.echo(f"           {t('cli.mostra.scadenza')}: {t.day(m['scadenza'])}  "
                   f"{t('cli.mostra.stato')}: {t.value('stato', m['stato'])}{overdue}  "
                   f"{t('cli.mostra.frequenza')}: {t.value('frequenza', m['frequenza']) or '—'}")
        typer.echo(f"           {t('cli.mostra.indicatore')}: {m['indicatore'] or '—'}  "
                   f"{t('cli.mostra.target')}: {m['target'] or '—'}")


def _echo_obligations(t: Text, title: str, obligations: list[dict]) -> None:
    def name(item: dict) -> str:  # of the official tree, in the language (the annex's, too)
        return str(item["nome_en"] if t.lang == "en" and item.get("nome_en") else item["nome"])

    typer.echo(f"{title} ({len(obligations)})")
    for o in obligations:
        frequency = o["aggiornamento"] or "—"
        if frequency[:1].isdigit():  # a fixed date rather than a frequency
            frequency = t("cli.mostra.alla_data", data=t.day(frequency))
        else:
            frequency = t.value("aggiornamento", frequency)
        typer.echo(f"  {o['codice']:<8} {o['denominazione']}")
        typer.echo(f"           {o['sottosezione']['codice']} {name(o['sezione'])} › {name(o['sottosezione'])}")
        typer.echo(f"           {t('cli.mostra.aggiornamento')}: {frequency}  "
                   f"{t('cli.mostra.prossima_scadenza')}: {t.day(o['prossima_scadenza'])}  "
                   f"{t('cli.mostra.stato')}: {t.value('stato_obbligo', o['stato'])}")
        if o["termine"]:
            typer.echo(f"           {t('cli.mostra.termine')}: {o['termine']}")


@app.command(cls=Command)
def show(catalog: Path = typer.Argument(...),
         unit: str | None = typer.Option(None, "--unit"),
         process: str | None = typer.Option(None, "--process"),
         lang: str | None = _lang_option()) -> None:
    """Show what a unit owns and must implement, or everything about a process."""
    from riskengine import api

    t = _text(lang)
    if (unit is None) == (process is None):
        typer.echo(t("cli.unita_o_processo"), err=True)
        raise typer.Exit(EXIT_USAGE)
    with _reported(t):
        view = api.show(catalog, unit=unit, process=process)
    if unit is not None:
        typer.echo(f"{view['nome']} [{view['codice']}]"
                   + (f" — {t('cli.mostra.in')} {view['padre']}" if view["padre"] else ""))
        if view["monitoraggio"] is not None:
            typer.echo(t("cli.mostra.stati_monitorati", anno=view["monitoraggio"]))
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


@app.command(cls=Command)
def graph(catalog: Path = typer.Argument(...),
          format: str = typer.Option("json", "--format", "-f"),
          out: Path | None = typer.Option(None, "--out", "-o"),
          lang: str | None = _lang_option()) -> None:
    """Export the catalogue graph (areas, units, processes, events, factors, measures and their links)."""
    from riskengine import api

    t = _text(lang)
    if format not in (formats := ("graphml", "dot", "json")):
        typer.echo(t("cli.formato_grafo_sconosciuto", formato=format, forse=_perhaps(t, format, formats)), err=True)
        raise typer.Exit(EXIT_USAGE)
    try:
        text = api.graph(catalog, format, out)
    except RiskengineError as exc:
        _fail(exc, t)
    except ValueError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(EXIT_USAGE) from None
    if out is None:
        sys.stdout.write(text)


@app.command(cls=Command)
def schema(out: Path | None = typer.Option(None, "--out", "-o"),
           markdown: str | None = typer.Option(None, "--markdown"),
           lang: str | None = _lang_option()) -> None:
    """Write the JSON Schema of every file type (for editor completion and validation), or its Markdown tables."""
    from riskengine import api

    t = _text(lang)
    if (out is None) == (markdown is None):
        typer.echo(t("cli.schema_una_opzione"), err=True)
        raise typer.Exit(EXIT_USAGE)
    if markdown is not None:
        try:
            typer.echo(api.schema_markdown(markdown), nl=False)
        except ValueError:
            from riskengine.schema import MARKDOWN_GROUPS

            groups = ", ".join(sorted([*MARKDOWN_GROUPS, api.WORKBOOK_GROUP]))
            typer.echo(t("cli.gruppo_tabelle_sconosciuto", gruppo=markdown, attesi=groups), err=True)
            raise typer.Exit(EXIT_USAGE) from None
        return
    assert out is not None
    with _reported(t):
        written = api.schema(out)
    for path in written:
        typer.echo(str(path))


@app.command("rules-list", cls=Command)
def rules_list(lang: str | None = _lang_option()) -> None:
    """List the codes of the findings (integrity rules, assessment) with their severities and descriptions."""
    from riskengine import api

    t = _text(lang)
    for code, severity in api.rules_list():
        typer.echo(f"{code:<30} {t.severity(severity.value):<8} {t('regole_integrita.' + code)}")


def _formats(text: str, t: Text) -> tuple[str, ...]:
    from riskengine.report import FORMATS, OPTIONAL_FORMATS

    return _choices(text, FORMATS + OPTIONAL_FORMATS, t, "cli.formato_sconosciuto", "formati", "attesi")


def _choices(text: str, known: Sequence[str], t: Text, message: str, found: str, expected: str) -> tuple[str, ...]:
    """Comma-separated values of a closed list (--format, --edition): an unknown one is a wrong command line, said
    by ``message`` with the close value suggested (its ``found`` and ``expected`` fields name the values)."""
    chosen = tuple(v.strip().lower() for v in text.split(",") if v.strip())
    unknown = [v for v in chosen if v not in known]
    if unknown or not chosen:
        perhaps = _perhaps(t, unknown[0], known) if len(unknown) == 1 else ""
        typer.echo(t(message, forse=perhaps, **{found: ", ".join(unknown) or "—", expected: ", ".join(known)}),
                   err=True)
        raise typer.Exit(EXIT_USAGE)
    return chosen


def _perhaps(t: Text, word: str, pool: Sequence[str]) -> str:
    """`` (forse 'json'?)`` after a mistyped value with a close one in ``pool``; nothing otherwise."""
    from riskengine.suggest import closest

    best = closest(word, pool)
    return t("cli.forse", proposta=best) if best else ""


def _engine(name: str, t: Text) -> str:
    from riskengine.evaluate.backend import BACKENDS

    if name not in BACKENDS:
        typer.echo(t("cli.motore_sconosciuto", motore=name, forse=_perhaps(t, name, BACKENDS),
                     attesi=", ".join(BACKENDS)), err=True)
        raise typer.Exit(EXIT_USAGE)
    return name


def _delimiter(text: str | None) -> str | None:
    if text is None:
        return None
    return "\t" if text.lower() == "tab" else text


def _editions(text: str | None, t: Text) -> tuple[str, ...] | None:
    """The editions asked for: refused here, as a wrong command line, before anything is assessed."""
    from riskengine.report import EDITIONS

    return None if text is None else _choices(text, EDITIONS, t, "cli.edizione_sconosciuta", "edizioni", "attese")


def _counts(t: Text, field: str, counts: dict[str, int]) -> str:
    """Counts by deadline year in year order; by natura or tipologia in the order of their labels."""
    if field == "scadenza":
        labelled = [(t("cli.sintesi.continua") if key == "continua" else key, n) for key, n in counts.items()]
    else:
        labelled = t.counts_by_label(field, counts)
    return "; ".join(f"{label} {n}" for label, n in labelled)


def _shown_files(files: list[Path]) -> list[Path]:
    """The files of the annex a user reads: not the hidden manifest that lets the next run replace the folder."""
    return [path for path in files if not path.name.startswith(".")]


def _first_to_open(files: list[Path], out_dir: Path) -> Path:
    """The file an RPCT opens first: the annex in the first format written of HTML, PDF, Word and Excel, else
    LEGGIMI.txt (which says which file is which), else the result."""
    for name in ("allegato-rischi.html", "allegato-rischi.pdf", "allegato-rischi.docx", "allegato-rischi.xlsx",
                 "LEGGIMI.txt", "risultato.json"):
        if out_dir / name in files:
            return out_dir / name
    shown = _shown_files(files)
    return shown[0] if shown else out_dir


def _summary(t: Text, annex: Any, verbose: bool) -> None:
    """The closing summary of assess and report: processes, levels, findings, measures, where the annex is."""
    result = annex.result
    s = result["sintesi"]
    echo = lambda text="": typer.echo(text, err=True)  # noqa: E731  (stdout stays free for pipes)
    echo(t("cli.sintesi.titolo", anno=result["anno"], ente=result["ente"]["nome"]))
    echo("  " + t("cli.sintesi.processi", valutati=s["processi_valutati"], processi=s["processi"]))
    levels = {lvl["codice"]: t.level(lvl) for lvl in result["metodo"]["livelli"]}
    order = {code: i for i, code in enumerate(levels)}
    # In the method's order: a result read back from risultato.json has its keys sorted by code (alto, basso, …).
    per_level = sorted(s.get("per_livello", {}).get("residuo_programmato", {}).items(),
                       key=lambda item: order.get(item[0], len(order)))
    echo("  " + t("cli.sintesi.per_livello",
                  livelli="; ".join(f"{levels.get(k, k)} {n}" for k, n in per_level)))
    severities = s["criticita_per_gravita"]
    echo("  " + t("cli.sintesi.criticita", **{**t.severities(severities),
                                               "errori": t("cli.gravi", n=severities.get("error", 0))}))
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
    echo("  " + t("cli.sintesi.dove", cartella=annex.out_dir, n=len(_shown_files(annex.files)),
                  primo=_first_to_open(annex.files, annex.out_dir)))
    published = [p for p in annex.files if p.parent == annex.out_dir and p.stem == "allegato-rischi-pubblicazione"]
    if published:  # the file(s) for "Amministrazione trasparente"; LEGGIMI.txt says which is which
        echo("  " + t("cli.sintesi.pubblicare", file=", ".join(str(p) for p in sorted(published))))
    if annex.draft:
        echo(t("cli.sintesi.bozza"))
    if verbose:
        echo(t("cli.sintesi.file"))
        for path in _shown_files(annex.files):
            typer.echo(str(path))


def _finish(t: Text, annex: Any, quiet: bool, verbose: bool) -> None:
    if not quiet:
        _summary(t, annex, verbose)
    elif annex.draft:
        typer.echo(t("cli.sintesi.bozza"), err=True)
    if annex.unrecorded:  # the annex is written; the history store refused the run
        _fail(RiskengineError(annex.unrecorded), t)
    if annex.draft:
        raise typer.Exit(EXIT_DRAFT)


@app.command(cls=Command)
def assess(catalog: Path = typer.Argument(...),
           out: Path | None = typer.Option(None, "--out", "-o"),
           year: int | None = typer.Option(None, "--year", "-y"),
           rules: Path | None = typer.Option(None, "--rules"),
           format: str = typer.Option("html,pdf,xlsx,csv,json", "--format", "-f"),
           lang: str | None = _lang_option(),
           templates: Path | None = typer.Option(None, "--templates"),
           engine: str = typer.Option("durable", "--engine"),
           csv_delimiter: str | None = typer.Option(None, "--csv-delimiter"),
           edition: str | None = typer.Option(None, "--edition"),
           db: str | None = typer.Option(None, "--db"),
           quiet: bool = typer.Option(False, "--quiet", "-q"),
           verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Assess a catalogue with its method, write the result and the annex, and record the run in the history.

    With error findings the annex is still written, marked as a draft on every page, and the exit code is 3.
    """
    from riskengine import api

    t = _text(lang)
    formats = _formats(format, t)
    backend = _engine(engine, t)
    with _reported(t), _progress(t, quiet) as progress:
        annex = api.assess(catalog, out, year=year, rules_dir=rules, formats=formats, lang=lang or "it",
                           templates=templates, backend=backend, csv_delimiter=_delimiter(csv_delimiter),
                           progress=progress, db=db, editions=_editions(edition, t))
    _finish(t, annex, quiet, verbose)


@app.command(cls=Command)
def report(source: Path = typer.Argument(...),
           out: Path = typer.Option(..., "--out", "-o"),
           format: str = typer.Option("html,pdf,xlsx,csv,json", "--format", "-f"),
           lang: str | None = _lang_option(),
           templates: Path | None = typer.Option(None, "--templates"),
           year: int | None = typer.Option(None, "--year", "-y"),
           rules: Path | None = typer.Option(None, "--rules"),
           csv_delimiter: str | None = typer.Option(None, "--csv-delimiter"),
           edition: str | None = typer.Option(None, "--edition"),
           quiet: bool = typer.Option(False, "--quiet", "-q"),
           verbose: bool = typer.Option(False, "--verbose", "-v")) -> None:
    """Render the annex from a result JSON (or from a catalogue, assessing it first); exit 3 when it is a draft."""
    from riskengine import api

    t = _text(lang)
    formats = _formats(format, t)
    with _reported(t), _progress(t, quiet) as progress:
        annex = api.report(source, out, formats=formats, lang=lang or "it", templates=templates, year=year,
                           csv_delimiter=_delimiter(csv_delimiter), progress=progress,
                           editions=_editions(edition, t), rules_dir=rules)
    _finish(t, annex, quiet, verbose)


@app.command(cls=Command)
def explain(catalog: Path = typer.Argument(...),
            process: str = typer.Argument(...),
            year: int | None = typer.Option(None, "--year", "-y"),
            rules: Path | None = typer.Option(None, "--rules"),
            lang: str | None = _lang_option()) -> None:
    """Explain, in plain language, the rules and values behind each score and finding of a process."""
    from riskengine import api

    t = _text(lang)
    with _reported(t):
        lines = api.explain(catalog, process, year=year, rules_dir=rules, lang=t.lang)
    typer.echo("\n".join(lines))


@app.command("test", cls=Command)
def test_rules(method: Path = typer.Argument(...),
               engine: str = typer.Option("durable", "--engine"),
               verbose: bool = typer.Option(False, "--verbose", "-v"),
               strict: bool = typer.Option(False, "--strict"),
               lang: str | None = _lang_option()) -> None:
    """Run a method's rule tests; show failures with their explanation and the rules no case exercised."""
    from riskengine import api
    from riskengine.report.explanation import step_lines
    from riskengine.report.view import TraceWords

    t = _text(lang)
    backend = _engine(engine, t)
    with _reported(t):
        report = api.test(method, backend=backend)
    words = TraceWords(report.names, t)
    for outcome in report.outcomes:
        if outcome.passed:
            if verbose:
                typer.echo(f"ok    {outcome.name}")
            continue
        typer.echo(f"{t('cli.test.fallito')}  {outcome.name}  ({outcome.location})")
        for mismatch in outcome.mismatches:
            typer.echo("        " + t.mismatch(mismatch.campo, mismatch.atteso, mismatch.ottenuto, mismatch.parole,
                                               words.levels, mismatch.codice))
        for step in outcome.trace:
            if step.get("passo") == "politica":
                typer.echo(f"        {t('cli.test.regola')} {step['regola']}: {step['quando']} → "
                           f"{words.result(step)}")
            else:
                typer.echo("\n".join(step_lines(t, step, words, indent=" " * 8)))
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
    if format not in (formats := ("text", "json")):
        typer.echo(t("cli.formato_testo_json", formato=format, forse=_perhaps(t, format, formats)), err=True)
        raise typer.Exit(EXIT_USAGE)


@app.command(cls=Command)
def history(catalog: Path = typer.Argument(...),
            db: str | None = typer.Option(None, "--db"),
            rules: Path | None = typer.Option(None, "--rules"),
            lang: str | None = _lang_option()) -> None:
    """List the recorded runs of a catalogue, year by year, and the years declared in storico.yaml."""
    from riskengine import api

    t = _text(lang)
    w = _words(t)
    with _reported(t):
        years = api.history(catalog, db=db, rules_dir=rules)
    typer.echo(f"{w['runs']} ({len(years['esecuzioni'])})")
    for run in years["esecuzioni"]:
        mark = f"  [{w['latest']}]" if run["ultima"] else ""
        typer.echo(f"  {run['anno']}  #{run['id']:<5} {_when(t, run['eseguita_il'])}  "
                   f"{run['metodo']} {run['versione_metodo']}{mark}")
    typer.echo(f"{w['declared']} ({len(years['dichiarati'])})")
    for entry in years["dichiarati"]:
        typer.echo(f"  {entry['anno']}  {entry['fonte']}")


@app.command(cls=Command)
def diff(first: Path = typer.Argument(...),
         second: str = typer.Argument(...),
         third: str | None = typer.Argument(None),
         format: str = typer.Option("text", "--format", "-f"),
         db: str | None = typer.Option(None, "--db"),
         rules: Path | None = typer.Option(None, "--rules"),
         lang: str | None = _lang_option()) -> None:
    """Print the changes between two years of a catalogue (CATALOG 2025 2026), since a year's latest run
    (CATALOG 2026), or between two result files."""
    import json

    from riskengine import api

    t = _text(lang)
    w = _words(t)
    _text_or_json(t, format)
    with _reported(t):
        if os.path.isdir(first):  # os.path's: a path the system cannot probe is then refused as a result file
            if not all(year.isascii() and year.isdigit() for year in ((second,) if third is None else (second, third))):
                typer.echo(t("cli.diff_due_anni"), err=True)
                raise typer.Exit(EXIT_USAGE)
            changes = api.diff(first, second, third, db=db, rules_dir=rules)
        else:
            if third is not None:
                typer.echo(t("cli.diff_due_file"), err=True)
                raise typer.Exit(EXIT_USAGE)
            changes = api.diff("", first, second)
    if format == "json":
        typer.echo(json.dumps(changes, ensure_ascii=False, indent=2, sort_keys=True))
        return
    labels = _level_labels(t, changes["livelli"])
    earlier = _level_labels(t, changes.get("livelli_da", changes["livelli"]))  # an earlier method's levels
    now = first.is_dir() and third is None  # the year's latest run against the files as they are now
    typer.echo(f"{changes['da']} ({w['recorded']}) → {changes['a']} ({w['now']})" if now
               else f"{changes['da']} → {changes['a']}")
    if "metodo" in changes:  # another method or version, or the same version with other rule files
        method = changes["metodo"]
        key = "variazioni.metodo" if method["da"] != method["a"] else "variazioni.metodo_regole"
        typer.echo(t(f"{key}_ora" if now else key, **method))

    def moved(p: dict[str, Any], state: str = "") -> str:
        scores = "" if p["rischio_da"] is None or p["rischio_a"] is None else (  # a method of levels has none
            f", {t.number(p['rischio_da'])} → {t.number(p['rischio_a'])}, {_signed(t, p['variazione'])}")
        levels = f"{earlier[p['da']]} → {labels[p['a']]}"
        return f"  {p['codice']:<10} {state}{levels} ({w[p['verso']]}{scores})  {p['nome']}"
    typer.echo(f"{w['moved']} ({len(changes['processi_cambiati'])})")
    for p in changes["processi_cambiati"]:
        typer.echo(moved(p))
    typer.echo(f"{w['moved_residual']} ({len(changes['residui_cambiati'])})")
    for p in changes["residui_cambiati"]:
        typer.echo(moved(p, f"{w[p['stato']]}: "))
    for key, title, named in (("processi_nuovi", "new", labels), ("processi_rimossi", "removed", earlier)):
        typer.echo(f"{w[title]} ({len(changes[key])})")
        for p in changes[key]:
            typer.echo(f"  {p['codice']:<10} {named.get(p['livello'] or '', '—')}  {p['nome']}")
    if changes["da"] == changes["a"]:  # one year: no earlier year's measures
        return
    typer.echo(f"{w['due']} ({len(changes['misure_dovute'])})")
    for m in changes["misure_dovute"]:
        typer.echo(f"  {m['codice']:<8} {w[m['esito']]:<12} {w['deadline']} {t.day(m['scadenza'])}  {m['nome']}")


@app.command("new-year", cls=Command)
def new_year(catalog: Path = typer.Argument(...),
             from_year: int = typer.Option(..., "--from"),
             to_year: int = typer.Option(..., "--to"),
             rules: Path | None = typer.Option(None, "--rules"),
             lang: str | None = _lang_option()) -> None:
    """Write assessment-<to>.yaml, a draft from <from>: answers to be confirmed, statuses carried (never overwrites);
    answers to indicators the method lacks are left out, with a warning."""
    from riskengine import api

    t = _text(lang)
    with _reported(t):
        drafted = api.new_year(catalog, from_year=from_year, to_year=to_year, rules_dir=rules, lang=t.lang)
    typer.echo(f"{drafted.path}: {_words(t)['draft_parziale' if drafted.problems else 'draft']}")
    for problem in drafted.problems:
        typer.echo(t.problem(problem), err=True)


@app.command(cls=Command)
def whatif(catalog: Path = typer.Argument(...),
           scenario: Path = typer.Option(..., "--scenario", "-s"),
           year: int | None = typer.Option(None, "--year", "-y"),
           rules: Path | None = typer.Option(None, "--rules"),
           engine: str = typer.Option("durable", "--engine"),
           out: Path | None = typer.Option(None, "--out", "-o"),
           lang: str | None = _lang_option()) -> None:
    """Print and write what a scenario changes (scores, levels, summary); the catalogue and history are untouched."""
    from riskengine import api

    t = _text(lang)
    w = _words(t)
    backend = _engine(engine, t)
    with _reported(t):
        changes = api.whatif(catalog, scenario, year=year, rules_dir=rules, backend=backend)
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
    with _reported(t):
        target = api.write_whatif(changes, out or Path(f"whatif-{scenario.stem}.json"))
    typer.echo(f"{w['written']}: {target}")


@app.command("rank-measures", cls=Command)
def rank_measures(catalog: Path = typer.Argument(...),
                  year: int | None = typer.Option(None, "--year", "-y"),
                  rules: Path | None = typer.Option(None, "--rules"),
                  engine: str = typer.Option("durable", "--engine"),
                  format: str = typer.Option("text", "--format", "-f"),
                  lang: str | None = _lang_option()) -> None:
    """Rank the planned measures by the residual risk they remove (re-evaluating without each)."""
    import json

    from riskengine import api

    t = _text(lang)
    w = _words(t)
    backend = _engine(engine, t)
    _text_or_json(t, format)
    with _reported(t):
        ranking = api.rank_measures(catalog, year=year, rules_dir=rules, backend=backend)
    if format == "json":
        typer.echo(json.dumps(ranking, ensure_ascii=False, indent=2, sort_keys=True))
        return
    numeric = all(r["rischio_rimosso"] is not None for r in ranking)  # a method without scores removes no score
    typer.echo(f"{w['rank' if numeric else 'rank_levels']} ({len(ranking)})")
    for r in ranking:
        dropped = ", ".join(r["processi_abbassati"]) or "—"
        removed = f"{w['removes']} {t.number(r['rischio_rimosso'])}; " if numeric else ""
        # the measure's name beside its code: after the processes it read as the last process's name
        typer.echo(f"  {r['posizione']:>3}. {r['codice']:<8} {r['nome']} — {removed}{w['drops']}: {dropped}")


def _workbook_words(t: Text) -> dict[str, str]:
    """The words of the workbook commands (``comandi_cartelle.*`` of the message catalogue)."""
    prefix = "comandi_cartelle."
    return {key[len(prefix):]: text for key, text in t.labels.items() if key.startswith(prefix)}


@app.command("export-xlsx", cls=Command)
def export_xlsx(catalog: Path = typer.Argument(...),
                out: Path = typer.Option(..., "--out", "-o"),
                year: int | None = typer.Option(None, "--year", "-y"),
                rules: Path | None = typer.Option(None, "--rules"),
                lang: str | None = _lang_option()) -> None:
    """Write the catalogue (and an assessment) as one workbook: a sheet per list, drop-downs, a readme."""
    from riskengine import api

    t = _text(lang)
    w = _workbook_words(t)
    with _reported(t):
        path = api.export_xlsx(catalog, out, year=year, rules_dir=rules, lang=t.lang)
    typer.echo(f"{path}: {w['esportato']}")


@app.command("import-xlsx", cls=Command)
def import_xlsx(workbook: Path = typer.Argument(...),
                out: Path = typer.Option(..., "--out", "-o"),
                force: bool = typer.Option(False, "--force"),
                rules: Path | None = typer.Option(None, "--rules"),
                lang: str | None = _lang_option()) -> None:
    """Write the catalogue's YAML files from a workbook; every problem at its cell, nothing written then."""
    from riskengine import api

    t = _text(lang)
    w = _workbook_words(t)
    with _reported(t):
        outcome = api.import_xlsx(workbook, out, force=force, rules_dir=rules)
    for item in outcome["files"]:
        typer.echo(f"{item.path}: {w[item.outcome]}")
    if outcome["warnings"]:
        typer.echo(f"{t('cli.gravita_plurale.warning')} ({len(outcome['warnings'])})")  # as check heads them
        for problem in outcome["warnings"]:
            typer.echo(f"  {t.problem(problem)}")


@app.command(cls=Command)
def questionari(catalog: Path = typer.Argument(...),
                year: int = typer.Option(..., "--year", "-y"),
                out: Path = typer.Option(..., "--out", "-o"),
                force: bool = typer.Option(False, "--force"),
                rules: Path | None = typer.Option(None, "--rules"),
                lang: str | None = _lang_option()) -> None:
    """Write one self-assessment questionnaire (XLSX) per unit, in the language of the run: its processes' indicators
    and its measures."""
    from riskengine import api

    t = _text(lang)
    w = _workbook_words(t)
    with _reported(t):
        written = api.questionari(catalog, out, year=year, force=force, rules_dir=rules, lang=t.lang)
    for path in written:
        typer.echo(f"{path}: {w['questionario']}")


@app.command(cls=Command)
def raccogli(catalog: Path = typer.Argument(...),
             folder: Path = typer.Argument(...),
             year: int | None = typer.Option(None, "--year", "-y"),
             rules: Path | None = typer.Option(None, "--rules"),
             lang: str | None = _lang_option()) -> None:
    """Merge the returned questionnaires into assessment-<year>.yaml; report who returned what and what is missing."""
    from riskengine import api

    t = _text(lang)
    w = _workbook_words(t)
    with _reported(t):
        done = api.raccogli(catalog, folder, year=year, rules_dir=rules)
    typer.echo(f"{done.target}: {w['valutazione' if done.written else 'valutazione_invariata']}")
    typer.echo(f"{w['restituiti']} ({len(done.returned)})")
    for item in done.returned:
        typer.echo(f"  {item.file}: {item.name} ({item.unit}): {w['risposte_cambiate']} {len(item.changed)}"
                   + (f" ({', '.join(item.changed)})" if item.changed else "")
                   + (f"; {w['risposte_confermate']} {len(item.confirmed)} ({', '.join(item.confirmed)})"
                      if item.confirmed else "")
                   + (f"; {w['motivazioni_da_rivedere']}: {', '.join(item.stale)}" if item.stale else "")
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


@app.command("template-check", cls=Command)
def template_check(template: Path = typer.Argument(...),
                   lang: str | None = _lang_option()) -> None:
    """List the variables a Word template uses that the result does not provide, with their place; exit 1 if any."""
    from riskengine import api

    t = _text(lang)
    w = _workbook_words(t)
    with _reported(t):
        problems = api.template_check(template)
    if not problems:
        typer.echo(f"{template}: {w['variabili_ok']}")
        return
    typer.echo(f"{w['variabili_mancanti']} ({len(problems)})")
    for problem in problems:
        typer.echo(f"  {t.problem(problem)}")
    raise typer.Exit(EXIT_INPUT)


def _one_line(exc: BaseException) -> str:
    # an exception's text may quote a file's value whole: bounded and inert, as every message is
    text = shorten(" ".join(str(exc).split()), 300)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def main() -> None:
    """Console-script entry point: run the command; anything unexpected ends in one line, never a traceback."""
    # pydantic looks for plugins among every installed distribution when it builds the first model;
    # the command uses none (a user who sets the variable keeps their choice).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    t = Text(help_language(sys.argv[1:]))
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
        # a usage error or the help, printed outside the command, to a pipe
        reason = _broken_pipe(exc) if isinstance(exc, BrokenPipeError) else exc
        if isinstance(reason, typer.Exit):
            raise SystemExit(reason.exit_code) from None
        cause = reason.__cause__ if isinstance(reason, _OtherPipeError) else reason
        typer.echo(t("cli.errore_interno", errore=t.cut(_one_line(cause or reason))), err=True)
        sys.exit(EXIT_INTERNAL)
