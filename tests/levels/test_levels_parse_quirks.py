"""Things people write that must work: YAML 1.1 quirks, empty legend entries, digit keys,
big grids; and the size limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridrl.levels import (
    GridLevel,
    LevelError,
    TileKind,
    compile_grid,
    level_to_yaml,
    parse_level,
    read_level_file,
)
from gridrl.levels.parse import MAX_CELLS, MAX_FILE_BYTES


# --------------------------------------------------------------------------- numbers


def test_exponent_without_dot_is_a_number(parse) -> None:
    # PyYAML (YAML 1.1) reads 1e-3 as a *string*; the parser must still take it as a number.
    level = parse(
        """
        kind: gridworld
        layout: |
          S.G
        dynamics:
          gamma: 1e-3
          step_reward: -1e-2
          bump_reward: +2E1
          slip: 5e-1
          max_steps: 1e3
        """
    )
    assert level.dynamics.gamma == pytest.approx(0.001, abs=0, rel=1e-15)
    assert level.dynamics.step_reward == pytest.approx(-0.01, abs=0, rel=1e-15)
    assert level.dynamics.bump_reward == 20.0
    assert level.dynamics.slip == 0.5
    assert level.dynamics.max_steps == 1000
    assert isinstance(level.dynamics.gamma, float)
    assert isinstance(level.dynamics.max_steps, int)


def test_exponent_numbers_in_legend_and_bandit(parse) -> None:
    grid = parse("kind: gridworld\nlayout: |\n  SaG\nlegend:\n  a: {reward: -5e2}\n")
    assert grid.tile("a").reward == -500.0
    bandit = parse("kind: bandit\narms:\n  - {mean: 1e-1, std: 2e0}\n  - {p: 25e-2}\n")
    assert bandit.arms[0].mean == pytest.approx(0.1)
    assert bandit.arms[0].std == 2.0
    assert bandit.arms[1].p == 0.25


def test_integers_become_floats(parse) -> None:
    level = parse("kind: gridworld\nlayout: |\n  S.G\ndynamics:\n  gamma: 1\n  step_reward: -1\n")
    assert level.dynamics.gamma == 1.0 and isinstance(level.dynamics.gamma, float)
    assert level.dynamics.step_reward == -1.0 and isinstance(level.dynamics.step_reward, float)


def test_null_values_mean_default(parse) -> None:
    level = parse("kind: gridworld\nlayout: |\n  S.G\ndynamics:\n  gamma:\n  slip: ~\n")
    assert level.dynamics.gamma == 0.99
    assert level.dynamics.slip == 0.0


def test_defaults(parse) -> None:
    level = parse("kind: gridworld\nlayout: |\n  S..\n  ..G\n")
    assert isinstance(level, GridLevel)
    assert level.name == "untitled"
    assert level.description == ""
    assert level.legend == ()
    assert (level.dynamics.gamma, level.dynamics.step_reward, level.dynamics.bump_reward) == (
        0.99,
        0.0,
        0.0,
    )
    assert level.dynamics.slip == 0.0 and level.dynamics.max_steps is None
    assert level.max_steps == 600  # 100 x 6 cells
    assert level.tile("G") == TileKind("G", terminal=True, reward=1.0)
    assert level.tile("X") == TileKind("X", terminal=True, reward=-1.0)


def test_default_name_from_argument() -> None:
    level = parse_level("kind: gridworld\nlayout: |\n  S.G\n", default_name="fallback")
    assert level.name == "fallback"
    named = parse_level("kind: gridworld\nname: '  Mine  '\nlayout: |\n  S.G\n", default_name="x")
    assert named.name == "Mine"


# --------------------------------------------------------------------------- legend


@pytest.mark.parametrize("entry", ["a: {}", "a:", "a: ~", "a: null"])
def test_empty_legend_entry_is_plain_floor_usable_as_target(entry: str, parse) -> None:
    level = parse(
        f"""
        kind: gridworld
        layout: |
          SA.
          .aG
        legend:
          A: {{exit_reward: 10, exit_to: a}}
          {entry}
        """
    )
    assert level.tile("a") == TileKind("a")
    assert level.tile("A").exit_to == "a"
    arrays = compile_grid(level)
    a_cell = 1 * 3 + 1
    assert arrays.targets[arrays.exit[1]].tolist() == [a_cell]
    assert not arrays.wall[a_cell] and not arrays.terminal[a_cell] and arrays.reward[a_cell] == 0


@pytest.mark.parametrize("key", ['"1"', "'1'", "1"])
def test_digit_legend_keys(key: str, parse) -> None:
    level = parse(
        f"""
        kind: gridworld
        layout: |
          S12
          ..G
        legend:
          {key}: {{wind: [-1, 0]}}
          2: {{wind: [-2, 0]}}
        """
    )
    assert level.tile("1").wind == (-1, 0)
    assert level.tile("2").wind == (-2, 0)
    assert [kind.char for kind in level.legend] == ["1", "2"]
    assert parse_level(level_to_yaml(level)) == level


def test_digit_target_unquoted(parse) -> None:
    level = parse(
        """
        kind: gridworld
        layout: |
          Sa7
          ..G
        legend:
          a: {teleport: 7}
          7: {}
        """
    )
    assert level.tile("a").teleport == "7"


def test_tilde_and_symbols_as_legend_characters(parse) -> None:
    level = parse(
        """
        kind: gridworld
        layout: |
          S~%G
        legend:
          "~": {reward: 2}
          "%": {reward: -3}
        """
    )
    assert level.tile("~").reward == 2.0
    assert level.tile("%").reward == -3.0
    assert parse_level(level_to_yaml(level)) == level


def test_legend_overrides_builtin_only_named_keys(parse) -> None:
    level = parse("kind: gridworld\nlayout: |\n  S.G\nlegend:\n  G: {reward: 5}\n")
    assert level.tile("G") == TileKind("G", terminal=True, reward=5.0)


def test_list_layout(parse) -> None:
    level = parse("kind: gridworld\nlayout:\n  - S..\n  - ..G\n")
    assert level.layout == ("S..", "..G")


# --------------------------------------------------------------------------- size limits


def _open_grid(rows: int, cols: int) -> str:
    body = "".join(f"  {'S' if r == 0 else '.'}{'.' * (cols - 1)}\n" for r in range(rows))
    return "kind: gridworld\nlayout: |\n" + body


def test_1024_square_grid_is_accepted() -> None:
    level = parse_level(_open_grid(1024, 1024))
    assert isinstance(level, GridLevel)
    assert level.shape == (1024, 1024)
    assert level.n_cells == MAX_CELLS == 1_048_576
    assert level.cells_of("S") == [(0, 0)]


def test_2000_square_grid_is_refused_naming_the_limit() -> None:
    with pytest.raises(LevelError) as info:
        parse_level(_open_grid(2000, 2000))
    assert "2000 x 2000" in info.value.problem
    assert "1,048,576" in info.value.problem


def test_long_thin_grid_limits() -> None:
    assert parse_level(_open_grid(1, 4096)).shape == (1, 4096)
    with pytest.raises(LevelError, match="4096 cells per side"):
        parse_level(_open_grid(1, 4097))


def test_file_over_8_mib_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    # NUL bytes: if the file were read and decoded, the error would say "binary".
    path.write_bytes(b"\x00" * (MAX_FILE_BYTES + 1))
    with pytest.raises(LevelError) as info:
        read_level_file(path)
    problem = info.value.problem
    assert "8 MiB" in problem
    assert "binary" not in problem
    assert info.value.source == str(path)


def test_file_of_exactly_8_mib_is_read(tmp_path: Path) -> None:
    head = b"kind: gridworld\nlayout: |\n  S.G\n#"
    data = head + b"x" * (MAX_FILE_BYTES - len(head) - 1) + b"\n"
    assert len(data) == MAX_FILE_BYTES
    path = tmp_path / "big.yaml"
    path.write_bytes(data)
    level = read_level_file(path)
    assert level.layout == ("S.G",)
    assert level.name == "big"


def test_text_over_the_limit_refused_by_parse_level() -> None:
    text = "kind: gridworld\nlayout: |\n  S.G\n#" + "x" * MAX_FILE_BYTES + "\n"
    with pytest.raises(LevelError, match="8 MiB limit"):
        parse_level(text)
