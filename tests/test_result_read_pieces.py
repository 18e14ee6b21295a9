"""A large result is parsed a few megabytes of its processes at a time (issue 18): the same value as parsing it
whole, or the same refusal, whatever its bytes; never the whole file's bytes in memory at once."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from catalog_helpers import REPO
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskengine.errors import RiskengineError
from riskengine.result import read as read_module
from riskengine.result import writer
from riskengine.result.read import read_result
from riskengine.result.writer import write_json
from riskengine.source.document import open_file

GOLDEN = REPO / "tests" / "golden" / "mini" / "risultato.json"
EXPECTED = json.loads(GOLDEN.read_text(encoding="utf-8"))


@pytest.fixture(autouse=True)
def no_stamps(monkeypatch):
    # Both ways check every file: a stamp would spare the check of one and not the other.
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", "off")


def _outcome(path: Path, monkeypatch, *, pieces: bool, block: int = 97) -> tuple[str, object]:
    """What reading ``path`` gives, by pieces (``block`` bytes at a time) or whole: the value or the refusal's lines."""
    with monkeypatch.context() as m:
        m.setattr(read_module, "PIECES_FROM", 0 if pieces else 1 << 62)
        m.setattr(read_module, "_BLOCK", block)
        try:
            return "value", read_result(path)
        except RiskengineError as exc:
            return "refused", [p.format() for p in exc.problems]


def _pieces(path: Path, block: int, monkeypatch) -> tuple[dict, bytes] | None:
    monkeypatch.setattr(read_module, "_BLOCK", block)
    with open_file(path) as (handle, limit):
        return read_module._by_pieces(handle, path, limit)


@pytest.mark.parametrize("block", [1, 7, 97, 4096, 1 << 22])
def test_a_result_read_by_pieces_is_the_one_read_whole(tmp_path, monkeypatch, block):
    # separators cut by the blocks' ends anywhere: one byte at a time, a few, more than the file
    path = tmp_path / "risultato.json"
    path.write_bytes(GOLDEN.read_bytes())
    found = _pieces(path, block, monkeypatch)
    assert found is not None, "the layout write_json gives was not read by pieces"
    assert found == (EXPECTED, hashlib.sha256(GOLDEN.read_bytes()).digest())
    assert _outcome(path, monkeypatch, pieces=True, block=block) == ("value", EXPECTED)


def test_the_file_is_never_read_whole(tmp_path, monkeypatch):
    path = tmp_path / "risultato.json"
    large = dict(EXPECTED, processi=EXPECTED["processi"] * 60)
    write_json(large, path)
    sizes: list[int] = []
    real = read_module.read_bounded

    def read_bounded(handle, where, size, *limits):
        data = real(handle, where, size, *limits)
        sizes.append(len(data))
        return data

    monkeypatch.setattr(read_module, "read_bounded", read_bounded)
    found = _pieces(path, 4096, monkeypatch)
    assert found is not None and found[0] == large
    # the processes a block at a time, what follows them, then the bytes compared about 64 KB at a time
    assert path.stat().st_size > 2_000_000 and max(sizes) < 200_000


def test_a_stamp_is_the_same_either_way(tmp_path, monkeypatch):
    monkeypatch.setenv("RISKENGINE_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "risultato.json"
    path.write_bytes(GOLDEN.read_bytes())
    checked: list[str] = []
    real_checked, real_parts = read_module._checked, read_module._validated_parts
    monkeypatch.setattr(read_module, "_checked", lambda *a: checked.append("whole") or real_checked(*a))
    monkeypatch.setattr(read_module, "_validated_parts", lambda *a: checked.append("parts") or real_parts(*a))
    assert _outcome(path, monkeypatch, pieces=True) == ("value", EXPECTED)  # checked, stamped
    assert checked == ["parts"]
    assert _outcome(path, monkeypatch, pieces=False) == ("value", EXPECTED)  # the stamp of the same bytes
    assert _outcome(path, monkeypatch, pieces=True) == ("value", EXPECTED)
    assert checked == ["parts"]


def _laid_out_otherwise(text: str) -> dict[str, str]:
    data = json.loads(text)
    start = text.index('\n  "processi": [\n')
    return {
        "compact": json.dumps(data, ensure_ascii=False, sort_keys=True),
        "indented by four": json.dumps(data, ensure_ascii=False, sort_keys=True, indent=4),
        "keys unsorted": json.dumps(dict(reversed(list(data.items()))), ensure_ascii=False, indent=2),
        # the last of two equal keys counts: parsed whole, no process
        "processes given twice": text.rstrip()[:-1] + ',\n  "processi": []\n}\n',
        # a list laid out like the processes, under another key
        "processes elsewhere too": text[:start] + '\n  "altro": [\n    {\n      "a": 1\n    }\n  ],' + text[start:],
        "a space more": text.replace('\n    },\n    {\n', '\n    } ,\n    {\n', 1),
        "no final newline": text.rstrip("\n"),
        "truncated in the processes": text[:start + 400],
        "truncated after them": text[:text.index("\n  ]", start) + 4],
        "not UTF-8": text[:start + 200] + "\udcff" + text[start + 200:],
        "bytes after the end": text + "x",
    }


@pytest.mark.parametrize("case", list(_laid_out_otherwise(GOLDEN.read_text(encoding="utf-8"))))
def test_a_file_laid_out_otherwise_reads_as_read_whole(tmp_path, monkeypatch, case):
    path = tmp_path / "risultato.json"
    path.write_bytes(_laid_out_otherwise(GOLDEN.read_text(encoding="utf-8"))[case].encode("utf-8", "surrogateescape"))
    assert _pieces(path, 97, monkeypatch) is None
    assert _outcome(path, monkeypatch, pieces=True) == _outcome(path, monkeypatch, pieces=False)


def test_a_file_above_the_limit_is_refused_either_way(tmp_path, monkeypatch):
    path = tmp_path / "risultato.json"
    path.write_bytes(GOLDEN.read_bytes())
    monkeypatch.setattr("riskengine.source.document.max_bytes", lambda: 1000)
    whole = _outcome(path, monkeypatch, pieces=False)
    assert whole[0] == "refused" and "troppo_grande" not in str(whole)  # worded, not keyed
    assert _outcome(path, monkeypatch, pieces=True) == whole


_GOLDEN_BYTES = GOLDEN.read_bytes()
_EDITS = st.tuples(st.sampled_from(["delete", "insert", "repeat line"]),
                   st.integers(0, len(_GOLDEN_BYTES) - 1),
                   st.sampled_from([b"{", b"}", b"[", b"]", b",", b":", b'"', b" ", b"\n", b"0", b"a", b"\xff"]))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=st.lists(_EDITS, min_size=1, max_size=3), block=st.sampled_from([1, 13, 97, 1 << 22]))
def test_any_bytes_read_by_pieces_as_read_whole(tmp_path, monkeypatch, edits, block):
    raw = bytearray(_GOLDEN_BYTES)
    for kind, at, byte in edits:
        at = min(at, len(raw) - 1)
        if kind == "delete":
            del raw[at]
        elif kind == "insert":
            raw[at:at] = byte
        else:
            start = raw.rfind(b"\n", 0, at) + 1
            end = raw.find(b"\n", at) + 1 or len(raw)
            raw[start:start] = raw[start:end]
    path = tmp_path / "risultato.json"
    path.write_bytes(bytes(raw))
    assert _outcome(path, monkeypatch, pieces=True, block=block) == _outcome(path, monkeypatch, pieces=False)


def test_a_result_of_another_format_version_is_refused_either_way(tmp_path, monkeypatch):
    path = tmp_path / "risultato.json"
    write_json(dict(EXPECTED, formato="riskengine-result/0"), path)
    whole = _outcome(path, monkeypatch, pieces=False)
    assert whole[0] == "refused" and "with this version of riskengine" in str(whole)  # the hint to assess again
    assert _outcome(path, monkeypatch, pieces=True) == whole


@pytest.mark.parametrize("short", [10, 30_000])
def test_a_file_larger_than_the_limit_when_read_is_refused(tmp_path, monkeypatch, short):
    # grown after it was opened (the open handle's size was within the limit): refused while its processes are
    # read (30,000 bytes short), or while what follows them is (10 bytes short)
    path = tmp_path / "risultato.json"
    path.write_bytes(GOLDEN.read_bytes())
    monkeypatch.setattr(read_module, "_BLOCK", 97)
    with open_file(path) as (handle, _), pytest.raises(RiskengineError, match="above the"):
        read_module._by_pieces(handle, path, len(GOLDEN.read_bytes()) - short)


def test_a_value_write_json_writes_otherwise_is_read_whole(tmp_path, monkeypatch):
    # 1e400 is parsed as an infinite float, which write_json writes null: the value parsed is not the one of bytes
    # write_json would write, whatever the file holds when it is compared (a file changed while read included)
    path = tmp_path / "risultato.json"
    genuine = GOLDEN.read_bytes()
    at = genuine.index(b'"in_convenzione": null', genuine.index(b'"processi": ['))
    path.write_bytes(genuine[:at] + b'"in_convenzione": 1e400' + genuine[at + len(b'"in_convenzione": null'):])
    original = writer.iter_json  # _by_pieces imports it from the writer when it runs

    def iter_json(data):
        path.write_bytes(genuine)
        yield from original(data)

    monkeypatch.setattr(writer, "iter_json", iter_json)
    assert _pieces(path, 97, monkeypatch) is None


def test_a_process_larger_than_a_results_is_read_whole(tmp_path, monkeypatch):
    path = tmp_path / "risultato.json"
    path.write_bytes(GOLDEN.read_bytes())
    monkeypatch.setattr(read_module, "_PIECE_MAX", 500)  # the mini result's processes are larger
    assert _pieces(path, 97, monkeypatch) is None
    assert _outcome(path, monkeypatch, pieces=True) == ("value", EXPECTED)
