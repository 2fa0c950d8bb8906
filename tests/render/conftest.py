"""Headless pygame for the render tests: the dummy video driver, only display and font."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pygame  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def headless_pygame():
    pygame.display.init()
    pygame.font.init()
    yield

