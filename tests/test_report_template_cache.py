"""The cache of compiled templates (issue 18, item 6): later runs read the package's templates' code back instead of
compiling it, write the same bytes, and never run code they cannot trust (corrupt, foreign, unsigned or stale
entries are ignored and compiled again; templates supplied by users are never cached)."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from test_report_support import REPO

from riskengine.report import canonical_copy, write_annex
from riskengine.report import html as html_module
from riskengine.report.html import HtmlRenderer, make_environment, write_html
from riskengine.report.messages import Messages
from riskengine.report.template_cache import CACHE_KIND, CompiledTemplates, compile_settings
from riskengine.report.view import View


@pytest.fixture
def cache_dir(tmp_path, monkeypatch) -> Path:
    """A private cache of the test's own, and no compiled templates kept in memory from other tests."""
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", str(tmp_path / "cache"))
    html_module._compiled.cache_clear()
    yield tmp_path / "cache" / CACHE_KIND
    html_module._compiled.cache_clear()  # the next test must not see this directory's instance


def _entries(directory: Path) -> list[Path]:
    return sorted(directory.glob("[0-9a-f]*.bin"))


class _Compiles:
    """Counts Jinja's compilations of templates from source."""

    def __init__(self, monkeypatch) -> None:
        self.names: list[str | None] = []
        real = jinja2.Environment.compile

        def compiling(env, source, name=None, filename=None, raw=False, defer_init=False):
            self.names.append(name)
            return real(env, source, name, filename, raw, defer_init)

        monkeypatch.setattr(jinja2.Environment, "compile", compiling)


def _annex(result: dict, out: Path, lang: str = "it") -> dict[str, str]:
    """write_html of the complete edition in a fresh environment (as a new run makes): SHA-256 by file."""
    html_module._compiled.cache_clear()  # a new run: only what is on disk is known
    out.mkdir()
    write_html(HtmlRenderer(View(canonical_copy(result), Messages(lang))), out)
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.rglob("*"))
            if p.is_file()}


def test_a_later_run_reads_the_compiled_templates_and_writes_the_same_bytes(assessed, cache_dir, tmp_path,
                                                                            monkeypatch):
    result = assessed("esempio-cciaa")
    compiles = _Compiles(monkeypatch)
    first = _annex(result, tmp_path / "a")
    assert len(compiles.names) >= 10 and len(_entries(cache_dir)) == len(compiles.names)
    compiles.names.clear()
    second = _annex(result, tmp_path / "b")
    assert compiles.names == []  # nothing compiled: every template's code read back
    assert html_module._compiled(compile_settings(make_environment()), cache_dir).read > 0
    assert second == first
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", "off")
    assert _annex(result, tmp_path / "c") == first  # and the same bytes as without any cache
    assert compiles.names  # off: compiled


@pytest.mark.parametrize("damage", ["garbage", "flipped", "truncated", "empty"])
def test_a_corrupt_entry_is_ignored_and_compiled_again(assessed, cache_dir, tmp_path, monkeypatch, damage):
    result = assessed("mini")
    expected = _annex(result, tmp_path / "a")
    for entry in _entries(cache_dir):
        data = entry.read_bytes()
        entry.write_bytes({"garbage": b"\x00garbage" * 10, "flipped": data[:-1] + bytes([data[-1] ^ 1]),
                           "truncated": data[: len(data) // 2], "empty": b""}[damage])
    compiles = _Compiles(monkeypatch)
    assert _annex(result, tmp_path / "b") == expected
    assert len(compiles.names) == len(_entries(cache_dir))  # every template compiled again...
    compiles.names.clear()
    assert _annex(result, tmp_path / "c") == expected
    assert compiles.names == []  # ... and stored again, signed


def test_an_entry_signed_with_another_key_is_not_read(assessed, cache_dir, tmp_path, monkeypatch):
    result = assessed("mini")
    expected = _annex(result, tmp_path / "a")
    (cache_dir / "chiave-firma").write_bytes(os.urandom(32))  # the entries were signed under the old key
    compiles = _Compiles(monkeypatch)
    assert _annex(result, tmp_path / "b") == expected
    assert compiles.names


@pytest.mark.parametrize("how", ["owner", "mode"])
def test_an_entry_someone_else_could_have_written_is_not_read(assessed, cache_dir, tmp_path, monkeypatch, how):
    result = assessed("mini")
    expected = _annex(result, tmp_path / "a")
    entries = _entries(cache_dir)
    if how == "owner":
        if os.getuid() != 0:
            pytest.skip("giving a file to another user needs root")
        for entry in entries:
            os.chown(entry, 65534, 65534)
    else:
        for entry in entries:
            os.chmod(entry, 0o666)
    compiles = _Compiles(monkeypatch)
    monkeypatch.setattr(CompiledTemplates, "dump_bytecode", lambda self, bucket: None)  # keep the foreign files
    assert _annex(result, tmp_path / "b") == expected
    assert len(compiles.names) == len(entries)


def _render(directory: Path, source: str) -> str:
    env = jinja2.Environment(loader=jinja2.DictLoader({"t.j2": source}))
    env.bytecode_cache = CompiledTemplates(compile_settings(env), directory)
    return env.get_template("t.j2").render(n=2)


def test_a_changed_template_is_compiled_again(tmp_path, monkeypatch):
    directory = tmp_path / "modelli"
    directory.mkdir(mode=0o700)
    assert _render(directory, "uno {{ n }}") == "uno 2"
    compiles = _Compiles(monkeypatch)
    assert _render(directory, "uno {{ n }}") == "uno 2" and compiles.names == []
    assert _render(directory, "due {{ n * 2 }}") == "due 4" and compiles.names == ["t.j2"]
    assert len(_entries(directory)) == 2


def test_other_compile_settings_are_other_entries(tmp_path):
    directory = tmp_path / "modelli"
    directory.mkdir(mode=0o700)
    plain = jinja2.Environment(loader=jinja2.DictLoader({"t.j2": "  {% if 1 %}x{% endif %}\n"}))
    trimmed = jinja2.Environment(loader=plain.loader, trim_blocks=True, lstrip_blocks=True)
    assert compile_settings(plain) != compile_settings(trimmed)
    for env in (plain, trimmed):
        env.bytecode_cache = CompiledTemplates(compile_settings(env), directory)
    assert plain.get_template("t.j2").render() == "  x"
    assert trimmed.get_template("t.j2").render() == "x"  # not the plain environment's code


def test_user_templates_are_compiled_in_the_sandbox_and_never_cached(assessed, cache_dir, tmp_path, monkeypatch):
    templates = tmp_path / "templates"
    templates.mkdir()
    (templates / "nota_tecnica.html.j2").write_text("<p>Nota {{ view.ente.nome }}</p>\n", encoding="utf-8")
    assert make_environment(templates).bytecode_cache is None
    _annex(assessed("mini"), tmp_path / "package")  # the package's templates cached: they must not be used below
    stored = _entries(cache_dir)
    assert stored
    compiles = _Compiles(monkeypatch)
    write_annex(assessed("mini"), tmp_path / "user", formats=("html",), templates=templates)
    assert "allegato.html.j2" in compiles.names and "nota_tecnica.html.j2" in compiles.names
    assert _entries(cache_dir) == stored  # nothing added
    assert "<p>Nota " in (tmp_path / "user" / "allegato-rischi.html").read_text(encoding="utf-8")


def test_the_cli_writes_the_same_annex_cold_warm_and_without_cache(assessed, tmp_path):
    """Integration: ``python -m riskengine report`` three times, the cache empty, filled and off."""
    from riskengine.report import result_json

    source = tmp_path / "risultato.json"
    source.write_text(result_json(assessed("esempio-cciaa")), encoding="utf-8")
    digests = []
    for run, cache in enumerate((tmp_path / "cache", tmp_path / "cache", "off")):
        out = tmp_path / f"out{run}"
        env = {**os.environ, "RISKENGINE_CACHE_DIR": str(cache), "RISKENGINE_LANG": "it"}
        done = subprocess.run([sys.executable, "-m", "riskengine", "report", str(source), "--out", str(out),
                               "--format", "html", "-q"], env=env, cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        digests.append({str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest()
                        for p in sorted(out.rglob("*")) if p.is_file()})
        if run == 0:
            assert len(_entries(tmp_path / "cache" / CACHE_KIND)) >= 10
    assert digests[0] == digests[1] == digests[2]
