"""Parameter studies in lessons: the study step's validation, its numbers recomputed by hand from
each run, the measures of study checks, and Figure 7.2's quick lesson from the command line."""

from __future__ import annotations

import csv
import json
import math
import textwrap

import numpy as np
import pytest

from gridrl.lessons import LessonError, load_lesson, parse_lesson
from gridrl.lessons.commands import main
from gridrl.lessons.model import StudyStep
from gridrl.lessons.runner import Task, _once, execute, run_lesson
from gridrl.lessons.stats import t_quantile_975

STUDY = """\
title: A tiny study
figure: nowhere, Figure 0.2
explanation: TD(0) and 2-step TD on the 5-state walk, three step sizes each.
steps:
  - level: random_walk_5
  - study:
      agents:
        - {label: "n = 1", agent: n-step-td, params: {policy: moves, n: 1}, vary: {alpha: [0.1, 0.2, 0.4]}}
        - {label: "n = 2", agent: n-step-td, params: {policy: moves, n: 2}, vary: {alpha: [0.1, 0.2, 0.4]}}
      episodes: 6
      seeds: 3
      metric: update:rms_error
      window: [2, 5]
      quick: {seeds: 2}
  - plot: {file: tiny}
  - check:
      claim: n = 2 has the lower error at its best alpha
      measure: min
      order: ["n = 1", "n = 2"]
  - check:
      claim: the best alpha
      measure: argmin
      published: {"n = 1": 0.4}
      tolerance: 0.0
  - check:
      claim: the value at alpha = 0.2
      measure: at
      at: 0.2
      published: {"n = 1": 0.2}
      tolerance: 1.0
"""


def parse(text: str) -> object:
    return parse_lesson(textwrap.dedent(text), source="lesson.yaml")


def error(text: str) -> LessonError:
    with pytest.raises(LessonError) as info:
        parse(text)
    return info.value


def replace(old: str, new: str) -> str:
    assert old in STUDY, old
    return STUDY.replace(old, new)


def line_of(text: str, fragment: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if fragment in line)


# --------------------------------------------------------------------------------- the format


def test_a_study_step_reads_into_its_grid():
    lesson = parse(STUDY.replace("[0.1, 0.2, 0.4]}}\n        - {label: \"n = 2\"",
                                 "{powers_of_2: [-3, 0]}}}\n        - {label: \"n = 2\"")
                   .replace("at: 0.2", "at: 0.25"))  # fmt: skip
    (study,) = lesson.studies
    assert isinstance(study, StudyStep)
    assert [a.values for a in study.agents] == [(0.125, 0.25, 0.5, 1), (0.1, 0.2, 0.4)]
    assert study.agents[0].parameter == "alpha" and study.agents[0].params == {"policy": "moves", "n": 1}
    assert study.agents[1].params_at(0.2) == {"policy": "moves", "n": 2, "alpha": 0.2}
    assert (study.full.seeds, study.quick.seeds, study.full.budget.count, study.quick.budget.count) == (3, 2, 6, 6)
    assert study.window == (2, 5) and study.last is None and study.metric == "update:rms_error"
    assert lesson.labels == ["n = 1", "n = 2"]
    plot = lesson.steps[2]
    assert plot.study and plot.metric == "update:rms_error" and plot.xlabel == "alpha"
    assert [c.measure for c in lesson.checks] == ["min", "argmin", "at"] and lesson.checks[2].at == 0.25


@pytest.mark.parametrize(
    ("old", "new", "where", "message"),
    [
        ("      seeds: 3\n", "      seeds: 3\n      sedes: 4\n", "sedes: 4",
         "unknown key 'sedes' in a 'study' step. Did you mean 'seeds'?"),
        ("vary: {alpha: [0.1, 0.2, 0.4]}}\n        - {label: \"n = 2\"",
         "vary: {alhpa: [0.1, 0.2, 0.4]}}\n        - {label: \"n = 2\"", "alhpa",
         "unknown hyperparameter 'alhpa'; did you mean 'alpha'?"),
        ("vary: {alpha: [0.1, 0.2, 0.4]}}\n        - {label: \"n = 2\"",
         "vary: {alpha: []}}\n        - {label: \"n = 2\"", "alpha: []", "needs at least one value of 'alpha'"),
        ("vary: {alpha: [0.1, 0.2, 0.4]}}\n        - {label: \"n = 2\"",
         "vary: {alpha: [0.1], n: [1]}}\n        - {label: \"n = 2\"", "alpha: [0.1], n: [1]",
         "'vary' names ONE hyperparameter"),
        ("vary: {alpha: [0.1, 0.2, 0.4]}}\n        - {label: \"n = 2\"",
         "vary: {alpha: [0.2, 0.1]}}\n        - {label: \"n = 2\"", "[0.2, 0.1]", "must increase"),
        ("vary: {alpha: [0.1, 0.2, 0.4]}}\n        - {label: \"n = 2\"",
         "vary: {alpha: [0.1, 1.5]}}\n        - {label: \"n = 2\"", "[0.1, 1.5]",
         "agent 'n-step-td': alpha must be a number in (0, 1], got 1.5"),
        ("vary: {alpha: [0.1, 0.2, 0.4]}}\n        - {label: \"n = 2\"",
         "vary: {alpha: {powers_of_2: [1, -1]}}}\n        - {label: \"n = 2\"", "powers_of_2",
         "whole exponents with first <= last"),
        ("params: {policy: moves, n: 1}, vary", "params: {policy: moves, n: 1, alpha: 0.1}, vary", "n = 1",
         "'alpha' is both in 'params' and in 'vary'"),
        ("{label: \"n = 1\", agent: n-step-td, params: {policy: moves, n: 1}, vary: {alpha: [0.1, 0.2, 0.4]}}",
         "{label: \"n = 1\", agent: n-step-td, params: {policy: moves, n: 1}}", "n = 1", "with 'vary' naming"),
        ("      window: [2, 5]\n", "      window: [5, 2]\n", "window: [5, 2]", "first <= last"),
        ("      window: [2, 5]\n", "", "      agents:", "needs 'window: [first, last]' (or 'last: N')"),
        ("      metric: update:rms_error\n      window: [2, 5]\n",
         "      metric: episode_lengths\n      window: [1, 8]\n", "window: [1, 8]",
         "'window' reaches episode 8, but the study runs only 6 episodes"),
        ("      metric: update:rms_error\n", "      metric: values\n", "metric: values",
         "a study on a gridworld level reduces one of the metrics"),
        ("  - plot: {file: tiny}\n", "  - plot: {file: tiny, smooth: 3}\n", "smooth: 3", "leave 'smooth' out"),
        ("  - plot: {file: tiny}\n", "  - plot: {file: tiny, metric: episode_returns}\n", "metric: episode_returns",
         "the studies of these curves measure update:rms_error"),
        ("      measure: min\n", "      measure: mean\n", "measure: mean",
         "a check of study curves measures min, argmin, max, argmax, at"),
        ("      at: 0.2\n", "      at: 0.3\n", "at: 0.3", "'at: 0.3' is not among the values of 'alpha'"),
        ("      measure: at\n      at: 0.2\n", "      measure: at\n", "claim: the value at", "needs 'at: VALUE'"),
        ("      measure: min\n", "      measure: min\n      window: [1, 2]\n", "window: [1, 2]",
         "the study's own 'window' already made each run one number"),
    ],
)  # fmt: skip
def test_bad_studies_say_where_and_how_to_fix(old, new, where, message):
    text = replace(old, new)
    err = error(text)
    assert message in str(err), str(err)
    assert err.line == line_of(text, where), (str(err), where)


def test_a_plot_or_check_does_not_mix_study_and_run_curves():
    text = STUDY + (
        "  - run:\n"
        "      agents: [{label: TD, agent: td-prediction, params: {policy: moves}}]\n"
        "      episodes: 5\n"
        '  - plot: {metric: update:rms_error, curves: [TD, "n = 1"], file: mixed}\n'
    )
    err = error(text)
    assert "mixes study curves ('n = 1') with run curves ('TD')" in str(err)


def test_a_study_needs_a_level_and_is_enough_to_make_a_lesson():
    err = error(replace("  - level: random_walk_5\n", ""))
    assert "a 'study' step needs a level" in str(err)
    lesson = parse(STUDY)
    assert not lesson.runs and len(lesson.studies) == 1


# --------------------------------------------------------------------------------- the numbers


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    out = tmp_path_factory.mktemp("tiny")
    lesson = parse_lesson(STUDY, source=str(out / "tiny.yaml"), name="tiny")
    return run_lesson(lesson, out, workers=1, progress=False), out


def test_each_run_s_number_is_the_mean_of_its_curve_over_the_window(tiny):
    """Every cell recomputed independently: the run trained again from its task, its RMS error
    after episodes 2..5 averaged by hand."""
    result, _ = tiny
    study = result.lesson.studies[0]
    for agent in study.agents:
        curve = result.studies[agent.label]
        assert curve.numbers.shape == (3, 3) and curve.seeds == [0, 1, 2]
        for j, alpha in enumerate(agent.values):
            for i, seed in enumerate(curve.seeds):
                task = Task(index=0, label="", agent="n-step-td", params={"policy": "moves", "n": agent.params["n"],
                            "alpha": alpha}, level=study.level, seed=seed, runs=1, unit="episode", count=6,
                            update_keys=("rms_error",))  # fmt: skip
                rms = execute(task)["curves"]["update:rms_error"]
                assert len(rms) == 6
                assert curve.numbers[i, j] == pytest.approx(sum(rms[1:5]) / 4, abs=1e-15)
    # different seeds are different walks; the same seed is the same walk at every alpha
    assert len(set(result.studies["n = 1"].numbers[:, 0])) == 3


def test_study_checks_measure_the_seed_means(tiny):
    result, _ = tiny
    mean = {label: c.numbers.mean(axis=0) for label, c in result.studies.items()}
    least, best_alpha, at_02 = result.checks
    assert least.order_measured == {"n = 1": pytest.approx(mean["n = 1"].min()),
                                    "n = 2": pytest.approx(mean["n = 2"].min())}  # fmt: skip
    assert least.order_ok == (mean["n = 1"].min() > mean["n = 2"].min())
    assert best_alpha.rows[0]["measured"] == (0.1, 0.2, 0.4)[int(np.argmin(mean["n = 1"]))]
    assert at_02.rows[0]["measured"] == pytest.approx(mean["n = 1"][1])
    # on the 5-state walk from V = 0 a larger alpha learns faster within 5 walks: n = 1 is best at 0.4
    assert best_alpha.ok and list(mean["n = 1"]) == sorted(mean["n = 1"], reverse=True)


def test_the_csv_and_curves_json_hold_the_numbers_drawn(tiny):
    result, out = tiny
    with (out / "tiny.csv").open() as f:
        rows = list(csv.DictReader(f))
    assert [(r["curve"], r["parameter"], float(r["value"])) for r in rows] == [
        (label, "alpha", v) for label in ("n = 1", "n = 2") for v in (0.1, 0.2, 0.4)]  # fmt: skip
    Y = result.studies["n = 2"].numbers
    half = t_quantile_975(2) * Y.std(axis=0, ddof=1) / math.sqrt(3)
    for r, m, h in zip(rows[3:], Y.mean(axis=0), half):
        assert float(r["mean"]) == pytest.approx(m, abs=1e-6) and r["seeds"] == "3"
        assert float(r["ci_high"]) - float(r["ci_low"]) == pytest.approx(2 * h, abs=2e-6)
    doc = json.loads((out / "curves.json").read_text())["studies"]["n = 2"]
    assert doc["parameter"] == "alpha" and doc["values"] == [0.1, 0.2, 0.4]
    assert np.allclose(doc["per_seed"], Y, rtol=0, atol=1e-15)
    report = (out / "report.md").read_text()
    assert "| n = 2 | n-step-td | policy=moves, n=2, alpha in {0.1, 0.2, 0.4} |" in report


def test_two_studies_of_the_same_grid_train_it_once():
    """Figure 6.3's interim and asymptotic curves come from the same runs."""
    ran: list[int] = []

    def backend(tasks, bar):
        ran.extend(t.seed for t in tasks)
        return [{"seed": t.seed} for t in tasks]

    run = _once(backend)
    level = load_lesson("figure_6_2").runs[0].level
    tasks = [Task(index=i, label=label, agent="td-prediction", params={"alpha": 0.1}, level=level, seed=i % 2,
                  runs=1, unit="episode", count=3) for i, label in enumerate(["a", "a", "b", "b"])]  # fmt: skip
    assert run(tasks[:2], None) == [{"seed": 0}, {"seed": 1}]
    assert run(tasks[2:], None) == [{"seed": 0}, {"seed": 1}]  # the same runs under another label
    assert ran == [0, 1]
    other = Task(index=9, label="c", agent="td-prediction", params={"alpha": 0.2}, level=level, seed=0, runs=1,
                 unit="episode", count=3)  # fmt: skip
    assert run([other], None) == [{"seed": 0}] and ran == [0, 1, 0]


# --------------------------------------------------------------------------------- Figure 7.2


def test_figure_7_2_quick_passes_its_checks_from_the_command_line(tmp_path, capsys):
    assert main(["lesson", "run", "figure_7_2", "--quick", "--quiet", "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert "[ok] the best n is intermediate" in printed and "FAIL" not in printed
    checks = json.loads((tmp_path / "checks.json").read_text())
    best = next(c for c in checks if c["claim"].startswith("the best n"))
    assert best["order_measured"]["n = 512"] > best["order_measured"]["n = 1"] > best["order_measured"]["n = 4"]
    assert (tmp_path / "figure_7_2_rms.png").read_bytes()[:4] == b"\x89PNG"
