"""What every screen and overlay is: a :class:`Scene` on the window's scene stack.

Scenes know the window (:class:`~gridrl.gui.window.Window`), never each other: a scene opens
another by its registered name (``self.app.open_scene("edit", ...)``) and finds one with
``self.app.find("train")``. Which class a name builds is decided in one place,
:mod:`gridrl.gui.app`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from gridrl.gui.commands import Command

if TYPE_CHECKING:
    from gridrl.gui.window import Window


class Scene:
    """A screen or an overlay: ``enter / exit / handle / update(dt) / draw``.

    ``handle`` returns the command if the scene did not use it (it then goes to the scene
    below). ``captures_input``: pygame_gui gets no events while this scene is on top (the
    help overlay). ``draws_over_ui``: drawn after the widgets. ``name``: what the window's
    registry calls it (``open_scene`` / ``find``).
    """

    name = ""
    captures_input = False
    draws_over_ui = False

    def __init__(self, app: Window) -> None:
        self.app = app

    def enter(self) -> None: ...

    def exit(self) -> None: ...

    def handle(self, command: Command) -> Command | None:
        return command

    def update(self, dt: float) -> None: ...

    def draw(self, surface: pygame.Surface) -> None: ...

    def resize(self, size: tuple[int, int]) -> None: ...

    def can_quit(self) -> bool:
        """False to stop the app quitting (the scene asks the user first, e.g. unsaved edits)."""
        return True
