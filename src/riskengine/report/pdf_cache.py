"""A cache of laid-out parts of the PDF annex, so that rendering again after a change costs only what changed.

An entry is the :class:`~riskengine.report.pdf_parts.PartPdf` of one part, keyed by the SHA-256 of the
part's HTML (which holds everything drawn: its sheets, labels, style sheet and the page numbers of the
contents), the PDF variant, and the versions of riskengine, Python, WeasyPrint and pydyf. Entries live
beside the cache of linked catalogues and are stored by it (:mod:`riskengine.graph.cache`: a user-private
directory, ``pdf`` under it, entries signed and checked before they are read, so only what this user's
riskengine wrote is read); a corrupt, foreign or unreadable entry is ignored and the part laid out again.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from riskengine.user_cache import cache_directory, read_signed, signing_key, versions, write_signed

if TYPE_CHECKING:
    from riskengine.report.pdf_parts import PartPdf

# 3: each font subset tagged by what it holds (pdf_parts._tag_subsets)
_FORMAT = b"riskengine-pdf-part/3"
# Parts kept: the parts of a few annexes (two editions of a national annex have a few hundred parts).
ENTRIES_KEPT = 2000


class PartCache:
    """Laid-out parts by the digest of their HTML, in the user's private cache directory."""

    def __init__(self, directory: Path, secret: bytes) -> None:
        self.directory = directory
        self.secret = secret
        self.hits = 0

    @classmethod
    def open(cls) -> PartCache | None:
        """The cache, or None when the cache is off or its directory is not private."""
        directory = cache_directory("pdf")
        secret = signing_key(directory) if directory is not None else None
        return cls(directory, secret) if directory is not None and secret is not None else None

    @staticmethod
    def key(html: str, variant: str) -> str:
        """The entry name of a part: what is drawn and what draws it."""
        import pydyf
        import weasyprint

        digest = hashlib.sha256(_FORMAT + versions(weasyprint.__version__, pydyf.__version__, variant))
        digest.update(html.encode("utf-8"))
        return digest.hexdigest()

    def has(self, html: str, variant: str) -> bool:
        """Whether an earlier run kept a part for ``html`` (it may still prove unreadable: :meth:`get`)."""
        try:
            return (self.directory / f"{self.key(html, variant)}.bin").is_file()
        except OSError:  # unreadable: laid out again, as get() would have it
            return False

    def get(self, html: str, variant: str) -> PartPdf | None:
        """The part laid out from ``html`` by an earlier run, or None."""
        from riskengine.report.pdf_parts import PartPdf

        found = read_signed(self.directory / f"{self.key(html, variant)}.bin", self.secret)
        if not isinstance(found, PartPdf):
            return None
        self.hits += 1
        return found

    def put(self, html: str, variant: str, part: PartPdf) -> None:
        """Keep ``part`` for the next run (a full or read-only disk only costs that run's time)."""
        write_signed(self.directory, f"{self.key(html, variant)}.bin", self.secret, part, ENTRIES_KEPT)
