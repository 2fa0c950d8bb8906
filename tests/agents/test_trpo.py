"""TRPO against its paper: conjugate gradient solves F x = g, the Fisher-vector product is the
Fisher matrix times v, every accepted step stays inside the KL trust region (measured after
the update), and the line search refuses steps that would leave it. Small fixed-seed runs
reach the optimal greedy path on "corridor" and slip-free FrozenLake 4x4 and the best arm of
"bernoulli_3". Determinism, save/load, validation.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
import torch
from torch.nn.utils import parameters_to_vector, vector_to_parameters

from gridrl.agents import HyperparameterError, make_agent
from gridrl.agents.common.onpolicy import Samples
from gridrl.agents.common.policy import CategoricalPolicy
from gridrl.agents.common.policy import categorical_kl, entropy
from gridrl.agents.trpo import (
    TRPO,
    conjugate_gradient,
    fisher_vector_product,
    line_search,
    objective,
    surrogate,
)
from gridrl.levels import load_level
from learning_helpers import frozen_lake_no_slip, greedy_path_length

# Learning budgets (updates of num_envs * num_steps = 32 * 64 = 2048 steps each, seed 0).
# Seed 0's greedy policy is first optimal after 2 (corridor, frozen lake) updates; on the
# bandit, delta = 0.005 moves pi(best arm) slowly: past 0.8 after 12.
CORRIDOR_UPDATES = 4  # 8192 steps
FROZEN_UPDATES = 4  # 8192 steps
BANDIT_UPDATES = 14  # 28,672 pulls


@cache
def trained(level_name: str, updates: int, seed: int = 0):
    level = frozen_lake_no_slip() if level_name == "frozen_lake_no_slip" else load_level(level_name)
    agent = make_agent("trpo", level, {}, seed=seed)
    events = [agent.update() for _ in range(updates)]
    return agent, events


def batch_kl(pi_old: np.ndarray, pi_new: np.ndarray, states: np.ndarray) -> float:
    """mean_t KL(pi_old(.|s_t) || pi_new(.|s_t)) over the batch's states, in numpy."""
    p, q = pi_old[states.ravel()], pi_new[states.ravel()]
    return float(np.mean(np.sum(p * (np.log(p) - np.log(q)), axis=1)))


# --------------------------------------------------------------------------- the math


def test_conjugate_gradient_solves_an_spd_system():
    rng = np.random.default_rng(0)
    M = rng.normal(size=(6, 6))
    F = M @ M.T + 0.5 * np.eye(6)  # symmetric positive definite
    g = rng.normal(size=6)
    F_t = torch.as_tensor(F)
    x, iters, residual = conjugate_gradient(lambda v: F_t @ v, torch.as_tensor(g), iters=20, tol=1e-20)
    assert np.allclose(x.numpy(), np.linalg.solve(F, g), rtol=1e-8, atol=1e-10)
    assert iters <= 6 + 1 and residual < 1e-8  # exact in n steps (up to rounding)
    # stopped early, it reports its true residual |g - F x|
    x3, iters3, residual3 = conjugate_gradient(lambda v: F_t @ v, torch.as_tensor(g), iters=3)
    assert iters3 == 3 and residual3 == pytest.approx(np.linalg.norm(g - F @ x3.numpy()), rel=1e-6)
    assert residual3 > 1e-6


def test_fisher_vector_product_is_the_fisher_matrix_times_v():
    torch.manual_seed(0)
    policy = CategoricalPolicy(obs_dim=3, n_actions=3, hidden=4).double()
    params = list(policy.parameters())
    obs = torch.randn(5, 3, dtype=torch.float64)
    logp_old_all = policy.log_probs(obs).detach()
    Fv = fisher_vector_product(categorical_kl(logp_old_all, policy.log_probs(obs)).mean(), params, damping=0.1)
    # F = mean_s J_s^T (diag(p_s) - p_s p_s^T) J_s with J_s = d logits(s) / d theta
    P = sum(p.numel() for p in params)
    F = np.zeros((P, P))
    for s in range(len(obs)):
        logits = policy(obs[s : s + 1])[0]
        J = torch.stack([parameters_to_vector(torch.autograd.grad(logits[k], params, retain_graph=True))
                         for k in range(3)]).numpy()  # fmt: skip
        p = logp_old_all[s].exp().numpy()
        F += J.T @ (np.diag(p) - np.outer(p, p)) @ J / len(obs)
    v = torch.randn(P, dtype=torch.float64)
    assert np.allclose(Fv(v).numpy(), F @ v.numpy() + 0.1 * v.numpy(), rtol=1e-6, atol=1e-10)


def test_line_search_shrinks_a_step_until_the_kl_constraint_holds():
    # A made-up problem: L(theta) = sum theta, KL(theta) = 1/2 |theta|^2, theta_old = 0.
    def evaluate(theta):
        return float(theta.sum()), float(0.5 * theta.dot(theta))

    full = torch.tensor([2.0, 0.0])  # KL 2 at the full step: 20 times delta = 0.1
    found = line_search(evaluate, torch.zeros(2), full, L_old=0.0, delta=0.1, backtrack_coef=0.5)
    # fractions 1, 1/2, 1/4 give KL 2, 0.5, 0.125 > 0.1 (rejected); 1/8 gives 0.03125
    assert found.accepted and found.fraction == 0.125 and found.tries == 4
    assert found.kl_full_step == 2.0 and found.kl <= 0.1 and torch.equal(found.theta, torch.tensor([0.25, 0.0]))
    # a step that only makes L worse is never accepted, however small its KL
    worse = line_search(evaluate, torch.zeros(2), -full, L_old=0.0, delta=0.1, backtrack_iters=6)
    assert not worse.accepted and worse.fraction == 0.0 and torch.equal(worse.theta, torch.zeros(2))
    # a step that stays outside the region for all K tries is refused too
    far = line_search(evaluate, torch.zeros(2), 1000 * full, L_old=0.0, delta=0.1, backtrack_iters=5)
    assert not far.accepted and torch.equal(far.theta, torch.zeros(2))


def test_the_objective_is_the_surrogate_plus_ent_coef_times_the_mean_entropy():
    logits = torch.tensor([[0.0, 0.0], [2.0, 0.0]])
    mb = Samples(actions=torch.tensor([0, 1]), logp_old=torch.log(torch.tensor([0.5, 0.5])),
                 logp_old_all=torch.zeros(2, 2), A_hat=torch.tensor([1.0, -2.0]), returns=torch.zeros(2),
                 V_old=torch.zeros(2))  # fmt: skip
    p = 1 / (1 + np.exp(-2.0))  # pi(a=0 | s_1)
    L = (1 * 0.5 / 0.5 + -2.0 * (1 - p) / 0.5) / 2  # mean rho_t A_t
    H = (np.log(2) - p * np.log(p) - (1 - p) * np.log(1 - p)) / 2  # mean entropy
    logp_all = torch.log_softmax(logits, dim=-1)
    assert float(surrogate(logp_all, mb)[0]) == pytest.approx(L, rel=1e-6)
    assert float(objective(logp_all, mb, 0.0)) == pytest.approx(L, rel=1e-6)
    assert float(objective(logp_all, mb, 0.3)) == pytest.approx(L + 0.3 * H, rel=1e-6)


def test_with_zero_advantages_only_the_entropy_bonus_moves_the_policy_and_it_spreads_it():
    def natural_step(ent_coef):
        agent = make_agent("trpo", load_level("corridor"), {"ent_coef": ent_coef}, seed=0)
        with torch.no_grad():  # a peaked first policy: every state prefers "up"
            agent.actor.net[-1].bias.copy_(torch.tensor([2.0, 0.0, 0.0, 0.0]))
        obs = agent.obs_all_t
        logp_all = agent.actor.log_probs(obs).detach()
        n = len(obs)
        mb = Samples(actions=torch.zeros(n, dtype=torch.long), logp_old=logp_all[:, 0], logp_old_all=logp_all,
                     A_hat=torch.zeros(n), returns=torch.zeros(n), V_old=torch.zeros(n))  # fmt: skip
        theta_old, step, _, _ = agent.natural_step(obs, mb)
        return agent, obs, theta_old, step

    def mean_entropy(agent, obs):
        return float(entropy(agent.actor.log_probs(obs).detach()).mean())

    _, _, _, step = natural_step(0.0)
    assert float(step.abs().sum()) == 0.0  # A = 0 and no bonus: L is flat, nothing to climb
    agent, obs, theta_old, step = natural_step(0.1)
    H_before = mean_entropy(agent, obs)
    vector_to_parameters(theta_old + step, list(agent.actor.parameters()))
    assert mean_entropy(agent, obs) > H_before + 1e-3


def test_accepted_steps_stay_inside_the_trust_region():
    delta = 0.01
    agent = make_agent("trpo", frozen_lake_no_slip(), {"delta": delta}, seed=1)
    accepted = 0
    for _ in range(4):
        pi_old = agent.insight().pi  # the policy that collects the next batch
        info = agent.update().info
        measured = batch_kl(pi_old, agent.insight().pi, agent.rollout.states)
        assert measured == pytest.approx(info["kl"], rel=1e-3, abs=1e-7)
        assert measured <= delta * (1 + 1e-4)
        if info["line_search_accepted"]:
            accepted += 1
            assert measured > 0 and info["surrogate_improvement"] > 0
    assert accepted >= 3


def test_the_full_step_reaches_the_edge_of_the_quadratic_trust_region():
    # Appendix C: beta = sqrt(2 delta / (s^T F s)) puts 1/2 (beta s)^T F (beta s) exactly at delta.
    delta = 0.02
    agent = make_agent("trpo", load_level("corridor"), {"delta": delta}, seed=0)
    natural_step, seen = agent.natural_step, {}

    def natural_step_and_check(obs, mb):
        theta_old, full_step, L_old, info = natural_step(obs, mb)
        kl = categorical_kl(mb.logp_old_all, agent.actor.log_probs(obs)).mean()
        Fv = fisher_vector_product(kl, list(agent.actor.parameters()), agent.config.cg_damping)
        seen["quadratic_kl"] = 0.5 * float(torch.dot(full_step, Fv(full_step)))
        return theta_old, full_step, L_old, info

    agent.natural_step = natural_step_and_check
    agent.update()
    assert seen["quadratic_kl"] == pytest.approx(delta, rel=1e-4)


def test_line_search_rejects_a_step_that_would_leave_the_trust_region():
    delta = 0.01
    agent = make_agent("trpo", load_level("corridor"), {"delta": delta}, seed=0)
    natural_step = agent.natural_step

    def ten_times_too_far(obs, mb):  # the quadratic model's step, made 10 times longer
        theta_old, full_step, L_old, info = natural_step(obs, mb)
        return theta_old, 10 * full_step, L_old, info

    agent.natural_step = ten_times_too_far
    pi_old = agent.insight().pi
    info = agent.update().info
    assert info["kl_full_step"] > delta  # the full step would have left the region ...
    assert info["line_search_accepted"] and info["line_search_fraction"] < 1  # ... so it was shrunk
    measured = batch_kl(pi_old, agent.insight().pi, agent.rollout.states)
    assert 0 < measured <= delta * (1 + 1e-4)


def test_update_reports_its_diagnostics():
    agent, events = trained("corridor", CORRIDOR_UPDATES)
    info = events[0].info
    assert info["updated"] is True
    for key in ("kl", "surrogate_improvement", "line_search_fraction", "cg_iterations", "cg_residual", "entropy",
                "explained_variance", "value_loss", "step_size", "expected_improvement", "kl_full_step"):  # fmt: skip
        assert np.isfinite(info[key]), key
    assert info["line_search_accepted"] and 0 < info["line_search_fraction"] <= 1
    assert 1 <= info["cg_iterations"] <= 10 and info["kl"] <= agent.config.delta * (1 + 1e-4)
    assert {"s", "a", "rho", "A_hat"} <= set(events[0].backup) and "delta" in events[0].equation
    ins = agent.insight()
    assert ins.pi.shape == (9, 4) and np.allclose(ins.pi.sum(1), 1) and ins.V.shape == (9,)


# --------------------------------------------------------------------------- learning


def test_learns_the_corridor():
    agent, _ = trained("corridor", CORRIDOR_UPDATES)
    assert greedy_path_length(agent) == 8


def test_learns_frozen_lake_without_slip():
    agent, _ = trained("frozen_lake_no_slip", FROZEN_UPDATES)
    assert greedy_path_length(agent) == 6


def test_finds_the_best_bernoulli_arm():
    agent, _ = trained("bernoulli_3", BANDIT_UPDATES)
    pi = agent.insight().pi
    assert pi.shape == (1, 3) and pi[0, 2] > 0.8


# --------------------------------------------------------------------------- determinism, save, validation


def test_same_seed_same_numbers():
    def run(seed):
        agent = make_agent("trpo", load_level("corridor"), {}, seed=seed)
        infos = [agent.update().info for _ in range(2)]
        return agent.insight(), infos

    (a, infos_a), (b, infos_b), (c, _) = run(3), run(3), run(4)
    assert np.array_equal(a.pi, b.pi) and np.array_equal(a.V, b.V) and infos_a == infos_b
    assert not np.array_equal(a.pi, c.pi)


def test_state_dict_round_trip():
    agent = make_agent("trpo", load_level("corridor"), {}, seed=0)
    for _ in range(2):
        agent.update()
    other = make_agent("trpo", load_level("corridor"), {}, seed=9)
    assert not np.array_equal(other.insight().pi, agent.insight().pi)
    other.load_state_dict(agent.state_dict())
    assert np.array_equal(other.insight().pi, agent.insight().pi)
    assert np.array_equal(other.insight().V, agent.insight().V) and other.updates_done == 2


@pytest.mark.parametrize("params", [
    {"delta": 0}, {"delta": -0.01}, {"lam": 1.5}, {"backtrack_coef": 0}, {"backtrack_coef": 1.5},
    {"cg_iters": 0}, {"num_minibatches": 4096}, {"ent_coef": -0.01},
])  # fmt: skip
def test_bad_hyperparameters_are_refused(params):
    with pytest.raises(HyperparameterError):
        make_agent("trpo", load_level("corridor"), params)


def test_registry():
    assert isinstance(make_agent("trpo", load_level("bernoulli_3")), TRPO)
