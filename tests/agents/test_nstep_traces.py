"""n-step Sarsa (§7.2) and Sarsa(lambda) (§12.7) against Sarsa and hand-computed numbers.

n = 1 and lambda = 0 are Sarsa to the last bit, step for step with the same seed (on a cliff
with a time limit, so terminations and truncations both happen). A 3-step return and a
decaying trace (gamma lambda)^k are worked out by hand on short corridors.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_td import CUT, REACHED, level_from_text, scripted

from gridrl.agents import HyperparameterError, make_agent
from gridrl.levels import load_level

UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3


def cliff_with_time_limit(max_steps: int = 40):
    """Cliff Walking cut at ``max_steps``: episodes end by falling, reaching the goal, or time."""
    level = load_level("cliff_walking")
    return dataclasses.replace(level, dynamics=dataclasses.replace(level.dynamics, max_steps=max_steps))


@pytest.mark.parametrize(
    ("name", "params"),
    [("n-step-sarsa", {"n": 1}), ("sarsa-lambda", {"lam": 0.0, "trace": "replacing"}),
     ("sarsa-lambda", {"lam": 0.0, "trace": "accumulating"})],
)  # fmt: skip
def test_one_step_limit_is_sarsa_update_for_update(name, params):
    level = cliff_with_time_limit()
    agent, sarsa = make_agent(name, level, params, seed=3), make_agent("sarsa", level, seed=3)
    ends = {"terminated": 0, "truncated": 0}
    for t in range(4000):
        event, expected = agent.step(), sarsa.step()
        assert (event.state, event.action, event.reward, event.done) == (
            expected.state, expected.action, expected.reward, expected.done), f"step {t}"  # fmt: skip
        assert np.array_equal(agent.Q, sarsa.Q), f"step {t}: Q differs"
        if event.done:
            ends["terminated" if agent.env.model.terminal[event.next_state] else "truncated"] += 1
    assert ends["terminated"] >= 10 and ends["truncated"] >= 10, ends
    assert np.abs(sarsa.Q).sum() > 100  # it learnt something


# --------------------------------------------------------------------------- n-step Sarsa

TINY = """
    kind: gridworld
    name: tiny corridor
    layout: |
      S...G
    legend:
      G: {reward: 10}
    dynamics:
      gamma: 0.9
      step_reward: -1
"""


def right_preferring(name: str, text: str, params: dict, right: list[float] | float):
    """Epsilon 0, Q(., RIGHT) = ``right`` and -5 elsewhere: the greedy policy walks right."""
    agent = make_agent(name, level_from_text(text), {"epsilon": 0.0, "alpha": 0.5, **params}, seed=0)
    agent.Q[:] = -5.0
    agent.Q[:, RIGHT] = right
    return agent


def test_three_step_returns_on_a_corridor():
    """S...G, rewards -1, -1, -1, then 9 (step -1, goal +10), gamma 0.9, alpha 0.5, n = 3, and
    Q(s, RIGHT) = 1, 2, 3, 4 (100 on the terminal cell, which must never be bootstrapped from).
    Nothing is updated for two steps; the third updates tau = 0 with
        G_0:3 = -1 - 0.9 - 0.81 + 0.729 Q(S_3, A_3) = 0.206,  Q <- 1 + 0.5 (0.206 - 1) = 0.603;
    the goal step updates tau = 1, 2, 3 with the returns cut at T = 4: 5.39, 7.1 and 9."""
    agent = right_preferring("n-step-sarsa", TINY, {"n": 3}, [1.0, 2.0, 3.0, 4.0, 100.0])
    events = [agent.step() for _ in range(4)]
    assert [e.reward for e in events] == [-1.0, -1.0, -1.0, 9.0] and events[-1].done
    assert [e.changed.tolist() for e in events] == [[], [], [0], [1, 2, 3]]
    assert events[2].backup["target"] == pytest.approx(-1 - 0.9 - 0.81 + 0.729 * 4.0)
    G = {0: -1 - 0.9 - 0.81 + 0.729 * 4.0, 1: -1 - 0.9 + 0.81 * 9, 2: -1 + 0.9 * 9, 3: 9.0}
    for s, q_old in enumerate([1.0, 2.0, 3.0, 4.0]):
        assert agent.Q[s, RIGHT] == pytest.approx(q_old + 0.5 * (G[s] - q_old)), f"state {s}"
    assert agent.Q[0, RIGHT] == pytest.approx(0.603)
    assert events[-1].backup["updates_this_step"] == 3 and events[-1].backup["target"] == 9.0
    assert len(agent.store) == 0


def test_n_step_truncation_bootstraps_from_the_last_state():
    """Cut after 2 steps (S'= cell 2, not terminal), n = 3: both updates still due bootstrap
    from Q(S_2, A_2) = 5: G_0 = -1 - 0.9 + 0.81 * 5 and G_1 = -1 + 0.9 * 5."""
    agent = right_preferring("n-step-sarsa", CUT, {"n": 3}, 5.0)
    agent.step()
    event = agent.step()
    assert event.done and not agent.env.model.terminal[event.next_state]
    assert agent.Q[0, RIGHT] == pytest.approx(5 + 0.5 * (-1 - 0.9 + 0.81 * 5 - 5))
    assert agent.Q[1, RIGHT] == pytest.approx(5 + 0.5 * (-1 + 0.9 * 5 - 5))


def test_lowering_n_mid_episode_makes_the_updates_now_due():
    """n = 4 holds three steps unupdated; n lowered to 1 live makes all four due at the next
    step, each a one-step Sarsa update bootstrapping from the next stored pair."""
    agent = right_preferring("n-step-sarsa", TINY.replace("S...G", "S......G"), {"n": 4}, 5.0)
    for _ in range(3):
        assert agent.step().changed.size == 0
    agent.config = dataclasses.replace(agent.config, n=1)
    event = agent.step()
    assert event.changed.tolist() == [0, 1, 2, 3] and len(agent.store) == 0
    assert agent.Q[0, RIGHT] == pytest.approx(5 + 0.5 * (-1 + 0.9 * 5 - 5))


def test_n_must_be_a_whole_number_from_one():
    with pytest.raises(HyperparameterError, match="n must be a whole number >= 1"):
        make_agent("n-step-sarsa", load_level("corridor"), {"n": 0})


# --------------------------------------------------------------------------- Sarsa(lambda)


@pytest.mark.parametrize("trace", ["accumulating", "replacing", "clearing"])
def test_traces_decay_by_gamma_lambda_per_step(trace):
    """Corridor (rewards 0, goal +1, gamma 0.9), lambda 0.8, g = gamma lambda = 0.72; actions
    LEFT, LEFT (bumps: the pair (S, LEFT) twice), then RIGHT x 8 to the goal. After step t a
    visit at step t' adds g^(t - t' + 1) to its pair's trace (accumulating), or sets it to that
    (replacing: the last visit counts; clearing: and S's other actions go to 0, so RIGHT from S
    clears LEFT's). Every delta is 0 until the goal's delta = 1, which moves each pair by
    alpha z with z before the last decay: Q(i, RIGHT) = 0.5 g^(7-i), and Q(S, LEFT) =
    0.5 (g^9 + g^8) accumulating, 0.5 g^8 replacing, 0 clearing."""
    g = 0.9 * 0.8
    agent = make_agent("sarsa-lambda", load_level("corridor"), {"lam": 0.8, "trace": trace, "alpha": 0.5}, seed=0)
    visits = [(0, LEFT), (0, LEFT)] + [(i, RIGHT) for i in range(8)]
    scripted(agent, [a for _, a in visits])
    for t in range(9):
        agent.step()
        z = agent.insight().extras["traces"]
        assert z.shape == (agent.n_states, 4)
        expected = np.zeros_like(z)
        for t_visit, pair in enumerate(visits[: t + 1]):
            decayed = g ** (t - t_visit + 1)
            if trace == "clearing":
                expected[pair[0]] = 0.0
            expected[pair] = expected[pair] + decayed if trace == "accumulating" else decayed
        np.testing.assert_allclose(z, expected, rtol=1e-12, atol=0)
        assert not agent.Q.any()
    event = agent.step()
    assert event.done and event.td_error == 1.0 and event.changed.tolist() == list(range(8))
    for i in range(8):
        assert agent.Q[i, RIGHT] == pytest.approx(0.5 * g ** (7 - i), rel=1e-12)
    first = {"accumulating": g**9 + g**8, "replacing": g**8, "clearing": 0.0}[trace]
    assert agent.Q[0, LEFT] == pytest.approx(0.5 * first, rel=1e-12)
    assert np.count_nonzero(agent.Q) == (8 if trace == "clearing" else 9)


@pytest.mark.parametrize(("text", "last_delta"), [(CUT, -1 + 0.9 * 5 - 5), (REACHED, 1 - 5)],
                         ids=["truncated", "terminated"])
def test_sarsa_lambda_truncation_bootstraps_termination_does_not(text, last_delta):
    """lambda 0.5, Q(., RIGHT) = 5: step 1's delta = -0.5 (CUT: -1.5), Q(S_0) moves by alpha delta.
    Step 2 cut by the time limit bootstraps from Q(S_2, A_2) = 5; reaching G (reward 1) does not,
    though Q(G, RIGHT) = 5 too. Its delta reaches (S_0, RIGHT) through z = gamma lambda = 0.45."""
    agent = right_preferring("sarsa-lambda", text, {"lam": 0.5}, 5.0)
    first = agent.step().td_error
    event = agent.step()
    assert event.done and event.td_error == pytest.approx(last_delta)
    assert agent.Q[1, RIGHT] == pytest.approx(5 + 0.5 * last_delta)
    assert agent.Q[0, RIGHT] == pytest.approx(5 + 0.5 * first + 0.5 * last_delta * 0.45)


def test_trace_floor_cuts_a_decayed_trace_to_zero():
    """lambda 0.5, gamma 0.9: the first pair's trace is 0.45, 0.2025, then 0.091 < the floor 0.1,
    set to 0 and no longer updated; with floor 0 (the book) it stays 0.45^k."""
    for floor, third in ((0.1, 0.0), (0.0, 0.45**3)):
        agent = make_agent("sarsa-lambda", load_level("corridor"), {"lam": 0.5, "trace_floor": floor,
                                                                    "trace": "replacing"}, seed=0)  # fmt: skip
        scripted(agent, [LEFT, UP, RIGHT])
        for k, expected in enumerate([0.45, 0.45**2, third]):
            agent.step()
            assert agent.z[0, LEFT] == pytest.approx(expected, abs=0), (floor, k)
        assert sorted(agent.active // 4) == ([0, 0] if floor else [0, 0, 0])
