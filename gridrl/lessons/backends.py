"""Where a lesson's tasks run: the cores of this machine, or a Ray cluster.

A task (:class:`~gridrl.lessons.runner.Task`) is self-contained and picklable, and its result
depends on its seed alone, so every backend gives the same numbers -- the same files, byte
for byte, apart from the wall-clock time and the worker count in the report:

* ``local`` (the default): a process pool with one worker per core
  (:func:`~gridrl.lessons.runner.run_tasks`); a bandit task still steps its ``runs``
  independent runs inside one vectorised agent.
* ``ray``: every task is a Ray remote call of :func:`~gridrl.lessons.runner.execute`, on the
  cluster at ``address`` (a class cluster: ``ray start --head`` on one machine,
  ``ray start --address=HEAD:6379`` on the others, gridrl installed on every node) or, with no
  address, on a Ray cluster started on this machine for the lesson and stopped after it.

Ray is an optional extra (``pip install "gridrl[ray]"``): only :func:`_ray` imports it, so
nothing else in gridrl needs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

BACKENDS = ("local", "ray")
RAY_INSTALL = 'pip install "gridrl[ray]"'

#: Runs a list of tasks and returns their results in the same order; ``bar(done)`` hears of
#: the units done so far.
TaskRunner = Callable[[list[Any], Callable[[int], None] | None], list[dict[str, Any]]]


class BackendUnavailable(RuntimeError):
    """The backend asked for cannot run here (Ray not installed, or its cluster unreachable)."""


@contextmanager
def open_backend(name: str, workers: int, address: str | None = None) -> Iterator[TaskRunner]:
    """A function running tasks on backend ``name`` for as long as the ``with`` lasts.

    ``workers`` is the local pool's size, and the CPUs of a Ray cluster started here;
    ``address`` is an existing Ray cluster's (``ray`` only).
    """
    from gridrl.lessons.runner import run_tasks

    if name not in BACKENDS:
        raise BackendUnavailable(f"unknown backend '{name}': use one of {', '.join(BACKENDS)}")
    if name == "local":
        if address is not None:
            raise BackendUnavailable("a Ray address goes with the ray backend (--backend ray)")
        yield lambda tasks, bar: run_tasks(tasks, workers, bar)
        return
    ray = _ray()
    started = not ray.is_initialized()
    if started:
        try:
            ray.init(address=address, num_cpus=None if address else workers, include_dashboard=False,
                     logging_level="ERROR", log_to_driver=False)  # fmt: skip
        except (ConnectionError, RuntimeError, ValueError) as err:
            where = f"the Ray cluster at '{address}'" if address else "a local Ray cluster"
            raise BackendUnavailable(f"cannot start or reach {where}: {err}") from None
    try:
        yield lambda tasks, bar: run_ray(ray, tasks, bar)
    finally:
        if started:
            ray.shutdown()


def _ray() -> Any:
    """The ``ray`` module, or a message saying how to install it."""
    try:
        import ray
    except ImportError:
        raise BackendUnavailable(
            f"the ray backend needs Ray, an optional extra: {RAY_INSTALL} (or: pip install ray); "
            "without it, leave out --backend ray to use this machine's cores"
        ) from None
    return ray


def run_ray(ray: Any, tasks: list[Any], bar: Callable[[int], None] | None) -> list[dict[str, Any]]:
    """Every task as a remote call of ``execute`` (one CPU each); results in the tasks' order."""
    from gridrl.lessons.runner import execute

    remote = ray.remote(num_cpus=1)(execute)
    refs = [remote.remote(task) for task in tasks]
    position = {ref: i for i, ref in enumerate(refs)}
    results: list[dict[str, Any] | None] = [None] * len(tasks)
    pending, done = refs, 0
    while pending:
        # a quarter of a second's worth of finished tasks at a time: one call per task would
        # walk the pending list once per task
        ready, pending = ray.wait(pending, num_returns=len(pending), timeout=0.25)
        for ref, value in zip(ready, ray.get(ready)):
            results[position[ref]] = value
            done += tasks[position[ref]].count
        if bar is not None and ready:
            bar(done)
    return results  # type: ignore[return-value]
