"""Bandit agent speed: Figure 2.2's experiment (ten-armed testbed, epsilon-greedy with
epsilon = 0.1, 2000 runs x 1000 steps) through ``EpsilonGreedy.experiment``.

Run by hand (``python bench/agent_speed_bandit.py``). Everything is measured in this one
run on this machine. The reference is the straightforward implementation a student writes
from the book's box "A simple bandit algorithm": a Python loop over runs and steps with
numpy per pull. It is timed on a subset of the runs and scaled to 2000 (its cost is linear
in the runs); both print their average reward and % optimal action over steps 900-1000 so
it is plain they compute the same experiment. Target (the bandit agents' issue): <= 3 s.
The other bandit agents' wall times for the same experiment are printed for information.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from gridrl.agents import make_agent
from gridrl.levels import load_level

TARGET_SECONDS = 3.0


def naive_experiment(runs: int, steps: int, epsilon: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """The book's box, one run at a time: per-step average reward and fraction optimal."""
    rng = np.random.default_rng(seed)
    k = 10
    rewards = np.zeros((runs, steps))
    optimal = np.zeros((runs, steps))
    for run in range(runs):
        q_star = rng.normal(0.0, 1.0, k)
        best = np.argmax(q_star)
        Q = np.zeros(k)
        N = np.zeros(k)
        for t in range(steps):
            if rng.random() < epsilon:
                a = int(rng.integers(k))
            else:
                a = int(rng.choice(np.flatnonzero(Q == Q.max())))
            r = rng.normal(q_star[a], 1.0)
            N[a] += 1
            Q[a] += (r - Q[a]) / N[a]
            rewards[run, t] = r
            optimal[run, t] = a == best
    return rewards.mean(axis=0), optimal.mean(axis=0)


def timed(fn, repeats: int) -> tuple[float, float, tuple[np.ndarray, np.ndarray]]:
    """(best, median) wall time over ``repeats`` calls, and the last call's result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), float(np.median(times)), result


def summary(result: tuple[np.ndarray, np.ndarray]) -> str:
    reward, optimal = result
    return f"reward(900-1000) {reward[899:].mean():.3f}  optimal {optimal[899:].mean():.1%}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--naive-runs", type=int, default=100, help="runs the reference really does")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    level = load_level("ten_armed_testbed")
    runs, steps = args.runs, args.steps

    def vectorised(name: str = "epsilon-greedy", params: dict | None = None):
        agent = make_agent(name, level, {"epsilon": 0.1} if params is None else params, seed=0, runs=runs)
        return agent.experiment(steps)

    def via_events():
        agent = make_agent("epsilon-greedy", level, {"epsilon": 0.1}, seed=0, runs=runs)
        events = [agent.step() for _ in range(steps)]
        return (np.array([e.info["mean_reward"] for e in events]),
                np.array([e.info["optimal_fraction"] for e in events]))  # fmt: skip

    best, median, result = timed(vectorised, args.repeats)
    print(f"epsilon-greedy {runs} runs x {steps} steps, experiment():  best {best:.2f} s, "
          f"median {median:.2f} s   {summary(result)}")  # fmt: skip
    ev_best, _, ev_result = timed(via_events, 1)
    print(f"epsilon-greedy {runs} runs x {steps} steps, step() events:  {ev_best:.2f} s          "
          f"   {summary(ev_result)}")  # fmt: skip

    naive_time, _, naive_result = timed(lambda: naive_experiment(args.naive_runs, steps, 0.1), 1)
    scaled = naive_time * runs / args.naive_runs
    print(f"naive per-run loop, {args.naive_runs} runs: {naive_time:.2f} s -> scaled to {runs} runs: "
          f"{scaled:.1f} s   {summary(naive_result)}")  # fmt: skip
    print(f"speed-up of experiment() over the naive loop: {scaled / best:.0f}x")
    print(f"target <= {TARGET_SECONDS:.0f} s: {'met' if best <= TARGET_SECONDS else 'MISSED'} "
          f"({best / TARGET_SECONDS:.0%} of the budget)")  # fmt: skip

    print("other agents, same experiment (information):")
    for name, params in [("ucb", {"c": 2.0}), ("gradient-bandit", {"alpha": 0.1}), ("thompson", {})]:
        t, _, res = timed(lambda: vectorised(name, params), 1)
        print(f"  {name:16s} {t:.2f} s   {summary(res)}")


if __name__ == "__main__":
    main()
