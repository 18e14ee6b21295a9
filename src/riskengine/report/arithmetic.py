"""A process's scores written out as plain arithmetic an OIV can check with a calculator.

"P = (4 + 5 + 1 + 5 + 5 + 3) / 6 = 3,83; I = …; R = P × I = 3,83 × 2,75 = 10,53 → Medio-alto, fascia da
9,01 a 15 (Aree A, B, C, H)". Every number is read from the process's calculation trace in the result,
never computed again: the sentence only arranges the operands the engine used around the result it
wrote. Rule ids, table codes and expressions stay in the trace of the complete edition.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Any

from riskengine.report.view import MethodView, View

# "dimensioni.probabilita: media" → the operator after the colon.
_OPERATOR = re.compile(r":\s*([\w-]+)\s*$")
_BAND_RULE = re.compile(r"^bande:(?P<table>.+):(?P<row>\d+)$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def number(value: Any, lang: str) -> str:
    """A number of the result with the language's decimal mark ("3.83" → "3,83" in Italian)."""
    text = str(value)
    return text.replace(".", ",") if lang == "it" else text


def percent(value: Any, lang: str) -> str:
    """An efficacy (0.4) as a percentage ("40%")."""
    try:
        scaled = (Decimal(str(value)) * 100).normalize()
    except InvalidOperation:
        return str(value)
    return number(format(scaled, "f"), lang) + "%"


def _steps(process: dict[str, Any], passo: str) -> list[dict[str, Any]]:
    return [s for s in process.get("traccia", []) if s.get("passo") == passo]


def _operator(step: dict[str, Any]) -> str:
    match = _OPERATOR.search(step.get("regola", ""))
    return match.group(1) if match else ""


def _dimension(view: MethodView, step: dict[str, Any], symbol: str) -> str:
    """"P = (4 + 5 + 1) / 3 = 3,33" for a mean; max, min and mode by name; the result alone otherwise."""
    lang = view.lang
    values = [number(v, lang) for v in step.get("valori", {}).values()]
    result = number(step.get("risultato", ""), lang)
    op = _operator(step)
    if op == "media" and values:
        return f"{symbol} = ({' + '.join(values)}) / {len(values)} = {result}"
    if op in ("max", "min", "moda") and values:
        return f"{symbol} = {view.t('calcolo.' + op)}({'; '.join(values)}) = {result}"
    return f"{symbol} = {result}"


def band_phrase(view: MethodView, step: dict[str, Any] | None) -> str:
    """"fascia da 9,01 a 15 (Aree A, B, C, H – nuovi indici)": the band row a level came from ('' if none)."""
    match = _BAND_RULE.match((step or {}).get("regola", ""))
    if not match:
        return ""
    table = next((b for b in view.metodo.get("bande", []) if b.get("codice") == match["table"]), None)
    if table is None:
        return ""
    rows = table.get("righe", [])
    index = int(match["row"]) - 1
    if not 0 <= index < len(rows):
        return ""
    bounds = _NUMBER.findall(rows[index].get("intervallo", ""))
    if len(bounds) >= 2:
        span = view.t("calcolo.fascia", da=number(bounds[0], view.lang), a=number(bounds[-1], view.lang))
    else:
        span = view.t("calcolo.fascia_testo", intervallo=view.interval(rows[index].get("intervallo", "")))
    return view.t("calcolo.tabella", fascia=span, nome=table["nome"]) if len(view.metodo.get("bande", [])) > 1 else span


def _level_phrase(view: MethodView, state: dict[str, Any]) -> str:
    level = view.level_of(state.get("livello"))
    label = level["etichetta"] if level else "—"
    band = band_phrase(view, next((s for s in state.get("traccia", []) if _BAND_RULE.match(s.get("regola", ""))),
                                  None))
    return f"{label}, {band}" if band else label


def _residual(view: MethodView, name: str, inherent: str, state: dict[str, Any]) -> dict[str, Any] | None:
    """One residual state: its formula with the efficacies the engine used, the result and the level."""
    lang = view.lang
    step = next((s for s in state.get("traccia", []) if s.get("regola", "").startswith("residuo")), None)
    if step is None or state.get("rischio") is None:
        return None
    efficacies = {code: Decimal(str(v)) for code, v in step.get("valori", {}).items()}
    result = number(state["rischio"], lang)
    op = _operator(step)
    if op == "efficacia-migliore" and efficacies:
        best = max(efficacies.values())
        formula = f"{name} = {inherent} × (1 − {number(best, lang)}) = {result}"
        leaders = sorted(code for code, value in efficacies.items() if value == best)
        note = view.t("calcolo.misura_migliore", misure=", ".join(leaders), efficacia=percent(best, lang))
    elif op == "efficacia-prodotto" and efficacies:
        factors = " × ".join(f"(1 − {number(v, lang)})" for _, v in sorted(efficacies.items()))
        formula = f"{name} = {inherent} × {factors} = {result}"
        note = ""
    elif not efficacies:
        formula = f"{name} = {inherent}"
        note = view.t("calcolo.senza_misure")
    else:
        formula = f"{name} = {result}"
        note = ""
    groups: dict[Decimal, list[str]] = {}
    for code, value in sorted(efficacies.items()):
        groups.setdefault(value, []).append(code)
    return {"formula": f"{formula} → {_level_phrase(view, state)}", "nota": note,
            "efficacie": [(", ".join(codes), percent(value, lang)) for value, codes in sorted(groups.items(),
                                                                                             reverse=True)]}


def calculation(view: MethodView, process: dict[str, Any]) -> dict[str, Any] | None:
    """The scores of ``process`` as arithmetic: ``righe`` (inherent, variants), ``residui`` (planned and
    monitored, each with the efficacies of its measures). None for a process not assessed or a method
    that does not compute numbers (a grid method states levels, which the sheet shows)."""
    if not process.get("valutato") or not view.numeric:
        return None
    t, lang = view.t, view.lang
    lines = [_dimension(view, s, "P") for s in _steps(process, "probabilita")]
    lines += [_dimension(view, s, "I") for s in _steps(process, "impatto")]
    inherent = process.get("inerente") or {}
    score = number(inherent.get("rischio", ""), lang)
    p, i = number(process.get("probabilita", ""), lang), number(process.get("impatto", ""), lang)
    lines.append(f"R = P × I = {p} × {i} = {score} → {_level_phrase(view, inherent)}")
    for step in process.get("traccia", []):
        if not str(step.get("passo", "")).startswith("variante "):
            continue
        code = _OPERATOR.sub("", step.get("regola", "")).rpartition(".")[2]
        values = step.get("valori", {})
        formula = (f"{view.variant_name(code)} = {number(values.get('probabilita', ''), lang)} × "
                   f"{number(values.get('impatto', ''), lang)} = {number(step.get('risultato', ''), lang)}")
        variant = process.get("livelli_varianti", {}).get(code)
        if variant:
            lines.append(f"{formula} → {_level_phrase(view, variant)}")
        else:
            lines.append(f"{formula} ({t('calcolo.variante_informativa')})")
    residuals = [r for r in (_residual(view, t("calcolo.residuo_programmato"), score, process.get("residuo_programmato")
                                       or {}),
                             _residual(view, t("calcolo.residuo_monitorato"), score, process.get("residuo_monitorato")
                                       or {})) if r]
    return {"righe": lines, "residui": residuals}


def method_in_words(view: View) -> list[str]:
    """The method written out in sentences for the method section: how P and I are aggregated, how they
    combine, how a score becomes a level, what the residual is, what each variant is for."""
    t, m = view.t, view.metodo
    sentences = []
    for dimension, symbol in (("probabilita", "P"), ("impatto", "I")):
        codes = [i["codice"] for i in m.get("indicatori", []) if i.get("dimensione") == dimension]
        step = next((s for p in view.processes for s in _steps(p, dimension)), None)
        op = _operator(step) if step else ""
        if codes and view.t.has(f"metodo_parole.operatore.{op}"):
            sentences.append(t("metodo_parole.dimensione", simbolo=symbol, dimensione=t.value("dimensione", dimension),
                               operatore=t(f"metodo_parole.operatore.{op}"), n=len(codes), codici=", ".join(codes)))
    if view.numeric:
        digits = (m.get("arrotondamento") or {}).get("cifre", 2)
        sentences.append(t("metodo_parole.prodotto", cifre=digits))
        for table in m.get("bande", []):
            rows = "; ".join(f"{(view.level_of(r['livello']) or {}).get('etichetta', r['livello'])} "
                             f"{view.interval(r['intervallo'])}" for r in table.get("righe", []))
            sentences.append(t("metodo_parole.fasce", nome=table["nome"], fasce=rows))
        choice = m.get("scelta_bande")
        if choice:
            sentences.append(t("metodo_parole.scelta", predefinita=view.band_table_label(choice["predefinita"])))
            for r in choice.get("per_area", []):
                sentences.append(t("metodo_parole.scelta_area", aree=", ".join(r["aree"]),
                                   tabella=view.band_table_label(r["bande"])))
    else:
        sentences.append(t("metodo_parole.griglia"))
    sentences.append(t("metodo_parole.residuo", regola=t.value("residuo", m.get("residuo"))))
    for v in view.variants:
        if v.get("bande"):
            sentences.append(t("metodo_parole.variante_livello", nome=v["nome"]))
        else:
            sentences.append(t("metodo_parole.variante_informativa", nome=v["nome"]))
    return sentences
