"""The board's "✓ greedy policy optimal" badge: the exact check `gridrl train` makes (the
greedy policy's value at the start against v*), run off the frame loop."""

from __future__ import annotations

import time

import numpy as np

from gridrl.envs.evaluation import OptimalityCheck
from gridrl.envs.model import TabularModel
from gridrl.gui.driver import WATCH_INTERVAL, TrainingDriver
from gridrl.gui.training import Trainer
from gridrl.levels import load_level


def checked(driver: TrainingDriver) -> None:
    """A frame a check interval later (paused), which starts a check, then frames until it
    has come back."""
    driver.trainer.clock += WATCH_INTERVAL
    driver.update(0.0, [])
    assert driver._pending is not None
    for _ in range(500):
        if driver._pending is None:
            return
        time.sleep(0.01)
        driver.update(0.0, [])
    raise AssertionError("the check never came back")


def test_the_badge_appears_exactly_when_the_greedy_policy_is_optimal():
    level = load_level("cliff_walking")
    driver = TrainingDriver(Trainer(level, "q-learning", seed=0))
    checked(driver)
    assert driver.optimal_badge() is None  # all Q = 0: the greedy policy does not reach the goal
    check = OptimalityCheck(TabularModel.from_level(level))
    trainer = driver.trainer
    while not check(np.asarray(trainer.agent.insight().pi)).solved:
        trainer.advance("episode")
    steps = trainer.session.history.steps
    checked(driver)
    assert driver.optimal_badge() == f"✓ greedy policy optimal (seen at {steps:,} steps)"
    trainer.rebuild()  # a fresh agent: no badge until it is checked again
    driver.update(0.0, [])
    assert driver.optimal_badge() is None


def test_dynamic_programming_says_after_how_many_sweeps():
    driver = TrainingDriver(Trainer(load_level("small_gridworld"), "value-iteration"))
    sweeps = 0
    while driver.optimal_badge() is None and sweeps < 10:
        driver.trainer.advance("update")
        sweeps += 1
        checked(driver)
    assert sweeps == 3  # the greedy policy is optimal long before the values converge
    assert driver.optimal_badge() == "✓ greedy policy optimal (seen at 3 sweeps)"


def test_a_level_too_big_to_check_gets_no_badge_and_no_check(tmp_path):
    rows = ["S" + "." * 39] + ["." * 40] * 38 + ["." * 39 + "G"]
    path = tmp_path / "big.yaml"
    path.write_text("kind: gridworld\nname: big\nlayout: |\n" + "".join(f"  {r}\n" for r in rows))
    driver = TrainingDriver(Trainer(load_level(str(path)), "q-learning"))
    driver.trainer.clock += WATCH_INTERVAL
    driver.update(0.0, [])
    assert driver._pending is None and driver.optimal_badge() is None


def test_the_board_draws_the_layout_after_a_scheduled_change(make_app):
    """Blocking maze: after step 1000 the board shows the wall's new gap and says so."""
    app = make_app("blocking_maze")
    sc = app.scenes[0]
    before = sc.board.renderer.level.layout
    for _ in range(1001):
        sc.trainer.advance("step")
    app.run_frames(1)
    assert sc.board.renderer.level.layout == sc.level.after_changes(1).layout != before
    assert "The level changed (change 1 of 1, at step 1,000)" in sc.status_text
    sc.trainer.rebuild()  # Reset: a new env, the level as it starts
    app.run_frames(1)
    assert sc.board.renderer.level.layout == before
