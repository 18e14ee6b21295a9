"""Plain-language explanation of one process: the chain of rules and the values behind each result."""

from __future__ import annotations

from typing import Any

from riskengine.i18n import Text, indicator_label
from riskengine.report.arithmetic import calculation
from riskengine.report.messages import Messages
from riskengine.report.view import MethodView, TraceWords


def step_lines(t: Text, step: dict[str, Any], words: TraceWords, indent: str = "  ") -> list[str]:
    """A trace step as ``explain`` shows it: what it did = its result [rule], then its values and rounding; the
    state or variant it is a step of first, when a rule test's failure shows several (``stato``, ``variante``)."""
    lead = f"{t('spiegazione.' + step['stato'])}: " if step.get("stato") else \
        f"{words.variants.get(step['variante'], step['variante'])}: " if step.get("variante") else ""
    lines = [f"{indent}{lead}{words.description(step)} = {words.result(step)}   [{step['regola']}]"]
    values = step.get("valori")
    if values:
        lines.append(f"{indent}  {t('spiegazione.valori')}: {words.values(values)}")
    if step.get("arrotondamento"):
        lines.append(f"{indent}  {t('spiegazione.arrotondamento')}: {t.rounding_note(step['arrotondamento'])}")
    return lines


def explain_process(result: dict[str, Any], code: str, t: Text | None = None) -> list[str]:
    """The explanation of process ``code`` in ``result``, as lines of text in the language of ``t``.

    ``result``: an assessment's result holding the process, or what :func:`riskengine.pipeline.assess_process`
    keeps of it (the process, its findings, ``metodo``, ``motore`` and ``digest.regole``: all that is read)."""
    t = t or Text()
    process = next(p for p in result["processi"] if p["codice"] == code)
    method = result["metodo"]
    words = TraceWords(method, t)
    levels = words.levels
    names = {**words.bands, **levels}  # the values in policies' conditions: slugs of levels and band tables by name
    areas = ", ".join(f"{a['codice']} {a['nome']}" for a in process["aree"]) or "—"
    lines = [f"{process['codice']} {process['nome']}",
             t("spiegazione.area_unita", aree=areas, unita=process["unita"]["nome"] if process["unita"] else "—"),
             t("spiegazione.metodo", codice=method["codice"], versione=method["versione"], nome=method["nome"],
               motore=result["motore"]),
             t("spiegazione.digest") + ": "
             + ", ".join(f"{k} {v[:12]}…" for k, v in result["digest"]["regole"].items()), ""]
    if not process["valutato"]:
        lines.append(t("spiegazione.non_valutato"))
        return lines
    lines.append(t("spiegazione.risposte"))
    for answer in process["risposte"]:
        motivation = f" — {t('spiegazione.motivazione')}: {answer['motivazione']}" if answer["motivazione"] else ""
        lines.append(f"  {indicator_label(answer['indicatore'], answer['nome'], ' ')}: {t.prose(answer['risposta'])} "
                     f"({t('spiegazione.valore')} {t.number(answer['valore'])}, \"{answer['etichetta']}\"){motivation}")
    lines.append(f"  {t('spiegazione.motivazione_giudizio')}: "
                 f"{process['motivazione'] or t('spiegazione.mancante')}")
    lines += ["", t("spiegazione.punteggio")]
    for step in process["traccia"]:
        if step.get("passo") != "politica":
            lines += step_lines(t, step, words)
    for state in ("inerente", "residuo_programmato", "residuo_monitorato"):
        data = process[state]
        score = f"{t.number(data['rischio'])} → " if data["rischio"] is not None else ""
        lines += ["", f"{t('spiegazione.' + state)}: {score}{levels.get(data['livello'], data['livello'])}"]
        for step in data["traccia"]:
            lines += step_lines(t, step, words)
    for code, data in sorted(process.get("livelli_varianti", {}).items()):
        score = f"{t.number(data['rischio'])} → " if data["rischio"] is not None else ""
        lines += ["", f"{words.variants.get(code, code)}: {score}{levels.get(data['livello'], data['livello'])}"]
        for step in data["traccia"]:
            lines += step_lines(t, step, words)
    calc = calculation(MethodView(method, Messages(t.lang)), process)
    if calc is not None:  # the scores as the annex's sheet writes them out, to check with a calculator
        lines += ["", t("spiegazione.calcolo")]
        lines += [f"  {line}" for line in calc["righe"]]
        for residual in calc["residui"]:
            lines.append(f"  {residual['formula']}")
            if residual["nota"]:
                lines.append(f"    {residual['nota']}")
    lines += ["", t("spiegazione.politiche")]
    applied = [s for s in process["traccia"] if s.get("passo") == "politica"]
    for step in applied:
        lines.append(f"  {step['regola']}: {step['descrizione']}")
        lines.append(f"    {t('spiegazione.quando')}: {step['quando']}")
        for cond in step["condizioni"]:
            mark = t("spiegazione.vero") if cond["esito"] else t("spiegazione.falso")
            value = f" ({t('spiegazione.valore')}: {t.labelled(str(cond['valore']), names)})" \
                if cond["valore"] != "" else ""
            lines.append(f"      {cond['condizione']}{value} → {mark}")
        lines.append(f"    {t('spiegazione.allora')}: {words.result(step)}")
    if not applied:
        lines.append("  " + t("spiegazione.nessuna"))
    shadowed = sorted(set(process["regole_attivate"]) - {s["regola"] for s in applied})
    if shadowed:
        lines.append("  " + t("spiegazione.oscurate") + ": " + ", ".join(shadowed))
    # every finding about the process, as check lists them: its policies' and the integrity rules' (subject
    # 'process:<code>') and the assessment's (subject the item's code)
    findings = [f for f in result["criticita"] if f["oggetto"] in (f"process:{process['codice']}", process["codice"])]
    lines += ["", t("spiegazione.criticita")]
    for finding in findings:
        lines.append(f"  {finding['codice']} ({t('cli.gravita.' + finding['gravita'])}): "
                     f"{t.finding(finding['codice'], finding.get('argomenti'), str(finding['messaggio']))}")
    if not findings:
        lines.append("  " + t("spiegazione.nessuna"))
    return lines
