"""Do the defaults learn? Every learning agent on every bundled level, with what a user gets.

For each (agent, gridworld level, seed) the agent trains with its default hyperparameters
(``--recommended``: the level's recommended settings where it has them) in its natural unit
(an episode for tabular agents, an update for deep ones). Every ``--check-every`` seconds of
training its *greedy* policy is evaluated exactly on the level's model
(:mod:`gridrl.envs.evaluation`); the run is solved when that value at the start is within 2%
of v* (5% on slippery ice), and it stops there or at ``--cap`` seconds of training. The time
the checks take does not count. Levels with scheduled changes (the blocking and shortcut
mazes) are left out unless named in ``--levels``, where they are checked on their initial
layout: the optimum moves when the layout changes, so one model's v* cannot judge the whole
run (the book's Figures 8.4 and 8.5 judge them by cumulative reward instead). The random walks are
prediction levels (:data:`gridrl.agents.expectations.PREDICTION_LEVELS`): no control agent is
run there, and the reason is printed.

Bandit agents (and the deep agents that take bandits) play each bundled bandit for the
level's horizon, ``--runs`` runs at once where the agent vectorises them (else one); the
score is the fraction of optimal pulls and the regret per pull, mu* - mean reward, over the
last 10% of pulls. A bandit run is solved at >= 80% optimal pulls there.

Printed: a table of solved/total per pair, with the median training seconds and environment
steps to solve (over the solved seeds); the pairs whose failure with the defaults is the
lesson (:data:`gridrl.agents.expectations.LESSONS`) are marked and listed with their reason.
Run by hand, it takes a while (hours for the full matrix on 2 cores); ``--jobs`` runs pairs
in parallel processes:

    python bench/defaults_matrix.py                              # everything, seeds 0-4
    python bench/defaults_matrix.py --agents q-learning sarsa --levels cliff_walking --seeds 0
    python bench/defaults_matrix.py --quick                      # seed 0, cap 10 s
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from gridrl.agents import REGISTRY, agent_class
from gridrl.agents.expectations import LESSONS, PREDICTION_LEVELS, lesson
from gridrl.envs.evaluation import OptimalityCheck
from gridrl.envs.model import TabularModel
from gridrl.levels import BanditLevel, GridLevel, bundled_level_names, load_level, recommended_for
from gridrl.session import Session

BANDIT_SOLVED = 0.8  #: fraction of optimal pulls over the last 10% that counts as solved
BANDIT_RUNS = 100


@dataclass(frozen=True)
class Result:
    agent: str
    level: str
    seed: int
    solved: bool
    seconds: float  #: training time until solved (or the cap)
    steps: int  #: environment steps until solved (or the cap)
    score: str  #: what was measured last: the gap to v*, or % optimal and regret


def learners(kind: str) -> list[str]:
    """Agents that learn a policy from experience on levels of ``kind``. Skipped: DP agents
    (they plan on the model; they are exact) and prediction agents (they learn v_pi of a fixed
    policy and never change it, so their policy has no gap to v* to close)."""
    return [name for name, info in REGISTRY.items() if kind in info.kinds and info.family not in ("dp", "prediction")]


@dataclass(frozen=True)
class Job:
    agent: str
    level: str
    seed: int
    cap: float
    check_every: float
    recommended: bool
    #: Deterministic mode (the tests): check every ``check_units`` units, stop after
    #: ``max_steps`` environment steps, whatever the clock says.
    check_units: int = 0
    max_steps: int = 0

    def params(self, level: GridLevel | BanditLevel) -> dict:
        """The level's recommended hyperparameters for the agent under --recommended, else none."""
        entry = recommended_for(level, self.agent) if self.recommended else None
        return {} if entry is None else entry.params


def run(job: Job) -> Result:
    level = load_level(job.level)
    return train_bandit(job, level) if isinstance(level, BanditLevel) else train_grid(job, level)


def train_grid(job: Job, level: GridLevel) -> Result:
    check = OptimalityCheck(TabularModel.from_level(level))
    session = Session(level, job.agent, job.params(level), seed=job.seed)
    unit = "update" if REGISTRY[job.agent].family == "deep" else "episode"
    trained = 0.0
    while True:
        start = time.perf_counter()
        if job.check_units:
            session.run(unit, job.check_units)
        else:
            while time.perf_counter() - start < job.check_every:
                session.advance(unit)
        trained += time.perf_counter() - start
        result = check(session.agent.insight().pi)
        out_of_budget = session.history.steps >= job.max_steps if job.max_steps else trained >= job.cap
        if result.solved or out_of_budget:
            score = f"gap {result.gap:+.1%} ({result.value:.3g} vs v* {result.optimal:.3g})"
            return Result(job.agent, job.level, job.seed, result.solved, trained, session.history.steps, score)


def train_bandit(job: Job, level: BanditLevel) -> Result:
    runs = BANDIT_RUNS if agent_class(job.agent).vectorized_runs else 1
    session = Session(level, job.agent, job.params(level), seed=job.seed, runs=runs)
    tail_start = level.steps - max(1, level.steps // 10)
    start = time.perf_counter()
    while session.history.units["step"] < level.steps:
        if session.history.units["step"] == tail_start:
            best = _best_mean(session)
        session.advance("step")
    seconds = time.perf_counter() - start
    per_pull = session.history.per_pull()
    if per_pull is not None:
        reward, optimal = per_pull.mean_reward, per_pull.optimal_action
    else:
        reward, optimal = np.array(session.history.mean_reward), np.array(session.history.optimal_action)
    tail = slice(-max(1, len(reward) // 10), None)
    fraction, regret = float(np.mean(optimal[tail])), best - float(np.mean(reward[tail]))
    score = f"{fraction:.0%} optimal, regret {regret:.3g}/pull ({runs} runs)"
    return Result(job.agent, job.level, job.seed, fraction >= BANDIT_SOLVED, seconds, session.history.steps, score)


def _best_mean(session: Session) -> float:
    """mu* averaged over the runs being played: each testbed run draws its own arm means."""
    means = getattr(getattr(session.agent, "env", None), "true_means", None)
    if means is None or np.ndim(means) != 2:
        means = np.atleast_2d(session.agent.insight().extras["true_means"])
    return float(np.mean(np.max(means, axis=1)))


def table(results: list[Result], agents: list[str], levels: list[str]) -> str:
    """Markdown: one row per agent, one column per level; "solved/total median-s median-steps"."""
    rows = [["agent", *levels]] + [[agent] + [_cell(results, agent, level) for level in levels] for agent in agents]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(text.ljust(w) for text, w in zip(row, widths)) + " |" for row in rows]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines.append(f"\n{sum(r.solved for r in results)}/{len(results)} runs solved.")
    return "\n".join(lines)


def _cell(results: list[Result], agent: str, level: str) -> str:
    runs = [r for r in results if r.agent == agent and r.level == level]
    won = [r for r in runs if r.solved]
    text = f"{len(won)}/{len(runs)}" if runs else ""
    if won:
        text += f" {statistics.median(r.seconds for r in won):.1f}s {_si(statistics.median(r.steps for r in won))}"
    return f"{text} (lesson*)" if runs and lesson(agent, level) else text


def lessons_text(results: list[Result]) -> str:
    """The declared exceptions among the pairs run (``*`` in the table), each with its reason
    and the level's recommended settings for the agent, if it has any."""
    pairs = [pair for pair in LESSONS if any((r.agent, r.level) == pair for r in results)]
    lines = [f"* {agent} on {level}: {LESSONS[agent, level]} Recommended: {_settings(agent, level)}."
             for agent, level in pairs]  # fmt: skip
    header = "\n(lesson*) = failing with plain defaults is the lesson (gridrl/agents/expectations.py):"
    return "\n".join([header, *lines]) if lines else ""


def _settings(agent: str, level: str) -> str:
    entry = recommended_for(load_level(level), agent)
    return "none" if entry is None else ", ".join(f"{k}={v}" for k, v in entry.hyperparameters) or "a budget only"


def _si(n: float) -> str:
    for factor, suffix in ((1e6, "M"), (1e3, "k")):
        if n >= factor:
            return f"{n / factor:.3g}{suffix}"
    return f"{n:.0f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", nargs="+", help="agent names (default: every learning agent)")
    parser.add_argument("--levels", nargs="+", help="bundled level names (default: all)")
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2, 3, 4])
    parser.add_argument("--cap", type=float, default=30.0, help="training seconds per gridworld run")
    parser.add_argument("--check-every", type=float, default=0.25, help="training seconds between checks")
    parser.add_argument("--check-units", type=int, default=0,
                        help="check every N units instead (deterministic, with --max-steps)")
    parser.add_argument("--max-steps", type=int, default=0, help="environment steps per run instead of --cap")
    parser.add_argument("--jobs", type=int, default=1, help="runs in parallel processes")
    parser.add_argument("--recommended", action="store_true", help="use the levels' recommended settings")
    parser.add_argument("--quick", action="store_true", help="seed 0 and a 10 s cap")
    parser.add_argument("--verbose", action="store_true", help="print every run as it ends")
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.cap = [0], 10.0
    levels = args.levels or [name for name in bundled_level_names()
                             if not getattr(load_level(name), "changes", ())]  # fmt: skip
    kinds = {name: load_level(name).kind for name in levels}
    agents = args.agents or sorted({a for kind in set(kinds.values()) for a in learners(kind)}, key=list(REGISTRY).index)
    skipped = [lv for lv in levels if lv in PREDICTION_LEVELS]
    levels = [lv for lv in levels if lv not in PREDICTION_LEVELS]
    jobs = [Job(a, lv, s, args.cap, args.check_every, args.recommended, args.check_units, args.max_steps)
            for a in agents for lv in levels if kinds[lv] in REGISTRY[a].kinds and a in learners(kinds[lv])
            for s in args.seeds]  # fmt: skip
    for lv in skipped:
        print(f"{lv}: not run, a prediction level: {PREDICTION_LEVELS[lv]}", file=sys.stderr)
    print(f"{len(jobs)} runs; {os.cpu_count()} cores; cap {args.cap:g} s; "
          f"{'recommended' if args.recommended else 'default'} settings", file=sys.stderr)  # fmt: skip
    results: list[Result] = []
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for result in pool.map(run, jobs):
            results.append(result)
            if args.verbose:
                mark = "solved" if result.solved else "NOT solved"
                print(f"{result.agent:>16} {result.level:<18} seed {result.seed}: {mark} "
                      f"in {result.seconds:.1f}s {result.steps} steps; {result.score}", file=sys.stderr)  # fmt: skip
    for kind in ("gridworld", "bandit"):
        names = [lv for lv in levels if kinds[lv] == kind]
        rows = [a for a in agents if any(r.agent == a and r.level in names for r in results)]
        if rows:
            print(f"\n{kind}s: solved/seeds, median training seconds and steps to solve\n")
            print(table([r for r in results if r.level in names], rows, names))
    if lessons := lessons_text(results):
        print(lessons)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
