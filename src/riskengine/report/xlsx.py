"""The annex as an Excel workbook (xlsxwriter, constant memory): one sheet per table and a legend of the method.

Values, never formulas: every text cell goes through :func:`neutralise` and is written as an escaped inline
string (text is never parsed as a formula, a number or a URL, nor copied in as XML); numbers are written as numbers
(the exact decimals of the result), dates as dates (shown dd/mm/yyyy in Italian). Each sheet has a
frozen, bold header row, an autofilter, column widths and a print setup (landscape A4, fitted to the
page width, header row repeated on every page); level cells are filled with the level's colour (and
carry the level's label). Rows are written in order, each whole, and flushed when the next one starts
(``constant_memory``, :mod:`riskengine.report.xlsx_rows`), so memory does not grow with the catalogue. The
file is deterministic: the document's dates are the assessment date and xlsxwriter gives every zip entry the
same fixed timestamp.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO, cast

import xlsxwriter
from xlsxwriter.core import Core
from xlsxwriter.packager import Packager

from riskengine.gcpause import paused
from riskengine.report import tables as tb
from riskengine.report.safety import neutralise
from riskengine.report.view import View
from riskengine.report.xlsx_rows import StreamedSheet

XLSX_FILE = "allegato-rischi.xlsx"
HEADER_FILL = "#E8ECF2"
MAX_SHEET_TITLE = 31
DATE_FORMATS = {"it": "dd/mm/yyyy", "en": "yyyy-mm-dd"}
A4 = 9  # xlsxwriter's (and ECMA-376's) paper size code
LEGEND_WIDTHS = (34, 44, 16, 16, 60)
WIDE = 30  # columns at least this wide wrap their text


def _fixed_time(view: View) -> datetime:
    """The workbook's created/modified time: the assessment date (not the wall clock)."""
    text = view.result.get("data_valutazione") or view.ente.get("data_riferimento") or "2000-01-01"
    return datetime.fromisoformat(str(text)[:10])


def _sheet_title(text: str) -> str:
    return "".join("-" if c in "[]:*?/\\" else c for c in text)[:MAX_SHEET_TITLE]


class _Core(Core):
    """xlsxwriter's core properties plus ``dc:language`` (which xlsxwriter does not write)."""

    def _write_cp_content_status(self) -> None:
        super()._write_cp_content_status()
        if self.properties.get("language"):
            self._xml_data_element("dc:language", self.properties["language"])


class _Packager(Packager):
    def _write_core_file(self) -> None:
        core = _Core()
        core._set_properties(self.workbook.doc_properties)
        core._set_xml_writer(self._filename("docProps/core.xml"))
        core._assemble_xml_file()


class _Workbook(xlsxwriter.Workbook):
    worksheet_class = StreamedSheet  # whole rows at a time (report.xlsx_rows)

    def _get_packager(self) -> Packager:  # xlsxwriter's hook for replacing the packager
        return _Packager()


def _add_sheet(workbook: _Workbook, title: str) -> StreamedSheet:
    return cast(StreamedSheet, workbook.add_worksheet(_sheet_title(title)))


class _Formats:
    """The workbook's cell formats, each made once (xlsxwriter numbers them in order of first use)."""

    def __init__(self, workbook: Any, view: View) -> None:
        digits = int((view.metodo.get("arrotondamento") or {}).get("cifre", 2) or 0)
        self.number_format = "0." + "0" * digits if digits else "0"
        self.date_format = DATE_FORMATS.get(view.lang, "yyyy-mm-dd")
        self._workbook = workbook
        self._made: dict[tuple[tuple[str, Any], ...], Any] = {}

    def get(self, *, wrap: bool = True, **properties: Any) -> Any:
        """The format with top alignment (wrapped text if ``wrap``) and ``properties`` (xlsxwriter's names)."""
        key = tuple(sorted({"valign": "top", "text_wrap": wrap, **properties}.items()))
        made = self._made.get(key)
        if made is None:
            made = self._made[key] = self._workbook.add_format(dict(key))
        return made

    def header(self) -> Any:
        return self.get(bold=True, bg_color=HEADER_FILL, pattern=1)

    def level(self, colour: str, text: str, *, wrap: bool = True) -> Any:
        # The view's colours are #rrggbb already (report.safety.safe_colour/text_colour).
        return self.get(wrap=wrap, bold=True, bg_color=colour.upper(), font_color=text.upper(), pattern=1)


def _value(value: Any) -> Any:
    """A table value as its cell holds it: text neutralised (never a formula), a level as its label, numbers and
    dates as they are, empty text as an empty cell, any other value as its (inert) text."""
    if isinstance(value, tb.Level):
        value = value.etichetta
    if value is None or value == "":
        return None
    if isinstance(value, str):
        return neutralise(value)
    if isinstance(value, (bool, int, float, Decimal, date)):
        return value
    return neutralise(str(value))


def _print_setup(ws: Any, *, header_row: bool = True) -> None:
    """Landscape A4, fitted to the page width (as many pages down as needed), header row repeated."""
    ws.set_landscape()
    ws.set_paper(A4)
    ws.fit_to_pages(1, 0)
    if header_row:
        ws.repeat_rows(0)


def _write_table(ws: StreamedSheet, table: tb.Table, view: View, formats: _Formats) -> None:
    """Write one table into a sheet, row after row (each row is flushed when the next one starts)."""
    for c, column in enumerate(table.columns):
        ws.set_column(c, c, column.width)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(len(table.rows), 1), len(table.columns) - 1)
    _print_setup(ws)
    header = formats.header()
    ws.write_cells(0, [(neutralise(tb.header(view, column)), header) for column in table.columns])
    # Each column's plain, number (number columns only) and date formats.
    plain = [formats.get(wrap=column.width >= WIDE) for column in table.columns]
    numeric = [formats.get(wrap=column.width >= WIDE, num_format=formats.number_format)
               if column.kind == "number" else plain[c] for c, column in enumerate(table.columns)]
    dated = [formats.get(wrap=column.width >= WIDE, num_format=formats.date_format) for column in table.columns]
    wide = [column.width >= WIDE for column in table.columns]
    for r, row in enumerate(table.rows, start=1):
        cells: list[tuple[Any, Any]] = []
        for c, value in enumerate(row):
            if type(value) is str:  # most cells: text, in the column's format
                cells.append((neutralise(value) if value else None, numeric[c]))
            elif isinstance(value, tb.Level):
                cells.append((_value(value), formats.level(value.colore, value.testo, wrap=wide[c])))
            elif isinstance(value, date):
                cells.append((value, dated[c]))
            else:
                cells.append((_value(value), plain[c] if value is None else numeric[c]))
        ws.write_cells(r, cells)


def _level(view: View, code: str) -> dict[str, Any]:
    # level_of is None only for a None code; band rows and grid cells always name a level.
    return cast(dict[str, Any], view.level_of(code))


def _write_legend(ws: StreamedSheet, view: View, formats: _Formats) -> None:
    """The method's legend: levels, indicator scales, band tables, variants and grid, one block after another."""
    t = view.t
    rows = 0
    bold = formats.get(bold=True)

    def cell(value: Any, fmt: Any = None, *, level: dict[str, Any] | None = None) -> tuple[Any, Any]:
        if level is not None:
            fmt = formats.level(level["colore"], level["testo"])
        return value, fmt if fmt is not None else formats.get()

    def append(cells: list[tuple[Any, Any]]) -> None:
        nonlocal rows
        ws.write_cells(rows, [(_value(value), fmt) for value, fmt in cells])
        rows += 1

    def header(*labels: str) -> None:
        append([cell(x, formats.header()) for x in labels])

    def title(text: str) -> None:
        nonlocal rows
        if rows:
            rows += 1  # an empty row before each block
        append([cell(text, formats.get(bold=True, font_size=12))])

    for c, width in enumerate(LEGEND_WIDTHS):
        ws.set_column(c, c, width)
    _print_setup(ws, header_row=False)
    m = view.metodo
    append([cell(f"{m['nome']} ({m['codice']} {t('documento.versione')} {m['versione']})",
                 formats.get(bold=True, font_size=13))])
    if m.get("fonte"):
        append([cell(f"{t('metodo.fonte')}: {m['fonte']}")])
    title(t("fogli.legenda_livelli"))
    header(t("colonne.livello"), t("colonne.codice"), t("colonne.colore"))
    for lvl in view.levels_desc:
        append([cell(lvl["etichetta"], level=lvl), cell(lvl["codice"]), cell(lvl["colore"])])
    title(t("fogli.legenda_indicatori"))
    header(t("colonne.codice"), t("colonne.indicatore"), t("colonne.dimensione"), t("colonne.valore"),
           t("colonne.risposta"))
    for ind in m.get("indicatori", []):
        for o in ind.get("opzioni", []):
            value = o.get("codice") or Decimal(o["valore"])
            append([cell(ind["codice"]), cell(ind["nome"]), cell(t.value("dimensione", ind["dimensione"])),
                    cell(value), cell(o["etichetta"])])
    for band in m.get("bande", []):
        title(f"{t('fogli.legenda_bande')}: {band['nome']} ({band['codice']})")
        header(t("colonne.livello"), t("colonne.intervallo"))
        for r in reversed(band.get("righe", [])):
            lvl = _level(view, r["livello"])
            append([cell(lvl["etichetta"], level=lvl), cell(view.interval(r["intervallo"]))])
    if m.get("scelta_bande"):
        choice = m["scelta_bande"]
        append([cell(t("metodo.scelta_bande_predefinita", tabella=choice["predefinita"]))])
        for r in choice.get("per_area", []):
            append([cell(t("metodo.scelta_bande_area", aree=", ".join(r["aree"]), tabella=r["bande"]))])
    if view.variants:
        title(t("fogli.legenda_varianti"))
        header(t("colonne.codice"), t("colonne.nome_variante"), t("colonne.tabella_bande"))
        for v in view.variants:
            bands = v.get("bande") or ""
            append([cell(v["codice"]), cell(v["nome"]),
                    cell(t("metodo.bande_principali") if bands == "principale" else bands)])
    grid = m.get("griglia")
    if grid:
        title(t("fogli.legenda_griglia"))
        header(f"{t('colonne.probabilita')} \\ {t('colonne.impatto')}", *[t.value("scala", c) for c in grid["colonne"]])
        for i, r in enumerate(grid["righe"]):
            levels = [_level(view, code) for code in grid["celle"][i]]
            append([cell(t.value("scala", r), bold)] + [cell(lvl["etichetta"], level=lvl) for lvl in levels])


def write_workbook(view: View, target: Path | BinaryIO) -> None:
    """Write the workbook to ``target`` (a path or a binary file object); deterministic for a result and language.

    A write the system refuses (no space, a file size limit) raises its OSError, which xlsxwriter wraps."""
    try:
        _write(view, target)
    except xlsxwriter.exceptions.FileCreateError as exc:
        raise (exc.args[0] if exc.args and isinstance(exc.args[0], OSError) else OSError(str(exc))) from None


def _write(view: View, target: Path | BinaryIO) -> None:
    # closed however the block ends (an unclosed xlsxwriter workbook complains from its destructor); a
    # failure leaves a partial file in the annex's staging directory, which is then discarded. The tables'
    # rows make no garbage cycles: the collector would only rescan the result again and again (gcpause).
    with paused(), _Workbook(target, {"constant_memory": True}) as workbook:
        formats = _Formats(workbook, view)
        for table in tb.data_tables(view):
            _write_table(_add_sheet(workbook, view.t(f"fogli.{table.sheet}")), table, view, formats)
        _write_legend(_add_sheet(workbook, view.t("fogli.legenda")), view, formats)
        plan = view.ente["piano"]
        workbook.set_properties({
            "title": neutralise(f"{view.t('documento.titolo')} {view.result.get('anno')} – {view.ente['nome']}"),
            "subject": neutralise(view.t("documento.sottotitolo", dal=plan["dal"], al=plan["al"])),
            "author": "riskengine",  # also cp:lastModifiedBy
            "created": _fixed_time(view),  # also dcterms:modified
            "language": view.lang,
        })


def write_xlsx(view: View, staging: Path) -> list[Path]:
    """Write ``allegato-rischi.xlsx`` into ``staging``."""
    path = staging / XLSX_FILE
    write_workbook(view, path)
    return [path]
