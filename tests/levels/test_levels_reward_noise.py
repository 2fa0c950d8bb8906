"""Noisy rewards in the level format: ``reward_std`` and ``exit_reward_std`` are parsed,
checked with file:line:column messages, compiled into per-cell arrays and saved back."""

from __future__ import annotations

import numpy as np
import pytest

from gridrl.levels import TileKind, compile_grid, level_to_yaml, load_level, parse_level

NOISY = """
kind: gridworld
layout: |
  SNBL
legend:
  N: {reward: 2, reward_std: 0.5}
  B: {exit_to: L, exit_reward: -0.1, exit_reward_std: 1}
  L: {terminal: true}
"""


def test_the_keys_are_read_into_the_tile_and_the_grid_arrays() -> None:
    level = parse_level(NOISY)
    assert level.tile("N") == TileKind("N", reward=2.0, reward_std=0.5)
    assert level.tile("B") == TileKind("B", exit_to="L", exit_reward=-0.1, exit_reward_std=1.0)
    assert level.tile("L").reward_std == level.tile("L").exit_reward_std == 0.0
    grid = compile_grid(level)
    np.testing.assert_array_equal(grid.reward_std, [0.0, 0.5, 0.0, 0.0])
    np.testing.assert_array_equal(grid.exit_reward_std, [0.0, 0.0, 1.0, 0.0])
    np.testing.assert_array_equal(grid.exit_reward, [0.0, 0.0, -0.1, 0.0])


def test_saved_yaml_names_the_noise_and_loads_back_equal() -> None:
    level = parse_level(NOISY)
    text = level_to_yaml(level)
    assert "N: {reward: 2, reward_std: 0.5}" in text
    assert "B: {exit_reward: -0.1, exit_reward_std: 1, exit_to: L}" in text
    assert parse_level(text) == level


def test_the_maximization_bias_level_pays_n_of_minus_0_1_and_1_from_b() -> None:
    level = load_level("maximization_bias")
    b = level.tile("B")
    assert (b.exit_reward, b.exit_reward_std, b.exit_to) == (-0.1, 1.0, "L")
    assert level.dynamics.gamma == 1.0
    assert {r.agent: r.params for r in level.recommended} == {
        "q-learning": {"alpha": 0.1, "epsilon": 0.1},
        "double-q-learning": {"alpha": 0.1, "epsilon": 0.1},
    }


@pytest.mark.parametrize(
    ("entry", "message", "column"),
    [
        ("{reward_std: -1}", "'reward_std' (the standard deviation of the noise added to 'reward'; "
         "0 for none) must be at least 0, got -1", 19),
        ("{reward_std: .nan}", "'reward_std' (the standard deviation of the noise added to 'reward'; "
         "0 for none) must be a finite number, got nan", 19),
        ("{reward_std: lots}", "'reward_std' (the standard deviation of the noise added to 'reward'; "
         "0 for none) must be a number, got str 'lots'", 19),
        ("{exit_to: b, exit_reward_std: -0.5}", "'exit_reward_std' (the standard deviation of the "
         "noise added to 'exit_reward'; 0 for none) must be at least 0, got -0.5", 36),
    ],
)  # fmt: skip
def test_a_bad_standard_deviation_says_where_and_what_is_allowed(level_error, entry, message, column) -> None:
    err = level_error(
        f"""
        kind: gridworld
        layout: |
          SAbG
        legend:
          A: {entry}
          b: {{}}
        """
    )
    assert err.problem == message
    assert (err.line, err.column) == (5, column)


def test_exit_reward_std_without_exit_to(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          SAG
        legend:
          A: {exit_reward_std: 1}
        """
    )
    assert err.problem == "tile 'A' has exit_reward_std but no exit_to: name the cell it exits to"
    assert (err.line, err.column) == (5, 3)


def test_a_wall_cannot_pay_noise(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          SWG
        legend:
          W: {wall: true, reward_std: 1}
        """
    )
    assert "a wall cannot be entered, so it cannot also have reward_std" in err.problem
