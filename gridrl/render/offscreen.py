"""The window's picture without a window: images for ``gridrl render``, tests and the README.

:func:`render_board_image` lays out what the app shows for a level and an insight (title,
board, colour legend, caption; with ``panels=True`` the learning curves or a bandit's arms
too) on a new Surface. :func:`save_png` and :func:`record_gif` write files atomically: to a
temporary file beside the target, then renamed over it, so a reader never sees half a file.
:func:`encode_gif` makes a GIF in memory (the notebook animations, :mod:`gridrl.render.notebook`).

Nothing here needs a display: only ``pygame.font`` is initialised (on first use).
"""

from __future__ import annotations

import io
import os
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pygame

from gridrl.levels import BanditLevel, GridLevel, Level, load_level
from gridrl.render import text as txt
from gridrl.render.board import BoardRenderer, BoardView, draw_legend, draw_sequential_legend
from gridrl.render.charts import bandit_curve_charts, draw_bandit_bars, draw_line_chart
from gridrl.render.colors import THEME

#: What the board shows when nothing else is asked for (the same as :class:`BoardView`'s).
DEFAULT_OVERLAYS: frozenset[str] = BoardView().overlays

_renderers: OrderedDict[GridLevel, BoardRenderer] = OrderedDict()


def renderer_for(level: GridLevel) -> BoardRenderer:
    """A :class:`BoardRenderer` for ``level``, reused across calls (its caches stay warm)."""
    found = _renderers.get(level)
    if found is None:
        found = _renderers[level] = BoardRenderer(level)
        while len(_renderers) > 4:
            _renderers.popitem(last=False)
    else:
        _renderers.move_to_end(level)
    return found


def _history_list(history: Any, name: str) -> list[float]:
    """``history.name`` or ``history[name]`` (a Session History or a metrics dict), else []."""
    if history is None:
        return []
    value = history.get(name) if isinstance(history, dict) else getattr(history, name, None)
    return list(value) if value is not None else []


def _moving_window(n: int) -> int:
    """A moving-average window that smooths without hiding the trend: about n/15, 5..100."""
    return int(min(100, max(5, n // 15)))


def render_board_image(
    level: Level | str | Path,
    insight: Any = None,
    size: tuple[int, int] = (960, 720),
    overlays: Iterable[str] = DEFAULT_OVERLAYS,
    agent_state: int | None = None,
    caption: str | None = None,
    panels: bool = False,
    history: Any = None,
    *,
    title: str | None = None,
    trail: Sequence[int] = (),
    highlight: dict[int, float] | None = None,
    selected: int | None = None,
    value_limit: float | None = None,
) -> pygame.Surface:
    """The app's picture of ``level`` and ``insight`` (anything with V, Q, pi, visits, extras;
    None for the bare level) on a new Surface of ``size``.

    Gridworlds: the board with the overlays, the colour legend and the caption; with
    ``panels`` also the episode return and length curves from ``history`` (a Session's
    History or a metrics dict), or the max |delta V| per sweep for dynamic programming.
    Bandits: the arms (estimates, true means, pi, pulls); with ``panels`` also the average
    reward and optimal-action curves. ``agent_state`` puts the agent token on that cell.
    """
    if not isinstance(level, (GridLevel, BanditLevel)):
        level = load_level(level)
    w, h = (max(int(size[0]), 160), max(int(size[1]), 120))
    surface = pygame.Surface((w, h))
    surface.fill(THEME["background"])
    pad = max(8, int(min(w, h) * 0.02))
    head = int(min(max(h * 0.055, 18), 36))
    txt.blit(surface, title if title is not None else level.name, int(head * 0.72), THEME["text"],
             (pad, pad + head // 2), "midleft", bold=True, max_width=w - 2 * pad)  # fmt: skip
    content = pygame.Rect(pad, pad + head + pad // 2, w - 2 * pad, h - head - 2 * pad - pad // 2)
    main, side, stacked = content, None, False
    if panels:
        main, side, stacked = _split(content, level, pad)
    if isinstance(level, GridLevel):
        _draw_grid(surface, main, level, insight, frozenset(overlays), agent_state, caption, trail,
                   highlight, selected, value_limit)  # fmt: skip
        if side is not None:
            _grid_panels(surface, side, history, pad, stacked)
    else:
        _draw_bandit(surface, main, level, insight, caption)
        if side is not None:
            _bandit_panels(surface, side, history, pad, stacked)
    return surface


def _split(content: pygame.Rect, level: Level, pad: int) -> tuple[pygame.Rect, pygame.Rect, bool]:
    """Board (or arms) and charts: side by side, or the charts in a row below when that
    leaves the board bigger cells (wide levels such as Cliff Walking)."""
    side_w = int(content.w * 0.38)
    beside = (pygame.Rect(content.x, content.y, content.w - side_w - pad, content.h),
              pygame.Rect(content.x + content.w - side_w, content.y, side_w, content.h))  # fmt: skip
    below_h = int(content.h * 0.4)
    below = (pygame.Rect(content.x, content.y, content.w, content.h - below_h - pad),
             pygame.Rect(content.x, content.bottom - below_h, content.w, below_h))  # fmt: skip
    if not isinstance(level, GridLevel):
        return (*beside, False)
    rows, cols = level.shape

    def cell(area: pygame.Rect) -> float:
        return min(area.w / cols, area.h * 0.85 / rows)

    if cell(below[0]) > cell(beside[0]) * 1.15:
        return (*below, True)
    return (*beside, False)


def _draw_grid(surface: pygame.Surface, area: pygame.Rect, level: GridLevel, insight: Any,
               overlays: frozenset[str], agent_state: int | None, caption: str | None,
               trail: Sequence[int], highlight: dict[int, float] | None, selected: int | None,
               value_limit: float | None) -> None:  # fmt: skip
    renderer = renderer_for(level)
    view = BoardView(overlays=overlays, caption=caption, trail=trail, highlight=dict(highlight or {}),
                     selected=selected, value_limit=value_limit)  # fmt: skip
    if insight is not None:
        view.V, view.Q, view.pi, view.visits = insight.V, insight.Q, insight.pi, insight.visits
    if agent_state is not None:
        view.agent = divmod(int(agent_state), level.shape[1])
    scale = None
    if view.Q is not None and "q" in overlays:
        scale = ("Q(s, a)", "diverging")
    elif view.V is not None and "values" in overlays:
        scale = ("V(s)", "diverging")
    elif view.visits is not None and "visits" in overlays:
        scale = ("visits", "sequential")
    legend_h = int(min(max(area.h * 0.08, 34), 56)) if scale else 0
    board_area = pygame.Rect(area.x, area.y, area.w, area.h - legend_h)
    renderer.draw(surface, board_area, view)
    if scale:
        lay = renderer.layout(board_area)
        width = min(max(lay.board.w, 320), area.w, 560)
        legend = pygame.Rect(0, 0, width, legend_h - 4)
        legend.midtop = (lay.board.centerx, lay.caption.bottom + 2)
        legend.clamp_ip(area)
        if scale[1] == "diverging":
            draw_legend(surface, legend, renderer.color_limit(view), scale[0])
        else:
            visits = np.asarray(view.visits, dtype=float)
            draw_sequential_legend(surface, legend, float(np.nanmax(visits)) if visits.size else 1.0, scale[0])


def _two(side: pygame.Rect, pad: int, stacked: bool) -> tuple[pygame.Rect, pygame.Rect]:
    """Two chart rects: one above the other in a side column, side by side in a bottom row."""
    if stacked:
        half = (side.w - pad) // 2
        return (pygame.Rect(side.x, side.y, half, side.h),
                pygame.Rect(side.x + half + pad, side.y, side.w - half - pad, side.h))  # fmt: skip
    half = (side.h - pad) // 2
    return (pygame.Rect(side.x, side.y, side.w, half),
            pygame.Rect(side.x, side.y + half + pad, side.w, side.h - half - pad))  # fmt: skip


def _grid_panels(surface: pygame.Surface, side: pygame.Rect, history: Any, pad: int, stacked: bool) -> None:
    returns = _history_list(history, "episode_returns")
    lengths = _history_list(history, "episode_lengths")
    updates = _history_list(history, "updates")
    deltas = [u["max_delta"] for u in updates if isinstance(u, dict) and u.get("max_delta") is not None]
    if not returns and deltas:
        draw_line_chart(surface, side, {"max |\u0394V|": deltas}, "Largest change of V per sweep",
                        y_label="max |\u0394V|")  # fmt: skip
        return
    top, bottom = _two(side, pad, stacked)
    window = _moving_window(len(returns))
    draw_line_chart(surface, top, {"return": returns}, "Return per episode", moving_average=window,
                    y_label="G")  # fmt: skip
    draw_line_chart(surface, bottom, {"steps": lengths}, "Steps per episode", moving_average=window)


def _bandit_arrays(level: BanditLevel, insight: Any) -> tuple[np.ndarray | None, np.ndarray, np.ndarray,
                                                               np.ndarray | None, list[str]]:  # fmt: skip
    k = level.n_arms
    names = [arm.name for arm in level.arms] if level.arms else [str(a + 1) for a in range(k)]
    true_means = np.array([arm.mean for arm in level.arms], dtype=float) if level.arms else None
    if insight is None:
        return true_means, np.full(k, np.nan), np.full(k, np.nan), None, names
    extras = getattr(insight, "extras", {}) or {}
    if extras.get("true_means") is not None:
        true_means = np.asarray(extras["true_means"], dtype=float)
    pulls = extras.get("pulls")
    Q = np.asarray(insight.Q, dtype=float).reshape(-1)[:k] if insight.Q is not None else np.full(k, np.nan)
    pi = np.asarray(insight.pi, dtype=float).reshape(-1)[:k] if insight.pi is not None else np.full(k, np.nan)
    return true_means, Q, pi, None if pulls is None else np.asarray(pulls), names


def _draw_bandit(surface: pygame.Surface, area: pygame.Rect, level: BanditLevel, insight: Any,
                 caption: str | None) -> None:  # fmt: skip
    line = int(min(max(area.h * 0.05, 16), 30)) if caption else 0
    bars = pygame.Rect(area.x, area.y, area.w, area.h - line)
    true_means, Q, pi, pulls, names = _bandit_arrays(level, insight)
    draw_bandit_bars(surface, bars, true_means, Q, pi, pulls, names, beliefs=getattr(insight, "extras", None))
    if caption:
        txt.blit(surface, caption, max(11, int(line * 0.62)), THEME["text"], (area.centerx, bars.bottom + line / 2),
                 max_width=area.w - 8)  # fmt: skip


def _bandit_panels(surface: pygame.Surface, side: pygame.Rect, history: Any, pad: int, stacked: bool) -> None:
    """The two curves of Figure 2.2 per pull within a run, averaged over the runs with a
    +-1 standard error band (a History of a vectorised bandit agent); else (a metrics dict,
    a deep agent that learns across runs) the reward of every pull in the order trained."""
    top, bottom = _two(side, pad, stacked)
    per_pull = history.per_pull() if hasattr(history, "per_pull") else None
    if per_pull is not None:
        for rect, chart in zip((top, bottom), bandit_curve_charts(per_pull)):
            draw_line_chart(surface, rect, **chart)
        return
    reward = _history_list(history, "mean_reward")
    optimal = [100.0 * v for v in _history_list(history, "optimal_action")]
    window = _moving_window(len(reward))
    draw_line_chart(surface, top, {"reward": reward}, "Average reward per pull", moving_average=window)
    draw_line_chart(surface, bottom, {"optimal": optimal}, "Optimal arm pulled (%)", moving_average=window)


# ---------------------------------------------------------------------- files


def _temp_beside(path: Path, suffix: str) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp{suffix}")


def save_png(surface: pygame.Surface, path: str | Path) -> None:
    """Write ``surface`` as a PNG, atomically (temporary file beside it, then renamed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_beside(path, ".png")
    try:
        pygame.image.save(surface, str(tmp))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def gif_frame(surface: pygame.Surface, size: tuple[int, int] | None = None) -> Any:
    """``surface`` (scaled to ``size`` if given and different) as a 256-colour Pillow image,
    its own palette, no dithering (flat colours stay flat). About a quarter of the Surface's
    memory, so callers that collect many frames can convert each as soon as it is drawn."""
    from PIL import Image  # a dependency; imported here so pictures alone never need it

    if size is not None and surface.get_size() != tuple(size):
        surface = pygame.transform.smoothscale(surface, size)
    rgb = Image.frombytes("RGB", surface.get_size(), pygame.image.tobytes(surface, "RGB"))
    return rgb.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def encode_gif(images: Sequence[Any], fps: int) -> bytes:
    """:func:`gif_frame` images as the bytes of a looping GIF at ``fps`` frames per second;
    the last frame is held for 2 seconds (so a loop's end is visible)."""
    if not images:
        raise ValueError("a GIF needs at least one frame")
    duration = max(20, round(1000 / max(1, int(fps))))
    durations = [duration] * len(images)
    durations[-1] = max(duration, 2000)
    buffer = io.BytesIO()
    images[0].save(buffer, format="GIF", save_all=True, append_images=list(images[1:]), duration=durations,
                   loop=0, disposal=1)  # fmt: skip
    return buffer.getvalue()


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file beside it, then renamed)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = _temp_beside(path, path.suffix)
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def record_gif(frames: Sequence[pygame.Surface], path: str | Path, fps: int) -> None:
    """Write ``frames`` as a looping animated GIF at ``fps`` frames per second, atomically.

    Frames of another size are scaled to the first's; see :func:`gif_frame` and
    :func:`encode_gif` for the palette and the timing. Needs Pillow.
    """
    if not frames:
        raise ValueError("record_gif needs at least one frame")
    size = frames[0].get_size()
    atomic_write_bytes(path, encode_gif([gif_frame(frame, size) for frame in frames], fps))
