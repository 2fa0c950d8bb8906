"""GridWorldVectorEnv: same-step autoreset (final_obs), per-copy time limits, agreement with
the exact model, and outcome frequencies over many copies."""

from __future__ import annotations

import gymnasium as gym
import numpy as np
import pytest

from gridrl.envs import GridWorldVectorEnv, TabularModel
from custom_levels import DOWN, LEFT, NO_GOAL_LEVEL, RIGHT, TELEPORT_LEVEL

OBS_MODES = ["index", "onehot", "coords"]


SHORT_LEVEL = """
    kind: gridworld
    name: short
    layout: |
      S.G
    dynamics:
      max_steps: 3
"""


def states_of(vec: GridWorldVectorEnv, obs: np.ndarray) -> np.ndarray:
    """Decode a batch of observations (any mode) back to state indices."""
    enc = vec.encoder
    if enc.mode == "index":
        return np.asarray(obs, dtype=np.int64)
    if enc.mode == "onehot":
        assert np.all(obs.sum(axis=-1) == 1.0)
        return obs.argmax(axis=-1)
    rows, cols = enc.rows, enc.cols
    row = np.rint(obs[:, 0] * max(rows - 1, 1)).astype(np.int64)
    col = np.rint(obs[:, 1] * max(cols - 1, 1)).astype(np.int64)
    return row * cols + col


def final_mask(infos: dict, n: int) -> np.ndarray:
    return np.asarray(infos.get("_final_obs", np.zeros(n, dtype=bool)), dtype=bool)


def test_spaces_and_constructor_checks():
    vec = GridWorldVectorEnv("cliff_walking", num_envs=5, obs="onehot")
    assert vec.num_envs == 5
    assert vec.single_observation_space.shape == (48,)
    assert vec.observation_space.shape == (5, 48)
    assert vec.single_action_space == gym.spaces.Discrete(4)
    assert vec.action_space.shape == (5,)
    obs, _ = vec.reset(seed=0)
    assert obs.shape == (5, 48) and obs.dtype == np.float32
    assert vec.observation_space.contains(obs)
    coords = GridWorldVectorEnv("cliff_walking", num_envs=5, obs="coords")
    obs, _ = coords.reset(seed=0)
    np.testing.assert_allclose(obs, np.tile([1.0, 0.0], (5, 1)))
    with pytest.raises(ValueError):
        GridWorldVectorEnv("corridor", num_envs=0)
    with pytest.raises(ValueError):
        GridWorldVectorEnv("bernoulli_3", num_envs=2)


@pytest.mark.parametrize("obs_mode", OBS_MODES)
def test_autoreset_on_termination(obs_mode):
    vec = GridWorldVectorEnv("corridor", num_envs=2, obs=obs_mode)
    obs, _ = vec.reset(seed=0)
    np.testing.assert_array_equal(states_of(vec, obs), [0, 0])
    # Copy 0 walks right from the start; copy 1 bumps the wall once, then walks right.
    for t in range(1, 8):
        action = np.array([RIGHT, LEFT if t == 1 else RIGHT])
        obs, rewards, term, trunc, infos = vec.step(action)
        np.testing.assert_array_equal(states_of(vec, obs), [t, t - 1])
        assert not term.any() and not trunc.any()
        assert not final_mask(infos, 2).any()
    obs, rewards, term, trunc, infos = vec.step(np.array([RIGHT, RIGHT]))
    np.testing.assert_array_equal(term, [True, False])
    np.testing.assert_array_equal(trunc, [False, False])
    np.testing.assert_array_equal(rewards, [1.0, 0.0])
    np.testing.assert_array_equal(final_mask(infos, 2), [True, False])
    # The copy that ended already shows its next episode's start; final_obs holds the goal.
    np.testing.assert_array_equal(states_of(vec, obs), [0, 7])
    assert states_of(vec, infos["final_obs"][:1])[0] == 8
    obs, rewards, term, trunc, infos = vec.step(np.array([RIGHT, RIGHT]))
    np.testing.assert_array_equal(term, [False, True])
    np.testing.assert_array_equal(rewards, [0.0, 1.0])
    np.testing.assert_array_equal(final_mask(infos, 2), [False, True])
    np.testing.assert_array_equal(states_of(vec, obs), [1, 0])
    assert states_of(vec, infos["final_obs"][1:])[0] == 8


@pytest.mark.parametrize("obs_mode", OBS_MODES)
def test_autoreset_on_truncation(obs_mode, make_level):
    vec = GridWorldVectorEnv(make_level(NO_GOAL_LEVEL), num_envs=3, obs=obs_mode)
    vec.reset(seed=0)
    for t in range(1, 7):
        obs, rewards, term, trunc, infos = vec.step(np.full(3, RIGHT))
        assert not term.any()
        np.testing.assert_array_equal(rewards, 0.0)
        if t % 3:
            assert not trunc.any() and not final_mask(infos, 3).any()
            np.testing.assert_array_equal(states_of(vec, obs), [1, 1, 1])
        else:
            assert trunc.all() and final_mask(infos, 3).all()
            # Truncated where the wall stopped it (col 1); restarted at col 0.
            np.testing.assert_array_equal(states_of(vec, infos["final_obs"]), [1, 1, 1])
            np.testing.assert_array_equal(states_of(vec, obs), [0, 0, 0])


def test_time_limit_is_per_copy(make_level):
    vec = GridWorldVectorEnv(make_level(SHORT_LEVEL), num_envs=2)
    vec.reset(seed=0)
    # Copy 0 reaches G at step 2 and restarts; copy 1 keeps bumping and is truncated at 3.
    events = []
    for _ in range(6):
        _, _, term, trunc, _ = vec.step(np.array([RIGHT, LEFT]))
        events.append((term.tolist(), trunc.tolist()))
    assert events == [
        ([False, False], [False, False]),
        ([True, False], [False, False]),
        ([False, False], [False, True]),
        ([True, False], [False, False]),  # copy 0: second episode, two more steps to G
        ([False, False], [False, False]),
        ([True, False], [False, True]),  # copy 0 ends its third episode as copy 1 times out
    ]


@pytest.mark.parametrize("obs_mode", ["index", "onehot"])
@pytest.mark.parametrize("level", ["cliff_walking", "frozen_lake_4x4", "teleport", "windy_gridworld"])
def test_transitions_and_rewards_agree_with_the_model(level, obs_mode, make_level):
    source = make_level(TELEPORT_LEVEL) if level == "teleport" else level
    vec = GridWorldVectorEnv(source, num_envs=256, obs=obs_mode)
    m = TabularModel.from_level(source)
    starts = set(m.grid.start_cells.tolist())
    rng = np.random.default_rng(1)
    obs, _ = vec.reset(seed=2)
    s = states_of(vec, obs)
    ended = 0
    for _ in range(200):
        a = rng.integers(4, size=256)
        obs, rewards, term, trunc, infos = vec.step(a)
        shown = states_of(vec, obs)
        done = term | trunc
        np.testing.assert_array_equal(final_mask(infos, 256), done)
        landed = shown.copy()
        if done.any():
            landed[done] = states_of(vec, infos["final_obs"][done])
            assert set(shown[done].tolist()) <= starts
            ended += int(done.sum())
        # Every (s, a, s', r) is an outcome of the model with positive probability.
        k = (m.next_state[s, a] == landed[:, None]) & (m.prob[s, a] > 0)  # (N, K)
        bad = np.flatnonzero(~k.any(axis=1))
        assert bad.size == 0, [(int(s[i]), int(a[i]), int(landed[i])) for i in bad[:5]]
        reward_ok = (k & np.isclose(m.reward[s, a], rewards[:, None])).any(axis=1)
        assert reward_ok.all(), [(int(s[i]), int(a[i]), float(rewards[i])) for i in np.flatnonzero(~reward_ok)[:5]]
        np.testing.assert_array_equal(term, m.terminal[landed])
        s = shown
    if level in ("frozen_lake_4x4", "teleport"):
        assert ended > 0  # the check above did see episode ends


def test_frozen_lake_frequencies_over_4096_copies(check_frequencies):
    n = 4096
    vec = GridWorldVectorEnv("frozen_lake_8x8", num_envs=n)
    m = vec.model
    obs, _ = vec.reset(seed=123)
    np.testing.assert_array_equal(obs, 0)
    obs, rewards, term, *_ = vec.step(np.full(n, RIGHT))
    expected = {int(t): float(m.P[0, RIGHT, t]) for t in np.flatnonzero(m.P[0, RIGHT])}
    assert expected == pytest.approx({0: 1 / 3, 1: 1 / 3, 8: 1 / 3})
    check_frequencies(obs.tolist(), expected)
    np.testing.assert_array_equal(rewards, 0.0)
    assert not term.any()
    # Two steps: the distribution is row 0 of P_RIGHT squared (no hole within two steps).
    obs, *_ = vec.step(np.full(n, RIGHT))
    two = m.P[:, RIGHT] @ m.P[:, RIGHT]
    check_frequencies(obs.tolist(), {int(t): float(two[0, t]) for t in np.flatnonzero(two[0])})


def test_uniform_start_over_copies(make_level, check_frequencies):
    vec = GridWorldVectorEnv(make_level(TELEPORT_LEVEL), num_envs=6000)
    obs, _ = vec.reset(seed=77)
    check_frequencies(obs.tolist(), {0: 1 / 3, 3: 1 / 3, 8: 1 / 3})


def test_teleport_frequencies_over_copies(make_level, check_frequencies):
    n = 20_000
    vec = GridWorldVectorEnv(make_level(TELEPORT_LEVEL), num_envs=n)
    vec.reset(seed=5)
    vec.s[:] = 1  # everyone at (0, 1)
    obs, rewards, *_ = vec.step(np.full(n, DOWN))
    check_frequencies(
        list(zip(obs.tolist(), rewards.tolist())),
        {(0, -6.0): 0.7 / 3, (3, -6.0): 0.7 / 3, (8, -6.0): 0.7 / 3, (0, -1.0): 0.15, (2, -1.0): 0.15},
    )


@pytest.mark.parametrize("obs_mode", OBS_MODES)
def test_returned_observations_are_not_the_internal_state(obs_mode):
    """Writing into a returned observation batch must not move the agents."""
    vec = GridWorldVectorEnv("corridor", num_envs=4, obs=obs_mode)
    obs, _ = vec.reset(seed=0)
    obs[...] = 0
    obs, *_ = vec.step(np.full(4, RIGHT))
    np.testing.assert_array_equal(states_of(vec, obs), [1, 1, 1, 1])
    obs[...] = 0  # e.g. a replay buffer normalising in place
    obs, *_ = vec.step(np.full(4, RIGHT))
    np.testing.assert_array_equal(states_of(vec, obs), [2, 2, 2, 2])


def test_same_seed_same_run():
    def run(seed):
        vec = GridWorldVectorEnv("frozen_lake_4x4", num_envs=32)
        out = [vec.reset(seed=seed)[0].tolist()]
        rng = np.random.default_rng(0)
        for _ in range(40):
            obs, r, term, trunc, infos = vec.step(rng.integers(4, size=32))
            out.append((obs.tolist(), r.tolist(), term.tolist(), trunc.tolist()))
        return out

    assert run(4) == run(4)
    assert run(4) != run(5)
