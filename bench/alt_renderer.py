"""Measure Typst against WeasyPrint on the risk sheets of an annex, same content (issue 18 item 7).

    python bench/alt_renderer.py bench/work/out/S/assess/risultato.json                 # both renderers
    python bench/alt_renderer.py RESULT --renderer typst --out /tmp/sheets               # also write the PDFs
    python bench/alt_renderer.py RESULT --renderer weasyprint --weasyprint parts         # the product's sheet parts
    python bench/alt_renderer.py RESULT --section registro          # the register's table instead (what tables cost)
    python bench/alt_renderer.py RESULT --once a-3a,ua-1            # Typst: one cold compile and its peak memory
    python bench/alt_renderer.py RESULT --typst-parts 250           # Typst: the sheets in parts over --workers processes

The sheets are those of the publication edition's section "Schede di rischio", from the same result, the same
:class:`~riskengine.report.view.View` and the same messages as the PDF annex: WeasyPrint lays out the HTML
the annex's templates write for that section (``scheda_stampa.html.j2``, as one document: ``single``, or in
the parts of ``report/pdf_parts.py``: ``parts``); :class:`TypstSheets` writes the same content as Typst markup
(``bench/alt_renderer.typ`` holds the page and the styles), compiled in this process by the ``typst`` wheel.

Catalogue text is untrusted and Typst markup is code: every text reaches the markup as a string literal
(:func:`typst_string`, :func:`typst_text`), never as markup, and the compiler reads files only under an empty
directory made for the run (:func:`compile_pdf`). Printed per renderer: wall and CPU seconds (this process, its
threads, and its worker processes), peak memory, pages, bytes, whether a second render gives the same bytes, and
what the PDF declares (tagged, structure elements, PDF/A and PDF/UA identification, language, bookmarks, links).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import hashlib
import io
import os
import re
import resource
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
PREAMBLE = HERE / "alt_renderer.typ"
FONTS = Path("/usr/share/fonts/truetype/dejavu")  # the annex's first font family, where Debian puts it
# PDF/A-3a (what the annex declares today) and PDF/UA-1: Typst writes both at once.
TYPST_STANDARDS = ["a-3a", "ua-1"]
SHEETS = "schede"

# -- escaping: catalogue text reaches Typst as string literals only ---------------------------------------------

# HTML collapses runs of its whitespace into one space: the sheets show text the same way.
_HTML_SPACE = re.compile(r"[ \t\n\f\r]+")
_STRING_ESCAPES = {"\\": "\\\\", '"': '\\"'}


def _escape_char(ch: str) -> str:
    if ch in _STRING_ESCAPES:
        return _STRING_ESCAPES[ch]
    code = ord(ch)
    if code < 0x20 or code == 0x7F or 0xD800 <= code <= 0xDFFF:
        return f"\\u{{{code:x}}}"
    return ch


def typst_string(value: Any) -> str:
    """``value`` as a Typst string literal (code mode): ``"..."`` that evaluates to exactly ``str(value)``.

    Only ``\\`` and ``"`` can end or change a literal, and they are escaped; control characters are written as
    ``\\u{...}`` so that nothing in the source changes its lines. Inside a literal, ``#``, ``[``, ``]``, ``$``,
    ``//``, ``@``, ``<x>`` and ``*`` are characters, not markup.
    """
    text = str(value)
    if text.isprintable() and "\\" not in text and '"' not in text:
        return f'"{text}"'
    return '"' + "".join(_escape_char(ch) for ch in text) + '"'


def typst_text(value: Any) -> str:
    """``value`` as text inside markup: ``#"...";``, whitespace collapsed as HTML shows it.

    The semicolon ends the embedded expression: without it, markup that follows (``.len()``, ``(…)``,
    ``[…]``) would continue the expression as a method call or a function call on the string.
    """
    return "#" + typst_string(_HTML_SPACE.sub(" ", str(value))) + ";"


# -- the sheets as Typst markup -----------------------------------------------------------------------------------

class TypstSheets:
    """The section "Schede di rischio" of an edition as a Typst document, from the renderer the HTML annex uses.

    The content follows ``scheda_stampa.html.j2`` and ``eventi_misure_stampa.html.j2`` line by line: the same
    messages, the same filters (numbers, dates, labels) and the same view lookups. The annex's h2–h4 become
    headings of levels 1–3 here: PDF/UA-1 (Typst checks it) wants a document's first heading at level 1, which
    the annex's front page (h1) gives the whole annex; level 3 is neither outlined nor bookmarked, as the
    annex's CSS asks of h4.
    """

    def __init__(self, renderer: Any) -> None:
        from riskengine.report.arithmetic import calculation

        self.renderer = renderer
        self.view = renderer.view
        self.t = renderer.view.t
        filters = renderer.env.filters
        self.num: Callable[[Any], str] = filters["num"]
        self.val: Callable[[Any, str], str] = filters["val"]
        self.date: Callable[[Any], str] = filters["data"]
        self.calculation = lambda p: calculation(self.view, p)
        self.section_number = renderer.section_ids(pdf=True).index(SHEETS) + 1
        self.links: set[str] = set()  # anchors of other sections the sheets link to

    # small pieces (macros.html.j2)

    def tx(self, value: Any) -> str:
        return typst_text(value)

    def msg(self, key: str, **values: Any) -> str:
        return typst_text(self.t(key, **values))

    def strong(self, value: Any) -> str:
        return f"#strong({typst_string(value)});"

    def nd(self, value: Any = "—") -> str:
        return f"#nd({typst_string(value)});"

    def note(self, markup: str) -> str:
        return f"#note[{markup}];"

    def level(self, code: str | None) -> str:
        lvl = self.view.level_of(code)
        if lvl is None:
            return self.nd()
        return f"#level({typst_string(lvl['etichetta'])}, {typst_string(lvl['colore'])}, {typst_string(lvl['testo'])});"

    def state(self, s: dict[str, Any] | None) -> str:
        if s is None:
            return self.nd()
        score = f"#score({typst_string(self.num(s['rischio']))});" if s.get("rischio") is not None else ""
        return score + self.level(s.get("livello"))

    def measure_link(self, m: dict[str, Any]) -> str:
        self.links.add(m["ref"])
        return f"#link(label({typst_string(m['ref'])}), {typst_string(m['codice'])});"

    def text_or_nd(self, value: Any) -> str:
        return self.tx(value) if value else self.nd()

    def areas(self, p: dict[str, Any]) -> str:
        if not p.get("aree"):
            return self.nd()
        return self.tx("; ".join(f"{a['codice']} – {a['nome']}" for a in p["aree"]))

    @staticmethod
    def sub(markup: str) -> str:
        return f"#sub[{markup}]\n"

    @staticmethod
    def items(lines: list[str], indents: list[int] | None = None) -> str:
        """A list: one item a line (``indents``: the nesting of each, 0 at the top)."""
        indents = indents or [0] * len(lines)
        return "".join(f"{'  ' * depth}- {line}\n" for line, depth in zip(lines, indents, strict=True)) + "\n"

    # the document

    def document(self, processes: list[dict[str, Any]] | None = None) -> str:
        """The Typst source of the section: settings, the preamble, the section heading and every sheet."""
        view, t = self.view, self.t
        processes = view.processes if processes is None else processes
        self.links = set()
        title = f"{self.section_number}. {t('schede.titolo')}"
        body = "".join(self.sheet(p) for p in processes)
        intro = t("schede.intro_pubblicazione") if view.publication else t("schede.intro_stampa")
        settings = self._settings(title)
        anchors = "".join(f"#anchor({typst_string(ref)})" for ref in sorted(self.links))
        return (settings + PREAMBLE.read_text(encoding="utf-8") + "\n" + anchors + "\n"
                + f"#heading(level: 1, {typst_string(title)}) #label({typst_string(SHEETS)})\n\n"
                + typst_text(intro) + "\n\n" + body)

    def sheet(self, p: dict[str, Any]) -> str:
        """One process's sheet (``scheda_stampa.html.j2``)."""
        view, t = self.view, self.t
        out = ["#start\n", f"#heading(level: 2, {typst_string(t('scheda.titolo') + ' ' + p['codice'] + ' – ' + p['nome'])})"
               f" #label({typst_string(p['ref'])})\n\n"]
        if p.get("valutato"):
            states = [f"{self.msg('colonne.' + label)}: {self.state(p.get(key))}" for label, key in
                      (("rischio_inerente", "inerente"), ("residuo_programmato", "residuo_programmato"),
                       ("residuo_monitorato", "residuo_monitorato"))]
            out.append("#h(1.4em)".join(f"#box[{s}]" for s in states) + "\n\n")
        lines = []
        if p.get("descrizione"):
            lines.append(f"{self.strong(t('colonne.descrizione') + ':')} {self.tx(p['descrizione'])}")
        lines.append(f"{self.strong(t('colonne.area') + ':')} {self.areas(p)}")
        unit = self.tx(p["unita"]["nome"]) if p.get("unita") else self.nd()
        lines.append(f"{self.strong(t('colonne.unita_responsabile') + ':')} {unit}")
        if p.get("art6"):
            lines.append(f"{self.strong(t('colonne.art6') + ':')} {self.msg('mappatura.lettera', lettera=p['art6'])}")
        if p.get("in_convenzione"):
            lines.append(f"{self.strong(t('colonne.in_convenzione') + ':')} {self.tx(p['in_convenzione'])}")
        out.append(" #linebreak()\n".join(lines) + "\n\n")
        if p.get("fasi"):
            out.append(self.sub(self.msg("scheda.fasi")))
            phases = view.phases(p)
            out.append(self.items([f"{self.tx(f['codice'])} {self.tx(f['nome'])}" for f in phases],
                                  [max(int(f.get("livello") or 1) - 1, 0) for f in phases]))
        out.append(self.events(p))
        out.append(self.assessment(p))
        out.append(self.measures(p))
        if p.get("trattamenti_richiesti"):
            out.append(self.sub(self.msg("scheda.trattamenti")))
            rows = []
            for r in p["trattamenti_richiesti"]:
                scope = self.val(r["ambito"], "ambito")
                if r.get("tipologie"):
                    scope += ": " + ", ".join(self.val(x, "tipologia") for x in r["tipologie"])
                if not view.publication:
                    scope += f"; {t('colonne.regola')} {r['regola']}"
                rows.append(f"{self.tx(r['descrizione'])} {self.note(self.tx('(' + scope + ')'))}")
            out.append(self.items(rows))
        if p.get("criticita") and not view.publication:
            out.append(self.sub(self.msg("scheda.criticita")))
            out.append(self.items([f"{self.strong(self.val(f['gravita'], 'gravita'))} {self.tx(f['codice'])}: "
                                   f"{self.tx(f['messaggio'])} {self.note(self.tx('(' + t('colonne.regola') + ' ' + f['regola'] + ')'))}"
                                   for f in p["criticita"]]))
        out.append(self.sub(self.msg("scheda.monitoraggio")))
        mon = p.get("monitoraggio")
        if mon:
            text = self.msg("scheda.monitoraggio_testo", modalita=self.val(mon["modalita"], "modalita").lower(),
                            periodicita=self.val(mon["periodicita"], "periodicita").lower(),
                            livello=self.val(mon["livello"], "livello_monitoraggio"))
            if not view.publication:
                text += " " + self.note(self.tx(f"({t('colonne.regola')} {mon['regola']})"))
            out.append(text + "\n\n")
        else:
            out.append(self.nd(t("scheda.monitoraggio_nessuno")) + "\n\n")
        if p.get("valutato") and not view.publication:
            out.append(self.note(self.msg("scheda.traccia_altrove", file=p["file"])) + "\n\n")
        return "".join(out)

    def events(self, p: dict[str, Any]) -> str:
        """The risk events with their factors and measures (``eventi_misure_stampa.html.j2``)."""
        t = self.t
        out = [self.sub(self.msg("eventi.titolo"))]
        events = self.view.event_rows(p)
        if not events:
            return out[0] + self.nd(t("scheda.nessun_evento")) + "\n\n"
        rows = []
        for e in events:
            row = f"{self.tx(e['codice'])} {self.tx(e['descrizione'])}"
            if e.get("fase"):
                row += " " + self.note(self.tx(f"({t('eventi.fase', fase=e['fase'])})"))
            if e.get("fattori"):
                row += (f" #linebreak() {self.msg('colonne.fattori')}: "
                        + self.tx("; ".join(f"{f['codice']}) {f['nome']}" for f in e["fattori"])))
            treated = []
            if not e["trattato"]:
                treated.append(f"#text(weight: \"bold\", {typst_string(t('unita.segno_ritardo') + ' ' + t('eventi.non_trattato'))});")
            for m in e["misure"]:
                efficacy = t("eventi.efficacia" if m.get("efficacia_dichiarata") else "eventi.efficacia_predefinita",
                             efficacia=self.num(m["efficacia"]))
                treated.append(f"{self.tx(m['misura']['codice'] + ' ' + m['misura']['nome'])} "
                               + self.note(self.tx(f"({t('eventi.tramite_' + m['tramite'])}; {efficacy})")))
            if e["trattato"] and not e["misure"]:
                treated.append(self.msg("eventi.solo_trasversali"))
            row += f" #linebreak() {self.msg('eventi.misure')}: " + "; ".join(treated)
            rows.append(row)
        out.append(self.items(rows))
        general = self.view.universal_measures(p)
        if general:
            out.append(self.note(self.msg("eventi.trasversali", n=len(general))) + "\n\n")
        return "".join(out)

    def assessment(self, p: dict[str, Any]) -> str:
        """Answers, scores, the calculation and the motivation."""
        view, t = self.view, self.t
        out = [self.sub(self.msg("scheda.valutazione"))]
        if not p.get("valutato"):
            return out[0] + self.nd(t("scheda.non_valutato")) + "\n\n"
        for dim in ("probabilita", "impatto"):
            answers = [r for r in p.get("risposte", []) if r.get("dimensione") == dim]
            if not answers:
                continue
            out.append(f"#lead({typst_string(self.val(dim, 'dimensione'))})\n")
            rows = []
            for r in answers:
                value = self.val(r["risposta"], "scala") if r["risposta"] != r["valore"] else self.num(r["valore"])
                row = f"{self.tx(r['indicatore'])} {self.tx(r['nome'] + ': ' + r['etichetta'])} {self.strong('(' + value + ')')}"
                if r.get("motivazione"):
                    row += f" – #emph({typst_string(r['motivazione'])});"
                rows.append(row)
            out.append(self.items(rows))
        scale = (lambda v: self.num(v)) if view.numeric else (lambda v: self.val(v, "scala"))
        parts = [f"{self.strong(t('colonne.probabilita') + ':')} {self.tx(scale(p['probabilita']))}",
                 f"{self.strong(t('colonne.impatto') + ':')} {self.tx(scale(p['impatto']))}"]
        for name, value in p.get("varianti", {}).items():
            part = f"{self.strong(view.variant_name(name) + ':')} {self.tx(self.num(value))}"
            if name in p.get("livelli_varianti", {}):
                part += " " + self.level(p["livelli_varianti"][name]["livello"])
            parts.append(part)
        if p.get("tabella_bande"):
            parts.append(f"{self.strong(t('scheda.tabella_bande') + ':')} {self.tx(view.band_table_label(p['tabella_bande']))}")
        if p.get("priorita"):
            priority = f"{p['priorita']['valore']} – {self.val(p['priorita']['etichetta'], 'priorita')}"
            parts.append(f"{self.strong(t('colonne.priorita') + ':')} {self.tx(priority)}")
        parts.append(f"{self.strong(t('scheda.giudizio_sintetico') + ':')} {self.level(p.get('livello'))}")
        out.append("; ".join(parts) + "\n\n")
        calc = self.calculation(p)
        if calc:
            out.append(f"#lead({typst_string(t('calcolo.titolo'))})\n")
            rows = [self.tx(line) for line in calc["righe"]]
            for r in calc["residui"]:
                row = self.tx(r["formula"] + (f" ({r['nota']})" if r.get("nota") else ""))
                if r.get("efficacie"):
                    efficacies = "; ".join(f"{codes} {e}" for codes, e in r["efficacie"])
                    row += " #linebreak() " + self.note(self.tx(f"{t('calcolo.efficacie')}: {efficacies}"))
                rows.append(row)
            out.append(self.items(rows))
            out.append(self.note(self.msg("calcolo.definizioni_brevi")) + "\n\n")
        motivation = self.tx(p["motivazione"]) if p.get("motivazione") else self.nd(t("scheda.senza_motivazione"))
        out.append(f"#motivation[{self.strong(t('scheda.motivazione') + '.')} {motivation}]\n\n")
        return "".join(out)

    def measures(self, p: dict[str, Any]) -> str:
        """The specific measures in full, the general ones by their codes."""
        view, t = self.view, self.t
        out = [self.sub(self.msg("scheda.misure"))]
        specific = view.process_measures(p, "specifica")
        general = view.process_measures(p, "generale")
        if specific:
            out.append(f"#lead({typst_string(t('scheda.misure_specifiche', n=len(specific)))})\n")
            rows = []
            for m in specific:
                row = f"{self.measure_link(m)} {self.tx(m['nome'])}"
                if m.get("descrizione"):
                    row += " " + self.note(self.tx(m["descrizione"]))
                support = "".join(f", {t('unita.con_supporto')}: {s}" for s in m.get("supporto", []))
                row += (f" #linebreak() {self.tx(self.val(m['tipologia'], 'tipologia') + '; ' + t('colonne.responsabile') + ': ')}"
                        f"{self.text_or_nd(m.get('responsabile'))}{self.tx(support) if support else ''}"
                        f"{self.tx('; ' + t('colonne.scadenza') + ': ' + self.date(m.get('scadenza')) + '; ' + t('colonne.indicatore') + ': ')}"
                        f"{self.text_or_nd(m.get('indicatore'))}{self.tx('; ' + t('colonne.target') + ': ')}"
                        f"{self.text_or_nd(m.get('target'))}"
                        f"{self.tx('; ' + t('colonne.stato') + ': ' + self.val(m.get('stato_monitorato'), 'stato'))}")
                rows.append(row)
            out.append(self.items(rows))
        else:
            out.append(self.msg("scheda.nessuna_specifica") + "\n\n")
        if general:
            links = " ".join(self.measure_link(m) + ("," if i < len(general) - 1 else ".")
                             for i, m in enumerate(general))
            out.append(f"#text(size: 0.86em)[{self.msg('scheda.misure_generali_codici', n=len(general))} {links}]\n\n")
        return "".join(out)


    def register(self) -> str:
        """The register table of ``registro.html.j2`` (the annex's largest table: one row per process, landscape,
        header repeated on every page), to measure what tables cost Typst: the sections other than the sheets
        are tables. Its intro and notes are left out (a few paragraphs)."""
        view, t = self.view, self.t
        self.links = set()
        title = f"{self.renderer.section_ids(pdf=True).index('registro') + 1}. {t('registro.titolo')}"
        columns = ["codice", "processo", "area_breve", "unita_responsabile", None, None, "rischio_inerente",
                   "residuo_programmato", "residuo_monitorato"]
        header = [self.strong(t(f"colonne.{c}")) if c else self.strong(x) for c, x in zip(columns, [""] * 4 + ["P", "I"] + [""] * 3, strict=True)]
        header += [self.strong(v["nome"]) for v in view.variants]
        widths = ["7%", f"{max(100 - 65 - len(view.variants) * 9, 12)}%", "6%", "12%", "5%", "5%", "10%", "10%", "10%"]
        widths += ["9%"] * len(view.variants)
        rows = []
        for p in view.register:
            self.links.add(p["ref"])
            cells = [f"#link(label({typst_string(p['ref'])}), {typst_string(p['codice'])});", self.tx(p["nome"]),
                     self.tx("; ".join(a["codice"] for a in p.get("aree", []))) if p.get("aree") else self.nd(),
                     self.tx(p["unita"]["nome"]) if p.get("unita") else self.nd()]
            if p.get("valutato"):
                scale = self.num if view.numeric else (lambda v: self.val(v, "scala"))
                cells += [self.tx(scale(p["probabilita"])), self.tx(scale(p["impatto"]))]
                cells += [self.state(p.get(k)) for k in ("inerente", "residuo_programmato", "residuo_monitorato")]
                for v in view.variants:
                    level = p.get("livelli_varianti", {}).get(v["codice"])
                    cells.append(self.state(level) if level else self.tx(self.num(p.get("varianti", {}).get(v["codice"]))))
                rows.append("".join(f"[{c}]," for c in cells))
            else:
                rows.append("".join(f"[{c}]," for c in cells)
                            + f"table.cell(colspan: {5 + len(view.variants)}, {typst_string(t('registro.non_valutato'))}),")
        anchors = "".join(f"#anchor({typst_string(ref)})" for ref in sorted(self.links))
        return (self._settings(title) + PREAMBLE.read_text(encoding="utf-8") + "\n#set page(flipped: true)\n#show figure: set block(breakable: true)\n#show table: set text(size: 0.86em)\n"
                + anchors + "\n" + f"#heading(level: 1, {typst_string(title)})\n\n"
                + f"#figure(kind: table, caption: {typst_string(t('registro.didascalia', n=len(view.register)))}, "
                + f"table(columns: ({', '.join(f'{w[:-1]}%' for w in widths)}), align: left, "
                + "stroke: (x: none, y: 0.5pt + rule), inset: (x: 0.45em, y: 0.3em), "
                + "table.header(repeat: true, " + "".join(f"[{h}]," for h in header) + "),\n"
                + "\n".join(rows) + "))\n")

    def _settings(self, section: str) -> str:
        """``#let cfg = (...)``: what the preamble reads (document title, dates, running texts)."""
        view, t = self.view, self.t
        ente = view.ente
        doc_title = (f"{t('documento.titolo')} {view.result['anno']} – {ente['nome']} – "
                     f"{t('edizioni.' + view.edition)}")
        created = view.result.get("data_valutazione")
        date = (f"datetime(year: {int(created[:4])}, month: {int(created[5:7])}, day: {int(created[8:10])})"
                if created and re.fullmatch(r"\d{4}-\d{2}-\d{2}", created) else "none")
        return (f"#let cfg = (title: {typst_string(doc_title)}, author: {typst_string(ente['nome'])}, "
                f"date: {date}, lang: {typst_string(view.lang)}, section: {typst_string(section)}, "
                f"footer: {typst_string(t('pdf.piede', anno=view.result['anno']))}, "
                f"page: {typst_string(t('pdf.pagina'))}, of: {typst_string(t('pdf.di'))}, "
                f"draft: {typst_string(t('documento.bozza')) if view.draft else 'none'})\n")


# -- compiling, in a sandbox ----------------------------------------------------------------------------------

@contextlib.contextmanager
def sandbox_root() -> Iterator[Path]:
    """An empty directory made for one compile: Typst reads files only under its root (``/x`` is ``root/x``;
    ``..`` out of it is refused), so nothing of the machine is readable from the markup."""
    with tempfile.TemporaryDirectory(prefix="riskengine-typst-") as root:
        yield Path(root)


def compiler(root: Path) -> Any:
    """A Typst compiler over ``root`` with the annex's fonts (DejaVu) and Typst's embedded fonts, no system scan."""
    import typst

    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=True,
                        font_paths=[str(FONTS)] if FONTS.is_dir() else [])
    return typst.Compiler(root=str(root), font_paths=fonts, ignore_system_fonts=True)


def epoch(created: str | None) -> int:
    """The document date as seconds since 1970 (what ``SOURCE_DATE_EPOCH`` would give); 0 without a date."""
    if not created or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", created):
        return 0
    return int(datetime.fromisoformat(created).replace(tzinfo=UTC).timestamp())


def compile_pdf(source: str, *, created: str | None = None, standards: list[str] | None = None,
                tags: bool = True, compile_with: Any = None) -> bytes:
    """Compile Typst ``source`` to PDF (PDF/A-3a and PDF/UA-1 unless ``standards`` says otherwise; tagged unless
    ``tags`` is false), dated ``created``, in a fresh sandbox root (or with ``compile_with``, kept warm by the
    caller)."""
    options = {"format": "pdf", "pdf_standards": TYPST_STANDARDS if standards is None else standards,
               "timestamp": epoch(created), "pdf_tags": tags}
    if compile_with is not None:
        return bytes(compile_with.compile(input=source.encode("utf-8"), **options))
    with sandbox_root() as root:
        return bytes(compiler(root).compile(input=source.encode("utf-8"), **options))


# -- WeasyPrint on the same sheets ----------------------------------------------------------------------------

def section_part(section: str = SHEETS) -> dict[str, Any]:
    """The ``parte`` of the annex template that holds one whole section (the sheets unless told)."""
    from riskengine.report.html import annex_part

    return annex_part(sezioni=[section])


def weasyprint_single(renderer: Any, section: str = SHEETS) -> bytes:
    """A section laid out by WeasyPrint as one tagged PDF/A-3a document (``report/pdf.py``)."""
    from riskengine.report.pdf import pdf_bytes

    return pdf_bytes(renderer.annex(pdf=True, parte=section_part(section)))


def weasyprint_parts(renderer: Any, workers: int) -> tuple[int, int]:
    """The sheets laid out as the product lays them out (parts of ``report/pdf_parts.py`` over ``workers``
    processes, not joined). Returns (parts, pages)."""
    from riskengine.report import pdf_parts

    jobs = [renderer.annex(pdf=True, parte=part) for part in pdf_parts.plan(renderer) if SHEETS in part["sezioni"]]
    if workers < 2:
        laid = [pdf_parts.render_part(html) for html in jobs]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(pdf_parts.start_method())) as pool:
            laid = list(pool.map(pdf_parts.render_part, jobs))
    return len(laid), sum(len(part.pages) for part in laid)


# -- what a PDF declares ---------------------------------------------------------------------------------------

def describe(data: bytes) -> dict[str, Any]:
    """Pages, tagging (MarkInfo, structure tree and its element types), PDF/A and PDF/UA identification (XMP),
    language, bookmarks, named destinations and link annotations of a PDF."""
    from pypdf import PdfReader
    from pypdf.generic import ArrayObject, DictionaryObject

    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode("utf-8", "replace") if "/Metadata" in root else ""

    def xmp_value(name: str) -> str | None:
        found = re.search(rf'{name}(?:="([^"]*)"|>([^<]*)<)', xmp)
        return (found.group(1) or found.group(2)) if found else None

    types: collections.Counter[str] = collections.Counter()
    if "/StructTreeRoot" in root:
        pending = [root["/StructTreeRoot"].get_object().get("/K")]
        while pending:
            node = pending.pop()
            node = node.get_object() if hasattr(node, "get_object") else node
            if isinstance(node, ArrayObject):
                pending += list(node)
            elif isinstance(node, DictionaryObject) and "/S" in node:
                types[str(node["/S"])] += 1
                if "/K" in node:
                    pending.append(node["/K"])

    def outline_count(items: list[Any]) -> int:
        return sum(outline_count(i) if isinstance(i, list) else 1 for i in items)

    links = sum(1 for page in reader.pages for annot in (page.get("/Annots") or [])
                if annot.get_object().get("/Subtype") == "/Link")
    pdfa = xmp_value("pdfaid:part")
    return {"pages": len(reader.pages), "bytes": len(data), "version": reader.pdf_header,
            "tagged": bool((root.get("/MarkInfo") or {}).get("/Marked")), "structure": "/StructTreeRoot" in root,
            "elements": sum(types.values()), "element_types": dict(sorted(types.items())),
            "pdfa": f"{pdfa}{(xmp_value('pdfaid:conformance') or '').lower()}" if pdfa else None,
            "pdfua": xmp_value("pdfuaid:part"), "lang": str(root.get("/Lang")) if "/Lang" in root else None,
            "title": "<dc:title>" in xmp,
            "bookmarks": outline_count(reader.outline), "named_destinations": len(reader.named_destinations),
            "links": links}


# -- measuring -----------------------------------------------------------------------------------------------

@dataclass
class Timing:
    wall: float
    cpu_self: float
    cpu_children: float


@contextlib.contextmanager
def timed(into: list[Timing]) -> Iterator[None]:
    """Wall seconds and CPU seconds of this process (all its threads) and of its reaped children."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    yield
    wall = time.perf_counter() - start
    own2, kids2 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    into.append(Timing(wall, own2.ru_utime + own2.ru_stime - own.ru_utime - own.ru_stime,
                       kids2.ru_utime + kids2.ru_stime - kids.ru_utime - kids.ru_stime))


def _show(label: str, t: Timing, extra: str = "") -> None:
    print(f"{label}: wall {t.wall:.2f} s; CPU {t.cpu_self:.2f} s here + {t.cpu_children:.2f} s in workers{extra}; "
          f"load {os.getloadavg()[0]:.1f}", flush=True)


def _declared(info: dict[str, Any]) -> str:
    return (f"  pages {info['pages']}; bytes {info['bytes']:,}; PDF {info['version']}; tagged {info['tagged']}; "
            f"StructTreeRoot {info['structure']} ({info['elements']:,} elements); PDF/A {info['pdfa']}; "
            f"PDF/UA {info['pdfua']}; Lang {info['lang']}; bookmarks {info['bookmarks']}; "
            f"named destinations {info['named_destinations']}; links {info['links']}\n"
            f"  element types {info['element_types']}")


def _cold_compile(source: str, created: str | None) -> bytes:
    return compile_pdf(source, created=created)


def _in_fresh_process(function: Callable[..., Any], *args: Any) -> Any:
    """``function(*args)`` in a new process (Typst's memo caches are process-wide: a cold compile needs one)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


def measure_typst(renderer: Any, section: str, out: Path | None) -> None:
    """Markup and a cold compile here; a cold compile in a fresh process (same bytes?); for the sheets also, in
    this process, a warm recompile of the same source and of the source with one process changed, and the changed
    source cold in a fresh process. Typst keeps its memo caches for the life of the process (the binding has no
    way to evict them): the last figure is the memory after three compiles in one process."""
    created = renderer.view.result.get("data_valutazione")
    sheets = TypstSheets(renderer)
    times: list[Timing] = []
    with timed(times):
        source = sheets.document() if section == SHEETS else sheets.register()
    _show(f"typst markup of {section} ({len(source):,} characters)", times[-1])
    with sandbox_root() as root:
        warm = compiler(root)
        with timed(times):
            first = compile_pdf(source, created=created, compile_with=warm)
        _show("typst compile, cold (PDF/A-3a + PDF/UA-1)", times[-1],
              f"; peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
        with timed(times):
            second = _in_fresh_process(_cold_compile, source, created)
        _show("typst compile, cold, in a fresh process (with its start-up)", times[-1],
              f"; same bytes {first == second}")
        if section == SHEETS:
            with timed(times):
                again = compile_pdf(source, created=created, compile_with=warm)
            _show("typst recompile, warm, same source", times[-1], f"; same bytes {again == first}")
            with timed(times):
                changed_source = TypstSheets(_one_motivation_changed(renderer)).document()
                changed_pdf = compile_pdf(changed_source, created=created, compile_with=warm)
            _show("typst one motivation changed: markup + warm recompile", times[-1],
                  f"; differs {changed_pdf != first}; memory after three compiles in this process "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
            with timed(times):
                _in_fresh_process(_cold_compile, changed_source, created)
            _show("typst one motivation changed: markup done, cold compile in a fresh process", times[-1])
    print(f"typst {section}: sha256 {hashlib.sha256(first).hexdigest()[:12]}\n{_declared(describe(first))}",
          flush=True)
    if out:
        (out / f"{section}-typst.typ").write_text(source, encoding="utf-8")
        (out / f"{section}-typst.pdf").write_bytes(first)


def measure_typst_once(renderer: Any, section: str, standards: list[str], tags: bool) -> None:
    """One cold compile in this fresh process, to read its peak memory (the first figure is before compiling)."""
    sheets = TypstSheets(renderer)
    source = sheets.document() if section == SHEETS else sheets.register()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    times: list[Timing] = []
    with timed(times):
        data = compile_pdf(source, created=renderer.view.result.get("data_valutazione"), standards=standards, tags=tags)
    _show(f"typst {section}, one cold compile, standards {standards or 'none'}, tagged {tags}", times[-1],
          f"; peak {before:.0f} MB before compiling, {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          f"after; {describe(data)['pages']} pages; {len(data):,} bytes")


def _compile_part(job: tuple[str, str | None]) -> tuple[int, int, float]:
    """In a worker: compile one part's source; (pages, bytes, peak MB of this worker)."""
    from pypdf import PdfReader

    data = compile_pdf(job[0], created=job[1])
    return len(PdfReader(io.BytesIO(data)).pages), len(data), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure_typst_parts(renderer: Any, size: int, workers: int) -> None:
    """The sheets compiled by Typst in parts of at most ``size`` sheets (``report/pdf_parts.py``'s grouping),
    over ``workers`` fresh processes: what bounds Typst's memory (not joined)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from riskengine.report import pdf_parts

    created = renderer.view.result.get("data_valutazione")
    times: list[Timing] = []
    with timed(times):
        groups = pdf_parts.sheet_groups(renderer.view.processes, size)
        jobs = [(TypstSheets(renderer).document(group), created) for group in groups]
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                 max_tasks_per_child=1) as pool:
            laid = list(pool.map(_compile_part, jobs))
    _show(f"typst sheets in {len(groups)} parts of at most {size}, {workers} workers (not joined)", times[-1],
          f"; {sum(p for p, _, _ in laid)} pages; {sum(b for _, b, _ in laid):,} bytes; largest worker "
          f"{max(m for _, _, m in laid):.0f} MB")


def _one_motivation_changed(renderer: Any) -> Any:
    """A renderer over the same result with the motivation of its first assessed process changed."""
    from riskengine.report.html import HtmlRenderer
    from riskengine.report.view import View

    view = renderer.view
    result = dict(view.result, processi=[dict(p) for p in view.result["processi"]])
    first = next(p for p in result["processi"] if p.get("valutato"))
    first["motivazione"] = (first.get("motivazione") or "") + " Aggiornata."
    return HtmlRenderer(View(result, view.t, edition=view.edition))


def measure_weasyprint(renderer: Any, section: str, mode: str, workers: int, twice: bool, out: Path | None) -> None:
    """The same sheets through WeasyPrint: one document, or the product's parts over ``workers`` processes."""
    times: list[Timing] = []
    if mode == "parts":
        with timed(times):
            parts, pages = weasyprint_parts(renderer, workers)
        _show(f"weasyprint sheet parts ({parts} parts, {workers} workers, not joined)", times[-1],
              f"; {pages} pages; peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB here, "
              f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB the largest worker")
        return
    with timed(times):
        first = weasyprint_single(renderer, section)
    _show(f"weasyprint {section}, one document (PDF/A-3a)", times[-1],
          f"; peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if twice:
        with timed(times):
            second = weasyprint_single(renderer, section)
        _show("weasyprint again", times[-1], f"; same bytes {first == second}")
    info = describe(first)
    print(f"weasyprint {section}: sha256 {hashlib.sha256(first).hexdigest()[:12]}\n{_declared(info)}", flush=True)
    if out:
        (out / f"{section}-weasyprint.pdf").write_bytes(first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result", type=Path)
    parser.add_argument("--renderer", choices=("typst", "weasyprint", "both"), default="both")
    parser.add_argument("--section", choices=(SHEETS, "registro"), default=SHEETS,
                        help="the sheets, or the register's table (what tables cost)")
    parser.add_argument("--weasyprint", choices=("single", "parts"), default="single",
                        help="the sheets as one document, or in the product's parts")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for --weasyprint parts")
    parser.add_argument("--twice", action="store_true", help="render WeasyPrint's document twice (same bytes?)")
    parser.add_argument("--edition", choices=("pubblicazione", "completa"), default="pubblicazione")
    parser.add_argument("--lang", choices=("it", "en"), default="it")
    parser.add_argument("--once", metavar="STANDARDS", help="Typst only: one cold compile with these PDF standards "
                        "(comma-separated, '' for none), for its peak memory")
    parser.add_argument("--untagged", action="store_true", help="with --once: no PDF tags")
    parser.add_argument("--typst-parts", type=int, metavar="SIZE", help="Typst only: the sheets in parts of at most "
                        "SIZE sheets over --workers processes")
    parser.add_argument("--out", type=Path, help="write the Typst source and the PDFs into this directory")
    args = parser.parse_args()
    if args.section != SHEETS and args.weasyprint == "parts":
        parser.error("--weasyprint parts lays out the sheets only")

    from riskengine.report import canonical_copy, load_result
    from riskengine.report.html import HtmlRenderer
    from riskengine.report.messages import Messages
    from riskengine.report.view import View

    result = load_result(args.result)
    renderer = HtmlRenderer(View(canonical_copy(result), Messages(args.lang), edition=args.edition))
    print(f"{args.result}: {len(renderer.view.processes)} processes, edition {args.edition}, "
          f"{os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}", flush=True)
    if args.out:
        args.out.mkdir(parents=True, exist_ok=True)
    if args.typst_parts:
        measure_typst_parts(renderer, args.typst_parts, args.workers)
        return
    if args.once is not None:
        measure_typst_once(renderer, args.section, [x for x in args.once.split(",") if x], not args.untagged)
        return
    if args.renderer in ("typst", "both"):
        measure_typst(renderer, args.section, args.out)
    if args.renderer in ("weasyprint", "both"):
        measure_weasyprint(renderer, args.section, args.weasyprint, args.workers, args.twice, args.out)


if __name__ == "__main__":
    main()
