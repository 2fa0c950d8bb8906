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
Figure 4.1), uniform over the moves that don't bump (``policy="moves"``: the random walk of
Examples 6.2 and 7.1, whose v_pi the prediction agents learn), or the greedy policy of the Q
table in a ``snapshot.json`` written by ``gridrl train`` (ties split evenly), so a student
can ask "what is my trained agent's greedy policy actually worth?". With ``in_place=False``
(the default) a sweep uses two arrays, and sweep k gives Figure 4.1's V_k exactly.

A policy that never reaches a terminal state has no finite value when gamma = 1: the values
fall by a step reward every sweep. ``max_sweeps`` stops that, and the Event says
``converged: False``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import hp
from gridrl.agents.common.dp import DPConfig, Cells, DynamicProgramming
from gridrl.agents.common.prediction import POLICY_HELP, POLICY_TAKES, evaluated_policy
from gridrl.levels import Level


@dataclass(frozen=True)
class Config(DPConfig):
    """Policy evaluation's hyperparameters: the policy to evaluate, and those of every DP agent."""

    policy: str = hp("uniform", POLICY_HELP, takes=POLICY_TAKES)


class PolicyEvaluation(DynamicProgramming):
    name = "policy-evaluation"
    Config = Config
    summary = "sweeps the Bellman expectation backup: V converges to v_pi of a fixed policy"
    equation = "V(s) <- sum_a pi(a|s) sum_s' p(s'|s,a) [r + gamma V(s')]"

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.pi = evaluated_policy(self.config.policy, self.model)  # line 1
        self.pi_T = np.ascontiguousarray(self.pi.T)  # (A, S), laid out like the backups

    def combine(self, q: np.ndarray, cells: Cells, out: np.ndarray | None = None) -> np.ndarray:
        """Line 8 (eq. 4.5): V(s) <- sum_a pi(a|s) q(s, a)."""
        return np.einsum("an,an->n", self.pi_T[:, cells], q, out=out)

    def policy(self) -> np.ndarray:
        """The policy being evaluated."""
        return self.pi.copy()

    def choice(self, s: int, q: np.ndarray) -> dict[str, Any]:
        return {"pi": self.pi[s].tolist()}
