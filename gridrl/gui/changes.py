"""What a network update did, cell by cell: the difference of two insights.

A deep agent's update moves its network, and with it V, Q and pi of every state at once, so
"which cells did it touch" has one answer (all of them) and says nothing. What teaches is
how much each cell moved:

    dV(s) = V_after(s) - V_before(s)
    TV(s) = 1/2 sum_a |pi_after(a|s) - pi_before(a|s)|     (total variation, in [0, 1])

``before`` is the insight taken after the previous update (the weights do not move between
updates), so the difference is what the updates in between did -- usually exactly one.
The glow's strength per cell is that size over a robust maximum of the board
(:func:`~gridrl.render.colors.robust_limit`): one outlier does not wash out the rest.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gridrl.agents import Insight
from gridrl.levels import GridLevel, Level
from gridrl.render.colors import robust_limit

#: Changes smaller than this are float noise, not learning (float32 networks).
NOISE = 1e-7


@dataclass
class UpdateChange:
    """The difference of the insights around ``updates`` network updates, the last of which
    was unit ``unit`` (its ``equation``). Arrays over the states; ``dV`` and ``dQ`` are NaN
    where the agent learns no V or Q."""

    unit: int
    updates: int
    equation: str
    before: Insight
    after: Insight
    dV: np.ndarray
    dQ: np.ndarray
    tv: np.ndarray
    #: 0..1 per cell: the glow's strength (see :func:`glow_sizes`).
    size: np.ndarray


def value_cells(level: Level) -> np.ndarray | None:
    """States whose values mean something (not walls, not terminals), or None on a bandit."""
    if not isinstance(level, GridLevel):
        return None
    kinds = [level.tile(ch) for line in level.layout for ch in line]
    return np.array([not (k.wall or k.terminal) for k in kinds], dtype=bool)


def _normalised(x: np.ndarray) -> np.ndarray:
    """|x| over a robust maximum of the nonzero |x| (90th percentile), clipped to [0, 1]."""
    a = np.abs(np.nan_to_num(x, nan=0.0))
    a[a < NOISE] = 0.0
    moved = a[a > 0]
    if moved.size == 0:
        return a
    return np.minimum(a / robust_limit(moved, NOISE), 1.0)


def glow_sizes(dV: np.ndarray, tv: np.ndarray, policy_learnt: bool, mask: np.ndarray | None) -> np.ndarray:
    """The glow's strength per cell: the larger of |dV| and TV, each normalised over the
    board. ``policy_learnt`` False (DQN: pi is epsilon-greedy in Q, and epsilon decays
    everywhere alike) leaves TV out; ``mask`` zeroes cells without values."""
    size = _normalised(dV)
    if policy_learnt:
        size = np.maximum(size, _normalised(tv))
    if mask is not None and mask.shape == size.shape:
        size = np.where(mask, size, 0.0)
    return size


def change_between(before: Insight, after: Insight, *, unit: int, updates: int, equation: str, policy_learnt: bool,
                   mask: np.ndarray | None) -> UpdateChange:  # fmt: skip
    """The :class:`UpdateChange` from ``before`` to ``after``."""
    dV = np.asarray(after.V, dtype=float) - np.asarray(before.V, dtype=float)
    dQ = np.asarray(after.Q, dtype=float) - np.asarray(before.Q, dtype=float)
    tv = 0.5 * np.abs(np.asarray(after.pi, dtype=float) - np.asarray(before.pi, dtype=float)).sum(axis=1)
    return UpdateChange(unit=unit, updates=updates, equation=equation, before=before, after=after, dV=dV, dQ=dQ, tv=tv,
                        size=glow_sizes(dV, tv, policy_learnt, mask))  # fmt: skip
