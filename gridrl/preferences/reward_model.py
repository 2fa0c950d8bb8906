"""The Bradley-Terry reward model, fitted by Newton's method in numpy.

Bradley and Terry (1952): an annotator prefers segment x to segment y with probability

    P(x > y) = sigmoid(R(x) - R(y)),

and RLHF (Christiano et al. 2017; Ouyang et al. 2022, eq. 1) fits R by maximum likelihood,

    min_theta  - sum_pairs log sigmoid(R(chosen) - R(rejected))  +  l2/2 |theta|^2.

Here R is linear in features: R(x) = phi(x) . theta. For bandit arms phi is one-hot, so
theta is one reward per arm; for trajectories phi(x) counts the visits of each (s, a), so
R(x) = sum_t r(s_t, a_t) with a table r (a tabular reward over cells). The small MLP at the
end of the file puts the same likelihood on r(s, a) = MLP(phi(s, a)) over features of a cell
that the layout gives without its rewards, so it also says something where the data never went.
A tie counts as half a win each way. The negative log-likelihood is convex, so Newton's
method with step halving reaches the optimum in a few dozen steps.

Rewards are identified only up to a constant (adding c to every r leaves each difference
and so each probability unchanged), and the fitted ones are on the labeller's scale: data
labelled at temperature T gives r / T. The tiny ``l2`` fixes the constant (it makes the
mean 0) and keeps items that always won finite.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace

import numpy as np

from gridrl.levels import GridLevel, compile_grid
from gridrl.levels.model import ACTION_DELTAS, FLOOR
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


# --------------------------------------------------------------------------- an MLP over cell features

#: The feature kind of a move into a wall or off the grid.
BUMP = "bump"


@dataclass(frozen=True)
class MLPRewardConfig:
    """Hyperparameters of :func:`fit_mlp_rewards`."""

    hidden: int = 16
    """units of the one tanh hidden layer"""
    iters: int = 400
    """full-batch Adam steps"""
    lr: float = 0.05
    """Adam's step size"""
    l2: float = 1e-3
    """weight decay (l2/2 |W|^2): a smooth, small model where the data is thin"""
    seed: int = 0
    """seed of the initial weights: the same data gives the same rewards"""


@dataclass(frozen=True)
class MLPParams:
    """r_phi(s, a) = tanh(phi(s, a) W1 + b1) . w2 (no output bias: a constant added to every
    reward changes no preference between segments of equal length, so the data cannot set it)."""

    W1: np.ndarray  # (F, H)
    b1: np.ndarray  # (H,)
    w2: np.ndarray  # (H,)


def tile_kinds(level: GridLevel) -> tuple[str, ...]:
    """The kinds a move can lead to: the layout's characters (a start tile that is floor in
    every other respect counts as floor '.': where episodes begin says nothing of what entering
    pays), then :data:`BUMP`."""
    return tuple(sorted({_kind(level, ch) for row in level.layout for ch in row} - {BUMP})) + (BUMP,)


def _kind(level: GridLevel, char: str) -> str:
    tile = level.tile(char)
    if tile.wall:
        return BUMP
    return "." if replace(tile, char=".", start=False) == FLOOR else char


def cell_features(level: GridLevel) -> tuple[np.ndarray, tuple[str, ...]]:
    """(S, A, F) features phi(s, a) of every (s, a), and their names, from the layout alone.

    phi(s, a) = [one-hot of the tile kind of the cell a is meant to lead to (its intended
    neighbour; :data:`BUMP` for a wall or the border), row(s) / (rows - 1), col(s) / (cols - 1)].
    The kind is what a level's rewards are usually a function of (entering a goal, a trap, a
    bump), so a model on it generalises to (s, a) the data never visited: rightly where the
    kind explains the reward, wrongly where it does not (a reward tied to one cell, slip or
    wind that lead elsewhere than the intended cell). The position lets it fit rewards that
    vary over the board, and shows what happens when a model can fit more than the truth.
    """
    grid = compile_grid(level)
    kinds = tile_kinds(level)
    column = {kind: i for i, kind in enumerate(kinds)}
    rows, cols = grid.rows, grid.cols
    row, col = np.divmod(np.arange(grid.n_cells), cols)
    phi = np.zeros((grid.n_cells, len(ACTION_DELTAS), len(kinds) + 2))
    for a, (d_row, d_col) in enumerate(ACTION_DELTAS):
        r, c = row + d_row, col + d_col
        inside = (r >= 0) & (r < rows) & (c >= 0) & (c < cols)
        target = np.where(inside, r * cols + c, 0)
        names = [_kind(level, ch) if ok else BUMP for ch, ok in zip(grid.chars[target], inside)]
        phi[np.arange(grid.n_cells), a, [column[n] for n in names]] = 1.0
    phi[:, :, -2] = (row / max(rows - 1, 1))[:, None]
    phi[:, :, -1] = (col / max(cols - 1, 1))[:, None]
    return phi, kinds + ("row", "col")


def mlp_init(n_features: int, config: MLPRewardConfig) -> MLPParams:
    """Initial weights: W1 ~ N(0, 1/F), w2 ~ N(0, 1/H), b1 = 0 (seeded by ``config.seed``)."""
    rng = np.random.default_rng(config.seed)
    H = config.hidden
    return MLPParams(rng.normal(0.0, 1.0 / np.sqrt(n_features), (n_features, H)), np.zeros(H),
                     rng.normal(0.0, 1.0 / np.sqrt(H), H))  # fmt: skip


def mlp_rewards(params: MLPParams, phi: np.ndarray) -> np.ndarray:
    """r_phi = tanh(phi W1 + b1) . w2 for features ``phi`` (..., F): shape (...)."""
    return np.tanh(phi @ params.W1 + params.b1) @ params.w2


def mlp_loss(params: MLPParams, phi: np.ndarray, D: np.ndarray, y: np.ndarray,
             l2: float) -> tuple[float, MLPParams]:  # fmt: skip
    """The Bradley-Terry loss of the MLP and its gradient (by hand, backpropagation):

        L = 1/N sum_k -[y_k log sigmoid(d_k) + (1 - y_k) log sigmoid(-d_k)] + l2/2 (|W1|^2 + |w2|^2),
        d = D r,  r = tanh(phi W1 + b1) w2,

    ``phi`` (M, F) the features of the M (s, a) the pairs visit, ``D`` (N, M) the visit counts
    of each pair's chosen segment minus its rejected one, ``y`` (N,) 1 (0.5 for a tie).
    """
    z = phi @ params.W1 + params.b1
    h = np.tanh(z)
    r = h @ params.w2
    d = D @ r
    N = len(y)
    loss = -(y * _log_sigmoid(d) + (1 - y) * _log_sigmoid(-d)).sum() / N
    loss += 0.5 * l2 * (np.sum(params.W1**2) + params.w2 @ params.w2)
    g_r = D.T @ ((_sigmoid(d) - y) / N)  # dL/dr: sigmoid(d) - y per pair, spread by its counts
    g_z = np.outer(g_r, params.w2) * (1.0 - h**2)
    grads = MLPParams(phi.T @ g_z + l2 * params.W1, g_z.sum(axis=0), h.T @ g_r + l2 * params.w2)
    return float(loss), grads


def fit_mlp_rewards(data: PreferenceData, level: GridLevel,
                    config: MLPRewardConfig | None = None) -> np.ndarray:  # fmt: skip
    """(S, A) rewards r_phi(s, a) of the MLP over :func:`cell_features`, every (s, a) included,
    fitted to the pairs by full-batch Adam on :func:`mlp_loss` (Kingma and Ba 2015, with their
    beta1 = 0.9, beta2 = 0.999, eps = 1e-8)."""
    config = config or MLPRewardConfig()
    features, _ = cell_features(level)
    S, A, F = features.shape
    pairs = data.pairs
    X = (segment_features([p.chosen for p in pairs], S, A)
         - segment_features([p.rejected for p in pairs], S, A))  # fmt: skip
    y = np.array([0.5 if p.tie else 1.0 for p in pairs])
    used = np.flatnonzero(np.any(X != 0, axis=0))  # the loss sees only these (s, a): the rest cost nothing
    phi, D = features.reshape(S * A, F)[used], X[:, used]
    params = mlp_init(F, config)
    m = [np.zeros_like(p) for p in _arrays(params)]
    v = [np.zeros_like(p) for p in _arrays(params)]
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    for t in range(1, config.iters + 1):
        _, grads = mlp_loss(params, phi, D, y, config.l2)
        new = []
        for i, (p, g) in enumerate(zip(_arrays(params), _arrays(grads))):
            m[i] = beta1 * m[i] + (1 - beta1) * g
            v[i] = beta2 * v[i] + (1 - beta2) * g**2
            m_hat, v_hat = m[i] / (1 - beta1**t), v[i] / (1 - beta2**t)
            new.append(p - config.lr * m_hat / (np.sqrt(v_hat) + eps))
        params = MLPParams(*new)
    return mlp_rewards(params, features)


def _arrays(params: MLPParams) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return params.W1, params.b1, params.w2
