"""Read a lesson from YAML, validating every value (the lesson twin of ``gridrl.levels.parse``).

Every problem raises :class:`LessonError` naming the file, the line and the column, what is
wrong and what would be right: unknown keys with a did-you-mean, unknown agents and levels,
hyperparameters out of range, labels that no run defined. Loading is safe YAML only.

An agent whose module is not installed yet (the registry knows its name, but
``gridrl/agents/<module>.py`` is missing) does not stop a lesson from loading: the lesson
lists it in :attr:`Lesson.missing_agents` and refuses to *run* until it exists.
"""

from __future__ import annotations

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
    STEP_METRICS,
    AgentSpec,
    AnimateStep,
    CheckStep,
    Lesson,
    LevelStep,
    PlotStep,
    RunStep,
    Scale,
    Step,
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
STEP_KINDS = ("level", "run", "plot", "animate", "check")
RUN_KEYS = ("agents", *BUDGET_KEYS, "seeds", "runs", "values_at", "probe_every", "quick")
QUICK_KEYS = (*BUDGET_KEYS, "seeds", "runs")
AGENT_KEYS = ("label", "agent", "params")
PLOT_KEYS = ("metric", "curves", "title", "xlabel", "ylabel", "smooth", "band", "ylim", "percent", "file")
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
        ctx.fail("the lesson has no 'run' step: nothing would be trained", document.nodes["steps"])
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
        if self.level is None and kind == "run":
            ctx.fail("a 'run' step needs a level: put a '- level: NAME' step before it", node)
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

    def run_step(self, m: MarkedMap) -> RunStep:
        ctx = self.ctx
        check_keys(ctx, m, RUN_KEYS, "a 'run' step")
        assert self.level is not None
        if "agents" not in m:
            ctx.fail("a 'run' step needs 'agents': a list of {label, agent, params}", m.node)
        agents_value = m["agents"]
        if not isinstance(agents_value, MarkedSeq) or not agents_value:
            ctx.fail(f"'agents' must be a non-empty list, got {describe(agents_value)}", m.nodes["agents"])
        budget = self._budget(m, "a 'run' step", required=True)
        seeds = integer(ctx, m, "seeds", 1, 1, MAX_SEEDS)
        runs = integer(ctx, m, "runs", 1, 1, MAX_RUNS)
        full = Scale(budget, seeds, runs)
        quick = full
        if "quick" in m:
            q = mapping(ctx, m["quick"], m.nodes["quick"], "'quick'")
            check_keys(ctx, q, QUICK_KEYS, "'quick' (the reduced run of --quick and the tests)")
            q_budget = self._budget(q, "'quick'", required=False) or budget
            if q_budget.unit != budget.unit:
                ctx.fail(
                    f"'quick' must count {budget.unit}s like the full run (use '{budget.unit}s:')", q.node
                )
            quick = Scale(q_budget, integer(ctx, q, "seeds", seeds, 1, MAX_SEEDS),
                          integer(ctx, q, "runs", runs, 1, MAX_RUNS))  # fmt: skip
        values_at = self._values_at(m)
        if values_at:
            if budget.unit != "update":
                ctx.fail(
                    "'values_at' counts updates (DP: sweeps): give the run 'updates: N'", m.nodes["values_at"]
                )
            too_far = [k for k in values_at if k is not INF and k > min(budget.count, quick.budget.count)]
            if too_far:
                ctx.fail(f"'values_at' asks for V after {too_far[0]} updates, but the run makes only "
                         f"{min(budget.count, quick.budget.count)}", m.nodes["values_at"])  # fmt: skip
        probe_every = integer(ctx, m, "probe_every", None, 1, MAX_COUNT)
        specs = []
        for item, node in zip(agents_value, agents_value.nodes):
            specs.append(self._agent(item, node, runs > 1 or quick.runs > 1))
            self.labels.append(specs[-1].label)
        step = RunStep(tuple(specs), self.level, self.level_source, full, quick, values_at, probe_every)
        for spec in specs:
            self.runs[spec.label] = step
        return step

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

    def _agent(self, item: Any, node: yaml.Node, vectorised: bool) -> AgentSpec:
        ctx = self.ctx
        if isinstance(item, str):
            item_map = MarkedMap({"agent": item})
            item_map.node, item_map.nodes, item_map.key_nodes = node, {"agent": node}, {"agent": node}
            item = item_map
        m = mapping(ctx, item, node, "an agent entry ({label, agent, params})")
        check_keys(ctx, m, AGENT_KEYS, "an agent entry")
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
        return AgentSpec(label, name, params)

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

    def plot_step(self, m: MarkedMap) -> PlotStep:
        ctx = self.ctx
        check_keys(ctx, m, PLOT_KEYS, "a 'plot' step")
        metric = string(ctx, m, "metric", what="a 'plot' step")
        curves = _labels(ctx, m, "curves", self.labels, self.labels)
        if not curves:
            ctx.fail("a 'plot' step needs a 'run' step before it", m.node)
        self._check_metric(metric, m.nodes["metric"], curves)
        smooth = integer(ctx, m, "smooth", 1, 1, 100_000)
        ylim = None
        if m.get("ylim") is not None:
            value, node = m["ylim"], m.nodes["ylim"]
            if not isinstance(value, MarkedSeq) or len(value) != 2:
                ctx.fail("'ylim' must be [low, high]", node)
            low, high = (number_value(ctx, v, n, "'ylim'") for v, n in zip(value, value.nodes))
            if not low < high:
                ctx.fail("'ylim' must be [low, high] with low < high", node)
            ylim = (low, high)
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
            if self._kind_of(label) != "gridworld":
                ctx.fail(f"'animate' draws greedy paths on a gridworld; '{label}' runs on a bandit", m.node)
        return AnimateStep(curves=curves, file=self._file(m, "paths", ".gif"),
                           fps=integer(ctx, m, "fps", 4, 1, 60))  # fmt: skip

    def check_step(self, m: MarkedMap) -> CheckStep:
        ctx = self.ctx
        check_keys(ctx, m, CHECK_KEYS, "a 'check' step")
        claim = string(ctx, m, "claim", what="a 'check' step (the published result, in words)")
        measure = string(ctx, m, "measure", "mean")
        if measure not in MEASURES:
            ctx.fail(f"unknown measure '{measure}'.{suggest(measure, MEASURES)} Measures: {', '.join(MEASURES)}.",
                     m.nodes["measure"])  # fmt: skip
        if measure == "greedy_path_length":
            metric = "greedy_path_length"
        elif measure == "values":
            metric = "values"
        else:
            metric = string(ctx, m, "metric", what=f"a 'check' with measure '{measure}'")
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
        if metric != "greedy_path_length":
            self._check_metric(metric, m.nodes.get("metric", m.node), curves)
        elif any(self._kind_of(label) != "gridworld" for label in curves):
            ctx.fail("'greedy_path_length' applies to gridworld levels only", m.node)
        window = last = at = None
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
