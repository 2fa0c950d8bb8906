"""The offline lambda-return algorithm: at the end of each episode V(S_t) moves towards the
lambda-return G^lambda_t, for t = 0 ... T-1 in order (Sutton & Barto §12.1, eqs. 12.2-12.4).

The book states it as equations (its Figure 12.3 plots it); as a box, with one feature per
state (a one-hot table: the weights w are V):

    Offline lambda-return algorithm for estimating V ~ v_pi
    1  Input: the policy pi to be evaluated
    2  Algorithm parameters: step size alpha in (0, 1], lambda in [0, 1]
    3  Initialize V(s) arbitrarily, V(terminal) = 0
    4  Loop for each episode:
    5      Generate an episode following pi: S_0, A_0, R_1, ..., S_T-1, A_T-1, R_T, S_T
    6      G <- V(S_T)   (0 at a terminal)
    7      Loop for t = T-1, T-2, ..., 0:
    8          G <- R_t+1 + gamma [(1 - lambda) V(S_t+1) + lambda G]
    9          G^lambda_t <- G
    10     Loop for t = 0, 1, ..., T-1:
    11         V(S_t) <- V(S_t) + alpha [G^lambda_t - V(S_t)]                      (eq. 12.4)

Lines 6-9 compute every G^lambda_t in one backward recursion instead of eq. 12.2's weighted
sum of n-step returns, (1 - lambda) sum_n lambda^(n-1) G_t:t+n: splitting off its first term,
G^lambda_t = R_t+1 + gamma [(1 - lambda) V(S_t+1) + lambda G^lambda_t+1], and at t = T-1
line 8 gives R_T + gamma V(S_T), all the weight on the one n-step return left (eq. 12.3). A
time limit is not a terminal state: on truncation line 6 keeps V(S_T), and the targets are the
lambda-returns truncated at T (eq. 12.9 with horizon h = T).

Which V the targets bootstrap from: V is not changed during the episode (nothing is learned
before line 10), so lines 6-9 read the V of the episode's start, V(S_t+n) of every n-step
return G_t:t+n included. That is the book's algorithm of Figure 12.3: the weights are held
fixed through the episode, so each n-step return's v(S_t+n, w_t+n-1) is the start's w. All
targets are computed before the first update. Line 11's own V(S_t) is the V being updated
(eq. 12.4's v(S_t, w_t)): a state visited twice gets its second update from where the first
left it.

The two ends of lambda: at lambda = 0, G^lambda_t = R_t+1 + gamma V(S_t+1), TD(0)'s target,
but from V held fixed during the episode and applied at its end (offline TD(0)), not
td-prediction's online TD(0), which uses each update at once. At lambda = 1, G^lambda_t = G_t,
the return: constant-alpha every-visit Monte Carlo with end-of-episode updates in the order
t = 0 ... T-1. mc-prediction makes the same updates backwards; the results are the same when
each state's returns within an episode are equal (on the random walks, gamma = 1 and only
the exit pays: every return of an episode is its exit reward).

Nothing is learned until the episode ends, so ``update()`` runs a whole episode, and the
step that ends it makes every update.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gridrl.agents.base import Event, hp
from gridrl.agents.common.prediction import EpisodeEndPrediction, PredictionConfig

EQUATION = "V(s) <- V(s) + alpha [G^lambda - V(s)],  G^lambda = r + gamma [(1 - lambda) V(s') + lambda G'^lambda]"


@dataclass(frozen=True)
class Config(PredictionConfig):
    """TD(0)'s hyperparameters and lambda, the weight of each longer n-step return."""

    # 0.8: among the best lambdas of Figure 12.3 on the 19-state walk at moderate alphas.
    lam: float = hp(0.8, "lambda: weight decay of longer n-step returns, 0 = TD(0) targets, 1 = Monte Carlo",
                    low=0.0, high=1.0)  # fmt: skip


class LambdaReturn(EpisodeEndPrediction):
    name = "lambda-return"
    Config = Config
    summary = "offline lambda-return: at each episode's end, V(s) moves towards the lambda-return of every step"
    online_instead = "td-lambda"
    waiting = "V is held fixed: the lambda-returns and the updates wait for the end of the episode"  # line 5

    def lambda_returns(self, trajectory: list[tuple[int, float]], s_last: int, terminated: bool) -> np.ndarray:
        """(T,) G^lambda_t for t = 0 ... T-1 of an episode, from the current V (lines 6-9)."""
        lam, V = self.config.lam, self.V
        G = 0.0 if terminated else float(V[s_last])  # line 6
        v_next, returns = G, np.zeros(len(trajectory))
        for t in range(len(trajectory) - 1, -1, -1):  # line 7
            s, r = trajectory[t]
            G = r + self.gamma * ((1.0 - lam) * v_next + lam * G)  # line 8
            returns[t], v_next = G, float(V[s])  # line 9; this V(S_t) is V(S_t+1) for t - 1
        return returns

    def learn_episode(self, trajectory: list[tuple[int, float]], s_last: int, terminated: bool) -> Event:
        """Lines 6-11 over the finished episode (line 5): every target before the first update."""
        returns = self.lambda_returns(trajectory, s_last, terminated)
        updates = [self.move_value(s, float(returns[t]), self.config.alpha, EQUATION,  # lines 10-11
                                   t=t, r=r, **{"lambda": self.config.lam})
                   for t, (s, r) in enumerate(trajectory)]  # fmt: skip
        return self.episode_event(updates, len(trajectory))
