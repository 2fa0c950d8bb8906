"""The agent picker offers what the registry declares (DQN runs on bandits too), marks the
agents that cannot run on the level itself (a preference agent on a testbed), and listing
agents still imports no torch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gui_helpers import choose, scene

REPO = Path(__file__).resolve().parents[2]

PICKER_SCRIPT = """
import sys
from gridrl.gui.app import App
app = App("ten_armed_testbed", size=(1280, 800))
app.run_frames(2)
print([text for text, _ in app.scenes[0].panels.agent_dropdown.options_list])
print(sorted(m for m in sys.modules if m.split(".")[0] == "torch"))
app.close()
"""


def _options(app) -> list[str]:
    return [text for text, _ in scene(app).panels.agent_dropdown.options_list]


def test_bandit_picker_offers_every_agent_that_runs_on_bandits(app):
    choose(app, scene(app).panels.level_dropdown, "ten_armed_testbed")
    assert scene(app).level.kind == "bandit"
    assert _options(app) == [
        "dqn", "reinforce", "actor-critic", "ppo", "trpo", "grpo", "rloo",
        "epsilon-greedy", "ucb", "gradient-bandit", "thompson", "dpo (not on this level)",
        "rlhf-ppo (not on this level)",
    ]  # fmt: skip


def test_picking_a_preference_agent_on_the_testbed_explains_and_keeps_the_agent(app):
    from gridrl.gui.overlays import MessageScene

    choose(app, scene(app).panels.level_dropdown, "ten_armed_testbed")
    before = scene(app).trainer.agent_name
    choose(app, scene(app).panels.agent_dropdown, "dpo (not on this level)")
    assert scene(app).trainer.agent_name == before == "epsilon-greedy"
    dialog = app.find(MessageScene)
    assert dialog is not None and dialog.title == "Agent not available"
    assert "draws new arms for every run" in dialog.html and "preference_bandit" in dialog.html


def test_a_preference_agent_gives_way_when_the_level_becomes_a_testbed(app):
    choose(app, scene(app).panels.level_dropdown, "preference_bandit")
    choose(app, scene(app).panels.agent_dropdown, "dpo")
    assert scene(app).trainer.agent_name == "dpo" and "dpo" in _options(app)
    choose(app, scene(app).panels.level_dropdown, "ten_armed_testbed")
    assert scene(app).level.testbed is not None
    assert scene(app).trainer.agent_name == "epsilon-greedy"  # the bandits' default, not an error


def test_bandit_picker_lists_dqn_without_importing_torch(tmp_path):
    """A fresh process: other tests in this one may have imported torch already."""
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", XDG_STATE_HOME=str(tmp_path / "s"),
               XDG_DATA_HOME=str(tmp_path / "d"), GRIDRL_USER_LEVELS=str(tmp_path / "levels"))  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", PICKER_SCRIPT], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    options, torch_modules = proc.stdout.strip().splitlines()[-2:]
    assert "'dqn'" in options and "'thompson'" in options
    assert torch_modules == "[]"
