"""n-step Sarsa: on-policy TD control on n-step returns (Sutton & Barto §7.2, eq. 7.4).

    n-step Sarsa for estimating Q ~ q* or q_pi
    1  Initialize Q(s, a) = 0 for all s, a; pi epsilon-greedy with respect to Q
    2  Loop for each episode:
    3      Initialize and store S_0 (not terminal)
    4      Select and store an action A_0 ~ pi(.|S_0)
    5      T <- infinity
    6      Loop for t = 0, 1, 2, ...:
    7          If t < T, then:
    8              Take action A_t; observe and store R_t+1 and S_t+1
    9              If S_t+1 is terminal, then T <- t + 1
    10             else select and store an action A_t+1 ~ pi(.|S_t+1)
    11         tau <- t - n + 1   (the time whose estimate is being updated)
    12         If tau >= 0:
    13             G <- sum_{i=tau+1}^{min(tau+n, T)} gamma^(i-tau-1) R_i
    14             If tau + n < T, then G <- G + gamma^n Q(S_tau+n, A_tau+n)      (G_tau:tau+n)
    15             Q(S_tau, A_tau) <- Q(S_tau, A_tau) + alpha [G - Q(S_tau, A_tau)]
    16     until tau = T - 1

Sarsa's target R + gamma Q(S', A') looks one reward ahead; this one looks n rewards ahead
before it bootstraps, so a reward at the goal reaches n cells back in one episode instead
of one. n = 1 is Sarsa exactly; n >= the episode's length is constant-alpha Monte Carlo.

The store keeps (S_tau, A_tau, R_tau+1) for the steps whose update is still due. Line 13's
sum is taken backwards, G_tau:tau+n = R_tau+1 + gamma G_tau+1:tau+n (eq. 7.4 unrolled), so
the last step of it is Sarsa's own TD update with G_tau+1:tau+n in place of Q(S', A').
When the episode ends, lines 11-15 run on for tau up to T - 1 within the same step.

A time limit is not a terminal state: on truncation the updates still due bootstrap from
Q(S_T, A_T), with A_T drawn from pi as Sarsa does; only a termination drops line 14's term.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import Event, hp
from gridrl.agents.common.tabular import TabularControl
from gridrl.agents.sarsa import Config as SarsaConfig
from gridrl.agents.sarsa import Sarsa
from gridrl.levels import Level

EQUATION = "Q(s,a) <- Q(s,a) + alpha [G - Q(s,a)],  G = r + gamma r' + ... + gamma^n Q(s_n,a_n)"


@dataclass(frozen=True)
class Config(SarsaConfig):
    """Sarsa's hyperparameters and n, the rewards summed before bootstrapping."""

    # 4: the intermediate n that learns fastest on the book's random walk (Figure 7.2), and
    # few enough steps that a student can follow the store by eye.
    n: int = hp(4, "n: rewards summed before bootstrapping (1 = Sarsa)", low=1)


class NStepSarsa(Sarsa):
    """Sarsa's action selection (A_t+1 chosen before the update, lines 4 and 10) with the
    n-step update of lines 11-15 in place of the one-step one."""

    name = "n-step-sarsa"
    Config = Config
    summary = "Sarsa on n-step returns: a reward reaches n cells back per episode instead of one"

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.store: deque[tuple[int, int, float]] = deque()  # (S_tau, A_tau, R_tau+1) still to update

    def begin_episode(self, s: int) -> None:
        super().begin_episode(s)  # line 4
        self.store.clear()  # an episode cut short (a live edit) leaves no updates due

    def forget(self, cells: np.ndarray) -> None:
        """Also the updates still due: their returns crossed cells whose dynamics changed."""
        super().forget(cells)
        self.store.clear()

    def learn(
        self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool
    ) -> Event:
        self.store.append((s, a, r))  # line 8
        # Lines 9-10: A_t+1 epsilon-greedy (Sarsa.choose would hand back the committed A_t).
        a_next = None if terminated else TabularControl.choose(self, s_next)
        done = terminated or truncated
        # Lines 11-12: every tau whose n rewards are in (one per step with n fixed; several when
        # n was lowered live), and at the end of the episode every tau left (line 16).
        events = []
        while self.store and (done or len(self.store) >= self.config.n):
            events.append(self._update_oldest(s_next, a_next))
        self.a_next = None if done else a_next  # Sarsa's line 9: A <- A'
        if not events:
            waiting = f"waiting for {self.config.n} rewards before the first update"
            return Event(unit="step", equation=waiting,
                         backup={"s": s, "a": a, "r": r, "s_next": s_next, "stored": len(self.store)})  # fmt: skip
        event = events[-1]
        event.changed = np.unique(np.concatenate([e.changed for e in events]))
        event.backup["updates_this_step"] = len(events)
        return event

    def _update_oldest(self, s_last: int, a_last: int | None) -> Event:
        """Lines 13-15 for the oldest stored step tau. S_t+1 and A_t+1 (``s_last``, ``a_last``;
        None at a terminal state) close the store: G bootstraps from Q(S_tau+n, A_tau+n), which
        is them unless the store holds more than n steps, and from 0 past a termination."""
        store, Q, k = self.store, self.Q, min(self.config.n, len(self.store))
        if k < len(store):
            s_n, a_n, _ = store[k]
            G = float(Q[s_n, a_n])  # line 14
        else:
            G = 0.0 if a_last is None else float(Q[s_last, a_last])  # line 14, or T <= tau + n
        for i in range(k - 1, 0, -1):
            G = store[i][2] + self.gamma * G  # line 13 backwards: G_tau+1:tau+n
        s, a, r = store.popleft()
        s_next = store[0][0] if store else s_last
        return self.td_update(s, a, r, s_next, G, EQUATION, n=k, G_next=G)  # line 15
