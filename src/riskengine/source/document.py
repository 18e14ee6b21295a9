"""Safe, bounded YAML loading that remembers where every value came from.

Only plain data is accepted: mappings, sequences and the standard scalar types. Any explicit tag
(``!!python/object``, ``!custom``), a binary or non-UTF-8 file, a file above the size limit, an
alias expansion past the node budget, duplicate keys or nesting past the depth limit is refused with
the file, line and column. Nothing in a file is ever executed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, BinaryIO, ClassVar, Protocol

from riskengine.errors import Location, RiskengineError, shorten
from riskengine.gcpause import paused as _gc_paused
from riskengine.i18n import os_cause, refuse

if TYPE_CHECKING:
    from yaml.nodes import Node

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

    from riskengine.user_cache import package_version, versions

    return versions(pydantic.VERSION, pydantic_core.__version__, package_version("yaml"))


def max_bytes() -> int:
    """The per-file size limit in bytes (``RISKENGINE_MAX_FILE_MB`` overrides the 20 MB default)."""
    override = os.environ.get("RISKENGINE_MAX_FILE_MB")
    if override and override.isascii() and override.isdigit():  # not '²', which int() refuses
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
    # Whether its values are a workbook's cells, where a number is typed as the sheet shows it (a decimal comma in
    # Italian), not as YAML writes it.
    cells: ClassVar[bool] = False

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
            if self._digest is None:  # known already when the bytes were read again
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
                self.source = raw  # the digest kept: it is these bytes' (released again without hashing)
            else:
                self._digest = b""
        return self.source

    def _tree(self) -> Node | None:
        """The node tree (composed from ``source`` on first use when loading did not keep it)."""
        raw = self._bytes() if self.root is None else None
        if raw is not None:
            from riskengine.source import yaml_reader

            with _gc_paused():
                self.root = yaml_reader.compose(raw.decode("utf-8-sig"))
        return self.root

    def empty_cell(self, keys: PathKey) -> tuple[Location, str] | None:
        """The empty cell a missing value at ``keys`` was left in, and its column's heading: a file has none (a
        workbook's sheets do, :class:`riskengine.workbook.read.WorkbookDocument`)."""
        return None

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
        if node is None:
            return Location(self.path, 1, 1)
        from yaml.nodes import MappingNode, ScalarNode, SequenceNode  # imported with the tree

        line, col = node.start_mark.line + 1, node.start_mark.column + 1
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
        digest = (self._digest or hashlib.sha256(raw).digest()) if self.positions is not None else None
        if self.positions is not None and digest is not None:
            found = self.positions.get(digest)
            if found is not None:
                return found
        from riskengine.source import yaml_reader

        index = yaml_reader.position_index(self.path, raw.decode("utf-8-sig"))
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
        from yaml.nodes import ScalarNode

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
        from yaml.nodes import MappingNode, ScalarNode, SequenceNode

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


_KIND_OF_MODE = ((stat.S_ISDIR, "cartella"), (stat.S_ISFIFO, "fifo"), (stat.S_ISCHR, "dispositivo"),
                 (stat.S_ISBLK, "dispositivo"), (stat.S_ISSOCK, "socket"), (stat.S_ISLNK, "collegamento"))


def file_kind(mode: int) -> dict[str, str]:
    """The values that word, as ``{tipo}``, what a path is when it is not a regular file (a folder, a device…)."""
    kind = next((name for test, name in _KIND_OF_MODE if test(mode)), "altro")
    return {"tipo_chiave": f"problemi.tipo_file.{kind}"}


def _not_regular(path: str, mode: int) -> RiskengineError:
    return refuse(Location(path), "problemi.file.non_regolare", hint_key="problemi.suggerimento.file_yaml",
                  **file_kind(mode))


def read_file(path: str | os.PathLike, *, within: str | os.PathLike | None = None) -> bytes:
    """The bytes of a rule or catalogue file, read without following it anywhere it should not lead.

    The file is opened by :func:`open_file` and read up to the size limit plus one byte, so a file
    that grows while read is refused too.
    """
    with open_file(path, within=within) as (handle, limit):
        return read_bounded(handle, path, limit + 1, limit)


@contextlib.contextmanager
def open_file(path: str | os.PathLike, *, within: str | os.PathLike | None = None) -> Iterator[tuple[BinaryIO, int]]:
    """A rule, catalogue or result file opened for reading, and the size limit: the caller reads no more.

    The file's real path (every link resolved) must lie inside ``within`` (by default the folder
    that holds the file: a catalogue file inside its catalogue, a method file inside its method),
    and must be a regular file: a link to ``/etc/shadow`` or ``/dev/zero`` and a named pipe are
    refused before anything is read. The file is opened without blocking (a FIFO swapped in after
    the check does not hang) and without following a last link, and checked again on the open handle.
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
        raise refuse(Location(path), "problemi.file.illeggibile", **os_cause(exc)) from None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _not_regular(path, info.st_mode)
        if info.st_size > limit:
            raise _too_large(path, info.st_size, limit)
        yield handle, limit


def read_bounded(handle: BinaryIO, path: str | os.PathLike, size: int, limit: int, before: int = 0) -> bytes:
    """Up to ``size`` bytes of a file :func:`open_file` opened, ``before`` bytes of it already read; refused when
    the file is then larger than ``limit`` (it grew after it was opened). A failed read is one located problem."""
    try:
        data = handle.read(size)
    except OSError as exc:
        raise refuse(Location(os.fspath(path)), "problemi.file.illeggibile", **os_cause(exc)) from None
    if before + len(data) > limit:
        raise _too_large(path, before + len(data), limit)
    return data


def _too_large(path: str | os.PathLike, size: int, limit: int) -> RiskengineError:
    """The problem of a file above the size limit (``size`` bytes, or more)."""
    return refuse(Location(os.fspath(path)), "problemi.file.troppo_grande",
                  hint_key="problemi.suggerimento.dividi_file", mb=f"{size / 1048576:.1f}", limite=limit // 1048576)


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


def load_yaml(path: str | os.PathLike, *, within: str | os.PathLike | None = None, raw: bytes | None = None
              ) -> Document:
    """Load one YAML file safely; raise :class:`RiskengineError` with a precise location on failure.

    The file is read by :func:`read_file`: it must be a regular file whose real path lies inside
    ``within`` (by default the folder that holds it). ``raw``: its bytes as :func:`read_file` read them, when the
    caller has already read them (a cache's key is their digest: the document is then what the key names).
    """
    from riskengine.source import yaml_reader  # PyYAML is imported only when a file is parsed

    path = os.fspath(path)
    folder = os.fspath(within) if within is not None else None
    if raw is None:
        raw = read_file(path, within=folder)
    text = _decode(path, raw)
    with _gc_paused():  # millions of long-lived containers and no cycles: see riskengine.gcpause
        data, index, root = yaml_reader.parse(path, text, max_bytes())
    if root is not None:
        return Document(path, data, root, within=folder)
    if index is _NO_DOCUMENT:
        return Document(path, None, None, within=folder)
    return Document(path, data, None, source=raw, _index=index, within=folder)
