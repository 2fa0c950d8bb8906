"""Dynamic programming on the exact model: the Bellman backup, sweeps, and the DP agents' units.

Policy evaluation, value iteration and policy iteration (Sutton & Barto ch. 4) differ only in
how a state's action values become its new value:

    q(s, a) = sum_{s', r} p(s', r | s, a) [r + gamma V(s')]          (eq. 4.6)
            = r(s, a) + gamma sum_k p_k(s, a) V(s'_k)                 (on the outcome arrays)
    expectation backup (eq. 4.5):   V(s) <- sum_a pi(a|s) q(s, a)     policy evaluation, PI
    optimality backup  (eq. 4.10):  V(s) <- max_a q(s, a)             value iteration

so an agent writes only :meth:`DynamicProgramming.combine`, and this module owns eq. 4.6 on
the model's outcome arrays (:class:`Backup`), the two kinds of sweep and the units.

Two kinds of sweep (§4.1: "two arrays" or "in place"):

* **synchronous** (``in_place=False``): every state is backed up from the values of the
  previous sweep. Figure 4.1's numbers (k = 1, 2, 3, ...) are sweeps of this kind.
* **in place, ordered** (``in_place=True``): a new value is used at once by the states backed
  up after it. The sweep goes a line at a time, each line one vectorised backup: rows top to
  bottom, then (next sweep) columns left to right, rows bottom to top, columns right to left.
  Values flow along the sweep direction in a single sweep instead of one cell per sweep: on an
  open 256 x 256 grid value iteration needs about 5 sweeps instead of about 510. The states of
  one line are backed up together from the values before that line, so this is a block-ordered
  sweep: still asynchronous DP (§4.5), converging to the same values.

Walls and terminal states have V = 0 and are never chosen for a backup. The model makes them
absorbing with reward 0, so the vectorised sweeps (which compute every cell of a line) leave
them at exactly 0 without a mask.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np

from gridrl.agents.base import Agent, Event, Insight, hp
from gridrl.envs import TabularModel
from gridrl.levels import Level

#: What a sweep backs up at once: a whole row or column (a slice), or chosen states.
Cells = slice | np.ndarray


@dataclass(frozen=True)
class DPConfig:
    """The hyperparameters every DP agent has; each agent's Config extends it."""

    theta: float = hp(
        1e-6, "stop when no value changes by theta or more in a sweep", low=0.0, low_open=True
    )
    gamma: float | None = hp(None, "discount gamma; none = the level's", low=0.0, high=1.0, optional=True)
    in_place: bool = hp(
        False, "back up in place, a row or column at a time, turning each sweep (else two arrays)"
    )
    max_sweeps: int = hp(10_000, "safety cap: the most sweeps one evaluation may take", low=1)


# --------------------------------------------------------------------------- the math


class Backup:
    """Eq. 4.6 for many states at once, with the model laid out action-major for speed.

    Arrays are stored as (K, A, S) / (A, S): a backup of a row or a column of cells is then a
    basic slice of each, and max_a or sum_a is an element-wise operation over four
    contiguous rows rather than a reduction over a short last axis.
    """

    def __init__(self, model: TabularModel, gamma: float) -> None:
        self.gamma = gamma
        self.next_state = np.ascontiguousarray(model.next_state.transpose(2, 1, 0), dtype=np.intp)
        self.prob = np.ascontiguousarray(model.prob.transpose(2, 1, 0))
        self.R = np.ascontiguousarray(model.R.T)  # (A, S): r(s, a) = sum_k p_k r_k
        #: One outcome per (s, a) (no slip, no multi-cell teleport): p_1 = 1, a plain gather.
        self.deterministic = self.next_state.shape[0] == 1

    def q(self, V: np.ndarray, cells: Cells = slice(None), out: np.ndarray | None = None) -> np.ndarray:
        """(A, n) q(s, a) = r(s, a) + gamma sum_k p_k(s, a) V(s'_k) for the states ``cells``."""
        # mode="clip" skips the bounds check (every index is a state) and writes straight into
        # ``out`` instead of through a buffer: about three times faster than the default.
        next_state = self.next_state[:, :, cells]
        if self.deterministic:
            out = np.take(V, next_state[0], out=out, mode="clip")  # V(s') of the single outcome
        else:
            prob = self.prob[:, :, cells]
            out = np.multiply(prob[0], np.take(V, next_state[0], mode="clip"), out=out)
            for k in range(1, len(prob)):
                out += prob[k] * np.take(V, next_state[k], mode="clip")
        out *= self.gamma
        out += self.R[:, cells]
        return out


def sweep_lines(rows: int, cols: int) -> tuple[list[slice], ...]:
    """The four orders of an in-place sweep, as lines of state indices ``s = row * cols + col``.

    Sweep k goes ``orders[k % 4]``: rows top to bottom, columns left to right, rows bottom to
    top, columns right to left. Within a line the states are backed up together.
    """
    S = rows * cols
    row_lines = [slice(r * cols, (r + 1) * cols) for r in range(rows)]
    col_lines = [slice(c, S, cols) for c in range(cols)]
    return row_lines, col_lines, row_lines[::-1], col_lines[::-1]


def cell_order(rows: int, cols: int, direction: int) -> np.ndarray:
    """States one at a time in the order of ``sweep_lines(...)[direction]`` (for ``step()``)."""
    grid = np.arange(rows * cols).reshape(rows, cols)
    order = grid.ravel() if direction % 2 == 0 else grid.T.ravel()
    return order[::-1].copy() if direction >= 2 else order


# --------------------------------------------------------------------------- the agent


class DynamicProgramming(Agent):
    """Sweeps of Bellman backups over the exact model of a gridworld (Sutton & Barto ch. 4).

    Config must have ``theta``, ``gamma`` (``None`` = the level's), ``in_place`` and
    ``max_sweeps``. Subclasses write :meth:`combine` (the backup's operator, eq. 4.5 or 4.10)
    and :meth:`policy` (pi for insight), and set ``equation``.

    Units: ``update()`` is one sweep; ``step()`` one in-place backup of the next state in
    sweep order; :meth:`backup` one backup of a chosen state; ``episode()`` sweeps until the
    largest change of a sweep is below theta (or ``max_sweeps``).
    """

    level_kinds = ("gridworld",)
    #: The backup in words, for the inspector.
    equation: ClassVar[str] = ""

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.gamma = self.level.dynamics.gamma if self.config.gamma is None else self.config.gamma
        self.rebuild_environment()
        self.rows, self.cols = self.model.shape
        self.n_states, self.n_actions = self.model.n_states, self.model.n_actions
        self.lines = sweep_lines(self.rows, self.cols)

        self.V = np.zeros(self.n_states)  # V_k; 0 on walls and terminal states
        self.V_old = np.zeros(self.n_states)  # V before the last sweep
        #: q(s, a) of each state's latest backup, (A, S): the numbers that produced V(s).
        self.q_backup = np.zeros((self.n_actions, self.n_states))
        self.sweeps = 0
        self.max_delta = math.nan  # max_s |V_k+1(s) - V_k(s)| of the last sweep (none yet: nan)
        self.converged = False
        self.cursor = 0  # position of step() in the current sweep's order
        self.partial_delta = 0.0  # max |delta V| of the steps so far in that sweep

    def rebuild_environment(self) -> None:
        """The exact model of (an edited) level; V is kept, so the next sweeps show the change
        propagating. New walls and terminals get V = 0."""
        self.model = replace(TabularModel.from_level(self.level), gamma=self.gamma)
        self.backups = Backup(self.model, self.gamma)
        self.inactive = self.model.terminal | self.model.wall  # V = 0, never backed up
        if hasattr(self, "V"):
            self.V[self.inactive] = 0.0
            self.converged = False

    def default_budget(self) -> tuple[str, int]:
        """Headless default: one run to convergence."""
        return "episode", 1

    # ------------------------------------------------------------------ the backup operator

    @abstractmethod
    def combine(self, q: np.ndarray, cells: Cells, out: np.ndarray | None = None) -> np.ndarray:
        """(n,) the new V of ``cells`` from their (A, n) action values ``q``."""

    @abstractmethod
    def policy(self) -> np.ndarray:
        """(S, A) pi(a|s) to show: the greedy policy, or the policy being evaluated."""

    def choice(self, s: int, q: np.ndarray) -> dict[str, Any]:
        """How ``combine`` used q(s, .) at one state, for :meth:`explain` (e.g. the argmax)."""
        return {}

    # ------------------------------------------------------------------ sweeps

    def sweep(self) -> float:
        """One sweep over all states; returns its max |delta V| and records it."""
        if self.config.in_place:
            delta = self._ordered_sweep(self.lines[self.sweeps % 4])
        else:
            delta = self._synchronous_sweep()
        self.cursor, self.partial_delta = 0, 0.0  # a sweep abandons a half-done sweep of steps
        self._finish_sweep(delta)
        if self.on_progress is not None:
            self.on_progress(self.sweeps, "sweeps")
        return delta

    def _synchronous_sweep(self) -> float:
        """V_k+1(s) <- combine_a q_k(s, a) for every s at once, from V_k (two arrays)."""
        self.V_old, self.V = self.V, self.V_old  # reuse the old buffer for V_k+1
        q = self.backups.q(self.V_old, out=self.q_backup)
        self.combine(q, slice(None), out=self.V)
        return self._sweep_delta()

    def _ordered_sweep(self, lines: list[slice]) -> float:
        """In place, a line at a time: each line's backup sees the values of the lines before it."""
        np.copyto(self.V_old, self.V)
        V, q_backup = self.V, self.q_backup
        for line in lines:  # V[line] and q_backup[:, line] are views: written in place
            q = self.backups.q(V, line, out=q_backup[:, line])
            self.combine(q, line, out=V[line])
        return self._sweep_delta()

    def _sweep_delta(self) -> float:
        """Delta = max_s |V(s) - v| over the sweep (each state is backed up once per sweep)."""
        return float(np.abs(self.V - self.V_old).max(initial=0.0))

    def _finish_sweep(self, delta: float) -> None:
        """Record a finished sweep: Delta < theta is the stopping test of §4.1."""
        self.sweeps += 1
        self.max_delta = delta
        self.converged = delta < self.config.theta

    def _invalidate(self) -> None:
        """A value moved by theta or more outside a sweep: convergence is no longer known."""
        self.converged = False

    # ------------------------------------------------------------------ one state

    def _back_up(self, s: int) -> tuple[float, float]:
        """V(s) <- combine_a q(s, a), in place; returns (V before, V after)."""
        cells = np.array([s])
        q = self.backups.q(self.V, cells)
        v_before = float(self.V[s])
        self.V[s] = self.combine(q, cells)[0]
        self.q_backup[:, s] = q[:, 0]
        return v_before, float(self.V[s])

    def backup(self, s: int) -> Event:
        """One backup of a chosen state, in place (the GUI's "back up the selected cell")."""
        s = int(s)
        if self.inactive[s]:
            return self._event("step", state=s, steps=0, changed=[], max_delta=0.0,
                               backup=self.explain(s))  # fmt: skip
        v_before, v_after = self._back_up(s)
        if abs(v_after - v_before) >= self.config.theta:
            self._invalidate()
        return self._event(
            "step", state=s, steps=1, changed=[s] if v_after != v_before else [],
            max_delta=abs(v_after - v_before), backup=self.explain(s, v_before),
        )  # fmt: skip

    def step_order(self) -> np.ndarray:
        """The active states in the order ``step()`` backs them up during the current sweep."""
        direction = self.sweeps % 4 if self.config.in_place else 0
        order = cell_order(self.rows, self.cols, direction)
        return order[~self.inactive[order]]

    # ------------------------------------------------------------------ units

    def step(self) -> Event:
        """Back up the next state of the sweep, in place; the last one completes the sweep."""
        order = self.step_order()
        if order.size == 0:  # nothing to back up: every cell is a wall or terminal
            self._finish_sweep(0.0)
            return self._event("step", steps=0, changed=[], max_delta=0.0)
        if self.cursor == 0:
            np.copyto(self.V_old, self.V)
            self.partial_delta = 0.0
        s = int(order[self.cursor])
        v_before, v_after = self._back_up(s)
        self.partial_delta = max(self.partial_delta, abs(v_after - v_before))
        self.cursor += 1
        swept = self.cursor == order.size
        if swept:
            delta, self.cursor, self.partial_delta = self.partial_delta, 0, 0.0
            self._finish_sweep(delta)
        return self._event(
            "step", state=s, steps=1, changed=[s] if v_after != v_before else [],
            max_delta=abs(v_after - v_before), backup=self.explain(s, v_before),
            info={"sweep_done": swept},
        )  # fmt: skip

    def update(self) -> Event:
        """One full sweep (synchronous or ordered, as configured)."""
        self.sweep()
        return self._sweep_event("update", np.flatnonzero(self.V != self.V_old), sweeps_run=1)

    def episode(self) -> Event:
        """Sweep until a sweep changes no value by theta or more, at most ``max_sweeps`` sweeps.

        With gamma = 1 and a policy that never reaches a terminal state the values fall
        without bound and never converge; the cap stops that and the Event says so.
        """
        V_start = self.V.copy()
        sweeps_run = 0
        while True:
            self.sweep()
            sweeps_run += 1
            if self.converged or sweeps_run >= self.config.max_sweeps:
                break
        event = self._sweep_event("episode", np.flatnonzero(self.V != V_start), sweeps_run)
        event.done = True
        return event

    # ------------------------------------------------------------------ events and insight

    def explain(self, s: int, v_before: float | None = None) -> dict[str, Any]:
        """The numbers of state ``s``'s latest backup, for the cell inspector.

        ``q`` = r + gamma E[V(s')] per action (``r``, ``expected_next``), combined into ``V_new``
        (see :meth:`choice`); ``V_old`` is V(s) before it (by default: before the last sweep).
        """
        s = int(s)
        row, col = divmod(s, self.cols)
        numbers: dict[str, Any] = {"s": s, "row": row, "col": col, "gamma": self.gamma}
        if self.inactive[s]:
            numbers.update(skipped="wall" if self.model.wall[s] else "terminal", V_new=0.0)
            return numbers
        q = self.q_backup[:, s]
        r = self.backups.R[:, s]
        v_old = float(self.V_old[s] if v_before is None else v_before)
        numbers.update(r=r.tolist(), q=q.tolist(), V_old=v_old, V_new=float(self.V[s]),
                       delta=float(self.V[s]) - v_old)  # fmt: skip
        if self.gamma > 0:
            numbers["expected_next"] = ((q - r) / self.gamma).tolist()  # sum_s' p(s'|s,a) V(s')
        numbers.update(self.choice(s, q))
        return numbers

    def _sweep_event(self, unit: str, changed: np.ndarray, sweeps_run: int) -> Event:
        """The Event of one or more whole sweeps; ``backup`` explains the state that moved most."""
        moved = np.where(self.inactive, -1.0, np.abs(self.V - self.V_old))
        s = int(np.argmax(moved))
        return self._event(
            unit, steps=sweeps_run * int((~self.inactive).sum()), changed=changed,
            max_delta=self.max_delta, backup=self.explain(s), info={"sweeps_run": sweeps_run},
        )  # fmt: skip

    def _event(self, unit: str, *, info: dict[str, Any] | None = None, **fields: Any) -> Event:
        """An Event carrying the equation and the sweep counters every DP event reports."""
        fields["changed"] = np.asarray(fields.get("changed", []), dtype=np.int64)
        info = {"sweeps": self.sweeps, "converged": self.converged, **(info or {})}
        return Event(unit=unit, equation=self.equation, info=info, **fields)

    def insight(self) -> Insight:
        V = np.where(self.inactive, 0.0, self.V)
        return Insight(
            V=V, Q=self.model.q_from_v(V), pi=self.policy(),
            visits=np.zeros(self.n_states, dtype=np.int64),
            extras={"sweeps": self.sweeps, "converged": self.converged,
                    "max_delta": None if math.isnan(self.max_delta) else self.max_delta,
                    "V_old": self.V_old.copy(), "q_backup": self.q_backup.T.copy()},
        )  # fmt: skip

    def _learned(self) -> dict[str, Any]:
        return {"V": self.V, "V_old": self.V_old, "q_backup": self.q_backup, "sweeps": self.sweeps,
                "max_delta": self.max_delta, "converged": self.converged, "cursor": self.cursor,
                "partial_delta": self.partial_delta}  # fmt: skip

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.V = self.V.astype(np.float64)
        self.V_old = self.V_old.astype(np.float64)
        self.q_backup = np.ascontiguousarray(self.q_backup, dtype=np.float64)
        self.V[self.inactive] = 0.0  # the sweeps rely on it
