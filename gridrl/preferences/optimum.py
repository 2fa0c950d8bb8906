"""The exact optimum of the KL-regularised objective, and the distances to it.

RLHF, DPO and their kin all maximise the same objective: reward, minus beta times the KL
divergence from a reference policy,

    J(pi) = E_pi[r] - beta KL(pi || pi_ref).

On a bandit its maximiser has a closed form (Rafailov et al. 2023, eq. 4),

    pi*(a) = pi_ref(a) exp(r(a) / beta) / Z,   Z = sum_a pi_ref(a) exp(r(a) / beta),

and on a gridworld with a KL penalty at every step it is the policy of soft value iteration
on the exact model (Ziebart 2010; Levine 2018, "RL and control as inference", section 2.3):

    Q(s, a) = r(s, a) + gamma sum_s' p(s' | s, a) V(s')
    V(s)    = beta log sum_a pi_ref(a | s) exp(Q(s, a) / beta)
    pi*(a | s) = pi_ref(a | s) exp((Q(s, a) - V(s)) / beta).

beta -> infinity gives pi_ref; beta -> 0 gives the greedy policy of Q* (the hard max of
Sutton & Barto eq. 4.10) among the actions pi_ref allows. Every learner is checked against
these, with :func:`kl` and :func:`total_variation`.
"""

from __future__ import annotations

import math

import numpy as np

from gridrl.envs.evaluation import solve_policy_system
from gridrl.envs.model import TabularModel


def _log(p: np.ndarray) -> np.ndarray:
    """log p with log 0 = -inf and no warning."""
    with np.errstate(divide="ignore"):
        return np.log(p)


def _softmax_weighted(logits: np.ndarray, pi_ref: np.ndarray, beta: float) -> np.ndarray:
    """pi_ref exp(logits / beta) / Z along the last axis, by log-sum-exp; beta = 0 is its
    limit, uniform over the best actions pi_ref allows."""
    allowed = pi_ref > 0
    if beta == 0:
        masked = np.where(allowed, logits, -np.inf)
        best = allowed & (masked >= masked.max(axis=-1, keepdims=True) - 1e-12 * (1 + np.abs(masked)))
        return best / best.sum(axis=-1, keepdims=True)
    z = np.where(allowed, _log(pi_ref) + logits / beta, -np.inf)
    z = z - z.max(axis=-1, keepdims=True)
    w = np.exp(z)
    return w / w.sum(axis=-1, keepdims=True)


def _check(pi_ref: np.ndarray, beta: float) -> None:
    if not beta >= 0:
        raise ValueError(f"beta must be >= 0 (the weight of the KL penalty), got {beta}")
    if np.any(pi_ref < 0) or not np.allclose(pi_ref.sum(axis=-1), 1.0):
        raise ValueError("pi_ref must be a probability distribution over actions (>= 0, summing to 1)")


def kl_regularised_bandit(reward: np.ndarray, pi_ref: np.ndarray, beta: float) -> np.ndarray:
    """(A,) pi*(a) = pi_ref(a) exp(r(a)/beta) / Z, the maximiser of E_pi[r] - beta KL(pi || pi_ref).

    ``beta = inf`` returns ``pi_ref``; ``beta = 0`` the argmax of r over pi_ref's support
    (shared equally among ties).
    """
    reward, pi_ref = np.asarray(reward, dtype=np.float64), np.asarray(pi_ref, dtype=np.float64)
    _check(pi_ref, beta)
    if np.isinf(beta):
        return pi_ref.copy()
    return _softmax_weighted(reward, pi_ref, beta)


def soft_optimal_policy(model: TabularModel, reward_sa: np.ndarray, pi_ref: np.ndarray, beta: float, gamma: float,
                        tol: float = 1e-10, max_iters: int = 1_000_000) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(pi* (S, A), V_soft (S,)): soft value iteration on the model's dynamics with reward
    ``reward_sa`` (S, A) and a KL penalty to ``pi_ref`` (S, A) at every step (module docstring).

    Iterates the soft Bellman backup until the largest change is below ``tol``; it is a
    gamma-contraction, so with gamma < 1 that takes about log(tol) / log(gamma) sweeps.
    Terminal states and walls loop on themselves with reward 0 in the model, so V = 0 there
    whatever ``reward_sa`` says about them. ``beta = 0`` is the hard max (value iteration).
    """
    reward_sa, pi_ref = np.asarray(reward_sa, dtype=np.float64), np.asarray(pi_ref, dtype=np.float64)
    _check(pi_ref, beta)
    S, A = model.n_states, model.n_actions
    if reward_sa.shape != (S, A) or pi_ref.shape != (S, A):
        raise ValueError(f"reward_sa and pi_ref must have shape {(S, A)} (states, actions), "
                         f"got {reward_sa.shape} and {pi_ref.shape}")  # fmt: skip
    still = model.terminal | model.wall
    reward_sa = np.where(still[:, None], 0.0, reward_sa)
    log_ref = _log(pi_ref)
    V = np.zeros(S)
    for _ in range(max_iters):
        Q = reward_sa + gamma * model.expected_next(V)
        V_new = _soft_max(Q, log_ref, beta)
        change = np.max(np.abs(V_new - V))
        V = V_new
        if change < tol:
            break
    else:
        raise ValueError(f"soft value iteration did not converge in {max_iters:,} sweeps (last change {change:.3g}): "
                         "with gamma = 1 some state may never reach a terminal; use gamma < 1")  # fmt: skip
    Q = reward_sa + gamma * model.expected_next(V)
    return _softmax_weighted(Q, pi_ref, beta), V


def _soft_max(Q: np.ndarray, log_ref: np.ndarray, beta: float) -> np.ndarray:
    """(S,) beta log sum_a pi_ref(a|s) exp(Q(s,a)/beta), by log-sum-exp; max over pi_ref's support at beta = 0."""
    if beta == 0:
        return np.where(np.isfinite(log_ref), Q, -np.inf).max(axis=1)
    z = log_ref + Q / beta
    top = z.max(axis=1, keepdims=True)
    return beta * (top[:, 0] + np.log(np.exp(z - top).sum(axis=1)))


def kl(p: np.ndarray, q: np.ndarray) -> float | np.ndarray:
    """KL(p || q) = sum_a p(a) log(p(a) / q(a)), with 0 log 0 = 0 and inf where q = 0 < p.

    1-D arguments give a float; 2-D (S, A) ones an (S,) array, one divergence per state.
    """
    p, q = np.asarray(p, dtype=np.float64), np.asarray(q, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 0, p * (np.log(p) - _log(q)), 0.0)
    result = terms.sum(axis=-1)
    return float(result) if result.ndim == 0 else result


def total_variation(p: np.ndarray, q: np.ndarray) -> float | np.ndarray:
    """TV(p, q) = 1/2 sum_a |p(a) - q(a)|; per state (an (S,) array) for 2-D arguments."""
    result = 0.5 * np.abs(np.asarray(p, dtype=np.float64) - np.asarray(q, dtype=np.float64)).sum(axis=-1)
    return float(result) if np.ndim(result) == 0 else result


# --------------------------------------------------------------------------- episodes of a policy

def expected_visits(model: TabularModel, pi: np.ndarray) -> np.ndarray | None:
    """(S,) d_pi(s) = E_pi[number of steps taken from s in an episode], with no step cap:
    d_pi = mu_0 + P_pi^T d_pi over the open cells, i.e. d_pi = (I - P_pi)^-T mu_0. It weighs the
    per-state KL into the KL between whole episodes (the dynamics cancel in the ratio):

        KL(P_pi(episode) || P_pi'(episode)) = sum_s d_pi(s) KL(pi(.|s) || pi'(.|s)).

    None where it is infinite or too large to solve (see :func:`gridrl.envs.evaluation.solve_policy_system`)."""
    return solve_policy_system(model, np.asarray(pi, dtype=np.float64), model.start_distribution, transpose=True)


def episode_return(model: TabularModel, pi: np.ndarray, reward_sa: np.ndarray) -> float:
    """E_pi[sum_t r(s_t, a_t)], the undiscounted return of an episode with no step cap:
    sum_s mu_0(s) v(s), v = (I - P_pi)^-1 r_pi (the Bellman equation for v_pi, eq. 4.4, at
    gamma = 1); NaN where it is not finite or too large to solve."""
    pi = np.asarray(pi, dtype=np.float64)
    v = solve_policy_system(model, pi, (pi * reward_sa).sum(axis=1))
    return math.nan if v is None else float(model.start_distribution @ v)


def regularised_values(model: TabularModel, pi: np.ndarray, reward_sa: np.ndarray, pi_ref: np.ndarray,
                       beta: float) -> tuple[np.ndarray, np.ndarray] | None:  # fmt: skip
    """(V (S,), Q (S, A)) of ``pi`` for the KL-regularised return at gamma = 1, with no step cap:

        V(s) = sum_a pi(a|s) [Q(s, a) - beta log(pi(a|s) / pi_ref(a|s))],   Q(s, a) = r(s, a) + sum_s' p(s'|s, a) V(s'),

    the Bellman equation for v_pi (eq. 4.4) with the penalised reward. At pi = pi* they are the
    soft V and Q of :func:`soft_optimal_policy`, and every other policy's V is lower. None where
    pi never ends an episode or the level is too large (:func:`gridrl.envs.evaluation.solve_policy_system`)."""
    pi = np.asarray(pi, dtype=np.float64)
    reward_sa = np.where((model.terminal | model.wall)[:, None], 0.0, reward_sa)
    V = solve_policy_system(model, pi, (pi * reward_sa).sum(axis=1) - beta * kl(pi, pi_ref))
    return None if V is None else (V, reward_sa + model.expected_next(V))
