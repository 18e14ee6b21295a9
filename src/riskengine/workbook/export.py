"""The catalogue as a workbook: one sheet per list of each file, the "Generale" settings, drop-downs."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel

from riskengine.answers.load import allowed_answers
from riskengine.catalog import Catalog
from riskengine.catalog.models import Fase, Processo
from riskengine.i18n import Text
from riskengine.method.load import Method
from riskengine.method.models import AssessmentFile
from riskengine.workbook import sheets as sh
from riskengine.workbook.layout import (
    ASSESSMENT_FILE,
    ASSESSMENT_SHEET,
    LISTS_SHEET,
    README_SHEET,
    SETTINGS,
    SETTINGS_HEADERS,
    SETTINGS_SHEET,
    TABLES,
    AssessmentLayout,
    Column,
    Table,
)
from riskengine.workbook.safety import column_letter
from riskengine.workbook.values import to_cell, value_at

README_LINES = 11  # cartella.leggimi.riga_1 … riga_11 of the message catalogue


def _item_rows(table: Table, catalog: Catalog, assessment: AssessmentFile | None) -> Iterator[list[Any]]:
    """The rows of a table: the owner cells, then one cell per column of the item."""
    if table.file == "processes.yaml" and table.list_key != "processi":
        yield from _nested_rows(table, catalog.processes.processi)
        return
    source: Any = _file_model(table.file, catalog, assessment)
    for item in getattr(source, table.list_key, []) if source is not None else []:
        yield [to_cell(value_at(item, c.key), c) for c in table.columns]


def _nested_rows(table: Table, processes: list[Processo]) -> Iterator[list[Any]]:
    """Phases (with their parent phase) or events (with their phase), depth first, in the file's order."""
    def walk(process: str, owner: Fase | Processo, parent: str | None) -> Iterator[list[Any]]:
        if table.list_key == "eventi":
            for event in owner.eventi:
                yield [process, parent] + [to_cell(value_at(event, c.key), c) for c in table.columns]
        for phase in owner.fasi:
            if table.list_key == "fasi":
                yield [process, parent] + [to_cell(value_at(phase, c.key), c) for c in table.columns]
            yield from walk(process, phase, phase.codice)

    for process in processes:
        yield from walk(process.codice, process, None)


def _file_model(file: str, catalog: Catalog, assessment: AssessmentFile | None) -> BaseModel | None:
    return {"ente.yaml": catalog.ente, "areas.yaml": catalog.areas, "units.yaml": catalog.units,
            "factors.yaml": catalog.factors, "processes.yaml": catalog.processes, "measures.yaml": catalog.measures,
            "trasparenza.yaml": catalog.transparency, ASSESSMENT_FILE: assessment}[file]


def exported_files(catalog: Catalog, assessment: AssessmentFile | None) -> list[str]:
    """The files the workbook carries: factors.yaml only when the catalogue has its own."""
    files = ["ente.yaml", "areas.yaml", "units.yaml", "processes.yaml", "measures.yaml"]
    if (catalog.root / "factors.yaml").is_file():
        files.insert(3, "factors.yaml")
    if catalog.transparency is not None:
        files.append("trasparenza.yaml")
    if assessment is not None:
        files.append(ASSESSMENT_FILE)
    return files


def code_lists(catalog: Catalog, method: Method | None) -> dict[str, list[str]]:
    """The codes each drop-down offers (the "Elenchi" sheet)."""
    main = catalog.areas.tassonomia_principale
    phases: list[str] = []
    events: list[str] = []

    def walk(owner: Fase | Processo) -> None:
        events.extend(e.codice for e in owner.eventi)
        for phase in owner.fasi:
            phases.append(phase.codice)
            walk(phase)

    for process in catalog.processes.processi:
        walk(process)
    units = [u.codice for u in catalog.units.unita]
    lists = {
        "tassonomie": [t.codice for t in catalog.areas.tassonomie],
        "aree": [a.codice if a.tassonomia == main else a.ref for a in catalog.areas.aree],
        "unita": units,
        "responsabili": units + [r.codice for r in catalog.units.ruoli],
        "fattori": [f.codice for f in catalog.factors.fattori],
        "processi": [p.codice for p in catalog.processes.processi],
        "fasi": phases,
        "eventi": events,
        "misure": [m.codice for m in catalog.measures.misure],
    }
    if method is not None:
        lists["livelli"] = list(method.levels)
    return lists


def assessment_layout(method: Method) -> AssessmentLayout:
    """The "Valutazione" columns of a method."""
    indicators = tuple(i.codice for i in method.model.indicatori)
    return AssessmentLayout(method.model.valutazione.livello, indicators,
                            {i: tuple(allowed_answers(method, i)) for i in indicators})


def _write_table(ws: Any, columns: tuple[Column, ...], rows: list[list[Any]], lists: dict[str, tuple[int, int]],
                 words: Text, notes: dict[int, str] | None = None) -> None:
    sh.style_header(ws, [c.header for c in columns], notes=notes)
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row, start=1):
            if value is not None:
                sh.set_cell(ws, r, c, value)
    last = max(len(rows) + 1, 200) + 300  # room to add rows
    for index, column in enumerate(columns, start=1):
        letter = column_letter(index)
        sh.drop_down(ws, column, f"{letter}2:{letter}{last}", lists, words)
    sh.fit_widths(ws, len(columns))
    if rows:
        ws.auto_filter.ref = f"A1:{column_letter(len(columns))}{len(rows) + 1}"


def catalog_workbook(catalog: Catalog, *, method: Method | None = None, assessment: AssessmentFile | None = None,
                     year: int | None = None, lang: str = "it") -> bytes:
    """The workbook of a catalogue (and of the assessment of ``year`` when given), its «Leggimi» sheet in ``lang``:
    deterministic bytes. The sheets and headings are the format's own (the YAML's keys), in every language."""
    from openpyxl import Workbook

    files = exported_files(catalog, assessment)
    book = Workbook()
    readme = book.active
    readme.title = README_SHEET
    codes = code_lists(catalog, method)
    lists_ws = book.create_sheet(LISTS_SHEET)
    positions: dict[str, tuple[int, int]] = {}
    for index, (name, values) in enumerate(codes.items(), start=1):
        sh.set_cell(lists_ws, 1, index, name)
        for row, value in enumerate(values, start=2):
            sh.set_cell(lists_ws, row, index, value)
        positions[name] = (index, len(values))
    settings = book.create_sheet(SETTINGS_SHEET, 1)
    rows: list[list[Any]] = []
    setting_columns: list[Column] = []
    for file, columns in SETTINGS:
        if file not in files:
            continue
        model = _file_model(file, catalog, assessment)
        shown = f"assessment-{year}.yaml" if file == ASSESSMENT_FILE else file
        for column in columns:
            rows.append([shown, column.header, to_cell(value_at(model, column.key), column)])  # type: ignore[arg-type]
            setting_columns.append(column)
    words = Text(lang)
    _write_table(settings, tuple(Column((h,), "text") for h in SETTINGS_HEADERS), rows, {}, words)
    for r, column in enumerate(setting_columns, start=2):
        sh.drop_down(settings, column, f"C{r}", positions, words)
    described = [(SETTINGS_SHEET, words("cartella.fogli.generale"))]
    for table in TABLES:
        if table.file not in files:
            continue
        ws = book.create_sheet(table.title)
        _write_table(ws, table.all_columns, list(_item_rows(table, catalog, assessment)), positions, words)
        described.append((table.title, words(f"cartella.fogli.{table.list_key}")))
        if table.list_key == "eventi" and assessment is not None and method is not None:
            layout = assessment_layout(method)
            ws = book.create_sheet(ASSESSMENT_SHEET)
            rows = [[to_cell(value_at(g, c.key), c) for c in layout.columns] for g in assessment.valutazioni]
            _write_table(ws, layout.columns, rows, positions, words)
            for index, column in enumerate(layout.columns, start=1):
                if column.key[0] == "risposte":
                    letter = column_letter(index)
                    sh.drop_down(ws, column, f"{letter}2:{letter}{len(rows) + 500}", positions, words,
                                 choices=layout.answers.get(column.key[1], ()))
            described.append((ASSESSMENT_SHEET, words("cartella.fogli.valutazione", anno=str(year),
                                                      livello=words(f"problemi.questionario.livello.{layout.level}"))))
    for line in range(1, README_LINES + 1):
        readme.append([words(f"cartella.leggimi.riga_{line}", nome=catalog.ente.nome)])
    for title, text in described + [(LISTS_SHEET, words("cartella.fogli.elenchi"))]:
        readme.append([f"  {title}: {text}"])
    readme.column_dimensions["A"].width = 110
    lists_ws.sheet_state = "hidden"
    when = dt.datetime.combine(catalog.ente.data_riferimento, dt.time())
    return sh.deterministic_bytes(book, when)
