"""The charts under the board: the learning curve (or a bandit's per-pull curves, or DP's
largest value change per sweep) and the diagnostics the user picks to show beside it, with
wheel zoom, drag to pan, double-click to see it all, and log-y.

The curves are drawn onto their own surface only when their data changed
(:meth:`CurvePanel.update`); each frame just blits it (:meth:`CurvePanel.draw`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pygame

from gridrl.gui import catalog
from gridrl.render.charts import bandit_curve_charts, draw_line_chart
from gridrl.render.colors import THEME

if TYPE_CHECKING:
    from gridrl.gui.scene_train import TrainScene

#: Curves the app makes itself, beside the agent's own (whose titles and meanings are the
#: agent class's ``diagnostics``): key -> (chart title, meaning for the tooltip, equation).
APP_CURVES = {
    "mean |TD error| per episode": ("|TD error| per episode", "Mean |δ| = |target − Q(s,a)| of the episode's "
                                                              "updates. It falls as the values settle (never "
                                                              "quite to 0 while the agent explores).",
                                    "1/T Σ_t |δ_t|,  δ_t = target_t − Q(s_t,a_t)"),
    "steps per episode": ("Steps per episode", "How many steps each episode took. On a reach-the-goal level "
                                               "it falls towards the shortest path's length as the agent learns.",
                          "T: the steps from the start to the episode's end"),
}
#: Diagnostic charts beside the return chart at most (the user picks them; "—" is none);
#: presentation mode shows the first only, so two charts are large enough to read.
MAX_DIAGNOSTICS = 3
NO_CURVE = "—"
#: Seconds between redrawing the charts while training runs.
CHART_REFRESH = 0.2


def _moving_window(n: int) -> int:
    return int(min(100, max(5, n // 15)))


class CurvePanel:
    """The charts of ``scene``'s trainer, in ``scene.layout.charts``."""

    def __init__(self, scene: TrainScene) -> None:
        self.scene = scene
        self.charts: list[tuple[str, dict[str, np.ndarray], int | None, str]] = []
        self.chart_keys: list[str] = []  # parallel to self.charts: "return" or a curve's key
        self._chart_time = -math.inf
        self._chart_key: tuple[Any, ...] = ()
        self._chart_surface: pygame.Surface | None = None
        self._chart_bands: dict[str, dict[str, Any]] = {}  # chart title -> its band (bandit curves)
        self._diagnostics: dict[str, tuple[str, str, str]] = {}  # the agent class's (see pick_defaults)
        self.curve_picks: list[str] = []  # the diagnostics shown beside the return chart (keys)
        self._user_picked = False  # until the user picks, the picks follow what the agent reports
        self.log_y = False
        self.chart_zoom: dict[str, tuple[float, float]] = {}  # chart key -> index range shown (zoomed)
        self._chart_plots: list[tuple[str, pygame.Rect, int]] = []  # (key, plot on screen, points)
        self._pan: tuple[str, int, tuple[float, float]] | None = None  # (key, mouse x, range) while dragging
        self._last_click: tuple[float, str] = (-math.inf, "")  # (clock, chart key): double-click resets

    def invalidate(self) -> None:
        """Redraw the charts at the next update (new data source or new size)."""
        self._chart_key = ()
        self._chart_time = -math.inf

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
        self.scene.status("Charts: logarithmic y axes (curves with values > 0)." if self.log_y else "Charts: linear y axes.")
        self.invalidate()

    def cmd_reset_zoom(self, _: Any = None) -> None:
        self.chart_zoom.clear()
        self.invalidate()

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
        self.scene.panels.sync_curves()
        self.invalidate()

    def pick_defaults(self) -> None:
        """A new agent: its diagnostics, the default picks, the whole curves."""
        agent = getattr(self.scene.trainer, "agent", None)  # its own class: dpo on a gridworld is GridDPO
        source = type(agent) if agent is not None else catalog.load_class(self.scene.trainer.agent_name)
        self._diagnostics = dict(getattr(source, "diagnostics", {}))
        self.chart_zoom.clear()
        self._user_picked = False
        self._auto_picks()

    def _auto_picks(self) -> None:
        """Until the user picks: the agent's most telling diagnostics (first in its
        ``diagnostics``), else what it has reported, then the app's own curves."""
        t = self.scene.trainer
        if t.is_dp or t.is_bandit:
            self.curve_picks = []
            return
        first = list(self._diagnostics) or list(dict.fromkeys([*t.series, *APP_CURVES]))
        first = first[:MAX_DIAGNOSTICS]
        self.curve_picks = first + [NO_CURVE] * (MAX_DIAGNOSTICS - len(first))

    def shown_picks(self) -> list[str]:
        """The picks charted: all of them, or in presentation mode the first."""
        return self.curve_picks[:1] if self.scene.layout.presentation else self.curve_picks

    def curve_info(self, key: str) -> tuple[str, str]:
        """(chart title, meaning) of a curve: the agent's own declaration, else the app's."""
        if key == NO_CURVE:
            return NO_CURVE, "No chart in this place: pick a curve to show one."
        found = self._diagnostics.get(key) or APP_CURVES.get(key)
        return found[:2] if found else (key.replace("_", " "), "Reported by the agent in its update's info; "
                                                               "no description.")

    def curve_equation(self, key: str) -> str:
        """The equation of a curve (the inspector writes it out), "" if none is declared."""
        found = self._diagnostics.get(key) or APP_CURVES.get(key)
        return found[2] if found else ""

    def curve_options(self) -> list[str]:
        """Every curve there is to pick: what the agent has reported (in the order it declares
        them), the steps per episode, and the picks not reported yet; "—" for none."""
        t = self.scene.trainer
        if t.is_dp or t.is_bandit:
            return []
        reported = [k for k in self._diagnostics if k in t.series]
        reported += sorted(k for k in t.series if k not in reported)
        rest = [k for k in ("steps per episode", *self.curve_picks) if k not in reported and k != NO_CURVE]
        return [*reported, *dict.fromkeys(rest), NO_CURVE]

    def curve_values(self, key: str) -> np.ndarray:
        if key == "steps per episode":
            return np.asarray(self.scene.trainer.session.history.episode_lengths, dtype=float)
        return np.asarray(self.scene.trainer.series.get(key, []), dtype=float)

    def chart_bar_rect(self) -> pygame.Rect | None:
        """The row above the charts holding the diagnostics pickers (grid agents that learn)."""
        if not self.curve_picks:
            return None
        r = self.scene.layout.charts
        return pygame.Rect(r.x, r.y, r.w, self.scene.layout.row)

    def _chart_at(self, pos: tuple[int, int]) -> tuple[str, pygame.Rect, int] | None:
        return next((hit for hit in self._chart_plots if hit[1].collidepoint(pos) and hit[2] > 1), None)

    def press(self, pos: tuple[int, int]) -> bool:
        """A click on a chart: starts a pan; a second click soon after (a double-click) shows
        the whole curve again. True if the click was on a chart."""
        hit = self._chart_at(pos)
        if hit is None:
            return False
        key = hit[0]
        if self._last_click[1] == key and self.scene.trainer.clock - self._last_click[0] < 0.4:
            self.chart_zoom.pop(key, None)
            self.invalidate()
            self._last_click = (-math.inf, "")
            return True
        self._last_click = (self.scene.trainer.clock, key)
        self._pan = (key, pos[0], self.chart_zoom.get(key, (0.0, float(max(hit[2] - 1, 1)))))
        return True

    def _set_zoom(self, key: str, x0: float, n: int, width: float) -> None:
        full = float(max(n - 1, 1))
        if width >= full - 1e-9:
            self.chart_zoom.pop(key, None)
        else:
            x0 = min(max(x0, 0.0), full - width)
            self.chart_zoom[key] = (x0, x0 + width)
        self.invalidate()

    def update(self) -> None:
        t = self.scene.trainer
        h = t.session.history
        key = (id(t.session), t.units_run, len(h.episode_returns), tuple(self.shown_picks()), self.log_y,
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
            for name in self.shown_picks():
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
        r = self.scene.layout.charts
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
        font = max(12, self.scene.layout.font_size - 2)
        keys = self.chart_keys if len(self.chart_keys) == n else [""] * n
        for (title, series, window, y_label), cell, key in zip(charts, cells, keys):
            log = self.log_y and any(np.nanmax(v, initial=-np.inf) > 0 for v in series.values())
            plot = draw_line_chart(surf, cell, series, title, moving_average=window, y_label=y_label,
                                   band=self._chart_bands.get(title), font_size=font, log_y=log,
                                   x_range=self.chart_zoom.get(key), robust=bool(key))  # fmt: skip
            if plot is not None and key:
                self._chart_plots.append((key, plot.move(r.topleft), max(v.size for v in series.values())))

    def draw(self, surface: pygame.Surface) -> None:
        r = self.scene.layout.charts
        if self._chart_surface is not None and self._chart_surface.get_size() == r.size:
            surface.blit(self._chart_surface, r)

