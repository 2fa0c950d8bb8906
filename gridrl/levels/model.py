"""The level model: frozen dataclasses for gridworld and bandit levels.

A level is plain data. Parsing and validation live in :mod:`gridrl.levels.parse`,
saving in :mod:`gridrl.levels.save`, and the movement rules in
:mod:`gridrl.levels.grid`. Nothing here imports the rest of gridrl but the error base of
:mod:`gridrl.levels.marked_yaml`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace
from enum import IntEnum
from typing import Literal, Union

from gridrl.levels.marked_yaml import MarkedError


class LevelError(MarkedError):
    """A level file or level value is wrong; the message says what and how to fix it.

    ``source`` is the file (or ``"<string>"``), ``line``/``column`` are 1-based where
    they are known, ``problem`` is the plain-words message without the location.
    """


class Action(IntEnum):
    """The one action numbering used everywhere in gridrl."""

    UP = 0
    RIGHT = 1
    DOWN = 2
    LEFT = 3


#: (d_row, d_col) of each action, indexed by ``Action``; rows count from the top.
ACTION_DELTAS: tuple[tuple[int, int], ...] = ((-1, 0), (0, 1), (1, 0), (0, -1))


@dataclass(frozen=True)
class TileKind:
    """What a layout character means. Every field has the meaning the README's level format gives it.

    ``reward_std`` and ``exit_reward_std`` make a payment noisy: entering the tile pays
    ``reward`` plus Gaussian noise of that standard deviation, an exit pays ``exit_reward``
    plus its own (Sutton & Barto Example 6.7: every action from B pays N(-0.1, 1)). The
    exact model keeps the expected payments; only the environments draw the noise.
    """

    char: str
    wall: bool = False
    start: bool = False
    terminal: bool = False
    reward: float = 0.0
    reward_std: float = 0.0
    teleport: str | None = None
    exit_reward: float = 0.0
    exit_reward_std: float = 0.0
    exit_to: str | None = None
    wind: tuple[int, int] = (0, 0)

    def differences(self, base: TileKind) -> dict[str, object]:
        """The fields (other than ``char``) whose value differs from ``base``."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "char" and getattr(self, f.name) != getattr(base, f.name)
        }


FLOOR = TileKind(".")

#: Built-in tiles; a legend entry for one of these characters overrides the keys it names.
BUILTIN_TILES: dict[str, TileKind] = {
    ".": FLOOR,
    "#": TileKind("#", wall=True),
    "S": TileKind("S", start=True),
    "G": TileKind("G", terminal=True, reward=1.0),
    "X": TileKind("X", terminal=True, reward=-1.0),
}


def base_tile(char: str) -> TileKind:
    """The tile a legend entry for ``char`` starts from: the built-in one, else floor."""
    return BUILTIN_TILES.get(char, TileKind(char))


@dataclass(frozen=True)
class Dynamics:
    """How moves play out on a gridworld (the README's level format, ``dynamics:``)."""

    gamma: float = 0.99
    step_reward: float = 0.0
    bump_reward: float = 0.0
    slip: float = 0.0
    #: Episode truncation; ``None`` means the default of 100 x number of cells.
    max_steps: int | None = None


@dataclass(frozen=True)
class Budget:
    """How long to train: ``count`` units of ``unit``, as ``gridrl train --steps/--episodes/--updates``."""

    unit: Literal["step", "episode", "update"]
    count: int

    def text(self) -> str:
        return f"{self.count:,} {self.unit}{'s' * (self.count != 1)}"


#: A hyperparameter value as a level file may write it.
Setting = Union[bool, int, float, str, None]


@dataclass(frozen=True)
class Recommended:
    """Settings the level's author recommends for one agent (``recommended:`` in the level file):
    hyperparameters that override the agent's defaults, and a training budget.

    The level layer checks the agent's name and the values' types; the hyperparameters' names
    and ranges are the agent's, checked when its Config is built, so ``where`` keeps each one's
    place in the file ("file:line:column") for that message (key ``None``: the agent's entry).
    """

    agent: str
    hyperparameters: tuple[tuple[str, Setting], ...] = ()
    budget: Budget | None = None
    where: dict[str | None, tuple[str | None, int | None, int | None]] = field(
        default_factory=dict, compare=False, repr=False
    )

    @property
    def params(self) -> dict[str, Setting]:
        return dict(self.hyperparameters)

    def error(self, problem: str, name: str | None = None) -> LevelError:
        """A LevelError placed at hyperparameter ``name`` (or at the agent's entry)."""
        return LevelError(problem, *self.where.get(name, self.where.get(None, (None, None, None))))


def recommended_for(level: Level, agent: str) -> Recommended | None:
    """The level's recommended settings for ``agent``, if it has any."""
    return next((r for r in level.recommended if r.agent == agent), None)


@dataclass(frozen=True)
class Change:
    """A scheduled change (``changes:`` in the level file): once the environment has taken
    ``at_step`` steps in all (counted since it was made, across episodes), ``layout`` replaces
    the whole layout. Sutton & Barto's blocking and shortcut mazes (Examples 8.2, 8.3) move a
    wall this way, to test whether a learnt model notices that the world changed."""

    at_step: int
    layout: tuple[str, ...]


@dataclass(frozen=True)
class GridLevel:
    """A gridworld level. ``legend`` holds the file's legend entries, resolved; ``layout`` is
    the level as it starts, ``changes`` the later layouts, in increasing ``at_step``."""

    name: str
    layout: tuple[str, ...]
    legend: tuple[TileKind, ...] = ()
    dynamics: Dynamics = field(default_factory=Dynamics)
    description: str = ""
    recommended: tuple[Recommended, ...] = ()
    changes: tuple[Change, ...] = ()
    kind: Literal["gridworld"] = "gridworld"

    def after_changes(self, k: int) -> GridLevel:
        """The level as it is once its first ``k`` changes are made (0: as it starts), with no
        changes left to come: ``TabularModel.from_level(level.after_changes(k))`` is its model."""
        if not 0 <= k <= len(self.changes):
            raise ValueError(f"level '{self.name}' has {len(self.changes)} changes, not {k}")
        layout = self.changes[k - 1].layout if k else self.layout
        return replace(self, layout=layout, changes=())

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.layout), len(self.layout[0])

    @property
    def n_cells(self) -> int:
        rows, cols = self.shape
        return rows * cols

    @property
    def max_steps(self) -> int:
        """Truncation length: the dynamics' value or 100 x number of cells."""
        return self.dynamics.max_steps or 100 * self.n_cells

    def tile(self, char: str) -> TileKind:
        """The tile kind of a layout character (legend first, then built-ins)."""
        for kind in self.legend:
            if kind.char == char:
                return kind
        if char in BUILTIN_TILES:
            return BUILTIN_TILES[char]
        raise KeyError(f"no tile kind {char!r}")

    def tile_at(self, row: int, col: int) -> TileKind:
        return self.tile(self.layout[row][col])

    def cells_of(self, char: str) -> list[tuple[int, int]]:
        """All (row, col) cells showing ``char``, in reading order."""
        return [
            (r, c) for r, line in enumerate(self.layout) for c, ch in enumerate(line) if ch == char
        ]


@dataclass(frozen=True)
class GaussianArm:
    """An arm whose reward is drawn from N(mean, std^2)."""

    name: str
    mean: float = 0.0
    std: float = 1.0
    distribution: Literal["gaussian"] = "gaussian"


@dataclass(frozen=True)
class BernoulliArm:
    """An arm that pays 1 with probability p, else 0; its mean is p."""

    name: str
    p: float = 0.5
    distribution: Literal["bernoulli"] = "bernoulli"

    @property
    def mean(self) -> float:
        return self.p


Arm = Union[GaussianArm, BernoulliArm]


@dataclass(frozen=True)
class Testbed:
    """Sutton & Barto's k-armed testbed: true means q*(a) ~ N(mean, std^2) drawn per run,
    rewards ~ N(q*(a), reward_std^2)."""

    __test__ = False  # not a pytest test class despite the name

    arms: int = 10
    mean: float = 0.0
    std: float = 1.0
    reward_std: float = 1.0


@dataclass(frozen=True)
class Nonstationary:
    """True means take an independent N(0, walk_std^2) random-walk step after every pull."""

    walk_std: float = 0.01


@dataclass(frozen=True)
class BanditLevel:
    """A multi-armed bandit level: explicit ``arms`` or a ``testbed``, never both."""

    name: str
    arms: tuple[Arm, ...] = ()
    testbed: Testbed | None = None
    steps: int = 1000
    nonstationary: Nonstationary | None = None
    description: str = ""
    recommended: tuple[Recommended, ...] = ()
    kind: Literal["bandit"] = "bandit"

    @property
    def n_arms(self) -> int:
        return self.testbed.arms if self.testbed is not None else len(self.arms)


Level = Union[GridLevel, BanditLevel]
