"""TabularModel: the exact P[s, a, s'], R[s, a] of every level, checked against the movement
rules of gridrl.levels.grid computed by hand and against Sutton & Barto's published numbers."""

from __future__ import annotations

import numpy as np
import pytest

from gridrl.envs import TabularModel
from gridrl.levels import GridLevel, bundled_level_names, load_level
from custom_levels import DOWN, LEFT, RIGHT, TELEPORT_LEVEL, UP

GRID_LEVELS = [n for n in bundled_level_names() if isinstance(load_level(n), GridLevel)]


def cell(model: TabularModel, row: int, col: int) -> int:
    return row * model.shape[1] + col


def support(model: TabularModel, s: int, a: int) -> dict[tuple[int, int], float]:
    """{(row, col): P[s, a, s']} over the s' with P > 0."""
    cols = model.shape[1]
    return {divmod(int(t), cols): float(model.P[s, a, t]) for t in np.flatnonzero(model.P[s, a] > 0)}


def test_bundled_gridworlds_are_all_listed():
    assert set(GRID_LEVELS) >= {
        "ab_gridworld", "cliff_walking", "corridor", "four_rooms", "frozen_lake_4x4",
        "frozen_lake_8x8", "small_gridworld", "trap_maze", "windy_gridworld",
    }  # fmt: skip


@pytest.mark.parametrize("name", GRID_LEVELS)
def test_model_is_a_proper_mdp(name):
    m = TabularModel.from_level(name)
    rows, cols = m.shape
    S = rows * cols
    assert m.n_states == S and m.n_actions == 4
    assert m.P.shape == (S, 4, S)
    assert m.R.shape == (S, 4)
    assert np.all(m.P >= 0)
    np.testing.assert_allclose(m.P.sum(axis=2), 1.0, rtol=0, atol=1e-12)
    # Outcome arrays agree with the dense P and R.
    assert m.next_state.shape == m.prob.shape == m.reward.shape
    np.testing.assert_allclose(m.prob.sum(axis=2), 1.0, rtol=0, atol=1e-12)
    np.testing.assert_allclose(m.R, (m.prob * m.reward).sum(axis=2), atol=1e-12)
    V = np.random.default_rng(0).normal(size=S)
    np.testing.assert_allclose(m.expected_next(V), m.P @ V, atol=1e-9)
    np.testing.assert_allclose(m.q_from_v(V), m.R + m.gamma * (m.P @ V), atol=1e-9)
    # Terminal states are absorbing with zero reward, so v(terminal) = 0.
    terminal = np.flatnonzero(m.terminal)
    assert terminal.size > 0 or name == "ab_gridworld"  # Example 3.5 is a continuing task
    for s in terminal:
        np.testing.assert_array_equal(m.P[s, :, s], 1.0)
        np.testing.assert_array_equal(m.R[s], 0.0)
        np.testing.assert_array_equal(m.reward[s][m.prob[s] > 0], 0.0)
    # Nothing ever enters a wall.
    assert np.all(m.P[:, :, m.wall][~m.wall] == 0)
    # The start distribution is uniform over the start cells.
    starts = m.grid.start_cells
    assert starts.size >= 1
    np.testing.assert_allclose(m.start_distribution[starts], 1.0 / starts.size)
    assert m.start_distribution.sum() == pytest.approx(1.0, abs=1e-12)
    assert m.gamma == load_level(name).dynamics.gamma


def test_tabular_model_refuses_a_bandit():
    with pytest.raises(TypeError):
        TabularModel.from_level("bernoulli_3")


# ----------------------------------------------------------------- Sutton & Barto's numbers


def test_policy_evaluation_small_gridworld_matches_figure_4_1():
    m = TabularModel.from_level("small_gridworld")
    V = np.zeros(m.n_states)
    for _ in range(10_000):
        new = m.q_from_v(V).mean(axis=1)  # equiprobable random policy, gamma = 1
        delta = np.abs(new - V).max()
        V = new
        if delta < 1e-10:
            break
    assert delta < 1e-10
    expected = np.array(
        [[0, -14, -20, -22], [-14, -18, -20, -20], [-20, -20, -18, -14], [-22, -20, -14, 0]],
        dtype=float,
    )
    np.testing.assert_allclose(V.reshape(4, 4), expected, rtol=0, atol=0.1)


def test_value_iteration_ab_gridworld_matches_figure_3_5():
    m = TabularModel.from_level("ab_gridworld")
    assert m.gamma == pytest.approx(0.9)
    V = np.zeros(m.n_states)
    for _ in range(10_000):
        new = m.q_from_v(V).max(axis=1)
        delta = np.abs(new - V).max()
        V = new
        if delta < 1e-10:
            break
    assert delta < 1e-10
    expected = np.array(
        [
            [22.0, 24.4, 22.0, 19.4, 17.5],
            [19.8, 22.0, 19.8, 17.8, 16.0],
            [17.8, 19.8, 17.8, 16.0, 14.4],
            [16.0, 17.8, 16.0, 14.4, 13.0],
            [14.4, 16.0, 14.4, 13.0, 11.7],
        ]
    )
    np.testing.assert_allclose(V.reshape(5, 5), expected, rtol=0, atol=0.05)


# ------------------------------------------------------------- transitions worked by hand


def test_cliff_walking_transitions():
    m = TabularModel.from_level("cliff_walking")
    assert m.shape == (4, 12)
    S = cell(m, 3, 0)
    assert m.grid.start_cells.tolist() == [S]
    # Into the cliff: -100 in total and straight back to the start.
    assert support(m, S, RIGHT) == {(3, 0): 1.0}
    assert m.R[S, RIGHT] == pytest.approx(-100.0)
    assert support(m, cell(m, 2, 5), DOWN) == {(3, 0): 1.0}
    assert m.R[cell(m, 2, 5), DOWN] == pytest.approx(-100.0)
    # Ordinary moves cost -1; off the grid the agent stays (bump_reward 0).
    assert support(m, S, UP) == {(2, 0): 1.0}
    assert m.R[S, UP] == pytest.approx(-1.0)
    assert support(m, S, LEFT) == {(3, 0): 1.0}
    assert m.R[S, LEFT] == pytest.approx(-1.0)
    assert support(m, cell(m, 0, 4), UP) == {(0, 4): 1.0}
    # The last step into G costs -1 like any other and ends the episode.
    G = cell(m, 3, 11)
    assert support(m, cell(m, 2, 11), DOWN) == {(3, 11): 1.0}
    assert m.R[cell(m, 2, 11), DOWN] == pytest.approx(-1.0)
    assert m.terminal[G] and not m.terminal[cell(m, 3, 5)]


def test_windy_gridworld_wind_of_the_cell_acted_from():
    m = TabularModel.from_level("windy_gridworld")
    assert m.shape == (7, 10)
    # (3, 5): column 5, wind 1. RIGHT moves to (3, 6), then the wind of (3, 5) pushes 1 up.
    assert support(m, cell(m, 3, 5), RIGHT) == {(2, 6): 1.0}
    assert m.R[cell(m, 3, 5), RIGHT] == pytest.approx(-1.0)
    # (4, 4): wind 1. LEFT moves to (4, 3), pushed up to (3, 3).
    assert support(m, cell(m, 4, 4), LEFT) == {(3, 3): 1.0}
    # (2, 2): no wind. RIGHT moves into a windy column but the wind of (2, 2) is 0.
    assert support(m, cell(m, 2, 2), RIGHT) == {(2, 3): 1.0}
    # (2, 7): column 7, wind 2. RIGHT to (2, 8), pushed two up to (0, 8).
    assert support(m, cell(m, 2, 7), RIGHT) == {(0, 8): 1.0}
    # (1, 7): wind 2. UP to (0, 7); the push would leave the grid, so it stops at row 0.
    assert support(m, cell(m, 1, 7), UP) == {(0, 7): 1.0}
    # (0, 6): wind 2, already on row 0: RIGHT to (0, 7), the push is blocked at once.
    assert support(m, cell(m, 0, 6), RIGHT) == {(0, 7): 1.0}
    # (1, 8): wind 1. DOWN to (2, 8), pushed back up to (1, 8): the agent ends where it was.
    assert support(m, cell(m, 1, 8), DOWN) == {(1, 8): 1.0}
    assert m.R[cell(m, 1, 8), DOWN] == pytest.approx(-1.0)


def test_windy_gridworld_layout_is_example_6_5():
    """Sutton & Barto Example 6.5: wind 0 0 0 1 1 1 2 2 1 0 by column, start (3, 0), goal (3, 7)."""
    m = TabularModel.from_level("windy_gridworld")
    wind = m.grid.wind.reshape(7, 10, 2)
    goal = np.flatnonzero(m.terminal)
    assert [divmod(int(g), 10) for g in goal] == [(3, 7)]
    assert [divmod(int(s), 10) for s in m.grid.start_cells] == [(3, 0)]
    book = [0, 0, 0, 1, 1, 1, 2, 2, 1, 0]
    for row in range(7):
        for col in range(10):
            if (row, col) == (3, 7):
                continue  # the goal is terminal: its wind never acts
            assert tuple(wind[row, col]) == (-book[col], 0), f"wind at row {row} col {col}"
    # The book's last step: from (4, 8) (wind 1) LEFT to (4, 7), blown up onto G at (3, 7).
    assert support(m, cell(m, 4, 8), LEFT) == {(3, 7): 1.0}
    assert m.R[cell(m, 4, 8), LEFT] == pytest.approx(-1.0)
    # From (3, 6) (wind 2) RIGHT: to (3, 7), but blown two up to (1, 7) before arriving.
    assert support(m, cell(m, 3, 6), RIGHT) == {(1, 7): 1.0}


def test_wind_stops_at_walls_and_applies_after_a_bump(make_level):
    level = make_level(
        """
        kind: gridworld
        name: wind and walls
        layout: |
          ...
          .#.
          SwG
        legend:
          w: {wind: [-2, 0]}
        dynamics:
          bump_reward: -1
          step_reward: -0.5
        """
    )
    m = TabularModel.from_level(level)
    w = cell(m, 2, 1)
    # LEFT to (2, 0), then pushed two up to (0, 0); entering an ordinary cell pays nothing more.
    assert support(m, w, LEFT) == {(0, 0): 1.0}
    assert m.R[w, LEFT] == pytest.approx(-0.5)
    # RIGHT would enter G at (2, 2), but the wind of w pushes on to (0, 2): no goal, no end.
    assert support(m, w, RIGHT) == {(0, 2): 1.0}
    assert m.R[w, RIGHT] == pytest.approx(-0.5)
    # DOWN bumps the border; the push up is blocked by the wall at (1, 1).
    assert support(m, w, DOWN) == {(2, 1): 1.0}
    assert m.R[w, DOWN] == pytest.approx(-1.5)
    # UP bumps the wall; same.
    assert support(m, w, UP) == {(2, 1): 1.0}
    assert m.R[w, UP] == pytest.approx(-1.5)


def test_wind_pushes_rows_first(make_level):
    level = make_level(
        """
        kind: gridworld
        name: diagonal wind
        layout: |
          ...
          .#.
          wSG
        legend:
          w: {wind: [-1, 1]}
        """
    )
    m = TabularModel.from_level(level)
    # From w at (2, 0): DOWN bumps; the row push (up to (1, 0)) goes first, then the column
    # push moves right to (1, 1), a wall, so it stops at (1, 0).
    assert support(m, cell(m, 2, 0), DOWN) == {(1, 0): 1.0}
    # UP to (1, 0), pushed up to (0, 0), then right to (0, 1).
    assert support(m, cell(m, 2, 0), UP) == {(0, 1): 1.0}


def test_frozen_lake_slip_outcomes():
    m = TabularModel.from_level("frozen_lake_4x4")
    s = cell(m, 0, 0)
    got = support(m, s, DOWN)
    assert set(got) == {(0, 0), (1, 0), (0, 1)}
    for p in got.values():
        assert p == pytest.approx(1 / 3, abs=1e-12)
    # RIGHT from (0, 0): right (0, 1), down (1, 0), up bumps and stays.
    got = support(m, s, RIGHT)
    assert set(got) == {(0, 0), (0, 1), (1, 0)}
    # From (0, 1) DOWN: into the hole at (1, 1) (terminal, reward 0), or left / right.
    got = support(m, cell(m, 0, 1), DOWN)
    assert got == pytest.approx({(1, 1): 1 / 3, (0, 0): 1 / 3, (0, 2): 1 / 3}, abs=1e-12)
    assert m.terminal[cell(m, 1, 1)]
    assert m.R[cell(m, 0, 1), DOWN] == 0.0
    # Next to the goal: (3, 2) RIGHT -> G (+1) with 1/3; up to (2, 2), down bumps.
    got = support(m, cell(m, 3, 2), RIGHT)
    assert got == pytest.approx({(3, 3): 1 / 3, (2, 2): 1 / 3, (3, 2): 1 / 3}, abs=1e-12)
    assert m.R[cell(m, 3, 2), RIGHT] == pytest.approx(1 / 3)


def test_ab_gridworld_exits_and_bumps():
    m = TabularModel.from_level("ab_gridworld")
    A, B = cell(m, 0, 1), cell(m, 0, 3)
    for a in range(4):
        assert support(m, A, a) == {(4, 1): 1.0}
        assert m.R[A, a] == pytest.approx(10.0)
        assert support(m, B, a) == {(2, 3): 1.0}
        assert m.R[B, a] == pytest.approx(5.0)
    # Off the grid: -1 and stay.
    corner = cell(m, 0, 0)
    assert support(m, corner, UP) == {(0, 0): 1.0}
    assert m.R[corner, UP] == pytest.approx(-1.0)
    assert m.R[corner, LEFT] == pytest.approx(-1.0)
    assert support(m, cell(m, 4, 4), DOWN) == {(4, 4): 1.0}
    assert m.R[cell(m, 4, 4), DOWN] == pytest.approx(-1.0)
    # Moving within the grid pays nothing (also when entering A).
    assert support(m, corner, RIGHT) == {(0, 1): 1.0}
    assert m.R[corner, RIGHT] == 0.0
    assert m.R[cell(m, 2, 2), DOWN] == 0.0


def test_teleport_to_a_random_start(make_level):
    m = TabularModel.from_level(make_level(TELEPORT_LEVEL))
    starts = [cell(m, 0, 0), cell(m, 0, 3), cell(m, 2, 0)]
    assert sorted(m.grid.start_cells.tolist()) == starts
    # (0, 1) DOWN: 0.7 into T -> a uniformly random start; 0.15 left onto S (0, 0); 0.15 right.
    got = support(m, cell(m, 0, 1), DOWN)
    assert got == pytest.approx(
        {(0, 0): 0.7 / 3 + 0.15, (0, 3): 0.7 / 3, (2, 0): 0.7 / 3, (0, 2): 0.15}, abs=1e-12
    )
    # Entering T pays step -1 plus T's -5; the teleport adds nothing.
    assert m.R[cell(m, 0, 1), DOWN] == pytest.approx(0.7 * -6 + 0.3 * -1)
    # The agent is never left standing on the teleport tile.
    assert np.all(m.P[:, :, cell(m, 1, 1)] == 0)


@pytest.mark.parametrize(
    ("name", "steps"), [("cliff_walking", 13), ("windy_gridworld", 15), ("corridor", 8)]
)
def test_shortest_paths(name, steps, bfs_steps):
    found = bfs_steps(TabularModel.from_level(name))
    assert found == steps, f"{name}: shortest path {found} steps, expected {steps}"
