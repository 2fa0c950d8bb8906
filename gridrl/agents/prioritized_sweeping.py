"""Prioritized sweeping: planning where the values are changing (Sutton & Barto §8.4).

    Prioritized sweeping for a deterministic environment
       Initialize Q(s, a), Model(s, a), for all s, a, and PQueue to empty
       Loop forever:
    (a)    S <- current (nonterminal) state
    (b)    A <- policy(S, Q)
    (c)    Take action A; observe resultant reward, R, and state, S'
    (d)    Model(S, A) <- R, S'
    (e)    P <- |R + gamma max_a Q(S', a) - Q(S, A)|
    (f)    if P > theta, then insert S, A into PQueue with priority P
    (g)    Loop repeat n times, while PQueue is not empty:
               S, A <- first(PQueue)
               R, S' <- Model(S, A)
               Q(S, A) <- Q(S, A) + alpha [R + gamma max_a Q(S', a) - Q(S, A)]
               Loop for all S-, A- predicted to lead to S:
                   R- <- predicted reward for S-, A-, S
                   P <- |R- + gamma max_a Q(S, a) - Q(S-, A-)|
                   if P > theta then insert S-, A- into PQueue with priority P

Dyna-Q plans from pairs drawn at random, most of which have nothing new to back up (all
zeros before the goal is found). Prioritized sweeping backs up first the pairs whose value
would change most and then their predecessors, so one reward sweeps back along the path
the agent came by. As in the book, the real step itself updates no value: every change of Q
comes from the queue, so a step's ``changed`` and ``info["planning_changed"]`` agree and its
``backup`` is the first update taken from the queue (usually the real pair's own).

The queue holds each pair once, at the higher of its priorities (a stale entry is skipped
when popped); ties are popped in the order they were queued, so runs are reproducible. It is
working memory and not part of the saved state. The model is Dyna-Q's: the last (R, S') seen,
or with ``model: expected`` the counts of every outcome, and each update from the queue is
then the expected update over them (the book's extension to stochastic environments).
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import Event, hp
from gridrl.agents.dyna_q import Config as DynaQConfig
from gridrl.agents.dyna_q import MAX_PLANNING_STEPS, DynaQ
from gridrl.levels import Level


@dataclass(frozen=True)
class Config(DynaQConfig):
    """Dyna-Q's hyperparameters, with n >= 1 (no update happens outside the queue) and theta."""

    planning_steps: int = hp(10, "n: most updates taken from the priority queue after each real step", low=1,
                             high=MAX_PLANNING_STEPS)
    theta: float = hp(1e-4, "theta: a pair is queued only if its TD error |delta| exceeds this", low=0.0)


class PrioritizedSweeping(DynaQ):
    name = "prioritized-sweeping"
    Config = Config
    summary = "planning by priority: back up the pairs whose value would change most, then their predecessors"

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.queue: list[tuple[float, int, int, int]] = []  # (-P, order queued, S, A): a min-heap
        self.priority: dict[tuple[int, int], float] = {}  # each queued pair's current priority
        self._queued = 0

    def forget(self, cells: np.ndarray) -> None:
        super().forget(cells)
        self.priority = {pair: p for pair, p in self.priority.items() if not cells[pair[0]]}

    def predecessors(self, s: int) -> list[tuple[int, int]]:
        """The pairs (S-, A-) the model predicts lead to S: whose last outcome was S, or for the
        ``expected`` model, any whose counted outcomes include S."""
        if self.config.model == "expected":
            return sorted(self.led_to.get(s, ()))
        return [(int(x), int(y)) for x, y in zip(*np.nonzero(self.model_next == s))]

    def model_td_error(self, s: int, a: int) -> float:
        """R + gamma max_a Q(S', a) - Q(S, A) with (R, S') = Model(S, A): lines (e) and (g)."""
        r, _, max_next = self.simulated(s, a)
        return r + self.gamma * max_next - float(self.Q[s, a])

    def insert(self, s: int, a: int, priority: float) -> None:
        """Insert (S, A) if P > theta, keeping the higher priority of a pair already queued."""
        if priority > self.config.theta and priority > self.priority.get((s, a), -1.0):
            self.priority[(s, a)] = priority
            heapq.heappush(self.queue, (-priority, self._queued, s, a))
            self._queued += 1

    def first(self) -> tuple[int, int]:
        """Remove and return the pair of highest priority (skipping superseded entries)."""
        while True:
            negative, _, s, a = heapq.heappop(self.queue)
            if self.priority.get((s, a)) == -negative:
                del self.priority[(s, a)]
                return s, a

    def learn(
        self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool
    ) -> Event:
        """Lines (d)-(g) after the real step (a)-(c) that :meth:`TabularControl.step` took."""
        self.model_update(s, a, r, s_next, terminated)  # line (d)
        td_error = self.model_td_error(s, a)  # line (e)
        self.insert(s, a, abs(td_error))  # line (f)
        first_update, updated = None, []
        for _ in range(self.config.planning_steps):  # line (g)
            if not self.priority:
                self.queue.clear()  # only superseded entries are left
                break
            s_top, a_top = self.first()
            update = self.simulated_update(s_top, a_top)
            first_update = first_update or update
            updated.append(s_top)
            for s_prev, a_prev in self.predecessors(s_top):  # predicted to lead to S
                self.insert(s_prev, a_prev, abs(self.model_td_error(s_prev, a_prev)))
        event = first_update or Event(unit="step")
        event.td_error = td_error  # the real transition's, as for the other TD agents
        return self.with_planning(event, updated)
