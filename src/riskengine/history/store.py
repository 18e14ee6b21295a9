"""The run store: every ``assess`` run with its result, in SQLite (default) or PostgreSQL.

SQLAlchemy Core builds every statement, so the same code serves both databases; the schema is
created and upgraded by Alembic (``migrations/``) when a store is opened. Each run is one
insert in its own transaction: two processes recording at once both end up recorded (SQLite
waits on its lock, PostgreSQL serialises the inserts).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from riskengine.errors import Location, RiskengineError
from riskengine.i18n import os_cause, refuse

ENV_VAR = "RISKENGINE_DB"
DEFAULT_FILE = "storico.sqlite"  # next to the catalogue's YAML files; ignored by git
MIGRATIONS = Path(__file__).with_name("migrations")
HEAD = "0001"  # the latest revision in migrations/versions (tests/test_history_store.py checks it)
SQLITE_WAIT_SECONDS = 60  # how long a writer waits for another process's transaction
SCHEMA_LOCK_KEY = 0x7269736B  # PostgreSQL advisory lock taken while creating or upgrading the schema ("risk")

METADATA = sa.MetaData()
RUNS = sa.Table(
    "esecuzioni", METADATA,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ente", sa.String(200), nullable=False),
    sa.Column("anno", sa.Integer, nullable=False),
    sa.Column("eseguita_il", sa.DateTime(timezone=True), nullable=False),
    sa.Column("metodo", sa.String(200), nullable=False),
    sa.Column("versione_metodo", sa.String(100), nullable=False),
    sa.Column("riskengine", sa.String(50), nullable=False),
    sa.Column("digest_input", sa.Text, nullable=False),
    sa.Column("digest_regole", sa.Text, nullable=False),
    sa.Column("risultato", sa.Text, nullable=False),
    sa.Index("ix_esecuzioni_ente_anno", "ente", "anno"),
)


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
    return f"sqlite:///{(Path(catalog_dir) / DEFAULT_FILE).resolve()}"


def _alembic_config(connection: sa.Connection) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def _at_head(connection: sa.Connection) -> bool:
    # Read with SQLAlchemy alone: Alembic (a fifth of assess's start-up) is imported only to migrate.
    if not sa.inspect(connection).has_table("alembic_version"):
        return False
    versions = connection.execute(sa.text("SELECT version_num FROM alembic_version")).scalars().all()
    return versions == [HEAD]


def _lock_schema(connection: sa.Connection) -> None:
    """Hold the store for this transaction, so that one process at a time creates or upgrades the schema.

    SQLite: an exclusive transaction (the DDL then commits as one, and others wait up to
    SQLITE_WAIT_SECONDS); PostgreSQL: a transaction-level advisory lock.
    """
    backend = connection.dialect.name
    if backend == "sqlite":
        connection.exec_driver_sql("BEGIN EXCLUSIVE")
    elif backend == "postgresql":
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})


def _migrate(engine: sa.Engine) -> None:
    """Bring the schema to the latest revision; processes opening a new store at once wait for each other."""
    with engine.connect() as connection:
        if _at_head(connection):
            return
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


class Store:
    """An open history store."""

    def __init__(self, engine: sa.Engine) -> None:
        self.engine = engine

    def record(self, result: dict[str, Any], when: dt.datetime | None = None) -> Run:
        """Record a run of ``result`` (at ``when``, default now, UTC); return it."""
        when = when or dt.datetime.now(dt.UTC)
        metodo = result["metodo"]
        row = {"ente": result["ente"]["codice"], "anno": int(result["anno"]), "eseguita_il": when,
               "metodo": metodo["codice"], "versione_metodo": str(metodo["versione"]),
               "riskengine": result["riskengine"],
               "digest_input": json.dumps(result["digest"]["input"], sort_keys=True),
               "digest_regole": json.dumps(result["digest"]["regole"], sort_keys=True),
               "risultato": json.dumps(snapshot(result), sort_keys=True, ensure_ascii=False, separators=(",", ":"))}
        with self.engine.begin() as connection:
            key = connection.execute(RUNS.insert().values(**row)).inserted_primary_key
        assert key is not None  # an insert into a table with a primary key always reports it
        new_id = key[0]
        return self._run({**row, "id": new_id})

    @staticmethod
    def _run(row: Any) -> Run:
        data = dict(row)
        when = data["eseguita_il"]
        if when.tzinfo is None:  # SQLite keeps no offset: runs are recorded in UTC
            when = when.replace(tzinfo=dt.UTC)
        return Run(id=int(data["id"]), ente=data["ente"], anno=int(data["anno"]), eseguita_il=when,
                   metodo=data["metodo"], versione_metodo=data["versione_metodo"], riskengine=data["riskengine"],
                   digest_input=json.loads(data["digest_input"]), digest_regole=json.loads(data["digest_regole"]))

    def runs(self, ente: str) -> list[Run]:
        """Every run of an administration, oldest first."""
        columns = [c for c in RUNS.c if c.name != "risultato"]
        query = sa.select(*columns).where(RUNS.c.ente == ente).order_by(RUNS.c.id)
        with self.engine.connect() as connection:
            return [self._run(row._mapping) for row in connection.execute(query)]

    def latest_by_year(self, ente: str) -> dict[int, Run]:
        """The latest run of each year (the one reports compare with)."""
        return {run.anno: run for run in self.runs(ente)}

    def result(self, run_id: int) -> dict[str, Any]:
        """The result recorded by a run (its :func:`snapshot`)."""
        with self.engine.connect() as connection:
            text = connection.execute(sa.select(RUNS.c.risultato).where(RUNS.c.id == run_id)).scalar_one()
        loaded: dict[str, Any] = json.loads(text)
        return loaded

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
        self.engine.dispose()


# SQLite's own (English) reasons for not opening a store, worded in every language; others are shown as given.
_SQLITE_CAUSES = {
    "unable to open database file": "problemi.archivio.causa.non_apribile",
    "database is locked": "problemi.archivio.causa.bloccato",
    "file is not a database": "problemi.archivio.causa.non_database",
    "attempt to write a readonly database": "problemi.archivio.causa.sola_lettura",
}


def _unopened(where: Location, **cause: str) -> RiskengineError:
    return refuse(where, "problemi.archivio.non_apribile", hint_key="problemi.archivio.suggerimento.controlla",
                  variabile=ENV_VAR, **cause)


def open_store(url: str) -> Store:
    """Open (creating or upgrading its schema) the store at ``url``."""
    try:
        parsed = sa.engine.make_url(url)
    except sa.exc.ArgumentError:
        raise refuse(Location("--db"), "problemi.archivio.non_indirizzo", indirizzo=url,
                     hint_key="problemi.archivio.suggerimento.indirizzo") from None
    options: dict[str, Any] = {}
    if parsed.get_backend_name() == "sqlite":
        options["connect_args"] = {"timeout": SQLITE_WAIT_SECONDS}
        if parsed.database:
            try:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise _unopened(Location(parsed.database), **os_cause(exc)) from None
    elif parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")  # psycopg 3, the driver we install
    try:
        engine = sa.create_engine(parsed, **options)
        _migrate(engine)
    except (sa.exc.OperationalError, sa.exc.NoSuchModuleError) as exc:
        reason = str(exc.orig if hasattr(exc, "orig") else exc).splitlines()[0]
        key = _SQLITE_CAUSES.get(reason)
        raise _unopened(Location(str(url) if parsed.get_backend_name() == "sqlite" else "--db"),
                        **({"causa_chiave": key} if key else {"causa": reason})) from None
    return Store(engine)
