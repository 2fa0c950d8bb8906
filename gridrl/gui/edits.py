"""Live edits of a gridworld level: toggle a wall, change a cell's reward.

Each edit returns a new :class:`GridLevel` (levels are frozen dataclasses) and validates it
the same way a file is validated: written as YAML and parsed back, so an edit that would
make the level invalid (no start left, a teleport target walled over) raises a
:class:`LevelError` with the parser's message and the current level stays as it is.
"""

from __future__ import annotations

import string
from dataclasses import replace

from gridrl.levels import GridLevel, LevelError, TileKind, level_to_yaml, parse_level
from gridrl.levels.model import BUILTIN_TILES, FLOOR

#: Characters a new legend entry may use, in order of preference.
SPARE_CHARS = string.ascii_lowercase + string.digits + "abcdefghijklmnopqrstuvwxyz".upper()


def _cell(level: GridLevel, s: int) -> tuple[int, int, str]:
    rows, cols = level.shape
    if not 0 <= s < rows * cols:
        raise LevelError(f"cell {s} is outside the {rows} x {cols} grid")
    row, col = divmod(int(s), cols)
    return row, col, level.layout[row][col]


def _used_chars(level: GridLevel) -> set[str]:
    return set("".join(level.layout)) | {k.char for k in level.legend} | set(BUILTIN_TILES)


def _spare_char(level: GridLevel) -> str:
    used = _used_chars(level)
    for char in SPARE_CHARS:
        if char not in used:
            return char
    raise LevelError("no unused character left for a new tile kind")


def _same_kind(a: TileKind, b: TileKind) -> bool:
    return replace(a, char="") == replace(b, char="")


def _char_for(level: GridLevel, kind: TileKind) -> tuple[str, tuple[TileKind, ...]]:
    """A layout character meaning ``kind``: an existing one if some tile already means it
    (built-in or legend), else a spare character with a new legend entry."""
    chars = set("".join(level.layout)) | {k.char for k in level.legend} | set(BUILTIN_TILES)
    for char in sorted(chars):
        try:
            existing = level.tile(char)
        except KeyError:
            continue
        if _same_kind(existing, kind):
            return char, level.legend
    char = _spare_char(level)
    return char, level.legend + (replace(kind, char=char),)


def _targets(level: GridLevel) -> set[str]:
    """Characters some tile names as a teleport or exit target."""
    kinds = [level.tile(c) for c in set("".join(level.layout))] + list(level.legend)
    return {t for k in kinds for t in (k.teleport, k.exit_to) if t is not None}


def _with_cell(level: GridLevel, row: int, col: int, char: str, legend: tuple[TileKind, ...]) -> GridLevel:
    layout = list(level.layout)
    line = layout[row]
    layout[row] = line[:col] + char + line[col + 1 :]
    return validated(replace(level, layout=tuple(layout), legend=legend))


def validated(level: GridLevel) -> GridLevel:
    """``level`` if it is valid (checked by the file parser), else the parser's LevelError."""
    parsed = parse_level(level_to_yaml(level), source="edited level")
    if not isinstance(parsed, GridLevel):  # pragma: no cover - kind never changes
        raise LevelError("an edit must keep a gridworld a gridworld")
    return parsed


def is_wall(level: GridLevel, s: int) -> bool:
    row, col, char = _cell(level, s)
    return level.tile(char).wall


def toggle_wall(level: GridLevel, s: int) -> GridLevel:
    """A wall at cell ``s`` becomes floor; anything else becomes a wall."""
    row, col, char = _cell(level, s)
    if level.tile(char).wall:
        new_char, legend = _char_for(level, FLOOR)
    else:
        if char in _targets(level) and len(level.cells_of(char)) == 1:
            raise LevelError(
                f"cell row {row + 1} col {col + 1} ('{char}') is a teleport or exit target; "
                "walling it would leave the teleport nowhere to go"
            )
        new_char, legend = _char_for(level, TileKind("#", wall=True))
    return _with_cell(level, row, col, new_char, legend)


def cell_reward(level: GridLevel, s: int) -> float:
    """The reward for entering cell ``s`` (on top of the level's step reward)."""
    row, col, char = _cell(level, s)
    return float(level.tile(char).reward)


def set_reward(level: GridLevel, s: int, reward: float) -> GridLevel:
    """The level with entering cell ``s`` paying ``reward`` (plus the step reward).

    If the cell's character marks only this cell, its legend entry changes; otherwise the
    cell gets a character of its own (an existing tile kind with that reward, or a spare
    character with a new legend entry), so the other cells keep their reward.
    """
    row, col, char = _cell(level, s)
    kind = level.tile(char)
    if kind.wall:
        raise LevelError("a wall cannot be entered, so it has no reward; remove the wall first (W)")
    reward = float(reward)
    if kind.reward == reward:
        return level
    new_kind = replace(kind, reward=reward)
    if len(level.cells_of(char)) == 1:
        legend = tuple(k for k in level.legend if k.char != char) + (new_kind,)
        if _same_kind(new_kind, BUILTIN_TILES.get(char, TileKind(char))) and char in BUILTIN_TILES:
            legend = tuple(k for k in level.legend if k.char != char)
        return validated(replace(level, legend=legend))
    if char in _targets(level):
        raise LevelError(
            f"'{char}' cells are a teleport or exit target; give them a reward in the level file"
        )
    new_char, legend = _char_for(level, new_kind)
    return _with_cell(level, row, col, new_char, legend)
