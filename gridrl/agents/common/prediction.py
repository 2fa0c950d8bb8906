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
(:meth:`TabularPrediction.move_value` makes one).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gridrl.agents.base import Event, HyperparameterError, Insight, hp
from gridrl.agents.common.exploration import greedy_probs
from gridrl.agents.common.tabular import TabularEpisodes
from gridrl.envs import GridWorldEnv, TabularModel
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
    active = ~(model.terminal | model.wall)
    if model.n_states > TRUE_VALUES_STATES or not active.any():
        return None
    P_pi = np.einsum("sa,sat->st", pi, model.P)[np.ix_(active, active)]
    r_pi = (pi * model.R).sum(axis=1)[active]
    try:
        v_active = np.linalg.solve(np.eye(int(active.sum())) - gamma * P_pi, r_pi)
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(v_active)) or np.abs(v_active).max() > 1e12:
        return None
    v = np.zeros(model.n_states)
    v[active] = v_active
    return v


@dataclass(frozen=True)
class PredictionConfig:
    """The hyperparameters every prediction agent has; each agent's Config extends it."""

    alpha: float = hp(0.1, "step size alpha", low=0.0, high=1.0, low_open=True)
    policy: str = hp("uniform", POLICY_HELP, takes=POLICY_TAKES)
    # Example 6.2 starts from V(s) = 0.5, halfway between the two exits' values.
    v0: float = hp(0.0, "initial V(s) of every non-terminal state (Example 6.2: 0.5)")
    gamma: float | None = hp(None, "discount gamma; none = the level's", low=0.0, high=1.0, optional=True)


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

    def insight(self) -> Insight:
        """V the estimate, pi the policy evaluated; no action values are learnt (Q = NaN)."""
        return Insight(
            V=np.where(self.inactive, 0.0, self.V), Q=np.full(self.pi.shape, np.nan), pi=self.pi.copy(),
            visits=self.visits.copy(), extras={"episodes": self.episodes_done, "v_pi": self.v_pi},
        )  # fmt: skip

    def _learned(self) -> dict[str, Any]:
        return {"V": self.V, "visits": self.visits, "episodes_done": self.episodes_done}
