"""Inline SVG charts: the probability × impact heat maps, the band ruler and the distribution by area and level.

Both are drawn from the result as it is (``sintesi.mappa_calore``, ``sintesi.per_area``,
``metodo.griglia``); every text is escaped; colours come only through :func:`safe_colour`. The level
is always written in the chart, never shown by colour alone.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from markupsafe import Markup, escape

from riskengine.report.safety import safe_filename, text_colour, tint
from riskengine.report.view import View

FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
GRID_LINE = "#5f6368"
EMPTY = "#f4f5f7"


def _text(x: float, y: float, content: Any, *, size: float = 11, weight: str = "normal", anchor: str = "middle",
          fill: str = "#000000", rotate: bool = False) -> str:
    transform = f' transform="rotate(-90 {x:g} {y:g})"' if rotate else ""
    return (f'<text x="{x:g}" y="{y:g}" font-size="{size:g}" font-weight="{weight}" text-anchor="{anchor}" '
            f'fill="{fill}"{transform}>{escape(content)}</text>')


def _svg(width: float, height: float, title: str, desc: str, body: list[str], css_class: str) -> Markup:
    ident = css_class
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="{css_class}" viewBox="0 0 {width:g} {height:g}" '
            f'width="{width:g}" height="{height:g}" role="img" aria-labelledby="{ident}-t {ident}-d" '
            f'font-family="{FONT}">'
            f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(desc)}</desc>')
    return Markup(head + "".join(body) + "</svg>")


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
        for level in view.trend_levels:
            n = view.trend_count(year, level)
            if not n:
                continue
            h = plot_h * n / tallest
            y -= h
            body.append(f'<rect x="{bar_x:g}" y="{y:.2f}" width="{bar_w:g}" height="{h:.2f}" '
                        f'fill="{level["colore"]}" stroke="#ffffff" stroke-width="1"/>')
            if h >= 13:
                body.append(_text(bar_x + bar_w / 2, y + h / 2 + 4, n, size=10, weight="bold", fill=level["testo"]))
        body.append(_text(bar_x + bar_w / 2, top + plot_h + 16, year["anno"], size=11))
        detail = ", ".join(f"{n} {lvl['etichetta']}" for lvl in view.trend_levels  # the year's own scale's levels
                           if (n := view.trend_count(year, lvl)) is not None)
        desc_parts.append(f"{year['anno']}: {detail}")
    x = float(left)
    for level in view.trend_levels:
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


# -- zoned heat maps with process codes, and the band ruler ---------------------------------------------------

_BOUND = re.compile(r"\d+(?:\.\d+)?")


def band_bounds(table: dict[str, Any]) -> list[tuple[Decimal, Decimal, str]]:
    """(lower, upper, level) of each row of a band table, read from its interval text ("≥ 4.01 e ≤ 9")."""
    bounds = []
    for row in table.get("righe", []):
        numbers = [Decimal(n) for n in _BOUND.findall(row.get("intervallo", ""))]
        if numbers:
            bounds.append((numbers[0], numbers[-1], row["livello"]))
    return bounds


def _zone(bounds: list[tuple[Decimal, Decimal, str]], score: Decimal) -> str | None:
    """The level a band table gives a score; between two rows (4 < 4.005 < 4.01) the upper row's."""
    for _low, high, level in bounds:
        if score <= high:
            return level
    return bounds[-1][2] if bounds else None


def _whole(value: Any) -> int:
    return int(Decimal(str(value)).quantize(Decimal(1), rounding="ROUND_HALF_UP"))


def _grid_axes(view: View, grid: dict[str, Any]) -> tuple[list[str], list[str]]:
    """Grid rows with the highest at the top and columns with the highest on the right, as numeric maps are
    drawn: the order comes from the levels the method's grid gives each row and column."""
    rank = {lvl["codice"]: lvl["rango"] for lvl in view.levels}
    rows, cols = list(grid["righe"]), list(grid["colonne"])
    row_weight = {r: sum(rank.get(c, 0) for c in grid["celle"][i]) for i, r in enumerate(rows)}
    col_weight = {c: sum(rank.get(grid["celle"][i][j], 0) for i in range(len(rows))) for j, c in enumerate(cols)}
    return (sorted(rows, key=lambda r: (-row_weight[r], rows.index(r))),
            sorted(cols, key=lambda c: (col_weight[c], cols.index(c))))


def _off_zone(view: View, process: dict[str, Any], state: str, zone: dict[str, Any] | None) -> tuple[str, str]:
    """(`` ▲``, its level's label) when the process's level in ``state`` is above the cell's zone, (`` ▼``, label)
    below it, ("", "") when it is the zone's."""
    own = view.level_of((process.get(state) or {}).get("livello"))
    if own is None or zone is None or own["rango"] == zone["rango"]:
        return "", ""
    return (" ▲" if own["rango"] > zone["rango"] else " ▼"), own["etichetta"]


def process_map(view: View, state: str, table: dict[str, Any] | None = None) -> Markup | None:
    """Probability (rows, highest at the top) × impact (columns, highest on the right), the method's zones
    behind the cells and the code of every process in its cell, linked to its sheet.

    ``state`` ``inerente`` places a process at its P and I (whole values for numeric methods, as
    ``sintesi.mappa_calore``); ``residuo_programmato`` keeps its impact and places it at the probability that
    gives its residual score (residual ÷ impact: the measures act on the likelihood). Numeric methods with
    several band tables get one map per ``table`` (its processes, its zones). None when nothing is placed
    (grid methods have no residual P and I).
    """
    t = view.t
    grid = view.metodo.get("griglia")
    numeric = view.numeric or not grid
    processes = [p for p in view.processes if p.get("valutato")]
    if table is not None:
        processes = [p for p in processes if p.get("tabella_bande") == table.get("codice")]
    placed: dict[tuple[str, str], list[dict[str, Any]]] = {}
    if numeric:
        rows = [str(v) for v in range(5, 0, -1)]
        cols = [str(v) for v in range(1, 6)]
        bounds = band_bounds(table or next(iter(view.metodo.get("bande", [])), {}))
        for p in processes:
            impact = Decimal(str(p["impatto"]))
            if state == "inerente":
                probability = Decimal(str(p["probabilita"]))
            else:
                score = (p.get(state) or {}).get("rischio")
                if score is None or not impact:
                    continue
                probability = Decimal(str(score)) / impact
            cell = (str(min(max(_whole(probability), 1), 5)), str(min(max(_whole(impact), 1), 5)))
            placed.setdefault(cell, []).append(p)
        zones = {(r, c): _zone(bounds, Decimal(r) * Decimal(c)) for r in rows for c in cols}
    else:
        if state != "inerente":
            return None
        assert grid is not None  # not numeric: the method has a grid
        rows, cols = _grid_axes(view, grid)
        zones = {(r, c): grid["celle"][grid["righe"].index(r)][grid["colonne"].index(c)] for r in rows for c in cols}
        for p in processes:
            placed.setdefault((p["probabilita"], p["impatto"]), []).append(p)
    if not placed:
        return None
    per_line, line_h, cell_w = 2, 12, 132
    heights = [max(46, 14 + line_h * -(-max((len(placed.get((r, c), [])) for c in cols), default=0) // per_line))
               for r in rows]
    left, top = 78, 12
    width = left + cell_w * len(cols) + 10
    height = top + sum(heights) + 56
    body: list[str] = []
    desc: list[str] = []
    y = float(top)
    for r, cell_h in zip(rows, heights, strict=True):
        body.append(_text(left - 10, y + cell_h / 2 + 4, t.value("scala", r), anchor="end", weight="bold"))
        for j, c in enumerate(cols):
            x = left + j * cell_w
            zone = view.level_of(zones[(r, c)]) if zones[(r, c)] else None
            fill = tint(zone["colore"], 0.55) if zone else EMPTY
            ink = text_colour(fill)
            body.append(f'<rect x="{x:g}" y="{y:g}" width="{cell_w:g}" height="{cell_h:g}" fill="{fill}" '
                        f'stroke="#ffffff" stroke-width="2"/>')
            codes = sorted(placed.get((r, c), []), key=lambda p: p["codice"])
            # Numeric maps round P and I: a process whose own level is not the cell's zone is marked, ▲ above it,
            # ▼ below it, and named with its level in the description.
            marks = {p["codice"]: _off_zone(view, p, state, zone) if numeric else ("", "") for p in codes}
            for k, p in enumerate(codes):
                cx = x + 6 + (k % per_line) * (cell_w - 8) / per_line
                cy = y + 14 + (k // per_line) * line_h
                shown = p["codice"] + marks[p["codice"]][0]
                body.append(f'<a href="#{escape(p["ref"])}">'
                            + _text(cx, cy, shown, size=9, weight="bold", anchor="start", fill=ink) + "</a>")
            if zone is not None:
                body.append(_text(x + cell_w - 4, y + cell_h - 4, zone["etichetta"], size=7, anchor="end", fill=ink))
            if codes:
                named = [p["codice"] + (f" ({label})" if (label := marks[p["codice"]][1]) else "") for p in codes]
                desc.append(t("grafici.cella_codici", p=t.value("scala", r), i=t.value("scala", c),
                              codici=", ".join(named)))
        y += cell_h
    for j, c in enumerate(cols):
        body.append(_text(left + j * cell_w + cell_w / 2, y + 16, t.value("scala", c), weight="bold"))
    body.append(_text(left + cell_w * len(cols) / 2, y + 40, t("grafici.asse_impatto"), size=12, weight="bold"))
    body.append(_text(16, top + (y - top) / 2, t("grafici.asse_probabilita"), size=12, weight="bold", rotate=True))
    body.append(f'<rect x="{left:g}" y="{top:g}" width="{cell_w * len(cols):g}" height="{y - top:g}" fill="none" '
                f'stroke="{GRID_LINE}" stroke-width="1"/>')
    title = t(f"grafici.mappa_{state}") + (f" – {table['nome']}" if table is not None else "")
    ident = "mappa-" + state + (f"-{safe_filename(str(table.get('codice')))}" if table is not None else "")
    return _svg(width, height, title, t("grafici.mappa_zone_desc") + " " + "; ".join(desc), body, ident)


def process_maps(view: View) -> list[tuple[str, Markup]]:
    """(caption, chart) of the inherent and planned residual maps, one pair per band table when the method
    has several (in the method's order)."""
    bands = view.metodo.get("bande", [])
    tables: list[dict[str, Any] | None] = list(bands) if len(bands) > 1 and view.numeric else [None]
    maps = []
    for table in tables:
        for state in ("inerente", "residuo_programmato"):
            chart = process_map(view, state, table)
            if chart is not None:
                caption = view.t(f"grafici.mappa_{state}") + (f" – {table['nome']}" if table is not None else "")
                maps.append((caption, chart))
    return maps


def band_ruler(view: View) -> Markup | None:
    """The 0–25 scale with each band table of the method stacked, each band in its level's colour and labelled,
    the bounds written under it. None when the method has fewer than two band tables."""
    tables = view.metodo.get("bande", [])
    if len(tables) < 2:
        return None
    t = view.t
    top_value = max((high for table in tables for _, high, _ in band_bounds(table)), default=Decimal(25))
    left, scale_w, bar_h, gap = 10, 660, 26, 40
    width, height = left + scale_w + 20, 14 + len(tables) * (bar_h + gap) + 10
    body: list[str] = []
    desc: list[str] = []
    for k, table in enumerate(tables):
        y = 14 + k * (bar_h + gap)
        body.append(_text(left, y - 4, table["nome"], size=10, weight="bold", anchor="start"))
        start = Decimal(0)
        parts = []
        for low, high, code in band_bounds(table):
            level = view.level_of(code)
            x0 = left + float(start / top_value) * scale_w
            x1 = left + float(high / top_value) * scale_w
            colour = level["colore"] if level else EMPTY
            body.append(f'<rect x="{x0:.1f}" y="{y:g}" width="{x1 - x0:.1f}" height="{bar_h:g}" fill="{colour}" '
                        f'stroke="#ffffff" stroke-width="1"/>')
            label = level["etichetta"] if level else code
            body.append(_text((x0 + x1) / 2, y + bar_h / 2 + 4, label, size=10, weight="bold",
                              fill=text_colour(colour)))
            body.append(_text(x1, y + bar_h + 12, number_text(high, view.lang), size=9))
            parts.append(f"{label} {number_text(low, view.lang)}–{number_text(high, view.lang)}")
            start = high
        body.append(_text(left, y + bar_h + 12, "0", size=9, anchor="start"))
        desc.append(f"{table['nome']}: " + ", ".join(parts))
    return _svg(width, height, t("grafici.righello_titolo"), "; ".join(desc), body, "righello-fasce")


def number_text(value: Decimal, lang: str) -> str:
    """A bound of a band as written in the annex (decimal comma in Italian)."""
    text = format(value.normalize(), "f")
    return text.replace(".", ",") if lang == "it" else text
