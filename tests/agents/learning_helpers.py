"""What the neural agents' learning tests share: a slip-free FrozenLake and the greedy path.

"Learned" in those tests means the greedy policy argmax_a pi(a|s) of the agent's insight
walks from the start to the goal in the fewest steps, checked on the level's exact model.
"""

from __future__ import annotations

import numpy as np

from gridrl.envs import TabularModel
from gridrl.levels import GridLevel, level_path, parse_level

SLIP = "slip: 0.6666666666666666"


def frozen_lake_no_slip(name: str = "frozen_lake_4x4") -> GridLevel:
    """A bundled FrozenLake with its slip switched off: a deterministic maze."""
    text = level_path(name).read_text()
    assert SLIP in text, f"{name}.yaml changed: cannot switch its slip off"
    return parse_level(text.replace(SLIP, "slip: 0"), source=f"{name} without slip")


def _greedy_rollout(agent, limit: int) -> tuple[list[int], float] | None:
    """(states visited, last reward) following argmax_a pi(a|s) from the start to a terminal
    cell of a deterministic level; None if no terminal within ``limit`` steps."""
    model = TabularModel.from_level(agent.level)
    assert (model.prob[..., 0] == 1.0).all(), "a greedy path needs a deterministic level"
    pi = agent.insight().pi
    s = int(model.grid.start_cells[0])
    path = [s]
    for _ in range(limit):
        a = int(np.argmax(pi[s]))
        r, s = float(model.reward[s, a, 0]), int(model.next_state[s, a, 0])
        path.append(s)
        if model.terminal[s]:
            return path, r
    return None


def greedy_path(agent, limit: int = 100) -> list[int] | None:
    """The states the greedy policy visits from the start to a terminal cell (or None)."""
    rollout = _greedy_rollout(agent, limit)
    return None if rollout is None else rollout[0]


def greedy_path_length(agent, limit: int = 100) -> int | None:
    """Steps the greedy policy takes from the start to a *rewarding* terminal (a goal); None
    if it ends in a hole or never ends."""
    rollout = _greedy_rollout(agent, limit)
    if rollout is None or rollout[1] <= 0:
        return None
    return len(rollout[0]) - 1
