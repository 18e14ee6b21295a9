"""The user's private cache directory, where riskengine keeps what later runs can read back instead of rebuilding.

``$RISKENGINE_CACHE_DIR``, else ``$XDG_CACHE_HOME/riskengine`` or ``~/.cache/riskengine``; ``off`` disables
every cache. Each kind of entry has its own subdirectory (linked catalogues, PDF parts, message catalogues).
A directory that others can write, or that belongs to someone else, is never used.

Performance machinery at the bottom of the pipeline: any stage may keep a cache here.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

CACHE_ENV = "RISKENGINE_CACHE_DIR"


def cache_directory(kind: str = "cataloghi") -> Path | None:
    """The user's cache directory for ``kind`` (linked catalogues; ``pdf``: laid-out parts of the PDF annex,
    riskengine.report.pdf_cache), created private; None when off or not private."""
    configured = os.environ.get(CACHE_ENV)
    if configured is not None and configured.strip().lower() in ("", "off", "0", "no"):
        return None
    if configured:
        base = Path(configured)
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        try:
            base = (Path(xdg) if xdg and os.path.isabs(xdg) else Path.home() / ".cache") / "riskengine"
        except (RuntimeError, KeyError):  # no home directory to be found: no cache
            return None
    directory = base / kind
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = os.lstat(directory)
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        return None  # someone else could write entries or the key: no cache rather than a shared one
    return directory
