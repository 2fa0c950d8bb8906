"""Tabular agent speed: environment steps per second through ``agent.step()`` on frozen_lake_8x8.

Run by hand (``python bench/agent_speed_td.py``); not part of the test run. Everything is
measured in this one run on this machine: the bare ``GridWorldEnv.step`` rate (random
actions, reset at episode ends) is the reference, and each agent's rate is printed as a
ratio of it, so the number says what the agent's Python loop (action choice, update, Event)
costs on top of the environment.
"""

from __future__ import annotations

import argparse
import time


from gridrl.agents import make_agent
from env_speed import single_env_rate  # bench/ is the script folder, so on sys.path
from gridrl.envs import GridWorldEnv
from gridrl.levels import load_level

LEVEL = "frozen_lake_8x8"
AGENTS = ("q-learning", "sarsa", "expected-sarsa", "monte-carlo")


def agent_rate(name: str, steps: int, repeats: int, seed: int = 0) -> float:
    """Environment steps per second through agent.step() (best of ``repeats``, fresh agents)."""
    level = load_level(LEVEL)
    best = 0.0
    for _ in range(repeats):
        agent = make_agent(name, level, seed=seed)
        step = agent.step
        start = time.perf_counter()
        for _ in range(steps):
            step()
        best = max(best, steps / (time.perf_counter() - start))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200_000, help="environment steps per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per row; the best counts")
    args = parser.parse_args()

    print(f"measuring bare GridWorldEnv.step on {LEVEL} ...", flush=True)
    rows = [("env.step (random actions)", single_env_rate(GridWorldEnv(LEVEL), args.steps))]
    for name in AGENTS:
        print(f"measuring {name} agent.step() ...", flush=True)
        rows.append((f"{name} agent.step()", agent_rate(name, args.steps, args.repeats)))

    reference = rows[0][1]
    print(f"\n{LEVEL}, {args.steps:,} steps, best of {args.repeats}")
    print(f"{'loop':<32} {'steps/s':>12} {'vs env.step':>12} {'us/step':>9}")
    for label, rate in rows:
        print(f"{label:<32} {rate:>12,.0f} {rate / reference:>11.2f}x {1e6 / rate:>9.2f}")
    q, sarsa = rows[1][1], rows[2][1]
    print(f"\nsarsa / q-learning: {sarsa / q:.2f}x")


if __name__ == "__main__":
    main()
