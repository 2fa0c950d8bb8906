"""A fast, deterministic slice of bench/defaults_matrix.py: a unit budget, not a clock."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "bench" / "defaults_matrix.py"


@pytest.fixture(scope="module")
def matrix():
    spec = importlib.util.spec_from_file_location("defaults_matrix", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def job(matrix, agent: str, level: str, max_steps: int):
    return matrix.Job(agent, level, seed=0, cap=0.0, check_every=0.0, recommended=False,
                      check_units=10, max_steps=max_steps)  # fmt: skip


@pytest.mark.parametrize(("agent", "level"), [("q-learning", "cliff_walking"), ("q-learning", "corridor"),
                                              ("expected-sarsa", "four_rooms")])  # fmt: skip
def test_default_tabular_agents_find_the_optimal_policy(matrix, agent, level):
    result = matrix.run(job(matrix, agent, level, max_steps=60_000))
    assert result.solved, result.score
    assert "gap +0.0%" in result.score and result.steps < 60_000


def test_a_budget_too_small_is_reported_unsolved_with_its_gap(matrix):
    result = matrix.run(job(matrix, "q-learning", "cliff_walking", max_steps=300))
    assert not result.solved and result.steps >= 300
    assert "vs v* -13" in result.score


def test_bandit_scores_regret_against_each_runs_own_means(matrix):
    """UCB on the 10-armed testbed: Figure 2.4's ~85% optimal after 1000 pulls, and the regret
    per pull is positive (each run's mu* is its own; run 0's alone gave negative regrets)."""
    result = matrix.run(job(matrix, "ucb", "ten_armed_testbed", max_steps=0))
    fraction = float(result.score.split("%")[0]) / 100
    regret = float(result.score.split("regret ")[1].split("/")[0])
    assert 0.75 <= fraction <= 0.95 and result.solved
    assert 0.0 < regret < 0.5


def test_table_lists_solved_over_total_with_medians(matrix):
    results = [matrix.Result("q-learning", "corridor", s, s != 2, 0.5 + s, 100 * (s + 1), "") for s in range(3)]
    text = matrix.table(results, ["q-learning"], ["corridor"])
    assert "| q-learning | 2/3 1.0s 150 |" in text
    assert "2/3 runs solved." in text
