"""``GridWorldVectorEnv``: N copies of a gridworld level stepped together in numpy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from gridrl.envs.model import N_ACTIONS, ChangeSchedule, TabularModel
from gridrl.envs.observation import ObservationEncoder, ObsMode
from gridrl.levels import GridLevel, load_level


class GridWorldVectorEnv(VectorEnv):
    """``num_envs`` copies of one level, each step one numpy pass over all of them.

    Same-step autoreset: when a copy's episode ends, the returned observation is already
    the first one of its next episode; the observation it ended on is in
    ``infos["final_obs"]`` (valid where ``infos["_final_obs"]`` is True). An agent that
    bootstraps on truncation reads V(final_obs) there, never V of the new start.

    A level's scheduled changes happen in every copy at once, when ``step`` has been called
    ``at_step`` times since the env was made (each call is one step of each copy); that
    step's infos hold ``level_changed`` (and ``_level_changed``), True for every copy. As in
    :class:`~gridrl.envs.gridworld.GridWorldEnv`, a copy whose cell became a wall or a terminal
    cell is truncated there (and starts anew on a start cell of the new layout).
    """

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}

    def __init__(
        self,
        level: str | Path | GridLevel = "corridor",
        num_envs: int = 8,
        obs: ObsMode = "index",
    ) -> None:
        if num_envs < 1:
            raise ValueError(f"num_envs must be at least 1, got {num_envs}")
        loaded = load_level(level)
        if not isinstance(loaded, GridLevel):
            raise ValueError(f"a gridworld vector env needs a gridworld level; '{loaded.name}' is a bandit")
        self.level = loaded
        self.schedule = ChangeSchedule(loaded)
        self._use(TabularModel.from_level(loaded))
        self.encoder = ObservationEncoder(obs, *self.model.shape)
        self.num_envs = num_envs
        self.single_observation_space = self.encoder.space
        self.single_action_space = spaces.Discrete(N_ACTIONS)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.max_steps = loaded.max_steps
        self._rng = np.random.default_rng()
        self.s = np.zeros(num_envs, dtype=np.int64)
        self.t = np.zeros(num_envs, dtype=np.int64)

    def _use(self, model: TabularModel) -> None:
        """Sample from ``model`` from now on (the level's, or its layout after a change)."""
        self.model = model
        self._cum = model.cumulative()
        self._starts = model.grid.start_cells

    def _start_states(self, n: int) -> np.ndarray:
        return self._starts[self._rng.integers(len(self._starts), size=n)]

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        """Reset every copy. ``options={"state": s}`` starts them all (or, with an array of
        N states, each) at the given cells instead of random start cells; later episodes
        start as usual."""
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        start = (options or {}).get("state")
        if start is None:
            self.s = self._start_states(self.num_envs)
        else:
            s = np.broadcast_to(np.asarray(start, dtype=np.int64), (self.num_envs,)).copy()
            bad = (s < 0) | (s >= self.model.n_states)
            if bad.any() or (self.model.wall | self.model.terminal)[s[~bad]].any():
                raise ValueError(f"start states must be non-wall, non-terminal cells, got {start}")
            self.s = s
        self.t[:] = 0
        return self.encoder.batch(self.s), {}

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        """Sample every copy's outcome by inverse CDF over its (s, a) outcome list."""
        a = np.asarray(actions, dtype=np.int64)
        m = self.model
        cum = self._cum[self.s, a]  # (N, K)
        if cum.shape[1] == 1:
            k = np.zeros(self.num_envs, dtype=np.int64)
        else:
            u = self._rng.random(self.num_envs)
            k = np.minimum((u[:, None] >= cum).sum(axis=1), cum.shape[1] - 1)
        s_next = m.next_state[self.s, a, k].astype(np.int64)
        rewards = m.reward[self.s, a, k]
        r_std = m.reward_std[self.s, a, k]
        if r_std.any():
            # Noisy tiles (reward_std, exit_reward_std): expected reward plus Gaussian noise,
            # drawn only when some copy is paid by one, so other levels keep their random stream.
            rewards = rewards + r_std * self._rng.standard_normal(self.num_envs)
        self.t += 1
        terminated = m.terminal[s_next]
        truncated = (self.t >= self.max_steps) & ~terminated
        infos: dict[str, Any] = {}
        changed = self.schedule.tick()
        if changed is not None:
            self._use(changed)
            truncated |= (changed.wall[s_next] | changed.terminal[s_next]) & ~terminated
            infos["level_changed"] = infos["_level_changed"] = np.ones(self.num_envs, dtype=bool)
        done = terminated | truncated
        if done.any():
            infos.update(final_obs=self.encoder.batch(s_next), _final_obs=done)
            s_next[done] = self._start_states(int(done.sum()))
            self.t[done] = 0
        self.s = s_next
        return self.encoder.batch(s_next), rewards, terminated, truncated, infos
