"""A Session in Jupyter: ``_repr_png_`` pictures and ``animate`` GIFs (gridrl.render.notebook)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
from PIL import Image, ImageSequence

import gridrl.render.notebook as notebook
from gridrl.session import Session

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.asarray(image.convert("RGB"))


def gif_frames(data: bytes) -> list[np.ndarray]:
    with Image.open(io.BytesIO(data)) as image:
        return [np.asarray(frame.convert("RGB")) for frame in ImageSequence.Iterator(image)]


def test_a_gridworld_session_shows_its_board_as_png() -> None:
    fresh = Session("cliff_walking", "q-learning", seed=0)
    trained = Session("cliff_walking", "q-learning", seed=0)
    trained.run("episode", 50)
    data = trained._repr_png_()
    assert data.startswith(PNG_SIGNATURE)
    picture = decode(data)
    # 4 x 12 cells: a wide, short picture, not a square one with empty space
    assert picture.shape == (390, 720, 3) and notebook.picture_size(trained.level) == (720, 390)
    assert len(np.unique(picture.reshape(-1, 3), axis=0)) > 50  # values, arrows, text: not blank
    assert np.any(picture != decode(fresh._repr_png_()))  # the learned values show


def test_a_bandit_session_shows_its_arms_as_png() -> None:
    session = Session("bernoulli_3", "epsilon-greedy", seed=0)
    session.run("step", 100)
    data = session._repr_png_()
    assert data.startswith(PNG_SIGNATURE)
    assert decode(data).shape == (432, 720, 3)
    assert notebook.progress_caption(session) == "100 pulls"


def test_animate_moves_the_agent_and_shows_inline(monkeypatch, tmp_path) -> None:
    drawn: list[dict] = []
    draw = notebook.draw_session

    def spy(session, size, overlays, **view):
        drawn.append({k: (list(v) if k == "trail" else v) for k, v in view.items()})
        return draw(session, size, overlays, **view)

    monkeypatch.setattr(notebook, "draw_session", spy)
    session = Session("cliff_walking", "q-learning", seed=0)
    animation = session.animate(12, size=(480, 260))
    assert session.history.steps == 12
    assert animation.frames == 13 and animation.size == (480, 260)
    # the agent walks: a new cell or a longer trail in most frames
    cells = [v.get("agent_state") for v in drawn[1:]]
    assert len(set(cells)) >= 3 and all(cell is not None for cell in cells)
    assert all(v["trail"][-1] == v["agent_state"] for v in drawn[1:])
    frames = gif_frames(animation.gif)
    assert len(frames) == 13 and frames[0].shape == (260, 480, 3)
    board = slice(0, int(260 * 0.7))  # above the caption (whose step count changes anyway)
    moved = sum(np.any(a[board] != b[board]) for a, b in zip(frames, frames[1:]))
    assert moved >= 10
    html = animation._repr_html_()
    assert html.startswith('<img src="data:image/gif;base64,')
    assert base64.b64decode(html.split("base64,")[1].split('"')[0]) == animation.gif
    assert "gif" not in repr(animation)  # Jupyter's text/plain stays one short line
    assert animation.save(tmp_path / "walk.gif").read_bytes() == animation.gif


def test_animate_caps_its_frames_but_trains_the_whole_count() -> None:
    session = Session("corridor", "q-learning", seed=0)
    animation = session.animate(50, unit="step", size=(320, 160), max_frames=10)
    assert session.history.steps == 50
    assert animation.frames == 10  # the first picture, then one every 6 steps, then the last
    assert len(gif_frames(animation.gif)) <= 10
    every = Session("corridor", "q-learning", seed=0).animate(20, every=5, size=(320, 160))
    assert every.frames == 5


def test_animate_episodes_and_bandits() -> None:
    grid = Session("corridor", "sarsa", seed=0)
    by_episode = grid.animate(3, unit="episode", size=(320, 160))
    assert by_episode.frames == 4 and len(grid.history.episode_returns) == 3
    bandit = Session("bernoulli_3", "ucb", seed=0)
    pulls = bandit.animate(30, every=10, size=(360, 220))
    assert pulls.frames == 4 and bandit.history.steps == 30


@pytest.mark.parametrize("options", [{"count": 0}, {"every": 0}, {"max_frames": 1}, {"fps": 0}])
def test_animate_rejects_nonsense(options) -> None:
    with pytest.raises(ValueError, match="animate needs"):
        Session("corridor", "q-learning").animate(**options)
