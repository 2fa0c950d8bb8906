"""BanditEnv and BanditVectorEnv: reward distributions, horizons, optimal-arm flags, testbed
draws and nonstationary random walks, against their stated numbers."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from gridrl.envs import BanditEnv, BanditVectorEnv

E_MAX_OF_10_NORMALS = 1.5387527308  # E[max of 10 iid N(0, 1)]

DRIFTING = """
    kind: bandit
    name: drifting
    arms:
      - {name: a, distribution: gaussian, mean: 0.0, std: 1.0}
      - {name: b, distribution: gaussian, mean: 0.5, std: 1.0}
      - {name: c, distribution: gaussian, mean: 1.0, std: 1.0}
    steps: 100000
    nonstationary: {walk_std: 0.1}
"""

SHORT_TESTBED = """
    kind: bandit
    name: short testbed
    testbed: {arms: 4, mean: 0.0, std: 1.0, reward_std: 1.0}
    steps: 5
"""


def within_sigmas(values: np.ndarray, mean: float, sd: float, n_sigma: float = 5.0) -> bool:
    return abs(values.mean() - mean) <= n_sigma * sd / np.sqrt(values.size)


# --------------------------------------------------------------------------- BanditEnv


def test_bernoulli_3_arms_and_reset_info():
    env = BanditEnv("bernoulli_3")
    names = [arm.name for arm in env.level.arms]
    assert names == ["low", "middle", "high"]
    assert env.action_space == gym.spaces.Discrete(3)
    obs, info = env.reset(seed=0)
    assert obs == 0
    np.testing.assert_allclose(info["true_means"], [0.2, 0.5, 0.8])


@pytest.mark.parametrize(("arm", "p"), [("high", 0.8), ("low", 0.2), ("middle", 0.5)])
def test_bernoulli_arm_mean_reward(arm, p):
    env = BanditEnv("bernoulli_3")
    a = [x.name for x in env.level.arms].index(arm)
    env.reset(seed=2024)
    rewards = []
    for _ in range(20_000):
        _, r, term, trunc, _ = env.step(a)
        rewards.append(r)
        assert not term
        if trunc:
            env.reset()
    rewards = np.array(rewards)
    assert set(np.unique(rewards)) <= {0.0, 1.0}
    assert within_sigmas(rewards, p, np.sqrt(p * (1 - p)))


def test_bandit_truncates_after_level_steps():
    env = BanditEnv("bernoulli_3")
    assert env.level.steps == 500
    env.reset(seed=1)
    flags = [env.step(0)[2:4] for _ in range(500)]
    assert all(term is False for term, _ in flags)
    assert [i for i, (_, trunc) in enumerate(flags) if trunc] == [499]
    env.reset()
    assert not env.step(0)[3]


def test_bandit_optimal_flag_only_for_the_best_arm():
    env = BanditEnv("bernoulli_3")
    env.reset(seed=0)
    assert [env.step(a)[4]["optimal"] for a in range(3)] == [False, False, True]


def test_bandit_step_before_reset_raises():
    with pytest.raises(gym.error.ResetNeeded):
        BanditEnv("bernoulli_3").step(0)


def test_bandit_env_refuses_a_gridworld():
    with pytest.raises(ValueError):
        BanditEnv("corridor")
    with pytest.raises(ValueError):
        BanditVectorEnv("corridor", num_envs=2)


def test_gaussian_arm_reward_mean_and_std(make_level):
    level = make_level(
        """
        kind: bandit
        name: one gaussian
        arms:
          - {name: g, distribution: gaussian, mean: 1.5, std: 2.0}
          - {name: h, distribution: gaussian, mean: -1.0, std: 0.5}
        steps: 100000
        """
    )
    env = BanditEnv(level)
    env.reset(seed=5)
    for a, (mean, std) in enumerate([(1.5, 2.0), (-1.0, 0.5)]):
        rewards = np.array([env.step(a)[1] for _ in range(20_000)])
        assert within_sigmas(rewards, mean, std)
        assert rewards.std() == pytest.approx(std, rel=0.04)


def test_testbed_means_redrawn_per_reset_and_fixed_by_seed():
    env = BanditEnv("ten_armed_testbed")
    assert env.action_space.n == 10
    _, info1 = env.reset(seed=1)
    _, info1b = env.reset(seed=1)
    _, info2 = env.reset(seed=2)
    _, info3 = env.reset()  # unseeded: the generator moves on
    assert info1["true_means"].shape == (10,)
    np.testing.assert_array_equal(info1["true_means"], info1b["true_means"])
    assert np.abs(info1["true_means"] - info2["true_means"]).min() > 0
    assert np.abs(info2["true_means"] - info3["true_means"]).min() > 0
    # A fresh env with the same seed draws the same means, and gives the same rewards.
    other = BanditEnv("ten_armed_testbed")
    _, info_other = other.reset(seed=1)
    np.testing.assert_array_equal(info_other["true_means"], info1["true_means"])
    env.reset(seed=1)
    assert [env.step(a % 10)[1] for a in range(30)] == [other.step(a % 10)[1] for a in range(30)]


def test_testbed_optimal_flag_follows_the_true_means():
    env = BanditEnv("ten_armed_testbed")
    for seed in range(5):
        _, info = env.reset(seed=seed)
        best = int(np.argmax(info["true_means"]))
        flags = [env.step(a)[4]["optimal"] for a in range(10)]
        assert flags == [a == best for a in range(10)]


def test_stationary_means_do_not_move():
    env = BanditEnv("ten_armed_testbed")
    _, info = env.reset(seed=3)
    for a in range(50):
        env.step(a % 10)
    np.testing.assert_array_equal(env.true_means[0], info["true_means"])


def test_nonstationary_means_random_walk(make_level):
    env = BanditEnv(make_level(DRIFTING))
    _, info = env.reset(seed=11)
    np.testing.assert_allclose(info["true_means"], [0.0, 0.5, 1.0])
    history = [env.true_means[0].copy()]
    for t in range(3000):
        env.step(t % 3)
        history.append(env.true_means[0].copy())
    history = np.array(history)
    steps = np.diff(history, axis=0)  # (3000, 3): every arm walks every step
    assert np.count_nonzero(steps) == steps.size
    assert within_sigmas(steps.ravel(), 0.0, 0.1)
    assert steps.std() == pytest.approx(0.1, rel=0.05)
    # A reset puts the explicit arms back at their means.
    _, info = env.reset()
    np.testing.assert_allclose(info["true_means"], [0.0, 0.5, 1.0])


def test_nonstationary_bernoulli_stays_a_probability(make_level):
    env = BanditEnv(
        make_level(
            """
            kind: bandit
            name: drifting coin
            arms:
              - {name: coin, distribution: bernoulli, p: 0.95}
            steps: 10000
            nonstationary: {walk_std: 0.3}
            """
        )
    )
    env.reset(seed=0)
    seen = []
    for _ in range(500):
        _, r, *_ = env.step(0)
        assert r in (0.0, 1.0)
        seen.append(env.true_means[0, 0])
    seen = np.array(seen)
    assert seen.min() >= 0.0 and seen.max() <= 1.0
    assert np.ptp(seen) > 0.5  # it did move


# --------------------------------------------------------------------- BanditVectorEnv


def test_vector_testbed_true_means_statistics():
    vec = BanditVectorEnv("ten_armed_testbed", num_envs=2000)
    obs, info = vec.reset(seed=2000)
    np.testing.assert_array_equal(obs, np.zeros(2000))
    means = info["true_means"]
    assert means.shape == (2000, 10)
    assert abs(means.max(axis=1).mean() - E_MAX_OF_10_NORMALS) < 0.05
    assert within_sigmas(means.ravel(), 0.0, 1.0)
    assert means.std() == pytest.approx(1.0, abs=0.03)
    # Runs differ from each other.
    assert len(np.unique(means[:, 0])) == 2000


def test_vector_fixed_arm_rewards_have_unit_std():
    vec = BanditVectorEnv("ten_armed_testbed", num_envs=2000)
    _, info = vec.reset(seed=7)
    q = info["true_means"]
    residuals = []
    for _ in range(50):
        _, rewards, term, trunc, infos = vec.step(np.full(2000, 3))
        residuals.append(rewards - q[:, 3])
        assert not term.any() and not trunc.any()
        np.testing.assert_array_equal(infos["optimal"], q[:, 3] >= q.max(axis=1))
    residuals = np.concatenate(residuals)
    assert within_sigmas(residuals, 0.0, 1.0)
    assert residuals.std() == pytest.approx(1.0, abs=0.02)
    # About 1 run in 10 has arm 3 as its best.
    assert 0.07 < (q[:, 3] >= q.max(axis=1)).mean() < 0.13


def test_vector_bernoulli_rewards():
    vec = BanditVectorEnv("bernoulli_3", num_envs=2000)
    vec.reset(seed=3)
    actions = np.tile([0, 1, 2, 2], 500)
    rewards = np.stack([vec.step(actions)[1] for _ in range(10)])
    assert set(np.unique(rewards)) <= {0.0, 1.0}
    for arm, p in enumerate([0.2, 0.5, 0.8]):
        got = rewards[:, actions == arm].ravel()
        assert within_sigmas(got, p, np.sqrt(p * (1 - p)))


def test_vector_same_seed_same_rewards():
    a = BanditVectorEnv("ten_armed_testbed", num_envs=16)
    b = BanditVectorEnv("ten_armed_testbed", num_envs=16)
    a.reset(seed=9)
    b.reset(seed=9)
    actions = np.arange(16) % 10
    for _ in range(5):
        np.testing.assert_array_equal(a.step(actions)[1], b.step(actions)[1])
    b.reset(seed=10)
    a.reset(seed=9)
    assert not np.array_equal(a.step(actions)[1], b.step(actions)[1])


def test_vector_truncates_and_redraws_at_the_horizon(make_level):
    vec = BanditVectorEnv(make_level(SHORT_TESTBED), num_envs=64)
    _, info = vec.reset(seed=1)
    before = info["true_means"]
    actions = np.zeros(64, dtype=np.int64)
    for t in range(1, 11):
        _, _, term, trunc, _ = vec.step(actions)
        assert not term.any()
        assert trunc.all() if t % 5 == 0 else not trunc.any(), f"step {t}"
        if t == 4:
            np.testing.assert_array_equal(vec.true_means, before)
        if t == 5:
            # New runs: every true mean redrawn.
            assert np.abs(vec.true_means - before).min() > 0
            after = vec.true_means.copy()
        if t == 9:
            np.testing.assert_array_equal(vec.true_means, after)


def test_vector_nonstationary_walk_std(make_level):
    vec = BanditVectorEnv(make_level(DRIFTING), num_envs=500)
    _, info = vec.reset(seed=4)
    np.testing.assert_allclose(info["true_means"], np.tile([0.0, 0.5, 1.0], (500, 1)))
    history = [vec.true_means.copy()]
    for _ in range(20):
        vec.step(np.zeros(500, dtype=np.int64))
        history.append(vec.true_means.copy())
    steps = np.diff(np.array(history), axis=0).ravel()  # 20 x 500 x 3 increments
    assert within_sigmas(steps, 0.0, 0.1)
    assert steps.std() == pytest.approx(0.1, rel=0.03)
    # After 20 steps each mean has spread by 0.1 * sqrt(20) around where it began.
    spread = (history[-1] - history[0]).std()
    assert spread == pytest.approx(0.1 * np.sqrt(20), rel=0.06)


def test_vector_shared_means_are_one_bandit_with_independent_pulls(make_level):
    """shared_means: every copy plays the same draw of q*, redrawn together at the horizon and
    drifting together, while the pulls' noise differs from copy to copy."""
    vec = BanditVectorEnv(make_level(SHORT_TESTBED), num_envs=16, shared_means=True)
    _, info = vec.reset(seed=2)
    assert np.all(info["true_means"] == info["true_means"][0])
    before = info["true_means"][0].copy()
    rewards = []
    for _ in range(5):
        _, r, _, _, _ = vec.step(np.zeros(16, dtype=np.int64))
        rewards.append(r)
    assert np.unique(rewards[0]).size == 16  # independent reward noise
    assert np.all(vec.true_means == vec.true_means[0]) and not np.array_equal(vec.true_means[0], before)
    drifting = BanditVectorEnv(make_level(DRIFTING), num_envs=8, shared_means=True)
    drifting.reset(seed=3)
    drifting.step(np.zeros(8, dtype=np.int64))
    assert np.all(drifting.true_means == drifting.true_means[0])
    assert not np.array_equal(drifting.true_means[0], [0.0, 0.5, 1.0])


def test_vector_make_vec_bandit():
    vec = gym.make_vec(
        "gridrl/Bandit-v0", num_envs=8, vectorization_mode="vector_entry_point", level="bernoulli_3"
    )
    assert isinstance(vec, BanditVectorEnv)
    assert vec.num_envs == 8
    assert vec.single_action_space == gym.spaces.Discrete(3)
    with pytest.raises(ValueError):
        BanditVectorEnv("bernoulli_3", num_envs=0)
