"""The Jinja2 environment (sandboxed, autoescaped, strict) and the HTML annex.

Templates ship in ``riskengine/report/templates``; a ``templates`` directory given by the user
overrides any of them by file name. Templates are trusted code for the HTML they write (see
docs/security.md), and nothing more: when a templates directory is in use, every template, shipped
or not, runs in the sandbox of :mod:`riskengine.report.sandbox` (immutable, bounded in time and size).
The package's own templates alone are the program's code and run in a plain environment (the
sandbox's checks cost a quarter of the rendering time, measured in bench/). Both use
``StrictUndefined``: a typo is an error naming the template and line, not an empty cell. Every page gets a
Content-Security-Policy no template can drop. Errors are raised as :class:`RiskengineError`.
"""

from __future__ import annotations

import base64
import contextlib
import dataclasses
import functools
import hashlib
import re
import traceback
from collections.abc import Iterable, Iterator
from decimal import Decimal
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import TYPE_CHECKING, Any

from riskengine.errors import Location, RiskengineError
from riskengine.i18n import refuse
from riskengine.report.files import ANNEX_FILE, annex_file
from riskengine.report.messages import Messages
from riskengine.report.sandbox import (
    AnnexEnvironment,
    Deadline,
    OverrideLoader,
    RenderLimits,
    TemplateLimitError,
    templates_directory,
)
from riskengine.report.template_causes import template_cause
from riskengine.report.view import View
from riskengine.user_cache import cache_directory

if TYPE_CHECKING:
    from jinja2 import Environment

    from riskengine.report.template_cache import CompiledTemplates

ANNEX_TEMPLATE = "allegato.html.j2"
SHEET_TEMPLATE = "scheda_pagina.html.j2"
SHEET_BODY_TEMPLATE = "scheda.html.j2"
UNIT_TEMPLATE = "dossier_pagina.html.j2"
UNIT_BODY_TEMPLATE = "dossier_unita.html.j2"
# The heading level of a sheet or a unit's dossier in the annex (schede.html.j2, misure_unita.html.j2), and on its
# own page (scheda_pagina.html.j2, dossier_pagina.html.j2).
ANNEX_HEADING, PAGE_HEADING, UNIT_PAGE_HEADING = 3, 1, 2
SHEETS_DIR = "schede"
UNITS_DIR = "unita"
PAGE_BASE = f"../{ANNEX_FILE}"  # pages in schede/ and unita/ link into the annex
PACKAGE_TEMPLATES = Path(__file__).parent / "templates"
# The register's filters and sorting: the one script of the annex, inline, allowed by its hash alone.
REGISTER_SCRIPT = (PACKAGE_TEMPLATES / "registro.js").read_text(encoding="utf-8")
REGISTER_SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(REGISTER_SCRIPT.encode("utf-8")).digest()).decode()
# The annex is one offline file: inline styles and SVG, no fetches, no form submission, and no script
# but the register's (by hash: a script a template or the data adds does not run).
CONTENT_SECURITY_POLICY = (f"default-src 'none'; script-src '{REGISTER_SCRIPT_HASH}'; style-src 'unsafe-inline'; "
                           "img-src data:; font-src data:; base-uri 'none'; form-action 'none'")
CSP_META = f'<meta http-equiv="Content-Security-Policy" content="{CONTENT_SECURITY_POLICY}">\n'
# The one start of a page after which the policy goes where HTML puts it (first in <head>): a bare doctype,
# <html> with at most a plain lang and <head>, HTML whitespace only. Anything else (comments, other attributes)
# gets the policy before all of it (see with_policy). Not a scan: a whitelist of the exact start.
_PLAIN_START = re.compile(r'[ \t\n\f\r]*<!doctype html>[ \t\n\f\r]*<html(?: lang="[A-Za-z-]{0,35}")?>'
                          r"[ \t\n\f\r]*<head>\n?", re.I)
_DOCTYPE = "<!DOCTYPE html>\n"


def _autoescape(name: str | None) -> bool:
    # Style sheets are included raw inside <style> (entities are not decoded there); all else is escaped.
    return not (name or "").endswith(".css.j2")


def make_environment(templates: str | Path | None = None, limits: RenderLimits | None = None) -> Environment:
    """The environment of the annex: with user ``templates``, the bounded sandbox over them and then the
    package's templates, compiled in the run; with the package's templates alone, a plain environment (they are
    trusted: :mod:`riskengine.report.package_env`) whose compiled code is kept
    (:mod:`riskengine.report.template_cache`)."""
    from jinja2 import ChoiceLoader, PackageLoader, StrictUndefined

    package = PackageLoader("riskengine.report", "templates")
    options: dict[str, Any] = {"autoescape": _autoescape, "undefined": StrictUndefined, "trim_blocks": True,
                               "lstrip_blocks": True, "keep_trailing_newline": True}
    if templates is None:
        from riskengine.report.package_env import PackageEnvironment
        from riskengine.report.template_cache import CACHE_KIND, compile_settings

        # auto_reload off: the package's files do not change during a run (no stat of a template per include)
        env = PackageEnvironment(loader=package, auto_reload=False, **options)
        env.bytecode_cache = _compiled(compile_settings(env), cache_directory(CACHE_KIND))
        return env
    loader = ChoiceLoader([OverrideLoader(templates_directory(templates)), package])
    return AnnexEnvironment(limits or RenderLimits.for_items(0), loader=loader, **options)


@functools.cache
def _compiled(settings: str, directory: Path | None) -> CompiledTemplates:
    """The package's templates compiled once per process and, in the user's cache ``directory``, once for later
    runs: each edition's and language's environment reuses the code (compiling them all takes about 0.3 s)."""
    from riskengine.report.template_cache import CompiledTemplates

    return CompiledTemplates(settings, directory)


_HEAD = re.compile(r"<head>", re.I)


def with_policy(page: str) -> str:
    """``page`` with the Content-Security-Policy before anything that could load or run content.

    A page starting the plain way gets the policy as the first element of its <head>. Any other page
    gets a doctype and the policy before everything it holds: an HTML parser reads a <meta> before
    <html> as the start of <head>, and then ignores the page's own doctype and merges its <html>
    attributes, so no comment or attribute trick of the template can come before the policy.
    """
    start = _PLAIN_START.match(page)
    if start:
        return page[:start.end()] + CSP_META + page[start.end():]
    return _DOCTYPE + CSP_META + page


def stream_with_policy(parts: Iterable[str]) -> Iterator[str]:
    """The pieces of a page with the policy placed as :func:`with_policy` places it, holding back only the start.

    The start of a page that :func:`with_policy` recognises ends at its first ``<head>`` (and the newline after
    it), so the pieces up to one character past that decide it; a page without ``<head>`` is held whole (a
    user template's page, bounded by the sandbox's output limit).
    """
    parts = iter(parts)
    start: list[str] = []
    seen = 0
    head_end: int | None = None
    tail = ""
    for part in parts:
        start.append(part)
        if head_end is None:
            text = "".join((tail, part))  # plain text: ``+`` would escape ``tail`` when ``part`` is Markup
            found = _HEAD.search(text)
            if found:
                head_end = seen - len(tail) + found.end()
            tail = text[-5:]
        seen += len(part)
        if head_end is not None and seen > head_end:
            break
    yield with_policy("".join(start))
    yield from parts


def _number(value: Any, lang: str, suffix: str = "") -> str:
    if value is None or value == "":
        return "—"
    text = str(value)
    if lang == "it":
        text = text.replace(".", ",")
    return text + suffix


_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")


def _decimals(value: Any, lang: str) -> str:
    """A text holding numbers (a band interval "≥ 4.01 e ≤ 9") with the language's decimal mark."""
    text = str(value)
    return _DECIMAL_POINT.sub(",", text) if lang == "it" else text


def _signed(value: Any, lang: str, suffix: str = "") -> str:
    """A difference with its sign: "+0,27", "−0,27" (a true minus sign); zero has none."""
    if value is None or value == "":
        return "—"
    text = str(value)
    if Decimal(text) == 0:
        return _number(text, lang, suffix)
    sign = "−" if text.startswith("-") else "+"
    return sign + _number(text.lstrip("-"), lang, suffix)


def _date(value: Any, messages: Messages) -> str:
    if value is None or value == "" or value == "—":
        return "—"
    text = str(value)
    if len(text) == 10 and text[4] == "-" and text[7] == "-" and text[:4].isdigit():
        return f"{text[8:10]}/{text[5:7]}/{text[:4]}" if messages.lang == "it" else text
    return messages.value("scadenza", text)


def css_string(value: Any) -> str:
    """``value`` as a quoted CSS string that cannot close the string, the rule or the <style> element."""
    out = []
    for ch in str(value):
        if ch in '"\\<>&' or ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append(f"\\{ord(ch):x} ")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def render_context(view: View) -> dict[str, Any]:
    """What every template sees: the result, the view, the labels and the two charts."""
    from markupsafe import Markup

    from riskengine.report import svg
    from riskengine.report.arithmetic import calculation, method_in_words

    return {"result": view.result, "view": view, "t": view.t, "lang": view.lang,
            "registro_script": Markup(REGISTER_SCRIPT),  # the exact text its hash in the policy allows
            "calcolo": lambda p: calculation(view, p),  # a process's scores as plain arithmetic
            "metodo_parole": method_in_words(view),
            "mappe_svg": svg.process_maps(view) if view.scored else [],
            "righello_svg": svg.band_ruler(view) if view.numeric else None,
            "distribuzione_svg": svg.distribution(view) if view.scored else "",
            "andamento_svg": svg.trend(view) if "storico" in view.result else "",
            "livelli_anni_svg": svg.levels_by_year(view) if "storico" in view.result else ""}


def _install_filters(env: Environment, messages: Messages) -> None:
    env.filters["num"] = lambda v, suffix="": _number(v, messages.lang, suffix)
    env.filters["decimali"] = lambda v: _decimals(v, messages.lang)
    env.filters["delta"] = lambda v, suffix="": _signed(v, messages.lang, suffix)
    env.filters["data"] = lambda v: _date(v, messages)
    env.filters["val"] = lambda v, field: messages.value(field, v)
    env.filters["css"] = css_string


def _template_place(exc: BaseException, env: Environment) -> tuple[str, str, int]:
    """(template name, file, line) of the innermost template frame of ``exc``, or ('', '', 0)."""
    from jinja2 import TemplateSyntaxError

    if isinstance(exc, TemplateSyntaxError):
        return exc.name or "", exc.filename or exc.name or "", exc.lineno or 0
    frames = traceback.extract_tb(exc.__traceback__)
    for frame in reversed(frames):
        name = frame.filename
        if name.endswith(".j2") or name.startswith("<template>"):
            return Path(name).name, name, frame.lineno or 0
    return "", "", 0


def template_error(exc: BaseException, env: Environment, fallback: str) -> RiskengineError:
    """A :class:`RiskengineError` naming the template, the line and the cause of ``exc``."""
    from jinja2 import TemplateNotFound

    name, filename, line = _template_place(exc, env)
    if isinstance(exc, TemplateNotFound):
        cause: dict[str, Any] = {"causa_chiave": "problemi.modello.non_trovato", "modello": exc.name}
    else:
        cause = template_cause(exc)
    name = name or fallback
    hint = "pacchetto" if _is_package_template(filename or name) else "html"
    key = "problemi.modello.errore_riga" if line else "problemi.modello.errore"
    return refuse(Location(filename or name, line), key, code="template", nome=name, riga=line,
                  hint_key=f"problemi.modello.suggerimento.{hint}", errore=type(exc).__name__, **cause)


def _is_package_template(filename: str) -> bool:
    """Whether ``filename`` is one of the package's own templates (not a user's override)."""
    path = Path(filename)
    return path.is_absolute() and path.resolve().parent == PACKAGE_TEMPLATES.resolve()


@dataclasses.dataclass(frozen=True)
class PageKind:
    """A part of the annex that also has a standalone page: a process's sheet, a unit's dossier."""

    body: str  # the part's template, which the annex and the page both include
    page: str  # the standalone page's template
    record: str  # the template variable holding the part's record (a process, a dossier)
    heading: int  # the part's heading level on its page (ANNEX_HEADING in the annex)
    directory: str  # where its pages go, beside the annex


SHEET_PAGES = PageKind(SHEET_BODY_TEMPLATE, SHEET_TEMPLATE, "p", PAGE_HEADING, SHEETS_DIR)
UNIT_PAGES = PageKind(UNIT_BODY_TEMPLATE, UNIT_TEMPLATE, "d", UNIT_PAGE_HEADING, UNITS_DIR)


def annex_part(**values: Any) -> dict[str, Any]:
    """A ``parte`` of the annex template (one part of the PDF's, :mod:`riskengine.report.pdf_parts`), ``values`` on
    top of the defaults: every key present (templates are strict about undefined names)."""
    return {"fronte": False, "sezioni": [], "processi": None, "continua": False, "numeri": False, "pagine": {},
            "pagine_formato": [], "numero_primo": 1, "pagine_totali": 0, **values}


class HtmlRenderer:
    """Renders the annex, the processes' sheets and the units' pages with one environment.

    With the package's templates alone, each process's sheet and each unit's dossier is rendered once: the part
    the annex holds is reused for its standalone page (see :func:`page_sheet`) instead of being rendered again.
    """

    def __init__(self, view: View, templates: str | Path | None = None) -> None:
        self.view = view
        limits = RenderLimits.for_items(len(view.processes) + len(view.measures))
        self.env = make_environment(templates, limits)
        _install_filters(self.env, view.t)
        self.sandboxed = isinstance(self.env, AnnexEnvironment)
        # one time budget for every page of the run, for user templates only
        self.deadline = Deadline(limits.seconds) if self.sandboxed else None
        if isinstance(self.env, AnnexEnvironment):
            self.env.bound_filters()
        self.context = render_context(view)
        self._capturing = False
        # annex parts not yet turned into pages, and the part the page being rendered shows
        self._captured: list[tuple[PageKind, dict[str, Any], str]] = []
        self._reused: tuple[dict[str, Any], str] | None = None
        if not self.sandboxed:
            self._share(SHEET_PAGES)
            self._share(UNIT_PAGES)

    def _share(self, kind: PageKind) -> None:
        """Route the package's template of ``kind`` through the renderer: a part rendered in the annex is kept
        (while capturing) and the standalone page of the same record shows it instead of rendering it again."""
        template = self.env.get_template(kind.body)
        render = template.root_render_func

        def part(context: Any) -> Iterator[str]:
            form = (context.get("h"), context.get("base"))
            record, reused = context.get(kind.record), self._reused
            if reused is not None and reused[0] is record and form == (kind.heading, PAGE_BASE):
                yield reused[1]
                return
            # the measures without an owner (a dossier without a file) have no page
            if not (self._capturing and form == (ANNEX_HEADING, "") and not context.get("pdf")
                    and record["file"] is not None):
                yield from render(context)
                return
            # joined anyway for its page: passed up as one piece, not as the ~700 the template yields (each piece
            # would cross every enclosing template's generator, the policy's stream and the file's write)
            body = "".join(render(context))
            yield body
            self._captured.append((kind, record, page_sheet(body, kind.heading)))

        template.root_render_func = part

    @contextlib.contextmanager
    def _rendering(self, template: str) -> Iterator[None]:
        """Run a page's rendering within the time budget (user templates), translating every template failure."""
        from jinja2 import TemplateError
        from jinja2.sandbox import SecurityError

        try:
            if isinstance(self.env, AnnexEnvironment):
                self.env.start_output()
            with self.deadline.running() if self.deadline else contextlib.nullcontext():
                yield
        except (TemplateError, SecurityError, TemplateLimitError) as exc:
            raise template_error(exc, self.env, template) from exc
        except RiskengineError:
            raise
        except Exception as exc:  # an error raised by template code (e.g. a wrong type in a user template)
            name, _, _ = _template_place(exc, self.env)
            if not name:
                raise
            raise template_error(exc, self.env, template) from exc

    def _pieces(self, template: str, extra: dict[str, Any]) -> Iterator[str]:
        """The page's text piece by piece, the Content-Security-Policy in place."""
        parts: Iterator[str] = self.env.get_template(template).generate(**self.context, **extra)
        if isinstance(self.env, AnnexEnvironment):
            parts = self.env.stream(parts)
        return stream_with_policy(parts)

    def render(self, template: str, **extra: Any) -> str:
        """Render ``template`` with the common context, translating every template failure."""
        with self._rendering(template):
            return "".join(self._pieces(template, extra))

    def write(self, path: Path, template: str, *, pages_in: Path | None = None, **extra: Any) -> dict[str, Path]:
        """Render ``template`` into the file ``path`` as it is produced (the page is never whole in memory).

        ``pages_in`` (a directory holding ``schede/`` and ``unita/``): write there the standalone page of every
        sheet and dossier the page renders, as soon as it is rendered (package templates only). Returns those
        pages by their name within ``pages_in`` (``schede/<file>.html``).
        """
        pages: dict[str, Path] = {}
        with self._rendering(template), path.open("w", encoding="utf-8", newline="", buffering=1 << 20) as out:
            if pages_in is None or self.sandboxed:
                for piece in self._pieces(template, extra):
                    out.write(piece)
                return pages
            captured = self._captured
            self._capturing = True
            try:
                for piece in self._pieces(template, extra):
                    out.write(piece)
                    while captured:
                        kind, record, body = captured.pop(0)
                        pages[page_name(kind, record)] = self.write_page(pages_in, kind, record, body)
            finally:
                self._capturing = False
                captured.clear()
        return pages

    def annex(self, *, pdf: bool = False, parte: dict[str, Any] | None = None) -> str:
        """The complete annex as one HTML document (``pdf=True`` adds print-only parts such as page numbers);
        with ``parte``, one part of the PDF's (see :mod:`riskengine.report.pdf_parts`)."""
        if parte is None:
            return self.render(ANNEX_TEMPLATE, pdf=pdf, base="")
        return self.render(ANNEX_TEMPLATE, pdf=pdf, base="", parte=parte)

    def section_ids(self, *, pdf: bool = False) -> list[str]:
        """The ids of the annex's sections in order, as its template lists them (nothing else is rendered)."""
        module = self.env.get_template(ANNEX_TEMPLATE).make_module({**self.context, "pdf": pdf, "base": "",
                                                                   "parte": annex_part()})
        sections: list[tuple[str, str, str]] = module.sections  # type: ignore[attr-defined]  # set by the template
        return [section[0] for section in sections]

    def toc_ids(self, *, pdf: bool = False) -> list[str]:
        """The anchors the contents point to: the sections, and the sheets of the processes."""
        sections = self.section_ids(pdf=pdf)
        return sections + ([p["ref"] for p in self.view.processes] if "schede" in sections else [])

    @property
    def package_templates(self) -> bool:
        """Whether the annex is written by the package's own templates alone (no user templates directory)."""
        return not self.sandboxed

    def write_annex(self, path: Path, pages_in: Path | None = None) -> dict[str, Path]:
        """Write the annex into ``path``; with ``pages_in`` (a directory holding ``schede/`` and ``unita/``), also
        the standalone page of every sheet and dossier the annex holds, as soon as the annex has rendered it.
        Returns those pages by their name within ``pages_in``."""
        return self.write(path, ANNEX_TEMPLATE, pages_in=pages_in, pdf=False, base="")

    def write_page(self, pages_in: Path, kind: PageKind, record: dict[str, Any], body: str | None = None) -> Path:
        """Write the standalone page of ``record`` (a process, a dossier) into its directory of ``pages_in``;
        ``body``: its part already rendered for the page (:func:`page_sheet`), shown as it is."""
        path = _page_path(pages_in / kind.directory, f"{record['file']}.html")
        self._reused = (record, body) if body is not None else None
        try:
            page: dict[str, Any] = {kind.record: record, "pdf": False, "base": PAGE_BASE}
            self.write(path, kind.page, **page)
        finally:
            self._reused = None
        return path


def page_name(kind: PageKind, record: dict[str, Any]) -> str:
    """The name of ``record``'s standalone page within the annex's directory (``schede/<file>.html``)."""
    return f"{kind.directory}/{record['file']}.html"


def page_sheet(sheet: str, heading: int) -> str:
    """A sheet or dossier as the annex holds it (headings from ``<h3>``, links ``href="#…"``) as its standalone
    page shows it (headings from ``<h{heading}>``, links to the annex file).

    Exact for the package's templates: their headings and same-document links are all written by their
    ``h``/``h1`` and ``base`` variables (a test checks the templates), and catalogue text reaches HTML escaped,
    so no ``<`` or ``"`` of it can look like one.
    """
    shift = ANNEX_HEADING - heading
    for level in (ANNEX_HEADING, ANNEX_HEADING + 1):
        sheet = sheet.replace(f"<h{level}", f"<h{level - shift}").replace(f"</h{level}>", f"</h{level - shift}>")
    return sheet.replace('href="#', f'href="{PAGE_BASE}#')


def _page_path(directory: Path, name: str) -> Path:
    # Names come from safe_filename(); check anyway that nothing can land outside the directory: a bare file
    # name on any system (no separator, no drive), in the staging directory this run made, which others cannot
    # write. Checked by its text: resolving two paths for each of 11,000 pages took 0.4 s.
    bare = PurePosixPath(name).name == name == PureWindowsPath(name).name
    if not bare or name in ("", ".", "..") or "\0" in name:
        raise refuse(Location(name), "problemi.uscita.nome_pagina", code="report")
    return directory / name


def write_html(renderer: HtmlRenderer, staging: Path) -> list[Path]:
    """Write the annex of the renderer's edition into ``staging``: ``allegato-rischi.html``,
    ``schede/<process>.html`` and ``unita/<unit>.html`` (complete edition), or
    ``allegato-rischi-pubblicazione.html``. Every page is streamed to its file."""
    written = [staging / annex_file(renderer.view.edition)]
    if renderer.view.publication:
        renderer.write_annex(written[0])
        return written
    (staging / SHEETS_DIR).mkdir()
    (staging / UNITS_DIR).mkdir()
    pages = renderer.write_annex(written[0], staging)
    dossiers = [d for d in renderer.view.unit_dossiers() if d["file"] is not None]  # not the measures without owner
    for kind, records in ((SHEET_PAGES, renderer.view.processes), (UNIT_PAGES, dossiers)):
        for record in records:  # the parts the annex does not hold (simplified regime, user templates)
            name = page_name(kind, record)
            if name not in pages:
                pages[name] = renderer.write_page(staging, kind, record)
            written.append(pages[name])
    return written
