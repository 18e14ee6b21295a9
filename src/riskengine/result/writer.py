"""The result file: canonical JSON (sorted keys, UTF-8, two-space indent), encoded in C and streamed.

``write_json`` writes exactly ``json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True)``
plus a newline, without building the whole text: for a national catalogue that text is over a
gigabyte. The records (processes, measures, findings…) are encoded by orjson in batches, whose
indented, key-sorted output is that of ``json.dumps`` for the result's value types; wrapped in a
list at their depth, they come out indented as the file has them. This is performance machinery
kept apart from the domain: only the reader of large results (``result.read``) knows the layout,
through the marks below.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

# Anything orjson would encode in its own way (dataclasses, dates, str/int/dict subclasses…) goes to
# ``_refuse`` instead, as do integers past 64 bits and non-string keys (orjson raises): the whole
# file is then written by json.dumps, so the bytes never depend on which encoder ran. (Enums and
# UUIDs, which json.dumps refuses, orjson writes by value; a result holds neither.)
_OPTIONS = (orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS
            | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_DATETIME)
_COMPACT = (orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_SUBCLASS | orjson.OPT_PASSTHROUGH_DATACLASS
            | orjson.OPT_PASSTHROUGH_DATETIME)
_CHUNK = 1 << 16  # bytes handed to the file at a time, at least
# Records of a list are encoded in batches (one orjson call, no re-indenting) of about _BATCH bytes, judged by the
# last batch, and at most _RECORDS records: after small records, a batch of large ones can reach _RECORDS times the
# largest. Larger pieces cost the system more than they save (measured on L: batches of 256 KB doubled
# write_json's system time, and of some megabytes faulted every page in afresh). The wrapping list adds two levels
# of nesting: a record nested 253 deep is written by json.dumps (same bytes, slower).
_BATCH = 1 << 15
_RECORDS = 32
_WRAPPED_HEAD, _WRAPPED_TAIL = b'{\n  "": [', b"\n  ]\n}"
# How the processes are laid out: the line opening their list, the end of each record, the separator between two
# and the end of the last. No raw newline occurs inside a JSON string: each mark is the file's structure.
PROCESSES_OPEN = b'\n  "processi": [\n'
RECORD_CLOSE = b"\n    }"
RECORD_NEXT = RECORD_CLOSE + b",\n"
LIST_CLOSE = RECORD_CLOSE + b"\n  ]"


class NotPlainError(TypeError):
    """A value outside the result's plain types (str, int, bool, None, dict with str keys, list, tuple, float)."""


def _refuse(value: Any) -> Any:
    raise NotPlainError(type(value).__name__)


def _encode(value: Any, indent: bytes) -> bytes:
    """``value`` as canonical JSON whose lines after the first are indented by ``indent``."""
    try:
        encoded = orjson.dumps(value, default=_refuse, option=_OPTIONS)
    except orjson.JSONEncodeError as exc:  # a big integer, a non-string key, a lone surrogate, deep nesting
        raise NotPlainError(str(exc)) from None
    # No raw newline can occur inside a JSON string (orjson escapes it): every one starts a line.
    return encoded.replace(b"\n", b"\n" + indent) if indent else encoded


def _records(records: list[Any] | tuple[Any, ...]) -> bytes:
    """``records``, items of a list of the top-level mapping, as they are written there: each on a new line at
    the list's depth, separated by commas. orjson indents them so itself when they are wrapped in such a list."""
    encoded = _encode({"": records}, b"")
    return encoded[len(_WRAPPED_HEAD):-len(_WRAPPED_TAIL)]


def iter_json(data: Any) -> Iterator[bytes]:
    """UTF-8 chunks of ``json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\\n"``.

    The top-level mapping and the lists it holds are walked a batch of records at a time (about
    32 KB of text, or one record), and at least 64 KB are yielded at a time, so a writer streams the
    file with a few batches' text in memory. Floats are written in orjson's shortest round-trip form,
    whose small exponents may differ from json.dumps' (``1e-7`` for ``1e-07``): the result holds none,
    its numbers are exact text.
    Raises :class:`NotPlainError`, possibly after some chunks, on a value of another type.
    """
    if type(data) is not dict or not data:
        yield _encode(data, b"") + b"\n"
        return
    if any(type(key) is not str for key in data):  # json.dumps converts other keys to text
        raise NotPlainError("a key that is not a string")
    out: list[bytes] = [b"{"]
    size = 0
    for n, key in enumerate(sorted(data)):
        value = data[key]
        head = (b",\n  " if n else b"\n  ") + _encode(key, b"") + b": "
        if (type(value) is list or type(value) is tuple) and value:
            out.append(head + b"[")
            start, count = 0, 1
            while start < len(value):
                batch = value[start:start + count]
                piece = _records(batch)
                if start:
                    out.append(b",")
                out.append(piece)
                size += len(piece)
                start += len(batch)
                # as many records as make about _BATCH bytes, judged by the last batch's size
                count = max(1, min(_RECORDS, _BATCH * len(batch) // len(piece)))
                if size >= _CHUNK:
                    yield b"".join(out)
                    out.clear()
                    size = 0
            out.append(b"\n  ]")
        else:
            piece = head + _encode(value, b"  ")
            out.append(piece)
            size += len(piece)
        if size >= _CHUNK:
            yield b"".join(out)
            out.clear()
            size = 0
    out.append(b"\n}\n")
    yield b"".join(out)


def write_json(data: Any, path: Path) -> str:
    """Write ``data`` as canonical result JSON (see :func:`iter_json`) to ``path``, streamed; return the
    SHA-256 (hex) of the bytes written, hashed as they are written (a national result is 2 GB: reading it
    back for the annex's manifest took as long as the hashing).

    Data with values outside the plain types is written by ``json.dumps`` (same text, or its error).
    """
    with open(path, "wb") as handle:
        sha = hashlib.sha256()
        try:
            for chunk in iter_json(data):
                handle.write(chunk)
                sha.update(chunk)
            return sha.hexdigest()
        except NotPlainError:
            handle.seek(0)
            handle.truncate()
        sha = hashlib.sha256()
        for piece in json.JSONEncoder(ensure_ascii=False, indent=2, sort_keys=True).iterencode(data):
            encoded = piece.encode("utf-8")
            handle.write(encoded)
            sha.update(encoded)
        handle.write(b"\n")
        sha.update(b"\n")
        return sha.hexdigest()


def compact_json(data: Any) -> str:
    """``json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))``, encoded in C.

    The history store keeps each run's snapshot this way; a national one is over 50 MB of text.
    Data with values outside the plain types is encoded by ``json.dumps`` (same text, or its error).
    Floats are written as :func:`iter_json` writes them, and orjson writes NaN and the infinities as
    ``null`` where json.dumps writes ``NaN``: a snapshot holds no float, its numbers are exact text.
    """
    try:
        return orjson.dumps(data, default=_refuse, option=_COMPACT).decode("utf-8")
    except (NotPlainError, orjson.JSONEncodeError):
        return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
