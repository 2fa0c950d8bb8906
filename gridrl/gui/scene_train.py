"""The main scene: it coordinates the parts of the training screen, each of which owns one
thing: :class:`~gridrl.gui.driver.TrainingDriver` (the trainer, the agent built in a worker
thread, the timeline snapshot looked at), :class:`~gridrl.gui.board_view.BoardPanel` (the
board, its overlays and legend, or a bandit's arms), :class:`~gridrl.gui.curves.CurvePanel`
(the charts), :class:`~gridrl.gui.inspector_panel.InspectorPanel` (the selected cell's
numbers), :class:`~gridrl.gui.panels.Panels` and :class:`~gridrl.gui.form.SettingsForm` (the
widgets and the settings typed into them), :class:`~gridrl.gui.cell_tools.CellTools` (DP's
steps, live edits of a cell), :class:`~gridrl.gui.levels_menu.LevelMenu` (the levels).

:meth:`TrainScene.update` advances training within the frame's budget and has each part
compute what the frame shows; :meth:`TrainScene.draw` only draws those. A command goes to
the first of the scene and its parts with a ``cmd_<name>`` method.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pygame

from gridrl.agents import HyperparameterError, LevelMismatchError
from gridrl.gui import catalog, editor_model
from gridrl.gui.backdrop import Backdrop
from gridrl.gui.board_view import BoardPanel
from gridrl.gui.cell_tools import CellTools
from gridrl.gui.commands import Command
from gridrl.gui.curves import CurvePanel
from gridrl.gui.driver import TrainingDriver
from gridrl.gui.form import SettingsForm, recommended_params
from gridrl.gui.inspector import ARROWS, num
from gridrl.gui.inspector_panel import InspectorPanel
from gridrl.gui.layout import PRESENTATION_ROOM, Layout, compute
from gridrl.gui.levels_menu import DEFAULT_LEVEL, LevelMenu
from gridrl.gui.manual import ManualPlay
from gridrl.gui.panels import Panels
from gridrl.gui.scene import Scene
from gridrl.gui.status import STATUS_SECONDS, draw_status_line, escape
from gridrl.gui.training import SPEEDS, Trainer
from gridrl.levels import GridLevel, Level, level_warnings
from gridrl.render import text as rtext

if TYPE_CHECKING:
    from gridrl.gui.window import Window

log = logging.getLogger("gridrl.gui")


class TrainScene(Scene):
    name = "train"
    #: What its presentation layouts need at scale 1 (the window sizes its fonts by it).
    room = PRESENTATION_ROOM

    def __init__(self, app: Window, level: str | Path | Level | None = None, named: str | None = None) -> None:
        super().__init__(app)
        self.levels = LevelMenu(self, level, named)
        loaded = self.levels.loaded
        self.selected: int | None = None
        self.manual: ManualPlay | None = None
        self.status_text = ""
        self.status_error = False
        self.status_age = 0.0  # seconds the status message has been shown
        self.settings_open = False  # presentation mode: the settings column in the inspector's place
        agent = catalog.default_agent(loaded.kind)
        self.driver = TrainingDriver(Trainer(loaded, agent, recommended_params(loaded, agent)))
        self.layout = self._layout()
        self.agent_summary = getattr(catalog.load_class(self.trainer.agent_name), "summary", "")
        self.board = BoardPanel(loaded)
        self.form = SettingsForm(self)
        self.curves = CurvePanel(self)
        self.inspector = InspectorPanel(self)
        self.tools = CellTools(self)
        self.panels = Panels(self)
        self.backdrop = Backdrop()
        self._changes_shown = 0  # the level's scheduled changes the board draws
        self.curves.pick_defaults()

    # ------------------------------------------------------------------ scene

    def enter(self) -> None:
        self.panels.build(self.layout)
        self.status("Press Play (Space) to watch the agent learn, or click a cell to inspect it. F1: all shortcuts.")
        self.curves.update()
        self._compute_frame(0.0)
        if self.levels.startup_error:
            self.app.show_message("Could not open the level", escape(self.levels.startup_error)
                                  + f"<br><br>Opened {DEFAULT_LEVEL} instead.")  # fmt: skip

    def exit(self) -> None:
        self.panels.kill()
        self.driver.close()

    def resize(self, size: tuple[int, int]) -> None:
        self.rebuild_panels()
        self.curves.update()
        self._compute_frame(0.0)

    def can_quit(self) -> bool:
        return self.levels.can_quit()

    # ------------------------------------------------------------------ helpers

    @property
    def trainer(self) -> Trainer:
        return self.driver.trainer

    @trainer.setter
    def trainer(self, trainer: Trainer) -> None:
        self.driver.trainer = trainer

    @property
    def level(self) -> Level:
        return self.trainer.level

    @property
    def overlays(self) -> set[str]:
        """The board's overlays shown (a set: toggled in place)."""
        return self.board.overlays

    @property
    def bandit_table_rects(self) -> list[pygame.Rect]:
        return self.inspector.bandit_table_rects

    def fs(self, size: int) -> int:
        """A font size scaled with the window (see :func:`gridrl.gui.layout.compute`)."""
        return round(size * self.layout.scale)

    def px(self, n: int) -> int:
        return round(n * self.layout.scale)

    def status(self, text: str, error: bool = False) -> None:
        """Show ``text`` for STATUS_SECONDS (longer while an agent is still loading)."""
        self.status_text, self.status_error, self.status_age = text, error, 0.0
        if error:
            log.info("status: %s", text)

    def agent_options(self) -> list[str]:
        return [e.label for e in catalog.agents_on(self.level)]

    def agent_label(self) -> str:
        return self.trainer.agent_name

    def _layout(self) -> Layout:
        """Presentation mode has the run strip, or the settings column in the inspector's place."""
        mode = "full" if self.app.zoom <= 1.0 else "settings" if self.settings_open else "strip"
        return compute(self.app.size, getattr(self.level, "shape", None), zoom=self.app.zoom, mode=mode)

    def cmd_settings(self, _: Any = None) -> None:
        self.settings_open = not self.settings_open
        self.rebuild_panels()

    def rebuild_panels(self) -> None:
        self.form.spec = self.trainer.spec()
        self.layout = self._layout()
        self.panels.build(self.layout)
        self.curves.invalidate()

    def after_new_trainer(self) -> None:
        self.agent_summary = getattr(catalog.load_class(self.trainer.agent_name), "summary", "")
        self.driver.view_snapshot = None
        self.board.agent_pos = None
        self.curves.pick_defaults()
        self.curves.invalidate()
        self.form.show_recommended()

    # ------------------------------------------------------------------ commands

    def handle(self, command: Command) -> Command | None:
        for part in (self, self.levels, self.tools, self.curves, self.form):
            handler: Callable[[Any], Any] | None = getattr(part, f"cmd_{command.name}", None)
            if handler is not None:
                handler(command.arg)
                return None
        return command

    def cmd_toggle_play(self, _: Any = None) -> None:
        if self.manual is not None:
            self.cmd_manual()
        if self.driver.pending_agent:
            return
        self.trainer.playing = not self.trainer.playing
        if self.trainer.playing:
            self.status(f"Playing: {self.trainer.unit} units at {self.trainer.speed_label}. Space pauses.")
        else:
            self.status("Paused.")

    def cmd_step(self, _: Any = None) -> None:
        if self.manual is not None:
            self.cmd_manual()
        if self.driver.pending_agent:
            return
        event = self.trainer.step_once()
        if event is None:
            self.status(f"Computing one {self.trainer.unit} (in the background; the window stays responsive)…")
        else:
            self.status(self.driver.event_text(event))

    def cmd_set_unit(self, label: str) -> None:
        unit = label.split(" ")[0]
        if unit not in ("step", "episode", "update"):
            return
        self.trainer.unit = unit
        self.status(f"Step unit: {label}")

    def cmd_cycle_unit(self, _: Any = None) -> None:
        units = ("step", "episode", "update")
        self.trainer.unit = units[(units.index(self.trainer.unit) + 1) % 3]
        self.rebuild_panels()
        self.status(f"Step unit: {self.trainer.unit}")

    def cmd_set_speed(self, value: float) -> None:
        self.trainer.speed_index = int(round(value))
        self.status(f"Speed: {self.trainer.speed_label}")

    def cmd_speed_delta(self, delta: int) -> None:
        self.trainer.speed_index = max(0, min(len(SPEEDS) - 1, self.trainer.speed_index + int(delta)))
        self.panels.speed_slider.set_current_value(self.trainer.speed_index)
        self.status(f"Speed: {self.trainer.speed_label}")

    def cmd_reset(self, _: Any = None) -> None:
        if self.manual is not None:
            self.manual.restart()
            self.status("New episode: walk with the arrow keys.")
            return
        playing = self.trainer.playing
        self.trainer.reset()
        self.trainer.playing = playing
        self.after_new_trainer()

    def cmd_overlay(self, arg: Any) -> None:
        name = arg[0] if isinstance(arg, tuple) else arg
        if not self.trainer.is_grid:
            self.status("Overlays are for gridworlds; a bandit shows its arms.")
            return
        self.board.toggle(name)
        if name == "q" and "q" in self.board.overlays and (self.board.q_missing or self.selected is None):
            self.status(self.board.q_status())

    def cmd_lock_scale(self, _: Any = None) -> None:
        """Keep the colour scale's limit where it is, so colours compare across moments of
        training (a value drawn deep red stays so), or let it follow the values again."""
        was = self.board.scale_lock
        limit = self.board.lock_scale()
        if was is not None:
            self.status("Colour scale: follows the values again (K locks it).")
        elif limit is not None:
            self.status(f"Colour scale locked at ±{num(limit)} (K unlocks it).")

    def cmd_click(self, pos: tuple[int, int]) -> None:
        if self.curves.press(pos):
            return
        if self.board.renderer is None:
            return
        s = self.board.renderer.cell_at(pos, self.layout.board)
        if s is None:
            return
        self.select(s)

    def select(self, s: int | None) -> None:
        self.selected = s
        if s is not None and isinstance(self.level, GridLevel):
            self.tools.select(self.level, s)
            if hasattr(self.panels, "reward_entry") and self.panels.reward_entry.alive():
                self.panels.reward_entry.set_text(self.tools.reward_text)
                self.panels.set_reward_valid(True)

    def cmd_arrow(self, a: int) -> None:
        if not isinstance(self.level, GridLevel):
            return
        if self.manual is not None:
            move = self.manual.move(a)
            self.status(f"You moved {ARROWS[move.a]}: reward {num(move.r)}, return so far {num(self.manual.episode_return)}")
            return
        rows, cols = self.level.shape
        if self.selected is None:
            starts = self.level.cells_of("S")
            r, c = starts[0] if starts else (0, 0)
            self.select(r * cols + c)
            return
        r, c = divmod(self.selected, cols)
        dr, dc = ((-1, 0), (0, 1), (1, 0), (0, -1))[a]
        self.select(min(rows - 1, max(0, r + dr)) * cols + min(cols - 1, max(0, c + dc)))

    def cmd_escape(self, _: Any = None) -> None:
        if self.manual is not None:
            self.cmd_manual()
        elif self.selected is not None:
            self.select(None)
        elif self.driver.view_snapshot is not None:
            self.cmd_timeline_live()

    def cmd_pick_agent(self, label: str) -> None:
        name = label.split(" (")[0]
        if name == self.trainer.agent_name:
            return
        entry = catalog.find(name, self.level)
        if not entry.available or entry.unfit:
            why = entry.unfit if entry.available else f"{name} can't be used yet: {entry.reason}"
            self.app.show_message("Agent not available", escape(f"{why}."))
            self.rebuild_panels()
            return
        if entry.deep and "torch" not in sys.modules:
            self.status(f"Loading {name}: its first use imports PyTorch, which takes a few seconds…")
        else:
            self.status(f"Loading {name}…")
        self.driver.start_loading(name, self.form.params_for(self.level, name))  # taken in update() when built

    def use_agent(self, name: str, params: dict[str, Any], seed: int) -> None:
        """Start ``name`` with ``params`` and ``seed`` at once (a lesson opening in the app).

        Raises what the Trainer raises (unknown agent, bad values), before anything changes.
        """
        trainer = Trainer(self.level, name, params, seed=seed, runs=self.trainer.requested_runs)
        self.driver.close()
        self.trainer = trainer
        self.form.seed_text = str(seed)
        self.form.clear()
        self.after_new_trainer()
        self.rebuild_panels()

    def _take_loaded_agent(self) -> None:
        """The agent built in the worker thread, once it is there; a failure is shown and
        the current agent stays."""
        name = self.driver.pending_agent
        try:
            trainer = self.driver.loaded()
        except Exception as exc:  # noqa: BLE001 - any failure: report it, keep the current agent
            log.exception("could not create agent %s", name)
            self.app.show_message("Could not create the agent", escape(f"{name}: {exc}"))
            self.rebuild_panels()
            return
        if trainer is None:
            return
        self.driver.replace(trainer)
        self.form.clear()
        self.form.note = ""
        self.after_new_trainer()
        self.rebuild_panels()
        summary = self.agent_summary
        self.status(f"{name}: {summary}" if summary else f"Agent: {name}")

    # ------------------------------------------------------------------ levels

    def cmd_edit_mode(self, _: Any = None) -> Any:
        """Open the level editor on this level (or on its unsaved edits); returns it."""
        levels = self.levels
        model = levels.editor or editor_model.EditorModel(self.level, path=levels.current_path())
        return self.app.open_scene("edit", self, model)

    def cmd_new_level(self, arg: Any = None) -> None:
        scene = self.cmd_edit_mode()
        scene.cmd_new_level(arg if isinstance(arg, str) else "5x5")

    def switch_level(self, level: Level, label: str) -> bool:
        agent = self.trainer.agent_name
        if catalog.find(agent, level).unfit:
            agent = catalog.default_agent(level.kind)
        params = self.form.params_for(level, agent)
        try:
            trainer = Trainer(level, agent, params, seed=self.trainer.seed, runs=self.trainer.requested_runs)
        except (HyperparameterError, LevelMismatchError, catalog.AgentUnavailable, ValueError) as exc:
            self.app.show_message("Could not start this level", escape(str(exc)))
            self.rebuild_panels()
            return False
        self.driver.replace(trainer)
        levels = self.levels
        levels.current_label = label
        if levels.editor is not None and level != levels.editor.level and not levels.editor.dirty:
            levels.editor = None  # another level: the editor starts afresh on it
        self.board.new_level(level)
        self._changes_shown = 0
        self.manual = None
        self.selected = None
        self.form.clear()
        self.after_new_trainer()
        self.rebuild_panels()
        warnings = level_warnings(level)
        self.status(f"Opened {level.name}." + (f"  ⚠ {warnings[0]}" if warnings else ""), error=bool(warnings))
        return True

    # ------------------------------------------------------------------ play yourself

    def cmd_manual(self, _: Any = None) -> None:
        if not isinstance(self.level, GridLevel):
            self.status("Playing yourself is for gridworlds.", error=True)
            return
        if self.manual is None:
            self.trainer.playing = False
            self.manual = ManualPlay(self.level, seed=self.trainer.seed)
            self.status("Your turn: the arrow keys move you, R starts again, M gives the board back to the agent.")
        else:
            self.manual = None
            self.status("Back to the agent.")

    # ------------------------------------------------------------------ timeline

    def cmd_timeline(self, value: float) -> None:
        self.driver.show_fraction(value)

    def _timeline_goto(self, index: int | None) -> None:
        self.panels.timeline_slider.set_current_value(self.driver.goto(index))

    def cmd_timeline_step(self, delta: int) -> None:
        self._timeline_goto(self.driver.shown_index() + int(delta))

    def cmd_timeline_first(self, _: Any = None) -> None:
        self._timeline_goto(0)

    def cmd_timeline_live(self, _: Any = None) -> None:
        self._timeline_goto(None)

    # ------------------------------------------------------------------ update

    def update(self, dt: float) -> None:
        self._take_loaded_agent()
        self.form.apply_unfocused_entries()
        self.status_age += dt
        if self.status_age >= STATUS_SECONDS and self.driver.pending_agent is None:
            self.status_text = ""
        self.curves.update()  # before training: a chart render this frame leaves it less time
        message = self.driver.update(dt, self.app.frame_times, frame_started=self.app.frame_started)
        if message:
            self.status(message)
        self._compute_frame(dt)
        self.panels.sync()

    def _compute_frame(self, dt: float) -> None:
        """Everything draw() shows, from the trainer (live) or the scrubbed snapshot."""
        t, d, lay = self.trainer, self.driver, self.layout
        source = d.source()
        d.update_timeline_text()
        live = source["live"]
        if not t.is_grid:
            self.board.compute(self.level, source, target=None, trail=(), highlight={}, glide=None, selected=None,
                               caption=None, board=lay.board, legend=lay.legend, dt=dt)  # fmt: skip
        else:
            self._grid_frame(source, dt)
        self.inspector.compute(source)

    def _follow_level_changes(self) -> None:
        """A level with scheduled changes: the board draws the layout the agent plays now,
        and the status line says when it changed."""
        changes = getattr(self.level, "changes", ())
        made = self.trainer.agent.changes_made() if changes else 0
        if made != self._changes_shown and self.board.renderer is not None:
            self._changes_shown = made
            self.board.edit_level(self.level.after_changes(made))
            if made:
                self.status(f"The level changed (change {made} of {len(changes)}, at step {changes[made - 1].at_step:,}):"
                            " the way the agent learnt may be blocked, or a shorter one open.")  # fmt: skip

    def _grid_frame(self, source: dict[str, Any], dt: float) -> None:
        t, d, lay, live = self.trainer, self.driver, self.layout, source["live"]
        self._follow_level_changes()
        if self.manual is not None:
            target, trail = self.manual.s, self.manual.trail
        elif not live:
            target, trail = d.view_snapshot.agent, []
        else:
            target, trail = t.agent_state, t.trail
        rate = SPEEDS[t.speed_index][1]
        if not live or (rate > 60 and self.manual is None and t.playing):
            glide = None  # fast, or the past: the agent is drawn where it is
        else:
            glide = 20.0 if self.manual is not None else max(14.0, 4.0 * rate)
        m = self.manual
        caption = d.caption() if m is None else (f"You are playing: step {m.steps}, return {num(m.episode_return)}"
                                                 " · arrows move · R restarts · M: back to the agent")  # fmt: skip
        self.board.compute(self.level, source, target=target, trail=trail, highlight=t.highlights() if live else {},
                           glide=glide, selected=self.selected, caption=caption, board=lay.board, legend=lay.legend,
                           dt=dt, badge=d.optimal_badge() if m is None else None)  # fmt: skip

    # ------------------------------------------------------------------ draw

    def draw(self, surface: pygame.Surface) -> None:
        lay = self.layout
        self.backdrop.draw(surface, (lay.top, lay.left, lay.right), (
            (lay.top.bottomleft, lay.top.bottomright), ((lay.left.right, lay.left.y), lay.left.bottomright),
            (lay.right.topleft, lay.right.bottomleft)))  # fmt: skip
        draw_status_line(surface, self.panels.status_rect, self.readout(), self.status_text, self.status_error, lay.scale)
        arms = pygame.Rect(lay.board.x, lay.overlay_bar.y, lay.board.w, lay.legend.bottom - lay.overlay_bar.y)
        self.board.draw(surface, lay.board, arms, visits_drawn=not self.trainer.is_dp, font_size=self.fs(13))
        self.curves.draw(surface)
        self.inspector.draw(surface)
        if self.trainer.is_grid:
            self.tools.draw(surface)
        self.panels.draw_texts(surface)

    def readout(self) -> list[str]:
        """The status line's readout (right-aligned): the frames per second the window keeps
        and the units per second the agent trains, so a teacher sees a computer keep up."""
        fps, ups = self.trainer.rates()
        return [f"{fps:.0f} fps", f"{rtext.nice_number(ups)} {self.trainer.unit}s/s"]
