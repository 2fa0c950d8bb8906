"""gridrl: build gridworld and bandit levels, pick an agent, watch it learn.

Importing gridrl registers its gymnasium environments (and imports neither pygame nor torch)::

    import gymnasium as gym
    import gridrl

    gym.register_envs(gridrl)
    env = gym.make("gridrl/GridWorld-v0", level="cliff_walking", render_mode="rgb_array")

The desktop app: ``gridrl app`` (or ``python -m gridrl app``); every command: ``gridrl --help``.
"""

from gridrl.envs import register_envs

__version__ = "0.2.0"

register_envs()

__all__ = ["__version__", "register_envs"]
