"""The movement rule (compile_grid(...).move) and the reachability warnings."""

from __future__ import annotations

import numpy as np
import pytest

from gridrl.levels import Action, GridLevel, compile_grid, level_warnings, parse_level

UP, RIGHT, DOWN, LEFT = Action.UP, Action.RIGHT, Action.DOWN, Action.LEFT


def grid(layout: str, legend: str = "") -> GridLevel:
    rows = "".join(f"  {row}\n" for row in layout.split())
    text = "kind: gridworld\nlayout: |\n" + rows
    if legend:
        text += "legend:\n" + "".join(f"  {line.strip()}\n" for line in legend.strip().splitlines())
    level = parse_level(text)
    assert isinstance(level, GridLevel)
    return level


def move1(level: GridLevel, row: int, col: int, action: int) -> tuple[tuple[int, int], bool]:
    arrays = compile_grid(level)
    cell, bumped = arrays.move(np.array([row * arrays.cols + col]), np.array([action]))
    r, c = divmod(int(cell[0]), arrays.cols)
    return (r, c), bool(bumped[0])


# --------------------------------------------------------------------------- compile_grid


def test_compile_grid_arrays() -> None:
    level = grid("S.# .XG", "")
    arrays = compile_grid(level)
    assert (arrays.rows, arrays.cols, arrays.n_cells) == (2, 3, 6)
    assert arrays.chars.tolist() == ["S", ".", "#", ".", "X", "G"]
    assert arrays.wall.tolist() == [False, False, True, False, False, False]
    assert arrays.start_cells.tolist() == [0]
    assert arrays.terminal.tolist() == [False, False, False, False, True, True]
    assert arrays.reward.tolist() == [0, 0, 0, 0, -1, 1]
    assert (arrays.teleport == -1).all() and (arrays.exit == -1).all()


def test_start_target_means_all_start_cells() -> None:
    level = grid("Ss.a G...", "s: {start: true}\na: {teleport: S}")
    arrays = compile_grid(level)
    index = arrays.teleport[3]
    assert arrays.targets[index].tolist() == [0, 1]


# --------------------------------------------------------------------------- move


@pytest.mark.parametrize(
    "row, col, action",
    [(0, 0, UP), (0, 0, LEFT), (2, 2, DOWN), (2, 2, RIGHT), (0, 2, UP), (2, 0, LEFT)],
)
def test_bump_at_border(row: int, col: int, action: int) -> None:
    level = grid("S.. ... ..G")
    assert move1(level, row, col, action) == ((row, col), True)


@pytest.mark.parametrize(
    "action, expected", [(UP, (0, 1)), (RIGHT, (1, 2)), (DOWN, (2, 1)), (LEFT, (1, 0))]
)
def test_free_moves(action: int, expected: tuple[int, int]) -> None:
    level = grid("S.. ... ..G")
    assert move1(level, 1, 1, action) == (expected, False)


def test_wall_blocks() -> None:
    level = grid("S#. .#G ...")
    assert move1(level, 0, 0, RIGHT) == ((0, 0), True)
    assert move1(level, 1, 0, RIGHT) == ((1, 0), True)
    assert move1(level, 2, 1, UP) == ((2, 1), True)
    assert move1(level, 0, 2, LEFT) == ((0, 2), True)
    assert move1(level, 0, 2, DOWN) == ((1, 2), False)


def test_legend_wall_blocks() -> None:
    level = grid("SwG", "w: {wall: true}")
    assert move1(level, 0, 0, RIGHT) == ((0, 0), True)


def test_wind_push_of_two_stops_at_border() -> None:
    level = grid("S.. .w. ..G", "w: {wind: [-2, 0]}")
    # from w (row 1) move right to (1, 2); the wind pushes up 2 but the border stops it at row 0
    assert move1(level, 1, 1, RIGHT) == ((0, 2), False)
    # moving up lands on row 0 already; the wind cannot push further
    assert move1(level, 1, 1, UP) == ((0, 1), False)
    # moving down to row 2, the full push of 2 brings it back to row 0
    assert move1(level, 1, 1, DOWN) == ((0, 1), False)


def test_wind_push_full_distance() -> None:
    level = grid("S... .... .... .w.G", "w: {wind: [-2, 0]}")
    assert move1(level, 3, 1, RIGHT) == ((1, 2), False)


def test_wind_stopped_by_wall() -> None:
    level = grid("S.#. .... .w.. ...G", "w: {wind: [-2, 0]}")
    # from w at (2, 1) move right to (2, 2); push up: (1, 2) is free, (0, 2) is a wall
    assert move1(level, 2, 1, RIGHT) == ((1, 2), False)
    # move left to (2, 0); push up 2 reaches (0, 0) (S is not a wall)
    assert move1(level, 2, 1, LEFT) == ((0, 0), False)


def test_wind_stops_for_good_at_a_wall() -> None:
    # a push of 3 blocked after one cell does not jump over the wall
    level = grid("S.... #.... ..... .w..G", "w: {wind: [-3, 0]}")
    assert move1(level, 3, 1, LEFT) == ((2, 0), False)


def test_sideways_wind() -> None:
    level = grid("Sw... ....G", "w: {wind: [0, 2]}")
    assert move1(level, 0, 1, DOWN) == ((1, 3), False)
    assert move1(level, 0, 1, RIGHT) == ((0, 4), False)  # (0, 2) pushed 2 to the last column
    # wind of the cell acted from applies even if the move bumped
    assert move1(level, 0, 1, UP) == ((0, 3), True)


def test_wind_applies_from_cell_acted_from_not_landed_on() -> None:
    level = grid("S.w.. .....  ....G", "w: {wind: [1, 0]}")
    # moving from (0, 1) into w does not trigger w's wind
    assert move1(level, 0, 1, RIGHT) == ((0, 2), False)


def test_move_is_vectorised() -> None:
    level = grid("S#. ... ..G")
    arrays = compile_grid(level)
    cells = np.array([0, 0, 4, 8])
    actions = np.array([RIGHT, DOWN, UP, RIGHT])
    after, bumped = arrays.move(cells, actions)
    assert after.tolist() == [0, 3, 4, 8]
    assert bumped.tolist() == [True, False, True, True]  # (1, 1) up is the wall at (0, 1)


def test_move_broadcasts_one_cell_over_all_actions() -> None:
    level = grid("S.. ... ..G")
    arrays = compile_grid(level)
    after, bumped = arrays.move(np.array(0), np.arange(4))
    assert after.tolist() == [0, 1, 3, 0]
    assert bumped.tolist() == [True, False, False, True]


def test_windy_gridworld_bundled_push() -> None:
    from gridrl.levels import load_level

    level = load_level("windy_gridworld")
    # acting from column 7 (wind 2) at row 2 moving right ends two rows up in column 8
    assert move1(level, 2, 7, RIGHT) == ((0, 8), False)
    assert move1(level, 1, 6, UP) == ((0, 6), False)


# --------------------------------------------------------------------------- warnings


def test_walled_off_goal_warns() -> None:
    level = grid("S#G .#.")
    warnings = level_warnings(level)
    assert len(warnings) == 1
    assert "goal" in warnings[0]
    assert "row 1 col 3" in warnings[0]


def test_goal_behind_hazard_warns() -> None:
    warnings = level_warnings(grid("SXG"))
    assert len(warnings) == 1 and "goal" in warnings[0]


def test_only_some_goals_unreachable() -> None:
    warnings = level_warnings(grid("S.G# ..#G"))
    assert len(warnings) == 1
    assert "goal cell(s) at row 2 col 4 cannot be reached" in warnings[0]
    assert "row 1 col 3" not in warnings[0]


def test_positive_terminal_legend_tile_counts_as_goal() -> None:
    warnings = level_warnings(grid("S#T", "T: {terminal: true, reward: 5}"))
    assert len(warnings) == 1 and "goal" in warnings[0]


def test_reachable_goal_no_warning() -> None:
    assert level_warnings(grid("S.. .#. ..G")) == []


def test_no_goal_no_warning() -> None:
    assert level_warnings(grid("S.. ...")) == []


def test_goal_reachable_only_through_teleport() -> None:
    level = grid("Sa#b.G", "a: {teleport: b}\nb: {}")
    assert level_warnings(level) == []
    # and without the teleport it is unreachable
    assert len(level_warnings(grid("Sa#b.G", "a: {}\nb: {}"))) == 1


def test_goal_reachable_only_through_exit() -> None:
    level = grid("SA#b.G", "A: {exit_reward: 1, exit_to: b}\nb: {}")
    assert level_warnings(level) == []


def test_goal_reachable_only_through_wind() -> None:
    # A row of hazards ends every walk north, but the wind at w carries the agent across
    # it (wind stops only at walls and the border), so the goal is reachable.
    level = grid(".G. XXX .w. S..", "w: {wind: [-2, 0]}")
    assert level_warnings(level) == []
    calm = grid(".G. XXX .w. S..", "w: {}")
    (warning,) = level_warnings(calm)
    assert "goal" in warning


def test_warning_lists_at_most_five_cells() -> None:
    level = grid("S#GGGGGGG")
    (warning,) = level_warnings(level)
    assert "and 2 more" in warning
    assert warning.count("row 1 col") == 5


def test_bandit_has_no_warnings() -> None:
    level = parse_level("kind: bandit\ntestbed: true\n")
    assert level_warnings(level) == []
