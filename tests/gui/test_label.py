"""Labelling preferences in the app (issue 17, items 1 and 6): two episodes side by side, the
answer written to the preference file at once, nothing lost when the window closes mid-session,
a second session appending; bad levels and bad files explained in the scene, the file untouched.
Driven like a user: keys and clicks posted into pygame's queue, on the real app at 1024 x 768."""

from __future__ import annotations

import pygame
import pytest

import test_layout as layout_check
from gridrl.gui.scene_label import LabelScene, level_problem
from gridrl.levels import GridLevel, load_level
from gridrl.preferences import Pair, load_preferences

from gui_helpers import click, key

SIZE = (1024, 768)


def _open_label(app) -> LabelScene:
    key(app, pygame.K_l, mod=pygame.KMOD_CTRL)
    assert app.top.name == "label"
    return app.top


def _answer_click(app, sc: LabelScene, choice: str):
    """Click the answer's button; returns the pair that was shown."""
    shown = sc.episodes
    click(app, sc.widgets.answer_buttons[choice].rect.center)
    return shown


def _answer_key(app, sc: LabelScene, k: int):
    shown = sc.episodes
    key(app, k)
    return shown


def test_each_answer_is_saved_at_once_a_closed_window_loses_none_and_a_new_session_appends(make_app, tmp_path):
    from gridrl.gui.app import App  # make_app has pointed the data folders into tmp_path

    path = tmp_path / "preferences" / "small_gridworld.jsonl"  # beside GRIDRL_USER_LEVELS
    app = App("small_gridworld", size=SIZE)
    try:
        app.run_frames(2)
        sc = _open_label(app)
        assert sc.path == path and not path.exists() and sc.problem is None
        first = _answer_click(app, sc, "left")
        assert len(load_preferences(path).pairs) == 1  # on disk before the next pair is answered
        second = _answer_click(app, sc, "left")
        third = _answer_key(app, sc, pygame.K_t)
        on_disk = load_preferences(path)
        skipped = _answer_key(app, sc, pygame.K_s)
        assert sc.labelled == 3 and sc.skipped == 1 and app.errors == []
    finally:
        app.close()  # mid-session: a pair is shown, unanswered
    data = load_preferences(path, "small_gridworld")
    assert data == on_disk and data.level_name == "small_gridworld"
    assert data.pairs == (Pair(*first), Pair(*second), Pair(*third, tie=True))
    assert all(p.chosen != skipped[0] or p.rejected != skipped[1] for p in data.pairs)
    # the episodes drawn are real walks of the level: from a start, each step a legal cell
    assert all(len(seg) >= 1 and all(0 <= s < 16 and 0 <= a < 4 for s, a in seg) for seg in first + second)
    assert sorted(p.name for p in path.parent.iterdir()) == ["small_gridworld.jsonl"]  # no temporary file left

    app = make_app("small_gridworld", size=SIZE)
    sc = _open_label(app)
    assert sc.labelled == 3 and sc.episodes != first  # another sample than the first session's
    fourth = sc.episodes
    click(app, sc.layout.boards[1].center)  # a click on the right board: the right one is better
    data = load_preferences(path, "small_gridworld")
    assert data.pairs[:3] == (Pair(*first), Pair(*second), Pair(*third, tie=True))
    assert data.pairs[3] == Pair(fourth[1], fourth[0])
    assert sc.widgets.file_label.text.startswith("4 pairs in ")
    key(app, pygame.K_ESCAPE)
    assert app.top.name == "train" and app.errors == []


def test_a_write_that_fails_keeps_the_old_file_whole_and_the_pair_shown(make_app, tmp_path, monkeypatch):
    app = make_app("small_gridworld", size=SIZE)
    sc = _open_label(app)
    _answer_key(app, sc, pygame.K_1)
    before = sc.path.read_bytes()
    shown = sc.episodes

    def crash(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("gridrl.levels.save.os.replace", crash)  # dies between writing and renaming
    _answer_key(app, sc, pygame.K_2)
    assert sc.path.read_bytes() == before and sc.labelled == 1 and sc.episodes == shown
    assert sc.status_error and "Not saved" in sc.status_text and "No space left" in sc.status_text
    assert sorted(p.name for p in sc.path.parent.iterdir()) == ["small_gridworld.jsonl"]
    monkeypatch.undo()
    _answer_key(app, sc, pygame.K_RIGHT)
    assert load_preferences(sc.path).pairs[1] == Pair(shown[1], shown[0]) and app.errors == []


@pytest.mark.parametrize(("text", "expected"), [
    ('{"level": "four_rooms"}\n{"chosen": [[0, 1]], "rejected": [[1, 1]]}\n', "holds pairs of the level 'four_rooms'"),
    ('{"level": "small_gridworld"}\n{"chosen": [[0, 1]], "rejected": [[1, 1]\n', "does not load"),
    ('{"level": "small_gridworld"}\n{"chosen": [[40, 1]], "rejected": [[1, 1]]}\n', "state 40"),
], ids=["another-level", "malformed", "out-of-range"])  # fmt: skip
def test_a_file_of_another_level_or_malformed_is_explained_and_left_untouched(make_app, tmp_path, text, expected):
    path = tmp_path / "preferences" / "small_gridworld.jsonl"
    path.parent.mkdir()
    path.write_text(text)
    app = make_app("small_gridworld", size=SIZE)
    sc = _open_label(app)
    assert expected in sc.problem and "left as it is" in sc.problem
    assert all(not b.is_enabled and b.tool_tip_text == sc.problem for b in sc.widgets.answer_buttons.values())
    for k in (pygame.K_1, pygame.K_t, pygame.K_LEFT):
        key(app, k)
    click(app, sc.layout.boards[0].center)
    assert path.read_text() == text and app.errors == []
    assert sc.status_error and sc.status_text == sc.problem
    assert sc.widgets.file_label.text.startswith("not writing to")


def test_a_bandit_or_a_level_without_a_start_says_why_it_cannot_be_labelled(make_app):
    no_start = GridLevel(name="No start", layout=("..G", "..."))
    assert "no start cell" in level_problem(no_start) and "'S'" in level_problem(no_start)
    assert level_problem(load_level("small_gridworld")) is None
    app = make_app("ten_armed_testbed", size=SIZE)
    sc = _open_label(app)
    assert "is a bandit" in sc.problem and sc.episodes is None and sc.file is None
    key(app, pygame.K_1)
    assert sc.labelled == 0 and app.errors == []


@pytest.mark.parametrize("zoom", [1.0, 1.5], ids=["1024x768", "1024x768-x1.5"])
def test_the_labelling_view_has_room_for_everything(make_app, monkeypatch, zoom):
    """The layout test's checks (tests/gui/test_layout.py): widgets inside the window and
    apart, their texts whole, the drawn labels apart, off the widgets and in their panels."""
    app = make_app("small_gridworld", size=SIZE)
    app.set_zoom(zoom)
    sc = _open_label(app)
    assert sc.layout.scale == pytest.approx(zoom)  # a 1024 x 768 projector gets the whole 1.5x
    key(app, pygame.K_1)
    lay = sc.layout
    monkeypatch.setattr(layout_check, "_panels", lambda app: [lay.top, *lay.headers, *lay.boards])
    layout_check._check(app, widgets=5, labels=5)


def test_cli_label_refuses_a_bandit_and_a_bad_out_file(capsys, tmp_path):
    from gridrl.cli import main

    assert main(["label", "ten_armed_testbed", "--headless", "--frames", "1"]) == 2
    assert "is a bandit level" in capsys.readouterr().err
    assert main(["label", "small_gridworld", "--out", str(tmp_path / "pairs.txt"), "--headless"]) == 2
    assert ".jsonl, .yaml or .yml" in capsys.readouterr().err


def test_cli_label_opens_the_labelling_on_the_level_writing_to_out(make_app, tmp_path, monkeypatch):
    from gridrl.cli import main

    opened = []

    def open_window(level, size, prepare, **options):
        app = make_app(level, size=size)
        prepare(app.scenes[0])
        opened.append((app.top, options))
        return 0

    monkeypatch.setattr("gridrl.gui.launch.open_window", open_window)
    out = tmp_path / "pairs.yaml"
    assert main(["label", "small_gridworld", "--out", str(out), "--size", "1024x768", "--headless"]) == 0
    (sc, options), = opened
    assert isinstance(sc, LabelScene) and sc.path == out and sc.policy == "uniform" and options["headless"]
    assert sc.policy_text == "the uniform random policy"
    shown = sc.episodes
    sc.answer("tie")
    assert load_preferences(out).pairs == (Pair(*shown, tie=True),)
    assert out.read_text().startswith('level: "small_gridworld"\npairs:\n')  # YAML, as its suffix says
    key(sc.app, pygame.K_ESCAPE)
    assert _open_label(sc.app).path == out  # Ctrl+L labels into the --out file again
