"""The run controls (Play, Step, Reset, the step unit, the speed): at the top of the left
column, or, in presentation mode, alone in a narrow strip with the overlay toggles and a
button that brings the settings column back (:func:`gridrl.gui.layout.compute`'s "strip").
Built by :class:`~gridrl.gui.panels.Panels`, whose attributes they set (``play_button``,
``speed_slider``, ...), so :meth:`~gridrl.gui.panels.Panels.sync` serves both.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame
from pygame_gui.elements import UIHorizontalSlider

from gridrl.gui import episode_slider
from gridrl.gui.layout import Layout, button_width
from gridrl.gui.training import SPEEDS
from gridrl.gui.widgets import UNIT_HELP, PopupDropDown, unit_labels

if TYPE_CHECKING:
    from gridrl.gui.panels import Panels

PLAY_TIP = "Play / pause (Space): keep advancing the Step unit at the chosen speed."
STEP_TIP = "Advance exactly one Step unit and pause (S)."
RESET_TIP = "A fresh agent: same level, hyperparameters and seed (R)."
SPEED_TIP = "From one unit a second up to 'fastest' (as many as fit in 8 ms a frame). + / − keys."
SETTINGS_TIP = ("The agent's settings (seed, hyperparameters, step unit) in a column on the left; the "
                "inspector makes room for them until you hide them again.")  # fmt: skip


def run_controls(p: Panels, lay: Layout, x0: int, y: int, w: int) -> int:
    """The run section of the left column from ``y`` in ``w`` pixels; the y below it."""
    t, R = p.scene.trainer, p.R
    p.label(pygame.Rect(x0, y, w, p.s(20)), "RUN", "@section")
    y += p.s(22)
    # Step and Reset as wide as their texts (a quarter of the row at least); Play the rest
    step_w, reset_w = (max(button_width(t, lay.font_size), (w - 12) // 4) for t in ("Step", "↻ Reset"))
    play_w = w - step_w - reset_w - 12
    p.play_button = p.button(pygame.Rect(x0, y, play_w, R + 4), "▶  Play", PLAY_TIP, "toggle_play", object_id="#primary")
    p.step_button = p.button(pygame.Rect(x0 + play_w + 6, y, step_w, R + 4), "Step", STEP_TIP, "step")
    p.reset_button = p.button(pygame.Rect(x0 + w - reset_w, y, reset_w, R + 4), "↻ Reset", RESET_TIP, "reset")
    y += R + 12
    p.label(pygame.Rect(x0, y, p.s(76), R), "Step unit", tip="What one Step (and each Play tick) advances.")
    labels = unit_labels(t)
    p.unit_dropdown = p._add(
        PopupDropDown(list(labels.values()), labels[t.unit], pygame.Rect(x0 + p.s(80), y, w - p.s(80), R), p.ui),
        "set_unit",
    )  # fmt: skip
    p.unit_dropdown.set_tooltip(
        "step: " + UNIT_HELP["step"] + "<br>episode: " + UNIT_HELP["episode"] + "<br>update: " + UNIT_HELP["update"]
        + "<br>Key U cycles."
    )  # fmt: skip
    y += R + 8
    p.label(pygame.Rect(x0, y, p.s(76), R), "Speed", tip="Units per second while playing (+ / − keys).")
    _speed(p, pygame.Rect(x0 + p.s(80), y + 3, w - p.s(80) - p.s(84), R - 6), pygame.Rect(x0 + w - p.s(80), y, p.s(80), R))
    y += R + 8
    if lay.presentation:
        p.settings_button = p.button(pygame.Rect(x0, y, w, R), "✕  Hide the settings",
                                     "Back to the inspector (presentation mode has room for one of the two).",
                                     "settings")  # fmt: skip
    else:
        p.compare_button = p.button(
            pygame.Rect(x0, y, w, R), "Compare two agents…  (F6)",
            "Train a second agent beside this one, in lockstep, on this level and seed: boards side by side, "
            "curves on one chart (Sarsa vs Q-learning on the cliff: Figure 6.4).", "compare",
        )  # fmt: skip
    return y + R + 14


def run_strip(p: Panels, lay: Layout) -> None:
    """Presentation mode's left strip, top down: Play, Step, Reset, the speed, the overlay
    toggles (key letters, three a row: their tooltips say the rest) and Settings."""
    t, R = p.scene.trainer, p.R
    x0, w = lay.left.x + p.P, lay.left.w - 2 * p.P
    y = lay.left.y + p.P
    p.label(pygame.Rect(x0, y, w, p.s(20)), "RUN", "@section")
    y += p.s(22)
    p.play_button = p.button(pygame.Rect(x0, y, w, R + 4), "▶  Play", PLAY_TIP, "toggle_play", object_id="#primary")
    y += R + 10
    for attr, text, tip, command in (("step_button", "Step", STEP_TIP, "step"),
                                     ("reset_button", "↻ Reset", RESET_TIP, "reset")):  # fmt: skip
        setattr(p, attr, p.button(pygame.Rect(x0, y, w, R), text, tip, command))
        y += R + 6
    y += 6
    p.label(pygame.Rect(x0, y, w, p.s(20)), "SPEED", "@section", tip="Units per second while playing (+ / − keys).")
    y += p.s(22)
    _speed(p, pygame.Rect(x0, y, w, R - 6), pygame.Rect(x0, y + R - 4, w, R))
    y += 2 * R + 6
    name = episode_slider.episode_param(t.agent_name)
    p.episode_slider = None
    if name is not None:  # the value over its slider, as the speed
        p.episode_slider = episode_slider.EpisodeSlider(p, name, pygame.Rect(x0, y, w, R),
                                                        pygame.Rect(x0, y + R, w, R - 6))  # fmt: skip
        y += 2 * R + 6
    if t.is_grid:
        p.label(pygame.Rect(x0, y, w, p.s(20)), "SHOW", "@section", tip="The board's overlays (keys V N Q P C).")
        y += p.s(22)
        bw = (w - 12) // 3
        count = len(p.overlay_choices())
        cells = [pygame.Rect(x0 + i % 3 * (bw + 6), y + i // 3 * (R + 6), bw, R) for i in range(count)]
        p.overlay_toggles(lay, cells)
        y = cells[-1].bottom + 14
    p.settings_button = p.button(pygame.Rect(x0, y, w, R), "⚙ Settings", SETTINGS_TIP, "settings")


def _speed(p: Panels, slider: pygame.Rect, text: pygame.Rect) -> None:
    p.speed_slider = p._add(
        UIHorizontalSlider(slider, p.scene.trainer.speed_index, (0, len(SPEEDS) - 1), p.ui, click_increment=1),
        "set_speed",
    )  # fmt: skip
    p.speed_slider.set_tooltip(SPEED_TIP)
    p.speed_label = p.label(text, "", "@status")
