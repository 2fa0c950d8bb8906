"""The classroom: docs/notebooks/quickstart.ipynb runs top to bottom on a fresh kernel and shows
its pictures inline; a lesson's result displays its figure in a notebook too."""

from __future__ import annotations

import base64
import os
import re
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

NOTEBOOK = Path(__file__).resolve().parents[1] / "docs" / "notebooks" / "quickstart.ipynb"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def kernel_name(tmp_path, monkeypatch) -> str:
    """A kernel that runs this interpreter (the venv with gridrl installed): ``python3`` when
    jupyter_client resolves it so, else a kernelspec written for ``sys.executable``."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        command = KernelSpecManager().get_kernel_spec("python3").argv[0]
    except NoSuchKernel:
        command = ""
    # jupyter_client itself replaces a bare python, pythonX or pythonX.Y by sys.executable
    bare = {"python", f"python{sys.version_info[0]}", "python{}.{}".format(*sys.version_info[:2])}
    if command in bare or (command and os.path.abspath(command) == os.path.abspath(sys.executable)):
        return "python3"
    from ipykernel.kernelspec import install

    install(kernel_name="gridrl-test", prefix=str(tmp_path))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    return "gridrl-test"


def outputs_of(nb, first_line: str) -> list:
    """The outputs of the code cell whose first line is ``first_line``."""
    cells = [c for c in nb.cells if c.cell_type == "code" and c.source.splitlines()[0] == first_line]
    assert len(cells) == 1, f"one code cell should start with the line {first_line!r}"
    return cells[0].outputs


def test_quickstart_notebook_is_stored_clean() -> None:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert nb.nbformat == 4 and nb.metadata.kernelspec.name == "python3"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(c.outputs == [] and c.execution_count is None for c in code)


def test_quickstart_notebook_runs_and_shows_its_pictures(kernel_name, monkeypatch) -> None:
    from nbclient import NotebookClient

    for name, value in (("SDL_VIDEODRIVER", "dummy"), ("SDL_AUDIODRIVER", "dummy"), ("MPLBACKEND", "Agg")):
        monkeypatch.setenv(name, value)  # inherited by the kernel: no window, no sound
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, kernel_name=kernel_name, timeout=120,
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})  # fmt: skip
    client.execute()  # raises CellExecutionError on the first failing cell
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]

    for board in ("q_learning", 'sarsa = runs["sarsa"][0]'):
        (shown,) = [o for o in outputs_of(nb, board) if o.output_type == "execute_result"]
        assert base64.b64decode(shown.data["image/png"]).startswith(PNG_SIGNATURE)
    for plot in ("def smooth(values, window=20):", "SEEDS = range(5)"):
        assert any("image/png" in o.get("data", {}) for o in outputs_of(nb, plot)), plot
    printed = "".join(o.text for o in outputs_of(nb, "SEEDS = range(5)") if o.output_type == "stream")
    returns = dict(re.findall(r"(\S+): mean return of the last 100 episodes (-?[\d.]+)", printed))
    assert float(returns["sarsa"]) > float(returns["q-learning"])  # Figure 6.4's point
    animate = outputs_of(nb, "q_learning.animate(60, fps=6)")
    (animation,) = [o for o in animate if o.output_type == "execute_result"]
    html = animation.data["text/html"]
    assert "data:image/gif;base64," in html
    assert base64.b64decode(html.split("base64,")[1].split('"')[0]).startswith(b"GIF89a")


def test_a_lesson_result_shows_its_figure_and_verdict() -> None:
    from gridrl.lessons import parse_lesson
    from gridrl.lessons.runner import run_lesson

    lesson = parse_lesson(textwrap.dedent("""\
        title: Corridor returns
        figure: none, a test
        explanation: Q-learning on the corridor.
        steps:
          - level: corridor
          - run:
              agents:
                - {label: Q-learning, agent: q-learning}
              episodes: 20
              seeds: 2
          - plot: {metric: episode_returns, title: Return per episode, xlabel: Episodes, ylabel: Return}
          - check:
              claim: every episode ends at the goal
              metric: episode_returns
              last: 5
              published: {Q-learning: 1}
              tolerance: {Q-learning: 0.01}
        """))  # fmt: skip
    result = run_lesson(lesson, None, workers=1, progress=False)
    html = result._repr_html_()
    assert "<h3>Corridor returns</h3>" in html and "all 1 checks pass" in html
    (png,) = re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    assert base64.b64decode(png).startswith(PNG_SIGNATURE)
    assert "Return per episode" in html  # the figure's caption
    assert len(repr(result)) < 200 and "Q-learning" in repr(result)
