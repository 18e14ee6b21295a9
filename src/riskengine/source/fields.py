"""Field types shared by every file model: codes, exact decimals, dates-or-'continua'."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from sys import intern
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, model_validator

from riskengine.errors import is_noncharacter, shorten
from riskengine.i18n import RefusalError
from riskengine.suggest import is_default_ignorable

MAX_CODE_LENGTH = 200
MAX_TEXT_LENGTH = 20_000  # a name or a description: about ten pages
# Characters a code cannot hold: controls, invisible formatting (zero-width, bidi), line or
# paragraph separators, and combining marks (a code is an identifier such as B2.1.1; a mark such as
# U+034F or a variation selector prints as nothing or on its neighbour). Two codes that differ by
# one of them print the same. Default-ignorable code points (Hangul fillers, tags) and the blank
# braille pattern, letters or symbols that print as nothing, are refused as well.
_NOT_IN_CODES = frozenset(("Cc", "Cf", "Zl", "Zp", "Mn", "Me", "Cs", "Cn"))  # Cs, Cn: no XML document may hold them
_BLANK_SYMBOLS = frozenset("\u2800")
# Removed from free text: C0 and C1 controls other than tab and newline (they act on terminals), and what no XML
# document may hold (surrogates, U+FFFE, U+FFFF: the workbooks and the Word annex could not be written).
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
# Exact numbers: at most 18 digits before the point (the engine's range ends near 9.2 x 10^12) and
# 40 after it (well past any precision a method declares, so its own check names the decimals).
MAX_INTEGER_DIGITS = 18
MAX_DECIMALS = 40


class Model(BaseModel):
    """Base of every file model: unknown keys are errors."""

    # defer_build: a model's validator is built when first used, not at import (a catalogue read from
    # the cache of linked catalogues is never validated again).
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True, defer_build=True)


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


def plain_fields(model: BaseModel, *, exclude_none: bool = False) -> dict[str, Any]:
    """``model.model_dump(exclude_none=...)``, read field by field: the file models have no serializer of their
    own, and ``model_dump`` builds the one each model defers (with pydantic's plugin lookup, which imports
    importlib.metadata): a twentieth of a second of a run that finds its method and catalogue in the caches."""
    fields = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if value is not None or not exclude_none:
            fields[name] = _plain(value, exclude_none)
    return fields


def _plain(value: Any, exclude_none: bool) -> Any:
    if isinstance(value, BaseModel):
        return plain_fields(value, exclude_none=exclude_none)
    if isinstance(value, list):
        return [_plain(item, exclude_none) for item in value]
    if isinstance(value, tuple):
        return tuple(_plain(item, exclude_none) for item in value)
    if isinstance(value, dict):
        return {key: _plain(item, exclude_none) for key, item in value.items()}
    return value


def _code(value: Any) -> Any:
    if type(value) is str:  # the usual case, with one check
        return _code_text(value)
    if isinstance(value, bool):
        raise RefusalError("problemi.valore.codice_booleano")
    if isinstance(value, int):
        if abs(value) >= 10 ** MAX_CODE_LENGTH:  # before str(), which refuses 4,300 digits and more
            raise RefusalError("problemi.valore.codice_numero_lungo", massimo=MAX_CODE_LENGTH, valore=shorten(value))
        return _code_text(str(value))  # bounded like any other code
    if isinstance(value, float):
        raise RefusalError("problemi.valore.codice_numero", valore=shorten(repr(value)))
    if isinstance(value, str):
        return _code_text(value)
    return value


def _code_text(value: str) -> str:
    value = value.strip()
    if not value:
        raise RefusalError("problemi.valore.codice_vuoto")
    if len(value) > MAX_CODE_LENGTH:
        raise RefusalError("problemi.valore.codice_lungo", massimo=MAX_CODE_LENGTH, lunghezza=len(value))
    if value.isascii() and value.isprintable():  # the usual case passes with these two checks
        return value
    for position, char in enumerate(value, start=1):
        category = unicodedata.category(char)
        if category in _NOT_IN_CODES or char in _BLANK_SYMBOLS or is_default_ignorable(char):
            name = unicodedata.name(char, _unnamed(char, category))
            kind = "combinanti" if category in ("Mn", "Me") else "invisibili"
            raise RefusalError(f"problemi.valore.codice_caratteri_{kind}", punto=f"U+{ord(char):04X}", nome=name,
                          posizione=position, codice=shorten(value))
    return value


def _unnamed(char: str, category: str) -> str:
    """What a character without a name is said to be: a noncharacter (U+FDD0-U+FDEF, the last two of a plane), an
    unassigned one, a surrogate, else a control character."""
    if category == "Cn" and is_noncharacter(char):
        return "noncharacter"
    return {"Cs": "surrogate", "Cn": "unassigned character"}.get(category, "control character")


def _clean_text(value: Any) -> Any:
    """Free text without control characters (other than tab and newline): they would act on terminals. At most
    ``MAX_TEXT_LENGTH`` characters: a name or a description is repeated in every table and sheet of the annex."""
    if type(value) is str and len(value) > MAX_TEXT_LENGTH:
        raise RefusalError("problemi.valore.testo_lungo", elementi=len(value), limite_caratteri=MAX_TEXT_LENGTH)
    if type(value) is str and not value.isprintable():
        return _CONTROL.sub("", value)
    return value


def _decimal(value: Any) -> Any:
    if isinstance(value, bool):
        raise RefusalError("problemi.valore.numero_booleano")
    if isinstance(value, float):  # repr: the digits as written (source.document.WrittenFloat)
        return _bounded(Decimal(repr(value)), repr(value))
    if isinstance(value, int):
        if abs(value) >= 10 ** MAX_INTEGER_DIGITS:  # before Decimal(), slow on a huge integer
            raise RefusalError("problemi.valore.numero_fuori_scala", valore=shorten(value), cifre=MAX_INTEGER_DIGITS)
        return Decimal(value)
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            if re.fullmatch(r"-?\d+,\d+", value.strip()):  # "17,5": the decimal comma of Italian
                raise RefusalError("problemi.valore.virgola_decimale", valore=shorten(value),
                                   numero=value.strip().replace(",", ".")) from None
            raise RefusalError("problemi.valore.numero_atteso", valore=shorten(value)) from None
        return _bounded(number, value.strip())
    return value


def _bounded(number: Decimal, written: str) -> Decimal:
    """``number`` if it is finite and within the digits any score, weight or edge needs."""
    if not number.is_finite():
        raise RefusalError("problemi.valore.numero_atteso", valore=shorten(written))
    if number and number.adjusted() >= MAX_INTEGER_DIGITS:
        raise RefusalError("problemi.valore.numero_fuori_scala", valore=shorten(written), cifre=MAX_INTEGER_DIGITS)
    if -number.as_tuple().exponent > MAX_DECIMALS:  # type: ignore[operator]  # finite: an int
        raise RefusalError("problemi.valore.troppi_decimali", valore=shorten(written), decimali=MAX_DECIMALS)
    return number


def _scadenza(value: Any) -> Any:
    if value is None:
        return value
    if isinstance(value, str) and value.strip().lower() == "continua":
        return "continua"
    if isinstance(value, (str, dt.date)):
        return day_of(value, refusal="problemi.valore.scadenza")
    raise RefusalError("problemi.valore.scadenza", valore=shorten(value))


def day_of(value: Any, refusal: str = "") -> Any:
    """A day: a date, or a date and time (a cell of a workbook, ``2026-01-31 10:00``) taken for its day, also as ISO
    text; a number, in figures or as text, is refused, where pydantic would read it as seconds since 1970 (``0`` as
    01/01/1970), and so is a day before 1901 (a workbook's cell gives the number typed into a date cell as
    such: riskengine.workbook.safety).

    ``refusal``: the key that refuses a text or a number, for a field that also takes words (scadenza: continua).
    """
    if isinstance(value, str):
        value = _day_of_text(value, refusal)
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        raise RefusalError(refusal or "problemi.valore.data_numero", valore=shorten(value))
    if isinstance(value, dt.date) and value < _FIRST_DAY:
        raise RefusalError("problemi.valore.data_remota", data=value.isoformat())
    return value


_FIRST_DAY = dt.date(1901, 1, 1)
# A day as text: YYYY-MM-DD, maybe followed by a time (not the other forms of ISO 8601 Python reads, 20260131 or
# 2026-W05-6: a number, a week).
_ISO_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}(?:[Tt ].*)?", re.ASCII)
_ITALIAN_DAY = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", re.ASCII)


def _day_of_text(value: str, refusal: str) -> dt.datetime:
    """The date and time a text writes in ISO form; a day written the Italian way (31/01/2026) is refused with the
    day to write, when there is such a day."""
    text = value.strip()
    if _ISO_TEXT.fullmatch(text):
        with contextlib.suppress(ValueError):
            return dt.datetime.fromisoformat(text)
    italian = _ITALIAN_DAY.fullmatch(text)
    iso = None
    if italian:
        day, month, year = (int(part) for part in italian.groups())
        with contextlib.suppress(ValueError):
            iso = dt.date(year, month, day)
    if iso is not None and iso >= _FIRST_DAY:
        raise RefusalError("problemi.valore.data_italiana", valore=shorten(value), scritto=iso.isoformat())
    raise RefusalError(refusal or "problemi.valore.data_testo", valore=shorten(value))


def _text(value: Any) -> Any:
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        return str(value)
    return _clean_text(value)


def _one_object(value: str) -> str:
    # Codes and texts repeat across a catalogue (a unit's code in each of its processes, the same risk described
    # in many): one object each (sys.intern), as the models, the graph and the cache of linked catalogues keep them.
    return intern(value)


SEVERITA_ITALIANE = {"errore": "error", "avviso": "warning", "nota": "info"}
"""A finding's severity as Italian writes it (the words ``check`` prints), for the one results keep."""


def _gravita(value: Any) -> Any:
    return SEVERITA_ITALIANE.get(value, value) if isinstance(value, str) else value


Code = Annotated[str, BeforeValidator(_code), AfterValidator(_one_object)]
Dec = Annotated[Decimal, BeforeValidator(_decimal)]
Text = Annotated[str, BeforeValidator(_text)]  # text, or a number written as text (target: 10)
CleanText = Annotated[str, BeforeValidator(_clean_text), AfterValidator(_one_object)]  # names and descriptions
Scadenza = Annotated[dt.date | Literal["continua"] | None, BeforeValidator(_scadenza)]
Giorno = Annotated[dt.date, BeforeValidator(day_of)]
Gravita = Annotated[Literal["error", "warning", "info"], BeforeValidator(_gravita)]  # 'errore' read as 'error'

# A date and time as text, taken for its day (day_of).
_DATE_AND_TIME = {"type": "string", "pattern": "^\\s*\\d{4}-\\d{2}-\\d{2}[Tt ]"}
# Values a file may hold that the validators above convert, beyond what the model keeps: the JSON
# Schemas (catalog/schema.py) accept them too, so that every file the loader accepts validates.
SCHEMA_ALTERNATIVES: dict[Any, list[dict[str, Any]]] = {
    _code: [{"type": "integer"}],  # codice: 7 is read as a number and kept as "7"
    _text: [{"type": "integer"}, {"type": "number"}],  # target: 10
    _scadenza: [{"type": "string", "pattern": "^\\s*[Cc][Oo][Nn][Tt][Ii][Nn][Uu][Aa]\\s*$"},  # Continua
                _DATE_AND_TIME],
    day_of: [_DATE_AND_TIME],
    _gravita: [{"enum": list(SEVERITA_ITALIANE)}],
}


def decimal_text(value: Decimal) -> str:
    """Plain fixed-point text for a Decimal (no exponent), as written in reports and JSON."""
    return format(value, "f")
