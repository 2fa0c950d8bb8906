"""GRPO: Group Relative Policy Optimization (Shao et al. 2024, DeepSeekMath §4.1, Algorithm 1),
with the variants practitioners now toggle: Dr. GRPO (Liu et al. 2025, "Understanding
R1-Zero-like training") and DAPO (Yu et al. 2025).

PPO's clipped surrogate without a critic: the baseline of an episode is the mean outcome of
a *group* of episodes sampled from the same start, the way an LLM samples G answers to one
question. Adapted here to gridworlds (the question is the start cell, an answer is an
episode) and bandits (the question is the bandit, an answer is one pull). The sampling is
shared with RLOO (``gridrl/agents/common/groups.py``).

    GRPO, one group per update
    1  Initialise pi_theta; pi_ref <- pi_theta                     (no pi_ref at all if beta = 0)
    2  Loop for each update k = 0, 1, 2, ...:
    3      If beta > 0, ref_update > 0 and k mod ref_update = 0: pi_ref <- pi_theta
    4      pi_old <- pi_theta; pick a start cell s_0 (uniformly among the level's start cells)
    5      Sample G episodes o_1 .. o_G ~ pi_old from s_0 in parallel, until all have ended
    6      R_i <- sum_t gamma^t r_{i,t+1}                      (outcome reward of episode i)
    7      A_i <- (R_i - mean(R)) / (std(R) + eps_std)   (scale_by_std, GRPO)
              A_i <- R_i - mean(R)                         (Dr. GRPO);  either way 0 if std(R) = 0
    8      Repeat update_epochs times:
    9          rho_{i,t} <- pi_theta(a_{i,t} | s_{i,t}) / pi_old(a_{i,t} | s_{i,t})
    10         D_{i,t}   <- pi_ref/pi_theta - log(pi_ref/pi_theta) - 1     (at a_{i,t}, s_{i,t})
    11         J <- Agg_{i,t} [min(rho_{i,t} A_i, clip(rho_{i,t}, 1-eps_low, 1+eps_high) A_i) - beta D_{i,t}]
                  Agg = 1/G sum_i 1/|o_i| sum_t        (aggregation "sequence", GRPO)
                      | 1/(sum_i |o_i|) sum_i sum_t     ("token", DAPO)
                      | 1/(G L_max) sum_i sum_t         ("constant", Dr. GRPO)
    12         theta <- theta + Adam step along grad J

Choices a student should know about:

* **Which return.** R_i is the *discounted* return from the start, with the level's gamma
  (``gamma`` overrides; ``gamma=1`` gives the undiscounted outcome reward of the paper). On
  "corridor" every episode eventually reaches the goal and earns +1: undiscounted, every
  group would tie and GRPO would learn nothing; discounted, shorter episodes win.
* **Zero-signal groups.** With reward only at the goal, early groups often all fail: every
  R_i is equal, std(R) = 0, and line 7 gives A = 0 -- the group teaches nothing (only the KL
  and entropy terms still pull). This is GRPO's known weakness with sparse outcomes; larger
  groups make a success in the group more likely. ``info["zero_signal"]`` says when it happens.
* **Dividing by std(R)** (``scale_by_std``). It weighs groups unequally: a group of nearly
  tied returns (almost all fail, or almost all succeed: questions too hard or too easy) gets
  its small differences blown up to unit size, and dominates the update. Dr. GRPO drops the
  division, so a group's weight is its real spread of returns.
* **Loss aggregation and length bias** (``aggregation``, see :func:`aggregate`). GRPO's
  "sequence" averages each episode over its own length, so each step of a long episode
  counts less than a step of a short one: long failures are punished gently per step and
  short successes rewarded strongly -- a bias towards long wrong episodes. "token" and
  "constant" weigh every step alike.
* **Asymmetric clipping** (``clip_low`` / ``clip_high``, DAPO's "clip-higher"). With
  symmetric eps, an action of probability 0.01 can grow only to 0.012 per update while one
  of 0.9 can reach 1: the clip throttles exactly the rare actions exploration needs. A larger
  eps_high (DAPO: 0.28 against eps_low 0.2) lets them grow further.
* **beta = 0** drops the KL term and the reference policy with it: no copy of pi is kept,
  no D is computed, and ``kl_ref`` is absent from the update's info (DAPO and Dr. GRPO both
  train with beta = 0).
* **Truncation.** An episode cut by ``max_episode_steps`` keeps the return it got. There is no
  critic to bootstrap from: for GRPO the time limit is part of the task.
* **Bandits.** A group is G pulls of the same bandit (on a testbed the G copies share env
  0's true values, so the group compares arms of one bandit), one update per step.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from gridrl.agents.base import hp
from gridrl.agents.common.deep import diagnostics_of
from gridrl.agents.common.groups import GROUP_DIAGNOSTICS, GroupAgent, GroupBatch, tied
from gridrl.levels import Level

#: Added to std(R) in line 7: keeps A finite for nearly-tied groups (a numerical guard only).
EPS_STD = 1e-8
#: Line 11's ways to sum a group's steps into J (see :func:`aggregate`).
AGGREGATIONS = ("sequence", "token", "constant")


@dataclass(frozen=True)
class Config:
    """GRPO's hyperparameters: group size G, the clipped surrogate, the KL to pi_ref, and
    the Dr. GRPO / DAPO variants (advantage scaling, loss aggregation, asymmetric clip)."""

    group_size: int = hp(16, "G: episodes sampled from one start per update (the group)", low=2, high=1024)
    # Every group's advantages have unit size, and 4 epochs of 0.003 on each left 3 of 65
    # gridworld runs deterministic on a longer path; 0.001 is slower and stranded another.
    lr: float = hp(0.002, "Adam step size of the policy", low=0.0, high=1.0, low_open=True)
    clip_coef: float = hp(0.2, "eps: rho is clipped to [1 - eps, 1 + eps]", low=0.0, high=1.0, low_open=True)
    clip_low: float | None = hp(
        None, "eps_low: rho is clipped below at 1 - eps_low (DAPO, Yu et al. 2025); none = clip_coef",
        low=0.0, high=1.0, low_open=True, optional=True,
    )  # fmt: skip
    clip_high: float | None = hp(
        None, "eps_high: rho is clipped above at 1 + eps_high; DAPO's clip-higher raises it (0.28) so rare "
        "actions can grow; none = clip_coef",
        low=0.0, high=10.0, low_open=True, optional=True,
    )  # fmt: skip
    scale_by_std: bool = hp(
        True, "divide A_i by std(R) (GRPO); off = A_i = R_i - mean(R), Dr. GRPO (Liu et al. 2025)",
    )  # fmt: skip
    aggregation: str = hp(
        "sequence", "how J sums steps: per-episode means (GRPO), per step (token, DAPO, Yu et al. 2025) "
        "or over G * L_max (constant, Dr. GRPO, Liu et al. 2025)",
        choices=AGGREGATIONS,
    )  # fmt: skip
    beta: float = hp(0.01, "weight of the KL penalty to the reference policy; 0 = no reference at all",
                     low=0.0, high=10.0)  # fmt: skip
    ref_update: int = hp(10, "refresh pi_ref <- pi every this many updates; 0 = never", low=0, high=1_000_000)
    update_epochs: int = hp(4, "gradient steps on each group", low=1, high=100)
    max_episode_steps: int | None = hp(
        None, "cut sampled episodes after this many steps (at most the level's max_steps); none = max_steps",
        low=1, optional=True,
    )  # fmt: skip
    ent_coef: float = hp(0.0, "entropy bonus weight (0 = GRPO as published)", low=0.0, high=1.0)
    hidden: int = hp(64, "width of the policy network's two hidden layers", low=1, high=1024)
    obs: str = hp("onehot", "observation: one-hot cell or (row, col) features", choices=("onehot", "coords"))
    gamma: float | None = hp(
        None, "discount of the outcome R_i; none = the level's, 1 = undiscounted",
        low=0.0, high=1.0, optional=True,
    )  # fmt: skip

    @property
    def num_envs(self) -> int:
        """The G episodes of a group run in G vectorised environments."""
        return self.group_size

    @property
    def clip_range(self) -> tuple[float, float]:
        """(eps_low, eps_high), each clip_coef unless set."""
        low = self.clip_coef if self.clip_low is None else self.clip_low
        high = self.clip_coef if self.clip_high is None else self.clip_high
        return low, high


# --------------------------------------------------------------------------- the math


def group_advantages(R: np.ndarray, scale_by_std: bool = True, eps_std: float = EPS_STD) -> tuple[np.ndarray, bool]:
    """Line 7: A_i = (R_i - mean(R)) / (std(R) + eps_std), and whether the group has no signal.

    std is the population standard deviation of the G returns (ddof 0), so the A_i have mean
    0 and standard deviation 1 (up to eps_std). Without ``scale_by_std`` (Dr. GRPO) A_i =
    R_i - mean(R): mean 0, and the group's own spread. If every R_i is the same the group
    carries no signal: all A_i = 0 (not 0/eps noise), and the second value is True.
    """
    R = np.asarray(R, dtype=np.float64)
    if tied(R):
        return np.zeros_like(R), True
    centred = R - R.mean()
    return (centred / (R.std() + eps_std) if scale_by_std else centred), False


def kl_estimator(logp: torch.Tensor, logp_ref: torch.Tensor) -> torch.Tensor:
    """Line 10 (DeepSeekMath eq. 4): D = pi_ref/pi - log(pi_ref/pi) - 1 at the sampled action.

    With x = pi_ref/pi, D = x - log x - 1 >= 0 (log x <= x - 1), and 0 exactly when pi = pi_ref.
    Under a ~ pi it is unbiased for KL(pi || pi_ref): E[pi_ref/pi] = sum_a pi_ref(a) = 1, so
    E[D] = 1 + E[log(pi/pi_ref)] - 1 = KL(pi || pi_ref) -- and, unlike log(pi/pi_ref) itself,
    it is never negative on a single sample.
    """
    log_ratio = logp_ref - logp  # log(pi_ref / pi)
    return torch.exp(log_ratio) - log_ratio - 1.0


def episode_mean(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """1/G sum_i 1/|o_i| sum_t x_{i,t} for x and mask of shape (T, G): each episode weighs 1/G.

    ``mask[t, i]`` is 1 while episode i is running (|o_i| = sum_t mask[t, i]), 0 after it ended.
    """
    per_episode = (x * mask).sum(0) / mask.sum(0).clamp(min=1.0)
    return per_episode.mean()


def aggregate(x: torch.Tensor, mask: torch.Tensor, aggregation: str = "sequence", L_max: int = 1) -> torch.Tensor:
    """Line 11's Agg: the steps x_{i,t} of a group (T, G) summed into one number, and the
    length bias each way has. A step of episode i weighs

    * ``sequence`` (GRPO): 1/(G |o_i|). Each episode weighs 1/G however long, so the steps of
      a long episode each count less. With A_i < 0 a long failure is pushed down gently per
      step, a short one hard; with A_i > 0 short successes are pushed up hardest. The policy
      drifts towards long failures (the length bias Dr. GRPO points out).
    * ``token`` (DAPO): 1/sum_j |o_j|. Every step of the group weighs the same, so a long
      episode counts in proportion to its length; what remains is that the weight of a step
      depends on how long the *group* ran (a group of long episodes moves pi less per step).
    * ``constant`` (Dr. GRPO): 1/(G L_max), L_max the longest an episode may run (the sampling
      cap; 1 on a bandit). The same weight for every step of every group: the gradient is the
      plain policy gradient 1/G sum_i A_i sum_t grad log pi, scaled by a constant, with no
      bias from any length.
    """
    if aggregation == "sequence":
        return episode_mean(x, mask)
    total = (x * mask).sum()
    if aggregation == "token":
        return total / mask.sum().clamp(min=1.0)
    if aggregation == "constant":
        return total / (mask.shape[1] * L_max)
    raise ValueError(f"aggregation must be one of {', '.join(AGGREGATIONS)}, got '{aggregation}'")


def grpo_loss(
    logp: torch.Tensor,
    logp_old: torch.Tensor,
    logp_ref: torch.Tensor | None,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    clip_range: tuple[float, float],
    beta: float,
    entropy: torch.Tensor | None = None,
    ent_coef: float = 0.0,
    aggregation: str = "sequence",
    L_max: int = 1,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Lines 9-11: the loss -J (minus ``ent_coef`` times the aggregated entropy) and diagnostics.

    Every tensor is (T, G): step t of episode i, ``mask`` 1 where the step belongs to o_i;
    ``advantages`` holds A_i in every step of episode i (column i). ``clip_range`` is
    (eps_low, eps_high); ``logp_ref`` None means there is no reference (beta = 0): no D term
    and no ``kl_ref`` in the info. Returns ``(loss, info)`` with J, the surrogate and KL
    terms, the clip fraction (fraction of steps whose rho left [1 - eps_low, 1 + eps_high]),
    the mean KL estimate and the mean entropy, all aggregated as J is (the clip fraction over
    steps).
    """
    eps_low, eps_high = clip_range
    rho = torch.exp(logp - logp_old)  # line 9: rho = pi / pi_old
    surrogate = torch.min(rho * advantages, torch.clamp(rho, 1 - eps_low, 1 + eps_high) * advantages)
    objective = surrogate
    if logp_ref is not None:
        D = kl_estimator(logp, logp_ref)  # line 10
        objective = surrogate - beta * D
    J = aggregate(objective, mask, aggregation, L_max)  # line 11
    loss = -J
    info: dict[str, float] = {}
    if entropy is not None:
        H = aggregate(entropy, mask, aggregation, L_max)
        loss = loss - ent_coef * H
        info["entropy"] = float(H.detach())
    with torch.no_grad():
        clipped = ((rho - 1.0 > eps_high) | (1.0 - rho > eps_low)).float()
        info.update(
            J=float(J.detach()), surrogate=float(aggregate(surrogate, mask, aggregation, L_max)),
            clip_fraction=float((clipped * mask).sum() / mask.sum().clamp(min=1.0)),
        )  # fmt: skip
        if logp_ref is not None:
            info["kl_ref"] = float(aggregate(D, mask, aggregation, L_max))
    return loss, info


# --------------------------------------------------------------------------- the agent


class GRPO(GroupAgent):
    """GRPO on a gridworld or a bandit: G episodes from one start, group-relative advantages.

    Units as every group agent's (:class:`~gridrl.agents.common.groups.GroupAgent`).
    """

    name = "grpo"
    Config = Config
    level_kinds = ("gridworld", "bandit")
    summary = "PPO's clipped surrogate without a critic: a group's mean outcome is the baseline"
    diagnostics = diagnostics_of(
        "kl_ref", "return_std", "clip_fraction", "entropy", "mean_return", "zero_signal_fraction", "J",
        "surrogate", "loss", "mean_length", "group_size", "start_state",
        **GROUP_DIAGNOSTICS,
        kl_ref=("KL to the reference", "Estimated KL(π ‖ π_ref) to the frozen reference policy, weighted by β "
                                       "in the loss. It grows slowly as the policy learns; a fast climb "
                                       "means β is too small. Absent with β = 0 (no reference).",
                "mean_i 1/|o_i| Σ_t [π_ref/π − log(π_ref/π) − 1]"),
        clip_fraction=("clip fraction", "Share of steps whose ratio ρ = π/π_old left [1−ε_low, 1+ε_high]. "
                                        "Healthy: about 0.05–0.2.",
                       "mean_t 1[ρ_t < 1−ε_low or ρ_t > 1+ε_high],  ρ_t = π(a_t|s_t) / π_old(a_t|s_t)"),
        J=("objective J", "The clipped surrogate minus β times the KL to the reference, aggregated over the "
                          "group's steps (per episode, per step or over G·L_max): what the update maximises.",
           "1/G Σ_i 1/|o_i| Σ_t [min(ρ A_i, clip(ρ, 1−ε_low, 1+ε_high) A_i) − β D]"),
        surrogate=("clipped surrogate", "Mean over episodes of min(ρA, clip(ρ)A); near 0 at the start of "
                                        "each update, since ρ = 1 there.",
                   "1/G Σ_i 1/|o_i| Σ_t min(ρ A_i, clip(ρ, 1−ε_low, 1+ε_high) A_i)"),
    )  # fmt: skip

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        # line 1: pi_ref <- pi; with beta = 0 the KL term is gone, and so is the reference.
        self.ref_policy = copy.deepcopy(self.policy).requires_grad_(False) if self.config.beta > 0 else None

    def advantages(self, R: np.ndarray) -> tuple[np.ndarray, bool]:
        return group_advantages(R, self.config.scale_by_std)  # line 7

    def fit(self, batch: GroupBatch, A: torch.Tensor) -> tuple[dict[str, Any], dict[str, Any]]:
        """Lines 3 and 8-12 on the finished group."""
        c = self.config
        shape, mask, logp_old = batch.shape, batch.mask, batch.logp_old
        logp_ref = None
        if self.ref_policy is not None:
            if c.ref_update > 0 and self.updates_done % c.ref_update == 0:
                self.ref_policy.load_state_dict(self.policy.state_dict())  # line 3
            with torch.no_grad():
                logp_ref = self.ref_policy.evaluate(batch.obs, batch.actions)[0].reshape(shape)
        for _ in range(c.update_epochs):  # line 8
            logp, entropy = self.policy.evaluate(batch.obs, batch.actions)
            loss, info = grpo_loss(
                logp.reshape(shape), logp_old, logp_ref, A, mask, c.clip_range, c.beta,
                entropy.reshape(shape), c.ent_coef, c.aggregation, self.L_max,
            )  # lines 9-11
            self.optimizer.step(loss)  # line 12
        with torch.no_grad():
            logp_new = self.policy.evaluate(batch.obs, batch.actions)[0].reshape(shape)
        rho0 = torch.exp(logp_new - logp_old)[:, 0][mask[:, 0] > 0].numpy().astype(np.float64)
        eps_low, eps_high = c.clip_range
        backup = {
            "rho": rho0, "clipped": (rho0 - 1.0 > eps_high) | (1.0 - rho0 > eps_low),
            "clip_low": eps_low, "clip_high": eps_high,
        }  # fmt: skip
        return {"loss": float(loss.detach()), **info}, backup

    def equation(self) -> str:
        c = self.config
        A = "(R_i - mean R) / std R" if c.scale_by_std else "R_i - mean R"
        agg = {"sequence": "1/G sum_i 1/|o_i| sum_t", "token": "1/sum_i |o_i| sum_i sum_t",
               "constant": "1/(G L_max) sum_i sum_t"}[c.aggregation]  # fmt: skip
        kl = " - beta D_KL" if c.beta > 0 else ""
        return f"A_i = {A};  J = {agg} [min(rho A_i, clip(rho, 1-eps_low, 1+eps_high) A_i){kl}]"

    # ------------------------------------------------------------------ save

    def networks(self) -> dict[str, nn.Module]:
        """pi_theta and pi_ref (needed to go on training exactly where the run stopped)."""
        if self.ref_policy is None:
            return {"policy": self.policy}
        return {"policy": self.policy, "ref_policy": self.ref_policy}
