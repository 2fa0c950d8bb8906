"""Expected Sarsa: TD control with the expectation over the next action (Sutton & Barto §6.6, eq. 6.9).

    Expected Sarsa for estimating Q ~ q*
    1  Initialize Q(s, a) = 0 for all s, a (and Q(terminal, .) = 0)
    2  Loop for each episode:
    3      Initialize S
    4      Loop for each step of episode:
    5          Choose A from S using the policy derived from Q (epsilon-greedy)
    6          Take action A, observe R, S'
    7          Q(S, A) <- Q(S, A) + alpha [R + gamma sum_a pi(a|S') Q(S', a) - Q(S, A)]
    8          S <- S'
    9      until S is terminal

Sarsa's target with the sampled Q(S', A') replaced by its expectation under pi, the current
epsilon-greedy policy. That removes the variance of choosing A', so Expected Sarsa stays
stable with alpha = 1 on a deterministic level where Sarsa needs a small alpha (Figure 6.3),
and like Sarsa it learns the value of the exploring policy (the safe path on Cliff Walking).

A time limit is not a terminal state: on truncation the target still bootstraps from the
expectation at S'; on termination it is R alone.
"""

from __future__ import annotations

from dataclasses import dataclass


from gridrl.agents.base import Event
from gridrl.agents.common.exploration import epsilon_greedy_probs
from gridrl.agents.common.tabular import TabularControl, TabularControlConfig


@dataclass(frozen=True)
class Config(TabularControlConfig):
    """Expected Sarsa's hyperparameters: step size alpha, epsilon-greedy exploration, gamma."""


class ExpectedSarsa(TabularControl):
    name = "expected-sarsa"
    Config = Config
    summary = "TD control on the expected next value under epsilon-greedy: Sarsa without the sampling noise"

    def learn(
        self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool
    ) -> Event:
        pi_next = epsilon_greedy_probs(self.Q[s_next], self.epsilon)  # pi(.|S'), the policy followed
        # A time limit is not a terminal state: bootstrap on truncation, not on termination.
        expected_next = 0.0 if terminated else float(pi_next @ self.Q[s_next])
        return self.td_update(
            s, a, r, s_next, expected_next,
            "Q(s,a) <- Q(s,a) + alpha [r + gamma sum_a' pi(a'|s') Q(s',a') - Q(s,a)]",
            pi_next=pi_next.tolist(), expected_Q_next=expected_next,
        )  # fmt: skip
