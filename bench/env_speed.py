"""Environment speed: gridrl's GridWorldEnv against gymnasium's FrozenLake-v1 8x8.

Run by hand (``make bench`` or ``python bench/env_speed.py``). Everything is measured in
this one run on this machine, on the same map with the same slip (FrozenLake's
is_slippery=True is gridrl's slip 2/3), and printed as ratios against FrozenLake through
``gymnasium.make``. Targets (issue 2): single env >= 3x, vectorized >= 100x.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import gymnasium as gym
import numpy as np

import gridrl.envs
from gridrl.envs import GridWorldVectorEnv


def single_env_rate(env: Any, steps: int, seed: int = 0) -> float:
    """Random-action steps per second, resetting at episode ends (best of 3 runs)."""
    actions = np.random.default_rng(seed).integers(4, size=steps).tolist()
    best = 0.0
    for _ in range(3):
        env.reset(seed=seed)
        start = time.perf_counter()
        for a in actions:
            _, _, terminated, truncated, _ = env.step(a)
            if terminated or truncated:
                env.reset()
        best = max(best, steps / (time.perf_counter() - start))
    return best


def vector_rate(num_envs: int, steps: int, seed: int = 0) -> float:
    """Environment steps per second of GridWorldVectorEnv (all copies counted; best of 3)."""
    env = GridWorldVectorEnv("frozen_lake_8x8", num_envs=num_envs)
    actions = np.random.default_rng(seed).integers(4, size=(steps, num_envs))
    best = 0.0
    for _ in range(3):
        env.reset(seed=seed)
        start = time.perf_counter()
        for a in actions:
            env.step(a)
        best = max(best, steps * num_envs / (time.perf_counter() - start))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200_000, help="single-env steps per run")
    parser.add_argument("--num-envs", type=int, default=4096, help="copies in the vector env")
    args = parser.parse_args()
    assert gridrl.envs  # registers gridrl/GridWorld-v0

    rows: list[tuple[str, float]] = []
    for label, make in [
        ("FrozenLake-v1 8x8, gymnasium.make", lambda: gym.make("FrozenLake-v1", map_name="8x8")),
        ("FrozenLake-v1 8x8, unwrapped", lambda: gym.make("FrozenLake-v1", map_name="8x8").unwrapped),
        ("gridrl frozen_lake_8x8, gymnasium.make", lambda: gym.make("gridrl/GridWorld-v0", level="frozen_lake_8x8")),
        ("gridrl frozen_lake_8x8, unwrapped", lambda: gym.make("gridrl/GridWorld-v0", level="frozen_lake_8x8").unwrapped),
    ]:  # fmt: skip
        print(f"measuring {label} ...", flush=True)
        rows.append((label, single_env_rate(make(), args.steps)))
    print(f"measuring GridWorldVectorEnv x{args.num_envs} ...", flush=True)
    rows.append((f"gridrl GridWorldVectorEnv, {args.num_envs} copies", vector_rate(args.num_envs, 200)))

    reference = rows[0][1]
    print(f"\n{'environment':<45} {'steps/s':>14} {'vs FrozenLake (make)':>22}")
    for label, rate in rows:
        print(f"{label:<45} {rate:>14,.0f} {rate / reference:>21.1f}x")
    single, vector = rows[2][1] / reference, rows[4][1] / reference
    print(f"\nsingle env (make vs make): {single:.1f}x  target >= 3x  {'met' if single >= 3 else 'MISSED'}")
    print(f"vectorized vs FrozenLake (make): {vector:.0f}x  target >= 100x  {'met' if vector >= 100 else 'MISSED'}")


if __name__ == "__main__":
    main()
