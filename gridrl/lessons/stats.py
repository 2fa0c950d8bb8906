"""Curves over seeds: the mean, a 95% confidence band, smoothing, and windows.

A learning curve of one seed is noisy; the lesson draws the mean over seeds and the 95%
confidence interval of that mean, mean +- t_{0.975, n-1} * s / sqrt(n), with Student's t
because a class demo often has only 5 or 10 seeds (with n = 5 the normal 1.96 would make
the band 36% too narrow).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

#: t_{0.975, df} for df = 1..30 (two-sided 95%).
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip
#: Beyond 30: (df, t) for interpolation in 1/df, ending at the normal quantile.
_T975_TAIL = ((30, 2.042), (40, 2.021), (60, 2.000), (120, 1.980), (math.inf, 1.960))


def t_quantile_975(df: int) -> float:
    """The 97.5% quantile of Student's t with ``df`` degrees of freedom (table, 3 decimals)."""
    if df < 1:
        return math.nan
    if df <= 30:
        return _T975[df - 1]
    for (d0, t0), (d1, t1) in itertools.pairwise(_T975_TAIL):
        if df <= d1:
            # linear in 1/df, which is how the quantile approaches its limit
            w = (1 / d0 - 1 / df) / (1 / d0 - (0 if math.isinf(d1) else 1 / d1))
            return t0 + w * (t1 - t0)
    return 1.960


@dataclass(frozen=True)
class Band:
    """Mean over seeds and its 95% confidence interval, per x."""

    x: np.ndarray
    mean: np.ndarray
    low: np.ndarray
    high: np.ndarray
    n: int


def stack(curves: list[np.ndarray]) -> np.ndarray:
    """Per-seed curves (possibly of different lengths) as one (seeds, T) array, cut to the shortest."""
    if not curves:
        return np.zeros((0, 0))
    length = min(len(c) for c in curves)
    return np.stack([np.asarray(c, dtype=np.float64)[:length] for c in curves])


def band(x: np.ndarray, Y: np.ndarray, skip_nan: bool = False) -> Band:
    """Mean and 95% CI over the rows (seeds) of ``Y``; one seed gives a band of zero width.

    ``skip_nan`` is for a sparse curve (NaN where no episode counts, ``SPARSE_METRICS``): each x
    takes the n_x seeds with a number there, the band's width from t_{0.975, n_x - 1}; NaN where
    no seed has one, a band of zero width where one has.
    """
    if skip_nan:
        return _sparse_band(x, Y)
    n = Y.shape[0]
    mean = Y.mean(axis=0) if n else np.zeros(0)
    if n < 2:
        return Band(x, mean, mean.copy(), mean.copy(), n)
    half = t_quantile_975(n - 1) * Y.std(axis=0, ddof=1) / math.sqrt(n)
    return Band(x, mean, mean - half, mean + half, n)


def _sparse_band(x: np.ndarray, Y: np.ndarray) -> Band:
    """:func:`band` over the seeds with a number at each x (Student's t with n_x - 1 df)."""
    finite = np.isfinite(Y)
    n_x = finite.sum(axis=0)
    mean = np.full(Y.shape[1], np.nan)
    np.divide(np.where(finite, Y, 0.0).sum(axis=0), n_x, out=mean, where=n_x > 0)
    squares = np.where(finite, Y - mean, 0.0) ** 2
    half = np.zeros(Y.shape[1])
    several = n_x >= 2
    t = np.array([t_quantile_975(int(n) - 1) for n in n_x[several]])
    half[several] = t * np.sqrt(squares.sum(axis=0)[several] / (n_x[several] - 1) / n_x[several])
    return Band(x, mean, mean - half, mean + half, Y.shape[0])


def sparse_mean(Y: np.ndarray) -> float:
    """A sparse curve's (seeds, T) numbers as one: each seed's mean over the numbers it has
    (NaN skipped), then the mean over the seeds that have any. NaN if none has."""
    finite = np.isfinite(Y)
    n = finite.sum(axis=1)
    if not n.any():
        return math.nan
    per_seed = np.where(finite, Y, 0.0).sum(axis=1)[n > 0] / n[n > 0]
    return float(per_seed.mean())


def smooth(Y: np.ndarray, window: int, skip_nan: bool = False) -> np.ndarray:
    """Trailing moving average over the last axis: point i averages points max(0, i-w+1)..i.

    The first points average what there is, so the curve starts at the first value rather
    than at a fraction of it. With ``skip_nan`` (a sparse curve) each point averages the
    numbers among those w points, and is NaN where all w are NaN.
    """
    if window <= 1 or Y.shape[-1] == 0:
        return Y
    if skip_nan:
        finite = np.isfinite(Y)
        counts = _trailing_sum(finite.astype(np.float64), window)
        out = np.full(counts.shape, np.nan)
        np.divide(_trailing_sum(np.where(finite, Y, 0.0), window), counts, out=out, where=counts > 0)
        return out
    return _trailing_sum(Y, window) / np.minimum(np.arange(1, Y.shape[-1] + 1), window)


def _trailing_sum(Y: np.ndarray, window: int) -> np.ndarray:
    """The sum of points max(0, i-w+1)..i at every i of the last axis."""
    c = np.cumsum(np.asarray(Y, dtype=np.float64), axis=-1)
    out = c.copy()
    out[..., window:] = c[..., window:] - c[..., :-window]
    return out


def select(x: np.ndarray, window: tuple[float, float] | None, last: int | None) -> np.ndarray:
    """Boolean mask of the x values in ``window`` (both ends included), or the ``last`` points."""
    mask = np.ones(len(x), dtype=bool)
    if window is not None:
        mask = (x >= window[0]) & (x <= window[1])
    elif last is not None:
        mask[: max(len(x) - last, 0)] = False
    return mask
