"""Frame times of the whole desktop app while an agent trains at the fastest speed.

Each scenario runs ``gridrl app LEVEL --agent NAME --run-for SECONDS --frame-report F`` in a
subprocess with SDL's dummy video driver (real 60 Hz frames, as a teacher's check runs) and
prints the frame report's p50 / p95 / max milliseconds (a frame's own work, not the wait for
the next tick), frames per second and units trained per second. The target: p95 <= 17 ms and
max <= 100 ms. Run by hand, not in the tests:

    python bench/frame_time_app.py                 # all scenarios, 20 s each
    python bench/frame_time_app.py --seconds 5 ppo # those whose name contains "ppo"
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
#: (level, agent): the deep agents the target is set for, then a tabular, a DP and a bandit one.
SCENARIOS = (
    ("four_rooms", "ppo"), ("four_rooms", "reinforce"), ("four_rooms", "grpo"),
    ("cliff_walking", "q-learning"), ("small_gridworld", "value-iteration"),
    ("ten_armed_testbed", "epsilon-greedy"),
)  # fmt: skip


def frame_report(level: str, agent: str, seconds: float, size: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "frames.json"
        env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
        cmd = [sys.executable, "-m", "gridrl", "app", level, "--agent", agent, "--size", size,
               "--run-for", str(seconds), "--frame-report", str(out)]  # fmt: skip
        proc = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr}")
        return json.loads(out.read_text())


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pick", nargs="?", default="", help="only scenarios whose 'level agent' contains this")
    parser.add_argument("--seconds", type=float, default=20.0, help="seconds of play per scenario (default 20)")
    parser.add_argument("--size", default="1280x800", help="window size (default 1280x800)")
    args = parser.parse_args(argv)
    print(f"{'level':18} {'agent':16} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'fps':>5} {'units/s':>9}  unit")
    for level, agent in SCENARIOS:
        if args.pick not in f"{level} {agent}":
            continue
        r = frame_report(level, agent, args.seconds, args.size)
        print(f"{level:18} {agent:16} {r['p50_ms']:7.1f} {r['p95_ms']:7.1f} {r['max_ms']:7.1f} {r['fps']:5.0f} "
              f"{r['updates_per_second']:9.4g}  {r['unit']}" + (f"  errors: {r['errors']}" if r["errors"] else ""),
              flush=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
