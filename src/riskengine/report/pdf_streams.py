"""PDF streams compressed once (pydyf compresses a stream each time its bytes are asked for), and a PDF written
with its two large streams compressed at the same time, at zlib's default level (6)."""

from __future__ import annotations

import hashlib
import zlib
from math import ceil, log
from typing import Any

import pydyf

# The level of the joined file's object stream and cross-reference stream. pydyf's 9 took 1.8 and 1.4 s of the
# parent's serial time on an S annex; 6 takes 0.5 and 0.13 s, for a 6% larger object stream (a 2% larger file) and
# a cross-reference stream of the same size (its repetitive entries are where level 9 searches longest for nothing).
STREAM_LEVEL = 6


class Packed(pydyf.Stream):
    """A stream whose body is already compressed (a page's as pydyf would: zlib level 9; the joined file's object
    stream at :data:`STREAM_LEVEL`), written as pydyf writes streams."""

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


def _compressed(body: bytes) -> bytes:
    compressor = zlib.compressobj(level=STREAM_LEVEL)
    return compressor.compress(body) + compressor.flush()


def _width(value: int) -> int:
    """Bytes of ``value`` in a cross-reference stream, as pydyf counts them."""
    return ceil(log(value + 1, 256))


def _entry_bytes(entries: list[tuple[int, int, int]], widths: tuple[int, int, int]) -> bytes:
    """Cross-reference entries as a cross-reference stream holds them: each field big-endian in its width."""
    return b"".join(value.to_bytes(width, "big")
                    for entry in entries for width, value in zip(widths, entry, strict=True))


def write(pdf: Any) -> bytes:
    """The file pydyf 0.13's ``pdf.write(output, b"1.7", identifier=True, compress=True)`` would write if it
    compressed at :data:`STREAM_LEVEL` (the same bytes then), made faster.

    pydyf compresses (zlib level 9) the object stream, then the cross-reference stream, one after the other; this
    compresses both at :data:`STREAM_LEVEL`, and at the same time. The cross-reference entries but the last (the
    cross-reference stream's own place) are known before the object stream is compressed, so they are compressed
    meanwhile, in this thread, while another compresses the object stream (zlib lets go of the interpreter while it
    compresses), and the last entry is fed after: zlib writes the same bytes for the same input however it is fed.
    The width of the second field is guessed from where the object stream starts (or from its number, which the
    entries hold too, when larger); when the file's length after the object stream needs another width, the
    entries are compressed again. Non-compressible objects must be streams that keep their bytes (as
    :class:`Packed` and the joined PDF's)."""
    from concurrent.futures import ThreadPoolExecutor

    out: list[bytes] = []
    position = 0

    def line(content: bytes) -> None:
        nonlocal position
        position += len(content) + 1
        out.append(content + b"\n")

    if pdf.info:
        pdf.add_object(pdf.info)
    line(b"%PDF-1.7")
    line(b"%\xf0\x9f\x96\xa4")
    compressed_objects = []
    for obj in pdf.objects:
        if obj.free == "f":
            continue
        if obj.compressible:
            compressed_objects.append(obj)
        else:
            obj.offset = position
            line(obj.indirect)
    index: list[int] = []
    bodies: list[bytes] = []
    offset = 0
    for obj in compressed_objects:
        data = obj.data
        bodies.append(data)
        index += (obj.number, offset)
        offset += len(data) + 1
    header = " ".join(str(number) for number in index).encode("ascii")
    raw = b"\n".join([header, *bodies])
    object_stream = Packed({"Type": "/ObjStm", "N": len(compressed_objects), "First": len(header) + 1,
                            "Filter": "/FlateDecode"}, b"")  # its body is compressed below
    pdf.add_object(object_stream)
    start = position
    # The cross-reference entries, the last (this stream's own place) left out until the object stream is written.
    entries: list[tuple[int, int, int]] = []
    kept = 0
    for obj in pdf.objects:
        if obj is not object_stream and obj.compressible:
            entries.append((2, object_stream.number, kept))
            kept += 1
        elif obj is object_stream:
            entries.append((1, start, 0))
        else:
            entries.append((int(bool(obj.number)), obj.offset, obj.generation))
    third = _width(max(max(obj.generation for obj in pdf.objects), len(compressed_objects)))
    # The offsets' width is the file's length's, known once the object stream is written: guessed from where it
    # starts, and the entries compressed again in the rare case where the object stream crossed a width.
    guess = _width(max(start, object_stream.number))  # the entries hold its number too
    xref = zlib.compressobj(level=STREAM_LEVEL)
    with ThreadPoolExecutor(1) as thread:
        compressing = thread.submit(_compressed, raw)
        xref_head = xref.compress(_entry_bytes(entries, (1, guess, third)))
        object_stream.body = compressing.result()
    line(object_stream.indirect)
    second = _width(position)
    if second != guess:
        xref = zlib.compressobj(level=STREAM_LEVEL)
        xref_head = xref.compress(_entry_bytes(entries, (1, second, third)))
    widths = (1, second, third)
    xref_body = xref_head + xref.compress(_entry_bytes([(1, position, 0)], widths)) + xref.flush()
    identifier = hashlib.md5(b"".join(obj.data for obj in pdf.objects if obj.free != "f")).hexdigest().encode()
    trailer = pydyf.Dictionary({
        "Type": "/XRef", "Index": pydyf.Array((0, len(pdf.objects) + 1)), "W": pydyf.Array(widths),
        "Size": len(pdf.objects) + 1, "Root": pdf.catalog.reference})
    if pdf.info:
        trailer["Info"] = pdf.info.reference
    trailer["ID"] = pydyf.Array((pydyf.String(identifier).data, pydyf.String(identifier).data))
    trailer["Filter"] = "/FlateDecode"
    trailer["Length"] = len(xref_body)
    xref_position = position
    line(f"{len(pdf.objects)} 0 obj\n".encode() + b"\n".join((trailer.data, b"stream", xref_body, b"endstream"))
         + b"\nendobj")
    line(b"startxref")
    line(str(xref_position).encode())
    line(b"%%EOF")
    return b"".join(out)
