"""The levels on offer in the training scene's picker (bundled, the user's own, files opened,
edited copies), the one shown, and the level editor's unsaved edits: opening a level, asking
before edits are lost."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from gridrl.gui import editor_model
from gridrl.gui.status import escape
from gridrl.levels import BUNDLED_DIR, Level, LevelError, bundled_level_names, level_path, load_level

if TYPE_CHECKING:
    from gridrl.gui.scene_train import TrainScene

log = logging.getLogger("gridrl.gui")

DEFAULT_LEVEL = "cliff_walking"


class LevelMenu:
    """The level picker's entries, label -> what to load (a bundled name, a path, or a
    Level in memory). ``loaded``: the level the scene opened with (read once, here);
    ``named``: the name a loaded ``level`` goes by in the picker (a lesson's "cliff_walking")."""

    def __init__(self, scene: TrainScene, level: str | Path | Level | None, named: str | None = None) -> None:
        self.scene = scene
        self.startup_error: str | None = None
        source = level or DEFAULT_LEVEL
        try:
            self.loaded = load_level(source)
        except (LevelError, OSError) as exc:
            self.startup_error = str(exc)
            source, self.loaded = DEFAULT_LEVEL, load_level(DEFAULT_LEVEL)
        self.level_labels: dict[str, str | Path | Level] = {n: n for n in bundled_level_names()}
        for path in editor_model.user_level_files():
            self.level_labels[f"{path.stem} (mine)"] = path
        #: The level editor's model while it has edits (kept when training on an edited level).
        self.editor: editor_model.EditorModel | None = None
        self.current_label = self._label_for(named or source, self.loaded)

    def _label_for(self, source: str | Path | Level, level: Level) -> str:
        name = level.name if source is level else str(source)  # a Level given inline: its name
        if name in self.level_labels:
            return name
        label = f"{Path(name).name} (file)"
        self.level_labels[label] = level
        return label

    def level_options(self) -> list[str]:
        return list(self.level_labels)

    def level_label(self) -> str:
        return self.current_label

    def mark_edited(self, level: Level) -> None:
        """The level shown was edited live: it is listed (and shown) as "… (edited)"."""
        label = self.current_label
        if not label.endswith("(edited)"):
            label = f"{label.removesuffix(' (file)')} (edited)"
        self.level_labels[label] = level
        self.current_label = label

    def can_quit(self) -> bool:
        if self.editor is None or not self.editor.dirty:
            return True
        self.ask_unsaved(self._really_quit, "quit")
        return False

    def _really_quit(self) -> None:
        self.scene.app.running = False

    def ask_unsaved(self, then: Callable[[], Any], what: str) -> None:
        """Run ``then`` now if the editor has no unsaved edits, else ask: Save / Discard / Cancel."""
        model = self.editor
        if model is None or not model.dirty:
            then()
            return
        def save() -> None:
            try:
                path = model.save()
            except (OSError, LevelError) as exc:
                self.scene.app.show_message("Could not save", escape(str(exc)))
                return
            editor_model.clear_recovery()
            self.add_user_level(path, model.level)
            then()

        def discard() -> None:
            editor_model.clear_recovery()
            model.saved_level = model.level  # the user chose to drop the edits
            self.editor = None
            then()

        self.scene.app.open_scene("choice", "Unsaved edits",
                            f"The level <b>{escape(model.level.name)}</b> has unsaved edits. "
                            f"Save them before you {what}?",
                            [("Save", save), ("Discard", discard), ("Cancel", lambda: None)])  # fmt: skip

    def add_user_level(self, path: Path, level: Level) -> None:
        """A saved level joins the level picker."""
        label = f"{path.stem} (mine)"
        self.level_labels[label] = path

    def label_for_edited(self, model: editor_model.EditorModel) -> str:
        if model.path is not None and not model.dirty and not editor_model.is_bundled(model.path):
            label = f"{model.path.stem} (mine)"
            self.level_labels[label] = model.path
            return label
        label = f"{model.level.name} (edited)"
        self.level_labels[label] = model.level
        return label

    def current_path(self) -> Path | None:
        target = self.level_labels.get(self.current_label)
        if isinstance(target, Path):
            return target
        if isinstance(target, str):
            try:
                return level_path(target)
            except LevelError:
                return None
        return None

    def cmd_pick_level(self, label: str) -> None:
        target = self.level_labels.get(label)
        if target is None or label == self.current_label:
            return
        if self.editor is not None and self.editor.dirty and self.level_labels.get(label) is not self.editor.level:
            self.ask_unsaved(lambda: self.cmd_pick_level(label), "switch level")
            self.scene.rebuild_panels()
            return
        try:
            level = load_level(target)
        except (LevelError, OSError) as exc:
            self.scene.app.show_message("Could not open the level", escape(str(exc)))
            self.scene.rebuild_panels()
            return
        self.scene.switch_level(level, label)

    def cmd_open_file(self, _: Any = None) -> None:
        if self.editor is not None and self.editor.dirty:
            self.ask_unsaved(self.cmd_open_file, "open another level")
            return
        self.scene.trainer.playing = False
        self.scene.app.open_scene("file", "Open a level (YAML)", BUNDLED_DIR, self.open_level_file)

    def open_level_file(self, path: str | Path) -> bool:
        """Load ``path``; a LevelError is shown in a dialog and the current level stays."""
        path = Path(path)
        try:
            level = load_level(path)
        except (LevelError, OSError, UnicodeError) as exc:
            log.info("could not open %s: %s", path, exc)
            self.scene.app.show_message("Could not open the level",
                                  escape(str(exc)).replace("\n", "<br>")
                                  + "<br><br>The current level stays open.")  # fmt: skip
            return False
        label = f"{path.name} (file)"
        self.level_labels[label] = path
        return self.scene.switch_level(level, label)
