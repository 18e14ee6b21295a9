"""The annex as an Excel workbook (openpyxl): one sheet per table and a legend of the method.

Values, never formulas: every text cell goes through :func:`neutralise`; numbers are written as
the exact decimals of the result. Each sheet has a frozen, bold header row, an autofilter and
column widths; level cells are filled with the level's colour (and carry the level's label).
The file is deterministic: fixed document properties and fixed timestamps in the zip archive.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import datetime
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


def _write_table(ws: Any, table: tb.Table, view: View, number_format: str) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    ws.append([neutralise(tb.header(view, c)) for c in table.columns])
    for cell in ws[1]:
        cell.font, cell.fill, cell.alignment = bold, header_fill, wrap
    for row in table.rows:
        ws.append([_cell_value(v) for v in row])
    for r, row in enumerate(table.rows, start=2):
        for c, (column, value) in enumerate(zip(table.columns, row, strict=True), start=1):
            cell = ws.cell(row=r, column=c)
            cell.alignment = wrap if column.width >= 30 else top
            if isinstance(value, tb.Level):
                cell.fill = PatternFill("solid", fgColor=value.colore.lstrip("#").upper())
                cell.font = Font(bold=True, color=value.testo.lstrip("#").upper())
            elif column.kind == "number" and value is not None:
                cell.number_format = number_format
    for c, column in enumerate(table.columns, start=1):
        ws.column_dimensions[get_column_letter(c)].width = column.width
    ws.freeze_panes = "A2"
    last = get_column_letter(len(table.columns))
    ws.auto_filter.ref = f"A1:{last}{max(len(table.rows) + 1, 2)}"
    ws.sheet_view.zoomScale = 100


def _level(view: View, code: str) -> dict[str, Any]:
    # level_of is None only for a None code; band rows and grid cells always name a level.
    return cast(dict[str, Any], view.level_of(code))


def _write_legend(ws: Any, view: View) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill

    t = view.t
    bold = Font(bold=True)
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)

    def header(*labels: str) -> None:
        ws.append([neutralise(x) for x in labels])
        for cell in ws[ws.max_row]:
            cell.font, cell.fill = bold, header_fill

    def title(text: str) -> None:
        if ws.max_row > 1 or ws.cell(1, 1).value is not None:
            ws.append([])
        ws.append([neutralise(text)])
        ws.cell(ws.max_row, 1).font = Font(bold=True, size=12)

    m = view.metodo
    ws.append([neutralise(f"{m['nome']} ({m['codice']} {t('documento.versione')} {m['versione']})")])
    ws.cell(1, 1).font = Font(bold=True, size=13)
    if m.get("fonte"):
        ws.append([neutralise(f"{t('metodo.fonte')}: {m['fonte']}")])
    title(t("fogli.legenda_livelli"))
    header(t("colonne.livello"), t("colonne.codice"), t("colonne.colore"))
    for lvl in view.levels_desc:
        ws.append([neutralise(lvl["etichetta"]), neutralise(lvl["codice"]), lvl["colore"]])
        cell = ws.cell(ws.max_row, 1)
        cell.fill = PatternFill("solid", fgColor=lvl["colore"].lstrip("#").upper())
        cell.font = Font(bold=True, color=lvl["testo"].lstrip("#").upper())
    title(t("fogli.legenda_indicatori"))
    header(t("colonne.codice"), t("colonne.indicatore"), t("colonne.dimensione"), t("colonne.valore"),
           t("colonne.risposta"))
    for ind in m.get("indicatori", []):
        for o in ind.get("opzioni", []):
            value = o.get("codice") or Decimal(o["valore"])
            ws.append([neutralise(ind["codice"]), neutralise(ind["nome"]),
                       neutralise(t.value("dimensione", ind["dimensione"])), _cell_value(value),
                       neutralise(o["etichetta"])])
    for band in m.get("bande", []):
        title(f"{t('fogli.legenda_bande')}: {band['nome']} ({band['codice']})")
        header(t("colonne.livello"), t("colonne.intervallo"))
        for r in reversed(band.get("righe", [])):
            lvl = _level(view, r["livello"])
            ws.append([neutralise(lvl["etichetta"]), neutralise(r["intervallo"])])
            cell = ws.cell(ws.max_row, 1)
            cell.fill = PatternFill("solid", fgColor=lvl["colore"].lstrip("#").upper())
            cell.font = Font(bold=True, color=lvl["testo"].lstrip("#").upper())
    if m.get("scelta_bande"):
        choice = m["scelta_bande"]
        ws.append([neutralise(t("metodo.scelta_bande_predefinita", tabella=choice["predefinita"]))])
        for r in choice.get("per_area", []):
            ws.append([neutralise(t("metodo.scelta_bande_area", aree=", ".join(r["aree"]), tabella=r["bande"]))])
    if view.variants:
        title(t("fogli.legenda_varianti"))
        header(t("colonne.codice"), t("colonne.nome_variante"), t("colonne.tabella_bande"))
        for v in view.variants:
            bands = v.get("bande") or ""
            ws.append([neutralise(v["codice"]), neutralise(v["nome"]),
                       neutralise(t("metodo.bande_principali") if bands == "principale" else bands)])
    grid = m.get("griglia")
    if grid:
        title(t("fogli.legenda_griglia"))
        header(f"{t('colonne.probabilita')} \\ {t('colonne.impatto')}", *[t.value("scala", c) for c in grid["colonne"]])
        for i, r in enumerate(grid["righe"]):
            levels = [_level(view, code) for code in grid["celle"][i]]
            ws.append([neutralise(t.value("scala", r))] + [neutralise(lvl["etichetta"]) for lvl in levels])
            ws.cell(ws.max_row, 1).font = bold
            for j, lvl in enumerate(levels, start=2):
                cell = ws.cell(ws.max_row, j)
                cell.fill = PatternFill("solid", fgColor=lvl["colore"].lstrip("#").upper())
                cell.font = Font(bold=True, color=lvl["testo"].lstrip("#").upper())
    for letter, width in zip("ABCDE", (34, 44, 16, 16, 60), strict=True):
        ws.column_dimensions[letter].width = width
    for row in ws.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


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

    digits = int((view.metodo.get("arrotondamento") or {}).get("cifre", 2) or 0)
    number_format = "0." + "0" * digits if digits else "0"
    wb = Workbook()
    wb.remove(wb.active)
    for table in tb.data_tables(view):
        _write_table(wb.create_sheet(_sheet_title(view.t(f"fogli.{table.sheet}"))), table, view, number_format)
    _write_legend(wb.create_sheet(_sheet_title(view.t("fogli.legenda"))), view)
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
