"""``raccogli``: the returned questionnaires merged into ``assessment-<anno>.yaml``.

Only the rows of the unit that owns them are merged (a process answered by another unit is a
conflict, reported with both places, and the owner's answers are kept); a row left empty leaves the
assessment as it was; every answer is checked against the method's scales by the assessment's own
checks, each problem at its cell. Nothing is written unless the merged assessment is valid.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from riskengine.answers.load import allowed_answers
from riskengine.errors import Location, Problem, RiskengineError, Severity
from riskengine.graph import queries as q
from riskengine.graph.build import CatalogGraph
from riskengine.i18n import LANGUAGES, Text, indicator_reference, refuse, said
from riskengine.method.load import Method
from riskengine.method.models import AssessmentFile
from riskengine.source.archive import SPREADSHEET_SUFFIXES
from riskengine.source.document import Document, PathKey
from riskengine.source.validate import validate_document
from riskengine.suggest import Suggestions, did_you_mean
from riskengine.workbook.layout import Column
from riskengine.workbook.questionnaires import (
    INFO_ROWS,
    MEASURE_COLUMNS,
    MEASURE_EDITABLE,
    SHEETS,
    STATI,
    indicators_of_headers,
    items_of_unit,
    measures_of,
)
from riskengine.workbook.safety import Sheet, cell_location, column_letter, merged_cells, read_workbook
from riskengine.workbook.values import from_cell, is_empty

_ANSWER = Column(("risposta",), "any")
_TEXT = Column(("testo",), "text")
_COUNT = Column(("conteggio",), "int")
_STATE = Column(("stato",), "choice", choices=STATI)
_KINDS = {"processo": "process", "fase": "phase", "evento": "event"}
_YEAR = re.compile(r"\d{4}")


@dataclass
class MergedDocument(Document):
    """The merged assessment: values from questionnaires located at their cells, the rest in the YAML file."""

    places: dict[PathKey, Location] = field(default_factory=dict, repr=False)
    original: Document | None = field(default=None, repr=False)

    def locate(self, keys: PathKey, *, key: bool = False) -> Location:
        """The cell a value came from, else its place in the existing file."""
        for end in range(len(keys), 0, -1):
            place = self.places.get(tuple(keys[:end]))
            if place is not None:
                return place
        return self.original.locate(keys, key=key) if self.original is not None else Location(self.path)

    def release_positions(self) -> None:
        """The cells stay known; the file's positions are released by its own document."""


@dataclass
class Returned:
    """What one returned questionnaire brought."""

    file: str
    unit: str
    name: str
    changed: list[str] = field(default_factory=list)  # items whose answers changed
    unchanged: list[str] = field(default_factory=list)  # items answered as they already were
    confirmed: list[str] = field(default_factory=list)  # items carried from last year to be confirmed, confirmed
    # items whose answer to an indicator changed while the file keeps its motivation, written for the old one
    # (the questionnaire has no column for it), each by its short code, else its name: "B1.1.1 (P1)"
    stale: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)  # measures whose monitoring changed


@dataclass
class Collection:
    """The outcome of ``raccogli``: the merged assessment and the report of who returned what."""

    year: int
    target: Path
    data: dict[str, Any]
    returned: list[Returned] = field(default_factory=list)
    missing: list[tuple[str, str]] = field(default_factory=list)  # units (code, name) without a questionnaire
    unanswered: dict[str, list[str]] = field(default_factory=dict)  # unit → items still without answers
    conflicts: list[Problem] = field(default_factory=list)
    untouched: int = 0  # entries of the assessment no questionnaire changed
    written: bool = True  # False: the file already held these answers and was left as it was


@dataclass
class _Row:
    code: str
    number: int  # the row's number in its sheet
    place: Location
    values: dict[str, Any]  # indicator → answer, "motivazione" → text
    cells: dict[str, Location]
    states: str = ""  # a measure's row: the states as its questionnaire's drop-down offers them


@dataclass(frozen=True)
class _Words:
    """The words of questionnaires in every language, as raccogli reads them back."""

    sheets: dict[str, dict[str, str]]  # by language: the sheets' names by key (info, valutazione, …)
    labels: dict[str, str]  # an identifying cell's label → its key
    headings: dict[str, str]  # a column's heading → its key
    offered: dict[str, str]  # by language: the states as the questionnaire's drop-down offers them


@cache
def _words() -> _Words:
    texts = [Text(lang) for lang in LANGUAGES]
    return _Words({t.lang: {key: t(f"questionario.fogli.{key}") for key in SHEETS} for t in texts},
                  {t(f"questionario.info.{key}"): key for t in texts for key in INFO_ROWS},
                  {t(f"questionario.intestazioni.{key}"): key for t in texts for key in ("processo", "motivazione",
                                                                                          *MEASURE_COLUMNS)},
                  {t.lang: ", ".join(t.value("stato", state) for state in STATI) for t in texts})


def _number(value: Decimal) -> int | Decimal:
    """A scale's value as a cell's number reads (a whole number as an int)."""
    return int(value) if value == value.to_integral_value() else value


def questionnaire_sheets(sheets: dict[str, Sheet]) -> tuple[str, dict[str, Sheet]] | None:
    """The language a questionnaire was written in and its sheets by key; None when it is no questionnaire."""
    for lang, names in _words().sheets.items():
        if names["info"] in sheets and names["valutazione"] in sheets:
            return lang, {key: sheets[name] for key, name in names.items() if name in sheets}
    return None


def _headings(sheet: Sheet) -> dict[int, str]:
    """A sheet's first row by column, each heading as the key it stands for ("Verifiche previste", "Checks planned":
    verifiche_previste; a questionnaire written with the keys themselves reads the same); an indicator's as written."""
    texts = {i: str(c.value).strip() for i, c in sheet.rows.get(1, {}).items()}
    return {i: _words().headings.get(text, text) for i, text in texts.items()}


def _info(path: Path, sheet: Sheet) -> dict[str, tuple[Any, Location]]:
    labels = _words().labels
    found = {}
    for cells in sheet.rows.values():
        label, value = cells.get(1), cells.get(2)
        if label is not None and str(label.value) in labels and value is not None:
            found[labels[str(label.value)]] = (value.value, cell_location(path, sheet.title, value.ref))
    return found


class _Collector:
    def __init__(self, cg: CatalogGraph) -> None:
        self.cg = cg
        self.problems: list[Problem] = []

    def reading(self, method: Method) -> None:
        """Answers read as ``method`` asks them: the method of the questionnaires' year, once it is known."""
        self.method = method
        self.level = method.model.valutazione.livello
        self.kind = _KINDS[self.level]
        self.indicators = [i.codice for i in method.model.indicatori]
        # an indicator named in a problem or the report: by its short code, else by its name (never a slug)
        self.named = {i.codice: indicator_reference(i.codice, i.nome) for i in method.model.indicatori}
        # an answer typed as the «Scale» sheet words it ("È altamente discrezionale"): the answer it labels
        self.labelled = {i.codice: {o.etichetta.strip().casefold(): o.codice or _number(o.valore)
                                    for o in method.scale_of(i).opzioni} for i in method.model.indicatori}
        self.allowed = {code: set(allowed_answers(method, code)) for code in self.indicators}

    def error(self, where: Location, key: str, *, hint: str = "", hint_key: str = "", **values: Any) -> None:
        """A problem worded by ``problemi.questionario.<key>`` (its hint by ``…suggerimento.<hint_key>``)."""
        self.problems.append(said(where, f"problemi.questionario.{key}", code="questionario", hint=hint,
                                  hint_key=f"problemi.questionario.suggerimento.{hint_key}" if hint_key else "",
                                  **values))

    def owner(self, node: str) -> str | None:
        """The unit owning an item (the owner of its process)."""
        path = self.cg.attrs(node)["path"]
        process = next((p for p in self.cg.nodes_of("process") if self.cg.attrs(p)["path"] == path[:2]), None)
        return q.owner_of(self.cg, process) if process else None

    def answers(self, path: Path, sheet: Sheet) -> list[_Row]:
        self.problems += merged_cells(path, sheet)
        header = _headings(sheet)
        named = indicators_of_headers(self.method, header.values())
        columns: dict[int, str] = {}
        for index, text in header.items():
            if text in ("codice", "motivazione"):
                columns[index] = text
            elif text in named:
                columns[index] = named[text]
        if "codice" not in columns.values():
            self.error(cell_location(path, sheet.title, "A1"), "senza_codice", hint_key="restituisci")
            return []
        absent = [code for code in self.indicators if code not in columns.values()]
        if absent:  # a deleted or renamed column: its old answers would pass as confirmed
            self.error(cell_location(path, sheet.title, "A1"), "senza_indicatori", hint_key="restituisci",
                       indicatori=", ".join(self.named[code] for code in absent))
            return []
        rows = []
        for number in sorted(r for r in sheet.rows if r > 1):
            cells = sheet.rows[number]
            code_index = next(i for i, name in columns.items() if name == "codice")
            code_cell = cells.get(code_index)
            if code_cell is None:
                continue
            row = _Row(str(code_cell.value).strip(), number, cell_location(path, sheet.title, code_cell.ref), {}, {})
            for index, name in columns.items():
                cell = cells.get(index)
                if name == "codice":
                    continue
                # an empty cell is kept as empty, with its place: a row answered in part is refused there
                value = None if cell is None else from_cell(cell.value, _TEXT if name == "motivazione" else _ANSWER)
                if isinstance(value, str) and name != "motivazione" and value not in self.allowed[name]:
                    value = self.labelled[name].get(value.strip().casefold(), value)  # a code stays that code
                row.values[name] = value
                row.cells[name] = cell_location(path, sheet.title, f"{column_letter(index)}{number}")
            rows.append(row)
        return rows

    def measures(self, path: Path, sheet: Sheet, lang: str) -> list[_Row]:
        """The measures' rows of a questionnaire written in ``lang``."""
        self.problems += merged_cells(path, sheet)
        header = _headings(sheet)
        rows = []
        for number in sorted(r for r in sheet.rows if r > 1):
            cells = sheet.rows[number]
            code_cell = cells.get(next((i for i, h in header.items() if h == "codice"), 0))
            if code_cell is None:
                continue
            row = _Row(str(code_cell.value).strip(), number, cell_location(path, sheet.title, code_cell.ref), {}, {},
                       _words().offered[lang])
            for index, name in header.items():
                if name in MEASURE_EDITABLE:  # an empty cell too: a state left empty is asked for there
                    row.cells[name] = cell_location(path, sheet.title, f"{column_letter(index)}{number}")
                cell = cells.get(index)
                if cell is None or name not in MEASURE_EDITABLE:
                    continue
                kind = _COUNT if name.startswith("verifiche") else _STATE if name == "stato" else _TEXT
                row.values[name] = from_cell(cell.value, kind)  # a state typed as its label too
                if kind is _STATE and row.values[name] not in STATI:  # said with the labels its drop-down offers
                    self.error(row.cells[name], "stato_sconosciuto", hint_key="stati", valore=cell.value,
                               stati=row.states)
                    row.values[name] = _REFUSED
                elif kind is _COUNT and not _count(row.values[name]):  # said by its heading, as the sheet shows it
                    words = Text(lang)
                    self.error(row.cells[name], "conteggio", hint_key="conteggio",
                               colonna=words(f"questionario.intestazioni.{name}"), valore=_shown(cell.value, words))
                    row.values[name] = _REFUSED
            rows.append(row)
        return rows


def _shown(value: Any, words: Text) -> str:
    """A cell's value as the sheet shows it in the questionnaire's language (a decimal comma in Italian, a day as
    its language writes it, sì/no), to quote it in a problem."""
    if isinstance(value, bool):
        return words.value("si_no", str(value).lower())
    if isinstance(value, float):
        return words.number(value)
    if hasattr(value, "isoformat"):
        return words.day(value.isoformat()[:10])
    return str(value)


# A cell refused where it is read: said once, there (the merge neither takes it nor asks for it again).
_REFUSED = object()


def _same(before: Any, after: Any) -> bool:
    """Whether two answers are the same: as numbers when both are (4 and 4.0), else as text."""
    try:
        numbers = Decimal(str(before)), Decimal(str(after))
    except ArithmeticError:  # decimal.InvalidOperation: a text answer (basso, medio)
        numbers = None
    if numbers is not None and all(n.is_finite() for n in numbers):  # not 'nan', which equals nothing
        return numbers[0] == numbers[1]
    return str(before).strip() == str(after).strip()


def _count(value: Any) -> bool:
    """Whether a cell's value is a count of checks: a whole number, not negative (nor a yes/no)."""
    return value is None or (isinstance(value, int) and not isinstance(value, bool) and value >= 0)


def _once(c: _Collector, rows: list[_Row]) -> list[_Row]:
    """The rows of a sheet whose code no earlier row has; each repeated one refused at its code (the last would
    silently take the place of the first)."""
    first: dict[str, _Row] = {}
    for row in rows:
        if row.code in first:
            c.error(row.place, "riga_doppia", hint_key="una_riga", codice=row.code, riga=first[row.code].number)
        else:
            first[row.code] = row
    return [row for row in rows if first[row.code] is row]


_ENTRY_LISTS = ("valutazioni", "monitoraggio")


def _without_refused(doc: MergedDocument, problems: list[Problem]) -> MergedDocument | None:
    """The merged assessment without the entries the schema refused at a questionnaire's cells (an entry of the
    existing file back as it was there, a new one left out), to check the answers of the others in the same round;
    None when a refusal is elsewhere (in the existing file: nothing left to check against)."""
    entry_of = {str(where): key[:2] for key, where in doc.places.items() if len(key) >= 2}
    refused = {entry_of.get(str(p.location)) for p in problems}
    if None in refused:
        return None
    existing = doc.original.data if doc.original is not None and isinstance(doc.original.data, dict) else {}
    data, moved = dict(doc.data), {}
    for name in _ENTRY_LISTS:
        before = existing.get(name) or []
        kept: list[Any] = []
        for index, entry in enumerate(doc.data.get(name) or []):
            if (name, index) not in refused:
                moved[(name, index)] = (name, len(kept))
                kept.append(entry)
            elif index < len(before):  # the existing entries come first: new ones are appended after them
                kept.append(before[index])
        if name in doc.data:
            data[name] = kept
    places = {(*moved[key[:2]], *key[2:]) if len(key) >= 2 else key: where for key, where in doc.places.items()
              if len(key) < 2 or key[:2] in moved}
    return MergedDocument(doc.path, data, places=places, original=doc.original)


def collect(cg: CatalogGraph, method_of: Callable[[int], Method], folder: Path, *,
            year: int | None = None) -> Collection:
    """Read the questionnaires in ``folder`` and merge them into the assessment of their year, their answers read
    with that year's method (``method_of(year)``)."""
    from riskengine.answers.load import check_assessment
    from riskengine.source.document import load_yaml

    c = _Collector(cg)
    if not folder.is_dir():
        raise refuse(Location(str(folder)), "problemi.questionario.cartella_inesistente", code="questionario",
                     hint_key="problemi.questionario.suggerimento.percorso")
    # every spreadsheet, in any case (Q.XLSX; a .xls or .ods is refused with the format to save it in, not left
    # unread while its unit is listed as not returned); ~$: Excel's lock files
    files = sorted(p for p in folder.iterdir()
                   if p.suffix.casefold() in SPREADSHEET_SUFFIXES and not p.name.startswith("~$"))
    if not files:
        raise refuse(Location(str(folder)), "problemi.questionario.nessuno", code="questionario",
                     hint_key="problemi.questionario.suggerimento.restituiti")
    read: list[tuple[Path, str, Sheet, list[_Row]]] = []
    years: dict[int, Location] = {}
    by_unit: dict[str, Path] = {}
    latest = max(cg.catalog.assessment_files(), default=0)
    for path in files:
        try:
            sheets = read_workbook(path)
        except RiskengineError as unreadable:  # said with the other files' errors, in the same round
            c.problems += unreadable.problems
            continue
        written = questionnaire_sheets(sheets)
        if written is None:
            c.error(Location(str(path)), "non_questionario", hint_key="file_originale")
            continue
        lang, found = written
        info = _info(path, found["info"])
        title = found["info"].title
        unit_value, unit_place = info.get("unita", (None, cell_location(path, title, "B2")))
        unit = f"unit:{unit_value}"
        if unit_value is None or unit not in cg:
            units = [cg.code(n) for n in cg.nodes_of("unit")]
            c.error(unit_place, "unita_sconosciuta", hint=did_you_mean(str(unit_value), units), unita=unit_value)
            continue
        ente, ente_place = info.get("ente", (None, cell_location(path, title, "B1")))
        if ente != cg.catalog.ente.codice:
            c.error(ente_place, "altro_ente", ente=ente, atteso=cg.catalog.ente.codice)
            continue
        anno, anno_place = info.get("anno", (None, cell_location(path, title, "B4")))
        if not (isinstance(anno, int) or (isinstance(anno, str) and _YEAR.fullmatch(anno))):
            c.error(anno_place, "non_anno", anno=anno)
            continue
        if year is not None and int(anno) != year:
            c.error(anno_place, "altro_anno", hint_key="un_anno", anno=anno, atteso=year)
            continue
        if year is None and int(anno) < latest:  # a year already assessed after: its answers change only on purpose
            c.error(anno_place, "anno_chiuso", hint_key="conferma_anno", anno=anno, ultimo=latest)
            continue
        years.setdefault(int(anno), anno_place)
        if unit in by_unit:
            c.error(unit_place, "secondo", hint_key="una_per_unita", unita=unit_value, file=by_unit[unit].name)
            continue
        by_unit[unit] = path
        measures = c.measures(path, found["misure"], lang) if "misure" in found else []
        read.append((path, unit, found["valutazione"], measures))
    if year is None and len(years) > 1:
        for _, place in sorted(years.items())[1:]:
            c.error(place, "anni_diversi", hint_key="usa_anno", anni=", ".join(map(str, sorted(years))))
    if not read or (year is None and len(years) > 1):  # no questionnaire to check, or no year to merge into
        raise RiskengineError(sorted(c.problems, key=Problem.sort_key))
    year = year if year is not None else next(iter(years))
    try:
        c.reading(method_of(year))
    except RiskengineError as exc:  # the answers cannot be read: what was found in the files is still said
        raise RiskengineError(sorted(c.problems + exc.problems, key=Problem.sort_key)) from None
    answers = [(path, unit, c.answers(path, sheet), measure_rows) for path, unit, sheet, measure_rows in read]
    target = cg.catalog.root / f"assessment-{year}.yaml"
    original = load_yaml(target, within=cg.catalog.root) if target.exists() else None
    data: dict[str, Any] = dict(original.data) if original is not None and isinstance(original.data, dict) else {}
    data.setdefault("anno", year)
    entries = [dict(e) for e in data.get("valutazioni") or []]
    monitoring = [dict(e) for e in data.get("monitoraggio") or []]
    index = {str(e.get(c.level)): i for i, e in enumerate(entries) if e.get(c.level) is not None}
    measure_index = {str(e.get("misura")): i for i, e in enumerate(monitoring)}
    places: dict[PathKey, Location] = {}
    collection = Collection(year, target, data)
    answered: dict[str, Location] = {}  # item → where its owner's questionnaire answered it
    foreign: list[tuple[_Row, str]] = []
    touched: set[int] = set()
    for path, unit, rows, measure_rows in answers:
        returned = Returned(path.name, cg.code(unit), cg.attrs(unit)["label"])
        collection.returned.append(returned)
        own = {cg.code(n) for n in items_of_unit(cg, unit, c.level)}
        suggest = Suggestions(cg.code(n) for n in cg.nodes_of(c.kind))
        for row in _once(c, rows):
            node = f"{c.kind}:{row.code}"
            if node not in cg:
                c.error(row.place, "voce_sconosciuta", hint=suggest(row.code), codice=row.code,
                        livello_chiave=f"problemi.questionario.livello.{c.level}")
                continue
            filled = {k: v for k, v in row.values.items() if not is_empty(v)}
            if row.code not in own:
                if filled:
                    foreign.append((row, unit))
                continue
            if not filled:
                continue  # left empty: the assessment keeps what it says
            blank = [name for name in c.indicators if name in row.cells and name not in filled]
            if blank:  # the old answers there would be taken as confirmed (da_confermare dropped) unanswered
                c.error(row.cells[blank[0]], "risposta_mancante", hint_key="riga_intera", codice=row.code,
                        indicatore=c.named[blank[0]], mancanti=", ".join(c.named[name] for name in blank))
                continue
            answered[row.code] = row.place
            position = index.get(row.code)
            if position is None:
                position = index[row.code] = len(entries)
                entries.append({c.level: row.code})
            entry = dict(entries[position])
            before = dict(entry)
            risposte = dict(entry.get("risposte") or {})
            reasons = entry.get("motivazioni") or {}
            stale = [name for name in c.indicators if name in filled and not _same(risposte.get(name), filled[name])
                     and isinstance(reasons, dict) and str(reasons.get(name) or "").strip()]
            if stale:
                returned.stale.append(f"{row.code} ({', '.join(c.named[name] for name in stale)})")
            for name, value in filled.items():
                if name == "motivazione":
                    entry["motivazione"] = value
                    places[("valutazioni", position, "motivazione")] = row.cells[name]
                else:
                    risposte[name] = value
                    places[("valutazioni", position, "risposte", name)] = row.cells[name]
            entry["risposte"] = risposte
            entry.pop("da_confermare", None)  # the unit confirmed or changed them
            places.setdefault(("valutazioni", position), row.place)
            entries[position] = entry
            touched.add(position)
            if entry != {k: v for k, v in before.items() if k != "da_confermare"}:
                returned.changed.append(row.code)
            else:  # the answers as they were: confirmed, when carried from last year to be
                (returned.confirmed if "da_confermare" in before else returned.unchanged).append(row.code)
        led = {cg.code(n) for n in measures_of(cg, unit)}
        for row in _once(c, measure_rows):
            if _REFUSED in row.values.values():
                continue
            filled = {k: v for k, v in row.values.items() if not is_empty(v)}
            if not filled:
                continue
            if f"measure:{row.code}" not in cg:  # no measure's code: a slip, said as the code of a process is
                c.error(row.place, "misura_sconosciuta", hint=did_you_mean(row.code, sorted(led)), misura=row.code)
                continue
            if row.code not in led:
                c.error(row.place, "misura_altrui", hint_key="sue_misure", misura=row.code, unita=returned.unit)
                continue
            position = measure_index.get(row.code)
            entry = dict(monitoring[position]) if position is not None else {"misura": row.code}
            before = dict(entry)
            entry.update(filled)
            if "stato" not in entry:  # checks reported for a measure whose state no one gave
                c.error(row.cells.get("stato", row.place), "stato_vuoto", hint_key="stati", misura=row.code,
                        stati=row.states)
                continue
            if position is None:
                position = measure_index[row.code] = len(monitoring)
                monitoring.append(before)
            for name in filled:
                places[("monitoraggio", position, name)] = row.cells[name]
            places.setdefault(("monitoraggio", position), row.place)
            monitoring[position] = entry
            if entry != before:
                returned.measures.append(row.code)
    def named(node: str | None) -> str:  # a unit by its name, its code beside it (as the questionnaire has it)
        return f"{cg.attrs(node)['label']} ({cg.code(node)})" if node else "—"

    for row, unit in foreign:
        owner = c.owner(f"{c.kind}:{row.code}")

        kept = row.code in answered  # the owner answered too: its answers are kept
        key = "conflitto_titolare" if kept else "conflitto_non_titolare"
        collection.conflicts.append(said(
            row.place, f"problemi.questionario.{key}",
            code="conflitto", severity=Severity.WARNING, subject=row.code,
            hint_key="problemi.questionario.suggerimento.titolare", codice=row.code, unita=named(unit),
            titolare=named(owner), livello_chiave=f"problemi.questionario.livello.{c.level}",
            **({"dove": str(answered[row.code])} if kept else {})))
    # Rows refused here (answered in part, an unknown item, another unit's measure) and files that are no
    # questionnaire are left out, and the others are still checked below, so that their answers' errors come in
    # the same round; so are the rows the schema refuses (a count typed as a word), below.
    refused_rows = sorted(c.problems, key=Problem.sort_key)
    if not refused_rows and original is None and not touched and not any(r.measures for r in collection.returned):
        # a new year's assessment holding nothing but its year would read as an assessment no unit answered;
        # rows answered by a unit that does not own them are said why they were not merged
        nothing = said(Location(str(folder)), "problemi.questionario.nessuna_risposta", code="questionario",
                       hint_key="problemi.questionario.suggerimento.compila", anno=year, file=target.name)
        raise RiskengineError([nothing, *collection.conflicts])
    data["valutazioni"] = entries
    if monitoring:
        data["monitoraggio"] = monitoring
    doc = MergedDocument(str(target), data, places=places, original=original)
    problems: list[Problem] = []
    checked = doc if validate_document(doc, AssessmentFile, problems) is not None \
        else _without_refused(doc, problems)
    if checked is not None:
        try:
            check_assessment(checked, cg, c.method, target)
        except RiskengineError as refused:
            problems += refused.problems
    if refused_rows or problems:  # the conflicts said with the errors: a unit fixing its file sees them at once
        raise RiskengineError(sorted(refused_rows + problems, key=Problem.sort_key) + collection.conflicts)
    collection.data = data
    collection.untouched = len(entries) - len(touched)
    returned_units = set(by_unit)
    for unit in sorted(cg.nodes_of("unit"), key=lambda n: cg.attrs(n)["path"]):
        items = [cg.code(n) for n in items_of_unit(cg, unit, c.level)]
        if unit not in returned_units and (items or measures_of(cg, unit)):
            collection.missing.append((cg.code(unit), cg.attrs(unit)["label"]))
        still = [code for code in items if code not in index]
        if still:
            collection.unanswered[cg.code(unit)] = still
    return collection
