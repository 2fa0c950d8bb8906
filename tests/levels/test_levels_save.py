"""save_level / atomic_write_text: the file loads back equal, and a failed write leaves the
old file untouched with no temporary files behind."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from gridrl.levels import (
    atomic_folder,
    atomic_write_text,
    bundled_level_names,
    level_to_yaml,
    load_level,
    read_level_file,
    save_level,
)

OLD_BYTES = b"kind: gridworld\nname: old\nlayout: |\n  S.G\n# the old file\n"


@pytest.mark.parametrize("name", bundled_level_names())
def test_save_level_loads_back_equal(name: str, tmp_path: Path) -> None:
    level = load_level(name)
    path = tmp_path / f"{name}.yaml"
    save_level(level, path)
    assert read_level_file(path) == level
    assert path.read_text(encoding="utf-8") == level_to_yaml(level)
    assert sorted(os.listdir(tmp_path)) == [f"{name}.yaml"]


def test_save_level_overwrites(tmp_path: Path) -> None:
    path = tmp_path / "level.yaml"
    path.write_bytes(OLD_BYTES)
    level = load_level("cliff_walking")
    save_level(level, str(path))
    assert read_level_file(path) == level
    assert os.listdir(tmp_path) == ["level.yaml"]


def test_atomic_write_text_exact_bytes(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    atomic_write_text(path, "caf\u00e9\nline two\n")
    assert path.read_bytes() == "caf\u00e9\nline two\n".encode("utf-8")
    atomic_write_text(path, "")
    assert path.read_bytes() == b""


def test_atomic_write_text_keeps_newlines(tmp_path: Path) -> None:
    path = tmp_path / "n.txt"
    atomic_write_text(path, "a\nb\n")
    assert b"\r" not in path.read_bytes()


def test_atomic_write_text_missing_folder_raises_and_creates_nothing(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        atomic_write_text(tmp_path / "no" / "such.yaml", "x")
    assert os.listdir(tmp_path) == []


def _prepare(tmp_path: Path) -> Path:
    path = tmp_path / "level.yaml"
    path.write_bytes(OLD_BYTES)
    return path


def _assert_untouched(path: Path) -> None:
    assert path.read_bytes() == OLD_BYTES
    assert os.listdir(path.parent) == [path.name], "a temporary file was left behind"


def test_failing_fsync_leaves_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _prepare(tmp_path)

    def broken_fsync(fd: int) -> None:
        raise OSError(errno.EIO, "disk on fire")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError, match="disk on fire"):
        save_level(load_level("four_rooms"), path)
    _assert_untouched(path)


def test_interrupt_midway_leaves_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _prepare(tmp_path)

    def interrupted(fd: int) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(path, "new text\n")
    _assert_untouched(path)


class _HalfWriter:
    """A file handle that writes half the text and then fails like a full disk."""

    def __init__(self, handle) -> None:  # type: ignore[no-untyped-def]
        self._handle = handle

    def __enter__(self) -> "_HalfWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self._handle.close()

    def write(self, text: str) -> int:
        self._handle.write(text[: len(text) // 2])
        self._handle.flush()
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name: str):  # type: ignore[no-untyped-def]
        return getattr(self._handle, name)


def test_failing_write_leaves_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _prepare(tmp_path)
    real_fdopen = os.fdopen
    opened: list[_HalfWriter] = []

    def half_fdopen(*args, **kwargs):  # type: ignore[no-untyped-def]
        writer = _HalfWriter(real_fdopen(*args, **kwargs))
        opened.append(writer)
        return writer

    monkeypatch.setattr(os, "fdopen", half_fdopen)
    with pytest.raises(OSError, match="No space left"):
        save_level(load_level("trap_maze"), path)
    assert opened, "the test did not intercept the write"
    _assert_untouched(path)


def test_failing_replace_leaves_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _prepare(tmp_path)

    def broken_replace(src: object, dst: object) -> None:
        raise PermissionError(errno.EACCES, "nope")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(PermissionError):
        save_level(load_level("corridor"), path)
    _assert_untouched(path)


def test_save_keeps_the_permissions_of_an_existing_file(tmp_path: Path) -> None:
    path = _prepare(tmp_path)
    os.chmod(path, 0o644)
    save_level(load_level("corridor"), path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644


def test_save_new_file_gets_normal_permissions(tmp_path: Path) -> None:
    # A new level file should be readable like any file the user creates (umask applies),
    # not private 0600 like a temporary file.
    old_umask = os.umask(0o022)
    try:
        save_level(load_level("corridor"), tmp_path / "new.yaml")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(os.stat(tmp_path / "new.yaml").st_mode) == 0o644


# --------------------------------------------------------------------------- atomic folders


def _write(folder: Path, text: str) -> None:
    (folder / "a.txt").write_text(text)
    (folder / "b.txt").write_text(text * 2)


@pytest.mark.parametrize("exchange", [True, False])
def test_atomic_folder_replaces_the_whole_folder(tmp_path: Path, monkeypatch, exchange: bool) -> None:
    """With renameat2's exchange and with the two-rename fallback: old files out, new in."""
    import gridrl.levels.save as save

    if not exchange:
        monkeypatch.setattr(save, "_exchange", lambda a, b: False)
    out = tmp_path / "run"
    with atomic_folder(out, {"a.txt", "b.txt"}) as tmp:
        _write(tmp, "1")
    assert (out / "b.txt").read_text() == "11"
    with atomic_folder(out, {"a.txt", "b.txt"}) as tmp:
        (tmp / "a.txt").write_text("2")
    assert sorted(p.name for p in out.iterdir()) == ["a.txt"] and (out / "a.txt").read_text() == "2"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no temporary or old folder left


def test_atomic_folder_keeps_the_old_one_when_the_block_fails(tmp_path: Path) -> None:
    out = tmp_path / "run"
    with atomic_folder(out, {"a.txt", "b.txt"}) as tmp:
        _write(tmp, "1")
    with pytest.raises(RuntimeError), atomic_folder(out, {"a.txt", "b.txt"}) as tmp:
        (tmp / "a.txt").write_text("half")
        raise RuntimeError("disk full")
    assert (out / "a.txt").read_text() == "1" and (out / "b.txt").read_text() == "11"
    assert [p.name for p in tmp_path.iterdir()] == ["run"]


def test_atomic_folder_never_replaces_files_it_does_not_own(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "thesis.tex").write_text("years of work")
    with pytest.raises(ValueError, match=r"holds other files \(thesis.tex\)"):
        with atomic_folder(out, {"a.txt"}):
            pass
    assert (out / "thesis.tex").read_text() == "years of work"
