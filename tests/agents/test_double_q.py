"""Double Q-learning (Sutton & Barto §6.7): one table picks the action, the other values it.

A hand-built case where the two tables' greedy actions differ shows which value each update
uses; the coin is fair; the time limit bootstraps; and on Four Rooms the greedy policy of
(Q1 + Q2) / 2 is exactly optimal, checked on the level's model.
"""

from __future__ import annotations

import numpy as np
import pytest
from test_td import CUT, REACHED, level_from_text

from gridrl.agents import make_agent
from gridrl.envs import TabularModel
from gridrl.envs.evaluation import OptimalityCheck
from gridrl.levels import load_level

UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3

TWO_TABLES = """
    kind: gridworld
    name: two tables
    layout: |
      S..G
    dynamics:
      gamma: 0.9
"""


def agent_with_tables(text: str, Q1: dict, Q2: dict, seed: int = 0):
    """Epsilon 0, alpha 0.5, with rows of Q1 and Q2 set by hand and Q = (Q1 + Q2) / 2."""
    agent = make_agent("double-q-learning", level_from_text(text), {"epsilon": 0.0, "alpha": 0.5}, seed=seed)
    for table, rows in ((agent.Q1, Q1), (agent.Q2, Q2)):
        for s, row in rows.items():
            table[s] = row
    agent.Q[:] = (agent.Q1 + agent.Q2) / 2
    return agent


def test_each_table_is_valued_by_the_other_at_its_own_argmax():
    """At S' = cell 1, Q1 prefers RIGHT (3 vs 0) and Q2 prefers UP (7 vs 1). From S = 0 the
    agent goes RIGHT (reward 0). Updating Q1: target 0.9 Q2(1, RIGHT) = 0.9 (Q-learning on Q1
    would take 0.9 * 3, on the average 0.9 * 3.5); updating Q2: target 0.9 Q1(1, UP) = 0.
    Q(0, RIGHT) = 2 in both tables before; alpha 0.5."""
    expected = {"Q1": (0.9, 2 + 0.5 * (0.9 - 2)), "Q2": (0.0, 2 + 0.5 * (0.0 - 2))}
    seen = set()
    for seed in range(10):
        agent = agent_with_tables(TWO_TABLES, {0: [0, 2, 0, 0], 1: [0, 3, 0, 0]},
                                  {0: [0, 2, 0, 0], 1: [7, 1, 0, 0]}, seed)  # fmt: skip
        event = agent.step()
        table = event.backup["table"]
        seen.add(table)
        assert (event.state, event.action, event.next_state, event.reward) == (0, RIGHT, 1, 0.0)
        target, q_new = expected[table]
        assert event.backup["target"] == pytest.approx(target)
        assert event.backup["a_star"] == (RIGHT if table == "Q1" else UP)
        updated, untouched = (agent.Q1, agent.Q2) if table == "Q1" else (agent.Q2, agent.Q1)
        assert updated[0, RIGHT] == pytest.approx(q_new) and untouched[0, RIGHT] == 2.0
        assert agent.Q[0, RIGHT] == pytest.approx((q_new + 2.0) / 2)
        assert agent.insight().Q[0, RIGHT] == pytest.approx((q_new + 2.0) / 2)
    assert seen == {"Q1", "Q2"}


def test_the_coin_is_fair():
    agent = make_agent("double-q-learning", load_level("four_rooms"), seed=0)
    tables = [agent.step().backup["table"] for _ in range(4000)]
    assert 0.46 <= tables.count("Q1") / len(tables) <= 0.54


@pytest.mark.parametrize(("text", "target"), [(CUT, -1 + 0.9 * 5), (REACHED, 1.0)],
                         ids=["truncated", "terminated"])
def test_truncation_bootstraps_termination_does_not(text, target):
    """Both tables 5 on RIGHT everywhere (the terminal cell too): the second step, cut by the
    time limit, targets -1 + 0.9 * 5; the one entering G targets its reward 1 alone."""
    agent = agent_with_tables(text, {}, {})
    for table in (agent.Q1, agent.Q2, agent.Q):
        table[:, RIGHT] = 5.0
    agent.step()
    event = agent.step()
    assert event.done and event.backup["target"] == pytest.approx(target)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_four_rooms_greedy_policy_is_optimal(seed):
    """Defaults (alpha 0.5, epsilon 0.5), 300 episodes: the greedy policy of (Q1 + Q2) / 2 is
    worth exactly v* from the start on the exact model (solved by episode 150-200 measured at epsilon 0.1)."""
    level = load_level("four_rooms")
    agent = make_agent("double-q-learning", level, seed=seed)
    for _ in range(300):
        agent.episode()
    result = OptimalityCheck(TabularModel.from_level(level))(agent.insight().pi)
    assert result.solved and result.value == pytest.approx(result.optimal, abs=1e-12), result
    np.testing.assert_array_equal(agent.Q, (agent.Q1 + agent.Q2) / 2)
