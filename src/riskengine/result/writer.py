"""The result file: canonical JSON (sorted keys, UTF-8, two-space indent), streamed in chunks.

``write_json`` writes exactly ``json.dumps(result, ensure_ascii=False, indent=2, sort_keys=True)``
plus a newline, without building the whole text: for a national catalogue that text is over a
gigabyte. This is performance machinery kept apart from the domain: nothing else here knows it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

try:
    from _json import encode_basestring as _encode_string  # the C encoder json.dumps uses
except ImportError:  # pragma: no cover - CPython always has it
    from json.encoder import py_encode_basestring as _encode_string


def iter_json(data: Any) -> Iterator[str]:
    """Chunks of ``json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\\n"``, byte for byte.

    The standard library encodes indented JSON in pure Python and builds the whole text before it is
    written (for a national catalogue: over a gigabyte of text, and several more of intermediate
    pieces). This walks the result once, encodes strings with the library's C encoder and yields
    about 64 KB at a time, so a writer can stream the file. Values outside the result's plain types
    (str, int, bool, None, dict with str keys, list, tuple) fall back to ``json.dumps``.
    """
    try:
        shared = _shared_dicts(data)  # before the first chunk, so that a fallback never follows partial output
    except _NotPlainError:
        yield json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        return
    encoder = _Encoder(shared)
    out = encoder.out
    for _ in encoder.walk(data, "", _STREAM_DEPTH):
        if encoder.size >= 65536:
            yield "".join(out)
            out.clear()
            encoder.size = 0
    out.append("\n")
    yield "".join(out)


def write_json(data: Any, path: Path) -> None:
    """Write ``data`` as canonical result JSON (see :func:`iter_json`) to ``path``, streamed."""
    with open(path, "w", encoding="utf-8") as handle:
        for chunk in iter_json(data):
            handle.write(chunk)


class _NotPlainError(Exception):
    """A value the fast encoder does not handle: the whole text is produced by json.dumps instead."""


def _shared_dicts(data: Any) -> set[int]:
    """The identities of the dicts ``data`` holds in more than one place; raise _NotPlainError on other types.

    A result shares many records (a trace step, an area, an answer… recorded once for many
    processes): the encoder writes their text once per indentation and reuses it. ``data`` keeps
    every dict alive while it is written, so an identity stays one dict's for the whole write.
    """
    seen: set[int] = set()
    shared: set[int] = set()

    def visit(value: Any) -> None:
        kind = type(value)
        if kind is dict:
            if id(value) in seen:
                shared.add(id(value))  # its values were checked the first time
                return
            seen.add(id(value))
            for key, item in value.items():
                if type(key) is not str:
                    raise _NotPlainError
                if type(item) is not str:
                    visit(item)
        elif kind is list or kind is tuple:
            for item in value:
                if type(item) is not str:
                    visit(item)
        elif not (kind is str or kind is int or value is None or value is True or value is False):
            raise _NotPlainError

    visit(data)
    return shared


# Containers down to this depth are walked one item at a time (so that chunks stay small); deeper
# ones (a process record and what it holds) are encoded whole into the output list.
_STREAM_DEPTH = 2


class _Encoder:
    """Appends the canonical text of plain data to ``out`` (``size``: characters since the last chunk)."""

    def __init__(self, shared: set[int]) -> None:
        self.out: list[str] = []
        self.size = 0
        self.keys: dict[str, str] = {}  # a key's encoded form with its separator: keys repeat
        self.shared = shared  # the dicts held in several places (see _shared_dicts)
        self.texts: dict[tuple[int, str], str] = {}  # their texts, by identity and indentation

    def walk(self, data: Any, indent: str, depth: int) -> Iterator[None]:
        """Encode ``data``, pausing after each item of the containers down to ``depth`` levels."""
        kind = type(data)
        if depth == 0 or not (kind is dict or kind is list or kind is tuple) or not data:
            before = len(self.out)
            self.encode(data, indent)
            self.size += sum(len(piece) for piece in self.out[before:])
            yield
            return
        out = self.out
        inner = indent + "  "
        separator = ",\n" + inner
        if kind is dict:
            out.append("{\n" + inner)
            for n, key in enumerate(sorted(data)):
                if n:
                    out.append(separator)
                out.append(self._key(key))
                yield from self.walk(data[key], inner, depth - 1)
            out.append("\n" + indent + "}")
        else:
            out.append("[\n" + inner)
            for n, value in enumerate(data):
                if n:
                    out.append(separator)
                yield from self.walk(value, inner, depth - 1)
            out.append("\n" + indent + "]")

    def _key(self, key: str) -> str:
        found = self.keys.get(key)
        if found is None:
            found = self.keys[key] = _encode_string(key) + ": "
        return found

    def encode_shared(self, data: dict, indent: str) -> None:
        """Append the text of a dict held in several places of the result: encoded once per indentation."""
        key = (id(data), indent)
        found = self.texts.get(key)
        if found is None:
            start = len(self.out)
            self.encode(data, indent)
            found = self.texts[key] = "".join(self.out[start:])
            del self.out[start:]
        self.out.append(found)

    def encode(self, data: Any, indent: str) -> None:
        """Append the text of ``data`` (indented as at ``indent``) to ``out``."""
        append = self.out.append
        kind = type(data)
        if kind is str:
            append(_encode_string(data))
            return
        is_dict = kind is dict
        if not (is_dict or kind is list or kind is tuple):
            append(_scalar(data))
            return
        opening, closing = ("{", "}") if is_dict else ("[", "]")
        if not data:
            append(opening + closing)
            return
        inner = indent + "  "
        separator = ",\n" + inner
        append(opening + "\n" + inner)
        keys = self.keys
        first = True
        shared = self.shared
        for value in sorted(data) if is_dict else data:
            if first:
                first = False
            else:
                append(separator)
            if is_dict:
                append(keys.get(value) or self._key(value))
                value = data[value]
            vkind = type(value)
            if vkind is str:
                append(_encode_string(value))
            elif vkind is dict and id(value) in shared:
                self.encode_shared(value, inner)
            elif vkind is dict or vkind is list or vkind is tuple:
                self.encode(value, inner)
            else:
                append(_scalar(value))
        append("\n" + indent + closing)


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    return int.__repr__(value)
