"""Iterative policy evaluation: the Bellman expectation equation as an update (Sutton & Barto §4.1).

    Iterative Policy Evaluation, for estimating V ~ v_pi
    1  Input pi, the policy to be evaluated
    2  Algorithm parameter: a small threshold theta > 0 determining accuracy of estimation
    3  Initialize V(s), for all s in S+, arbitrarily except that V(terminal) = 0
    4  Loop:
    5      Delta <- 0
    6      Loop for each s in S:
    7          v <- V(s)
    8          V(s) <- sum_a pi(a|s) sum_{s',r} p(s',r|s,a) [r + gamma V(s')]     (eq. 4.5)
    9          Delta <- max(Delta, |v - V(s)|)
    10 until Delta < theta

The policy (line 1) is the equiprobable random one (``policy="uniform"``, Example 4.1 and
Figure 4.1) or the greedy policy of the Q table in a ``snapshot.json`` written by
``gridrl train`` (ties split evenly), so a student can ask "what is my trained agent's greedy
policy actually worth?". With ``in_place=False`` (the default) a sweep uses two arrays, and
sweep k gives Figure 4.1's V_k exactly.

A policy that never reaches a terminal state has no finite value when gamma = 1: the values
fall by a step reward every sweep. ``max_sweeps`` stops that, and the Event says
``converged: False``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from gridrl.agents.base import HyperparameterError, hp
from gridrl.agents.common.dp import DPConfig, Cells, DynamicProgramming
from gridrl.agents.common.exploration import greedy_probs
from gridrl.envs import TabularModel
from gridrl.levels import Level


@dataclass(frozen=True)
class Config(DPConfig):
    """Policy evaluation's hyperparameters: the policy to evaluate, and those of every DP agent."""

    policy: str = hp(
        "uniform", "'uniform' (equiprobable), or a snapshot.json path: the greedy policy of its Q",
        takes="uniform, or a snapshot.json path",
    )


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
            f"policy must be 'uniform' or the path of {expected}; no file '{path}'"
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


class PolicyEvaluation(DynamicProgramming):
    name = "policy-evaluation"
    Config = Config
    summary = "sweeps the Bellman expectation backup: V converges to v_pi of a fixed policy"
    equation = "V(s) <- sum_a pi(a|s) sum_s' p(s'|s,a) [r + gamma V(s')]"

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        if self.config.policy == "uniform":
            self.pi = np.full((self.n_states, self.n_actions), 1.0 / self.n_actions)  # line 1
        else:
            self.pi = snapshot_policy(self.config.policy, self.model)
        self.pi_T = np.ascontiguousarray(self.pi.T)  # (A, S), laid out like the backups

    def combine(self, q: np.ndarray, cells: Cells, out: np.ndarray | None = None) -> np.ndarray:
        """Line 8 (eq. 4.5): V(s) <- sum_a pi(a|s) q(s, a)."""
        return np.einsum("an,an->n", self.pi_T[:, cells], q, out=out)

    def policy(self) -> np.ndarray:
        """The policy being evaluated."""
        return self.pi.copy()

    def choice(self, s: int, q: np.ndarray) -> dict[str, Any]:
        return {"pi": self.pi[s].tolist()}
