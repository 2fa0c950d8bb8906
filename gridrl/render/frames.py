"""Frames of a running gymnasium env: the app's picture of its level as an RGB array or in a window.

An env's ``render()`` (``render_mode="rgb_array"`` or ``"human"``) imports this module on its
first frame and hands it plain values (the level, the agent's cell, the episode so far);
nothing here imports :mod:`gridrl.envs`, so the layering levels -> envs -> ... -> render holds.
The picture is :func:`render_board_image`'s, the one ``gridrl render`` and the app draw.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pygame

from gridrl.levels import BanditLevel, GridLevel
from gridrl.render.offscreen import render_board_image
from gridrl.render.text import nice_number

#: Board cells of an env frame are at most this many pixels, the board at most this big
#: (unless its cells would be under 4 pixels): frames of at most 640 x 528, small enough to
#: record and big enough to read.
MAX_CELL = 64
MAX_BOARD = (608, 432)
#: The frame of a bandit level (its arms).
BANDIT_SIZE = (640, 480)
#: Board only: the value and policy overlays need an agent's insight, which an env has not.
NO_OVERLAYS: frozenset[str] = frozenset()


def _multiple_of_16(n: float) -> int:
    """``n`` rounded up to a multiple of 16: video encoders' macroblock size (ffmpeg would
    otherwise rescale the frames, with a warning)."""
    return 16 * math.ceil(n / 16)


def frame_size(level: GridLevel | BanditLevel) -> tuple[int, int]:
    """(width, height) of the frames of ``level``: for a gridworld, its cells as big as fit
    :data:`MAX_BOARD` (at most :data:`MAX_CELL`) plus room for the title and the caption;
    both multiples of 16."""
    if isinstance(level, BanditLevel):
        return BANDIT_SIZE
    rows, cols = level.shape
    cell = max(4, min(MAX_CELL, MAX_BOARD[0] // cols, MAX_BOARD[1] // rows))
    return _multiple_of_16(max(cols * cell + 32, 320)), _multiple_of_16(rows * cell + 96)


def to_array(surface: pygame.Surface) -> np.ndarray:
    """The pixels of ``surface`` as a new, writable ``(height, width, 3)`` uint8 array."""
    w, h = surface.get_size()
    return np.frombuffer(pygame.image.tobytes(surface, "RGB"), dtype=np.uint8).reshape(h, w, 3).copy()


def gridworld_frame(level: GridLevel, state: int | None, trail: Sequence[int], t: int,
                    reward: float | None, episode_return: float) -> pygame.Surface:  # fmt: skip
    """The board of ``level`` with the agent on ``state`` (none before the first reset), the
    ``trail`` of cells it walked (oldest first; a jump must start a new trail, since the board
    joins consecutive cells), and a caption with the step, the last reward and the return."""
    caption = f"step {t}"
    if reward is not None:
        caption += f"   reward {nice_number(reward)}   return {nice_number(episode_return)}"
    return render_board_image(level, size=frame_size(level), overlays=NO_OVERLAYS, agent_state=state,
                              caption=caption, trail=trail)  # fmt: skip


@dataclass
class _ArmStats:
    """What :func:`render_board_image` reads of an insight, for a bandit: the sample-average
    reward of each arm as its estimate Q(a), the share of pulls as pi(a), and the extras."""

    Q: np.ndarray
    pi: np.ndarray
    extras: dict[str, Any]


def bandit_frame(level: BanditLevel, true_means: np.ndarray | None, pulls: np.ndarray, reward_sums: np.ndarray,
                 caption: str) -> pygame.Surface:  # fmt: skip
    """The arms of ``level``: per arm the average reward paid so far (NaN, no bar, before its
    first pull), the true mean q*(a), the share of pulls and their count; and ``caption``."""
    pulls = np.asarray(pulls, dtype=float)
    t = int(pulls.sum())
    with np.errstate(invalid="ignore", divide="ignore"):
        average = np.where(pulls > 0, np.asarray(reward_sums, dtype=float) / pulls, np.nan)
    share = pulls / t if t else np.full(pulls.size, np.nan)
    stats = _ArmStats(average, share, {"true_means": true_means, "pulls": pulls})
    return render_board_image(level, stats, size=BANDIT_SIZE, caption=caption)


class Screen:
    """Where an env's frames go: returned as arrays (``"rgb_array"``) or shown in a pygame window
    (``"human"``) that opens on the first frame and is kept responsive by pumping its events.

    A *paced* frame (the envs' reset and step) shows no sooner than 1/``fps`` s after the
    previous paced one, so that each step stays in view that long; other frames (a ``render()``
    call in between) show at once. :meth:`close` closes the window (and may be called twice).
    """

    def __init__(self, mode: str, title: str, fps: float) -> None:
        self.mode = mode
        self.title = title
        self.fps = fps
        self.window: pygame.Surface | None = None
        self.clock: pygame.time.Clock | None = None

    def output(self, frame: pygame.Surface, paced: bool = False) -> np.ndarray | None:
        """``frame`` as an array (``"rgb_array"``), or shown in the window (``"human"``: None)."""
        if self.mode == "rgb_array":
            return to_array(frame)
        if self.window is None or self.window.get_size() != frame.get_size():
            self.window = pygame.display.set_mode(frame.get_size())
            pygame.display.set_caption(self.title)
            self.clock = pygame.time.Clock()  # times the first frame's stay from now
        elif paced:
            self.clock.tick(self.fps)
        self.window.blit(frame, (0, 0))
        pygame.event.pump()
        pygame.display.flip()
        return None

    def close(self) -> None:
        if self.window is not None:
            pygame.display.quit()
            self.window = self.clock = None
