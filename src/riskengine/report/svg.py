"""Inline SVG charts: the probability × impact heat map and the distribution by area and level.

Both are drawn from the result as it is (``sintesi.mappa_calore``, ``sintesi.per_area``,
``metodo.griglia``); every text is escaped; colours come only through :func:`safe_colour`. The level
is always written in the chart, never shown by colour alone.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, cast

from markupsafe import Markup, escape

from riskengine.report.safety import text_colour, tint
from riskengine.report.view import View

FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
GRID_LINE = "#5f6368"
EMPTY = "#f4f5f7"


def _text(x: float, y: float, content: Any, *, size: float = 11, weight: str = "normal", anchor: str = "middle",
          fill: str = "#000000", rotate: bool = False) -> str:
    transform = f' transform="rotate(-90 {x:g} {y:g})"' if rotate else ""
    return (f'<text x="{x:g}" y="{y:g}" font-size="{size:g}" font-weight="{weight}" text-anchor="{anchor}" '
            f'fill="{fill}"{transform}>{escape(content)}</text>')


def _sort_key(value: str) -> tuple:
    try:
        return (0, Decimal(value))
    except (InvalidOperation, TypeError):
        return (1, value)


def _svg(width: float, height: float, title: str, desc: str, body: list[str], css_class: str) -> Markup:
    ident = css_class
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" viewBox="0 0 {width:g} {height:g}" '
            f'width="{width:g}" height="{height:g}" role="img" aria-labelledby="{ident}-t {ident}-d" '
            f'font-family="{FONT}">'
            f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


def heat_map(view: View) -> Markup:
    """Probability (rows, highest at the top) × impact (columns) with the count of processes in each cell.

    Numeric methods: cells are the whole values of ``sintesi.mappa_calore`` (1–5, plus any other value
    present); a cell is coloured by the highest level among its processes and lists the count per level.
    Grid methods: the method's own grid, every cell coloured by (and labelled with) its grid level.
    """
    t = view.t
    cells = {(c["probabilita"], c["impatto"]): c for c in view.sintesi.get("mappa_calore", [])}
    grid = view.metodo.get("griglia")
    if not view.numeric and grid:
        rows, cols = list(grid["righe"]), list(grid["colonne"])
        grid_level = {(r, c): grid["celle"][i][j] for i, r in enumerate(rows) for j, c in enumerate(cols)}
    else:
        whole = [str(v) for v in range(1, 6)]
        rows = sorted(set(whole) | {p for p, _ in cells}, key=_sort_key, reverse=True)
        cols = sorted(set(whole) | {i for _, i in cells}, key=_sort_key)
        grid_level = {}
    cell_w, cell_h = (118, 74) if grid_level else (104, 70)
    left, top = 78, 18
    width = left + cell_w * len(cols) + 10
    height = top + cell_h * len(rows) + 58
    body: list[str] = []
    desc_parts: list[str] = []
    for i, r in enumerate(rows):
        y = top + i * cell_h
        body.append(_text(left - 10, y + cell_h / 2 + 4, t.value("scala", r), anchor="end", size=11, weight="bold"))
        for j, c in enumerate(cols):
            x = left + j * cell_w
            cell = cells.get((r, c))
            count = cell["processi"] if cell else 0
            per_level = (cell or {}).get("per_livello", {})
            present = [lvl for lvl in view.levels_desc if per_level.get(lvl["codice"])]
            if grid_level:
                cell_level = cast(dict[str, Any], view.level_of(grid_level[(r, c)]))  # every grid cell names a level
                fill = cell_level["colore"] if count else tint(cell_level["colore"], 0.7)
            else:
                level = present[0] if present else None
                fill = level["colore"] if level else EMPTY
            ink = text_colour(fill)
            body.append(f'<rect x="{x:g}" y="{y:g}" width="{cell_w:g}" height="{cell_h:g}" fill="{fill}" '
                        f'stroke="#ffffff" stroke-width="2"/>')
            if grid_level:
                body.append(_text(x + cell_w / 2, y + 20, cell_level["etichetta"], size=11, weight="bold", fill=ink))
                body.append(_text(x + cell_w / 2, y + 46, count, size=20, weight="bold", fill=ink))
                label = t("grafici.processo_uno") if count == 1 else t("grafici.processi", n=count)
                body.append(_text(x + cell_w / 2, y + 64, label, size=9, fill=ink))
            elif count:
                lines = [f"{per_level[lvl['codice']]} {lvl['etichetta']}" for lvl in present]
                body.append(_text(x + cell_w / 2, y + 28, count, size=20, weight="bold", fill=ink))
                for k, line in enumerate(lines[:3]):
                    body.append(_text(x + cell_w / 2, y + 44 + 11 * k, line, size=9, fill=ink))
            if count:
                detail = ", ".join(f"{per_level[lvl['codice']]} {lvl['etichetta']}" for lvl in present)
                desc_parts.append(t("grafici.cella", p=t.value("scala", r), i=t.value("scala", c), n=count,
                                    dettaglio=detail))
    for j, c in enumerate(cols):
        body.append(_text(left + j * cell_w + cell_w / 2, top + len(rows) * cell_h + 18, t.value("scala", c),
                          size=11, weight="bold"))
    body.append(_text(left + cell_w * len(cols) / 2, top + len(rows) * cell_h + 44, t("grafici.asse_impatto"),
                      size=12, weight="bold"))
    body.append(_text(16, top + len(rows) * cell_h / 2, t("grafici.asse_probabilita"), size=12, weight="bold",
                      rotate=True))
    body.append(f'<rect x="{left:g}" y="{top:g}" width="{cell_w * len(cols):g}" height="{cell_h * len(rows):g}" '
                f'fill="none" stroke="{GRID_LINE}" stroke-width="1"/>')
    desc = t("grafici.mappa_desc") + " " + "; ".join(desc_parts)
    return _svg(width, height, t("grafici.mappa_titolo"), desc, body, "mappa-calore")


def distribution(view: View) -> Markup:
    """Horizontal stacked bars: processes per area, split by inherent level, counts written in the bars."""
    t = view.t
    rows = view.distribution()
    longest = max((r["totale"] for r in rows), default=0) or 1
    label_w, bar_w, bar_h, gap, top = 70, 470, 24, 10, 10
    width = label_w + bar_w + 60
    legend_y = top + len(rows) * (bar_h + gap) + 16
    height = legend_y + 24
    body: list[str] = []
    desc_parts: list[str] = []
    for k, row in enumerate(rows):
        y = top + k * (bar_h + gap)
        body.append(_text(label_w - 8, y + bar_h / 2 + 4, row["area"]["codice"], anchor="end", weight="bold"))
        x = float(label_w)
        for level, n in row["conteggi"]:
            if not n:
                continue
            w = bar_w * n / longest
            body.append(f'<rect x="{x:.2f}" y="{y:g}" width="{w:.2f}" height="{bar_h:g}" fill="{level["colore"]}" '
                        f'stroke="#ffffff" stroke-width="1"/>')
            if w >= 16:
                body.append(_text(x + w / 2, y + bar_h / 2 + 4, n, size=11, weight="bold", fill=level["testo"]))
            x += w
        body.append(_text(x + 6, y + bar_h / 2 + 4, row["totale"], anchor="start", size=11))
        detail = ", ".join(f"{n} {lvl['etichetta']}" for lvl, n in row["conteggi"] if n)
        desc_parts.append(f"{row['area']['codice']}: {detail}")
    x = float(label_w)
    for level in view.levels:
        body.append(f'<rect x="{x:g}" y="{legend_y:g}" width="12" height="12" fill="{level["colore"]}" '
                    f'stroke="{GRID_LINE}" stroke-width="0.5"/>')
        body.append(_text(x + 17, legend_y + 10, level["etichetta"], anchor="start", size=10))
        x += 24 + 7 * len(level["etichetta"])
    desc = t("grafici.distribuzione_desc") + " " + "; ".join(desc_parts)
    return _svg(width, height, t("grafici.distribuzione_titolo"), desc, body, "distribuzione")


def _years(view: View) -> list[dict[str, Any]]:
    return list(view.result.get("storico", {}).get("anni", []))


def trend(view: View) -> Markup:
    """Line chart of the average planned residual risk over the years (declared years as hollow points)."""
    t = view.t
    key = "rischio_medio_residuo_programmato"
    points = [(y["anno"], Decimal(y[key]), y["fonte"] == "dichiarato") for y in _years(view) if y.get(key)]
    left, top, plot_w, plot_h = 60, 28, 420, 180
    width, height = left + plot_w + 30, top + plot_h + 60
    body: list[str] = []
    if not points:
        return _svg(width, height, t("grafici.andamento_titolo"), t("grafici.andamento_vuoto"), body, "andamento")
    highest = max(p[1] for p in points)
    # whole-number scale with headroom above the highest point for its value label
    ceiling = max(Decimal(1), (highest * Decimal("1.15")).to_integral_value(rounding="ROUND_CEILING"))
    for k in range(5):  # horizontal grid with its values
        value = ceiling * k / 4
        y = top + plot_h - float(value / ceiling) * plot_h
        body.append(f'<line x1="{left}" y1="{y:.2f}" x2="{left + plot_w}" y2="{y:.2f}" stroke="#d0d4da" '
                    f'stroke-width="1"/>')
        body.append(_text(left - 6, y + 4, view_number(view, value.quantize(Decimal("0.01"))), size=10, anchor="end"))
    step = plot_w / max(len(points) - 1, 1)
    coords = [(left + (step * i if len(points) > 1 else plot_w / 2), top + plot_h - float(v / ceiling) * plot_h)
              for i, (_, v, _) in enumerate(points)]
    if len(coords) > 1:
        path = " ".join(f"{x:.2f},{y:.2f}" for x, y in coords)
        body.append(f'<polyline points="{path}" fill="none" stroke="#1a4a8a" stroke-width="2"/>')
    desc_parts = []
    for (year, value, declared), (x, y) in zip(points, coords, strict=True):
        fill = "#ffffff" if declared else "#1a4a8a"
        body.append(f'<circle cx="{x:.2f}" cy="{y:.2f}" r="4.5" fill="{fill}" stroke="#1a4a8a" stroke-width="2"/>')
        body.append(_text(x, y - 9, view_number(view, value), size=10, weight="bold"))
        body.append(_text(x, top + plot_h + 18, year, size=11))
        mark = f" ({t('storico.dichiarato')})" if declared else ""
        desc_parts.append(f"{year}: {view_number(view, value)}{mark}")
    body.append(_text(left, top + plot_h + 44, t("grafici.andamento_legenda"), size=10, anchor="start"))
    desc = t("grafici.andamento_desc") + " " + "; ".join(desc_parts)
    return _svg(width, height, t("grafici.andamento_titolo"), desc, body, "andamento")


def levels_by_year(view: View) -> Markup:
    """Vertical stacked bars: processes per inherent level in each year, counts written in the bars."""
    t = view.t
    years = [y for y in _years(view) if y.get("per_livello")]
    left, top, plot_h, bar_w, gap = 40, 10, 200, 46, 30
    width = left + max(len(years), 1) * (bar_w + gap) + 20
    legend_y = top + plot_h + 34
    height = legend_y + 24
    tallest = max((sum(y["per_livello"].values()) for y in years), default=0) or 1
    body: list[str] = []
    desc_parts = []
    for k, year in enumerate(years):
        bar_x = left + k * (bar_w + gap)
        y = float(top + plot_h)
        for level in view.levels:
            n = year["per_livello"].get(level["codice"], 0)
            if not n:
                continue
            h = plot_h * n / tallest
            y -= h
            body.append(f'<rect x="{bar_x:g}" y="{y:.2f}" width="{bar_w:g}" height="{h:.2f}" '
                        f'fill="{level["colore"]}" stroke="#ffffff" stroke-width="1"/>')
            if h >= 13:
                body.append(_text(bar_x + bar_w / 2, y + h / 2 + 4, n, size=10, weight="bold", fill=level["testo"]))
        body.append(_text(bar_x + bar_w / 2, top + plot_h + 16, year["anno"], size=11))
        detail = ", ".join(f"{year['per_livello'].get(lvl['codice'], 0)} {lvl['etichetta']}" for lvl in view.levels)
        desc_parts.append(f"{year['anno']}: {detail}")
    x = float(left)
    for level in view.levels:
        body.append(f'<rect x="{x:g}" y="{legend_y:g}" width="12" height="12" fill="{level["colore"]}" '
                    f'stroke="{GRID_LINE}" stroke-width="0.5"/>')
        body.append(_text(x + 17, legend_y + 10, level["etichetta"], anchor="start", size=10))
        x += 24 + 7 * len(level["etichetta"])
    width = max(width, int(x) + 10)
    desc = t("grafici.livelli_anni_desc") + " " + "; ".join(desc_parts)
    return _svg(width, height, t("grafici.livelli_anni_titolo"), desc, body, "livelli-anni")


def view_number(view: View, value: Decimal) -> str:
    """A number as the annex's language writes it (decimal comma in Italian)."""
    text = str(value)
    return text.replace(".", ",") if view.lang == "it" else text
