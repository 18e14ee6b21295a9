"""A cache of loaded methods: ``rules/<method>/`` read, validated and compiled once per change of its files.

Validating a method builds the schemas of its models and compiles its policies: about a tenth of a
second of every ``check`` and ``assess`` on a chamber's catalogue, for files that change a few times a
year. An entry is keyed by the bytes of ``method.yaml`` and ``policies.yaml``, the method's folder and
the versions of riskengine, Python and the loading libraries; it is kept signed in the user's private
cache (:mod:`riskengine.user_cache`: only what this user's riskengine wrote is read), and only methods
without errors are stored. Performance machinery at the edge of the method stage: callers see one
function, :func:`cached_method`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import cast

from riskengine.errors import RiskengineError
from riskengine.method.load import Method, load_method
from riskengine.source.document import loading_versions, read_file
from riskengine.user_cache import signed_entry

_FORMAT = b"riskengine-metodo/6"  # 2: warnings worded as findings (integrita.method.*); 3: policies.yaml required;
# 4: the places of the areas scelta_bande names (Method.area_places); 5: band tables whose level goes down as the
# score grows refused (a method loaded before may not load now); 6: the places of the areas policy conditions compare
# 'area' with (Method.policy_area_places, expr.Cmp.at), the class of an area a closed text
KEPT = 16  # the newest methods kept (a few kilobytes each)


def cached_method(root: str | Path) -> Method:
    """:func:`load_method` of ``root``, or the method an earlier run loaded from the same files and versions.

    On a miss the method is loaded from the files its key was made of, as they were read (once)."""
    root = Path(root)
    files: dict[str, bytes | None] | None = None

    def key() -> str | None:
        nonlocal files
        files = method_files(root)
        return method_key(root, files) if files is not None else None

    return cast(Method, signed_entry("metodi", key, lambda: load_method(root, read=files), Method, KEPT))


def method_files(root: Path) -> dict[str, bytes | None] | None:
    """The bytes of the method's files by name (None: absent), read as the loader reads them; None when one cannot
    be read (the loader reports it)."""
    files: dict[str, bytes | None] = {}
    for name in ("method.yaml", "policies.yaml"):
        path = root / name
        if not path.exists() and not path.is_symlink():
            files[name] = None
            continue
        try:  # read as the loader reads it: a link out of the method's folder is refused, never hashed
            files[name] = read_file(path)
        except RiskengineError:
            return None
    return files


def method_key(root: Path, files: dict[str, bytes | None]) -> str:
    """The key (hex) of the method in ``root`` whose files are ``files`` (:func:`method_files`)."""
    digest = hashlib.sha256(_FORMAT + b"\0" + loading_versions() + os.fsencode(root) + b"\0")
    for name, data in files.items():
        digest.update(name.encode("utf-8") + b"\0")
        digest.update(b"absent\0" if data is None else hashlib.sha256(data).digest())
    return digest.hexdigest()
