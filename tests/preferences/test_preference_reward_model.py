"""The Bradley-Terry labeller and reward model: exact fits by hand, recovery within the
Fisher-information error bars, trajectories, and data that cannot identify every reward."""

from __future__ import annotations

import numpy as np
import pytest

from gridrl.envs.model import TabularModel
from gridrl.preferences import (
    PreferenceWarning,
    bandit_arrays,
    bandit_pair_arrays,
    bandit_pairs,
    fit_bradley_terry,
    fit_segment_rewards,
    sample_episodes,
    trajectory_pairs,
)

R5 = np.array([-1.0, -0.5, 0.0, 0.5, 1.0])


def fisher_se(r: np.ndarray, n: int, sample: np.ndarray, temperature: float = 1.0) -> np.ndarray:
    """Standard errors of the mean-0 maximum-likelihood rewards: sqrt(diag(I^+)), with the Fisher
    information I = n sum_{i != j} p_i p_j s_ij (1 - s_ij) (e_i - e_j)(e_i - e_j)^T / T^2 and
    s_ij = sigmoid((r_i - r_j) / T) (per pair, each unordered pair appears in both orders)."""
    K = r.size
    info = np.zeros((K, K))
    for i in range(K):
        for j in range(K):
            if i != j:
                s = 1 / (1 + np.exp(-(r[i] - r[j]) / temperature))
                e = np.eye(K)[i] - np.eye(K)[j]
                info += n * sample[i] * sample[j] * s * (1 - s) * np.outer(e, e)
    return np.sqrt(np.diag(np.linalg.pinv(info)))


def test_two_items_fit_the_log_odds() -> None:
    # 30 wins for item 1 against 10 for item 0: the MLE is r1 - r0 = log(30 / 10).
    chosen = np.array([1] * 30 + [0] * 10)
    r = fit_bradley_terry(chosen, 1 - chosen, 2, l2=0.0)
    assert r[1] - r[0] == pytest.approx(np.log(3.0), abs=1e-10)
    assert r.sum() == pytest.approx(0.0, abs=1e-12)


def test_ties_count_half_each_way() -> None:
    # 10 wins of 1 over 0 and 10 ties: 15 "wins" in 20, so r1 - r0 = log(15 / 5).
    chosen = np.array([1] * 20)
    tie = np.array([False] * 10 + [True] * 10)
    r = fit_bradley_terry(chosen, np.zeros(20, dtype=int), 2, l2=0.0, tie=tie)
    assert r[1] - r[0] == pytest.approx(np.log(3.0), abs=1e-10)


def test_consistent_counts_are_fitted_exactly() -> None:
    # Counts proportional to sigmoid of r = (0, 1, 3) differences are the MLE's fixed point.
    r_true = np.array([0.0, 1.0, 3.0])
    chosen, rejected = [], []
    for i in range(3):
        for j in range(3):
            if i != j:
                wins = round(1e5 / (1 + np.exp(-(r_true[i] - r_true[j]))))
                chosen += [i] * wins
                rejected += [j] * wins
    r = fit_bradley_terry(np.array(chosen), np.array(rejected), 3, l2=0.0)
    # Rounding the counts moves each log-odds by at most 0.5 / (1e5 s (1 - s)) < 2e-4.
    assert r == pytest.approx(r_true - r_true.mean(), abs=1e-3)


def test_recovers_five_arms_from_20k_pairs() -> None:
    # The done-when: correlation >= 0.99; and each reward within 4 standard errors
    # of the Fisher information (about 0.1 here).
    n = 20_000
    chosen, rejected = bandit_pair_arrays(R5, n, np.random.default_rng(0))
    r = fit_bradley_terry(chosen, rejected, 5)
    se = fisher_se(R5, n, np.full(5, 0.2))
    assert se == pytest.approx([0.0243, 0.0222, 0.0215, 0.0222, 0.0243], abs=1e-4)
    assert np.corrcoef(r, R5)[0, 1] >= 0.99
    assert np.all(np.abs(r - (R5 - R5.mean())) <= 4 * se)


def test_temperature_scales_and_noise_shrinks_the_fit() -> None:
    n, rng = 40_000, np.random.default_rng(1)
    hot = fit_bradley_terry(*bandit_pair_arrays(R5, n, rng, temperature=2.0), 5)
    assert np.all(np.abs(hot - R5 / 2.0) <= 4 * fisher_se(R5, n, np.full(5, 0.2), temperature=2.0))
    # Flipping 20% of labels: P(1 > 0) = 0.2 + 0.6 sigmoid(r1 - r0), so on two arms the fit
    # is logit(0.2 + 0.6 sigmoid(2)) = 0.94 instead of 2.
    two = np.array([0.0, 2.0])
    chosen, rejected = bandit_pair_arrays(two, n, rng, noise=0.2)
    r = fit_bradley_terry(chosen, rejected, 2)
    p = 0.2 + 0.6 / (1 + np.exp(-2.0))
    informative = np.sum(chosen != rejected)  # half the pairs draw the same arm twice
    se = 1 / np.sqrt(informative * p * (1 - p))
    assert r[1] - r[0] == pytest.approx(np.log(p / (1 - p)), abs=4 * se)


def test_reference_sampling_draws_arms_from_it() -> None:
    sample = np.array([0.1, 0.1, 0.6, 0.1, 0.1])
    chosen, rejected = bandit_pair_arrays(R5, 50_000, np.random.default_rng(2), sample=sample)
    freq = np.bincount(np.concatenate([chosen, rejected]), minlength=5) / 100_000
    assert freq == pytest.approx(sample, abs=4 * np.sqrt(0.6 * 0.4 / 100_000))


def test_pairs_and_arrays_agree() -> None:
    data = bandit_pairs(R5, 300, np.random.default_rng(3), noise=0.1, level_name="preference_bandit")
    chosen, rejected = bandit_pair_arrays(R5, 300, np.random.default_rng(3), noise=0.1)
    assert data.level_name == "preference_bandit" and len(data.pairs) == 300
    c, r, tie = bandit_arrays(data)
    assert c.tolist() == chosen.tolist() and r.tolist() == rejected.tolist() and not tie.any()


def test_disconnected_items_warn_and_keep_differences_within_groups() -> None:
    # {0, 1} and {2, 3} are never compared with each other; 4 never appears.
    chosen = np.array([1] * 30 + [0] * 10 + [3] * 20 + [2] * 20)
    rejected = np.array([0] * 30 + [1] * 10 + [2] * 20 + [3] * 20)
    with pytest.warns(PreferenceWarning, match=r"2 separate groups \(\[0, 1\]; \[2, 3\]\)"):
        r = fit_bradley_terry(chosen, rejected, 5)
    assert r[1] - r[0] == pytest.approx(np.log(3.0), abs=1e-4)
    assert r[3] - r[2] == pytest.approx(0.0, abs=1e-6)
    assert r[4] == pytest.approx(0.0, abs=1e-6)


def test_trajectory_reward_model_ranks_new_episodes() -> None:
    # Random-policy episodes of Example 4.1's gridworld, labelled by their returns (minus their
    # lengths): the tabular linear model must order fresh episodes as their true returns do.
    model = TabularModel.from_level("small_gridworld")
    uniform = np.full((model.n_states, 4), 0.25)
    data = trajectory_pairs("small_gridworld", 2000, np.random.default_rng(0), policy=uniform)
    assert data.level_name == "small_gridworld"
    lengths = [len(p.chosen) for p in data.pairs]
    assert 5 < np.mean(lengths) < 20 and all(model.terminal[model.next_state[s, a, 0]]
                                             for s, a in (p.chosen[-1] for p in data.pairs))  # fmt: skip
    r = fit_segment_rewards(data, model.n_states, 4)
    assert r[model.terminal].tolist() == [[0.0] * 4] * 2  # never visited: no data, r = 0
    fresh = sample_episodes(model, uniform, 500, np.random.default_rng(9))
    true = [sum(model.R[s, a] for s, a in e) for e in fresh]
    fitted = [sum(r[s, a] for s, a in e) for e in fresh]
    assert np.corrcoef(true, fitted)[0, 1] >= 0.99
