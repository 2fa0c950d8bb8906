"""Open the window for ``gridrl app`` / ``gridrl edit`` (and ``main.py``, which calls them).

The commands' arguments are parsed and checked in :mod:`gridrl.cli`; this module builds the
window. Importing it imports neither pygame nor torch (pygame comes with the window).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any


def open_window(
    level: str | None,
    size: tuple[int, int],
    prepare: Callable[[Any], Any] = lambda scene: None,
    *,
    headless: bool = False,
    frames: int | None = None,
    screenshot: str | None = None,
) -> int:
    """Build the app on ``level``, let ``prepare`` act on its training scene, then run it until
    the window closes; or, with ``frames`` or ``screenshot``, run that many frames (30 for a
    screenshot alone), save the picture and print what the window shows."""
    if headless:
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ["SDL_AUDIODRIVER"] = "dummy"
    from gridrl.gui.app import App

    app = App(level, size=size)
    try:
        prepare(app.scenes[0])
    except BaseException:
        app.close()
        raise
    if frames is None and not screenshot:
        return app.run()  # until the window closes; run() closes it
    try:
        app.run_frames(frames if frames is not None else 30)
        if screenshot:
            app.save_screenshot(screenshot)
        print(f"gridrl: {app.frames} frames {_showing(app)}")
        return 0
    finally:
        app.close()


def _showing(app: Any) -> str:
    """What the window shows, for the line printed after a run of frames."""
    from gridrl.gui.scene_edit import EditScene

    editor = app.find(EditScene)
    if editor is not None:
        return f"in the level editor on {editor.model.level.name}"
    scene = app.scenes[0]
    return f"on {scene.current_label} ({scene.level.name}) with {scene.trainer.agent_name}"
