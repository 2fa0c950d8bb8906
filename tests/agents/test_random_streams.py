"""An agent's random numbers must not be the environment's.

Environments are seeded with the bare seed. An agent seeded alike would draw the very numbers
the environment slips by: actor-critic on frozen_lake_4x4 then learned to pick its action
from the same uniform the ice used, steered the slip, won 82% of its training episodes (the
best stationary policy wins 74%) and left a greedy policy worth 0.1 of v* = 0.52.
"""

from __future__ import annotations

import numpy as np
import pytest

from gridrl.agents import REGISTRY, make_agent
from gridrl.levels import load_level

SEED = 3


def _level_for(name: str):
    return load_level("frozen_lake_4x4" if "gridworld" in REGISTRY[name].kinds else "bernoulli_3")


@pytest.mark.parametrize("name", [n for n, info in REGISTRY.items() if info.family != "dp"])
def test_agent_stream_is_not_the_environments(name):
    if REGISTRY[name].family == "deep":
        pytest.importorskip("torch")
    agent = make_agent(name, _level_for(name), seed=SEED)
    env_stream = np.random.default_rng(SEED)  # what gymnasium's reset(seed=SEED) makes
    assert not np.array_equal(agent.rng.random(16), env_stream.random(16))


def test_deep_agent_action_draws_are_independent_of_the_slips():
    """The vectorised env and the agent both draw N uniforms a step: with one stream they
    would be equal, draw for draw."""
    pytest.importorskip("torch")
    agent = make_agent("actor-critic", load_level("frozen_lake_4x4"), seed=SEED)
    agent_u, env_u = agent.rng.random(10_000), agent.envs._rng.random(10_000)
    assert abs(np.corrcoef(agent_u, env_u)[0, 1]) < 0.05
