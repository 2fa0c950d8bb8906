"""The level editor's logic, without pygame: edit operations on gridworlds, undo / redo,
validation, where user levels and the recovery file live, and saving. A gridworld's
scheduled changes are edited by :mod:`gridrl.gui.editor_changes`, a bandit by
:mod:`gridrl.gui.editor_bandit`.

Every operation is a pure function ``level -> level`` (levels are frozen dataclasses);
:class:`EditorModel` keeps the history so any edit can be undone and redone. Edits never
refuse to make a level invalid (a student paints the start last); :func:`validate` says
what is wrong, with the same checks as ``gridrl validate``: the level is written as YAML
and parsed back.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import platformdirs

from gridrl.levels import (BUNDLED_DIR, GridLevel, Level, LevelError, TileKind, atomic_write_text, level_to_yaml,
                           level_warnings, parse_level)  # fmt: skip
from gridrl.levels.model import BUILTIN_TILES, base_tile

#: The palette's built-in tiles, in order.
BUILTIN_PALETTE = (".", "#", "S", "G", "X")
MAX_SIDE = 60
#: Ranges the dynamics editor enforces (the parser's ranges).
DYNAMICS_RANGES: dict[str, tuple[float, float]] = {
    "gamma": (0.0, 1.0),
    "step_reward": (-1e6, 1e6),
    "bump_reward": (-1e6, 1e6),
    "slip": (0.0, 1.0),
    "max_steps": (1, 1_000_000),
}
TILE_FIELDS = ("wall", "start", "terminal", "reward", "reward_std", "teleport", "exit_reward", "exit_reward_std",
               "exit_to", "wind")
#: The standard deviations of the Gaussian noise on a tile's payments (0: none), as the level format has them.
NOISE_FIELDS = ("reward_std", "exit_reward_std")

# ----------------------------------------------------------------------------- places


def data_dir() -> Path:
    """The platform's user-data folder for gridrl (Linux: ``$XDG_DATA_HOME/gridrl``, by
    default ``~/.local/share/gridrl``)."""
    return platformdirs.user_data_path("gridrl", appauthor=False)


def user_levels_dir() -> Path:
    """Where the editor saves levels; ``GRIDRL_USER_LEVELS`` overrides it."""
    override = os.environ.get("GRIDRL_USER_LEVELS")
    return Path(override) if override else data_dir() / "levels"


def recovery_path() -> Path:
    """The autosave file kept while the editor has unsaved changes."""
    return data_dir() / "editor-recovery.yaml"


def user_level_files() -> list[Path]:
    folder = user_levels_dir()
    try:
        return sorted(p for p in folder.glob("*.yaml") if p.is_file())
    except OSError:
        return []


def is_bundled(path: str | Path | None) -> bool:
    if path is None:
        return False
    try:
        return Path(path).resolve().parent == BUNDLED_DIR.resolve()
    except OSError:
        return False


def slug(name: str) -> str:
    text = "".join(ch.lower() if ch.isalnum() else "_" for ch in name).strip("_")
    while "__" in text:
        text = text.replace("__", "_")
    return text or "my_level"


FILE_NAME_RULE = "letters, digits, spaces, - and _ (no folders), e.g. my_level"


def file_name(text: str) -> str:
    """The YAML file name (``NAME.yaml``) for what was typed in the Save-as field, or a
    LevelError that says what a name may hold. A name never leaves the user levels folder
    (no ``/``, ``\\`` or ``..``), and ends in ``.yaml`` so the level picker lists it."""
    stem = text.strip()
    for suffix in (".yaml", ".yml"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)].strip()
    if not stem:
        raise LevelError(f"type a file name first: {FILE_NAME_RULE}")
    if not all(ch.isalnum() or ch in " -_" for ch in stem) or len(stem) > 100:
        raise LevelError(f"a file name may hold {FILE_NAME_RULE}, at most 100 characters; got {text.strip()!r}")
    return f"{stem}.yaml"


def save_path_for(level: Level, path: str | Path | None) -> Path:
    """Where Save writes: ``path`` unless it is a bundled level (then a copy in the user
    folder, never overwriting a bundled file)."""
    if path is not None and not is_bundled(path):
        return Path(path)
    folder = user_levels_dir()
    stem = Path(path).stem if path is not None else slug(level.name)
    candidate = folder / f"{stem}.yaml"
    n = 2
    while candidate.exists():
        candidate = folder / f"{stem}_{n}.yaml"
        n += 1
    return candidate


def save(level: Level, path: str | Path) -> Path:
    """Write ``level`` atomically; refuses bundled files. Returns the path written."""
    path = Path(path)
    if is_bundled(path):
        raise LevelError(f"{path.name} is a bundled level; save a copy under another name")
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, level_to_yaml(level))
    return path


RECOVERY_TAG = "# gridrl editor recovery; target: "


def write_recovery(level: Level, target: str | Path | None) -> None:
    path = recovery_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, f"{RECOVERY_TAG}{target or ''}\n{level_to_yaml(level)}")


def read_recovery() -> tuple[Level, Path | None] | None:
    """The level of the recovery file and the file it was meant for, or None."""
    path = recovery_path()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return None
    first = text.split("\n", 1)[0]
    target = first[len(RECOVERY_TAG):].strip() if first.startswith(RECOVERY_TAG) else ""
    try:
        level = parse_level(text, source=str(path))
    except LevelError:
        return None
    return level, (Path(target) if target else None)


def clear_recovery() -> None:
    recovery_path().unlink(missing_ok=True)


# ----------------------------------------------------------------------------- validation


@dataclass(frozen=True)
class Validation:
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def validate(level: Level) -> Validation:
    """The checks of ``gridrl validate``: the level as YAML, parsed back; plus its warnings."""
    try:
        parsed = parse_level(level_to_yaml(level), source="edited level")
    except LevelError as exc:
        return Validation(errors=(exc.problem,))
    except Exception as exc:  # noqa: BLE001 - a half-built level must never crash the editor
        return Validation(errors=(f"{type(exc).__name__}: {exc}",))
    try:
        warnings = tuple(level_warnings(parsed))
    except Exception as exc:  # noqa: BLE001
        warnings = (f"could not check reachability: {exc}",)
    if isinstance(parsed, GridLevel) and not parsed.cells_of("G") and not any(
        parsed.tile(c).terminal for c in set("".join(parsed.layout))
    ):
        warnings += ("no goal or terminal cell: episodes only end at max_steps",)
    if isinstance(parsed, GridLevel):  # a change that sets no cell leaves the layout before it as it was
        before = (parsed.layout,) + tuple(change.layout for change in parsed.changes)
        warnings += tuple(f"the change at step {change.at_step:,} sets no cell yet: select it and "
                          "paint the cells it changes" for change, previous in zip(parsed.changes, before)
                          if change.layout == previous)  # fmt: skip
    return Validation(warnings=warnings)


# ----------------------------------------------------------------------------- grid operations


SIDE_RULE = (f"the editor makes grids of 1 to {MAX_SIDE} cells a side "
             "(a bigger level can be written as a YAML file)")  # fmt: skip


def new_grid(rows: int, cols: int, name: str = "New level") -> GridLevel:
    if not (1 <= rows <= MAX_SIDE and 1 <= cols <= MAX_SIDE):
        raise LevelError(f"{SIDE_RULE}; got {rows} x {cols}")
    return GridLevel(name=name, layout=tuple("." * cols for _ in range(rows)))


def parse_size(text: str) -> tuple[int, int]:
    """``"ROWSxCOLS"`` (e.g. ``5x5``, ``5 x 7``) as (rows, cols) within the editor's limits."""
    parts = text.lower().replace("×", "x").replace(" ", "").split("x")
    if len(parts) != 2 or not all(p.isdigit() for p in parts):
        raise LevelError(f"type the size as ROWSxCOLS, two whole numbers, e.g. 5x5; got {text.strip()!r}")
    rows, cols = int(parts[0]), int(parts[1])
    if not (1 <= rows <= MAX_SIDE and 1 <= cols <= MAX_SIDE):
        raise LevelError(f"{SIDE_RULE}; got {rows} x {cols}")
    return rows, cols


def parse_number(text: str, what: str, low: float | None = None, high: float | None = None,
                 whole: bool = False) -> float:  # fmt: skip
    """``text`` as the number of field ``what``; a LevelError says what is allowed (rather
    than Python's "could not convert string to float")."""
    kind = "a whole number" if whole else "a number"
    allowed = (f"{kind} from {low:.10g} to {high:.10g}" if low is not None and high is not None
               else f"{kind} >= {low:.10g}" if low is not None else kind)  # fmt: skip
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or (whole and not value.is_integer()) or \
            (low is not None and value < low) or (high is not None and value > high):  # fmt: skip
        raise LevelError(f"{what} must be {allowed}; got {text.strip()!r}")
    return value


def palette(level: GridLevel) -> list[str]:
    """Characters the user can paint: the built-ins, then the legend's own kinds."""
    chars = list(BUILTIN_PALETTE)
    chars += [k.char for k in level.legend if k.char not in chars]
    return chars


def paint(level: GridLevel, cells: list[tuple[int, int]] | tuple[int, int], char: str) -> GridLevel:
    """``char`` on every (row, col) of ``cells`` (outside cells are ignored)."""
    if isinstance(cells, tuple) and len(cells) == 2 and isinstance(cells[0], int):
        cells = [cells]  # type: ignore[list-item]
    if len(char) != 1:
        raise LevelError(f"a tile is one character, got {char!r}")
    rows, cols = level.shape
    layout = [list(line) for line in level.layout]
    for r, c in cells:  # type: ignore[misc]
        if 0 <= r < rows and 0 <= c < cols:
            layout[r][c] = char
    new = tuple("".join(line) for line in layout)
    return level if new == level.layout else replace(level, layout=new)


def kind_of(level: GridLevel, char: str) -> TileKind:
    try:
        return level.tile(char)
    except KeyError:
        return base_tile(char)


def set_kind(level: GridLevel, char: str, **props: object) -> GridLevel:
    """The tile kind ``char`` with some properties changed (a legend entry is made or
    updated; a built-in back to its defaults drops its legend entry)."""
    unknown = set(props) - set(TILE_FIELDS)
    if unknown:
        raise LevelError(f"unknown tile properties: {', '.join(sorted(unknown))}")
    for key in ("reward", "exit_reward") + NOISE_FIELDS:
        if key in props:
            value = float(props[key])  # type: ignore[arg-type]
            if not math.isfinite(value):
                raise LevelError(f"'{key}' must be a finite number")
            if key in NOISE_FIELDS and value < 0:
                raise LevelError(f"'{key}' is a standard deviation: a number >= 0 (0 for no noise); got {value:g}")
            props[key] = value
    if "wind" in props:
        dr, dc = props["wind"]  # type: ignore[misc]
        props["wind"] = (int(dr), int(dc))
    for key in ("teleport", "exit_to"):
        if props.get(key) == "":
            props[key] = None
    kind = replace(kind_of(level, char), **props)  # type: ignore[arg-type]
    others = tuple(k for k in level.legend if k.char != char)
    if char in BUILTIN_TILES and kind == BUILTIN_TILES[char]:
        legend = others
    else:
        legend = _replace_in_legend(level.legend, kind)
    return replace(level, legend=legend)


def _replace_in_legend(legend: tuple[TileKind, ...], kind: TileKind) -> tuple[TileKind, ...]:
    if any(k.char == kind.char for k in legend):
        return tuple(kind if k.char == kind.char else k for k in legend)
    return legend + (kind,)


def add_kind(level: GridLevel, char: str, **props: object) -> GridLevel:
    """A new tile kind ``char`` (floor-like unless ``props`` say more)."""
    if len(char) != 1 or char.isspace() or not char.isprintable():
        raise LevelError(f"a tile kind is one visible character, got {char!r}")
    if char in BUILTIN_TILES or any(k.char == char for k in level.legend):
        raise LevelError(f"'{char}' is already a tile kind; pick another character")
    if char in "\"'#:{}[],&*!|>%@`":
        raise LevelError(f"'{char}' has a meaning in YAML; pick a letter or digit")
    level = replace(level, legend=level.legend + (TileKind(char),))
    return set_kind(level, char, **props) if props else level


def remove_kind(level: GridLevel, char: str) -> GridLevel:
    """Drop a legend kind; its cells become floor, in every layout (the scheduled changes' too)."""
    legend = tuple(k for k in level.legend if k.char != char)
    if char in BUILTIN_TILES:
        return replace(level, legend=legend)
    floored = lambda layout: tuple(line.replace(char, ".") for line in layout)  # noqa: E731
    changes = tuple(replace(change, layout=floored(change.layout)) for change in level.changes)
    return replace(level, legend=legend, layout=floored(level.layout), changes=changes)


def set_dynamics(level: GridLevel, **values: object) -> GridLevel:
    """Dynamics with ``values`` changed; a value outside its range raises LevelError."""
    checked: dict[str, object] = {}
    for key, value in values.items():
        if key not in DYNAMICS_RANGES:
            raise LevelError(f"unknown dynamics setting '{key}'")
        low, high = DYNAMICS_RANGES[key]
        if key == "max_steps" and value is None:
            checked[key] = None
            continue
        try:
            number = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise LevelError(f"'{key}' must be a number, got {value!r}") from None
        if not math.isfinite(number) or not low <= number <= high:
            raise LevelError(f"'{key}' must be between {low:g} and {high:g}, got {value}")
        if key == "max_steps":
            if number != int(number):
                raise LevelError(f"'max_steps' must be a whole number, got {value}")
            checked[key] = int(number)
        else:
            checked[key] = number
    return replace(level, dynamics=replace(level.dynamics, **checked))  # type: ignore[arg-type]


def resize(level: GridLevel, top: int = 0, bottom: int = 0, left: int = 0, right: int = 0,
           fill: str = ".") -> GridLevel:  # fmt: skip
    """Add (positive) or remove (negative) rows / columns on each side; what stays keeps its
    tiles, new cells are ``fill``. The layouts of the level's scheduled changes are resized
    the same way (a change must keep the level's size)."""
    rows, cols = level.shape
    new_rows, new_cols = rows + top + bottom, cols + left + right
    too_big = (new_rows > MAX_SIDE and new_rows > rows) or (new_cols > MAX_SIDE and new_cols > cols)
    if too_big or new_rows < 1 or new_cols < 1:  # a bigger opened level may still shrink
        raise LevelError(f"{SIDE_RULE}; this would make it {new_rows} x {new_cols}")

    def grown(layout: tuple[str, ...]) -> tuple[str, ...]:
        lines = list(layout)
        lines = lines[max(-top, 0):] if top < 0 else [fill * cols] * top + lines
        lines = lines[: len(lines) + bottom] if bottom < 0 else lines + [fill * cols] * bottom
        out = []
        for line in lines:
            line = line[-left:] if left < 0 else fill * left + line
            out.append(line[:right] if right < 0 else line + fill * right)
        return tuple(out)

    changes = tuple(replace(change, layout=grown(change.layout)) for change in level.changes)
    return replace(level, layout=grown(level.layout), changes=changes)


# ----------------------------------------------------------------------------- history


@dataclass
class EditorModel:
    """The level being edited, its undo / redo history, and where it saves."""

    level: Level
    path: Path | None = None
    history: list[Level] = field(default_factory=list)
    index: int = 0
    saved_level: Level | None = None
    limit: int = 500

    def __post_init__(self) -> None:
        self.history = [self.level]
        self.index = 0
        if self.saved_level is None:
            self.saved_level = self.level

    @property
    def dirty(self) -> bool:
        return self.level != self.saved_level

    def apply(self, level: Level, merge: bool = False) -> bool:
        """Make ``level`` current; ``merge``: part of the same stroke as the last edit (one
        undo step for a whole drag). Returns whether anything changed."""
        if level == self.level:
            return False
        del self.history[self.index + 1:]
        if merge and self.index > 0:
            self.history[self.index] = level
        else:
            self.history.append(level)
            self.index += 1
            if len(self.history) > self.limit:
                del self.history[0]
                self.index -= 1
        self.level = level
        return True

    def do(self, fn, *args: object, merge: bool = False, **kwargs: object) -> bool:  # type: ignore[no-untyped-def]
        return self.apply(fn(self.level, *args, **kwargs), merge=merge)

    @property
    def can_undo(self) -> bool:
        return self.index > 0

    @property
    def can_redo(self) -> bool:
        return self.index < len(self.history) - 1

    def undo(self) -> bool:
        if not self.can_undo:
            return False
        self.index -= 1
        self.level = self.history[self.index]
        return True

    def redo(self) -> bool:
        if not self.can_redo:
            return False
        self.index += 1
        self.level = self.history[self.index]
        return True

    def validation(self) -> Validation:
        return validate(self.level)

    def save(self, path: str | Path | None = None) -> Path:
        """Save to ``path`` (Save as) or the level's own file, or a copy in the user folder
        for a bundled or new level."""
        target = save(self.level, save_path_for(self.level, path if path is not None else self.path))
        self.path = target
        self.saved_level = self.level
        return target
