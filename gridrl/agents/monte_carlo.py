"""Monte Carlo control: on-policy first-visit MC for epsilon-soft policies (Sutton & Barto §5.4).

    On-policy first-visit MC control (for epsilon-soft policies), estimates pi ~ pi*
    1  Initialize pi <- an arbitrary epsilon-soft policy; Q(s, a) = 0; Returns(s, a) <- empty list
    2  Repeat forever (for each episode):
    3      Generate an episode following pi: S_0, A_0, R_1, ..., S_T-1, A_T-1, R_T
    4      G <- 0
    5      Loop for each step of episode, t = T-1, T-2, ..., 0:
    6          G <- gamma G + R_t+1
    7          Unless the pair S_t, A_t appears in S_0, A_0, ..., S_t-1, A_t-1:
    8              Append G to Returns(S_t, A_t)
    9              Q(S_t, A_t) <- average(Returns(S_t, A_t))
    10             A* <- argmax_a Q(S_t, a)
    11             pi(a|S_t) <- 1 - epsilon + epsilon/|A| if a = A*, else epsilon/|A|

Line 9 keeps no list: the average is updated incrementally with the count N(s, a) (§2.4),
Q <- Q + (1/N) (G - Q), which gives the same number. With a constant ``alpha`` it becomes
Q <- Q + alpha (G - Q), constant-alpha MC (eq. 6.1), which forgets old returns; that is a
departure from the box, named by the flag. Lines 10-11 are implicit: pi is always
epsilon-greedy in the current Q (ties split evenly), the behaviour policy of every step.

Nothing is learned until the episode ends, so ``update()`` runs a whole episode. ``step()``
still takes one environment step; the step that ends the episode makes all the updates, and
its Event lists every state updated.

A time limit is a problem Monte Carlo cannot fix: on truncation G is just the discounted sum
of the rewards observed, because MC has no estimate of what would have followed (it never
bootstraps). Those returns are biased toward the rewards of the steps seen; keep
``max_steps`` well above the length of a useful episode.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import MAX_HELD_STEPS, Event, held_steps_limit, hp
from gridrl.agents.common.returns import ReturnCounts
from gridrl.agents.common.tabular import TabularControl, TabularControlConfig
from gridrl.levels import Level


@dataclass(frozen=True)
class Config(TabularControlConfig):
    """Monte Carlo control's hyperparameters; alpha defaults to the book's sample averages."""

    alpha: float | None = hp(None, "step size alpha; none = sample averages 1/N(s,a) as in the book",
                             low=0.0, high=1.0, low_open=True, optional=True)  # fmt: skip


class MonteCarlo(ReturnCounts, TabularControl):
    name = "monte-carlo"
    Config = Config
    summary = "on-policy first-visit MC control: learns from whole-episode returns, no bootstrapping"

    @classmethod
    def resource_limit(cls, level: Level, config: Any) -> str | None:
        """The episode is kept until it ends (line 3): at most MAX_HELD_STEPS steps of it."""
        return held_steps_limit(cls.name, 1, level.max_steps, (
            f"Give the level a shorter time limit (dynamics: max_steps: {MAX_HELD_STEPS:,} or less; the "
            "default is 100 x the cells), or use sarsa or q-learning, which learn at every step."))

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.N = np.zeros((self.n_states, self.n_actions), dtype=np.int64)  # |Returns(s, a)|
        self.trajectory: list[tuple[int, int, float]] = []  # line 3: (S_t, A_t, R_t+1) so far

    def forget(self, cells: np.ndarray) -> None:
        """Also the return counts: an average restarts from its first new return."""
        super().forget(cells)
        self.N[cells] = 0

    def begin_episode(self, s: int) -> None:
        """An episode cut short (a live edit walled the agent in) leaves no steps behind."""
        self.trajectory = []

    def learn(
        self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool
    ) -> Event:
        self.trajectory.append((s, a, r))  # line 3, one step at a time
        if terminated or truncated:
            return self._learn_episode()
        return Event(
            unit="step",
            changed=np.zeros(0, dtype=np.int64),
            equation="G and the update of Q wait for the end of the episode",
            backup={"t": len(self.trajectory) - 1, "s": s, "a": a, "r": r, "s_next": s_next},
        )

    def _learn_episode(self) -> Event:
        """Lines 4-9 over the finished episode; clears the trajectory."""
        alpha, gamma, Q, N = self.config.alpha, self.gamma, self.Q, self.N
        trajectory, self.trajectory = self.trajectory, []
        first: dict[tuple[int, int], int] = {}
        for t, (s, a, _) in enumerate(trajectory):
            first.setdefault((s, a), t)
        G = 0.0  # line 4
        updates: list[dict[str, float]] = []
        for t in range(len(trajectory) - 1, -1, -1):  # line 5
            s, a, r = trajectory[t]
            G = gamma * G + r  # line 6
            if first[(s, a)] != t:  # line 7: only the first visit of (S_t, A_t) counts
                continue
            N[s, a] += 1  # line 8
            step_size = 1.0 / N[s, a] if alpha is None else alpha
            q_old = float(Q[s, a])
            Q[s, a] += step_size * (G - q_old)  # line 9: incremental average (or constant alpha)
            updates.append({"t": t, "s": s, "a": a, "G": G, "N": int(N[s, a]),
                            "step_size": float(step_size), "Q_old": q_old,
                            "Q_new": float(Q[s, a])})  # fmt: skip
        last = updates[-1]  # t = 0: the pair the episode started with
        td_error = last["G"] - last["Q_old"]
        step_text = "(1/N(s,a))" if alpha is None else "alpha"
        return Event(
            unit="step",
            td_error=td_error,
            changed=np.unique([u["s"] for u in updates]),
            equation=f"Q(s,a) <- Q(s,a) + {step_text} [G - Q(s,a)],  G <- gamma G + r back from the end",
            backup={"s": last["s"], "a": last["a"], "G": last["G"], "N": last["N"],
                    "alpha": last["step_size"], "gamma": gamma, "T": len(trajectory),
                    "Q_old": last["Q_old"], "target": last["G"], "td_error": td_error,
                    "Q_new": last["Q_new"], "updates": updates},  # fmt: skip
        )

    def update(self) -> Event:
        """One learning update: Monte Carlo learns once per episode, so a whole episode."""
        event = self.episode()
        event.unit = "update"
        return event
