"""The app: the window with gridrl's scenes registered, opening on the training scene.

This is the one module that names every scene class (the composition root): the window
(:mod:`gridrl.gui.window`) and the scenes know each other only by the names registered
in :data:`SCENES`.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any, Sequence

from gridrl.gui import editor_model as em
from gridrl.gui.commands import Command
from gridrl.gui.overlays import ChoiceScene, FileDialogScene, HelpScene, MessageScene
from gridrl.gui.scene_compare import CompareScene
from gridrl.gui.scene_edit import EditScene
from gridrl.gui.scene_label import LabelScene
from gridrl.gui.scene_train import TrainScene
from gridrl.gui.window import DEFAULT_SIZE, SceneFactory, Window
from gridrl.levels import Level

#: Every scene by the name scenes open it with (``app.open_scene(name, *args)``).
SCENES: dict[str, SceneFactory] = {
    "train": TrainScene, "edit": EditScene, "help": HelpScene, "message": MessageScene,
    "choice": ChoiceScene, "file": FileDialogScene, "compare": CompareScene, "label": LabelScene,
}  # fmt: skip


class App(Window):
    """gridrl's window: the training scene on ``level`` (a bundled name, a path or a loaded
    :class:`~gridrl.levels.Level`, which the level picker then calls ``named``; default Cliff
    Walking), the editor's unsaved edits offered back if it left some."""

    def __init__(self, level: str | Path | Level | None = None, size: tuple[int, int] | None = DEFAULT_SIZE,
                 named: str | None = None) -> None:  # fmt: skip
        super().__init__(size, SCENES)
        #: The preference file given by ``gridrl label --out``, per level: Ctrl+L labels into it again.
        self.label_files: dict[str, Path] = {}
        self.open_scene("train", level, named)
        self.guard(offer_recovery, self)
        self.settle()

    def dispatch(self, command: Command) -> None:
        """The compare command (F6, the Compare button) on the training scene opens the
        compare view on its level, agent and seed, the label command (Ctrl+L) the labelling
        of preferences on its level and agent; anything else goes to the scenes."""
        if command.name == "compare" and self.top.name == "train":
            self.guard(self.open_scene, "compare")
            return
        if command.name == "label" and self.top.name == "train":  # Ctrl+L: label preferences
            self.guard(self.open_scene, "label")
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
    level: Level,
    agents: Sequence[tuple[str, dict[str, Any]]],
    seed: int,
    title: str,
    explanation: str,
    size: tuple[int, int] = DEFAULT_SIZE,
    named: str | None = None,
) -> App:
    """The app on a lesson's level (loaded by the lesson, not read again; ``named`` in the
    level picker) with its first run's agents, settings and seed, the explanation shown first
    in a dialog: two agents (or the first two of more, the status line naming the others) in
    the compare view, trained in lockstep on one chart as the lesson's figure compares them,
    one in the training view. The student then steps or plays it."""
    app = App(level, size, named)
    train = app.scenes[0]
    train.use_agent(*agents[0], seed)  # the compare view's Esc goes back to it
    shown = app.open_scene("compare", list(agents[:2]), seed) if len(agents) >= 2 else train
    paragraphs = (html.escape(" ".join(p.split())) for p in explanation.split("\n\n"))  # YAML's line breaks: not ours
    app.show_message(title, "<br><br>".join(paragraphs))
    others = "; ".join(_spec_text(name, params) for name, params in agents[2:])
    more = f" The lesson also runs {others}: set a board to it with ⚙ Agents or its picker." if others else ""
    shown.status(f"Lesson: {title}. Press Space to play, S to step, F1 for every shortcut.{more}")
    return app


def _spec_text(name: str, params: dict[str, Any]) -> str:
    """``sarsa (alpha=0.1)``: an agent and the settings a lesson gives it."""
    settings = ", ".join(f"{k}={v}" for k, v in params.items())
    return f"{name} ({settings})" if settings else name
