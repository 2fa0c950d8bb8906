"""The desktop app, driven headless like a user drives it: widget events, keys, clicks."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pygame
import pygame_gui
import pytest
from gui_helpers import choose, click, key, press, scene, type_into

from gridrl.envs import GridWorldEnv
from gridrl.gui.commands import SHORTCUTS, Command
from gridrl.gui.overlays import FileDialogScene, HelpScene, MessageScene
from gridrl.levels import GridLevel, load_level

REPO = Path(__file__).resolve().parents[2]


def play(app, frames: int, until=None) -> None:
    """Play ``frames`` frames; with ``until``, then on (up to 50 times as many) until
    ``until()`` holds: how much a frame trains depends on the machine's load (the budget is
    what is left of the frame), so a test that needs an episode done waits for it."""
    sc = scene(app)
    if not sc.trainer.playing:
        key(app, pygame.K_SPACE, frames=0)
    app.run_frames(frames)
    for _ in range(50 * frames):
        if until is None or until():
            return
        app.run_frames(1)
    raise AssertionError(f"still not so after {51 * frames} frames")


# ----------------------------------------------------------------------------- start-up


def test_opens_on_cliff_walking_with_q_learning(app):
    sc = scene(app)
    assert sc.level.name.startswith("Cliff Walking")
    assert sc.trainer.agent_name == "q-learning"
    assert sc.overlays == {"values", "policy"}
    assert app.errors == []


def test_pick_level_and_agent_step_and_play(app):
    sc = scene(app)
    choose(app, sc.panels.level_dropdown, "four_rooms")
    assert sc.level.name == load_level("four_rooms").name
    choose(app, sc.panels.agent_dropdown, "sarsa")
    assert sc.trainer.agent_name == "sarsa"
    assert sc.panels.agent_dropdown.selected_option[0] == "sarsa"  # rebuilt to show the choice
    before = sc.trainer.insight().Q.copy()
    press(app, sc.panels.step_button)
    assert sc.trainer.session.history.steps == 1
    sc.trainer.speed_index = 7  # fastest
    play(app, 60, until=lambda: len(sc.trainer.session.history.episode_returns) > 0)
    key(app, pygame.K_SPACE)  # pause: the charts catch up at once (while playing, 5 times a second)
    after = sc.trainer.insight().Q
    assert not np.array_equal(before, after)
    assert len(sc.trainer.session.history.episode_returns) > 0
    title, series, _, _ = sc.curves.charts[0]
    assert title == "Return of each episode"
    assert len(series["return"]) == len(sc.trainer.session.history.episode_returns) > 0
    assert app.errors == []


def test_agent_list_fits_the_level_kind(app):
    sc = scene(app)
    grid_agents = sc.agent_options()
    assert "q-learning" in grid_agents and "value-iteration" in grid_agents
    assert not any(a.startswith(("ucb", "thompson", "epsilon-greedy")) for a in grid_agents)
    choose(app, sc.panels.level_dropdown, "bernoulli_3")
    assert sc.trainer.agent_name == "epsilon-greedy"  # q-learning can't run on a bandit
    bandit_agents = sc.agent_options()
    assert "ucb" in bandit_agents and "q-learning" not in bandit_agents


def test_step_unit_choice(app):
    sc = scene(app)
    choose(app, sc.panels.unit_dropdown, "episode")  # as the menu shows it
    assert sc.trainer.unit == "episode"
    choose(app, sc.panels.unit_dropdown, "update · one TD update")
    assert sc.trainer.unit == "update"
    choose(app, sc.panels.unit_dropdown, "episode")
    assert sc.trainer.unit == "episode"
    key(app, pygame.K_s)
    h = sc.trainer.session.history
    assert len(h.episode_returns) == 1 and h.steps == h.episode_lengths[0]
    key(app, pygame.K_u)
    assert sc.trainer.unit == "update"


def test_training_runs_every_frame_at_fastest(app):
    """At the fastest speed every frame trains (at least one unit, however slow the machine);
    that it stops at the budget is tests/gui/test_logic.py's, on a clock of its own."""
    sc = scene(app)
    sc.trainer.speed_index = 7
    play(app, 30)
    units_before = sc.trainer.units_run
    app.run_frames(10)
    assert sc.trainer.units_run - units_before >= 10


def test_slow_speed_runs_units_at_the_rate(app):
    sc = scene(app)
    sc.trainer.speed_index = 3  # 10 / s
    play(app, 60)  # one second at 60 frames per second
    assert 8 <= sc.trainer.units_run <= 12


# ----------------------------------------------------------------------------- overlays


@pytest.mark.parametrize(("k", "name"), [(pygame.K_v, "values"), (pygame.K_n, "numbers"), (pygame.K_q, "q"),
                                         (pygame.K_p, "policy"), (pygame.K_c, "visits")])  # fmt: skip
def test_overlay_keys_toggle_the_view(app, k, name):
    sc = scene(app)
    was = name in sc.board.view.overlays
    key(app, k)
    assert (name in sc.board.view.overlays) is not was
    assert sc.panels.overlay_buttons[name].is_selected is not was
    key(app, k)
    assert (name in sc.board.view.overlays) is was


def test_overlay_button_toggles(app):
    sc = scene(app)
    press(app, sc.panels.overlay_buttons["visits"])
    assert "visits" in sc.board.view.overlays


# ----------------------------------------------------------------------------- inspector


def test_click_a_cell_shows_its_numbers(app):
    sc = scene(app)
    sc.trainer.speed_index = 7
    play(app, 30)
    key(app, pygame.K_SPACE)  # pause
    s = 24  # row 3, col 1: next to the start, visited often
    click(app, sc.board.renderer.cell_rect(s, sc.layout.board).center)
    assert sc.selected == s
    insight = sc.trainer.insight()
    lines = sc.inspector.report.lines()
    assert lines[0].startswith("Cell row 3, col 1")
    assert f"V(s) = {_num(insight.V[s])}" in lines
    q_line = next(line for line in lines if line.startswith("Q(s,a):"))
    for a in range(4):
        assert _num(insight.Q[s, a]) in q_line
    assert f"visits: {int(insight.visits[s])}" in lines
    # the last update of this cell, written with its numbers
    equation, backup, _ = sc.trainer.last_update[s]
    assert backup["s"] == s
    assert any(_num(backup["Q_new"]) in line and "←" in line for line in lines)


def _num(x):
    from gridrl.gui.inspector import num

    return num(x)


def test_click_outside_the_board_selects_nothing(app):
    sc = scene(app)
    click(app, (sc.layout.center.centerx, sc.layout.charts.centery))
    assert sc.selected is None


def test_dp_inspector_and_controls(app):
    sc = scene(app)
    choose(app, sc.panels.level_dropdown, "small_gridworld")
    choose(app, sc.panels.agent_dropdown, "value-iteration")
    assert sc.trainer.is_dp and set(sc.panels.dp_buttons) == {"dp_backup", "dp_sweep"}
    for _ in range(3):
        press(app, sc.panels.dp_buttons["dp_sweep"])
    assert sc.trainer.agent.sweeps == 3
    assert sc.board.view.caption.startswith("values after 3 sweeps")
    assert "max |ΔV| = 1" in sc.board.view.caption
    click(app, sc.board.renderer.cell_rect(5, sc.layout.board).center)
    lines = sc.inspector.report.lines()
    assert any("V(s) ← max_a q(s,a)" in line for line in lines)
    assert sum(line.strip().startswith(("↑", "→", "↓", "←")) for line in lines) >= 4  # per-action backups
    # one backup of the selected cell (B)
    sweeps = sc.trainer.agent.sweeps
    key(app, pygame.K_b)
    assert sc.trainer.last_update[5][1]["s"] == 5 and sc.trainer.agent.sweeps == sweeps


def test_policy_iteration_improvement_button(app):
    sc = scene(app)
    choose(app, sc.panels.level_dropdown, "small_gridworld")
    choose(app, sc.panels.agent_dropdown, "policy-iteration")
    assert "dp_improve" in sc.panels.dp_buttons
    for _ in range(5):
        key(app, pygame.K_d)
    pi_before = sc.trainer.agent.pi.copy()
    press(app, sc.panels.dp_buttons["dp_improve"])
    assert not np.array_equal(pi_before, sc.trainer.agent.pi)
    assert sc.trainer.agent.improvements == 1
    assert "1 improvement" in sc.board.view.caption


# ----------------------------------------------------------------------------- files and errors


def test_opening_a_broken_file_shows_the_error_and_keeps_the_level(app, tmp_path):
    sc = scene(app)
    level_before = sc.level
    bad = tmp_path / "broken.yaml"
    bad.write_text("kind: gridworld\nname: broken\nlayout: |\n  S.Q\n  ..G\n")
    assert sc.levels.open_level_file(bad) is False
    app.run_frames(3)
    dialog = app.find(MessageScene)
    assert dialog is not None and dialog.visible
    assert "unknown tile" in dialog.html.lower() or "'q'" in dialog.html.lower()
    assert sc.level is level_before
    # the app still runs, and the dialog closes with Escape
    app.run_frames(5)
    assert app.running
    key(app, pygame.K_ESCAPE, frames=3)
    assert app.find(MessageScene) is None


def test_opening_a_good_file_switches_level(app, tmp_path):
    sc = scene(app)
    good = tmp_path / "tiny.yaml"
    good.write_text("kind: gridworld\nname: tiny\nlayout: |\n  S.G\n")
    assert sc.levels.open_level_file(good)
    app.run_frames(2)
    assert sc.level.name == "tiny" and sc.levels.current_label == "tiny.yaml (file)"
    assert "tiny.yaml (file)" in sc.levels.level_options()


def test_open_file_button_opens_the_dialog(app, tmp_path):
    sc = scene(app)
    press(app, sc.panels.open_button)
    dialog = app.find(FileDialogScene)
    assert dialog is not None and dialog.dialog.alive()
    key(app, pygame.K_ESCAPE, frames=3)
    assert app.find(FileDialogScene) is None
    # pick a file: the dialog's "path picked" event opens it
    good = tmp_path / "corridor_copy.yaml"
    good.write_text((REPO / "levels" / "corridor.yaml").read_text())
    press(app, sc.panels.open_button)
    dialog = app.find(FileDialogScene)
    pygame.event.post(pygame.event.Event(pygame_gui.UI_FILE_DIALOG_PATH_PICKED,
                                         {"ui_element": dialog.dialog, "text": str(good)}))
    app.run_frames(6)
    assert app.find(FileDialogScene) is None
    assert sc.levels.current_label == "corridor_copy.yaml (file)" and sc.level.name == "Corridor"


def test_an_unexpected_error_is_shown_and_the_app_goes_on(app, monkeypatch):
    sc = scene(app)

    def broken(*_):
        raise RuntimeError("boom")

    monkeypatch.setattr(sc.trainer.session, "advance", broken)
    key(app, pygame.K_s, frames=3)
    assert any("boom" in e for e in app.errors)
    dialog = app.find(MessageScene)
    assert dialog is not None and "boom" in dialog.html
    if app.log_path is not None:  # the traceback went to the log file
        for handler in __import__("logging").getLogger("gridrl.gui").handlers:
            handler.flush()
        assert "RuntimeError: boom" in app.log_path.read_text()
    assert app.running
    app.run_frames(3)


def test_an_error_while_playing_pauses_instead_of_repeating(app, monkeypatch):
    sc = scene(app)

    def broken(*_):
        raise RuntimeError("bad unit")

    monkeypatch.setattr(sc.trainer.session, "advance", broken)
    play(app, 10)
    assert not sc.trainer.playing
    assert len(app.errors) == 1


def test_unavailable_agents_are_listed_but_not_created(app, monkeypatch):
    from gridrl.agents import REGISTRY, AgentInfo
    from gridrl.gui import catalog

    monkeypatch.setitem(REGISTRY, "future-agent", AgentInfo("no_such_module:Future", ("gridworld",), "tabular"))
    entry = catalog.find("future-agent")
    assert not entry.available and entry.label == "future-agent (unavailable)"
    sc = scene(app)
    assert "future-agent (unavailable)" in sc.agent_options()
    choose(app, sc.panels.agent_dropdown, "future-agent (unavailable)")
    assert sc.trainer.agent_name == "q-learning"
    assert app.find(MessageScene) is not None


# ----------------------------------------------------------------------------- hyperparameters


def test_invalid_hyperparameter_is_red_and_never_applied(app):
    sc = scene(app)
    entry = sc.panels.hp_entries["alpha"]
    type_into(app, entry, "2.5")
    assert "alpha must be" in sc.form.errors["alpha"]
    assert sc.panels.hp_error.text == sc.form.errors["alpha"]
    assert entry.object_ids[-1] == "#invalid"
    assert sc.trainer.agent.config.alpha == 0.5
    type_into(app, entry, "0.25")
    assert "alpha" not in sc.form.errors and entry.object_ids[-1] != "#invalid"
    assert sc.trainer.agent.config.alpha == 0.25


def test_live_hyperparameter_keeps_the_agent(app):
    sc = scene(app)
    for _ in range(20):
        sc.trainer.step_once()
    Q = sc.trainer.agent.Q.copy()
    session = sc.trainer.session
    type_into(app, sc.panels.hp_entries["epsilon"], "0.3")
    assert sc.trainer.session is session and np.array_equal(sc.trainer.agent.Q, Q)
    assert sc.trainer.agent.config.epsilon == 0.3
    assert "applied from the next unit" in sc.status_text


def test_other_hyperparameter_resets_the_agent_with_the_same_seed(app):
    sc = scene(app)
    for _ in range(20):
        sc.trainer.step_once()
    session = sc.trainer.session
    type_into(app, sc.panels.hp_entries["gamma"], "0.9")
    assert sc.trainer.session is not session
    assert sc.trainer.session.seed == session.seed and sc.trainer.agent.gamma == 0.9
    assert sc.trainer.session.history.steps == 0
    assert "agent reset" in sc.status_text


def test_slider_sets_the_value(app):
    sc = scene(app)

    sc.handle(Command("hp_slider", ("alpha", 0.8)))
    app.run_frames(1)
    assert sc.trainer.agent.config.alpha == 0.8
    assert sc.panels.hp_entries["alpha"].get_text() == "0.8"


# ----------------------------------------------------------------------------- manual play


def test_arrow_keys_play_the_level_yourself(app):
    sc = scene(app)
    key(app, pygame.K_m)
    assert sc.manual is not None and not sc.trainer.playing
    env = GridWorldEnv(sc.level)
    s, _ = env.reset(seed=sc.trainer.seed)
    assert sc.manual.s == s
    total = 0.0
    for k, a in ((pygame.K_UP, 0), (pygame.K_RIGHT, 1), (pygame.K_RIGHT, 1)):
        key(app, k)
        s, r, *_ = env.step(a)
        total += r
        assert sc.manual.s == s
        assert sc.manual.last.r == r
        assert f"reward {_num(r)}" in sc.status_text
    assert sc.manual.episode_return == total
    # the board shows you, not the agent
    rows, cols = sc.level.shape
    app.run_frames(30)
    assert sc.board.view.agent == (s // cols, s % cols)
    assert sc.board.view.trail[-1] == s
    key(app, pygame.K_DOWN)  # into the cliff: -100 and back to the start
    assert sc.manual.last.r == -100 and sc.manual.s == 36
    app.run_frames(1)
    assert sc.board.view.trail == [36], "the fall is a jump: the trail starts anew, no line across the board"
    assert sc.manual.episode_return == total - 100
    key(app, pygame.K_m)
    assert sc.manual is None


# ----------------------------------------------------------------------------- live edits


def test_toggle_a_wall_while_learning_keeps_q(app):
    sc = scene(app)
    sc.trainer.speed_index = 7
    play(app, 20)
    click(app, sc.board.renderer.cell_rect(14, sc.layout.board).center)  # row 2, col 3
    key(app, pygame.K_SPACE)  # pause to compare Q exactly
    Q_before = sc.trainer.agent.Q.copy()
    steps = sc.trainer.session.history.steps
    key(app, pygame.K_w)
    level = sc.trainer.session.level
    assert isinstance(level, GridLevel) and level.layout[1][2] == "#"
    assert sc.trainer.agent.level is level and sc.board.renderer.level is level
    kept = np.arange(len(Q_before)) != 14  # the new wall's own values go (see test_small_defects)
    assert np.array_equal(sc.trainer.agent.Q[kept], Q_before[kept])  # not reset
    assert sc.trainer.session.history.steps == steps  # same session, same history
    assert sc.levels.current_label.endswith("(edited)")
    visits_at_wall = sc.trainer.agent.visits[14]
    play(app, 10)  # it keeps learning on the edited level, and never stands in the wall
    assert sc.trainer.session.history.steps > steps
    assert sc.trainer.agent.visits[14] == visits_at_wall
    key(app, pygame.K_SPACE)
    key(app, pygame.K_w)
    assert sc.trainer.session.level.layout[1][2] == "."


def test_change_a_cells_reward(app):
    sc = scene(app)
    click(app, sc.board.renderer.cell_rect(13, sc.layout.board).center)
    type_into(app, sc.panels.reward_entry, "5")
    level = sc.trainer.session.level
    assert level.tile_at(1, 1).reward == 5.0
    assert level.tile_at(1, 2).reward == 0.0  # other floor cells keep theirs
    type_into(app, sc.panels.reward_entry, "lots")
    assert "must be a number" in sc.tools.reward_error
    assert sc.trainer.session.level.tile_at(1, 1).reward == 5.0


def test_cannot_wall_the_teleport_target(app):
    sc = scene(app)
    click(app, sc.board.renderer.cell_rect(36, sc.layout.board).center)  # S, the cliff's target
    level = sc.level
    key(app, pygame.K_w)
    assert sc.level is level and sc.status_error and "target" in sc.status_text


# ----------------------------------------------------------------------------- timeline


def test_timeline_scrubs_back_and_forward(app):
    sc = scene(app)
    sc.trainer.speed_index = 7
    play(app, 40)
    key(app, pygame.K_SPACE)
    timeline = sc.trainer.timeline
    assert len(timeline) > 10
    first = timeline.items[1]
    units = sc.trainer.units_run
    key(app, pygame.K_HOME)
    key(app, pygame.K_RIGHTBRACKET)
    assert sc.driver.view_snapshot is first
    np.testing.assert_array_equal(sc.board.view.V, first.V)
    np.testing.assert_array_equal(sc.board.view.pi, first.pi)
    assert sc.trainer.units_run == units  # scrubbing did not touch training
    live_V = sc.trainer.insight().V
    assert not np.array_equal(first.V, live_V)
    # the slider moves it too
    pygame.event.post(pygame.event.Event(pygame_gui.UI_HORIZONTAL_SLIDER_MOVED,
                                         {"ui_element": sc.panels.timeline_slider, "value": 500}))
    app.run_frames(2)
    middle = timeline.items[round(0.5 * (len(timeline) - 1))]
    assert sc.driver.view_snapshot is middle
    np.testing.assert_array_equal(sc.board.view.Q, middle.Q)
    key(app, pygame.K_l)  # back to live
    assert sc.driver.view_snapshot is None
    np.testing.assert_array_equal(sc.board.view.V, sc.trainer.insight().V)


def test_timeline_is_bounded_and_spans_the_run():
    from gridrl.gui.timeline import Snapshot, Timeline

    t = Timeline(capacity=100)
    for i in range(1000):
        t.record(Snapshot(i, i, 0, np.zeros(2), np.zeros((2, 4)), np.zeros((2, 4)), np.zeros(2)))
    assert len(t) <= 100
    assert t.items[0].units == 0 and t.items[-1].units >= 900
    assert t.latest.units == 999


def test_training_continues_while_scrubbed(app):
    sc = scene(app)
    sc.trainer.speed_index = 7
    play(app, 20)
    key(app, pygame.K_HOME)
    snap = sc.driver.view_snapshot
    units = sc.trainer.units_run
    app.run_frames(10)
    assert sc.trainer.units_run > units and sc.driver.view_snapshot is snap


# ----------------------------------------------------------------------------- help, quit, resize


def test_f1_shows_the_help_overlay(app):
    key(app, pygame.K_F1)
    help_scene = app.find(HelpScene)
    assert help_scene is not None and app.top is help_scene
    sc = scene(app)
    playing = sc.trainer.playing
    key(app, pygame.K_SPACE)  # closes the help, does not reach the board
    assert app.find(HelpScene) is None and sc.trainer.playing == playing
    key(app, pygame.K_SLASH, unicode="?")
    assert app.find(HelpScene) is not None
    key(app, pygame.K_x, unicode="x")  # any key closes it
    assert app.find(HelpScene) is None
    key(app, pygame.K_F1)
    click(app, (10, 10))  # and so does a click
    assert app.find(HelpScene) is None


def test_help_lists_every_key_command():
    from gridrl.gui.commands import KEYMAP

    documented = {s.name for s in SHORTCUTS}
    assert {c.name for c in KEYMAP.values()} <= documented


def test_quit_event_ends_the_loop(app):
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    app.run_frames(5)
    assert not app.running
    assert app.tick(1 / 60) is False


def test_ctrl_q_quits(app):
    key(app, pygame.K_q, mod=pygame.KMOD_LCTRL)
    assert not app.running


def test_resize_relayouts(app):
    sc = scene(app)
    sc.trainer.speed_index = 7
    play(app, 5)  # charts are redrawn on resize even while playing (throttled otherwise)
    pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, w=1600, h=1000, size=(1600, 1000)))
    app.run_frames(2)
    assert app.size == (1600, 1000) and sc.layout.size == (1600, 1000)
    assert sc.panels.help_button.rect.right > 1500
    assert sc.curves._chart_surface.get_size() == sc.layout.charts.size
    pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, w=2200, h=1300, size=(2200, 1300)))
    app.run_frames(2)
    assert sc.layout.scale > 1 and app.font_size > 14  # bigger window: bigger rows and fonts
    assert sc.panels.play_button.rect.h > 34 and sc.panels.play_button.ui_manager is app.ui
    key(app, pygame.K_SPACE)  # the rebuilt widgets and shortcuts still work
    assert not sc.trainer.playing
    pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, w=500, h=300, size=(500, 300)))
    app.run_frames(2)
    assert app.size == (960, 640)  # clamped to the minimum
    assert app.errors == []


# ----------------------------------------------------------------------------- bandits


def test_bandit_runs_entry(app):
    sc = scene(app)
    choose(app, sc.panels.level_dropdown, "bernoulli_3")
    type_into(app, sc.panels.runs_entry, "50")
    assert sc.trainer.session.runs == 50
    type_into(app, sc.panels.runs_entry, "zero")
    assert "runs must be" in sc.form.errors["runs"] and sc.trainer.session.runs == 50


def test_bandit_level_with_epsilon_greedy(app):
    sc = scene(app)
    choose(app, sc.panels.level_dropdown, "ten_armed_testbed")
    assert sc.trainer.agent_name == "epsilon-greedy" and sc.board.renderer is None
    sc.trainer.speed_index = 7
    play(app, 20)
    key(app, pygame.K_SPACE)
    h = sc.trainer.session.history
    assert len(h.mean_reward) > 0
    true_means, Q, pi, pulls, _ = sc.board.bandit
    assert len(Q) == 10 and pulls.sum() > 0 and abs(pi.sum() - 1) < 1e-9
    # A frame trains as much as its time budget allows, so an idle machine may pass the
    # 1000-pull horizon: then 200 new runs are under way and the early pulls average more.
    full, part = divmod(h.steps, 1000)
    lo, hi = 200 * max(full, 1), 200 * (full + (part > 0))
    runs = f"mean of {hi} runs" if lo == hi else f"mean of {lo}\u2013{hi} runs"
    titles = [c[0] for c in sc.curves.charts]
    assert titles == [f"Average reward ({runs})", f"% optimal action ({runs})"]
    assert sc.trainer.session.runs == 200  # curves average many runs, like Figure 2.2
    assert len(sc.curves.charts[1][1]["% optimal"]) == min(len(h.optimal_action), 1000)  # one point a pull
    key(app, pygame.K_v)  # overlays do not apply: a message, no crash
    assert app.errors == []


# ----------------------------------------------------------------------------- torch


def test_starting_the_app_does_not_import_torch():
    script = textwrap.dedent(
        """
        import os, sys
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        from gridrl.gui.app import App
        app = App("cliff_walking")
        sc = app.scenes[0]
        app.run_frames(5)
        sc.trainer.speed_index = 7
        sc.trainer.playing = True
        app.run_frames(5)
        names = sc.agent_options()
        assert "ppo" in names or "ppo (unavailable)" in names, names
        loaded = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))
        print("TORCH", len(loaded))
        """
    )
    env = dict(os.environ, PYTHONNOUSERSITE="1")
    proc = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True,
                          timeout=60, env=env)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "TORCH 0"


def test_main_py_runs_the_gui_headless():
    proc = subprocess.run([sys.executable, "main.py", "windy_gridworld", "--headless", "--frames", "3"],
                          cwd=REPO, capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "3 frames on windy_gridworld" in proc.stdout


def test_main_py_with_a_bad_level_opens_the_default_and_says_why(make_app):
    app = make_app("no_such_level")
    sc = scene(app)
    assert sc.level.name.startswith("Cliff Walking")
    dialog = app.find(MessageScene)
    assert dialog is not None and "no level 'no_such_level'" in dialog.html


# ----------------------------------------------------------------------------- slow units


def test_a_slow_unit_runs_in_the_worker_and_the_window_keeps_drawing(app, monkeypatch):
    """A unit that takes 0.2 s (a deep update) must not hold up the frames: once found slow,
    units run on the worker thread while frames go on being drawn on this one."""
    import threading
    import time

    sc = scene(app)
    advance = sc.trainer.session.advance
    threads = []

    def slow(unit):
        threads.append(threading.current_thread())
        time.sleep(0.2)
        return advance(unit)

    monkeypatch.setattr(sc.trainer.session, "advance", slow)
    sc.trainer.speed_index = 7
    play(app, 2)  # the first two units run inline and are found slow (one could be a hiccup)
    assert sc.trainer.slow
    assert threads == [threading.main_thread()] * 2
    frames_busy = 0
    start = time.perf_counter()
    while sc.trainer.units_run < 4 and time.perf_counter() - start < 10:  # a guard, not a measure
        app.run_frames(1)
        frames_busy += sc.trainer.busy
    assert sc.trainer.units_run >= 4
    assert threading.main_thread() not in threads[2:]  # no later unit ran on the drawing thread
    assert frames_busy >= 5  # frames were drawn while a unit was in flight
    # Step while one is in flight: waits for it, then one more in the worker
    key(app, pygame.K_SPACE)
    units = sc.trainer.units_run
    key(app, pygame.K_s)
    sc.trainer.wait()
    assert sc.trainer.units_run >= units + 1
    assert app.errors == []


# ----------------------------------------------------------------------------- every level, every agent


def _exercise(app) -> None:
    """Step each unit, play, toggle the overlays, click the board."""
    sc = scene(app)
    for unit in ("step", "update", "step"):
        sc.trainer.step_once(unit)
    sc.trainer.speed_index = 7
    play(app, 3)
    key(app, pygame.K_SPACE, frames=1)
    if sc.board.renderer is not None:
        click(app, sc.board.renderer.cell_rect(sc.level.n_cells // 2, sc.layout.board).center, frames=0)
        for k in (pygame.K_q, pygame.K_c, pygame.K_n):
            key(app, k, frames=0)
        app.run_frames(1)
        for k in (pygame.K_q, pygame.K_c, pygame.K_n):
            key(app, k, frames=0)


def test_every_bundled_level_runs_without_errors(app):
    from gridrl.levels import bundled_level_names

    sc = scene(app)
    for level_name in bundled_level_names():
        choose(app, sc.panels.level_dropdown, level_name, frames=1)
        assert sc.levels.current_label == level_name
        _exercise(app)
        assert app.errors == [], (level_name, app.errors)


@pytest.mark.parametrize("level_name", ["windy_gridworld", "bernoulli_3"])
def test_every_tabular_agent_runs_without_errors(app, level_name):
    """Each agent that fits the level (deep ones aside: they need torch and time)."""
    from gridrl.gui import catalog

    sc = scene(app)
    choose(app, sc.panels.level_dropdown, level_name, frames=1)
    names = [e.name for e in catalog.agents_for(sc.level.kind) if e.available and not e.deep]
    assert len(names) >= 4
    for name in names:
        choose(app, sc.panels.agent_dropdown, name, frames=1)
        assert sc.trainer.agent_name == name
        _exercise(app)
        assert app.errors == [], (name, app.errors)


def test_update_diagnostics_from_event_info_become_charts(app, monkeypatch):
    """What a neural agent reports in event.info (loss, entropy, ...) is charted per update."""
    sc = scene(app)
    advance = sc.trainer.session.advance
    count = {"n": 0}

    def with_info(unit):
        event = advance(unit)
        count["n"] += 1
        event.info.update(loss=1.0 / count["n"], entropy=1.3, converged=False)
        return event

    monkeypatch.setattr(sc.trainer.session, "advance", with_info)
    sc.trainer.speed_index = 7
    play(app, 5)
    key(app, pygame.K_SPACE)
    titles = [c[0] for c in sc.curves.charts]
    assert titles[0] == "Return of each episode"
    assert "loss" in titles and "entropy" in titles  # flags like 'converged' are not curves
    loss = next(c for c in sc.curves.charts if c[0] == "loss")[1]["per update"]
    assert len(loss) == count["n"] and loss[-1] == pytest.approx(1.0 / count["n"])


def test_every_control_has_a_tooltip(app):
    from pygame_gui.elements import UIButton, UIDropDownMenu, UIHorizontalSlider, UITextEntryLine

    sc = scene(app)
    for level in ("cliff_walking", "small_gridworld"):
        choose(app, sc.panels.level_dropdown, level)
        if level == "small_gridworld":
            choose(app, sc.panels.agent_dropdown, "policy-iteration")
        controls = [e for e in sc.panels.elements
                    if isinstance(e, (UIButton, UIDropDownMenu, UIHorizontalSlider, UITextEntryLine))]  # fmt: skip
        assert len(controls) > 20
        for element in controls:
            assert element.tool_tip_text, element
    alpha = sc.panels.hp_entries["theta"].tool_tip_text
    assert "theta" in alpha and "a number >" in alpha  # the help and the range
