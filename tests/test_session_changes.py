"""A level that changes while it is played is judged, drawn and reported as it is now."""

from __future__ import annotations

import pytest

from gridrl.cli import main
from gridrl.levels import load_level
from gridrl.session import OptimalityWatch, Session


def test_the_optimality_watch_judges_the_layout_the_agent_plays_now():
    """Shortcut maze (Example 8.3): v* is 0.95^15 (16 steps) until step 3000, then 0.95^9
    (the 10-step shortcut); the watch's v* follows the env's change."""
    session = Session(load_level("shortcut_maze"), "q-learning", {}, seed=0)
    watch = OptimalityWatch(session)
    session.run("step", 2000)
    watch(2000, 0.0, force=True)
    assert watch.last.optimal == pytest.approx(0.95**15) and watch.made == 0
    session.run("step", 1500)
    watch(3500, 0.0, force=True)
    assert session.agent.changes_made() == 1
    assert watch.last.optimal == pytest.approx(0.95**9) and watch.made == 1


def test_train_draws_the_policy_on_the_layout_after_the_change(capsys):
    """Blocking maze (Example 8.2): after step 1000 the wall's gap is at its left end."""
    assert main(["train", "blocking_maze", "--agent", "q-learning", "--steps", "1500", "--quiet"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines.index("  most likely action in every cell (the layout after its 1 scheduled change):")
    wall = lines[header + 4].split()
    assert wall[0] != "#" and wall[1:] == ["#"] * 8
