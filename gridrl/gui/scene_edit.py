"""The level editor: a scene over the training scene (whose widgets it hides while open).

Paint a gridworld with a palette (click or drag; right button paints floor), edit tile kinds
and dynamics, resize the grid, edit a bandit's arms; every edit can be undone (Ctrl+Z) and
redone (Ctrl+Y). The level is validated after every edit, like ``gridrl validate`` does, and
the result is shown; errors never block an edit, only training. Save writes YAML atomically
(a bundled level is saved as a copy in the user levels folder). While there are unsaved
edits an autosave recovery file is kept, and offered back at the next start.

The logic lives in :mod:`gridrl.gui.editor_model`; this scene is widgets and input only.
"""

from __future__ import annotations

import html
import logging
import string
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pygame
from pygame_gui.core import ObjectID
from pygame_gui.elements import UIButton, UILabel, UITextEntryLine

from gridrl.gui import editor_model as em
from gridrl.gui.app import App, Scene
from gridrl.gui.commands import Command
from gridrl.gui.layout import Layout, button_width, compute, fit_widths
from gridrl.levels import BanditLevel, GridLevel, Level, LevelError
from gridrl.render import text as rtext
from gridrl.render.board import BoardRenderer, BoardView
from gridrl.render.colors import THEME

if TYPE_CHECKING:
    from gridrl.gui.scene_train import TrainScene

log = logging.getLogger("gridrl.gui")

PASS_THROUGH = {"quit", "resize", "screenshot", "help"}
AUTOSAVE_SECONDS = 1.0
KEYED = {"brush", "pick_target", "toggle_flag", "grid_resize", "arm_dist", "remove_arm"}
TILE_NAMES = {".": "floor", "#": "wall", "S": "start", "G": "goal", "X": "hazard"}


class EditScene(Scene):
    """The editor. ``train`` is the training scene below; it gets the level back on Train."""

    def __init__(self, app: App, train: TrainScene, model: em.EditorModel) -> None:
        super().__init__(app)
        self.train = train
        self.model = model
        self.brush = "#"
        self.elements: list[Any] = []
        self.entries: dict[str, UITextEntryLine] = {}
        self.palette_buttons: dict[str, UIButton] = {}
        self.picking: str | None = None  # "exit_to" / "teleport": the next click picks the target
        self.stroke_button: int | None = None
        self.message = ""
        self.message_error = False
        self.message_age = 0.0
        self.validation = em.validate(model.level)
        self.renderer: BoardRenderer | None = None
        self.layout: Layout = compute(app.size, self._shape(), second_row=False)
        self._autosave_clock = 0.0
        self._autosaved: Level | None = None
        self._built_for: tuple[Any, ...] = ()
        self._shown_default = ""  # the file name the Save-as field was last given

    # ------------------------------------------------------------------ scene

    @property
    def level(self) -> Level:
        return self.model.level

    def _shape(self) -> tuple[int, int] | None:
        return self.level.shape if isinstance(self.level, GridLevel) else None

    def enter(self) -> None:
        self.train.trainer.playing = False
        self.train.panels.kill()
        self.train.editor = self.model
        self._changed(rebuild=True)
        if isinstance(self.level, GridLevel):
            self.say("Editing. Click or drag to paint; right button paints floor. Ctrl+Z / Ctrl+Y undo / redo.")
        else:
            self.say("Editing the bandit's arms. Enter applies a typed value. Ctrl+Z / Ctrl+Y undo / redo.")

    def exit(self) -> None:
        self._kill()
        self.train._rebuild_panels()

    def resize(self, size: tuple[int, int]) -> None:
        self.train.panels.kill()  # the training scene (resized first) rebuilt its widgets
        self._changed(rebuild=True)

    def can_quit(self) -> bool:
        return self.train.can_quit()

    # ------------------------------------------------------------------ widgets

    def _kill(self) -> None:
        self.app.unbind(self.elements)
        for element in reversed(self.elements):
            if element.alive():
                element.kill()
        self.elements.clear()
        self.entries.clear()
        self.palette_buttons.clear()

    def _add(self, element: Any, command: str | None = None, key: Any = None) -> Any:
        self.elements.append(element)
        if command is not None:
            self.app.bind(element, command, key)
        return element

    def _button(self, rect: pygame.Rect, text: str, command: str, key: Any = None, tip: str = "",
                selected: bool = False) -> UIButton:  # fmt: skip
        button = self._add(UIButton(rect, text, self.app.ui, tool_tip_text=tip or None), command, key)
        if selected:
            button.select()
        return button

    def _label(self, rect: pygame.Rect, text: str, section: bool = False) -> UILabel:
        return self._add(UILabel(rect, text, self.app.ui, object_id=ObjectID(object_id="@section") if section else None))

    def _entry(self, rect: pygame.Rect, name: str, text: str, tip: str = "") -> UITextEntryLine:
        entry = self._add(UITextEntryLine(rect, self.app.ui, initial_text=text), "ed_entry", name)
        if tip:
            entry.set_tooltip(tip)
        self.entries[name] = entry
        return entry

    def _build(self) -> None:
        self._kill()
        lay = self.layout = compute(self.app.size, self._shape(), second_row=False)
        s = lambda n: round(n * lay.scale)  # noqa: E731
        self._build_top_bar(lay, s)
        if isinstance(self.level, GridLevel):
            self._build_grid_panels(lay, s)
        else:
            self._build_bandit_panels(lay, s)
        self._built_for = self._build_key()

    def _build_top_bar(self, lay: Layout, s: Callable[[int], int]) -> None:
        """One row: buttons as wide as their text; the name and file-name entries shrink to
        fit, and in a narrow window (under about 1000 px) the "EDITOR" title gives way."""
        R, fs, gap = lay.row, lay.font_size, s(6)
        buttons = [("Undo", "undo", "Undo the last edit (Ctrl+Z)."), ("Redo", "redo", "Redo (Ctrl+Y)."),
                   ("Save", "save_level", "Save (Ctrl+S). A bundled level is saved as a copy in your levels folder."),
                   ("Train on this level", "train_level", "Back to training, a new agent on the edited level (Ctrl+T)."),
                   ("Close", "escape", "Back to training on the previous level (asks about unsaved edits).")]  # fmt: skip
        widths = [button_width(text, fs) for text, _, _ in buttons]
        save_as_w, new_w, bandit_w, size_w = (button_width(t, fs) for t in ("Save as", "New", "New bandit", "99x99"))
        x0, x1 = lay.pad + 4, lay.size[0] - lay.pad
        room = x1 - x0 - sum(widths) - save_as_w - size_w - new_w - bandit_w - gap * (len(buttons) + 5)
        wants, mins = [s(150), s(150)], [s(80), s(90)]
        title_w = rtext.font(fs - 1, bold=True).size("EDITOR")[0] + s(10)
        if room - title_w < sum(mins):
            title_w = 0
        name_w, file_w = fit_widths(wants, mins, room - title_w)
        y = lay.bar.y + (lay.bar.h - R) // 2
        x = x0
        if title_w:
            self._label(pygame.Rect(x, y, title_w, R), "EDITOR", section=True)
            x += title_w
        self._entry(pygame.Rect(x, y, name_w, R), "name", self.level.name, "The level's name (Enter applies).")
        x += name_w + gap
        for (text, command, tip), w in zip(buttons, widths, strict=True):
            b = self._button(pygame.Rect(x, y, w, R), text, command, tip=tip)
            setattr(self, f"{command}_button", b)
            x += w + gap
        self._entry(pygame.Rect(x, y, file_w, R), "save_as", self._save_as_default(),
                    f"A file name in your levels folder: {em.FILE_NAME_RULE}. Enter saves.")
        x += file_w + gap
        self.save_as_button = self._button(pygame.Rect(x, y, save_as_w, R), "Save as", "save_as",
                                           tip="Save under the file name on the left, in your levels folder.")
        x += save_as_w + gap
        self._entry(pygame.Rect(x, y, size_w, R), "new_size", "5x5",
                    f"Rows x columns of a new level, e.g. 5x5: 1 to {em.MAX_SIDE} cells a side.")
        x += size_w + gap
        self._button(pygame.Rect(x, y, new_w, R), "New", "new_level", tip="A new empty gridworld (Ctrl+N).")
        x += new_w + gap
        self._button(pygame.Rect(x, y, bandit_w, R), "New bandit", "new_bandit", tip="A new two-armed bandit.")

    def _save_as_default(self) -> str:
        self._shown_default = f"{em.slug(self.level.name)}.yaml"
        return self._shown_default

    def _build_key(self) -> tuple[Any, ...]:
        level = self.level
        if isinstance(level, GridLevel):
            return ("grid", tuple(em.palette(level)), level.shape, self.brush, em.kind_of(level, self.brush))
        return ("bandit", len(level.arms), tuple(a.distribution for a in level.arms))

    def _build_grid_panels(self, lay: Layout, s: Callable[[int], int]) -> None:
        level = self.level
        assert isinstance(level, GridLevel)
        R = lay.row
        x0, w = lay.left.x + lay.pad, lay.left.w - 2 * lay.pad
        y = lay.left.y + lay.pad
        self._label(pygame.Rect(x0, y, w, s(20)), "PALETTE", section=True)
        y += s(22)
        bw = (w - 3 * 4) // 4
        for i, char in enumerate(em.palette(level)):
            text = f"{char} {TILE_NAMES.get(char, 'kind')}"
            rect = pygame.Rect(x0 + (i % 4) * (bw + 4), y + (i // 4) * (R + 4), bw, R)
            self.palette_buttons[char] = self._button(rect, text, "brush", char, tip=f"Paint '{char}'.",
                                                      selected=char == self.brush)  # fmt: skip
        y += ((len(em.palette(level)) + 3) // 4) * (R + 4) + 4
        self._entry(pygame.Rect(x0, y, s(40), R), "new_char", "", "One character for a new tile kind.")
        self._button(pygame.Rect(x0 + s(44), y, s(130), R), "Add tile kind", "add_kind",
                     tip="A new tile kind with the character on the left (then set its properties).")
        y += R + 10
        kind = em.kind_of(level, self.brush)
        self._label(pygame.Rect(x0, y, w, s(20)), f"TILE '{self.brush}' PROPERTIES", section=True)
        y += s(22)
        lw = s(92)
        rows = [("reward", f"{kind.reward:g}", "Reward for entering the cell (plus the step reward)."),
                ("exit_reward", f"{kind.exit_reward:g}", "Reward of every action from this cell (with exit to)."),
                ("exit_to", kind.exit_to or "", "Every action from this cell lands on the cell marked so."),
                ("teleport", kind.teleport or "", "Entering sends the agent at once to the cell marked so."),
                ("wind", f"{kind.wind[0]},{kind.wind[1]}", "Push after a move out of the cell: d_row,d_col.")]  # fmt: skip
        for name, text, tip in rows:
            self._label(pygame.Rect(x0, y, lw, R), name)
            self._entry(pygame.Rect(x0 + lw, y, s(70), R), f"tile_{name}", text, tip)
            if name in ("exit_to", "teleport"):
                self._button(pygame.Rect(x0 + lw + s(74), y, s(96), R), "Pick cell", "pick_target", name,
                             tip="Then click the target cell on the board.")  # fmt: skip
            y += R + 4
        flags = [("terminal", kind.terminal), ("wall", kind.wall), ("start", kind.start)]
        fw = (w - 8) // 3
        for i, (name, on) in enumerate(flags):
            self._button(pygame.Rect(x0 + i * (fw + 4), y, fw, R), f"{name}: {'yes' if on else 'no'}",
                         "toggle_flag", name, tip=f"Make '{self.brush}' cells {name} or not.")  # fmt: skip
        y += R + 10
        self._label(pygame.Rect(x0, y, w, s(20)), "DYNAMICS", section=True)
        y += s(22)
        d = level.dynamics
        for name, value in (("gamma", d.gamma), ("step_reward", d.step_reward), ("bump_reward", d.bump_reward),
                            ("slip", d.slip), ("max_steps", d.max_steps)):  # fmt: skip
            low, high = em.DYNAMICS_RANGES[name]
            self._label(pygame.Rect(x0, y, lw + s(10), R), name)
            self._entry(pygame.Rect(x0 + lw + s(10), y, s(90), R), f"dyn_{name}",
                        "" if value is None else f"{value:g}", f"{name}: {low:g} to {high:g} (Enter applies).")
            y += R + 4
        # resize, on the right
        r = lay.right
        x0, w = r.x + lay.pad, r.w - 2 * lay.pad
        y = r.y + lay.pad
        rows_, cols_ = level.shape
        self._label(pygame.Rect(x0, y, w, s(20)), f"GRID {rows_} x {cols_}", section=True)
        y += s(22)
        bw = (w - 12) // 4
        for i, side in enumerate(("top", "bottom", "left", "right")):
            self._label(pygame.Rect(x0 + i * (bw + 4), y, bw, R), side)
            self._button(pygame.Rect(x0 + i * (bw + 4), y + R + 2, bw // 2 - 2, R), "+", "grid_resize", (side, 1),
                         tip=f"Add a row / column at the {side}.")  # fmt: skip
            self._button(pygame.Rect(x0 + i * (bw + 4) + bw // 2, y + R + 2, bw // 2 - 2, R), "−", "grid_resize",
                         (side, -1), tip=f"Remove the row / column at the {side}.")  # fmt: skip
        self.validation_rect = pygame.Rect(x0, y + 2 * R + 14, w, r.bottom - (y + 2 * R + 14) - lay.pad)

    def _build_bandit_panels(self, lay: Layout, s: Callable[[int], int]) -> None:
        level = self.level
        assert isinstance(level, BanditLevel)
        R = lay.row
        c = lay.center
        x0, w = c.x + lay.pad, c.w - 2 * lay.pad
        y = c.y + lay.pad
        self._label(pygame.Rect(x0, y, w, s(20)), "ARMS", section=True)
        y += s(22)
        if level.testbed is not None:
            tb = level.testbed
            self._label(pygame.Rect(x0, y, w, R), "A testbed: q*(a) ~ N(mean, std²) drawn per run, "
                        "rewards ~ N(q*(a), reward_std²). Add an arm to use explicit arms instead.")  # fmt: skip
            y += R + 4
            x = x0
            for prop, value, tip in (("arms", f"{tb.arms}", "How many arms (1 or more)."),
                                     ("mean", f"{tb.mean:g}", "Mean of the true values q*(a)."),
                                     ("std", f"{tb.std:g}", "Spread of the true values (>= 0)."),
                                     ("reward_std", f"{tb.reward_std:g}", "Noise of each reward (>= 0).")):  # fmt: skip
                self._label(pygame.Rect(x, y, s(78), R), prop)
                self._entry(pygame.Rect(x + s(80), y, s(56), R), f"tb_{prop}", value, tip)
                x += s(142)
            y += R + 4
        for i, arm in enumerate(level.arms):
            x = x0
            self._entry(pygame.Rect(x, y, s(96), R), f"arm_name_{i}", arm.name, "The arm's name.")
            x += s(100)
            self._button(pygame.Rect(x, y, s(90), R), arm.distribution, "arm_dist", i,
                         tip="Switch between gaussian and bernoulli.")  # fmt: skip
            x += s(94)
            if arm.distribution == "gaussian":
                self._label(pygame.Rect(x, y, s(44), R), "mean")
                self._entry(pygame.Rect(x + s(46), y, s(64), R), f"arm_mean_{i}", f"{arm.mean:g}")
                self._label(pygame.Rect(x + s(114), y, s(34), R), "std")
                self._entry(pygame.Rect(x + s(150), y, s(64), R), f"arm_std_{i}", f"{arm.std:g}")  # type: ignore[union-attr]
            else:
                self._label(pygame.Rect(x, y, s(44), R), "p")
                self._entry(pygame.Rect(x + s(46), y, s(64), R), f"arm_p_{i}", f"{arm.mean:g}")
            self._button(pygame.Rect(x + s(218), y, s(72), R), "Remove", "remove_arm", i)
            y += R + 4
        self._button(pygame.Rect(x0, y + 4, s(110), R), "Add arm", "add_arm", tip="Add a bernoulli arm.")
        self._label(pygame.Rect(x0 + s(130), y + 4, s(60), R), "steps")
        self._entry(pygame.Rect(x0 + s(190), y + 4, s(90), R), "steps", str(level.steps), "Horizon of one run.")
        if level.testbed is None:
            self._button(pygame.Rect(x0 + s(300), y + 4, s(140), R), "Use a testbed", "use_testbed",
                         tip="Replace the arms by Sutton & Barto's 10-armed testbed: true values drawn per run.")  # fmt: skip
        r = lay.right
        self.validation_rect = pygame.Rect(r.x + lay.pad, r.y + lay.pad, r.w - 2 * lay.pad, r.h - 2 * lay.pad)

    # ------------------------------------------------------------------ state

    def say(self, text: str, error: bool = False) -> None:
        """Show ``text`` for STATUS_SECONDS, like the training scene's status line."""
        self.message, self.message_error, self.message_age = text, error, 0.0

    def _changed(self, rebuild: bool = False) -> None:
        """After any edit: validate, redraw the board, rebuild widgets if their set changed."""
        self.validation = em.validate(self.level)
        if isinstance(self.level, GridLevel):
            try:
                if self.renderer is None:
                    self.renderer = BoardRenderer(self.level)
                else:
                    self.renderer.set_level(self.level)
            except Exception as exc:  # noqa: BLE001 - a half-built level may not render
                log.info("editor: cannot render: %s", exc)
                self.renderer = None
        else:
            self.renderer = None
        if rebuild or self._build_key() != self._built_for:
            self._build()
        else:
            self._sync_entries()

    def _sync_entries(self) -> None:
        """Entries show the model's values (after undo / redo)."""
        level = self.level
        values: dict[str, str] = {"name": level.name}
        save_as = self.entries.get("save_as")
        if save_as is not None and save_as.get_text() == self._shown_default:
            values["save_as"] = self._save_as_default()  # follows the name until the user types one
        if isinstance(level, GridLevel):
            kind = em.kind_of(level, self.brush)
            values.update(tile_reward=f"{kind.reward:g}", tile_exit_reward=f"{kind.exit_reward:g}",
                          tile_exit_to=kind.exit_to or "", tile_teleport=kind.teleport or "",
                          tile_wind=f"{kind.wind[0]},{kind.wind[1]}")  # fmt: skip
            d = level.dynamics
            for name in em.DYNAMICS_RANGES:
                value = getattr(d, name)
                values[f"dyn_{name}"] = "" if value is None else f"{value:g}"
        focused = set(self.app.ui.get_focus_set() or ())
        for name, text in values.items():
            entry = self.entries.get(name)
            if entry is not None and entry not in focused and entry.get_text() != text:
                entry.set_text(text)

    def edit(self, fn: Callable[..., Level], *args: Any, merge: bool = False, what: str = "", **kwargs: Any) -> bool:
        """Apply one edit; a refused one (LevelError) is explained, the level stays."""
        try:
            changed = self.model.do(fn, *args, merge=merge, **kwargs)
        except (LevelError, ValueError, TypeError, IndexError) as exc:
            self.say(f"Can't: {getattr(exc, 'problem', exc)}", error=True)
            return False
        if changed:
            self._changed()
            if what:
                self.say(what)
        return changed

    # ------------------------------------------------------------------ commands

    def handle(self, command: Command) -> Command | None:
        if command.name in PASS_THROUGH:
            return command
        handler = getattr(self, f"cmd_{command.name}", None)
        arg = command.arg
        if command.name in KEYED and isinstance(arg, tuple) and len(arg) == 2 and arg[1] is None:
            arg = arg[0]  # a button bound with a key: (key, None)
        if handler is not None:
            handler(arg)
        return None  # the training scene below gets nothing while the editor is open

    def cmd_undo(self, _: Any = None) -> None:
        if self.model.undo():
            self._changed()
            self.say("Undone.")
        else:
            self.say("Nothing to undo.")

    def cmd_redo(self, _: Any = None) -> None:
        if self.model.redo():
            self._changed()
            self.say("Redone.")
        else:
            self.say("Nothing to redo.")

    def cmd_brush(self, char: str) -> None:
        self.brush = char
        self.picking = None
        self._build()
        self.say(f"Painting '{char}' ({TILE_NAMES.get(char, 'a tile kind of this level')}).")

    def _cell(self, pos: tuple[int, int]) -> tuple[int, int] | None:
        if self.renderer is None or not isinstance(self.level, GridLevel):
            return None
        s = self.renderer.cell_at(pos, self.layout.board)
        if s is None:
            return None
        return divmod(s, self.level.shape[1])

    def cmd_click(self, pos: tuple[int, int]) -> None:
        cell = self._cell(pos)
        if cell is None:
            return
        if self.picking is not None:
            self.pick_target(cell)
            return
        self.stroke_button = 1
        self.edit(em.paint, [cell], self.brush)

    def cmd_right_click(self, pos: tuple[int, int]) -> None:
        cell = self._cell(pos)
        if cell is None:
            return
        self.stroke_button = 3
        self.edit(em.paint, [cell], ".")

    def cmd_drag(self, arg: tuple[tuple[int, int], bool, bool]) -> None:
        pos, left, right = arg
        if self.stroke_button is None or self.picking is not None:
            return
        cell = self._cell(pos)
        if cell is None:
            return
        char = self.brush if self.stroke_button == 1 and left else "." if self.stroke_button == 3 and right else None
        if char is not None:
            self.edit(em.paint, [cell], char, merge=True)  # one undo step for the whole stroke

    def cmd_release(self, _: Any = None) -> None:
        self.stroke_button = None

    def cmd_pick_target(self, which: str) -> None:
        self.picking = which
        self.say(f"Click the cell '{self.brush}' cells send the agent to ({which}).")

    def pick_target(self, cell: tuple[int, int]) -> None:
        """Make ``cell`` the brush kind's target; a cell that is not marked uniquely gets a
        character of its own (a copy of its kind), as a target must name one cell."""
        level = self.level
        assert isinstance(level, GridLevel)
        which, self.picking = self.picking, None
        r, c = cell
        char = level.layout[r][c]
        kind = em.kind_of(level, char)
        new = level
        if len(level.cells_of(char)) > 1 and not kind.start:
            spare = next(ch for ch in string.ascii_lowercase + string.ascii_uppercase + string.digits
                         if ch not in em.palette(level) and ch not in "".join(level.layout))  # fmt: skip
            new = em.add_kind(new, spare, **kind.differences(em.base_tile(spare)))
            new = em.paint(new, [cell], spare)
            char = spare
        try:
            new = em.set_kind(new, self.brush, **{which: char})
        except LevelError as exc:
            self.say(f"Can't: {exc.problem}", error=True)
            return
        self.model.apply(new)
        self._changed()
        self.say(f"'{self.brush}' cells now {'lead' if which == 'exit_to' else 'teleport'} to row {r + 1} col {c + 1} ('{char}').")

    def cmd_toggle_flag(self, name: str) -> None:
        kind = em.kind_of(self.level, self.brush)  # type: ignore[arg-type]
        self.edit(em.set_kind, self.brush, what=f"'{self.brush}' {name}: {not getattr(kind, name)}",
                  **{name: not getattr(kind, name)})  # fmt: skip

    def cmd_ed_entry(self, arg: tuple[str, tuple[str, str]]) -> None:
        name, (kind, text) = arg
        if kind != "finished":
            return
        self.apply_entry(name, text)

    def apply_entry(self, name: str, text: str) -> None:
        """What Enter in entry ``name`` does (tests call it with the text typed). A bad value
        is refused with what the field allows."""
        text = text.strip()
        number = em.parse_number
        try:
            if name == "name":
                from dataclasses import replace  # noqa: PLC0415

                self.edit(lambda lv: replace(lv, name=text or lv.name), what="Renamed.")
            elif name == "save_as":
                self.save_as(text)
            elif name.startswith("tile_"):
                prop = name[5:]
                value: Any
                if prop in ("reward", "exit_reward"):
                    value = number(text, prop)
                elif prop == "wind":
                    parts = text.replace(" ", "").split(",")
                    if len(parts) != 2:
                        raise LevelError(f"wind must be d_row,d_col: two whole numbers, e.g. 0,1; got {text!r}")
                    value = tuple(int(number(p, "each part of wind", whole=True)) for p in parts)
                else:
                    value = text or None
                self.edit(em.set_kind, self.brush, what=f"'{self.brush}' {prop} = {text or 'none'}", **{prop: value})
            elif name.startswith("dyn_"):
                prop = name[4:]
                low, high = em.DYNAMICS_RANGES[prop]
                value = (None if (prop == "max_steps" and text.lower() in ("", "none"))
                         else number(text, prop, low, high, whole=prop == "max_steps"))  # fmt: skip
                self.edit(em.set_dynamics, what=f"{prop} = {text or 'default'}", **{prop: value})
            elif name.startswith("arm_"):
                _, prop, index = name.split("_")
                limits = {"mean": (None, None), "std": (0, None), "p": (0, 1)}
                value = text if prop == "name" else number(text, prop, *limits[prop])
                self.edit(em.set_arm, int(index), what=f"arm {int(index) + 1} {prop} = {text}", **{prop: value})
            elif name == "steps":
                self.edit(em.set_steps, int(number(text, "steps", 1, 1_000_000, whole=True)), what=f"steps = {text}")
            elif name.startswith("tb_"):
                prop = name[3:]
                low, high = {"arms": (1, em.MAX_ARMS), "mean": (None, None)}.get(prop, (0, None))
                value = number(text, prop, low, high, whole=prop == "arms")
                self.edit(em.set_testbed, what=f"testbed {prop} = {text}", **{prop: value})
        except LevelError as exc:
            self.say(f"Can't: {exc.problem}", error=True)

    def cmd_add_kind(self, _: Any = None) -> None:
        entry = self.entries.get("new_char")
        char = entry.get_text().strip() if entry is not None else ""
        self.add_kind(char)

    def add_kind(self, char: str) -> None:
        if self.edit(em.add_kind, char, what=f"New tile kind '{char}': set its properties on the left."):
            self.brush = char
            self._build()

    def cmd_grid_resize(self, arg: tuple[str, int]) -> None:
        side, delta = arg
        self.edit(em.resize, what=f"Grid resized at the {side}.", **{side: delta})

    def cmd_add_arm(self, _: Any = None) -> None:
        self.edit(em.add_arm, what="Arm added.")

    def cmd_remove_arm(self, index: int) -> None:
        self.edit(em.remove_arm, index, what=f"Arm {index + 1} removed.")

    def cmd_use_testbed(self, _: Any = None) -> None:
        self.edit(em.set_testbed, what="A 10-armed testbed: true values are drawn per run.")

    def cmd_arm_dist(self, index: int) -> None:
        level = self.level
        assert isinstance(level, BanditLevel)
        dist = "bernoulli" if level.arms[index].distribution == "gaussian" else "gaussian"
        self.edit(em.set_arm, index, dist, what=f"Arm {index + 1} is {dist}.")

    def cmd_new_level(self, arg: Any = None) -> None:
        text = arg if isinstance(arg, str) else self.entries["new_size"].get_text() if "new_size" in self.entries else "5x5"
        try:
            level = em.new_grid(*em.parse_size(text))
        except LevelError as exc:
            self.say(f"Can't: {exc.problem}", error=True)
            return
        self.train.ask_unsaved(lambda: self.start_new(level), "start a new level")

    def cmd_new_bandit(self, _: Any = None) -> None:
        self.train.ask_unsaved(lambda: self.start_new(em.new_bandit()), "start a new level")

    def start_new(self, level: Level) -> None:
        self.model = em.EditorModel(level)  # nothing to lose until the first edit
        self.train.editor = self.model
        self.brush = "S" if isinstance(level, GridLevel) else self.brush
        self.renderer = None
        self._changed(rebuild=True)
        self.say(f"A new {'gridworld' if isinstance(level, GridLevel) else 'bandit'}: paint a start (S) and a goal (G).")

    def cmd_save_level(self, _: Any = None) -> None:
        self.save()

    def cmd_save_as(self, _: Any = None) -> None:
        name = self.entries["save_as"].get_text().strip() if "save_as" in self.entries else ""
        self.save_as(name)

    def save_as(self, name: str) -> Path | None:
        """Save under file name ``name`` in the user levels folder; a bad name is refused with
        what a name may hold, and replacing another level's file is asked first."""
        try:
            path = em.user_levels_dir() / em.file_name(name)
        except LevelError as exc:
            self.say(f"Can't save: {exc.problem}", error=True)
            return None
        if path.exists() and path != self.model.path:
            from gridrl.gui.overlays import ChoiceScene  # noqa: PLC0415

            self.app.push(ChoiceScene(self.app, "Replace the file?",
                                      f"<b>{html.escape(path.name)}</b> already exists in your levels folder. "
                                      "Replace it with this level?",
                                      [("Replace", lambda: self.save(path)), ("Cancel", lambda: None)]))  # fmt: skip
            return None
        return self.save(path)

    def save(self, path: Path | None = None) -> Path | None:
        if not self.validation.ok:
            self.say(f"Saved anyway, but the level has an error: {self.validation.errors[0]}", error=True)
        try:
            written = self.model.save(path)
        except (OSError, LevelError) as exc:
            self.say(f"Could not save: {exc}", error=True)
            return None
        em.clear_recovery()
        self._autosaved = None
        self.train.add_user_level(written, self.level)
        if self.validation.ok:
            self.say(f"Saved to {written}.")
        return written

    def cmd_train_level(self, _: Any = None) -> None:
        self.train_on_level()

    def train_on_level(self) -> bool:
        if not self.validation.ok:
            self.say(f"Fix this first: {self.validation.errors[0]}", error=True)
            return False
        from gridrl.levels import level_to_yaml, parse_level  # noqa: PLC0415

        level = parse_level(level_to_yaml(self.level), source="edited level")
        label = self.train.label_for_edited(self.model)
        self.app.pop(self)
        return self.train.switch_level(level, label)

    def cmd_escape(self, _: Any = None) -> None:
        if self.picking is not None:
            self.picking = None
            self.say("Target picking cancelled.")
            return
        self.train.ask_unsaved(self.close, "close the editor")

    def close(self) -> None:
        self.train.editor = None
        em.clear_recovery()
        self.app.pop(self)

    # ------------------------------------------------------------------ frame

    def update(self, dt: float) -> None:
        from gridrl.gui.scene_train import STATUS_SECONDS  # noqa: PLC0415

        self.message_age += dt
        if self.message_age >= STATUS_SECONDS:
            self.message = ""
        self._autosave_clock += dt
        if self.model.dirty and self.level != self._autosaved and self._autosave_clock >= AUTOSAVE_SECONDS:
            self.autosave()

    def autosave(self) -> None:
        self._autosave_clock = 0.0
        try:
            em.write_recovery(self.level, self.model.path)
            self._autosaved = self.level
        except OSError as exc:
            log.info("editor autosave failed: %s", exc)

    def draw(self, surface: pygame.Surface) -> None:
        lay = self.layout
        surface.fill(THEME["background"])
        for rect in (lay.top, lay.left, lay.right):
            pygame.draw.rect(surface, THEME["panel"], rect)
        pygame.draw.line(surface, THEME["panel_border"], lay.top.bottomleft, lay.top.bottomright)
        if self.renderer is not None:
            self.renderer.draw(surface, lay.board, BoardView(overlays=frozenset()))
            self._draw_chars(surface)
        msg_rect = pygame.Rect(lay.center.x + lay.pad, lay.legend.y, lay.center.w - 2 * lay.pad, lay.legend.h)
        from gridrl.gui.scene_train import wrap  # noqa: PLC0415

        color = THEME["hazard"] if self.message_error else THEME["text"]
        for i, line in enumerate(wrap(self.message, 14, msg_rect.w)[:3]):  # wrapped, not shrunk
            rtext.blit(surface, line, 14, color, (msg_rect.x, msg_rect.y + i * 18), anchor="topleft")
        self._draw_validation(surface)

    def _draw_chars(self, surface: pygame.Surface) -> None:
        """Each cell's layout character in a corner, so the legend's kinds can be told apart
        (not where the board already writes it: the start badge, custom tiles' letters)."""
        level = self.level
        assert isinstance(level, GridLevel) and self.renderer is not None
        rows, cols = level.shape
        cell = self.renderer.layout(self.layout.board).cell
        size = max(9, min(16, cell // 4))
        drawn = self.renderer.letters_drawn(cell)
        for r in range(rows):
            for c in range(cols):
                char = level.layout[r][c]
                if char in "." or drawn[r * cols + c]:
                    continue
                rect = self.renderer.cell_rect(r * cols + c, self.layout.board)
                rtext.blit(surface, char, size, THEME["selection"], (rect.x + 3, rect.y + 2), anchor="topleft", bold=True)

    def _draw_validation(self, surface: pygame.Surface) -> None:
        r = getattr(self, "validation_rect", None)
        if r is None:
            return
        y = r.y
        v = self.validation
        title, color = ("✓ valid level", THEME["goal"]) if v.ok else ("✗ not valid yet", THEME["hazard"])
        rtext.blit(surface, title, 15, color, (r.x, y), anchor="topleft", bold=True)
        y += 24
        status = "unsaved changes" if self.model.dirty else "saved" if self.model.path else "new, no edits yet"
        where = f" · {self.model.path.name}" if self.model.path else ""
        rtext.blit(surface, status + where, 13, THEME["text_muted"], (r.x, y), anchor="topleft", max_width=r.w)
        y += 22
        lines = [("error: " + e, THEME["hazard"]) for e in v.errors] + [("warning: " + w, THEME["text"]) for w in v.warnings]
        if not v.ok:
            lines.append(("Train is off until the errors are fixed.", THEME["text_muted"]))
        from gridrl.gui.scene_train import wrap  # noqa: PLC0415

        for text, color in lines:
            for line in wrap(text, 13, r.w):
                if y > r.bottom - 16:
                    return
                rtext.blit(surface, line, 13, color, (r.x, y), anchor="topleft")
                y += 18


def offer_recovery(app: App) -> None:
    """At start-up: if the editor left a recovery file (a crash with unsaved edits), offer it."""
    found = em.read_recovery()
    if found is None:
        return
    level, target = found
    from gridrl.gui.overlays import ChoiceScene  # noqa: PLC0415
    from gridrl.gui.scene_train import TrainScene  # noqa: PLC0415

    train = app.find(TrainScene)

    def restore() -> None:
        model = em.EditorModel(level, path=target)
        model.saved_level = None  # the recovered edits are not saved yet
        app.push(EditScene(app, train, model))

    where = f" (for {html.escape(str(target))})" if target else ""
    app.push(ChoiceScene(app, "Recover unsaved edits?",
                         f"The level editor closed with unsaved edits to <b>{html.escape(level.name)}</b>{where}. "
                         "Restore them?", [("Restore", restore), ("Discard", em.clear_recovery)]))  # fmt: skip
