"""The lesson model: what a lesson file says, as plain frozen dataclasses.

A lesson is a title, the figure or claim it reproduces, a short explanation for the
student, and a list of steps run in order:

* ``level``   -- the level the following runs use (a bundled name, a path, or inline YAML);
* ``run``     -- train some agents, each labelled, for a budget, over several seeds;
* ``plot``    -- draw a metric of the labelled runs as curves (mean and a 95% band);
* ``animate`` -- record frames: the greedy path of each trained agent, as a GIF;
* ``check``   -- the published result the lesson must reproduce, and its tolerance.

The loader (:mod:`gridrl.lessons.loader`) builds these from YAML and validates them; the
runner (:mod:`gridrl.lessons.runner`) executes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gridrl.levels import Budget, Level

#: Curves every run can record, by the kind of level. ``update:KEY`` (any diagnostic an
#: agent reports with its updates, e.g. ``update:approx_kl``) is allowed on both.
GRID_METRICS = ("episode_returns", "episode_lengths", "episodes_vs_steps", "returns_vs_steps", "cumulative_reward",
                "values")
#: Curves with a point per environment step: long, so computed only when a plot or check uses them.
STEP_METRICS = ("episodes_vs_steps", "returns_vs_steps", "cumulative_reward")
BANDIT_METRICS = ("mean_reward", "optimal_action", "policy_value", "policy_optimal", "episode_returns")
#: What each metric's x axis counts, for axis labels and CSV headers.
METRIC_X = {
    "episode_returns": "episode",
    "episode_lengths": "episode",
    "episodes_vs_steps": "step",
    "returns_vs_steps": "step",
    "cumulative_reward": "step",
    "mean_reward": "step",
    "optimal_action": "step",
    "policy_value": "unit",
    "policy_optimal": "unit",
    "values": "sweep",
}
#: A readable y-axis label per metric (lessons may override it).
METRIC_LABEL = {
    "episode_returns": "Sum of rewards during episode",
    "episode_lengths": "Episode length (steps)",
    "episodes_vs_steps": "Episodes completed",
    "returns_vs_steps": "Return of the episode in progress",
    "cumulative_reward": "Cumulative reward",
    "mean_reward": "Average reward",
    "optimal_action": "% Optimal action",
    "policy_value": "Expected reward of the policy",
    "policy_optimal": "Probability of the optimal arm",
    "values": "V(s)",
}
#: How a check turns the curves of one label into one number (or a grid, for ``values``).
MEASURES = ("mean", "std_over_seeds", "last", "greedy_path_length", "values")

#: ``values_at`` entry meaning "run to convergence" (DP: one ``episode`` unit).
INF = None


def metric_x(metric: str) -> str:
    return "update" if metric.startswith("update:") else METRIC_X.get(metric, "x")


def metric_label(metric: str) -> str:
    if metric.startswith("update:"):
        return metric.split(":", 1)[1].replace("_", " ")
    return METRIC_LABEL.get(metric, metric)


@dataclass(frozen=True)
class AgentSpec:
    """One curve: an agent by registry name, its hyperparameters, and the label it is drawn with."""

    label: str
    agent: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Scale:
    """The sizes of a run that ``--quick`` may shrink: budget, seeds, bandit runs per seed."""

    budget: Budget
    seeds: int
    runs: int


@dataclass(frozen=True)
class LevelStep:
    level: Level
    #: How the lesson named it: a bundled name, a path, or ``"inline"``.
    source: str


@dataclass(frozen=True)
class RunStep:
    """Train every agent of ``agents`` on ``level`` for each of ``seeds`` seeds."""

    agents: tuple[AgentSpec, ...]
    level: Level
    level_source: str
    full: Scale
    quick: Scale
    #: Record V after these numbers of updates (DP: sweeps); ``INF`` = run to convergence.
    values_at: tuple[int | None, ...] = ()
    #: Record the policy's expected reward every this many units (bandits; any agent).
    probe_every: int | None = None

    def scale(self, quick: bool) -> Scale:
        return self.quick if quick else self.full


@dataclass(frozen=True)
class PlotStep:
    metric: str
    curves: tuple[str, ...]
    title: str
    xlabel: str
    ylabel: str
    smooth: int = 1
    band: bool = True
    ylim: tuple[float, float] | None = None
    percent: bool = False
    file: str = ""


@dataclass(frozen=True)
class AnimateStep:
    """GIF frames of each labelled agent's greedy path from the start (gridworlds)."""

    curves: tuple[str, ...]
    file: str
    fps: int = 4


@dataclass(frozen=True)
class CheckStep:
    """A published result: ``measure`` of ``metric`` per curve, against numbers or an order.

    ``published`` maps a label to a number (or, for ``measure: values``, a grid);
    ``tolerance``/``quick_tolerance`` map a label to the allowed absolute difference;
    ``order`` lists labels from the highest measured value to the lowest.
    """

    claim: str
    measure: str
    metric: str
    curves: tuple[str, ...]
    window: tuple[float, float] | None = None
    last: int | None = None
    at: int | None = None  # values: after which update count (INF = converged)
    published: dict[str, Any] = field(default_factory=dict)
    tolerance: dict[str, float] = field(default_factory=dict)
    quick_tolerance: dict[str, float] = field(default_factory=dict)
    order: tuple[str, ...] = ()
    full_only: bool = False
    source: str = ""  # from the published figure (shown in the report)


Step = LevelStep | RunStep | PlotStep | AnimateStep | CheckStep


@dataclass(frozen=True)
class Lesson:
    name: str
    path: Path
    title: str
    figure: str
    explanation: str
    steps: tuple[Step, ...]
    seed: int = 0
    #: Agents the lesson uses whose modules are not installed yet (it cannot run until they are).
    missing_agents: tuple[str, ...] = ()

    @property
    def runs(self) -> list[RunStep]:
        return [s for s in self.steps if isinstance(s, RunStep)]

    @property
    def checks(self) -> list[CheckStep]:
        return [s for s in self.steps if isinstance(s, CheckStep)]

    @property
    def labels(self) -> list[str]:
        return [a.label for run in self.runs for a in run.agents]
