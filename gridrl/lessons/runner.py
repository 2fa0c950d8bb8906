"""Run a lesson: train every curve over its seeds (in parallel), then plot, animate and check.

Every (curve, seed) pair is one task: a :class:`~gridrl.session.Session` made from the
level, the agent, its hyperparameters and the seed ``lesson.seed + i``, run for the budget.
A parameter study makes one task per (curve, parameter value, seed) and reduces each task's
curve to one number (:func:`run_number`). Tasks run on a backend (:mod:`gridrl.lessons.backends`):
by default a process pool with one worker per core (``os.cpu_count()``), or in this process
when there is one worker or one task; or on a Ray cluster. A task's result depends on its
seed alone, never on the worker that ran it, so a lesson gives the same numbers on a laptop,
a 32-core server and a class's Ray cluster.

The runner knows nothing about particular agents: whatever the Session records
(episode returns, bandit reward curves, update diagnostics) becomes a curve, so the neural
agents' lessons run the same way as the tabular ones.
"""

from __future__ import annotations

import itertools
import math
import os
import pickle
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from gridrl.lessons.model import (
    FAILED_LENGTHS,
    INF,
    ON_DEMAND_METRICS,
    SPARSE_METRICS,
    START_ACTION_METRICS,
    AgentSpec,
    AnimateStep,
    CheckStep,
    Lesson,
    PlotStep,
    RunStep,
    Scale,
    StudyAgent,
    StudyStep,
)
from gridrl.lessons.stats import select, sparse_mean, stack
from gridrl.levels import BanditLevel, GridLevel, Level
from gridrl.progress import progress_bar


class LessonUnavailable(RuntimeError):
    """The lesson needs an agent whose module is not installed yet."""

    def __init__(self, lesson: Lesson) -> None:
        from gridrl.agents import REGISTRY

        self.missing = lesson.missing_agents
        modules = ", ".join(f"gridrl/agents/{REGISTRY[a].module}.py" for a in self.missing)
        names = ", ".join(f"'{a}'" for a in self.missing)
        super().__init__(
            f"lesson '{lesson.name}' needs the agent{'s' * (len(self.missing) > 1)} {names}, "
            f"which {'is' if len(self.missing) == 1 else 'are'} not installed yet ({modules} missing)"
        )


# --------------------------------------------------------------------------- one task


@dataclass(frozen=True)
class Task:
    """One seed of one curve: everything a worker process needs (all of it picklable)."""

    index: int
    label: str
    agent: str
    params: dict[str, Any]
    level: Level
    seed: int
    runs: int
    unit: str
    count: int
    values_at: tuple[int | None, ...] = ()
    probe_every: int | None = None
    update_keys: tuple[str, ...] = ()
    #: The :data:`~gridrl.lessons.model.ON_DEMAND_METRICS` a plot, check or study uses: only these are computed.
    extra_metrics: tuple[str, ...] = ()
    keep_insight: bool = False


def execute(task: Task, progress: Callable[[int], None] | None = None) -> dict[str, Any]:
    """Train one seed and return its curves (numpy arrays), V snapshots and greedy path."""
    from gridrl.session import Session  # imports agent modules only in the process that trains

    start = time.perf_counter()
    session = Session(task.level, task.agent, task.params, seed=task.seed, runs=task.runs)
    out: dict[str, Any] = {"values": {}, "probes": {}}
    if task.values_at:
        done = 0
        for k in task.values_at:
            if k is INF:
                session.advance("episode")  # DP: sweep until converged
            else:
                session.run(task.unit, k - done)  # updates (DP: sweeps) or episodes, as the run counts
                done = k
            out["values"]["inf" if k is INF else k] = _value_grid(session)
        if done < task.count:
            session.run(task.unit, task.count - done)
        if progress:
            progress(task.count)
    elif task.probe_every:
        probes: dict[str, list[float]] = {"x": [], "policy_value": [], "policy_optimal": []}
        done = 0
        while True:
            _probe(session, probes, done)
            if done >= task.count:
                break
            n = min(task.probe_every, task.count - done)
            session.run(task.unit, n)
            done += n
            if progress:
                progress(done)
        out["probes"] = {k: np.asarray(v) for k, v in probes.items()}
    else:
        session.run(task.unit, task.count, progress=progress)
    h = session.history
    returns = np.asarray(h.episode_returns, dtype=np.float64)
    lengths = np.asarray(h.episode_lengths, dtype=np.int64)
    out["curves"] = {
        "episode_returns": returns,
        "episode_lengths": lengths.astype(np.float64),
        "mean_reward": np.asarray(h.mean_reward, dtype=np.float64),
        "optimal_action": np.asarray(h.optimal_action, dtype=np.float64),
    }
    first = np.frombuffer(bytes(h.first_actions), dtype=np.uint8)
    for a, metric in enumerate(START_ACTION_METRICS):  # in Action order: start_action:up is 0
        if metric in task.extra_metrics:
            out["curves"][metric] = 100.0 * (first == a)
    if FAILED_LENGTHS in task.extra_metrics:
        out["curves"][FAILED_LENGTHS] = np.where(returns <= 0, lengths, np.nan)
    if "episodes_vs_steps" in task.extra_metrics:
        ends = np.cumsum(lengths)
        steps = np.arange(1, int(h.steps) + 1)
        out["curves"]["episodes_vs_steps"] = np.searchsorted(ends, steps, side="right").astype(np.float64)
    if "returns_vs_steps" in task.extra_metrics:
        out["curves"]["returns_vs_steps"] = np.repeat(returns, lengths)
    if "cumulative_reward" in task.extra_metrics:
        # Figures 8.4 and 8.5: each episode's return is counted at the step it ends, which is exact
        # where reward comes only on arrival (the Dyna mazes) and lags within an episode otherwise.
        earned = np.zeros(int(h.steps))
        np.add.at(earned, np.cumsum(lengths) - 1, returns)
        out["curves"]["cumulative_reward"] = np.cumsum(earned)
    for key in task.update_keys:
        out["curves"][f"update:{key}"] = np.asarray([u[key] for u in h.updates if key in u], dtype=np.float64)
    insight = session.agent.insight()
    if isinstance(task.level, GridLevel):
        from gridrl.lessons.animate import greedy_path

        path, reached = greedy_path(task.level, insight.pi)
        out["greedy_path"] = path
        out["greedy_path_length"] = len(path) - 1 if reached else math.inf  # a loop never arrives
    if task.keep_insight:  # for the animation (small: a few numbers per state)
        out["insight"] = insight
    out["elapsed"] = time.perf_counter() - start
    return out


def _value_grid(session: Any) -> np.ndarray:
    """V as rows x cols, NaN on walls."""
    level = session.level
    rows, cols = level.shape
    V = np.array(session.agent.insight().V, dtype=np.float64).reshape(rows, cols)
    from gridrl.levels import compile_grid

    V[compile_grid(level).wall.reshape(rows, cols)] = np.nan
    return V


def arm_means(level: BanditLevel, insight: Any) -> np.ndarray:
    """The true mean reward of every arm: fixed arms from the level, else the agent's run 0."""
    if level.testbed is None:
        return np.array([arm.mean for arm in level.arms], dtype=np.float64)
    return np.asarray(insight.extras["true_means"], dtype=np.float64)


def _probe(session: Any, probes: dict[str, list[float]], done: int) -> None:
    """The policy's expected reward sum_a pi(a) q*(a) and its probability of the best arm."""
    insight = session.agent.insight()
    pi = np.asarray(insight.pi, dtype=np.float64)[0]
    if isinstance(session.level, BanditLevel):
        q = arm_means(session.level, insight)
        probes["policy_value"].append(float(pi @ q))
        probes["policy_optimal"].append(float(pi[q == q.max()].sum()))
    else:
        probes["policy_value"].append(math.nan)
        probes["policy_optimal"].append(math.nan)
    probes["x"].append(done)


def run_tasks(tasks: list[Task], workers: int, bar: Callable[[int], None] | None) -> list[dict[str, Any]]:
    """Execute ``tasks``: a process pool of ``workers``, or in this process for one worker/task.

    ``bar(done)`` counts units: per unit in this process, per finished task in a pool.
    """
    results: list[dict[str, Any] | None] = [None] * len(tasks)
    if workers <= 1 or len(tasks) <= 1:
        base = 0
        for i, task in enumerate(tasks):
            callback = None if bar is None else (lambda done, b=base: bar(b + done))
            results[i] = execute(task, callback)
            base += task.count
        return results  # type: ignore[return-value]
    done = 0
    with ProcessPoolExecutor(max_workers=min(workers, len(tasks))) as pool:
        futures = {pool.submit(execute, task): i for i, task in enumerate(tasks)}
        for future in as_completed(futures):
            i = futures[future]
            results[i] = future.result()
            done += tasks[i].count
            if bar is not None:
                bar(done)
    return results  # type: ignore[return-value]


def run_number(output: dict[str, Any], metric: str, window: tuple[float, float] | None, last: int | None) -> float:
    """One run of a study as one number: the mean of its ``metric`` curve (x = 1, 2, ...) over
    the x values in ``window`` (both ends included) or over its ``last`` points."""
    y = np.asarray(output["curves"].get(metric, np.zeros(0)), dtype=np.float64)
    if window is not None and len(y) < window[1]:
        raise StudyError(f"a run recorded {len(y)} points of '{metric}', but the study's window reaches "
                         f"{window[1]:g}: give the study a longer budget or a shorter window")  # fmt: skip
    mask = select(np.arange(1, len(y) + 1, dtype=np.float64), window, last)
    if not mask.any():
        raise StudyError(f"the study's window holds none of the {len(y)} points of '{metric}' a run recorded")
    return float(y[mask].mean())


class StudyError(ValueError):
    """A study's runs do not cover its window (a lesson authoring error, said in words)."""


# --------------------------------------------------------------------------- results


@dataclass
class CurveResult:
    """All seeds of one labelled curve."""

    spec: AgentSpec
    run: RunStep
    scale: Scale
    seeds: list[int]
    per_seed: list[dict[str, Any]]

    @property
    def label(self) -> str:
        return self.spec.label

    def curve(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """x and the (seeds, T) values of ``metric``, cut to the shortest seed."""
        if metric in ("policy_value", "policy_optimal"):
            Y = stack([r["probes"].get(metric, np.zeros(0)) for r in self.per_seed])
            x = np.asarray(self.per_seed[0]["probes"].get("x", np.zeros(0)), dtype=np.float64)[: Y.shape[1]]
            return x, Y
        Y = stack([r["curves"].get(metric, np.zeros(0)) for r in self.per_seed])
        return np.arange(1, Y.shape[1] + 1, dtype=np.float64), Y

    def values(self, k: int | None) -> np.ndarray:
        """V after ``k`` updates (``INF`` = converged), averaged over seeds."""
        key = "inf" if k is INF else k
        return np.mean([r["values"][key] for r in self.per_seed], axis=0)

    def path_lengths(self) -> np.ndarray:
        """Greedy path length of every seed; inf where the greedy policy loops."""
        return np.array([r.get("greedy_path_length", math.nan) for r in self.per_seed], dtype=np.float64)

    def shown_seed(self) -> int:
        """Index of the seed to animate: the first whose greedy path reaches a terminal state."""
        for i, r in enumerate(self.per_seed):
            if math.isfinite(r.get("greedy_path_length", math.inf)) and "insight" in r:
                return i
        return 0


@dataclass
class StudyCurve:
    """All (value, seed) runs of one study curve, each reduced to one number by :func:`run_number`."""

    agent: StudyAgent
    study: StudyStep
    scale: Scale
    seeds: list[int]
    #: (seeds, values): the number of each run.
    numbers: np.ndarray

    @property
    def label(self) -> str:
        return self.agent.label

    def curve(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """The parameter's values and the (seeds, values) numbers (a study has one metric)."""
        return np.asarray(self.agent.values, dtype=np.float64), self.numbers

    def means(self) -> np.ndarray:
        """The mean over seeds at each value of the parameter."""
        return self.numbers.mean(axis=0)


@dataclass
class CheckResult:
    check: CheckStep
    rows: list[dict[str, Any]] = field(default_factory=list)
    order_measured: dict[str, float] = field(default_factory=dict)
    order_ok: bool | None = None
    skipped: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        if self.skipped:
            return True
        if self.error:
            return False
        return all(r["ok"] for r in self.rows) and self.order_ok is not False


@dataclass
class LessonResult:
    lesson: Lesson
    quick: bool
    curves: dict[str, CurveResult] = field(default_factory=dict)
    studies: dict[str, StudyCurve] = field(default_factory=dict)
    checks: list[CheckResult] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)  # (file, caption)
    animations: list[tuple[str, str]] = field(default_factory=list)
    data_files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    elapsed: float = 0.0
    workers: int = 1
    backend: str = "local"

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def drawn(self) -> dict[str, CurveResult | StudyCurve]:
        """Every labelled curve plots and checks can name: runs' and studies'."""
        return {**self.curves, **self.studies}

    def __repr__(self) -> str:
        """Short: the generated repr prints every seed's curves (and Jupyter stores it as text)."""
        return f"LessonResult({self.lesson.name!r}, quick={self.quick}, curves={list(self.drawn)}, ok={self.ok})"

    def _repr_html_(self) -> str:
        """In Jupyter: the title, the lesson's figures with their captions, and the verdict.

        The figures are drawn again from the curves (``run_lesson`` may have had no ``out_dir``)
        by :func:`gridrl.lessons.plots.plot_step`, into a temporary folder, and embedded."""
        import base64
        import html
        import tempfile

        from gridrl.lessons import plots

        e = html.escape
        parts = [f"<h3>{e(self.lesson.title)}</h3>", f"<p><em>Reproduces: {e(self.lesson.figure)}</em></p>"]
        with tempfile.TemporaryDirectory() as tmp:
            for step in self.lesson.steps:
                if isinstance(step, PlotStep):
                    caption = plots.plot_step(step, self.drawn, Path(tmp))
                    data = base64.b64encode((Path(tmp) / step.file).read_bytes()).decode("ascii")
                    parts.append(f'<figure><img src="data:image/png;base64,{data}" alt="{e(caption)}">'
                                 f"<figcaption>{e(caption)}</figcaption></figure>")  # fmt: skip
        failed = sum(not c.ok for c in self.checks)
        verdict = f"{failed} of {len(self.checks)} checks fail" if failed else f"all {len(self.checks)} checks pass"
        parts.append(f"<p>{'Quick run: ' if self.quick else ''}{verdict} ({self.elapsed:.1f} s).</p>")
        return "\n".join(parts)


# --------------------------------------------------------------------------- checks


def measure(check: CheckStep, curve: CurveResult) -> float:
    """The number ``check.measure`` computes for one curve (``values`` is handled apart)."""
    if check.measure == "greedy_path_length":
        return float(np.median(curve.path_lengths()))
    x, Y = curve.curve(check.metric)
    if Y.size == 0:
        raise ValueError(f"'{curve.label}' recorded no '{check.metric}'")
    mask = select(x, check.window, check.last)
    if not mask.any():
        raise ValueError(f"the window holds none of the {len(x)} points of '{curve.label}'")
    if check.metric in SPARSE_METRICS:  # the loader allows 'mean' only
        value = sparse_mean(Y[:, mask])
        if math.isnan(value):
            raise ValueError(f"'{curve.label}' has no episode that counts for '{check.metric}' in the window "
                             "(e.g. no failed one): nothing to average")  # fmt: skip
        return value
    if check.measure == "last":
        return float(Y[:, -1].mean())
    if check.measure == "std_over_seeds":
        if Y.shape[0] < 2:
            raise ValueError("'std_over_seeds' needs at least 2 seeds")
        return float(Y[:, mask].std(axis=0, ddof=1).mean())
    return float(Y[:, mask].mean())


def study_measure(check: CheckStep, curve: StudyCurve) -> float:
    """The number ``check.measure`` computes for a study curve, from its mean over seeds at each
    value: the lowest or highest mean, the value where it is reached, or the mean at ``check.at``.
    Values where a run diverged (NaN) are passed over."""
    x, _ = curve.curve(check.metric)
    mean = curve.means()
    if check.measure == "at":
        return float(mean[np.isclose(x, float(check.at))][0])  # the loader checked it is a studied value
    if np.isnan(mean).all():
        raise ValueError(f"every run of '{curve.label}' diverged (NaN)")
    i = int(np.nanargmin(mean) if check.measure in ("min", "argmin") else np.nanargmax(mean))
    return float(x[i] if check.measure.startswith("arg") else mean[i])


def evaluate(check: CheckStep, curves: dict[str, Any], quick: bool) -> CheckResult:
    result = CheckResult(check)
    if quick and check.full_only:
        result.skipped = "full-size only"
        return result
    tolerance = check.quick_tolerance if quick else check.tolerance
    try:
        if check.measure == "values":
            for label, grid in check.published.items():
                V = curves[label].values(check.at)
                published = np.asarray(grid, dtype=np.float64)
                error = float(np.nanmax(np.abs(V - published)))
                result.rows.append({
                    "label": label, "measured": error, "published": 0.0, "tolerance": tolerance[label],
                    "ok": error <= tolerance[label], "what": "max |V - published|",
                    "V": V.tolist(),
                })  # fmt: skip
            return result
        how = study_measure if check.study else measure
        measured = {label: how(check, curves[label]) for label in check.curves}
        for label, published in check.published.items():
            value = measured[label]
            ok = math.isfinite(value) and abs(value - published) <= tolerance[label]
            result.rows.append({"label": label, "measured": value, "published": published,
                                "tolerance": tolerance[label], "ok": ok, "what": check.measure})  # fmt: skip
        if check.order:
            values = [measured[label] for label in check.order]
            result.order_measured = {label: measured[label] for label in check.order}
            result.order_ok = all(a > b for a, b in itertools.pairwise(values))
    except ValueError as err:
        result.error = str(err)
    return result


# --------------------------------------------------------------------------- the lesson


def _used_metrics(lesson: Lesson) -> set[str]:
    return {s.metric for s in lesson.steps if isinstance(s, (PlotStep, CheckStep, StudyStep))}


def _update_keys(lesson: Lesson) -> tuple[str, ...]:
    return tuple(sorted({m.split(":", 1)[1] for m in _used_metrics(lesson) if m.startswith("update:")}))


def default_workers() -> int:
    return os.cpu_count() or 1


def run_lesson(
    lesson: Lesson,
    out_dir: str | Path | None,
    quick: bool = False,
    workers: int | None = None,
    progress: bool = True,
    log: Callable[[str], None] | None = None,
    command: str | None = None,
    backend: str = "local",
    ray_address: str | None = None,
) -> LessonResult:
    """Run every step of ``lesson``; with ``out_dir``, write plots, data and the reports there.

    ``quick`` uses each run's reduced ``quick`` sizes and each check's ``quick_tolerance``.
    ``progress`` draws a bar per run on a terminal or in a notebook (:mod:`gridrl.progress`).
    ``backend`` runs the tasks on this machine's cores (``"local"``) or on Ray (``"ray"``,
    the cluster at ``ray_address`` or one started here); see :mod:`gridrl.lessons.backends`.
    """
    if lesson.missing_agents:
        raise LessonUnavailable(lesson)
    from gridrl.lessons import plots, report  # matplotlib only when something is drawn
    from gridrl.lessons.backends import open_backend

    workers = default_workers() if workers is None else max(1, workers)
    out = Path(out_dir) if out_dir is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    result = LessonResult(lesson, quick, workers=workers, backend=backend)
    start = time.perf_counter()
    update_keys = _update_keys(lesson)
    extra_metrics = tuple(sorted(_used_metrics(lesson) & set(ON_DEMAND_METRICS)))
    animated = {label for s in lesson.steps if isinstance(s, AnimateStep) for label in s.curves}
    say = log or (lambda text: None)
    with open_backend(backend, workers, ray_address) as backend_run:
        run = _once(backend_run)
        for step in lesson.steps:
            if isinstance(step, RunStep):
                scale = step.scale(quick)
                tasks = []
                for spec in step.agents:
                    for i in range(scale.seeds):
                        tasks.append(Task(
                            index=len(tasks), label=spec.label, agent=spec.agent, params=dict(spec.params),
                            level=step.level, seed=lesson.seed + i, runs=scale.runs,
                            unit=scale.budget.unit, count=scale.budget.count, values_at=step.values_at,
                            probe_every=step.probe_every, update_keys=update_keys,
                            keep_insight=spec.label in animated, extra_metrics=extra_metrics,
                        ))  # fmt: skip
                labels = ", ".join(a.label for a in step.agents)
                runs = f" x {scale.runs:,} runs" if scale.runs > 1 else ""
                say(f"training {labels}: {scale.seeds} seed{'s' * (scale.seeds > 1)}{runs}, "
                    f"{scale.budget.text()} each, on {step.level.name}")  # fmt: skip
                with progress_bar(sum(t.count for t in tasks), scale.budget.unit, quiet=not progress) as bar:
                    outputs = run(tasks, bar)
                for spec in step.agents:
                    mine = [o for t, o in zip(tasks, outputs) if t.label == spec.label]
                    seeds = [t.seed for t in tasks if t.label == spec.label]
                    result.curves[spec.label] = CurveResult(spec, step, scale, seeds, mine)
            elif isinstance(step, StudyStep):
                result.studies.update(_study(step, lesson.seed, quick, run, update_keys, extra_metrics,
                                             say, progress))  # fmt: skip
            elif isinstance(step, PlotStep) and out is not None:
                caption = plots.plot_step(step, result.drawn, out)
                result.images.append((step.file, caption))
                result.data_files.append(Path(step.file).with_suffix(".csv").name)
            elif isinstance(step, AnimateStep) and out is not None:
                from gridrl.lessons.animate import animate_paths

                files, notes = animate_paths(step, result.curves, out)
                result.animations += files
                result.notes += notes
            elif isinstance(step, CheckStep):
                result.checks.append(evaluate(step, result.drawn, quick))
    result.elapsed = time.perf_counter() - start
    if out is not None:
        report.write_all(result, out, command=command)
    return result


def _once(
    run: Callable[[list[Task], Callable[[int], None] | None], list[dict[str, Any]]],
) -> Callable[[list[Task], Callable[[int], None] | None], list[dict[str, Any]]]:
    """``run`` that trains each distinct task once per lesson: two studies of the same grid with
    different windows (Figure 6.3's interim and asymptotic return) share their runs.

    Tasks are the same when everything but their index and label is (a pickle compares the
    level, the hyperparameters and the budget)."""
    done: dict[bytes, dict[str, Any]] = {}

    def run_once(tasks: list[Task], bar: Callable[[int], None] | None) -> list[dict[str, Any]]:
        keys = [pickle.dumps(replace(task, index=0, label="")) for task in tasks]
        todo = {key: task for key, task in zip(keys, tasks) if key not in done}
        skipped = sum(task.count for key, task in zip(keys, tasks) if key not in todo)
        if todo:
            ran = run(list(todo.values()), None if bar is None else (lambda units: bar(skipped + units)))
            done.update(zip(todo, ran))
        elif bar is not None:
            bar(skipped)
        return [done[key] for key in keys]

    return run_once


def _study(
    step: StudyStep,
    first_seed: int,
    quick: bool,
    run: Callable[[list[Task], Callable[[int], None] | None], list[dict[str, Any]]],
    update_keys: tuple[str, ...],
    extra_metrics: tuple[str, ...],
    say: Callable[[str], None],
    progress: bool,
) -> dict[str, StudyCurve]:
    """Every (agent, value, seed) run of a study, each reduced to its number (:func:`run_number`).

    Seed i is ``first_seed + i`` at every value of the parameter: common random numbers, so the
    differences between values are not blurred by different luck."""
    scale = step.scale(quick)
    seeds = [first_seed + i for i in range(scale.seeds)]
    tasks = [
        Task(index=i, label=agent.label, agent=agent.agent, params=agent.params_at(value), level=step.level,
             seed=seed, runs=scale.runs, unit=scale.budget.unit, count=scale.budget.count,
             update_keys=update_keys, extra_metrics=extra_metrics)
        for i, (agent, value, seed) in enumerate(
            (agent, value, seed) for agent in step.agents for value in agent.values for seed in seeds)
    ]  # fmt: skip
    values = sum(len(agent.values) for agent in step.agents)
    runs = f" x {scale.runs:,} runs" if scale.runs > 1 else ""
    say(f"studying {', '.join(a.label for a in step.agents)}: {values} parameter values x {scale.seeds} "
        f"seed{'s' * (scale.seeds > 1)}{runs}, {scale.budget.text()} each, on {step.level.name}")  # fmt: skip
    with progress_bar(sum(t.count for t in tasks), scale.budget.unit, quiet=not progress) as bar:
        outputs = run(tasks, bar)
    numbers = iter([run_number(o, step.metric, step.window, step.last) for o in outputs])
    studies = {}
    for agent in step.agents:
        grid = np.array([[next(numbers) for _ in seeds] for _ in agent.values], dtype=np.float64)
        studies[agent.label] = StudyCurve(agent, step, scale, seeds, grid.T)
    return studies
