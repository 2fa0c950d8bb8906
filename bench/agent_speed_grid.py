"""Every gridworld agent's cost per environment step, on a 60 x 60 open grid by default.

Run by hand (``python bench/agent_speed_grid.py``; ``--level cliff_walking`` for a bundled
level, ``--agents dqn`` for one row). Each agent is made with its default settings and stepped
through ``agent.step()`` for at least ``--seconds`` of wall time and, for a neural agent, until
it has made at least one learning update (or ``--max-seconds`` pass), so the cost includes its
updates, not only acting (REINFORCE's first batch on 60 x 60 is 16 random walks of ~35 000
steps: expect its row to take ~15 s). The cost is wall time divided by environment steps (``event.steps``: a deep
agent steps ``num_envs`` copies at once; a DP agent's step is the backup of one state). Process CPU time is printed beside it: above the wall time means torch ran
on more than one thread.
"""

from __future__ import annotations

import argparse
import time

from agent_speed_dp import open_grid  # bench/ is the script folder, so on sys.path
from gridrl.agents import REGISTRY, make_agent
from gridrl.levels import GridLevel, load_level

GRID_AGENTS = tuple(name for name, info in REGISTRY.items() if "gridworld" in info.kinds)


def step_cost(agent_name: str, level: GridLevel, seconds: float, max_seconds: float) -> tuple[float, float, int, int]:
    """(wall us, CPU us) per environment step, steps taken and deep updates made (the agent's
    construction not timed)."""
    agent = make_agent(agent_name, level, seed=0)
    wait_for_update = REGISTRY[agent_name].family == "deep"
    steps = updates = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    while True:
        event = agent.step()
        steps += event.steps
        updates += bool(event.info.get("updated"))
        elapsed = time.perf_counter() - start
        if (elapsed >= seconds and (updates or not wait_for_update)) or elapsed >= max_seconds:
            break
    cpu = time.process_time() - cpu_start
    return 1e6 * elapsed / steps, 1e6 * cpu / steps, steps, updates


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=60, help="side of the open grid (default 60)")
    parser.add_argument("--level", help="a bundled level instead of the open grid")
    parser.add_argument("--agents", nargs="+", default=GRID_AGENTS, choices=GRID_AGENTS, metavar="AGENT")
    parser.add_argument("--seconds", type=float, default=3.0, help="least wall time per agent")
    parser.add_argument("--max-seconds", type=float, default=60.0, help="most wall time per agent")
    args = parser.parse_args()

    level = load_level(args.level) if args.level else open_grid(args.size)
    assert isinstance(level, GridLevel)
    rows = []
    for name in args.agents:
        print(f"measuring {name} ...", flush=True)
        rows.append((name, *step_cost(name, level, args.seconds, args.max_seconds)))

    print(f"\n{level.name} ({level.shape[0]} x {level.shape[1]}), default settings, seed 0")
    print(f"{'agent':<20} {'us/step':>10} {'CPU us/step':>12} {'steps':>10} {'updates':>8}")
    for name, wall, cpu, steps, updates in rows:
        print(f"{name:<20} {wall:>10.1f} {cpu:>12.1f} {steps:>10,} {updates:>8,}")


if __name__ == "__main__":
    main()
