"""The message catalogue shared by every stage: the annex, the command line and the findings.

Texts live in ``report/messages/<lang>.yaml`` (nested mappings addressed by dotted keys such as
``cli.check.esito``); this module sits at the bottom of the pipeline so that any stage can word
a message by key. Italian is the default; English is chosen with ``--lang en`` or
``RISKENGINE_LANG=en``. Codes (of problems and findings) never change with the language; numbers
take a decimal comma and dates the form dd/mm/yyyy in Italian.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from riskengine.errors import CUT, Location, Problem, RiskengineError, Severity, bounded
from riskengine.user_cache import cached_parse

LANGUAGES = ("it", "en")
DEFAULT_LANGUAGE = "it"
# The ways a collective owner reaches units (catalog.models.Collettivo.tipo), worded under unita.collettivo.
COLLECTIVE_KINDS = ("tutte-le-unita", "unita-dei-processi", "responsabili-di-unita")
LANG_VARIABLE = "RISKENGINE_LANG"
# Patterns as text: compiled on first use (re keeps them), not at every start.
_ISO_DAY = r"\b(\d{4})-(\d{2})-(\d{2})\b"
# A slug of a closed vocabulary (in-corso, a-campione, medio-alto): shown by its label in sentences.
_SLUG = r"(?<![\w/.:-])[a-z]+(?:-[a-z]+)+(?![\w/:-])"
# A decimal number standing alone: not a part of a code such as C1.1.6 or of a version such as 1.2.3.
# Values of problems that are numbers of ours (never text of the files): decimal comma in Italian.
_NUMBERS = frozenset({"mb", "rischio", "totale", "bordo", "da_punteggio", "a_punteggio", "intervallo",
                      "punteggio_p", "punteggio_i", "limite", "numero_trovato", "frazione_cella"})
_HUGE_NUMBER = r"a number of about (?P<n>[\d,]+) digits"  # errors.shorten's words for an integer too long to write
# Counts of ours that can run into thousands: grouped by thousands (500.000 in Italian, 500,000 in English).
_GROUPED = frozenset({"limite_celle", "caratteri_cella", "limite_caratteri", "parti", "limite_parti", "rapporto",
                      "byte", "limite_byte", "limite_argomento", "elementi", "limite_elementi", "volte",
                      "massimo_cifre"})
# Values quoted as they are written, never reworded: a template's (riskengine.report.template_causes), a date that
# is none (riskengine.source.yaml_problems: shown as the file has it, not as a day of this language).
_QUOTED = frozenset({"attributo", "oggetto", "citato", "variabile", "filtro", "test", "istruzione", "blocco",
                     "previsto", "scritto"})
_DECIMAL = r"(?<![\w.])(\d+)\.(\d+)(?![\w]|\.\d)"
# The two rounding notes of a trace step (riskengine.evaluate.items.rounded), worded again per language.
_ROUNDED = r"(?P<esatto>\S+) → (?P<valore>\S+) \((?P<cifre>\d+) decimali, (?P<modo>[a-z-]+)\)"
_NOT_ROUNDED = r"(?P<valore>\S+)… non arrotondato: il valore esatto entra nel prodotto"
# A consequence of a policy step (riskengine.evaluate.evaluation._consequences), worded again per language: the
# closed values have no spaces; a finding's code may hold any (up to the next consequence, joined by "; ").
_CONSEQUENCE = re.compile(r"(?:criticità (?P<codice>.+?)|richiede misura (?P<ambito>\S+)"
                          r"|monitoraggio (?P<modalita>\S+) (?P<periodicita>\S+)|priorità (?P<valore>\d+))"
                          r"(?=; (?:criticità|richiede misura|monitoraggio|priorità) |$)")
_CONSEQUENCE_KINDS = {"codice": "criticita", "ambito": "richiede_misura", "modalita": "monitoraggio",
                      "valore": "priorita"}
# The result of a residual by steps down the scale (riskengine.evaluate.residual.residual_level); level codes may
# hold spaces.
_STEPS_DOWN = re.compile(r"(?P<somma>\S+) → (?P<n>\d+) gradini: (?P<livelli>.+)")


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
    # Package data, read without importing the report stage above this module.
    source = (Path(__file__).parent / "report" / "messages" / f"{lang}.yaml").read_text(encoding="utf-8")
    # Read at every command's start: from the user's cache when this text was parsed before, which
    # spares importing and running PyYAML (most of `riskengine --help`'s own time).
    return MappingProxyType(cached_parse("messaggi", lang, _MESSAGES_FORM, source, _parsed, _is_flat))


# What _parsed makes of a message file: a new name whenever _parsed or _flatten would give other values.
_MESSAGES_FORM = "messaggi-piatti/1"


def _parsed(source: str) -> dict[str, str]:
    import yaml

    # libyaml's safe loader: the same data as yaml.safe_load, ten times faster.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return _flatten(yaml.load(source, Loader=loader) or {})


def _is_flat(value: Any) -> bool:
    return isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items())


def language(chosen: str | None = None) -> str:
    """The language of a run: ``chosen`` (``--lang``), else ``RISKENGINE_LANG``, else Italian."""
    lang = chosen or os.environ.get(LANG_VARIABLE) or DEFAULT_LANGUAGE
    if lang not in LANGUAGES:
        raise unknown_language("--lang" if chosen else LANG_VARIABLE, lang, code="lang")
    return lang


def unknown_language(where: str, lang: str, *, code: str) -> RiskengineError:
    """The refusal of a language that has no catalogue, located at the option or variable that chose it."""
    return refuse(Location(where), "problemi.lingua.sconosciuta", code=code, hint_key="problemi.lingua.suggerimento",
                  lingua=lang, lingue=", ".join(LANGUAGES))


def os_cause(exc: OSError) -> dict[str, str]:
    """The values that word an operating system error as ``{causa}``: by its errno when the catalogue has it.

    The system's own text (``strerror``) is English whatever the language; the common causes are worded
    under ``problemi.sistema.<ERRNO>``, the others keep the system's text.
    """
    name = errno.errorcode.get(exc.errno or 0, "")
    if name and has_wording(f"problemi.sistema.{name}"):
        return {"causa_chiave": f"problemi.sistema.{name}"}
    return {"causa": str(exc.strerror or exc)}


# The advice for a file that cannot be written, by errno (problemi.uscita.suggerimento.<advice>); 'controlla' otherwise.
_OS_ADVICE = {errno.ENOSPC: "spazio", errno.EDQUOT: "quota", errno.EROFS: "sola_lettura", errno.EACCES: "permessi",
              errno.EPERM: "permessi"}


def os_advice(exc: OSError) -> str:
    """The key of the advice for an operating system error met while writing (free space, choose another folder…)."""
    return f"problemi.uscita.suggerimento.{_OS_ADVICE.get(exc.errno or 0, 'controlla')}"


def long_number(name: str) -> dict[str, Any]:
    """The values that word, as ``{name}``, why an integer was refused: it has more digits than Python converts
    at once (4,300 by default; 0 is no limit), which Python's own error says in English, with advice to the
    programmer."""
    return {f"{name}_chiave": "problemi.numero_lungo", "massimo_cifre": sys.get_int_max_str_digits()}


def lowered(label: str) -> str:
    """A label of a closed value inside a sentence: ``A campione`` → ``a campione``."""
    return label[:1].lower() + label[1:]


# An indicator's code that reads as a short reference (P1, I2: how the PNA 2013 tables number them) is shown for or
# with its name; an identifier (interesse_esterno, discrezionalita) is a slug, and the name stands alone.
_REFERENCE_CODE = r"[A-Za-z]{1,3}\d{1,3}|[A-Z]{1,4}"


def indicator_reference(code: str, name: str) -> str:
    """An indicator named in a sentence or a list: its short code (``P1``), else its name (``Livello di interesse
    esterno``, never ``interesse_esterno``)."""
    return code if re.fullmatch(_REFERENCE_CODE, code) else name


def indicator_label(code: str, name: str, joiner: str = " – ") -> str:
    """An indicator as a heading names it: ``P1 – Discrezionalità`` for a short code (``joiner`` between them),
    else its name alone."""
    return f"{code}{joiner}{name}" if re.fullmatch(_REFERENCE_CODE, code) else name


def format_label(text: str, values: Mapping[str, Any]) -> str:
    """``text`` with its ``{name}`` fields replaced by ``values``.

    Only plain names are accepted: ``{v.attr}``, ``{v[key]}``, positional and nested fields are
    refused, so that a label can never walk from a value to other objects.
    """
    import string  # only for labels with fields: not on every command's start

    for _, field, spec, _ in string.Formatter().parse(text):
        if field is None:
            continue
        if not field.isidentifier() or "{" in (spec or ""):
            raise ValueError(f"label field '{{{field}}}' is not a plain name: attribute, index and nested "
                             "fields are refused")
    return text.format_map(values)


def wording(key: str, **values: Any) -> str:
    """The English wording of ``key``: the text a problem keeps (logs, results); reports word it again by key."""
    return _english().render(key, values)


def has_wording(key: str) -> bool:
    """True when the catalogue words ``key``."""
    return key in catalogue("en")


@cache
def _english() -> Text:
    return Text("en")


def _texts(values: Mapping[str, Any]) -> dict[str, str]:
    return {name: str(value) for name, value in values.items()}


class RefusalError(ValueError):
    """A validator's refusal worded by a key of the catalogue (``problemi.valore.*``), in every language."""

    def __init__(self, key: str, **values: Any) -> None:
        self.key = key
        self.values = _texts(values)
        super().__init__(wording(key, **self.values))


def finding_hint_key(code: str, args: Mapping[str, Any]) -> str:
    """The key of the hint of a finding with ``code`` (``problemi.suggerimento.<code>[.<variante>]``), if worded.

    Findings of a result keep their values, not their keys: the hint is found again by the same
    convention that worded it (riskengine.graph.integrity), so that it is shown in every language.
    """
    key = f"problemi.suggerimento.{code}" + (f".{args['variante']}" if "variante" in args else "")
    return key if has_wording(key) else ""


def said(location: Location, key: str, *, code: str = "load", severity: Severity = Severity.ERROR,
         hint: str = "", hint_key: str = "", subject: str = "", unknown: str = "", **values: Any) -> Problem:
    """A problem worded by ``key`` (and its hint by ``hint_key``, else ``hint`` as computed) with ``values``;
    ``unknown``: the code it says names nothing (:attr:`Problem.unknown`)."""
    texts = _texts(values)
    return Problem(location, wording(key, **texts), code=code, severity=severity,
                   hint=wording(hint_key, **texts) if hint_key else hint, subject=subject,
                   args=tuple(sorted(texts.items())), key=key, hint_key=hint_key, unknown=unknown)


def placed(path: str | os.PathLike[str], key: str, order: int, **values: Any) -> Location:
    """The place ``key`` of a file that names its places in words (a Word template's paragraphs), worded in
    English as a problem's message is, and in the reader's language by :meth:`Text.where`; ``order``: where it
    comes in the file, problems being sorted so."""
    texts = _texts(values)
    return Location(str(path), place=wording(key, **texts), place_key=key, place_args=tuple(texts.items()),
                    place_order=order)


def refuse(location: Location, key: str, *, code: str = "load", hint: str = "", hint_key: str = "",
           **values: Any) -> RiskengineError:
    """An error carrying one problem worded by ``key`` (see :func:`said`)."""
    return RiskengineError([said(location, key, code=code, hint=hint, hint_key=hint_key, **values)])


class Text:
    """The labels of one language: ``text("key", name=value)`` fills the label's ``{name}`` fields."""

    def __init__(self, lang: str = DEFAULT_LANGUAGE) -> None:
        self.lang = language(lang)
        self.labels = catalogue(self.lang)

    def __call__(self, key: str, **values: Any) -> str:
        text = self.labels.get(key)
        if text is None:  # a count's label: its form for one (``uno``) or for the others (``altri``), by ``n``
            text = self.labels.get(f"{key}.{'uno' if values.get('n') == 1 else 'altri'}")
        if text is None:
            raise KeyError(f"no label '{key}' in messages/{self.lang}.yaml")
        if not values:
            return text
        return format_label(text, values)

    def severities(self, counts: Mapping[str, int]) -> dict[str, str]:
        """The counts of findings by severity as ``errori``, ``avvisi``, ``note`` labels ("1 errore", "2 avvisi")."""
        return {name: self(f"cli.per_gravita.{severity}", n=counts.get(severity, 0))
                for name, severity in (("errori", "error"), ("avvisi", "warning"), ("note", "info"))}

    def warned(self, key: str, **values: Any) -> str:
        """A label after the warning sign, as every late or untreated item is marked ("⚠ Scaduta")."""
        return f"{self('unita.segno_ritardo')} {self(key, **values)}"

    def has(self, key: str) -> bool:
        """True when the catalogue has a label for ``key``."""
        return key in self.labels

    def value(self, field: str, value: Any) -> str:
        """The label of ``value`` in a closed vocabulary (``valori.<field>.<value>``), else the value itself."""
        if value is None or value == "":
            return ""
        return self.labels.get(f"valori.{field}.{value}", str(value))

    def counts_by_label(self, field: str, counts: Mapping[str, int]) -> list[tuple[str, int]]:
        """Counts keyed by the values of ``field`` (natura, tipologia) as (label, count), in the order of the labels."""
        labelled = [(self.value(field, code), n) for code, n in counts.items()]
        return sorted(labelled, key=lambda item: (item[0].casefold(), item[0]))

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
        if re.fullmatch(_ISO_DAY, text):
            return f"{text[8:10]}/{text[5:7]}/{text[:4]}" if self.lang == "it" else text
        return self.value("scadenza", text)

    def prose(self, text: str) -> str:
        """Free text in this language's conventions: ISO dates as dd/mm/yyyy and decimal commas in Italian."""
        if self.lang != "it":
            return text
        text = re.sub(_ISO_DAY, lambda m: f"{m.group(3)}/{m.group(2)}/{m.group(1)}", text)
        return re.sub(_DECIMAL, r"\1,\2", text)

    def rounding_note(self, note: str) -> str:
        """A trace's rounding note (``arrotondamento``, written by riskengine.evaluate.items) in this language."""
        found = re.fullmatch(_ROUNDED, note)
        if found:
            how = self("metodo.arrotondamento_testo", cifre=found["cifre"],
                       modo=self.value("arrotondamento", found["modo"]))
            return f"{self.prose(found['esatto'])} → {self.prose(found['valore'])} ({how})"
        found = re.fullmatch(_NOT_ROUNDED, note)
        if found:
            return self("spiegazione.non_arrotondato", valore=self.prose(found["valore"]))
        return self.prose(note)

    def consequences(self, text: str) -> str:
        """A policy step's result (``monitoraggio a-campione semestrale; priorità 2``) in this language, its
        closed values by label; a text that is not one is returned as :meth:`labelled` words it."""
        worded, position = [], 0
        while (found := _CONSEQUENCE.match(text, position)) is not None:
            parts = {name: value for name, value in found.groupdict().items() if value is not None}
            kind = next(_CONSEQUENCE_KINDS[name] for name in parts if name in _CONSEQUENCE_KINDS)
            values = {name: value if name in ("codice", "valore") else lowered(self.value(name, value))
                      for name, value in parts.items()}
            worded.append(self(f"spiegazione.conseguenza.{kind}", **values))
            position = found.end() + len("; ")
            if found.end() == len(text):
                return "; ".join(worded)
        return self.labelled(text)

    def steps_down(self, text: str, levels: Mapping[str, str]) -> str | None:
        """The result of a residual by steps down the scale (``2 → 2 gradini: alto → basso``) in this language,
        the levels by their labels (``levels``: by code, the lowest first); None when ``text`` is not one."""
        found = _STEPS_DOWN.fullmatch(text)
        if found is None:
            return None
        pair = found["livelli"].split(" → ")
        codes = list(levels)
        cut = next((i for i in range(1, len(pair)) if " → ".join(pair[:i]) in levels
                    and " → ".join(pair[i:]) in levels), None)
        if cut is None:
            return None
        before, after, n = " → ".join(pair[:cut]), " → ".join(pair[cut:]), int(found["n"])
        worded = self("spiegazione.gradini", somma=self.prose(found["somma"]), n=n, da=levels[before],
                      a=levels[after])
        if codes.index(before) - n < 0:  # more steps than levels below: it stops at the lowest
            worded += f" ({self('spiegazione.gradini_limite')})"
        return worded

    def mismatch(self, field: str, expected: Any, got: Any, words: str = "",
                 levels: Mapping[str, str] | None = None, code: str = "") -> str:
        """A rule test's mismatch (riskengine.rule_tests.Mismatch) in this language: the field by its label (a
        variant's with its ``code``); ``words`` says what its values are, a level's code (by its label:
        ``levels``, the method's), a monitoring (in words), a monitoring plan's counts by periodicity or object
        (each by its label) or by area, its items, or numbers and codes."""
        def counted(key: str) -> str:
            if words == "periodicita":
                return lowered(self.value("periodicita", key))
            return self(f"problemi.questionario.livello.{key}") if words == "oggetto" and \
                self.has(f"problemi.questionario.livello.{key}") else key

        def worded(value: Any) -> str:
            if isinstance(value, dict):
                return "; ".join(f"{counted(key)} {n}" for key, n in sorted(value.items())) or "—"
            if isinstance(value, list):
                return ", ".join(map(str, value)) or "—"
            value = str(value)
            if words == "livello":
                return (levels or {}).get(value, value)
            if words == "livello_monitoraggio":
                return self.value("livello_monitoraggio", value)
            return self.consequences(value) if words == "monitoraggio" else self.prose(value)

        label = self(f"cli.test.campi.{field}", codice=code) if self.has(f"cli.test.campi.{field}") else field
        return self("cli.test.differenza", campo=label, atteso=worded(expected), ottenuto=worded(got))

    def collective_how(self, how: str) -> str:
        """How a collective owner reaches a unit (``come``, Italian from graph.queries) in this language."""
        italian = catalogue("it")
        for kind in COLLECTIVE_KINDS:
            key = f"unita.collettivo.{kind}"
            found = re.fullmatch(re.escape(italian[key]).replace(re.escape("{processi}"), "(?P<processi>.+)"), how)
            if found:
                return self(key, **found.groupdict())
        return self.prose(how)

    def labelled(self, text: str, extra: Mapping[str, str] | None = None) -> str:
        """``text`` with its slugs of closed vocabularies replaced by their labels (``extra``: more, such as levels)."""
        slugs = dict(self._slugs())
        slugs.update(extra or {})
        if text in slugs:  # a value on its own, such as a level: basso
            return slugs[text]
        quoted = re.fullmatch(r'"([^"]*)"', text)
        if quoted and quoted.group(1) in slugs:  # a condition's value as the engine read it: "medio"
            return f'"{slugs[quoted.group(1)]}"'

        return re.sub(_SLUG, lambda m: slugs.get(m.group(), m.group()), self.prose(text))

    def _slugs(self) -> dict[str, str]:
        found: dict[str, str] = {}
        for key, label in self.labels.items():
            if key.startswith("valori.") and "-" in key.rsplit(".", 1)[-1]:
                found.setdefault(key.rsplit(".", 1)[-1], label)
        return found

    def _worded(self, args: Mapping[str, Any]) -> dict[str, Any]:
        """The values of a message as this language writes them: dates, closed values by label."""
        values = dict(args)
        for name, value in args.items():
            if name.endswith("_chiave") or name in _QUOTED:
                continue  # a keyed value is worded below, with the others as this language writes them
            if isinstance(value, str) and re.fullmatch(_ISO_DAY, value):
                values[name] = self.day(value)
            elif isinstance(value, str) and self.lang != "en" and CUT.search(value):
                values[name] = self.cut(value)
            elif isinstance(value, str) and self.lang != "en" and (huge := re.fullmatch(_HUGE_NUMBER, value)):
                values[name] = self("problemi.numero_enorme", n=huge["n"].replace(",", "."))
            elif name in _NUMBERS:
                values[name] = self.number(value)
            elif name in _GROUPED and str(value).isdigit():
                grouped = f"{int(value):,}"
                values[name] = grouped.replace(",", ".") if self.lang == "it" else grouped
        for field in ("stato", "tipologia"):
            if field in values:
                values[field] = self.value(field, values[field])
        keyed = [(name.removesuffix("_chiave"), self.labels[value]) for name, value in args.items()
                 if name.endswith("_chiave") and value in self.labels]  # values worded by a key (an element, a type)
        # twice when several: a keyed value may hold another (a cause naming the form it expected)
        for _ in range(min(len(keyed), 2)):
            for name, label in keyed:
                values[name] = format_label(label, values)
        return values

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
                return format_label(self.labels[key], self._worded(args))
        return self.prose(message)

    def level(self, level: Mapping[str, Any]) -> str:
        """The label of a method level in this language (``etichetta`` / ``etichetta_en``)."""
        if self.lang == "en" and level.get("etichetta_en"):
            return str(level["etichetta_en"])
        return str(level.get("etichetta") or level.get("codice"))

    def severity(self, severity: str) -> str:
        """The word for a severity in sentences (the ``error[code]`` tag of a located line stays as is)."""
        return self(f"cli.gravita.{severity}")

    def render(self, key: str, values: Mapping[str, Any]) -> str:
        """The label ``key`` filled with ``values`` as this language writes them (see :meth:`_worded`)."""
        return format_label(self.labels[key], self._worded(values))

    def message(self, problem: Problem) -> str:
        """A problem's message in this language: by its key when it has one, else as :meth:`finding`.

        A validator's refusal (``problemi.valore.*``) about a named key is framed by
        ``problemi.nel_campo`` ('key': refusal), the same frame in every language.
        """
        args = dict(problem.args)
        if problem.key in self.labels:
            text = format_label(self.labels[problem.key], self._worded(args))
            if problem.key.startswith("problemi.valore.") and "campo" in args:
                text = format_label(self.labels["problemi.nel_campo"], {"campo": args["campo"], "testo": text})
            return text
        return self.finding(problem.code, args, problem.message)

    def hint(self, problem: Problem) -> str:
        """A problem's hint in this language: by its key, else a suggestion of riskengine.suggest, else as written."""
        if problem.hint_key in self.labels:
            return format_label(self.labels[problem.hint_key], self._worded(dict(problem.args)))
        return self.suggestion(problem.hint)

    def suggestion(self, text: str) -> str:
        """A hint of :func:`riskengine.suggest.did_you_mean` (its two shapes) in this language."""
        from riskengine.suggest import DID_YOU_MEAN, ONE_OF  # only when a hint is shown: not on every start

        one, rest = DID_YOU_MEAN.split("{}")
        if text.startswith(one) and text.endswith(rest) and len(text) > len(one) + len(rest):
            return self("suggerimenti.forse", proposta=text[len(one):-len(rest)])
        lead = ONE_OF.split("{}")[0]
        if text.startswith(lead):
            return self("suggerimenti.uno_tra", valori=text[len(lead):])
        return self.prose(text)

    def where(self, location: Location) -> str:
        """``location`` as a problem's line shows it, a place named in words in this language."""
        if location.place_key in self.labels:
            return f"{location.path}:{self.render(location.place_key, dict(location.place_args))}"
        return str(location)

    def problem(self, problem: Problem) -> str:
        """A located line ``file:line:col: severity[code]: message (hint)``, the message in this language (bounded
        and inert, as the English wording a problem keeps: its values come from files and arguments)."""
        text = (f"{self.inert(self.where(problem.location))}: {problem.severity.value}[{problem.code}]: "
                f"{self.inert(self.message(problem))}")
        hint = self.hint(problem) if problem.hint else ""
        if hint:
            text += f" ({self.inert(hint)})"
        return text

    def inert(self, text: str) -> str:
        """``text`` bounded and inert as :func:`riskengine.errors.bounded` makes it, a cut said in this language."""
        return self.cut(bounded(text))

    def cut(self, text: str) -> str:
        """A text cut by :mod:`riskengine.errors` (``… (1,234 characters)``), its length said in this language; a
        text that only looks cut (its length is no more than what it shows: a file's own words) is left as it is."""
        if self.lang == "en" or "characters)" not in text or (found := CUT.search(text)) is None \
                or int(found["n"].replace(",", "")) <= found.start():
            return text
        return text[:found.start()] + self("problemi.abbreviato", n=found["n"].replace(",", "."))
