"""Safe, bounded YAML loading that remembers where every value came from.

Only plain data is accepted: mappings, sequences and the standard scalar types. Any explicit tag
(``!!python/object``, ``!custom``), a binary or non-UTF-8 file, a file above the size limit, an
alias expansion past the node budget, duplicate keys or nesting past the depth limit is refused with
the file, line and column. Nothing in a file is ever executed.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from riskengine.errors import Location, RiskengineError, fail, shorten
from riskengine.gcpause import paused as _gc_paused
from riskengine.i18n import refuse
from riskengine.source.yaml_problems import yaml_problem

_Loader: Any
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


def loading_versions() -> bytes:
    """The versions that what a file loads into depends on (riskengine, Python, pydantic, pydantic-core, PyYAML),
    for the keys of the caches of loaded files."""
    import pydantic
    import pydantic_core

    import riskengine

    return "\0".join((riskengine.__version__, sys.version, pydantic.VERSION, pydantic_core.__version__,
                      yaml.__version__, "")).encode("utf-8")


def max_bytes() -> int:
    """The per-file size limit in bytes (``RISKENGINE_MAX_FILE_MB`` overrides the 20 MB default)."""
    override = os.environ.get("RISKENGINE_MAX_FILE_MB")
    if override and override.isdigit():
        return int(override) * 1024 * 1024
    return DEFAULT_MAX_BYTES


PathKey = tuple[Any, ...]

# Positions in the compact index: 0-based line and column packed in one integer.
_COL_BITS = 32
_COL_MASK = (1 << _COL_BITS) - 1
_NO_DOCUMENT = object()  # index of a file holding no YAML document


class PositionCache(Protocol):
    """Keeps position indexes between runs, by the SHA-256 of the file's bytes (see riskengine.graph.cache)."""

    def get(self, digest: bytes) -> Any | None:
        """The index stored for bytes of this digest, or None."""

    def put(self, digest: bytes, index: Any) -> None:
        """Store the index of bytes of this digest."""


@dataclass
class Document:
    """A loaded YAML file: the plain data, and where every value of it is written.

    Positions are looked up lazily. Loading builds the data straight from the parser's events and
    keeps the file's bytes (``source``); the first ``locate`` re-reads them into a compact index (a
    tuple per mapping or sequence, one integer per key and value), and the node tree (about 25 bytes
    of memory per byte of YAML) is composed only for ``locate_in_text`` or for files that use
    anchors and aliases, which are loaded through it. ``release_positions`` drops the bytes and the
    index; they are read again from the file, if it is unchanged, when a value is next located.
    """

    path: str
    data: Any
    root: Node | None = field(repr=False, default=None)
    source: bytes | None = field(repr=False, default=None, compare=False)
    _index: Any = field(repr=False, default=None, compare=False)
    _digest: bytes | None = field(repr=False, default=None, compare=False)
    within: str | None = field(repr=False, default=None, compare=False)  # the folder it is read inside
    # Where a re-read file's index is looked up before scanning it again (set on cached catalogues, never stored).
    positions: PositionCache | None = field(repr=False, default=None, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["positions"] = None  # a cache's handle (its signing key) never goes into what is stored
        return state

    def use_positions(self, cache: PositionCache) -> None:
        """Look up this file's position index in ``cache`` when it is next needed, and keep there the one
        already built (for a catalogue, by its integrity checks)."""
        self.positions = cache
        if self.source is not None and self._index is not None and self._index is not _NO_DOCUMENT:
            cache.put(hashlib.sha256(self.source).digest(), self._index)

    def release_data(self) -> None:
        """Drop the plain data once it has been validated into models (which hold it from then on).

        Locating values keeps working: it reads the file's bytes or the node tree, never ``data``.
        For a national catalogue the plain data is about 40% of the memory of the loaded files.
        """
        self.data = None

    def release_positions(self) -> None:
        """Forget the file's bytes and position index; a later ``locate`` reads the file again.

        For a national catalogue they are a few hundred megabytes that nothing needs once the
        loading and integrity checks have located their findings. A file changed on disk since it
        was loaded is not trusted for positions: its values are then located at the file only.
        Files loaded through the node tree (anchors and aliases) keep their tree: nothing is released.
        """
        if self.source is not None:
            self._digest = hashlib.sha256(self.source).digest()
            self.source = self.root = self._index = None

    def _bytes(self) -> bytes | None:
        """The file's bytes: kept since loading, or read again after ``release_positions``.

        A file found changed (or unreadable) is marked so (an empty digest) and not read again.
        """
        if self.source is None and self._digest:
            try:
                raw = read_file(self.path, within=self.within)
            except RiskengineError:
                raw = None
            if raw is not None and hashlib.sha256(raw).digest() == self._digest:
                self.source, self._digest = raw, None
            else:
                self._digest = b""
        return self.source

    def _tree(self) -> Node | None:
        """The node tree (composed from ``source`` on first use when loading did not keep it)."""
        raw = self._bytes() if self.root is None else None
        if raw is not None:
            with _gc_paused():
                loader = _Loader(raw.decode("utf-8-sig"))
                try:
                    self.root = loader.get_single_node()
                finally:
                    loader.dispose()
        return self.root

    def locate(self, keys: PathKey, *, key: bool = False) -> Location:
        """Location of the value at ``keys`` (or of its key when ``key``), nearest parent if absent."""
        raw = self._bytes() if self.root is None else None
        if raw is not None:
            if self._index is None:
                self._index = self._position_index(raw)
            if self._index is not _NO_DOCUMENT:
                return self._locate_in_index(keys, key)
        elif self.root is None and self._digest is not None:  # changed on disk since loading
            return Location(self.path)
        node = self._tree()
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

    def _position_index(self, raw: bytes) -> Any:
        """The compact index of ``raw``: from the position cache when it has it, else scanned (and stored)."""
        digest = hashlib.sha256(raw).digest() if self.positions is not None else None
        if self.positions is not None and digest is not None:
            found = self.positions.get(digest)
            if found is not None:
                return found
        index = _scan(self.path, raw.decode("utf-8-sig"), data=False).index
        if self.positions is not None and digest is not None and index is not _NO_DOCUMENT:
            self.positions.put(digest, index)
        return index

    def _locate_in_index(self, keys: PathKey, key: bool) -> Location:
        """``locate`` on the compact index: the same walk as on the node tree."""
        entry = self._index
        pos = entry if type(entry) is int else entry[0]
        last = len(keys) - 1
        for n, part in enumerate(keys):
            if type(entry) is int:
                break
            names = entry[1]
            if names is not None:  # mapping: (position, keys, key position, value, key position, value, ...)
                try:
                    i = names.index(str(part))
                except ValueError:
                    break
                key_pos, entry = entry[2 + 2 * i], entry[3 + 2 * i]
                pos = key_pos if key and n == last else (entry if type(entry) is int else entry[0])
            elif isinstance(part, int) and 0 <= part < len(entry) - 2:  # sequence: (position, None, items...)
                entry = entry[2 + part]
                pos = entry if type(entry) is int else entry[0]
            else:
                break
        return Location(self.path, (pos >> _COL_BITS) + 1, (pos & _COL_MASK) + 1)

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
        raw = self._bytes()
        if raw is None:  # loaded through the node tree, which keeps no bytes
            try:
                raw = read_file(self.path, within=self.within)
            except RiskengineError:
                return ""
        lines = raw.decode("utf-8-sig", errors="replace").splitlines()  # YAML's line breaks, NEL and LS too
        return lines[line - 1] if 0 < line <= len(lines) else ""

    def _node(self, keys: PathKey) -> Node | None:
        node = self._tree()
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
            raise refuse(self._loc(node), "problemi.yaml.alias", hint_key="problemi.suggerimento.alias")
        if depth > MAX_DEPTH:
            raise refuse(self._loc(node), "problemi.yaml.annidamento", hint_key="problemi.suggerimento.appiattisci",
                         livelli=MAX_DEPTH)
        if isinstance(node, ScalarNode):
            if node.tag not in _SCALAR_TAGS:
                raise self._bad_tag(node)
            try:
                return _as_written(node.tag, node.value,
                                   self.constructor.yaml_constructors[node.tag](self.constructor, node))
            except ValueError as exc:  # e.g. 2026-02-30, 0x_, an integer of 5,000 digits
                if node.tag == _TAG + "timestamp":
                    raise refuse(self._loc(node), "problemi.yaml.data", hint_key="problemi.suggerimento.data",
                                 valore=shorten(node.value), dettaglio=exc) from None
                raise refuse(self._loc(node), "problemi.yaml.numero", hint_key="problemi.suggerimento.virgolette",
                             valore=shorten(node.value, 40), dettaglio=exc) from None
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
                    raise refuse(self._loc(k_node), "problemi.yaml.chiave_composta")
                if k_node.tag not in _SCALAR_TAGS:
                    raise self._bad_tag(k_node)
                k = k_node.value
                if k in result:
                    raise refuse(self._loc(k_node), "problemi.yaml.chiave_doppia",
                                 hint_key="problemi.suggerimento.una_delle_due", chiave=shorten(k))
                result[k] = self.build(v_node, depth + 1)
            return result
        raise fail(self._loc(node), "unsupported YAML node")  # pragma: no cover

    def _bad_tag(self, node: Node) -> RiskengineError:
        return refuse(self._loc(node), "problemi.yaml.etichetta", hint_key="problemi.suggerimento.etichetta",
                      etichetta=node.tag)


_KIND_OF_MODE = ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a named pipe (FIFO)"),
                 (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"), (stat.S_ISSOCK, "a socket"))


def _not_regular(path: str, mode: int) -> RiskengineError:
    kind = next((name for test, name in _KIND_OF_MODE if test(mode)), "not a regular file")
    return refuse(Location(path), "problemi.file.non_regolare", hint_key="problemi.suggerimento.file_yaml", tipo=kind)


def read_file(path: str | os.PathLike, *, within: str | os.PathLike | None = None) -> bytes:
    """The bytes of a rule or catalogue file, read without following it anywhere it should not lead.

    The file's real path (every link resolved) must lie inside ``within`` (by default the folder
    that holds the file: a catalogue file inside its catalogue, a method file inside its method),
    and must be a regular file: a link to ``/etc/shadow`` or ``/dev/zero`` and a named pipe are
    refused before anything is read. The file is opened without blocking (a FIFO swapped in after
    the check does not hang) and without following a last link, checked again on the open handle,
    and read up to the size limit plus one byte, so a file that grows while read is refused too.
    """
    path = os.fspath(path)
    root = os.path.realpath(os.fspath(within) if within is not None else os.path.dirname(os.path.abspath(path)))
    real = os.path.realpath(path)
    if os.path.commonpath([root, real]) != root:
        raise refuse(Location(path), "problemi.file.collegamento_esterno", hint_key="problemi.suggerimento.copia_file",
                     destinazione=shorten(real), cartella=shorten(root))
    limit = max_bytes()
    try:
        mode = os.stat(real).st_mode
        if not stat.S_ISREG(mode):  # checked before opening: a device is never opened
            raise _not_regular(path, mode)
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:  # missing, no permission, a link swapped in after resolving
        raise refuse(Location(path), "problemi.file.illeggibile", causa=exc.strerror) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path, info.st_mode)
        if info.st_size > limit:
            raise _too_large(path, info.st_size, limit)
        try:
            raw = handle.read(limit + 1)
        except OSError as exc:
            raise refuse(Location(path), "problemi.file.illeggibile", causa=exc.strerror) from None
    if len(raw) > limit:
        raise _too_large(path, len(raw), limit)
    return raw


def _too_large(path: str, size: int, limit: int) -> RiskengineError:
    return refuse(Location(path), "problemi.file.troppo_grande", hint_key="problemi.suggerimento.dividi_file",
                  mb=f"{size / 1048576:.1f}", limite=limit // 1048576)


def _decode(path: str, raw: bytes) -> str:
    if b"\x00" in raw:
        offset = raw.index(b"\x00")
        line = raw.count(b"\n", 0, offset) + 1
        raise refuse(Location(path, line, offset - (raw.rfind(b"\n", 0, offset) + 1) + 1), "problemi.file.binario")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise refuse(Location(path, line, col), "problemi.file.non_utf8",
                     hint_key="problemi.suggerimento.utf8") from None


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
                    mark: Any = event.start_mark
                    raise refuse(Location(path, mark.line + 1, mark.column + 1), "problemi.yaml.annidamento",
                                 hint_key="problemi.suggerimento.appiattisci", livelli=MAX_DEPTH)
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    finally:
        loader.dispose()


class _FallbackError(Exception):
    """The file uses anchors or aliases: load it through the node tree (``_Builder``)."""


@dataclass
class _Scanned:
    data: Any
    index: Any


_STR_TAG = _TAG + "str"
_FLOAT_TAG = _TAG + "float"


class WrittenFloat(float):
    """A YAML float that remembers how it was written: ``repr`` gives that text.

    A float keeps about 17 significant digits, so ``4.0000000000000000000000001`` would become
    ``4.0`` and pass a precision check; ``Decimal(repr(value))``, which every exact field uses, reads
    the digits as written. JSON still writes the float itself.
    """

    text: str

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


def _as_written(tag: str, text: str, value: Any) -> Any:
    """``value`` (constructed from ``text``), as a :class:`WrittenFloat` when it is a decimal float.

    Infinities, NaN and sexagesimal floats (``1:30.5``) stay plain floats, which ``Decimal`` reads
    from their usual ``repr``.
    """
    if tag != _FLOAT_TAG:
        return value
    written = text.replace("_", "")
    try:
        exact = Decimal(written)
    except InvalidOperation:
        return value
    if not exact.is_finite():
        return value
    number = WrittenFloat(value)
    number.text = written
    return number


def _scan(path: str, text: str, *, data: bool = True, index: bool = False) -> _Scanned:
    """Build the data (``data``), the position index (``index``, or not ``data``) or both from the parser's events.

    One pass over the events, no node tree. The result and every error are those of the node-tree
    path (``_check_depth``, ``get_single_node``, ``_Builder``), with the same precedence: a parse
    error or too deep nesting anywhere in the stream first, then a second document, then the first
    value error in document order. Raises ``_FallbackError`` at the first anchor or alias.
    """
    loader = _Loader(text)
    try:
        scan = _EventScan(path, text, loader, data, index or not data)
        try:
            scan.build()
        except _StreamError as exc:  # too deep: an error of the stream, before any other
            raise exc.error from None
        except RiskengineError as exc:  # a value error: finish reading the stream for errors that come first
            scan.value_error = exc
        scan.drain()
        if scan.document_error is not None:
            raise scan.document_error
        if scan.value_error is not None:
            raise scan.value_error
        return _Scanned(scan.root_data, scan.root_index)
    finally:
        loader.dispose()


# Without path resolvers or wildcard resolvers (PyYAML's safe loaders have none), a scalar's tag
# depends on its text only when it is plain: looked up here without a call per scalar.
_RESOLVERS = _Loader.yaml_implicit_resolvers
_INLINE_RESOLVE = not _Loader.yaml_path_resolvers and None not in _RESOLVERS
_INT_TAG = _TAG + "int"
# First characters that only start booleans and nulls (yes, off, null, ~…: five characters at most):
# a longer plain scalar starting with one of them is text without trying the resolvers.
_WORDS_ONLY = frozenset(c for c, resolvers in _RESOLVERS.items()
                        if c and {tag for tag, _ in resolvers} <= {_TAG + "bool", _TAG + "null"})


def _plain_int(value: str) -> bool:
    """Whether a plain scalar is a short decimal integer: tagged int, read by ``int()`` (as PyYAML does)."""
    return value.isdigit() and value.isascii() and len(value) < 19 and (value[0] != "0" or len(value) == 1)


class _EventScan:
    """State of one pass over the events (see ``_scan``)."""

    def __init__(self, path: str, text: str, loader: Any, want_data: bool, want_index: bool) -> None:
        self.path = path
        self.loader = loader
        self.want_data = want_data
        self.want_index = want_index
        self.budget = max(MIN_NODE_BUDGET, len(text) // MAX_NODES_PER_BYTE * 2)
        self.depth = 0          # open collections, for the stream-wide nesting check
        self.documents = 0
        self.document_error: RiskengineError | None = None
        self.value_error: RiskengineError | None = None
        self.root_data: Any = None
        self.root_index: Any = _NO_DOCUMENT

    def _loc(self, mark: Any) -> Location:
        return Location(self.path, mark.line + 1, mark.column + 1)

    def _too_deep(self, mark: Any) -> RiskengineError:
        return refuse(self._loc(mark), "problemi.yaml.annidamento", hint_key="problemi.suggerimento.appiattisci",
                      livelli=MAX_DEPTH)

    def _bad_tag(self, mark: Any, tag: str) -> RiskengineError:
        return refuse(self._loc(mark), "problemi.yaml.etichetta", hint_key="problemi.suggerimento.etichetta",
                      etichetta=tag)

    def _tag(self, event: Any) -> str:
        tag = event.tag
        if tag is not None and tag != "!":
            return tag
        implicit = event.implicit
        if not implicit[0]:
            return _STR_TAG if _INLINE_RESOLVE else self.loader.resolve(yaml.ScalarNode, event.value, implicit)
        if not _INLINE_RESOLVE:
            return self.loader.resolve(yaml.ScalarNode, event.value, implicit)
        value = event.value
        for tag, regexp in _RESOLVERS.get(value[0] if value else "", ()):
            if regexp.match(value):
                return tag
        return _STR_TAG

    def build(self) -> None:
        """Read events up to the end of the first document, building the data, the index or both."""
        get_event = self.loader.get_event
        want_data, want_index = self.want_data, self.want_index
        scalar_event, mapping_start, sequence_start = yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent
        mapping_end, sequence_end = yaml.MappingEndEvent, yaml.SequenceEndEvent
        constructor = SafeConstructor()
        constructors = constructor.yaml_constructors
        interned: dict[tuple, tuple] = {}
        inline, resolvers, words_only = _INLINE_RESOLVE, _RESOLVERS, _WORDS_ONLY
        # One frame per open collection:
        # [is mapping, data (dict or list), index items (index mode), key names seen, pending key, its packed position]
        stack: list[list] = []
        frame: list | None = None
        while True:
            event = get_event()
            if event is None:
                return
            cls = type(event)
            if cls is scalar_event:
                if event.anchor is not None:
                    raise _FallbackError
                mark = event.start_mark
                value = event.value
                # Text for certain, as _tag would find without the call (most keys and values are words).
                plain_text = want_data and event.tag is None and inline and (
                    not event.implicit[0] or value[:1] not in resolvers or (len(value) > 5 and value[0] in words_only))
                if frame is not None and frame[0] and frame[4] is None:  # a key of a mapping
                    name = value
                    names = frame[3]
                    if want_data:
                        tag = _STR_TAG if plain_text else self._tag(event)
                        if tag not in _SCALAR_TAGS:
                            raise self._bad_tag(mark, tag)
                        if name in names:
                            raise refuse(self._loc(mark), "problemi.yaml.chiave_doppia",
                                         hint_key="problemi.suggerimento.una_delle_due", chiave=shorten(name))
                    if want_index:
                        frame[5] = (mark.line << _COL_BITS) | min(mark.column, _COL_MASK)
                    names[name] = None
                    frame[4] = name
                    continue
                if not want_data:  # positions only, of a file that loaded without errors: no check again
                    entry = (mark.line << _COL_BITS) | min(mark.column, _COL_MASK)
                    if frame is None:
                        self.root_index = entry
                    elif frame[0]:
                        frame[2] += (frame[5], entry)
                        frame[4] = None
                    else:
                        frame[2].append(entry)
                    continue
                self.budget -= 1
                if self.budget < 0:
                    raise self._alias_bomb(mark)
                if len(stack) > MAX_DEPTH:
                    raise self._too_deep(mark)
                if plain_text:
                    pass  # kept as text
                elif event.tag is None and inline and event.implicit[0] and _plain_int(value):
                    value = int(value)
                else:
                    tag = self._tag(event)
                    if tag not in _SCALAR_TAGS:
                        raise self._bad_tag(mark, tag)
                    if tag != _STR_TAG:
                        value = self._construct(constructor, constructors, tag, event)
                entry = (mark.line << _COL_BITS) | min(mark.column, _COL_MASK) if want_index else None
                if frame is None:
                    self.root_data, self.root_index = value, entry
                elif frame[0]:
                    frame[1][frame[4]] = value
                    if want_index:
                        frame[2] += (frame[5], entry)
                    frame[4] = None
                else:
                    frame[1].append(value)
                    if want_index:
                        frame[2].append(entry)
                continue
            if cls is mapping_start or cls is sequence_start:
                if event.anchor is not None:
                    raise _FallbackError
                mark = event.start_mark
                self.depth += 1
                if self.depth > MAX_DEPTH + 1:
                    raise _StreamError(self._too_deep(mark))
                if frame is not None and frame[0] and frame[4] is None:
                    raise refuse(self._loc(mark), "problemi.yaml.chiave_composta")
                self.budget -= 1
                if self.budget < 0:
                    raise self._alias_bomb(mark)
                if len(stack) > MAX_DEPTH:
                    raise self._too_deep(mark)
                is_mapping = cls is mapping_start
                tag = event.tag
                if tag is not None and tag != "!" and tag != (_MAP_TAG if is_mapping else _SEQ_TAG):
                    raise self._bad_tag(mark, tag)
                container: Any = None
                if want_data:  # attached now; in index mode the entry is attached once complete
                    container = {} if is_mapping else []
                    if frame is None:
                        self.root_data, self.root_index = container, None
                    elif frame[0]:
                        frame[1][frame[4]] = container
                    else:
                        frame[1].append(container)
                position = [(mark.line << _COL_BITS) | min(mark.column, _COL_MASK)] if want_index else None
                frame = [is_mapping, container, position, {} if is_mapping else None, None, 0]
                stack.append(frame)
                continue
            if cls is mapping_end or cls is sequence_end:
                self.depth -= 1
                done = stack.pop()
                frame = stack[-1] if stack else None
                if not want_index:
                    if frame is not None and frame[0]:
                        frame[4] = None
                    continue
                names = None
                if done[0]:
                    names = tuple(done[3])
                    names = interned.setdefault(names, names)
                items = done[2]
                entry = (items[0], names, *items[1:])
                if frame is None:
                    self.root_index = entry
                elif frame[0]:
                    frame[2] += (frame[5], entry)
                    frame[4] = None
                else:
                    frame[2].append(entry)
                continue
            if cls is yaml.AliasEvent:
                raise _FallbackError
            if cls is yaml.DocumentStartEvent:
                self.documents += 1
            elif cls is yaml.DocumentEndEvent:
                return

    def drain(self) -> None:
        """Read the rest of the stream: parse errors, too deep nesting, a second document, anchors."""
        get_event = self.loader.get_event
        start_events = (yaml.MappingStartEvent, yaml.SequenceStartEvent)
        end_events = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
        while True:
            event = get_event()
            if event is None:
                return
            cls = type(event)
            if cls in start_events:
                if event.anchor is not None:
                    raise _FallbackError
                self.depth += 1
                if self.depth > MAX_DEPTH + 1:
                    raise self._too_deep(event.start_mark)
            elif cls in end_events:
                self.depth -= 1
            elif cls is yaml.ScalarEvent:
                if event.anchor is not None:
                    raise _FallbackError
            elif cls is yaml.AliasEvent:
                raise _FallbackError
            elif cls is yaml.DocumentStartEvent:
                self.documents += 1
                if self.documents == 2 and self.document_error is None:
                    self.document_error = refuse(self._loc(event.start_mark), "problemi.yaml.altro_documento",
                                                 hint_key="problemi.suggerimento.yaml")

    def _alias_bomb(self, mark: Any) -> RiskengineError:
        return refuse(self._loc(mark), "problemi.yaml.alias", hint_key="problemi.suggerimento.alias")

    def _construct(self, constructor: Any, constructors: dict, tag: str, event: Any) -> Any:
        node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        try:
            return _as_written(tag, event.value, constructors[tag](constructor, node))
        except ValueError as exc:  # e.g. 2026-02-30, 0x_, an integer of 5,000 digits
            if tag == _TAG + "timestamp":
                raise refuse(self._loc(event.start_mark), "problemi.yaml.data", hint_key="problemi.suggerimento.data",
                             valore=shorten(event.value), dettaglio=exc) from None
            raise refuse(self._loc(event.start_mark), "problemi.yaml.numero",
                         hint_key="problemi.suggerimento.virgolette", valore=shorten(event.value, 40),
                         dettaglio=exc) from None


class _StreamError(Exception):
    """Too deep nesting met while building: raised as such, before any value error."""

    def __init__(self, error: RiskengineError) -> None:
        super().__init__(str(error))
        self.error = error


def load_yaml(path: str | os.PathLike, *, within: str | os.PathLike | None = None) -> Document:
    """Load one YAML file safely; raise :class:`RiskengineError` with a precise location on failure.

    The file is read by :func:`read_file`: it must be a regular file whose real path lies inside
    ``within`` (by default the folder that holds it).
    """
    path = os.fspath(path)
    folder = os.fspath(within) if within is not None else None
    raw = read_file(path, within=folder)
    text = _decode(path, raw)
    with _gc_paused():  # millions of long-lived containers and no cycles: see riskengine.gcpause
        try:
            try:
                scanned = _scan(path, text, index=True)  # the positions too: findings are located without a second scan
            except _FallbackError:
                return _load_with_tree(path, text, folder)
        except yaml.MarkedYAMLError as exc:
            raise _marked_error(path, exc, text) from None
        except yaml.YAMLError as exc:
            raise refuse(Location(path), "problemi.yaml.sintassi.sconosciuto", dettaglio=exc) from None
    if scanned.index is _NO_DOCUMENT:
        return Document(path, None, None, within=folder)
    return Document(path, scanned.data, None, source=raw, _index=scanned.index, within=folder)


def _marked_error(path: str, exc: yaml.MarkedYAMLError, text: str) -> RiskengineError:
    if "nesting depth" in (exc.problem or ""):
        return _too_deep_for_the_parser(path, exc, text)
    return yaml_problem(path, exc, text)


def _too_deep_for_the_parser(path: str, exc: yaml.MarkedYAMLError, text: str) -> RiskengineError:
    """Our nesting error, where the parser stopped at a limit of its own (1,000 levels from PyYAML 6.0.4).

    The parser reads ahead (up to 1,024 characters for a possible key), so it can give up before
    yielding the events that pass our lower limit: they are read again from the text before its
    stop, and the error is at the first of them, as it is where the parser goes on.
    """
    mark: Any = exc.problem_mark
    loader = _Loader(text[:mark.index] if mark is not None else text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
                depth += 1
                if depth > MAX_DEPTH + 1:
                    mark = event.start_mark
                    break
            elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
                depth -= 1
    except yaml.YAMLError:
        pass  # the text was cut where the parser stopped: any error past our limit is expected
    finally:
        loader.dispose()
    where = Location(path, mark.line + 1, mark.column + 1) if mark is not None else Location(path)
    return refuse(where, "problemi.yaml.annidamento", hint_key="problemi.suggerimento.appiattisci", livelli=MAX_DEPTH)


def _load_with_tree(path: str, text: str, within: str | None) -> Document:
    """The node-tree path, for files with anchors and aliases (expanded within the node budget)."""
    try:
        _check_depth(path, text)
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise _marked_error(path, exc, text) from None
    except yaml.YAMLError as exc:
        raise refuse(Location(path), "problemi.yaml.sintassi.sconosciuto", dettaglio=exc) from None
    except RecursionError:
        raise refuse(Location(path), "problemi.yaml.troppo_annidato",
                     hint_key="problemi.suggerimento.appiattisci") from None
    if root is None:
        return Document(path, None, None, within=within)
    budget = max(MIN_NODE_BUDGET, len(text) // MAX_NODES_PER_BYTE * 2)
    data = _Builder(path, budget).build(root)
    return Document(path, data, root, within=within)
