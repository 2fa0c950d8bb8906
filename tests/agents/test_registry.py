"""The registry declares what each agent supports so the app need not import it (torch is
slow); these tests hold every declared fact to the agent's own class so they cannot drift."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from gridrl.agents import BACKUPS, REGISTRY, agent_class, make_agent
from gridrl.agents.common.bandit import BanditAgent
from gridrl.agents.common.deep import DeepAgent
from gridrl.agents.common.dp import DynamicProgramming
from gridrl.agents.common.prediction import TabularPrediction
from gridrl.agents.common.tabular import TabularControl
from gridrl.levels import load_level

REPO = Path(__file__).resolve().parents[2]
FAMILY_BASE = {"dp": DynamicProgramming, "tabular": TabularControl, "prediction": TabularPrediction,
               "bandit": BanditAgent, "deep": DeepAgent}


@pytest.mark.parametrize("name", list(REGISTRY))
def test_declared_facts_match_the_class(name):
    info, cls = REGISTRY[name], agent_class(name)
    assert cls.name == name
    assert info.kinds == cls.level_kinds
    assert [f for f, base in FAMILY_BASE.items() if issubclass(cls, base)] == [info.family]
    assert info.live <= {h.name for h in cls.spec()}, "a live hyperparameter the agent doesn't have"


def _explained(name: str) -> tuple[dict, object]:
    """What agent ``name`` gives the inspector: the backup of its first learning event (DP:
    its explanation of a cell after one sweep), and its insight."""
    level = load_level("corridor" if "gridworld" in REGISTRY[name].kinds else "bernoulli_3")
    agent = make_agent(name, level, seed=0)
    if REGISTRY[name].family == "dp":
        agent.update()
        return agent.explain(0), agent.insight()
    for _ in range(1000):
        event = agent.step()
        if event.changed.size and (REGISTRY[name].family != "tabular" or event.backup.get("Q_new") is not None):
            return event.backup, agent.insight()
    raise AssertionError(f"{name} learnt nothing in 1000 steps")


#: What each kind of backup must give the inspector to write it out.
BACKUP_SHOWS = {
    "dp": lambda b, ins: {"q", "r", "V_new"} <= b.keys(),
    "mc": lambda b, ins: isinstance(b.get("updates"), list) and {"G", "Q_old", "Q_new"} <= b["updates"][0].keys(),
    "td": lambda b, ins: {"Q_old", "target", "Q_new", "alpha"} <= b.keys() and "updates" not in b,
    "bandit": lambda b, ins: {"Q_old", "Q_new", "step_size"} <= b.keys() and "H_old" not in b,
    "gradient-bandit": lambda b, ins: {"H_old", "H_new"} <= b.keys(),
    "dqn": lambda b, ins: np.isfinite(ins.Q).all() and "target" in b,
    "actor-critic": lambda b, ins: np.isfinite(ins.V).all() and np.isnan(ins.Q).all(),
    "policy-gradient": lambda b, ins: np.isnan(ins.Q).all(),
    "prediction": lambda b, ins: {"V_old", "target", "V_new", "alpha"} <= b.keys() and np.isnan(ins.Q).all(),
    "preference": lambda b, ins: {"w", "l", "h", "loss", "theta_old", "theta"} <= b.keys(),
    "rlhf": lambda b, ins: {"shaped_reward", "advantage", "loss", "theta_old", "theta"} <= b.keys(),
}


@pytest.mark.parametrize("name", list(REGISTRY))
def test_declared_backup_is_what_the_agent_does(name):
    """The inspector explains an update by ``AgentInfo.backup``: the agent's own events must
    carry what that kind's explanation reads (a TD agent's Q_old, target, Q_new; a DQN's Q)."""
    kind = REGISTRY[name].backup
    assert kind in BACKUPS and set(BACKUP_SHOWS) == set(BACKUPS)
    backup, insight = _explained(name)
    assert BACKUP_SHOWS[kind](backup, insight), f"{name} declares '{kind}' but its update gives {sorted(backup)}"


def test_agents_declared_torch_free_import_without_torch():
    """One fresh interpreter imports every agent that says it doesn't need torch."""
    names = [n for n, info in REGISTRY.items() if not info.needs_torch]
    assert len(names) == 24
    script = (
        "import sys\nfrom gridrl.agents import agent_class\n"
        f"for n in {names!r}: agent_class(n)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"



@pytest.mark.parametrize("name", [n for n, info in REGISTRY.items() if info.backup in ("preference", "rlhf")])
def test_a_preference_agent_is_one_name_on_both_kinds(name):
    """The registered class is the bandit agent; built on a gridworld it makes its grid class,
    which shares its name, Config and (for the inspector) its kind of backup."""
    cls = agent_class(name)
    grid = make_agent(name, load_level("garden"), {"pairs": 5}, seed=0)
    assert type(grid) is cls.grid_class() and not isinstance(grid, cls)
    assert grid.name == name and grid.Config is cls.Config and grid.level_kinds == ("gridworld",)
    assert isinstance(make_agent(name, load_level("preference_bandit"), {"pairs": 5}), cls)
    backup = grid.step().backup
    assert BACKUP_SHOWS[REGISTRY[name].backup](backup, grid.insight())
