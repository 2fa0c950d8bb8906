"""The bundled levels load, round-trip through YAML, and hold the book's numbers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gridrl.levels import (
    BUNDLED_DIR,
    BanditLevel,
    BernoulliArm,
    GridLevel,
    LevelError,
    TileKind,
    bundled_level_names,
    compile_grid,
    level_path,
    level_to_yaml,
    level_warnings,
    load_level,
    parse_level,
    read_level_file,
)

EXPECTED_NAMES = {
    "ab_gridworld",
    "bernoulli_3",
    "cliff_walking",
    "corridor",
    "four_rooms",
    "frozen_lake_4x4",
    "frozen_lake_8x8",
    "small_gridworld",
    "ten_armed_testbed",
    "trap_maze",
    "windy_gridworld",
}


def test_bundled_names_sorted_and_complete() -> None:
    names = bundled_level_names()
    assert names == sorted(names)
    assert EXPECTED_NAMES <= set(names)
    assert all((BUNDLED_DIR / f"{n}.yaml").is_file() for n in names)


@pytest.mark.parametrize("name", bundled_level_names())
def test_bundled_level_loads_and_round_trips(name: str) -> None:
    level = load_level(name)
    assert isinstance(level, (GridLevel, BanditLevel))
    assert level.name and level.name != "untitled"
    assert level.description, f"{name} should have a description"
    text = level_to_yaml(level)
    again = parse_level(text)
    assert again == level
    # and a second trip gives the very same text
    assert level_to_yaml(again) == text


@pytest.mark.parametrize("name", bundled_level_names())
def test_bundled_level_has_no_warnings(name: str) -> None:
    assert level_warnings(load_level(name)) == []


@pytest.mark.parametrize("name", bundled_level_names())
def test_bundled_level_file_equals_load_level(name: str) -> None:
    assert read_level_file(BUNDLED_DIR / f"{name}.yaml") == load_level(name)


def test_cliff_walking() -> None:
    level = load_level("cliff_walking")
    assert isinstance(level, GridLevel)
    assert level.shape == (4, 12)
    cliff = level.tile("C")
    assert cliff.reward == -99
    assert cliff.teleport == "S"
    assert not cliff.terminal and not cliff.wall
    assert level.tile("G").reward == 0 and level.tile("G").terminal
    assert level.dynamics.gamma == 1.0
    assert level.dynamics.step_reward == -1
    assert level.cells_of("S") == [(3, 0)]
    assert level.cells_of("G") == [(3, 11)]
    assert level.cells_of("C") == [(3, c) for c in range(1, 11)]
    assert level.max_steps == 100 * 48
    arrays = compile_grid(level)
    start = 3 * 12
    for c in range(1, 11):
        index = arrays.teleport[3 * 12 + c]
        assert index >= 0
        assert arrays.targets[index].tolist() == [start]


def test_small_gridworld() -> None:
    level = load_level("small_gridworld")
    assert isinstance(level, GridLevel)
    assert level.shape == (4, 4)
    arrays = compile_grid(level)
    assert arrays.start.sum() == 14
    assert len(level.cells_of("S")) == 14
    assert np.flatnonzero(arrays.terminal).tolist() == [0, 15]
    assert level.cells_of("G") == [(0, 0), (3, 3)]
    assert level.tile("G").reward == 0
    assert level.dynamics.gamma == 1.0 and level.dynamics.step_reward == -1


def test_windy_gridworld() -> None:
    level = load_level("windy_gridworld")
    assert isinstance(level, GridLevel)
    assert level.shape == (7, 10)
    winds = [level.tile_at(0, c).wind for c in range(10)]
    assert winds == [(0, 0)] * 3 + [(-1, 0)] * 3 + [(-2, 0)] * 2 + [(-1, 0), (0, 0)]
    assert level.tile_at(0, 6).wind == (-2, 0)
    # every row except the goal's cell has the same wind per column
    for r in range(7):
        for c in range(10):
            if (r, c) != (3, 7):
                assert level.tile_at(r, c).wind == winds[c]
    assert level.cells_of("S") == [(3, 0)]
    assert level.cells_of("G") == [(3, 7)]  # Example 6.5: goal in column 7, wind 2


def test_frozen_lake_8x8() -> None:
    level = load_level("frozen_lake_8x8")
    assert isinstance(level, GridLevel)
    assert level.shape == (8, 8)
    assert abs(level.dynamics.slip - 2 / 3) < 1e-12
    assert level.dynamics.max_steps == 200
    assert level.max_steps == 200
    hole = level.tile("H")
    assert hole.terminal and hole.reward == 0
    assert len(level.cells_of("H")) == 10


def test_frozen_lake_4x4() -> None:
    level = load_level("frozen_lake_4x4")
    assert isinstance(level, GridLevel)
    assert level.shape == (4, 4)
    assert level.cells_of("H") == [(1, 1), (1, 3), (2, 3), (3, 0)]
    assert level.max_steps == 100


def test_ten_armed_testbed() -> None:
    level = load_level("ten_armed_testbed")
    assert isinstance(level, BanditLevel)
    assert level.testbed is not None
    assert level.testbed.arms == 10
    assert (level.testbed.mean, level.testbed.std, level.testbed.reward_std) == (0.0, 1.0, 1.0)
    assert level.arms == ()
    assert level.n_arms == 10
    assert level.steps == 1000
    assert level.nonstationary is None


def test_bernoulli_3() -> None:
    level = load_level("bernoulli_3")
    assert isinstance(level, BanditLevel)
    assert level.testbed is None
    assert all(isinstance(arm, BernoulliArm) for arm in level.arms)
    assert tuple(arm.p for arm in level.arms) == (0.2, 0.5, 0.8)
    assert tuple(arm.mean for arm in level.arms) == (0.2, 0.5, 0.8)
    assert [arm.name for arm in level.arms] == ["low", "middle", "high"]
    assert level.n_arms == 3
    assert level.steps == 500


def test_ab_gridworld_exit_targets_are_plain_floor() -> None:
    level = load_level("ab_gridworld")
    assert isinstance(level, GridLevel)
    assert level.tile("A") == TileKind("A", exit_reward=10, exit_to="a")
    assert level.tile("B") == TileKind("B", exit_reward=5, exit_to="b")
    assert level.tile("a") == TileKind("a")
    assert level.tile("b") == TileKind("b")
    arrays = compile_grid(level)
    rows, cols = level.shape
    (a_cell,) = level.cells_of("a")
    (b_cell,) = level.cells_of("b")
    (big_a,) = level.cells_of("A")
    s_a = big_a[0] * cols + big_a[1]
    assert arrays.exit_reward[s_a] == 10
    assert arrays.targets[arrays.exit[s_a]].tolist() == [a_cell[0] * cols + a_cell[1]]
    (big_b,) = level.cells_of("B")
    s_b = big_b[0] * cols + big_b[1]
    assert arrays.targets[arrays.exit[s_b]].tolist() == [b_cell[0] * cols + b_cell[1]]
    assert level.dynamics.gamma == 0.9 and level.dynamics.bump_reward == -1


# --------------------------------------------------------------------------- level_path / load_level


def test_level_path_bundled_name() -> None:
    assert level_path("cliff_walking") == BUNDLED_DIR / "cliff_walking.yaml"


def test_level_path_misspelled_name_suggests() -> None:
    with pytest.raises(LevelError) as info:
        level_path("cliff_walkin")
    message = str(info.value)
    assert "Did you mean 'cliff_walking'?" in message
    assert "no level 'cliff_walkin'" in message
    assert "corridor" in message  # the list of bundled levels


def test_load_level_misspelled_name_suggests() -> None:
    with pytest.raises(LevelError, match=r"Did you mean 'cliff_walking'\?"):
        load_level("cliff_walkin")


def test_level_path_nonsense_name_has_no_suggestion() -> None:
    with pytest.raises(LevelError) as info:
        level_path("zzzzqqqq")
    assert "Did you mean" not in str(info.value)


def test_level_path_and_load_level_from_path(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text("kind: gridworld\nlayout: |\n  S.G\n", encoding="utf-8")
    assert level_path(path) == path
    assert level_path(str(path)) == path
    level = load_level(path)
    assert isinstance(level, GridLevel)
    assert level.layout == ("S.G",)
    assert level.name == "mine"  # the file name is the default name
    assert load_level(str(path)) == level


def test_load_level_passes_a_loaded_level_through() -> None:
    level = load_level("corridor")
    assert load_level(level) is level


def test_load_level_very_long_name_is_a_level_error() -> None:
    # A name longer than the OS allows for a file name must still be a LevelError.
    with pytest.raises(LevelError):
        load_level("x" * 300)
