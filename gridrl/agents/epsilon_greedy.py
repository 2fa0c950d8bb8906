"""Epsilon-greedy action-value method (Sutton & Barto §2.2-2.6, eq. 2.3 and 2.5).

    A simple bandit algorithm (§2.4)
    1  Initialize, for a = 1 to k:
    2      Q(a) <- 0                     (here: Q(a) <- initial, §2.6)
    3      N(a) <- 0
    4  Loop forever:
    5      A <- argmax_a Q(a)  with probability 1 - epsilon (breaking ties randomly)
                a random action  with probability epsilon
    6      R <- bandit(A)
    7      N(A) <- N(A) + 1
    8      Q(A) <- Q(A) + 1/N(A) [R - Q(A)]    (here: alpha instead of 1/N(A) if alpha is set)

Three knobs, three lessons of the chapter: ``epsilon`` trades exploring for exploiting
(Figure 2.2: greedy gets stuck near 1.0, epsilon = 0.1 reaches about 1.4); a constant
``alpha`` tracks arms whose values drift (§2.5, eq. 2.5); an optimistic ``initial`` value
makes even a greedy agent try every arm early on (§2.6, Figure 2.3).

All ``runs`` rows are stepped at once (see :mod:`gridrl.agents.common.bandit`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import hp
from gridrl.agents.common.bandit import BanditAgent, argmax_random_ties
from gridrl.agents.common.exploration import epsilon_greedy_probs


@dataclass(frozen=True)
class Config:
    epsilon: float = hp(0.1, "exploration: probability of pulling a random arm", low=0.0, high=1.0)
    alpha: float | None = hp(
        None, "constant step size alpha (eq. 2.5); none = sample average 1/N(a) (eq. 2.3)",
        low=0.0, high=1.0, low_open=True, optional=True,
    )  # fmt: skip
    initial: float = hp(0.0, "initial estimate Q_1(a); high values are optimistic (§2.6)",
                        low=-100.0, high=100.0)  # fmt: skip


class EpsilonGreedy(BanditAgent):
    name = "epsilon-greedy"
    Config = Config
    summary = "estimate each arm's value, pull the best, explore at random with probability epsilon"

    def initial_Q(self) -> float:
        return self.config.initial  # line 2

    def select(self) -> np.ndarray:
        greedy = argmax_random_ties(self.rng, self.Q)  # line 5: argmax_a Q(a), ties at random
        explore = self.rng.random(self.runs) < self.config.epsilon
        random_arm = self.rng.integers(self.k, size=self.runs)
        return np.where(explore, random_arm, greedy)

    def learn(self, a: np.ndarray, r: np.ndarray) -> dict[str, Any]:
        Q_old, step, Q_new = self.incremental_update(a, r, self.config.alpha)  # line 8
        return {"a": int(a[0]), "r": float(r[0]), "N_a": int(self.N[0, a[0]]), "Q_old": Q_old,
                "step_size": step, "error": float(r[0]) - Q_old, "Q_new": Q_new}  # fmt: skip

    @property
    def equation(self) -> str:
        step = "1/N(A)" if self.config.alpha is None else "alpha"
        return f"Q(A) <- Q(A) + {step} [R - Q(A)]"

    def policy(self) -> np.ndarray:
        """epsilon/k on every arm plus 1 - epsilon split evenly among the greedy arms."""
        return epsilon_greedy_probs(self.Q[:1], self.config.epsilon)

    def agent_extras(self) -> dict[str, Any]:
        return {"epsilon": self.config.epsilon}
