"""A small progress bar for long headless work: redrawn in place on a terminal, silent otherwise."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    """``[#########.........]  45%  450/1000 episodes  0:03 left``, on stderr when it is a TTY."""

    def __init__(self, total: int, label: str, stream: TextIO | None = None, width: int = 30) -> None:
        self.total = max(total, 1)
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = self.stream.isatty()
        self.width = width
        self.start = time.perf_counter()
        self._last_draw = 0.0

    def __call__(self, done: int) -> None:
        """Report ``done`` units finished; redraws at most 10 times a second."""
        if not self.enabled:
            return
        now = time.perf_counter()
        if done < self.total and now - self._last_draw < 0.1:
            return
        self._last_draw = now
        fraction = min(done / self.total, 1.0)
        filled = int(self.width * fraction)
        elapsed = now - self.start
        left = elapsed / fraction - elapsed if fraction > 0 else 0.0
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(
            f"\r[{bar}] {fraction:4.0%}  {done}/{self.total} {self.label}  {_clock(left)} left "
        )
        if done >= self.total:
            self.stream.write(f"\r{' ' * (self.width + 60)}\r")
        self.stream.flush()


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds + 0.5), 60)
    return f"{minutes}:{secs:02d}"
