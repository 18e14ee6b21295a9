"""The message catalogue: every label of every report format, in Italian and English.

Labels live in ``messages/<lang>.yaml`` (nested mappings, addressed by dotted keys such as
``registro.titolo``). Values of closed vocabularies (measure status, typology, frequency…) are under
``valori.<field>.<value>``; a value without a label is shown as written in the catalogue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from riskengine.i18n import LANGUAGES, Text, catalogue, format_label, unknown_language

__all__ = ["LANGUAGES", "Messages", "format_label", "keys"]


class Messages(Text):
    """Labels for one language (read-only); ``messages("key", name=value)`` fills the label's ``{name}`` fields."""

    def __init__(self, lang: str = "it") -> None:
        if lang not in LANGUAGES:
            raise unknown_language("--lang", lang, code="report")
        super().__init__(lang)

    def finding(self, finding: Mapping[str, Any]) -> str:  # type: ignore[override]
        """A finding of a result in this language (see :meth:`riskengine.i18n.Text.finding`)."""
        return super().finding(finding["codice"], finding.get("argomenti"), str(finding["messaggio"]))


def keys(lang: str) -> set[str]:
    """Every key of a language's catalogue (the languages must have the same keys)."""
    return set(catalogue(lang))
