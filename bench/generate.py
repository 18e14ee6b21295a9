"""Deterministic synthetic catalogues for the benchmarks (issue 5).

    python bench/generate.py --size S            # -> bench/work/S/
    python bench/generate.py --size all          # S, K, M and L

Sizes (processes / units / measures; risk events are 2-5 per process, about 3.5 on average):

    S   one chamber of commerce       300 /    40 /    150   (~1,000 risk events)
    K   the PDF case                1,000 /   133 /    500
    M   a region                   10,000 / 1,333 /  5,000
    L   national scale            100,000 / 13,333 / 50,000

The shape follows catalogs/esempio-cciaa (method cciaa-torino-2022): areas A-H without F plus
the specific areas RM, PS, GC and a second (ANAC) taxonomy with a crosswalk; units SG -> aree ->
settori -> uffici; phases (and a few nested activities) on about 30% of the processes; 2-5 risk
events per process with 1-3 enabling factors a-i; 11 general measures applying to all processes,
a few measures per area and specific measures shared by 1-4 processes of the same area; statuses
with overdue and in-progress measures; assessment-2026.yaml with PNA 2013 answers whose inherent
levels spread roughly 40% basso, 35% medio, 17% medio-alto, 8% alto.

The same size and seed always give byte-identical files. YAML is written as text (strings as
JSON, which is valid YAML) so that the L catalogue is generated in seconds.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
SEED = 20260131


@dataclass(frozen=True)
class Size:
    name: str
    processes: int
    units: int
    measures: int
    dipendenti: int
    description: str


SIZES = {
    "S": Size("S", 300, 40, 150, 180, "one chamber of commerce"),
    "K": Size("K", 1_000, 133, 500, 600, "1,000 processes (PDF case)"),
    "M": Size("M", 10_000, 1_333, 5_000, 6_000, "a region"),
    "L": Size("L", 100_000, 13_333, 50_000, 60_000, "national scale"),
}

FACTORS = [
    ("a", "mancanza di controlli"),
    ("b", "mancanza di trasparenza"),
    ("c", "eccessiva regolamentazione, complessità e scarsa chiarezza della normativa"),
    ("d", "esercizio prolungato ed esclusivo della responsabilità di un processo da parte di pochi o di un unico soggetto"),
    ("e", "scarsa responsabilizzazione interna"),
    ("f", "inadeguatezza o assenza di competenze del personale"),
    ("g", "inadeguata diffusione della cultura della legalità"),
    ("h", "mancata attuazione del principio di distinzione tra politica e amministrazione"),
    ("i", "carenze di natura organizzativa"),
]

# (code, name, class, ANAC area or None, share of the processes)
AREAS = [
    ("A", "Acquisizione e progressione del personale", "obbligatoria", "personale", 0.08),
    ("B", "Contratti pubblici", "obbligatoria", "contratti", 0.14),
    ("C", "Provvedimenti ampliativi della sfera giuridica dei destinatari privi di effetto economico diretto "
          "ed immediato per il destinatario", "obbligatoria", "ampliativi-senza-effetto", 0.20),
    ("D", "Provvedimenti ampliativi della sfera giuridica dei destinatari con effetto economico diretto "
          "ed immediato per il destinatario", "obbligatoria", "ampliativi-con-effetto", 0.12),
    ("E", "Sorveglianza e controlli", "facoltativa", "controlli", 0.12),
    ("G", "Gestione delle entrate, delle spese e del patrimonio", "facoltativa", "entrate-spese-patrimonio", 0.10),
    ("H", "Incarichi e nomine", "facoltativa", "incarichi", 0.06),
    ("RM", "Regolazione e tutela del mercato", "specifica", None, 0.08),
    ("PS", "Promozione e sviluppo del territorio", "specifica", None, 0.06),
    ("GC", "Governance e Compliance", "specifica", None, 0.04),
]
ANAC = [
    ("personale", "Acquisizione e gestione del personale", "obbligatoria"),
    ("contratti", "Contratti pubblici", "obbligatoria"),
    ("ampliativi-senza-effetto", "Provvedimenti ampliativi privi di effetto economico diretto ed immediato", "obbligatoria"),
    ("ampliativi-con-effetto", "Provvedimenti ampliativi con effetto economico diretto ed immediato", "obbligatoria"),
    ("entrate-spese-patrimonio", "Gestione delle entrate, delle spese e del patrimonio", "facoltativa"),
    ("controlli", "Controlli, verifiche, ispezioni e sanzioni", "facoltativa"),
    ("incarichi", "Incarichi e nomine", "facoltativa"),
    ("affari-legali", "Affari legali e contenzioso", "facoltativa"),
]

PROCESS_NAMES = {
    "A": ["Procedure di assunzione di personale a tempo indeterminato e determinato",
          "Progressioni economiche e di carriera del personale",
          "Gestione delle presenze, delle assenze e del trattamento economico accessorio",
          "Conferimento di incarichi di collaborazione e consulenza",
          "Autorizzazione di incarichi extraistituzionali ai dipendenti"],
    "B": ["Acquisizione di beni e servizi con affidamento diretto",
          "Gestione della procedura di gara sino all'individuazione dell'aggiudicatario",
          "Esecuzione del contratto e verifica della regolare esecuzione",
          "Verifica dei requisiti degli operatori economici",
          "Programmazione del fabbisogno di beni, servizi e lavori"],
    "C": ["Iscrizione, modifica e cancellazione su istanza di parte al Registro Imprese",
          "Procedure abilitative per attività regolamentate (SCIA e verifica dei requisiti)",
          "Iscrizioni e cancellazioni d'ufficio nel Registro Imprese",
          "Deposito bilanci ed elenco soci",
          "Esami di idoneità abilitanti per l'iscrizione in ruoli ed elenchi",
          "Rilascio di certificati, visure e copie; bollatura e vidimazione di libri"],
    "D": ["Erogazione di contributi alle imprese tramite bando",
          "Concessione di patrocini e contributi a iniziative di terzi",
          "Voucher per la digitalizzazione delle imprese",
          "Contributi per la partecipazione a fiere e missioni all'estero"],
    "E": ["Sorveglianza sugli strumenti di misura e verificazione periodica",
          "Gestione delle sanzioni amministrative ex L. 689/1981",
          "Vigilanza sulla sicurezza e conformità dei prodotti",
          "Controlli sulle manifestazioni a premio"],
    "G": ["Riscossione del diritto annuale e gestione di sgravi e rimborsi",
          "Liquidazione e pagamento delle fatture passive",
          "Gestione del patrimonio immobiliare e delle locazioni",
          "Gestione della cassa economale"],
    "H": ["Designazione di rappresentanti camerali in enti e società",
          "Nomina di mediatori, arbitri ed esperti",
          "Conferimento di incarichi legali esterni"],
    "RM": ["Gestione delle istanze di cancellazione dei protesti",
           "Tenuta del registro dei marchi e dei brevetti",
           "Procedure di mediazione e conciliazione",
           "Rilascio delle carte tachigrafiche"],
    "PS": ["Organizzazione di eventi e iniziative promozionali",
           "Servizi di orientamento al lavoro e alle professioni",
           "Supporto all'internazionalizzazione delle imprese"],
    "GC": ["Gestione delle richieste di accesso documentale, civico e generalizzato",
           "Adempimenti di trasparenza e pubblicazione",
           "Gestione delle segnalazioni di illeciti (whistleblowing)"],
}
PHASE_NAMES = ["Istruttoria della domanda", "Verifica dei requisiti", "Definizione dei criteri",
               "Nomina della commissione", "Valutazione delle offerte", "Adozione del provvedimento",
               "Controllo successivo", "Liquidazione", "Pubblicazione degli esiti", "Archiviazione"]
EVENT_TEXTS = [
    "Previsione di requisiti «personalizzati» e insufficienza di meccanismi oggettivi e trasparenti di verifica",
    "Irregolare composizione della commissione finalizzata a favorire candidati particolari",
    "Mancato rispetto dell'ordine cronologico di evasione delle pratiche",
    "Alterazione o omessa verifica dei requisiti al fine di favorire il destinatario",
    "Frazionamento artificioso dell'affidamento al fine di eludere le soglie previste dal Codice dei contratti",
    "Mancato rispetto del principio di rotazione degli affidamenti e degli inviti",
    "Uso distorto del criterio dell'offerta economicamente più vantaggiosa, finalizzato a favorire un'impresa",
    "Mancata o insufficiente verifica della regolare esecuzione della prestazione prima della liquidazione",
    "Omessa o incompleta verifica delle autocertificazioni sul possesso dei requisiti (D.P.R. 445/2000)",
    "Disparità di trattamento nella richiesta di integrazioni documentali",
    "Richiesta o accettazione impropria di regali, compensi o altre utilità in connessione con le funzioni",
    "Divulgazione anticipata di informazioni riservate a vantaggio di singoli operatori",
    "Omissione o ritardo nell'avvio del procedimento d'ufficio al fine di favorire l'interessato",
    "Riconoscimento indebito di contributi o benefici economici in assenza dei presupposti",
    "Disomogeneità delle valutazioni nell'individuazione dei destinatari dei controlli",
    "Omessa applicazione della sanzione o riduzione indebita del suo importo",
    "Conferimento di incarichi in violazione dei criteri di rotazione e in conflitto di interessi",
    "Diniego o differimento dell'accesso non adeguatamente motivato",
]
MEASURE_NAMES = [
    ("Controllo a campione sulle pratiche evase", "controllo"),
    ("Pubblicazione dei criteri e degli esiti", "trasparenza"),
    ("Regolamento interno con criteri predeterminati di valutazione", "regolamentazione"),
    ("Presentazione telematica delle domande con ordine cronologico automatico", "semplificazione"),
    ("Formazione specifica del personale addetto", "formazione"),
    ("Rotazione degli istruttori e doppia sottoscrizione degli atti", "rotazione"),
    ("Dichiarazioni di assenza di conflitto di interessi dei funzionari coinvolti", "conflitto-interessi"),
    ("Registro degli incontri con operatori economici e portatori di interessi", "rapporti-interessi"),
    ("Segregazione delle funzioni tra istruttoria e decisione", "controllo"),
    ("Check-list di controllo dei requisiti", "controllo"),
    ("Incontri di sensibilizzazione con gli utenti", "sensibilizzazione"),
]
GENERAL_MEASURES = [
    ("MG01", "Misure sull'accesso e la permanenza nell'incarico", "controllo", "RPCT"),
    ("MG02", "Rotazione straordinaria", "rotazione", "RPCT"),
    ("MG03", "Doveri di comportamento: codici di comportamento", "etica", "DIR"),
    ("MG04", "Misure di disciplina del conflitto di interessi", "conflitto-interessi", "DIR"),
    ("MG05", "Misure di inconferibilità e incompatibilità", "conflitto-interessi", "RPCT"),
    ("MG06", "Prevenzione della corruzione nella formazione di commissioni e nelle assegnazioni agli uffici",
     "controllo", "RPCT"),
    ("MG07", "Divieto di pantouflage per i dipendenti cessati dal servizio", "conflitto-interessi", "RPCT"),
    ("MG08", "Misure di formazione", "formazione", "RPCT"),
    ("MG09", "Misure di rotazione ordinaria", "rotazione", "DIR"),
    ("MG10", "Misure di trasparenza", "trasparenza", "RPCT"),
    ("MG11", "Misure di segnalazione e protezione (whistleblowing)", "segnalazione", "RPCT"),
]
MOTIVAZIONI = [
    "Attività in larga parte vincolata dalla legge, con controlli informatici efficaci",
    "Procedura frequente, valore contenuto, controlli a campione",
    "Margini di discrezionalità nella valutazione dei requisiti; destinatari esterni",
    "Vantaggi economici considerevoli per i destinatari; controlli efficaci per circa il 50%",
    "Processo che coinvolge più uffici; nessun evento pregresso né articolo di stampa",
    "Segnalazione sulla stampa locale negli ultimi anni; priorità di monitoraggio",
]
AREA_MEASURE_AREAS = ["B", "C", "D", "E", "G", "H"]

# Answer options of the PNA 2013 indicators (method cciaa-torino-2022), from lowest to highest risk.
OPTIONS = {
    "P1": [1, 2, 3, 4, 5], "P2": [2, 5], "P3": [1, 3, 5], "P4": [1, 3, 5], "P5": [1, 5], "P6": [1, 2, 3, 4, 5],
    "I1": [1, 2, 3, 4, 5], "I2": [1, 5], "I3": [0, 1, 2, 3, 4, 5], "I4": [1, 2, 3, 4, 5],
}
# How strongly each indicator follows the process's latent risk (0: not at all; 1: fully).
FOLLOW = {"P1": 1.0, "P2": 0.6, "P3": 0.3, "P4": 0.9, "P5": 0.5, "P6": 0.8,
          "I1": 0.7, "I2": 0.5, "I3": 0.6, "I4": 0.8}


def q(text: str) -> str:
    """A YAML scalar for any text (JSON strings are YAML double-quoted scalars)."""
    return json.dumps(text, ensure_ascii=False)


@dataclass
class Proc:
    code: str
    area: str
    extra_area: str | None
    unit: str
    name: str
    latent: float
    phases: list = field(default_factory=list)      # [(code, name, events, children)]
    events: list = field(default_factory=list)      # [(code, text, factors)]

    def all_events(self) -> list[str]:
        found = [e[0] for e in self.events]

        def walk(phases):
            for _, _, events, children in phases:
                found.extend(e[0] for e in events)
                walk(children)
        walk(self.phases)
        return found

    def phase_codes(self) -> list[str]:
        found: list[str] = []

        def walk(phases):
            for code, _, _, children in phases:
                found.append(code)
                walk(children)
        walk(self.phases)
        return found


class Generator:
    def __init__(self, size: Size, seed: int) -> None:
        self.size = size
        self.rng = random.Random(f"{seed}:{size.name}")

    # ---------------------------------------------------------------- units
    def units(self) -> None:
        n = self.size.units
        n_aree = max(3, round(n * 0.1))
        n_settori = max(n_aree, round(n * 0.25))
        n_uffici = n - 1 - n_aree - n_settori
        self.unit_rows: list[tuple] = [("SG", "Segretario Generale", "segretario-generale", None, "Dott. Mario Rossi", None)]
        aree = []
        for a in range(1, n_aree + 1):
            code = f"AREA-{a:03d}"
            aree.append(code)
            self.unit_rows.append((code, f"Area {a}", "area", "SG", f"Dirigente area {a}", None))
        settori = []
        for s in range(1, n_settori + 1):
            parent = aree[(s - 1) % n_aree]
            code = f"SET-{s:04d}"
            settori.append(code)
            self.unit_rows.append((code, f"Settore {s}", "settore", parent, None, None))
        self.offices = []
        for u in range(1, n_uffici + 1):
            parent = settori[(u - 1) % n_settori]
            code = f"UFF-{u:05d}"
            # about 2% of the offices were closed in a reorganisation (no process or measure is assigned to them)
            closed = self.rng.random() < 0.02 and u > 3
            self.unit_rows.append((code, f"Ufficio {u}", "ufficio", parent, None, "2025-06-30" if closed else None))
            if not closed:
                self.offices.append(code)
        self.settori = settori
        self.unit_names = {row[0]: row[1] for row in self.unit_rows}

    # ------------------------------------------------------------ processes
    def processes(self) -> None:
        rng = self.rng
        n = self.size.processes
        weights = [a[4] for a in AREAS]
        counters = {a[0]: 0 for a in AREAS}
        self.procs: list[Proc] = []
        ev_total = 0
        for _ in range(n):
            area = rng.choices([a[0] for a in AREAS], weights)[0]
            k = counters[area]
            counters[area] += 1
            code = f"{area}{k // 100 + 1}.{(k // 10) % 10 + 1}.{k % 10 + 1}"
            extra = None
            if rng.random() < 0.08:
                extra = rng.choice([a[0] for a in AREAS if a[0] != area and a[2] == "specifica"])
            unit = rng.choice(self.offices) if rng.random() < 0.85 else rng.choice(self.settori)
            name = rng.choice(PROCESS_NAMES[area])
            if k >= len(PROCESS_NAMES[area]):
                name = f"{name} ({k // len(PROCESS_NAMES[area]) + 1})"
            latent = rng.betavariate(2.8, 2.4)
            p = Proc(code, area, extra, unit, name, latent)
            n_events = rng.choice([2, 2, 3, 3, 3, 4, 4, 5, 5])
            ev_total += n_events
            if rng.random() < 0.3:
                for j in range(1, rng.randint(2, 4) + 1):
                    children = []
                    if rng.random() < 0.15:
                        for c in range(1, 3):
                            children.append((f"{code}.{j}.{c}", rng.choice(PHASE_NAMES), [], []))
                    p.phases.append((f"{code}.{j}", rng.choice(PHASE_NAMES), [], children))
            # distribute events among the process itself, its phases and activities
            slots = [(code, p.events)] + [(ph[0], ph[2]) for ph in p.phases] + \
                    [(c[0], c[2]) for ph in p.phases for c in ph[3]]
            for e in range(n_events):
                holder, events = slots[0] if e == 0 or len(slots) == 1 else rng.choice(slots)
                factors = sorted(rng.sample("abcdefghi", rng.choice([1, 2, 2, 2, 3])))
                events.append((f"{holder}-E{len(events) + 1}", rng.choice(EVENT_TEXTS), factors))
            self.procs.append(p)
        self.n_events = ev_total

    # ------------------------------------------------------------- measures
    def measures(self) -> None:
        rng = self.rng
        self.measure_rows: list[dict] = []
        for code, name, tip, lead in GENERAL_MEASURES:
            self.measure_rows.append(dict(codice=code, nome=name, tipologia=tip, ambito="generale", natura="obbligatoria",
                                          responsabile=lead, supporto=[], scadenza="continua", frequenza="annuale",
                                          stato="attuata", efficacia=None, tratta={"tutti": True}))
        n_area = min(len(AREA_MEASURE_AREAS), max(3, self.size.measures // 25))
        for k, area in enumerate(AREA_MEASURE_AREAS[:n_area], start=1):
            name, tip = MEASURE_NAMES[k % len(MEASURE_NAMES)]
            self.measure_rows.append(dict(codice=f"MA{k:02d}", nome=f"{name} (area {area})", tipologia=tip,
                                          ambito="specifica", natura="ulteriore", responsabile="DIR",
                                          supporto=["RPCT"], scadenza="2026-12-31", frequenza="annuale",
                                          stato=rng.choice(["attuata", "in-corso"]), efficacia="0.1",
                                          tratta={"aree": [area]}))
        n_specific = self.size.measures - len(self.measure_rows)
        # Processes at higher latent risk need more specific measures; low-risk ones often have none.
        queue: list[Proc] = []
        for p in self.procs:
            need = 2 if p.latent > 0.6 else 1 if p.latent > 0.35 or rng.random() < 0.5 else 0
            queue.extend([p] * need)
        queue.sort(key=lambda p: (p.area, rng.random()))
        pos = 0
        for m in range(1, n_specific + 1):
            k = rng.choice([1, 2, 2, 3, 3, 4])
            if pos >= len(queue):
                pos = 0
                rng.shuffle(queue)
            chosen: list[Proc] = []
            for p in queue[pos:pos + k]:
                if p not in chosen:
                    chosen.append(p)
            pos += k
            name, tip = MEASURE_NAMES[rng.randrange(len(MEASURE_NAMES))]
            processes = [p.code for p in chosen]
            phases = [c for p in chosen for c in p.phase_codes()]
            if phases and rng.random() < 0.3:
                processes.append(rng.choice(phases))
            events = []
            for p in chosen:
                evs = p.all_events()
                events.extend(rng.sample(evs, min(len(evs), rng.choice([0, 1, 1, 2]))))
            roll = rng.random()
            if roll < 0.45:
                scadenza = "continua"
            elif roll < 0.88:
                scadenza = rng.choice(["2026-03-31", "2026-06-30", "2026-09-30", "2026-12-31", "2027-06-30", "2027-12-31"])
            else:
                scadenza = rng.choice(["2025-06-30", "2025-12-31"])  # past: overdue unless implemented
            stato = rng.choices(["attuata", "in-corso", "da-attuare", "non-attuata"], [50, 27, 18, 5])[0]
            lead = chosen[0].unit
            if rng.random() < 0.1:
                lead = self.unit_names[lead]  # referenced by name, as people do
            supporto = sorted(set(rng.sample(self.offices, rng.choice([0, 0, 1, 1, 2])) +
                                  (["RPCT"] if rng.random() < 0.2 else [])))
            supporto = [s for s in supporto if s != chosen[0].unit]
            self.measure_rows.append(dict(
                codice=f"MS{m:06d}", nome=f"{name} – {chosen[0].name[:60]}", tipologia=tip, ambito="specifica",
                natura="obbligatoria" if rng.random() < 0.3 else "ulteriore", responsabile=lead, supporto=supporto,
                scadenza=scadenza, frequenza=rng.choice(["una-tantum", "annuale", "semestrale", "trimestrale", "continua"]),
                stato=stato, efficacia=rng.choice([None, "0.1", "0.2", "0.25", "0.3", "0.35", "0.4", "0.5"]),
                tratta={"processi": processes, "eventi": events}))

    # ----------------------------------------------------------- assessment
    def answers(self, p: Proc) -> dict[str, int]:
        rng = self.rng
        result = {}
        for ind, options in OPTIONS.items():
            n = len(options)
            follow = FOLLOW[ind]
            t = follow * p.latent + (1 - follow) * rng.random() * 0.6
            weights = [math.exp(-((k / (n - 1)) - t) ** 2 / 0.04) for k in range(n)]
            result[ind] = rng.choices(options, weights)[0]
        return result

    # ---------------------------------------------------------------- write
    def write(self, out: Path) -> dict:
        out.mkdir(parents=True, exist_ok=True)
        s = self.size
        (out / "ente.yaml").write_text(
            f"# Dati sintetici generati da bench/generate.py (taglia {s.name}: {s.description}); nessun ente reale.\n"
            f"codice: bench-{s.name.lower()}\n"
            f"nome: {q(f'Ente sintetico per benchmark, taglia {s.name} (dati di esempio)')}\n"
            f"tipo: camera-di-commercio\n"
            f"dipendenti: {s.dipendenti}\n"
            f"piano: {{dal: 2026, al: 2028}}\n"
            f"data_riferimento: 2026-01-31\n"
            f"metodo: cciaa-torino-2022\n"
            f"esempio: true\n"
            f"descrizione: {q('Catalogo sintetico e deterministico per misurare le prestazioni (issue 5).')}\n",
            encoding="utf-8")
        lines = ["tassonomia_principale: cciaa", "tassonomie:",
                 "  - {codice: cciaa, nome: \"Aree di rischio del sistema camerale\"}",
                 "  - {codice: anac, nome: \"Aree generali PNA 2019, Allegato 1, Tabella 3\"}", "aree:"]
        for code, name, classe, _, _ in AREAS:
            lines.append(f"  - {{tassonomia: cciaa, codice: {code}, nome: {q(name)}, classe: {classe}}}")
        for code, name, classe in ANAC:
            lines.append(f"  - {{tassonomia: anac, codice: {code}, nome: {q(name)}, classe: {classe}}}")
        lines.append("corrispondenze:")
        for code, _, _, anac, _ in AREAS:
            if anac:
                lines.append(f"  - {{da: \"cciaa:{code}\", a: \"anac:{anac}\"}}")
        (out / "areas.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

        lines = ["unita:"]
        for code, name, tipo, parent, resp, until in self.unit_rows:
            lines.append(f"  - codice: {code}")
            lines.append(f"    nome: {q(name)}")
            lines.append(f"    tipo: {tipo}")
            lines.append(f"    padre: {parent or 'null'}")
            if resp:
                lines.append(f"    responsabile: {q(resp)}")
            lines.append("    valida_dal: 2020-01-01")
            if until:
                lines.append(f"    valida_al: {until}")
        lines += ["ruoli:",
                  '  - {codice: RPCT, nome: "Responsabile della prevenzione della corruzione e della trasparenza", tipo: rpct, unita: SG}',
                  '  - {codice: OIV, nome: "Organismo indipendente di valutazione", tipo: oiv}',
                  '  - {codice: DIR, nome: "Dirigenti", tipo: dirigente}',
                  '  - {codice: REF, nome: "Referenti per la prevenzione", tipo: referente}',
                  '  - {codice: TUTTI, nome: "Tutti i dipendenti", tipo: tutti}']
        (out / "units.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

        lines = ["fattori:"] + [f"  - {{codice: {c}, nome: {q(n)}}}" for c, n in FACTORS]
        (out / "factors.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

        with open(out / "processes.yaml", "w", encoding="utf-8") as fh:
            fh.write("processi:\n")
            for p in self.procs:
                parts = [f"  - codice: {q(p.code)}\n    nome: {q(p.name)}\n",
                         f"    aree: [{p.area}{', ' + p.extra_area if p.extra_area else ''}]\n",
                         f"    unita: {p.unit}\n    in_convenzione: null\n    art6: null\n"]
                if p.phases:
                    parts.append("    fasi:\n")
                    parts.append(_phases(p.phases, "      "))
                if p.events:
                    parts.append("    eventi:\n")
                    parts.append(_events(p.events, "      "))
                fh.write("".join(parts))

        with open(out / "measures.yaml", "w", encoding="utf-8") as fh:
            fh.write("misure:\n")
            for m in self.measure_rows:
                parts = [f"  - codice: {m['codice']}\n    nome: {q(m['nome'])}\n",
                         f"    tipologia: {m['tipologia']}\n    ambito: {m['ambito']}\n    natura: {m['natura']}\n",
                         f"    responsabile: {q(m['responsabile'])}\n"]
                if m["supporto"]:
                    parts.append(f"    supporto: [{', '.join(m['supporto'])}]\n")
                parts.append(f"    scadenza: {m['scadenza']}\n    frequenza: {m['frequenza']}\n")
                parts.append(f"    indicatore: {q('Verifiche svolte / verifiche programmate')}\n    target: \"100%\"\n")
                parts.append(f"    stato: {m['stato']}\n")
                if m["efficacia"]:
                    parts.append(f"    efficacia: {m['efficacia']}\n")
                t = m["tratta"]
                if t.get("tutti"):
                    parts.append("    tratta: {tutti: true}\n")
                else:
                    parts.append("    tratta:\n")
                    for key in ("aree", "processi", "eventi"):
                        if t.get(key):
                            parts.append(f"      {key}: [{', '.join(q(c) for c in t[key])}]\n")
                fh.write("".join(parts))

        rng = self.rng
        assessed = 0
        with open(out / "assessment-2026.yaml", "w", encoding="utf-8") as fh:
            fh.write("anno: 2026\ndata_valutazione: 2026-01-15\nvalutazioni:\n")
            for p in self.procs:
                answers = self.answers(p)  # drawn for every process so that the spread does not depend on skips
                if rng.random() < 0.01:
                    continue  # about 1% not yet assessed (NON-VALUTATO)
                assessed += 1
                risposte = ", ".join(f"{k}: {v}" for k, v in answers.items())
                parts = [f"  - processo: {q(p.code)}\n    risposte: {{{risposte}}}\n"]
                if rng.random() < 0.99:
                    parts.append(f"    motivazione: {q(rng.choice(MOTIVAZIONI))}\n")
                if rng.random() < 0.15:
                    parts.append(f"    motivazioni: {{P1: {q('Margini di discrezionalità definiti dal regolamento')}}}\n")
                fh.write("".join(parts))
            fh.write("monitoraggio:\n")
            monitored = 0
            for m in self.measure_rows:
                if rng.random() < 0.4:
                    monitored += 1
                    planned = rng.choice([1, 2, 4, 12])
                    done = planned if rng.random() < 0.7 else rng.randint(0, planned)
                    stato = m["stato"] if rng.random() < 0.8 else rng.choice(["attuata", "in-corso"])
                    fh.write(f"  - misura: {m['codice']}\n    stato: {stato}\n    verifiche_previste: {planned}\n"
                             f"    verifiche_eseguite: {done}\n")
        n_phases = sum(len(p.phase_codes()) for p in self.procs)
        return {"size": s.name, "description": s.description, "processes": len(self.procs), "phases": n_phases,
                "risk_events": self.n_events, "units": len(self.unit_rows), "measures": len(self.measure_rows),
                "assessed": assessed, "monitored_measures": monitored,
                "bytes": {f.name: f.stat().st_size for f in sorted(out.glob("*.yaml"))}}


def _events(events: list, ind: str) -> str:
    return "".join(f"{ind}- codice: {q(code)}\n{ind}  descrizione: {q(text)}\n{ind}  fattori: [{', '.join(f)}]\n"
                   for code, text, f in events)


def _phases(phases: list, ind: str) -> str:
    parts = []
    for code, name, events, children in phases:
        parts.append(f"{ind}- codice: {q(code)}\n{ind}  nome: {q(name)}\n")
        if events:
            parts.append(f"{ind}  eventi:\n" + _events(events, ind + "    "))
        if children:
            parts.append(f"{ind}  fasi:\n" + _phases(children, ind + "    "))
    return "".join(parts)


def generate(size: str, out: Path | None = None, seed: int = SEED) -> dict:
    """Generate the catalogue of ``size`` into ``out`` (default bench/work/<size>); return its counts."""
    spec = SIZES[size]
    out = out or WORK / size
    gen = Generator(spec, seed)
    gen.units()
    gen.processes()
    gen.measures()
    info = gen.write(out)
    info["seed"] = seed
    (out / "generated.json").write_text(json.dumps(info, indent=2) + "\n", encoding="utf-8")
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="S", choices=[*SIZES, "all"])
    parser.add_argument("--out", type=Path, help="output directory (default bench/work/<size>)")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    for size in (SIZES if args.size == "all" else [args.size]):
        start = time.perf_counter()
        info = generate(size, args.out if args.size != "all" else None, args.seed)
        print(f"{size}: {info['processes']} processes, {info['risk_events']} risk events, {info['phases']} phases, "
              f"{info['units']} units, {info['measures']} measures ({time.perf_counter() - start:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
