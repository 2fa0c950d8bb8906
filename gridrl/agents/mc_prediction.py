"""Monte Carlo prediction: V(s) moves towards the return that followed s (Sutton & Barto §5.1, eq. 6.1).

    First-visit MC prediction, for estimating V ~ v_pi
    1  Input: a policy pi to be evaluated
    2  Initialize V(s) arbitrarily, for all s in S; Returns(s) <- an empty list, for all s
    3  Loop forever (for each episode):
    4      Generate an episode following pi: S_0, A_0, R_1, S_1, A_1, R_2, ..., S_T-1, A_T-1, R_T
    5      G <- 0
    6      Loop for each step of episode, t = T-1, T-2, ..., 0:
    7          G <- gamma G + R_t+1
    8          Unless S_t appears in S_0, S_1, ..., S_t-1:
    9              Append G to Returns(S_t)
    10             V(S_t) <- average(Returns(S_t))

``visits="every"`` drops line 8's test: every visit's return counts (every-visit MC, §5.1).
Line 10 keeps no list: V <- V + (1/N(s)) (G - V) is the same average (§2.4). With a constant
``alpha`` it is eq. 6.1, constant-alpha MC, V(S_t) <- V(S_t) + alpha [G_t - V(S_t)], the
method Figure 6.2 sets against TD(0). Starting from V = v0 and averaging, the first return
replaces v0 entirely; constant alpha keeps (1 - alpha)^k of it after k returns.

Nothing is learned until the episode ends, so ``update()`` runs a whole episode, and the
step that ends it makes every update. On truncation G is the discounted sum of the rewards
seen: Monte Carlo has no estimate of what would have followed (see monte_carlo.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import MAX_HELD_STEPS, Event, Insight, held_steps_limit, hp
from gridrl.agents.common.prediction import PredictionConfig, TabularPrediction
from gridrl.levels import Level


@dataclass(frozen=True)
class Config(PredictionConfig):
    """MC prediction's hyperparameters; alpha defaults to the box's sample averages."""

    alpha: float | None = hp(None, "step size alpha; none = sample averages 1/N(s) as in the box (line 10)",
                             low=0.0, high=1.0, low_open=True, optional=True)  # fmt: skip
    visits: str = hp("first", "first: only a state's first visit in an episode counts (line 8); every: all",
                     choices=("first", "every"))  # fmt: skip


class MCPrediction(TabularPrediction):
    name = "mc-prediction"
    Config = Config
    summary = "Monte Carlo prediction: V(s) moves towards the whole return that followed s"
    learns_at_episode_end = True

    @classmethod
    def resource_limit(cls, level: Level, config: Any) -> str | None:
        """The episode is kept until it ends (line 4): at most MAX_HELD_STEPS steps of it."""
        return held_steps_limit(cls.name, 1, level.max_steps, (
            f"Give the level a shorter time limit (dynamics: max_steps: {MAX_HELD_STEPS:,} or less), "
            "or use td-prediction, which learns at every step."))  # fmt: skip

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.N = np.zeros(self.n_states, dtype=np.int64)  # |Returns(s)|
        self.trajectory: list[tuple[int, float]] = []  # line 4: (S_t, R_t+1) so far

    def begin_episode(self, s: int) -> None:
        """An episode cut short (a live edit) leaves no steps behind."""
        self.trajectory = []

    def learn(self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool) -> Event:
        self.trajectory.append((s, r))  # line 4, one step at a time
        if terminated or truncated:
            return self._learn_episode()
        return Event(unit="step", changed=np.zeros(0, dtype=np.int64),
                     equation="G and the update of V wait for the end of the episode",
                     backup={"t": len(self.trajectory) - 1, "s": s, "a": a, "r": r, "s_next": s_next})  # fmt: skip

    def _learn_episode(self) -> Event:
        """Lines 5-10 over the finished episode; clears the trajectory."""
        alpha, first_only = self.config.alpha, self.config.visits == "first"
        trajectory, self.trajectory = self.trajectory, []
        first: dict[int, int] = {}
        for t, (s, _) in enumerate(trajectory):
            first.setdefault(s, t)
        step_text = "(1/N(s))" if alpha is None else "alpha"
        equation = f"V(s) <- V(s) + {step_text} [G - V(s)],  G <- gamma G + r back from the end"
        G, updates = 0.0, []  # line 5
        for t in range(len(trajectory) - 1, -1, -1):  # line 6
            s, r = trajectory[t]
            G = self.gamma * G + r  # line 7
            if first_only and first[s] != t:  # line 8
                continue
            self.N[s] += 1  # line 9
            step_size = 1.0 / self.N[s] if alpha is None else alpha
            event = self.move_value(s, G, float(step_size), equation, t=t, N=int(self.N[s]))  # line 10
            updates.append(event.backup)
        event.changed = np.unique([u["s"] for u in updates])
        event.backup = {**event.backup, "T": len(trajectory), "updates": updates}
        return event

    def insight(self) -> Insight:
        """Also N(s), the returns averaged into each V(s) (line 9)."""
        insight = super().insight()
        insight.extras["N"] = self.N.copy()
        return insight

    def _learned(self) -> dict[str, Any]:
        """Also N(s): sample averages resume from it after a load (line 10's 1/N(s))."""
        return {**super()._learned(), "N": self.N}
