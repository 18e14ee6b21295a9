"""The PDF annex laid out in parts, in parallel worker processes, and joined into one tagged PDF/A-3a.

WeasyPrint lays out one document on one core, and its time grows with the pages. A large annex is
therefore cut where it already breaks pages: the front page with the contents, each section, and the
risk sheets in groups (an area's sheets stay together; a large area is split evenly). Each part is
laid out and drawn on its own, in a worker process, into PDF objects (:class:`PartPdf`, cacheable by
the digest of its HTML: :mod:`riskengine.report.pdf_cache`). The worker also writes the bytes of the objects
the join only renumbers, its references left open (:class:`Serialised`). The parent process then joins them:

- pages in order, each part's objects renumbered after the previous ones';
- the structure tree: one ``Document`` element holding every part's elements in order, its parent
  tree renumbered (pages first, then annotations, as WeasyPrint numbers them), the table header ids
  kept unique;
- links between parts: a part keeps its links to anchors of other parts (WeasyPrint would drop
  them: a stand-in anchor is added), and the joined document names each anchor once, where it is;
- bookmarks nested across parts as WeasyPrint nests them (a sheet under the section that holds it);
- page numbers: the parts draw every page box but the number, which is drawn by small documents (``numeri``),
  each numbering a run of at most ``NUMBER_PAGES_PER_PART`` pages, and placed on each page as an artifact;
- the contents: laid out after every other part, with the page of each entry written in.

The same HTML gives the same parts, and the same parts the same bytes, in whatever order the
workers finish. Only the package's own templates know parts (``parte``); an annex written with a
templates directory is laid out as one document (:func:`riskengine.report.pdf.pdf_bytes`).
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pydyf

from riskengine import parallel
from riskengine.report.html import HtmlRenderer, annex_part
from riskengine.report.pdf import PDF_VARIANT, page_references_once, rendering_errors, weasyprint_quiet
from riskengine.report.pdf_streams import packed, write

# Sheets per part: a change to one process lays out again the sheets of its part (S: about 0.18 CPU-s a sheet,
# 0.05 s a part's own cost). Each part starts a page, so smaller parts add pages: with 12, the 300 sheets of S take
# 603 pages where 24 took 598 and 8 took 608 (bench/results/2026-11-27-pdf-parts.md).
SHEETS_PER_PART = 12
# Below this many processes the annex is laid out as one document: the parts' fixed costs would not pay.
MIN_PROCESSES = 60
# The page-number documents are drawn untagged (PDF/A-3b): their content is placed as an artifact.
NUMBERS_VARIANT = "pdf/a-3b"
# Pages per page-number document, at most. They are laid out after every other part, beside the contents: in one
# document, S's 602 pages took 6.9 CPU-s on one core while the other waited; in runs, both cores share them.
NUMBER_PAGES_PER_PART = 150
_REFERENCE = re.compile(rb"(\d+) 0 R")
_SUBSET_NAME = re.compile(rb"/[A-Z]{6}\+")  # a font subset's name: its tag, then the font's
_HEADER_ID = re.compile(r"(\d+)(-\d+-\d+)")


@dataclass
class PartPdf:
    """One part of the annex as PDF objects (numbered by position, references as pydyf writes them)."""

    objects: list[Any]
    pages: list[int]  # object numbers of the pages, in order
    landscape: list[bool]  # per page
    catalog: int
    pages_root: int
    structure: int | None  # StructTreeRoot
    parent_tree: int | None
    document: int | None  # the Document structure element
    dropped: set[int]  # objects the joined PDF replaces (outlines; metadata)
    catalog_entries: dict[str, Any]
    info: dict[str, Any]
    anchors: list[tuple[str, Any]]  # (name, destination array) of this part's own anchors, in name order
    bookmarks: list[list[tuple[int, str, tuple[float, float], str]]]  # per page: (level, label, point, state)
    own_anchors: set[str] = field(default_factory=set)


class _CapturedError(Exception):
    def __init__(self, pdf: Any) -> None:
        super().__init__("captured")
        self.pdf = pdf


def render_part(html: str, variant: str = PDF_VARIANT) -> PartPdf:
    """Lay out and draw one part (``html``, a document of its own) into :class:`PartPdf`. Runs in a worker."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    from riskengine.report.pdf import font_epoch, font_timestamp

    with weasyprint_quiet(), rendering_errors():
        document = HTML(string=html, base_url=None, url_fetcher=URLFetcher(allowed_protocols={"data"})) \
            .render(pdf_variant=variant)
        own = {name for page in document.pages for name in page.anchors}
        # Links to another part's anchors: a stand-in anchor keeps them (the joined PDF points them right).
        foreign = sorted({target for page in document.pages for kind, target, _, _ in page.links
                          if kind == "internal" and target not in own})
        if foreign and document.pages:
            document.pages[0].anchors.update(dict.fromkeys(foreign, (0, 0, 0, 0)))
        scale = 0.75  # PDF points per CSS pixel
        bookmarks = [[(level, label, (x * scale, (page.height - y) * scale), state)
                      for level, label, (x, y), state in page.bookmarks] for page in document.pages]

        def capture(_document: Any, pdf: Any) -> None:
            raise _CapturedError(pdf)

        try:
            with font_timestamp(font_epoch(document.metadata.created)), page_references_once():
                document.write_pdf(pdf_variant=variant, finisher=capture)
        except _CapturedError as captured:
            pdf = captured.pdf
        else:  # pragma: no cover - WeasyPrint always calls the finisher
            raise RuntimeError("WeasyPrint did not call the finisher")

    _tag_subsets(pdf.objects)
    objects = [packed(obj) for obj in pdf.objects]
    catalog = pdf.catalog
    structure = _number(catalog.get("StructTreeRoot"))
    parent_tree = _number(objects[structure]["ParentTree"]) if structure is not None else None
    document_element = _number(objects[structure]["K"][0]) if structure is not None else None
    dropped = set(_outline_objects(objects, catalog.get("Outlines")))
    dests = catalog.get("Names", {}).get("Dests", {}).get("Names", [])
    anchors = [(str(dests[i].string), dests[i + 1]) for i in range(0, len(dests), 2) if dests[i].string in own]
    kept = ("Lang", "MarkInfo", "ViewerPreferences", "OutputIntents", "Metadata")
    pages = list(pdf.pages["Kids"][::3])
    resources = (_number(objects[page].get("Resources")) for page in pages)
    structured = {catalog.number, pdf.pages.number, *pages, *resources}
    structured.update(number for number in (structure, parent_tree, document_element) if number is not None)
    objects = [obj if obj.number in structured else _template(obj) for obj in objects]
    return PartPdf(objects=objects, pages=pages,
                   landscape=[page.width > page.height for page in document.pages],
                   catalog=catalog.number, pages_root=pdf.pages.number, structure=structure, parent_tree=parent_tree,
                   document=document_element, dropped=dropped,
                   catalog_entries={key: catalog[key] for key in kept if key in catalog},
                   info=dict(pdf.info), anchors=anchors, bookmarks=bookmarks, own_anchors=own)


class Serialised(pydyf.Object):
    """An object written once: its bytes (asked for twice by pydyf), or, before the join numbers it, its
    serialisation with the references left open (``pieces``: bytes, and the part's object numbers)."""

    def __init__(self, obj: Any, pieces: tuple[bytes | int, ...] = ()) -> None:
        super().__init__()
        self.number, self.generation = obj.number, obj.generation
        self.pieces = pieces
        self.bytes: bytes | None = None if pieces else obj.data

    def fill(self, mapping: dict[int, int]) -> None:
        """Write the references through ``mapping`` (the part's numbers → the joined PDF's)."""
        self.bytes = b"".join([b"%d 0 R" % mapping[piece] if isinstance(piece, int) else piece
                               for piece in self.pieces])

    @property
    def data(self) -> bytes:
        if self.bytes is None:  # a join that added the object without numbering its references: never written
            raise ValueError(f"object {self.number}: its references were never numbered")
        return self.bytes


class _UnwritableError(Exception):
    """A value pydyf would not write as PDF (a plain list or dict): the object stays as it is."""


def _template(obj: Any) -> Any:
    """``obj`` serialised as pydyf writes it with its references left open (:class:`Serialised`), when the join
    only renumbers it; the objects it changes otherwise (streams, links, table header ids) stay as they are.

    The join then writes the bytes of most of a part's objects (structure elements, fonts) without walking
    them again: it is the largest share of joining a few hundred pages."""
    if isinstance(obj, pydyf.Stream) or not isinstance(obj, (pydyf.Dictionary, pydyf.Array)):
        return obj
    if isinstance(obj, dict) and (obj.get("Type") == "/Annot" or (obj.get("Type") == "/StructElem" and (
            "ID" in obj or (isinstance(obj.get("A"), dict) and "Headers" in obj["A"])))):
        return obj
    pieces: list[bytes | int] = []
    try:
        _pieces(obj, pieces)
    except _UnwritableError:
        return obj
    joined: list[bytes | int] = []
    for piece in pieces:  # adjacent bytes as one piece: fewer to join
        if not isinstance(piece, int) and joined and not isinstance(joined[-1], int):
            joined[-1] += piece
        else:
            joined.append(piece)
    return Serialised(obj, tuple(joined))


def _pieces(value: Any, out: list[bytes | int]) -> None:
    """Append ``value`` as pydyf writes it to ``out``, each indirect reference as its object number (the same
    values :func:`_renumber` renumbers)."""
    if isinstance(value, bytes):
        match = _REFERENCE.fullmatch(value)
        out.append(int(match.group(1)) if match else value)
    elif isinstance(value, pydyf.Dictionary):
        out.append(b"<<")
        for key, item in value.items():
            out.append(b"/" + pydyf._to_bytes(key) + b" ")
            _pieces(item, out)
        out.append(b">>")
    elif isinstance(value, pydyf.Array):
        out.append(b"[")
        for i, item in enumerate(value):
            if i:
                out.append(b" ")
            _pieces(item, out)
        out.append(b"]")
    elif isinstance(value, (dict, list)):
        raise _UnwritableError
    else:
        out.append(pydyf._to_bytes(value))


def _tag_subsets(objects: list[Any]) -> None:
    """Tag each embedded font subset by what it holds. WeasyPrint tags a subset by the font alone, so each part
    (and each run of page numbers) would embed its own subset of a font under the same tag in the joined file,
    where ISO 32000 (9.6.4) wants different subsets tagged differently."""
    renamed: dict[bytes, bytes] = {}
    for obj in objects:
        if not isinstance(obj, dict) or obj.get("Type") != "/FontDescriptor":
            continue
        name = obj.get("FontName")
        font_file = next((obj[key] for key in ("FontFile", "FontFile2", "FontFile3") if key in obj), None)
        if isinstance(name, bytes) and _SUBSET_NAME.match(name) and font_file is not None:
            subset = objects[_number(font_file)]  # type: ignore[index]
            digest = hashlib.sha256(name + b"\0" + b"\n".join(pydyf._to_bytes(item) for item in subset.stream))
            renamed[name] = b"/" + bytes(65 + byte % 26 for byte in digest.digest()[:6]) + name[7:]
    for obj in objects:
        if isinstance(obj, dict) and obj.get("Type") in ("/Font", "/FontDescriptor"):
            for key in ("BaseFont", "FontName"):
                if obj.get(key) in renamed:
                    obj[key] = renamed[obj[key]]


def _number(reference: Any) -> int | None:
    return None if reference is None else int(_REFERENCE.fullmatch(reference).group(1))  # type: ignore[union-attr]


def _outline_objects(objects: list[Any], root: Any) -> Iterable[int]:
    """The numbers of the outline objects under ``root`` (the joined PDF builds its own outline)."""
    pending = [root] if root is not None else []
    while pending:
        number = _number(pending.pop())
        assert number is not None
        yield number
        item = objects[number]
        pending += [item[key] for key in ("First", "Next") if key in item]


# -- the plan: which parts, in which order ----------------------------------------------------------------

def sheet_groups(processes: list[dict[str, Any]], size: int = SHEETS_PER_PART) -> list[list[dict[str, Any]]]:
    """The sheets in parts of at most ``size``: consecutive areas together while they fit, a larger area
    split into equal parts. Each part starts a page (as each area's sheets then do)."""
    areas: list[list[dict[str, Any]]] = []
    for p in processes:
        if areas and areas[-1][0].get("area") == p.get("area"):
            areas[-1].append(p)
        else:
            areas.append([p])
    groups: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    for area in areas:
        if len(area) > size:
            if current:
                groups.append(current)
                current = []
            pieces = -(-len(area) // size)
            step = -(-len(area) // pieces)
            groups += [area[i:i + step] for i in range(0, len(area), step)]
        elif len(current) + len(area) > size:
            groups.append(current)
            current = list(area)
        else:
            current += area
    if current:
        groups.append(current)
    return groups


def plan(renderer: HtmlRenderer, sheets_per_part: int = SHEETS_PER_PART) -> list[dict[str, Any]]:
    """The parts after the front page, in order (``parte`` values for the annex template)."""
    parts: list[dict[str, Any]] = []
    for section in renderer.section_ids(pdf=True):
        if section == "schede" and renderer.view.processes:
            for i, group in enumerate(sheet_groups(renderer.view.processes, sheets_per_part)):
                parts.append(annex_part(sezioni=[section], processi=group, continua=i > 0))
        else:
            parts.append(annex_part(sezioni=[section]))
    return parts


# -- joining -----------------------------------------------------------------------------------------------

def _renumber(value: Any, mapping: dict[int, int]) -> Any:
    """``value`` with every indirect reference renumbered through ``mapping`` (in place for containers)."""
    if isinstance(value, bytes):
        match = _REFERENCE.fullmatch(value)
        return b"%d 0 R" % mapping[int(match.group(1))] if match else value
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, (bytes, dict, list)):
                value[key] = _renumber(item, mapping)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            if isinstance(item, (bytes, dict, list)):
                value[i] = _renumber(item, mapping)
    return value


def join(parts: list[PartPdf], numbers: list[PartPdf]) -> bytes:
    """One tagged PDF of ``parts`` in order, with the pages of ``numbers`` (in order) drawn on them as artifacts."""
    from weasyprint.anchors import make_page_bookmark_tree
    from weasyprint.matrix import Matrix
    from weasyprint.pdf.anchors import add_outlines

    pdf = pydyf.PDF()
    first = parts[0]
    tagged = first.structure is not None
    total_pages = sum(len(part.pages) for part in parts)
    anchors = set().union(*(part.own_anchors for part in parts))
    root = pydyf.Dictionary({"Type": "/StructTreeRoot"})
    parent_tree = pydyf.Dictionary({"Nums": pydyf.Array()})
    document = pydyf.Dictionary({"Type": "/StructElem", "S": "/Document", "K": pydyf.Array()})
    if tagged:
        for obj in (parent_tree, root, document):
            pdf.add_object(obj)
        root["ParentTree"] = parent_tree.reference
        root["K"] = pydyf.Array([document.reference])
        document["P"] = root.reference
        pdf.catalog["StructTreeRoot"] = root.reference
    annotations: list[tuple[int, bytes]] = []  # (part-local key, structure element) in order
    page_offset = 0
    page_objects: list[Any] = []
    for k, part in enumerate(parts):
        mapping = {part.catalog: pdf.catalog.number, part.pages_root: pdf.pages.number}
        if tagged and part.structure is not None and part.parent_tree is not None and part.document is not None:
            mapping.update({part.structure: root.number, part.parent_tree: parent_tree.number,
                            part.document: document.number})
        added = _adopt(pdf, part, mapping, keep_metadata=k == 0)
        local_pages = len(part.pages)
        annotation_base = total_pages + len(annotations) - local_pages
        for obj in added:
            if isinstance(obj, Serialised):
                obj.fill(mapping)
                continue
            if isinstance(obj, pydyf.Stream):
                _renumber(obj.extra, mapping)
                continue
            _renumber(obj, mapping)
            if isinstance(obj, dict):
                kind = obj.get("Type")
                if kind == "/StructElem":
                    _unique_header_ids(obj, mapping)
                elif kind == "/Annot":
                    if "StructParent" in obj:
                        obj["StructParent"] = annotation_base + obj["StructParent"]
                    destination = obj.get("Dest")
                    if destination is not None and destination.string not in anchors:
                        del obj["Dest"]  # an anchor no part has (WeasyPrint drops such links too)
        for i, number in enumerate(part.pages):
            page = part.objects[number]
            pdf.pages["Kids"].extend([page.number, 0, "R"])
            pdf.pages["Count"] += 1
            if tagged:
                page["StructParents"] = page_offset + i
            page_objects.append(page)
        if tagged and part.parent_tree is not None and part.document is not None:
            nums = _renumber(part.objects[part.parent_tree]["Nums"], mapping)
            for key, value in zip(nums[::2], nums[1::2], strict=True):
                if key < local_pages:
                    parent_tree["Nums"] += [page_offset + key, value]
                else:
                    annotations.append((key, value))
            elements = _renumber(part.objects[part.document]["K"], mapping)
            document["K"].extend(elements)
        page_offset += local_pages
        part.mapping = mapping  # type: ignore[attr-defined]
    for i, (_key, value) in enumerate(annotations):
        parent_tree["Nums"] += [total_pages + i, value]
    if tagged:
        root["ParentTreeNextKey"] = total_pages + len(annotations)
    # Anchors: each named once, where it is (the first part that has it, as WeasyPrint keeps the first).
    destinations: dict[str, Any] = {}
    for part in parts:
        for name, destination in part.anchors:
            if name not in destinations:
                destinations[name] = _renumber(destination, part.mapping)  # type: ignore[attr-defined]
    if destinations:
        names = pydyf.Array()
        for name in sorted(destinations):
            names += [pydyf.String(name), destinations[name]]
        pdf.catalog["Names"] = pydyf.Dictionary({"Dests": pydyf.Dictionary({"Names": names})})
    for key, value in first.catalog_entries.items():
        pdf.catalog[key] = _renumber(value, first.mapping)  # type: ignore[attr-defined]
    pdf.info.update(first.info)
    _draw_numbers(pdf, page_objects, numbers)
    # Bookmarks nested across parts as WeasyPrint nests them within one document.
    tree: list[Any] = []
    skipped: list[int] = []
    last_by_depth: list[list[Any]] = [tree]
    previous = 0
    page_index = 0
    for part in parts:
        for marks in part.bookmarks:
            previous = make_page_bookmark_tree(_Marks(marks), skipped, last_by_depth, previous, page_index, Matrix())
            page_index += 1
    add_outlines(pdf, tree)
    # Writing asks for every object's bytes twice (for the object stream, then for the file identifier): the
    # objects not serialised by the workers are serialised once here.
    pdf.objects[:] = [obj if isinstance(obj, (pydyf.Stream, Serialised)) or obj.free == "f" else Serialised(obj)
                      for obj in pdf.objects]
    return write(pdf)


@dataclass
class _Marks:
    """A page as WeasyPrint's bookmark nesting reads it."""

    bookmarks: list[tuple[int, str, tuple[float, float], str]]


def _unique_header_ids(element: dict[str, Any], mapping: dict[int, int]) -> None:
    """Table header ids are "<table object>-<row>-<column>": renumbered with their table, so unique in the join."""
    def renamed(value: Any) -> Any:
        match = _HEADER_ID.fullmatch(str(value.string))
        return pydyf.String(f"{mapping[int(match.group(1))]}{match.group(2)}") if match else value

    if "ID" in element:
        element["ID"] = renamed(element["ID"])
    attributes = element.get("A")
    if isinstance(attributes, dict) and "Headers" in attributes:
        attributes["Headers"] = pydyf.Array([renamed(header) for header in attributes["Headers"]])


def _adopt(pdf: Any, part: PartPdf, mapping: dict[int, int], *, leave: set[int] | frozenset[int] = frozenset(),
           keep_metadata: bool = False) -> list[Any]:
    """Add the objects of ``part`` to ``pdf``, each numbered there in ``mapping``; returns them. Left out: those
    ``mapping`` already maps (the catalogue, the page tree… the joined PDF has its own of), ``leave``, the outline,
    object 0 and, unless ``keep_metadata``, the part's metadata stream."""
    skip = set(mapping) | part.dropped | {0} | leave
    if not keep_metadata and "Metadata" in part.catalog_entries:
        skip.add(_number(part.catalog_entries["Metadata"]))  # type: ignore[arg-type]
    added = []
    for number, obj in enumerate(part.objects):
        if number not in skip:
            pdf.add_object(obj)
            mapping[number] = obj.number
            added.append(obj)
    return added


def _draw_numbers(pdf: Any, pages: list[Any], numbers: list[PartPdf]) -> None:
    """Place page ``i`` of the pages of ``numbers`` (the page numbers alone, in runs), in order, on page ``i``, as
    an artifact."""
    if sum(len(run.pages) for run in numbers) != len(pages):
        raise ValueError(f"{sum(len(run.pages) for run in numbers)} pages of numbers for {len(pages)} pages")
    open_page = pydyf.Stream([b"q"])
    pdf.add_object(open_page)
    forms: list[tuple[list[Any], int, dict[int, int]]] = []  # (a run's objects, one of its pages, its mapping)
    for run in numbers:
        mapping = {run.catalog: pdf.catalog.number, run.pages_root: pdf.pages.number}
        for obj in _adopt(pdf, run, mapping, leave=set(run.pages)):
            if isinstance(obj, Serialised):
                obj.fill(mapping)
            else:
                _renumber(obj.extra if isinstance(obj, pydyf.Stream) else obj, mapping)
        forms.extend((run.objects, page_number, mapping) for page_number in run.pages)
    for i, (page, (objects, number, mapping)) in enumerate(zip(pages, forms, strict=True)):
        source = objects[number]
        form = objects[_number(source["Contents"])]  # type: ignore[index]
        form.extra.update({"Type": "/XObject", "Subtype": "/Form", "BBox": pydyf.Array(source["MediaBox"]),
                           "Resources": _renumber(source["Resources"], mapping)})
        resources = pdf.objects[_number(page["Resources"])]
        resources.setdefault("XObject", pydyf.Dictionary())
        name = f"PN{i}"
        resources["XObject"][name] = form.reference
        draw = pydyf.Stream([f"Q q /Artifact BMC /{name} Do EMC Q".encode()])
        pdf.add_object(draw)
        page["Contents"] = pydyf.Array([open_page.reference, page["Contents"], draw.reference])


# -- running the parts ---------------------------------------------------------------------------------------

def parts_from() -> int:
    """From how many processes the annex is laid out in parts (``RISKENGINE_PDF_PARTS_FROM``; 0: never)."""
    return parallel.size_from("RISKENGINE_PDF_PARTS_FROM", MIN_PROCESSES)


def workers() -> int:
    """Worker processes for the parts, and for the editions of a smaller annex laid out side by side
    (:class:`~riskengine.report.pdf.EditionPdfs`): the cores this process may use (``RISKENGINE_PDF_WORKERS``
    to set)."""
    return parallel.cores("RISKENGINE_PDF_WORKERS")


def start_method() -> str:
    """How workers start: forked (no imports to repeat) when this process may fork (no other thread runs, or only
    the progress display, which stops meanwhile: :func:`riskengine.parallel.may_fork`); otherwise spawned, because a
    fork copies locks that other threads may hold and a worker could wait on one forever."""
    return "fork" if parallel.may_fork() else "spawn"


def worker_pool(count: int) -> Any:
    """A pool of ``count`` PDF worker processes (started as :func:`start_method` says); end it with
    :func:`stop_pool`. Its ``submit`` holds Ctrl-C back while it may start workers (see :func:`_worker_start`)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    class Pool(ProcessPoolExecutor):
        def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Any:
            # A submit may start workers (all at the first when forked, one per submit when spawned): Ctrl-C held
            # back meanwhile, a spawned worker keeping the mask across exec; delivered here when the submit
            # returns, the workers counted in the pool for stop_pool.
            with parallel.forking():
                return super().submit(fn, *args, **kwargs)

    return Pool(count, mp_context=multiprocessing.get_context(start_method()), initializer=_worker_start)


def _worker_start() -> None:
    """A PDF worker's start. Ctrl-C reaches the whole process group and the parent handles it, stopping the
    workers: a worker ignores it (one waiting for work would print a traceback). It was started with Ctrl-C held
    back (:func:`worker_pool`): ignored from now on, then let through (one already pending is dropped). A worker
    whose parent was killed ends too: it would wait for work forever, holding the output directory's lock it
    inherited."""
    import multiprocessing
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_end_with, args=(parent.sentinel,), daemon=True).start()


def _end_with(sentinel: int) -> None:
    from multiprocessing.connection import wait

    wait([sentinel])
    os._exit(1)


def stop_pool(pool: Any, failed: bool) -> None:
    """End a pool of :func:`worker_pool`. After a failure or Ctrl-C its workers are stopped, not waited for: a
    part or an edition being laid out would take seconds more, and nothing it lays out would be used."""
    if failed:
        terminate = getattr(pool, "terminate_workers", None)  # Python 3.14; before it, the executor's processes
        if terminate is not None:
            terminate()
        else:
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.terminate()
    pool.shutdown(cancel_futures=failed)


class Runner:
    """Renders parts, from the cache when it has them, else in worker processes (in this one with one worker)."""

    def __init__(self, count: int, cache: Any = None) -> None:
        self.count = count
        self.cache = cache
        self.pool: Any = None

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        if self.pool is not None:
            stop_pool(self.pool, failed=kind is not None)

    def _pool(self) -> Any:
        if self.pool is None:
            self.pool = worker_pool(self.count)
        return self.pool

    def run(self, jobs: list[tuple[str, str]]) -> list[PartPdf]:
        """The parts of ``jobs`` ((html, variant) each), in order.

        The parts the cache lacks go to the workers first, the longest first so that they finish together;
        the parts it has are read meanwhile (one that proves unreadable is laid out after them)."""
        cache = self.cache
        kept = [cache is not None and cache.has(*job) for job in jobs]
        absent = sorted((i for i, found in enumerate(kept) if not found), key=lambda i: -len(jobs[i][0]))
        pooled = self.count > 1 and (len(absent) > 1 or (absent and any(kept)))
        futures = {i: self._pool().submit(render_part, *jobs[i]) for i in absent} if pooled else {}
        results: list[PartPdf | None] = [None] * len(jobs)
        for i, job in enumerate(jobs):
            if kept[i]:
                results[i] = cache.get(*job)
        missing = [i for i, result in enumerate(results) if result is None]
        unreadable = [i for i in missing if i not in futures]  # kept, but not of this user's making or corrupt
        if self.count > 1 and (len(unreadable) > 1 or (unreadable and futures)):
            futures.update({i: self._pool().submit(render_part, *jobs[i]) for i in unreadable})
        for i in missing:
            results[i] = futures[i].result() if i in futures else render_part(*jobs[i])
            if cache is not None:
                cache.put(*jobs[i], results[i])
        return [result for result in results if result is not None]


def annex_pdf(renderer: HtmlRenderer, *, sheets_per_part: int = SHEETS_PER_PART,
              number_pages_per_part: int = NUMBER_PAGES_PER_PART, count: int | None = None, cache: Any = None,
              progress: Callable[[str], None] | None = None) -> bytes:
    """The PDF of the renderer's edition laid out in parts (see the module's docstring)."""
    body = plan(renderer, sheets_per_part)
    htmls = [renderer.annex(pdf=True, parte=part) for part in body]
    with Runner(count or workers(), cache) as runner:
        # The contents are laid out once with stand-in page numbers to learn how many pages they take
        # (numbers do not change the lines: the entries' numbers sit in a float or after a leader).
        entries = renderer.toc_ids(pdf=True)
        guess = dict.fromkeys(entries, "888")
        front_html = renderer.annex(pdf=True, parte=annex_part(fronte=True, pagine=guess))
        done = runner.run([(front_html, PDF_VARIANT)] + [(html, PDF_VARIANT) for html in htmls])
        front, rest = done[0], done[1:]
        for _attempt in range(4):
            pages = _entry_pages(front, rest)
            numbered = {entry: str(pages.get(entry, "")) for entry in entries}
            front_html = renderer.annex(pdf=True, parte=annex_part(fronte=True, pagine=numbered))
            landscape = front.landscape + [flag for part in rest for flag in part.landscape]
            formats = ["orizzontale" if flag else "" for flag in landscape]
            runs = number_runs(len(formats), number_pages_per_part)
            numbers_htmls = [renderer.annex(pdf=True, parte=annex_part(
                numeri=True, pagine_formato=formats[run.start:run.stop], numero_primo=run.start + 1,
                pagine_totali=len(formats))) for run in runs]
            final, *numbers = runner.run([(front_html, PDF_VARIANT)]
                                         + [(html, NUMBERS_VARIANT) for html in numbers_htmls])
            if len(final.pages) == len(front.pages):
                break
            front = final  # the real numbers took another page: lay out again with the new offsets
        # each run numbers its own pages from its first: one laid out on more or fewer pages would misnumber the rest
        if [run_pdf.landscape for run_pdf in numbers] != [landscape[run.start:run.stop] for run in runs]:
            raise ValueError("the page numbers were laid out on other pages than the annex's")
        return join([final, *rest], numbers)


def number_runs(total: int, most: int = NUMBER_PAGES_PER_PART) -> list[range]:
    """The runs of pages (from 0) that the page-number documents number: the fewest that are no longer than
    ``most``, as even as they can be (602 pages in runs of at most 150: 121, 121, 120, 120, 120; not 150 four times
    and a last run of 2, which would pay a document's cost for two pages)."""
    count = -(-total // most)  # rounded up
    runs, start = [], 0
    for k in range(count):
        length = total // count + (k < total % count)
        runs.append(range(start, start + length))
        start += length
    return runs


def _entry_pages(front: PartPdf, rest: list[PartPdf]) -> dict[str, int]:
    """The page (from 1) of each anchor of the parts after the front page."""
    pages: dict[str, int] = {}
    offset = len(front.pages)
    for part in rest:
        index = {number: i for i, number in enumerate(part.pages)}
        for name, destination in part.anchors:
            pages.setdefault(name, offset + index[_number(destination[0])] + 1)  # type: ignore[index]
        offset += len(part.pages)
    return pages
