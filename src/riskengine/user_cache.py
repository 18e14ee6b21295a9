"""The user's private cache directory, where riskengine keeps what later runs can read back instead of rebuilding.

``$RISKENGINE_CACHE_DIR``, else ``$XDG_CACHE_HOME/riskengine`` or ``~/.cache/riskengine``; ``off`` disables
every cache. Each kind of entry has its own subdirectory (linked catalogues, PDF parts, message catalogues).
A directory that others can write, or that belongs to someone else, is never used.

Performance machinery at the bottom of the pipeline: any stage may keep a cache here.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import marshal
import os
import re
import stat
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO

CACHE_ENV = "RISKENGINE_CACHE_DIR"
_PIECE = 1 << 20  # files are read by pieces of this size: a signed entry is checked by them, never held whole


def versions(*libraries: str) -> bytes:
    """The part of a cache entry's key that names what built it: riskengine's and Python's versions, then
    ``libraries`` (the versions of the libraries that built it, as the caller reads them, and any setting of
    theirs that changes the entry), each ended by a NUL."""
    import riskengine

    return b"".join(part.encode("utf-8") + b"\0" for part in (riskengine.__version__, sys.version, *libraries))


def package_version(name: str) -> str:
    """The ``__version__`` of package ``name``, for the keys of the caches: read from its ``__init__`` without
    importing it when it is not imported yet (a run that finds everything in its caches imports neither PyYAML nor
    networkx, and reading a distribution's metadata imports importlib.metadata and scans every installed one:
    together about a twentieth of a second), else from the module."""
    if name not in sys.modules:
        spec = importlib.util.find_spec(name)
        text = ""
        if spec is not None and spec.origin:
            with contextlib.suppress(OSError, UnicodeDecodeError), open(spec.origin, encoding="utf-8") as handle:
                text = handle.read()
        found = re.search(r"^__version__ = ['\"]([^'\"]+)['\"]$", text, re.MULTILINE)
        if found:
            return found.group(1)
    return str(importlib.import_module(name).__version__)


def cache_directory(kind: str = "cataloghi") -> Path | None:
    """The user's cache directory for ``kind`` (linked catalogues; ``pdf``: laid-out parts of the PDF annex,
    riskengine.report.pdf_cache; ``messaggi``: the parsed message catalogues), created private; None when off
    or not private."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None and configured.strip().lower() in ("", "off", "0", "no"):
        return None
    if configured:
        base = Path(configured)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        try:
            base = (Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache") / "riskengine"
        except (RuntimeError, KeyError):  # no home directory to be found: no cache
            return None
    directory = base / kind
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(directory)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        return None  # someone else could write entries or the key: no cache rather than a shared one
    return directory


def cached_parse(kind: str, name: str, form: str, source: str, parse: Callable[[str], Any],
                 valid: Callable[[Any], bool]) -> Any:
    """``parse(source)``, kept under ``name`` in the ``kind`` cache so that a later start reads it back.

    For text parsed at every start (the message catalogue): reading the value back spares importing and
    running the parser. Entries are stored with :mod:`marshal`, the format of Python's own compiled-module
    caches: read in a fraction of a millisecond and without an import, and it runs no code (only plain
    data is stored, and the value must pass ``valid``). An entry holds ``source`` itself and is used only
    for the same text, riskengine version and ``form`` (the caller's name for what ``parse`` makes: changed
    whenever its output would change); one that is not this user's regular file or cannot be read is
    ignored and parsed again. Without a cache, parses.
    """
    from riskengine import __version__

    directory = cache_directory(kind)
    if directory is None:
        return parse(source)
    path = directory / f"{name}.marshal"
    data = read_private(path)
    try:
        entry = marshal.loads(data) if data is not None else None
    except (EOFError, ValueError, TypeError):
        entry = None  # corrupt: parsed again and stored
    if isinstance(entry, tuple) and len(entry) == 4 and entry[:3] == (__version__, form, source) and valid(entry[3]):
        return entry[3]
    value = parse(source)
    # a full disk, a read-only cache or a value marshal cannot store costs only the next start's time
    with contextlib.suppress(OSError, ValueError):
        write_private(path, marshal.dumps((__version__, form, source, value)))
    return value


def read_private(path: Path) -> bytes | None:
    """The bytes of ``path`` when it is a regular file of this user that nobody else can read or write
    (a link is not followed); None otherwise, or when it cannot be read."""
    try:
        handle = open_private(path)
        if handle is None:
            return None
        with handle:
            return handle.read()
    except OSError:
        return None


def open_private(path: Path) -> BinaryIO | None:
    """``path`` open for reading (binary, buffered) when it is a regular file of this user that nobody else can
    read or write (a link is not followed); None otherwise. Raises :class:`OSError` when it cannot be opened.

    The file opened is the file checked: the checks are made on the open descriptor, which a later rename
    cannot change (non-blocking, so that a pipe put in its place is refused rather than waited on)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    try:
        info = os.fstat(fd)
        if stat.S_ISREG(info.st_mode) and info.st_uid == os.getuid() and not info.st_mode & 0o077:
            return open(fd, "rb", buffering=_PIECE)
    except BaseException:
        os.close(fd)
        raise
    os.close(fd)
    return None


def write_private(path: Path, *chunks: bytes) -> None:
    """Write ``chunks`` to ``path`` atomically, mode 0600: through a temporary file in the same directory,
    renamed into place, so that a reader finds the whole file or none. Raises :class:`OSError`."""
    import tempfile  # only when writing

    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# Signed entries: a pickle can run code when read, so every pickled entry is signed with HMAC-SHA256 under a
# random key kept in its directory (mode 0600, this user's), and its signature is checked before it is
# unpickled: only what this user's riskengine wrote is ever read.

_KEY_FILE = "chiave-firma"
_SIGNATURE = 32  # bytes of an HMAC-SHA256


def signing_key(directory: Path) -> bytes | None:
    """The signing key of ``directory`` (see :func:`cache_directory`), created on first use (32 random bytes,
    mode 0600); None if unsafe."""
    path = directory / _KEY_FILE
    if not path.exists() and not path.is_symlink():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        except FileExistsError:
            pass  # another run created it meanwhile
        except OSError:
            return None
        else:
            with os.fdopen(fd, "wb") as handle:
                handle.write(os.urandom(32))
    secret = read_private(path)
    return secret if secret is not None and len(secret) == 32 else None


def read_signed(path: Path, secret: bytes) -> Any | None:
    """The value stored at ``path`` when it exists, is this user's and its signature holds; None otherwise.

    The file is read twice through one open descriptor: by pieces to check the signature, then by the unpickler.
    Its bytes are never whole in memory (a national catalogue's entry is hundreds of megabytes, on top of the
    objects it makes). Nobody but this user can open the file for writing (:func:`open_private`), and a cache
    writer replaces files rather than rewriting them, so the second reading sees what the first checked.
    """
    import hashlib
    import hmac
    import pickle

    from riskengine.gcpause import paused

    try:
        handle = open_private(path)
        if handle is None:
            return None
        with handle:
            signature = handle.read(_SIGNATURE)
            mac = hmac.new(secret, digestmod=hashlib.sha256)
            while piece := handle.read(_PIECE):
                mac.update(piece)
            if not hmac.compare_digest(signature, mac.digest()):
                return None  # corrupt, truncated or not written by this user's riskengine: rebuilt
            handle.seek(_SIGNATURE)
            try:
                with paused():  # millions of objects and no garbage cycles (riskengine.gcpause)
                    return pickle.load(handle)
            except Exception:  # signed but unreadable (e.g. written by a riskengine whose classes changed)
                return None
    except OSError:
        return None


def signed_entry(kind: str, key: Callable[[], str | None], build: Callable[[], Any], expected: type,
                 kept: int) -> Any:
    """``build()``, or the value an earlier run stored signed under ``key()`` in the ``kind`` cache; a value built
    is stored. ``key`` is asked only when the cache is on (it may read files); None: not cached. An entry holds
    its key and is used only when it does and its value is an ``expected``."""
    directory = cache_directory(kind)
    secret = signing_key(directory) if directory is not None else None
    name = key() if secret is not None else None
    if directory is None or secret is None or name is None:
        return build()
    found = read_signed(directory / f"{name}.bin", secret)
    if isinstance(found, tuple) and len(found) == 2 and found[0] == name and isinstance(found[1], expected):
        return found[1]
    value = build()
    write_signed(directory, f"{name}.bin", secret, (name, value), kept)
    return value


def write_signed(directory: Path, name: str, secret: bytes, value: Any, kept: int, family: str = "[0-9a-f]*.bin",
                 dispatch_table: Mapping[type, Callable[[Any], Any]] | None = None) -> None:
    """Store ``value`` pickled and signed under ``name``, atomically; drop the oldest files of its ``family`` past
    ``kept``. ``dispatch_table``: how the pickler reduces some classes (:attr:`pickle.Pickler.dispatch_table`)."""
    import hashlib
    import hmac
    import io
    import pickle

    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    if dispatch_table is not None:
        pickler.dispatch_table = dispatch_table
    pickler.dump(value)
    payload = buffer.getvalue()
    signature = hmac.new(secret, payload, hashlib.sha256).digest()
    try:
        write_private(directory / name, signature, payload)
        keep_newest(directory, family, kept)
    except OSError:
        pass  # a full disk or a read-only cache costs only the next run's time


def keep_newest(directory: Path, family: str, kept: int) -> None:
    """Delete the files of ``directory`` matching ``family`` (a glob) but the ``kept`` newest: a cache's bound."""
    entries = sorted(directory.glob(family), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[kept:]:
        old.unlink(missing_ok=True)
