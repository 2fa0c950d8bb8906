"""The ``start_action:*`` metrics (Figure 6.5's "% left actions from A"): per episode, 100 when
its first action was that one, else 0."""

from __future__ import annotations

import numpy as np
import pytest

from gridrl.lessons import parse_lesson
from gridrl.lessons.loader import LessonError
from gridrl.lessons.model import START_ACTION_METRICS, metric_label, metric_x
from gridrl.lessons.runner import Task, execute
from gridrl.levels import load_level
from gridrl.session import Session


def _curves(agent: str, episodes: int, seed: int) -> dict[str, np.ndarray]:
    task = Task(index=0, label="x", agent=agent, params={"epsilon": 0.3}, level=load_level("maximization_bias"),
                seed=seed, runs=1, unit="episode", count=episodes, extra_metrics=START_ACTION_METRICS)  # fmt: skip
    return execute(task)["curves"]


def test_the_names_follow_the_action_numbering():
    assert START_ACTION_METRICS == ("start_action:up", "start_action:right", "start_action:down", "start_action:left")
    assert metric_x("start_action:left") == "episode"
    assert metric_label("start_action:left") == "% episodes begun with 'left'"


@pytest.mark.parametrize("agent", ["q-learning", "double-q-learning"])
def test_each_episode_counts_100_for_its_first_action_only(agent):
    curves = _curves(agent, 120, seed=5)
    stacked = np.stack([curves[m] for m in START_ACTION_METRICS])
    assert stacked.shape == (4, 120)
    np.testing.assert_array_equal(stacked.sum(axis=0), 100.0)
    # Only left leads on to B: exactly the 2-step episodes began with left.
    np.testing.assert_array_equal(curves["start_action:left"] == 100.0, curves["episode_lengths"] == 2)
    session = Session(load_level("maximization_bias"), agent, {"epsilon": 0.3}, seed=5)
    session.run("episode", 120)
    first = np.frombuffer(bytes(session.history.first_actions), dtype=np.uint8)
    np.testing.assert_array_equal(curves["start_action:up"], 100.0 * (first == 0))


def test_a_lesson_plots_and_checks_it(tmp_path):
    lesson = parse_lesson(
        """
title: t
figure: t
explanation: t
steps:
  - level: maximization_bias
  - run: {agents: [{label: q, agent: q-learning, params: {alpha: 0.1, epsilon: 0.1}}], episodes: 40, seeds: 3}
  - plot: {metric: "start_action:left", title: t}
  - check: {claim: t, metric: "start_action:left", window: [1, 40], published: {q: 50}, tolerance: {q: 50}}
"""
    )
    from gridrl.lessons.runner import run_lesson

    result = run_lesson(lesson, tmp_path, workers=1, progress=False)
    x, Y = result.curves["q"].curve("start_action:left")
    assert Y.shape == (3, 40) and set(np.unique(Y)) <= {0.0, 100.0}
    assert result.checks[0].rows[0]["measured"] == pytest.approx(Y.mean())
    assert (tmp_path / "start_action_left.png").is_file()
    assert (tmp_path / "start_action_left.csv").read_text().startswith("episode,q mean,")


def test_an_unknown_action_is_refused_with_the_known_names():
    with pytest.raises(LessonError, match="unknown metric 'start_action:sideways'.*start_action:left"):
        parse_lesson(
            """
title: t
figure: t
explanation: t
steps:
  - level: maximization_bias
  - run: {agents: [{label: q, agent: q-learning}], episodes: 5, seeds: 1}
  - plot: {metric: "start_action:sideways", title: t}
"""
        )
