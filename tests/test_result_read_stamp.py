"""Results found valid are remembered by digest (issue 18, item 6): the same bytes are not checked twice, and nothing
but this user's own stamp of exactly these bytes, checked by the same code, spares the check."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from catalog_helpers import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from riskengine.errors import RiskengineError
from riskengine.result import read as read_module
from riskengine.result.read import STAMPS, read_result
from riskengine.result.writer import write_json

GOLDEN = REPO / "tests" / "golden" / "mini" / "risultato.json"


@pytest.fixture
def stamps(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache" / STAMPS


@pytest.fixture
def result(tmp_path) -> Path:
    path = tmp_path / "risultato.json"
    path.write_bytes(GOLDEN.read_bytes())
    return path


class _Checks:
    def __init__(self, monkeypatch) -> None:
        self.count = 0
        real = read_module._checked

        def checked(raw, where):
            self.count += 1
            return real(raw, where)

        monkeypatch.setattr(read_module, "_checked", checked)


def test_a_result_read_again_is_not_checked_again_and_reads_the_same(result, stamps, monkeypatch):
    checks = _Checks(monkeypatch)
    first = read_result(result)
    assert checks.count == 1 and len(list(stamps.glob("*.ok"))) == 1
    second = read_result(result)
    assert checks.count == 1  # the stamp spared the check
    assert second == first == json.loads(GOLDEN.read_text(encoding="utf-8"))


def test_changed_bytes_are_checked(result, stamps, monkeypatch):
    read_result(result)
    checks = _Checks(monkeypatch)
    data = json.loads(result.read_text(encoding="utf-8"))
    result.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")  # valid, other bytes
    read_result(result)
    assert checks.count == 1
    data["processi"][0]["codice"] = 12  # not a text: invalid
    result.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(RiskengineError):
        read_result(result)
    with pytest.raises(RiskengineError):  # and not stamped
        read_result(result)
    assert checks.count == 3 and len(list(stamps.glob("*.ok"))) == 2


@pytest.mark.parametrize("forgery", ["content", "mode", "owner", "link"])
def test_a_stamp_not_of_this_users_own_making_is_no_stamp(tmp_path, stamps, monkeypatch, forgery):
    valid = tmp_path / "valido.json"
    valid.write_bytes(GOLDEN.read_bytes())
    read_result(valid)
    (stamp,) = stamps.glob("*.ok")
    invalid = tmp_path / "risultato.json"  # an invalid result given the stamp the valid one earned
    data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    data["processi"][0]["codice"] = 12
    invalid.write_text(json.dumps(data), encoding="utf-8")
    path, key = read_module._stamp(hashlib.sha256(invalid.read_bytes()).digest())
    if forgery == "content":
        path.write_bytes(stamp.read_bytes())  # the valid file's stamp under the invalid file's name
        path.chmod(0o600)
    elif forgery == "mode":
        path.write_bytes(key)
        path.chmod(0o644)
    elif forgery == "owner":
        if os.getuid() != 0:
            pytest.skip("giving a file to another user needs root")
        path.write_bytes(key)
        path.chmod(0o600)
        os.chown(path, 65534, 65534)
    else:
        elsewhere = tmp_path / "altrove.ok"
        elsewhere.write_bytes(key)
        elsewhere.chmod(0o600)
        path.symlink_to(elsewhere)
    monkeypatch.setattr(read_module, "_remember", lambda *args: None)
    with pytest.raises(RiskengineError):
        read_result(invalid)


def test_without_a_cache_every_read_is_checked(result, tmp_path, monkeypatch):
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    checks = _Checks(monkeypatch)
    read_result(result)
    read_result(result)
    assert checks.count == 2 and not (tmp_path / "xdg").exists()


def test_the_stamp_names_the_checking_code(result, stamps, monkeypatch):
    read_result(result)
    checks = _Checks(monkeypatch)
    monkeypatch.setattr(read_module, "RESULT_FORMAT", "riskengine-result/99")  # as a new version of the code
    with pytest.raises(RiskengineError, match="riskengine-result/99"):
        read_result(result)
    assert checks.count == 1


def test_report_from_a_stamped_result_writes_the_same_annex(result, stamps, tmp_path):
    """Integration: the CLI renders a result checked, then stamped, to the same bytes."""
    env = {**os.environ, "RISKENGINE_CACHE_DIR": str(stamps.parent)}
    digests = []
    for run in range(2):
        out = tmp_path / f"out{run}"
        done = subprocess.run([sys.executable, "-m", "riskengine", "report", str(result), "--out", str(out),
                               "--format", "html,xlsx", "-q"], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode in (0, 3), done.stderr  # 3: a draft (the golden result has error findings)
        digests.append({p.relative_to(out): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()})
        assert len(list(stamps.glob("*.ok"))) == 1
    assert digests[0] == digests[1]


@pytest.mark.parametrize("pieces", [False, True])
def test_a_result_validation_changes_is_never_stamped(result, stamps, monkeypatch, pieces):
    """``"anno": 2026.0`` is valid (an integral number) and read as the integer 2026: parsing the bytes again
    without validating would give 2026.0, so such a file is checked at every read."""
    data = json.loads(GOLDEN.read_text(encoding="utf-8"))
    text = json.dumps(data, ensure_ascii=False).replace(f'"anno": {data["anno"]}', f'"anno": {data["anno"]}.0', 1)
    assert f'"anno": {data["anno"]}.0' in text
    if pieces:  # laid out as write_json lays it out, and read by pieces
        monkeypatch.setattr(read_module, "PIECES_FROM", 0)
        write_json(dict(data, anno=float(data["anno"])), result)
    else:
        result.write_text(text, encoding="utf-8")
    checks = _Checks(monkeypatch)
    validated: list[bool] = []
    real = read_module._validated_parts
    monkeypatch.setattr(read_module, "_validated_parts", lambda data: validated.append(True) or real(data))
    first = read_result(result)
    second = read_result(result)
    assert type(first["anno"]) is int and type(second["anno"]) is int
    # checked at both reads: read whole (_checked, which validates the parts), or by pieces (the parts alone)
    assert (checks.count, len(validated)) == ((0, 2) if pieces else (2, 2))
    assert list(stamps.glob("*.ok")) == []


_json = st.recursive(st.none() | st.booleans() | st.integers(-3, 3) | st.floats(-2, 2) | st.text(max_size=3),
                     lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=2), inner, max_size=3),
                     max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(validated=st.dictionaries(st.sampled_from("abc"), _json, max_size=3),
       parsed=st.dictionaries(st.sampled_from("abc"), _json, max_size=3))
def test_a_result_compared_a_part_at_a_time_gets_the_whole_comparisons_answer(validated, parsed):
    """The top-level comparison of a result is made a key and a list item at a time (for memory): the same answer
    as comparing the two whole texts, types included."""
    assert read_module._same_parts(validated, parsed) == read_module._same(validated, parsed)
    assert read_module._same_parts(parsed, parsed)


def test_the_stamp_holds_the_digest_of_the_checking_modules(result, stamps, monkeypatch):
    """A changed read.py or model.py (a development install) is another stamp; their digest is taken once."""
    raw = result.read_bytes()
    read_module._checking_code.cache_clear()
    path, key = read_module._stamp(hashlib.sha256(raw).digest())
    assert read_module._stamp(hashlib.sha256(raw).digest()) == (path, key)
    assert read_module._checking_code.cache_info().misses == 1  # read and hashed once a process
    monkeypatch.setattr(read_module, "_checking_code", lambda: b"\0" * 64)  # as another model.py
    assert read_module._stamp(hashlib.sha256(raw).digest())[1] != key
