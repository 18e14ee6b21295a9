"""Office files from others (XLSX, DOCX): the zip container checked before any XML is parsed.

The compressed size, the number of parts, the uncompressed sizes the zip directory declares (zipfile
never reads past them), the compression ratio of each part, macro parts and macro-enabled content
types, and XML document type declarations (entity expansion) are checked on the directory and on
streamed bytes; ``scan`` sees every XML part's bytes, chunk by chunk, to bound what it counts.
"""

from __future__ import annotations

import os
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path

from riskengine.errors import Location, RiskengineError, fail

MAX_MEMBERS = 1_000
MAX_RATIO = 100  # uncompressed / compressed, per part: XML compresses 5-20 times, bombs thousands
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlsb", ".xls", ".docm", ".dotm", ".doc")
_CHUNK = 1024 * 1024
_DOCTYPE = b"<!DOCTYPE"


def refuse(path: Path, message: str, hint: str, code: str) -> RiskengineError:
    """One located problem about an office file."""
    return fail(Location(str(path)), message, code=code, hint=hint)


def check_archive(path: Path, *, max_bytes: int, max_uncompressed: int, code: str, save_as: str,
                  scan: Callable[[str, bytes], None] | None = None) -> None:
    """Refuse what is not a bounded, macro-free office file, before any XML is parsed.

    ``save_as`` names the format to save in (for the hints); ``scan(part, chunk)`` is called on the
    streamed bytes of every XML part and may raise.
    """
    if path.suffix.lower() in MACRO_SUFFIXES:
        raise refuse(path, f"'{path.suffix}' files are not accepted (macros or a binary format)",
                     f"save it as {save_as}", code)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise refuse(path, f"cannot read the file: {exc.strerror}", "check the path", code) from None
    if not stat.S_ISREG(info.st_mode):
        raise refuse(path, "not a regular file", "give the path of a file", code)
    if info.st_size > max_bytes:
        raise refuse(path, f"the file is {info.st_size / 1048576:.1f} MB, over the limit of "
                     f"{max_bytes // 1048576} MB", "split it, or remove images", code)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise refuse(path, "not an Office file (not a zip archive)",
                     f"save it as {save_as}", code) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise refuse(path, f"the file holds {len(members):,} parts, over the limit of {MAX_MEMBERS:,}",
                         "save it again from Office", code)
        total = 0
        for member in members:
            name = member.filename
            if name.lower().endswith("vbaproject.bin"):
                raise refuse(path, "the file contains macros (vbaProject.bin)", f"save it as {save_as}, without macros",
                             code)
            total += member.file_size
            if total > max_uncompressed:
                raise refuse(path, f"the file expands to more than {max_uncompressed // 1048576} MB",
                             "a file this large is not accepted: split it", code)
            if member.file_size > 4096 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                ratio = member.file_size // max(member.compress_size, 1)
                raise refuse(path, f"part '{name[:80]}' expands {ratio:,} times: a zip bomb",
                             "save the file again from Office", code)
        for member in members:
            if not member.filename.endswith((".xml", ".rels")):
                continue
            tail = b""
            with archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    block = tail + chunk
                    if _DOCTYPE in block:
                        raise refuse(path, f"part '{member.filename[:80]}' declares a DOCTYPE",
                                     "save the file again from Office", code)
                    if member.filename == "[Content_Types].xml" and b"macroEnabled" in block:
                        raise refuse(path, "the file is macro-enabled", f"save it as {save_as}, without macros",
                                     code)
                    if scan is not None:
                        scan(member.filename, chunk)
                    tail = block[-16:]
