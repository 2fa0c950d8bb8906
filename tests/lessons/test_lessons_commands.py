"""``gridrl lesson list|run`` and ``gridrl compare``, through a parser built with add_commands."""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import sys

import pytest

from gridrl.lessons import lesson_names
from gridrl.lessons.commands import add_commands


def run(capsys, *argv: str) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser(prog="gridrl")
    add_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(list(argv))
    code = args.func(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_lesson_list_names_every_bundled_lesson_with_its_figure(capsys):
    code, out, err = run(capsys, "lesson", "list")
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert len(lines) == len(lesson_names())
    cliff = next(line for line in lines if line.startswith("cliff_walking "))
    assert "Figure 6.4" in cliff and "Sarsa vs Q-learning" in cliff


def test_lesson_run_writes_the_figure_report_and_exit_0(capsys, tmp_path):
    code, out, err = run(capsys, "lesson", "run", "4.1", "--out", str(tmp_path), "--workers", "1")
    assert code == 0, err
    assert "[ok] converged, v_pi is -14, -20, -22" in out
    assert (tmp_path / "figure_4_1_values.png").is_file() and (tmp_path / "index.html").is_file()
    checks = json.loads((tmp_path / "checks.json").read_text())
    assert len(checks) == 5 and all(c["ok"] for c in checks)


class FakeTerminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("argv", [
    ["lesson", "run", "4.1", "--workers", "1"],
    ["compare", "corridor", "--agents", "sarsa,q-learning", "--seeds", "2", "--episodes", "20", "--workers", "1"],
])  # fmt: skip
@pytest.mark.parametrize("quiet", [False, True])
def test_progress_bars_on_a_terminal_unless_quiet(argv, quiet, capsys, tmp_path, monkeypatch):
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code, _, _ = run(capsys, *argv, "--out", str(tmp_path), *["--quiet"] * quiet)
    assert code == 0
    drawn = terminal.getvalue()
    if quiet:
        assert drawn == ""
    else:
        assert re.search(r"\| *\d+/\d+ \[", drawn), drawn  # tqdm's "  0%|   | 0/40 [00:00<?, ?episode/s]"


def test_lesson_run_bad_input_is_a_message_and_exit_2(capsys, tmp_path):
    code, _, err = run(capsys, "lesson", "run", "clif_walking", "--out", str(tmp_path))
    assert code == 2 and "no lesson 'clif_walking'" in err and "Did you mean 'cliff_walking'?" in err
    code, _, err = run(capsys, "lesson", "run", "cliff_walking")
    assert code == 2 and "needs --out DIR" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "title: t\nfigure: f\nexplanation: e\nsteps:\n  - level: corridor\n  - run: {agents: [sarsa], episodes: 0}\n"
    )
    code, _, err = run(capsys, "lesson", "run", str(bad), "--out", str(tmp_path))
    assert code == 2 and f"{bad}:6:" in err and "'episodes' must be between 1" in err


def test_lesson_run_failed_check_exits_1(capsys, tmp_path):
    lesson = tmp_path / "wrong.yaml"
    lesson.write_text(
        "title: A wrong claim\nfigure: none\nexplanation: Value iteration on the corridor.\nsteps:\n"
        "  - level: small_gridworld\n  - run: {agents: [policy-evaluation], updates: 1, values_at: [1]}\n"
        "  - check:\n      claim: one sweep gives -2 everywhere\n      measure: values\n      at: 1\n"
        "      published: {policy-evaluation: [[0, -2, -2, -2], [-2, -2, -2, -2], [-2, -2, -2, -2], [-2, -2, -2, 0]]}\n"
        "      tolerance: 0.1\n"
    )
    code, out, _ = run(capsys, "lesson", "run", str(lesson), "--out", str(tmp_path / "out"), "--workers", "1")
    assert code == 1 and "[FAIL] one sweep gives -2 everywhere" in out
    assert "Some checks fail" in (tmp_path / "out" / "report.md").read_text()


@pytest.fixture
def headless_app_env(tmp_path, monkeypatch):
    """The real app on SDL's dummy driver, its log and user folders in tmp."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("GRIDRL_USER_LEVELS", str(tmp_path / "my_levels"))


@pytest.fixture
def gui_lesson(capsys, monkeypatch, headless_app_env):
    """``gui_lesson(name_or_path)``: ``gridrl lesson run LESSON --gui`` run for a few frames;
    the app it opened and how many times a level was parsed on the way."""
    from gridrl.gui.app import App
    from gridrl.levels import parse

    opened, parsed = [], []
    parse_level = parse.parse_level

    def counted(*args, **kwargs):
        parsed.append(kwargs.get("source", args[1] if len(args) > 1 else ""))
        return parse_level(*args, **kwargs)

    def run_a_few_frames(app: App) -> int:  # instead of the endless window loop
        app.run_frames(5)
        opened.append(app)
        return 0

    monkeypatch.setattr(parse, "parse_level", counted)
    monkeypatch.setattr(App, "run", run_a_few_frames)

    def open_(lesson: str):
        code, _, err = run(capsys, "lesson", "run", lesson, "--gui")
        assert code == 0, err
        (app,) = opened
        return app, parsed

    yield open_
    for app in opened:
        app.close()


def test_gui_compares_the_two_agents_of_the_lesson_in_the_app(gui_lesson):
    """Figure 6.4 compares Sarsa and Q-learning: the app opens the compare view on both,
    with the lesson's settings and seed, the explanation on top; the level is read once."""
    app, parsed = gui_lesson("cliff_walking")
    assert len(parsed) == 1 and parsed[0].endswith("cliff_walking.yaml")  # the lesson read it; the app did not
    assert [s.name for s in app.scenes] == ["train", "compare", "message"]  # the explanation on top
    dialog = app.scenes[-1]
    assert dialog.title == "Sarsa vs Q-learning on Cliff Walking" and "Sarsa" in dialog.html
    assert "costs -100 and sends the agent" in dialog.html and "\n" not in dialog.html  # paragraphs, not YAML's lines
    compare, train = app.scenes[1], app.scenes[0]
    assert [side.trainer.agent_name for side in compare.sides] == ["sarsa", "q-learning"]
    for side in compare.sides:
        config = side.trainer.session.agent.config
        assert (config.epsilon, config.alpha, side.trainer.seed) == (0.1, 0.5, 0)
        assert side.trainer.level is train.level  # one Level object all the way to both boards
    assert train.trainer.agent_name == "sarsa" and train.levels.level_label() == "cliff_walking"


def test_gui_opens_a_one_agent_lesson_with_its_seed_in_the_training_view(gui_lesson, tmp_path):
    lesson = tmp_path / "seeded.yaml"
    lesson.write_text(
        "title: Sarsa on the windy grid\nfigure: Example 6.5\nexplanation: Wind pushes the agent up.\nseed: 7\n"
        "steps:\n  - level: windy_gridworld\n  - run:\n      agents:\n"
        "        - {label: Sarsa, agent: sarsa, params: {epsilon: 0.2}}\n      episodes: 10\n",
        encoding="utf-8",
    )  # fmt: skip
    app, parsed = gui_lesson(str(lesson))
    assert len(parsed) == 1
    assert [s.name for s in app.scenes] == ["train", "message"]
    trainer = app.scenes[0].trainer
    assert (trainer.agent_name, trainer.seed, trainer.session.agent.config.epsilon) == ("sarsa", 7, 0.2)
    assert app.scenes[0].levels.level_label() == "windy_gridworld"


def test_gui_compares_the_first_two_of_three_runs_and_names_the_third(gui_lesson):
    """Figure 2.2 compares three epsilons: the compare view shows the first two, and the
    status line names the third and how to show it (it opened one agent alone before)."""
    app, _ = gui_lesson("figure_2_2")
    compare = app.find("compare")
    assert [(s.trainer.agent_name, s.trainer.session.agent.config.epsilon) for s in compare.sides] == [
        ("epsilon-greedy", 0.0), ("epsilon-greedy", 0.01)]  # fmt: skip
    assert "also runs epsilon-greedy (epsilon=0.1" in compare.status_text


def test_compare_writes_curves_with_a_confidence_band(capsys, tmp_path):
    code, out, err = run(capsys, "compare", "cliff_walking", "--agents", "sarsa,q-learning",
                         "--set", "epsilon=0.1", "--set", "q-learning.alpha=0.5", "--set", "sarsa.alpha=0.5",
                         "--seeds", "3", "--episodes", "60", "--out", str(tmp_path), "--workers", "1")  # fmt: skip
    assert code == 0, err
    assert "sarsa" in out and "q-learning" in out and "95% CI" in out
    assert (tmp_path / "compare_episode_returns.png").is_file()
    with (tmp_path / "compare_episode_returns.csv").open() as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["episode", "sarsa mean", "sarsa ci_low", "sarsa ci_high",
                       "q-learning mean", "q-learning ci_low", "q-learning ci_high"]  # fmt: skip
    assert len(rows) == 61
    for row in rows[1:]:
        for mean, low, high in (row[1:4], row[4:7]):
            assert float(low) <= float(mean) <= float(high)
    curves = json.loads((tmp_path / "curves.json").read_text())["curves"]
    assert curves["sarsa"]["params"] == {"epsilon": "0.1", "alpha": "0.5"} and curves["sarsa"]["seeds"] == [
        0,
        1,
        2,
    ]
    assert len(curves["q-learning"]["metrics"]["episode_returns"]["per_seed"]) == 3
    assert "gridrl compare cliff_walking --agents sarsa,q-learning" in (tmp_path / "report.md").read_text()


def test_compare_on_a_bandit_uses_runs_inside_each_seed(capsys, tmp_path):
    code, _, err = run(capsys, "compare", "ten_armed_testbed", "--agents", "epsilon-greedy,ucb", "--seeds", "3",
                       "--steps", "200", "--runs", "50", "--out", str(tmp_path), "--workers", "1")  # fmt: skip
    assert code == 0, err
    assert (tmp_path / "compare_mean_reward.png").is_file() and (
        tmp_path / "compare_optimal_action.csv"
    ).is_file()
    curves = json.loads((tmp_path / "curves.json").read_text())["curves"]
    assert (
        curves["ucb"]["runs_per_seed"] == 50 and len(curves["ucb"]["metrics"]["mean_reward"]["mean"]) == 200
    )


@pytest.mark.parametrize("argv, message", [
    (["--agents", "sarsa,q-lerning"], "unknown agent 'q-lerning'; did you mean 'q-learning'?"),
    (["--agents", "sarsa", "--set", "alpa=0.5"], "none of sarsa has a hyperparameter 'alpa'"),
    (["--agents", "sarsa", "--set", "ucb.c=2"], "'ucb' is not one of the compared agents"),
    (["--agents", "sarsa", "--set", "sarsa.alpha=7"], "sarsa: alpha must be a number in (0, 1]"),
    (["--agents", "ucb"], "agent 'ucb' runs on bandit levels"),
    (["--agents", "sarsa", "--seeds", "0"], "--seeds must be at least 1"),
    (["--agents", "sarsa,sarsa"], "lists an agent twice"),
    (["--agents", "sarsa", "--runs", "5"], "--runs is for bandit agents"),
])  # fmt: skip
def test_compare_bad_input_is_a_message_and_exit_2(capsys, tmp_path, argv, message):
    code, _, err = run(capsys, "compare", "cliff_walking", *argv, "--out", str(tmp_path))
    assert code == 2 and message in err, err
