"""The prediction agents (TD(0), MC, n-step TD, TD(lambda)) against the book's random walks.

The true values are known in closed form (Example 6.2: 1/6 ... 5/6; Example 7.1: -18/20 ...
18/20), and policy evaluation computes the same v_pi from the model. n = 1 and lambda = 0 are
TD(0) update for update with the same seed; true online TD(lambda) is checked against the
offline lambda-return algorithm (§12.1, to first order in alpha) and the online one (§12.4,
exactly). Figure 6.2's ordering of TD(0) and constant-alpha MC is checked over 20 seeds.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

from gridrl.agents import HyperparameterError, make_agent
from gridrl.levels import load_level

WALK5 = np.arange(1, 6) / 6  # Example 6.2: P(right exit) from A ... E
WALK19 = np.arange(-18, 19, 2) / 20  # Example 7.1
EXAMPLE_6_2 = {"policy": "moves", "v0": 0.5}


def walk_with_time_limit(max_steps: int = 8):
    """The 5-state walk cut at ``max_steps``: episodes end at either exit or by time."""
    level = load_level("random_walk_5")
    return dataclasses.replace(level, dynamics=dataclasses.replace(level.dynamics, max_steps=max_steps))


def rms_errors(name: str, params: dict, seed: int, episodes: int) -> np.ndarray:
    """RMS error over A-E after each episode, as Figure 6.2 plots it."""
    agent = make_agent(name, load_level("random_walk_5"), {**EXAMPLE_6_2, **params}, seed=seed)
    errors = []
    for _ in range(episodes):
        agent.episode()
        errors.append(np.sqrt(np.mean((agent.V[1:6] - WALK5) ** 2)))
    return np.array(errors)


def play_episode(agent) -> tuple[list[int], list[float]]:
    """One episode step by step: S_0 ... S_T and R_1 ... R_T."""
    states, rewards = [], []
    while True:
        event = agent.step()
        states.append(event.state)
        rewards.append(event.reward)
        if event.done:
            return [*states, event.next_state], rewards


# --------------------------------------------------------------------------- the true v_pi


@pytest.mark.parametrize("policy", ["moves", "uniform"])
@pytest.mark.parametrize(("level", "true"), [("random_walk_5", WALK5), ("random_walk_19", WALK19)])
def test_policy_evaluation_gives_the_closed_form(level, true, policy):
    """With gamma = 1 the value is the chance of each exit (times its reward): bumping into the
    top or bottom edge (``uniform``) only slows the walk, so both policies give the book's values."""
    dp = make_agent("policy-evaluation", load_level(level), {"policy": policy, "theta": 1e-13})
    dp.episode()
    V = dp.insight().V
    np.testing.assert_allclose(V[1:-1], true, rtol=0, atol=1e-9)
    assert V[0] == V[-1] == 0.0


def test_moves_is_the_books_random_walk():
    """Left or right with probability 1/2 in every state of the corridor; nothing else."""
    pi = make_agent("td-prediction", load_level("random_walk_19"), {"policy": "moves"}).insight().pi
    np.testing.assert_array_equal(pi[1:-1], np.tile([0.0, 0.5, 0.0, 0.5], (19, 1)))


@pytest.mark.parametrize("name", ["td-prediction", "mc-prediction", "n-step-td", "td-lambda"])
def test_insight_is_the_estimate_and_the_policy(name):
    agent = make_agent(name, load_level("random_walk_5"), {**EXAMPLE_6_2, "v0": 0.25}, seed=0)
    insight = agent.insight()
    np.testing.assert_array_equal(insight.V, [0, 0.25, 0.25, 0.25, 0.25, 0.25, 0])
    assert np.isnan(insight.Q).all() and insight.pi[3].tolist() == [0.0, 0.5, 0.0, 0.5]


# --------------------------------------------------------------------------- convergence


@pytest.mark.parametrize(("name", "params"), [("td-prediction", {"alpha": 0.05}),
                                              ("mc-prediction", {"alpha": 0.02, "visits": "every"}),
                                              ("lambda-return", {"alpha": 0.05, "lam": 0.8})])  # fmt: skip
def test_constant_alpha_estimates_settle_around_the_true_values(name, params):
    """V averaged over episodes 300-1000 and 8 seeds. Measured (10 seeds): TD's mean is off by
    up to 0.016 (constant-alpha TD's O(alpha) bias: V_t correlates with where the walk is),
    seed spread 0.015 (standard error 0.005); MC's is off by up to 0.009, spread 0.033 (standard
    error 0.011); the offline lambda-return's (lambda 0.8) by up to 0.013, spread 0.021
    (standard error 0.007). 0.03 holds all three with room; staying at the initial 0.5 is off
    by 0.33."""
    level = load_level("random_walk_5")
    means = []
    for seed in range(8):
        agent = make_agent(name, level, {**EXAMPLE_6_2, **params}, seed=seed)
        for _ in range(300):
            agent.episode()
        tail = []
        for _ in range(700):
            agent.episode()
            tail.append(agent.V[1:6].copy())
        means.append(np.mean(tail, axis=0))
    np.testing.assert_allclose(np.mean(means, axis=0), WALK5, rtol=0, atol=0.03)


def test_sample_average_mc_is_the_mean_of_the_returns():
    """Line 10: after k first visits V(s) is the mean of k returns of 0 or 1 (v0 forgotten)."""
    agent = make_agent("mc-prediction", load_level("random_walk_5"), EXAMPLE_6_2, seed=4)
    wins = 0
    for k in range(1, 51):
        event = agent.episode()
        wins += event.reward == 1.0
        assert agent.V[3] == pytest.approx(wins / k, abs=1e-12)  # C, the start: one first visit each
    assert agent.N[3] == 50


def test_figure_6_2_td_beats_constant_alpha_mc_after_100_episodes():
    """RMS error over A-E at episode 100, mean of 20 seeds. Measured: TD alpha 0.05: 0.031
    (seed sd 0.012), 0.1: 0.052 (0.018); MC alpha 0.01-0.04: 0.093, 0.082, 0.096, 0.112 (sd
    0.02-0.05). The gap from the best MC to the worse TD is 0.03, four standard errors."""
    def final(name, params):
        return np.mean([rms_errors(name, params, seed, 100)[-1] for seed in range(20)])

    td = [final("td-prediction", {"alpha": a}) for a in (0.05, 0.1)]
    mc = [final("mc-prediction", {"alpha": a, "visits": "every"}) for a in (0.01, 0.02, 0.03, 0.04)]
    assert max(td) < min(mc), (td, mc)
    assert 0.01 < td[0] < 0.05 and 0.06 < min(mc) < 0.11  # the measured 0.031 and 0.082, 3+ SE wide


# --------------------------------------------------------------------------- special cases are TD(0)


@pytest.mark.parametrize(
    ("name", "params"),
    [("n-step-td", {"n": 1}), ("td-lambda", {"lam": 0.0}), ("td-lambda", {"lam": 0.0, "trace": "replacing"}),
     ("td-lambda", {"lam": 0.0, "trace": "dutch"})],
)  # fmt: skip
def test_one_step_limit_is_td0_update_for_update(name, params):
    """Same seed, same steps, the same V to the last bit after every step, through both exits
    and time limits (a truncation bootstraps from V(S'), a termination does not)."""
    level = walk_with_time_limit()
    common = {**EXAMPLE_6_2, "alpha": 0.3}
    agent = make_agent(name, level, {**common, **params}, seed=3)
    td = make_agent("td-prediction", level, common, seed=3)
    ends = {"exit": 0, "time": 0}
    for t in range(3000):
        event, expected = agent.step(), td.step()
        assert (event.state, event.action, event.reward, event.done) == (
            expected.state, expected.action, expected.reward, expected.done), f"step {t}"  # fmt: skip
        np.testing.assert_array_equal(agent.V, td.V, err_msg=f"step {t}")
        if event.done:
            ends["exit" if event.next_state in (0, 6) else "time"] += 1
    assert ends["exit"] > 100 and ends["time"] > 100, ends


def test_true_online_at_lambda_0_is_td0():
    """Lines 17-21 with lambda = 0: the correction terms cancel (to rounding)."""
    level = walk_with_time_limit()
    common = {**EXAMPLE_6_2, "alpha": 0.3}
    agent = make_agent("td-lambda", level, {**common, "lam": 0.0, "trace": "dutch", "true_online": True}, seed=5)
    td = make_agent("td-prediction", level, common, seed=5)
    for _ in range(3000):
        agent.step(), td.step()
    np.testing.assert_allclose(agent.V, td.V, rtol=0, atol=1e-12)


def test_n_step_return_by_hand():
    """n = 3 on a scripted walk C D E -> right exit, V = 0.5, alpha 0.5: the first update
    (after R_3) moves V(C) to 0.5 + 0.5 (0 + 0 + 1 - 0.5) (the exit: G = 1, no bootstrap)."""
    agent = make_agent("n-step-td", load_level("random_walk_5"), {**EXAMPLE_6_2, "alpha": 0.5, "n": 3}, seed=0)
    agent.pi[1:6] = [0.0, 1.0, 0.0, 0.0]  # always right
    for _ in range(2):
        assert agent.step().changed.size == 0  # waiting for 3 rewards
    event = agent.step()
    assert event.done
    # tau = 0: G = 1 (C -> exit); tau = 1: G = 1; tau = 2: G = 1. Each V moves halfway to 1.
    np.testing.assert_array_equal(agent.V, [0, 0.5, 0.5, 0.75, 0.75, 0.75, 0])
    assert event.backup["updates_this_step"] == 3


# --------------------------------------------------------------------------- lambda-returns


def offline_lambda_return(V0, states, rewards, alpha, lam, gamma=1.0):
    """§12.1's offline lambda-return algorithm over one episode: the targets G^lambda_t from the
    V of the episode's start (eq. 12.3, as G^lambda_t = R_t+1 + gamma [(1 - lambda) V(S_t+1) +
    lambda G^lambda_t+1]; V(terminal) = 0), then eq. 12.4's updates in order at the end."""
    T, V = len(rewards), V0.copy()
    G, targets = 0.0, np.zeros(T)
    for t in range(T - 1, -1, -1):
        v_next = V0[states[t + 1]] if t + 1 < T else 0.0
        G = rewards[t] + gamma * ((1 - lam) * v_next + lam * (G if t + 1 < T else 0.0))
        targets[t] = G
    for t in range(T):
        V[states[t]] += alpha * (targets[t] - V[states[t]])
    return V


def online_lambda_return(V0, states, rewards, alpha, lam, gamma=1.0):
    """§12.4's online lambda-return algorithm: for each horizon h, redo the updates of steps
    0 ... h-1 towards the truncated lambda-returns G^lambda_t:h (eq. 12.9), each n-step return
    bootstrapping from the V of the horizon it was observed at; the V of horizon T."""
    T, last = len(rewards), [V0.copy()]  # last[h]: V at the end of horizon h
    for h in range(1, T + 1):
        targets = np.zeros(h)
        G = rewards[h - 1] + gamma * (0.0 if h == T else last[h - 1][states[h]])
        targets[h - 1] = G
        for t in range(h - 2, -1, -1):
            G = rewards[t] + gamma * ((1 - lam) * last[t][states[t + 1]] + lam * G)
            targets[t] = G
        V = V0.copy()
        for t in range(h):
            V[states[t]] += alpha * (targets[t] - V[states[t]])
        last.append(V)
    return last[T]


def true_online_episode(alpha: float, lam: float, seed: int, level: str = "random_walk_19"):
    agent = make_agent("td-lambda", load_level(level),
                       {"policy": "moves", "alpha": alpha, "lam": lam, "trace": "dutch", "true_online": True},
                       seed=seed)  # fmt: skip
    agent.V[1:-1] = np.random.default_rng(seed).uniform(-1, 1, agent.n_states - 2)
    V0 = agent.V.copy()
    states, rewards = play_episode(agent)
    return agent.V, V0, states, rewards


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_true_online_matches_the_offline_lambda_return_for_small_alpha(seed):
    """They agree to first order in alpha: the gap is ~4 alpha^2 per 100 steps (measured
    4.4e-10 at alpha 1e-5, 4.4e-8 at 1e-4), while V itself moves by ~1e-4."""
    V, V0, states, rewards = true_online_episode(1e-5, 0.8, seed, "random_walk_5")
    offline = offline_lambda_return(V0, states, rewards, 1e-5, 0.8)
    assert np.abs(offline - V0).max() > 1e-6  # something was learnt
    np.testing.assert_allclose(V, offline, rtol=0, atol=1e-9)


@pytest.mark.parametrize(("alpha", "lam"), [(0.5, 0.8), (0.2, 0.95), (0.9, 0.3)])
def test_true_online_is_the_online_lambda_return_exactly(alpha, lam):
    """§12.5's claim, at large alpha where the offline algorithm is far off."""
    V, V0, states, rewards = true_online_episode(alpha, lam, seed=1)
    np.testing.assert_allclose(V, online_lambda_return(V0, states, rewards, alpha, lam), rtol=0, atol=1e-12)
    assert np.abs(V - offline_lambda_return(V0, states, rewards, alpha, lam)).max() > 1e-3


# --------------------------------------------------------------------------- bad input


def test_true_online_without_dutch_traces_is_refused():
    with pytest.raises(HyperparameterError, match="true_online needs trace: dutch"):
        make_agent("td-lambda", load_level("random_walk_5"), {"true_online": True})


def test_an_unknown_policy_says_what_it_takes():
    with pytest.raises(HyperparameterError, match="'uniform', 'moves' or the path of"):
        make_agent("td-prediction", load_level("random_walk_5"), {"policy": "mvoes"})


def test_the_defaults_matrix_skips_prediction_agents(monkeypatch):
    """It scores a learnt policy against v*; a prediction agent's policy is given, not learnt."""
    path = Path(__file__).resolve().parents[2] / "bench" / "defaults_matrix.py"
    spec = importlib.util.spec_from_file_location("defaults_matrix_for_prediction", path)
    matrix = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, matrix)  # dataclasses look their module up there
    spec.loader.exec_module(matrix)
    learners = matrix.learners("gridworld")
    assert "q-learning" in learners and "monte-carlo" in learners
    assert not {"td-prediction", "mc-prediction", "n-step-td", "td-lambda"} & set(learners)
