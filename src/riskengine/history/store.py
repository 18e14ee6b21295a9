"""The run store: every ``assess`` run with its result, in SQLite (default) or PostgreSQL.

The schema is created and upgraded by Alembic (``migrations/``, the table in :mod:`.tables`) when a
store is opened, one process at a time. The store reads and writes with the same few SQL statements
on both databases: through the standard library's ``sqlite3`` for a SQLite file (so that recording a
run, part of every ``assess``, does not import SQLAlchemy, a third of a small run's time), through
SQLAlchemy otherwise. Each run is one insert in its own transaction: two processes recording at once
both end up recorded (SQLite waits on its lock, PostgreSQL serialises the inserts).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
import re
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from riskengine.errors import Location, RiskengineError, shorten
from riskengine.i18n import RefusalError, os_cause, refuse
from riskengine.result.writer import compact_json

if TYPE_CHECKING:
    import sqlalchemy as sa
    from pydantic import TypeAdapter

ENV_VAR = "RISKENGINE_DB"
DEFAULT_FILE = "storico.sqlite"  # next to the catalogue's YAML files; ignored by git
MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "0001"  # the latest revision in migrations/versions (tests/test_history_store.py checks it)
SQLITE_WAIT_SECONDS = 60  # how long a writer waits for another process's transaction
SCHEMA_LOCK_KEY = 0x7269736B  # PostgreSQL advisory lock taken while creating or upgrading the schema ("risk")
_SQLITE_FILE_URL = "sqlite:///"  # followed by a path: the form store_url writes

_COLUMNS = ("id", "ente", "anno", "eseguita_il", "metodo", "versione_metodo", "riskengine", "digest_input",
            "digest_regole")
_INSERT = ("INSERT INTO esecuzioni (" + ", ".join(_COLUMNS[1:]) + ", risultato) VALUES ("
           + ", ".join(f":{c}" for c in _COLUMNS[1:]) + ", :risultato)")
_RUNS = "SELECT " + ", ".join(_COLUMNS) + " FROM esecuzioni WHERE ente = :ente ORDER BY id"
_RESULT = "SELECT risultato FROM esecuzioni WHERE id = :id"
_VERSION = "SELECT version_num FROM alembic_version"


@dataclass(frozen=True)
class Run:
    """A recorded run (without its result, which :meth:`Store.result` reads)."""

    id: int
    ente: str
    anno: int
    eseguita_il: dt.datetime
    metodo: str
    versione_metodo: str
    riskengine: str
    digest_input: dict[str, str]
    digest_regole: dict[str, str]

    def as_dict(self) -> dict[str, Any]:
        """Plain data (the run time as ISO text)."""
        return {"id": self.id, "ente": self.ente, "anno": self.anno, "eseguita_il": self.eseguita_il.isoformat(),
                "metodo": self.metodo, "versione_metodo": self.versione_metodo, "riskengine": self.riskengine,
                "digest_input": self.digest_input, "digest_regole": self.digest_regole}


def store_url(catalog_dir: str | Path, db: str | None = None) -> str:
    """The store's URL: ``db``, else ``$RISKENGINE_DB``, else SQLite in ``storico.sqlite`` beside the catalogue."""
    chosen = db or os.environ.get(ENV_VAR)
    if chosen:
        return chosen
    path = Path(catalog_dir) / DEFAULT_FILE
    root, real = os.path.realpath(catalog_dir), os.path.realpath(path)
    if os.path.commonpath([root, real]) != root:
        # a catalogue from others, its store a link to a database elsewhere: it would be migrated and written to
        raise refuse(Location(str(path)), "problemi.archivio.collegamento", code="store",
                     hint_key="problemi.archivio.suggerimento.collegamento", destinazione=real[-200:])
    return f"{_SQLITE_FILE_URL}{real}"


class _Database(Protocol):
    def rows(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]: ...
    def insert(self, sql: str, params: dict[str, Any]) -> int: ...
    def close(self) -> None: ...


class _Sqlite:
    """A SQLite file through ``sqlite3``; times stored as SQLAlchemy stores them (UTC text), so either reads them."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.connection = sqlite3.connect(path, timeout=SQLITE_WAIT_SECONDS)

    def rows(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        try:
            cursor = self.connection.execute(sql, params)
            names = [column[0] for column in cursor.description]
            return [dict(zip(names, row, strict=True)) for row in cursor]
        except sqlite3.DatabaseError as exc:  # a table or column gone: a file edited by other programs
            raise _damaged(Location(self.path), str(exc)) from None

    def insert(self, sql: str, params: dict[str, Any]) -> int:
        values = {k: v.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
                  if isinstance(v, dt.datetime) else v for k, v in params.items()}
        try:
            with self.connection:  # one transaction, committed on leaving
                cursor = self.connection.execute(sql, values)
        except (sqlite3.IntegrityError, sqlite3.ProgrammingError):  # defects of ours
            raise
        except sqlite3.DatabaseError as exc:  # no space, a file size limit, a locked or read-only database
            raise _unrecorded(Location(self.path), **_db_cause(str(exc))) from None
        assert cursor.lastrowid is not None  # an insert into a table with a rowid always reports it
        return cursor.lastrowid

    def close(self) -> None:
        self.connection.close()


class _SqlAlchemy:
    """Any database SQLAlchemy reaches (PostgreSQL; SQLite URLs with options)."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def rows(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        import sqlalchemy as sa

        try:
            with self.engine.connect() as connection:
                return [dict(row._mapping) for row in connection.execute(sa.text(sql), params)]
        except sa.exc.DBAPIError as exc:  # a table or column gone; on a server, the server gone too
            if self.engine.dialect.name == "sqlite":
                raise _damaged(Location(str(self.engine.url.database)), str(exc.orig)) from None
            raise _unopened(Location("--db"), **_db_cause(str(exc.orig))) from None

    def insert(self, sql: str, params: dict[str, Any]) -> int:
        import sqlalchemy as sa

        statement = sa.text(sql + " RETURNING id").bindparams(
            *(sa.bindparam(k, type_=sa.DateTime(timezone=True)) for k, v in params.items()
              if isinstance(v, dt.datetime)))
        try:
            with self.engine.begin() as connection:
                return int(connection.execute(statement, params).scalar_one())
        except sa.exc.IntegrityError:  # a defect of ours, not the database's refusal
            raise
        except sa.exc.DBAPIError as exc:  # the server gone, no space, no permission to write, a read-only database
            if isinstance(exc, sa.exc.ProgrammingError) and getattr(exc.orig, "sqlstate", "") != "42501":
                raise  # SQL of ours the database cannot run: a defect, unless it is a refused privilege
            where = self.engine.url.database if self.engine.dialect.name == "sqlite" else "--db"
            raise _unrecorded(Location(str(where)), **_db_cause(str(exc.orig))) from None

    def close(self) -> None:
        self.engine.dispose()


def _alembic_config(connection: sa.Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _at_head(connection: sa.Connection) -> bool:
    import sqlalchemy as sa

    if not sa.inspect(connection).has_table("alembic_version"):
        return False
    return connection.execute(sa.text(_VERSION)).scalars().all() == [HEAD]


def _lock_schema(connection: sa.Connection) -> None:
    """Hold the store for this transaction, so that one process at a time creates or upgrades the schema.

    SQLite: an exclusive transaction (the DDL then commits as one, and others wait up to
    SQLITE_WAIT_SECONDS); PostgreSQL: a transaction-level advisory lock.
    """
    import sqlalchemy as sa

    backend = connection.dialect.name
    if backend == "sqlite":
        connection.exec_driver_sql("BEGIN EXCLUSIVE")
    elif backend == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})


def _migrate(engine: sa.Engine, where: Location) -> None:
    """Bring the schema to the latest revision; processes opening a new store at once wait for each other."""
    import sqlalchemy as sa

    with engine.connect() as connection:
        if _at_head(connection):
            return
        tables = sorted(sa.inspect(connection).get_table_names())
        # a SQLite file of someone else's tables: riskengine's would be written among theirs (a server's database
        # may well hold other programs' tables beside the store's)
        if tables and "alembic_version" not in tables and engine.dialect.name == "sqlite":
            raise _foreign(where, tables)
        if "alembic_version" in tables:
            _refuse_newer(connection.execute(sa.text(_VERSION)).scalars().all(), where)
    from alembic import command

    with engine.begin() as connection:
        _lock_schema(connection)
        if not _at_head(connection):  # another process may have migrated while this one waited
            command.upgrade(_alembic_config(connection), "head")


def snapshot(result: dict[str, Any]) -> dict[str, Any]:
    """What later years compare with: the summary, each process's states and each measure's outcome.

    A national result is hundreds of megabytes (traces, answers, texts); the snapshot keeps the keys
    that trends and changes read, so a recorded run reads like a result file for them.
    """
    def state(p: dict[str, Any], name: str) -> dict[str, Any] | None:
        found = p.get(name)
        return {"rischio": found["rischio"], "livello": found["livello"]} if found else None

    return {
        "formato": result["formato"], "riskengine": result["riskengine"], "anno": result["anno"],
        "ente": result["ente"], "data_valutazione": result["data_valutazione"], "digest": result["digest"],
        "metodo": {k: result["metodo"][k] for k in ("codice", "nome", "versione", "numerico", "livelli")},
        "sintesi": result["sintesi"],
        "processi": [{"codice": p["codice"], "nome": p["nome"], "valutato": p["valutato"], "livello": p.get("livello"),
                      **{s: state(p, s) for s in ("inerente", "residuo_programmato", "residuo_monitorato")}}
                     for p in result["processi"]],
        "misure": [{k: m[k] for k in ("codice", "nome", "ambito", "scadenza", "stato", "stato_monitorato",
                                      "responsabile", "processi")} for m in result["misure"]],
        **({"piano_monitoraggio": {"righe": [{"voce": r["voce"], "processo": r["processo"]}
                                            for r in result["piano_monitoraggio"]["righe"]]}}
           if "piano_monitoraggio" in result else {}),
    }


@functools.cache
def _summary() -> TypeAdapter[Any]:
    from pydantic import TypeAdapter

    from riskengine.result.model import Summary

    return TypeAdapter(Summary)


def _sound(kept: dict[str, Any]) -> bool:
    """Whether a run's values are of their kind, as later years compute with them: the year a whole number, every
    level one of the run's own method, every score decimal text, the summary's counts and means those of a result
    (a row edited by hand may hold anything)."""
    from pydantic import ValidationError

    from riskengine.result.model import DECIMAL_TEXT, scores_are_numbers

    try:
        scores_are_numbers(kept)  # type: ignore[arg-type]  # a snapshot holds the keys it reads
        _summary().validate_python(kept["sintesi"])
    except (RefusalError, ValidationError):
        return False
    scores = [state["rischio"] for p in kept["processi"] for state in (p["inerente"], p["residuo_programmato"],
                                                                      p["residuo_monitorato"]) if state]
    return type(kept["anno"]) is int and all(
        score is None or (isinstance(score, str) and re.fullmatch(DECIMAL_TEXT, score)) for score in scores)


class Store:
    """An open history store."""

    def __init__(self, database: _Database, place: str = "") -> None:
        self._database = database
        self.place = place  # where a damaged run is said to be: the file, or the masked address

    def record(self, result: dict[str, Any], when: dt.datetime | None = None) -> Run:
        """Record a run of ``result`` (at ``when``, default now, UTC); return it."""
        when = when or dt.datetime.now(dt.UTC)
        metodo = result["metodo"]
        row = {"ente": result["ente"]["codice"], "anno": int(result["anno"]), "eseguita_il": when,
               "metodo": metodo["codice"], "versione_metodo": str(metodo["versione"]),
               "riskengine": result["riskengine"],
               "digest_input": json.dumps(result["digest"]["input"], sort_keys=True),
               "digest_regole": json.dumps(result["digest"]["regole"], sort_keys=True),
               "risultato": compact_json(snapshot(result))}
        new_id = self._database.insert(_INSERT, row)
        return self._run({**row, "id": new_id})

    def _run(self, row: dict[str, Any]) -> Run:
        try:
            when = row["eseguita_il"]
            if isinstance(when, str):  # SQLite keeps text
                when = dt.datetime.fromisoformat(when)
            if when.tzinfo is None:  # SQLite keeps no offset: runs are recorded in UTC
                when = when.replace(tzinfo=dt.UTC)
            return Run(id=int(row["id"]), ente=row["ente"], anno=int(row["anno"]), eseguita_il=when,
                       metodo=row["metodo"], versione_metodo=row["versione_metodo"], riskengine=row["riskengine"],
                       digest_input=json.loads(row["digest_input"]), digest_regole=json.loads(row["digest_regole"]))
        except (ValueError, TypeError, AttributeError, RecursionError):  # a row edited by other programs
            raise refuse(Location(self.place), "problemi.archivio.esecuzione_danneggiata", code="store",
                         hint_key="problemi.archivio.suggerimento.danneggiata", esecuzione=row.get("id")) from None

    def runs(self, ente: str) -> list[Run]:
        """Every run of an administration, oldest first."""
        return [self._run(row) for row in self._database.rows(_RUNS, {"ente": ente})]

    def latest_by_year(self, ente: str) -> dict[int, Run]:
        """The latest run of each year (the one reports compare with)."""
        return {run.anno: run for run in self.runs(ente)}

    def result(self, run_id: int) -> dict[str, Any]:
        """The result recorded by a run (its :func:`snapshot`)."""
        found = self._database.rows(_RESULT, {"id": run_id})
        if not found:
            raise KeyError(run_id)
        try:
            loaded = json.loads(found[0]["risultato"])
            # every key a later year reads is there (a later version may keep more: they are let be)
            kept = snapshot(loaded) if isinstance(loaded, dict) else None
            whole = kept is not None and snapshot(kept) == kept and _sound(kept)
        except (ValueError, RecursionError, KeyError, TypeError, AttributeError):  # text edited by hand, cut short
            whole = False
        if not whole:
            raise refuse(Location(self.place), "problemi.archivio.esecuzione_danneggiata", code="store",
                         hint_key="problemi.archivio.suggerimento.danneggiata", esecuzione=run_id)
        result: dict[str, Any] = loaded
        return result

    def last_checked(self, ente: str, before: int) -> dict[str, int]:
        """The last year before ``before`` each process or phase had a selected check (latest run of each year)."""
        found: dict[str, int] = {}
        for year, run in sorted(self.latest_by_year(ente).items()):
            if year < before:
                for row in self.result(run.id).get("piano_monitoraggio", {}).get("righe", []):
                    found[row["voce"]] = year
        return found

    def close(self) -> None:
        """Release the connections."""
        self._database.close()


def _sqlite_file(url: str) -> str | None:
    """The path of a plain ``sqlite:///PATH`` URL (no options, not in memory), else None."""
    if not url.startswith(_SQLITE_FILE_URL) or any(c in url for c in "?%#"):
        return None
    path = url[len(_SQLITE_FILE_URL):]
    return path if path and path != ":memory:" else None


def _sqlite_state(path: str) -> str:
    """``head`` (a store at the latest revision), ``empty`` (a database with no table yet) or ``other`` (not a
    database, or an earlier revision: SQLAlchemy opens or upgrades it, and says why not); a database holding other
    tables, or a store of a newer revision, is refused: riskengine would write its tables among someone else's."""
    connection = sqlite3.connect(path, timeout=SQLITE_WAIT_SECONDS)
    try:
        tables = sorted(row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'"))
        if not tables:
            return "empty"
        if "alembic_version" not in tables:
            raise _foreign(Location(path), tables)
        versions = [row[0] for row in connection.execute(_VERSION)]
    except sqlite3.DatabaseError:  # not a database, or a locked one: said when SQLAlchemy opens it
        return "other"
    finally:
        connection.close()
    _refuse_newer(versions, Location(path))
    return "head" if versions == [HEAD] else "other"


def _foreign(where: Location, tables: list[str]) -> RiskengineError:
    return refuse(where, "problemi.archivio.estraneo", code="store", hint_key="problemi.archivio.suggerimento.estraneo",
                  tabelle=shorten(", ".join(tables)))


def _refuse_newer(versions: Sequence[Any], where: Location) -> None:
    """Refuse a store whose schema revision is none of ours: a newer riskengine wrote it (upgrading it is not ours
    to do, and its rows may not read as ours)."""
    known = {p.name.split("_", 1)[0] for p in (MIGRATIONS / "versions").glob("[0-9]*.py")}
    unknown = [str(v) for v in versions if str(v) not in known]
    if unknown:
        raise refuse(where, "problemi.archivio.piu_recente", code="store", revisione=shorten(unknown[0]),
                     hint_key="problemi.archivio.suggerimento.piu_recente")


# SQLite's own (English) reasons for not opening a store, worded in every language; others are shown as given.
_SQLITE_CAUSES = {
    "unable to open database file": "problemi.archivio.causa.non_apribile",
    "database is locked": "problemi.archivio.causa.bloccato",
    "file is not a database": "problemi.archivio.causa.non_database",
    "attempt to write a readonly database": "problemi.archivio.causa.sola_lettura",
    "database or disk is full": "problemi.archivio.causa.pieno",
    "disk I/O error": "problemi.archivio.causa.disco",
}


# libpq's (English) reasons for not connecting, after psycopg's "connection to server at … failed: ", worded in every
# language with the server and the names they quote. A server configured for Italian messages says the rest in Italian.
_PG_SERVER = re.compile(r'(?:connection failed|connection is bad): connection to server '
                        r'(?:at "(?P<host>[^"]*)"(?: \([^)]*\))?, port (?P<porta>\d+)|on socket "(?P<socket>[^"]*)") '
                        r'failed: (?P<reason>.*)')
_PG_CAUSES = [(re.compile(pattern), key) for pattern, key in (
    (r"Connection refused$", "rifiutata"),
    (r"No such file or directory$", "socket_assente"),
    (r"fe_sendauth: no password supplied$", "password_mancante"),
    (r'FATAL:\s+password authentication failed for user "(?P<utente>[^"]*)"$', "password_errata"),
    (r'FATAL:\s+(?:Peer|Ident) authentication failed for user "(?P<utente>[^"]*)"$', "autenticazione"),
    (r'FATAL:\s+database "(?P<database>[^"]*)" does not exist$', "database_assente"),
    (r'FATAL:\s+role "(?P<utente>[^"]*)" does not exist$', "utente_assente"),
)]
_PG_HOST = re.compile(r"failed to resolve host '(?P<host>[^']*)'")
_PG_TIMEOUT = "connection timeout expired"  # psycopg's own, naming no server
# A password, shown as *** when an address is quoted back: libpq's keyword ((ssl)password = …) hides the rest of
# the address (its value may be quoted and hold spaces); one after a user name, with or without the scheme's "//"
# before it, up to the last @ (an address that is none may still hold one).
_KEYWORD_PASSWORD = re.compile(r"((?:ssl)?password\s*=).*", re.I | re.S)
_PASSWORD = re.compile(r"(://[^:/@\s]*:|(?:^|[/\s])[^:/@\s]*:(?!//)).*@")


def _masked(address: str) -> str:
    """An address as quoted back, its passwords as ***."""
    return _PASSWORD.sub(r"\1***@", _KEYWORD_PASSWORD.sub(r"\1***", address))


def _db_cause(reason: str) -> dict[str, str]:
    """The values that word a database's reason as ``{causa}``: by key when it is one of SQLite's or libpq's
    common ones, else as the database gives it."""
    first = reason.splitlines()[0] if reason else reason
    key = _SQLITE_CAUSES.get(first)
    if key:
        return {"causa_chiave": key}
    if unknown := _PG_HOST.match(first):
        return {"causa_chiave": "problemi.archivio.causa.pg.host_sconosciuto", "host": unknown["host"]}
    if first == _PG_TIMEOUT:
        return {"causa_chiave": "problemi.archivio.causa.pg.tempo_scaduto"}
    if at := _PG_SERVER.match(first):
        host = f"[{at['host']}]" if at["host"] and ":" in at["host"] else at["host"]  # IPv6: [::1]:5432
        server = at["socket"] or f"{host}:{at['porta']}"
        for pattern, name in _PG_CAUSES:
            if found := pattern.match(at["reason"]):
                return {"causa_chiave": f"problemi.archivio.causa.pg.{name}", "server": server, **found.groupdict()}
    return {"causa": first}


def _unopened(where: Location, **cause: str) -> RiskengineError:
    return refuse(where, "problemi.archivio.non_apribile", hint_key="problemi.archivio.suggerimento.controlla",
                  variabile=ENV_VAR, **cause)


def _damaged(where: Location, reason: str) -> RiskengineError:
    return refuse(where, "problemi.archivio.danneggiato", code="store",
                  hint_key="problemi.archivio.suggerimento.danneggiato", **_db_cause(reason))


def _unrecorded(where: Location, **cause: str) -> RiskengineError:
    return refuse(where, "problemi.archivio.non_registrato", code="output",
                  hint_key="problemi.archivio.suggerimento.registra", **cause)


def open_store(url: str) -> Store:
    """Open (creating or upgrading its schema) the store at ``url``."""
    path = _sqlite_file(url)
    if path is not None:
        try:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            if _sqlite_state(path) == "head":
                return Store(_Sqlite(path), path)
        except OSError as exc:
            raise _unopened(Location(path), **os_cause(exc)) from None
        except sqlite3.Error as exc:
            raise _unopened(Location(path), **_db_cause(str(exc))) from None
        _open_with_sqlalchemy(url).close()  # create or upgrade the schema, then work without SQLAlchemy
        return Store(_Sqlite(path), path)
    return Store(_open_with_sqlalchemy(url), _masked(url))


def read_store(url: str, *, named: bool = False) -> Store:
    """The store at ``url``, to read: a SQLite file that does not exist (or is empty, or a link to nothing) is a
    store with no run, and is neither created nor given a schema (``history`` and ``diff`` write nothing beside a
    catalogue, which may be read-only). ``named``: the user named it (--db, RISKENGINE_DB): a file whose folder
    does not exist is a mistyped address, said as such."""
    path = _sqlite_database(url)
    if named and path is not None and not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        raise refuse(Location(path), "problemi.archivio.inesistente", code="store",
                     hint_key="problemi.archivio.suggerimento.inesistente", variabile=ENV_VAR)
    if path is not None and (not os.path.exists(path) or (os.path.isfile(path) and os.path.getsize(path) == 0)):
        return Store(_Empty())
    if path is not None and os.path.isfile(path):
        try:
            state = _sqlite_state(path)
        except sqlite3.Error as exc:
            raise _unopened(Location(path), **_db_cause(str(exc))) from None
        if state == "empty":  # a database with no table yet: a store with no run, given no schema
            return Store(_Empty())
        if state == "head" and _sqlite_file(url) == path:  # classified already: opened as open_store would
            return Store(_Sqlite(path), path)
    return open_store(url)


def _sqlite_database(url: str) -> str | None:
    """The file of a SQLite URL, plain or with options (``?mode=ro``, escapes), else None."""
    path = _sqlite_file(url)
    if path is not None or not url.startswith("sqlite"):
        return path
    parsed = _parsed_url(url)
    if parsed is None:
        return None  # refused by open_store, with its reason
    if parsed.get_backend_name() != "sqlite" or "uri" in parsed.query:  # file:…?uri=true: SQLite reads the URI
        return None
    return parsed.database if parsed.database and parsed.database != ":memory:" else None


class _Empty:
    """The database of a store not created yet: no rows."""

    def rows(self, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        return []

    def insert(self, sql: str, params: dict[str, Any]) -> int:
        raise TypeError("a store opened to read records nothing")

    def close(self) -> None:
        pass


def _parsed_url(url: str) -> sa.URL | None:
    """SQLAlchemy's reading of a database URL, or None when it is none."""
    import sqlalchemy as sa

    try:
        return sa.engine.make_url(url)
    except (sa.exc.ArgumentError, ValueError):  # ValueError: a port that is no number (host1:1,host2:2)
        return None


def check_url(url: str) -> None:
    """Refuse a store address that can never open (not a database URL; a kind of database without a driver
    here) before any work: a catalogue is loaded, and assessed, before its store is opened. Whether the
    database can be reached is found when it is opened."""
    if _sqlite_file(url) is not None:  # the default store: sqlite3, no SQLAlchemy imported
        return
    import sqlalchemy as sa

    parsed = _address(url)
    try:
        parsed.get_dialect().import_dbapi()
    except (sa.exc.NoSuchModuleError, ImportError):  # nessuno://; mysql:// without its driver
        raise _unsupported(parsed) from None


def _address(url: str) -> sa.URL:
    """The URL as SQLAlchemy reads it, PostgreSQL through the driver we install; refused when it is none."""
    parsed = _parsed_url(url)
    if parsed is None:
        raise refuse(Location("--db"), "problemi.archivio.non_indirizzo", indirizzo=_masked(url),
                     hint_key="problemi.archivio.suggerimento.indirizzo")
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        return parsed.set(drivername="postgresql+psycopg")  # psycopg 3
    return parsed


def _unsupported(parsed: sa.URL) -> RiskengineError:
    return _unopened(Location("--db"), causa_chiave="problemi.archivio.causa.non_supportato",
                     tipo=parsed.get_backend_name())


def _open_with_sqlalchemy(url: str) -> _SqlAlchemy:
    import sqlalchemy as sa

    parsed = _address(url)
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        options["connect_args"] = {"timeout": SQLITE_WAIT_SECONDS}
        if parsed.database:
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _unopened(Location(parsed.database), **os_cause(exc)) from None
    try:
        engine = sa.create_engine(parsed, **options)
        _migrate(engine, Location(str(url) if parsed.get_backend_name() == "sqlite" else "--db"))
    except (sa.exc.NoSuchModuleError, ImportError):  # mysql://, oracle://: no driver installed, or no such dialect
        raise _unsupported(parsed) from None
    except sa.exc.DatabaseError as exc:
        raise _unopened(Location(str(url) if parsed.get_backend_name() == "sqlite" else "--db"),
                        **_db_cause(str(exc.orig if hasattr(exc, "orig") else exc))) from None
    return _SqlAlchemy(engine)
