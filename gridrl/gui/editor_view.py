"""What the level editor shows: its widgets (the top bar; the palette, tile properties and
dynamics of a gridworld, or a bandit's arms; the grid's size; the scheduled changes) built
from the level being edited, the letters of its cells, the cells the selected change sets,
and its validation. Input is handled by
:class:`~gridrl.gui.scene_edit.EditScene`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import pygame
from pygame_gui.core import ObjectID
from pygame_gui.elements import UIButton, UILabel, UITextEntryLine

from gridrl.gui import editor_changes as ec
from gridrl.gui import editor_model as em
from gridrl.gui.editor_layout import EditorLayout
from gridrl.gui.layout import button_width, fit_widths
from gridrl.gui.reason_button import ReasonButton
from gridrl.gui.status import wrap
from gridrl.gui.widgets import fit_text
from gridrl.levels import BanditLevel, GridLevel, Level
from gridrl.render import text as rtext
from gridrl.render.colors import THEME

if TYPE_CHECKING:
    from gridrl.gui.scene_edit import EditScene

TILE_NAMES = {".": "floor", "#": "wall", "S": "start", "G": "goal", "X": "hazard"}
#: Presentation mode's top bar buttons that show the folded widgets.
PROPERTIES, FILES = "⚙ Properties", "Files"
#: The widths of the file widgets after the file name: Save as, a new size's entry, New, New bandit.
FILE_TAIL = ("Save as", "99x99", "New", "New bandit")


def layout_texts(level: GridLevel) -> list[str]:
    """The buttons that choose the layout painted: the start, then each scheduled change."""
    return ["start"] + [f"step {change.at_step:,}" for change in level.changes]


def palette_texts(level: GridLevel) -> dict[str, str]:
    """The palette's buttons: each brush's character and what it paints."""
    return {char: f"{char} {TILE_NAMES.get(char, 'kind')}" for char in em.palette(level)}


class EditorView:
    """The editor's widgets (``entries`` by name, ``palette_buttons`` by tile character, the
    top bar's buttons as ``<command>_button``) and its drawing beside the board."""

    def __init__(self, scene: EditScene) -> None:
        self.scene = scene
        self.elements: list[Any] = []
        self.entries: dict[str, UITextEntryLine] = {}
        self.palette_buttons: dict[str, UIButton] = {}
        #: The buttons that choose the layout painted, by layout (0: the start).
        self.layout_buttons: list[UIButton] = []
        self.validation_rect: pygame.Rect | None = None
        #: Where the editor's messages go (under the board).
        self.message_rect = pygame.Rect(0, 0, 0, 0)
        self.shown_default = ""  # the file name the Save-as field was last given

    @property
    def level(self) -> Level:
        return self.scene.level

    def kill(self) -> None:
        self.scene.app.unbind(self.elements)
        for element in reversed(self.elements):
            if element.alive():
                element.kill()
        self.elements.clear()
        self.entries.clear()
        self.palette_buttons.clear()
        self.layout_buttons.clear()

    def _add(self, element: Any, command: str | None = None, key: Any = None) -> Any:
        self.elements.append(element)
        if command is not None:
            self.scene.app.bind(element, command, key)
        return element

    def _button(self, rect: pygame.Rect, text: str, command: str, key: Any = None, tip: str = "",
                selected: bool = False) -> UIButton:  # fmt: skip
        button = self._add(UIButton(rect, text, self.scene.app.ui, tool_tip_text=tip or None), command, key)
        fit_text(button, text, tip)
        if selected:
            button.select()
        return button

    def _label(self, rect: pygame.Rect, text: str, section: bool = False) -> UILabel:
        label = self._add(UILabel(rect, text, self.scene.app.ui, object_id=ObjectID(object_id="@section") if section else None))
        fit_text(label, text, None)
        return label

    def _entry(self, rect: pygame.Rect, name: str, text: str, tip: str = "") -> UITextEntryLine:
        entry = self._add(UITextEntryLine(rect, self.scene.app.ui, initial_text=text), "ed_entry", name)
        if tip:
            entry.set_tooltip(tip)
        self.entries[name] = entry
        return entry

    def build(self, lay: EditorLayout) -> None:
        self.kill()
        self.message_rect = lay.notes
        s = lambda n: round(n * lay.scale)  # noqa: E731
        self._build_top_bar(lay, s)
        if not isinstance(self.level, GridLevel):
            self._build_bandit_panels(lay, s)
        elif lay.mode == "full":
            self._build_grid_panels(lay, s)
        else:
            self._build_presentation_panels(lay, s)

    def _build_top_bar(self, lay: EditorLayout, s: Callable[[int], int]) -> None:
        """One row: buttons as wide as their text; the name and file-name entries shrink to
        fit, and in a narrow window (under about 1000 px) the "EDITOR" title gives way.
        Presentation mode: the edit buttons and, on the right, the toggles of what it folds;
        the file widgets in the second row, when shown."""
        R, fs, gap = lay.row, lay.font_size, s(6)
        buttons = [("Undo", "undo", "Undo the last edit (Ctrl+Z)."), ("Redo", "redo", "Redo (Ctrl+Y)."),
                   ("Save", "save_level", "Save (Ctrl+S). A bundled level is saved as a copy in your levels folder."),
                   ("Train on this level", "train_level", "Back to training, a new agent on the edited level (Ctrl+T)."),
                   ("Close", "escape", "Back to training on the previous level (asks about unsaved edits).")]  # fmt: skip
        widths = [button_width(text, fs) for text, _, _ in buttons]
        tail = sum(button_width(t, fs) for t in FILE_TAIL) + gap * len(FILE_TAIL)
        x0, x1 = lay.pad + 4, lay.size[0] - lay.pad
        y = lay.bar.y + (lay.bar.h - R) // 2
        if lay.presentation:
            self._add_buttons(buttons, widths, x0, y, R, gap)
            self._build_toggles(lay, x1, y)
            if lay.file_row is not None:
                y = lay.file_row.y + (lay.file_row.h - R) // 2
                name_w, file_w = fit_widths([s(150), s(150)], [s(80), s(90)], x1 - x0 - tail - gap)
                self._entry(pygame.Rect(x0, y, name_w, R), "name", self.level.name, "The level's name (Enter applies).")
                self._build_file_tail(lay, s, x0 + name_w + gap, y, file_w)
            return
        room = x1 - x0 - sum(widths) - tail - gap * (len(buttons) + 1)
        wants, mins = [s(150), s(150)], [s(80), s(90)]
        title_w = rtext.font(fs - 1, bold=True).size("EDITOR")[0] + s(10)
        if room - title_w < sum(mins):
            title_w = 0
        name_w, file_w = fit_widths(wants, mins, room - title_w)
        x = x0
        if title_w:
            self._label(pygame.Rect(x, y, title_w, R), "EDITOR", section=True)
            x += title_w
        self._entry(pygame.Rect(x, y, name_w, R), "name", self.level.name, "The level's name (Enter applies).")
        x += name_w + gap
        self._add_buttons(buttons, widths, x, y, R, gap)
        self._build_file_tail(lay, s, x + sum(widths) + gap * len(buttons), y, file_w)

    def _add_buttons(self, buttons: list[tuple[str, str, str]], widths: list[int], x: int, y: int, R: int,
                     gap: int) -> None:  # fmt: skip
        """The top bar's edit buttons, from ``x``; each is also ``<command>_button``."""
        for (text, command, tip), w in zip(buttons, widths, strict=True):
            setattr(self, f"{command}_button", self._button(pygame.Rect(x, y, w, R), text, command, tip=tip))
            x += w + gap

    def _build_toggles(self, lay: EditorLayout, x1: int, y: int) -> None:
        """Presentation mode's buttons that show what it folds, right-aligned at ``x1``;
        selected while it is shown."""
        toggles = [(FILES, "editor_files", "Show or hide the level's name, Save as and New.", self.scene.files_open)]
        if isinstance(self.level, GridLevel):
            toggles.insert(0, (PROPERTIES, "editor_properties",
                               "Show or hide the tile properties, the dynamics and the grid's size.",
                               self.scene.properties_open))  # fmt: skip
        x = x1
        for text, command, tip, shown in reversed(toggles):
            w = button_width(text, lay.font_size)
            x -= w
            self._button(pygame.Rect(x, y, w, lay.row), text, command, tip=tip, selected=shown)
            x -= round(6 * lay.scale)

    def _build_file_tail(self, lay: EditorLayout, s: Callable[[int], int], x: int, y: int, file_w: int) -> None:
        """The file name, Save as, a new level's size, New and New bandit, from ``x``."""
        R, fs, gap = lay.row, lay.font_size, s(6)
        save_as_w, size_w, new_w, bandit_w = (button_width(t, fs) for t in FILE_TAIL)
        self._entry(pygame.Rect(x, y, file_w, R), "save_as", self.save_as_default(),
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

    def save_as_default(self) -> str:
        self.shown_default = f"{em.slug(self.level.name)}.yaml"
        return self.shown_default

    def _build_grid_panels(self, lay: EditorLayout, s: Callable[[int], int]) -> None:
        """The normal layout: palette, tile properties and dynamics on the left; the grid's
        size and the validation on the right."""
        x0, w = lay.left.x + lay.pad, lay.left.w - 2 * lay.pad
        y = self._palette(lay, s, x0, lay.left.y + lay.pad, w)
        y = self._tile_properties(lay, s, x0, y, w)
        self._dynamics(lay, s, x0, y + 10, w)
        r = lay.right
        x0, w = r.x + lay.pad, r.w - 2 * lay.pad
        y = self._changes(lay, s, x0, self._grid_size(lay, s, x0, r.y + lay.pad, w) + 10, w)
        self.validation_rect = pygame.Rect(x0, y + 10, w, r.bottom - (y + 10) - lay.pad)

    def _build_presentation_panels(self, lay: EditorLayout, s: Callable[[int], int]) -> None:
        """Presentation mode: the palette alone in the strip ("strip"), or with the tile
        properties, beside the grid's size and the dynamics ("settings"); the validation under
        the board, beside the messages."""
        x0, w = lay.left.x + lay.pad, lay.left.w - 2 * lay.pad
        if lay.mode == "strip":
            y = self._palette(lay, s, x0, lay.left.y + lay.pad, w, columns=lay.strip_columns, title=False)
            if self.level.changes:  # type: ignore[union-attr]
                self._layout_buttons(lay, x0, y + s(6), w, lay.strip_columns)
            self._split_notes(lay)
            return
        self._tile_properties(lay, s, x0, self._palette(lay, s, x0, lay.left.y + lay.pad, w), w)
        r = lay.right
        x0, w = r.x + lay.pad, r.w - 2 * lay.pad
        y = self._changes(lay, s, x0, self._grid_size(lay, s, x0, r.y + lay.pad, w) + 10, w)
        y = self._dynamics(lay, s, x0, y + 10, w) + 10
        self.validation_rect = pygame.Rect(x0, y, w, r.bottom - lay.pad - y)

    def _split_notes(self, lay: EditorLayout) -> None:
        """Presentation mode's text under the board: the messages on the left half, the
        validation on the right."""
        n = lay.notes
        self.message_rect = pygame.Rect(n.x, n.y, n.w // 2 - lay.pad, n.h)
        self.validation_rect = pygame.Rect(n.centerx + lay.pad, n.y, n.right - n.centerx - lay.pad, n.h)

    def _palette(self, lay: EditorLayout, s: Callable[[int], int], x0: int, y: int, w: int, columns: int = 0,
                 title: bool = True) -> int:  # fmt: skip
        """The brushes, ``columns`` a row (0: as many as fit whole, 2 to 4), and (with
        ``title``) the entry and button that add a tile kind, from ``y`` down; returns the
        next free y."""
        level = self.level
        assert isinstance(level, GridLevel)
        R = lay.row
        if title:
            self._label(pygame.Rect(x0, y, w, s(20)), "PALETTE", section=True)
            y += s(22)
        texts = palette_texts(level)
        widest = max(button_width(t, lay.font_size) for t in texts.values())
        n = columns or next((n for n in (4, 3) if (w - (n - 1) * 4) // n >= widest), 2)  # as many a row as fit whole
        bw = (w - (n - 1) * 4) // n
        for i, (char, text) in enumerate(texts.items()):
            rect = pygame.Rect(x0 + (i % n) * (bw + 4), y + (i // n) * (R + 4), bw, R)
            self.palette_buttons[char] = self._button(rect, text, "brush", char, tip=f"Paint '{char}'.",
                                                      selected=char == self.scene.brush)  # fmt: skip
        y += ((len(texts) + n - 1) // n) * (R + 4) + 4
        if not title:
            return y
        self._entry(pygame.Rect(x0, y, s(40), R), "new_char", "", "One character for a new tile kind.")
        self._button(pygame.Rect(x0 + s(44), y, s(130), R), "Add tile kind", "add_kind",
                     tip="A new tile kind with the character on the left (then set its properties).")
        return y + R + 10

    def _tile_properties(self, lay: EditorLayout, s: Callable[[int], int], x0: int, y: int, w: int) -> int:
        """The brush kind's properties and flags, from ``y`` down; returns the next free y."""
        R = lay.row
        kind = em.kind_of(self.level, self.scene.brush)  # type: ignore[arg-type]
        self._label(pygame.Rect(x0, y, w, s(20)), f"TILE '{self.scene.brush}' PROPERTIES", section=True)
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
            elif name in ("reward", "exit_reward"):  # "reward ± std": the noise beside what it is added to
                std = f"{name}_std"
                self._label(pygame.Rect(x0 + lw + s(74), y, s(20), R), "±")
                self._entry(pygame.Rect(x0 + lw + s(96), y, s(74), R), f"tile_{std}", f"{getattr(kind, std):g}",
                            f"{std}: the standard deviation of Gaussian noise added to {name} (0: none).")
            y += R + 4
        flags = [("terminal", kind.terminal), ("wall", kind.wall), ("start", kind.start)]
        fw = (w - 8) // 3
        for i, (name, on) in enumerate(flags):
            self._button(pygame.Rect(x0 + i * (fw + 4), y, fw, R), f"{name}: {'yes' if on else 'no'}",
                         "toggle_flag", name, tip=f"Make '{self.scene.brush}' cells {name} or not.")  # fmt: skip
        return y + R

    def _dynamics(self, lay: EditorLayout, s: Callable[[int], int], x0: int, y: int, w: int) -> int:
        """The level's dynamics, one labelled entry a row, from ``y`` down; returns the next free y."""
        level = self.level
        assert isinstance(level, GridLevel)
        R, lw = lay.row, s(92)
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
        return y

    def _grid_size(self, lay: EditorLayout, s: Callable[[int], int], x0: int, y: int, w: int) -> int:
        """The grid's size and a + and − for each side, from ``y`` down; returns the next free y."""
        R = lay.row
        rows, cols = self.level.shape  # type: ignore[union-attr]
        self._label(pygame.Rect(x0, y, w, s(20)), f"GRID {rows} x {cols}", section=True)
        y += s(22)
        bw = (w - 12) // 4
        for i, side in enumerate(("top", "bottom", "left", "right")):
            self._label(pygame.Rect(x0 + i * (bw + 4), y, bw, R), side)
            self._button(pygame.Rect(x0 + i * (bw + 4), y + R + 2, bw // 2 - 2, R), "+", "grid_resize", (side, 1),
                         tip=f"Add a row / column at the {side}.")  # fmt: skip
            self._button(pygame.Rect(x0 + i * (bw + 4) + bw // 2, y + R + 2, bw // 2 - 2, R), "−", "grid_resize",
                         (side, -1), tip=f"Remove the row / column at the {side}.")  # fmt: skip
        return y + 2 * R + 4

    def _changes(self, lay: EditorLayout, s: Callable[[int], int], x0: int, y: int, w: int) -> int:
        """The scheduled changes, from ``y`` down: a button for each layout (the start, then
        each change's), the selected one painted; a step entry and Add change; Delete for the
        selected change. Returns the next free y."""
        self._label(pygame.Rect(x0, y, w, s(20)), "SCHEDULED CHANGES", section=True)
        y = self._layout_buttons(lay, x0, y + s(22), w)
        R, gap = lay.row, s(4)
        add_w, delete_w = button_width("Add change", lay.font_size), button_width("Delete", lay.font_size)
        entry_w = max(s(50), min(s(90), w - add_w - delete_w - 2 * gap))
        self._entry(pygame.Rect(x0, y, entry_w, R), "change_step", "",
                    f"The step of a new change: a whole number from 1 to {ec.MAX_CHANGE_STEP:,}, counted "
                    "over all episodes (Enter adds it).")  # fmt: skip
        x = x0 + entry_w + gap
        self._button(pygame.Rect(x, y, add_w, R), "Add change", "add_change",
                     tip="A change at the step on the left; then paint the cells it changes.")
        x += add_w + gap
        delete = self._add(ReasonButton(pygame.Rect(x, y, delete_w, R), "Delete", self.scene.app.ui,
                                        tool_tip_text="Delete the selected change (Ctrl+Z brings it back)."),
                           "remove_change")  # fmt: skip
        delete.set_reason("" if self.scene.at else "Select a change to delete: the start layout stays.")
        return y + R

    def _layout_buttons(self, lay: EditorLayout, x0: int, y: int, w: int, columns: int = 0) -> int:
        """A button for each layout, ``columns`` a row (0: as many as fit whole), the painted
        one selected, from ``y`` down; returns the next free y."""
        level = self.level
        assert isinstance(level, GridLevel)
        R, texts = lay.row, layout_texts(level)
        widest = max(button_width(t, lay.font_size) for t in texts)
        n = columns or max(1, min(len(texts), (w + 4) // (widest + 4)))
        bw = (w - (n - 1) * 4) // n
        for k, text in enumerate(texts):
            tip = ("Paint the layout the level starts with." if k == 0 else
                   f"Paint the layout from step {level.changes[k - 1].at_step:,} on: the cells that differ from "
                   "the layout before it (marked) are what the change sets.")  # fmt: skip
            rect = pygame.Rect(x0 + (k % n) * (bw + 4), y + (k // n) * (R + 4), bw, R)
            self.layout_buttons.append(self._button(rect, text, "layout", k, tip=tip + " [ / ] step through them.",
                                                    selected=k == self.scene.at))  # fmt: skip
        return y + ((len(texts) + n - 1) // n) * (R + 4)

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
        if lay.presentation:
            self._split_notes(lay)
        else:
            self.validation_rect = pygame.Rect(r.x + lay.pad, r.y + lay.pad, r.w - 2 * lay.pad, r.h - 2 * lay.pad)

    def draw_chars(self, surface: pygame.Surface) -> None:
        """Each cell's layout character in a corner, so the legend's kinds can be told apart
        (not where the board already writes it: the start badge, custom tiles' letters)."""
        level = self.scene.shown
        assert self.scene.renderer is not None
        rows, cols = level.shape
        cell = self.scene.renderer.layout(self.scene.layout.board).cell
        size = max(9, min(16, cell // 4))
        drawn = self.scene.renderer.letters_drawn(cell)
        for r in range(rows):
            for c in range(cols):
                char = level.layout[r][c]
                if char in "." or drawn[r * cols + c]:
                    continue
                rect = self.scene.renderer.cell_rect(r * cols + c, self.scene.layout.board)
                rtext.blit(surface, char, size, THEME["selection"], (rect.x + 3, rect.y + 2), anchor="topleft", bold=True)

    def draw_changed_cells(self, surface: pygame.Surface) -> None:
        """The cells the selected change sets: outlined, with a corner marker, so a designer
        sees what will move at its step."""
        level = self.level
        assert isinstance(level, GridLevel) and self.scene.renderer is not None
        if self.scene.at == 0:
            return
        board = self.scene.layout.board
        cell = self.scene.renderer.layout(board).cell
        width = max(2, min(4, cell // 12))
        corner = max(6, cell // 4)
        cols = level.shape[1]
        for r, c in ec.changed_cells(level, self.scene.at):
            rect = self.scene.renderer.cell_rect(r * cols + c, board).inflate(-2, -2)
            right = rect.right - 1
            pygame.draw.rect(surface, THEME["accent"], rect, width)
            pygame.draw.polygon(surface, THEME["accent"], [(right, rect.top), (right - corner, rect.top),
                                                             (right, rect.top + corner)])  # fmt: skip

    def draw_validation(self, surface: pygame.Surface) -> None:
        r = self.validation_rect
        if r is None:
            return
        px = lambda n: round(n * self.scene.layout.scale)  # noqa: E731 - a size at the window's scale
        y = r.y
        v = self.scene.validation
        title, color = ("✓ valid level", THEME["goal"]) if v.ok else ("✗ not valid yet", THEME["hazard"])
        rtext.blit(surface, title, px(15), color, (r.x, y), anchor="topleft", bold=True, max_width=r.w)
        y += px(24)
        path = self.scene.model.path
        status = ("unsaved changes" if self.scene.model.dirty else "saved" if path and path.exists()
                  else "new, not saved yet" if path else "new, no edits yet")  # fmt: skip
        where = f" · {self.scene.model.path.name}" if self.scene.model.path else ""
        rtext.blit(surface, status + where, px(13), THEME["text_muted"], (r.x, y), anchor="topleft", max_width=r.w)
        y += px(22)
        lines = [("error: " + e, THEME["hazard"]) for e in v.errors] + [("warning: " + w, THEME["text"]) for w in v.warnings]
        if not v.ok:
            lines.append(("Train is off until the errors are fixed.", THEME["text_muted"]))
        for text, color in lines:
            for line in wrap(text, px(13), r.w):
                if y > r.bottom - px(16):
                    return
                rtext.blit(surface, line, px(13), color, (r.x, y), anchor="topleft")
                y += px(18)
