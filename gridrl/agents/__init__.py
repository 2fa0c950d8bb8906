"""Agents behind one interface, found by name in a registry.

Modules are imported only when an agent is made, so listing agents (or starting the GUI)
never imports torch.
"""

from __future__ import annotations

import difflib
import importlib
from typing import Any

from gridrl.agents.base import (
    UNITS,
    Agent,
    Event,
    Hyperparameter,
    HyperparameterError,
    Insight,
    LevelMismatchError,
    make_config,
)
from gridrl.levels import Level

#: registry name -> "module:Class" under gridrl.agents
REGISTRY: dict[str, str] = {
    "policy-evaluation": "policy_evaluation:PolicyEvaluation",
    "value-iteration": "value_iteration:ValueIteration",
    "policy-iteration": "policy_iteration:PolicyIteration",
    "monte-carlo": "monte_carlo:MonteCarlo",
    "sarsa": "sarsa:Sarsa",
    "expected-sarsa": "expected_sarsa:ExpectedSarsa",
    "q-learning": "q_learning:QLearning",
    "dqn": "dqn:DQN",
    "reinforce": "reinforce:Reinforce",
    "actor-critic": "actor_critic:ActorCritic",
    "ppo": "ppo:PPO",
    "trpo": "trpo:TRPO",
    "grpo": "grpo:GRPO",
    "epsilon-greedy": "epsilon_greedy:EpsilonGreedy",
    "ucb": "ucb:UCB",
    "gradient-bandit": "gradient_bandit:GradientBandit",
    "thompson": "thompson:Thompson",
}


def agent_names() -> list[str]:
    return list(REGISTRY)


def agent_class(name: str) -> type[Agent]:
    """The class registered as ``name``; a clear error with a suggestion otherwise."""
    if name not in REGISTRY:
        hint = difflib.get_close_matches(name, list(REGISTRY), n=1)
        raise KeyError(
            f"unknown agent '{name}'" + (f"; did you mean '{hint[0]}'?" if hint else ".")
            + f" Agents: {', '.join(REGISTRY)}."
        )
    module, cls = REGISTRY[name].split(":")
    return getattr(importlib.import_module(f"gridrl.agents.{module}"), cls)


def make_agent(
    name: str,
    level: Level,
    params: dict[str, Any] | None = None,
    seed: int = 0,
    runs: int = 1,
) -> Agent:
    """Build agent ``name`` on ``level`` with validated hyperparameters ``params``.

    ``runs`` > 1 is for agents that step many independent runs at once (bandit agents).
    """
    cls = agent_class(name)
    config = make_config(cls.Config, params)
    if runs != 1:
        if not cls.vectorized_runs:
            raise ValueError(f"agent '{name}' runs one run at a time; loop over seeds instead")
        return cls(level, config, seed=seed, runs=runs)
    return cls(level, config, seed=seed)


__all__ = [
    "REGISTRY", "UNITS", "Agent", "Event", "Hyperparameter", "HyperparameterError", "Insight",
    "LevelMismatchError", "agent_class", "agent_names", "make_agent", "make_config",
]  # fmt: skip
