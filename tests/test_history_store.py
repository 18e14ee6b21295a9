"""The run store on SQLite and on PostgreSQL: migrations, recording, the latest run of each year, concurrency."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from history_helpers import catalog_copy, drop_postgres_schema, empty_postgres, postgres_url, riskengine, sqlite_url

from riskengine.errors import RiskengineError
from riskengine.history.store import DEFAULT_FILE, HEAD, MIGRATIONS, open_store
from riskengine.history.store import store_url as default_url


@pytest.fixture(scope="module", autouse=True)
def _own_postgres_schema():
    """This process's PostgreSQL schema dropped after the module's tests (a test empties it before it starts)."""
    yield
    drop_postgres_schema()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    """A fresh, empty store on each database (PostgreSQL: the server .ci/run starts, else skipped)."""
    return sqlite_url(tmp_path) if request.param == "sqlite" else empty_postgres()


@pytest.fixture(scope="module")
def mini_result() -> dict:
    from history_helpers import REPO

    from riskengine.pipeline import assess

    return assess(REPO / "tests" / "data" / "mini", rules_dir=REPO / "rules")


def _result(base: dict, anno: int, marker: str, ente: str = "ente-prova") -> dict:
    return dict(base, ente=dict(base["ente"], codice=ente), anno=anno,
                digest={"input": {"ente.yaml": marker}, "regole": {"method.yaml": "r"}},
                sintesi=dict(base["sintesi"], marker=marker))


def test_open_migrates_to_the_latest_revision(store_url):
    open_store(store_url).close()
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
        assert revision == ScriptDirectory(str(MIGRATIONS)).get_current_head()
        assert "esecuzioni" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()
    open_store(store_url).close()  # opening again (already at head) changes nothing


def test_the_head_the_store_checks_without_alembic_is_the_migrations_head():
    assert ScriptDirectory(str(MIGRATIONS)).get_current_head() == HEAD


def test_a_store_behind_the_head_is_migrated(tmp_path):
    url = sqlite_url(tmp_path)
    open_store(url).close()
    engine = sa.create_engine(url)
    with engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM alembic_version"))
        connection.execute(sa.text("DROP TABLE esecuzioni"))
    engine.dispose()
    open_store(url).close()
    engine = sa.create_engine(url)
    try:
        assert "esecuzioni" in sa.inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_runs_are_kept_and_the_latest_of_each_year_wins(store_url, mini_result):
    store = open_store(store_url)
    try:
        t0 = dt.datetime(2026, 1, 15, 9, 0, tzinfo=dt.UTC)
        first = store.record(_result(mini_result, 2025, "a"), t0)
        second = store.record(_result(mini_result, 2026, "b"), t0 + dt.timedelta(hours=1))
        third = store.record(_result(mini_result, 2026, "c"), t0 + dt.timedelta(hours=2))
        store.record(_result(mini_result, 2026, "other", ente="altro-ente"), t0)
        runs = store.runs("ente-prova")
        assert [r.id for r in runs] == [first.id, second.id, third.id]
        assert runs[0].eseguita_il == t0 and runs[0].digest_input == {"ente.yaml": "a"}
        latest = store.latest_by_year("ente-prova")
        assert {y: r.id for y, r in latest.items()} == {2025: first.id, 2026: third.id}
        recorded = store.result(third.id)
        assert recorded["sintesi"]["marker"] == "c" and recorded["anno"] == 2026
        # the snapshot: what trends and changes read, without traces and answers
        assert [p["codice"] for p in recorded["processi"]] == [p["codice"] for p in mini_result["processi"]]
        assert recorded["processi"][0]["inerente"] == {k: mini_result["processi"][0]["inerente"][k]
                                                        for k in ("rischio", "livello")}
        assert "traccia" not in recorded["processi"][0] and "risposte" not in recorded["processi"][0]
    finally:
        store.close()


_OPEN_AT_ONCE = """
import sys, time
from riskengine.history.store import open_store
start = float(sys.argv[2])
time.sleep(max(0.0, start - time.time()))
store = open_store(sys.argv[1])
store.close()
"""


def test_processes_opening_a_new_store_at_once_all_succeed(store_url):
    # Regression: the second of two processes creating the schema failed with "table alembic_version
    # already exists"; now one migrates under a lock and the others find the schema at head.
    import subprocess
    import sys
    import time

    start = time.time() + 3  # every process imports first, then all open together
    procs = [subprocess.Popen([sys.executable, "-c", _OPEN_AT_ONCE, store_url, str(start)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(6)]
    errors = [proc.communicate(timeout=120)[1] for proc in procs]
    assert [proc.returncode for proc in procs] == [0] * 6, "\n".join(errors)
    engine = sa.create_engine(store_url)
    try:
        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == HEAD
    finally:
        engine.dispose()


def test_two_concurrent_assess_runs_are_both_recorded(tmp_path, store_url):
    import subprocess
    import sys

    catalog = catalog_copy(tmp_path, "mini")
    procs = [subprocess.Popen([sys.executable, "-m", "riskengine", "assess", str(catalog), "--db", store_url,
                               "-o", str(tmp_path / f"run{i}" / "out"), "-f", "json", "-q"], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 3, err  # written and recorded: a draft (mini has an error finding)
    store = open_store(store_url)
    try:
        runs = store.runs("mini")
        assert len(runs) == 2 and {r.anno for r in runs} == {2026}
        assert all(store.result(r.id)["ente"]["codice"] == "mini" for r in runs)
    finally:
        store.close()


_ANOTHER_TEST_RUN = """
import sys
sys.path.insert(0, sys.argv[1])
from history_helpers import drop_postgres_schema, empty_postgres
from riskengine.history.store import open_store
open_store(empty_postgres()).close()
drop_postgres_schema()
"""


def test_a_test_run_beside_this_one_on_the_same_server_leaves_its_store_alone(mini_result):
    # Regression: two pytest runs on one server (.ci/run and a run in another clone) emptied each other's stores;
    # two assess runs recorded read back as none (once in CI), or a table was gone in the middle of a test
    import subprocess
    import sys

    from history_helpers import REPO

    store = open_store(empty_postgres())
    try:
        recorded = store.record(_result(mini_result, 2026, "a"))
        other = subprocess.run([sys.executable, "-c", _ANOTHER_TEST_RUN, str(REPO / "tests")], capture_output=True,
                               text=True, timeout=120, check=False)
        assert other.returncode == 0, other.stderr
        assert store.runs("ente-prova") == [recorded]
    finally:
        store.close()


def test_the_default_store_is_beside_the_catalogue_and_the_env_overrides_it(tmp_path, monkeypatch):
    monkeypatch.delenv("RISKENGINE_DB")
    assert default_url(tmp_path / "cat") == f"sqlite:///{(tmp_path / 'cat' / DEFAULT_FILE).resolve()}"
    monkeypatch.setenv("RISKENGINE_DB", "sqlite:///elsewhere.sqlite")
    assert default_url(tmp_path / "cat") == "sqlite:///elsewhere.sqlite"
    assert default_url(tmp_path / "cat", "postgresql://h/db") == "postgresql://h/db"


def test_assess_records_beside_the_catalogue_by_default(tmp_path, monkeypatch):
    monkeypatch.delenv("RISKENGINE_DB")
    catalog = catalog_copy(tmp_path, "mini")
    run = riskengine("assess", catalog, "-o", tmp_path / "out", "-f", "json", "-q", cwd=tmp_path)
    assert run.returncode == 3, run.stderr  # written and recorded: a draft (mini has an error finding)
    assert (catalog / DEFAULT_FILE).is_file()
    history = riskengine("history", catalog, "--lang", "it", cwd=tmp_path)
    assert history.returncode == 0, history.stderr
    assert "esecuzioni registrate (1)" in history.stdout and "2026" in history.stdout
    assert not (tmp_path / "out" / DEFAULT_FILE).exists()  # the annex output holds no history


def test_a_store_linked_out_of_a_received_catalogue_is_refused_untouched(tmp_path, monkeypatch):
    # storico.sqlite a link to another SQLite file: assess migrated it and wrote a run into it; history read it
    monkeypatch.delenv("RISKENGINE_DB")
    catalog = catalog_copy(tmp_path, "mini")
    victim = tmp_path / "altro.sqlite"
    with sqlite3.connect(victim) as connection:
        connection.execute("create table segnalibri (url text)")
    before = victim.read_bytes()
    (catalog / DEFAULT_FILE).symlink_to(victim)
    for args in (("assess", catalog, "-o", tmp_path / "out", "-f", "json", "-q"), ("history", catalog)):
        run = riskengine(*args, "--lang", "en", cwd=tmp_path)
        assert run.returncode == 1, run.stderr
        assert run.stderr.startswith(f"{catalog / DEFAULT_FILE}: error[store]: the catalogue's history store is a "
                                     f"link to {victim.resolve()}: riskengine would write into it (remove the link"), \
            run.stderr
    assert victim.read_bytes() == before and not (tmp_path / "out").exists()
    # a link to a file inside the catalogue is the catalogue's own store
    (catalog / DEFAULT_FILE).unlink()
    (catalog / DEFAULT_FILE).symlink_to(catalog / "archivio.sqlite")
    assert riskengine("assess", catalog, "-o", tmp_path / "dentro", "-f", "json", "-q", cwd=tmp_path).returncode == 3
    assert (catalog / "archivio.sqlite").is_file()
    assert riskengine("assess", catalog, "-o", tmp_path / "out", "-f", "json", "-q", "--db",
                      f"sqlite:///{tmp_path / 'scelto.sqlite'}", cwd=tmp_path).returncode == 3  # named: its choice


def test_a_named_store_whose_folder_does_not_exist_is_said_so(tmp_path):
    # history --db sqlite:////nonexistent/dir/x.sqlite said "0 runs", exit 0: a typo in the path looked like a
    # store with no run (a store not yet made, in a folder that exists, still is one)
    catalog = catalog_copy(tmp_path, "mini")
    missing = riskengine("history", catalog, "--db", f"sqlite:///{tmp_path / 'nessuna' / 'x.sqlite'}", "--lang", "en",
                         cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.startswith(f"{tmp_path / 'nessuna' / 'x.sqlite'}: error[store]: the folder of the history "
                                     "store named does not exist (check the path in --db or $RISKENGINE_DB)"), \
        missing.stderr
    empty = riskengine("history", catalog, "--db", f"sqlite:///{tmp_path / 'nuovo.sqlite'}", cwd=tmp_path)
    assert empty.returncode == 0 and not (tmp_path / "nuovo.sqlite").exists()


def _recorded_2025(tmp_path, mini_result) -> tuple:
    """A copy of the mini catalogue whose default store holds a run of 2025; the catalogue and the run."""
    catalog = catalog_copy(tmp_path, "mini")
    store = open_store(default_url(catalog))
    run = store.record(_result(mini_result, 2025, "a", ente=mini_result["ente"]["codice"]))
    store.close()
    return catalog, run


def test_a_run_recorded_with_more_keys_than_this_version_keeps_is_read(tmp_path, mini_result, monkeypatch):
    # a later version may keep more in its snapshot (a shared PostgreSQL store): not damage
    monkeypatch.delenv("RISKENGINE_DB")
    catalog, run = _recorded_2025(tmp_path, mini_result)
    with sqlite3.connect(catalog / DEFAULT_FILE) as connection:
        connection.execute("update esecuzioni set risultato = json_set(risultato, '$.processi[0].priorita', 'alta', "
                           f"'$.nuovo', 1) where id = {run.id}")
    assert open_store(default_url(catalog)).result(run.id)["nuovo"] == 1


def test_a_bad_url_is_one_located_line(tmp_path):
    catalog = catalog_copy(tmp_path, "mini")
    run = riskengine("history", catalog, "--db", "not a url", cwd=tmp_path)
    assert run.returncode == 1
    assert "error[load]: 'not a url' is not a database URL" in run.stderr
    assert "Traceback" not in run.stderr
    # a password in an address that is none is not shown (only those after "://" were masked)
    for url in ("alice:s3cret@db.example/risk", "postgresql//alice:s3cret@db/risk",
                # libpq's keywords, PostgreSQL users' usual form: spaces around =, a quoted value, sslpassword
                "host=db user=alice password=s3cret dbname=risk", "host=db password = s3cret dbname=risk",
                "host=db password='my s3cret' dbname=risk", "host=db password=ab:s3cret@x dbname=risk",
                "host=db sslpassword=s3cret"):
        run = riskengine("history", catalog, "--db", url, cwd=tmp_path)
        assert run.returncode == 1 and "s3cret" not in run.stderr and "***" in run.stderr, run.stderr
    with pytest.raises(RiskengineError, match="cannot open the history store"):
        open_store(f"sqlite:///{catalog / 'ente.yaml'}/x.sqlite")  # a file where the folder should be
    # a kind of database riskengine has no driver for (was an internal error: ModuleNotFoundError, exit 70)
    for url, kind in (("mysql://u@h/db", "mysql"), ("nessuno://x", "nessuno")):
        run = riskengine("history", catalog, "--db", url, cwd=tmp_path)
        assert run.returncode == 1, run.stderr
        assert (f"--db: error[load]: cannot open the history store: riskengine does not handle databases of type "
                f"'{kind}' (it handles SQLite and PostgreSQL)") in run.stderr


@pytest.mark.parametrize("command", ["assess", "history", "diff"])
def test_a_store_that_can_never_open_is_refused_before_the_catalogue_loads(tmp_path, command):
    # it was refused only once the catalogue had loaded (and, for assess, been assessed): seconds to minutes on a
    # large one; nothing is written either way
    catalog = catalog_copy(tmp_path, "mini")
    (catalog / "processes.yaml").write_text("processi: [\n", encoding="utf-8")  # would be refused on loading
    args = {"assess": ["--out", tmp_path / "out"], "history": [], "diff": ["2025", "2026"]}[command]
    for url, said in (("not a url", "'not a url' is not a database URL"),
                      ("nessuno://x", "riskengine does not handle databases of type 'nessuno'")):
        run = riskengine(command, catalog, *args, "--db", url, cwd=tmp_path)
        assert run.returncode == 1, run.stderr
        assert run.stderr.startswith("--db: error[load]: ") and said in run.stderr, run.stderr
        assert "processes.yaml" not in run.stderr
    assert not (tmp_path / "out").exists() and not (catalog / DEFAULT_FILE).exists()


def test_a_read_only_postgresql_store_is_said_after_the_annex(tmp_path):
    # the database's refusal to write was caught only as an OperationalError: a read-only transaction
    # (InternalError) or a role without the right to insert (ProgrammingError) was an internal error, exit 70
    url = empty_postgres()
    open_store(url).close()  # the schema made, as by an earlier run
    catalog = catalog_copy(tmp_path, "mini")
    read_only = postgres_url(default_transaction_read_only="on")
    run = riskengine("assess", catalog, "--out", tmp_path / "out", "--format", "json", "--db", read_only,
                     cwd=tmp_path)
    assert run.returncode == 1, run.stderr
    assert "--db: error[output]: cannot record the run in the history store: " in run.stderr
    assert "read-only transaction" in run.stderr and "Traceback" not in run.stderr
    assert (tmp_path / "out" / "risultato.json").is_file()


def test_the_git_ignore_keeps_the_store_out_of_the_repository():
    from history_helpers import REPO

    ignored = (REPO / ".gitignore").read_text(encoding="utf-8")
    assert "/catalogs/*/storico.sqlite*" in ignored
    assert DEFAULT_FILE == "storico.sqlite"


def test_a_sqlite_store_reads_the_same_through_sqlalchemy_and_through_sqlite3(tmp_path, mini_result):
    # The default SQLite file is read and written with sqlite3; any other URL form goes through SQLAlchemy:
    # a run recorded by either reads back identically through the other.
    plain = sqlite_url(tmp_path)
    with_options = plain + "?timeout=5"  # an option: SQLAlchemy's path
    when = dt.datetime(2026, 3, 1, 10, 30, 15, 123456, tzinfo=dt.UTC)
    fast, slow = open_store(plain), open_store(with_options)
    try:
        first = fast.record(_result(mini_result, 2025, "a"), when)
        second = slow.record(_result(mini_result, 2026, "b"), when + dt.timedelta(days=1))
        assert fast.runs("ente-prova") == slow.runs("ente-prova") == [first, second]
        assert fast.result(second.id) == slow.result(second.id)
        assert fast.runs("ente-prova")[0].eseguita_il == when
    finally:
        fast.close()
        slow.close()


def test_recording_on_the_default_store_does_not_import_sqlalchemy(tmp_path, mini_result):
    # SQLAlchemy's import is a third of a small assess run: an existing SQLite store is used through sqlite3.
    import json
    import subprocess
    import sys

    url = sqlite_url(tmp_path)
    open_store(url).close()
    (tmp_path / "result.json").write_text(json.dumps(_result(mini_result, 2026, "x")), encoding="utf-8")
    script = ("import json, sys\n"
              "from riskengine.history.store import check_url, open_store\n"
              "check_url(sys.argv[1])\n"  # as assess, history and diff check it before loading the catalogue
              "store = open_store(sys.argv[1])\n"
              "store.record(json.load(open(sys.argv[2], encoding='utf-8')))\n"
              "assert [r.anno for r in store.runs('ente-prova')] == [2026]\n"
              "store.close()\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')))\n")
    done = subprocess.run([sys.executable, "-c", script, url, str(tmp_path / "result.json")],
                          capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_a_file_that_is_not_a_store_is_one_located_error(tmp_path):
    path = tmp_path / "storico.sqlite"
    path.write_bytes(b"not a database at all, just text" * 10)
    with pytest.raises(RiskengineError) as raised:
        open_store(f"sqlite:///{path}")
    assert str(path) in str(raised.value) and "Traceback" not in str(raised.value)


@pytest.mark.parametrize("damage", ["'not json'", "'[' || replace(hex(zeroblob(50000)), '00', '[')",
                                    "'{\"anno\": 2025}'", "'[]'",
                                    "json_remove(risultato, '$.processi[0].codice')",
                                    "json_set(risultato, '$.processi[0].livello', 'altissimo')",
                                    "json_set(risultato, '$.processi[0].inerente.rischio', 'abc')",
                                    "json_set(risultato, '$.processi[0].inerente.rischio', 7.5)",
                                    "json_set(risultato, '$.anno', 'x')",
                                    "json_set(risultato, '$.sintesi.rischio_medio_inerente', 'abc')",
                                    "json_set(risultato, '$.sintesi.per_livello.inerente.medio', 'tre')"])
def test_a_damaged_run_is_one_located_error(tmp_path, mini_result, damage, monkeypatch):
    # a snapshot edited by hand (not JSON, nested beyond Python's stack, missing its keys) ended assess and diff in
    # "internal error: JSONDecodeError / RecursionError / KeyError", exit 70; so did a level of no method
    # ('altissimo' in a run of cciaa-torino-2022: KeyError), a year that is no number (TypeError) and a score that is
    # no decimal text (what Decimal() of a changed level reads), and a summary's mean or count that is none (the
    # next year's deltas: InvalidOperation)
    monkeypatch.delenv("RISKENGINE_DB")
    catalog, run = _recorded_2025(tmp_path, mini_result)
    with sqlite3.connect(catalog / DEFAULT_FILE) as connection:
        connection.execute(f"update esecuzioni set risultato = {damage} where id = {run.id}")
    with pytest.raises(RiskengineError) as refused:
        open_store(default_url(catalog)).result(run.id)
    assert str(refused.value) == (f"{(catalog / DEFAULT_FILE).resolve()}: error[store]: run {run.id} recorded in "
                                  "the history store is damaged: it is no result riskengine wrote (record that year "
                                  "again with riskengine assess CATALOGUE --year YEAR: the new run takes its place)")
    assessed = riskengine("assess", catalog, "-o", tmp_path / "out", "-f", "json", "-q", "--lang", "en", cwd=tmp_path)
    assert assessed.returncode == 1 and "internal error" not in assessed.stderr, assessed.stderr
    assert f"error[store]: run {run.id} recorded in the history store is damaged" in assessed.stderr


@pytest.mark.parametrize(("damage", "said"), [
    ("update esecuzioni set anno = 'abc'", "is damaged: it is no result riskengine wrote"),
    ("update esecuzioni set eseguita_il = 'not a date'", "is damaged: it is no result riskengine wrote"),
    ("update esecuzioni set digest_input = '{bad'", "is damaged: it is no result riskengine wrote"),
    ("drop table esecuzioni", "the history store is damaged: no such table: esecuzioni"),
    ("update alembic_version set version_num = '9999'",
     "the history store was written by a newer version of riskengine (schema revision '9999')")])
def test_a_store_edited_by_other_programs_is_one_located_error(tmp_path, mini_result, damage, said, monkeypatch):
    # a row or the schema changed by hand, or a store upgraded by a newer riskengine: assess, history and diff ended
    # in "internal error: ValueError / TypeError / OperationalError / CommandError", exit 70, and assess wrote nothing
    monkeypatch.delenv("RISKENGINE_DB")
    catalog, _ = _recorded_2025(tmp_path, mini_result)
    with sqlite3.connect(catalog / DEFAULT_FILE) as connection:
        connection.execute(damage)
    for command in (("history", catalog), ("diff", catalog, "2025", "2026"),
                    ("assess", catalog, "-o", tmp_path / "out", "-f", "json", "-q")):
        run = riskengine(*command, "--lang", "en", cwd=tmp_path)
        first = run.stderr.splitlines()[0] if run.stderr else ""
        assert run.returncode == 1 and first.startswith(f"{(catalog / DEFAULT_FILE).resolve()}: error[store]: "), \
            (command, run.stderr)
        assert said in first, (command, first)


def test_a_database_of_other_tables_is_refused_and_left_as_it_was(tmp_path, monkeypatch):
    # history (said to write nothing) gave a database of someone else's tables riskengine's schema; assess wrote its
    # tables among them
    monkeypatch.delenv("RISKENGINE_DB")
    catalog = catalog_copy(tmp_path, "mini")
    with sqlite3.connect(catalog / DEFAULT_FILE) as connection:
        connection.execute("create table protocollo (numero integer)")
    before = (catalog / DEFAULT_FILE).read_bytes()
    for command in (("history", catalog), ("assess", catalog, "-o", tmp_path / "out", "-f", "json", "-q")):
        run = riskengine(*command, "--lang", "en", cwd=tmp_path)
        assert run.returncode == 1 and "error[store]: the file is not a riskengine history store: it holds other " \
            "tables (protocollo)" in run.stderr, run.stderr
    assert (catalog / DEFAULT_FILE).read_bytes() == before
    # the same named by an address with options (it went through SQLAlchemy, which gave it the schema)
    named = f"sqlite:///{(catalog / DEFAULT_FILE).resolve()}?timeout=5"
    for command in (("history", catalog), ("assess", catalog, "-o", tmp_path / "out", "-f", "json", "-q")):
        run = riskengine(*command, "--db", named, "--lang", "en", cwd=tmp_path)
        assert run.returncode == 1 and "it holds other tables (protocollo)" in run.stderr, run.stderr
    assert (catalog / DEFAULT_FILE).read_bytes() == before
    # a database with no table yet is a store with no run: history leaves it as it is, assess gives it the schema
    (catalog / DEFAULT_FILE).unlink()
    sqlite3.connect(catalog / DEFAULT_FILE).close()
    with sqlite3.connect(catalog / DEFAULT_FILE) as connection:
        connection.execute("create table t (x)")
        connection.execute("drop table t")
    empty = (catalog / DEFAULT_FILE).read_bytes()
    assert riskengine("history", catalog, cwd=tmp_path).returncode == 0
    assert riskengine("history", catalog, "--db", named, cwd=tmp_path).returncode == 0
    assert (catalog / DEFAULT_FILE).read_bytes() == empty
    assert riskengine("assess", catalog, "-o", tmp_path / "out2", "-f", "json", "-q", cwd=tmp_path).returncode in (0, 3)
    assert "2026" in riskengine("history", catalog, cwd=tmp_path).stdout


def test_a_postgresql_database_holding_other_programs_tables_takes_the_store_beside_them():
    # only a SQLite file of other tables is someone else's database: a server's may hold other programs' tables
    url = empty_postgres()
    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(sa.text("CREATE TABLE protocollo (numero integer)"))
        open_store(url).close()
        assert {"protocollo", "esecuzioni", "alembic_version"} <= set(sa.inspect(engine).get_table_names())
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text("DROP TABLE IF EXISTS protocollo"))
        engine.dispose()
