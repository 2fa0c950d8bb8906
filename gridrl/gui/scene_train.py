"""The main scene: the board, the controls, the inspector, the charts, the timeline.

State lives here and in :class:`~gridrl.gui.training.Trainer`; :meth:`TrainScene.update`
advances training within the frame's budget and computes everything the frame shows
(:class:`BoardView`, the inspector's report, the chart arrays); :meth:`TrainScene.draw`
only draws those.
"""

from __future__ import annotations

import html
import logging
import math
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pygame

from gridrl.agents import HyperparameterError, LevelMismatchError
from gridrl.gui import catalog, editor_model, edits
from gridrl.gui.app import App, Scene
from gridrl.gui.commands import Command
from gridrl.gui.inspector import ARROWS, CellReport, cell_report, num, update_lines
from gridrl.gui.layout import Layout, compute
from gridrl.gui.manual import ManualPlay
from gridrl.gui.panels import Panels
from gridrl.gui.timeline import Snapshot
from gridrl.gui.training import FRAME_BUDGET, SPEEDS, Trainer
from gridrl.levels import BUNDLED_DIR, GridLevel, Level, LevelError, level_path, level_warnings, load_level
from gridrl.render import text as rtext
from gridrl.render.board import BoardRenderer, BoardView, draw_legend, draw_sequential_legend
from gridrl.render.charts import bandit_curve_charts, draw_bandit_bars, draw_line_chart
from gridrl.render.colors import PALETTE, THEME, mix

log = logging.getLogger("gridrl.gui")

DEFAULT_LEVEL = "cliff_walking"
#: Curves the app makes itself, beside the agent's own (whose titles and meanings are the
#: agent class's ``diagnostics``): key -> (chart title, meaning for the tooltip).
APP_CURVES = {
    "mean |TD error| per episode": ("|TD error| per episode", "Mean |δ| = |target − Q(s,a)| of the episode's "
                                                              "updates. It falls as the values settle (never "
                                                              "quite to 0 while the agent explores)."),
    "steps per episode": ("Steps per episode", "How many steps each episode took. On a reach-the-goal level "
                                               "it falls towards the shortest path's length as the agent learns."),
}
#: Diagnostic charts beside the return chart at most (the user picks them; "—" is none).
MAX_DIAGNOSTICS = 3
NO_CURVE = "—"
#: Seconds between redrawing the charts while training runs.
CHART_REFRESH = 0.2
#: Seconds a status message stays: it tells what just happened, and soon it no longer has.
STATUS_SECONDS = 10.0
#: Builds agents off the main thread (the first deep agent imports PyTorch).
_LOADER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gridrl-load")
ERROR_COLOUR = (200, 30, 30)


def _moving_window(n: int) -> int:
    return int(min(100, max(5, n // 15)))


_WRAPPED: dict[tuple[str, int, int, bool], list[str]] = {}


def wrap(text: str, size: int, width: int, bold: bool = False) -> list[str]:
    """``text`` broken into lines no wider than ``width`` pixels (paragraphs kept); cached."""
    key = (text, size, width, bold)
    found = _WRAPPED.get(key)
    if found is None:
        if len(_WRAPPED) > 4000:
            _WRAPPED.clear()
        found = _WRAPPED[key] = _wrap(text, size, width, bold)
    return found


def _wrap(text: str, size: int, width: int, bold: bool) -> list[str]:
    font = rtext.font(size, bold)
    out: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            trial = f"{line} {word}" if line else word
            if font.size(trial)[0] <= width or not line:
                line = trial
            else:
                out.append(line)
                line = word
        out.append(line)
    return out


class TrainScene(Scene):
    def __init__(self, app: App, level: str | None = None) -> None:
        super().__init__(app)
        self.startup_error: str | None = None
        source = level or DEFAULT_LEVEL
        try:
            loaded = load_level(source)
        except (LevelError, OSError) as exc:
            self.startup_error = str(exc)
            source, loaded = DEFAULT_LEVEL, load_level(DEFAULT_LEVEL)
        self.level_labels: dict[str, str | Path | Level] = {n: n for n in _bundled()}
        for path in editor_model.user_level_files():
            self.level_labels[f"{path.stem} (mine)"] = path
        #: The level editor's model while it has edits (kept when training on an edited level).
        self.editor: editor_model.EditorModel | None = None
        self.current_label = self._label_for(source, loaded)
        self.overlays: set[str] = {"values", "policy"}
        #: The colour scale's limit while locked (key K), None while it follows the values.
        self.scale_lock: float | None = None
        self.selected: int | None = None
        self.manual: ManualPlay | None = None
        self.view_snapshot: Snapshot | None = None
        self.form_text: dict[str, str] = {}
        self.form_errors: dict[str, str] = {}
        self.form_pending: dict[str, Any] = {}
        self.form_note = ""
        self.reward_text = ""
        self.reward_error = ""
        self.status_text = ""
        self.status_error = False
        self.status_age = 0.0  # seconds the status message has been shown
        self._seen_message = ""
        self.pending_agent: str | None = None
        self._loading: Future | None = None
        self._loading_started = 0.0
        self.agent_pos: tuple[float, float] | None = None
        self.layout: Layout = compute(app.size, getattr(loaded, 'shape', None))
        self.trainer = Trainer(loaded, catalog.default_agent(loaded.kind))
        self.agent_summary = getattr(catalog.load_class(self.trainer.agent_name), "summary", "")
        self.bandit_t = 0
        self.seed_text = str(self.trainer.seed)
        self.runs_text = str(self.trainer.runs)
        self.renderer = BoardRenderer(loaded) if isinstance(loaded, GridLevel) else None
        self.spec = self.trainer.spec()
        self.panels = Panels(self)
        # what the frame shows, computed in update()
        self.view: BoardView | None = None
        self.report: CellReport | None = None
        self.charts: list[tuple[str, dict[str, np.ndarray], int | None, str]] = []
        self._chart_time = -math.inf
        self._chart_key: tuple[Any, ...] = ()
        self._chart_surface: pygame.Surface | None = None
        self.bandit: tuple[Any, ...] | None = None
        self.bandit_beliefs: dict[str, Any] = {}  # the agent's insight extras: UCB bounds, posteriors, H
        self._chart_bands: dict[str, dict[str, Any]] = {}  # chart title -> its band (bandit curves)
        self._diagnostics: dict[str, tuple[str, str]] = {}  # the agent class's (see _after_new_trainer)
        self.curve_picks: list[str] = []  # the diagnostics shown beside the return chart (keys)
        self._user_picked = False  # until the user picks, the picks follow what the agent reports
        self.log_y = False
        self.chart_zoom: dict[str, tuple[float, float]] = {}  # chart key -> index range shown (zoomed)
        self.chart_keys: list[str] = []  # parallel to self.charts: "return" or a curve's key
        self._chart_plots: list[tuple[str, pygame.Rect, int]] = []  # (key, plot on screen, points)
        self._pan: tuple[str, int, tuple[float, float]] | None = None  # (key, mouse x, range) while dragging
        self._last_click: tuple[float, str] = (-math.inf, "")  # (clock, chart key): double-click resets
        self._pick_defaults()
        self.timeline_text = ""
        self.caption: str | None = None
        self.legend_rect = self.layout.legend

    # ------------------------------------------------------------------ scene

    def enter(self) -> None:
        self.panels.build(self.layout)
        self.status("Press Play (Space) to watch the agent learn, or click a cell to inspect it. F1: all shortcuts.")
        self._compute_frame(0.0)
        if self.startup_error:
            self.app.show_message("Could not open the level", _escape(self.startup_error).replace("\n", "<br>")
                                  + f"<br><br>Opened {DEFAULT_LEVEL} instead.")  # fmt: skip

    def exit(self) -> None:
        self.panels.kill()
        self.trainer.close()

    def resize(self, size: tuple[int, int]) -> None:
        self.layout = compute(size, getattr(self.level, "shape", None))
        self.panels.build(self.layout)
        self._invalidate_charts()
        self._compute_frame(0.0)

    # ------------------------------------------------------------------ helpers

    @property
    def level(self) -> Level:
        return self.trainer.level

    def fs(self, size: int) -> int:
        """A font size scaled with the window (see :func:`gridrl.gui.layout.compute`)."""
        return round(size * self.layout.scale)

    def px(self, n: int) -> int:
        return round(n * self.layout.scale)

    @property
    def level_blurb(self) -> str:
        """The level's description, cut after its second sentence."""
        text = " ".join(self.level.description.split())
        sentences = text.split(". ")
        return ". ".join(sentences[:2]).rstrip(".") + "." if text else ""

    def status(self, text: str, error: bool = False) -> None:
        """Show ``text`` for STATUS_SECONDS (longer while an agent is still loading)."""
        self.status_text, self.status_error, self.status_age = text, error, 0.0
        if error:
            log.info("status: %s", text)

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

    def agent_options(self) -> list[str]:
        return [e.label for e in catalog.agents_for(self.level.kind)]

    def agent_label(self) -> str:
        return self.trainer.agent_name

    def param_value(self, name: str) -> Any:
        if name in self.trainer.params:
            return self.trainer.params[name]
        for h in self.spec:
            if h.name == name:
                return h.default
        return None

    def param_text(self, h: Any) -> str:
        value = self.param_value(h.name)
        if value is None:
            return "none"
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, float):
            return f"{value:g}"
        return str(value)

    def _rebuild_panels(self) -> None:
        self.spec = self.trainer.spec()
        self.layout = compute(self.app.size, getattr(self.level, "shape", None))
        self.panels.build(self.layout)
        self._invalidate_charts()

    def _invalidate_charts(self) -> None:
        """Redraw the charts at the next update (new data source or new size)."""
        self._chart_key = ()
        self._chart_time = -math.inf

    def _after_new_trainer(self) -> None:
        self.agent_summary = getattr(catalog.load_class(self.trainer.agent_name), "summary", "")
        self.view_snapshot = None
        self.agent_pos = None
        self._pick_defaults()
        self._invalidate_charts()

    # ------------------------------------------------------------------ commands

    def handle(self, command: Command) -> Command | None:
        handler: Callable[[Any], Any] | None = getattr(self, f"cmd_{command.name}", None)
        if handler is None:
            return command
        handler(command.arg)
        return None

    def cmd_toggle_play(self, _: Any = None) -> None:
        if self.manual is not None:
            self.cmd_manual()
        if self.pending_agent:
            return
        self.trainer.playing = not self.trainer.playing
        if self.trainer.playing:
            self.status(f"Playing: {self.trainer.unit} units at {self.trainer.speed_label}. Space pauses.")
        else:
            self.status("Paused.")

    def cmd_step(self, _: Any = None) -> None:
        if self.manual is not None:
            self.cmd_manual()
        if self.pending_agent:
            return
        event = self.trainer.step_once()
        if event is None:
            self.status(f"Computing one {self.trainer.unit} (in the background; the window stays responsive)…")
        else:
            self.status(self._event_text(event))

    def _event_text(self, event: Any) -> str:
        unit = event.unit
        if self.trainer.is_dp:
            return self.trainer.caption() or unit
        if event.episode_return is not None:
            return f"{unit}: episode ended with return {num(event.episode_return)} after {event.episode_length} steps"
        if event.reward is not None and event.action is not None and self.trainer.is_grid:
            return f"{unit}: {ARROWS[event.action]} reward {num(event.reward)}"
        if event.reward is not None and self.trainer.is_bandit:
            return f"{unit}: pulled arm {event.action + 1} → reward {num(event.reward)}"
        if event.info:
            keys = [k for k in event.info if isinstance(event.info[k], (int, float)) and not isinstance(event.info[k], bool)]
            return f"{unit}: " + ", ".join(f"{k} {num(event.info[k])}" for k in keys[:4])
        return f"one {unit} done"

    def cmd_set_unit(self, label: str) -> None:
        unit = label.split(" ")[0]
        if unit not in ("step", "episode", "update"):
            return
        self.trainer.unit = unit
        self.status(f"Step unit: {label}")

    def cmd_cycle_unit(self, _: Any = None) -> None:
        units = ("step", "episode", "update")
        self.trainer.unit = units[(units.index(self.trainer.unit) + 1) % 3]
        self._rebuild_panels()
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
        self._after_new_trainer()

    def cmd_overlay(self, arg: Any) -> None:
        name = arg[0] if isinstance(arg, tuple) else arg
        if not self.trainer.is_grid:
            self.status("Overlays are for gridworlds; a bandit shows its arms.")
            return
        self.overlays ^= {name}
        if name == "q" and "q" in self.overlays and self.selected is None:
            self.status("Q-values: each cell's four triangles are Q(s,↑), Q(s,→), Q(s,↓), Q(s,←).")

    def cmd_lock_scale(self, _: Any = None) -> None:
        """Keep the colour scale's limit where it is, so colours compare across moments of
        training (a value drawn deep red stays so), or let it follow the values again."""
        if self.scale_lock is not None:
            self.scale_lock = None
            self.status("Colour scale: follows the values again (K locks it).")
        elif self.view is not None and self.renderer is not None:
            self.scale_lock = self.renderer.color_limit(self.view)
            self.status(f"Colour scale locked at ±{num(self.scale_lock)} (K unlocks it).")

    def cmd_click(self, pos: tuple[int, int]) -> None:
        if self._chart_press(pos):
            return
        if self.renderer is None:
            return
        s = self.renderer.cell_at(pos, self.layout.board)
        if s is None:
            return
        self.select(s)

    def select(self, s: int | None) -> None:
        self.selected = s
        if s is not None and isinstance(self.level, GridLevel):
            reward = edits.cell_reward(self.level, s)
            self.reward_text = f"{reward:g}"
            self.reward_error = ""
            if hasattr(self.panels, "reward_entry") and self.panels.reward_entry.alive():
                self.panels.reward_entry.set_text(self.reward_text)
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
        elif self.view_snapshot is not None:
            self.cmd_timeline_live()

    def cmd_wheel(self, arg: tuple[int, tuple[int, int]]) -> None:
        """The wheel over a chart zooms its x axis around the index under the mouse."""
        dy, pos = arg
        hit = self._chart_at(pos)
        if hit is None or not dy:
            return
        key, plot, n = hit
        x0, x1 = self.chart_zoom.get(key, (0.0, float(max(n - 1, 1))))
        at = x0 + (pos[0] - plot.x) / max(plot.w, 1) * (x1 - x0)
        f = 0.8 ** max(-5, min(5, dy))
        width = min(max((x1 - x0) * f, 4.0), float(max(n - 1, 1)))
        self._set_zoom(key, at - (at - x0) / (x1 - x0) * width, n, width)

    def cmd_drag(self, arg: tuple[tuple[int, int], bool, bool]) -> None:
        """Dragging a zoomed chart pans it."""
        pos, left, _ = arg
        if self._pan is None or not left:
            return
        key, x_start, (x0, x1) = self._pan
        plot = next((p for k, p, _ in self._chart_plots if k == key), None)
        n = next((m for k, _, m in self._chart_plots if k == key), 0)
        if plot is not None:
            self._set_zoom(key, x0 - (pos[0] - x_start) / max(plot.w, 1) * (x1 - x0), n, x1 - x0)

    def cmd_release(self, _: Any = None) -> None:
        self._pan = None

    def cmd_toggle_log_y(self, _: Any = None) -> None:
        self.log_y = not self.log_y
        self.status("Charts: logarithmic y axes (curves with values > 0)." if self.log_y else "Charts: linear y axes.")
        self._invalidate_charts()

    def cmd_reset_zoom(self, _: Any = None) -> None:
        self.chart_zoom.clear()
        self._invalidate_charts()

    def cmd_pick_curve(self, arg: tuple[int, str]) -> None:
        """A diagnostics picker changed: slot ``i`` shows the curve titled ``title`` (or none)."""
        i, title = arg
        by_title = {self.curve_info(k)[0]: k for k in self.curve_options()}
        key = by_title.get(title, NO_CURVE)
        picks = self.curve_picks + [NO_CURVE] * (MAX_DIAGNOSTICS - len(self.curve_picks))
        if key != NO_CURVE and key in picks:  # already shown elsewhere: swap the two slots
            picks[picks.index(key)] = picks[i]
        picks[i] = key
        self.curve_picks, self._user_picked = picks, True
        self.panels.sync_curves()
        self._invalidate_charts()

    # ------------------------------------------------------------------ charts

    def _pick_defaults(self) -> None:
        """A new agent: its diagnostics, the default picks, the whole curves."""
        self._diagnostics = dict(getattr(catalog.load_class(self.trainer.agent_name), "diagnostics", {}))
        self.chart_zoom.clear()
        self._user_picked = False
        self._auto_picks()

    def _auto_picks(self) -> None:
        """Until the user picks: the agent's most telling diagnostics (first in its
        ``diagnostics``), else what it has reported, then the app's own curves."""
        t = self.trainer
        if t.is_dp or t.is_bandit:
            self.curve_picks = []
            return
        first = list(self._diagnostics) or list(dict.fromkeys([*t.series, *APP_CURVES]))
        first = first[:MAX_DIAGNOSTICS]
        self.curve_picks = first + [NO_CURVE] * (MAX_DIAGNOSTICS - len(first))

    def curve_info(self, key: str) -> tuple[str, str]:
        """(chart title, meaning) of a curve: the agent's own declaration, else the app's."""
        if key == NO_CURVE:
            return NO_CURVE, "No chart in this place: pick a curve to show one."
        found = self._diagnostics.get(key) or APP_CURVES.get(key)
        return found or (key.replace("_", " "), "Reported by the agent in its update's info; no description.")

    def curve_options(self) -> list[str]:
        """Every curve there is to pick: what the agent has reported (in the order it declares
        them), the steps per episode, and the picks not reported yet; "—" for none."""
        t = self.trainer
        if t.is_dp or t.is_bandit:
            return []
        reported = [k for k in self._diagnostics if k in t.series]
        reported += sorted(k for k in t.series if k not in reported)
        rest = [k for k in ("steps per episode", *self.curve_picks) if k not in reported and k != NO_CURVE]
        return [*reported, *dict.fromkeys(rest), NO_CURVE]

    def curve_values(self, key: str) -> np.ndarray:
        if key == "steps per episode":
            return np.asarray(self.trainer.session.history.episode_lengths, dtype=float)
        return np.asarray(self.trainer.series.get(key, []), dtype=float)

    def chart_bar_rect(self) -> pygame.Rect | None:
        """The row above the charts holding the diagnostics pickers (grid agents that learn)."""
        if not self.curve_picks:
            return None
        r = self.layout.charts
        return pygame.Rect(r.x, r.y, r.w, self.layout.row)

    def _chart_at(self, pos: tuple[int, int]) -> tuple[str, pygame.Rect, int] | None:
        return next((hit for hit in self._chart_plots if hit[1].collidepoint(pos) and hit[2] > 1), None)

    def _chart_press(self, pos: tuple[int, int]) -> bool:
        """A click on a chart: starts a pan; a second click soon after (a double-click) shows
        the whole curve again. True if the click was on a chart."""
        hit = self._chart_at(pos)
        if hit is None:
            return False
        key = hit[0]
        if self._last_click[1] == key and self.trainer.clock - self._last_click[0] < 0.4:
            self.chart_zoom.pop(key, None)
            self._invalidate_charts()
            self._last_click = (-math.inf, "")
            return True
        self._last_click = (self.trainer.clock, key)
        self._pan = (key, pos[0], self.chart_zoom.get(key, (0.0, float(max(hit[2] - 1, 1)))))
        return True

    def _set_zoom(self, key: str, x0: float, n: int, width: float) -> None:
        full = float(max(n - 1, 1))
        if width >= full - 1e-9:
            self.chart_zoom.pop(key, None)
        else:
            x0 = min(max(x0, 0.0), full - width)
            self.chart_zoom[key] = (x0, x0 + width)
        self._invalidate_charts()

    def cmd_window_closed(self, _: Any) -> None:
        return None

    # ------------------------------------------------------------------ levels and agents

    # ------------------------------------------------------------------ the level editor

    def can_quit(self) -> bool:
        if self.editor is None or not self.editor.dirty:
            return True
        self.ask_unsaved(self._really_quit, "quit")
        return False

    def _really_quit(self) -> None:
        self.app.running = False

    def ask_unsaved(self, then: Callable[[], Any], what: str) -> None:
        """Run ``then`` now if the editor has no unsaved edits, else ask: Save / Discard / Cancel."""
        model = self.editor
        if model is None or not model.dirty:
            then()
            return
        from gridrl.gui.overlays import ChoiceScene  # noqa: PLC0415

        def save() -> None:
            try:
                path = model.save()
            except (OSError, LevelError) as exc:
                self.app.show_message("Could not save", _escape(str(exc)))
                return
            editor_model.clear_recovery()
            self.add_user_level(path, model.level)
            then()

        def discard() -> None:
            editor_model.clear_recovery()
            model.saved_level = model.level  # the user chose to drop the edits
            self.editor = None
            then()

        self.app.push(ChoiceScene(self.app, "Unsaved edits",
                                  f"The level <b>{_escape(model.level.name)}</b> has unsaved edits. "
                                  f"Save them before you {what}?",
                                  [("Save", save), ("Discard", discard), ("Cancel", lambda: None)]))  # fmt: skip

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

    def cmd_edit_mode(self, _: Any = None) -> None:
        from gridrl.gui.scene_edit import EditScene  # noqa: PLC0415

        model = self.editor or editor_model.EditorModel(self.level, path=self.current_path())
        return self.app.push(EditScene(self.app, self, model))

    def cmd_new_level(self, arg: Any = None) -> None:
        scene = self.cmd_edit_mode()
        scene.cmd_new_level(arg if isinstance(arg, str) else "5x5")

    def cmd_pick_level(self, label: str) -> None:
        target = self.level_labels.get(label)
        if target is None or label == self.current_label:
            return
        if self.editor is not None and self.editor.dirty and self.level_labels.get(label) is not self.editor.level:
            self.ask_unsaved(lambda: self.cmd_pick_level(label), "switch level")
            self._rebuild_panels()
            return
        try:
            level = load_level(target)
        except (LevelError, OSError) as exc:
            self.app.show_message("Could not open the level", _escape(str(exc)))
            self._rebuild_panels()
            return
        self.switch_level(level, label)

    def cmd_open_file(self, _: Any = None) -> None:
        from gridrl.gui.overlays import FileDialogScene  # noqa: PLC0415

        if self.editor is not None and self.editor.dirty:
            self.ask_unsaved(self.cmd_open_file, "open another level")
            return
        self.trainer.playing = False
        self.app.push(FileDialogScene(self.app, "Open a level (YAML)", BUNDLED_DIR, self.open_level_file))

    def open_level_file(self, path: str | Path) -> bool:
        """Load ``path``; a LevelError is shown in a dialog and the current level stays."""
        path = Path(path)
        try:
            level = load_level(path)
        except (LevelError, OSError, UnicodeError) as exc:
            log.info("could not open %s: %s", path, exc)
            self.app.show_message("Could not open the level",
                                  _escape(str(exc)).replace("\n", "<br>")
                                  + "<br><br>The current level stays open.")  # fmt: skip
            return False
        label = f"{path.name} (file)"
        self.level_labels[label] = path
        return self.switch_level(level, label)

    def switch_level(self, level: Level, label: str) -> bool:
        agent = self.trainer.agent_name
        if level.kind not in catalog.find(agent).kinds:
            agent = catalog.default_agent(level.kind)
        params = dict(self.trainer.params) if agent == self.trainer.agent_name else {}
        try:
            trainer = Trainer(level, agent, params, seed=self.trainer.seed, runs=self.trainer.requested_runs)
        except (HyperparameterError, LevelMismatchError, catalog.AgentUnavailable, ValueError) as exc:
            self.app.show_message("Could not start this level", _escape(str(exc)))
            self._rebuild_panels()
            return False
        if trainer.is_dp == self.trainer.is_dp:  # DP starts slower; keep the speed otherwise
            trainer.speed_index = self.trainer.speed_index
        self.trainer.close()
        self.trainer = trainer
        self.current_label = label
        if self.editor is not None and level != self.editor.level and not self.editor.dirty:
            self.editor = None  # another level: the editor starts afresh on it
        self.renderer = BoardRenderer(level) if isinstance(level, GridLevel) else None
        self.manual = None
        self.selected = None
        self.form_text, self.form_errors, self.form_pending = {}, {}, {}
        self._after_new_trainer()
        self._rebuild_panels()
        warnings = level_warnings(level)
        self.status(f"Opened {level.name}." + (f"  ⚠ {warnings[0]}" if warnings else ""), error=bool(warnings))
        return True

    def cmd_pick_agent(self, label: str) -> None:
        name = label.split(" (")[0]
        if name == self.trainer.agent_name:
            return
        entry = catalog.find(name)
        if not entry.available:
            self.app.show_message("Agent not available", _escape(f"{name} can't be used yet: {entry.reason}."))
            self._rebuild_panels()
            return
        self.trainer.playing = False
        if entry.deep and "torch" not in __import__("sys").modules:
            self.status(f"Loading {name}: its first use imports PyTorch, which takes a few seconds…")
        else:
            self.status(f"Loading {name}…")
        self.pending_agent = name
        self.trainer.wait()
        level, seed, runs = self.level, self.trainer.seed, self.trainer.requested_runs
        # Built in a thread: a deep agent's first use imports PyTorch (seconds); the window
        # keeps drawing meanwhile and the result is taken in update().
        self._loading = _LOADER.submit(lambda: Trainer(level, name, {}, seed=seed, runs=runs))
        self._loading_started = self.trainer.clock

    def use_agent(self, name: str, params: dict[str, Any], seed: int) -> None:
        """Start ``name`` with ``params`` and ``seed`` at once (a lesson opening in the app).

        Raises what the Trainer raises (unknown agent, bad values), before anything changes.
        """
        trainer = Trainer(self.level, name, params, seed=seed, runs=self.trainer.requested_runs)
        self.trainer.close()
        self.trainer = trainer
        self.seed_text = str(seed)
        self.form_text, self.form_errors, self.form_pending = {}, {}, {}
        self._after_new_trainer()
        self._rebuild_panels()

    def _build_pending_agent(self) -> None:
        name, self.pending_agent = self.pending_agent, None
        future, self._loading = self._loading, None
        try:
            trainer = future.result()
        except Exception as exc:  # noqa: BLE001 - any failure: report it, keep the current agent
            log.exception("could not create agent %s", name)
            self.app.show_message("Could not create the agent", _escape(f"{name}: {exc}"))
            self._rebuild_panels()
            return
        if trainer.level is not self.level:  # the level changed while it loaded
            trainer.close()
            self._rebuild_panels()
            return
        self.trainer.close()
        if trainer.is_dp == self.trainer.is_dp:  # DP starts slower; keep the speed otherwise
            trainer.speed_index = self.trainer.speed_index
        self.trainer = trainer
        self.form_text, self.form_errors, self.form_pending = {}, {}, {}
        self.form_note = ""
        self._after_new_trainer()
        self._rebuild_panels()
        summary = getattr(catalog.load_class(name), "summary", "")
        self.status(f"{name}: {summary}" if summary else f"Agent: {name}")

    # ------------------------------------------------------------------ hyperparameters

    def _spec_of(self, name: str) -> Any:
        for h in self.spec:
            if h.name == name:
                return h
        raise KeyError(name)

    def cmd_hp_entry(self, arg: tuple[str, tuple[str, str]]) -> None:
        name, (kind, text) = arg
        h = self._spec_of(name)
        self.form_text[name] = text
        try:
            value = h.parse(text)
        except HyperparameterError as exc:
            self.form_errors[name] = str(exc)
            self.form_pending.pop(name, None)
            self.panels.set_entry_valid(name, False)
            return
        self.form_errors.pop(name, None)
        self.panels.set_entry_valid(name, True)
        if kind == "finished":
            self.form_pending.pop(name, None)
            self.apply_params({name: value})
        else:
            self.form_pending[name] = value

    def cmd_hp_slider(self, arg: tuple[str, float]) -> None:
        name, value = arg
        h = self._spec_of(name)
        value = int(round(value)) if h.type is int else float(f"{value:.3g}")
        text = f"{value:g}" if isinstance(value, float) else str(value)
        self.form_text[name] = text
        self.form_errors.pop(name, None)
        entry = self.panels.hp_entries.get(name)
        if entry is not None:
            entry.set_text(text)
            self.panels.set_entry_valid(name, True)
        self.apply_params({name: h.parse(value)})

    def cmd_hp_choice(self, arg: tuple[str, str]) -> None:
        name, text = arg
        h = self._spec_of(name)
        self.form_text[name] = text
        self.apply_params({name: h.parse(text)})

    def apply_params(self, values: dict[str, Any]) -> None:
        """Apply valid values: live if the agent reads them at every use, else a reset."""
        before = self.trainer.session
        try:
            message = self.trainer.apply_params(values)
        except HyperparameterError as exc:
            for name in values:
                self.form_errors[name] = str(exc)
                self.panels.set_entry_valid(name, False)
            return
        if message:
            self.form_note = message
            self.status(message)
        if self.trainer.session is not before:
            self._after_new_trainer()

    def cmd_runs_entry(self, arg: tuple[str, str]) -> None:
        kind, text = arg
        self.runs_text = text
        try:
            runs = int(text)
            if not 1 <= runs <= 10_000:
                raise ValueError
        except ValueError:
            self.form_errors["runs"] = f"runs must be a whole number in [1, 10000], got {text!r}"
            self.panels._mark(self.panels.runs_entry, False)
            return
        self.form_errors.pop("runs", None)
        self.panels._mark(self.panels.runs_entry, True)
        if kind == "finished" and runs != self.trainer.runs:
            self.trainer.set_runs(runs)
            self._after_new_trainer()
            self.form_note = self.trainer.message

    def cmd_seed_entry(self, arg: tuple[str, str]) -> None:
        kind, text = arg
        self.seed_text = text
        try:
            seed = int(text)
            if seed < 0:
                raise ValueError
        except ValueError:
            self.form_errors["seed"] = f"seed must be a whole number >= 0, got {text!r}"
            self.panels._mark(self.panels.seed_entry, False)
            return
        self.form_errors.pop("seed", None)
        self.panels._mark(self.panels.seed_entry, True)
        if kind == "finished" and seed != self.trainer.seed:
            self.trainer.set_seed(seed)
            self._after_new_trainer()
            self.form_note = self.trainer.message

    def _apply_unfocused_entries(self) -> None:
        """A valid value typed without Enter is applied when its field loses focus."""
        for name in list(self.form_pending):
            entry = self.panels.hp_entries.get(name)
            if entry is None or not entry.alive() or not entry.is_focused:
                value = self.form_pending.pop(name)
                self.apply_params({name: value})

    # ------------------------------------------------------------------ DP

    def _dp_only(self, what: str) -> bool:
        if not self.trainer.is_dp:
            self.status(f"{what} is for dynamic-programming agents (value iteration, policy iteration, "
                        "policy evaluation).", error=True)  # fmt: skip
            return False
        return True

    def cmd_dp_backup(self, _: Any = None) -> None:
        if not self._dp_only("Backing up one cell"):
            return
        if self.selected is None:
            self.status("Select a cell first (click on the board), then back it up (B).", error=True)
            return
        self.trainer.backup_cell(self.selected)

    def cmd_dp_sweep(self, _: Any = None) -> None:
        if self._dp_only("A sweep"):
            self.trainer.sweep()

    def cmd_dp_improve(self, _: Any = None) -> None:
        if not self._dp_only("Policy improvement"):
            return
        if self.trainer.agent_name != "policy-iteration":
            self.status("Policy improvement is a step of policy iteration; value iteration improves "
                        "in every backup (max over actions).", error=True)  # fmt: skip
            return
        self.trainer.improve()

    # ------------------------------------------------------------------ live edits

    def _edit_cell(self) -> int | None:
        if not isinstance(self.level, GridLevel):
            self.status("Live edits are for gridworlds.", error=True)
            return None
        if self.selected is None:
            self.status("Select a cell first (click on the board).", error=True)
            return None
        return self.selected

    def apply_level_edit(self, level: GridLevel, what: str) -> bool:
        try:
            self.trainer.set_level(level)
        except (NotImplementedError, LevelMismatchError) as exc:
            self.status(f"Can't edit while {self.trainer.agent_name} learns: {exc}", error=True)
            return False
        assert self.renderer is not None
        self.renderer.set_level(level)
        if self.manual is not None:
            self.manual.set_level(level)
        level_label = self.current_label
        if not level_label.endswith("(edited)"):
            level_label = f"{level_label.removesuffix(' (file)')} (edited)"
        self.level_labels[level_label] = level
        self.current_label = level_label
        self._rebuild_panels()
        warnings = level_warnings(level)
        self.status(f"{what}; the agent keeps learning." + (f"  ⚠ {warnings[0]}" if warnings else ""),
                    error=bool(warnings))  # fmt: skip
        return True

    def cmd_toggle_wall(self, _: Any = None) -> None:
        s = self._edit_cell()
        if s is None:
            return
        try:
            level = edits.toggle_wall(self.level, s)
        except LevelError as exc:
            self.status(f"Can't: {exc.problem}", error=True)
            return
        was = edits.is_wall(self.level, s)
        self.apply_level_edit(level, "Wall removed" if was else "Wall added")

    def cmd_edit_reward(self, _: Any = None) -> None:
        if self._edit_cell() is None or not hasattr(self.panels, "reward_entry"):
            return
        entry = self.panels.reward_entry
        self.app.ui.set_focus_set(entry)
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
            self.panels.set_reward_valid(False)
            return
        self.reward_error = ""
        self.panels.set_reward_valid(True)
        if kind == "finished":
            self.set_reward(value)

    def cmd_set_reward(self, _: Any = None) -> None:
        self.cmd_reward_entry(("finished", self.panels.reward_entry.get_text()))

    def set_reward(self, value: float) -> None:
        s = self._edit_cell()
        if s is None:
            return
        try:
            level = edits.set_reward(self.level, s, value)
        except LevelError as exc:
            self.status(f"Can't: {exc.problem}", error=True)
            return
        if level is self.level:
            return
        self.apply_level_edit(level, f"Entering this cell now pays {num(value)} (plus the step reward)")

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
        items = self.trainer.timeline.items
        if value >= 1000 or len(items) < 2:
            self.view_snapshot = None
            return
        self.view_snapshot = items[int(round(value / 1000 * (len(items) - 1)))]

    def _timeline_goto(self, index: int | None) -> None:
        items = self.trainer.timeline.items
        if index is None or index >= len(items) - 1 or not items:
            self.cmd_timeline_live()
            return
        index = max(0, index)
        self.view_snapshot = items[index]
        self.panels.timeline_slider.set_current_value(index / max(1, len(items) - 1) * 1000)

    def cmd_timeline_step(self, delta: int) -> None:
        t = self.trainer.timeline
        current = len(t.items) - 1 if self.view_snapshot is None else t.index_of(self.view_snapshot)
        self._timeline_goto(current + int(delta))

    def cmd_timeline_first(self, _: Any = None) -> None:
        self._timeline_goto(0)

    def cmd_timeline_live(self, _: Any = None) -> None:
        self.view_snapshot = None
        self.panels.timeline_slider.set_current_value(1000)

    # ------------------------------------------------------------------ update

    def update(self, dt: float) -> None:
        if self.pending_agent is not None and self._loading is not None and self._loading.done():
            self._build_pending_agent()
        self._apply_unfocused_entries()
        self.status_age += dt
        if self.status_age >= STATUS_SECONDS and self.pending_agent is None:
            self.status_text = ""
        self.trainer.budget = self._training_budget()
        self.trainer.update(dt)  # in play-yourself mode it is paused; its clock still runs
        self.trainer.record_snapshot()
        if self.trainer.message != self._seen_message:
            self._seen_message = self.trainer.message
            if self.trainer.message:
                self.status(self.trainer.message)
        self._compute_frame(dt)
        self.panels.sync()

    def _training_budget(self) -> float:
        """FRAME_BUDGET, less if drawing and widgets leave less of a 60 Hz frame free. The
        frame aims at 14 ms of its 16.7: the rest absorbs the last unit's overrun and the
        jitter of drawing (a frame report's p95 stays under 17 ms)."""
        times = self.app.frame_times
        if not times:
            return FRAME_BUDGET
        overhead = max(0.0, times[-1] - self.trainer.last_train_time)
        return max(0.002, min(FRAME_BUDGET, 0.014 - overhead))

    def _compute_frame(self, dt: float) -> None:
        """Everything draw() shows, from the trainer (live) or the scrubbed snapshot."""
        t = self.trainer
        snap = self.view_snapshot
        if snap is None:
            insight = t.insight()
            V, Q, pi, visits = insight.V, insight.Q, insight.pi, insight.visits
            extras = insight.extras
        else:
            V, Q, pi, visits, extras = snap.V, snap.Q, snap.pi, snap.visits, snap.extras
        self._update_timeline_text()
        if isinstance(self.level, GridLevel):
            self._grid_frame(dt, V, Q, pi, visits)
            self.bandit = None
        else:
            names = [a.name for a in self.level.arms] if self.level.arms else None
            self.bandit = (extras.get("true_means"), Q[0], pi[0], extras.get("pulls"), names)
            self.bandit_beliefs = extras
            self.bandit_t = int(extras.get("t", 0)) if snap is None else int(np.sum(extras.get("pulls", 0)))
            self.view = None
            self.report = None
        self._update_charts()

    def _grid_frame(self, dt: float, V: Any, Q: Any, pi: Any, visits: Any) -> None:
        t, snap = self.trainer, self.view_snapshot
        cols = self.level.shape[1]
        if self.manual is not None:
            target, trail = self.manual.s, self.manual.trail
        elif snap is not None:
            target, trail = snap.agent, []
        else:
            target, trail = t.agent_state, t.trail
        if target is None:
            self.agent_pos = None
        else:
            goal = (float(target // cols), float(target % cols))
            fast = SPEEDS[t.speed_index][1] > 60 and self.manual is None and t.playing
            if self.agent_pos is None or fast or snap is not None or _dist(goal, self.agent_pos) > 1.5:
                self.agent_pos = goal
            else:
                rate = SPEEDS[t.speed_index][1]
                k = max(14.0, 4.0 * rate) if self.manual is None else 20.0
                f = 1.0 - math.exp(-k * dt) if dt > 0 else 0.0
                r0, c0 = self.agent_pos
                self.agent_pos = (r0 + (goal[0] - r0) * f, c0 + (goal[1] - c0) * f)
                if _dist(goal, self.agent_pos) < 0.01:
                    self.agent_pos = goal
        self.caption = self._caption(snap)
        self.view = BoardView(
            V=V, Q=Q, pi=pi, visits=visits, agent=self.agent_pos, trail=list(trail),
            highlight={} if snap is not None else t.highlights(), selected=self.selected,
            overlays=frozenset(self.overlays), caption=self.caption, value_limit=self.scale_lock,
        )  # fmt: skip
        self.report = self._report(V, Q, pi, visits) if self.selected is not None else None
        board = self.renderer.layout(self.layout.board) if self.renderer is not None else None
        legend = self.layout.legend
        if board is not None:
            legend = pygame.Rect(legend.x, min(legend.y, board.caption.bottom + 6), legend.w, legend.h)
        self.legend_rect = legend

    def _caption(self, snap: Snapshot | None) -> str | None:
        t = self.trainer
        if self.manual is not None:
            m = self.manual
            return f"You are playing: step {m.steps}, return {num(m.episode_return)} · arrows move · R restarts · M: back to the agent"
        if snap is not None:
            base = f"◀ the past, {snap.label()}"
            return f"{base} · {snap.caption}" if snap.caption else f"{base} · L: back to live"
        busy = f" · computing {t.unit}… {t.clock - t.unit_started:.1f} s" if t.busy and t.clock - t.unit_started > 0.25 else ""
        if self.pending_agent:
            return f"loading {self.pending_agent}… {t.clock - self._loading_started:.1f} s"
        if t.is_dp:
            return (t.caption() or "") + busy
        h = t.session.history
        episodes = len(h.episode_returns)
        parts = [f"episode {episodes + 1}" + (f", step {t.episode_steps}" if t.episode_steps else "")]
        if h.episode_returns:
            parts.append(f"last return {num(h.episode_returns[-1])}")
        eps = getattr(t.agent, "epsilon", None)
        if isinstance(eps, float):
            parts.append(f"ε = {eps:.3g}")
        parts.append(f"{h.steps:,} steps in all")
        return " · ".join(parts) + busy

    def _report(self, V: Any, Q: Any, pi: Any, visits: Any) -> CellReport:
        t, s = self.trainer, int(self.selected)
        update = None
        if t.busy and self.report is not None and self.report.title.endswith(f"(s = {s})"):
            return self.report  # the agent is busy in the worker thread: keep the last report
        if t.is_dp and (t.agent.sweeps > 0 or s in t.last_update):
            entry = t.last_update.get(s)
            if entry is not None and entry[1].get("phase") == "improvement":
                update = (entry[0], entry[1], f"unit {entry[2]}")
            else:
                update = (t.agent.equation, t.agent.explain(s), f"sweep {t.agent.sweeps}")
        elif s in t.last_update:
            equation, backup, unit_no = t.last_update[s]
            ago = t.units_run - unit_no
            when = "the last unit" if ago == 0 else f"{ago:,} unit{'s' if ago != 1 else ''} ago"
            update = (equation, backup, when)
        report = cell_report(self.level, s, V, Q, pi, None if t.is_dp else visits, update)
        if self.view_snapshot is not None:
            report.update_title = report.update_title.replace("Last update", "Latest update (live)")
        return report

    def _update_timeline_text(self) -> None:
        t = self.trainer
        n = len(t.timeline)
        if self.view_snapshot is None:
            h = t.session.history
            self.timeline_text = f"live · {n} snapshots · {h.steps:,} steps"
        else:
            i = t.timeline.index_of(self.view_snapshot)
            self.timeline_text = f"snapshot {i + 1} of {n} · {self.view_snapshot.steps:,} steps"

    def _update_charts(self) -> None:
        t = self.trainer
        h = t.session.history
        key = (id(t.session), t.units_run, len(h.episode_returns), tuple(self.curve_picks), self.log_y,
               tuple(sorted(self.chart_zoom.items())))  # fmt: skip
        if key == self._chart_key or (t.clock - self._chart_time < CHART_REFRESH and t.playing):
            return
        self._chart_key, self._chart_time = key, t.clock
        if not self._user_picked:
            self._auto_picks()
        charts: list[tuple[str, dict[str, np.ndarray], int | None, str]] = []
        self._chart_bands = {}
        keys: list[str] = []
        per_pull = h.per_pull() if t.is_bandit else None
        if per_pull is not None:  # runs that restart at the horizon: averaged per pull within a run
            for chart in bandit_curve_charts(per_pull):
                charts.append((chart["title"], chart["series"], chart["moving_average"], chart["y_label"]))
                self._chart_bands[chart["title"]] = chart["band"]
        elif t.is_bandit:  # one learner (a deep agent) that keeps learning across runs
            rewards = np.asarray(h.mean_reward, dtype=float)
            optimal = np.asarray(h.optimal_action, dtype=float) * 100
            envs = int(getattr(t.agent, "num_envs", 1))
            over = f" (mean of its {envs} envs)" if envs > 1 else ""
            charts.append((f"Average reward per pull{over}", {"reward": rewards}, _moving_window(rewards.size), "reward"))
            charts.append((f"% optimal action{over}", {"% optimal": optimal}, _moving_window(optimal.size), "%"))
        elif t.is_dp:
            deltas = np.asarray(t.series.get("max |ΔV| per sweep", []), dtype=float)
            charts.append(("Largest value change per sweep, max |ΔV|", {"max |ΔV|": deltas}, None, "max |ΔV|"))
        else:
            returns = np.asarray(h.episode_returns, dtype=float)
            charts.append(("Return of each episode", {"return": returns}, _moving_window(returns.size), ""))
            keys.append("return")
            for name in self.curve_picks:
                if name == NO_CURVE:
                    continue
                values = self.curve_values(name)
                title = self.curve_info(name)[0]
                window = _moving_window(values.size) if values.size > 20 else None
                charts.append((title, {"per episode" if "episode" in name else "per update": values}, window, ""))
                keys.append(name)
        self.charts, self.chart_keys = charts, keys
        self._render_charts()

    def _render_charts(self) -> None:
        """Draw the charts onto their own surface (only when their data changed): the frame
        then blits it, so a 100,000-point curve costs nothing on the frames in between."""
        r = self.layout.charts
        if self._chart_surface is None or self._chart_surface.get_size() != r.size:
            self._chart_surface = pygame.Surface(r.size)
        surf = self._chart_surface
        surf.fill(THEME["background"])
        charts = self.charts
        n = len(charts)
        self._chart_plots = []
        if n == 0:
            return
        bar = self.chart_bar_rect()
        top = bar.h + 4 if bar is not None else 0  # the pickers' row (widgets) is above
        h = r.h - top
        if n <= 2:
            cells = [pygame.Rect(i * (r.w // n), top, r.w // n - (8 if i < n - 1 else 0), h) for i in range(n)]
        elif n == 3:  # the return big on the left, the diagnostics stacked on the right
            cells = [pygame.Rect(0, top, r.w // 2 - 4, h)] + [
                pygame.Rect(r.w // 2 + 4, top + i * (h // 2 + 3), r.w // 2 - 4, h // 2 - 3) for i in range(2)]
        else:  # two by two, the return top left
            cw, ch = r.w // 2 - 4, h // 2 - 3
            cells = [pygame.Rect(i % 2 * (cw + 8), top + i // 2 * (ch + 6), cw, ch) for i in range(n)]
        font = max(12, self.layout.font_size - 2)
        keys = self.chart_keys if len(self.chart_keys) == n else [""] * n
        for (title, series, window, y_label), cell, key in zip(charts, cells, keys):
            log = self.log_y and any(np.nanmax(v, initial=-np.inf) > 0 for v in series.values())
            plot = draw_line_chart(surf, cell, series, title, moving_average=window, y_label=y_label,
                                   band=self._chart_bands.get(title), font_size=font, log_y=log,
                                   x_range=self.chart_zoom.get(key), robust=bool(key))  # fmt: skip
            if plot is not None and key:
                self._chart_plots.append((key, plot.move(r.topleft), max(v.size for v in series.values())))

    # ------------------------------------------------------------------ draw

    def draw(self, surface: pygame.Surface) -> None:
        lay = self.layout
        surface.fill(THEME["background"])
        for rect in (lay.top, lay.left, lay.right):
            pygame.draw.rect(surface, THEME["panel"], rect)
        pygame.draw.line(surface, THEME["panel_border"], lay.top.bottomleft, lay.top.bottomright)
        pygame.draw.line(surface, THEME["panel_border"], (lay.left.right, lay.left.y), lay.left.bottomright)
        pygame.draw.line(surface, THEME["panel_border"], (lay.right.x, lay.right.y), lay.right.bottomleft)
        self._draw_status(surface)
        if self.view is not None and self.renderer is not None:
            self.renderer.draw(surface, lay.board, self.view)
            self._draw_legend(surface)
        elif self.bandit is not None:
            true_means, Q, pi, pulls, names = self.bandit
            area = pygame.Rect(lay.board.x, lay.overlay_bar.y, lay.board.w, lay.legend.bottom - lay.overlay_bar.y)
            draw_bandit_bars(surface, area, true_means, Q, pi, pulls, names, beliefs=self.bandit_beliefs)
        self._draw_charts(surface)
        self._draw_inspector(surface)
        if self.trainer.is_grid:
            self._draw_edit(surface)
            self._draw_manual(surface)
        r = self.panels.timeline_text_rect
        text = self.timeline_text
        if rtext.font(self.fs(13)).size(text)[0] > r.w:
            text = text.split(" · ")[-1]  # narrow window: just the step count
        rtext.blit(surface, text, self.fs(13), THEME["text_muted"] if self.view_snapshot is None else THEME["selection"],
                   r.midright, anchor="midright", bold=self.view_snapshot is not None, max_width=r.w)  # fmt: skip

    def readout(self) -> list[str]:
        """The status line's readout (right-aligned): the frames per second the window keeps
        and the units per second the agent trains, so a teacher sees a computer keep up."""
        fps, ups = self.trainer.rates()
        return [f"{fps:.0f} fps", f"{rtext.nice_number(ups)} {self.trainer.unit}s/s"]

    def _draw_status(self, surface: pygame.Surface) -> None:
        r = self.panels.status_rect
        if r.w < 40:
            return
        readout, size = self.readout(), self.fs(11)
        y = r.centery - len(readout) * self.px(14) // 2
        for line in readout:
            rtext.blit(surface, line, size, THEME["text_muted"], (r.right, y), anchor="topright")
            y += self.px(14)
        width = max(rtext.font(size).size(line)[0] for line in readout) + self.px(10)
        r = pygame.Rect(r.x, r.y, max(0, r.w - width), r.h)
        if r.w < 40 or not self.status_text:
            return
        color = ERROR_COLOUR if self.status_error else THEME["text"]
        lines = wrap(self.status_text, self.fs(13), r.w)
        if len(lines) > 2:
            lines = lines[:2]
            lines[1] = lines[1][: max(0, len(lines[1]) - 1)] + "…"
        y = r.centery - (len(lines) * self.px(17)) // 2
        for line in lines:
            rtext.blit(surface, line, self.fs(13), color, (r.x, y), anchor="topleft", max_width=r.w)
            y += self.px(17)

    def _draw_legend(self, surface: pygame.Surface) -> None:
        assert self.view is not None and self.renderer is not None
        r = self.legend_rect
        value_fill = "q" in self.overlays or "values" in self.overlays
        visits = "visits" in self.overlays
        if value_fill:
            width = r.w // 2 - 10 if visits else min(r.w, 520)
            x = r.x if visits else r.centerx - width // 2
            label = "Q(s,a)" if "q" in self.overlays else "V(s)"
            draw_legend(surface, pygame.Rect(x, r.y + 2, width, r.h - 2), self.renderer.color_limit(self.view), label,
                        locked=self.scale_lock is not None)  # fmt: skip
        if visits:
            counts = np.asarray(self.view.visits if self.view.visits is not None else [0], dtype=float)
            vmax = float(np.nanmax(counts)) if counts.size else 1.0
            width = r.w // 2 - 10 if value_fill else min(r.w, 420)
            x = r.centerx + 10 if value_fill else r.centerx - width // 2
            if self.trainer.is_dp:
                rtext.blit(surface, "DP agents do not visit cells: no visit counts.", self.fs(13), THEME["text_muted"],
                           (x, r.centery), anchor="midleft")  # fmt: skip
            else:
                draw_sequential_legend(surface, pygame.Rect(x, r.y + 2, width, r.h - 2), vmax, "visits")
        if not value_fill and not visits:
            rtext.blit(surface, "Colours off: press V (values), Q (Q-values) or C (visits).", self.fs(13),
                       THEME["text_muted"], r.center)  # fmt: skip

    def _draw_charts(self, surface: pygame.Surface) -> None:
        r = self.layout.charts
        if self._chart_surface is not None and self._chart_surface.get_size() == r.size:
            surface.blit(self._chart_surface, r)

    def _panel(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        pygame.draw.rect(surface, (255, 255, 255), rect, border_radius=8)
        pygame.draw.rect(surface, THEME["panel_border"], rect, 1, border_radius=8)

    def _draw_inspector(self, surface: pygame.Surface) -> None:
        r = self.layout.inspector
        self._panel(surface, r)
        x, y, w = r.x + self.px(12), r.y + self.px(10), r.w - self.px(24)
        bottom = r.bottom - 8
        rtext.blit(surface, "INSPECTOR", self.fs(12), THEME["text_muted"], (x, y), anchor="topleft", bold=True)
        y += self.px(22)
        if self.trainer.is_bandit:
            self._draw_bandit_inspector(surface, x, y, w, bottom)
        elif self.report is None:
            self._draw_intro(surface, x, y, w, bottom)
        else:
            self._draw_report(surface, self.report, x, y, w, bottom)

    def _lines(self, surface: pygame.Surface, lines: list[str], x: int, y: int, w: int, bottom: int,
               size: int = 13, color: Any = None, bold: bool = False, indent: int = 0) -> int:  # fmt: skip
        color = color or THEME["text"]
        step = int(size * 1.4)
        for line in lines:
            for part in wrap(line, size, w - indent, bold):
                if y + step > bottom:
                    return y
                rtext.blit(surface, part, size, color, (x + indent, y), anchor="topleft", bold=bold)
                y += step
        return y

    def _draw_intro(self, surface: pygame.Surface, x: int, y: int, w: int, bottom: int) -> None:
        level, t = self.level, self.trainer
        y = self._lines(surface, [level.name], x, y, w, bottom, size=self.fs(15), bold=True)
        y = self._lines(surface, [self.level_blurb], x, y + 2, w, bottom, size=self.fs(13), color=THEME["text_muted"])
        y = self._lines(surface, [f"Agent: {t.agent_name}"], x, y + 8, w, bottom, size=self.fs(13), bold=True)
        if self.agent_summary:
            y = self._lines(surface, [self.agent_summary], x, y, w, bottom, size=self.fs(13), color=THEME["text_muted"])
        y = self._lines(surface, ["How to read the board"], x, y + 10, w, bottom, size=self.fs(13), bold=True)
        tips = [
            "• Colour: value V(s); red good, blue bad, white 0.",
            "• Arrows: the policy; longer = likelier.",
            "• Yellow glow: cells the last update changed.",
            "• Purple line: the agent's path this episode.",
            "• Click a cell: its numbers and last update.",
        ]
        if t.is_dp:
            tips[3] = "• DP does not walk: it backs up every cell."
        self._lines(surface, tips, x, y, w, bottom, size=self.fs(13))

    def _draw_report(self, surface: pygame.Surface, rep: CellReport, x: int, y: int, w: int, bottom: int) -> None:
        y = self._lines(surface, [rep.title], x, y, w, bottom, size=self.fs(15), bold=True)
        y = self._lines(surface, [rep.tile], x, y, w, bottom, size=self.fs(12), color=THEME["text_muted"])
        y += 4
        rtext.blit(surface, f"V(s) = {num(rep.V)}", self.fs(16), THEME["text"], (x, y), anchor="topleft", bold=True)
        if rep.visits is not None:
            rtext.blit(surface, f"visits: {rep.visits:,}", self.fs(13), THEME["text_muted"], (x + w, y + 3), anchor="topright")
        y += self.px(26)
        # the action table: Q(s,a) and pi(a|s), best action marked
        col = [x, x + self.px(64), x + self.px(64) + (w - self.px(64)) // 2]
        rtext.blit(surface, "action", self.fs(12), THEME["text_muted"], (col[0], y), anchor="topleft")
        rtext.blit(surface, "Q(s,a)", self.fs(12), THEME["text_muted"], (col[1], y), anchor="topleft")
        rtext.blit(surface, "π(a|s)", self.fs(12), THEME["text_muted"], (col[2], y), anchor="topleft")
        y += self.px(18)
        finite = np.isfinite(rep.Q)
        best = int(np.nanargmax(rep.Q)) if finite.any() else -1
        names = ("up", "right", "down", "left")
        for a in range(len(rep.Q)):
            if y + self.px(18) > bottom:
                return
            bold = a == best
            rtext.blit(surface, f"{ARROWS[a]} {names[a]}", self.fs(13), THEME["text"], (col[0], y), anchor="topleft", bold=bold)
            rtext.blit(surface, num(rep.Q[a]), self.fs(13), THEME["text"], (col[1], y), anchor="topleft", bold=bold)
            p = float(rep.pi[a]) if a < len(rep.pi) else math.nan
            bar_w = int((w - (col[2] - x) - 50) * (p if math.isfinite(p) else 0))
            pygame.draw.rect(surface, mix(PALETTE[2], (255, 255, 255), 0.35), (col[2], y + self.px(3), max(bar_w, 0), self.px(11)),
                             border_radius=3)  # fmt: skip
            rtext.blit(surface, num(p), self.fs(13), THEME["text"], (col[2] + max(bar_w, 0) + 4, y), anchor="topleft")
            y += self.px(18)
        y += 8
        pygame.draw.line(surface, THEME["panel_border"], (x, y), (x + w, y))
        y += 8
        y = self._lines(surface, [rep.update_title], x, y, w, bottom, size=self.fs(13), bold=True)
        if rep.update:
            eq, rest = rep.update[0], rep.update[1:]
            y = self._lines(surface, [eq], x, y + 2, w, bottom, size=self.fs(13), color=THEME["accent"])
            self._lines(surface, rest, x, y + 2, w, bottom, size=self.fs(13), indent=0)

    def _draw_bandit_inspector(self, surface: pygame.Surface, x: int, y: int, w: int, bottom: int) -> None:
        """Run 1's arms as a table: arm, q*(a), Q(a), the agent's own belief (UCB bound,
        posterior mean ± sd, preference H(a)), π(a), N(a). Column widths come from the texts
        (names elide with "…", numbers right-aligned), so no two columns ever overlap; the
        cell rects drawn are kept in ``bandit_table_rects``."""
        level, t = self.level, self.trainer
        y = self._lines(surface, [level.name], x, y, w, bottom, size=self.fs(15), bold=True)
        if "t" in self.bandit_beliefs or self.view_snapshot is not None:
            note = f"pull {self.bandit_t} of {level.steps} in this run"
            if t.runs > 1:
                note += (f". The bars and this table show run 1; the curves average every run so far, "
                         f"{t.runs} at a time.")
        else:  # a deep agent: one network that keeps learning from run to run
            note = "One network learns across runs; the bars and this table show its first env's arms."
        y = self._lines(surface, [note], x, y, w, bottom, size=self.fs(13), color=THEME["text_muted"])
        assert self.bandit is not None
        true_means, Q, pi, pulls, names = self.bandit
        names = names or [str(a + 1) for a in range(len(Q))]
        best = int(np.nanargmax(true_means)) if true_means is not None and np.isfinite(true_means).any() else -1
        b = self.bandit_beliefs
        own: tuple[str, list[str], str] | None = None  # header, cells, footnote
        def short(v: float) -> str:  # 3 significant digits: six columns fit a narrow panel
            return rtext.nice_number(v) if math.isfinite(v) else num(v)

        if "ucb_bound" in b:
            own = ("U(a)", [short(v) for v in b["ucb_bound"]], "U(a) = Q(a) + c√(ln t / N(a)): UCB pulls the largest.")
        elif "posterior_std" in b:  # its mean is Q(a)
            own = ("σ(a)", [short(float(f"{sd:.2g}")) for sd in b["posterior_std"]],
                   "Q(a) ± σ(a): the posterior of q*(a) that Thompson samples from.")  # fmt: skip
        elif "preferences" in b:
            own = ("H(a)", [short(v) for v in b["preferences"]], "H(a): preference; π(a) = softmax(H)(a).")
        headers = ["arm", "q*(a)", "Q(a)"] + ([own[0]] if own else []) + ["π(a)", "N(a)"]
        rows = []
        for a in range(len(Q)):
            row = [("★ " if a == best else "") + names[a], short(true_means[a]) if true_means is not None else "?",
                   short(Q[a]), *([own[1][a]] if own else []), short(pi[a]),
                   f"{int(pulls[a]):,}" if pulls is not None else ""]  # fmt: skip
            rows.append(row)
        texts = [list(c) for c in zip(headers, *rows)]
        size = self.fs(13)  # a size smaller (down to 10 px) before names and numbers elide
        gaps = self.px(10) * (len(headers) - 1)
        while size > max(10, self.fs(13) - 2) and gaps + sum(
                max(rtext.font(size, True).size(t)[0] for t in col) for col in texts) > w:  # fmt: skip
            size -= 1
        columns = rtext.table_columns(texts, size, w, self.px(10), bold=True)
        self.bandit_table_rects: list[pygame.Rect] = []
        y += 6

        def cells(texts: list[str], y: int, size: int, color: Any, bold: bool) -> None:
            for i, (text, (cx, cw)) in enumerate(zip(texts, columns)):
                text = rtext.elide(text, size, cw, bold)
                anchor, pos = ("topleft", (x + cx, y)) if i == 0 else ("topright", (x + cx + cw, y))
                self.bandit_table_rects.append(rtext.blit(surface, text, size, color, pos, anchor=anchor, bold=bold))

        cells(headers, y, min(size, self.fs(12)), THEME["text_muted"], False)
        y += self.px(18)
        for a, row in enumerate(rows):
            if y + self.px(17) > bottom - 120:
                break
            cells(row, y, size, THEME["text"], a == best)
            y += self.px(17)
        if own:
            y = self._lines(surface, [own[2]], x, y + 4, w, bottom, size=self.fs(12), color=THEME["text_muted"])
        y += 8
        pygame.draw.line(surface, THEME["panel_border"], (x, y), (x + w, y))
        y += 8
        entry = t.last_update.get(0)
        if entry is None:
            self._lines(surface, ["No pull yet: press Step (S) or Play (Space).", "★ marks the best arm."],
                        x, y, w, bottom, size=self.fs(13), color=THEME["text_muted"])  # fmt: skip
            return
        equation, backup, _ = entry
        y = self._lines(surface, ["Last update:"], x, y, w, bottom, size=self.fs(13), bold=True)
        lines = update_lines(equation, backup, names)
        y = self._lines(surface, lines[:1], x, y + 2, w, bottom, size=self.fs(13), color=THEME["accent"])
        self._lines(surface, lines[1:], x, y + 2, w, bottom, size=self.fs(13))

    def _draw_edit(self, surface: pygame.Surface) -> None:
        r = getattr(self.panels, "edit_text_rect", None)
        if r is None:
            return
        if self.reward_error:
            text, color = self.reward_error, ERROR_COLOUR
        elif self.selected is None:
            text, color = "Click a cell to edit it. W toggles a wall, E edits its reward.", THEME["text_muted"]
        else:
            rows, cols = self.level.shape
            row, col = divmod(self.selected, cols)
            step = self.level.dynamics.step_reward
            text = f"Cell row {row + 1}, col {col + 1}" + (f" · every move also pays {num(step)}" if step else "")
            color = THEME["text_muted"]
        self._lines(surface, [text], r.x, r.y, r.w, r.bottom, size=self.fs(12), color=color)

    def _draw_manual(self, surface: pygame.Surface) -> None:
        r = getattr(self.panels, "manual_text_rect", None)
        if r is None:
            return
        if self.manual is None:
            self._lines(surface, ["Walk the level yourself before the agent learns it: press M, then use the "
                                  "arrow keys. You see every reward and your running return."],
                        r.x, r.y, r.w, r.bottom, size=self.fs(12), color=THEME["text_muted"])  # fmt: skip
            return
        m = self.manual
        lines = m.status()
        if m.returns:
            lines.append("your returns: " + ", ".join(num(g) for g in m.returns[-6:]))
        y = r.y
        for i, line in enumerate(lines):
            y = self._lines(surface, [line], r.x, y, r.w, r.bottom, size=self.fs(14) if i == 0 else 13, bold=i == 0)


def _escape(text: str) -> str:
    """Text for a pygame_gui HTML box: <, > and & escaped, quotes kept, newlines as <br>."""
    return html.escape(text, quote=False).replace("\n", "<br>")


def _bundled() -> list[str]:
    from gridrl.levels import bundled_level_names  # noqa: PLC0415

    return bundled_level_names()


def _dist(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(a[0] - b[0], a[1] - b[1])
