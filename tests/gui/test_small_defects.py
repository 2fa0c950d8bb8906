"""Issue 13's small defects, each reproduced through the real app (posted events, fixed dt)."""

from __future__ import annotations

import shutil

import numpy as np
import pygame
import pytest
from gui_helpers import click, key, scene, type_into

from gridrl.agents import make_agent
from gridrl.gui import editor_model as em
from gridrl.gui.overlays import ChoiceScene
from gridrl.gui.scene_edit import EditScene
from gridrl.gui.edits import toggle_wall
from gridrl.gui.scene_train import TrainScene
from gridrl.gui.status import STATUS_SECONDS
from gridrl.levels import BUNDLED_DIR, load_level

CTRL = pygame.KMOD_CTRL


def expanded(dropdown) -> bool:
    return dropdown.current_state is dropdown.menu_states["expanded"]


def open_dropdown(app, dropdown) -> None:
    """Click the menu as a user does (its selected-option button)."""
    click(app, dropdown.current_state.selected_option_button.rect.center)
    assert expanded(dropdown)


# ----------------------------------------------------------------------------- Esc


def test_esc_closes_an_open_dropdown_and_nothing_else(app):
    sc = scene(app)
    click(app, sc.board.renderer.cell_rect(14, sc.layout.board).center)
    assert sc.selected == 14
    dropdown = sc.panels.agent_dropdown
    open_dropdown(app, dropdown)
    key(app, pygame.K_ESCAPE)
    assert not expanded(dropdown)
    assert sc.selected == 14  # that Esc only closed the menu
    key(app, pygame.K_ESCAPE)
    assert sc.selected is None  # the next one does what Esc does
    assert app.errors == []


# ----------------------------------------------------------------------------- popup layer


def test_level_list_opens_above_the_settings_panel(make_app, tmp_path):
    """With a few levels of one's own the level list reaches down over the hyperparameter
    panel, whose nested widgets sit on higher layers than pygame_gui gives the list."""
    mine = tmp_path / "my_levels"
    mine.mkdir()
    for i in range(8):
        shutil.copy(BUNDLED_DIR / "cliff_walking.yaml", mine / f"lesson_{i}.yaml")
    app = make_app(size=(1024, 768))
    sc = scene(app)
    dropdown = sc.panels.level_dropdown
    open_dropdown(app, dropdown)
    listing = dropdown.current_state.options_selection_list
    parts = {listing}
    todo = [listing.list_and_scroll_bar_container]
    while todo:
        element = todo.pop()
        parts.add(element)
        todo.extend(getattr(element, "elements", ()))
    # The lowest row of one's own levels that the list shows (it scrolls the rest).
    rows = [b for b in parts if getattr(b, "text", "").endswith("(mine)")]
    row = max(rows, key=lambda b: b.rect.bottom)
    under = [e for e in app.ui.get_sprite_group().sprites()
             if e not in parts and e.visible and e.rect.colliderect(listing.rect)]  # fmt: skip
    assert any(e.rect.colliderect(row.rect) for e in under)  # the list does cover other widgets
    assert max(e.layer for e in under) < min(p.layer for p in parts)
    click(app, row.rect.center, frames=6)  # the row, not the widget under it, takes the click
    assert sc.levels.current_label == row.text and not expanded(sc.panels.level_dropdown)
    assert app.errors == []


# ----------------------------------------------------------------------------- status expiry


def test_a_status_message_goes_after_a_while(app):
    sc = scene(app)
    key(app, pygame.K_u)  # the step unit: "Step unit: episode"
    assert sc.status_text.startswith("Step unit")
    app.run_frames(int(STATUS_SECONDS / 0.25) - 2, dt=0.25)
    assert sc.status_text.startswith("Step unit")
    app.run_frames(3, dt=0.25)
    assert sc.status_text == ""
    key(app, pygame.K_u)  # a new message shows at once, for as long
    assert sc.status_text.startswith("Step unit")


def test_an_editor_message_goes_after_a_while(app):
    key(app, pygame.K_e, mod=CTRL)
    ed = app.top
    assert isinstance(ed, EditScene) and ed.message.startswith("Editing")
    app.run_frames(int(STATUS_SECONDS / 0.25) + 1, dt=0.25)
    assert ed.message == ""


# ----------------------------------------------------------------------------- unsaved question


def test_an_untouched_new_level_closes_without_a_question(app):
    key(app, pygame.K_n, mod=CTRL)
    ed = app.top
    assert isinstance(ed, EditScene) and ed.level.shape == (5, 5)
    assert not ed.model.dirty
    key(app, pygame.K_ESCAPE)
    assert isinstance(app.top, TrainScene)  # closed: nothing to lose, nothing asked
    key(app, pygame.K_e, mod=CTRL)  # the editor on the training level, closed untouched
    key(app, pygame.K_ESCAPE)
    assert isinstance(app.top, TrainScene)
    key(app, pygame.K_n, mod=CTRL)
    ed = app.top
    click(app, ed.renderer.cell_rect(0, ed.layout.board).center)  # one edit: now it asks
    key(app, pygame.K_ESCAPE)
    assert isinstance(app.top, ChoiceScene)
    assert app.errors == []


# ----------------------------------------------------------------------------- bad numbers


@pytest.mark.parametrize(("text", "says"), [
    ("axb", "ROWSxCOLS, two whole numbers, e.g. 5x5"),
    ("5", "ROWSxCOLS"),
    ("2.5x3", "ROWSxCOLS"),
    ("0x5", f"1 to {em.MAX_SIDE} cells a side"),
    ("100x100", f"1 to {em.MAX_SIDE} cells a side"),
])  # fmt: skip
def test_a_bad_size_says_what_is_allowed(app, text, says):
    key(app, pygame.K_e, mod=CTRL)
    ed = app.top
    type_into(app, ed.widgets.entries["new_size"], text, finished=False)
    ed.cmd_new_level()
    assert ed.message_error and says in ed.message
    assert "invalid literal" not in ed.message and "unpack" not in ed.message
    assert ed.level == load_level("cliff_walking")  # no new level


def test_the_size_field_says_the_limit(app):
    key(app, pygame.K_e, mod=CTRL)
    tip = app.top.widgets.entries["new_size"].tool_tip_text
    assert f"1 to {em.MAX_SIDE} cells a side" in tip


@pytest.mark.parametrize(("entry", "text", "says"), [
    ("tile_reward", "abc", "reward must be a number; got 'abc'"),
    ("tile_wind", "1", "wind must be d_row,d_col: two whole numbers"),
    ("dyn_gamma", "x", "gamma must be a number from 0 to 1; got 'x'"),
    ("dyn_max_steps", "2.5", "max_steps must be a whole number from 1 to 1000000"),
])  # fmt: skip
def test_a_bad_editor_number_says_what_is_allowed(app, entry, text, says):
    key(app, pygame.K_e, mod=CTRL)
    ed = app.top
    type_into(app, ed.widgets.entries[entry], text)
    assert ed.message_error and says in ed.message
    assert "could not convert" not in ed.message and "not a valid" not in ed.message


def test_bad_numbers_in_the_training_fields_say_what_is_allowed(app):
    """Regression guard: the seed, runs and hyperparameter fields name the allowed range."""
    sc = scene(app)
    type_into(app, sc.panels.seed_entry, "abc")
    assert sc.form.errors["seed"] == "seed must be a whole number >= 0, got 'abc'"
    type_into(app, sc.panels.hp_entries["alpha"], "abc")
    assert sc.form.errors["alpha"].startswith("alpha must be") and "got 'abc'" in sc.form.errors["alpha"]
    assert not any("invalid literal" in e for e in sc.form.errors.values())


# ----------------------------------------------------------------------------- live walls


def test_a_new_wall_forgets_its_cells_values(app):
    sc = scene(app)
    sc.trainer.speed_index = 7
    key(app, pygame.K_SPACE, frames=0)
    app.run_frames(30)
    key(app, pygame.K_SPACE)
    s = 14  # row 2, col 3: on the way along the cliff
    Q_before = sc.trainer.agent.Q.copy()
    assert np.any(Q_before[s] != 0)  # it learned something there
    click(app, sc.board.renderer.cell_rect(s, sc.layout.board).center)
    key(app, pygame.K_w)
    Q = sc.trainer.agent.Q
    assert sc.level.layout[1][2] == "#"
    assert np.all(Q[s] == 0) and np.all(sc.trainer.insight().Q[s] == 0)
    others = np.arange(len(Q)) != s
    assert np.array_equal(Q[others], Q_before[others])  # everything else is kept
    key(app, pygame.K_w)  # floor again: it starts afresh, not with the old values
    assert sc.level.layout[1][2] == "." and np.all(sc.trainer.agent.Q[s] == 0)
    assert app.errors == []


def test_monte_carlo_forgets_the_return_counts_of_a_new_wall():
    level = load_level("cliff_walking")
    agent = make_agent("monte-carlo", level, seed=0)
    for _ in range(20):
        agent.episode()
    model = agent.env.model
    wallable = ~(model.wall | model.terminal) & (model.start_distribution == 0)  # not the start
    s = int(np.argmax(agent.N.sum(axis=1) * wallable))
    assert agent.N[s].sum() > 0
    agent.set_level(toggle_wall(level, s))
    assert np.all(agent.N[s] == 0) and np.all(agent.Q[s] == 0)


def test_dqn_shows_no_value_on_a_new_wall_and_values_on_a_removed_one():
    pytest.importorskip("torch")
    level = load_level("four_rooms")
    agent = make_agent("dqn", level, seed=0)
    floor = "".join(level.layout).index(".")
    walled = toggle_wall(level, floor)
    agent.set_level(walled)
    assert np.all(agent.insight().Q[floor] == 0)
    agent.set_level(toggle_wall(walled, floor))  # floor again: the network's Q, no longer masked
    assert np.all(agent.insight().Q[floor] != 0)
