"""The trainer's worker thread: one unit at a time off the frame loop, and the agent's
insight taken in the same thread right after it.

While a unit runs, the worker owns the agent: the window must not call into it (a deep
agent's network is half updated). So the worker itself takes the insight (a forward pass
over every state) when the unit is done, and hands it over with the event: the window
then shows the network as it is now without touching it. The forward pass is skipped
while it would cost more than ``1 / INSIGHT_SHARE`` of the worker's time (a huge level),
and the window refreshes it itself between units.
"""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

from gridrl.agents import Event, Insight
from gridrl.session import Session

#: The insight taken in the worker costs at most 1 / INSIGHT_SHARE of its time.
INSIGHT_SHARE = 10.0


@dataclass
class Done:
    """A unit run in the worker: its session (it may have been replaced meanwhile), event,
    duration in seconds, and the agent's insight right after it (None when skipped); or the
    error it raised instead."""

    session: Session
    event: Event | None = None
    seconds: float = 0.0
    insight: Insight | None = None
    error: Exception | None = None


class UnitWorker:
    """Runs one unit at a time in a thread of its own (see the module docstring)."""

    def __init__(self) -> None:
        self._executor: ThreadPoolExecutor | None = None
        self._future: Future[Done] | None = None
        # read and written in the worker thread only
        self._insight_cost = 0.0
        self._insight_at = -float("inf")

    @property
    def busy(self) -> bool:
        """A unit is running (or done and not taken yet): the agent must not be touched."""
        return self._future is not None

    def submit(self, session: Session, unit: str) -> None:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gridrl-unit")
        self._future = self._executor.submit(self._run, session, unit)

    def _run(self, session: Session, unit: str) -> Done:
        start = time.perf_counter()
        try:
            event = session.advance(unit)
        except Exception as exc:  # noqa: BLE001 - handed to the window, which reports it
            return Done(session, error=exc)
        end = time.perf_counter()
        insight = None
        if end - self._insight_at >= INSIGHT_SHARE * self._insight_cost:
            insight = session.agent.insight()
            self._insight_at = time.perf_counter()
            self._insight_cost = self._insight_at - end
        return Done(session, event, end - start, insight)

    def take(self) -> Done | None:
        """The finished unit, once; None while it runs or if there is none."""
        future = self._future
        if future is None or not future.done():
            return None
        self._future = None
        return future.result()

    def wait(self) -> None:
        """Block until the running unit (if any) is done; :meth:`take` then has it."""
        if self._future is not None:
            self._future.result()

    def close(self) -> None:
        """Stop the thread (after its current unit)."""
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None
