"""Every bundled lesson in its reduced form (--quick): it runs, writes its figures and reports,
and reproduces the qualitative result its checks state (orderings, converged values).

The full-size runs, against the published numbers, are bench/lessons_full.py.
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys

import numpy as np
import pytest

from gridrl.agents import REGISTRY
from gridrl.lessons import lesson_names, load_lesson
from gridrl.lessons.runner import execute, run_lesson, run_tasks

NAMES = lesson_names()


def _skip_if_agents_missing(lesson) -> None:
    if lesson.missing_agents:
        modules = ", ".join(f"gridrl/agents/{REGISTRY[a].module}.py" for a in lesson.missing_agents)
        pytest.skip(f"lesson '{lesson.name}' needs agent(s) {', '.join(lesson.missing_agents)}, "
                    f"not written yet ({modules} missing)")  # fmt: skip


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory):
    """Each bundled lesson run once, quick, in this process; shared by the tests below."""
    cache: dict[str, tuple] = {}

    def get(name: str):
        if name not in cache:
            lesson = load_lesson(name)
            _skip_if_agents_missing(lesson)
            out = tmp_path_factory.mktemp(name)
            cache[name] = (run_lesson(lesson, out, quick=True, workers=1, progress=False), out)
        return cache[name]

    return get


@pytest.mark.parametrize("name", NAMES)
def test_quick_lesson_reproduces_its_qualitative_result(name, quick_results):
    result, out = quick_results(name)
    failed = [(c.check.claim, c.rows, c.order_measured, c.error) for c in result.checks if not c.ok]
    assert not failed, failed
    assert any(not c.skipped for c in result.checks), "the quick form checks something"
    for file, _ in result.images + result.animations:
        assert (out / file).stat().st_size > 1000, file
    for name_ in ("report.md", "index.html", "curves.json", "checks.json", "lesson.yaml"):
        assert (out / name_).is_file()
    report = (out / "report.md").read_text()
    assert result.lesson.title in report and result.lesson.figure in report
    for file, _ in result.images:
        assert f"]({file})" in report and f'src="{file}"' in (out / "index.html").read_text()
        assert (out / file).with_suffix(".csv").is_file()


def test_cliff_walking_sarsa_beats_q_learning_online_and_paths_differ(quick_results):
    result, out = quick_results("cliff_walking")
    sarsa = result.curves["Sarsa"].curve("episode_returns")[1][:, -100:].mean()
    q = result.curves["Q-learning"].curve("episode_returns")[1][:, -100:].mean()
    assert -35 < sarsa < -18 and -70 < q < -35 and sarsa > q + 10
    assert np.median(result.curves["Q-learning"].path_lengths()) == 13  # along the edge
    assert np.median(result.curves["Sarsa"].path_lengths()) > 13  # the safe way round
    assert (out / "cliff_walking_paths.gif").read_bytes()[:6] in (b"GIF89a", b"GIF87a")
    with (out / "cliff_walking_returns.csv").open() as f:
        header = next(csv.reader(f))
    assert header == ["episode", "Sarsa mean", "Sarsa ci_low", "Sarsa ci_high",
                      "Q-learning mean", "Q-learning ci_low", "Q-learning ci_high"]  # fmt: skip


def test_figure_4_1_converges_to_the_book_s_values(quick_results):
    result, _ = quick_results("figure_4_1")
    curve = result.curves["random policy"]
    assert curve.values(None)[0].round(6).tolist() == [0.0, -14.0, -20.0, -22.0]
    assert curve.values(1)[1].tolist() == [-1.0] * 4
    assert curve.values(2)[0, 1] == pytest.approx(-1.75)


def test_figure_2_2_more_exploration_finds_the_best_arm_more_often(quick_results):
    result, _ = quick_results("figure_2_2")
    optimal = {label: c.curve("optimal_action")[1][:, -100:].mean() for label, c in result.curves.items()}
    assert optimal["epsilon = 0.1"] > optimal["epsilon = 0.01"] > optimal["epsilon = 0 (greedy)"]


def test_lessons_are_deterministic_and_the_same_in_parallel(tmp_path):
    """Same seeds, same numbers, whether the seeds run here or in two worker processes."""
    lesson = load_lesson("windy_gridworld")
    run = lesson.runs[0]
    from gridrl.lessons.runner import Task

    tasks = [Task(index=i, label="Sarsa", agent="sarsa", params={"epsilon": 0.1, "alpha": 0.5},
                  level=run.level, seed=i, runs=1, unit="step", count=1500,
                  extra_metrics=("episodes_vs_steps",)) for i in range(3)]  # fmt: skip
    serial_done: list[int] = []
    parallel_done: list[int] = []
    serial = run_tasks(tasks, workers=1, bar=serial_done.append)
    parallel = run_tasks(tasks, workers=2, bar=parallel_done.append)
    assert serial_done == list(range(1, 4501))  # the bar hears of every step done, counted from the start
    assert parallel_done == [1500, 3000, 4500]  # ... or of every task a worker finished
    again = [execute(t) for t in tasks]
    for a, b, c in zip(serial, parallel, again):
        for key in ("episode_returns", "episode_lengths", "episodes_vs_steps"):
            assert np.array_equal(a["curves"][key], b["curves"][key])
            assert np.array_equal(a["curves"][key], c["curves"][key])
    assert not np.array_equal(serial[0]["curves"]["episode_lengths"], serial[1]["curves"]["episode_lengths"])


def test_a_lesson_leaves_matplotlib_s_backend_alone(tmp_path):
    """The figures are drawn without pyplot, so a notebook that runs a lesson keeps its inline
    plots: the process-wide backend stays the one the user chose (here svg), in a fresh process."""
    code = ("import matplotlib; from gridrl.lessons import load_lesson; from gridrl.lessons.runner import run_lesson\n"
            f"run_lesson(load_lesson('figure_4_1'), {str(tmp_path)!r}, quick=True, workers=1, progress=False)\n"
            "print(matplotlib.get_backend())")  # fmt: skip
    env = {**os.environ, "MPLBACKEND": "svg"}
    proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "svg"
    assert (tmp_path / "figure_4_1_values.png").read_bytes()[:4] == b"\x89PNG"


def test_the_matplotlib_path_animation_draws_each_step(tmp_path):
    """The fallback animation (used when pygame cannot draw): one frame per step of the
    longest path, each frame different from the one before while the path grows."""
    from PIL import Image, ImageChops

    from gridrl.lessons.animate import _matplotlib_gif
    from gridrl.levels import load_level

    level = load_level("corridor")
    paths = {"a": [0, 1, 2, 3], "b": [0, 1]}
    gif, still = tmp_path / "p.gif", tmp_path / "p.png"
    _matplotlib_gif(level, ["a", "b"], paths, 4, gif, still, fps=4)
    frames = Image.open(gif)
    assert frames.n_frames == 4
    pictures = []
    for i in range(4):
        frames.seek(i)
        pictures.append(frames.convert("RGB"))
    assert all(ImageChops.difference(p, q).getbbox() for p, q in zip(pictures, pictures[1:]))
    assert Image.open(still).size == pictures[0].size
