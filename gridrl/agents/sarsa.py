"""Sarsa: on-policy TD control (Sutton & Barto §6.4, eq. 6.7).

    Sarsa (on-policy TD control) for estimating Q ~ q*
    1  Initialize Q(s, a) = 0 for all s, a (and Q(terminal, .) = 0)
    2  Loop for each episode:
    3      Initialize S
    4      Choose A from S using the policy derived from Q (epsilon-greedy)
    5      Loop for each step of episode:
    6          Take action A, observe R, S'
    7          Choose A' from S' using the policy derived from Q (epsilon-greedy)
    8          Q(S, A) <- Q(S, A) + alpha [R + gamma Q(S', A') - Q(S, A)]
    9          S <- S'; A <- A'
    10     until S is terminal

The target uses A', the action the agent will really take next, exploration included. So
Sarsa learns the value of the epsilon-greedy policy it follows, which is why on Cliff
Walking it prefers the path away from the edge: one random step there costs -100.

A time limit is not a terminal state: on truncation the target still bootstraps from
Q(S', A'), with A' drawn from the policy at S' (no step follows, but the sample has the same
expectation as the action that would have). On termination the target is R alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


from gridrl.agents.base import Event
from gridrl.agents.common.tabular import TabularControl, TabularControlConfig
from gridrl.levels import Level


@dataclass(frozen=True)
class Config(TabularControlConfig):
    """Sarsa's hyperparameters: step size alpha, epsilon-greedy exploration, gamma."""


class Sarsa(TabularControl):
    name = "sarsa"
    Config = Config
    summary = "on-policy TD control: learns the value of the policy it follows (the safe path)"

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.a_next: int | None = None  # A, committed to before the step that takes it

    def begin_episode(self, s: int) -> None:
        self.a_next = super().choose(s)  # line 4

    def choose(self, s: int) -> int:
        """Take the action chosen one step earlier (line 9: A <- A'), not a fresh sample."""
        a, self.a_next = self.a_next, None
        return super().choose(s) if a is None else a

    def learn(
        self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool
    ) -> Event:
        # line 7: A' is chosen before the update, from the same Q the book's agent sees.
        a_next = None if terminated else super().choose(s_next)
        # A time limit is not a terminal state: bootstrap on truncation, not on termination.
        q_next = 0.0 if a_next is None else float(self.Q[s_next, a_next])
        event = self.td_update(  # line 8
            s, a, r, s_next, q_next,
            "Q(s,a) <- Q(s,a) + alpha [r + gamma Q(s',a') - Q(s,a)]",
            a_next=a_next, Q_next=q_next,
        )  # fmt: skip
        self.a_next = None if (terminated or truncated) else a_next  # line 9: A <- A'
        return event
