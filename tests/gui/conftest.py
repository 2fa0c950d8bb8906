"""Drive the real app headless: SDL's dummy video driver, events posted into pygame's queue,
frames advanced with ``App.run_frames``."""

from __future__ import annotations

import os

os.environ["SDL_VIDEODRIVER"] = "dummy"
os.environ["SDL_AUDIODRIVER"] = "dummy"
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

import pytest  # noqa: E402


@pytest.fixture
def user_folders(tmp_path, monkeypatch):
    """The app's log and data folders (platformdirs, XDG on Linux) inside the test's tmp_path."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.fixture
def user_levels(tmp_path, monkeypatch):
    """The user's levels folder (``GRIDRL_USER_LEVELS``) inside the test's tmp_path: the editor saves there."""
    folder = tmp_path / "my_levels"
    monkeypatch.setenv("GRIDRL_USER_LEVELS", str(folder))
    return folder


@pytest.fixture
def make_app(tmp_path, monkeypatch):
    """``make_app(level=None)``: a fresh App; closed after the test."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))  # the log goes to tmp
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # user levels, editor recovery
    monkeypatch.setenv("GRIDRL_USER_LEVELS", str(tmp_path / "my_levels"))
    from gridrl.gui.app import App

    apps = []

    def make(level: str | None = None, size: tuple[int, int] = (1280, 800)) -> App:
        app = App(level, size=size)
        app.run_frames(2)
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.close()


@pytest.fixture
def app(make_app):
    return make_app()
