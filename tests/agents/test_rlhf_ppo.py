"""The rlhf-ppo agent: the KL-shaped reward and the clipped surrogate's gradient by hand on two
arms, and what it converges to against the closed-form answers derived in gridrl/agents/rlhf_ppo.py:
pi* = pi_ref exp(r / beta) / Z with the true reward (the issue's done-when: KL < 0.02, the same
beta as DPO's test), and pi_ref exp(r_phi / beta) / Z with the Bradley-Terry fit, whose distance
to pi* the fit's standard errors predict."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from gridrl.agents import HyperparameterError, LevelMismatchError, make_agent
from gridrl.agents.rlhf_ppo import clipped_surrogate, shaped_reward
from gridrl.levels import load_level
from gridrl.preferences import REFERENCE_POLICIES, kl, kl_regularised_bandit

BANDIT = load_level("preference_bandit")  # five Gaussian arms, means -1, -0.5, 0, 0.5, 1
R = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
REF = np.array(REFERENCE_POLICIES["preference_bandit"])  # 0.1, 0.1, 0.6, 0.1, 0.1
PI_REF = ",".join(str(p) for p in REF)


def trained(updates: int, seed: int = 0, **params):
    agent = make_agent("rlhf-ppo", BANDIT, {"reference": PI_REF, **params}, seed=seed)
    for _ in range(updates):
        event = agent.update()
    return agent, event


# --------------------------------------------------------------------------- the loss by hand


def test_kl_shaped_reward_by_hand():
    """R(a) = r_phi(a) - beta log(pi_old(a) / pi_ref(a)) with pi_old = (1/2, 1/2), pi_ref = (0.8, 0.2),
    beta = 1/2: arm 0 is under-used against pi_ref (a bonus), arm 1 over-used (a charge)."""
    R_arm = shaped_reward(np.array([0.0, 1.0]), np.log([0.5, 0.5]), np.log([0.8, 0.2]), beta=0.5)
    np.testing.assert_allclose(R_arm, [0.0 - 0.5 * math.log(0.5 / 0.8), 1.0 - 0.5 * math.log(0.5 / 0.2)])
    np.testing.assert_allclose(R_arm, [0.235002, 0.541854], atol=1e-6)


def test_surrogate_gradient_at_ratio_one_by_hand():
    """theta = log pi_old: every rho = 1, nothing clipped, L = -mean A = 0 and
    grad = -(1/K) sum_i A_i (e_a_i - pi). Samples (0, 1, 1), A = (-1, 1/2, 1/2): the advantages
    sum to 0, so grad = -(1/3)(-1, 1) = (1/3, -1/3): arm 0's logit falls, arm 1's rises."""
    pi_old = np.array([0.25, 0.75])
    L, grad, clipped = clipped_surrogate(np.log(pi_old), pi_old, np.array([0, 1, 1]), np.array([-1.0, 0.5, 0.5]), 0.2)
    assert L == pytest.approx(0.0, abs=1e-15) and clipped == 0.0
    np.testing.assert_allclose(grad, [1 / 3, -1 / 3])


def test_clipping_by_hand():
    """pi = (1/2, 1/2) against pi_old = (1/4, 3/4): rho = 2 for arm 0, 2/3 for arm 1, eps = 0.2.
    Arm 0 with A > 0 and arm 1 with A < 0 are past the clip (gradient 0); the other two are not.
    L = -(1/4)[1.2 - 2 - 0.8 + 2/3] = 0.23333; the live terms push -(1/4)(-2, 2/3), less pi times
    their sum -1/3: grad = (1/3, -1/3)."""
    pi_old = np.array([0.25, 0.75])
    a, A = np.array([0, 0, 1, 1]), np.array([1.0, -1.0, -1.0, 1.0])
    L, grad, clipped = clipped_surrogate(np.log([0.5, 0.5]), pi_old, a, A, 0.2)
    assert L == pytest.approx(-(1.2 - 2.0 - 0.8 + 2 / 3) / 4)
    assert clipped == 0.5
    np.testing.assert_allclose(grad, [1 / 3, -1 / 3])
    # eps = 1.5 clips neither ratio: all four push, (2, -2) on arm 0 and (-2/3, 2/3) on arm 1 cancel
    L_wide, grad_wide, clipped_wide = clipped_surrogate(np.log([0.5, 0.5]), pi_old, a, A, 1.5)
    assert clipped_wide == 0.0 and L_wide == pytest.approx(0.0, abs=1e-15)
    np.testing.assert_allclose(grad_wide, [0.0, 0.0], atol=1e-15)


def test_gradient_matches_finite_differences():
    rng = np.random.default_rng(5)
    k = 5
    pi_old = rng.dirichlet(np.ones(k))
    theta = np.log(pi_old) + rng.normal(scale=0.1, size=k)
    a, A = rng.integers(k, size=64), rng.normal(size=64)
    L, grad, _ = clipped_surrogate(theta, pi_old, a, A, 0.2)
    numeric = np.empty(k)
    for arm in range(k):
        step = np.zeros(k)
        step[arm] = 1e-6
        numeric[arm] = (clipped_surrogate(theta + step, pi_old, a, A, 0.2)[0]
                        - clipped_surrogate(theta - step, pi_old, a, A, 0.2)[0]) / 2e-6  # fmt: skip
    np.testing.assert_allclose(grad, numeric, atol=1e-7)


def test_first_epoch_gradient_is_the_objectives():
    """Samples in exactly pi_old's proportions (1 of arm 0, 3 of arm 1 for pi_old = (1/4, 3/4)):
    line 9's gradient at rho = 1 with line 5's reward and line 6's baseline is minus the gradient
    of J(theta) = E_pi[r_phi] - beta KL(pi || pi_ref), by finite differences."""
    r_phi, pi_ref, beta = np.array([0.3, -0.2]), np.array([0.6, 0.4]), 0.7
    pi_old = np.array([0.25, 0.75])
    a = np.array([0, 1, 1, 1])
    R = shaped_reward(r_phi, np.log(pi_old), np.log(pi_ref), beta)[a]
    _, grad, _ = clipped_surrogate(np.log(pi_old), pi_old, a, R - R.mean(), 0.2)

    def J(theta: np.ndarray) -> float:
        pi = np.exp(theta) / np.exp(theta).sum()
        return float(pi @ r_phi - beta * kl(pi, pi_ref))

    h = 1e-6
    dJ = [(J(np.log(pi_old) + h * e) - J(np.log(pi_old) - h * e)) / (2 * h) for e in np.eye(2)]
    np.testing.assert_allclose(grad, -np.array(dJ), atol=1e-8)


# --------------------------------------------------------------------------- what it converges to


@pytest.mark.parametrize("beta", [0.5, 1.0])
def test_true_reward_converges_to_the_closed_form_optimum(beta):
    """The issue's done-when: RLHF-PPO with the true reward and DPO's beta reaches
    pi* = pi_ref exp(r / beta) / Z within KL 0.02. Every advantage is 0 at pi*, so the samples'
    noise dies there and the policy rests on it: 200 updates (K = 256, 4 epochs) leave KL
    3e-7 at beta = 0.5 and 1e-16 at beta = 1 (measured)."""
    agent, event = trained(200, beta=beta, reward="true")
    pi_star = kl_regularised_bandit(R, REF, beta)
    pi = agent.insight().pi[0]
    assert kl(pi, pi_star) < 0.02
    assert kl(pi, pi_star) < 1e-5
    assert event.info["kl_to_optimum"] == pytest.approx(kl(pi, pi_star))
    assert event.info["reward_model_corr"] == pytest.approx(1.0) and event.info["reward_model_error"] == 0.0
    assert event.info["expected_reward"] == pytest.approx(pi_star @ R, abs=1e-3)


def expected_kl_of_the_fit(n: int, beta: float) -> float:
    """E KL(pi_ref exp(r_phi/beta)/Z || pi*) to second order: (1/2) tr(Sigma F) / beta^2, with Sigma the
    Bradley-Terry fit's covariance (the pseudo-inverse of the Fisher information of n pairs of two
    arms drawn uniformly, sum over ordered (i, j) of n/k^2 p_ij (1 - p_ij) (e_i - e_j)(e_i - e_j)^T)
    and F = diag(pi*) - pi* pi*^T the softmax's Fisher information at pi*."""
    k = R.size
    info = np.zeros((k, k))
    for i in range(k):
        for j in range(k):
            if i != j:
                p = 1 / (1 + math.exp(-(R[i] - R[j])))
                d = np.eye(k)[i] - np.eye(k)[j]
                info += n / k**2 * p * (1 - p) * np.outer(d, d)
    pi_star = kl_regularised_bandit(R, REF, beta)
    F = np.diag(pi_star) - np.outer(pi_star, pi_star)
    return 0.5 * float(np.trace(np.linalg.pinv(info) @ F)) / beta**2


def test_learned_reward_converges_to_the_models_optimum_near_the_true_one():
    """20k Bradley-Terry pairs, beta = 0.5. PPO on the fitted r_phi rests on pi_ref exp(r_phi/beta)/Z
    (its KL to it 0 to rounding), and that is near pi*: the fit's standard errors (0.02 per arm)
    predict E KL = 0.00082 to the true pi* (200 seeds of fits measure 0.00088, the largest 0.0054);
    a single seed is held to 10 times that (for a chi-squared of one degree, a 0.2% tail)."""
    agent, event = trained(300, beta=0.5, pairs=20000)
    expected = expected_kl_of_the_fit(20000, 0.5)
    assert expected == pytest.approx(0.000825, abs=1e-5)
    pi = agent.insight().pi[0]
    model_star = kl_regularised_bandit(agent.r_phi, REF, 0.5)
    assert kl(pi, model_star) < 1e-6 and event.info["kl_to_model_optimum"] == pytest.approx(kl(pi, model_star))
    assert 0 < event.info["kl_to_optimum"] < 10 * expected
    assert event.info["reward_model_corr"] >= 0.99  # the done-when for the reward model
    assert event.info["reward_model_error"] < 0.05  # about the standard errors, 0.02 per arm


def test_same_pairs_as_dpo():
    """One seed, one data set: the reward model is fitted to the pairs DPO learns from."""
    from gridrl.preferences import fit_bradley_terry

    rlhf = make_agent("rlhf-ppo", BANDIT, {"reference": PI_REF, "pairs": 3000}, seed=7)
    dpo = make_agent("dpo", BANDIT, {"reference": PI_REF, "pairs": 3000}, seed=7)
    np.testing.assert_allclose(rlhf.r_phi, fit_bradley_terry(dpo.chosen, dpo.rejected, 5))


def test_a_biased_labeller_misspecifies_the_reward_model():
    """labeller_bias b = (2.5, 0, 0, 0, 0): the labels are Bradley-Terry on r + b, so the fit
    recovers r + b less its mean, (1.0, -1.0, -0.5, 0.0, 0.5), to its standard errors (about
    0.02 per arm), while its correlation and error are still reported against the true means."""
    agent = make_agent("rlhf-ppo", BANDIT, {"reference": PI_REF, "labeller_bias": "2.5,0,0,0,0"}, seed=0)
    np.testing.assert_allclose(agent.r_phi, [1.0, -1.0, -0.5, 0.0, 0.5], atol=0.08)
    centred = R - R.mean()
    assert agent.model_info["reward_model_corr"] == pytest.approx(
        float(np.corrcoef(agent.r_phi, centred)[0, 1]), abs=1e-9)  # fmt: skip
    # the model's error is the bias itself: RMS of b less its mean (2, -0.5, -0.5, -0.5, -0.5) = 1
    assert agent.model_info["reward_model_error"] == pytest.approx(1.0, abs=0.03)


def test_beta_is_live():
    """A new beta swapped into the running agent moves it to the new optimum."""
    agent, _ = trained(100, beta=0.5, reward="true")
    agent.config = dataclasses.replace(agent.config, beta=1.0)
    for _ in range(100):
        event = agent.update()
    assert event.info["kl_to_optimum"] < 1e-6
    np.testing.assert_allclose(agent.pi_star, kl_regularised_bandit(R, REF, 1.0))


def test_too_large_a_step_oscillates_around_the_optimum():
    """lr x epochs x beta = 16 > 8 (the docstring's bound): the policy never settles."""
    _, event = trained(200, beta=4.0, reward="true", lr=1.0)
    assert event.info["kl_to_optimum"] > 1e-3
    _, event = trained(200, beta=4.0, reward="true", lr=0.25)
    assert event.info["kl_to_optimum"] < 1e-6


# --------------------------------------------------------------------------- the app's contract


def test_units_and_determinism():
    agent = make_agent("rlhf-ppo", BANDIT, {"reference": PI_REF}, seed=4)
    np.testing.assert_allclose(agent.insight().pi[0], REF)
    event = agent.step()
    assert event.unit == "step" and agent.updates_done == 1 and agent.N[0].sum() == 1
    assert set(agent.diagnostics) <= set(event.info)
    assert {"pi_star", "pi_ref", "reward_model", "pi_model_star"} <= agent.insight().extras.keys()
    twin = make_agent("rlhf-ppo", BANDIT, {"reference": PI_REF}, seed=4)
    twin.step()
    np.testing.assert_array_equal(twin.theta, agent.theta)


def test_bad_input_is_refused_with_a_message():
    with pytest.raises(HyperparameterError, match="this level has 5 arms"):
        make_agent("rlhf-ppo", BANDIT, {"reference": "0.5,0.5"})
    with pytest.raises(HyperparameterError, match="labeller_bias must give one finite number per arm"):
        make_agent("rlhf-ppo", BANDIT, {"labeller_bias": "1,2"})
    with pytest.raises(HyperparameterError, match="reward must be one of model, true"):
        make_agent("rlhf-ppo", BANDIT, {"reward": "learned"})
    with pytest.raises(LevelMismatchError, match="agent 'rlhf-ppo' labels its preference pairs from the arms"):
        make_agent("rlhf-ppo", load_level("ten_armed_testbed"))
    with pytest.raises(ValueError, match="one run at a time"):
        make_agent("rlhf-ppo", BANDIT, runs=2)
