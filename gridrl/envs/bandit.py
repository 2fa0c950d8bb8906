"""Multi-armed bandits: the arms of a level as arrays, one gymnasium env, and N runs at once."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from gridrl.envs.gridworld import RENDER_MODES, check_render_mode
from gridrl.levels import BanditLevel, BernoulliArm, load_level

if TYPE_CHECKING:
    from gridrl.render.frames import Screen


class BanditArms:
    """The reward rule of a bandit level, vectorised over runs.

    ``means`` arrays have shape ``(runs, k)``: each run has its own true values q*(a)
    (drawn per run on a testbed, fixed otherwise, random-walking when nonstationary).
    """

    def __init__(self, level: BanditLevel) -> None:
        self.level = level
        self.k = level.n_arms
        if level.testbed is not None:
            self.bernoulli = np.zeros(self.k, dtype=bool)
            self.std = np.full(self.k, level.testbed.reward_std)
        else:
            self.bernoulli = np.array([isinstance(a, BernoulliArm) for a in level.arms])
            self.std = np.array([0.0 if isinstance(a, BernoulliArm) else a.std for a in level.arms])
        self.walk_std = level.nonstationary.walk_std if level.nonstationary else 0.0

    def draw_means(self, rng: np.random.Generator, runs: int) -> np.ndarray:
        """True values q*(a) for ``runs`` fresh runs: (runs, k)."""
        tb = self.level.testbed
        if tb is not None:
            return rng.normal(tb.mean, tb.std, size=(runs, self.k))
        means = np.array([arm.mean for arm in self.level.arms], dtype=np.float64)
        return np.tile(means, (runs, 1))

    def pull(self, rng: np.random.Generator, means: np.ndarray, actions: np.ndarray) -> np.ndarray:
        """One reward per run for arm ``actions[i]``: Bernoulli(q*) or N(q*, std^2)."""
        rows = np.arange(len(actions))
        mu = means[rows, actions]
        gaussian = mu + self.std[actions] * rng.standard_normal(len(actions))
        if not self.bernoulli.any():
            return gaussian
        coin = (rng.random(len(actions)) < mu).astype(np.float64)
        return np.where(self.bernoulli[actions], coin, gaussian)

    def walk(self, rng: np.random.Generator, means: np.ndarray) -> np.ndarray:
        """Nonstationary drift: q*(a) += N(0, walk_std^2) for every arm; Bernoulli p stays in [0, 1]."""
        if self.walk_std == 0.0:
            return means
        means = means + rng.normal(0.0, self.walk_std, size=means.shape)
        return np.where(self.bernoulli, np.clip(means, 0.0, 1.0), means)


def _bandit_level(level: str | Path | BanditLevel) -> BanditLevel:
    loaded = load_level(level)
    if not isinstance(loaded, BanditLevel):
        raise ValueError(f"a bandit env needs a bandit level; '{loaded.name}' is a gridworld")
    return loaded


class BanditEnv(gym.Env):
    """A multi-armed bandit level as a one-state gymnasium environment.

    ## Description
    k arms, each paying a random reward around its true value q*(a) (Sutton & Barto ch. 2).
    On a testbed level the true values are drawn afresh at every ``reset``.

    ## Action Space
    ``Discrete(k)``: the arm to pull.

    ## Observation Space
    ``Discrete(1)``: there is one state, always 0.

    ## Starting State
    The single state; ``info["true_means"]`` gives q* for this run.

    ## Rewards
    Bernoulli arms pay 1 with probability p, else 0; Gaussian arms N(q*(a), std^2).

    ## Episode End
    Never terminated; ``truncated`` after the level's ``steps`` pulls (one run).
    ``info["optimal"]`` says whether the pulled arm had the highest true value.

    ## Rendering
    ``render_mode="ansi"``: one line per arm (true mean, pulls, average reward) under the
    last pull. ``"rgb_array"``: the app's arms chart (:mod:`gridrl.render.frames`) as an
    ``(H, W, 3)`` uint8 frame: the average reward of each arm so far as a bar, its true mean
    as a mark, the share of pulls, and the last arm and reward in the caption. ``"human"``:
    that frame in a pygame window, redrawn by every ``reset`` and ``step`` and kept in view at
    least 1/``metadata["render_fps"]`` s; ``close()`` closes it. :meth:`get_keys_to_action`
    maps the digit keys 1, 2, ..., 9, 0 to the first ten arms.

    ## Arguments
    ``level`` (default ``"bernoulli_3"``), ``render_mode`` (above, or None).
    """

    metadata = {"render_modes": list(RENDER_MODES), "render_fps": 8}

    def __init__(self, level: str | Path | BanditLevel = "bernoulli_3", render_mode: str | None = None) -> None:
        self.render_mode = check_render_mode(render_mode)
        self.level = _bandit_level(level)
        self.arms = BanditArms(self.level)
        self.observation_space = spaces.Discrete(1)
        self.action_space = spaces.Discrete(self.arms.k)
        self.true_means: np.ndarray | None = None
        self.t = 0
        # For rendering: pulls and total reward of each arm this run, the last (arm, reward),
        # and the render layer's Screen (made on the first frame).
        self._pulls = np.zeros(self.arms.k, dtype=np.int64)
        self._reward_sums = np.zeros(self.arms.k)
        self._last: tuple[int, float] | None = None
        self._screen: Screen | None = None

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[int, dict[str, Any]]:
        super().reset(seed=seed)
        self.true_means = self.arms.draw_means(self.np_random, 1)
        self.t = 0
        self._pulls[:] = 0
        self._reward_sums[:] = 0.0
        self._last = None
        if self.render_mode == "human":
            self._frame(paced=True)
        return 0, {"true_means": self.true_means[0].copy()}

    def step(self, action: int) -> tuple[int, float, bool, bool, dict[str, Any]]:
        if self.true_means is None:
            raise gym.error.ResetNeeded("call reset() before step()")
        a = np.array([int(action)])
        optimal = bool(self.true_means[0, a[0]] >= self.true_means[0].max())
        reward = float(self.arms.pull(self.np_random, self.true_means, a)[0])
        self.true_means = self.arms.walk(self.np_random, self.true_means)
        self.t += 1
        self._pulls[a[0]] += 1
        self._reward_sums[a[0]] += reward
        self._last = (int(a[0]), reward)
        if self.render_mode == "human":
            self._frame(paced=True)
        return 0, reward, False, self.t >= self.level.steps, {"optimal": optimal}

    def _arm_name(self, a: int) -> str:
        return self.level.arms[a].name if self.level.arms else str(a + 1)

    def _caption(self) -> str:
        """The last pull in words: ``"pull 7: arm high paid 1"``."""
        if self._last is None:
            return "no pull yet"
        return f"pull {self.t}: arm {self._arm_name(self._last[0])} paid {self._last[1]:.4g}"

    def render(self) -> str | np.ndarray | None:
        """The arms as text (``"ansi"``), as an RGB frame (``"rgb_array"``), or shown in the
        window (``"human"``, returns None); None without a render mode."""
        if self.render_mode is None:
            return None
        if self.render_mode == "ansi":
            return self._text()
        return self._frame(paced=False)

    def _frame(self, paced: bool) -> np.ndarray | None:
        """Draw the arms: the array (``"rgb_array"``), or shown in the window (``"human"``;
        ``paced`` for reset and step, see :class:`gridrl.render.frames.Screen`)."""
        # gymnasium's render API is the one call from envs up to the render layer (which needs
        # only levels: no cycle). Imported here, on the first frame, so that importing
        # gridrl.envs loads neither pygame nor the render layer.
        from gridrl.render import frames

        if self._screen is None:
            self._screen = frames.Screen(self.render_mode, f"gridrl: {self.level.name}", self.metadata["render_fps"])
        frame = frames.bandit_frame(self.level, self._true_means(), self._pulls, self._reward_sums, self._caption())
        return self._screen.output(frame, paced)

    def _true_means(self) -> np.ndarray | None:
        return None if self.true_means is None else self.true_means[0]

    def _text(self) -> str:
        """The last pull, then per arm its true mean, pulls and average reward; ``>`` marks
        the arm pulled last."""
        true_means = self._true_means()
        lines = [self._caption()]
        width = max(len(self._arm_name(a)) for a in range(self.arms.k))
        for a in range(self.arms.k):
            mark = ">" if self._last is not None and self._last[0] == a else " "
            true = "?" if true_means is None else f"{true_means[a]:+.3f}"
            n = int(self._pulls[a])
            average = f"{self._reward_sums[a] / n:+.3f}" if n else "-"
            lines.append(f"{mark} {self._arm_name(a):<{width}}  q* {true:>6}  pulls {n:>5}  average {average:>6}")
        return "\n".join(lines) + "\n"

    def close(self) -> None:
        """Close the ``"human"`` window, if one is open."""
        if self._screen is not None:
            self._screen.close()
            self._screen = None

    def get_keys_to_action(self) -> dict[tuple[int, ...], int]:
        """Digit keys 1, 2, ..., 9, 0 -> the first ten arms, for ``gymnasium.utils.play.play(env)``."""
        return {(ord(key),): a for a, key in enumerate("1234567890"[: self.arms.k])}


class BanditVectorEnv(VectorEnv):
    """``num_envs`` independent runs of a bandit level, stepped together in numpy.

    This is what bandit experiments use: Figure 2.2's 2000 runs x 1000 steps are 1000 calls
    to :meth:`step` with 2000 actions each. ``infos["optimal"]`` marks the runs whose arm had
    the highest true value. Runs restart on the step they reach the horizon (same-step
    autoreset), drawing new true values; the ended runs' values are in
    ``infos["final_true_means"]`` (valid where ``infos["_final_true_means"]``).

    ``shared_means=True`` makes the copies N pulls of *one* bandit instead: one draw of the
    true values for all of them, drifting together, while each pull's reward noise stays its
    own. That is what a learner's N parallel environments must be: on a level that draws its
    values (the 10-armed testbed), N independent runs would be N different problems for one
    policy, none of which it could learn.
    """

    metadata = {"autoreset_mode": AutoresetMode.SAME_STEP, "render_modes": []}

    def __init__(
        self, level: str | Path | BanditLevel = "ten_armed_testbed", num_envs: int = 1, shared_means: bool = False
    ):
        if num_envs < 1:
            raise ValueError(f"num_envs must be at least 1, got {num_envs}")
        self.level = _bandit_level(level)
        self.arms = BanditArms(self.level)
        self.num_envs = num_envs
        self.shared_means = shared_means
        self.single_observation_space = spaces.Discrete(1)
        self.single_action_space = spaces.Discrete(self.arms.k)
        self.observation_space = batch_space(self.single_observation_space, num_envs)
        self.action_space = batch_space(self.single_action_space, num_envs)
        self.true_means = np.zeros((num_envs, self.arms.k))
        self.t = np.zeros(num_envs, dtype=np.int64)
        self._rng = np.random.default_rng()

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[np.ndarray, dict[str, Any]]:
        if seed is not None:
            self._rng = np.random.default_rng(seed)
        self.true_means = self._draw_means(self.num_envs)
        self.t[:] = 0
        return np.zeros(self.num_envs, dtype=np.int64), {"true_means": self.true_means.copy()}

    def _draw_means(self, n: int) -> np.ndarray:
        """(n, k) true values for n copies starting a run: one draw each, or one for all."""
        if self.shared_means:
            return np.repeat(self.arms.draw_means(self._rng, 1), n, axis=0)
        return self.arms.draw_means(self._rng, n)

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        actions = np.asarray(actions, dtype=np.int64)
        rows = np.arange(self.num_envs)
        optimal = self.true_means[rows, actions] >= self.true_means.max(axis=1)
        rewards = self.arms.pull(self._rng, self.true_means, actions)
        if self.shared_means:  # one drift for the one bandit all copies play
            self.true_means = np.repeat(self.arms.walk(self._rng, self.true_means[:1]), self.num_envs, axis=0)
        else:
            self.true_means = self.arms.walk(self._rng, self.true_means)
        self.t += 1
        truncated = self.t >= self.level.steps
        infos: dict[str, Any] = {"optimal": optimal}
        if truncated.any():
            infos["final_true_means"] = self.true_means.copy()
            infos["_final_true_means"] = truncated
            self.true_means[truncated] = self._draw_means(int(truncated.sum()))
            self.t[truncated] = 0
        obs = np.zeros(self.num_envs, dtype=np.int64)
        terminated = np.zeros(self.num_envs, dtype=bool)
        return obs, rewards, terminated, truncated, infos
