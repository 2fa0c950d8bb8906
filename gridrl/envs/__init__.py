"""Environments: gymnasium envs for gridworld and bandit levels, and the exact tabular model.

Importing ``gridrl`` (or this package) registers ``gridrl/GridWorld-v0`` and ``gridrl/Bandit-v0``::

    import gymnasium as gym
    import gridrl
    env = gym.make("gridrl/GridWorld-v0", level="cliff_walking")
    vec = gym.make_vec("gridrl/GridWorld-v0", num_envs=64, vectorization_mode="vector_entry_point",
                       level="cliff_walking")
"""

from __future__ import annotations

import gymnasium as gym

from gridrl.envs.bandit import BanditArms, BanditEnv, BanditVectorEnv
from gridrl.envs.gridworld import GridWorldEnv
from gridrl.envs.model import N_ACTIONS, TabularModel
from gridrl.envs.observation import OBS_MODES, ObservationEncoder
from gridrl.envs.vector import GridWorldVectorEnv


#: Each gymnasium id of gridrl's environments (``level=`` picks the level) -> its entry point
#: and vector entry point in this package.
_ENTRY_POINTS = {
    "gridrl/GridWorld-v0": ("gridworld:GridWorldEnv", "vector:GridWorldVectorEnv"),
    "gridrl/Bandit-v0": ("bandit:BanditEnv", "bandit:BanditVectorEnv"),
}
ENV_IDS = tuple(_ENTRY_POINTS)


def register_envs() -> None:
    """Register :data:`ENV_IDS` with gymnasium (once; ``import gridrl`` does it)."""
    # The envs truncate by themselves at the level's max_steps (so no TimeLimit) and refuse
    # step() before reset() (so no OrderEnforcing); check_env runs on every level in the tests.
    for env_id, (entry, vector_entry) in _ENTRY_POINTS.items():
        if env_id not in gym.registry:
            gym.register(
                id=env_id,
                entry_point=f"gridrl.envs.{entry}",
                vector_entry_point=f"gridrl.envs.{vector_entry}",
                order_enforce=False,
                disable_env_checker=True,
            )


register_envs()

__all__ = [
    "BanditArms", "BanditEnv", "BanditVectorEnv", "ENV_IDS", "GridWorldEnv", "GridWorldVectorEnv",
    "N_ACTIONS", "OBS_MODES", "ObservationEncoder", "TabularModel", "register_envs",
]  # fmt: skip
