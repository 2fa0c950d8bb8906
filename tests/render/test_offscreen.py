"""Offscreen pictures, PNG/GIF files, and the ``gridrl render`` command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pygame
import pytest

from gridrl.cli import main
from gridrl.levels import load_level
from gridrl.render import THEME, record_gif, render_board_image, save_png
from gridrl.session import Session

try:
    from PIL import Image
except ImportError:  # pragma: no cover - pillow is a dependency
    Image = None

REPO = Path(__file__).resolve().parents[2]


def gif_frames(path: Path) -> int:
    assert path.read_bytes()[:6] in (b"GIF89a", b"GIF87a")
    if Image is None:  # pragma: no cover
        return -1
    with Image.open(path) as im:
        return im.n_frames


# ---------------------------------------------------------------------- render_board_image


def test_picture_of_a_trained_agent_has_the_size_asked_and_shows_values() -> None:
    session = Session("corridor", "value-iteration")
    session.advance("episode")
    plain = render_board_image(session.level, None, size=(640, 300))
    trained = render_board_image(session.level, session.agent.insight(), size=(640, 300),
                                 overlays=("values", "policy"), caption="after value iteration")  # fmt: skip
    assert trained.get_size() == (640, 300)
    a, b = pygame.surfarray.array3d(plain), pygame.surfarray.array3d(trained)
    assert np.any(a != b)
    red = (b[..., 0].astype(int) - b[..., 2] > 100).sum()  # the hot cells near the goal
    assert red > 500


def test_panels_show_learning_curves_and_bandit_arms() -> None:
    session = Session("cliff_walking", "q-learning", seed=0)
    session.run("episode", 30)
    without = render_board_image(session.level, session.agent.insight(), size=(900, 600), history=session.history)
    with_panels = render_board_image(session.level, session.agent.insight(), size=(900, 600), panels=True,
                                     history=session.history)  # fmt: skip
    assert with_panels.get_size() == (900, 600)
    assert np.any(pygame.surfarray.array3d(without) != pygame.surfarray.array3d(with_panels))

    bandit = Session("bernoulli_3", "epsilon-greedy", seed=1)
    bandit.run("step", 200)
    image = render_board_image(bandit.level, bandit.agent.insight(), size=(800, 500), panels=True,
                               history=bandit.history)  # fmt: skip
    assert image.get_size() == (800, 500)
    bare = render_board_image("ten_armed_testbed", None, size=(400, 300))  # a name works too
    assert bare.get_size() == (400, 300)


def test_metrics_dict_works_as_history() -> None:
    level = load_level("corridor")
    image = render_board_image(level, None, (600, 400), panels=True,
                               history={"episode_returns": [0.1, 0.5, np.nan, 0.9], "episode_lengths": [9, 8, 8, 8]})  # fmt: skip
    assert image.get_size() == (600, 400)


def test_save_png_is_atomic_and_overwrites(tmp_path: Path) -> None:
    surface = pygame.Surface((40, 30))
    surface.fill(THEME["goal"])
    path = tmp_path / "out" / "picture.png"
    path.parent.mkdir()
    path.write_bytes(b"old")
    save_png(surface, path)
    loaded = pygame.image.load(str(path))
    assert loaded.get_size() == (40, 30)
    assert tuple(loaded.get_at((5, 5)))[:3] == THEME["goal"]
    assert [p.name for p in path.parent.iterdir()] == ["picture.png"]  # no temporary file left


def test_record_gif_writes_every_frame(tmp_path: Path) -> None:
    frames = []
    for color in (THEME["goal"], THEME["hazard"], THEME["wall"]):
        frame = pygame.Surface((32, 24))
        frame.fill(color)
        frames.append(frame)
    path = tmp_path / "anim.gif"
    record_gif(frames, path, fps=5)
    assert gif_frames(path) == 3
    if Image is not None:
        with Image.open(path) as im:
            im.seek(1)
            assert im.convert("RGB").getpixel((3, 3)) == THEME["hazard"]
    assert [p.name for p in tmp_path.iterdir()] == ["anim.gif"]
    with pytest.raises(ValueError):
        record_gif([], tmp_path / "empty.gif", fps=5)


# ---------------------------------------------------------------------- gridrl render


def test_cli_render_writes_a_png_of_the_size_asked(tmp_path: Path, capsys) -> None:
    out = tmp_path / "vi.png"
    code = main(["render", "small_gridworld", "--agent", "value-iteration", "--size", "480x360",
                 "--overlays", "values,numbers,policy", "--out", str(out)])  # fmt: skip
    assert code == 0
    assert pygame.image.load(str(out)).get_size() == (480, 360)
    assert "wrote" in capsys.readouterr().out


def test_cli_render_png_matches_render_board_image(tmp_path: Path) -> None:
    out = tmp_path / "bare.png"
    assert main(["render", "four_rooms", "--size", "400x300", "--overlays", "values", "--out", str(out)]) == 0
    expected = render_board_image("four_rooms", None, size=(400, 300), overlays=("values",))
    got = pygame.image.load(str(out))
    assert np.array_equal(pygame.surfarray.array3d(got), pygame.surfarray.array3d(expected))


def test_cli_render_gif_has_a_frame_per_episode_up_to_the_cap(tmp_path: Path) -> None:
    out = tmp_path / "q.gif"
    assert main(["render", "corridor", "--agent", "q-learning", "--episodes", "5", "--size", "320x160",
                 "--out", str(out)]) == 0  # fmt: skip
    assert gif_frames(out) == 6  # the start and one per episode
    capped = tmp_path / "capped.gif"
    assert main(["render", "corridor", "--agent", "q-learning", "--episodes", "10", "--frames", "3",
                 "--size", "320x160", "--out", str(capped)]) == 0  # fmt: skip
    assert gif_frames(capped) == 3  # the start, after 5 and after 10 episodes


def test_cli_render_gif_of_dynamic_programming_shows_every_sweep(tmp_path: Path) -> None:
    session = Session("corridor", "value-iteration")
    session.advance("episode")
    sweeps = session.agent.insight().extras["sweeps"]
    out = tmp_path / "sweeps.gif"
    assert main(["render", "corridor", "--agent", "value-iteration", "--size", "640x320", "--out", str(out)]) == 0
    assert gif_frames(out) == sweeps + 1


def test_cli_render_steps_gif_for_a_bandit(tmp_path: Path) -> None:
    out = tmp_path / "bandit.gif"
    assert main(["render", "bernoulli_3", "--agent", "ucb", "--steps", "40", "--frames", "5", "--panels",
                 "--size", "480x320", "--out", str(out)]) == 0  # fmt: skip
    assert gif_frames(out) == 5


@pytest.mark.parametrize(
    "args,message",
    [
        (["--overlays", "values,bogus"], "unknown overlay 'bogus'"),
        (["--size", "big"], "--size"),
        (["--size", "10x10"], "--size"),
        (["--agent", "no-such-agent"], "no-such-agent"),
        (["--set", "alpha=0.5"], "need --agent"),
        (["--episodes", "3"], "need --agent"),
        (["--agent", "q-learning", "--episodes", "0"], "--episodes"),
        (["--agent", "q-learning", "--set", "alpha"], "NAME=VALUE"),
        (["--agent", "epsilon-greedy"], "bandit"),
    ],
)
def test_cli_render_bad_input_exits_2_with_a_message(tmp_path: Path, capsys, args, message) -> None:
    out = tmp_path / "x.png"
    assert main(["render", "corridor", *args, "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert message in err
    assert not out.exists()


def test_cli_render_bad_level_or_file_type_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["render", "no_such_level", "--out", str(tmp_path / "x.png")]) == 2
    assert "no level 'no_such_level'" in capsys.readouterr().err
    assert main(["render", "corridor", "--out", str(tmp_path / "x.jpg")]) == 2
    assert ".png, .gif or .mp4" in capsys.readouterr().err


def test_render_imports_neither_torch_nor_the_agents() -> None:
    code = (
        "import sys, gridrl.render, gridrl.render.offscreen; "
        "print(sorted(m for m in sys.modules if m == 'torch' or m.startswith('gridrl.agents')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"
    assert "pygame-ce" not in out.stdout  # no banner
