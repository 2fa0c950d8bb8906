"""Charts for the side panels: learning curves and a bandit's arms.

Both draw straight onto a surface inside a rect, every frame if need be: a curve of
100,000 points is reduced to one min/max pair per pixel column before drawing, and the
moving average is one cumulative sum. Empty, one-point and NaN-containing series are
normal input (the first frames of a run): they draw an empty frame or a dot, and NaNs are
gaps in the line.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

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


def _panel(surface: pygame.Surface, rect: pygame.Rect, title: str) -> pygame.Rect:
    """A rounded panel with a bold title; returns the area left under the title."""
    radius = max(4, min(12, rect.h // 20))
    pygame.draw.rect(surface, THEME["panel"], rect, border_radius=radius)
    pygame.draw.rect(surface, THEME["panel_border"], rect, 1, border_radius=radius)
    size = max(11, min(20, int(rect.h * 0.07), int(rect.w * 0.05)))
    pad = max(6, size // 2)
    if title:
        t = txt.fitted(title, size, THEME["text"], rect.w - 2 * pad, bold=True)
        surface.blit(t, (rect.x + pad, rect.y + pad // 2 + 2))
        top = rect.y + pad // 2 + 2 + t.get_height() + pad // 2
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


def draw_line_chart(surface: pygame.Surface, rect: pygame.Rect, series: dict[str, Sequence[float]],
                    title: str, moving_average: int | None = None, y_label: str = "") -> None:  # fmt: skip
    """Curves against their index (episode, pull, update) inside a titled panel.

    With ``moving_average=w`` each series is drawn raw and faint with its trailing w-point
    mean bold on top (the usual look of an episode-return curve); without, raw and bold.
    """
    rect = pygame.Rect(rect)
    if rect.w < 60 or rect.h < 50:
        return
    area = _panel(surface, rect, title)
    arrays = {name: np.asarray(list(v) if not isinstance(v, np.ndarray) else v, dtype=float).ravel()
              for name, v in series.items()}  # fmt: skip
    finite = [a[np.isfinite(a)] for a in arrays.values()]
    finite = [f for f in finite if f.size]
    n_max = max((a.size for a in arrays.values()), default=0)
    size = max(9, min(14, int(rect.h * 0.05)))
    muted = THEME["text_muted"]
    if not finite:
        pygame.draw.line(surface, THEME["panel_border"], area.bottomleft, area.bottomright)
        txt.blit(surface, "no data yet", size + 1, muted, area.center)
        if y_label:
            txt.blit(surface, y_label, size, muted, (area.x, area.y), "topleft")
        return
    lo = min(float(f.min()) for f in finite)
    hi = max(float(f.max()) for f in finite)
    nonnegative = lo >= 0
    if hi - lo < 1e-12:
        pad = max(abs(hi) * 0.1, 0.5)
        lo, hi = lo - pad, hi + pad
        if nonnegative:
            lo = max(lo, 0.0)
    top_pad = size + 6 if (y_label or len(arrays) > 1) else 4
    # As many y ticks as fit without their labels touching (a small chart gets two or three).
    room = area.h - top_pad - size - 6
    ticks = nice_ticks(lo, hi, int(max(2, min(5, room // (2 * size)))))
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    labels = [txt.nice_number(t) for t in ticks]
    label_w = max(txt.font(size).size(s)[0] for s in labels) + 6
    plot = pygame.Rect(area.x + label_w, area.y + top_pad, area.w - label_w - 4, area.h - top_pad - size - 6)
    if plot.w < 10 or plot.h < 10:
        return

    def y_of(v: np.ndarray | float) -> np.ndarray:
        return plot.bottom - (np.asarray(v, dtype=float) - lo) / (hi - lo) * plot.h

    span = max(n_max - 1, 1)

    def x_of(i: np.ndarray | float) -> np.ndarray:
        return plot.x + np.asarray(i, dtype=float) / span * plot.w

    grid = mix(THEME["panel"], THEME["panel_border"], 0.6)
    label_every = 1  # nice_ticks may still give more ticks than asked: label every k-th
    if len(ticks) > 1:
        spacing = abs(float(y_of(ticks[1])) - float(y_of(ticks[0])))
        label_every = max(1, int(np.ceil((size + 2) / max(spacing, 1e-9))))
    for i, (t, s) in enumerate(zip(ticks, labels)):
        y = float(y_of(t))
        pygame.draw.line(surface, THEME["text_muted"] if t == 0 and lo < 0 < hi else grid,
                         (plot.x, y), (plot.right, y))  # fmt: skip
        if i % label_every == 0:
            txt.blit(surface, s, size, muted, (plot.x - 5, y), "midright")
    for t in nice_ticks(1, max(n_max, 2), 5):  # x counts from 1 (episode 1 is index 0)
        if t < 1 or t > max(n_max, 1) or t != int(t):
            continue
        x = float(x_of(t - 1))
        pygame.draw.line(surface, THEME["panel_border"], (x, plot.bottom), (x, plot.bottom + 3))
        txt.blit(surface, txt.nice_number(t), size, muted, (x, plot.bottom + 3), "midtop")
    pygame.draw.line(surface, THEME["panel_border"], plot.bottomleft, plot.bottomright)
    if y_label:
        txt.blit(surface, y_label, size, muted, (area.x, area.y), "topleft")

    clip = surface.get_clip()
    surface.set_clip(plot.inflate(6, 6).clip(clip) if clip else plot.inflate(6, 6))
    try:
        for i, (name, values) in enumerate(arrays.items()):
            if values.size == 0:
                continue
            color = PALETTE[i % len(PALETTE)]
            faint = mix(color, THEME["panel"], 0.68)
            raw_width = 1 if moving_average else 2
            raw_color = faint if moving_average else color
            if values.size > plot.w * 2:  # one min/max pair per pixel column
                centres, vmin, vmax = _columns(values, plot.w)
                xs = x_of(centres)
                ylo, yhi = y_of(vmin), y_of(vmax)
                for x, a, b in zip(xs.tolist(), ylo.tolist(), yhi.tolist()):
                    if math.isfinite(a):
                        pygame.draw.line(surface, raw_color, (x, a), (x, b), raw_width)
                if not moving_average:
                    _polyline(surface, raw_color, xs, (ylo + yhi) / 2, raw_width)
            else:
                _polyline(surface, raw_color, x_of(np.arange(values.size)), y_of(values), raw_width)
            if moving_average and moving_average > 1:
                smooth = _moving(values, moving_average)
                idx = np.arange(values.size)
                if values.size > plot.w * 2:
                    keep = np.linspace(0, values.size - 1, plot.w * 2).astype(int)
                    idx, smooth = idx[keep], smooth[keep]
                _polyline(surface, color, x_of(idx), y_of(smooth), 3)
    finally:
        surface.set_clip(clip)
    if len(arrays) > 1 or moving_average:
        x = plot.right
        entries = list(arrays)
        if moving_average and moving_average > 1 and len(arrays) == 1:
            entries = [f"{entries[0]} (mean of last {moving_average})"]
        for i, name in reversed(list(enumerate(entries))):
            color = PALETTE[i % len(PALETTE)]
            r = txt.blit(surface, name, size, THEME["text"], (x, area.y), "topright")
            pygame.draw.line(surface, color, (r.x - 18, r.centery), (r.x - 5, r.centery), 3)
            x = r.x - 26


def _moving(values: np.ndarray, window: int) -> np.ndarray:
    return moving_average(values, window)


# ---------------------------------------------------------------------- bandit bars


def draw_bandit_bars(surface: pygame.Surface, rect: pygame.Rect, true_means: np.ndarray | None,
                     Q: np.ndarray, pi: np.ndarray, pulls: np.ndarray | None,
                     names: Sequence[str] | None = None) -> None:  # fmt: skip
    """A bandit's arms: the estimate Q(a) as a bar with the true mean q*(a) as a black mark,
    the probability pi(a) of pulling each arm below, and how often each was pulled.

    The best arm (highest true mean) has a star by its name; NaN estimates draw no bar.
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
    area = _panel(surface, rect, "Arms: estimate Q(a), true mean q*(a), and \u03c0(a)")
    if k == 0:
        txt.blit(surface, "no arms", 14, THEME["text_muted"], area.center)
        return
    size = max(9, min(15, int(area.h * 0.045), int(area.w / k * 0.28)))
    muted = THEME["text_muted"]
    legend_h = size + 8
    names_h = (size + 4) * (2 if counts is not None else 1) + 2
    pi_h = int((area.h - legend_h - names_h) * 0.3)
    value = pygame.Rect(area.x, area.y + legend_h, area.w, area.h - legend_h - names_h - pi_h - 8)
    values = [Q[np.isfinite(Q)]]
    if true is not None:
        values.append(true[np.isfinite(true)])
    allv = np.concatenate(values + [np.zeros(1)])
    lo, hi = float(allv.min()), float(allv.max())
    if hi - lo < 1e-9:
        hi = lo + 1.0
    ticks = nice_ticks(lo, hi, 4)
    lo, hi = min(lo, ticks[0]), max(hi, ticks[-1])
    labels = [txt.nice_number(t) for t in ticks]
    label_w = max(txt.font(size).size(s)[0] for s in labels) + 8
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
    est_color, est_greedy = PALETTE[0], PALETTE[5]
    zero = y_of(0.0)
    for a in range(k):
        cx = plot.x + (a + 0.5) * slot
        if np.isfinite(Q[a]):
            y = y_of(float(Q[a]))
            bar = pygame.Rect(0, 0, bar_w, max(1, abs(round(zero - y))))
            bar.midbottom = (round(cx), round(max(zero, y)))
            color = est_greedy if a == greedy else est_color
            pygame.draw.rect(surface, color, bar, border_radius=min(4, bar_w // 4))
            if bar_w >= 28 and size >= 10:
                anchor_y = bar.top - 2 if Q[a] >= 0 else bar.bottom + 2
                txt.blit(surface, txt.nice_number(float(Q[a])), size - 1, THEME["text"], (cx, anchor_y),
                         "midbottom" if Q[a] >= 0 else "midtop")  # fmt: skip
        if true is not None and np.isfinite(true[a]):
            y = y_of(float(true[a]))
            half = max(bar_w * 0.5 + 4, 6)
            pygame.draw.line(surface, THEME["text"], (cx - half, y), (cx + half, y), 3)
            pygame.draw.circle(surface, THEME["text"], (cx + half, y), 3)
    # legend
    lx = area.x
    pygame.draw.rect(surface, est_color, (lx, area.y + 3, 12, size - 2), border_radius=2)
    r = txt.blit(surface, "estimate Q(a)", size, THEME["text"], (lx + 16, area.y + 1), "topleft")
    pygame.draw.rect(surface, est_greedy, (r.right + 10, area.y + 3, 12, size - 2), border_radius=2)
    r = txt.blit(surface, "greedy arm", size, THEME["text"], (r.right + 26, area.y + 1), "topleft")
    if true is not None:
        mid = area.y + 1 + size // 2 + 1
        pygame.draw.line(surface, THEME["text"], (r.right + 10, mid), (r.right + 26, mid), 3)
        txt.blit(surface, "true mean q*(a)", size, THEME["text"], (r.right + 30, area.y + 1), "topleft")
    # pi(a) bars
    pi_rect = pygame.Rect(plot.x, plot.bottom + 8, plot.w, pi_h)
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
