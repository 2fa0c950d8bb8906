"""Drawings that rarely change, drawn once and blitted every frame.

Filling a tall panel rect costs pygame about half a millisecond a frame (SDL fills it row by
row); a scene's background, its panels and their borders, are the same every frame until the
layout changes, so one blit of a cached copy replaces them (:class:`Backdrop`). A legend is the
same until its scale changes (:class:`CachedDrawing`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pygame

from gridrl.render import text as rtext
from gridrl.render.colors import THEME

Line = tuple[tuple[int, int], tuple[int, int]]


class Backdrop:
    """The background colour, panel rects in the panel colour and border lines."""

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._surface: pygame.Surface | None = None

    def draw(self, surface: pygame.Surface, panels: Sequence[pygame.Rect], lines: Sequence[Line] = ()) -> None:
        """Cover ``surface`` with the background, ``panels`` and ``lines`` (redrawn only when
        the surface's size, a panel or a line changed)."""
        key = (surface.get_size(), tuple(tuple(pygame.Rect(r)) for r in panels), tuple(lines))
        if key != self._key or self._surface is None:
            self._surface = pygame.Surface(surface.get_size(), 0, surface)  # the screen's pixel format
            self._surface.fill(THEME["background"])
            for rect in panels:
                self._surface.fill(THEME["panel"], rect)
            for a, b in lines:
                pygame.draw.line(self._surface, THEME["panel_border"], a, b)
            self._key = key
        surface.blit(self._surface, (0, 0))


class CachedDrawing:
    """A drawing inside a rect over a background that is the same every frame, that changes
    only with its key: painted when the key changes, then its pixels are copied back. While
    labels are being recorded (the layout test) it is always painted."""

    def __init__(self) -> None:
        self._key: object = None
        self._pixels: pygame.Surface | None = None

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, key: object,
             paint: Callable[[pygame.Surface], None]) -> None:  # fmt: skip
        """``paint(surface)`` draws only inside ``rect``; ``key`` is everything it depends on."""
        rect = pygame.Rect(rect).clip(surface.get_rect())
        key = (key, tuple(rect), surface.get_size())
        if self._pixels is not None and key == self._key and not rtext.is_recording():
            surface.blit(self._pixels, rect)
            return
        paint(surface)
        self._key, self._pixels = key, surface.subsurface(rect).copy()
