"""Where the level editor puts things. The normal layout is the training screen's
(:func:`gridrl.gui.layout.compute`: the editing panels on the left, the grid's size and the
validation on the right). Presentation mode (F5) folds what a teacher does not need while
presenting, so a 1024 x 768 projector shows the whole 1.5x (the room of
:data:`~gridrl.gui.layout.PRESENTATION_ROOM`): the palette in a narrow strip beside a board
that takes the rest of the window, the messages and the validation under it; the tile
properties, dynamics and grid size on demand ("strip" or "settings" mode), and the file
widgets in a second row of the top bar on demand."""

from __future__ import annotations

import math
from dataclasses import dataclass
from collections.abc import Sequence

import pygame

from gridrl.gui.layout import FONT, PAD, PRESENTATION_ROOM, ROW, STATUS_H, TOP_H, button_width, compute, scale_for

#: The columns of presentation mode's "settings" mode at scale 1: the palette and the tile's
#: properties (a label, an entry and "Pick cell") on the left; the grid's size and the
#: dynamics on the right.
SETTINGS_LEFT, SETTINGS_RIGHT = 290, 250
#: Lines of text under the board in presentation mode (the message; the validation beside it).
NOTES_LINES = 4


@dataclass(frozen=True)
class EditorLayout:
    size: tuple[int, int]
    scale: float
    pad: int
    row: int
    font_size: int
    #: The top bar: its row of widgets ``bar`` and, when the file widgets are shown, ``file_row``.
    top: pygame.Rect
    bar: pygame.Rect
    file_row: pygame.Rect | None
    left: pygame.Rect
    center: pygame.Rect
    right: pygame.Rect
    board: pygame.Rect
    #: Under the board: the editor's messages (and in presentation mode its validation).
    notes: pygame.Rect
    #: "full", or presentation mode's "strip" (the palette only) or "settings".
    mode: str = "full"
    #: Palette buttons a row in the strip (more than one when the kinds outnumber its rows).
    strip_columns: int = 1

    @property
    def presentation(self) -> bool:
        return self.mode != "full"


def editor_layout(size: tuple[int, int], zoom: float, grid_shape: tuple[int, int] | None,
                  palette_texts: Sequence[str] = (), settings: bool = False,
                  files: bool = False) -> EditorLayout:  # fmt: skip
    """The rects for a window of ``size`` at presentation factor ``zoom``. Presentation mode
    (``zoom`` above 1): a strip as wide as the widest of ``palette_texts`` (a gridworld's
    palette, and the buttons of its layouts when it has scheduled changes; a bandit has none),
    or with ``settings`` the two settings columns; ``files`` adds the top bar's second row."""
    w, h = size
    if zoom <= 1.0:
        lay = compute(size, grid_shape, second_row=False, zoom=zoom)
        notes = pygame.Rect(lay.center.x + lay.pad, lay.legend.y, lay.center.w - 2 * lay.pad,
                            lay.center.bottom - lay.pad - lay.legend.y)  # fmt: skip
        return EditorLayout(size, lay.scale, lay.pad, lay.row, lay.font_size, lay.top, lay.bar, None, lay.left,
                            lay.center, lay.right, lay.board, notes)  # fmt: skip
    k = scale_for(size, zoom, PRESENTATION_ROOM)
    pad, row, fs = round(PAD * k), round(ROW * k), round(FONT * k)
    bar = pygame.Rect(0, 0, w, round(TOP_H * k))
    file_row = pygame.Rect(0, bar.bottom, w, round(STATUS_H * k)) if files else None
    top = bar.union(file_row) if file_row else bar
    body_h = h - top.bottom
    columns = 1
    if settings and grid_shape is not None:
        left_w, right_w = round(SETTINGS_LEFT * k), round(SETTINGS_RIGHT * k)
    elif palette_texts:
        columns = math.ceil(len(palette_texts) / max(1, (body_h - 2 * pad) // (row + 4)))
        left_w = columns * (max(button_width(t, fs) for t in palette_texts) + 4) + 2 * pad
        right_w = 0
    else:
        left_w = right_w = 0
    left = pygame.Rect(0, top.bottom, left_w, body_h)
    right = pygame.Rect(w - right_w, top.bottom, right_w, body_h)
    center = pygame.Rect(left_w, top.bottom, w - left_w - right_w, body_h)
    notes_h = round(NOTES_LINES * 19 * k)
    notes = pygame.Rect(center.x + pad, center.bottom - pad - notes_h, center.w - 2 * pad, notes_h)
    board = pygame.Rect(center.x + pad, center.y + pad, center.w - 2 * pad, notes.y - pad - center.y - pad)
    return EditorLayout(size, k, pad, row, fs, top, bar, file_row, left, center, right, board, notes,
                        "settings" if settings and grid_shape is not None else "strip", columns)  # fmt: skip
