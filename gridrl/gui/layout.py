"""Where everything goes, computed from the window size (the window is resizable).

Sizes scale with the window: on a big screen (from about 1.2 times the default 1280 x 800)
rows, gaps and fonts grow by :func:`scale_for`, so text stays readable from the back of a
classroom. Presentation mode (F5, ``--scale``) multiplies that one scale by the user's
factor, so every row, font, line and chart grows with it, and makes the room for it: the
left column shrinks to a strip of run controls and overlay toggles (the settings form comes
back on demand, in place of the inspector), the inspector takes the whole right column and
the charts are at most two.
"""

from __future__ import annotations

from dataclasses import dataclass

import math
from collections.abc import Sequence

import pygame

from gridrl.render import text as rtext

#: At scale 1 (the default window).
PAD = 10
ROW = 30
TOP_H = 48
#: The top bar's second row at narrow widths (status line, or the editor's overflow).
STATUS_H = 34
#: Below this width (times the scale) the top bar's widgets leave no room for the status.
TWO_ROW_W = 1200
FONT = 14
#: The smallest window the layout is made for at scale 1 (the window's minimum size).
MIN_W, MIN_H = 960, 640
#: The room presentation mode's layouts need at scale 1: a strip, the inspector (310) and a
#: centre of about 250 across; the top bar's two rows, the board, legend, timeline and two
#: charts down (a 1024 x 768 projector shows 1.5x). The compare view's and the editor's
#: presentation layouts fit it too (gridrl.gui.compare_view, gridrl.gui.editor_layout).
PRESENTATION_ROOM = (680, 512)
#: The texts the presentation strip's buttons must show whole (its width comes from them).
STRIP_TEXTS = ("❚❚  Pause", "⚙ Settings")


def scale_for(size: tuple[int, int], zoom: float = 1.0, room: tuple[int, int] = (MIN_W, MIN_H)) -> float:
    """The window's own scale (1 up to 1.2 times the default window size, then 1.15, from
    1.5 times 1.35) times the presentation factor ``zoom``.

    A larger factor is held to what the window can hold, min(w / room_w, h / room_h): at
    scale k a layout needs ``room`` (its size at scale 1) grown k times. The presentation
    layouts (the training screen's, the compare view's, the editor's) need
    :data:`PRESENTATION_ROOM` (1024 x 768 shows 1.5x, 1280 x 800 1.56x); the normal ones the
    minimum window, 960 x 640."""
    s = min(size[0] / 1280, size[1] / 800)
    base = 1.0 if s < 1.2 else 1.15 if s < 1.5 else 1.35
    if zoom <= 1.0:
        return base * zoom
    return max(base, min(base * zoom, size[0] / room[0], size[1] / room[1]))


def font_size_for(size: tuple[int, int], zoom: float = 1.0, room: tuple[int, int] = (MIN_W, MIN_H)) -> int:
    return round(FONT * scale_for(size, zoom, room))


def button_width(text: str, font_size: int) -> int:
    """The width a button needs to show ``text`` whole: the text plus the theme's padding
    (6 px each side) and its border, with a little air."""
    return rtext.font(font_size).size(text)[0] + 20


def fit_widths(wants: Sequence[int], mins: Sequence[int], room: int) -> list[int]:
    """Widths for a row of widgets in ``room`` pixels: if the wanted widths don't fit, each
    gives up the same share of its slack (want - min), never going below its min, so a
    narrow window shrinks the elastic widgets (dropdowns, entries, the status text) first."""
    over = sum(wants) - room
    slack = sum(w - m for w, m in zip(wants, mins, strict=True))
    if over <= 0 or slack <= 0:
        return list(wants)
    share = min(1.0, over / slack)
    return [w - math.ceil((w - m) * share) for w, m in zip(wants, mins, strict=True)]


def _clamp(x: float, lo: float, hi: float) -> int:
    return int(max(lo, min(hi, x)))


@dataclass(frozen=True)
class Layout:
    size: tuple[int, int]
    scale: float
    pad: int
    row: int
    top: pygame.Rect
    #: The top bar's row of widgets; ``top`` also holds ``second_row`` when there is one.
    bar: pygame.Rect
    #: Below ``bar`` at narrow widths (else None): where what doesn't fit beside the widgets goes.
    second_row: pygame.Rect | None
    left: pygame.Rect
    center: pygame.Rect
    right: pygame.Rect
    overlay_bar: pygame.Rect
    board: pygame.Rect
    legend: pygame.Rect
    timeline: pygame.Rect
    charts: pygame.Rect
    inspector: pygame.Rect
    edit: pygame.Rect
    manual: pygame.Rect
    font_size: int
    #: "full", or presentation mode's "strip" or "settings" (see :func:`compute`).
    mode: str = "full"

    @property
    def presentation(self) -> bool:
        return self.mode != "full"


def compute(size: tuple[int, int], grid_shape: tuple[int, int] | None = None, second_row: bool = True,
            zoom: float = 1.0, mode: str = "full") -> Layout:  # fmt: skip
    """The rects for a window of ``size`` at presentation factor ``zoom`` (:func:`scale_for`).
    With ``grid_shape`` (rows, cols) the board gets just the height its square cells need
    and the charts get the rest (a wide level like Cliff Walking leaves room for bigger
    charts). ``second_row``: the top bar may grow a
    second row below ``TWO_ROW_W`` (the editor, whose left panel needs the height, doesn't).
    ``mode``: "full", or presentation mode's "strip" (run controls and overlay toggles in a
    narrow left strip, the inspector the whole right column) or "settings" (the left column
    whole, no right column); both are held to :data:`PRESENTATION_ROOM`."""
    w, h = size
    k = scale_for(size, zoom, (MIN_W, MIN_H) if mode == "full" else PRESENTATION_ROOM)
    pad, row, bar_h = round(PAD * k), round(ROW * k), round(TOP_H * k)
    fs = round(FONT * k)
    bar = pygame.Rect(0, 0, w, bar_h)
    row2 = pygame.Rect(0, bar_h, w, round(STATUS_H * k)) if second_row and w < TWO_ROW_W * k else None
    top_h = bar_h + (row2.h if row2 else 0)
    top = pygame.Rect(0, 0, w, top_h)
    if mode == "strip":
        left_w = max(button_width(t, fs) for t in STRIP_TEXTS) + 2 * pad + 4
    else:
        left_w = _clamp(w * 0.23, 280 * k, 360 * k)
    right_w = 0 if mode == "settings" else _clamp(w * 0.27, 310 * k, 440 * k)
    body = pygame.Rect(0, top_h, w, h - top_h)
    left = pygame.Rect(0, body.y, left_w, body.h)
    right = pygame.Rect(w - right_w, body.y, right_w, body.h)
    center = pygame.Rect(left_w, body.y, w - left_w - right_w, body.h)
    cx, cw = center.x + pad, center.w - 2 * pad
    overlay_bar = pygame.Rect(cx, body.y + pad, cw, 0 if mode == "strip" else row + 2)
    board_y = overlay_bar.bottom + (8 if overlay_bar.h else 0)
    legend_h = round(40 * k)
    charts_h = _clamp(body.h * 0.29, (160 if mode == "full" else 120) * k, 300 * k)
    if grid_shape is not None:
        rows, cols = grid_shape
        board_h = h - board_y - 4 - legend_h - 8 - row - 8 - charts_h - pad
        caption = int(min(max(board_h * 0.05, 16 * k), 30 * k))
        cell = max(1, min(cw // cols, (board_h - caption) // rows))
        spare = board_h - (cell * rows + caption)
        if spare > 0:
            charts_h = min(charts_h + spare, int(body.h * 0.42))
    charts = pygame.Rect(cx, h - pad - charts_h, cw, charts_h)
    timeline = pygame.Rect(cx, charts.y - 8 - row, cw, row)
    legend = pygame.Rect(cx, timeline.y - 8 - legend_h, cw, legend_h)
    board = pygame.Rect(cx, board_y, cw, legend.y - 4 - board_y)
    inner = max(0, right.w - 2 * pad)
    # presentation mode shows neither the cell editing nor the play-yourself panel; a short
    # window just the latter's button (its tooltip says the rest): the inspector needs the room
    manual_h = round((150 if body.h >= 600 * k else 64) * k)
    manual_h, edit_h = (manual_h, round(96 * k)) if mode == "full" else (0, 0)
    manual = pygame.Rect(right.x + pad, h - pad - manual_h, inner, manual_h)
    edit = pygame.Rect(right.x + pad, manual.y - (8 if edit_h else 0) - edit_h, inner, edit_h)
    inspector = pygame.Rect(right.x + pad, body.y + pad, inner, edit.y - (8 if edit_h else 0) - body.y - pad)
    return Layout(size, k, pad, row, top, bar, row2, left, center, right, overlay_bar, board, legend, timeline,
                  charts, inspector, edit, manual, fs, mode)  # fmt: skip
