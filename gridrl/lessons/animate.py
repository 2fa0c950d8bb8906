"""Animations of what the agents learned: each agent's greedy path from the start, as a GIF.

The frames come from the app's own offscreen renderer, ``gridrl.render.offscreen``
(``render_board_image`` and ``record_gif``), when it is installed and accepts our call; the
animation is then the picture the GUI shows. Otherwise they are drawn with matplotlib and
the report says so; a missing renderer never stops a lesson.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import numpy as np

from gridrl.envs import TabularModel
from gridrl.levels import GridLevel, compile_grid


def greedy_path(level: GridLevel, pi: np.ndarray, max_len: int | None = None) -> tuple[list[int], bool]:
    """States visited following argmax_a pi(a|s) from the first start cell, each move going to
    its most likely outcome. Returns the states (start included) and whether a terminal
    state was reached; a path that revisits a state is a loop and stops there.
    """
    model = TabularModel.from_level(level)
    pi = np.asarray(pi)
    s = int(model.grid.start_cells[0])
    path, seen = [s], {s}
    limit = max_len or 4 * model.n_states
    for _ in range(limit):
        if model.terminal[s]:
            return path, True
        a = int(np.argmax(pi[s]))
        k = int(np.argmax(model.prob[s, a]))
        s = int(model.next_state[s, a, k])
        path.append(s)
        if s in seen and not model.terminal[s]:
            return path, False
        seen.add(s)
    return path, bool(model.terminal[s])


def animate_paths(step: Any, curves: dict[str, Any], out: Path) -> tuple[list[tuple[str, str]], list[str]]:
    """Write ``step.file`` (GIF) and its last frame as PNG; return [(file, caption)] and notes."""
    labels = list(step.curves)
    level = curves[labels[0]].run.level
    shown = {label: curves[label].shown_seed() for label in labels}
    paths = {label: curves[label].per_seed[shown[label]]["greedy_path"] for label in labels}
    insights = {label: curves[label].per_seed[shown[label]].get("insight") for label in labels}
    lengths = {label: curves[label].per_seed[shown[label]]["greedy_path_length"] for label in labels}
    n_frames = max(len(p) for p in paths.values()) + 2  # hold the last frame a moment
    notes: list[str] = []
    gif = out / step.file
    still = out / Path(step.file).with_suffix(".png").name
    done = False
    try:
        offscreen = importlib.import_module("gridrl.render.offscreen")
    except ModuleNotFoundError as err:
        if err.name not in ("gridrl.render", "gridrl.render.offscreen"):
            raise
        offscreen = None
        notes.append("The app's offscreen renderer (gridrl.render.offscreen) is not installed yet, "
                     "so the path animation was drawn with matplotlib instead.")  # fmt: skip
    if offscreen is not None:
        try:
            _offscreen_gif(offscreen, level, labels, insights, paths, n_frames, gif, still, step.fps)
            done = True
        except Exception as err:  # noqa: BLE001 - a renderer in progress must not stop the lesson
            notes.append(f"The offscreen renderer could not draw the path animation ({type(err).__name__}: "
                         f"{err}); it was drawn with matplotlib instead.")  # fmt: skip
    if not done:
        _matplotlib_gif(level, labels, paths, n_frames, gif, still, step.fps)
    described = "; ".join(
        f"{label} (seed {curves[label].seeds[shown[label]]}): "
        + (f"{lengths[label]:.0f} steps" if np.isfinite(lengths[label]) else "loops, never reaches a goal")
        for label in labels
    )
    caption = f"Greedy path of each agent after training: {described}."
    return [(gif.name, caption), (still.name, "Last frame of the animation.")], notes


# --------------------------------------------------------------------------- offscreen renderer


def _offscreen_gif(offscreen: Any, level: GridLevel, labels: list[str], insights: dict[str, Any],
                   paths: dict[str, list[int]], n_frames: int, gif: Path, still: Path, fps: int) -> None:  # fmt: skip
    """Frames from ``render_board_image``: one board per agent, stacked, each agent walking its
    greedy path over its own learned values and policy, the cells behind it as a trail."""
    import pygame

    rows, cols = level.shape
    width = 880
    size = (width, int(width * rows / cols * 0.85) + 170)  # board plus title, legend and caption
    frames = []
    for t in range(n_frames):
        boards = []
        for label in labels:
            path = paths[label]
            i = min(t, len(path) - 1)
            boards.append(offscreen.render_board_image(
                level, insights[label], size=size, agent_state=path[i],
                caption=f"{label}: greedy path, step {i} of {len(path) - 1}",
                title=label, trail=path[: i + 1],
            ))  # fmt: skip
        frame = pygame.Surface((max(b.get_width() for b in boards), sum(b.get_height() for b in boards)))
        y = 0
        for board in boards:
            frame.blit(board, (0, y))
            y += board.get_height()
        frames.append(frame)
    offscreen.record_gif(frames, str(gif), fps)
    offscreen.save_png(frames[-1], str(still))


# --------------------------------------------------------------------------- matplotlib fallback


def _tile_colours(level: GridLevel) -> np.ndarray:
    """An RGB image of the level: floor, walls, terminal cells, teleports (the cliff), start."""
    grid = compile_grid(level)
    rows, cols = level.shape
    img = np.ones((rows * cols, 3)) * 0.96
    for s in range(rows * cols):
        char = grid.chars[s]
        if grid.wall[s]:
            img[s] = (0.25, 0.25, 0.28)
        elif grid.terminal[s]:
            img[s] = (0.55, 0.85, 0.55) if char != "X" else (0.9, 0.45, 0.45)
        elif grid.teleport[s] >= 0:
            img[s] = (0.85, 0.55, 0.5)
        elif grid.start[s]:
            img[s] = (0.7, 0.8, 0.95)
    return img.reshape(rows, cols, 3)


def _matplotlib_gif(level: GridLevel, labels: list[str], paths: dict[str, list[int]], n_frames: int,
                    gif: Path, still: Path, fps: int) -> None:  # fmt: skip
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from PIL import Image

    from gridrl.lessons.plots import COLOURS

    rows, cols = level.shape
    grid = compile_grid(level)
    background = _tile_colours(level)
    fig = Figure(figsize=(max(4.0, 0.45 * cols + 1), (0.45 * rows + 0.6) * len(labels)), dpi=90)
    canvas = FigureCanvasAgg(fig)  # drawn frame by frame into an RGBA buffer
    axes = fig.subplots(len(labels), 1, squeeze=False)
    artists = []
    for ax, label, colour in zip(axes[:, 0], labels, COLOURS):
        ax.imshow(background, interpolation="nearest")
        for s, char in enumerate(grid.chars):
            r, c = divmod(s, cols)
            if char not in ".":
                ax.text(c, r, str(char), ha="center", va="center", fontsize=7, color="#444444")
        ax.set_xticks(np.arange(-0.5, cols, 1), minor=True)
        ax.set_yticks(np.arange(-0.5, rows, 1), minor=True)
        ax.grid(which="minor", color="white", lw=1)
        ax.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
        (line,) = ax.plot([], [], color=colour, lw=3, alpha=0.8)
        (dot,) = ax.plot([], [], "o", color=colour, ms=10, mec="black")
        title = ax.set_title(label, fontsize=10)
        artists.append((label, line, dot, title))
    fig.tight_layout()
    images = []
    for t in range(n_frames):
        for label, line, dot, title in artists:
            path = paths[label]
            i = min(t, len(path) - 1)
            rc = np.array([divmod(s, cols) for s in path[: i + 1]])
            line.set_data(rc[:, 1], rc[:, 0])
            dot.set_data([rc[-1, 1]], [rc[-1, 0]])
            title.set_text(f"{label}: step {i} of {len(path) - 1}")
        canvas.draw()
        rgba = np.asarray(canvas.buffer_rgba())
        images.append(Image.fromarray(rgba[:, :, :3].copy()))
    images[-1].save(still)
    images[0].save(gif, save_all=True, append_images=images[1:], duration=int(1000 / fps), loop=0)
