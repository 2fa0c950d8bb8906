"""The cached drawings: painted again exactly when their key changes, and pixel-identical."""

from __future__ import annotations

import pygame

from gridrl.gui.backdrop import Backdrop, CachedDrawing
from gridrl.render import text as rtext
from gridrl.render.colors import THEME


def test_a_cached_drawing_paints_once_per_key_and_copies_the_same_pixels():
    surface = pygame.Surface((120, 80))
    rect = pygame.Rect(10, 10, 60, 30)
    painted: list[int] = []

    def paint(target: pygame.Surface) -> None:
        painted.append(1)
        rtext.blit(target, "V(s)", 14, THEME["text"], rect.center)

    cache = CachedDrawing()
    surface.fill(THEME["background"])
    cache.draw(surface, rect, "a", paint)
    first = pygame.image.tobytes(surface, "RGB")
    surface.fill(THEME["background"])
    cache.draw(surface, rect, "a", paint)
    assert len(painted) == 1 and pygame.image.tobytes(surface, "RGB") == first
    cache.draw(surface, rect, "b", paint)  # a new scale: painted again
    assert len(painted) == 2
    with rtext.recording() as drawn:  # the layout test sees every label, cached or not
        cache.draw(surface, rect, "b", paint)
    assert len(painted) == 3 and [d.text for d in drawn] == ["V(s)"]


def test_the_backdrop_is_the_panels_over_the_background_and_follows_the_layout():
    surface = pygame.Surface((100, 60))
    backdrop = Backdrop()
    backdrop.draw(surface, [pygame.Rect(0, 0, 100, 10)], [((0, 10), (99, 10))])
    assert surface.get_at((50, 5))[:3] == THEME["panel"]
    assert surface.get_at((50, 10))[:3] == THEME["panel_border"]
    assert surface.get_at((50, 40))[:3] == THEME["background"]
    surface.fill((0, 0, 0))
    backdrop.draw(surface, [pygame.Rect(0, 0, 100, 30)], [])  # the layout changed
    assert surface.get_at((50, 20))[:3] == THEME["panel"]
