"""Colours: the theme, a diverging map for values and a sequential one for visit counts.

Both maps are ColorBrewer schemes marked colour-blind safe:

* :data:`DIVERGING` is RdBu (9 classes) reversed: blue for negative values, near-white
  at 0, orange-red for positive ones. The two halves have matching lightness, so +x and
  -x look equally strong.
* :data:`SEQUENTIAL` is YlGnBu: pale yellow for few visits, deep blue for many.
* :data:`TRACES` is Greens, linear, for eligibility traces: a hue of its own, which the
  agent's purple trail, the yellow update glow and the magenta selection all stand out on.

The functions map whole arrays at once (one lookup-table index per value), which is what
lets the board colour a 64x64 level every frame.
"""

from __future__ import annotations

import numpy as np

RGB = tuple[int, int, int]

#: Named colours of the app: a light, high-contrast theme that survives a projector.
THEME: dict[str, RGB] = {
    "background": (231, 235, 241),
    "panel": (250, 251, 253),
    "panel_border": (203, 210, 220),
    "text": (29, 33, 41),
    "text_muted": (96, 105, 120),
    "text_light": (250, 250, 250),
    "grid": (160, 168, 180),
    "board_border": (58, 64, 82),
    "floor": (248, 246, 241),
    "floor_alt": (240, 237, 230),
    "wall": (66, 72, 92),
    "wall_light": (104, 112, 136),
    "wall_dark": (40, 44, 58),
    "start": (52, 84, 140),
    "goal": (40, 158, 92),
    "goal_dark": (22, 110, 60),
    "star": (255, 214, 74),
    "hazard": (206, 52, 48),
    "hazard_dark": (140, 28, 30),
    "pit": (54, 66, 92),
    "teleport": (123, 82, 196),
    "exit": (123, 82, 196),
    "wind": (48, 60, 84),
    "agent": (255, 190, 30),
    "agent_outline": (46, 38, 20),
    "trail": (84, 58, 170),
    "highlight": (255, 200, 0),
    "selection": (232, 30, 150),
    "accent": (0, 114, 178),
    "arrow": (24, 28, 44),
    "neutral": (176, 176, 176),
    "planned": (0, 188, 227),
    "model": (0, 110, 120),
}

#: Colour-blind-safe series colours for charts (Okabe & Ito 2008).
PALETTE: tuple[RGB, ...] = (
    (0, 114, 178),  # blue
    (230, 159, 0),  # orange
    (0, 158, 115),  # bluish green
    (204, 121, 167),  # reddish purple
    (86, 180, 233),  # sky blue
    (213, 94, 0),  # vermillion
)

#: ColorBrewer RdBu-9 reversed, from -limit (first) through 0 (middle) to +limit (last).
DIVERGING_STOPS: tuple[RGB, ...] = (
    (33, 102, 172),
    (67, 147, 195),
    (146, 197, 222),
    (209, 229, 240),
    (247, 247, 247),
    (253, 219, 199),
    (244, 165, 130),
    (214, 96, 77),
    (178, 24, 43),
)

#: ColorBrewer YlGnBu-8, from few (first) to many (last).
SEQUENTIAL_STOPS: tuple[RGB, ...] = (
    (255, 255, 217),
    (237, 248, 177),
    (199, 233, 180),
    (127, 205, 187),
    (65, 182, 196),
    (29, 145, 192),
    (34, 94, 168),
    (12, 44, 132),
)

#: ColorBrewer Greens-8, from a trace of 0 (first) to the largest trace (last).
TRACE_STOPS: tuple[RGB, ...] = (
    (247, 252, 245),
    (229, 245, 224),
    (199, 233, 192),
    (161, 217, 155),
    (116, 196, 118),
    (65, 171, 93),
    (35, 139, 69),
    (0, 90, 50),
)

#: Entries of the lookup tables; odd, so that 0 sits exactly on the middle entry.
LUT_SIZE = 257


def _lut(stops: tuple[RGB, ...], n: int = LUT_SIZE) -> np.ndarray:
    """Piecewise-linear interpolation of the stops into an (n, 3) uint8 table."""
    stops_array = np.asarray(stops, dtype=float)
    where = np.linspace(0.0, len(stops) - 1, n)
    lo = np.minimum(where.astype(int), len(stops) - 2)
    frac = (where - lo)[:, None]
    table = stops_array[lo] * (1 - frac) + stops_array[lo + 1] * frac
    return np.rint(table).astype(np.uint8)


#: The diverging lookup table, (LUT_SIZE, 3) uint8: entry 0 is -limit, the middle entry 0.
DIVERGING: np.ndarray = _lut(DIVERGING_STOPS)
#: The sequential lookup table, (LUT_SIZE, 3) uint8: entry 0 is no visits, the last vmax.
SEQUENTIAL: np.ndarray = _lut(SEQUENTIAL_STOPS)
#: The traces' lookup table, (LUT_SIZE, 3) uint8: entry 0 is a trace of 0, the last the largest.
TRACES: np.ndarray = _lut(TRACE_STOPS)
NEUTRAL = np.array(THEME["neutral"], dtype=np.uint8)


#: The colour scale's automatic limit is this percentile of |values|, not their maximum: on
#: the cliff the 12 actions that step off the edge (Q = -113, 8 % of the Q values) would
#: otherwise wash every other value into one colour. Values beyond the limit saturate.
LIMIT_PERCENTILE = 90.0


def robust_limit(values: np.ndarray, floor: float) -> float:
    """The :data:`LIMIT_PERCENTILE` percentile of the finite |values|, at least ``floor`` (so
    that values that are all about 0, e.g. right after a reset, stay near white instead of
    being stretched to full colour)."""
    a = np.abs(np.asarray(values, dtype=float).ravel())
    a = a[np.isfinite(a)]
    if not a.size:
        return float(floor)
    # np.percentile's linear interpolation, by a partial sort (it runs every frame)
    rank = (a.size - 1) * LIMIT_PERCENTILE / 100.0
    lo, hi = int(np.floor(rank)), int(np.ceil(rank))
    part = np.partition(a, (lo, hi))
    top = float(part[lo] + (part[hi] - part[lo]) * (rank - lo))
    return max(top, float(floor))


def diverging_index(values: np.ndarray, limit: float) -> np.ndarray:
    """Index into :data:`DIVERGING` of each value (-1 for NaN): values/limit clipped to [-1, 1]."""
    v = np.asarray(values, dtype=float)
    limit = float(limit) if np.isfinite(limit) and limit > 0 else 1.0
    half = (LUT_SIZE - 1) // 2
    with np.errstate(invalid="ignore"):
        t = np.clip(v / limit, -1.0, 1.0)
    index = np.rint(np.nan_to_num(t) * half).astype(np.int64) + half
    return np.where(np.isnan(v), -1, index)


def diverging(values: np.ndarray, limit: float) -> np.ndarray:
    """(N, 3) uint8 colours of ``values`` on the scale [-limit, +limit]; NaN -> neutral grey.

    Values beyond the limit take the end colours; a non-positive limit counts as 1.
    """
    index = diverging_index(np.ravel(values), limit)
    colors = DIVERGING[np.maximum(index, 0)]
    colors[index < 0] = NEUTRAL
    return colors


def sequential_index(values: np.ndarray, vmax: float) -> np.ndarray:
    """Index into :data:`SEQUENTIAL` of each count on a log scale log(1+v)/log(1+vmax); -1 for NaN."""
    v = np.asarray(values, dtype=float)
    vmax = float(vmax) if np.isfinite(vmax) and vmax > 0 else 1.0
    with np.errstate(invalid="ignore"):
        t = np.log1p(np.clip(np.nan_to_num(v), 0.0, vmax)) / np.log1p(vmax)
    index = np.rint(t * (LUT_SIZE - 1)).astype(np.int64)
    return np.where(np.isnan(v), -1, index)


def sequential(values: np.ndarray, vmax: float) -> np.ndarray:
    """(N, 3) uint8 colours of visit counts, pale (0) to deep blue (vmax), on a log scale
    so that a cell visited 10 times stands out from one visited once even beside one
    visited 10,000 times; NaN -> neutral grey."""
    index = sequential_index(np.ravel(values), vmax)
    colors = SEQUENTIAL[np.maximum(index, 0)]
    colors[index < 0] = NEUTRAL
    return colors


def trace_index(values: np.ndarray, vmax: float) -> np.ndarray:
    """Index into :data:`TRACES` of each trace on the linear scale [0, vmax]: a trace decays
    by gamma lambda a step, and a linear scale shows that decay as it is."""
    vmax = float(vmax) if np.isfinite(vmax) and vmax > 0 else 1.0
    t = np.clip(np.nan_to_num(np.asarray(values, dtype=float)) / vmax, 0.0, 1.0)
    return np.rint(t * (LUT_SIZE - 1)).astype(np.int64)


def luminance(colors: np.ndarray) -> np.ndarray:
    """Relative luminance (0 black .. 1 white, WCAG formula) of (N, 3) uint8 colours."""
    c = np.asarray(colors, dtype=float) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def text_color_on(colors: np.ndarray) -> np.ndarray:
    """True where white text reads better than dark text on the given (N, 3) backgrounds."""
    return luminance(colors) < 0.2


def mix(a: RGB, b: RGB, t: float) -> RGB:
    """``a`` moved a fraction ``t`` of the way to ``b``."""
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))  # type: ignore[return-value]
