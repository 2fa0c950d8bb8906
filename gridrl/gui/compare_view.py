"""Where the compare view puts things, and its widgets (pygame_gui): the run controls and
Back in the top bar; above each board, the agent picker and its settings typed as
``name=value, name=value`` (``--set`` style). Input is handled by
:class:`~gridrl.gui.scene_compare.CompareScene`.

Presentation mode (F5) folds what a teacher does not need while presenting, so a 1024 x 768
projector shows the whole 1.5x (the room of :data:`~gridrl.gui.layout.PRESENTATION_ROOM`):
the top bar keeps the run controls, the pickers and settings come back behind "⚙ Agents"
(until then each side's agent is written above its board), and the charts may be lower.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pygame
from pygame_gui.elements import UIButton, UIHorizontalSlider, UILabel, UITextEntryLine

from gridrl.gui.layout import PAD, PRESENTATION_ROOM, ROW, STATUS_H, TOP_H, button_width, fit_widths, scale_for
from gridrl.gui.training import SPEEDS
from gridrl.gui.widgets import PopupDropDown
from gridrl.render import text as rtext

if TYPE_CHECKING:
    from gridrl.gui.scene_compare import CompareScene

#: Presentation mode's button that shows the pickers and settings.
AGENTS = "⚙ Agents"


@dataclass(frozen=True)
class CompareLayout:
    scale: float
    font_size: int
    #: The top bar's widgets; ``status`` is the line under it; ``top`` holds both.
    bar: pygame.Rect
    status: pygame.Rect
    top: pygame.Rect
    #: Per side (left, right): its picker row, its board (or a bandit's arms), its legend.
    headers: tuple[pygame.Rect, pygame.Rect]
    boards: tuple[pygame.Rect, pygame.Rect]
    legends: tuple[pygame.Rect, pygame.Rect]
    charts: pygame.Rect
    #: Presentation mode (a zoom above 1): the folded top bar, lower charts.
    presentation: bool = False


def compare_layout(size: tuple[int, int], zoom: float, grid_shape: tuple[int, int] | None) -> CompareLayout:
    """Two columns under the top bar, the charts across the bottom. A wide, flat level (the
    cliff: 4 x 12) leaves its spare height to the charts. Presentation mode (``zoom`` above 1)
    needs :data:`PRESENTATION_ROOM` at scale 1: its charts take 28% of the height below the
    top bar, at least 120 px at scale 1 (else 36%, at least 170), so the boards keep their size."""
    w, h = size
    presentation = zoom > 1.0
    k = scale_for(size, zoom, PRESENTATION_ROOM)
    pad, row = round(PAD * k), round(ROW * k)
    bar = pygame.Rect(0, 0, w, round(TOP_H * k))
    status = pygame.Rect(pad, bar.bottom, w - 2 * pad, round(STATUS_H * k))
    top = pygame.Rect(0, 0, w, status.bottom)
    col_w = (w - 3 * pad) // 2
    legend_h = round(40 * k) if grid_shape is not None else 0
    body_y = top.bottom + pad
    charts_h = max(round((120 if presentation else 170) * k), int((h - body_y) * (0.28 if presentation else 0.36)))
    board_h = h - pad - charts_h - pad - (body_y + row + 6) - legend_h
    if grid_shape is not None:  # square cells: the board needs no more height than this
        rows, cols = grid_shape
        cell = max(1, min(col_w // cols, board_h // (rows + 1)))
        spare = board_h - cell * (rows + 1) - round(12 * k)
        if spare > 0:
            charts_h = min(charts_h + spare, int((h - body_y) * 0.55))
            board_h = h - pad - charts_h - pad - (body_y + row + 6) - legend_h
    columns = [pygame.Rect(pad + i * (col_w + pad), body_y, col_w, 0) for i in range(2)]
    headers = tuple(pygame.Rect(c.x, body_y, col_w, row) for c in columns)
    boards = tuple(pygame.Rect(c.x, body_y + row + 6, col_w, board_h) for c in columns)
    legends = tuple(pygame.Rect(b.x, b.bottom, col_w, legend_h) for b in boards)
    charts = pygame.Rect(pad, h - pad - charts_h, w - 2 * pad, charts_h)
    return CompareLayout(k, round(14 * k), bar, status, top, headers, boards, legends, charts,  # type: ignore[arg-type]
                         presentation)


class CompareWidgets:
    """The compare view's widgets, rebuilt whole on a new size or a new agent; :meth:`sync`
    keeps the Play button's text and the speed in step every frame."""

    def __init__(self, scene: CompareScene) -> None:
        self.scene = scene
        self.elements: list[Any] = []
        self.agent_dropdowns: list[PopupDropDown] = []
        self.settings_entries: list[UITextEntryLine] = []
        self._texts: dict[Any, str] = {}

    def _add(self, element: Any, command: str | None = None, key: Any = None) -> Any:
        self.elements.append(element)
        if command is not None:
            self.scene.app.bind(element, command, key)
        return element

    def _button(self, rect: pygame.Rect, text: str, tip: str, command: str, object_id: str | None = None) -> UIButton:
        return self._add(UIButton(rect, text, self.scene.app.ui, tool_tip_text=tip, object_id=object_id), command)

    def kill(self) -> None:
        """Remove every widget (none holds another: each is killed once)."""
        self.scene.app.unbind(self.elements)
        for element in self.elements:
            element.kill()
        self.elements, self.agent_dropdowns, self.settings_entries, self._texts = [], [], [], {}

    def build(self, lay: CompareLayout) -> None:
        self.kill()
        s, ui, fs, k = self.scene, self.scene.app.ui, lay.font_size, lay.scale
        row, gap = round(ROW * k), round(6 * k)
        y = lay.bar.y + (lay.bar.h - row) // 2
        x = round(PAD * k) + 4
        if not lay.presentation:
            title = "Compare"
            title_w = rtext.font(fs + 4, bold=True).size(title)[0] + gap
            self._add(UILabel(pygame.Rect(x, y, title_w, row), title, ui, object_id="@title"))
            x += title_w + 2 * gap
        play_w = max(button_width("❚❚  Pause", fs), button_width("▶  Play", fs))
        self.play_button = self._button(pygame.Rect(x, y, play_w, row), "▶  Play",
                                        "Play / pause both (Space): each frame both advance the same number of "
                                        "units; the slower one sets the pace.", "toggle_play", "#primary")  # fmt: skip
        x += play_w + gap
        for text, tip, command in (("Step", "One unit for each, paused (S).", "step"),
                                   ("↻ Reset", "Two fresh agents: same level, settings and seed (R).", "reset")):  # fmt: skip
            self._button(pygame.Rect(x, y, button_width(text, fs), row), text, tip, command)
            x += button_width(text, fs) + gap
        x += gap
        if not lay.presentation:
            speed_w = rtext.font(fs).size("Speed")[0] + gap
            self._add(UILabel(pygame.Rect(x, y, speed_w, row), "Speed", ui))
            x += speed_w
        back = "Back (Esc)" if lay.presentation else "Back to training (Esc)"
        back_w = button_width(back, fs)
        back_x = lay.bar.right - round(PAD * k) - back_w
        self._button(pygame.Rect(back_x, y, back_w, row), back,
                     "Close the comparison and go back to the single agent (Esc or F6).", "close_compare")  # fmt: skip
        end = back_x
        if lay.presentation:
            agents_w = button_width(AGENTS, fs)
            end = back_x - gap - agents_w
            self.agents_button = self._button(pygame.Rect(end, y, agents_w, row), AGENTS,
                                              "Show or hide each side's agent picker and settings.", "compare_agents")  # fmt: skip
            if s.agents_open:
                self.agents_button.select()
        label_w = rtext.font(fs - 1).size(f"{SPEEDS[-2][0]} · {s.unit}s")[0] + gap
        slider_w = round(130 * k)
        if lay.presentation:  # the slider gives way; the speed's text stays whole
            slider_w = fit_widths([slider_w, label_w], [round(50 * k), label_w], end - gap - x - gap)[0]
        self.speed_slider = self._add(
            UIHorizontalSlider(pygame.Rect(x, y + 3, slider_w, row - 6), s.speed_index, (0, len(SPEEDS) - 1), ui,
                               click_increment=1),
            "set_speed",
        )  # fmt: skip
        self.speed_slider.set_tooltip("Units per second for both (+ / − keys); 'fastest' runs what fits in a frame.")
        x += slider_w + gap
        self.speed_label = self._add(UILabel(pygame.Rect(x, y, label_w, row), "", ui, object_id="@status"))
        x += label_w + gap
        if not lay.presentation:
            level = f"on {s.level.name}, seed {s.seed}"
            self._add(UILabel(pygame.Rect(x, y, max(0, back_x - gap - x), row),
                              rtext.elide(level, fs - 1, back_x - gap - x - 4), ui, object_id="@muted")).set_tooltip(level)  # fmt: skip
        if not lay.presentation or s.agents_open:
            self._build_pickers(lay)
        self.sync(force=True)

    def _build_pickers(self, lay: CompareLayout) -> None:
        """Above each board: its agent picker and its settings entry."""
        s, ui, fs, k = self.scene, self.scene.app.ui, lay.font_size, lay.scale
        row, gap = round(ROW * k), round(6 * k)
        options = s.agent_options()
        for i, header in enumerate(lay.headers):
            swatch = row // 2 + gap
            pick_w = min(round(200 * k), max(rtext.font(fs).size(o)[0] for o in options) + round(fs * 3.2))
            menu = self._add(PopupDropDown(options, s.sides[i].driver.trainer.agent_name,
                                           pygame.Rect(header.x + swatch, header.y, pick_w, header.h), ui,
                                           expansion_height_limit=min(420, lay.boards[i].h + lay.charts.h)),
                             "pick_side_agent", i)  # fmt: skip
            menu.set_tooltip("The agent on this side; the other side is reset with it, so both start together.")
            self.agent_dropdowns.append(menu)
            x = header.x + swatch + pick_w + gap
            entry = self._add(UITextEntryLine(pygame.Rect(x, header.y, header.right - x, header.h), ui,
                                              initial_text=s.settings_text(i)), "side_settings", i)  # fmt: skip
            entry.set_tooltip("This agent's settings as name=value, separated by commas (as gridrl's --set). "
                              "Enter applies them: ε and α at once; others reset both agents.")  # fmt: skip
            self.settings_entries.append(entry)

    def sync(self, force: bool = False) -> None:
        if force:
            self._texts.clear()
        if not self.elements:
            return
        s = self.scene
        self._set_text(self.play_button, "❚❚  Pause" if s.playing else "▶  Play")
        self._set_text(self.speed_label, f"{SPEEDS[s.speed_index][0]} · {s.unit}s")

    def _set_text(self, element: Any, text: str) -> None:
        if self._texts.get(element) != text:
            self._texts[element] = text
            element.set_text(text)
