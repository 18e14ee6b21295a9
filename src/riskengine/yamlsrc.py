"""Safe, bounded YAML loading that remembers where every value came from.

Only plain data is accepted: mappings, sequences and the standard scalar types. Any explicit tag
(``!!python/object``, ``!custom``), a binary or non-UTF-8 file, a file above the size limit, an
alias expansion past the node budget, duplicate keys or nesting past the depth limit is refused with
the file, line and column. Nothing in a file is ever executed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from riskengine.errors import Location, fail

try:
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - libyaml missing
    _Loader = yaml.SafeLoader

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
MAX_NODES_PER_BYTE = 4
MIN_NODE_BUDGET = 100_000
MAX_DEPTH = 64

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + t for t in ("null", "bool", "int", "float", "str", "timestamp")}
_MAP_TAG = _TAG + "map"
_SEQ_TAG = _TAG + "seq"


def max_bytes() -> int:
    """The per-file size limit in bytes (``RISKENGINE_MAX_FILE_MB`` overrides the 20 MB default)."""
    override = os.environ.get("RISKENGINE_MAX_FILE_MB")
    if override and override.isdigit():
        return int(override) * 1024 * 1024
    return DEFAULT_MAX_BYTES


PathKey = tuple[Any, ...]


@dataclass
class Document:
    """A loaded YAML file: the plain data and the node tree used to locate any value in it."""

    path: str
    data: Any
    root: Node | None = field(repr=False, default=None)

    def locate(self, keys: PathKey, *, key: bool = False) -> Location:
        """Location of the value at ``keys`` (or of its key when ``key``), nearest parent if absent."""
        node = self.root
        line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (1, 1)
        for index, part in enumerate(keys):
            found = None
            if isinstance(node, MappingNode):
                for k_node, v_node in node.value:
                    if isinstance(k_node, ScalarNode) and k_node.value == str(part):
                        found = (k_node, v_node)
                        break
                if found is None:
                    break
                k_node, node = found
                target = k_node if key and index == len(keys) - 1 else node
                line, col = target.start_mark.line + 1, target.start_mark.column + 1
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
                line, col = node.start_mark.line + 1, node.start_mark.column + 1
            else:
                break
        return Location(self.path, line, col)


    def locate_in_text(self, keys: PathKey, offset: int) -> Location:
        """Location of character ``offset`` inside the scalar at ``keys`` (for errors in conditions).

        Quoted scalars are mapped through their escapes (``\\"``, ``''``…) by re-reading the source
        line, so the column points at the character the user wrote.
        """
        node = self._node(keys)
        if not isinstance(node, ScalarNode):
            return self.locate(keys)
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        if node.style in ("|", ">"):
            return Location(self.path, line + 1, 1)
        if node.end_mark.line != node.start_mark.line or "\n" in node.value[:offset]:
            return Location(self.path, line, col)
        if node.style not in ('"', "'"):
            return Location(self.path, line, col + offset)
        raw = self._source_line(line)[node.start_mark.column + 1:]
        return Location(self.path, line, col + 1 + _raw_offset(raw, offset, node.style))

    def _source_line(self, line: int) -> str:
        try:
            with open(self.path, encoding="utf-8-sig") as handle:
                for number, text in enumerate(handle, start=1):
                    if number == line:
                        return text
        except OSError:
            pass
        return ""

    def _node(self, keys: PathKey) -> Node | None:
        node = self.root
        for part in keys:
            if isinstance(node, MappingNode):
                node = next((v for k, v in node.value if isinstance(k, ScalarNode) and k.value == str(part)), None)
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
            else:
                return None
        return node


_ESCAPE_LENGTH = {"x": 4, "u": 6, "U": 10}


def _raw_offset(raw: str, offset: int, style: str) -> int:
    """Characters of quoted source text that encode the first ``offset`` characters of the value."""
    position = 0
    for _ in range(offset):
        if position >= len(raw):
            break
        if style == '"' and raw[position] == "\\" and position + 1 < len(raw):
            position += _ESCAPE_LENGTH.get(raw[position + 1], 2)
        elif style == "'" and raw.startswith("''", position):
            position += 2
        else:
            position += 1
    return position


class _Builder:
    """Turns a node tree into plain Python data within a node budget."""

    def __init__(self, path: str, budget: int) -> None:
        self.path = path
        self.budget = budget
        self.constructor = SafeConstructor()

    def _loc(self, node: Node) -> Location:
        return Location(self.path, node.start_mark.line + 1, node.start_mark.column + 1)

    def build(self, node: Node, depth: int = 0) -> Any:
        self.budget -= 1
        if self.budget < 0:
            raise fail(self._loc(node), "too many values after expanding aliases (possible alias bomb)",
                       hint="remove the repeated '*alias' references or split the file")
        if depth > MAX_DEPTH:
            raise fail(self._loc(node), f"nesting deeper than {MAX_DEPTH} levels", hint="flatten the structure")
        if isinstance(node, ScalarNode):
            if node.tag not in _SCALAR_TAGS:
                raise self._bad_tag(node)
            try:
                return self.constructor.yaml_constructors[node.tag](self.constructor, node)
            except ValueError as exc:  # e.g. 2026-02-30, 0x_, an integer of 5,000 digits
                if node.tag == _TAG + "timestamp":
                    raise fail(self._loc(node), f"invalid date '{node.value}': {exc}",
                               hint="write dates as YYYY-MM-DD") from None
                raise fail(self._loc(node), f"invalid number '{node.value[:40]}': {exc}",
                           hint="write it in quotes if it is text") from None
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ_TAG:
                raise self._bad_tag(node)
            return [self.build(item, depth + 1) for item in node.value]
        if isinstance(node, MappingNode):
            if node.tag != _MAP_TAG:
                raise self._bad_tag(node)
            result: dict[str, Any] = {}
            for k_node, v_node in node.value:
                if not isinstance(k_node, ScalarNode):
                    raise fail(self._loc(k_node), "a key must be plain text, not a list or a mapping")
                if k_node.tag not in _SCALAR_TAGS:
                    raise self._bad_tag(k_node)
                k = k_node.value
                if k in result:
                    raise fail(self._loc(k_node), f"duplicate key '{k}' in the same mapping",
                               hint="keep one of the two entries")
                result[k] = self.build(v_node, depth + 1)
            return result
        raise fail(self._loc(node), "unsupported YAML node")  # pragma: no cover

    def _bad_tag(self, node: Node):
        return fail(self._loc(node), f"YAML tag '{node.tag}' is not allowed",
                    hint="rule and catalogue files hold plain data only: remove the '!' tag")


def _read_text(path: str) -> str:
    try:
        size = os.path.getsize(path)
    except OSError as exc:
        raise fail(Location(path), f"cannot read file: {exc.strerror}") from None
    limit = max_bytes()
    if size > limit:
        raise fail(Location(path), f"file is {size / 1048576:.1f} MB, above the {limit // 1048576} MB limit",
                   hint="split the file, or raise the limit with RISKENGINE_MAX_FILE_MB")
    try:
        with open(path, "rb") as handle:
            raw = handle.read()
    except OSError as exc:  # a directory, no permission
        raise fail(Location(path), f"cannot read file: {exc.strerror}") from None
    if b"\x00" in raw:
        offset = raw.index(b"\x00")
        line = raw.count(b"\n", 0, offset) + 1
        raise fail(Location(path, line, offset - (raw.rfind(b"\n", 0, offset) + 1) + 1),
                   "binary file (NUL byte found): expected UTF-8 YAML text")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise fail(Location(path, line, col), "file is not valid UTF-8 text",
                   hint="save the file as UTF-8") from None


def _check_depth(path: str, text: str) -> None:
    """Refuse deep nesting from the event stream, before libyaml's recursive composer can crash on it."""
    loader = _Loader(text)
    try:
        depth = 0
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH + 1:
                    mark = event.start_mark
                    raise fail(Location(path, mark.line + 1, mark.column + 1),
                               f"nesting deeper than {MAX_DEPTH} levels", hint="flatten the structure")
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    finally:
        loader.dispose()


def load_yaml(path: str | os.PathLike) -> Document:
    """Load one YAML file safely; raise :class:`RiskengineError` with a precise location on failure."""
    path = os.fspath(path)
    text = _read_text(path)
    try:
        _check_depth(path, text)
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(path, mark.line + 1, mark.column + 1) if mark else Location(path)
        raise fail(loc, f"invalid YAML: {exc.problem or exc.context}",
                   hint="check indentation, colons and quotes around this place") from None
    except yaml.YAMLError as exc:
        raise fail(Location(path), f"invalid YAML: {exc}") from None
    except RecursionError:
        raise fail(Location(path), "nesting too deep", hint="flatten the structure") from None
    if root is None:
        return Document(path, None, None)
    budget = max(MIN_NODE_BUDGET, len(text) // MAX_NODES_PER_BYTE * 2)
    data = _Builder(path, budget).build(root)
    return Document(path, data, root)
