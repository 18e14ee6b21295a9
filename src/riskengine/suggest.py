"""'Did you mean …' suggestions for misspelt names."""

from __future__ import annotations

import difflib
import unicodedata
from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """Return the candidate most similar to ``word`` (case-insensitive), or None."""
    pool = sorted(set(candidates))
    lowered = {c.lower(): c for c in pool}
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A hint such as ``did you mean 'UO Compliance'?``, or a list of the allowed values."""
    pool = sorted(set(candidates))
    best = closest(word, pool)
    if best is not None:
        return f"did you mean '{best}'?"
    if 0 < len(pool) <= 12:
        return "expected one of: " + ", ".join(repr(c) for c in pool)
    return ""


# Common look-alikes of Latin letters (a subset of Unicode's confusables, UTS #39): the Cyrillic and
# Greek capitals and small letters that print like Latin ones in usual fonts. Enough for codes,
# which are Latin letters, digits and punctuation; not a full confusables skeleton.
_LATIN_OF = str.maketrans(
    "АВСЕНІЈКМОРЅТХУасеіјорѕхуԁһӏ"  # Cyrillic
    "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧοικνρτυχ",  # Greek
    "ABCEHIJKMOPSTXYaceijopsxydhl"
    "ABEZHIKMNOPTYXoikvptux",
)


def skeleton(text: str) -> str:
    """What ``text`` looks like: NFKC-normalised, with Cyrillic and Greek look-alikes read as Latin."""
    return unicodedata.normalize("NFKC", text).translate(_LATIN_OF)
