"""What the left panel's lower tools do to the board: dynamic programming's own steps (back
up one cell, sweep, improve the policy) and live edits of the selected cell (a wall, its
reward) while the agent keeps learning."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pygame

from gridrl.agents import LevelMismatchError
from gridrl.gui import edits
from gridrl.gui.inspector import num
from gridrl.gui.status import ERROR_COLOUR, draw_lines
from gridrl.levels import GridLevel, LevelError, level_warnings
from gridrl.render.colors import THEME

if TYPE_CHECKING:
    from gridrl.gui.scene_train import TrainScene


class CellTools:
    """``reward_text`` / ``reward_error``: the reward field's text and what is wrong with it."""

    def __init__(self, scene: TrainScene) -> None:
        self.scene = scene
        self.reward_text = ""
        self.reward_error = ""

    def select(self, level: GridLevel, s: int) -> None:
        """A cell was selected: the reward field shows its reward."""
        self.reward_text = f"{edits.cell_reward(level, s):g}"
        self.reward_error = ""

    def _dp_only(self, what: str) -> bool:
        if not self.scene.trainer.is_dp:
            self.scene.status(f"{what} is for dynamic-programming agents (value iteration, policy iteration, "
                        "policy evaluation).", error=True)  # fmt: skip
            return False
        return True

    def cmd_dp_backup(self, _: Any = None) -> None:
        if not self._dp_only("Backing up one cell"):
            return
        if self.scene.selected is None:
            self.scene.status("Select a cell first (click on the board), then back it up (B).", error=True)
            return
        self.scene.trainer.backup_cell(self.scene.selected)

    def cmd_dp_sweep(self, _: Any = None) -> None:
        if self._dp_only("A sweep"):
            self.scene.trainer.sweep()

    def cmd_dp_improve(self, _: Any = None) -> None:
        if not self._dp_only("Policy improvement"):
            return
        if self.scene.trainer.agent_name != "policy-iteration":
            self.scene.status("Policy improvement is a step of policy iteration; value iteration improves "
                        "in every backup (max over actions).", error=True)  # fmt: skip
            return
        self.scene.trainer.improve()

    # ------------------------------------------------------------------ live edits

    def _edit_cell(self) -> int | None:
        if not isinstance(self.scene.level, GridLevel):
            self.scene.status("Live edits are for gridworlds.", error=True)
            return None
        if self.scene.selected is None:
            self.scene.status("Select a cell first (click on the board).", error=True)
            return None
        return self.scene.selected

    def apply_level_edit(self, level: GridLevel, what: str) -> bool:
        try:
            self.scene.trainer.set_level(level)
        except (NotImplementedError, LevelMismatchError) as exc:
            self.scene.status(f"Can't edit while {self.scene.trainer.agent_name} learns: {exc}", error=True)
            return False
        self.scene.board.edit_level(level)
        if self.scene.manual is not None:
            self.scene.manual.set_level(level)
        self.scene.levels.mark_edited(level)
        self.scene.rebuild_panels()
        warnings = level_warnings(level)
        self.scene.status(f"{what}; the agent keeps learning." + (f"  ⚠ {warnings[0]}" if warnings else ""),
                    error=bool(warnings))  # fmt: skip
        return True

    def cmd_toggle_wall(self, _: Any = None) -> None:
        s = self._edit_cell()
        if s is None:
            return
        try:
            level = edits.toggle_wall(self.scene.level, s)
        except LevelError as exc:
            self.scene.status(f"Can't: {exc.problem}", error=True)
            return
        was = edits.is_wall(self.scene.level, s)
        self.apply_level_edit(level, "Wall removed" if was else "Wall added")

    def cmd_edit_reward(self, _: Any = None) -> None:
        if self._edit_cell() is None or not hasattr(self.scene.panels, "reward_entry"):
            return
        entry = self.scene.panels.reward_entry
        self.scene.app.ui.set_focus_set(entry)
        entry.focus()

    def cmd_reward_entry(self, arg: tuple[str, str]) -> None:
        kind, text = arg
        self.reward_text = text
        try:
            value = float(text)
            if not math.isfinite(value):
                raise ValueError
        except ValueError:
            self.reward_error = f"reward must be a number, got {text!r}"
            self.scene.panels.set_reward_valid(False)
            return
        self.reward_error = ""
        self.scene.panels.set_reward_valid(True)
        if kind == "finished":
            self.set_reward(value)

    def cmd_set_reward(self, _: Any = None) -> None:
        self.cmd_reward_entry(("finished", self.scene.panels.reward_entry.get_text()))

    def set_reward(self, value: float) -> None:
        s = self._edit_cell()
        if s is None:
            return
        try:
            level = edits.set_reward(self.scene.level, s, value)
        except LevelError as exc:
            self.scene.status(f"Can't: {exc.problem}", error=True)
            return
        if level is self.scene.level:
            return
        self.apply_level_edit(level, f"Entering this cell now pays {num(value)} (plus the step reward)")

    def draw(self, surface: pygame.Surface) -> None:
        r = getattr(self.scene.panels, "edit_text_rect", None)
        if r is None:
            return
        if self.reward_error:
            text, color = self.reward_error, ERROR_COLOUR
        elif self.scene.selected is None:
            text, color = "Click a cell to edit it. W toggles a wall, E edits its reward.", THEME["text_muted"]
        else:
            rows, cols = self.scene.level.shape
            row, col = divmod(self.scene.selected, cols)
            step = self.scene.level.dynamics.step_reward
            text = f"Cell row {row + 1}, col {col + 1}" + (f" · every move also pays {num(step)}" if step else "")
            color = THEME["text_muted"]
        draw_lines(surface, [text], r.x, r.y, r.w, r.bottom, size=self.scene.fs(12), color=color)
