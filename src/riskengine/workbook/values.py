"""Values between models, cells and YAML: which fields are written, and how each kind goes in a cell.

One rule decides what a file holds and what a cell shows: a field is written when it holds something
(not None, "", an empty list or mapping) and either differs from its default or was written in the
source file; a required field is always written. Export, import and the YAML writer all follow it,
so that YAML → XLSX → YAML is the identity.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from pydantic import BaseModel

from riskengine.i18n import LANGUAGES, catalogue
from riskengine.workbook.layout import Column

_EMPTY: tuple[Any, ...] = (None, "", [], {})
_TRUE = {"sì", "si", "vero", "true", "x", "yes"}
_FALSE = {"no", "falso", "false"}
_ITALIAN_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_DECIMAL_COMMA = re.compile(r"-?\d+,\d+")
_WHOLE = re.compile(r"-?\d{1,18}")
LIST_SEPARATOR = "\n"


def is_empty(value: Any) -> bool:
    """None, empty text, an empty list or mapping: nothing to write."""
    return any(value is e or (type(value) is type(e) and value == e) for e in _EMPTY)


def written(model: BaseModel, name: str) -> bool:
    """Whether field ``name`` of ``model`` is written to the file and the workbook."""
    value = getattr(model, name)
    info = type(model).model_fields[name]
    if info.is_required():
        return True
    if is_empty(value):
        return False
    return name in model.model_fields_set or value != info.get_default(call_default_factory=True)


def plain(model: BaseModel) -> dict[str, Any]:
    """The data a YAML file holds for ``model``: written fields only, in the model's order."""
    data: dict[str, Any] = {}
    for name in type(model).model_fields:
        if not written(model, name):
            continue
        data[name] = _plain_value(getattr(model, name))
    return data


def _plain_value(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return plain(value)
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain_value(v) for k, v in value.items()}
    return value


def value_at(model: BaseModel, key: tuple[str, ...]) -> Any:
    """The value a column shows for an item (None when not written)."""
    current: Any = model
    for name in key:
        if current is None:
            return None
        if isinstance(current, dict):
            current = current.get(name)
            continue
        if not written(current, name):
            return None
        current = getattr(current, name)
    return current


def decimal_cell(value: Decimal) -> float | str:
    """A number cell when the float shows exactly these digits, else the digits as text."""
    if value == value.to_integral_value() and int(value.as_tuple().exponent) >= 0:
        return int(value)
    as_float = float(value)
    return as_float if repr(as_float) == format(value, "f") else format(value, "f")


def to_cell(value: Any, column: Column) -> Any:
    """What a cell holds for ``value``: text, a number, a date, or "sì"/"no"."""
    if value is None:
        return None
    if column.many:
        return LIST_SEPARATOR.join(str(v) for v in value)
    if column.kind == "mapping":  # an empty mapping is an empty cell
        return LIST_SEPARATOR.join(f"{k}: {v}" for k, v in sorted(value.items())) or None
    if isinstance(value, bool):
        return "sì" if value else "no"
    if isinstance(value, Decimal):
        return decimal_cell(value)
    if isinstance(value, (dt.date, int, float)):
        return value
    return str(value)


def from_cell(value: Any, column: Column) -> Any:
    """The YAML value of a cell (the model then checks it and reports problems at the cell)."""
    if column.many:
        if isinstance(value, str):
            return [_choice(part.strip(), column) for part in value.split(LIST_SEPARATOR) if part.strip()]
        return [_scalar(value, column)]
    return _scalar(value, column)


def _choice(text: str, column: Column) -> str:
    """A word of a closed list typed as its label in any language ("In corso", "In progress") or with spaces for
    its dashes ("Da attuare"): the choice it stands for; any other text as it is (left to be refused, or not a
    choice at all). A choice typed as itself wins over a label that reads the same."""
    if not column.choices or text in column.choices:
        return text
    # the labels of the field (stato), or of the record it is a field of (esito_monitoraggio.esito)
    labelled = (_labelled(column.key[-1]) or _labelled(column.key[0])).get(text.strip().casefold())
    if labelled in column.choices:
        return labelled
    spelt = "-".join(text.split()).casefold()
    return spelt if spelt in column.choices else text


@cache
def _labelled(field: str) -> dict[str, str]:
    """The values of ``field`` by their labels (``valori.<field>.*`` of every language), casefolded."""
    prefix = f"valori.{field}."
    return {label.strip().casefold(): key[len(prefix):] for lang in LANGUAGES
            for key, label in catalogue(lang).items() if key.startswith(prefix)}


def _mapping(text: str) -> dict[str, str] | str:
    """``key: value`` lines as a mapping; text of another shape, or naming a key twice (the last would silently
    win), as it is: the model refuses it at its cell."""
    pairs = [line.partition(":") for line in text.splitlines() if line.strip()]
    keys = [key.strip() for key, _, _ in pairs]
    if not all(sep and key.strip() for key, sep, _ in pairs) or len(set(keys)) < len(keys):
        return text
    return {key.strip(): value.strip() for key, _, value in pairs}


def _scalar(value: Any, column: Column) -> Any:
    if column.kind == "mapping" and isinstance(value, str):
        return _mapping(value)
    if isinstance(value, dt.datetime):
        value = value.date() if value.time() == dt.time() else value
    if isinstance(value, float) and value.is_integer() and column.kind in ("int", "code", "text", "any"):
        value = int(value)
    if column.kind == "bool" and isinstance(value, str):
        word = value.strip().lower()
        return True if word in _TRUE else False if word in _FALSE else value
    if column.kind in ("choice", "date-or-choice") and isinstance(value, str):
        spelt = _choice(value, column)  # "In corso": in-corso
        if spelt != value:
            return spelt
    if column.kind in ("date", "date-or-choice") and isinstance(value, str):
        match = _ITALIAN_DATE.fullmatch(value.strip())
        if match:
            day, month, year = (int(g) for g in match.groups())
            try:
                return dt.date(year, month, day)
            except ValueError:
                return value
    if column.kind in ("decimal", "any") and isinstance(value, float):
        return Decimal(repr(value))
    if column.kind == "int" and isinstance(value, str) and _WHOLE.fullmatch(value.strip()):
        return int(value.strip())  # a number typed as text ('150), or with a space after it
    if column.kind in ("decimal", "any") and isinstance(value, str) and _DECIMAL_COMMA.fullmatch(value.strip()):
        value = value.strip().replace(",", ".")  # "4,5": the decimal comma of Italian
        if column.kind == "decimal":
            return value
    if column.kind == "any" and isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return value
        return int(number) if number == number.to_integral_value() and "." not in value else number
    return value
