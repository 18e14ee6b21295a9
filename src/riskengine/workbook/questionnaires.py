"""Self-assessment questionnaires: one workbook per unit, for the first-level monitoring of the year.

Each unit gets its processes (or their phases or events, when the method scores there) with one
drop-down per indicator (the method's answers, the scale's help text as the cell prompt and in full in
the "Scale" sheet), a motivazione column, and the measures it leads with their status and monitoring
columns. The structure is protected (sheets locked, only the answer cells editable); the unit, the year
and the catalogue are recorded in the first sheet ("Questionario"), which ``raccogli`` reads back. Its
words are the message catalogue's (``questionario.*``), in the language of the run.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any, get_args

from riskengine.answers.load import allowed_answers
from riskengine.graph import queries as q
from riskengine.graph.build import PART_OF, CatalogGraph
from riskengine.i18n import LANGUAGES, Text, indicator_label
from riskengine.method.load import Method
from riskengine.method.models import AssessmentFile, Giudizio, StatoMisura
from riskengine.workbook import sheets as sh
from riskengine.workbook.layout import Column
from riskengine.workbook.safety import column_letter
from riskengine.workbook.values import decimal_cell, to_cell

# The sheets (named by ``questionario.fogli.<key>``), the cells of the first that identify the file (label in A, by
# ``questionario.info.<key>``, value in B) and the columns of the measures: in the language of the run; raccogli
# reads them back in any language (and questionnaires written with the keys themselves as headings).
SHEETS = ("info", "valutazione", "misure", "scale")
INFO_ROWS = ("ente", "unita", "nome_unita", "anno", "metodo", "livello")
MEASURE_COLUMNS = ("codice", "nome", "scadenza", "indicatore", "target", "stato", "verifiche_previste",
                   "verifiche_eseguite", "note")
MEASURE_EDITABLE = ("stato", "verifiche_previste", "verifiche_eseguite", "note")
STATI: tuple[str, ...] = get_args(StatoMisura)
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class Questionnaire:
    """One unit's questionnaire: the file name and its bytes."""

    unit: str
    name: str
    content: bytes


def _folded(text: str) -> str:
    """A heading as compared: composed accents, single spaces, any case."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


@cache
def _fixed_headings() -> frozenset[str]:
    """The answers sheet's own headings in every language, and their keys (a questionnaire may be written with
    them): an indicator's name alone must not read as one of them."""
    keys = ("codice", "nome", "processo", "motivazione")
    return frozenset(_folded(text) for lang in LANGUAGES for key in keys
                     for text in (key, Text(lang)(f"questionario.intestazioni.{key}")))


def _named_alone(method: Method) -> dict[str, str]:
    """The indicators a heading may name by their name alone, by folded name: each name that no other indicator
    and no other column of the sheet has."""
    names = Counter(_folded(i.nome) for i in method.model.indicatori)
    return {_folded(i.nome): i.codice for i in method.model.indicatori
            if names[_folded(i.nome)] == 1 and _folded(i.nome) not in _fixed_headings()}


def answer_headers(method: Method) -> dict[str, str]:
    """The header of each indicator's column, by code, as a unit head reads it: ``P1 – Discrezionalità`` for a short
    code, the name alone for an identifier (``Livello di interesse esterno``, not ``interesse_esterno – …``), and
    ``code – name`` where the name alone would be ambiguous. ``raccogli`` reads every form back."""
    alone = _named_alone(method)
    headers = {}
    for indicator in method.model.indicatori:
        label = indicator_label(indicator.codice, indicator.nome)
        headers[indicator.codice] = label if label != indicator.nome or _folded(label) in alone \
            else f"{indicator.codice} – {indicator.nome}"
    return headers


def indicators_of_headers(method: Method, texts: Iterable[str]) -> dict[str, str]:
    """The indicator each answer column's header names, by header: by its name alone, or by the code before `` – ``
    (the form of short codes, and of every questionnaire written before names stood alone); headers naming no
    indicator of ``method`` are left out."""
    alone = _named_alone(method)
    codes = {i.codice for i in method.model.indicatori}
    found = {}
    for text in texts:
        code = alone.get(_folded(text)) or text.split(" – ", 1)[0].strip()
        if code in codes:
            found[text] = code
    return found


def items_of_unit(cg: CatalogGraph, unit: str, level: str) -> list[str]:
    """The nodes the unit assesses: its processes, or their phases or events, in file order."""
    processes = sorted(q.processes_of_unit(cg, unit), key=lambda n: cg.attrs(n)["path"])
    if level == "processo":
        return processes
    if level == "fase":
        return [f for p in processes for f in q.descendants(cg, p)]
    return [e for p in processes for e in q.events_of(cg, p)]


def measures_of(cg: CatalogGraph, unit: str) -> list[str]:
    """The measures the unit leads, itself or through a role placed in it (the RPCT in the Segreteria), in
    file order."""
    roles = [r for r in cg.sources(unit, PART_OF) if cg.attrs(r)["kind"] == "role"]
    led = set(q.measures_of_unit(cg, unit)[0]).union(*(q.measures_of_unit(cg, r)[0] for r in roles))
    return sorted(led, key=lambda n: cg.attrs(n)["path"])


def file_name(unit: str, year: int, taken: set[str]) -> str:
    """``questionario-<unit>-<year>.xlsx``: the code made safe for a file name, unique in the folder."""
    base = _UNSAFE_NAME.sub("_", unit).strip("._") or "unita"
    name, n = f"questionario-{base}-{year}.xlsx", 2
    while name.lower() in taken:
        name, n = f"questionario-{base}-{n}-{year}.xlsx", n + 1
    taken.add(name.lower())
    return name


def _scale_help(method: Method, code: str) -> str:
    indicator = next(i for i in method.model.indicatori if i.codice == code)
    options = "; ".join(f"{o.codice or decimal_cell(o.valore)} = {o.etichetta}"
                        for o in method.scale_of(indicator).opzioni)
    return (indicator.domanda + "\n" if indicator.domanda else "") + options


PROMPT_CHARS = 255  # Excel's limit for a cell's prompt


def _prompt(text: str, words: Text) -> str:
    """The scale's help as a cell's prompt: whole words within Excel's limit, pointing to the sheet that has it all."""
    if len(text) <= PROMPT_CHARS:
        return text
    more = " … " + words("questionario.prompt_continua", foglio=words("questionario.fogli.scale"))
    return text[:PROMPT_CHARS - len(more)].rsplit(None, 1)[0].rstrip(";,.") + more


TITLE_CHARS = 32  # Excel's limit for a prompt's title


def _title(text: str) -> str:
    """An indicator's header as a prompt's title: whole words within Excel's limit."""
    return text if len(text) <= TITLE_CHARS else text[:TITLE_CHARS - 1].rsplit(None, 1)[0] + "…"


def _unlock(cell: Any) -> None:
    from openpyxl.styles import PatternFill, Protection

    cell.protection = Protection(locked=False)
    cell.fill = PatternFill("solid", fgColor="FFF8DC")  # the cells to fill, visibly


def _protect(ws: Any) -> None:
    ws.protection.sheet = True
    ws.protection.formatColumns = False  # widths may still be changed
    ws.protection.autoFilter = False


def _answer_value(giudizio: Giudizio | None, code: str) -> Any:
    if giudizio is None or code not in giudizio.risposte:
        return None
    raw = giudizio.risposte[code]
    return decimal_cell(raw) if not isinstance(raw, (str, int, float)) else raw


def unit_questionnaire(cg: CatalogGraph, method: Method, unit: str, year: int,
                       assessment: AssessmentFile | None, words: Text) -> bytes:
    """The workbook of one unit (a node ``unit:CODE``), pre-filled with the answers of ``assessment``, in the
    language of ``words``."""
    from openpyxl import Workbook
    from openpyxl.worksheet.datavalidation import DataValidation

    level = method.model.valutazione.livello
    indicators = [i.codice for i in method.model.indicatori]
    given = {g.oggetto: g for g in assessment.valutazioni} if assessment else {}
    monitored = {e.misura: e for e in assessment.monitoraggio} if assessment else {}
    sheet = {key: words(f"questionario.fogli.{key}") for key in SHEETS}

    def heading(key: str) -> str:
        return words(f"questionario.intestazioni.{key}")

    book = Workbook()
    info = book.active
    info.title = sheet["info"]
    values = {"ente": cg.catalog.ente.codice, "unita": cg.code(unit), "nome_unita": cg.attrs(unit)["label"],
              "anno": year, "metodo": method.model.metodo.nome,
              "livello": words(f"problemi.questionario.livello.{level}")}
    for row, key in enumerate(INFO_ROWS, start=1):
        sh.set_cell(info, row, 1, words(f"questionario.info.{key}")).font = sh.bold()
        sh.set_cell(info, row, 2, values[key])
    for line in range(1, 6):
        sh.set_cell(info, len(INFO_ROWS) + 1 + line, 1, words(f"questionario.guida.riga_{line}", anno=str(year),
                                                              ente=cg.catalog.ente.nome, unita=values["nome_unita"],
                                                              **sheet))
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 22, 70
    _protect(info)

    ws = book.create_sheet(sheet["valutazione"])
    items = items_of_unit(cg, unit, level)
    headers = [heading("codice"), heading("nome")] + ([] if level == "processo" else [heading("processo")])
    fixed = len(headers)
    header_of = answer_headers(method)
    headers += [header_of[c] for c in indicators] + [heading("motivazione")]
    notes = {fixed + 1 + i: _scale_help(method, c) for i, c in enumerate(indicators)}
    sh.style_header(ws, headers, notes=notes)
    for row, node in enumerate(items, start=2):
        obj = cg.obj(node)
        code = cg.code(node)
        cells: list[Any] = [code, obj.descrizione if level == "evento" else obj.nome]
        if level != "processo":
            cells.append(cg.code(_process_of(cg, node)))
        giudizio = given.get(code)
        cells += [_answer_value(giudizio, c) for c in indicators]
        cells.append(giudizio.motivazione or None if giudizio else None)
        for column, value in enumerate(cells, start=1):
            cell = sh.set_cell(ws, row, column, value, sh.DATE_FORMATS[words.lang]) if value is not None \
                else ws.cell(row=row, column=column)
            if column > fixed:
                _unlock(cell)
    last = len(items) + 1
    for index, code in enumerate(indicators):
        letter = column_letter(fixed + 1 + index)
        validation = DataValidation(type="list", formula1='"' + ",".join(allowed_answers(method, code)) + '"',
                                    allow_blank=True, showErrorMessage=True,
                                    errorTitle=words("questionario.convalida.titolo"),
                                    error=words("questionario.convalida.risposta"), showInputMessage=True,
                                    promptTitle=_title(header_of[code]),
                                    prompt=_prompt(_scale_help(method, code), words))
        ws.add_data_validation(validation)
        if items:
            validation.add(f"{letter}2:{letter}{last}")
    sh.fit_widths(ws, len(headers))
    _protect(ws)

    ws = book.create_sheet(sheet["misure"])
    sh.style_header(ws, [heading(key) for key in MEASURE_COLUMNS])
    measures = measures_of(cg, unit)
    date_column = Column(("scadenza",), "date-or-choice")
    # a unit reads the states and "continua" by their labels; raccogli reads them back
    for row, node in enumerate(measures, start=2):
        misura = cg.obj(node)
        esito = monitored.get(misura.codice)
        deadline = to_cell(misura.scadenza, date_column)
        shown = {"codice": misura.codice, "nome": misura.nome,
                 "scadenza": words.value("scadenza", deadline) if isinstance(deadline, str) else deadline,
                 "indicatore": misura.indicatore, "target": misura.target,
                 "stato": words.value("stato", esito.stato) if esito else None,
                 "verifiche_previste": esito.verifiche_previste if esito else None,
                 "verifiche_eseguite": esito.verifiche_eseguite if esito else None,
                 "note": (esito.note or None) if esito else None}
        for column, key in enumerate(MEASURE_COLUMNS, start=1):
            value = shown[key]
            cell = sh.set_cell(ws, row, column, value, sh.DATE_FORMATS[words.lang]) if value is not None \
                else ws.cell(row=row, column=column)
            if key in MEASURE_EDITABLE:
                _unlock(cell)
    if measures:
        stato = column_letter(MEASURE_COLUMNS.index("stato") + 1)
        validation = DataValidation(type="list", formula1='"' + ",".join(words.value("stato", s) for s in STATI) + '"',
                                    allow_blank=True,
                                    showErrorMessage=True, error=words("questionario.convalida.stato"))
        ws.add_data_validation(validation)
        validation.add(f"{stato}2:{stato}{len(measures) + 1}")
        counts = DataValidation(type="whole", operator="between", formula1="0", formula2="1000000",
                                allow_blank=True, showErrorMessage=True,
                                error=words("questionario.convalida.verifiche"))
        ws.add_data_validation(counts)
        first, second = (column_letter(MEASURE_COLUMNS.index(k) + 1) for k in ("verifiche_previste",
                                                                                 "verifiche_eseguite"))
        counts.add(f"{first}2:{second}{len(measures) + 1}")
    sh.fit_widths(ws, len(MEASURE_COLUMNS))
    _protect(ws)
    ws = book.create_sheet(sheet["scale"])  # the scales in full (a cell's prompt holds 255 characters)
    sh.style_header(ws, [heading(key) for key in ("indicatore", "domanda", "risposta", "significato")])
    row = 2
    for indicator in method.model.indicatori:
        for option in method.scale_of(indicator).opzioni:
            # the indicator as its column in «Valutazione» is headed, to be found by it (never a slug)
            for column, value in enumerate((header_of[indicator.codice], indicator.domanda or None,
                                            option.codice or decimal_cell(option.valore), option.etichetta),
                                           start=1):
                if value is not None:
                    sh.set_cell(ws, row, column, value)
            row += 1
    sh.fit_widths(ws, 4)
    _protect(ws)
    book.security.lockStructure = True  # no sheet added, removed or renamed
    return sh.deterministic_bytes(book, dt.datetime.combine(cg.catalog.ente.data_riferimento, dt.time()))


def _process_of(cg: CatalogGraph, node: str) -> str:
    """The process a phase or event belongs to (its path starts with the process's)."""
    path = cg.attrs(node)["path"]
    return next(p for p in cg.nodes_of("process") if cg.attrs(p)["path"] == path[:2])


def questionnaires(cg: CatalogGraph, method: Method, year: int,
                   assessment: AssessmentFile | None, lang: str = "it") -> list[Questionnaire]:
    """One questionnaire per unit that owns a process or leads a measure, in the order of units.yaml, in
    ``lang``."""
    words = Text(lang)
    level = method.model.valutazione.livello
    taken: set[str] = set()
    found = []
    for unit in sorted(cg.nodes_of("unit"), key=lambda n: cg.attrs(n)["path"]):
        if not items_of_unit(cg, unit, level) and not measures_of(cg, unit):
            continue
        code = cg.code(unit)
        found.append(Questionnaire(code, file_name(code, year, taken),
                                   unit_questionnaire(cg, method, unit, year, assessment, words)))
    return found
