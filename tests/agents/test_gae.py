"""GAE (Schulman et al. 2016) against its two closed forms and the truncation bootstrap.

lam = 0 is the one-step TD error delta_t; lam = 1 is the Monte Carlo advantage G_t - V(s_t).
A time limit is not a terminal state: a truncated episode differs from a terminated one by
exactly gamma * V(final) at its last step, discounted by (gamma * lam)^k k steps earlier.
Rollouts of N environments with episodes ending mid-rollout against a reference written as
the explicit sum A_t = sum_l (gamma lam)^l delta_{t+l}, not the recursion.
"""

from __future__ import annotations

import numpy as np
import pytest

from gridrl.agents.common.gae import compute_gae, discounted_returns
from gridrl.agents.common.rollout import Rollout

GAMMA = 0.9


def reference_gae(rewards, values, terminated, truncated, last_value, final_values, gamma, lam):
    """A_t = sum_{l=0}^{L} (gamma lam)^l delta_{t+l}, summed up to the end of t's episode."""
    T, N = rewards.shape
    A = np.zeros((T, N))
    for n in range(N):
        delta = np.zeros(T)
        for t in range(T):
            if terminated[t, n]:
                v_next = 0.0
            elif truncated[t, n]:
                v_next = final_values[t, n]
            else:
                v_next = values[t + 1, n] if t + 1 < T else last_value[n]
            delta[t] = rewards[t, n] + gamma * v_next - values[t, n]
        for t in range(T):
            for l in range(T - t):
                A[t, n] += (gamma * lam) ** l * delta[t + l]
                if terminated[t + l, n] or truncated[t + l, n]:
                    break
    return A


def random_rollout(T: int, N: int, seed: int):
    rng = np.random.default_rng(seed)
    rewards = rng.normal(size=(T, N))
    values = rng.normal(size=(T, N))
    ends = rng.random((T, N))
    terminated = ends < 0.15
    truncated = (ends >= 0.15) & (ends < 0.25)
    return rewards, values, terminated, truncated, rng.normal(size=N), rng.normal(size=(T, N))


def test_lam_zero_is_the_td_error():
    r, v, term, trunc, last, final = random_rollout(12, 3, seed=1)
    A, R = compute_gae(r, v, term, trunc, last, GAMMA, 0.0, final_values=final)
    v_next = np.vstack([v[1:], last[None]])
    v_next = np.where(trunc, final, v_next)
    v_next = np.where(term, 0.0, v_next)
    delta = r + GAMMA * v_next - v
    np.testing.assert_allclose(A, delta, rtol=0, atol=1e-12)
    np.testing.assert_allclose(R, delta + v, rtol=0, atol=1e-12)


def test_lam_one_is_return_minus_value_on_a_terminated_episode():
    rewards = np.array([0.0, -1.0, 2.0, 0.5, 1.0])
    values = np.array([0.3, -0.2, 1.1, 0.7, -0.4])
    terminated = np.array([False, False, False, False, True])
    truncated = np.zeros(5, dtype=bool)
    # last_value would be the next episode's start; it must not leak into a terminated episode.
    A, R = compute_gae(rewards, values, terminated, truncated, 123.0, GAMMA, 1.0)
    G = discounted_returns(rewards, GAMMA)
    np.testing.assert_allclose(G, [0.0 + 0.9 * (-1 + 0.9 * (2 + 0.9 * (0.5 + 0.9 * 1.0))),
                                   -1 + 0.9 * (2 + 0.9 * (0.5 + 0.9)), 2 + 0.9 * 1.4, 1.4, 1.0])  # fmt: skip
    np.testing.assert_allclose(A, G - values, atol=1e-12)
    np.testing.assert_allclose(R, G, atol=1e-12)


@pytest.mark.parametrize("lam", [0.0, 0.5, 0.95, 1.0])
def test_truncation_adds_the_discounted_bootstrap(lam):
    rewards = np.array([0.5, 0.0, -1.0, 2.0])
    values = np.array([0.1, 0.4, -0.3, 0.8])
    v_final = 1.7  # V of the state the episode was cut off in
    end = np.array([False, False, False, True])
    # The rollout's last_value is the *next* episode's start: never used for either end.
    never = np.zeros(4, dtype=bool)
    A_term, _ = compute_gae(rewards, values, end, never, -50.0, GAMMA, lam)
    A_trunc, _ = compute_gae(rewards, values, never, end, -50.0, GAMMA, lam, final_values=np.full(4, v_final))
    k = np.arange(3, -1, -1)  # steps before the last one
    np.testing.assert_allclose(A_trunc - A_term, (GAMMA * lam) ** k * GAMMA * v_final, atol=1e-12)
    assert A_trunc[-1] - A_term[-1] == pytest.approx(GAMMA * v_final, abs=1e-12)


def test_truncation_in_the_middle_bootstraps_only_its_own_episode():
    rewards = np.array([1.0, 1.0, 1.0, 1.0])
    values = np.array([0.2, 0.3, 5.0, 0.6])  # step 2 starts a new episode (V = 5)
    terminated = np.zeros(4, dtype=bool)
    truncated = np.array([False, True, False, False])
    final = np.array([0.0, 0.7, 0.0, 0.0])  # V of the cell episode 1 was cut off in
    A, _ = compute_gae(rewards, values, terminated, truncated, 0.9, GAMMA, 1.0, final_values=final)
    np.testing.assert_allclose(A[:2], [1 + GAMMA * (1 + GAMMA * 0.7) - 0.2, 1 + GAMMA * 0.7 - 0.3])
    np.testing.assert_allclose(A[2:], [1 + GAMMA * (1 + GAMMA * 0.9) - 5.0, 1 + GAMMA * 0.9 - 0.6])


@pytest.mark.parametrize("lam", [0.0, 0.7, 1.0])
def test_many_envs_with_episodes_ending_mid_rollout(lam):
    T, N = 16, 4
    r, v, term, trunc, last, final = random_rollout(T, N, seed=7)
    assert term.any() and trunc.any() and (term | trunc)[: T - 1].any(axis=0).all()
    A, R = compute_gae(r, v, term, trunc, last, GAMMA, lam, final_values=final)
    assert A.shape == R.shape == (T, N)
    np.testing.assert_allclose(A, reference_gae(r, v, term, trunc, last, final, GAMMA, lam), atol=1e-10)
    # Each column on its own gives the same answer: environments never mix.
    for n in range(N):
        A_n, _ = compute_gae(r[:, n], v[:, n], term[:, n], trunc[:, n], last[n], GAMMA, lam,
                             final_values=final[:, n])  # fmt: skip
        np.testing.assert_allclose(A[:, n], A_n, atol=1e-12)


def test_rollout_storage_gives_the_same_advantages():
    T, N = 6, 3
    r, v, term, trunc, last, final = random_rollout(T, N, seed=3)
    rollout = Rollout(T, N)
    for t in range(T):
        zeros = np.zeros(N, dtype=int)
        rollout.add(zeros, zeros, np.zeros(N), v[t], r[t], term[t], trunc[t], final[t])
    assert rollout.full
    batch = rollout.flat(last, GAMMA, 0.8)
    A, R = compute_gae(r, v, term, trunc, last, GAMMA, 0.8, final_values=final)
    np.testing.assert_allclose(batch.advantages, A.reshape(-1))
    np.testing.assert_allclose(batch.returns, R.reshape(-1))


def test_truncation_without_final_values_is_refused():
    r, v, term, trunc, last, _ = random_rollout(8, 2, seed=5)
    assert trunc.any()
    with pytest.raises(ValueError, match="final_values"):
        compute_gae(r, v, term, trunc, last, GAMMA, 0.95)
    # Without any truncation nothing is needed.
    compute_gae(r, v, term, np.zeros_like(trunc), last, GAMMA, 0.95)
