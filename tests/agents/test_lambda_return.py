"""The offline lambda-return algorithm (§12.1) against the reference of test_prediction.py, the
lambda-return written out as eq. 12.2's (and eq. 12.9's) weighted sum of n-step returns, its
two ends (lambda = 0: offline TD(0); lambda = 1: every-visit constant-alpha Monte Carlo).
test_prediction.py checks that it settles around the true values of the 5-state walk.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from test_prediction import EXAMPLE_6_2, offline_lambda_return, play_episode, walk_with_time_limit

from gridrl.agents import LevelTooLargeError, make_agent
from gridrl.levels import load_level

RIGHT = [0.0, 1.0, 0.0, 0.0]  # pi(.|s) that always steps right: no state visited twice


def random_start(agent, seed: int) -> np.ndarray:
    """V(s) uniform in (-1, 1) on the open cells (the targets then differ from state to state)."""
    agent.V[~agent.inactive] = np.random.default_rng(seed).uniform(-1, 1, int((~agent.inactive).sum()))
    return agent.V.copy()


def weighted_sum_targets(V0, states, rewards, terminated, lam, gamma):
    """G^lambda_t:T = (1 - lambda) sum_{n=1}^{T-t-1} lambda^(n-1) G_t:t+n + lambda^(T-t-1) G_t:T
    (eq. 12.2 with the rest of the weight on the return, eq. 12.3; eq. 12.9 at h = T on a
    truncation, where G_t:T bootstraps from V(S_T)); every G_t:t+n from V0 (eq. 7.1)."""
    T = len(rewards)

    def n_step(t, n):
        tail = 0.0 if (t + n == T and terminated) else gamma**n * V0[states[t + n]]
        return sum(gamma**i * rewards[t + i] for i in range(n)) + tail

    return np.array([(1 - lam) * sum(lam ** (n - 1) * n_step(t, n) for n in range(1, T - t))
                     + lam ** (T - t - 1) * n_step(t, T - t) for t in range(T)])  # fmt: skip


@pytest.mark.parametrize("lam", [0.0, 0.4, 0.9, 1.0])
@pytest.mark.parametrize("alpha", [0.05, 0.6])
def test_matches_the_reference_offline_lambda_return(lam, alpha):
    """20 recorded episodes on the 19-state walk from a random V, each against the reference
    function: measured identical to the last bit; 1e-12 leaves rounding room."""
    agent = make_agent("lambda-return", load_level("random_walk_19"),
                       {"policy": "moves", "alpha": alpha, "lam": lam}, seed=1)  # fmt: skip
    random_start(agent, seed=2)
    moved = 0.0
    for _ in range(20):
        V0 = agent.V.copy()
        states, rewards = play_episode(agent)
        np.testing.assert_allclose(agent.V, offline_lambda_return(V0, states, rewards, alpha, lam), rtol=0, atol=1e-12)
        moved = max(moved, np.abs(agent.V - V0).max())
    assert moved > 0.01


@pytest.mark.parametrize("lam", [0.0, 0.5, 0.9, 1.0])
def test_backward_recursion_is_the_weighted_sum_of_n_step_returns(lam):
    """Lines 6-9's recursion against eqs. 12.2-12.3 summed term by term, with gamma = 0.9, on
    a walk cut at 8 steps: terminations and truncations (bootstrapping from V(S_T)) both."""
    level = walk_with_time_limit(8)
    agent = make_agent("lambda-return", level, {**EXAMPLE_6_2, "alpha": 0.3, "lam": lam, "gamma": 0.9}, seed=4)
    random_start(agent, seed=5)
    ends = {True: 0, False: 0}
    for _ in range(30):
        V0, states, rewards = agent.V.copy(), [], []
        while True:
            event = agent.step()
            states.append(event.state), rewards.append(event.reward)
            if event.done:
                break
        terminated = bool(agent.env.model.terminal[event.next_state])
        ends[terminated] += 1
        targets = [u["target"] for u in event.backup["updates"]]
        expected = weighted_sum_targets(V0, [*states, event.next_state], rewards, terminated, lam, 0.9)
        np.testing.assert_allclose(targets, expected, rtol=0, atol=1e-12)
    assert ends[True] >= 5 and ends[False] >= 5, ends


def test_V_is_held_fixed_until_the_episode_ends():
    agent = make_agent("lambda-return", load_level("random_walk_19"), {"policy": "moves", "alpha": 0.5}, seed=0)
    V0 = random_start(agent, seed=0)
    while True:
        event = agent.step()
        if event.done:
            break
        assert event.changed.size == 0
        np.testing.assert_array_equal(agent.V, V0)
    T = event.backup["T"]
    assert T == len(event.backup["updates"]) > 10
    assert [u["t"] for u in event.backup["updates"]] == list(range(T))  # eq. 12.4 in order t = 0 ... T-1
    assert event.changed.tolist() == sorted({u["s"] for u in event.backup["updates"]})


# --------------------------------------------------------------------------- the two ends of lambda


def test_lambda_0_is_td0_when_no_state_repeats():
    """Always stepping right, S_t+1 has not been updated yet when online TD(0) bootstraps
    from it, so offline TD(0) (V held fixed) makes the same updates: the same V after every
    episode, to the last bit."""
    level = load_level("random_walk_19")
    agent = make_agent("lambda-return", level, {"policy": "moves", "alpha": 0.5, "lam": 0.0}, seed=3)
    td = make_agent("td-prediction", level, {"policy": "moves", "alpha": 0.5}, seed=3)
    for learner in (agent, td):
        learner.pi[1:-1] = RIGHT
        random_start(learner, seed=6)
    for _ in range(5):
        agent.episode(), td.episode()
        np.testing.assert_array_equal(agent.V, td.V)


def test_lambda_0_is_offline_td0_not_online_td0():
    """On the walk states repeat: lambda = 0 bootstraps from V(S_t+1) as the episode began
    (R_t+1 + gamma V_start(S_t+1), all updates at its end), online TD(0) from V as updated.
    Same seed, the same 26-step episode, alpha 0.5: measured 0.34 apart after it."""
    level = load_level("random_walk_19")
    agent = make_agent("lambda-return", level, {"policy": "moves", "alpha": 0.5, "lam": 0.0}, seed=8)
    td = make_agent("td-prediction", level, {"policy": "moves", "alpha": 0.5}, seed=8)
    V0 = random_start(agent, seed=9)
    td.V[:] = V0
    states, rewards = play_episode(agent)
    td.episode()
    offline_td0 = V0.copy()
    for t, r in enumerate(rewards):
        offline_td0[states[t]] += 0.5 * (r + V0[states[t + 1]] - offline_td0[states[t]])  # V0(terminal) = 0
    np.testing.assert_allclose(agent.V, offline_td0, rtol=0, atol=1e-12)
    assert np.abs(agent.V - td.V).max() > 0.1


@pytest.mark.parametrize("level", ["random_walk_5", "random_walk_19"])
def test_lambda_1_is_every_visit_constant_alpha_mc(level):
    """G^1_t is the return G_t. On the walks (gamma = 1, only the exit pays) every return of an
    episode is the same, so mc-prediction's backward order of the updates gives the same V:
    equal to the last bit over 100 episodes with the same seed."""
    common = {**EXAMPLE_6_2, "alpha": 0.1}
    agent = make_agent("lambda-return", load_level(level), {**common, "lam": 1.0}, seed=7)
    mc = make_agent("mc-prediction", load_level(level), {**common, "visits": "every"}, seed=7)
    for _ in range(100):
        agent.episode(), mc.episode()
        np.testing.assert_array_equal(agent.V, mc.V)


# --------------------------------------------------------------------------- bad input


def test_an_episode_too_long_to_hold_is_refused_with_td_lambda_suggested():
    level = load_level("random_walk_19")
    level = dataclasses.replace(level, dynamics=dataclasses.replace(level.dynamics, max_steps=2**24))
    with pytest.raises(LevelTooLargeError, match="lambda-return holds each episode.*use td-lambda"):
        make_agent("lambda-return", level)
