"""Ctrl-C during a long unit: a tabular agent's first episode on a 256 x 256 open grid runs
for a minute or more, its steps shown on the bar; SIGINT stops it with the CLI's message and
exit status, and leaves no --out folder. stderr is a pseudo-terminal so the bar is drawn."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time

from test_cli_policy_map import open_level

SHOWN = b"steps into this episode"


def read_until(fd: int, proc: subprocess.Popen, wanted: bytes, seconds: float) -> bytes:
    """What the child wrote to the terminal, until ``wanted`` appears, it exits, or ``seconds`` pass."""
    seen, deadline = b"", time.monotonic() + seconds
    while wanted not in seen and time.monotonic() < deadline:
        if not select.select([fd], [], [], 0.1)[0]:
            if proc.poll() is not None:  # exited, and everything it wrote is read
                break
            continue
        try:
            seen += os.read(fd, 65536)
        except OSError:  # the child closed the terminal
            break
    return seen


def test_ctrl_c_in_a_long_episode_stops_cleanly(tmp_path) -> None:
    level, out = tmp_path / "open256.yaml", tmp_path / "run"
    level.write_text(open_level(256, 256))
    terminal, child_side = pty.openpty()
    fcntl.ioctl(child_side, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))  # a bar needs columns
    proc = subprocess.Popen(
        [sys.executable, "-m", "gridrl", "train", str(level), "--agent", "q-learning", "--episodes", "1",
         "--out", str(out)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=child_side,
    )  # fmt: skip
    os.close(child_side)
    try:
        seen = read_until(terminal, proc, SHOWN, 60)
        assert SHOWN in seen, seen[-500:]  # the episode's steps, counted on the bar before it ends
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=20) == 130
        seen += read_until(terminal, proc, b"interrupted", 5)
    finally:
        proc.kill()
        proc.wait()
        os.close(terminal)
    assert b"gridrl: interrupted" in seen and b"Traceback" not in seen
    assert not out.exists() and os.listdir(tmp_path) == ["open256.yaml"]  # no half-written run
