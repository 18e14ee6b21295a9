"""The view of a result that every format renders: lookups, orderings and groupings, never scores.

Everything here is read from the result (levels and colours from ``metodo.livelli``, counts from
``sintesi``, levels and scores from each process). Ordering a register by level or grouping measures
by unit is presentation; computing a probability, an impact, a level or a count is not done here.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from riskengine.i18n import Text, catalogue, indicator_reference, lowered
from riskengine.report.messages import Messages
from riskengine.report.safety import html_id, safe_colour, text_colour, tint, unique_filenames

STATES = ("inerente", "residuo_programmato", "residuo_monitorato")
ART6_LETTERS = ("a", "b", "c", "d", "e")
_NO_DEADLINE = "9999-99-99"
OBLIGATION_STATES = ("in-ritardo", "incompleto", "da-verificare", "aggiornato")  # most serious first


# The descriptions the engine writes into a trace, by the rule of the step: the keys (spiegazione.passo.*) of the
# Italian forms they are written in, tried in order.
_STEP_FORMS = (("dimensioni.", ("dimensione",)), ("combinazione: prodotto", ("prodotto",)),
               ("combinazione.varianti.", ("variante",)), ("valutazione.aggregazione_processo:", ("elementi",)),
               ("bande:", ("fascia",)), ("griglia:", ("griglia",)),
               ("residuo: efficacia-", ("migliore", "prodotto_efficacie", "senza_misure")),
               ("residuo: nessuno", ("non_riduce", "senza_misure")), ("residuo: gradino", ("gradino",)),
               ("valutazione.residuo", ("rivalutazione",)))
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# A band row's interval as the result holds it (riskengine.method.load): its edges, ISO numbers, joined by "e".
_INTERVAL = re.compile(r"(?P<da>[≥>]) (?P<minimo>\S+) e (?P<a>[≤<]) (?P<massimo>\S+)")


@functools.cache
def _step_patterns() -> tuple[dict[str, re.Pattern[str]], dict[str, str]]:
    """The Italian form of each step description as a pattern with its parts named, and the Italian name of each
    aggregation by operator (its parts are read against these names, so that a ": " in a variant's name stays)."""
    italian = catalogue("it")
    names = {key.rsplit(".", 1)[1]: text for key, text in italian.items()
             if key.startswith("spiegazione.aggregazione.")}
    any_name = "|".join(re.escape(n) for n in sorted(names.values(), key=len, reverse=True))
    patterns = {}
    for key, text in italian.items():
        if key.startswith("spiegazione.passo."):
            pieces = _PLACEHOLDER.split(text)  # literal, name, literal, name, …
            regex = "".join(re.escape(piece) if i % 2 == 0 else
                            f"(?P<{piece}>{any_name})" if piece.startswith("aggregazione") else f"(?P<{piece}>.+?)"
                            for i, piece in enumerate(pieces))
            patterns[key.rsplit(".", 1)[1]] = re.compile(regex, re.S)
    return patterns, {text: operator for operator, text in names.items()}


def natural_key(code: str) -> tuple:
    """``B1.1.10`` after ``B1.1.9``: digits compare as numbers, the rest as text."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", code) if part)


def _deadline_key(measure: dict[str, Any]) -> tuple:
    """Dated measures first (earliest first), then ongoing ones, then those without a deadline."""
    deadline = measure.get("scadenza") or ""
    if deadline and deadline[0].isdigit():
        return (0, deadline, measure["codice"])
    return (1 if deadline == "continua" else 2, _NO_DEADLINE, measure["codice"])


class TraceWords:
    """How a calculation trace reads in one language (the annex's trace table and ``explain`` alike).

    Numbers and dates in the language's form; the band table of a band step by its name, an indicator by its
    name where its code is an identifier (``P1`` stays ``P1``), and a result that is a level by the level's
    label. Free text (a policy's description, a re-rating's motivation) is never reworded otherwise: a word in
    it that happens to be a code stays as written.
    """

    def __init__(self, metodo: dict[str, Any], t: Text) -> None:
        self.t = t
        self.bands = {b["codice"]: b["nome"] for b in metodo.get("bande", []) if b.get("nome")}
        self.levels = {lvl["codice"]: t.level(lvl) for lvl in metodo["livelli"]}
        self.variants = {v["codice"]: v["nome"] for v in metodo.get("varianti", []) if v.get("nome")}
        # only the words: the result keeps the codes, so its digest does not change with how a trace reads
        self.indicators = {i["codice"]: indicator_reference(i["codice"], i["nome"])
                           for i in metodo.get("indicatori", [])}
        # A result's processes share most of their steps (one object each): each is worded once. Keyed by id,
        # with the step kept, so that the id is never another's.
        self._rows: dict[int, tuple[dict[str, Any], tuple[str, str, str]]] = {}

    def row(self, step: dict[str, Any]) -> tuple[str, str, str]:
        """The step's description, result and values, as a row of the annex's trace table shows them."""
        found = self._rows.get(id(step))
        if found is None:
            found = self._rows[id(step)] = (step, (self.description(step), self.result(step),
                                                   self.values(step.get("valori") or {})))
        return found[1]

    def description(self, step: dict[str, Any]) -> str:
        """The step's description in the language: what the engine writes (``fascia 'nuovi-indici', riga 2: ≥ 4.01
        e ≤ 9``) read back from its Italian form and worded again (the band table by its name); an author's text
        (a policy's description) as written, its numbers and dates in the language's form."""
        text = str(step.get("descrizione", ""))
        rule = str(step.get("regola", ""))
        # a policy's description is its author's, whatever its rule is named
        forms = () if step.get("passo") == "politica" else next(
            (keys for start, keys in _STEP_FORMS if rule.startswith(start)), ())
        patterns, operators = _step_patterns()
        for key in forms:
            found = patterns[key].fullmatch(text)
            if found is not None:
                return self.t(f"spiegazione.passo.{key}", **{name: self._part(name, value, operators)
                                                              for name, value in found.groupdict().items()})
        return self.text(text)

    def _part(self, name: str, value: str, operators: dict[str, str]) -> str:
        """A part of an engine's description in the language: an aggregation and a grid's scale value by their
        names, a band table by its name (its code as written: a code may hold a date), the rest as text."""
        if name.startswith("aggregazione"):
            return self.t(f"spiegazione.aggregazione.{operators[value]}")
        if name == "tabella":
            return self.bands.get(value, value)
        if name == "indicatori":  # the codes the engine joins with ", ", each as its reader knows it
            return ", ".join(self.indicators.get(code, code) for code in value.split(", "))
        if name in ("probabilita", "impatto") and self.t.has(f"valori.scala.{value}"):  # else the method's code
            return lowered(self.t.value("scala", value))
        if name == "motivazione" and value == "senza motivazione":
            return self.t("spiegazione.passo.senza_motivazione")
        return self.text(value)

    def result(self, step: dict[str, Any]) -> str:
        """The step's result: a level by its label when the step finds a level (a band, the grid, a residual or
        a re-rating: the steps of a state, which have no ``passo``), a policy's consequences and a residual by
        steps down the scale worded in the language, any other as written."""
        result = str(step.get("risultato", ""))
        if step.get("passo") == "politica":
            return self.t.consequences(result)
        if "passo" not in step:
            if result in self.levels:
                return self.levels[result]
            if step.get("regola") == "residuo: gradino":
                return self.t.steps_down(result, self.levels) or self.text(result)
        return self.text(result)

    def values(self, values: dict[str, Any]) -> str:
        """The step's values (``valori``): ``Probabilità = 3,83, Impatto = 2,50`` (an indicator as its reader knows
        it, another code as written, the trace's own names by their words, numbers in the language's form)."""
        return ", ".join(f"{self.indicators.get(name) or self.t.value('passo', name)} = {self.text(str(value))}"
                         for name, value in values.items())

    def text(self, text: str) -> str:
        """Text the trace writes, its numbers and dates in the language's form (nothing else reworded)."""
        return self.t.prose(text) if "." in text or "-" in text else text  # most values: whole numbers or codes


# The colours of an earlier method's levels, lowest first: greys, darker up the scale, told apart from the method's.
_FORMER_GREYS = ("#d6d6d6", "#b0b0b0", "#8a8a8a", "#646464", "#3e3e3e")


class MethodView:
    """The lookups of a result's method (``metodo``) in one language: its levels, variants and band intervals.

    What the arithmetic of one process reads (``explain``); :class:`View` adds the rest of the result.
    """

    def __init__(self, metodo: dict[str, Any], messages: Messages) -> None:
        self.t = messages
        self.lang = messages.lang
        self.metodo = metodo
        self.numeric = bool(metodo.get("numerico"))
        self.variants = list(metodo.get("varianti", []))  # in method order; ``bande`` set: with a level
        self.levels = [self._level(i, lvl) for i, lvl in enumerate(metodo["livelli"])]
        self.level = {lvl["codice"]: lvl for lvl in self.levels}

    def _level(self, rank: int, level: dict[str, Any]) -> dict[str, Any]:
        colour = safe_colour(level.get("colore"))
        return {"codice": level["codice"], "etichetta": self.t.level(level), "colore": colour,
                "testo": text_colour(colour), "tinta": tint(colour, 0.82), "rango": rank}

    def level_of(self, code: str | None) -> dict[str, Any] | None:
        """The level record (label, colours, rank) of a level code; None when the code is None."""
        if code is None:
            return None
        if code not in self.level:  # a code of no method known here: labelled by itself
            colour = safe_colour(None)
            return {"codice": code, "etichetta": code, "colore": colour, "testo": text_colour(colour),
                    "tinta": tint(colour, 0.82), "rango": -1}
        return self.level[code]

    def interval(self, text: str) -> str:
        """A band row's interval in the language ("≥ 4.01 e ≤ 9": "≥ 4,01 e ≤ 9", "≥ 4.01 and ≤ 9")."""
        found = _INTERVAL.fullmatch(text)
        if found is None:
            return self.t.prose(text)
        return self.t("metodo.intervallo", da=found["da"], minimo=self.t.number(found["minimo"]), a=found["a"],
                      massimo=self.t.number(found["massimo"]))

    def variant_name(self, code: str) -> str:
        """A variant's name as the method writes it (its code for a result without names)."""
        return next((v["nome"] for v in self.variants if v["codice"] == code), code)


class View(MethodView):
    """Plain lookups and orderings over a result, for templates and table writers."""

    def __init__(self, result: dict[str, Any], messages: Messages, *, edition: str = "completa") -> None:
        super().__init__(result["metodo"], messages)
        self.result = result
        # "pubblicazione": what a citizen reads (no findings, trace, file names, digests or internal codes);
        # "completa": everything, for the RPCT and the OIV.
        self.edition = edition
        self.publication = edition == "pubblicazione"
        self.ente = result["ente"]
        self.sintesi = result["sintesi"]
        # An annex with error findings is a draft: marked on every page, never a publication.
        self.draft = bool(self.sintesi.get("criticita_per_gravita", {}).get("error"))
        self.simplified = bool(self.ente.get("regime_semplificato"))
        self.trace = TraceWords(self.metodo, messages)
        self.levels_desc = list(reversed(self.levels))
        self._former_levels(result.get("storico") or {})
        self.areas = list(result["aree"])
        self.area = {a["codice"]: a for a in self.areas}
        self.units = list(result["unita"])
        self.unit = {u["codice"]: u for u in self.units}

        codes = [p["codice"] for p in result["processi"]]
        files = unique_filenames(codes)
        self.processes = [dict(p, ref=html_id("p", p["codice"]), file=files[p["codice"]]) for p in result["processi"]]
        self.process = {p["codice"]: p for p in self.processes}
        self.register = sorted(self.processes, key=self._register_key)
        self.scored = any(p.get("valutato") for p in self.processes)

        self.measures = [dict(m, ref=html_id("m", m["codice"])) for m in result["misure"]]
        self.measure = {m["codice"]: m for m in self.measures}
        self.general_measures = [m for m in self.measures if m["ambito"] == "generale"]
        self.specific_measures = [m for m in self.measures if m["ambito"] != "generale"]
        self.findings = [dict(f, ref=self._finding_ref(f)) for f in result["criticita"]]
        # The schedule of publication obligations (absent when the catalogue has no trasparenza.yaml).
        self.transparency = result.get("trasparenza")
        obligations = self.transparency["obblighi"] if self.transparency else []
        self.obligations = [dict(o, ref=html_id("o", o["codice"])) for o in obligations]
        self.obligation = {o["codice"]: o for o in self.obligations}

    # -- levels -------------------------------------------------------------------------------------------

    def _former_levels(self, history: dict[str, Any]) -> None:
        """The levels of earlier years' methods with other level codes (the changes and the trend name them).

        ``former_level``: each by its scale (its method's codes) and code, labelled as an earlier method's and in
        greys, also where the method has a level of that code (pna2013's 'alto' is its highest, pna2019's is not);
        ``trend_levels``: the method's levels, then those of each earlier scale, lowest first, as the trend stacks them.
        """
        self._own_scale = tuple(self.level)
        changes = history.get("cambiamenti") or {}
        scales = [*(year.get("livelli", []) for year in history.get("anni", [])), changes.get("livelli_da", [])]
        self.former_level: dict[tuple[tuple[str, ...], str], dict[str, Any]] = {}
        for scale in scales:
            key = self._scale(scale)
            for i, lvl in enumerate(scale if key else []):
                if (key, lvl["codice"]) not in self.former_level:
                    colour = _FORMER_GREYS[min(i * len(_FORMER_GREYS) // len(scale), len(_FORMER_GREYS) - 1)]
                    label = self.t("storico.livello_precedente", etichetta=self.t.level(lvl))
                    self.former_level[key, lvl["codice"]] = {
                        "codice": lvl["codice"], "etichetta": label, "colore": colour, "testo": text_colour(colour),
                        "tinta": tint(colour, 0.82), "rango": -1, "scala": key}
        self._earlier_scale = self._scale(changes.get("livelli_da", []))  # empty: the changes compare on one scale
        self.trend_levels = self.levels + list(self.former_level.values())
        self.trend_levels_desc = list(reversed(self.trend_levels))

    def _scale(self, levels: list[dict[str, Any]]) -> tuple[str, ...]:
        """A scale of levels by its codes, lowest first; empty for the method's own (or none given)."""
        codes = tuple(lvl["codice"] for lvl in levels)
        return () if codes == self._own_scale else codes

    def earlier_level_of(self, code: str | None) -> dict[str, Any] | None:
        """The level record of a code of the changes' earlier year (an earlier method's when its scale differs)."""
        if code is not None and (self._earlier_scale, code) in self.former_level:
            return self.former_level[self._earlier_scale, code]
        return self.level_of(code)

    def trend_count(self, year: dict[str, Any], level: dict[str, Any]) -> int | None:
        """Processes of ``year`` (``storico.anni``) at ``level`` of ``trend_levels``; None when the level is of
        another scale than the year's (a year assessed with other levels counts by its own)."""
        if self._scale(year.get("livelli", [])) != level.get("scala", ()):
            return None
        return int(year.get("per_livello", {}).get(level["codice"], 0))

    def _register_key(self, p: dict[str, Any]) -> tuple:
        level = self.level.get(p.get("livello") or "", None)
        return (-(level["rango"] if level else -1), p["codice"])

    # -- lookups used by templates ------------------------------------------------------------------------

    def phases(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        """The phases and activities of a process in code order (parents before their children)."""
        return sorted(p.get("fasi", []), key=lambda f: natural_key(f["codice"]))

    def event_rows(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        """The risk events of a process, each with the measures that treat it other than those applying to every
        process (``misure``: measure record, how it reaches the event, efficacy) and whether one treats it.

        A result written before events carried their measures gives them without measures, counted as treated.
        """
        rows = []
        for event in p.get("eventi", []):
            treating = [dict(m, misura=self.measure[m["codice"]]) for m in event.get("misure", [])
                        if m["tramite"] != "tutti" and m["codice"] in self.measure]
            rows.append(dict(event, misure=treating, trattato=event.get("trattato", True)))
        return rows

    def with_event_register(self, sections: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
        """``sections`` with the register per risk event after the register per process, when the method asks for
        it (``metodo.eventi.registro``) and the processes are scored."""
        if not (self.metodo.get("eventi") or {}).get("registro") or not self.scored:
            return sections
        at = next((i + 1 for i, s in enumerate(sections) if s[0] == "registro"), len(sections))
        return [*sections[:at], ("registro-eventi", self.t("eventi.registro_titolo"), "registro_eventi.html.j2"),
                *sections[at:]]

    def event_register(self) -> list[dict[str, Any]]:
        """One row per risk event, in the order of the register per process (highest level first), then in file
        order within the process: the event with its measures (``event_rows``) and its process."""
        return [dict(event, processo=p) for p in self.register for event in self.event_rows(p)]

    def universal_measures(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        """The measures of a process that apply to every process (``tratta: tutti``)."""
        return [m for m in self.process_measures(p, "generale") + self.process_measures(p, "specifica")
                if m.get("tratta_tutti")]

    def band_table_name(self, code: str | None) -> str:
        """The name of a band table of the method (its code when unknown)."""
        table = next((b for b in self.metodo.get("bande", []) if b.get("codice") == code), None)
        return f"{table['nome']} ({code})" if table else str(code or "")

    def register_areas(self) -> list[dict[str, Any]]:
        """The areas holding a process of the register, in the catalogue's order (the register's area filter)."""
        used = {a["codice"] for p in self.processes for a in p.get("aree", [])}
        return [a for a in self.areas if a["codice"] in used]

    def register_units(self) -> list[dict[str, Any]]:
        """The units owning a process of the register, by name (the register's unit filter)."""
        owners = {p["unita"]["codice"]: p["unita"] for p in self.processes if p.get("unita")}
        return sorted(owners.values(), key=lambda u: (u["nome"], u["codice"]))

    def sort_key(self, state: dict[str, Any] | None) -> str:
        """The register's sort key of a risk state: its score, else its level's rank ("" when none)."""
        if not state:
            return ""
        if state.get("rischio") is not None:
            return str(state["rischio"])
        level = self.level.get(state.get("livello") or "")
        return str(level["rango"]) if level else ""

    def band_keys(self) -> list[tuple[str, dict[str, Any]]]:
        """The method's band tables with a short key ("I", "II", …) when it has several, else []."""
        tables = self.metodo.get("bande", [])
        if len(tables) < 2:
            return []
        numerals = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")
        return [(numerals[i] if i < len(numerals) else str(i + 1), b) for i, b in enumerate(tables)]

    def band_key(self, code: str | None) -> str:
        """The short key of a band table (see :meth:`band_keys`); '' when the method has one table."""
        return next((key for key, b in self.band_keys() if b.get("codice") == code), "")

    def band_table_label(self, code: str | None) -> str:
        """A band table as the edition shows it: its name, and its code in the complete edition only."""
        if not self.publication:
            return self.band_table_name(code)
        table = next((b for b in self.metodo.get("bande", []) if b.get("codice") == code), None)
        return str(table["nome"]) if table else str(code or "")

    def process_measures(self, p: dict[str, Any], scope: str) -> list[dict[str, Any]]:
        """The measures of a process with ambito ``scope`` (generale/specifica), in the result's order."""
        found = [self.measure[c] for c in p.get("misure", []) if c in self.measure]
        return [m for m in found if (m["ambito"] == "generale") == (scope == "generale")]

    def subject(self, finding: dict[str, Any]) -> str:
        """What a finding is about, by its kind's label and code ("Misura MS08"; the result holds measure:MS08)."""
        subject = finding.get("oggetto") or ""
        kind, _, code = subject.partition(":")
        return f"{self.t.value('nodo', kind)} {code}" if code and self.t.has(f"valori.nodo.{kind}") else subject

    def _finding_ref(self, finding: dict[str, Any]) -> str | None:
        kind, _, code = (finding.get("oggetto") or "").partition(":")
        if kind == "process" and code in self.process:
            return self.process[code]["ref"]
        if kind == "measure" and code in self.measure:
            return self.measure[code]["ref"]
        return None

    # -- groupings ----------------------------------------------------------------------------------------

    def org_chart(self) -> list[tuple[dict[str, Any], int]]:
        """Units and roles in the order of the organisation chart: each after its parent (``padre``), siblings
        in the order of units.yaml; with their depth. Those whose parent is missing (or in a cycle) come last."""
        children: dict[str | None, list[dict[str, Any]]] = {}
        for unit in self.units:
            parent = unit.get("padre")
            children.setdefault(parent if parent in self.unit else None, []).append(unit)
        ordered: list[tuple[dict[str, Any], int]] = []
        seen: set[str] = set()
        stack = [(u, 0) for u in reversed(children.get(None, []))]
        while stack:
            unit, depth = stack.pop()
            if unit["codice"] in seen:
                continue
            seen.add(unit["codice"])
            ordered.append((unit, depth))
            stack += [(c, depth + 1) for c in reversed(children.get(unit["codice"], []))]
        ordered += [(u, 0) for u in self.units if u["codice"] not in seen]
        return ordered

    def unit_dossiers(self) -> list[dict[str, Any]]:
        """Per unit or role, in organisation-chart order: every measure it leads, supports or receives through a
        collective role (general ones included), overdue first and then by deadline; the processes it owns; its
        implementation figures (``sintesi.attuazione.per_unita``, when the result has them).

        Units with nothing to do are left out. A measure shared by co-responsible units is anchored (``ancora``)
        at its first unit only, so that links reach one place.
        """
        per_unit = (self.sintesi.get("attuazione") or {}).get("per_unita", {})
        files = unique_filenames([u["codice"] for u in self.units])
        dossiers = []
        anchored: set[str] = set()
        for unit, depth in self.org_chart():
            code = unit["codice"]
            items: dict[str, dict[str, Any]] = {}
            for c in unit["misure_responsabile"]:
                if c in self.measure:
                    # general measures are anchored in their own table
                    first = c not in anchored and self.measure[c]["ambito"] != "generale"
                    items[c] = dict(self.measure[c], ruolo="responsabile", ancora=first)
                    anchored.add(c)
            for c in unit["misure_supporto"]:
                if c in self.measure and c not in items:
                    items[c] = dict(self.measure[c], ruolo="supporto", ancora=False)
            for r in unit.get("misure_collettive", []):
                if r["misura"] in self.measure and r["misura"] not in items:
                    items[r["misura"]] = dict(self.measure[r["misura"]], ruolo="collettivo", tramite=r["tramite"],
                                              come=r["come"], ancora=False)
            processes = [self.process[c] for c in unit["processi"] if c in self.process]
            if not items and not processes:
                continue
            measures = sorted(items.values(), key=lambda m: (not m.get("scaduta"), _deadline_key(m)))
            dossiers.append({"unita": unit, "livello": depth, "ref": html_id("u", code), "file": files[code],
                             "misure": measures, "scadute": sum(1 for m in measures if m.get("scaduta")),
                             "generali": sum(1 for m in measures if m["ambito"] == "generale"),
                             "processi": processes, "attuazione": per_unit.get(code)})
        orphans = [dict(m, ruolo="responsabile", ancora=True) for m in self.specific_measures
                   if m["codice"] not in anchored]
        if orphans:  # only in a result written by hand: an assessed catalogue names every owner
            dossiers.append({"unita": None, "livello": 0, "ref": "u-senza-responsabile", "file": None,
                             "misure": sorted(orphans, key=_deadline_key), "processi": [], "attuazione": None,
                             "scadute": sum(1 for m in orphans if m.get("scaduta")), "generali": 0})
        return dossiers

    def monitoring_plan(self) -> list[dict[str, Any]]:
        """The rows of the monitoring plan as the tables write them (process, measures, mode, priority).

        When the method selects the checks, they are the selected ones in the plan's order (an activity is
        written after its process's name); otherwise one row per process with a monitoring requirement, by
        priority, then level (highest first), then code.
        """
        selected = self.selected_checks()
        if selected is not None:
            return [{"processo": dict(r["processo"], nome=f"{r['processo']['nome']} – {r['nome']}")
                     if r["fase"] else r["processo"], "misure": r["misure"], "priorita": r["processo"].get("priorita"),
                     "monitoraggio": {"modalita": r["modalita"], "periodicita": r["periodicita"],
                                      "livello": r["livello_verifica"],
                                      "regola": f"piano_monitoraggio/{r['selezione']}"}}
                    for r in selected]
        rows = []
        for p in self.processes:
            mon = p.get("monitoraggio")
            if not mon:
                continue
            priority = (p.get("priorita") or {}).get("valore")
            rows.append({"processo": p, "misure": self.process_measures(p, "specifica"), "monitoraggio": mon,
                         "priorita": p.get("priorita"),
                         "key": (priority if priority is not None else 99,) + self._register_key(p)})
        return sorted(rows, key=lambda r: r["key"])

    def selected_checks(self) -> list[dict[str, Any]] | None:
        """The checks the method selected (``piano_monitoraggio``), in the plan's order, each with its process and
        measure records; None when the plan is one row per process (the policies' cadence)."""
        plan = self.result.get("piano_monitoraggio")
        if not plan:
            return None
        rows = []
        for row in plan["righe"]:
            process = self.process.get(row["processo"], {"codice": row["processo"], "nome": row["nome"]})
            measures = [self.measure[c] for c in row["misure"] if c in self.measure]
            rows.append(dict(row, processo=process, misure=measures))
        return rows

    def level_labels(self, codes: list[str]) -> str:
        """Level labels joined as a reader writes them (``Medio o Medio-alto``)."""
        labels = [self.level_of(c)["etichetta"] for c in codes]  # type: ignore[index]
        if len(labels) < 2:
            return "".join(labels)
        return ", ".join(labels[:-1]) + self.t("monitoraggio.o") + labels[-1]

    def selection_count(self, selection: dict[str, Any]) -> str:
        """How many a selection checks, in words of the annex's language (per area and/or in all)."""
        parts = []
        if selection.get("per_area") is not None:
            parts.append(self.t("monitoraggio.per_area", n=selection["per_area"]))
        if selection.get("numero") is not None:
            parts.append(self.t("monitoraggio.in_tutto", n=selection["numero"]))
        return self.t("monitoraggio.e").join(parts)

    def verified_measures(self) -> list[dict[str, Any]]:
        """Measures with planned verifications in the monitoring of the year."""
        return [m for m in self.measures if m.get("verifiche_previste") is not None]

    def distribution(self) -> list[dict[str, Any]]:
        """``sintesi.per_area`` as rows (area, counts per level in the method's order)."""
        rows = []
        for code, counts in self.sintesi.get("per_area", {}).items():
            area = self.area.get(code, {"codice": code, "nome": code})
            rows.append({"area": area, "conteggi": [(lvl, counts.get(lvl["codice"], 0)) for lvl in self.levels],
                         "totale": sum(counts.values())})
        return rows

    def level_counts(self, state: str) -> list[tuple[dict[str, Any], int]]:
        """``sintesi.per_livello[state]`` in the method's order."""
        counts = self.sintesi.get("per_livello", {}).get(state, {})
        return [(lvl, counts.get(lvl["codice"], 0)) for lvl in self.levels]

    def art6_groups(self) -> list[dict[str, Any]]:
        """Processes and measures per art. 6 area (letters a–e), for the simplified regime."""
        groups = []
        anchored: set[str] = set()  # a measure of several letters is anchored at its first one (``ancora``)
        for letter in ART6_LETTERS:
            area = next((a for a in self.areas if a.get("lettera_art6") == letter), None)
            processes = [p for p in self.processes if p.get("art6") == letter]
            codes: list[str] = []
            for p in processes:
                codes += [c for c in p.get("misure", []) if c not in codes]
            specific = [dict(self.measure[c], ancora=c not in anchored) for c in sorted(codes) if c in self.measure
                        and self.measure[c]["ambito"] != "generale"]
            anchored.update(m["codice"] for m in specific)
            name = area["nome"] if area else self.t(f"art6.lettera_{letter}")  # the area, or the letter's own words
            groups.append({"lettera": letter, "area": area, "nome": name, "processi": processes, "misure": specific})
        return groups

    def simplified_sections(self) -> list[tuple[str, str, str]]:
        """The sections of the annex under 50 staff (DM 132/2022 art. 6): the process map (with levels when the
        method scores), the measures per art. 6 area with the general ones, the general measures' table, and
        the publication obligations, and (complete edition) the findings and technical note. (id, title, template)."""
        t = self.t
        sections = [("mappatura", t("mappatura.titolo"), "mappatura.html.j2"),
                    ("misure-art6", t("art6.titolo"), "misure_art6.html.j2"),
                    ("misure-generali", t("generali.titolo"), "misure_generali.html.j2")]
        if self.transparency:
            sections.append(("trasparenza", t("trasparenza.titolo"), "trasparenza.html.j2"))
        if self.publication:  # findings and the technical note are for the RPCT and the OIV
            return sections
        if self.findings:
            sections.append(("criticita", t("criticita.titolo"), "criticita.html.j2"))
        sections.append(("nota-tecnica", t("nota.titolo"), "nota_tecnica.html.j2"))
        return sections

    def process_map(self) -> list[dict[str, Any]]:
        """The process map in code order (simplified regime)."""
        return sorted(self.processes, key=lambda p: p["codice"])

    def tree_name(self, item: dict[str, Any]) -> str:
        """The name of a section or sub-section of the official tree in the annex's language."""
        return str(item["nome_en"] if self.lang == "en" and item.get("nome_en") else item["nome"])

    def transparency_sections(self) -> list[dict[str, Any]]:
        """The official tree in its order: each section with its sub-sections, their obligations (records)
        and the reason a section or sub-section does not apply."""
        if not self.transparency:
            return []
        sections = []
        for section in self.transparency["sezioni"]:
            subsections = [dict(sub, obblighi=[self.obligation[c] for c in sub["obblighi"]])
                           for sub in section["sottosezioni"]]
            sections.append(dict(section, sottosezioni=subsections, ref=html_id("t", section["codice"]),
                                 obblighi=sum(len(sub["obblighi"]) for sub in subsections)))
        return sections

    def transparency_rows(self) -> list[dict[str, Any]]:
        """One row per obligation, and one per sub-section that does not apply, in the order of the tree."""
        rows = []
        for section in self.transparency_sections():
            for sub in section["sottosezioni"]:
                rows += [{"sezione": section, "sottosezione": sub, "obbligo": o} for o in sub["obblighi"]]
                if not sub["obblighi"] and sub["non_applicabile"] is not None:
                    rows.append({"sezione": section, "sottosezione": sub, "obbligo": None})
        return rows

    def duties_by_unit(self) -> list[dict[str, Any]]:
        """Per unit or role: the obligations whose data it transmits and those it publishes (tree order)."""
        groups = []
        for unit in self.units:
            transmits = [self.obligation[c] for c in unit.get("obblighi_trasmissione", []) if c in self.obligation]
            publishes = [self.obligation[c] for c in unit.get("obblighi_pubblicazione", []) if c in self.obligation]
            if transmits or publishes:
                groups.append({"unita": unit, "trasmissione": transmits, "pubblicazione": publishes})
        return groups

    def transparency_states(self) -> list[tuple[str, int]]:
        """``sintesi.trasparenza.per_stato`` from the most to the least serious."""
        counts = self.sintesi.get("trasparenza", {}).get("per_stato", {})
        return [(state, counts.get(state, 0)) for state in OBLIGATION_STATES]

    def severity_counts(self) -> list[tuple[str, int]]:
        """``sintesi.criticita_per_gravita`` from the most to the least serious."""
        counts = self.sintesi.get("criticita_per_gravita", {})
        return [(g, counts.get(g, 0)) for g in ("error", "warning", "info")]
