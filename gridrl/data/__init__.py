"""The bundled data: levels, lessons and fonts, shipped inside the package.

In the repository they live at the top level (``levels/``, ``lessons/``, ``assets/``); the
entries of this folder are symlinks to them, so a checkout, an editable install, a wheel
(which carries the files themselves) and a zip import all read one tree, and code finds it
only through :mod:`importlib.resources`.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from importlib.abc import Traversable
from importlib.resources import files
from pathlib import Path

#: The folders shipped here.
KINDS = ("levels", "lessons", "assets")


@functools.cache
def bundled_dir(kind: str) -> Path:
    """The bundled ``kind`` folder as a real folder on disk.

    Installed from a wheel or run from a checkout it is the package's own folder. Imported
    from a zip it is extracted once, to a temporary folder removed at exit, because levels,
    lessons and fonts are opened by path (error messages name the file, fonts load by path).
    """
    if kind not in KINDS:
        raise ValueError(f"no bundled data '{kind}'; there are {', '.join(KINDS)}")
    resource = files(__name__) / kind
    if isinstance(resource, Path):
        return resource
    target = Path(tempfile.mkdtemp(prefix=f"gridrl-{kind}-"))
    atexit.register(shutil.rmtree, target, ignore_errors=True)
    _extract(resource, target)
    return target


def _extract(folder: Traversable, target: Path) -> None:
    for entry in folder.iterdir():
        if entry.is_dir():
            (target / entry.name).mkdir()
            _extract(entry, target / entry.name)
        else:
            (target / entry.name).write_bytes(entry.read_bytes())
