"""Drawing a level and an agent's insight onto a pygame Surface (docs/ARCHITECTURE.md, the ``render`` layer).

* :mod:`gridrl.render.colors`: the theme and the colour maps (diverging for values,
  sequential for visit counts).
* :mod:`gridrl.render.board`: :class:`BoardRenderer` draws a :class:`BoardView` (plain arrays:
  V, Q, pi, visits, the agent, trail, highlights) into a rect; also the colour legend.
* :mod:`gridrl.render.charts`: learning curves and a bandit's arms.
* :mod:`gridrl.render.offscreen`: the app's picture without a window, PNG and GIF files.
* :mod:`gridrl.render.trail`: :class:`Trail`, the cells the agent walked this episode (a jump,
  such as a teleport, restarts it); no pygame.

Render imports levels and numpy/pygame only: no agents, no torch. Only ``pygame.font`` is
initialised here (on first use); a window is the GUI's business.
"""

from __future__ import annotations

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # no banner on stdout from the CLI

from gridrl.render.board import OVERLAYS, BoardLayout, BoardRenderer, BoardView, draw_legend  # noqa: E402
from gridrl.render.charts import draw_bandit_bars, draw_line_chart  # noqa: E402
from gridrl.render.colors import DIVERGING, THEME, diverging, sequential  # noqa: E402
from gridrl.render.offscreen import record_gif, render_board_image, save_png  # noqa: E402

__all__ = [
    "DIVERGING",
    "OVERLAYS",
    "THEME",
    "BoardLayout",
    "BoardRenderer",
    "BoardView",
    "diverging",
    "draw_bandit_bars",
    "draw_legend",
    "draw_line_chart",
    "record_gif",
    "render_board_image",
    "save_png",
    "sequential",
]
