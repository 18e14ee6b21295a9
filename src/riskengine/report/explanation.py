"""Plain-language explanation of one process: the chain of rules and the values behind each result."""

from __future__ import annotations

from typing import Any

from riskengine.errors import Location, fail
from riskengine.suggest import did_you_mean


def _step(step: dict[str, Any], indent: str = "  ") -> list[str]:
    lines = [f"{indent}{step.get('descrizione', '')} = {step.get('risultato', '')}   [{step['regola']}]"]
    values = step.get("valori")
    if values:
        lines.append(f"{indent}  valori: " + ", ".join(f"{k} = {v}" for k, v in values.items()))
    if step.get("arrotondamento"):
        lines.append(f"{indent}  arrotondamento: {step['arrotondamento']}")
    return lines


def explain_process(result: dict[str, Any], code: str) -> list[str]:
    """The explanation of process ``code`` in ``result``, as lines of text."""
    process = next((p for p in result["processi"] if p["codice"] == code), None)
    if process is None:
        raise fail(Location("processes.yaml"), f"unknown process '{code}'",
                   hint=did_you_mean(code, [p["codice"] for p in result["processi"]]))
    method = result["metodo"]
    areas = ", ".join(f"{a['codice']} {a['nome']}" for a in process["aree"]) or "—"
    lines = [f"{process['codice']} {process['nome']}",
             f"area: {areas}; unità: {process['unita']['nome'] if process['unita'] else '—'}",
             f"metodo: {method['codice']} v{method['versione']} ({method['nome']}); motore: {result['motore']}",
             "digest regole: " + ", ".join(f"{k} {v[:12]}…" for k, v in result["digest"]["regole"].items()), ""]
    if not process["valutato"]:
        lines.append("non valutato: nessuna risposta per questo processo nella valutazione dell'anno.")
        return lines
    lines.append("Risposte")
    for answer in process["risposte"]:
        motivation = f" — motivazione: {answer['motivazione']}" if answer["motivazione"] else ""
        lines.append(f"  {answer['indicatore']} {answer['nome']}: {answer['risposta']} (valore {answer['valore']}, "
                     f"\"{answer['etichetta']}\"){motivation}")
    lines.append(f"  motivazione del giudizio: {process['motivazione'] or '— (mancante)'}")
    lines += ["", "Punteggio"]
    for step in process["traccia"]:
        if step.get("passo") != "politica":
            lines += _step(step)
    for state, title in (("inerente", "Rischio inerente"), ("residuo_programmato", "Residuo programmato"),
                         ("residuo_monitorato", "Residuo monitorato")):
        data = process[state]
        score = f"{data['rischio']} → " if data["rischio"] is not None else ""
        lines += ["", f"{title}: {score}{data['livello']}"]
        for step in data["traccia"]:
            lines += _step(step)
    names = {v["codice"]: v["nome"] for v in method.get("varianti", [])}
    for code, data in sorted(process.get("livelli_varianti", {}).items()):
        lines += ["", f"{names.get(code, code)}: {data['rischio']} → {data['livello']}"]
        for step in data["traccia"]:
            lines += _step(step)
    lines += ["", "Regole di politica applicate"]
    applied = [s for s in process["traccia"] if s.get("passo") == "politica"]
    for step in applied:
        lines.append(f"  {step['regola']}: {step['descrizione']}")
        lines.append(f"    quando: {step['quando']}")
        for cond in step["condizioni"]:
            mark = "vero" if cond["esito"] else "falso"
            value = f" (valore: {cond['valore']})" if cond["valore"] != "" else ""
            lines.append(f"      {cond['condizione']}{value} → {mark}")
        lines.append(f"    allora: {step['risultato']}")
    if not applied:
        lines.append("  nessuna")
    shadowed = sorted(set(process["regole_attivate"]) - {s["regola"] for s in applied})
    if shadowed:
        lines.append("  vere ma non applicate per la politica di esito della tabella (first/priority): "
                     + ", ".join(shadowed))
    return lines
