"""Scheduled level changes in the environments: made at their step, once, counted across
episodes; and the Dyna agents see them (Sutton & Barto Examples 8.2 and 8.3)."""

from __future__ import annotations

import warnings

import gymnasium as gym
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from gridrl.agents import make_agent
from gridrl.envs import GridWorldEnv
from gridrl.envs.evaluation import OptimalityCheck
from gridrl.envs.model import TabularModel
from gridrl.envs.vector import GridWorldVectorEnv
from gridrl.levels import load_level

from conftest import level_from_text
from custom_levels import LEFT, RIGHT

# A corridor whose third cell becomes a wall after 5 steps; after 7 it is floor again and
# the second cell a goal.
CORRIDOR = level_from_text("""
    kind: gridworld
    name: closing corridor
    layout: |
      S...G
    dynamics:
      max_steps: 3
    changes:
    - at_step: 5
      layout: |
        S.#.G
    - at_step: 7
      layout: |
        SG..G
""")


def test_a_change_is_made_at_its_step_counted_across_episodes_and_only_once():
    env = GridWorldEnv(CORRIDOR)
    env.reset(seed=0)
    seen = []
    for step in range(1, 12):
        _, _, terminated, truncated, info = env.step(LEFT)  # bumps: the agent stays on S
        seen.append((step, info.get("level_changed", False), int(env.model.wall[2]), env.schedule.made))
        if terminated or truncated:  # every third step: the cap of 3 ends the episode
            env.reset()
    assert [s for s, changed, _, _ in seen if changed] == [5, 7]
    assert [(wall, made) for _, _, wall, made in seen] == [(0, 0)] * 4 + [(1, 1)] * 2 + [(0, 2)] * 5
    assert env.schedule.steps == 11


def test_the_step_that_reaches_at_step_still_plays_on_the_old_layout():
    env = GridWorldEnv(CORRIDOR)
    env.reset(seed=0, options={"state": 1})
    for _ in range(4):
        env.step(LEFT)
        env.reset(options={"state": 1})
    s, _, _, truncated, info = env.step(RIGHT)  # step 5: 1 -> 2, then cell 2 becomes a wall
    assert (s, info["level_changed"], truncated) == (2, True, True)
    env.reset(options={"state": 1})
    s, _, _, _, info = env.step(RIGHT)  # step 6: the new wall blocks
    assert (s, "level_changed" in info) == (1, False)


def test_an_agent_whose_cell_is_walled_in_is_truncated_and_restarts_on_a_start_cell():
    env = GridWorldEnv(CORRIDOR, render_mode="ansi")
    env.reset(seed=0, options={"state": 1})
    for _ in range(3):
        env.step(LEFT)
        env.reset(options={"state": 2})
    env.step(LEFT)  # step 4: 2 -> 1
    s, r, terminated, truncated, info = env.step(RIGHT)  # step 5: 1 -> 2, now a wall
    assert (s, r, terminated, truncated, info["level_changed"]) == (2, 0.0, False, True, True)
    assert env.render() == "S.@.G\n"
    s, _ = env.reset()
    assert s == 0 and env.render() == "@.#.G\n"


def test_an_agent_on_a_cell_that_becomes_terminal_is_truncated_without_its_reward():
    env = GridWorldEnv(CORRIDOR)
    env.reset(seed=0)
    for _ in range(6):  # steps 1-6 bump at the left end
        env.reset(options={"state": 0})
        env.step(LEFT)
    env.reset(options={"state": 0})
    s, r, terminated, truncated, info = env.step(RIGHT)  # step 7: 0 -> 1, which becomes a goal
    assert (s, r, terminated, truncated, info["level_changed"]) == (1, 0.0, False, True, True)
    env.reset()
    s, r, terminated, _, _ = env.step(RIGHT)  # entering the new goal pays and ends the episode
    assert (s, r, terminated) == (1, 1.0, True)


def test_the_vector_env_changes_every_copy_at_the_same_call():
    env = GridWorldVectorEnv(CORRIDOR, num_envs=3)
    env.reset(seed=0, options={"state": np.array([1, 1, 0])})
    for _ in range(4):
        _, _, _, _, infos = env.step(np.array([LEFT, LEFT, LEFT]))
        assert "level_changed" not in infos
        env.reset(options={"state": np.array([1, 1, 0])})
    obs, _, terminated, truncated, infos = env.step(np.array([RIGHT, LEFT, LEFT]))
    assert infos["level_changed"].tolist() == infos["_level_changed"].tolist() == [True] * 3
    assert truncated.tolist() == [True, False, False] and not terminated.any()
    assert infos["final_obs"][0] == 2 and obs.tolist() == [0, 0, 0]  # copy 0 restarted on S
    assert env.model.wall[2] and env.schedule.made == 1


@pytest.mark.parametrize("level", [CORRIDOR, "blocking_maze", "shortcut_maze"])
def test_check_env_passes_on_levels_that_change(level):
    """The corridor changes during check_env's own steps."""
    env = gym.make("gridrl/GridWorld-v0", level=level)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)
    if level is CORRIDOR:
        assert env.unwrapped.schedule.made >= 1


def test_the_model_describes_the_level_as_it_starts():
    level = load_level("blocking_maze")
    walls = [TabularModel.from_level(level.after_changes(k)).wall.reshape(6, 9)[3] for k in (0, 1)]
    assert walls[0].tolist() == [True] * 8 + [False]
    assert walls[1].tolist() == [False] + [True] * 8
    assert np.array_equal(TabularModel.from_level(level).wall, TabularModel.from_level(level.after_changes(0)).wall)


@pytest.mark.parametrize(("name", "steps"), [("blocking_maze", (10, 16)), ("shortcut_maze", (16, 10))])
def test_the_shortest_paths_before_and_after_the_change(name, steps):
    """Figures 8.4 and 8.5: v* = gamma^(n-1) for a shortest path of n steps to the +1 goal."""
    level = load_level(name)
    optimal = [OptimalityCheck(TabularModel.from_level(level.after_changes(k))).optimal for k in (0, 1)]
    assert optimal == pytest.approx([0.95 ** (n - 1) for n in steps])


def test_a_tabular_agent_sees_the_change_through_its_env():
    """Blocking maze: after 1000 agent steps the agent's env has the new wall; the agent's code
    knows nothing of changes."""
    agent = make_agent("q-learning", load_level("blocking_maze"), seed=0)
    for _ in range(999):
        agent.step()
    assert not agent.env.model.wall[3 * 9 + 8]
    agent.step()
    assert agent.env.model.wall[3 * 9 + 8] and not agent.env.model.wall[3 * 9]


def _episodes_after_opening(agent_name: str, seed: int) -> list[int]:
    """Figure 8.5's run: 6000 steps on the shortcut maze, which opens the shortcut after
    3000; the lengths of the episodes that end after it opened."""
    level = load_level("shortcut_maze")
    agent = make_agent(agent_name, level, {"kappa": 0.001} if agent_name == "dyna-q-plus" else {}, seed=seed)
    lengths = []
    for step in range(1, 6001):
        event = agent.step()
        if event.done and step > 3000:
            lengths.append(event.episode_length)
    return lengths


def test_dyna_q_plus_finds_the_shortcut_and_dyna_q_does_not():
    """Figure 8.5. Before the change every path takes at least 16 steps; the shortcut takes 10.
    With the level's recommended kappa 0.001 (the agents' other settings their defaults:
    n = 10, alpha 0.5, epsilon 0.1), Dyna-Q+'s first episode shorter than 16 ended 470-1400
    steps after the opening and its last ten episodes had a median length of 10-12 (seeds
    0-4; epsilon's random moves add the odd detour), so 3000 steps leave a wide margin.
    Dyna-Q walked no episode shorter than 16 (0 of 5 seeds; medians 16.5-18.5). About 5 s of
    CPU for the six runs."""
    plus = [_episodes_after_opening("dyna-q-plus", seed) for seed in range(3)]
    plain = [_episodes_after_opening("dyna-q", seed) for seed in range(3)]
    assert all(np.median(lengths[-10:]) <= 12 for lengths in plus), [lengths[-10:] for lengths in plus]
    assert sum(min(lengths) < 16 for lengths in plain) <= 1, [min(lengths) for lengths in plain]
