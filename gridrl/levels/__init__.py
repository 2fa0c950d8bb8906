"""Levels: the model, YAML loading with validation, saving, and the bundled levels.

>>> from gridrl.levels import load_level
>>> load_level("cliff_walking").shape
(4, 12)

The file format is the README's "Levels" section. A gridworld may also schedule changes to
its layout (Sutton & Barto's blocking and shortcut mazes, Examples 8.2 and 8.3)::

    changes:                 # optional, in increasing at_step
    - at_step: 1000          # after the env's 1000th step in all (across episodes)
      layout: |              # the whole layout from then on: same size, same legend,
        ........G            # still a start (and a goal, if the level had one)
        .########

Each change replaces the whole layout, so a reader sees the maze as it will be rather than a
list of cells to patch. The environments make the change (:class:`gridrl.envs.GridWorldEnv`
says how, and what happens to an agent whose cell became a wall); ``level.after_changes(k)``
is the level after its first k changes:

>>> load_level("blocking_maze").after_changes(1).layout[3]
'.########'
"""

from __future__ import annotations

import difflib
from pathlib import Path

from gridrl.data import bundled_dir
from gridrl.levels.grid import GridArrays, compile_grid, grid_warnings
from gridrl.levels.model import (
    ACTION_DELTAS,
    Action,
    BanditLevel,
    BernoulliArm,
    Budget,
    Change,
    Dynamics,
    GaussianArm,
    GridLevel,
    Level,
    LevelError,
    Nonstationary,
    Recommended,
    Testbed,
    TileKind,
    recommended_for,
)
from gridrl.levels.parse import parse_level, read_level_file
from gridrl.levels.save import atomic_folder, atomic_write_text, check_replaceable, level_to_yaml, save_level

#: The bundled levels: the repository's top-level ``levels/``, shipped inside the package.
BUNDLED_DIR = bundled_dir("levels")


def bundled_level_names() -> list[str]:
    """Names of the bundled levels (file names without ``.yaml``), sorted."""
    return sorted(p.stem for p in BUNDLED_DIR.glob("*.yaml"))


def level_path(level: str | Path) -> Path:
    """The file of a level given as a path or as a bundled level's name."""
    path = Path(level)
    if _is_file(path):
        return path
    bundled = BUNDLED_DIR / f"{level}.yaml"
    if isinstance(level, str) and "/" not in level and _is_file(bundled):
        return bundled
    names = bundled_level_names()
    close = difflib.get_close_matches(str(level), names, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise LevelError(
        f"no level '{level}': not a file, nor a bundled level.{hint} "
        f"Bundled levels: {', '.join(names)}."
    )


def _is_file(path: Path) -> bool:
    """``path.exists()``, but False for names the OS refuses (e.g. too long)."""
    try:
        return path.exists()
    except OSError:
        return False


def load_level(level: str | Path | Level) -> Level:
    """A level from a path, a bundled name, or an already loaded level."""
    if isinstance(level, (GridLevel, BanditLevel)):
        return level
    return read_level_file(level_path(level))


def level_warnings(level: Level) -> list[str]:
    """Warnings that do not stop a level loading (e.g. a goal no start can reach)."""
    return grid_warnings(level) if isinstance(level, GridLevel) else []


__all__ = [
    "ACTION_DELTAS", "Action", "BanditLevel", "BernoulliArm", "BUNDLED_DIR", "Budget", "Change", "Dynamics",
    "GaussianArm", "GridArrays", "GridLevel", "Level", "LevelError", "Nonstationary", "Recommended",
    "Testbed", "TileKind", "atomic_folder", "atomic_write_text", "bundled_level_names", "check_replaceable", "compile_grid", "level_path",
    "level_to_yaml", "level_warnings", "load_level", "parse_level", "read_level_file",
    "recommended_for", "save_level",
]  # fmt: skip
