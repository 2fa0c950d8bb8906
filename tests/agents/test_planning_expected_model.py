"""Dyna's ``expected`` model (Sutton & Barto §8.4-8.5): counts of every outcome, expected updates.

On a deterministic level it is the book's last-outcome model; on slippery ice its simulated
target is sum_s' p_hat(s'|s,a) (r_hat + gamma max_a Q(s', a)) with p_hat the observed
frequencies, checked by hand from the real steps the agent took.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pytest

from gridrl.agents import make_agent
from gridrl.levels import load_level


def steps(agent, n: int) -> list:
    return [agent.step() for _ in range(n)]


@pytest.mark.parametrize("name", ["dyna-q", "dyna-q-plus", "prioritized-sweeping"])
def test_on_a_deterministic_level_the_expected_model_plans_as_the_last_outcome_model(name):
    level = load_level("dyna_maze")
    last = make_agent(name, level, {"model": "last"}, seed=2)
    expected = make_agent(name, level, {"model": "expected"}, seed=2)
    path_last = [(e.state, e.action) for e in steps(last, 1500)]
    assert path_last == [(e.state, e.action) for e in steps(expected, 1500)]
    np.testing.assert_allclose(expected.Q, last.Q, rtol=0, atol=1e-12)


def test_the_simulated_target_is_the_expected_update_over_observed_frequencies():
    level = load_level("frozen_lake_4x4")
    agent = make_agent("dyna-q", level, {"model": "expected", "planning_steps": 3}, seed=0)
    seen: dict[tuple[int, int], Counter] = defaultdict(Counter)
    rewards: dict[tuple[int, int, int], list[float]] = defaultdict(list)
    ended: dict[tuple[int, int, int], bool] = {}
    for e in steps(agent, 2500):
        seen[(e.state, e.action)][e.next_state] += 1
        rewards[(e.state, e.action, e.next_state)].append(e.reward)
        ended[(e.state, e.action, e.next_state)] = bool(agent.env.model.terminal[e.next_state])
    many = [pair for pair, c in seen.items() if len(c) == 3]  # slippery: three outcomes seen
    assert len(many) >= 5
    gamma = agent.gamma
    for s, a in many:
        n = sum(seen[(s, a)].values())
        target = sum(count / n * (np.mean(rewards[(s, a, s2)])
                                  + gamma * (0.0 if ended[(s, a, s2)] else agent.Q[s2].max()))
                     for s2, count in seen[(s, a)].items())  # fmt: skip
        r, likeliest, max_next = agent.simulated(s, a)
        assert r + gamma * max_next == pytest.approx(target, abs=1e-12)
        assert seen[(s, a)][likeliest] == max(seen[(s, a)].values())
        assert agent.outcome_count[s, a].sum() == n


def test_prioritized_sweeping_queues_every_counted_predecessor():
    agent = make_agent("prioritized-sweeping", load_level("frozen_lake_4x4"), {"model": "expected"}, seed=1)
    predecessors: dict[int, set] = defaultdict(set)
    for e in steps(agent, 1000):
        predecessors[e.next_state].add((e.state, e.action))
    for s, pairs in predecessors.items():
        assert pairs == set(agent.predecessors(s))


def test_a_restored_agent_plans_from_the_restored_counts():
    level = load_level("frozen_lake_4x4")
    agent = make_agent("dyna-q", level, {"model": "expected"}, seed=4)
    steps(agent, 1000)
    fresh = make_agent("dyna-q", level, {"model": "expected"}, seed=4)
    fresh.load_state_dict(agent.state_dict())
    for s, a in zip(*np.nonzero(agent.outcome_count.any(axis=2))):
        assert fresh.simulated(int(s), int(a)) == agent.simulated(int(s), int(a))


def test_a_forgotten_cell_plans_from_its_new_outcomes_alone():
    """forget() (the cell became a wall) drops its counts and rewards: if it is floor again,
    the first new outcome is the whole model there, r_hat its reward alone."""
    agent = make_agent("dyna-q", load_level("frozen_lake_4x4"), {"model": "expected"}, seed=0)
    steps(agent, 2000)
    paid = (agent.outcome_reward.sum(axis=2) > 0) & ((agent.outcome_count > 0).sum(axis=2) >= 2)
    s, a = next((int(x), int(y)) for x, y in zip(*np.nonzero(paid)))  # an outcome reached the goal
    cells = np.zeros(agent.n_states, dtype=bool)
    cells[s] = True
    agent.forget(cells)
    agent.count_outcome(s, a, 0.5, s, False)
    r, likeliest, _ = agent.simulated(s, a)
    assert (r, likeliest) == (0.5, s)
