"""The lambda / n slider of the training panel: for the agents whose traces (td-lambda,
sarsa-lambda) or n-step buffers (n-step-td, n-step-sarsa) are built episode by episode.

The slider steps through the values the book's figures use (Figure 7.2's n, Figure 12.3's
lambda and those between), so a class can rerun a figure's curve by hand. A value chosen during
an episode is applied when the episode ends (:data:`gridrl.gui.training.EPISODE_PARAMS`);
until then the label shows both, "λ 0.8 → 0.95".
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pygame
from pygame_gui.elements import UIHorizontalSlider

from gridrl.agents import REGISTRY
from gridrl.gui.inspector import num
from gridrl.gui.live_params import EPISODE_PARAMS

if TYPE_CHECKING:
    from gridrl.gui.panels import Panels

#: The slider's positions for each hyperparameter.
CHOICES: dict[str, tuple[float, ...]] = {
    "lam": (0.0, 0.2, 0.4, 0.6, 0.8, 0.9, 0.95, 0.975, 0.99, 1.0),
    "n": (1, 2, 3, 4, 5, 6, 8, 10, 16, 32, 64, 128, 256, 512),
}
SYMBOL = {"lam": "λ", "n": "n"}
MEANING = {
    "lam": "λ: how fast the eligibility traces decay, by γλ a step (0: one-step TD or Sarsa; 1: like Monte Carlo)",
    "n": "n: rewards summed before bootstrapping (1: one-step TD or Sarsa; large: like Monte Carlo)",
}


def episode_param(agent_name: str) -> str | None:
    """The live episode-wide hyperparameter of ``agent_name`` ("lam" or "n"), or None."""
    names = sorted(REGISTRY[agent_name].live & EPISODE_PARAMS)
    return names[0] if names else None


def position(name: str, value: Any) -> int:
    """The slider position nearest ``value`` (n on a log scale: 6 is nearer 5 than 8)."""
    choices = np.asarray(CHOICES[name], dtype=float)
    v = float(value)
    far = np.abs(np.log(choices) - np.log(max(v, 1.0))) if name == "n" else np.abs(choices - v)
    return int(np.argmin(far))


def tooltip(name: str) -> str:
    values = ", ".join(num(v) for v in CHOICES[name])
    return (f"{MEANING[name]}.<br>Positions: {values} (type any other value in the form below).<br>"
            "A change made during an episode is applied when that episode ends: its traces and n-step "
            "buffer were built with the old value.")  # fmt: skip


class EpisodeSlider:
    """The label and slider of one hyperparameter, built into ``panels`` at ``rect``: the
    label (its value, and the one waiting for the episode's end) left, the slider right."""

    def __init__(self, panels: Panels, name: str, label: pygame.Rect, slider: pygame.Rect) -> None:
        self.panels, self.name = panels, name
        tip = tooltip(name)
        self.label = panels.label(label, "", "@status", tip=tip)
        self.slider = panels._add(
            UIHorizontalSlider(slider, position(name, self.value()), (0, len(CHOICES[name]) - 1), panels.ui,
                               click_increment=1),
            "episode_param", name,
        )  # fmt: skip
        self.slider.set_tooltip(tip)
        self.sync()

    def value(self) -> Any:
        """The value the slider stands for: the one waiting for the episode's end, if any."""
        t = self.panels.scene.trainer
        return t.pending_params.get(self.name, self.panels.scene.form.param_value(self.name))

    def text(self) -> str:
        t, symbol = self.panels.scene.trainer, SYMBOL[self.name]
        now = num(self.panels.scene.form.param_value(self.name))
        if self.name in t.pending_params:
            return f"{symbol} {now} → {num(t.pending_params[self.name])}"
        return f"{symbol} = {now}"

    def sync(self) -> None:
        """The label's text, and the slider moved to a value typed in the form."""
        self.panels._set_text(self.label, self.text())
        at = position(self.name, self.value())
        if int(round(self.slider.get_current_value())) != at and not self.slider.sliding_button.held:
            self.slider.set_current_value(at)


def build(panels: Panels, x: int, y: int, w: int, label_w: int) -> int:
    """The slider row at ``y`` for the scene's agent, if it has an episode-wide parameter; the y below."""
    name = episode_param(panels.scene.trainer.agent_name)
    panels.episode_slider = None
    if name is None:
        return y
    R = panels.R
    panels.episode_slider = EpisodeSlider(panels, name, pygame.Rect(x, y, label_w, R),
                                          pygame.Rect(x + label_w, y + 4, w - label_w, R - 8))  # fmt: skip
    return y + R + 6
