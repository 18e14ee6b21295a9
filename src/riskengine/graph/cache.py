"""A cache of linked catalogues: the validated models, their graph and its integrity findings.

Loading, validating and linking a national catalogue takes seconds; reading back what an earlier
run built takes a tenth of that. An entry is keyed by the SHA-256 of every catalogue file (read with
the same rules as the loader: regular files inside the catalogue, within the size limit), the
catalogue's path, riskengine's version, Python's and the loading libraries' versions: a changed
file, limit or version is a different key. Entries live in a user-private directory
(``$RISKENGINE_CACHE_DIR``, else ``$XDG_CACHE_HOME/riskengine`` or ``~/.cache/riskengine``; ``off``
disables the cache), never beside a catalogue someone else can write. An entry is a pickle, and a
pickle can run code when read: each is signed with HMAC-SHA256 under a random key kept in that
directory (mode 0600, owned by the user), and its signature is checked before it is unpickled, so
only what this user's riskengine wrote is ever read. A directory or key file that others can write,
or that belongs to someone else, turns the cache off; a corrupt or unsigned entry is ignored and
rebuilt. Only catalogues without errors are stored. Beside the entries, the position indexes of the
files (``posizioni-*.bin``, keyed by each file's SHA-256, signed the same way) spare a later run the
second scan of a file whose findings it locates.

This is performance machinery at the edge of the graph stage: callers see one function, :func:`linked`.
"""

from __future__ import annotations

import copyreg
import hashlib
import os
from pathlib import Path
from typing import Any

from riskengine.catalog.load import DEFAULT_FACTORS, load_catalog
from riskengine.catalog.models import CATALOG_FILES
from riskengine.errors import Problem, RiskengineError, Severity
from riskengine.graph.build import CatalogGraph, build_graph
from riskengine.graph.integrity import check_integrity
from riskengine.graph.queries import process_facts, process_places
from riskengine.source.document import loading_versions, max_bytes, read_file
from riskengine.user_cache import cache_directory, package_version, read_signed, signing_key, write_signed

ENTRIES_KEPT = 4  # the newest entries kept (a national catalogue's entry is hundreds of megabytes)
POSITIONS_KEPT = 64  # the newest position indexes kept (a few per catalogue)
_POSITIONS_PREFIX = "posizioni-"
# 2: the graph stored as CatalogGraph.parts(), without networkx; 3: with the processes' places (queries.process_places);
# 4: ente.yaml's metodi_precedenti; 5: the catalogue's warnings of metodi_precedenti (catalog.load.catalog_warnings)
# 6: a code written twice: its second unit links no padre, the references it may leave unknown say so; 7: the code an
# unknown reference names (Defect.unknown)
_FORMAT = b"riskengine-linked/7"


def _catalog_graph(*parts: Any) -> CatalogGraph:
    return CatalogGraph.read_back(*parts)


# A catalogue graph is stored as its parts (node and adjacency dicts), without networkx's object: reading it
# back then needs no networkx (riskengine.graph.build.CatalogGraph.read_back rebuilds the graph when asked).
_STORED_AS = {**copyreg.dispatch_table, CatalogGraph: lambda cg: (_catalog_graph, cg.parts())}


def linked(root: str | os.PathLike) -> tuple[CatalogGraph, list[Problem]]:
    """The catalogue in ``root`` loaded, validated and linked, and its integrity findings.

    From the cache when an entry for the same files, limits and versions was written by this user;
    otherwise built (raising :class:`RiskengineError` as :func:`load_catalog` does) and stored, with the
    facts of its processes that evaluation reads (:func:`~riskengine.graph.queries.process_facts`) and their
    places (:func:`~riskengine.graph.queries.process_places`), when the integrity rules find no error. The files'
    bytes and position indexes are released either way.
    """
    directory = cache_directory()
    key = _entry_key(Path(root)) if directory is not None else None
    secret = signing_key(directory) if directory is not None and key is not None else None
    if directory is not None and key is not None and secret is not None:
        found = _read(directory / f"{key}.bin", secret)
        if found is not None:
            _use_positions(found[0], directory, secret)
            found[0].files_key = key
            return found
    catalog = load_catalog(root)
    cg = build_graph(catalog)
    integrity = check_integrity(cg)
    process_places(cg)  # while the files' positions are at hand, before they are released
    if directory is not None and key is not None and secret is not None:
        _use_positions(cg, directory, secret)
    catalog.release_positions()
    if directory is not None and key is not None and secret is not None \
            and not any(p.severity is Severity.ERROR for p in integrity):
        cg.files_key = key
        process_facts(cg)  # read by every evaluation of the catalogue: worked out once, stored with it
        write_signed(directory, f"{key}.bin", secret, (cg, integrity), ENTRIES_KEPT, dispatch_table=_STORED_AS)
    return cg, integrity


def _read(path: Path, secret: bytes) -> tuple[CatalogGraph, list[Problem]] | None:
    """The entry at ``path`` when it exists, is this user's and its signature holds; None otherwise."""
    found = read_signed(path, secret)
    if not (isinstance(found, tuple) and len(found) == 2 and isinstance(found[0], CatalogGraph)):
        return None
    return found


class _Positions:
    """Position indexes of catalogue files, signed like the entries: locating a finding in a file whose
    bytes were released reads its index (a few hundredths of a second) instead of scanning it again
    (a second per 8 MB of YAML). Keyed by the file's SHA-256: a changed file is a different key."""

    def __init__(self, directory: Path, secret: bytes) -> None:
        self.directory, self.secret = directory, secret

    def _name(self, digest: bytes) -> str:
        return _POSITIONS_PREFIX + hashlib.sha256(_FORMAT + b"\0positions\0" + digest).hexdigest() + ".bin"

    def get(self, digest: bytes) -> Any | None:
        """The index stored for bytes of ``digest``, when this user's riskengine stored it."""
        found = read_signed(self.directory / self._name(digest), self.secret)
        return found[0] if isinstance(found, tuple) and len(found) == 2 and found[1] == digest else None

    def put(self, digest: bytes, index: Any) -> None:
        """Store the index of bytes of ``digest``."""
        write_signed(self.directory, self._name(digest), self.secret, (index, digest), POSITIONS_KEPT,
                     _POSITIONS_PREFIX + "*.bin")


def _use_positions(cg: CatalogGraph, directory: Path, secret: bytes) -> None:
    positions = _Positions(directory, secret)
    for document in cg.catalog.documents.values():
        document.use_positions(positions)


def _entry_key(root: Path) -> str | None:
    """The key of the catalogue in ``root`` (hex), or None when a file cannot be read as the loader would."""
    digest = hashlib.sha256(_FORMAT + loading_versions())
    for part in (package_version("networkx"), str(max_bytes()), str(root)):
        digest.update(os.fsencode(part) + b"\0")  # a folder's name as the system has it, UTF-8 or not
    for name in sorted(CATALOG_FILES):
        path = root / name
        digest.update(name.encode("utf-8") + b"\0")
        try:
            if not path.exists() and not path.is_symlink():
                digest.update(b"absent\0")  # the loader's default factors come with this version
                continue
            digest.update(hashlib.sha256(read_file(path, within=root)).digest())
        except (OSError, RiskengineError):  # a name too long, a folder that cannot be read: the loader reports it
            return None
    digest.update(DEFAULT_FACTORS.encode("utf-8"))
    return digest.hexdigest()
