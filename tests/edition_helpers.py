"""What the publication edition must not show (no tests here): file names, locations, digests, rule ids,
slugs and decimal points; the complete edition shows them. Used by test_report_editions.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

FILE_NAME = re.compile(r"\b[\w-]+\.(?:ya?ml|json|html?|csv|xlsx|pdf|sqlite)\b")
LOCATION = re.compile(r"\.ya?ml:\d")
DIGEST = re.compile(r"\b[0-9a-f]{12,}\b")
# A decimal point in a number (1 or 2 decimals: 3.83, 10.5); thousands (40.000) and codes (B2.1.1, 1.1.2) are not.
DECIMAL_POINT = re.compile(r"(?<![\w.])\d+\.\d{1,2}(?![\w.])")
# Numbers with a point that are not decimals: PIAO section numbers ("sottosezione 2.3"), licence versions.
NOT_DECIMAL = re.compile(r"(?:sezione|sottosezione|sezioni|BY)\s$", re.I)
SLUG = re.compile(r"^[a-z][a-z0-9]*(?:[-_/:][a-z0-9]+)+$")


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _strings(key)
            yield from _strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from _strings(value)


def rule_ids(result: dict[str, Any]) -> set[str]:
    """Every rule id the result mentions (traces, findings, monitoring, treatments)."""
    found: set[str] = set()

    def walk(data: Any) -> None:
        if isinstance(data, dict):
            for key, value in data.items():
                if key in ("regola", "regole_attivate") and isinstance(value, str) and value:
                    found.add(value)
                elif key == "regole_attivate" and isinstance(value, list):
                    found.update(v for v in value if isinstance(v, str))
                else:
                    walk(value)
        elif isinstance(data, list):
            for value in data:
                walk(value)

    walk(result)
    return found


def slugs(result: dict[str, Any]) -> set[str]:
    """Every whole value of the result that is a slug (``da-attuare``, ``vecchi-indici``), except the words that
    the catalogue's own prose uses (a measure's indicator may well say "rischio medio-alto")."""
    values = set(_strings(result))
    prose = " ".join(s for s in values if " " in s)
    return {s for s in values if SLUG.match(s) and not re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", prose)}


def known_codes(result: dict[str, Any]) -> set[str]:
    """Codes a reader is meant to see (processes, phases, events, measures) and the method's version."""
    codes = {str(result["metodo"].get("versione", ""))}
    for p in result["processi"]:
        codes.add(p["codice"])
        codes.update(f["codice"] for f in p.get("fasi", []))
        codes.update(e["codice"] for e in p.get("eventi", []))
    codes.update(m["codice"] for m in result["misure"])
    return {c for c in codes if c}


def leaks(text: str, result: dict[str, Any]) -> dict[str, list[str]]:
    """What of the internal vocabulary ``text`` shows, by kind (empty lists: nothing)."""
    for code in sorted(known_codes(result), key=len, reverse=True):
        text = text.replace(code, " ")
    found: dict[str, list[str]] = {
        "file": FILE_NAME.findall(text), "posizione": LOCATION.findall(text), "impronta": DIGEST.findall(text),
        "decimale": [m.group() for m in DECIMAL_POINT.finditer(text)
                     if not NOT_DECIMAL.search(text[max(0, m.start() - 14):m.start()])]}
    found["regola"] = sorted(r for r in rule_ids(result) if re.search(rf"(?<![\w-]){re.escape(r)}(?![\w-])", text))
    found["slug"] = sorted(s for s in slugs(result) if re.search(rf"(?<![\w-]){re.escape(s)}(?![\w-])", text))
    return {kind: sorted(set(items)) for kind, items in found.items()}
