"""Field types shared by every file model: codes, exact decimals, dates-or-'continua'."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, model_validator

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class Model(BaseModel):
    """Base of every file model: unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)


class ItemModel(Model):
    """Base of the models a file holds by the thousand: processes, phases, events, measures, answers.

    pydantic gives every instance a set of its own with the names of the fields the file set
    (216-728 bytes each; pydantic/pydantic#12924 plans a compact form). Here instances share one
    immutable set per distinct set: for a national catalogue, over a million models and a few dozen
    sets, about a tenth of the memory of the loaded catalogue. These models are frozen: nothing
    changes a loaded catalogue. ``model_copy(update=...)`` is not available on them (pydantic
    updates the shared set) and hashing fails for those with list fields: build a new model instead.
    """

    model_config = ConfigDict(frozen=True)

    @model_validator(mode="after")
    def _share_fields_set(self) -> ItemModel:
        names = frozenset(self.__pydantic_fields_set__)
        object.__setattr__(self, "__pydantic_fields_set__", _FIELDS_SETS.setdefault(names, names))
        return self


_FIELDS_SETS: dict[frozenset[str], frozenset[str]] = {}


def _code(value: Any) -> Any:
    if type(value) is str:  # the usual case, with one check
        return _code_text(value)
    if isinstance(value, bool):
        raise ValueError("expected a code, got true/false: write it in quotes")
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        raise ValueError(f"YAML read this code as the number {value!r}: write it in quotes")
    if isinstance(value, str):
        return _code_text(value)
    return value


def _code_text(value: str) -> str:
    value = value.strip()
    if not value:
        raise ValueError("a code cannot be empty")
    if _CONTROL.search(value):
        raise ValueError("a code cannot contain control characters")
    return value


def _decimal(value: Any) -> Any:
    if isinstance(value, bool):
        raise ValueError("expected a number, got true/false")
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, (int, str)):
        try:
            return Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError(f"expected a number, got '{value}'") from None
    return value


def _scadenza(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip()
        if text.lower() == "continua":
            return "continua"
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError("expected a date (YYYY-MM-DD) or 'continua'") from None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date) or value is None:
        return value
    raise ValueError("expected a date (YYYY-MM-DD) or 'continua'")


def _text(value: Any) -> Any:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    return value


Code = Annotated[str, BeforeValidator(_code)]
Dec = Annotated[Decimal, BeforeValidator(_decimal)]
Text = Annotated[str, BeforeValidator(_text)]
Scadenza = Annotated[dt.date | Literal["continua"] | None, BeforeValidator(_scadenza)]

# Values a file may hold that the validators above convert, beyond what the model keeps: the JSON
# Schemas (catalog/schema.py) accept them too, so that every file the loader accepts validates.
SCHEMA_ALTERNATIVES: dict[Any, list[dict[str, Any]]] = {
    _code: [{"type": "integer"}],  # codice: 7 is read as a number and kept as "7"
    _text: [{"type": "integer"}, {"type": "number"}],  # target: 10
    _scadenza: [{"type": "string", "pattern": "^\\s*[Cc][Oo][Nn][Tt][Ii][Nn][Uu][Aa]\\s*$"}],  # Continua
}


def decimal_text(value: Decimal) -> str:
    """Plain fixed-point text for a Decimal (no exponent), as written in reports and JSON."""
    return format(value, "f")
