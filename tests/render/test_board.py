"""The board, the colour maps and the charts, checked on the pixels they draw."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from gridrl.levels import GridLevel, load_level
from gridrl.render import THEME, BoardRenderer, BoardView, diverging, draw_legend, sequential
from gridrl.render.board import round_up
from gridrl.render.charts import draw_bandit_bars, draw_line_chart, moving_average
from gridrl.render.colors import PALETTE, diverging_index, luminance
from gridrl.session import Session

RIGHT, LEFT = 1, 3


def rgb(surface: pygame.Surface, pos) -> np.ndarray:
    c = surface.get_at((int(round(pos[0])), int(round(pos[1]))))
    return np.array([c.r, c.g, c.b], dtype=int)


def pixels(surface: pygame.Surface) -> np.ndarray:
    """(W, H, 3) copy of the surface's pixels."""
    return pygame.surfarray.array3d(surface).astype(int)


def draw(level, view: BoardView, size=(900, 300), renderer: BoardRenderer | None = None):
    renderer = renderer or BoardRenderer(level)
    surface = pygame.Surface(size)
    surface.fill(THEME["background"])
    rect = surface.get_rect()
    renderer.draw(surface, rect, view)
    return surface, renderer, rect


@pytest.fixture(scope="module")
def corridor_vi():
    session = Session("corridor", "value-iteration")
    session.advance("episode")
    return session.level, session.agent.insight()


def open_layout(rows: int, cols: int) -> GridLevel:
    lines = ["." * cols for _ in range(rows)]
    lines[0] = "S" + lines[0][1:]
    lines[-1] = lines[-1][:-1] + "G"
    return GridLevel("open", tuple(lines))


# ---------------------------------------------------------------------- values and policy


def test_cell_next_to_the_goal_is_hotter_than_a_far_cell(corridor_vi) -> None:
    level, insight = corridor_vi
    surface, renderer, rect = draw(level, BoardView(V=insight.V, overlays=frozenset({"values"})))
    near = rgb(surface, renderer.cell_rect(7, rect).center)  # next to G at column 8
    far = rgb(surface, renderer.cell_rect(1, rect).center)
    assert insight.V[7] > insight.V[1] > 0
    warmth = lambda c: (c[0] + 1) / (c[2] + 1)  # noqa: E731 - red relative to blue
    assert warmth(near) > 3, near  # clearly red
    assert warmth(near) > 1.5 * warmth(far), (near, far)
    assert warmth(far) > 1.2  # a positive value is never drawn blue


def test_policy_arrow_points_along_the_optimal_path(corridor_vi) -> None:
    level, insight = corridor_vi
    assert (insight.pi[:8].argmax(axis=1) == RIGHT).all()  # the optimal path runs right
    view = BoardView(V=insight.V, pi=insight.pi, overlays=frozenset({"values", "policy"}))
    surface, renderer, rect = draw(level, view)
    for s in (2, 4, 6):
        cell = renderer.cell_rect(s, rect)
        cx, cy = cell.center
        fill = luminance(diverging(insight.V[s : s + 1], renderer.color_limit(view)))[0]
        arm = np.arange(0.1, 0.38, 0.02) * cell.w
        right = [luminance(rgb(surface, (cx + d, cy))[None])[0] for d in arm]
        left = [luminance(rgb(surface, (cx - d, cy))[None])[0] for d in arm]
        up = [luminance(rgb(surface, (cx, cy - d))[None])[0] for d in arm]
        assert np.mean(right) < 0.1, right  # the dark arrow runs right of the centre
        assert np.mean(left) == pytest.approx(fill, abs=0.02)  # nothing on the left
        assert np.mean(up) == pytest.approx(fill, abs=0.02)


def test_walls_are_drawn_in_the_wall_colour() -> None:
    level = load_level("four_rooms")
    surface, renderer, rect = draw(level, BoardView(), size=(660, 700))
    walls = [r * 11 + c for r, line in enumerate(level.layout) for c, ch in enumerate(line) if ch == "#"]
    floors = [r * 11 + c for r, line in enumerate(level.layout) for c, ch in enumerate(line) if ch == "."]
    assert walls and floors
    for s in walls:
        assert tuple(rgb(surface, renderer.cell_rect(s, rect).center)) == THEME["wall"]
    for s in floors:
        assert tuple(rgb(surface, renderer.cell_rect(s, rect).center)) in (THEME["floor"], THEME["floor_alt"])


def test_numbers_are_hidden_in_small_cells_and_shown_in_large_ones() -> None:
    rng = np.random.default_rng(0)
    small = open_layout(40, 40)
    V = rng.normal(size=40 * 40)
    plain = frozenset({"values", "policy"})
    with_numbers = plain | {"numbers"}
    pi = np.full((1600, 4), 0.25)
    renderer = BoardRenderer(small)
    cell = renderer.layout(pygame.Rect(0, 0, 600, 600)).cell
    assert renderer.numbers_shown(BoardView(V=V, pi=pi, overlays=with_numbers), cell) is None
    a, _, _ = draw(small, BoardView(V=V, pi=pi, overlays=plain), (600, 600), renderer)
    b, _, _ = draw(small, BoardView(V=V, pi=pi, overlays=with_numbers), (600, 600), renderer)
    assert np.array_equal(pixels(a), pixels(b))

    large = open_layout(4, 4)
    V = np.linspace(-3, 3, 16)
    renderer = BoardRenderer(large)
    cell = renderer.layout(pygame.Rect(0, 0, 600, 600)).cell
    assert renderer.numbers_shown(BoardView(V=V, overlays=with_numbers), cell) == "v"
    a, _, rect = draw(large, BoardView(V=V, overlays=plain), (600, 600), renderer)
    b, _, _ = draw(large, BoardView(V=V, overlays=with_numbers), (600, 600), renderer)
    diff = np.any(pixels(a) != pixels(b), axis=2)
    for s in (1, 5, 10):  # every open cell has its number
        cell = renderer.cell_rect(s, rect)
        assert diff[cell.left : cell.right, cell.top : cell.bottom].sum() > 30


def test_numbers_read_dark_on_light_cells_and_light_on_dark_cells() -> None:
    level = open_layout(1, 4)
    V = np.array([0.0, 0.05, 1.0, 0.0])  # a pale cell and a deep red one
    surface, renderer, rect = draw(level, BoardView(V=V, overlays=frozenset({"values", "numbers"})), (800, 260))
    for s, want_light in ((1, False), (2, True)):
        cell = renderer.cell_rect(s, rect)
        block = pixels(surface)[cell.left : cell.right, cell.top : cell.bottom].reshape(-1, 3)
        lum = luminance(block)
        if want_light:
            assert (lum > 0.85).sum() > 20  # white glyphs on the dark fill
        else:
            assert (lum < 0.1).sum() > 20  # dark glyphs on the pale fill


def test_q_overlay_colours_each_triangle_by_its_action() -> None:
    level = open_layout(1, 3)
    Q = np.zeros((3, 4))
    Q[1] = [1.0, -1.0, 0.0, 0.5]  # up red, right blue
    surface, renderer, rect = draw(level, BoardView(Q=Q, overlays=frozenset({"q"})), (600, 240))
    cell = renderer.cell_rect(1, rect)
    up = rgb(surface, (cell.centerx, cell.top + cell.h * 0.15))
    right = rgb(surface, (cell.right - cell.w * 0.15, cell.centery))
    down = rgb(surface, (cell.centerx, cell.bottom - cell.h * 0.15))
    assert up[0] - up[2] > 100 and right[2] - right[0] > 100
    assert abs(int(down[0]) - int(down[2])) < 15  # Q = 0 is the neutral middle


def test_visits_overlay_draws_bars_whose_length_grows_with_the_count() -> None:
    level = open_layout(1, 5)  # S . . . G
    visits = np.array([0, 1, 1000, 0, 0])
    view = BoardView(V=np.zeros(5), visits=visits, overlays=frozenset({"values", "visits"}))
    surface, renderer, rect = draw(level, view, (800, 260))

    def bar_length(s: int) -> int:
        cell = renderer.cell_rect(s, rect)
        strip = pixels(surface)[cell.left : cell.right, cell.bottom - cell.h // 6 : cell.bottom]
        saturated = (strip.max(axis=2) - strip.min(axis=2) > 40).any(axis=1)  # V = 0 is white
        return int(saturated.sum())

    assert bar_length(3) == 0
    assert 0 < bar_length(1) < bar_length(2)


def test_agent_trail_highlight_and_selection_are_drawn() -> None:
    level = open_layout(3, 5)
    renderer = BoardRenderer(level)
    base, _, rect = draw(level, BoardView(), (500, 360), renderer)
    view = BoardView(agent=(1.0, 2.0), trail=[0, 1, 2, 7], highlight={13: 1.0}, selected=4)
    surface, _, _ = draw(level, view, (500, 360), renderer)
    assert tuple(rgb(surface, renderer.cell_rect(7, rect).center)) == THEME["agent"]  # the token
    selected = renderer.cell_rect(4, rect)
    assert tuple(rgb(surface, (selected.centerx, selected.top + 1))) == THEME["selection"]
    glow = renderer.cell_rect(13, rect)
    edge = rgb(surface, (glow.centerx, glow.top))
    assert edge[0] > 200 and edge[2] < 120  # yellow glow on the border
    trail_mid = renderer.cell_rect(1, rect).center  # the line passes through cell 1's centre
    assert luminance(rgb(surface, trail_mid)[None])[0] < luminance(rgb(base, trail_mid)[None])[0] - 0.2
    # the moving parts are not remembered: the next plain frame is the plain board again
    again, _, _ = draw(level, BoardView(), (500, 360), renderer)
    assert np.array_equal(pixels(again), pixels(base))


def test_redrawing_only_changed_cells_gives_the_same_picture_as_a_fresh_draw() -> None:
    rng = np.random.default_rng(3)
    level = load_level("trap_maze")
    S = level.n_cells
    for overlays in ({"values", "numbers", "policy", "visits"}, {"q", "numbers", "policy"}, {"visits"}):
        Q = rng.normal(size=(S, 4))
        visits = rng.integers(0, 50, S)
        renderer = BoardRenderer(level)
        for step in range(4):
            idx = rng.integers(0, S, 3)
            Q[idx] += rng.normal(size=(3, 4))
            visits[idx] += 7
            pi = np.full((S, 4), 0.025)
            pi[np.arange(S), Q.argmax(axis=1)] = 0.925
            view = BoardView(V=Q.max(axis=1), Q=Q.copy(), pi=pi, visits=visits.copy(),
                             overlays=frozenset(overlays), value_limit=4.0)  # fmt: skip
            kept, _, _ = draw(level, view, (800, 720), renderer)
            fresh, _, _ = draw(level, view, (800, 720))
            assert np.array_equal(pixels(kept), pixels(fresh)), (overlays, step)


def test_set_level_draws_the_new_level() -> None:
    renderer = BoardRenderer(load_level("corridor"))
    draw(load_level("corridor"), BoardView(), (600, 400), renderer)
    level = load_level("four_rooms")
    renderer.set_level(level)
    a, _, _ = draw(level, BoardView(), (600, 400), renderer)
    b, _, _ = draw(level, BoardView(), (600, 400))
    assert np.array_equal(pixels(a), pixels(b))


# ---------------------------------------------------------------------- geometry


@pytest.mark.parametrize("name,size", [("cliff_walking", (900, 420)), ("four_rooms", (517, 611)),
                                       ("corridor", (300, 300))])  # fmt: skip
def test_cell_at_and_cell_rect_round_trip(name: str, size) -> None:
    level = load_level(name)
    renderer = BoardRenderer(level)
    area = pygame.Rect(13, 21, *size)
    board = renderer.layout(area).board
    for s in range(level.n_cells):
        r = renderer.cell_rect(s, area)
        assert board.contains(r)
        for pos in (r.center, r.topleft, (r.right - 1, r.bottom - 1)):
            assert renderer.cell_at(pos, area) == s
    outside = [(board.x - 1, board.centery), (board.right, board.centery), (board.centerx, board.y - 1),
               (board.centerx, board.bottom), (area.x, area.y), (area.right - 1, area.bottom - 1), (-5, -5)]
    for pos in outside:
        if not board.collidepoint(pos):
            assert renderer.cell_at(pos, area) is None, pos


def test_layout_keeps_square_cells_inside_the_rect() -> None:
    renderer = BoardRenderer(load_level("cliff_walking"))
    for size in ((900, 420), (300, 900), (130, 60)):
        lay = renderer.layout(pygame.Rect(0, 0, *size))
        assert lay.board.w == lay.cell * 12 and lay.board.h == lay.cell * 4
        assert pygame.Rect(0, 0, *size).contains(lay.board)


# ---------------------------------------------------------------------- colours


def test_diverging_map_is_white_at_zero_blue_below_red_above_and_symmetric() -> None:
    zero = diverging(np.array([0.0]), 1.0)[0].astype(int)
    assert zero.min() > 235 and zero.max() - zero.min() < 12
    values = np.array([-1.0, -0.5, -0.1, 0.1, 0.5, 1.0])
    colors = diverging(values, 1.0).astype(int)
    for v, c in zip(values, colors):
        if v < 0:
            assert c[2] > c[0] + 10, (v, c)  # bluer
        else:
            assert c[0] > c[2] + 10, (v, c)  # redder
    # symmetric: +x and -x sit at mirrored table entries and are equally light
    x = np.linspace(0, 1, 21)
    assert np.array_equal(diverging_index(-x, 1.0), 256 - diverging_index(x, 1.0))
    assert np.abs(luminance(diverging(x, 1.0)) - luminance(diverging(-x, 1.0))).max() < 0.06
    # stronger values are further from white
    lum = luminance(diverging(x, 1.0))
    assert np.all(np.diff(lum) <= 1e-9)
    # beyond the limit: the end colours; NaN: neutral grey
    assert np.array_equal(diverging(np.array([5.0]), 1.0), diverging(np.array([1.0]), 1.0))
    grey = diverging(np.array([np.nan]), 1.0)[0]
    assert grey[0] == grey[1] == grey[2]
    assert diverging(np.zeros((2, 3)), 0.0).shape == (6, 3)  # any shape; a zero limit is no error


def test_sequential_map_darkens_with_visits() -> None:
    colors = sequential(np.array([0, 1, 10, 100, 1000]), 1000)
    lum = luminance(colors)
    assert np.all(np.diff(lum) < 0)
    assert sequential(np.array([np.nan]), 10)[0].tolist() == list(THEME["neutral"])


def test_round_up_gives_round_limits() -> None:
    assert [round_up(x) for x in (0.878, 1.0, 13, 24.4, 101)] == [1.0, 1.0, 15.0, 25.0, 120.0]


def test_legend_draws_the_scale_from_blue_to_red() -> None:
    surface = pygame.Surface((500, 60))
    surface.fill(THEME["background"])
    draw_legend(surface, pygame.Rect(10, 5, 480, 50), 2.5, "V(s)")
    row = pixels(surface)[:, 12]
    reds = np.flatnonzero(row[:, 0] - row[:, 2] > 80)
    blues = np.flatnonzero(row[:, 2] - row[:, 0] > 80)
    assert reds.size and blues.size and blues.max() < reds.min()


# ---------------------------------------------------------------------- charts


def series_pixels(surface: pygame.Surface, color) -> np.ndarray:
    """(N, 2) x, y of the pixels drawn exactly in ``color``."""
    p = pixels(surface)
    mask = np.all(p == np.array(color), axis=2)
    return np.argwhere(mask)


@pytest.mark.parametrize("series", [{}, {"return": []}, {"return": [3.0]}, {"return": [np.nan] * 5},
                                    {"return": [1.0, np.nan, 2.0, np.nan, np.nan, 3.0, 4.0]}])  # fmt: skip
def test_line_chart_draws_awkward_series_without_error(series) -> None:
    surface = pygame.Surface((400, 260))
    surface.fill(THEME["background"])
    draw_line_chart(surface, pygame.Rect(0, 0, 400, 260), series, "Return per episode", moving_average=3)
    finite = [v for v in series.get("return", []) if np.isfinite(v)]
    drawn = series_pixels(surface, PALETTE[0])
    assert (len(drawn) > 0) == bool(finite)


def test_line_chart_draws_the_curve_where_the_data_is() -> None:
    values = [0.0] * 60 + [10.0] * 60
    blank = pygame.Surface((400, 260))
    blank.fill(THEME["background"])
    surface = blank.copy()
    draw_line_chart(blank, blank.get_rect(), {"return": []}, "Return", moving_average=5)
    draw_line_chart(surface, surface.get_rect(), {"return": values}, "Return", moving_average=5)
    drawn = series_pixels(surface, PALETTE[0])
    assert len(drawn) > 100
    assert not len(series_pixels(blank, PALETTE[0]))
    left = drawn[drawn[:, 0] < np.median(drawn[:, 0]) - 40]
    right = drawn[drawn[:, 0] > np.median(drawn[:, 0]) + 40]
    assert left[:, 1].mean() > right[:, 1].mean() + 80  # low on the left, high on the right


def test_line_chart_draws_per_pixel_column_not_per_point(monkeypatch) -> None:
    """Two series of 100,000 points cost what two of 2,000 do: about one line and two polyline
    points per pixel column (min/max buckets), whatever the length."""
    work = {"calls": 0, "points": 0}
    for name in ("line", "lines", "aalines", "circle"):

        def counted(*args, _draw=getattr(pygame.draw, name), _name=name, **kwargs):
            work["calls"] += 1
            work["points"] += len(args[3]) if _name in ("lines", "aalines") else 1
            return _draw(*args, **kwargs)

        monkeypatch.setattr(pygame.draw, name, counted)
    done = {}
    for n in (2_000, 100_000):
        values = np.random.default_rng(0).normal(size=n).cumsum()
        surface = pygame.Surface((500, 300))
        work.update(calls=0, points=0)
        draw_line_chart(surface, surface.get_rect(), {"a": values, "b": values[::-1]}, "long", moving_average=100)
        assert len(series_pixels(surface, PALETTE[0])) and len(series_pixels(surface, PALETTE[1]))
        done[n] = dict(work)
    assert done[100_000]["calls"] <= 2 * 2 * 500  # a min-max line per column and series, and the axes
    assert done[100_000]["points"] <= 2 * 4 * 500
    assert done[100_000]["points"] <= 1.5 * done[2_000]["points"]


def test_moving_average_skips_nans() -> None:
    out = moving_average(np.array([1.0, np.nan, 3.0, 5.0]), 2)
    assert out[0] == 1.0 and out[1] == 1.0 and out[2] == 3.0 and out[3] == 4.0
    assert np.isnan(moving_average(np.array([np.nan, np.nan]), 3)).all()


def test_bandit_bars_mark_the_greedy_arm_and_survive_nans() -> None:
    surface = pygame.Surface((600, 400))
    surface.fill(THEME["background"])
    rect = surface.get_rect()
    Q = np.array([0.2, 0.9, np.nan])
    draw_bandit_bars(surface, rect, np.array([0.3, 0.5, 0.8]), Q, np.array([0.1, 0.8, 0.1]),
                     np.array([5, 40, 0]), ["a", "b", "c"])  # fmt: skip
    greedy = series_pixels(surface, PALETTE[5])
    others = series_pixels(surface, PALETTE[0])
    assert len(greedy) > 500 and len(others) > 100
    # the greedy arm (b) is the middle third of the plot, the other estimate bar left of it
    assert greedy[:, 0].mean() > others[others[:, 1] > 60][:, 0].mean()
    empty = pygame.Surface((300, 200))
    draw_bandit_bars(empty, empty.get_rect(), None, np.full(4, np.nan), np.full(4, np.nan), None)


def test_the_cli_s_overlay_names_are_the_renderer_s():
    """``gridrl render --overlays`` keeps its own copy (the CLI starts without pygame)."""
    from gridrl.cli import RENDER_OVERLAYS
    from gridrl.render import OVERLAYS

    assert RENDER_OVERLAYS == tuple(OVERLAYS)
