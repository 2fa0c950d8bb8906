"""Property tests: random valid levels round-trip through YAML; random or mutated text only
ever raises LevelError."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridrl.agents import REGISTRY
from gridrl.levels import (
    BUNDLED_DIR,
    BanditLevel,
    BernoulliArm,
    Dynamics,
    GaussianArm,
    GridLevel,
    Budget,
    Change,
    LevelError,
    Nonstationary,
    Recommended,
    Testbed,
    TileKind,
    bundled_level_names,
    compile_grid,
    level_to_yaml,
    level_warnings,
    parse_level,
    read_level_file,
)

SETTINGS = settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Characters a legend may define: printable ASCII, not whitespace and not a built-in tile.
LEGEND_CHARS = sorted(set(string.printable.strip()) - set(".#SGX") - set(string.whitespace))

finite = st.floats(allow_nan=False, allow_infinity=False)
small = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
unit = st.floats(min_value=0.0, max_value=1.0)
non_negative = st.floats(min_value=0.0, allow_nan=False, allow_infinity=False)
#: A tile's reward_std / exit_reward_std: mostly none, else any finite standard deviation.
noise = st.one_of(st.just(0.0), non_negative)
# Names and descriptions: no control characters or line/paragraph separators (YAML
# normalises those), no surrogates, and no surrounding whitespace (the parser strips it).
_text_chars = st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"))
name_text = st.text(_text_chars, min_size=1, max_size=20).map(str.strip).filter(bool)
description_text = st.one_of(
    st.just(""),
    st.lists(st.text(_text_chars, max_size=15), min_size=1, max_size=4)
    .map(lambda lines: "\n".join(lines).strip()),
)


def _recommended(kind: str) -> st.SearchStrategy[tuple[Recommended, ...]]:
    """Recommended settings for agents that run on ``kind``; hyperparameter names are not
    checked by the level parser (the agent's Config checks them), so any identifier goes."""
    values = st.one_of(st.none(), st.booleans(), st.integers(-(10**6), 10**6), finite,
                       st.text(string.ascii_letters + "-", min_size=1, max_size=8))  # fmt: skip
    entry = st.builds(
        Recommended,
        st.just(""),
        st.dictionaries(st.from_regex(r"\A[a-z][a-z_]{0,11}\Z"), values, max_size=4).map(lambda d: tuple(d.items())),
        st.one_of(st.none(), st.builds(Budget, st.sampled_from(["step", "episode", "update"]), st.integers(1, 10**9))),
    )
    agents = [name for name, info in REGISTRY.items() if kind in info.kinds]
    return st.lists(st.sampled_from(agents), max_size=3, unique=True).flatmap(
        lambda names: st.tuples(*(entry.map(lambda r, n=n: Recommended(n, r.hyperparameters, r.budget))
                                  for n in names))  # fmt: skip
    ).map(lambda entries: tuple(r for r in entries if r.hyperparameters or r.budget))


def _dynamics() -> st.SearchStrategy[Dynamics]:
    return st.builds(
        Dynamics,
        gamma=unit,
        step_reward=finite,
        bump_reward=small,
        slip=unit,
        max_steps=st.one_of(st.none(), st.integers(1, 10**9)),
    )


@st.composite
def grid_levels(draw: st.DrawFn) -> GridLevel:
    rows = draw(st.integers(1, 8))
    cols = draw(st.integers(1, 8))
    n = rows * cols
    order = draw(st.permutations(range(n)))
    n_starts = draw(st.integers(1, min(3, n)))
    chars = draw(st.lists(st.sampled_from(LEGEND_CHARS), min_size=0, max_size=5, unique=True))
    # an optional unique target character, placed on exactly one cell
    target = chars[0] if len(chars) >= 2 and n > n_starts and draw(st.booleans()) else None
    tile_chars = [c for c in chars if c != target]
    # targets a teleport or exit may use: a start tile (any number of cells), or the unique one
    targets = ["S"] + ([target] if target else [])

    legend: list[TileKind] = []
    if target is not None:
        legend.append(TileKind(target, reward=draw(small), wind=draw(_winds())))
    for i, char in enumerate(tile_chars):
        if i == 0 and target is not None:
            # make sure the unique target is used by someone
            role = draw(st.sampled_from(["teleport", "exit"]))
        else:
            role = draw(
                st.sampled_from(["plain", "wall", "terminal", "start", "teleport", "exit", "wind"])
            )
        if role == "wall":
            legend.append(TileKind(char, wall=True))
        elif role == "terminal":
            legend.append(TileKind(char, terminal=True, reward=draw(finite), reward_std=draw(noise)))
        elif role == "start":
            legend.append(TileKind(char, start=True, reward=draw(small), wind=draw(_winds())))
        elif role == "teleport":
            aim = target if i == 0 and target is not None else draw(st.sampled_from(targets))
            legend.append(TileKind(char, teleport=aim, reward=draw(small)))
        elif role == "exit":
            aim = target if i == 0 and target is not None else draw(st.sampled_from(targets))
            legend.append(
                TileKind(
                    char,
                    exit_to=aim,
                    exit_reward=draw(finite),
                    exit_reward_std=draw(noise),
                    reward=draw(small),
                )
            )
        elif role == "wind":
            legend.append(TileKind(char, wind=draw(_winds())))
        else:
            legend.append(TileKind(char, reward=draw(finite), reward_std=draw(noise)))
    if draw(st.booleans()):
        legend.append(TileKind("G", terminal=True, reward=draw(small)))
    draw(st.randoms(use_true_random=False)).shuffle(legend)

    palette = [".", "#", "G", "X"] + tile_chars
    cells = [draw(st.sampled_from(palette)) for _ in range(n)]
    for i in order[:n_starts]:
        cells[i] = "S"
    if target is not None:
        cells[order[n_starts]] = target
    layout = tuple("".join(cells[r * cols : (r + 1) * cols]) for r in range(rows))
    return GridLevel(
        name=draw(name_text),
        layout=layout,
        legend=tuple(legend),
        dynamics=draw(_dynamics()),
        description=draw(description_text),
        recommended=draw(_recommended("gridworld")),
        changes=draw(_changes(cells, cols)),
    )


def _changes(cells: list[str], cols: int) -> st.SearchStrategy[tuple[Change, ...]]:
    """Scheduled changes that turn floor into wall and back: starts, goals and targets stay."""
    flips = st.lists(st.booleans(), min_size=len(cells), max_size=len(cells))
    layouts = st.lists(flips, max_size=3).map(lambda masks: [
        [{".": "#", "#": "."}.get(c, c) if flip else c for c, flip in zip(cells, mask)] for mask in masks])
    steps = st.lists(st.integers(1, 10**9), max_size=3, unique=True).map(sorted)

    def build(pair: tuple[list[int], list[list[str]]]) -> tuple[Change, ...]:
        return tuple(Change(step, tuple("".join(flat[i : i + cols]) for i in range(0, len(flat), cols)))
                     for step, flat in zip(*pair))  # fmt: skip

    return st.tuples(steps, layouts).map(build)


def _winds() -> st.SearchStrategy[tuple[int, int]]:
    return st.tuples(st.integers(-3, 3), st.integers(-3, 3))


@st.composite
def bandit_levels(draw: st.DrawFn) -> BanditLevel:
    testbed = None
    arms: tuple = ()
    if draw(st.booleans()):
        testbed = Testbed(
            arms=draw(st.integers(1, 10_000)),
            mean=draw(finite),
            std=draw(non_negative),
            reward_std=draw(non_negative),
        )
    else:
        names = draw(st.lists(name_text, min_size=1, max_size=6, unique=True))
        built = []
        for arm_name in names:
            if draw(st.booleans()):
                built.append(GaussianArm(arm_name, mean=draw(finite), std=draw(non_negative)))
            else:
                built.append(BernoulliArm(arm_name, p=draw(unit)))
        arms = tuple(built)
    nonstationary = draw(st.one_of(st.none(), st.builds(Nonstationary, walk_std=non_negative)))
    return BanditLevel(
        name=draw(name_text),
        arms=arms,
        testbed=testbed,
        steps=draw(st.integers(1, 10_000_000)),
        nonstationary=nonstationary,
        description=draw(description_text),
        recommended=draw(_recommended("bandit")),
    )


@SETTINGS
@given(grid_levels())
def test_random_grid_levels_round_trip(level: GridLevel) -> None:
    text = level_to_yaml(level)
    again = parse_level(text)
    assert again == level
    assert level_to_yaml(again) == text
    # and the parsed level is usable: compiles and checks reachability without error
    arrays = compile_grid(again)
    assert arrays.n_cells == level.n_cells
    assert arrays.start.sum() >= 1
    assert isinstance(level_warnings(again), list)


@SETTINGS
@given(bandit_levels())
def test_random_bandit_levels_round_trip(level: BanditLevel) -> None:
    text = level_to_yaml(level)
    again = parse_level(text)
    assert again == level
    assert again.n_arms == level.n_arms
    assert level_to_yaml(again) == text


# --------------------------------------------------------------------------- fuzzing


def _parse_or_level_error(text: str) -> None:
    try:
        level = parse_level(text)
    except LevelError as err:
        assert err.problem
        assert err.line is None or err.line >= 1
        assert err.column is None or err.column >= 1
    else:
        assert isinstance(level, (GridLevel, BanditLevel))


@SETTINGS
@given(st.text(max_size=300))
def test_random_text_raises_only_level_error(text: str) -> None:
    _parse_or_level_error(text)


YAML_NOISE = st.sampled_from(list(":-[]{}#&*!|>'\"%@`,?~=<\n \t.0123456789eE+_SGX") + ["\u00e9", "\u2028", "\ufeff"])
BUNDLED_TEXTS = [(BUNDLED_DIR / f"{name}.yaml").read_text(encoding="utf-8") for name in bundled_level_names()]


@st.composite
def mutated_bundled_texts(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(BUNDLED_TEXTS))
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["delete", "insert", "replace", "delete_span"]))
        char = draw(st.one_of(YAML_NOISE, st.characters(blacklist_categories=("Cs",))))
        if op == "delete":
            text = text[:pos] + text[pos + 1 :]
        elif op == "insert":
            text = text[:pos] + char + text[pos:]
        elif op == "replace":
            text = text[:pos] + char + text[pos + 1 :]
        else:
            text = text[:pos] + text[pos + draw(st.integers(1, 40)) :]
    return text


@SETTINGS
@given(mutated_bundled_texts())
def test_mutated_bundled_levels_raise_only_level_error(text: str) -> None:
    _parse_or_level_error(text)


# A value slot filled with all sorts of YAML scalars: numbers, dates, tags, huge integers.
scalar_values = st.one_of(
    st.text(_text_chars, max_size=12),
    st.from_regex(r"\A[-+]?[0-9]{1,3}(\.[0-9]*)?([eE][-+]?[0-9]{1,4})?\Z"),
    st.from_regex(r"\A[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}\Z"),
    st.integers(-(10**400), 10**400).map(str),
    st.sampled_from(["!!float", "!!int", "!!bool", "!!str", "!!binary", "!!timestamp", "!!null"]).flatmap(
        lambda tag: st.text(string.ascii_letters + string.digits + ".-", max_size=8).map(lambda v: f"{tag} '{v}'")
    ),
)
SLOTS = [
    "kind: gridworld\nname: {v}\nlayout: |\n  S.G\n",
    "kind: gridworld\nlayout: |\n  S.G\ndynamics:\n  gamma: {v}\n",
    "kind: gridworld\nlayout: |\n  S.G\ndynamics:\n  max_steps: {v}\n",
    "kind: gridworld\nlayout: |\n  SaG\nlegend:\n  a: {{reward: {v}}}\n",
    "kind: gridworld\nlayout: |\n  SaG\nlegend:\n  a: {{wind: [{v}, 0]}}\n",
    "kind: bandit\narms:\n  - {{mean: {v}}}\n",
    "kind: bandit\ntestbed: {{arms: {v}}}\n",
    "kind: bandit\ntestbed: true\nrecommended: {{ucb: {{hyperparameters: {{c: {v}}}}}}}\n",
    "kind: bandit\ntestbed: true\nrecommended: {{ucb: {{budget: {{steps: {v}}}}}}}\n",
    "kind: bandit\ntestbed: true\nrecommended: {{{v}: {{budget: {{steps: 10}}}}}}\n",
]


@SETTINGS
@given(st.sampled_from(SLOTS), scalar_values)
def test_any_scalar_in_a_value_slot_raises_only_level_error(slot: str, value: str) -> None:
    _parse_or_level_error(slot.format(v=value))


@pytest.fixture(scope="module")
def fuzz_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@SETTINGS
@given(data=st.binary(max_size=300))
def test_random_bytes_file_raises_only_level_error(fuzz_dir: Path, data: bytes) -> None:
    path = fuzz_dir / "random.yaml"
    path.write_bytes(data)
    try:
        read_level_file(path)
    except LevelError as err:
        assert err.source == str(path)
