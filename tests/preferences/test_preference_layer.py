"""The preferences layer sits between envs and agents: it never loads torch, pygame or agents."""

from __future__ import annotations

import subprocess
import sys


def test_import_loads_no_torch_pygame_or_agents() -> None:
    code = (
        "import sys, gridrl.preferences\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'pygame', 'pygame_gui')"
        " or m.startswith('gridrl.agents') or m.startswith('gridrl.render')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
