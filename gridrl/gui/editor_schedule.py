"""What the level editor's scheduled-changes widgets do: choose the layout painted (the start,
or the layout from a change's step on; [ and ] step through them), add a change at a typed
step, delete the selected one. The logic lives in :mod:`gridrl.gui.editor_changes`; the layout
painted is the scene's :attr:`~gridrl.gui.scene_edit.EditScene.at`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gridrl.gui import editor_changes as ec
from gridrl.levels import GridLevel, LevelError

if TYPE_CHECKING:
    from gridrl.gui.scene_edit import EditScene


class ScheduleCommands:
    """The editor's commands for a gridworld's scheduled changes."""

    def __init__(self, scene: EditScene) -> None:
        self.scene = scene

    def cmd_layout(self, k: int) -> None:
        """Paint layout ``k``: 0 the start, else the layout from change k on."""
        scene, level = self.scene, self.scene.level
        if not isinstance(level, GridLevel) or not 0 <= k <= len(level.changes):
            return
        scene.at = k
        scene.picking = None
        scene.changed(rebuild=True)
        n_changes = len(level.changes)
        if k == 0:
            later = f" ({n_changes} scheduled change{'s' * (n_changes != 1)}: ] for the next)" if n_changes else ""
            scene.say(f"Painting the start layout{later}.")
        else:
            n = len(ec.changed_cells(level, k))
            scene.say(f"Painting the layout from step {level.changes[k - 1].at_step:,} on; its change sets the "
                      f"{n} marked cell{'s' * (n != 1)}.")  # fmt: skip

    def cmd_timeline_step(self, delta: int) -> None:
        """[ and ]: the layout before or after the selected one."""
        level = self.scene.level
        if isinstance(level, GridLevel):
            self.cmd_layout(min(max(self.scene.at + delta, 0), len(level.changes)))

    def cmd_add_change(self, _: Any = None) -> None:
        entry = self.scene.widgets.entries.get("change_step")
        self.add_change(entry.get_text() if entry is not None else "")

    def add_change(self, text: str) -> bool:
        """A new scheduled change at the step typed (refused with what a step may be), selected
        so that what is painted next is what it changes."""
        scene, level = self.scene, self.scene.level
        assert isinstance(level, GridLevel)
        try:
            step = ec.parse_change_step(text, level)
        except LevelError as exc:
            scene.say(f"Can't: {exc.problem}", error=True)
            return False
        if not scene.edit(ec.add_change, step):
            return False
        self.cmd_layout(ec.change_index(scene.level, step))  # type: ignore[arg-type]
        scene.say(f"A change at step {step:,}: paint the cells it changes (marked on the board).")
        return True

    def cmd_remove_change(self, _: Any = None) -> None:
        scene, level = self.scene, self.scene.level
        if not isinstance(level, GridLevel) or scene.at == 0:
            scene.say("Select a change to delete: the start layout stays.", error=True)
            return
        k = scene.at
        step = level.changes[k - 1].at_step
        if scene.edit(ec.remove_change, k):
            self.cmd_layout(k - 1)
            scene.say(f"The change at step {step:,} is deleted (Ctrl+Z brings it back).")
