"""Scenes pushed over the main one: the help overlay, message dialogs, the file dialog."""

from __future__ import annotations

from itertools import groupby
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

import pygame
import pygame_gui

from gridrl.gui.commands import SHORTCUTS, Command
from gridrl.gui.scene import Scene
from gridrl.render import text as rtext
from gridrl.render.colors import THEME

if TYPE_CHECKING:
    from gridrl.gui.window import Window

#: Commands that pass through a modal scene to the app.
APP_COMMANDS = {"quit", "resize", "screenshot"}


class HelpScene(Scene):
    """Every shortcut, grouped, over a dimmed app. Any key or click closes it."""

    name = "help"

    captures_input = True
    draws_over_ui = True

    def handle(self, command: Command) -> Command | None:
        if command.name in APP_COMMANDS:
            return command
        if command.name in ("help", "escape", "click", "any_key") or command.name in _KEY_COMMANDS:
            self.app.pop(self)
        return None

    def draw(self, surface: pygame.Surface) -> None:
        w, h = surface.get_size()
        shade = pygame.Surface((w, h), pygame.SRCALPHA)
        shade.fill((20, 24, 32, 170))
        surface.blit(shade, (0, 0))
        groups = [(g, list(items)) for g, items in groupby(SHORTCUTS, key=lambda s: s.group)]
        size = 15 if h >= 900 else 13
        line = int(size * 1.55)

        def height(col: list[tuple[str, list[Any]]]) -> float:
            return sum((len(items) + 1.6) * line for _, items in col)

        # the groups split where the two columns come out most even (the help fits at 1024 x 768)
        split = min(range(1, len(groups)), key=lambda k: max(height(groups[:k]), height(groups[k:])))
        columns = [groups[:split], groups[split:]]
        heights = [height(col) for col in columns]
        card_w = min(w - 40, 1060)
        card_h = min(h - 40, int(max(heights) + 3.5 * line + 40))
        card = pygame.Rect(0, 0, card_w, card_h)
        card.center = (w // 2, h // 2)
        pygame.draw.rect(surface, THEME["panel"], card, border_radius=10)
        pygame.draw.rect(surface, THEME["panel_border"], card, 1, border_radius=10)
        rtext.blit(surface, "gridrl — keyboard shortcuts", size + 5, THEME["text"],
                   (card.x + 28, card.y + 18), anchor="topleft", bold=True)  # fmt: skip
        rtext.blit(surface, "Hover over any button for what it does. Press any key or click to close.",
                   size - 1, THEME["text_muted"], (card.x + 28, card.y + 18 + int(line * 1.5)),
                   anchor="topleft")  # fmt: skip
        col_w = (card_w - 56) // 2
        key_w = int(col_w * 0.3)
        for c, col in enumerate(columns):
            x = card.x + 28 + c * (col_w + 10)
            y = card.y + 18 + int(line * 3.0)
            for group, items in col:
                rtext.blit(surface, group.upper(), size - 2, THEME["accent"], (x, y), anchor="topleft", bold=True)
                y += int(line * 1.15)
                for item in items:
                    key_rect = rtext.blit(surface, item.keys, size, THEME["text"], (x + 4, y),
                                          anchor="topleft", bold=True, max_width=key_w - 8)  # fmt: skip
                    del key_rect
                    rtext.blit(surface, item.help, size, THEME["text"], (x + key_w, y), anchor="topleft",
                               max_width=col_w - key_w - 4)  # fmt: skip
                    y += line
                y += int(line * 0.45)


_KEY_COMMANDS = {s.name for s in SHORTCUTS if s.name} | {"arrow", "overlay", "speed_delta", "timeline_step"}


class MessageScene(Scene):
    """A modal message (errors, warnings) with an OK button; Esc or Enter closes it."""

    name = "message"

    def __init__(self, app: Window, title: str, html: str) -> None:
        super().__init__(app)
        self.title, self.html = title, html
        self.window: Any = None
        self.dead_frames = 0

    def enter(self) -> None:
        w, h = self.app.size
        rect = pygame.Rect(0, 0, min(560, w - 80), min(300, h - 80))
        rect.center = (w // 2, h // 2)
        self.window = pygame_gui.windows.UIMessageWindow(
            rect, self.html, self.app.ui, window_title=self.title, always_on_top=True
        )
        self.window.set_blocking(True)
        self.app.bind(self.window.dismiss_button, "dialog_ok", self)
        self.app.bind(self.window, "dialog_ok", self)

    def exit(self) -> None:
        if self.window is not None:
            self.app.unbind([self.window.dismiss_button, self.window])
            if self.window.alive():
                self.window.kill()
            self.window = None

    @property
    def visible(self) -> bool:
        return self.window is not None and self.window.alive()

    def handle(self, command: Command) -> Command | None:
        if command.name in APP_COMMANDS:
            return command
        if command.name == "dialog_ok" and command.arg[0] is self:
            self.app.pop(self)
        elif command.name == "escape":
            self.app.pop(self)
        elif command.name == "window_closed" and command.arg is self.window:
            self.app.pop(self)
        return None  # modal: nothing reaches the scenes below

    def update(self, dt: float) -> None:
        # The window closes itself on OK; its close event arrives next frame. Pop anyway
        # if it does not (so a dead dialog can never block the app).
        if self.window is not None and not self.window.alive():
            self.dead_frames += 1
            if self.dead_frames > 3:
                self.app.pop(self)

    def resize(self, size: tuple[int, int]) -> None:
        if self.window is not None and self.window.ui_manager is not self.app.ui:
            self.exit()  # the app made a new widget manager (new font size): make the window anew
            self.enter()
        elif self.visible:
            rect = self.window.rect
            self.window.set_position(((size[0] - rect.w) // 2, (size[1] - rect.h) // 2))


class FileDialogScene(Scene):
    """pygame_gui's file dialog; the picked path goes to ``on_pick``."""

    name = "file"

    def __init__(self, app: Window, title: str, start: Path, on_pick: Callable[[str], None]) -> None:
        super().__init__(app)
        self.title, self.start, self.on_pick = title, start, on_pick
        self.dialog: Any = None
        self.dead_frames = 0

    def enter(self) -> None:
        w, h = self.app.size
        rect = pygame.Rect(0, 0, min(640, w - 60), min(520, h - 60))
        rect.center = (w // 2, h // 2)
        self.dialog = pygame_gui.windows.UIFileDialog(
            rect, self.app.ui, window_title=self.title, initial_file_path=str(self.start),
            allow_existing_files_only=True, allowed_suffixes={".yaml", ".yml", ""},
            always_on_top=True,
        )  # fmt: skip
        self.dialog.set_blocking(True)
        self.app.bind(self.dialog, "file_picked", self)

    def exit(self) -> None:
        if self.dialog is not None:
            self.app.unbind([self.dialog])
            if self.dialog.alive():
                self.dialog.kill()
            self.dialog = None

    def handle(self, command: Command) -> Command | None:
        if command.name in APP_COMMANDS:
            return command
        if command.name == "file_picked" and command.arg[0] is self:
            value = command.arg[1]
            self.app.pop(self)
            if value != "closed":
                self.on_pick(value)
        elif command.name == "escape":
            self.app.pop(self)
        elif command.name == "window_closed" and command.arg is self.dialog:
            self.app.pop(self)
        return None

    def resize(self, size: tuple[int, int]) -> None:
        if self.dialog is not None and self.dialog.ui_manager is not self.app.ui:
            self.exit()
            self.enter()

    def update(self, dt: float) -> None:
        if self.dialog is not None and not self.dialog.alive():
            self.dead_frames += 1
            if self.dead_frames > 3:  # its events (path picked, closed) come first
                self.app.pop(self)


class ChoiceScene(Scene):
    """A modal question with one button per answer (e.g. Save / Discard / Cancel).

    ``choices`` are ``(label, callback)``; the dialog closes, then the callback runs. Esc or
    closing the window is the last choice (by convention: Cancel)."""

    name = "choice"

    def __init__(self, app: Window, title: str, html: str, choices: list[tuple[str, Callable[[], Any]]]) -> None:
        super().__init__(app)
        self.title, self.html, self.choices = title, html, choices
        self.window: Any = None
        self.buttons: list[Any] = []

    def enter(self) -> None:
        w, h = self.app.size
        rect = pygame.Rect(0, 0, min(560, w - 80), min(260, h - 80))
        rect.center = (w // 2, h // 2)
        self.window = pygame_gui.elements.UIWindow(rect, self.app.ui, window_display_title=self.title,
                                                   always_on_top=True)  # fmt: skip
        self.window.set_blocking(True)
        inner = self.window.get_container().get_rect()
        pygame_gui.elements.UITextBox(self.html, pygame.Rect(8, 8, inner.w - 16, inner.h - 64), self.app.ui,
                                      container=self.window)  # fmt: skip
        bw = min(160, (inner.w - 16) // max(len(self.choices), 1) - 8)
        for i, (label, _) in enumerate(self.choices):
            button = pygame_gui.elements.UIButton(
                pygame.Rect(inner.w - (len(self.choices) - i) * (bw + 8), inner.h - 46, bw, 36), label,
                self.app.ui, container=self.window)  # fmt: skip
            self.app.bind(button, "choice", (self, i))
            self.buttons.append(button)
        self.app.bind(self.window, "choice", (self, len(self.choices) - 1))

    def exit(self) -> None:
        if self.window is not None:
            self.app.unbind(self.buttons + [self.window])
            if self.window.alive():
                self.window.kill()
            self.window = None

    def can_quit(self) -> bool:
        return False  # a question is open: answer it first

    def choose(self, index: int) -> None:
        self.app.pop(self)
        self.choices[index][1]()

    def handle(self, command: Command) -> Command | None:
        if command.name in APP_COMMANDS and command.name != "quit":
            return command
        if command.name == "choice" and command.arg[0][0] is self:
            self.choose(command.arg[0][1])
        elif command.name == "escape":
            self.choose(len(self.choices) - 1)
        return None
