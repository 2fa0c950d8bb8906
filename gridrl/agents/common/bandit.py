"""Machinery shared by the bandit agents (Sutton & Barto ch. 2): R independent runs stepped
at once, the incremental estimate of eq. 2.3/2.5, argmax with random tie-breaking, the
units and ``insight()``, and the experiment runner behind Figures 2.2-2.6.

Every array of learned state has shape ``(runs, k)``: row i is run i's own agent, facing
run i's own arms (on a testbed each run draws its own true values q*(a)). One pull is one
call of :meth:`BanditVectorEnv.step` with ``runs`` actions, so Figure 2.2's 2000 runs x
1000 steps are 1000 numpy steps, not two million Python ones.

A subclass writes only its method:

* :meth:`BanditAgent.select` -- A_t for every run at once, shape ``(runs,)``;
* :meth:`BanditAgent.learn` -- the update after R_t (``N`` and ``t`` already count the
  pull), returning run 0's numbers for the inspector;
* :meth:`BanditAgent.policy` -- run 0's actual action distribution pi(a), shape ``(1, k)``;
* optionally :meth:`BanditAgent.init_state` / :meth:`BanditAgent.reset_runs` for extra
  state (preferences, posteriors) and :meth:`BanditAgent.agent_extras` for insight.

A run ends at the level's horizon (``steps`` pulls). The vector env then draws fresh true
values for that run (same-step autoreset), so the run's agent starts afresh too: its
estimates are reset with it, at its next pull. Until then insight() still shows the run
that just ended (what it learned, and the true values it faced), so a snapshot taken after
exactly ``steps`` pulls shows the finished run, not a blank one.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gridrl.agents.base import Agent, Event, Insight
from gridrl.envs import BanditVectorEnv
from gridrl.levels import Level


def softmax(H: np.ndarray) -> np.ndarray:
    """pi(a) = e^H(a) / sum_b e^H(b) over the last axis (eq. 2.11); max subtracted for stability."""
    z = np.exp(H - H.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def argmax_random_ties(rng: np.random.Generator, X: np.ndarray) -> np.ndarray:
    """argmax over the last axis of ``X`` (runs, k) for every row, ties broken uniformly at random.

    "Breaking ties randomly" (the book's box in §2.4) matters: with Q initialised to 0 every
    arm is tied, and ``np.argmax`` alone would always pull arm 0 first. Rows with one
    maximum take it; in rows with several, the tied arm with the largest uniform random key
    wins, which is exactly uniform among the ties. Random keys are drawn for tied rows only
    (after the first pulls there are few), which keeps the hot path cheap.
    """
    best = X == X.max(axis=-1, keepdims=True)
    a = best.argmax(axis=-1)
    tied = np.flatnonzero(np.count_nonzero(best, axis=-1) > 1)
    if tied.size:
        b = best[tied]
        a[tied] = np.argmax(np.where(b, rng.random(b.shape), -1.0), axis=-1)
    return a


def run_arrays(runs: int, k: int, dtype: type = np.float64) -> np.ndarray:
    """A zero (runs, k) state array, stored column-major.

    Bandit state is indexed (run, arm), but the hot reductions run over the arms (max, argmax,
    softmax sums) and k is small: in column-major order each is k vectorised passes over
    the runs, several times faster than ``runs`` tiny row reductions.
    """
    return np.zeros((runs, k), dtype=dtype, order="F")


def flat(X: np.ndarray) -> np.ndarray:
    """The column-major flat view of a (runs, k) state array: cell (i, a) is ``i + a * runs``.

    Reading and writing the pulled cells through this view is several times faster than
    ``X[rows, a]`` fancy indexing. It must be a view, so ``X`` must be column-major.
    """
    if not X.flags.f_contiguous:
        raise ValueError("bandit state arrays are column-major (see run_arrays)")
    return X.ravel(order="F")


class BanditAgent(Agent):
    """Base class of the bandit agents: R runs vectorised over numpy rows.

    State: ``Q`` (runs, k) action-value estimates, ``N`` (runs, k) pull counts, ``t`` (runs,)
    pulls so far in the current run. Units: ``step`` = one pull in every run; ``update`` =
    ``step``; ``episode`` = pulls until run 0 reaches the level's horizon.
    """

    level_kinds = ("bandit",)
    vectorized_runs = True

    def __init__(self, level: Level, config: Any = None, seed: int = 0, runs: int = 1) -> None:
        super().__init__(level, config, seed)
        if int(runs) != runs or runs < 1:
            raise ValueError(f"runs must be a whole number >= 1, got {runs!r}")
        self.runs = int(runs)
        self.k = self.level.n_arms
        self.env = BanditVectorEnv(self.level, num_envs=self.runs)
        self.env.reset(seed=seed)
        self._rows = np.arange(self.runs)
        self.pulled = np.zeros(self.runs, dtype=np.int64)  # set by each pull, see _pull
        self.Q = run_arrays(self.runs, self.k)
        self.N = run_arrays(self.runs, self.k, np.int64)
        self.t = np.zeros(self.runs, dtype=np.int64)
        self.run_return = np.zeros(self.runs)
        self.runs_done = 0  # runs of row 0 completed (the level's horizon reached)
        self._ended: np.ndarray | None = None  # runs that ended on the last pull, reset at the next
        self._ended_means: np.ndarray | None = None  # run 0's true values in the run that ended
        self.init_state()
        self.reset_runs(np.ones(self.runs, dtype=bool))

    def rebuild_environment(self) -> None:
        """Edited arms (same number): new runs of the env; the estimates are kept."""
        self.env = BanditVectorEnv(self.level, num_envs=self.runs)
        self.env.reset(seed=int(self.rng.integers(2**31)))
        self._ended = self._ended_means = None

    # ------------------------------------------------------------------ hooks

    def init_state(self) -> None:
        """Allocate the method's own (runs, k) arrays; :meth:`reset_runs` fills them."""

    def initial_Q(self) -> float | np.ndarray:
        """Q_1(a), the estimate before any pull (a number or one per arm)."""
        return 0.0

    def reset_runs(self, rows: np.ndarray) -> None:
        """Start the runs in boolean mask ``rows`` afresh (subclasses reset their state too)."""
        self.Q[rows] = self.initial_Q()
        self.N[rows] = 0
        self.t[rows] = 0
        self.run_return[rows] = 0.0

    def select(self) -> np.ndarray:
        """A_t for every run: (runs,) arm indices."""
        raise NotImplementedError

    def learn(self, a: np.ndarray, r: np.ndarray) -> dict[str, Any]:
        """Update from (A_t, R_t) of every run; return run 0's numbers for the inspector."""
        raise NotImplementedError

    def policy(self) -> np.ndarray:
        """Run 0's action distribution pi(a) for its next pull: (1, k)."""
        raise NotImplementedError

    def agent_extras(self) -> dict[str, Any]:
        """The method's own quantities for run 0 (preferences, bonuses, posteriors)."""
        return {}

    @property
    def equation(self) -> str:
        """The update written out, for the cell inspector."""
        return ""

    # ------------------------------------------------------------------ shared maths

    def incremental_update(
        self, a: np.ndarray, r: np.ndarray, alpha: float | None
    ) -> tuple[float, float, float]:
        """Q(A) <- Q(A) + step [R - Q(A)] in every run (eq. 2.3 / 2.5).

        ``alpha=None`` is the sample average, step = 1/N(A) (eq. 2.3): Q(A) is then exactly
        the mean of the rewards seen from A (up to rounding), and Q_1 is forgotten at the
        first pull. A constant ``alpha`` (eq. 2.5) weighs recent rewards more,
        alpha (1 - alpha)^(n-i) for R_i, which tracks a nonstationary bandit (§2.5) and keeps
        a bias (1 - alpha)^n Q_1 from the initial value (§2.6). Returns run 0's
        (Q_old, step size, Q_new). ``N`` must already count this pull.
        """
        Q, cells = flat(self.Q), self.pulled
        Q_old = Q[cells]
        step = 1.0 / flat(self.N)[cells] if alpha is None else np.full(self.runs, alpha)
        Q_new = Q_old + step * (r - Q_old)  # NewEstimate <- OldEstimate + StepSize [Target - OldEstimate]
        Q[cells] = Q_new
        return float(Q_old[0]), float(step[0]), float(Q_new[0])

    # ------------------------------------------------------------------ units

    def _pull(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, dict[str, Any], float | None]:
        """One pull in every run: select, step the env, count, learn, restart ended runs.

        Returns actions, rewards, optimal flags, run 0's backup, and run 0's return if its
        run ended on this pull (else None).
        """
        if self._ended is not None:
            self.reset_runs(self._ended)
            self._ended = self._ended_means = None
        a = self.select()
        _, r, _, truncated, infos = self.env.step(a)
        self.pulled = self._rows + a * self.runs  # flat indices of the cells (i, A_t) of every run i
        flat(self.N)[self.pulled] += 1
        self.t += 1
        self.run_return += r
        backup = self.learn(a, r)
        ended_return = None
        if truncated.any():
            if truncated[0]:
                ended_return = float(self.run_return[0])
                self.runs_done += 1
            self._ended, self._ended_means = truncated, infos["final_true_means"][0]
        return a, r, infos["optimal"], backup, ended_return

    def step(self) -> Event:
        """One pull in every run. ``info``: mean reward over runs, fraction of runs that pulled
        an optimal arm; action, reward and backup are run 0's.

        ``curves`` holds the same per-pull numbers plus ``pull`` (this pull's index within the
        run, 1-based: all runs are in step) and ``reward_std`` (the spread of the reward over
        the runs), so a History can average successive runs per pull instead of appending
        them, and draw a standard-error band (see :meth:`gridrl.session.History.per_pull`).
        """
        steps_before = int(self.t[0])
        a, r, optimal, backup, ended_return = self._pull()
        mean_reward, optimal_fraction = float(r.mean()), float(optimal.mean())
        event = Event(
            unit="step", steps=1, state=0, action=int(a[0]), reward=float(r[0]), next_state=0,
            td_error=backup.get("error"), changed=np.array([0]), equation=self.equation,
            backup=backup,
            info={"mean_reward": mean_reward, "optimal_fraction": optimal_fraction},
            curves={"mean_reward": np.array([mean_reward]), "optimal_fraction": np.array([optimal_fraction]),
                    "reward_std": np.array([r.std()]), "pull": self.t[:1].copy()},
        )  # fmt: skip
        if ended_return is not None:
            event.done = True
            event.episode_return = ended_return
            event.episode_length = steps_before + 1
        return event

    def update(self) -> Event:
        """One learning update: for a bandit, one pull."""
        event = self.step()
        event.unit = "update"
        return event

    def episode(self) -> Event:
        """Pulls until run 0 reaches the level's horizon; ``info`` averages over those pulls and
        ``curves`` keeps them one by one."""
        pulls = []
        while True:
            event = self.step()
            pulls.append(event.curves)
            if event.done:
                break
        event.unit, event.steps = "episode", len(pulls)
        event.curves = {name: np.concatenate([c[name] for c in pulls]) for name in event.curves}
        event.info = {name: float(event.curves[name].mean()) for name in ("mean_reward", "optimal_fraction")}
        return event

    def experiment(self, steps: int) -> tuple[np.ndarray, np.ndarray]:
        """``steps`` pulls in every run; per pull the reward averaged over runs and the fraction
        of runs that pulled an optimal arm (the two panels of Figure 2.2).

        Starts from the agent's current state: on a fresh agent, entry i is pull i + 1 of
        every run. Past the level's horizon the runs restart (fresh arms, fresh estimates).
        """
        mean_reward = np.empty(steps)
        optimal_action = np.empty(steps)
        for i in range(steps):
            _, r, optimal, _, _ = self._pull()
            mean_reward[i] = r.mean()
            optimal_action[i] = optimal.mean()
        return mean_reward, optimal_action

    # ------------------------------------------------------------------ inspection

    def insight(self) -> Insight:
        """Run 0: Q (1, k), pi (1, k), V = sum_a pi(a) Q(a), visits = pulls in this run."""
        pi = self.policy()
        Q = self.Q[:1].copy()
        extras = {
            "pulls": self.N[0].copy(),
            "true_means": (
                self.env.true_means[0] if self._ended_means is None else self._ended_means
            ).copy(),
            "t": int(self.t[0]),
            "runs": self.runs,
            "runs_done": self.runs_done,
        }
        extras.update(self.agent_extras())
        return Insight(
            V=(pi * Q).sum(axis=1), Q=Q, pi=pi, visits=np.array([self.N[0].sum()]), extras=extras
        )

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        for key in state:  # keep (runs, k) arrays column-major (see run_arrays)
            value = getattr(self, key)
            if isinstance(value, np.ndarray) and value.ndim == 2:
                setattr(self, key, np.asfortranarray(value))

    def _learned(self) -> dict[str, Any]:
        return {"Q": self.Q, "N": self.N, "t": self.t, "run_return": self.run_return,
                "runs_done": self.runs_done}  # fmt: skip

