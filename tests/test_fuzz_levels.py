"""Valid levels nobody designed (random sizes, tiles, wind, slip, teleports, noisy rewards,
unreachable goals): the environment passes gymnasium's checks, value iteration converges,
every agent runs 200 steps, and the board draws, with no exception and no NaN."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gridrl  # noqa: F401 - registers the environments
from gridrl.agents import REGISTRY, make_agent
from gridrl.levels import Dynamics, GridLevel, TileKind, level_to_yaml, parse_level

FUZZ = settings(derandomize=True, max_examples=4, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow])  # fmt: skip
rewards = st.floats(min_value=-100, max_value=100, allow_nan=False)

LEGEND = (
    TileKind("G", terminal=True, reward=10.0),
    TileKind("X", terminal=True, reward=-10.0),
    TileKind("T", teleport="S", reward=-1.0),
    TileKind("W", wind=(-1, 0)),
    TileKind("E", wind=(0, 2)),
    TileKind("N", reward=-1.0, reward_std=2.0),  # a noisy payment (Example 6.7's B pays N(-0.1, 1))
)


@st.composite
def levels(draw: st.DrawFn) -> GridLevel:
    """Up to 12 x 12: any mix of floor, walls, goals, traps, teleports and wind, one start or
    more, maybe no reachable goal (or no goal at all)."""
    rows, cols = draw(st.integers(1, 12)), draw(st.integers(1, 12))
    cells = draw(st.lists(st.sampled_from(".....##GXTWEN"), min_size=rows * cols, max_size=rows * cols))
    for i in draw(st.lists(st.integers(0, rows * cols - 1), min_size=1, max_size=3)):
        cells[i] = "S"
    used = set(cells)
    # max_steps >= 2: check_env calls an episode cut after one step "very wrong"
    dynamics = Dynamics(gamma=draw(st.floats(0.0, 1.0)), step_reward=draw(rewards), bump_reward=draw(rewards),
                        slip=draw(st.sampled_from([0.0, 0.1, 2 / 3, 1.0])), max_steps=draw(st.integers(2, 200)))  # fmt: skip
    level = GridLevel(name="fuzz", layout=tuple("".join(cells[r * cols:(r + 1) * cols]) for r in range(rows)),
                      legend=tuple(t for t in LEGEND if t.char in used), dynamics=dynamics)  # fmt: skip
    return parse_level(level_to_yaml(level))  # what a user's file of this level would give


def finite_where_defined(insight, wall: np.ndarray) -> None:
    live = ~wall
    assert np.isfinite(insight.V[live]).all() or np.isnan(insight.V).all()
    assert np.isfinite(insight.pi[live]).all()
    np.testing.assert_allclose(insight.pi[live].sum(axis=1), 1.0, rtol=1e-5)
    q = insight.Q[live]
    assert np.isfinite(q).all() or np.isnan(q).all() or np.isfinite(q[~np.isnan(q)]).all()


@settings(FUZZ, max_examples=25)
@given(level=levels())
def test_environment_and_value_iteration(level):
    env = gym.make("gridrl/GridWorld-v0", level=level).unwrapped
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # check_env's advice on spaces, not errors
        check_env(env)
    agent = make_agent("value-iteration", level)
    agent.advance("episode")
    assert np.isfinite(agent.insight().V).all()


GRID_AGENTS = [name for name, info in REGISTRY.items() if "gridworld" in info.kinds]


@pytest.mark.parametrize("name", GRID_AGENTS)
@FUZZ
@given(level=levels())
def test_every_agent_runs_200_steps_and_draws(name, level):
    from gridrl.levels import compile_grid
    from gridrl.render.offscreen import render_board_image

    agent = make_agent(name, level, seed=0)
    for _ in range(200):
        agent.advance("step")
    insight = agent.insight()
    finite_where_defined(insight, compile_grid(level).wall)
    image = render_board_image(level, insight, size=(320, 240))
    assert image.get_size() == (320, 240)
