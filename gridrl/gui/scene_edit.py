"""The level editor: a scene over the training scene (whose widgets it hides while open).

Paint a gridworld with a palette (click or drag; right button paints floor), edit tile kinds
and dynamics, resize the grid, edit a bandit's arms; choose which layout of a level with
scheduled changes is painted (the start, or the layout from a change's step on; [ and ] step
through them), add a change at a typed step or delete one; every edit can be undone (Ctrl+Z) and
redone (Ctrl+Y). The level is validated after every edit, like ``gridrl validate`` does, and
the result is shown; errors never block an edit, only training. Save writes YAML atomically
(a bundled level is saved as a copy in the user levels folder). While there are unsaved
edits an autosave recovery file is kept, and offered back at the next start.

The logic lives in :mod:`gridrl.gui.editor_model` (:mod:`~gridrl.gui.editor_changes`,
:mod:`~gridrl.gui.editor_bandit`); this scene is widgets and input only, with
:class:`~gridrl.gui.editor_tiles.TileCommands` (the tile kinds) and
:class:`~gridrl.gui.editor_schedule.ScheduleCommands` (the scheduled changes) as parts.
"""

from __future__ import annotations

import html
import logging
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pygame

from gridrl.gui.backdrop import Backdrop
from gridrl.gui import editor_bandit as eb
from gridrl.gui import editor_changes as ec
from gridrl.gui import editor_model as em
from gridrl.gui.commands import Command
from gridrl.gui.editor_layout import EditorLayout, editor_layout
from gridrl.gui.editor_schedule import ScheduleCommands
from gridrl.gui.editor_tiles import TileCommands
from gridrl.gui.editor_view import TILE_NAMES, EditorView, layout_texts, palette_texts
from gridrl.gui.layout import PRESENTATION_ROOM
from gridrl.gui.scene import Scene
from gridrl.gui.status import STATUS_SECONDS, wrap
from gridrl.levels import BanditLevel, GridLevel, Level, LevelError, level_to_yaml, parse_level
from gridrl.render import text as rtext
from gridrl.render.board import BoardRenderer, BoardView
from gridrl.render.colors import THEME

if TYPE_CHECKING:
    from gridrl.gui.scene_train import TrainScene
    from gridrl.gui.window import Window

log = logging.getLogger("gridrl.gui")

PASS_THROUGH = {"quit", "resize", "screenshot", "help", "presentation"}
AUTOSAVE_SECONDS = 1.0
KEYED = {"brush", "pick_target", "toggle_flag", "grid_resize", "arm_dist", "remove_arm", "layout"}


class EditScene(Scene):
    """The editor. ``train`` is the training scene below; it gets the level back on Train."""

    name = "edit"
    #: What its presentation layouts need at scale 1 (the window sizes its fonts by it).
    room = PRESENTATION_ROOM

    def __init__(self, app: Window, train: TrainScene, model: em.EditorModel) -> None:
        super().__init__(app)
        self.train = train
        self.model = model
        self.brush = "#"
        #: The layout painted: 0 the start, k the layout after scheduled change k.
        self.at = 0
        #: Presentation mode: the tile properties, dynamics and grid size shown; the file widgets shown.
        self.properties_open = self.files_open = False
        self.widgets = EditorView(self)
        self.tiles = TileCommands(self)
        self.schedule = ScheduleCommands(self)
        self.backdrop = Backdrop()
        self.picking: str | None = None  # "exit_to" / "teleport": the next click picks the target
        self.stroke_button: int | None = None
        self.message = ""
        self.message_error = False
        self.message_age = 0.0
        self.validation = em.validate(model.level)
        self.renderer: BoardRenderer | None = None
        self.layout: EditorLayout = self._layout()
        self._autosave_clock = 0.0
        self._autosaved: Level | None = None
        self._built_for: tuple[Any, ...] = ()

    # ------------------------------------------------------------------ scene

    @property
    def level(self) -> Level:
        return self.model.level

    @property
    def shown(self) -> GridLevel:
        """The gridworld as the selected layout (:attr:`at`) shows it, without changes to come."""
        level = self.level
        assert isinstance(level, GridLevel)
        return level.after_changes(self.at)

    def _shape(self) -> tuple[int, int] | None:
        return self.level.shape if isinstance(self.level, GridLevel) else None

    def enter(self) -> None:
        self.train.trainer.playing = False
        self.train.panels.kill()
        self.train.levels.editor = self.model
        self.changed(rebuild=True)
        if isinstance(self.level, GridLevel):
            self.say("Editing. Click or drag to paint; right button paints floor. Ctrl+Z / Ctrl+Y undo / redo.")
        else:
            self.say("Editing the bandit's arms. Enter applies a typed value. Ctrl+Z / Ctrl+Y undo / redo.")

    def exit(self) -> None:
        self.widgets.kill()
        self.train.rebuild_panels()

    def resize(self, size: tuple[int, int]) -> None:
        self.train.panels.kill()  # the training scene (resized first) rebuilt its widgets
        self.changed(rebuild=True)

    def can_quit(self) -> bool:
        return self.train.can_quit()

    # ------------------------------------------------------------------ widgets

    def _layout(self) -> EditorLayout:
        level = self.level
        palette = list(palette_texts(level).values()) if isinstance(level, GridLevel) else []
        if isinstance(level, GridLevel) and level.changes:
            palette += layout_texts(level)  # presentation mode's strip holds the layouts' buttons too
        return editor_layout(self.app.size, self.app.zoom, self._shape(), palette, self.properties_open,
                             self.files_open)  # fmt: skip

    def build(self) -> None:
        self.layout = self._layout()
        self.widgets.build(self.layout)
        self._built_for = self._build_key()

    def _build_key(self) -> tuple[Any, ...]:
        level = self.level
        if isinstance(level, GridLevel):
            steps = tuple(change.at_step for change in level.changes)
            return ("grid", tuple(em.palette(level)), level.shape, self.brush, em.kind_of(level, self.brush), steps,
                    self.at)  # fmt: skip
        return ("bandit", len(level.arms), tuple(a.distribution for a in level.arms))

    # ------------------------------------------------------------------ state

    def say(self, text: str, error: bool = False) -> None:
        """Show ``text`` for STATUS_SECONDS, like the training scene's status line."""
        self.message, self.message_error, self.message_age = text, error, 0.0

    status = say  # the window announces presentation mode in the topmost scene's status

    def changed(self, rebuild: bool = False) -> None:
        """After any edit: validate, redraw the board, rebuild widgets if their set changed."""
        self.validation = em.validate(self.level)
        if isinstance(self.level, GridLevel):
            self.at = min(self.at, len(self.level.changes))  # undo may take the selected change away
            try:
                if self.renderer is None:
                    self.renderer = BoardRenderer(self.shown)
                else:
                    self.renderer.set_level(self.shown)
            except Exception as exc:  # noqa: BLE001 - a half-built level may not render
                log.info("editor: cannot render: %s", exc)
                self.renderer = None
        else:
            self.renderer = None
        if rebuild or self._build_key() != self._built_for:
            self.build()
        else:
            self._sync_entries()

    def _sync_entries(self) -> None:
        """Entries show the model's values (after undo / redo)."""
        level = self.level
        values: dict[str, str] = {"name": level.name}
        save_as = self.widgets.entries.get("save_as")
        if save_as is not None and save_as.get_text() == self.widgets.shown_default:
            values["save_as"] = self.widgets.save_as_default()  # follows the name until the user types one
        if isinstance(level, GridLevel):
            kind = em.kind_of(level, self.brush)
            values.update(tile_reward=f"{kind.reward:g}", tile_reward_std=f"{kind.reward_std:g}",
                          tile_exit_reward=f"{kind.exit_reward:g}", tile_exit_reward_std=f"{kind.exit_reward_std:g}",
                          tile_exit_to=kind.exit_to or "", tile_teleport=kind.teleport or "",
                          tile_wind=f"{kind.wind[0]},{kind.wind[1]}")  # fmt: skip
            d = level.dynamics
            for name in em.DYNAMICS_RANGES:
                value = getattr(d, name)
                values[f"dyn_{name}"] = "" if value is None else f"{value:g}"
        focused = set(self.app.ui.get_focus_set() or ())
        for name, text in values.items():
            entry = self.widgets.entries.get(name)
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
            self.changed()
            if what:
                self.say(what)
        return changed

    # ------------------------------------------------------------------ commands

    def handle(self, command: Command) -> Command | None:
        if command.name in PASS_THROUGH:
            return command
        arg = command.arg
        if command.name in KEYED and isinstance(arg, tuple) and len(arg) == 2 and arg[1] is None:
            arg = arg[0]  # a button bound with a key: (key, None)
        for part in (self, self.tiles, self.schedule):
            handler: Callable[[Any], Any] | None = getattr(part, f"cmd_{command.name}", None)
            if handler is not None:
                handler(arg)
                break
        return None  # the training scene below gets nothing while the editor is open

    def cmd_undo(self, _: Any = None) -> None:
        if self.model.undo():
            self.changed()
            self.say("Undone.")
        else:
            self.say("Nothing to undo.")

    def cmd_redo(self, _: Any = None) -> None:
        if self.model.redo():
            self.changed()
            self.say("Redone.")
        else:
            self.say("Nothing to redo.")

    def cmd_brush(self, char: str) -> None:
        self.brush = char
        self.picking = None
        self.build()
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
            self.tiles.pick_target(cell)
            return
        self.stroke_button = 1
        self.edit(ec.paint_layout, self.at, [cell], self.brush)

    def cmd_right_click(self, pos: tuple[int, int]) -> None:
        cell = self._cell(pos)
        if cell is None:
            return
        self.stroke_button = 3
        self.edit(ec.paint_layout, self.at, [cell], ".")

    def cmd_drag(self, arg: tuple[tuple[int, int], bool, bool]) -> None:
        pos, left, right = arg
        if self.stroke_button is None or self.picking is not None:
            return
        cell = self._cell(pos)
        if cell is None:
            return
        char = self.brush if self.stroke_button == 1 and left else "." if self.stroke_button == 3 and right else None
        if char is not None:
            self.edit(ec.paint_layout, self.at, [cell], char, merge=True)  # one undo step for the whole stroke

    def cmd_release(self, _: Any = None) -> None:
        self.stroke_button = None

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
        value: Any
        try:
            if name == "name":
                self.edit(lambda lv: replace(lv, name=text or lv.name), what="Renamed.")
            elif name == "save_as":
                self.save_as(text)
            elif name.startswith("tile_"):
                self.tiles.apply_entry(name[5:], text)
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
                self.edit(eb.set_arm, int(index), what=f"arm {int(index) + 1} {prop} = {text}", **{prop: value})
            elif name == "change_step":
                self.schedule.add_change(text)
            elif name == "steps":
                self.edit(eb.set_steps, int(number(text, "steps", 1, 1_000_000, whole=True)), what=f"steps = {text}")
            elif name.startswith("tb_"):
                prop = name[3:]
                low, high = {"arms": (1, eb.MAX_ARMS), "mean": (None, None)}.get(prop, (0, None))
                value = number(text, prop, low, high, whole=prop == "arms")
                self.edit(eb.set_testbed, what=f"testbed {prop} = {text}", **{prop: value})
        except LevelError as exc:
            self.say(f"Can't: {exc.problem}", error=True)

    def cmd_grid_resize(self, arg: tuple[str, int]) -> None:
        side, delta = arg
        self.edit(em.resize, what=f"Grid resized at the {side}.", **{side: delta})

    def cmd_add_arm(self, _: Any = None) -> None:
        self.edit(eb.add_arm, what="Arm added.")

    def cmd_remove_arm(self, index: int) -> None:
        self.edit(eb.remove_arm, index, what=f"Arm {index + 1} removed.")

    def cmd_use_testbed(self, _: Any = None) -> None:
        self.edit(eb.set_testbed, what="A 10-armed testbed: true values are drawn per run.")

    def cmd_arm_dist(self, index: int) -> None:
        level = self.level
        assert isinstance(level, BanditLevel)
        dist = "bernoulli" if level.arms[index].distribution == "gaussian" else "gaussian"
        self.edit(eb.set_arm, index, dist, what=f"Arm {index + 1} is {dist}.")

    def cmd_new_level(self, arg: Any = None) -> None:
        text = arg if isinstance(arg, str) else self.widgets.entries["new_size"].get_text() if "new_size" in self.widgets.entries else "5x5"
        try:
            level = em.new_grid(*em.parse_size(text))
        except LevelError as exc:
            self.say(f"Can't: {exc.problem}", error=True)
            return
        self.train.levels.ask_unsaved(lambda: self.start_new(level), "start a new level")

    def cmd_new_bandit(self, _: Any = None) -> None:
        self.train.levels.ask_unsaved(lambda: self.start_new(eb.new_bandit()), "start a new level")

    def start_new(self, level: Level) -> None:
        self.model = em.EditorModel(level)  # nothing to lose until the first edit
        self.train.levels.editor = self.model
        self.brush = "S" if isinstance(level, GridLevel) else self.brush
        self.at = 0
        self.renderer = None
        self.changed(rebuild=True)
        self.say(f"A new {'gridworld' if isinstance(level, GridLevel) else 'bandit'}: paint a start (S) and a goal (G).")

    def cmd_save_level(self, _: Any = None) -> None:
        self.save()

    def cmd_save_as(self, _: Any = None) -> None:
        name = self.widgets.entries["save_as"].get_text().strip() if "save_as" in self.widgets.entries else ""
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
            self.app.open_scene("choice", "Replace the file?",
                                f"<b>{html.escape(path.name)}</b> already exists in your levels folder. "
                                "Replace it with this level?",
                                [("Replace", lambda: self.save(path)), ("Cancel", lambda: None)])  # fmt: skip
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
        self.train.levels.add_user_level(written, self.level)
        if self.validation.ok:
            self.say(f"Saved to {written}.")
        return written

    def cmd_train_level(self, _: Any = None) -> None:
        self.train_on_level()

    def train_on_level(self) -> bool:
        if not self.validation.ok:
            self.say(f"Fix this first: {self.validation.errors[0]}", error=True)
            return False
        level = parse_level(level_to_yaml(self.level), source="edited level")
        label = self.train.levels.label_for_edited(self.model)
        self.app.pop(self)
        return self.train.switch_level(level, label)

    def cmd_editor_properties(self, _: Any = None) -> None:
        """Presentation mode: show or hide the tile properties, the dynamics and the grid's size."""
        self.properties_open = not self.properties_open
        self.build()

    def cmd_editor_files(self, _: Any = None) -> None:
        """Presentation mode: show or hide the file widgets (the top bar's second row)."""
        self.files_open = not self.files_open
        self.build()

    def cmd_escape(self, _: Any = None) -> None:
        if self.picking is not None:
            self.picking = None
            self.say("Target picking cancelled.")
            return
        self.train.levels.ask_unsaved(self.close, "close the editor")

    def close(self) -> None:
        self.train.levels.editor = None
        em.clear_recovery()
        self.app.pop(self)

    # ------------------------------------------------------------------ frame

    def update(self, dt: float) -> None:
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
        self.backdrop.draw(surface, (lay.top, lay.left, lay.right), ((lay.top.bottomleft, lay.top.bottomright),))
        if self.renderer is not None:
            self.renderer.draw(surface, lay.board, BoardView(overlays=frozenset()))
            self.widgets.draw_chars(surface)
            self.widgets.draw_changed_cells(surface)
        notes = self.widgets.message_rect
        color = THEME["hazard"] if self.message_error else THEME["text"]
        size, line_h = round(14 * lay.scale), round(18 * lay.scale)
        for i, line in enumerate(wrap(self.message, size, notes.w)[: min(3, notes.h // line_h)]):  # wrapped, not shrunk
            rtext.blit(surface, line, size, color, (notes.x, notes.y + i * line_h), anchor="topleft")
        self.widgets.draw_validation(surface)
