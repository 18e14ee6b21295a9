"""Command-line values read without pydantic (``cli._PlainValue``): the values and refusals of typer's own reading.

Typer reads each value through a pydantic TypeAdapter it builds per parameter; riskengine reads the plain ones
(text, paths, flags, years) itself, so that a command's start does not import and build them. These tests hold
the two readings to the same result, value by value, for every kind of parameter riskengine's commands have.
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st
from typer._click import Context
from typer._coercion import build_runtime_param
from typer.core import _TyperParameter
from typer.main import get_command

from riskengine import cli

ROOT = Path(__file__).resolve().parents[1]


def _parameters() -> dict[Any, tuple[Any, Any]]:
    """One parameter of riskengine's commands per annotation, with its command: (command, parameter)."""
    group = get_command(cli.app)
    found: dict[Any, tuple[Any, Any]] = {}
    for command in [group, *group.commands.values()]:  # type: ignore[attr-defined]
        for param in command.params:
            if isinstance(param, _TyperParameter):
                found.setdefault(param.type_descriptor.annotation, (command, param))
    return found


PARAMETERS = _parameters()


def test_every_kind_of_parameter_is_covered() -> None:
    """The commands' parameters are text, paths, flags and years: a new kind needs its own case below."""
    assert set(PARAMETERS) == {str, Path, bool, int}


def _reading(runtime: Any, value: Any, command: Any, param: Any) -> tuple[str, Any]:
    ctx = Context(command)
    try:
        read = runtime.coerce(value, param=param, ctx=ctx)
    except Exception as exc:  # the refusal, compared by its kind and words
        return "refused", (type(exc).__name__, str(exc))
    return "read", (type(read), read)


def _same_reading(annotation: Any, value: Any) -> None:
    command, param = PARAMETERS[annotation]
    desc = param.type_descriptor
    typer_reading = _reading(build_runtime_param(desc), value, command, param)
    plain = _reading(cli._PlainValue(desc.parameter_info, desc.annotation, desc), value, command, param)
    assert plain == typer_reading, (annotation, value)


# Any text, beyond what a command line can pass (a NUL, a lone surrogate), and the near-misses of a year.
_ARGUMENT = st.text(max_size=30)
_YEARISH = st.from_regex(r"\A[ +\-]?[0-9٠-٩_]{0,22}(\.[0-9]{0,2})?[ ]?\Z")


@settings(max_examples=300, deadline=None)
@given(value=_ARGUMENT)
def test_text_and_paths_read_as_typer_reads_them(value: str) -> None:
    _same_reading(str, value)
    _same_reading(Path, value)


@settings(max_examples=300, deadline=None)
@given(value=st.one_of(_YEARISH, _ARGUMENT))
def test_years_read_as_typer_reads_them(value: str) -> None:
    _same_reading(int, value)


@pytest.mark.parametrize("value", ["2026", "02026", "0", "9" * 18, "9" * 19, " 2026", "2026 ", "+2026", "-1",
                                   "2_026", "2026.0", "٢٠٢٦", "duemila", ""])
def test_year_edge_cases(value: str) -> None:
    _same_reading(int, value)


@pytest.mark.parametrize("value", [True, False, None, "yes", "0"])
def test_flags_read_as_typer_reads_them(value: Any) -> None:
    """Typer passes a flag's bool as it is; any other value (none from riskengine's command lines) goes to it."""
    _same_reading(bool, value)


@pytest.mark.parametrize("value", ["catalogs/esempio-cciaa", "catalogs/esempio-cciaa/", str(ROOT), "nessuna/cartella",
                                   "-", ".", "", "README.md/", "a\x00b", "x\ud800", "y\udcff"])
def test_paths_that_exist_or_not(value: str, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    _same_reading(Path, value)


def _probe() -> Any:
    """A command whose options have the settings riskengine's do not use (yet): limits, parsers, path checks."""
    app = typer.Typer()

    @app.command()
    def probe(anno: int = typer.Option(None, min=2000, max=2100),
              livello: int = typer.Option(None, min=1, max=3, clamp=True),
              sigla: str = typer.Option(None, parser=str.upper),
              cartella: Path = typer.Option(None, parser=lambda text: Path(text.upper())),
              esistente: Path = typer.Option(None, exists=True),
              leggibile: Path = typer.Option(None, file_okay=False),
              trattino: Path = typer.Option(None, allow_dash=True),
              risolto: Path = typer.Option(None, resolve_path=True)) -> None:
        """Nothing: only its parameters are read."""

    return typer.main.get_command(app)


PROBE = _probe()


@pytest.mark.parametrize("name", [p.name for p in PROBE.params])
@pytest.mark.parametrize("value", ["1999", "2050", "5", "0", "abc", "./nessuna/", "x//y/", "-", ".", "", "README.md",
                                   "README.md/", "README.md/.", "tests/", "tests/."])
def test_options_with_other_settings_read_as_typer_reads_them(name: str, value: str, monkeypatch) -> None:
    """Limits, parsers, a dash for standard input and path checks: typer's rules and refusals, quoting the value as
    typed (``./nessuna/``, not ``nessuna``), checking what ``Path`` makes of it (``README.md/`` is ``README.md``)."""
    monkeypatch.chdir(ROOT)
    param = next(p for p in PROBE.params if p.name == name)
    desc = param.type_descriptor
    typer_reading = _reading(build_runtime_param(desc), value, PROBE, param)
    plain = _reading(cli._PlainValue(desc.parameter_info, desc.annotation, desc), value, PROBE, param)
    assert plain == typer_reading


# Paths of this repository's files and folders, and of none, in the many ways one can be written.
_PATH_STEPS = st.lists(st.sampled_from(["", ".", "..", "README.md", "tests", "catalogs", "esempio-cciaa", "nessuna"]),
                       max_size=4).map("/".join)  # none: ""
_WRITTEN_PATH = st.tuples(st.sampled_from(["", "./", "/", "//"]), _PATH_STEPS,
                          st.sampled_from(["", "/", "/.", "//"])).map("".join)


@settings(max_examples=300, deadline=None)
@given(value=_WRITTEN_PATH)
def test_paths_however_written_read_as_typer_reads_them(value: str) -> None:
    """Every path option of the probe and riskengine's own, on paths with and without '.', '..', doubled and
    trailing slashes: the same value or the same refusal as typer's adapter."""
    here = os.getcwd()  # not monkeypatch.chdir: hypothesis runs many examples in one test
    os.chdir(ROOT)
    try:
        for param in [*(p for p in PROBE.params if p.type_descriptor.annotation is Path), PARAMETERS[Path][1]]:
            desc = param.type_descriptor
            command = PROBE if param in PROBE.params else PARAMETERS[Path][0]
            typer_reading = _reading(build_runtime_param(desc), value, command, param)
            plain = _reading(cli._PlainValue(desc.parameter_info, desc.annotation, desc), value, command, param)
            assert plain == typer_reading, (param.name, value)
    finally:
        os.chdir(here)


def test_a_command_does_not_build_typer_adapters() -> None:
    """``check`` on the bundled catalogue reads its command line without typer's adapters (their import and
    construction were 30-60 ms of every start)."""
    script = ("import runpy, sys\n"
              "sys.argv = ['riskengine', 'check', 'catalogs/esempio-cciaa', '--lang', 'it', '-q']\n"
              "try:\n    runpy.run_module('riskengine', run_name='__main__')\n"
              "except SystemExit as exc:\n    code = exc.code\n"
              "print(code, 'typer._adapters' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.stdout.splitlines()[-1] == "0 False", done.stdout + done.stderr
