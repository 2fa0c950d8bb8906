"""The level model: frozen dataclasses for gridworld and bandit levels.

A level is plain data. Parsing and validation live in :mod:`gridrl.levels.parse`,
saving in :mod:`gridrl.levels.save`, and the movement rules in
:mod:`gridrl.levels.grid`. Nothing here imports the rest of gridrl.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from enum import IntEnum
from typing import Literal, Union


class LevelError(ValueError):
    """A level file or level value is wrong; the message says what and how to fix it.

    ``source`` is the file (or ``"<string>"``), ``line``/``column`` are 1-based where
    they are known, ``problem`` is the plain-words message without the location.
    """

    def __init__(
        self,
        problem: str,
        source: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.problem = problem
        self.source = source
        self.line = line
        self.column = column
        super().__init__(self._format())

    def _format(self) -> str:
        where = self.source or ""
        if self.line is not None:
            where += f"{':' if where else 'line '}{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        return f"{where}: {self.problem}" if where else self.problem


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
    """What a layout character means. Every field has the meaning the README's level format gives it."""

    char: str
    wall: bool = False
    start: bool = False
    terminal: bool = False
    reward: float = 0.0
    teleport: str | None = None
    exit_reward: float = 0.0
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
class GridLevel:
    """A gridworld level. ``legend`` holds the file's legend entries, resolved."""

    name: str
    layout: tuple[str, ...]
    legend: tuple[TileKind, ...] = ()
    dynamics: Dynamics = field(default_factory=Dynamics)
    description: str = ""
    kind: Literal["gridworld"] = "gridworld"

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
    kind: Literal["bandit"] = "bandit"

    @property
    def n_arms(self) -> int:
        return self.testbed.arms if self.testbed is not None else len(self.arms)


Level = Union[GridLevel, BanditLevel]
