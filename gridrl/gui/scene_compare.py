"""Compare: two agents (or one agent with two settings) trained in lockstep on the same
level with the same seed, their boards side by side and their curves on one chart — the
Sarsa vs Q-learning lesson of Sutton & Barto's Figure 6.4 (Example 6.6, the cliff) live.

Each side is a :class:`~gridrl.gui.driver.TrainingDriver` and a
:class:`~gridrl.gui.board_view.BoardPanel`, as in the training scene. Lockstep: every
frame the side ahead (when they are level, the slower one) trains within its budget as
usual, and the other may then start units only up to the same count
(:attr:`Trainer.target <gridrl.gui.training.Trainer.target>`), so the slower one sets the
pace and the two never drift apart by more than the units one frame runs. The unit is an
episode on gridworlds (a sweep for dynamic programming) and a pull on bandits.

The scene sits over the training scene, whose widgets it hides while open; Esc, F6 or
Back returns to it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Sequence

import pygame

from gridrl.agents import REGISTRY, HyperparameterError, LevelMismatchError, make_config
from gridrl.gui.backdrop import Backdrop
from gridrl.gui import catalog
from gridrl.gui.board_view import BoardPanel
from gridrl.gui.commands import Command
from gridrl.gui.compare_charts import CompareCharts
from gridrl.gui.compare_view import CompareLayout, CompareWidgets, compare_layout
from gridrl.gui.driver import TrainingDriver
from gridrl.gui.layout import PRESENTATION_ROOM
from gridrl.gui.scene import Scene
from gridrl.gui.status import STATUS_SECONDS, draw_status_line, escape
from gridrl.gui.training import DEFAULT_SPEED, SPEEDS, Trainer
from gridrl.levels import GridLevel
from gridrl.render import text as rtext
from gridrl.render.colors import PALETTE, THEME

if TYPE_CHECKING:
    from gridrl.gui.window import Window

#: Commands the window (or the scenes below) handle even while the compare view is open.
PASS_THROUGH = {"quit", "resize", "screenshot", "help", "presentation"}
#: The agent put beside the training scene's one: the classic pairs of the book.
PARTNERS = {"q-learning": "sarsa", "sarsa": "q-learning", "expected-sarsa": "q-learning",
            "epsilon-greedy": "ucb", "ucb": "epsilon-greedy"}  # fmt: skip
AgentSpec = tuple[str, dict[str, Any]]


def parse_settings(text: str) -> dict[str, str]:
    """``"epsilon=0.1, alpha=0.5"`` (commas or spaces between) -> ``{"epsilon": "0.1", ...}``;
    HyperparameterError for a piece that is not name=value."""
    values: dict[str, str] = {}
    for piece in text.replace(",", " ").split():
        name, sep, value = piece.partition("=")
        if not sep or not name or not value:
            raise HyperparameterError(f"settings are name=value, separated by commas (e.g. epsilon=0.1), got '{piece}'")
        values[name] = value
    return values


def unit_for(trainers: Sequence[Trainer]) -> str:
    """The unit both advance by: a pull on bandits, a sweep if either is dynamic
    programming (its "episode" runs to convergence), else an episode (Figure 6.4's x axis)."""
    if any(t.is_bandit for t in trainers):
        return "step"
    return "update" if any(t.is_dp for t in trainers) else "episode"


def committed(t: Trainer) -> int:
    """Units done or running in the worker thread: what lockstep counts."""
    return t.units_run + (1 if t.busy else 0)


@dataclass
class Side:
    driver: TrainingDriver
    board: BoardPanel

    @property
    def trainer(self) -> Trainer:
        return self.driver.trainer


class CompareScene(Scene):
    """Two sides over the training scene. ``agents``: the two (name, settings); by default
    the training scene's agent and its classic partner (Q-learning beside Sarsa), sharing
    the settings both have. ``seed``: by default the training scene's."""

    name = "compare"
    #: What its presentation layout needs at scale 1 (the window sizes its fonts by it).
    room = PRESENTATION_ROOM

    def __init__(self, app: Window, agents: Sequence[AgentSpec] | None = None, seed: int | None = None) -> None:
        super().__init__(app)
        self.train = app.find("train")
        t0 = self.train.trainer
        self.level, self.runs = t0.level, t0.requested_runs
        self.seed = t0.seed if seed is None else int(seed)
        if agents is None:
            partner = PARTNERS.get(t0.agent_name) or catalog.default_agent(self.level.kind)
            names = {h.name for h in catalog.load_class(partner).spec()}
            agents = [(t0.agent_name, dict(t0.params)), (partner, {k: v for k, v in t0.params.items() if k in names})]
        self.sides = [Side(TrainingDriver(self._trainer(name, params)), BoardPanel(self.level))
                      for name, params in agents]  # fmt: skip
        self.playing = False
        self.agents_open = False  # presentation mode: the pickers and settings shown
        self.speed_index = DEFAULT_SPEED
        self._lockstep_settings()
        self.charts = CompareCharts()
        self.widgets = CompareWidgets(self)
        self.backdrop = Backdrop()
        self.status_text, self.status_error, self.status_age = "", False, 0.0
        self.layout: CompareLayout = self._layout()

    def _trainer(self, name: str, params: dict[str, Any]) -> Trainer:
        """``name`` with ``params`` (typed or text, as ``--set`` gives them; kept typed, so
        the settings entry and the legend show them alike)."""
        config = make_config(catalog.load_class(name).Config, params)
        return Trainer(self.level, name, {k: getattr(config, k) for k in params}, seed=self.seed, runs=self.runs)

    def _layout(self) -> CompareLayout:
        return compare_layout(self.app.size, self.app.zoom, getattr(self.level, "shape", None))

    def _lockstep_settings(self) -> None:
        """Both sides: the same unit and speed."""
        self.unit = unit_for([s.trainer for s in self.sides])
        for side in self.sides:
            side.trainer.unit, side.trainer.speed_index = self.unit, self.speed_index

    # ------------------------------------------------------------------ scene

    def enter(self) -> None:
        self.train.trainer.playing = False
        self.train.panels.kill()
        self.widgets.build(self.layout)
        a, b = (self.label(i) for i in range(2))
        self.status(f"{a} and {b}, same level, seed {self.seed}: press Space to train both, one {self.unit} each "
                    "at a time. Esc goes back.")  # fmt: skip
        self._compute_frame(0.0)

    def exit(self) -> None:
        self.widgets.kill()
        for side in self.sides:
            side.driver.close()
        self.train.rebuild_panels()

    def resize(self, size: tuple[int, int]) -> None:
        self.train.panels.kill()  # the training scene (resized first) rebuilt its widgets
        self.layout = self._layout()
        self.widgets.build(self.layout)
        self.charts.invalidate()
        self._compute_frame(0.0)

    # ------------------------------------------------------------------ helpers

    def status(self, text: str, error: bool = False) -> None:
        self.status_text, self.status_error, self.status_age = text, error, 0.0

    def agent_options(self) -> list[str]:
        return [e.name for e in catalog.agents_on(self.level) if e.available and not e.unfit]

    def settings_text(self, i: int) -> str:
        """Side ``i``'s settings as its entry shows them: its first two live ones (ε and α
        for TD agents: what a lesson varies) and every other one set."""
        t = self.sides[i].trainer
        live = [h for h in catalog.load_class(t.agent_name).spec() if h.name in REGISTRY[t.agent_name].live][:2]
        shown = {**{h.name: h.default for h in live}, **t.params}
        return ", ".join(f"{k}={'none' if v is None else f'{v:g}' if isinstance(v, float) else v}"
                         for k, v in shown.items())  # fmt: skip

    def label(self, i: int) -> str:
        """Side ``i`` as the legend names it: the agent, and the settings that tell it from the
        other side when both run the same agent."""
        t, other = self.sides[i].trainer, self.sides[1 - i].trainer
        if t.agent_name != other.agent_name:
            return t.agent_name
        values = [(k, getattr(t.agent.config, k)) for k in sorted({*t.params, *other.params})]
        differ = [f"{k}={v:g}" if isinstance(v, float) else f"{k}={v}" for k, v in values
                  if getattr(other.agent.config, k) != v]  # fmt: skip
        return f"{t.agent_name} ({', '.join(differ)})" if differ else f"{t.agent_name} ({'AB'[i]})"

    # ------------------------------------------------------------------ commands

    def handle(self, command: Command) -> Command | None:
        if command.name in PASS_THROUGH:
            return command
        handler = getattr(self, f"cmd_{command.name}", None)
        if handler is not None:
            handler(command.arg)
        return None  # the training scene below gets nothing while the comparison is open

    def cmd_toggle_play(self, _: Any = None) -> None:
        if any(s.driver.pending_agent for s in self.sides):
            return
        self.playing = not self.playing
        self.status(f"Playing both: {SPEEDS[self.speed_index][0]}, one {self.unit} each at a time. Space pauses."
                    if self.playing else "Paused.")  # fmt: skip

    def cmd_step(self, _: Any = None) -> None:
        """One unit for each (once the one behind has caught up)."""
        self.playing = False
        trainers = [s.trainer for s in self.sides]
        if any(t.busy for t in trainers) or len({committed(t) for t in trainers}) > 1:
            self.status(f"Still finishing the last {self.unit}: step again in a moment.")
            return
        for t in trainers:
            t.step_once()
        self.status(f"One {self.unit} each: {self.unit} {trainers[0].units_run}.")

    def cmd_reset(self, _: Any = None) -> None:
        for side in self.sides:
            side.trainer.reset()
            side.driver.view_snapshot = None
            side.board.agent_pos = None
        self.charts.invalidate()
        self.status(f"Reset: two fresh agents, seed {self.seed}.")

    def cmd_set_speed(self, value: float) -> None:
        self._set_speed(int(round(value)))

    def cmd_speed_delta(self, delta: int) -> None:
        self._set_speed(max(0, min(len(SPEEDS) - 1, self.speed_index + int(delta))))
        self.widgets.speed_slider.set_current_value(self.speed_index)

    def _set_speed(self, index: int) -> None:
        self.speed_index = index
        for side in self.sides:
            side.trainer.speed_index = index
        self.status(f"Speed: {SPEEDS[index][0]} for both.")

    def cmd_overlay(self, arg: Any) -> None:
        name = arg[0] if isinstance(arg, tuple) else arg
        for side in self.sides:
            side.board.toggle(name)

    def cmd_lock_scale(self, _: Any = None) -> None:
        """Both boards share one colour scale; K keeps it where it is (or lets it follow)."""
        locked = self.sides[0].board.scale_lock is None
        for side in self.sides:
            side.board.scale_lock = self._shared_limit() if locked else None
        self.status("Colour scale locked for both boards (K unlocks it)." if locked else "Colour scale follows the values.")

    def cmd_toggle_log_y(self, _: Any = None) -> None:
        self.charts.log_y = not self.charts.log_y
        self.charts.invalidate()
        self.status("Charts: logarithmic y axes." if self.charts.log_y else "Charts: linear y axes.")

    def cmd_escape(self, _: Any = None) -> None:
        self.app.pop(self)

    def cmd_compare_agents(self, _: Any = None) -> None:
        """Presentation mode: show or hide the pickers and settings above the boards."""
        self.agents_open = not self.agents_open
        self.widgets.build(self.layout)

    cmd_close_compare = cmd_compare = cmd_escape

    def cmd_pick_side_agent(self, arg: tuple[int, str]) -> None:
        """A new agent on side ``i``, built in the worker thread (a deep agent imports PyTorch);
        both sides restart together when it is there (:meth:`_take_loaded`)."""
        i, name = arg
        if name == self.sides[i].trainer.agent_name:
            return
        self.playing = False
        self.status(f"Loading {name}…")
        self.sides[i].driver.start_loading(name)

    def _take_loaded(self) -> None:
        for i, side in enumerate(self.sides):
            name = side.driver.pending_agent
            try:
                trainer = side.driver.loaded()
            except (HyperparameterError, LevelMismatchError, catalog.AgentUnavailable, ValueError) as exc:
                self.app.show_message("Could not create the agent", escape(f"{name}: {exc}"))
                self.widgets.build(self.layout)
                continue
            if trainer is None:
                continue
            side.driver.replace(trainer)
            self.sides[1 - i].trainer.reset()
            self._lockstep_settings()
            self.widgets.build(self.layout)
            self.charts.invalidate()
            self.status(f"{name} on the {('left', 'right')[i]}; both start again, seed {self.seed}.")

    def cmd_side_settings(self, arg: tuple[int, tuple[str, str]]) -> None:
        """Settings typed for side ``i`` (applied on Enter): live ones (ε, α) at once, on that
        side only; any other resets both, so they stay in lockstep."""
        i, (kind, text) = arg
        if kind != "finished":
            return
        t = self.sides[i].trainer
        try:
            raw = parse_settings(text)
            config = make_config(catalog.load_class(t.agent_name).Config, {**t.params, **raw})
            message = t.apply_params({k: getattr(config, k) for k in raw})
        except HyperparameterError as exc:
            self.status(f"{t.agent_name}: {exc}", error=True)
            return
        if message.endswith("agent reset"):
            self.sides[1 - i].trainer.reset()
            message += " (both, to stay in lockstep)"
        self._lockstep_settings()
        self.charts.invalidate()
        if self.widgets.settings_entries:
            self.widgets.settings_entries[i].set_text(self.settings_text(i))
        self.status(f"{self.label(i)}: {message}" if message else "No setting changed.")

    # ------------------------------------------------------------------ update

    def update(self, dt: float) -> None:
        self._take_loaded()
        self.status_age += dt
        if self.status_age >= STATUS_SECONDS:
            self.status_text = ""
        self._lockstep(dt)
        self._compute_frame(dt)
        self.widgets.sync()

    def _lockstep(self, dt: float) -> None:
        """Advance both by the same number of units: the side ahead (when they are level, the
        slower one: its units run in the worker thread, or took longer) trains as usual; the
        other then starts units up to the same count. While paused, the one behind catches up."""
        drivers = sorted((s.driver for s in self.sides), reverse=True,
                         key=lambda d: (committed(d.trainer), d.trainer.slow, d.trainer.unit_seconds))  # fmt: skip
        lead = committed(drivers[0].trainer)
        level = all(committed(d.trainer) == lead for d in drivers)
        for i, d in enumerate(drivers):
            t = d.trainer
            t.playing = (self.playing or committed(t) < lead) and d.pending_agent is None
            free = self.playing and level and i == 0
            try:
                message = d.update(dt, self.app.frame_times, target=None if free else lead,
                                   frame_started=self.app.frame_started)
            except Exception:
                self.playing = False
                raise
            lead = max(lead, committed(t))
            if self.playing and not t.playing:  # it stopped itself (DP converged)
                self.playing = False
                self.status(message or f"{t.agent_name} stopped: both paused.")

    def _shared_limit(self) -> float | None:
        limits = [s.board.renderer.color_limit(s.board.view) for s in self.sides
                  if s.board.renderer is not None and s.board.view is not None]  # fmt: skip
        return max(limits) if limits else None

    def _compute_frame(self, dt: float) -> None:
        """Both boards, on one colour scale (so equal colours mean equal values), and the charts."""
        lay = self.layout
        for i, side in enumerate(self.sides):
            t = side.trainer
            grid = isinstance(self.level, GridLevel)
            fast = SPEEDS[self.speed_index][1] > 60 or self.unit != "step"
            side.board.compute(self.level, side.driver.source(), target=t.agent_state if grid else None,
                               trail=t.trail if grid else (), highlight=t.highlights() if self.unit == "step" else {},
                               glide=None if fast else max(14.0, 4.0 * SPEEDS[self.speed_index][1]), selected=None,
                               caption=side.driver.caption(), badge=side.driver.optimal_badge(), board=lay.boards[i], legend=lay.legends[i], dt=dt)  # fmt: skip
        shared = self._shared_limit()
        for side in self.sides:
            if side.board.view is not None and shared is not None:
                side.board.view = replace(side.board.view, value_limit=shared)
        self.charts.update([(self.label(i), s.trainer) for i, s in enumerate(self.sides)], lay.charts,
                           max(12, lay.font_size - 2), self.sides[0].trainer.clock, self.playing)  # fmt: skip

    # ------------------------------------------------------------------ draw

    def draw(self, surface: pygame.Surface) -> None:
        lay = self.layout
        self.backdrop.draw(surface, (lay.top,), ((lay.top.bottomleft, lay.top.bottomright),))
        fps, ups = self.sides[0].trainer.rates()
        readout = [f"{fps:.0f} fps", f"{rtext.nice_number(ups)} {self.unit}s/s each"]
        draw_status_line(surface, lay.status, readout, self.status_text, self.status_error, lay.scale)
        size = max(12, round(13 * lay.scale))
        for i, side in enumerate(self.sides):
            header, board = lay.headers[i], lay.boards[i]
            swatch = pygame.Rect(header.x, header.y + header.h // 4, header.h // 2, header.h // 2)
            pygame.draw.rect(surface, PALETTE[i], swatch, border_radius=3)
            if not self.widgets.agent_dropdowns:  # presentation mode, pickers folded: the agent in words
                x = swatch.right + round(6 * lay.scale)
                rtext.blit(surface, self.label(i), lay.font_size, THEME["text"], (x, header.centery), "midleft",
                           bold=True, max_width=header.right - x)  # fmt: skip
            if side.board.view is None:  # a bandit: its arms, and its caption under them
                arms = pygame.Rect(board.x, board.y, board.w, board.h - size - 8)
                side.board.draw(surface, board, arms, visits_drawn=False, font_size=size)
                rtext.blit(surface, side.driver.caption(), size, THEME["text_muted"], (board.x, board.bottom),
                           "bottomleft", max_width=board.w)  # fmt: skip
            else:
                side.board.draw(surface, board, board, visits_drawn=not side.trainer.is_dp, font_size=size)
        self.charts.draw(surface, lay.charts)
