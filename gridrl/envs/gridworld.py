"""``GridWorldEnv``: a gymnasium environment for any gridworld level."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gymnasium as gym
from gymnasium import spaces

from gridrl.envs.model import N_ACTIONS, TabularModel
from gridrl.envs.observation import ObservationEncoder, ObsMode
from gridrl.levels import GridLevel, load_level


class GridWorldEnv(gym.Env):
    """A gridworld level as a gymnasium environment.

    ## Description
    The agent walks a grid of tiles loaded from a level (a bundled name, a YAML path or a
    :class:`GridLevel`). Walls block, some tiles pay rewards, end the episode, teleport, or
    blow the agent with wind, and the ice may slip; the rules are in
    :mod:`gridrl.levels.grid`. Transitions are sampled from the level's exact
    :class:`TabularModel`, the same model dynamic programming solves.

    ## Action Space
    ``Discrete(4)``: 0 = up, 1 = right, 2 = down, 3 = left.

    ## Observation Space
    ``obs="index"`` (default): ``Discrete(rows * cols)``, the cell ``row * cols + col``.
    ``obs="onehot"``: ``Box(0, 1, (rows * cols,))``. ``obs="coords"``: ``Box(0, 1, (2,))``,
    row and column scaled to [0, 1].

    ## Starting State
    A uniformly random start cell; ``reset(options={"state": s})`` starts at cell ``s``
    (an index or a ``(row, col)`` pair) instead.

    ## Rewards
    ``step_reward`` every action, plus the reward of the cell entered, plus ``bump_reward``
    when a wall or the border blocks the move; exits pay exactly their ``exit_reward``.

    ## Episode End
    ``terminated`` on entering a terminal tile. ``truncated`` after the level's
    ``max_steps`` (a time limit, not a terminal state: bootstrap from it). The env truncates
    by itself, so it needs no ``TimeLimit`` wrapper.

    ## Arguments
    ``level`` (default ``"corridor"``), ``obs`` (above), ``render_mode`` (``"ansi"`` or None).
    """

    metadata = {"render_modes": ["ansi"], "render_fps": 4}

    def __init__(
        self,
        level: str | Path | GridLevel = "corridor",
        obs: ObsMode = "index",
        render_mode: str | None = None,
    ) -> None:
        loaded = load_level(level)
        if not isinstance(loaded, GridLevel):
            raise ValueError(f"GridWorldEnv needs a gridworld level; '{loaded.name}' is a bandit")
        if render_mode is not None and render_mode not in self.metadata["render_modes"]:
            raise ValueError(f"render_mode must be 'ansi' or None, got {render_mode!r}")
        self.level = loaded
        self.model = TabularModel.from_level(loaded)
        self.encoder = ObservationEncoder(obs, *self.model.shape)
        self._index_obs = obs == "index"
        self.observation_space = self.encoder.space
        self.action_space = spaces.Discrete(N_ACTIONS)
        self.render_mode = render_mode
        self.max_steps = loaded.max_steps
        self._starts = self.model.grid.start_cells
        self._cum = self.model.cumulative()
        self._table: dict[int, tuple[tuple[float, int, float, bool], ...]] = {}
        self.s: int | None = None
        self.t = 0

    def _outcomes(self, s: int, a: int) -> tuple[tuple[float, int, float, bool], ...]:
        """(cumulative prob, s', r, terminated) of each possible outcome, cached as plain Python
        values: a step is then a dict lookup and, at most, one random number."""
        key = s * N_ACTIONS + a
        found = self._table.get(key)
        if found is None:
            m = self.model
            keep = m.prob[s, a] > 0
            found = tuple(
                zip(
                    self._cum[s, a][keep].tolist(),
                    m.next_state[s, a][keep].tolist(),
                    m.reward[s, a][keep].tolist(),
                    m.terminal[m.next_state[s, a][keep]].tolist(),
                )
            )
            self._table[key] = found
        return found

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Any, dict[str, Any]]:
        super().reset(seed=seed)
        start = (options or {}).get("state")
        if start is None:
            n = len(self._starts)
            self.s = int(self._starts[self.np_random.integers(n)]) if n > 1 else int(self._starts[0])
        else:
            self.s = self._check_start(start)
        self.t = 0
        return self.encoder.one(self.s), {"prob": 1.0}

    def _check_start(self, start: int | tuple[int, int]) -> int:
        rows, cols = self.model.shape
        if isinstance(start, (tuple, list)):
            row, col = (int(v) for v in start)
            if not (0 <= row < rows and 0 <= col < cols):
                raise ValueError(f"start cell {start} is outside the {rows} x {cols} grid")
            s = row * cols + col
        else:
            s = int(start)
            if not 0 <= s < rows * cols:
                raise ValueError(f"start state {start} is outside the {rows} x {cols} grid")
        if self.model.wall[s] or self.model.terminal[s]:
            raise ValueError(f"start state {start} is a wall or terminal cell")
        return s

    def step(self, action: int) -> tuple[Any, float, bool, bool, dict[str, Any]]:
        if self.s is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        a = int(action)
        outcomes = self._table.get(self.s * N_ACTIONS + a) or self._outcomes(self.s, a)
        if len(outcomes) == 1:
            chosen, p = outcomes[0], 1.0
        else:
            # Inverse CDF over this (s, a)'s outcomes; the last one absorbs rounding.
            u = self.np_random.random()
            previous = 0.0
            for chosen in outcomes:
                if u < chosen[0]:
                    break
                previous = chosen[0]
            p = chosen[0] - previous
        _, s_next, r, terminated = chosen
        self.s = s_next
        self.t += 1
        truncated = self.t >= self.max_steps and not terminated
        obs = s_next if self._index_obs else self.encoder.one(s_next)
        return obs, r, terminated, truncated, {"prob": p}

    def render(self) -> str | None:
        """The board as text, the agent as '@' (``render_mode="ansi"``)."""
        if self.render_mode != "ansi":
            return None
        cells = list(self.model.grid.chars)
        if self.s is not None:
            cells[self.s] = "@"
        cols = self.model.shape[1]
        return "\n".join("".join(cells[i : i + cols]) for i in range(0, len(cells), cols)) + "\n"
