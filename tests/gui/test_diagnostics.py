"""Every diagnostic a neural agent declares is reported and can be picked for the charts,
each with its meaning as a tooltip and its equation in the inspector; chart zoom, log-y and
tick sizes in the real app (headless)."""

from __future__ import annotations

import time

import pygame
import pygame_gui
import pytest

from gridrl.agents import agent_class
from gridrl.gui.inspector import num
from gridrl.gui.training import SPEEDS
from gridrl.levels import load_level
from gridrl.render import charts
from gridrl.session import Session

from gui_helpers import key, scene, ui_event

#: What the issue asks to see per agent, beside whatever else it reports.
REQUIRED = {
    "ppo": {"clip_fraction", "approx_kl", "entropy", "explained_variance", "value_loss"},
    "trpo": {"kl", "line_search_tries"},
    "grpo": {"kl_ref", "return_std"},
    "dqn": {"td_error_abs", "epsilon"},
    "actor-critic": {"mean_advantage"},
}


def _train(app, updates: int = 3, patience: float = 180.0) -> None:
    """Play at full speed until every curve has ``updates`` points (updates run in a worker
    thread, so frames alone do not make them happen: wait for it, up to ``patience`` s)."""
    sc = scene(app)
    t = sc.trainer
    t.playing, t.speed_index = True, len(SPEEDS) - 1
    deadline = time.monotonic() + patience
    while time.monotonic() < deadline:
        if t.series and min(len(v) for v in t.series.values()) >= updates:
            break
        app.run_frames(1)
        time.sleep(0.002)
    t.playing = False
    t.wait()  # a unit still running in the worker would change the history under the checks
    app.run_frames(3)
    assert t.series, "no update in time"


@pytest.mark.parametrize("agent", sorted(REQUIRED))
def test_every_reported_diagnostic_is_offered_with_its_meaning(make_app, agent):
    app = make_app("four_rooms")
    sc = scene(app)
    sc.use_agent(agent, {}, 0)
    app.run_frames(2)
    _train(app)
    reported = set(sc.trainer.series)
    assert REQUIRED[agent] <= reported
    offered = sc.curves.curve_options()
    assert reported | {"steps per episode"} <= set(offered)
    declared = agent_class(agent).diagnostics
    for name in reported:
        assert name in declared, f"{agent} reports {name} without describing it"
    menus = sc.panels.curve_dropdowns
    assert len(menus) == 3
    titles = [option[1] for option in menus[0].options_list]  # (shown, maybe elided; whole title)
    for name in offered:
        title, meaning = sc.curves.curve_info(name)
        assert title in titles and len(meaning) > 30
    # the default picks: the agent's first (most telling) diagnostics
    assert sc.curves.curve_picks == list(declared)[:3]
    assert [c[0] for c in sc.curves.charts] == ["Return of each episode"] + [declared[k][0] for k in sc.curves.curve_picks]
    # each picker's tooltip is the meaning of the curve it shows
    title, meaning = sc.curves.curve_info(sc.curves.curve_picks[0])
    assert meaning in menus[0].tool_tip_text


def test_picking_a_curve_shows_it(make_app):
    app = make_app("four_rooms")
    sc = scene(app)
    sc.use_agent("ppo", {}, 0)
    _train(app, updates=2)
    title = sc.curves.curve_info("explained_variance")[0]
    ui_event(app, pygame_gui.UI_DROP_DOWN_MENU_CHANGED, sc.panels.curve_dropdowns[1], 3, text=title)
    assert sc.curves.curve_picks[1] == "explained_variance"
    assert title in [c[0] for c in sc.curves.charts]
    ui_event(app, pygame_gui.UI_DROP_DOWN_MENU_CHANGED, sc.panels.curve_dropdowns[2], 3,
             text=sc.curves.curve_info("steps per episode")[0])  # fmt: skip
    lengths = sc.trainer.session.history.episode_lengths
    steps_chart = next(c for c in sc.curves.charts if c[0] == "Steps per episode")
    assert list(next(iter(steps_chart[1].values()))) == [float(n) for n in lengths]
    ui_event(app, pygame_gui.UI_DROP_DOWN_MENU_CHANGED, sc.panels.curve_dropdowns[0], 3, text="—")
    assert len(sc.curves.charts) == 3  # the return and two diagnostics
    assert sc.panels.curve_dropdowns[1].tool_tip_text.count(sc.curves.curve_info("explained_variance")[1]) == 1


def test_tabular_agents_offer_td_error_and_steps(make_app):
    app = make_app("four_rooms")
    sc = scene(app)
    _train(app, updates=1)
    assert {"mean |TD error| per episode", "steps per episode"} <= set(sc.curves.curve_picks)


def test_tick_labels_are_12_px_or_more_at_1280x800(make_app, monkeypatch):
    app = make_app("four_rooms", size=(1280, 800))
    sc = scene(app)
    sizes = []
    real = charts.txt.blit
    monkeypatch.setattr(charts.txt, "blit", lambda s, t, size, *a, **k: sizes.append(size) or real(s, t, size, *a, **k))
    sc.use_agent("dqn", {}, 0)
    _train(app, updates=2)
    sizes.clear()  # the patch is on the text module: keep only what the charts draw
    sc.curves._render_charts()
    assert len(sizes) > 10 and min(sizes) >= 12


def test_wheel_zooms_drag_pans_and_keys_reset_and_toggle_log(make_app):
    app = make_app("four_rooms")
    sc = scene(app)
    sc.use_agent("dqn", {}, 0)
    _train(app, updates=40)
    key_, plot, n = next(hit for hit in sc.curves._chart_plots if hit[0] == sc.curves.curve_picks[0])
    assert n > 20
    sc.curves.cmd_wheel((3, plot.center))  # (the mouse position comes with the command: dummy video has no mouse)
    x0, x1 = sc.curves.chart_zoom[key_]
    assert 0 < x1 - x0 < n - 1 and x0 < (n - 1) / 2 < x1  # zoomed around the middle
    app.run_frames(2)
    sc.cmd_click((plot.centerx, plot.centery))
    sc.curves.cmd_drag(((plot.centerx + plot.w // 4, plot.centery), True, False))
    sc.curves.cmd_release(None)
    assert sc.curves.chart_zoom[key_][0] < x0  # dragged right: earlier points come into view
    key(app, pygame.K_g)
    assert sc.curves.log_y and sc.panels.log_button.is_selected
    key(app, pygame.K_z)
    assert sc.curves.chart_zoom == {}


DEEP = ("dqn", "reinforce", "actor-critic", "ppo", "trpo", "grpo")


@pytest.mark.parametrize("agent", DEEP)
def test_every_declared_diagnostic_has_a_title_a_meaning_and_an_equation(agent):
    for name, entry in agent_class(agent).diagnostics.items():
        assert len(entry) == 3, f"{agent}: {name} has no equation"
        title, meaning, equation = entry
        assert title and len(meaning) > 30 and equation and equation != meaning, f"{agent}: {name}"


@pytest.mark.parametrize(("agent", "params", "only_with"), [
    ("dqn", {}, set()), ("reinforce", {}, set()), ("actor-critic", {}, set()), ("trpo", {}, set()),
    ("grpo", {}, set()), ("ppo", {}, {"beta", "beta_next"}), ("ppo", {"objective": "kl-penalty"}, set()),
])  # fmt: skip
def test_every_declared_diagnostic_is_reported_in_the_update_info(agent, params, only_with):
    """Declared is reported (PPO's β only with its KL-penalty objective), so no picker entry
    stays an empty chart."""
    session = Session(load_level("four_rooms"), agent, params, seed=0)
    reported: set[str] = set()
    for _ in range(3):
        reported |= set(session.advance("update").info)
    assert set(agent_class(agent).diagnostics) - only_with <= reported


def test_the_inspector_writes_out_the_charted_diagnostics_equations(make_app):
    app = make_app("four_rooms")
    sc = scene(app)
    sc.use_agent("ppo", {}, 0)
    _train(app, updates=2)
    lines = sc.inspector.diagnostics_lines()
    declared = agent_class("ppo").diagnostics
    assert lines[1::2] == [declared[k][2] for k in sc.curves.curve_picks]
    first = sc.curves.curve_picks[0]
    assert lines[0] == f"{declared[first][0]} = {num(sc.trainer.series[first][-1])}"


@pytest.mark.parametrize("agent", ["dpo", "rlhf-ppo"])
def test_a_preference_agent_on_a_gridworld_charts_its_gridworld_diagnostics(make_app, agent):
    """One registered name, two classes: on garden the charts are the gridworld class's
    (expected_return, not the bandit's expected_reward), each with its meaning."""
    app = make_app("garden")
    sc = scene(app)
    sc.use_agent(agent, {"pairs": 200}, 0)
    declared = type(sc.trainer.agent).diagnostics
    assert "expected_return" in declared and "expected_reward" not in declared
    assert sc.curves._diagnostics == declared
    assert set(sc.curves.curve_picks) <= set(declared)
