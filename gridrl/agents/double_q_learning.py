"""Double Q-learning: two tables against maximization bias (Sutton & Barto §6.7, eq. 6.10).

    Double Q-learning, for estimating Q1 ~ Q2 ~ q*
    1  Initialize Q1(s, a) = Q2(s, a) = 0 for all s, a (and Q(terminal, .) = 0)
    2  Loop for each episode:
    3      Initialize S
    4      Loop for each step of episode:
    5          Choose A from S using the policy epsilon-greedy in Q1 + Q2
    6          Take action A, observe R, S'
    7          With 0.5 probability:
    8              Q1(S, A) <- Q1(S, A) + alpha [R + gamma Q2(S', argmax_a Q1(S', a)) - Q1(S, A)]
    9          else:
    10             Q2(S, A) <- Q2(S, A) + alpha [R + gamma Q1(S', argmax_a Q2(S', a)) - Q2(S, A)]
    11         S <- S'
    12     until S is terminal

Q-learning's target max_a Q(S', a) picks the action and values it with the same noisy
estimates, so it is biased upwards: the maximum of estimates overshoots the maximum of the
true values (Example 6.7). Here one table picks the action and the other, learnt from other
samples, values it: an unbiased estimate of that action's value.

``Q`` (what the app shows, and what epsilon-greedy in line 5 reads) is (Q1 + Q2) / 2: the
same greedy actions and ties as Q1 + Q2 (halving is exact in floating point), on the scale
of one estimate of q*.

Exploration. The default epsilon is 0.5, not the other control agents' 0.1. Each table learns
from half the steps, and line 8 values Q1's choice by Q2: where Q1 has not yet tried an action
(Q1 = 0, optimistic when rewards are negative) but Q2 has paid for it (the cliff's -100), the
target is far too low, the greedy policy then keeps away from that state, and at epsilon 0.1
the estimates there are almost never corrected (the cliff's edge row stays at -60 to -100
against q* = -10 after 200,000 steps). Double Q-learning is off-policy, so the greedy policy it
learns does not pay for wider exploration: at 0.5 it solves cliff_walking, trap_maze and the
rest on five seeds (bench/defaults_matrix.py; Frozen Lake 8x8 with its recommended alpha).
Figure 6.5 sets its own 0.1.

A time limit is not a terminal state: on truncation the target still bootstraps; only a
termination makes it R alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import Event, Insight, hp
from gridrl.agents.common.tabular import TabularControl, TabularControlConfig
from gridrl.levels import Level


@dataclass(frozen=True)
class Config(TabularControlConfig):
    """Double Q-learning's hyperparameters: step size alpha, epsilon-greedy exploration, gamma."""

    epsilon: float = hp(0.5, "exploration: probability of a random action (0.5: see the module docstring)",
                        low=0.0, high=1.0)  # fmt: skip


class DoubleQLearning(TabularControl):
    name = "double-q-learning"
    Config = Config
    summary = "Q-learning with two tables, one picking the action and one valuing it: no maximization bias"
    greedy_values = True

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.Q1 = self.Q.copy()
        self.Q2 = self.Q.copy()

    def forget(self, cells: np.ndarray) -> None:
        super().forget(cells)
        self.Q1[cells] = 0.0
        self.Q2[cells] = 0.0

    def learn(
        self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool
    ) -> Event:
        if self.rng.random() < 0.5:  # line 7
            event = self._update(1, self.Q1, self.Q2, s, a, r, s_next, terminated)  # line 8
        else:
            event = self._update(2, self.Q2, self.Q1, s, a, r, s_next, terminated)  # line 10
        self.Q[s, a] = (self.Q1[s, a] + self.Q2[s, a]) / 2
        return event

    def _update(
        self, which: int, table: np.ndarray, other: np.ndarray, s: int, a: int, r: float, s_next: int,
        terminated: bool,
    ) -> Event:  # fmt: skip
        """Line 8 (or 10): ``table`` picks A* = argmax_a table(S', a), ``other`` values it.
        Ties go to the lowest action: any rule that does not look at ``other`` keeps its value
        of A* unbiased. A time limit is not a terminal state: only a termination drops it."""
        a_star = int(np.argmax(table[s_next]))
        next_value = 0.0 if terminated else float(other[s_next, a_star])
        q_old = float(table[s, a])
        target = r + self.gamma * next_value
        td_error = target - q_old
        table[s, a] = q_old + self.config.alpha * td_error
        other_name = f"Q{3 - which}"
        backup = {"s": s, "a": a, "r": r, "s_next": s_next, "alpha": self.config.alpha, "gamma": self.gamma,
                  "table": f"Q{which}", "a_star": a_star, "Q_next": next_value, "Q_old": q_old,
                  "target": target, "td_error": td_error, "Q_new": float(table[s, a])}  # fmt: skip
        equation = (f"Q{which}(s,a) <- Q{which}(s,a) + alpha [r + gamma {other_name}(s', argmax_a "
                    f"Q{which}(s',a)) - Q{which}(s,a)]")  # fmt: skip
        return Event(unit="step", td_error=td_error, changed=np.array([s]), equation=equation, backup=backup)

    def insight(self) -> Insight:
        """Q = (Q1 + Q2) / 2 (see the module docstring), and each table apart."""
        insight = super().insight()
        insight.extras.update(Q1=self.Q1.copy(), Q2=self.Q2.copy())
        return insight

    def _learned(self) -> dict[str, Any]:
        return {**super()._learned(), "Q1": self.Q1, "Q2": self.Q2}
