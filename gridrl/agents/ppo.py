"""PPO: Proximal Policy Optimization (Schulman et al. 2017, Algorithm 1).

An actor-critic that collects a batch of experience with the current policy pi_old, then
takes *several* gradient steps on it. Reusing data means the new policy pi_theta drifts away
from the pi_old that sampled it, so every sample is re-weighted by the importance ratio
rho_t = pi_theta(a_t|s_t) / pi_old(a_t|s_t), and the step is kept proximal -- near pi_old --
by one of three objectives (``objective``):

* ``clip`` (PPO eq. 7):  L = E[min(rho_t A_hat_t, clip(rho_t, 1 - eps, 1 + eps) A_hat_t)]
* ``kl-penalty`` (eq. 8): L = E[rho_t A_hat_t] - beta KL(pi_old || pi_theta), with beta
  adapted after every update toward a target KL (section 4)
* ``none`` (eq. 6, L^CPI): L = E[rho_t A_hat_t], no constraint at all -- the baseline the
  paper shows falling apart when the same batch is reused for many epochs.

    PPO, actor-critic style (Schulman et al. 2017, Algorithm 1)
    1  for iteration = 1, 2, ... do
    2      for actor = 1, 2, ..., N do                        (N = num_envs, in parallel)
    3          run policy pi_old in the environment for T timesteps      (T = num_steps)
    4          compute advantage estimates A_hat_1, ..., A_hat_T          (GAE(gamma, lam))
    5      end for
    6      optimise surrogate L wrt theta, with K epochs and minibatch size M <= NT
                  (K = update_epochs, NT / M = num_minibatches; the loss is eq. 9:
                   -L + vf_coef * value loss - ent_coef * entropy)
    7      theta_old <- theta                 (kl-penalty: then adapt beta toward target_kl)
    8  end for

Departures from the textbook, each a flag a student can switch off to see what it does:
``norm_adv`` (normalise A_hat over the batch), ``clip_vloss`` (clip the value update like the
policy's), ``max_grad_norm`` (clip the gradient's global norm) and ``kl_early_stop`` (stop the
epochs once the policy has moved too far). They follow CleanRL's ``ppo.py`` and "The 37
implementation details of PPO" (Huang et al. 2022). ``norm_adv`` is off by default here, and
the batch is large (32 environments x 64 steps): on a gridworld most steps cost the same small
amount and only the goal pays, so normalising a batch that has not yet seen the goal blows the
step costs' noise up to unit-size advantages, and 4 x 32-step batches are too few and too
alike to see it often. With 4 x 32 and normalised advantages the greedy policy wandered or
looped on trap_maze, windy_gridworld and both Frozen Lakes; with 32 x 64 raw advantages every
bundled gridworld is solved on seeds 0-4, frozen_lake_8x8 in about 10 s (bench/defaults_matrix.py).

A bandit pull is a one-step episode here: the next pull does not depend on this action, so
its return is just r and A_hat = r - V (the critic learns the mean reward of the policy).

:class:`OnPolicyAgent` -- rollout collection, networks, insight -- is shared with TRPO.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from gridrl.agents.base import hp
from gridrl.agents.common.deep import diagnostics_of
from gridrl.agents.common.onpolicy import OnPolicyAgent, Samples, check_minibatches
from gridrl.agents.common.policy import approx_kl, categorical_kl, entropy, log_softmax
from gridrl.agents.common.rollout import Batch
from gridrl.levels import Level

OBJECTIVES = ("clip", "kl-penalty", "none")


@dataclass(frozen=True)
class Config:
    """PPO's hyperparameters (CleanRL's names): rollout size, GAE, the surrogate, the optimiser."""

    num_envs: int = hp(32, "N: environments stepped in parallel", low=1, high=1024)
    num_steps: int = hp(64, "T: steps of every environment per rollout (batch = N * T)", low=1, high=100_000)
    lr: float = hp(0.001, "Adam step size of actor and critic", low=0.0, high=1.0, low_open=True)
    gamma: float | None = hp(None, "discount gamma; none = the level's", low=0.0, high=1.0, optional=True)
    lam: float = hp(0.95, "GAE lambda: 0 = one-step TD advantage, 1 = Monte Carlo", low=0.0, high=1.0)
    objective: str = hp("clip", "surrogate: clipped ratio, adaptive KL penalty, or none (unconstrained)",
                        choices=OBJECTIVES)  # fmt: skip
    clip_coef: float = hp(0.2, "eps: rho is clipped to [1 - eps, 1 + eps]", low=0.0, high=1.0, low_open=True)
    target_kl: float = hp(0.01, "d_targ: the KL per update kl-penalty steers beta toward (and kl_early_stop's limit)",
                          low=0.0, low_open=True)  # fmt: skip
    beta: float = hp(1.0, "initial KL-penalty weight beta (kl-penalty only; the paper starts at 1)", low=0.0)
    update_epochs: int = hp(4, "K: passes over each batch", low=1, high=1000)
    num_minibatches: int = hp(4, "minibatches per epoch (minibatch size M = N * T / this)", low=1, high=100_000)
    vf_coef: float = hp(0.5, "c1: weight of the value loss", low=0.0)
    ent_coef: float = hp(0.01, "c2: weight of the entropy bonus (keeps exploring)", low=0.0)
    norm_adv: bool = hp(False, "normalise A_hat to mean 0, std 1 per batch: one step size fits any reward scale")
    clip_vloss: bool = hp(True, "clip V's change to eps like rho's: keeps the critic near V_old too")
    max_grad_norm: float | None = hp(0.5, "clip the gradient's global norm to this (none = off): no huge steps",
                                     low=0.0, low_open=True, optional=True)  # fmt: skip
    kl_early_stop: bool = hp(False, "stop the epochs once approx_kl > 1.5 target_kl (SB3): a cheap trust region")
    hidden: int = hp(64, "width of the two hidden layers of actor and critic", low=1, high=1024)
    obs: str = hp("onehot", "observation: one-hot cell or (row, col) coordinates", choices=("onehot", "coords"))

    def __post_init__(self) -> None:
        check_minibatches(self)


# --------------------------------------------------------------------------- the losses


def clip_active(rho: torch.Tensor, A_hat: torch.Tensor, eps: float) -> torch.Tensor:
    """Where min(rho A, clip(rho) A) takes the clipped term and so has zero gradient.

    The table of the course notes: A > 0 and rho > 1 + eps (a good action already made more
    likely), or A < 0 and rho < 1 - eps (a bad action already made less likely).
    """
    return ((A_hat > 0) & (rho > 1 + eps)) | ((A_hat < 0) & (rho < 1 - eps))


def ppo_loss(
    logits: torch.Tensor,
    V: torch.Tensor,
    mb: Samples,
    *,
    objective: str = "clip",
    clip_coef: float = 0.2,
    beta: float = 1.0,
    clip_vloss: bool = True,
    vf_coef: float = 0.5,
    ent_coef: float = 0.01,
) -> tuple[torch.Tensor, dict[str, float]]:
    """The loss of one minibatch (PPO eq. 9, to minimise) and its diagnostics.

        rho_t  = exp(log pi(a_t|s_t) - log pi_old(a_t|s_t))                     (eq. 6's r_t)
        L      = mean of min(rho A_hat, clip(rho, 1-eps, 1+eps) A_hat)           (eq. 7, clip)
               | mean of rho A_hat - beta KL(pi_old || pi)                       (eq. 8, kl-penalty)
               | mean of rho A_hat                                               (eq. 6, none)
        L^VF   = 1/2 mean (V - R)^2, or with clip_vloss
                 1/2 mean max((V - R)^2, (V_old + clip(V - V_old, -eps, eps) - R)^2)
        loss   = -L + vf_coef L^VF - ent_coef H(pi)

    ``logits`` (M, A) and ``V`` (M,) are the networks' outputs for the minibatch's states.
    Diagnostics: ``approx_kl`` is mean((rho - 1) - log rho), an estimator of KL(pi_old || pi)
    that is >= 0 for every sample (Schulman's "k3"); ``clip_fraction`` is the fraction with
    |rho - 1| > eps (CleanRL's), ``clip_active_fraction`` the fraction whose gradient the clip
    zeroed; ``kl`` the exact mean KL(pi_old || pi) over actions.
    """
    if objective not in OBJECTIVES:
        raise ValueError(f"objective must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    logp_all = log_softmax(logits)
    logp = logp_all.gather(-1, mb.actions.unsqueeze(-1)).squeeze(-1)
    log_rho = logp - mb.logp_old
    rho = log_rho.exp()  # rho_t = pi / pi_old
    A_hat = mb.A_hat
    kl = categorical_kl(mb.logp_old_all, logp_all).mean()  # KL(pi_old || pi), exact over actions
    if objective == "clip":
        L = torch.min(rho * A_hat, torch.clamp(rho, 1 - clip_coef, 1 + clip_coef) * A_hat).mean()  # eq. 7
    elif objective == "kl-penalty":
        L = (rho * A_hat).mean() - beta * kl  # eq. 8
    else:
        L = (rho * A_hat).mean()  # eq. 6
    if clip_vloss:
        V_clipped = mb.V_old + torch.clamp(V - mb.V_old, -clip_coef, clip_coef)
        value_loss = 0.5 * torch.max((V - mb.returns) ** 2, (V_clipped - mb.returns) ** 2).mean()
    else:
        value_loss = 0.5 * ((V - mb.returns) ** 2).mean()
    H = entropy(logp_all).mean()
    loss = -L + vf_coef * value_loss - ent_coef * H  # eq. 9 (with the signs of a loss)
    with torch.no_grad():
        info = {
            "policy_loss": float(-L), "value_loss": float(value_loss), "entropy": float(H),
            "approx_kl": float(approx_kl(log_rho)), "kl": float(kl),
            "clip_fraction": float(((rho - 1).abs() > clip_coef).float().mean()),
            "clip_active_fraction": float(clip_active(rho, A_hat, clip_coef).float().mean()),
            "ratio_min": float(rho.min()), "ratio_max": float(rho.max()),
        }  # fmt: skip
    return loss, info


def adapt_beta(beta: float, kl: float, target_kl: float) -> float:
    """The PPO paper's rule (section 4), after each update with d = mean KL(pi_old || pi):

    if d < d_targ / 1.5: beta <- beta / 2;  if d > d_targ * 1.5: beta <- beta * 2.
    """
    if kl < target_kl / 1.5:
        return beta / 2
    if kl > target_kl * 1.5:
        return beta * 2
    return beta


# --------------------------------------------------------------------------- PPO


class PPO(OnPolicyAgent):
    name = "ppo"
    Config = Config
    summary = "reuses each batch for several epochs, kept near pi_old by a clipped ratio or a KL penalty"
    diagnostics = diagnostics_of(
        "clip_fraction", "approx_kl", "entropy", "explained_variance", "value_loss", "policy_loss", "kl",
        "clip_active_fraction", "ratio_min", "ratio_max", "epochs", "beta", "beta_next",
        clip_fraction=("clip fraction", "Share of samples whose ratio ρ = π/π_old left [1−ε, 1+ε]. "
                                        "Healthy: about 0.05–0.2; near 0.5 the steps are too large.",
                       "mean_t 1[|ρ_t − 1| > ε],  ρ_t = π(a_t|s_t) / π_old(a_t|s_t)"),
        approx_kl=("approx. KL(π_old ‖ π)", "How far one update moved the policy (mean of (ρ−1) − log ρ). "
                                             "Healthy: about 0.01–0.02; above ~0.05 the step was too big.",
                   "mean_t (ρ_t − 1) − log ρ_t"),
        kl=("KL(π_old ‖ π)", "The exact KL divergence between the policy before and after the update, "
                             "averaged over the batch's states. Small (≈ 0.01) means a careful step.",
            "mean_t Σ_a π_old(a|s_t) log(π_old(a|s_t) / π(a|s_t))"),
        clip_active_fraction=("clip active fraction", "Share of samples where the clip changed the "
                                                      "gradient (ρ outside the range in the direction of A). "
                                                      "Usually below the clip fraction; 0 means no clipping.",
                              "mean_t 1[min(ρ_t Â_t, clip(ρ_t, 1−ε, 1+ε) Â_t) ≠ ρ_t Â_t]"),
        ratio_min=("smallest ratio ρ", "The smallest π/π_old in the batch after the update; far below 1−ε "
                                       "means some actions lost much probability.",
                   "min_t ρ_t"),
        ratio_max=("largest ratio ρ", "The largest π/π_old in the batch after the update; far above 1+ε "
                                      "means some actions gained much probability.",
                   "max_t ρ_t"),
        epochs=("epochs run", "Passes over the batch this update made; fewer than set means target_kl "
                              "stopped it early.",
                "K' ≤ K: epochs run before approx KL > target_kl"),
        beta=("KL penalty β", "The KL penalty's weight this update used (KL variant); it adapts to keep "
                              "the KL near its target.",
              "β in L = mean_t ρ_t Â_t − β KL(π_old ‖ π)"),
        beta_next=("next KL penalty β", "The weight the next update will use: doubled after a too-large "
                                        "KL, halved after a too-small one.",
                   "β ← 2β if KL > 1.5 d; β/2 if KL < d / 1.5  (d = target KL)"),
    )

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        c = self.config
        self.optimizer = self.adam("actor_critic", [self.actor, self.critic], lr=c.lr, eps=1e-5)
        self.beta = float(c.beta)

    @property
    def equation(self) -> str:  # type: ignore[override]
        return {
            "clip": "L = min(rho A_hat, clip(rho, 1-eps, 1+eps) A_hat),  rho = pi(a|s) / pi_old(a|s)",
            "kl-penalty": "L = rho A_hat - beta KL(pi_old || pi),  rho = pi(a|s) / pi_old(a|s)",
            "none": "L = rho A_hat,  rho = pi(a|s) / pi_old(a|s)",
        }[self.config.objective]

    def explain_sample(self, rho: torch.Tensor, A_hat: torch.Tensor, info: dict[str, Any]) -> dict[str, Any]:
        """For the inspector: eps and whether the clip zeroed this sample's gradient, or beta."""
        c = self.config
        if c.objective == "clip":
            return {"eps": c.clip_coef, "clip_active": bool(clip_active(rho, A_hat, c.clip_coef))}
        if c.objective == "kl-penalty":
            return {"beta": info["beta"]}
        return {}

    def learn(self, batch: Batch, obs: torch.Tensor, mb: Samples) -> tuple[dict[str, Any], torch.Tensor]:
        """Line 6: K epochs of minibatch Adam steps on eq. 9; line 7: adapt beta.

        The diagnostics are the means over the update's minibatches (each measured before its
        step), ratio_min / ratio_max over all of them, and ``kl``: the exact mean
        KL(pi_old || pi) over the batch where the update ended (what beta adapts to).
        """
        c = self.config
        infos: list[dict[str, float]] = []
        epochs, stopped = 0, False
        for _ in range(c.update_epochs):
            epoch_kl = []
            for idx in self.minibatches(len(mb)):
                loss, info = ppo_loss(
                    self.actor(obs[idx]), self.critic(obs[idx]).squeeze(-1), mb[idx],
                    objective=c.objective, clip_coef=c.clip_coef, beta=self.beta,
                    clip_vloss=c.clip_vloss, vf_coef=c.vf_coef, ent_coef=c.ent_coef,
                )  # fmt: skip
                self.optimizer.step(loss, c.max_grad_norm)
                infos.append(info)
                epoch_kl.append(info["approx_kl"])
            epochs += 1
            if c.kl_early_stop and np.mean(epoch_kl) > 1.5 * c.target_kl:
                stopped = True
                break
        with torch.no_grad():  # where the update ended: rho and the KL it moved
            logp_all = self.actor.log_probs(obs)
            rho = (logp_all.gather(-1, mb.actions.unsqueeze(-1)).squeeze(-1) - mb.logp_old).exp()
            kl = float(categorical_kl(mb.logp_old_all, logp_all).mean())
        info = {name: float(np.mean([i[name] for i in infos])) for name in infos[0]}
        info["ratio_min"] = min(i["ratio_min"] for i in infos)
        info["ratio_max"] = max(i["ratio_max"] for i in infos)
        info.update(kl=kl, epochs=epochs, stopped_early=stopped)
        if c.objective == "kl-penalty":
            info["beta"] = self.beta  # the beta this update used ...
            self.beta = adapt_beta(self.beta, kl, c.target_kl)  # line 7
            info["beta_next"] = self.beta  # ... and the one the next will use
        return info, rho

    # ------------------------------------------------------------------ save, load

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "beta": self.beta}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        state = dict(state)
        self.beta = float(state.pop("beta", self.beta))
        super().load_state_dict(state)
