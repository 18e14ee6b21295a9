"""Helpers for the report tests (no tests here): a tiny HTML tree, XLSX/PDF readers, golden files."""

from __future__ import annotations

import copy
import io
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "golden"
VOID = {"meta", "br", "col", "link", "img", "hr", "input", "rect", "path", "line", "wbr"}
SHA256 = re.compile(r"\b[0-9a-f]{64}\b")


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    def text(self) -> str:
        return " ".join(" ".join(c.text() if isinstance(c, Node) else c for c in self.children).split())

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag: str, cls: str | None = None) -> list[Node]:
        return [n for n in self.iter() if n.tag == tag and (cls is None or cls in n.attrs.get("class", "").split())]

    def by_id(self, ident: str) -> Node:
        found = [n for n in self.iter() if n.attrs.get("id") == ident]
        assert len(found) == 1, f"id {ident!r} found {len(found)} times"
        return found[0]


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return
        raise AssertionError(f"unbalanced </{tag}>")

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    """The element tree of an HTML document (raises on unbalanced end tags)."""
    builder = _TreeBuilder()
    builder.feed(text)
    builder.close()
    return builder.root


def register_rows(doc: Node) -> list[list[str]]:
    """The text of the cells of every body row of the HTML register."""
    table = doc.by_id("registro").find_all("table", "registro")[0]
    body = table.find_all("tbody")[0]
    return [[c.text() for c in tr.children if isinstance(c, Node) and c.tag in ("th", "td")]
            for tr in body.find_all("tr")]


def level_label(result: dict, code: str, lang: str = "it") -> str:
    level = next(lvl for lvl in result["metodo"]["livelli"] if lvl["codice"] == code)
    return level["etichetta_en"] if lang == "en" else level["etichetta"]


def register_order(result: dict) -> list[str]:
    """Process codes ordered as the register must be: level (highest first), then code."""
    rank = {lvl["codice"]: i for i, lvl in enumerate(result["metodo"]["livelli"])}
    return [p["codice"] for p in sorted(result["processi"], key=lambda p: (-rank.get(p.get("livello"), -1),
                                                                             p["codice"]))]


def hostile(result: dict) -> dict:
    """A copy of ``result`` with script and formula payloads in catalogue text."""
    bad = copy.deepcopy(result)
    bad["processi"][0]["nome"] = "<script>alert(1)</script>"
    bad["ente"]["nome"] = 'Ente "quoted" </style><script>alert(2)</script>'
    for m in bad["misure"]:
        m["descrizione"] = '=HYPERLINK("http://x","y")'
    bad["misure"][0]["nome"] = "@SUM(1+1)"
    bad["metodo"]["livelli"][0]["colore"] = "red;}</style><script>alert(3)</script>"
    return bad


def xlsx_dump(path: Path) -> dict:
    """Every sheet of a workbook as values and the styles that matter (fill, bold), for golden files."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    dump: dict = {"properties": {"title": wb.properties.title, "creator": wb.properties.creator,
                                 "created": str(wb.properties.created), "modified": str(wb.properties.modified)},
                  "sheets": {}}
    for ws in wb.worksheets:
        rows = []
        for row in ws.iter_rows():
            cells = []
            for cell in row:
                value = cell.value
                value = str(value) if value is not None and not isinstance(value, (str, int)) else value
                fill = cell.fill.fgColor.rgb if cell.fill and cell.fill.fill_type == "solid" else None
                cells.append([value, fill, bool(cell.font and cell.font.b)] if fill or (cell.font and cell.font.b)
                             else value)
            rows.append(cells)
        dump["sheets"][ws.title] = {"freeze": ws.freeze_panes, "filter": ws.auto_filter.ref, "rows": rows}
    return dump


def pdf_text(path_or_bytes) -> list[str]:
    """The text of each page of a PDF."""
    from pypdf import PdfReader

    data = path_or_bytes if isinstance(path_or_bytes, bytes) else Path(path_or_bytes).read_bytes()
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def normalise(text: str) -> str:
    """What legitimately varies between machines and rule edits: SHA-256 digests of inputs and rules."""
    return SHA256.sub("<sha256>", text)


def check_golden(name: str, actual: str, update: bool) -> None:
    """Compare ``actual`` with tests/golden/<name> (or rewrite it when ``update``)."""
    path = GOLDEN / name
    actual = normalise(actual)
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8", newline="")
        return
    assert path.exists(), f"missing golden file {path}; run pytest --update-golden"
    expected = path.read_bytes().decode("utf-8")
    if actual != expected:
        diff = next(i for i, (a, b) in enumerate(zip(actual + "\0", expected + "\0", strict=False)) if a != b)
        raise AssertionError(f"{name} differs from the golden file at character {diff}: "
                             f"{actual[max(0, diff - 80):diff + 80]!r} != {expected[max(0, diff - 80):diff + 80]!r} "
                             "(if the change is intended: pytest --update-golden, then review git diff tests/golden)")


def ended(pid: int) -> bool:
    """Whether a process has ended (gone, or a zombie nobody has reaped yet)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except OSError:
        return True
