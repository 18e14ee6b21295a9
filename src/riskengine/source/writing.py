"""Files riskengine writes outside an annex (a workbook, a catalogue's YAML, a graph, a what-if, the schemas): each
written whole or not at all, its folder made when missing, any failure of the file system one located problem.

A file is written beside its target under a temporary name and renamed over it. A new file gets the permissions
the user's umask gives (not the private 0600 of a temporary file); a file replaced keeps its permission bits, and its
owner where the system allows it. A target that is not a regular file (a device, a pipe, a symbolic link, a folder)
is refused: the rename would replace it, not write through it.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import secrets
import stat
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

from riskengine.errors import Location, RiskengineError
from riskengine.i18n import os_advice, os_cause, refuse
from riskengine.source.document import file_kind


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write ``path`` whole or not at all (a temporary file beside it, then a rename), its folder made when missing;
    a failure of the file system (no such place, a folder in the way, no space) is one located problem."""
    write_all([(path, content)])


def write_all(files: Sequence[tuple[Path, str | bytes]]) -> None:
    """Write several files as :func:`write_atomic` does, each whole. Every temporary file is written before the first
    rename, so a failure while writing (no space, a folder in the way) replaces none of them: a catalogue is not left
    half imported. A rename the system refuses midway (rare: the folder was writable a moment before) leaves the
    files before it replaced."""
    written: list[tuple[str, Path]] = []
    try:
        for path, content in files:
            written.append((_temporary(path, content), path))
        for tmp, path in written:
            try:
                os.replace(tmp, path)
            except OSError as exc:
                raise unwritable(path, exc) from None
    finally:
        for tmp, _ in written:
            with contextlib.suppress(FileNotFoundError):  # renamed into place
                os.unlink(tmp)


def _temporary(path: Path, content: str | bytes) -> str:
    """``content`` written to a new file beside ``path``, with the permissions ``path`` will have; its name."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    make_folder(path.parent)
    try:
        replaced = _replaced(path)
        tmp = str(path.parent / f".{path.name}.{secrets.token_hex(4)}.tmp")
        # 0o666 less the umask, as any program makes a file (not mkstemp's private 0600)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | os.O_NOFOLLOW, 0o666)
    except OSError as exc:
        raise unwritable(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as out:
            if replaced is not None:  # the replaced file's permission bits and owner, where the system allows it
                with contextlib.suppress(OSError):
                    os.fchmod(out.fileno(), stat.S_IMODE(replaced.st_mode) & 0o777)
                with contextlib.suppress(OSError):
                    os.fchown(out.fileno(), replaced.st_uid, replaced.st_gid)
            out.write(data)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise unwritable(path, exc) from None
        raise
    return tmp


def _replaced(path: Path) -> os.stat_result | None:
    """What is known of the file ``path`` replaces, None for a new file; a target that is not a regular file is
    refused (a link: the file it points to is the one to give)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    if not stat.S_ISREG(info.st_mode):
        advice = "collegamento" if stat.S_ISLNK(info.st_mode) else "file_nuovo"
        raise refuse(Location(str(path)), "problemi.file.uscita_non_regolare", code="output",
                     hint_key=f"problemi.uscita.suggerimento.{advice}", **file_kind(info.st_mode))
    return info


def make_folder(path: Path) -> None:
    """The folder ``path`` and its parents, made when missing; a failure is one located problem."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file in the way, here or above: said as the system says it of a path through a file
        raise unwritable(path, NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))) from None
    except OSError as exc:
        raise unwritable(path, exc) from None


def unwritable(path: Path, exc: OSError) -> RiskengineError:
    """The located problem of a file that cannot be written, its cause and advice by errno."""
    return refuse(Location(str(path)), "problemi.file.non_scrivibile", code="output", hint_key=os_advice(exc),
                  **os_cause(exc))


def temporary_refusal(exc: Exception) -> OSError | None:
    """A write the system refused in its temporary folder (no space, a file size limit) while a library wrote its
    files there: the OSError it is, named at that folder; None for any other error.

    openpyxl's refusals reach us as lxml's ``SerialisationError('IO_ENOSPC')``; what the failed writers left half
    written is freed now, quietly: freed later, each would print a traceback of the same refusal."""
    name = str(exc).removeprefix("IO_")
    if isinstance(exc, OSError):
        code = exc.errno or errno.EIO
    elif type(exc).__name__ == "SerialisationError" and name.isupper() and isinstance(getattr(errno, name, None), int):
        code = getattr(errno, name)
    else:
        return None
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        traceback.clear_frames(exc.__traceback__)
        gc.collect()
    finally:
        sys.unraisablehook = hook
    return OSError(code, os.strerror(code), tempfile.gettempdir())


def temporary_unwritable(exc: OSError) -> RiskengineError:
    """The located problem of the system's temporary folder refusing a write (see :func:`temporary_refusal`)."""
    return refuse(Location(str(exc.filename)), "problemi.file.temporanei_non_scrivibili", code="output",
                  hint_key="problemi.uscita.suggerimento.temporanei", **os_cause(exc))
