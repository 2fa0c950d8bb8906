"""The compare view's charts: both agents' curves on one chart each, in the colours of
their boards, smoothed as the single-agent charts are (:mod:`gridrl.gui.curves`).

Gridworlds: the return of each episode (Figure 6.4's "sum of rewards during episode") and
the steps per episode; DP: the largest value change per sweep; bandits: Figure 2.2's
average reward and % optimal action per pull, each a mean over runs with its band.
Drawn onto their own surface only when the data changed; each frame blits it.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pygame

from gridrl.gui.curves import CHART_REFRESH, _moving_window
from gridrl.gui.training import Trainer
from gridrl.render.charts import bandit_curve_charts, draw_line_chart
from gridrl.render.colors import THEME

#: One chart: (title, series by label, moving-average window or None, y label, bands by label).
Chart = tuple[str, dict[str, np.ndarray], int | None, str, dict[str, Any]]


def _trainer_charts(t: Trainer) -> list[tuple[str, np.ndarray, str, Any]]:
    """One trainer's curves, each as (title, values, y label, band or None)."""
    h = t.session.history
    if t.is_dp:
        return [("Largest value change per sweep, max |ΔV|", np.asarray(t.series.get("max |ΔV| per sweep", []),
                                                                       dtype=float), "max |ΔV|", None)]  # fmt: skip
    if t.is_bandit:
        per_pull = h.per_pull()
        if per_pull is None:  # one learner across runs (a deep agent): its own mean reward per pull
            return [("Average reward per pull", np.asarray(h.mean_reward, dtype=float), "reward", None),
                    ("% optimal action", np.asarray(h.optimal_action, dtype=float) * 100, "%", None)]  # fmt: skip
        return [(c["title"], next(iter(c["series"].values())), c["y_label"], next(iter(c["band"].values())))
                for c in bandit_curve_charts(per_pull)]  # fmt: skip
    return [("Return of each episode", np.asarray(h.episode_returns, dtype=float), "return", None),
            ("Steps per episode", np.asarray(h.episode_lengths, dtype=float), "steps", None)]  # fmt: skip


def compare_charts(sides: list[tuple[str, Trainer]]) -> list[Chart]:
    """The charts of ``sides`` (label, trainer): the n-th curve of every side on the n-th
    chart, one series per side. Bandit means over many runs are smooth already (their band
    shows the noise); other curves get the single view's moving average."""
    per_side = [(label, _trainer_charts(t)) for label, t in sides]
    charts: list[Chart] = []
    for i, (title, _, y_label, _) in enumerate(per_side[0][1]):
        series = {label: curves[i][1] for label, curves in per_side}
        bands = {label: curves[i][3] for label, curves in per_side if curves[i][3] is not None}
        n = max(v.size for v in series.values())
        window = None if bands or sides[0][1].is_dp else _moving_window(n)
        charts.append((title, series, window, y_label, bands))
    return charts


class CompareCharts:
    """The charts of the compare view, in ``rect``, redrawn only when their data changed."""

    def __init__(self) -> None:
        self.charts: list[Chart] = []
        self.log_y = False
        self._key: tuple[Any, ...] = ()
        self._time = -math.inf
        self._surface: pygame.Surface | None = None

    def invalidate(self) -> None:
        self._key, self._time = (), -math.inf

    def update(self, sides: list[tuple[str, Trainer]], rect: pygame.Rect, font_size: int, clock: float,
               playing: bool) -> None:  # fmt: skip
        """Recompute and redraw the charts if the data changed, at most every CHART_REFRESH
        seconds of ``clock`` while ``playing``."""
        key = (tuple((label, id(t.session), t.units_run) for label, t in sides), rect.size, font_size, self.log_y)
        if key == self._key or (playing and clock - self._time < CHART_REFRESH):
            return
        self._key, self._time = key, clock
        self.charts = compare_charts(sides)
        if self._surface is None or self._surface.get_size() != rect.size:
            self._surface = pygame.Surface(rect.size)
        surf = self._surface
        surf.fill(THEME["background"])
        n = len(self.charts)
        w = (rect.w - 8 * (n - 1)) // max(n, 1)
        for i, (title, series, window, y_label, bands) in enumerate(self.charts):
            log = self.log_y and any(np.nanmax(v, initial=-np.inf) > 0 for v in series.values())
            draw_line_chart(surf, pygame.Rect(i * (w + 8), 0, w, rect.h), series, title, moving_average=window,
                            y_label=y_label, band=bands or None, font_size=font_size, log_y=log,
                            robust=not bands)  # fmt: skip

    def draw(self, surface: pygame.Surface, rect: pygame.Rect) -> None:
        if self._surface is not None and self._surface.get_size() == rect.size:
            surface.blit(self._surface, rect)
