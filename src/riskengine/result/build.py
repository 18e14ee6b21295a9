"""The assessment result: plain, JSON-serialisable data that reports read (and nothing else)."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from sys import intern
from typing import Any

from riskengine import __version__
from riskengine.answers.load import Answers, Assessment
from riskengine.errors import Location, Problem
from riskengine.evaluate.evaluation import ProcessEvaluation, State
from riskengine.evaluate.items import ItemScore
from riskengine.evaluate.monitoring import Candidate, select_checks
from riskengine.evaluate.residual import efficacy
from riskengine.graph import queries as q
from riskengine.graph import trasparenza as tr
from riskengine.graph.build import CatalogGraph
from riskengine.graph.views import measure_summary
from riskengine.method.arithmetic import round_to
from riskengine.method.load import Method
from riskengine.method.models import Indicatore, Opzione
from riskengine.result import RESULT_FORMAT
from riskengine.source.fields import decimal_text, plain_fields


def place(location: Location) -> str:
    """A finding's place as the annex and ``check`` name it: ``file:line:col`` (the file's name)."""
    return f"{_file_name(location.path)}:{location.line}:{location.column}"


@lru_cache(maxsize=64)
def _file_name(path: str) -> str:
    """The name of a file (a result names a few files in thousands of findings)."""
    return Path(path).name


def finding_location(cg: CatalogGraph, assessment: Assessment, process: str) -> Location:
    """Where the findings of the policies on a process are located: its judgement in the assessment
    file, or (a process without answers) its entry in processes.yaml."""
    if process in assessment.places:
        return assessment.places[process]
    return q.process_location(cg, f"process:{process}")


def annex_findings(cg: CatalogGraph, assessment: Assessment, process_findings: Iterable[tuple[str, list[dict]]],
                   integrity: list[Problem]) -> list[dict[str, Any]]:
    """The findings of the annex (``criticita``), in its order: the integrity and assessment ``integrity``
    problems, then the policies' findings on each process (code, findings), located at its judgement.

    ``check`` reports exactly these, computed the same way without building the rest of the result.
    """
    findings: list[dict[str, Any]] = []
    for problem in integrity:
        findings.append({"codice": problem.code, "gravita": problem.severity.value,
                         "regola": f"integrita/{problem.code}",
                         "messaggio": problem.message, "dove": place(problem.location), "oggetto": problem.subject,
                         **({"suggerimento": problem.hint} if problem.hint else {}),
                         **({"argomenti": dict(problem.args)} if problem.args else {})})
    for code, criticita in process_findings:
        if criticita:
            where = place(finding_location(cg, assessment, code))
            findings.extend(dict(f, dove=where, oggetto=f"process:{code}") for f in criticita)
    findings.sort(key=lambda f: ({"error": 0, "warning": 1, "info": 2}[f["gravita"]], f["codice"], f["oggetto"],
                                 f["messaggio"]))
    return findings


def _sha256(path: Path) -> str:
    with path.open("rb") as file:  # read in pieces: a national catalogue's file is a hundred megabytes
        return hashlib.file_digest(file, "sha256").hexdigest()


def _num(value: Decimal | None) -> str | None:
    return decimal_text(value) if value is not None else None


def _rounding(method: Method) -> dict[str, Any]:
    """The method's rounding: the general setting, and each stage that states its own."""
    rounding = plain_fields(method.model.arrotondamento, exclude_none=True)
    if not rounding["varianti"]:
        del rounding["varianti"]
    return rounding




class _Shared:
    """Records that many processes hold the same, built once each per result, by value.

    Areas, units, enabling factors and lists of them, answers, and the texts of probability, impact
    and variants. The result is plain data that nothing modifies, so equal records may be one
    object: the JSON is the same, and a national catalogue's result is smaller by millions of dicts.
    """

    def __init__(self, cg: CatalogGraph, method: Method) -> None:
        self.cg = cg
        self.method = method
        self.records: dict[Any, Any] = {}

    def area(self, node: str) -> dict[str, Any]:
        """An area as processes list it."""
        found = self.records.get(node)
        if found is None:
            area = self.cg.obj(node)
            found = self.records[node] = {"codice": area.codice, "tassonomia": area.tassonomia, "nome": area.nome}
        return found

    def unit(self, node: str) -> dict[str, Any]:
        """The owning unit of a process."""
        found = self.records.get(node)
        if found is None:
            found = self.records[node] = {"codice": self.cg.code(node), "nome": self.cg.attrs(node)["label"]}
        return found

    def factor(self, code: str) -> dict[str, Any]:
        """An enabling factor as events list it."""
        key = ("factor", code)
        found = self.records.get(key)
        if found is None:
            found = self.records[key] = {"codice": code, "nome": self.cg.obj(f"factor:{code}").nome}
        return found

    def score(self, score: ItemScore) -> tuple[str, str, dict[str, str]]:
        """Probability, impact and variants of a score as text (processes with equal scores share them)."""
        probabilita = score.p_code or decimal_text(score.probabilita)
        impatto = score.i_code or decimal_text(score.impatto)
        varianti = tuple((k, decimal_text(v)) for k, v in sorted(score.varianti.items()))
        key = ("score", probabilita, impatto, varianti)
        found = self.records.get(key)
        if found is None:
            found = self.records[key] = (probabilita, impatto, dict(varianti))
        return found

    def factors(self, codes: list[str]) -> list[dict[str, Any]]:
        """The enabling factors of an event (events with the same factors share the list)."""
        key = ("factors", *codes)
        found = self.records.get(key)
        if found is None:
            found = self.records[key] = [self.factor(f) for f in codes]
        return found

    def treatment(self, treating: list[tuple[str, str]]) -> list[dict[str, Any]]:
        """The measures treating an event, each with how it reaches it and its efficacy (events treated
        the same way share the list)."""
        key = ("treatment", *treating)
        found = self.records.get(key)
        if found is None:
            found = self.records[key] = [self.treated_by(m, via) for m, via in treating]
        return found

    def treated_by(self, measure: str, via: str) -> dict[str, Any]:
        """A measure treating an event, how it reaches it and its efficacy."""
        key = ("treated-by", measure, via)
        found = self.records.get(key)
        if found is None:
            misura = self.cg.obj(measure)
            found = self.records[key] = {"codice": self.cg.code(measure), "tramite": via,
                                         "efficacia": decimal_text(efficacy(self.method, misura)),
                                         "efficacia_dichiarata": misura.efficacia is not None}
        return found

    def state(self, state: State) -> dict[str, Any]:
        """A risk state (processes whose states have the same score, level and steps share it)."""
        rischio = _num(state.rischio)
        if rischio is not None:  # one object for every state and residual step of this score (sys.intern)
            rischio = intern(rischio)
        key = ("state", rischio, state.livello, id(state.trace))  # the record keeps the trace: its id stays its own
        found = self.records.get(key)
        if found is None:
            found = self.records[key] = {"rischio": rischio, "livello": state.livello, "traccia": state.trace}
        return found

    def answers(self, item: Answers) -> list[dict[str, Any]]:
        """The answers of an assessed item in indicator order, each with its motivation (items with the
        same answers and no motivation per indicator share the list)."""
        indicators = self.method.model.indicatori
        motivazioni = item.giudizio.motivazioni
        options = [item.options[indicator.codice] for indicator in indicators]
        if not any(motivazioni.get(indicator.codice, "") for indicator in indicators):
            # the options are the scale options of the method, which the assessment holds: their ids name them
            key = ("answers", *map(id, options))
            found = self.records.get(key)
            if found is None:
                found = self.records[key] = [self.answer(i, o) for i, o in zip(indicators, options, strict=True)]
            return found
        found = []
        for indicator, option in zip(indicators, options, strict=True):
            answer = self.answer(indicator, option)
            motivazione = motivazioni.get(indicator.codice, "")
            found.append(dict(answer, motivazione=motivazione) if motivazione else answer)
        return found

    def answer(self, indicator: Indicatore, option: Opzione) -> dict[str, Any]:
        """An answer with an empty motivation (the caller copies it to add one)."""
        value = decimal_text(option.valore)
        key = ("answer", indicator.codice, value, option.codice, option.etichetta)
        found = self.records.get(key)
        if found is None:
            found = self.records[key] = {
                "indicatore": indicator.codice, "nome": indicator.nome, "dimensione": indicator.dimensione,
                "risposta": option.codice or value, "valore": value, "etichetta": option.etichetta, "motivazione": ""}
        return found


def _event(cg: CatalogGraph, method: Method, node: str, shared: _Shared,
           process_level: tuple[list[tuple[str, str]], list[dict[str, Any]]]) -> dict[str, Any]:
    """A risk event with its enabling factors and the measures that treat it (how, and with which efficacy).

    ``process_level``: the measures reaching every event of its process (``q.process_level_measures``), and
    their records: an event without measures of its own, most of them, takes these.
    """
    evento = cg.obj(node)
    holder = cg.targets(node, "threatens")[0]
    own = q.event_level_measures(cg, node)
    covers = method.model.eventi.misure_di_processo_coprono
    return {"codice": evento.codice, "descrizione": evento.descrizione, "su": cg.code(holder),
            "fase": cg.obj(holder).nome if cg.attrs(holder)["kind"] == "phase" else None,
            "fattori": shared.factors(evento.fattori),
            "misure": shared.treatment(q.with_process_level(own, process_level[0])) if own else process_level[1],
            # treated by a link of its own, or (when the method says so) by any measure
            "trattato": bool(own) or (covers and bool(process_level[0]))}


def _process(cg: CatalogGraph, method: Method, assessment: Assessment, ev: ProcessEvaluation,
             shared: _Shared) -> dict[str, Any]:
    node = ev.node
    proc = cg.obj(node)
    owner = q.owner_of(cg, node)
    giudizio = assessment.answers.get(ev.code)
    shared_links = q.process_level_measures(cg, node)
    process_level = (shared_links, shared.treatment(shared_links))
    record: dict[str, Any] = {
        "codice": proc.codice,
        "nome": proc.nome,
        "descrizione": proc.descrizione,
        "aree": [shared.area(a) for a in q.areas_of(cg, node)],
        "unita": shared.unit(owner) if owner else None,
        "in_convenzione": proc.in_convenzione.partner if proc.in_convenzione else None,
        "art6": proc.art6,
        "fasi": [{"codice": cg.obj(f).codice, "nome": cg.obj(f).nome,
                  "livello": (len(cg.attrs(f)["path"]) - 2) // 2, "padre": cg.code(cg.targets(f, "part-of")[0])}
                 for f in q.descendants(cg, node)],
        "eventi": [_event(cg, method, e, shared, process_level) for e in q.events_of(cg, node)],
        "misure": ev.measures,
        "valutato": ev.scoring is not None,
        "criticita": ev.findings,
        "trattamenti_richiesti": ev.requirements,
        "monitoraggio": ev.monitoring,
        "priorita": ev.priority,
        "regole_attivate": ev.fired,
    }
    scoring = ev.scoring
    if scoring is None:
        return record
    answers = shared.answers(giudizio) if giudizio else []
    probabilita, impatto, varianti = shared.score(scoring.score)
    record.update({
        "risposte": answers,
        "motivazione": giudizio.giudizio.motivazione if giudizio else "",
        "probabilita": probabilita,
        "impatto": impatto,
        "varianti": varianti,
        "tabella_bande": scoring.band_table,
        "inerente": shared.state(scoring.inerente),
        "residuo_programmato": shared.state(scoring.residuo_programmato),
        "residuo_monitorato": shared.state(scoring.residuo_monitorato),
        "livello": scoring.inerente.livello,
        "traccia": ev.trace,
    })
    if scoring.varianti:
        record["livelli_varianti"] = {code: shared.state(state) for code, state in scoring.varianti.items()}
    return record


def _measure(cg: CatalogGraph, assessment: Assessment, node: str, treated_by: dict[str, list[str]]) -> dict[str, Any]:
    misura = cg.obj(node)
    summary = measure_summary(cg, node)
    esito = assessment.monitoring.get(misura.codice)
    summary.update({
        "descrizione": misura.descrizione,
        "tempi": misura.tempi,
        "efficacia": _num(misura.efficacia),
        "tratta_tutti": misura.tratta.tutti,
        "processi": treated_by.get(misura.codice, []),
        "stato_monitorato": esito.stato if esito else misura.stato,
        "verifiche_previste": esito.verifiche_previste if esito else None,
        "verifiche_eseguite": esito.verifiche_eseguite if esito else None,
        "note_monitoraggio": esito.note if esito else "",
    })
    summary["scaduta"] = q.overdue(cg, misura, summary["stato_monitorato"])  # by the state monitored, if any
    return summary


def _transparency(cg: CatalogGraph) -> dict[str, Any] | None:
    """The schedule of publication obligations along the official tree (None without trasparenza.yaml).

    ``sezioni`` is the whole tree in the official order, each sub-section with its obligations' codes
    or the reason it does not apply; ``obblighi`` are the obligations in the same order.
    """
    from riskengine.catalog.albero_trasparenza import ATTRIBUTION, sezioni, sottosezioni

    transparency = cg.catalog.transparency
    if transparency is None:
        return None
    obligations = [tr.obligation_summary(cg, n) for n in tr.obligations(cg)]
    reasons = {na.codice: na.motivo for na in transparency.non_applicabili}
    sections = []
    for sezione in sezioni():
        subsections = []
        for voce in sottosezioni(sezione.codice):
            codes = [o["codice"] for o in obligations if o["sottosezione"]["codice"] == voce.codice]
            subsections.append({"codice": voce.codice, "nome": voce.nome, "nome_en": voce.nome_en, "obblighi": codes,
                                "non_applicabile": reasons.get(voce.codice, reasons.get(sezione.codice))})
        sections.append({"codice": sezione.codice, "nome": sezione.nome, "nome_en": sezione.nome_en,
                         "non_applicabile": reasons.get(sezione.codice), "sottosezioni": subsections})
    return {"fonte_albero": ATTRIBUTION, "esempio": transparency.esempio, "sezioni": sections,
            "obblighi": obligations}


def _transparency_summary(transparency: dict[str, Any]) -> dict[str, Any]:
    """Obligations per section and per outcome; sub-sections declared not applicable."""
    obligations = transparency["obblighi"]
    per_state = Counter(o["stato"] for o in obligations)
    not_applicable = sum(1 for s in transparency["sezioni"] for sub in s["sottosezioni"]
                         if sub["non_applicabile"] is not None and not sub["obblighi"])
    return {"obblighi": len(obligations),
            "per_sezione": {s["codice"]: sum(len(sub["obblighi"]) for sub in s["sottosezioni"])
                            for s in transparency["sezioni"]},
            "per_stato": {state: per_state.get(state, 0) for state in tr.STATI},
            "sottosezioni_non_applicabili": not_applicable}


def _mean(values: list[Decimal], digits: int) -> str | None:
    if not values:
        return None
    return decimal_text(round_to(sum(values, Decimal(0)) / len(values), digits, "half-up"))


def _heat_bin(method: Method, value: str) -> str:
    """Heat-map cell of a probability or impact: the level code (grid methods) or the nearest whole value."""
    if not method.numeric:
        return value
    return decimal_text(round_to(Decimal(value), 0, "half-up"))


# Months between two occurrences of a periodic measure: a semestral measure is due at the end of
# June and at the end of December of its deadline's year, so its first occurrence may be due early.
_PERIOD_MONTHS = {"mensile": 1, "trimestrale": 3, "semestrale": 6}


def first_due(deadline: str, frequency: str | None) -> date:
    """The first day a dated measure is due: the end of its first period in the deadline's year, or the deadline."""
    day = date.fromisoformat(deadline)
    months = _PERIOD_MONTHS.get(frequency or "")
    if months is None:
        return day
    end_of_first_period = date(day.year, months + 1, 1) - timedelta(days=1)
    return min(end_of_first_period, day)


def implementation(measures: list[dict], reference: date) -> dict[str, Any]:
    """Implementation of the measures due by ``reference`` (frequency-aware).

    A measure is due when it is ongoing (deadline ``continua``) or when its first occurrence falls
    on or before the reference date; implemented when monitored as ``attuata``; late when due and
    not implemented; the rate is implemented ÷ due (in percent, one decimal).
    """
    due = implemented = late = not_yet = 0
    for m in measures:
        deadline = m["scadenza"]
        if deadline not in (None, "continua") and first_due(deadline, m["frequenza"]) > reference:
            not_yet += 1
        elif m["stato_monitorato"] == "attuata":
            due += 1
            implemented += 1
        else:
            due += 1
            late += 1
    return {"dovute": due, "attuate": implemented, "in_ritardo": late, "non_ancora_dovute": not_yet,
            "tasso": decimal_text(round_to(Decimal(implemented) * 100 / due, 1, "half-up")) if due else None}


def _measure_counts(measures: list[dict]) -> dict[str, dict[str, int]]:
    """Measures by deadline year (``continua`` for ongoing ones), natura and typology."""
    years = Counter("continua" if m["scadenza"] in (None, "continua") else m["scadenza"][:4] for m in measures)
    return {"per_scadenza": dict(sorted(years.items())),
            "per_natura": dict(sorted(Counter(m["natura"] or "ulteriore" for m in measures).items())),
            "per_tipologia": dict(sorted(Counter(m["tipologia"] for m in measures).items()))}


def _summary(method: Method, processes: list[dict], measures: list[dict], findings: list[dict],
             units: list[dict], reference: date) -> dict[str, Any]:
    assessed = [p for p in processes if p["valutato"]]
    levels = {state: Counter(p[state]["livello"] for p in assessed) for state in
              ("inerente", "residuo_programmato", "residuo_monitorato")}
    per_area: dict[str, Counter] = {}
    for p in assessed:
        area = p["aree"][0]["codice"] if p["aree"] else "—"
        per_area.setdefault(area, Counter())[p["livello"]] += 1
    heat: dict[tuple[str, str], Counter] = {}
    for p in assessed:
        cell = (_heat_bin(method, p["probabilita"]), _heat_bin(method, p["impatto"]))
        heat.setdefault(cell, Counter())[p["livello"]] += 1
    by_code = {m["codice"]: m for m in measures}
    rate = implementation(measures, reference)
    planned = sum((m["verifiche_previste"] or 0) for m in measures)
    performed = sum(min(m["verifiche_eseguite"] or 0, m["verifiche_previste"] or 0) for m in measures)
    summary: dict[str, Any] = {
        "processi": len(processes), "processi_valutati": len(assessed),
        "per_livello": {state: {lvl: counts.get(lvl, 0) for lvl in method.levels} for state, counts in levels.items()},
        "per_area": {area: {lvl: counts.get(lvl, 0) for lvl in method.levels}
                     for area, counts in sorted(per_area.items())},
        "mappa_calore": [{"probabilita": p, "impatto": i, "processi": sum(c.values()),
                          "per_livello": {lvl: c[lvl] for lvl in method.levels if c[lvl]}}
                         for (p, i), c in sorted(heat.items())],
        "misure": len(measures),
        "misure_attuate": rate["attuate"],
        "tasso_attuazione": rate["tasso"],
        "attuazione": dict(rate, data_riferimento=reference.isoformat(),
                           per_unita={u["codice"]: implementation([by_code[c] for c in u["misure_responsabile"]],
                                                                   reference)
                                      for u in units if u["misure_responsabile"]}),
        "misure_conteggi": _measure_counts(measures),
        "verifiche_previste": planned, "verifiche_eseguite": performed,
        "tasso_verifiche": decimal_text(round_to(Decimal(performed) * 100 / planned, 1, "half-up"))
        if planned else None,
        "criticita_per_gravita": dict(sorted(Counter(f["gravita"] for f in findings).items())),
    }
    if method.numeric:
        digits = method.digits
        for state in ("inerente", "residuo_programmato", "residuo_monitorato"):
            summary[f"rischio_medio_{state}"] = _mean(
                [Decimal(p[state]["rischio"]) for p in assessed if p[state]["rischio"] is not None], digits)
    return summary


def _monitoring_plan(cg: CatalogGraph, method: Method, processes: list[dict[str, Any]], year: int,
                     checked: dict[str, int] | None) -> dict[str, Any] | None:
    """The checks the method selects (``piano_monitoraggio``), each with the specific measures it verifies;
    None when the method keeps one row per process (``tipo: per-livello``)."""
    plan = method.model.piano_monitoraggio
    if plan.tipo != "selezione":
        return None
    candidates = []
    for p in processes:
        if not p["valutato"]:
            continue
        node = f"process:{p['codice']}"
        phases = tuple((cg.code(f), cg.obj(f).nome) for f in q.descendants(cg, node) if cg.sources(f, "threatens"))
        candidates.append(Candidate(p["codice"], p["nome"], p["aree"][0]["codice"] if p["aree"] else None,
                                    p["livello"], phases))
    rows = select_checks(plan, candidates, year, checked)
    specific = {cg.code(m) for m in cg.nodes_of("measure") if cg.obj(m).ambito == "specifica"}
    for row in rows:
        process = f"process:{row['processo']}"
        found: list[str] = []
        if row["fase"] is not None:
            phase = f"phase:{row['fase']}"
            holders = [phase] + q.descendants(cg, phase) + [e for f in [phase, *q.descendants(cg, phase)]
                                                            for e in cg.sources(f, "threatens")]
            found = sorted({cg.code(m) for h in holders for m in cg.targets(h, "treated-by")} & specific)
        row["misure"] = found or sorted({cg.code(m) for m in q.measures_of(cg, process)} & specific)
    return {"tipo": plan.tipo, "rotazione": "storico" if checked else "seme", "seme": plan.seme,
            "selezioni": [{"codice": s.codice, "descrizione": s.descrizione, "oggetto": s.oggetto,
                           "livelli": list(s.livelli), "aree": list(s.aree), "per_area": s.per_area,
                           "numero": s.numero, "modalita": s.modalita, "campione": s.campione,
                           "periodicita": s.periodicita, "livello": s.livello, "verificatore": s.verificatore,
                           "periodo": s.periodo} for s in plan.selezioni],
            "righe": rows}


def build_result(cg: CatalogGraph, method: Method, assessment: Assessment, evaluations: list[ProcessEvaluation],
                 integrity: list[Problem], backend: str, checked: dict[str, int] | None = None) -> dict[str, Any]:
    """Assemble the complete, deterministic result of an assessment.

    ``checked``: the last year each process or phase had a selected check, from the history store (the
    monitoring plan's rotation; see :mod:`riskengine.evaluate.monitoring`).

    ``evaluations`` is emptied: each evaluation is released once its process record is built (the
    record keeps its lists and traces), so that a national result is built in the memory they held.
    If building fails, the list is left reversed and partly consumed.
    """
    return result_from_records(cg, method, assessment, process_records(cg, method, assessment, evaluations),
                               integrity, backend, checked)


def process_records(cg: CatalogGraph, method: Method, assessment: Assessment,
                    evaluations: list[ProcessEvaluation]) -> list[dict[str, Any]]:
    """The result's record of each evaluated process (``processi``), in the evaluations' order.

    ``evaluations`` is emptied as in :func:`build_result`. Records built by separate calls (the
    shards of :mod:`riskengine.shards`) are the same by value as those of one call.
    """
    shared = _Shared(cg, method)
    processes = []
    evaluations.reverse()
    while evaluations:
        processes.append(_process(cg, method, assessment, evaluations.pop(), shared))
    return processes


def method_record(method: Method) -> dict[str, Any]:
    """The method as a result names it (``metodo``): what its levels, band tables, variants and indicators are
    called, and how it scores; the annex and a rule test's failures word a trace by it."""
    return {"codice": method.model.metodo.codice, "nome": method.model.metodo.nome,
            "versione": method.model.metodo.versione, "fonte": method.model.metodo.fonte,
            "numerico": method.numeric, "arrotondamento": _rounding(method),
            "varianti": [plain_fields(v) for v in method.model.combinazione.varianti],
            "livelli": [plain_fields(lvl) for lvl in method.model.livelli],
            "indicatori": [{"codice": i.codice, "nome": i.nome, "dimensione": i.dimensione, "scala": i.scala,
                            "opzioni": [{"valore": decimal_text(o.valore), "codice": o.codice,
                                         "etichetta": o.etichetta} for o in method.scales[i.scala].opzioni]}
                           for i in method.model.indicatori],
            "bande": [{"codice": t.code, "nome": t.name,
                       "righe": [{"livello": r.level, "intervallo": r.text, "regola": r.rule_id}
                                 for r in t.rows]}
                      for t in method.band_tables.values()],
            "scelta_bande": plain_fields(method.model.scelta_bande) if method.model.scelta_bande else None,
            "griglia": plain_fields(method.model.combinazione.griglia) if method.model.combinazione.griglia else None,
            "residuo": method.model.residuo.metodo,
            "eventi": plain_fields(method.model.eventi)}


def result_from_records(cg: CatalogGraph, method: Method, assessment: Assessment, processes: list[dict[str, Any]],
                        integrity: list[Problem], backend: str, checked: dict[str, int] | None = None,
                        ) -> dict[str, Any]:
    """The result around the records of every process (:func:`process_records`, in the catalogue's order):
    measures, findings, summary, monitoring plan and the rest that need every process."""
    catalog = cg.catalog
    treated_by: dict[str, list[str]] = {}
    for p in processes:
        for m in p["misure"]:
            treated_by.setdefault(m, []).append(p["codice"])
    measures = [_measure(cg, assessment, n, treated_by) for n in cg.nodes_of("measure")]
    findings = annex_findings(cg, assessment, ((p["codice"], p["criticita"]) for p in processes), integrity)
    inputs = {name: _sha256(Path(doc.path)) for name, doc in sorted(catalog.documents.items())
              if Path(doc.path).parent == catalog.root}
    inputs[assessment.path.name] = _sha256(assessment.path)
    transparency = _transparency(cg)
    units = []
    # in the order of units.yaml, the organisation chart's (the annex lists units by it), then the roles
    chart = [f"unit:{u.codice}" for u in catalog.units.unita] + [f"role:{r.codice}" for r in catalog.units.ruoli]
    for node in dict.fromkeys(node for node in chart if node in cg):
        leads, supports = q.measures_of_unit(cg, node)
        parents = cg.targets(node, "part-of")
        unit = {"codice": cg.code(node), "nome": cg.attrs(node)["label"],
                "tipo": cg.attrs(node)["kind"],
                "padre": cg.code(parents[0]) if parents else None,
                "processi": [cg.code(p) for p in q.processes_of_unit(cg, node)],
                "misure_responsabile": [cg.code(m) for m in leads],
                "misure_supporto": [cg.code(m) for m in supports]}
        if transparency is not None:
            transmits, publishes = tr.obligations_of_unit(cg, node)
            unit["obblighi_trasmissione"] = [cg.code(o) for o in transmits]
            unit["obblighi_pubblicazione"] = [cg.code(o) for o in publishes]
        collective = q.collective_measures(cg, node)
        if collective:
            unit["misure_collettive"] = [{"misura": cg.code(m), "tramite": cg.attrs(role)["label"], "come": how}
                                         for m, role, how in collective]
        units.append(unit)
    ente = catalog.ente
    assessed_on = assessment.model.data_valutazione
    result: dict[str, Any] = {
        "formato": RESULT_FORMAT,
        "riskengine": __version__,
        "motore": backend,
        "ente": {"codice": ente.codice, "nome": ente.nome, "tipo": ente.tipo, "dipendenti": ente.dipendenti,
                 "regime_semplificato": ente.regime_semplificato, "esempio": ente.esempio,
                 "piano": {"dal": ente.piano.dal, "al": ente.piano.al},
                 "data_riferimento": ente.data_riferimento.isoformat()},
        "anno": assessment.model.anno,
        "data_valutazione": assessed_on.isoformat() if assessed_on else None,
        "metodo": method_record(method),
        "digest": {"input": inputs, "regole": dict(sorted(method.digests.items()))},
        "aree": [{"codice": a.codice, "tassonomia": a.tassonomia, "nome": a.nome, "classe": a.classe,
                  "lettera_art6": a.lettera_art6} for a in catalog.areas.aree],
        "unita": units,
        "processi": processes,
        "misure": measures,
        "criticita": findings,
        "sintesi": _summary(method, processes, measures, findings, units, ente.data_riferimento),
    }
    plan = _monitoring_plan(cg, method, processes, assessment.model.anno, checked)
    if plan is not None:
        result["piano_monitoraggio"] = plan
    if transparency is not None:  # the catalogue has trasparenza.yaml
        result["trasparenza"] = transparency
        result["sintesi"]["trasparenza"] = _transparency_summary(transparency)
    return result
