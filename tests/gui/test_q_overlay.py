"""The Q overlay's button and the inspector's action-value column say what the agent has:
Q(s,a) (tabular, DQN), the advantages A(s,a) of its last batch (A2C, PPO, TRPO), or
nothing, with the reason on the disabled button (REINFORCE, GRPO)."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from gridrl.gui.inspector import ADVANTAGE_NOTE, num

from gui_helpers import scene

pytest.importorskip("torch")


def _start(sc) -> int:
    return next(s for s in range(sc.level.n_cells) if sc.level.tile_at(*divmod(s, sc.level.shape[1])).start)


def test_the_q_button_is_disabled_with_the_reason_as_its_tooltip_for_policy_only_agents(make_app, monkeypatch):
    app = make_app("four_rooms")
    sc = scene(app)
    button = sc.panels.overlay_buttons["q"]
    own_tip = button.tool_tip_text
    assert button.is_enabled and "Q(s,a)" in own_tip  # q-learning, the default agent
    sc.use_agent("grpo", {}, 0)
    app.run_frames(2)
    button = sc.panels.overlay_buttons["q"]  # the panels were rebuilt for the new agent
    assert not button.is_enabled
    assert button.tool_tip_text == sc.board.q_status()
    assert button.tool_tip_text.startswith("No Q(s,a): grpo learns only π(a|s)")
    # pygame_gui shows no tooltip on a disabled button: this one shows its reason on hover
    monkeypatch.setattr(pygame.mouse, "get_pos", lambda: button.rect.center)
    app.run_frames(90)  # 1.5 s: past the tooltip's 1 s delay
    assert button.tool_tip is not None and button.tool_tip.text_block.html_text == sc.board.q_status()
    monkeypatch.undo()
    sc.use_agent("ppo", {}, 0)
    app.run_frames(2)
    button = sc.panels.overlay_buttons["q"]
    assert button.is_enabled and button.tool_tip_text == own_tip


def test_a_disabled_q_button_is_not_drawn_selected_and_is_again_once_enabled(make_app):
    app = make_app("four_rooms")
    sc = scene(app)
    sc.cmd_overlay("q")
    app.run_frames(2)
    assert sc.panels.overlay_buttons["q"].is_selected
    sc.board.q_missing = "No Q(s,a): reinforce learns only π(a|s)."
    sc.panels.sync()
    button = sc.panels.overlay_buttons["q"]
    assert not button.is_enabled and not button.is_selected and "q" in sc.overlays
    app.run_frames(2)  # the board of q-learning again: Q(s,a)
    assert button.is_enabled and button.is_selected


@pytest.mark.parametrize("agent", ["ppo", "actor-critic", "trpo"])
def test_the_inspector_shows_an_actor_critics_advantages_in_an_a_column(make_app, agent):
    app = make_app("four_rooms")
    sc = scene(app)
    sc.use_agent(agent, {}, 0)
    sc.trainer.advance("update")
    table = sc.trainer.agent.advantage_table
    tried = np.isfinite(table)
    s = int(np.flatnonzero(tried.any(axis=1) & ~tried.all(axis=1))[0])  # some actions tried, not all
    sc.select(s)
    app.run_frames(1)
    report = sc.inspector.report
    assert report.q_title == "A(s,a)" and report.q_note == ADVANTAGE_NOTE
    np.testing.assert_array_equal(report.Q, table[s])
    lines = report.lines()
    assert lines[3] == "A(s,a): " + "  ".join(f"{arrow} {num(a)}" for arrow, a in zip("↑→↓←", table[s]))
    assert lines[3].count("–") == (~tried[s]).sum() > 0  # a pair the batch did not try: no estimate
    assert lines[4] == ADVANTAGE_NOTE and "GAE Â_t" in lines[4] and "Σ_l (γλ)^l δ_t+l" in lines[4]


@pytest.mark.parametrize(("agent", "title"), [("q-learning", "Q(s,a)"), ("dqn", "Q(s,a)"), ("grpo", "Q(s,a)")])
def test_agents_without_advantages_keep_the_q_column(make_app, agent, title):
    app = make_app("four_rooms")
    sc = scene(app)
    sc.use_agent(agent, {}, 0)
    sc.select(_start(sc))
    sc.trainer.advance("update")
    app.run_frames(1)
    assert sc.inspector.report.q_title == title and sc.inspector.report.q_note == ""
