"""Killed mid-write, out of disk, or racing another writer: the output is the old complete
run or the new complete one, never a mix, and the user gets a message, not a traceback."""

from __future__ import annotations

import errno
import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from gridrl.cli import main
from gridrl.levels import load_level, read_level_file, save_level
from gridrl.session import RUN_FILES, Session

TRIES = 50


def kill_while(save_forever, rng: random.Random, window: float) -> None:
    """Fork a child that calls ``save_forever(ready)``; once it signals ready (its first
    write is complete), SIGKILL it at a random moment of the next ``window`` seconds.
    Forking (not a new interpreter) makes 50 tries cheap."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        try:
            save_forever(lambda: os.write(write_end, b"r"))
        finally:
            os._exit(1)
    os.close(write_end)
    ready, _, _ = select.select([read_end], [], [], 60)
    if not ready:
        os.kill(pid, signal.SIGKILL)
        pytest.fail("the forked writer never finished its first write")
    assert os.read(read_end, 1) == b"r"
    os.close(read_end)
    time.sleep(rng.uniform(0, window))
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def cycle_time(save_cycle) -> float:
    """Seconds one cycle of writes takes here and now: kills land within 2.5 cycles."""
    start = time.perf_counter()
    save_cycle()
    return 2.5 * (time.perf_counter() - start)


def run_is_whole(out: Path) -> str:
    """The run the folder holds, after checking its three files belong to that one run."""
    assert sorted(p.name for p in out.iterdir()) == sorted(RUN_FILES)
    snapshot = json.loads((out / "snapshot.json").read_text())
    metrics = json.loads((out / "metrics.json").read_text())
    agent = snapshot["agent"]
    assert len(metrics["episode_returns"]) == {"q-learning": 30, "sarsa": 31}[agent]
    with np.load(out / "agent.npz") as state:
        np.testing.assert_allclose(state["Q"].reshape(-1), np.array(snapshot["Q"], dtype=float).reshape(-1))
    return agent


def test_killed_while_saving_a_run_leaves_one_whole_run(tmp_path):
    out, rng, seen = tmp_path / "out dir é", random.Random(0), set()
    runs = [Session("corridor", "q-learning", seed=1), Session("corridor", "sarsa", seed=2)]
    runs[0].run("episode", 30)
    runs[1].run("episode", 31)

    def save_cycle():
        for run in runs:
            run.save(out)

    def save_forever(ready):
        runs[0].save(out)
        ready()
        while True:
            save_cycle()

    window = cycle_time(save_cycle)
    for _ in range(TRIES):
        kill_while(save_forever, rng, window)
        seen.add(run_is_whole(out))
    assert seen == {"q-learning", "sarsa"}  # the kills landed at different moments
    # a kill mid-write may leave its hidden temporary folder beside, never a visible file
    assert all(p == out or p.name.startswith(f".{out.name}.") for p in tmp_path.iterdir())


def test_killed_while_saving_a_level_leaves_one_whole_level(tmp_path):
    path, rng = tmp_path / "my level.yaml", random.Random(1)
    levels = [load_level("four_rooms"), load_level("cliff_walking")]

    def save_cycle():
        for level in levels:
            save_level(level, path)

    def save_forever(ready):
        save_level(levels[0], path)
        ready()
        while True:
            save_cycle()

    names, window = set(), cycle_time(save_cycle)
    for _ in range(TRIES):
        kill_while(save_forever, rng, window)
        names.add(read_level_file(path).name)
    assert names == {level.name for level in levels}


def test_a_full_disk_keeps_the_old_run_and_says_so(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    Session("corridor", "q-learning", seed=1).save(out)
    before = {name: (out / name).read_bytes() for name in RUN_FILES}

    def no_space(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(np, "savez", no_space)
    code = main(["train", "corridor", "--agent", "sarsa", "--episodes", "5", "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code != 0 and "No space left on device" in err and "Traceback" not in err
    assert {name: (out / name).read_bytes() for name in RUN_FILES} == before
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folder left behind


@pytest.mark.parametrize(("make", "says"), [
    (lambda t: (t / "f.txt").write_text("mine"), "is a file"),
    (lambda t: (t / "f.txt").mkdir() or (t / "f.txt" / "notes.md").write_text("mine"), "holds other files (notes.md)"),
])  # fmt: skip
def test_out_that_is_not_ours_is_refused_before_training(tmp_path, capsys, make, says):
    make(tmp_path)
    code = main(["train", "corridor", "--agent", "q-learning", "--out", str(tmp_path / "f.txt"), "--quiet"])
    captured = capsys.readouterr()
    assert code == 2 and says in captured.err and "ran " not in captured.out


def test_a_path_under_a_file_is_a_message(tmp_path, capsys):
    (tmp_path / "f").write_text("x")
    code = main(["train", "corridor", "--agent", "q-learning", "--episodes", "3", "--out", str(tmp_path / "f" / "o"), "--quiet"])
    err = capsys.readouterr().err
    assert code != 0 and err.startswith("gridrl: ") and "Traceback" not in err


def test_two_trainers_on_one_folder_one_wins_whole(tmp_path):
    out = tmp_path / "shared"
    commands = [[sys.executable, "-m", "gridrl", "train", "corridor", "--agent", agent, "--episodes", str(n),
                 "--seed", str(seed), "--out", str(out), "--quiet"]
                for agent, n, seed in (("q-learning", 30, 1), ("sarsa", 31, 2))]  # fmt: skip
    for _ in range(3):
        children = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for c in commands]
        for child in children:
            child.wait()
            assert child.returncode == 0, child.stderr.read()
        assert run_is_whole(out) in ("q-learning", "sarsa")
