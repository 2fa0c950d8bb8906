"""Agents behind one interface, found by name in a registry.

Modules are imported only when an agent is made, so listing agents (or starting the GUI)
never imports torch.
"""

from __future__ import annotations

import difflib
import importlib
import numbers
from dataclasses import dataclass
from typing import Any

from gridrl.agents.base import (
    UNITS,
    Agent,
    Event,
    Hyperparameter,
    HyperparameterError,
    Insight,
    LevelMismatchError,
    LevelTooLargeError,
    make_config,
)
from gridrl.levels import BanditLevel, Level

GRID, BANDIT = ("gridworld",), ("bandit",)
#: Seeds are 32-bit: numpy's and torch's generators both take them, and so does every run
#: a vectorised bandit agent derives from them.
MAX_SEED = 2**32 - 1
#: The kinds of update an agent makes (``AgentInfo.backup``), each as the inspector writes it out.
BACKUPS = {
    "dp": "a Bellman backup of V(s) over the exact model: V(s) <- max_a (or sum_a pi) q(s,a)",
    "mc": "Monte Carlo: Q(s,a) moves towards the return G of each first visit, once per episode",
    "td": "one-step TD control: Q(s,a) moves towards r + gamma (a value of s') after each step",
    "bandit": "an arm's value estimate: Q(A) <- Q(A) + step [R - Q(A)] after each pull",
    "gradient-bandit": "arm preferences H(a) moved by the reward against a baseline; pi = softmax(H)",
    "dqn": "a Q-network fitted to r + gamma max_a' Q_target(s',a') on replayed minibatches",
    "actor-critic": "a policy network moved along advantages from a learnt critic V(s)",
    "policy-gradient": "a policy network moved along whole returns less a baseline, without a critic: no Q",
    "prediction": "V(s) of a fixed policy moves towards a target: r + gamma V(s'), an n-step or lambda-return, or G",
    "preference": "soft-max logits moved by a loss on preference pairs (chosen, rejected); no reward reaches it",
    "rlhf": "soft-max logits moved by PPO's clipped surrogate on a learned reward less beta log(pi_old / pi_ref)",
}
_TABULAR_LIVE = frozenset({"alpha", "epsilon", "epsilon_decay", "epsilon_min"})
_DP_LIVE = frozenset({"theta", "in_place", "max_sweeps"})
_PREDICTION_LIVE = frozenset({"alpha"})


@dataclass(frozen=True)
class AgentInfo:
    """What the app must know of an agent before importing it: the deep agents' modules
    import torch, which takes seconds. tests/agents/test_registry.py checks every fact here
    against the agent's class, so the two cannot drift apart."""

    target: str  #: "module:Class" under gridrl.agents
    kinds: tuple[str, ...]  #: the class's ``level_kinds``
    family: str  #: "dp", "tabular", "prediction", "bandit" or "deep": the base class it builds on
    #: The kind of update it makes, one of :data:`BACKUPS`: how the inspector explains it.
    backup: str = ""
    #: Hyperparameters the agent reads from its config at every use, so a new value can be
    #: swapped into the running agent (``dataclasses.replace`` on its config) without a reset.
    #: Anything else (gamma, which agents cache; priors; network sizes, learning rates an
    #: optimizer holds) needs the agent rebuilt.
    live: frozenset[str] = frozenset()

    @property
    def module(self) -> str:
        return self.target.split(":")[0]

    @property
    def needs_torch(self) -> bool:
        return self.family == "deep"

    @property
    def needs_fixed_reward(self) -> bool:
        """A preference agent labels its pairs once, from the level's true reward: a bandit that
        draws its arms per run (a testbed) or lets them drift has no such reward."""
        return self.backup in ("preference", "rlhf")


#: registry name -> what the agent is and supports, in the order the app lists them
REGISTRY: dict[str, AgentInfo] = {
    "policy-evaluation": AgentInfo("policy_evaluation:PolicyEvaluation", GRID, "dp", "dp", _DP_LIVE),
    "value-iteration": AgentInfo("value_iteration:ValueIteration", GRID, "dp", "dp", _DP_LIVE),
    "policy-iteration": AgentInfo("policy_iteration:PolicyIteration", GRID, "dp", "dp", _DP_LIVE),
    "monte-carlo": AgentInfo("monte_carlo:MonteCarlo", GRID, "tabular", "mc", _TABULAR_LIVE),
    "sarsa": AgentInfo("sarsa:Sarsa", GRID, "tabular", "td", _TABULAR_LIVE),
    "expected-sarsa": AgentInfo("expected_sarsa:ExpectedSarsa", GRID, "tabular", "td", _TABULAR_LIVE),
    "q-learning": AgentInfo("q_learning:QLearning", GRID, "tabular", "td", _TABULAR_LIVE),
    "n-step-sarsa": AgentInfo("n_step_sarsa:NStepSarsa", GRID, "tabular", "td", _TABULAR_LIVE | {"n"}),
    "sarsa-lambda": AgentInfo("sarsa_lambda:SarsaLambda", GRID, "tabular", "td", _TABULAR_LIVE | {"lam", "trace", "trace_floor"}),
    "double-q-learning": AgentInfo("double_q_learning:DoubleQLearning", GRID, "tabular", "td", _TABULAR_LIVE),
    "dyna-q": AgentInfo("dyna_q:DynaQ", GRID, "tabular", "td", _TABULAR_LIVE | {"planning_steps"}),
    "dyna-q-plus": AgentInfo("dyna_q_plus:DynaQPlus", GRID, "tabular", "td", _TABULAR_LIVE | {"planning_steps", "kappa"}),
    "prioritized-sweeping": AgentInfo("prioritized_sweeping:PrioritizedSweeping", GRID, "tabular", "td", _TABULAR_LIVE | {"planning_steps", "theta"}),
    "td-prediction": AgentInfo("td_prediction:TDPrediction", GRID, "prediction", "prediction", _PREDICTION_LIVE),
    "mc-prediction": AgentInfo("mc_prediction:MCPrediction", GRID, "prediction", "prediction", _PREDICTION_LIVE),
    "n-step-td": AgentInfo("n_step_td:NStepTD", GRID, "prediction", "prediction", _PREDICTION_LIVE | {"n"}),
    "td-lambda": AgentInfo("td_lambda:TDLambda", GRID, "prediction", "prediction", _PREDICTION_LIVE | {"lam"}),
    "lambda-return": AgentInfo("lambda_return:LambdaReturn", GRID, "prediction", "prediction", _PREDICTION_LIVE | {"lam"}),
    "dqn": AgentInfo("dqn:DQN", GRID + BANDIT, "deep", "dqn"),
    "reinforce": AgentInfo("reinforce:Reinforce", GRID + BANDIT, "deep", "policy-gradient"),
    "actor-critic": AgentInfo("actor_critic:ActorCritic", GRID + BANDIT, "deep", "actor-critic"),
    "ppo": AgentInfo("ppo:PPO", GRID + BANDIT, "deep", "actor-critic"),
    "trpo": AgentInfo("trpo:TRPO", GRID + BANDIT, "deep", "actor-critic"),
    "grpo": AgentInfo("grpo:GRPO", GRID + BANDIT, "deep", "policy-gradient"),
    "rloo": AgentInfo("rloo:RLOO", GRID + BANDIT, "deep", "policy-gradient"),
    "epsilon-greedy": AgentInfo("epsilon_greedy:EpsilonGreedy", BANDIT, "bandit", "bandit", frozenset({"epsilon", "alpha"})),
    "ucb": AgentInfo("ucb:UCB", BANDIT, "bandit", "bandit", frozenset({"c", "alpha"})),
    "gradient-bandit": AgentInfo("gradient_bandit:GradientBandit", BANDIT, "bandit", "gradient-bandit", frozenset({"alpha", "baseline"})),
    "thompson": AgentInfo("thompson:Thompson", BANDIT, "bandit", "bandit"),
    "dpo": AgentInfo("dpo:DPO", BANDIT + GRID, "bandit", "preference", frozenset({"beta", "loss", "label_smoothing", "lr", "batch_size"})),
    "rlhf-ppo": AgentInfo("rlhf_ppo:RLHFPPO", BANDIT + GRID, "bandit", "rlhf", frozenset({"beta", "lr", "batch_size", "update_epochs", "clip_coef"})),
}  # fmt: skip


def agent_names() -> list[str]:
    return list(REGISTRY)


def level_refusal(name: str, level: Level) -> str:
    """Why the registered agent ``name`` cannot run on ``level``, in one sentence with what to
    do instead; "" if it can. From the registry alone, so the app can say it without importing
    the agent (tests/agents/test_level_refusal.py holds it to what the classes refuse)."""
    info = REGISTRY[name]
    if level.kind not in info.kinds:
        return f"agent '{name}' runs on {' and '.join(info.kinds)} levels; '{level.name}' is a {level.kind}"
    if info.needs_fixed_reward and isinstance(level, BanditLevel):
        if level.testbed is not None or level.nonstationary is not None:
            how = "draws new arms for every run" if level.testbed is not None else "lets its arms drift"
            return (f"agent '{name}' labels its preference pairs from the arms' true means, and '{level.name}' "
                    f"{how}, so it has none to label with; pick a bandit with fixed arms, e.g. preference_bandit")
    return ""


def agent_class(name: str) -> type[Agent]:
    """The class registered as ``name``; a clear error with a suggestion otherwise."""
    if name not in REGISTRY:
        hint = difflib.get_close_matches(name, list(REGISTRY), n=1)
        raise KeyError(
            f"unknown agent '{name}'" + (f"; did you mean '{hint[0]}'?" if hint else ".")
            + f" Agents: {', '.join(REGISTRY)}."
        )
    module, cls = REGISTRY[name].target.split(":")
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
    A level the agent cannot run on (:func:`level_refusal`) is refused first, and one whose
    stated limit it passes before the agent allocates anything (:class:`LevelTooLargeError`,
    from ``Agent.resource_limit``).
    """
    cls = agent_class(name)
    if not (isinstance(seed, numbers.Integral) and 0 <= seed <= MAX_SEED):
        raise HyperparameterError(f"seed must be a whole number from 0 to {MAX_SEED:,}, got {seed}")
    config, seed = make_config(cls.Config, params), int(seed)
    refusal = level_refusal(name, level)
    if refusal:  # before resource_limit, which may read what only the agent's own kind of level has
        raise LevelMismatchError(refusal)
    limit = cls.resource_limit(level, config)
    if limit is not None:
        raise LevelTooLargeError(limit)
    if runs != 1:
        if not cls.vectorized_runs:
            raise ValueError(f"agent '{name}' runs one run at a time; loop over seeds instead")
        return cls(level, config, seed=seed, runs=runs)
    return cls(level, config, seed=seed)


__all__ = [
    "BACKUPS", "REGISTRY", "UNITS", "Agent", "AgentInfo", "Event", "Hyperparameter", "HyperparameterError", "Insight",
    "LevelMismatchError", "LevelTooLargeError", "agent_class", "agent_names", "level_refusal", "make_agent",
    "make_config",
]  # fmt: skip
