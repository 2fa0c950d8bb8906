"""Write levels as readable YAML, atomically, in the format :mod:`gridrl.levels.parse` reads.

The output is meant for people: the layout as a block of text, one legend entry per line,
only the dynamics that differ from the defaults.
"""

from __future__ import annotations

import os
import tempfile
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


def _file_mode(path: Path) -> int:
    """The permission bits of ``path`` if it exists, else those a new file gets (0666 - umask)."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def save_level(level: Level, path: str | Path) -> None:
    """Save ``level`` to ``path`` as YAML, atomically."""
    atomic_write_text(path, level_to_yaml(level))
