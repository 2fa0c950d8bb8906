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

from gridrl.gui.layout import Layout, button_width, fit_widths
from gridrl.gui.training import SPEEDS
from gridrl.gui.widgets import UNIT_HELP, PopupDropDown, fit_text, range_tooltip, unit_labels
from gridrl.render import text as rtext

if TYPE_CHECKING:
    from gridrl.gui.scene_train import TrainScene

OVERLAY_BUTTONS = (
    ("values", "V", "Values", "Colour each cell by its value V(s): blue below 0, red above 0. Key V."),
    ("numbers", "N", "Numbers", "Write V(s) in every cell (visit counts too when Visits is on). Key N."),
    ("q", "Q", "Q-values", "Split each cell into four triangles, one per action, coloured by Q(s,a). Key Q."),
    ("policy", "P", "Policy", "Arrows of the policy: the longer and darker, the likelier the action π(a|s). Key P."),
    ("visits", "C", "Visits", "How often the agent visited each cell (pale: rarely, deep blue: often). Key C."),
)  # fmt: skip

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
               object_id: str | ObjectID | None = None, container: Any = None) -> UIButton:  # fmt: skip
        element = self._add(UIButton(rect, text, self.ui, container=container, tool_tip_text=tip,
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
        self.overlay_buttons.clear()
        self.dp_buttons.clear()
        self.curve_dropdowns, self.log_button = [], None
        self._curve_state = ()

    # ------------------------------------------------------------------ build

    def build(self, lay: Layout) -> None:
        self.kill()
        self.ui = self.app.ui
        self.R, self.P, self.k = lay.row, lay.pad, lay.scale
        self.s = lambda n: round(n * self.k)  # noqa: E731 - a pixel size at this scale
        self._top_bar(lay)
        self._left(lay)
        if self.scene.trainer.is_grid:
            self._overlay_bar(lay)
            self._edit(lay)
            self._manual(lay)
        self._timeline(lay)
        self.sync_curves()
        self.sync(force=True)

    def _top_bar(self, lay: Layout) -> None:
        """Left to right: title, level, Open file, agent, the status line, then Edit / New /
        Help at the right. Buttons are as wide as their text; the dropdowns as wide as their
        longest choice, shrinking with the status line when the window is narrow. Below
        ``TWO_ROW_W`` the status line gets its own row under the widgets."""
        s, fs, gap = self.scene, lay.font_size, self.s(6)
        y, h = lay.bar.y + (lay.bar.h - self.R) // 2, self.R
        title_w = rtext.font(fs + 4, bold=True).size("gridrl")[0] + self.s(8)
        level_w, agent_w = (rtext.font(fs - 1, bold=True).size(t)[0] + self.s(8) for t in ("Level", "Agent"))
        open_w = button_width("Open file…", fs)
        right = [("Edit level", "The level editor on this level: paint tiles, set rewards and dynamics, save (Ctrl+E).",
                  "edit_mode"), ("New level", "A new empty 5 x 5 gridworld in the level editor (Ctrl+N).", "new_level"),
                 ("?  Help", "Every keyboard shortcut (F1 or ?).", "help")]  # fmt: skip
        right_w = [button_width(text, fs) for text, _, _ in right]
        x0, x1 = self.P + 4, lay.size[0] - self.P
        level_opts, agent_opts = s.levels.level_options(), s.agent_options()
        wants = [min(self.s(240), self._dropdown_width(level_opts, fs)),
                 min(self.s(210), self._dropdown_width(agent_opts, fs)),
                 0 if lay.second_row else self.s(360)]  # fmt: skip
        mins = [min(wants[0], self._dropdown_width([s.levels.level_label()], fs)),
                min(wants[1], self._dropdown_width([s.agent_label()], fs)), 0]  # fmt: skip
        fixed = title_w + level_w + open_w + agent_w + sum(right_w) + gap * (7 + len(right))
        level_dd, agent_dd, _ = fit_widths(wants, mins, x1 - x0 - fixed)
        status_w = x1 - x0 - fixed - level_dd - agent_dd  # all that is left
        x = x0
        self.label(pygame.Rect(x, y, title_w, h), "gridrl", "@title")
        x += title_w + gap
        self.label(pygame.Rect(x, y, level_w, h), "Level", "@section")
        x += level_w
        self.level_dropdown = self._add(
            PopupDropDown(level_opts, s.levels.level_label(), pygame.Rect(x, y, level_dd, h), self.ui,
                           expansion_height_limit=min(420, lay.size[1] - 80)),
            "pick_level",
        )  # fmt: skip
        self.level_dropdown.set_tooltip("The level: a bundled one, or a file you opened. Switching levels starts a new agent.")
        x += level_dd + gap
        self.open_button = self.button(
            pygame.Rect(x, y, open_w, h), "Open file…",
            "Open a level from a YAML file (Ctrl+O). A broken file is explained and the current level stays.",
            "open_file",
        )  # fmt: skip
        x += open_w + 2 * gap
        self.label(pygame.Rect(x, y, agent_w, h), "Agent", "@section")
        x += agent_w
        self.agent_dropdown = self._add(
            PopupDropDown(agent_opts, s.agent_label(), pygame.Rect(x, y, agent_dd, h), self.ui,
                           expansion_height_limit=min(460, lay.size[1] - 80)),
            "pick_agent",
        )  # fmt: skip
        self.agent_dropdown.set_tooltip("The learning agent: only those that run on this kind of level are listed.")
        x += agent_dd + 2 * gap
        if lay.second_row:
            self.status_rect = lay.second_row.inflate(-2 * x0, 0)
        else:
            self.status_rect = pygame.Rect(x, lay.bar.y, status_w, lay.bar.h)
        x = x1 - sum(right_w) - gap * (len(right) - 1)
        buttons = []
        for (text, tip, command), w in zip(right, right_w, strict=True):
            buttons.append(self.button(pygame.Rect(x, y, w, h), text, tip, command))
            x += w + gap
        self.edit_level_button, self.new_level_button, self.help_button = buttons

    @staticmethod
    def _dropdown_width(options: list[str], font_size: int) -> int:
        """Wide enough for the longest of ``options`` beside the dropdown's arrow button."""
        return max(rtext.font(font_size).size(o)[0] for o in options) + round(font_size * 3.2)

    def _left(self, lay: Layout) -> None:
        s, t = self.scene, self.scene.trainer
        x0, w = lay.left.x + self.P + 2, lay.left.w - 2 * self.P - 4
        y = lay.left.y + self.P
        self.label(pygame.Rect(x0, y, w, self.s(20)), "RUN", "@section")
        y += self.s(22)
        # Step and Reset as wide as their texts (a quarter of the row at least); Play the rest
        step_w, reset_w = (max(button_width(t, lay.font_size), (w - 12) // 4) for t in ("Step", "↻ Reset"))
        play_w = w - step_w - reset_w - 12
        self.play_button = self.button(
            pygame.Rect(x0, y, play_w, self.R + 4), "▶  Play",
            "Play / pause (Space): keep advancing the Step unit at the chosen speed.", "toggle_play",
            object_id="#primary",
        )  # fmt: skip
        self.step_button = self.button(
            pygame.Rect(x0 + play_w + 6, y, step_w, self.R + 4), "Step",
            "Advance exactly one Step unit and pause (S).", "step",
        )  # fmt: skip
        self.reset_button = self.button(
            pygame.Rect(x0 + w - reset_w, y, reset_w, self.R + 4), "↻ Reset",
            "A fresh agent: same level, hyperparameters and seed (R).", "reset",
        )  # fmt: skip
        y += self.R + 12
        self.label(pygame.Rect(x0, y, self.s(76), self.R), "Step unit", tip="What one Step (and each Play tick) advances.")
        labels = unit_labels(t)
        self.unit_dropdown = self._add(
            PopupDropDown(list(labels.values()), labels[t.unit], pygame.Rect(x0 + self.s(80), y, w - self.s(80), self.R), self.ui),
            "set_unit",
        )  # fmt: skip
        self.unit_dropdown.set_tooltip(
            "step: " + UNIT_HELP["step"] + "<br>episode: " + UNIT_HELP["episode"] + "<br>update: " + UNIT_HELP["update"]
            + "<br>Key U cycles."
        )  # fmt: skip
        y += self.R + 8
        self.label(pygame.Rect(x0, y, self.s(76), self.R), "Speed", tip="Units per second while playing (+ / − keys).")
        self.speed_slider = self._add(
            UIHorizontalSlider(pygame.Rect(x0 + self.s(80), y + 3, w - self.s(80) - self.s(84), self.R - 6), t.speed_index,
                               (0, len(SPEEDS) - 1), self.ui, click_increment=1),
            "set_speed",
        )  # fmt: skip
        self.speed_slider.set_tooltip("From one unit a second up to 'fastest' (as many as fit in 8 ms a frame).")
        self.speed_label = self.label(pygame.Rect(x0 + w - self.s(80), y, self.s(80), self.R), "", "@status")
        y += self.R + 8
        self.compare_button = self.button(
            pygame.Rect(x0, y, w, self.R), "Compare two agents…  (F6)",
            "Train a second agent beside this one, in lockstep, on this level and seed: boards side by side, "
            "curves on one chart (Sarsa vs Q-learning on the cliff: Figure 6.4).", "compare",
        )  # fmt: skip
        y += self.R + 14

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
        if t.is_bandit and getattr(t.agent, "vectorized_runs", False):
            self.label(pygame.Rect(x0, y, label_w, self.R), "runs",
                       tip="Independent runs stepped together; the curves average them (Figure 2.2 uses 2000).")
            self.runs_entry = self._add(
                UITextEntryLine(pygame.Rect(x0 + label_w, y, int(w * 0.26), self.R), self.ui, initial_text=s.form.runs_text),
                "runs_entry",
            )  # fmt: skip
            self.runs_entry.set_tooltip("Runs averaged in the curves, 1 to 10000. Enter applies it (the agent resets).")
            y += self.R + 6
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
        bounded = h.low is not None and h.high is not None and h.type in (int, float)
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

    def _overlay_bar(self, lay: Layout) -> None:
        r = lay.overlay_bar
        n = len(OVERLAY_BUTTONS)
        bw = min(self.s(130), (r.w - 6 * (n - 1)) // n)
        for i, (name, key, text, tip) in enumerate(OVERLAY_BUTTONS):
            label = f"{text}  ({key})" if bw >= self.s(118) else text if bw >= self.s(84) else key
            self.overlay_buttons[name] = self.button(
                pygame.Rect(r.x + i * (bw + 6), r.y, bw, r.h), label, tip, "overlay", name,
                object_id=ObjectID(None, "@toggle"),
            )  # fmt: skip

    def _timeline(self, lay: Layout) -> None:
        r = lay.timeline
        self.label(pygame.Rect(r.x, r.y, self.s(80), r.h), "Timeline", "@section",
                   tip="Scrub back through the run: values, policy and agent as they were. Training goes on.")
        live_w = self.s(84)
        slider_min = max(self.s(120), int(r.w * 0.35))
        text_w = max(0, min(self.s(300), r.w - self.s(84) - live_w - self.s(16) - slider_min))
        self.timeline_slider = self._add(
            UIHorizontalSlider(pygame.Rect(r.x + self.s(84), r.y + 4, r.w - self.s(84) - live_w - text_w - self.s(16), r.h - 8), 1000,
                               (0, 1000), self.ui, click_increment=1),
            "timeline",
        )  # fmt: skip
        self.timeline_slider.set_tooltip(
            "Drag back to see what the agent knew earlier ([ and ] step, Home = first). Training is not disturbed."
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
        state = (r and tuple(r), tuple(options), tuple(s.curves.curve_picks))
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
        n = len(s.curves.curve_picks)
        w = (r.w - log_w - 6 * n) // n
        # each choice elided to fit beside the arrow button (20 px and borders) and the text's
        # padding; its id is the whole title, which the command gets
        room = w - 40
        choices = {title: (rtext.elide(title, self.app.font_size, room), title)
                   for title in (s.curves.curve_info(k)[0] for k in options)}  # fmt: skip
        for i, key in enumerate(s.curves.curve_picks):
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
        for name, button in self.overlay_buttons.items():
            self._set_selected(button, name in s.overlays)
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
