"""The window: one loop of scenes (docs/ARCHITECTURE.md, "The app").

Every frame, :meth:`Window.tick`:

1. pumps pygame's events once (``pygame.event.get()``), lets pygame_gui see them, and
   translates each into a :class:`~gridrl.gui.commands.Command` (:meth:`Window.translate`);
2. hands each command to the scene stack, top first, until a scene uses it;
3. calls ``update(dt)`` on every scene (training happens there, within a time budget);
4. draws the scenes bottom-up and the widgets; ``draw`` never changes state.

Dialogs and the help overlay are scenes pushed on the stack. No user action can crash the
app: every handler, update and draw runs guarded; an unexpected error is logged (to
``gui.log`` in the user log folder, ``~/.local/state/gridrl`` on Linux; else stderr) and
shown in a dialog, and the loop goes on.

The window knows no scene class: scenes are built by name from the registry it is given
(``open_scene("help")``), which :mod:`gridrl.gui.app` fills.
"""

from __future__ import annotations

import gc
import logging
import logging.handlers
import sys
import time
import traceback
import warnings
from pathlib import Path
from typing import Any, Callable

import platformdirs
import pygame
import pygame_gui

from gridrl.gui.commands import Command, translate_key
from gridrl.gui.layout import font_size_for, scale_for
from gridrl.gui.scene import Scene
from gridrl.gui.status import escape
from gridrl.gui.theme import theme

log = logging.getLogger("gridrl.gui")

DEFAULT_SIZE = (1280, 800)
MIN_SIZE = (960, 640)
FPS = 60
#: Room left on the desktop for a title bar and a task bar when the default window is fitted.
DESKTOP_MARGIN = (0, 60)


def default_size() -> tuple[int, int]:
    """:data:`DEFAULT_SIZE`, or the desktop less :data:`DESKTOP_MARGIN` where that is smaller
    (a 1024 x 768 projector), never below :data:`MIN_SIZE`. Without a real screen (SDL's
    dummy or offscreen driver) it is :data:`DEFAULT_SIZE`, so headless runs do not vary."""
    desktops = pygame.display.get_desktop_sizes() if pygame.display.get_driver() not in ("dummy", "offscreen") else []
    if not desktops:
        return DEFAULT_SIZE
    (w, h), (mw, mh) = desktops[0], DESKTOP_MARGIN
    return (max(MIN_SIZE[0], min(DEFAULT_SIZE[0], w - mw)), max(MIN_SIZE[1], min(DEFAULT_SIZE[1], h - mh)))


#: The presentation factor F5 switches to when ``--scale`` gave none.
PRESENTATION = 1.5


_log_path: Path | None = None


def setup_logging() -> Path | None:
    """Log to ``gui.log`` in the platform's user log folder (Linux: ``$XDG_STATE_HOME/gridrl``,
    by default ``~/.local/state/gridrl``), or stderr if it can't be written; returns the
    file's path (None: stderr)."""
    global _log_path
    if log.handlers:
        return _log_path
    path = platformdirs.user_log_path("gridrl", appauthor=False, opinion=False) / "gui.log"
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.handlers.RotatingFileHandler(path, maxBytes=1_000_000, backupCount=2)
    except OSError:
        handler, path = logging.StreamHandler(sys.stderr), None
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    _log_path = path
    return path


#: Builds a scene: ``factory(window, *args)``.
SceneFactory = Callable[..., Scene]


class Window:
    """The window, the widget manager, the scene stack and the frame loop.

    ``scenes``: name -> factory, the registry :meth:`open_scene` builds from. The window
    itself opens "help" (F1) and "message" (:meth:`show_message`)."""

    def __init__(self, size: tuple[int, int] | None, scenes: dict[str, SceneFactory]) -> None:
        self.log_path = setup_logging()
        # pygame_gui warns on stderr when a label's text is a few pixels wider than its box
        warnings.filterwarnings("ignore", message="Label Rect is too small", category=UserWarning)
        pygame.display.init()
        pygame.font.init()
        pygame.key.set_repeat(350, 45)
        self.screen = pygame.display.set_mode(size or default_size(), pygame.RESIZABLE)
        pygame.display.set_caption("gridrl — watch an agent learn")
        self.size = self.screen.get_size()
        #: The presentation factor every size is multiplied by (1: off; see :meth:`set_zoom`).
        self.zoom = 1.0
        #: The factor F5 switches to (``--scale`` sets it).
        self.presentation = PRESENTATION
        self.font_size = font_size_for(self.size)
        self.ui = self._make_ui()
        self.clock = pygame.time.Clock()
        self.scenes: list[Scene] = []
        #: pygame_gui element -> (command name, key); see :meth:`bind`.
        self.bindings: dict[Any, tuple[str, Any]] = {}
        self.running = True
        self.frames = 0
        self.frame_times: list[float] = []
        #: When this frame's work began (``time.perf_counter``): training's budget counts from it.
        self.frame_started = time.perf_counter()
        self.errors: list[str] = []
        self.factories = dict(scenes)

    def _make_ui(self) -> pygame_gui.UIManager:
        """The widget manager, themed from THEME, with the fonts tooltips use preloaded."""
        ui = pygame_gui.UIManager(self.size, theme(self.font_size), enable_live_theme_updates=False)
        ui.preload_fonts([{"name": "dejavu", "point_size": size, "style": style}
                          for size in (self.font_size, self.font_size - 1) for style in ("bold", "italic")])
        return ui

    # ------------------------------------------------------------------ scene stack

    @property
    def top(self) -> Scene:
        return self.scenes[-1]

    def push(self, scene: Scene) -> Scene:
        self.scenes.append(scene)
        if self._font_size() != self.font_size:  # presentation mode: the new scene needs another scale
            self._relayout(below=scene)
        self.guard(scene.enter)
        return scene

    def pop(self, scene: Scene | None = None) -> None:
        scene = scene or self.top
        if scene in self.scenes and len(self.scenes) > 1:
            self.scenes.remove(scene)
            self.guard(scene.exit)
            if self._font_size() != self.font_size:
                self._relayout()

    @property
    def room(self) -> tuple[int, int]:
        """The room at scale 1 (see :func:`gridrl.gui.layout.scale_for`) the topmost scene that
        lays itself out (has a ``layout``; an overlay has none) needs: its ``room``, or the
        minimum window. The training screen's presentation layouts need less than the editor's,
        so a projector shows it larger."""
        screen = next((sc for sc in reversed(self.scenes) if hasattr(sc, "layout")), None)
        return getattr(screen, "room", MIN_SIZE)

    def _font_size(self) -> int:
        return font_size_for(self.size, self.zoom, self.room)

    def open_scene(self, name: str, *args: Any) -> Any:
        """Build the scene registered as ``name`` with ``args`` and push it; returns it."""
        return self.push(self.factories[name](self, *args))

    def find(self, kind: str | type) -> Any:
        """The topmost scene registered as ``kind`` (a name) or of class ``kind``, or None."""
        for scene in reversed(self.scenes):
            if (scene.name == kind) if isinstance(kind, str) else isinstance(scene, kind):
                return scene
        return None

    def settle(self) -> None:
        """Everything built so far (modules, fonts, widgets) lives as long as the window:
        keep it out of the garbage collector's full passes, which otherwise scan it all and
        can stall a frame for tens of milliseconds."""
        gc.collect()
        gc.freeze()

    # ------------------------------------------------------------------ widgets

    def bind(self, element: Any, name: str, key: Any = None) -> Any:
        """Make pygame_gui events of ``element`` into ``Command(name, ...)``."""
        self.bindings[element] = (name, key)
        return element

    def unbind(self, elements: list[Any]) -> None:
        for element in elements:
            self.bindings.pop(element, None)

    def text_focused(self) -> bool:
        """True while the user types into a text field (keys are then text, not shortcuts)."""
        for element in self.ui.get_focus_set() or ():
            if isinstance(element, pygame_gui.elements.UITextEntryLine):
                return True
        return False

    # ------------------------------------------------------------------ events -> commands

    def translate(self, event: pygame.event.Event) -> Command | None:
        """The one place where pygame and pygame_gui events become the app's commands."""
        if event.type == pygame.QUIT:
            return Command("quit")
        if event.type == pygame.VIDEORESIZE:
            return Command("resize", (event.w, event.h))
        if event.type == pygame.WINDOWSIZECHANGED:
            return Command("resize", (event.x, event.y))
        if self.top.captures_input:
            consumed = False
        else:
            consumed = self.ui.process_events(event)
        ui_command = self._translate_ui(event)
        if ui_command is not None:
            return ui_command
        if event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE and self.close_dropdowns():
                return None  # Esc closed an open menu; it does nothing else
            if self.text_focused() and not self.top.captures_input:
                if event.key == pygame.K_ESCAPE:
                    self.ui.set_focus_set(None)
                return None
            command = translate_key(event)
            if command is None and self.top.captures_input:
                return Command("any_key")  # an overlay closes on any key
            return command
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 1 and not consumed:
            return Command("click", event.pos)
        if event.type == pygame.MOUSEBUTTONDOWN and event.button == 3 and not consumed:
            return Command("right_click", event.pos)
        if event.type == pygame.MOUSEMOTION and not consumed and any(getattr(event, "buttons", ())):
            buttons = event.buttons
            return Command("drag", (event.pos, bool(buttons[0]), len(buttons) > 2 and bool(buttons[2])))
        if event.type == pygame.MOUSEBUTTONUP and event.button in (1, 3):
            return Command("release", event.pos)
        if event.type == pygame.MOUSEWHEEL and not consumed:
            return Command("wheel", (event.y, pygame.mouse.get_pos()))
        return None

    def close_dropdowns(self) -> bool:
        """Close every open drop-down menu (pygame_gui's menus ignore Esc); True if one was."""
        closed = False
        for element in self.bindings:
            if isinstance(element, pygame_gui.elements.UIDropDownMenu) and element.alive():
                state = element.current_state
                if state is element.menu_states["expanded"] and not state.should_transition:
                    state.should_transition = True  # pygame_gui closes it in its next update
                    closed = True
        return closed

    def _translate_ui(self, event: pygame.event.Event) -> Command | None:
        element = getattr(event, "ui_element", None)
        if element is None or element not in self.bindings:
            if event.type == pygame_gui.UI_WINDOW_CLOSE and element is not None:
                return Command("window_closed", element)
            return None
        name, key = self.bindings[element]
        kinds = {
            pygame_gui.UI_BUTTON_PRESSED: lambda: None,
            # an option's id is its text, or the whole text of an elided option (chart pickers)
            pygame_gui.UI_DROP_DOWN_MENU_CHANGED: lambda: getattr(event, "selected_option_id", event.text),
            pygame_gui.UI_HORIZONTAL_SLIDER_MOVED: lambda: event.value,
            pygame_gui.UI_TEXT_ENTRY_CHANGED: lambda: ("changed", event.text),
            pygame_gui.UI_TEXT_ENTRY_FINISHED: lambda: ("finished", event.text),
            pygame_gui.UI_CHECK_BOX_CHECKED: lambda: True,
            pygame_gui.UI_CHECK_BOX_UNCHECKED: lambda: False,
            pygame_gui.UI_FILE_DIALOG_PATH_PICKED: lambda: event.text,
            pygame_gui.UI_WINDOW_CLOSE: lambda: "closed",
        }
        if event.type not in kinds:
            return None
        value = kinds[event.type]()
        return Command(name, value if key is None else (key, value))

    def pump(self) -> list[Command]:
        """Get pygame's events (once per frame) and translate them."""
        commands = []
        for event in pygame.event.get():
            command = self.guard(self.translate, event)
            if command is not None:
                commands.append(command)
        return commands

    def dispatch(self, command: Command) -> None:
        """Offer ``command`` to the scenes, top first; the app handles what none used."""
        if command.name == "quit":
            if all(self.guard(scene.can_quit, default=True) for scene in list(reversed(self.scenes))):
                self.running = False
            return
        if command.name == "resize":
            self.resize(command.arg)
            return
        for scene in list(reversed(self.scenes)):
            result = self.guard(scene.handle, command, default=None)
            if result is None:
                return
            command = result
        if command.name == "help":
            self.open_scene("help")
        elif command.name == "presentation":
            self.set_zoom(1.0 if self.zoom != 1.0 else self.presentation)
            self.announce_zoom()
        elif command.name == "screenshot":
            folder = platformdirs.user_pictures_path()  # ~/Pictures, or home if there is none
            folder = folder if folder.is_dir() else Path.home()
            self.save_screenshot(folder / f"gridrl-{time.strftime('%Y%m%d-%H%M%S')}.png")

    def resize(self, size: tuple[int, int]) -> None:
        w, h = max(MIN_SIZE[0], int(size[0])), max(MIN_SIZE[1], int(size[1]))
        if (w, h) == self.size:
            return
        if self.screen.get_size() != (w, h):
            self.screen = pygame.display.set_mode((w, h), pygame.RESIZABLE)
        self.size = (w, h)
        self._relayout()

    def set_zoom(self, zoom: float) -> None:
        """Presentation mode: every font, row, line and chart grows by ``zoom`` (1: off),
        as far as the window can hold (:func:`gridrl.gui.layout.scale_for`)."""
        if zoom != self.zoom:
            self.zoom = zoom
            self._relayout()

    def announce_zoom(self) -> None:
        """Say in the status line of the topmost scene that has one (the training scene, or the
        compare view or editor over it) how large everything is now (and what limits it)."""
        scene = next((sc for sc in reversed(self.scenes) if hasattr(sc, "status")), None)
        if scene is None:
            return
        if self.zoom == 1.0:
            scene.status("Presentation mode off (F5 turns it on).")
            return
        shown = scale_for(self.size, self.zoom, self.room) / scale_for(self.size)
        held = "" if shown >= self.zoom - 1e-6 else f" (asked {self.zoom:g}x: a bigger window shows more)"
        scene.status(f"Presentation mode: everything {shown:.2g}x larger{held}. F5 turns it off.")

    def _relayout(self, below: Scene | None = None) -> None:
        """The scenes (those ``below`` one about to enter) lay themselves out again for the
        window's size and zoom; new fonts mean a new widget manager, whose widgets the
        scenes then rebuild."""
        if self._font_size() != self.font_size:
            self.font_size = self._font_size()
            self.bindings.clear()
            self.ui = self._make_ui()
        else:
            self.ui.set_window_resolution(self.size)
        for scene in self.scenes[: self.scenes.index(below) if below is not None else None]:
            self.guard(scene.resize, self.size)

    # ------------------------------------------------------------------ errors

    def guard(self, fn: Callable[..., Any], *args: Any, default: Any = None) -> Any:
        """Call ``fn``; an unexpected error is logged and shown, and the app goes on."""
        try:
            return fn(*args)
        except Exception as exc:  # noqa: BLE001 - the point: nothing the user does crashes
            self.report(exc)
            return default

    def report(self, exc: BaseException, title: str = "Something went wrong") -> None:
        text = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        log.error("unexpected error: %s\n%s", text, "".join(traceback.format_exception(exc)))
        self.errors.append(text)
        where = f"<br><br>Details were logged to {self.log_path}." if self.log_path else ""
        self.show_message(title, f"{escape(text)}<br><br>The app keeps running.{where}")

    def show_message(self, title: str, html: str) -> Any:
        """A dialog with ``html`` text and an OK button (one per distinct message)."""
        for scene in self.scenes:
            if scene.name == "message" and getattr(scene, "html", None) == html:
                return scene
        return self.open_scene("message", title, html)

    # ------------------------------------------------------------------ frames

    def tick(self, dt: float | None = None) -> bool:
        """One frame; ``dt`` in seconds (by default the real time since the last frame).

        ``frame_times`` records the frame's own work, not the wait for the next 60 Hz tick
        (the training budget and the frame report read it)."""
        if dt is None:
            dt = self.clock.tick(FPS) / 1000.0
        start = self.frame_started = time.perf_counter()
        dt = min(dt, 0.25)
        for command in self.pump():
            self.dispatch(command)
            if not self.running:
                return False
        for scene in list(self.scenes):
            self.guard(scene.update, dt)
        self.guard(self.ui.update, dt)
        self.draw()
        pygame.display.flip()
        self.frames += 1
        self.frame_times.append(time.perf_counter() - start)
        if len(self.frame_times) > 600:
            del self.frame_times[:300]
        return self.running

    def draw(self) -> None:
        self.screen.fill((0, 0, 0))
        for scene in self.scenes:
            if not scene.draws_over_ui:
                self.guard(scene.draw, self.screen)
        self.guard(self.ui.draw_ui, self.screen)
        for scene in self.scenes:
            if scene.draws_over_ui:
                self.guard(scene.draw, self.screen)

    def run_frames(self, n: int, dt: float = 1 / FPS) -> None:
        """``n`` frames with a fixed ``dt`` (tests and screenshots drive the app this way)."""
        for _ in range(n):
            if not self.tick(dt):
                break

    def run(self) -> int:
        while self.running:
            self.tick()
        self.close()
        return 0

    def close(self) -> None:
        for scene in reversed(self.scenes):
            self.guard(scene.exit)
        pygame.display.quit()
        gc.unfreeze()

    def save_screenshot(self, path: str | Path) -> Path:
        path = Path(path)
        pygame.image.save(self.screen, str(path))
        log.info("screenshot saved to %s", path)
        scene = self.scenes[0]
        if hasattr(scene, "status"):
            scene.status(f"screenshot saved to {path}")
        return path

    @property
    def fps(self) -> float:
        """Frames per second the last frames could run at (their own work only)."""
        recent = self.frame_times[-120:]
        return len(recent) / sum(recent) if recent else 0.0
