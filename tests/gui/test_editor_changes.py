"""The level editor and a level's scheduled changes (``changes:``), driven through the real
app: the layout buttons choose which layout is painted (the start, or the layout after a
change), the board marks the cells the selected change sets, a change is added at a typed step
or deleted, every edit undoes, and Save writes what the parser reads back."""

from __future__ import annotations

import pygame
import pytest
from gui_helpers import click, key, press, type_into
from test_editor import cell_center, editor, open_editor

from gridrl.gui import editor_changes as ec
from gridrl.levels import load_level, read_level_file
from gridrl.render.colors import THEME

CTRL = pygame.KMOD_CTRL


pytestmark = pytest.mark.usefixtures("user_levels")  # every test saves into a tmp folder


@pytest.mark.parametrize("name", ["blocking_maze", "shortcut_maze"])
def test_a_changing_maze_saved_unedited_reads_back_equal(make_app, user_levels, name):
    original = load_level(name)
    ed = open_editor(make_app(name))
    assert [b.text for b in ed.widgets.layout_buttons] == ["start", f"step {original.changes[0].at_step:,}"]
    key(app := ed.app, pygame.K_s, mod=CTRL)
    assert read_level_file(user_levels / f"{name}.yaml") == original
    assert app.errors == []


def test_a_wall_painted_after_the_change_is_saved_in_the_change_only(make_app, user_levels):
    """Example 8.3's shortcut opens at step 3000 at row 4, col 9; a wall painted at row 1,
    col 5 in that layout joins the change's cells, and the start layout stays as it was."""
    original = load_level("shortcut_maze")
    app = make_app("shortcut_maze")
    ed = open_editor(app)
    assert ec.changed_cells(ed.level, 1) == [(3, 8)]
    press(app, ed.widgets.layout_buttons[1])
    assert ed.at == 1 and ed.widgets.layout_buttons[1].is_selected
    assert ed.renderer.level.layout == original.changes[0].layout  # the board shows the later layout
    press(app, ed.widgets.palette_buttons["#"])
    key(app, pygame.K_LEFTBRACKET)  # [ and ] step through the layouts
    assert ed.at == 0
    key(app, pygame.K_RIGHTBRACKET)
    assert ed.at == 1
    click(app, cell_center(ed, 0, 4))
    assert ed.level.layout == original.layout
    assert ed.level.changes[0].layout[0] == "....#...G"
    assert ec.changed_cells(ed.level, 1) == [(0, 4), (3, 8)]
    # the board marks the change's cells: its outline runs along each one's edge
    for r, c in [(0, 4), (3, 8)]:
        rect = ed.renderer.cell_rect(r * 9 + c, ed.layout.board).inflate(-2, -2)
        assert tuple(app.screen.get_at((rect.centerx, rect.bottom - 1)))[:3] == THEME["accent"]
    unmarked = ed.renderer.cell_rect(0 * 9 + 3, ed.layout.board).inflate(-2, -2)
    assert tuple(app.screen.get_at((unmarked.centerx, unmarked.bottom - 1)))[:3] != THEME["accent"]
    assert ed.validation.ok
    key(app, pygame.K_s, mod=CTRL)
    saved = read_level_file(user_levels / "shortcut_maze.yaml")
    assert saved == ed.level
    assert saved.layout == original.layout and saved.changes[0].at_step == 3000
    assert saved.changes[0].layout[0][4] == "#" and saved.changes[0].layout[3] == ".#######."
    key(app, pygame.K_z, mod=CTRL)
    assert ed.level == original
    assert app.errors == []


def test_a_wall_painted_at_the_start_stays_after_a_change_that_does_not_set_its_cell(make_app):
    """Example 8.2: the change moves the wall's gap from the right end (row 4, col 9) to the
    left end (col 1); a wall painted at the start at row 1, col 1 is in both layouts, and the
    change still sets only those two cells."""
    app = make_app("blocking_maze")
    ed = open_editor(app)
    assert ec.changed_cells(ed.level, 1) == [(3, 0), (3, 8)]
    press(app, ed.widgets.palette_buttons["#"])
    click(app, cell_center(ed, 0, 0))
    assert ed.level.layout[0][0] == "#" and ed.level.changes[0].layout[0][0] == "#"
    assert ec.changed_cells(ed.level, 1) == [(3, 0), (3, 8)]
    assert app.errors == []


def test_add_a_change_at_step_500_then_delete_it_and_undo_both(make_app):
    original = load_level("shortcut_maze")
    app = make_app("shortcut_maze")
    ed = open_editor(app)
    type_into(app, ed.widgets.entries["change_step"], "500")  # Enter adds it
    assert [c.at_step for c in ed.level.changes] == [500, 3000]
    assert ed.at == 1 and ed.widgets.layout_buttons[1].text == "step 500"  # selected, to be painted
    assert ed.level.changes[0].layout == original.layout  # it sets no cell yet ...
    assert ec.changed_cells(ed.level, 2) == [(3, 8)]  # ... and the later change keeps its cell
    assert any("step 500 sets no cell yet" in w for w in ed.validation.warnings)
    added = ed.level
    press(app, ed.widgets.layout_buttons[2])
    press(app, ed.widgets.elements[[getattr(e, "text", "") for e in ed.widgets.elements].index("Delete")])
    assert [c.at_step for c in ed.level.changes] == [500] and ed.at == 1
    assert ed.level.changes[0].layout == original.layout  # the shortcut no longer opens
    key(app, pygame.K_z, mod=CTRL)
    assert ed.level == added
    key(app, pygame.K_z, mod=CTRL)
    assert ed.level == original and ed.at == 1  # the selection follows what is left
    key(app, pygame.K_y, mod=CTRL)
    assert ed.level == added
    assert app.errors == []


def test_delete_is_off_while_the_start_layout_is_selected(make_app):
    app = make_app("shortcut_maze")
    ed = open_editor(app)
    delete = ed.widgets.elements[[getattr(e, "text", "") for e in ed.widgets.elements].index("Delete")]
    assert not delete.is_enabled and "start layout stays" in delete.tool_tip_text
    ed.schedule.cmd_remove_change()
    assert ed.level == load_level("shortcut_maze") and ed.message_error


@pytest.mark.parametrize(("text", "says"), [
    ("abc", "a change's step must be a whole number from 1 to 1000000000; got 'abc'"),
    ("-3", "a change's step must be a whole number from 1 to 1000000000; got '-3'"),
    ("2.5", "a change's step must be a whole number from 1 to 1000000000; got '2.5'"),
    ("3000", "there is already a change at step 3,000; type another step"),
])  # fmt: skip
def test_a_bad_step_is_refused_with_what_a_step_may_be(make_app, text, says):
    app = make_app("shortcut_maze")
    ed = open_editor(app)
    type_into(app, ed.widgets.entries["change_step"], text)
    assert ed.message_error and ed.message == f"Can't: {says}"
    press(app, ed.widgets.elements[[getattr(e, "text", "") for e in ed.widgets.elements].index("Add change")])
    assert ed.message == f"Can't: {says}"  # the button reads the same field
    assert ed.level == load_level("shortcut_maze") and not ed.model.can_undo
    assert app.errors == []


def test_a_new_level_gets_a_change_painted_and_saved(make_app, user_levels):
    """From an empty 5 x 5: a change at step 10 walls the middle cell; the parser reads it back."""
    app = make_app()
    open_editor(app)
    key(app, pygame.K_n, mod=CTRL)
    ed = editor(app)
    for char, cell in (("S", (0, 0)), ("G", (4, 4))):
        press(app, ed.widgets.palette_buttons[char])
        click(app, cell_center(ed, *cell))
    type_into(app, ed.widgets.entries["change_step"], "10")
    press(app, ed.widgets.palette_buttons["#"])
    click(app, cell_center(ed, 2, 1))
    assert ed.level.layout[2] == "....." and ed.level.changes[0].layout[2] == ".#..."
    assert ed.validation.ok, ed.validation.errors
    key(app, pygame.K_s, mod=CTRL)
    saved = read_level_file(user_levels / "new_level.yaml")
    assert saved == ed.level and [c.at_step for c in saved.changes] == [10]
    assert app.errors == []


@pytest.mark.parametrize("size", [(960, 640, 1.0), (1024, 768, 1.0), (1024, 768, 1.5), (1280, 800, 2.0)],
                         ids=["960x640", "1024x768", "1024x768-x1.5", "1280x800-x2"])  # fmt: skip
def test_the_layout_buttons_fit_at_every_size_and_in_presentation_mode(make_app, size):
    """The layout buttons, the step entry, Add change and Delete (the right column; in
    presentation mode the layout buttons in the palette's strip, the rest behind Properties)
    neither overlap nor leave the window, and the board's letters and marks stay clear."""
    from test_layout import _check, _open

    w, h, zoom = size
    app = _open(make_app, (w, h), zoom, "shortcut_maze", "editor")
    ed = app.top
    press(app, ed.widgets.layout_buttons[1])
    assert [b.text for b in ed.widgets.layout_buttons] == ["start", "step 3,000"]
    assert ("change_step" in ed.widgets.entries) == (zoom == 1.0)
    _check(app, widgets=10, labels=3)
    if zoom != 1.0:
        texts = [getattr(e, "text", "") for e in ed.widgets.elements]
        press(app, ed.widgets.elements[texts.index("⚙ Properties")])
        press(app, ed.widgets.elements[[getattr(e, "text", "") for e in ed.widgets.elements].index("Files")])
        assert "change_step" in ed.widgets.entries and ed.widgets.layout_buttons[1].is_selected
        app.run_frames(2)
        _check(app, widgets=10, labels=3)
    assert app.errors == []
