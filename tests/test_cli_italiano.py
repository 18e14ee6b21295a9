"""The command line's own words, Italian first: the help of the application and of every command, and every
usage error, from the message catalogue (``cli.uso``, ``cli.comandi``, ``cli.opzioni``, ``cli.argomenti``...).

English with ``RISKENGINE_LANG=en`` or with ``--lang en`` anywhere on the command line (the help is printed
before ``--lang`` is parsed: ``riskengine.cli.help_language`` reads the command line). Usage errors are one line
and the line pointing to the help, exit 2, never a traceback.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Literal

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_italian_first import english_words
from typer._click.exceptions import UsageError
from typer.testing import CliRunner

from riskengine import cli
from riskengine.cli import EXIT_INTERRUPTED, EXIT_USAGE, app, help_language, param_help_key, usage_error
from riskengine.i18n import Text, catalogue, language

IT, EN = Text("it"), Text("en")
COMMAND_LINE = typer.main.get_command(app)
COMMANDS = COMMAND_LINE.list_commands(typer.Context(COMMAND_LINE))  # type: ignore[attr-defined]
# What the help and the usage errors printed before they were worded from the catalogue: none may be left in Italian.
OLD_ENGLISH = (
    "Usage:", "Options:", "Arguments:", "Commands:", "Show this message and exit", "print the version and exit",
    "[OPTIONS]", "COMMAND [ARGS]", "[required]", "[default:", "<path>", "<str>", "<int>", "<text>", "<year>",
    "catalogue directory", "method directory", "directory holding the methods", "print only the summary line",
    "unit or role, by code or name", "process code", "graphml, dot or json", "file to write",
    "directory for the", "print the reference tables", "output directory", "assessment year", "comma-separated",
    "directory of template overrides", "durable (durable-rules) or interpreter", "CSV separator", "annex editions",
    "history store URL", "no progress and no summary", "also list the files written", "a result JSON file",
    "list passing cases too", "also fail when a rule", "the earlier year", "the later year", "text or json",
    "the year to copy", "the year of the draft", "scenario file", "JSON file of the changes", "the workbook to write",
    "a workbook written by", "the catalogue directory to write", "replace existing", "the year of the self-assessment",
    "returned questionnaires", "a Word template", "it or en (default",
    "Check a catalogue", "Show what a unit", "Export the catalogue", "Write the JSON Schema", "List the integrity",
    "Assess a catalogue", "Render the annex", "Explain, in plain language", "Run a method", "List the recorded runs",
    "Print the changes", "Write assessment-", "Print and write what", "Rank the planned", "Write the catalogue",
    "Write one self-assessment", "Merge the returned", "List the variables",
    "Error:", "Missing argument", "Missing option", "No such option", "Possible options", "Invalid value",
    "Got unexpected extra", "No such command", "Did you mean", "Try '", "for help", "requires an argument",
    "does not take a value", "Input should be",
)


def run(*args: str, lang: str | None = None):
    """``riskengine ARGS`` in-process, named as the program is; ``lang`` sets RISKENGINE_LANG (None: unset)."""
    env = {"RISKENGINE_LANG": lang} if lang else {"RISKENGINE_LANG": None}
    return CliRunner().invoke(app, list(args), prog_name="riskengine", env=env, catch_exceptions=False)


def squeezed(text: str) -> str:
    """``text`` without its white space: the help wraps lines (at spaces and after hyphens)."""
    return "".join(text.split())


def prose(text: str) -> str:
    """The words of a help page or of an error a reader reads: option names, placeholders, variables, commands and
    quoted values taken out, for the scan of English words."""
    text = re.sub(r"«[^»]*»|'[^']*'", "", text)
    text = re.sub(r"(?<![\w])--?[\w][\w-]*|<[^>]*>|\$\w+|\S*/\S*|\S+\.(?:yaml|json|xlsx|docx|sqlite)\b", "", text)
    return re.sub(r"\b(?:" + "|".join(re.escape(c) for c in COMMANDS) + r")\b", "", text)


def _params(name: str | None) -> list:
    """The parameters of command ``name`` (None: the application), its --help included."""
    command = COMMAND_LINE if name is None else COMMAND_LINE.get_command(None, name)  # type: ignore[attr-defined]
    return [*command.params, command.get_help_option(typer.Context(command))]


def helps(name: str | None) -> tuple[list[str], list[str]]:
    """The texts the help page of command ``name`` (None: the application) shows, in Italian and in English."""
    pages = []
    for t in (IT, EN):
        texts = [t("cli.aiuto"), t("cli.codici_uscita")] if name is None else [t(f"cli.comandi.{name}.aiuto")]
        pages.append(texts + [t(param_help_key(t, name, param)) for param in _params(name)])
    return pages[0], pages[1]


# --- the help ------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [None, *COMMANDS])
def test_every_help_page_is_italian_by_default_and_english_on_request(name: str | None) -> None:
    command = [name] if name else []
    italian = run(*command, "--help")
    assert italian.exit_code == 0 and italian.stderr == "", italian.output
    assert italian.stdout.startswith(f"Utilizzo: riskengine {name + ' ' if name else ''}[OPZIONI]")
    left = [old for old in OLD_ENGLISH if old in italian.stdout]
    assert not left, (left, italian.stdout)
    assert not english_words(prose(italian.stdout)), (english_words(prose(italian.stdout)), italian.stdout)
    in_italian, in_english = helps(name)
    for text in in_italian:  # every text of the page comes from the Italian catalogue
        assert squeezed(text) in squeezed(italian.stdout), text
    asked = [run(*command, "--help", lang="en"), run(*command, "--help", "--lang", "en"),
             run("--lang", "en", *command, "--help"), run(*command, "--help", "--lang=en", lang="it")]
    for english in asked:
        assert english.exit_code == 0, english.output
        assert english.stdout == asked[0].stdout  # one page, however English was asked for
    page = asked[0].stdout
    assert page.startswith(f"Usage: riskengine {name + ' ' if name else ''}[OPTIONS]")
    for text in in_english:
        assert squeezed(text) in squeezed(page), text
    assert "mostra questo aiuto" not in page and "show this message and exit" in page


def test_the_help_page_of_a_command_as_users_read_it() -> None:
    page = run("new-year", "--help").stdout
    assert page.splitlines() == [
        "Utilizzo: riskengine new-year [OPZIONI] CATALOGO",
        "",
        "  Scrive assessment-<anno>.yaml, una bozza tratta dalla valutazione di un anno",
        "  precedente: risposte da confermare (tolte quelle a indicatori che il metodo",
        "  non ha), stati delle misure riportati (non sovrascrive mai).",
        "",
        "Argomenti:",
        "  CATALOGO  cartella del catalogo (catalogs/<ente>)",
        "",
        "Opzioni:",
        "  --from <anno>       l'anno da copiare  [obbligatoria]",
        "  --to <anno>         l'anno della bozza  [obbligatoria]",
        "  --rules <cartella>  cartella dei metodi (predefinita: rules/)",
        "  --lang <lingua>     lingua dei messaggi: it o en (predefinita:",
        "                      $RISKENGINE_LANG, altrimenti it)",
        "  --help              mostra questo aiuto ed esce",
    ]
    graph = run("graph", "--help").stdout  # a default is shown, an optional argument in brackets
    assert "-f, --format <testo>  graphml, dot o json  [predefinito: json]" in graph
    assert "-o, --out <percorso>  file da scrivere" in graph
    assert "Utilizzo: riskengine diff [OPZIONI] PRIMO SECONDO [TERZO]" in run("diff", "--help").stdout


def test_the_application_lists_its_commands_with_their_short_help_and_keeps_the_exit_codes() -> None:
    page = run("--help").stdout
    for name in COMMANDS:
        assert re.search(rf"^  {re.escape(name)} +{re.escape(IT(f'cli.comandi.{name}.breve'))}$", page, re.M), name
    assert squeezed(IT("cli.codici_uscita")) in squeezed(page)
    assert squeezed(page).count(squeezed(IT("cli.codici_uscita"))) == 1


def test_no_command_shows_the_help_where_errors_go_and_exits_2() -> None:
    for args, lang in ((), None), (("--lang", "en"), None), ((), "en"):
        shown = run(*args, lang=lang)
        assert shown.exit_code == EXIT_USAGE and shown.stdout == ""
        assert shown.stderr.startswith("Utilizzo: riskengine" if not (args or lang) else "Usage: riskengine")


def test_an_unknown_language_falls_back_to_italian_for_the_help_and_is_refused_by_a_command() -> None:
    assert run("check", "--help", "--lang", "fr").stdout == run("check", "--help").stdout
    assert run("--help", lang="fr").stdout == run("--help").stdout
    refused = run("--lang", "fr", "rules-list")
    assert (refused.exit_code, refused.stderr) == (EXIT_USAGE, "lingua sconosciuta 'fr': attese it, en\n")


def test_lang_before_the_command_words_the_command() -> None:
    before = run("--lang", "en", "rules-list")
    assert before.exit_code == 0
    assert before.stdout == run("rules-list", "--lang", "en").stdout != run("rules-list").stdout
    assert run("--lang", "en", "rules-list", "--lang", "it").stdout == run("rules-list").stdout  # the command's wins


@given(st.lists(st.sampled_from(["check", "x", "--lang", "--lang=en", "--lang=fr", "--lang=", "en", "it", "fr", "--",
                                 "-q"]), max_size=8))
def test_the_help_language_is_the_last_lang_before_a_double_dash(args: list[str]) -> None:
    mine = args[:args.index("--")] if "--" in args else args
    chosen = None
    for at, arg in enumerate(mine):
        if arg == "--lang" and at + 1 < len(mine):
            chosen = mine[at + 1]
        elif arg.startswith("--lang="):
            chosen = arg[len("--lang="):]
    expected = chosen or os.environ["RISKENGINE_LANG"]  # an empty --lang= chooses nothing, as for the commands
    assert help_language(args) == (expected if expected in ("it", "en") else "it")


def test_an_empty_lang_is_the_same_choice_for_the_help_and_the_command(monkeypatch) -> None:
    monkeypatch.setenv("RISKENGINE_LANG", "en")
    assert help_language(["check", "--lang=", "--help"]) == "en" == language("")


# --- usage errors ---------------------------------------------------------------------------------------------------

USAGE_ERRORS = [
    (["check"],
     "riskengine check: manca l'argomento CATALOGO — cartella di un catalogo (catalogs/<ente>) o di un metodo "
     "(rules/<metodo>)",
     "riskengine check: missing argument CATALOG — catalogue directory (catalogs/<administration>) or method directory "
     "(rules/<method>)"),
    (["new-year", "cat", "--from", "2025"],
     "riskengine new-year: manca l'opzione obbligatoria --to — l'anno della bozza",
     "riskengine new-year: missing required option --to — the year of the draft"),
    (["check", "cat", "--nope"],
     "riskengine check: opzione sconosciuta: --nope", "riskengine check: no such option: --nope"),
    (["check", "cat", "--quite"],
     "riskengine check: opzione sconosciuta: --quite (forse --quiet?)",
     "riskengine check: no such option: --quite (did you mean --quiet?)"),
    (["explain", "cat", "B1", "--year", "duemila"],
     "riskengine explain: valore non valido per --year: 'duemila' (atteso un numero intero, ad esempio 2026)",
     "riskengine explain: invalid value for --year: 'duemila' (expected a whole number, such as 2026)"),
    (["questionari", "cat", "-o", "q", "-y", "2026.5"],
     "riskengine questionari: valore non valido per --year: '2026.5' (atteso un numero intero, ad esempio 2026)",
     "riskengine questionari: invalid value for --year: '2026.5' (expected a whole number, such as 2026)"),
    (["check", "cat", "altro", "ancora"],
     "riskengine check: argomenti in più: altro ancora", "riskengine check: unexpected extra argument(s): altro ancora"),
    (["chek", "cat"],
     "riskengine: comando sconosciuto 'chek' (forse 'check'?)", "riskengine: no such command 'chek' (did you mean 'check'?)"),
    (["valuta", "cat"],
     "riskengine: comando sconosciuto 'valuta'", "riskengine: no such command 'valuta'"),
    (["history", "cat", "--db"],
     "riskengine history: l'opzione --db richiede un valore", "riskengine history: option --db requires a value"),
    (["check", "cat", "--quiet=sì"],
     "riskengine check: l'opzione --quiet non accetta un valore",
     "riskengine check: option --quiet does not take a value"),
    (["--versione"],
     "riskengine: opzione sconosciuta: --versione (forse --version?)",
     "riskengine: no such option: --versione (did you mean --version?)"),
]


@pytest.mark.parametrize(("args", "italian", "english"), USAGE_ERRORS, ids=lambda v: " ".join(v) if isinstance(v, list) else "")
def test_usage_errors_are_one_line_and_the_hint_in_both_languages(args: list[str], italian: str, english: str) -> None:
    where = "riskengine" if italian.startswith("riskengine: ") else f"riskengine {args[0]}"
    shown = run(*args)
    assert (shown.exit_code, shown.stdout) == (EXIT_USAGE, "")
    assert shown.stderr.splitlines() == [italian, f"Prova '{where} --help' per l'aiuto."]
    assert not english_words(prose(italian)), english_words(prose(italian))
    assert not [old for old in OLD_ENGLISH if old in shown.stderr]
    by_variable = run(*args, lang="en")
    assert (by_variable.exit_code, by_variable.stdout) == (EXIT_USAGE, "")
    assert by_variable.stderr.splitlines() == [english, f"Try '{where} --help' for help."]
    by_option = run(args[0], "--lang", "en", *args[1:]) if args[0] in COMMANDS else run("--lang", "en", *args)
    assert by_option.exit_code == EXIT_USAGE
    # the help it points to is in the language asked for
    assert by_option.stderr.splitlines() == [english, f"Try '{where} --help --lang en' for help."]


def test_a_usage_error_of_the_program_itself_has_no_traceback() -> None:
    env = {k: v for k, v in os.environ.items() if k != "RISKENGINE_LANG"}
    shown = subprocess.run([sys.executable, "-m", "riskengine", "assess", "--year", "x"], capture_output=True,
                           text=True, env=env, timeout=120, check=False)
    assert (shown.returncode, shown.stdout) == (EXIT_USAGE, "")
    assert shown.stderr.splitlines() == [
        "python -m riskengine assess: valore non valido per --year: 'x' (atteso un numero intero, ad esempio 2026)",
        "Prova 'python -m riskengine assess --help' per l'aiuto."]
    page = subprocess.run([sys.executable, "-m", "riskengine", "check", "--help", "--lang", "en"],
                          capture_output=True, text=True, env=env, timeout=120, check=False)
    assert page.returncode == 0 and page.stdout.startswith("Usage: python -m riskengine check [OPTIONS] CATALOG")


def test_values_in_usage_errors_are_shown_escaped() -> None:
    shown = run("check", "cat", "a\x1b[31mb")
    assert shown.stderr.splitlines()[0] == "riskengine check: argomenti in più: a\\x1b[31mb"
    assert "\x1b" not in run("--x\x1b[2J").stderr


def test_choices_an_unknown_reason_the_generic_refusal_and_an_abort_are_worded_too() -> None:
    """The wording of refusals this command line cannot reach today (no option has choices, no command prompts): a
    small application built with the same classes."""
    small = typer.Typer(cls=cli.Application, add_completion=False, rich_markup_mode=None)

    @small.callback()
    def root() -> None:
        """Root."""

    @small.command(cls=cli.Command)
    def check(format: Literal["graphml", "dot"] = typer.Option("dot", "--format")) -> None:
        """Pick."""

    @small.command(cls=cli.Command)
    def show() -> None:
        """Stop, as typer does when a prompt reads the end of the input."""
        raise typer.Abort()

    shown = CliRunner().invoke(small, ["check", "--format", "png"], prog_name="riskengine", env={"RISKENGINE_LANG": "it"})
    assert shown.exit_code == EXIT_USAGE
    assert shown.stderr.splitlines()[0] == ("riskengine check: valore non valido per --format: 'png' "
                                            "(valori ammessi: graphml, dot)")
    stopped = CliRunner().invoke(small, ["show"], prog_name="riskengine", env={"RISKENGINE_LANG": "it"})
    assert (stopped.exit_code, stopped.stderr) == (EXIT_INTERRUPTED, "riskengine: interrotto\n")  # as Ctrl-C
    odd = typer.BadParameter("Value must be an iterable.", param=COMMAND_LINE.get_command(None, "check").params[1])  # type: ignore[attr-defined]
    assert usage_error(odd, IT) == ["riskengine: valore non valido per --rules: il lettore delle opzioni segnala "
                                    "«Value must be an iterable.»"]
    assert usage_error(odd, EN) == ["riskengine: invalid value for --rules: Value must be an iterable."]
    assert usage_error(UsageError("Something odd."), IT) == [
        "riskengine: riga di comando non valida: il lettore delle opzioni segnala «Something odd.»"]
    assert usage_error(UsageError("Something odd."), EN) == ["riskengine: invalid command line: Something odd."]


# --- the catalogue covers the command line ---------------------------------------------------------------------------

def test_every_command_argument_and_option_has_its_help_in_both_catalogues() -> None:
    """A new command, argument or option without its words in it.yaml and en.yaml fails here."""
    for name in [None, *COMMANDS]:
        if name is not None:
            command = COMMAND_LINE.get_command(None, name)  # type: ignore[attr-defined]
            assert isinstance(command, cli.Command), name  # its help is worded from the catalogue
            for t in (IT, EN):
                assert t.has(f"cli.comandi.{name}.breve") and t.has(f"cli.comandi.{name}.aiuto"), (name, t.lang)
        for param in _params(name):
            keys = {t.lang: param_help_key(t, name, param) for t in (IT, EN)}
            assert keys["it"] is not None and keys["it"] == keys["en"], (name, param.name, keys)
            if param.param_type_name == "argument":
                assert IT.has(f"cli.segnaposti.{param.name}") and EN.has(f"cli.segnaposti.{param.name}")
            elif not param.is_flag:  # what it takes: named for the option, else by its type
                own = f"cli.valori_opzioni.{max(param.opts, key=len).lstrip('-')}"
                shown = param.display_type(typer.Context(COMMAND_LINE)).strip("<>")
                assert all(t.has(own) or t.has(f"cli.tipi.{shown}") for t in (IT, EN)), (name, param.name, shown)


def test_no_help_text_is_left_for_a_command_or_option_that_is_gone() -> None:
    used = set()
    for name in [None, *COMMANDS]:
        for param in _params(name):
            used.add(param_help_key(IT, name, param))
            if param.param_type_name == "argument":
                used.add(f"cli.segnaposti.{param.name}")
            else:
                used.add(f"cli.valori_opzioni.{max(param.opts, key=len).lstrip('-')}")
    for key in catalogue("it"):
        parts = key.split(".")
        if key.startswith("cli.comandi."):
            assert parts[2] in COMMANDS, key
            if len(parts) > 4:
                assert key in used, key
        elif key.startswith(("cli.opzioni.", "cli.argomenti.", "cli.segnaposti.", "cli.valori_opzioni.")):
            assert key in used, key


def test_schema_refusals_in_both_languages() -> None:
    both = run("schema")
    assert (both.exit_code, both.stderr) == (EXIT_USAGE, "indica una sola opzione tra --out e --markdown\n")
    unknown = run("schema", "--markdown", "tutto")
    assert (unknown.exit_code, unknown.stderr) == (
        EXIT_USAGE, "tabelle sconosciute 'tutto' (attese: cartella, catalogo, regole)\n")
    assert run("schema", "--markdown", "tutto", "--lang", "en").stderr == (
        "unknown group 'tutto' (expected one of: cartella, catalogo, regole)\n")


# --- any command line --------------------------------------------------------------------------------------------------

WORDS = ["check", "show", "diff", "explain", "history", "chek", "--lang", "en", "it", "fr", "--lang=en", "--year", "-y",
         "2026", "duemila", "-q", "--quiet", "--quiet=1", "--nope", "--db", "--process", "B1", "--format", "json",
         "--", "/nonexistent/cat", "a\x1b[2Jb", "--help"]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(args=st.lists(st.sampled_from(WORDS), max_size=7), english=st.booleans())
def test_any_command_line_ends_in_a_worded_message_never_in_click_english(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                             args: list[str], english: bool) -> None:
    monkeypatch.chdir(tmp_path)  # no command here can find a catalogue to work on: whatever runs fails early
    shown = run(*args, lang="en" if english else None)
    assert shown.exit_code in (0, 1, 2), (args, shown.output)
    assert "Traceback" not in shown.output and "\x1b" not in shown.output
    assert not shown.stderr.startswith("Error:") and "\nError:" not in shown.stderr
    if help_language(args) == "it" and not english:
        assert not [old for old in OLD_ENGLISH if old in shown.output], (args, shown.output)
    page = shown.stderr.startswith(("Utilizzo:", "Usage:"))
    if shown.exit_code == EXIT_USAGE and not page:  # a usage error: one line, and the hint when click found it
        lines = shown.stderr.splitlines()
        assert 1 <= len(lines) <= 2, (args, lines)
