"""``gridrl compare``: a lesson made on the fly from the command line.

``gridrl compare LEVEL --agents a,b --set a.k=v --seeds 10 --episodes N --out DIR`` becomes a
:class:`~gridrl.lessons.model.Lesson` with one run step (every agent, every seed) and the
plots that suit the level, and then runs exactly like a bundled lesson: in parallel over
seeds, with mean curves and 95% confidence bands, written as PNG and CSV with the reports.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from gridrl.agents import REGISTRY, HyperparameterError, agent_class, make_config
from gridrl.lessons.commands import UsageProblem
from gridrl.lessons.model import (
    AgentSpec,
    Lesson,
    LevelStep,
    PlotStep,
    RunStep,
    Scale,
    metric_label,
    metric_x,
)
from gridrl.levels import BanditLevel, Budget, load_level

#: Bandit agents step many runs inside one seed; this many unless --runs says otherwise.
DEFAULT_BANDIT_RUNS = 100
DEFAULT_EPISODES = 200
#: Probes of the policy per seed for agents that do not record bandit reward curves.
PROBES = 100


def parse_agent_sets(pairs: list[str], agents: list[str]) -> dict[str, dict[str, str]]:
    """``["sarsa.alpha=0.5", "epsilon=0.1"]`` -> per agent ``{name: value}``.

    ``AGENT.NAME=VALUE`` sets one agent's hyperparameter; a bare ``NAME=VALUE`` sets it for
    every agent that has such a hyperparameter (an error if none has).
    """
    params: dict[str, dict[str, str]] = {a: {} for a in agents}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key:
            raise UsageProblem(f"--set takes [AGENT.]NAME=VALUE (e.g. --set sarsa.alpha=0.5), got '{pair}'")
        agent, dot, name = key.rpartition(".")
        if dot and agent:
            if agent not in params:
                hint = difflib.get_close_matches(agent, agents, n=1)
                raise UsageProblem(
                    f"--set {pair}: '{agent}' is not one of the compared agents ({', '.join(agents)})"
                    + (f"; did you mean '{hint[0]}'?" if hint else "")
                )
            params[agent][name] = value
            continue
        takers = [a for a in agents if any(h.name == key for h in agent_class(a).spec())]
        if not takers:
            raise UsageProblem(f"--set {pair}: none of {', '.join(agents)} has a hyperparameter '{key}' "
                               "(see 'gridrl agents')")  # fmt: skip
        for a in takers:
            params[a][key] = value
    return params


def compare_lesson(
    level: str,
    agents: str,
    sets: list[str],
    seeds: int,
    episodes: int | None = None,
    steps: int | None = None,
    updates: int | None = None,
    runs: int | None = None,
    smooth: int | None = None,
    seed: int = 0,
) -> Lesson:
    """The lesson that ``gridrl compare`` runs; every input checked with a clear message."""
    the_level = load_level(level)
    names = [a.strip() for a in agents.split(",") if a.strip()]
    if not names:
        raise UsageProblem("--agents needs at least one agent name, e.g. --agents sarsa,q-learning")
    if len(set(names)) != len(names):
        raise UsageProblem(f"--agents lists an agent twice: {agents}")
    if seeds < 1:
        raise UsageProblem(f"--seeds must be at least 1, got {seeds}")
    classes = {}
    for name in names:
        try:
            classes[name] = agent_class(name)
        except KeyError as err:  # an unknown name, with a did-you-mean
            raise UsageProblem(err.args[0]) from None
        except ModuleNotFoundError:
            raise UsageProblem(f"agent '{name}' is registered but not installed yet "
                               f"(gridrl/agents/{REGISTRY[name].module}.py is missing)") from None  # fmt: skip
        if the_level.kind not in classes[name].level_kinds:
            raise UsageProblem(f"agent '{name}' runs on {' and '.join(classes[name].level_kinds)} levels; "
                               f"'{the_level.name}' is a {the_level.kind}")  # fmt: skip
    params = parse_agent_sets(sets, names)
    for name in names:
        try:
            make_config(classes[name].Config, params[name])
        except HyperparameterError as err:
            raise UsageProblem(f"{name}: {err}") from None
    for flag, value in (("episodes", episodes), ("steps", steps), ("updates", updates), ("runs", runs),
                        ("smooth", smooth)):  # fmt: skip
        if value is not None and value < 1:
            raise UsageProblem(f"--{flag} must be at least 1, got {value}")

    is_bandit = isinstance(the_level, BanditLevel)
    if episodes is not None:
        budget = Budget("episode", episodes)
    elif steps is not None:
        budget = Budget("step", steps)
    elif updates is not None:
        budget = Budget("update", updates)
    else:
        budget = Budget("step", the_level.steps) if is_bandit else Budget("episode", DEFAULT_EPISODES)
    vectorised = all(cls.vectorized_runs for cls in classes.values())
    probe_every = None
    if is_bandit and vectorised:
        n_runs = runs or DEFAULT_BANDIT_RUNS
        metrics = ["mean_reward", "optimal_action"]
        if budget.unit == "episode":
            budget = Budget("step", budget.count * the_level.steps)
    elif is_bandit:
        if runs not in (None, 1):
            raise UsageProblem("--runs applies when every compared agent is a bandit agent "
                               "(epsilon-greedy, ucb, gradient-bandit, thompson); use --seeds")  # fmt: skip
        if the_level.testbed is not None:
            raise UsageProblem(f"'{the_level.name}' draws new arms per run; comparing "
                               f"{', '.join(n for n, c in classes.items() if not c.vectorized_runs)} "
                               "needs a bandit with fixed arms (e.g. bernoulli_3)")  # fmt: skip
        n_runs = 1
        probe_every = max(1, budget.count // PROBES)
        metrics = ["policy_value", "policy_optimal"]
    else:
        if runs not in (None, 1):
            raise UsageProblem("--runs is for bandit agents; on a gridworld use --seeds")
        n_runs = 1
        metrics = ["returns_vs_steps"] if budget.unit == "step" else ["episode_returns", "episode_lengths"]
    specs = tuple(AgentSpec(label=n, agent=n, params=params[n]) for n in names)
    scale = Scale(budget, seeds, n_runs)
    run = RunStep(agents=specs, level=the_level, level_source=str(level), full=scale, quick=scale,
                  probe_every=probe_every)  # fmt: skip
    default_smooth = max(1, budget.count // 50) if not is_bandit else max(1, budget.count // 100)
    window = smooth or default_smooth
    labels = tuple(names)
    plots = []
    for metric in metrics:
        plots.append(PlotStep(
            metric=metric, curves=labels, title=f"{metric_label(metric)} on {the_level.name}",
            xlabel={"episode": "Episodes", "step": "Steps"}.get(metric_x(metric), f"{budget.unit.capitalize()}s"),
            ylabel=metric_label(metric), smooth=window if not metric.startswith("policy_") else 1,
            percent=metric in ("optimal_action", "policy_optimal"), file=f"compare_{metric}.png",
        ))  # fmt: skip
    settings = "; ".join(
        f"{n}: " + (", ".join(f"{k}={v}" for k, v in params[n].items()) or "defaults") for n in names
    )
    explanation = (
        f"{', '.join(names)} on '{the_level.name}', {seeds} seed{'s' * (seeds != 1)} each "
        f"(seeds {seed} to {seed + seeds - 1}), {budget.text()} per seed"
        + (f", {n_runs} runs per seed" if n_runs > 1 else "")
        + f". Hyperparameters: {settings}.\n\n"
        "Each curve is the mean over seeds; the shaded band is the 95% confidence interval of that "
        "mean (Student's t over seeds), so two curves whose bands do not overlap differ for real, "
        "not by the luck of the seeds."
    )
    return Lesson(
        name="compare", path=Path("compare"), title=f"Compare {', '.join(names)} on {the_level.name}",
        figure="gridrl compare", explanation=explanation,
        steps=(LevelStep(the_level, str(level)), run, *plots), seed=seed,
    )  # fmt: skip
