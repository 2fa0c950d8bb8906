"""Play the level yourself: the arrow keys step a :class:`GridWorldEnv` of the current level.

A student walks the level before the agent learns it, sees every reward and the running
return, and so knows what the numbers on the board will mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gridrl.envs import GridWorldEnv
from gridrl.levels import GridLevel
from gridrl.render.trail import Trail

ACTION_NAMES = ("up", "right", "down", "left")
ARROWS = ("↑", "→", "↓", "←")


@dataclass
class Move:
    s: int
    a: int
    r: float
    s_next: int
    terminated: bool
    truncated: bool


@dataclass
class ManualPlay:
    level: GridLevel
    seed: int = 0
    env: GridWorldEnv = field(init=False)
    s: int = field(init=False)
    episode_return: float = 0.0
    steps: int = 0
    episodes: int = 0
    returns: list[float] = field(default_factory=list)
    _trail: Trail = field(init=False, repr=False)
    last: Move | None = None
    done: bool = False

    def __post_init__(self) -> None:
        self.env = GridWorldEnv(self.level)
        self._trail = Trail(self.level)
        self._reset(self.seed)

    def _reset(self, seed: int | None = None) -> None:
        s, _ = self.env.reset(seed=seed)
        self.s = int(s)
        self.episode_return, self.steps, self.done = 0.0, 0, False
        self._trail.start(self.s)

    def restart(self) -> None:
        """A new episode from a start cell (the previous one is forgotten if unfinished)."""
        self._reset()
        self.last = None

    def set_level(self, level: GridLevel) -> None:
        """Follow a live edit: the same position if it is still a floor cell, else restart."""
        self.level = level
        self.env = GridWorldEnv(level)
        self._trail.set_level(level)
        self.env.reset(seed=self.seed)
        if self.done or self.env.model.wall[self.s] or self.env.model.terminal[self.s]:
            self._reset()
        else:
            self.env.s, self.env.t = self.s, self.steps

    def move(self, a: int) -> Move:
        """Take action ``a``; after the episode ended, the next key starts a new one first."""
        if self.done:
            self._reset()
        s = self.s
        s_next, r, terminated, truncated, _ = self.env.step(int(a))
        self.s = int(s_next)
        self.episode_return += float(r)
        self.steps += 1
        self._trail.step(s, self.s)
        self.last = Move(s, int(a), float(r), self.s, bool(terminated), bool(truncated))
        if terminated or truncated:
            self.done = True
            self.episodes += 1
            self.returns.append(self.episode_return)
        return self.last

    @property
    def trail(self) -> list[int]:
        """The cells you walked this episode, oldest first (a teleport restarts it)."""
        return self._trail.cells

    def status(self) -> list[str]:
        """Lines for the panel: the last move, its reward, the running return."""
        lines = []
        if self.last is not None:
            m = self.last
            lines.append(f"{ARROWS[m.a]} {ACTION_NAMES[m.a]}: reward {m.r:+g}")
        lines.append(f"return so far {self.episode_return:+g} in {self.steps} steps")
        if self.done:
            how = "reached a terminal cell" if self.last and self.last.terminated else "time limit"
            lines.append(f"episode over ({how}); an arrow key starts again")
        return lines
