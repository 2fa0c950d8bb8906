"""Shared by the neural agents' learning tests: the deterministic FrozenLake they must solve,
and the greedy path of a trained agent."""

from __future__ import annotations

import numpy as np

from gridrl.envs import GridWorldEnv
from gridrl.levels import GridLevel, level_path, parse_level


def frozen_lake_no_slip() -> GridLevel:
    """The bundled FrozenLake 4x4 with slip 0: a small deterministic maze (shortest path 6)."""
    text = level_path("frozen_lake_4x4").read_text()
    assert "slip: 0.6666666666666666" in text
    return parse_level(text.replace("slip: 0.6666666666666666", "slip: 0"), source="<frozen lake, no slip>")


def greedy_path(agent, limit: int = 100) -> list[int] | None:
    """States visited following argmax_a pi(a|s) of insight from the start, or None if the
    greedy policy does not reach a terminal cell within ``limit`` steps."""
    env = GridWorldEnv(agent.level)
    s, _ = env.reset(seed=0)
    pi = agent.insight().pi
    path = [int(s)]
    for _ in range(limit):
        s, _, terminated, _, _ = env.step(int(np.argmax(pi[s])))
        path.append(int(s))
        if terminated:
            return path
    return None


def greedy_path_length(agent, limit: int = 100) -> int | None:
    """Steps following argmax_a pi(a|s) from the start to a *rewarding* terminal; None otherwise."""
    env = GridWorldEnv(agent.level)
    s, _ = env.reset(seed=0)
    pi = agent.insight().pi
    for n in range(1, limit + 1):
        s, r, terminated, _, info = env.step(int(np.argmax(pi[s])))
        assert info["prob"] == 1.0, "greedy_path_length needs a deterministic level"
        if terminated:
            return n if r > 0 else None
    return None
