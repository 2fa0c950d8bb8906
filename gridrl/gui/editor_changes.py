"""The level editor's logic for a gridworld's scheduled changes (the file format's
``changes:``), without pygame: the layouts a change makes, the cells it sets, painting one
layout, adding and deleting a change.

A change is stored as the whole layout from its step on (the file format's ``layout:``), but
the editor treats it as what a designer means by it: the cells it sets, those that differ
from the layout before it. An edit of one layout keeps every later change's set, so a wall
painted at the start stays after a change that does not touch its cell.
"""

from __future__ import annotations

from dataclasses import replace

from gridrl.gui.editor_model import paint, parse_number
from gridrl.levels import GridLevel, LevelError
from gridrl.levels.model import Change
from gridrl.levels.parse import MAX_BUDGET

#: The largest step a change may be at (the parser's limit on ``at_step``).
MAX_CHANGE_STEP = MAX_BUDGET


def layouts(level: GridLevel) -> list[tuple[str, ...]]:
    """Layout 0 (the start) and layout k after each change k."""
    return [level.layout] + [change.layout for change in level.changes]


Cells = dict[tuple[int, int], str]


def _diff(before: tuple[str, ...], after: tuple[str, ...]) -> Cells:
    return {(r, c): y for r, (a, b) in enumerate(zip(before, after)) for c, (x, y) in enumerate(zip(a, b)) if x != y}


def changed_cells(level: GridLevel, k: int) -> list[tuple[int, int]]:
    """The (row, col) cells change ``k`` (1-based) sets: those that differ from layout k - 1."""
    shown = layouts(level)
    return list(_diff(shown[k - 1], shown[k]))


def _schedule(level: GridLevel) -> list[tuple[int, Cells]]:
    """Each change as (its step, the cells it sets)."""
    shown = layouts(level)
    return [(change.at_step, _diff(shown[k - 1], shown[k])) for k, change in enumerate(level.changes, start=1)]


def _built(level: GridLevel, start: tuple[str, ...], schedule: list[tuple[int, Cells]]) -> GridLevel:
    """``level`` starting from layout ``start``, each change of ``schedule`` setting its cells
    on the layout before it."""
    layout, changes = start, []
    for step, cells in schedule:
        lines = [list(line) for line in layout]
        for (r, c), char in cells.items():
            lines[r][c] = char
        layout = tuple("".join(line) for line in lines)
        changes.append(Change(step, layout))
    return replace(level, layout=start, changes=tuple(changes))


def paint_layout(level: GridLevel, k: int, cells: list[tuple[int, int]] | tuple[int, int], char: str) -> GridLevel:
    """:func:`paint` on layout ``k`` (0: the start, else after change k): on a change's layout,
    the cells that now differ from the layout before it are its set; every later change keeps
    the cells it sets."""
    if not 0 <= k <= len(level.changes):
        raise LevelError(f"the level has {len(level.changes)} scheduled changes, not {k}")
    shown = layouts(level)
    painted = paint(level.after_changes(k), cells, char).layout
    if painted == shown[k]:
        return level
    schedule = _schedule(level)
    if k == 0:
        return _built(level, painted, schedule)
    schedule[k - 1] = (schedule[k - 1][0], _diff(shown[k - 1], painted))
    return _built(level, level.layout, schedule)


def parse_change_step(text: str, level: GridLevel) -> int:
    """The step typed for a new change: a whole number from 1 to :data:`MAX_CHANGE_STEP` that
    no change of ``level`` has yet; else a LevelError that says so."""
    step = int(parse_number(text, "a change's step", 1, MAX_CHANGE_STEP, whole=True))
    if any(change.at_step == step for change in level.changes):
        raise LevelError(f"there is already a change at step {step:,}; type another step")
    return step


def add_change(level: GridLevel, at_step: int) -> GridLevel:
    """A new change at ``at_step``, in its place among the others (the list stays in increasing
    order of step); it sets no cell yet, so the layouts stay as they were."""
    step = parse_change_step(str(at_step), level)
    schedule = sorted(_schedule(level) + [(step, {})], key=lambda item: item[0])
    return _built(level, level.layout, schedule)


def remove_change(level: GridLevel, k: int) -> GridLevel:
    """The level without change ``k`` (1-based); the later changes keep the cells they set."""
    if not 1 <= k <= len(level.changes):
        raise LevelError(f"the level has {len(level.changes)} scheduled changes, not change {k}")
    schedule = _schedule(level)
    del schedule[k - 1]
    return _built(level, level.layout, schedule)


def change_index(level: GridLevel, at_step: int) -> int:
    """The 1-based number of the change at ``at_step``."""
    return next(k for k, change in enumerate(level.changes, start=1) if change.at_step == at_step)
