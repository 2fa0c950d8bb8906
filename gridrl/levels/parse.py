"""Read a level from YAML text, validating every value.

Every problem raises :class:`LevelError` naming the file, the line and column where it can
be told, what is wrong and what would be right. Loading is safe YAML only: tags that would
build Python objects are refused, nothing is executed.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from gridrl.levels.marked_yaml import (
    BUDGET_KEYS,
    Context,
    MarkedMap,
    MarkedSeq,
    budget,
    check_keys,
    describe,
    flag,
    integer,
    load_mapping,
    mapping,
    number,
    number_value,
    plain_number,
    raw_scalar,
    read_text,
    quote,
    string,
    suggest,
)
from gridrl.levels.grid import compile_grid, goal_cells
from gridrl.levels.model import (
    Arm,
    BanditLevel,
    BernoulliArm,
    Budget,
    Change,
    Dynamics,
    GaussianArm,
    GridLevel,
    Level,
    LevelError,
    Nonstationary,
    Recommended,
    Setting,
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

#: The largest recommended training budget, in any unit.
MAX_BUDGET = 1_000_000_000

GRID_KEYS = ("kind", "name", "description", "layout", "legend", "dynamics", "changes", "recommended")
BANDIT_KEYS = ("kind", "name", "description", "arms", "testbed", "steps", "nonstationary", "recommended")
TILE_KEYS = ("wall", "start", "terminal", "reward", "reward_std", "teleport", "exit_reward", "exit_reward_std",
             "exit_to", "wind")
DYNAMICS_KEYS = ("gamma", "step_reward", "bump_reward", "slip", "max_steps")
GAUSSIAN_KEYS = ("name", "distribution", "mean", "std")
BERNOULLI_KEYS = ("name", "distribution", "p")
TESTBED_KEYS = ("arms", "mean", "std", "reward_std")
NONSTATIONARY_KEYS = ("walk_std",)
CHANGE_KEYS = ("at_step", "layout")
RECOMMENDED_KEYS = ("hyperparameters", "budget")


def _char(ctx: Context, m: MarkedMap, key: str) -> str | None:
    if key not in m:
        return None
    node = m.nodes[key]
    if not isinstance(node, yaml.ScalarNode):
        ctx.fail(f"'{key}' must be a single layout character, got {describe(m[key])}", node)
    char = raw_scalar(m[key], node)
    if len(char) != 1 or char.isspace():
        ctx.fail(f"'{key}' must be a single layout character, got {quote(char)}", node)
    return char


# --------------------------------------------------------------------------- entry points


def read_level_file(path: str | Path) -> Level:
    """Load and validate the level file at ``path``."""
    path = Path(path)
    hint = f" (grids to {MAX_CELLS:,} cells, e.g. 1024 x 1024)"
    text = read_text(path, MAX_FILE_BYTES, LevelError, "level", hint)
    return parse_level(text, source=str(path), default_name=path.stem)


def parse_level(text: str, source: str = "<string>", default_name: str = "untitled") -> Level:
    """Parse and validate level YAML ``text``; ``source`` names it in error messages."""
    ctx = Context(source, text, LevelError, "level")
    document = load_mapping(ctx, MAX_FILE_BYTES, "kind: ..., name: ..., layout: ...",
                            "a level needs at least 'kind' and a 'layout' or 'arms'")  # fmt: skip
    kind = _level_kind(ctx, document)
    name = string(ctx, document, "name", default_name) or default_name
    description = string(ctx, document, "description", "")
    if kind == "gridworld":
        check_keys(ctx, document, GRID_KEYS, "a gridworld level")
        level: Level = _grid_level(ctx, document, name, description)
    else:
        check_keys(ctx, document, BANDIT_KEYS, "a bandit level")
        level = _bandit_level(ctx, document, name, description)
    return replace(level, recommended=_recommended(ctx, document, kind))


def _level_kind(ctx: Context, document: MarkedMap) -> str:
    kind = document.get("kind")
    if kind is None:
        if "layout" in document:
            return "gridworld"
        if "arms" in document or "testbed" in document:
            return "bandit"
        ctx.fail("missing 'kind': write 'kind: gridworld' (with a layout) or 'kind: bandit'")
    if kind not in ("gridworld", "bandit"):
        ctx.fail(
            f"'kind' must be 'gridworld' or 'bandit', got {describe(kind)}."
            f"{suggest(str(kind), ('gridworld', 'bandit'))}",
            document.nodes["kind"],
        )
    return kind


# --------------------------------------------------------------------------- gridworld


def _grid_level(ctx: Context, document: MarkedMap, name: str, description: str) -> GridLevel:
    if "layout" not in document:
        ctx.fail("a gridworld level needs a 'layout': one line of tile characters per row")
    rows, row_lines = _layout(ctx, document["layout"], document.nodes["layout"])
    # Checked in the order a reader meets them: layout and legend, then dynamics.
    level = GridLevel(name=name, layout=rows, legend=_legend(ctx, document), description=description)
    _check_tiles(ctx, level, row_lines)
    _check_targets(ctx, level, document)
    dynamics = mapping(ctx, document.get("dynamics"), document.nodes.get("dynamics"), "'dynamics'",
                       null_is_empty=True)  # fmt: skip
    return replace(level, dynamics=_dynamics(ctx, dynamics), changes=_changes(ctx, level, document))


def _layout(ctx: Context, value: Any, node: yaml.Node) -> tuple[tuple[str, ...], list[int]]:
    """The rows of the layout and the 1-based file line of each row."""
    if isinstance(value, MarkedSeq):
        rows = []
        for item, item_node in zip(value, value.nodes):
            if not isinstance(item, str) or isinstance(item_node, (yaml.MappingNode, yaml.SequenceNode)):
                ctx.fail("each layout row must be a string of tile characters", item_node)
            rows.append(raw_scalar(item, item_node).strip())
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
            f"'layout' must be a block of text with one row per line (layout: |), got {describe(value)}",
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


def _legend(ctx: Context, document: MarkedMap) -> tuple[TileKind, ...]:
    legend = mapping(ctx, document.get("legend"), document.nodes.get("legend"), "'legend'", null_is_empty=True)
    kinds = []
    seen: set[str] = set()
    for key, entry in legend.items():
        key_node = legend.key_nodes[key]
        char = raw_scalar(key, key_node)
        if len(char) != 1 or char.isspace():
            ctx.fail(f"legend key '{char}' must be a single layout character (not blank)", key_node)
        if char in seen:
            ctx.fail(f"legend character '{char}' is defined twice", key_node)
        seen.add(char)
        props = mapping(ctx, entry, legend.nodes[key], f"legend entry '{char}'", null_is_empty=True)
        check_keys(ctx, props, TILE_KEYS, f"legend entry '{char}'")
        kinds.append(_tile_kind(ctx, char, props, key_node))
    return tuple(kinds)


def _tile_kind(ctx: Context, char: str, props: MarkedMap, key_node: yaml.Node) -> TileKind:
    base = base_tile(char)
    kind = replace(
        base,
        wall=flag(ctx, props, "wall", base.wall),
        start=flag(ctx, props, "start", base.start),
        terminal=flag(ctx, props, "terminal", base.terminal),
        reward=number(ctx, props, "reward", base.reward),
        reward_std=_std(ctx, props, "reward_std", "reward"),
        teleport=_char(ctx, props, "teleport") or base.teleport,
        exit_reward=number(ctx, props, "exit_reward", base.exit_reward),
        exit_reward_std=_std(ctx, props, "exit_reward_std", "exit_reward"),
        exit_to=_char(ctx, props, "exit_to") or base.exit_to,
        wind=_wind(ctx, props, base.wind),
    )
    for key in ("exit_reward", "exit_reward_std"):
        if key in props and kind.exit_to is None:
            ctx.fail(f"tile '{char}' has {key} but no exit_to: name the cell it exits to", key_node)
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


def _std(ctx: Context, props: MarkedMap, key: str, paid: str) -> float:
    """The standard deviation of the Gaussian noise on the payment ``paid`` (0: none)."""
    if props.get(key) is None:
        return 0.0
    what = f"'{key}' (the standard deviation of the noise added to '{paid}'; 0 for none)"
    return number_value(ctx, props[key], props.nodes[key], what, low=0.0)


def _wind(ctx: Context, props: MarkedMap, default: tuple[int, int]) -> tuple[int, int]:
    value = props.get("wind")
    node = props.nodes.get("wind")
    if value is None:
        return default
    if (
        not isinstance(value, list)
        or len(value) != 2
        or any(isinstance(v, bool) or not isinstance(v, int) for v in value)
    ):
        ctx.fail(f"'wind' must be [d_row, d_col] with two whole numbers, e.g. [-1, 0] pushes up; got {quote(value)}", node)
    if any(abs(v) > MAX_SIDE for v in value):
        ctx.fail(f"'wind' must be at most {MAX_SIDE} cells in each direction, got {quote(value)}", node)
    return (int(value[0]), int(value[1]))


def _dynamics(ctx: Context, dyn: MarkedMap) -> Dynamics:
    check_keys(ctx, dyn, DYNAMICS_KEYS, "'dynamics'")
    default = Dynamics()
    return Dynamics(
        gamma=number(ctx, dyn, "gamma", default.gamma, low=0.0, high=1.0),
        step_reward=number(ctx, dyn, "step_reward", default.step_reward),
        bump_reward=number(ctx, dyn, "bump_reward", default.bump_reward),
        slip=number(ctx, dyn, "slip", default.slip, low=0.0, high=1.0),
        max_steps=integer(ctx, dyn, "max_steps", None, low=1, high=MAX_EPISODE_STEPS),
    )


def _check_tiles(
    ctx: Context, level: GridLevel, row_lines: list[int], what: str = "the layout", node: yaml.Node | None = None
) -> None:
    """Unknown characters, and at least one start cell; ``what`` names the layout (at ``node``)."""
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
            f"{what} has no start cell: put an 'S' where the agent begins "
            "(or give a legend tile 'start: true')",
            node,
        )


def _check_targets(
    ctx: Context, level: GridLevel, document: MarkedMap, what: str = "", node: yaml.Node | None = None
) -> None:
    """Teleport and exit targets must name one cell (or a start tile) that is not a wall.

    A problem is placed at the tile's legend entry, or at ``node`` (a change's layout, named
    by ``what``) when one is given."""
    legend = document.get("legend") or {}
    key_nodes = {
        raw_scalar(k, node): node for k, node in getattr(legend, "key_nodes", {}).items()
    }
    for kind in level.legend:
        for key, target in (("teleport", kind.teleport), ("exit_to", kind.exit_to)):
            if target is None:
                continue
            problem = target_problem(level, target)
            if problem:
                ctx.fail(f"{what}{key} target '{target}' of tile '{kind.char}' {problem}",
                         node or key_nodes.get(kind.char))  # fmt: skip


def _changes(ctx: Context, level: GridLevel, document: MarkedMap) -> tuple[Change, ...]:
    """The ``changes:`` block: a list of ``{at_step: N, layout: |...}``, in increasing
    ``at_step``. Each layout replaces the whole layout, so it has the level's size and passes
    the layout's own checks; and it keeps a goal if the level starts with one."""
    value, node = document.get("changes"), document.nodes.get("changes")
    if value is None:
        return ()
    if not isinstance(value, MarkedSeq):
        ctx.fail("'changes' must be a list: '- at_step: N' with a whole new 'layout: |' under each, "
                 f"got {describe(value)}", node)  # fmt: skip
    has_goal = goal_cells(compile_grid(level)).size > 0
    changes: list[Change] = []
    for i, (item, item_node) in enumerate(zip(value, value.nodes), start=1):
        spec = mapping(ctx, item, item_node, f"change {i}")
        check_keys(ctx, spec, CHANGE_KEYS, f"change {i}")
        at_step = integer(ctx, spec, "at_step", None, low=1, high=MAX_BUDGET)
        if at_step is None or spec.get("layout") is None:
            ctx.fail(f"change {i} needs 'at_step: N', the step it happens at, and 'layout: |', "
                     "the whole layout from then on", item_node)  # fmt: skip
        if changes and at_step <= changes[-1].at_step:
            ctx.fail(f"change {i} is at step {at_step:,}, not after change {i - 1} at step "
                     f"{changes[-1].at_step:,}: list the changes in increasing order of at_step",
                     spec.nodes["at_step"])  # fmt: skip
        layout_node = spec.nodes["layout"]
        rows, row_lines = _layout(ctx, spec["layout"], layout_node)
        what = f"change {i}'s layout"
        if (len(rows), len(rows[0])) != level.shape:
            ctx.fail(f"{what} is {len(rows)} x {len(rows[0])} but the level's is {level.shape[0]} x "
                     f"{level.shape[1]}; a change replaces the whole layout, so give it the same size",
                     layout_node)  # fmt: skip
        after = replace(level, layout=rows)
        _check_tiles(ctx, after, row_lines, what, layout_node)
        _check_targets(ctx, after, document, f"{what}: ", layout_node)
        if has_goal and goal_cells(compile_grid(after)).size == 0:
            ctx.fail(f"{what} has no goal left: keep a 'G' (or a terminal tile with a positive reward) "
                     "so the episodes can still end well", layout_node)  # fmt: skip
        changes.append(Change(at_step, rows))
    return tuple(changes)


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


def _bandit_level(ctx: Context, document: MarkedMap, name: str, description: str) -> BanditLevel:
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
    steps = integer(ctx, document, "steps", 1000, low=1, high=MAX_BANDIT_STEPS)
    return BanditLevel(
        name=name,
        arms=arms,
        testbed=testbed,
        steps=steps,
        nonstationary=_nonstationary(ctx, document),
        description=description,
    )


def _arms(ctx: Context, value: Any, node: yaml.Node) -> tuple[Arm, ...]:
    if not isinstance(value, MarkedSeq) or not value:
        ctx.fail("'arms' must be a non-empty list, e.g. - {distribution: bernoulli, p: 0.3}", node)
    if len(value) > MAX_ARMS:
        ctx.fail(f"a bandit has at most {MAX_ARMS} arms, got {len(value)}", node)
    arms: list[Arm] = []
    names: set[str] = set()
    for i, (item, item_node) in enumerate(zip(value, value.nodes)):
        spec = mapping(ctx, item, item_node, f"arm {i + 1}", null_is_empty=True)
        arm = _arm(ctx, spec, i, item_node)
        if arm.name in names:
            ctx.fail(f"two arms are named '{arm.name}'; give every arm its own name", item_node)
        names.add(arm.name)
        arms.append(arm)
    return tuple(arms)


def _arm(ctx: Context, spec: MarkedMap, index: int, node: yaml.Node) -> Arm:
    distribution = spec.get("distribution")
    if distribution is None:
        distribution = "bernoulli" if "p" in spec else "gaussian"
    if distribution not in ("gaussian", "bernoulli"):
        ctx.fail(
            f"arm {index + 1}: 'distribution' must be 'gaussian' or 'bernoulli', got "
            f"{describe(distribution)}.{suggest(str(distribution), ('gaussian', 'bernoulli'))}",
            spec.nodes.get("distribution", node),
        )
    name = string(ctx, spec, "name", f"arm {index + 1}")
    if distribution == "bernoulli":
        check_keys(ctx, spec, BERNOULLI_KEYS, f"bernoulli arm {index + 1} (it takes p, not mean/std)")
        if "p" not in spec:
            ctx.fail(f"bernoulli arm {index + 1} needs 'p', its probability of paying 1", node)
        return BernoulliArm(name=name, p=number(ctx, spec, "p", 0.5, low=0.0, high=1.0))
    check_keys(ctx, spec, GAUSSIAN_KEYS, f"gaussian arm {index + 1}")
    return GaussianArm(
        name=name,
        mean=number(ctx, spec, "mean", 0.0),
        std=number(ctx, spec, "std", 1.0, low=0.0),
    )


def _testbed(ctx: Context, value: Any, node: yaml.Node) -> Testbed:
    if value is True:
        return Testbed()
    spec = mapping(ctx, value, node, "'testbed'", null_is_empty=True)
    check_keys(ctx, spec, TESTBED_KEYS, "'testbed'")
    default = Testbed()
    return Testbed(
        arms=integer(ctx, spec, "arms", default.arms, low=1, high=MAX_ARMS),
        mean=number(ctx, spec, "mean", default.mean),
        std=number(ctx, spec, "std", default.std, low=0.0),
        reward_std=number(ctx, spec, "reward_std", default.reward_std, low=0.0),
    )


def _nonstationary(ctx: Context, document: MarkedMap) -> Nonstationary | None:
    value = document.get("nonstationary")
    if value is None or value is False:
        return None
    if value is True:
        return Nonstationary()
    spec = mapping(ctx, value, document.nodes["nonstationary"], "'nonstationary'", null_is_empty=True)
    check_keys(ctx, spec, NONSTATIONARY_KEYS, "'nonstationary'")
    return Nonstationary(walk_std=number(ctx, spec, "walk_std", Nonstationary().walk_std, low=0.0))



# --------------------------------------------------------------------------- recommended


def _recommended(ctx: Context, document: MarkedMap, kind: str) -> tuple[Recommended, ...]:
    """The ``recommended:`` block: agent name -> {hyperparameters: {...}, budget: {...}}.

    Agent names and the level kinds they run on come from the agent registry, which is plain
    data (importing it imports no agent module, so no torch); hyperparameter names and ranges
    belong to each agent's Config and are checked when the agent is built (``Recommended.where``).
    """
    from gridrl.agents import REGISTRY  # noqa: PLC0415 - the registry imports gridrl.levels

    block = mapping(ctx, document.get("recommended"), document.nodes.get("recommended"), "'recommended'",
                    null_is_empty=True)  # fmt: skip
    entries = []
    for agent, value in block.items():
        key_node = block.key_nodes[agent]
        agent = raw_scalar(agent, key_node)
        if agent not in REGISTRY:
            ctx.fail(f"unknown agent '{agent}' in 'recommended'.{suggest(agent, list(REGISTRY))} "
                     f"Agents: {', '.join(REGISTRY)}.", key_node)  # fmt: skip
        if kind not in REGISTRY[agent].kinds:
            ctx.fail(f"agent '{agent}' runs on {' and '.join(REGISTRY[agent].kinds)} levels; this is a {kind}",
                     key_node)  # fmt: skip
        entry = mapping(ctx, value, block.nodes[agent], f"the recommended settings of '{agent}'")
        check_keys(ctx, entry, RECOMMENDED_KEYS, f"the recommended settings of '{agent}'")
        if not entry:
            ctx.fail(f"the recommended settings of '{agent}' are empty: give 'hyperparameters', "
                     "a 'budget', or both", block.nodes[agent])  # fmt: skip
        where = {None: _place(ctx, key_node)}
        settings = []
        params = mapping(ctx, entry.get("hyperparameters"), entry.nodes.get("hyperparameters"),
                         "'hyperparameters'", null_is_empty=True)  # fmt: skip
        for name, setting in params.items():
            name_node = params.key_nodes[name]
            name = raw_scalar(name, name_node)
            settings.append((name, _setting(ctx, name, setting, params.nodes[name])))
            where[name] = _place(ctx, name_node)
        given = None
        if entry.get("budget") is not None:
            spec = mapping(ctx, entry["budget"], entry.nodes["budget"], "'budget'")
            check_keys(ctx, spec, BUDGET_KEYS, "'budget'")
            given = budget(ctx, spec, "'budget'", True, MAX_BUDGET)
        entries.append(Recommended(agent, tuple(settings), Budget(*given) if given else None, where))
    return tuple(entries)


def _setting(ctx: Context, name: str, value: Any, node: yaml.Node) -> Setting:
    """One hyperparameter value: a number, true/false, text, or null (the agent's "none")."""
    value = plain_number(value)
    if isinstance(value, float):
        return number_value(ctx, value, node, f"hyperparameter '{name}'")
    if value is None or isinstance(value, (bool, int, str)):
        return value
    ctx.fail(f"hyperparameter '{name}' must be one value (a number, true/false or text), "
             f"got {describe(value)}", node)  # fmt: skip


def _place(ctx: Context, node: yaml.Node) -> tuple[str, int, int]:
    return ctx.source, node.start_mark.line + 1, node.start_mark.column + 1
