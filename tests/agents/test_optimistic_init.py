"""q_init: optimistic initial values for the tabular control agents (Sutton & Barto §2.6)."""

from __future__ import annotations

import numpy as np
import pytest

from gridrl.agents import make_agent
from gridrl.envs import TabularModel
from gridrl.envs.evaluation import OptimalityCheck
from gridrl.levels import load_level

CONTROL = ["q-learning", "sarsa", "expected-sarsa", "double-q-learning", "n-step-sarsa", "sarsa-lambda",
           "monte-carlo", "dyna-q"]  # fmt: skip


@pytest.mark.parametrize("name", CONTROL)
def test_every_pair_starts_at_q_init_but_walls_and_terminals_at_zero(name):
    level = load_level("dyna_maze")
    model = TabularModel.from_level(level)
    agent = make_agent(name, level, {"q_init": 1.5}, seed=0)
    expected = np.where((model.terminal | model.wall)[:, None], 0.0, 1.5)
    np.testing.assert_array_equal(agent.Q, np.broadcast_to(expected, agent.Q.shape))
    for table in (getattr(agent, "Q1", None), getattr(agent, "Q2", None)):
        if table is not None:
            np.testing.assert_array_equal(table, agent.Q)


def test_greedy_agent_with_optimistic_values_tries_every_action_of_the_start_first():
    """epsilon 0, q_init 1 on a maze paying at most 0.95^13 < 1: each tried action's Q falls
    below 1 (its target is r + gamma * 1 = 0.95 at most), so the first four visits of the
    start try its four actions (the bumps stay in place and come back to it)."""
    agent = make_agent("sarsa", load_level("dyna_maze"), {"q_init": 1.0, "epsilon": 0.0, "alpha": 1.0}, seed=0)
    start = int(np.argmax(agent.env.model.start_distribution))
    tried = set()
    for _ in range(200):
        event = agent.step()
        if event.state == start:
            tried.add(event.action)
        if len(tried) == 4:
            break
    assert tried == {0, 1, 2, 3}


def test_on_dyna_maze_optimism_finds_the_shortest_path_pessimism_often_does_not():
    """Sarsa, seeds 0-4, 10,000 steps, the greedy policy checked every 10 episodes as the
    defaults matrix does: from Q = 1 every seed walks the 14-step optimum (0.95^13), after
    about 4,000-5,000 steps; from Q = 0 (pessimistic: every return is positive) seeds 2, 3
    and 4 never do, their best being 16 or 18 steps."""
    level = load_level("dyna_maze")
    check = OptimalityCheck(TabularModel.from_level(level))

    def best_value(q_init: float, seed: int) -> float:
        agent = make_agent("sarsa", level, {"q_init": q_init}, seed=seed)
        steps, values = 0, []
        while steps < 10_000:
            steps += sum(agent.episode().steps for _ in range(10))
            values.append(check(agent.insight().pi).value)
        return max(values)

    optimistic = [best_value(1.0, seed) for seed in range(5)]
    pessimistic = [best_value(0.0, seed) for seed in range(5)]
    assert optimistic == pytest.approx([0.95**13] * 5, rel=1e-9)
    missed = [v for v in pessimistic if v < 0.95**13 * (1 - 1e-9)]
    assert len(missed) >= 2, pessimistic
    assert all(v <= 0.95**15 * (1 + 1e-9) for v in missed), pessimistic
