"""The trail: the cells an agent walked in its current episode, as the board draws them.

:class:`Trail` is the one follower of the agent that the env's frames, the app, the notebook
animation and ``gridrl render`` share. It imports levels and numpy only (no pygame), so the
env can use it in its pixel render modes without pulling in more than those need.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from gridrl.levels import ACTION_DELTAS, GridLevel, compile_grid

#: States of the trail kept and drawn at most (older ones have faded out anyway).
TRAIL_LENGTH = 80


class Trail:
    """The cells the agent walked in the current episode of a gridworld level, oldest first
    (at most ``length``), and the cell it is on.

    The board draws a line between consecutive cells, so only a step the agent surely walked
    joins the trail: one of the four moves (blown on by the wind) lands on the new cell, and no
    teleport or exit from the old cell could reach it. Any other step (a teleport such as
    Cliff Walking's fall back to the start, an exit such as A -> A') is a jump: the trail
    restarts at the new cell, instead of a line across the board that no agent moved along.
    A step that could be either (a slip onto a cell a teleport also reaches) restarts it too.

    :meth:`start` begins an episode, :meth:`step` follows one step (after a ``done`` step the
    next one begins a new episode), :meth:`follow` does either from an agent's Event.
    """

    def __init__(self, level: GridLevel, length: int = TRAIL_LENGTH) -> None:
        self._cells: deque[int] = deque(maxlen=length)
        self._over = True  # the next step starts a new episode
        self._steps = 0
        self.set_level(level)

    def set_level(self, level: GridLevel) -> None:
        """Follow a live edit of the level: the trail restarts where the agent is (the cells
        behind it may have changed), the episode goes on."""
        self.level = level
        self._grid = compile_grid(level)
        self._walkable: dict[int, frozenset[int]] = {}  # s -> the cells only a walk from s reaches
        if self._cells:
            agent = self._cells[-1]
            self._cells.clear()
            self._cells.append(agent)

    @property
    def cells(self) -> list[int]:
        """The trail, oldest cell first; empty when no agent is shown."""
        return list(self._cells)

    @property
    def agent(self) -> int | None:
        """The agent's cell (the trail's last), or None."""
        return self._cells[-1] if self._cells else None

    @property
    def steps(self) -> int:
        """Steps taken in the current episode (jumps included, however long the trail)."""
        return self._steps

    def clear(self) -> None:
        """No trail and no agent (e.g. after a unit that was not a single step)."""
        self._cells.clear()
        self._over, self._steps = True, 0

    def start(self, s: int) -> None:
        """A new episode at cell ``s``."""
        self._cells.clear()
        self._cells.append(int(s))
        self._over, self._steps = False, 0

    def step(self, s: int, s_next: int, done: bool = False) -> None:
        """The agent went from ``s`` to ``s_next``: extend the trail if it walked there, else
        restart it at ``s_next``. After ``done`` the next step starts a new episode."""
        s, s_next = int(s), int(s_next)
        if self._over or not self._cells:
            self.start(s)
        if self._cells[-1] != s or not self.walked(s, s_next):
            self._cells.clear()
        self._cells.append(s_next)
        self._steps += 1
        self._over = bool(done)

    def follow(self, event: Any) -> None:
        """Follow an agent's Event (``unit``, ``state``, ``next_state``, ``done``): a single step
        is a :meth:`step`; anything else (a whole episode, a sweep) clears the trail."""
        if event.unit == "episode" or event.state is None or event.next_state is None:
            self.clear()
        else:
            self.step(event.state, event.next_state, event.done)

    def walked(self, s: int, s_next: int) -> bool:
        """Whether the agent surely walked from ``s`` to ``s_next``: a move (with its wind) lands
        there and no teleport or exit from ``s`` could."""
        found = self._walkable.get(s)
        if found is None:
            grid = self._grid
            if grid.exit[s] >= 0:
                found = frozenset()
            else:
                n = len(ACTION_DELTAS)
                landed = grid.move(np.full(n, s), np.arange(n))[0]
                portals = grid.teleport[landed]
                walks = set(landed[portals < 0].tolist())
                for i in set(portals[portals >= 0].tolist()):
                    walks.difference_update(grid.targets[i].tolist())
                found = frozenset(walks)
            self._walkable[s] = found
        return s_next in found
