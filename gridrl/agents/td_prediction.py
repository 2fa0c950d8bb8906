"""Tabular TD(0): learning v_pi from each step's bootstrapped target (Sutton & Barto §6.1, eq. 6.2).

    Tabular TD(0) for estimating v_pi
    1  Input: the policy pi to be evaluated
    2  Algorithm parameter: step size alpha in (0, 1]
    3  Initialize V(s), for all s in S+, arbitrarily except that V(terminal) = 0
    4  Loop for each episode:
    5      Initialize S
    6      Loop for each step of episode:
    7          A <- action given by pi for S
    8          Take action A, observe R, S'
    9          V(S) <- V(S) + alpha [R + gamma V(S') - V(S)]
    10         S <- S'
    11     until S is terminal

Monte Carlo waits for the return G_t; TD(0) updates at once towards R + gamma V(S'), an
estimate built on an estimate. On the random walk (Example 6.2, Figure 6.2) that makes it
learn faster than constant-alpha MC at every alpha the book tried.

``batch=True`` is batch TD(0) (§6.3, Example 6.3): line 9's increments are not applied as they
come. After each episode every step seen so far is replayed with V held fixed, the increments
are summed per state and applied once, pass after pass, until V converges. It converges to the
certainty-equivalence estimate: the exact v_pi of the maximum-likelihood model of the steps
seen (the Bellman equation, eq. 4.4, of r(s) = mean reward after s and p(s'|s) = the fraction
of the steps from s that went to s'). Those counts are all a pass needs (see
:func:`~gridrl.agents.common.prediction.summed_increments`), so the agent keeps them, not the
steps: per state a step count and a reward sum, and one count per distinct transition s -> s',
whatever the number of episodes (at most the level's own model: its states times their
possible successors).

A time limit is not a terminal state: on truncation the target still takes gamma V(S').
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import Event
from gridrl.agents.common.prediction import BatchConfig, PredictionConfig, TabularPrediction
from gridrl.levels import Level


@dataclass(frozen=True)
class Config(BatchConfig, PredictionConfig):
    """TD(0)'s hyperparameters: step size alpha, the policy evaluated, V's initial value, gamma;
    batch updating (§6.3) and when its passes stop."""


class TDPrediction(TabularPrediction):
    name = "td-prediction"
    Config = Config
    summary = "TD(0): V(s) moves towards r + gamma V(s') after every step of a fixed policy"

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        #: Batch: an update is the replay after an episode, so it learns at the episode's end.
        self.learns_at_episode_end = self.config.batch
        self.N = np.zeros(self.n_states, dtype=np.int64)  # batch: n(s), the steps from s so far
        self.R_sum = np.zeros(self.n_states)  # batch: the rewards that followed them
        self.C_keys = np.zeros(0, dtype=np.int64)  # batch: s * S + s' of each s -> s' that bootstraps, sorted
        self.C_counts = np.zeros(0)  # batch: c(s, s'), how many steps went s -> s'
        self.new_C: dict[int, int] = {}  # batch: this episode's c(s, s'), merged at its end
        self.s_first = 0  # batch: the episode's S_0, whose update the Event shows

    def begin_episode(self, s: int) -> None:
        self.s_first = s

    def learn(self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool) -> Event:
        if self.config.batch:
            return self.record(s, a, r, s_next, terminated, truncated)
        v_next = 0.0 if terminated else float(self.V[s_next])  # V(terminal) = 0 (line 3)
        return self.move_value(  # line 9
            s, r + self.gamma * v_next, self.config.alpha, "V(s) <- V(s) + alpha [r + gamma V(s') - V(s)]",
            a=a, r=r, s_next=s_next, V_next=v_next,
        )  # fmt: skip

    def record(self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool) -> Event:
        """Batch: the step joins the batch's sums (line 9's increment, not yet applied); at the
        episode's end every step so far is replayed until V converges."""
        self.N[s] += 1
        self.R_sum[s] += r
        if not terminated:  # into a terminal state the target is R alone: V(terminal) = 0 (line 3)
            key = s * self.n_states + s_next
            self.new_C[key] = self.new_C.get(key, 0) + 1
        if terminated or truncated:
            self.merge_new_steps()
            s_from, s_to = np.divmod(self.C_keys, self.n_states)
            return self.replay(self.N, self.R_sum, (s_from, s_to, self.C_counts), self.s_first,
                               "batch: V(s) <- V(s) + alpha sum over every step from s of [r + gamma V(s') - V(s)], "
                               "V fixed in a pass, until it converges")  # fmt: skip
        return Event(unit="step", changed=np.zeros(0, dtype=np.int64),
                     equation="batch: the steps are replayed when the episode ends",
                     backup={"t": self.episode_steps - 1, "s": s, "a": a, "r": r, "s_next": s_next})  # fmt: skip

    def merge_new_steps(self) -> None:
        """This episode's transition counts into the batch's (one sorted entry per s -> s')."""
        keys = np.fromiter(self.new_C.keys(), dtype=np.int64, count=len(self.new_C))
        counts = np.fromiter(self.new_C.values(), dtype=np.float64, count=len(self.new_C))
        self.new_C = {}
        self.C_keys, where = np.unique(np.concatenate([self.C_keys, keys]), return_inverse=True)
        self.C_counts = np.bincount(where, weights=np.concatenate([self.C_counts, counts]))

    def _learned(self) -> dict[str, Any]:
        """Batch: also the sums every later replay starts from."""
        batch = {"N": self.N, "R_sum": self.R_sum, "C_keys": self.C_keys, "C_counts": self.C_counts}
        return {**super()._learned(), **(batch if self.config.batch else {})}
