"""RLOO: the leave-one-out advantage, the REINFORCE gradient, learning.

The math is checked on hand-built numbers: the advantages of the group [1, 0, 0, 1] are
[2/3, -2/3, -2/3, 2/3], a tied group gives A = 0; the loss's gradient on a tabular softmax
policy is the REINFORCE estimator 1/k sum_i A_i sum_t (e_a - pi(.|s)) computed by hand.
Learning with a fixed seed: the best arm of "bernoulli_3", the greedy path of corridor.
Then one Adam step per group, the event, determinism, save/load and validation.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gridrl.agents import HyperparameterError, agent_class, make_agent
from gridrl.agents.rloo import RLOO, leave_one_out_advantages, rloo_loss
from gridrl.levels import load_level
from learning_helpers import greedy_path

# Budgets (fixed seed 0). Seeds 0-2 passed pi(high) > 0.9 after 22, 18 and 19 groups of 8
# pulls, and the corridor's greedy path by 60 groups of 8 episodes, when they were chosen.
BANDIT_UPDATES = 100
CORRIDOR_UPDATES = 60


# --------------------------------------------------------------------------- advantages (line 6)


def test_leave_one_out_advantages_by_hand():
    # A_1 = 1 - (0 + 0 + 1)/3 = 2/3, A_2 = 0 - (1 + 0 + 1)/3 = -2/3, ...
    A, zero_signal = leave_one_out_advantages(np.array([1.0, 0.0, 0.0, 1.0]))
    assert not zero_signal
    np.testing.assert_allclose(A, [2 / 3, -2 / 3, -2 / 3, 2 / 3], rtol=1e-12)
    # k/(k-1) times the centred returns: RLOO is Dr. GRPO's advantage scaled by 4/3 here
    R = np.random.default_rng(0).normal(size=5)
    np.testing.assert_allclose(leave_one_out_advantages(R)[0], 5 / 4 * (R - R.mean()), rtol=1e-12)
    for i in range(5):  # and literally each return less the mean of the others
        assert leave_one_out_advantages(R)[0][i] == pytest.approx(R[i] - np.delete(R, i).mean(), abs=1e-12)


def test_tied_group_gives_exact_zeros():
    for R in ([0.0] * 4, [0.1] * 4, [-3.7] * 2):  # 0.1 * 3 / 3 != 0.1 in floating point
        A, zero_signal = leave_one_out_advantages(np.array(R))
        assert zero_signal and np.array_equal(A, np.zeros(len(R)))


# --------------------------------------------------------------------------- the gradient (line 7)


def test_gradient_is_the_reinforce_estimator_with_the_leave_one_out_baseline():
    """A tiny policy: a table of logits theta[s] over 3 actions in 2 states, pi = softmax.
    d log pi(a|s) / d theta[s] = e_a - pi(.|s), so g = 1/k sum_i A_i sum_t (e_a - pi(.|s_t))
    in row s_t. Four episodes of lengths 1, 2, 3, 1, returns [1, 0, 0, 1]."""
    theta = torch.tensor([[0.2, -0.4, 0.1], [1.0, 0.0, -1.0]], dtype=torch.float64, requires_grad=True)
    states = np.array([[0, 1, 0, 1], [0, 1, 1, 0], [0, 0, 1, 0]])  # (T, k); after an episode ends: junk
    actions = np.array([[2, 0, 1, 1], [1, 2, 0, 0], [0, 0, 2, 2]])
    mask = np.array([[1, 1, 1, 1], [0, 1, 1, 0], [0, 0, 1, 0]], dtype=np.float64)
    A, _ = leave_one_out_advantages(np.array([1.0, 0.0, 0.0, 1.0]))

    logp_all = torch.log_softmax(theta, dim=1)
    logp = logp_all[torch.as_tensor(states), torch.as_tensor(actions)]
    loss = rloo_loss(logp, torch.as_tensor(A).expand(3, 4), torch.as_tensor(mask))
    (grad,) = torch.autograd.grad(-loss, theta)

    pi = torch.softmax(theta, dim=1).detach().numpy()
    g = np.zeros((2, 3))
    for i in range(4):
        for t in range(int(mask[:, i].sum())):
            s, a = states[t, i], actions[t, i]
            g[s] += A[i] * (np.eye(3)[a] - pi[s]) / 4
    np.testing.assert_allclose(grad.numpy(), g, rtol=1e-12, atol=1e-15)
    assert np.abs(g).max() > 0.05  # the estimate is not trivially zero
    # the loss's value: -1/k sum_i A_i log pi(o_i)
    log_pi_o = [sum(float(logp.detach()[t, i]) for t in range(int(mask[:, i].sum()))) for i in range(4)]
    assert float(loss.detach()) == pytest.approx(-np.dot(A, log_pi_o) / 4, abs=1e-12)


# --------------------------------------------------------------------------- the agent


def test_learns_best_bandit_arm():
    agent = make_agent("rloo", load_level("bernoulli_3"), {}, seed=0)
    for _ in range(BANDIT_UPDATES):
        event = agent.step()
        assert event.info["updated"]  # a group is one pull of each of k copies
    assert agent.insight().pi[0, 2] > 0.9
    np.testing.assert_allclose(agent.insight().extras["true_means"], [0.2, 0.5, 0.8])


def test_learns_corridor_greedy_path():
    agent = make_agent("rloo", load_level("corridor"), {}, seed=0)
    for _ in range(CORRIDOR_UPDATES):
        agent.update()
    assert greedy_path(agent) == list(range(9))  # 8 steps right, S to G


def test_one_adam_step_per_group_and_the_event():
    agent = make_agent("rloo", load_level("corridor"), {"group_size": 4}, seed=3)
    for k in range(1, 4):
        event = agent.update()
        assert agent.optimizer.t == k  # plain REINFORCE: one gradient step per group
    info, backup = event.info, event.backup
    assert info["updated"] and info["group_size"] == 4
    for key in RLOO.diagnostics:
        assert np.isfinite(info[key]), key
    R, lengths = backup["R"], backup["lengths"]
    np.testing.assert_allclose(R, 0.9 ** (lengths - 1.0))  # +1 at the goal, discounted
    np.testing.assert_array_equal(backup["A"], leave_one_out_advantages(R)[0])
    assert sorted(n for _, n in event.episodes) == sorted(lengths.tolist())
    ins = agent.insight()
    assert np.isnan(ins.V).all() and np.isnan(ins.Q).all()
    np.testing.assert_array_equal(ins.extras["group_advantages"], backup["A"])


def test_same_seed_same_numbers():
    def run(seed):
        agent = make_agent("rloo", load_level("corridor"), {"group_size": 4}, seed=seed)
        events = [agent.update() for _ in range(3)]
        return agent.insight().pi, [e.info["loss"] for e in events]

    pi_a, loss_a = run(7)
    pi_b, loss_b = run(7)
    assert np.array_equal(pi_a, pi_b) and loss_a == loss_b
    assert not np.array_equal(run(8)[0], pi_a)


def test_state_dict_round_trip():
    agent = make_agent("rloo", load_level("corridor"), {"group_size": 4}, seed=0)
    for _ in range(3):
        agent.update()
    fresh = make_agent("rloo", load_level("corridor"), {"group_size": 4}, seed=123)
    assert not np.allclose(fresh.insight().pi, agent.insight().pi)
    fresh.load_state_dict(agent.state_dict())
    np.testing.assert_array_equal(fresh.insight().pi, agent.insight().pi)
    assert fresh.zero_signal_groups == agent.zero_signal_groups


@pytest.mark.parametrize(
    "params",
    [{"group_size": 1}, {"lr": 0}, {"max_episode_steps": 0}, {"hidden": 0}, {"obs": "pixels"}, {"gamma": 1.2},
     {"clip_coef": 0.2}],
)  # fmt: skip
def test_bad_hyperparameters_refused(params):
    with pytest.raises(HyperparameterError):
        make_agent("rloo", load_level("corridor"), params)


def test_registry_and_spec():
    assert agent_class("rloo") is RLOO
    assert {h.name for h in RLOO.spec()} == {"group_size", "lr", "max_episode_steps", "hidden", "obs", "gamma"}
    assert all(h.help for h in RLOO.spec())
