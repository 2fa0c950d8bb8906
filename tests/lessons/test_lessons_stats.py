"""The numbers behind the curves: t quantiles, the 95% band, smoothing, windows, greedy paths."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from gridrl.lessons.animate import greedy_path
from gridrl.lessons.stats import band, select, smooth, stack, t_quantile_975
from gridrl.levels import load_level


@pytest.mark.parametrize(
    "df, t", [(1, 12.706), (4, 2.776), (9, 2.262), (30, 2.042), (60, 2.000), (10**9, 1.960)]
)
def test_t_quantile_matches_the_table(df, t):
    assert t_quantile_975(df) == pytest.approx(t, abs=1e-3)


def test_t_quantile_interpolates_monotonically():
    values = [t_quantile_975(df) for df in range(1, 500)]
    assert all(a >= b for a, b in itertools.pairwise(values))
    assert t_quantile_975(45) == pytest.approx(2.014, abs=2e-3)  # the exact value is 2.0141
    assert math.isnan(t_quantile_975(0))


def test_band_is_the_t_interval_of_the_mean():
    Y = np.array([[1.0, 10.0], [2.0, 10.0], [3.0, 10.0], [4.0, 10.0], [5.0, 10.0]])
    b = band(np.array([1.0, 2.0]), Y)
    half = 2.776 * np.std([1, 2, 3, 4, 5], ddof=1) / math.sqrt(5)
    assert b.mean.tolist() == [3.0, 10.0] and b.n == 5
    assert b.low[0] == pytest.approx(3 - half) and b.high[0] == pytest.approx(3 + half)
    assert b.low[1] == b.high[1] == 10.0  # no spread, no band
    one = band(np.array([1.0]), np.array([[7.0]]))
    assert one.low[0] == one.high[0] == 7.0


def test_stack_cuts_to_the_shortest_seed():
    assert stack([np.arange(5), np.arange(3)]).shape == (2, 3)
    assert stack([]).shape == (0, 0)


def test_smooth_is_a_trailing_mean_that_starts_at_the_first_value():
    y = np.array([[4.0, 0.0, 8.0, 0.0, 4.0]])
    assert smooth(y, 2).tolist() == [[4.0, 2.0, 4.0, 4.0, 2.0]]
    assert smooth(y, 1) is y


def test_select_window_and_last():
    x = np.arange(1.0, 11.0)
    assert select(x, (3, 5), None).nonzero()[0].tolist() == [2, 3, 4]
    assert select(x, None, 2).nonzero()[0].tolist() == [8, 9]
    assert select(x, None, None).all()


def test_greedy_path_follows_the_policy_and_detects_loops():
    level = load_level("cliff_walking")
    rows, cols = level.shape
    pi = np.zeros((rows * cols, 4))
    pi[:, 0] = 1.0  # up everywhere: from the start (3, 0) up to the top row, then bump forever
    path, reached = greedy_path(level, pi)
    assert not reached and path[:4] == [36, 24, 12, 0]
    pi[:] = 0.0
    pi[36, 0] = 1.0  # up once, then right along row 2, then down into G: 13 steps
    pi[24:35, 1] = 1.0
    pi[35, 2] = 1.0
    path, reached = greedy_path(level, pi)
    assert reached and len(path) - 1 == 13 and path[-1] == 47
