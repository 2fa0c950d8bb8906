"""Frame time of the whole desktop app (widgets, board, charts, inspector, training) headless.

For each scenario the app plays at a speed for a few seconds of frames and reports the mean
and 95th-percentile frame time, the frames per second they allow, and the units trained per
frame. The target: 60 frames per second (16.7 ms) while training "as fast as possible".
Frames are run back to back (no 60 Hz wait), so the numbers are the app's own cost.

    python bench/frame_time_app.py            # all scenarios
    python bench/frame_time_app.py cliff      # those whose name contains "cliff"
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import numpy as np  # noqa: E402

from gridrl.gui.app import App  # noqa: E402

#: (name, level, agent, speed index (7 = fastest), overlays or None for the default)
SCENARIOS = (
    ("cliff q-learning fastest", "cliff_walking", "q-learning", 7, None),
    ("cliff q-learning 30/s", "cliff_walking", "q-learning", 4, None),
    ("cliff q-learning paused", "cliff_walking", "q-learning", None, None),
    ("four_rooms sarsa fastest, all overlays", "four_rooms", "sarsa", 7, {"values", "numbers", "policy", "visits"}),
    ("frozen_lake_8x8 q-learning fastest, Q", "frozen_lake_8x8", "q-learning", 7, {"q", "policy"}),
    ("small_gridworld value-iteration 2/s", "small_gridworld", "value-iteration", 1, None),
    ("ten_armed_testbed epsilon-greedy fastest", "ten_armed_testbed", "epsilon-greedy", 7, None),
)  # fmt: skip
WARMUP, FRAMES = 60, 300


def run(level: str, agent: str, speed: int | None, overlays: set[str] | None) -> tuple[np.ndarray, float]:
    app = App(level)
    scene = app.scenes[0]
    if scene.trainer.agent_name != agent:
        scene.cmd_pick_agent(agent)
        while scene.pending_agent is not None:
            app.run_frames(1)
    if overlays is not None:
        scene.overlays = set(overlays)
    if speed is not None:
        scene.trainer.speed_index = speed
        scene.trainer.playing = True
    app.run_frames(WARMUP)
    units = scene.trainer.units_run
    app.run_frames(FRAMES)
    times = np.array(app.frame_times[-FRAMES:])
    per_frame = (scene.trainer.units_run - units) / FRAMES
    app.close()
    return times, per_frame


def main(argv: list[str]) -> int:
    pick = argv[0] if argv else ""
    print(f"{'scenario':44} {'mean ms':>8} {'p95 ms':>7} {'fps':>5} {'units/frame':>11}")
    for name, level, agent, speed, overlays in SCENARIOS:
        if pick not in name:
            continue
        start = time.perf_counter()
        times, per_frame = run(level, agent, speed, overlays)
        del start
        mean, p95 = times.mean() * 1000, np.percentile(times, 95) * 1000
        print(f"{name:44} {mean:8.1f} {p95:7.1f} {1000 / mean:5.0f} {per_frame:11.1f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
