"""The board: a gridworld level and what an agent knows about it, drawn onto a Surface.

:class:`BoardRenderer` draws one :class:`BoardView` (plain arrays, no agent objects) into a
rect of any surface. What it draws, bottom to top:

1. the fill of every open cell: the eligibility traces z(s) or z(s, a) (linear green map,
   0 to the largest trace), the value heatmap (diverging map), the four Q triangles, or
   visit counts (sequential map);
2. the level's tiles: walls, goal, hazards, holes, teleports (each with its letter and the
   reward for entering it);
3. per open cell: grid lines, start badge, wind chevrons, the layout letter of custom tiles,
   policy arrows (four per cell, length and opacity pi(a|s), raised to the upper part of
   the cell when a number is written under them), a visit bar (length and colour grow with
   log(1 + visits)) with the count in big cells, and the number: V(s), the four Q(s, a),
   or the visit count, wherever the widest of them fits its cell in a font of at least
   :data:`NUMBER_MIN_FONT` pixels (:meth:`BoardRenderer.numbers_shown`);
4. exit arrows (from Example 3.5's A to A', labelled with the reward);
5. drawn fresh every frame: the model's known transitions (cached until the model changes,
   :mod:`gridrl.render.layers`), the trail of the current episode, highlights of the last
   update, outlines of the pairs planning backed up, the selected cell, the agent token,
   and the caption under the board.

Speed (a 64x64 level with every overlay within a 16 ms frame): layers 1-4 are composed
into one opaque surface that is redrawn only where a cell's look changed (a per-cell key
says what each cell shows); the per-cell layer 3 likewise repaints only changed cells; a
whole-board fill is one numpy gather (Q triangles) or one scaled blit; every sprite and
text is cached by what it looks like. ``draw`` changes nothing but these caches.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pygame

from gridrl.levels import GridLevel, compile_grid
from gridrl.render import text as txt
from gridrl.render.colors import (
    DIVERGING,
    SEQUENTIAL,
    THEME,
    diverging,
    diverging_index,
    luminance,
    TRACES,
    mix,
    robust_limit,
    sequential,
    sequential_index,
    trace_index,
)
from gridrl.render.layers import ModelLayer, colour_bar, draw_planned
from gridrl.render.trail import TRAIL_LENGTH  # cells of the trail drawn at most

OVERLAYS = ("values", "numbers", "q", "policy", "visits")
#: Overlays of some agents' insight only: eligibility traces (``BoardView.traces``), a learnt
#: model (``BoardView.model_next``), and the preference agents' reward model beside the true
#: reward and their distance to pi* per cell (drawn by :mod:`gridrl.render.reward_view`).
AGENT_OVERLAYS = ("traces", "model", "reward", "distance")

#: Numbers are written in a font of at least this many pixels, and only where they fit in it.
NUMBER_MIN_FONT = 9
#: Cells narrower than this (pixels) write V(s) with one decimal fewer.
COMPACT_CELL = 44
#: The automatic colour scale reaches at least this fraction of the level's largest one-step
#: reward: a value of 1/20 of it or less is drawn close to white.
NOISE_FRACTION = 0.05
#: Visit counts in a corner (when the fill shows values) from this cell size on.
COUNT_MIN_CELL = 56
#: Policy probabilities are drawn in steps of 1/ARROW_LEVELS (the arrow sprites' cache key).
ARROW_LEVELS = 20
#: Visit bars are drawn in steps of 1/BAR_LEVELS of the longest.
BAR_LEVELS = 24

# Cell kinds: PLAIN cells carry values; the others are drawn as tiles.
PLAIN, WALL, GOAL, HAZARD, PIT, TELEPORT = range(6)
BUILTIN_CHARS = frozenset(".#SGX")
ACTION_VECTORS = ((0, -1), (1, 0), (0, 1), (-1, 0))  # (dx, dy) of up, right, down, left
#: Where the policy arrows start (fraction of the cell from its top) and how long they may be:
#: alone in the cell; raised above a number; small between the four Q numbers.
ARROW_GEOMETRY = {"center": (0.5, 1.0), "raised": (0.38, 0.6), "compact": (0.5, 0.45)}
#: Centre of the number (fraction of the cell from its top) when arrows are raised above it.
NUMBER_LOW = 0.79
#: Room of one number, as fractions of the cell (width, height): V(s) or a count under the
#: raised arrows (width 1: the cell less 3 pixels each side); Q(s, a) of left and right; Q(s, a)
#: of up and down.
NUMBER_ROOM = {"v": (1.0, 2 * (1 - NUMBER_LOW)), "q_side": (0.36, 0.32), "q_end": (0.44, 0.32)}


@dataclass
class BoardView:
    """What to draw: plain arrays over the states (``s = row * cols + col``), no agent objects."""

    V: np.ndarray | None = None  # (S,)
    Q: np.ndarray | None = None  # (S, 4)
    pi: np.ndarray | None = None  # (S, 4)
    visits: np.ndarray | None = None  # (S,)
    #: (row, col) of the agent token, fractional during smooth movement.
    agent: tuple[float, float] | None = None
    #: States of the current episode so far, oldest first.
    trail: Sequence[int] = ()
    #: state -> 0..1 intensity of the fading highlight of the last update's cells.
    highlight: dict[int, float] = field(default_factory=dict)
    #: The inspected cell.
    selected: int | None = None
    overlays: frozenset[str] = frozenset({"values", "policy"})
    #: One line under the board, e.g. "values after 3 sweeps, max |dV| = 0.25".
    caption: str | None = None
    #: A green pill at the caption's left, e.g. "✓ greedy policy optimal (seen at 9,068 steps)".
    badge: str | None = None
    #: Limit of the colour scale, to lock it (None: automatic, see ``BoardRenderer.color_limit``).
    value_limit: float | None = None
    #: Eligibility traces, (S,) z(s) or (S, 4) z(s, a): the fill while "traces" is on.
    traces: np.ndarray | None = None
    #: The pairs (flat, s * 4 + a) the last step's planning backed up: outlined.
    planned: np.ndarray | None = None
    #: (S, 4) the state a learnt model predicts after each (s, a), -1 where it knows none:
    #: drawn as arrows while "model" is on.
    model_next: np.ndarray | None = None


@dataclass(frozen=True)
class BoardLayout:
    """Where the board goes inside a rect: the cells' area, the cell size, the caption line."""

    board: pygame.Rect
    cell: int
    caption: pygame.Rect


class _LRU:
    """A least-recently-used cache of surfaces, bounded by their total pixel count."""

    def __init__(self, max_pixels: int) -> None:
        self.max_pixels = max_pixels
        self.pixels = 0
        self.items: OrderedDict[object, pygame.Surface] = OrderedDict()

    def get(self, key: object, make: Callable[[], pygame.Surface]) -> pygame.Surface:
        surf = self.items.get(key)
        if surf is not None:
            self.items.move_to_end(key)
            return surf
        surf = make()
        self.items[key] = surf
        self.pixels += surf.get_width() * surf.get_height()
        while self.pixels > self.max_pixels and len(self.items) > 1:
            _, old = self.items.popitem(last=False)
            self.pixels -= old.get_width() * old.get_height()
        return surf


class _CellLayer:
    """A transparent board-sized layer whose cells are repainted only when their key changes.

    ``keys`` is an (S, m) int64 array: one row per cell saying what it shows (0 = nothing).
    """

    def __init__(self, size: tuple[int, int], n_cells: int) -> None:
        self.surface = pygame.Surface(size, pygame.SRCALPHA)
        self.surface.fill((0, 0, 0, 0))
        self.keys = np.zeros((n_cells, 0), dtype=np.int64)

    def update(self, keys: np.ndarray, cell: int, cols: int,
               paint: Callable[[int, int, int], None]) -> tuple[np.ndarray, bool]:  # fmt: skip
        """Repaint the cells whose row of ``keys`` changed; ``paint(s, x, y)`` draws cell s.

        Returns the repainted cells and whether the whole layer was redrawn.
        """
        redrawn = keys.shape != self.keys.shape
        changed = (
            np.flatnonzero(np.any(keys != 0, axis=1)) if redrawn
            else np.flatnonzero(np.any(keys != self.keys, axis=1))
        )  # fmt: skip
        if not redrawn and changed.size > 0.6 * max(np.count_nonzero(np.any(keys != 0, axis=1)), 1):
            redrawn = True
            changed = np.flatnonzero(np.any(keys != 0, axis=1))
        if redrawn:
            self.surface.fill((0, 0, 0, 0))
        rows, cs = np.divmod(changed, cols)
        for s, r, c in zip(changed.tolist(), rows.tolist(), cs.tolist()):
            x, y = c * cell, r * cell
            if not redrawn:
                self.surface.fill((0, 0, 0, 0), (x, y, cell, cell))
            paint(s, x, y)
        self.keys = keys.copy()
        return changed, redrawn


#: The composite's pixel format (XRGB8888, the usual display format): fixed, so that colour
#: tables can be packed once.
_FORMAT_MASKS = (0xFF0000, 0x00FF00, 0x0000FF, 0)
_FORMAT_SHIFTS = (16, 8, 0)


def _pack(rgb: np.ndarray, shifts: tuple[int, int, int]) -> np.ndarray:
    """(N, 3) colours -> (N,) uint32 pixels."""
    c = np.asarray(rgb).astype(np.uint32)
    return (c[:, 0] << shifts[0]) | (c[:, 1] << shifts[1]) | (c[:, 2] << shifts[2])


class _Composite:
    """The board as last drawn (opaque), and what each open cell's fill was."""

    def __init__(self, size: tuple[int, int]) -> None:
        self.surface = pygame.Surface(size, 0, 32, _FORMAT_MASKS)
        self.signature: tuple | None = None
        self.fill_keys: np.ndarray | None = None


class BoardRenderer:
    """Draws a gridworld level and an agent's insight (a :class:`BoardView`) into a rect."""

    def __init__(self, level: GridLevel) -> None:
        #: How much larger than at the default window the caption is drawn (presentation mode).
        self.text_scale = 1.0
        self.set_level(level)

    # ------------------------------------------------------------------ level and geometry

    def set_level(self, level: GridLevel) -> None:
        """Use ``level`` from now on (after live edits or a level switch); clears every cache."""
        self.level = level
        self.grid = grid = compile_grid(level)
        self.rows, self.cols = grid.rows, grid.cols
        self.n = grid.n_cells
        #: The reward for the step that enters each cell (what a student sees written on it).
        self.entering_reward = grid.reward + level.dynamics.step_reward
        kind = np.full(self.n, PLAIN, dtype=np.int8)
        kind[grid.teleport >= 0] = TELEPORT
        terminal = grid.terminal
        kind[terminal & (self.entering_reward < 0)] = HAZARD
        kind[terminal & (self.entering_reward >= 0)] = PIT
        kind[terminal & ((grid.chars == "G") | (grid.reward > 0))] = GOAL
        kind[grid.wall] = WALL
        self.kind = kind
        #: The largest reward one step can pay: the automatic colour scale never goes below
        #: NOISE_FRACTION of it.
        d = level.dynamics
        self.reward_scale = float(max(np.abs(self.entering_reward).max(initial=0.0),
                                      np.abs(grid.exit_reward).max(initial=0.0),
                                      abs(d.step_reward), abs(d.step_reward + d.bump_reward)))  # fmt: skip
        #: Cells that carry values (and arrows, numbers): open, not terminal, not teleports.
        self.open = kind == PLAIN
        self.open_cells = np.flatnonzero(self.open)
        rr, cc = np.divmod(np.arange(self.n), self.cols)
        self._checker = ((rr + cc) % 2).astype(np.int64)
        self._floor_rgb = np.array([THEME["floor"], THEME["floor_alt"]], dtype=np.uint8)[self._checker]
        self._edge = (rr == 0) | (cc == 0) | (rr == self.rows - 1) | (cc == self.cols - 1)
        self._clear_caches()

    def _clear_caches(self) -> None:
        self._static: dict[int, pygame.Surface] = {}
        self._exits: dict[int, pygame.Surface | None] = {}
        self._floor: dict[int, pygame.Surface] = {}
        self._index: dict[object, np.ndarray] = {}
        self._composites: dict[int, _Composite] = {}
        self._overlays: dict[int, _CellLayer] = {}
        self._small: pygame.Surface | None = None
        self._packed: np.ndarray | None = None
        self._packed_trace_table: np.ndarray | None = None
        self._sprites = _LRU(max_pixels=24_000_000)
        self._segments: dict[object, object] = {}  # trail pieces, by (dx, dy, fade) for one cell size
        self._limit_memo: tuple[BoardView, float | None, frozenset[str], float] | None = None
        self._model = ModelLayer()

    def layout(self, rect: pygame.Rect) -> BoardLayout:
        """The board's place in ``rect``: square cells as large as fit, centred, with a caption
        line reserved under it (so the board does not move when a caption comes or goes), as
        high as 5 % of ``rect`` within 20 to 30 px times ``text_scale``."""
        rect = pygame.Rect(rect)
        k = self.text_scale
        line = int(min(max(rect.h * 0.05, 20 * k), 30 * k)) if rect.h >= 100 else 0
        avail_h = max(rect.h - line, 1)
        cell = max(1, min(rect.w // self.cols, avail_h // self.rows))
        w, h = cell * self.cols, cell * self.rows
        x = rect.x + (rect.w - w) // 2
        y = rect.y + max((avail_h - h) // 2, 0)
        return BoardLayout(pygame.Rect(x, y, w, h), cell, pygame.Rect(rect.x, y + h, rect.w, line))

    def cell_at(self, pos: tuple[int, int], rect: pygame.Rect) -> int | None:
        """The state under a mouse position, or None outside the board."""
        lay = self.layout(rect)
        if not lay.board.collidepoint(pos):
            return None
        col = (int(pos[0]) - lay.board.x) // lay.cell
        row = (int(pos[1]) - lay.board.y) // lay.cell
        return row * self.cols + col

    def cell_rect(self, s: int, rect: pygame.Rect) -> pygame.Rect:
        """The screen rect of state ``s``."""
        lay = self.layout(rect)
        row, col = divmod(int(s), self.cols)
        return pygame.Rect(lay.board.x + col * lay.cell, lay.board.y + row * lay.cell, lay.cell, lay.cell)

    def color_limit(self, view: BoardView) -> float:
        """The colour scale's limit for ``view``: its ``value_limit`` (locked), else automatic:
        the :data:`~gridrl.render.colors.LIMIT_PERCENTILE` percentile of |value| over the open
        cells (of Q with the "q" overlay, else of V), so that one outlier does not wash out
        the rest, but at least NOISE_FRACTION of the level's largest reward, so that values
        that are all about 0 look white; rounded up to 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6 or 8
        times a power of ten (a legend that reads well, a scale that does not shift with
        every update)."""
        memo = self._limit_memo
        if memo is not None and memo[0] is view and memo[1:3] == (view.value_limit, view.overlays):
            return memo[3]  # drawn and its legend in one frame: one percentile
        limit = self._color_limit(view)
        self._limit_memo = (view, view.value_limit, view.overlays, limit)
        return limit

    def trace_limit(self, view: BoardView) -> float:
        """The top of the traces' colour scale in ``view``: see :func:`trace_limit`."""
        return trace_limit(_traces(view.traces, self.n))

    def _color_limit(self, view: BoardView) -> float:
        if view.value_limit is not None and np.isfinite(view.value_limit) and view.value_limit > 0:
            return float(view.value_limit)
        floor = NOISE_FRACTION * self.reward_scale if self.reward_scale > 0 else 1.0
        values = view.Q if ("q" in view.overlays and view.Q is not None) else view.V
        if values is None or self.open_cells.size == 0:
            return round_up(floor)
        values = np.asarray(values, dtype=float)
        if values.shape[0] != self.n:
            return round_up(floor)
        return round_up(robust_limit(values[self.open_cells], floor))

    # ------------------------------------------------------------------ drawing

    def draw(self, surface: pygame.Surface, rect: pygame.Rect, view: BoardView) -> None:
        """Draw ``view`` into ``rect`` of ``surface``. Changes nothing but the caches."""
        lay = self.layout(rect)
        cell, board = lay.cell, lay.board
        overlays = view.overlays
        limit = self.color_limit(view)
        V = _array(view.V, (self.n,))
        Q = _array(view.Q, (self.n, 4))
        pi = _array(view.pi, (self.n, 4))
        visits = _array(view.visits, (self.n,))
        traces = _traces(view.traces, self.n)
        show_visits = "visits" in overlays and visits is not None
        fill = _fill(overlays, V, Q, visits, traces)
        numbers = self._numbers_shown(cell, overlays, fill, V, Q, visits)
        frame = _Frame(
            fill=fill, numbers=numbers, limit=limit, V=V, Q=Q, pi=pi, visits=visits, traces=traces,
            trace_limit=trace_limit(traces),
            arrows="policy" in overlays and pi is not None and cell >= 6,
            bars=show_visits and fill in ("q", "values", "traces", "trace_q") and cell >= 8,
            geometry="compact" if numbers == "q" else "raised" if numbers else "center",
        )  # fmt: skip
        overlay, repainted, redrawn = self._overlay_layer(cell, frame)
        exits = self._exit_layer(cell)

        composite = self._composite(cell)
        fill_colors, fill_keys = self._fill_colors(frame)
        signature = (fill, frame.arrows, frame.bars, numbers, frame.geometry)
        if composite.signature != signature or redrawn or composite.fill_keys is None:
            self._compose_all(composite, cell, fill, fill_colors, overlay, exits)
        else:
            dirty = np.flatnonzero(np.any(fill_keys != composite.fill_keys, axis=1))
            dirty = np.union1d(dirty, repainted)
            if dirty.size > max(0.5 * self.open_cells.size, 1):
                self._compose_all(composite, cell, fill, fill_colors, overlay, exits)
            elif dirty.size:
                self._compose_cells(composite, cell, fill, fill_colors, overlay, exits, dirty)
        composite.signature, composite.fill_keys = signature, fill_keys
        surface.blit(composite.surface, board)

        # The moving parts, drawn fresh every frame.
        if "model" in overlays and view.model_next is not None:
            self._model.draw(surface, board, cell, self.cols, view.model_next)
        if view.trail:
            self._draw_trail(surface, board, cell, view)
        if view.highlight:
            self._draw_highlights(surface, board, cell, view.highlight)
        if view.planned is not None and len(view.planned):
            draw_planned(surface, board, cell, self.cols, view.planned)
        if view.selected is not None and 0 <= view.selected < self.n:
            self._draw_selection(surface, board, cell, int(view.selected))
        if view.agent is not None:
            row, col = view.agent
            token = self._sprite(("agent", cell), lambda: _agent_sprite(cell))
            surface.blit(token, (board.x + round(col * cell), board.y + round(row * cell)))
        if (view.caption or view.badge) and lay.caption.h >= 12:
            self._draw_caption(surface, lay.caption, view.caption or "", view.badge)

    def _draw_caption(self, surface: pygame.Surface, rect: pygame.Rect, caption: str, badge: str | None) -> None:
        """The caption centred in ``rect`` after the badge's pill, if any; a caption too long
        loses its last " · " parts before its size shrinks."""
        size = max(12, int(rect.h * 0.64))
        if badge:
            label = txt.fitted(badge, size - 1, THEME["text_light"], rect.w - 8, bold=True)
            pill = label.get_rect().inflate(size * 0.8, max(2, rect.h - label.get_height() - 2))
            pill.midleft = (rect.x + 4, rect.centery)
            pygame.draw.rect(surface, THEME["goal"], pill, border_radius=pill.h // 2)
            txt.blit(surface, badge, size - 1, THEME["text_light"], pill.center, bold=True, max_width=rect.w - 8)
            rect = pygame.Rect(pill.right + 4, rect.y, max(0, rect.right - pill.right - 4), rect.h)
        while " · " in caption and txt.font(size).size(caption)[0] > rect.w - 8:
            caption = caption.rsplit(" · ", 1)[0]
        if caption and rect.w > 20:
            txt.blit(surface, caption, size, THEME["text"], rect.center, max_width=rect.w - 8)

    def numbers_shown(self, view: BoardView, cell: int) -> str | None:
        """Which number the open cells of ``view`` show at ``cell`` pixels: "q" (the four
        Q(s, a)), "v" (V(s)), "count" (visits), or None: the widest over the open cells must
        fit its room (:data:`NUMBER_ROOM`) in a font of :data:`NUMBER_MIN_FONT` pixels, so a
        number is either readable in every cell or shown in none."""
        V, Q, visits = _array(view.V, (self.n,)), _array(view.Q, (self.n, 4)), _array(view.visits, (self.n,))
        fill = _fill(view.overlays, V, Q, visits, _traces(view.traces, self.n))
        return self._numbers_shown(cell, view.overlays, fill, V, Q, visits)

    def _numbers_shown(self, cell: int, overlays: frozenset[str], fill: str | None, V: np.ndarray | None,
                       Q: np.ndarray | None, visits: np.ndarray | None) -> str | None:  # fmt: skip
        height = txt.font(NUMBER_MIN_FONT).get_height()

        def fits(room: str, width: int) -> bool:
            w, h = NUMBER_ROOM[room]
            return height <= h * cell and width <= (w * cell if w < 1 else cell - 6)

        shown = self.open_cells
        if "numbers" in overlays:
            if fill == "q" and Q is not None:
                side, end = Q[shown][:, [1, 3]], Q[shown][:, [0, 2]]
                if fits("q_side", txt.number_width(side, NUMBER_MIN_FONT, True)) and fits(
                        "q_end", txt.number_width(end, NUMBER_MIN_FONT, True)):  # fmt: skip
                    return "q"
            if V is not None and fits("v", txt.number_width(V[shown], NUMBER_MIN_FONT, cell < COMPACT_CELL)):
                return "v"
        if fill == "visits" and visits is not None:
            top = float(np.nanmax(visits[shown], initial=0.0))
            if fits("v", txt.font(NUMBER_MIN_FONT).size(f"{int(min(top, 10**12)):,}")[0]):
                return "count"
        return None

    # ------------------------------------------------------------------ composing the board

    def _composite(self, cell: int) -> _Composite:
        found = self._composites.get(cell)
        if found is None:
            self._composites.clear()
            found = self._composites[cell] = _Composite((cell * self.cols, cell * self.rows))
        return found

    def _fill_colors(self, frame: _Frame) -> tuple[np.ndarray, np.ndarray]:
        """The fill colours, (S, 3) RGB, or (S, 4) packed pixels for the Q triangles, and an
        (S, 4) int64 key per cell that changes exactly when its fill does (0 outside the
        open cells)."""
        keys = np.zeros((self.n, 4), dtype=np.int64)
        if frame.fill == "trace_q":  # packed, as the Q triangles
            index = trace_index(frame.traces, frame.trace_limit)
            colors = np.take(self._packed_traces(), index)
            keys[:] = index + 2
        elif frame.fill == "traces":
            index = trace_index(frame.traces, frame.trace_limit)
            colors = TRACES[index]
            keys[:, 0] = index + 2
        elif frame.fill == "q":  # packed pixels straight away: 4 colours a cell add up
            index = diverging_index(frame.Q, frame.limit)
            colors = np.take(self._packed_diverging(), index)  # NaN (-1): the neutral grey
            keys[:] = index + 2
        elif frame.fill == "values":
            colors = diverging(frame.V, frame.limit)
            keys[:, 0] = diverging_index(frame.V, frame.limit) + 2
        elif frame.fill == "visits":
            colors = self._visit_colors(frame.visits)
            keys[:, 0] = self._visit_keys(frame.visits)
        else:
            colors = self._floor_colors()
            keys[:, 0] = 1
        if frame.fill in ("values", "visits", "traces"):
            # Under the tiles: the floor, the same whatever the values (tiles' grid lines are
            # semi-transparent, and these cells are never redrawn on their own).
            colors[~self.open] = self._floor_rgb[~self.open]
        keys[~self.open] = 0
        return colors, keys

    def _packed_diverging(self) -> np.ndarray:
        """:data:`DIVERGING` then the neutral grey, as 32-bit pixels of the composite's format."""
        if self._packed is None:
            table = np.concatenate([DIVERGING, [THEME["neutral"]]])
            self._packed = _pack(table, _FORMAT_SHIFTS)
        return self._packed

    def _packed_traces(self) -> np.ndarray:
        """:data:`TRACES` as 32-bit pixels of the composite's format."""
        if self._packed_trace_table is None:
            self._packed_trace_table = _pack(TRACES, _FORMAT_SHIFTS)
        return self._packed_trace_table

    def _floor_colors(self) -> np.ndarray:
        """(S, 3) the floor's checkerboard colours (a fresh copy: callers write into it)."""
        return self._floor_rgb.copy()

    def _compose_all(self, composite: _Composite, cell: int, fill: str | None, colors: np.ndarray,
                     overlay: pygame.Surface, exits: pygame.Surface | None) -> None:  # fmt: skip
        """Redraw the whole board: the fill, the tiles, the per-cell layer, the exits."""
        target = composite.surface
        if fill is None:
            target.blit(self._floor_layer(cell), (0, 0))
        elif fill in ("q", "trace_q"):
            self._fill_triangles(target, cell, colors)
        else:
            small = self._small
            if small is None:
                small = self._small = pygame.Surface((self.cols, self.rows), 0, 32)
            pygame.surfarray.blit_array(small, colors.reshape(self.rows, self.cols, 3).transpose(1, 0, 2))
            pygame.transform.scale(small, target.get_size(), target)
        target.blit(self._static_layer(cell), (0, 0))
        target.blit(overlay, (0, 0))
        if exits is not None:
            target.blit(exits, (0, 0))
        self._draw_border(target, cell)

    def _compose_cells(self, composite: _Composite, cell: int, fill: str | None, colors: np.ndarray,
                       overlay: pygame.Surface, exits: pygame.Surface | None,
                       cells: np.ndarray) -> None:  # fmt: skip
        """Redraw only ``cells`` (open cells): their fill, then the layers' part over them."""
        target = composite.surface
        rows, cols = np.divmod(cells, self.cols)
        xs, ys = (cols * cell).tolist(), (rows * cell).tolist()
        if fill in ("q", "trace_q"):
            pattern = self._triangle_pattern(cell)
            separator = _pack(np.array([_SEPARATOR]), _FORMAT_SHIFTS)
            pixels = pygame.surfarray.pixels2d(target)
            try:
                for s, x, y in zip(cells.tolist(), xs, ys):
                    pixels[x : x + cell, y : y + cell] = np.append(colors[s], separator)[pattern].T
            finally:
                del pixels
        else:
            for s, x, y, color in zip(cells.tolist(), xs, ys, colors[cells].tolist()):
                target.fill(color, (x, y, cell, cell))
        parts = [(overlay, (x, y), (x, y, cell, cell)) for x, y in zip(xs, ys)]
        if exits is not None:
            parts += [(exits, (x, y), (x, y, cell, cell)) for x, y in zip(xs, ys)]
        target.blits(parts, doreturn=False)
        if self._edge[cells].any():
            self._draw_border(target, cell)

    def _draw_border(self, target: pygame.Surface, cell: int) -> None:
        pygame.draw.rect(target, THEME["board_border"], target.get_rect(), 2 if cell >= 8 else 1)

    def _fill_triangles(self, target: pygame.Surface, cell: int, colors: np.ndarray) -> None:
        """The Q triangles of the whole board: one gather from a colour table into the pixels."""
        index = self._triangle_index(cell)
        floor = _pack(np.array([THEME["floor"], THEME["floor_alt"], _SEPARATOR]), _FORMAT_SHIFTS)
        table = np.concatenate([colors.reshape(-1), floor])
        pixels = pygame.surfarray.pixels2d(target)
        try:
            np.take(table, index, out=pixels.T, mode="clip")
        finally:
            del pixels

    def _triangle_pattern(self, cell: int) -> np.ndarray:
        """(cell, cell) int, indexed [y, x]: the triangle (action 0-3, or 4 = the separator on
        the diagonals) each pixel of a cell belongs to."""
        key = ("pattern", cell)
        found = self._index.get(key)
        if found is None:
            ly = np.arange(cell)[:, None]
            lx = np.arange(cell)[None, :]
            d1 = lx - ly  # > 0: above the main diagonal (top-right half)
            d2 = (cell - 1 - lx) - ly  # > 0: above the anti-diagonal (top-left half)
            found = np.where(d1 > 0, np.where(d2 >= 0, 0, 1), np.where(d2 > 0, 3, 2))
            if cell >= 12:
                found = np.where((d1 == 0) | (d2 == 0), 4, found)
            self._index[key] = found
        return found

    def _triangle_index(self, cell: int) -> np.ndarray:
        """(H, W) int32: every board pixel's entry in the colour table of
        :meth:`_fill_triangles` (s * 4 + a, then floor, floor_alt, separator)."""
        key = ("index", cell)
        found = self._index.get(key)
        if found is not None:
            return found
        for old in [k for k in self._index if k[0] == "index"]:  # type: ignore[index]
            del self._index[old]
        h, w = cell * self.rows, cell * self.cols
        pattern = self._triangle_pattern(cell)
        s = (np.arange(h) // cell)[:, None] * self.cols + (np.arange(w) // cell)[None, :]
        tri = np.tile(pattern, (self.rows, self.cols))
        base = self.n * 4
        index = np.where(tri == 4, base + 2, s * 4 + np.minimum(tri, 3))
        index = np.where(self.open[s], index, base + self._checker[s])
        found = self._index[key] = np.ascontiguousarray(index, dtype=np.int32)
        return found

    def _visit_colors(self, visits: np.ndarray) -> np.ndarray:
        """Sequential colours of visit counts; never visited = plain floor."""
        top = float(np.nanmax(visits)) if visits.size else 0.0
        colors = sequential(visits, max(top, 1.0))
        colors[~(visits > 0)] = THEME["floor"]
        return colors

    def _visit_keys(self, visits: np.ndarray) -> np.ndarray:
        """An int64 per cell that changes exactly when its visit colour does (1: never visited)."""
        top = max(float(np.nanmax(visits)) if visits.size else 0.0, 1.0)
        return np.where(visits > 0, sequential_index(visits, top) + 2, 1)

    def _floor_layer(self, cell: int) -> pygame.Surface:
        """The bare floor (a faint checkerboard), when no overlay fills the cells."""
        found = self._floor.get(cell)
        if found is None:
            small = pygame.Surface((self.cols, self.rows), 0, 32)
            colors = np.array([THEME["floor"], THEME["floor_alt"]], dtype=np.uint8)[self._checker]
            pygame.surfarray.blit_array(small, colors.reshape(self.rows, self.cols, 3).transpose(1, 0, 2))
            found = pygame.transform.scale(small, (self.cols * cell, self.rows * cell))
            self._floor.clear()
            self._floor[cell] = found
        return found

    # ------------------------------------------------------------------ the tiles

    def _static_layer(self, cell: int) -> pygame.Surface:
        """The tiles of the cells that are not open (walls, goal, hazards, holes, teleports),
        with their grid lines; transparent over the open cells."""
        found = self._static.get(cell)
        if found is not None:
            return found
        self._static.clear()
        g = self.grid
        layer = pygame.Surface((cell * self.cols, cell * self.rows), pygame.SRCALPHA)
        layer.fill((0, 0, 0, 0))
        blits: list[tuple[pygame.Surface, tuple[int, int]]] = []
        for s in np.flatnonzero(~self.open).tolist():
            r, c = divmod(s, self.cols)
            x, y = c * cell, r * cell
            kind = int(self.kind[s])
            reward = float(self.entering_reward[s])
            if kind == WALL:
                blits.append((self._sprite(("wall", cell), lambda: _wall_sprite(cell)), (x, y)))
                continue
            if kind == GOAL:
                sprite = self._sprite(("goal", cell, reward), lambda: _goal_sprite(cell, reward))
            elif kind == HAZARD:
                sprite = self._sprite(("hazard", cell, reward), lambda: _hazard_sprite(cell, reward))
            elif kind == PIT:
                sprite = self._sprite(("pit", cell), lambda: _pit_sprite(cell))
            else:  # TELEPORT
                angle = self._target_angle(s, g.targets[g.teleport[s]])
                sprite = self._sprite(("teleport", cell, angle, reward),
                                      lambda: _teleport_sprite(cell, angle, reward))  # fmt: skip
            blits.append((sprite, (x, y)))
            char = str(g.chars[s])
            if char not in BUILTIN_CHARS and cell >= 16:
                color = THEME["text_muted"] if kind == PIT else THEME["text_light"]
                letter = txt.text(char, max(9, int(cell * 0.2)), color, bold=True)
                blits.append((letter, (x + max(2, cell // 14), y + max(1, cell // 20))))
        layer.fblits(blits)
        if cell >= 6:
            grid = (*THEME["grid"], 110)
            for s in np.flatnonzero(~self.open).tolist():
                r, c = divmod(s, self.cols)
                x, y = c * cell, r * cell
                if c:
                    pygame.draw.line(layer, grid, (x, y), (x, y + cell - 1))
                if r:
                    pygame.draw.line(layer, grid, (x, y), (x + cell - 1, y))
        self._static[cell] = layer
        return layer

    def _exit_layer(self, cell: int) -> pygame.Surface | None:
        """The curved arrows of exit cells, drawn over everything per cell (None: no exits)."""
        if cell in self._exits:
            return self._exits[cell]
        self._exits.clear()
        exits = np.flatnonzero(self.grid.exit >= 0)
        found = None
        if exits.size and cell >= 8:
            found = pygame.Surface((cell * self.cols, cell * self.rows), pygame.SRCALPHA)
            found.fill((0, 0, 0, 0))
            for s in exits.tolist():
                self._draw_exit_arrow(found, cell, s)
        self._exits[cell] = found
        return found

    def _target_angle(self, s: int, targets: np.ndarray) -> int:
        """Direction (degrees, counter-clockwise from +x, multiple of 15) to the nearest target."""
        r, c = divmod(s, self.cols)
        tr, tc = np.divmod(targets, self.cols)
        i = int(np.argmin((tr - r) ** 2 + (tc - c) ** 2))
        dy, dx = int(tr[i]) - r, int(tc[i]) - c
        if dx == 0 and dy == 0:
            return -1
        return int(round(math.degrees(math.atan2(-dy, dx)) / 15.0)) * 15 % 360

    def _draw_exit_arrow(self, layer: pygame.Surface, cell: int, s: int) -> None:
        """A curved arrow from an exit cell to where it sends the agent, labelled with its reward
        (Sutton & Barto Figure 3.2's A -> A' with +10)."""
        g = self.grid
        targets = g.targets[g.exit[s]]
        r, c = divmod(s, self.cols)
        tr, tc = np.divmod(targets, self.cols)
        i = int(np.argmin((tr - r) ** 2 + (tc - c) ** 2))
        start = np.array([(c + 0.5) * cell, (r + 0.5) * cell])
        end = np.array([(int(tc[i]) + 0.5) * cell, (int(tr[i]) + 0.5) * cell])
        if np.allclose(start, end):
            return
        label = _reward_text(float(g.exit_reward[s]), float(g.exit_reward_std[s]))
        _curved_arrow(layer, start, end, cell, THEME["exit"], label)

    # ------------------------------------------------------------------ the per-cell layer

    def _overlay_layer(self, cell: int, frame: _Frame) -> _LayerUpdate:
        """Grid lines, badges, wind, letters, arrows, visit bars and numbers of the open cells,
        on one transparent layer repainted per cell when what the cell shows changes."""
        layer = self._overlays.get(cell)
        if layer is None:
            self._overlays.clear()
            layer = self._overlays[cell] = _CellLayer((cell * self.cols, cell * self.rows), self.n)
        columns = [self.open.astype(np.int64)]  # open cells always show their grid lines
        painters: list[Callable[[int, int, int, list], None]] = [self._decoration_painter(cell)]
        if frame.arrows:
            key, paint = self._arrow_painter(cell, frame)
            columns.append(key[:, None])
            painters.append(paint)
        if frame.bars:
            keys, paint = self._bar_painter(cell, frame)
            columns.append(keys)
            painters.append(paint)
        if frame.numbers:
            keys, paint = self._number_painter(cell, frame)
            columns.append(keys)
            painters.append(paint)
        keys = np.column_stack(columns)
        keys[~self.open] = 0
        blits: list[tuple[pygame.Surface, tuple[int, int]]] = []

        def paint(s: int, x: int, y: int) -> None:
            for painter in painters:
                painter(s, x, y, blits)

        repainted, redrawn = layer.update(keys, cell, self.cols, paint)
        if blits:
            layer.surface.fblits(blits)
        return layer.surface, repainted, redrawn

    def _decoration_painter(self, cell: int) -> Callable[[int, int, int, list], None]:
        """Grid lines (each cell owns its top and left line), start badge, wind, letter."""
        g = self.grid
        grid = (*THEME["grid"], 110)
        surface = self._overlays[cell].surface

        def paint(s: int, x: int, y: int, blits: list) -> None:
            r, c = divmod(s, self.cols)
            if cell >= 6:
                if c:
                    surface.fill(grid, (x, y, 1, cell))
                if r:
                    surface.fill(grid, (x, y, cell, 1))
            dr, dc = int(g.wind[s, 0]), int(g.wind[s, 1])
            if (dr or dc) and cell >= 10:
                blits.append((self._sprite(("wind", cell, dr, dc), lambda: _wind_sprite(cell, dr, dc)), (x, y)))
            left, top = x + max(2, cell // 14), y + max(1, cell // 20)
            if g.start[s] and cell >= 12:
                badge = self._sprite(("start", cell), lambda: _start_badge(cell))
                m = max(2, cell // 16)
                blits.append((badge, (x + m, y + m)))
                left = x + 2 * m + badge.get_width()
            # a custom tile's letter (after the badge on a custom start tile) and, when the
            # tile pays something itself, what entering it pays, as the tiles write theirs
            label = str(g.chars[s]) if cell >= 16 and str(g.chars[s]) not in BUILTIN_CHARS else ""
            if (g.reward[s] != 0 or g.reward_std[s] > 0) and cell >= 32:
                label = f"{label} {_reward_text(float(self.entering_reward[s]), float(g.reward_std[s]))}".strip()
            if label:
                text = txt.fitted(label, max(9, int(cell * 0.2)), THEME["text_muted"], x + cell - 2 - left, bold=True)
                blits.append((text, (left, top)))

        return paint

    def letters_drawn(self, cell: int) -> np.ndarray:
        """(S,) True where the board itself writes a cell's layout character at ``cell``
        pixels (a custom tile's letter, the start badge of an 'S'): an editor that labels
        cells with their characters skips these instead of writing them twice."""
        g = self.grid
        custom = ~np.isin(g.chars, list(BUILTIN_CHARS)) & ~g.wall
        return (custom & (cell >= 16)) | ((g.chars == "S") & g.start & (cell >= 12))

    def _arrow_painter(self, cell: int, frame: _Frame) -> tuple[np.ndarray, Callable]:
        """Policy arrows: a key per cell from pi quantised to 1/ARROW_LEVELS, and the painter."""
        pi = frame.pi
        finite = self.open & np.all(np.isfinite(pi), axis=1)
        p = np.clip(np.where(finite[:, None], pi, 0.0), 0.0, 1.0)
        levels = np.floor(p * ARROW_LEVELS + 0.5).astype(np.int64)
        levels[(p > 0.004) & (levels == 0)] = 1  # a small but real probability stays visible
        code = levels @ np.array([1, 21, 21**2, 21**3], dtype=np.int64)
        code[~finite] = 0
        geometry = frame.geometry
        shape = list(ARROW_GEOMETRY).index(geometry)
        code = np.where(code != 0, code * 4 + shape, 0)

        def paint(s: int, x: int, y: int, blits: list) -> None:
            if code[s]:
                key = ("arrows", cell, int(code[s]))
                blits.append((self._sprite(key, lambda: _arrow_sprite(cell, levels[s], geometry)), (x, y)))

        return code, paint

    def _bar_painter(self, cell: int, frame: _Frame) -> tuple[np.ndarray, Callable]:
        """Visit bars (length and colour ~ log(1 + visits)) and, in big cells, the counts."""
        visits = frame.visits
        top = max(float(np.nanmax(visits)) if visits.size else 0.0, 1.0)
        seen = self.open & (visits > 0)
        level = np.where(seen, np.maximum(np.rint(sequential_index(visits, top) / 256 * BAR_LEVELS), 1), 0)
        keys = np.zeros((self.n, 2), dtype=np.int64)
        keys[:, 0] = level
        show_count = cell >= COUNT_MIN_CELL
        if show_count:
            V = frame.V if frame.fill == "values" else None
            under = diverging_index(V, frame.limit) + 2 if V is not None else np.ones(self.n, dtype=np.int64)
            count = np.minimum(np.nan_to_num(visits), 10**12).astype(np.int64)
            keys[:, 1] = np.where(seen, (count + 1) * 1024 + under, 0)
            white = luminance(diverging(V, frame.limit)) < 0.2 if V is not None else np.zeros(self.n, dtype=bool)
        small = min(15, max(9, int(cell * 0.15)))

        def paint(s: int, x: int, y: int, blits: list) -> None:
            k = int(level[s])
            if k:
                bar = self._sprite(("bar", cell, k), lambda: _bar_sprite(cell, k))
                blits.append((bar, (x, y + cell - bar.get_height())))
            if show_count and keys[s, 1]:
                color = THEME["text_light"] if white[s] else THEME["text"]
                run, w, _ = txt.glyphs(f"{int(visits[s]):,}", small, color, int(cell * 0.45))
                left, top = x + cell - max(2, cell // 16) - w, y + max(1, cell // 24)
                blits.extend((g, (left + off, top)) for g, off in run)

        return keys, paint

    def _number_painter(self, cell: int, frame: _Frame) -> tuple[np.ndarray, Callable]:
        """V(s) (under raised arrows), the four Q(s, a), or visit counts: keys that change
        exactly when a cell's text or its colour does, and the painter."""
        numbers, V, Q, visits, limit = frame.numbers, frame.V, frame.Q, frame.visits, frame.limit
        compact = cell < COMPACT_CELL
        keys = np.zeros((self.n, 4 if numbers == "q" else 1), dtype=np.int64)
        low = numbers in ("v", "count")  # under the (raised) arrows
        pill = frame.fill == "q" and numbers == "v"  # on a pill of the V colour over the triangles
        if frame.fill == "visits":
            under = self._visit_colors(visits)
            under_key = self._visit_keys(visits)
        elif V is not None:
            under = diverging(V, limit)
            under_key = diverging_index(V, limit) + 2
        else:
            under = np.tile(np.array(THEME["floor"], dtype=np.uint8), (self.n, 1))
            under_key = np.ones(self.n, dtype=np.int64)
        q_dark_text = None
        if numbers == "v":
            number = _number_keys(V, compact)
            keys[:, 0] = np.where(number != 0, number * 1024 + under_key, 0)
        elif numbers == "count":
            count = np.minimum(np.nan_to_num(visits), 10**12).astype(np.int64)
            keys[:, 0] = np.where(count > 0, (count + 1) * 1024 + under_key, 0)
        else:
            q_idx = diverging_index(Q.reshape(-1), limit).reshape(self.n, 4)
            q_dark_text = (luminance(DIVERGING[np.maximum(q_idx, 0)].reshape(-1, 3)) >= 0.2).reshape(self.n, 4)
            for a in range(4):
                number = _number_keys(Q[:, a], True)
                keys[:, a] = np.where(number != 0, number * 1024 + q_idx[:, a] + 2, 0)
        white = luminance(under) < 0.2
        size = min(30, max(NUMBER_MIN_FONT, int(cell * 0.22)))
        small = min(16, max(NUMBER_MIN_FONT, int(cell * 0.15)))

        def paint(s: int, x: int, y: int, blits: list) -> None:
            cx, cy = x + cell / 2, y + cell * (NUMBER_LOW if low else 0.5)
            if numbers == "q":
                for a, (dx, dy) in enumerate(ACTION_VECTORS):
                    q = float(Q[s, a])
                    if not math.isfinite(q):
                        continue
                    color = THEME["text"] if q_dark_text[s, a] else THEME["text_light"]
                    width = int(cell * NUMBER_ROOM["q_side" if dx else "q_end"][0])
                    run, w, h = txt.glyphs(txt.format_number(q, txt.decimals(q, True)), small, color, width,
                                           min_size=NUMBER_MIN_FONT)  # fmt: skip
                    left = round(cx + dx * cell * 0.3 - w / 2)
                    top = round(cy + dy * cell * 0.34 - h / 2)
                    blits.extend((g, (left + off, top)) for g, off in run)
                return
            if not keys[s, 0]:
                return
            if numbers == "count":
                label = f"{int(visits[s]):,}"
            else:
                v = float(V[s])
                label = txt.format_number(v, txt.decimals(v, compact))
            color = THEME["text_light"] if white[s] else THEME["text"]
            run, w, h = txt.glyphs(label, size, color, cell - 6, min_size=NUMBER_MIN_FONT)
            rect = pygame.Rect(0, 0, w, h)
            rect.center = (round(cx), round(cy))
            if pill:
                box = rect.inflate(8, 0)
                color_key = tuple(int(v) for v in under[s])
                blits.append((self._sprite(("pill", box.size, color_key), lambda: _pill(box.size, color_key)),
                              box.topleft))  # fmt: skip
            blits.extend((g, (rect.x + off, rect.y)) for g, off in run)

        return keys, paint

    # ------------------------------------------------------------------ the moving parts

    def _draw_trail(self, surface: pygame.Surface, board: pygame.Rect, cell: int, view: BoardView) -> None:
        """The episode so far as a polyline fading into the past; jumps (teleports) are gaps."""
        states = np.asarray(list(view.trail)[-TRAIL_LENGTH:], dtype=np.int64)
        states = states[(states >= 0) & (states < self.n)]
        xs = ((states % self.cols) + 0.5) * cell
        ys = ((states // self.cols) + 0.5) * cell
        if view.agent is not None:
            xs = np.append(xs, (view.agent[1] + 0.5) * cell)
            ys = np.append(ys, (view.agent[0] + 0.5) * cell)
        n = xs.size
        if n < 2:
            return
        px, py = np.rint(xs).astype(np.int64), np.rint(ys).astype(np.int64)
        dx, dy = np.diff(px), np.diff(py)
        levels = np.rint(10 * np.arange(1, n) / (n - 1)).astype(np.int64)
        width = max(2, cell // 9)
        pad = width // 2 + 2
        keep = np.flatnonzero((np.abs(dx) + np.abs(dy) <= 3 * cell) & ((dx != 0) | (dy != 0)))
        span = 8 * cell + 1
        keys = (((dx + 4 * cell) * span + (dy + 4 * cell)) * 11 + levels)[keep].tolist()
        xs0 = (board.x + np.minimum(px[:-1], px[1:]) - pad)[keep].tolist()
        ys0 = (board.y + np.minimum(py[:-1], py[1:]) - pad)[keep].tolist()
        cache = self._segments
        if cache.get("cell") != cell or len(cache) > 4096:
            cache.clear()
            cache["cell"] = cell
        blits = []
        for key, x, y in zip(keys, xs0, ys0):
            sprite = cache.get(key)
            if sprite is None:
                level = key % 11
                ddy = (key // 11) % span - 4 * cell
                ddx = (key // 11) // span - 4 * cell
                sprite = cache[key] = _segment_sprite(ddx, ddy, width, 40 + 19 * level)
            blits.append((sprite, (x, y)))
        surface.fblits(blits)

    def _draw_highlights(self, surface: pygame.Surface, board: pygame.Rect, cell: int,
                         highlight: dict[int, float]) -> None:  # fmt: skip
        blits = []
        for s, intensity in highlight.items():
            level = int(round(min(max(float(intensity), 0.0), 1.0) * 10))
            if level == 0 or not 0 <= int(s) < self.n:
                continue
            r, c = divmod(int(s), self.cols)
            sprite = self._sprite(("glow", cell, level), lambda: _glow_sprite(cell, level / 10))
            blits.append((sprite, (board.x + c * cell, board.y + r * cell)))
        surface.fblits(blits)

    def _draw_selection(self, surface: pygame.Surface, board: pygame.Rect, cell: int, s: int) -> None:
        r, c = divmod(s, self.cols)
        rect = pygame.Rect(board.x + c * cell, board.y + r * cell, cell, cell)
        width = max(2, min(5, cell // 10))
        pygame.draw.rect(surface, THEME["text"], rect.inflate(2, 2), 1)
        pygame.draw.rect(surface, THEME["selection"], rect, width)
        if cell >= 16:
            pygame.draw.rect(surface, (255, 255, 255), rect.inflate(-2 * width, -2 * width), 1)

    def _sprite(self, key: object, make: Callable[[], pygame.Surface]) -> pygame.Surface:
        return self._sprites.get(key, make)


@dataclass
class _Frame:
    """What one ``draw`` shows: the arrays and the decisions taken from the view and cell size."""

    fill: str | None
    numbers: str | None
    limit: float
    V: np.ndarray | None
    Q: np.ndarray | None
    pi: np.ndarray | None
    visits: np.ndarray | None
    arrows: bool
    bars: bool
    geometry: str
    traces: np.ndarray | None = None
    trace_limit: float = 1.0


#: A layer after its update: its surface, the cells repainted, whether all were.
_LayerUpdate = tuple[pygame.Surface, np.ndarray, bool]


# ---------------------------------------------------------------------- helpers


_SEPARATOR = mix(THEME["floor"], THEME["grid"], 0.35)


def round_up(x: float) -> float:
    """The smallest of 1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8 times a power of ten that is >= x > 0."""
    power = 10.0 ** math.floor(math.log10(x))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * power >= x * (1 - 1e-9):
            return float(f"{m * power:.6g}")
    return 10 * power  # pragma: no cover


def trace_limit(traces: np.ndarray | None) -> float:
    """The top of the traces' colour scale: the largest trace (1 if none is above 0). Not a
    rounded number: the pair just visited is always the darkest, the others fade from it by
    gamma lambda a step. Accumulating traces can exceed 1 (a pair visited twice)."""
    top = float(np.max(traces)) if traces is not None and traces.size else 0.0
    return top if np.isfinite(top) and top > 0 else 1.0


def _traces(values: object, n: int) -> np.ndarray | None:
    """Traces of shape (n,) or (n, 4) as floats, else None."""
    return _array(values, (n, 4)) if np.ndim(values) == 2 else _array(values, (n,))


def _fill(overlays: frozenset[str], V: np.ndarray | None, Q: np.ndarray | None,
          visits: np.ndarray | None, traces: np.ndarray | None = None) -> str | None:  # fmt: skip
    """What colours the open cells: the traces ("traces" per cell, "trace_q" per action), "q"
    (triangles), "values", "visits", or None (the floor)."""
    if "traces" in overlays and traces is not None:
        return "trace_q" if traces.ndim == 2 else "traces"
    if "q" in overlays and Q is not None:
        return "q"
    if "values" in overlays and V is not None:
        return "values"
    return "visits" if "visits" in overlays and visits is not None else None


def _array(values: object, shape: tuple[int, ...]) -> np.ndarray | None:
    """``values`` as a float array of ``shape`` (reshaped when it has the right size), or None."""
    if values is None:
        return None
    a = np.asarray(values, dtype=float)
    if a.size != int(np.prod(shape)):
        return None
    return a.reshape(shape)


def _number_keys(values: np.ndarray, compact: bool) -> np.ndarray:
    """An int64 per value that changes exactly when its printed text changes (0 for NaN)."""
    v = np.asarray(values, dtype=float)
    finite = np.isfinite(v)
    d = txt.decimals_array(v, compact)
    # large numbers print 3 significant digits with an SI prefix (12.6k): key on those digits
    # and the exponent, so 12.5k -> 12.6k redraws (a key of round(v / 1000) missed it)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        e = np.floor(np.log10(np.where(finite & (v != 0), np.abs(v), 1.0)))
        scaled = np.where(d >= 0, v * 10.0 ** np.maximum(d, 0), v / 10.0 ** (e - 2))
    q = np.rint(np.where(finite, scaled, 0.0)).astype(np.int64)
    q = np.clip(q, -(2**40), 2**40)
    exponent = np.clip(np.where(d >= 0, 0, e + 1), 0, 31).astype(np.int64)
    return np.where(finite, ((q * 32 + exponent) * 4 + (d + 1)) * 2 + 1, 0)


def _supersampled(cell: int, draw: Callable[[pygame.Surface, float], None], factor: int = 3,
                  background: tuple[int, int, int] = (0, 0, 0)) -> pygame.Surface:  # fmt: skip
    """A (cell x cell) transparent sprite drawn ``factor`` times larger and smoothly scaled
    down: anti-aliased shapes from pygame's plain polygons."""
    factor = 1 if cell >= 160 else 2 if cell >= 64 else factor
    big = pygame.Surface((cell * factor, cell * factor), pygame.SRCALPHA)
    big.fill((*background, 0))
    draw(big, cell * factor)
    return pygame.transform.smoothscale(big, (cell, cell)) if factor > 1 else big


def _opaque(cell: int, color: tuple[int, int, int], draw: Callable[[pygame.Surface, float], None],
            factor: int = 3) -> pygame.Surface:  # fmt: skip
    """An opaque tile: ``color`` with a supersampled drawing on top."""
    tile = pygame.Surface((cell, cell), pygame.SRCALPHA)
    tile.fill((*color, 255))
    tile.blit(_supersampled(cell, draw, factor), (0, 0))
    return tile


def _wall_sprite(cell: int) -> pygame.Surface:
    """A dark block with a subtle bevel: lighter top and left edges, darker bottom and right."""
    tile = pygame.Surface((cell, cell), pygame.SRCALPHA)
    tile.fill((*THEME["wall"], 255))
    if cell >= 8:
        b = max(1, cell // 12)
        light, dark = THEME["wall_light"], THEME["wall_dark"]
        pygame.draw.polygon(tile, light, [(0, 0), (cell, 0), (cell - b, b), (b, b), (b, cell - b), (0, cell)])
        pygame.draw.polygon(tile, dark, [(cell, cell), (0, cell), (b, cell - b), (cell - b, cell - b),
                                         (cell - b, b), (cell, 0)])  # fmt: skip
    return tile


def _reward_text(reward: float, std: float = 0.0) -> str:
    """A reward as the board writes it: "+10", "−100"; a noisy one (a tile's ``reward_std``
    or ``exit_reward_std``) with its standard deviation: "−0.1±1"."""
    noise = f"±{txt.nice_number(std)}" if std > 0 else ""
    return ("+" if reward > 0 else "") + txt.nice_number(reward) + noise


def _reward_label(tile: pygame.Surface, cell: int, reward: float, color: tuple[int, int, int]) -> None:
    if cell >= 40 and reward != 0:
        label = _reward_text(reward)
        t = txt.fitted(label, max(9, int(cell * 0.17)), color, cell - 6, bold=True)
        tile.blit(t, t.get_rect(midbottom=(cell // 2, cell - max(2, cell // 16))))


def _star_points(cx: float, cy: float, outer: float, inner: float) -> list[tuple[float, float]]:
    return [
        (cx + (outer if i % 2 == 0 else inner) * math.sin(i * math.pi / 5),
         cy - (outer if i % 2 == 0 else inner) * math.cos(i * math.pi / 5))
        for i in range(10)
    ]  # fmt: skip


def _goal_sprite(cell: int, reward: float) -> pygame.Surface:
    """Green tile with a gold star (and the reward for entering, in big cells)."""
    def draw(big: pygame.Surface, n: float) -> None:
        m = n * 0.06
        pygame.draw.rect(big, THEME["goal_dark"], (m, m, n - 2 * m, n - 2 * m), max(1, int(n * 0.03)),
                         border_radius=int(n * 0.12))  # fmt: skip
        lift = 0.07 if cell >= 40 and reward != 0 else 0.0
        points = _star_points(n / 2, n * (0.5 - lift), n * 0.34, n * 0.14)
        pygame.draw.polygon(big, THEME["star"], points)
        pygame.draw.polygon(big, THEME["goal_dark"], points, max(1, int(n * 0.025)))

    tile = _opaque(cell, THEME["goal"], draw)
    _reward_label(tile, cell, reward, THEME["text_light"])
    return tile


def _hazard_sprite(cell: int, reward: float) -> pygame.Surface:
    """Red tile with a white X."""
    def draw(big: pygame.Surface, n: float) -> None:
        lift = 0.07 if cell >= 40 and reward != 0 else 0.0
        a, b, w = n * 0.27, n * 0.73, max(2, int(n * 0.1))
        dy = -n * lift
        pygame.draw.line(big, (255, 255, 255), (a, a + dy), (b, b + dy), w)
        pygame.draw.line(big, (255, 255, 255), (a, b + dy), (b, a + dy), w)
        m = n * 0.06
        pygame.draw.rect(big, THEME["hazard_dark"], (m, m, n - 2 * m, n - 2 * m), max(1, int(n * 0.03)),
                         border_radius=int(n * 0.12))  # fmt: skip

    tile = _opaque(cell, THEME["hazard"], draw)
    _reward_label(tile, cell, reward, THEME["text_light"])
    return tile


def _pit_sprite(cell: int) -> pygame.Surface:
    """A terminal cell that pays nothing (a hole in the ice): a dark hole in the floor."""
    def draw(big: pygame.Surface, n: float) -> None:
        rect = pygame.Rect(0, 0, n * 0.78, n * 0.62)
        rect.center = (n / 2, n / 2)
        pygame.draw.ellipse(big, mix(THEME["pit"], (255, 255, 255), 0.55), rect.inflate(n * 0.06, n * 0.06))
        pygame.draw.ellipse(big, THEME["pit"], rect)
        inner = rect.inflate(-n * 0.2, -n * 0.2).move(0, n * 0.05)
        pygame.draw.ellipse(big, mix(THEME["pit"], (0, 0, 0), 0.45), inner)

    return _opaque(cell, THEME["floor_alt"], draw)


def _teleport_sprite(cell: int, angle: int, reward: float) -> pygame.Surface:
    """A swirl with an arrow toward where the cell sends the agent; red if entering it costs."""
    base = mix(THEME["hazard"], THEME["teleport"], 0.25) if reward < 0 else THEME["teleport"]

    def draw(big: pygame.Surface, n: float) -> None:
        cx, cy = n / 2, n * (0.44 if cell >= 40 and reward != 0 else 0.5)
        w = max(1, int(n * 0.045))
        points = []
        for i in range(60):
            t = i / 59 * 2.2 * math.pi
            radius = n * (0.04 + 0.24 * t / (2.2 * math.pi))
            points.append((cx + radius * math.cos(t), cy + radius * math.sin(t)))
        pygame.draw.lines(big, (255, 255, 255, 200), False, points, w)
        if angle >= 0:
            rad = math.radians(angle)
            ux, uy = math.cos(rad), -math.sin(rad)
            px, py = -uy, ux
            tip = (cx + ux * n * 0.44, cy + uy * n * 0.44)
            back = (cx + ux * n * 0.26, cy + uy * n * 0.26)
            head = n * 0.1
            pygame.draw.polygon(big, (255, 255, 255), [
                tip, (back[0] + px * head, back[1] + py * head), (back[0] - px * head, back[1] - py * head),
            ])  # fmt: skip

    tile = _opaque(cell, base, draw)
    _reward_label(tile, cell, reward, THEME["text_light"])
    return tile


def _wind_sprite(cell: int, dr: int, dc: int) -> pygame.Surface:
    """Faint chevrons in the wind's direction, one per unit of strength (up to 3)."""
    strength = min(max(abs(dr), abs(dc)), 3)
    ux, uy = dc / math.hypot(dr, dc), dr / math.hypot(dr, dc)
    px, py = -uy, ux

    def draw(big: pygame.Surface, n: float) -> None:
        color = (*THEME["wind"], 78)
        half = n * 0.2
        step = n * 0.16
        width = max(2, int(n * 0.06))
        start = -(strength - 1) * step / 2
        for i in range(strength):
            off = start + i * step
            tip = (n / 2 + ux * (off + n * 0.08), n / 2 + uy * (off + n * 0.08))
            left = (tip[0] - ux * half * 0.8 + px * half, tip[1] - uy * half * 0.8 + py * half)
            right = (tip[0] - ux * half * 0.8 - px * half, tip[1] - uy * half * 0.8 - py * half)
            pygame.draw.lines(big, color, False, [left, tip, right], width)

    return _supersampled(cell, draw, background=THEME["wind"])


def _start_badge(cell: int) -> pygame.Surface:
    """A small dark badge with "S", for the top-left corner of start cells."""
    size = min(max(12, int(cell * 0.24)), 26)
    sprite = pygame.Surface((size, size), pygame.SRCALPHA)
    sprite.fill((*THEME["start"], 0))
    pygame.draw.rect(sprite, (*THEME["start"], 235), sprite.get_rect(), border_radius=max(2, size // 4))
    t = txt.text("S", max(7, int(size * 0.72)), THEME["text_light"], bold=True)
    sprite.blit(t, t.get_rect(center=(size / 2, size / 2)))
    return sprite


def _pill(size: tuple[int, int], color: tuple[int, ...]) -> pygame.Surface:
    """A rounded, slightly transparent box of ``color`` (behind a number)."""
    sprite = pygame.Surface(size, pygame.SRCALPHA)
    sprite.fill((*color, 0))
    pygame.draw.rect(sprite, (*color, 225), sprite.get_rect(), border_radius=size[1] // 2)
    return sprite


def _arrow_sprite(cell: int, levels: np.ndarray, geometry: str = "center") -> pygame.Surface:
    """The four policy arrows of one cell: length, width and opacity grow with pi(a|s), so the
    likely actions stand out and a small exploration probability is a faint stub. The most
    likely action's arrow is drawn last (on top)."""
    color = THEME["arrow"]
    origin, scale = ARROW_GEOMETRY[geometry]

    def draw(big: pygame.Surface, n: float) -> None:
        cx, cy = n / 2, n * origin
        m = n * scale
        for a in sorted(range(4), key=lambda a: levels[a]):
            k = int(levels[a])
            if k == 0:
                continue
            p = k / ARROW_LEVELS
            dx, dy = ACTION_VECTORS[a]
            length = m * (0.12 + 0.32 * p)
            head = min(m * (0.07 + 0.1 * p), length * 0.8)
            wing = m * (0.045 + 0.095 * p)
            shaft = m * (0.014 + 0.04 * p)
            along = [0, length - head, length - head, length, length - head, length - head, 0]
            across = [-shaft, -shaft, -wing, 0, wing, shaft, shaft]
            points = [(cx + dx * u - dy * v, cy + dy * u + dx * v) for u, v in zip(along, across)]
            pygame.draw.polygon(big, (*color, int(40 + 215 * p)), points)

    return _supersampled(cell, draw, background=color)


def _bar_sprite(cell: int, level: int) -> pygame.Surface:
    """A visit bar for the bottom of a cell (the sprite is the bottom strip): ``level`` /
    BAR_LEVELS of the full length, coloured on the sequential map, over a faint track."""
    margin = max(2, cell // 10)
    height = max(3, cell // 11)
    below = max(2, cell // 18)
    sprite = pygame.Surface((cell, height + below), pygame.SRCALPHA)
    sprite.fill((255, 255, 255, 0))
    track = pygame.Rect(margin, 0, cell - 2 * margin, height)
    pygame.draw.rect(sprite, (255, 255, 255, 130), track, border_radius=height // 2)
    bar = track.copy()
    bar.w = max(height, round(track.w * level / BAR_LEVELS))
    # from the middle of the map on, so that a short bar (few visits) is still clearly coloured
    color = tuple(int(c) for c in SEQUENTIAL[min(int(round(80 + 176 * level / BAR_LEVELS)), 256)])
    pygame.draw.rect(sprite, (*color, 255), bar, border_radius=height // 2)
    pygame.draw.rect(sprite, (*THEME["board_border"], 140), track, 1, border_radius=height // 2)
    return sprite


def _segment_sprite(dx: int, dy: int, width: int, alpha: int) -> pygame.Surface:
    """One piece of the trail: a line of ``width`` from (0, 0) to (dx, dy) (placed at the
    top-left of both ends, less a margin) with a round cap where it ends."""
    pad = width // 2 + 2
    sprite = pygame.Surface((abs(dx) + 2 * pad + 1, abs(dy) + 2 * pad + 1), pygame.SRCALPHA)
    sprite.fill((*THEME["trail"], 0))
    start = (pad + (0 if dx >= 0 else -dx), pad + (0 if dy >= 0 else -dy))
    end = (start[0] + dx, start[1] + dy)
    color = (*THEME["trail"], alpha)
    pygame.draw.line(sprite, color, start, end, width)
    pygame.draw.circle(sprite, color, end, width / 2 + 0.5)
    return sprite


def _glow_sprite(cell: int, intensity: float) -> pygame.Surface:
    """A glowing border, strongest at the edge and fading inward."""
    sprite = pygame.Surface((cell, cell), pygame.SRCALPHA)
    width = max(2, cell // 7)
    color = THEME["highlight"]
    sprite.fill((*color, int(40 * intensity)))
    for i in range(width):
        alpha = int(255 * intensity * (1 - i / width) ** 1.6)
        pygame.draw.rect(sprite, (*color, alpha), (i, i, cell - 2 * i, cell - 2 * i), 1)
    return sprite


def _agent_sprite(cell: int) -> pygame.Surface:
    """The agent: a round amber token with a soft shadow and two eyes."""
    def draw(big: pygame.Surface, n: float) -> None:
        radius = n * 0.3
        cx, cy = n / 2, n / 2
        for i, alpha in enumerate((26, 34, 44)):
            grow = n * 0.04 * (2 - i)
            pygame.draw.circle(big, (0, 0, 0, alpha), (cx + n * 0.04, cy + n * 0.07), radius + grow)
        pygame.draw.circle(big, THEME["agent_outline"], (cx, cy), radius)
        pygame.draw.circle(big, THEME["agent"], (cx, cy), radius - max(1, n * 0.035))
        pygame.draw.circle(big, mix(THEME["agent"], (255, 255, 255), 0.6),
                           (cx - radius * 0.38, cy - radius * 0.42), radius * 0.2)  # fmt: skip
        for side in (-1, 1):
            eye = pygame.Rect(0, 0, radius * 0.22, radius * 0.36)
            eye.center = (cx + side * radius * 0.33, cy - radius * 0.02)
            pygame.draw.ellipse(big, THEME["agent_outline"], eye)

    return _supersampled(cell, draw, factor=4)


def _curved_arrow(layer: pygame.Surface, start: np.ndarray, end: np.ndarray, cell: int,
                  color: tuple[int, int, int], label: str) -> None:  # fmt: skip
    """A bent arrow from ``start`` to ``end`` with ``label`` at its middle, anti-aliased by
    drawing at twice the size inside the arrow's bounding box."""
    d = end - start
    dist = float(np.hypot(*d))
    normal = np.array([-d[1], d[0]]) / dist
    ctrl = (start + end) / 2 + normal * dist * 0.22
    t = np.linspace(0.0, 1.0, 48)[:, None]
    curve = (1 - t) ** 2 * start + 2 * (1 - t) * t * ctrl + t**2 * end
    # trim both ends so the arrow leaves and meets the cells' edges, not their centres
    gap = cell * 0.32
    lengths = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(curve, axis=0).T))])
    keep = (lengths >= gap) & (lengths <= lengths[-1] - gap)
    if keep.sum() < 2:
        return
    curve = curve[keep]
    width = max(2.0, cell * 0.05)
    head = max(6.0, cell * 0.18)
    pad = int(head + width + 4)
    lo = np.floor(curve.min(axis=0)).astype(int) - pad
    hi = np.ceil(curve.max(axis=0)).astype(int) + pad
    box = pygame.Rect(int(lo[0]), int(lo[1]), int(hi[0] - lo[0]), int(hi[1] - lo[1]))
    f = 2
    big = pygame.Surface((box.w * f, box.h * f), pygame.SRCALPHA)
    big.fill((*color, 0))
    pts = (curve - lo) * f
    tip, before = pts[-1], pts[-4]
    u = (tip - before) / max(float(np.hypot(*(tip - before))), 1e-9)
    p = np.array([-u[1], u[0]])
    base = tip - u * head * f
    rgba = (*color, 185)
    shaft = [tuple(q) for q in pts if np.dot(q - base, u) < 0] + [tuple(base)]
    if len(shaft) >= 2:
        pygame.draw.lines(big, rgba, False, shaft, int(width * f))
        for q in shaft[:: max(1, len(shaft) // 12)]:
            pygame.draw.circle(big, rgba, q, width * f / 2)
    wing = head * 0.55 * f
    pygame.draw.polygon(big, rgba, [tuple(tip), tuple(base + p * wing), tuple(base - p * wing)])
    small = pygame.transform.smoothscale(big, box.size)
    layer.blit(small, box)
    # the reward, in a pill at the middle of the curve
    mid = curve[len(curve) // 2]
    size = max(10, min(26, int(cell * 0.2)))
    t_surf = txt.text(label, size, THEME["text_light"], bold=True)
    pill = t_surf.get_rect(center=(round(mid[0]), round(mid[1]))).inflate(size * 0.7, size * 0.2)
    pygame.draw.rect(layer, (*color, 235), pill, border_radius=pill.h // 2)
    layer.blit(t_surf, t_surf.get_rect(center=pill.center))


def draw_legend(surface: pygame.Surface, rect: pygame.Rect, limit: float, label: str,
                locked: bool = False, scale: float = 1.0) -> None:  # fmt: skip
    """The diverging colour scale from -limit to +limit with numbers, and ``label`` (e.g. "V(s)").

    Values beyond the limit take the end colours, so the bar ends in arrow points and its end
    labels read "≤ -limit" and "≥ limit"; ``locked`` adds the word "locked" under the label
    (the teacher fixed the scale). Horizontal when ``rect`` is wider than tall, vertical
    otherwise. Text is up to 18 px times ``scale``; an inner tick label that would touch
    another (a short bar: half the legend beside the visits') is left out.
    """
    rect = pygame.Rect(rect)
    if rect.w < 20 or rect.h < 20:
        return
    limit = float(limit) if np.isfinite(limit) and limit > 0 else 1.0
    # inner ticks clear of the end labels, then the ends themselves
    ticks = [(v, txt.nice_number(v)) for v in txt.nice_ticks(-limit, limit, 5, inside=True) if abs(v) < 0.75 * limit]
    ticks += [(-limit, "≤ " + txt.nice_number(-limit)), (limit, "≥ " + txt.nice_number(limit))]
    color = THEME["text"]
    ends = (tuple(int(c) for c in DIVERGING[0]), tuple(int(c) for c in DIVERGING[-1]))
    horizontal = rect.w >= rect.h
    top = round(18 * scale)
    size = max(12, min(top, int(rect.h * 0.3))) if horizontal else max(10, min(top, int(rect.w * 0.22)))
    label_surf = txt.text(label, size + 1, color, bold=True)
    locked_surf = txt.text("locked", max(10, size - 2), THEME["accent"], bold=True) if locked else None
    if horizontal:
        label_rect = surface.blit(label_surf, label_surf.get_rect(midleft=(rect.x, rect.y + rect.h * 0.32)))
        if locked_surf is not None:
            surface.blit(locked_surf, locked_surf.get_rect(topleft=(rect.x, label_rect.bottom)))
        x0 = rect.x + max(label_surf.get_width(), locked_surf.get_width() if locked_surf else 0) + size
        h = max(int(rect.h * 0.38), 6)
        point = max(h * 3 // 4, 4)
        bar = pygame.Rect(x0 + point, rect.y + int(rect.h * 0.12), max(rect.right - x0 - size - 2 * point, 10), h)
        strip = pygame.Surface((DIVERGING.shape[0], 1), 0, 32)
        pygame.surfarray.blit_array(strip, DIVERGING[:, None, :])
        surface.blit(pygame.transform.smoothscale(strip, bar.size), bar)
        for side, end in ((-1, ends[0]), (1, ends[1])):
            x = bar.x if side < 0 else bar.right - 1
            tri = [(x, bar.y), (x + side * point, bar.centery), (x, bar.bottom - 1)]
            pygame.draw.polygon(surface, end, tri)
            pygame.draw.lines(surface, THEME["board_border"], False, tri)
        pygame.draw.rect(surface, THEME["board_border"], bar, 1)
        placed: list[tuple[float, float]] = []  # the labels' x extents, the ends' first
        for v, text in ticks[::-1]:
            x = bar.x + round((v + limit) / (2 * limit) * (bar.w - 1))
            half = txt.font(size).size(text)[0] / 2  # the end labels stay inside the rect
            at = min(max(x, rect.x + half), rect.right - half)
            gap = size // 2
            if any(at - half - gap < b and a < at + half + gap for a, b in placed):
                continue
            placed.append((at - half, at + half))
            pygame.draw.line(surface, THEME["board_border"], (x, bar.bottom), (x, bar.bottom + 3))
            txt.blit(surface, text, size, color, (at, bar.bottom + 4), "midtop")
    else:
        label_rect = surface.blit(label_surf, label_surf.get_rect(midtop=(rect.centerx, rect.y)))
        if locked_surf is not None:
            label_rect = surface.blit(locked_surf, locked_surf.get_rect(midtop=(rect.centerx, label_rect.bottom)))
        w = max(int(rect.w * 0.3), 6)
        point = max(w * 3 // 4, 4)
        y0 = label_rect.bottom + 6 + point
        bar = pygame.Rect(rect.x + 4, y0, w, max(rect.bottom - y0 - size - point, 10))
        strip = pygame.Surface((1, DIVERGING.shape[0]), 0, 32)
        pygame.surfarray.blit_array(strip, DIVERGING[::-1][None, :, :])
        surface.blit(pygame.transform.smoothscale(strip, bar.size), bar)
        for side, end in ((-1, ends[1]), (1, ends[0])):
            y = bar.y if side < 0 else bar.bottom - 1
            tri = [(bar.x, y), (bar.centerx, y + side * point), (bar.right - 1, y)]
            pygame.draw.polygon(surface, end, tri)
            pygame.draw.lines(surface, THEME["board_border"], False, tri)
        pygame.draw.rect(surface, THEME["board_border"], bar, 1)
        for v, text in ticks:
            y = bar.y + round((limit - v) / (2 * limit) * (bar.h - 1))
            pygame.draw.line(surface, THEME["board_border"], (bar.right, y), (bar.right + 3, y))
            txt.blit(surface, text, size, color, (bar.right + 6, y), "midleft")


def draw_sequential_legend(surface: pygame.Surface, rect: pygame.Rect, vmax: float, label: str,
                           scale: float = 1.0) -> None:  # fmt: skip
    """The visit-count scale (log) from 0 to ``vmax``, horizontal, with ``label``; text up to
    18 px times ``scale``."""
    rect = pygame.Rect(rect)
    if rect.w < 40 or rect.h < 16:
        return
    bar, size = colour_bar(surface, rect, label, SEQUENTIAL, scale)
    vmax = max(float(vmax), 1.0)
    ends = [txt.blit(surface, f"{v:,.0f}", size, THEME["text"], (x, bar.bottom + 4), anchor)
            for v, x, anchor in ((0, bar.x, "topleft"), (vmax, bar.right - 1, "topright"))]  # fmt: skip
    mid = f"{np.expm1(0.5 * np.log1p(vmax)):,.0f}"  # the middle of the log scale, if it has room
    half = txt.font(size).size(mid)[0] / 2 + size // 2
    if ends[0].right <= bar.centerx - half and bar.centerx + half <= ends[1].x:
        txt.blit(surface, mid, size, THEME["text"], (bar.centerx, bar.bottom + 4), "midtop")
