"""Helpers that drive the app the way a user does: keys, clicks, widget events."""

from __future__ import annotations

import time

import pygame
import pygame_gui


def scene(app):
    return app.scenes[0]


def key(app, k: int, unicode: str = "", mod: int = 0, frames: int = 2) -> None:
    """Press and release a key, then run ``frames`` frames."""
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode=unicode, scancode=0))
    pygame.event.post(pygame.event.Event(pygame.KEYUP, key=k, mod=mod, unicode=unicode, scancode=0))
    app.run_frames(frames)


def click(app, pos: tuple[int, int], frames: int = 2) -> None:
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=1, touch=False))
    pygame.event.post(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=1, touch=False))
    app.run_frames(frames)


def ui_event(app, kind: int, element, frames: int = 2, **data) -> None:
    """Post a pygame_gui event as the widget would (e.g. a drop-down's new choice)."""
    pygame.event.post(pygame.event.Event(kind, {"ui_element": element, **data}))
    app.run_frames(frames)


def press(app, button, frames: int = 2) -> None:
    ui_event(app, pygame_gui.UI_BUTTON_PRESSED, button, frames)


def choose(app, dropdown, option: str, frames: int = 3) -> None:
    ui_event(app, pygame_gui.UI_DROP_DOWN_MENU_CHANGED, dropdown, frames, text=option)
    wait_loaded(app)


def wait_loaded(app, seconds: float = 60.0) -> None:
    """Frames until a newly picked agent (built in a thread) has arrived. By the clock, not a
    frame count: a dummy-video frame takes about a millisecond, and on a loaded machine building
    an agent (rlhf-ppo samples and labels its pairs) can take seconds."""
    sc = scene(app)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if sc.driver.pending_agent is None:
            return
        app.run_frames(1)
    raise TimeoutError(f"the agent did not load within {seconds:g} s")


def type_into(app, entry, text: str, finished: bool = True, frames: int = 2) -> None:
    """What typing does: the entry's text changes, then (Enter) it is finished."""
    entry.set_text(text)
    kind = pygame_gui.UI_TEXT_ENTRY_FINISHED if finished else pygame_gui.UI_TEXT_ENTRY_CHANGED
    ui_event(app, kind, entry, frames, text=text)
