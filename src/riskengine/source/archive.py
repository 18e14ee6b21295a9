"""Office files from others (XLSX, DOCX): the zip container checked before any XML is parsed.

The compressed size, the number of parts, the uncompressed sizes the zip directory declares (zipfile
never reads past them), the compression ratio of each part, macro parts and macro-enabled content
types, and XML document type declarations (entity expansion) are checked on the directory and on
streamed bytes; ``scan`` sees every XML part's bytes, chunk by chunk, to bound what it counts.
"""

from __future__ import annotations

import os
import re
import stat
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from riskengine.errors import Location, RiskengineError
from riskengine.i18n import os_cause, refuse

MAX_MEMBERS = 1_000
MAX_RATIO = 100  # uncompressed / compressed, per part: XML compresses 5-20 times, bombs thousands
MACRO_SUFFIXES = (".xlsm", ".xltm", ".xlsb", ".xls", ".docm", ".dotm", ".doc")
_CHUNK = 1024 * 1024
_DOCTYPE = b"<!DOCTYPE"
# The declarations an XML part may open with: Office writes UTF-8. In an encoding where ASCII is not itself (UTF-16,
# UTF-32, UTF-7, EBCDIC) a DOCTYPE would not read as the bytes above, so any other is refused, and so is a part
# that does not start with "<" (a byte-order mark of UTF-16 or UTF-32; EBCDIC) or holds a NUL byte (UTF-16 or
# UTF-32 without a mark; no XML text holds one).
_DECLARED = re.compile(rb'<\?xml[^>]*?encoding\s*=\s*["\']([^"\']*)["\']')
_ASCII_ENCODINGS = re.compile(rb"(?i)utf-?8|(?:us-)?ascii|iso-8859-\d{1,2}|latin-?1|windows-125\d|cp125\d")
_UTF8_MARK = b"\xef\xbb\xbf"
_OTHER_MARKS = ((b"\xff\xfe\x00\x00", "UTF-32"), (b"\x00\x00\xfe\xff", "UTF-32"), (b"\xff\xfe", "UTF-16"),
                (b"\xfe\xff", "UTF-16"))


def _refuse(path: Path, key: str, hint: str, code: str, **values: Any) -> RiskengineError:
    """One located problem about an office file, worded by ``problemi.contenitore.<key>`` and its hint."""
    return refuse(Location(str(path)), f"problemi.contenitore.{key}", code=code,
                  hint_key=f"problemi.contenitore.suggerimento.{hint}", **values)


def _check_encoding(path: Path, code: str, part: str, start: bytes) -> None:
    """Refuse an XML part whose first bytes are not text where ASCII reads as itself (see ``_DECLARED``)."""
    text = start.removeprefix(_UTF8_MARK).lstrip(b" \t\r\n")
    declared = _DECLARED.match(text)
    encoding = declared[1] if declared else None
    if (text and not text.startswith(b"<")) or (encoding is not None and not _ASCII_ENCODINGS.fullmatch(encoding)):
        shown = encoding.decode("ascii", "replace")[:40] if encoding else \
            next((name for mark, name in _OTHER_MARKS if start.startswith(mark)), start[:4].hex(" "))
        raise _refuse(path, "codifica", "salva_da_office", code, parte=part[:80], codifica=shown)


def check_archive(path: Path, *, max_bytes: int, max_uncompressed: int, code: str, save_as: str,
                  scan: Callable[[str, bytes], None] | None = None) -> None:
    """Refuse what is not a bounded, macro-free office file, before any XML is parsed.

    ``save_as`` names the format to save in (for the hints: ``xlsx`` or ``docx``, worded by
    ``problemi.contenitore.formato.*`` as the Office of each language names it); ``scan(part, chunk)`` is called on the
    streamed bytes of every XML part and may raise.
    """
    save_in = f"problemi.contenitore.formato.{save_as}"
    if path.suffix.lower() in MACRO_SUFFIXES:
        raise _refuse(path, "estensione", "salva", code, estensione=path.suffix, formato_chiave=save_in)
    try:
        info = os.stat(path)
    except OSError as exc:
        raise _refuse(path, "illeggibile", "percorso", code, **os_cause(exc)) from None
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(path, "non_regolare", "file", code)
    if info.st_size > max_bytes:
        raise _refuse(path, "troppo_grande", "dividi", code, mb=f"{info.st_size / 1048576:.1f}",
                      limite=max_bytes // 1048576)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise _refuse(path, "non_zip", "salva", code, formato_chiave=save_in) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise _refuse(path, "troppe_parti", "salva_da_office", code, parti=len(members), limite_parti=MAX_MEMBERS)
        total = 0
        for member in members:
            name = member.filename
            if name.lower().endswith("vbaproject.bin"):
                raise _refuse(path, "macro", "senza_macro", code, formato_chiave=save_in)
            total += member.file_size
            if total > max_uncompressed:
                raise _refuse(path, "espanso", "troppo_grande", code, limite=max_uncompressed // 1048576)
            if member.file_size > 4096 and member.file_size > MAX_RATIO * max(member.compress_size, 1):
                ratio = member.file_size // max(member.compress_size, 1)
                raise _refuse(path, "bomba", "salva_da_office", code, parte=name[:80], rapporto=ratio)
        for member in members:
            if not member.filename.endswith((".xml", ".rels")):
                continue
            tail = b""
            with archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    block = tail + chunk
                    if not tail:
                        _check_encoding(path, code, member.filename, chunk)
                    if b"\x00" in chunk:
                        raise _refuse(path, "codifica", "salva_da_office", code, parte=member.filename[:80],
                                      codifica="NUL")
                    if _DOCTYPE in block:
                        raise _refuse(path, "doctype", "salva_da_office", code, parte=member.filename[:80])
                    if member.filename == "[Content_Types].xml" and b"macroEnabled" in block:
                        raise _refuse(path, "con_macro", "senza_macro", code, formato_chiave=save_in)
                    if scan is not None:
                        scan(member.filename, chunk)
                    tail = block[-16:]
