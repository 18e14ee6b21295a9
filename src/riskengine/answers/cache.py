"""A cache of validated assessments: an assessment file read and checked against its catalogue and method once
per change of any of them.

Reading a chamber's answers and validating them against the catalogue and the method is a few hundredths
of a second of every ``check`` and ``assess`` (seconds at national scale), for a file that changes while
the units answer and then stays as it is. An entry is keyed by the file's bytes and path, the catalogue's
key in :mod:`riskengine.graph.cache` (its files and versions), the method's files and the loading
libraries' versions; it is kept signed in the user's private cache (:mod:`riskengine.user_cache`: only
what this user's riskengine wrote is read). Only assessments without errors are stored; a catalogue
that was not read through the cache has no key, and its assessments are loaded as they are.
Performance machinery at the edge of the answers stage: callers see one function, :func:`cached_assessment`.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import cast

from riskengine.answers.load import Assessment, load_assessment
from riskengine.errors import RiskengineError
from riskengine.graph.build import CatalogGraph
from riskengine.method.load import Method
from riskengine.source.document import loading_versions, read_file
from riskengine.user_cache import signed_entry

_FORMAT = b"riskengine-valutazione/5"  # 2: to_confirm renamed findings; 3: plan-date-before-year;
# 4: an unknown item while a code of its kind is written twice; 5: the code an unknown item names (Problem.unknown)
KEPT = 16  # the newest assessments kept


def cached_assessment(path: str | Path, cg: CatalogGraph, method: Method) -> Assessment:
    """:func:`load_assessment` of ``path``, or the assessment an earlier run validated from the same file,
    catalogue, method and versions."""
    path = Path(path)
    raw: bytes | None = None  # the bytes the key names, loaded on a miss (read once, and what was hashed)

    def key() -> str | None:
        nonlocal raw
        if cg.files_key is None:
            return None
        try:  # read as the loader reads it: a link out of the catalogue's folder is refused, never hashed
            raw = read_file(path)
        except RiskengineError:
            return None  # the loader reports it
        return hashlib.sha256(b"\0".join((_FORMAT, loading_versions(), str(cg.files_key).encode("ascii"),
                                          repr(sorted(method.digests.items())).encode("utf-8"),
                                          os.fsencode(method.root), os.fsencode(path),
                                          hashlib.sha256(raw).digest()))).hexdigest()

    def build() -> Assessment:
        loaded = load_assessment(path, cg, method, raw=raw)
        if loaded.document is not None:  # the file's bytes are read again if a value must be located
            loaded.document.release_positions()
        return loaded

    assessment = cast(Assessment, signed_entry("valutazioni", key, build, Assessment, KEPT))
    positions = cg.catalog.position_cache()
    if positions is not None and assessment.document is not None:
        assessment.document.use_positions(positions)
    return assessment
