"""Write levels as readable YAML, atomically, in the format :mod:`gridrl.levels.parse` reads.

The output is meant for people: the layout as a block of text, one legend entry per line,
only the dynamics that differ from the defaults.
"""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import Any

import yaml

from gridrl.levels.model import BanditLevel, Dynamics, GridLevel, Level, Recommended, base_tile


class _Block(str):
    """A string written as a literal block (``|``)."""


class _Flow(dict):
    """A mapping written on one line (``{a: 1, b: 2}``)."""


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(
    _Block, lambda d, s: d.represent_scalar("tag:yaml.org,2002:str", str(s), style="|")
)
_Dumper.add_representer(
    _Flow, lambda d, m: d.represent_mapping("tag:yaml.org,2002:map", m, flow_style=True)
)
_Dumper.add_representer(
    tuple, lambda d, t: d.represent_sequence("tag:yaml.org,2002:seq", t, flow_style=True)
)


def _tidy(value: Any) -> Any:
    """Whole floats as ints (``-1`` rather than ``-1.0``): easier to read, loads back equal."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _text_block(text: str) -> str:
    return _Block(text + "\n") if "\n" in text else text


def level_document(level: Level) -> dict[str, Any]:
    """The YAML document of ``level`` as plain data, keys in the documented order."""
    doc: dict[str, Any] = {"kind": level.kind, "name": level.name}
    if level.description:
        doc["description"] = _text_block(level.description)
    if isinstance(level, GridLevel):
        doc["layout"] = _Block("\n".join(level.layout) + "\n")
        if level.legend:
            doc["legend"] = {
                kind.char: _Flow({k: _tidy(v) for k, v in kind.differences(base_tile(kind.char)).items()})
                for kind in level.legend
            }
        dynamics = {
            k: _tidy(v) for k, v in asdict(level.dynamics).items() if v != getattr(Dynamics(), k)
        }
        if dynamics:
            doc["dynamics"] = dynamics
        if level.changes:
            doc["changes"] = [
                {"at_step": change.at_step, "layout": _Block("\n".join(change.layout) + "\n")}
                for change in level.changes
            ]
    else:
        assert isinstance(level, BanditLevel)
        if level.testbed is not None:
            doc["testbed"] = _Flow({k: _tidy(v) for k, v in asdict(level.testbed).items()})
        else:
            doc["arms"] = [_arm_entry(arm) for arm in level.arms]
        doc["steps"] = level.steps
        if level.nonstationary is not None:
            doc["nonstationary"] = _Flow({"walk_std": _tidy(level.nonstationary.walk_std)})
    if level.recommended:
        doc["recommended"] = {r.agent: _recommended_entry(r) for r in level.recommended}
    return doc


def _recommended_entry(recommended: Recommended) -> dict[str, _Flow]:
    entry = {}
    if recommended.hyperparameters:
        entry["hyperparameters"] = _Flow(recommended.hyperparameters)
    if recommended.budget is not None:
        entry["budget"] = _Flow({f"{recommended.budget.unit}s": recommended.budget.count})
    return entry


def _arm_entry(arm: Any) -> _Flow:
    entry = {"name": arm.name, "distribution": arm.distribution}
    entry.update((k, _tidy(v)) for k, v in asdict(arm).items() if k not in entry)
    return _Flow(entry)


def level_to_yaml(level: Level) -> str:
    """The level as YAML text that :func:`gridrl.levels.parse.parse_level` reads back equal."""
    return yaml.dump(
        level_document(level), Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100
    )


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a crash at any moment leaves the old file intact.

    The text goes to a temporary file in the same folder, is flushed to disk, and only then
    renamed over ``path`` (``os.replace`` is atomic on POSIX and Windows).
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp makes the file private (0600); give it the mode the file had, or would get.
        os.chmod(tmp, _file_mode(path))
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_replaceable(path: str | Path, owned: Collection[str]) -> None:
    """Refuse (ValueError) a ``path`` that :func:`atomic_folder` must not replace: a file, or
    a folder holding anything but the names in ``owned`` (the user's files would go with it)."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise ValueError(f"{path} is a file; give a folder (new, empty, or one written before)")
    if path.is_dir():
        others = sorted(p.name for p in path.iterdir() if p.name not in owned)
        if others:
            shown = ", ".join(others[:3]) + (f" and {len(others) - 3} more" if len(others) > 3 else "")
            raise ValueError(f"{path} holds other files ({shown}); give a new or empty folder, "
                             "or one written before, so nothing of yours is replaced")  # fmt: skip


@contextmanager
def atomic_folder(path: str | Path, owned: Collection[str]) -> Iterator[Path]:
    """A new folder that replaces ``path`` whole when the block ends without an error.

    The block writes into a hidden temporary folder beside ``path``; at the end its files
    are flushed to disk and it takes ``path``'s place in one step (Linux: ``renameat2`` with
    ``RENAME_EXCHANGE`` swaps the two folders atomically; where that is missing, two renames
    with a moment in between where ``path`` is absent). So a crash or a kill at any moment
    leaves the old folder complete or the new one complete, and of two writers at once one
    wins whole. ``path`` may hold only names in ``owned`` (see :func:`check_replaceable`).
    """
    path = Path(path)
    check_replaceable(path, owned)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        yield tmp
        for child in tmp.iterdir():
            with open(child, "rb") as handle:
                os.fsync(handle.fileno())
        check_replaceable(path, owned)
        if not _rename_new(tmp, path) and not _exchange(tmp, path):
            old = path.with_name(f"{tmp.name}.old")
            os.replace(path, old)
            os.replace(tmp, path)
            tmp = old
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _rename_new(src: Path, dst: Path) -> bool:
    """Rename ``src`` to ``dst`` when ``dst`` is absent or an empty folder; False when it
    holds files (POSIX rename never replaces a non-empty folder)."""
    try:
        os.rename(src, dst)
    except OSError as err:
        if err.errno in (errno.ENOTEMPTY, errno.EEXIST):
            return False
        raise
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    rename = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if rename is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    if rename(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


def _file_mode(path: Path) -> int:
    """The permission bits of ``path`` if it exists, else those a new file gets (0666 - umask)."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        return 0o666 & ~_umask()


def save_level(level: Level, path: str | Path) -> None:
    """Save ``level`` to ``path`` as YAML, atomically."""
    atomic_write_text(path, level_to_yaml(level))
