"""Readable values on the board: a colour scale robust to outliers and noise that can be locked,
numbers wherever they fit, a custom tile's reward, one start badge."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from gridrl.levels import GridLevel, TileKind, load_level
from gridrl.render import THEME, BoardRenderer, BoardView, draw_legend
from gridrl.render.colors import DIVERGING, diverging
from gridrl.session import Session

WHITE = DIVERGING[len(DIVERGING) // 2].astype(int)


def draw(level, view: BoardView, size, renderer: BoardRenderer | None = None):
    renderer = renderer or BoardRenderer(level)
    surface = pygame.Surface(size)
    surface.fill(THEME["background"])
    renderer.draw(surface, surface.get_rect(), view)
    return surface, renderer


def rgb(surface: pygame.Surface, pos) -> np.ndarray:
    c = surface.get_at((int(pos[0]), int(pos[1])))
    return np.array([c.r, c.g, c.b], dtype=int)


def block(surface: pygame.Surface, rect: pygame.Rect) -> np.ndarray:
    return pygame.surfarray.array3d(surface)[rect.left : rect.right, rect.top : rect.bottom].astype(int)


@pytest.fixture(scope="module")
def cliff_q():
    session = Session("cliff_walking", "q-learning", seed=0)
    for _ in range(300):
        session.advance("episode")
    return session.level, session.agent.insight().Q


def test_the_cliff_s_minus_113_does_not_wash_out_the_other_q_values(cliff_q) -> None:
    level, Q = cliff_q
    assert Q.min() < -100  # the actions that step off the cliff
    view = BoardView(Q=Q, overlays=frozenset({"q"}))
    surface, renderer = draw(level, view, (960, 330))
    rect = surface.get_rect()
    # the "up" triangles of the top row: Q(s, up) from about -12 (left) to -3 (right)
    left, right = renderer.cell_rect(0, rect), renderer.cell_rect(11, rect)
    far = rgb(surface, (left.centerx, left.top + left.h * 0.15))
    near = rgb(surface, (right.centerx, right.top + right.h * 0.15))
    assert Q[0, 0] < -10 < -4 < Q[11, 0]
    assert np.abs(far - near).sum() > 150, (far, near)  # clearly different blues
    assert np.abs(near - WHITE).sum() > 25  # -3 is not drawn as 0
    # the cliff's -113 saturates at the end colour
    s = 2 * 12 + 5  # above the cliff: Q(s, down) = -113
    cell = renderer.cell_rect(s, rect)
    assert tuple(rgb(surface, (cell.centerx, cell.bottom - cell.h * 0.15))) == tuple(DIVERGING[0])
    assert renderer.color_limit(view) <= 20


def test_values_that_are_all_about_zero_are_drawn_near_white() -> None:
    level = load_level("trap_maze")  # rewards +-1, steps -0.01
    rng = np.random.default_rng(1)
    V = rng.uniform(-0.002, 0.002, level.n_cells)
    view = BoardView(V=V, overlays=frozenset({"values"}))
    surface, renderer = draw(level, view, (600, 560))
    rect = surface.get_rect()
    for s in renderer.open_cells[:20]:
        color = rgb(surface, renderer.cell_rect(int(s), rect).center)
        assert np.abs(color - WHITE).max() <= 8, (s, V[s], color)
    assert renderer.color_limit(view) >= 0.05


def test_a_locked_limit_is_used_and_the_legend_says_so() -> None:
    level = load_level("corridor")
    V = np.linspace(0, 1, level.n_cells)
    view = BoardView(V=V, overlays=frozenset({"values"}), value_limit=4.0)
    surface, renderer = draw(level, view, (900, 300))
    assert renderer.color_limit(view) == 4.0
    s = int(renderer.open_cells[-1])
    want = diverging(V[s : s + 1], 4.0)[0].astype(int)
    assert np.array_equal(rgb(surface, renderer.cell_rect(s, surface.get_rect()).center), want)

    def legend(locked: bool) -> np.ndarray:
        out = pygame.Surface((480, 56))
        out.fill(THEME["background"])
        draw_legend(out, out.get_rect(), 4.0, "V(s)", locked=locked)
        return pygame.surfarray.array3d(out).astype(int)

    accent = np.all(legend(True) == np.array(THEME["accent"]), axis=2)
    assert accent.sum() > 20 and not np.all(legend(False) == np.array(THEME["accent"]), axis=2).any()
    # values beyond the limit: the bar ends in arrow points of the end colours, left of the bar
    unlocked = legend(False)
    row = unlocked[:, 12]
    blue = np.flatnonzero(np.all(row == DIVERGING[0].astype(int), axis=1))
    assert blue.size


def test_q_numbers_are_written_whenever_they_fit_and_only_then() -> None:
    level = GridLevel("open", ("S..", "..G"))
    Q = np.tile(np.array([-1.5, -2.25, -9.0, -0.5]), (6, 1))
    renderer = BoardRenderer(level)
    view = BoardView(Q=Q, overlays=frozenset({"q", "numbers"}))
    wide = BoardView(Q=Q * 1000, overlays=frozenset({"q", "numbers"}))  # "-2250": too wide
    assert renderer.numbers_shown(view, 66) == "q"  # the old rule wanted 72 pixels
    assert renderer.numbers_shown(view, 40) != "q"
    assert renderer.numbers_shown(wide, 66) != "q"
    assert renderer.numbers_shown(wide, 200) == "q"
    # the pixels: at 66-pixel cells the up triangle of cell 1 has its number written in it
    size = (66 * 3, 66 * 2 + 100)
    with_numbers, _ = draw(level, view, size, renderer)
    plain, _ = draw(level, BoardView(Q=Q, overlays=frozenset({"q"})), size)
    cell = renderer.cell_rect(1, with_numbers.get_rect())
    assert cell.w == 66
    top = pygame.Rect(cell.x + 20, cell.y + 2, 26, 18)
    assert (np.abs(block(with_numbers, top) - block(plain, top)).sum(axis=2) > 100).sum() > 15


def _bog(reward: float) -> GridLevel:
    return GridLevel("bog", ("S.B.G",), legend=(TileKind("B", reward=reward),))


def test_a_custom_tile_s_reward_is_written_on_it() -> None:
    size = (500, 130)
    paid, renderer = draw(_bog(-5.0), BoardView(), size)
    free, _ = draw(_bog(0.0), BoardView(), size)
    cell = renderer.cell_rect(2, paid.get_rect())
    assert cell.w >= 32
    top = pygame.Rect(cell.x, cell.y, cell.w, cell.h // 2)
    differs = np.abs(block(paid, top) - block(free, top)).sum(axis=2) > 60
    assert differs.sum() > 20
    # and nowhere else
    rest = np.abs(pygame.surfarray.array3d(paid).astype(int) - pygame.surfarray.array3d(free).astype(int)).sum(axis=2)
    rest[top.left : top.right, top.top : top.bottom] = 0
    assert rest.max() == 0


def test_the_editor_draws_one_s_badge(tmp_path, monkeypatch) -> None:
    """The board draws the start badge; the editor's own corner letters must not add an "S"."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("GRIDRL_USER_LEVELS", str(tmp_path / "levels"))
    from gridrl.gui.app import App
    from gridrl.gui.scene_edit import EditScene

    app = App("cliff_walking", size=(1280, 800))
    try:
        app.run_frames(2)
        app.top.cmd_edit_mode()
        app.run_frames(2)
        editor = app.top
        assert isinstance(editor, EditScene)
        surface = app.screen if hasattr(app, "screen") else pygame.display.get_surface()
        start = editor.renderer.cell_rect(36, editor.layout.board)  # row 4, col 1: S
        cliff = editor.renderer.cell_rect(37, editor.layout.board)  # C: a custom tile, lettered by the board
        for rect in (start, cliff):
            pink = np.all(block(surface, rect) == np.array(THEME["selection"]), axis=2)
            assert pink.sum() == 0, rect
        goal = editor.renderer.cell_rect(47, editor.layout.board)  # G: the editor still letters it
        assert np.all(block(surface, goal) == np.array(THEME["selection"]), axis=2).sum() > 5
    finally:
        app.close()
