"""Progress bars for long headless work: tqdm on a terminal or in a notebook, nothing otherwise."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

QUIET_HELP = "draw no progress bar (one is drawn only when stderr is a terminal)"


@contextmanager
def progress_bar(total: int, unit: str, quiet: bool = False) -> Iterator[Callable[[int], None]]:
    """A bar of ``total`` ``unit``\\ s, as the callback ``progress(done)`` (units finished so far).

    Drawn on stderr only when it is a terminal (tqdm's ``disable=None``) or in a notebook;
    ``quiet`` turns it off. Closed, and its line cleared, on leaving, exception or Ctrl-C included.
    """
    from tqdm.auto import tqdm  # imported by the commands that train, not by ``gridrl --help``

    with tqdm(total=total, unit=unit, disable=True if quiet else None, dynamic_ncols=True, leave=False) as bar:
        yield lambda done: bar.update(done - bar.n)
