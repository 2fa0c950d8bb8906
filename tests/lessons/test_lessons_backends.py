"""Backends: a lesson's files are the same whether its tasks ran in the local process pool or on
a Ray cluster; without Ray, asking for it says how to install it; nothing else imports Ray."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from gridrl.lessons import parse_lesson
from gridrl.lessons.backends import BackendUnavailable, open_backend
from gridrl.lessons.commands import main
from gridrl.lessons.runner import run_lesson

#: A run (bandit, vectorised runs), a bandit study and a gridworld study: every path a task takes.
LESSON = """\
title: Backends agree
figure: nowhere, Figure 0.3
explanation: A small run and two small studies.
steps:
  - level: ten_armed_testbed
  - run:
      agents: [{label: greedy, agent: epsilon-greedy, params: {epsilon: 0.0}}]
      steps: 50
      seeds: 2
      runs: 20
  - plot: {metric: mean_reward, file: run}
  - study:
      agents: [{label: UCB, agent: ucb, vary: {c: {powers_of_2: [-1, 1]}}}]
      steps: 50
      seeds: 2
      runs: 20
      metric: mean_reward
      window: [1, 50]
  - plot: {curves: [UCB], xscale: log2, file: ucb}
  - level: random_walk_5
  - study:
      agents: [{label: "n = 2", agent: n-step-td, params: {policy: moves, n: 2}, vary: {alpha: [0.1, 0.3]}}]
      episodes: 4
      seeds: 3
      metric: update:rms_error
      window: [1, 4]
  - plot: {curves: ["n = 2"], file: walk}
  - check: {claim: the best c, measure: argmax, curves: [UCB], published: {UCB: 1}, tolerance: 1}
"""
#: The one line of the reports that may differ: wall-clock time and who ran it.
MADE_BY = re.compile(r"^.*Made by .*$", re.MULTILINE)


def _run(tmp_path, name: str, backend: str):
    out = tmp_path / name
    lesson = parse_lesson(LESSON, source=str(tmp_path / "backends.yaml"), name="backends")
    result = run_lesson(lesson, out, workers=2, progress=False, backend=backend)
    return result, out


def test_the_files_are_identical_on_the_local_pool_and_on_a_ray_cluster(tmp_path):
    pytest.importorskip("ray")
    local, local_out = _run(tmp_path, "local", "local")
    ray, ray_out = _run(tmp_path, "ray", "ray")
    assert local.ok and ray.ok and ray.backend == "ray"
    for name in ("run.csv", "ucb.csv", "walk.csv", "curves.json", "checks.json"):
        assert (local_out / name).read_bytes() == (ray_out / name).read_bytes(), name
    for name in ("report.md", "index.html"):
        texts = [MADE_BY.sub("", (out / name).read_text()) for out in (local_out, ray_out)]
        assert texts[0] == texts[1], name
    assert "with the ray backend" in (ray_out / "report.md").read_text()


def test_without_ray_the_ray_backend_says_how_to_install_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now raises ImportError
    with pytest.raises(BackendUnavailable, match=re.escape('pip install "gridrl[ray]"')):
        with open_backend("ray", 1):
            pass
    assert main(["lesson", "run", "figure_7_2", "--backend", "ray", "--quiet", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gridrl: the ray backend needs Ray") and "Traceback" not in err
    assert not any(tmp_path.iterdir())  # nothing ran


def test_a_ray_address_goes_with_the_ray_backend(tmp_path, capsys):
    assert main(["lesson", "run", "figure_7_2", "--ray-address", "10.0.0.5:6379", "--out", str(tmp_path)]) == 2
    assert "--ray-address goes with --backend ray" in capsys.readouterr().err
    with pytest.raises(BackendUnavailable, match="unknown backend 'dask'"):
        with open_backend("dask", 1):
            pass


def test_only_the_ray_backend_imports_ray():
    """Loading and running a lesson locally, and the CLI's lesson commands, never import Ray."""
    code = (
        "import sys\n"
        "from gridrl.lessons import parse_lesson\n"
        "from gridrl.lessons.commands import build_parser\n"
        "from gridrl.lessons.runner import run_lesson\n"
        "build_parser()\n"
        f"run_lesson(parse_lesson({LESSON!r}), None, workers=1, progress=False)\n"
        "print('ray' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "False"
