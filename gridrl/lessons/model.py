"""The lesson model: what a lesson file says, as plain frozen dataclasses.

A lesson is a title, the figure or claim it reproduces, a short explanation for the
student, and a list of steps run in order:

* ``level``   -- the level the following runs use (a bundled name, a path, or inline YAML);
* ``run``     -- train some agents, each labelled, for a budget, over several seeds;
* ``plot``    -- draw a metric of the labelled runs as curves (mean and a 95% band);
* ``animate`` -- record frames: the greedy path of each trained agent, as a GIF;
* ``check``   -- the published result the lesson must reproduce, and its tolerance;
* ``study``   -- a parameter study (Figures 2.6, 6.3, 7.2): each run reduced to one number,
  drawn against the value of one hyperparameter.

A ``study`` step trains every (agent, value, seed) of a grid on the current level and reduces
each run to ONE number: the mean of ``metric`` over the x values in ``window`` (both ends
included; or over the ``last`` N points), the way a check measures a curve. Per labelled agent
the result is a curve "that number vs the parameter's value": the mean over seeds and its 95%
band. Every (value, seed) cell uses seed ``lesson.seed + i`` for i < seeds, the same seeds for
every value (common random numbers make the values comparable)::

    - study:
        agents:                       # like a run's agents, plus 'vary': ONE hyperparameter
          - {label: "n = 1", agent: n-step-td, params: {policy: moves, n: 1},
             vary: {alpha: [0.1, 0.2, 0.3]}}                  # a list of values, or
          - {label: "UCB", agent: ucb, vary: {c: {powers_of_2: [-4, 2]}}}   # 1/16, 1/8, ..., 4
        episodes: 10                  # the budget of every run: episodes | steps | updates
        seeds: 100
        runs: 2000                    # optional, bandits: vectorised runs inside each seed
        metric: update:rms_error      # any metric a 'run' can record
        window: [1, 10]               # or 'last: N'; which x of the metric are averaged
        quick: {seeds: 10}            # --quick: any of seeds, runs, and the budget

Plots and checks name study curves by their labels (labels are unique across runs and
studies; a plot or check names study curves only or run curves only). ``metric`` may be left
out (it is the study's). A study plot draws the number against the parameter; ``xscale:
log2`` gives a log2 axis with ticks 1/128 ... 1 ... 4 (Figure 2.6). A check on study curves
uses one of ``STUDY_MEASURES``: ``min``/``max`` (of the seed-mean over the values),
``argmin``/``argmax`` (the value where it is reached), or ``at`` with ``at: VALUE`` (the
seed-mean at one of the varied values); ``published``/``tolerance`` and ``order`` work as for
run curves, e.g. ``order: ["n = 1", "n = 4"]`` says n = 1's minimum is above n = 4's. Two
studies of the same runs (agents, values, budget, seeds) with different windows share them:
each distinct run is trained once per lesson (Figure 6.3's interim and asymptotic returns).

The loader (:mod:`gridrl.lessons.loader`) builds these from YAML and validates them; the
runner (:mod:`gridrl.lessons.runner`) executes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gridrl.levels import Action, Budget, Level

#: Curves every run can record, by the kind of level. ``update:KEY`` (any diagnostic an
#: agent reports with its updates, e.g. ``update:approx_kl``) is allowed on both.
#: ``start_action:left`` (and up, right, down): per episode, 100 x [its first action was left],
#: Figure 6.5's "% left actions from A"; recorded by the one-environment tabular agents.
START_ACTION_METRICS = tuple(f"start_action:{a.name.lower()}" for a in Action)
#: ``failed_episode_lengths``: per episode, its length L if it failed -- its return G <= 0, it
#: earned nothing, which on a level where only the goal pays (pit_room) is exactly "the goal
#: was not reached" -- and NaN if it did not fail. A check's ``mean`` of it is each seed's mean
#: length of its failed episodes in the window, averaged over the seeds that failed there
#: (:func:`~gridrl.lessons.stats.sparse_mean`): GRPO's length bias, do its failures run long?
FAILED_LENGTHS = "failed_episode_lengths"
GRID_METRICS = ("episode_returns", "episode_lengths", "episodes_vs_steps", "returns_vs_steps", "cumulative_reward",
                "values", *START_ACTION_METRICS, FAILED_LENGTHS)
#: Curves with a point per environment step: long, so computed only when a plot or check uses them.
STEP_METRICS = ("episodes_vs_steps", "returns_vs_steps", "cumulative_reward")
#: Curves a task computes (and sends back from its worker) only when a plot, check or study
#: names them: the per-step ones, and the per-episode ones most lessons never draw.
ON_DEMAND_METRICS = (*STEP_METRICS, *START_ACTION_METRICS, FAILED_LENGTHS)
#: Curves that are NaN where an episode does not count (not where a run diverged): their means,
#: smoothing and bands skip the NaN and average the numbers there are (:mod:`~gridrl.lessons.stats`).
SPARSE_METRICS = (FAILED_LENGTHS,)
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
    **{metric: "episode" for metric in START_ACTION_METRICS},
    FAILED_LENGTHS: "episode",
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
    **{metric: f"% episodes begun with '{metric.split(':')[1]}'" for metric in START_ACTION_METRICS},
    FAILED_LENGTHS: "Length of the failed episodes (steps)",
}
#: How a check turns the curves of one label into one number (or a grid, for ``values``).
MEASURES = ("mean", "std_over_seeds", "last", "greedy_path_length", "values")

#: How a check turns a study curve (a number per parameter value) into one number.
STUDY_MEASURES = ("min", "argmin", "max", "argmax", "at")
#: The x axes a study plot may use.
XSCALES = ("linear", "log2")

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
class StudyAgent:
    """One study curve: an agent, its fixed hyperparameters, and the one it varies."""

    label: str
    agent: str
    params: dict[str, Any]
    parameter: str
    values: tuple[float, ...]

    def params_at(self, value: float) -> dict[str, Any]:
        return {**self.params, self.parameter: value}


@dataclass(frozen=True)
class StudyStep:
    """Train every (agent, value, seed) on ``level``; reduce each run to the mean of ``metric``
    over ``window`` (x values, both ends included) or over its ``last`` points."""

    agents: tuple[StudyAgent, ...]
    level: Level
    level_source: str
    full: Scale
    quick: Scale
    metric: str
    window: tuple[float, float] | None = None
    last: int | None = None

    def scale(self, quick: bool) -> Scale:
        return self.quick if quick else self.full

    def where(self) -> str:
        """The window in words: which points of the metric one run's number averages."""
        if self.window is not None:
            first, last = (f"{v:g}" for v in self.window)
            return f"{self.metric}, x in [{first}, {last}]"
        return f"{self.metric}, last {self.last} points"


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
    #: Study plots: "log2" draws the parameter on a log2 axis with ticks 1/128 ... 1 ... 4.
    xscale: str = "linear"
    #: Whether ``curves`` are study curves (a number per parameter value).
    study: bool = False


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
    at: float | None = None  # values: after which update count (INF = converged); studies: the value
    published: dict[str, Any] = field(default_factory=dict)
    tolerance: dict[str, float] = field(default_factory=dict)
    quick_tolerance: dict[str, float] = field(default_factory=dict)
    order: tuple[str, ...] = ()
    full_only: bool = False
    source: str = ""  # from the published figure (shown in the report)
    #: Whether ``curves`` are study curves (then ``measure`` is one of STUDY_MEASURES).
    study: bool = False


Step = LevelStep | RunStep | StudyStep | PlotStep | AnimateStep | CheckStep


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
    def studies(self) -> list[StudyStep]:
        return [s for s in self.steps if isinstance(s, StudyStep)]

    @property
    def checks(self) -> list[CheckStep]:
        return [s for s in self.steps if isinstance(s, CheckStep)]

    @property
    def labels(self) -> list[str]:
        return [a.label for step in [*self.runs, *self.studies] for a in step.agents]
