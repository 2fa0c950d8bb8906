"""The training screen's top bar: the level and agent pickers, the status line's place,
Edit level and Help (built by :class:`~gridrl.gui.panels.Panels`, whose attributes it sets)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from gridrl.gui.layout import Layout, button_width, fit_widths
from gridrl.gui.widgets import PopupDropDown
from gridrl.render import text as rtext

if TYPE_CHECKING:
    from gridrl.gui.panels import Panels


def top_bar(p: Panels, lay: Layout) -> None:
    """Left to right: title, level, Open file, agent, the status line, then Edit / New /
    Help at the right. Buttons are as wide as their text; the dropdowns as wide as their
    longest choice, shrinking with the status line when the window is narrow. Below
    ``TWO_ROW_W`` the status line gets its own row under the widgets. Presentation mode
    leaves out the title, Open file and New level (Ctrl+O and Ctrl+N still work)."""
    s, fs, gap = p.scene, lay.font_size, p.s(6)
    full = not lay.presentation
    y, h = lay.bar.y + (lay.bar.h - p.R) // 2, p.R
    title_w = rtext.font(fs + 4, bold=True).size("gridrl")[0] + p.s(8) if full else -gap
    level_w, agent_w = (rtext.font(fs - 1, bold=True).size(t)[0] + p.s(8) for t in ("Level", "Agent"))
    open_w = button_width("Open file…", fs) if full else -2 * gap
    right = [("Edit level", "The level editor on this level: paint tiles, set rewards and dynamics, save (Ctrl+E).",
              "edit_mode"), ("New level", "A new empty 5 x 5 gridworld in the level editor (Ctrl+N).", "new_level"),
             ("?  Help", "Every keyboard shortcut (F1 or ?).", "help")][:: 1 if full else 2]  # fmt: skip
    right_w = [button_width(text, fs) for text, _, _ in right]
    x0, x1 = p.P + 4, lay.size[0] - p.P
    level_opts, agent_opts = s.levels.level_options(), s.agent_options()
    wants = [min(p.s(240), dropdown_width(level_opts, fs)),
             min(p.s(210), dropdown_width(agent_opts, fs)),
             0 if lay.second_row else p.s(360)]  # fmt: skip
    mins = [min(wants[0], dropdown_width([s.levels.level_label()], fs)),
            min(wants[1], dropdown_width([s.agent_label()], fs)), 0]  # fmt: skip
    fixed = title_w + level_w + open_w + agent_w + sum(right_w) + gap * (7 + len(right))
    level_dd, agent_dd, _ = fit_widths(wants, mins, x1 - x0 - fixed)
    status_w = x1 - x0 - fixed - level_dd - agent_dd  # all that is left
    x = x0
    if full:
        p.label(pygame.Rect(x, y, title_w, h), "gridrl", "@title")
    x += title_w + gap
    p.label(pygame.Rect(x, y, level_w, h), "Level", "@section")
    x += level_w
    p.level_dropdown = p._add(
        PopupDropDown(level_opts, s.levels.level_label(), pygame.Rect(x, y, level_dd, h), p.ui,
                       expansion_height_limit=min(420, lay.size[1] - 80)),
        "pick_level",
    )  # fmt: skip
    p.level_dropdown.set_tooltip("The level: a bundled one, or a file you opened. Switching levels starts a new agent.")
    x += level_dd + gap
    if full:
        p.open_button = p.button(
            pygame.Rect(x, y, open_w, h), "Open file…",
            "Open a level from a YAML file (Ctrl+O). A broken file is explained and the current level stays.",
            "open_file",
        )  # fmt: skip
    x += open_w + 2 * gap
    p.label(pygame.Rect(x, y, agent_w, h), "Agent", "@section")
    x += agent_w
    p.agent_dropdown = p._add(
        PopupDropDown(agent_opts, s.agent_label(), pygame.Rect(x, y, agent_dd, h), p.ui,
                       expansion_height_limit=min(460, lay.size[1] - 80)),
        "pick_agent",
    )  # fmt: skip
    p.agent_dropdown.set_tooltip("The learning agent: only those that run on this kind of level are listed.")
    x += agent_dd + 2 * gap
    if lay.second_row:
        p.status_rect = lay.second_row.inflate(-2 * x0, 0)
    else:
        p.status_rect = pygame.Rect(x, lay.bar.y, status_w, lay.bar.h)
    x = x1 - sum(right_w) - gap * (len(right) - 1)
    buttons = []
    for (text, tip, command), w in zip(right, right_w, strict=True):
        buttons.append(p.button(pygame.Rect(x, y, w, h), text, tip, command))
        x += w + gap
    p.edit_level_button, p.help_button = buttons[0], buttons[-1]


def dropdown_width(options: list[str], font_size: int) -> int:
    """Wide enough for the longest of ``options`` beside the dropdown's arrow button."""
    return max(rtext.font(font_size).size(o)[0] for o in options) + round(font_size * 3.2)
