"""Noisy tile rewards (``reward_std``, ``exit_reward_std``) in the level editor's tile
properties: Sutton & Barto Example 6.7's B (every action pays N(-0.1, 1)) is built by typing,
a negative or non-number standard deviation is refused with what the field allows, and Save
writes what the parser reads back."""

from __future__ import annotations

import pygame
import pytest
from gui_helpers import click, key, press, type_into
from test_editor import button, cell_center, editor, open_editor

from gridrl.gui import editor_model as em
from gridrl.levels import GridLevel, LevelError, read_level_file

CTRL = pygame.KMOD_CTRL


pytestmark = pytest.mark.usefixtures("user_levels")  # every test saves into a tmp folder


def test_example_6_7_noise_typed_in_the_tile_properties(app, user_levels):
    open_editor(app)
    key(app, pygame.K_n, mod=CTRL)  # a new 5 x 5
    ed = editor(app)
    for char, cell in (("S", (4, 4)), ("G", (2, 0))):
        press(app, ed.widgets.palette_buttons[char])
        click(app, cell_center(ed, *cell))
    type_into(app, ed.widgets.entries["new_char"], "B", finished=False)
    press(app, button(app, "add_kind"))
    click(app, cell_center(ed, 2, 2))
    for text in ("-1", "lots"):
        type_into(app, ed.widgets.entries["tile_reward_std"], text)
        assert ed.message == f"Can't: reward_std must be a number >= 0; got '{text}'" and ed.message_error
    type_into(app, ed.widgets.entries["tile_exit_reward_std"], "-0.5")
    assert ed.message == "Can't: exit_reward_std must be a number >= 0; got '-0.5'"
    assert ed.level.tile("B").reward_std == 0 and ed.level.tile("B").exit_reward_std == 0
    type_into(app, ed.widgets.entries["tile_reward_std"], "0.5")
    type_into(app, ed.widgets.entries["tile_exit_reward_std"], "1")
    assert not ed.validation.ok and "exit_reward_std but no exit_to" in ed.validation.errors[0]  # the parser's rule
    type_into(app, ed.widgets.entries["tile_exit_reward"], "-0.1")
    press(app, button(app, "pick_target", "exit_to"))
    click(app, cell_center(ed, 2, 0))
    b = ed.level.tile("B")
    assert (b.reward_std, b.exit_reward, b.exit_reward_std, b.exit_to) == (0.5, -0.1, 1.0, "G")
    assert ed.validation.ok, ed.validation.errors
    key(app, pygame.K_s, mod=CTRL)
    assert read_level_file(user_levels / "new_level.yaml") == ed.level
    for _ in range(4):  # the pick, exit_reward, exit_reward_std, reward_std
        key(app, pygame.K_z, mod=CTRL)
    assert ed.level.tile("B").reward_std == 0
    assert ed.widgets.entries["tile_reward_std"].get_text() == "0"  # the field follows undo
    assert app.errors == []


def test_set_kind_refuses_a_negative_or_infinite_noise():
    level = em.add_kind(GridLevel("two", ("S.", ".G")), "B")
    assert em.set_kind(level, "B", reward_std="0.25").tile("B").reward_std == 0.25
    for key_, value in (("reward_std", -1), ("exit_reward_std", -0.1), ("reward_std", float("inf"))):
        with pytest.raises(LevelError, match=key_):
            em.set_kind(level, "B", **{key_: value})
