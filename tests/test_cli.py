"""The headless commands (docs/ARCHITECTURE.md, "Commands and outputs"): ``gridrl levels``, ``gridrl validate``, and main.py."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from gridrl.cli import main
from gridrl.levels import BanditLevel, BUNDLED_DIR, bundled_level_names, load_level

REPO = Path(__file__).resolve().parents[1]
NAMES = bundled_level_names()

GOOD = """\
kind: gridworld
name: tiny
layout: |
  S.G
"""

UNKNOWN_TILE = """\
kind: gridworld
name: bad
layout: |
  S..
  .Q.
  ..G
"""

UNREACHABLE = """\
kind: gridworld
name: walled off
layout: |
  S#G
"""


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --------------------------------------------------------------------------------- levels


def test_levels_lists_every_bundled_level(capsys):
    code, out, err = run(capsys, "levels")
    assert code == 0
    assert err == ""
    lines = out.splitlines()
    assert len(NAMES) >= 11
    assert len(lines) == len(NAMES)  # one line per level
    for name, line in zip(NAMES, lines):
        assert line.split()[0] == name
        level = load_level(name)
        if isinstance(level, BanditLevel):
            assert f"bandit, {level.n_arms} arms" in line
        else:
            rows, cols = level.shape
            assert f"gridworld {rows}x{cols}" in line
        # A one-line description follows the size: the start of the level's description.
        first_words = " ".join(level.description.split()[:3])
        assert first_words and first_words in line, line


def test_levels_names_the_classic_sizes(capsys):
    _, out, _ = run(capsys, "levels")
    rows = {line.split()[0]: line for line in out.splitlines()}
    assert "gridworld 4x12" in rows["cliff_walking"]
    assert "gridworld 7x10" in rows["windy_gridworld"]
    assert "bandit, 10 arms" in rows["ten_armed_testbed"]
    assert "bandit, 3 arms" in rows["bernoulli_3"]


# ------------------------------------------------------------------------------- validate


@pytest.mark.parametrize("name", ["cliff_walking", "ten_armed_testbed"])
def test_validate_bundled_name_ok(capsys, name):
    code, out, _ = run(capsys, "validate", name)
    assert code == 0
    assert out.strip() == f"{name}: OK"


def test_validate_bundled_path_ok(capsys):
    path = str(BUNDLED_DIR / "frozen_lake_8x8.yaml")
    code, out, _ = run(capsys, "validate", path)
    assert code == 0
    assert out.strip() == f"{path}: OK"


def test_validate_every_bundled_level_at_once(capsys):
    code, out, _ = run(capsys, "validate", *NAMES)
    assert code == 0
    assert out.splitlines() == [f"{name}: OK" for name in NAMES]


def test_validate_good_file(capsys, tmp_path):
    path = tmp_path / "tiny.yaml"
    path.write_text(GOOD)
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 0
    assert out.strip() == f"{path}: OK"


def test_validate_broken_file_names_file_line_and_column(capsys, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text(UNKNOWN_TILE)
    code, out, err = run(capsys, "validate", str(path))
    assert code == 1
    text = out + err
    # 'Q' is on line 5 of the file, column 4 (two spaces of indentation, then ".Q").
    assert f"{path}:5:4:" in text
    assert "unknown tile 'Q'" in text
    assert "Traceback" not in text


def test_validate_yaml_syntax_error(capsys, tmp_path):
    path = tmp_path / "syntax.yaml"
    path.write_text("kind: gridworld\nname: x\nlayout: [S.G\n")
    code, out, err = run(capsys, "validate", str(path))
    assert code == 1
    assert re.search(re.escape(str(path)) + r":\d+:\d+: ", out + err)
    assert "YAML" in out + err


def test_validate_bad_bandit_value(capsys, tmp_path):
    path = tmp_path / "coin.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            kind: bandit
            name: coin
            arms:
              - {name: a, distribution: bernoulli, p: 1.5}
            """
        )
    )
    code, out, err = run(capsys, "validate", str(path))
    assert code == 1
    assert f"{path}:4:" in out + err
    assert "1.5" in out + err


def test_validate_unreachable_goal_is_a_warning(capsys, tmp_path):
    path = tmp_path / "walled.yaml"
    path.write_text(UNREACHABLE)
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 0
    assert f"{path}: OK" in out
    assert "warning" in out
    assert "row 1 col 3" in out  # where the unreachable goal is


def test_validate_missing_path(capsys, tmp_path):
    missing = tmp_path / "nope.yaml"
    code, out, err = run(capsys, "validate", str(missing))
    assert code == 1
    assert "no level" in out + err
    assert "nope.yaml" in out + err


def test_validate_misspelt_name_suggests(capsys):
    code, out, err = run(capsys, "validate", "cliff_walkin")
    assert code == 1
    assert "no level" in out + err
    assert "Did you mean 'cliff_walking'?" in out + err


def test_validate_mixed_files_fails_but_reports_all(capsys, tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text(UNKNOWN_TILE)
    code, out, _ = run(capsys, "validate", str(bad), "corridor")
    assert code == 1
    lines = out.splitlines()
    assert lines[0].startswith(f"{bad}:5:4:")
    assert lines[1] == "corridor: OK"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01binary", "binary"),
        (b"kind: gridworld\nlayout: |\n  S.\xff\n", "UTF-8"),
    ],
)
def test_validate_unreadable_files(capsys, tmp_path, content, message):
    path = tmp_path / "odd.yaml"
    path.write_bytes(content)
    code, out, err = run(capsys, "validate", str(path))
    assert code == 1
    assert str(path) in out + err
    assert message in out + err
    assert "Traceback" not in out + err


def test_validate_a_folder(capsys, tmp_path):
    code, out, err = run(capsys, "validate", str(tmp_path))
    assert code == 1
    assert "folder" in out + err


def test_no_command_prints_help(capsys):
    code, out, err = run(capsys)
    assert code == 2
    assert "usage: gridrl" in out
    assert "levels" in out and "validate" in out


def test_validate_needs_a_file(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["validate"])
    assert exc.value.code == 2
    assert "usage" in capsys.readouterr().err


# ------------------------------------------------------------------------------- main.py


def _env_without_user_site() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONNOUSERSITE"] = "1"
    return env


def test_main_py_lists_levels():
    proc = subprocess.run(
        [sys.executable, "main.py", "--levels"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env=_env_without_user_site(),
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert [line.split()[0] for line in lines] == NAMES


NO_TORCH_SCRIPT = """
import runpy, sys
sys.argv = ["main.py", "--headless", "--frames", "3"]  # the GUI, without a display
try:
    runpy.run_path("main.py", run_name="__main__")
except SystemExit as exc:
    assert exc.code in (0, None), exc.code
import numpy as np
import gridrl.cli, gridrl.envs, gridrl.levels
from gridrl.envs import GridWorldEnv, GridWorldVectorEnv, BanditEnv, TabularModel
env = GridWorldEnv("cliff_walking"); env.reset(seed=0); env.step(1)
vec = GridWorldVectorEnv("corridor", num_envs=4); vec.reset(seed=0); vec.step(np.ones(4, dtype=int))
BanditEnv("bernoulli_3").reset(seed=0)
TabularModel.from_level("small_gridworld").P
gridrl.cli.main(["validate", "windy_gridworld"])
{extra}
loaded = sorted(m for m in sys.modules if m == "torch" or m.startswith("torch."))
print("TORCH-LOADED", bool(loaded), len(loaded))
"""


def _torch_check(extra: str, tmp_path: Path | None = None) -> str:
    env = _env_without_user_site()
    if tmp_path is not None:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(tmp_path), env.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, "-c", NO_TORCH_SCRIPT.format(extra=extra)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr
    assert "3 frames on cliff_walking" in proc.stdout  # main.py did run the GUI
    return proc.stdout.splitlines()[-1]


def test_main_and_envs_do_not_import_torch():
    assert _torch_check(extra="") == "TORCH-LOADED False 0"


def test_torch_check_detects_an_import(tmp_path):
    """The control: the same script with a (stand-in) torch imported must report it."""
    fake = tmp_path / "torch"
    fake.mkdir()
    (fake / "__init__.py").write_text("")
    assert _torch_check(extra="import torch", tmp_path=tmp_path) == "TORCH-LOADED True 1"


# --------------------------------------------------------------------------- agents, train


def test_agents_lists_every_agent_with_its_hyperparameters(capsys) -> None:
    from gridrl.agents import agent_names

    assert main(["agents"]) == 0
    out = capsys.readouterr().out
    for name in agent_names():
        assert f"\n{name}  (" in "\n" + out
    assert "epsilon = 0.1" in out and "a number in [0, 1]" in out


def _agent_blocks(out: str) -> dict[str, list[str]]:
    """``gridrl agents``' output: agent name -> its lines (header first)."""
    return {block.split()[0]: block.splitlines() for block in out.strip().split("\n\n")}


def test_agents_columns_line_up_for_every_agent(capsys) -> None:
    """Range and help start at the same column on every parameter line of an agent, however
    long a default is (max_sweeps = 10000, normalize_advantages = false); wrapped help goes
    under the help column; nothing is wider than 100 columns."""
    assert main(["agents"]) == 0
    for name, lines in _agent_blocks(capsys.readouterr().out).items():
        assert all(len(line) <= 100 for line in lines), name
        first = next(i for i, line in enumerate(lines) if line.startswith("    ") and line[4] != " ")
        starts = set()
        for line in lines[first:]:  # the header (and its wrapped summary) are above
            indent = len(line) - len(line.lstrip())
            if indent == 4:  # "    name = default  range  help": three fields, two or more spaces apart
                fields = [m.start() for m in re.finditer(r"\S+(?: \S+)*", line)]
                assert len(fields) >= 3, line
                starts.add((fields[1], fields[2]))
            else:  # help text wrapped under itself
                assert starts and indent == next(iter(starts))[1], (name, line)
        assert len(starts) == 1, (name, starts)


def test_agents_says_what_a_text_hyperparameter_takes(capsys) -> None:
    from gridrl.agents import agent_class

    assert main(["agents"]) == 0
    lines = _agent_blocks(capsys.readouterr().out)["policy-evaluation"]
    policy = next(line for line in lines if line.startswith("    policy = uniform"))
    assert "number" not in policy
    spec = {h.name: h for h in agent_class("policy-evaluation").spec()}
    assert f"  {spec['policy'].range_text()}  " in policy


def test_range_text_of_a_text_hyperparameter() -> None:
    from dataclasses import dataclass

    from gridrl.agents.base import hp, hyperparameters

    @dataclass(frozen=True)
    class Config:
        plain: str = hp("x", "any text")
        policy: str = hp("uniform", "the policy", takes="uniform, or a snapshot.json path")
        mode: str = hp("a", "a choice", choices=("a", "b"))
        note: str | None = hp(None, "optional text", optional=True)

    texts = {h.name: h.range_text() for h in hyperparameters(Config)}
    assert texts == {"plain": "text", "policy": "uniform, or a snapshot.json path",
                     "mode": "one of a, b", "note": "text (or none)"}  # fmt: skip


def test_train_writes_the_documented_files(tmp_path, capsys) -> None:
    out_dir = tmp_path / "cliff"
    code = main(["train", "cliff_walking", "--agent", "q-learning", "--set", "epsilon=0.1",
                 "--set", "alpha=0.5", "--episodes", "200", "--seed", "1", "--out", str(out_dir)])  # fmt: skip
    assert code == 0
    text = capsys.readouterr().out
    assert "ran 200 episodes" in text and "most likely action" in text
    snapshot = json.loads((out_dir / "snapshot.json").read_text())
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert snapshot["shape"] == [4, 12] and len(snapshot["V"]) == 4 and len(snapshot["Q"][0][0]) == 4
    assert len(metrics["episode_returns"]) == 200 == len(metrics["episode_lengths"])
    assert (out_dir / "agent.npz").exists()


def test_train_bandit_runs_are_vectorised(tmp_path, capsys) -> None:
    code = main(["train", "ten_armed_testbed", "--agent", "epsilon-greedy", "--set", "epsilon=0.1",
                 "--runs", "200", "--steps", "300", "--out", str(tmp_path)])  # fmt: skip
    assert code == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert len(metrics["mean_reward"]) == 300 and len(metrics["optimal_action"]) == 300
    assert "averaged over 200 runs" in capsys.readouterr().out


def test_train_several_gridworld_runs_average_the_curves(tmp_path, capsys) -> None:
    code = main(["train", "corridor", "--agent", "sarsa", "--runs", "3", "--episodes", "10",
                 "--out", str(tmp_path)])  # fmt: skip
    assert code == 0
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert len(metrics["runs"]) == 3
    lengths = [run["episode_lengths"] for run in metrics["runs"]]
    assert metrics["episode_lengths"][0] == pytest.approx(sum(r[0] for r in lengths) / 3)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "corridor", "--agent", "q-lerning"], "did you mean 'q-learning'"),
        (["train", "corridor", "--agent", "q-learning", "--set", "epsilon=3"], "epsilon must be a number in [0, 1]"),
        (["train", "corridor", "--agent", "q-learning", "--set", "alpha=-0.5"], "alpha must be a number in (0, 1]"),
        (["train", "corridor", "--agent", "q-learning", "--set", "epsilno=0.1"], "did you mean 'epsilon'"),
        (["train", "corridor", "--agent", "q-learning", "--set", "epsilon"], "NAME=VALUE"),
        (["train", "corridor", "--agent", "ucb"], "runs on bandit levels"),
        (["train", "no_such_level", "--agent", "ucb"], "no level 'no_such_level'"),
        (["train", "corridor", "--agent", "sarsa", "--episodes", "0"], "at least 1"),
    ],
)
def test_train_bad_input_is_a_message_and_exit_2(argv, message, capsys) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert message in captured.err
    assert "Traceback" not in captured.err + captured.out


def test_train_progress_bar_is_silent_when_not_a_terminal(capsys) -> None:
    assert main(["train", "corridor", "--agent", "q-learning", "--episodes", "5"]) == 0
    assert "[" not in capsys.readouterr().err  # no bar drawn into a pipe


class FakeTerminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("argv", [
    ["train", "corridor", "--agent", "q-learning", "--episodes", "40"],
    ["render", "corridor", "--agent", "q-learning", "--episodes", "40", "--size", "320x240"],
])  # fmt: skip
@pytest.mark.parametrize("quiet", [False, True])
def test_progress_bar_on_a_terminal_unless_quiet(argv, quiet, tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    terminal = FakeTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    extra = ["--out", str(tmp_path / "board.png")] if argv[0] == "render" else []
    assert main(argv + extra + ["--quiet"] * quiet) == 0
    drawn = terminal.getvalue()
    if quiet:
        assert drawn == ""
    else:
        assert re.search(r"\| *\d+/40 \[", drawn), drawn  # tqdm's "  0%|   | 0/40 [00:00<?, ?episode/s]"
        after = drawn.rsplit("]", 1)[1]
        assert after.startswith("\r ") and after.endswith("\r") and not after.strip()  # closed: line blanked
