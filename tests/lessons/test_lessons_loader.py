"""Lesson files: every bundled lesson loads; bad lessons give LessonError with file, line, fix."""

from __future__ import annotations

import dataclasses
import textwrap
from pathlib import Path

import pytest

from gridrl.agents import REGISTRY
from gridrl.lessons import LESSONS_DIR, LessonError, lesson_names, lesson_path, load_lesson, parse_lesson
from gridrl.lessons.model import INF, CheckStep, PlotStep, RunStep

NAMES = lesson_names()

GOOD = """\
title: A tiny lesson
figure: nowhere, Figure 0.1
explanation: Two agents on the corridor.
steps:
  - level: corridor
  - run:
      agents:
        - {label: Sarsa, agent: sarsa, params: {epsilon: 0.1}}
        - q-learning
      episodes: 20
      seeds: 2
  - plot: {metric: episode_returns}
  - check:
      claim: both finish
      metric: episode_lengths
      order: [q-learning, Sarsa]
"""


def parse(text: str, **kwargs) -> object:
    return parse_lesson(textwrap.dedent(text), source="lesson.yaml", **kwargs)


def error(text: str) -> LessonError:
    with pytest.raises(LessonError) as info:
        parse(text)
    return info.value


def replace(old: str, new: str) -> str:
    assert old in GOOD
    return GOOD.replace(old, new)


# --------------------------------------------------------------------------------- bundled


def test_the_issue_s_lessons_are_bundled():
    assert {"figure_2_2", "figure_2_4", "figure_2_5", "figure_4_1", "cliff_walking", "windy_gridworld",
            "reinforce_baseline", "gae_lambda", "ppo_constraints", "grpo_vs_ppo"} <= set(NAMES)  # fmt: skip
    assert LESSONS_DIR.name == "lessons" and LESSONS_DIR.parent.joinpath("levels").is_dir()


@pytest.mark.parametrize("name", NAMES)
def test_bundled_lesson_loads_and_states_what_it_reproduces(name):
    lesson = load_lesson(name, check_agents=False)
    assert lesson.title and lesson.figure and len(lesson.explanation) > 80
    assert lesson.runs or lesson.studies, "a lesson trains something"
    assert any(isinstance(s, PlotStep) for s in lesson.steps), "a lesson draws its figure"
    assert lesson.checks, "a lesson states the published result it must match"
    for run in [*lesson.runs, *lesson.studies]:  # the quick form is smaller than the full one, never larger
        assert run.quick.seeds <= run.full.seeds and run.quick.budget.count <= run.full.budget.count
        quick = run.quick.seeds * run.quick.runs * run.quick.budget.count
        full = run.full.seeds * run.full.runs * run.full.budget.count
        assert quick < full or (run.full == run.quick and getattr(run, "values_at", ()))  # DP runs are cheap


@pytest.mark.parametrize("name", NAMES)
def test_bundled_lesson_hyperparameters_are_valid_for_installed_agents(name):
    lesson = load_lesson(name)  # builds every installed agent's Config: raises on a bad value
    for agent in lesson.missing_agents:
        assert agent in REGISTRY


def test_figure_numbers_and_paths_find_lessons(tmp_path):
    assert lesson_path("6.4").stem == "cliff_walking"
    assert lesson_path("4.1").stem == "figure_4_1"
    assert lesson_path("2.2").stem == "figure_2_2"
    copy = tmp_path / "mine.yaml"
    copy.write_text(GOOD)
    assert load_lesson(str(copy)).title == "A tiny lesson"
    with pytest.raises(LessonError, match="Did you mean 'cliff_walking'"):
        lesson_path("cliff_walkin")


def test_a_good_lesson_becomes_steps_in_order():
    lesson = parse(GOOD)
    kinds = [type(s).__name__ for s in lesson.steps]
    assert kinds == ["LevelStep", "RunStep", "PlotStep", "CheckStep"]
    run = lesson.steps[1]
    assert isinstance(run, RunStep)
    assert [a.label for a in run.agents] == ["Sarsa", "q-learning"]  # a bare name labels itself
    assert run.full.budget.unit == "episode" and run.full.budget.count == 20 and run.quick == run.full
    check = lesson.steps[3]
    assert isinstance(check, CheckStep) and check.curves == ("q-learning", "Sarsa")


# --------------------------------------------------------------------------------- errors


def test_unknown_top_level_key_suggests_the_right_one():
    err = error(GOOD.replace("explanation:", "explanaton:"))
    assert "unknown key 'explanaton'" in str(err) and "Did you mean 'explanation'?" in str(err)
    assert err.source == "lesson.yaml" and err.line == 3 and err.column == 1


def test_unknown_step_and_step_key():
    err = error(replace("  - plot: {metric: episode_returns}", "  - plott: {metric: episode_returns}"))
    assert "unknown step 'plott'" in str(err) and "Did you mean 'plot'?" in str(err) and err.line == 12
    err = error(replace("      seeds: 2", "      seed: 2"))
    assert "unknown key 'seed' in a 'run' step" in str(err) and "Did you mean 'seeds'?" in str(err)
    assert err.line == 11


def test_unknown_agent_and_level():
    err = error(replace("agent: sarsa", "agent: sarza"))
    assert "unknown agent 'sarza'" in str(err) and "Did you mean 'sarsa'?" in str(err) and err.line == 8
    err = error(replace("level: corridor", "level: coridor"))
    assert "no level 'coridor'" in str(err) and "Did you mean 'corridor'?" in str(err) and err.line == 5


def test_bad_hyperparameter_points_at_its_key():
    err = error(replace("epsilon: 0.1", "epsilon: 1.5"))
    assert "agent 'sarsa'" in str(err) and "epsilon must be a number in [0, 1]" in str(err)
    err = error(replace("epsilon: 0.1", "epsilonn: 0.1"))
    assert "unknown hyperparameter 'epsilonn'" in str(err) and "did you mean 'epsilon'" in str(err)
    assert err.line == 8


def test_agent_and_level_kinds_must_fit():
    err = error(replace("level: corridor", "level: ten_armed_testbed"))
    assert "agent 'sarsa' runs on gridworld levels; 'Ten-armed testbed" in str(err)
    err = error(replace("      seeds: 2", "      seeds: 2\n      runs: 10"))
    assert "only the bandit agents do" in str(err)


def test_labels_must_exist_and_be_unique():
    err = error(replace("order: [q-learning, Sarsa]", "order: [q-learning, Sarssa]"))
    assert "no curve labelled 'Sarssa'" in str(err) and "Did you mean 'Sarsa'?" in str(err)
    err = error(replace("        - q-learning", "        - {label: Sarsa, agent: q-learning}"))
    assert "the label 'Sarsa' is used twice" in str(err)


def test_metrics_are_checked_against_the_level_and_the_run():
    err = error(replace("{metric: episode_returns}", "{metric: episode_retuns}"))
    assert "unknown metric 'episode_retuns'" in str(err) and "Did you mean 'episode_returns'?" in str(err)
    err = error(replace("{metric: episode_returns}", "{metric: mean_reward}"))
    assert "does not apply to 'Sarsa' on a gridworld level" in str(err)
    err = error(replace("{metric: episode_returns}", "{metric: values}"))
    assert "needs 'values_at'" in str(err)


def test_budget_and_quick_are_checked():
    err = error(replace("      episodes: 20\n", ""))
    assert "needs a budget" in str(err)
    err = error(replace("      episodes: 20\n", "      episodes: 20\n      steps: 10\n"))
    assert "takes one budget, got episodes and steps" in str(err)
    err = error(replace("      seeds: 2", "      seeds: 2\n      quick: {steps: 5}"))
    assert "'quick' must count episodes like the full run" in str(err)
    err = error(replace("      seeds: 2", "      seeds: 0"))
    assert "'seeds' must be between 1 and" in str(err)


def test_a_lessons_budget_is_the_levels_budget():
    """One Budget class: a lesson's run and a level's ``recommended:`` block count alike."""
    from gridrl.levels import Budget, load_level, recommended_for

    budget = load_lesson("cliff_walking").runs[0].full.budget
    assert type(budget) is Budget and budget == Budget("episode", 500) and budget.text() == "500 episodes"
    corridor = load_level(Path(__file__).parents[1] / "levels" / "data" / "recommended_corridor.yaml")
    assert type(recommended_for(corridor, "q-learning").budget) is type(budget)


def test_checks_need_published_values_with_tolerances_or_an_order():
    err = error(replace("      order: [q-learning, Sarsa]\n", ""))
    assert "needs 'published' values" in str(err)
    err = error(replace("      order: [q-learning, Sarsa]\n", "      published: {Sarsa: 1}\n"))
    assert "need a 'tolerance'" in str(err)


def test_values_at_needs_sweeps():
    text = """\
    title: t
    figure: f
    explanation: e
    steps:
      - level: small_gridworld
      - run:
          agents: [policy-evaluation]
          steps: 3
          values_at: [0, 1]
    """
    with pytest.raises(LessonError, match="'values_at' counts updates"):
        parse(text)
    lesson = parse(text.replace("steps: 3", "updates: 3").replace("[0, 1]", "[0, 1, inf]"))
    assert lesson.runs[0].values_at == (0, 1, INF)
    with pytest.raises(LessonError, match="must increase"):
        parse(text.replace("steps: 3", "updates: 3").replace("[0, 1]", "[2, 1]"))


def test_inline_level_errors_point_into_the_lesson_file():
    text = """\
    title: t
    figure: f
    explanation: e
    steps:
      - level:
          kind: gridworld
          layout: |
            S.Q
      - run: {agents: [sarsa], episodes: 1}
      - check: {claim: c, metric: episode_returns, order: [sarsa]}
    """
    err = error(text)
    assert "inline level" in str(err) and "'Q'" in str(err)
    assert err.source == "lesson.yaml" and err.line == 8


def test_not_yaml_not_a_mapping_and_tags():
    assert "YAML syntax error" in str(error("title: [unclosed\n"))
    assert "a lesson file is a YAML mapping" in str(error("- just\n- a list\n"))
    assert "is not allowed: lesson files are plain YAML" in str(error("title: !!python/object:os.system x\n"))
    assert "the file is empty" in str(error("   \n"))
    assert "duplicate key 'title'" in str(error("title: a\ntitle: b\n"))


def test_a_missing_agent_module_is_noted_not_fatal(monkeypatch):
    monkeypatch.setitem(REGISTRY, "sarsa", dataclasses.replace(REGISTRY["sarsa"], target="not_written_yet:Sarsa"))
    lesson = parse(GOOD)
    assert lesson.missing_agents == ("sarsa",)
    from gridrl.lessons.runner import LessonUnavailable, run_lesson

    with pytest.raises(LessonUnavailable, match=r"needs the agent 'sarsa'.*not_written_yet\.py"):
        run_lesson(lesson, None, workers=1, progress=False)
