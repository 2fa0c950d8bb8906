"""Chart axes: SI tick labels, readable tick fonts, a y range that follows the data, log-y
and a zoomed x range (gridrl/render/charts.py, gridrl/render/text.py)."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from gridrl.gui.layout import font_size_for
from gridrl.render import charts
from gridrl.render import text as txt
from gridrl.render.charts import auto_range, draw_line_chart
from gridrl.render.colors import PALETTE, THEME


@pytest.mark.parametrize("value, label", [(800_000, "800k"), (1.5e6, "1.5M"), (8e8, "800M"), (12_345, "12.3k"),
                                          (-25_000, "\u221225k"), (999_999.7, "1M"), (2e9, "2G")])  # fmt: skip
def test_large_numbers_get_si_prefixes(value, label):
    assert txt.nice_number(value) == label
    assert txt.format_number(value, -1) == label  # the board's big-number cells too


@pytest.mark.parametrize("lo, hi, labels", [
    (0, 800_000, ["0", "200k", "400k", "600k", "800k"]),
    (0, 1.6e6, ["0", "0.5M", "1M", "1.5M", "2M"]),
    (0, 0.012, ["0", "0.005", "0.01", "0.015"]),
    (-20, -10, ["\u221220", "\u221217.5", "\u221215", "\u221212.5", "\u221210"]),
    (0, 4e-5, ["0", "1e\u22125", "2e\u22125", "3e\u22125", "4e\u22125"]),
])  # fmt: skip
def test_tick_labels_use_the_decimals_of_their_step(lo, hi, labels):
    assert txt.tick_labels(txt.nice_ticks(lo, hi, 5)) == labels


def _blit_sizes(monkeypatch) -> list[tuple[str, int]]:
    seen: list[tuple[str, int]] = []
    real = txt.blit

    def spy(surface, s, size, *args, **kwargs):
        seen.append((s, size))
        return real(surface, s, size, *args, **kwargs)

    monkeypatch.setattr(charts.txt, "blit", spy)
    return seen


def test_tick_labels_are_at_least_12_px_on_a_small_chart(monkeypatch):
    seen = _blit_sizes(monkeypatch)
    surface = pygame.Surface((300, 110))
    draw_line_chart(surface, surface.get_rect(), {"loss": np.linspace(0, 800_000, 50)}, "loss")
    ticks = [(s, size) for s, size in seen if s in {"0", "200k", "400k", "600k", "800k", "10", "20", "30", "40", "50"}]
    assert ticks and min(size for _, size in ticks) >= 12
    assert "800000k" not in [s for s, _ in seen]


def test_tick_font_follows_the_apps_font_size(monkeypatch):
    seen = _blit_sizes(monkeypatch)
    surface = pygame.Surface((400, 200))
    size = font_size_for((1920, 1080))
    draw_line_chart(surface, surface.get_rect(), {"r": np.arange(30.0)}, "r", font_size=size)
    assert {s for s, sz in seen if sz == size} >= {"10", "20", "30"}


def test_robust_range_leaves_out_early_extremes():
    rng = np.random.default_rng(0)
    returns = np.concatenate([np.full(5, -2000.0), rng.uniform(-20, -10, 300)])
    lo, hi, full_lo, full_hi = auto_range([returns], robust=True)
    assert lo > -200 and hi >= -10.1 and full_lo == -2000
    assert auto_range([returns])[0] == -2000  # without robust: everything


def test_robust_range_keeps_a_trend_whole():
    entropy = np.concatenate([np.linspace(1.39, 0.1, 100), np.full(100, 0.1)])
    lo, hi, _, _ = auto_range([entropy], robust=True)
    assert hi == pytest.approx(1.39)


def _curve_rows(surface: pygame.Surface, plot: pygame.Rect) -> dict[int, float]:
    """Mean row of the first series' colour in each pixel column of the plot."""
    px = pygame.surfarray.pixels3d(surface)
    out = {}
    for x in range(plot.left + 2, plot.right - 2):
        ys = np.flatnonzero(np.all(px[x, plot.top : plot.bottom] == PALETTE[0], axis=1))
        if ys.size:
            out[x] = float(ys.mean()) + plot.top
    return out


def test_robust_chart_gives_the_recent_returns_the_plot():
    surface = pygame.Surface((420, 240))
    surface.fill(THEME["background"])
    values = np.concatenate([np.full(3, -2000.0), np.tile([-20.0, -10.0], 60)])
    plot = draw_line_chart(surface, surface.get_rect(), {"return": values}, "Return", robust=True)
    rows = _curve_rows(surface, plot)
    later = [y for x, y in rows.items() if x > plot.x + plot.w * 0.2]
    assert max(later) - min(later) > plot.h * 0.3  # -20..-10 fill a good part of the plot


def test_log_y_maps_values_monotonically_and_evenly_per_decade():
    values = 10.0 ** (np.arange(41) / 10)  # 1 .. 10,000: a straight line on a log axis
    surface = pygame.Surface((420, 260))
    surface.fill(THEME["background"])
    plot = draw_line_chart(surface, surface.get_rect(), {"v": values}, "v", log_y=True)
    rows = _curve_rows(surface, plot)
    xs = np.array(sorted(rows))
    ys = np.array([rows[x] for x in xs])
    assert np.all(np.diff(ys) <= 1)  # higher values, higher on screen (rows go down)
    assert np.corrcoef(xs, ys)[0, 1] < -0.99  # straight
    linear = pygame.Surface((420, 260))
    linear.fill(THEME["background"])
    plot = draw_line_chart(linear, linear.get_rect(), {"v": values}, "v")
    rows = _curve_rows(linear, plot)
    xs = np.array(sorted(rows))
    assert np.corrcoef(xs, [rows[x] for x in xs])[0, 1] > -0.9  # linear axis: a hockey stick


def test_x_range_shows_only_that_part_and_fits_y_to_it(monkeypatch):
    seen = _blit_sizes(monkeypatch)
    values = np.concatenate([np.zeros(100), np.full(100, 50.0)])
    surface = pygame.Surface((400, 200))
    draw_line_chart(surface, surface.get_rect(), {"v": values + np.arange(200) * 0.01}, "v", x_range=(150, 199))
    labels = {s for s, _ in seen}
    assert "160" in labels and "200" in labels and "100" not in labels  # x ticks of the window only
    assert "0" not in labels  # y fits 51.5..52, not 0..52
