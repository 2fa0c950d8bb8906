"""Dynamic-programming speed: value iteration to theta = 1e-6 on an open 256 x 256 grid.

Run by hand (``python bench/agent_speed_dp.py``). The level (S top-left, G bottom-right,
gamma 0.99, reward +1 at G) is built here. Three timings, all measured in this run:

  (a) reference: plain synchronous numpy value iteration written inline below, the way one
      would write it from eq. 4.10 on the model's (S, A) arrays;
  (b) gridrl's ValueIteration, synchronous sweeps (the default);
  (c) gridrl's ValueIteration with in_place=True (ordered sweeps, rows and columns in turn).

Each time is the best of a few runs from V = 0 to convergence; building the model (and the
agent) is not timed, and is printed once. Target (issue): ours <= 1 s.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from gridrl.agents import make_agent
from gridrl.envs import TabularModel
from gridrl.levels import GridLevel, parse_level


def open_grid(size: int) -> GridLevel:
    """An open size x size grid: S top-left, G (+1, terminal) bottom-right, gamma 0.99."""
    rows = ["." * size for _ in range(size)]
    rows[0] = "S" + rows[0][1:]
    rows[-1] = rows[-1][:-1] + "G"
    layout = "\n".join("  " + row for row in rows)
    text = f"kind: gridworld\nname: open {size}x{size}\nlayout: |\n{layout}\ndynamics:\n  gamma: 0.99\n"
    level = parse_level(text, source="<bench>")
    assert isinstance(level, GridLevel)
    return level


def reference_value_iteration(model: TabularModel, theta: float) -> tuple[np.ndarray, int]:
    """(a) Textbook numpy: V <- max_a [r(s,a) + gamma sum_s' p(s'|s,a) V(s')], two arrays."""
    next_state = model.next_state[..., 0]  # (S, A): the level is deterministic
    R, gamma = model.R, model.gamma
    V = np.zeros(model.n_states)
    sweeps = 0
    while True:
        V_new = (R + gamma * V[next_state]).max(axis=1)
        delta = np.abs(V_new - V).max()
        V, sweeps = V_new, sweeps + 1
        if delta < theta:
            return V, sweeps


def best_time(
    prepare: Callable[[], Callable[[], tuple[np.ndarray, int]]], repeats: int
) -> tuple[float, np.ndarray, int]:
    """The fastest of ``repeats`` runs (each prepared untimed), with that run's V and sweeps."""
    best = (float("inf"), np.zeros(0), 0)
    for _ in range(repeats):
        run = prepare()
        start = time.perf_counter()
        V, sweeps = run()
        elapsed = time.perf_counter() - start
        if elapsed < best[0]:
            best = (elapsed, V, sweeps)
    return best


def reference(model: TabularModel, theta: float) -> Callable[[], tuple[np.ndarray, int]]:
    return lambda: reference_value_iteration(model, theta)


def ours(level: GridLevel, theta: float, in_place: bool) -> Callable[[], tuple[np.ndarray, int]]:
    """A fresh agent (building its model is not timed); running it to convergence is."""
    params = {"theta": theta, "in_place": in_place, "max_sweeps": 100_000}
    agent = make_agent("value-iteration", level, params)

    def run() -> tuple[np.ndarray, int]:
        event = agent.episode()
        assert event.info["converged"], "value iteration did not converge"
        return agent.insight().V, agent.sweeps

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=256, help="rows and columns of the open grid")
    parser.add_argument("--theta", type=float, default=1e-6)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    level = open_grid(args.size)
    start = time.perf_counter()
    model = TabularModel.from_level(level)
    build = time.perf_counter() - start
    print(f"open {args.size}x{args.size} grid: {model.n_states:,} states, gamma {model.gamma}, "
          f"theta {args.theta:g}; building the model: {build:.3f} s (not in the times below)")  # fmt: skip

    ref_t, ref_V, ref_sweeps = best_time(lambda: reference(model, args.theta), args.repeats)
    rows = [("(a) reference numpy, synchronous", ref_t, ref_sweeps, ref_V)]
    for label, in_place in (("(b) ValueIteration, synchronous", False), ("(c) ValueIteration, in place", True)):
        t, V, sweeps = best_time(lambda: ours(level, args.theta, in_place), args.repeats)
        rows.append((label, t, sweeps, V))

    print(f"{'':36} {'time':>9} {'sweeps':>7} {'per sweep':>10} {'vs (a)':>7} {'max |V - V_a|':>14}")
    for label, t, sweeps, V in rows:
        print(f"{label:36} {t:8.3f}s {sweeps:7d} {t / sweeps * 1e3:8.3f}ms {ref_t / t:6.1f}x "
              f"{np.abs(V - ref_V).max():14.2e}")  # fmt: skip
    worst = max(t for _, t, _, _ in rows[1:])
    print(f"target: ours <= 1 s -> {'met' if worst <= 1.0 else 'NOT met'} (slowest of ours {worst:.3f} s)")


if __name__ == "__main__":
    main()
