"""A catalogue workbook back into the catalogue's files, every problem located at its cell.

The cells become the same plain data a YAML file gives, with a locator from each path of keys to
its cell; the catalogue's own validation (the file models, the integrity rules, the assessment's
checks against the method) then runs unchanged, so a problem reads exactly as in a YAML file, placed
at ``FILE.xlsx:Foglio!C12``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from riskengine.answers.load import Assessment
from riskengine.catalog import Catalog
from riskengine.catalog.load import catalog_warnings, default_factors_document
from riskengine.catalog.models import CATALOG_FILES
from riskengine.errors import Location, Problem, RiskengineError, Severity
from riskengine.graph.build import FILE_OF_KIND, CatalogGraph
from riskengine.i18n import refuse, said, wording
from riskengine.method.load import Method
from riskengine.method.models import AssessmentFile
from riskengine.source.document import Document, PathKey
from riskengine.source.validate import validate_document
from riskengine.suggest import Suggestions, did_you_mean
from riskengine.workbook.layout import (
    ASSESSMENT_FILE,
    ASSESSMENT_SHEET,
    CONFIRM_COLUMN,
    LISTS_SHEET,
    README_SHEET,
    RESIDUAL_COLUMNS,
    SETTINGS,
    SETTINGS_SHEET,
    TABLES,
    Column,
    Table,
)
from riskengine.workbook.safety import Sheet, cell_location, column_letter, merged_cells, read_sheets
from riskengine.workbook.values import from_cell

_ASSESSMENT_NAME = re.compile(r"assessment-(\d{4})\.yaml")
_IGNORED_SHEETS = (README_SHEET, LISTS_SHEET)
# The cells that decide how a whole column or row reads: a sheet's headings (its first row), and the file and
# field a row of the settings sheet names.
_SHAPING = re.compile(rf".*![A-Z]+1|{re.escape(SETTINGS_SHEET)}![AB]\d+")


@dataclass
class WorkbookDocument(Document):
    """A file's data read from a workbook: ``locate`` answers with the cell each value came from."""

    cells: ClassVar[bool] = True
    places: dict[PathKey, str] = field(default_factory=dict, repr=False)  # keys → "Foglio!C12"
    home: str = ""  # the place of the file as a whole: its sheet
    empty: dict[PathKey, tuple[str, str]] = field(default_factory=dict, repr=False)  # keys → (cell, heading)

    def empty_cell(self, keys: PathKey) -> tuple[Location, str] | None:
        """The cell of a column the sheet has, left empty where ``keys`` was to be read, and the column's heading."""
        found = self.empty.get(tuple(keys))
        return (Location(f"{self.path}:{found[0]}"), found[1]) if found else None

    def locate(self, keys: PathKey, *, key: bool = False) -> Location:
        """The cell of ``keys``, else of its nearest written parent (the row, then the sheet)."""
        for end in range(len(keys), -1, -1):
            place = self.places.get(tuple(keys[:end]))
            if place is not None:
                return Location(f"{self.path}:{place}")
        return Location(f"{self.path}:{self.home}" if self.home else self.path)

    def release_positions(self) -> None:
        """Nothing to release: the places are the cells."""


@dataclass
class _Row:
    data: dict[str, Any]
    row: int
    places: dict[PathKey, str]
    empty: dict[PathKey, tuple[str, str]] = field(default_factory=dict)  # column key → (its empty cell, heading)
    owners: dict[str, Any] = field(default_factory=dict)
    owner_places: dict[str, str] = field(default_factory=dict)
    refused: set[PathKey] = field(default_factory=set)  # the keys of its cells refused (a formula): left out


@dataclass
class Imported:
    """What a workbook holds: each file's validated model and document, and the warnings found."""

    models: dict[str, Any]
    documents: dict[str, WorkbookDocument]
    catalog: Catalog
    year: int | None = None
    warnings: list[Problem] = field(default_factory=list)


class _Reader:
    def __init__(self, path: Path, sheets: dict[str, Sheet], refused: list[Problem]) -> None:
        self.path = path
        self.sheets = sheets
        self.problems: list[Problem] = []  # what the next stages cannot read past: they stop the import
        # What was left out and read past, said with whatever the next stages find: the cells refused (a formula),
        # the rows naming a process or a phase the workbook does not have.
        self.left_out: list[Problem] = list(refused)
        self.refused = {p.location.path.removeprefix(f"{path}:") for p in refused}  # "Foglio!C12" of each
        self.dropped: set[str] = set()  # the codes of the rows left out: named elsewhere, they are not unknown
        self.data: dict[str, dict[str, Any]] = {}
        self.places: dict[str, dict[PathKey, str]] = {}
        self.homes: dict[str, str] = {}
        self.empties: dict[str, dict[PathKey, tuple[str, str]]] = {}  # per file: see WorkbookDocument.empty
        self.year: int | None = None

    def problem(self, sheet: str, ref: str, key: str, *, hint: str = "", hint_key: str = "", **values: Any) -> None:
        """A problem at a cell, worded by ``problemi.cartella.<key>`` (its hint by ``…suggerimento.<hint_key>``)."""
        self.problems.append(said(cell_location(self.path, sheet, ref), f"problemi.cartella.{key}", code="workbook",
                                  hint=hint, hint_key=f"problemi.cartella.suggerimento.{hint_key}" if hint_key else "",
                                  **values))

    def file(self, name: str, home: str) -> dict[str, Any]:
        self.homes.setdefault(name, home)
        self.places.setdefault(name, {})
        self.empties.setdefault(name, {})
        return self.data.setdefault(name, {})

    def follows(self, problem: Problem) -> bool:
        """Whether a later stage's problem only follows from what was left out: said at a cell refused (the value
        it asks for is the one refused), or naming the code of a row left out (it is there once the row is fixed)."""
        if problem.location.path.removeprefix(f"{self.path}:") in self.refused:
            return True
        return bool(problem.unknown) and problem.unknown in self.dropped

    # --- the sheets ---------------------------------------------------------------------------

    def header(self, sheet: Sheet, columns: tuple[Column, ...],
               extra: Callable[[str], Column | None] | None = None) -> dict[int, Column]:
        """Column index → column, from the header row; unknown or missing headers reported."""
        by_header = {c.header: c for c in columns}
        found: dict[int, Column] = {}
        for index, cell in sorted(sheet.rows.get(1, {}).items()):
            text = str(cell.value).strip()
            column = by_header.get(text) or (extra(text) if extra else None)
            if column is None:
                proposal = did_you_mean(text, by_header)
                self.problem(sheet.title, cell.ref, "colonna_sconosciuta", colonna=text, hint=proposal,
                             hint_key="" if proposal else "colonne_ammesse", colonne=", ".join(by_header))
            elif column in found.values():
                self.problem(sheet.title, cell.ref, "colonna_doppia", hint_key="una_colonna", colonna=text)
            else:
                found[index] = column
        for column in columns:
            if column.required and column not in found.values():
                self.problem(sheet.title, "A1", "colonna_mancante", hint_key="aggiungi_colonna", colonna=column.header)
        return found

    def rows(self, sheet: Sheet, found: dict[int, Column], owners: tuple[Column, ...] = ()) -> list[_Row]:
        """The items of a sheet, in row order: plain data and the cell of every key."""
        self.problems += merged_cells(self.path, sheet)
        items = []
        for number in sorted(r for r in sheet.rows if r > 1):
            item = _Row({}, number, {(): f"{sheet.title}!A{number}"})
            for index, cell in sorted(sheet.rows[number].items()):
                column = found.get(index)
                if column is None:
                    if index not in found:
                        self.problem(sheet.title, cell.ref, "valore_senza_intestazione", hint_key="intestazione")
                    continue
                value = from_cell(cell.value, column)
                if column in owners:
                    item.owners[column.header] = value
                    item.owner_places[column.header] = f"{sheet.title}!{cell.ref}"
                    continue
                _put(item.data, column.key, value)
                item.places[column.key] = f"{sheet.title}!{cell.ref}"
            if item.data or item.owners:
                items.append(item)
                # a key missing from the row was left empty in its column: asked for at that cell
                item.empty = {column.key: (f"{sheet.title}!{column_letter(index)}{number}", column.header)
                              for index, column in found.items()
                              if index not in sheet.rows[number] and column not in owners}
                item.refused = {column.key for index, column in found.items()
                                if f"{sheet.title}!{column_letter(index)}{number}" in self.refused}
        return items

    def settings(self, sheet: Sheet) -> None:
        self.problems += merged_cells(self.path, sheet)
        columns = {(file, c.header): c for file, cols in SETTINGS for c in cols}
        given: dict[tuple[str, str], int] = {}  # (file, field) → the row that gives it
        for number in sorted(r for r in sheet.rows if r > 1):
            cells = sheet.rows[number]
            file_cell, name_cell, value_cell = cells.get(1), cells.get(2), cells.get(3)
            if file_cell is None or name_cell is None:
                if value_cell is not None:
                    self.problem(sheet.title, value_cell.ref, "valore_senza_campo", hint_key="file_e_campo")
                continue
            file = str(file_cell.value).strip()
            match = _ASSESSMENT_NAME.fullmatch(file)
            if match:
                file = ASSESSMENT_FILE
            elif file not in CATALOG_FILES:
                self.problem(sheet.title, file_cell.ref, "file_sconosciuto", file=file,
                             hint=did_you_mean(file, [f for f, _ in SETTINGS if f != ASSESSMENT_FILE]))
                continue
            name = str(name_cell.value).strip()
            column = columns.get((file, name))
            if column is None:
                self.problem(sheet.title, name_cell.ref, "campo_sconosciuto", campo=name, file=file_cell.value,
                             hint=did_you_mean(name, [h for f, h in columns if f == file]))
                continue
            if (file, name) in given:  # the last would silently replace the first
                self.problem(sheet.title, name_cell.ref, "campo_doppio", hint_key="una_colonna", campo=name,
                             file=file_cell.value, riga=given[(file, name)])
                continue
            given[(file, name)] = number
            data = self.file(file, f"{sheet.title}")
            if value_cell is None:
                if f"{sheet.title}!C{number}" in self.refused:  # a value wanted: asked for where it was refused
                    self.empties[file][column.key] = (f"{sheet.title}!C{number}", name)
                continue
            _put(data, column.key, from_cell(value_cell.value, column))
            self.places[file][column.key] = f"{sheet.title}!{value_cell.ref}"

    def table(self, sheet: Sheet, table: Table) -> list[_Row]:
        found = self.header(sheet, table.all_columns)
        return self.rows(sheet, found, table.owners)

    def simple(self, table: Table, rows: list[_Row]) -> None:
        name = table.file
        data = self.file(name, table.title)
        items = data.setdefault(table.list_key, [])
        for row in rows:
            self._place(name, (table.list_key, len(items)), row)
            items.append(row.data)

    def _place(self, file: str, prefix: PathKey, row: _Row) -> None:
        for key, place in row.places.items():
            self.places[file][prefix + key] = place
        for key, cell in row.empty.items():
            self.empties[file][prefix + key] = cell

    def processes(self, processes: list[_Row], phases: list[_Row], events: list[_Row]) -> None:
        """Processes, their phases (nested by 'fase_padre') and events, in row order within each parent."""
        data = self.file("processes.yaml", "Processi")
        by_code: dict[str, tuple[dict[str, Any], PathKey]] = {}
        data["processi"] = []
        for row in processes:
            path: PathKey = ("processi", len(data["processi"]))
            data["processi"].append(row.data)
            self._place("processes.yaml", path, row)
            by_code.setdefault(str(row.data.get("codice")), (row.data, path))
        phase_rows = {(str(r.owners.get("processo")), str(r.data.get("codice"))): r for r in phases}
        phases_of: dict[str, list[str]] = {}  # a process's phase codes: the pool of a suggestion
        for process_code, phase_code in phase_rows:
            phases_of.setdefault(process_code, []).append(phase_code)
        suggest_process = Suggestions(by_code)
        suggest_phase: dict[str, Suggestions] = {}  # by process: its phases
        placed: dict[int, PathKey] = {}
        left: set[str] = set()  # the codes of the phases left out
        # A code refused (a formula) may be the one a row names: its process or phase is not said to be unknown.
        unsure_process = any(("codice",) in r.refused for r in processes)
        unsure_phase = any(("codice",) in r.refused for r in phases)

        def leave_out(row: _Row, sheet: str, problem: Problem | None) -> None:
            """The row is not read: the rest is, with the problem said; its code named elsewhere is no error more."""
            if sheet == "Fasi":
                left.add(str(row.data.get("codice")))
            self.dropped.add(str(row.data.get("codice")))
            if problem is not None:
                self.left_out.append(problem)

        def attach(row: _Row, sheet: str, owner_key: str, list_key: str) -> None:
            process = str(row.owners.get("processo", ""))
            parent_code = row.owners.get(owner_key)
            if row.refused & {("processo",), (owner_key,)}:  # which parent it names is unknown: said at its cell
                leave_out(row, sheet, None)
                return
            if process not in by_code:
                where = row.owner_places.get("processo", f"{sheet}!A{row.row}")
                leave_out(row, sheet, None if unsure_process else said(
                    Location(f"{self.path}:{where}"), "problemi.cartella.processo_sconosciuto", code="workbook",
                    hint=suggest_process(process), processo=process))
                return
            parent, path = by_code[process]
            if parent_code is not None:
                phase = phase_rows.get((process, str(parent_code)))
                if phase is None or id(phase) not in placed:
                    if unsure_phase or str(parent_code) in left:  # the phase's own row says why it is missing
                        leave_out(row, sheet, None)
                        return
                    if process not in suggest_phase:
                        suggest_phase[process] = Suggestions(phases_of.get(process, []))
                    proposal = suggest_phase[process](str(parent_code))
                    leave_out(row, sheet, said(
                        Location(f"{self.path}:{row.owner_places[owner_key]}"), "problemi.cartella.fase_sconosciuta",
                        code="workbook", hint=proposal,
                        hint_key="" if proposal else "problemi.cartella.suggerimento.prima_la_fase",
                        fase=parent_code, processo=process))
                    return
                parent, path = phase.data, placed[id(phase)]
            items = parent.setdefault(list_key, [])
            placed[id(row)] = path + (list_key, len(items))
            self._place("processes.yaml", placed[id(row)], row)
            items.append(row.data)

        pending = list(phases)
        while pending:  # a sub-phase may come before its parent in the sheet: attach parents first
            ready = [r for r in pending if r.owners.get("fase_padre") is None
                     or id(phase_rows.get((str(r.owners.get("processo")), str(r.owners["fase_padre"])), r)) in placed]
            if not ready:
                ready = pending[:1]  # its parent is missing or a cycle: reported by attach
            for row in ready:
                attach(row, "Fasi", "fase_padre", "fasi")
                pending.remove(row)
        for row in events:
            attach(row, "Eventi", "fase", "eventi")

    def assessment(self, sheet: Sheet, level: str) -> None:
        fixed = {c.header: c for c in RESIDUAL_COLUMNS + (CONFIRM_COLUMN, Column(("motivazione",), "text"))}

        def extra(header: str) -> Column | None:
            if header in fixed:
                return fixed[header]
            first, _, rest = header.partition(".")
            if first == "risposte" and rest:
                return Column(("risposte", rest), "any")
            if first == "motivazioni" and rest:
                return Column(("motivazioni", rest), "text")
            if header in ("processo", "fase", "evento"):
                return Column((header,), "code")
            return None

        found = self.header(sheet, (Column((level,), "code", required=True),), extra)
        data = self.file(ASSESSMENT_FILE, sheet.title)
        items = data.setdefault("valutazioni", [])
        for row in self.rows(sheet, found):
            self._place(ASSESSMENT_FILE, ("valutazioni", len(items)), row)
            items.append(row.data)


# A date refused in a cell is asked for as a workbook writes it (31/12/2026), not as YAML does (2026-12-31).
_CELL_WORDING = {"problemi.valore.scadenza": "problemi.valore.scadenza_cella",
                 "problemi.valore.data_testo": "problemi.valore.data_testo_cella",
                 "problemi.valore.data_italiana": "problemi.valore.data_testo_cella",  # 31.01.2026: "write 31/01"
                 "problemi.valore.data_numero": "problemi.valore.data_numero_cella"}


_NUMBER = re.compile(r"-?\d+\.\d+")


def _in_a_cell(problem: Problem) -> Problem:
    """A problem of a workbook's cell worded for the cell: a date as the workbook writes it, a number or a yes/no
    found in a cell as the sheet shows it (1,5 and sì in Italian, not YAML's 1.5 and true)."""
    args: dict[str, Any] = dict(problem.args)
    if problem.key == "problemi.tipo_errato":
        found = str(args.get("trovato", ""))
        if found in ("true", "false"):
            args["trovato_chiave"] = f"valori.si_no.{found}"
        elif _NUMBER.fullmatch(found):
            args.update(numero_trovato=found, trovato_chiave="problemi.cartella.numero_trovato")
        else:
            return problem
        return said(problem.location, problem.key, code=problem.code, **args)
    key = _CELL_WORDING.get(problem.key)
    if key is None:
        return problem
    text = wording(key, **args)
    if "campo" in args:  # framed as the field's, as source.validate frames it
        text = wording("problemi.nel_campo", campo=args["campo"], testo=text)
    return replace(problem, key=key, message=text)


def _unassessed(cg: CatalogGraph, method: Method, assessment: Assessment) -> list[Problem]:
    """A process without answers, as check and the annex list it (NON-VALUTATO), at its row of «Processi»."""
    from riskengine.evaluate.evaluation import UNASSESSED, unassessed

    year = str(assessment.model.anno)
    return [said(cg.catalog.locate(FILE_OF_KIND["process"], cg.attrs(node)["path"]), f"integrita.{UNASSESSED}",
                 code=UNASSESSED, severity=Severity.WARNING, subject=node, processo=cg.code(node), anno=year)
            for node in unassessed(cg, method, assessment)]


def _put(data: dict[str, Any], key: tuple[str, ...], value: Any) -> None:
    for part in key[:-1]:
        data = data.setdefault(part, {})
    data[key[-1]] = value


def read_catalog_workbook(path: str | Path, *, method_of: Callable[[str, Location], Method], root: Path) -> Imported:
    """Read and check a catalogue workbook; raise :class:`RiskengineError` with every problem at its cell.

    ``method_of(name, where)`` loads the method the workbook's ente names at the cell ``where`` (to check the
    assessment's answers);
    ``root`` is the folder the catalogue will be written to.
    """
    from riskengine.answers.load import check_assessment
    from riskengine.graph import build_graph, check_integrity
    from riskengine.graph.integrity import covered_events_dropped
    from riskengine.workbook.collect import questionnaire_sheets

    path = Path(path)
    sheets, refused = read_sheets(path)
    if SETTINGS_SHEET not in sheets and questionnaire_sheets(sheets) is not None:
        raise refuse(Location(str(path)), "problemi.cartella.questionario", code="workbook",
                     hint_key="problemi.cartella.suggerimento.raccogli")
    if any(_SHAPING.fullmatch(p.location.path.removeprefix(f"{path}:")) for p in refused):
        # a heading or a setting's name refused (a formula): nothing under it reads rightly, so the cells refused
        # are said alone, as the sheets' own shape is
        raise RiskengineError(sorted(map(_in_a_cell, refused), key=Problem.sort_key))
    reader = _Reader(path, sheets, refused)
    # Every stage says its problems with those of the stages before it that were read past (a cell, a row left
    # out), and with the catalogue's errors once found: one round for every problem the user can fix apart.
    errors: list[Problem] = []

    def stop(more: list[Problem]) -> RiskengineError:
        said_here = [p for p in errors + more if not reader.follows(p)]
        return RiskengineError(sorted(map(_in_a_cell, reader.left_out + said_here), key=Problem.sort_key))
    tables = {t.title: t for t in TABLES}
    if SETTINGS_SHEET in sheets:
        reader.settings(sheets[SETTINGS_SHEET])
    else:
        reader.problems.append(said(Location(str(path)), "problemi.cartella.foglio_mancante", code="workbook",
                                    hint_key="problemi.cartella.suggerimento.esporta", foglio=SETTINGS_SHEET))
    rows: dict[str, list[_Row]] = {}
    for title, sheet in sheets.items():
        if title in tables:
            rows[title] = reader.table(sheet, tables[title])
        elif title not in (*_IGNORED_SHEETS, SETTINGS_SHEET, ASSESSMENT_SHEET):
            proposal = did_you_mean(title, [*tables, SETTINGS_SHEET, ASSESSMENT_SHEET])
            reader.problem(title, "A1", "foglio_sconosciuto", foglio=title, hint=proposal,
                           hint_key="" if proposal else "togli_foglio")
    for table in TABLES:
        if table.title in rows and table.file != "processes.yaml":
            reader.simple(table, rows[table.title])
    if "Processi" in rows:
        reader.processes(rows["Processi"], rows.get("Fasi", []), rows.get("Eventi", []))
    if reader.problems:  # the sheets' own shape: what follows would read what they refuse
        raise stop(reader.problems)
    documents = {name: WorkbookDocument(str(path), data, places=reader.places[name], home=reader.homes[name],
                                        empty=reader.empties[name]) for name, data in reader.data.items()}
    problems: list[Problem] = []
    models: dict[str, Any] = {}
    for name, model in CATALOG_FILES.items():
        if name in documents:
            models[name] = validate_document(documents[name], model, problems)
        elif name not in ("factors.yaml", "trasparenza.yaml"):
            problems.append(said(Location(str(path)), "problemi.cartella.dati_mancanti", code="workbook",
                                 hint_key="problemi.cartella.suggerimento.esporta", file=name))
    if problems or any(m is None for m in models.values()):
        raise stop(problems)
    factors_doc: Document = documents.get("factors.yaml") or default_factors_document()
    if "factors.yaml" not in models:
        models["factors.yaml"] = validate_document(factors_doc, CATALOG_FILES["factors.yaml"], problems)
    catalog = Catalog(root=root, ente=models["ente.yaml"], areas=models["areas.yaml"], units=models["units.yaml"],
                      factors=models["factors.yaml"], processes=models["processes.yaml"],
                      measures=models["measures.yaml"], transparency=models.get("trasparenza.yaml"),
                      documents={**{n: d for n, d in documents.items() if n in CATALOG_FILES},
                                 "factors.yaml": factors_doc})
    catalog.warnings = catalog_warnings(catalog)
    cg = build_graph(catalog)
    found = check_integrity(cg) + catalog.warnings
    # The catalogue's errors stop the import, but only once the assessment sheet is checked too: a renamed
    # process is refused in the sheets that name it and in the answers in one round, not in two.
    errors += [p for p in found if p.severity is Severity.ERROR]
    assessed = ASSESSMENT_SHEET in sheets or ASSESSMENT_FILE in documents
    year = reader.data.get(ASSESSMENT_FILE, {}).get("anno")  # its answers are read with the method of their year
    year = year if type(year) is int else None
    named = ("metodi_precedenti", year) if year in catalog.ente.metodi_precedenti else ("metodo",)
    try:  # a method not found is said at the cell that names it
        method: Method | None = method_of(catalog.ente.metodo_di(year), documents["ente.yaml"].locate(named))
    except RiskengineError as exc:
        if assessed:  # the answers cannot be checked without it
            raise stop(exc.problems) from None
        method = None  # the warnings as check gives them without a method: the stricter count of untreated events
    # Untreated events counted as the method says, as check counts them (its eventi.misure_di_processo_coprono).
    covers = method is not None and method.model.eventi.misure_di_processo_coprono
    result = Imported(models, documents, catalog, warnings=[p for p in covered_events_dropped(cg, found, covers)
                                                            if p.severity is not Severity.ERROR])
    if assessed:
        assert method is not None
        if ASSESSMENT_SHEET in sheets:
            reader.assessment(sheets[ASSESSMENT_SHEET], method.model.valutazione.livello)
            if reader.problems:
                raise stop(reader.problems)
        doc = WorkbookDocument(str(path), reader.data.get(ASSESSMENT_FILE, {}),
                               places=reader.places.get(ASSESSMENT_FILE, {}), home=ASSESSMENT_SHEET,
                               empty=reader.empties.get(ASSESSMENT_FILE, {}))
        if "monitoraggio" in doc.data or "valutazioni" in doc.data or "anno" in doc.data:
            assessment = validate_document(doc, AssessmentFile, problems)
            if assessment is None:
                raise stop(problems)
            try:
                checked = check_assessment(doc, cg, method, path)
            except RiskengineError as exc:
                raise stop(exc.problems) from None
            result.warnings += checked.findings + _unassessed(cg, method, checked)
            models[ASSESSMENT_FILE], documents[ASSESSMENT_FILE], result.year = assessment, doc, assessment.anno
    if errors or reader.left_out:
        raise stop([])
    return result

