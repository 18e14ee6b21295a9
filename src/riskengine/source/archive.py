"""Office files from others (XLSX, DOCX): the zip container checked before any XML is parsed.

The compressed size, the number of parts, the uncompressed sizes the zip directory declares (zipfile
never reads past them), the compression ratio of each part, macro parts and macro-enabled content
types, and XML document type declarations (entity expansion) are checked on the directory and on
streamed bytes; ``scan`` sees every XML part's bytes, chunk by chunk, to bound what it counts.
"""

from __future__ import annotations

import codecs
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
# The other suites' formats: read by none of riskengine's readers, saved as Office's by each suite.
OTHER_SUFFIXES = (".ods", ".ots", ".fods", ".odt", ".ott", ".fodt", ".numbers", ".pages")
# Every suffix a spreadsheet may have: read (.xlsx), or refused with the format to save it in.
SPREADSHEET_SUFFIXES = (".xlsx", ".xlsm", ".xltm", ".xlsb", ".xls", ".ods", ".ots", ".fods", ".numbers")
_CHUNK = 1024 * 1024
_DOCTYPE = b"<!DOCTYPE"
# How a part's bytes are read as text for the DOCTYPE scan. Office writes UTF-8, but a part may be UTF-16 with its
# byte-order mark (document management systems store their customXml properties so): such a part is decoded and
# scanned as text, as the XML parser would read it. UTF-32 likewise, and UTF-16/32 without a mark by where its NUL
# bytes fall. Any other part must be text where ASCII is itself (UTF-8, ISO-8859, windows-125x…), scanned as bytes;
# one declaring an encoding where it is not (UTF-7, EBCDIC), or not starting with "<", is refused.
_DECLARED = re.compile(rb'<\?xml[^>]*?encoding\s*=\s*["\']([^"\']*)["\']')
_UTF8_MARK = b"\xef\xbb\xbf"
_WIDE = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"), (b"\xff\xfe", "utf-16"),
         (b"\xfe\xff", "utf-16"), (b"<\x00\x00\x00", "utf-32-le"), (b"\x00\x00\x00<", "utf-32-be"),
         (b"<\x00", "utf-16-le"), (b"\x00<", "utf-16-be"))


_PRINTABLE = bytes(range(32, 127))
# Declared, though the bytes are ASCII (no mark, no NUL): the parser then fails on them, no DOCTYPE can hide.
_UTF_16_32 = re.compile(r"(?i)utf[-_]?(?:16|32)(?:[-_]?[lb]e)?")


def _ascii_is_itself(encoding: str) -> bool:
    """Whether ``encoding`` reads every printable ASCII byte as that character (not UTF-7's "+ADw-" for "<", not
    EBCDIC; an unknown name is not)."""
    try:
        return _PRINTABLE.decode(encoding) == _PRINTABLE.decode("ascii")
    except (LookupError, UnicodeDecodeError):
        return False


def _refuse(path: Path, key: str, hint: str, code: str, **values: Any) -> RiskengineError:
    """One located problem about an office file, worded by ``problemi.contenitore.<key>`` and its hint."""
    return refuse(Location(str(path)), f"problemi.contenitore.{key}", code=code,
                  hint_key=f"problemi.contenitore.suggerimento.{hint}", **values)


def _part_codec(path: Path, code: str, part: str, start: bytes) -> str | None:
    """The codec a part's text is decoded with before it is scanned, or None to scan its bytes (see ``_WIDE``);
    a part in another encoding is refused."""
    wide = next((codec for mark, codec in _WIDE if start.startswith(mark)), None)
    if wide is not None:
        return wide
    text = start.removeprefix(_UTF8_MARK).lstrip(b" \t\r\n")
    declared = _DECLARED.match(text)
    encoding = declared[1].decode("ascii", "replace") if declared else None
    if (text and not text.startswith(b"<")) or (encoding is not None and not _ascii_is_itself(encoding)
                                                 and not _UTF_16_32.fullmatch(encoding)):
        raise _refuse(path, "codifica", "salva_da_office", code, parte=part[:80],
                      codifica=encoding[:40] if encoding else start[:4].hex(" "))
    return None


# The part every file of each format holds: its main document.
_MAIN_PART = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}


def check_archive(path: Path, *, max_bytes: int, max_uncompressed: int, code: str, save_as: str,
                  scan: Callable[[str, bytes], None] | None = None) -> None:
    """Refuse what is not a bounded, macro-free office file, before any XML is parsed.

    ``save_as`` names the format to save in (for the hints: ``xlsx`` or ``docx``, worded by
    ``problemi.contenitore.formato.*`` as the Office of each language names it); ``scan(part, chunk)`` is called on the
    streamed bytes of every XML part and may raise.
    """
    save_in = f"problemi.contenitore.formato.{save_as}"
    try:
        info = os.stat(path)
    except OSError as exc:  # first: a path that leads nowhere is said so, whatever its suffix
        raise _refuse(path, "illeggibile", "percorso", code, **os_cause(exc)) from None
    if path.suffix.lower() in MACRO_SUFFIXES:
        raise _refuse(path, "estensione", "salva", code, estensione=path.suffix, formato_chiave=save_in)
    if path.suffix.lower() in OTHER_SUFFIXES:  # LibreOffice's or Apple's: saved as Office's by "Save as"
        raise _refuse(path, "altro_programma", "salva", code, estensione=path.suffix,
                      tipo_chiave=f"problemi.contenitore.tipo.{save_as}", formato_chiave=save_in)
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
        if _MAIN_PART[save_as] not in {m.filename for m in members}:  # a workbook given as a document, or the reverse
            raise _refuse(path, "altro_tipo", "salva", code, tipo_chiave=f"problemi.contenitore.tipo.{save_as}",
                          formato_chiave=save_in)
        for member in members:
            if not member.filename.endswith((".xml", ".rels")):
                continue
            tail, codec, decoder, first = b"", None, None, True
            with archive.open(member) as stream:
                while chunk := stream.read(_CHUNK):
                    if first:
                        first = False
                        codec = _part_codec(path, code, member.filename, chunk)
                        decoder = codecs.getincrementaldecoder(codec)() if codec else None
                    if decoder is not None:  # UTF-16 or UTF-32: scanned as the text it is, counted as UTF-8 writes it
                        try:
                            chunk = decoder.decode(chunk).encode("utf-8")
                        except UnicodeDecodeError:
                            raise _refuse(path, "codifica", "salva_da_office", code, parte=member.filename[:80],
                                          codifica=codec) from None
                    block = tail + chunk
                    if b"\x00" in chunk:  # no XML text holds one: another encoding, in disguise
                        raise _refuse(path, "codifica", "salva_da_office", code, parte=member.filename[:80],
                                      codifica="NUL")
                    if _DOCTYPE in block:
                        raise _refuse(path, "doctype", "salva_da_office", code, parte=member.filename[:80])
                    if member.filename == "[Content_Types].xml" and b"macroEnabled" in block:
                        raise _refuse(path, "con_macro", "senza_macro", code, formato_chiave=save_in)
                    if scan is not None:
                        scan(member.filename, chunk)
                    tail = block[-16:]
