"""A bounded record of what the agent knew over the run, for the timeline slider.

Training keeps going while the student scrubs back: the ring only appends, and the view
holds on to the :class:`Snapshot` it shows (not an index, which downsampling would move).

At most ``capacity`` snapshots are kept. When the ring is full every other snapshot is
dropped and from then on only every second (then fourth, ...) offered snapshot is kept, so
the ring always spans the whole run at a resolution that halves as the run doubles. The
newest state is always available as :attr:`Timeline.latest`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

DEFAULT_CAPACITY = 2000
#: Bytes the ring may use at most; big grids get fewer snapshots.
MEMORY_BUDGET = 256 * 2**20


@dataclass
class Snapshot:
    """What the board showed after ``units`` units (``steps`` env steps, ``episodes`` episodes)."""

    units: int
    steps: int
    episodes: int
    V: np.ndarray
    Q: np.ndarray
    pi: np.ndarray
    visits: np.ndarray
    agent: int | None = None
    caption: str | None = None
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def nbytes(self) -> int:
        return int(self.V.nbytes + self.Q.nbytes + self.pi.nbytes + self.visits.nbytes)

    def label(self) -> str:
        text = f"after {self.units} units · {self.steps} steps"
        if self.episodes:
            text += f" · {self.episodes} episodes"
        return text


class Timeline:
    def __init__(self, capacity: int = DEFAULT_CAPACITY, memory_budget: int = MEMORY_BUDGET) -> None:
        self.capacity = capacity
        self.memory_budget = memory_budget
        self.items: list[Snapshot] = []
        self.stride = 1
        self.offered = 0
        self.latest: Snapshot | None = None

    def __len__(self) -> int:
        return len(self.items)

    def clear(self) -> None:
        self.items.clear()
        self.stride, self.offered, self.latest = 1, 0, None

    def record(self, snapshot: Snapshot) -> None:
        """Offer a snapshot; kept if it falls on the current stride."""
        self.latest = snapshot
        self.offered += 1
        if (self.offered - 1) % self.stride:
            return
        if not self.items:  # size the ring by the first snapshot's memory
            self.capacity = max(16, min(self.capacity, self.memory_budget // max(1, snapshot.nbytes)))
        self.items.append(snapshot)
        if len(self.items) > self.capacity:
            self.items = self.items[::2]
            self.stride *= 2

    def at(self, index: int) -> Snapshot:
        return self.items[max(0, min(index, len(self.items) - 1))]

    def index_of(self, snapshot: Snapshot | None) -> int:
        """Position of ``snapshot`` (or of the nearest earlier one still kept)."""
        if snapshot is None or not self.items:
            return len(self.items) - 1
        for i in range(len(self.items) - 1, -1, -1):
            if self.items[i].units <= snapshot.units:
                return i
        return 0
