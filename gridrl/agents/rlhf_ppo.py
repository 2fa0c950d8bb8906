"""RLHF on a bandit: a Bradley-Terry reward model from preference pairs, then PPO against it
with a KL penalty to the reference policy (Ziegler et al. 2019; Ouyang et al. 2022, eq. 2).

As in :mod:`gridrl.agents.dpo`, a bandit level is one prompt and its arms are the answers; the
policy is a soft-max over the arms, pi_theta(a) = e^theta(a) / sum_b e^theta(b) (eq. 2.11).
Where DPO fits the policy to the pairs directly, RLHF goes through a reward:

    RLHF-PPO on a bandit
    1  Make n pairs (w_i, l_i) as DPO does (the same pairs for the same seed), and fit the
       Bradley-Terry reward r_phi by maximum likelihood: P(w > l) = sigmoid(r_phi(w) - r_phi(l))
       (``reward: true`` skips 1 and uses the true arm means, r_phi = r)
    2  theta <- log pi_ref
    3  Loop, one update each:
    4      pi_old <- pi_theta; sample K arms a_1 .. a_K ~ pi_old          (the rollouts)
    5      R_i <- r_phi(a_i) - beta log(pi_old(a_i) / pi_ref(a_i))        (KL-shaped reward)
    6      A_i <- R_i - mean_j R_j                                         (batch-mean baseline)
    7      for each of E epochs:
    8          rho_i <- pi_theta(a_i) / pi_old(a_i)
    9          L <- -mean_i min(rho_i A_i, clip(rho_i, 1 - eps, 1 + eps) A_i)   (PPO-Clip)
   10          theta <- theta - lr grad_theta L                              (by hand, below)

Why line 5's reward. The objective is J(pi) = E_pi[r_phi] - beta KL(pi || pi_ref), and

    grad_theta J = E_{a~pi}[(r_phi(a) - beta log(pi(a) / pi_ref(a))) grad_theta log pi(a)],

the policy-gradient theorem (eq. 13.5) applied to the per-sample reward of line 5 (the KL's
own "+1" term drops out: E_pi[grad log pi] = 0). At rho = 1 (the first epoch) line 9's
gradient is exactly this, estimated from K samples. Line 6's baseline includes the sample
itself, which scales the expected gradient by (1 - 1/K) and turns no direction.

The gradient by hand. With grad_theta log pi(a) = e_a - pi and grad_theta rho_i = rho_i (e_a_i - pi),
the min in line 9 takes the clipped term, whose gradient is 0, exactly when A_i > 0 and
rho_i > 1 + eps or A_i < 0 and rho_i < 1 - eps (the PPO paper's Figure 1). So

    grad_theta L = -(1/K) sum_i m_i A_i rho_i (e_a_i - pi),   m_i = 0 where clipped, else 1,

summed per arm by bincount: -(1/K) [bincount(a, m A rho) - pi sum_i m_i A_i rho_i].

What it converges to. The shaped reward is the same for every arm exactly when
log(pi(a) / pi_ref(a)) = r_phi(a) / beta + const, i.e. at

    pi = pi_ref exp(r_phi / beta) / Z,

the closed-form optimum for r_phi (:func:`gridrl.preferences.optimum.kl_regularised_bandit`).
There every A_i is 0, not merely 0 on average: the sampling noise of line 4 vanishes at the
optimum and the policy comes to rest on it (``kl_to_model_optimum`` -> 0). With the true
reward that is DPO's pi* = pi_ref exp(r / beta) / Z. With a fitted r_phi it is the optimum for
the reward model, which differs from the true pi* by the reward model's error: a fit from n
pairs on k arms misses r / tau by about sqrt(k / n) per arm, and the two optima differ in KL
by about Var_pi*[r_phi - r / tau] / (2 beta^2). Label noise shrinks r_phi (the fit finds the
noisy labels' flatter preferences), so the policy ends flatter than pi*, as plain DPO does.

Step size. Near the optimum an update moves theta(a) by about lr E beta pi(a)(1 - pi(a))
times its distance from the optimum: stable while lr x update_epochs x beta < 8 (pi(1 - pi)
is at most 1/4; the clip bounds each update too, but above that the policy oscillates around
pi*); slow for arms pi* makes rare and for small beta, which shrinks the whole pull.

RLHF-PPO on a gridworld (:class:`GridRLHFPPO`, the same name and Config). The pairs are
pairs of whole episodes (as DPO's, :mod:`gridrl.agents.common.preference_grid`), the reward
model the linear Bradley-Terry fit r_phi(s, a) with R(x) = sum_t r_phi(s_t, a_t)
(:func:`gridrl.preferences.reward_model.fit_segment_rewards`), and the policy a table of
logits theta(s, a). Lines 4-10 become, with K episodes in place of K arms:

    4'  pi_old <- pi_theta; walk K episodes of pi_old on the level's model
    5'  R_t <- r_phi(s_t, a_t) - beta log(pi_old(a_t|s_t) / pi_ref(a_t|s_t))     (the per-step KL penalty)
    6'  G_t <- sum_{k >= t} R_k (undiscounted reward-to-go);  A_t <- G_t - mean of G over the batch's steps in s_t
    9'  L <- -(1/K) sum_episodes sum_t min(rho_t A_t, clip(rho_t, 1 - eps, 1 + eps) A_t)

Line 9' sums over an episode's steps and averages over episodes: at rho = 1 its gradient is
the policy gradient of J(pi) = E_pi[sum_t R_t] (eq. 13.5 with the reward-to-go, §13.3), the KL-
regularised return whose maximiser is the soft-optimal policy of r_phi. The baseline of line 6'
is a tabular critic fitted to the batch (the mean return from each cell); it includes the sample
itself, which scales the gradient by (1 - 1/visits) and turns no direction. Why it comes to
rest exactly: at the soft optimum of r_phi on a deterministic level, R_t = r_phi(s_t, a_t) -
(Q(s_t, a_t) - V(s_t)) = V(s_t) - V(s_t+1), so every G_t = V(s_t) whatever the actions, every A_t is
0 and the sampling noise vanishes, as on a bandit. So PPO ends at the optimum for r_phi, within
the reward model's error of pi*. r_phi is identified only up to a potential, r_phi(s, a) +
phi(s') - phi(s) with phi = 0 at the terminal cells (both sides of a pair start in one cell and
end in a terminal one), and such a shaping leaves the soft-optimal policy unchanged (V becomes
V - phi, Q - V stays); (s, a) the pairs never visit keep r_phi = 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import hp
from gridrl.agents.common.bandit import softmax
from gridrl.agents.common.gae import discounted_returns
from gridrl.agents.common.preference import POLICY_DIAGNOSTICS, PreferenceBandit, PreferenceConfig
from gridrl.agents.common.preference_grid import GRID_DIAGNOSTICS, PreferenceGrid
from gridrl.preferences.labeller import sample_steps
from gridrl.preferences.optimum import episode_return, expected_visits, kl, kl_regularised_bandit
from gridrl.preferences.reward_model import fit_bradley_terry, fit_segment_rewards

REWARDS = ("model", "true")


@dataclass(frozen=True)
class Config(PreferenceConfig):
    reward: str = hp("model", "model: the Bradley-Terry fit to the pairs (RLHF); true: the arm means themselves",
                     choices=REWARDS)  # fmt: skip
    lr: float = hp(1.0, "gradient-descent step size on theta; the policy oscillates at lr x epochs x beta > 8",
                   low=0.0, high=1000.0, low_open=True)  # fmt: skip
    batch_size: int = hp(256, "K: arms sampled from pi_old per update, scored by r_phi", low=2, high=65536)
    update_epochs: int = hp(4, "E: gradient steps on one batch (PPO reuses its samples)", low=1, high=100)
    clip_coef: float = hp(0.2, "eps: the ratio pi / pi_old is clipped to [1 - eps, 1 + eps]", low=0.0, high=10.0,
                          low_open=True)  # fmt: skip


# --------------------------------------------------------------------------- the loss


def shaped_reward(r_phi: np.ndarray, log_pi_old: np.ndarray, log_pi_ref: np.ndarray, beta: float) -> np.ndarray:
    """Line 5 for every arm: r_phi(a) - beta log(pi_old(a) / pi_ref(a)), shape (k,)."""
    return r_phi - beta * (log_pi_old - log_pi_ref)


def clipped_surrogate(theta: np.ndarray, pi_old: np.ndarray, a: np.ndarray, A: np.ndarray, eps: float,
                      s: np.ndarray | None = None, K: int | None = None
                      ) -> tuple[float, np.ndarray, float]:  # fmt: skip
    """Line 9 and the gradient of line 10: (L, grad_theta L, fraction of samples clipped).

    L = -(1/K) sum_i min(rho_i A_i, clip(rho_i, 1 - eps, 1 + eps) A_i), rho_i = pi(a_i) / pi_old(a_i);
    grad_theta L = -(1/K) sum_i m_i A_i rho_i (e_a_i - pi), m_i = 0 on the clipped side.
    On a gridworld (line 9') ``theta`` and ``pi_old`` are (S, A), sample i was taken in cell
    ``s[i]`` (its pi is pi(.|s_i)), and K is the number of episodes the samples came from.
    """
    pi = softmax(theta)
    cell = a if s is None else s * theta.shape[-1] + a  # flat index of (s_i, a_i)
    rho = pi.ravel()[cell] / pi_old.ravel()[cell]
    K = a.size if K is None else K
    L = -float(np.minimum(rho * A, np.clip(rho, 1 - eps, 1 + eps) * A).sum() / K)
    clipped = ((A > 0) & (rho > 1 + eps)) | ((A < 0) & (rho < 1 - eps))
    push = np.where(clipped, 0.0, A * rho) / K
    per_cell = push.sum() if s is None else np.bincount(s, weights=push, minlength=theta.shape[0])[:, None]
    grad = -(np.bincount(cell, weights=push, minlength=theta.size).reshape(theta.shape) - pi * per_cell)
    return L, grad, float(clipped.mean())


# --------------------------------------------------------------------------- the agent


class RLHFPPO(PreferenceBandit):
    name = "rlhf-ppo"
    Config = Config
    summary = "fit a Bradley-Terry reward to preference pairs, then PPO on it with a KL penalty to pi_ref"
    diagnostics = {
        "kl_to_optimum": ("KL to the optimum", "KL(π ‖ π*) to the closed-form optimum for the reward the labels "
                          "reveal, π* = π_ref exp(r/(τβ))/Z (exp(r/β) with the true reward). It settles at the "
                          "reward model's error: near 0 with many pairs.", "Σ_a π(a) log(π(a)/π*(a))"),
        "kl_to_model_optimum": ("KL to the reward model's optimum", "KL(π ‖ π_ref exp(r_φ/β)/Z): what PPO on r_φ "
                                "converges to, exactly (every advantage is 0 there).",
                                "Σ_a π(a) log(π(a)/π*_φ(a))"),
        "tv_to_optimum": POLICY_DIAGNOSTICS["tv_to_optimum"],
        "reward_model_corr": ("reward-model correlation", "Correlation over the arms of the fitted r_φ with the "
                              "true means: 1 is a perfect ranking and spacing.", "corr_a(r_φ(a), r(a))"),
        "reward_model_error": ("reward-model error", "RMS over the arms of r_φ − r/τ, both shifted to mean 0 "
                               "(rewards are known only up to a constant).",
                               "√(mean_a (r_φ(a) − r(a)/τ)²), centred"),
        "learned_reward": ("expected learned reward", "What π earns on the reward model r_φ, the number PPO "
                           "maximises (less the KL).", "Σ_a π(a) r_φ(a)"),
        **POLICY_DIAGNOSTICS,
        "loss": ("clipped surrogate loss", "Line 9 at the last epoch; 0 at the first epoch (ρ = 1, advantages "
                 "of mean 0), negative as the policy moves along the advantages.",
                 "−mean_i min(ρ_i A_i, clip(ρ_i, 1−ε, 1+ε) A_i)"),
        "clip_fraction": ("clip fraction", "Fraction of the K samples whose ratio was outside the clip range at "
                          "the last epoch.", "mean_i 1[clipped]"),
        "kl": ("KL per update", "KL(π_old ‖ π): how far one update moved the policy.",
               "Σ_a π_old(a) log(π_old(a)/π(a))"),
    }  # fmt: skip

    @staticmethod
    def grid_class() -> type:
        return GridRLHFPPO

    def init_state(self) -> None:
        super().init_state()  # line 2: theta <- log pi_ref
        if self.config.reward == "true":
            self.r_phi, self.r_target = self.r.copy(), self.r.copy()
        else:
            w, l, tie = self.preference_pairs()  # line 1
            self.r_phi = fit_bradley_terry(w, l, self.k, tie=tie)
            self.r_target = self.r / self.config.temperature  # r_phi estimates it (up to a constant) if unbiased
        self.model_info = self.reward_model_numbers()

    def reward_model_numbers(self) -> dict[str, float]:
        """``reward_model_corr`` and ``reward_model_error`` of r_phi against the true means."""
        centred_phi, centred_r = self.r_phi - self.r_phi.mean(), self.r_target - self.r_target.mean()
        spread = np.linalg.norm(centred_phi) * np.linalg.norm(centred_r)
        corr = float(centred_phi @ centred_r / spread) if spread > 0 else math.nan  # equal arms: no ranking
        error = float(np.sqrt(np.mean((centred_phi - centred_r) ** 2)))
        return {"reward_model_corr": corr, "reward_model_error": error}

    @property
    def pi_star(self) -> np.ndarray:
        """pi* = pi_ref exp(r_target / beta) / Z: the optimum for the reward the labels reveal, r / tau
        (the true r with ``reward: true``), DPO's pi*."""
        return kl_regularised_bandit(self.r_target, self.pi_ref, self.config.beta)

    @property
    def pi_model_star(self) -> np.ndarray:
        """pi_ref exp(r_phi / beta) / Z: the optimum for the reward model, where PPO comes to rest."""
        return kl_regularised_bandit(self.r_phi, self.pi_ref, self.config.beta)

    def learn(self, a: np.ndarray, r: np.ndarray) -> dict[str, Any]:
        """Lines 4-10, then the diagnostics against pi*; the pull (a, r) only feeds the display Q."""
        c = self.config
        theta_old = self.theta.copy()
        pi_old = softmax(theta_old)  # line 4
        samples = self.rng.choice(self.k, size=c.batch_size, p=pi_old)
        R_arm = shaped_reward(self.r_phi, np.log(pi_old), self.log_pi_ref, c.beta)  # line 5
        R = R_arm[samples]
        A = R - R.mean()  # line 6
        for _ in range(c.update_epochs):  # line 7
            L, grad, clip_fraction = clipped_surrogate(self.theta, pi_old, samples, A, c.clip_coef)  # lines 8-9
            self.theta = self.theta - c.lr * grad  # line 10
        self.updates_done += 1
        self.info = {**self.measure(), **self.model_info, "kl_to_model_optimum": kl(self.pi_now(), self.pi_model_star),
                     "learned_reward": float(self.pi_now() @ self.r_phi), "loss": L, "clip_fraction": clip_fraction,
                     "kl": kl(pi_old, self.pi_now())}  # fmt: skip
        Q_old, step, Q_new = self.incremental_update(a, r, None)  # display only
        return {"a": int(a[0]), "r": float(r[0]), "sample": int(samples[0]), "shaped_reward": R_arm,
                "advantage": float(A[0]), "loss": L, "lr": c.lr, "beta": c.beta, "theta_old": theta_old,
                "theta": self.theta.copy(), "grad": grad, "clip_fraction": clip_fraction, "Q_old": Q_old,
                "step_size": step, "Q_new": Q_new}  # fmt: skip

    @property
    def equation(self) -> str:
        return ("θ ← θ + lr · mean_i m_i A_i ρ_i (e_a − π),  "
                "A_i = R_i − mean R,  R = r_φ(a) − β log π_old(a)/π_ref(a)")  # fmt: skip

    def agent_extras(self) -> dict[str, Any]:
        """The shared extras, the reward model r_phi and its optimum."""
        return {**super().agent_extras(), "reward_model": self.r_phi.copy(), "pi_model_star": self.pi_model_star}


class GridRLHFPPO(PreferenceGrid):
    """RLHF-PPO on a gridworld: the reward model r_phi(s, a) from pairs of episodes, then lines
    4'-10 (module docstring)."""

    name = "rlhf-ppo"
    Config = Config
    summary = RLHFPPO.summary
    diagnostics = {
        **GRID_DIAGNOSTICS,
        "kl_to_model_optimum": ("KL to the reward model's optimum", "KL between whole episodes of π and of the "
                                "soft optimum for r_φ: what PPO on r_φ converges to.",
                                "Σ_s d_π(s) KL(π(·|s) ‖ π*_φ(·|s))"),
        "learned_return": ("expected learned return", "What an episode of π earns on the reward model r_φ, the "
                           "number PPO maximises (less the KL).", "E_π[Σ_t r_φ(s_t, a_t)]"),
        "loss": RLHFPPO.diagnostics["loss"],
        "clip_fraction": RLHFPPO.diagnostics["clip_fraction"],
    }  # fmt: skip

    def __init__(self, level: Any, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)  # line 2: theta <- log pi_ref
        if self.config.reward == "true":
            self.r_phi = self.r.copy()
        else:
            self.r_phi = fit_segment_rewards(self.data, self.n_states, self.n_actions)  # line 1

    def model_optimum(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(pi, V, Q) soft-optimal for r_phi: where PPO comes to rest; None where it does not exist."""
        return self.soft_optimum("model", self.r_phi)

    def improve(self) -> dict[str, Any]:
        """Lines 4'-10, then the diagnostics against pi* and the reward model's optimum."""
        c = self.config
        theta_old = self.theta.copy()
        pi_old = softmax(theta_old)
        states, actions = sample_steps(self.model, pi_old, c.batch_size, self.rng)  # line 4'
        R_sa = shaped_reward(self.r_phi, np.log(pi_old), self.log_pi_ref, c.beta)  # line 5'
        alive = states >= 0
        R = np.where(alive, R_sa[np.maximum(states, 0), actions], 0.0)
        G = discounted_returns(R.T, 1.0).T  # line 6': reward-to-go of every step, all episodes at once
        s, a, G = states[alive], actions[alive], G[alive]
        visits = np.maximum(np.bincount(s, minlength=self.n_states), 1)
        baseline = np.bincount(s, weights=G, minlength=self.n_states) / visits  # the batch's mean G from each cell
        A = G - baseline[s]
        for _ in range(c.update_epochs):  # line 7
            L, grad, clip_fraction = clipped_surrogate(self.theta, pi_old, a, A, c.clip_coef, s=s, K=c.batch_size)
            self.theta = self.theta - c.lr * grad  # line 10
        pi = self.pi_now()
        optimum = self.model_optimum()
        d = expected_visits(self.model, pi)
        to_model = math.nan if optimum is None or d is None else float(d @ kl(pi, optimum[0]))
        self.info = {**self.measure(), "kl_to_model_optimum": to_model,
                     "learned_return": episode_return(self.model, pi, self.r_phi), "loss": L,
                     "clip_fraction": clip_fraction}  # fmt: skip
        return {"s": int(s[0]), "a": int(a[0]), "shaped_reward": R_sa, "advantage": float(A[0]), "loss": L,
                "lr": c.lr, "beta": c.beta, "theta_old": theta_old, "theta": self.theta.copy(), "grad": grad,
                "clip_fraction": clip_fraction}  # fmt: skip

    def display_values(self) -> tuple[np.ndarray, np.ndarray]:
        """V and Q of pi for what PPO maximises, the return of r_phi less beta times the KL to
        pi_ref at every step (gamma = 1): the soft V and Q of r_phi once PPO reaches its optimum."""
        return self.policy_values(self.r_phi)

    def agent_extras(self) -> dict[str, Any]:
        """The shared extras and the reward model r_phi(s, a)."""
        return {**super().agent_extras(), "reward_learned": self.r_phi.copy()}

    @property
    def equation(self) -> str:
        return ("θ ← θ + lr · (1/K) Σ_t m_t A_t ρ_t (e_a − π(·|s_t)),  A_t = G_t − mean G in s_t,  "
                "R_t = r_φ(s_t,a_t) − β log π_old(a_t|s_t)/π_ref(a_t|s_t)")  # fmt: skip
