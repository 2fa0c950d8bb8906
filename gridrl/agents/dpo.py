"""Direct Preference Optimization on a bandit (Rafailov et al. 2023), with IPO, SLiC's hinge,
conservative (label-smoothed) DPO and robust DPO.

A bandit level is a one-state problem, like a language model's answers to one prompt: the
policy is a soft-max over the arms, pi_theta(a) = e^theta(a) / sum_b e^theta(b) (eq. 2.11),
and it learns from a fixed set of pairs "arm w was preferred to arm l", never from rewards.

    DPO on a bandit, offline
    1  Make n pairs (w_i, l_i): two arms drawn uniformly at random, labelled by Bradley-Terry
       on the level's true arm means r: P(w > l) = sigmoid((r(w) - r(l)) / tau), each label
       then flipped with probability e (``temperature`` tau, ``noise`` e)
    2  theta <- log pi_ref                         (the policy starts as the reference, as a
                                                    fine-tuned model starts from its SFT model)
    3  Loop, one update each:
    4      draw a minibatch of B pairs uniformly, with replacement
    5      h_i <- beta [(log pi(w_i) - log pi_ref(w_i)) - (log pi(l_i) - log pi_ref(l_i))]
    6      L <- mean_i l_eps(h_i)                   (the loss variants below)
    7      theta <- theta - lr grad_theta L         (plain gradient descent, by hand)

The margin h is the difference of DPO's implicit rewards r_hat(a) = beta log(pi(a) / pi_ref(a))
("your language model is secretly a reward model"). The soft-max's normaliser cancels in it,

    h = beta [(theta(w) - theta(l)) - (log pi_ref(w) - log pi_ref(l))],
    grad_theta h = beta (e_w - e_l),                 so grad_theta L = mean_i l_eps'(h_i) beta (e_w_i - e_l_i):

each pair pushes its chosen arm up and its rejected arm down by the same amount.

Losses of one pair (``loss``), with sigma the logistic function:

    sigmoid (DPO, eq. 7):      l(h) = -log sigma(h)                     l'(h) = sigma(h) - 1
    ipo (Azar et al. 2023):    l(h) = (h / beta - 1 / (2 beta))^2       l'(h) = 2 (h / beta - 1 / (2 beta)) / beta
    hinge (SLiC, Zhao 2023):   l(h) = max(0, 1 - h)                     l'(h) = -1 if h < 1 else 0
    robust (Chowdhury 2024):   l(h) = [(1 - eps) l_sig(h) - eps l_sig(-h)] / (1 - 2 eps)

IPO regresses the unscaled log-ratio margin h / beta to 1 / (2 beta) (Azar et al. eq. 17, as
TRL writes it); the hinge is TRL's ``relu(1 - beta * margin)``, beta the reciprocal of SLiC's
margin. ``label_smoothing`` eps mixes in the flipped label, l_eps(h) = (1 - eps) l(h) + eps l(-h):
for sigmoid that is conservative DPO (cDPO, Mitchell 2023); for ipo and hinge the same mixture.
For ``robust`` eps is instead the assumed flip rate, and the loss is the unbiased one above.

What DPO converges to (the tests check each). Pairs of arms i != j come up with positive
probability and the tabular policy can realise any margins, so the population loss is
minimised pair by pair. For sigmoid, with q_ij the probability the data prefers i to j,

    d/dh [-q_ij log sigma(h) - (1 - q_ij) log sigma(-h)] = sigma(h) - q_ij = 0.

Noise-free Bradley-Terry labels have q_ij = sigma((r(i) - r(j)) / tau), so
h_ij = (r(i) - r(j)) / tau, i.e. beta log(pi(a) / pi_ref(a)) = r(a) / tau + const, and

    pi(a) = pi_ref(a) exp(r(a) / (tau beta)) / Z,

the maximiser of E_pi[r / tau] - beta KL(pi || pi_ref) (Rafailov et al. eq. 4): the closed-form
optimum pi* for the reward the labels reveal, r / tau (:func:`gridrl.preferences.optimum.
kl_regularised_bandit`). At tau = 1 it is the issue's pi_ref exp(r / beta) / Z. The other cases:

* label noise e: q_ij = (1 - 2e) sigma(.) + e, nearer 1/2, so DPO's policy is flatter than pi*;
* cDPO, eps: sigma(h) = (1 - 2 eps) q_ij + eps, nearer 1/2 still. Smoothing does not undo
  noise on a bandit; it bounds h where a pair is unanimous (sigma(h) = 1 - eps instead of
  h -> infinity), which is what it is for when every prompt is seen once;
* robust, eps = e: sigma(h) = sigma((r(i) - r(j)) / tau) again: pi* despite the noise;
* ipo: h_ij / beta = (2 q_ij - 1) / (2 beta) on two arms; with more arms, a least-squares fit
  of the log-ratio differences over the pairs, weighted by how often each pair is drawn.

Step size. In theta a pair's loss has curvature l''(h) beta^2 along e_w - e_l. IPO's l'' is
2 / beta^2, so on K arms drawn uniformly its Hessian is 4 / K times the identity on the
directions that change pi, whatever beta: gradient descent converges for lr < K / 2 and
diverges above. Sigmoid's l'' = sigma'(h) <= 1/4 gives at most beta^2 / K: safe at any lr
below 8 K / beta^2, and slower the smaller beta (about K / (lr beta^2 sigma'(h*)) steps).

This agent does not act to learn (:mod:`gridrl.agents.common.preference`): every unit makes
one gradient step on the pairs and one display pull, whose reward never reaches the loss;
``extras`` carry pi*, pi_ref, the true means and the implicit reward.

DPO on a gridworld (:class:`GridDPO`, the same name and Config). A pair compares two whole
episodes of pi_ref, labelled by their undiscounted true returns (``pairs_file``: labelled by
a person instead); the policy is a table of logits theta(s, a), pi(.|s) = softmax(theta(s, .)),
started at log pi_ref; and a trajectory's log-ratio is the sum of its steps',

    5' h_i = beta [sum_t log(pi(a_t|s_t) / pi_ref(a_t|s_t)) over w_i - the same over l_i]
           = beta sum_(s,a) n_i(s, a) u(s, a),   u = log pi - log pi_ref,

n_i(s, a) the visits of (s, a) in w_i less those in l_i (the dynamics' p(s'|s, a) cancel in the
ratio of the two policies' trajectory probabilities). The normaliser log Z(s) no longer cancels
(the two episodes visit different cells), so the gradient goes through the soft-max of each
cell: d log pi(b|s) / d theta(s, a) = [a = b] - pi(a|s), and with g = dL/du,

    g(s, a) = (1/B) sum_i l_eps'(h_i) beta n_i(s, a),   grad_theta L(s, a) = g(s, a) - pi(a|s) sum_b g(s, b).

What it converges to, on a deterministic level. Soft value iteration (:mod:`gridrl.preferences.optimum`)
with reward r / tau, a KL penalty beta to pi_ref and gamma = 1 gives pi*(a|s) = pi_ref(a|s)
exp((Q(s, a) - V(s)) / beta) with Q(s, a) = r(s, a) / tau + V(s'), s' the one next cell. Along
an episode s_0 .. s_T ending in a terminal cell (V(s_T) = 0) the sum telescopes:

    beta sum_t log(pi*(a_t|s_t) / pi_ref(a_t|s_t)) = sum_t (r(s_t, a_t) / tau + V(s_t+1) - V(s_t))
                                                    = R(x) / tau - V(s_0),

so pi*(x) = pi_ref(x) exp(R(x) / (tau beta)) / exp(V(s_0) / beta): the episode-level bandit
optimum of Rafailov et al.'s eq. 4 factorises through the soft Bellman recursion. With a single
start cell the V(s_0) cancel in every margin, h* = (R(w) - R(l)) / tau, and sigma(h*) is the
labeller's own probability: as on a bandit the population loss is at its minimum at pi*. It
is the only minimum among tabular policies: a u with the same margins on every pair differs from
u* by a potential phi(s') - phi(s) with phi = 0 at the terminal cells, and each cell's
normalisation, sum_a pi*(a|s) exp(phi(s')) = exp(phi(s)), leaves only phi = 0 (pi* ends every
episode). The step cap spoils the telescoping for the episodes it cuts short (V(s_T) != 0
there), and on a slippery level the labels see which way each slip went, which no policy
controls; pi* is then near DPO's optimum, not at it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import hp
from gridrl.agents.common.bandit import softmax
from gridrl.agents.common.preference import POLICY_DIAGNOSTICS, PreferenceBandit, PreferenceConfig
from gridrl.agents.common.preference_grid import GRID_DIAGNOSTICS, PreferenceGrid
from gridrl.preferences.data import PreferenceData, Segment
from gridrl.preferences.optimum import kl_regularised_bandit

LOSSES = ("sigmoid", "ipo", "hinge", "robust")


@dataclass(frozen=True)
class Config(PreferenceConfig):
    loss: str = hp("sigmoid", "sigmoid (DPO), ipo (squared, to 1/(2 beta)), hinge (SLiC), robust (unbiased under "
                   "label noise eps)", choices=LOSSES)  # fmt: skip
    label_smoothing: float = hp(0.0, "eps: weight of the flipped label (cDPO); for robust, the assumed flip rate",
                                low=0.0, high=0.499)  # fmt: skip
    lr: float = hp(0.5, "gradient-descent step size on theta (ipo diverges at lr >= arms / 2)",
                   low=0.0, high=1000.0, low_open=True)  # fmt: skip
    batch_size: int = hp(256, "B: pairs per gradient step, drawn with replacement", low=1, high=65536)


# --------------------------------------------------------------------------- the loss


def sigmoid(x: np.ndarray) -> np.ndarray:
    """The logistic function, 1 / (1 + e^-x), without overflow for large |x|."""
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x) = -log sigma(-x), without overflow."""
    return np.logaddexp(0.0, x)


def _base_loss(h: np.ndarray, loss: str, beta: float) -> tuple[np.ndarray, np.ndarray]:
    """(l(h), l'(h)) of one unsmoothed loss, elementwise (the module docstring's table)."""
    if loss == "sigmoid":
        return softplus(-h), sigmoid(h) - 1.0  # -log sigma(h)
    if loss == "ipo":
        residual = h / beta - 1.0 / (2.0 * beta)  # the unscaled margin minus its target
        return residual**2, 2.0 * residual / beta
    if loss == "hinge":
        return np.maximum(0.0, 1.0 - h), np.where(h < 1.0, -1.0, 0.0)
    raise ValueError(f"loss must be one of {', '.join(LOSSES)}, got {loss!r}")


def preference_loss(h: np.ndarray, loss: str, beta: float, eps: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """(l_eps(h), dl_eps/dh) per pair for margins ``h``.

    l_eps(h) = (1 - eps) l(h) + eps l(-h) (label smoothing: the label flipped with weight eps),
    so l_eps'(h) = (1 - eps) l'(h) - eps l'(-h). ``robust``: [(1 - eps) l_sig(h) - eps l_sig(-h)]
    / (1 - 2 eps), whose derivative is sigma(h) - (1 - eps) / (1 - 2 eps).
    """
    h = np.asarray(h, dtype=np.float64)
    if loss == "robust":
        (l_pos, d_pos), (l_neg, d_neg) = _base_loss(h, "sigmoid", beta), _base_loss(-h, "sigmoid", beta)
        return ((1 - eps) * l_pos - eps * l_neg) / (1 - 2 * eps), ((1 - eps) * d_pos + eps * d_neg) / (1 - 2 * eps)
    l_pos, d_pos = _base_loss(h, loss, beta)
    if eps == 0:
        return l_pos, d_pos
    l_neg, d_neg = _base_loss(-h, loss, beta)
    return (1 - eps) * l_pos + eps * l_neg, (1 - eps) * d_pos - eps * d_neg


def margins(theta: np.ndarray, log_pi_ref: np.ndarray, w: np.ndarray, l: np.ndarray, beta: float) -> np.ndarray:
    """Line 5: h = beta [(theta(w) - theta(l)) - (log pi_ref(w) - log pi_ref(l))] (log Z cancels)."""
    u = theta - log_pi_ref  # log(pi / pi_ref) + log Z
    return beta * (u[w] - u[l])


def loss_and_gradient(theta: np.ndarray, log_pi_ref: np.ndarray, w: np.ndarray, l: np.ndarray, beta: float,
                      loss: str, eps: float) -> tuple[float, np.ndarray, np.ndarray]:  # fmt: skip
    """Lines 5-6 and the gradient of line 7 on the pairs (w_i, l_i): (L, grad_theta L, h).

    grad_theta L = (1/B) sum_i l_eps'(h_i) beta (e_w_i - e_l_i), summed per arm by bincount.
    """
    h = margins(theta, log_pi_ref, w, l, beta)
    ell, d_ell = preference_loss(h, loss, beta, eps)
    k, B = theta.size, h.size
    push = d_ell * beta / B
    grad = np.bincount(w, weights=push, minlength=k) - np.bincount(l, weights=push, minlength=k)
    return float(ell.mean()), grad, h


def both_ways(w: np.ndarray, l: np.ndarray, tie: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(chosen, rejected) with each tied pair once in each order: a tie is half a win each way."""
    return np.concatenate([w, l[tie]]), np.concatenate([l, w[tie]])


def oriented(data: PreferenceData) -> list[tuple[Segment, Segment]]:
    """(chosen, rejected) of every pair, a tie once in each order: half a win each way."""
    return [sides for pair in data.pairs
            for sides in ((pair.chosen, pair.rejected), (pair.rejected, pair.chosen))[: 1 + pair.tie]]  # fmt: skip


def pair_counts(sides: list[tuple[Segment, Segment]], n_states: int, n_actions: int) -> tuple[np.ndarray, np.ndarray]:
    """n_i(s, a) of line 5' for every pair (chosen, rejected) of ``sides``: (cells, n), each
    (pairs, L), row i the cells s * A + a where chosen and rejected differ and by how much; rows
    are padded with the cell S * A (one past the table, where u is 0) and a count of 0."""
    SA = n_states * n_actions
    segments = [segment for pair in sides for segment in pair]  # chosen_0, rejected_0, chosen_1, ...
    lengths = [len(segment) for segment in segments]
    cell = np.array([s * n_actions + a for segment in segments for s, a in segment], dtype=np.int64)
    side = np.repeat(np.arange(len(segments)), lengths)
    key, index = np.unique((side // 2) * SA + cell, return_inverse=True)  # (pair, cell), sorted
    n = np.bincount(index, weights=np.where(side % 2 == 0, 1.0, -1.0))
    row, cell = np.divmod(key[n != 0], SA)
    n = n[n != 0]
    column = np.arange(row.size) - np.searchsorted(row, row)  # the place within the pair's row
    width = max(1, int(column.max(initial=0)) + 1)
    cells, counts = np.full((len(sides), width), SA, dtype=np.int64), np.zeros((len(sides), width))
    cells[row, column], counts[row, column] = cell, n
    return cells, counts


def log_ratio(theta: np.ndarray, log_pi_ref: np.ndarray) -> np.ndarray:
    """(S, A) u = log pi(a|s) - log pi_ref(a|s), pi = softmax(theta(s, .)), by log-sum-exp: finite
    however sure pi has become."""
    z = theta - theta.max(axis=-1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=-1, keepdims=True)) - log_pi_ref


def trajectory_margins(u: np.ndarray, cells: np.ndarray, n: np.ndarray, beta: float) -> np.ndarray:
    """Line 5': h_i = beta sum_(s,a) n_i(s, a) u(s, a) for rows of :func:`pair_counts`."""
    u_padded = np.append(u.ravel(), 0.0)  # u at the padding cell S * A is 0
    return beta * (n * u_padded[cells]).sum(axis=1)


def trajectory_loss_and_gradient(theta: np.ndarray, log_pi_ref: np.ndarray, cells: np.ndarray, n: np.ndarray,
                                 beta: float, loss: str, eps: float
                                 ) -> tuple[float, np.ndarray, np.ndarray]:  # fmt: skip
    """Lines 5'-6 and the gradient of line 7 on a gridworld's pairs (rows of :func:`pair_counts`):
    (L, grad_theta L (S, A), h). ``theta`` and ``log_pi_ref`` are (S, A)."""
    u = log_ratio(theta, log_pi_ref)
    h = trajectory_margins(u, cells, n, beta)  # line 5'
    ell, d_ell = preference_loss(h, loss, beta, eps)
    push = d_ell * beta / h.size
    g = np.bincount(cells.ravel(), weights=(n * push[:, None]).ravel(), minlength=u.size + 1)[:-1]
    g = g.reshape(theta.shape)
    return float(ell.mean()), g - softmax(theta) * g.sum(axis=1, keepdims=True), h  # each cell's soft-max Jacobian


# --------------------------------------------------------------------------- the agent


class DPO(PreferenceBandit):
    name = "dpo"
    Config = Config
    summary = "learn a soft-max policy from preference pairs, no reward: DPO and its kin, against the exact pi*"
    diagnostics = {
        "kl_to_optimum": ("KL to the optimum", "KL(π ‖ π*) to the closed-form optimum "
                          "π* = π_ref exp(r/(τβ))/Z. Noise-free sigmoid DPO drives it towards 0 (up to the "
                          "data's sampling error); noise, smoothing, IPO and the hinge settle above 0.",
                          "Σ_a π(a) log(π(a)/π*(a))"),
        "tv_to_optimum": POLICY_DIAGNOSTICS["tv_to_optimum"],
        "loss": ("preference loss", "The loss on this minibatch; sigmoid starts at log 2 = 0.693 (π = π_ref).",
                 "mean_i ℓ_ε(h_i)"),
        "margin": ("implied reward margin", "Mean margin h of the minibatch: how much more implicit reward the "
                   "chosen arm gets than the rejected one.",
                   "h = β[log π(w)/π_ref(w) − log π(l)/π_ref(l)]"),
        "accuracy": ("preference accuracy", "Fraction of all pairs of two different arms whose chosen arm has the "
                     "larger implicit reward (h > 0). Noisy labels cap it below 1.",
                     "mean over pairs with w ≠ l of 1[h > 0]"),
        **{key: POLICY_DIAGNOSTICS[key] for key in ("expected_reward", "kl_ref")},
    }  # fmt: skip

    @staticmethod
    def grid_class() -> type:
        return GridDPO

    def init_state(self) -> None:
        super().init_state()  # line 2: theta <- log pi_ref
        self.chosen, self.rejected = both_ways(*self.preference_pairs())  # line 1
        # How often each ordered pair (w, l) occurs: accuracy over all pairs costs O(k^2) per update.
        self.counts = np.zeros((self.k, self.k))
        np.add.at(self.counts, (self.chosen, self.rejected), 1.0)

    @property
    def pi_star(self) -> np.ndarray:
        """pi* = pi_ref exp(r / (tau beta)) / Z: the optimum for the labels' reward r / tau."""
        return kl_regularised_bandit(self.r / self.config.temperature, self.pi_ref, self.config.beta)

    def learn(self, a: np.ndarray, r: np.ndarray) -> dict[str, Any]:
        """Lines 4-7, then the diagnostics against pi*; the pull (a, r) only feeds the display Q."""
        c = self.config
        i = self.rng.integers(self.chosen.size, size=c.batch_size)  # line 4
        w, l = self.chosen[i], self.rejected[i]
        L, grad, h = loss_and_gradient(self.theta, self.log_pi_ref, w, l, c.beta, c.loss, c.label_smoothing)
        theta_old = self.theta.copy()
        self.theta = self.theta - c.lr * grad  # line 7
        self.updates_done += 1
        self.info = self.measure()
        self.info.update(loss=L, margin=float(h.mean()))
        Q_old, step, Q_new = self.incremental_update(a, r, None)  # display only
        return {"a": int(a[0]), "r": float(r[0]), "w": int(w[0]), "l": int(l[0]), "h": float(h[0]),
                "loss": L, "lr": c.lr, "beta": c.beta, "theta_old": theta_old, "theta": self.theta.copy(),
                "grad": grad, "Q_old": Q_old, "step_size": step, "Q_new": Q_new}  # fmt: skip

    def measure(self) -> dict[str, float]:
        """Distances of pi to pi* and pi_ref, its true reward, and its accuracy on all pairs."""
        u = self.config.beta * (self.theta - self.log_pi_ref)  # implicit reward, up to a constant
        distinct = self.counts.sum() - np.trace(self.counts)
        right = (self.counts * (u[:, None] > u[None, :])).sum()
        return {**super().measure(), "accuracy": float(right / distinct) if distinct else math.nan}

    @property
    def equation(self) -> str:
        return ("θ ← θ − lr · mean_i ℓ'(h_i) β (e_w − e_l),  "
                "h = β[log π(w)/π_ref(w) − log π(l)/π_ref(l)]")  # fmt: skip

    def agent_extras(self) -> dict[str, Any]:
        """The shared extras, DPO's implicit reward beta log(pi / pi_ref) shifted to mean 0, the pairs."""
        u = self.config.beta * (self.theta - self.log_pi_ref)
        return {**super().agent_extras(), "implicit_reward": u - u.mean(), "pairs": int(self.chosen.size)}


class GridDPO(PreferenceGrid):
    """DPO on a gridworld: lines 1-7 with pairs of episodes and line 5' (module docstring)."""

    name = "dpo"
    Config = Config
    summary = DPO.summary
    diagnostics = {
        **GRID_DIAGNOSTICS,
        "loss": DPO.diagnostics["loss"],
        "margin": ("implied reward margin", "Mean margin h of the minibatch: how much more implicit reward the "
                   "chosen episode gets than the rejected one.",
                   "h = β Σ_t [log π(a_t|s_t)/π_ref(a_t|s_t)]_w − [same]_l"),
        "accuracy": ("preference accuracy", "Fraction of the pairs whose chosen episode has the larger implicit "
                     "reward (h > 0); pairs with the same steps on both sides are left out.",
                     "mean over pairs of 1[h > 0]"),
    }  # fmt: skip

    def __init__(self, level: Any, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)  # lines 1-2: the pairs, theta <- log pi_ref
        self.sides = oriented(self.data)
        self.cells, self.n = pair_counts(self.sides, self.n_states, self.n_actions)
        self.compared = np.any(self.n != 0, axis=1)  # pairs whose two sides differ

    def improve(self) -> dict[str, Any]:
        """Lines 4-7 with line 5', then the diagnostics against pi*."""
        c = self.config
        i = self.rng.integers(len(self.n), size=c.batch_size)  # line 4
        L, grad, h = trajectory_loss_and_gradient(self.theta, self.log_pi_ref, self.cells[i], self.n[i], c.beta,
                                                  c.loss, c.label_smoothing)  # fmt: skip
        theta_old = self.theta.copy()
        self.theta = self.theta - c.lr * grad  # line 7
        right = trajectory_margins(log_ratio(self.theta, self.log_pi_ref), self.cells, self.n, c.beta) > 0
        right = right[self.compared]
        self.info = {**self.measure(), "loss": L, "margin": float(h.mean()),
                     "accuracy": float(right.mean()) if right.size else math.nan}  # fmt: skip
        w, l = self.sides[i[0]]
        return {"w": w, "l": l, "h": float(h[0]),
                "loss": L, "lr": c.lr, "beta": c.beta, "theta_old": theta_old, "theta": self.theta.copy(),
                "grad": grad}  # fmt: skip

    def display_values(self) -> tuple[np.ndarray, np.ndarray]:
        """V and Q of pi for the objective DPO's labels imply, the return of r / tau less beta times
        the KL to pi_ref at every step (gamma = 1): soft V* and Q* once pi = pi*."""
        return self.policy_values(self.r / self.config.temperature)

    @property
    def equation(self) -> str:
        return ("θ(s,·) ← θ(s,·) − lr · [g(s,·) − π(·|s) Σ_b g(s,b)],  g = mean_i ℓ'(h_i) β n_i,  "
                "h = β Σ_(s,a) n_i(s,a) log π(a|s)/π_ref(a|s)")  # fmt: skip
