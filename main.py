"""Start gridrl's desktop app: ``python main.py [LEVEL] [--agent NAME] [--set K=V] ...``.

The same as ``gridrl app`` (``python main.py --help`` lists the options): LEVEL is a bundled
level's name or a YAML path; ``--frames N`` runs N frames and exits (``--headless`` needs no
display), ``--screenshot FILE`` saves the last frame. ``--levels`` lists the bundled levels.
"""

from __future__ import annotations

import sys

from gridrl.cli import main as gridrl


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if "--levels" in args:
        return gridrl(["levels"])
    return gridrl(["app", *args])


if __name__ == "__main__":
    sys.exit(main())
