"""``GridWorldEnv``: a gymnasium environment for any gridworld level."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from gridrl.envs.model import N_ACTIONS, ChangeSchedule, TabularModel
from gridrl.envs.observation import ObservationEncoder, ObsMode
from gridrl.levels import Action, GridLevel, load_level

if TYPE_CHECKING:
    from gridrl.render.frames import Screen
    from gridrl.render.trail import Trail

#: The render modes of GridWorldEnv and BanditEnv.
RENDER_MODES = ("ansi", "human", "rgb_array")


def check_render_mode(render_mode: str | None) -> str | None:
    """``render_mode`` if it is one of :data:`RENDER_MODES` or None; else a ValueError."""
    if render_mode is not None and render_mode not in RENDER_MODES:
        allowed = ", ".join(repr(m) for m in RENDER_MODES)
        raise ValueError(f"render_mode must be one of {allowed} or None, got {render_mode!r}")
    return render_mode


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
    when a wall or the border blocks the move; exits pay their ``exit_reward``. A tile with
    ``reward_std`` (``exit_reward_std``) adds Gaussian noise of that standard deviation to
    what entering it (exiting it) pays, drawn from ``np_random``: the same seed gives the same
    rewards. ``model.R`` holds the expected rewards.

    ## Episode End
    ``terminated`` on entering a terminal tile. ``truncated`` after the level's
    ``max_steps`` (a time limit, not a terminal state: bootstrap from it). The env truncates
    by itself, so it needs no ``TimeLimit`` wrapper.

    ## Scheduled Changes
    A level's ``changes`` replace its layout once the env has taken ``at_step`` steps in all,
    counted since it was made, across episodes and resets (:class:`ChangeSchedule`). The
    step that reaches ``at_step`` is still played on the old layout; its info has
    ``level_changed: True``, and from then on ``model`` is the new layout's (and ``render``
    draws it). The agent stays on its cell, unless that cell became a wall or a
    terminal cell: then the step is ``truncated`` (the world, not the agent, ended the
    episode: no reward is paid for it), and the next ``reset`` starts on a start cell.

    ## Rendering
    ``render_mode="ansi"``: the layout as text, the agent as ``@``. ``"rgb_array"``: the app's
    board (:mod:`gridrl.render.frames`) as an ``(H, W, 3)`` uint8 frame, with the agent, the
    trail of its latest moves (a teleport or exit starts the trail anew) and a caption (step,
    reward, return). ``"human"``: that frame in a pygame window, redrawn by every ``reset`` and
    ``step`` and kept in view at least 1/``metadata["render_fps"]`` s; ``close()`` closes it.
    :meth:`get_keys_to_action` maps arrow keys and WASD for ``gymnasium.utils.play.play``.

    ## Arguments
    ``level`` (default ``"corridor"``), ``obs`` (above), ``render_mode`` (above, or None).
    """

    metadata = {"render_modes": list(RENDER_MODES), "render_fps": 8}

    def __init__(
        self,
        level: str | Path | GridLevel = "corridor",
        obs: ObsMode = "index",
        render_mode: str | None = None,
    ) -> None:
        loaded = load_level(level)
        if not isinstance(loaded, GridLevel):
            raise ValueError(f"GridWorldEnv needs a gridworld level; '{loaded.name}' is a bandit")
        self.render_mode = check_render_mode(render_mode)
        self.level = loaded
        self.schedule = ChangeSchedule(loaded)
        self._use(TabularModel.from_level(loaded))
        self.encoder = ObservationEncoder(obs, *self.model.shape)
        self._index_obs = obs == "index"
        self.observation_space = self.encoder.space
        self.action_space = spaces.Discrete(N_ACTIONS)
        self.max_steps = loaded.max_steps
        self.s: int | None = None
        self.t = 0
        # Frames only: the episode's trail, its last reward and return, and the render layer's
        # Screen (made on the first frame).
        self._trail: Trail | None = None
        if render_mode in ("human", "rgb_array"):
            # Imported only for frames, like gridrl.render.frames in _frame: importing
            # gridrl.envs (or an env without pixels) loads neither pygame nor the render layer.
            from gridrl.render.trail import Trail

            self._trail = Trail(loaded)
        self._reward: float | None = None
        self._return = 0.0
        self._screen: Screen | None = None

    def _use(self, model: TabularModel) -> None:
        """Sample from ``model`` from now on (the level's, or its layout after a change)."""
        self.model = model
        self._starts = model.grid.start_cells
        self._cum = model.cumulative()
        self._table: dict[int, tuple[tuple[float, int, float, float, bool], ...]] = {}

    def _outcomes(self, s: int, a: int) -> tuple[tuple[float, int, float, float, bool], ...]:
        """(cumulative prob, s', expected r, std of r, terminated) of each possible outcome,
        cached as plain Python values: a step is then a dict lookup and, at most, one random
        number for the outcome and one for the reward's noise."""
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
                    m.reward_std[s, a][keep].tolist(),
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
        if self._trail is not None:
            self._trail.start(self.s)
            self._reward, self._return = None, 0.0
            if self.render_mode == "human":
                self._frame(paced=True)
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
        _, s_next, r, r_std, terminated = chosen
        if r_std:
            # Drawn only for noisy payments, so a level without noise keeps its random stream.
            r += r_std * float(self.np_random.standard_normal())
        if self._trail is not None:
            self._trail.step(self.s, s_next)
            self._reward = r
            self._return += r
        self.s = s_next
        self.t += 1
        truncated = self.t >= self.max_steps and not terminated
        info: dict[str, Any] = {"prob": p}
        changed = self.schedule.tick()
        if changed is not None:
            self._use(changed)
            if self._trail is not None:
                self._trail.set_level(changed.level)
            info["level_changed"] = True
            truncated = truncated or (bool(changed.wall[s_next] or changed.terminal[s_next]) and not terminated)
        obs = s_next if self._index_obs else self.encoder.one(s_next)
        if self.render_mode == "human":
            self._frame(paced=True)
        return obs, r, terminated, truncated, info

    def render(self) -> str | np.ndarray | None:
        """The board as text (``"ansi"``), as an RGB frame (``"rgb_array"``), or shown in the
        window (``"human"``, returns None); None without a render mode."""
        if self.render_mode is None:
            return None
        if self.render_mode == "ansi":
            cells = list(self.model.grid.chars)
            if self.s is not None:
                cells[self.s] = "@"
            cols = self.model.shape[1]
            return "\n".join("".join(cells[i : i + cols]) for i in range(0, len(cells), cols)) + "\n"
        return self._frame(paced=False)

    def _frame(self, paced: bool) -> np.ndarray | None:
        """Draw the board: the array (``"rgb_array"``), or shown in the window (``"human"``;
        ``paced`` for reset and step, see :class:`gridrl.render.frames.Screen`)."""
        # gymnasium's render API is the one call from envs up to the render layer (which needs
        # only levels: no cycle). Imported here, on the first frame, so that importing
        # gridrl.envs loads neither pygame nor the render layer.
        from gridrl.render import frames

        if self._screen is None:
            self._screen = frames.Screen(self.render_mode, f"gridrl: {self.level.name}", self.metadata["render_fps"])
        trail = self._trail.cells if self._trail is not None else []
        frame = frames.gridworld_frame(self.model.level, self.s, trail, self.t, self._reward, self._return)
        return self._screen.output(frame, paced)

    def close(self) -> None:
        """Close the ``"human"`` window, if one is open."""
        if self._screen is not None:
            self._screen.close()
            self._screen = None

    def get_keys_to_action(self) -> dict[tuple[int, ...], int]:
        """Arrow keys and WASD -> actions, for ``gymnasium.utils.play.play(env)``."""
        import pygame  # only for its key codes; play() imports it anyway

        keys = {
            Action.UP: (pygame.K_UP, pygame.K_w),
            Action.RIGHT: (pygame.K_RIGHT, pygame.K_d),
            Action.DOWN: (pygame.K_DOWN, pygame.K_s),
            Action.LEFT: (pygame.K_LEFT, pygame.K_a),
        }
        return {(key,): int(action) for action, pair in keys.items() for key in pair}
