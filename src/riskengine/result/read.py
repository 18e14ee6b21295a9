"""Read a result file written by ``assess``: one clear error for anything that is not such a result."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any, cast

from pydantic import TypeAdapter, ValidationError

from riskengine.errors import Location, RiskengineError, shorten
from riskengine.i18n import refuse, wording
from riskengine.result.model import RESULT, RESULT_FORMAT, Process, scores_are_numbers
from riskengine.source.document import read_file

_HINT = "problemi.risultato.suggerimento.risultato"


def _refuse(where: Location, key: str, hint: str = "risultato", **values: Any) -> RiskengineError:
    """One located problem about a result file, worded by ``problemi.risultato.<key>``."""
    return refuse(where, f"problemi.risultato.{key}", code="result",
                  hint_key=f"problemi.risultato.suggerimento.{hint}", **values)


def read_result(path: str | Path) -> dict[str, Any]:
    """The result in ``path``, checked against the declared result (:mod:`riskengine.result.model`).

    Raises :class:`RiskengineError` with one problem when the file cannot be read, is not JSON
    (e.g. truncated), is not a result, or is a result of another format version.
    """
    path = Path(path)
    where = Location(str(path))
    if not path.exists() and not path.is_symlink():
        raise _refuse(where, "inesistente")
    if path.is_dir():
        raise _refuse(where, "cartella")
    # Read like a catalogue file: regular files only (not /dev/zero, not a FIFO, which would hang),
    # without blocking, not through a link out of the file's folder, and within the size limit.
    try:
        raw = read_file(path)
    except RiskengineError as exc:  # its hint speaks of rule and catalogue files
        # the file's own problem, worded by its key, with the hint of a result file
        raise RiskengineError([replace(exc.problems[0], location=where, code="result", hint=wording(_HINT),
                                       hint_key=_HINT)]) from None
    validated = _validated(raw)
    if validated is not None:
        _check_format(validated, where)
        return validated
    try:  # not valid read a part at a time: pydantic's validation of the whole says why, or confirms it is valid
        data = RESULT.validate_json(raw)
    except ValidationError as exc:
        # Not a valid result: the standard parser and the checks below say why, in the user's terms.
        data = _parse(raw, where)
        _check_format(data, where)
        raise _invalid(where, exc) from None
    _check_format(data, where)
    return cast(dict[str, Any], data)


_PROCESS: TypeAdapter[Process] = TypeAdapter(Process)


def _validated(raw: bytes) -> dict[str, Any] | None:
    """The result in ``raw`` validated as :data:`RESULT` validates it, in little memory; None when it is not valid.

    The JSON is parsed with equal texts made one object (a result repeats a few thousand texts millions of times),
    then validated a part at a time (the processes one by one), so that a large result is never held twice.
    """
    from pydantic_core import from_json

    try:
        data = from_json(raw, cache_strings="all")
        if not isinstance(data, dict) or not isinstance(data.get("processi"), list):
            return None
        processes = data["processi"]
        data["processi"] = []
        result = cast(dict[str, Any], RESULT.validate_python(data))
        for index, process in enumerate(processes):
            processes[index] = _PROCESS.validate_python(process)
        result["processi"] = processes
        scores_are_numbers(result)  # type: ignore[arg-type]
    except (ValueError, RecursionError):  # ValidationError included: read_result says why
        return None
    return result


def _parse(raw: bytes, where: Location) -> Any:
    """The JSON value of ``raw``, or one problem saying why it is not JSON."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(where, "non_utf8") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _refuse(Location(where.path, exc.lineno, exc.colno), "json", causa=exc.msg) from None
    except RecursionError:
        raise _refuse(where, "annidato") from None
    except ValueError as exc:  # e.g. an integer past Python's limit on digits converted at once
        reason = str(exc).split(";")[0]  # without its advice to the programmer (sys.set_int_max_str_digits)
        raise _refuse(where, "non_risultato", causa=shorten(reason, 120)) from None


def _check_format(data: Any, where: Location) -> None:
    """One problem when ``data`` is not a result, or is a result of another format version."""
    if not isinstance(data, dict) or "formato" not in data:
        raise _refuse(where, "senza_formato")
    if data["formato"] != RESULT_FORMAT:
        shown = str(data["formato"])[:60]
        raise _refuse(where, "altro_formato", hint="versione", formato=shown, atteso=RESULT_FORMAT)


def _invalid(where: Location, exc: ValidationError) -> RiskengineError:
    """One problem for a result that does not have the declared shape: its first error, and how many more."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    place = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]).lstrip(".")
    return _refuse(where, "non_valido", atteso=RESULT_FORMAT, causa=first["msg"], n=len(errors) - 1,
                   **({"dove": place} if place else {"dove_chiave": "problemi.risultato.cima"}),
                   **({"altri_chiave": "problemi.risultato.altri"} if len(errors) > 1 else {"altri": ""}))
