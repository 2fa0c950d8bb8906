"""A Session in Jupyter: its board as PNG bytes, and an animation of it training as an inline GIF.

:class:`gridrl.session.Session` delegates ``_repr_png_`` and ``animate`` here, importing this
module only when a notebook asks for a picture (the session sits below the render layer).
Everything stays in memory: no file is written unless :meth:`Animation.save` is called.
"""

from __future__ import annotations

import base64
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygame

from gridrl.levels import BanditLevel, GridLevel, Level
from gridrl.render.offscreen import DEFAULT_OVERLAYS, GifStream, atomic_write_bytes, render_board_image
from gridrl.render.trail import Trail

#: Width in pixels of a notebook picture; the height follows the level's shape.
WIDTH = 720
#: Room above and below a gridworld's board for the title, the colour legend and the caption.
CHROME_HEIGHT = 150


def picture_size(level: Level, width: int = WIDTH) -> tuple[int, int]:
    """A size with little empty space around ``level``: the board's aspect ratio plus room for
    the title, legend and caption (wide levels such as Cliff Walking get a short picture)."""
    if isinstance(level, BanditLevel):
        return width, int(width * 0.6)
    rows, cols = level.shape
    return width, min(int(width * rows / cols) + CHROME_HEIGHT, 2 * width)


def progress_caption(session: Any) -> str:
    """How far the session has trained: pulls (bandits), sweeps (dynamic programming), or
    episodes and environment steps."""
    h = session.history
    if isinstance(session.level, BanditLevel):
        runs = f" in each of {session.runs:,} runs (arms: run 1)" if session.runs > 1 else ""
        return f"{h.steps:,} pulls{runs}"
    sweeps = session.agent.insight().extras.get("sweeps")
    if sweeps is not None:
        return f"{sweeps:,} sweep{'s' * (sweeps != 1)}"
    n = len(h.episode_returns)
    return f"{n:,} episode{'s' * (n != 1)}, {h.steps:,} steps"


def draw_session(
    session: Any,
    size: tuple[int, int] | None = None,
    overlays: Iterable[str] | None = None,
    **view: Any,
) -> pygame.Surface:
    """The app's picture of ``session`` now (title: level and agent; caption: its progress).
    ``view`` passes the agent's cell, trail and highlights on to :func:`render_board_image`."""
    level = session.level
    return render_board_image(level, session.agent.insight(), size or picture_size(level),
                              DEFAULT_OVERLAYS if overlays is None else frozenset(overlays),
                              caption=progress_caption(session), title=f"{level.name} \u00b7 {session.agent_name}",
                              **view)  # fmt: skip


def png_bytes(surface: pygame.Surface) -> bytes:
    """``surface`` encoded as PNG in memory (the name only tells pygame the format)."""
    buffer = io.BytesIO()
    pygame.image.save(surface, buffer, "picture.png")
    return buffer.getvalue()


@dataclass(frozen=True)
class Animation:
    """A GIF in memory: Jupyter shows it inline (``_repr_html_``); :meth:`save` writes it out."""

    gif: bytes = field(repr=False)
    frames: int
    fps: int
    size: tuple[int, int]

    def _repr_html_(self) -> str:
        data = base64.b64encode(self.gif).decode("ascii")
        return f'<img src="data:image/gif;base64,{data}" alt="training animation, {self.frames} frames">'

    def save(self, path: str | Path) -> Path:
        """Write the GIF to ``path`` (atomically) and return the path."""
        atomic_write_bytes(path, self.gif)
        return Path(path)


def animate_session(
    session: Any,
    count: int,
    unit: str,
    *,
    every: int,
    fps: int,
    size: tuple[int, int] | None,
    overlays: Iterable[str] | None,
    max_frames: int,
) -> Animation:
    """Advance ``session`` by ``count`` units, one frame before and one every ``every`` units
    (and after the last); see :meth:`gridrl.session.Session.animate`."""
    if count < 1 or every < 1 or fps < 1 or max_frames < 2:
        raise ValueError(f"animate needs count, every, fps >= 1 and max_frames >= 2; got count={count}, "
                         f"every={every}, fps={fps}, max_frames={max_frames}")  # fmt: skip
    size = tuple(size) if size is not None else picture_size(session.level)
    # The stride grows until the frames fit the cap: they still span the whole training.
    stride = max(every, math.ceil(count / (max_frames - 1)))
    # The agent and its trail: only steps on a gridworld walk.
    trail = Trail(session.level) if unit == "step" and isinstance(session.level, GridLevel) else None
    changed: set[int] = set()  # cells updated since the last frame, glowing in the next
    # Each frame is encoded as soon as it is drawn: memory holds the GIF's bytes, not frames.
    buffer = io.BytesIO()
    gif = GifStream(buffer, fps)
    gif.add(draw_session(session, size, overlays))
    for i in range(1, count + 1):
        event = session.advance(unit)
        changed.update(int(s) for s in event.changed)
        if trail is not None:
            trail.follow(event)
        if i % stride == 0 or i == count:
            walker = {"agent_state": trail.agent, "trail": trail.cells} if trail is not None else {}
            frame = draw_session(session, size, overlays, highlight=dict.fromkeys(changed, 1.0), **walker)
            gif.add(frame)
            changed.clear()
    gif.close()
    return Animation(buffer.getvalue(), gif.frames, fps, size)
