"""The dpo agent: each loss and its gradient against a hand computation and finite differences,
and what each variant converges to against the closed-form answers derived in gridrl/agents/dpo.py:
sigmoid DPO to pi* = pi_ref exp(r / (tau beta)) / Z (the issue's done-when: KL < 0.01 on a 5-arm
bandit from 20k pairs), noise and smoothing flatter, robust DPO back near pi*, IPO's and
cDPO's two-arm margins by hand."""

from __future__ import annotations

import math
import textwrap

import numpy as np
import pytest

from gridrl.agents import HyperparameterError, LevelMismatchError, make_agent
from gridrl.agents.dpo import LOSSES, loss_and_gradient, margins, preference_loss
from gridrl.levels import load_level, parse_level
from gridrl.preferences import REFERENCE_POLICIES, kl, kl_regularised_bandit

BANDIT = load_level("preference_bandit")  # five Gaussian arms, means -1, -0.5, 0, 0.5, 1
PI_REF = ",".join(str(p) for p in REFERENCE_POLICIES["preference_bandit"])  # 0.1, 0.1, 0.6, 0.1, 0.1


def two_arms(low: float, high: float):
    return parse_level(textwrap.dedent(f"""
        kind: bandit
        name: two arms
        arms:
          - {{name: low, distribution: gaussian, mean: {low}, std: 1.0}}
          - {{name: high, distribution: gaussian, mean: {high}, std: 1.0}}
        steps: 100
    """), source="<test>")  # fmt: skip


def trained(level, steps: int, seed: int = 0, **params):
    agent = make_agent("dpo", level, params, seed=seed)
    for _ in range(steps):
        event = agent.update()
    return agent, event


# --------------------------------------------------------------------------- the loss by hand


# h = 0.5, beta = 0.5: sigma(0.5) = 0.622459, -log sigma(0.5) = 0.474077, -log sigma(-0.5) = 0.974077
@pytest.mark.parametrize("loss, eps, h, value, slope", [
    ("sigmoid", 0.0, 0.5, 0.474077, 0.622459 - 1),  # -log sigma(h); sigma(h) - 1
    ("sigmoid", 0.1, 0.5, 0.9 * 0.474077 + 0.1 * 0.974077, 0.622459 - 0.9),  # cDPO: sigma(h) - (1 - eps)
    ("ipo", 0.0, 1.0, 1.0, 4.0),  # (h/beta - 1/(2 beta))^2 = (2 - 1)^2; 2 (2 - 1) / beta
    ("ipo", 0.0, 0.5, 0.0, 0.0),  # h / beta = 1 = 1 / (2 beta): on target
    ("ipo", 0.25, 1.0, 0.75 * 1.0 + 0.25 * 9.0, 0.75 * 4.0 - 0.25 * (-12.0)),  # l(-h): (-2 - 1)^2, l'(-h) = -12
    ("hinge", 0.0, 0.5, 0.5, -1.0),  # max(0, 1 - h)
    ("hinge", 0.0, 1.5, 0.0, 0.0),
    ("hinge", 0.1, 0.5, 0.9 * 0.5 + 0.1 * 1.5, 0.9 * -1.0 - 0.1 * -1.0),  # l(-0.5) = 1.5, l'(-0.5) = -1
    ("robust", 0.1, 0.5, (0.9 * 0.474077 - 0.1 * 0.974077) / 0.8, 0.622459 - 0.9 / 0.8),
    ("robust", 0.0, 0.5, 0.474077, 0.622459 - 1),  # eps = 0: plain DPO
])  # fmt: skip
def test_loss_and_its_derivative_by_hand(loss, eps, h, value, slope):
    ell, d_ell = preference_loss(np.array([h]), loss, beta=0.5, eps=eps)
    assert ell[0] == pytest.approx(value, abs=2e-6)
    assert d_ell[0] == pytest.approx(slope, abs=2e-6)


def test_gradient_of_one_pair_by_hand():
    """theta = log pi_ref gives h = 0; sigmoid's l'(0) = -1/2, so grad = -1/2 beta (e_w - e_l):
    the chosen arm's logit rises by lr beta / 2, the rejected one's falls as much."""
    log_pi_ref = np.log([0.2, 0.3, 0.5])
    L, grad, h = loss_and_gradient(log_pi_ref.copy(), log_pi_ref, np.array([2]), np.array([0]), 0.5, "sigmoid", 0.0)
    assert h[0] == 0.0 and L == pytest.approx(math.log(2))
    np.testing.assert_allclose(grad, [0.25, 0.0, -0.25])  # -1/2 * 0.5 * (e_2 - e_0)
    # h = beta [(theta_w - theta_l) - (log pi_ref(w) - log pi_ref(l))] = 0.5 [(1 - 0) - log(0.5/0.2)]
    theta = np.array([0.0, 0.0, 1.0])
    h = margins(theta, log_pi_ref, np.array([2]), np.array([0]), 0.5)
    assert h[0] == pytest.approx(0.5 * (1.0 - math.log(2.5)))


@pytest.mark.parametrize("loss", LOSSES)
@pytest.mark.parametrize("eps", [0.0, 0.2])
def test_gradient_matches_finite_differences(loss, eps):
    rng = np.random.default_rng(3)
    k, beta = 5, 0.7
    theta, log_pi_ref = rng.normal(size=k), np.log(rng.dirichlet(np.ones(k)))
    w, l = rng.integers(k, size=64), rng.integers(k, size=64)
    L, grad, h = loss_and_gradient(theta, log_pi_ref, w, l, beta, loss, eps)
    assert np.min(np.abs(np.abs(h) - 1.0)) > 1e-3  # no hinge kink within the step below
    numeric = np.empty(k)
    for a in range(k):
        step = np.zeros(k)
        step[a] = 1e-6
        plus = loss_and_gradient(theta + step, log_pi_ref, w, l, beta, loss, eps)[0]
        minus = loss_and_gradient(theta - step, log_pi_ref, w, l, beta, loss, eps)[0]
        numeric[a] = (plus - minus) / 2e-6
    np.testing.assert_allclose(grad, numeric, atol=1e-7)
    assert abs(grad.sum()) < 1e-12  # adding a constant to every logit changes no pi: no gradient along it


# --------------------------------------------------------------------------- what it converges to


@pytest.mark.parametrize("beta, tau", [(0.5, 1.0), (1.0, 1.0), (0.5, 2.0)])
def test_sigmoid_dpo_reaches_the_closed_form_optimum(beta, tau):
    """The issue's done-when: 20k noise-free Bradley-Terry pairs on the 5-arm preference bandit,
    pi_ref preferring the mediocre arm: KL(pi || pi_ref exp(r/(tau beta))/Z) < 0.01. At tau = 2
    the same data-generating reward halves: the optimum is pi_ref exp(r/(2 beta))/Z, not exp(r/beta)."""
    agent, event = trained(BANDIT, 1500, beta=beta, temperature=tau, reference=PI_REF, pairs=20000, batch_size=1024)
    pi = agent.insight().pi[0]
    r = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])
    pi_star = kl_regularised_bandit(r / tau, np.array(REFERENCE_POLICIES["preference_bandit"]), beta)
    assert kl(pi, pi_star) < 0.01
    assert event.info["kl_to_optimum"] == pytest.approx(kl(pi, pi_star))
    if tau == 2.0:  # the tau-blind formula is measurably further away
        assert kl(pi, kl_regularised_bandit(r, np.array(REFERENCE_POLICIES["preference_bandit"]), beta)) > 0.05
    # pi ranks the arms as r does, so its accuracy is the labels' agreement with r: the mean over
    # the 10 arm pairs of sigma(|r(i) - r(j)| / tau), 0.720 at tau = 1 and 0.621 at tau = 2
    gaps = np.abs(r[:, None] - r[None, :])[np.triu_indices(5, 1)]
    assert event.info["accuracy"] == pytest.approx(np.mean(1 / (1 + np.exp(-gaps / tau))), abs=0.012)


def test_label_noise_flattens_smoothing_flattens_more_robust_recovers():
    """Labels flipped with e = 0.2. Plain DPO fits sigma(h) = 0.6 sigma(gap) + 0.2: flatter than pi*
    (closer to pi_ref). cDPO with eps = e fits 0.6 (that) + 0.2: flatter still. Robust DPO with
    eps = e is unbiased: near pi* again. KL(. || pi_ref) measures flatness."""
    common = dict(beta=0.5, reference=PI_REF, pairs=20000, batch_size=1024, noise=0.2)
    plain = trained(BANDIT, 1500, **common)[1].info
    smoothed = trained(BANDIT, 1500, label_smoothing=0.2, **common)[1].info
    robust = trained(BANDIT, 1500, loss="robust", label_smoothing=0.2, **common)[1].info
    clean = trained(BANDIT, 1500, **{**common, "noise": 0.0})[1].info
    assert smoothed["kl_ref"] < plain["kl_ref"] < robust["kl_ref"]
    assert plain["kl_ref"] < 0.5 * clean["kl_ref"]
    assert robust["kl_to_optimum"] < 0.05 < plain["kl_to_optimum"] < smoothed["kl_to_optimum"]


def test_ipo_on_two_arms_matches_its_least_squares_margin():
    """IPO minimises sum over distinct pairs of (Delta - 1/(2 beta))^2 with Delta the log-ratio
    margin: with n+ pairs preferring the high arm and n- the low one, Delta* = (n+ - n-) /
    (n+ + n-) / (2 beta), where sigmoid DPO gives log(n+ / n-) / beta."""
    level, beta = two_arms(0.0, 0.5), 0.5
    # lr 0.02: each minibatch's own least-squares answer is averaged over ~25 steps (curvature 2)
    ipo = trained(level, 1500, beta=beta, loss="ipo", lr=0.02, reference="0.7,0.3", pairs=4000, batch_size=4096)[0]
    dpo = trained(level, 1500, beta=beta, loss="sigmoid", reference="0.7,0.3", pairs=4000, batch_size=4096)[0]
    n_plus, n_minus = ipo.counts[1, 0], ipo.counts[0, 1]

    def delta(agent) -> float:  # log(pi(high) / pi_ref(high)) - log(pi(low) / pi_ref(low))
        u = agent.theta - agent.log_pi_ref
        return u[1] - u[0]

    assert delta(ipo) == pytest.approx((n_plus - n_minus) / (n_plus + n_minus) / (2 * beta), abs=0.01)
    assert delta(dpo) == pytest.approx(math.log(n_plus / n_minus) / beta, abs=0.02)
    # r = 0.5 at tau = 1: q = sigma(0.5) = 0.62, so Delta_ipo near 0.245 / 1 and Delta_dpo near 1.0
    assert 0.15 < delta(ipo) < 0.35 and 0.8 < delta(dpo) < 1.2


def test_smoothing_bounds_a_unanimous_pair_where_dpo_diverges():
    """At tau = 0.01 every label of the gap 1 says high > low. DPO's sigma(h) = 1 has no finite
    solution: h keeps growing. cDPO's optimum is sigma(h) = 1 - eps: h = log(0.9 / 0.1) = 2.197."""
    level = two_arms(0.0, 1.0)
    common = dict(beta=1.0, temperature=0.01, pairs=200, batch_size=200, lr=5.0)
    plain = make_agent("dpo", level, common, seed=0)
    margins_seen = []
    for n in range(3000):
        plain.update()
        if n + 1 in (1000, 3000):
            margins_seen.append(plain.theta[1] - plain.theta[0])
    assert margins_seen[0] > 5.0 and margins_seen[1] > margins_seen[0] + 0.5
    smoothed = trained(level, 3000, label_smoothing=0.1, **common)[0]
    assert smoothed.theta[1] - smoothed.theta[0] == pytest.approx(math.log(9.0), abs=1e-3)


# --------------------------------------------------------------------------- the app's contract


def test_units_insight_and_determinism():
    """Every unit is one gradient step plus one display pull; pi is softmax(theta), starting at
    pi_ref; the pull's reward never reaches theta; one seed, one result."""
    agent = make_agent("dpo", BANDIT, {"reference": PI_REF}, seed=4)
    np.testing.assert_allclose(agent.insight().pi[0], REFERENCE_POLICIES["preference_bandit"])
    event = agent.step()
    assert event.unit == "step" and agent.updates_done == 1 and agent.N[0].sum() == 1
    insight = agent.insight()
    np.testing.assert_allclose(insight.pi[0], np.exp(agent.theta) / np.exp(agent.theta).sum())
    assert set(agent.diagnostics) <= set(event.info)
    assert {"pi_star", "pi_ref", "true_reward", "implicit_reward"} <= insight.extras.keys()
    twin = make_agent("dpo", BANDIT, {"reference": PI_REF}, seed=4)
    twin.step()
    np.testing.assert_array_equal(twin.theta, agent.theta)
    assert agent.episode().steps == BANDIT.steps - 1  # the run of display pulls ends at the horizon


@pytest.mark.parametrize("reference, message", [
    ("0.5,0.5", "this level has 5 arms"),
    ("0.2,0.2,0.2,0.2,0.3", "sum to 1"),
    ("0.5,-0.1,0.2,0.2,0.2", ">= 0"),
    ("0.25,0.25,0,0.25,0.25", "probability 0"),
    ("lots", "'uniform' or 5 probabilities"),
])  # fmt: skip
def test_bad_reference_says_how_to_fix_it(reference, message):
    with pytest.raises(HyperparameterError, match=message):
        make_agent("dpo", BANDIT, {"reference": reference})


def test_levels_without_fixed_means_are_refused():
    with pytest.raises(LevelMismatchError, match="labels its preference pairs from the arms. true means"):
        make_agent("dpo", load_level("ten_armed_testbed"))
    with pytest.raises(ValueError, match="one run at a time"):
        make_agent("dpo", BANDIT, runs=2)
