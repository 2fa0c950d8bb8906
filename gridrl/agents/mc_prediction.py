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

``batch=True`` is batch constant-alpha MC (§6.3, Example 6.3): line 10's increments
alpha [G_t - V(S_t)] are not applied as they come. After each episode every return counted so
far is replayed with V held fixed, the increments are summed per state and applied once, pass
after pass, until V converges: to the sample average of the returns that followed each state
(first or every visit, as ``visits`` says), whatever alpha. A pass needs only N(s) and the sum
of those returns (see :func:`~gridrl.agents.common.prediction.summed_increments`), so those two
per state are all the batch keeps; with ``alpha: none`` (each state's own 1/N(s)) one pass
lands on the average.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import Event, hp
from gridrl.agents.common.gae import discounted_returns
from gridrl.agents.common.prediction import BatchConfig, EpisodeEndPrediction, PredictionConfig
from gridrl.agents.common.returns import ReturnCounts
from gridrl.levels import Level


@dataclass(frozen=True)
class Config(BatchConfig, PredictionConfig):
    """MC prediction's hyperparameters; alpha defaults to the box's sample averages."""

    alpha: float | None = hp(None, "step size alpha; none = sample averages 1/N(s) as in the box (line 10)",
                             low=0.0, high=1.0, low_open=True, optional=True)  # fmt: skip
    visits: str = hp("first", "first: only a state's first visit in an episode counts (line 8); every: all",
                     choices=("first", "every"))  # fmt: skip


class MCPrediction(ReturnCounts, EpisodeEndPrediction):
    name = "mc-prediction"
    Config = Config
    summary = "Monte Carlo prediction: V(s) moves towards the whole return that followed s"
    waiting = "G and the update of V wait for the end of the episode"  # line 4, one step at a time

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.N = np.zeros(self.n_states, dtype=np.int64)  # |Returns(s)|
        self.G_sum = np.zeros(self.n_states)  # batch: the sum of Returns(s)

    def learn_episode(self, trajectory: list[tuple[int, float]], s_last: int, terminated: bool) -> Event:
        """Lines 5-10 over the finished episode (line 4); no bootstrap from S_T on truncation."""
        if self.config.batch:
            return self.learn_batch(trajectory)
        alpha, first_only = self.config.alpha, self.config.visits == "first"
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
            updates.append(self.move_value(s, G, float(step_size), equation, t=t, N=int(self.N[s])))  # line 10
        return self.episode_event(updates, len(trajectory))

    def learn_batch(self, trajectory: list[tuple[int, float]]) -> Event:
        """Batch: lines 5-9 for every t at once, the returns joining the batch's sums; then
        every return so far is replayed until V converges (line 10, batch constant-alpha MC)."""
        states = np.fromiter((s for s, _ in trajectory), dtype=np.int64, count=len(trajectory))
        G = discounted_returns(np.fromiter((r for _, r in trajectory), dtype=np.float64), self.gamma)  # lines 5-7
        if self.config.visits == "first":  # line 8: the first visit of each state
            _, first = np.unique(states, return_index=True)
            states, G = states[first], G[first]
        np.add.at(self.N, states, 1)  # line 9: G appended to Returns(S_t)
        np.add.at(self.G_sum, states, G)
        return self.replay(self.N, self.G_sum, None, int(trajectory[0][0]),
                           "batch: V(s) <- V(s) + alpha sum over every return G that followed s of [G - V(s)], "
                           "V fixed in a pass, until it converges")  # fmt: skip

    def _learned(self) -> dict[str, Any]:
        """Batch: also the sum of each state's returns, which every later replay starts from."""
        return {**super()._learned(), **({"G_sum": self.G_sum} if self.config.batch else {})}
