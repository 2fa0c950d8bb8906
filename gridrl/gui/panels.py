"""The widgets (pygame_gui): top bar, run controls, hyperparameter form, overlay toggles,
timeline, cell editing, play-yourself. Built from the scene's state and rebuilt whole when
the level, the agent or the window size changes; :meth:`Panels.sync` keeps texts and toggle
states in step every frame (cheaply: only what changed is re-rendered).

Every button has a tooltip; every pygame_gui event of a widget becomes a command through
:meth:`gridrl.gui.app.App.bind`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pygame
from pygame_gui.core import ObjectID
from pygame_gui.elements import (
    UIButton,
    UIDropDownMenu,
    UIHorizontalSlider,
    UILabel,
    UIScrollingContainer,
    UITextEntryLine,
)

from gridrl.gui import episode_slider
from gridrl.gui.episode_slider import EpisodeSlider
from gridrl.gui.inspector import num
from gridrl.gui.layout import Layout, button_width
from gridrl.gui.reason_button import ReasonButton
from gridrl.gui.run_controls import run_controls, run_strip
from gridrl.gui.status import draw_lines
from gridrl.gui.top_bar import top_bar
from gridrl.gui.widgets import fit_text, range_tooltip
from gridrl.render import text as rtext
from gridrl.render.colors import THEME

if TYPE_CHECKING:
    from gridrl.gui.scene_train import TrainScene

OVERLAY_BUTTONS = (
    ("values", "V", "Values", "Colour each cell by its value V(s): blue below 0, red above 0. Key V."),
    ("numbers", "N", "Numbers", "Write V(s) in every cell (visit counts too when Visits is on). Key N."),
    ("q", "Q", "Q-values", "Split each cell into four triangles, one per action, coloured by Q(s,a). Key Q."),
    ("policy", "P", "Policy", "Arrows of the policy: the longer and darker, the likelier the action π(a|s). Key P."),
    ("visits", "C", "Visits", "How often the agent visited each cell (pale: rarely, deep blue: often). Key C."),
)  # fmt: skip
#: Overlays offered only to the agents whose insight has what they draw (its extras' key).
AGENT_OVERLAY_BUTTONS = {
    "traces": ("traces", "z", "Traces", "Colour each cell (Sarsa(λ): each action's triangle) by its eligibility "
               "trace z, from 0 (pale) to the largest trace now (dark green): it decays by γλ a step and is 0 "
               "when an episode begins."),
    "model_next": ("model", "s'", "Model", "The learnt model's known transitions: a teal arrow from s towards the "
                   "s' it predicts for each action tried (a bar: the move bumps)."),
    "reward_learned": ("reward", "r", "Reward", "The reward model learned from the pairs beside the true reward, "
                       "each action's triangle on one colour scale (learned: aligned to the truth), with their "
                       "correlation; hatched: actions no pair took."),
    "kl_per_cell": ("distance", "KL", "To π*", "Distance to π*: each cell by KL(π(·|s) ‖ π*(·|s)), white where "
                    "the policy is the KL-regularised optimum, red where it is far from it."),
}  # fmt: skip


def overlay_buttons(extras: dict[str, Any]) -> tuple[tuple[str, str, str, str], ...]:
    """The overlay toggles for an agent whose insight extras are ``extras``."""
    return OVERLAY_BUTTONS + tuple(button for key, button in AGENT_OVERLAY_BUTTONS.items() if key in extras)


class Panels:
    def __init__(self, scene: TrainScene) -> None:
        self.scene = scene
        self.app = scene.app
        self.ui = scene.app.ui
        self.elements: list[Any] = []
        self._texts: dict[Any, str] = {}
        self._selected: dict[Any, bool] = {}
        self._enabled: dict[Any, bool] = {}
        self._valid: dict[Any, bool] = {}
        self.hp_entries: dict[str, UITextEntryLine] = {}
        self.hp_sliders: dict[str, UIHorizontalSlider] = {}
        self.hp_dropdowns: dict[str, UIDropDownMenu] = {}
        self.episode_slider: EpisodeSlider | None = None
        self.overlay_buttons: dict[str, UIButton] = {}
        self.dp_buttons: dict[str, UIButton] = {}
        self.curve_dropdowns: list[UIDropDownMenu] = []
        self.log_button: UIButton | None = None
        self._curve_state: tuple[Any, ...] = ()

    # ------------------------------------------------------------------ helpers

    def _add(self, element: Any, command: str | None = None, key: Any = None) -> Any:
        self.elements.append(element)
        if command is not None:
            self.app.bind(element, command, key)
        return element

    def button(self, rect: pygame.Rect, text: str, tip: str, command: str, key: Any = None,
               object_id: str | ObjectID | None = None, container: Any = None,
               kind: type[UIButton] = UIButton) -> UIButton:  # fmt: skip
        element = self._add(kind(rect, text, self.ui, container=container, tool_tip_text=tip,
                                 object_id=object_id), command, key)  # fmt: skip
        fit_text(element, text, tip)
        return element

    def label(self, rect: pygame.Rect, text: str, object_id: str | ObjectID | None = None,
              container: Any = None, tip: str | None = None) -> UILabel:  # fmt: skip
        element = self._add(UILabel(rect, text, self.ui, container=container, object_id=object_id))
        if tip:
            element.set_tooltip(tip)
        fit_text(element, text, tip)
        return element

    def kill(self) -> None:
        self.app.unbind(self.elements)
        for element in reversed(self.elements):
            if element.alive():
                element.kill()
        self.elements.clear()
        self._texts.clear()
        self._selected.clear()
        self._enabled.clear()
        self._valid.clear()
        self.hp_entries.clear()
        self.hp_sliders.clear()
        self.hp_dropdowns.clear()
        self.episode_slider = None
        self.overlay_buttons.clear()
        self.dp_buttons.clear()
        self.curve_dropdowns, self.log_button = [], None
        self._curve_state = ()
        for gone in ("manual_button", "reward_entry", "edit_text_rect", "manual_text_rect"):  # not in every layout
            self.__dict__.pop(gone, None)

    # ------------------------------------------------------------------ build

    def build(self, lay: Layout) -> None:
        self.kill()
        self.ui = self.app.ui
        self.R, self.P, self.k = lay.row, lay.pad, lay.scale
        self.s = lambda n: round(n * self.k)  # noqa: E731 - a pixel size at this scale
        top_bar(self, lay)
        self._left(lay)
        if self.scene.trainer.is_grid and lay.mode != "strip":
            self.overlay_toggles(lay)
        if self.scene.trainer.is_grid and not lay.presentation:
            self._edit(lay)
            self._manual(lay)
        self._timeline(lay)
        self.sync_curves()
        self.sync(force=True)

    def _left(self, lay: Layout) -> None:
        s, t = self.scene, self.scene.trainer
        if lay.mode == "strip":
            run_strip(self, lay)
            return
        x0, w = lay.left.x + self.P + 2, lay.left.w - 2 * self.P - 4
        y = lay.left.y + self.P
        y = run_controls(self, lay, x0, y, w)

        if t.is_dp:
            self.label(pygame.Rect(x0, y, w, self.s(20)), "DYNAMIC PROGRAMMING", "@section")
            y += self.s(22)
            specs = [("dp_backup", "Back up cell", "One Bellman backup of the selected cell, in place (B).")]
            specs.append(("dp_sweep", "Sweep", "One full sweep: every cell backed up once (D)."))
            if t.agent_name == "policy-iteration":
                specs.append(("dp_improve", "Improve π", "Policy improvement: π(s) ← argmax_a q(s,a) in every cell (I)."))
            bw = (w - 6 * (len(specs) - 1)) // len(specs)
            for i, (cmd, text, tip) in enumerate(specs):
                self.dp_buttons[cmd] = self.button(pygame.Rect(x0 + i * (bw + 6), y, bw, self.R), text, tip, cmd)
            y += self.R + 14

        self.label(pygame.Rect(x0, y, w, self.s(20)), f"AGENT SETTINGS · {t.agent_name}", "@section")
        y += self.s(24)
        label_w = int(w * 0.42)
        self.label(pygame.Rect(x0, y, label_w, self.R), "seed",
                   tip="Random seed: the same seed gives the same run. Changing it resets the agent.")  # fmt: skip
        self.seed_entry = self._add(
            UITextEntryLine(pygame.Rect(x0 + label_w, y, int(w * 0.26), self.R), self.ui, initial_text=s.form.seed_text),
            "seed_entry",
        )  # fmt: skip
        self.seed_entry.set_tooltip("Random seed, a whole number >= 0. Enter applies it (the agent resets).")
        y += self.R + 6
        self.plain_defaults_button = None
        if s.form.recommended is not None:  # the level's recommended settings are in use: offer the agent's own
            tip = f"{s.form.recommended_line()}. Plain defaults restarts {t.agent_name} with its own defaults."
            self.label(pygame.Rect(x0, y, int(w * 0.5), self.R), "recommended", "@muted", tip=tip)
            bx = x0 + int(w * 0.5) + 6
            self.plain_defaults_button = self.button(pygame.Rect(bx, y, x0 + w - bx, self.R), "Plain defaults", tip,
                                                     "plain_defaults")  # fmt: skip
            y += self.R + 6
        if t.is_bandit and getattr(t.agent, "vectorized_runs", False):
            self.label(pygame.Rect(x0, y, label_w, self.R), "runs",
                       tip="Independent runs stepped together; the curves average them (Figure 2.2 uses 2000).")
            self.runs_entry = self._add(
                UITextEntryLine(pygame.Rect(x0 + label_w, y, int(w * 0.26), self.R), self.ui, initial_text=s.form.runs_text),
                "runs_entry",
            )  # fmt: skip
            self.runs_entry.set_tooltip("Runs averaged in the curves, 1 to 10000. Enter applies it (the agent resets).")
            y += self.R + 6
        y = episode_slider.build(self, x0, y, w, label_w)
        error_h = self.s(40)
        box = pygame.Rect(x0 - 2, y, w + 4, lay.left.bottom - self.P - error_h - y)
        spec = s.form.spec
        rows_h = len(spec) * (self.R + 6)
        self.hp_container = self._add(UIScrollingContainer(box, self.ui, allow_scroll_x=False))
        self.hp_container.set_scrollable_area_dimensions((box.w - 20 if rows_h > box.h else box.w, rows_h))
        inner_w = box.w - (22 if rows_h > box.h else 4)
        for i, h in enumerate(spec):
            self._hp_row(h, i * (self.R + 6), inner_w, label_w)
        self.hp_error = self.label(pygame.Rect(x0, lay.left.bottom - self.P - error_h, w, self.s(20)), "", "@error")
        self.hp_note = self.label(pygame.Rect(x0, lay.left.bottom - self.P - self.s(20), w, self.s(20)), "", "@muted")

    def _hp_row(self, h: Any, y: int, w: int, label_w: int) -> None:
        s = self.scene
        c = self.hp_container
        tip = range_tooltip(h)
        self.label(pygame.Rect(2, y, label_w, self.R), h.name, "@hp_label", container=c, tip=tip)
        x = 2 + label_w
        if h.choices or h.type is bool:
            options = list(h.choices) if h.choices else ["true", "false"]
            current = s.form.text.get(h.name, str(s.form.param_value(h.name)).lower())
            if current not in options:
                current = options[0]
            menu = self._add(UIDropDownMenu(options, current, pygame.Rect(x, y, w - x, self.R), self.ui, container=c),
                             "hp_choice", h.name)  # fmt: skip
            menu.set_tooltip(tip)
            self.hp_dropdowns[h.name] = menu
            return
        above = self.episode_slider is not None and h.name == self.episode_slider.name  # it has its own slider
        bounded = not above and h.low is not None and h.high is not None and h.type in (int, float)
        entry_w = int((w - x) * 0.42) if bounded else w - x
        text = s.form.text.get(h.name, s.form.param_text(h))
        oid = ObjectID("#invalid" if h.name in s.form.errors else None, None)
        entry = self._add(UITextEntryLine(pygame.Rect(x, y, entry_w, self.R), self.ui, container=c,
                                          initial_text=text, object_id=oid), "hp_entry", h.name)  # fmt: skip
        entry.set_tooltip(tip + "<br>Type a value and press Enter.")
        self.hp_entries[h.name] = entry
        self._valid[entry] = h.name not in s.form.errors
        if bounded:
            value = s.form.param_value(h.name)
            start = float(value) if isinstance(value, (int, float)) else float(h.low)
            start = min(max(start, h.low), h.high)
            slider = self._add(
                UIHorizontalSlider(pygame.Rect(x + entry_w + 6, y + 4, w - x - entry_w - 6, self.R - 8), start,
                                   (h.low, h.high), self.ui, container=c,
                                   click_increment=(1 if h.type is int else (h.high - h.low) / 20)),
                "hp_slider", h.name,
            )  # fmt: skip
            slider.set_tooltip(tip)
            self.hp_sliders[h.name] = slider

    def overlay_toggles(self, lay: Layout, cells: list[pygame.Rect] | None = None) -> None:
        """The overlay toggles across the bar over the board, or (key letters) in ``cells``."""
        r = lay.overlay_bar
        buttons = self.overlay_choices()
        n = len(buttons)
        bw = min(self.s(130), (r.w - 6 * (n - 1)) // n)
        for i, (name, key, text, tip) in enumerate(buttons):
            label = key if cells or bw < self.s(84) else f"{text}  ({key})" if bw >= self.s(118) else text
            self.overlay_buttons[name] = self.button(
                cells[i] if cells else pygame.Rect(r.x + i * (bw + 6), r.y, bw, r.h), label, tip, "overlay", name,
                object_id=ObjectID(None, "@toggle"), kind=ReasonButton if name == "q" else UIButton,
            )  # fmt: skip

    def overlay_choices(self) -> tuple[tuple[str, str, str, str], ...]:
        """The overlay toggles offered for the scene's agent (see :func:`overlay_buttons`)."""
        return overlay_buttons(self.scene.trainer.insight().extras)

    def _timeline(self, lay: Layout) -> None:
        r = lay.timeline
        label_w = self.s(84) if r.w >= self.s(520) else 0  # narrow: the slider's tooltip says what it is
        if label_w:
            self.label(pygame.Rect(r.x, r.y, self.s(80), r.h), "Timeline", "@section",
                       tip="Scrub back through the run: values, policy and agent as they were. Training goes on.")
        live_w = self.s(84)
        slider_min = max(self.s(100), int(r.w * 0.3))
        text_w = max(0, min(self.s(300), r.w - label_w - live_w - self.s(16) - slider_min))
        text_w = text_w if text_w >= self.s(60) else 0  # no room for "1,234 steps": none
        self.timeline_slider = self._add(
            UIHorizontalSlider(pygame.Rect(r.x + label_w, r.y + 4, r.w - label_w - live_w - text_w - self.s(16), r.h - 8), 1000,
                               (0, 1000), self.ui, click_increment=1),
            "timeline",
        )  # fmt: skip
        self.timeline_slider.set_tooltip(
            "The timeline: drag back to see what the agent knew earlier ([ and ] step, Home = first). Training is "
            "not disturbed."
        )
        self.live_button = self.button(
            pygame.Rect(r.right - live_w, r.y, live_w, r.h), "Live (L)",
            "Back to the present: show the agent as it is now (L or End).", "timeline_live",
        )  # fmt: skip
        self.timeline_text_rect = pygame.Rect(r.right - live_w - text_w - 8, r.y, text_w, r.h)

    def sync_curves(self) -> None:
        """(Re)build the row of diagnostics pickers above the charts when the curves on offer
        or the picks changed: one drop-down per chart beside the return, its tooltip the
        meaning of the curve it shows, and the log-y toggle."""
        if not self.elements:  # killed (the editor is on top): build() brings everything back
            return
        s = self.scene
        r = s.curves.chart_bar_rect()
        options = s.curves.curve_options()
        state = (r and tuple(r), tuple(options), tuple(s.curves.shown_picks()))
        if state == self._curve_state:
            return
        self._curve_state = state
        old = [*self.curve_dropdowns, *([self.log_button] if self.log_button is not None else [])]
        self.app.unbind(old)
        for element in old:
            self.elements.remove(element)
            element.kill()
        self.curve_dropdowns, self.log_button = [], None
        if r is None:
            return
        log_w = self.s(96)
        n = len(s.curves.shown_picks())
        w = (r.w - log_w - 6 * n) // n
        # each choice elided to fit beside the arrow button (20 px and borders) and the text's
        # padding; its id is the whole title, which the command gets
        room = w - 40
        choices = {title: (rtext.elide(title, self.app.font_size, room), title)
                   for title in (s.curves.curve_info(k)[0] for k in options)}  # fmt: skip
        for i, key in enumerate(s.curves.shown_picks()):
            title, meaning = s.curves.curve_info(key)
            menu = self._add(UIDropDownMenu(list(choices.values()), choices.get(title, (title, title)),
                                            pygame.Rect(r.x + i * (w + 6), r.y, w, r.h), self.ui,
                                            expansion_height_limit=min(420, r.y - 10)),
                             "pick_curve", i)  # fmt: skip
            menu.set_tooltip(f"<b>{title}</b>: {meaning}<br>Pick the diagnostic this chart shows ("
                             f"{len(options) - 1} to choose from).")  # fmt: skip
            self.curve_dropdowns.append(menu)
        self.log_button = self.button(
            pygame.Rect(r.right - log_w, r.y, log_w, r.h), "log y (G)",
            "Logarithmic y axes on the charts (G): small and large values both readable. "
            "Wheel over a chart zooms, drag pans, double-click or Z shows it all.",
            "toggle_log_y", object_id=ObjectID(None, "@toggle"),
        )  # fmt: skip
        self._selected.pop(self.log_button, None)

    def _edit(self, lay: Layout) -> None:
        r = lay.edit
        self.label(pygame.Rect(r.x, r.y, r.w, self.s(20)), "EDIT THE SELECTED CELL (live)", "@section",
                   tip="Change the level while the agent keeps learning: it is not reset.")  # fmt: skip
        y = r.y + self.s(24)
        self.label(pygame.Rect(r.x, y, self.s(64), self.R), "Reward", tip="Reward for entering the selected cell (added to the level's step reward).")
        self.reward_entry = self._add(
            UITextEntryLine(pygame.Rect(r.x + self.s(66), y, self.s(76), self.R), self.ui, initial_text=self.scene.tools.reward_text),
            "reward_entry",
        )  # fmt: skip
        self.reward_entry.set_tooltip("Reward for entering the selected cell, a number. Enter applies it (E focuses).")
        self.reward_button = self.button(pygame.Rect(r.x + self.s(148), y, self.s(56), self.R), "Set",
                                         "Apply the reward to the selected cell; the agent keeps learning.",
                                         "set_reward")  # fmt: skip
        wall = "Wall on/off (W)" if button_width("Wall on/off (W)", lay.font_size) <= r.w - self.s(212) else "Wall (W)"
        self.wall_button = self.button(pygame.Rect(r.x + self.s(212), y, r.w - self.s(212), self.R), wall,
                                       "Put a wall on the selected cell, or remove it; the agent keeps learning.",
                                       "toggle_wall")  # fmt: skip
        self.edit_text_rect = pygame.Rect(r.x, y + self.R + 4, r.w, r.bottom - (y + self.R + 4))

    def _manual(self, lay: Layout) -> None:
        r = lay.manual
        self.label(pygame.Rect(r.x, r.y, r.w, self.s(20)), "PLAY IT YOURSELF", "@section",
                   tip="Walk the level with the arrow keys before the agent learns it.")
        self.manual_button = self.button(
            pygame.Rect(r.x, r.y + self.s(24), r.w, self.R), "Play yourself (M)",
            "Pause the agent and move with the arrow keys: every reward and the running return are shown (M).",
            "manual", object_id=ObjectID(None, "@toggle"),
        )  # fmt: skip
        self.manual_text_rect = pygame.Rect(r.x, r.y + self.s(24) + self.R + 6, r.w, r.bottom - (r.y + self.s(24) + self.R + 6))

    # ------------------------------------------------------------------ per frame

    def draw_texts(self, surface: pygame.Surface) -> None:
        """The texts beside the widgets: where the timeline is, the play-yourself panel's."""
        s, fs = self.scene, self.scene.fs
        r = self.timeline_text_rect
        text, past = s.driver.timeline_text, s.driver.view_snapshot is not None
        if rtext.font(fs(13)).size(text)[0] > r.w:
            text = text.split(" · ")[-1]  # narrow window: just the step count
        if r.w:
            rtext.blit(surface, text, fs(13), THEME["selection"] if past else THEME["text_muted"],
                       r.midright, anchor="midright", bold=past, max_width=r.w)  # fmt: skip
        r = getattr(self, "manual_text_rect", None)
        if r is None:
            return
        if s.manual is None:
            draw_lines(surface, ["Walk the level yourself before the agent learns it: press M, then use the "
                                  "arrow keys. You see every reward and your running return."],
                       r.x, r.y, r.w, r.bottom, size=fs(12), color=THEME["text_muted"])  # fmt: skip
            return
        lines = s.manual.status()
        if s.manual.returns:
            lines.append("your returns: " + ", ".join(num(g) for g in s.manual.returns[-6:]))
        y = r.y
        for i, line in enumerate(lines):
            y = draw_lines(surface, [line], r.x, y, r.w, r.bottom, size=fs(14) if i == 0 else fs(13), bold=i == 0)

    def _set_text(self, element: Any, text: str) -> None:
        if self._texts.get(element) != text:
            self._texts[element] = text
            element.set_text(text)

    def _set_selected(self, element: Any, on: bool) -> None:
        if self._selected.get(element) != on:
            self._selected[element] = on
            element.select() if on else element.unselect()

    def _set_enabled(self, element: Any, on: bool) -> None:
        if self._enabled.get(element) != on:
            self._enabled[element] = on
            element.enable() if on else element.disable()

    def sync(self, force: bool = False) -> None:
        s, t = self.scene, self.scene.trainer
        if force:
            self._texts.clear()
            self._selected.clear()
            self._enabled.clear()
        self._set_text(self.play_button, "❚❚  Pause" if t.playing else "▶  Play")
        self._set_text(self.speed_label, t.speed_label)
        if "q" in self.overlay_buttons:  # disabled, saying why, for agents with no Q(s,a) or A(s,a)
            self.overlay_buttons["q"].set_reason(s.board.q_status() if s.board.q_missing else "")
        for name, button in self.overlay_buttons.items():
            self._set_selected(button, name in s.overlays and button.is_enabled)
        if self.episode_slider is not None:
            self.episode_slider.sync()
        self.sync_curves()
        if self.log_button is not None:
            self._set_selected(self.log_button, s.curves.log_y)
        if hasattr(self, "manual_button"):
            self._set_selected(self.manual_button, s.manual is not None)
            has_cell = s.selected is not None
            for element in (self.reward_entry, self.reward_button, self.wall_button):
                self._set_enabled(element, has_cell)
        has_cell = s.selected is not None
        if "dp_backup" in self.dp_buttons:
            self._set_enabled(self.dp_buttons["dp_backup"], has_cell)
        error = next(iter(s.form.errors.values()), "")
        self._set_text(self.hp_error, error)
        self._set_text(self.hp_note, s.form.note)
        if s.driver.view_snapshot is None:
            if self.timeline_slider.get_current_value() != 1000 and not self.timeline_slider.sliding_button.held:
                self.timeline_slider.set_current_value(1000)
        self._set_text(self.live_button, "Live (L)" if s.driver.view_snapshot is not None else "● Live")
        self._set_enabled(self.live_button, s.driver.view_snapshot is not None)

    def set_entry_valid(self, name: str, valid: bool) -> None:
        entry = self.hp_entries.get(name)
        if entry is not None:
            self._mark(entry, valid)

    def _mark(self, entry: Any, valid: bool) -> None:
        """Red text and border on an invalid entry (only re-themed when it changes)."""
        if self._valid.get(entry, True) != valid:
            self._valid[entry] = valid
            entry.change_object_id(ObjectID(None if valid else "#invalid", None))

    def set_reward_valid(self, valid: bool) -> None:
        if hasattr(self, "reward_entry") and self.reward_entry.alive():
            self._mark(self.reward_entry, valid)
