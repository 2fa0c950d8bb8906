"""Experience replay (Lin 1992; Mnih et al. 2015): a circular buffer of transitions.

DQN learns from minibatches drawn uniformly from the last ``capacity`` transitions instead of
from the transition it just made. Two reasons, both in the DQN paper: consecutive
transitions are strongly correlated (a minibatch of them is one corridor, not the level),
and each transition can be learned from many times. When the buffer is full the oldest
transition is overwritten first, so the data slowly follows the changing policy.

A gridworld state is a cell index, so the buffer stores indices (``s``, ``s_next``), not
observations; the agent encodes a sampled batch with one table lookup. Two subtleties:

* ``s_next`` is the state the transition *arrived in*. With same-step autoreset the vector
  env has already moved a finished copy to a new start cell; that start is not where the
  transition went, so the agent stores ``final_states`` there (see
  :meth:`gridrl.agents.common.deep.DeepAgent.env_step`).
* ``terminated`` and ``truncated`` are both kept, but only ``terminated`` stops the
  bootstrap: a time limit cuts the episode, not the future, so the TD target of a truncated
  transition still uses max_a' Q(s_next, a').
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class Transitions:
    """A minibatch of transitions (s, a, r, s', terminated, truncated), one row each."""

    s: np.ndarray
    a: np.ndarray
    r: np.ndarray
    s_next: np.ndarray
    terminated: np.ndarray
    truncated: np.ndarray

    def __len__(self) -> int:
        return len(self.s)


class ReplayBuffer:
    """The last ``capacity`` transitions, written in a circle, sampled uniformly.

    ``size`` is the number of filled slots (grows to ``capacity``, then stays); ``pos`` is
    the slot the next transition goes to.
    """

    def __init__(self, capacity: int) -> None:
        if capacity < 1:
            raise ValueError(f"a replay buffer needs room for at least 1 transition, got {capacity}")
        self.capacity = int(capacity)
        self.s = np.zeros(capacity, dtype=np.int64)
        self.a = np.zeros(capacity, dtype=np.int64)
        self.r = np.zeros(capacity, dtype=np.float64)
        self.s_next = np.zeros(capacity, dtype=np.int64)
        self.terminated = np.zeros(capacity, dtype=bool)
        self.truncated = np.zeros(capacity, dtype=bool)
        self.pos = 0
        self.size = 0

    def __len__(self) -> int:
        return self.size

    def add(
        self,
        s: np.ndarray,
        a: np.ndarray,
        r: np.ndarray,
        s_next: np.ndarray,
        terminated: np.ndarray,
        truncated: np.ndarray,
    ) -> None:
        """Store a batch of n transitions (one per environment copy), overwriting the oldest."""
        s = np.atleast_1d(np.asarray(s))
        n = len(s)
        if n > self.capacity:  # only the newest `capacity` of them survive anyway
            keep = slice(n - self.capacity, n)
            s, a, r = s[keep], np.atleast_1d(a)[keep], np.atleast_1d(r)[keep]
            s_next, terminated = np.atleast_1d(s_next)[keep], np.atleast_1d(terminated)[keep]
            truncated = np.atleast_1d(truncated)[keep]
            n = self.capacity
        slots = (self.pos + np.arange(n)) % self.capacity
        self.s[slots], self.a[slots], self.r[slots] = s, a, r
        self.s_next[slots], self.terminated[slots], self.truncated[slots] = s_next, terminated, truncated
        self.pos = int((self.pos + n) % self.capacity)
        self.size = min(self.size + n, self.capacity)

    def sample(self, rng: np.random.Generator, batch_size: int) -> Transitions:
        """``batch_size`` transitions drawn uniformly, with replacement, from the filled slots."""
        if self.size == 0:
            raise ValueError("cannot sample from an empty replay buffer")
        i = rng.integers(self.size, size=batch_size)
        return Transitions(
            s=self.s[i], a=self.a[i], r=self.r[i], s_next=self.s_next[i],
            terminated=self.terminated[i], truncated=self.truncated[i],
        )  # fmt: skip

