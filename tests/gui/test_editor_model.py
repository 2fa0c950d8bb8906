"""The editor's logic without a window: operations, undo / redo, validation, saving."""

from __future__ import annotations

import os
import sys

import platformdirs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridrl.gui import editor_bandit as eb
from gridrl.gui import editor_changes as ec
from gridrl.gui import editor_model as em
from gridrl.levels import (
    BUNDLED_DIR,
    GridLevel,
    LevelError,
    level_to_yaml,
    load_level,
    parse_level,
)


@pytest.fixture(autouse=True)
def user_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("GRIDRL_USER_LEVELS", str(tmp_path / "levels"))
    return tmp_path


def test_paint_properties_undo_redo_back_to_original():
    original = load_level("cliff_walking")
    model = em.EditorModel(original)
    model.do(em.paint, [(0, 0), (0, 1)], "#")
    model.do(em.paint, (1, 1), "G", merge=False)
    model.do(em.set_kind, "C", reward=-50.0)
    model.do(em.add_kind, "w", wind=(-1, 0))
    model.do(em.paint, (2, 2), "w")
    model.do(em.set_dynamics, gamma=0.9, slip=0.1)
    assert model.level != original and model.dirty
    edited = model.level
    while model.undo():
        pass
    assert model.level == original and not model.dirty
    while model.redo():
        pass
    assert model.level == edited
    assert model.level.tile("C").reward == -50.0
    assert model.level.dynamics.gamma == 0.9


def test_a_drag_is_one_undo_step():
    model = em.EditorModel(em.new_grid(3, 3))
    model.do(em.paint, (0, 0), "#")
    model.do(em.paint, (0, 1), "#", merge=True)
    model.do(em.paint, (0, 2), "#", merge=True)
    assert model.level.layout[0] == "###"
    model.undo()
    assert model.level.layout[0] == "..."


def test_validation_reports_errors_and_warnings_without_blocking_edits():
    level = em.new_grid(3, 3)
    v = em.validate(level)
    assert not v.ok and "start" in v.errors[0]
    level = em.paint(level, [(0, 0)], "S")
    level = em.paint(level, [(2, 2)], "G")
    level = em.paint(level, [(1, 2), (2, 1), (1, 1)], "#")
    v = em.validate(level)
    assert v.ok and any("reached" in w for w in v.warnings)


def test_dynamics_ranges_enforced():
    level = em.new_grid(2, 2)
    for bad in ({"gamma": 1.5}, {"slip": -0.1}, {"max_steps": 0}, {"max_steps": 2.5}, {"gamma": "x"}):
        with pytest.raises(LevelError):
            em.set_dynamics(level, **bad)
    assert em.set_dynamics(level, max_steps=50).dynamics.max_steps == 50


def test_resize_keeps_painting():
    level = em.paint(em.new_grid(3, 4), [(0, 0), (2, 3)], "#")
    bigger = em.resize(level, top=1, left=2, bottom=1, right=1)
    assert bigger.shape == (5, 7)
    assert bigger.layout[1][2] == "#" and bigger.layout[3][5] == "#"
    assert em.resize(bigger, top=-1, left=-2, bottom=-1, right=-1) == level
    with pytest.raises(LevelError):
        em.resize(level, top=-3)


def test_bandit_arms():
    level = eb.new_bandit()
    level = eb.add_arm(level, "gaussian")
    level = eb.set_arm(level, 2, mean=0.5, std=2.0)
    level = eb.set_arm(level, 0, distribution="gaussian", mean=1.0)
    level = eb.remove_arm(level, 1)
    assert [a.distribution for a in level.arms] == ["gaussian", "gaussian"]
    assert parse_level(level_to_yaml(level)) == level
    with pytest.raises(LevelError):
        eb.set_arm(level, 0, distribution="bernoulli", p=1.5)


def test_save_reload_equal_and_bundled_never_overwritten(user_dirs):
    bundled = BUNDLED_DIR / "cliff_walking.yaml"
    before = bundled.read_bytes()
    model = em.EditorModel(load_level("cliff_walking"), path=bundled)
    model.do(em.paint, (0, 0), "#")
    path = model.save()
    assert bundled.read_bytes() == before
    assert path.parent == user_dirs / "levels"
    assert load_level(path) == model.level and not model.dirty
    assert path in em.user_level_files()


def test_interrupted_save_leaves_previous_file(user_dirs, monkeypatch):
    model = em.EditorModel(em.paint(em.new_grid(3, 3), (0, 0), "S"))
    path = model.save(user_dirs / "levels" / "mine.yaml")
    before = path.read_bytes()
    model.do(em.paint, (1, 1), "#")

    def boom(*_):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError):
        model.save()
    assert path.read_bytes() == before
    assert model.dirty
    assert [p.name for p in path.parent.iterdir()] == ["mine.yaml"]  # no temp file left


def test_recovery_round_trip(user_dirs):
    level = em.paint(em.new_grid(4, 4), (0, 0), "S")
    em.write_recovery(level, user_dirs / "levels" / "x.yaml")
    got, target = em.read_recovery()
    assert got == level and target == user_dirs / "levels" / "x.yaml"
    em.clear_recovery()
    assert em.read_recovery() is None


def test_user_folders_are_the_platforms(user_dirs, monkeypatch):
    """Saved levels and the recovery file live in platformdirs' user-data folder
    ($XDG_DATA_HOME/gridrl on Linux, here in tmp); GRIDRL_USER_LEVELS moves the levels."""
    assert em.data_dir() == platformdirs.user_data_path("gridrl", appauthor=False)
    if sys.platform.startswith("linux"):
        assert em.data_dir() == user_dirs / "data" / "gridrl"
    assert em.recovery_path().parent == em.data_dir()
    assert em.user_levels_dir() == user_dirs / "levels"
    monkeypatch.delenv("GRIDRL_USER_LEVELS")
    assert em.user_levels_dir() == em.data_dir() / "levels"


# ----------------------------------------------------------------------------- property test

CHARS = st.sampled_from(list("abcdefghjkmnpqrtuvwyz0123456789"))


@st.composite
def operations(draw):
    ops = []
    for _ in range(draw(st.integers(1, 12))):
        op = draw(st.sampled_from(["paint", "kind", "add", "dyn", "resize"]))
        if op == "paint":
            ops.append(("paint", draw(st.integers(0, 7)), draw(st.integers(0, 7)),
                        draw(st.sampled_from(list(".#SGX")))))
        elif op == "kind":
            ops.append(("kind", draw(st.sampled_from(list(".SGX"))),
                        {"reward": draw(st.floats(-100, 100, allow_nan=False).map(lambda x: round(x, 3))),
                         "terminal": draw(st.booleans())}))
        elif op == "add":
            ops.append(("add", draw(CHARS), {"reward": draw(st.integers(-5, 5)) * 1.0,
                                             "wind": (draw(st.integers(-2, 2)), draw(st.integers(-2, 2)))}))
        elif op == "dyn":
            ops.append(("dyn", {"gamma": draw(st.floats(0, 1).map(lambda x: round(x, 4))),
                                "step_reward": draw(st.integers(-3, 3)) * 1.0,
                                "slip": draw(st.sampled_from([0.0, 0.1, 0.25]))}))
        else:
            ops.append(("resize", draw(st.integers(-1, 2)), draw(st.integers(-1, 2))))
    return ops


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.integers(2, 6), cols=st.integers(2, 6), ops=operations())
def test_random_edits_round_trip_through_yaml(rows, cols, ops):
    model = em.EditorModel(em.paint(em.new_grid(rows, cols), (0, 0), "S"))
    for op in ops:
        try:
            if op[0] == "paint":
                model.do(em.paint, (op[1], op[2]), op[3])
            elif op[0] == "kind":
                model.do(em.set_kind, op[1], **op[2])
            elif op[0] == "add":
                model.do(em.add_kind, op[1], **op[2])
                r, c = model.level.shape
                model.do(em.paint, (r - 1, c - 1), op[1])
            elif op[0] == "dyn":
                model.do(em.set_dynamics, **op[1])
            else:
                model.do(em.resize, bottom=op[1], right=op[2])
        except LevelError:
            pass  # a refused operation (duplicate kind, too small) leaves the level as it was
    level = model.level
    assert isinstance(level, GridLevel)
    if em.validate(level).ok:
        assert parse_level(level_to_yaml(level)) == level
    first = model.history[0]
    while model.undo():
        pass
    assert model.level == first


def test_testbed_edits_round_trip_and_undo() -> None:
    from gridrl.levels import level_to_yaml, parse_level

    model = em.EditorModel(eb.new_bandit())
    model.do(eb.set_testbed)
    model.do(eb.set_testbed, arms=3, reward_std=0.5)
    level = model.level
    assert level.testbed.arms == 3 and level.testbed.reward_std == 0.5 and level.arms == ()
    assert parse_level(level_to_yaml(level)) == level
    with pytest.raises(em.LevelError):
        eb.set_testbed(level, arms=0)
    model.undo()
    model.undo()
    assert model.level == eb.new_bandit()


def test_resize_resizes_the_scheduled_changes_too():
    """Blocking maze (Example 8.2): one more column on the right, one fewer row on top; its
    change's layout follows, so the level stays valid and the moved wall stays where it was."""
    level = load_level("blocking_maze")
    resized = em.resize(level, right=1, top=-1)
    (change,) = resized.changes
    assert change.layout == tuple(row + "." for row in level.changes[0].layout[1:])
    assert resized.layout == tuple(row + "." for row in level.layout[1:])
    assert not em.validate(resized).errors


def _grid(*lines: str) -> tuple[str, ...]:
    return tuple(lines)


def test_a_change_is_the_cells_it_sets_and_edits_keep_the_later_changes_sets():
    """Three layouts of a 3 x 3: change 1 (step 10) walls (1, 1), change 2 (step 20) walls
    (1, 2). Painting the start, or change 1, or deleting change 1 keeps change 2's one cell;
    a change added in between sets no cell, in its place by step."""
    level = GridLevel("three", _grid("S..", "...", "..G"))
    level = ec.add_change(level, 20)
    level = ec.paint_layout(level, 1, (1, 2), "#")
    level = ec.add_change(level, 10)  # before the other: it becomes change 1
    assert [c.at_step for c in level.changes] == [10, 20]
    assert level.changes[0].layout == level.layout and ec.changed_cells(level, 2) == [(1, 2)]
    level = ec.paint_layout(level, 1, (1, 1), "#")
    assert [c.layout[1] for c in level.changes] == [".#.", ".##"]
    assert ec.changed_cells(level, 1) == [(1, 1)] and ec.changed_cells(level, 2) == [(1, 2)]
    painted = ec.paint_layout(level, 0, [(0, 1), (1, 1)], "#")  # (1, 1) is now walled from the start
    assert painted.layout[0] == "S#." and [c.layout[0] for c in painted.changes] == ["S#.", "S#."]
    assert ec.changed_cells(painted, 1) == [] and ec.changed_cells(painted, 2) == [(1, 2)]
    removed = ec.remove_change(level, 1)
    assert [c.at_step for c in removed.changes] == [20] and removed.changes[0].layout == _grid("S..", "..#", "..G")
    assert parse_level(level_to_yaml(level)) == level
    assert ec.paint_layout(level, 2, (1, 2), "#") is level  # nothing changed: no undo step


@pytest.mark.parametrize(("text", "says"), [("abc", "whole number from 1 to"), ("0", "whole number from 1 to"),
                                            ("1e10", "whole number from 1 to"), ("20", "already a change at step 20")])  # fmt: skip
def test_a_change_step_is_a_new_whole_number_from_1(text, says):
    level = ec.add_change(GridLevel("three", _grid("S..", "...", "..G")), 20)
    with pytest.raises(LevelError, match=says):
        ec.parse_change_step(text, level)
    assert ec.parse_change_step("1e3", level) == 1000


def test_removing_a_tile_kind_floors_its_cells_in_every_layout():
    level = em.add_kind(GridLevel("three", _grid("S..", "...", "..G")), "w", wind=(-1, 0))
    level = ec.paint_layout(ec.add_change(level, 5), 1, (1, 1), "w")
    level = em.remove_kind(level, "w")
    assert level.changes[0].layout[1] == "..." and em.validate(level).ok
