"""How good is a policy, exactly: its value on the level's model against the optimal value.

An agent's *greedy* policy (argmax over its action distribution) is evaluated with the
model's own rules, not by sampling episodes, so "solved" has one meaning everywhere: the
benchmark of default settings, ``gridrl train`` and its ``--until-optimal``.

Both values are taken over the level's episode cap ``H`` (``level.max_steps``), as the
environment plays them: ``v_0 = 0`` and ``H`` backups of

    v_{k+1}(s) = r(s, pi(s)) + gamma sum_{s'} p(s' | s, pi(s)) v_k(s')      (S&B eq. 4.5)
    v*_{k+1}(s) = max_a [ r(s, a) + gamma sum_{s'} p(s' | s, a) v*_k(s') ]   (S&B eq. 4.10)

so a greedy policy that walks in circles forever is worth the step cost times the cap (the
time limit ends its episode), instead of the -inf an undiscounted infinite sum would give.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gridrl.envs.model import TabularModel

#: Gaps allowed between the greedy policy's value and v*, relative to |v*|: deterministic
#: levels are solved by the shortest path (up to rounding), slippery ones at 95% of v*.
DETERMINISTIC_TOLERANCE = 0.02
SLIPPERY_TOLERANCE = 0.05


def greedy_actions(pi: np.ndarray) -> np.ndarray:
    """(S,) the greedy action of each state: argmax_a pi(a|s), ties to the lowest action."""
    return np.argmax(pi, axis=1)


#: Above this many states policy_value iterates the backups; below, it doubles a dense P_pi.
DENSE_STATES = 1500


def policy_value(model: TabularModel, actions: np.ndarray, horizon: int | None = None) -> np.ndarray:
    """(S,) v_pi over ``horizon`` steps (default: the level's cap) of the deterministic
    policy ``actions`` (S,): v_H = sum_{t<H} gamma^t P_pi^t r_pi, the backups of eq. 4.5
    applied H times. Small levels get it in O(log H) products by doubling,
    v_{m+n} = v_m + gamma^m P_pi^m v_n, so a check costs the same whatever the cap."""
    horizon = horizon or model.level.max_steps
    states = np.arange(model.n_states)
    next_state = model.next_state[states, actions]  # (S, K)
    prob = model.prob[states, actions]
    r_pi = model.R[states, actions]
    if model.n_states > DENSE_STATES:
        v = np.zeros(model.n_states)
        for _ in range(horizon):
            new = r_pi + model.gamma * np.einsum("sk,sk->s", prob, v[next_state])
            if np.array_equal(new, v):
                break
            v = new
        return v
    P = np.zeros((model.n_states, model.n_states))
    np.add.at(P, (np.repeat(states, next_state.shape[1]), next_state.ravel()), prob.ravel())
    step, v_step = model.gamma * P, r_pi  # gamma^n P^n and v_n for n = 1, 2, 4, ...
    total, v = None, np.zeros(model.n_states)  # gamma^m P^m and v_m for the bits of H so far
    while horizon:
        if horizon & 1:
            v = v + (v_step if total is None else total @ v_step)
            total = step if total is None else total @ step
        horizon >>= 1
        if horizon:
            v_step = v_step + step @ v_step
            step = step @ step
    return v


def optimal_value(model: TabularModel, horizon: int | None = None) -> np.ndarray:
    """(S,) v* over ``horizon`` steps (default: the level's cap), by the backups of eq. 4.10."""
    v = np.zeros(model.n_states)
    for _ in range(horizon or model.level.max_steps):
        new = model.q_from_v(v).max(axis=1)
        if np.array_equal(new, v):
            break
        v = new
    return v


@dataclass(frozen=True)
class Optimality:
    """The greedy policy's expected return from the start against the best possible."""

    value: float  #: sum_s mu(s) v_pi(s), mu the start distribution
    optimal: float  #: sum_s mu(s) v*(s)
    tolerance: float  #: the relative gap still counted as solved

    @property
    def gap(self) -> float:
        """(v* - v_pi) / |v*| at the start (absolute when v* = 0)."""
        return (self.optimal - self.value) / (abs(self.optimal) or 1.0)

    @property
    def solved(self) -> bool:
        return self.gap <= self.tolerance + 1e-12


class OptimalityCheck:
    """Checks policies against one level's v*, computed once."""

    def __init__(self, model: TabularModel) -> None:
        self.model = model
        self.mu = model.start_distribution
        self.optimal = float(self.mu @ optimal_value(model))
        self.tolerance = SLIPPERY_TOLERANCE if model.level.dynamics.slip > 0 else DETERMINISTIC_TOLERANCE

    def __call__(self, pi: np.ndarray) -> Optimality:
        """How good the greedy policy of the action distribution ``pi`` (S, A) is."""
        value = float(self.mu @ policy_value(self.model, greedy_actions(pi)))
        return Optimality(value, self.optimal, self.tolerance)

#: Above this many open cells :func:`solve_policy_system` gives up: a dense system of one
#: equation per open cell.
MAX_SOLVED_STATES = 2000


def solve_policy_system(model: TabularModel, pi: np.ndarray, rhs: np.ndarray, gamma: float = 1.0,
                        transpose: bool = False) -> np.ndarray | None:  # fmt: skip
    """(S,) x solving (I - gamma P_pi) x = rhs over the open (non-terminal, non-wall) cells, or
    with the transpose of the matrix; 0 elsewhere. With rhs = r_pi it is v_pi, the Bellman
    equation for v_pi (eq. 4.4) solved exactly with no step cap; transposed with rhs = mu_0, the
    expected visits of each cell in an episode. P_pi is built from the model's few outcomes per
    (s, a), moves into a terminal cell leaving the chain. None where there is no finite solution
    (with gamma = 1, pi can wander forever) or the level has more than MAX_SOLVED_STATES open cells."""
    open_ = ~(model.terminal | model.wall)
    n = int(open_.sum())
    if n == 0 or n > MAX_SOLVED_STATES:
        return None
    index = np.full(model.n_states, -1)
    index[open_] = np.arange(n)
    s, a, k = np.nonzero(model.prob * pi[:, :, None] * open_[:, None, None])
    to = index[model.next_state[s, a, k]]
    stays = to >= 0  # moves into a terminal cell leave the transient chain
    P_pi = np.zeros((n, n))
    np.add.at(P_pi, (index[s[stays]], to[stays]), (pi[s, a] * model.prob[s, a, k])[stays])
    M = np.eye(n) - gamma * P_pi
    try:
        x = np.linalg.solve(M.T if transpose else M, rhs[open_])
    except np.linalg.LinAlgError:
        return None
    if not np.all(np.isfinite(x)) or np.abs(x).max() > 1e12:
        return None
    full = np.zeros(model.n_states)
    full[open_] = x
    return full
