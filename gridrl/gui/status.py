"""What the scenes' status lines, panels and dialogs share: how long a message stays, its
colour when it is an error, text wrapped to a width (and drawn so), text escaped for a
pygame_gui HTML box."""

from __future__ import annotations

import html
from typing import Any

import pygame

from gridrl.render import text as rtext
from gridrl.render.colors import THEME

#: Seconds a status message stays: it tells what just happened, and soon it no longer has.
STATUS_SECONDS = 10.0
ERROR_COLOUR = (200, 30, 30)

_WRAPPED: dict[tuple[str, int, int, bool], list[str]] = {}


def wrap(text: str, size: int, width: int, bold: bool = False) -> list[str]:
    """``text`` broken into lines no wider than ``width`` pixels (paragraphs kept); cached."""
    key = (text, size, width, bold)
    found = _WRAPPED.get(key)
    if found is None:
        if len(_WRAPPED) > 4000:
            _WRAPPED.clear()
        found = _WRAPPED[key] = _wrap(text, size, width, bold)
    return found


def _wrap(text: str, size: int, width: int, bold: bool) -> list[str]:
    font = rtext.font(size, bold)
    out: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            trial = f"{line} {word}" if line else word
            if font.size(trial)[0] <= width or not line:
                line = trial
            else:
                out.append(line)
                line = word
        out.append(line)
    return out


def escape(text: str) -> str:
    """Text for a pygame_gui HTML box: <, > and & escaped, quotes kept, newlines as <br>."""
    return html.escape(text, quote=False).replace("\n", "<br>")


def draw_lines(surface: pygame.Surface, lines: list[str], x: int, y: int, w: int, bottom: int, size: int = 13,
               color: Any = None, bold: bool = False, indent: int = 0) -> int:  # fmt: skip
    """``lines`` wrapped to ``w`` pixels from ``y`` down, stopping above ``bottom``; the y below."""
    color = color or THEME["text"]
    step = int(size * 1.4)
    for line in lines:
        for part in wrap(line, size, w - indent, bold):
            if y + step > bottom:
                return y
            rtext.blit(surface, part, size, color, (x + indent, y), anchor="topleft", bold=bold)
            y += step
    return y


def draw_status_line(surface: pygame.Surface, r: pygame.Rect, readout: list[str], text: str, error: bool,
                     scale: float) -> None:  # fmt: skip
    """The top bar's status line in ``r``: ``text`` (two lines at most, red if ``error``) on
    the left, the ``readout`` lines right-aligned; sizes grow with the window's ``scale``."""
    px = lambda n: round(n * scale)  # noqa: E731
    if r.w < 40:
        return
    size = px(11)
    y = r.centery - len(readout) * px(14) // 2
    for line in readout:
        rtext.blit(surface, line, size, THEME["text_muted"], (r.right, y), anchor="topright")
        y += px(14)
    width = max(rtext.font(size).size(line)[0] for line in readout) + px(10)
    r = pygame.Rect(r.x, r.y, max(0, r.w - width), r.h)
    if r.w < 40 or not text:
        return
    color = ERROR_COLOUR if error else THEME["text"]
    lines = wrap(text, px(13), r.w)
    if len(lines) > 2:
        lines = lines[:2]
        lines[1] = lines[1][: max(0, len(lines[1]) - 1)] + "…"
    y = r.centery - (len(lines) * px(17)) // 2
    for line in lines:
        rtext.blit(surface, line, px(13), color, (r.x, y), anchor="topleft", max_width=r.w)
        y += px(17)
