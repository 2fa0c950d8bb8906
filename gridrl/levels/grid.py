"""A gridworld level as numpy arrays, and the one movement rule every part of gridrl uses.

Cells are numbered ``s = row * cols + col`` (rows from the top). The rule for one action:

1. The move (intended direction, or a perpendicular one when the level slips) goes one cell;
   a wall or the border blocks it and the agent stays (a *bump*).
2. The wind of the cell the agent acted from then pushes it ``(d_row, d_col)`` one cell at a
   time, rows first, stopping at the first wall or border.
3. The cell it ends on is *entered* (if it differs from where it acted from): its reward is
   collected; a teleport tile sends it on to its target at once (collecting nothing more);
   a terminal tile (entered or teleported onto) ends the episode.
4. From a cell with ``exit_to`` every action instead gives ``exit_reward`` and lands on the
   target (Sutton & Barto Example 3.5's A and B); neither slip nor wind applies.
5. A tile's ``reward_std`` (``exit_reward_std``) adds Gaussian noise of that standard deviation
   to the reward of step 3 (step 4) when the environment pays it; the means are as above.

A target names one cell, or a start tile meaning "a uniformly random start cell".
:mod:`gridrl.envs.model` turns this rule into the exact model ``P[s, a, s']``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gridrl.levels.model import ACTION_DELTAS, GridLevel

DELTAS = np.array(ACTION_DELTAS, dtype=np.int64)


@dataclass(frozen=True, eq=False)
class GridArrays:
    """Per-cell properties of a level, each an array over the ``rows * cols`` cells."""

    rows: int
    cols: int
    chars: np.ndarray  # (S,) layout character of each cell
    wall: np.ndarray  # (S,) bool
    start: np.ndarray  # (S,) bool
    terminal: np.ndarray  # (S,) bool
    reward: np.ndarray  # (S,) float, reward for entering the cell
    wind: np.ndarray  # (S, 2) int, push after acting from the cell
    teleport: np.ndarray  # (S,) int, index into ``targets`` or -1
    exit: np.ndarray  # (S,) int, index into ``targets`` or -1
    exit_reward: np.ndarray  # (S,) float
    targets: tuple[np.ndarray, ...]  # cells each target lands on, uniformly
    reward_std: np.ndarray  # (S,) float, std of the noise on the reward for entering the cell
    exit_reward_std: np.ndarray  # (S,) float, std of the noise on exit_reward

    @property
    def n_cells(self) -> int:
        return self.rows * self.cols

    @property
    def start_cells(self) -> np.ndarray:
        return np.flatnonzero(self.start)

    def move(self, cells: np.ndarray, directions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Steps 1-2 of the rule for arrays of cells and directions: ``(cells_after, bumped)``."""
        cells, directions = np.broadcast_arrays(
            np.asarray(cells, dtype=np.int64), np.asarray(directions, dtype=np.int64)
        )
        delta = DELTAS[directions]
        row, col = np.divmod(cells, self.cols)
        row, col, bumped = self._step(row, col, delta[..., 0], delta[..., 1])
        wind = self.wind[cells]
        row, col = self._push(row, col, wind[..., 0], axis=0)
        row, col = self._push(row, col, wind[..., 1], axis=1)
        return row * self.cols + col, bumped

    def _step(
        self, row: np.ndarray, col: np.ndarray, d_row: np.ndarray, d_col: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """One unit step where possible; returns the new position and where it was blocked."""
        new_row, new_col = row + d_row, col + d_col
        inside = (new_row >= 0) & (new_row < self.rows) & (new_col >= 0) & (new_col < self.cols)
        target = np.where(inside, new_row * self.cols + new_col, 0)
        blocked = ~inside | self.wall[target]
        return np.where(blocked, row, new_row), np.where(blocked, col, new_col), blocked

    def _push(
        self, row: np.ndarray, col: np.ndarray, amount: np.ndarray, axis: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """Wind along one axis, a cell at a time, stopping for good at the first obstacle."""
        remaining = np.abs(amount)
        unit = np.sign(amount)
        zero = np.zeros_like(unit)
        for _ in range(int(remaining.max(initial=0))):
            active = remaining > 0
            d_row, d_col = (unit, zero) if axis == 0 else (zero, unit)
            new_row, new_col, blocked = self._step(row, col, d_row * active, d_col * active)
            row, col = new_row, new_col
            remaining = np.where(blocked, 0, remaining - 1)
        return row, col

    def successors(self, cells: np.ndarray) -> np.ndarray:
        """Every cell reachable in one action from ``cells`` (any direction, slip or not)."""
        cells = np.asarray(cells, dtype=np.int64)
        active = cells[~self.terminal[cells]]
        exits = active[self.exit[active] >= 0]
        moving = active[self.exit[active] < 0]
        landed, _ = self.move(np.repeat(moving, 4), np.tile(np.arange(4), len(moving)))
        parts = [landed[self.teleport[landed] < 0]]
        for index in np.unique(np.concatenate([self.teleport[landed], self.exit[exits]])):
            if index >= 0:
                parts.append(self.targets[index])
        return np.unique(np.concatenate(parts))

    def reachable(self) -> np.ndarray:
        """Boolean mask of the cells some start can reach (breadth-first over ``successors``)."""
        seen = self.start.copy()
        frontier = self.start_cells
        while frontier.size:
            nxt = self.successors(frontier)
            frontier = nxt[~seen[nxt]]
            seen[frontier] = True
        return seen


def compile_grid(level: GridLevel) -> GridArrays:
    """The per-cell arrays of a (validated) level."""
    rows, cols = level.shape
    chars = np.array(level.layout, dtype=f"<U{cols}").view("<U1").reshape(-1)
    n = rows * cols
    wall, start, terminal = (np.zeros(n, dtype=bool) for _ in range(3))
    reward, exit_reward, reward_std, exit_reward_std = (np.zeros(n) for _ in range(4))
    wind = np.zeros((n, 2), dtype=np.int64)
    teleport, exit_ = np.full(n, -1), np.full(n, -1)
    target_index: dict[str, int] = {}
    targets: list[np.ndarray] = []

    def target(char: str) -> int:
        if char not in target_index:
            target_index[char] = len(targets)
            targets.append(np.flatnonzero(chars == char))
        return target_index[char]

    for char in np.unique(chars):
        mask = chars == char
        kind = level.tile(str(char))
        wall[mask], start[mask], terminal[mask] = kind.wall, kind.start, kind.terminal
        reward[mask], exit_reward[mask] = kind.reward, kind.exit_reward
        reward_std[mask], exit_reward_std[mask] = kind.reward_std, kind.exit_reward_std
        wind[mask] = kind.wind
        if kind.teleport is not None:
            teleport[mask] = target(kind.teleport)
        if kind.exit_to is not None:
            exit_[mask] = target(kind.exit_to)
    # A start tile as target means "a random start cell": all start cells, whatever their char.
    for char, index in target_index.items():
        if level.tile(char).start:
            targets[index] = np.flatnonzero(start)
    return GridArrays(
        rows, cols, chars, wall, start, terminal, reward, wind, teleport, exit_,
        exit_reward, tuple(targets), reward_std, exit_reward_std,
    )  # fmt: skip


def goal_cells(arrays: GridArrays) -> np.ndarray:
    """Cells that count as goals for the reachability warning: 'G', or terminal with reward > 0."""
    return np.flatnonzero((arrays.chars == "G") | (arrays.terminal & (arrays.reward > 0)))


def grid_warnings(level: GridLevel) -> list[str]:
    """Problems that do not stop a level from loading, e.g. a goal no start can reach; those
    of a scheduled change's layout name the change."""
    found = _layout_warnings(level)
    for k, change in enumerate(level.changes, start=1):
        found += [f"after change {k} (step {change.at_step:,}): {warning}"
                  for warning in _layout_warnings(level.after_changes(k))]  # fmt: skip
    return found


def _layout_warnings(level: GridLevel) -> list[str]:
    arrays = compile_grid(level)
    goals = goal_cells(arrays)
    if goals.size == 0:
        return []
    unreachable = goals[~arrays.reachable()[goals]]
    if unreachable.size == 0:
        return []
    where = ", ".join(f"row {s // arrays.cols + 1} col {s % arrays.cols + 1}" for s in unreachable[:5])
    more = f" and {unreachable.size - 5} more" if unreachable.size > 5 else ""
    if unreachable.size == goals.size:
        return [f"no goal can be reached from any start ({where}{more}); walls or hazards block every path"]
    return [f"goal cell(s) at {where}{more} cannot be reached from any start"]
