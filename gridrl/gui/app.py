"""The app: the window with gridrl's scenes registered, opening on the training scene.

This is the one module that names every scene class (the composition root): the window
(:mod:`gridrl.gui.window`) and the scenes know each other only by the names registered
in :data:`SCENES`.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from gridrl.gui import editor_model as em
from gridrl.gui.commands import Command
from gridrl.gui.overlays import ChoiceScene, FileDialogScene, HelpScene, MessageScene
from gridrl.gui.scene_compare import CompareScene
from gridrl.gui.scene_edit import EditScene
from gridrl.gui.scene_train import TrainScene
from gridrl.gui.window import DEFAULT_SIZE, SceneFactory, Window
from gridrl.levels import Level

#: Every scene by the name scenes open it with (``app.open_scene(name, *args)``).
SCENES: dict[str, SceneFactory] = {
    "train": TrainScene, "edit": EditScene, "help": HelpScene, "message": MessageScene,
    "choice": ChoiceScene, "file": FileDialogScene, "compare": CompareScene,
}  # fmt: skip


class App(Window):
    """gridrl's window: the training scene on ``level`` (a bundled name, a path or a loaded
    :class:`~gridrl.levels.Level`; default Cliff Walking), the editor's unsaved edits offered
    back if it left some."""

    def __init__(self, level: str | Path | Level | None = None, size: tuple[int, int] = DEFAULT_SIZE) -> None:
        super().__init__(size, SCENES)
        self.open_scene("train", level)
        self.guard(offer_recovery, self)
        self.settle()

    def dispatch(self, command: Command) -> None:
        """The compare command (F6, the Compare button) on the training scene opens the
        compare view on its level, agent and seed; anything else goes to the scenes."""
        if command.name == "compare" and self.top.name == "train":
            self.guard(self.open_scene, "compare")
            return
        super().dispatch(command)


def offer_recovery(app: Window) -> None:
    """At start-up: if the editor left a recovery file (a crash with unsaved edits), offer it."""
    found = em.read_recovery()
    if found is None:
        return
    level, target = found
    train = app.find("train")

    def restore() -> None:
        model = em.EditorModel(level, path=target)
        model.saved_level = None  # the recovered edits are not saved yet
        app.open_scene("edit", train, model)

    where = f" (for {html.escape(str(target))})" if target else ""
    app.open_scene("choice", "Recover unsaved edits?",
                   f"The level editor closed with unsaved edits to <b>{html.escape(level.name)}</b>{where}. "
                   "Restore them?", [("Restore", restore), ("Discard", em.clear_recovery)])  # fmt: skip


def run(level: str | None = None, size: tuple[int, int] = DEFAULT_SIZE) -> int:
    """Open the app on ``level`` (default Cliff Walking) and run until the window closes."""
    app = App(level, size)
    return app.run()


def open_lesson(
    level: str | Path | Level,
    agent: str,
    params: dict[str, Any],
    seed: int,
    title: str,
    explanation: str,
    size: tuple[int, int] = DEFAULT_SIZE,
) -> App:
    """The app on a lesson's level with its agent, settings and seed, the explanation shown
    first in a dialog. The student then steps or plays it like any run. ``level`` may be the
    lesson's loaded Level: it is then used as it is, not read again."""
    app = App(level, size)
    scene = app.scenes[0]
    scene.use_agent(agent, params, seed)
    app.show_message(title, html.escape(explanation).replace("\n\n", "<br><br>"))
    scene.status(f"Lesson: {title}. Press Space to play, S to step, F1 for every shortcut.")
    return app
