"""TD(lambda): one TD error updates every recently visited state along its eligibility trace
(Sutton & Barto §12.2, eqs. 12.5-12.7; dutch traces §12.6, eq. 12.11; true online §12.5).

The book's boxes with one feature per state (a one-hot table: the weights w are V and
x(S) is 1 at S only, so z^T x(S) = z(S)):

    Semi-gradient TD(lambda) for estimating V ~ v_pi
    1  Input: the policy pi to be evaluated
    2  Initialize V(s) arbitrarily, V(terminal) = 0
    3  Loop for each episode:
    4      Initialize S
    5      z <- 0
    6      Loop for each step of episode:
    7          Choose A ~ pi(.|S)
    8          Take action A, observe R, S'
    9          z <- gamma lambda z;  z(S) <- z(S) + 1       (accumulating, eq. 12.5)
    10            or z(S) <- 1                              (replacing, §12.6)
    11            or z(S) <- z(S) + 1 - alpha z(S)          (dutch, eq. 12.11, z(S) already decayed)
    12         delta <- R + gamma V(S') - V(S)
    13         V <- V + alpha delta z
    14         S <- S'
    15     until S' is terminal

    True online TD(lambda) for estimating V ~ v_pi (dutch traces)
    16 V_old <- 0 at the start of each episode (with line 5)
    17 each step, after line 8:  v <- V(S);  v' <- V(S') (0 at a terminal)
    18     delta <- R + gamma v' - v
    19     z <- gamma lambda z;  z(S) <- z(S) + 1 - alpha z(S)
    20     V <- V + alpha (delta + v - V_old) z;  V(S) <- V(S) - alpha (v - V_old)
    21     V_old <- v'

lambda = 0 is TD(0) exactly; lambda = 1 with accumulating traces approaches every-visit
constant-alpha MC. True online TD(lambda) (``true_online``) reproduces the online
lambda-return algorithm of §12.4 exactly, which for small alpha is the offline one of §12.1
to first order. It is a flag here and not a separate agent because it is this agent with two
extra terms (lines 17 and 20): the same traces, lambda and loop, and a student can switch it
on and off to see what they add. It needs dutch traces (the ones line 19 makes).

A time limit is not a terminal state: on truncation delta still takes gamma V(S').
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import Event, HyperparameterError, Insight, hp
from gridrl.agents.common.prediction import PredictionConfig, TabularPrediction
from gridrl.levels import Level

EQUATION = "V <- V + alpha delta z,  delta = r + gamma V(s') - V(s),  z <- gamma lambda z + trace(s)"
TRUE_ONLINE = ("V <- V + alpha (delta + V(s) - V_old) z - alpha (V(s) - V_old) x(s),  "
               "z <- gamma lambda z + (1 - alpha z(s)) x(s)")  # fmt: skip


@dataclass(frozen=True)
class Config(PredictionConfig):
    """TD(0)'s hyperparameters, lambda, the kind of trace and the true online correction."""

    # 0.8: among the best lambdas of Figure 12.3/12.6 on the 19-state walk at moderate alphas.
    lam: float = hp(0.8, "lambda: trace decay per step, 0 = TD(0), 1 = Monte Carlo-like", low=0.0, high=1.0)
    trace: str = hp("accumulating", "accumulating (line 9), replacing (line 10) or dutch (line 11)",
                    choices=("accumulating", "replacing", "dutch"))  # fmt: skip
    true_online: bool = hp(False, "true online TD(lambda) (§12.5): lines 16-21; needs trace: dutch")


class TDLambda(TabularPrediction):
    name = "td-lambda"
    Config = Config
    summary = "TD(lambda): each TD error updates every recent state along its eligibility trace"

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        if self.config.true_online and self.config.trace != "dutch":
            raise HyperparameterError(
                f"true_online needs trace: dutch (true online TD(lambda), §12.5), got trace: {self.config.trace}"
            )
        self.z = np.zeros(self.n_states)  # eligibility traces z(s)
        self.v_old = 0.0  # line 16

    def begin_episode(self, s: int) -> None:
        self.z[:] = 0.0  # line 5
        self.v_old = 0.0  # line 16

    def learn(self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool) -> Event:
        c, V, z = self.config, self.V, self.z
        v, v_next = float(V[s]), 0.0 if terminated else float(V[s_next])  # line 17
        target = r + self.gamma * v_next
        delta = target - v  # lines 12 and 18
        z *= self.gamma * c.lam  # line 9 (and 19): decay
        if c.trace == "accumulating":
            z[s] += 1.0  # line 9
        elif c.trace == "replacing":
            z[s] = 1.0  # line 10
        else:
            z[s] += 1.0 - c.alpha * z[s]  # lines 11 and 19
        if c.true_online:
            V += (c.alpha * (delta + v - self.v_old)) * z  # line 20
            V[s] -= c.alpha * (v - self.v_old)
            self.v_old = v_next  # line 21
        else:
            V += (c.alpha * delta) * z  # line 13
        backup = {"s": s, "a": a, "r": r, "s_next": s_next, "alpha": c.alpha, "gamma": self.gamma,
                  "lambda": c.lam, "V_next": v_next, "V_old": v, "target": target, "td_error": delta,
                  "z": float(z[s]), "V_new": float(V[s]), "states_updated": int(np.count_nonzero(z))}  # fmt: skip
        return Event(unit="step", td_error=delta, changed=np.flatnonzero(z),
                     equation=TRUE_ONLINE if c.true_online else EQUATION, backup=backup)  # fmt: skip

    def insight(self) -> Insight:
        """Also the traces z(s) (S,), for the app's eligibility overlay, and their kind (only
        accumulating ones exceed 1). Between episodes they are 0: line 5 zeroes them when the
        next one begins, and the last episode's are no longer anyone's."""
        insight = super().insight()
        insight.extras["traces"] = np.zeros_like(self.z) if self.s is None else self.z.copy()
        insight.extras["trace_kind"] = self.config.trace
        return insight
