"""Validate a loaded YAML document against a pydantic model, reporting problems where they are."""

from __future__ import annotations

import os
import re
import typing
from collections import defaultdict
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from riskengine.errors import Problem, shorten
from riskengine.gcpause import paused
from riskengine.source.document import Document
from riskengine.suggest import did_you_mean

M = TypeVar("M", bound=BaseModel)
# A mapping with more unknown keys than this, and more unknown keys than expected ones, is not the
# kind of mapping expected (a wrong file, or a link to one): one problem, without its keys.
MAX_UNKNOWN_KEYS = 5

_TYPE_WORDS = {
    "string_type": "text", "int_type": "a whole number", "int_parsing": "a whole number",
    "bool_type": "true or false", "bool_parsing": "true or false", "list_type": "a list",
    "dict_type": "a mapping (key: value)", "model_type": "a mapping (key: value)", "date_type": "a date (YYYY-MM-DD)",
    "date_parsing": "a date (YYYY-MM-DD)", "date_from_datetime_parsing": "a date (YYYY-MM-DD)",
    "decimal_type": "a number", "decimal_parsing": "a number", "float_type": "a number", "float_parsing": "a number",
}


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that owns the last key of ``loc``, following list and optional fields."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return None
        field = current.model_fields.get(str(part))
        if field is None:
            return None
        current = _unwrap(field.annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _unwrap(annotation: Any) -> Any:
    """Strip list[], Optional[] and Annotated[] down to the element type."""
    for _ in range(8):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return annotation
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if not args:
            return annotation
        annotation = args[0]
    return annotation


def problems_from_validation(doc: Document, model: type[BaseModel], error: ValidationError,
                             prefix: tuple[Any, ...] = ()) -> list[Problem]:
    """Translate pydantic errors into located, human-readable problems with suggestions."""
    problems: list[Problem] = []
    errors = error.errors(include_url=False)
    for err in errors:
        err["loc"] = tuple(p for p in err["loc"]
                           if not (isinstance(p, str) and ("[" in p or p.startswith("function-"))))
    foreign = _foreign_mappings(doc, model, errors, prefix)
    for place, count in sorted(foreign.items(), key=lambda item: str(item[0])):
        problems.append(_foreign_problem(doc, model, place, count, prefix))
    for err in errors:
        loc = err["loc"]
        kind = err["type"]
        if kind in ("extra_forbidden", "missing") and loc[:-1] in foreign:
            continue
        name = next((str(p) for p in reversed(loc) if not isinstance(p, int)), "")
        item = bool(loc) and isinstance(loc[-1], int)  # the error is about one item of the list 'name'
        what = f"an item of '{name}'" if item else f"'{name}'"
        full = prefix + loc
        hint = ""
        if kind == "extra_forbidden":
            owner = _model_at(model, loc[:-1])
            allowed = list(owner.model_fields) if owner else []
            location = doc.locate(full, key=True)
            message = f"unknown key '{shorten(name)}'"
            hint = did_you_mean(name, allowed) or ("allowed keys: " + ", ".join(allowed) if allowed else "")
        elif kind == "missing":
            location = doc.locate(full[:-1])
            message = f"missing required key '{name}'"
        elif kind == "literal_error":
            location = doc.locate(full)
            allowed = re.findall(r"'([^']*)'", err.get("ctx", {}).get("expected", ""))
            message = f"'{shorten(err['input'])}' is not a valid value for {what}"
            hint = did_you_mean(str(err["input"]), allowed)
        elif kind in _TYPE_WORDS:
            location = doc.locate(full)
            shown = err["input"]
            message = f"{what} must be {_TYPE_WORDS[kind]}, got {shorten(repr(shown))}"
        elif kind == "value_error":
            location = doc.locate(full)
            message = str(err["ctx"]["error"]) if "ctx" in err else err["msg"]
            if name and not item:
                message = f"'{name}': {message}"
        else:
            location = doc.locate(full)
            message = f"{what}: {err['msg']}" if name else err["msg"]
        problems.append(Problem(location, message, code="schema", hint=hint))
    return problems


def _foreign_mappings(doc: Document, model: type[BaseModel], errors: list[Any],
                      prefix: tuple[Any, ...]) -> dict[tuple[Any, ...], int]:
    """The mappings (by place) that do not look like what is expected there, with their unknown keys."""
    unknown: dict[tuple[Any, ...], int] = defaultdict(int)
    for err in errors:
        if err["type"] == "extra_forbidden":
            unknown[err["loc"][:-1]] += 1
    foreign = {}
    for owner, count in unknown.items():
        if count <= MAX_UNKNOWN_KEYS:
            continue
        expected = _model_at(model, owner) if owner else model
        mapping = _data_at(doc.data, prefix + owner)
        known = sum(1 for name in (expected.model_fields if expected else ()) if name in mapping)
        if count > known:
            foreign[owner] = count
    return foreign


def _data_at(data: Any, keys: tuple[Any, ...]) -> Any:
    for part in keys:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return {}
    return data if isinstance(data, dict) else {}


def _foreign_problem(doc: Document, model: type[BaseModel], owner: tuple[Any, ...], count: int,
                     prefix: tuple[Any, ...]) -> Problem:
    expected = _model_at(model, owner) if owner else model
    mapping = _data_at(doc.data, prefix + owner)
    first = next((k for k in mapping if expected is None or k not in expected.model_fields), None)
    where = doc.locate(prefix + owner + (first,), key=True) if first is not None else doc.locate(prefix + owner)
    if not owner:
        what = f"a {os.path.basename(doc.path)} file"
    else:
        name = next((str(p) for p in reversed(owner) if not isinstance(p, int)), "")
        what = f"an item of '{name}'" if isinstance(owner[-1], int) else f"'{name}'"
    return Problem(where, f"this does not look like {what}: {count:,} unknown keys, not shown", code="schema",
                   hint="expected the keys: " + ", ".join(expected.model_fields if expected else ()))


def validate_document(doc: Document, model: type[M], problems: list[Problem]) -> M | None:
    """Validate ``doc.data`` as ``model``; append problems and return None when it does not fit."""
    if doc.data is None:
        problems.append(Problem(doc.locate(()), "the file is empty", code="schema",
                                hint=f"expected the keys: {', '.join(model.model_fields)}"))
        return None
    if not isinstance(doc.data, dict):
        problems.append(Problem(doc.locate(()), "expected a mapping (key: value) at the top of the file",
                                code="schema", hint=f"expected the keys: {', '.join(model.model_fields)}"))
        return None
    try:
        with paused():  # builds many long-lived models and no garbage cycles (riskengine.gcpause)
            return model.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(problems_from_validation(doc, model, exc))
        return None
