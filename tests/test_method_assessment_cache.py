"""The caches of loaded methods and validated assessments: a hit gives what loading the files gives; a changed
file, catalogue or method is a miss; anything doubtful is loaded again."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from riskengine.answers import cache as assessment_cache
from riskengine.answers.cache import cached_assessment
from riskengine.answers.load import load_assessment
from riskengine.errors import RiskengineError
from riskengine.graph.cache import linked
from riskengine.method import cache as method_cache
from riskengine.method.cache import cached_method
from riskengine.method.load import load_method

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def catalogue(example_catalogue) -> Path:
    return example_catalogue


@pytest.fixture
def rules(tmp_path) -> Path:
    target = tmp_path / "rules" / "cciaa-torino-2022"
    shutil.copytree(REPO / "rules" / "cciaa-torino-2022", target)
    return target


@pytest.fixture
def cache_root(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", str(folder))
    return folder


def _counting(monkeypatch, module, name: str) -> list:
    calls: list = []
    real = getattr(module, name)
    monkeypatch.setattr(module, name, lambda *args, **kwargs: calls.append(args) or real(*args, **kwargs))
    return calls


def _changed_once_read(monkeypatch, module, path: Path) -> bytes:
    """Make ``module.read_file`` change ``path`` right after reading it (for the key); return its bytes before."""
    original = path.read_bytes()
    real = module.read_file

    def read_then_change(file, *args, **kwargs):
        data = real(file, *args, **kwargs)
        path.write_text("# cambiato dopo la lettura\n", encoding="utf-8")
        return data

    monkeypatch.setattr(module, "read_file", read_then_change)
    return original


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("[0-9a-f]*.bin"))


def test_a_method_hit_equals_a_fresh_load(rules, cache_root, monkeypatch):
    cold = cached_method(rules)
    assert len(_entries(cache_root / "metodi")) == 1
    calls = _counting(monkeypatch, method_cache, "load_method")
    warm = cached_method(rules)
    assert calls == []  # read back
    assert warm == cold == load_method(rules)
    assert warm.band_tables == cold.band_tables and warm.tables == cold.tables and warm.warnings == cold.warnings


def test_a_changed_method_file_is_a_miss(rules, cache_root, monkeypatch):
    first = cached_method(rules)
    text = (rules / "method.yaml").read_text(encoding="utf-8")
    (rules / "method.yaml").write_text(text + "\n# una riga in più\n", encoding="utf-8")
    calls = _counting(monkeypatch, method_cache, "load_method")
    second = cached_method(rules)
    assert len(calls) == 1 and second.digests != first.digests
    policies = rules / "policies.yaml"
    policies.write_text(policies.read_text(encoding="utf-8") + "\n# e qui\n", encoding="utf-8")
    third = cached_method(rules)
    assert len(calls) == 2 and third.digests["policies.yaml"] != second.digests["policies.yaml"]


def test_a_missed_method_is_loaded_from_the_bytes_its_key_names(rules, cache_root, monkeypatch):
    """Read once on a miss: the method loaded, and its digests, are of the bytes its key was made of."""
    from riskengine.method import load as method_load
    from riskengine.source import document

    method_file = rules / "method.yaml"
    original = _changed_once_read(monkeypatch, method_cache, method_file)
    parsed = _counting(monkeypatch, document, "read_file")
    loaded = _counting(monkeypatch, method_load, "read_file")
    method = cached_method(rules)
    assert parsed == [] and loaded == []  # neither file read a second time
    method_file.write_bytes(original)
    fresh = load_method(rules)
    assert method.digests == fresh.digests and method.model == fresh.model


def test_a_method_file_absent_for_the_key_is_absent_for_the_load(rules, cache_root, monkeypatch):
    """policies.yaml appearing between the key and the load is not loaded under the key that says it is absent."""
    policies = rules / "policies.yaml"
    text = policies.read_text(encoding="utf-8")
    policies.unlink()
    real = method_cache.method_key

    def key_then_add(*args, **kwargs):
        found = real(*args, **kwargs)
        policies.write_text(text, encoding="utf-8")
        return found

    monkeypatch.setattr(method_cache, "method_key", key_then_add)
    with pytest.raises(RiskengineError) as info:  # the file read under the key: absent, which is refused
        cached_method(rules)
    assert [p.key for p in info.value.problems] == ["problemi.metodo.manca_politiche"]
    policies.unlink()
    with pytest.raises(RiskengineError) as again:
        load_method(rules)
    assert again.value.problems == info.value.problems


def test_a_method_with_errors_is_refused_every_time_and_never_stored(rules, cache_root):
    (rules / "method.yaml").write_text("nome: [\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(RiskengineError):
            cached_method(rules)
    assert _entries(cache_root / "metodi") == []


def test_a_tampered_method_entry_is_loaded_again(rules, cache_root, monkeypatch):
    cached_method(rules)
    (entry,) = _entries(cache_root / "metodi")
    data = bytearray(entry.read_bytes())
    data[-5] ^= 0xFF
    entry.write_bytes(bytes(data))
    calls = _counting(monkeypatch, method_cache, "load_method")
    assert cached_method(rules) == load_method(rules)
    assert len(calls) == 1


def test_an_assessment_hit_equals_a_fresh_load(catalogue, rules, cache_root, monkeypatch):
    cg, _ = linked(catalogue)
    method = cached_method(rules)
    path = catalogue / "assessment-2026.yaml"
    cold = cached_assessment(path, cg, method)
    assert len(_entries(cache_root / "valutazioni")) == 1
    calls = _counting(monkeypatch, assessment_cache, "load_assessment")
    warm = cached_assessment(path, cg, method)
    assert calls == []
    fresh = load_assessment(path, cg, method)
    assert warm.answers == fresh.answers and warm.monitoring == fresh.monitoring
    assert warm.places == fresh.places and warm.findings == fresh.findings and warm.model == fresh.model
    assert cold.answers == fresh.answers
    # A value located after a hit is read from the file again, at the same place.
    assert warm.document is not None and fresh.document is not None
    assert warm.document.locate(("valutazioni", 0)) == fresh.document.locate(("valutazioni", 0))


def test_an_assessment_is_a_miss_when_its_file_its_catalogue_or_its_method_changes(catalogue, rules, cache_root,
                                                                                    monkeypatch):
    cg, _ = linked(catalogue)
    method = cached_method(rules)
    path = catalogue / "assessment-2026.yaml"
    cached_assessment(path, cg, method)
    calls = _counting(monkeypatch, assessment_cache, "load_assessment")
    path.write_text(path.read_text(encoding="utf-8") + "\n# rivista\n", encoding="utf-8")
    cached_assessment(path, cg, method)
    assert len(calls) == 1
    units = catalogue / "units.yaml"
    units.write_text(units.read_text(encoding="utf-8") + "\n# rivista\n", encoding="utf-8")
    cg2, _ = linked(catalogue)
    assert cg2.files_key != cg.files_key
    cached_assessment(path, cg2, method)
    assert len(calls) == 2
    (rules / "method.yaml").write_text((rules / "method.yaml").read_text(encoding="utf-8") + "\n# rivisto\n",
                                       encoding="utf-8")
    cached_assessment(path, cg2, cached_method(rules))
    assert len(calls) == 3
    cached_assessment(path, cg2, cached_method(rules))
    assert len(calls) == 3  # and now it is kept


def test_a_missed_assessment_is_loaded_from_the_bytes_its_key_names(catalogue, rules, cache_root, monkeypatch):
    """Read once on a miss: the bytes hashed for the key are the ones validated and stored under it, even when
    the file changes in between."""
    from riskengine.source import document

    cg, _ = linked(catalogue)
    method = cached_method(rules)
    path = catalogue / "assessment-2026.yaml"
    original = _changed_once_read(monkeypatch, assessment_cache, path)
    loaded = _counting(monkeypatch, document, "read_file")
    first = cached_assessment(path, cg, method)
    assert not [args for args in loaded if Path(args[0]) == path]  # not read a second time
    path.write_bytes(original)
    assert first.answers and first.answers == load_assessment(path, cg, method).answers


def test_a_catalogue_not_read_through_the_cache_has_no_key_and_its_assessments_are_loaded(catalogue, rules,
                                                                                         cache_root, monkeypatch):
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", "off")
    cg, _ = linked(catalogue)
    assert cg.files_key is None
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", str(cache_root))
    method = cached_method(rules)
    calls = _counting(monkeypatch, assessment_cache, "load_assessment")
    for _ in range(2):
        cached_assessment(catalogue / "assessment-2026.yaml", cg, method)
    assert len(calls) == 2
    assert not (cache_root / "valutazioni").exists() or _entries(cache_root / "valutazioni") == []


def test_an_entry_others_can_write_is_not_read(catalogue, rules, cache_root, monkeypatch):
    cg, _ = linked(catalogue)
    method = cached_method(rules)
    cached_assessment(catalogue / "assessment-2026.yaml", cg, method)
    (entry,) = _entries(cache_root / "valutazioni")
    os.chmod(entry, 0o666)
    calls = _counting(monkeypatch, assessment_cache, "load_assessment")
    cached_assessment(catalogue / "assessment-2026.yaml", cg, method)
    assert len(calls) == 1


def test_check_warm_says_what_check_cold_says(catalogue, tmp_path):
    """Through the command line, in new processes: the first run fills the three caches, the second reads them."""
    env = {**os.environ, "RISKENGINE_CACHE_DIR": str(tmp_path / "cache-cli"), "RISKENGINE_LANG": "it"}
    runs = [subprocess.run([sys.executable, "-m", "riskengine", "check", str(catalogue)], capture_output=True,
                           text=True, env=env, timeout=120) for _ in range(2)]
    assert runs[0].returncode == runs[1].returncode
    assert runs[0].stdout == runs[1].stdout and runs[0].stderr == runs[1].stderr
    assert _entries(tmp_path / "cache-cli" / "metodi") and _entries(tmp_path / "cache-cli" / "valutazioni")


def test_a_link_out_of_the_folder_is_refused_even_when_its_content_was_cached(catalogue, rules, cache_root, tmp_path):
    """Regression: the key was computed from the bytes behind a link, so an assessment or a method file replaced
    by a link to a copy outside its folder was read back from the cache instead of being refused."""
    cg, _ = linked(catalogue)
    method = cached_method(rules)
    path = catalogue / "assessment-2026.yaml"
    cached_assessment(path, cg, method)
    outside = tmp_path / "altrove.yaml"
    path.rename(outside)
    path.symlink_to(outside)
    with pytest.raises(RiskengineError) as refused:
        cached_assessment(path, cg, method)
    assert refused.value.problems[0].location.path == str(path)
    method_file = rules / "method.yaml"
    method_file.rename(tmp_path / "metodo-altrove.yaml")
    method_file.symlink_to(tmp_path / "metodo-altrove.yaml")
    with pytest.raises(RiskengineError):
        cached_method(rules)
