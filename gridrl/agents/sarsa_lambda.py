"""Sarsa(lambda): Sarsa with eligibility traces (Sutton & Barto §12.7).

The book's box, "Sarsa(lambda) with binary features and linear function approximation",
with one feature per (s, a) (a one-hot table): the weights w are Q and F(S, A) = {(S, A)}.

    Sarsa(lambda) for estimating Q ~ q_pi or q*
    1  Initialize Q(s, a) = 0 for all s, a; z(s, a) = 0
    2  Loop for each episode:
    3      Initialize S
    4      Choose A ~ pi(.|S), epsilon-greedy with respect to Q
    5      z <- 0
    6      Loop for each step of episode:
    7          Take action A, observe R, S'
    8          delta <- R - Q(S, A)
    9          z(S, A) <- z(S, A) + 1   (accumulating traces)
    10         or z(S, A) <- 1          (replacing traces)
    11         If S' is terminal, then:
    12             Q <- Q + alpha delta z;  go to next episode
    13         Choose A' ~ pi(.|S'), epsilon-greedy with respect to Q
    14         delta <- delta + gamma Q(S', A')
    15         Q <- Q + alpha delta z
    16         z <- gamma lambda z
    17         S <- S'; A <- A'

One TD error updates every pair in proportion to its trace: a pair visited k steps ago has
z = (gamma lambda)^k, so the goal's reward reaches the whole path of the episode at once
(lambda = 1: like Monte Carlo), or just the last pair (lambda = 0: Sarsa exactly).

Lines 12, 15 and 16 touch only the pairs whose trace is not 0 (``active``, their flat
indices): the others would add alpha delta 0 = 0, and on a 256 x 256 grid the whole table
made a step cost 4 ms. One departure keeps that set short: a trace that decays below
``trace_floor`` is set to 0 (1e-12: after 240 steps at gamma 0.99, lambda 0.9). The book's
traces never reach 0 in floating point (gamma lambda times the smallest subnormal rounds back
up to it), so every pair ever visited in an episode would stay in the set: 1 ms a step on a
64 x 64 grid. ``trace_floor = 0`` is the book's algorithm.

Clearing traces (``trace: clearing``; Singh and Sutton 1996, the first edition's eq. 7.13):
on revisiting S, z(S, A) = 1 and the traces of S's other actions go to 0. A detour that came
back to S and then left it another way gets no credit for the reward that follows: with plain
replacing traces a loop S -> S' -> S earns both of its pairs a share of the goal's reward, and
the greedy policy can end up walking that loop (trap_maze, dyna_maze at the defaults).

Lines 8 and 14 are computed as delta = (R + gamma Q(S', A')) - Q(S, A), the order of Sarsa's
own update, so that lambda = 0 gives Sarsa's numbers to the last bit.

A time limit is not a terminal state: on truncation delta still takes line 14's
gamma Q(S', A'), with A' drawn from pi as Sarsa does; only a termination skips it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import Event, Insight, hp
from gridrl.agents.common.tabular import TabularControl
from gridrl.agents.sarsa import Config as SarsaConfig
from gridrl.agents.sarsa import Sarsa
from gridrl.levels import Level

EQUATION = "Q <- Q + alpha delta z,  delta = r + gamma Q(s',a') - Q(s,a),  then z <- gamma lambda z"


@dataclass(frozen=True)
class Config(SarsaConfig):
    """Sarsa's hyperparameters, lambda and the kind of trace."""

    # 0.9: the reward of one episode reaches about 1 / (1 - gamma lambda) pairs back (10 at
    # gamma = 1), visibly more than Sarsa's one, and Figure 12.10's best lambdas are near it.
    lam: float = hp(0.9, "lambda: trace decay per step, 0 = Sarsa, 1 = Monte Carlo-like", low=0.0, high=1.0)
    # Clearing: with accumulating traces a pair repeated in a loop (bumping into a wall) grows
    # z towards 1 / (1 - gamma lambda), and alpha z > 1 overshoots at the default alpha 0.5;
    # with replacing ones a detour that came back to S and left another way shares the reward,
    # and the greedy policy can end up walking it (trap_maze 2 of 5 seeds, clearing 4 of 5).
    trace: str = hp("clearing", "accumulating (z += 1, line 9), replacing (z = 1, line 10), or clearing "
                    "(z = 1 and the other actions' z in S = 0)",
                    choices=("accumulating", "replacing", "clearing"))  # fmt: skip
    trace_floor: float = hp(1e-12, "a trace decayed below this is set to 0; 0 = never, as in the book",
                            low=0.0, high=1.0)  # fmt: skip


class SarsaLambda(Sarsa):
    """Sarsa's action selection (A' chosen before the update, lines 4 and 13) with the
    trace update of lines 8-16 in place of the one-step one."""

    name = "sarsa-lambda"
    Config = Config
    summary = "Sarsa with eligibility traces: one TD error updates the whole recent path"

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.z = np.zeros_like(self.Q)  # eligibility traces z(s, a)
        self.active = np.zeros(0, dtype=np.int64)  # flat indices of the pairs with z != 0

    def begin_episode(self, s: int) -> None:
        super().begin_episode(s)  # line 4
        self.z[:] = 0.0  # line 5
        self.active = np.zeros(0, dtype=np.int64)

    def forget(self, cells: np.ndarray) -> None:
        """Also the traces there: a wall's Q must stay at 0."""
        super().forget(cells)
        self.z[cells] = 0.0
        rows, cols = np.divmod(self.active, self.n_actions)
        self.active = self.active[self.z[rows, cols] != 0.0]

    def learn(
        self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool
    ) -> Event:
        c, Q, z = self.config, self.Q, self.z
        if z[s, a] == 0.0:
            self.active = np.append(self.active, s * self.n_actions + a)
        if c.trace == "accumulating":
            z[s, a] += 1.0  # line 9
        else:
            if c.trace == "clearing":
                z[s] = 0.0  # the other actions of S: their pairs stay in ``active`` with z = 0
            z[s, a] = 1.0  # line 10
        # Line 13 (before line 11's test, as Sarsa does): a time limit is not a terminal state.
        a_next = None if terminated else TabularControl.choose(self, s_next)
        q_next = 0.0 if a_next is None else float(Q[s_next, a_next])  # line 14 (0 at a terminal)
        q_old = float(Q[s, a])
        target = r + self.gamma * q_next
        delta = target - q_old  # lines 8 and 14
        eligible, active = float(z[s, a]), self.active
        rows, cols = np.divmod(active, self.n_actions)
        Q[rows, cols] += (c.alpha * delta) * z[rows, cols]  # lines 12 and 15
        z[rows, cols] *= self.gamma * c.lam  # line 16
        kept = z[rows, cols] > c.trace_floor
        z[rows[~kept], cols[~kept]] = 0.0
        self.active = active[kept]
        self.a_next = None if (terminated or truncated) else a_next  # line 17
        backup = {"s": s, "a": a, "r": r, "s_next": s_next, "alpha": c.alpha, "gamma": self.gamma,
                  "lambda": c.lam, "a_next": a_next, "Q_next": q_next, "Q_old": q_old, "target": target,
                  "td_error": delta, "z": eligible, "Q_new": float(Q[s, a]), "pairs_updated": len(active)}  # fmt: skip
        changed = np.unique(rows)
        return Event(unit="step", td_error=delta, changed=changed, equation=EQUATION, backup=backup)

    def insight(self) -> Insight:
        """Also the traces z(s, a) (S, 4), for the app's eligibility overlay, and their kind
        (only accumulating ones exceed 1). Between episodes they are 0: line 5 zeroes them when
        the next one begins, and the last episode's are no longer anyone's."""
        insight = super().insight()
        insight.extras["traces"] = np.zeros_like(self.z) if self.s is None else self.z.copy()
        insight.extras["trace_kind"] = self.config.trace
        return insight
