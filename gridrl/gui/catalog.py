"""Which agents the app can offer, found without importing them (so torch stays unloaded).

``agent_class(name)`` imports the agent's module, and the deep agents' modules import torch,
which takes seconds. The pickers therefore list agents by name only: the level kinds an agent
runs on come from a table here (or from the class, once its module is imported anyway), and
whether it exists at all from ``importlib.util.find_spec``, which finds a module without
running it. Only the agent the user picks is imported.
"""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass

from gridrl.agents import REGISTRY, agent_class, agent_names

#: Every agent, in the order the pickers show them.
PLANNED = (
    "policy-evaluation", "value-iteration", "policy-iteration", "monte-carlo", "sarsa",
    "expected-sarsa", "q-learning", "dqn", "reinforce", "actor-critic", "ppo", "trpo", "grpo",
    "epsilon-greedy", "ucb", "gradient-bandit", "thompson",
)  # fmt: skip

GRID, BANDIT = ("gridworld",), ("bandit",)
#: Level kinds of each agent, so the picker can filter without importing the module.
#: The policy-gradient agents run on bandits too.
KINDS: dict[str, tuple[str, ...]] = {
    "policy-evaluation": GRID, "value-iteration": GRID, "policy-iteration": GRID,
    "monte-carlo": GRID, "sarsa": GRID, "expected-sarsa": GRID, "q-learning": GRID, "dqn": GRID,
    "reinforce": GRID + BANDIT, "actor-critic": GRID + BANDIT, "ppo": GRID + BANDIT,
    "trpo": GRID + BANDIT, "grpo": GRID + BANDIT,
    "epsilon-greedy": BANDIT, "ucb": BANDIT, "gradient-bandit": BANDIT, "thompson": BANDIT,
}  # fmt: skip
DP = frozenset({"policy-evaluation", "value-iteration", "policy-iteration"})
DEEP = frozenset({"dqn", "reinforce", "actor-critic", "ppo", "trpo", "grpo"})

#: Hyperparameters an agent reads from its config at every use, so a new value can be swapped
#: into the running agent (``dataclasses.replace`` on its config) without resetting it.
#: Anything else (gamma, which agents cache; priors; network sizes, learning rates an
#: optimizer holds) rebuilds the session with the same seed. An agent class may declare its
#: own ``live_hyperparameters`` instead.
_TABULAR_LIVE = frozenset({"alpha", "epsilon", "epsilon_decay", "epsilon_min"})
_DP_LIVE = frozenset({"theta", "in_place", "max_sweeps"})
LIVE: dict[str, frozenset[str]] = {
    "policy-evaluation": _DP_LIVE, "value-iteration": _DP_LIVE, "policy-iteration": _DP_LIVE,
    "monte-carlo": _TABULAR_LIVE, "sarsa": _TABULAR_LIVE, "expected-sarsa": _TABULAR_LIVE,
    "q-learning": _TABULAR_LIVE,
    "epsilon-greedy": frozenset({"epsilon", "alpha"}), "ucb": frozenset({"c", "alpha"}),
    "gradient-bandit": frozenset({"alpha", "baseline"}), "thompson": frozenset(),
}  # fmt: skip


class AgentUnavailable(RuntimeError):
    """The agent is planned but its module (or a dependency such as torch) is missing."""


@dataclass(frozen=True)
class AgentEntry:
    name: str
    kinds: tuple[str, ...]
    available: bool
    reason: str = ""  # why not available

    @property
    def deep(self) -> bool:
        return self.name in DEEP

    @property
    def dp(self) -> bool:
        return self.name in DP

    @property
    def label(self) -> str:
        """The picker's text: the name, marked when it cannot be chosen."""
        return self.name if self.available else f"{self.name} (unavailable)"


def _module_name(name: str) -> str:
    return "gridrl.agents." + REGISTRY[name].split(":")[0]


def _entry(name: str) -> AgentEntry:
    kinds = KINDS.get(name, GRID + BANDIT)
    if name not in REGISTRY:
        return AgentEntry(name, kinds, False, f"'{name}' is not written yet")
    module = _module_name(name)
    if module in sys.modules:  # imported already: ask the class itself, it costs nothing
        try:
            kinds = tuple(agent_class(name).level_kinds)
        except Exception:  # noqa: BLE001 - a broken module is reported when chosen
            pass
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        return AgentEntry(name, kinds, False, f"module {module} is missing")
    return AgentEntry(name, kinds, True)


def catalog() -> list[AgentEntry]:
    """Every registered or planned agent, registered ones in the pickers' order first."""
    names = [n for n in PLANNED if n in REGISTRY]
    names += [n for n in agent_names() if n not in names]
    names += [n for n in PLANNED if n not in names]
    return [_entry(n) for n in names]


def agents_for(kind: str) -> list[AgentEntry]:
    """The agents that run on levels of ``kind`` ("gridworld" or "bandit")."""
    return [e for e in catalog() if kind in e.kinds]


def find(name: str) -> AgentEntry:
    return _entry(name)


def load_class(name: str) -> type:
    """The agent's class (this imports its module); :class:`AgentUnavailable` if it can't be."""
    entry = _entry(name)
    if not entry.available:
        raise AgentUnavailable(f"{name} is not available: {entry.reason}")
    try:
        return agent_class(name)
    except ModuleNotFoundError as exc:
        raise AgentUnavailable(f"{name} is not available: module '{exc.name}' is not installed") from exc
    except (ImportError, AttributeError, KeyError) as exc:
        raise AgentUnavailable(f"{name} is not available: {exc}") from exc


def live_hyperparameters(name: str) -> frozenset[str]:
    """The hyperparameters of ``name`` a running agent picks up without a reset."""
    module = sys.modules.get(_module_name(name)) if name in REGISTRY else None
    if module is not None:
        try:
            declared = getattr(agent_class(name), "live_hyperparameters", None)
        except Exception:  # noqa: BLE001
            declared = None
        if declared is not None:
            return frozenset(declared)
    return LIVE.get(name, frozenset())


def default_agent(kind: str) -> str:
    """The agent a level of ``kind`` opens with: Q-learning on grids, epsilon-greedy on bandits."""
    preferred = "q-learning" if kind == "gridworld" else "epsilon-greedy"
    entries = [e for e in agents_for(kind) if e.available]
    if any(e.name == preferred for e in entries):
        return preferred
    if not entries:
        raise AgentUnavailable(f"no agent runs on {kind} levels")
    return entries[0].name
