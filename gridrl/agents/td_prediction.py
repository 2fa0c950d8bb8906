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

A time limit is not a terminal state: on truncation the target still takes gamma V(S').
"""

from __future__ import annotations

from dataclasses import dataclass

from gridrl.agents.base import Event
from gridrl.agents.common.prediction import PredictionConfig, TabularPrediction


@dataclass(frozen=True)
class Config(PredictionConfig):
    """TD(0)'s hyperparameters: step size alpha, the policy evaluated, V's initial value, gamma."""


class TDPrediction(TabularPrediction):
    name = "td-prediction"
    Config = Config
    summary = "TD(0): V(s) moves towards r + gamma V(s') after every step of a fixed policy"

    def learn(self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool) -> Event:
        v_next = 0.0 if terminated else float(self.V[s_next])  # V(terminal) = 0 (line 3)
        return self.move_value(  # line 9
            s, r + self.gamma * v_next, self.config.alpha, "V(s) <- V(s) + alpha [r + gamma V(s') - V(s)]",
            a=a, r=r, s_next=s_next, V_next=v_next,
        )  # fmt: skip
