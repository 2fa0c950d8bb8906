"""The level editor, driven through the real app: keys, clicks, drags, widget events."""

from __future__ import annotations

import pygame
import pytest
from gui_helpers import choose, click, key, press, scene, type_into

from gridrl.gui import editor_model as em
from gridrl.gui.overlays import ChoiceScene
from gridrl.gui.scene_edit import EditScene
from gridrl.levels import BanditLevel, load_level, read_level_file

CTRL = pygame.KMOD_CTRL


pytestmark = pytest.mark.usefixtures("user_levels")  # every test saves into a tmp folder


def editor(app) -> EditScene:
    sc = app.find(EditScene)
    assert sc is not None and app.top is sc
    return sc


def open_editor(app) -> EditScene:
    key(app, pygame.K_e, mod=CTRL)
    return editor(app)


def cell_center(ed: EditScene, r: int, c: int) -> tuple[int, int]:
    cols = ed.level.shape[1]
    return ed.renderer.cell_rect(r * cols + c, ed.layout.board).center


def right_click(app, pos) -> None:
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=3, touch=False))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=3, touch=False))
    app.run_frames(2)


def drag(app, points) -> None:
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=points[0], button=1, touch=False))
    for p in points[1:]:
        pygame.event.post(pygame.event.Event(pygame.MOUSEMOTION, pos=p, rel=(1, 0), buttons=(1, 0, 0), touch=False))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=points[-1], button=1, touch=False))
    app.run_frames(2)


def button(app, command: str, key_=None):
    for element, (name, k) in app.bindings.items():
        if name == command and (key_ is None or k == key_) and element.alive():
            return element
    raise LookupError(command)


def test_paint_drag_erase_properties_undo_redo_save_reload(app, user_levels):
    original = load_level("cliff_walking")
    ed = open_editor(app)
    assert ed.level == original
    press(app, ed.widgets.palette_buttons["#"])
    click(app, cell_center(ed, 0, 0))
    assert ed.level.layout[0][0] == "#"
    drag(app, [cell_center(ed, 1, c) for c in range(4)])
    assert ed.level.layout[1][:4] == "####"
    right_click(app, cell_center(ed, 1, 0))
    assert ed.level.layout[1][:4] == ".###"
    press(app, ed.widgets.palette_buttons["C"])
    type_into(app, ed.widgets.entries["tile_reward"], "-50")
    type_into(app, ed.widgets.entries["dyn_gamma"], "0.9")
    type_into(app, ed.widgets.entries["dyn_slip"], "2")  # out of range: refused, explained
    assert ed.message.startswith("Can't") and ed.level.dynamics.slip == 0
    assert ed.level.tile("C").reward == -50 and ed.level.dynamics.gamma == 0.9
    edited = ed.level
    for _ in range(5):  # paint, drag (one step), erase, reward, gamma
        key(app, pygame.K_z, mod=CTRL)
    assert ed.level == original
    for _ in range(5):
        key(app, pygame.K_y, mod=CTRL)
    assert ed.level == edited
    key(app, pygame.K_s, mod=CTRL)
    saved = list(user_levels.glob("*.yaml"))
    assert len(saved) == 1 and saved[0].name == "cliff_walking.yaml"
    assert read_level_file(saved[0]) == edited
    assert load_level("cliff_walking") == original  # the bundled file is untouched
    assert not ed.model.dirty
    assert "cliff_walking (mine)" in scene(app).levels.level_options()  # in the level picker
    assert app.errors == []


def test_validation_is_live_and_blocks_only_train(app):
    ed = open_editor(app)
    key(app, pygame.K_n, mod=CTRL)  # a new 5x5 (the bundled level had no edits: no question)
    ed = editor(app)
    assert ed.level.shape == (5, 5) and not ed.validation.ok
    assert "start" in ed.validation.errors[0]
    press(app, button(app, "train_level"))
    assert app.top is ed and ed.message.startswith("Fix this first")
    press(app, ed.widgets.palette_buttons["S"])
    click(app, cell_center(ed, 0, 0))
    press(app, ed.widgets.palette_buttons["G"])
    click(app, cell_center(ed, 4, 4))
    press(app, ed.widgets.palette_buttons["#"])
    drag(app, [cell_center(ed, 3, 4), cell_center(ed, 4, 3)])
    click(app, cell_center(ed, 3, 3))
    click(app, cell_center(ed, 4, 3))
    assert ed.validation.ok and any("reach" in w for w in ed.validation.warnings)  # a warning only
    press(app, ed.resize_button if hasattr(ed, "resize_button") else button(app, "grid_resize", ("right", 1)))
    assert ed.level.shape == (5, 6) and ed.level.layout[0][0] == "S"
    press(app, button(app, "train_level"))
    sc = scene(app)
    assert app.top is sc and sc.level.shape == (5, 6)
    assert app.errors == []


def test_quit_with_unsaved_edits_asks_first(app):
    ed = open_editor(app)
    press(app, ed.widgets.palette_buttons["#"])
    click(app, cell_center(ed, 0, 0))
    key(app, pygame.K_q, mod=CTRL)
    assert app.running and isinstance(app.top, ChoiceScene)
    choice = app.top
    press(app, choice.buttons[2])  # Cancel
    assert app.running and app.top is ed
    pygame.event.post(pygame.event.Event(pygame.QUIT))
    app.run_frames(2)
    assert app.running and isinstance(app.top, ChoiceScene)
    press(app, app.top.buttons[1])  # Discard
    assert not app.running


def test_switching_level_with_unsaved_edits_asks_first(app):
    ed = open_editor(app)
    click(app, cell_center(ed, 0, 0))
    press(app, button(app, "train_level"))  # train on the edited level; edits still unsaved
    sc = scene(app)
    assert sc.level.layout[0][0] == "#" and sc.levels.editor.dirty
    choose(app, sc.panels.level_dropdown, "four_rooms")
    assert isinstance(app.top, ChoiceScene) and sc.level.layout[0][0] == "#"
    press(app, app.top.buttons[0])  # Save
    assert sc.level.name == load_level("four_rooms").name
    assert app.errors == []


def test_recovery_file_restores_edits(make_app):
    app = make_app()
    ed = open_editor(app)
    press(app, ed.widgets.palette_buttons["G"])
    click(app, cell_center(ed, 1, 1))
    edited = ed.level
    app.run_frames(70)  # > 1 s of frames: autosaved
    assert em.recovery_path().exists()
    # a "crash": the app goes away without asking; the next start offers the edits back
    app2 = make_app()
    assert isinstance(app2.top, ChoiceScene)
    press(app2, app2.top.buttons[0])  # Restore
    ed2 = editor(app2)
    assert ed2.level == edited and ed2.model.dirty
    assert app2.errors == []


def test_bandit_arms_in_the_editor(app):
    ed = open_editor(app)
    press(app, button(app, "new_bandit"))
    ed = editor(app)
    assert isinstance(ed.level, BanditLevel) and len(ed.level.arms) == 2
    press(app, button(app, "add_arm"))
    press(app, button(app, "arm_dist", 2))
    type_into(app, ed.widgets.entries["arm_mean_2"], "1.5")
    type_into(app, ed.widgets.entries["arm_p_0"], "0.9")
    press(app, button(app, "remove_arm", 1))
    pygame.event.post(pygame.event.Event(pygame.VIDEORESIZE, w=1100, h=720, size=(1100, 720)))
    app.run_frames(2)
    assert scene(app).panels.elements == []  # the training widgets stay hidden under the editor
    ed = editor(app)
    assert [a.distribution for a in ed.level.arms] == ["bernoulli", "gaussian"]
    assert ed.level.arms[0].p == 0.9 and ed.level.arms[1].mean == 1.5
    assert ed.validation.ok
    press(app, button(app, "train_level"))
    assert scene(app).trainer.is_bandit and scene(app).level.arms == ed.level.arms
    assert app.errors == []


def test_example_3_5_built_in_the_editor(app, user_levels):
    """Sutton & Barto Example 3.5 from an empty 5 x 5; value iteration gives v*(A) = 24.4."""
    open_editor(app)
    key(app, pygame.K_n, mod=CTRL)
    ed = editor(app)
    type_into(app, ed.widgets.entries["name"], "Example 3.5")
    for char, cell, reward, target in (("A", (0, 1), 10, (4, 1)), ("B", (0, 3), 5, (2, 3))):
        type_into(app, ed.widgets.entries["new_char"], char, finished=False)
        press(app, button(app, "add_kind"))
        assert ed.brush == char
        click(app, cell_center(ed, *cell))
        type_into(app, ed.widgets.entries["tile_exit_reward"], str(reward))
        press(app, button(app, "pick_target", "exit_to"))
        click(app, cell_center(ed, *target))
    press(app, ed.widgets.palette_buttons["S"])
    click(app, cell_center(ed, 4, 4))
    type_into(app, ed.widgets.entries["dyn_bump_reward"], "-1")
    type_into(app, ed.widgets.entries["dyn_gamma"], "0.9")
    level = ed.level
    assert level.tile("A").exit_to == level.layout[4][1] and level.tile("A").exit_reward == 10
    assert level.tile("B").exit_to == level.layout[2][3] and level.tile("B").exit_reward == 5
    assert ed.validation.ok, ed.validation.errors
    key(app, pygame.K_s, mod=CTRL)
    path = user_levels / "example_3_5.yaml"
    assert read_level_file(path) == level
    press(app, button(app, "train_level"))
    sc = scene(app)
    assert app.top is sc and sc.level == level
    choose(app, sc.panels.agent_dropdown, "value-iteration")
    for _ in range(200):
        sc.trainer.sweep()
        if sc.trainer.agent.max_delta < 1e-6:
            break
    key(app, pygame.K_n)  # numbers on the board
    app.run_frames(2)
    V = sc.board.view.V
    assert V[0 * 5 + 1] == pytest.approx(24.4, abs=0.05)  # v*(A)
    assert V[0 * 5 + 3] == pytest.approx(19.4, abs=0.05)  # v*(B), Figure 3.5
    out = user_levels.parent / "editor_example_3_5.png"
    app.save_screenshot(out)
    assert out.stat().st_size > 0
    assert app.errors == []


def test_bandit_testbed_in_the_editor(app):
    ed = open_editor(app)
    press(app, button(app, "new_bandit"))
    press(app, button(app, "use_testbed"))
    ed = editor(app)
    assert ed.level.testbed is not None and ed.level.arms == () and ed.level.n_arms == 10
    type_into(app, ed.widgets.entries["tb_arms"], "5")
    type_into(app, ed.widgets.entries["tb_mean"], "4")
    type_into(app, ed.widgets.entries["tb_std"], "-1")  # refused: the testbed keeps std 1
    ed = editor(app)
    assert (ed.level.testbed.arms, ed.level.testbed.mean, ed.level.testbed.std) == (5, 4.0, 1.0)
    assert ed.validation.ok
    press(app, button(app, "train_level"))
    trainer = scene(app).trainer
    assert trainer.is_bandit and scene(app).level.testbed == ed.level.testbed
    assert trainer.session.agent.insight().Q.shape == (1, 5)
    assert app.errors == []


# ----------------------------------------------------------------------------- the Save-as field


def test_save_as_field_follows_the_name_and_enter_saves(app, user_levels):
    ed = open_editor(app)
    type_into(app, ed.widgets.entries["name"], "Lesson 2")
    assert ed.widgets.entries["save_as"].get_text() == "lesson_2.yaml"  # not the old level's file name
    type_into(app, ed.widgets.entries["save_as"], "Übung 1")  # Enter in the field saves
    assert (user_levels / "Übung 1.yaml").is_file() and not ed.message_error
    assert read_level_file(user_levels / "Übung 1.yaml") == ed.level
    assert "Übung 1 (mine)" in scene(app).levels.level_options()
    type_into(app, ed.widgets.entries["save_as"], "copy.yml")  # listed by the picker: always .yaml
    assert (user_levels / "copy.yaml").is_file()


@pytest.mark.parametrize(("text", "says"), [
    ("../escaped", "no folders"),
    ("sub/dir", "no folders"),
    ("", "type a file name first"),
    ("a:b", "letters, digits, spaces, - and _"),
])  # fmt: skip
def test_save_as_refuses_a_bad_file_name(app, user_levels, tmp_path, text, says):
    ed = open_editor(app)
    type_into(app, ed.widgets.entries["save_as"], text)
    assert ed.message_error and says in ed.message
    assert not list(tmp_path.rglob("*.yaml"))  # nothing written, in the folder or outside it


def test_save_as_asks_before_replacing_another_file(app, user_levels):
    ed = open_editor(app)
    type_into(app, ed.widgets.entries["save_as"], "mine")
    first = (user_levels / "mine.yaml").read_text()
    press(app, ed.widgets.palette_buttons["#"])
    click(app, cell_center(ed, 0, 0))
    key(app, pygame.K_n, mod=CTRL)  # another level, then save it under the same name
    press(app, app.top.buttons[1])  # discard the edit
    ed = editor(app)
    type_into(app, ed.widgets.entries["save_as"], "mine")
    assert isinstance(app.top, ChoiceScene)
    press(app, app.top.buttons[1])  # Cancel: the file stays
    assert (user_levels / "mine.yaml").read_text() == first
    type_into(app, ed.widgets.entries["save_as"], "mine")
    press(app, app.top.buttons[0])  # Replace
    replaced = (user_levels / "mine.yaml").read_text()
    assert replaced != first and "New level" in replaced  # the new (not yet valid) 5 x 5
    assert app.errors == []
