"""The window fits the screen it opens on: a 1024 x 768 projector gets a window it can show."""

from __future__ import annotations

import pygame
import pytest

from gridrl.gui import window


@pytest.mark.parametrize(("desktop", "size"), [((1024, 768), (1024, 708)), ((1920, 1080), (1280, 800)),
                                               ((800, 600), window.MIN_SIZE)])  # fmt: skip
def test_default_size_fits_the_desktop(monkeypatch, desktop, size):
    monkeypatch.setattr(pygame.display, "get_driver", lambda: "x11")
    monkeypatch.setattr(pygame.display, "get_desktop_sizes", lambda: [desktop])
    assert window.default_size() == size


def test_headless_runs_keep_the_default(monkeypatch):
    monkeypatch.setattr(pygame.display, "get_driver", lambda: "dummy")
    monkeypatch.setattr(pygame.display, "get_desktop_sizes", lambda: [(1024, 768)])
    assert window.default_size() == window.DEFAULT_SIZE
