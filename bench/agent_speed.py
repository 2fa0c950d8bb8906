"""Agent speed, the three targets of the tabular-agents issue, one after another in one run:

* ten-armed testbed, epsilon-greedy, 2000 runs x 1000 steps: <= 3 s (agent_speed_bandit.py)
* value iteration to 1e-6 on a 256 x 256 open grid: <= 1 s, beside plain numpy sweeps
  (agent_speed_dp.py)
* tabular agents' environment steps per second on frozen_lake_8x8 (agent_speed_td.py)
* every gridworld agent's cost per environment step on a 60 x 60 open grid, DQN's included
  (agent_speed_grid.py; ``--level cliff_walking --agents dqn`` there for one level and agent)

Each part prints its reference measured in the same run and the ratio. Run by hand.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PARTS = ("agent_speed_bandit", "agent_speed_dp", "agent_speed_td", "agent_speed_grid")

if __name__ == "__main__":
    for part in PARTS:
        print(f"\n===== {part}.py =====", flush=True)
        sys.argv = [part]
        runpy.run_path(str(HERE / f"{part}.py"), run_name="__main__")
