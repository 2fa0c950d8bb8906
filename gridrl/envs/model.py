"""The exact tabular model of a gridworld level: ``P[s, a, s']``, ``R[s, a]``, terminal mask.

Dynamic programming reads it; the environments sample from it, so the two can never
disagree about the rules (and a test samples the env to prove it). The rules themselves are
those of :mod:`gridrl.levels.grid`.

Storage is per outcome, not dense: for each ``(s, a)`` a short list of ``K`` outcomes
``(next_state, prob, reward, reward_std)``, the reward being the expected one. ``K`` is 1 on
a deterministic level and 3 when it slips (times the number of start cells where a tile
teleports to a random start). A dense ``P`` of shape ``(S, A, S)`` is built on request for
small levels only.

A level with scheduled changes (``changes:``, Sutton & Barto's blocking and shortcut mazes)
has one model per layout: :meth:`TabularModel.from_level` describes the level as it starts,
``TabularModel.from_level(level.after_changes(k))`` the level after its k-th change, and
:class:`ChangeSchedule` tells an environment when to switch from one to the next.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from gridrl.levels import GridLevel, compile_grid, load_level
from gridrl.levels.grid import GridArrays

N_ACTIONS = 4
#: A dense P above this many entries (S * A * S) is refused: use the outcome arrays.
DENSE_LIMIT = 50_000_000


@dataclass(frozen=True, eq=False)
class TabularModel:
    """The MDP ``(S, A, p, r, gamma)`` of a level, as outcome arrays.

    ``P[s, a, s'] = sum_k prob[s, a, k] * [next_state[s, a, k] == s']`` and
    ``R[s, a] = sum_k prob[s, a, k] * reward[s, a, k]``. Terminal states (and walls, which
    are never entered) loop on themselves with reward 0, so ``v(terminal) = 0``.

    ``reward`` is each outcome's *expected* reward; a noisy tile (``reward_std``,
    ``exit_reward_std``) pays it plus N(0, ``reward_std[s, a, k]``^2) noise, drawn by the
    environments only. The Bellman equations need only r(s, a) = E[R | s, a] (eq. 3.5), so
    P and R stay exact for DP and for the true v_pi the prediction agents compare against.

    It is the model of ``level.layout``, the level as it starts: scheduled changes are not
    in it (see the module docstring for the model after a change).
    """

    level: GridLevel
    grid: GridArrays
    next_state: np.ndarray  # (S, A, K) int
    prob: np.ndarray  # (S, A, K) float
    reward: np.ndarray  # (S, A, K) float, expected
    reward_std: np.ndarray  # (S, A, K) float, standard deviation of the reward's noise
    gamma: float

    @classmethod
    def from_level(cls, level: GridLevel | str) -> TabularModel:
        level = load_level(level)
        if not isinstance(level, GridLevel):
            raise TypeError(f"a tabular model needs a gridworld level, not a {level.kind}")
        grid = compile_grid(level)
        next_state, prob, reward, reward_std = _outcomes(level, grid)
        return cls(level, grid, next_state, prob, reward, reward_std, level.dynamics.gamma)

    @property
    def n_states(self) -> int:
        return self.grid.n_cells

    @property
    def n_actions(self) -> int:
        return N_ACTIONS

    @property
    def shape(self) -> tuple[int, int]:
        return self.grid.rows, self.grid.cols

    @property
    def terminal(self) -> np.ndarray:
        """(S,) True where the episode ends on arrival."""
        return self.grid.terminal

    @property
    def wall(self) -> np.ndarray:
        return self.grid.wall

    @cached_property
    def start_distribution(self) -> np.ndarray:
        """(S,) the initial state distribution: uniform over the start cells."""
        start = self.grid.start.astype(np.float64)
        return start / start.sum()

    @cached_property
    def R(self) -> np.ndarray:
        """(S, A) expected immediate reward r(s, a) = sum_{s', r} p(s', r | s, a) r."""
        return np.einsum("sak,sak->sa", self.prob, self.reward)

    @cached_property
    def P(self) -> np.ndarray:
        """(S, A, S) dense transition probabilities; only for levels small enough."""
        S, A = self.n_states, self.n_actions
        if S * A * S > DENSE_LIMIT:
            raise MemoryError(
                f"a dense P for {S} states would hold {S * A * S:,} numbers; "
                "use next_state/prob (or expected_next) instead"
            )
        P = np.zeros((S, A, S))
        s_idx, a_idx, _ = np.indices(self.next_state.shape)
        np.add.at(P, (s_idx, a_idx, self.next_state), self.prob)
        return P

    def expected_next(self, V: np.ndarray) -> np.ndarray:
        """(S, A) sum_{s'} P[s, a, s'] V[s'], without forming P."""
        return np.einsum("sak,sak->sa", self.prob, V[self.next_state])

    def q_from_v(self, V: np.ndarray) -> np.ndarray:
        """One Bellman backup (Sutton & Barto eq. 4.6): q(s,a) = r(s,a) + gamma sum_s' p(s'|s,a) v(s')."""
        return self.R + self.gamma * self.expected_next(V)

    def cumulative(self) -> np.ndarray:
        """(S, A, K) cumulative outcome probabilities, for inverse-CDF sampling."""
        return np.cumsum(self.prob, axis=-1)


class ChangeSchedule:
    """An environment's clock for its level's scheduled changes.

    ``steps`` counts the environment's steps since it was made, across episodes (the book's
    blocking maze changes "after 1000 time steps", not in the 1000th step of an episode);
    ``made`` is how many changes have been made. Each change is made once, at its step.
    """

    def __init__(self, level: GridLevel) -> None:
        self.level = level
        self.steps = 0
        self.made = 0

    def tick(self) -> TabularModel | None:
        """Count one step; the model of the level after the change due at it, or None."""
        self.steps += 1
        changes = self.level.changes
        if self.made < len(changes) and self.steps >= changes[self.made].at_step:
            self.made += 1
            return TabularModel.from_level(self.level.after_changes(self.made))
        return None


def _outcomes(
    level: GridLevel, grid: GridArrays
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Enumerate every outcome of every (s, a): next state, probability, expected reward and
    the reward's noise (standard deviation), each of shape (S, A, D * M).

    D is the number of move directions (1, or 3 with slip: intended, then the two
    perpendicular ones), M the largest number of cells a teleport or exit lands on.
    """
    dyn = level.dynamics
    S = grid.n_cells
    s = np.arange(S)[:, None, None]
    if dyn.slip > 0:
        turns = np.array([0, 1, -1])  # intended, then the two perpendicular moves
        p_dir = np.array([1.0 - dyn.slip, dyn.slip / 2, dyn.slip / 2])
    else:
        turns, p_dir = np.array([0]), np.array([1.0])
    direction = (np.arange(N_ACTIONS)[:, None] + turns[None, :]) % N_ACTIONS  # (A, D)
    # Slip directions are among the four moves: apply the rule once per (cell, direction).
    moved, bumped_by = grid.move(np.arange(S)[:, None], np.arange(N_ACTIONS)[None, :])
    landed, bumped = moved[:, direction], bumped_by[:, direction]  # (S, A, D)
    entered = landed != s
    reward = dyn.step_reward + bumped * dyn.bump_reward + entered * grid.reward[landed]
    reward_std = entered * grid.reward_std[landed]
    prob = np.broadcast_to(p_dir, landed.shape).copy()

    # Teleports and exits land uniformly on a target's cells: a padded (n_targets, M) table.
    M = max((len(t) for t in grid.targets), default=1)
    table = np.zeros((max(len(grid.targets), 1), M), dtype=np.int64)
    share = np.zeros_like(table, dtype=np.float64)
    for i, cells in enumerate(grid.targets):
        table[i, : len(cells)] = cells
        share[i, : len(cells)] = 1.0 / len(cells)

    tp = grid.teleport[landed]  # (S, A, D)
    teleported = tp >= 0
    next_state = np.repeat(landed[..., None], M, axis=-1)  # (S, A, D, M)
    weight = np.zeros(next_state.shape)
    weight[..., 0] = 1.0
    next_state[teleported] = table[tp[teleported]]
    weight[teleported] = share[tp[teleported]]
    prob = prob[..., None] * weight
    reward = np.repeat(reward[..., None], M, axis=-1)
    reward_std = np.repeat(reward_std[..., None], M, axis=-1)

    # Exit cells: every action gives exit_reward and lands on the target; no slip, no wind.
    ex = np.flatnonzero(grid.exit >= 0)
    if ex.size:
        next_state[ex] = table[grid.exit[ex]][:, None, None, :]
        prob[ex] = 0.0
        prob[ex, :, 0, :] = share[grid.exit[ex]][:, None, :]
        reward[ex] = grid.exit_reward[ex][:, None, None, None]
        reward_std[ex] = grid.exit_reward_std[ex][:, None, None, None]

    # Terminal states and walls: absorbing, reward 0.
    still = np.flatnonzero(grid.terminal | grid.wall)
    next_state[still] = still[:, None, None, None]
    prob[still] = 0.0
    prob[still, :, 0, 0] = 1.0
    reward[still] = 0.0
    reward_std[still] = 0.0

    shape = (S, N_ACTIONS, -1)
    index_type = np.int32 if S < 2**31 else np.int64
    return (
        next_state.reshape(shape).astype(index_type),
        prob.reshape(shape),
        reward.reshape(shape),
        reward_std.reshape(shape),
    )
