"""Upper-Confidence-Bound action selection (Sutton & Barto §2.7, eq. 2.10).

    UCB action selection (§2.7)
    1  Initialize, for a = 1 to k:  Q(a) <- 0,  N(a) <- 0
    2  Loop for t = 1, 2, ...:
    3      if some arm has N(a) = 0:  A_t <- such an arm (ties at random)
    4      else:  A_t <- argmax_a [ Q(a) + c sqrt(ln t / N(a)) ]    (eq. 2.10, ties at random)
    5      R_t <- bandit(A_t)
    6      N(A_t) <- N(A_t) + 1
    7      Q(A_t) <- Q(A_t) + 1/N(A_t) [R_t - Q(A_t)]    (or alpha instead of 1/N, eq. 2.5)

The square root is the uncertainty of Q(a): it shrinks each time a is pulled (N(a) grows)
and creeps up while a is left alone (ln t grows), so every arm gets pulled again
eventually, but ever more rarely if its estimate stays low. "If N_t(a) = 0, then a is
considered to be a maximizing action" (the book): untried arms come first. ``c`` sets the
width of the confidence bound; c = 0 is plain greedy after every arm was tried once.
Figure 2.4: UCB with c = 2 beats epsilon-greedy with epsilon = 0.1 on the testbed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import hp
from gridrl.agents.common.bandit import BanditAgent, argmax_random_ties
from gridrl.agents.common.exploration import greedy_probs


@dataclass(frozen=True)
class Config:
    c: float = hp(2.0, "exploration: width c of the confidence bound c sqrt(ln t / N(a))",
                  low=0.0, high=10.0)  # fmt: skip
    alpha: float | None = hp(
        None, "constant step size alpha (eq. 2.5); none = sample average 1/N(a) (eq. 2.3)",
        low=0.0, high=1.0, low_open=True, optional=True,
    )  # fmt: skip


class UCB(BanditAgent):
    name = "ucb"
    Config = Config
    summary = "pull the arm whose value could plausibly be highest: optimism under uncertainty"

    def bonus(self, t: np.ndarray, N: np.ndarray) -> np.ndarray:
        """c sqrt(ln t / N(a)) for arms (runs, k) at times t (runs, 1); +inf where N(a) = 0."""
        with np.errstate(divide="ignore", invalid="ignore"):
            U = self.config.c * np.sqrt(np.log(t) / N)
        return np.where(N == 0, np.inf, U)

    def scores(self, t: np.ndarray, Q: np.ndarray, N: np.ndarray) -> np.ndarray:
        """Q(a) + c sqrt(ln t / N(a)), +inf for untried arms (line 3: they are maximizing)."""
        return np.where(N == 0, np.inf, Q + self.bonus(t, N))

    def select(self) -> np.ndarray:
        t = (self.t + 1)[:, None]  # this pull is the t-th of the run, t = 1, 2, ...
        score = self.scores(t, self.Q, self.N)
        a = argmax_random_ties(self.rng, score)  # lines 3-4
        # Run 0's numbers at selection time, for the inspector's backup.
        self._selected = {"t": int(t[0, 0]), "ln_t": float(np.log(t[0, 0])),
                          "N_a_before": int(self.N[0, a[0]]),
                          "bonus": float(self.bonus(t[0, 0], self.N[0, a[0]])),
                          "score": float(score[0, a[0]])}  # fmt: skip
        return a

    def learn(self, a: np.ndarray, r: np.ndarray) -> dict[str, Any]:
        Q_old, step, Q_new = self.incremental_update(a, r, self.config.alpha)  # lines 6-7
        return {"a": int(a[0]), "r": float(r[0]), "c": self.config.c, **self._selected,
                "Q_old": Q_old, "step_size": step, "error": float(r[0]) - Q_old,
                "Q_new": Q_new}  # fmt: skip

    @property
    def equation(self) -> str:
        step = "1/N(A)" if self.config.alpha is None else "alpha"
        return f"A = argmax_a [Q(a) + c sqrt(ln t / N(a))];  Q(A) <- Q(A) + {step} [R - Q(A)]"

    def policy(self) -> np.ndarray:
        """UCB is deterministic given Q, N and t: all mass on the arm with the highest bound at
        the next pull, split evenly between tied arms (e.g. the untried ones)."""
        t = np.array([[self.t[0] + 1]])
        return greedy_probs(self.scores(t, self.Q[:1], self.N[:1]))

    def agent_extras(self) -> dict[str, Any]:
        """Run 0's bonus and upper confidence bound Q(a) + c sqrt(ln t / N(a)) at its next pull
        (t counts that pull), the numbers the arms chart draws as whiskers; +inf if untried."""
        t = np.array([[self.t[0] + 1]])
        return {"ucb_bonus": self.bonus(t, self.N[:1])[0], "ucb_bound": self.scores(t, self.Q[:1], self.N[:1])[0],
                "c": self.config.c}  # fmt: skip
