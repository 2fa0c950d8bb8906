"""The same command with the same seed writes byte-identical snapshot.json and metrics.json,
for every agent (torch agents included: seeded generators, CPU kernels, one thread)."""

from __future__ import annotations

import json

import pytest

from gridrl.agents import REGISTRY
from gridrl.session import Session

#: A few units of each agent's natural kind of work, on a small level it fits. A preference
#: agent's is the update: its episodes are display walks of the policy, as long as it wanders.
CASES = [(name, "bernoulli_3" if "gridworld" not in info.kinds else "corridor",
          "update" if info.family == "deep" or info.backup in ("preference", "rlhf")
          else "episode" if "gridworld" in info.kinds else "step")
         for name, info in REGISTRY.items()]  # fmt: skip


def outputs(agent: str, level: str, unit: str, seed: int) -> tuple[str, str]:
    session = Session(level, agent, seed=seed)
    session.run(unit, 3)
    return json.dumps(session.snapshot()), json.dumps(session.metrics())


@pytest.mark.parametrize(("agent", "level", "unit"), CASES, ids=[c[0] for c in CASES])
def test_same_seed_same_bytes(agent, level, unit):
    first = outputs(agent, level, unit, seed=7)
    assert outputs(agent, level, unit, seed=7) == first
    if REGISTRY[agent].family != "dp":  # dynamic programming has no randomness to seed
        assert outputs(agent, level, unit, seed=8) != first


def test_two_processes_write_the_same_files(tmp_path):
    """Across fresh interpreters too (torch's global state starts anew in each)."""
    import subprocess
    import sys

    for out in ("a", "b"):
        subprocess.run([sys.executable, "-m", "gridrl", "train", "corridor", "--agent", "ppo", "--updates", "3",
                        "--seed", "3", "--out", str(tmp_path / out), "--quiet"], check=True, capture_output=True)  # fmt: skip
    for name in ("snapshot.json", "metrics.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
