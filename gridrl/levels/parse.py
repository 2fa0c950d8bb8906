"""Read a level from YAML text, validating every value.

Every problem raises :class:`LevelError` naming the file, the line and column where it can
be told, what is wrong and what would be right. Loading is safe YAML only: tags that would
build Python objects are refused, nothing is executed.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any, NoReturn

import yaml

from gridrl.levels.marked_yaml import MarkedLoader, MarkedMap, MarkedSeq
from gridrl.levels.model import (
    Arm,
    BanditLevel,
    BernoulliArm,
    Dynamics,
    GaussianArm,
    GridLevel,
    Level,
    LevelError,
    Nonstationary,
    Testbed,
    TileKind,
    base_tile,
    BUILTIN_TILES,
)

#: Larger files are refused before parsing, so a huge file cannot stall the app.
MAX_FILE_BYTES = 8 * 1024 * 1024
#: The largest grid accepted: 1024 x 1024 cells (its exact model fits comfortably in memory).
MAX_CELLS = 1 << 20
#: The longest side accepted, for long thin grids.
MAX_SIDE = 4096
MAX_ARMS = 10_000
MAX_BANDIT_STEPS = 10_000_000
MAX_EPISODE_STEPS = 1_000_000_000

GRID_KEYS = ("kind", "name", "description", "layout", "legend", "dynamics")
BANDIT_KEYS = ("kind", "name", "description", "arms", "testbed", "steps", "nonstationary")
TILE_KEYS = ("wall", "start", "terminal", "reward", "teleport", "exit_reward", "exit_to", "wind")
DYNAMICS_KEYS = ("gamma", "step_reward", "bump_reward", "slip", "max_steps")
GAUSSIAN_KEYS = ("name", "distribution", "mean", "std")
BERNOULLI_KEYS = ("name", "distribution", "p")
TESTBED_KEYS = ("arms", "mean", "std", "reward_std")
NONSTATIONARY_KEYS = ("walk_std",)

# YAML 1.1 (PyYAML) reads 1e-3 as a string: it wants a dot. People write it anyway.
_FLOAT_TEXT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


# --------------------------------------------------------------------------- context


class _Context:
    """Where we are reading from, to put file, line and column on every error."""

    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.lines = text.splitlines()

    def fail(self, problem: str, node: yaml.Node | None = None) -> NoReturn:
        if node is None:
            raise LevelError(problem, self.source)
        mark = node.start_mark
        raise LevelError(problem, self.source, mark.line + 1, mark.column + 1)

    def fail_at(self, problem: str, line: int, column: int | None = None) -> NoReturn:
        raise LevelError(problem, self.source, line, column)


def _suggest(word: str, options: tuple[str, ...]) -> str:
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def _check_keys(ctx: _Context, mapping: MarkedMap, allowed: tuple[str, ...], what: str) -> None:
    for key in mapping:
        if key not in allowed:
            ctx.fail(
                f"unknown key '{key}' in {what}.{_suggest(key, allowed)} "
                f"Allowed keys: {', '.join(allowed)}.",
                mapping.key_nodes[key],
            )


def _mapping(ctx: _Context, value: Any, node: yaml.Node | None, what: str) -> MarkedMap:
    if value is None:
        empty = MarkedMap()
        empty.nodes, empty.key_nodes = {}, {}
        return empty
    if not isinstance(value, MarkedMap):
        ctx.fail(f"{what} must be a mapping of keys to values, got {_describe(value)}", node)
    return value


def _describe(value: Any) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    return f"{type(value).__name__} {value!r}"


# --------------------------------------------------------------------------- scalars


def _number(
    ctx: _Context,
    mapping: MarkedMap,
    key: str,
    default: float,
    *,
    low: float | None = None,
    high: float | None = None,
) -> float:
    """A finite number from ``mapping[key]`` within [low, high]; ``default`` if absent or null."""
    value = mapping.get(key)
    node = mapping.nodes.get(key)
    if value is None:
        return default
    if isinstance(value, str) and _FLOAT_TEXT.match(value.strip()):
        value = float(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        ctx.fail(f"'{key}' must be a number, got {_describe(value)}", node)
    try:
        value = float(value)
    except OverflowError:
        ctx.fail(f"'{key}' is too large a number", node)
    if not math.isfinite(value):
        ctx.fail(f"'{key}' must be a finite number, got {value}", node)
    if (low is not None and value < low) or (high is not None and value > high):
        ctx.fail(f"'{key}' must be {_range_text(low, high)}, got {value:g}", node)
    return value


def _integer(
    ctx: _Context, mapping: MarkedMap, key: str, default: int | None, *, low: int, high: int
) -> int | None:
    """A whole number from ``mapping[key]`` within [low, high]; ``default`` if absent or null."""
    value = mapping.get(key)
    node = mapping.nodes.get(key)
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, str) and _FLOAT_TEXT.match(value.strip()) and float(value).is_integer():
        value = int(float(value))
    if isinstance(value, bool) or not isinstance(value, int):
        ctx.fail(f"'{key}' must be a whole number, got {_describe(value)}", node)
    if not low <= value <= high:
        ctx.fail(f"'{key}' must be {_range_text(low, high)}, got {value}", node)
    return value


def _range_text(low: float | None, high: float | None) -> str:
    def show(x: float) -> str:
        return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"

    if low is not None and high is not None:
        return f"between {show(low)} and {show(high)}"
    if low is not None:
        return f"at least {show(low)}"
    return f"at most {show(high)}"


def _flag(ctx: _Context, mapping: MarkedMap, key: str, default: bool) -> bool:
    value = mapping.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        ctx.fail(f"'{key}' must be true or false, got {_describe(value)}", mapping.nodes.get(key))
    return value


def _text(ctx: _Context, mapping: MarkedMap, key: str, default: str) -> str:
    value = mapping.get(key)
    if value is None:
        return default
    if isinstance(value, (dict, list)):
        ctx.fail(f"'{key}' must be text, got {_describe(value)}", mapping.nodes.get(key))
    return str(value).strip()


def _raw_scalar(value: Any, node: yaml.Node | None) -> str:
    """The text as written: ``1`` or ``~`` stay characters instead of becoming 1 or None."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return str(value)


def _char(ctx: _Context, mapping: MarkedMap, key: str) -> str | None:
    if key not in mapping:
        return None
    node = mapping.nodes[key]
    if not isinstance(node, yaml.ScalarNode):
        ctx.fail(f"'{key}' must be a single layout character, got {_describe(mapping[key])}", node)
    char = _raw_scalar(mapping[key], node)
    if len(char) != 1 or char.isspace():
        ctx.fail(f"'{key}' must be a single layout character, got '{char}'", node)
    return char


# --------------------------------------------------------------------------- entry points


def read_level_file(path: str | Path) -> Level:
    """Load and validate the level file at ``path``."""
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise LevelError("no such file", source) from None
    except OSError as exc:
        raise LevelError(f"cannot read the file: {exc.strerror}", source) from None
    if path.is_dir():
        raise LevelError("this is a folder, not a level file", source)
    if size > MAX_FILE_BYTES:
        raise LevelError(
            f"the file is {size / 2**20:.1f} MiB; level files are limited to "
            f"{MAX_FILE_BYTES // 2**20} MiB (grids to {MAX_CELLS:,} cells, e.g. 1024 x 1024)",
            source,
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise LevelError(f"cannot read the file: {exc.strerror}", source) from None
    return parse_level(decode_level_bytes(data, source), source=source, default_name=path.stem)


def decode_level_bytes(data: bytes, source: str) -> str:
    """UTF-8 text of a level file, refusing binary files with a clear message."""
    if b"\x00" in data:
        raise LevelError("this is a binary file, not a YAML level (it contains NUL bytes)", source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise LevelError(
            f"the file is not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8",
            source,
        ) from None


def parse_level(text: str, source: str = "<string>", default_name: str = "untitled") -> Level:
    """Parse and validate level YAML ``text``; ``source`` names it in error messages."""
    ctx = _Context(source, text)
    if not text.strip():
        ctx.fail("the file is empty; a level needs at least 'kind' and a 'layout' or 'arms'")
    if len(text) > MAX_FILE_BYTES:
        ctx.fail(f"the level text is longer than the {MAX_FILE_BYTES // 2**20} MiB limit")
    document = _load_yaml(ctx, text)
    if not isinstance(document, MarkedMap):
        ctx.fail(
            "a level file is a YAML mapping (kind: ..., name: ..., layout: ...), "
            f"but this file holds {_describe(document)}"
        )
    kind = _level_kind(ctx, document)
    name = _text(ctx, document, "name", default_name) or default_name
    description = _text(ctx, document, "description", "")
    if kind == "gridworld":
        _check_keys(ctx, document, GRID_KEYS, "a gridworld level")
        return _grid_level(ctx, document, name, description)
    _check_keys(ctx, document, BANDIT_KEYS, "a bandit level")
    return _bandit_level(ctx, document, name, description)


def _load_yaml(ctx: _Context, text: str) -> Any:
    try:
        return yaml.load(text, Loader=MarkedLoader)  # noqa: S506 - MarkedLoader is a SafeLoader
    except yaml.constructor.ConstructorError as exc:
        problem = str(exc.problem or exc)
        if "could not determine a constructor for the tag" in problem:
            tag = problem.split("tag", 1)[1].strip()
            problem = (
                f"the YAML tag {tag} is not allowed: level files are plain YAML "
                "(safe loading only); remove the tag"
            )
        _fail_marked(ctx, problem, exc)
    except yaml.MarkedYAMLError as exc:
        detail = exc.problem or "malformed YAML"
        if exc.context:
            detail = f"{detail} ({exc.context})"
        _fail_marked(ctx, f"YAML syntax error: {detail}", exc)
    except yaml.YAMLError as exc:
        ctx.fail(f"YAML error: {exc}")
    except RecursionError:
        ctx.fail("the YAML is nested too deeply")
    except UnicodeError:
        ctx.fail("the text contains characters that are not valid Unicode")


def _fail_marked(ctx: _Context, problem: str, exc: yaml.MarkedYAMLError) -> NoReturn:
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        ctx.fail(problem)
    ctx.fail_at(problem, mark.line + 1, mark.column + 1)


def _level_kind(ctx: _Context, document: MarkedMap) -> str:
    kind = document.get("kind")
    if kind is None:
        if "layout" in document:
            return "gridworld"
        if "arms" in document or "testbed" in document:
            return "bandit"
        ctx.fail("missing 'kind': write 'kind: gridworld' (with a layout) or 'kind: bandit'")
    if kind not in ("gridworld", "bandit"):
        ctx.fail(
            f"'kind' must be 'gridworld' or 'bandit', got {_describe(kind)}."
            f"{_suggest(str(kind), ('gridworld', 'bandit'))}",
            document.nodes["kind"],
        )
    return kind


# --------------------------------------------------------------------------- gridworld


def _grid_level(ctx: _Context, document: MarkedMap, name: str, description: str) -> GridLevel:
    if "layout" not in document:
        ctx.fail("a gridworld level needs a 'layout': one line of tile characters per row")
    rows, row_lines = _layout(ctx, document["layout"], document.nodes["layout"])
    # Checked in the order a reader meets them: layout and legend, then dynamics.
    level = GridLevel(name=name, layout=rows, legend=_legend(ctx, document), description=description)
    _check_tiles(ctx, level, row_lines)
    _check_targets(ctx, level, document)
    dynamics = _mapping(ctx, document.get("dynamics"), document.nodes.get("dynamics"), "'dynamics'")
    level = replace(level, dynamics=_dynamics(ctx, dynamics))
    return level


def _layout(ctx: _Context, value: Any, node: yaml.Node) -> tuple[tuple[str, ...], list[int]]:
    """The rows of the layout and the 1-based file line of each row."""
    if isinstance(value, MarkedSeq):
        rows = []
        for item, item_node in zip(value, value.nodes):
            if not isinstance(item, str) or isinstance(item_node, (yaml.MappingNode, yaml.SequenceNode)):
                ctx.fail("each layout row must be a string of tile characters", item_node)
            rows.append(_raw_scalar(item, item_node).strip())
        row_lines = [n.start_mark.line + 1 for n in value.nodes]
    elif isinstance(value, str):
        if getattr(node, "style", None) != "|" and " " in value.strip():
            ctx.fail(
                "the layout's rows ran together: write it as a literal block, 'layout: |', "
                "with one row per line below it",
                node,
            )
        raw = value.split("\n")
        # A literal block (layout: |) starts on the line after its indicator.
        first = node.start_mark.line + (2 if getattr(node, "style", None) in ("|", ">") else 1)
        numbered = [(first + i, line.strip()) for i, line in enumerate(raw)]
        while numbered and not numbered[0][1]:
            numbered.pop(0)
        while numbered and not numbered[-1][1]:
            numbered.pop()
        rows = [line for _, line in numbered]
        row_lines = [n for n, _ in numbered]
    else:
        ctx.fail(
            f"'layout' must be a block of text with one row per line (layout: |), got {_describe(value)}",
            node,
        )
    if not rows:
        ctx.fail("'layout' is empty: write one line of tile characters per row", node)
    n_rows, n_cols = len(rows), len(rows[0])
    if n_rows > MAX_SIDE or n_cols > MAX_SIDE or n_rows * n_cols > MAX_CELLS:
        ctx.fail(
            f"the grid is {n_rows} x {n_cols}; gridrl handles at most {MAX_CELLS:,} cells "
            f"(e.g. 1024 x 1024) and {MAX_SIDE} cells per side",
            node,
        )
    for i, row in enumerate(rows):
        if not row:
            ctx.fail_at(f"layout row {i + 1} is empty; remove the blank line", row_lines[i])
        if len(row) != n_cols:
            ctx.fail_at(
                f"layout row {i + 1} has {len(row)} cells but row 1 has {n_cols}; "
                "every row must have the same length",
                row_lines[i],
            )
    return tuple(rows), row_lines


def _legend(ctx: _Context, document: MarkedMap) -> tuple[TileKind, ...]:
    legend = _mapping(ctx, document.get("legend"), document.nodes.get("legend"), "'legend'")
    kinds = []
    seen: set[str] = set()
    for key, entry in legend.items():
        key_node = legend.key_nodes[key]
        char = _raw_scalar(key, key_node)
        if len(char) != 1 or char.isspace():
            ctx.fail(f"legend key '{char}' must be a single layout character (not blank)", key_node)
        if char in seen:
            ctx.fail(f"legend character '{char}' is defined twice", key_node)
        seen.add(char)
        props = _mapping(ctx, entry, legend.nodes[key], f"legend entry '{char}'")
        _check_keys(ctx, props, TILE_KEYS, f"legend entry '{char}'")
        kinds.append(_tile_kind(ctx, char, props, key_node))
    return tuple(kinds)


def _tile_kind(ctx: _Context, char: str, props: MarkedMap, key_node: yaml.Node) -> TileKind:
    base = base_tile(char)
    kind = replace(
        base,
        wall=_flag(ctx, props, "wall", base.wall),
        start=_flag(ctx, props, "start", base.start),
        terminal=_flag(ctx, props, "terminal", base.terminal),
        reward=_number(ctx, props, "reward", base.reward),
        teleport=_char(ctx, props, "teleport") or base.teleport,
        exit_reward=_number(ctx, props, "exit_reward", base.exit_reward),
        exit_to=_char(ctx, props, "exit_to") or base.exit_to,
        wind=_wind(ctx, props, base.wind),
    )
    if "exit_reward" in props and kind.exit_to is None:
        ctx.fail(f"tile '{char}' has exit_reward but no exit_to: name the cell it exits to", key_node)
    clashes = _clashes(kind)
    if clashes:
        ctx.fail(f"tile '{char}': {clashes}", key_node)
    return kind


def _clashes(kind: TileKind) -> str | None:
    """A contradiction between a tile kind's keys, in words, or None."""
    if kind.wall:
        extra = [k for k, v in kind.differences(TileKind(kind.char, wall=True)).items() if v]
        if extra:
            return f"a wall cannot be entered, so it cannot also have {', '.join(extra)}"
    if kind.teleport is not None and kind.exit_to is not None:
        return "teleport moves the agent away on entering, so exit_to would never apply; keep one"
    if kind.teleport is not None and kind.terminal:
        return "teleport moves the agent away on entering, so it cannot also be terminal"
    if kind.start and kind.terminal:
        return "a start cell cannot be terminal (the episode would be over before it began)"
    return None


def _wind(ctx: _Context, props: MarkedMap, default: tuple[int, int]) -> tuple[int, int]:
    value = props.get("wind")
    node = props.nodes.get("wind")
    if value is None:
        return default
    if (
        not isinstance(value, list)
        or len(value) != 2
        or any(isinstance(v, bool) or not isinstance(v, int) for v in value)
    ):
        ctx.fail(f"'wind' must be [d_row, d_col] with two whole numbers, e.g. [-1, 0] pushes up; got {value!r}", node)
    if any(abs(v) > MAX_SIDE for v in value):
        ctx.fail(f"'wind' must be at most {MAX_SIDE} cells in each direction, got {value!r}", node)
    return (int(value[0]), int(value[1]))


def _dynamics(ctx: _Context, dyn: MarkedMap) -> Dynamics:
    _check_keys(ctx, dyn, DYNAMICS_KEYS, "'dynamics'")
    default = Dynamics()
    return Dynamics(
        gamma=_number(ctx, dyn, "gamma", default.gamma, low=0.0, high=1.0),
        step_reward=_number(ctx, dyn, "step_reward", default.step_reward),
        bump_reward=_number(ctx, dyn, "bump_reward", default.bump_reward),
        slip=_number(ctx, dyn, "slip", default.slip, low=0.0, high=1.0),
        max_steps=_integer(ctx, dyn, "max_steps", None, low=1, high=MAX_EPISODE_STEPS),
    )


def _check_tiles(ctx: _Context, level: GridLevel, row_lines: list[int]) -> None:
    """Unknown characters, and at least one start cell."""
    known = set(BUILTIN_TILES) | {kind.char for kind in level.legend}
    used = set().union(*map(set, level.layout))
    unknown = used - known
    if unknown:
        r, row = next((r, row) for r, row in enumerate(level.layout) if set(row) & unknown)
        c = next(c for c, ch in enumerate(row) if ch in unknown)
        line_text = ctx.lines[row_lines[r] - 1] if row_lines[r] - 1 < len(ctx.lines) else ""
        column = line_text.find(row) + c + 1 if row in line_text else None
        ctx.fail_at(
            f"unknown tile '{row[c]}' at row {r + 1}, column {c + 1}. Known tiles: "
            f"{' '.join(sorted(known))}. Use one of those or add '{row[c]}' to the legend.",
            row_lines[r],
            column,
        )
    if not any(level.tile(ch).start for ch in used):
        ctx.fail(
            "the layout has no start cell: put an 'S' where the agent begins "
            "(or give a legend tile 'start: true')"
        )


def _check_targets(ctx: _Context, level: GridLevel, document: MarkedMap) -> None:
    """Teleport and exit targets must name one cell (or a start tile) that is not a wall."""
    legend = document.get("legend") or {}
    key_nodes = {
        _raw_scalar(k, node): node for k, node in getattr(legend, "key_nodes", {}).items()
    }
    for kind in level.legend:
        for key, target in (("teleport", kind.teleport), ("exit_to", kind.exit_to)):
            if target is None:
                continue
            problem = target_problem(level, target)
            if problem:
                ctx.fail(f"{key} target '{target}' of tile '{kind.char}' {problem}", key_nodes.get(kind.char))


def target_problem(level: GridLevel, target: str) -> str | None:
    """Why ``target`` cannot be a teleport/exit target on ``level``, or None if it can."""
    cells = level.cells_of(target)
    if not cells:
        return "is not in the layout; put that character on the cell to land on"
    kind = level.tile(target)
    if kind.wall:
        return "is a wall; the agent cannot land there"
    if len(cells) > 1 and not kind.start:
        where = ", ".join(f"row {r + 1} col {c + 1}" for r, c in cells[:4])
        return (
            f"appears {len(cells)} times ({where}{', ...' if len(cells) > 4 else ''}); "
            "a target must be one cell (or a start tile, meaning a random start)"
        )
    return None


# --------------------------------------------------------------------------- bandit


def _bandit_level(ctx: _Context, document: MarkedMap, name: str, description: str) -> BanditLevel:
    has_arms, has_testbed = document.get("arms") is not None, document.get("testbed") is not None
    if has_arms == has_testbed:
        ctx.fail(
            "a bandit level needs either 'arms' (a list of arms) or 'testbed' "
            "(true means drawn per run), " + ("not both" if has_arms else "and has neither")
        )
    arms = _arms(ctx, document["arms"], document.nodes["arms"]) if has_arms else ()
    testbed = None
    if has_testbed:
        testbed = _testbed(ctx, document["testbed"], document.nodes["testbed"])
    steps = _integer(ctx, document, "steps", 1000, low=1, high=MAX_BANDIT_STEPS)
    return BanditLevel(
        name=name,
        arms=arms,
        testbed=testbed,
        steps=steps,
        nonstationary=_nonstationary(ctx, document),
        description=description,
    )


def _arms(ctx: _Context, value: Any, node: yaml.Node) -> tuple[Arm, ...]:
    if not isinstance(value, MarkedSeq) or not value:
        ctx.fail("'arms' must be a non-empty list, e.g. - {distribution: bernoulli, p: 0.3}", node)
    if len(value) > MAX_ARMS:
        ctx.fail(f"a bandit has at most {MAX_ARMS} arms, got {len(value)}", node)
    arms: list[Arm] = []
    names: set[str] = set()
    for i, (item, item_node) in enumerate(zip(value, value.nodes)):
        spec = _mapping(ctx, item, item_node, f"arm {i + 1}")
        arm = _arm(ctx, spec, i, item_node)
        if arm.name in names:
            ctx.fail(f"two arms are named '{arm.name}'; give every arm its own name", item_node)
        names.add(arm.name)
        arms.append(arm)
    return tuple(arms)


def _arm(ctx: _Context, spec: MarkedMap, index: int, node: yaml.Node) -> Arm:
    distribution = spec.get("distribution")
    if distribution is None:
        distribution = "bernoulli" if "p" in spec else "gaussian"
    if distribution not in ("gaussian", "bernoulli"):
        ctx.fail(
            f"arm {index + 1}: 'distribution' must be 'gaussian' or 'bernoulli', got "
            f"{_describe(distribution)}.{_suggest(str(distribution), ('gaussian', 'bernoulli'))}",
            spec.nodes.get("distribution", node),
        )
    name = _text(ctx, spec, "name", f"arm {index + 1}")
    if distribution == "bernoulli":
        _check_keys(ctx, spec, BERNOULLI_KEYS, f"bernoulli arm {index + 1} (it takes p, not mean/std)")
        if "p" not in spec:
            ctx.fail(f"bernoulli arm {index + 1} needs 'p', its probability of paying 1", node)
        return BernoulliArm(name=name, p=_number(ctx, spec, "p", 0.5, low=0.0, high=1.0))
    _check_keys(ctx, spec, GAUSSIAN_KEYS, f"gaussian arm {index + 1}")
    return GaussianArm(
        name=name,
        mean=_number(ctx, spec, "mean", 0.0),
        std=_number(ctx, spec, "std", 1.0, low=0.0),
    )


def _testbed(ctx: _Context, value: Any, node: yaml.Node) -> Testbed:
    if value is True:
        return Testbed()
    spec = _mapping(ctx, value, node, "'testbed'")
    _check_keys(ctx, spec, TESTBED_KEYS, "'testbed'")
    default = Testbed()
    return Testbed(
        arms=_integer(ctx, spec, "arms", default.arms, low=1, high=MAX_ARMS),
        mean=_number(ctx, spec, "mean", default.mean),
        std=_number(ctx, spec, "std", default.std, low=0.0),
        reward_std=_number(ctx, spec, "reward_std", default.reward_std, low=0.0),
    )


def _nonstationary(ctx: _Context, document: MarkedMap) -> Nonstationary | None:
    value = document.get("nonstationary")
    if value is None or value is False:
        return None
    if value is True:
        return Nonstationary()
    spec = _mapping(ctx, value, document.nodes["nonstationary"], "'nonstationary'")
    _check_keys(ctx, spec, NONSTATIONARY_KEYS, "'nonstationary'")
    return Nonstationary(walk_std=_number(ctx, spec, "walk_std", Nonstationary().walk_std, low=0.0))

