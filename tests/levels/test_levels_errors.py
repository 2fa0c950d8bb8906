"""Every kind of bad input gives a LevelError that says what is wrong and where."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridrl.levels import LevelError, parse_level, read_level_file
from gridrl.levels.marked_yaml import decode_text


# --------------------------------------------------------------------------- LevelError itself


def test_level_error_formats_location() -> None:
    err = LevelError("bad thing", "lv.yaml", 3, 7)
    assert str(err) == "lv.yaml:3:7: bad thing"
    assert (err.problem, err.source, err.line, err.column) == ("bad thing", "lv.yaml", 3, 7)
    assert str(LevelError("bad thing", "lv.yaml", 3)) == "lv.yaml:3: bad thing"
    assert str(LevelError("bad thing", "lv.yaml")) == "lv.yaml: bad thing"
    assert str(LevelError("bad thing", None, 4)) == "line 4: bad thing"
    assert str(LevelError("bad thing")) == "bad thing"
    assert isinstance(err, ValueError)


def test_error_names_the_source() -> None:
    with pytest.raises(LevelError) as info:
        parse_level("kind: gridworld\nlayout: |\n  S.Q\n", source="my/level.yaml")
    assert info.value.source == "my/level.yaml"
    assert str(info.value).startswith("my/level.yaml:3:5: unknown tile 'Q'")


def test_default_source_is_string() -> None:
    with pytest.raises(LevelError) as info:
        parse_level("kind: gridworld\nlayout: |\n  S.Q\n")
    assert info.value.source == "<string>"


# --------------------------------------------------------------------------- YAML level


def test_yaml_syntax_error_has_line_and_column(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        name: a: b
        layout: |
          S.G
        """
    )
    assert "YAML syntax error" in err.problem
    assert "mapping values are not allowed" in err.problem
    assert (err.line, err.column) == (2, 8)


def test_yaml_syntax_error_unclosed_flow(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          S.G
        legend:
          a: {reward: 1
        dynamics:
          gamma: 0.9
        """
    )
    assert "YAML syntax error" in err.problem
    assert err.line is not None and err.line >= 5
    assert err.column is not None and err.column >= 1


def test_empty_file(level_error) -> None:
    err = level_error("")
    assert "the file is empty" in err.problem
    assert err.line is None


@pytest.mark.parametrize("text", ["   ", "\n\n\n", " \t \n  \n", "\r\n"])
def test_whitespace_only_file(text: str) -> None:
    with pytest.raises(LevelError, match="the file is empty"):
        parse_level(text)


def test_comment_only_file_is_not_a_mapping() -> None:
    with pytest.raises(LevelError) as info:
        parse_level("# just a comment\n")
    assert "a level file is a YAML mapping" in info.value.problem
    assert "this file holds nothing" in info.value.problem


def test_top_level_list(level_error) -> None:
    err = level_error(
        """
        - kind: gridworld
        - layout: S.G
        """
    )
    assert "a level file is a YAML mapping" in err.problem
    assert "holds a list" in err.problem


def test_top_level_scalar(level_error) -> None:
    err = level_error("just some words\n")
    assert "a level file is a YAML mapping" in err.problem
    assert "str 'just some words'" in err.problem


def test_duplicate_keys(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        name: one
        layout: |
          S.G
        name: two
        """
    )
    assert "duplicate key 'name'" in err.problem
    assert (err.line, err.column) == (5, 1)


def test_duplicate_dynamics_keys(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          S.G
        dynamics:
          gamma: 0.9
          gamma: 0.8
        """
    )
    assert "duplicate key 'gamma'" in err.problem
    assert (err.line, err.column) == (6, 3)


UNSAFE_TAGS = [
    '!!python/object/apply:os.system ["touch {marker}"]',
    "!!python/object/apply:subprocess.check_call [[touch, {marker}]]",
    "!!python/object/new:subprocess.Popen [[touch, {marker}]]",
    "!!python/name:os.system",
    '!!python/object:argparse.Namespace {{x: 1}}',
    "!custom_tag 12",
]


@pytest.mark.parametrize("tag", UNSAFE_TAGS)
def test_unsafe_yaml_tags_are_refused_and_not_executed(tag: str, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    value = tag.format(marker=marker)
    text = f"kind: gridworld\nname: {value}\nlayout: |\n  S.G\n"
    with pytest.raises(LevelError) as info:
        parse_level(text)
    assert "is not allowed" in info.value.problem
    assert "safe loading only" in info.value.problem
    assert info.value.line == 2
    assert not marker.exists(), "loading a level executed a command"


def test_unsafe_tag_in_a_file_is_refused_and_not_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(
        "kind: gridworld\n"
        "layout: |\n  S.G\n"
        f'dynamics:\n  gamma: !!python/object/apply:os.system ["touch {marker}"]\n',
        encoding="utf-8",
    )
    with pytest.raises(LevelError) as info:
        read_level_file(path)
    assert info.value.source == str(path)
    assert info.value.line == 5
    assert not marker.exists()


# --------------------------------------------------------------------------- file reading


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "level.yaml"
    path.write_bytes(b"kind: gridworld\x00\x01\x02layout")
    with pytest.raises(LevelError) as info:
        read_level_file(path)
    assert "binary file" in info.value.problem
    assert "NUL" in info.value.problem
    assert info.value.source == str(path)


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "level.yaml"
    path.write_bytes("kind: gridworld\nname: caf\u00e9\nlayout: |\n  S.G\n".encode("latin-1"))
    with pytest.raises(LevelError) as info:
        read_level_file(path)
    assert "not UTF-8" in info.value.problem
    offset = "kind: gridworld\nname: caf".__len__()
    assert f"offset {offset}" in info.value.problem


def test_utf8_with_bom_is_fine(tmp_path: Path) -> None:
    path = tmp_path / "level.yaml"
    path.write_bytes(b"\xef\xbb\xbfkind: gridworld\nlayout: |\n  S.G\n")
    level = read_level_file(path)
    assert level.layout == ("S.G",)


def test_decode_text() -> None:
    assert decode_text(b"abc", "x", LevelError, "level") == "abc"
    with pytest.raises(LevelError, match="binary file, not a YAML level"):
        decode_text(b"a\x00b", "x", LevelError, "level")
    with pytest.raises(LevelError, match="not UTF-8"):
        decode_text(b"\xff\xfe", "x", LevelError, "level")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LevelError) as info:
        read_level_file(tmp_path / "nope.yaml")
    assert info.value.problem == "no such file"


def test_folder_is_not_a_level(tmp_path: Path) -> None:
    with pytest.raises(LevelError, match="folder"):
        read_level_file(tmp_path)


def test_empty_file_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "empty.yaml"
    path.write_bytes(b"")
    with pytest.raises(LevelError, match="the file is empty"):
        read_level_file(path)


# --------------------------------------------------------------------------- kind and keys


def test_wrong_kind_suggests_gridworld(level_error) -> None:
    err = level_error(
        """
        kind: grid
        layout: |
          S.G
        """
    )
    assert "'kind' must be 'gridworld' or 'bandit'" in err.problem
    assert "Did you mean 'gridworld'?" in err.problem
    assert (err.line, err.column) == (1, 7)


def test_wrong_kind_suggests_bandit(level_error) -> None:
    err = level_error("kind: bandt\narms:\n  - {p: 0.5}\n")
    assert "Did you mean 'bandit'?" in err.problem


def test_missing_kind_without_hints(level_error) -> None:
    err = level_error("name: nothing\n")
    assert "missing 'kind'" in err.problem


def test_kind_inferred_from_layout_and_arms(parse) -> None:
    assert parse("layout: |\n  S.G\n").kind == "gridworld"
    assert parse("arms:\n  - {p: 0.5}\n").kind == "bandit"
    assert parse("testbed: true\n").kind == "bandit"


def test_unknown_top_level_key_did_you_mean(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          S.G
        dynamcs:
          gamma: 0.9
        """
    )
    assert "unknown key 'dynamcs' in a gridworld level" in err.problem
    assert "Did you mean 'dynamics'?" in err.problem
    assert "Allowed keys: kind, name, description, layout, legend, dynamics, changes, recommended." in err.problem
    assert (err.line, err.column) == (4, 1)


def test_unknown_bandit_key_did_you_mean(level_error) -> None:
    err = level_error(
        """
        kind: bandit
        testbed: true
        stepz: 10
        """
    )
    assert "unknown key 'stepz' in a bandit level" in err.problem
    assert "Did you mean 'steps'?" in err.problem
    assert (err.line, err.column) == (3, 1)


def test_grid_key_in_bandit_is_unknown(level_error) -> None:
    err = level_error("kind: bandit\ntestbed: true\nlayout: |\n  S.G\n")
    assert "unknown key 'layout' in a bandit level" in err.problem


def test_unknown_legend_key(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          SaG
        legend:
          a: {rewrd: 2}
        """
    )
    assert "unknown key 'rewrd' in legend entry 'a'" in err.problem
    assert "Did you mean 'reward'?" in err.problem
    assert (err.line, err.column) == (5, 7)


def test_unknown_dynamics_key(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          S.G
        dynamics:
          gamma: 0.9
          slipp: 0.1
        """
    )
    assert "unknown key 'slipp' in 'dynamics'" in err.problem
    assert "Did you mean 'slip'?" in err.problem
    assert (err.line, err.column) == (6, 3)


def test_unknown_key_without_close_match_has_no_suggestion(level_error) -> None:
    err = level_error("kind: gridworld\nlayout: |\n  S.G\nzzzzzz: 1\n")
    assert "unknown key 'zzzzzz'" in err.problem
    assert "Did you mean" not in err.problem


# --------------------------------------------------------------------------- layout


def test_unknown_tile_row_and_column(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        name: q
        layout: |
          S.......
          ........
          ......Q.
          .......G
        """
    )
    assert "unknown tile 'Q' at row 3, column 7" in err.problem
    assert "add 'Q' to the legend" in err.problem
    assert err.line == 6  # the file line of layout row 3
    assert err.column == 9  # two spaces of indentation + column 7


def test_unknown_tile_in_list_layout(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout:
          - "S.."
          - "..Q"
        """
    )
    assert "unknown tile 'Q' at row 2, column 3" in err.problem
    assert err.line == 4
    assert err.column == 8  # '  - "' is five characters, then column 3


def test_unknown_tile_reports_first_in_reading_order(level_error) -> None:
    err = level_error("kind: gridworld\nlayout: |\n  S.Z\n  Q.G\n")
    assert "unknown tile 'Z' at row 1, column 3" in err.problem
    assert (err.line, err.column) == (3, 5)


def test_rows_of_unequal_length(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          S...
          ...
          ...G
        """
    )
    assert "layout row 2 has 3 cells but row 1 has 4" in err.problem
    assert "same length" in err.problem
    assert err.line == 4


def test_longer_later_row(level_error) -> None:
    err = level_error("kind: gridworld\nlayout: |\n  S.\n  ..\n  ..G\n")
    assert "layout row 3 has 3 cells but row 1 has 2" in err.problem
    assert err.line == 5


def test_blank_line_inside_layout(level_error) -> None:
    err = level_error("kind: gridworld\nlayout: |\n  S.\n\n  .G\n")
    assert "layout row 2 is empty" in err.problem
    assert err.line == 4


def test_missing_layout(level_error) -> None:
    err = level_error("kind: gridworld\nname: x\n")
    assert "needs a 'layout'" in err.problem


def test_empty_layout(level_error) -> None:
    err = level_error("kind: gridworld\nlayout: |\n\nname: x\n")
    assert "'layout' is empty" in err.problem


def test_layout_not_text(level_error) -> None:
    err = level_error("kind: gridworld\nlayout: {a: 1}\n")
    assert "'layout' must be a block of text" in err.problem
    assert (err.line, err.column) == (2, 9)


def test_no_start(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          ...
          ..G
        """
    )
    assert "the layout has no start cell" in err.problem
    assert "put an 'S'" in err.problem


def test_legend_start_tile_counts_as_start(parse) -> None:
    level = parse("kind: gridworld\nlayout: |\n  s.G\nlegend:\n  s: {start: true}\n")
    assert level.tile("s").start


# --------------------------------------------------------------------------- targets


def test_teleport_target_missing(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          SaG
        legend:
          a: {teleport: Z}
        """
    )
    assert "teleport target 'Z' of tile 'a' is not in the layout" in err.problem
    assert (err.line, err.column) == (5, 3)


def test_exit_target_missing(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          SAG
        legend:
          A: {exit_reward: 10, exit_to: a}
          a: {}
        """
    )
    assert "exit_to target 'a' of tile 'A' is not in the layout" in err.problem
    assert (err.line, err.column) == (5, 3)


def test_teleport_target_not_unique(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          Sab
          b.G
        legend:
          a: {teleport: b}
          b: {}
        """
    )
    assert "teleport target 'b' of tile 'a' appears 2 times" in err.problem
    assert "row 1 col 3, row 2 col 1" in err.problem
    assert "a target must be one cell" in err.problem
    assert err.line == 6


def test_exit_target_not_unique_many(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          SAbbbbbG
        legend:
          A: {exit_reward: 1, exit_to: b}
          b: {}
        """
    )
    assert "exit_to target 'b' of tile 'A' appears 5 times" in err.problem
    assert ", ...)" in err.problem


def test_start_tile_as_target_with_several_starts_is_allowed(parse) -> None:
    level = parse(
        """
        kind: gridworld
        layout: |
          S.S
          aAG
        legend:
          a: {teleport: S}
          A: {exit_reward: 3, exit_to: S}
        """
    )
    assert level.tile("a").teleport == "S"
    assert level.tile("A").exit_to == "S"
    assert level.cells_of("S") == [(0, 0), (0, 2)]


def test_target_is_a_wall(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          Sa#G
        legend:
          a: {teleport: '#'}
        """
    )
    assert "teleport target '#' of tile 'a' is a wall" in err.problem
    assert err.line == 5


def test_target_is_a_legend_wall(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          SawG
        legend:
          a: {exit_reward: 1, exit_to: w}
          w: {wall: true}
        """
    )
    assert "exit_to target 'w' of tile 'a' is a wall" in err.problem


def test_exit_reward_without_exit_to(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          SAG
        legend:
          A: {exit_reward: 10}
        """
    )
    assert "tile 'A' has exit_reward but no exit_to" in err.problem
    assert (err.line, err.column) == (5, 3)


def test_teleport_not_a_single_character(level_error) -> None:
    err = level_error("kind: gridworld\nlayout: |\n  SaG\nlegend:\n  a: {teleport: SG}\n")
    assert "'teleport' must be a single layout character, got 'SG'" in err.problem
    assert (err.line, err.column) == (5, 17)


# --------------------------------------------------------------------------- tile clashes


def test_wall_with_reward_clash(level_error) -> None:
    err = level_error(
        """
        kind: gridworld
        layout: |
          SwG
        legend:
          w: {wall: true, reward: 5}
        """
    )
    assert "tile 'w': a wall cannot be entered, so it cannot also have reward" in err.problem
    assert (err.line, err.column) == (5, 3)


def test_builtin_wall_with_reward_clash(level_error) -> None:
    err = level_error("kind: gridworld\nlayout: |\n  S#G\nlegend:\n  '#': {reward: -1}\n")
    assert "a wall cannot be entered, so it cannot also have reward" in err.problem


def test_teleport_and_exit_clash(level_error) -> None:
    err = level_error(
        "kind: gridworld\nlayout: |\n  SabG\nlegend:\n"
        "  a: {teleport: b, exit_to: b}\n  b: {}\n"
    )
    assert "keep one" in err.problem


def test_teleport_and_terminal_clash(level_error) -> None:
    err = level_error(
        "kind: gridworld\nlayout: |\n  SabG\nlegend:\n"
        "  a: {teleport: b, terminal: true}\n  b: {}\n"
    )
    assert "cannot also be terminal" in err.problem


def test_start_and_terminal_clash(level_error) -> None:
    err = level_error("kind: gridworld\nlayout: |\n  SaG\nlegend:\n  a: {start: true, terminal: true}\n")
    assert "a start cell cannot be terminal" in err.problem


def test_legend_key_must_be_one_character(level_error) -> None:
    err = level_error("kind: gridworld\nlayout: |\n  S.G\nlegend:\n  ab: {}\n")
    assert "legend key 'ab' must be a single layout character" in err.problem
    assert (err.line, err.column) == (5, 3)


def test_legend_entry_not_a_mapping(level_error) -> None:
    err = level_error("kind: gridworld\nlayout: |\n  SaG\nlegend:\n  a: 5\n")
    assert "legend entry 'a' must be a mapping" in err.problem
    assert (err.line, err.column) == (5, 6)


def test_flag_must_be_boolean(level_error) -> None:
    err = level_error("kind: gridworld\nlayout: |\n  SaG\nlegend:\n  a: {wall: 1}\n")
    assert "'wall' must be true or false, got int 1" in err.problem


def test_wind_must_be_two_integers(level_error) -> None:
    err = level_error("kind: gridworld\nlayout: |\n  SaG\nlegend:\n  a: {wind: [1]}\n")
    assert "'wind' must be [d_row, d_col] with two whole numbers" in err.problem
    assert (err.line, err.column) == (5, 13)


# --------------------------------------------------------------------------- numbers


def _dyn(body: str) -> str:
    return "kind: gridworld\nlayout: |\n  S.G\ndynamics:\n" + body


def test_non_numeric_gamma() -> None:
    with pytest.raises(LevelError) as info:
        parse_level(_dyn("  gamma: high\n"))
    err = info.value
    assert "'gamma' must be a number, got str 'high'" in err.problem
    assert (err.line, err.column) == (5, 10)


def test_gamma_above_one() -> None:
    with pytest.raises(LevelError) as info:
        parse_level(_dyn("  gamma: 1.5\n"))
    err = info.value
    assert "'gamma' must be between 0 and 1, got 1.5" in err.problem
    assert (err.line, err.column) == (5, 10)


def test_negative_slip() -> None:
    with pytest.raises(LevelError) as info:
        parse_level(_dyn("  gamma: 0.9\n  slip: -0.1\n"))
    err = info.value
    assert "'slip' must be between 0 and 1, got -0.1" in err.problem
    assert (err.line, err.column) == (6, 9)


def test_bool_where_number_expected() -> None:
    with pytest.raises(LevelError) as info:
        parse_level(_dyn("  gamma: true\n"))
    assert "'gamma' must be a number, got the boolean true" in info.value.problem
    assert info.value.line == 5


def test_nan_gamma() -> None:
    with pytest.raises(LevelError) as info:
        parse_level(_dyn("  gamma: .nan\n"))
    assert "'gamma' must be a finite number, got nan" in info.value.problem
    assert (info.value.line, info.value.column) == (5, 10)


def test_infinite_step_reward() -> None:
    with pytest.raises(LevelError, match="'step_reward' must be a finite number, got -inf"):
        parse_level(_dyn("  step_reward: -.inf\n"))


def test_exponent_overflow_string_is_not_finite() -> None:
    with pytest.raises(LevelError, match="'step_reward' must be a finite number"):
        parse_level(_dyn("  step_reward: 1e999\n"))


def test_max_steps_zero() -> None:
    with pytest.raises(LevelError) as info:
        parse_level(_dyn("  max_steps: 0\n"))
    err = info.value
    assert "'max_steps' must be between 1 and" in err.problem
    assert err.problem.endswith("got 0")
    assert (err.line, err.column) == (5, 14)


def test_max_steps_fraction() -> None:
    with pytest.raises(LevelError, match="'max_steps' must be a whole number, got float 2.5"):
        parse_level(_dyn("  max_steps: 2.5\n"))


def test_max_steps_whole_float_is_accepted() -> None:
    level = parse_level(_dyn("  max_steps: 50.0\n"))
    assert level.dynamics.max_steps == 50
    assert isinstance(level.dynamics.max_steps, int)


def test_dynamics_not_a_mapping() -> None:
    with pytest.raises(LevelError, match="'dynamics' must be a mapping"):
        parse_level("kind: gridworld\nlayout: |\n  S.G\ndynamics: [1, 2]\n")


def test_huge_integer_reward_is_a_level_error() -> None:
    # An integer too large for a float must be reported, not crash with OverflowError.
    with pytest.raises(LevelError) as info:
        parse_level(_dyn("  step_reward: 1" + "0" * 400 + "\n"))
    assert "step_reward" in info.value.problem
    assert info.value.line == 5


def test_huge_integer_arm_mean_is_a_level_error() -> None:
    with pytest.raises(LevelError, match="mean"):
        parse_level("kind: bandit\narms:\n  - {mean: 1" + "0" * 400 + "}\n")


@pytest.mark.parametrize(
    "value",
    [
        "2020-13-45",  # looks like a date (YAML 1.1 timestamp) but is not one
        "!!float abc",
        "!!int abc",
        "1" * 5000,  # more digits than Python converts to int by default
        "!!float ''",  # IndexError inside PyYAML
        "!!int ''",  # IndexError inside PyYAML
        "!!bool maybe",  # KeyError inside PyYAML
        "!!timestamp x",  # AttributeError inside PyYAML
    ],
    ids=[
        "bad-date", "float-tag", "int-tag", "5000-digit-int",
        "empty-float-tag", "empty-int-tag", "bool-tag", "timestamp-tag",
    ],
)
def test_values_the_yaml_constructor_rejects_are_level_errors(value: str) -> None:
    # PyYAML's constructors raise plain ValueError/IndexError/KeyError/AttributeError for
    # these; the loader must turn them into a LevelError with the line, not let them escape.
    text = f"kind: gridworld\nname: {value}\nlayout: |\n  S.G\n"
    with pytest.raises(LevelError) as info:
        parse_level(text)
    assert info.value.line == 2


def test_surrogate_in_text_is_a_level_error() -> None:
    # parse_level takes any str; a lone surrogate (e.g. from a text widget) must not
    # crash with UnicodeEncodeError.
    with pytest.raises(LevelError):
        parse_level("kind: gridworld\nname: \ud800\nlayout: |\n  S.G\n")


# --------------------------------------------------------------------------- bandits


def test_bernoulli_p_above_one(level_error) -> None:
    err = level_error(
        """
        kind: bandit
        arms:
          - {name: a, distribution: bernoulli, p: 1.2}
        """
    )
    assert "'p' must be between 0 and 1, got 1.2" in err.problem
    line = "  - {name: a, distribution: bernoulli, p: 1.2}"
    assert (err.line, err.column) == (3, line.index("1.2") + 1)


def test_bernoulli_needs_p(level_error) -> None:
    err = level_error("kind: bandit\narms:\n  - {name: a, distribution: bernoulli}\n")
    assert "bernoulli arm 1 needs 'p'" in err.problem
    assert err.line == 3


def test_bernoulli_with_mean_is_unknown_key(level_error) -> None:
    err = level_error("kind: bandit\narms:\n  - {distribution: bernoulli, p: 0.5, mean: 1}\n")
    assert "unknown key 'mean' in bernoulli arm 1 (it takes p, not mean/std)" in err.problem


def test_negative_gaussian_std(level_error) -> None:
    err = level_error(
        """
        kind: bandit
        arms:
          - {name: a, mean: 0.0, std: 1.0}
          - {name: b, mean: 0.5, std: -1.0}
        """
    )
    assert "'std' must be at least 0, got -1" in err.problem
    line = "  - {name: b, mean: 0.5, std: -1.0}"
    assert (err.line, err.column) == (4, line.index("-1.0") + 1)


def test_negative_testbed_std(level_error) -> None:
    err = level_error("kind: bandit\ntestbed: {arms: 10, std: -0.5}\n")
    assert "'std' must be at least 0, got -0.5" in err.problem
    assert (err.line, err.column) == (2, "testbed: {arms: 10, std: -0.5}".index("-0.5") + 1)


def test_negative_testbed_reward_std(level_error) -> None:
    err = level_error("kind: bandit\ntestbed: {arms: 10, reward_std: -2}\n")
    assert "'reward_std' must be at least 0, got -2" in err.problem


def test_testbed_zero_arms(level_error) -> None:
    err = level_error("kind: bandit\ntestbed: {arms: 0}\n")
    assert "'arms' must be between 1 and 10,000, got 0" in err.problem


def test_both_arms_and_testbed(level_error) -> None:
    err = level_error(
        """
        kind: bandit
        arms:
          - {p: 0.5}
        testbed: true
        """
    )
    assert "needs either 'arms'" in err.problem
    assert "not both" in err.problem


def test_neither_arms_nor_testbed(level_error) -> None:
    err = level_error("kind: bandit\nname: empty\nsteps: 10\n")
    assert "needs either 'arms'" in err.problem
    assert "has neither" in err.problem


def test_empty_arms_list(level_error) -> None:
    err = level_error("kind: bandit\narms: []\n")
    assert "'arms' must be a non-empty list" in err.problem
    assert (err.line, err.column) == (2, 7)


def test_duplicate_arm_names(level_error) -> None:
    err = level_error("kind: bandit\narms:\n  - {name: a, p: 0.1}\n  - {name: a, p: 0.2}\n")
    assert "two arms are named 'a'" in err.problem
    assert err.line == 4


def test_unknown_distribution(level_error) -> None:
    err = level_error("kind: bandit\narms:\n  - {distribution: gausian, mean: 1}\n")
    assert "'distribution' must be 'gaussian' or 'bernoulli'" in err.problem
    assert "Did you mean 'gaussian'?" in err.problem


def test_bandit_steps_zero(level_error) -> None:
    err = level_error("kind: bandit\ntestbed: true\nsteps: 0\n")
    assert "'steps' must be between 1 and" in err.problem
    assert err.line == 3


def test_negative_walk_std(level_error) -> None:
    err = level_error("kind: bandit\ntestbed: true\nnonstationary: {walk_std: -0.01}\n")
    assert "'walk_std' must be at least 0, got -0.01" in err.problem
