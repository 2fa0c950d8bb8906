"""A neural agent seen live: the inspector shows the network as it is now and what its last
update did to the cell; the glow is the size of that change per cell; the Q overlay draws
what the agent really has (Q, its batch's advantages, or nothing and why)."""

from __future__ import annotations

import time

import numpy as np
import pygame
import pytest

from gridrl.agents.common.rollout import Batch
from gridrl.gui.inspector import num
from gridrl.gui.training import SPEEDS, Trainer
from gridrl.levels import load_level

from gui_helpers import key, scene

pytest.importorskip("torch")


def _play_until(app, done, patience: float = 120.0) -> int:
    """Play at full speed, one frame at a time, until ``done()``; checks on every frame that
    the inspector shows the values the board shows (the insight taken after the last unit,
    in the worker thread). The number of frames whose report changed."""
    sc = scene(app)
    t = sc.trainer
    t.playing, t.speed_index = True, len(SPEEDS) - 1
    deadline, changed, last = time.monotonic() + patience, 0, None
    while not done() and time.monotonic() < deadline:
        app.run_frames(1)
        shown, s = sc.driver.source(), sc.selected
        assert sc.inspector.report.V == pytest.approx(float(shown["V"][s]), nan_ok=True)
        assert np.allclose(sc.inspector.report.pi, shown["pi"][s])
        changed += last is not None and not np.array_equal(sc.inspector.report.pi, last)
        last = sc.inspector.report.pi
        time.sleep(0.003)
    t.playing = False
    assert done(), "not enough updates in time"
    return changed


@pytest.mark.parametrize("agent", ["grpo", "ppo"])
def test_the_inspector_shows_the_network_now_and_its_last_update(make_app, agent):
    app = make_app("four_rooms")
    sc = scene(app)
    sc.use_agent(agent, {}, 0)
    start = next(s for s in range(sc.level.n_cells) if sc.level.tile_at(*divmod(s, sc.level.shape[1])).start)
    sc.select(start)
    app.run_frames(1)
    t = sc.trainer
    changed = _play_until(app, lambda: t.units_run >= 3 and t.last_change is not None)
    assert changed >= 2  # the report followed the updates while they ran in the worker
    t.wait()
    app.run_frames(1)
    now = t.agent.insight()  # the worker is idle: the network may be read here
    report = sc.inspector.report
    assert np.allclose(report.pi, now.pi[start], atol=1e-6)
    assert report.V == pytest.approx(float(now.V[start]), nan_ok=True)
    assert report.update_title.startswith("What the last ")
    change = t.last_change
    text = "\n".join(report.lines())
    assert f"TV = ½ Σ|Δπ| = {num(change.tv[start])}" in text
    assert "no update" not in text.lower()
    if agent == "ppo":
        assert "ΔV(s) = " in text and num(change.after.V[start]) in text
    else:  # GRPO learns no V: no ΔV line
        assert "ΔV(s)" not in text


def test_the_change_is_the_difference_of_the_network_before_and_after_the_update():
    t = Trainer(load_level("four_rooms"), "ppo")
    try:
        for _ in range(2):
            before = t.agent.insight()
            t.advance("update")
            after = t.agent.insight()
            change = t.last_change
            assert change.updates == 1 and change.unit == t.units_run
            np.testing.assert_allclose(change.dV, after.V - before.V, atol=1e-12)
            np.testing.assert_allclose(change.tv, 0.5 * np.abs(after.pi - before.pi).sum(axis=1), atol=1e-12)
    finally:
        t.close()


@pytest.mark.parametrize("agent", ["ppo", "grpo", "dqn"])
def test_a_network_update_glows_by_the_size_of_its_change(agent):
    """Not "every cell touched": each cell's glow is its change over a robust maximum of the
    board, 0 where nothing changed (walls, the goal)."""
    level = load_level("four_rooms")
    t = Trainer(level, agent)
    try:
        t.advance("update")
        glow, size = t.highlights(), t.last_change.size
        cells = [level.tile_at(*divmod(s, level.shape[1])) for s in range(level.n_cells)]
        for s, kind in enumerate(cells):
            if kind.wall or kind.terminal:
                assert s not in glow
        values = np.array(list(glow.values()))
        assert len(set(np.round(values, 6))) > 10  # graded, not all equal
        assert values.max() == pytest.approx(1.0) and values.min() > 0
        assert all(glow[s] == pytest.approx(size[s]) for s in glow)  # no time passed: no fading yet
        assert set(np.flatnonzero(size)) == set(glow)
        t.update(t.highlight_seconds() / 2)
        assert all(v == pytest.approx(size[s] / 2) for s, v in t.highlights().items())
    finally:
        t.close()


def test_a_tabular_update_still_glows_one_cell():
    t = Trainer(load_level("four_rooms"), "q-learning")
    event = t.advance("step")
    assert t.highlights() == {int(event.changed[0]): 1.0}
    t.close()


def test_pair_means_is_the_mean_advantage_of_each_pair_tried():
    batch = Batch(states=np.array([0, 0, 1, 0]), actions=np.array([2, 2, 0, 1]), logp_old=np.zeros(4),
                  values_old=np.zeros(4), advantages=np.array([1.0, 3.0, -2.0, 5.0]), returns=np.zeros(4))  # fmt: skip
    A = batch.pair_means(2, 4)
    assert A[0, 2] == 2.0 and A[1, 0] == -2.0 and A[0, 1] == 5.0
    assert np.isnan(A).sum() == 5


@pytest.mark.parametrize(("agent", "label"), [
    ("dqn", "Q(s,a)"), ("ppo", "A(s,a) of the last batch"), ("actor-critic", "A(s,a) of the last batch"),
    ("trpo", "A(s,a) of the last batch"), ("reinforce", ""), ("grpo", ""),
])  # fmt: skip
def test_the_q_overlay_draws_what_the_agent_has_or_says_why_not(make_app, agent, label):
    app = make_app("four_rooms")
    sc = scene(app)
    sc.use_agent(agent, {}, 0)
    sc.trainer.advance("update")
    app.run_frames(1)
    key(app, pygame.K_q)
    values, shown_label, why = sc.driver.source()["action_values"]
    assert shown_label == label and sc.board.q_label == (label or sc.board.q_label)
    if label.startswith("A"):  # the advantages its last batch gave each pair it tried
        np.testing.assert_array_equal(sc.board.view.Q, sc.trainer.agent.advantage_table)
        assert np.isfinite(values).any() and np.isnan(values).any()
    elif label:
        assert np.isfinite(sc.board.view.Q).all()
    else:
        assert values is None and sc.board.view.Q is None  # the board keeps showing V
        assert why.startswith(f"No Q(s,a): {agent} learns only π(a|s)") and sc.status_text.startswith(why)


def test_a_cell_trained_in_a_unit_whose_last_step_was_elsewhere_does_not_claim_no_update(make_app):
    """An episode unit keeps only its last step's update: the start cell, changed in every
    episode, says where that update was instead of "no update has touched this cell"."""
    app = make_app("cliff_walking")
    sc = scene(app)
    for _ in range(60):  # as docs/make_screenshots.py trains it
        sc.trainer.advance("episode")
    start, last = 36, sc.trainer.last_event.backup["s"]
    assert sc.trainer.last_update.keys() == {last} and start in sc.trainer.last_event.changed
    sc.select(start)
    app.run_frames(1)
    where = f"row {last // 12 + 1}, col {last % 12 + 1}"
    assert sc.inspector.report.update_title == f"The last unit changed this cell too; the update kept is its last, at ({where})."
    sc.select(0)  # the top-left corner: not on the last episode's path
    app.run_frames(1)
    assert 0 not in sc.trainer.last_event.changed
    assert sc.inspector.report.update_title == f"The last update was elsewhere: ({where})."


def test_updates_the_app_did_not_see_are_not_claimed_absent(make_app):
    """Trained through the session (the app saw no unit), or after a reset: it says what the
    app saw."""
    app = make_app("cliff_walking")
    sc = scene(app)
    for _ in range(60):
        sc.trainer.session.advance("episode")
    sc.select(36)
    app.run_frames(1)
    assert sc.trainer.agent.insight().Q[36].min() < 0  # it did learn here
    assert sc.inspector.report.update_title == "No update seen since the app started showing this agent."
    sc.trainer.advance("episode")
    sc.cmd_reset()
    app.run_frames(1)
    assert sc.inspector.report.update_title == "No update seen since the app started showing this agent."
