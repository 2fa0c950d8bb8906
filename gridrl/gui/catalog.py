"""Which agents the app can offer, found without importing them (so torch stays unloaded).

``agent_class(name)`` imports the agent's module, and the deep agents' modules import torch,
which takes seconds. The pickers therefore list agents from the registry alone: what each
agent runs on and which family it belongs to are declared there (``REGISTRY``, checked against
the classes by tests/agents/test_registry.py), and whether its module exists at all comes from
``importlib.util.find_spec``, which finds a module without running it. Only the agent the user
picks is imported.

The picker lists the agents of the level's kind. One that cannot run on this particular level
(a preference agent on a testbed, whose arms are drawn per run) stays in the list, marked, the
way an agent whose module is missing is: choosing it explains why instead of failing to load.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from gridrl.agents import REGISTRY, agent_class, level_refusal
from gridrl.levels import Level


class AgentUnavailable(RuntimeError):
    """The agent is planned but its module (or a dependency such as torch) is missing."""


@dataclass(frozen=True)
class AgentEntry:
    name: str
    kinds: tuple[str, ...]
    family: str  # "dp", "tabular", "bandit", "deep"; "" for a name not in the registry
    available: bool
    reason: str = ""  # why not available
    unfit: str = ""  # why it cannot run on the level it was looked up for ("" if it can, or none was given)

    @property
    def deep(self) -> bool:
        return self.family == "deep"

    @property
    def dp(self) -> bool:
        return self.family == "dp"

    @property
    def label(self) -> str:
        """The picker's text: the name, marked when it cannot be chosen."""
        if not self.available:
            return f"{self.name} (unavailable)"
        return f"{self.name} (not on this level)" if self.unfit else self.name


def _entry(name: str, level: Level | None = None) -> AgentEntry:
    info = REGISTRY.get(name)
    if info is None:
        return AgentEntry(name, (), "", False, f"'{name}' is not written yet")
    unfit = "" if level is None else level_refusal(name, level)
    module = f"gridrl.agents.{info.module}"
    try:
        found = importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        found = False
    if not found:
        return AgentEntry(name, info.kinds, info.family, False, f"module {module} is missing", unfit)
    return AgentEntry(name, info.kinds, info.family, True, unfit=unfit)


def catalog() -> list[AgentEntry]:
    """Every registered agent, in the registry's order."""
    return [_entry(n) for n in REGISTRY]


def agents_for(kind: str) -> list[AgentEntry]:
    """The agents that run on levels of ``kind`` ("gridworld" or "bandit")."""
    return [e for e in catalog() if kind in e.kinds]


def agents_on(level: Level) -> list[AgentEntry]:
    """The picker's agents for ``level``: those of its kind, each with why it cannot run on
    this level itself (``unfit``) where it cannot."""
    return [_entry(n, level) for n in REGISTRY if level.kind in REGISTRY[n].kinds]


def find(name: str, level: Level | None = None) -> AgentEntry:
    """Agent ``name``'s entry; with ``level``, its ``unfit`` says whether it runs there."""
    return _entry(name, level)


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


def default_agent(kind: str) -> str:
    """The agent a level of ``kind`` opens with: Q-learning on grids, epsilon-greedy on bandits."""
    preferred = "q-learning" if kind == "gridworld" else "epsilon-greedy"
    entries = [e for e in agents_for(kind) if e.available]
    if any(e.name == preferred for e in entries):
        return preferred
    if not entries:
        raise AgentUnavailable(f"no agent runs on {kind} levels")
    return entries[0].name
