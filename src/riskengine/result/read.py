"""Read a result file written by ``assess``: one clear error for anything that is not such a result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from riskengine.errors import Location, RiskengineError, fail
from riskengine.result.model import RESULT, RESULT_FORMAT

_HINT = "give the risultato.json that 'riskengine assess' writes, or assess the catalogue again"


def read_result(path: str | Path) -> dict[str, Any]:
    """The result in ``path``, checked against the declared result (:mod:`riskengine.result.model`).

    Raises :class:`RiskengineError` with one problem when the file cannot be read, is not JSON
    (e.g. truncated), is not a result, or is a result of another format version.
    """
    path = Path(path)
    where = Location(str(path))
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise fail(where, "no such result file", code="result", hint=_HINT) from None
    except IsADirectoryError:
        raise fail(where, "is a directory, not a result file", code="result", hint=_HINT) from None
    except UnicodeDecodeError:
        raise fail(where, "is not a result: not UTF-8 text", code="result", hint=_HINT) from None
    except OSError as exc:
        raise fail(where, f"cannot be read: {exc.strerror or exc}", code="result", hint=_HINT) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise fail(Location(str(path), exc.lineno, exc.colno),
                   f"is not valid JSON ({exc.msg}): the file is damaged or truncated", code="result",
                   hint=_HINT) from None
    except RecursionError:
        raise fail(where, "is not a result: JSON nested too deeply", code="result", hint=_HINT) from None
    if not isinstance(data, dict) or "formato" not in data:
        raise fail(where, "is not a riskengine result (no 'formato' key at the top)", code="result", hint=_HINT)
    if data["formato"] != RESULT_FORMAT:
        shown = str(data["formato"])[:60]
        raise fail(where, f"is a result of format '{shown}'; this riskengine reads '{RESULT_FORMAT}'",
                   code="result", hint="assess the catalogue again with this version of riskengine")
    try:
        RESULT.validate_python(data)
    except ValidationError as exc:
        raise _invalid(where, exc) from None
    return data


def _invalid(where: Location, exc: ValidationError) -> RiskengineError:
    """One problem for a result that does not have the declared shape: its first error, and how many more."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    place = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]).lstrip(".")
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return fail(where, f"is not a valid {RESULT_FORMAT} result: {place or 'top level'}: {first['msg']}{more}",
                code="result", hint=_HINT)
