"""Policy iteration: evaluate, make greedy, repeat until the policy is stable (Sutton & Barto §4.3).

    Policy Iteration (using iterative policy evaluation) for estimating pi ~ pi*
    1  Initialization
    2      V(s) in R and pi(s) in A(s) arbitrarily for all s in S; V(terminal) = 0
    3  Policy Evaluation
    4      Loop:
    5          Delta <- 0
    6          Loop for each s in S:
    7              v <- V(s)
    8              V(s) <- sum_{s',r} p(s',r|s,pi(s)) [r + gamma V(s')]           (eq. 4.5)
    9              Delta <- max(Delta, |v - V(s)|)
    10     until Delta < theta
    11 Policy Improvement
    12     policy-stable <- true
    13     For each s in S:
    14         old-action <- pi(s)
    15         pi(s) <- argmax_a sum_{s',r} p(s',r|s,a) [r + gamma V(s')]         (§4.2)
    16         If old-action != pi(s), then policy-stable <- false
    17     If policy-stable, then stop and return V ~ v* and pi ~ pi*; else go to 3

Here pi starts as the equiprobable random policy (as in Figure 4.1, whose right column is
its greedy improvement), so line 8 is the general expectation backup until the first
improvement makes pi deterministic. Each evaluation starts from the previous V.

Line 15 has the trap of Exercise 4.4: when two actions are equally good, a plain argmax
can switch between them forever as rounding noise in V moves, and line 17 is never reached.
So an action replaces the current one only if it is better by more than ``theta`` (the
accuracy of the evaluation); ties otherwise keep the old action, or take the first best.

With gamma = 1 a policy that never reaches a terminal state has no finite value; one
evaluation stops after ``max_sweeps`` sweeps (the Event says so) and improvement goes on.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import Event
from gridrl.agents.common.dp import DPConfig, Cells, DynamicProgramming
from gridrl.levels import Level

#: episode() stops after this many improvements even if the policy still changes (a guard;
#: on the bundled levels policy iteration is stable after fewer than 20).
MAX_IMPROVEMENTS = 100


@dataclass(frozen=True)
class Config(DPConfig):
    """Policy iteration's hyperparameters: those of every DP agent."""


def improved_actions(Q: np.ndarray, old: np.ndarray, tol: float) -> np.ndarray:
    """Line 15, pi(s) <- argmax_a q(s, a), keeping ``old`` (-1: none yet) unless beaten by > ``tol``."""
    best = Q.argmax(axis=1)
    q_old = np.take_along_axis(Q, np.maximum(old, 0)[:, None], axis=1)[:, 0]
    keep = (old >= 0) & (q_old >= Q.max(axis=1) - tol)
    return np.where(keep, old, best)


class PolicyIteration(DynamicProgramming):
    name = "policy-iteration"
    Config = Config
    summary = "evaluates its policy, then makes it greedy; stops when the policy is stable"
    equation = "V(s) <- sum_a pi(a|s) sum_s' p(s'|s,a) [r + gamma V(s')]"
    improvement_equation = "pi(s) <- argmax_a sum_s' p(s'|s,a) [r + gamma V(s')]"

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.pi = np.full((self.n_states, self.n_actions), 1.0 / self.n_actions)  # line 2
        self.pi_T = np.ascontiguousarray(self.pi.T)  # (A, S), laid out like the backups
        self.evaluated = False  # the evaluation of pi is over (to theta, or cut at max_sweeps)
        self.evaluation_converged = False  # ... and it reached theta
        self.evaluation_sweeps = 0
        self.improvements = 0
        # self.converged (from the base) means: the policy is stable and its value evaluated.

    # ------------------------------------------------------------------ policy evaluation

    def combine(self, q: np.ndarray, cells: Cells, out: np.ndarray | None = None) -> np.ndarray:
        """Line 8 (eq. 4.5): V(s) <- sum_a pi(a|s) q(s, a)."""
        return np.einsum("an,an->n", self.pi_T[:, cells], q, out=out)

    def policy(self) -> np.ndarray:
        """The policy being evaluated and improved (the equiprobable one before the first improvement)."""
        return self.pi.copy()

    def choice(self, s: int, q: np.ndarray) -> dict[str, Any]:
        return {"pi": self.pi[s].tolist(), "phase": "evaluation"}

    def _finish_sweep(self, delta: float) -> None:
        """Line 10: the evaluation is over when Delta < theta (or after max_sweeps sweeps)."""
        self.sweeps += 1
        self.max_delta = delta
        self.evaluation_sweeps += 1
        self.evaluation_converged = delta < self.config.theta
        self.evaluated = self.evaluation_converged or self.evaluation_sweeps >= self.config.max_sweeps

    def _invalidate(self) -> None:
        self.converged = self.evaluated = self.evaluation_converged = False
        self.evaluation_sweeps = 0

    # ------------------------------------------------------------------ policy improvement

    def actions(self) -> np.ndarray:
        """(S,) pi(s) where pi is deterministic, -1 where it is not (yet)."""
        return np.where(self.pi.max(axis=1) == 1.0, self.pi.argmax(axis=1), -1)

    def improve(self) -> tuple[np.ndarray, bool]:
        """Lines 12-16 over all states at once; returns (states whose action changed, policy-stable)."""
        active = ~self.inactive
        Q = self.model.q_from_v(self.V)
        old = self.actions()
        new = np.where(active, improved_actions(Q, old, self.config.theta), old)
        changed = np.flatnonzero(active & (new != old))
        self.pi[changed] = np.eye(self.n_actions)[new[changed]]
        self.pi_T = np.ascontiguousarray(self.pi.T)
        stable = changed.size == 0
        self.improvements += 1
        self.converged = stable and self.evaluation_converged  # line 17
        if not self.converged:  # back to line 3, from the current V
            self.evaluated = self.evaluation_converged = False
            self.evaluation_sweeps = 0
        return changed, stable

    def _improvement_event(self, unit: str) -> Event:
        """The Event of one improvement step: ``changed`` are the states whose action changed."""
        old = self.actions()
        was_evaluated = self.evaluation_converged
        changed, stable = self.improve()
        backup: dict[str, Any] = {"phase": "improvement", "policy_stable": stable,
                                  "n_changed": int(changed.size)}  # fmt: skip
        if changed.size:
            s = int(changed[0])
            backup.update(s=s, row=s // self.cols, col=s % self.cols, gamma=self.gamma,
                          q=self.model.q_from_v(self.V)[s].tolist(), old_action=int(old[s]),
                          a=int(self.actions()[s]))  # fmt: skip
        event = self._event(
            unit, steps=0, changed=changed, max_delta=self.max_delta, backup=backup,
            info={"improved": True, "policy_stable": stable, "improvements": self.improvements,
                  "evaluation_converged": was_evaluated},
        )  # fmt: skip
        event.equation = self.improvement_equation
        return event

    def _evaluation_info(self, event: Event) -> Event:
        event.info.update(improved=False, evaluation_sweeps=self.evaluation_sweeps,
                          evaluation_converged=self.evaluation_converged,
                          improvements=self.improvements)  # fmt: skip
        event.backup.setdefault("phase", "evaluation")
        return event

    # ------------------------------------------------------------------ units

    def step(self) -> Event:
        """One evaluation backup in sweep order, or the improvement once evaluation is over."""
        if self.evaluated:
            return self._improvement_event("step")
        return self._evaluation_info(super().step())

    def backup(self, s: int) -> Event:
        return self._evaluation_info(super().backup(s))

    def update(self) -> Event:
        """One evaluation sweep, or the improvement step when the evaluation is over."""
        if self.evaluated:
            return self._improvement_event("update")
        return self._evaluation_info(super().update())

    def episode(self) -> Event:
        """Evaluate and improve until the policy is stable (lines 3-17)."""
        V_start, pi_start = self.V.copy(), self.pi.copy()
        sweeps_run, stable = 0, False
        for _ in range(MAX_IMPROVEMENTS):
            while not self.evaluated:
                self.sweep()
                sweeps_run += 1
            _, stable = self.improve()
            if stable:
                break
        moved = (self.V != V_start) | (self.pi != pi_start).any(axis=1)
        event = self._sweep_event("episode", np.flatnonzero(moved), sweeps_run)
        event.done = True
        event.info.update(policy_stable=stable, improvements=self.improvements,
                          evaluation_converged=self.evaluation_converged)  # fmt: skip
        return event

    def _learned(self) -> dict[str, Any]:
        return {**super()._learned(), "pi": self.pi, "evaluated": self.evaluated,
                "evaluation_converged": self.evaluation_converged,
                "evaluation_sweeps": self.evaluation_sweeps,
                "improvements": self.improvements}  # fmt: skip

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self.pi = np.asarray(self.pi, dtype=np.float64)
        self.pi_T = np.ascontiguousarray(self.pi.T)
