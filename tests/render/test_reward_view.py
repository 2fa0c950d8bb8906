"""The reward model's view (issue 17, item 2): the true and the learned reward side by side on
one colour scale, each action's triangle in its colour, the (s, a) no pair visited hatched
(and grey where the model knows nothing), the distance to pi* per cell; pixels checked."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from gridrl.envs.model import TabularModel
from gridrl.levels import GridLevel
from gridrl.levels.model import TileKind
from gridrl.render.colors import DIVERGING, THEME
from gridrl.render.reward_view import RewardBoards

#: Cells 0 S, 1 floor, 2 trap X (-1, not terminal) / 3, 4 floor, 5 goal G (+1, terminal).
LEVEL = GridLevel(name="t", layout=("S.X", "..G"), legend=(TileKind("X", reward=-1.0),))
RECT = pygame.Rect(0, 0, 900, 420)
#: Where inside a cell (fractions of its side) each action's triangle is sampled.
INSIDE = ((0.5, 0.2), (0.8, 0.5), (0.5, 0.8), (0.2, 0.5))


def _view(boards: RewardBoards, grey_unseen: bool = True, kl: np.ndarray | None = None):
    R = TabularModel.from_level(LEVEL).R
    counts = np.ones((6, 4))
    counts[3, 1] = 0  # from the bottom-left cell, right: never in the data
    return R, boards.compare(R, 2 * R + 0.5, counts, kl=kl, grey_unseen=grey_unseen)


def _pixels(surface: pygame.Surface, board: pygame.Rect, s: int, a: int, half: int = 0) -> list[tuple[int, ...]]:
    """The colours around action ``a``'s triangle of cell ``s`` (a box of 2 * half + 1 pixels)."""
    cell = board.w // 3
    row, col = divmod(s, 3)
    fx, fy = INSIDE[a]
    x, y = board.x + int((col + fx) * cell), board.y + int((row + fy) * cell)
    return [tuple(surface.get_at((x + dx, y + dy)))[:3] for dx in range(-half, half + 1) for dy in range(-half, half + 1)]


def test_the_comparison_aligns_the_learned_reward_onto_the_truth() -> None:
    R, (comparison, view) = _view(RewardBoards(LEVEL))
    # 5 actable cells (the goal is terminal) x 4 actions, one never visited
    assert (comparison.n_seen, comparison.n_actable) == (19, 20)
    assert comparison.correlation == pytest.approx(1.0) and (comparison.scale, comparison.shift) == (0.5, -0.25)
    assert view.header == "correlation 1.00 over 19 of 20 (s, a) seen"
    np.testing.assert_array_equal(view.learned[view.seen], R[view.seen])  # 0.5 (2R + 0.5) - 0.25 = R exactly
    assert np.isnan(view.learned[3, 1]) and view.limit(RewardBoards(LEVEL).actable) == 1.0


def test_each_triangle_has_its_rewards_colour_and_an_unseen_one_is_hatched() -> None:
    boards = RewardBoards(LEVEL)
    _, (_, view) = _view(boards)
    surface = pygame.Surface(RECT.size)
    surface.fill(THEME["background"])
    boards.draw(surface, RECT, view)
    true_board, learned_board = boards.board_rects(RECT, view)
    assert true_board.w == learned_board.w and true_board.right < learned_board.x
    low, high, white = (tuple(int(c) for c in DIVERGING[i]) for i in (0, -1, len(DIVERGING) // 2))
    for board in (true_board, learned_board):
        assert _pixels(board=board, surface=surface, s=1, a=1) == [low]  # into the trap: -1, the scale's end
        assert _pixels(board=board, surface=surface, s=4, a=1) == [high]  # into the goal: +1
        assert set(_pixels(surface, board, 0, 2, half=4)) == {white}  # S down: 0, seen, so no hatching
    # (3, right) was never visited: grey on the learned board (the table knows nothing), the true
    # white on the other, both crossed by the hatching's dark lines
    learned_box, true_box = _pixels(surface, learned_board, 3, 1, half=4), _pixels(surface, true_board, 3, 1, half=4)
    assert tuple(THEME["neutral"]) in learned_box and white in true_box
    for box in (learned_box, true_box):
        assert min(sum(c) for c in box) < sum(THEME["neutral"]) - 150


def test_the_mlp_keeps_its_guess_under_the_hatching_and_kl_gets_a_third_board() -> None:
    boards = RewardBoards(LEVEL)
    kl = np.array([0.0, 0.3, 0.6, 0.1, 0.2, np.nan])
    _, (_, view) = _view(boards, grey_unseen=False, kl=kl)
    assert view.learned[3, 1] == 0.0 and view.n_boards == 3 and view.kl_limit() == 0.6
    surface = pygame.Surface(RECT.size)
    boards.draw(surface, RECT, view)
    *_, kl_board = boards.board_rects(RECT, view)
    white = tuple(int(c) for c in DIVERGING[len(DIVERGING) // 2])
    assert white in _pixels(surface, boards.board_rects(RECT, view)[1], 3, 1, half=4)  # its guess, 0: white
    # the cell farthest from pi* (KL 0.6, the scale's top) is the deepest red, the one at pi* white
    assert _pixels(surface, kl_board, 2, 0, half=2) == [tuple(int(c) for c in DIVERGING[-1])] * 25
    assert _pixels(surface, kl_board, 0, 3) == [white]


def test_a_view_without_a_learned_reward_shows_the_truth_and_the_distance() -> None:
    boards = RewardBoards(LEVEL)
    R = TabularModel.from_level(LEVEL).R
    comparison, view = boards.compare(R, None, None, kl=np.array([0.0, 0.2, 0.4, 0.0, 0.2, np.nan]))
    assert comparison is None and view.n_boards == 2 and view.seen.all()
    assert view.header == "distance to π*: mean KL 0.160, largest 0.400 over 5 cells"
