"""Problems found in user files, and the exception that carries them.

A :class:`Problem` always names a place (file, line, column) and says what was expected; the CLI
prints problems as ``path:line:column: severity: message`` so editors can jump to them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

MAX_SHOWN = 80  # characters of a value shown in a message
MAX_MESSAGE = 1_000  # characters of a message or hint: the rest is cut, whatever built it
# Characters that would act on a terminal or reorder the text around them: controls (not tab and
# newline), zero-width characters and bidi controls; and those that are no text (surrogates, which a UTF-8
# terminal cannot be sent, and Unicode's noncharacters: U+FDD0-U+FDEF, the last two of every plane). Shown
# escaped (\x1b, \u202e, \uffff).
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(chr(plane + last) for plane in range(0, 0x110000, 0x10000)
                                            for last in (0xFFFE, 0xFFFF))
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
                     f"\ud800-\udfff{_NONCHARACTERS}]")
_NONCHARACTER = re.compile(f"[{_NONCHARACTERS}]")


def is_noncharacter(char: str) -> bool:
    """True for Unicode's noncharacters (U+FDD0-U+FDEF, the last two code points of every plane)."""
    return _NONCHARACTER.match(char) is not None


def _escape(match: re.Match[str]) -> str:
    return match.group().encode("unicode_escape").decode("ascii")


def shorten(value: object, limit: int = MAX_SHOWN) -> str:
    """``value`` as text for a message: at most ``limit`` characters, then an ellipsis and its length.

    Characters that would act on a terminal are escaped, so a value shows what the file holds.
    """
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 256:
        return f"a number of about {value.bit_length() * 0.30103:,.0f} digits"  # str() refuses over 4,300
    text = value if isinstance(value, str) else str(value)
    cut = len(text) > limit
    shown = _UNSAFE.sub(_escape, text[:limit]).replace("\n", "\\n").replace("\t", "\\t")
    return f"{shown}… ({len(text):,} characters)" if cut else shown


def bounded(text: str) -> str:
    """A message or hint as a line shows it: characters that would act on a terminal escaped, line breaks written
    as ``\\n``, at most :data:`MAX_MESSAGE` characters (a text this cut already is left as it is)."""
    text = _UNSAFE.sub(_escape, text).replace("\n", "\\n")
    if len(text) <= MAX_MESSAGE or (len(text) <= MAX_MESSAGE + 40 and CUT.search(text)):
        return text
    return f"{text[:MAX_MESSAGE]}… ({len(text):,} characters)"


# How shorten and bounded end a text they cut (riskengine.i18n says it again in other languages).
CUT = re.compile(r"… \((?P<n>[\d,]+) characters\)$")


class Severity(StrEnum):
    """How serious a problem or finding is; errors make a run fail."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Sort key: errors first."""
        return {"error": 0, "warning": 1, "info": 2}[self.value]


# A workbook cell's place, FILE.xlsx:Foglio!C12 (riskengine.workbook.safety.cell_location).
_CELL = re.compile(r"(?P<file>.*\.xlsx):(?P<foglio>[^!]*)!(?P<colonna>[A-Z]{1,3})(?P<riga>\d{1,7})")


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file; line and column are 1-based, 0 when unknown."""

    path: str
    line: int = 0
    column: int = 0
    # A place a file names in words (a Word template's "paragraph 3"): its English wording, and the key and
    # values of the message catalogue that word it in every language (riskengine.i18n.placed).
    place: str = ""
    place_key: str = ""
    place_args: tuple[tuple[str, str], ...] = ()
    place_order: int = 0  # where the place comes in its file, for sorting (body, tables, headers, …)

    def __str__(self) -> str:
        if self.place:
            return f"{self.path}:{self.place}"
        # A place known to the line only (a template's errors) names no column rather than a 0.
        if self.line and self.column:
            return f"{self.path}:{self.line}:{self.column}"
        if self.line:
            return f"{self.path}:{self.line}"
        return self.path


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, with where it is and how to fix it."""

    location: Location
    message: str
    code: str = "load"
    severity: Severity = Severity.ERROR
    hint: str = ""
    subject: str = ""
    args: tuple[tuple[str, str], ...] = ()  # the message's values, for reports in other languages
    # Keys of the message catalogue (riskengine.i18n) that word the message and the hint with
    # ``args`` in every language; ``message`` and ``hint`` hold the English wording.
    key: str = ""
    hint_key: str = ""
    # The code the problem says names nothing (a reference to an unknown unit, an assessment's unknown process):
    # a later stage tells by it what only follows from a row it left out (riskengine.workbook.read).
    unknown: str = ""

    def __post_init__(self) -> None:
        # A safety net under every message built from file contents: one bounded, inert line.
        object.__setattr__(self, "message", bounded(self.message))
        object.__setattr__(self, "hint", bounded(self.hint))

    def format(self) -> str:
        """Render as ``path:line:col: severity[code]: message (hint)``."""
        text = f"{self.location}: {self.severity.value}[{self.code}]: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def sort_key(self) -> tuple:
        """Stable order: by file, line, column, then message; a workbook's cells by sheet, row and column (G2
        before G10, as Excel shows them)."""
        path = self.location.path
        cell = _CELL.fullmatch(path)
        if cell is None:
            # A worded place in its file's order: paragraph 2 before paragraph 10, the body before the headers.
            return (path, "", [(self.location.place_order, "")], 0, self.location.line, self.location.column,
                    self.code, self.message)
        letters = cell["colonna"]
        column = sum((ord(letter) - 64) * 26 ** i for i, letter in enumerate(reversed(letters)))
        return (cell["file"], cell["foglio"], [(int(cell["riga"]), "")], column, self.location.line,
                self.location.column, self.code, self.message)


# The codes of problems that make others, said before them: a code written twice (a unit renamed to another's code)
# leaves every reference to its former code unknown, a line each, and the one line to fix first must not follow them.
CAUSES = ("duplicate-code",)


def cause_rank(code: str) -> int:
    """Sort key of a problem's code: 0 for a code that makes others (:data:`CAUSES`), 1 for the rest."""
    return 0 if code in CAUSES else 1


def causes_first(problems: list[Problem]) -> list[Problem]:
    """``problems`` in their stable order (:meth:`Problem.sort_key`), those that make others first."""
    return sorted(problems, key=lambda p: (cause_rank(p.code), p.sort_key()))


@dataclass
class RiskengineError(Exception):
    """Raised when input cannot be used; carries every problem found, not only the first."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return "\n".join(p.format() for p in sorted(self.problems, key=Problem.sort_key))

    def __reduce__(self) -> tuple[Any, ...]:
        # Rebuilt from its problems (an exception pickles its message by default): a worker process's error
        # reaches the parent as the same located problems.
        return type(self), (self.problems,)


def fail(location: Location, message: str, *, code: str = "load", hint: str = "") -> RiskengineError:
    """Build an error carrying a single problem."""
    return RiskengineError([Problem(location, message, code=code, hint=hint)])
