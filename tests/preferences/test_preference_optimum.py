"""The KL-regularised optimum: the bandit's closed form, soft value iteration, KL and TV."""

from __future__ import annotations

import numpy as np
import pytest

from gridrl.envs.evaluation import optimal_value
from gridrl.envs.model import TabularModel
from gridrl.levels import load_level, parse_level
from gridrl.preferences import (
    kl,
    kl_regularised_bandit,
    reference_policy,
    soft_optimal_policy,
    total_variation,
    true_reward,
)


def objective(pi: np.ndarray, r: np.ndarray, pi_ref: np.ndarray, beta: float) -> float:
    """J(pi) = E_pi[r] - beta KL(pi || pi_ref)."""
    return float(pi @ r) - beta * kl(pi, pi_ref)


# --------------------------------------------------------------------------- bandit


def test_bandit_optimum_by_hand() -> None:
    # r = (0, ln 2, ln 4), pi_ref = (1/2, 1/4, 1/4).
    # beta = 1: pi_ref * exp(r) = (1/2, 1/2, 1), Z = 2  ->  (1/4, 1/4, 1/2).
    # beta = 2: pi_ref * exp(r/2) = (1/2, sqrt2/4, 1/2), Z = 1 + sqrt2/4.
    r, ref = np.log([1.0, 2.0, 4.0]), np.array([0.5, 0.25, 0.25])
    assert kl_regularised_bandit(r, ref, 1.0) == pytest.approx([0.25, 0.25, 0.5], abs=1e-15)
    z = 1 + np.sqrt(2) / 4
    assert kl_regularised_bandit(r, ref, 2.0) == pytest.approx([0.5 / z, np.sqrt(2) / 4 / z, 0.5 / z], abs=1e-15)


def test_preference_bandit_numbers_in_its_description() -> None:
    level = load_level("preference_bandit")
    r, ref = true_reward(level), reference_policy(level, "preference_bandit")
    assert r.tolist() == [-1.0, -0.5, 0.0, 0.5, 1.0]
    assert ref.tolist() == [0.1, 0.1, 0.6, 0.1, 0.1]
    assert kl_regularised_bandit(r, ref, 1.0)[[2, 4]] == pytest.approx([0.529, 0.240], abs=5e-4)
    assert kl_regularised_bandit(r, ref, 0.25)[4] == pytest.approx(0.801, abs=5e-4)


def test_bandit_beta_limits() -> None:
    r, ref = np.array([0.3, -1.0, 2.0, 2.0 - 1e-3]), np.array([0.4, 0.3, 0.2, 0.1])
    assert kl_regularised_bandit(r, ref, np.inf).tolist() == ref.tolist()
    assert kl_regularised_bandit(r, ref, 1e9) == pytest.approx(ref, abs=1e-8)
    assert kl_regularised_bandit(r, ref, 1e-5) == pytest.approx([0, 0, 1, 0], abs=1e-30)
    assert kl_regularised_bandit(r, ref, 1e-300)[2] == 1.0  # no overflow at r / beta = 2e300
    # beta = 0 is the limit: argmax over pi_ref's support, ties shared equally.
    assert kl_regularised_bandit(np.array([1.0, 5.0, 5.0]), np.array([0.5, 0.25, 0.25]), 0.0).tolist() == [0, 0.5, 0.5]
    assert kl_regularised_bandit(np.array([1.0, 5.0]), np.array([1.0, 0.0]), 0.0).tolist() == [1.0, 0.0]


def test_bandit_optimum_maximises_the_objective() -> None:
    rng = np.random.default_rng(0)
    r, ref = rng.normal(size=6), rng.dirichlet(np.ones(6))
    for beta in (0.1, 1.0, 10.0):
        best = kl_regularised_bandit(r, ref, beta)
        J_best = objective(best, r, ref, beta)
        # The maximum is beta log Z, Z = E_ref[exp(r / beta)] (the Gibbs variational principle).
        assert J_best == pytest.approx(beta * np.log(ref @ np.exp(r / beta)), rel=1e-12)
        others = np.concatenate([rng.dirichlet(np.ones(6), 500),
                                 rng.dirichlet(best * 1e4 + 1e-9, 500)])  # near the optimum too  # fmt: skip
        J_others = [objective(p, r, ref, beta) for p in others]
        assert max(J_others) < J_best


def test_bandit_refuses_a_bad_reference_or_beta() -> None:
    with pytest.raises(ValueError, match="probability distribution"):
        kl_regularised_bandit(np.zeros(2), np.array([0.5, 0.6]), 1.0)
    with pytest.raises(ValueError, match="beta must be >= 0"):
        kl_regularised_bandit(np.zeros(2), np.array([0.5, 0.5]), -1.0)


# --------------------------------------------------------------------------- KL and TV


def test_kl_and_total_variation_by_hand() -> None:
    p, q = np.array([0.5, 0.5, 0.0]), np.array([0.25, 0.5, 0.25])
    assert kl(p, q) == pytest.approx(0.5 * np.log(2), abs=1e-15)
    assert kl(q, p) == np.inf  # q puts mass where p has none
    assert total_variation(p, q) == pytest.approx(0.25)
    P, Q = np.stack([p, q]), np.stack([q, q])
    assert kl(P, Q) == pytest.approx([0.5 * np.log(2), 0.0], abs=1e-15)
    assert total_variation(P, Q) == pytest.approx([0.25, 0.0])
    assert isinstance(kl(p, q), float) and kl(P, Q).shape == (2,)


# --------------------------------------------------------------------------- soft value iteration


def soft_backup(model: TabularModel, reward_sa, pi_ref, beta, gamma, V) -> np.ndarray:
    """One soft Bellman backup written out plainly, as the test's reference."""
    Q = reward_sa + gamma * (model.P @ V)
    return beta * np.log((pi_ref * np.exp(Q / beta)).sum(axis=1))


def test_one_state_model_is_the_bandit() -> None:
    # One cell: every move bumps and stays, so V = beta log Z / (1 - gamma) and pi* = the bandit's.
    model = TabularModel.from_level(parse_level("kind: gridworld\nlayout: |\n  S\n"))
    r, ref = np.array([[1.0, -0.5, 0.25, 0.0]]), np.array([[0.1, 0.2, 0.3, 0.4]])
    pi, V = soft_optimal_policy(model, r, ref, beta=0.5, gamma=0.9)
    assert pi[0] == pytest.approx(kl_regularised_bandit(r[0], ref[0], 0.5), abs=1e-12)
    assert V[0] == pytest.approx(0.5 * np.log(ref[0] @ np.exp(r[0] / 0.5)) / (1 - 0.9), abs=1e-8)


def test_gamma_zero_is_a_bandit_in_every_state() -> None:
    model = TabularModel.from_level("corridor")
    rng = np.random.default_rng(1)
    r, ref = rng.normal(size=(model.n_states, 4)), rng.dirichlet(np.ones(4), model.n_states)
    pi, _ = soft_optimal_policy(model, r, ref, beta=0.7, gamma=0.0)
    live = ~model.terminal
    for s in np.flatnonzero(live):
        assert pi[s] == pytest.approx(kl_regularised_bandit(r[s], ref[s], 0.7), abs=1e-12)


def test_soft_bellman_equation_holds_on_a_slippery_level() -> None:
    model = TabularModel.from_level("frozen_lake_4x4")
    rng = np.random.default_rng(2)
    ref = rng.dirichlet(np.ones(4), model.n_states)
    pi, V = soft_optimal_policy(model, model.R, ref, beta=0.3, gamma=0.95)
    assert np.max(np.abs(soft_backup(model, model.R, ref, 0.3, 0.95, V) - V)) < 1e-9
    Q = model.R + 0.95 * model.expected_next(V)
    # pi* = pi_ref exp((Q - V) / beta) holds up to V's residual over beta: 1e-10 / 0.3.
    assert pi == pytest.approx(ref * np.exp((Q - V[:, None]) / 0.3), abs=1e-9)
    assert pi.sum(axis=1) == pytest.approx(np.ones(model.n_states), abs=1e-12)


def regularised_value(model: TabularModel, pi, pi_ref, beta, gamma) -> np.ndarray:
    """v_pi of the reward r(s,a) - beta log(pi/pi_ref): (I - gamma P_pi)^-1 (r_pi - beta KL_pi)."""
    P_pi = np.einsum("sa,sat->st", pi, model.P)
    r_pi = (pi * model.R).sum(axis=1) - beta * kl(pi, pi_ref)
    return np.linalg.solve(np.eye(model.n_states) - gamma * P_pi, r_pi)


def test_soft_optimum_beats_every_other_policy() -> None:
    model = TabularModel.from_level("frozen_lake_4x4")
    rng = np.random.default_rng(3)
    ref = rng.dirichlet(np.ones(4), model.n_states)
    pi, V = soft_optimal_policy(model, model.R, ref, beta=0.2, gamma=0.9)
    assert regularised_value(model, pi, ref, 0.2, 0.9) == pytest.approx(V, abs=1e-8)
    for _ in range(50):
        other = np.array([rng.dirichlet(p * 300 + 0.01) for p in pi])  # a policy near pi*
        assert np.all(regularised_value(model, other, ref, 0.2, 0.9) <= V + 1e-12)


@pytest.mark.parametrize("level", ["corridor", "cliff_walking", "small_gridworld"])
def test_small_beta_gives_the_optimal_policy(level: str) -> None:
    model = TabularModel.from_level(level)
    gamma = 0.9
    model = TabularModel(model.level, model.grid, model.next_state, model.prob, model.reward, model.reward_std, gamma)
    V_star = optimal_value(model, horizon=100_000)
    Q_star = model.q_from_v(V_star)
    ref = np.full((model.n_states, 4), 0.25)
    live = ~(model.terminal | model.wall)
    for beta in (1e-3, 0.05, 0.5):
        pi, V = soft_optimal_policy(model, model.R, ref, beta=beta, gamma=gamma)
        # With a uniform reference, 0 <= V* - V_soft <= beta log 4 / (1 - gamma): the KL to
        # uniform is at most log 4 per step.
        gap = V_star - V
        assert np.all(gap >= -1e-9) and np.all(gap <= beta * np.log(4) / (1 - gamma) + 1e-9)
        if beta == 1e-3:
            greedy = np.argmax(pi, axis=1)
            best = Q_star >= Q_star.max(axis=1, keepdims=True) - 1e-9
            assert np.all(best[np.flatnonzero(live), greedy[live]])
            # All the mass is on the optimal actions (shared among ties).
            assert np.all((pi * best).sum(axis=1)[live] > 1 - 1e-9)
