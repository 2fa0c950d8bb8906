"""``gridrl app`` / ``gridrl edit`` / ``python -m gridrl``: the window from the command line, headless."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from gridrl.cli import main
from gridrl.levels import load_level

REPO = Path(__file__).resolve().parents[2]


pytestmark = pytest.mark.usefixtures("user_folders")


def test_app_opens_a_level_with_an_agent_and_its_settings(tmp_path, capsys):
    shot = tmp_path / "app.png"
    code = main(["app", "four_rooms", "--agent", "sarsa", "--set", "alpha=0.25", "--seed", "3",
                 "--headless", "--frames", "3", "--size", "1024x768", "--screenshot", str(shot)])  # fmt: skip
    assert code == 0
    assert capsys.readouterr().out.strip() == "gridrl: 3 frames on four_rooms (Four Rooms) with sarsa"
    assert Image.open(shot).size == (1024, 768)


def test_app_applies_set_to_the_agent(monkeypatch):
    """--set reaches the agent's config, and --seed its seed."""
    from gridrl.gui import scene_train

    seen = {}
    use_agent = scene_train.TrainScene.use_agent

    def spy(self, name, params, seed):
        use_agent(self, name, params, seed)
        seen.update(name=self.trainer.agent_name, alpha=self.trainer.session.agent.config.alpha, seed=seed)

    monkeypatch.setattr(scene_train.TrainScene, "use_agent", spy)
    assert main(["app", "corridor", "--agent", "q-learning", "--set", "alpha=0.25", "--seed", "7",
                 "--headless", "--frames", "1"]) == 0  # fmt: skip
    assert seen == {"name": "q-learning", "alpha": 0.25, "seed": 7}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["app", "--agent", "q-lerning"], "did you mean 'q-learning'"),
        (["app", "--set", "alpha=0.1"], "--set and --seed need --agent"),
        (["app", "--agent", "q-learning", "--set", "alpha"], "--set takes NAME=VALUE"),
        (["app", "--agent", "q-learning", "--set", "alpha=-1"], "alpha"),
        (["app", "ten_armed_testbed", "--agent", "q-learning"], "q-learning"),
        (["app", "--size", "big"], "--size takes WIDTHxHEIGHT"),
        (["app", "--frames", "0"], "--frames must be at least 1"),
        (["edit", "--size", "10x10"], "--size must be between"),
    ],
)
def test_bad_window_arguments_are_a_message_and_exit_2(argv, message, capsys):
    assert main([*argv, "--headless"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gridrl: ") and message in err and "Traceback" not in err


def test_edit_without_a_level_starts_a_new_grid(capsys):
    assert main(["edit", "--headless", "--frames", "2"]) == 0
    assert capsys.readouterr().out.strip() == "gridrl: 2 frames in the level editor on New level"


def test_edit_opens_the_level_in_the_editor(capsys):
    assert main(["edit", "windy_gridworld", "--headless", "--frames", "2"]) == 0
    assert capsys.readouterr().out.strip() == "gridrl: 2 frames in the level editor on Windy Gridworld (Sutton & Barto Example 6.5)"


def test_python_dash_m_gridrl_and_main_py_run_the_same_app():
    for argv in ([sys.executable, "-m", "gridrl", "app"], [sys.executable, "main.py"]):
        proc = subprocess.run([*argv, "corridor", "--agent", "value-iteration", "--headless", "--frames", "2"],
                              cwd=REPO, capture_output=True, text=True, timeout=120)  # fmt: skip
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout.strip() == "gridrl: 2 frames on corridor (Corridor) with value-iteration"


def test_the_app_keeps_openblas_to_one_thread(capsys):
    """OpenBLAS's threads spin on every core after a product and took the frame's core (a
    policy check under the board): the app limits them to one."""
    from threadpoolctl import threadpool_info  # noqa: PLC0415

    assert main(["app", "corridor", "--headless", "--frames", "1"]) == 0
    blas = [pool for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas and all(pool["num_threads"] == 1 for pool in blas)


def test_edit_a_file_that_does_not_exist_yet_starts_a_new_grid_that_saves_there(tmp_path, monkeypatch, capsys):
    path = tmp_path / "my_maze.yaml"

    def save_then_look(app):  # the editor's Save, as Ctrl+S does it
        editor = app.find("edit")
        assert editor.model.path == path and editor.model.level.name == "My maze"
        editor.model.apply(paint(paint(editor.model.level, (0, 0), "S"), (4, 4), "G"))
        editor.cmd_save_level()

    from gridrl.gui import app as app_module  # noqa: PLC0415
    from gridrl.gui.editor_model import paint  # noqa: PLC0415

    real = app_module.App
    monkeypatch.setattr(app_module, "App", lambda *a, **k: _after_prepare(real(*a, **k), save_then_look))
    assert main(["edit", str(path), "--headless", "--frames", "2"]) == 0
    assert "in the level editor on My maze" in capsys.readouterr().out
    assert load_level(str(path)).name == "My maze"


def _after_prepare(app, act):
    """``app`` whose first frame runs ``act(app)`` (after the command's own preparation)."""
    tick = app.tick

    def first(*args, **kwargs):
        app.tick = tick
        act(app)
        return tick(*args, **kwargs)

    app.tick = first
    return app
