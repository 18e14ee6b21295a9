"""Problems found in user files, and the exception that carries them.

A :class:`Problem` always names a place (file, line, column) and says what was expected; the CLI
prints problems as ``path:line:column: severity: message`` so editors can jump to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Severity(str, Enum):
    """How serious a problem or finding is; errors make a run fail."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Sort key: errors first."""
        return {"error": 0, "warning": 1, "info": 2}[self.value]


@dataclass(frozen=True, order=True)
class Location:
    """A place in a file; line and column are 1-based, 0 when unknown."""

    path: str
    line: int = 0
    column: int = 0

    def __str__(self) -> str:
        if self.line:
            return f"{self.path}:{self.line}:{self.column}"
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

    def format(self) -> str:
        """Render as ``path:line:col: severity[code]: message (hint)``."""
        text = f"{self.location}: {self.severity.value}[{self.code}]: {self.message}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def sort_key(self) -> tuple:
        """Stable order: by file, line, column, then message."""
        return (self.location.path, self.location.line, self.location.column, self.code, self.message)


@dataclass
class RiskengineError(Exception):
    """Raised when input cannot be used; carries every problem found, not only the first."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        return "\n".join(p.format() for p in sorted(self.problems, key=Problem.sort_key))


def fail(location: Location, message: str, *, code: str = "load", hint: str = "") -> RiskengineError:
    """Build an error carrying a single problem."""
    return RiskengineError([Problem(location, message, code=code, hint=hint)])
