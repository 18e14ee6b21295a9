"""Rendering of the risk annex from an assessment result (never from the catalogue or the rules).

``write_annex`` renders every requested format into a staging directory beside the output
directory and swaps it in only when all files have been written: a failure, or a killed run, leaves
the previous annex untouched (see :mod:`riskengine.report.output`). Output tree (see docs/annex.md)::

    OUT/risultato.json            the result (json)
    OUT/LEGGIMI.txt               which file is which, in the annex's language (every format but json alone)
    OUT/allegato-rischi.html      the complete edition (RPCT, OIV): findings, trace, technical note (html)
    OUT/allegato-rischi-pubblicazione.html   the publication edition, for "Amministrazione trasparente" (html)
    OUT/schede/<processo>.html    one standalone risk sheet per process, complete edition (html)
    OUT/allegato-rischi.pdf       the complete edition as tagged PDF/A-3a (pdf)
    OUT/allegato-rischi-pubblicazione.pdf    the publication edition as tagged PDF/A-3a (pdf)
    OUT/allegato-rischi.xlsx      one sheet per table plus the legend (xlsx)
    OUT/csv/<tabella>.csv         one CSV per table (csv)
    OUT/allegato-rischi.docx      the publication content as an editable Word document (docx, on request)
    OUT/.riskengine-manifest.json every file above with its SHA-256 (what a later run may replace)
"""

from __future__ import annotations

import errno
import json
import math
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from riskengine.errors import Location, Problem, RiskengineError
from riskengine.gcpause import paused
from riskengine.i18n import os_advice, os_cause, refuse
from riskengine.report.output import (
    MANIFEST_FILE,
    check_replaceable,
    exclusive,
    output_target,
    recover,
    replace_directory,
    staging_directory,
    write_manifest,
)

if TYPE_CHECKING:
    from riskengine.report.messages import Messages

FORMATS = ("html", "pdf", "xlsx", "csv", "json")
OPTIONAL_FORMATS = ("docx",)  # on request only (--format docx): the annex as an editable Word document
# The two editions of the HTML and PDF annex: the complete one (RPCT and OIV) and the one to publish.
COMPLETE = "completa"
PUBLICATION = "pubblicazione"
EDITIONS = (COMPLETE, PUBLICATION)
RESULT_FILE = "risultato.json"


def result_json(result: dict[str, Any]) -> str:
    """Canonical JSON of a result: sorted keys, UTF-8, two-space indent, trailing newline."""
    return json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def canonical_copy(result: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``result`` in its canonical JSON form (keys sorted, tuples as lists).

    The annex is rendered from this form, so that an annex rendered right after the assessment and
    one rendered later from risultato.json are byte for byte the same.
    """
    try:  # orjson: the same copy at C speed (its parser reads integers past 64 bits as floats: refused first)
        return orjson.loads(orjson.dumps(result, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS
                                         | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME))
    except orjson.JSONEncodeError:
        return json.loads(json.dumps(result, ensure_ascii=False, sort_keys=True))


def make_canonical(result: dict[str, Any]) -> dict[str, Any]:
    """Put ``result``, as read from a file, in the canonical form of :func:`canonical_copy` in place (no copy):
    keys sorted, equal texts one object. Returns ``result``.

    For a result nobody else holds (:func:`load_result`'s): a large result is then held once, and compactly.
    """
    texts: dict[str, str] = {}
    stack: list[Any] = [result]
    while stack:
        node = stack.pop()
        if type(node) is dict:
            keys = list(node)
            ordered = sorted(keys)
            if keys != ordered:  # a file assess wrote has its keys sorted already: then only the values are visited
                values = [node[key] for key in ordered]
                node.clear()
                node.update(zip(ordered, values, strict=True))
            slots: Any = ordered
        else:
            slots = range(len(node))
        for slot in slots:  # inline, not a call per value: a result has millions of values
            value = node[slot]
            kind = type(value)
            if kind is str:
                node[slot] = texts.setdefault(value, value)
            elif kind is dict or kind is list:
                stack.append(value)
            elif kind is float and not math.isfinite(value):
                node[slot] = None  # as JSON writes it (canonical_copy's round trip)
    return result


def load_result(path: str | Path) -> dict[str, Any]:
    """Read a result JSON written by ``assess``, checked (see :func:`riskengine.result.read.read_result`), in
    canonical form (:func:`make_canonical`): render it with ``copy=False``."""
    from riskengine.result.read import read_result

    with paused():  # millions of containers and no cycles: the collector's rescans would be most of the time
        return make_canonical(read_result(path))


def _output_error(exc: OSError, out_dir: Path, *, replaced: bool = False) -> RiskengineError:
    """One located line for a file-system failure while writing the annex.

    ``replaced``: the new annex was already in place (the failure was removing the previous one).
    """
    where = exc.filename if isinstance(exc.filename, str) else str(out_dir)
    advice = os_advice(exc)
    after = "nuovo_al_suo_posto" if replaced else "precedente_intatto"
    return refuse(Location(where), "problemi.uscita.non_scrivibile", code="output",
                  hint_key=f"problemi.uscita.suggerimento.{after}", consiglio_chiave=advice, **os_cause(exc))


def _holds(target: Path, manifest: bytes) -> bool:
    """Whether ``target`` holds the annex whose manifest is ``manifest`` (the swap happened)."""
    try:
        return (target / MANIFEST_FILE).read_bytes() == manifest
    except OSError:
        return False


def _check_formats(formats: tuple[str, ...]) -> tuple[str, ...]:
    known = FORMATS + OPTIONAL_FORMATS
    unknown = [f for f in formats if f not in known]
    if unknown or not formats:
        raise refuse(Location("--format"), "problemi.uscita.formati_sconosciuti" if unknown else
                     "problemi.uscita.nessun_formato", code="report", hint_key="problemi.uscita.suggerimento.formati",
                     formati=", ".join(unknown), attesi=", ".join(known))
    return tuple(f for f in known if f in formats)


def error_findings(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The findings of severity error: while there is one, the annex is a draft and cannot be published."""
    return [f for f in result.get("criticita", []) if f.get("gravita") == "error"]


def check_editions(editions: tuple[str, ...] | None, result: dict[str, Any], messages: Messages) -> tuple[str, ...]:
    """The editions to write, in order; ``None`` means every edition the result allows.

    The publication edition of a result with error findings is refused when asked for, with one
    located line per error; when not asked for explicitly it is simply not written (the annex is a draft).
    """
    errors = error_findings(result)
    if editions is None:
        return (COMPLETE,) if errors else EDITIONS
    unknown = [e for e in editions if e not in EDITIONS]
    if unknown or not editions:
        raise RiskengineError([Problem(Location("--edition"), messages("edizioni.sconosciuta",
                                                                      edizioni=", ".join(unknown) or "—"),
                                       code="report", hint=messages("edizioni.attese", edizioni=", ".join(EDITIONS)))])
    if PUBLICATION in editions and errors:
        hint = messages("edizioni.rifiuto_suggerimento")
        raise RiskengineError([Problem(Location(f.get("dove") or f.get("oggetto") or "—"),
                                       messages("edizioni.rifiuto", messaggio=messages.finding(f)),
                                       code="report", hint=hint) for f in errors])
    return tuple(e for e in EDITIONS if e in editions)


def render_annex(result: dict[str, Any], staging: Path, *, formats: tuple[str, ...], lang: str = "it",
                 templates: str | Path | None = None, csv_delimiter: str | None = None,
                 editions: tuple[str, ...] | None = None, copy: bool = True,
                 digests: dict[str, str] | None = None) -> list[Path]:
    """Render ``formats`` of the annex into the (empty) directory ``staging``; return the files written.

    ``editions`` (HTML and PDF): see :func:`check_editions`. ``csv_delimiter`` ``None``: the language's
    (``;`` in Italian, ``,`` in English). ``copy=False``: ``result`` is already canonical and nobody else's
    (:func:`load_result`'s): rendered as it is, without a copy. ``digests``: filled with the SHA-256 of the
    files hashed as they were written (the result JSON), by name within ``staging``, for :func:`write_manifest`.
    """
    from riskengine.report.messages import Messages
    from riskengine.report.view import View

    formats = _check_formats(tuple(formats))
    messages = Messages(lang)
    chosen = check_editions(editions, result, messages)
    written: list[Path] = []
    if "csv" in formats:
        from riskengine.report.csv_files import check_delimiter, default_delimiter

        csv_delimiter = check_delimiter(csv_delimiter if csv_delimiter is not None else default_delimiter(lang))
    if "json" in formats:
        from riskengine.result.writer import write_json

        path = staging / RESULT_FILE
        digest = write_json(result, path)  # streamed: the same bytes as result_json(), never whole in memory
        if digests is not None:
            digests[RESULT_FILE] = digest
        written.append(path)
    if not {"html", "pdf", "xlsx", "csv", "docx"} & set(formats):
        return written
    # Every format renders one canonical copy, never the caller's result: templates run in an immutable sandbox
    # (user templates) or are the package's own, and no writer changes what it renders (tests/test_report_copy.py).
    data = canonical_copy(result) if copy else result
    if "html" in formats or "pdf" in formats:
        from riskengine.report.html import HtmlRenderer, write_html
        from riskengine.report.pdf import EditionPdfs

        with EditionPdfs(staging, len(chosen)) as pdfs:
            for edition in chosen:
                with paused():  # a view of the whole result, built at once (riskengine.gcpause)
                    view = View(data, messages, edition=edition)
                renderer = HtmlRenderer(view, templates)
                if "html" in formats:
                    written += write_html(renderer, staging)
                if "pdf" in formats:
                    written += pdfs.write(renderer)
                del renderer, view  # its view's copies of the records, before the next edition's
    if "xlsx" in formats or "csv" in formats:
        with paused():
            view = View(data, messages)
        if "xlsx" in formats:
            from riskengine.report.xlsx import write_xlsx

            written += write_xlsx(view, staging)
        if "csv" in formats:
            from riskengine.report.csv_files import write_csv

            written += write_csv(view, staging, csv_delimiter)
    if "docx" in formats:
        from riskengine.report.docx import write_docx

        # The Word annex is edited and published: the publication edition's content (the complete one for a draft).
        docx_edition = PUBLICATION if PUBLICATION in chosen else COMPLETE
        written += write_docx(View(data, messages, edition=docx_edition), staging, templates)
    from riskengine.report.files import write_readme

    written.append(write_readme(staging, messages, formats, chosen))
    return written


@contextmanager
def _claimed(out_dir: Path, *, digests: bool = True) -> Iterator[Path]:
    """The output directory, locked, repaired after a killed run and refused unless it can be replaced
    (``digests``: see :func:`~riskengine.report.output.check_replaceable`)."""
    target = output_target(out_dir)  # inside: a name too long for the file system is one located line
    with exclusive(target):
        recover(target)
        check_replaceable(target, digests=digests)
        yield target


def check_output(out_dir: str | Path | None, templates: str | Path | None = None) -> None:
    """Refuse ``out_dir`` and ``templates`` as :func:`write_annex` would, before the work that precedes writing
    (an assessment, reading a large result), whatever the formats: a templates directory that is not one is
    refused even when no format uses it. An output directory that exists is checked under its lock, but for
    its files' contents (compared when the annex is written); one that does not is created only when the annex
    is written; ``None`` (not known yet) is not checked."""
    if templates is not None:
        from riskengine.report.sandbox import templates_directory  # jinja2: imported when templates are given

        templates_directory(templates)
    if out_dir is None:
        return
    out_dir = Path(out_dir)
    try:
        if os.path.lexists(out_dir):
            with _claimed(out_dir, digests=False):  # an edited file is found when the annex is written
                pass
            return
        target = output_target(out_dir)
        above = next(p for p in target.parents if os.path.lexists(p))  # the root exists
        if not above.is_dir():  # a file where a folder of the path must be made
            raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(above))
    except OSError as exc:
        raise _output_error(exc, out_dir, replaced=False) from exc


def write_annex(result: dict[str, Any], out_dir: str | Path, *, formats: tuple[str, ...] = FORMATS, lang: str = "it",
                templates: str | Path | None = None, csv_delimiter: str | None = None,
                editions: tuple[str, ...] | None = None, copy: bool = True) -> list[Path]:
    """Write the annex in ``formats`` to ``out_dir``, replacing it only when every file has been written.

    ``templates`` is a directory of template overrides (by file name); ``csv_delimiter`` is ``,``,
    ``;`` or a tab (default: ``;`` in Italian, ``,`` in English); ``editions`` the HTML/PDF editions
    (default: both, only the complete one when the result has error findings); ``copy=False`` renders a result
    of :func:`load_result` without copying it (see :func:`render_annex`). Raises
    :class:`RiskengineError` (the previous ``out_dir`` untouched) when a template fails, the language or a
    format is unknown, the publication edition is asked for a result with error findings, ``out_dir`` holds
    files that do not match the manifest of a previous annex, or the file system refuses a write.
    """
    out_dir = Path(out_dir)
    manifest = b""
    digests: dict[str, str] = {}
    try:
        with _claimed(out_dir) as target:
            staging = staging_directory(target)
            try:
                render_annex(result, staging, formats=formats, lang=lang, templates=templates,
                             csv_delimiter=csv_delimiter, editions=editions, copy=copy, digests=digests)
                write_manifest(staging, digests)
                manifest = (staging / MANIFEST_FILE).read_bytes()
                replace_directory(staging, target)
            except BaseException:
                shutil.rmtree(staging, ignore_errors=True)
                raise
    except OSError as exc:
        raise _output_error(exc, out_dir, replaced=bool(manifest) and _holds(target, manifest)) from exc
    return sorted(p for p in out_dir.rglob("*") if p.is_file())
