"""Gradient bandit algorithm (Sutton & Barto §2.8, eq. 2.11 and 2.12).

    Gradient bandit (§2.8)
    1  Initialize, for a = 1 to k:  H(a) <- 0                 (all arms equally likely)
    2  Loop for t = 1, 2, ...:
    3      pi(a) <- e^H(a) / sum_b e^H(b)   for all a          (eq. 2.11, soft-max)
    4      A_t ~ pi
    5      R_t <- bandit(A_t)
    6      R̄_t <- average of R_1 ... R_{t-1},  R̄_1 = R_1     (baseline; 0 without one)
    7      H(A_t) <- H(A_t) + alpha (R_t - R̄_t)(1 - pi(A_t))   (eq. 2.12)
    8      H(a)   <- H(a)   - alpha (R_t - R̄_t) pi(a)          for all a != A_t

No action values: the agent learns preferences H(a), and only their differences matter.
A reward above the baseline makes the pulled arm more likely and all others less.

This is REINFORCE on a one-state problem: a policy-gradient method with the soft-max
policy pi_theta(a) = softmax(H)(a), parameters theta = H. The gradient of log pi(A_t)
with respect to H(a) is 1{a = A_t} - pi(a), so lines 7-8 are the single update
H <- H + alpha (R_t - b) grad_H log pi(A_t), stochastic gradient ascent on
E[R_t] = sum_a pi(a) q*(a) (the book's proof in §2.8). The baseline b = R̄_t is the
course notes' variance-reducing baseline: it does not depend on A_t, so it leaves the
expected update unchanged, but it lowers its variance. Figure 2.5 shows why it matters:
with true values near +4, every reward is positive, so without a baseline each pull
pushes the pulled arm up, good or bad, and learning crawls (about 30% optimal after 1000
steps against about 80% with the baseline).

The baseline follows the book's definition (2nd edition, §2.8): "R̄_t is the average of
the rewards up to but not including time t (with R̄_1 = R_1)", computed incrementally
(§2.4). (Drafts of the book said "up through and including time t": one reward more.)
``baseline=False`` sets R̄_t = 0. Q shown in :meth:`insight` is the sample average of each
arm's rewards, kept for display only: the policy never reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import hp
from gridrl.agents.common.bandit import BanditAgent, flat, run_arrays, softmax


@dataclass(frozen=True)
class Config:
    alpha: float = hp(0.1, "step size alpha of the preference update (eq. 2.12)",
                      low=0.0, high=10.0, low_open=True)  # fmt: skip
    baseline: bool = hp(True, "subtract the average reward R̄_t from R_t (variance-reducing baseline)")


class GradientBandit(BanditAgent):
    name = "gradient-bandit"
    Config = Config
    summary = "learn preferences H(a), pull by soft-max: REINFORCE on a one-state problem"

    def init_state(self) -> None:
        self.H = run_arrays(self.runs, self.k)  # preferences H(a)
        self.R_bar = np.zeros(self.runs)  # average of the rewards so far in the run

    def reset_runs(self, rows: np.ndarray) -> None:
        super().reset_runs(rows)
        self.H[rows] = 0.0  # line 1
        self.R_bar[rows] = 0.0

    def select(self) -> np.ndarray:
        self.pi = softmax(self.H)  # line 3
        # line 4: A_t ~ pi, by inverting the cumulative distribution at one uniform per run
        cdf = np.cumsum(self.pi, axis=1)
        u = self.rng.random((self.runs, 1))
        return np.minimum(np.count_nonzero(u >= cdf, axis=1), self.k - 1)

    def learn(self, a: np.ndarray, r: np.ndarray) -> dict[str, Any]:
        alpha, pi = self.config.alpha, self.pi
        first = self.t == 1  # t already counts this pull
        if self.config.baseline:
            baseline = np.where(first, r, self.R_bar)  # line 6: R̄_t, with R̄_1 = R_1
        else:
            baseline = np.zeros(self.runs)
        H_old = float(self.H[0, a[0]])
        # lines 7-8 at once: H(a) <- H(a) + alpha (R_t - R̄_t) (1{a = A_t} - pi(a)) for all a
        step = alpha * (r - baseline)
        self.H -= step[:, None] * pi
        flat(self.H)[self.pulled] += step  # H[i, A_t] for every run i
        # R̄_{t+1} = R̄_t + (R_t - R̄_t) / t: the average now includes R_t, for the next pull
        self.R_bar = np.where(first, r, self.R_bar + (r - self.R_bar) / self.t)
        Q_old, step, Q_new = self.incremental_update(a, r, None)  # display only
        return {"a": int(a[0]), "r": float(r[0]), "alpha": alpha, "baseline": float(baseline[0]),
                "error": float(r[0] - baseline[0]), "pi": pi[0].copy(), "pi_a": float(pi[0, a[0]]),
                "H_old": H_old, "H_new": float(self.H[0, a[0]]), "H": self.H[0].copy(),
                "Q_old": Q_old, "step_size": step, "Q_new": Q_new}  # fmt: skip

    @property
    def equation(self) -> str:
        b = "R̄" if self.config.baseline else "0"
        return (f"H(A) <- H(A) + alpha (R - {b})(1 - pi(A));  "
                f"H(a) <- H(a) - alpha (R - {b}) pi(a) for a != A")  # fmt: skip

    def policy(self) -> np.ndarray:
        return softmax(self.H[:1])

    def agent_extras(self) -> dict[str, Any]:
        return {"preferences": self.H[0].copy(), "baseline": float(self.R_bar[0]),
                "uses_baseline": self.config.baseline}  # fmt: skip

    def _learned(self) -> dict[str, Any]:
        return {**super()._learned(), "H": self.H, "R_bar": self.R_bar}
