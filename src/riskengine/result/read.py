"""Read a result file written by ``assess``: one clear error for anything that is not such a result.

Checking a result against its declared shape needs the pydantic model of :mod:`riskengine.result.model`, whose
building is most of a small report's start (0.16 s). The SHA-256 of every result found valid is remembered in the
user's private cache (``risultati``, see :mod:`riskengine.user_cache`), with the code that checked it: the same
bytes read again by the same checks are not checked again. A stamp is a file of this user's that nobody else can
write, holding its own key; anything else is no stamp, and the file is checked.

A large result is parsed a few megabytes of its processes at a time (:func:`_by_pieces`), so that its bytes and
the values made from them are not held whole at the same time (on 10,000 processes, 189 MB of text).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

from riskengine.errors import Location, RiskengineError, shorten
from riskengine.i18n import RefusalError, long_number, refuse, wording
from riskengine.result import RESULT_FORMAT
from riskengine.source.document import open_file, read_bounded, read_file
from riskengine.user_cache import cache_directory, keep_newest, read_private, versions, write_private

if TYPE_CHECKING:
    from pydantic import TypeAdapter, ValidationError

    from riskengine.result.model import Process

_HINT = "problemi.risultato.suggerimento.risultato"
STAMPS = "risultati"  # the cache directory of the digests of results found valid
STAMPS_KEPT = 64
_STAMP_FORMAT = b"riskengine-valid-result/1"
# From this size a result is parsed by pieces (see _by_pieces); a smaller one is parsed at once, which is faster.
# Above the default size limit (20 MB): such results are read with RISKENGINE_MAX_FILE_MB raised.
PIECES_FROM = 32 * 1048576
_BLOCK = 1 << 22  # bytes read at a time by _by_pieces
_PIECE_MAX = 64 * 1048576  # a process larger than this is not a result's: the file is read whole


# json's reasons (JSONDecodeError.msg), each worded by problemi.risultato.json_causa.<cause>; another is quoted as is.
_JSON_CAUSES = {"Expecting value": "valore", "Expecting property name enclosed in double quotes": "chiave",
                "Expecting ':' delimiter": "due_punti", "Expecting ',' delimiter": "virgola",
                "Unterminated string starting at": "testo_aperto", "Invalid control character at": "controllo",
                "Invalid \\escape": "escape", "Invalid \\uXXXX escape": "escape", "Extra data": "dopo_la_fine",
                "Unexpected UTF-8 BOM (decode using utf-8-sig)": "bom"}


def _column(raw: bytes, line: int, byte_column: int) -> int:
    """The column, in characters, of pydantic's place (counted in bytes, past an escape): at the escape's backslash
    when one ends there, as Python's parser places it."""
    text = raw.split(b"\n")[line - 1] if 0 < line <= raw.count(b"\n") + 1 else b""
    escape = text.rfind(b"\\u", 0, byte_column)
    end = escape if escape >= 0 and byte_column - escape <= 12 else byte_column - 1
    return len(text[:max(end, 0)].decode("utf-8", "replace")) + 1


# pydantic's words for JSON it does not read: its reason and place.
_PYDANTIC_JSON = re.compile(r"Invalid JSON: (?P<reason>.*) at line (?P<line>\d+) column (?P<column>\d+)")


def _refuse(where: Location, key: str, hint: str = "risultato", **values: Any) -> RiskengineError:
    """One located problem about a result file, worded by ``problemi.risultato.<key>``."""
    return refuse(where, f"problemi.risultato.{key}", code="result",
                  hint_key=f"problemi.risultato.suggerimento.{hint}", **values)


def read_result(path: str | Path) -> dict[str, Any]:
    """The result in ``path``, checked against the declared result (:mod:`riskengine.result.model`).

    Raises :class:`RiskengineError` with one problem when the file cannot be read, is not JSON
    (e.g. truncated), is not a result, or is a result of another format version.
    """
    path = Path(path)
    where = Location(str(path))
    if not os.path.lexists(path):  # os.path's: a path the system cannot probe (a name too long) is not there
        raise _refuse(where, "inesistente")
    if os.path.isdir(path):
        raise _refuse(where, "cartella")
    # Read like a catalogue file: regular files only (not /dev/zero, not a FIFO, which would hang),
    # without blocking, not through a link out of the file's folder, and within the size limit.
    try:
        with open_file(path) as (handle, limit):
            pieces = _by_pieces(handle, path, limit) if os.fstat(handle.fileno()).st_size >= PIECES_FROM else None
    except RiskengineError as exc:
        raise _read_problem(exc, where) from None
    if pieces is not None:
        found = _from_parsed(*pieces, where)
        if found is not None:
            return found
        pieces = None  # not valid: its values dropped before the whole read below, where the checks say why
    try:
        raw = read_file(path)  # a smaller result, or one laid out otherwise
    except RiskengineError as exc:
        raise _read_problem(exc, where) from None
    stamp = _stamp(hashlib.sha256(raw).digest())
    if _stamped(stamp):
        from pydantic_core import from_json

        # these bytes passed the checks below, which returned them unchanged: parsed as _validated parses them
        return cast(dict[str, Any], from_json(raw, cache_strings="all"))
    data, unchanged = _checked(raw, where)
    if stamp is not None and unchanged:
        _remember(*stamp)
    return data


def _read_problem(exc: RiskengineError, where: Location) -> RiskengineError:
    """A file's own problem (its hint speaks of rule and catalogue files), worded by its key, with the hint of a
    result file."""
    return RiskengineError([replace(exc.problems[0], location=where, code="result", hint=wording(_HINT),
                                    hint_key=_HINT)])


def _from_parsed(data: dict[str, Any], digest: bytes, where: Location) -> dict[str, Any] | None:
    """The result parsed by :func:`_by_pieces` from bytes of SHA-256 ``digest``, stamped or checked as
    :func:`read_result` does; None when it is not valid (read whole, the checks say why)."""
    stamp = _stamp(digest)
    if _stamped(stamp):
        return data
    parts = _validated_parts(data)
    if parts is None:
        return None
    _check_format(parts[0], where)
    if stamp is not None and parts[1]:
        _remember(*stamp)
    return parts[0]


def _by_pieces(handle: BinaryIO, path: Path, limit: int) -> tuple[dict[str, Any], bytes] | None:
    """The JSON value of a result file laid out as ``write_json`` lays it out, parsed a few megabytes of processes
    at a time, and the SHA-256 of its bytes; None when the file is laid out otherwise or is not JSON. Raises
    :class:`RiskengineError` when it is (or grows) larger than ``limit``, or cannot be read.

    The value is the one parsing the whole file gives: it is accepted only when ``write_json``'s bytes for it have
    the digest of the bytes read (the same bytes, and then their parse by pieces is their parse at once).
    """
    from pydantic_core import from_json

    from riskengine.result.writer import LIST_CLOSE, PROCESSES_OPEN, RECORD_CLOSE, RECORD_NEXT, NotPlainError, iter_json

    read = hashlib.sha256()
    processes: list[Any] = []
    pending = bytearray()
    head: bytes | None = None
    total = searched = 0  # searched: the bytes of ``pending`` searched for the marks (each search starts near its end)
    try:
        while True:
            block = read_bounded(handle, path, _BLOCK, limit, total)
            total += len(block)
            read.update(block)
            pending += block
            if head is None:
                start = pending.find(PROCESSES_OPEN, max(0, searched - len(PROCESSES_OPEN)))
                searched = len(pending)
                if start < 0:
                    if not block:
                        return None
                    continue
                head = bytes(pending[:start + len(PROCESSES_OPEN) - 1])  # up to the list's "["
                del pending[:start + len(PROCESSES_OPEN)]
                searched = 0
            end = pending.find(LIST_CLOSE, max(0, searched - len(LIST_CLOSE)))
            cut = pending.rfind(RECORD_NEXT, max(0, searched - len(RECORD_NEXT)), end if end >= 0 else len(pending))
            if cut >= 0:  # the processes read whole so far, parsed as one list
                piece = bytearray(b"[")
                with memoryview(pending) as view:
                    piece += view[:cut + len(RECORD_CLOSE)]
                piece += b"]"
                processes += from_json(piece, cache_strings="all")
                del piece, pending[:cut + len(RECORD_NEXT)]
                end -= cut + len(RECORD_NEXT) if end >= 0 else 0
            searched = len(pending)
            if end >= 0:
                break
            if not block or len(pending) > _PIECE_MAX:
                return None
        rest = read_bounded(handle, path, limit + 1 - total, limit, total)
        read.update(rest)
        processes.append(from_json(bytes(pending[:end + len(RECORD_CLOSE)]), cache_strings="all"))
        # the rest of the file after the list's "]", parsed with an empty list in place of the processes
        data = from_json(head + b"]" + bytes(pending[end + len(LIST_CLOSE):]) + rest, cache_strings="all")
        del pending, rest
        if type(data) is not dict or data.get("processi") != []:
            return None
        data["processi"] = processes
        written = hashlib.sha256()
        for chunk in iter_json(data):
            written.update(chunk)
        if written.digest() != read.digest():  # write_json would not write the bytes read
            return None
    except (ValueError, RecursionError, NotPlainError):  # not JSON, or not as write_json writes it
        return None
    return data, read.digest()


def _checked(raw: bytes, where: Location) -> tuple[dict[str, Any], bool]:
    """The result in ``raw`` validated against :mod:`riskengine.result.model`, or one problem saying why not; and
    whether validating changed nothing of the parsed values (types included: a ``1.0`` read as the integer ``1``
    is a change), so that parsing the same bytes again gives the same result."""
    from pydantic import ValidationError

    from riskengine.result.model import RESULT

    parts = _validated(raw)
    if parts is not None:
        _check_format(parts[0], where)
        return parts
    try:  # not valid read a part at a time: pydantic's validation of the whole says why, or confirms it is valid
        data = RESULT.validate_json(raw)
    except ValidationError as exc:
        # Not a valid result: the standard parser and the checks below say why, in the user's terms.
        data = _parse(raw, where)
        json_error = _PYDANTIC_JSON.fullmatch(exc.errors(include_url=False)[0]["msg"])
        if json_error:  # JSON the standard parser takes and pydantic's does not (a lone surrogate, \ud800)
            cause = "escape" if "escape" in json_error["reason"] or "surrogate" in json_error["reason"] else None
            named = {"causa_chiave": f"problemi.risultato.json_causa.{cause}"} if cause else \
                {"causa": json_error["reason"]}
            line = int(json_error["line"])
            raise _refuse(Location(where.path, line, _column(raw, line, int(json_error["column"]))), "json",
                          **named) from None
        _check_format(data, where)
        raise _invalid(where, exc) from None
    _check_format(data, where)
    return cast(dict[str, Any], data), False


def _stamp(sha256: bytes) -> tuple[Path, bytes] | None:
    """Where the stamp of bytes of SHA-256 ``sha256`` would be, and what it holds: their digest, the code that
    checks them (this module, the model, riskengine's, Python's and pydantic's versions). None when the cache is
    off or not private."""
    import pydantic_core

    directory = cache_directory(STAMPS)
    if directory is None:
        return None
    digest = hashlib.sha256(_STAMP_FORMAT + versions(pydantic_core.__version__, RESULT_FORMAT))
    code = _checking_code()
    if code is None:
        return None
    digest.update(code)
    digest.update(sha256)
    key = digest.digest()
    return directory / f"{key.hex()}.ok", key


@functools.cache
def _checking_code() -> bytes | None:
    """The digest of the code that checks a result (this module and the model): a changed model in a development
    install is a different stamp. None when it cannot be read."""
    here = Path(__file__).parent
    try:
        return b"".join(hashlib.sha256((here / name).read_bytes()).digest() for name in ("read.py", "model.py"))
    except OSError:
        return None


def _stamped(stamp: tuple[Path, bytes] | None) -> bool:
    """Whether the stamp :func:`_stamp` describes is there, holding its key: the bytes were found valid before."""
    return stamp is not None and read_private(stamp[0]) == stamp[1]


def _remember(path: Path, key: bytes) -> None:
    """Stamp ``path``; keep the newest :data:`STAMPS_KEPT` stamps (a full or read-only disk costs only time)."""
    try:
        write_private(path, key)
        keep_newest(path.parent, "*.ok", STAMPS_KEPT)
    except OSError:
        pass


@functools.cache
def _process_adapter() -> TypeAdapter[Process]:
    """The validator of one process, built when a result is first checked (building it takes 0.03 s)."""
    from pydantic import TypeAdapter

    from riskengine.result.model import Process

    return TypeAdapter(Process)


def _validated(raw: bytes) -> tuple[dict[str, Any], bool] | None:
    """The result in ``raw`` validated as :data:`RESULT` validates it, in little memory, and whether validation
    returned every part as parsed (see :func:`_checked`); None when it is not valid.

    The JSON is parsed with equal texts made one object (a result repeats a few thousand texts millions of times),
    then validated a part at a time (:func:`_validated_parts`).
    """
    from pydantic_core import from_json

    try:
        data = from_json(raw, cache_strings="all")
    except (ValueError, RecursionError):
        return None
    return _validated_parts(data)


def _validated_parts(data: Any) -> tuple[dict[str, Any], bool] | None:
    """The parsed result ``data`` validated as :data:`RESULT` validates it, the processes one by one, so that a
    large result is never held twice, and whether validation returned every part as parsed; None when it is not
    valid. ``data`` is used up."""
    from riskengine.result.model import RESULT, scores_are_numbers

    try:
        if not isinstance(data, dict) or not isinstance(data.get("processi"), list):
            return None
        processes = data["processi"]
        data["processi"] = []
        result = cast(dict[str, Any], RESULT.validate_python(data))
        unchanged = _same_parts(result, data)
        for index, process in enumerate(processes):
            processes[index] = _process_adapter().validate_python(process)
            unchanged = unchanged and _same(processes[index], process)
        result["processi"] = processes
        scores_are_numbers(result)  # type: ignore[arg-type]
    except (ValueError, RecursionError):  # ValidationError included: read_result says why
        return None
    return result, unchanged


def _same_parts(validated: dict[str, Any], parsed: dict[str, Any]) -> bool:
    """:func:`_same` of two results, compared a key and a list item at a time: the same answer, without the two
    whole texts (tens of megabytes at the same time for a large result's findings)."""
    if validated.keys() != parsed.keys():
        return False
    for key, value in parsed.items():
        other = validated[key]
        if type(value) is list and type(other) is list:
            if len(value) != len(other) or not all(_same(a, b) for a, b in zip(other, value, strict=True)):
                return False
        elif not _same(other, value):
            return False
    return True


def _same(validated: Any, parsed: Any) -> bool:
    """Whether two JSON values are the same, types included (``1``, ``1.0`` and ``true`` differ), keys in any
    order; False for what orjson cannot write (an integer past 64 bits)."""
    import orjson

    try:
        return bool(orjson.dumps(validated, option=orjson.OPT_SORT_KEYS)
                    == orjson.dumps(parsed, option=orjson.OPT_SORT_KEYS))
    except orjson.JSONEncodeError:
        return False


def _parse(raw: bytes, where: Location) -> Any:
    """The JSON value of ``raw``, or one problem saying why it is not JSON."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(where, "non_utf8") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        cause = _JSON_CAUSES.get(exc.msg)
        named = {"causa_chiave": f"problemi.risultato.json_causa.{cause}"} if cause else {"causa": exc.msg}
        raise _refuse(Location(where.path, exc.lineno, exc.colno), "json", **named) from None
    except RecursionError:
        raise _refuse(where, "annidato") from None
    except ValueError:  # the one other refusal of json: an integer past Python's limit on digits converted at once
        raise _refuse(where, "non_risultato", **long_number("causa")) from None


def _check_format(data: Any, where: Location) -> None:
    """One problem when ``data`` is not a result, or is a result of another format version."""
    if not isinstance(data, dict) or "formato" not in data:
        raise _refuse(where, "senza_formato")
    if data["formato"] != RESULT_FORMAT:
        shown = str(data["formato"])[:60]
        raise _refuse(where, "altro_formato", hint="versione", formato=shown, atteso=RESULT_FORMAT)


# pydantic's errors worded by the catalogue (problemi.risultato.causa.*), by kind; the others keep its text.
_CAUSES = {"missing": "mancante", "literal_error": "non_ammesso"}


def _cause(error: Any) -> dict[str, str]:
    """The values that word pydantic's ``error`` as ``{causa}``: by key when the catalogue words its kind."""
    from riskengine.source.validate import LIMITS, TYPE_WORDS, form_values

    kind = error["type"]
    refusal = error.get("ctx", {}).get("error")
    if kind == "value_error" and isinstance(refusal, RefusalError):  # ours, worded by its key
        return {"causa_chiave": refusal.key, "causa": str(refusal), **refusal.values}
    if kind in _CAUSES:
        return {"causa_chiave": f"problemi.risultato.causa.{_CAUSES[kind]}", "causa": error["msg"]}
    if kind in LIMITS:  # the limit itself, and the number found beyond it
        limit = re.sub(r"^Decimal\('(.*)'\)$", r"\1", str(error.get("ctx", {}).get(LIMITS[kind])))
        empty = kind in ("string_too_short", "too_short") and limit == "1"
        return {"causa_chiave": f"problemi.risultato.causa.limite.{'vuoto' if empty else kind}", "causa": error["msg"],
                **(form_values(limit) if kind == "string_pattern_mismatch" else {"limite": limit}),
                "numero_trovato": shorten(error.get("input"))}
    if kind in TYPE_WORDS:
        return {"causa_chiave": f"problemi.risultato.causa.tipo.{TYPE_WORDS[kind]}", "causa": error["msg"]}
    return {"causa": error["msg"]}


def _invalid(where: Location, exc: ValidationError) -> RiskengineError:
    """One problem for a result that does not have the declared shape: its first error, and how many more."""
    errors = exc.errors(include_url=False)
    first = errors[0]
    place = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in first["loc"]).lstrip(".")
    return _refuse(where, "non_valido", atteso=RESULT_FORMAT, **_cause(first), n=len(errors) - 1,
                   **({"dove": place} if place else {"dove_chiave": "problemi.risultato.cima"}),
                   **({"altri_chiave": "problemi.risultato.altri"} if len(errors) > 1 else {"altri": ""}))
