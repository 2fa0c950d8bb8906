"""The training behind one board: the :class:`~gridrl.gui.training.Trainer`, the agent
being built in a worker thread, and the timeline snapshot being looked at.

No widgets and no drawing: a scene asks it to advance within a frame's budget
(:meth:`TrainingDriver.update`) and reads what to show (:meth:`TrainingDriver.source`,
:meth:`TrainingDriver.caption`). A compare view holds two, stepped in lockstep.
"""

from __future__ import annotations

import math
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import numpy as np

from gridrl.envs.evaluation import Optimality
from gridrl.gui.inspector import ARROWS, num
from gridrl.gui.timeline import Snapshot
from gridrl.gui.training import FRAME_BUDGET, Trainer
from gridrl.levels import Level
from gridrl.session import OptimalityWatch, Session

#: A frame aims to finish its work in this many seconds of its 16.7 ms: the rest absorbs the
#: last unit's overrun and the jitter of drawing (a frame report's p95 stays under 17 ms).
FRAME_TARGET = 0.014
#: Training gets at least this much of every frame, however slow the drawing.
MIN_BUDGET = 0.0015
#: The estimate of the work after training forgets a slow frame by this factor per frame.
AFTER_DECAY = 0.9

#: Seconds of the trainer's clock between exact checks of the greedy policy.
WATCH_INTERVAL = 1.0

#: Builds agents off the main thread (the first deep agent imports PyTorch).
_LOADER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gridrl-load")
#: Checks greedy policies against v* off the main thread.
_CHECKER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gridrl-check")


def action_values(agent_name: str, V: np.ndarray, Q: np.ndarray, extras: dict[str, Any]) -> tuple[Any, str, str]:
    """What the Q overlay honestly shows, as (values (S, A) or None, legend label, why none):
    Q(s,a) where the agent learns it (tabular, DP, DQN); else the advantage estimates
    A(s,a) of its last batch where it has a critic (A2C, PPO, TRPO: without a model, a
    critic V(s) estimates A(s,a) only for the pairs tried, by GAE over the rollout, and
    those are what its update used); else nothing, and why (REINFORCE, GRPO: only π)."""
    if np.isfinite(Q).any():
        return Q, "Q(s,a)", ""
    if extras.get("advantage") is not None:
        return extras["advantage"], "A(s,a) of the last batch", ""
    what = "π(a|s) and V(s)" if np.isfinite(V).any() else "π(a|s)"
    return None, "", f"No Q(s,a): {agent_name} learns only {what}."


class TrainingDriver:
    def __init__(self, trainer: Trainer) -> None:
        self.trainer = trainer
        #: The agent being built in the worker thread, and since when (trainer clock).
        self.pending_agent: str | None = None
        self._loading: Future | None = None
        self._loading_started = 0.0
        #: The past snapshot shown instead of the live agent (None: live).
        self.view_snapshot: Snapshot | None = None
        self.timeline_text = ""
        self._seen_message = ""
        #: Seconds of work a frame does after training (draw, widgets): a slowly forgetting maximum.
        self.after_training = 0.0
        self._frame_started: float | None = None
        #: The exact check of the greedy policy against v*, when it last ran (trainer clock),
        #: and (units, or DP's sweeps; steps) when it first found the policy optimal.
        self._watched: Session | None = None
        self._watch: OptimalityWatch | None = None
        self._pending: tuple[Future, tuple[int, int]] | None = None
        self._optimality: Optimality | None = None
        self._watch_time = -math.inf
        self.optimal_at: tuple[int, int] | None = None

    @property
    def level(self) -> Level:
        return self.trainer.level

    def replace(self, trainer: Trainer) -> None:
        """Train ``trainer`` from now on (the old one is closed), at the same speed unless
        one of them is DP (which starts slower)."""
        if trainer.is_dp == self.trainer.is_dp:
            trainer.speed_index = self.trainer.speed_index
        self.trainer.close()
        self.trainer = trainer
        self.view_snapshot = None

    # ------------------------------------------------------------------ building an agent

    def start_loading(self, name: str, params: dict[str, Any] | None = None) -> None:
        """Build agent ``name`` with ``params`` on this level in the worker thread: a deep agent's
        first use imports PyTorch (seconds); the window keeps drawing meanwhile (see :meth:`loaded`)."""
        self.trainer.playing = False
        self.pending_agent = name
        self.trainer.wait()
        level, seed, runs = self.level, self.trainer.seed, self.trainer.requested_runs
        self._loading = _LOADER.submit(lambda: Trainer(level, name, params or {}, seed=seed, runs=runs))
        self._loading_started = self.trainer.clock

    def loaded(self) -> Trainer | None:
        """The trainer built in the worker thread once it is done (None before; raises what
        building raised). One built for another level (changed meanwhile) is dropped."""
        if self.pending_agent is None or self._loading is None or not self._loading.done():
            return None
        future, self._loading, self.pending_agent = self._loading, None, None
        trainer = future.result()
        if trainer.level is not self.level:
            trainer.close()
            return None
        return trainer

    # ------------------------------------------------------------------ frames

    def budget(self, frame_times: list[float], frame_started: float | None = None, now: float | None = None) -> float:
        """Seconds this frame may train: what is left of :data:`FRAME_TARGET` after the work
        the frame did before training (``frame_started``: when the frame began, by
        ``time.perf_counter``) and the work it will do after (drawing, widgets: estimated from
        the frames before, a maximum that forgets a slow frame over a few frames), between
        :data:`MIN_BUDGET` and FRAME_BUDGET. A frame that rendered its charts before training
        trains less, so no frame overruns. ``now``: the time (by default perf_counter's now)."""
        t, last = self.trainer, self._frame_started
        if frame_times and last is not None and t.train_end >= last:
            after = max(0.0, last + frame_times[-1] - t.train_end)
            self.after_training = max(after, self.after_training * AFTER_DECAY)
        if frame_started is None:
            return FRAME_BUDGET
        self._frame_started = frame_started
        spent = (time.perf_counter() if now is None else now) - frame_started
        return max(MIN_BUDGET, min(FRAME_BUDGET, FRAME_TARGET - spent - self.after_training))

    def update(self, dt: float, frame_times: list[float], target: int | None = None,
               frame_started: float | None = None) -> str | None:  # fmt: skip
        """Train for this frame (begun at ``frame_started``, see :meth:`budget`), starting no
        unit past ``target`` units (see :attr:`Trainer.target`); the trainer's new message,
        if it has one."""
        t = self.trainer
        self._check_optimality()  # before training: the frame's budget counts its cost
        t.budget = self.budget(frame_times, frame_started)
        t.target = target
        t.update(dt)  # in play-yourself mode it is paused; its clock still runs
        t.record_snapshot()
        if t.message != self._seen_message:
            self._seen_message = t.message
            return t.message or None
        return None

    def _check_optimality(self) -> None:
        """Evaluate the greedy policy exactly on the level's model against v* (the check
        ``gridrl train`` makes, :class:`~gridrl.session.OptimalityWatch`'s), in a thread: a
        check costs up to a few hundred ms on a few hundred cells. One at a time, at most
        every :data:`WATCH_INTERVAL` seconds, of the trainer's insight (while a unit runs in
        the worker, the one taken after the last unit)."""
        t = self.trainer
        if self._watched is not t.session:
            self._watched, self._watch_time, self.optimal_at, self._optimality = t.session, -math.inf, None, None
            self._watch = OptimalityWatch(t.session)  # its check None: no model, or too big to check
        if self._pending is not None:
            if not self._pending[0].done():
                return
            future, when = self._pending
            self._pending = None
            self._optimality = future.result()
            if self._optimality.solved and self.optimal_at is None:
                self.optimal_at = when
        if self._watch is None or self._watch.check is None or t.clock - self._watch_time < WATCH_INTERVAL:
            return
        self._watch_time = t.clock
        pi = np.array(t.insight().pi, dtype=float)
        when = (t.agent.sweeps if t.is_dp else t.units_run, t.session.history.steps)
        if t.agent.changes_made() != self._watch.made:  # the layout changed: its optimum too
            self.optimal_at = None
        check = self._watch.check_now()  # a level that changed while played: its layout now
        self._pending = (_CHECKER.submit(check, pi), when)

    def optimal_badge(self) -> str | None:
        """ "✓ greedy policy optimal" and when it was first seen so, while its last check says
        it is (solved: within 2 % of v* at the start, 5 % on slippery levels); else None.
        Live only: the past shown on the timeline gets none."""
        last = self._optimality
        if last is None or not last.solved or self.optimal_at is None or self.view_snapshot is not None:
            return None
        units, steps = self.optimal_at
        when = f"{units} sweep{'s' if units != 1 else ''}" if self.trainer.is_dp else f"{steps:,} steps"
        return f"✓ greedy policy optimal (seen at {when})"

    def source(self) -> dict[str, Any]:
        """What the board shows: the live agent's values, or the scrubbed snapshot's, and
        ``action_values``: what the Q overlay draws (see :func:`action_values`)."""
        snap = self.view_snapshot
        if snap is None:
            insight = self.trainer.insight()
            out = {"V": insight.V, "Q": insight.Q, "pi": insight.pi, "visits": insight.visits,
                   "extras": insight.extras, "live": True}  # fmt: skip
        else:
            out = {"V": snap.V, "Q": snap.Q, "pi": snap.pi, "visits": snap.visits, "extras": snap.extras, "live": False}
        out["action_values"] = action_values(self.trainer.agent_name, out["V"], out["Q"], out["extras"])
        return out

    def caption(self) -> str:
        """The board's caption: the past being shown, the agent loading, DP's progress, or
        the episode, its last return, ε and the steps so far."""
        t, snap = self.trainer, self.view_snapshot
        if snap is not None:
            base = f"◀ the past, {snap.label()}"
            return f"{base} · {snap.caption}" if snap.caption else f"{base} · L: back to live"
        busy = f" · computing {t.unit}… {t.clock - t.unit_started:.1f} s" if t.busy and t.clock - t.unit_started > 0.25 else ""
        if self.pending_agent:
            return f"loading {self.pending_agent}… {t.clock - self._loading_started:.1f} s"
        if t.is_dp:
            return (t.caption() or "") + busy
        h = t.session.history
        parts = [f"episode {len(h.episode_returns) + 1}" + (f", step {t.episode_steps}" if t.episode_steps else "")]
        if h.episode_returns:
            parts.append(f"last return {num(h.episode_returns[-1])}")
        eps = getattr(t.agent, "epsilon", None)
        if isinstance(eps, float):
            parts.append(f"ε = {eps:.3g}")
        parts.append(f"{h.steps:,} steps in all")
        return " · ".join(parts) + busy

    def event_text(self, event: Any) -> str:
        """One unit just done, in words (the status line after Step)."""
        unit = event.unit
        if self.trainer.is_dp:
            return self.trainer.caption() or unit
        if event.episode_return is not None:
            return f"{unit}: episode ended with return {num(event.episode_return)} after {event.episode_length} steps"
        if event.reward is not None and event.action is not None and self.trainer.is_grid:
            return f"{unit}: {ARROWS[event.action]} reward {num(event.reward)}"
        if event.reward is not None and self.trainer.is_bandit:
            return f"{unit}: pulled arm {event.action + 1} → reward {num(event.reward)}"
        if event.info:
            keys = [k for k in event.info if isinstance(event.info[k], (int, float)) and not isinstance(event.info[k], bool)]
            return f"{unit}: " + ", ".join(f"{k} {num(event.info[k])}" for k in keys[:4])
        return f"one {unit} done"

    # ------------------------------------------------------------------ timeline

    def show_fraction(self, value: float) -> None:
        """The timeline slider at ``value`` of 1000: that snapshot, or live at the end."""
        items = self.trainer.timeline.items
        if value >= 1000 or len(items) < 2:
            self.view_snapshot = None
            return
        self.view_snapshot = items[int(round(value / 1000 * (len(items) - 1)))]

    def goto(self, index: int | None) -> float:
        """Show snapshot ``index`` (None or past the last: live); the slider's new value."""
        items = self.trainer.timeline.items
        if index is None or index >= len(items) - 1 or not items:
            self.view_snapshot = None
            return 1000.0
        index = max(0, index)
        self.view_snapshot = items[index]
        return index / max(1, len(items) - 1) * 1000

    def shown_index(self) -> int:
        t = self.trainer.timeline
        return len(t.items) - 1 if self.view_snapshot is None else t.index_of(self.view_snapshot)

    def update_timeline_text(self) -> None:
        t = self.trainer
        n = len(t.timeline)
        if self.view_snapshot is None:
            self.timeline_text = f"live · {n} snapshots · {t.session.history.steps:,} steps"
        else:
            i = t.timeline.index_of(self.view_snapshot)
            self.timeline_text = f"snapshot {i + 1} of {n} · {self.view_snapshot.steps:,} steps"

    def close(self) -> None:
        self.trainer.close()
