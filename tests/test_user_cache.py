"""The user's cache of parsed text (riskengine.user_cache.cached_parse) and its one user, the message catalogue."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from riskengine import i18n
from riskengine.user_cache import cached_parse

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def cache_root(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


class Parser:
    """json.loads that counts its calls."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, source: str) -> dict:
        self.calls += 1
        return json.loads(source)


def _is_dict(value) -> bool:
    return isinstance(value, dict)


def test_a_second_read_of_the_same_text_does_not_parse_it(cache_root):
    parse = Parser()
    first = cached_parse("prova", "it", "f/1", '{"b": "2", "a": "1"}', parse, _is_dict)
    second = cached_parse("prova", "it", "f/1", '{"b": "2", "a": "1"}', parse, _is_dict)
    assert first == second == {"b": "2", "a": "1"}
    assert list(second) == ["b", "a"]  # in the parser's order: what is read back is the same value
    assert parse.calls == 1
    entry = cache_root / "prova" / "it.marshal"
    assert entry.stat().st_mode & 0o777 == 0o600


def test_changed_text_is_parsed_again(cache_root):
    parse = Parser()
    cached_parse("prova", "it", "f/1", '{"a": "1"}', parse, _is_dict)
    assert cached_parse("prova", "it", "f/1", '{"a": "2"}', parse, _is_dict) == {"a": "2"}
    assert parse.calls == 2
    assert cached_parse("prova", "it", "f/1", '{"a": "2"}', parse, _is_dict) == {"a": "2"}
    assert parse.calls == 2


def test_another_form_of_the_parsed_value_parses_again(cache_root):
    parse = Parser()
    cached_parse("prova", "it", "f/1", '{"a": "1"}', parse, _is_dict)
    assert cached_parse("prova", "it", "f/2", '{"a": "1"}', lambda s: {"a": "altro"}, _is_dict) == {"a": "altro"}
    assert parse.calls == 1


def test_another_version_of_riskengine_parses_again(cache_root, monkeypatch):
    parse = Parser()
    cached_parse("prova", "it", "f/1", '{"a": "1"}', parse, _is_dict)
    monkeypatch.setattr("riskengine.__version__", "99.0.0")
    cached_parse("prova", "it", "f/1", '{"a": "1"}', parse, _is_dict)
    assert parse.calls == 2


@pytest.mark.parametrize("content", [b"", b"\x00\x01garbage", b"{not marshal", b"\xe9" * 100])
def test_a_corrupt_entry_is_parsed_again_and_replaced(cache_root, content):
    parse = Parser()
    cached_parse("prova", "it", "f/1", '{"a": "1"}', parse, _is_dict)
    (cache_root / "prova" / "it.marshal").write_bytes(content)
    assert cached_parse("prova", "it", "f/1", '{"a": "1"}', parse, _is_dict) == {"a": "1"}
    assert cached_parse("prova", "it", "f/1", '{"a": "1"}', parse, _is_dict) == {"a": "1"}
    assert parse.calls == 2  # the corrupt entry was rewritten


def test_a_value_that_fails_the_check_is_not_used(cache_root):
    import marshal

    from riskengine import __version__

    (cache_root / "prova").mkdir(parents=True, mode=0o700)
    (cache_root / "prova" / "it.marshal").write_bytes(
        marshal.dumps((__version__, "f/1", '{"a": "1"}', ["not", "a", "dict"])))
    parse = Parser()
    assert cached_parse("prova", "it", "f/1", '{"a": "1"}', parse, _is_dict) == {"a": "1"}
    assert parse.calls == 1


def test_an_entry_others_can_write_or_a_link_is_not_read(cache_root, tmp_path):
    parse = Parser()
    cached_parse("prova", "it", "f/1", '{"a": "1"}', parse, _is_dict)
    entry = cache_root / "prova" / "it.marshal"
    entry.chmod(0o666)
    cached_parse("prova", "it", "f/1", '{"a": "1"}', parse, _is_dict)
    assert parse.calls == 2  # ignored, and replaced by a private one
    assert entry.stat().st_mode & 0o777 == 0o600
    elsewhere = tmp_path / "altrove.marshal"
    elsewhere.write_bytes(entry.read_bytes())
    entry.unlink()
    entry.symlink_to(elsewhere)
    cached_parse("prova", "it", "f/1", '{"a": "1"}', parse, _is_dict)
    assert parse.calls == 3


def test_cache_off_always_parses_and_writes_nothing(tmp_path, monkeypatch):
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", "off")
    parse = Parser()
    cached_parse("prova", "it", "f/1", '{"a": "1"}', parse, _is_dict)
    cached_parse("prova", "it", "f/1", '{"a": "1"}', parse, _is_dict)
    assert parse.calls == 2
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("lang", ["it", "en"])
def test_the_message_catalogue_read_back_is_the_one_parsed(cache_root, lang):
    i18n.catalogue.cache_clear()
    try:
        parsed = dict(i18n.catalogue(lang))  # parsed from the YAML and stored
        assert (cache_root / "messaggi" / f"{lang}.marshal").exists()
        i18n.catalogue.cache_clear()
        read_back = dict(i18n.catalogue(lang))
    finally:
        i18n.catalogue.cache_clear()
    assert list(read_back.items()) == list(parsed.items())
    source = (REPO / "src" / "riskengine" / "report" / "messages" / f"{lang}.yaml").read_text(encoding="utf-8")
    assert read_back == i18n._parsed(source)


def test_the_help_of_a_warm_start_does_not_import_pyyaml(cache_root):
    script = ("import sys\nfrom riskengine import cli\nsys.argv = ['riskengine', '--help']\n"
              "try:\n    cli.main()\nexcept SystemExit:\n    pass\n"
              "print('yaml' in sys.modules, file=sys.stderr)")
    env = {**os.environ, "RISKENGINE_CACHE_DIR": str(cache_root), "RISKENGINE_LANG": "it"}
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=60)
            for _ in range(2)]
    assert [run.stderr.strip() for run in runs] == ["True", "False"]  # parsed once, then read back
    assert runs[0].stdout == runs[1].stdout
    assert "Utilizzo" in runs[1].stdout or "Usage" in runs[1].stdout


def test_a_signed_entry_is_read_by_pieces_never_whole(tmp_path, monkeypatch):
    """A national catalogue's entry is hundreds of megabytes: held whole, its bytes would add to the peak of
    the objects unpickled from it. Read back, it is the value stored; no read returns more than a piece; the
    value comes from the file whose signature was checked, even if the path is replaced meanwhile."""
    import pickle

    from riskengine import user_cache

    secret = os.urandom(32)
    value = {"processi": [f"processo {n:06d} " * 4 for n in range(100_000)]}  # about 7 MB pickled
    user_cache.write_signed(tmp_path, "voce.bin", secret, value, kept=1)
    entry = tmp_path / "voce.bin"
    assert entry.stat().st_size > 4 * user_cache._PIECE
    returned: list[int] = []
    opened = user_cache.open_private

    class Counted:
        def __init__(self, handle):
            self.handle = handle

        def __getattr__(self, name):
            return getattr(self.handle, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def _counted(self, data):
            returned.append(len(data))
            return data

        def read(self, size=-1):
            return self._counted(self.handle.read(size))

        def read1(self, size=-1):
            return self._counted(self.handle.read1(size))

        def peek(self, size=0):
            return self._counted(self.handle.peek(size))

        def readinto(self, buffer):
            count = self.handle.readinto(buffer)
            returned.append(count)
            return count

        def seek(self, *args):
            # between the signature check and the unpickling, another entry takes the path
            user_cache.write_signed(tmp_path, "voce.bin", os.urandom(32), {"altro": True}, kept=1)
            return self.handle.seek(*args)

    monkeypatch.setattr(user_cache, "open_private", lambda path: Counted(opened(path)))
    assert user_cache.read_signed(entry, secret) == value
    assert returned and max(returned) <= user_cache._PIECE
    unpickled = []
    monkeypatch.setattr(pickle, "load", lambda handle: unpickled.append(handle))
    assert user_cache.read_signed(entry, secret) is None  # the entry now at the path is signed by another key
    assert unpickled == []  # ... and never unpickled
