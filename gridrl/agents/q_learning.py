"""Q-learning: off-policy TD control (Sutton & Barto §6.5, eq. 6.8).

    Q-learning (off-policy TD control) for estimating pi ~ pi*
    1  Initialize Q(s, a) = 0 for all s, a (and Q(terminal, .) = 0)
    2  Loop for each episode:
    3      Initialize S
    4      Loop for each step of episode:
    5          Choose A from S using the policy derived from Q (epsilon-greedy)
    6          Take action A, observe R, S'
    7          Q(S, A) <- Q(S, A) + alpha [R + gamma max_a Q(S', a) - Q(S, A)]
    8          S <- S'
    9      until S is terminal

It learns the values of the greedy policy while behaving epsilon-greedily, which is why on
Cliff Walking it learns the cliff-edge path and then keeps falling off it while exploring.
"""

from __future__ import annotations

from dataclasses import dataclass

from gridrl.agents.base import Event
from gridrl.agents.common.tabular import TabularControl, TabularControlConfig


@dataclass(frozen=True)
class Config(TabularControlConfig):
    """Q-learning's hyperparameters: step size alpha, epsilon-greedy exploration, gamma."""


class QLearning(TabularControl):
    name = "q-learning"
    Config = Config
    summary = "off-policy TD control: learns q* while exploring (the cliff-edge path)"
    greedy_values = True

    def learn(
        self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool
    ) -> Event:
        # A time limit is not a terminal state: bootstrap on truncation, not on termination.
        max_next = 0.0 if terminated else float(self.Q[s_next].max())
        return self.td_update(  # line 7
            s, a, r, s_next, max_next,
            "Q(s,a) <- Q(s,a) + alpha [r + gamma max_a' Q(s',a') - Q(s,a)]",
            max_Q_next=max_next,
        )  # fmt: skip
