"""Files riskengine writes outside an annex (a workbook, a catalogue's YAML, a graph, a what-if, the schemas): each
written whole or not at all, its folder made when missing, any failure of the file system one located problem."""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from riskengine.errors import Location, RiskengineError
from riskengine.i18n import os_advice, os_cause, refuse


def write_atomic(path: Path, content: str | bytes) -> None:
    """Write ``path`` whole or not at all (a temporary file beside it, then a rename), its folder made when missing;
    a failure of the file system (no such place, a folder in the way, no space) is one located problem."""
    data = content.encode("utf-8") if isinstance(content, str) else content
    make_folder(path.parent)
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise _unwritable(path, exc) from None
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise _unwritable(path, exc) from None
        raise


def make_folder(path: Path) -> None:
    """The folder ``path`` and its parents, made when missing; a failure is one located problem."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except FileExistsError:  # a file in the way, here or above: said as the system says it of a path through a file
        raise _unwritable(path, NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR))) from None
    except OSError as exc:
        raise _unwritable(path, exc) from None


def _unwritable(path: Path, exc: OSError) -> RiskengineError:
    return refuse(Location(str(path)), "problemi.file.non_scrivibile", code="output", hint_key=os_advice(exc),
                  **os_cause(exc))
