"""Keeping catalogue text inert where it lands: spreadsheet cells, file names, HTML ids, CSS colours."""

from __future__ import annotations

import hashlib
import re
import unicodedata

# A spreadsheet treats a cell starting with one of these as a formula (or as the start of one).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 cannot carry (openpyxl refuses them): C0 controls except tab, newline, carriage return.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_HEX_COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")
# Names Windows reserves whatever the extension.
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(10)), *(f"lpt{i}" for i in range(10))}


def neutralise(text: str) -> str:
    """Text for a CSV or XLSX cell: a leading ``= + - @`` (or tab/CR) gets a ``'`` so it is never a formula."""
    text = _ILLEGAL_XML.sub("", text)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def safe_filename(code: str, *, max_length: int = 80) -> str:
    """A file name (without extension) made from a code that cannot leave its directory.

    Only ``A-Z a-z 0-9 . _ -`` survive; path separators, drive letters, ``..`` and control characters
    become ``_``; the result never starts with a dot or a dash and is never a Windows reserved name.
    """
    text = unicodedata.normalize("NFKD", str(code)).encode("ascii", "ignore").decode("ascii")
    text = _UNSAFE_NAME.sub("_", text)
    text = re.sub(r"\.{2,}", "_", text).strip("._- ")
    if not text:
        text = "x"
    if text.split(".")[0].lower() in _RESERVED:
        text = "_" + text
    if text != str(code) or len(text) > max_length:
        # Keep distinct codes distinct once they are squashed into the same safe characters.
        digest = hashlib.sha256(str(code).encode("utf-8")).hexdigest()[:8]
        text = f"{text[:max_length - 9]}-{digest}"
    return text


def unique_filenames(codes: list[str]) -> dict[str, str]:
    """A safe, distinct file name for each code (also distinct on case-insensitive file systems)."""
    names: dict[str, str] = {}
    taken: set[str] = set()
    for code in codes:
        name = safe_filename(code)
        candidate, n = name, 2
        while candidate.lower() in taken:
            candidate, n = f"{name}-{n}", n + 1
        taken.add(candidate.lower())
        names[code] = candidate
    return names


def html_id(prefix: str, code: str) -> str:
    """An HTML id (and URL fragment) for a code: ``prefix-`` followed by safe characters only."""
    return f"{prefix}-{safe_filename(code)}"


def safe_colour(value: object, default: str = "#9e9e9e") -> str:
    """A ``#rgb``/``#rrggbb`` colour from the method file, or ``default`` (nothing else reaches CSS)."""
    if isinstance(value, str) and _HEX_COLOUR.fullmatch(value.strip()):
        colour = value.strip().lower()
        if len(colour) == 4:
            colour = "#" + "".join(c * 2 for c in colour[1:])
        return colour
    return default


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours."""
    la, lb = sorted((_luminance(safe_colour(a)), _luminance(safe_colour(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def text_colour(background: str) -> str:
    """Black or white, whichever reads better on ``background`` (WCAG contrast)."""
    background = safe_colour(background)
    return "#000000" if contrast_ratio(background, "#000000") >= contrast_ratio(background, "#ffffff") else "#ffffff"


def tint(colour: str, amount: float) -> str:
    """``colour`` mixed with white (``amount`` 0 = unchanged, 1 = white): light fills for table rows."""
    colour = safe_colour(colour)
    mixed = [round(int(colour[i:i + 2], 16) + (255 - int(colour[i:i + 2], 16)) * amount) for i in (1, 3, 5)]
    return "#" + "".join(f"{c:02x}" for c in mixed)
