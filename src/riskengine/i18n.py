"""The message catalogue shared by every stage: the annex, the command line and the findings.

Texts live in ``report/messages/<lang>.yaml`` (nested mappings addressed by dotted keys such as
``cli.check.esito``); this module sits at the bottom of the pipeline so that any stage can word
a message by key. Italian is the default; English is chosen with ``--lang en`` or
``RISKENGINE_LANG=en``. Codes (of problems and findings) never change with the language; numbers
take a decimal comma and dates the form dd/mm/yyyy in Italian.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

import yaml

from riskengine.errors import Location, Problem, fail

LANGUAGES = ("it", "en")
DEFAULT_LANGUAGE = "it"
LANG_VARIABLE = "RISKENGINE_LANG"
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
# A slug of a closed vocabulary (in-corso, a-campione, medio-alto): shown by its label in sentences.
_SLUG = re.compile(r"(?<![\w/.:-])[a-z]+(?:-[a-z]+)+(?![\w/:-])")
# A decimal number standing alone: not a part of a code such as C1.1.6 or of a version such as 1.2.3.
_DECIMAL = re.compile(r"(?<![\w.])(\d+)\.(\d+)(?![\w]|\.\d)")


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
def catalogue(lang: str) -> Mapping[str, str]:
    """Every label of a language, by dotted key (read-only: one catalogue serves a whole run)."""
    # Read as package data, without importing the report stage above this module.
    text = (resources.files("riskengine") / "report" / "messages" / f"{lang}.yaml").read_text(encoding="utf-8")
    # libyaml's safe loader: the same data as yaml.safe_load, ten times faster (read at every command's start).
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return MappingProxyType(_flatten(yaml.load(text, Loader=loader) or {}))


def language(chosen: str | None = None) -> str:
    """The language of a run: ``chosen`` (``--lang``), else ``RISKENGINE_LANG``, else Italian."""
    lang = chosen or os.environ.get(LANG_VARIABLE) or DEFAULT_LANGUAGE
    if lang not in LANGUAGES:
        where = "--lang" if chosen else LANG_VARIABLE
        raise fail(Location(where), f"unknown language '{lang}'", code="lang",
                   hint="expected one of: " + ", ".join(LANGUAGES))
    return lang


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


class Text:
    """The labels of one language: ``text("key", name=value)`` fills the label's ``{name}`` fields."""

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        self.lang = language(lang)
        self.labels = catalogue(self.lang)

    def __call__(self, key: str, **values: Any) -> str:
        try:
            text = self.labels[key]
        except KeyError:
            raise KeyError(f"no label '{key}' in messages/{self.lang}.yaml") from None
        return format_label(text, values) if values else text

    def has(self, key: str) -> bool:
        """True when the catalogue has a label for ``key``."""
        return key in self.labels

    def value(self, field: str, value: Any) -> str:
        """The label of ``value`` in a closed vocabulary (``valori.<field>.<value>``), else the value itself."""
        if value is None or value == "":
            return ""
        return self.labels.get(f"valori.{field}.{value}", str(value))

    def number(self, value: Any, suffix: str = "") -> str:
        """A number as text: decimal comma in Italian, point in English; ``—`` when there is none."""
        if value is None or value == "":
            return "—"
        text = str(value)
        return (text.replace(".", ",") if self.lang == "it" else text) + suffix

    def day(self, value: Any) -> str:
        """An ISO date as dd/mm/yyyy in Italian (as written in English); other values as their label."""
        if value is None or value in ("", "—"):
            return "—"
        text = str(value)
        if _ISO_DAY.fullmatch(text):
            return f"{text[8:10]}/{text[5:7]}/{text[:4]}" if self.lang == "it" else text
        return self.value("scadenza", text)

    def prose(self, text: str) -> str:
        """Free text in this language's conventions: ISO dates as dd/mm/yyyy and decimal commas in Italian."""
        if self.lang != "it":
            return text
        text = _ISO_DAY.sub(lambda m: f"{m.group(3)}/{m.group(2)}/{m.group(1)}", text)
        return _DECIMAL.sub(r"\1,\2", text)

    def labelled(self, text: str, extra: Mapping[str, str] | None = None) -> str:
        """``text`` with its slugs of closed vocabularies replaced by their labels (``extra``: more, such as levels)."""
        slugs = dict(self._slugs())
        slugs.update(extra or {})
        if text in slugs:  # a value on its own, such as a level: basso
            return slugs[text]
        return _SLUG.sub(lambda m: slugs.get(m.group(), m.group()), self.prose(text))

    def _slugs(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for key, label in self.labels.items():
            if key.startswith("valori.") and "-" in key.rsplit(".", 1)[-1]:
                found.setdefault(key.rsplit(".", 1)[-1], label)
        return found

    def finding(self, code: str, args: Mapping[str, Any] | None, message: str) -> str:
        """A finding's or problem's message in this language.

        Problems that carry their values are worded with ``integrita.<code>`` (or
        ``integrita.<code>.<variante>``) when the catalogue has it, their closed values by label
        and their dates in this language; the others (policy messages, written by the method's
        authors in the language of their plan) are shown as written, in this language's conventions.
        """
        if args:
            key = f"integrita.{code}" + (f".{args['variante']}" if "variante" in args else "")
            if key in self.labels:
                values = dict(args)
                if "scadenza" in values:
                    values["scadenza"] = self.day(values["scadenza"])
                if "stato" in values:
                    values["stato"] = self.value("stato", values["stato"])
                if "tipologia" in values:
                    values["tipologia"] = self.value("tipologia", values["tipologia"])
                return format_label(self.labels[key], values)
        return self.prose(message)

    def level(self, level: Mapping[str, Any]) -> str:
        """The label of a method level in this language (``etichetta`` / ``etichetta_en``)."""
        if self.lang == "en" and level.get("etichetta_en"):
            return str(level["etichetta_en"])
        return str(level.get("etichetta") or level.get("codice"))

    def severity(self, severity: str) -> str:
        """The word for a severity in sentences (the ``error[code]`` tag of a located line stays as is)."""
        return self(f"cli.gravita.{severity}")

    def problem(self, problem: Problem) -> str:
        """A located line ``file:line:col: severity[code]: message (hint)``, the message in this language."""
        text = f"{problem.location}: {problem.severity.value}[{problem.code}]: " \
               f"{self.finding(problem.code, dict(problem.args), problem.message)}"
        if problem.hint:
            text += f" ({self.prose(problem.hint)})"
        return text
