"""Noisy rewards (``reward_std``, ``exit_reward_std``): the exact model keeps the expected
reward, so DP solves Example 6.7 exactly; the environments draw the noise from their seeded
generator, with the right mean and standard deviation."""

from __future__ import annotations

import numpy as np

from gridrl.envs import GridWorldEnv, GridWorldVectorEnv, TabularModel
from gridrl.envs.evaluation import optimal_value
from custom_levels import DOWN, LEFT, RIGHT, UP

# maximization_bias: "##T#" / "LBAT" / "##T#", so L = 4, B = 5, A = 6 (cols = 4).
L, B, A = 4, 5, 6
N = 20_000

SLIPPERY_NOISE = """
    kind: gridworld
    layout: |
      SNG
    legend:
      N: {reward: 3, reward_std: 2}
    dynamics:
      slip: 0.5
"""


def test_the_model_keeps_the_expected_reward_and_the_noise_per_outcome():
    m = TabularModel.from_level("maximization_bias")
    np.testing.assert_array_equal(m.R[B], [-0.1] * 4)  # every action from B: E[N(-0.1, 1)]
    np.testing.assert_array_equal(m.reward_std[B, :, 0], [1.0] * 4)
    np.testing.assert_array_equal(m.R[A], [0.0] * 4)
    np.testing.assert_array_equal(m.reward_std[A], 0.0)  # entering B pays exactly 0
    np.testing.assert_array_equal(m.next_state[B, :, 0], [L] * 4)


def test_only_the_outcomes_that_enter_a_noisy_tile_are_noisy(make_level):
    """From S (cell 0) moving right with slip 0.5: entering N (p 0.5) pays 3 +- 2; slipping up
    or down bumps the border and stays on S (p 0.25 each), paying exactly 0."""
    m = TabularModel.from_level(make_level(SLIPPERY_NOISE))
    outcomes = {(int(s2), float(p), float(r), float(sd))
                for s2, p, r, sd in zip(m.next_state[0, RIGHT], m.prob[0, RIGHT], m.reward[0, RIGHT],
                                        m.reward_std[0, RIGHT]) if p > 0}  # fmt: skip
    assert outcomes == {(1, 0.5, 3.0, 2.0), (0, 0.25, 0.0, 0.0)}
    assert m.R[0, RIGHT] == 1.5


def test_value_iteration_on_example_6_7_uses_the_expected_rewards():
    """v*(A) = 0 (up, right or down end the episode with 0) and q*(A, left) = 0 + v*(B) = -0.1,
    exactly: the noise has mean 0 and the Bellman optimality equation needs only means."""
    m = TabularModel.from_level("maximization_bias")
    V = optimal_value(m)
    Q = m.q_from_v(V)
    assert V[A] == 0.0
    assert V[B] == -0.1
    assert Q[A, LEFT] == -0.1
    np.testing.assert_array_equal(Q[A, [UP, RIGHT, DOWN]], 0.0)


def _rewards_from_b(seed: int) -> np.ndarray:
    env = GridWorldEnv("maximization_bias")
    env.reset(seed=seed)
    rewards = []
    for i in range(N):
        env.reset(options={"state": B})
        s_next, r, terminated, truncated, _ = env.step(i % 4)
        assert (s_next, terminated, truncated) == (L, True, False)
        rewards.append(r)
    return np.array(rewards)


def test_the_env_draws_n_of_minus_0_1_and_1_from_its_seeded_generator():
    rewards = _rewards_from_b(seed=11)
    # mean within 5 standard errors of -0.1; the sample std of 20,000 draws is 1 +- 0.005
    assert abs(rewards.mean() + 0.1) < 5 / np.sqrt(N)
    assert abs(rewards.std() - 1.0) < 0.03
    np.testing.assert_array_equal(rewards, _rewards_from_b(seed=11))
    assert not np.array_equal(rewards, _rewards_from_b(seed=12))


def test_left_from_a_pays_exactly_zero():
    env = GridWorldEnv("maximization_bias")
    env.reset(seed=0)
    for _ in range(100):
        env.reset()
        assert env.step(LEFT)[:3] == (B, 0.0, False)


def test_the_vector_env_draws_the_same_distribution_and_repeats_with_its_seed():
    def rewards(seed: int) -> np.ndarray:
        vec = GridWorldVectorEnv("maximization_bias", num_envs=N)
        vec.reset(seed=seed, options={"state": B})
        _, r, terminated, _, _ = vec.step(np.arange(N) % 4)
        assert terminated.all()
        return r

    r = rewards(3)
    assert abs(r.mean() + 0.1) < 5 / np.sqrt(N)
    assert abs(r.std() - 1.0) < 0.03
    np.testing.assert_array_equal(r, rewards(3))
    vec = GridWorldVectorEnv("maximization_bias", num_envs=8)
    vec.reset(seed=0, options={"state": A})
    _, r_left, _, _, _ = vec.step(np.full(8, LEFT))
    np.testing.assert_array_equal(r_left, 0.0)
