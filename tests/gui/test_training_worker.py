"""Deep agents train in the worker thread from their first unit (never inline on the frame)."""

from __future__ import annotations

import math

import pytest

from gridrl.gui.training import SPEEDS, Trainer
from gridrl.levels import load_level

pytest.importorskip("torch")


def test_a_deep_agent_s_first_unit_runs_in_the_worker():
    """REINFORCE's update can take seconds: even the first must not run on the frame (before,
    the first two ran inline to find out they were slow, freezing the window that long)."""
    t = Trainer(load_level("four_rooms"), "reinforce")
    assert t.slow
    t.playing, t.speed_index = True, len(SPEEDS) - 1
    try:
        assert t.update(1 / 60) == 0 and t.busy and t.units_run == 0
        t.wait()
        assert t.units_run == 1 and not t.busy
    finally:
        t.close()


def test_fast_units_do_not_bring_a_deep_agent_back_to_the_frame():
    t = Trainer(load_level("corridor"), "grpo")
    t._note_duration(0.001)
    t._note_duration(0.001)  # a tabular agent would come back to the frame here
    assert t.slow
    t.close()


def test_rates_count_frames_and_units_over_the_last_seconds():
    t = Trainer(load_level("cliff_walking"), "q-learning")
    assert t.rates() == (0.0, 0.0)
    t.playing, t.speed_index = True, 3  # 10 units a second
    for _ in range(40):  # four seconds at 10 frames a second
        t.update(0.1)
    fps, ups = t.rates()
    assert math.isclose(fps, 10.0) and math.isclose(ups, 10.0)
    t.playing = False
    for _ in range(10):
        t.update(0.1)
    fps, ups = t.rates()
    assert math.isclose(fps, 10.0) and math.isclose(ups, 5.0)  # one second of the two paused
