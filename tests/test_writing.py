"""source.writing: the files a command writes outside an annex, whole or not at all, as a user's files are."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from riskengine.errors import RiskengineError
from riskengine.source.writing import write_all, write_atomic


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_has_the_permissions_of_the_umask_not_a_temporary_files(tmp_path: Path) -> None:
    # mkstemp's 0600: a schema, a workbook or a catalogue file rewritten by raccogli became private to the writer
    previous = os.umask(0o022)
    try:
        write_atomic(tmp_path / "nuovo.yaml", "a: 1\n")
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "nuovo.yaml") == 0o644


def test_a_replaced_file_keeps_its_own_permissions(tmp_path: Path) -> None:
    path = tmp_path / "assessment-2026.yaml"
    path.write_text("anno: 2025\n", encoding="utf-8")
    path.chmod(0o640)
    write_atomic(path, "anno: 2026\n")
    assert (path.read_text(encoding="utf-8"), _mode(path)) == ("anno: 2026\n", 0o640)


@pytest.mark.parametrize("kind", ["fifo", "symlink", "directory"])
def test_a_target_that_is_not_a_regular_file_is_refused_not_replaced(tmp_path: Path, kind: str) -> None:
    # the rename would have put a file in place of a device (as root, -o /dev/full), a link or a pipe
    target = tmp_path / "uscita"
    if kind == "fifo":
        os.mkfifo(target)
    elif kind == "symlink":
        (tmp_path / "vero.json").write_text("{}", encoding="utf-8")
        target.symlink_to(tmp_path / "vero.json")
    else:
        target.mkdir()
    before = sorted(tmp_path.iterdir())
    with pytest.raises(RiskengineError) as info:
        write_atomic(target, "{}\n")
    (problem,) = info.value.problems
    assert (problem.key, problem.location.path) == ("problemi.file.uscita_non_regolare", str(target))
    named = {"fifo": "a named pipe (FIFO)", "symlink": "a symbolic link", "directory": "a directory"}[kind]
    assert problem.message == f"not a regular file but {named}: riskengine would replace it"
    advice = "put the file it points to in place of the link" if kind == "symlink" else \
        "give a new file, or a regular file to replace"
    assert problem.hint == advice
    assert sorted(tmp_path.iterdir()) == before  # no temporary file left
    assert os.path.islink(target) == (kind == "symlink")


def test_several_files_are_replaced_only_when_all_could_be_written(tmp_path: Path) -> None:
    # import-xlsx stopped half way with four of its eight files written
    first, blocked = tmp_path / "ente.yaml", tmp_path / "file" / "units.yaml"
    first.write_text("vecchio\n", encoding="utf-8")
    (tmp_path / "file").write_text("a file where a folder is needed\n", encoding="utf-8")
    with pytest.raises(RiskengineError) as info:
        write_all([(first, "nuovo\n"), (blocked, "x\n")])
    assert info.value.problems[0].message == "cannot write file: Not a directory"
    assert first.read_text(encoding="utf-8") == "vecchio\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ente.yaml", "file"]


def test_a_write_cut_short_leaves_the_file_as_it_was(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "catalogo.xlsx"
    path.write_bytes(b"old")
    real_fdopen = os.fdopen

    class Full:
        def __init__(self, fd: int, mode: str) -> None:
            self.handle = real_fdopen(fd, mode)

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def fileno(self) -> int:
            return self.handle.fileno()

        def write(self, data: bytes) -> int:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr("riskengine.source.writing.os.fdopen", Full)
    with pytest.raises(RiskengineError) as info:
        write_atomic(path, b"new")
    assert info.value.problems[0].message == "cannot write file: No space left on device"
    assert info.value.problems[0].hint == "free some space on the disk"
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["catalogo.xlsx"]


def test_a_rename_refused_midway_is_one_located_line_and_leaves_no_temporary_file(tmp_path: Path,
                                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # every temporary file is written first; a rename the system refuses (rare) replaces the files before it only
    first, second = tmp_path / "ente.yaml", tmp_path / "units.yaml"
    first.write_text("vecchio\n", encoding="utf-8")
    second.write_text("vecchio\n", encoding="utf-8")
    real_replace = os.replace

    def refused(source: str, target: Path) -> None:
        if Path(target).name == "units.yaml":
            raise PermissionError(1, "Operation not permitted")
        real_replace(source, target)

    monkeypatch.setattr("riskengine.source.writing.os.replace", refused)
    with pytest.raises(RiskengineError) as info:
        write_all([(first, "nuovo\n"), (second, "nuovo\n")])
    (problem,) = info.value.problems
    assert (problem.location.path, problem.message) == (str(second), "cannot write file: Operation not permitted")
    assert (first.read_text(encoding="utf-8"), second.read_text(encoding="utf-8")) == ("nuovo\n", "vecchio\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ente.yaml", "units.yaml"]


def test_special_permission_bits_are_not_carried_to_the_new_content(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text("{}", encoding="utf-8")
    path.chmod(0o6755)
    write_atomic(path, "[]")
    assert _mode(path) == 0o755
