"""The catalogue workbook's layout, derived from the file models: one sheet per list, one column per field.

Columns are read off the pydantic models (a nested model's fields become dotted columns such as
``tratta.aree``; a list of plain values is one cell, one value per line), so that the workbook, its
import and docs/formats.md cannot drift from the files they mirror. Only what the models cannot say
is written here: sheet titles, which codes a column refers to, and how processes nest.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel

from riskengine.catalog.models import (
    Area,
    AreasFile,
    Corrispondenza,
    Ente,
    EventoRischioso,
    Fase,
    Fattore,
    Misura,
    NonApplicabile,
    Obbligo,
    Processo,
    Ruolo,
    Tassonomia,
    TrasparenzaFile,
    Unita,
)
from riskengine.i18n import Text
from riskengine.method.models import AssessmentFile, EsitoMonitoraggio
from riskengine.source.fields import _code

Kind = Literal["text", "code", "int", "bool", "date", "decimal", "choice", "date-or-choice", "any", "mapping"]


@dataclass(frozen=True)
class Column:
    """One column: the path of keys inside an item, the kind of value, and what it may hold."""

    key: tuple[str, ...]
    kind: Kind
    many: bool = False  # a list of values: one per line in the cell
    choices: tuple[str, ...] = ()  # the allowed words (a Literal), offered as a drop-down
    ref: str | None = None  # the codes it names (a list of the "Elenchi" sheet), offered as a drop-down
    required: bool = False

    @property
    def header(self) -> str:
        """The header cell: the YAML key, dotted for nested models (``tratta.aree``)."""
        return ".".join(self.key)


@dataclass(frozen=True)
class Table:
    """A sheet mirroring one list of a file (``misure`` of measures.yaml); ``owners``: columns naming the
    parent of each row (processes' phases and events)."""

    title: str
    file: str
    list_key: str
    model: type[BaseModel]
    columns: tuple[Column, ...]
    owners: tuple[Column, ...] = ()

    @property
    def all_columns(self) -> tuple[Column, ...]:
        """Owner columns first, then the item's own."""
        return self.owners + self.columns


# Which codes a field names, by (file, path of keys without list indexes): offered from "Elenchi".
REFS: dict[tuple[str, tuple[str, ...]], str] = {
    ("areas.yaml", ("tassonomia_principale",)): "tassonomie",
    ("areas.yaml", ("aree", "tassonomia")): "tassonomie",
    ("areas.yaml", ("corrispondenze", "da")): "aree",
    ("areas.yaml", ("corrispondenze", "a")): "aree",
    ("units.yaml", ("unita", "padre")): "unita",
    ("units.yaml", ("ruoli", "unita")): "unita",
    ("units.yaml", ("ruoli", "collettivo", "unita")): "unita",
    ("processes.yaml", ("processi", "aree")): "aree",
    ("processes.yaml", ("processi", "unita")): "responsabili",
    ("processes.yaml", ("eventi", "fattori")): "fattori",
    ("measures.yaml", ("misure", "responsabile")): "responsabili",
    ("measures.yaml", ("misure", "responsabili")): "responsabili",
    ("measures.yaml", ("misure", "supporto")): "responsabili",
    ("measures.yaml", ("misure", "tratta", "aree")): "aree",
    ("measures.yaml", ("misure", "tratta", "processi")): "processi",
    ("measures.yaml", ("misure", "tratta", "eventi")): "eventi",
    ("trasparenza.yaml", ("obblighi", "trasmissione")): "responsabili",
    ("trasparenza.yaml", ("obblighi", "pubblicazione")): "responsabili",
    ("assessment", ("monitoraggio", "misura")): "misure",
}


def _unwrap(annotation: Any) -> tuple[Any, bool, bool]:
    """(element type, is a list, is a code) of a field annotation, Optional and Annotated removed."""
    many = code = False
    for _ in range(6):
        origin = typing.get_origin(annotation)
        args = typing.get_args(annotation)
        if origin is typing.Annotated:
            code = code or any(getattr(m, "func", None) is _code for m in args[1:])
            annotation = args[0]
        elif origin is list:
            many, annotation = True, args[0]
        elif origin in (typing.Union, types.UnionType):
            rest = [a for a in args if a is not type(None)]
            if len(rest) != 1:
                return tuple(rest), many, code
            annotation = rest[0]
        else:
            break
    return annotation, many, code


def _kind(annotation: Any, code: bool, metadata: list[Any]) -> tuple[Kind, tuple[str, ...]]:
    if isinstance(annotation, tuple):  # a union: a date or a word (scadenza, aggiornamento)
        words = tuple(w for a in annotation if typing.get_origin(a) is Literal for w in typing.get_args(a))
        return "date-or-choice", words
    if typing.get_origin(annotation) is Literal:
        return "choice", tuple(typing.get_args(annotation))
    if typing.get_origin(annotation) is dict:  # ente.yaml's metodi_precedenti: a year and a method per line
        return "mapping", ()
    code = code or any(getattr(m, "func", None) is _code for m in metadata)
    simple: dict[Any, Kind] = {bool: "bool", int: "int", Decimal: "decimal", dt.date: "date"}
    if annotation in simple:
        return simple[annotation], ()
    if annotation is str:
        return ("code" if code else "text"), ()
    return "any", ()


def model_columns(model: type[BaseModel], file: str, list_key: str, *, skip: tuple[str, ...] = (),
                  prefix: tuple[str, ...] = (), optional: bool = False) -> tuple[Column, ...]:
    """The columns of ``model``'s fields (nested models flattened), except the fields in ``skip``."""
    columns: list[Column] = []
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        element, many, code = _unwrap(info.annotation)
        key = prefix + (name,)
        if isinstance(element, type) and issubclass(element, BaseModel):
            if many:
                raise TypeError(f"{model.__name__}.{name}: a list of models needs its own sheet")
            columns += model_columns(element, file, list_key, prefix=key,
                                     optional=optional or not info.is_required())
            continue
        kind, choices = _kind(element, code, list(info.metadata))
        ref_path = ((list_key,) if list_key else ()) + key
        columns.append(Column(key, kind, many=many, choices=choices, ref=REFS.get((file, ref_path)),
                              required=info.is_required() and not optional))
    return tuple(columns)


def _table(title: str, file: str, list_key: str, model: type[BaseModel],
           skip: tuple[str, ...] = (), owners: tuple[Column, ...] = (), first: tuple[str, ...] = ()) -> Table:
    """A sheet of ``model``'s columns; ``first``: fields brought to the left, where a reader looks first."""
    columns = model_columns(model, file, list_key, skip=skip)
    ordered = sorted(columns, key=lambda c: first.index(c.key[0]) if c.key[0] in first else len(first))
    return Table(title, file, list_key, model, tuple(ordered), owners)


PROCESS_OWNER = Column(("processo",), "code", ref="processi", required=True)
TABLES: tuple[Table, ...] = (  # each described by cartella.fogli.<list_key> of the message catalogue
    _table("Tassonomie", "areas.yaml", "tassonomie", Tassonomia),
    _table("Aree", "areas.yaml", "aree", Area),
    _table("Corrispondenze", "areas.yaml", "corrispondenze", Corrispondenza),
    _table("Unità", "units.yaml", "unita", Unita),
    _table("Ruoli", "units.yaml", "ruoli", Ruolo),
    _table("Fattori", "factors.yaml", "fattori", Fattore),
    _table("Processi", "processes.yaml", "processi", Processo, skip=("fasi", "eventi")),
    _table("Fasi", "processes.yaml", "fasi", Fase, skip=("fasi", "eventi"),
           owners=(PROCESS_OWNER, Column(("fase_padre",), "code", ref="fasi"))),
    _table("Eventi", "processes.yaml", "eventi", EventoRischioso,
           owners=(PROCESS_OWNER, Column(("fase",), "code", ref="fasi"))),
    _table("Misure", "measures.yaml", "misure", Misura,
           first=("codice", "nome", "tipologia", "ambito", "responsabile", "responsabili", "scadenza", "stato")),
    _table("Obblighi", "trasparenza.yaml", "obblighi", Obbligo),
    _table("Non applicabili", "trasparenza.yaml", "non_applicabili", NonApplicabile),
    _table("Monitoraggio", "assessment", "monitoraggio", EsitoMonitoraggio),
)
# The top-level fields of each file that are not lists of items: rows of the "Generale" sheet.
SETTINGS: tuple[tuple[str, tuple[Column, ...]], ...] = (
    ("ente.yaml", model_columns(Ente, "ente.yaml", "")),
    ("areas.yaml", model_columns(AreasFile, "areas.yaml", "", skip=("tassonomie", "aree", "corrispondenze"))),
    ("trasparenza.yaml", model_columns(TrasparenzaFile, "trasparenza.yaml", "",
                                       skip=("obblighi", "non_applicabili"))),
    ("assessment", model_columns(AssessmentFile, "assessment", "", skip=("valutazioni", "monitoraggio"))),
)
SETTINGS_SHEET = "Generale"
SETTINGS_HEADERS = ("file", "campo", "valore")
README_SHEET = "Leggimi"
LISTS_SHEET = "Elenchi"
ASSESSMENT_SHEET = "Valutazione"
ASSESSMENT_FILE = "assessment"  # stands for assessment-<anno>.yaml, the year in the "Generale" sheet
RESIDUAL_COLUMNS = (Column(("residuo", "rischio"), "decimal"), Column(("residuo", "livello"), "code", ref="livelli"),
                    Column(("residuo", "motivazione"), "text"))
CONFIRM_COLUMN = Column(("da_confermare",), "bool")
FILE_ORDER = ("ente.yaml", "areas.yaml", "units.yaml", "factors.yaml", "processes.yaml", "measures.yaml",
              "trasparenza.yaml", ASSESSMENT_FILE)


@dataclass
class AssessmentLayout:
    """The "Valutazione" sheet's columns for a method: the scored item, one answer column per indicator,
    the motivazione, one motivazione column per indicator, the re-rating and the confirmation flag."""

    level: str
    indicators: tuple[str, ...]
    answers: dict[str, tuple[str, ...]] = field(default_factory=dict)  # indicator → the answers of its scale

    @property
    def columns(self) -> tuple[Column, ...]:
        """Every column, in order."""
        return ((Column((self.level,), "code", ref=_LEVEL_REFS[self.level], required=True),)
                + tuple(Column(("risposte", i), "any", choices=self.answers.get(i, ())) for i in self.indicators)
                + (Column(("motivazione",), "text"),)
                + tuple(Column(("motivazioni", i), "text") for i in self.indicators)
                + RESIDUAL_COLUMNS + (CONFIRM_COLUMN,))


_LEVEL_REFS = {"processo": "processi", "fase": "fasi", "evento": "eventi"}


_KIND_WORDS = {"text": "text", "code": "code", "int": "whole number", "bool": "`sì` or `no`",
               "date": "date (dd/mm/yyyy)", "decimal": "number", "any": "an answer of the scale",
               "mapping": "`key: value`, one per line"}


def _values(column: Column) -> str:
    if column.kind == "choice":
        words = ", ".join(f"`{c}`" for c in column.choices)
    elif column.kind == "date-or-choice":
        words = "date (dd/mm/yyyy) or " + ", ".join(f"`{c}`" for c in column.choices)
    else:
        words = _KIND_WORDS[column.kind]
    return f"{words}, one per line" if column.many else words


def _rows(columns: tuple[Column, ...]) -> list[str]:
    lines = ["| column | values | required | drop-down |", "|---|---|---|---|"]
    for column in columns:
        menu = f"codes of «{column.ref}»" if column.ref else ("the values" if column.choices or column.kind == "bool"
                                                               else "—")
        lines.append(f"| `{column.header}` | {_values(column)} | {'yes' if column.required else '—'} | {menu} |")
    return lines


def layout_markdown() -> str:
    """The workbook's sheets and columns as Markdown (docs/formats.md holds it; a test keeps it in step)."""
    out = [f"#### Sheet «{SETTINGS_SHEET}»", "",
           "One row per field of a file that is not a list: `file`, `campo` (the key, dotted when nested), "
           "`valore`.", "", "| file | campo | values | required |", "|---|---|---|---|"]
    for file, columns in SETTINGS:
        shown = "assessment-<anno>.yaml" if file == ASSESSMENT_FILE else file
        out += [f"| `{shown}` | `{c.header}` | {_values(c)} | {'yes' if c.required else '—'} |" for c in columns]
    out.append("")
    for table in TABLES:
        file = "assessment-<anno>.yaml" if table.file == ASSESSMENT_FILE else table.file
        description = Text("en")(f"cartella.fogli.{table.list_key}")
        out += [f"#### Sheet «{table.title}»", "", f"`{file}`, list `{table.list_key}`: {description}.", ""]
        out += _rows(table.all_columns) + [""]
    example = AssessmentLayout("processo", ("P1",))
    out += [f"#### Sheet «{ASSESSMENT_SHEET}»", "",
            "`assessment-<anno>.yaml`, list `valutazioni`: one row per item the method scores (`processo`, "
            "`fase` or `evento`), one `risposte.<indicator>` and one `motivazioni.<indicator>` column per "
            "indicator of the method (shown here for an indicator `P1`).", ""]
    out += _rows(example.columns) + [""]
    return "\n".join(out)
