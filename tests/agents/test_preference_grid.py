"""dpo and rlhf-ppo on a gridworld (garden): the trajectory DPO gradient by hand, convergence to
the exact soft-optimal pi* of the labels' reward, the same pairs for both agents, and the app's
contract (units, insight, extras).

The tolerances. Both methods estimate pi* from n pairs, so their KL to it has a floor that falls
as 1/n (a maximum-likelihood fit of k free logits: KL ~ k / (2 n_eff), k = 72 here: 24 open
cells x 3, and n_eff < n, the labels being nearly certain). On garden at beta = 1 (seed 0) the
reward model's optimum measures KL 0.0052 from pi* at n = 20,000 and 0.027 at n = 8,000, i.e.
c / n with c from 104 to 216; DPO at n = 20,000 ends at 0.008. Each test allows twice the larger,
2 x 220 / n, plus for RLHF PPO's own jitter around the optimum it climbs to: with the true reward
(no reward model, no floor) KL 0.007 to 0.011 between 100 and 800 updates at K = 256 episodes.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gridrl.agents import make_agent
from gridrl.agents.dpo import GridDPO, pair_counts, trajectory_loss_and_gradient
from gridrl.agents.rlhf_ppo import GridRLHFPPO
from gridrl.envs import TabularModel
from gridrl.levels import load_level
from gridrl.preferences import kl, soft_optimal_policy
from gridrl.preferences.labeller import sft_policy
from gridrl.preferences.optimum import episode_return, expected_visits

GARDEN = load_level("garden")


#: PPO's KL to the optimum of the reward it climbs, after 150-800 updates (docstring).
JITTER = 0.011


def floor(n: int) -> float:
    """The measured KL floor of an estimate of pi* from n pairs on garden at beta = 1 (docstring)."""
    return 220.0 / n


# --------------------------------------------------------------------------- the loss by hand


def test_trajectory_gradient_of_a_two_step_pair_by_hand():
    """Two cells, two actions. Chosen: (0, a=1) then (1, a=0); rejected: (0, a=0) then (1, a=0).
    n = +1 at (0, 1), -1 at (0, 0), 0 at cell 1 (both sides take (1, 0)). With theta = log pi_ref
    (pi_ref(.|0) = (0.8, 0.2)) h = 0 and sigmoid's l'(0) = -1/2, so g(0, .) = -1/2 beta (-1, +1)
    and grad theta(0, .) = g - pi (g_0 + g_1) = g (the sum is 0): beta = 0.5 gives (0.25, -0.25).
    Then at theta(0, .) = (0, 0) (pi = 1/2, 1/2): u(0, .) = (log(0.5/0.8), log(0.5/0.2)),
    h = 0.5 (u(0,1) - u(0,0)) = 0.5 log 4 = log 2, l'(h) = sigma(log 2) - 1 = -1/3."""
    log_pi_ref = np.log([[0.8, 0.2], [0.5, 0.5]])
    cells, n = pair_counts([(((0, 1), (1, 0)), ((0, 0), (1, 0)))], 2, 2)
    assert cells.tolist() == [[0, 1]] and n.tolist() == [[-1.0, 1.0]]
    L, grad, h = trajectory_loss_and_gradient(log_pi_ref.copy(), log_pi_ref, cells, n, 0.5, "sigmoid", 0.0)
    assert h[0] == pytest.approx(0.0, abs=1e-15) and L == pytest.approx(math.log(2))
    np.testing.assert_allclose(grad, [[0.25, -0.25], [0.0, 0.0]], atol=1e-15)
    theta = np.array([[0.0, 0.0], [0.0, 0.0]])
    L, grad, h = trajectory_loss_and_gradient(theta, log_pi_ref, cells, n, 0.5, "sigmoid", 0.0)
    assert h[0] == pytest.approx(math.log(2))
    g = -1 / 3 * 0.5 * np.array([-1.0, 1.0])  # l'(h) beta n(0, .)
    np.testing.assert_allclose(grad[0], g - 0.5 * g.sum(), atol=1e-12)
    np.testing.assert_allclose(grad[1], 0.0, atol=1e-15)


def test_trajectory_gradient_matches_finite_differences():
    rng = np.random.default_rng(5)
    sides = [(tuple((int(s), int(a)) for s, a in zip(rng.integers(3, size=4), rng.integers(4, size=4))),
              tuple((int(s), int(a)) for s, a in zip(rng.integers(3, size=3), rng.integers(4, size=3))))
             for _ in range(6)]  # fmt: skip
    cells, n = pair_counts(sides, 3, 4)
    log_pi_ref = np.log(rng.dirichlet(np.ones(4), 3))
    theta = rng.normal(size=(3, 4))
    for loss in ("sigmoid", "ipo", "robust"):
        _, grad, _ = trajectory_loss_and_gradient(theta, log_pi_ref, cells, n, 0.7, loss, 0.1)
        numeric = np.zeros_like(theta)
        for i in np.ndindex(theta.shape):
            e = np.zeros_like(theta)
            e[i] = 1e-6
            up = trajectory_loss_and_gradient(theta + e, log_pi_ref, cells, n, 0.7, loss, 0.1)[0]
            down = trajectory_loss_and_gradient(theta - e, log_pi_ref, cells, n, 0.7, loss, 0.1)[0]
            numeric[i] = (up - down) / 2e-6
        np.testing.assert_allclose(grad, numeric, atol=1e-8)


# --------------------------------------------------------------------------- the exact answer


def test_garden_optimum_satisfies_the_soft_bellman_equation():
    """pi* = pi_ref exp((Q - V) / beta) with Q = r + V(s') and V = beta log sum_a pi_ref e^(Q/beta),
    at gamma = 1; its per-episode return and KL are what the level's description promises."""
    agent = make_agent("dpo", GARDEN, {"reference": "sft", "beta": 1.0, "pairs": 10}, seed=0)
    model, ref = agent.model, sft_policy(agent.model)
    pi, V = soft_optimal_policy(model, model.R, ref, 1.0, 1.0)
    live = ~(model.terminal | model.wall)
    Q = model.R + model.expected_next(V)
    np.testing.assert_allclose(V[live], np.log((ref * np.exp(Q)).sum(axis=1))[live], atol=1e-9)
    np.testing.assert_allclose(pi[live], (ref * np.exp(Q - V[:, None]))[live], atol=1e-9)
    np.testing.assert_allclose(agent.pi_star, pi)
    d = expected_visits(model, pi)
    assert episode_return(model, pi, model.R) == pytest.approx(-1.9145, abs=1e-3)  # the SFT walker: -8.19
    assert episode_return(model, ref, model.R) == pytest.approx(-8.1873, abs=1e-3)
    assert float(d @ kl(pi, ref)) == pytest.approx(1.9501, abs=1e-3)
    assert np.all(pi[1:4, 2] < ref[1:4, 2] / 2)  # from the top row, stepping down into the mud is rarer


# --------------------------------------------------------------------------- convergence


def test_dpo_reaches_the_soft_optimum():
    """20k pairs, full-size minibatches: KL between whole episodes of pi and pi* below twice the floor."""
    agent = make_agent("dpo", GARDEN, {"reference": "sft", "beta": 1.0, "pairs": 20000, "lr": 10.0,
                                        "batch_size": 4096}, seed=0)  # fmt: skip
    assert isinstance(agent, GridDPO) and agent.info == {}
    for _ in range(120):
        event = agent.update()
    assert event.info["kl_to_optimum"] < 2 * floor(20000) == 0.022
    assert event.info["expected_return"] == pytest.approx(-1.9145, abs=0.1)  # pi*'s, within its KL
    assert event.info["accuracy"] > 0.9


def test_rlhf_with_the_true_reward_reaches_the_soft_optimum():
    agent = make_agent("rlhf-ppo", GARDEN, {"reference": "sft", "beta": 1.0, "pairs": 10, "reward": "true"}, seed=0)
    for _ in range(200):
        event = agent.update()
    assert event.info["kl_to_optimum"] < 2 * JITTER


def test_rlhf_with_the_learned_reward_reaches_its_optimum_near_pi_star():
    agent = make_agent("rlhf-ppo", GARDEN, {"reference": "sft", "beta": 1.0, "pairs": 8000}, seed=0)
    assert isinstance(agent, GridRLHFPPO)
    for _ in range(150):
        event = agent.update()
    assert event.info["kl_to_model_optimum"] < 2 * JITTER
    assert event.info["kl_to_optimum"] < 2 * floor(8000) + JITTER


def test_dpo_and_rlhf_learn_from_the_same_pairs():
    dpo = make_agent("dpo", GARDEN, {"reference": "sft", "pairs": 50}, seed=3)
    rlhf = make_agent("rlhf-ppo", GARDEN, {"reference": "sft", "pairs": 50}, seed=3)
    assert dpo.data == rlhf.data
    assert dpo.data != make_agent("dpo", GARDEN, {"reference": "sft", "pairs": 50}, seed=4).data


# --------------------------------------------------------------------------- the app's contract


def test_units_insight_extras_and_determinism():
    params = {"reference": "sft", "pairs": 100, "reward": "true", "batch_size": 16}
    agent = make_agent("rlhf-ppo", GARDEN, params, seed=1)
    np.testing.assert_allclose(agent.insight().pi, sft_policy(agent.model))
    event = agent.step()
    assert event.unit == "step" and agent.updates_done == 1 and agent.visits.sum() == 1
    assert set(agent.diagnostics) <= set(event.info)
    extras = agent.insight().extras
    S = agent.n_states
    shapes = {"pi_star": (S, 4), "pi_ref": (S, 4), "kl_per_cell": (S,), "tv_per_cell": (S,),
              "reward_true": (S, 4), "reward_counts": (S, 4), "reward_learned": (S, 4)}  # fmt: skip
    assert {key: extras[key].shape for key in shapes} == shapes
    goal = int(np.flatnonzero(agent.model.terminal)[0])
    assert math.isnan(extras["kl_per_cell"][goal]) and np.isfinite(extras["kl_per_cell"][0])
    assert extras["reward_counts"].sum() == sum(len(p.chosen) + len(p.rejected) for p in agent.data.pairs)
    np.testing.assert_allclose(extras["reward_true"], agent.model.R)
    twin = make_agent("rlhf-ppo", GARDEN, params, seed=1)
    twin.step()
    np.testing.assert_array_equal(twin.theta, agent.theta)
    episode = agent.episode()
    assert episode.done and episode.steps == episode.episode_length - 1


def test_a_level_without_an_optimum_still_trains_with_nan_distances():
    """ab_gridworld has no terminal cell and pays +10 in a loop: no finite undiscounted soft value,
    so pi* and the distances to it are NaN, and the agent still learns and draws."""
    agent = make_agent("dpo", load_level("ab_gridworld"), {"pairs": 20}, seed=0)
    event = agent.update()
    assert math.isnan(event.info["kl_to_optimum"]) and np.isnan(agent.insight().V).all()
    assert np.isfinite(agent.insight().pi).all()


@pytest.mark.parametrize("params, message", [
    ({"reference": "0.2,0.8"}, "reference on a gridworld must be 'auto', 'uniform' or 'sft'"),
    ({"labeller_bias": "1,0"}, "on a gridworld it must be 'none'"),
])  # fmt: skip
def test_bandit_only_settings_are_refused_on_a_gridworld(params, message):
    from gridrl.agents import HyperparameterError

    with pytest.raises(HyperparameterError, match=message):
        make_agent("dpo", GARDEN, {"pairs": 5, **params})


def test_the_default_reference_is_the_sft_walker_on_a_gridworld_and_uniform_on_a_bandit():
    """reference: auto (the default) gives the SFT walker on a gridworld, whose episodes are
    short, and the uniform policy on a bandit, as before."""
    grid = make_agent("dpo", GARDEN, {"pairs": 10}, seed=0)
    np.testing.assert_array_equal(grid.pi_ref, sft_policy(TabularModel.from_level(GARDEN)))
    bandit = make_agent("dpo", load_level("preference_bandit"), {"pairs": 10}, seed=0)
    np.testing.assert_array_equal(bandit.pi_ref, np.full(5, 0.2))
