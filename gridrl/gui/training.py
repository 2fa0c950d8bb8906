"""The training side of the app, without pygame: a Session stepped within a time budget.

:class:`Trainer` owns the :class:`~gridrl.session.Session` and everything the screen shows
about it: the agent's position and the trail of its current episode, the cells the last
updates changed (with the time they changed, for the fading highlight), the last update
of every cell (for the inspector), the diagnostics curves, and the timeline of snapshots.
It never draws; the scene reads it.

Speeds are units per second; "fastest" runs units until the frame's time budget is spent.
Slow units (a sweep of a big grid) and every unit of a deep agent run in the worker thread
(:mod:`gridrl.gui.worker`): no unit ever freezes the window. DP's controls: :mod:`~gridrl.gui.dp_steps`.
"""

from __future__ import annotations

import math
import time
from collections import deque
from typing import Any

import numpy as np

from gridrl.agents import REGISTRY, Event, Insight
from gridrl.agents.common.dp import DynamicProgramming
from gridrl.gui import catalog
from gridrl.gui.changes import UpdateChange, change_between, value_cells
from gridrl.gui.dp_steps import DPSteps
from gridrl.gui.live_params import LiveParams
from gridrl.gui.timeline import Snapshot, Timeline
from gridrl.gui.worker import UnitWorker
from gridrl.levels import BanditLevel, GridLevel, Level
from gridrl.render.trail import Trail
from gridrl.session import Session

#: (label, units per second) of the speed slider.
SPEEDS: tuple[tuple[str, float], ...] = (
    ("1 / s", 1.0), ("2 / s", 2.0), ("5 / s", 5.0), ("10 / s", 10.0), ("30 / s", 30.0),
    ("100 / s", 100.0), ("1000 / s", 1000.0), ("fastest", math.inf),
)  # fmt: skip
DEFAULT_SPEED = 4
#: DP agents start slower: a sweep every half second, so the values can be watched spreading.
DEFAULT_DP_SPEED = 1
#: Bandit curves average this many independent runs by default (Figure 2.2 uses 2000).
DEFAULT_BANDIT_RUNS = 200
#: Seconds of training per frame at most (the rest of a 16.7 ms frame draws).
FRAME_BUDGET = 0.008
#: How long a changed cell stays highlighted.
HIGHLIGHT_SECONDS = 0.8
#: Series longer than this are halved (every other point dropped) to bound memory.
SERIES_CAP = 200_000
#: info keys that are counters or flags, not curves.
NOT_CURVES = frozenset({
    "sweeps", "converged", "sweep_done", "sweeps_run", "improved", "policy_stable",
    "improvements", "evaluation_converged", "evaluation_sweeps", "mean_reward",
    "optimal_fraction", "episodes", "steps",
})  # fmt: skip
#: Two units in a row slower than this (seconds) move training to the worker thread ...
SLOW_UNIT = 0.03
#: ... and so does one unit slower than this.
HUGE_UNIT = 0.5
#: Deep agents compute insight with a forward pass; refresh it at most this often.
DEEP_INSIGHT_INTERVAL = 0.1
#: Seconds of the clock the readout's frames and units per second are averaged over.
RATE_WINDOW = 2.0


def default_unit(agent_name: str, level: Level) -> str:
    entry = catalog.find(agent_name)  # an unknown name fails later, in load_class
    if entry.dp or entry.deep:
        return "update"
    return "step"


class Trainer(DPSteps, LiveParams):
    """A Session plus what the screen shows about it. See the module docstring."""

    def __init__(self, level: Level, agent_name: str, params: dict[str, Any] | None = None, seed: int = 0,
                 runs: int = DEFAULT_BANDIT_RUNS) -> None:  # fmt: skip
        self.level = level
        #: Bandits: independent runs stepped at once, averaged in the curves (run 0 is drawn).
        self.requested_runs = int(runs)
        self.agent_name = agent_name
        self.params: dict[str, Any] = dict(params or {})
        self.seed = int(seed)
        self.unit = default_unit(agent_name, level)
        self.playing = False
        self.speed_index = DEFAULT_DP_SPEED if catalog.find(agent_name).dp else DEFAULT_SPEED
        self.budget = FRAME_BUDGET
        #: Start no unit once ``units_run`` reaches this (None: no limit): a compare view keeps
        #: two trainers in lockstep by letting the one behind catch up to the other.
        self.target: int | None = None
        self.last_train_time, self.train_end = 0.0, 0.0  # the last frame's training: seconds, end (perf_counter)
        self.worker = UnitWorker()
        self.clock = 0.0
        self.message = ""
        self.session: Session
        self.rebuild()

    # ------------------------------------------------------------------ building

    def rebuild(self) -> None:
        """A fresh Session (same level, agent, params, seed) and fresh records."""
        self.wait()
        self.params.update(getattr(self, "pending_params", {}))  # a fresh agent: a new episode
        #: Episode-wide values (:data:`~gridrl.gui.live_params.EPISODE_PARAMS`) set during an
        #: episode, for its end.
        self.pending_params: dict[str, Any] = {}
        cls = catalog.load_class(self.agent_name)  # AgentUnavailable with a clear message
        vectorized = isinstance(self.level, BanditLevel) and getattr(cls, "vectorized_runs", False)
        self.runs = self.requested_runs if vectorized else 1
        self.session = Session(self.level, self.agent_name, self.params, seed=self.seed, runs=self.runs)
        self.units_run = 0
        self.credit = 0.0
        # units run in the worker thread (see update); a deep agent's from the first: an update
        # can take most of a second, which must not be learnt by freezing the window once
        self.slow = self.is_deep or getattr(self, "slow", False)
        self.unit_seconds, self.unit_started = getattr(self, "unit_seconds", 0.0), 0.0  # last unit's duration, start
        self.last_event: Event | None = None
        self.last_update: dict[int, tuple[str, dict[str, Any], int]] = {}
        #: What the last network update(s) did to every cell (deep agents; see changes.py).
        self.last_change: UpdateChange | None = None
        self._after_update: Insight | None = None  # the insight right after the last update, and
        self._updates: list[str] = []  # the equations of the network updates since it
        self._value_mask = value_cells(self.level)
        self.highlight_glow: dict[int, tuple[float, float, float]] = {}  # s -> (start, seconds, size)
        self._trail: Trail | None = Trail(self.level) if isinstance(self.level, GridLevel) else None
        self.series: dict[str, list[float]] = {}
        self._abs_td: list[float] = []
        self.timeline = Timeline()
        self._insight: Insight | None = None
        self._insight_time = -math.inf
        self._dirty = True
        self._snapshot_units = -1
        self._ticks: deque[tuple[float, int]] = deque()  # (clock, units_run) per frame, for rates()
        self.record_snapshot()

    @property
    def agent(self) -> Any:
        return self.session.agent

    @property
    def trail(self) -> list[int]:
        """The cells the agent walked in its current episode, oldest first (a jump restarts it)."""
        return self._trail.cells if self._trail is not None else []

    @property
    def agent_state(self) -> int | None:
        """The agent's cell, or None (a bandit, dynamic programming, a whole-episode unit)."""
        return self._trail.agent if self._trail is not None else None

    @property
    def episode_steps(self) -> int:
        """Steps the agent took in its current episode."""
        return self._trail.steps if self._trail is not None else 0

    @property
    def is_grid(self) -> bool:
        return isinstance(self.level, GridLevel)

    @property
    def is_bandit(self) -> bool:
        return isinstance(self.level, BanditLevel)

    @property
    def is_dp(self) -> bool:
        return isinstance(self.agent, DynamicProgramming)

    @property
    def is_deep(self) -> bool:
        return REGISTRY[self.agent_name].family == "deep"

    @property
    def backup_kind(self) -> str:
        """The kind of update the agent makes (``AgentInfo.backup``): how to explain it."""
        return REGISTRY[self.agent_name].backup

    @property
    def speed_label(self) -> str:
        return SPEEDS[self.speed_index][0]

    def spec(self) -> tuple[Any, ...]:
        return tuple(catalog.load_class(self.agent_name).spec())

    # ------------------------------------------------------------------ running

    def update(self, dt: float) -> int:
        """Advance the clock by ``dt`` seconds and, when playing, run the units due (within
        the frame budget). Returns the number of units finished in this frame.

        Fast units run here, one at a time, until the budget is spent. A deep agent's units,
        and any agent's once they take longer than ``SLOW_UNIT`` seconds (a sweep of a huge
        grid), run in a worker thread instead, one at a time: the window keeps drawing at
        full rate and shows the last insight until the unit is done.
        """
        self.clock += dt
        self.last_train_time = 0.0
        try:
            return self._run_due(dt)
        finally:
            self._ticks.append((self.clock, self.units_run))
            while self._ticks[0][0] < self.clock - RATE_WINDOW:
                self._ticks.popleft()

    def _run_due(self, dt: float) -> int:
        start = time.perf_counter()
        ran = self._collect()
        if not self.playing:
            return ran
        rate = SPEEDS[self.speed_index][1]
        if not math.isinf(rate):
            # Owe at most a tenth of a second of units: a slow frame must not cause a burst.
            self.credit = min(self.credit + dt * rate, max(1.0, rate * 0.1))
            # six frames of 1/60 s at 10 / s add up to 0.999...: round, or a unit comes late
            self.credit = round(self.credit, 9)
        try:
            if self.slow:
                self._refresh_insight()
                if self.busy or self.at_target or (not math.isinf(rate) and self.credit < 1.0):
                    return ran
                self.credit -= 0.0 if math.isinf(rate) else 1.0
                self._submit(self.unit)
                return ran
            while self.playing and not self.slow and not self.at_target:
                if not math.isinf(rate):
                    if self.credit < 1.0:
                        break
                    self.credit -= 1.0
                self.advance(self.unit)
                ran += 1
                if time.perf_counter() - start >= self.budget:
                    self.credit = min(self.credit, 1.0)
                    break
        except Exception:
            self.playing = False
            raise
        finally:
            self.train_end = time.perf_counter()
            self.last_train_time = self.train_end - start
        return ran

    def step_once(self, unit: str | None = None) -> Event | None:
        """The Step button: one unit (``unit`` or the chosen one), paused. A slow agent's unit
        runs in the worker thread (None is returned; the result shows when it is done)."""
        self.playing = False
        self.wait()
        if self.slow:
            self._submit(unit or self.unit)
            return None
        return self.advance(unit or self.unit)

    def advance(self, unit: str) -> Event:
        """One unit, here and now (waits for a unit running in the worker first)."""
        self.wait()
        start = time.perf_counter()
        event = self.session.advance(unit)
        self._note_duration(time.perf_counter() - start)
        self._finish(event, self.agent.insight() if self.is_deep and event.changed.size else None)
        return event

    def _finish(self, event: Event, insight: Insight | None = None) -> None:
        """Record a finished unit; ``insight``: the agent's, taken right after it (or None)."""
        self._absorb(event)
        if insight is not None:
            self._take_insight(insight)
        if self.is_dp and event.info.get("converged") and self.playing:
            self.playing = False
            self.message = self._converged_text()

    # ------------------------------------------------------------------ the worker thread

    def _note_duration(self, seconds: float) -> None:
        """Track how long units take: slow units move to the worker thread, and back when
        they are fast again.

        "Slow" means two units in a row over ``SLOW_UNIT`` (or one over ``HUGE_UNIT``): a
        single hiccup -- a garbage collection, the machine busy elsewhere -- must not move
        units of a few microseconds to the worker, where they run at most one per frame.
        """
        previous, self.unit_seconds = self.unit_seconds, seconds
        if min(previous, seconds) > SLOW_UNIT or seconds > HUGE_UNIT:
            self.slow = True
        elif max(previous, seconds) < SLOW_UNIT / 4 and not self.is_deep:
            self.slow = False

    @property
    def at_target(self) -> bool:
        """No unit may start now: ``units_run`` reached :attr:`target`."""
        return self.target is not None and self.units_run >= self.target

    @property
    def busy(self) -> bool:
        """A unit is running in the worker thread: the agent must not be touched."""
        return self.worker.busy

    def _submit(self, unit: str) -> None:
        self.worker.submit(self.session, unit)
        self.unit_started = self.clock

    def _collect(self) -> int:
        """Take the result of a finished background unit (its error is raised here)."""
        done = self.worker.take()
        if done is None or done.session is not self.session:  # none, or the session was rebuilt
            return 0
        if done.error is not None:
            self.playing = False
            raise done.error
        assert done.event is not None
        self._note_duration(done.seconds)
        self._finish(done.event, done.insight)
        return 1

    def rates(self) -> tuple[float, float]:
        """Frames and units per second over the last ``RATE_WINDOW`` seconds (the readout):
        the frame rate the window really keeps, and how fast the agent really learns."""
        if len(self._ticks) < 2:
            return 0.0, 0.0
        (t0, u0), (t1, u1) = self._ticks[0], self._ticks[-1]
        span = t1 - t0
        return ((len(self._ticks) - 1) / span, (u1 - u0) / span) if span > 0 else (0.0, 0.0)

    def wait(self) -> None:
        """Block until the unit in the worker (if any) is done, and take its result."""
        self.worker.wait()
        self._collect()

    def close(self) -> None:
        """Stop the worker thread (after its current unit)."""
        self.worker.close()

    def _absorb(self, event: Event) -> None:
        """Remember what the event says: changed cells, last update per cell, agent, curves."""
        self.units_run += 1
        self.last_event = event
        self._dirty = True
        if self.is_deep:  # a network update: its glow is the size of the change (_take_insight)
            self._updates += [event.equation] if event.changed.size else []
        else:
            glow = (self.clock, self.highlight_seconds(), 1.0)
            for s in self._real_cells(event).tolist():
                self.highlight_glow[s] = glow
        b, kind = event.backup or {}, self.backup_kind
        if self.is_bandit and b:
            self.last_update[0] = (event.equation, dict(b), self.units_run)
        elif kind == "mc" and isinstance(b.get("updates"), list):  # one update per first visit
            for u in b["updates"]:
                entry = {**u, "gamma": b.get("gamma", 1.0), "alpha": u.get("step_size"), "target": u.get("G")}
                self.last_update[int(u["s"])] = (event.equation, entry, self.units_run)
        elif "s" in b and self.is_grid and kind != "mc":  # Monte Carlo's steps are recorded, not learnt
            self.last_update[int(b["s"])] = (event.equation, dict(b), self.units_run)
        if self._trail is not None and not self.is_dp:
            self._trail.follow(event)
        self._record_curves(event)
        self.apply_pending()

    @staticmethod
    def _real_cells(event: Event) -> np.ndarray:
        """The cells the unit's real experience updated, which glow: for a planning agent's
        step, the real step's own cell only (planning's pairs are outlined instead, see
        :func:`gridrl.render.layers.draw_planned`; prioritized sweeping's real step updates
        none); for any other unit, every cell it changed."""
        if "planning_changed" not in event.info or event.unit == "episode":
            return np.asarray(event.changed, dtype=np.int64)
        b = event.backup or {}
        return np.array([] if b.get("simulated") or "s" not in b else [b["s"]], dtype=np.int64)

    def _series(self, name: str) -> list[float]:
        values = self.series.setdefault(name, [])
        if len(values) >= SERIES_CAP:
            del values[::2]
        return values

    def _record_curves(self, event: Event) -> None:
        for key, value in event.info.items():
            if key in NOT_CURVES or isinstance(value, bool):
                continue
            if isinstance(value, (int, float, np.integer, np.floating)) and math.isfinite(value):
                self._series(key).append(float(value))
        if self.is_dp:
            if event.max_delta is not None and (event.unit != "step" or event.info.get("sweep_done")):
                if event.backup.get("phase") != "improvement" and math.isfinite(event.max_delta):
                    self._series("max |ΔV| per sweep").append(float(event.max_delta))
            return
        if self.is_grid and not self.is_deep:
            if event.td_error is not None and math.isfinite(event.td_error):
                self._abs_td.append(abs(float(event.td_error)))
            if event.episode_return is not None or event.episodes:
                if self._abs_td:
                    self._series("mean |TD error| per episode").append(float(np.mean(self._abs_td)))
                self._abs_td = []

    # ------------------------------------------------------------------ what to draw

    def insight(self) -> Insight:
        """The agent's insight, recomputed when something changed (deep agents: at most every
        ``DEEP_INSIGHT_INTERVAL`` seconds while playing, since it is a forward pass; paused, at
        once). While a unit runs in the worker thread, the last one."""
        if self.busy and self._insight is not None:
            return self._insight
        self._refresh_insight()
        assert self._insight is not None
        return self._insight

    def _refresh_insight(self) -> None:
        if self.busy:
            return
        interval = DEEP_INSIGHT_INTERVAL if self.is_deep and self.playing else 0.0
        if self._insight is None or (self._dirty and self.clock - self._insight_time >= interval):
            self._take_insight(self.agent.insight())

    def _take_insight(self, insight: Insight) -> None:
        """Show ``insight`` (the agent's now); if network updates ran since the last one taken,
        what they did to every cell (``last_change``) and the glow of its size."""
        self._insight, self._insight_time, self._dirty = insight, self.clock, False
        if self._updates and self._after_update is not None and self.is_grid:
            change = change_between(self._after_update, insight, unit=self.units_run, updates=len(self._updates),
                                    equation=self._updates[-1], policy_learnt=self.backup_kind != "dqn",
                                    mask=self._value_mask)  # fmt: skip
            self.last_change, glow = change, (self.clock, self.highlight_seconds())
            self.highlight_glow.update({s: (*glow, float(change.size[s])) for s in np.flatnonzero(change.size).tolist()})
        if self._updates or self._after_update is None:
            self._after_update, self._updates = insight, []

    def highlight_seconds(self) -> float:
        """How long a changed cell glows: HIGHLIGHT_SECONDS when slow, shorter when fast (so
        the glow marks the latest updates, not the whole board)."""
        rate = SPEEDS[self.speed_index][1] if self.playing else 1.0
        return min(HIGHLIGHT_SECONDS, max(0.15, 8.0 / rate))

    def highlights(self) -> dict[int, float]:
        """Cells changed recently, with a strength fading from their size (1 for a tabular
        update; a network update's relative size of change, see changes.py) to 0 (expired
        ones dropped). How long a cell glows is fixed when it changes (short while playing fast)."""
        out = {}
        for s, (start, duration, size) in list(self.highlight_glow.items()):
            strength = 1.0 - (self.clock - start) / duration
            if strength <= 0:
                del self.highlight_glow[s]
            else:
                out[s] = strength * size
        return out

    def capture(self) -> Snapshot:
        insight = self.insight()
        h = self.session.history
        extras = {k: np.array(insight.extras[k], copy=True) for k in ("pulls", "true_means", "advantage") if k in insight.extras}
        return Snapshot(
            units=self.units_run, steps=h.steps, episodes=len(h.episode_returns),
            V=insight.V.astype(np.float32), Q=insight.Q.astype(np.float32),
            pi=insight.pi.astype(np.float32), visits=np.asarray(insight.visits).copy(),
            agent=self.agent_state, caption=self.caption(), extras=extras,
        )  # fmt: skip

    def record_snapshot(self) -> None:
        """Once per frame: add a snapshot to the timeline if units ran since the last one."""
        if self.units_run != self._snapshot_units:
            self._snapshot_units = self.units_run
            self.timeline.record(self.capture())

    # ------------------------------------------------------------------ changes

    def set_level(self, level: Level) -> None:
        """A live edit: the agent keeps what it learned."""
        self.wait()
        self.session.set_level(level)
        self.level = level
        if self._trail is not None and isinstance(level, GridLevel):
            self._trail.set_level(level)
        self._value_mask = value_cells(level)
        self._dirty = True
        self._insight = self._after_update = None

    def set_seed(self, seed: int) -> None:
        self.seed = int(seed)
        playing = self.playing
        self.rebuild()
        self.playing = playing
        self.message = f"seed {seed}: agent reset"

    def set_runs(self, runs: int) -> None:
        self.requested_runs = int(runs)
        playing = self.playing
        self.rebuild()
        self.playing = playing
        self.message = f"{self.runs} runs: agent reset"

    def reset(self) -> None:
        self.rebuild()
        self.message = "reset: a fresh agent, same level, hyperparameters and seed"
