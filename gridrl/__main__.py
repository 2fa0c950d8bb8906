"""``python -m gridrl ...`` is ``gridrl ...``."""

import sys

from gridrl.cli import main

sys.exit(main())
