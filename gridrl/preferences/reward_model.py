"""The Bradley-Terry reward model, fitted by Newton's method in numpy.

Bradley and Terry (1952): an annotator prefers segment x to segment y with probability

    P(x > y) = sigmoid(R(x) - R(y)),

and RLHF (Christiano et al. 2017; Ouyang et al. 2022, eq. 1) fits R by maximum likelihood,

    min_theta  - sum_pairs log sigmoid(R(chosen) - R(rejected))  +  l2/2 |theta|^2.

Here R is linear in features: R(x) = phi(x) . theta. For bandit arms phi is one-hot, so
theta is one reward per arm; for trajectories phi(x) counts the visits of each (s, a), so
R(x) = sum_t r(s_t, a_t) with a table r (a tabular reward over cells; the MLP comes later).
A tie counts as half a win each way. The negative log-likelihood is convex, so Newton's
method with step halving reaches the optimum in a few dozen steps.

Rewards are identified only up to a constant (adding c to every r leaves each difference
and so each probability unchanged), and the fitted ones are on the labeller's scale: data
labelled at temperature T gives r / T. The tiny ``l2`` fixes the constant (it makes the
mean 0) and keeps items that always won finite.
"""

from __future__ import annotations

import warnings

import numpy as np

from gridrl.preferences.data import PreferenceData, Segment, comparison_groups


class PreferenceWarning(UserWarning):
    """The data cannot identify every reward (items never compared with each other)."""


def _log_sigmoid(z: np.ndarray) -> np.ndarray:
    return -np.logaddexp(0.0, -z)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return np.exp(_log_sigmoid(z))


def fit_logistic(X: np.ndarray, y: np.ndarray, weight: np.ndarray, *, l2: float = 1e-6,
                 iters: int = 200, tol: float = 1e-10) -> np.ndarray:  # fmt: skip
    """theta minimising sum_k w_k [-y_k log sigmoid(x_k.theta) - (1-y_k) log sigmoid(-x_k.theta)] + l2/2 |theta|^2.

    Row k of ``X`` is phi(first) - phi(second) of a group of ``weight[k]`` comparisons of which
    a fraction ``y[k]`` preferred the first. Newton steps, halved until the loss falls.
    """
    d = X.shape[1]
    theta = np.zeros(d)

    def loss(t: np.ndarray) -> float:
        z = X @ t
        return float(-(weight * (y * _log_sigmoid(z) + (1 - y) * _log_sigmoid(-z))).sum() + 0.5 * l2 * t @ t)

    current = loss(theta)
    for _ in range(iters):
        p = _sigmoid(X @ theta)
        grad = X.T @ (weight * (p - y)) + l2 * theta
        hess = (X * (weight * p * (1 - p))[:, None]).T @ X + l2 * np.eye(d)
        # Least squares: with l2 = 0 the Hessian is singular along a shift of every reward
        # (the data cannot see it), and the minimum-norm step leaves that shift alone.
        step = np.linalg.lstsq(hess, grad, rcond=None)[0]
        size = 1.0
        while size > 1e-12:
            trial = loss(theta - size * step)
            if trial <= current:
                break
            size /= 2
        if trial > current:  # no step lowers the loss: at the optimum to rounding
            break
        theta, previous, current = theta - size * step, current, trial
        if previous - current <= tol * max(1.0, abs(current)) and np.max(np.abs(grad)) < 1e-8 * max(1.0, weight.sum()):
            break
    return theta


def fit_bradley_terry(chosen: np.ndarray, rejected: np.ndarray, n_items: int, *, l2: float = 1e-6,
                      iters: int = 200, tie: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
    """(n_items,) maximum-likelihood rewards r with mean 0: P(i > j) = sigmoid(r_i - r_j).

    ``chosen[k]`` was preferred to ``rejected[k]`` (``tie[k]``: neither). Pairs are pooled by
    the two items they compare, so 20k pairs of 5 arms are a 10-row problem. If some items
    are never compared with others, a :class:`PreferenceWarning` says so: differences across
    groups are then set by the l2 penalty, not by the data.
    """
    chosen, rejected = np.asarray(chosen, dtype=np.int64), np.asarray(rejected, dtype=np.int64)
    tie = np.zeros(chosen.shape, dtype=bool) if tie is None else np.asarray(tie, dtype=bool)
    groups = comparison_groups(chosen, rejected, n_items)
    if len(groups) > 1:
        warnings.warn(
            f"the pairs compare the items in {len(groups)} separate groups ({'; '.join(map(str, groups))}): "
            "rewards are comparable only within a group; add pairs that join them",
            PreferenceWarning, stacklevel=2,
        )  # fmt: skip
    first, second = np.minimum(chosen, rejected), np.maximum(chosen, rejected)
    keep = first != second  # an item against itself says nothing
    first, second = first[keep], second[keep]
    win = np.where(tie[keep], 0.5, (chosen[keep] == first).astype(np.float64))
    key = first * n_items + second
    unique, inverse = np.unique(key, return_inverse=True)
    weight = np.bincount(inverse, minlength=unique.size).astype(np.float64)
    y = np.bincount(inverse, weights=win, minlength=unique.size) / np.maximum(weight, 1)
    X = np.zeros((unique.size, n_items))
    X[np.arange(unique.size), unique // n_items] = 1.0
    X[np.arange(unique.size), unique % n_items] = -1.0
    r = fit_logistic(X, y, weight, l2=l2, iters=iters)
    return r - r.mean()


def segment_features(segments: list[Segment] | tuple[Segment, ...], n_states: int, n_actions: int) -> np.ndarray:
    """(N, S*A) visit counts phi(x)[s*A + a] = number of steps of x at (s, a)."""
    phi = np.zeros((len(segments), n_states * n_actions))
    for k, segment in enumerate(segments):
        cells = np.array([s * n_actions + a for s, a in segment], dtype=np.int64)
        np.add.at(phi[k], cells, 1.0)
    return phi


def fit_segment_rewards(data: PreferenceData, n_states: int, n_actions: int, *, l2: float = 1e-6,
                        iters: int = 200) -> np.ndarray:  # fmt: skip
    """(S, A) reward table r(s, a) of the linear Bradley-Terry model R(x) = sum_t r(s_t, a_t).

    (s, a) never visited by any segment, or visited equally by both segments of every pair,
    keep r = 0 (the l2 penalty): the data says nothing about them. With a bandit's one-step
    segments this is :func:`fit_bradley_terry` over arms, as row 0.
    """
    pairs = data.pairs
    X = (segment_features([p.chosen for p in pairs], n_states, n_actions)
         - segment_features([p.rejected for p in pairs], n_states, n_actions))  # fmt: skip
    y = np.array([0.5 if p.tie else 1.0 for p in pairs])
    used = np.flatnonzero(np.any(X != 0, axis=0))
    theta = np.zeros(n_states * n_actions)
    theta[used] = fit_logistic(X[:, used], y, np.ones(len(pairs)), l2=l2, iters=iters)
    return theta.reshape(n_states, n_actions)


def bandit_arrays(data: PreferenceData) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(chosen arms, rejected arms, tie) of one-step bandit pairs, for :func:`fit_bradley_terry`."""
    if any(len(p.chosen) != 1 or len(p.rejected) != 1 for p in data.pairs):
        raise ValueError("bandit pairs compare single pulls ((0, arm),); these hold longer segments")
    chosen = np.array([p.chosen[0][1] for p in data.pairs], dtype=np.int64)
    rejected = np.array([p.rejected[0][1] for p in data.pairs], dtype=np.int64)
    return chosen, rejected, np.array([p.tie for p in data.pairs], dtype=bool)
