"""Scheduled level changes (``changes:``): parsed, validated with file:line messages, saved."""

from __future__ import annotations

import pytest

from gridrl.levels import Change, GridLevel, level_to_yaml, level_warnings, load_level, parse_level

BASE = """\
kind: gridworld
layout: |
  S.#
  ..G
changes:
"""


def _error(level_error, changes: str):
    return level_error(BASE + changes)


def test_changes_parse_into_whole_layouts_in_order(parse):
    level = parse(BASE + """\
- at_step: 10
  layout: |
    S..
    .#G
- at_step: 1e3
  layout: |
    S##
    ..G
""")
    assert level.changes == (Change(10, ("S..", ".#G")), Change(1000, ("S##", "..G")))
    assert level.after_changes(0).layout == ("S.#", "..G")
    assert level.after_changes(2) == GridLevel(level.name, ("S##", "..G"), level.legend)
    with pytest.raises(ValueError, match="has 2 changes, not 3"):
        level.after_changes(3)


def test_no_changes_and_an_empty_block_are_the_same(parse):
    assert parse(BASE).changes == () == parse(BASE.replace("changes:\n", "")).changes


@pytest.mark.parametrize("name", ["blocking_maze", "shortcut_maze"])
def test_the_changing_mazes_round_trip_with_their_schedule(name):
    level = load_level(name)
    assert len(level.changes) == 1 and parse_level(level_to_yaml(level)) == level


def test_blocking_maze_moves_the_gap_and_shortcut_maze_opens_one():
    """Figure 8.4: the wall's gap at the right end moves to the left end after 1000 steps;
    Figure 8.5: after 3000 steps the right end opens too."""
    blocking, shortcut = load_level("blocking_maze"), load_level("shortcut_maze")
    assert blocking.shape == shortcut.shape == (6, 9)
    assert (blocking.layout[3], blocking.changes[0].at_step, blocking.changes[0].layout[3]) == (
        "########.", 1000, ".########")
    assert (shortcut.layout[3], shortcut.changes[0].at_step, shortcut.changes[0].layout[3]) == (
        ".########", 3000, ".#######.")
    for level in (blocking, shortcut):
        assert level.dynamics.gamma == 0.95 and level.cells_of("S") == [(5, 3)] and level.cells_of("G") == [(0, 8)]
        after = level.after_changes(1).layout
        assert after[:3] + after[4:] == level.layout[:3] + level.layout[4:]  # only row 4 changes


@pytest.mark.parametrize(
    ("changes", "line", "column", "words"),
    [
        ("  at_step: 3\n", 6, 3, "'changes' must be a list"),
        ("- 5\n", 6, 3, "change 1 must be a mapping"),
        ("- at_step: 5\n", 6, 3, "change 1 needs 'at_step: N'"),
        ("- layout: |\n    S..\n    ..G\n", 6, 3, "change 1 needs 'at_step: N'"),
        ("- {at_step: 0, layout: \"S..\\n..G\"}\n", 6, 13, "'at_step' must be between 1 and"),
        ("- {at_step: 2.5, layout: \"S..\\n..G\"}\n", 6, 13, "'at_step' must be a whole number"),
        ("- {at_step: 5, layuot: x}\n", 6, 16, "unknown key 'layuot' in change 1. Did you mean 'layout'?"),
        ("- at_step: 5\n  layout: |\n    S..\n    ..G\n- at_step: 5\n  layout: |\n    S..\n    ..G\n",
         10, 12, "change 2 is at step 5, not after change 1 at step 5: list the changes in increasing order"),
        ("- at_step: 5\n  layout: |\n    S..G\n    ...G\n", 7, 11, "change 1's layout is 2 x 4 but the level's is 2 x 3"),
        ("- at_step: 5\n  layout: |\n    S..\n    .G\n", 9, None, "layout row 2 has 2 cells but row 1 has 3"),
        ("- at_step: 5\n  layout: |\n    S..\n    .QG\n", 9, 6, "unknown tile 'Q' at row 2, column 2"),
        ("- at_step: 5\n  layout: |\n    ...\n    ..G\n", 7, 11, "change 1's layout has no start cell"),
        ("- at_step: 5\n  layout: |\n    S..\n    ...\n", 7, 11, "change 1's layout has no goal left"),
    ],
)
def test_a_bad_change_is_a_positioned_message(level_error, changes, line, column, words):
    error = _error(level_error, changes)
    assert words in error.problem
    assert (error.source, error.line, error.column) == ("<string>", line, column), str(error)


def test_a_change_keeps_the_teleport_targets(level_error):
    error = level_error("kind: gridworld\nlayout: |\n  STa\n  ..G\nlegend:\n  T: {teleport: a}\n  a: {}\n"
                        "changes:\n- at_step: 5\n  layout: |\n    ST.\n    ..G\n")
    assert (error.line, error.column) == (10, 11)
    assert error.problem.startswith("change 1's layout: teleport target 'a' of tile 'T' is not in the layout")


def test_a_level_without_a_goal_may_change_without_one(parse):
    text = "kind: gridworld\nlayout: |\n  S..\nchanges:\n- at_step: 2\n  layout: |\n    S#.\n"
    assert parse(text).changes == (Change(2, ("S#.",)),)


def test_a_constructed_level_with_changes_saves_and_loads_equal():
    level = GridLevel("two changes", ("S.#", "..G"), changes=(Change(7, ("S..", "#.G")), Change(9, ("S#.", "..G"))))
    text = level_to_yaml(level)
    assert "changes:\n- at_step: 7\n  layout: |\n    S..\n    #.G\n- at_step: 9\n" in text
    assert parse_level(text) == level


def test_a_change_that_walls_off_the_goal_is_a_warning_naming_it(parse):
    level = parse(BASE + "- at_step: 1500\n  layout: |\n    S.#\n    .#G\n")
    assert level_warnings(level) == [
        "after change 1 (step 1,500): no goal can be reached from any start (row 2 col 3); "
        "walls or hazards block every path"
    ]
