"""What a reward model learned, beside the truth: boards of r(s, a) next to each other.

:class:`RewardBoards` draws one :class:`RewardView` into a rect: a header line (e.g.
"correlation 0.97 over 412 of 640 (s, a) seen"), then, side by side or stacked (whichever
gives the larger cells: a wide level's boards go one over the other),

* the true reward r(s, a): each open cell split into its four action triangles, coloured on
  the diverging scale;
* the learned reward r_hat(s, a) after the alignment a r_hat + b that best matches the truth
  (:mod:`gridrl.preferences.compare`: rewards are learned up to a constant and the labeller's
  scale), on the same scale, so equal colours mean equal rewards; NaN (a model that knows
  nothing there, as the tabular one where the data never went) is the neutral grey;
* when given, the distance of the policy to pi* per cell, KL(pi(.|s) || pi*(.|s)), white (0)
  to red;

and the legends: the shared scale, a hatched swatch "no data", the KL scale. Every (s, a)
that no pair visited is hatched on the reward boards: there the learned reward is a guess
(or nothing at all), and the truth shows what it should have been.

The boards are :class:`~gridrl.render.board.BoardRenderer` boards (tiles, walls and goal as
in the training view) with the Q-triangle fill and a locked colour scale. Plain arrays in,
pixels out: nothing here knows an agent or a GUI.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pygame

from gridrl.levels import GridLevel
from gridrl.preferences import RewardComparison, actable_states, compare_rewards
from gridrl.render import text as txt
from gridrl.render.board import NOISE_FRACTION, BoardRenderer, BoardView, draw_legend, round_up
from gridrl.render.colors import DIVERGING, THEME, robust_limit
from gridrl.render.layers import colour_bar

NO_DATA = "no data: no pair took this action here"
KL_CAPTION = "KL(π ‖ π*) per cell"
#: A legend narrower than this (pixels at scale 1) goes on a row of its own.
LEGEND_MIN_W = 240
#: The hatching: pairs of lines, one dark and one light beside it (seen on any colour), and the
#: distance between pairs, in pixels.
HATCH = ((*THEME["board_border"], 190), (255, 255, 255, 170))
HATCH_STEP = 6
#: Reward limits smaller than this count as this (a board of zeros stays white).
MIN_LIMIT = 1e-6


@dataclass(frozen=True)
class RewardView:
    """What to draw: plain arrays over ``s = row * cols + col`` (and the four actions)."""

    #: (S, 4) the true reward r(s, a).
    true: np.ndarray
    #: (S, 4) the learned reward, already aligned to the truth; NaN where the model has no value
    #: (grey). None: no such board.
    learned: np.ndarray | None
    #: (S, 4) bool: the (s, a) some pair visited (the rest is hatched).
    seen: np.ndarray
    header: str
    learned_title: str = "learned r, aligned"
    #: (S,) KL(pi(.|s) || pi*(.|s)), NaN on walls and terminal cells; None: no such board.
    kl: np.ndarray | None = None

    @property
    def n_boards(self) -> int:
        return 1 + (self.learned is not None) + (self.kl is not None)

    def limit(self, actable: np.ndarray) -> float:
        """The shared colour scale's limit, set by the truth (the learned reward is aligned to
        it) over the ``actable`` (S,) cells: a high percentile of |r| (one cliff does not wash
        out the rest), at least 1/20 of the largest |r| (a reward paid at one goal only still
        shows), rounded up to a number a legend reads well."""
        r = np.abs(np.asarray(self.true, dtype=float)[np.asarray(actable, dtype=bool)])
        return round_up(robust_limit(r, max(NOISE_FRACTION * float(r.max(initial=0.0)), MIN_LIMIT)))

    def kl_limit(self) -> float:
        """The top of the KL scale: the largest KL, rounded up (at least 0.01)."""
        assert self.kl is not None
        finite = np.asarray(self.kl, dtype=float)
        finite = finite[np.isfinite(finite)]
        return round_up(max(float(finite.max(initial=0.0)), 0.01))


@dataclass(frozen=True)
class RewardLayout:
    """Where things go: the header line, each board's rect (with its caption), each legend's."""

    header: pygame.Rect
    boards: tuple[pygame.Rect, ...]
    legends: tuple[pygame.Rect, ...]


def reward_layout(rect: pygame.Rect, n_boards: int, n_legends: int, shape: tuple[int, int],
                  scale: float = 1.0) -> RewardLayout:  # fmt: skip
    """The header on top, the legends at the bottom (side by side where each gets
    :data:`LEGEND_MIN_W`, else in rows), and between them the ``n_boards`` boards of a level of
    ``shape`` (rows, cols) in the grid of columns and rows that gives the largest cells (a
    square level's boards side by side, a wide level's one over the other)."""
    rect = pygame.Rect(rect)
    gap, line, legend_h = round(12 * scale), round(24 * scale), round(44 * scale)
    per_row = max(1, min(n_legends, (rect.w + gap) // (round(LEGEND_MIN_W * scale) + gap)))
    legend_top = rect.bottom - math.ceil(n_legends / per_row) * legend_h
    header = pygame.Rect(rect.x, rect.y, rect.w, line)
    top, room = header.bottom + gap // 2, max(legend_top - gap // 2 - header.bottom - gap // 2, 0)
    rows, cols = shape

    def size(columns: int) -> tuple[int, int, int]:
        """(cell, width, height) of each board in a grid of ``columns``."""
        lines = math.ceil(n_boards / columns)
        w = (rect.w - gap * (columns - 1)) // columns
        h = (room - gap * (lines - 1)) // lines
        return min(w // cols, (h - line) // rows), w, h

    columns = max(range(n_boards, 0, -1), key=lambda c: size(c)[0])  # on a tie, more side by side
    _, w, h = size(columns)
    boards = tuple(pygame.Rect(rect.x + (i % columns) * (w + gap), top + (i // columns) * (h + gap), w, h)
                   for i in range(n_boards))  # fmt: skip
    width = min((rect.w - gap * (per_row - 1)) // per_row, round(520 * scale))
    legends = tuple(pygame.Rect(rect.x + (i % per_row) * (width + gap), legend_top + (i // per_row) * legend_h,
                                width, legend_h) for i in range(n_legends))  # fmt: skip
    return RewardLayout(header, boards, legends)


class RewardBoards:
    """Draws :class:`RewardView` values of one level (a renderer per board keeps its caches)."""

    def __init__(self, level: GridLevel) -> None:
        self.renderers = [BoardRenderer(level) for _ in range(3)]
        #: (S,) the cells an agent acts from: the (s, a) compared and counted.
        self.actable = actable_states(level)
        self._hatches: dict[tuple[int, int], pygame.Surface] = {}

    def compare(self, true: np.ndarray, learned: np.ndarray | None, counts: np.ndarray | None, *,
                kl: np.ndarray | None = None, title: str = RewardView.learned_title,
                grey_unseen: bool = False) -> tuple[RewardComparison | None, RewardView]:  # fmt: skip
        """The view of ``learned`` against ``true`` ((S, 4) each; ``counts``: how often the data
        visits each (s, a), None: all seen), the learned reward aligned to the truth
        (:func:`~gridrl.preferences.compare.compare_rewards`); ``grey_unseen``: the model knows
        nothing where the data never went (a table), so those are drawn grey. Without ``learned``
        the header sums up ``kl``."""
        true = np.asarray(true, dtype=float)
        counts = np.ones(true.shape) if counts is None else np.asarray(counts, dtype=float)
        seen = counts > 0
        if learned is None:
            return None, RewardView(true, None, seen, _kl_header(kl), kl=kl)
        comparison = compare_rewards(true, learned, counts, self.actable)
        aligned = comparison.aligned(learned)
        if grey_unseen:
            aligned[~seen] = np.nan
        return comparison, RewardView(true, aligned, seen, comparison.summary(), title, kl)

    def layout(self, rect: pygame.Rect, view: RewardView, scale: float = 1.0) -> RewardLayout:
        """Where ``view`` goes in ``rect``: :func:`reward_layout`, then the header and the legends
        moved to hug the boards (square boards in a wide rect leave room above and below)."""
        for renderer in self.renderers:
            renderer.text_scale = scale
        lay = reward_layout(rect, view.n_boards, len(self._legends(view)), (self.renderers[0].rows,
                            self.renderers[0].cols), scale)  # fmt: skip
        placed = [renderer.layout(r) for renderer, r in zip(self.renderers, lay.boards)]
        gap = round(8 * scale)
        header = lay.header.move(0, max(0, min(p.board.y for p in placed) - gap - lay.header.bottom))
        up = max(0, min(r.y for r in lay.legends) - gap - max(p.caption.bottom for p in placed))
        return RewardLayout(header, lay.boards, tuple(r.move(0, -up) for r in lay.legends))

    def board_rects(self, rect: pygame.Rect, view: RewardView, scale: float = 1.0) -> list[pygame.Rect]:
        """The cells' area of each board drawn in ``rect``: true, learned if any, KL if any."""
        lay = self.layout(rect, view, scale)
        return [renderer.layout(r).board for renderer, r in zip(self.renderers, lay.boards)]

    def _legends(self, view: RewardView) -> list[str]:
        """The legends ``view`` needs: the reward scale, "no data" if some (s, a) is not seen, KL."""
        unseen = not np.asarray(view.seen)[self.actable].all()
        return ["scale"] + ["no data"] * unseen + ["kl"] * (view.kl is not None)

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, view: RewardView, scale: float = 1.0) -> None:
        """Draw ``view`` into ``rect``; ``scale``: text size relative to the default window."""
        lay = self.layout(rect, view, scale)
        txt.blit(surface, view.header, round(16 * scale), THEME["text"], lay.header.center, bold=True,
                 max_width=lay.header.w)  # fmt: skip
        limit = view.limit(self.actable)
        boards = [(view.true, "true r(s, a)")]
        boards += [(view.learned, view.learned_title)] if view.learned is not None else []
        for renderer, place, (values, title) in zip(self.renderers, lay.boards, boards):
            board = BoardView(Q=np.asarray(values, dtype=float), overlays=frozenset({"q"}), value_limit=limit,
                              caption=title)  # fmt: skip
            renderer.draw(surface, place, board)
            self._hatch(surface, renderer, place, view.seen)
        if view.kl is not None:
            kl = BoardView(V=np.asarray(view.kl, dtype=float), overlays=frozenset({"values"}),
                           value_limit=view.kl_limit(), caption=KL_CAPTION)
            self.renderers[2].draw(surface, lay.boards[-1], kl)
        for name, place in zip(self._legends(view), lay.legends):
            if name == "scale":
                draw_legend(surface, place, limit, "r(s, a)", scale=scale)
            elif name == "no data":
                self._no_data_key(surface, place, scale)
            else:
                self._kl_legend(surface, place, view.kl_limit(), scale)

    def _hatch(self, surface: pygame.Surface, renderer: BoardRenderer, place: pygame.Rect, seen: np.ndarray) -> None:
        """Hatch the triangle of every open cell's (s, a) that is not ``seen``."""
        lay = renderer.layout(place)
        cell = lay.cell
        if cell < 6:
            return
        unseen = renderer.open[:, None] & ~np.asarray(seen, dtype=bool)
        s, a = np.nonzero(unseen)
        row, col = np.divmod(s, renderer.cols)
        surface.fblits([(self._hatch_sprite(cell, int(ai)), (lay.board.x + int(c) * cell, lay.board.y + int(r) * cell))
                        for r, c, ai in zip(row.tolist(), col.tolist(), a.tolist())])  # fmt: skip

    def _hatch_sprite(self, cell: int, a: int) -> pygame.Surface:
        """Diagonal line pairs inside action ``a``'s triangle of a ``cell``-pixel cell."""
        key = (cell, a)
        found = self._hatches.get(key)
        if found is None:
            if len(self._hatches) > 64:
                self._hatches.clear()
            found = pygame.Surface((cell, cell), pygame.SRCALPHA)
            found.fill((0, 0, 0, 0))
            for k in range(-cell, cell, HATCH_STEP):
                for offset, colour in enumerate(HATCH):
                    pygame.draw.line(found, colour, (k + offset, cell), (k + offset + cell, 0))
            mask = pygame.Surface((cell, cell), pygame.SRCALPHA)
            mask.fill((0, 0, 0, 0))
            c = (cell - 1) / 2
            corners = (((0, 0), (cell - 1, 0)), ((cell - 1, 0), (cell - 1, cell - 1)),
                       ((cell - 1, cell - 1), (0, cell - 1)), ((0, cell - 1), (0, 0)))[a]  # fmt: skip
            pygame.draw.polygon(mask, (255, 255, 255, 255), [*corners, (c, c)])
            found.blit(mask, (0, 0), special_flags=pygame.BLEND_RGBA_MULT)
            self._hatches[key] = found
        return found

    def _no_data_key(self, surface: pygame.Surface, rect: pygame.Rect, scale: float) -> None:
        """A hatched swatch and the words :data:`NO_DATA`."""
        size = max(11, round(14 * scale))
        swatch = round(22 * scale)
        box = pygame.Rect(rect.x, rect.y + round(4 * scale), swatch, swatch)
        pygame.draw.rect(surface, THEME["floor"], box)
        for a in range(4):
            surface.blit(self._hatch_sprite(swatch, a), box)
        pygame.draw.rect(surface, THEME["board_border"], box, 1)
        txt.blit(surface, txt.elide(NO_DATA, size, rect.right - box.right - 8), size, THEME["text"],
                 (box.right + 8, box.centery), "midleft")  # fmt: skip

    @staticmethod
    def _kl_legend(surface: pygame.Surface, rect: pygame.Rect, vmax: float, scale: float) -> None:
        """The KL scale, white (0, at pi*) to red (``vmax``)."""
        half = (DIVERGING.shape[0] - 1) // 2
        bar, size = colour_bar(surface, rect, "KL", DIVERGING[half:], scale)
        txt.blit(surface, "0 (at π*)", size, THEME["text"], (bar.x, bar.bottom + 4), "topleft")
        txt.blit(surface, txt.nice_number(vmax), size, THEME["text"], (bar.right - 1, bar.bottom + 4), "topright")


def _kl_header(kl: np.ndarray | None) -> str:
    """The header of a view with no learned reward: the mean and largest KL over the cells."""
    finite = np.asarray(kl if kl is not None else [], dtype=float)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return "no learned reward and no distance to π* to show"
    return f"distance to π*: mean KL {finite.mean():.3f}, largest {finite.max():.3f} over {finite.size} cells"
