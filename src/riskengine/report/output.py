"""Writing files so that a failure, or a killed run, never loses the previous output.

An annex directory is replaced as a whole: it is rendered into a staging directory beside it and
swapped in only when complete. The swap is one atomic ``renameat2(RENAME_EXCHANGE)`` where Linux
offers it, else two renames whose gap is repaired by the next run (``recover``: a missing output is
restored from its backup). Every annex carries a manifest of its files and their SHA-256 digests;
a directory is replaced only when it matches its manifest, so a user's own files are never deleted.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path

from riskengine.errors import Location, RiskengineError
from riskengine.i18n import refuse

MANIFEST_FILE = ".riskengine-manifest.json"
MANIFEST_VERSION = 1
# A manifest lists file names and digests; anything larger is not one riskengine wrote.
MAX_MANIFEST_BYTES = 64 * 1024 * 1024
_RENAME_EXCHANGE = 2  # linux/fs.h
_AT_FDCWD = -100
# tempfile.mkdtemp's random part: 8 characters of this alphabet.
_TOKEN = r"[a-z0-9_]{8}"


def _refuse(path: Path, key: str, hint: str, **values: str) -> RiskengineError:
    """One located problem about the output directory, worded by ``problemi.uscita.<key>`` and its hint."""
    return refuse(Location(str(path)), f"problemi.uscita.{key}", code="output",
                  hint_key=f"problemi.uscita.suggerimento.{hint}", **values)


def output_target(out_dir: str | os.PathLike) -> Path:
    """The absolute output directory, refused when it cannot be replaced as a whole.

    The annex replaces its directory, so the directory cannot be the current directory or one of
    its parents, a symbolic link, a mount point or something other than a directory.
    """
    given = Path(out_dir)
    target = Path(os.path.abspath(given))
    if target.parent == target or Path.cwd() == target or target in Path.cwd().parents:
        raise _refuse(given, "cartella_corrente", "nuova")
    if target.is_symlink():
        raise _refuse(given, "collegamento", "destinazione")
    if target.exists():
        if not target.is_dir():
            raise _refuse(given, "non_cartella", "nuova")
        if os.path.ismount(target):
            raise _refuse(given, "montaggio", "nuova")
    return target


def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _tree(root: Path) -> Iterator[tuple[str, Path]]:
    """Every entry under ``root`` (links not followed) as (relative POSIX name, path), sorted."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        base = Path(dirpath)
        for name in sorted(dirnames + filenames):
            path = base / name
            yield path.relative_to(root).as_posix(), path


def write_manifest(root: Path, known: Mapping[str, str] | None = None) -> None:
    """Record every file and directory of the annex in ``root`` with its SHA-256 digest.

    ``known``: the digests of files this run hashed as it wrote them into ``root`` (its own staging
    directory, which nobody else writes), by relative name: not read again.
    """
    known = known or {}
    files: dict[str, str] = {}
    directories: list[str] = []
    for name, path in _tree(root):
        if path.is_dir() and not path.is_symlink():
            directories.append(name)
        else:
            files[name] = known[name] if name in known else _digest(path)
    manifest = {"riskengine_manifest": MANIFEST_VERSION, "cartelle": directories, "file": files}
    (root / MANIFEST_FILE).write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def _read_manifest(root: Path) -> dict | None:
    path = root / MANIFEST_FILE
    if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_MANIFEST_BYTES:
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        return None
    if (not isinstance(data, dict) or data.get("riskengine_manifest") != MANIFEST_VERSION
            or not isinstance(data.get("file"), dict) or not isinstance(data.get("cartelle"), list)):
        return None
    return data


def check_replaceable(target: Path, *, digests: bool = True) -> None:
    """Refuse ``target`` unless it is missing, empty, or an annex that still matches its manifest.

    ``digests=False``: the files' contents are not compared (a check before the work, repeated in full when
    the annex is written: a national annex is 2 GB to hash)."""
    if not target.exists() or not any(target.iterdir()):
        return
    manifest = _read_manifest(target)
    if manifest is None:
        raise _refuse(target, "senza_manifesto", "vuota", manifesto=MANIFEST_FILE)
    directories = set(manifest["cartelle"])
    foreign, changed = [], []
    for name, path in _tree(target):
        if name == MANIFEST_FILE:
            continue
        if path.is_dir() and not path.is_symlink():
            if name not in directories:
                foreign.append(name)
        elif name not in manifest["file"]:
            foreign.append(name)
        elif path.is_symlink() or not path.is_file() or (digests and _digest(path) != manifest["file"][name]):
            changed.append(name)
    for problem, names in (("file_estranei", foreign), ("file_modificati", changed)):
        if names:
            shown = ", ".join(names[:5]) + (", …" if len(names) > 5 else "")
            raise _refuse(target, problem, "vuota", file=shown)


def _sibling_pattern(target: Path) -> re.Pattern[str]:
    return re.compile(rf"\.{re.escape(target.name)}\.(new|old)-{_TOKEN}")


def lock_path(target: Path) -> Path:
    """The lock file of one output directory: in a private directory of the system's temporary directory, named
    by the digest of the directory's real path, so that nothing is left beside the annex and two runs writing
    sibling directories (out/2025, out/2026) do not wait for each other."""
    real = Path(os.path.realpath(target.parent)) / target.name
    folder = Path(tempfile.gettempdir()) / f"riskengine-locks-{os.getuid() if hasattr(os, 'getuid') else 0}"
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder / (hashlib.sha256(os.fsencode(real)).hexdigest() + ".lock")


@contextlib.contextmanager
def exclusive(target: Path) -> Iterator[None]:
    """Hold the lock of ``target``: one riskengine run writes a given output directory at a time.

    Under the lock, any staging or backup directory of ``target`` belongs to a run that died.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:  # no advisory locks (Windows): runs are not serialised
        yield
        return
    fd = os.open(lock_path(target), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise _refuse(target, "occupata", "attendi") from None
        yield
    finally:
        os.close(fd)  # closing releases the lock


def recover(target: Path) -> None:
    """Repair what a killed run left beside ``target`` (call with the lock held).

    A missing ``target`` is restored from the newest backup; then every staging and backup
    directory of ``target`` is removed.
    """
    pattern = _sibling_pattern(target)
    leftovers = [p for p in target.parent.iterdir() if pattern.fullmatch(p.name) and not p.is_symlink()]
    backups = [p for p in leftovers if ".old-" in p.name and _read_manifest(p) is not None]
    if not os.path.lexists(target) and backups:
        newest = max(backups, key=lambda p: (p.stat().st_ctime_ns, p.name))
        os.rename(newest, target)
        leftovers.remove(newest)
    for path in sorted(leftovers):
        shutil.rmtree(path)


def staging_directory(target: Path) -> Path:
    """A fresh temporary directory beside ``target`` (same file system, so the rename is atomic)."""
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    staging.chmod(0o755)
    return staging


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap the names ``a`` and ``b``; False when the OS or file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def replace_directory(staging: Path, target: Path) -> None:
    """Put the fully written ``staging`` in place of ``target``; the old content is removed only after.

    At every instant either ``target`` is complete (old or new), or (two-rename fallback only) it
    is missing and its backup is complete, which ``recover`` puts back on the next run.
    """
    if not os.path.lexists(target):
        os.rename(staging, target)
        return
    if _exchange(staging, target):
        shutil.rmtree(staging)  # now the previous annex
        return
    backup = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
    os.rename(target, backup)  # renaming a directory over an empty one is atomic
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(backup, target)
        raise
    shutil.rmtree(backup)
