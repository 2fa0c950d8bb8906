"""gridrl as an installed package: the wheel carries the levels, lessons and fonts, and runs
from anywhere with the source tree off ``sys.path`` (from a folder of files and from a zip).

The wheel is built once from a copy of the sources (so the checkout gets no ``build/``),
installed with ``pip install --target`` into a temporary folder, and every command runs in
another temporary folder. Subprocesses start with ``-S`` (no site hooks: this venv's editable
install of gridrl is a site hook) and find the dependencies through PYTHONPATH, after the
installed wheel.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from gridrl import __version__
from gridrl.levels import bundled_level_names
from gridrl.lessons import lesson_names

REPO = Path(__file__).resolve().parents[1]
SITE_PACKAGES = sysconfig.get_paths()["purelib"]
SOURCES = ("pyproject.toml", "README.md", "gridrl", "levels", "lessons", "assets")


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built wheel installed into a folder of its own; returns that folder."""
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    src.mkdir()
    for name in SOURCES:
        source = REPO / name
        if source.is_dir():  # symlinks=True keeps gridrl/data's links, as git checks them out
            shutil.copytree(source, src / name, symlinks=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(source, src / name)
    wheels = root / "dist"
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", str(src), "--no-deps", "--no-build-isolation", "-w", str(wheels)],
                   check=True, cwd=root)
    (wheel,) = wheels.glob("gridrl-*.whl")
    assert wheel.name.startswith(f"gridrl-{__version__}-")
    target = root / "site"
    subprocess.run([*pip, "install", "--no-deps", "--target", str(target), str(wheel)], check=True, cwd=root)
    return target


def run(args: list[str], pythonpath: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -S ARGS`` with gridrl from ``pythonpath`` and the rest from this venv."""
    env = {**os.environ, "PYTHONPATH": f"{pythonpath}{os.pathsep}{SITE_PACKAGES}",
           "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    proc = subprocess.run([sys.executable, "-S", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc


@pytest.fixture()
def elsewhere(tmp_path: Path) -> Path:
    """A working folder with no gridrl sources in it."""
    return tmp_path


def test_the_wheel_carries_every_bundled_file(installed: Path) -> None:
    data = installed / "gridrl" / "data"
    for kind, names in (("levels", bundled_level_names()), ("lessons", lesson_names())):
        assert sorted(p.stem for p in (data / kind).glob("*.yaml")) == names
        assert not (data / kind).is_symlink()  # the files themselves, not links back to a checkout
    assert (data / "assets" / "fonts" / "DejaVuSans.ttf").stat().st_size > 100_000


def test_version_and_levels_from_the_wheel(installed: Path, elsewhere: Path) -> None:
    where = run(["-c", "import gridrl, gridrl.levels as L; print(gridrl.__file__); print(L.BUNDLED_DIR)"],
                installed, elsewhere).stdout.split()
    assert all(Path(p).is_relative_to(installed) for p in where)  # not the checkout
    assert run(["-m", "gridrl", "--version"], installed, elsewhere).stdout.strip() == f"gridrl {__version__}"
    listed = run(["-m", "gridrl", "levels"], installed, elsewhere).stdout.splitlines()
    assert [line.split()[0] for line in listed] == bundled_level_names()


def test_train_render_and_a_lesson_from_the_wheel(installed: Path, elsewhere: Path) -> None:
    out = run(["-m", "gridrl", "train", "four_rooms", "--agent", "q-learning", "--episodes", "50",
               "--out", "trained"], installed, elsewhere).stdout  # fmt: skip
    assert "q-learning on Four Rooms" in out
    metrics = json.loads((elsewhere / "trained" / "metrics.json").read_text())
    assert len(metrics["episode_returns"]) == 50

    run(["-m", "gridrl", "render", "cliff_walking", "--agent", "value-iteration", "--out", "x.png"],
        installed, elsewhere)
    assert (elsewhere / "x.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    out = run(["-m", "gridrl", "lesson", "run", "figure_4_1", "--out", "lesson"], installed, elsewhere).stdout
    assert "[ok] converged" in out and (elsewhere / "lesson" / "report.md").is_file()


def test_the_console_script(installed: Path, elsewhere: Path) -> None:
    """``gridrl`` as pip installs it: a script that imports gridrl.cli (from the wheel, as the
    installed folder comes first on PYTHONPATH)."""
    script = installed / "bin" / "gridrl"
    assert script.is_file()
    out = run([str(script), "train", "corridor", "--agent", "value-iteration"], installed, elsewhere).stdout
    assert "value-iteration on" in out


def test_gymnasium_make_from_the_wheel(installed: Path, elsewhere: Path) -> None:
    code = ("import sys, gymnasium as gym, gridrl; gym.register_envs(gridrl)\n"
            "env = gym.make('gridrl/GridWorld-v0', level='cliff_walking')\n"
            "obs, info = env.reset(seed=0)\n"
            "print(obs, env.unwrapped.level.shape, 'torch' in sys.modules, 'pygame' in sys.modules)")  # fmt: skip
    assert run(["-c", code], installed, elsewhere).stdout.split() == ["36", "(4,", "12)", "False", "False"]


def test_from_a_zip(installed: Path, elsewhere: Path) -> None:
    """Imported from a zip, the bundled files are read through importlib.resources (and
    extracted once where a path is needed: level errors name files, fonts load by path)."""
    archive = elsewhere / "gridrl.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted((installed / "gridrl").rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                zf.write(path, path.relative_to(installed).as_posix())
    code = ("import gridrl, gridrl.levels as L, gridrl.lessons as S\n"
            "from gridrl.render import render_board_image, save_png\n"
            "assert '.zip' in gridrl.__file__, gridrl.__file__\n"
            "print(len(L.bundled_level_names()), len(S.lesson_names()), L.load_level('four_rooms').shape)\n"
            "save_png(render_board_image('cliff_walking', None, (320, 240)), 'board.png')")  # fmt: skip
    out = run(["-c", code], archive, elsewhere).stdout.split()
    assert out == [str(len(bundled_level_names())), str(len(lesson_names())), "(11,", "11)"]
    assert (elsewhere / "board.png").stat().st_size > 1000
