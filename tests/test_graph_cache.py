"""The cache of linked catalogues: hits give what a fresh load gives; anything doubtful is rebuilt or refused."""

from __future__ import annotations

import hashlib
import hmac
import os
import pickle
import re
from pathlib import Path

import pytest

from riskengine.errors import RiskengineError
from riskengine.graph import build_graph, check_integrity
from riskengine.graph import cache as cache_module
from riskengine.graph.cache import linked
from riskengine.user_cache import cache_directory

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def catalogue(example_catalogue) -> Path:
    return example_catalogue


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", str(folder))
    return folder / "cataloghi"


def _entries(cache_dir: Path) -> list[Path]:
    return sorted(cache_dir.glob("[0-9a-f]*.bin"))  # the linked catalogues (not the position indexes)


def _no_fresh_load(monkeypatch) -> None:
    def refuse(*args, **kwargs):
        raise AssertionError("loaded from the files, not from the cache")
    monkeypatch.setattr(cache_module, "load_catalog", refuse)


def _fresh(catalogue: Path):
    from riskengine.catalog import load_catalog

    cg = build_graph(load_catalog(catalogue))
    return cg, check_integrity(cg)


def test_a_hit_gives_what_a_fresh_load_gives(catalogue, cache_dir, monkeypatch):
    _, cold_findings = linked(catalogue)
    assert len(_entries(cache_dir)) == 1
    _no_fresh_load(monkeypatch)
    warm_cg, warm_findings = linked(catalogue)
    fresh_cg, fresh_findings = _fresh(catalogue)
    assert warm_findings == cold_findings == fresh_findings
    assert sorted(warm_cg.graph.nodes) == sorted(fresh_cg.graph.nodes)
    assert sorted(warm_cg.graph.edges(keys=True)) == sorted(fresh_cg.graph.edges(keys=True))
    assert warm_cg.catalog.processes == fresh_cg.catalog.processes
    assert warm_cg.catalog.warnings == fresh_cg.catalog.warnings
    # A value located after a hit is read from the file again, at the same place.
    node = warm_cg.nodes_of("process")[0]
    assert warm_cg.location(node, "nome") == fresh_cg.location(node, "nome")


def test_a_hit_holds_the_process_facts_evaluation_reads(catalogue, cache_dir, monkeypatch):
    """Worked out before the entry is stored: a warm run does not work them out again (issue 18 item 2)."""
    from riskengine.graph import queries

    linked(catalogue)
    _no_fresh_load(monkeypatch)
    warm_cg, _ = linked(catalogue)
    with monkeypatch.context() as patched:
        patched.setattr(queries, "measures_by_process", lambda cg: pytest.fail("worked out again"))
        warm = queries.process_facts(warm_cg)
    fresh_cg, _ = _fresh(catalogue)
    assert warm == queries.process_facts(fresh_cg)
    assert len(warm) == len(fresh_cg.nodes_of("process"))


def test_a_changed_file_is_a_miss(catalogue, cache_dir, monkeypatch):
    first, _ = linked(catalogue)
    text = (catalogue / "processes.yaml").read_text(encoding="utf-8")
    name = first.obj(first.nodes_of("process")[0]).nome
    (catalogue / "processes.yaml").write_text(text.replace(name, name + " (rivisto)", 1), encoding="utf-8")
    second, _ = linked(catalogue)
    assert second.obj(second.nodes_of("process")[0]).nome == name + " (rivisto)"
    assert len(_entries(cache_dir)) == 2


def test_the_size_limit_is_part_of_the_key(catalogue, cache_dir, monkeypatch):
    linked(catalogue)
    monkeypatch.setenv("RISKENGINE_MAX_FILE_MB", "0")
    with pytest.raises(RiskengineError, match=r"larger than|too large|limit"):
        linked(catalogue)  # a smaller limit refuses the files, as without a cache


def test_a_corrupt_entry_is_ignored_and_rebuilt(catalogue, cache_dir):
    linked(catalogue)
    (entry,) = _entries(cache_dir)
    data = bytearray(entry.read_bytes())
    data[len(data) // 2] ^= 0xFF
    entry.write_bytes(bytes(data))
    cg, _ = linked(catalogue)
    assert cg.nodes_of("process")
    assert entry.read_bytes() != bytes(data)  # written again, whole
    linked(catalogue)


@pytest.mark.parametrize("damage", ["truncated", "empty", "other key"])
def test_an_entry_not_signed_by_this_key_is_never_unpickled(catalogue, cache_dir, tmp_path, damage):
    linked(catalogue)
    (entry,) = _entries(cache_dir)
    witness = tmp_path / "executed"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (witness,))

    payload = pickle.dumps(Payload())
    if damage == "truncated":
        content = entry.read_bytes()[:20]
    elif damage == "empty":
        content = b""
    else:
        content = hmac.new(os.urandom(32), payload, hashlib.sha256).digest() + payload
    entry.write_bytes(content)
    os.chmod(entry, 0o600)
    cg, _ = linked(catalogue)
    assert not witness.exists()
    assert cg.nodes_of("process")


def test_entries_others_can_write_are_not_read(catalogue, cache_dir, monkeypatch):
    linked(catalogue)
    (entry,) = _entries(cache_dir)
    os.chmod(entry, 0o666)
    monkeypatch.setattr(cache_module, "write_signed", lambda *args, **kwargs: None)
    calls = []
    real = cache_module.load_catalog
    monkeypatch.setattr(cache_module, "load_catalog", lambda root: calls.append(root) or real(root))
    linked(catalogue)
    assert calls  # loaded from the files


@pytest.mark.parametrize("what", ["directory", "key"])
def test_a_cache_others_can_write_is_not_used(catalogue, cache_dir, monkeypatch, what):
    linked(catalogue)
    os.chmod(cache_dir if what == "directory" else cache_dir / "chiave-firma", 0o777 if what == "directory" else 0o644)
    if what == "directory":
        assert cache_directory() is None
    calls = []
    real = cache_module.load_catalog
    monkeypatch.setattr(cache_module, "load_catalog", lambda root: calls.append(root) or real(root))
    linked(catalogue)
    assert calls


def test_off_writes_nothing(catalogue, tmp_path, monkeypatch):
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache_directory() is None
    linked(catalogue)
    assert not (tmp_path / "xdg").exists() and not (tmp_path / "home").exists()


def test_default_directory_is_the_users_cache(tmp_path, monkeypatch):
    monkeypatch.delenv("RISKENGINE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    folder = cache_directory()
    assert folder == tmp_path / "xdg" / "riskengine" / "cataloghi"
    assert folder.stat().st_mode & 0o777 == 0o700


def test_catalogues_with_errors_are_not_stored(catalogue, cache_dir):
    text = (catalogue / "measures.yaml").read_text(encoding="utf-8")
    (catalogue / "measures.yaml").write_text(text.replace("responsabile: ", "responsabile: NESSUNO-", 1),
                                             encoding="utf-8")
    _, findings = linked(catalogue)
    assert any(p.severity.name == "ERROR" for p in findings)
    assert _entries(cache_dir) == []


def test_load_errors_are_raised_and_nothing_is_stored(catalogue, cache_dir):
    (catalogue / "areas.yaml").write_text("aree: [", encoding="utf-8")
    with pytest.raises(RiskengineError):
        linked(catalogue)
    assert _entries(cache_dir) == []


def test_only_the_newest_entries_are_kept(catalogue, cache_dir, monkeypatch):
    monkeypatch.setattr(cache_module, "ENTRIES_KEPT", 2)
    text = (catalogue / "ente.yaml").read_text(encoding="utf-8")
    for n in range(4):
        (catalogue / "ente.yaml").write_text(text + f"\n# revisione {n}\n", encoding="utf-8")
        linked(catalogue)
    assert len(_entries(cache_dir)) == 2


def test_pickle_is_read_only_by_the_cache_after_the_signature_check():
    package = REPO / "src" / "riskengine"
    readers = sorted(str(p.relative_to(package)) for p in package.rglob("*.py")
                     if re.search(r"pickle\.(loads?|Unpickler)\b", p.read_text("utf-8")))
    assert readers == ["user_cache.py"]
    text = (package / "user_cache.py").read_text(encoding="utf-8")
    (unpickled,) = re.finditer(r"pickle\.loads?\(", text)
    assert text.index("hmac.compare_digest(") < unpickled.start()


def test_no_home_directory_means_no_cache(monkeypatch):
    def no_home(cls):
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.delenv("RISKENGINE_CACHE_DIR")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(Path, "home", classmethod(no_home))
    assert cache_directory() is None


def test_a_finding_located_in_a_released_file_reads_the_stored_index_not_the_file_again(catalogue, cache_dir,
                                                                                        monkeypatch):
    from riskengine.source import yaml_reader

    linked(catalogue)  # cold: builds, stores the entry and the indexes its integrity checks built
    cg, _ = linked(catalogue)  # warm: the files' bytes and indexes are released
    node = cg.nodes_of("process")[-1]
    scanned = cg.location(node, "nome")  # the first lookup scans the file and stores its index
    assert sorted(cache_dir.glob("posizioni-*.bin"))

    def no_scan(*args, **kwargs):
        raise AssertionError("scanned again")

    monkeypatch.setattr(yaml_reader, "_scan", no_scan)
    cg, _ = linked(catalogue)
    assert cg.location(node, "nome") == scanned
    assert scanned.line > 1 and scanned.column > 1


def test_a_run_keeps_no_file_it_read_again_to_locate_findings(bench_s, cache_dir, monkeypatch):
    """A finding on a process without answers is located at the place kept with the graph, and a file read again
    to locate other findings (the overdue measures) is released once they are: on a national catalogue, the
    bytes and position indexes of processes.yaml and measures.yaml (355 MB) were kept to the end of the run."""
    from riskengine import pipeline
    from riskengine.catalog.load import load_catalog
    from riskengine.result.build import place
    from riskengine.source.document import Document

    rules = REPO / "rules"
    pipeline.assess(bench_s, rules_dir=rules)  # cold: the entry stored
    fresh = build_graph(load_catalog(bench_s))
    read_again: list[str] = []
    real = Document._bytes

    def counted(doc):
        if doc.source is None:
            read_again.append(Path(doc.path).name)
        return real(doc)

    monkeypatch.setattr(Document, "_bytes", counted)
    loaded = pipeline._loaded(bench_s, None, rules, "durable")  # warm

    def held() -> list[str]:
        return [name for name, doc in loaded[0].catalog.documents.items()
                if doc.source is not None or doc._index is not None]

    assert "measures.yaml" in read_again and held() == []  # the overdue measures located, then released
    result = pipeline._result(loaded)
    assert held() == []
    unassessed = [f for f in result["criticita"] if f["codice"] == "NON-VALUTATO"]
    assert unassessed and "processes.yaml" not in read_again
    assert [f["dove"] for f in unassessed] == [place(fresh.location(f["oggetto"])) for f in unassessed]


def test_the_signing_key_is_not_stored_in_an_entry(catalogue, cache_dir):
    linked(catalogue)
    cg, _ = linked(catalogue)
    assert all(doc.positions is not None for doc in cg.catalog.documents.values())
    secret = (cache_dir / "chiave-firma").read_bytes()
    for path in cache_dir.glob("*.bin"):
        assert secret not in path.read_bytes()
    assert all(doc.positions is None for doc in pickle.loads(pickle.dumps(cg)).catalog.documents.values())


def test_a_tampered_index_is_not_used(catalogue, cache_dir):
    linked(catalogue)
    cg, _ = linked(catalogue)
    node = cg.nodes_of("process")[-1]
    expected = cg.location(node, "nome")
    for path in cache_dir.glob("posizioni-*.bin"):
        data = bytearray(path.read_bytes())
        data[-5] ^= 0xFF
        path.write_bytes(bytes(data))
    cg, _ = linked(catalogue)
    assert cg.location(node, "nome") == expected  # the signature fails: scanned again


def test_an_assessment_is_located_without_a_second_scan(catalogue, cache_dir, monkeypatch):
    from riskengine.answers.load import load_assessment
    from riskengine.method.load import load_method
    from riskengine.source import yaml_reader

    method = load_method(REPO / "rules" / "cciaa-torino-2022")
    path = sorted(catalogue.glob("assessment-*.yaml"))[-1]
    linked(catalogue)
    first = load_assessment(path, linked(catalogue)[0], method)
    scan = yaml_reader._scan

    def data_only(path, text, *, data=True, index=False):
        assert data, "the position index was scanned again"
        return scan(path, text, data=data, index=index)

    monkeypatch.setattr(yaml_reader, "_scan", data_only)
    again = load_assessment(path, linked(catalogue)[0], method)
    assert again.places == first.places and len(first.places) > 10


def _graph_content(graph) -> tuple:
    nodes = [(n, d["kind"], d["code"], d["label"], d["path"]) for n, d in graph.nodes(data=True)]
    return nodes, list(graph.edges(keys=True, data=True)), sorted(graph.in_edges(keys=True))


def test_the_graph_of_a_catalogue_read_back_is_the_one_built(catalogue, cache_dir, monkeypatch):
    from riskengine import api

    monkeypatch.setenv("RISKENGINE_CACHE_DIR", "off")
    exports = {fmt: api.graph(catalogue, fmt) for fmt in ("json", "graphml")}
    fresh_cg, _ = _fresh(catalogue)
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", str(cache_dir.parent))
    linked(catalogue)
    _no_fresh_load(monkeypatch)
    warm_cg, _ = linked(catalogue)
    assert "graph" not in vars(warm_cg)  # stored as its dicts: rebuilt when first asked for
    assert repr(warm_cg) and warm_cg == warm_cg and "graph" not in vars(warm_cg)  # neither rebuilds it
    assert _graph_content(warm_cg.graph) == _graph_content(fresh_cg.graph)
    node = warm_cg.nodes_of("process")[0]
    assert warm_cg.graph.nodes[node] is warm_cg.attrs(node)  # one set of dicts after the rebuild, as when built
    assert dict(warm_cg.graph.adjacency())[node] is warm_cg._successors[node]
    for node in fresh_cg.nodes_of("process") + fresh_cg.nodes_of("unit"):
        for rel in ("part-of", "owned-by", "threatens", "responsible-for", "in-area"):
            assert warm_cg.targets(node, rel) == fresh_cg.targets(node, rel)
            assert warm_cg.sources(node, rel) == fresh_cg.sources(node, rel)
    assert {fmt: api.graph(catalogue, fmt) for fmt in exports} == exports  # from the cache, the graph rebuilt


def test_a_catalogue_read_back_shares_the_dicts_of_its_edges_and_answers_the_same(catalogue, cache_dir, monkeypatch):
    # An edge's {rel: attributes} is one dict per set of rels once stored (none of the example's edges has
    # attributes): the read-only adjacency of a national catalogue would otherwise hold 1.7 million of them.
    fresh_cg, _ = _fresh(catalogue)
    linked(catalogue)
    _no_fresh_load(monkeypatch)
    warm_cg, _ = linked(catalogue)
    keys = [k for targets in warm_cg._successors.values() for k in targets.values()]
    reverse = [k for sources in warm_cg._predecessors.values() for k in sources.values()]
    assert len(keys) == len(reverse) > 300
    assert len({id(k) for k in keys + reverse}) == len({tuple(k) for k in keys}) < 20
    rels = {rel for k in keys for rel in k}
    for node in fresh_cg._attrs:
        for rel in rels:
            assert warm_cg.targets(node, rel) == fresh_cg.targets(node, rel)
            assert warm_cg.sources(node, rel) == fresh_cg.sources(node, rel)
            assert warm_cg.reached(node, rel) == fresh_cg.reached(node, rel)
    assert _graph_content(warm_cg.graph) == _graph_content(fresh_cg.graph)


def _cold_and_warm(script: str, catalogue: Path, cache_dir: Path) -> list[list[str]]:
    """The words ``script`` prints, run on ``catalogue`` in a fresh Python twice: on an empty cache, then a warm one."""
    import subprocess
    import sys

    env = {**os.environ, "RISKENGINE_CACHE_DIR": str(cache_dir.parent)}
    runs = [subprocess.run([sys.executable, "-c", script, str(catalogue)], capture_output=True, text=True, env=env,
                           timeout=120) for _ in range(2)]
    assert [run.returncode for run in runs] == [0, 0], runs[-1].stderr
    return [run.stdout.split() for run in runs]


def test_checking_a_catalogue_read_back_imports_neither_networkx_nor_pyyaml(catalogue, cache_dir):
    """Nor multiprocessing, which only a catalogue large enough for shards needs (issue 18 item 5); nor
    importlib.metadata (a package's version read from its metadata, or a pydantic validator built: its plugins are
    looked up there), nor pydantic's plugin loader: no model read back is validated or dumped again."""
    script = ("import sys\nfrom riskengine import api\nreport = api.check(sys.argv[1])\n"
              "print(len(report.problems), 'networkx' in sys.modules, 'yaml' in sys.modules,"
              " 'multiprocessing' in sys.modules, 'importlib.metadata' in sys.modules,"
              " 'pydantic.plugin._loader' in sys.modules)")
    cold, warm = _cold_and_warm(script, catalogue, cache_dir)
    # linked with networkx and parsed with PyYAML; read back (catalogue, method, assessments) without either
    assert cold[1:3] == ["True", "True"] and warm[1:] == ["False"] * 5
    assert cold[0] == warm[0] != "0"  # the same findings either way (the example has some)


def test_assessing_a_catalogue_read_back_builds_no_pydantic_validator(catalogue, cache_dir):
    """The result's record of the method and the policies' consequences are read from the models as
    ``model_dump`` would give them, without building the serializers their models defer (and pydantic's plugin
    lookup with them, which imports importlib.metadata)."""
    script = ("import sys\nfrom riskengine import pipeline\nresult = pipeline.assess(sys.argv[1])\n"
              "print(len(result['processi']), result['metodo']['codice'], 'importlib.metadata' in sys.modules,"
              " 'pydantic.plugin._loader' in sys.modules)")
    _, warm = _cold_and_warm(script, catalogue, cache_dir)
    assert warm[0] != "0" and warm[2:] == ["False", "False"], warm


@pytest.mark.parametrize("package", ["yaml", "networkx"])
def test_the_version_of_a_library_in_the_keys_is_the_one_it_says(monkeypatch, package):
    """Read from its package without importing it (nor reading its metadata), it is the version the imported
    module gives."""
    import importlib
    import sys

    from riskengine.user_cache import package_version

    module = importlib.import_module(package)
    monkeypatch.delitem(sys.modules, package)
    monkeypatch.delitem(sys.modules, "importlib.metadata", raising=False)
    assert package_version(package) == module.__version__
    assert package not in sys.modules and "importlib.metadata" not in sys.modules


def test_a_version_not_written_as_a_literal_is_read_from_the_module(tmp_path, monkeypatch):
    """A package whose ``__init__`` computes its version (no ``__version__ = '...'`` line) is imported for it."""
    import sys

    from riskengine.user_cache import package_version

    for name, text in (("rk_literal", "__version__ = '3.0'\n"), ("rk_computed", "__version__ = '1' + '.2'\n")):
        (tmp_path / name).mkdir()
        (tmp_path / name / "__init__.py").write_text(text, encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert package_version("rk_literal") == "3.0" and "rk_literal" not in sys.modules
    assert package_version("rk_computed") == "1.2"
    monkeypatch.delitem(sys.modules, "rk_computed")


def test_what_an_entry_holds_is_named_by_its_format():
    """An entry of another shape must have another _FORMAT (an older riskengine would read it and fail):
    changing CatalogGraph.parts() or read_back() without a new format makes this test fail."""
    import inspect

    from riskengine.graph.build import CatalogGraph

    parameters = list(inspect.signature(CatalogGraph.read_back).parameters)
    assert (cache_module._FORMAT, parameters) == (
        b"riskengine-linked/7", ["catalog", "defects", "by_kind", "memo", "attrs", "successors", "predecessors"])


def test_a_catalogue_in_a_folder_whose_name_is_not_utf8_is_checked_and_assessed(catalogue, cache_dir, tmp_path):
    """The caches' keys take a folder's name as the system has it: ``cat\\xff`` (a Latin-1 name on a UTF-8 system)
    was an internal error (exit 70) at the first key, cold and warm alike."""
    import subprocess
    import sys

    folder = Path(os.fsdecode(bytes(tmp_path) + b"/cat\xff"))
    catalogue.rename(folder)
    env = {**os.environ, "RISKENGINE_CACHE_DIR": str(cache_dir.parent)}
    runs = [subprocess.run([sys.executable, "-m", "riskengine", *command], capture_output=True, text=True, env=env,
                           timeout=300)
            for command in (["check", str(folder), "-q"], ["check", str(folder), "-q"],
                            ["assess", str(folder), "--format", "json", "--out", str(tmp_path / "out"), "-q"])]
    assert [run.returncode for run in runs] == [0, 0, 0], runs[-1].stderr
    assert (tmp_path / "out" / "risultato.json").is_file()
