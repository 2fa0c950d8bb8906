"""Read a lesson from YAML, validating every value (the lesson twin of ``gridrl.levels.parse``).

Every problem raises :class:`LessonError` naming the file, the line and the column, what is
wrong and what would be right: unknown keys with a did-you-mean, unknown agents and levels,
hyperparameters out of range, labels that no run defined. Loading is safe YAML only.

An agent whose module is not installed yet (the registry knows its name, but
``gridrl/agents/<module>.py`` is missing) does not stop a lesson from loading: the lesson
lists it in :attr:`Lesson.missing_agents` and refuses to *run* until it exists.
"""

from __future__ import annotations

import itertools
import math
import re
import textwrap
from pathlib import Path
from typing import Any

import yaml

from gridrl.agents import REGISTRY, HyperparameterError, agent_class, make_config
from gridrl.data import bundled_dir
from gridrl.lessons.model import (
    BANDIT_METRICS,
    GRID_METRICS,
    INF,
    MEASURES,
    SPARSE_METRICS,
    STEP_METRICS,
    STUDY_MEASURES,
    XSCALES,
    AgentSpec,
    AnimateStep,
    CheckStep,
    Lesson,
    LevelStep,
    PlotStep,
    RunStep,
    Scale,
    Step,
    StudyAgent,
    StudyStep,
    metric_label,
    metric_x,
)
from gridrl.levels import BanditLevel, Budget, Level, LevelError, load_level, parse_level
from gridrl.levels.marked_yaml import (
    Context,
    MarkedError,
    MarkedMap,
    BUDGET_KEYS,
    MarkedSeq,
    budget,
    check_keys,
    describe,
    flag,
    integer,
    load_mapping,
    mapping,
    number_value,
    plain_number,
    read_text,
    string,
    suggest,
)

#: The bundled lessons: the repository's top-level ``lessons/``, shipped inside the package.
LESSONS_DIR = bundled_dir("lessons")
MAX_FILE_BYTES = 1024 * 1024
MAX_SEEDS = 10_000
MAX_RUNS = 1_000_000
MAX_COUNT = 100_000_000

TOP_KEYS = ("title", "figure", "explanation", "seed", "steps")
STEP_KINDS = ("level", "run", "study", "plot", "animate", "check")
RUN_KEYS = ("agents", *BUDGET_KEYS, "seeds", "runs", "values_at", "probe_every", "quick")
QUICK_KEYS = (*BUDGET_KEYS, "seeds", "runs")
AGENT_KEYS = ("label", "agent", "params")
STUDY_KEYS = ("agents", *BUDGET_KEYS, "seeds", "runs", "metric", "window", "last", "quick")
STUDY_AGENT_KEYS = ("label", "agent", "params", "vary")
#: Most values one study curve may vary over (each is seeds runs).
MAX_VALUES = 1000
PLOT_KEYS = ("metric", "curves", "title", "xlabel", "ylabel", "smooth", "band", "ylim", "percent", "file",
             "xscale")  # fmt: skip
ANIMATE_KEYS = ("curves", "file", "fps")
CHECK_KEYS = ("claim", "measure", "metric", "curves", "window", "last", "at", "published",
              "tolerance", "quick_tolerance", "order", "full_only", "source")  # fmt: skip

_FIGURE_NUMBER = re.compile(r"^\d+\.\d+$")
_FILE_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")


class LessonError(MarkedError):
    """A lesson file is wrong; the message says where, what, and how to fix it.

    Formatted like :class:`gridrl.levels.LevelError`: ``file:line:column: problem``.
    """


class _Context(Context):
    """The lesson being read; relative level paths resolve from ``directory``."""

    def __init__(self, source: str, text: str, directory: Path) -> None:
        super().__init__(source, text, LessonError, "lesson")
        self.directory = directory


def _labels(ctx: _Context, m: MarkedMap, key: str, known: list[str], default: list[str]) -> tuple[str, ...]:
    """A list of curve labels (or one label), each defined by an earlier run step."""
    if key not in m or m[key] is None:
        return tuple(default)
    value, node = m[key], m.nodes[key]
    items = [(value, node)] if isinstance(value, str) else None
    if items is None:
        if not isinstance(value, MarkedSeq) or not value:
            ctx.fail(f"'{key}' must be a list of curve labels, got {describe(value)}", node)
        items = list(zip(value, value.nodes))
    labels = []
    for label, label_node in items:
        label = str(label)
        _known_label(ctx, label, label_node, known)
        labels.append(label)
    return tuple(labels)


def _known_label(ctx: _Context, label: str, node: yaml.Node, known: list[str]) -> None:
    if label not in known:
        defined = ", ".join(f"'{k}'" for k in known) or "none yet"
        ctx.fail(
            f"no curve labelled '{label}'.{suggest(label, known)} Curves are defined by the "
            f"'run' steps above this one (their agents' labels): {defined}.",
            node,
        )


# --------------------------------------------------------------------------- entry points


def lesson_names() -> list[str]:
    """Names of the bundled lessons (file names without ``.yaml``), sorted."""
    return sorted(p.stem for p in LESSONS_DIR.glob("*.yaml"))


def lesson_path(name: str | Path) -> Path:
    """The file of a lesson given as a path, a bundled name, or a figure number like ``6.4``."""
    path = Path(name)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return path
    text = str(name)
    bundled = LESSONS_DIR / f"{text}.yaml"
    if "/" not in text and bundled.is_file():
        return bundled
    names = lesson_names()
    if _FIGURE_NUMBER.match(text):
        pattern = re.compile(rf"\bFigure\s+{re.escape(text)}\b")
        for candidate in names:
            if pattern.search(read_header(LESSONS_DIR / f"{candidate}.yaml").get("figure", "")):
                return LESSONS_DIR / f"{candidate}.yaml"
    if path.is_file():
        return path
    hint = suggest(text, names)
    raise LessonError(
        f"no lesson '{text}': not a lesson file, a bundled lesson, nor a figure number of one.{hint} "
        f"Bundled lessons: {', '.join(names) or 'none'} (see 'gridrl lesson list')."
    )


def read_header(path: Path) -> dict[str, str]:
    """``title`` and ``figure`` of a lesson file without validating the rest (for listings)."""
    try:
        ctx = _Context(str(path), read_text(path, MAX_FILE_BYTES, LessonError, "lesson"), path.parent)
        document = load_mapping(ctx, MAX_FILE_BYTES, "", "")
    except LessonError:
        return {}
    return {k: " ".join(str(document.get(k, "")).split()) for k in ("title", "figure", "explanation")}


def load_lesson(name: str | Path, check_agents: bool = True) -> Lesson:
    """Load and validate a lesson (bundled name, figure number, or path).

    ``check_agents`` builds every agent's Config to validate its hyperparameters (this imports
    the agent modules; deep agents import torch).
    """
    path = lesson_path(name)
    text = read_text(path, MAX_FILE_BYTES, LessonError, "lesson")
    return parse_lesson(text, source=str(path), name=path.stem, directory=path.parent,
                        check_agents=check_agents)  # fmt: skip


def parse_lesson(
    text: str,
    source: str = "<string>",
    name: str = "lesson",
    directory: Path | None = None,
    check_agents: bool = True,
) -> Lesson:
    """Parse and validate lesson YAML ``text``; relative level paths resolve from ``directory``."""
    ctx = _Context(source, text, directory or Path.cwd())
    document = load_mapping(ctx, MAX_FILE_BYTES, "title: ..., steps: ...",
                            "a lesson needs 'title', 'figure', 'explanation' and 'steps'")  # fmt: skip
    check_keys(ctx, document, TOP_KEYS, "a lesson")
    title = string(ctx, document, "title", what="a lesson")
    figure = string(ctx, document, "figure", what="a lesson (which published figure or claim it shows)")
    explanation = string(ctx, document, "explanation", what="a lesson")
    seed = integer(ctx, document, "seed", 0, 0, 2**31 - 1)
    if "steps" not in document:
        ctx.fail("a lesson needs 'steps': a list of level, run, plot, animate and check steps", document.node)
    steps_value = document["steps"]
    if not isinstance(steps_value, MarkedSeq) or not steps_value:
        ctx.fail(
            f"'steps' must be a non-empty list of steps, got {describe(steps_value)}",
            document.nodes["steps"],
        )
    builder = _Builder(ctx, check_agents)
    steps = [builder.step(item, node) for item, node in zip(steps_value, steps_value.nodes)]
    if not builder.labels:
        ctx.fail("the lesson has no 'run' or 'study' step: nothing would be trained", document.nodes["steps"])
    return Lesson(
        name=name, path=Path(source), title=title, figure=figure, explanation=explanation,
        steps=tuple(steps), seed=seed, missing_agents=tuple(builder.missing),
    )  # fmt: skip


# --------------------------------------------------------------------------- steps


class _Builder:
    """Builds the steps in order, remembering the current level and the labels defined so far."""

    def __init__(self, ctx: _Context, check_agents: bool) -> None:
        self.ctx = ctx
        self.check_agents = check_agents
        self.level: Level | None = None
        self.level_source = ""
        self.labels: list[str] = []
        self.runs: dict[str, RunStep] = {}  # label -> the run that defined it
        self.studies: dict[str, StudyStep] = {}  # label -> the study that defined it
        self.missing: list[str] = []
        self.files: set[str] = set()

    def step(self, item: Any, node: yaml.Node) -> Step:
        ctx = self.ctx
        if not isinstance(item, MarkedMap) or len(item) != 1:
            got = describe(item) if not isinstance(item, MarkedMap) else "keys " + ", ".join(map(str, item))
            ctx.fail(f"each step is a mapping with one key, one of: {', '.join(STEP_KINDS)} "
                     f"(e.g. '- run: {{...}}'), got {got}", node)  # fmt: skip
        kind = next(iter(item))
        if kind not in STEP_KINDS:
            ctx.fail(f"unknown step '{kind}'.{suggest(kind, STEP_KINDS)} Steps: {', '.join(STEP_KINDS)}.",
                     item.key_nodes[kind])  # fmt: skip
        value, value_node = item[kind], item.nodes[kind]
        if kind == "level":
            return self.level_step(value, value_node)
        if self.level is None and kind in ("run", "study"):
            ctx.fail(f"a '{kind}' step needs a level: put a '- level: NAME' step before it", node)
        body = mapping(ctx, value, value_node, f"a '{kind}' step")
        return getattr(self, f"{kind}_step")(body)

    # ------------------------------------------------------------------ level

    def level_step(self, value: Any, node: yaml.Node) -> LevelStep:
        ctx = self.ctx
        if isinstance(value, MarkedMap):
            level = self._inline_level(node)
            source = "inline"
        elif isinstance(value, str) and value.strip():
            relative = ctx.directory / value
            try:
                level = load_level(relative if relative.is_file() else value)
            except LevelError as err:
                ctx.fail(f"level: {err}", node)
            source = value
        else:
            ctx.fail(
                f"'level' must be a level name, a path, or a level written inline, got {describe(value)}",
                node,
            )
        self.level, self.level_source = level, source
        return LevelStep(level, source)

    def _inline_level(self, node: yaml.Node) -> Level:
        """Parse an inline level with the level parser, keeping the lesson file's line numbers."""
        start, end = node.start_mark, node.end_mark
        snippet = textwrap.dedent(" " * start.column + self.ctx.text[start.index : end.index])
        try:
            return parse_level(snippet, source=self.ctx.source, default_name="inline level")
        except LevelError as err:
            line = None if err.line is None else err.line + start.line
            column = None if err.column is None else err.column + start.column
            raise LessonError(f"inline level: {err.problem}", self.ctx.source, line, column) from None

    # ------------------------------------------------------------------ run

    def _agents(self, m: MarkedMap, step: str, fields: str) -> MarkedSeq:
        """The non-empty ``agents`` list of a ``run`` or ``study`` step (after its level)."""
        assert self.level is not None
        if "agents" not in m:
            self.ctx.fail(f"a '{step}' step needs 'agents': a list of {fields}", m.node)
        agents_value = m["agents"]
        if not isinstance(agents_value, MarkedSeq) or not agents_value:
            self.ctx.fail(f"'agents' must be a non-empty list, got {describe(agents_value)}", m.nodes["agents"])
        return agents_value

    def run_step(self, m: MarkedMap) -> RunStep:
        ctx = self.ctx
        check_keys(ctx, m, RUN_KEYS, "a 'run' step")
        agents_value = self._agents(m, "run", "{label, agent, params}")
        full, quick = self._scales(m, "a 'run' step")
        budget = full.budget
        values_at = self._values_at(m)
        if values_at:
            if budget.unit == "step":
                ctx.fail("'values_at' counts updates (DP: sweeps) or episodes: give the run 'updates: N' "
                         "or 'episodes: N'", m.nodes["values_at"])  # fmt: skip
            too_far = [k for k in values_at if k is not INF and k > min(budget.count, quick.budget.count)]
            if too_far:
                ctx.fail(f"'values_at' asks for V after {too_far[0]} {budget.unit}s, but the run makes only "
                         f"{min(budget.count, quick.budget.count)}", m.nodes["values_at"])  # fmt: skip
        probe_every = integer(ctx, m, "probe_every", None, 1, MAX_COUNT)
        specs = []
        for item, node in zip(agents_value, agents_value.nodes):
            specs.append(self._agent(item, node, full.runs > 1 or quick.runs > 1))
            self.labels.append(specs[-1].label)
        step = RunStep(tuple(specs), self.level, self.level_source, full, quick, values_at, probe_every)
        for spec in specs:
            self.runs[spec.label] = step
        return step

    def _scales(self, m: MarkedMap, what: str) -> tuple[Scale, Scale]:
        """The full and the ``quick`` sizes of a run or study: budget, seeds, runs per seed."""
        ctx = self.ctx
        budget = self._budget(m, what, required=True)
        assert budget is not None
        seeds = integer(ctx, m, "seeds", 1, 1, MAX_SEEDS)
        runs = integer(ctx, m, "runs", 1, 1, MAX_RUNS)
        full = Scale(budget, seeds, runs)
        if "quick" not in m:
            return full, full
        q = mapping(ctx, m["quick"], m.nodes["quick"], "'quick'")
        check_keys(ctx, q, QUICK_KEYS, "'quick' (the reduced run of --quick and the tests)")
        q_budget = self._budget(q, "'quick'", required=False) or budget
        if q_budget.unit != budget.unit:
            ctx.fail(f"'quick' must count {budget.unit}s like the full run (use '{budget.unit}s:')", q.node)
        return full, Scale(q_budget, integer(ctx, q, "seeds", seeds, 1, MAX_SEEDS),
                           integer(ctx, q, "runs", runs, 1, MAX_RUNS))  # fmt: skip

    # ------------------------------------------------------------------ study

    def study_step(self, m: MarkedMap) -> StudyStep:
        ctx = self.ctx
        check_keys(ctx, m, STUDY_KEYS, "a 'study' step")
        agents_value = self._agents(m, "study", "{label, agent, params, vary}")
        full, quick = self._scales(m, "a 'study' step")
        metric = string(ctx, m, "metric", what="a 'study' step (the metric each run is reduced to one number of)")
        self._check_study_metric(metric, m.nodes["metric"])
        window, last = self._window(m)
        if window is None and last is None:
            ctx.fail("a 'study' step needs 'window: [first, last]' (or 'last: N'): the points of its "
                     f"'{metric}' averaged into each run's one number, e.g. window: [1, 10]", m.node)  # fmt: skip
        unit = metric_x(metric)
        for scale in (full, quick):
            end = window[1] if window else last
            if unit == scale.budget.unit and end is not None and end > scale.budget.count:
                key = "window" if window else "last"
                ctx.fail(f"'{key}' reaches {unit} {end:g}, but {'--quick' if scale is quick else 'the study'} "
                         f"runs only {scale.budget.text()}", m.nodes[key])  # fmt: skip
        agents = []
        for item, node in zip(agents_value, agents_value.nodes):
            if not isinstance(item, MarkedMap) or "vary" not in item:
                ctx.fail("each study agent is {label, agent, params, vary} with 'vary' naming the hyperparameter "
                         "studied and its values, e.g. vary: {alpha: [0.1, 0.2, 0.4]}", node)  # fmt: skip
            parameter, values, vary_node = self._vary(item)
            spec = self._agent(item, node, full.runs > 1 or quick.runs > 1, vary=(parameter, values, vary_node))
            self.labels.append(spec.label)
            agents.append(StudyAgent(spec.label, spec.agent, spec.params, parameter, tuple(v for v, _ in values)))
        step = StudyStep(tuple(agents), self.level, self.level_source, full, quick, metric, window, last)
        for agent in agents:
            self.studies[agent.label] = step
        return step

    def _vary(self, m: MarkedMap) -> tuple[str, list[tuple[float, yaml.Node]], yaml.Node]:
        """``vary: {NAME: [values]}`` or ``vary: {NAME: {powers_of_2: [first, last]}}``."""
        ctx = self.ctx
        example = "e.g. vary: {alpha: [0.1, 0.2, 0.4]} or vary: {c: {powers_of_2: [-4, 2]}}"
        v = mapping(ctx, m["vary"], m.nodes["vary"], "'vary'")
        if len(v) != 1:
            ctx.fail(f"'vary' names ONE hyperparameter and its values ({example})", m.nodes["vary"])
        parameter = str(next(iter(v)))
        value, node = v[parameter], v.nodes[parameter]
        if isinstance(value, MarkedMap):
            check_keys(ctx, value, ("powers_of_2",), "a range of values")
            if "powers_of_2" not in value:
                ctx.fail(f"give the values of '{parameter}' as a list or as {{powers_of_2: [first, last]}}", node)
            ends, ends_node = value["powers_of_2"], value.nodes["powers_of_2"]
            if not isinstance(ends, MarkedSeq) or len(ends) != 2:
                ctx.fail("'powers_of_2' is [first, last] exponents of 2, e.g. [-7, -2] for 1/128 ... 1/4", ends_node)
            low, high = (number_value(ctx, e, n, "an exponent of 'powers_of_2'", -30, 30)
                         for e, n in zip(ends, ends.nodes))  # fmt: skip
            if not (low.is_integer() and high.is_integer() and low <= high):
                ctx.fail("'powers_of_2' is [first, last]: whole exponents with first <= last", ends_node)
            values = [(2 ** k if k >= 0 else 2.0**k, ends_node) for k in range(int(low), int(high) + 1)]
        elif isinstance(value, MarkedSeq):
            if not value:
                ctx.fail(f"'vary' needs at least one value of '{parameter}' ({example})", node)
            values = []
            for item, item_node in zip(value, value.nodes):
                number = number_value(ctx, item, item_node, f"a value of '{parameter}'")
                plain = plain_number(item)
                values.append((plain if isinstance(plain, int) else number, item_node))
        else:
            ctx.fail(f"the values of '{parameter}' must be a list of numbers or {{powers_of_2: [first, last]}}, "
                     f"got {describe(value)}", node)  # fmt: skip
        if len(values) > MAX_VALUES:
            ctx.fail(f"'vary' gives {len(values)} values; at most {MAX_VALUES}", node)
        if any(b[0] <= a[0] for a, b in itertools.pairwise(values)):
            ctx.fail(f"the values of '{parameter}' must increase (each one once), the order they are drawn in", node)
        return parameter, values, node

    def _check_study_metric(self, metric: str, node: yaml.Node) -> None:
        """A metric every run of a study records by itself, on the current level."""
        ctx = self.ctx
        assert self.level is not None
        if metric.startswith("update:") and len(metric) > len("update:"):
            return
        allowed = [k for k in (GRID_METRICS if self.level.kind == "gridworld" else BANDIT_METRICS)
                   if k != "values" and not k.startswith("policy_") and k not in SPARSE_METRICS]  # fmt: skip
        if metric in SPARSE_METRICS:
            ctx.fail(f"a study reduces every run to one number, and '{metric}' has none for a run with no "
                     "episode that counts (e.g. none failed); plot or check it after a 'run' instead", node)
        if metric not in allowed:
            ctx.fail(f"a study on a {self.level.kind} level reduces one of the metrics {', '.join(allowed)}, "
                     f"or update:NAME; got '{metric}'.{suggest(metric, allowed)}", node)  # fmt: skip

    def _window(self, m: MarkedMap) -> tuple[tuple[float, float] | None, int | None]:
        """``window: [first, last]`` (x values, both included) or ``last: N`` (points), or neither."""
        ctx = self.ctx
        window = None
        if m.get("window") is not None:
            value, node = m["window"], m.nodes["window"]
            if not isinstance(value, MarkedSeq) or len(value) != 2:
                ctx.fail("'window' must be [first, last] (x values, both included)", node)
            first, final = (number_value(ctx, v, n, "'window'") for v, n in zip(value, value.nodes))
            if first > final:
                ctx.fail("'window' must be [first, last] with first <= last", node)
            window = (first, final)
        last = integer(ctx, m, "last", None, 1, MAX_COUNT)
        if window and last:
            ctx.fail("give either 'window' or 'last', not both", m.key_nodes["last"])
        return window, last

    def _budget(self, m: MarkedMap, what: str, required: bool) -> Budget | None:
        given = budget(self.ctx, m, what, required, MAX_COUNT)
        return None if given is None else Budget(*given)

    def _values_at(self, m: MarkedMap) -> tuple[int | None, ...]:
        if "values_at" not in m:
            return ()
        value, node = m["values_at"], m.nodes["values_at"]
        if not isinstance(value, MarkedSeq) or not value:
            self.ctx.fail("'values_at' must be a list of update counts, e.g. [0, 1, 2, 3, 10, inf]", node)
        result: list[int | None] = []
        for item, item_node in zip(value, value.nodes):
            if (
                isinstance(item, str)
                and item.strip().lower() in ("inf", "infinity", "converged")
                or isinstance(item, float)
                and item == float("inf")
            ):
                result.append(INF)
            elif isinstance(item, int) and not isinstance(item, bool) and 0 <= item <= MAX_COUNT:
                result.append(item)
            else:
                self.ctx.fail(
                    f"'values_at' entries are update counts >= 0 or 'inf', got {describe(item)}", item_node
                )
        finite = [k for k in result if k is not INF]
        if (
            finite != sorted(set(finite))
            or result.count(INF) > 1
            or (INF in result and result[-1] is not INF)
        ):
            self.ctx.fail("'values_at' must increase, with at most one 'inf', last", node)
        return tuple(result)

    def _agent(self, item: Any, node: yaml.Node, vectorised: bool,
               vary: tuple[str, list[tuple[float, yaml.Node]], yaml.Node] | None = None) -> AgentSpec:  # fmt: skip
        """A validated agent entry; ``vary`` = (hyperparameter, [(value, node)], node) of a study
        agent, each value validated with the fixed ``params``."""
        ctx = self.ctx
        if isinstance(item, str):
            item_map = MarkedMap({"agent": item})
            item_map.node, item_map.nodes, item_map.key_nodes = node, {"agent": node}, {"agent": node}
            item = item_map
        m = mapping(ctx, item, node, "an agent entry ({label, agent, params})")
        check_keys(ctx, m, STUDY_AGENT_KEYS if vary else AGENT_KEYS, "an agent entry")
        name = string(ctx, m, "agent", what="an agent entry")
        name_node = m.nodes.get("agent", node)
        if name not in REGISTRY:
            ctx.fail(
                f"unknown agent '{name}'.{suggest(name, list(REGISTRY))} Agents: {', '.join(REGISTRY)}.",
                name_node,
            )
        label = string(ctx, m, "label", name, what="an agent entry")
        if label in self.labels:
            ctx.fail(
                f"the label '{label}' is used twice; give each curve its own 'label'",
                m.nodes.get("label", node),
            )
        params: dict[str, Any] = {}
        if m.get("params") is not None:
            p = mapping(ctx, m["params"], m.nodes["params"], "'params'")
            params = {str(k): v for k, v in p.items()}
        level = self.level
        assert level is not None
        if self.check_agents:
            try:
                cls = agent_class(name)
            except ModuleNotFoundError as err:
                module = REGISTRY[name].module
                if err.name != f"gridrl.agents.{module}":
                    raise
                if name not in self.missing:
                    self.missing.append(name)
                return AgentSpec(label, name, params)
            if level.kind not in cls.level_kinds:
                ctx.fail(f"agent '{name}' runs on {' and '.join(cls.level_kinds)} levels; "
                         f"'{level.name}' is a {level.kind}", name_node)  # fmt: skip
            if vectorised and not cls.vectorized_runs:
                ctx.fail(f"'runs' > 1 steps many runs inside one agent, which only the bandit agents do; "
                         f"'{name}' runs one at a time: use 'seeds' instead", name_node)  # fmt: skip
            try:
                make_config(cls.Config, params)
            except HyperparameterError as err:
                bad = next((k for k in params if str(err).startswith(f"unknown hyperparameter '{k}'")
                            or str(err).startswith(f"{k} ")), None)  # fmt: skip
                where = m["params"].key_nodes.get(bad) if bad is not None else m.nodes.get("params", node)
                ctx.fail(f"agent '{name}': {err}", where)
            if vary is not None:
                self._check_vary(name, cls, params, *vary)
        return AgentSpec(label, name, params)

    def _check_vary(self, name: str, cls: Any, params: dict[str, Any], parameter: str,
                    values: list[tuple[float, yaml.Node]], node: yaml.Node) -> None:  # fmt: skip
        """Every varied value must make a valid Config with the fixed params."""
        if parameter in params:
            self.ctx.fail(f"'{parameter}' is both in 'params' and in 'vary'; keep it in 'vary' only", node)
        for value, value_node in values:
            try:
                make_config(cls.Config, {**params, parameter: value})
            except HyperparameterError as err:
                self.ctx.fail(f"agent '{name}': {err}", node if str(err).startswith("unknown") else value_node)

    # ------------------------------------------------------------------ plot, animate, check

    def _kind_of(self, label: str) -> str:
        return self.runs[label].level.kind

    def _check_metric(self, metric: str, node: yaml.Node, curves: tuple[str, ...]) -> None:
        ctx = self.ctx
        if metric.startswith("update:") and len(metric) > len("update:"):
            return
        known = sorted(set(GRID_METRICS) | set(BANDIT_METRICS))
        if metric not in known:
            ctx.fail(f"unknown metric '{metric}'.{suggest(metric, known)} Metrics: {', '.join(known)}, "
                     "or update:NAME for a diagnostic the agent reports with each update.", node)  # fmt: skip
        for label in curves:
            run = self.runs[label]
            allowed = GRID_METRICS if run.level.kind == "gridworld" else BANDIT_METRICS
            if metric not in allowed:
                ctx.fail(f"metric '{metric}' does not apply to '{label}' on a {run.level.kind} level; "
                         f"use one of {', '.join(allowed)}", node)  # fmt: skip
            if metric == "values" and not run.values_at:
                ctx.fail(f"metric 'values' needs 'values_at' in the run that trains '{label}'", node)
            if metric.startswith("policy_") and run.probe_every is None:
                ctx.fail(f"metric '{metric}' needs 'probe_every' in the run that trains '{label}'", node)
            if metric.startswith("policy_") and isinstance(run.level, BanditLevel) and run.level.testbed:
                ctx.fail(
                    f"metric '{metric}' needs a bandit with fixed arms (a testbed draws new ones per run)",
                    node,
                )
            if metric in STEP_METRICS and run.full.budget.unit == "update" \
                    and run.values_at:  # fmt: skip
                ctx.fail(f"metric '{metric}' needs an environment: '{label}' only sweeps the model", node)

    def _file(self, m: MarkedMap, default: str, suffix: str) -> str:
        name = string(self.ctx, m, "file", default)
        if not _FILE_NAME.match(name) or name.startswith("."):
            self.ctx.fail(
                f"'file' must be a plain file name (letters, digits, _ . -), got '{name}'", m.nodes["file"]
            )
        if not name.endswith(suffix):
            name += suffix
        if name in self.files:
            self.ctx.fail(
                f"two steps write the file '{name}'; give one of them another 'file'",
                m.nodes.get("file", m.node),
            )
        self.files.add(name)
        return name

    def _is_study(self, curves: tuple[str, ...], node: yaml.Node, what: str) -> bool:
        """Whether ``curves`` are study curves; a step draws or checks one kind only."""
        studied = [label for label in curves if label in self.studies]
        if studied and len(studied) < len(curves):
            run = next(label for label in curves if label not in self.studies)
            self.ctx.fail(f"{what} mixes study curves ('{studied[0]}') with run curves ('{run}'): a study "
                          "curve is a number per parameter value, a run curve one per episode or step; "
                          "list one kind in 'curves'", node)  # fmt: skip
        return bool(studied)

    def _study_metric(self, m: MarkedMap, curves: tuple[str, ...]) -> str:
        """The metric of the studies behind ``curves``: given or not, it must be theirs."""
        metrics = {self.studies[label].metric for label in curves}
        metric = string(self.ctx, m, "metric", sorted(metrics)[0])
        if metrics != {metric}:
            self.ctx.fail(f"the studies of these curves measure {', '.join(sorted(metrics))}; 'metric' may be "
                          "left out, or must be the study's", m.nodes.get("metric", m.node))  # fmt: skip
        return metric

    def study_plot_step(self, m: MarkedMap, curves: tuple[str, ...]) -> PlotStep:
        """A study drawn as its number per run against the parameter's value (Figures 2.6, 7.2)."""
        ctx = self.ctx
        metric = self._study_metric(m, curves)
        if m.get("smooth") is not None:
            ctx.fail("'smooth' averages neighbouring points of a learning curve; a study plot has one point "
                     "per parameter value: leave 'smooth' out", m.key_nodes["smooth"])  # fmt: skip
        xscale = string(ctx, m, "xscale", "linear")
        if xscale not in XSCALES:
            ctx.fail(f"'xscale' is one of {', '.join(XSCALES)}, got '{xscale}'", m.nodes["xscale"])
        agents = [a for label in curves for a in self.studies[label].agents if a.label == label]
        if xscale == "log2" and any(v <= 0 for a in agents for v in a.values):
            ctx.fail("'xscale: log2' needs every varied value > 0", m.nodes["xscale"])
        parameters = sorted({a.parameter for a in agents})
        study = self.studies[curves[0]]
        return PlotStep(
            metric=metric, curves=curves,
            title=string(ctx, m, "title", f"{metric_label(metric)} vs {', '.join(parameters)}"),
            xlabel=string(ctx, m, "xlabel", ", ".join(parameters)),
            ylabel=string(ctx, m, "ylabel", f"{metric_label(metric)} ({study.where()})"),
            band=flag(ctx, m, "band", True), ylim=self._ylim(m),
            percent=flag(ctx, m, "percent", metric == "optimal_action"),
            file=self._file(m, f"study_{metric.replace(':', '_')}", ".png"), xscale=xscale, study=True,
        )  # fmt: skip

    def _ylim(self, m: MarkedMap) -> tuple[float, float] | None:
        ctx = self.ctx
        if m.get("ylim") is None:
            return None
        value, node = m["ylim"], m.nodes["ylim"]
        if not isinstance(value, MarkedSeq) or len(value) != 2:
            ctx.fail("'ylim' must be [low, high]", node)
        low, high = (number_value(ctx, v, n, "'ylim'") for v, n in zip(value, value.nodes))
        if not low < high:
            ctx.fail("'ylim' must be [low, high] with low < high", node)
        return low, high

    def plot_step(self, m: MarkedMap) -> PlotStep:
        ctx = self.ctx
        check_keys(ctx, m, PLOT_KEYS, "a 'plot' step")
        curves = _labels(ctx, m, "curves", self.labels, self.labels)
        if not curves:
            ctx.fail("a 'plot' step needs a 'run' or 'study' step before it", m.node)
        if self._is_study(curves, m.nodes.get("curves", m.node), "this plot"):
            return self.study_plot_step(m, curves)
        if m.get("xscale") is not None:
            ctx.fail("'xscale' applies to study plots (a parameter on the x axis)", m.key_nodes["xscale"])
        metric = string(ctx, m, "metric", what="a 'plot' step")
        self._check_metric(metric, m.nodes["metric"], curves)
        smooth = integer(ctx, m, "smooth", 1, 1, 100_000)
        ylim = self._ylim(m)
        x = metric_x(metric)
        default_file = metric.replace(":", "_")
        return PlotStep(
            metric=metric, curves=curves,
            title=string(ctx, m, "title", metric_label(metric)),
            xlabel=string(ctx, m, "xlabel", x.capitalize() + "s"),
            ylabel=string(ctx, m, "ylabel", metric_label(metric)),
            smooth=smooth, band=flag(ctx, m, "band", True), ylim=ylim,
            percent=flag(ctx, m, "percent", metric in ("optimal_action", "policy_optimal")),
            file=self._file(m, default_file, ".png"),
        )  # fmt: skip

    def animate_step(self, m: MarkedMap) -> AnimateStep:
        ctx = self.ctx
        check_keys(ctx, m, ANIMATE_KEYS, "an 'animate' step")
        curves = _labels(ctx, m, "curves", self.labels, self.labels)
        for label in curves:
            if label in self.studies:
                ctx.fail(f"'animate' draws the greedy paths of run curves; '{label}' is a study curve", m.node)
            if self._kind_of(label) != "gridworld":
                ctx.fail(f"'animate' draws greedy paths on a gridworld; '{label}' runs on a bandit", m.node)
        return AnimateStep(curves=curves, file=self._file(m, "paths", ".gif"),
                           fps=integer(ctx, m, "fps", 4, 1, 60))  # fmt: skip

    def check_step(self, m: MarkedMap) -> CheckStep:
        ctx = self.ctx
        check_keys(ctx, m, CHECK_KEYS, "a 'check' step")
        claim = string(ctx, m, "claim", what="a 'check' step (the published result, in words)")
        measure = string(ctx, m, "measure", "mean")
        known = (*MEASURES, *STUDY_MEASURES)
        if measure not in known:
            ctx.fail(f"unknown measure '{measure}'.{suggest(measure, known)} Measures: {', '.join(MEASURES)}; "
                     f"of study curves: {', '.join(STUDY_MEASURES)}.", m.nodes["measure"])  # fmt: skip
        published, published_node = self._published(m, measure)
        order = _labels(ctx, m, "order", self.labels, [])
        if not published and not order:
            ctx.fail(
                "a 'check' needs 'published' values (with a 'tolerance') or an 'order' of curves", m.node
            )
        default_curves = list(published) if published else list(order)
        curves = _labels(ctx, m, "curves", self.labels, default_curves)
        for label in [*published, *order]:
            if label not in curves:
                ctx.fail(f"'{label}' is not among this check's curves", published_node or m.node)
        if self._is_study(curves, m.nodes.get("curves", m.node), "this check"):
            return self.study_check_step(m, claim, measure, curves, published, order)
        if measure in STUDY_MEASURES:
            ctx.fail(f"measure '{measure}' applies to study curves; these are run curves, measured with "
                     f"{', '.join(MEASURES)}", m.nodes["measure"])  # fmt: skip
        if measure == "greedy_path_length":
            metric = "greedy_path_length"
        elif measure == "values":
            metric = "values"
        else:
            metric = string(ctx, m, "metric", what=f"a 'check' with measure '{measure}'")
        if metric != "greedy_path_length":
            self._check_metric(metric, m.nodes.get("metric", m.node), curves)
        elif any(self._kind_of(label) != "gridworld" for label in curves):
            ctx.fail("'greedy_path_length' applies to gridworld levels only", m.node)
        if metric in SPARSE_METRICS and measure != "mean":
            ctx.fail(f"'{metric}' is NaN on the episodes that do not count, so a check measures it by 'mean' "
                     "only (of the numbers in its 'window' or 'last' points)", m.nodes.get("measure", m.node))
        window, last = self._window(m)
        at = None
        if measure == "values":
            if "at" not in m:
                ctx.fail(
                    "a 'values' check needs 'at': the update count (or 'inf') whose values it compares",
                    m.node,
                )
            raw, node = m["at"], m.nodes["at"]
            at = INF if isinstance(raw, str) and raw.lower() == "inf" else raw
            for label in curves:
                if at not in self.runs[label].values_at:
                    ctx.fail(f"'at: {raw}' is not in the 'values_at' of the run that trains '{label}'", node)
        tolerance = self._per_label(m, "tolerance", curves, required=bool(published))
        quick_tolerance = self._per_label(m, "quick_tolerance", curves, required=False) or tolerance
        return CheckStep(
            claim=claim, measure=measure, metric=metric, curves=curves, window=window, last=last,
            at=at, published=published, tolerance=tolerance, quick_tolerance=quick_tolerance,
            order=order, full_only=flag(ctx, m, "full_only", False),
            source=string(ctx, m, "source", ""),
        )  # fmt: skip

    def study_check_step(self, m: MarkedMap, claim: str, measure: str, curves: tuple[str, ...],
                         published: dict[str, Any], order: tuple[str, ...]) -> CheckStep:  # fmt: skip
        """A check of study curves: their min/max, where it is reached, or the value at one point."""
        ctx = self.ctx
        if measure not in STUDY_MEASURES:
            ctx.fail(f"a check of study curves measures {', '.join(STUDY_MEASURES)} (of the mean over seeds "
                     f"against the parameter), not '{measure}'", m.nodes.get("measure", m.node))  # fmt: skip
        for key in ("window", "last"):
            if m.get(key) is not None:
                ctx.fail(f"'{key}' of a study check: the study's own 'window' already made each run one number; "
                         "pick the parameter value with 'measure: at' and 'at: VALUE'", m.key_nodes[key])  # fmt: skip
        metric = self._study_metric(m, curves)
        at = None
        if measure == "at":
            if "at" not in m:
                ctx.fail("'measure: at' needs 'at: VALUE', one of the values the study varies", m.node)
            at = number_value(ctx, m["at"], m.nodes["at"], "'at'")
            for label in curves:
                agent = next(a for a in self.studies[label].agents if a.label == label)
                if not any(math.isclose(at, v, rel_tol=1e-9) for v in agent.values):
                    ctx.fail(f"'at: {at:g}' is not among the values of '{agent.parameter}' studied for '{label}'",
                             m.nodes["at"])  # fmt: skip
        elif m.get("at") is not None:
            ctx.fail("'at' goes with 'measure: at'", m.key_nodes["at"])
        tolerance = self._per_label(m, "tolerance", curves, required=bool(published))
        quick_tolerance = self._per_label(m, "quick_tolerance", curves, required=False) or tolerance
        return CheckStep(
            claim=claim, measure=measure, metric=metric, curves=curves, at=at, published=published,
            tolerance=tolerance, quick_tolerance=quick_tolerance, order=order,
            full_only=flag(ctx, m, "full_only", False), source=string(ctx, m, "source", ""), study=True,
        )  # fmt: skip

    def _published(self, m: MarkedMap, measure: str) -> tuple[dict[str, Any], yaml.Node | None]:
        ctx = self.ctx
        if m.get("published") is None:
            return {}, None
        value, node = m["published"], m.nodes["published"]
        if not isinstance(value, MarkedMap):
            ctx.fail("'published' maps curve labels to the published numbers, e.g. {Sarsa: -25}", node)
        result: dict[str, Any] = {}
        for label, item in value.items():
            label = str(label)
            _known_label(ctx, label, value.key_nodes[label], self.labels)
            item_node = value.nodes[label]
            if measure == "values":
                if label not in self.runs:
                    ctx.fail(f"a 'values' check compares V of run curves; '{label}' is a study curve", item_node)
                if not isinstance(item, MarkedSeq) or not item or not all(isinstance(r, MarkedSeq) for r in item):
                    ctx.fail("a published 'values' grid is a list of rows of numbers", item_node)
                grid = [[number_value(ctx, v, n, "a value") for v, n in zip(row, row.nodes)] for row in item]
                run = self.runs[label]
                rows, cols = run.level.shape
                if len(grid) != rows or any(len(r) != cols for r in grid):
                    ctx.fail(f"the published grid must be {rows} rows of {cols} numbers "
                             f"(the level '{run.level.name}')", item_node)  # fmt: skip
                result[label] = grid
            else:
                result[label] = number_value(ctx, item, item_node, f"published value of '{label}'")
        return result, node

    def _per_label(self, m: MarkedMap, key: str, curves: tuple[str, ...], required: bool) -> dict[str, float]:
        ctx = self.ctx
        if m.get(key) is None:
            if required:
                ctx.fail(
                    f"'published' values need a '{key}': the largest difference that still agrees", m.node
                )
            return {}
        value, node = m[key], m.nodes[key]
        if isinstance(value, MarkedMap):
            result = {}
            for label, item in value.items():
                _known_label(ctx, str(label), value.key_nodes[label], list(curves))
                result[str(label)] = number_value(ctx, item, value.nodes[label], f"'{key}'")
            missing = [c for c in m.get("published", {}) if c not in result]
            if missing:
                ctx.fail(f"'{key}' has no entry for {', '.join(missing)}", node)
        else:
            number = number_value(ctx, value, node, f"'{key}'")
            result = {label: number for label in curves}
        if any(v < 0 for v in result.values()):
            ctx.fail(f"'{key}' must be >= 0", node)
        return result
