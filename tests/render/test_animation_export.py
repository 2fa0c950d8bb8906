"""Animations written frame by frame (GIF and MP4): the frames come back as drawn, each reaches
the file when the next is added (memory does not grow with their number), and the file
appears only complete."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pygame
import pytest
from PIL import Image, ImageSequence

from gridrl.cli import main
from gridrl.render import offscreen
from gridrl.render.offscreen import AnimationWriter, GifStream


def frame(i: int, size: tuple[int, int] = (40, 30)) -> pygame.Surface:
    """A grey background with a coloured square that moves and changes colour with ``i``."""
    surface = pygame.Surface(size)
    surface.fill((40, 40, 40))
    surface.fill((50 * i % 256, 255 - 30 * i % 256, 100), pygame.Rect(3 * i, 2 * i, 8, 6))
    return surface


def rgb(surface: pygame.Surface) -> np.ndarray:
    return pygame.surfarray.array3d(surface).transpose(1, 0, 2)


def decoded(data: bytes) -> tuple[list[np.ndarray], list[int]]:
    with Image.open(io.BytesIO(data)) as im:
        frames = [(np.asarray(f.convert("RGB")), f.info["duration"]) for f in ImageSequence.Iterator(im)]
    return [f for f, _ in frames], [d for _, d in frames]


def test_gif_stream_gives_back_every_frame_and_writes_each_when_the_next_comes() -> None:
    buffer = io.BytesIO()
    gif = GifStream(buffer, fps=10)
    sizes = []
    surfaces = [frame(i) for i in range(5)]
    for surface in surfaces:
        gif.add(surface)
        sizes.append(buffer.tell())
    gif.add(surfaces[-1])  # the same picture again: a longer delay, not a frame
    gif.close()
    # Frame k is written when frame k+1 arrives (the last waits for close: its delay is longer).
    assert sizes[0] > 0 and all(a < b for a, b in zip(sizes, sizes[1:]))
    frames, delays = decoded(buffer.getvalue())
    assert len(frames) == 5 and gif.frames == 6
    for got, surface in zip(frames, surfaces):
        np.testing.assert_array_equal(got, rgb(surface))  # three colours: the palette is exact
    assert delays == [100, 100, 100, 100, 2000]


def test_gif_stream_scales_frames_to_the_first_size_and_refuses_none() -> None:
    buffer = io.BytesIO()
    gif = GifStream(buffer, fps=5)
    gif.add(frame(1))
    gif.add(frame(2, size=(80, 60)))
    gif.close()
    frames, _ = decoded(buffer.getvalue())
    assert [f.shape for f in frames] == [(30, 40, 3)] * 2
    with pytest.raises(ValueError, match="at least one frame"):
        GifStream(io.BytesIO(), fps=5).close()


def test_animation_writer_leaves_no_partial_file(tmp_path: Path) -> None:
    out = tmp_path / "anim.gif"
    out.write_bytes(b"the old file")
    with pytest.raises(RuntimeError), AnimationWriter(out, fps=5) as writer:
        writer.add(frame(1))
        assert [p.name for p in tmp_path.iterdir() if p.name != "anim.gif"]  # frames go to a temporary file
        raise RuntimeError("drawing failed")
    assert out.read_bytes() == b"the old file" and [p.name for p in tmp_path.iterdir()] == ["anim.gif"]
    with AnimationWriter(out, fps=5) as writer:
        for i in range(3):
            writer.add(frame(i))
    assert len(decoded(out.read_bytes())[0]) == 3 and [p.name for p in tmp_path.iterdir()] == ["anim.gif"]


def test_cli_render_mp4_has_the_frames_asked(tmp_path: Path) -> None:
    imageio_ffmpeg = pytest.importorskip("imageio_ffmpeg")
    out = tmp_path / "q.mp4"
    assert main(["render", "corridor", "--agent", "q-learning", "--episodes", "5", "--size", "321x161",
                 "--out", str(out)]) == 0  # fmt: skip
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert frames == 6  # the start and one per episode
    assert [p.name for p in tmp_path.iterdir()] == ["q.mp4"]


def test_cli_render_mp4_without_ffmpeg_says_what_to_install(tmp_path: Path, monkeypatch, capsys) -> None:
    def missing() -> None:
        raise ImportError("MP4 export needs imageio-ffmpeg; pip install imageio-ffmpeg, or write a .gif")

    monkeypatch.setattr(offscreen, "require_mp4", missing)
    code = main(["render", "corridor", "--agent", "q-learning", "--episodes", "1", "--out", str(tmp_path / "q.mp4")])
    assert code == 2
    assert "pip install imageio-ffmpeg" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())
