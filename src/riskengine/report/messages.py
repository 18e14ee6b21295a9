"""The message catalogue: every label of every report format, in Italian and English.

Labels live in ``messages/<lang>.yaml`` (nested mappings, addressed by dotted keys such as
``registro.titolo``). Values of closed vocabularies (measure status, typology, frequency…) are under
``valori.<field>.<value>``; a value without a label is shown as written in the catalogue.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml

from riskengine.errors import Location, fail

LANGUAGES = ("it", "en")


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = "" if value is None else str(value)
    return flat


@cache
def _catalogue(lang: str) -> Mapping[str, str]:
    text = (resources.files("riskengine.report") / "messages" / f"{lang}.yaml").read_text(encoding="utf-8")
    # Read-only: one catalogue serves every format of a run, and templates must not rewrite it.
    # libyaml's safe loader: the same data as yaml.safe_load, ten times faster (start-up of every report).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return MappingProxyType(_flatten(yaml.load(text, Loader=loader) or {}))


def format_label(text: str, values: Mapping[str, Any]) -> str:
    """``text`` with its ``{name}`` fields replaced by ``values``.

    Only plain names are accepted: ``{v.attr}``, ``{v[key]}``, positional and nested fields are
    refused, so that a label can never walk from a value to other objects.
    """
    for _, field, spec, _ in string.Formatter().parse(text):
        if field is None:
            continue
        if not field.isidentifier() or "{" in (spec or ""):
            raise ValueError(f"label field '{{{field}}}' is not a plain name: attribute, index and nested "
                             "fields are refused")
    return text.format_map(values)


class Messages:
    """Labels for one language (read-only); ``messages("key", name=value)`` fills the label's ``{name}`` fields."""

    def __init__(self, lang: str = "it") -> None:
        if lang not in LANGUAGES:
            raise fail(Location("--lang"), f"unknown language '{lang}'", code="report",
                       hint="expected one of: " + ", ".join(LANGUAGES))
        self.lang = lang
        self.labels = _catalogue(lang)

    def __call__(self, key: str, **values: Any) -> str:
        try:
            text = self.labels[key]
        except KeyError:
            raise KeyError(f"no label '{key}' in messages/{self.lang}.yaml") from None
        return format_label(text, values) if values else text

    def has(self, key: str) -> bool:
        """True when the catalogue has a label for ``key``."""
        return key in self.labels

    def finding(self, finding: dict[str, Any]) -> str:
        """A finding's message in this language.

        Integrity findings carry their values (``argomenti``) and are worded with
        ``integrita.<codice>`` (``integrita.<codice>.<variante>``); the others are shown as written
        (policy messages are written by the method's authors in the language of their plan).
        """
        args = finding.get("argomenti")
        if args:
            key = f"integrita.{finding['codice']}" + (f".{args['variante']}" if "variante" in args else "")
            if key in self.labels:
                values = dict(args)
                day = values.get("scadenza", "")
                if self.lang == "it" and len(day) == 10 and day[4] == day[7] == "-":
                    values["scadenza"] = f"{day[8:10]}/{day[5:7]}/{day[:4]}"
                return format_label(self.labels[key], values)
        return str(finding["messaggio"])

    def value(self, field: str, value: Any) -> str:
        """The label of ``value`` in a closed vocabulary (``valori.<field>.<value>``), else the value itself."""
        if value is None or value == "":
            return ""
        return self.labels.get(f"valori.{field}.{value}", str(value))

    def level(self, level: dict[str, Any]) -> str:
        """The label of a method level in this language (``etichetta`` / ``etichetta_en``)."""
        if self.lang == "en" and level.get("etichetta_en"):
            return str(level["etichetta_en"])
        return str(level.get("etichetta") or level.get("codice"))


def keys(lang: str) -> set[str]:
    """Every key of a language's catalogue (the languages must have the same keys)."""
    return set(_catalogue(lang))
