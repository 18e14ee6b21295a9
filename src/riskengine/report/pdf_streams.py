"""PDF streams compressed once: pydyf compresses a stream each time its bytes are asked for."""

from __future__ import annotations

import zlib
from typing import Any

import pydyf


class Packed(pydyf.Stream):
    """A stream whose body is already compressed (as pydyf would: zlib level 9), written as pydyf writes streams."""

    def __init__(self, extra: Any, body: bytes) -> None:
        super().__init__(None, extra, compress=False)
        self.body = body

    @property
    def data(self) -> bytes:
        extra = pydyf.Dictionary(self.extra.copy())
        extra["Length"] = len(self.body)
        return b"\n".join((extra.data, b"stream", self.body, b"endstream"))


def packed(obj: Any) -> Any:
    """``obj`` itself, or, for a stream, the same stream compressed now: the same bytes when written, and plain
    data a worker process can send back."""
    if not isinstance(obj, pydyf.Stream) or isinstance(obj, Packed):
        return obj
    body = b"\n".join(pydyf._to_bytes(item) for item in obj.stream)
    extra = pydyf.Dictionary(obj.extra.copy())
    if obj.compress:
        extra["Filter"] = "/FlateDecode"
        compressor = zlib.compressobj(level=9)
        body = compressor.compress(body) + compressor.flush()
    stream = Packed(extra, body)
    stream.number = obj.number
    stream.generation = obj.generation
    return stream
