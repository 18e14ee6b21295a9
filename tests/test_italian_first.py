"""Italian first, the leftovers: what the history, output, workbook, rule-test and YAML stages tell a user.

Each place is run in Italian (the default) and in English (``--lang en``) and its message is
checked in both; the last test runs the main error paths of the command line in Italian and scans
what they print for English words.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from catalog_helpers import REPO, run_cli
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from test_messages_cli import italian_prose

from riskengine.errors import Location, RiskengineError
from riskengine.history.store import open_store
from riskengine.history.storico import load_storico
from riskengine.i18n import Text, language
from riskengine.report import _check_formats, _output_error
from riskengine.report.messages import Messages
from riskengine.report.output import check_replaceable, output_target
from riskengine.result.read import read_result
from riskengine.source.document import load_yaml
from riskengine.source.yaml_problems import reader_problem, yaml_problem
from riskengine.workbook.safety import read_workbook

IT, EN = Text("it"), Text("en")
EXAMPLE = REPO / "catalogs" / "esempio-cciaa"
RULES = REPO / "rules"
# Words of English sentences that no Italian message uses (quoted values and paths are taken out first).
ENGLISH = re.compile(r"\b(the|is|not|cannot|unknown|expected|missing|found|already|invalid|with|without|got|must|"
                     r"does|which|this|use|give|keep|check|file exists|answers?|measures?|years?|declared)\b")


def lines(exc: pytest.ExceptionInfo[RiskengineError]) -> tuple[str, str]:
    """The first problem of a refusal as the command line prints it, in Italian and in English."""
    problem = sorted(exc.value.problems, key=lambda p: p.sort_key())[0]
    return IT.problem(problem), EN.problem(problem)


def english_words(text: str) -> list[str]:
    """English words left in Italian ``text``: quoted values, paths, codes and the YAML reader's own quote removed."""
    found = []
    for line in italian_prose(text):
        line = re.sub(r"«[^»]*»|'[^']*'|\"[^\"]*\"", "", line)
        found += [m.group() for m in ENGLISH.finditer(line)]
    return found


# --- history -------------------------------------------------------------------------------------

def test_a_history_store_url_that_is_not_one_is_refused_in_both_languages(tmp_path: Path) -> None:
    with pytest.raises(RiskengineError) as info:
        open_store("not a url")
    italian, english = lines(info)
    assert italian == ("--db: error[load]: 'not a url' non è l'indirizzo di un database "
                       "(usa sqlite:///PERCORSO o postgresql+psycopg://UTENTE@HOST/DB)")
    assert english == ("--db: error[load]: 'not a url' is not a database URL "
                       "(use sqlite:///PATH or postgresql+psycopg://USER@HOST/DB)")


def test_a_history_store_that_cannot_be_opened_says_why_in_italian(tmp_path: Path) -> None:
    blocker = tmp_path / "un-file"
    blocker.write_text("x", encoding="utf-8")
    with pytest.raises(RiskengineError) as info:  # its folder would be inside a file
        open_store(f"sqlite:///{blocker}/sotto/storico.sqlite")
    italian, english = lines(info)
    assert italian.endswith("impossibile aprire l'archivio storico: una parte del percorso non è una cartella "
                            "(controlla --db o $RISKENGINE_DB)"), italian
    assert english.endswith("cannot open the history store: Not a directory (check --db or $RISKENGINE_DB)"), english
    with pytest.raises(RiskengineError) as info:  # SQLite's own reason: the store is a folder
        open_store(f"sqlite:///{tmp_path}")
    italian, english = lines(info)
    assert "impossibile aprire l'archivio storico: impossibile aprire il file del database" in italian
    assert "cannot open the history store: unable to open database file" in english


# psycopg's reasons (libpq's words, and a server's in English), as psycopg 3 gives them.
@pytest.mark.parametrize(("reason", "italian"), [
    ('connection failed: connection to server at "127.0.0.1", port 1 failed: Connection refused\n\tIs the server '
     "running on that host and accepting TCP/IP connections?",
     "il server 127.0.0.1:1 rifiuta la connessione: non è avviato o non accetta connessioni su quella porta"),
    ("failed to resolve host 'storico.ente.example': [Errno -2] Name or service not known",
     "il nome del server 'storico.ente.example' non corrisponde a nessun indirizzo"),
    ('connection is bad: connection to server on socket "/nonexistent/.s.PGSQL.5432" failed: No such file or '
     "directory\n\tIs the server running locally and accepting connections on that socket?",
     "nessun server PostgreSQL in ascolto su /nonexistent/.s.PGSQL.5432"),
    ('connection failed: connection to server at "127.0.0.1", port 5432 failed: fe_sendauth: no password supplied',
     "il server 127.0.0.1:5432 chiede una password e l'indirizzo non la contiene"),
    ('connection failed: connection to server at "db.example" (10.0.0.5), port 5433 failed: FATAL:  password '
     'authentication failed for user "rpct"',
     "il server db.example:5433 rifiuta la password dell'utente 'rpct'"),
    ('connection failed: connection to server on socket "/var/run/postgresql/.s.PGSQL.5432" failed: FATAL:  Peer '
     'authentication failed for user "postgres"',
     "il server /var/run/postgresql/.s.PGSQL.5432 non ha autenticato l'utente 'postgres' (autenticazione del "
     "sistema operativo): indica utente e password nell'indirizzo"),
    ('connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  database "storico" does '
     "not exist", "il database 'storico' non esiste sul server 127.0.0.1:5432"),
    ('connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  role "rpct" does not exist',
     "l'utente 'rpct' non esiste sul server 127.0.0.1:5432"),
    ("connection timeout expired",  # psycopg 3.3's whole message
     "il server non ha risposto entro il tempo di connessione (connect_timeout)"),
    ('connection failed: connection to server at "::1", port 1 failed: Connection refused',
     "il server [::1]:1 rifiuta la connessione: non è avviato o non accetta connessioni su quella porta"),
])
def test_a_postgresql_store_that_cannot_be_reached_says_why_in_italian(reason: str, italian: str) -> None:
    from riskengine.history.store import _db_cause, _unopened

    problem = _unopened(Location("--db"), **_db_cause(reason)).problems[0]
    said, english = IT.problem(problem), EN.problem(problem)
    assert said == f"--db: error[load]: impossibile aprire l'archivio storico: {italian} (controlla --db o $RISKENGINE_DB)"
    assert english.startswith("--db: error[load]: cannot open the history store: ") and "problemi." not in english, english
    assert not english_words(said), said


def test_a_server_reason_riskengine_does_not_know_is_shown_as_given() -> None:
    from riskengine.history.store import _db_cause

    reason = ('connection failed: connection to server at "127.0.0.1", port 5432 failed: FATAL:  '
              "autenticazione con password fallita per l'utente \"rpct\"")
    assert _db_cause(reason) == {"causa": reason}


def test_a_postgresql_server_that_refuses_the_connection_is_one_located_italian_line(tmp_path: Path) -> None:
    with pytest.raises(RiskengineError) as info:  # port 1: nothing listens there
        open_store("postgresql+psycopg://rpct:segreta@127.0.0.1:1/storico?connect_timeout=5")
    italian, _ = lines(info)
    assert italian == ("--db: error[load]: impossibile aprire l'archivio storico: il server 127.0.0.1:1 rifiuta la "
                       "connessione: non è avviato o non accetta connessioni su quella porta "
                       "(controlla --db o $RISKENGINE_DB)")


@pytest.mark.parametrize("password", ["segreta", "seg/reta", "seg@re:ta"])
def test_an_address_with_a_port_that_is_no_number_is_refused_without_its_password(password: str) -> None:
    with pytest.raises(RiskengineError) as info:  # libpq's list of hosts, which SQLAlchemy's URLs do not take
        open_store(f"postgresql+psycopg://rpct:{password}@db1:5432,db2:5432/storico")
    italian, _ = lines(info)
    assert italian == ("--db: error[load]: 'postgresql+psycopg://rpct:***@db1:5432,db2:5432/storico' non è "
                       "l'indirizzo di un database (usa sqlite:///PERCORSO o postgresql+psycopg://UTENTE@HOST/DB)")


def test_a_postgresql_server_that_never_answers_is_a_timeout_in_italian() -> None:
    import socket

    with socket.socket() as silent:  # the kernel accepts the connection; nobody ever answers it
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        with pytest.raises(RiskengineError) as info:
            open_store(f"postgresql+psycopg://rpct:segreta@127.0.0.1:{port}/storico?connect_timeout=2")
    italian, _ = lines(info)
    assert italian == ("--db: error[load]: impossibile aprire l'archivio storico: il server non ha risposto entro il "
                       "tempo di connessione (connect_timeout) (controlla --db o $RISKENGINE_DB)")


@pytest.mark.skipif(not os.environ.get("RISKENGINE_TEST_PG"), reason="no PostgreSQL server (RISKENGINE_TEST_PG unset)")
def test_a_postgresql_database_that_does_not_exist_is_named_in_italian() -> None:
    import sqlalchemy as sa

    url = sa.engine.make_url(os.environ["RISKENGINE_TEST_PG"]).set(database="riskengine_assente")
    with pytest.raises(RiskengineError) as info:
        open_store(url.render_as_string(hide_password=False))
    italian, _ = lines(info)
    assert italian.startswith("--db: error[load]: impossibile aprire l'archivio storico: il database "
                              "'riskengine_assente' non esiste sul server "), italian


@pytest.mark.parametrize(("text", "italian", "english"), [
    ("anni:\n  - {anno: 2025, fonte: x}\n  - {anno: 2025, fonte: y}\n",
     "storico.yaml:3:12: error[storico]: l'anno 2025 è dichiarato due volte (tieni una sola voce per anno)",
     "storico.yaml:3:12: error[storico]: year 2025 is declared twice (keep one entry per year)"),
    ("anni:\n  - anno: 2025\n    fonte: x\n    processi_per_livello: {bassissimo: 1}\n",
     "storico.yaml:4:28: error[storico]: livello 'bassissimo' inesistente (i livelli del metodo del 2025: basso, alto; "
     "se l'anno fu valutato con un altro metodo, indicalo in ente.yaml, sotto metodi_precedenti)",
     "storico.yaml:4:28: error[storico]: unknown level 'bassissimo' (the levels of the method of 2025: basso, alto; "
     "if the year was assessed with another method, name it in ente.yaml, under metodi_precedenti)"),
    ("anni:\n  - anno: 2025\n    fonte: x\n    misure_dovute: 2\n    misure_attuate: 3\n",
     "storico.yaml:5:21: error[storico]: misure attuate 3, dovute 2 "
     "(le misure attuate non possono essere più di quelle dovute)",
     "storico.yaml:5:21: error[storico]: measures implemented 3, due 2 "
     "(implemented measures cannot exceed the due ones)"),
])
def test_storico_problems_in_both_languages(tmp_path: Path, text: str, italian: str, english: str) -> None:
    (tmp_path / "storico.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RiskengineError) as info:
        load_storico(tmp_path, lambda year: ["basso", "alto"])
    shown = lines(info)
    assert shown[0].endswith(italian), shown[0]
    assert shown[1].endswith(english), shown[1]


@pytest.mark.parametrize(("text", "italian", "english"), [
    ("anni:\n  - {anno: 1999, fonte: x}\n", "'anno' deve essere almeno 2000, trovato 1999",
     "'anno' must be at least 2000, got 1999"),
    ("anni:\n  - {anno: 2025, fonte: x, tasso_attuazione: 100.5}\n",
     "'tasso_attuazione' deve essere al massimo 100, trovato 100,5",
     "'tasso_attuazione' must be at most 100, got 100.5"),
    ("anni:\n  - {anno: 2025, fonte: ''}\n", "'fonte' non può essere vuoto", "'fonte' must not be empty"),
])
def test_a_value_beyond_its_fields_limits_in_both_languages(tmp_path: Path, text: str, italian: str,
                                                              english: str) -> None:
    (tmp_path / "storico.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(RiskengineError) as info:
        load_storico(tmp_path, lambda year: ["basso", "alto"])
    shown = lines(info)
    assert shown[0].endswith(f"error[schema]: {italian}"), shown[0]
    assert shown[1].endswith(f"error[schema]: {english}"), shown[1]


@pytest.mark.parametrize(("text", "italian", "english"), [
    ("misure:\n  - {misura: MX99, rimuovi: true}\n",
     "scenario.yaml:2:14: error[scenario]: misura 'MX99' inesistente (usa il codice di una misura di measures.yaml)",
     "scenario.yaml:2:14: error[scenario]: unknown measure 'MX99' (use the code of a measure of measures.yaml)"),
    ("risposte:\n  - {oggetto: C1.1.4, risposte: {P1: 9}}\n",
     "error[scenario]: '9' non è una risposta dell'indicatore 'P1' (valori ammessi: 1, 2, 3, 4, 5)",
     "error[scenario]: '9' is not an answer of indicator 'P1' (expected one of: 1, 2, 3, 4, 5)"),
    ("risposte:\n  - {oggetto: Z9.9, risposte: {P1: 1}}\n",
     "error[scenario]: voce valutata 'Z9.9' inesistente",
     "error[scenario]: unknown assessed item 'Z9.9'"),
])
def test_scenario_problems_through_the_command_line(tmp_path: Path, text: str, italian: str, english: str) -> None:
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text(text, encoding="utf-8")
    args = ["whatif", str(EXAMPLE), "--scenario", str(scenario), "--rules", str(RULES), "--out",
            str(tmp_path / "w.json")]
    it, en = run_cli(*args, "--lang", "it"), run_cli(*args, "--lang", "en")
    assert it.exit_code == en.exit_code == 1
    assert italian in it.stderr and it.stderr.splitlines()[-1] == "1 errore", it.stderr
    assert english in en.stderr, en.stderr
    assert not (tmp_path / "w.json").exists()


def test_new_year_refusals_in_both_languages(tmp_path: Path) -> None:
    catalog = tmp_path / "cat"
    shutil.copytree(EXAMPLE, catalog, ignore=shutil.ignore_patterns("storico.sqlite*"))
    backwards = ["new-year", str(catalog), "--from", "2026", "--to", "2025"]
    assert "l'anno della bozza, 2025, non è successivo al 2026 (usa --to con un anno successivo)" in \
        run_cli(*backwards, "--lang", "it").stderr
    assert "the draft's year 2025 is not after 2026 (use --to with a later year)" in \
        run_cli(*backwards, "--lang", "en").stderr
    (catalog / "assessment-2027.yaml").write_text("anno: 2027\n", encoding="utf-8")
    again = ["new-year", str(catalog), "--from", "2026", "--to", "2027"]
    italian = run_cli(*again, "--lang", "it")
    assert italian.exit_code == 1
    assert "assessment-2027.yaml:1:1: error[load]: il file esiste già: new-year non sovrascrive mai " \
           "(rinominalo o cancellalo prima, o scegli un altro --to)" in italian.stderr
    assert "the file already exists: new-year never overwrites" in run_cli(*again, "--lang", "en").stderr
    assert (catalog / "assessment-2027.yaml").read_text(encoding="utf-8") == "anno: 2027\n"


def test_the_unassessed_process_finding_is_worded_in_the_language_of_the_output(tmp_path: Path) -> None:
    from test_evaluate import ANSWERS, _entry, _process, _run

    result = _run(tmp_path, _entry("B2.1.1", ANSWERS["oracolo"]))
    finding = _process(result, "C2.1.1")["criticita"][0]
    assert finding["codice"] == "NON-VALUTATO" and finding["argomenti"] == {"processo": "C2.1.1", "anno": "2026"}
    assert finding["messaggio"] == "process C2.1.1 has no answers in the 2026 assessment"
    assert Messages("it").finding(finding) == "il processo C2.1.1 non ha risposte nella valutazione 2026"
    assert Messages("en").finding(finding) == finding["messaggio"]
    listed = next(f for f in result["criticita"] if f["codice"] == "NON-VALUTATO" and f["oggetto"] == "process:C2.1.1")
    assert Messages("it").finding(listed) == "il processo C2.1.1 non ha risposte nella valutazione 2026"


# --- report output and language --------------------------------------------------------------------

def test_output_directory_refusals_in_both_languages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RiskengineError) as info:
        output_target(".")
    italian, english = lines(info)
    assert italian == (".: error[output]: la cartella di uscita è la cartella corrente o una di quelle che la "
                       "contengono: viene sostituita per intero (indica una sottocartella nuova o vuota, ad esempio out/)")
    assert "the output directory is the current directory or one of its parents" in english
    mine = tmp_path / "miei"
    mine.mkdir()
    (mine / "lettera.docx").write_text("x", encoding="utf-8")
    with pytest.raises(RiskengineError) as info:
        check_replaceable(mine)
    italian, english = lines(info)
    assert "la cartella di uscita non è vuota e non contiene il manifesto di riskengine" in italian
    assert "(scegli una cartella vuota o nuova; sposta i tuoi file fuori dalla cartella di un allegato)" in italian
    assert "the output directory is not empty and holds no riskengine manifest" in english


@pytest.mark.parametrize(("code", "italian", "english"), [
    (errno.ENOSPC, "impossibile scrivere l'allegato: spazio esaurito sul disco (libera spazio sul disco; "
                   "l'allegato precedente è intatto)",
     "cannot write the annex: No space left on device (free some space on the disk; the previous annex is untouched)"),
    (errno.EROFS, "impossibile scrivere l'allegato: file system in sola lettura (il file system è in sola lettura: "
                  "scegli una cartella in cui si può scrivere; l'allegato precedente è intatto)",
     "cannot write the annex: Read-only file system (the file system is read-only: choose a writable directory; "
     "the previous annex is untouched)"),
])
def test_annex_write_failures_in_both_languages(tmp_path: Path, code: int, italian: str, english: str) -> None:
    error = _output_error(OSError(code, os.strerror(code), str(tmp_path / "out")), tmp_path / "out")
    assert IT.problem(error.problems[0]).endswith(italian)
    assert EN.problem(error.problems[0]).endswith(english)


def test_unknown_formats_and_languages_in_both_languages() -> None:
    with pytest.raises(RiskengineError) as info:
        _check_formats(("html", "odt"))
    italian, english = lines(info)
    assert italian.startswith("--format: error[report]: formato sconosciuto: odt (attesi: html, ")
    assert english.startswith("--format: error[report]: unknown format(s): odt (expected: html, ")
    for refuse in (lambda: Messages("fr"), lambda: language("fr")):
        with pytest.raises(RiskengineError) as info:
            refuse()
        italian, english = lines(info)
        assert italian.endswith("lingua sconosciuta 'fr' (lingue disponibili: it, en)")
        assert english.endswith("unknown language 'fr' (expected one of: it, en)")


def test_result_file_refusals_in_both_languages(tmp_path: Path) -> None:
    with pytest.raises(RiskengineError) as info:
        read_result(tmp_path / "manca.json")
    italian, english = lines(info)
    assert italian.endswith("error[result]: il file di risultato non esiste (indica il risultato.json scritto da "
                            "'riskengine assess', o valuta di nuovo il catalogo)")
    assert english.endswith("error[result]: no such result file (give the risultato.json that 'riskengine assess' "
                            "writes, or assess the catalogue again)")
    damaged = tmp_path / "risultato.json"
    damaged.write_text('{"formato": "riskengine-risultato/1", "processi": [', encoding="utf-8")
    with pytest.raises(RiskengineError) as info:
        read_result(damaged)
    italian, _ = lines(info)
    assert "non è JSON valido (" in italian and "il file è danneggiato o troncato" in italian
    (tmp_path / "vecchio.json").write_text('{"formato": "riskengine-risultato/0"}', encoding="utf-8")
    with pytest.raises(RiskengineError) as info:
        read_result(tmp_path / "vecchio.json")
    italian, english = lines(info)
    assert "è un risultato del formato 'riskengine-risultato/0'; questa versione di riskengine legge" in italian
    assert "(valuta di nuovo il catalogo con questa versione di riskengine)" in italian
    assert "is a result of format 'riskengine-risultato/0'; this riskengine reads" in english


@pytest.mark.parametrize(("text", "italian"), [
    ('{"formato": "riskengine-risultato/1", "processi": [', "1:52: error[result]: non è JSON valido (qui è atteso un valore)"),
    ('{"formato": 1,}', "1:15: error[result]: non è JSON valido (qui è attesa una chiave tra virgolette doppie)"),
    ('{"formato" 1}', "1:12: error[result]: non è JSON valido (dopo la chiave mancano i due punti ':')"),
    ('{\n"formato": 1\n"processi": []}', "3:1: error[result]: non è JSON valido (manca una virgola ',' tra due voci)"),
    ('{"formato": "riskengine', "1:13: error[result]: non è JSON valido (un testo tra virgolette non è mai chiuso)"),
    ('{"formato": "a\tb"}', "1:15: error[result]: non è JSON valido (un carattere di controllo dentro un testo)"),
    ('{"formato": "\\q"}', "1:14: error[result]: non è JSON valido (una sequenza con barra rovesciata '\\' non valida)"),
    ('{"formato": "\\u12"}', "1:15: error[result]: non è JSON valido (una sequenza con barra rovesciata '\\' non valida)"),
    ('{} {}', "1:4: error[result]: non è JSON valido (dopo la fine del JSON c'è altro testo)"),
    ('\ufeff{"formato": 1}', "1:1: error[result]: non è JSON valido (il file comincia con il segno BOM che alcuni "
                             "editor di Windows aggiungono salvando)"),
])
def test_why_a_result_is_not_json_is_said_in_italian(tmp_path: Path, text: str, italian: str) -> None:
    path = tmp_path / "risultato.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RiskengineError) as info:
        read_result(path)
    shown, english = lines(info)
    assert f"{italian}: il file è danneggiato o troncato" in shown, shown
    assert not english_words(shown), shown
    assert "is not valid JSON (" in english and "the file is damaged or truncated" in english


@pytest.mark.parametrize(("change", "italian", "english"), [
    (lambda d: d["processi"][0].pop("codice"), "processi[0].codice: manca", "processi[0].codice: missing"),
    (lambda d: d["processi"][0].update(codice=7), "processi[0].codice: atteso un testo",
     "processi[0].codice: expected text"),
    (lambda d: d["processi"][0].update(valutato="forse"), "processi[0].valutato: atteso true o false",
     "processi[0].valutato: expected true or false"),
    (lambda d: d["processi"][0].update(aree="A"), "processi[0].aree: atteso un elenco",
     "processi[0].aree: expected a list"),
    (lambda d: d["processi"][0]["eventi"][0]["misure"][0].update(tramite="ufficio"),
     "processi[0].eventi[0].misure[0].tramite: valore non ammesso", "tramite: value not allowed"),
])
def test_why_a_result_is_not_valid_is_worded_in_both_languages(tmp_path: Path, change, italian: str,
                                                               english: str) -> None:
    data = json.loads((REPO / "tests" / "golden" / "mini" / "risultato.json").read_text(encoding="utf-8"))
    change(data)
    path = tmp_path / "risultato.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RiskengineError) as info:
        read_result(path)
    shown_it, shown_en = lines(info)
    assert italian in shown_it and "non è un risultato" in shown_it, shown_it
    assert english in shown_en, shown_en


# --- rule tests ----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("fact", "italian", "english"), [
    ('"molte"', "fatto 'misure_specifiche': atteso un numero, trovato 'molte'",
     "fact 'misure_specifiche': expected a number, got 'molte'"),
    (".nan", "fatto 'misure_specifiche': atteso un numero finito, trovato nan",
     "fact 'misure_specifiche': expected a finite number, got nan"),
    ('"1E+999999999"', "fatto 'misure_specifiche': 1E+999999999 è fuori dai numeri che il motore confronta in modo "
                       "esatto (fino a 10^12 in valore assoluto)",
     "fact 'misure_specifiche': 1E+999999999 is outside the range the engine compares exactly"),
    ('"0.12345678"', "fatto 'misure_specifiche': 0.12345678 ha più di 6 decimali",
     "fact 'misure_specifiche': 0.12345678 has more than 6 decimals"),
])
def test_rule_test_fact_type_errors_in_both_languages(tmp_path: Path, fact: str, italian: str, english: str) -> None:
    method = tmp_path / "metodo"
    shutil.copytree(RULES / "cciaa-torino-2022", method)
    cases = method / "tests" / "politiche.yaml"
    text = cases.read_text(encoding="utf-8")
    cases.write_text(text.replace("fatti: {misure_specifiche: 1}\n", f"fatti: {{misure_specifiche: {fact}}}\n"),
                     encoding="utf-8")
    it, en = run_cli("test", str(method), "--lang", "it"), run_cli("test", str(method), "--lang", "en")
    assert it.exit_code == en.exit_code == 1
    assert f"error[rule-test]: {italian}" in it.stderr, it.stderr
    assert f"error[rule-test]: {english}" in en.stderr, en.stderr


# --- the YAML reader's problems ---------------------------------------------------------------------------

# broken text -> the cause it is explained by; each with libyaml (the loader in use) and PyYAML's own parser
YAML_CASES = {
    "nome: Ufficio: contratti\n": "due_punti",
    "a: 1\nb\nc: 2\n": "manca_due_punti",
    "a:\n\tb: 1\n": "tabulazione",
    "a: 1\n\tb: 2\n": "tabulazione",
    "a: @x\n": "carattere_iniziale",
    "a:\n  b: 1\n c: 2\n": "chiave_tra_livelli",
    'a:\n  b: "1"\n    c: 2\n': "chiave_piu_rientrata",
    "a: 1\nb:\n  c: 'x' y\n": "chiave_attesa",
    "- a: 1\n b: 2\n": "chiave_meno_rientrata",
    "a:\n  - b: 1\n  c: 2\n": "chiave_nell_elenco",
    "a:\n  - 1\n  b: 2\n": "trattino_atteso",
    'a:\n  b: "x\n  c: "y"\n': "virgolette_chiuse_dopo",
    "a:\n  - 'x\n  - 'y'\n": "virgolette_chiuse_dopo",
    # a value's own quote closing it on a later line, and text after it: no quote was left open (review of 123f94b)
    "a:\n  nome: 'Procedure\n    dell'ente'\n  b: 1\n": "chiave_attesa",
    'p:\n  - codice: x\n    nome: "Procedure di\n      mobilità".\n': "chiave_attesa",
    "a: *x\n": "alias_sconosciuto",
    'a: "abc\nb: 2\n': "virgolette_aperte",
    "a: 'abc\nb: 2\n": "virgolette_aperte",
    "a: {x: 1\nb: 2\n": "graffa_aperta",
    "a: [1, 2\nb: 2\n": "quadra_aperta",
    'a: "x\\qy"\n': "escape",
    "a: 1\n...\nb\n": "secondo_documento",
    "a: ]\n": "valore_atteso",
    "a: &\n": "nome_ancora",
    "%YAML 1.1\n%YAML 1.1\n---\na: 1\n": "direttiva",
    "a: |x\n": "testo_dopo_blocco",
    "a: !x|y\n": "etichetta",
    "a: ? b\n": "chiave_complessa",
    "aree: - C\n": "trattino_stessa_riga",
}
# libyaml cannot tell the second 'a:' from a block: it says "did not find expected '-' indicator"
PYYAML_ONLY = {"a:\n  - 1\n  b: 2\n": "chiave_attesa"}


def refused(tmp_path: Path, text: str) -> pytest.ExceptionInfo[RiskengineError]:
    """The refusal of ``text`` as a catalogue file (ente.yaml)."""
    path = tmp_path / "ente.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(RiskengineError) as info:
        load_yaml(path)
    return info


@pytest.mark.parametrize("text", sorted(YAML_CASES))
def test_the_yaml_readers_problems_are_explained_in_italian(tmp_path: Path, text: str) -> None:
    info = refused(tmp_path, text)
    problem = info.value.problems[0]
    cause = YAML_CASES[text]
    assert problem.key == f"problemi.yaml.sintassi.{cause}"
    italian, english = IT.problem(problem), EN.problem(problem)
    assert "error[load]: YAML non valido: " in italian and not english_words(italian), italian
    # English explains it too, with the cause's own hint (it kept the reader's words and a general hint)
    assert f"error[load]: {problem.message} (" in english and problem.message.startswith("invalid YAML: ")
    assert "check indentation, colons and quotes" not in english
    assert not re.search(r"\b(found|while scanning|while parsing|could not find|did not find)\b", english), english
    # PyYAML's pure-Python parser (where libyaml is missing) words the same problems otherwise
    with pytest.raises(yaml.MarkedYAMLError) as pure:
        yaml.load(text, Loader=yaml.SafeLoader)
    assert yaml_problem(str(tmp_path / "ente.yaml"), pure.value, text).problems[0].key == \
        f"problemi.yaml.sintassi.{PYYAML_ONLY.get(text, cause)}", pure.value


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="ab: -\t\n\"'{}[],&*!%#|>?@`\\.", max_size=40))
def test_any_broken_yaml_is_worded_in_both_languages_from_the_catalogue(text: str) -> None:
    """Whatever the reader stops at, the refusal is a key of both catalogues whose values fill its label."""
    problem = None
    try:
        yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        problem = yaml_problem("f.yaml", exc, text).problems[0]
    except yaml.YAMLError as exc:  # a character YAML refuses: the reader gives no mark, it is found and named
        problem = reader_problem("f.yaml", exc, text).problems[0]
    assume(problem is not None)
    assert problem is not None
    assert problem.key.startswith("problemi.yaml.sintassi.")
    italian, english = IT.problem(problem), EN.problem(problem)
    assert "YAML non valido: " in italian and "invalid YAML: " in english
    assert problem.location.line >= 1


def test_an_unclosed_quote_is_placed_where_it_was_opened() -> None:
    text = 'nome: "Camera di commercio\ndipendenti: 60\ncodice: x\n'
    with pytest.raises(yaml.MarkedYAMLError) as info:
        yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    problem = yaml_problem("ente.yaml", info.value, text).problems[0]
    assert IT.problem(problem).startswith("ente.yaml:4:1: error[load]: YAML non valido: le virgolette aperte alla "
                                          "riga 1 non sono mai chiuse (chiudi le virgolette")


# A catalogue's usual slips (processes.yaml of the bundled example, one line changed): where the reader stops, and
# what the author is told there.
SLIPS = {
    "a key indented like the list's dashes": (
        lambda lines: lines.__setitem__(2, lines[2][2:]),
        "processes.yaml:3:3: error[load]: YAML non valido: la chiave 'nome' comincia alla colonna 3, quella del "
        "trattino '-' dell'elemento di elenco della riga 2, ma non ha il trattino (se è una chiave di quell'elemento, "
        "spostala alla colonna 5 come le sue chiavi; se comincia un nuovo elemento, scrivi '- ' prima della chiave)"),
    "a key indented past its mapping's": (
        lambda lines: lines.__setitem__(3, "  " + lines[3]),
        "processes.yaml:4:7: error[load]: YAML non valido: la chiave 'aree' comincia alla colonna 7, oltre la colonna "
        "5 delle chiavi della mappa che comincia alla riga 2 (spostala alla colonna 5, come le chiavi della riga 2; "
        "rientra solo con spazi)"),
    "a key between two levels": (  # review of 123f94b: it was told to move to column 1, out of processes.yaml's list
        lambda lines: lines.__setitem__(4, " " + lines[4].lstrip()),
        "processes.yaml:5:2: error[load]: YAML non valido: la chiave 'unita' comincia alla colonna 2, tra la colonna 1 "
        "delle chiavi della mappa che comincia alla riga 1 e la colonna 5 della chiave della riga 4 (spostala alla "
        "colonna 5 se è una chiave come quella della riga 4, o alla colonna 1 se è una chiave della mappa della riga 1"),
    "a quote left open, closed by the next quoted value": (
        lambda lines: lines.__setitem__(2, lines[2].rstrip('"')),
        "processes.yaml:3:11: error[load]: YAML non valido: le virgolette aperte qui si chiudono solo alla riga 8, con "
        "quelle di un altro valore: le righe in mezzo sono prese per testo di questo valore (chiudi le virgolette"),
}
PROCESS = """\
processi:
  - codice: B1.1.1
    nome: "Procedure di assunzione di personale"
    aree: [A]
    unita: PERS
    fasi:
      - codice: B1.1.1.1
        nome: "Definizione dei requisiti"
      - codice: B1.1.1.2
        nome: "Nomina commissione esaminatrice"
"""


@pytest.mark.parametrize("slip", sorted(SLIPS))
def test_a_misplaced_key_or_an_open_quote_is_said_as_the_author_made_it(tmp_path: Path, slip: str) -> None:
    change, expected = SLIPS[slip]
    lines = PROCESS.splitlines()
    change(lines)
    path = tmp_path / "processes.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RiskengineError) as info:
        load_yaml(path)
    assert IT.problem(info.value.problems[0]).replace(str(tmp_path) + "/", "").startswith(expected), \
        IT.problem(info.value.problems[0])


def test_the_lines_a_yaml_problem_cites_are_counted_as_the_reader_counts_them() -> None:
    # Regression (review of 123f94b): a carriage return or a line separator inside a quoted value is a line break
    # to the reader, which locates the problem so; the item and the quote cited were counted by "\n" alone.
    for text, expected in (('z: "a\rb"\na:\n  - b: 1\n  c: 2\n', ("5:3:", "dell'elemento di elenco della riga 4")),
                           ('z: "a\u2028b"\na:\n  b: "x\n  c: "y"\n', ("4:6:", "si chiudono solo alla riga 5"))):
        for loader in (getattr(yaml, "CSafeLoader", yaml.SafeLoader), yaml.SafeLoader):
            with pytest.raises(yaml.MarkedYAMLError) as info:
                yaml.load(text, Loader=loader)
            said = IT.problem(yaml_problem("f.yaml", info.value, text).problems[0])
            assert said.startswith(f"f.yaml:{expected[0]}") and expected[1] in said, said


def test_an_unknown_yaml_problem_is_quoted_in_an_italian_sentence(tmp_path: Path) -> None:
    italian, english = lines(refused(tmp_path, "%Y@\n"))
    assert italian.endswith("error[load]: YAML non valido: il lettore YAML segnala «found unexpected "
                            "non-alphabetical character» (controlla rientri, due punti e virgolette in questo punto)"), italian
    assert english.endswith("error[load]: invalid YAML: found unexpected non-alphabetical character "
                            "(check indentation, colons and quotes around this place)"), english


# A value the reader takes for a date or a number but cannot build: its cause in both languages, never Python's
# English ("day is out of range for month", "invalid literal for int()", "use sys.set_int_max_str_digits()").
VALUE_CASES = {
    "d: 2026-02-30\n": ("1:4: error[load]: data non valida '2026-02-30': il giorno 30 non esiste in quel mese, che ha "
                        "28 giorni (scrivi le date come AAAA-MM-GG)",
                        "1:4: error[load]: invalid date '2026-02-30': there is no day 30 in that month, which has 28 days "
                        "(write dates as YYYY-MM-DD)"),
    "d: 2024-02-30\n": ("il giorno 30 non esiste in quel mese, che ha 29 giorni", "which has 29 days"),
    "d: 2026-13-01\n": ("data non valida '2026-13-01': il mese 13 non esiste (da 1 a 12)",
                        "there is no month 13 (1 to 12)"),
    "d: 0000-01-01\n": ("data non valida '0000-01-01': l'anno 0 non esiste", "there is no year 0"),
    "d: 2026-01-01 24:00:00\n": ("l'ora 24:00:00 non esiste (ore da 0 a 23, minuti e secondi da 0 a 59)",
                                 "there is no time 24:00:00"),
    "d: 2026-01-01 10:60:00\n": ("l'ora 10:60:00 non esiste", "there is no time 10:60:00"),
    "d: 2026-01-01T10:00:00+24:00\n": ("il fuso orario +24:00 è di 24 ore o più", "the time zone +24:00 is 24 hours"),
    "n: 0x_\n": ("1:4: error[load]: numero non valido '0x_': mancano le cifre dopo '0x' o '0b' (se è un testo, "
                 "scrivilo tra virgolette)", "digits are missing after '0x' or '0b'"),
    "n: -0b_\n": ("mancano le cifre dopo '0x' o '0b'", "digits are missing after '0x' or '0b'"),
    "n: 1" + "0" * 5000 + "\n": ("numero non valido '1000000000000000000000000000000000000000… (5.001 caratteri)': un "
                                 "numero di più di 4.300 cifre, che non si può leggere",
                                 "a number of more than 4,300 digits, which cannot be read"),
    "a: \"x\x07y\"\n": ("1:6: error[load]: YAML non valido: un carattere di controllo, di solito invisibile (U+0007), "
                        "non è ammesso (cancellalo: di solito arriva con un testo incollato da un altro programma)",
                        "1:6: error[load]: invalid YAML: a control character, usually invisible (U+0007), is not allowed"),
    "a: &x 1\nb: *x\nc: \x07\n": ("3:4: error[load]: YAML non valido: un carattere di controllo",  # read as a tree
                                 "3:4: error[load]: invalid YAML: a control character"),
    # lines counted as the reader counts them, NEL and CR included (CR LF once), as every other problem is located
    "a: 1\nb: à \x85 \x9b\n": ("3:2: error[load]: YAML non valido: un carattere di controllo, di solito invisibile "
                                "(U+009B)", "3:2: error[load]: invalid YAML: a control character"),
    "a: 1\rb: 2\r\nc: x\x1b\n": ("3:5: error[load]: YAML non valido: un carattere di controllo",
                                "3:5: error[load]: invalid YAML: a control character"),
    # explicit tags: values PyYAML's constructors fail on other than with ValueError
    "n: !!int 12a\n": ("1:4: error[load]: numero non valido '12a': non è un numero", "invalid number '12a': not a number"),
    "n: !!int ''\n": ("1:4: error[load]: numero non valido '': non è un numero", "invalid number '': not a number"),
    "n: !!float abc\n": ("numero non valido 'abc': non è un numero", "invalid number 'abc': not a number"),
    "n: !!bool forse\n": ("1:4: error[load]: valore non valido 'forse': attesi true o false",
                          "1:4: error[load]: invalid value 'forse': expected true or false"),
    "n: !!timestamp ieri\n": ("1:4: error[load]: data non valida 'ieri': non è una data del calendario",
                              "invalid date 'ieri': is not a calendar date"),
}


@pytest.mark.parametrize("text", sorted(VALUE_CASES))
def test_a_value_that_is_no_date_or_number_says_why_in_both_languages(tmp_path: Path, text: str) -> None:
    italian, english = lines(refused(tmp_path, text))
    expected_it, expected_en = VALUE_CASES[text]
    assert expected_it in italian, italian
    assert expected_en in english, english
    assert not english_words(italian), italian
    for python_words in ("out of range", "must be in", "invalid literal", "Exceeds", "sys.", "offset", "unacceptable",
                         "position"):
        assert python_words not in italian + english


def test_what_a_path_is_when_it_is_not_a_file_is_said_in_italian(tmp_path: Path) -> None:
    # 'non è un file ordinario: a named pipe (FIFO)' kept the English of the kind
    path = tmp_path / "ente.yaml"
    os.mkfifo(path)
    with pytest.raises(RiskengineError) as info:
        load_yaml(path)
    italian, english = lines(info)
    assert italian.endswith("error[load]: non è un file ordinario: una pipe con nome (FIFO) (i file di regole e di "
                            "catalogo sono file YAML ordinari)"), italian
    assert "not a regular file: a named pipe (FIFO)" in english


def test_without_a_limit_on_digits_a_long_integer_loads_and_0x_still_lacks_digits(tmp_path: Path) -> None:
    limit = sys.get_int_max_str_digits()
    path = tmp_path / "ente.yaml"
    try:
        sys.set_int_max_str_digits(0)  # as PYTHONINTMAXSTRDIGITS=0 sets it
        path.write_text("n: 1" + "0" * 5000 + "\n", encoding="utf-8")
        assert load_yaml(path).data == {"n": 10 ** 5000}
        path.write_text("n: 0x_\n", encoding="utf-8")
        with pytest.raises(RiskengineError) as info:
            load_yaml(path)
    finally:
        sys.set_int_max_str_digits(limit)
    assert "numero non valido '0x_': mancano le cifre dopo '0x' o '0b'" in lines(info)[0]


@pytest.mark.parametrize(("code", "italian"), [(errno.EACCES, "permesso negato"),
                                               (errno.EMFILE, "troppi file aperti da questo programma")])
def test_a_file_that_cannot_be_opened_or_read_says_why_in_italian(tmp_path: Path, code: int, italian: str) -> None:
    """The system's reason is worded by its errno, not quoted in English (strerror)."""
    from riskengine.source import document

    path = tmp_path / "ente.yaml"
    path.write_text("a: 1\n", encoding="utf-8")
    reason = os.strerror(code)

    def denied(*args: object, **kwargs: object) -> int:
        raise OSError(code, reason)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(document.os, "open", denied)
        with pytest.raises(RiskengineError) as opened:
            load_yaml(path)
    shown, english = lines(opened)
    assert shown.endswith(f"ente.yaml: error[load]: impossibile leggere il file: {italian}"), shown
    assert english.endswith(f"ente.yaml: error[load]: cannot read file: {reason}"), english

    class Failing:
        def read(self, size: int) -> bytes:
            raise OSError(errno.EIO, "Input/output error")

    with pytest.raises(RiskengineError) as read:
        document.read_bounded(Failing(), path, 10, 100)  # type: ignore[arg-type]
    shown, _ = lines(read)
    assert shown.endswith("impossibile leggere il file: errore di lettura o scrittura del dispositivo"), shown


# --- workbooks ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cartella") / "catalogo.xlsx"
    result = run_cli("export-xlsx", str(EXAMPLE), "--out", str(out), "--rules", str(RULES))
    assert result.exit_code == 0, result.stderr
    return out


def test_workbook_problems_keep_their_cell_and_speak_italian(tmp_path: Path, exported: Path) -> None:
    from openpyxl import load_workbook

    broken = tmp_path / "rotto.xlsx"
    book = load_workbook(exported)
    sheet = book["Misure"]
    sheet.cell(row=1, column=sheet.max_column + 1, value="colore")  # a column riskengine does not know
    sheet["B2"] = "=1+1"
    book.save(broken)
    with pytest.raises(RiskengineError) as info:
        read_workbook(broken)
    italian, english = lines(info)
    assert italian == (f"{broken}:Misure!B2: error[workbook]: una formula non è ammessa: le celle contengono dati "
                       "(sostituiscila con il suo valore)")
    assert english == f"{broken}:Misure!B2: error[workbook]: a formula is not accepted: cells hold data " \
                      "(replace it with its value)"
    book = load_workbook(exported)
    sheet = book["Misure"]
    column = sheet.max_column + 1
    sheet.cell(row=1, column=column, value="colore")
    book.save(broken)
    it = run_cli("import-xlsx", str(broken), "--out", str(tmp_path / "cat"), "--rules", str(RULES), "--lang", "it")
    en = run_cli("import-xlsx", str(broken), "--out", str(tmp_path / "cat"), "--rules", str(RULES), "--lang", "en")
    assert it.exit_code == en.exit_code == 1
    letter = re.escape(f"{broken}:Misure!")
    assert re.search(letter + r"[A-Z]+1: error\[workbook\]: colonna 'colore' inesistente \(colonne ammesse: codice, ",
                     it.stderr), it.stderr
    assert re.search(letter + r"[A-Z]+1: error\[workbook\]: unknown column 'colore' \(allowed: codice, ", en.stderr)
    assert not (tmp_path / "cat").exists()


def test_office_container_refusals_in_both_languages(tmp_path: Path) -> None:
    macro = tmp_path / "catalogo.xlsm"
    macro.write_bytes(b"PK")
    with pytest.raises(RiskengineError) as info:
        read_workbook(macro)
    italian, english = lines(info)
    assert italian.endswith("error[workbook]: i file '.xlsm' non sono ammessi (macro o formato binario) "
                            "(salvalo come 'Cartella di lavoro di Excel (*.xlsx)')")
    # the format as "Save as" of Office names it in each language (English said the Italian menu's words)
    assert english.endswith("error[workbook]: '.xlsm' files are not accepted (macros or a binary format) "
                            "(save it as 'Excel Workbook (*.xlsx)')")
    fake = tmp_path / "catalogo.xlsx"
    fake.write_text("non sono un foglio", encoding="utf-8")
    with pytest.raises(RiskengineError) as info:
        read_workbook(fake)
    assert lines(info)[0].endswith("non è un file Office (non è un archivio zip) "
                                   "(salvalo come 'Cartella di lavoro di Excel (*.xlsx)')")
    with zipfile.ZipFile(fake, "w") as archive:
        archive.writestr("xl/vbaProject.bin", b"macro")
    with pytest.raises(RiskengineError) as info:
        read_workbook(fake)
    assert lines(info)[0].endswith("il file contiene macro (vbaProject.bin) "
                                   "(salvalo come 'Cartella di lavoro di Excel (*.xlsx)', senza macro)")


def test_questionnaire_collection_refusals_in_both_languages(tmp_path: Path) -> None:
    folder = tmp_path / "restituiti"
    folder.mkdir()
    args = ["raccogli", str(EXAMPLE), str(folder), "--rules", str(RULES)]
    it, en = run_cli(*args, "--lang", "it"), run_cli(*args, "--lang", "en")
    assert it.exit_code == en.exit_code == 1
    assert f"{folder}: error[questionario]: nessun questionario (.xlsx) nella cartella " \
           "(metti qui i questionari restituiti)" in it.stderr
    assert f"{folder}: error[questionario]: no questionnaire (.xlsx) in the folder " \
           "(put the returned questionnaires here)" in en.stderr


# --- no English left in the main error paths ----------------------------------------------------------

def test_the_main_error_paths_print_no_english_in_italian(tmp_path: Path) -> None:
    """Runs every command's common refusals in Italian; what they print has no English sentence left."""
    broken = tmp_path / "rotto"
    shutil.copytree(EXAMPLE, broken, ignore=shutil.ignore_patterns("storico.sqlite*"))
    text = (broken / "ente.yaml").read_text(encoding="utf-8")
    (broken / "ente.yaml").write_text(text.replace("dipendenti:", "dipendenti: :", 1), encoding="utf-8")
    storico = tmp_path / "storico"
    shutil.copytree(EXAMPLE, storico, ignore=shutil.ignore_patterns("storico.sqlite*"))
    (storico / "storico.yaml").write_text("anni:\n  - {anno: 2025, fonte: x}\n  - {anno: 2025, fonte: y}\n",
                                          encoding="utf-8")
    scenario = tmp_path / "scenario.yaml"
    scenario.write_text("misure:\n  - {misura: MX99, rimuovi: true}\n", encoding="utf-8")
    (tmp_path / "vuota").mkdir()
    (tmp_path / "occupata").mkdir()
    (tmp_path / "occupata" / "mio.txt").write_text("x", encoding="utf-8")
    fake = tmp_path / "finto.xlsx"
    fake.write_text("x", encoding="utf-8")
    runs = [
        ("check", str(broken)),
        ("assess", str(broken), "-o", str(tmp_path / "a")),
        ("assess", str(storico), "-o", str(tmp_path / "b"), "--rules", str(RULES)),
        ("assess", str(EXAMPLE), "-o", str(tmp_path / "occupata"), "--rules", str(RULES)),
        ("report", str(tmp_path / "manca.json"), "-o", str(tmp_path / "c")),
        ("history", str(EXAMPLE), "--db", "non un indirizzo"),
        ("whatif", str(EXAMPLE), "--scenario", str(scenario), "--rules", str(RULES)),
        ("new-year", str(EXAMPLE), "--from", "2026", "--to", "2020"),
        ("import-xlsx", str(fake), "--out", str(tmp_path / "d")),
        ("raccogli", str(EXAMPLE), str(tmp_path / "vuota"), "--rules", str(RULES)),
        ("diff", str(tmp_path / "manca.json"), str(tmp_path / "manca2.json")),
    ]
    # the scan finds English where there is some: the same refusals, asked in English
    assert english_words(run_cli(*runs[2], "--lang", "en").stderr)
    assert english_words(run_cli(*runs[-1], "--lang", "en").stderr)
    for args in runs:
        result = run_cli(*args, "--lang", "it")
        assert result.exit_code != 0, args
        printed = result.stdout + result.stderr
        assert "Traceback" not in printed, args
        assert not english_words(printed), (args, english_words(printed), printed)


# --- templates and CSV ----------------------------------------------------------------------------------

def test_template_and_csv_refusals_in_both_languages(tmp_path: Path) -> None:
    from test_report_docx import _word

    from riskengine.report.csv_files import check_delimiter
    from riskengine.report.sandbox import templates_directory

    with pytest.raises(RiskengineError) as info:
        templates_directory(tmp_path / "modelli")
    italian, english = lines(info)
    assert italian.endswith("error[template]: cartella dei modelli non trovata (indica una cartella con i file "
                            "*.html.j2 che sostituiscono quelli predefiniti)")
    assert english.endswith("error[template]: templates directory not found (give a directory holding *.html.j2 "
                            "files that override the defaults)")
    with pytest.raises(RiskengineError) as info:
        check_delimiter("|")
    assert lines(info)[0] == ("--csv-delimiter: error[report]: separatore CSV '|' non ammesso (usa ';' (predefinito "
                              "in italiano), ',' (predefinito in inglese) o una tabulazione)")
    template = _word(["{{ titolo }}", "Ente: {{ titol }}"], tmp_path / "allegato.docx")
    checked = run_cli("template-check", str(template), "--lang", "it")
    assert checked.exit_code == 1
    assert f"{template}:paragrafo 2: error[template]: il modello usa 'titol', che il risultato non fornisce " \
           "(forse 'titolo'?)" in checked.stdout, checked.stdout


def test_an_html_template_override_that_fails_says_so_in_both_languages(assessed, tmp_path: Path) -> None:
    from riskengine.report import write_annex

    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "registro.html.j2").write_text("<p>ok</p>\n<p>{% for p in view.register %}{{ p.codice }}</p>\n",
                                                encoding="utf-8")
    with pytest.raises(RiskengineError) as info:
        write_annex(assessed("mini"), tmp_path / "out", formats=("html",), templates=templates)
    italian, english = lines(info)
    assert ": error[template]: modello registro.html.j2, riga 2: TemplateSyntaxError: " in italian, italian
    assert italian.endswith("(correggi il modello, o toglilo dalla cartella dei modelli per usare quello predefinito)")
    assert ": error[template]: template registro.html.j2, line 2: TemplateSyntaxError: " in english, english
    assert not (tmp_path / "out").exists()


def test_an_integer_too_long_to_write_is_worded_in_both_languages() -> None:
    # errors.shorten says what it does not write (str() refuses over 4,300 digits); the message says it in its language
    from riskengine.errors import shorten

    values = {"valore": shorten(10 ** 400), "massimo_cifre": 13}
    assert IT.render("problemi.motore.fuori_scala", values).startswith("un numero di circa 400 cifre è fuori")
    assert EN.render("problemi.motore.fuori_scala", values).startswith("a number of about 400 digits is outside")
    assert IT.render("problemi.motore.fuori_scala", dict(values, valore=shorten(10 ** 5000))).startswith(
        "un numero di circa 5.000 cifre")


def test_a_unit_with_one_measure_not_yet_due_reads_in_the_singular() -> None:
    # the annex's unit pages said "1 non ancora dovute"
    from riskengine.i18n import Text

    t = Text("it")
    assert t("unita.non_ancora_dovute", n=1) == "1 non ancora dovuta."
    assert t("unita.non_ancora_dovute", n=3) == "3 non ancora dovute."
    assert t("unita.nessuna_dovuta", n=1) == "La misura di cui è responsabile non è ancora dovuta alla data di riferimento."
    assert t("unita.nessuna_dovuta", n=2).endswith("(2 non ancora dovute).")
    # and the sentence before it, whatever the counts ("1 attuate su 1 dovute")
    assert t("unita.attuazione", attuate=1, dovute=1, tasso="100,0 %") == (
        "Attuazione delle misure di cui è responsabile, alla data di riferimento: misure dovute 1, attuate 1 (100,0 %).")
    # the summary of assess, and a history entry with more implemented than due ("1 attuate su 2 dovute")
    assert t("cli.sintesi.attuazione", tasso="50,0%", attuate=1, dovute=2, data="31/01/2026", in_ritardo=1,
             non_dovute=1) == ("Grado di attuazione delle misure: 50,0% (al 31/01/2026: misure dovute 2, attuate 1, "
                               "in ritardo 1; non ancora dovute 1)")
    assert t("problemi.storico.attuate_oltre_dovute", attuate=2, dovute=1) == "misure attuate 2, dovute 1"
    assert t("cli.test.esito", superati=32, falliti=1) == "casi superati 32, falliti 1"  # was "1 falliti"
