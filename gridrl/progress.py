"""Progress bars for long headless work: tqdm on a terminal or in a notebook, nothing otherwise."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

QUIET_HELP = "draw no progress bar (one is drawn only when stderr is a terminal)"


class Progress:
    """A bar's callbacks: ``progress(done)`` after each unit (units finished so far), and
    :meth:`within` while one runs long (an episode of millions of steps on a big level), so
    that no unit runs for minutes without a sign of life."""

    #: Seconds between two redraws of the steps inside a unit.
    REDRAW = 0.5

    def __init__(self, bar: Any, unit: str) -> None:
        self.bar, self.unit = bar, unit
        self._drawn = 0.0

    def __call__(self, done: int) -> None:
        if not self.bar.disable and self.bar.postfix:  # the last unit's steps: done with
            self.bar.set_postfix_str("", refresh=False)
        self.bar.update(done - self.bar.n)

    def within(self, count: int, what: str) -> None:
        """``count`` ``what`` (e.g. 40960 steps) done so far inside the unit running now: the
        bar's postfix, redrawn at most every REDRAW seconds. An agent's ``on_progress``."""
        now = time.monotonic()
        if self.bar.disable or now - self._drawn < self.REDRAW:
            return
        self._drawn = now
        self.bar.set_postfix_str(f"{count:,} {what} into this {self.unit}")


@contextmanager
def progress_bar(total: int, unit: str, quiet: bool = False) -> Iterator[Progress]:
    """A bar of ``total`` ``unit``\\ s, as a :class:`Progress`.

    Drawn on stderr only when it is a terminal (tqdm's ``disable=None``) or in a notebook;
    ``quiet`` turns it off. Closed, and its line cleared, on leaving, exception or Ctrl-C included.
    """
    from tqdm.auto import tqdm  # imported by the commands that train, not by ``gridrl --help``

    with tqdm(total=total, unit=unit, disable=True if quiet else None, dynamic_ncols=True, leave=False) as bar:
        yield Progress(bar, unit)
