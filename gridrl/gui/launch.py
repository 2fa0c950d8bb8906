"""Open the window for ``gridrl app`` / ``gridrl edit`` (and ``main.py``, which calls them).

The commands' arguments are parsed and checked in :mod:`gridrl.cli`; this module builds the
window. Importing it imports neither pygame nor torch (pygame comes with the window).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any


def open_window(
    level: str | None,
    size: tuple[int, int] | None,
    prepare: Callable[[Any], Any] = lambda scene: None,
    *,
    headless: bool = False,
    frames: int | None = None,
    screenshot: str | None = None,
    run_for: float | None = None,
    frame_report: str | None = None,
    scale: float | None = None,
) -> int:
    """Build the app on ``level``, let ``prepare`` act on its training scene, then run it until
    the window closes; or, with ``frames`` or ``screenshot``, run that many frames (30 for a
    screenshot alone), save the picture and print what the window shows; or, with ``run_for``,
    play at the fastest speed for that many seconds of real frames and print (and write to
    ``frame_report``, as JSON) how long the frames took: see :func:`play_and_measure`.
    ``scale``: start in presentation mode with that factor (F5 then toggles it)."""
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ["SDL_AUDIODRIVER"] = "dummy"
    from threadpoolctl import threadpool_limits

    from gridrl.gui.app import App

    # The app's matrices are small (a policy check on a few hundred cells); OpenBLAS's threads
    # spin after each product on every core, and took the frame's core: PPO on four_rooms had
    # p95 18-20 ms and max 110-120 ms with them, 16 ms and 57-82 ms without.
    threadpool_limits(1, user_api="blas")

    app = App(level, size=size)
    try:
        if scale is not None:
            app.presentation = scale
            app.set_zoom(scale)
        prepare(app.scenes[0])
    except BaseException:
        app.close()
        raise
    if frames is None and not screenshot and run_for is None:
        return app.run()  # until the window closes; run() closes it
    try:
        if run_for is not None:
            report = play_and_measure(app, run_for)
            if frame_report:
                from gridrl.levels import atomic_write_text  # noqa: PLC0415

                atomic_write_text(frame_report, json.dumps(report, indent=2) + "\n")
            print(f"gridrl: {report['frames']} frames in {report['seconds']:.1f} s, frame time "
                  f"p50 {report['p50_ms']:.1f} ms, p95 {report['p95_ms']:.1f} ms, max {report['max_ms']:.1f} ms, "
                  f"{report['updates_per_second']:.4g} {report['unit']}s/s")  # fmt: skip
        else:
            app.run_frames(frames if frames is not None else 30)
        if screenshot:
            app.save_screenshot(screenshot)
        print(f"gridrl: {app.frames} frames {_showing(app)}")
        return 0
    finally:
        app.close()


def play_and_measure(app: Any, seconds: float) -> dict[str, Any]:
    """Play the training scene's agent at the fastest speed for ``seconds`` of real frames
    (paced at the app's 60 Hz, as in use) and report each frame's own work time: what a
    teacher checks before a lesson (``gridrl app ... --run-for S --frame-report F``).

    A frame's time excludes the wait for the next 60 Hz tick, so p95 <= 16.7 ms means the
    window keeps 60 frames per second. Stops early if the window is closed.
    """
    import numpy as np  # noqa: PLC0415
    import pygame  # noqa: PLC0415

    from gridrl.gui.training import SPEEDS  # noqa: PLC0415

    scene = app.scenes[0]
    trainer = scene.trainer
    trainer.speed_index = len(SPEEDS) - 1
    if not trainer.playing:
        scene.cmd_toggle_play()
    times: list[float] = []
    units = trainer.units_run
    start = time.perf_counter()
    while app.running and time.perf_counter() - start < seconds:
        before = app.frames
        app.tick()
        if app.frames > before:
            times.append(app.frame_times[-1])
    elapsed = time.perf_counter() - start
    ms = np.array(times or [0.0]) * 1000.0
    units = trainer.units_run - units
    return {
        "level": scene.levels.current_label, "agent": trainer.agent_name, "unit": trainer.unit,
        "seconds": round(elapsed, 3), "frames": len(times),
        "p50_ms": round(float(np.percentile(ms, 50)), 3), "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "max_ms": round(float(ms.max()), 3), "mean_ms": round(float(ms.mean()), 3),
        "fps": round(len(times) / elapsed, 2), "units": units, "updates_per_second": round(units / elapsed, 3),
        "window_size": list(app.size), "video_driver": pygame.display.get_driver(), "errors": list(app.errors),
    }  # fmt: skip


def _showing(app: Any) -> str:
    """What the window shows, for the line printed after a run of frames."""
    editor = app.find("edit")
    if editor is not None:
        return f"in the level editor on {editor.model.level.name}"
    compare = app.find("compare")
    if compare is not None:
        return f"comparing {compare.label(0)} and {compare.label(1)} on {compare.level.name}"
    scene = app.scenes[0]
    return f"on {scene.levels.current_label} ({scene.level.name}) with {scene.trainer.agent_name}"
