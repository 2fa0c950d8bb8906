"""Session: history, the snapshot/metrics JSON of docs/ARCHITECTURE.md, and saving the learned state."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from gridrl.session import Session, load_agent_state


def test_gridworld_snapshot_has_the_documented_shapes_and_nulls_on_walls(tmp_path) -> None:
    session = Session("four_rooms", "value-iteration")
    session.advance("episode")
    snap = session.snapshot()
    rows, cols = 11, 11
    assert snap["level"] == "Four Rooms" and snap["agent"] == "value-iteration"
    assert snap["shape"] == [rows, cols]
    assert len(snap["V"]) == rows and all(len(r) == cols for r in snap["V"])
    assert np.array(snap["Q"]).shape == (rows, cols, 4)
    assert np.array(snap["pi"]).shape == (rows, cols, 4)
    layout = session.level.layout
    for r in range(rows):
        for c in range(cols):
            assert (snap["V"][r][c] is None) == (layout[r][c] == "#")
    # next to the goal (row 10, col 10) the value is the discounted +1 of one step
    assert snap["V"][9][10] == pytest.approx(1.0)
    assert snap["V"][10][9] == pytest.approx(1.0)
    np.testing.assert_allclose(np.array(snap["pi"]).sum(axis=-1), 1.0)


def test_bandit_snapshot_and_metrics_per_pull() -> None:
    session = Session("bernoulli_3", "epsilon-greedy", {"epsilon": 0.1}, seed=3, runs=50)
    session.advance("episode")  # one run to the level's horizon: 500 pulls
    snap = session.snapshot()
    assert snap["true_means"] == pytest.approx([0.2, 0.5, 0.8])
    assert len(snap["Q"]) == 3 and sum(snap["pi"]) == pytest.approx(1.0)
    metrics = session.metrics()
    assert len(metrics["mean_reward"]) == 500 and len(metrics["optimal_action"]) == 500
    assert 0.6 < np.mean(metrics["mean_reward"][-100:]) <= 0.8


def test_history_records_episodes_and_td_errors() -> None:
    session = Session("corridor", "q-learning", {"epsilon": 0.2}, seed=1)
    session.run("episode", 20)
    h = session.history
    assert len(h.episode_returns) == 20 and len(h.episode_lengths) == 20
    assert h.steps == sum(h.episode_lengths)
    assert all(r == pytest.approx(1.0) for r in h.episode_returns)  # reward 1 at the goal only
    # one diagnostics record per unit driven (here: per episode, its last TD error)
    assert len(h.updates) == 20 and all("td_error" in u for u in h.updates)
    assert h.units["episode"] == 20


@pytest.mark.parametrize("agent", ["q-learning", "double-q-learning", "sarsa", "monte-carlo"])
def test_history_records_each_episode_s_first_action(agent) -> None:
    """On Example 6.7's level only left (3) leads on to B, so an episode lasts 2 steps exactly
    when its first action was left; any other first action ends it at once."""
    session = Session("maximization_bias", agent, {"epsilon": 0.5}, seed=2)
    session.run("episode", 200)
    h = session.history
    first = np.frombuffer(bytes(h.first_actions), dtype=np.uint8)
    assert isinstance(h.first_actions, bytearray) and len(first) == len(h.episode_lengths) == 200
    np.testing.assert_array_equal(first == 3, np.array(h.episode_lengths) == 2)
    assert set(first.tolist()) == {0, 1, 2, 3}


def test_first_actions_are_the_same_whatever_unit_drives_the_episodes() -> None:
    by_episode = Session("maximization_bias", "q-learning", seed=4)
    by_episode.run("episode", 50)
    by_step = Session("maximization_bias", "q-learning", seed=4)
    while len(by_step.history.episode_returns) < 50:
        by_step.advance("step")
    assert by_step.history.first_actions == by_episode.history.first_actions
    assert by_step.history.episode_returns == by_episode.history.episode_returns


def test_same_seed_same_numbers_twice() -> None:
    def run() -> tuple[list[float], np.ndarray]:
        session = Session("cliff_walking", "sarsa", seed=7)
        session.run("episode", 50)
        return session.history.episode_returns, session.agent.insight().Q

    (returns_a, Q_a), (returns_b, Q_b) = run(), run()
    assert returns_a == returns_b
    np.testing.assert_array_equal(Q_a, Q_b)
    other = Session("cliff_walking", "sarsa", seed=8)
    other.run("episode", 50)
    assert other.history.episode_returns != returns_a


def test_save_writes_json_and_the_learned_state_loads_back(tmp_path) -> None:
    session = Session("cliff_walking", "q-learning", seed=0)
    session.run("episode", 30)
    written = session.save(tmp_path / "out")
    assert [p.name for p in written] == ["snapshot.json", "metrics.json", "agent.npz"]
    metrics = json.loads((tmp_path / "out" / "metrics.json").read_text())
    assert metrics["episode_returns"] == session.history.episode_returns
    fresh = Session("cliff_walking", "q-learning", seed=0)
    load_agent_state(fresh.agent, tmp_path / "out" / "agent.npz")
    np.testing.assert_array_equal(fresh.agent.Q, session.agent.Q)
    assert fresh.agent.episodes_done == 30
    assert not list((tmp_path / "out").glob(".*tmp*"))  # no temp files left behind


@pytest.mark.parametrize("agent", ["q-learning", "sarsa", "value-iteration", "policy-iteration"])
def test_live_edit_keeps_what_was_learned_and_applies_the_new_dynamics(agent) -> None:
    from dataclasses import replace

    session = Session("corridor", agent, seed=0)
    session.run("episode", 5)
    learned = session.agent.insight().V.copy()
    row = session.level.layout[0]
    edited = replace(session.level, layout=(row[:4] + "#" + row[5:],))  # wall in the corridor
    session.set_level(edited)
    assert session.level is edited and session.agent.level is edited
    np.testing.assert_allclose(session.agent.insight().V[:4], learned[:4])  # not reset
    session.run("episode", 3)
    assert session.agent.insight().V[4] == 0.0  # the new wall holds no value


def test_live_edit_must_keep_the_size() -> None:
    from dataclasses import replace

    from gridrl.agents import LevelMismatchError

    session = Session("corridor", "q-learning")
    with pytest.raises(LevelMismatchError):
        session.set_level(replace(session.level, layout=("S..G",)))


def test_live_edit_of_a_bandit_keeps_the_estimates() -> None:
    from dataclasses import replace

    from gridrl.levels import BernoulliArm

    session = Session("bernoulli_3", "epsilon-greedy", seed=0)
    session.run("step", 50)
    Q = session.agent.insight().Q.copy()
    arms = session.level.arms
    edited = replace(session.level, arms=(arms[0], arms[1], BernoulliArm("high", p=0.1)))
    session.set_level(edited)
    np.testing.assert_array_equal(session.agent.insight().Q, Q)
    assert session.agent.insight().extras["true_means"][2] == pytest.approx(0.1)


def test_importing_the_session_loads_neither_pygame_nor_torch() -> None:
    """The Jupyter methods import the render layer only when a picture is asked for."""
    code = "import sys, gridrl.session; print(sorted({m.split('.')[0] for m in sys.modules} & {'pygame', 'torch'}))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
