"""Read a result file written by ``assess``: one clear error for anything that is not such a result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

from pydantic import TypeAdapter, ValidationError

from riskengine.errors import Location, RiskengineError, fail, shorten
from riskengine.result.model import RESULT, RESULT_FORMAT, Process, scores_are_numbers
from riskengine.source.document import read_file

_HINT = "give the risultato.json that 'riskengine assess' writes, or assess the catalogue again"


def read_result(path: str | Path) -> dict[str, Any]:
    """The result in ``path``, checked against the declared result (:mod:`riskengine.result.model`).

    Raises :class:`RiskengineError` with one problem when the file cannot be read, is not JSON
    (e.g. truncated), is not a result, or is a result of another format version.
    """
    path = Path(path)
    where = Location(str(path))
    if not path.exists() and not path.is_symlink():
        raise fail(where, "no such result file", code="result", hint=_HINT)
    if path.is_dir():
        raise fail(where, "is a directory, not a result file", code="result", hint=_HINT)
    # Read like a catalogue file: regular files only (not /dev/zero, not a FIFO, which would hang),
    # without blocking, not through a link out of the file's folder, and within the size limit.
    try:
        raw = read_file(path)
    except RiskengineError as exc:  # its hint speaks of rule and catalogue files
        raise fail(where, exc.problems[0].message, code="result", hint=_HINT) from None
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
        raise fail(where, "is not a result: not UTF-8 text", code="result", hint=_HINT) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(Location(where.path, exc.lineno, exc.colno),
                   f"is not valid JSON ({exc.msg}): the file is damaged or truncated", code="result",
                   hint=_HINT) from None
    except RecursionError:
        raise fail(where, "is not a result: JSON nested too deeply", code="result", hint=_HINT) from None
    except ValueError as exc:  # e.g. an integer past Python's limit on digits converted at once
        reason = str(exc).split(";")[0]  # without its advice to the programmer (sys.set_int_max_str_digits)
        raise fail(where, f"is not a result: {shorten(reason, 120)}", code="result", hint=_HINT) from None


def _check_format(data: Any, where: Location) -> None:
    """One problem when ``data`` is not a result, or is a result of another format version."""
    if not isinstance(data, dict) or "formato" not in data:
        raise fail(where, "is not a riskengine result (no 'formato' key at the top)", code="result", hint=_HINT)
    if data["formato"] != RESULT_FORMAT:
        shown = str(data["formato"])[:60]
        raise fail(where, f"is a result of format '{shown}'; this riskengine reads '{RESULT_FORMAT}'",
                   code="result", hint="assess the catalogue again with this version of riskengine")


def _invalid(where: Location, exc: ValidationError) -> RiskengineError:
    """One problem for a result that does not have the declared shape: its first error, and how many more."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    place = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]).lstrip(".")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return fail(where, f"is not a valid {RESULT_FORMAT} result: {place or 'top level'}: {first['msg']}{more}",
                code="result", hint=_HINT)
