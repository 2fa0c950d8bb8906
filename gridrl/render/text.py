"""Fonts and cached text surfaces.

Rendering a string is the slowest thing the board does, so every text surface is kept in a
cache keyed by what it looks like: the text, the font size, bold or not, and the colour.
The font is DejaVu Sans from ``assets/fonts`` (it has Greek letters, arrows and the minus
sign); without it pygame's default font is used.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pygame

from gridrl.data import bundled_dir

#: The repository's top-level ``assets/fonts``, shipped inside the package.
FONT_DIR = bundled_dir("assets") / "fonts"
FONT_FILES = {False: FONT_DIR / "DejaVuSans.ttf", True: FONT_DIR / "DejaVuSans-Bold.ttf"}

#: Text surfaces kept at most; the least recently used go first.
MAX_CACHED_TEXTS = 6000

_fonts: dict[tuple[int, bool], pygame.font.Font] = {}
_texts: OrderedDict[tuple[str, int, bool, tuple[int, ...]], pygame.Surface] = OrderedDict()

MINUS = "\u2212"


def font(size: int, bold: bool = False) -> pygame.font.Font:
    """The app's font at ``size`` pixels (cached); initialises pygame.font if needed."""
    size = max(int(size), 6)
    key = (size, bold)
    if not pygame.font.get_init():  # first use, or pygame.quit() (gymnasium's play() ends so) closed them all
        _fonts.clear()
        pygame.font.init()
    found = _fonts.get(key)
    if found is None:
        path = FONT_FILES[bold]
        if path.exists():
            found = pygame.font.Font(path, size)
        else:  # pragma: no cover - the fonts ship with the repository
            found = pygame.font.Font(None, int(size * 1.3))
            found.set_bold(bold)
        _fonts[key] = found
    return found


def text(s: str, size: int, color: tuple[int, ...], bold: bool = False) -> pygame.Surface:
    """An anti-aliased, transparent-background surface of ``s`` (cached by its look)."""
    key = (s, int(size), bold, tuple(color))
    surf = _texts.get(key)
    if surf is not None:
        _texts.move_to_end(key)
        return surf
    surf = font(size, bold).render(s, True, color)
    _texts[key] = surf
    if len(_texts) > MAX_CACHED_TEXTS:
        _texts.popitem(last=False)
    return surf


def fitted(s: str, size: int, color: tuple[int, ...], max_width: int, bold: bool = False,
           min_size: int = 7) -> pygame.Surface:  # fmt: skip
    """:func:`text` at ``size``, or at the largest smaller size whose width fits ``max_width``."""
    width = font(size, bold).size(s)[0]
    if width > max_width > 0:
        size = max(min_size, int(size * max_width / width))
    return text(s, size, color, bold)


#: Characters numbers are made of; :func:`glyphs` draws these from cached single glyphs.
NUMBER_CHARS = frozenset("0123456789.,+-k" + MINUS)
_glyph_sets: dict[tuple[int, bool, tuple[int, ...]], dict[str, tuple[pygame.Surface, int]]] = {}


def glyphs(s: str, size: int, color: tuple[int, ...], max_width: int | None = None, bold: bool = False,
           min_size: int = 7) -> tuple[list[tuple[pygame.Surface, int]], int, int]:  # fmt: skip
    """A number as cached single glyphs: ``([(glyph, x offset), ...], width, height)``.

    Numbers change every frame while an agent learns (visit counts, values); rendering each
    new string with the font would cost more than the rest of the frame, so digits are
    rendered once per size and colour and laid side by side (digits have equal widths, so
    this looks like the font's own rendering). Shrinks to fit ``max_width`` like
    :func:`fitted`; strings with other characters are rendered whole.
    """
    size = int(size)
    if not set(s) <= NUMBER_CHARS:
        surf = text(s, size, color, bold) if max_width is None else fitted(s, size, color, max_width, bold)
        return [(surf, 0)], surf.get_width(), surf.get_height()
    run, width = _glyph_run(s, size, color, bold)
    if max_width is not None and width > max_width > 0 and size > min_size:
        size = max(min_size, int(size * max_width / width))
        run, width = _glyph_run(s, size, color, bold)
    return run, width, font(size, bold).get_height()


def _glyph_run(s: str, size: int, color: tuple[int, ...], bold: bool) -> tuple[list[tuple[pygame.Surface, int]], int]:
    key = (size, bold, tuple(color))
    table = _glyph_sets.get(key)
    if table is None:
        if len(_glyph_sets) > 64:
            _glyph_sets.clear()
        f = font(size, bold)
        table = _glyph_sets[key] = {ch: (f.render(ch, True, color), f.size(ch)[0]) for ch in NUMBER_CHARS}
    run = []
    x = 0
    for ch in s:
        surf, advance = table[ch]
        run.append((surf, x))
        x += advance
    return run, x


@dataclass(frozen=True)
class Drawn:
    """One label :func:`blit` drew while :func:`recording`: its ink (the rect of the pixels
    it drew, not the font's line box), its text, the surface, and the clip (None: the whole
    surface)."""

    surface: pygame.Surface
    rect: pygame.Rect
    text: str
    clip: pygame.Rect | None


_recorded: list[Drawn] | None = None


@contextmanager
def recording() -> Iterator[list[Drawn]]:
    """Every label :func:`blit` draws inside the ``with`` block, in a list (the layout test
    checks that labels neither overlap nor leave their panel). Off, it costs one test."""
    global _recorded
    outer, _recorded = _recorded, []
    try:
        yield _recorded
    finally:
        _recorded = outer


def is_recording() -> bool:
    """Whether :func:`recording` is on: a drawing cached as pixels must then draw its labels."""
    return _recorded is not None


def blit(surface: pygame.Surface, s: str, size: int, color: tuple[int, ...], pos: tuple[float, float],
         anchor: str = "center", bold: bool = False, max_width: int | None = None) -> pygame.Rect:  # fmt: skip
    """Draw ``s`` with the rect's ``anchor`` point (``"center"``, ``"topleft"``, ``"midright"`` ...)
    at ``pos``; returns the rect drawn."""
    surf = text(s, size, color, bold) if max_width is None else fitted(s, size, color, max_width, bold)
    rect = surf.get_rect(**{anchor: (round(pos[0]), round(pos[1]))})
    surface.blit(surf, rect)
    if _recorded is not None:
        clip = surface.get_clip()
        ink = surf.get_bounding_rect().move(rect.topleft)
        _recorded.append(Drawn(surface, ink, s, None if clip == surface.get_rect() else clip))
    return rect


#: SI prefixes for large numbers (axis ticks, counts): 1e3 k, 1e6 M, 1e9 G.
SI_PREFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"))


def format_number(v: float, digits: int) -> str:
    """``v`` with ``digits`` decimals, a real minus sign, and no ``-0.00``; ``digits < 0``
    means a large number with an SI prefix and 3 significant digits (12.3k, 800k, 1.5M)."""
    if digits < 0:
        a = abs(v)
        unit, suffix = next(((u, p) for u, p in SI_PREFIXES if a >= u * 0.9995), (1.0, ""))
        scaled = round(a / unit, max(0, 2 - int(math.floor(math.log10(max(a / unit, 1.0))))))
        if scaled >= 1000 and suffix != "G":  # 999,999.5 rounds to 1000k: that is 1M
            return format_number(math.copysign(scaled * unit, v), -1)
        body = f"{scaled:.3f}".rstrip("0").rstrip(".")
        return f"{MINUS if v < 0 and scaled else ''}{body}{suffix}"
    out = f"{v:.{digits}f}"
    if out.startswith("-"):
        out = MINUS + out[1:] if any(ch not in "-0." for ch in out) else out[1:]
    return out


def decimals(v: float, compact: bool = False) -> int:
    """Decimals worth showing for ``v``: 2 below 10, 1 below 100, 0 below 10,000, else
    thousands (-1); one fewer when ``compact`` (small cells). See :func:`decimals_array`."""
    return int(decimals_array(np.array([v], dtype=float), compact)[0])


def decimals_array(values: np.ndarray, compact: bool = False) -> np.ndarray:
    """:func:`decimals` of every value (NaN: 2). A value counts as what it rounds to, so -9.97
    is written "-10" in a compact cell, not "-10.0": rounding never adds a digit."""
    a = np.abs(np.nan_to_num(np.asarray(values, dtype=float)))
    out = np.full(a.shape, -1, dtype=np.int64)
    for d, top in ((0, 10_000), (1, 100), (2, 10)):  # narrowest range last: it wins
        shown = max(d - 1, 0) if compact and d > 0 else d
        out = np.where(np.floor(a * 10.0**shown + 0.5) < top * 10.0**shown, shown, out)
    return out


def number_width(values: np.ndarray, size: int, compact: bool = False, bold: bool = False) -> int:
    """Width in pixels of the widest of ``values`` (NaN skipped; 0 if none) as
    ``format_number(v, decimals(v, compact))`` writes it and :func:`glyphs` lays it out, for
    every value at once without rendering one: whether numbers fit a cell is decided per
    frame over the whole board. Exact below 10,000; above, the widest SI form ("−1.23M")."""
    v = np.asarray(values, dtype=float).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return 0
    f = font(size, bold)
    digit, dot, minus = (f.size(ch)[0] for ch in ("0", ".", MINUS))
    a = np.abs(v)
    d = decimals_array(v, compact)
    scale = 10.0 ** np.maximum(d, 0)
    scaled = np.floor(a * scale + 0.5)  # ties round up: never narrower than the text
    whole = np.floor(scaled / scale)
    digits = np.where(whole >= 1, np.floor(np.log10(np.maximum(whole, 1))) + 1, 1)
    width = digits * digit + np.where(d > 0, dot + d * digit, 0) + np.where((v < 0) & (scaled > 0), minus, 0)
    large = minus + 3 * digit + dot + max(f.size(p)[0] for _, p in SI_PREFIXES)
    return int(np.where(d < 0, large, width).max())


def nice_number(v: float) -> str:
    """A short label for axis ticks and legends: 3 significant digits at most."""
    a = abs(v)
    if a == 0:
        return "0"
    if a >= 10_000:
        return format_number(v, -1)
    d = 0 if a >= 100 else 1 if a >= 10 else 2 if a >= 1 else 3
    out = format_number(v, d)
    if "." in out:
        out = out.rstrip("0").rstrip(".")
    return out


def tick_labels(ticks: list[float]) -> list[str]:
    """Labels of evenly spaced axis ticks with the decimals their step needs (0, 0.5, 1; a
    0.0025 step gets 4), trailing zeros dropped; from 10,000 up with an SI prefix (800k,
    1.5M); steps below 0.0001 in powers of ten (2.5e−5)."""
    if len(ticks) < 2:
        return [nice_number(t) for t in ticks]
    step = min(abs(b - a) for a, b in zip(ticks, ticks[1:])) or 1.0
    big = max(abs(t) for t in ticks)
    unit, suffix = next(((u, p) for u, p in SI_PREFIXES if big >= max(u, 10_000)), (1.0, ""))
    if not suffix and step < 1e-4:
        return ["0" if t == 0 else _power_of_ten(t) for t in ticks]
    digits = max(0, -math.floor(math.log10(step / unit) + 1e-9))
    if abs(step / unit * 10**digits - round(step / unit * 10**digits)) > 1e-6:  # 2.5, 0.25: one more
        digits += 1
    return ["0" if t == 0 else _strip(format_number(t / unit, digits)) + suffix for t in ticks]


def _power_of_ten(v: float) -> str:
    mantissa, exponent = f"{v:.2e}".split("e")
    return _strip(mantissa) + "e" + str(int(exponent)).replace("-", MINUS)


def _strip(s: str) -> str:
    """``s`` without trailing decimal zeros (and the point if nothing is left after it); minus as MINUS."""
    s = s.rstrip("0").rstrip(".") if "." in s else s
    return s.replace("-", MINUS)


def nice_ticks(lo: float, hi: float, count: int = 5, inside: bool = False) -> list[float]:
    """Round tick values (1, 2, 2.5 or 5 times a power of ten), about ``count`` of them:
    from below ``lo`` to above ``hi`` (so an axis can stretch to them), or with ``inside``
    only those within [lo, hi]."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(count - 1, 1)
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw * 0.999)
    eps = step * 1e-9
    if inside:
        first, last = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    else:
        first, last = math.floor(lo / step + 1e-9), math.ceil(hi / step - 1e-9)
    ticks = [i * step for i in range(first, last + 1)]
    return [0.0 if abs(t) < eps else t for t in ticks]


def elide(s: str, size: int, max_width: int, bold: bool = False) -> str:
    """``s``, or its longest prefix followed by "…" that is at most ``max_width`` pixels wide
    at ``size`` (just "…" if nothing fits); unlike :func:`fitted` the size stays the same."""
    f = font(size, bold)
    if f.size(s)[0] <= max_width:
        return s
    lo, hi = 0, len(s)  # binary search on the prefix length: widths grow with it
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if f.size(s[:mid] + "…")[0] <= max_width:
            lo = mid
        else:
            hi = mid - 1
    return s[:lo].rstrip() + "…"


def table_columns(columns: list[list[str]], size: int, width: int, gap: int,
                  bold: bool = False) -> list[tuple[int, int]]:  # fmt: skip
    """(x offset, width) of each column of a table ``width`` pixels wide, each column given as
    its texts (header included) at ``size``: never overlapping, ``gap`` pixels apart or more.

    Columns get the width of their widest text; the room left over widens the gaps (up to
    3 gaps' worth) and then the first column. Too little room narrows the first column
    (names elide) down to a few characters, then every column in proportion: the caller
    elides the texts to the widths returned (see :func:`elide`).
    """
    f = font(size, bold)
    natural = [max((f.size(t)[0] for t in col), default=0) for col in columns]
    n = len(natural)
    if n == 0:
        return []
    spare = width - sum(natural) - gap * (n - 1)
    widths = list(natural)
    if spare >= 0:
        gap += min(spare // max(n - 1, 1), 3 * gap) if n > 1 else 0
        widths[0] += width - sum(widths) - gap * (n - 1)
    else:
        floor = min(natural[0], f.size("MM…")[0])
        widths[0] = max(floor, natural[0] + spare)
        over = sum(widths) + gap * (n - 1) - width
        if over > 0:
            total = sum(widths)
            widths = [max(0, w - math.ceil(over * w / total)) for w in widths]
    out, x = [], 0
    for w in widths:
        out.append((x, w))
        x += w + gap
    return out
