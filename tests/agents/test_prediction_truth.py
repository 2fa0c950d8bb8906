"""Prediction agents know the exact v_pi they are learning, and say how far they are from it."""

from __future__ import annotations

import numpy as np
import pytest

from gridrl.agents import make_agent
from gridrl.cli import main
from gridrl.levels import load_level


@pytest.mark.parametrize(("level", "expected"), [
    ("random_walk_5", np.arange(1, 6) / 6),  # Example 6.2
    ("random_walk_19", np.arange(-18, 19, 2) / 20),  # Example 7.1
])  # fmt: skip
def test_the_agent_holds_the_exact_v_pi_of_the_random_walk(level, expected):
    agent = make_agent("td-prediction", load_level(level), {"policy": "moves"}, seed=0)
    open_cells = ~agent.inactive
    np.testing.assert_allclose(agent.v_pi[open_cells], expected, atol=1e-12)
    assert agent.insight().extras["v_pi"] is agent.v_pi


def test_rms_error_is_reported_at_each_episode_end_and_is_figure_6_2s_measure():
    agent = make_agent("td-prediction", load_level("random_walk_5"), {"policy": "moves", "v0": 0.5}, seed=0)
    assert agent.rms_error() == pytest.approx(np.sqrt(np.mean((0.5 - np.arange(1, 6) / 6) ** 2)))  # before learning
    event = agent.advance("episode")
    assert event.info["rms_error"] == pytest.approx(agent.rms_error())
    steps = [agent.step() for _ in range(50)]
    assert all(("rms_error" in e.info) == e.done for e in steps)


def test_no_exact_v_pi_where_the_policy_can_wander_forever(tmp_path):
    """gamma = 1 and no way out for the uniform policy: v_pi is not finite, so none is given."""
    path = tmp_path / "closed.yaml"
    path.write_text("kind: gridworld\nname: closed\nlayout: |\n  S.#G\ndynamics:\n  gamma: 1\n  step_reward: -1\n")
    agent = make_agent("td-prediction", load_level(str(path)), {}, seed=0)
    assert agent.v_pi is None and agent.rms_error() is None


def test_train_prints_the_rms_error(capsys):
    assert main(["train", "random_walk_5", "--agent", "td-prediction", "--episodes", "20", "--quiet"]) == 0
    assert "RMS error of V against the exact v_pi of the model: 0." in capsys.readouterr().out
