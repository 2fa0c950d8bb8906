"""What the board draws over its cells for planning and eligibility-trace agents, and their legends.

* :func:`draw_planned`: the pairs (s, a) the last step's simulated backups updated (Dyna-Q's
  n planning updates, prioritized sweeping's queue), each as a thin cyan outline of its
  action's triangle, apart from the real step's yellow glow.
* :class:`ModelLayer`: a learnt model's known transitions, (s, a) -> s'. A move to a
  neighbour is a short teal arrow in s towards s', off to the right of the cell's axis so
  that it does not hide the policy arrow of the same action; a bump (s' = s) ends in a bar;
  a jump elsewhere (a teleport, an exit) is a line to s'. Cells are repainted only when
  their row of the model changed: one new pair a step costs one cell, not the board.
* :func:`draw_trace_legend`, :func:`draw_key`: the traces' linear colour scale, and swatches
  saying what the planning marks mean.

Plain arrays in, pixels out: nothing here knows an agent.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pygame

from gridrl.render import text as txt
from gridrl.render.colors import THEME, TRACES

#: (dx, dy) of the actions up, right, down, left.
_DIRECTIONS = ((0, -1), (1, 0), (0, 1), (-1, 0))


def _triangle(cell: int, a: int, inset: float) -> list[tuple[float, float]]:
    """The corners of action ``a``'s triangle of a cell at (0, 0), ``inset`` pixels inside."""
    c, lo, hi = cell / 2, inset, cell - 1 - inset
    mid = c - 0.5
    corners = (((lo, lo), (hi, lo)), ((hi, lo), (hi, hi)), ((hi, hi), (lo, hi)), ((lo, hi), (lo, lo)))[a]
    dx, dy = _DIRECTIONS[a]
    apex = (mid + dx * inset, mid + dy * inset)  # pulled off the centre towards the side: the four stay apart
    return [corners[0], corners[1], apex]


_SPRITES: dict[tuple[int, int], pygame.Surface] = {}


def _planned_sprite(cell: int, a: int) -> pygame.Surface:
    key = (cell, a)
    found = _SPRITES.get(key)
    if found is None:
        if len(_SPRITES) > 64:
            _SPRITES.clear()
        found = pygame.Surface((cell, cell), pygame.SRCALPHA)
        width = 2 if cell >= 18 else 1
        pygame.draw.polygon(found, (*THEME["planned"], 255), _triangle(cell, a, 1.5 + width), width)
        _SPRITES[key] = found
    return found


def draw_planned(surface: pygame.Surface, board: pygame.Rect, cell: int, cols: int, planned: Sequence[int]) -> None:
    """Outline the triangle of each planned pair (flat index s * 4 + a) in cyan."""
    if cell < 6:
        return
    s, a = np.divmod(np.asarray(planned, dtype=np.int64), 4)
    r, c = np.divmod(s, cols)
    surface.fblits([(_planned_sprite(cell, int(ai)), (board.x + int(ci) * cell, board.y + int(ri) * cell))
                    for ri, ci, ai in zip(r.tolist(), c.tolist(), a.tolist())])  # fmt: skip


class ModelLayer:
    """The model's transitions as drawn last, repainted cell by cell as the model changes."""

    def __init__(self) -> None:
        self.surface: pygame.Surface | None = None
        self.model: np.ndarray | None = None
        self.geometry: tuple[int, int, int] = (0, 0, 0)  # cell, cols, rows
        #: (start, end) in board pixels of the transitions to cells that are not neighbours.
        self.jumps: dict[int, list[tuple[tuple[float, float], tuple[float, float]]]] = {}

    def draw(self, surface: pygame.Surface, board: pygame.Rect, cell: int, cols: int, model_next: np.ndarray) -> None:
        """Draw ``model_next`` ((S, 4), -1: unknown) over the board at ``board``."""
        model = np.asarray(model_next, dtype=np.int64)
        rows = model.shape[0] // cols
        if cell < 8 or model.ndim != 2 or rows * cols != model.shape[0]:
            return
        geometry = (cell, cols, rows)
        if self.surface is None or self.geometry != geometry or self.model is None or self.model.shape != model.shape:
            self.surface = pygame.Surface((cell * cols, cell * rows), pygame.SRCALPHA)
            self.geometry, self.model, self.jumps = geometry, np.full_like(model, -1), {}
            self.surface.fill((0, 0, 0, 0))
        changed = np.flatnonzero(np.any(model != self.model, axis=1))
        for s in changed.tolist():
            self._paint(s, model[s], cell, cols)
        if changed.size:
            self.model = model.copy()
        surface.blit(self.surface, board)
        color, width = THEME["model"], max(1, round(cell / 24))
        for segments in self.jumps.values():
            for start, end in segments:
                a, b = (board.x + start[0], board.y + start[1]), (board.x + end[0], board.y + end[1])
                pygame.draw.line(surface, color, a, b, width)
                _head(surface, a, b, cell * 0.16, color)

    def _paint(self, s: int, targets: np.ndarray, cell: int, cols: int) -> None:
        assert self.surface is not None
        r, c = divmod(s, cols)
        x, y = c * cell, r * cell
        self.surface.fill((0, 0, 0, 0), (x, y, cell, cell))
        self.jumps.pop(s, None)
        color, width = (*THEME["model"], 235), max(1, round(cell / 24))
        cx, cy = x + cell / 2 - 0.5, y + cell / 2 - 0.5
        for a, s_next in enumerate(targets.tolist()):
            if s_next < 0:
                continue
            r2, c2 = divmod(int(s_next), cols)
            step = (c2 - c, r2 - r)
            if s_next == s:  # a bump: the move is blocked
                dx, dy = _DIRECTIONS[a]
            elif abs(step[0]) + abs(step[1]) == 1:
                dx, dy = step
            else:
                end = (c2 * cell + cell / 2, r2 * cell + cell / 2)
                self.jumps.setdefault(s, []).append(((cx, cy), end))
                continue
            lane = cell * 0.16  # to the right of the way it goes
            ox, oy = cx - dy * lane, cy + dx * lane
            start = (ox + dx * cell * 0.14, oy + dy * cell * 0.14)
            tip = (ox + dx * cell * (0.30 if s_next == s else 0.46), oy + dy * cell * (0.30 if s_next == s else 0.46))
            pygame.draw.line(self.surface, color, start, tip, width)
            if s_next == s:
                bar = cell * 0.1
                pygame.draw.line(self.surface, color, (tip[0] - dy * bar, tip[1] - dx * bar),
                                 (tip[0] + dy * bar, tip[1] + dx * bar), width + 1)  # fmt: skip
            else:
                _head(self.surface, start, tip, cell * 0.13, color)


def _head(surface: pygame.Surface, start: tuple[float, float], tip: tuple[float, float], size: float,
          color: tuple[int, ...]) -> None:  # fmt: skip
    """An arrowhead at ``tip`` pointing away from ``start``."""
    angle = math.atan2(tip[1] - start[1], tip[0] - start[0])
    left = (tip[0] - size * math.cos(angle - 0.45), tip[1] - size * math.sin(angle - 0.45))
    right = (tip[0] - size * math.cos(angle + 0.45), tip[1] - size * math.sin(angle + 0.45))
    pygame.draw.polygon(surface, color, [tip, left, right])


def colour_bar(surface: pygame.Surface, rect: pygame.Rect, label: str, colours: np.ndarray,
               scale: float = 1.0) -> tuple[pygame.Rect, int]:  # fmt: skip
    """A legend's bold ``label`` and, right of it, a bar of ``colours`` ((K, 3) from low to
    high) across the rest of ``rect``; returns the bar and the text size for its numbers
    (up to 18 px times ``scale``)."""
    size = max(10, min(round(18 * scale), int(rect.h * 0.3)))
    label_surf = txt.text(label, size + 1, THEME["text"], bold=True)
    surface.blit(label_surf, label_surf.get_rect(midleft=(rect.x, rect.y + rect.h * 0.32)))
    x0 = rect.x + label_surf.get_width() + size
    bar = pygame.Rect(x0, rect.y + int(rect.h * 0.12), max(rect.right - x0 - size, 10), max(int(rect.h * 0.38), 6))
    strip = pygame.Surface((colours.shape[0], 1), 0, 32)
    pygame.surfarray.blit_array(strip, colours[:, None, :])
    surface.blit(pygame.transform.smoothscale(strip, bar.size), bar)
    pygame.draw.rect(surface, THEME["board_border"], bar, 1)
    return bar, size


def draw_trace_legend(surface: pygame.Surface, rect: pygame.Rect, vmax: float, label: str, note: str,
                      scale: float = 1.0) -> None:  # fmt: skip
    """The traces' linear scale from 0 to ``vmax`` (the largest trace now), horizontal, with
    ``label`` before it and ``note`` under its middle (e.g. that accumulating traces exceed 1)."""
    rect = pygame.Rect(rect)
    if rect.w < 60 or rect.h < 16:
        return
    bar, size = colour_bar(surface, rect, label, TRACES, scale)
    left = txt.blit(surface, "0", size, THEME["text"], (bar.x, bar.bottom + 4), "topleft")
    right = txt.blit(surface, f"max {txt.nice_number(vmax)}", size, THEME["text"], (bar.right - 1, bar.bottom + 4),
                     "topright")  # fmt: skip
    room, small = right.x - left.right - 2 * size, max(10, size - 2)
    # the note whole, or its last words ("can exceed 1") where the legend is narrow
    fits = [t for t in (note, note.split(": ")[-1].split(" traces ")[-1]) if t and txt.font(small).size(t)[0] <= room]
    if fits:
        txt.blit(surface, fits[0], small, THEME["text_muted"], ((left.right + right.x) // 2, bar.bottom + 5), "midtop")


def draw_key(surface: pygame.Surface, rect: pygame.Rect, entries: Sequence[tuple[str, str]], scale: float = 1.0) -> None:
    """Swatches in a column (or a row, if one line has the room): ``entries`` are (kind, text)
    with kind "planned" (cyan outline), "real" (yellow glow) or "model" (teal arrow)."""
    rect = pygame.Rect(rect)
    if not entries or rect.w < 60 or rect.h < 12:
        return
    size = max(10, min(round(15 * scale), int(rect.h / len(entries) * 0.8)))
    line = rect.h // len(entries)
    swatch = max(10, round(size * 1.1))
    for i, (kind, text) in enumerate(entries):
        y = rect.y + i * line + (line - swatch) // 2
        box = pygame.Rect(rect.x, y, swatch, swatch)
        if kind == "planned":
            pygame.draw.polygon(surface, THEME["planned"], [box.topleft, box.topright, box.center], 2)
        elif kind == "real":
            glow = pygame.Surface(box.size, pygame.SRCALPHA)
            glow.fill((*THEME["highlight"], 150))
            surface.blit(glow, box)
            pygame.draw.rect(surface, THEME["highlight"], box, 2)
        else:
            pygame.draw.line(surface, THEME["model"], (box.x, box.centery), (box.right - 2, box.centery), 2)
            _head(surface, (box.x, box.centery), (box.right, box.centery), swatch * 0.45, THEME["model"])
        txt.blit(surface, txt.elide(text, size, rect.right - box.right - 6), size, THEME["text"],
                 (box.right + 6, box.centery), "midleft")  # fmt: skip
