"""How well a learned reward matches the true one, where the data says anything about it.

A Bradley-Terry reward model (:mod:`gridrl.preferences.reward_model`) is identified only up to
a constant (adding c to every reward leaves every preference between segments of equal
length unchanged) and on the labeller's scale (labels at temperature T teach r / T). So the
learned r_hat is compared with the truth r after the affine map that best explains r by it,

    (a, b) = argmin_{a >= 0, b}  sum_{(s, a) seen} (a r_hat(s, a) + b - r(s, a))^2,

and by the Pearson correlation, which ignores both. Both use only the (s, a) *seen*: those the
pairs visit at least once, among the (s, a) an agent can act from (not in walls, terminal
cells or teleports). Elsewhere a tabular model knows nothing (it keeps its initial 0) and a
feature model only extrapolates.

The scale is kept >= 0: a negative one would flip a model that ranks rewards backwards into a
picture that looks right. Such a model is drawn flat (a = 0) and its correlation says why.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gridrl.levels import GridLevel, compile_grid
from gridrl.preferences.data import PreferenceData


@dataclass(frozen=True)
class RewardComparison:
    """The learned reward against the true one over the seen (s, a)."""

    correlation: float
    """Pearson correlation over the seen (s, a); NaN with fewer than 2 or no spread"""
    scale: float
    """a of the alignment a r_hat + b (>= 0)"""
    shift: float
    """b of the alignment"""
    n_seen: int
    """(s, a) the pairs visit, among those that can be acted from"""
    n_actable: int
    """(s, a) that can be acted from"""

    @property
    def seen_fraction(self) -> float:
        return self.n_seen / self.n_actable if self.n_actable else 0.0

    def aligned(self, learned: np.ndarray) -> np.ndarray:
        """a r_hat + b: the learned reward on the true reward's scale."""
        return self.scale * np.asarray(learned, dtype=np.float64) + self.shift

    def summary(self) -> str:
        """One line, e.g. "correlation 0.97 over 412 of 640 (s, a) seen"."""
        corr = f"{self.correlation:.2f}" if np.isfinite(self.correlation) else "—"
        return f"correlation {corr} over {self.n_seen} of {self.n_actable} (s, a) seen"


def compare_rewards(true: np.ndarray, learned: np.ndarray, counts: np.ndarray,
                    actable: np.ndarray | None = None) -> RewardComparison:  # fmt: skip
    """Compare ``learned`` (S, A) with ``true`` (S, A) where ``counts`` (S, A) > 0.

    ``actable`` (S,) bool: the states an agent acts from (default: all). Non-finite learned
    values (a model that has none there) count as not seen.
    """
    r = np.asarray(true, dtype=np.float64)
    r_hat = np.asarray(learned, dtype=np.float64)
    if r.shape != r_hat.shape or r.shape != np.shape(counts):
        raise ValueError(f"true {r.shape}, learned {r_hat.shape} and counts {np.shape(counts)} must have one shape")
    rows = np.ones(r.shape[0], dtype=bool) if actable is None else np.asarray(actable, dtype=bool)
    can = np.broadcast_to(rows[:, None], r.shape)
    seen = can & (np.asarray(counts) > 0) & np.isfinite(r_hat)
    x, y = r_hat[seen], r[seen]
    n_seen, n_actable = int(seen.sum()), int(can.sum())
    if n_seen == 0:
        return RewardComparison(float("nan"), 1.0, 0.0, 0, n_actable)
    dx, dy = x - x.mean(), y - y.mean()
    sxx, syy, sxy = float(dx @ dx), float(dy @ dy), float(dx @ dy)
    correlation = sxy / np.sqrt(sxx * syy) if sxx > 0 and syy > 0 else float("nan")
    scale = max(sxy / sxx, 0.0) if sxx > 0 else 0.0
    return RewardComparison(float(correlation), scale, float(y.mean() - scale * x.mean()), n_seen, n_actable)


def pair_counts(data: PreferenceData, n_states: int, n_actions: int) -> np.ndarray:
    """(S, A) how often each (s, a) occurs in the pairs' segments, both sides."""
    flat = [s * n_actions + a for p in data.pairs for seg in (p.chosen, p.rejected) for s, a in seg]
    counts = np.bincount(np.array(flat, dtype=np.int64), minlength=n_states * n_actions)
    return counts.astype(np.float64).reshape(n_states, n_actions)


def actable_states(level: GridLevel) -> np.ndarray:
    """(S,) bool: the cells an agent acts from: not walls, not terminal, not teleports (entering
    one sends the agent on at once)."""
    grid = compile_grid(level)
    return ~(grid.wall | grid.terminal | (grid.teleport >= 0))
