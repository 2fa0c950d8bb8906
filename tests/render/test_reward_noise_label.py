"""The board writes a noisy payment with its standard deviation: Example 6.7's B pays "−0.1±1"."""

from __future__ import annotations

from gridrl.render.board import _reward_text


def test_a_noisy_reward_shows_its_standard_deviation():
    assert _reward_text(-0.1, 1.0) == "−0.1±1"
    assert _reward_text(2.0, 0.5) == "+2±0.5"


def test_a_plain_reward_is_written_as_before():
    assert _reward_text(10.0) == "+10"
    assert _reward_text(-100.0, 0.0) == "−100"
