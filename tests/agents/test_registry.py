"""The registry declares what each agent supports so the app need not import it (torch is
slow); these tests hold every declared fact to the agent's own class so they cannot drift."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from gridrl.agents import REGISTRY, agent_class
from gridrl.agents.common.bandit import BanditAgent
from gridrl.agents.common.deep import DeepAgent
from gridrl.agents.common.dp import DynamicProgramming
from gridrl.agents.common.tabular import TabularControl

REPO = Path(__file__).resolve().parents[2]
FAMILY_BASE = {"dp": DynamicProgramming, "tabular": TabularControl, "bandit": BanditAgent, "deep": DeepAgent}


@pytest.mark.parametrize("name", list(REGISTRY))
def test_declared_facts_match_the_class(name):
    info, cls = REGISTRY[name], agent_class(name)
    assert cls.name == name
    assert info.kinds == cls.level_kinds
    assert [f for f, base in FAMILY_BASE.items() if issubclass(cls, base)] == [info.family]
    assert info.live <= {h.name for h in cls.spec()}, "a live hyperparameter the agent doesn't have"


def test_agents_declared_torch_free_import_without_torch():
    """One fresh interpreter imports every agent that says it doesn't need torch."""
    names = [n for n, info in REGISTRY.items() if not info.needs_torch]
    assert len(names) == 11
    script = (
        "import sys\nfrom gridrl.agents import agent_class\n"
        f"for n in {names!r}: agent_class(n)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'torch'))"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"

