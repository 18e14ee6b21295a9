"""The view of a result that every format renders: lookups, orderings and groupings, never scores.

Everything here is read from the result (levels and colours from ``metodo.livelli``, counts from
``sintesi``, levels and scores from each process). Ordering a register by level or grouping measures
by unit is presentation; computing a probability, an impact, a level or a count is not done here.
"""

from __future__ import annotations

import re
from typing import Any

from riskengine.report.messages import Messages
from riskengine.report.safety import html_id, safe_colour, text_colour, tint, unique_filenames

STATES = ("inerente", "residuo_programmato", "residuo_monitorato")
ART6_LETTERS = ("a", "b", "c", "d", "e")
_NO_DEADLINE = "9999-99-99"
OBLIGATION_STATES = ("in-ritardo", "incompleto", "da-verificare", "aggiornato")  # most serious first


def natural_key(code: str) -> tuple:
    """``B1.1.10`` after ``B1.1.9``: digits compare as numbers, the rest as text."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", code) if part)


def _deadline_key(measure: dict[str, Any]) -> tuple:
    """Dated measures first (earliest first), then ongoing ones, then those without a deadline."""
    deadline = measure.get("scadenza") or ""
    if deadline and deadline[0].isdigit():
        return (0, deadline, measure["codice"])
    return (1 if deadline == "continua" else 2, _NO_DEADLINE, measure["codice"])


class View:
    """Plain lookups and orderings over a result, for templates and table writers."""

    def __init__(self, result: dict[str, Any], messages: Messages) -> None:
        self.result = result
        self.t = messages
        self.lang = messages.lang
        self.ente = result["ente"]
        self.metodo = result["metodo"]
        self.sintesi = result["sintesi"]
        # An annex with error findings is a draft: marked on every page, never a publication.
        self.draft = bool(self.sintesi.get("criticita_per_gravita", {}).get("error"))
        self.numeric = bool(self.metodo.get("numerico"))
        self.simplified = bool(self.ente.get("regime_semplificato"))
        self.variants = list(self.metodo.get("varianti", []))  # in method order; ``bande`` set: with a level
        self.levels = [self._level(i, lvl) for i, lvl in enumerate(self.metodo["livelli"])]
        self.levels_desc = list(reversed(self.levels))
        self.level = {lvl["codice"]: lvl for lvl in self.levels}
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

    def _level(self, rank: int, level: dict[str, Any]) -> dict[str, Any]:
        colour = safe_colour(level.get("colore"))
        return {"codice": level["codice"], "etichetta": self.t.level(level), "colore": colour,
                "testo": text_colour(colour), "tinta": tint(colour, 0.82), "rango": rank}

    def level_of(self, code: str | None) -> dict[str, Any] | None:
        """The level record (label, colours, rank) of a level code; None when the code is None."""
        if code is None:
            return None
        if code not in self.level:
            colour = safe_colour(None)
            return {"codice": code, "etichetta": code, "colore": colour, "testo": text_colour(colour),
                    "tinta": tint(colour, 0.82), "rango": -1}
        return self.level[code]

    def _register_key(self, p: dict[str, Any]) -> tuple:
        level = self.level.get(p.get("livello") or "", None)
        return (-(level["rango"] if level else -1), p["codice"])

    # -- lookups used by templates ------------------------------------------------------------------------

    def phases(self, p: dict[str, Any]) -> list[dict[str, Any]]:
        """The phases and activities of a process in code order (parents before their children)."""
        return sorted(p.get("fasi", []), key=lambda f: natural_key(f["codice"]))

    def variant_name(self, code: str) -> str:
        """A variant's name as the method writes it (its code for a result without names)."""
        return next((v["nome"] for v in self.variants if v["codice"] == code), code)

    def band_table_name(self, code: str | None) -> str:
        """The name of a band table of the method (its code when unknown)."""
        table = next((b for b in self.metodo.get("bande", []) if b.get("codice") == code), None)
        return f"{table['nome']} ({code})" if table else str(code or "")

    def process_measures(self, p: dict[str, Any], scope: str) -> list[dict[str, Any]]:
        """The measures of a process with ambito ``scope`` (generale/specifica), in the result's order."""
        found = [self.measure[c] for c in p.get("misure", []) if c in self.measure]
        return [m for m in found if (m["ambito"] == "generale") == (scope == "generale")]

    def _finding_ref(self, finding: dict[str, Any]) -> str | None:
        kind, _, code = (finding.get("oggetto") or "").partition(":")
        if kind == "process" and code in self.process:
            return self.process[code]["ref"]
        if kind == "measure" and code in self.measure:
            return self.measure[code]["ref"]
        return None

    # -- groupings ----------------------------------------------------------------------------------------

    def measures_by_unit(self) -> list[dict[str, Any]]:
        """Specific measures per responsible unit or role (lead, supporting, through a collective owner).

        Each list is sorted by deadline; a measure shared by co-responsible units is anchored (``ancora``)
        at its first unit only, so that links reach one place.
        """
        groups = []
        assigned: set[str] = set()
        for unit in self.units:
            lead = []
            for c in unit["misure_responsabile"]:
                if c in self.measure and self.measure[c]["ambito"] != "generale":
                    lead.append(dict(self.measure[c], ancora=c not in assigned))
                    assigned.add(c)
            support = [self.measure[c] for c in unit["misure_supporto"]
                       if c in self.measure and self.measure[c]["ambito"] != "generale"]
            collective = [dict(self.measure[r["misura"]], tramite=r["tramite"], come=r["come"])
                          for r in unit.get("misure_collettive", [])
                          if r["misura"] in self.measure and self.measure[r["misura"]]["ambito"] != "generale"]
            if lead or support or collective:
                groups.append({"unita": unit, "ref": html_id("u", unit["codice"]),
                               "responsabile": sorted(lead, key=_deadline_key),
                               "supporto": sorted(support, key=_deadline_key),
                               "collettivo": sorted(collective, key=_deadline_key)})
        orphans = [dict(m, ancora=True) for m in self.specific_measures if m["codice"] not in assigned]
        if orphans:
            groups.append({"unita": None, "ref": "u-senza-responsabile",
                           "responsabile": sorted(orphans, key=_deadline_key), "supporto": [], "collettivo": []})
        return groups

    def monitoring_plan(self) -> list[dict[str, Any]]:
        """One row per process with a monitoring requirement: by priority, then level (highest first), then code."""
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
        for letter in ART6_LETTERS:
            area = next((a for a in self.areas if a.get("lettera_art6") == letter), None)
            processes = [p for p in self.processes if p.get("art6") == letter]
            codes: list[str] = []
            for p in processes:
                codes += [c for c in p.get("misure", []) if c not in codes]
            specific = [self.measure[c] for c in sorted(codes) if c in self.measure
                        and self.measure[c]["ambito"] != "generale"]
            groups.append({"lettera": letter, "area": area, "processi": processes, "misure": specific})
        return groups

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
