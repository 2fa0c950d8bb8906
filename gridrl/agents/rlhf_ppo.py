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
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import hp
from gridrl.agents.common.bandit import softmax
from gridrl.agents.common.preference import POLICY_DIAGNOSTICS, PreferenceBandit, PreferenceConfig
from gridrl.preferences.optimum import kl, kl_regularised_bandit
from gridrl.preferences.reward_model import fit_bradley_terry

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


def clipped_surrogate(theta: np.ndarray, pi_old: np.ndarray, a: np.ndarray, A: np.ndarray,
                      eps: float) -> tuple[float, np.ndarray, float]:  # fmt: skip
    """Line 9 and the gradient of line 10: (L, grad_theta L, fraction of samples clipped).

    L = -(1/K) sum_i min(rho_i A_i, clip(rho_i, 1 - eps, 1 + eps) A_i), rho_i = pi(a_i) / pi_old(a_i);
    grad_theta L = -(1/K) sum_i m_i A_i rho_i (e_a_i - pi), m_i = 0 on the clipped side.
    """
    pi = softmax(theta)
    rho = pi[a] / pi_old[a]
    L = -float(np.minimum(rho * A, np.clip(rho, 1 - eps, 1 + eps) * A).mean())
    clipped = ((A > 0) & (rho > 1 + eps)) | ((A < 0) & (rho < 1 - eps))
    push = np.where(clipped, 0.0, A * rho) / a.size
    grad = -(np.bincount(a, weights=push, minlength=theta.size) - pi * push.sum())
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

    def init_state(self) -> None:
        super().init_state()  # line 2: theta <- log pi_ref
        if self.config.reward == "true":
            self.r_phi, self.r_target = self.r.copy(), self.r.copy()
        else:
            w, l = self.synthetic_pairs()  # line 1
            self.r_phi = fit_bradley_terry(w, l, self.k)
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
