"""Charts for the side panels: learning curves and a bandit's arms.

Both draw straight onto a surface inside a rect, every frame if need be: a curve of
100,000 points is reduced to one min/max pair per pixel column before drawing, and the
moving average is one cumulative sum. Empty, one-point and NaN-containing series are
normal input (the first frames of a run): they draw an empty frame or a dot, and NaNs are
gaps in the line.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pygame

from gridrl.render import text as txt
from gridrl.render.colors import PALETTE, THEME, mix
from gridrl.render.text import nice_ticks

RGB = tuple[int, int, int]


# ---------------------------------------------------------------------- helpers


def moving_average(values: np.ndarray, window: int) -> np.ndarray:
    """Trailing mean over the last ``window`` finite values (fewer at the start); NaNs skipped.

    Where the whole window is NaN the result is NaN.
    """
    v = np.asarray(values, dtype=float)
    if v.size == 0 or window <= 1:
        return v.copy()
    finite = np.isfinite(v)
    sums = np.concatenate([[0.0], np.cumsum(np.where(finite, v, 0.0))])
    counts = np.concatenate([[0], np.cumsum(finite)])
    hi = np.arange(1, v.size + 1)
    lo = np.maximum(hi - window, 0)
    n = counts[hi] - counts[lo]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(n > 0, (sums[hi] - sums[lo]) / np.maximum(n, 1), np.nan)


def _panel(surface: pygame.Surface, rect: pygame.Rect, title: str, size: int | None = None) -> pygame.Rect:
    """A rounded panel with a bold title (``size`` px, by default from the rect; too wide, it
    shrinks to 80 % and then ends in "…"); returns the area left under the title."""
    radius = max(4, min(12, rect.h // 20))
    pygame.draw.rect(surface, THEME["panel"], rect, border_radius=radius)
    pygame.draw.rect(surface, THEME["panel_border"], rect, 1, border_radius=radius)
    size = size or max(11, min(20, int(rect.h * 0.07), int(rect.w * 0.05)))
    pad = max(6, size // 2)
    if title:
        room, width = rect.w - 2 * pad, txt.font(size, True).size(title)[0]
        shown = max(11, int(size * 0.8), min(size, int(size * room / max(width, 1))))
        t = txt.blit(surface, txt.elide(title, shown, room, bold=True), shown, THEME["text"],
                     (rect.x + pad, rect.y + pad // 2 + 2), "topleft", bold=True)  # fmt: skip
        top = t.bottom + pad // 2
    else:
        top = rect.y + pad
    return pygame.Rect(rect.x + pad, top, rect.w - 2 * pad, rect.bottom - top - pad)


def _polyline(surface: pygame.Surface, color: RGB, xs: np.ndarray, ys: np.ndarray, width: int) -> None:
    """Lines through the finite points; NaN splits the line; a lone point is a dot."""
    finite = np.isfinite(ys)
    if not finite.any():
        return
    edges = np.flatnonzero(np.diff(np.concatenate([[0], finite.astype(np.int8), [0]])))
    for start, stop in zip(edges[::2], edges[1::2]):
        pts = np.column_stack([xs[start:stop], ys[start:stop]])
        if len(pts) == 1:
            pygame.draw.circle(surface, color, pts[0], max(2.0, width * 1.3))
        elif width <= 1:
            pygame.draw.aalines(surface, color, False, pts.tolist())
        else:
            pygame.draw.lines(surface, color, False, pts.tolist(), width)


def _fill_band(surface: pygame.Surface, color: RGB, x_of: Any, y_of: Any, lower: np.ndarray,
               upper: np.ndarray, n_cols: int) -> None:  # fmt: skip
    """The area between ``lower`` and ``upper`` (index as x), at most ~2 points per pixel
    column; a NaN in either splits it."""
    n = min(lower.size, upper.size)
    idx = np.arange(n) if n <= 2 * n_cols else np.linspace(0, n - 1, 2 * n_cols).astype(int)
    lo, hi = lower[idx], upper[idx]
    finite = np.isfinite(lo) & np.isfinite(hi)
    edges = np.flatnonzero(np.diff(np.concatenate([[0], finite.astype(np.int8), [0]])))
    for start, stop in zip(edges[::2], edges[1::2]):
        if stop - start < 2:
            continue
        xs = x_of(idx[start:stop])
        top = np.column_stack([xs, y_of(hi[start:stop])])
        bottom = np.column_stack([xs, y_of(lo[start:stop])])[::-1]
        pygame.draw.polygon(surface, color, np.concatenate([top, bottom]).tolist())


def _columns(values: np.ndarray, n_cols: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reduce a long series to ``n_cols`` buckets: (bucket centres as index, min, max), NaN-aware."""
    n = values.size
    edges = np.linspace(0, n, n_cols + 1).astype(int)
    edges = np.unique(edges)
    starts = edges[:-1]
    filled_lo = np.where(np.isfinite(values), values, np.inf)
    filled_hi = np.where(np.isfinite(values), values, -np.inf)
    lo = np.minimum.reduceat(filled_lo, starts)
    hi = np.maximum.reduceat(filled_hi, starts)
    empty = ~np.isfinite(lo)
    lo[empty], hi[empty] = np.nan, np.nan
    centres = (starts + edges[1:] - 1) / 2.0
    return centres, lo, hi


# ---------------------------------------------------------------------- line chart


#: Points at the end of the visible data whose range the y axis follows (``robust``).
RECENT_SHARE = 0.5


def auto_range(arrays: Sequence[np.ndarray], robust: bool = False) -> tuple[float, float, float, float]:
    """The y range (lo, hi) of the finite values of ``arrays`` and the full (min, max).

    With ``robust`` the range follows the data of the later half of each array: early
    extremes (a first episode of -2000 before returns of -20..-10) lie outside it when they
    are more than one such span away, few (at most a tenth of the points beyond either
    end) and far (beyond the range shown by more than its width), so the recent values
    fill the plot while a trend (an entropy falling through most of the run) stays whole. The caller marks what was left out (full min < lo, or
    full max > hi)."""
    finite = [a[np.isfinite(a)] for a in arrays]
    finite = [f for f in finite if f.size]
    if not finite:
        return math.nan, math.nan, math.nan, math.nan
    full_lo = min(float(f.min()) for f in finite)
    full_hi = max(float(f.max()) for f in finite)
    lo, hi = full_lo, full_hi
    if robust:
        recent = [f[int(f.size * (1 - RECENT_SHARE)):] for f in finite if f.size >= 8]
        if recent:
            r_lo = min(float(f.min()) for f in recent)
            r_hi = max(float(f.max()) for f in recent)
            span = max(r_hi - r_lo, 0.05 * max(abs(r_lo), abs(r_hi)), 1e-9)
            q_lo, q_hi = np.quantile(np.concatenate(finite), [0.1, 0.9])
            lo = max(full_lo, min(r_lo - span, float(q_lo)))
            hi = min(full_hi, max(r_hi + span, float(q_hi)))
            shown = hi - lo  # leave out only what would squeeze the rest to under half the plot
            lo = lo if lo - full_lo > shown else full_lo
            hi = hi if full_hi - hi > shown else full_hi
    return lo, hi, full_lo, full_hi


def draw_line_chart(surface: pygame.Surface, rect: pygame.Rect, series: dict[str, Sequence[float]],
                    title: str, moving_average: int | None = None, y_label: str = "",
                    band: dict[str, tuple[Sequence[float], Sequence[float]]] | None = None,
                    font_size: int | None = None, x_range: tuple[float, float] | None = None,
                    log_y: bool = False, robust: bool = False) -> pygame.Rect | None:  # fmt: skip
    """Curves against their index (episode, pull, update) inside a titled panel; returns the
    plot's rect (where index ``x_range[0]`` .. ``x_range[1]`` lie, for zooming), or None.

    With ``moving_average=w`` each series is drawn raw and faint with its trailing w-point
    mean bold on top (the usual look of an episode-return curve); without, raw and bold.
    ``band`` maps a series name to (lower, upper) arrays of its length, shaded behind it
    (e.g. +-1 standard error of a mean over runs) and kept inside the y range.
    ``font_size`` is the tick labels' size (default from the rect, at least 12 px; the title
    is a pixel larger and the lines grow with it, for presentation mode);
    ``x_range`` (first, last index, fractional allowed) shows only part of the data, and the
    y axis fits what is shown; ``log_y`` draws log10 of the values (those <= 0 are left out,
    and said so); ``robust`` lets the y axis follow the recent data (:func:`auto_range`),
    with a note of the extremes left out; of several smoothed series, the recent means (what
    a comparison reads: Figure 6.4's -25 against -50), the noisy episodes behind them
    running off the edges.
    """
    rect = pygame.Rect(rect)
    if rect.w < 60 or rect.h < 50:
        return None
    area = _panel(surface, rect, title, font_size and font_size + 1)
    arrays = {name: np.asarray(list(v) if not isinstance(v, np.ndarray) else v, dtype=float).ravel()
              for name, v in series.items()}  # fmt: skip
    bands = {name: tuple(np.asarray(b, dtype=float).ravel() for b in pair)
             for name, pair in (band or {}).items() if name in arrays}  # fmt: skip
    smooths = {name: _moving(a, moving_average) for name, a in arrays.items()} if (moving_average or 0) > 1 else {}
    n_max = max((a.size for a in arrays.values()), default=0)
    x0, x1 = (0.0, float(max(n_max - 1, 1))) if x_range is None else (float(x_range[0]), float(x_range[1]))
    if x1 - x0 < 1e-9:
        x1 = x0 + 1.0
    first, last = max(0, math.floor(x0)), math.ceil(x1) + 1  # the indices drawn

    def shown(a: np.ndarray) -> np.ndarray:
        v = a[first:last]
        if log_y:
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.where(v > 0, np.log10(np.where(v > 0, v, 1.0)), np.nan)
        return v

    visible = {name: shown(a) for name, a in arrays.items()}
    vis_smooth = {name: shown(a) for name, a in smooths.items()}
    vis_bands = {name: (shown(lo_b), shown(hi_b)) for name, (lo_b, hi_b) in bands.items()}
    size = font_size or max(12, min(16, int(rect.h * 0.05)))
    thick = max(3, round(size / 4))  # the bold line's width: 3 px at 12 px text, 6 at 24
    muted = THEME["text_muted"]
    fitted = [*visible.values(), *(b for pair in vis_bands.values() for b in pair)]
    lo, hi, full_lo, full_hi = auto_range(fitted, robust)
    if robust and len(vis_smooth) > 1 and math.isfinite(lo):  # several smoothed: fit the means compared
        lo, hi, _, _ = auto_range(list(vis_smooth.values()), robust)
    if not math.isfinite(lo):
        pygame.draw.line(surface, THEME["panel_border"], area.bottomleft, area.bottomright)
        empty = "no values > 0 to draw on a log scale" if log_y and n_max else "no data yet"
        txt.blit(surface, empty, size + 1, muted, area.center, max_width=area.w)
        if y_label:
            txt.blit(surface, y_label, size, muted, (area.x, area.y), "topleft")
        return None
    nonnegative = lo >= 0 and not log_y
    if hi - lo < 1e-12:
        pad = max(abs(hi) * 0.1, 0.5)
        lo, hi = lo - pad, hi + pad
        if nonnegative:
            lo = max(lo, 0.0)
    # the legend's row (not in a chart too short to spare it), and half a label above the top tick
    legend = bool(y_label or len(arrays) > 1 or moving_average) and area.h >= 6 * size
    top_pad = (size + 6 if legend else 4) + size // 2
    # As many y ticks as fit without their labels touching (a small chart gets two or three).
    room = area.h - top_pad - size - 6
    want = int(max(2, min(5, room // (2 * size))))
    if log_y and hi - lo >= 1:  # whole decades
        step = max(1, math.ceil((math.ceil(hi) - math.floor(lo)) / max(want - 1, 1)))
        ticks = [float(e) for e in range(math.floor(lo), math.ceil(hi) + 1) if e % step == 0]
        ticks = ticks if len(ticks) >= 2 else [math.floor(lo), math.ceil(hi)]
        labels = [txt.nice_number(10.0**t) if -3 <= t < 4 else f"1e{int(t)}".replace("-", txt.MINUS) for t in ticks]
    elif log_y:  # less than a decade: round values, placed on the log scale
        linear = nice_ticks(10.0**lo, 10.0**hi, want)
        linear = [t for t in linear if t > 0] or [10.0**lo, 10.0**hi]
        ticks, labels = [math.log10(t) for t in linear], txt.tick_labels(linear)
    else:
        ticks = nice_ticks(lo, hi, want)
        labels = txt.tick_labels(ticks)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    label_w = max(txt.font(size).size(s)[0] for s in labels) + 6
    plot = pygame.Rect(area.x + label_w, area.y + top_pad, area.w - label_w - 4, area.h - top_pad - size - 6)
    if plot.w < 10 or plot.h < 10:
        return None

    def y_of(v: np.ndarray | float) -> np.ndarray:  # values outside the range sit on its edge
        return np.clip(plot.bottom - (np.asarray(v, dtype=float) - lo) / (hi - lo) * plot.h, plot.top, plot.bottom)

    def x_of(i: np.ndarray | float) -> np.ndarray:
        return plot.x + (np.asarray(i, dtype=float) + first - x0) / (x1 - x0) * plot.w

    grid = mix(THEME["panel"], THEME["panel_border"], 0.6)
    label_every = 1  # nice_ticks may still give more ticks than asked: label every k-th
    if len(ticks) > 1:
        spacing = abs(float(y_of(ticks[1])) - float(y_of(ticks[0])))
        label_every = max(1, int(np.ceil((size + 2) / max(spacing, 1e-9))))
    for i, (t, s) in enumerate(zip(ticks, labels)):
        y = float(y_of(t))
        pygame.draw.line(surface, THEME["text_muted"] if t == 0 and lo < 0 < hi and not log_y else grid,
                         (plot.x, y), (plot.right, y))  # fmt: skip
        if i % label_every == 0:
            txt.blit(surface, s, size, muted, (plot.x - 5, y), "midright")
    notes = []  # what the range leaves out
    if full_lo < lo - 1e-12 * max(1.0, abs(lo)):
        notes.append(f"\u2193 to {txt.nice_number(10.0**full_lo if log_y else full_lo)}")
    if full_hi > hi + 1e-12 * max(1.0, abs(hi)):
        notes.append(f"\u2191 to {txt.nice_number(10.0**full_hi if log_y else full_hi)}")
    if log_y and any(np.any(np.isfinite(a[first:last]) & (a[first:last] <= 0)) for a in arrays.values()):
        notes.append("values \u2264 0 not shown")
    curves = [*visible.values(), *vis_smooth.values()]
    note = _note_place(" · ".join(notes), size, plot, area, curves, x_of, y_of) if notes else None
    x_count = int(max(2, min(6, plot.w // (4 * size))))
    x_ticks = [t for t in nice_ticks(x0 + 1, x1 + 1, x_count, inside=True) if t == int(t) and t >= 1]
    for t, s in zip(x_ticks, txt.tick_labels(x_ticks)):  # x counts from 1 (episode 1 is index 0)
        x = float(plot.x + (t - 1 - x0) / (x1 - x0) * plot.w)
        pygame.draw.line(surface, THEME["panel_border"], (x, plot.bottom), (x, plot.bottom + 3))
        w, h = txt.font(size).size(s)  # a label at the edge stays inside the panel
        x = min(max(x, area.x + w / 2), area.right - w / 2)
        if note is None or not note[1].colliderect(pygame.Rect(x - w / 2 - size // 2, plot.bottom + 3, w + size, h)):
            txt.blit(surface, s, size, muted, (x, plot.bottom + 3), "midtop")
    pygame.draw.line(surface, THEME["panel_border"], plot.bottomleft, plot.bottomright)
    if y_label and legend:
        txt.blit(surface, txt.elide(y_label + (" (log)" if log_y else ""), size, area.w), size, muted, (area.x, area.y),
                 "topleft")  # fmt: skip

    clip = surface.get_clip()
    surface.set_clip(plot.inflate(6, 6).clip(clip) if clip else plot.inflate(6, 6))
    try:
        for i, (name, values) in enumerate(visible.items()):
            if values.size == 0:
                continue
            color = PALETTE[i % len(PALETTE)]
            faint = mix(color, THEME["panel"], 0.68)
            raw_width = 1 if smooths else max(2, thick - 1)
            raw_color = faint if smooths else color
            if name in vis_bands:
                _fill_band(surface, mix(color, THEME["panel"], 0.8), x_of, y_of, *vis_bands[name], plot.w)
            if values.size > plot.w * 2:  # one min/max pair per pixel column
                centres, vmin, vmax = _columns(values, plot.w)
                xs = x_of(centres)
                ylo, yhi = y_of(vmin), y_of(vmax)
                for x, a, b in zip(xs.tolist(), ylo.tolist(), yhi.tolist()):
                    if math.isfinite(a):
                        pygame.draw.line(surface, raw_color, (x, a), (x, b), raw_width)
                if not smooths:
                    _polyline(surface, raw_color, xs, (ylo + yhi) / 2, raw_width)
            else:
                _polyline(surface, raw_color, x_of(np.arange(values.size)), y_of(values), raw_width)
            if name in vis_smooth:
                smooth = vis_smooth[name]
                idx = np.arange(smooth.size)
                if smooth.size > plot.w * 2:
                    keep = np.linspace(0, smooth.size - 1, plot.w * 2).astype(int)
                    idx, smooth = idx[keep], smooth[keep]
                _polyline(surface, color, x_of(idx), y_of(smooth), thick)
    finally:
        surface.set_clip(clip)
    if note is not None:
        txt.blit(surface, note[0], size, muted, note[1].topleft, "topleft")
    if legend and (len(arrays) > 1 or moving_average):
        _line_legend(surface, list(arrays), moving_average, size, thick, area.y, plot.right,
                     area.x + (txt.font(size).size(y_label + " (log)" * log_y)[0] + 12 if y_label else 0))  # fmt: skip
    return plot


def _note_place(note: str, size: int, plot: pygame.Rect, area: pygame.Rect, curves: list[np.ndarray],
                x_of: Callable[[Any], np.ndarray], y_of: Callable[[Any], np.ndarray]) -> tuple[str, pygame.Rect]:  # fmt: skip
    """Where the note of the values left out goes: a corner of the plot, bottom right, then
    top right, then bottom left and top left, the first the curves don't pass through; else
    under the plot at the right, in place of the x labels it meets. ``note`` is elided to the
    plot's width. Returns (note, rect)."""
    note = txt.elide(note, size, plot.w - 4)
    w, h = txt.font(size).size(note)
    corners = [pygame.Rect(plot.right - 2 - w, plot.bottom - 2 - h, w, h), pygame.Rect(plot.right - 2 - w, plot.y + 2, w, h),
               pygame.Rect(plot.x + 4, plot.bottom - 2 - h, w, h), pygame.Rect(plot.x + 4, plot.y + 2, w, h)]  # fmt: skip
    for rect in corners:
        if not any(_crosses(values, rect.inflate(4, 4), x_of, y_of) for values in curves):
            return note, rect
    return note, pygame.Rect(area.right - w, plot.bottom + 3, w, h)


def _crosses(values: np.ndarray, rect: pygame.Rect, x_of: Callable[[Any], np.ndarray],
             y_of: Callable[[Any], np.ndarray]) -> bool:  # fmt: skip
    """True if the curve of ``values`` (drawn with ``x_of`` and ``y_of``) passes through ``rect``."""
    xs = x_of(np.arange(values.size))
    inside = (xs >= rect.left - 1) & (xs <= rect.right + 1) & np.isfinite(values)
    if not inside.any():
        return False
    idx = np.flatnonzero(inside)
    idx = np.unique(np.clip(np.concatenate([idx - 1, idx, idx + 1]), 0, values.size - 1))  # the segments in
    ys = y_of(values[idx])
    ys = ys[np.isfinite(ys)]
    return bool(ys.size) and ys.min() <= rect.bottom and ys.max() >= rect.top


def _line_legend(surface: pygame.Surface, names: list[str], moving_average: int | None, size: int, thick: int,
                 y: int, right: int, left: int) -> None:  # fmt: skip
    """The series' names with their colours, right-aligned at ``right`` and kept right of
    ``left`` (the y label): long names are elided to an equal share of the room. Several
    smoothed series say once, in front, what their bold lines are."""
    smoothed = bool(moving_average and moving_average > 1)
    note = f"mean of last {moving_average}:" if smoothed and len(names) > 1 else ""
    if smoothed and len(names) == 1:
        names = [f"{names[0]} (mean of last {moving_average})"]
    each = (right - left - txt.font(size).size(note)[0] - 8) // len(names) - 26
    x = right
    for i, name in reversed(list(enumerate(names))):
        r = txt.blit(surface, txt.elide(name, size, max(each, 12)), size, THEME["text"], (x, y), "topright")
        pygame.draw.line(surface, PALETTE[i % len(PALETTE)], (r.x - 18, r.centery), (r.x - 5, r.centery), thick)
        x = r.x - 26
    if note and x - 4 - txt.font(size).size(note)[0] >= left:
        txt.blit(surface, note, size, THEME["text_muted"], (x - 4, y), "topright")


def _moving(values: np.ndarray, window: int) -> np.ndarray:
    return moving_average(values, window)


# ---------------------------------------------------------------------- bandit bars

#: The colour of what an agent believes beyond its estimate: UCB bounds, Thompson posteriors.
BELIEF = PALETTE[3]
#: The colour of the gradient bandit's preferences H(a).
PREFERENCE = PALETTE[1]
#: The posterior interval marked on each Thompson violin (its ends as ticks).
INTERVAL = (0.05, 0.95)


#: Below this many runs per pull a bandit curve is still noisy: draw its moving average too.
FEW_RUNS = 20


def runs_text(runs: np.ndarray) -> str:
    """How many runs a per-pull curve averages: "mean of 200 runs", or "mean of 200–400 runs"
    while the runs in progress have not reached the later pulls again."""
    runs = np.asarray(runs)
    lo, hi = int(runs.min()), int(runs.max())
    if hi == 1:
        return "1 run"
    return f"mean of {hi:,} runs" if lo == hi else f"mean of {lo:,}\u2013{hi:,} runs"


def bandit_curve_charts(per_pull: Any) -> list[dict[str, Any]]:
    """The keyword arguments of :func:`draw_line_chart` for Figure 2.2's two panels from a
    per-pull summary (``mean_reward``, ``reward_se``, ``optimal_action``, ``optimal_se``,
    ``runs`` arrays, as :meth:`gridrl.session.History.per_pull` gives): the mean over runs
    per pull with a +-1 standard error band, its run count in the title; a moving average
    on top while few runs make the mean noisy."""
    over = runs_text(per_pull.runs)
    few = int(np.max(per_pull.runs)) < FEW_RUNS
    window = int(min(100, max(5, per_pull.runs.size // 15))) if few else None
    charts = []
    band_note = " \u00b7 band \u00b11 s.e." if int(np.max(per_pull.runs)) > 1 else ""
    for name, mean, se, scale, title, unit in (
        ("reward", per_pull.mean_reward, per_pull.reward_se, 1.0, "Average reward", "reward"),
        ("% optimal", per_pull.optimal_action, per_pull.optimal_se, 100.0, "% optimal action", "%"),
    ):
        band = {name: (scale * (mean - se), scale * (mean + se))}
        charts.append({"title": f"{title} ({over})", "series": {name: scale * mean}, "moving_average": window,
                       "y_label": unit + band_note, "band": band})  # fmt: skip
    return charts


def posterior_densities(ys: np.ndarray, beliefs: Mapping[str, Any], k: int) -> np.ndarray | None:
    """Each arm's posterior density at values ``ys`` (k, len(ys)), from Thompson's insight
    extras: Beta(alpha, beta) where ``posterior_alpha`` is finite (Bernoulli arms), else
    Normal(``posterior_mean``, ``posterior_std``). None if ``beliefs`` has no posterior."""
    if "posterior_mean" not in beliefs or "posterior_std" not in beliefs:
        return None
    ys = np.asarray(ys, dtype=float)
    mean = np.asarray(beliefs["posterior_mean"], dtype=float).ravel()[:k]
    sd = np.maximum(np.asarray(beliefs["posterior_std"], dtype=float).ravel()[:k], 1e-12)
    alpha = np.asarray(beliefs.get("posterior_alpha", np.full(k, np.nan)), dtype=float).ravel()[:k]
    beta = np.asarray(beliefs.get("posterior_beta", np.full(k, np.nan)), dtype=float).ravel()[:k]
    out = np.exp(-0.5 * ((ys[None, :] - mean[:, None]) / sd[:, None]) ** 2) / (sd[:, None] * math.sqrt(2 * math.pi))
    inside = (ys > 0) & (ys < 1)
    y = np.clip(ys, 1e-12, 1 - 1e-12)
    for a in np.flatnonzero(np.isfinite(alpha) & np.isfinite(beta)):
        log_b = math.lgamma(alpha[a]) + math.lgamma(beta[a]) - math.lgamma(alpha[a] + beta[a])
        pdf = np.exp((alpha[a] - 1) * np.log(y) + (beta[a] - 1) * np.log1p(-y) - log_b)
        out[a] = np.where(inside, pdf, 0.0)
    return out


def posterior_intervals(beliefs: Mapping[str, Any], k: int, q: tuple[float, float] = INTERVAL) -> np.ndarray | None:
    """The central ``q`` interval of each arm's posterior, (k, 2); None without posteriors.

    Normal arms in closed form (mean +- z sd); Beta arms from the density's cumulative sum on
    a fine grid of [0, 1] (good to 1e-3, far below a pixel; numpy has no Beta quantile)."""
    if "posterior_mean" not in beliefs:
        return None
    z = _normal_quantile(q[1])
    mean = np.asarray(beliefs["posterior_mean"], dtype=float).ravel()[:k]
    sd = np.asarray(beliefs["posterior_std"], dtype=float).ravel()[:k]
    out = np.column_stack([mean - z * sd, mean + z * sd])
    alpha = np.asarray(beliefs.get("posterior_alpha", np.full(k, np.nan)), dtype=float).ravel()[:k]
    bern = np.flatnonzero(np.isfinite(alpha))
    if bern.size:
        grid = (np.arange(2000) + 0.5) / 2000
        pdf = posterior_densities(grid, beliefs, k)
        assert pdf is not None
        for a in bern:
            cdf = np.cumsum(pdf[a])
            cdf /= cdf[-1]
            out[a] = np.interp(q, cdf, grid)
    return out


def _normal_quantile(p: float) -> float:
    """The standard normal quantile, by bisection on math.erf (only a few fixed p are used)."""
    lo, hi = -10.0, 10.0
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if 0.5 * (1 + math.erf(mid / math.sqrt(2))) < p else (lo, mid)
    return (lo + hi) / 2


def _legend(surface: pygame.Surface, area: pygame.Rect, entries: list[tuple[str, str, RGB]], size: int,
            draw: bool = True) -> int:  # fmt: skip
    """Legend entries (kind of swatch, label, colour) left to right, wrapping to more lines;
    returns the height used. ``draw=False`` only measures."""
    x, y = area.x, area.y
    line = size + 6
    for kind, label, color in entries:
        width = 16 + txt.font(size).size(label)[0]
        if x > area.x and x + width > area.right:
            x, y = area.x, y + line
        if draw:
            mid = y + 1 + size // 2 + 1
            if kind == "box":
                pygame.draw.rect(surface, color, (x, y + 3, 12, size - 2), border_radius=2)
            elif kind == "line":
                pygame.draw.line(surface, color, (x, mid), (x + 12, mid), 3)
            elif kind == "whisker":
                pygame.draw.line(surface, color, (x + 6, y + 3), (x + 6, y + size), 2)
                pygame.draw.line(surface, color, (x + 2, y + 3), (x + 10, y + 3), 2)
            elif kind == "violin":
                pts = [(x + 6, y + 2), (x + 11, mid), (x + 6, y + size + 1), (x + 1, mid)]
                pygame.draw.polygon(surface, mix(color, THEME["panel"], 0.6), pts)
                pygame.draw.polygon(surface, color, pts, 1)
            txt.blit(surface, label, size, THEME["text"], (x + 16, y + 1), "topleft")
        x += width + 12
    return y + line - area.y


def draw_bandit_bars(surface: pygame.Surface, rect: pygame.Rect, true_means: np.ndarray | None,
                     Q: np.ndarray, pi: np.ndarray, pulls: np.ndarray | None,
                     names: Sequence[str] | None = None, beliefs: Mapping[str, Any] | None = None) -> None:  # fmt: skip
    """A bandit's arms: the estimate Q(a) as a bar with the true mean q*(a) as a black mark,
    the probability pi(a) of pulling each arm below, and how often each was pulled.

    ``beliefs`` (an agent's insight extras) adds what the agent acts on beyond Q, so a class
    can see why it pulls what it pulls: ``ucb_bound`` (UCB) as a whisker from Q(a) up to
    Q(a) + c sqrt(ln t / N(a)), an arrow for an untried arm's infinite bound; Thompson's
    posteriors (``posterior_mean``/``posterior_std``, Beta ``posterior_alpha``/``_beta``) as
    a density violin per arm with its 5-95% interval ticked; the gradient bandit's
    ``preferences`` H(a) as a strip of bars around 0 above pi(a). The best arm (highest
    true mean) has a star by its name; NaN estimates draw no bar.
    """
    rect = pygame.Rect(rect)
    if rect.w < 80 or rect.h < 80:
        return
    Q = np.asarray(Q, dtype=float).ravel()
    k = Q.size
    pi = np.asarray(pi, dtype=float).ravel() if pi is not None else np.full(k, np.nan)
    true = None if true_means is None else np.asarray(true_means, dtype=float).ravel()
    counts = None if pulls is None else np.asarray(pulls, dtype=float).ravel()
    names = list(names) if names is not None else [str(a + 1) for a in range(k)]
    beliefs = beliefs or {}
    area = _panel(surface, rect, "Arms: estimate Q(a), true mean q*(a), and \u03c0(a)")
    if k == 0:
        txt.blit(surface, "no arms", 14, THEME["text_muted"], area.center)
        return
    bound = np.asarray(beliefs["ucb_bound"], dtype=float).ravel()[:k] if "ucb_bound" in beliefs else None
    intervals = posterior_intervals(beliefs, k)
    H = np.asarray(beliefs["preferences"], dtype=float).ravel()[:k] if "preferences" in beliefs else None
    size = max(9, min(15, int(area.h * 0.045), int(area.w / k * 0.28)))
    muted = THEME["text_muted"]
    est_color, est_greedy = PALETTE[0], PALETTE[5]
    entries = [("box", "estimate Q(a)", est_color), ("box", "greedy arm", est_greedy)]
    if true is not None:
        entries.append(("line", "true mean q*(a)", THEME["text"]))
    if bound is not None:
        entries.append(("whisker", "UCB bound Q(a) + c\u221a(ln t / N(a))", BELIEF))
    if intervals is not None:
        entries.append(("violin", "posterior of q*(a), 5\u201395% ticked", BELIEF))
    if H is not None:
        entries.append(("box", "preference H(a)", PREFERENCE))
    legend_h = _legend(surface, area, entries, size, draw=False) + 2
    names_h = (size + 4) * (2 if counts is not None else 1) + 2
    strips = area.h - legend_h - names_h
    pi_h = int(strips * (0.22 if H is not None else 0.3))
    h_h = int(strips * 0.2) if H is not None else 0
    value = pygame.Rect(area.x, area.y + legend_h, area.w, strips - pi_h - h_h - 8 - (8 if H is not None else 0))
    values = [Q[np.isfinite(Q)]]
    if true is not None:
        values.append(true[np.isfinite(true)])
    if bound is not None:
        values.append(bound[np.isfinite(bound)])
    if intervals is not None:
        values.append(intervals[np.isfinite(intervals)])
    allv = np.concatenate(values + [np.zeros(1)])
    lo, hi = float(allv.min()), float(allv.max())
    if hi - lo < 1e-9:
        hi = lo + 1.0
    ticks = nice_ticks(lo, hi, 4)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    labels = [txt.nice_number(t) for t in ticks]
    label_w = max(txt.font(size).size(s)[0] for s in labels + ["\u03c0(a)", "H(a)"]) + 8
    plot = pygame.Rect(value.x + label_w, value.y, value.w - label_w, value.h)

    def y_of(v: float) -> float:
        return plot.bottom - (v - lo) / (hi - lo) * plot.h

    grid = mix(THEME["panel"], THEME["panel_border"], 0.6)
    for t, s in zip(ticks, labels):
        y = y_of(t)
        pygame.draw.line(surface, muted if t == 0 else grid, (plot.x, y), (plot.right, y))
        txt.blit(surface, s, size, muted, (plot.x - 5, y), "midright")
    slot = plot.w / k
    bar_w = max(3, int(slot * 0.56))
    greedy = int(np.nanargmax(Q)) if np.isfinite(Q).any() else -1
    best = int(np.nanargmax(true)) if true is not None and np.isfinite(true).any() else -1
    zero = y_of(0.0)
    if intervals is not None:
        _draw_violins(surface, plot, beliefs, intervals, k, slot, lo, hi)
    for a in range(k):
        cx = plot.x + (a + 0.5) * slot
        if np.isfinite(Q[a]):
            y = y_of(float(Q[a]))
            bar = pygame.Rect(0, 0, bar_w, max(1, abs(round(zero - y))))
            bar.midbottom = (round(cx), round(max(zero, y)))
            color = est_greedy if a == greedy else est_color
            if intervals is not None:  # the violin stays readable through a pale bar
                color = mix(color, THEME["panel"], 0.45)
            pygame.draw.rect(surface, color, bar, border_radius=min(4, bar_w // 4))
            if bar_w >= (28 if bound is None and intervals is None else 60) and size >= 10:
                anchor_y = bar.top - 2 if Q[a] >= 0 else bar.bottom + 2
                txt.blit(surface, txt.nice_number(float(Q[a])), size - 1, THEME["text"], (cx, anchor_y),
                         "midbottom" if Q[a] >= 0 else "midtop")  # fmt: skip
        if true is not None and np.isfinite(true[a]):
            y = y_of(float(true[a]))
            half = max(bar_w * 0.5 + 4, 6)
            pygame.draw.line(surface, THEME["text"], (cx - half, y), (cx + half, y), 3)
            pygame.draw.circle(surface, THEME["text"], (cx + half, y), 3)
        if bound is not None:
            _draw_whisker(surface, plot, cx, Q[a], bound[a], y_of, bar_w, size)
    if intervals is not None:
        for a in range(k):
            cx = plot.x + (a + 0.5) * slot
            for y in (y_of(float(v)) for v in intervals[a] if np.isfinite(v)):
                pygame.draw.line(surface, BELIEF, (cx - slot * 0.2, y), (cx + slot * 0.2, y), 2)
    _legend(surface, area, entries, size)
    y = plot.bottom + 8
    if H is not None:
        h_rect = pygame.Rect(plot.x, y, plot.w, h_h)
        _draw_preferences(surface, h_rect, H, slot, bar_w, size)
        y = h_rect.bottom + 8
    # pi(a) bars
    pi_rect = pygame.Rect(plot.x, y, plot.w, pi_h)
    txt.blit(surface, "\u03c0(a)", size, muted, (pi_rect.x - 5, pi_rect.centery), "midright")
    pygame.draw.line(surface, THEME["panel_border"], pi_rect.bottomleft, pi_rect.bottomright)
    for a in range(k):
        cx = plot.x + (a + 0.5) * slot
        p = float(pi[a]) if a < pi.size else float("nan")
        if not math.isfinite(p):
            continue
        h = max(0, round(min(max(p, 0.0), 1.0) * (pi_rect.h - size - 2)))
        bar = pygame.Rect(0, 0, bar_w, h)
        bar.midbottom = (round(cx), pi_rect.bottom)
        pygame.draw.rect(surface, PALETTE[2], bar, border_radius=min(3, bar_w // 4))
        if slot >= 26:
            txt.blit(surface, f"{p:.0%}", size - 1, THEME["text"], (cx, bar.top - 1), "midbottom")
    # names and pulls
    y = pi_rect.bottom + 4
    for a in range(k):
        cx = plot.x + (a + 0.5) * slot
        name = names[a] if a < len(names) else str(a + 1)
        label = f"\u2605 {name}" if a == best else name
        txt.blit(surface, label, size, THEME["text"], (cx, y), "midtop", bold=a == best, max_width=int(slot) - 2)
        if counts is not None and a < counts.size and math.isfinite(counts[a]):
            txt.blit(surface, f"{int(counts[a]):,}\u00d7", size - 1, muted, (cx, y + size + 4), "midtop",
                     max_width=int(slot) - 2)  # fmt: skip


def _draw_whisker(surface: pygame.Surface, plot: pygame.Rect, cx: float, q: float, bound: float,
                  y_of: Any, bar_w: int, size: int) -> None:  # fmt: skip
    """UCB's bound of one arm: a line from Q(a) up to the bound with a cap; an untried arm
    (bound +inf, Q not yet meaningful) gets an arrow to the top of the plot marked "∞"."""
    x = round(cx + bar_w * 0.5 + 5)  # beside the bar, so the estimate's top stays visible
    if math.isinf(bound) and bound > 0:
        top = plot.y + 4
        base = y_of(q) if math.isfinite(q) else plot.bottom
        pygame.draw.line(surface, BELIEF, (x, base), (x, top), 2)
        pygame.draw.polygon(surface, BELIEF, [(x, top - 4), (x - 5, top + 4), (x + 5, top + 4)])
        txt.blit(surface, "\u221e", size, BELIEF, (x + 6, top), "topleft", bold=True)
        return
    if not (math.isfinite(bound) and math.isfinite(q)):
        return
    y0, y1 = y_of(q), y_of(bound)
    pygame.draw.line(surface, BELIEF, (x, y0), (x, y1), 2)
    pygame.draw.line(surface, BELIEF, (x - 5, y1), (x + 5, y1), 2)


def _draw_violins(surface: pygame.Surface, plot: pygame.Rect, beliefs: Mapping[str, Any],
                  intervals: np.ndarray, k: int, slot: float, lo: float, hi: float) -> None:  # fmt: skip
    """Thompson's posteriors: per arm a symmetric density outline (a violin), its widest
    point 0.45 of the arm's slot, drawn from one pixel row to the next over the plot."""
    rows = np.arange(plot.top, plot.bottom + 1)
    ys = lo + (plot.bottom - rows) / plot.h * (hi - lo)
    dens = posterior_densities(ys, beliefs, k)
    if dens is None:
        return
    fill, edge = mix(BELIEF, THEME["panel"], 0.72), BELIEF
    for a in range(k):
        d = dens[a]
        top = float(d.max()) if np.isfinite(d).any() else 0.0
        if top <= 0:
            continue
        half = np.nan_to_num(d / top) * slot * 0.45
        keep = half >= 0.5
        if keep.sum() < 2:  # thinner than a pixel row: the interval ticks alone show it
            continue
        cx = plot.x + (a + 0.5) * slot
        r, w = rows[keep], half[keep]
        left = np.column_stack([cx - w, r]).tolist()
        right = np.column_stack([cx + w, r])[::-1].tolist()
        pygame.draw.polygon(surface, fill, left + right)
        pygame.draw.aalines(surface, edge, True, left + right)


def _draw_preferences(surface: pygame.Surface, rect: pygame.Rect, H: np.ndarray, slot: float, bar_w: int,
                      size: int) -> None:  # fmt: skip
    """The gradient bandit's preferences H(a): bars up or down from a zero line, on a scale
    from min(H, 0) to max(H, 0) (only differences of H matter; pi = softmax(H) is below)."""
    txt.blit(surface, "H(a)", size, THEME["text_muted"], (rect.x - 5, rect.centery), "midright")
    finite = H[np.isfinite(H)]
    lo, hi = (min(float(finite.min()), 0.0), max(float(finite.max()), 0.0)) if finite.size else (0.0, 0.0)
    if hi - lo <= 0:
        lo, hi = -1.0, 1.0
    inner = pygame.Rect(rect.x, rect.y + size + 2, rect.w, max(2, rect.h - 2 * (size + 2)))
    mid = round(inner.bottom - (0.0 - lo) / (hi - lo) * inner.h)
    pygame.draw.line(surface, THEME["text_muted"], (rect.x, mid), (rect.right, mid))
    for a in range(H.size):
        if not np.isfinite(H[a]):
            continue
        cx = rect.x + (a + 0.5) * slot
        bar = pygame.Rect(0, 0, bar_w, max(1, round(abs(H[a]) / (hi - lo) * inner.h)))
        if H[a] >= 0:
            bar.midbottom = (round(cx), mid)
        else:
            bar.midtop = (round(cx), mid)
        pygame.draw.rect(surface, PREFERENCE, bar, border_radius=min(3, bar_w // 4))
        if slot >= 30:
            anchor = (cx, bar.top - 1) if H[a] >= 0 else (cx, bar.bottom + 1)
            txt.blit(surface, txt.nice_number(float(H[a])), size - 1, THEME["text"], anchor,
                     "midbottom" if H[a] >= 0 else "midtop")  # fmt: skip
