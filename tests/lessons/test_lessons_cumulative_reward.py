"""The ``cumulative_reward`` metric (Figures 8.4 and 8.5): reward earned by each environment step,
against the rewards of the same run taken one step at a time."""

from __future__ import annotations

import numpy as np
import pytest

from gridrl.lessons import parse_lesson
from gridrl.lessons.loader import LessonError
from gridrl.lessons.runner import Task, execute
from gridrl.levels import load_level
from gridrl.session import Session


def _rewards_step_by_step(level: str, agent: str, params: dict, steps: int, seed: int) -> np.ndarray:
    session = Session(load_level(level), agent, params, seed=seed)
    return np.array([session.advance("step").reward for _ in range(steps)], dtype=np.float64)


def _curve(level: str, agent: str, params: dict, steps: int, seed: int) -> np.ndarray:
    task = Task(index=0, label="x", agent=agent, params=params, level=load_level(level), seed=seed, runs=1,
                unit="step", count=steps, extra_metrics=("cumulative_reward",))  # fmt: skip
    return execute(task)["curves"]["cumulative_reward"]


def test_reward_only_on_arrival_gives_the_exact_running_sum():
    """The blocking maze pays +1 at G only: the curve is the running sum of every step's reward,
    through the wall's move at step 1000 (about 60 goals by then, Figure 8.4)."""
    params = {"planning_steps": 10, "alpha": 1.0, "kappa": 1e-4}
    curve = _curve("blocking_maze", "dyna-q-plus", params, 1500, seed=3)
    rewards = _rewards_step_by_step("blocking_maze", "dyna-q-plus", params, 1500, seed=3)
    assert curve.shape == (1500,)
    np.testing.assert_array_equal(curve, np.cumsum(rewards))
    assert 30 <= curve[999] <= 90


def test_rewards_during_an_episode_count_when_it_ends():
    """On the cliff (-1 a step, -100 a fall) the curve agrees with the running sum at every
    episode's last step and stays flat in between; steps of the unfinished episode add nothing."""
    params = {"alpha": 0.5, "epsilon": 0.1}
    curve = _curve("cliff_walking", "q-learning", params, 2000, seed=0)
    rewards = _rewards_step_by_step("cliff_walking", "q-learning", params, 2000, seed=0)
    session = Session(load_level("cliff_walking"), "q-learning", params, seed=0)
    session.run("step", 2000)
    ends = np.cumsum(session.history.episode_lengths) - 1
    assert len(ends) > 10
    np.testing.assert_allclose(curve[ends], np.cumsum(rewards)[ends])
    assert np.all(np.diff(curve)[np.setdiff1d(np.arange(1999), ends - 1)] == 0)
    assert curve[-1] == pytest.approx(sum(session.history.episode_returns))


def test_a_lesson_plots_it_against_time_steps(tmp_path):
    lesson = parse_lesson(
        """
title: t
figure: t
explanation: t
steps:
  - level: dyna_maze
  - run: {agents: [{label: n5, agent: dyna-q, params: {planning_steps: 5}}], steps: 300, seeds: 2}
  - plot: {metric: cumulative_reward, title: t}
  - check: {claim: t, metric: cumulative_reward, measure: last, published: {n5: 0}, tolerance: {n5: 1000}}
"""
    )
    from gridrl.lessons.runner import run_lesson

    result = run_lesson(lesson, tmp_path, workers=1, progress=False)
    x, Y = result.curves["n5"].curve("cumulative_reward")
    assert Y.shape == (2, 300) and x[-1] == 300
    assert result.checks[0].rows[0]["measured"] == Y[:, -1].mean() > 0
    assert (tmp_path / "cumulative_reward.png").is_file()
    assert (tmp_path / "cumulative_reward.csv").read_text().startswith("step,n5 mean,")
    plot = result.lesson.steps[2]
    assert (plot.xlabel, plot.ylabel) == ("Steps", "Cumulative reward")


def test_a_model_sweep_has_no_steps_to_count():
    with pytest.raises(LessonError, match="cumulative_reward.*needs an environment"):
        parse_lesson(
            """
title: t
figure: t
explanation: t
steps:
  - level: small_gridworld
  - run: {agents: [{label: pe, agent: policy-evaluation}], updates: 3, values_at: [1, 3]}
  - plot: {metric: cumulative_reward, title: t}
"""
        )
