"""Bandit agents (Sutton & Barto ch. 2) against the book's figures, exact posterior and
sample-average identities, their action distributions, determinism and validation.

The figure tests average 1000-2000 runs with fixed seeds, as the book does; their bands are
wide enough for any seed and narrow enough that a broken method falls outside them.
"""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest

from gridrl.agents import HyperparameterError, LevelMismatchError, agent_class, make_agent
from gridrl.levels import load_level, parse_level

BANDIT_AGENTS = ["epsilon-greedy", "ucb", "gradient-bandit", "thompson"]


def level(text: str):
    return parse_level(textwrap.dedent(text), source="<test>")


TESTBED = load_level("ten_armed_testbed")
BERNOULLI_3 = load_level("bernoulli_3")
TESTBED_PLUS_4 = level("""
    kind: bandit
    name: testbed around +4 (Figure 2.5)
    testbed: {arms: 10, mean: 4, std: 1, reward_std: 1}
    steps: 1000
""")
MIXED = level("""
    kind: bandit
    name: mixed arms
    arms:
      - {name: coin, distribution: bernoulli, p: 0.3}
      - {name: wide, distribution: gaussian, mean: 0.5, std: 2.0}
      - {name: exact, distribution: gaussian, mean: 0.2, std: 0.0}
      - {name: fair, distribution: bernoulli, p: 0.5}
    steps: 1000
""")
SHORT = level("""
    kind: bandit
    name: short testbed
    testbed: {arms: 4, mean: 0, std: 1, reward_std: 1}
    steps: 5
""")


def curves(name, lvl, params, runs, steps, seed=0):
    return make_agent(name, lvl, params, seed=seed, runs=runs).experiment(steps)


def window(curve: np.ndarray, first: int, last: int) -> float:
    """Mean of a per-step curve over steps first..last (1-based, inclusive, as in the book)."""
    return float(curve[first - 1 : last].mean())


def record_pulls(agent):
    """Wrap the agent's vector env so every pull's actions and rewards (all runs) are logged."""
    log: list[tuple[np.ndarray, np.ndarray]] = []
    step = agent.env.step

    def logged(actions):
        out = step(actions)
        log.append((np.array(actions, copy=True), out[1].copy()))
        return out

    agent.env.step = logged
    return log


# --------------------------------------------------------------------------- Figure 2.2


@pytest.fixture(scope="module")
def figure_2_2():
    """Average reward and % optimal action of epsilon-greedy, 2000 runs x 1000 steps."""
    return {eps: curves("epsilon-greedy", TESTBED, {"epsilon": eps}, 2000, 1000) for eps in (0.0, 0.01, 0.1)}


def test_figure_2_2_epsilon_0_1(figure_2_2):
    reward, optimal = figure_2_2[0.1]
    assert 1.3 <= window(reward, 900, 1000) <= 1.5  # the book: about 1.4
    assert 0.75 <= window(optimal, 900, 1000) <= 0.88  # the book: about 80%


def test_figure_2_2_greedy_gets_stuck(figure_2_2):
    reward, optimal = figure_2_2[0.0]
    assert 0.9 <= window(reward, 900, 1000) <= 1.15  # the book: about 1
    assert 0.3 <= window(optimal, 900, 1000) <= 0.45  # the book: about a third
    # Greedy never explores: after its first pulls its choices are fixed, its curve flat.
    assert abs(window(optimal, 500, 600) - window(optimal, 900, 1000)) < 0.03


def test_figure_2_2_epsilon_0_01_in_between(figure_2_2):
    opt = {eps: figure_2_2[eps][1] for eps in figure_2_2}
    assert opt[0.0][-1] + 0.1 < opt[0.01][-1] < opt[0.1][-1] - 0.1  # at step 1000
    assert window(opt[0.0], 900, 1000) < window(opt[0.01], 900, 1000) < window(opt[0.1], 900, 1000)
    # ... and still climbing, where epsilon = 0.1 has levelled off
    assert window(opt[0.01], 900, 1000) - window(opt[0.01], 400, 500) > 0.05


def test_first_pull_is_uniform_over_tied_arms(figure_2_2):
    # All Q are 0 at the first pull: random tie-breaking picks the best arm 1 time in 10.
    for eps in figure_2_2:
        assert abs(figure_2_2[eps][1][0] - 0.1) < 5 * np.sqrt(0.1 * 0.9 / 2000)


# --------------------------------------------------------------------------- Figure 2.3 and 2.4


def test_figure_2_4_ucb_beats_epsilon_greedy(figure_2_2):
    reward, optimal = curves("ucb", TESTBED, {"c": 2}, 2000, 1000)
    eps_reward = figure_2_2[0.1][0]
    assert window(reward, 200, 1000) > window(eps_reward, 200, 1000) + 0.05
    # Exercise 2.8's spike: steps 1-10 try each arm once; at step 11 every run pulls its
    # best-looking arm, then the bonus of the others sends it exploring again.
    assert np.all(np.abs(optimal[:10] - 0.1) < 5 * np.sqrt(0.1 * 0.9 / 2000))
    assert reward[10] > reward[9] + 0.5 and reward[10] > reward[11] + 0.05


def test_ucb_tries_every_arm_once_first():
    agent = make_agent("ucb", TESTBED, {"c": 2}, runs=300)
    agent.experiment(10)
    np.testing.assert_array_equal(agent.N, 1)


def test_figure_2_3_optimistic_initial_values():
    greedy_optimistic = {"epsilon": 0.0, "initial": 5.0, "alpha": 0.1}
    realistic_epsilon = {"epsilon": 0.1, "initial": 0.0, "alpha": 0.1}
    optimistic = curves("epsilon-greedy", TESTBED, greedy_optimistic, 1000, 1000)[1]
    realistic = curves("epsilon-greedy", TESTBED, realistic_epsilon, 1000, 1000)[1]
    assert window(optimistic, 500, 1000) > window(realistic, 500, 1000) + 0.06  # book: ~85% vs ~75%
    # Early on the optimistic greedy agent is worse: it is busy trying every arm ...
    assert window(optimistic, 15, 30) < window(realistic, 15, 30) - 0.1
    # ... and Exercise 2.6's spike: at step 11 all arms have been tried once.
    assert optimistic[10] > optimistic[9] + 0.2 and optimistic[10] > optimistic[11] + 0.1


# --------------------------------------------------------------------------- Figure 2.5


def test_figure_2_5_gradient_bandit_baseline():
    opt = {
        (alpha, baseline): window(
            curves("gradient-bandit", TESTBED_PLUS_4, {"alpha": alpha, "baseline": baseline}, 1000, 1000)[1],
            900, 1000,
        )
        for alpha in (0.1, 0.4)
        for baseline in (True, False)
    }  # fmt: skip
    assert opt[0.1, True] > 0.75  # the book: above 80%
    assert opt[0.4, True] > 0.6  # the book: about 70%
    assert opt[0.1, False] < 0.6  # the book: about half the runs or fewer
    assert opt[0.4, False] < 0.4  # the book: about 30%
    assert opt[0.1, True] > opt[0.1, False] + 0.2
    assert opt[0.4, True] > opt[0.4, False] + 0.2


def test_gradient_bandit_baseline_is_average_of_earlier_rewards():
    agent = make_agent("gradient-bandit", TESTBED, {"alpha": 0.1}, seed=3, runs=2)
    rewards = []
    for t in range(1, 31):
        event = agent.step()
        if t == 1:  # R̄_1 = R_1: the first update is zero
            assert event.backup["baseline"] == event.reward
            np.testing.assert_array_equal(agent.H, 0.0)
        else:  # R̄_t = mean of R_1 .. R_{t-1}
            assert event.backup["baseline"] == pytest.approx(np.mean(rewards), rel=1e-12, abs=1e-12)
        pi = event.backup["pi"]
        assert pi.sum() == pytest.approx(1.0)
        # eq. 2.12 on the pulled arm
        step = 0.1 * (event.reward - event.backup["baseline"]) * (1 - event.backup["pi_a"])
        assert event.backup["H_new"] - event.backup["H_old"] == pytest.approx(step, abs=1e-12)
        rewards.append(event.reward)
    assert agent.insight().extras["baseline"] == pytest.approx(np.mean(rewards))
    # The preferences move as a whole only by their differences: sum H stays 0.
    assert agent.H.sum(axis=1) == pytest.approx([0.0, 0.0], abs=1e-12)


def test_gradient_bandit_without_baseline_uses_zero():
    agent = make_agent("gradient-bandit", TESTBED, {"baseline": False})
    for _ in range(5):
        event = agent.step()
        assert event.backup["baseline"] == 0.0
        assert event.backup["error"] == event.reward


# --------------------------------------------------------------------------- Thompson sampling


def test_thompson_finds_the_best_bernoulli_arm():
    _, optimal = curves("thompson", BERNOULLI_3, {}, 500, 500)
    assert window(optimal, 401, 500) > 0.9
    agent = make_agent("thompson", BERNOULLI_3, {}, seed=1)
    agent.experiment(300)
    assert agent.insight().pi[0, 2] > 0.9  # 'high', p = 0.8


def test_thompson_beta_posterior_counts_are_the_observed_successes_and_failures():
    agent = make_agent("thompson", BERNOULLI_3, {"prior_alpha": 2.0, "prior_beta": 3.0}, seed=5, runs=6)
    log = record_pulls(agent)
    for _ in range(40):
        agent.step()
    actions = np.array([a for a, _ in log])  # (steps, runs)
    rewards = np.array([r for _, r in log])
    assert set(np.unique(rewards)) <= {0.0, 1.0}
    successes = np.array([[rewards[actions[:, i] == a, i].sum() for a in range(3)] for i in range(6)])
    failures = np.array([[(1 - rewards[actions[:, i] == a, i]).sum() for a in range(3)] for i in range(6)])
    extras = agent.insight().extras
    np.testing.assert_array_equal(extras["posterior_alpha"], 2.0 + successes[0])
    np.testing.assert_array_equal(extras["posterior_beta"], 3.0 + failures[0])
    alpha, beta = agent.beta_params(agent.S, agent.N)  # every run, not only run 0
    np.testing.assert_array_equal(alpha, 2.0 + successes)
    np.testing.assert_array_equal(beta, 3.0 + failures)
    # Q is the posterior mean alpha / (alpha + beta), kept incrementally.
    np.testing.assert_allclose(agent.Q, alpha / (alpha + beta), rtol=1e-12)


def test_thompson_posteriors_on_mixed_arms():
    params = {"prior_mean": 0.5, "prior_std": 1.5}
    agent = make_agent("thompson", MIXED, params, seed=2, runs=1)
    log = record_pulls(agent)
    for _ in range(60):
        event = agent.step()
        assert event.backup["theta"].shape == (4,)
    actions = np.array([a[0] for a, _ in log])
    rewards = np.array([r[0] for _, r in log])
    x = agent.insight().extras
    np.testing.assert_array_equal(x["bernoulli"], [True, False, False, True])
    assert np.all(np.bincount(actions, minlength=4) > 0)  # every posterior was updated
    for arm, sigma in ((1, 2.0), (2, 0.0)):
        seen = rewards[actions == arm]
        # N(mu_0, sigma_0^2) prior, known noise sigma: precision and mean of the posterior
        variance = max(sigma**2, 1e-12)
        tau = 1 / 1.5**2 + seen.size / variance
        mu = (0.5 / 1.5**2 + seen.sum() / variance) / tau
        assert x["posterior_mean"][arm] == pytest.approx(mu, rel=1e-9)
        assert x["posterior_std"][arm] == pytest.approx(tau**-0.5, rel=1e-9)
        assert agent.Q[0, arm] == pytest.approx(mu, rel=1e-9)
    for arm in (0, 3):
        seen = rewards[actions == arm]
        assert x["posterior_alpha"][arm] == 1 + seen.sum()
        assert x["posterior_beta"][arm] == 1 + seen.size - seen.sum()
    assert np.isnan(x["posterior_alpha"][1]) and np.isnan(x["posterior_beta"][2])
    # The noiseless arm: one pull pins its value.
    assert x["posterior_mean"][2] == pytest.approx(0.2, abs=1e-9)


def test_thompson_pi_is_deterministic_and_leaves_the_agent_rng_alone():
    a = make_agent("thompson", BERNOULLI_3, {}, seed=4)
    b = make_agent("thompson", BERNOULLI_3, {}, seed=4)
    a.experiment(20)
    b.experiment(20)
    np.testing.assert_array_equal(a.insight().pi, a.insight().pi)
    a.insight()
    np.testing.assert_array_equal(a.experiment(50)[0], b.experiment(50)[0])


# --------------------------------------------------------------------------- estimates


def test_sample_averages_are_the_mean_of_the_observed_rewards():
    agent = make_agent("epsilon-greedy", TESTBED, {"epsilon": 0.5, "initial": 5.0}, seed=7, runs=8)
    log = record_pulls(agent)
    agent.experiment(60)
    actions = np.array([a for a, _ in log])
    rewards = np.array([r for _, r in log])
    for i in range(8):
        for a in range(10):
            seen = rewards[actions[:, i] == a, i]
            assert agent.N[i, a] == seen.size
            # Q_1 = 5 is forgotten at the first pull: with 1/N steps Q is the plain mean.
            expected = seen.mean() if seen.size else 5.0
            assert agent.Q[i, a] == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_constant_step_size_is_the_recency_weighted_average():
    alpha, Q1 = 0.1, 2.0
    params = {"epsilon": 1.0, "alpha": alpha, "initial": Q1}
    agent = make_agent("epsilon-greedy", TESTBED, params, seed=8, runs=3)
    log = record_pulls(agent)
    agent.experiment(80)
    actions = np.array([a for a, _ in log])
    rewards = np.array([r for _, r in log])
    for i in range(3):
        for a in range(10):
            R = rewards[actions[:, i] == a, i]
            n = R.size
            # eq. 2.6: Q_{n+1} = (1 - alpha)^n Q_1 + sum_i alpha (1 - alpha)^(n - i) R_i
            weights = alpha * (1 - alpha) ** (n - np.arange(1, n + 1))
            expected = (1 - alpha) ** n * Q1 + float(np.sum(weights * R))
            assert agent.Q[i, a] == pytest.approx(expected, rel=1e-12, abs=1e-12)


def test_backup_numbers_are_the_update_of_run_0():
    agent = make_agent("epsilon-greedy", TESTBED, {"alpha": 0.25}, seed=1, runs=4)
    for _ in range(10):
        event = agent.step()
        b = event.backup
        assert (b["a"], b["r"]) == (event.action, event.reward)
        assert b["Q_new"] == pytest.approx(b["Q_old"] + 0.25 * (b["r"] - b["Q_old"]))
        assert agent.Q[0, b["a"]] == b["Q_new"]
    agent = make_agent("ucb", TESTBED, {"c": 1.5}, seed=1)
    agent.experiment(10)
    b = agent.step().backup
    assert b["t"] == 11
    assert b["bonus"] == pytest.approx(1.5 * np.sqrt(np.log(11) / b["N_a_before"]))


# --------------------------------------------------------------------------- pi is what the agent does


@pytest.mark.parametrize("name", BANDIT_AGENTS)
def test_pi_is_the_agents_actual_action_distribution(name):
    """Copy run 0's learned state into 20 000 runs; their next pulls must follow pi."""
    small = make_agent(name, MIXED, {}, seed=3)
    small.experiment(25)
    pi = small.insight().pi[0]
    many = 20_000
    big = make_agent(name, MIXED, {}, seed=9, runs=many)
    state = small.state_dict()
    for key, value in state.items():
        if isinstance(value, np.ndarray):
            state[key] = np.repeat(value, many, axis=0)
    big.load_state_dict(state)
    counts = np.bincount(big.select(), minlength=4)
    sd = np.sqrt(many * pi * (1 - pi))
    tolerance = 0.015 * many if name == "thompson" else 0  # pi itself is a Monte Carlo estimate
    assert np.all(np.abs(counts - many * pi) <= 5 * sd + 1 + tolerance), (counts / many, pi)


@pytest.mark.parametrize("name", ["epsilon-greedy", "ucb"])
def test_ties_are_broken_at_random(name):
    """All estimates tie at the start (and UCB's untried arms tie at +inf): every tied arm
    must be equally likely, not the first one."""
    many = 30_000
    agent = make_agent(name, BERNOULLI_3, {"epsilon": 0.0} if name == "epsilon-greedy" else {}, runs=many)
    counts = np.bincount(agent.select(), minlength=3)
    assert np.all(np.abs(counts - many / 3) <= 5 * np.sqrt(many * 2 / 9))


def test_fresh_agents_pi():
    for name in BANDIT_AGENTS:
        pi = make_agent(name, BERNOULLI_3, {}).insight().pi
        np.testing.assert_allclose(pi, np.full((1, 3), 1 / 3), atol=0.02 if name == "thompson" else 1e-12)
    agent = make_agent("epsilon-greedy", TESTBED, {"epsilon": 0.1})
    agent.load_state_dict({"Q": np.array([[0, 2, 2, 0, 0, 0, 0, 0, 0, 1.0]])})
    expected = np.full(10, 0.01)
    expected[[1, 2]] += 0.45  # 1 - epsilon split between the tied greedy arms
    np.testing.assert_allclose(agent.insight().pi[0], expected)


# --------------------------------------------------------------------------- units, insight, state


@pytest.mark.parametrize("name", BANDIT_AGENTS)
def test_step_event(name):
    agent = make_agent(name, TESTBED, {}, seed=0, runs=50)
    event = agent.step()
    assert (event.unit, event.steps, event.state, event.next_state) == ("step", 1, 0, 0)
    assert set(event.info) == {"mean_reward", "optimal_fraction"}
    assert 0.0 <= event.info["optimal_fraction"] <= 1.0
    assert event.backup["a"] == event.action and event.backup["r"] == event.reward
    assert {"Q_old", "Q_new", "step_size"} <= set(event.backup)
    assert event.equation
    assert agent.update().unit == "update"
    extra_keys = {"epsilon-greedy": {"a"}, "ucb": {"bonus", "t", "ln_t", "c"},
                  "gradient-bandit": {"baseline", "pi", "H_old", "H_new"}, "thompson": {"theta"}}  # fmt: skip
    assert extra_keys[name] <= set(event.backup)


@pytest.mark.parametrize("name", BANDIT_AGENTS)
def test_insight(name):
    agent = make_agent(name, TESTBED, {}, seed=0, runs=20)
    agent.experiment(30)
    ins = agent.insight()
    assert ins.Q.shape == ins.pi.shape == (1, 10)
    assert ins.V.shape == ins.visits.shape == (1,)
    assert ins.pi.sum() == pytest.approx(1.0)
    assert ins.V[0] == pytest.approx((ins.pi * ins.Q).sum())
    assert ins.visits[0] == 30 and ins.extras["pulls"].sum() == 30
    np.testing.assert_array_equal(ins.extras["true_means"], agent.env.true_means[0])
    own = {"epsilon-greedy": "epsilon", "ucb": "ucb_bonus", "gradient-bandit": "preferences",
           "thompson": "posterior_mean"}  # fmt: skip
    assert own[name] in ins.extras
    np.testing.assert_array_equal(ins.Q, agent.Q[:1])


@pytest.mark.parametrize("name", BANDIT_AGENTS)
def test_step_curves_carry_the_pull_within_the_run_and_the_spread_over_runs(name):
    """What History.per_pull folds: the pull's index in its run (1..horizon, then 1 again)
    and the standard deviation of the reward over the runs at that pull."""
    agent = make_agent(name, SHORT, {}, seed=4, runs=6)
    log = record_pulls(agent)
    pulls = []
    for _ in range(12):
        curves = agent.step().curves
        _, rewards = log[-1]
        assert curves["mean_reward"] == pytest.approx([rewards.mean()])
        assert curves["reward_std"] == pytest.approx([rewards.std()])
        pulls.append(int(curves["pull"][0]))
    assert pulls == [1, 2, 3, 4, 5, 1, 2, 3, 4, 5, 1, 2]
    episode = agent.episode()  # pulls 3..5 of the third run
    np.testing.assert_array_equal(episode.curves["pull"], [3, 4, 5])
    assert set(episode.curves) == {"mean_reward", "optimal_fraction", "reward_std", "pull"}


def test_ucb_insight_gives_the_bound_of_eq_2_10_by_hand():
    agent = make_agent("ucb", BERNOULLI_3, {"c": 1.5}, runs=2)
    agent.Q[0] = [0.25, 0.6, 0.0]
    agent.N[0] = [4, 5, 0]
    agent.t[0] = 9  # the next pull is the 10th
    extras = agent.insight().extras
    expected = [0.25 + 1.5 * math.sqrt(math.log(10) / 4), 0.6 + 1.5 * math.sqrt(math.log(10) / 5), math.inf]
    np.testing.assert_allclose(extras["ucb_bound"], expected, rtol=1e-12)
    np.testing.assert_allclose(extras["ucb_bound"] - agent.Q[0], extras["ucb_bonus"], rtol=1e-12)
    assert agent.insight().pi[0, 2] == 1.0  # the untried arm's bound is infinite: it comes next


def test_gradient_insight_gives_preferences_and_their_softmax_by_hand():
    agent = make_agent("gradient-bandit", BERNOULLI_3, {}, runs=2)
    agent.H[0] = [1.0, 0.0, -1.0]
    ins = agent.insight()
    np.testing.assert_array_equal(ins.extras["preferences"], [1.0, 0.0, -1.0])
    e = math.e
    np.testing.assert_allclose(ins.pi[0], np.array([e, 1.0, 1 / e]) / (e + 1 + 1 / e), rtol=1e-12)


def test_thompson_insight_gives_beta_and_normal_posteriors_by_hand():
    agent = make_agent("thompson", MIXED, {"prior_mean": 0.0, "prior_std": 1.0}, runs=2)
    agent.S[0] = [3.0, 2.0, 0.0, 0.0]  # coin: 3 successes of 5 pulls; wide: rewards summing to 2 in 4
    agent.N[0] = [5, 4, 0, 0]
    x = agent.insight().extras
    assert (x["posterior_alpha"][0], x["posterior_beta"][0]) == (4.0, 3.0)  # Beta(1 + 3, 1 + 2)
    assert x["posterior_mean"][0] == pytest.approx(4 / 7)
    assert x["posterior_std"][0] == pytest.approx(math.sqrt(4 * 3 / (7**2 * 8)))
    tau = 1 / 1.0 + 4 / 2.0**2  # prior precision + N / sigma^2
    assert x["posterior_mean"][1] == pytest.approx((2 / 4.0) / tau)
    assert x["posterior_std"][1] == pytest.approx(tau**-0.5)


@pytest.mark.parametrize("name", BANDIT_AGENTS)
def test_episode_is_one_run_to_the_horizon(name):
    agent = make_agent(name, SHORT, {}, seed=1, runs=3)
    first_means = agent.env.true_means.copy()
    rewards = []
    for _ in range(2):
        event = agent.step()
        rewards.append(event.reward)
    event = agent.episode()
    assert (event.unit, event.steps, event.done, event.episode_length) == ("episode", 3, True, 5)
    # the env already drew fresh arms, but until the next pull insight() shows the run that
    # ended: its 5 pulls and the true values it faced
    assert not np.array_equal(agent.env.true_means, first_means)
    np.testing.assert_array_equal(agent.N.sum(axis=1), 5)
    insight = agent.insight()
    assert insight.visits[0] == 5
    np.testing.assert_array_equal(insight.extras["true_means"], first_means[0])
    # the next pull starts the new run: a fresh agent with one pull
    event = agent.step()
    np.testing.assert_array_equal(agent.N.sum(axis=1), 1)
    np.testing.assert_array_equal(agent.insight().extras["true_means"], agent.env.true_means[0])
    event = agent.episode()
    assert event.steps == 4 and event.episode_length == 5
    event = agent.episode()
    assert event.steps == 5 and event.episode_length == 5
    assert agent.runs_done == 3


def test_episode_return_is_run_0s_total_reward():
    agent = make_agent("epsilon-greedy", SHORT, {}, seed=2, runs=4)
    rewards = [agent.step().reward for _ in range(4)]
    last = agent.step()
    assert last.done and last.episode_return == pytest.approx(sum(rewards) + last.reward)


@pytest.mark.parametrize("name", BANDIT_AGENTS)
def test_state_dict_round_trip(name):
    a = make_agent(name, BERNOULLI_3, {}, seed=6, runs=5)
    a.experiment(40)
    b = make_agent(name, BERNOULLI_3, {}, seed=6, runs=5)
    b.load_state_dict(a.state_dict())
    np.testing.assert_array_equal(b.insight().Q, a.insight().Q)
    np.testing.assert_allclose(b.insight().pi, a.insight().pi)
    b.experiment(5)  # still runs on the loaded (column-major again) arrays


# --------------------------------------------------------------------------- determinism


@pytest.mark.parametrize("name", BANDIT_AGENTS)
def test_same_seed_same_curves_other_seed_other_curves(name):
    first = curves(name, TESTBED, {}, 200, 200, seed=11)
    again = curves(name, TESTBED, {}, 200, 200, seed=11)
    other = curves(name, TESTBED, {}, 200, 200, seed=12)
    np.testing.assert_array_equal(first[0], again[0])
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[0], other[0])


# --------------------------------------------------------------------------- validation


def test_epsilon_out_of_range_names_the_range():
    epsilon = {h.name: h for h in agent_class("epsilon-greedy").spec()}["epsilon"]
    assert (epsilon.low, epsilon.high) == (0.0, 1.0)
    with pytest.raises(HyperparameterError) as error:
        make_agent("epsilon-greedy", TESTBED, {"epsilon": 3})
    message = str(error.value)
    assert message.startswith("epsilon must be") and epsilon.range_text() in message and "3" in message


@pytest.mark.parametrize(
    ("name", "params"),
    [("ucb", {"c": -1}), ("epsilon-greedy", {"alpha": 0}), ("epsilon-greedy", {"initial": 1e9}),
     ("gradient-bandit", {"alpha": 0}), ("gradient-bandit", {"baseline": "maybe"}),
     ("thompson", {"prior_std": 0}), ("thompson", {"prior_alpha": -1}), ("ucb", {"epsilon": 0.1})],
)  # fmt: skip
def test_bad_hyperparameters_refused(name, params):
    with pytest.raises(HyperparameterError):
        make_agent(name, TESTBED, params)


def test_optional_alpha_accepts_none():
    agent = make_agent("epsilon-greedy", TESTBED, {"alpha": "none"})
    assert agent.config.alpha is None
    assert make_agent("ucb", TESTBED, {"alpha": "0.5"}).config.alpha == 0.5


@pytest.mark.parametrize("name", BANDIT_AGENTS)
def test_bandit_agent_on_a_gridworld_is_refused(name):
    with pytest.raises(LevelMismatchError, match="bandit"):
        make_agent(name, load_level("corridor"), {})


@pytest.mark.parametrize("name", BANDIT_AGENTS)
def test_registry_and_spec(name):
    cls = agent_class(name)
    assert cls.name == name and cls.vectorized_runs and cls.level_kinds == ("bandit",)
    assert all(h.help for h in cls.spec())
    with pytest.raises(ValueError, match="runs"):
        cls(TESTBED, runs=0)
