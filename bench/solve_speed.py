"""Solve speed: our deep agents against stable-baselines3's, on the same levels and seeds.

For each level and seed, every agent trains until its *greedy* policy is optimal: a greedy
rollout from the start (argmax_a pi(a|s) for ours, ``model.predict(deterministic=True)`` for
SB3) reaches the goal in the BFS-shortest number of steps. The greedy policy is checked every
``--check-every`` environment transitions on both sides (the check's cost counts on both
sides too: one batched forward pass over all cells). Wall time includes building the agent.

Pairs: our ``ppo`` vs SB3 ``PPO``, our ``actor-critic`` vs SB3 ``A2C``, our ``dqn`` vs SB3
``DQN``. Each SB3 agent gets our agent's hyperparameters (``OURS_PARAMS`` over the
defaults), translated (same N envs, T steps, minibatches, epochs, lr, gamma, lambda,
clipping, entropy and value weights, grad-norm clip, two hidden layers of the same width and
activation (tanh; ReLU for DQN), Adam on both sides; for DQN the same buffer, batch,
learning start, train frequency, target period, tau and epsilon schedule, with SB3's
transition counts converted from our vectorised steps). So the step counts should be
comparable and the wall-time ratio measures the implementations.

Levels: FrozenLake 8x8 without slip (frozen_lake_8x8.yaml with ``slip: 0``) and four_rooms.
Medians over 3 seeds; a run that hits ``--cap`` seconds is "not solved within cap" and the
median is then taken with it counted as unsolved (shown as ">cap" if the median run is one).

Run by hand (not part of the tests); SB3 is optional: ``pip install -e .[bench]``. Without it
only our agents run.

    python bench/solve_speed.py                       # everything, cap 60 s per run
    python bench/solve_speed.py --agents dqn --levels four_rooms --seeds 0 --cap 30
    python bench/solve_speed.py --defaults            # the agents' own defaults on both sides
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents import agent_class, make_agent, make_config
from gridrl.envs import TabularModel
from gridrl.envs.observation import ObservationEncoder
from gridrl.levels import GridLevel, level_path, load_level, parse_level

#: The hyperparameters of this benchmark, given to both sides (the rest are the agents'
#: defaults, translated for SB3). They are set for solving these two small mazes quickly:
#: many environments and large batches, so that each gradient step (a fixed cost of a
#: millisecond or so, on either side) is paid for fewer, bigger batches. Chosen by trying a
#: few such settings on these levels with seeds 0-2.
OURS_PARAMS: dict[str, dict[str, Any]] = {
    "ppo": {"num_envs": 128, "num_steps": 16, "num_minibatches": 1, "lr": 0.005},
    "actor-critic": {"num_envs": 64, "num_steps": 16, "lr": 0.01},
    "dqn": {"num_envs": 64, "batch_size": 512, "train_freq": 2, "exploration_steps": 300, "learning_starts": 20},
}
SB3_NAMES = {"ppo": "PPO", "actor-critic": "A2C", "dqn": "DQN"}
LEVELS = ("frozen_lake_8x8_no_slip", "four_rooms")


# --------------------------------------------------------------------------- levels, optimality


def bench_level(name: str) -> GridLevel:
    if name == "frozen_lake_8x8_no_slip":
        text = level_path("frozen_lake_8x8").read_text()
        old = "slip: 0.6666666666666666"
        if old not in text:
            raise SystemExit("frozen_lake_8x8.yaml changed: cannot switch its slip off")
        level = parse_level(text.replace(old, "slip: 0"), source="frozen_lake_8x8 (slip 0)")
    else:
        level = load_level(name)
    assert isinstance(level, GridLevel)
    return level


class Optimality:
    """Is a greedy policy (one action per cell) optimal? Its rollout from the start reaches a
    goal cell in the BFS-shortest number of steps. Needs a deterministic level."""

    def __init__(self, level: GridLevel) -> None:
        self.model = m = TabularModel.from_level(level)
        if not (m.prob[..., 0] == 1.0).all():
            raise ValueError(f"'{level.name}' is not deterministic; the optimality check needs it")
        starts = m.grid.start_cells
        if len(starts) != 1:
            raise ValueError("the benchmark needs a level with one start cell")
        self.start = int(starts[0])
        chars = m.grid.chars.ravel()
        self.goal = (chars == "G") | (m.terminal & (m.grid.reward.ravel() > 0))
        self.shortest = self._bfs()
        self.obs_onehot = ObservationEncoder("onehot", *m.shape).batch(np.arange(m.n_states))

    def _bfs(self) -> int:
        m = self.model
        dist = {self.start: 0}
        queue = deque([self.start])
        while queue:
            s = queue.popleft()
            for a in range(m.n_actions):
                s2 = int(m.next_state[s, a, 0])
                if s2 in dist:
                    continue
                dist[s2] = dist[s] + 1
                if self.goal[s2]:
                    return dist[s2]
                if not m.terminal[s2]:
                    queue.append(s2)
        raise ValueError("no goal reachable from the start")

    def greedy_is_optimal(self, actions: np.ndarray) -> bool:
        """``actions`` (S,): the greedy action of every cell."""
        m, s = self.model, self.start
        for _ in range(self.shortest):
            s = int(m.next_state[s, int(actions[s]), 0])
            if m.terminal[s]:
                return bool(self.goal[s])
        return False


# --------------------------------------------------------------------------- runs


@dataclass
class Result:
    solved: bool
    steps: int  # environment transitions when solved (or when stopped)
    seconds: float


def run_ours(name: str, level: GridLevel, opt: Optimality, seed: int, cap: float, check_every: int) -> Result:
    t0 = time.perf_counter()
    agent = make_agent(name, level, OURS_PARAMS[name], seed=seed)
    steps, next_check = 0, check_every
    while True:
        steps += agent.step().steps
        if steps >= next_check:
            next_check += check_every
            if opt.greedy_is_optimal(agent.insight().pi.argmax(axis=1)):
                return Result(True, steps, time.perf_counter() - t0)
            if time.perf_counter() - t0 > cap:
                return Result(False, steps, time.perf_counter() - t0)


def sb3_kwargs(name: str, level: GridLevel, total_timesteps: int) -> tuple[int, dict[str, Any]]:
    """(n_envs, constructor kwargs) of the SB3 twin of our agent ``name``."""
    import torch

    c = make_config(agent_class(name).Config, OURS_PARAMS[name])
    gamma = level.dynamics.gamma if c.gamma is None else c.gamma
    n = c.num_envs
    arch = [c.hidden, c.hidden]
    no_clip = 1e9  # SB3 always clips the gradient norm; "off" is a huge limit
    if name == "dqn":
        return n, dict(
            learning_rate=c.lr, buffer_size=c.buffer_size, learning_starts=c.learning_starts * n,
            batch_size=c.batch_size, tau=c.tau, gamma=gamma, train_freq=(c.train_freq, "step"),
            gradient_steps=c.gradient_steps, target_update_interval=c.target_update * n,
            exploration_fraction=min(1.0, c.exploration_steps * n / total_timesteps),
            exploration_initial_eps=c.epsilon_start, exploration_final_eps=c.epsilon_end,
            max_grad_norm=c.max_grad_norm or no_clip,
            policy_kwargs=dict(net_arch=arch, activation_fn=torch.nn.ReLU),
        )  # fmt: skip
    common = dict(
        learning_rate=c.lr, n_steps=c.num_steps, gamma=gamma, gae_lambda=c.lam, ent_coef=c.ent_coef,
        vf_coef=c.vf_coef, max_grad_norm=c.max_grad_norm or no_clip,
        policy_kwargs=dict(net_arch=dict(pi=arch, vf=arch), activation_fn=torch.nn.Tanh),
    )  # fmt: skip
    if name == "ppo":
        return n, common | dict(
            batch_size=n * c.num_steps // c.num_minibatches, n_epochs=c.update_epochs,
            clip_range=c.clip_coef, clip_range_vf=c.clip_coef if c.clip_vloss else None,
            normalize_advantage=c.norm_adv, target_kl=c.target_kl if c.kl_early_stop else None,
        )  # fmt: skip
    return n, common | dict(normalize_advantage=c.normalize_advantages, use_rms_prop=False)


def run_sb3(name: str, level: GridLevel, opt: Optimality, seed: int, cap: float, check_every: int) -> Result:
    import gymnasium as gym
    import stable_baselines3 as sb3
    import torch
    from stable_baselines3.common.callbacks import BaseCallback
    from stable_baselines3.common.env_util import make_vec_env

    import gridrl.envs  # noqa: F401  (registers gridrl/GridWorld-v0)

    torch.use_deterministic_algorithms(False)  # our agents switch it on; SB3 runs as it ships
    torch.set_num_threads(1)  # as ours: tiny networks, one thread each side
    total = 10**9
    t0 = time.perf_counter()
    n_envs, kwargs = sb3_kwargs(name, level, total)
    env = make_vec_env(lambda: gym.make("gridrl/GridWorld-v0", level=level, obs="onehot"), n_envs=n_envs, seed=seed)
    model = getattr(sb3, SB3_NAMES[name])("MlpPolicy", env, seed=seed, device="cpu", verbose=0, **kwargs)
    outcome: dict[str, Any] = {"solved": False}

    class Check(BaseCallback):
        next_check = check_every

        def _on_step(self) -> bool:
            if self.num_timesteps < self.next_check:
                return True
            self.next_check += check_every
            actions, _ = self.model.predict(opt.obs_onehot, deterministic=True)
            if opt.greedy_is_optimal(np.asarray(actions)):
                outcome["solved"] = True
                return False
            return time.perf_counter() - t0 <= cap

    model.learn(total_timesteps=total, callback=Check())
    return Result(outcome["solved"], int(model.num_timesteps), time.perf_counter() - t0)


# --------------------------------------------------------------------------- table


def median_result(results: list[Result]) -> tuple[float, float, int]:
    """(median steps, median seconds, solved count); unsolved runs count as infinite."""
    steps = [r.steps if r.solved else math.inf for r in results]
    secs = [r.seconds if r.solved else math.inf for r in results]
    return statistics.median(steps), statistics.median(secs), sum(r.solved for r in results)


def steps_per_second(results: list[Result]) -> float:
    """Transitions per second over all runs, solved or not."""
    return sum(r.steps for r in results) / sum(r.seconds for r in results)


def fmt(x: float, kind: str) -> str:
    if math.isinf(x):
        return ">cap"
    return f"{x:,.0f}" if kind == "steps" else f"{x:.1f}s"


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--agents", nargs="+", default=list(OURS_PARAMS), choices=list(OURS_PARAMS))
    p.add_argument("--levels", nargs="+", default=list(LEVELS))
    p.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    p.add_argument("--cap", type=float, default=60.0, help="seconds per run, each side (default 60)")
    p.add_argument("--check-every", type=int, default=500, help="transitions between greedy checks")
    p.add_argument("--no-sb3", action="store_true", help="run our agents only")
    p.add_argument("--defaults", action="store_true",
                   help="both sides with the agents' own defaults (few envs, small batches) instead of OURS_PARAMS")  # fmt: skip
    args = p.parse_args(argv)
    if args.defaults:
        for name in OURS_PARAMS:
            OURS_PARAMS[name] = {}

    have_sb3 = not args.no_sb3
    if have_sb3:
        try:
            import stable_baselines3  # noqa: F401
        except ImportError:
            print("stable-baselines3 is not installed (pip install -e .[bench]): ours only", flush=True)
            have_sb3 = False
    # Warm up: the first optimiser in a process imports torch._dynamo (seconds); no timed run
    # should pay for that or for importing SB3.
    warm = bench_level(args.levels[0])
    for name in args.agents:
        agent = make_agent(name, warm, OURS_PARAMS[name], seed=0)
        for _ in range(300):
            agent.step()
        if have_sb3:
            run_sb3(name, warm, Optimality(warm), seed=0, cap=0.0, check_every=256)

    print(f"cap {args.cap:g} s per run, greedy check every {args.check_every} transitions, "
          f"seeds {args.seeds}", flush=True)  # fmt: skip
    rows = []
    for level_name in args.levels:
        level = bench_level(level_name)
        opt = Optimality(level)
        print(f"\n{level_name}: {level.shape[0]}x{level.shape[1]}, shortest path {opt.shortest} steps", flush=True)
        for name in args.agents:
            sides: dict[str, list[Result]] = {"ours": [], "sb3": []}
            for seed in args.seeds:  # interleaved, so both sides see the same machine load
                runners: list[tuple[str, Callable[..., Result]]] = [("ours", run_ours)]
                if have_sb3:
                    runners.append(("sb3", run_sb3))
                for side, runner in runners:
                    r = runner(name, level, opt, seed, args.cap, args.check_every)
                    sides[side].append(r)
                    label = name if side == "ours" else f"SB3 {SB3_NAMES[name]}"
                    state = "solved" if r.solved else "NOT solved within cap"
                    print(f"  {label:>14} seed {seed}: {state} after {r.steps:,} steps, {r.seconds:.1f}s",
                          flush=True)  # fmt: skip
            rows.append((level_name, name, sides))

    print("\nmedian over seeds; 'solved' = greedy rollout from the start is a shortest path")
    head = f"{'level':<24} {'agent':<13} {'ours steps':>11} {'ours time':>10} {'solved':>6}"
    if have_sb3:
        head += f" | {'SB3':<4} {'steps':>9} {'time':>8} {'solved':>6} | {'time ratio':>10} {'steps/s ratio':>13}"
    print(head)
    print("-" * len(head))
    cap = args.cap
    for level_name, name, sides in rows:
        o_steps, o_secs, o_n = median_result(sides["ours"])
        line = (f"{level_name:<24} {name:<13} {fmt(o_steps, 'steps'):>11} {fmt(o_secs, 's'):>10} "
                f"{o_n:>4}/{len(sides['ours'])}")  # fmt: skip
        if have_sb3:
            s_steps, s_secs, s_n = median_result(sides["sb3"])
            ratio = s_secs / o_secs if math.isfinite(o_secs) and math.isfinite(s_secs) else math.nan
            if math.isinf(s_secs) and math.isfinite(o_secs):  # SB3's median run hit the cap
                ratio_text = f">{cap / o_secs:.1f}x"
            else:
                ratio_text = "n/a" if math.isnan(ratio) else f"{ratio:.1f}x"
            speed = steps_per_second(sides["ours"]) / steps_per_second(sides["sb3"])
            line += (f" | {SB3_NAMES[name]:<4} {fmt(s_steps, 'steps'):>9} {fmt(s_secs, 's'):>8} "
                     f"{s_n:>4}/{len(sides['sb3'])} | {ratio_text:>10} {speed:>12.1f}x")  # fmt: skip
        print(line)
    if have_sb3:
        print("time ratio = SB3 median wall time / ours (target >= 5x); steps/s ratio = our "
              "transitions per second / SB3's, over all runs")


if __name__ == "__main__":
    main(sys.argv[1:])
