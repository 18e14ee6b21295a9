"""Issue 18 item 7: the PDF annex laid out in parts over worker processes, joined into one tagged PDF/A-3a,
with parts cached by the digest of their HTML.

The oracle is the same annex laid out as one document: with the sheets in one part the joined PDF shows the
same words on every page (running headers, "Pagina i di n", the numbers of the contents); with the sheets
cut into several parts, every page number, contents entry, link, bookmark and structure element is checked
against where the anchors really are.
"""

from __future__ import annotations

import collections
import copy
import hashlib
import io
import itertools
import os
import pickle
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_report_support import ended, pdf_text

from riskengine.errors import Location, RiskengineError, fail
from riskengine.report import canonical_copy, pdf_parts, write_annex
from riskengine.report.html import HtmlRenderer, annex_part
from riskengine.report.messages import Messages
from riskengine.report.pdf import page_references_once, pdf_bytes
from riskengine.report.pdf_cache import PartCache
from riskengine.report.view import View

REPO = Path(__file__).resolve().parents[1]


def renderer(result: dict, edition: str = "pubblicazione", lang: str = "it") -> HtmlRenderer:
    return HtmlRenderer(View(canonical_copy(result), Messages(lang), edition=edition))


def words(pages: list[str]) -> list[list[str]]:
    """The words of each page, in order of their text (the page number is drawn last in a joined PDF)."""
    return [sorted(page.split()) for page in pages]


@pytest.fixture(scope="module")
def mini(assessed):
    return assessed("mini")


@pytest.fixture(scope="module")
def cut(mini):
    """The publication edition of mini with one sheet per part, laid out by two workers."""
    return pdf_parts.annex_pdf(renderer(mini), sheets_per_part=1, count=2)


@pytest.fixture(scope="module")
def in_runs(mini):
    """As ``cut``, its page numbers drawn by documents of three pages each (the last fewer)."""
    return pdf_parts.annex_pdf(renderer(mini), sheets_per_part=1, number_pages_per_part=3, count=2)


def reader(data: bytes):
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(data))


def destinations(pdf) -> dict[str, int]:
    """Anchor name → page (from 1) of the PDF's named destinations."""
    pages = {page.indirect_reference.idnum: i for i, page in enumerate(pdf.pages, start=1)}
    names = pdf.trailer["/Root"]["/Names"]["/Dests"]["/Names"]
    return {str(names[i]): pages[names[i + 1][0].idnum] for i in range(0, len(names), 2)}


# -- the oracle: one document ----------------------------------------------------------------------------

@pytest.mark.parametrize("edition", ["completa", "pubblicazione"])
def test_parts_show_what_one_document_shows_page_by_page(mini, edition):
    one = pdf_bytes(renderer(mini, edition).annex(pdf=True))
    parts = pdf_parts.annex_pdf(renderer(mini, edition), sheets_per_part=1000, count=2)
    assert words(pdf_text(parts)) == words(pdf_text(one))


# -- cut between sheets ----------------------------------------------------------------------------------

@pytest.mark.parametrize("joined", ["cut", "in_runs"])
def test_every_page_but_the_first_is_numbered_of_the_total(joined, request):
    pages = pdf_text(request.getfixturevalue(joined))
    assert "Pagina" not in pages[0]
    for number, page in enumerate(pages[1:], start=2):
        assert f"Pagina {number} di {len(pages)}" in page
        assert page.count("Pagina") == 1


def test_contents_give_the_page_of_every_section_and_sheet(mini, cut):
    pdf = reader(cut)
    found = destinations(pdf)
    view = renderer(mini).view
    entries = renderer(mini).toc_ids(pdf=True)
    assert {p["ref"] for p in view.processes} <= set(entries)
    for entry in entries:
        assert entry in found, entry
    # The contents pages list the page of each entry: the numbers they show are exactly those pages.
    toc = [page for page in pdf_text(cut) if "Indice" in page]
    shown = collections.Counter(int(n) for page in toc for n in re.findall(r"(?m)(?:\.{3,}\s*|^)(\d+)\s*$", page))
    assert shown == collections.Counter(found[entry] for entry in entries)
    # and each sheet starts where its anchor is
    for number, page in enumerate(pdf_text(cut), start=1):
        for code in re.findall(r"Scheda di rischio (\S+) –", page):
            ref = next(p["ref"] for p in view.processes if p["codice"] == code)
            assert found[ref] == number


def test_links_between_parts_resolve_and_none_is_lost(mini, cut):
    pdf = reader(cut)
    found = destinations(pdf)
    one = reader(pdf_bytes(renderer(mini).annex(pdf=True)))

    def links(document) -> collections.Counter:
        return collections.Counter(str(annotation.get_object()["/Dest"]) for page in document.pages
                                   for annotation in page.get("/Annots") or []
                                   if "/Dest" in annotation.get_object())

    joined = links(pdf)
    assert joined == links(one)  # the same links as one document: none dropped at a cut
    assert set(joined) <= set(found)


def test_bookmarks_nest_every_sheet_under_its_section(mini, cut):
    pdf = reader(cut)
    view = renderer(mini).view

    def flat(items, depth=0):
        for item in items:
            if isinstance(item, list):
                yield from flat(item, depth + 1)
            else:
                yield depth, item.title, pdf.get_destination_page_number(item) + 1

    outline = list(flat(pdf.outline))
    sheets = [(depth, title) for depth, title, _ in outline if title.startswith("Scheda di rischio")]
    assert len(sheets) == len(view.processes)
    section_depth = next(depth for depth, title, _ in outline if title.endswith("Schede di rischio"))
    assert {depth for depth, _ in sheets} == {section_depth + 1}
    one = reader(pdf_bytes(renderer(mini).annex(pdf=True)))
    assert [title for _, title, _ in outline] == [title for _, title, _ in flat_titles(one)]


def flat_titles(pdf):
    def walk(items, depth=0):
        for item in items:
            if isinstance(item, list):
                yield from walk(item, depth + 1)
            else:
                yield depth, item.title, 0
    return list(walk(pdf.outline))


def test_the_joined_pdf_is_tagged_as_one_document(cut):
    pdf = reader(cut)
    root = pdf.trailer["/Root"]
    assert root["/MarkInfo"]["/Marked"] and root["/Lang"] == "it" and root["/ViewerPreferences"]["/DisplayDocTitle"]
    xmp = root["/Metadata"].get_object().get_data()
    assert b"<pdfaid:part>3</pdfaid:part>" in xmp or b'pdfaid:part="3"' in xmp
    tree = root["/StructTreeRoot"]
    documents = tree["/K"]
    assert len(documents) == 1 and documents[0].get_object()["/S"] == "/Document"
    nums = tree["/ParentTree"]["/Nums"]
    keys = list(nums[::2])
    assert keys == list(range(len(keys))) and tree["/ParentTreeNextKey"] == len(keys)
    pages = pdf.pages
    assert [page["/StructParents"] for page in pages] == list(range(len(pages)))
    annotations = [a.get_object() for page in pages for a in page.get("/Annots") or []]
    assert sorted(a["/StructParent"] for a in annotations) == list(range(len(pages), len(keys)))
    # every element's page is a page of the document, every table header id is unique
    page_ids = {page.indirect_reference.idnum for page in pages}
    ids: list[str] = []
    kinds: set[str] = set()

    def walk(node) -> None:
        node = node.get_object()
        kinds.add(str(node["/S"]))
        if "/Pg" in node:
            assert node.raw_get("/Pg").idnum in page_ids
        if "/ID" in node:
            ids.append(str(node["/ID"]))
        for header in node.get("/A", {}).get("/Headers", []) if isinstance(node.get("/A"), dict) else []:
            assert str(header) in wanted_ids
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict) and kid.get("/Type") == "/StructElem":
                walk(kid)

    wanted_ids = set()

    def collect(node) -> None:
        node = node.get_object()
        if "/ID" in node:
            wanted_ids.add(str(node["/ID"]))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            kid = kid.get_object() if hasattr(kid, "get_object") else kid
            if isinstance(kid, dict) and kid.get("/Type") == "/StructElem":
                collect(kid)

    collect(documents[0])
    walk(documents[0])
    assert len(ids) == len(set(ids)) and ids
    assert {"/H1", "/H2", "/H3", "/Table", "/TH", "/TD", "/L", "/LI", "/Figure", "/Link"} <= kinds


@pytest.mark.parametrize("joined", ["cut", "in_runs"])
def test_page_numbers_are_artifacts_outside_the_structure(joined, request):
    pdf = reader(request.getfixturevalue(joined))
    for page in pdf.pages[1:]:
        drawn = b"".join(stream.get_object().get_data() for stream in page["/Contents"])
        assert re.search(rb"/Artifact BMC /PN\d+ Do EMC", drawn)


def test_page_numbers_drawn_in_runs_change_nothing_else(mini, cut, in_runs):
    # issue 18: the page numbers of S (602 pages) were laid out as one document on one core, after every part
    pages = pdf_text(in_runs)
    landscape = [page.mediabox.width > page.mediabox.height for page in reader(in_runs).pages]
    starts = [run.start for run in pdf_parts.number_runs(len(pages), 3)]
    assert len(starts) > 3 and any(landscape[start] for start in starts[1:])  # a run that starts on the register
    assert words(pages) == words(pdf_text(cut))
    assert landscape == [page.mediabox.width > page.mediabox.height for page in reader(cut).pages]
    assert pdf_parts.annex_pdf(renderer(mini), sheets_per_part=1, number_pages_per_part=3, count=1) == in_runs


@given(st.integers(0, 5000), st.integers(1, 400))
def test_number_runs_cover_every_page_in_the_fewest_even_runs(total, most):
    runs = pdf_parts.number_runs(total, most)
    assert [page for run in runs for page in run] == list(range(total))
    assert len(runs) == -(-total // most) and all(run and len(run) <= most for run in runs)
    assert max(map(len, runs), default=0) - min(map(len, runs), default=0) <= 1


# -- reproducible, whatever the workers and the cache ------------------------------------------------------

def test_same_bytes_with_one_or_two_workers_and_from_the_cache(mini, cut, tmp_path, monkeypatch):
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", str(tmp_path / "cache"))
    alone = pdf_parts.annex_pdf(renderer(mini), sheets_per_part=1, count=1)
    assert alone == cut
    cache = PartCache.open()
    assert cache is not None
    first = pdf_parts.annex_pdf(renderer(mini), sheets_per_part=1, count=2, cache=cache)
    assert first == cut and cache.hits == 0
    again = PartCache.open()
    assert pdf_parts.annex_pdf(renderer(mini), sheets_per_part=1, count=2, cache=again) == cut
    # every part, the contents laid out twice (to count its pages, then with them) and the page numbers
    assert again is not None and again.hits == len(pdf_parts.plan(renderer(mini), 1)) + 3


@pytest.mark.parametrize("count", [1, 2])  # with two, the parts the cache lacks go to a worker first
def test_a_changed_process_lays_out_only_the_parts_it_is_in(mini, tmp_path, monkeypatch, count):
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", str(tmp_path / "cache"))
    pdf_parts.annex_pdf(renderer(mini), sheets_per_part=1, count=1, cache=PartCache.open())
    changed = canonical_copy(mini)
    last = changed["processi"][-1]
    last["nome"] = last["nome"] + " (rivisto)"
    cache = PartCache.open()
    assert cache is not None
    data = pdf_parts.annex_pdf(renderer(changed), sheets_per_part=1, count=count, cache=cache)
    laid_out = len(pdf_parts.plan(renderer(changed), 1)) + 3 - cache.hits
    # its sheet, the sections that name it, the contents and (if pages moved) the page numbers
    assert 1 <= laid_out < len(pdf_parts.plan(renderer(changed), 1)) / 2 + 2
    assert any("(rivisto)" in page for page in pdf_text(data))
    assert data == pdf_parts.annex_pdf(renderer(changed), sheets_per_part=1, count=1)


@pytest.mark.parametrize("count", [1, 2])  # an entry found but unreadable is laid out after the others are read
def test_a_corrupt_or_foreign_cache_entry_is_laid_out_again(mini, cut, tmp_path, monkeypatch, count):
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", str(tmp_path / "cache"))
    pdf_parts.annex_pdf(renderer(mini), sheets_per_part=1, count=1, cache=PartCache.open())
    entries = sorted((tmp_path / "cache" / "pdf").glob("*.bin"))
    assert entries
    for entry in entries[::2]:
        data = bytearray(entry.read_bytes())
        data[-1] ^= 0xFF  # no longer what this user's riskengine signed
        entry.write_bytes(bytes(data))
    cache = PartCache.open()
    assert cache is not None
    assert pdf_parts.annex_pdf(renderer(mini), sheets_per_part=1, count=count, cache=cache) == cut
    assert cache.hits == len(entries) - len(entries[::2])


# -- through the library function and the command line ---------------------------------------------------------

def test_write_annex_lays_out_a_large_annex_in_parts(mini, tmp_path, monkeypatch):
    monkeypatch.setenv("RISKENGINE_PDF_PARTS_FROM", "1")
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", "off")
    write_annex(mini, tmp_path / "out", formats=("pdf",), lang="it", editions=("completa",))
    joined = (tmp_path / "out" / "allegato-rischi.pdf").read_bytes()
    assert joined == pdf_parts.annex_pdf(renderer(mini, "completa"), count=1)
    monkeypatch.setenv("RISKENGINE_PDF_PARTS_FROM", "0")  # off: one document
    write_annex(mini, tmp_path / "one", formats=("pdf",), lang="it", editions=("completa",))
    assert (tmp_path / "one" / "allegato-rischi.pdf").read_bytes() == pdf_bytes(renderer(mini, "completa").annex(pdf=True))


def test_the_command_line_writes_the_same_pdf_twice(mini, tmp_path):
    import json

    source = tmp_path / "risultato.json"
    source.write_text(json.dumps(mini, ensure_ascii=False), encoding="utf-8")
    env = {"RISKENGINE_PDF_PARTS_FROM": "1", "RISKENGINE_CACHE_DIR": str(tmp_path / "cache"),
           "RISKENGINE_PDF_WORKERS": "2"}
    digests = []
    for run in ("a", "b"):
        done = subprocess.run([sys.executable, "-m", "riskengine", "report", str(source), "--out", str(tmp_path / run),
                               "--format", "pdf", "--lang", "it", "-q"], capture_output=True, text=True, cwd=REPO,
                              env={**__import__("os").environ, **env}, timeout=600)
        assert done.returncode in (0, 3), done.stderr  # 3: written, a draft (mini has error findings)
        digests.append(hashlib.sha256((tmp_path / run / "allegato-rischi.pdf").read_bytes()).hexdigest())
    assert digests[0] == digests[1]


# -- primitives ----------------------------------------------------------------------------------------------

@given(st.lists(st.sampled_from("ABCDE"), max_size=60), st.integers(min_value=1, max_value=9))
def test_sheet_groups_keep_order_and_areas_and_respect_the_size(areas, size):
    processes = [{"codice": str(i), "area": area} for i, area in enumerate(sorted(areas))]
    groups = pdf_parts.sheet_groups(processes, size)
    assert [p for group in groups for p in group] == processes
    assert all(0 < len(group) <= size for group in groups)
    for group in groups:
        spans = {p["area"] for p in group}
        # a group holds whole areas, or a piece of one area larger than the size
        assert len(spans) == 1 or all(sum(p["area"] == a for p in processes) <= size for a in spans)
    for before, after in itertools.pairwise(groups):
        area = before[-1]["area"]
        if area == after[0]["area"]:
            assert sum(p["area"] == area for p in processes) > size  # only a large area is split


def test_page_references_once_answers_as_pydyf_while_pages_are_added():
    import pydyf

    pdf = pydyf.PDF()
    expected = []
    with page_references_once():
        for _ in range(5):
            page = pydyf.Dictionary({"Type": "/Page"})
            pdf.add_page(page)
            expected.append(page.reference)
            assert pdf.page_references == tuple(expected)
    assert pdf.page_references == tuple(expected)  # pydyf's own again


def test_compressing_streams_once_gives_the_same_bytes():
    from weasyprint import HTML

    from riskengine.report.pdf import compress_once, font_timestamp

    page = '<html lang="it"><head><title>t</title></head><body><h1>Titolo</h1><p>Testo àèì</p></body></html>'
    document = HTML(string=page).render(pdf_variant="pdf/a-3a")
    with font_timestamp(0):
        once = document.write_pdf(pdf_variant="pdf/a-3a", finisher=compress_once)
        assert once == document.write_pdf(pdf_variant="pdf/a-3a")


@pytest.mark.parametrize("joined", ["cut", "in_runs"])
def test_poppler_reads_the_joined_pdf_without_complaint(joined, request, tmp_path):
    import shutil

    if not (shutil.which("pdfinfo") and shutil.which("pdftotext")):
        pytest.skip("poppler-utils (pdfinfo, pdftotext) not installed")
    path = tmp_path / "joined.pdf"
    path.write_bytes(request.getfixturevalue(joined))
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert re.search(r"^Tagged:\s+yes$", info.stdout, re.M) and info.stderr == ""
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    assert text.stderr == "" and "Schede di rischio" in text.stdout
    structure = subprocess.run(["pdfinfo", "-struct", str(path)], capture_output=True, text=True, check=True)
    assert structure.stdout.startswith("Document") and structure.stderr == ""


def test_each_page_number_of_the_contents_stays_with_its_entry(mini):
    # A number floats at the end of its entry's title. Where the title's last line ended too near the margin for it,
    # it dropped below, beside the next entry's title (and that one's number beside the one after). Titles of every
    # length from one line to two, with numbers of five digits, in sheets of several areas.
    from weasyprint import HTML

    result = copy.deepcopy(mini)
    title = "Gestione delle presenze, delle assenze e del trattamento economico accessorio e altro "
    codes = [f"{area}1.{group}.{k}" for area in "AB" for group in (1, 2, 3) for k in range(1, 11)]
    result["processi"] = [dict(result["processi"][0], codice=code, nome=title + "i" * k)
                          for k, code in enumerate(sorted(codes))]
    made = renderer(result)
    entries = made.toc_ids(pdf=True)
    html = made.annex(pdf=True, parte=annex_part(fronte=True, pagine={e: str(10000 + i) for i, e in enumerate(entries)}))
    lines: list[tuple[str, int, float]] = []  # (entry, page, top) of each line of text of an entry
    numbers: dict[str, tuple[int, float]] = {}
    entry = None

    def walk(box, page: int) -> None:
        nonlocal entry
        if hasattr(box, "text"):
            if (found := re.match(r"([AB]1\.\d\.\d+) – ", box.text)) is not None:
                entry = found.group(1)
            if entry is not None and re.fullmatch(r"1\d{4}", box.text):
                numbers[entry] = (page, box.position_y)
            elif entry is not None:
                lines.append((entry, page, box.position_y))
        for child in getattr(box, "children", None) or []:
            walk(child, page)

    for number, page in enumerate(HTML(string=html).render().pages):
        walk(page._page_box, number)
    assert sorted(numbers) == sorted(codes)
    beside = sorted({code for code, (page, top) in numbers.items() for other, on, at in lines
                     if other != code and on == page and abs(at - top) < 3})
    assert beside == []


def embedded_subsets(pdf) -> dict[str, set[str]]:
    """The name of each font subset the pages draw with (their own and their page numbers' forms) → the SHA-256
    of each embedded font file under that name."""
    found: dict[str, set[str]] = collections.defaultdict(set)
    pending = [page["/Resources"] for page in pdf.pages]
    while pending:
        resources = pending.pop().get_object()
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            for descendant in font.get("/DescendantFonts") or [font]:
                descriptor = descendant.get_object().get("/FontDescriptor")
                if descriptor is not None:
                    descriptor = descriptor.get_object()
                    data = next(descriptor[key].get_object().get_data() for key in ("/FontFile", "/FontFile2",
                                                                                     "/FontFile3") if key in descriptor)
                    assert descriptor["/FontName"] == descendant.get_object()["/BaseFont"] == font["/BaseFont"]
                    found[str(descriptor["/FontName"])].add(hashlib.sha256(data).hexdigest())
        pending += [form.get_object()["/Resources"] for form in (resources.get("/XObject") or {}).values()
                    if "/Resources" in form.get_object()]
    return found


@pytest.mark.parametrize("joined", ["cut", "in_runs"])
def test_each_font_subset_has_a_tag_of_its_own(joined, request):
    # ISO 32000-1 9.6.4: WeasyPrint tags a subset by its font alone, and each part embeds its own subset
    subsets = embedded_subsets(reader(request.getfixturevalue(joined)))
    assert all(re.fullmatch(r"/[A-Z]{6}\+\S+", name) for name in subsets)
    assert {name: len(files) for name, files in subsets.items() if len(files) > 1} == {}
    fonts = collections.Counter(name[8:] for name in subsets)
    assert max(fonts.values()) > 2  # the same font embedded as several subsets, by several parts


def test_workers_are_forked_only_from_a_single_threaded_process():
    # The progress display refreshes from a thread: forking then could copy a held lock into a worker.
    import threading

    from riskengine.report.pdf_parts import start_method

    assert start_method() == "fork"
    stop = threading.Event()
    refresher = threading.Thread(target=stop.wait)
    refresher.start()
    try:
        assert start_method() == "spawn"
    finally:
        stop.set()
        refresher.join()


def test_spawned_workers_give_the_same_bytes(mini, cut, monkeypatch):
    monkeypatch.setattr(pdf_parts, "start_method", lambda: "spawn")
    assert pdf_parts.annex_pdf(renderer(mini), sheets_per_part=1, count=2) == cut


_WORKER = """
import os, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)  # as a command in the foreground has it
from riskengine.report import pdf_parts
pool = pdf_parts.worker_pool(1)
try:
    print(pool.submit(os.getpid).result(), flush=True)  # the worker, now waiting for work
    time.sleep(60)
except KeyboardInterrupt:
    pdf_parts.stop_pool(pool, failed=True)
    print("stopped", flush=True)
"""


def _start_worker_script() -> tuple[subprocess.Popen, int]:
    script = subprocess.Popen([sys.executable, "-c", _WORKER], cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, start_new_session=True)
    assert script.stdout is not None
    return script, int(script.stdout.readline())


def test_a_pdf_worker_ends_when_its_parent_is_killed():
    # Left waiting for work, it would hold the output directory's lock it inherited for ever.
    import signal
    import time

    script, worker = _start_worker_script()
    script.kill()
    script.wait(timeout=30)
    deadline = time.monotonic() + 30
    while not ended(worker) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert ended(worker)
    if not ended(worker):  # pragma: no cover - only when the assertion above failed
        os.kill(worker, signal.SIGKILL)


def test_ctrl_c_stops_a_waiting_pdf_worker_without_a_traceback():
    import signal

    script, worker = _start_worker_script()
    os.killpg(script.pid, signal.SIGINT)  # the whole group, as a terminal sends it
    out, err = script.communicate(timeout=60)
    assert (out, err) == ("stopped\n", "")
    assert ended(worker)


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_pdf_workers_start_with_ctrl_c_held_back_then_ignore_it(monkeypatch, method):
    # Ctrl-C reaching a worker started but not yet ignoring it would stop it with a traceback.
    import multiprocessing.process
    import signal

    def blocked() -> set[signal.Signals]:
        return signal.pthread_sigmask(signal.SIG_BLOCK, [])

    monkeypatch.setattr(pdf_parts, "start_method", lambda: method)
    start = multiprocessing.process.BaseProcess.start
    at_start: list[set[signal.Signals]] = []

    def recorded(process):
        at_start.append(blocked())  # the starting thread's mask, which the worker inherits
        start(process)

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", recorded)
    before = blocked()
    pool = pdf_parts.worker_pool(2)
    try:
        futures = [pool.submit(signal.getsignal, signal.SIGINT), pool.submit(signal.pthread_sigmask, signal.SIG_BLOCK, [])]
        after = blocked()
        handler, in_worker = (future.result(timeout=60) for future in futures)
    finally:
        pdf_parts.stop_pool(pool, failed=False)
    assert at_start and all(signal.SIGINT in mask for mask in at_start)
    assert signal.SIGINT not in before and after == before
    assert handler == signal.SIG_IGN and signal.SIGINT not in in_worker


def _failing_part(html: str, variant: str) -> pdf_parts.PartPdf:
    """render_part failing as WeasyPrint's failures do: one located problem (pickled by name for the workers)."""
    raise fail(Location("allegato-rischi.pdf"), "PDF rendering failed: ValueError: broken layout")


def test_a_workers_failure_reaches_the_parent_as_its_located_problem(mini, monkeypatch):
    # It used to arrive as BrokenProcessPool: the error did not survive pickling back to the parent.
    monkeypatch.setattr(pdf_parts, "render_part", _failing_part)
    with pytest.raises(RiskengineError) as raised:
        pdf_parts.annex_pdf(renderer(mini), sheets_per_part=1, count=2)
    assert str(raised.value) == "allegato-rischi.pdf: error[load]: PDF rendering failed: ValueError: broken layout"
    assert pickle.loads(pickle.dumps(raised.value)).problems == raised.value.problems


# -- joining from serialised objects, written with the two large streams compressed at once ------------------

def _pdf_values(depth: int = 3):
    """pydyf values as WeasyPrint's objects hold them: names, numbers, strings, references, nested."""
    import pydyf

    leaves = st.one_of(
        st.sampled_from(["/Type", "/StructElem", "/P", "/Span", b"/Figure", True, False, None]),
        st.integers(min_value=-5, max_value=10**6),
        st.floats(min_value=-1e4, max_value=1e4, allow_nan=False).map(lambda x: round(x, 3)),
        st.integers(min_value=0, max_value=40).map(lambda n: b"%d 0 R" % n),  # references, as pydyf writes them
        st.text(max_size=12).map(pydyf.String),  # text, including "3 0 R" as words: never renumbered
        st.just(pydyf.String("12 0 R")),
    )
    return st.recursive(leaves, lambda inner: st.one_of(
        st.lists(inner, max_size=5).map(pydyf.Array),
        st.dictionaries(st.sampled_from(["K", "P", "Pg", "Alt", "A", "S", "Nums"]), inner, max_size=5)
        .map(pydyf.Dictionary),
        st.lists(st.integers(0, 999), max_size=4).map(tuple),  # numbers in a tuple (pydyf writes it as text)
        st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(["K", "P"]), inner, max_size=2)),
        max_leaves=25)


def _plain_container(value) -> bool:
    """Whether ``value`` holds a list or dict that is not pydyf's (which pydyf would not write as PDF)."""
    import pydyf

    if isinstance(value, (pydyf.Array, pydyf.Dictionary)):
        return any(_plain_container(item) for item in (value.values() if isinstance(value, dict) else value))
    return isinstance(value, (list, dict))


@given(st.dictionaries(st.sampled_from(["Type", "K", "P", "Pg", "Alt", "A", "S"]), _pdf_values(), max_size=6),
       st.integers(min_value=0, max_value=10**5))
def test_a_serialised_object_writes_what_pydyf_writes_once_renumbered(values, shift):
    import copy

    import pydyf

    obj = pydyf.Dictionary(values)
    obj.number = 7
    mapping = {n: n + shift for n in range(41)}
    template = pdf_parts._template(copy.deepcopy(obj))
    expected = pdf_parts._renumber(obj, mapping).data
    if _plain_container(obj):  # left as it is, and renumbered by the join as before
        assert not isinstance(template, pdf_parts.Serialised)
        return
    assert isinstance(template, pdf_parts.Serialised) or obj.get("Type") == "/Annot" or (
        obj.get("Type") == "/StructElem" and "ID" in obj)
    if isinstance(template, pdf_parts.Serialised):
        template.fill(mapping)
        assert template.data == expected
        assert template.number == 7


def test_structure_elements_with_table_header_ids_and_links_stay_objects():
    import pydyf

    header = pydyf.Dictionary({"Type": "/StructElem", "S": "/TH", "ID": pydyf.String("12-0-1")})
    cell = pydyf.Dictionary({"Type": "/StructElem", "S": "/TD", "A": pydyf.Dictionary({
        "O": "/Table", "Headers": pydyf.Array([pydyf.String("12-0-1")])})})
    link = pydyf.Dictionary({"Type": "/Annot", "Subtype": "/Link", "Dest": pydyf.String("p-1")})
    for obj in (header, cell, link, pydyf.Stream([b"q"])):
        assert pdf_parts._template(obj) is obj  # the join changes them: never frozen into bytes
    with pytest.raises(KeyError):  # a reference the part does not number is an error, as when renumbering
        pdf_parts._template(pydyf.Dictionary({"P": b"3 0 R"})).fill({})
    unfilled = pdf_parts._template(pydyf.Dictionary({"P": b"3 0 R"}))
    with pytest.raises(ValueError, match="never numbered"):  # never written with its part's numbers
        _ = unfilled.data


def _sample_pdf(before: int, objects: int, info: bool):
    """A PDF of ``before`` incompressible stream bytes, then ``objects`` dictionaries of incompressible text."""
    import random

    import pydyf

    from riskengine.report.pdf_streams import Packed

    rng = random.Random(before * 7 + objects)
    pdf = pydyf.PDF()
    if before:
        pdf.add_object(Packed({"Type": "/XObject"}, rng.randbytes(before)))
    for i in range(objects):
        pdf.add_object(pydyf.Dictionary({"Type": "/StructElem", "Alt": pydyf.String(rng.randbytes(40).hex()),
                                         "P": pdf.catalog.reference, "K": pydyf.Array([i, 1.5])}))
    pdf.add_page(pydyf.Dictionary({"Type": "/Page", "MediaBox": pydyf.Array([0, 0, 595, 842])}))
    if info:
        pdf.info["Title"] = pydyf.String("Allegato")
    return pdf


@pytest.mark.parametrize(("before", "objects", "info"), [
    (0, 0, False), (0, 3, True), (1000, 200, True),
    (65_000, 20, False),  # the object stream takes the file past 2^16 bytes: the offsets need one more byte
    (65_400, 0, True), (70_000, 800, False),
    (0, 300, False)])  # the object stream's number needs a wider field than the few bytes before it
def test_write_gives_the_bytes_pydyf_writes(before, objects, info, monkeypatch):
    from riskengine.report.pdf_streams import write

    expected = io.BytesIO()
    with monkeypatch.context() as patched:
        _pydyf_at_stream_level(patched)
        _sample_pdf(before, objects, info).write(expected, b"1.7", True, compress=True)
    assert write(_sample_pdf(before, objects, info)) == expected.getvalue()


def _pydyf_at_stream_level(patched: pytest.MonkeyPatch) -> None:
    """pydyf compressing every stream at riskengine's level for the two large ones (pydyf's own is 9): the PDFs
    compared with pydyf's have no other stream pydyf compresses (a page's comes packed from its worker)."""
    import types
    import zlib

    import pydyf

    from riskengine.report.pdf_streams import STREAM_LEVEL

    patched.setattr(pydyf, "zlib", types.SimpleNamespace(
        compressobj=lambda level: zlib.compressobj(level=STREAM_LEVEL), compress=zlib.compress))


def test_the_large_streams_are_compressed_at_zlibs_default_level():
    # issue 18: at pydyf's level 9 the two streams took 1.8 and 1.4 s of an S annex's serial time
    import zlib

    from riskengine.report.pdf_streams import write

    data = write(_sample_pdf(0, 300, True))
    streams = re.findall(rb"/FlateDecode.*?stream\n(.*?)\nendstream", data, re.DOTALL)
    assert len(streams) == 2  # the object stream and the cross-reference stream (at 9 both differ from these)
    for body in streams:
        assert body == zlib.compress(zlib.decompress(body))


def test_the_joined_pdf_is_what_pydyf_would_write(mini, monkeypatch):
    """The whole join with pydyf's own writer in place of riskengine's gives the same bytes."""
    from riskengine.report import pdf_streams

    def pydyf_write(pdf):
        output = io.BytesIO()
        with monkeypatch.context() as patched:
            _pydyf_at_stream_level(patched)
            pdf.write(output, b"1.7", True, compress=True)
        return output.getvalue()

    ours = pdf_parts.annex_pdf(renderer(mini), sheets_per_part=1, count=1)
    with monkeypatch.context() as patched:
        patched.setattr(pdf_parts, "write", pydyf_write)
        assert pdf_parts.annex_pdf(renderer(mini), sheets_per_part=1, count=1) == ours
    with monkeypatch.context() as patched:  # every object renumbered and written by pydyf in the parent, as before
        patched.setattr(pdf_parts, "_template", lambda obj: obj)
        patched.setattr(pdf_parts, "write", pydyf_write)
        assert pdf_parts.annex_pdf(renderer(mini), sheets_per_part=1, count=1) == ours
    assert pdf_streams.write(_sample_pdf(10, 5, True)) != b""
