"""Start gridrl. Until the desktop app lands this lists the bundled levels (headless)."""

import sys

from gridrl.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["levels"]))
