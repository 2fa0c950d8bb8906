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


def test_on_dyna_maze_optimism_finds_the_shortest_path_pessimism_does_not():
    """Sarsa, seed 0, 10,000 steps, the greedy policy checked every 10 episodes as the defaults
    matrix does: from Q = 0 (pessimistic: every return is positive) it never walks the 14-step
    optimum (its best is 16 steps, 0.95^15); from Q = 1 it does, after about 5,000 steps."""
    level = load_level("dyna_maze")
    check = OptimalityCheck(TabularModel.from_level(level))
    best = {}
    for q_init in (0.0, 1.0):
        agent = make_agent("sarsa", level, {"q_init": q_init}, seed=0)
        steps, values = 0, []
        while steps < 10_000:
            steps += sum(agent.episode().steps for _ in range(10))
            values.append(check(agent.insight().pi).value)
        best[q_init] = max(values)
    assert best[1.0] == pytest.approx(0.95**13, rel=1e-9)
    assert best[0.0] == pytest.approx(0.95**15, rel=1e-9)


@pytest.mark.parametrize("value", ["nan", "inf", "high"])
def test_q_init_must_be_a_finite_number(value):
    from gridrl.agents import HyperparameterError

    with pytest.raises(HyperparameterError, match="q_init must be a number"):
        make_agent("sarsa", load_level("corridor"), {"q_init": value})
