"""The annex as an editable Word document (docxtpl), from a Word template.

The publication content (register, general measures, specific measures per unit, monitoring plan,
risk sheets) is built as Word tables and headings in the template's own styles (header rows repeated
on every page) and placed where the template says (``{{p registro }}`` …); titles and labels are
plain variables. The package ships ``templates/allegato.docx``; a catalogue's ``templates/allegato.docx``
(or ``--templates``) replaces it, with the administration's styles, header and logo. The template runs
in the bounded Jinja sandbox with undefined variables as errors: a variable the result does not
provide is refused before rendering, with its name and place (``template-check`` lists them).
The file is deterministic: fixed document properties and zip timestamps.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from riskengine.errors import Location, Problem, RiskengineError
from riskengine.i18n import Text, placed, refuse, said
from riskengine.report import tables as tb
from riskengine.report.sandbox import templates_directory
from riskengine.report.template_causes import template_cause
from riskengine.report.view import View
from riskengine.source.archive import check_archive

DOCX_FILE = "allegato-rischi.docx"
DOCX_TEMPLATE = "allegato.docx"
PACKAGE_TEMPLATE = Path(__file__).parent / "templates" / DOCX_TEMPLATE
MAX_TEMPLATE_BYTES = 10 * 1024 * 1024
MAX_TEMPLATE_UNCOMPRESSED = 60 * 1024 * 1024
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_MAX_PROPERTY = 255  # characters of a document property (python-docx refuses more; Word shows no more)
TABLE_STYLES = ("Tabella allegato", "Table Grid")  # the template's own table style first, if it has one
# The variables a template may use: names of :func:`docx_context` (a test keeps them in step).
VARIABLES = ("anno", "data_riferimento", "data_valutazione", "edizione", "ente", "introduzioni", "mappatura",
             "misure", "misure_art6", "misure_generali", "misure_per_unita", "monitoraggio", "processi", "registro",
             "riferimento", "schede", "semplificato", "sottotitolo", "titoli", "titolo")
# The fields of the variables that are records (ente, titoli, introduzioni) or lists of records (processi, misure:
# the fields of each), read with a dot (``ente.nome``, ``p.livello`` in a loop over processi).
FIELDS = {"ente": ("dipendenti", "nome", "tipo"),
          "introduzioni": ("mappatura", "misure_art6", "misure_generali", "misure_per_unita", "monitoraggio",
                           "registro"),
          "misure": ("codice", "nome", "responsabile", "stato"),
          "processi": ("codice", "livello", "nome", "unita"),
          "titoli": ("mappatura", "misure_art6", "misure_generali", "misure_per_unita", "monitoraggio", "registro",
                     "schede")}
# Columns left out of the publication: internal rule identifiers (the HTML and JSON keep them).
_INTERNAL_COLUMNS = {"regola"}
_TAG = re.compile(r"\{\{-?(.*?)-?\}\}|\{%-?(.*?)-?%\}", re.S)
_DOCXTPL_PREFIX = re.compile(r"^\s*(?:p|tr|tc|r)\s+")
_STATEMENT = re.compile(r"^\s*(for|if|elif|set|with|macro)\b(.*)$", re.S)


@dataclass(frozen=True)
class Use:
    """A variable a template uses, and where (paragraph, table cell, header, footer); ``field``: the field of it
    read (of one of its records, for a list), when one is."""

    name: str
    place: Location
    field: str = ""


def _refuse(path: Path, key: str, hint: str = "correggi", **values: Any) -> RiskengineError:
    """One located problem about the Word template, worded by ``problemi.modello.<key>`` and its hint."""
    return refuse(Location(str(path)), f"problemi.modello.{key}", code="template",
                  hint_key=f"problemi.modello.suggerimento.{hint}", **values)


def template_file(templates: str | Path | None) -> Path:
    """The Word template: ``allegato.docx`` of the templates directory, else the package's."""
    if templates is None:
        return PACKAGE_TEMPLATE
    directory = templates_directory(templates)
    candidate = directory / DOCX_TEMPLATE
    if not candidate.exists() and not candidate.is_symlink():
        return PACKAGE_TEMPLATE
    real = candidate.resolve()
    if candidate.is_symlink() or directory.resolve() not in real.parents:
        raise _refuse(candidate, "word_collegamento", "metti_il_file")
    return candidate


def check_template(path: Path) -> None:
    """Refuse a Word file that is not a bounded, macro-free DOCX (before python-docx parses it)."""
    check_archive(path, max_bytes=MAX_TEMPLATE_BYTES, max_uncompressed=MAX_TEMPLATE_UNCOMPRESSED, code="template",
                  save_as="docx")


_FOOTNOTES = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_RENDERED_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")  # docxtpl's list


@dataclass(frozen=True)
class _Part:
    """A part of the template docxtpl renders, its Jinja source as docxtpl renders it (its tags joined across
    runs, one line per paragraph) and the package's name of the part (none for a document property)."""

    place: Location
    source: str
    name: str


@dataclass(frozen=True)
class _Read:
    """The template read once: the text of each paragraph python-docx reaches at its place (body, table cells,
    headers and footers), and the parts docxtpl renders (those and footnotes and document properties)."""

    paragraphs: list[tuple[str, Location]]
    parts: list[_Part]

    def texts(self) -> list[tuple[str, Location]]:
        """(text, place) of every paragraph a tag may be written in, footnotes and document properties included
        (python-docx, which gives the others, does not reach them)."""
        return self.paragraphs + [(_paragraph(part.source, line), part.place) for part in self.parts
                                  if part.place.place_key in (_PLACE + "note", _PLACE + "proprieta")
                                  for line in range(1, part.source.count("\n") + 2)]


_PLACE = "problemi.modello.posto."


def _read(path: Path) -> _Read:
    """Read the template (one parse, docxtpl's, whose python-docx document gives the paragraphs)."""
    from docxtpl import DocxTemplate

    order = itertools.count()

    def place(key: str, **values: Any) -> Location:
        return placed(path, _PLACE + key, next(order), **values)

    try:
        template = DocxTemplate(str(path))
        template.init_docx()
        document = template.docx
        paragraphs = [(p.text, place("paragrafo", n=i)) for i, p in enumerate(document.paragraphs, start=1)]
        for t, table in enumerate(document.tables, start=1):
            for r, row in enumerate(table.rows, start=1):
                for c, cell in enumerate(row.cells, start=1):
                    where = place("cella", tabella=t, riga=r, cella=c)
                    paragraphs += [(p.text, where) for p in cell.paragraphs]
        for s, section in enumerate(document.sections, start=1):
            for part, name in ((section.header, "intestazione_sezione"), (section.footer, "pie_di_pagina_sezione")):
                paragraphs += [(p.text, place(name, sezione=s)) for p in part.paragraphs]
        parts = [(place("documento"), template.patch_xml(template.get_xml()), str(document.part.partname))]
        for uri, name in ((template.HEADER_URI, "intestazione"), (template.FOOTER_URI, "pie_di_pagina")):
            parts += [(place(name), template.patch_xml(template.get_part_xml(part)), str(part.partname))
                      for _, part in template.get_headers_footers(uri)]
        parts += [(place("note"), template.patch_xml(part.blob.decode("utf-8")), str(part.partname))
                  for part in document.part.package.parts if part.content_type == _FOOTNOTES]
        properties = document.core_properties  # docxtpl renders these too, each on its own
        parts += [(place("proprieta", nome=name), getattr(properties, name) or "", "")
                  for name in _RENDERED_PROPERTIES]
    except Exception as exc:  # python-docx raises many kinds on a damaged file: one located line
        raise _refuse(path, "word_illeggibile", errore=type(exc).__name__) from None
    return _Read(paragraphs, [_Part(where, re.sub(r"<w:p([ >])", r"\n<w:p\1", xml), name)
                              for where, xml, name in parts])


def template_uses(read: _Read) -> list[Use]:
    """The variables the template reads, each with the first place it is used (loop variables excluded), and the
    fields it reads of the records (``ente.nome``, ``p.livello`` in a loop over ``processi``)."""
    from jinja2 import TemplateSyntaxError, meta, nodes

    from riskengine.report.sandbox import AnnexEnvironment, RenderLimits

    env = AnnexEnvironment(RenderLimits.for_items(0))  # its globals (range, dict, not lipsum) are no variables
    uses: list[Use] = []
    bound: set[str] = {"loop"}  # inside a for: Jinja's own
    records: dict[str, str] = {}  # a loop variable over a list of records: the list's name
    for text, place in read.texts():
        for match in _TAG.finditer(text):
            expression, statement = match.group(1), match.group(2)
            if expression is not None:
                source = "{{ " + _DOCXTPL_PREFIX.sub("", expression) + " }}"
            else:
                found = _STATEMENT.match(_DOCXTPL_PREFIX.sub("", statement))
                if found is None:
                    continue
                word, rest = found.groups()
                if word == "for":
                    targets, _, rest = rest.partition(" in ")
                    bound.update(n.strip() for n in targets.split(","))
                    # the records of a list, filtered or sorted (processi|sort(attribute='codice')) or not
                    if (listed := rest.split(" if ")[0].split("|")[0].strip()) in FIELDS:
                        records[targets.strip()] = listed
                elif word in ("set", "with"):
                    target, _, rest = rest.partition("=")
                    bound.add(target.strip())
                source = "{{ " + rest.split(" if ")[0] + " }}"
                if word == "macro":  # parsed whole: a default may hold commas; its parameters and Jinja's are bound
                    source = "{% macro " + rest + " %}{% endmacro %}"
                    with contextlib.suppress(TemplateSyntaxError):  # said below, where it is parsed again
                        for macro in env.parse(source).find_all(nodes.Macro):
                            bound.update([macro.name, *(a.name for a in macro.args), "caller", "varargs", "kwargs"])
            try:
                parsed = env.parse(source)
                names = meta.find_undeclared_variables(parsed)
            except TemplateSyntaxError as exc:
                # A statement is parsed wrapped as an expression: the tokens Jinja would quote are not the user's.
                cause = template_cause(exc) if expression is not None else {"causa": exc.message}
                raise refuse(place, "problemi.modello.sintassi", code="template",
                             hint_key="problemi.modello.suggerimento.etichetta", **cause) from None
            uses += [Use(n, place) for n in sorted(names)]
            called = {id(call.node) for call in parsed.find_all(nodes.Call)}  # titoli.items(): a method, not a field
            uses += [Use(records.get(read.node.name, read.node.name), place, read.attr)
                     for read in parsed.find_all(nodes.Getattr) if isinstance(read.node, nodes.Name)
                     and id(read) not in called
                     and (read.node.name in records or (read.node.name in FIELDS and read.node.name not in bound))]
    first: dict[tuple[str, str], Use] = {}
    for use in uses:
        if use.field or use.name not in bound:
            first.setdefault((use.name, use.field), use)
    return list(first.values())


def _paragraph(source: str, line: int | None) -> str:
    """The text of the paragraph at ``line`` of a part's source, without its XML."""
    lines = source.splitlines()
    return " ".join(re.sub(r"<[^>]+>", "", lines[line - 1]).split()) if line and line <= len(lines) else ""


def _near(source: str, line: int | None) -> str:
    """The paragraph at ``line`` of a part's source, as a place to look for in Word."""
    return _paragraph(source, line)[:80] or "—"


def check_syntax(read: _Read) -> None:
    """Refuse a template Jinja cannot compile as a whole (a block left open, a tag cut short, ``{%tr`` outside a
    table), or one that reads another file (include, import, extends), near the paragraph at fault."""
    from jinja2 import Environment, TemplateSyntaxError, nodes

    env = Environment()  # parsing only: the sandbox and its limits apply when the template runs
    for part in read.parts:
        try:
            tree = env.parse(part.source)
        except (TemplateSyntaxError, RecursionError) as exc:
            raise refuse(part.place, "problemi.modello.sintassi_vicino", code="template",
                         hint_key="problemi.modello.suggerimento.etichetta",
                         vicino=_near(part.source, getattr(exc, "lineno", None)),
                         **template_cause(exc)) from None
        for node in tree.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
            raise refuse(part.place, "problemi.modello.altro_file", code="template",
                         hint_key="problemi.modello.suggerimento.un_file", vicino=_near(part.source, node.lineno))


def _failed_near(path: Path, exc: BaseException, rendering: Any) -> tuple[Location, str] | None:
    """(place, paragraph text) where rendering failed: the template's line in the traceback Jinja rewrites, in the
    part docxtpl was rendering; None when it is not known (a document property: docxtpl renders those without
    saying which)."""
    line = None
    trace = exc.__traceback__
    while trace is not None:
        if trace.tb_frame.f_code.co_name == "render_properties":
            return None
        if trace.tb_frame.f_code.co_filename == "<template>":
            line = trace.tb_lineno
        trace = trace.tb_next
    name = str(getattr(rendering, "partname", ""))
    if line is None:
        return None
    found = next((part for part in _read(path).parts if part.name == name), None)
    return None if found is None else (found.place, _near(found.source, line))


def template_problems(path: Path) -> list[Problem]:
    """A problem for each variable the template uses that the result does not provide, at its place; raise
    :class:`RiskengineError` for a template that is no bounded DOCX or does not compile."""
    check_template(path)
    from riskengine.suggest import did_you_mean

    read = _read(path)
    uses = template_uses(read)  # a tag's own faults first: they are placed at their paragraph
    check_syntax(read)
    problems = []
    for use in uses:
        if use.field:
            if use.name in FIELDS and use.field not in FIELDS[use.name]:
                problems.append(said(use.place, "problemi.modello.campo_sconosciuto",
                                     code="template", hint=did_you_mean(use.field, FIELDS[use.name]),  # or the list
                                     variabile=use.name, campo=use.field))
        elif use.name not in VARIABLES:
            proposal = did_you_mean(use.name, VARIABLES)
            problems.append(said(use.place, "problemi.modello.variabile_sconosciuta",
                                 code="template", hint=proposal,
                                 hint_key="" if proposal else "problemi.modello.suggerimento.variabili",
                                 variabile=use.name, variabili=", ".join(VARIABLES)))
    return problems


# --- the content -----------------------------------------------------------------------------------------

def _text(value: Any, t: Text) -> str:
    """A table value as the other formats show it, by the catalogue's helpers: a level by its label, a number
    with the language's decimal mark, a date as the language writes it (dd/mm/yyyy in Italian)."""
    if value is None:
        return ""
    if isinstance(value, tb.Level):
        return value.etichetta
    if isinstance(value, Decimal):
        return t.number(format(value, "f"))
    if isinstance(value, dt.date):  # str() of a date is ISO whatever the language
        return t.day(value.isoformat())
    return str(value)


def _date(value: str | None, t: Text) -> str:
    """A date of the result as the language writes it; no date: empty (the template's own text stays)."""
    return t.day(str(value)[:10]) if value else ""


def _style(document: Any, names: tuple[str, ...]) -> Any:
    for name in names:
        try:
            return document.styles[name]
        except KeyError:
            continue
    return None


def _heading(document: Any, text: str, level: int) -> None:
    style = _style(document, (f"Heading {level}", f"Titolo {level}"))
    if style is not None:
        document.add_paragraph(text, style=style)
    else:
        document.add_paragraph().add_run(text).bold = True


def _table(document: Any, headers: list[str], rows: list[list[str]]) -> None:
    """A table in the template's table style, its header row bold and repeated on every page."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    table = document.add_table(rows=1, cols=len(headers))
    style = _style(document, TABLE_STYLES)
    if style is not None:
        table.style = style
    head = table.rows[0]
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    head._tr.get_or_add_trPr().append(repeat)
    for cell, text in zip(head.cells, headers, strict=True):
        cell.paragraphs[0].add_run(text).bold = True
    for values in rows:
        for cell, text in zip(table.add_row().cells, values, strict=True):
            cell.text = text


def _from_table(document: Any, view: View, table: tb.Table) -> None:
    keep = [i for i, c in enumerate(table.columns) if c.key not in _INTERNAL_COLUMNS]
    _table(document, [tb.header(view, table.columns[i]) for i in keep],
           [[_text(row[i], view.t) for i in keep] for row in table.rows])


def _unit_measures(document: Any, view: View) -> None:
    """What each unit or role must do, as the HTML annex's dossiers say it (``dossier_unita.html.j2``), which the
    section's introduction describes: every measure, general or specific, overdue first and marked; the processes
    it owns; its implementation of the measures due."""
    t = view.t
    dossiers = view.unit_dossiers()
    if not dossiers:
        document.add_paragraph(t("unita.nessuna"))
    for d in dossiers:
        unit = d["unita"]
        _heading(document, f"{unit['nome']} ({unit['codice']})" if unit else t("unita.senza_responsabile"), 2)
        if unit and unit.get("padre") in view.unit:
            document.add_paragraph(t("unita.dipende_da", padre=view.unit[unit["padre"]]["nome"]))
        done = d["attuazione"]
        if done and not done["dovute"]:
            document.add_paragraph(t("unita.nessuna_dovuta", n=done["non_ancora_dovute"]))
        elif done:
            rate = t.number(done["tasso"], "%")
            text = t("unita.attuazione", attuate=done["attuate"], dovute=done["dovute"], tasso=rate)
            if done["non_ancora_dovute"]:
                text += " " + t("unita.non_ancora_dovute", n=done["non_ancora_dovute"])
            document.add_paragraph(text)
        if d["scadute"]:
            document.add_paragraph().add_run(t.warned('unita.scadute', n=d['scadute'])).bold \
                = True
        if d["processi"]:
            owned = "; ".join(f"{p['codice']} {p['nome']}" + (f" ({level['etichetta']})"
                                                              if (level := view.level_of(p.get("livello"))) else "")
                              for p in d["processi"])
            document.add_paragraph(f"{t('unita.processi')}: {owned}")
        if not d["misure"]:
            document.add_paragraph(t("unita.nessuna_misura"))
            continue
        document.add_paragraph(t("unita.didascalia", n=len(d["misure"]), generali=d["generali"], scadute=d["scadute"]))
        _table(document, [t(f"colonne.{k}") for k in ("misura", "ambito", "ruolo", "processi", "scadenza", "stato",
                                                       "indicatore")],
               [_dossier_row(view, m) for m in d["misure"]])


def _dossier_row(view: View, m: dict[str, Any]) -> list[str]:
    """A measure of a unit's dossier: its cells as ``dossier_unita.html.j2`` writes them, links aside."""
    t = view.t
    if m["ruolo"] == "responsabile":
        role = t("unita.ruolo_responsabile")
    elif m["ruolo"] == "collettivo":
        role = t("unita.ruolo_collettivo", ruolo=m["tramite"], come=t.collective_how(m["come"]))
    else:
        role = f"{t('unita.ruolo_supporto')} ({m.get('responsabile') or '—'})"
    processes = t("unita.tutti_i_processi") if m.get("tratta_tutti") else ", ".join(m.get("processi") or []) or "—"
    state = t.value("stato", m.get("stato_monitorato"))
    if m.get("scaduta"):
        state = f"{t.warned('unita.in_ritardo')}\n{state}"
    indicator = m.get("indicatore") or ""
    if m.get("target"):
        indicator += f"\n{t('colonne.target')}: {m['target']}"
    return [f"{m['codice']} {m['nome']}", t.value("ambito", m["ambito"]), role, processes,
            t.day(m["scadenza"]) if m.get("scadenza") else "", state, indicator]


def _letters(view: View) -> str:
    """The art. 6 areas as the process map's introduction lists them: ``a) …; b) …``."""
    return "; ".join(f"{g['lettera']}) {g['nome']}" for g in view.art6_groups())


def _art6_measures(document: Any, view: View) -> None:
    """The measures per art. 6 area, as the HTML annex gives them: each area's processes, then its specific
    measures (the general ones have their own section)."""
    t = view.t
    for g in view.art6_groups():
        _heading(document, f"{g['lettera']}) {g['nome']}", 2)
        if not g["processi"]:
            document.add_paragraph(t("art6.nessun_processo"))
            continue
        document.add_paragraph(f"{t('art6.processi_mappati')}: "
                               + "; ".join(f"{p['codice']} {p['nome']}" for p in g["processi"]))
        if g["misure"]:
            _table(document, [t(f"colonne.{k}") for k in ("misura", "descrizione", "responsabile", "scadenza",
                                                           "stato")],
                   [[f"{m['codice']} {m['nome']}", m.get("descrizione") or "", m.get("responsabile") or "",
                     t.day(m["scadenza"]) if m.get("scadenza") else "", t.value("stato", m.get("stato_monitorato"))]
                    for m in g["misure"]])
        else:
            document.add_paragraph(t("art6.solo_generali"))


def _sheets(document: Any, view: View) -> None:
    t = view.t
    for p in sorted(view.processes, key=lambda p: tb_natural(p["codice"])):
        _heading(document, f"{p['codice']} – {p['nome']}", 2)
        states = [("livello_inerente", p.get("inerente") or {}),
                  ("livello_residuo_programmato", p.get("residuo_programmato") or {}),
                  ("livello_residuo_monitorato", p.get("residuo_monitorato") or {})]
        rows = [[t("colonne.area"), "; ".join(f"{a['codice']} – {a['nome']}" for a in p.get("aree", []))],
                [t("colonne.unita_responsabile"), (p.get("unita") or {}).get("nome", "")]]
        if p.get("valutato"):
            if view.numeric:
                rows += [[t("colonne.probabilita"), _text(Decimal(p["probabilita"]), view.t)],
                         [t("colonne.impatto"), _text(Decimal(p["impatto"]), view.t)]]
            for key, state in states:
                level = view.level_of(state.get("livello"))
                score = f" ({_text(Decimal(state['rischio']), view.t)})" if state.get("rischio") else ""
                rows.append([t(f"colonne.{key}"), (level["etichetta"] if level else "") + score])
            rows.append([t("scheda.motivazione"), p.get("motivazione") or t("scheda.senza_motivazione")])
        else:
            rows.append([t("scheda.valutazione"), t("scheda.non_valutato")])
        _table(document, [t("scheda.identificazione"), ""], rows)
        events = p.get("eventi", [])
        _heading(document, t("scheda.eventi"), 3)
        if events:
            _table(document, [t("colonne.codice"), t("colonne.descrizione")],
                   [[e["codice"], e.get("descrizione", "")] for e in events])
        else:
            document.add_paragraph(t("scheda.nessun_evento"))
        _heading(document, t("scheda.misure"), 3)
        specific = view.process_measures(p, "specifica")
        if specific:
            _table(document, [t("colonne.codice"), t("colonne.nome_misura")],
                   [[m["codice"], m["nome"]] for m in specific])
        general = view.process_measures(p, "generale")
        if general:
            document.add_paragraph(t("scheda.misure_generali_codici", n=len(general)) + " "
                                   + ", ".join(m["codice"] for m in general))


def tb_natural(code: str) -> tuple:
    """Codes in natural order (B2.10 after B2.9)."""
    from riskengine.report.view import natural_key

    return natural_key(code)


def docx_context(view: View, template: Any) -> dict[str, Any]:
    """The variables of the Word template (see :data:`VARIABLES`): texts, and the sections as sub-documents."""
    t = view.t

    def section(build: Any) -> Any:
        sub = template.new_subdoc()
        build(sub)
        return sub

    plan = view.ente["piano"]
    return {
        "ente": {"nome": view.ente["nome"], "tipo": view.ente.get("tipo", ""),
                 "dipendenti": view.ente.get("dipendenti")},
        "anno": view.result.get("anno"),
        "titolo": t("documento.titolo"),
        "sottotitolo": t("documento.sottotitolo", dal=plan["dal"], al=plan["al"]),
        # what the reader must know first: a draft (not to be published), data made up
        "edizione": ". ".join(([t("documento.bozza")] if view.draft else [])
                              + ([t("documento.esempio")] if view.ente.get("esempio") else [])),
        "data_riferimento": _date(view.ente.get("data_riferimento"), t),
        "riferimento": f"{t('documento.data_riferimento')}: {_date(view.ente.get('data_riferimento'), t)}",
        "data_valutazione": _date(view.result.get("data_valutazione"), t),
        "titoli": {"registro": t("registro.titolo"), "misure_generali": t("generali.titolo"),
                   "misure_per_unita": t("unita.titolo"), "monitoraggio": t("monitoraggio.titolo"),
                   "schede": t("schede.titolo"), "mappatura": t("mappatura.titolo"), "misure_art6": t("art6.titolo")},
        "introduzioni": {"registro": t("registro.intro"), "misure_generali": t("generali.intro"),
                         "misure_per_unita": t("unita.intro"), "monitoraggio": t("monitoraggio.intro"),
                         "mappatura": f"{t('mappatura.intro')} {_letters(view)}. {t('mappatura.legenda')}",
                         "misure_art6": t("art6.intro")},
        # under 50 staff (DM 132/2022 art. 6) the annex is the process map and the measures per art. 6 area, with
        # the general ones (the HTML and PDF annex's sections): the shipped template writes only those then; the
        # other sections are filled all the same, for templates of earlier versions
        "semplificato": view.simplified,
        "mappatura": section(lambda d: _from_table(d, view, tb.process_map(view)) if view.simplified else None),
        "misure_art6": section(lambda d: _art6_measures(d, view) if view.simplified else None),
        "registro": section(lambda d: _from_table(d, view, tb.register(view))),
        "misure_generali": section(lambda d: _from_table(d, view, tb.general_measures(view))),
        "misure_per_unita": section(lambda d: _unit_measures(d, view)),
        "monitoraggio": section(lambda d: _from_table(d, view, tb.monitoring(view))),
        "schede": section(lambda d: _sheets(d, view)),
        "processi": [{"codice": p["codice"], "nome": p["nome"],
                      "livello": (view.level_of(p.get("livello")) or {}).get("etichetta", ""),
                      "unita": (p.get("unita") or {}).get("nome", "")} for p in view.register],
        "misure": [{"codice": m["codice"], "nome": m["nome"], "responsabile": m.get("responsabile") or "",
                    "stato": t.value("stato", m.get("stato_monitorato"))} for m in view.measures],
    }


def _deterministic(data: bytes) -> bytes:
    """The document's bytes with fixed zip entry timestamps (python-docx stamps the wall clock)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=ZIP_EPOCH)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()


def docx_bytes(view: View, template: Path) -> bytes:
    """Render the annex from the Word ``template`` in the bounded sandbox; deterministic bytes."""
    from docxtpl import DocxTemplate
    from jinja2 import StrictUndefined, TemplateError
    from jinja2.sandbox import SecurityError

    from riskengine.report.sandbox import AnnexEnvironment, Deadline, RenderLimits, TemplateLimitError

    problems = template_problems(template)
    if problems:
        raise RiskengineError(problems)
    document = DocxTemplate(str(template))
    limits = RenderLimits.for_items(len(view.processes) + len(view.measures))
    env = AnnexEnvironment(limits, autoescape=True, undefined=StrictUndefined)
    env.bound_filters()
    try:
        with Deadline(limits.seconds).running():
            env.start_output()
            document.render(docx_context(view, document), jinja_env=env, autoescape=True)
    except (TemplateError, SecurityError, TemplateLimitError, RecursionError,
            ArithmeticError, LookupError, TypeError, ValueError) as exc:  # the last raised by the template's own code
        near = _failed_near(template, exc, getattr(document, "current_rendering_part", None))
        if near is None:
            raise _refuse(template, "errore", nome=template.name, errore=type(exc).__name__,
                          **template_cause(exc)) from exc
        place, text = near
        raise refuse(place, "problemi.modello.errore_vicino", code="template",
                     hint_key="problemi.modello.suggerimento.correggi", nome=template.name, vicino=text,
                     **template_cause(exc)) from exc
    when = dt.datetime.combine(dt.date.fromisoformat(str(view.ente["data_riferimento"])[:10]), dt.time())
    props = document.docx.core_properties
    props.created = props.modified = when
    props.last_printed = when
    props.revision = 1
    props.author = props.last_modified_by = "riskengine"
    title = f"{view.t('documento.titolo')} {view.result.get('anno')} – {view.ente['nome']}"
    props.title = title if len(title) <= _MAX_PROPERTY else title[:_MAX_PROPERTY - 1] + "…"
    props.language = view.lang
    buffer = io.BytesIO()
    document.save(buffer)
    return _deterministic(buffer.getvalue())


def write_docx(view: View, staging: Path, templates: str | Path | None = None) -> list[Path]:
    """Write ``allegato-rischi.docx`` into ``staging``."""
    path = staging / DOCX_FILE
    path.write_bytes(docx_bytes(view, template_file(templates)))
    return [path]
