"""The desktop app: a loop of scenes drawn with pygame-ce and pygame_gui (docs/ARCHITECTURE.md).

``python main.py [LEVEL]`` or :func:`run` starts it. Importing this package imports neither
pygame nor torch; :mod:`gridrl.gui.app` imports pygame, and torch is imported only when a
deep agent is chosen.
"""

from __future__ import annotations

import os

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")  # no banner on stdout


def run(level: str | None = None, **kwargs):  # noqa: ANN201 - the app's exit code
    """Open the window on ``level`` (a bundled name or a path; default Cliff Walking)."""
    from gridrl.gui.app import run as _run

    return _run(level, **kwargs)


__all__ = ["run"]
