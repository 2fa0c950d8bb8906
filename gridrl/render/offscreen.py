"""The window's picture without a window: images for ``gridrl render``, tests and the README.

:func:`render_board_image` lays out what the app shows for a level and an insight (title,
board, colour legend, caption; with ``panels=True`` the learning curves or a bandit's arms
too) on a new Surface. :func:`save_png` and :class:`AnimationWriter` (GIF or MP4, each frame
written as it is drawn) write files atomically: to a temporary file beside the target, then
renamed over it, so a reader never sees half a file. :class:`GifStream` writes a GIF to any
binary file (the notebook animations keep theirs in memory, :mod:`gridrl.render.notebook`).

Nothing here needs a display: only ``pygame.font`` is initialised (on first use).
"""

from __future__ import annotations

import io
import os
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, BinaryIO

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


class GifStream:
    """An animated GIF written to the binary file ``fp`` frame by frame, looping: memory holds
    two frames however many are added (Pillow's ``save_all`` keeps every frame until the end:
    3 GB for 2000 frames of 960 x 720).

    Each frame is the rectangle that differs from the previous frame (all of the first), with
    its own 256-colour palette (a GIF local colour table, median cut, no dithering: flat
    colours stay flat), drawn over the previous frame (disposal 1) and encoded by Pillow's
    ``GifImagePlugin.getdata``. A frame equal to the previous one only lengthens its delay.
    One frame is held back, because the last is shown for 2 s (so a loop's end is visible)
    and which is last is known only at :meth:`close`. Frames of another size are scaled to
    the first's.
    """

    def __init__(self, fp: BinaryIO, fps: int) -> None:
        self.fp = fp
        self.delay = max(20, round(1000 / max(1, int(fps))))  # ms per frame
        self.frames = 0  #: frames added (equal neighbours included)
        self._previous: np.ndarray | None = None  # RGB of the frame added last, (H, W, 3)
        self._pending: list[Any] = []  # [image, offset, delay] of the frame not yet written

    def add(self, surface: pygame.Surface) -> None:
        from PIL import Image  # a dependency; imported here so pictures alone never need it

        size = surface.get_size() if self._previous is None else self._previous.shape[1::-1]
        if surface.get_size() != size:
            surface = pygame.transform.smoothscale(surface, size)
        rgb = np.frombuffer(pygame.image.tobytes(surface, "RGB"), dtype=np.uint8).reshape(size[1], size[0], 3)
        self.frames += 1
        if self._previous is None:
            top, left, bottom, right = 0, 0, size[1], size[0]
        else:
            rows, cols = np.nonzero((rgb != self._previous).any(axis=2))
            if not rows.size:
                self._pending[2] += self.delay
                return
            top, left, bottom, right = rows.min(), cols.min(), rows.max() + 1, cols.max() + 1
        region = np.ascontiguousarray(rgb[top:bottom, left:right])
        image = Image.fromarray(region).quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        if self._previous is None:
            from PIL.GifImagePlugin import getheader

            self.fp.write(b"".join(getheader(image, info={"loop": 0})[0]))
        self._write_pending()
        self._previous = rgb
        self._pending = [image, (int(left), int(top)), self.delay]

    def _write_pending(self, delay: int | None = None) -> None:
        if self._pending:
            from PIL.GifImagePlugin import getdata

            image, offset, pending_delay = self._pending
            for chunk in getdata(image, offset, duration=delay or pending_delay, disposal=1, include_color_table=True):
                self.fp.write(chunk)

    def close(self) -> None:
        """Write the last frame (held for 2 s) and the GIF trailer."""
        if not self.frames:
            raise ValueError("a GIF needs at least one frame")
        self._write_pending(max(self._pending[2], 2000))
        self._pending = []
        self.fp.write(b";")


class AnimationWriter:
    """Frames written to a ``.gif`` or ``.mp4`` file as they are drawn, so memory does not grow
    with their number; the file appears complete or not at all.

    Use as a context manager and :meth:`add` each frame. The frames go to a temporary file
    beside ``path``, renamed over it when the ``with`` block ends without an error (and
    removed if it raises). A GIF is a :class:`GifStream`; an MP4 (H.264, frames scaled to the
    first's size, rounded up to even sides) goes through imageio-ffmpeg's own ffmpeg binary.
    """

    SUFFIXES = (".gif", ".mp4")

    def __init__(self, path: str | Path, fps: int) -> None:
        self.path, self.fps = Path(path), fps
        self.kind = self.path.suffix.lower()
        if self.kind not in self.SUFFIXES:
            raise ValueError(f"an animation is a .gif or .mp4 file, got '{self.path.name}'")
        if self.kind == ".mp4":
            require_mp4()
        self.frames = 0
        self._tmp = _temp_beside(self.path, self.kind)
        self._file: BinaryIO | None = None
        self._gif: GifStream | None = None
        self._video: Any = None  # imageio-ffmpeg's frame generator
        self._size: tuple[int, int] | None = None

    def __enter__(self) -> AnimationWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if self.kind == ".gif":
            self._file = open(self._tmp, "wb")  # noqa: SIM115 (closed in __exit__)
            self._gif = GifStream(self._file, self.fps)
        return self

    def add(self, surface: pygame.Surface) -> None:
        """Append one frame."""
        self.frames += 1
        if self._gif is not None:
            self._gif.add(surface)
            return
        if self._size is None:
            import imageio_ffmpeg

            w, h = surface.get_size()
            self._size = (w + w % 2, h + h % 2)
            self._video = imageio_ffmpeg.write_frames(str(self._tmp), self._size, fps=self.fps, macro_block_size=1)
            self._video.send(None)
        if surface.get_size() != self._size:
            surface = pygame.transform.smoothscale(surface, self._size)
        self._video.send(pygame.image.tobytes(surface, "RGB"))

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        try:
            try:
                if kind is None:
                    if not self.frames:
                        raise ValueError("an animation needs at least one frame")
                    if self._gif is not None:
                        self._gif.close()
            finally:
                if self._file is not None:
                    self._file.close()
                if self._video is not None:
                    self._video.close()
            if kind is None:
                os.replace(self._tmp, self.path)
        finally:
            self._tmp.unlink(missing_ok=True)


def require_mp4() -> None:
    """Raise ImportError with what to install when MP4 export cannot work here."""
    try:
        import imageio_ffmpeg

        imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as err:
        raise ImportError(f"MP4 export needs imageio-ffmpeg and its ffmpeg ({err}); "
                          "pip install imageio-ffmpeg, or write a .gif") from None  # fmt: skip


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


def record_gif(frames: Iterable[pygame.Surface], path: str | Path, fps: int) -> None:
    """Write ``frames`` as a looping animated GIF (or an MP4, by ``path``'s suffix) at ``fps``
    frames per second, atomically, each frame as it comes (see :class:`AnimationWriter`)."""
    with AnimationWriter(path, fps) as writer:
        for frame in frames:
            writer.add(frame)
