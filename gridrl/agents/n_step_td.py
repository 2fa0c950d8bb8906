"""n-step TD: V(s) moves towards the n-step return (Sutton & Barto §7.1, eqs. 7.1-7.2).

    n-step TD for estimating V ~ v_pi
    1  Input: a policy pi
    2  Algorithm parameters: step size alpha in (0, 1], a positive integer n
    3  Initialize V(s) arbitrarily, for all s in S
    4  All store and access operations (for S_t and R_t) can take their index mod n + 1
    5  Loop for each episode:
    6      Initialize and store S_0 (not terminal)
    7      T <- infinity
    8      Loop for t = 0, 1, 2, ...:
    9          If t < T, then:
    10             Take an action according to pi(.|S_t)
    11             Observe and store the next reward as R_t+1 and the next state as S_t+1
    12             If S_t+1 is terminal, then T <- t + 1
    13         tau <- t - n + 1   (tau is the time whose state's estimate is being updated)
    14         If tau >= 0:
    15             G <- sum_{i=tau+1}^{min(tau+n, T)} gamma^(i-tau-1) R_i
    16             If tau + n < T, then: G <- G + gamma^n V(S_tau+n)            (G_tau:tau+n)
    17             V(S_tau) <- V(S_tau) + alpha [G - V(S_tau)]
    18     until tau = T - 1

n = 1 is TD(0) (update for update); n at least the episode's length is constant-alpha Monte
Carlo. On the 19-state walk an intermediate n learns fastest (Figure 7.2).

The store (line 4) keeps (S_tau, R_tau+1) for the steps whose update is still due. Line 15's
sum is taken backwards, G_tau:tau+n = R_tau+1 + gamma G_tau+1:tau+n, so that its last step is
TD(0)'s own target with G_tau+1:tau+n in place of V(S_tau+1). When the episode ends, lines
13-17 run on for tau up to T - 1 within the same step. A time limit is not a terminal state:
on truncation the updates still due bootstrap from V(S_T); only a termination drops line 16.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import Event, hp
from gridrl.agents.common.prediction import PredictionConfig, TabularPrediction
from gridrl.levels import Level

EQUATION = "V(s) <- V(s) + alpha [G - V(s)],  G = r + gamma r' + ... + gamma^n V(s_n)"


@dataclass(frozen=True)
class Config(PredictionConfig):
    """n-step TD's hyperparameters: those of TD(0) and n, the rewards summed before bootstrapping."""

    # 4: the best n of Figure 7.2 at most alphas on the 19-state walk.
    n: int = hp(4, "n: rewards summed before bootstrapping (1 = TD(0))", low=1)


class NStepTD(TabularPrediction):
    name = "n-step-td"
    Config = Config
    summary = "n-step TD: V(s) moves towards n rewards plus gamma^n V(s_n), between TD(0) and MC"

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.store: deque[tuple[int, float]] = deque()  # (S_tau, R_tau+1) still to update (line 4)

    def begin_episode(self, s: int) -> None:
        self.store.clear()  # line 6; an episode cut short (a live edit) leaves no updates due

    def learn(self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool) -> Event:
        self.store.append((s, r))  # line 11
        done = terminated or truncated
        v_last = 0.0 if terminated else float(self.V[s_next])  # V(S_T) = 0 at a terminal (line 16)
        # Lines 13-14: every tau whose n rewards are in (one per step with n fixed), and at the
        # end of the episode every tau left (line 18).
        events = []
        while self.store and (done or len(self.store) >= self.config.n):
            events.append(self._update_oldest(s_next, v_last))
        if not events:
            return Event(unit="step", equation=f"waiting for {self.config.n} rewards before the first update",
                         backup={"s": s, "a": a, "r": r, "s_next": s_next, "stored": len(self.store)})  # fmt: skip
        event = events[-1]
        event.changed = np.unique(np.concatenate([e.changed for e in events]))
        event.backup["updates_this_step"] = len(events)
        return event

    def _update_oldest(self, s_last: int, v_last: float) -> Event:
        """Lines 15-17 for the oldest stored step tau. G bootstraps from V(S_tau+n): a stored
        state while the store holds more than n steps, else S_t+1 (``v_last``)."""
        store, k = self.store, min(self.config.n, len(self.store))
        G = float(self.V[store[k][0]]) if k < len(store) else v_last  # line 16
        for i in range(k - 1, 0, -1):
            G = store[i][1] + self.gamma * G  # line 15 backwards: G_tau+1:tau+n
        s, r = store.popleft()
        s_next = store[0][0] if store else s_last
        return self.move_value(s, r + self.gamma * G, self.config.alpha, EQUATION,  # line 17
                               r=r, s_next=s_next, n=k, G_next=G)  # fmt: skip
