"""The ``failed_episode_lengths`` metric (GRPO's length bias, lesson grpo_variants): per episode,
its length if it failed (return <= 0) and NaN otherwise; its means, smoothing and bands skip
the NaN, and a window with no failure says so instead of averaging nothing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gridrl.lessons import parse_lesson
from gridrl.lessons.loader import LessonError
from gridrl.lessons.model import FAILED_LENGTHS, ON_DEMAND_METRICS, metric_label, metric_x
from gridrl.lessons.runner import CurveResult, Task, evaluate, execute, run_lesson
from gridrl.lessons.stats import band, smooth, sparse_mean
from gridrl.levels import load_level

PIT_ROOM_RUN = """
title: t
figure: t
explanation: t
steps:
  - level: pit_room
  - run: {agents: [{label: q, agent: q-learning, params: {epsilon: 0.3}}], episodes: 40, seeds: 3}
"""


def test_it_is_an_episode_curve_computed_on_demand():
    assert FAILED_LENGTHS == "failed_episode_lengths" and FAILED_LENGTHS in ON_DEMAND_METRICS
    assert metric_x(FAILED_LENGTHS) == "episode"
    assert metric_label(FAILED_LENGTHS) == "Length of the failed episodes (steps)"


def test_each_failed_episode_keeps_its_length_and_every_success_is_nan():
    task = Task(index=0, label="q", agent="q-learning", params={"epsilon": 0.3}, level=load_level("pit_room"),
                seed=3, runs=1, unit="episode", count=60, extra_metrics=(FAILED_LENGTHS,))  # fmt: skip
    curves = execute(task)["curves"]
    failed, G, L = curves[FAILED_LENGTHS], curves["episode_returns"], curves["episode_lengths"]
    assert len(failed) == 60
    # pit_room pays only at the goal: an episode fails exactly when it earns nothing
    assert set(np.unique(G)) <= {0.0, 1.0} and 0 < (G == 0).sum() < 60
    np.testing.assert_array_equal(np.isnan(failed), G == 1.0)
    np.testing.assert_array_equal(failed[G == 0], L[G == 0])
    assert FAILED_LENGTHS not in execute(task.__class__(**{**task.__dict__, "extra_metrics": ()}))["curves"]


def test_smoothing_averages_the_numbers_in_each_window():
    Y = np.array([[math.nan, 4.0, math.nan, 8.0, math.nan, math.nan]])
    # window 2: (nan), (4), (4), (8), (8), (none)
    np.testing.assert_array_equal(smooth(Y, 2, skip_nan=True), [[math.nan, 4.0, 4.0, 8.0, 8.0, math.nan]])
    # window 3: the last point sees 8 alone; the fourth sees 4 and 8
    np.testing.assert_array_equal(smooth(Y, 3, skip_nan=True), [[math.nan, 4.0, 4.0, 6.0, 8.0, 8.0]])
    dense = np.array([[1.0, 2.0, 3.0, 4.0]])
    np.testing.assert_array_equal(smooth(dense, 2, skip_nan=True), smooth(dense, 2))


def test_the_band_at_each_x_uses_the_seeds_with_a_number_there():
    Y = np.array([[2.0, math.nan, math.nan], [4.0, math.nan, 5.0], [6.0, 1.0, 7.0]])
    b = band(np.arange(1.0, 4.0), Y, skip_nan=True)
    half = 4.303 * 2.0 / math.sqrt(3)  # t_{0.975, 2} * sd(2, 4, 6) / sqrt(3)
    half_2 = 12.706 * math.sqrt(2) / math.sqrt(2)  # t_{0.975, 1} * sd(5, 7) / sqrt(2)
    np.testing.assert_allclose(b.mean, [4.0, 1.0, 6.0])
    np.testing.assert_allclose(b.low, [4.0 - half, 1.0, 6.0 - half_2], atol=1e-3)
    np.testing.assert_allclose(b.high, [4.0 + half, 1.0, 6.0 + half_2], atol=1e-3)
    empty = band(np.array([1.0]), np.array([[math.nan], [math.nan]]), skip_nan=True)
    assert math.isnan(empty.mean[0])


def test_the_mean_is_each_seeds_mean_failure_averaged_over_the_seeds_that_failed():
    Y = np.array([[2.0, math.nan, 4.0], [math.nan, math.nan, math.nan], [10.0, math.nan, math.nan]])
    assert sparse_mean(Y) == pytest.approx((3.0 + 10.0) / 2)  # the seed with no failure is left out
    assert math.isnan(sparse_mean(np.full((2, 3), math.nan)))


def test_a_lesson_plots_and_checks_it(tmp_path):
    lesson = parse_lesson(PIT_ROOM_RUN + """
  - plot: {metric: failed_episode_lengths, title: t, smooth: 5}
  - check: {claim: t, metric: failed_episode_lengths, published: {q: 20}, tolerance: {q: 60}}
""")  # fmt: skip
    result = run_lesson(lesson, tmp_path, workers=1, progress=False)
    _, Y = result.curves["q"].curve(FAILED_LENGTHS)
    per_seed = [np.mean(y[np.isfinite(y)]) for y in Y]
    assert Y.shape == (3, 40) and np.isnan(Y).any() and np.isfinite(Y).any()
    assert result.checks[0].rows[0]["measured"] == pytest.approx(np.mean(per_seed))
    assert (tmp_path / "failed_episode_lengths.csv").read_text().startswith("episode,q mean,")


def test_a_window_without_a_failure_fails_its_check_with_a_reason():
    lesson = parse_lesson(PIT_ROOM_RUN + """
  - check: {claim: t, metric: failed_episode_lengths, window: [3, 4], published: {q: 9}, tolerance: {q: 1}}
""")  # fmt: skip
    check = lesson.steps[-1]
    seeds = [{"curves": {FAILED_LENGTHS: np.array([2.0, 60.0, math.nan, math.nan])}}] * 2
    curve = CurveResult(lesson.steps[1].agents[0], None, None, [0, 1], seeds)  # type: ignore[arg-type]
    result = evaluate(check, {"q": curve}, quick=False)
    assert not result.ok and result.error == (
        "'q' has no episode that counts for 'failed_episode_lengths' in the window (e.g. no failed one): "
        "nothing to average"
    )


@pytest.mark.parametrize(
    "step, message",
    [
        ("  - check: {claim: t, measure: last, metric: failed_episode_lengths, published: {q: 9}, tolerance: {q: 1}}",
         "'failed_episode_lengths' is NaN on the episodes that do not count, so a check measures it by 'mean'"),
        ("  - study: {agents: [{label: s, agent: q-learning, vary: {alpha: [0.1, 0.2]}}], episodes: 5, seeds: 1, "
         "metric: failed_episode_lengths, last: 5}",
         "a study reduces every run to one number, and 'failed_episode_lengths' has none"),
    ],
)  # fmt: skip
def test_measures_that_cannot_skip_the_nan_are_refused(step, message):
    with pytest.raises(LessonError, match=message):
        parse_lesson(PIT_ROOM_RUN + step + "\n")
