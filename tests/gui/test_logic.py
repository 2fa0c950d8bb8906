"""The app's logic without a window: live edits, the inspector's text, the timeline, the
agent catalog, and the trainer's time budget."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gridrl.gui import edits
from gridrl.gui.inspector import num, update_lines
from gridrl.gui.driver import AFTER_DECAY, FRAME_TARGET, MIN_BUDGET, TrainingDriver
from gridrl.gui import training
from gridrl.gui.training import FRAME_BUDGET, Trainer
from gridrl.levels import LevelError, load_level

REPO = Path(__file__).resolve().parents[2]


def test_set_reward_on_a_shared_floor_char_takes_a_new_char():
    level = load_level("cliff_walking")
    edited = edits.set_reward(level, 13, 5)  # row 1, col 1: one of many '.'
    char = edited.layout[1][1]
    assert char not in ".#SGXC"
    assert edited.tile(char).reward == 5 and not edited.tile(char).wall
    assert edited.layout[1][2] == "."  # the other floor cells keep their reward
    assert sum(line.count(char) for line in edited.layout) == 1
    again = edits.set_reward(edited, 14, 5)  # the same reward reuses that char
    assert again.layout[1][2] == char and len(again.legend) == len(edited.legend)


def test_set_reward_on_a_unique_char_edits_its_legend_entry():
    level = load_level("cliff_walking")
    edited = edits.set_reward(level, 47, 10)  # the goal G, the only one
    assert edited.layout == level.layout
    assert edited.tile("G").reward == 10 and edited.tile("G").terminal


def test_wall_toggle_round_trip_and_refusals():
    level = load_level("cliff_walking")
    walled = edits.toggle_wall(level, 13)
    assert walled.layout[1][1] == "#" and edits.is_wall(walled, 13)
    assert edits.toggle_wall(walled, 13).layout == level.layout
    with pytest.raises(LevelError, match="target"):
        edits.toggle_wall(level, 36)  # S: where the cliff teleports to
    with pytest.raises(LevelError, match="no start"):
        edits.toggle_wall(load_level("corridor"), 0)  # the only start
    with pytest.raises(LevelError, match="wall"):
        edits.set_reward(walled, 13, 1.0)


def test_td_update_written_with_its_numbers():
    backup = {"s": 24, "a": 1, "r": -1.0, "s_next": 25, "alpha": 0.5, "gamma": 1.0, "Q_old": -12.0,
              "max_Q_next": -11.0, "target": -12.0, "td_error": 0.0, "Q_new": -12.0}  # fmt: skip
    lines = update_lines("Q(s,a) <- Q(s,a) + alpha [r + gamma max_a' Q(s',a') - Q(s,a)]", backup, "td")
    assert lines[0].startswith("Q(s,a) ← Q(s,a) + α [r + γ max_a'")
    assert "= -1 + 1·(-11) − (-12) = 0" in "\n".join(lines)
    assert lines[-1] == "Q(s,→) ← Q(s,a) + α δ = -12 + 0.5·0 = -12"


def test_dp_backup_written_per_action():
    agent_trainer = Trainer(load_level("small_gridworld"), "value-iteration")
    for _ in range(2):
        agent_trainer.sweep()
    b = agent_trainer.agent.explain(6)
    lines = update_lines(agent_trainer.agent.equation, b, "dp")
    per_action = [line for line in lines if line.strip()[:1] in "↑→↓←"]
    assert len(per_action) == 4
    assert per_action[0].strip() == f"↑  {num(b['r'][0])} + 1·{'(' + num(b['expected_next'][0]) + ')'} = {num(b['q'][0])}"
    assert lines[-2].startswith("V(s) ← max_a q(s,a)") and lines[-2].endswith(f"= {num(b['V_new'])}")


class TickingClock:
    """A perf_counter that moves on by ``tick`` seconds at every reading: time spent is then
    a count of readings, the same on any machine."""

    def __init__(self, tick: float) -> None:
        self.now, self.tick = 0.0, tick

    def perf_counter(self) -> float:
        self.now += self.tick
        return self.now


def test_trainer_stops_at_its_time_budget(monkeypatch):
    """Units run until the budget is spent, one unit at most beyond it: with a clock that
    moves 1 ms per reading and three readings per unit (its start, its end, the budget check),
    a 10 ms budget runs 4 units (3, 6, 9, then 12 ms); a 100 ms one 34."""
    monkeypatch.setattr(training, "time", TickingClock(0.001))
    t = Trainer(load_level("four_rooms"), "q-learning")
    t.playing, t.speed_index = True, 7
    t.budget = 0.010
    assert t.update(1 / 60) == 4
    t.budget = 0.100
    assert t.update(1 / 60) == 34


def test_trainer_rate_at_slow_speeds():
    t = Trainer(load_level("cliff_walking"), "q-learning")
    t.playing, t.speed_index = True, 2  # 5 units a second
    ran = sum(t.update(0.1) for _ in range(20))  # two seconds
    assert ran == 10


def test_one_slow_unit_does_not_move_training_to_the_worker():
    """A garbage collection or a busy machine can make one unit slow; only two in a row (or
    one far beyond a frame) mean the agent's units are slow."""
    t = Trainer(load_level("cliff_walking"), "q-learning")
    t._note_duration(0.2)  # a hiccup
    assert not t.slow
    t._note_duration(0.0001)
    assert not t.slow
    t._note_duration(0.05)
    t._note_duration(0.05)  # two in a row
    assert t.slow
    t._note_duration(0.001)  # one fast unit is not enough to come back ...
    assert t.slow
    t._note_duration(0.001)  # ... two are
    assert not t.slow
    t._note_duration(1.0)  # far beyond any frame: at once
    assert t.slow


CATALOG_SCRIPT = """
import sys
from gridrl.gui import catalog
names = [e.name for e in catalog.catalog()]
assert names[:3] == ["policy-evaluation", "value-iteration", "policy-iteration"], names
assert {e.name for e in catalog.agents_for("bandit")} >= {"epsilon-greedy", "ucb", "thompson"}
assert catalog.default_agent("gridworld") == "q-learning"
print(sorted(m for m in sys.modules if m.split(".")[0] == "torch"))
"""


def test_catalog_lists_without_importing_torch():
    """A fresh process: other tests in this one may have imported torch already."""
    env = dict(os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy")
    proc = subprocess.run([sys.executable, "-c", CATALOG_SCRIPT], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"  # no torch module imported


def test_live_hyperparameters_are_swapped_in():
    t = Trainer(load_level("cliff_walking"), "q-learning")
    for _ in range(50):
        t.step_once()
    Q = t.agent.Q.copy()
    assert "applied from the next unit" in t.apply_params({"alpha": 0.1})
    assert t.agent.config.alpha == 0.1 and np.array_equal(t.agent.Q, Q)
    assert "agent reset" in t.apply_params({"gamma": 0.5})
    assert t.agent.gamma == 0.5 and not t.agent.Q.any()


def test_the_trail_jumps_when_the_agent_falls_off_the_cliff():
    """Cliff Walking: the cliff teleports back to the start. The trail the app draws then
    starts anew at S; no segment of it joins cells that one move does not (no wind here)."""
    t = Trainer(load_level("cliff_walking"), "q-learning")
    cols = t.level.shape[1]
    falls = 0
    for _ in range(2000):
        event = t.advance("step")
        cells = t.trail
        assert cells[-1] == t.agent_state == event.next_state
        for a, b in zip(cells, cells[1:]):
            (r0, c0), (r1, c1) = divmod(a, cols), divmod(b, cols)
            assert abs(r1 - r0) + abs(c1 - c0) <= 1, f"a line from {a} to {b} that no move made"
        if event.reward == -100:
            falls += 1
            assert cells == [36] and t.episode_steps >= 1
    assert falls >= 3


def test_training_budget_is_what_the_frame_has_left():
    """Training gets what is left of the frame's 14 ms after the work done before it (a chart
    render) and the work after it (drawing, measured on the frames before): a frame that
    renders its charts trains less instead of overrunning 16.7 ms."""
    d = TrainingDriver(Trainer(load_level("cliff_walking"), "q-learning"))
    assert d.budget([], 100.0, now=100.0) == FRAME_BUDGET  # nothing measured yet: the whole budget
    d.trainer.train_end = 100.008  # that frame trained until 8 ms, then drew until 15 ms
    budget = d.budget([0.015], 100.020, now=100.024)  # this frame spent 4 ms on its charts first
    assert d.after_training == pytest.approx(0.007)
    assert budget == pytest.approx(FRAME_TARGET - 0.004 - 0.007)
    d.trainer.train_end = 100.0245  # a frame that drew in 1 ms: the 7 ms is forgotten slowly
    d.budget([0.0055], 100.040, now=100.040)
    assert d.after_training == pytest.approx(0.007 * AFTER_DECAY)
    assert d.budget([0.0], 100.060, now=100.075) == MIN_BUDGET  # late already: it still trains a little
