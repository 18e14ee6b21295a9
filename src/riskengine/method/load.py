"""Load a method directory (method.yaml + policies.yaml), check it statically and compile it.

Static checks refuse, with file and line: band tables with gaps or overlaps after rounding, rows with
inverted edges, levels that go down as the score grows, edges finer than the rounding precision, grids
that are not complete or repeat a cell, averages of ordinal judgements, weights that do not add up to
100, unknown scales, repeated or unknown levels or fields, duplicated or unreachable rules, and rule
sets that exceed what durable-rules can execute safely. One mistake is said once: not again through
what only follows from it (the gaps beside an inverted row, the references a repeated level may stand for).
"""

from __future__ import annotations

import hashlib
import itertools
import operator
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import cached_property
from pathlib import Path
from typing import Any

from riskengine.catalog.models import CLASSI_AREA, TIPOLOGIE
from riskengine.errors import Location, Problem, RiskengineError, Severity
from riskengine.i18n import refuse, said
from riskengine.method import expr
from riskengine.method.arithmetic import decimals, quantum
from riskengine.method.models import Azione, Indicatore, MethodFile, PoliciesFile, Precisione, Scala
from riskengine.source.document import Document, load_yaml, read_file
from riskengine.source.validate import validate_document
from riskengine.suggest import closest, did_you_mean

MAX_RULES_PER_RULESET = 1000
MAX_ALTERNATIVES_PER_RULE = 64
MAX_EQUALITY_BRANCHES = 256
MAX_FACT_PROPERTIES = 200
COUNT_FIELDS = ("misure", "misure_generali", "misure_specifiche", "misure_attuate", "misure_specifiche_attuate",
                "misure_scadute", "eventi", "fasi", "motivazioni_mancanti")
BOOL_FIELDS = ("motivazione", "in_convenzione", "art6", "regime_semplificato", "residuo_sopra_inerente",
               "residuo_senza_misure", "rivalutato")
TEXT_FIELDS = ("codice", "area", "classe_area", "unita")
ENGINE_PROPERTIES = ("t", "id", "sid")
"""Fact properties every engine fact carries: its type (ours), its id and context (durable-rules')."""
FACT_FIELDS = frozenset((*ENGINE_PROPERTIES, *TEXT_FIELDS, *COUNT_FIELDS, *BOOL_FIELDS, "livello", "livello_residuo",
                         "livello_monitorato", "probabilita", "impatto", "rischio", "rischio_residuo",
                         "rischio_monitorato"))
"""The names a process fact has whatever the method: no indicator or variant may bring in one of them."""
ENGINE_OPERATORS = ("$and", "$or", "$lt", "$lte", "$gt", "$gte", "$eq", "$neq", "$mt", "$imt", "$iall", "$iany",
                    "$ex", "$nex", "$i", "$s", "$m", "$l", "$r", "$add", "$sub", "$mul", "$div")
"""Names durable-rules recognises in a match by their hash (rete.c, events.c): a field hashing alike is misread."""
_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
# What str.format would read as a field and a message does not: {}, {0}, {codice.x}, {codice[0]}, {codice:>9},
# {codice!r}. Other braces ({art. 36}, {{livello}}) are text, printed as written.
_FORMAT_FIELD = re.compile(r"\{(?:\d*|[A-Za-z_]\w*(?:\.[A-Za-z_][^{}]*|\[[^{}]*\]|![rsa][^{}]*|:[^{}\s][^{}]*))\}")
SCALE_TYPE = "problemi.condizione.tipo.scala"
"""The key that words the type of a field holding an answer on an ordinal scale (its ``arg``: the scale)."""
NAME_PLACEHOLDER = "nome"
"""A finding's message writes the process's name as ``{nome}``: an indicator so named could not be written there."""


@dataclass(frozen=True)
class BandRow:
    """A compiled band row: the closed range of rounded scores, in quantum steps, that gets ``level``."""

    rule_id: str
    lo: int
    hi: int
    level: str
    location: Location
    text: str


@dataclass(frozen=True)
class _Span:
    """Where a band row sits among the scores, in quantum steps, for the checks of its table."""

    index: int  # the row's place in its table
    lo: int
    hi: int
    level: str
    inverted: bool = False  # its edges were written the wrong way round: placed as if exchanged


def _steps(edge: Decimal, digits: int, rounding: str) -> int:
    """An edge in steps of scores at ``digits`` decimals, rounded as said (shifting the point is exact)."""
    return int(edge.scaleb(digits).to_integral_value(rounding=rounding))


def _first_step(name: str, edge: Decimal, digits: int) -> int:
    """The first rounded score (in steps) a lower edge lets in: ``da`` (inclusive) or ``oltre`` (exclusive).

    Exact for an edge finer than the scores too: ``da: 9.001`` lets in 9.01 first, not 9.00.
    """
    return _steps(edge, digits, ROUND_CEILING) if name == "da" else _steps(edge, digits, ROUND_FLOOR) + 1


def _last_step(name: str, edge: Decimal, digits: int) -> int:
    """The last rounded score (in steps) an upper edge lets in: ``a`` (inclusive) or ``sotto`` (exclusive)."""
    return _steps(edge, digits, ROUND_FLOOR) if name == "a" else _steps(edge, digits, ROUND_CEILING) - 1


@dataclass(frozen=True)
class BandTable:
    """A compiled band table (unique hit policy, checked)."""

    code: str
    name: str
    rows: tuple[BandRow, ...]
    digits: int  # the precision of the scores it classifies (the finest of the risk's and its variants')


@dataclass(frozen=True)
class GridCell:
    """One cell of a P × I grid."""

    rule_id: str
    p: str
    i: str
    level: str
    location: Location


@dataclass(frozen=True)
class PolicyRule:
    """A compiled when → then rule."""

    rule_id: str
    table: str
    code: str
    description: str
    text: str
    condition: expr.Cond
    actions: tuple[Azione, ...]
    priority: int
    order: int
    location: Location

    @cached_property
    def fields(self) -> tuple[str, ...]:
        """The fact fields the rule's condition reads, sorted."""
        return tuple(sorted(expr.fields_of(self.condition)))


@dataclass(frozen=True)
class PolicyTable:
    """A decision table of policy rules with its hit policy."""

    code: str
    hit: str
    rules: tuple[PolicyRule, ...]


@dataclass
class Method:
    """A validated, compiled method: everything evaluation needs, nothing read from files later."""

    name: str
    root: Path
    model: MethodFile
    policies: PoliciesFile
    digests: dict[str, str]
    scales: dict[str, Scala]
    levels: tuple[str, ...]
    band_tables: dict[str, BandTable]
    grid: dict[tuple[str, str], GridCell]
    tables: tuple[PolicyTable, ...]
    schema: dict[str, expr.FieldType]
    warnings: list[Problem] = field(default_factory=list)
    residual_location: Location | None = None  # where the residual convention is written
    # where scelta_bande.per_area first names each area code: a catalogue's check says those it has no area of
    area_places: dict[str, Location] = field(default_factory=dict)
    # the areas policy conditions compare 'area' with: (as written, rule id) → where, for the same check
    policy_area_places: dict[tuple[str, str], Location] = field(default_factory=dict)

    @property
    def numeric(self) -> bool:
        """True for product methods (numeric score and band tables), False for grid methods."""
        return self.model.combinazione.tipo == "prodotto"

    @property
    def digits(self) -> int:
        """The precision (decimals) of the risk scores the band tables classify."""
        rounding = self.rounding("rischio")
        assert rounding is not None  # the risk is always rounded
        return rounding[0]

    def rounding(self, stage: str, variant: str | None = None) -> tuple[int, str] | None:
        """Digits and mode of a stage (``probabilita``, ``impatto``, ``rischio``, ``variante``); None: not rounded."""
        general = self.model.arrotondamento
        own: Precisione | str | None
        if stage == "variante":
            assert variant is not None
            own = general.varianti.get(variant) or general.rischio
        else:
            own = getattr(general, stage)
        if own == "nessuno":
            return None
        if isinstance(own, Precisione):
            return own.cifre, own.modo or general.modo
        return general.cifre, general.modo

    @cached_property
    def level_labels(self) -> dict[str, str]:
        """Each risk level's label (the method's own, in the language of its authors), by code."""
        return {level.codice: level.etichetta for level in self.model.livelli}

    @cached_property
    def value_labels(self) -> dict[str, dict[str, str]]:
        """The label of each value of the ordinal fields, by field: a level's, an answer's on an ordinal scale (its
        option's ``etichetta``), as the method's authors write them."""
        labels: dict[str, dict[str, str]] = {}
        for name, ftype in self.schema.items():
            if ftype.kind == "ordinal" and ftype.key == SCALE_TYPE:
                labels[name] = {o.codice: o.etichetta for o in self.scales[ftype.arg].opzioni if o.codice is not None}
            elif ftype.kind == "ordinal":
                labels[name] = self.level_labels
        return labels

    @cached_property
    def policy_schema(self) -> dict[str, expr.FieldType]:
        """The fields of a process fact that the policies read (all that the engine and explanations use)."""
        read = {name for table in self.tables for rule in table.rules for name in rule.fields}
        return {name: ftype for name, ftype in self.schema.items() if name in read}

    def indicators(self, dimension: str) -> list[Indicatore]:
        """The indicators of one dimension, in file order."""
        return [i for i in self.model.indicatori if i.dimensione == dimension]

    def scale_of(self, indicator: Indicatore) -> Scala:
        """The scale an indicator is rated on."""
        return self.scales[indicator.scala]

    def variant_table(self, code: str, area_codes: list[str]) -> BandTable | None:
        """The band table that gives variant ``code`` its level for a process in these areas, if any."""
        variant = next(v for v in self.model.combinazione.varianti if v.codice == code)
        if variant.bande is None:
            return None
        return self.band_table_for(area_codes) if variant.bande == "principale" else self.band_tables[variant.bande]

    def band_table_for(self, area_codes: list[str]) -> BandTable:
        """The band table for a process in these areas (first matching override, else the default)."""
        choice = self.model.scelta_bande
        assert choice is not None
        for override in choice.per_area:
            if any(code in override.aree for code in area_codes):
                return self.band_tables[override.bande]
        return self.band_tables[choice.predefinita]

    @property
    def residual_rule(self) -> str | None:
        """The residual convention as a rule a case exercises when it reduces a risk by measures (``nessuno``: none)."""
        convention = self.model.residuo.metodo
        return None if convention == "nessuno" else f"residuo:{convention}"

    def rule_ids(self) -> list[str]:
        """Every rule the method can fire (band rows, grid cells, residual convention, policy rules), for coverage."""
        ids = [row.rule_id for table in self.band_tables.values() for row in table.rows]
        ids += [cell.rule_id for cell in self.grid.values()]
        ids += [self.residual_rule] if self.residual_rule else []
        ids += [rule.rule_id for table in self.tables for rule in table.rules]
        return ids

    def rule_location(self, rule_id: str) -> Location | None:
        """Where a rule is written."""
        if rule_id == self.residual_rule:
            return self.residual_location
        for table in self.band_tables.values():
            for row in table.rows:
                if row.rule_id == rule_id:
                    return row.location
        for cell in self.grid.values():
            if cell.rule_id == rule_id:
                return cell.location
        for policy_table in self.tables:
            for rule in policy_table.rules:
                if rule.rule_id == rule_id:
                    return rule.location
        return None


def _option_codes(scale: Scala) -> list[str]:
    return [o.codice or format(o.valore, "f") for o in sorted(scale.opzioni, key=lambda o: o.valore)]


def fact_schema(model: MethodFile, scales: dict[str, Scala]) -> dict[str, expr.FieldType]:
    """The typed fields a policy condition can read, for this method."""
    levels = tuple(level.codice for level in model.livelli)
    level_type = expr.ordinal("a risk level (" + " < ".join(levels) + ")", levels,
                              "problemi.condizione.tipo.livello", " < ".join(levels))
    schema: dict[str, expr.FieldType] = dict.fromkeys(TEXT_FIELDS, expr.TEXT)
    schema["classe_area"] = expr.closed_text("an area class (" + ", ".join(CLASSI_AREA) + ")", CLASSI_AREA,
                                             "problemi.condizione.tipo.classe_area", ", ".join(CLASSI_AREA))
    schema.update(dict.fromkeys(COUNT_FIELDS, expr.NUMBER))
    schema.update(dict.fromkeys(BOOL_FIELDS, expr.BOOL))
    schema.update({"livello": level_type, "livello_residuo": level_type, "livello_monitorato": level_type})
    numeric = model.combinazione.tipo == "prodotto"
    for indicator in model.indicatori:
        scale = scales.get(indicator.scala)
        if scale is not None and scale.ordinale:
            schema[indicator.codice] = expr.ordinal(f"a value of the scale '{scale.codice}'",
                                                    tuple(_option_codes(scale)), SCALE_TYPE,
                                                    scale.codice)
        else:
            schema[indicator.codice] = expr.NUMBER
    if numeric:
        for name in ("probabilita", "impatto", "rischio", "rischio_residuo", "rischio_monitorato"):
            schema[name] = expr.NUMBER
        for variant in model.combinazione.varianti:
            schema[f"rischio_{variant.codice}"] = expr.NUMBER
            if variant.bande is not None:
                schema[f"livello_{variant.codice}"] = level_type
    else:
        for dimension in ("probabilita", "impatto"):
            first = next((i for i in model.indicatori if i.dimensione == dimension), None)
            scale = scales.get(first.scala) if first else None
            if scale is not None:
                schema[dimension] = expr.ordinal(f"a value of the scale '{scale.codice}'", tuple(_option_codes(scale)),
                                                 SCALE_TYPE, scale.codice)
    return schema


class _Checker:
    """Collects static problems of a method directory."""

    def __init__(self, name: str, doc: Document, model: MethodFile) -> None:
        self.name = name
        self.doc = doc
        self.m = model
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []
        self.levels_sound = True  # the level list names each code once (set by levels())

    def error(self, keys: tuple, key: str, hint: str = "", code: str = "method", *, hint_key: str = "",
              on_key: bool = False, **values: Any) -> None:
        """A problem worded by ``problemi.metodo.<key>`` (hint by ``problemi.metodo.suggerimento.<hint_key>``)."""
        self.problems.append(said(self.doc.locate(keys, key=on_key), f"problemi.metodo.{key}", code=code, hint=hint,
                                  hint_key=f"problemi.metodo.suggerimento.{hint_key}" if hint_key else "", **values))

    def warn(self, keys: tuple, key: str, *, hinted: bool = False, **values: Any) -> None:
        """A warning, a finding of every annex the method makes: worded as the annex words findings, by
        ``integrita.method.<key>`` (hint ``problemi.suggerimento.method.<key>``), its ``key`` the variant."""
        self.warnings.append(said(self.doc.locate(keys), f"integrita.method.{key}", code="method",
                                  severity=Severity.WARNING,
                                  hint_key=f"problemi.suggerimento.method.{key}" if hinted else "", variante=key,
                                  **values))

    def scales(self) -> dict[str, Scala]:
        scales: dict[str, Scala] = {}
        for i, scale in enumerate(self.m.scale):
            if scale.codice in scales:
                self.error(("scale", i, "codice"), "scala_duplicata", codice=scale.codice)
            scales[scale.codice] = scale
            values = [o.valore for o in scale.opzioni]
            codes = [o.codice for o in scale.opzioni if o.codice is not None]
            if len(set(values)) != len(values):
                self.error(("scale", i, "opzioni"), "scala_valore_ripetuto", hint_key="valore_proprio",
                           codice=scale.codice)
            if len(set(codes)) != len(codes):
                self.error(("scale", i, "opzioni"), "scala_codice_ripetuto", codice=scale.codice)
            if scale.ordinale and len(codes) != len(values):
                self.error(("scale", i, "opzioni"), "scala_ordinale_codici", hint_key="scala_ordinale_codici",
                           codice=scale.codice)
        return scales

    def indicators(self, scales: dict[str, Scala]) -> None:
        seen: set[str] = set()
        of_variants = {f"{prefix}_{variant.codice}" for variant in self.m.combinazione.varianti
                       for prefix in ("rischio", "livello")}
        for i, ind in enumerate(self.m.indicatori):
            if ind.codice in seen:
                self.error(("indicatori", i, "codice"), "indicatore_duplicato", codice=ind.codice)
            seen.add(ind.codice)
            if ind.codice in FACT_FIELDS or ind.codice in of_variants:
                # the answer would stand in for the process's own value of that name (or the engine's fact id)
                self.error(("indicatori", i, "codice"), "nome_riservato", hint_key="rinomina_indicatore",
                           campo=ind.codice)
            elif ind.codice == NAME_PLACEHOLDER:
                self.error(("indicatori", i, "codice"), "nome_del_processo", hint_key="rinomina_indicatore")
            if ind.scala not in scales:
                self.error(("indicatori", i, "scala"), "scala_sconosciuta", did_you_mean(ind.scala, scales),
                           scala=ind.scala)
        for k, variant in enumerate(self.m.combinazione.varianti):
            taken = [name for name in (f"rischio_{variant.codice}", f"livello_{variant.codice}") if name in FACT_FIELDS]
            if taken:  # e.g. 'residuo': rischio_residuo is the planned residual risk
                self.error(("combinazione", "varianti", k, "codice"), "nome_riservato", hint_key="rinomina_variante",
                           campo=taken[0])
        for dimension in ("probabilita", "impatto"):
            items = [(i, ind) for i, ind in enumerate(self.m.indicatori) if ind.dimensione == dimension]
            if not items:
                self.error(("indicatori",), "dimensione_senza_indicatori",
                           hint_key="dimensione_senza_indicatori", dimensione=dimension)
                continue
            operator = getattr(self.m.dimensioni, dimension).aggregazione
            self.aggregation_fits(("dimensioni", dimension, "aggregazione"), operator, items, scales)
            for variant_index, variant in enumerate(self.m.combinazione.varianti):
                self.aggregation_fits(("combinazione", "varianti", variant_index, dimension),
                                      getattr(variant, dimension), items, scales)
            if operator == "media-ponderata":
                missing = [ind.codice for _, ind in items if ind.peso is None]
                weights = [ind.peso for _, ind in items if ind.peso is not None]
                if missing:
                    self.error(("dimensioni", dimension), "pesi_mancanti", indicatori=", ".join(missing))
                else:
                    total = sum(weights, Decimal(0))
                    if total != 100:
                        self.error(("indicatori", items[0][0], "peso"),
                                   "pesi_somma", hint_key="pesi_somma",
                                   dimensione=dimension, totale=total)
        if self.m.valutazione.livello != "processo":  # phases or events are aggregated up to the process too
            self.aggregation_fits(("valutazione", "aggregazione_processo"), self.m.valutazione.aggregazione_processo,
                                  list(enumerate(self.m.indicatori)), scales)

    def aggregation_fits(self, keys: tuple, operator: str, items: list, scales: dict[str, Scala]) -> None:
        ordinal = [ind.codice for _, ind in items if ind.scala in scales and scales[ind.scala].ordinale]
        if ordinal and operator in ("media", "media-ponderata"):
            self.error(keys, "media_ordinali", hint_key="media_ordinali",
                       operatore=operator, indicatori=", ".join(ordinal))

    def combination(self, scales: dict[str, Scala], levels: tuple[str, ...]) -> dict[tuple[str, str], GridCell]:
        comb = self.m.combinazione
        ordinal_inds = [ind.codice for ind in self.m.indicatori if ind.scala in scales and scales[ind.scala].ordinale]
        if comb.tipo == "prodotto":
            if ordinal_inds:
                self.error(("combinazione", "tipo"),
                           "prodotto_ordinali", hint_key="prodotto_ordinali",
                           indicatori=", ".join(ordinal_inds))
            if not self.m.bande or self.m.scelta_bande is None:
                self.error(("combinazione",), "prodotto_senza_bande")
            return {}
        if self.m.bande or self.m.scelta_bande is not None:
            self.warn(("bande",), "bande_inutili", tabella=", ".join(t.codice for t in self.m.bande))
        grid = comb.griglia
        assert grid is not None
        cells: dict[tuple[str, str], GridCell] = {}
        for dimension, axis, keyname in (("probabilita", grid.righe, "righe"), ("impatto", grid.colonne, "colonne")):
            inds = [ind for ind in self.m.indicatori if ind.dimensione == dimension and ind.scala in scales]
            scale_codes = {ind.scala for ind in inds}
            if len(scale_codes) > 1:
                self.error(("indicatori",), "griglia_scale", dimensione=dimension,
                           scale=", ".join(sorted(scale_codes)))
                return {}
            if not inds:
                return {}
            expected = _option_codes(scales[inds[0].scala])
            if sorted(axis) != sorted(expected) or len(set(axis)) != len(axis):
                self.error(("combinazione", "griglia", keyname),
                           f"griglia_asse.{keyname}", hint_key="valori_attesi",
                           scala=inds[0].scala, valori=", ".join(expected))
                return {}
        if len(grid.celle) != len(grid.righe):
            self.error(("combinazione", "griglia", "celle"),
                       "griglia_righe", righe=len(grid.righe),
                       celle=len(grid.celle))
            return {}
        for r, (p, row) in enumerate(zip(grid.righe, grid.celle, strict=True)):  # lengths checked just above
            if len(row) != len(grid.colonne):
                self.error(("combinazione", "griglia", "celle", r),
                           "griglia_celle", riga=p, celle=len(row),
                           colonne=len(grid.colonne))
                continue
            for c, (i, level) in enumerate(zip(grid.colonne, row, strict=True)):  # row length checked above
                keys = ("combinazione", "griglia", "celle", r, c)
                self.unknown_level(keys, level, levels)
                cells[(p, i)] = GridCell(f"griglia:{p}x{i}", p, i, level, self.doc.locate(keys))
        return cells

    def monitoring_plan(self, levels: tuple[str, ...]) -> None:
        """The selected checks name risk levels of the method, and codes once each."""
        seen: set[str] = set()
        for i, selection in enumerate(self.m.piano_monitoraggio.selezioni):
            keys: tuple = ("piano_monitoraggio", "selezioni", i)
            if selection.codice in seen:
                self.error(keys + ("codice",), "selezione_duplicata", codice=selection.codice)
            seen.add(selection.codice)
            for j, level in enumerate(selection.livelli):
                self.unknown_level(keys + ("livelli", j), level, levels)

    def levels(self) -> tuple[str, ...]:
        """The risk levels' codes, lowest first; a repeated code is said once, at the repetition.

        A repeated code most often stands where another was meant (an entry copied and not renamed):
        the level a band, a cell or a policy names may be that one, so no reference is said unknown, and
        no order checked, until the list is fixed (``self.levels_sound``).
        """
        codes = [level.codice for level in self.m.livelli]
        for i, code in enumerate(codes):
            first = codes.index(code)
            if first != i:
                self.error(("livelli", i, "codice"), "livello_duplicato", hint_key="livello_duplicato", codice=code,
                           riga=self.doc.locate(("livelli", first, "codice")).line)
        self.levels_sound = len(set(codes)) == len(codes)
        return tuple(codes)

    def unknown_level(self, keys: tuple, level: str, levels: tuple[str, ...]) -> None:
        """Say a level the list does not have (not while a repeated code may stand for it)."""
        if level not in levels and self.levels_sound:
            self.error(keys, "livello_sconosciuto", did_you_mean(level, levels), livello=level)

    def score_range(self, scales: dict[str, Scala]) -> Decimal:
        if self.m.punteggio_massimo is not None:
            return self.m.punteggio_massimo
        top = Decimal(1)
        for dimension in ("probabilita", "impatto"):
            values = [o.valore for ind in self.m.indicatori if ind.dimensione == dimension and ind.scala in scales
                      for o in scales[ind.scala].opzioni]
            top *= max(values) if values else Decimal(0)
        return top

    def largest_score(self) -> None:
        """Refuse a product method whose largest score (largest P × largest I) the engine cannot compare exactly.

        Every aggregation operator stays within its values (weights are from 0), and a residual score
        never exceeds the inherent one: no score of the method is larger than this product.
        """
        largest = []
        for dimension in ("probabilita", "impatto"):
            used = {ind.scala for ind in self.m.indicatori if ind.dimensione == dimension}
            options = [(o.valore, ("scale", s, "opzioni", j, "valore")) for s, scale in enumerate(self.m.scale)
                       if scale.codice in used for j, o in enumerate(scale.opzioni)]
            if not options:
                return
            largest.append(max(options, key=lambda option: option[0]))
        (p, keys), (i, _) = largest
        if p * i > expr.MAX_MAGNITUDE:
            self.error(keys, "punteggio_massimo", code="engine-limit", hint_key="valori_piu_piccoli",
                       punteggio_p=p, punteggio_i=i, massimo=f"{expr.MAX_MAGNITUDE:,}",
                       massimo_cifre=len(str(expr.MAX_MAGNITUDE)) - 1)

    def rounding(self) -> None:
        """Per-stage roundings name declared variants; a grid method rounds nothing it could leave unrounded."""
        variants = [v.codice for v in self.m.combinazione.varianti]
        for code in sorted(self.m.arrotondamento.varianti):
            if code not in variants:
                self.error(("arrotondamento", "varianti", code), "variante_sconosciuta",
                           did_you_mean(code, variants) if variants else "",
                           hint_key="" if variants else "nessuna_variante", on_key=True, variante=code)
        if self.m.combinazione.tipo == "griglia":
            for stage in ("probabilita", "impatto"):
                if getattr(self.m.arrotondamento, stage) == "nessuno":
                    self.error(("arrotondamento", stage), "griglia_non_arrotondata",
                               hint_key="griglia_non_arrotondata", dimensione=stage)

    def table_digits(self) -> dict[str, int]:
        """The precision each band table is checked and compiled at: the finest of the values it classifies.

        A table checked at a finer precision covers every coarser value too. The risk's tables are
        the default and the per-area ones; a variant's is the one it names (``principale``: the risk's).
        """
        general = self.m.arrotondamento
        risk_digits = general.rischio.cifre if general.rischio is not None else general.cifre
        choice = self.m.scelta_bande
        risk_tables = ({choice.predefinita} | {o.bande for o in choice.per_area}) if choice else set()
        digits = dict.fromkeys(risk_tables, risk_digits)
        codes = [t.codice for t in self.m.bande]
        for k, variant in enumerate(self.m.combinazione.varianti):
            if variant.bande is None:
                continue
            own = general.varianti.get(variant.codice) or general.rischio
            variant_digits = own.cifre if own is not None else general.cifre
            if variant.bande == "principale":
                named = risk_tables
            elif variant.bande in codes:
                named = {variant.bande}
            else:
                self.error(("combinazione", "varianti", k, "bande"), "bande_sconosciute",
                           did_you_mean(variant.bande, [*codes, "principale"]), tabella=variant.bande)
                continue
            for code in named:
                digits[code] = max(digits.get(code, 0), variant_digits)
        return {code: digits.get(code, risk_digits) for code in codes}

    def bands(self, levels: tuple[str, ...], scales: dict[str, Scala]) -> dict[str, BandTable]:
        top = self.score_range(scales)
        precision = self.table_digits()
        tables: dict[str, BandTable] = {}
        for t, table in enumerate(self.m.bande):
            if table.codice in tables:
                self.error(("bande", t, "codice"), "bande_duplicate", tabella=table.codice)
                continue
            digits = precision[table.codice]
            step = quantum(digits)
            top_steps = int((top / step).to_integral_value())
            said_before = len(self.problems)
            rows: list[BandRow] = []
            spans: list[_Span] = []
            for r, row in enumerate(table.righe):
                keys = ("bande", t, "righe", r)
                self.unknown_level(keys + ("livello",), row.livello, levels)
                for name in ("da", "oltre", "a", "sotto"):
                    value = getattr(row, name)
                    if value is not None and decimals(value) > digits:
                        self.finer_edge(keys + (name,), name, value, digits)
                # RigaBanda holds exactly one lower edge (da or oltre) and one upper edge (a or sotto)
                low = ("da", row.da) if row.da is not None else ("oltre", row.oltre)
                high = ("a", row.a) if row.a is not None else ("sotto", row.sotto)
                assert low[1] is not None and high[1] is not None
                lo, hi = _first_step(low[0], low[1], digits), _last_step(high[0], high[1], digits)
                text = (f"≥ {row.da}" if row.da is not None else f"> {row.oltre}") + " e " + \
                       (f"≤ {row.a}" if row.a is not None else f"< {row.sotto}")
                if low[1] > high[1]:
                    self.error(keys, "bordi_invertiti", hint_key="bordi_invertiti", riga=r + 1, inferiore=low[0],
                               superiore=high[0], bordo=low[1], limite=high[1])
                    # placed as meant (the two values exchanged), so that its neighbours meet it where they should
                    meant = _Span(r, _first_step(low[0], high[1], digits), _last_step(high[0], low[1], digits),
                                  row.livello, inverted=True)
                    if meant.lo <= meant.hi:
                        spans.append(meant)
                elif lo > hi:
                    self.error(keys, "riga_vuota", hint_key="riga_vuota", riga=r + 1, intervallo=text, cifre=digits)
                else:
                    spans.append(_Span(r, lo, hi, row.livello))
                rows.append(BandRow(f"bande:{table.codice}:{r + 1}", lo, hi, row.livello, self.doc.locate(keys), text))
            self.coverage(t, table.codice, spans, top_steps, step)
            if len(self.problems) == said_before and self.levels_sound:
                self.level_order(t, table.codice, spans, levels, step)
            tables[table.codice] = BandTable(table.codice, table.nome, tuple(rows), digits)
        self.band_choice(tables)
        return tables

    def finer_edge(self, keys: tuple, name: str, value: Decimal, digits: int) -> None:
        """Say an edge finer than the scores it classifies, and the edge it works as.

        No rounded score lies between the two scores around it: the edge leaves no gap and makes no overlap
        there, it only seems to tell apart scores that do not exist.
        """
        below = Decimal(_steps(value, digits, ROUND_FLOOR)).scaleb(-digits)
        above = below + quantum(digits)
        works_as = above if name in ("da", "sotto") else below  # the same rounded scores let in
        self.error(keys, "bordo_decimali", hint_key="bordo_decimali", chiave=name, bordo=value,
                   da_punteggio=format(below, "f"), a_punteggio=format(above, "f"), limite=format(works_as, "f"))

    def coverage(self, t: int, code: str, spans: list[_Span], top_steps: int, step: Decimal) -> None:
        """Gaps and overlaps between the rows, in score order (from 0 to the largest score).

        A row whose edges are inverted is its own error: nothing is said of where it meets its neighbours,
        which the two values exchanged may well mend.
        """
        ordered = sorted(spans, key=lambda span: (span.lo, span.hi))
        show = lambda steps: format(Decimal(steps) * step, "f")  # noqa: E731
        if ordered and ordered[0].lo > 0 and not ordered[0].inverted:
            first = ordered[0]
            self.error(("bande", t, "righe", first.index),
                       "bande_buco_iniziale", code="band-gap",
                       hint_key="da_zero", tabella=code, a_punteggio=show(first.lo - 1))
        for prev, row in itertools.pairwise(ordered):
            if prev.inverted or row.inverted:
                continue
            if row.lo > prev.hi + 1:
                self.error(("bande", t, "righe", row.index),
                           "bande_buco", code="band-gap",
                           hint_key="bande_buco", tabella=code, da_punteggio=show(prev.hi + 1),
                           a_punteggio=show(row.lo - 1), bordo=show(prev.hi))
            elif row.lo <= prev.hi:
                self.error(("bande", t, "righe", row.index),
                           "bande_sovrapposte", code="band-overlap",
                           hint_key="bande_sovrapposte", tabella=code, da_punteggio=show(row.lo),
                           a_punteggio=show(min(prev.hi, row.hi)), bordo=show(prev.hi), livello=prev.level,
                           altro_livello=row.level)
        if spans:
            last = max(spans, key=lambda span: span.hi)
            if last.hi < top_steps and not last.inverted:
                self.error(("bande", t, "righe", last.index),
                           "bande_buco_finale", code="band-gap",
                           hint_key="bande_buco_finale", tabella=code, da_punteggio=show(last.hi),
                           a_punteggio=show(top_steps))

    def level_order(self, t: int, code: str, spans: list[_Span], levels: tuple[str, ...], step: Decimal) -> None:
        """A higher score never gets a lower level (levels lowest first, as ``livelli`` lists them).

        The score is P × I: a higher one is a higher risk, and policies, the residual steps and the
        monitoring plan read the level by its rank. Said once per table, at the first row whose level
        goes down: the rest of a reversed table follows from the same mistake.
        """
        for prev, row in itertools.pairwise(sorted(spans, key=lambda span: span.lo)):
            if levels.index(row.level) < levels.index(prev.level):
                self.error(("bande", t, "righe", row.index, "livello"), "bande_livelli_decrescenti",
                           code="band-order", hint_key="bande_livelli_decrescenti", tabella=code,
                           livello=row.level, altro_livello=prev.level, da_punteggio=format(row.lo * step, "f"),
                           a_punteggio=format(prev.hi * step, "f"), ordine=" < ".join(levels))
                return

    def band_choice(self, tables: dict[str, BandTable]) -> None:
        choice = self.m.scelta_bande
        if choice is None:
            return
        used = {choice.predefinita}
        if choice.predefinita not in tables:
            self.error(("scelta_bande", "predefinita"), "bande_sconosciute",
                       did_you_mean(choice.predefinita, tables), tabella=choice.predefinita)
        seen_areas: dict[str, int] = {}
        for i, override in enumerate(choice.per_area):
            used.add(override.bande)
            if override.bande not in tables:
                self.error(("scelta_bande", "per_area", i, "bande"), "bande_sconosciute",
                           did_you_mean(override.bande, tables), tabella=override.bande)
            for j, area in enumerate(override.aree):
                if area in seen_areas:
                    self.error(("scelta_bande", "per_area", i, "aree", j),
                               "area_due_tabelle", hint_key="area_due_tabelle",
                               area=area, voce=seen_areas[area] + 1)
                seen_areas[area] = i
        for t, table in enumerate(self.m.bande):
            if table.codice not in used:
                self.warn(("bande", t, "codice"), "bande_inutilizzate", hinted=True, tabella=table.codice)


_COMPARE = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le, ">": operator.gt,
            ">=": operator.ge}


def _satisfiable(cond: expr.Cond, schema: dict[str, expr.FieldType]) -> bool:
    """Conservative check: False only when the condition can certainly never hold.

    The comparisons of a conjunction are grouped by field, so the result does not depend on the
    order in which they are written (``misure > 3 and misure <= 3`` as ``misure <= 3 and misure > 3``).
    """
    if isinstance(cond, expr.Always):
        return True
    if isinstance(cond, expr.AnyOf):
        return any(_satisfiable(c, schema) for c in cond.items)
    if isinstance(cond, expr.Cmp):
        cond = expr.AllOf((cond,))
    by_field: dict[str, list[expr.Cmp]] = {}
    items = list(cond.items)
    while items:
        item = items.pop(0)
        if isinstance(item, expr.AllOf) or (isinstance(item, expr.AnyOf) and len(item.items) == 1):
            items[:0] = item.items  # a nested 'and', or 'in' a list of one value
        elif isinstance(item, expr.Cmp):
            by_field.setdefault(item.field, []).append(item)
        elif not _satisfiable(item, schema):
            return False
    return all(_field_satisfiable(cmps, schema[name]) for name, cmps in by_field.items())


def _field_satisfiable(cmps: list[expr.Cmp], ftype: expr.FieldType) -> bool:
    """Whether one value of a field can meet every comparison on it (finite domains are enumerated)."""
    if ftype.kind in ("ordinal", "bool"):
        domain = range(len(ftype.values)) if ftype.kind == "ordinal" else (False, True)
        return any(all(_COMPARE[c.op](value, c.value) for c in cmps) for value in domain)
    equal = {c.value for c in cmps if c.op == "=="}
    if len(equal) > 1:
        return False
    if equal:
        value = next(iter(equal))
        return all(_COMPARE[c.op](value, c.value) for c in cmps)
    if ftype.kind != "number":
        return True  # text with only '!=': some other text always remains
    bounds = [(c.op, _number(c.value)) for c in cmps]
    lo: Decimal | None = None
    hi: Decimal | None = None
    lo_strict = hi_strict = False
    for op, value in bounds:
        if op in (">", ">="):
            if lo is None or value > lo:
                lo, lo_strict = value, op == ">"
            elif value == lo:
                lo_strict = lo_strict or op == ">"
        elif op in ("<", "<="):
            if hi is None or value < hi:
                hi, hi_strict = value, op == "<"
            elif value == hi:
                hi_strict = hi_strict or op == "<"
    if lo is None or hi is None or lo < hi:
        return True
    if lo > hi or lo_strict or hi_strict:
        return False
    return all(value != lo for op, value in bounds if op == "!=")  # the one value left, unless excluded


def _number(value: expr.Literal_) -> Decimal:
    """The literal of a comparison on a number field: the parser reads every number as a Decimal."""
    if not isinstance(value, Decimal):
        raise TypeError(f"a number field compared with {value!r}")
    return value


def _compile_policies(doc: Document, policies: PoliciesFile, schema: dict[str, expr.FieldType],
                      problems: list[Problem]) -> tuple[PolicyTable, ...]:
    tables: list[PolicyTable] = []
    seen_tables: set[str] = set()
    placeholders = set(schema) | {NAME_PLACEHOLDER}
    for t, table in enumerate(policies.tabelle):
        if table.codice in seen_tables:
            problems.append(said(doc.locate(("tabelle", t, "codice")), "problemi.metodo.tabella_duplicata",
                                 code="policy", tabella=table.codice))
        seen_tables.add(table.codice)
        rules: list[PolicyRule] = []
        first_of: dict[str, int] = {}  # each rule code's first rule
        by_condition: dict[str, str] = {}
        catch_all: str | None = None
        for r, rule in enumerate(table.regole):
            keys = ("tabelle", t, "regole", r)
            location = doc.locate(keys)
            first = first_of.setdefault(rule.codice, r)
            if first != r:
                problems.append(said(doc.locate(keys + ("codice",)), "problemi.metodo.regola_duplicata",
                                     code="policy", regola=rule.codice, tabella=table.codice,
                                     riga=doc.locate(("tabelle", t, "regole", first, "codice")).line,
                                     hint_key="problemi.metodo.suggerimento.rinomina_regola"))
            try:
                condition = expr.parse_condition(rule.quando, schema)
            except expr.ExprError as exc:
                problems.append(said(doc.locate_in_text(keys + ("quando",), exc.offset), exc.key,
                                     code="policy-condition", hint=exc.hint, hint_key=exc.hint_key, **exc.values))
                continue
            rendered = expr.render(condition)
            if rendered in by_condition:
                problems.append(said(doc.locate(keys + ("quando",)), "problemi.metodo.stessa_condizione",
                                     code="policy-duplicate", hint_key="problemi.metodo.suggerimento.unisci_regole",
                                     regola=rule.codice, altra_regola=by_condition[rendered]))
            by_condition[rendered] = rule.codice
            if not _satisfiable(condition, schema):
                problems.append(said(doc.locate(keys + ("quando",)), "problemi.metodo.condizione_contraddittoria",
                                     code="policy-unreachable", regola=rule.codice))
            if catch_all is not None and table.esito == "first":
                problems.append(said(doc.locate(keys), "problemi.metodo.regola_irraggiungibile",
                                     code="policy-unreachable", regola=rule.codice, altra_regola=catch_all))
            if isinstance(condition, expr.Always) or (isinstance(condition, expr.AllOf) and not condition.items):
                catch_all = catch_all or rule.codice
            for a, action in enumerate(rule.allora):
                if action.criticita is not None:
                    message = action.criticita.messaggio
                    # each said at its '{' (a quoted scalar through its escapes, a block one at its start)
                    at = keys + ("allora", a, "criticita", "messaggio")
                    for match in _PLACEHOLDER.finditer(message):
                        name = match.group(1)
                        if name not in placeholders:
                            problems.append(said(doc.locate_in_text(at, match.start()),
                                                 "problemi.metodo.segnaposto_sconosciuto", code="policy",
                                                 hint=did_you_mean(name, placeholders), segnaposto=name))
                    # a format field that is no {name}: {0}, {codice.x}, {codice:>9} would be printed as written
                    stray = _FORMAT_FIELD.search(message)
                    if stray is not None:
                        problems.append(said(doc.locate_in_text(at, stray.start()), "problemi.metodo.graffa",
                                             code="policy", hint_key="problemi.metodo.suggerimento.graffa",
                                             testo=stray.group(0)))
                if action.richiede_misura is not None:
                    for k, typology in enumerate(action.richiede_misura.tipologie):
                        if typology not in TIPOLOGIE:
                            problems.append(said(doc.locate(keys + ("allora", a, "richiede_misura", "tipologie", k)),
                                                 "problemi.metodo.tipologia_sconosciuta", code="policy",
                                                 hint=did_you_mean(typology, TIPOLOGIE), tipologia_codice=typology))
            rules.append(PolicyRule(f"{table.codice}/{rule.codice}", table.codice, rule.codice, rule.descrizione,
                                    rule.quando, condition, tuple(rule.allora), rule.priorita, r, location))
        tables.append(PolicyTable(table.codice, table.esito, tuple(rules)))
    return tuple(tables)


def _engine_limits(name: str, doc: Document, bands: dict[str, BandTable], grid: dict, tables: tuple[PolicyTable, ...],
                   schema: dict[str, expr.FieldType], problems: list[Problem], pdoc: Document | None = None) -> None:
    """Refuse what durable-rules cannot run safely (engine rules, branches on one field, fact width).

    Conditions reach the engine in disjunctive normal form (one engine rule per alternative), so the
    limits count alternatives, not rules as written.
    """
    classify = sum(len(t.rows) for t in bands.values()) + len(grid)
    policies = 0
    branches: dict[str, int] = {}
    for t, table in enumerate(tables):
        for r, rule in enumerate(table.rules):
            try:
                alternatives = expr.to_dnf(rule.condition, MAX_ALTERNATIVES_PER_RULE)
            except ValueError:  # past the limit (an empty list is a condition that never holds: no engine rule)
                location = pdoc.locate(("tabelle", t, "regole", r, "quando")) if pdoc else doc.locate(())
                problems.append(said(location, "problemi.metodo.troppe_alternative", code="engine-limit",
                                     hint_key="problemi.metodo.suggerimento.troppe_alternative", regola=rule.code,
                                     massimo=MAX_ALTERNATIVES_PER_RULE))
                continue
            policies += len(alternatives)
            for conjunction in alternatives:
                for cmp in conjunction:
                    if cmp.op == "==":
                        branches[cmp.field] = branches.get(cmp.field, 0) + 1
    policy_place = pdoc.locate(("tabelle",)) if pdoc is not None else doc.locate(())
    for label, count, place in (("righe_e_celle", classify,
                                 doc.locate(("bande",) if bands else ("combinazione", "griglia"))),
                                ("regole_del_motore", policies, policy_place)):
        if count > MAX_RULES_PER_RULESET:
            problems.append(said(place, "problemi.metodo.troppe_regole", code="engine-limit",
                                 hint_key="problemi.metodo.suggerimento.soglie_come_dati", quante=count,
                                 cosa_chiave=f"problemi.metodo.cosa.{label}", massimo=MAX_RULES_PER_RULESET))
    for fieldname, count in sorted(branches.items()):
        if count > MAX_EQUALITY_BRANCHES:
            problems.append(said(policy_place, "problemi.metodo.troppe_uguaglianze", code="engine-limit",
                                 hint_key="problemi.metodo.suggerimento.intervalli", quante=count, campo=fieldname,
                                 massimo=MAX_EQUALITY_BRANCHES))
    if len(schema) + 4 > MAX_FACT_PROPERTIES:
        problems.append(said(doc.locate(("indicatori",)), "problemi.metodo.troppi_campi", code="engine-limit",
                             quanti=len(schema), massimo=MAX_FACT_PROPERTIES))


def engine_hash(name: str) -> int:
    """The 32-bit FNV-1a hash by which durable-rules looks a fact property up (it never compares the names)."""
    value = 0x811C9DC5
    for byte in name.encode("utf-8"):
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


def engine_collisions(names: Iterable[str]) -> list[tuple[str, str]]:
    """(earlier, later) pairs of names the engine cannot tell apart, the reserved names first."""
    seen: dict[int, str] = {}
    pairs = []
    for name in (*ENGINE_PROPERTIES, *ENGINE_OPERATORS, *names):
        earlier = seen.setdefault(engine_hash(name), name)
        if earlier != name:
            pairs.append((earlier, name))
    return pairs


def _engine_names(doc: Document, model: MethodFile, schema: dict[str, expr.FieldType], problems: list[Problem]) -> None:
    """Refuse fact fields that durable-rules would confuse with each other or with its own names.

    The engine keys fact properties by a 32-bit hash only: two such names make it read one value for
    the other. The problem is placed at the indicator (or variant) that brought the later name in.
    """
    origin: dict[str, tuple] = {f"{prefix}_{v.codice}": ("combinazione", "varianti", k, "codice")
                                for k, v in enumerate(model.combinazione.varianti) for prefix in ("rischio", "livello")}
    origin.update({ind.codice: ("indicatori", i, "codice") for i, ind in enumerate(model.indicatori)})
    for earlier, later in engine_collisions(schema):
        keys = origin.get(later, origin.get(earlier, ("indicatori",)))
        problems.append(said(doc.locate(keys), "problemi.metodo.stesso_hash", code="engine-limit",
                             hint_key="problemi.metodo.suggerimento.rinomina", campo=earlier, altro_campo=later,
                             hash=engine_hash(later)))


def _comparisons(cond: expr.Cond) -> list[expr.Cmp]:
    if isinstance(cond, expr.Cmp):
        return [cond]
    if isinstance(cond, (expr.AllOf, expr.AnyOf)):
        return [c for item in cond.items for c in _comparisons(item)]
    return []


def _missing_policies(root: Path, path: Path) -> Problem:
    """The problem of a method folder without policies.yaml; the other YAML files beside method.yaml are named as
    the one perhaps meant (renamed, or misspelt)."""
    others = sorted(p.name for p in root.iterdir() if p.suffix in (".yaml", ".yml")
                    and p.name not in ("method.yaml", path.name) and p.is_file())
    return said(Location(str(path)), "problemi.metodo.manca_politiche",
                hint_key="problemi.metodo.suggerimento.manca_politiche" + ("_altri" if others else ""),
                file=", ".join(others))


def load_method(root: str | Path, *, read: Mapping[str, bytes | None] | None = None) -> Method:
    """Load, check and compile ``rules/<method>/``; raise :class:`RiskengineError` with every problem.

    ``read``: its files by name (``method.yaml``, ``policies.yaml``) as
    :func:`~riskengine.source.document.read_file` read them (None: absent), when a caller has read them already (a
    cache's key is their digest): the method is then loaded from them alone, and its digests are theirs."""
    root = Path(root)
    used: dict[str, bytes] = {}  # the bytes loaded, by file name: the method's digests

    def present(path: Path) -> bool:
        return read.get(path.name) is not None if read is not None else os.path.isfile(path)  # unreadable: absent

    def document(path: Path) -> Document:
        raw = read.get(path.name) if read is not None else None
        used[path.name] = raw if raw is not None else read_file(path)
        return load_yaml(path, raw=used[path.name])

    method_path = root / "method.yaml"
    if not present(method_path):
        raise refuse(Location(str(method_path)), "problemi.metodo.manca_metodo",
                     hint_key="problemi.metodo.suggerimento.manca_metodo")
    problems: list[Problem] = []
    doc = document(method_path)
    model = validate_document(doc, MethodFile, problems)
    policies_path = root / "policies.yaml"
    pdoc: Document | None = None
    policies: PoliciesFile | None = None
    if present(policies_path):
        try:
            pdoc = document(policies_path)
            policies = validate_document(pdoc, PoliciesFile, problems)
        except RiskengineError as exc:
            problems.extend(exc.problems)
    else:  # without it no finding, priority or monitoring is ever set: an annex silently without its checks
        problems.append(_missing_policies(root, policies_path))
    if model is None or policies is None:
        raise RiskengineError(sorted(problems, key=Problem.sort_key))
    checker = _Checker(root.name, doc, model)
    levels = checker.levels()
    checker.monitoring_plan(levels)
    scales = checker.scales()
    checker.indicators(scales)
    grid = checker.combination(scales, levels)
    checker.rounding()
    if model.combinazione.tipo == "prodotto":
        checker.largest_score()
    bands = checker.bands(levels, scales) if model.combinazione.tipo == "prodotto" else {}
    problems.extend(checker.problems)
    schema = fact_schema(model, scales)
    # the policies compare levels by their rank in the list: with a code repeated, they are checked once it is fixed
    tables = _compile_policies(pdoc, policies, schema, problems) if pdoc is not None and checker.levels_sound else ()
    _engine_limits(root.name, doc, bands, grid, tables, schema, problems, pdoc)
    _engine_names(doc, model, schema, problems)
    if problems:
        raise RiskengineError(sorted(problems, key=Problem.sort_key))
    digests = {name: hashlib.sha256(used[name]).hexdigest() for name in sorted(used)}
    areas: dict[str, Location] = {}
    for i, override in enumerate(model.scelta_bande.per_area if model.scelta_bande else []):
        for j, area in enumerate(override.aree):
            areas.setdefault(area, doc.locate(("scelta_bande", "per_area", i, "aree", j)))
    assert pdoc is not None  # else a problem above
    compared: dict[tuple[str, str], Location] = {}
    for t, table in enumerate(tables):
        for rule in table.rules:
            for cmp in _comparisons(rule.condition):
                if cmp.field == "area" and isinstance(cmp.value, str):  # at the text, past its quote
                    compared.setdefault((cmp.value, rule.rule_id), pdoc.locate_in_text(
                        ("tabelle", t, "regole", rule.order, "quando"), cmp.at + 1))
    return Method(root.name, root, model, policies, digests, scales, levels, bands, grid, tables, schema,
                  checker.warnings, doc.locate(("residuo",)), areas, compared)


FINDINGS = {"method-unknown-area": Severity.WARNING, "policy-unknown-area": Severity.WARNING}
"""By code, its severity (``rules-list`` lists them)."""


# How like an area's code a name must be to be taken for it misspelt: 'anac:personal', 'personale' for
# 'anac:personale' are; 'E' for 'E1' is not (a shared method naming area E of another administration).
_AREA_LIKENESS = 0.75


def _meant_area(name: str, areas: Mapping[str, str]) -> str | None:
    """The area ``name`` is taken for when it is not written as ``areas`` map it (every way an area is written →
    the one that is read, "" for an area read as none), or is like one: None when it is written so, or is an area
    read as none (a real area, not a slip), or is like none."""
    if name in areas:
        meant = areas[name] or None
    else:
        meant = closest(name, sorted({read for read in areas.values() if read}), cutoff=_AREA_LIKENESS)
    return meant if meant is not None and meant != name else None


def unknown_areas(method: Method, areas: Mapping[str, str], compared: Mapping[str, str]) -> list[Problem]:
    """The areas the method names otherwise than evaluation reads them: in ``scelta_bande.per_area`` (their processes
    scored on the default band table without a word), in the policy conditions that compare ``area`` with them
    (``area == "g"`` never holds, ``area != "g"`` always does): an area written as its reference (``cciaa:G`` for
    ``G``), or a name like one of the catalogue's (``g`` for ``G``). ``areas``, ``compared``: every way an area is
    written → the way per_area names it, the value ``area`` holds for it
    (:func:`riskengine.graph.queries.area_references`, :func:`riskengine.graph.queries.area_values`). A name unlike
    any is not said: a method shared by administrations may name an area one of them does not have."""
    named: list[tuple[str, Mapping[str, str], str, Location, dict[str, str]]] = [
        ("method-unknown-area", areas, code, place, {}) for code, place in method.area_places.items()]
    named += [("policy-unknown-area", compared, code, place, {"regola": rule})
              for (code, rule), place in method.policy_area_places.items()]
    problems = []
    for finding, read, code, place, more in named:
        meant = _meant_area(code, read)
        if meant is not None:
            # the hint as did_you_mean words it, meant being the one candidate: loading code calls no str.format
            # (test_no_dynamic_code_paths_in_loading_and_evaluation)
            problems.append(said(place, f"integrita.{finding}", code=finding, severity=FINDINGS[finding],
                                 hint=did_you_mean(meant, [meant]), area=code, metodo=method.name, **more))
    return sorted(problems, key=Problem.sort_key)
