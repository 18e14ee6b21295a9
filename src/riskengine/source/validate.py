"""Validate a loaded YAML document against a pydantic model, reporting problems where they are."""

from __future__ import annotations

import datetime as dt
import os
import re
import typing
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from annotated_types import Ge, Le
from pydantic import BaseModel, ValidationError

from riskengine.errors import Location, Problem, shorten
from riskengine.gcpause import paused
from riskengine.i18n import RefusalError, said, wording
from riskengine.source.document import Document
from riskengine.suggest import closest, did_you_mean

M = TypeVar("M", bound=BaseModel)
# A mapping with more unknown keys than this, and more unknown keys than expected ones, is not the
# kind of mapping expected (a wrong file, or a link to one): one problem, without its keys.
MAX_UNKNOWN_KEYS = 5

# What each type error of pydantic expected: ``problemi.tipo.<word>`` of the message catalogue.
TYPE_WORDS = {
    "string_type": "testo", "int_type": "intero", "int_parsing": "intero",
    "bool_type": "vero_falso", "bool_parsing": "vero_falso", "list_type": "lista",
    "dict_type": "mappa", "model_type": "mappa", "date_type": "data",
    "date_parsing": "data", "date_from_datetime_parsing": "data",
    "decimal_type": "numero", "decimal_parsing": "numero", "float_type": "numero", "float_parsing": "numero",
    "int_from_float": "intero", "finite_number": "numero",
}


# Pydantic's limits of a field (Field(ge=…, min_length=…)): the value of the limit in the error's context.
LIMITS = {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt", "less_than_equal": "le",
           "string_too_short": "min_length", "string_too_long": "max_length", "too_short": "min_length",
           "too_long": "max_length", "string_pattern_mismatch": "pattern"}
# The forms the models declare as patterns, worded (problemi.forma.*): a reader is not shown a regular expression.
FORMS = {r"^[a-z0-9][a-z0-9-]*$": "codice_minuscolo", r"^[A-Za-z][A-Za-z0-9_]*$": "codice_indicatore",
         r"^#[0-9a-fA-F]{6}$": "colore", r"^-?[0-9]{1,18}(\.[0-9]{1,40})?$": "numero_testo",
         r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$": "data_iso"}


def form_values(pattern: str) -> dict[str, str]:
    """The values that word a pattern a value does not match as ``{forma}``: by key when the models declare it."""
    return {"forma": pattern, **({"forma_chiave": f"problemi.forma.{FORMS[pattern]}"} if pattern in FORMS else {})}


def written(value: Any) -> str:
    """A value read from a file, as the file writes it: true, false and null as YAML spells them (not Python's True
    and None), a date and time with a space, other values as text."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _as_written(value: Any) -> str:
    """A value found where another type was expected: as :func:`written`, text and collections quoted as Python
    writes them."""
    return repr(value) if isinstance(value, (str, list, dict)) else written(value)


def _out_of_limits(where: Location, kind: str, err: Any, name: str, element: str, *,
                   fraction: bool = False, cells: bool = False) -> Problem:
    """A value beyond a limit of its field, worded by ``problemi.limite.<kind>`` (an empty one as such).

    Past 1 in a ``fraction`` field (0 to 1), a percentage written as a whole number (25 for 0.25) is told the
    fraction to write (:func:`_fraction_hint`).
    """
    # a decimal limit of a custom type reaches the context as its repr: Decimal('100')
    limit = re.sub(r"^Decimal\('(.*)'\)$", r"\1", str(err.get("ctx", {}).get(LIMITS[kind])))
    given = err.get("input")
    if kind in ("string_too_short", "too_short") and limit == "1":
        kind = "vuoto"
    values: dict[str, Any] = {"elemento": wording(element, chiave=name), "elemento_chiave": element, "chiave": name,
                              **(form_values(limit) if kind == "string_pattern_mismatch" else {"limite": limit})}
    if kind.startswith(("greater", "less")):
        values["numero_trovato"] = shorten(given)
    elif kind != "string_pattern_mismatch":
        values["lunghezza"] = len(given) if hasattr(given, "__len__") else "?"
    percent = _percent(given) if fraction and kind == "less_than_equal" else None
    if percent is not None:
        values.update(_fraction_hint(percent, cells))
    return said(where, f"problemi.limite.{kind}", code="schema", **values)


def _percent(given: Any, *, above: int = 1) -> str | None:
    """The fraction a number past ``above`` and up to 100 stands for as a percentage (25 → 0.25), written plainly."""
    try:
        number = Decimal(str(given))
        return f"{(number / 100).normalize():f}" if above < number <= 100 else None
    except (InvalidOperation, ValueError):  # not a number, or one Python cannot write (NaN, thousands of digits)
        return None


def _percent_written(given: Any, cells: bool) -> dict[str, Any]:
    """The hint for a percentage written with its sign (``25%``) where a fraction is expected: the fraction to write,
    as :func:`_out_of_limits` says it for 25 (with the sign, 1% and 0.5% too); empty for any other text."""
    # ASCII digits, as YAML reads numbers; any space, as text pasted from a document has ("25\u00a0%")
    found = re.fullmatch(r"\s*([0-9]+(?:[.,][0-9]+)?)\s*%\s*", given) if isinstance(given, str) else None
    number = found.group(1).replace(",", ".") if found else ""
    percent = _percent(number, above=0) if number else None
    if percent is None:
        return {}
    return {**_fraction_hint(percent, cells), "numero_trovato": Decimal(number)}


def _fraction_hint(percent: str, cells: bool) -> dict[str, Any]:
    """The hint to write the fraction ``percent`` (0.25) in place of a percentage: as YAML writes it, or as a
    sheet's ``cells`` are typed (a decimal comma in Italian)."""
    written_as = "frazione_cella" if cells else "frazione"
    return {"hint_key": f"problemi.suggerimento.{written_as}", written_as: percent}


def _is_fraction(owner: type[BaseModel] | None, name: str) -> bool:
    """Whether the field ``name`` of ``owner`` takes a fraction: a number from 0 to 1 (an efficacy)."""
    field = owner.model_fields.get(name) if owner else None
    limits = field.metadata if field else []
    return any(isinstance(m, Ge) and m.ge == 0 for m in limits) and any(isinstance(m, Le) and m.le == 1
                                                                         for m in limits)


def _as_list(given: Any) -> str | None:
    """A single value given where a list is expected, as the list of it to write (``A`` → ``[A]``); None for a
    value that is no single scalar, or that cannot stand unquoted between brackets."""
    if isinstance(given, bool) or not isinstance(given, (str, int, Decimal, float)):
        return None
    text = written(given).strip()
    if not text or shorten(text) != text or re.search(r"[\[\]{}#&*!|>'\"%@`]|: ", text):
        return None
    return f"[{text}]"


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
    misspelt = _misspellings(errors)
    for err in errors:
        loc = err["loc"]
        kind = err["type"]
        if kind in ("extra_forbidden", "missing") and loc[:-1] in foreign:
            continue
        if kind == "missing" and loc[-1] in misspelt.get(loc[:-1], {}).values():
            continue  # said at the unknown key that misspells it
        name = next((str(p) for p in reversed(loc) if not isinstance(p, int)), "")
        item = bool(loc) and isinstance(loc[-1], int)  # the error is about one item of the list 'name'
        # The element: 'name', or an item of 'name' (problemi.elemento.*), worded in each language.
        element = "problemi.elemento.voce" if item else "problemi.elemento.chiave"
        full = prefix + loc
        if kind == "extra_forbidden":
            owner = _model_at(model, loc[:-1])
            allowed = list(owner.model_fields) if owner else []
            meant = misspelt.get(loc[:-1], {}).get(str(loc[-1]))
            suggestion = did_you_mean(name, [meant] if meant else allowed)
            problems.append(said(doc.locate(full, key=True), "problemi.chiave_sconosciuta", code="schema",
                                 hint=suggestion, hint_key="" if suggestion or not allowed else
                                 "problemi.suggerimento.chiavi_ammesse", chiave=shorten(name),
                                 chiavi=", ".join(allowed)))
        elif kind == "missing" and (cell := doc.empty_cell(full)) is not None:  # a workbook's cell left empty
            problems.append(said(cell[0], "problemi.cartella.cella_vuota", code="schema", colonna=cell[1],
                                 hint_key="problemi.cartella.suggerimento.cella_vuota"))
        elif kind == "missing":
            problems.append(said(doc.locate(full[:-1]), "problemi.chiave_mancante", code="schema", chiave=name))
        elif kind == "literal_error":
            allowed = re.findall(r"'([^']*)'", err.get("ctx", {}).get("expected", ""))
            problems.append(said(doc.locate(full), "problemi.valore_non_ammesso", code="schema",
                                 hint=did_you_mean(str(err["input"]), allowed), valore=shorten(written(err["input"])),
                                 elemento=wording(element, chiave=name), chiave=name, elemento_chiave=element))
        elif kind in TYPE_WORDS:
            # a list of mappings (band rows, roles) is not mended by brackets around one word
            listed = _as_list(err["input"]) if kind == "list_type" and _model_at(model, loc) is None else None
            as_list: dict[str, Any] = {"scritto": listed} if listed else {}
            problems.append(said(doc.locate(full), "problemi.tipo_errato", code="schema",
                                 hint_key="problemi.suggerimento.elenco" if listed else "", **as_list,
                                 elemento=wording(element, chiave=name), chiave=name, elemento_chiave=element,
                                 atteso=wording(f"problemi.tipo.{TYPE_WORDS[kind]}"),
                                 atteso_chiave=f"problemi.tipo.{TYPE_WORDS[kind]}",
                                 trovato=shorten(_as_written(err["input"]))))
        elif kind in LIMITS:
            fraction = not item and _is_fraction(_model_at(model, loc[:-1]), name)
            problems.append(_out_of_limits(doc.locate(full), kind, err, name, element, fraction=fraction,
                                           cells=doc.cells))
        elif kind == "value_error" and isinstance(err.get("ctx", {}).get("error"), RefusalError):
            refusal = err["ctx"]["error"]
            named = {"campo": name} if name and not item else {}
            text = wording(refusal.key, **refusal.values)
            values: dict[str, Any] = {**refusal.values, **named}
            # "25%" where a fraction is expected: the fraction to write, as for 25
            written_as = _percent_written(err["input"], doc.cells) \
                if refusal.key == "problemi.valore.numero_atteso" and not item \
                and _is_fraction(_model_at(model, loc[:-1]), name) else {}
            problem = said(doc.locate(full), refusal.key, code="schema", **values, **written_as)
            if named:  # framed as problemi.nel_campo: 'key': refusal
                problem = Problem(problem.location, wording("problemi.nel_campo", campo=name, testo=text),
                                  code="schema", hint=problem.hint, args=problem.args, key=refusal.key,
                                  hint_key=problem.hint_key)
            problems.append(problem)
        else:
            message = str(err["ctx"]["error"]) if kind == "value_error" and "ctx" in err else err["msg"]
            if name and not (kind == "value_error" and item):
                message = f"'{name}': {message}" if kind == "value_error" else \
                    f"{wording(element, chiave=name)}: {message}"
            problems.append(Problem(doc.locate(full), message, code="schema"))
    return problems


def _misspellings(errors: list[Any]) -> dict[tuple[Any, ...], dict[str, str]]:
    """The unknown keys of each mapping (by place) close to a required key it lacks, with that key: a misspelt
    key, said once at the key as written (the missing key follows from it)."""
    missing: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    unknown: dict[tuple[Any, ...], list[str]] = defaultdict(list)
    for err in errors:
        loc = err["loc"]
        if loc and isinstance(loc[-1], str) and err["type"] in ("missing", "extra_forbidden"):
            (missing if err["type"] == "missing" else unknown)[loc[:-1]].append(loc[-1])
    found: dict[tuple[Any, ...], dict[str, str]] = {}
    for owner, names in unknown.items():
        if owner in missing:
            close = {name: meant for name in names if (meant := closest(name, missing[owner])) is not None}
            if close:
                found[owner] = close
    return found


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
    keys = ", ".join(expected.model_fields if expected else ())
    if not owner:
        return said(where, "problemi.non_sembra_file", code="schema", hint_key="problemi.suggerimento.chiavi_attese",
                    file=os.path.basename(doc.path), n=count, chiavi=keys)
    name = next((str(p) for p in reversed(owner) if not isinstance(p, int)), "")
    element = "problemi.elemento.voce" if isinstance(owner[-1], int) else "problemi.elemento.chiave"
    return said(where, "problemi.non_sembra", code="schema", hint_key="problemi.suggerimento.chiavi_attese",
                elemento=wording(element, chiave=name), chiave=name, elemento_chiave=element, n=count, chiavi=keys)


def validate_document(doc: Document, model: type[M], problems: list[Problem]) -> M | None:
    """Validate ``doc.data`` as ``model``; append problems and return None when it does not fit."""
    if doc.data is None:
        problems.append(said(doc.locate(()), "problemi.file_vuoto", code="schema",
                             hint_key="problemi.suggerimento.chiavi_attese", chiavi=", ".join(model.model_fields)))
        return None
    if not isinstance(doc.data, dict):
        problems.append(said(doc.locate(()), "problemi.non_mappa", code="schema",
                             hint_key="problemi.suggerimento.chiavi_attese", chiavi=", ".join(model.model_fields)))
        return None
    try:
        with paused():  # builds many long-lived models and no garbage cycles (riskengine.gcpause)
            return model.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(problems_from_validation(doc, model, exc))
        return None
