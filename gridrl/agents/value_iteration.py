"""Value iteration: the Bellman optimality equation turned into an update (Sutton & Barto §4.4).

    Value Iteration, for estimating pi ~ pi*
    1  Algorithm parameter: a small threshold theta > 0 determining accuracy of estimation
    2  Initialize V(s), for all s in S+, arbitrarily except that V(terminal) = 0
    3  Loop:
    4      Delta <- 0
    5      Loop for each s in S:
    6          v <- V(s)
    7          V(s) <- max_a sum_{s',r} p(s',r|s,a) [r + gamma V(s')]          (eq. 4.10)
    8          Delta <- max(Delta, |v - V(s)|)
    9  until Delta < theta
    10 Output a deterministic policy pi ~ pi*, such that
    11     pi(s) = argmax_a sum_{s',r} p(s',r|s,a) [r + gamma V(s')]

Each sweep is one step of policy evaluation and one of improvement at once. The book's
pseudocode sweeps in place (line 7 overwrites V(s)); ``in_place=False`` (the default) uses
two arrays, so that sweep k shows exactly the values k steps of lookahead give. The output
policy (line 11) is :meth:`ValueIteration.policy`, greedy in q = r + gamma P V with ties
split evenly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.common.dp import DPConfig, Cells, DynamicProgramming
from gridrl.agents.common.exploration import greedy_probs


@dataclass(frozen=True)
class Config(DPConfig):
    """Value iteration's hyperparameters: those of every DP agent."""


class ValueIteration(DynamicProgramming):
    name = "value-iteration"
    Config = Config
    summary = "sweeps the Bellman optimality backup over the exact model: V converges to v*"
    equation = "V(s) <- max_a sum_s' p(s'|s,a) [r + gamma V(s')]"

    def combine(self, q: np.ndarray, cells: Cells, out: np.ndarray | None = None) -> np.ndarray:
        """Line 7 (eq. 4.10): V(s) <- max_a q(s, a)."""
        return np.maximum.reduce(q, axis=0, out=out)

    def policy(self) -> np.ndarray:
        """Line 11: greedy in q(s, a) = r(s, a) + gamma sum_s' p(s'|s,a) V(s'), ties split evenly."""
        return greedy_probs(self.model.q_from_v(self.V))

    def choice(self, s: int, q: np.ndarray) -> dict[str, Any]:
        return {"a": int(np.argmax(q)), "max_q": float(q.max())}
