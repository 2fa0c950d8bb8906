"""GridWorldEnv: gymnasium's checker on every level, sampling agrees with the exact model,
episode ends, resets, seeding, observation encodings, pickling, rendering."""

from __future__ import annotations

import pickle
import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from gridrl.envs import GridWorldEnv, ObservationEncoder, TabularModel
from gridrl.envs.vector import GridWorldVectorEnv
from gridrl.levels import GridLevel, bundled_level_names, load_level
from custom_levels import DOWN, LEFT, NO_GOAL_LEVEL, RIGHT, TELEPORT_LEVEL, UP

GRID_LEVELS = [n for n in bundled_level_names() if isinstance(load_level(n), GridLevel)]
BANDIT_LEVELS = [n for n in bundled_level_names() if not isinstance(load_level(n), GridLevel)]
N_SAMPLES = 20_000


def checked(env: gym.Env) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env)


# ------------------------------------------------------------------ gymnasium conformance


@pytest.mark.parametrize("obs", ["index", "onehot", "coords"])
@pytest.mark.parametrize("name", GRID_LEVELS)
def test_check_env_gridworld(name, obs):
    env = gym.make("gridrl/GridWorld-v0", level=name, obs=obs)
    checked(env.unwrapped)
    rows, cols = load_level(name).shape
    space = env.unwrapped.observation_space
    if obs == "index":
        assert space == gym.spaces.Discrete(rows * cols)
    elif obs == "onehot":
        assert space.shape == (rows * cols,) and space.dtype == np.float32
    else:
        assert space.shape == (2,) and space.dtype == np.float32
    assert env.unwrapped.action_space == gym.spaces.Discrete(4)


@pytest.mark.parametrize("name", BANDIT_LEVELS)
def test_check_env_bandit(name):
    env = gym.make("gridrl/Bandit-v0", level=name)
    checked(env.unwrapped)
    assert env.unwrapped.action_space == gym.spaces.Discrete(load_level(name).n_arms)


def test_check_env_with_ansi_render_mode():
    checked(gym.make("gridrl/GridWorld-v0", level="windy_gridworld", render_mode="ansi").unwrapped)


def test_gym_make_registered_ids():
    env = gym.make("gridrl/GridWorld-v0", level="cliff_walking")
    assert isinstance(env.unwrapped, GridWorldEnv)
    assert env.unwrapped.level.shape == (4, 12)
    obs, _ = env.reset(seed=0)
    assert obs == 36  # S at row 3 col 0
    obs, r, term, trunc, _ = env.step(RIGHT)
    assert (obs, r, term, trunc) == (36, -100.0, False, False)

    bandit = gym.make("gridrl/Bandit-v0", level="ten_armed_testbed")
    from gridrl.envs import BanditEnv

    assert isinstance(bandit.unwrapped, BanditEnv)
    assert bandit.action_space.n == 10


def test_gym_make_accepts_a_path():
    from gridrl.levels import BUNDLED_DIR

    env = gym.make("gridrl/GridWorld-v0", level=str(BUNDLED_DIR / "corridor.yaml"))
    assert env.unwrapped.level.shape == (1, 9)


def test_make_vec_uses_the_vector_entry_point():
    vec = gym.make_vec(
        "gridrl/GridWorld-v0", num_envs=4, vectorization_mode="vector_entry_point", level="corridor"
    )
    assert isinstance(vec, GridWorldVectorEnv)
    assert vec.num_envs == 4
    obs, _ = vec.reset(seed=1)
    np.testing.assert_array_equal(obs, [0, 0, 0, 0])
    obs, rewards, *_ = vec.step(np.array([RIGHT] * 4))
    np.testing.assert_array_equal(obs, [1, 1, 1, 1])
    np.testing.assert_array_equal(rewards, [0.0] * 4)


def test_a_bandit_level_is_refused():
    with pytest.raises(ValueError):
        GridWorldEnv("bernoulli_3")
    with pytest.raises(ValueError):
        GridWorldEnv("corridor", obs="pixels")


# ------------------------------------------------------------- sampling agrees with the model


def sample_pairs(env: GridWorldEnv, s: int, a: int, n: int) -> list[tuple[int, float]]:
    out = []
    for _ in range(n):
        env.reset(options={"state": s})
        s2, r, term, trunc, info = env.step(a)
        assert term == bool(env.model.terminal[s2])
        assert not trunc
        out.append((int(s2), round(float(r), 9)))
    return out


@pytest.mark.parametrize(
    ("level", "cell", "action"),
    [
        ("frozen_lake_8x8", (0, 0), RIGHT),
        ("frozen_lake_8x8", (2, 2), RIGHT),  # next to a hole
        ("frozen_lake_8x8", (6, 7), DOWN),  # goal, hole, or bump
        ("cliff_walking", (3, 0), RIGHT),
        ("cliff_walking", (2, 4), DOWN),
        ("cliff_walking", (2, 11), DOWN),
        ("teleport", (0, 1), DOWN),
        ("teleport", (1, 0), RIGHT),
    ],
    ids=lambda v: "-".join(map(str, v)) if isinstance(v, tuple) else str(v),
)
def test_sampling_matches_model(level, cell, action, make_level, check_frequencies, outcomes_of):
    env = GridWorldEnv(make_level(TELEPORT_LEVEL) if level == "teleport" else level)
    env.reset(seed=12345)
    m = env.model
    s = cell[0] * m.shape[1] + cell[1]
    expected = outcomes_of(m, s, action)  # {(s', r): p}
    samples = sample_pairs(env, s, action, N_SAMPLES)
    check_frequencies(samples, expected)
    # The next-state marginal agrees with the dense P too.
    marginal = {int(t): float(m.P[s, action, t]) for t in np.flatnonzero(m.P[s, action])}
    check_frequencies([s2 for s2, _ in samples], marginal)
    # The mean reward agrees with R[s, a].
    rewards = np.array([r for _, r in samples])
    assert abs(rewards.mean() - m.R[s, action]) <= 5 * rewards.std() / np.sqrt(N_SAMPLES) + 1e-9


def test_sampled_teleport_rewards_by_outcome(make_level):
    """From (0, 1) DOWN on the teleport level: landing on (0, 0) pays -6 (through T) or -1
    (slipped left straight onto it); the other starts only through T; (0, 2) only by slipping."""
    env = GridWorldEnv(make_level(TELEPORT_LEVEL))
    env.reset(seed=7)
    seen: dict[int, set[float]] = {}
    for s2, r in sample_pairs(env, 1, DOWN, 3000):
        seen.setdefault(s2, set()).add(r)
    assert seen == {0: {-6.0, -1.0}, 3: {-6.0}, 8: {-6.0}, 2: {-1.0}}


def test_info_prob_is_the_outcome_probability():
    env = GridWorldEnv("frozen_lake_8x8")
    env.reset(seed=3)
    for _ in range(50):
        env.reset(options={"state": 0})
        _, _, _, _, info = env.step(RIGHT)
        assert info["prob"] == pytest.approx(1 / 3, abs=1e-9)
    env = GridWorldEnv("cliff_walking")
    env.reset(seed=0)
    assert env.step(UP)[4]["prob"] == 1.0


def test_uniform_random_start(make_level, check_frequencies):
    env = GridWorldEnv(make_level(TELEPORT_LEVEL))
    starts = []
    env.reset(seed=99)
    for _ in range(6000):
        obs, info = env.reset()
        starts.append(obs)
        assert info["prob"] == 1.0
    check_frequencies(starts, {0: 1 / 3, 3: 1 / 3, 8: 1 / 3})


# --------------------------------------------------------------------------- episode ends


def test_truncation_at_max_steps_is_not_termination(make_level):
    env = GridWorldEnv(make_level(NO_GOAL_LEVEL))
    assert env.max_steps == 3
    obs, _ = env.reset(seed=0)
    assert obs == 0
    results = [env.step(RIGHT) for _ in range(3)]
    assert [r[0] for r in results] == [1, 1, 1]  # the wall at col 2 blocks
    assert [r[2] for r in results] == [False, False, False]
    assert [r[3] for r in results] == [False, False, True]
    # A reset starts a fresh episode with a fresh step count.
    env.reset()
    assert [env.step(LEFT)[3] for _ in range(3)] == [False, False, True]


def test_reaching_the_goal_terminates():
    env = GridWorldEnv("corridor")
    assert env.max_steps == 900  # default: 100 x number of cells
    env.reset(seed=0)
    for t in range(7):
        obs, r, term, trunc, _ = env.step(RIGHT)
        assert (obs, r, term, trunc) == (t + 1, 0.0, False, False)
    obs, r, term, trunc, _ = env.step(RIGHT)
    assert (obs, r, term, trunc) == (8, 1.0, True, False)


def test_goal_on_the_last_allowed_step_terminates_without_truncation(make_level):
    env = GridWorldEnv(make_level("kind: gridworld\nname: t\nlayout: |\n  S.G\ndynamics: {max_steps: 2}\n"))
    env.reset(seed=0)
    assert env.step(RIGHT)[2:4] == (False, False)
    assert env.step(RIGHT)[1:4] == (1.0, True, False)


def test_hazard_terminates_with_minus_one():
    env = GridWorldEnv("trap_maze")
    m = env.model
    hazards = np.flatnonzero(m.grid.chars == "X")
    assert hazards.size > 0 and m.terminal[hazards].all()
    # (2, 4) RIGHT enters the hazard at (2, 5); step_reward -0.01 is added.
    env.reset(seed=0, options={"state": (2, 4)})
    obs, r, term, trunc, _ = env.step(RIGHT)
    assert (obs, term, trunc) == (25, True, False)
    assert r == pytest.approx(-1.01)


def test_step_before_reset_raises():
    env = GridWorldEnv("corridor")
    with pytest.raises(gym.error.ResetNeeded):
        env.step(RIGHT)


# ----------------------------------------------------------------------------- resetting


def test_reset_to_a_given_state():
    env = GridWorldEnv("cliff_walking")
    obs, _ = env.reset(seed=0, options={"state": (1, 5)})
    assert obs == 1 * 12 + 5
    assert env.step(DOWN)[0] == 2 * 12 + 5
    obs, _ = env.reset(options={"state": 14})
    assert obs == 14
    assert env.step(LEFT)[0] == 13
    # Without options: the start again.
    assert env.reset()[0] == 36


@pytest.mark.parametrize(
    ("level", "state"),
    [
        ("cliff_walking", (3, 11)),  # goal: terminal
        ("frozen_lake_4x4", (1, 1)),  # hole: terminal
        ("four_rooms", (0, 5)),  # wall
        ("four_rooms", 5),  # wall, as an index
        ("corridor", 9),  # past the end
        ("corridor", -1),
        ("corridor", (1, 0)),  # row outside a 1-row grid
        ("cliff_walking", (0, 12)),  # column outside the grid (would alias cell (1, 0))
        ("cliff_walking", (0, -1)),
    ],
)
def test_reset_refuses_walls_terminals_and_outside_cells(level, state):
    env = GridWorldEnv(level)
    with pytest.raises(ValueError):
        env.reset(seed=0, options={"state": state})


def rollout(env: GridWorldEnv, seed: int, steps: int = 300) -> list[tuple]:
    actions = np.random.default_rng(seed + 1).integers(4, size=steps)
    obs, _ = env.reset(seed=seed)
    out = [("reset", int(obs))]
    for a in actions:
        obs, r, term, trunc, _ = env.step(int(a))
        out.append((int(obs), float(r), term, trunc))
        if term or trunc:
            obs, _ = env.reset()
            out.append(("reset", int(obs)))
    return out


def test_same_seed_same_trajectory():
    env = GridWorldEnv("frozen_lake_8x8")
    first = rollout(env, seed=42)
    second = rollout(GridWorldEnv("frozen_lake_8x8"), seed=42)
    assert first == second
    assert rollout(env, seed=42) == first  # the same env object, re-seeded
    assert rollout(env, seed=43) != first  # a different seed gives a different walk
    assert sum(1 for step in first if step[0] == "reset") > 1  # the rollout saw episode ends


# ------------------------------------------------------------------- observation encodings


def test_onehot_observations():
    env = GridWorldEnv("cliff_walking", obs="onehot")
    obs, _ = env.reset(seed=0)
    assert obs.shape == (48,) and obs.dtype == np.float32
    assert obs.sum() == 1.0 and obs[36] == 1.0
    obs, *_ = env.step(UP)
    assert obs.sum() == 1.0 and obs[24] == 1.0 and np.count_nonzero(obs) == 1
    assert env.observation_space.contains(obs)


def test_coords_observations():
    env = GridWorldEnv("cliff_walking", obs="coords")
    obs, _ = env.reset(seed=0)
    np.testing.assert_allclose(obs, [1.0, 0.0])  # row 3 of 0..3, col 0
    obs, _ = env.reset(options={"state": (1, 4)})
    np.testing.assert_allclose(obs, [1 / 3, 4 / 11], rtol=1e-6)
    obs, *_ = env.step(RIGHT)
    np.testing.assert_allclose(obs, [1 / 3, 5 / 11], rtol=1e-6)
    assert obs.dtype == np.float32 and env.observation_space.contains(obs)
    env.reset(options={"state": (2, 11)})
    obs, *_ = env.step(DOWN)
    np.testing.assert_allclose(obs, [1.0, 1.0])


def test_coords_on_a_single_row():
    enc = ObservationEncoder("coords", 1, 9)
    np.testing.assert_allclose(enc.batch(np.array([0, 4, 8])), [[0, 0], [0, 0.5], [0, 1]])


def test_encoder_batch_modes():
    states = np.array([[0, 5], [11, 7]])
    enc = ObservationEncoder("onehot", 3, 4)
    out = enc.batch(states)
    assert out.shape == (2, 2, 12)
    np.testing.assert_array_equal(out.argmax(-1), states)
    np.testing.assert_array_equal(out.sum(-1), 1.0)
    np.testing.assert_array_equal(ObservationEncoder("index", 3, 4).batch(states), states)
    coords = ObservationEncoder("coords", 3, 4).batch(states)
    np.testing.assert_allclose(coords[1, 0], [1.0, 1.0])
    np.testing.assert_allclose(coords[0, 1], [0.5, 1 / 3], rtol=1e-6)
    with pytest.raises(ValueError):
        ObservationEncoder("rgb", 3, 4)


# ------------------------------------------------------------------- pickling, rendering


def trace(env: GridWorldEnv, seed: int = 11, steps: int = 100) -> list:
    """A seeded random-action rollout as plain lists (any observation mode)."""
    o, _ = env.reset(seed=seed)
    out = [np.asarray(o).tolist()]
    for a in np.random.default_rng(0).integers(4, size=steps):
        o, r, term, trunc, _ = env.step(int(a))
        out.append((np.asarray(o).tolist(), r, term, trunc))
        if term or trunc:
            o, _ = env.reset()
            out.append(np.asarray(o).tolist())
    return out


@pytest.mark.parametrize("obs", ["index", "onehot", "coords"])
def test_pickle_round_trip(obs):
    env = GridWorldEnv("frozen_lake_8x8", obs=obs)
    trace(env, seed=5, steps=20)  # warm the outcome cache
    clone = pickle.loads(pickle.dumps(env))
    assert isinstance(clone, GridWorldEnv)
    assert clone.level == env.level
    np.testing.assert_array_equal(clone.model.P, env.model.P)
    assert trace(clone) == trace(env)
    assert trace(clone, seed=12) != trace(clone, seed=11)


def test_pickle_mid_episode_continues_identically():
    env = GridWorldEnv("frozen_lake_8x8")
    env.reset(seed=8)
    env.step(RIGHT)
    clone = pickle.loads(pickle.dumps(env))
    actions = [DOWN, RIGHT, RIGHT, DOWN, DOWN, RIGHT]
    assert [clone.step(a) for a in actions] == [env.step(a) for a in actions]


def test_render_ansi_shows_the_agent():
    env = GridWorldEnv("cliff_walking", render_mode="ansi")
    env.reset(seed=0)
    text = env.render()
    lines = text.rstrip("\n").split("\n")
    assert lines == ["............"] * 3 + ["@CCCCCCCCCCG"]
    env.step(UP)
    lines = env.render().rstrip("\n").split("\n")
    assert lines[2] == "@..........." and lines[3] == "SCCCCCCCCCCG"
    assert text.count("@") == 1
    assert GridWorldEnv("cliff_walking").render() is None
    with pytest.raises(ValueError, match="render_mode must be one of"):
        GridWorldEnv("corridor", render_mode="text")


def test_model_is_exposed_and_matches_a_fresh_one():
    env = GridWorldEnv("windy_gridworld")
    fresh = TabularModel.from_level("windy_gridworld")
    np.testing.assert_array_equal(env.model.P, fresh.P)
    np.testing.assert_array_equal(env.model.R, fresh.R)
