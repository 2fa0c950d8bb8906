"""Machinery shared by the prediction agents (TD(0), Monte Carlo, n-step TD, TD(lambda)): they
learn v_pi of a fixed policy pi from experience (Sutton & Barto §5.1, ch. 6, 7 and 12), and
policy evaluation (§4.1) computes the same v_pi from the model, so both build pi here.

The policy to evaluate (``policy``) is one of:

* ``"uniform"``: all four actions equiprobable (Example 4.1). In a 1 x N corridor half the
  moves bump into the top or bottom edge and stay put.
* ``"moves"``: uniform over the actions that do not bump into an edge or a wall, so a 1 x N
  corridor is exactly the book's random walk (Example 6.2): left or right with probability 1/2.
* the path of a ``snapshot.json`` written by ``gridrl train``: the greedy policy of its Q.

:class:`TabularPrediction` is the table V(s) on the tabular agents' environment loop
(:class:`~gridrl.agents.common.tabular.TabularEpisodes`), acting by pi; a subclass writes
only ``learn``, which sees one transition and returns the Event of its update
(:meth:`TabularPrediction.move_value` makes one). :class:`EpisodeEndPrediction` is that for
the agents that learn only when the episode ends (Monte Carlo, the offline lambda-return): they
write ``learn_episode`` instead.

Batch updating (§6.3, Example 6.3) is offered by TD(0) and Monte Carlo (:class:`BatchConfig`):
after each episode every step seen so far is replayed, pass after pass, until V stops moving
(:meth:`TabularPrediction.replay`). The steps enter a pass only through a few sums per state
(:func:`summed_increments`), so what is kept grows with the states, never with the steps.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gridrl.agents.base import MAX_HELD_STEPS, Event, HyperparameterError, Insight, held_steps_limit, hp
from gridrl.agents.common.exploration import greedy_probs
from gridrl.agents.common.tabular import TabularEpisodes
from gridrl.envs import GridWorldEnv, TabularModel
from gridrl.envs.evaluation import solve_policy_system
from gridrl.levels import Level

POLICY_TAKES = "uniform, moves, or a snapshot.json path"
POLICY_HELP = ("the policy evaluated: 'uniform' (all 4 actions), 'moves' (the actions that don't bump), "
               "or a snapshot.json path (the greedy policy of its Q)")  # fmt: skip


def evaluated_policy(policy: str, model: TabularModel) -> np.ndarray:
    """(S, A) pi(a|s) named by a ``policy`` hyperparameter (see the module docstring)."""
    if policy == "uniform":
        return np.full((model.n_states, model.n_actions), 1.0 / model.n_actions)
    if policy == "moves":
        return moves_policy(model)
    return snapshot_policy(policy, model)


def moves_policy(model: TabularModel) -> np.ndarray:
    """(S, A) uniform over the actions whose step does not bump into an edge or a wall; a cell
    walled in on every side (or a wall, or a terminal) gets all four."""
    cells = np.arange(model.n_states)[:, None]
    _, bumped = model.grid.move(cells, np.arange(model.n_actions)[None, :])
    moves = ~bumped
    moves[~moves.any(axis=1)] = True
    return moves / moves.sum(axis=1, keepdims=True)


def snapshot_policy(path: str, model: TabularModel) -> np.ndarray:
    """(S, A) pi(a|s) greedy in the ``"Q"`` (rows x cols x 4) of a snapshot.json, ties split evenly.

    Walls and terminal states may hold ``null``; they get the uniform policy (never used).
    Anything else wrong raises HyperparameterError saying what was expected.
    """
    rows, cols = model.shape
    expected = f"a snapshot.json written by 'gridrl train' with \"Q\": {rows} x {cols} x 4 numbers"
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise HyperparameterError(
            f"policy must be 'uniform', 'moves' or the path of {expected}; no file '{path}'"
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise HyperparameterError(
            f"policy file '{path}' cannot be read as JSON ({err}); expected {expected}"
        ) from None
    if not isinstance(data, dict) or "Q" not in data:
        raise HyperparameterError(f"policy file '{path}' has no \"Q\" table; expected {expected}")
    try:
        Q = np.array(data["Q"], dtype=np.float64)
    except (TypeError, ValueError):
        raise HyperparameterError(
            f"\"Q\" in policy file '{path}' is not a table of numbers; expected {expected}"
        ) from None
    if Q.shape != (rows, cols, model.n_actions):
        got = " x ".join(map(str, Q.shape)) or "a single value"
        raise HyperparameterError(
            f"\"Q\" in policy file '{path}' is {got}, "
            f"but level '{model.level.name}' needs {rows} x {cols} x 4"
        )
    Q = Q.reshape(-1, model.n_actions)
    active = ~(model.terminal | model.wall)
    bad = np.flatnonzero(active & ~np.isfinite(Q).all(axis=1))
    if bad.size:
        row, col = divmod(int(bad[0]), cols)
        raise HyperparameterError(
            f"\"Q\" in policy file '{path}' has a missing or non-finite value at row {row} col {col} "
            f"({bad.size} cell(s) in all); only walls and terminal cells may be null"
        )
    pi = np.full(Q.shape, 1.0 / model.n_actions)
    pi[active] = greedy_probs(Q[active])
    return pi


#: Above this many states the true v_pi is not computed (a dense solve of S equations).
TRUE_VALUES_STATES = 2000


def true_values(model: TabularModel, pi: np.ndarray, gamma: float) -> np.ndarray | None:
    """(S,) the exact v_pi: the Bellman equation for v_pi (eq. 4.4) solved as the linear system
    (I - gamma P_pi) v = r_pi over the non-terminal open cells; None where it has no unique
    finite solution (with gamma = 1, pi can wander forever) or the level is too big for it."""
    if model.n_states > TRUE_VALUES_STATES:
        return None
    return solve_policy_system(model, pi, (pi * model.R).sum(axis=1), gamma)


@dataclass(frozen=True)
class PredictionConfig:
    """The hyperparameters every prediction agent has; each agent's Config extends it."""

    alpha: float = hp(0.1, "step size alpha", low=0.0, high=1.0, low_open=True)
    policy: str = hp("uniform", POLICY_HELP, takes=POLICY_TAKES)
    # Example 6.2 starts from V(s) = 0.5, halfway between the two exits' values.
    v0: float = hp(0.0, "initial V(s) of every non-terminal state (Example 6.2: 0.5)")
    gamma: float | None = hp(None, "discount gamma; none = the level's", low=0.0, high=1.0, optional=True)


@dataclass(frozen=True)
class BatchConfig:
    """Batch updating (§6.3), for the agents that offer it: list it before PredictionConfig."""

    batch: bool = hp(False, "batch updating (§6.3): after each episode, replay every step so far until V converges")
    theta: float = hp(1e-10, "batch: stop replaying when a pass changes no V(s) by theta or more",
                      low=0.0, low_open=True)  # fmt: skip
    max_passes: int = hp(10_000, "batch: safety cap on the passes after one episode", low=1)


#: A batch's bootstrapping steps s -> s' as three aligned arrays: s, s', and how many there were.
Bootstraps = tuple[np.ndarray, np.ndarray, np.ndarray]


def summed_increments(V: np.ndarray, n: np.ndarray, b: np.ndarray, gamma: float,
                      bootstraps: Bootstraps | None) -> np.ndarray:  # fmt: skip
    """(S,) one pass of batch updating with V held fixed: for every state s the increments
    target_t - V(S_t) of all the stored steps with S_t = s, summed. The sum is linear in V,

        sum_{t: S_t = s} [target_t - V(s)] = b(s) + gamma sum_s' c(s, s') V(s') - n(s) V(s),

    so the steps enter only through n(s), the steps from s that count, b(s), what their targets
    add up to apart from V, and c(s, s'), how many of them bootstrap from V(s'). For TD(0)
    (eq. 6.2's target R + gamma V(S')) b(s) sums the rewards and c counts the steps s -> s' into
    a non-terminal s'; for Monte Carlo (eq. 6.1's target G_t) b(s) sums the returns and there is
    no c. n and c are the counts of the maximum-likelihood model of the data, r(s) = b(s)/n(s) and
    p(s'|s) = c(s, s')/n(s): the sum is zero where V solves that model's Bellman equation (eq.
    4.4), which is why batch TD(0) converges to the certainty-equivalence estimate (§6.3).
    """
    total = b - n * V
    if bootstraps is not None:
        s, s_next, c = bootstraps
        total += gamma * np.bincount(s, weights=c * V[s_next], minlength=V.size)
    return total


class TabularPrediction(TabularEpisodes):
    """Learns V ~ v_pi of the fixed policy pi on a gridworld, from episodes that follow pi.

    Config is a :class:`PredictionConfig`. V(terminal) = 0 always; walls are never visited.
    """

    diagnostics = {
        "rms_error": ("RMS error vs true v_π", "root mean square over the open cells of V(s) - v_π(s) at the end of "
                      "each episode, against the exact v_π of the model (Figure 6.2's y-axis)",
                      "sqrt( mean_s ( V(s) - v_π(s) )² )"),
    }  # fmt: skip

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.pi = evaluated_policy(self.config.policy, self.env.model)
        self.V = np.where(self.inactive, 0.0, self.config.v0)
        #: The exact v_pi the estimate is learning (None: none unique, or the level is too big).
        self.v_pi = true_values(self.env.model, self.pi, self.gamma)

    def step(self) -> Event:
        """One step by pi and its update; at an episode's end also ``info["rms_error"]``."""
        event = super().step()
        rms = self.rms_error() if event.done else None
        if rms is not None:
            event.info["rms_error"] = rms
        return event

    def rms_error(self) -> float | None:
        """sqrt(mean over the open cells of (V(s) - v_pi(s))^2), Figure 6.2's measure; None
        without an exact v_pi."""
        if self.v_pi is None:
            return None
        open_cells = ~self.inactive
        return float(np.sqrt(np.mean((self.V[open_cells] - self.v_pi[open_cells]) ** 2)))

    @property
    def inactive(self) -> np.ndarray:
        """(S,) terminal states and walls: V = 0 there, never updated."""
        return self.env.model.terminal | self.env.model.wall

    def rebuild_environment(self) -> None:
        """A new env and pi (``moves`` depends on the walls) for the edited level; V is kept
        except where a cell became a wall or terminal (0 there). The episode starts anew."""
        self.env = GridWorldEnv(self.level)
        self.env.reset(seed=int(self.rng.integers(2**31)))
        self.pi = evaluated_policy(self.config.policy, self.env.model)
        self.V[self.inactive] = 0.0
        self.s = None

    def choose(self, s: int) -> int:
        """A ~ pi(.|S): the policy being evaluated."""
        return int(self.rng.choice(self.n_actions, p=self.pi[s]))

    def move_value(self, s: int, target: float, step_size: float, equation: str, **terms: Any) -> Event:
        """V(s) <- V(s) + step_size [target - V(s)], the update every agent here makes with its
        own target (eq. 6.1's G_t, eq. 6.2's R + gamma V(S'), eq. 7.2's G_t:t+n); ``terms`` are
        the agent's own numbers for the inspector."""
        v_old = float(self.V[s])
        error = target - v_old
        self.V[s] = v_old + step_size * error
        backup = {"s": s, **terms, "alpha": step_size, "gamma": self.gamma, "V_old": v_old,
                  "target": target, "td_error": error, "V_new": float(self.V[s])}  # fmt: skip
        return Event(unit="step", td_error=error, changed=np.array([s]), equation=equation, backup=backup)

    def replay(self, n: np.ndarray, b: np.ndarray, bootstraps: Bootstraps | None, s: int, equation: str) -> Event:
        """Batch updating (§6.3): pass after pass over every step stored so far, each pass adding
        step x :func:`summed_increments` to V (V held fixed within the pass: the value function
        "changed only once, by the sum of all the increments"), until a pass changes no V(s) by
        theta or more, or after max_passes; the Event is that of state ``s`` (the episode's S_0).

        The step is alpha as long as alpha n(s) <= 1 for every s (``alpha: none``: each state's
        own 1/n(s), the sample average of Monte Carlo's box). The book asks for "alpha
        sufficiently small" that the passes converge: a larger alpha is lowered to 1/max_s n(s),
        with which no pass overshoots. Where the passes stop does not depend on the step (the
        sums are zero there), only how many it takes.
        """
        c = self.config
        learning = (n > 0) & ~self.inactive  # no data, or a terminal state or wall: V stays
        if c.alpha is None:
            step = np.where(learning, 1.0 / np.maximum(n, 1), 0.0)
        else:
            step = np.where(learning, min(c.alpha, 1.0 / max(float(n.max()), 1.0)), 0.0)
        V_old, converged = self.V.copy(), False
        for passes in range(1, c.max_passes + 1):
            change = step * summed_increments(self.V, n, b, self.gamma, bootstraps)
            self.V += change
            if np.abs(change).max() < c.theta:
                converged = True
                break
        # The mean target of the steps from s, at the final V: where V(s) stops when converged.
        target = float(self.V[s] + summed_increments(self.V, n, b, self.gamma, bootstraps)[s] / max(n[s], 1))
        backup = {"s": s, "N": float(n[s]), "alpha": float(step[s]), "gamma": self.gamma, "V_old": float(V_old[s]),
                  "target": target, "td_error": target - float(V_old[s]), "V_new": float(self.V[s]),
                  "passes": passes, "converged": converged}  # fmt: skip
        return Event(unit="step", td_error=backup["td_error"], changed=np.flatnonzero(self.V != V_old),
                     equation=equation, backup=backup, info={"batch_passes": passes})  # fmt: skip

    def insight(self) -> Insight:
        """V the estimate, pi the policy evaluated; no action values are learnt (Q = NaN)."""
        return Insight(
            V=np.where(self.inactive, 0.0, self.V), Q=np.full(self.pi.shape, np.nan), pi=self.pi.copy(),
            visits=self.visits.copy(), extras={"episodes": self.episodes_done, "v_pi": self.v_pi},
        )  # fmt: skip

    def _learned(self) -> dict[str, Any]:
        return {"V": self.V, "visits": self.visits, "episodes_done": self.episodes_done}


class EpisodeEndPrediction(TabularPrediction):
    """A prediction agent that learns nothing before the episode ends (Monte Carlo, §5.1; the
    offline lambda-return, §12.1): it holds the episode's (S_t, R_t+1) and learns from all of
    it at the step that ends it, in :meth:`learn_episode`. ``update()`` is a whole episode."""

    learns_at_episode_end = True
    #: The agent a level with episodes too long to hold is sent to instead: one that learns online.
    online_instead = "td-prediction"
    #: What the inspector says at the steps before the end.
    waiting = "the updates of V wait for the end of the episode"

    @classmethod
    def resource_limit(cls, level: Level, config: Any) -> str | None:
        """The episode is held until it ends: at most MAX_HELD_STEPS steps of it."""
        return held_steps_limit(cls.name, 1, level.max_steps, (
            f"Give the level a shorter time limit (dynamics: max_steps: {MAX_HELD_STEPS:,} or less), "
            f"or use {cls.online_instead}, which learns at every step."))  # fmt: skip

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.trajectory: list[tuple[int, float]] = []  # (S_t, R_t+1) so far

    def begin_episode(self, s: int) -> None:
        """An episode cut short (a live edit) leaves no steps behind."""
        self.trajectory = []

    def learn(self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool) -> Event:
        self.trajectory.append((s, r))
        if terminated or truncated:
            trajectory, self.trajectory = self.trajectory, []
            return self.learn_episode(trajectory, s_next, terminated)
        return Event(unit="step", changed=np.zeros(0, dtype=np.int64), equation=self.waiting,
                     backup={"t": len(self.trajectory) - 1, "s": s, "a": a, "r": r, "s_next": s_next})  # fmt: skip

    def learn_episode(self, trajectory: list[tuple[int, float]], s_last: int, terminated: bool) -> Event:
        """Learn from the finished episode (S_0, R_1), ..., (S_T-1, R_T) that reached ``s_last``
        (S_T; a time limit if not ``terminated``); the Event of all its updates (see
        :meth:`episode_event`)."""
        raise NotImplementedError

    @staticmethod
    def episode_event(updates: list[Event], T: int) -> Event:
        """One Event for an episode's updates (:meth:`move_value`'s, in the order made): the
        last one's, with every state changed and ``backup["updates"]`` each update's backup."""
        event = updates[-1]
        event.changed = np.unique([u.backup["s"] for u in updates])
        event.backup = {**event.backup, "T": T, "updates": [u.backup for u in updates]}
        return event
