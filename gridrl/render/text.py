"""Fonts and cached text surfaces.

Rendering a string is the slowest thing the board does, so every text surface is kept in a
cache keyed by what it looks like: the text, the font size, bold or not, and the colour.
The font is DejaVu Sans from ``assets/fonts`` (it has Greek letters, arrows and the minus
sign); without it pygame's default font is used.
"""

from __future__ import annotations

import math
from collections import OrderedDict

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


def blit(surface: pygame.Surface, s: str, size: int, color: tuple[int, ...], pos: tuple[float, float],
         anchor: str = "center", bold: bool = False, max_width: int | None = None) -> pygame.Rect:  # fmt: skip
    """Draw ``s`` with the rect's ``anchor`` point (``"center"``, ``"topleft"``, ``"midright"`` ...)
    at ``pos``; returns the rect drawn."""
    surf = text(s, size, color, bold) if max_width is None else fitted(s, size, color, max_width, bold)
    rect = surf.get_rect(**{anchor: (round(pos[0]), round(pos[1]))})
    surface.blit(surf, rect)
    return rect


def format_number(v: float, digits: int) -> str:
    """``v`` with ``digits`` decimals, a real minus sign, and no ``-0.00``."""
    if digits < 0:  # thousands
        k = round(v / 1000)
        return f"{MINUS if k < 0 else ''}{abs(k)}k"
    out = f"{v:.{digits}f}"
    if out.startswith("-"):
        out = MINUS + out[1:] if any(ch not in "-0." for ch in out) else out[1:]
    return out


def decimals(v: float, compact: bool = False) -> int:
    """Decimals worth showing for ``v``: 2 below 10, 1 below 100, 0 below 10,000, else
    thousands (-1); one fewer when ``compact`` (small cells)."""
    a = abs(v)
    d = 2 if a < 10 else 1 if a < 100 else 0 if a < 10_000 else -1
    return max(d - 1, 0) if compact and d > 0 else d


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
