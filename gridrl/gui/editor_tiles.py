"""What the level editor's tile-kind widgets do: add a tile kind, switch its flags, apply a
typed property (rewards, their noise, targets, wind) and pick a target cell on the board. The
kind edited is the scene's brush; the logic lives in :mod:`gridrl.gui.editor_model`."""

from __future__ import annotations

import string
from typing import TYPE_CHECKING, Any

from gridrl.gui import editor_changes as ec
from gridrl.gui import editor_model as em
from gridrl.levels import GridLevel, LevelError

if TYPE_CHECKING:
    from gridrl.gui.scene_edit import EditScene


class TileCommands:
    """The editor's commands for the tile kinds of a gridworld's legend."""

    def __init__(self, scene: EditScene) -> None:
        self.scene = scene

    def cmd_add_kind(self, _: Any = None) -> None:
        entry = self.scene.widgets.entries.get("new_char")
        self.add_kind(entry.get_text().strip() if entry is not None else "")

    def add_kind(self, char: str) -> None:
        scene = self.scene
        if scene.edit(em.add_kind, char, what=f"New tile kind '{char}': set its properties on the left."):
            scene.brush = char
            scene.build()

    def cmd_toggle_flag(self, name: str) -> None:
        scene = self.scene
        kind = em.kind_of(scene.level, scene.brush)  # type: ignore[arg-type]
        scene.edit(em.set_kind, scene.brush, what=f"'{scene.brush}' {name}: {not getattr(kind, name)}",
                   **{name: not getattr(kind, name)})  # fmt: skip

    def apply_entry(self, prop: str, text: str) -> None:
        """Enter in the brush kind's field ``prop`` with ``text`` typed; a value the field does
        not allow raises a LevelError that says what it allows."""
        number = em.parse_number
        value: Any
        if prop in ("reward", "exit_reward"):
            value = number(text, prop)
        elif prop in em.NOISE_FIELDS:
            value = number(text, prop, 0.0)
        elif prop == "wind":
            parts = text.replace(" ", "").split(",")
            if len(parts) != 2:
                raise LevelError(f"wind must be d_row,d_col: two whole numbers, e.g. 0,1; got {text!r}")
            value = tuple(int(number(p, "each part of wind", whole=True)) for p in parts)
        else:
            value = text or None
        brush = self.scene.brush
        self.scene.edit(em.set_kind, brush, what=f"'{brush}' {prop} = {text or 'none'}", **{prop: value})

    def cmd_pick_target(self, which: str) -> None:
        self.scene.picking = which
        self.scene.say(f"Click the cell '{self.scene.brush}' cells send the agent to ({which}).")

    def pick_target(self, cell: tuple[int, int]) -> None:
        """Make ``cell`` the brush kind's target; a cell that is not marked uniquely gets a
        character of its own (a copy of its kind), as a target must name one cell."""
        scene = self.scene
        level, shown = scene.level, scene.shown
        assert isinstance(level, GridLevel)
        which, scene.picking = scene.picking, None
        r, c = cell
        char = shown.layout[r][c]
        kind = em.kind_of(level, char)
        new = level
        if len(shown.cells_of(char)) > 1 and not kind.start:
            used = "".join("".join(layout) for layout in ec.layouts(level))
            spare = next(ch for ch in string.ascii_lowercase + string.ascii_uppercase + string.digits
                         if ch not in em.palette(level) and ch not in used)  # fmt: skip
            new = em.add_kind(new, spare, **kind.differences(em.base_tile(spare)))
            new = ec.paint_layout(new, scene.at, [cell], spare)
            char = spare
        try:
            new = em.set_kind(new, scene.brush, **{which: char})
        except LevelError as exc:
            scene.say(f"Can't: {exc.problem}", error=True)
            return
        scene.model.apply(new)
        scene.changed()
        verb = "lead" if which == "exit_to" else "teleport"
        scene.say(f"'{scene.brush}' cells now {verb} to row {r + 1} col {c + 1} ('{char}').")
