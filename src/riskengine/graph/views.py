"""Per-unit and per-process views: plain data for ``riskengine show``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from riskengine.errors import Location, shorten
from riskengine.graph import queries as q
from riskengine.graph.build import CatalogGraph
from riskengine.graph.trasparenza import obligation_summary, obligations_of_unit
from riskengine.i18n import refuse
from riskengine.suggest import did_you_mean


def _deadline(misura: Any) -> str:
    if misura.scadenza is None:
        return "—"
    return "continua" if misura.scadenza == "continua" else misura.scadenza.isoformat()


def measure_summary(cg: CatalogGraph, node: str, monitored: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The facts about a measure that owners need: what, who, by when, how it is measured; its state as
    ``monitored`` records it (by measure code), else as the catalogue declares it."""
    m = cg.obj(node)
    lead = [n for n in (q.find_party(cg, ref) for ref in m.owners) if n is not None]  # in the order written
    stato = (monitored or {}).get(m.codice, m.stato)
    return {
        "codice": m.codice, "nome": m.nome, "tipologia": m.tipologia, "ambito": m.ambito, "natura": m.natura,
        "responsabile": cg.attrs(lead[0])["label"] if lead else None,
        "responsabili": [cg.attrs(n)["label"] for n in lead],
        "classe": m.classe,
        "supporto": [cg.attrs(s)["label"] for s in cg.sources(node, "supports")],
        "scadenza": _deadline(m), "frequenza": m.frequenza, "indicatore": m.indicatore, "target": m.target,
        "stato": stato, "scaduta": q.overdue(cg, m, stato),
    }


def unit_view(cg: CatalogGraph, ref: str, year: int | None = None,
              monitored: Mapping[str, str] | None = None) -> dict[str, Any]:
    """What a unit (or role) owns and must implement, with deadlines; each measure's state as the monitoring of
    ``year`` records it (``monitored``, by measure code), else as the catalogue declares it."""
    node = q.find_party(cg, ref)
    if node is None:
        names = [cg.attrs(n)["code"] for n in cg.nodes_of("unit") + cg.nodes_of("role")]
        names += [cg.attrs(n)["label"] for n in cg.nodes_of("unit") + cg.nodes_of("role")]
        raise refuse(Location(str(cg.catalog.root / "units.yaml")), "problemi.riferimento_sconosciuto",
                     hint=did_you_mean(ref, names), genere_chiave="problemi.genere.unit_or_role", genere="unit or role",
                     riferimento=shorten(ref))
    leads, supports = q.measures_of_unit(cg, node)
    data = cg.attrs(node)
    parents = cg.targets(node, "part-of")
    by_deadline = lambda n: (cg.obj(n).scadenza in (None, "continua"), str(cg.obj(n).scadenza), n)  # noqa: E731
    return {
        "codice": data["code"], "nome": data["label"], "tipo": data["kind"],
        "padre": cg.attrs(parents[0])["label"] if parents else None,
        "processi": [{"codice": cg.obj(p).codice, "nome": cg.obj(p).nome} for p in q.processes_of_unit(cg, node)],
        "monitoraggio": year if monitored else None,
        "misure_responsabile": [measure_summary(cg, m, monitored) for m in sorted(leads, key=by_deadline)],
        "misure_supporto": [measure_summary(cg, m, monitored) for m in sorted(supports, key=by_deadline)],
        **_transparency_duties(cg, node),
        "misure_collettive": [dict(measure_summary(cg, m, monitored), tramite=cg.attrs(role)["label"], come=how)
                              for m, role, how in q.collective_measures(cg, node)],
    }


def _transparency_duties(cg: CatalogGraph, node: str) -> dict[str, list[dict[str, Any]] | None]:
    """The publication obligations a unit transmits and publishes, soonest deadline first (then tree order);
    None when the catalogue has no trasparenza.yaml."""
    if cg.catalog.transparency is None:
        return {"obblighi_trasmissione": None, "obblighi_pubblicazione": None}
    transmits, publishes = obligations_of_unit(cg, node)

    def by_deadline(items: list[str]) -> list[dict[str, Any]]:
        summaries = [obligation_summary(cg, n) for n in items]  # in tree order: the stable second key
        return sorted(summaries, key=lambda o: (o["prossima_scadenza"] is None, o["prossima_scadenza"] or ""))

    return {"obblighi_trasmissione": by_deadline(transmits), "obblighi_pubblicazione": by_deadline(publishes)}


def process_view(cg: CatalogGraph, code: str) -> dict[str, Any]:
    """Everything the catalogue says about a process."""
    node = f"process:{code}"
    if node not in cg:
        raise refuse(Location(str(cg.catalog.root / "processes.yaml")), "problemi.riferimento_sconosciuto",
                     hint=did_you_mean(code, [cg.attrs(n)["code"] for n in cg.nodes_of("process")]),
                     genere_chiave="problemi.genere.process", genere="process", riferimento=shorten(code))
    p = cg.obj(node)
    owner = q.owner_of(cg, node)
    primary = cg.catalog.areas.tassonomia_principale
    return {
        "codice": p.codice, "nome": p.nome,
        # an area as processes.yaml names it: by its code in the main taxonomy (listed first), qualified in another
        "aree": [f"{area.codice if area.tassonomia == primary else area.ref} {area.nome}"
                 for area in sorted((cg.obj(a) for a in q.areas_of(cg, node)),
                                    key=lambda area: (area.tassonomia != primary, area.ref))],
        "unita": cg.attrs(owner)["label"] if owner else None,
        "in_convenzione": p.in_convenzione.partner if p.in_convenzione else None,
        "art6": p.art6,
        "fasi": [{"codice": cg.obj(f).codice, "nome": cg.obj(f).nome, "livello": len(cg.attrs(f)["path"]) // 2 - 1}
                 for f in q.descendants(cg, node)],
        "eventi": [{"codice": cg.obj(e).codice, "descrizione": cg.obj(e).descrizione,
                    "fattori": [f"{f} {cg.obj('factor:' + f).nome}" if f"factor:{f}" in cg else f
                                for f in cg.obj(e).fattori]}
                   for e in q.events_of(cg, node)],
        "misure": [measure_summary(cg, m) for m in q.measures_of(cg, node)],
    }
