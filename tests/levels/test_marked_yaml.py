"""The marked-YAML toolkit that levels and lessons share, and each behaviour that only one of
the two former copies had, pinned through both front ends (parse_level and parse_lesson)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from gridrl.lessons import LessonError, load_lesson, parse_lesson
from gridrl.lessons.loader import read_header
from gridrl.levels import LevelError, parse_level
from gridrl.levels.marked_yaml import (
    MAX_ALIAS_EXPANSION,
    Context,
    MarkedError,
    MarkedLoader,
    integer,
    mapping,
    number_value,
    string,
)

LESSON = """\
title: T
figure: F
explanation: E
steps:
  - level: corridor
  - run: {agents: [q-learning], episodes: 20}
"""


def lesson_error(extra: str = "", old: str = "title: T", new: str = "title: T") -> LessonError:
    """The LessonError of LESSON with ``old`` replaced by ``new`` and ``extra`` appended."""
    assert old in LESSON
    with pytest.raises(LessonError) as info:
        parse_lesson(LESSON.replace(old, new) + extra, source="l.yaml", check_agents=False)
    return info.value


def level_error(text: str) -> LevelError:
    with pytest.raises(LevelError) as info:
        parse_level(textwrap.dedent(text).lstrip("\n"))
    return info.value


def check(extra: str) -> str:
    """A lesson ``check`` step after LESSON with ``extra`` keys in its flow mapping."""
    return f"  - check: {{claim: c, metric: episode_returns, published: {{q-learning: 1}}, {extra}}}\n"


def bomb(depth: int) -> str:
    """``[&a0 [1 x 10], &a1 [*a0 x 10], ...]``: a few hundred bytes, 10**depth values."""
    items = ["&a0 [1,1,1,1,1,1,1,1,1,1]"] + [f"&a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, depth)]
    return f"[{', '.join(items)}]"


# --------------------------------------------------------------------------- loader


def test_loader_keeps_every_node_and_refuses_duplicates() -> None:
    data = yaml.load("a: [1, {b: 2}]\n", Loader=MarkedLoader)  # noqa: S506
    assert data.key_nodes["a"].start_mark.line == 0 and data.nodes["a"].start_mark.column == 3
    assert data["a"].nodes[1].start_mark.column == 7
    with pytest.raises(yaml.constructor.ConstructorError, match="duplicate key 'a'"):
        yaml.load("a: 1\na: 2\n", Loader=MarkedLoader)  # noqa: S506


def test_error_classes_share_the_format() -> None:
    assert str(LevelError("bad", "f.yaml", 3, 4)) == str(LessonError("bad", "f.yaml", 3, 4)) == "f.yaml:3:4: bad"
    assert isinstance(LevelError("x"), MarkedError) and isinstance(LessonError("x"), ValueError)
    assert not isinstance(LessonError("x"), LevelError)


# --------------------------------------------------------------------------- only levels had these


def test_lesson_accepts_exponent_numbers_like_levels() -> None:
    # YAML 1.1 reads 1e-1 as text; the lesson copy said "must be a number, got str '1e-1'".
    lesson = parse_lesson(LESSON.replace("episodes: 20", "episodes: 2e1") + check("tolerance: 1e-1"),
                          check_agents=False)  # fmt: skip
    assert lesson.runs[0].full.budget.count == 20
    assert lesson.checks[0].tolerance == {"q-learning": 0.1}


@pytest.mark.parametrize("value", [".nan", ".inf", "-.inf"])
def test_lesson_refuses_non_finite_numbers_like_levels(value: str) -> None:
    err = lesson_error(check(f"tolerance: {value}"))
    assert "'tolerance' must be a finite number" in err.problem
    assert (err.line, err.column) == (7, 87)


def test_lesson_number_too_large_for_a_float_is_a_message() -> None:
    # The lesson copy raised OverflowError from float(10**400).
    err = lesson_error(check("tolerance: 1" + "0" * 400))
    assert err.problem == "'tolerance' is too large a number"


def test_lesson_surrogate_text_is_a_message() -> None:
    # The lesson copy let UnicodeEncodeError out of the YAML reader.
    assert lesson_error(new="title: T\ud800").problem == "the text contains characters that are not valid Unicode"


def test_lesson_nesting_past_the_recursion_limit_is_a_message() -> None:
    assert lesson_error(new="title: " + "[" * 900 + "]" * 900).problem == "the YAML is nested too deeply"


def test_lesson_syntax_error_says_syntax_and_its_context() -> None:
    err = lesson_error("  - plot: {metric: x\n")
    assert err.problem.startswith("YAML syntax error: did not find expected ',' or '}'")
    assert "(while parsing a flow mapping)" in err.problem


def test_lesson_tag_error_names_the_tag() -> None:
    err = lesson_error(new="title: !!python/object/apply:os.system [echo]")
    assert "python/object/apply:os.system' is not allowed: lesson files are plain YAML" in err.problem
    assert (err.line, err.column) == (1, 8)


def test_duplicate_key_message_is_the_same_for_both() -> None:
    assert lesson_error(new="title: T\ntitle: U").problem == "duplicate key 'title'"
    assert level_error("kind: bandit\nkind: bandit\n").problem == "duplicate key 'kind'"


def test_lesson_text_over_the_limit_is_refused_by_parse_lesson() -> None:
    # The lesson copy checked the size of files only, not of text handed to parse_lesson.
    assert "longer than the 1 MiB limit" in lesson_error(new="title: T\n#" + "x" * (1 << 20)).problem


def test_lesson_file_with_nul_bytes_is_called_binary(tmp_path: Path) -> None:
    path = tmp_path / "l.yaml"
    path.write_bytes(LESSON.encode() + b"\x00")
    with pytest.raises(LessonError, match="this is a binary file, not a YAML lesson"):
        load_lesson(path, check_agents=False)


# --------------------------------------------------------------------------- only lessons had these


def test_level_integer_message_has_thousands_separators_like_lessons() -> None:
    err = level_error("kind: gridworld\nlayout: |\n  S.G\ndynamics: {max_steps: 10000000000}\n")
    assert err.problem == "'max_steps' must be between 1 and 1,000,000,000, got 10,000,000,000"


def test_level_says_nothing_rather_than_nonetype() -> None:
    assert level_error("kind: bandit\narms: [~, 3]\n").problem == "arm 2 must be a mapping of keys to values, got int 3"
    assert "holds nothing" in level_error("# only a comment\n").problem


def test_level_name_that_yaml_reads_as_a_boolean_is_refused_with_a_fix() -> None:
    # The level copy read "name: yes" as the level "True".
    err = level_error("kind: gridworld\nname: yes\nlayout: |\n  S.G\n")
    assert err.problem == "'name' must be text, got the boolean yes; quote it: 'yes'"
    assert (err.line, err.column) == (2, 7)
    assert parse_level("kind: gridworld\nname: 'yes'\nlayout: |\n  S.G\n").name == "yes"


def test_required_text_names_what_needs_it() -> None:
    ctx = Context("f.yaml", "a: 1\n", LessonError, "lesson")
    m = yaml.load(ctx.text, Loader=MarkedLoader)  # noqa: S506
    with pytest.raises(LessonError) as info:
        string(ctx, m, "title", what="a lesson")
    assert str(info.value) == "f.yaml:1:1: a lesson needs 'title'"
    assert string(ctx, m, "a") == "1" and string(ctx, m, "b", "dflt") == "dflt"


def test_empty_mapping_for_a_blank_key_keeps_its_node() -> None:
    # The level copy's empty mapping had no .node, so an error about it could not be placed.
    ctx = Context("f.yaml", "legend:\n", LevelError, "level")
    doc = yaml.load(ctx.text, Loader=MarkedLoader)  # noqa: S506
    empty = mapping(ctx, doc["legend"], doc.nodes["legend"], "'legend'", null_is_empty=True)
    assert empty == {} and empty.node is doc.nodes["legend"]
    with pytest.raises(LevelError, match="'legend' must be a mapping of keys to values, got nothing"):
        mapping(ctx, doc["legend"], doc.nodes["legend"], "'legend'")


# --------------------------------------------------------------------------- neither had these


def test_alias_bomb_is_refused_at_the_value_in_both() -> None:
    # Nine levels of ten aliases are a billion values: the level parser hung quoting 'wind'.
    err = level_error(f"kind: gridworld\nlayout: |\n  S.G\nlegend:\n  S: {{wind: {bomb(9)}}}\n")
    assert f"at most {MAX_ALIAS_EXPANSION:,} are allowed" in err.problem
    assert err.line == 5
    err = lesson_error(old="steps:", new=f"seed: {bomb(9)}\nsteps:")
    assert "the aliases (*name) repeat" in err.problem and err.line == 4


def test_shared_anchors_within_the_limit_load() -> None:
    level = parse_level(
        "kind: gridworld\nlayout: |\n  SabG\nlegend:\n  a: &pit {reward: -5}\n  b: *pit\n"
    )
    assert level.tile("a").reward == level.tile("b").reward == -5.0


def test_a_value_that_contains_itself_is_a_message() -> None:
    err = level_error("kind: gridworld\nlayout: |\n  S.G\nlegend:\n  S: {wind: &w [1, *w]}\n")
    assert err.problem == "a value contains itself (an alias of its own anchor)"
    assert (err.line, err.column) == (5, 13)


def test_long_wrong_values_are_quoted_short() -> None:
    wind = "[" + ", ".join(["1"] * 10_000) + "]"
    err = level_error(f"kind: gridworld\nlayout: |\n  S.G\nlegend:\n  S: {{wind: {wind}}}\n")
    assert err.problem.startswith("'wind' must be [d_row, d_col]") and len(err.problem) < 200
    assert len(lesson_error(new="title: [" + "1, " * 10_000 + "]").problem) < 200


def test_lesson_listing_header_uses_the_bounded_loader(tmp_path: Path) -> None:
    path = tmp_path / "l.yaml"
    path.write_text(LESSON.replace("title: T", f"title: {bomb(6)}"))
    assert read_header(path) == {}  # a million values would have been joined into the title
    path.write_text(LESSON)
    assert read_header(path) == {"title": "T", "figure": "F", "explanation": "E"}


# --------------------------------------------------------------------------- accessors


def test_number_and_integer_accessors() -> None:
    ctx = Context("f.yaml", "a: 3.0\nb: 1e3\nc: 2.5\nd: true\n", LevelError, "level")
    m = yaml.load(ctx.text, Loader=MarkedLoader)  # noqa: S506
    assert integer(ctx, m, "a", None, 0, 10) == 3 and integer(ctx, m, "b", None, 0, 10**4) == 1000
    assert integer(ctx, m, "missing", 7, 0, 10) == 7
    with pytest.raises(LevelError, match="'c' must be a whole number, got float 2.5"):
        integer(ctx, m, "c", None, 0, 10)
    with pytest.raises(LevelError, match="'d' must be a whole number, got the boolean true"):
        integer(ctx, m, "d", None, 0, 10)
    assert number_value(ctx, m["b"], m.nodes["b"], "x", 0, 1000) == 1000.0
    with pytest.raises(LevelError) as info:
        number_value(ctx, m["c"], m.nodes["c"], "'c'", high=1)
    assert str(info.value) == "f.yaml:3:4: 'c' must be at most 1, got 2.5"
