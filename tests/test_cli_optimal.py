"""`gridrl train` says when the greedy policy became optimal on the level's exact model."""

from __future__ import annotations

import re

from gridrl.cli import main
from gridrl.session import OptimalityWatch, Session


def train(capsys, *argv: str) -> str:
    assert main(["train", *argv, "--quiet"]) == 0
    return capsys.readouterr().out


def optimal_after(out: str) -> int:
    return int(re.search(r"greedy policy optimal after ([\d,]+) steps", out).group(1).replace(",", ""))


def test_q_learning_on_the_cliff_reports_when_it_became_optimal(capsys):
    out = train(capsys, "cliff_walking", "--agent", "q-learning")
    steps = optimal_after(out)
    assert 0 < steps < int(re.search(r"ran 500 episodes: ([\d,]+) environment steps", out).group(1).replace(",", ""))
    assert optimal_after(train(capsys, "cliff_walking", "--agent", "q-learning")) == steps  # same seed, same N


def test_until_optimal_stops_at_the_first_optimal_check(capsys):
    full = train(capsys, "cliff_walking", "--agent", "q-learning")
    out = train(capsys, "cliff_walking", "--agent", "q-learning", "--episodes", "5000", "--until-optimal")
    ran = re.search(r"ran (\d+) episodes: ([\d,]+) environment steps", out)
    assert int(ran.group(1)) < 500
    assert int(ran.group(2).replace(",", "")) == optimal_after(out) == optimal_after(full)


def test_sarsa_keeps_the_safe_path_and_the_gap_is_stated(capsys):
    """Figure 6.4: with epsilon = 0.1 (the plain defaults, not the level's recommended
    settings) Sarsa's greedy path keeps away from the cliff."""
    out = train(capsys, "cliff_walking", "--agent", "sarsa", "--defaults")
    line = next(line for line in out.splitlines() if "greedy policy" in line)
    value = float(re.search(r"value at the start is (-?[\d.]+)", line).group(1))
    assert "not optimal" in line and "v* is -13" in line and value in (-15.0, -17.0)


def test_bandits_have_no_optimality_line(capsys):
    assert "greedy policy" not in train(capsys, "bernoulli_3", "--agent", "ucb", "--steps", "50")


def test_checks_come_at_every_unit_then_every_five_percent():
    """20 ln(n)-ish checks: units 1..20, then each at least 5% after the last."""
    watch = OptimalityWatch(Session("corridor", "q-learning"))
    checked = []
    for units in range(1, 1001):
        before = watch.last
        watch(units, 0.0)
        if watch.last is not before:
            checked.append(units)
    assert checked[:20] == list(range(1, 21))
    assert all(b >= a * 1.05 for a, b in zip(checked[20:], checked[21:]))
    assert 80 <= len(checked) <= 20 + 85  # ln(1000 / 20) / ln(1.05) = 80.2
