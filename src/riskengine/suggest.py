"""'Did you mean …' suggestions for misspelt names."""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache


def closest(word: str, candidates: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """Return the candidate most similar to ``word`` (case-insensitive), or None."""
    import difflib  # only when a name is wrong: not on every command's start

    pool = sorted(set(candidates))
    lowered = {c.lower(): c for c in pool}
    match = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[match[0]] if match else None


# The two shapes of a suggestion (in English; riskengine.i18n words them in every language).
DID_YOU_MEAN = "did you mean '{}'?"
ONE_OF = "expected one of: {}"


def did_you_mean(word: str, candidates: Iterable[str]) -> str:
    """A hint such as ``did you mean 'UO Compliance'?``, or a list of the allowed values."""
    pool = sorted(set(candidates))
    best = closest(word, pool)
    if best is not None:
        return DID_YOU_MEAN.format(best)
    if 0 < len(pool) <= 12:
        return ONE_OF.format(", ".join(repr(c) for c in pool))
    return ""


# Words of one file given a suggestion: each is a scan of its pool, and a file of thousands of wrong codes (every code
# of a large catalogue mistyped) took minutes; the others are reported all the same, without one.
SUGGESTED_AT_MOST = 200


class Suggestions:
    """:func:`did_you_mean` for the many words of one file against one pool: the first ``SUGGESTED_AT_MOST``."""

    def __init__(self, candidates: Iterable[str]) -> None:
        self.candidates = candidates  # read at the first word: most files have no wrong one
        self.pool: list[str] | None = None
        self.left = SUGGESTED_AT_MOST

    def __call__(self, word: str) -> str:
        if self.left <= 0:
            return ""
        self.left -= 1
        return did_you_mean(word, self._pool())

    def nearest(self, word: str) -> str | None:
        """The candidate ``word`` looks like (None: none, or past the first ``SUGGESTED_AT_MOST`` words)."""
        return closest(word, self._pool()) if self.left > 0 else None

    def _pool(self) -> list[str]:
        if self.pool is None:
            self.pool = sorted(set(self.candidates))
        return self.pool


# Common look-alikes of Latin letters (a subset of Unicode's confusables, UTS #39): the Cyrillic and
# Greek capitals and small letters that print like Latin ones in usual fonts. Enough for codes,
# which are Latin letters, digits and punctuation; not a full confusables skeleton.
_LATIN_OF = str.maketrans(
    "АВСЕНІЈКМОРЅТХУасеіјорѕхуԁһӏ"  # Cyrillic
    "ΑΒΕΖΗΙΚΜΝΟΡΤΥΧοικνρτυχ",  # Greek
    "ABCEHIJKMOPSTXYaceijopsxydhl"
    "ABEZHIKMNOPTYXoikvptux",
)


# Unicode's Default_Ignorable_Code_Point ranges (DerivedCoreProperties.txt, Unicode 15.1): code
# points a renderer shows as nothing (joiners, variation selectors, Hangul fillers, tags), so two
# texts that differ only by them print the same.
_DEFAULT_IGNORABLE = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
    (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)


@cache
def _drop_ignorable() -> dict[int, None]:
    """The table that deletes every default-ignorable code point (4,300 of them: built when first needed)."""
    return str.maketrans(dict.fromkeys(chr(c) for first, last in _DEFAULT_IGNORABLE for c in range(first, last + 1)))


def is_default_ignorable(char: str) -> bool:
    """Whether ``char`` is a default-ignorable code point: one that prints as nothing."""
    point = ord(char)
    return any(first <= point <= last for first, last in _DEFAULT_IGNORABLE)


def skeleton(text: str) -> str:
    """What ``text`` looks like: NFKC-normalised, without default-ignorable code points (they print
    as nothing), with Cyrillic and Greek look-alikes read as Latin."""
    # Dropped before normalising (a joiner between a letter and its accent blocks composition) and
    # after (NFKC maps the halfwidth Hangul filler to an ignorable one).
    import unicodedata  # only for look-alike checks: not on every start

    drop = _drop_ignorable()
    normalised = unicodedata.normalize("NFKC", text.translate(drop))
    return normalised.translate(drop).translate(_LATIN_OF)
