"""One training run: level + agent + seed + history. The GUI and the CLI both drive this.

The session records what every unit returned (episode returns and lengths, per-update
diagnostics, bandit reward curves) and writes the two JSON files described in docs/ARCHITECTURE.md.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from gridrl.agents import REGISTRY, Agent, Event, HyperparameterError, agent_class, make_agent, make_config
from gridrl.envs.evaluation import Optimality, OptimalityCheck
from gridrl.envs.model import TabularModel
from gridrl.levels import (
    BanditLevel,
    GridLevel,
    Level,
    LevelError,
    atomic_folder,
    compile_grid,
    load_level,
)

if TYPE_CHECKING:
    from collections.abc import Iterable

    from gridrl.render.notebook import Animation

#: What ``gridrl train --out`` writes: the folder may hold nothing else (see Session.save).
RUN_FILES = ("snapshot.json", "metrics.json", "agent.npz")
#: Diagnostics kept per update (loss, entropy, TD error, ...), at most this many, oldest dropped.
MAX_UPDATE_HISTORY = 100_000


@dataclass
class PerPull:
    """A bandit's learning curves as Figure 2.2 draws them: entry i is pull i + 1 of a run,
    averaged over every run that reached it (the parallel runs, and the runs before them)."""

    mean_reward: np.ndarray
    reward_se: np.ndarray  # standard error of that mean: std over the runs / sqrt(runs)
    optimal_action: np.ndarray  # fraction of the runs that pulled an optimal arm
    optimal_se: np.ndarray
    runs: np.ndarray  # how many runs reached each pull (the runs in progress count up to theirs)


@dataclass
class History:
    """What happened so far. Bandit curves are per pull, averaged over the runs.

    ``mean_reward`` and ``optimal_action`` keep one point per pull in the order trained
    (metrics.json): a vectorised bandit agent's runs restart at the level's horizon, so past
    it they repeat the run's shape. :meth:`per_pull` folds them onto the pull within the run
    instead, from running sums of O(horizon) memory.
    """

    episode_returns: list[float] = field(default_factory=list)
    episode_lengths: list[int] = field(default_factory=list)
    #: The first action of every episode, for agents that tell it (``Event.first_action``, the
    #: one-environment tabular agents; empty for others): Figure 6.5's "% left from A". One
    #: byte per episode (an ``Action``), a small fraction of what the returns take.
    first_actions: bytearray = field(default_factory=bytearray)
    updates: list[dict[str, float]] = field(default_factory=list)
    mean_reward: list[float] = field(default_factory=list)
    optimal_action: list[float] = field(default_factory=list)
    steps: int = 0
    units: dict[str, int] = field(default_factory=lambda: {"step": 0, "episode": 0, "update": 0})
    #: Runs stepped at once by a vectorised bandit agent (the weight of one pass per pull).
    runs: int = 1
    # per pull within a run (index pull - 1): passes that reached it, and the sums over passes
    # of the mean reward, the mean squared reward, and the optimal fraction
    _passes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False)
    _reward: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    _reward_sq: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)
    _optimal: np.ndarray = field(default_factory=lambda: np.zeros(0), repr=False)

    def record(self, event: Event) -> None:
        self.steps += event.steps
        self.units[event.unit] = self.units.get(event.unit, 0) + 1
        if event.episodes:
            self.episode_returns.extend(float(g) for g, _ in event.episodes)
            self.episode_lengths.extend(int(n) for _, n in event.episodes)
        elif event.episode_return is not None:
            self.episode_returns.append(float(event.episode_return))
            self.episode_lengths.append(int(event.episode_length or 0))
        if event.first_action is not None:
            self.first_actions.append(event.first_action)
        if "mean_reward" in event.curves:
            self.mean_reward.extend(event.curves["mean_reward"].tolist())
            self.optimal_action.extend(event.curves["optimal_fraction"].tolist())
            if "pull" in event.curves:
                self._fold(event.curves)
        elif "mean_reward" in event.info:
            self.mean_reward.append(float(event.info["mean_reward"]))
            self.optimal_action.append(float(event.info.get("optimal_fraction", math.nan)))
        diagnostics = dict(event.info)
        for name in ("td_error", "max_delta"):
            value = getattr(event, name)
            if value is not None:
                diagnostics[name] = float(value)
        if diagnostics:
            self.updates.append(diagnostics)
            if len(self.updates) > MAX_UPDATE_HISTORY:
                del self.updates[: len(self.updates) - MAX_UPDATE_HISTORY]

    def _fold(self, curves: dict[str, np.ndarray]) -> None:
        """Add one pass of the runs at the given pulls to the per-pull sums."""
        i = np.asarray(curves["pull"], dtype=np.int64) - 1
        if i.size and i.max() >= self._passes.size:
            n = int(i.max()) + 1
            self._passes, self._reward, self._reward_sq, self._optimal = (
                np.concatenate([a, np.zeros(n - a.size, dtype=a.dtype)])
                for a in (self._passes, self._reward, self._reward_sq, self._optimal)
            )
        mean = curves["mean_reward"]
        np.add.at(self._passes, i, 1)
        np.add.at(self._reward, i, mean)
        np.add.at(self._reward_sq, i, curves["reward_std"] ** 2 + mean**2)
        np.add.at(self._optimal, i, curves["optimal_fraction"])

    def per_pull(self) -> PerPull | None:
        """The curves per pull within a run, averaged over all runs so far, with standard
        errors; None unless a vectorised bandit agent recorded them.

        Every pass weighs ``runs`` runs, so the mean of the pass means is the mean over all
        runs, and the variance over all runs is the mean of E[R^2] minus the mean squared.
        """
        reached = np.flatnonzero(self._passes)
        if not reached.size:
            return None
        n = reached[-1] + 1
        passes = np.maximum(self._passes[:n], 1)
        mean = self._reward[:n] / passes
        variance = np.maximum(self._reward_sq[:n] / passes - mean**2, 0.0)
        optimal = self._optimal[:n] / passes
        runs = self._passes[:n] * self.runs
        with np.errstate(divide="ignore", invalid="ignore"):
            root = np.sqrt(np.where(runs > 0, runs, np.nan))
            return PerPull(mean_reward=mean, reward_se=np.sqrt(variance) / root, optimal_action=optimal,
                           optimal_se=np.sqrt(optimal * (1 - optimal)) / root, runs=runs)  # fmt: skip


class Session:
    """A level, an agent made by name with hyperparameters, a seed, and the run's history."""

    def __init__(
        self,
        level: str | Path | Level,
        agent: str,
        params: dict[str, Any] | None = None,
        seed: int = 0,
        runs: int = 1,
    ) -> None:
        self.level = load_level(level)
        self.agent_name = agent
        self.params = dict(params or {})
        self.seed = seed
        self.runs = runs
        self.agent: Agent = make_agent(agent, self.level, self.params, seed=seed, runs=runs)
        self.history = History(runs=runs)

    def set_level(self, level: Level) -> None:
        """Apply a live edit of the level (same kind and size) without resetting the agent."""
        self.agent.set_level(level)
        self.level = level

    def advance(self, unit: str) -> Event:
        """One unit of training (``step``, ``episode`` or ``update``), recorded."""
        event = self.agent.advance(unit)
        self.history.record(event)
        return event

    def run(
        self, unit: str, count: int, progress: Callable[[int], None] | None = None
    ) -> Event | None:
        """``count`` units in a row; ``progress(i)`` is called after each. Returns the last Event."""
        event = None
        for i in range(count):
            event = self.advance(unit)
            if progress is not None:
                progress(i + 1)
        return event

    # ------------------------------------------------------------------ outputs

    def snapshot(self) -> dict[str, Any]:
        """What the agent knows, in the ``snapshot.json`` format (docs/ARCHITECTURE.md)."""
        insight = self.agent.insight()
        base = {"level": self.level.name, "agent": self.agent_name}
        if isinstance(self.level, BanditLevel):
            true_means = insight.extras.get("true_means")
            return base | {
                "Q": _plain(insight.Q[0]),
                "pi": _plain(insight.pi[0]),
                "true_means": None if true_means is None else _plain(true_means),
            }
        assert isinstance(self.level, GridLevel)
        rows, cols = self.level.shape
        wall = compile_grid(self.level).wall.reshape(rows, cols)
        V = insight.V.reshape(rows, cols).astype(object)
        V[wall] = None
        return base | {
            "shape": [rows, cols],
            "V": _plain(V),
            "Q": _plain(insight.Q.reshape(rows, cols, -1)),
            "pi": _plain(insight.pi.reshape(rows, cols, -1)),
        }

    def metrics(self) -> dict[str, Any]:
        """Learning curves, in the ``metrics.json`` format (docs/ARCHITECTURE.md)."""
        h = self.history
        if isinstance(self.level, BanditLevel):
            return {"mean_reward": h.mean_reward, "optimal_action": h.optimal_action}
        return {"episode_returns": h.episode_returns, "episode_lengths": h.episode_lengths}

    def save(self, out_dir: str | Path, metrics: dict[str, Any] | None = None) -> list[Path]:
        """Write snapshot.json, metrics.json (``metrics``, default :meth:`metrics`) and
        agent.npz (the learned state) as the folder ``out_dir``, replaced whole: a crash
        leaves the old run's three files or the new run's, never a mix."""
        with atomic_folder(out_dir, RUN_FILES) as tmp:
            (tmp / "snapshot.json").write_text(json.dumps(self.snapshot()), encoding="utf-8")
            (tmp / "metrics.json").write_text(json.dumps(metrics or self.metrics()), encoding="utf-8")
            save_agent_state(self.agent, tmp / "agent.npz")
        return [Path(out_dir) / name for name in RUN_FILES]

    # ------------------------------------------------------------------ Jupyter
    # The render layer sits above the session and imports pygame, so these import it inside
    # the method: pygame loads only when a notebook's display hook asks for a picture.

    def _repr_png_(self) -> bytes:
        """The board with values and policy arrows (a bandit: its arms) as the app draws it."""
        from gridrl.render.notebook import draw_session, png_bytes

        return png_bytes(draw_session(self))

    def animate(
        self,
        count: int = 200,
        unit: str = "step",
        *,
        every: int = 1,
        fps: int = 8,
        size: tuple[int, int] | None = None,
        overlays: Iterable[str] | None = None,
        max_frames: int = 200,
    ) -> Animation:
        """Train ``count`` more units, drawing a frame every ``every`` units: the agent walking
        its trail (unit ``step`` on a gridworld), the values and arrows changing.

        Returns an Animation that a notebook shows inline as a GIF; ``.save(path)`` writes it.
        Memory is bounded: at most ``max_frames`` frames (plus the GIF), the stride growing to
        fit, so a long run still shows its whole course. ``size`` defaults to the level's shape,
        ``overlays`` (from ``gridrl.render.OVERLAYS``) to the app's values and policy.
        """
        from gridrl.render.notebook import animate_session

        return animate_session(self, count, unit, every=every, fps=fps, size=size, overlays=overlays,
                               max_frames=max_frames)  # fmt: skip


#: Levels whose exact check would cost more than this many state backups per check
#: (states x episode cap) are not watched: the check would cost more than the training.
WATCH_LIMIT = 50_000_000


class OptimalityWatch:
    """Watches a session's greedy policy against the level's v* while it trains.

    The greedy policy is evaluated exactly after unit 1, 2, ..., 20, then whenever the units
    have grown by ``GROWTH`` (5%) since the last check: about 20 ln(n) checks for n units,
    and the same units on every run, so "optimal after N steps" is reproducible and at most
    5% late. ``first`` is (environment steps, training seconds) at the first optimal check.
    """

    GROWTH = 1.05

    def __init__(self, session: Session) -> None:
        self.session = session
        level = session.level
        self.check: OptimalityCheck | None = None
        learns_policy = REGISTRY[session.agent_name].family != "prediction"  # a given policy has no gap to close
        if isinstance(level, GridLevel) and learns_policy and level.n_cells * level.max_steps <= WATCH_LIMIT:
            self.check = OptimalityCheck(TabularModel.from_level(level))
        self.last: Optimality | None = None
        self.first: tuple[int, float] | None = None
        self._next = 1
        self.made = 0  #: the level's scheduled changes the check knows of

    def __call__(self, units: int, trained: float, force: bool = False) -> bool:
        """After ``units`` units and ``trained`` seconds of training: check if due (or
        ``force``). True once the greedy policy has been seen optimal. A level whose layout
        has changed (scheduled ``changes``) is checked as it is now: its v* is the new one."""
        if self.check is None or not (force or units >= self._next):
            return self.first is not None
        self.check = self.check_now()
        self.last = self.check(self.session.agent.insight().pi)
        if self.last.solved and self.first is None:
            self.first = (self.session.history.steps, trained)
        self._next = max(units + 1, math.ceil(units * self.GROWTH))
        return self.first is not None

    def check_now(self) -> OptimalityCheck:
        """The check of the level as the agent plays it now (after its scheduled changes)."""
        assert self.check is not None
        made = self.session.agent.changes_made()
        if made != self.made:
            self.made = made
            self.check = OptimalityCheck(TabularModel.from_level(self.session.level.after_changes(made)))
        return self.check

    def summary(self) -> str | None:
        """ "greedy policy optimal after N steps (t s)", or the gap at the end; None unwatched."""
        if self.last is None:
            return None
        if self.first is not None and self.last.solved:
            steps, seconds = self.first
            close = "" if self.last.gap <= 0 else f", within {self.last.tolerance:.0%} of v*"
            return f"greedy policy optimal{close} after {steps:,} steps ({seconds:.2f} s of training)"
        last = self.last
        gap = (f"its value at the start is {last.value:.4g}, v* is {last.optimal:.4g} "
               f"(gap {last.gap:.1%}; solved within {last.tolerance:.0%})")  # fmt: skip
        if self.first is not None:
            return f"greedy policy optimal after {self.first[0]:,} steps, but not at the end: {gap}"
        return f"greedy policy not optimal: {gap}"


def recommended_errors(level: Level, agent: str | None = None) -> list[LevelError]:
    """The level's recommended hyperparameters (``agent``'s, or every agent's) that the
    agent's Config rejects, a wrong name or a value out of range, each a LevelError at its
    file:line:column. The level parser checks agent names and value types only: levels sit
    below agents, whose Configs live in modules that may import torch."""
    errors = []
    for recommended in level.recommended:
        if agent is not None and recommended.agent != agent:
            continue
        config = agent_class(recommended.agent).Config
        for name, value in recommended.hyperparameters:
            try:
                make_config(config, {name: value})
            except HyperparameterError as err:
                errors.append(recommended.error(f"recommended settings for '{recommended.agent}': {err}", name))
    return errors


def _plain(array: Any) -> Any:
    """numpy -> JSON-ready lists; NaN/inf become null (JSON has neither)."""
    def clean(x: Any) -> Any:
        if isinstance(x, list):
            return [clean(v) for v in x]
        if isinstance(x, float) and not math.isfinite(x):
            return None
        return x
    return clean(np.asarray(array).tolist())


def save_agent_state(agent: Agent, path: str | Path) -> None:
    """The agent's learned state as .npz, written atomically (a temporary file beside it,
    then renamed), for :func:`load_agent_state`."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp.npz")
    os.close(fd)
    try:
        np.savez(tmp, **{k: np.asarray(v) for k, v in agent.state_dict().items()})
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def load_agent_state(agent: Agent, path: str | Path) -> None:
    """Restore what :func:`save_agent_state` wrote."""
    with np.load(path, allow_pickle=False) as data:
        state = {k: (data[k].item() if data[k].ndim == 0 else data[k]) for k in data.files}
    agent.load_state_dict(state)
