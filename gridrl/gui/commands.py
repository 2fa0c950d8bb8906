"""The app's own commands and the keyboard shortcuts that produce them.

Events from pygame (keys, clicks) and from pygame_gui (button presses, slider moves) are
translated in one place (:meth:`gridrl.gui.app.App.translate`) into :class:`Command` values;
scenes only ever see commands. :data:`SHORTCUTS` is the single list the key translation and
the help overlay are both built from, so the help can never forget a key.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pygame


@dataclass(frozen=True)
class Command:
    name: str
    arg: Any = None


@dataclass(frozen=True)
class Shortcut:
    group: str
    keys: str  # as shown in the help
    help: str
    name: str  # the command's name; "" for mouse-only lines
    arg: Any = None


_CTRL = "ctrl"
_ARROWS = {pygame.K_UP: 0, pygame.K_RIGHT: 1, pygame.K_DOWN: 2, pygame.K_LEFT: 3}

SHORTCUTS: tuple[Shortcut, ...] = (
    Shortcut("Training", "Space", "play / pause", "toggle_play"),
    Shortcut("Training", "S", "advance one unit (the Step unit), paused", "step"),
    Shortcut("Training", "U", "Step unit: step → episode → update", "cycle_unit"),
    Shortcut("Training", "+  /  −", "faster / slower", "speed_delta"),
    Shortcut("Training", "R", "reset: a fresh agent (same level, settings, seed)", "reset"),
    Shortcut("Board", "V", "values V(s) as colours", "overlay", "values"),
    Shortcut("Board", "N", "numbers: V(s) written in each cell", "overlay", "numbers"),
    Shortcut("Board", "Q", "Q(s,a): one triangle per action", "overlay", "q"),
    Shortcut("Board", "P", "policy: arrows sized by π(a|s)", "overlay", "policy"),
    Shortcut("Board", "C", "visit counts", "overlay", "visits"),
    Shortcut("Board", "K", "keep the colour scale fixed / let it follow the values", "lock_scale"),
    Shortcut("Board", "click", "select a cell: the inspector explains it", ""),
    Shortcut("Board", "arrows", "move the selection", "arrow"),
    Shortcut("Board", "Esc", "clear the selection / close this help", "escape"),
    Shortcut("Charts", "G", "logarithmic y axes on / off", "toggle_log_y"),
    Shortcut("Charts", "wheel  /  drag", "zoom / pan a chart's x axis (over the chart)", ""),
    Shortcut("Charts", "Z  or  double-click", "show the whole curves again", "reset_zoom"),
    Shortcut("Dynamic programming", "B", "one Bellman backup of the selected cell", "dp_backup"),
    Shortcut("Dynamic programming", "D", "one full sweep over all cells", "dp_sweep"),
    Shortcut("Dynamic programming", "I", "one policy-improvement step (policy iteration)", "dp_improve"),
    Shortcut("Edit while it learns", "W", "wall on / off at the selected cell", "toggle_wall"),
    Shortcut("Edit while it learns", "E", "type a new reward for the selected cell", "edit_reward"),
    Shortcut("Play yourself", "M", "play yourself on / off (training pauses)", "manual"),
    Shortcut("Play yourself", "arrows", "move (in play-yourself mode)", "arrow"),
    Shortcut("Play yourself", "R", "start a new episode (in play-yourself mode)", "reset"),
    Shortcut("Timeline", "[  /  ]", "an earlier / later snapshot (training goes on)", "timeline_step"),
    Shortcut("Timeline", "Home", "the first snapshot", "timeline_first"),
    Shortcut("Timeline", "End  or  L", "back to live", "timeline_live"),
    Shortcut("Level editor", "Ctrl+E", "edit this level (the level editor)", "edit_mode"),
    Shortcut("Level editor", "Ctrl+N", "a new gridworld level (rows x cols)", "new_level"),
    Shortcut("Level editor", "click / drag", "paint the chosen tile (right button: floor)", ""),
    Shortcut("Level editor", "Ctrl+Z", "undo an edit (many levels deep)", "undo"),
    Shortcut("Level editor", "Ctrl+Y", "redo", "redo"),
    Shortcut("Level editor", "[  /  ]", "paint the layout before / after a change", "timeline_step"),
    Shortcut("Level editor", "Ctrl+S", "save the level (a copy, for a bundled one)", "save_level"),
    Shortcut("Level editor", "Ctrl+T", "train on the edited level", "train_level"),
    Shortcut("Level editor", "Esc", "back to training (asks about unsaved edits)", "escape"),
    Shortcut("App", "Ctrl+O", "open a level file", "open_file"),
    Shortcut("App", "F1  or  ?", "this help", "help"),
    Shortcut("App", "F5", "presentation mode: everything larger for a projector (gridrl app --scale)", "presentation"),
    Shortcut("App", "F6", "compare two agents side by side, in lockstep (Esc: back)", "compare"),
    Shortcut("App", "Ctrl+L", "label preferences: pick the better of two episodes", "label"),
    Shortcut("App", "1 / 2  T  S", "labelling: left / right better (or ← / →), tie, skip", "prefer"),
    Shortcut("App", "R  /  M", "labelling: what your labels teach / tabular or MLP", ""),
    Shortcut("App", "F12", "save a screenshot (PNG) to your Pictures folder", "screenshot"),
    Shortcut("App", "Ctrl+Q", "quit", "quit"),
)

#: (key, needs ctrl) -> command
KEYMAP: dict[tuple[int, bool], Command] = {
    (pygame.K_SPACE, False): Command("toggle_play"),
    (pygame.K_s, False): Command("step"),
    (pygame.K_u, False): Command("cycle_unit"),
    (pygame.K_PLUS, False): Command("speed_delta", 1),
    (pygame.K_EQUALS, False): Command("speed_delta", 1),
    (pygame.K_KP_PLUS, False): Command("speed_delta", 1),
    (pygame.K_MINUS, False): Command("speed_delta", -1),
    (pygame.K_KP_MINUS, False): Command("speed_delta", -1),
    (pygame.K_r, False): Command("reset"),
    (pygame.K_v, False): Command("overlay", "values"),
    (pygame.K_n, False): Command("overlay", "numbers"),
    (pygame.K_q, False): Command("overlay", "q"),
    (pygame.K_p, False): Command("overlay", "policy"),
    (pygame.K_c, False): Command("overlay", "visits"),
    (pygame.K_k, False): Command("lock_scale"),
    (pygame.K_ESCAPE, False): Command("escape"),
    (pygame.K_b, False): Command("dp_backup"),
    (pygame.K_d, False): Command("dp_sweep"),
    (pygame.K_i, False): Command("dp_improve"),
    (pygame.K_w, False): Command("toggle_wall"),
    (pygame.K_e, False): Command("edit_reward"),
    (pygame.K_m, False): Command("manual"),
    (pygame.K_LEFTBRACKET, False): Command("timeline_step", -1),
    (pygame.K_RIGHTBRACKET, False): Command("timeline_step", 1),
    (pygame.K_HOME, False): Command("timeline_first"),
    (pygame.K_END, False): Command("timeline_live"),
    (pygame.K_l, False): Command("timeline_live"),
    (pygame.K_o, True): Command("open_file"),
    (pygame.K_e, True): Command("edit_mode"),
    (pygame.K_n, True): Command("new_level"),
    (pygame.K_z, True): Command("undo"),
    (pygame.K_y, True): Command("redo"),
    (pygame.K_s, True): Command("save_level"),
    (pygame.K_t, True): Command("train_level"),
    (pygame.K_g, False): Command("toggle_log_y"),
    (pygame.K_z, False): Command("reset_zoom"),
    (pygame.K_F1, False): Command("help"),
    (pygame.K_F5, False): Command("presentation"),
    (pygame.K_F6, False): Command("compare"),
    (pygame.K_l, True): Command("label"),
    (pygame.K_1, False): Command("prefer", "left"),
    (pygame.K_2, False): Command("prefer", "right"),
    (pygame.K_t, False): Command("prefer", "tie"),
    (pygame.K_F12, False): Command("screenshot"),
    (pygame.K_q, True): Command("quit"),
}


def translate_key(event: pygame.event.Event) -> Command | None:
    """The command of a KEYDOWN event, or None."""
    ctrl = bool(event.mod & (pygame.KMOD_CTRL | pygame.KMOD_META))
    if event.key in _ARROWS and not ctrl:
        return Command("arrow", _ARROWS[event.key])
    if getattr(event, "unicode", "") == "?":
        return Command("help")
    if getattr(event, "unicode", "") == "+":
        return Command("speed_delta", 1)
    return KEYMAP.get((event.key, ctrl))
