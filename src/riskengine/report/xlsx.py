"""The annex as an Excel workbook (openpyxl, write-only): one sheet per table and a legend of the method.

Values, never formulas: every text cell goes through :func:`neutralise`; numbers are written as
numbers (the exact decimals of the result), dates as dates (shown dd/mm/yyyy in Italian). Each sheet
has a frozen, bold header row, an autofilter, column widths and a print setup (landscape A4, fitted
to the page width, header row repeated on every page); level cells are filled with the level's
colour (and carry the level's label). Rows are streamed (write-only mode), so memory does not grow
with the catalogue. The file is deterministic: fixed document properties and fixed timestamps in the
zip archive.
"""

from __future__ import annotations

import io
import re
import zipfile
from copy import copy
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, cast

from riskengine.report import tables as tb
from riskengine.report.safety import neutralise
from riskengine.report.view import View

XLSX_FILE = "allegato-rischi.xlsx"
HEADER_FILL = "E8ECF2"
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
MAX_SHEET_TITLE = 31
DATE_FORMATS = {"it": "dd/mm/yyyy", "en": "yyyy-mm-dd"}


def _fixed_time(view: View) -> datetime:
    """The workbook's created/modified time: the assessment date (not the wall clock)."""
    text = view.result.get("data_valutazione") or view.ente.get("data_riferimento") or "2000-01-01"
    return datetime.fromisoformat(str(text)[:10])


def _sheet_title(text: str) -> str:
    return re.sub(r"[\[\]:*?/\\]", "-", text)[:MAX_SHEET_TITLE]


def _cell_value(value: Any) -> Any:
    if isinstance(value, tb.Level):
        return neutralise(value.etichetta)
    if isinstance(value, str):
        return neutralise(value)
    return value


class _Styles:
    """The few cell styles of the workbook, made once (write-only cells take a style each)."""

    def __init__(self, view: View) -> None:
        from openpyxl.styles import Alignment, Font, PatternFill

        digits = int((view.metodo.get("arrotondamento") or {}).get("cifre", 2) or 0)
        self.number_format = "0." + "0" * digits if digits else "0"
        self.date_format = DATE_FORMATS.get(view.lang, "yyyy-mm-dd")
        self.bold = Font(bold=True)
        self.header_fill = PatternFill("solid", fgColor=HEADER_FILL)
        self.wrap = Alignment(wrap_text=True, vertical="top")
        self.top = Alignment(vertical="top")
        self._fills: dict[str, Any] = {}

    def level(self, cell: Any, colour: str, text: str) -> None:
        from openpyxl.styles import Font, PatternFill

        key = colour + text
        if key not in self._fills:
            self._fills[key] = (PatternFill("solid", fgColor=colour.lstrip("#").upper()),
                                Font(bold=True, color=text.lstrip("#").upper()))
        cell.fill, cell.font = self._fills[key]


def _print_setup(ws: Any, header_rows: int = 1) -> None:
    """Landscape A4, fitted to the page width (as many pages down as needed), header row repeated."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4 (ECMA-376 paper size code)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if header_rows:
        ws.print_title_rows = f"1:{header_rows}"


def _write_table(ws: Any, table: tb.Table, view: View, styles: _Styles) -> None:
    """Write one table into a write-only sheet: rows are streamed, never held as cell objects."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    for c, column in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(c)].width = column.width
    ws.freeze_panes = "A2"
    last = get_column_letter(len(table.columns))
    ws.auto_filter.ref = f"A1:{last}{max(len(table.rows) + 1, 2)}"
    ws.sheet_view.zoomScale = 100
    _print_setup(ws)
    header = []
    for column in table.columns:
        cell = WriteOnlyCell(ws, neutralise(tb.header(view, column)))
        cell.font, cell.fill, cell.alignment = styles.bold, styles.header_fill, styles.wrap
        header.append(cell)
    ws.append(header)
    # openpyxl hashes every style object assigned to every cell (most of the writing time): the first cell
    # of each combination of styles is styled, later ones copy its style array (the same style ids).
    styled: dict[tuple[Any, ...], Any] = {}
    for row in table.rows:
        cells = []
        for column, value in zip(table.columns, row, strict=True):
            cell = WriteOnlyCell(ws, _cell_value(value))
            wide = column.width >= 30
            if isinstance(value, tb.Level):
                kind: tuple[Any, ...] = (wide, value.colore, value.testo)
            elif isinstance(value, date):
                kind = (wide, "date")
            elif column.kind == "number" and value is not None:
                kind = (wide, "number")
            else:
                kind = (wide,)
            first = styled.get(kind)
            if first is not None:
                cell._style = copy(first._style)
            else:
                cell.alignment = styles.wrap if wide else styles.top
                if isinstance(value, tb.Level):
                    styles.level(cell, value.colore, value.testo)
                elif isinstance(value, date):
                    cell.number_format = styles.date_format
                elif column.kind == "number" and value is not None:
                    cell.number_format = styles.number_format
                styled[kind] = cell
            cells.append(cell)
        ws.append(cells)


def _level(view: View, code: str) -> dict[str, Any]:
    # level_of is None only for a None code; band rows and grid cells always name a level.
    return cast(dict[str, Any], view.level_of(code))


def _write_legend(ws: Any, view: View, styles: _Styles) -> None:
    """The method's legend: levels, indicator scales, band tables, variants and grid, one block after another."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    t = view.t
    rows = 0

    def cell(value: Any, *, font: Any = None, fill: Any = None, level: dict[str, Any] | None = None) -> Any:
        c = WriteOnlyCell(ws, _cell_value(value))
        c.alignment = styles.wrap
        if level is not None:
            styles.level(c, level["colore"], level["testo"])
        if font is not None:
            c.font = font
        if fill is not None:
            c.fill = fill
        return c

    def append(values: list[Any]) -> None:
        nonlocal rows
        ws.append(values)
        rows += 1

    def header(*labels: str) -> None:
        append([cell(x, font=styles.bold, fill=styles.header_fill) for x in labels])

    def title(text: str) -> None:
        if rows:
            append([])
        append([cell(text, font=Font(bold=True, size=12))])

    for letter, width in zip("ABCDE", (34, 44, 16, 16, 60), strict=True):
        ws.column_dimensions[letter].width = width
    _print_setup(ws, header_rows=0)
    m = view.metodo
    append([cell(f"{m['nome']} ({m['codice']} {t('documento.versione')} {m['versione']})",
                 font=Font(bold=True, size=13))])
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
            append([cell(lvl["etichetta"], level=lvl), cell(r["intervallo"])])
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
            append([cell(t.value("scala", r), font=styles.bold)]
                   + [cell(lvl["etichetta"], level=lvl) for lvl in levels])


def _deterministic_zip(data: bytes, when: datetime) -> bytes:
    """Rewrite the archive with fixed entry timestamps and a fixed ``dcterms:modified``."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(<)",
                                 lambda mo: mo.group(1) + stamp.encode() + mo.group(2), content)
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, content)
    return out.getvalue()


def workbook_bytes(view: View) -> bytes:
    """The workbook as bytes (deterministic for a given result and language)."""
    from openpyxl import Workbook

    styles = _Styles(view)
    wb = Workbook(write_only=True)  # constant memory: each sheet is streamed to a temporary file
    for table in tb.data_tables(view):
        _write_table(wb.create_sheet(_sheet_title(view.t(f"fogli.{table.sheet}"))), table, view, styles)
    _write_legend(wb.create_sheet(_sheet_title(view.t("fogli.legenda"))), view, styles)
    when = _fixed_time(view)
    props = wb.properties
    props.creator = "riskengine"
    props.lastModifiedBy = "riskengine"
    props.title = neutralise(f"{view.t('documento.titolo')} {view.result.get('anno')} – {view.ente['nome']}")
    plan = view.ente["piano"]
    props.subject = neutralise(view.t("documento.sottotitolo", dal=plan["dal"], al=plan["al"]))
    props.language = view.lang
    props.created = when
    props.modified = when
    buffer = io.BytesIO()
    wb.save(buffer)
    return _deterministic_zip(buffer.getvalue(), when)


def write_xlsx(view: View, staging: Path) -> list[Path]:
    """Write ``allegato-rischi.xlsx`` into ``staging``."""
    path = staging / XLSX_FILE
    path.write_bytes(workbook_bytes(view))
    return [path]
