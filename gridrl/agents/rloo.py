"""RLOO: REINFORCE Leave-One-Out (Kool, van Hoof & Welling 2019, "Buy 4 REINFORCE samples,
get a baseline for free!"; Ahmadian et al. 2024, "Back to basics: revisiting REINFORCE style
optimization for learning from human feedback in LLMs").

REINFORCE with k samples from one start, each judged against the mean of the *other* k - 1:

    RLOO, one group per update
    1  Initialise pi_theta
    2  Loop for each update:
    3      Pick a start cell s_0 (uniformly among the level's start cells)
    4      Sample k episodes o_1 .. o_k ~ pi_theta from s_0 in parallel, until all have ended
    5      R_i <- sum_t gamma^t r_{i,t+1}                      (outcome reward of episode i)
    6      A_i <- R_i - 1/(k-1) sum_{j != i} R_j             (leave-one-out baseline)
    7      g <- 1/k sum_i A_i sum_t grad_theta log pi_theta(a_{i,t} | s_{i,t})
    8      theta <- theta + Adam step along g                (one step per group)

Why leave one out: a baseline b_i that does not depend on episode i itself keeps g unbiased
(E[grad log pi(o_i) b_i] = 0 when b_i is independent of o_i), and the mean of the other
samples is such a baseline, free of charge -- no critic to learn. GRPO's mean(R) includes
R_i itself, a bias of order 1/k; RLOO's does not. The two are close relatives:
A_i^RLOO = k/(k-1) (R_i - mean(R)), so RLOO's advantages are Dr. GRPO's (no std) scaled by
k/(k-1) (with k = 4, by 4/3).

Choices a student should know about:

* **REINFORCE, not PPO.** Ahmadian et al. argue the trust region machinery (ratios, clipping,
  several epochs on a batch) is unnecessary when the policy starts from a good one: RLOO is
  one plain gradient step per group. (GRPO with ``update_epochs=1`` has rho = 1, so its
  clipping never acts either.)
* **Whole episodes are one action.** The episode is the LLM's completion: its log-probability
  is the sum of its steps' (line 7), and an episode's advantage weighs every step of it. The
  gradient is an unbiased estimate of grad J; no per-episode 1/|o_i| (GRPO's length bias).
* **Zero-signal groups.** If all k returns tie, every A_i = 0 and the group teaches nothing.
* **Truncation.** An episode cut by ``max_episode_steps`` keeps the return it got (no critic
  to bootstrap from).
* **Bandits.** A group is k pulls of the same bandit, one update per step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from gridrl.agents.base import hp
from gridrl.agents.common.deep import diagnostics_of
from gridrl.agents.common.groups import GROUP_DIAGNOSTICS, GroupAgent, GroupBatch, tied


@dataclass(frozen=True)
class Config:
    """RLOO's hyperparameters: the group size k and the policy's step size."""

    group_size: int = hp(8, "k: episodes sampled from one start per update (the group)", low=2, high=1024)
    lr: float = hp(0.003, "Adam step size of the policy (line 8)", low=0.0, high=1.0, low_open=True)
    max_episode_steps: int | None = hp(
        None, "cut sampled episodes after this many steps (at most the level's max_steps); none = max_steps",
        low=1, optional=True,
    )  # fmt: skip
    hidden: int = hp(64, "width of the policy network's two hidden layers", low=1, high=1024)
    obs: str = hp("onehot", "observation: one-hot cell or (row, col) features", choices=("onehot", "coords"))
    gamma: float | None = hp(
        None, "discount of the outcome R_i; none = the level's, 1 = undiscounted",
        low=0.0, high=1.0, optional=True,
    )  # fmt: skip

    @property
    def num_envs(self) -> int:
        """The k episodes of a group run in k vectorised environments."""
        return self.group_size


# --------------------------------------------------------------------------- the math


def leave_one_out_advantages(R: np.ndarray) -> tuple[np.ndarray, bool]:
    """Line 6: A_i = R_i - 1/(k-1) sum_{j != i} R_j, and whether the group has no signal.

    Computed as R_i - (sum R - R_i) / (k - 1). If every R_i is the same the group carries no
    signal: all A_i = 0 exactly (the formula could leave a rounding residue), and True.
    """
    R = np.asarray(R, dtype=np.float64)
    if tied(R):
        return np.zeros_like(R), True
    k = len(R)
    return R - (R.sum() - R) / (k - 1), False


def rloo_loss(logp: torch.Tensor, advantages: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """Line 7 as a loss: -1/k sum_i A_i sum_t log pi(a_{i,t} | s_{i,t}), whose gradient is -g.

    Every tensor is (T, k): step t of episode i, ``mask`` 1 where the step belongs to o_i;
    ``advantages`` holds A_i in every step of episode i (column i).
    """
    return -(advantages * logp * mask).sum(0).mean()


# --------------------------------------------------------------------------- the agent


class RLOO(GroupAgent):
    """RLOO on a gridworld or a bandit: k episodes from one start, each against the others' mean.

    Units as every group agent's (:class:`~gridrl.agents.common.groups.GroupAgent`).
    """

    name = "rloo"
    Config = Config
    level_kinds = ("gridworld", "bandit")
    summary = "REINFORCE with k samples per start, each baselined by the mean of the other k - 1"
    diagnostics = diagnostics_of(
        "return_std", "mean_return", "entropy", "zero_signal_fraction", "loss", "mean_length", "group_size",
        "start_state",
        **GROUP_DIAGNOSTICS,
    )

    def advantages(self, R: np.ndarray) -> tuple[np.ndarray, bool]:
        return leave_one_out_advantages(R)  # line 6

    def fit(self, batch: GroupBatch, A: torch.Tensor) -> tuple[dict[str, Any], dict[str, Any]]:
        """Lines 7-8: one gradient step on the finished group."""
        logp, entropy = self.policy.evaluate(batch.obs, batch.actions)
        loss = rloo_loss(logp.reshape(batch.shape), A, batch.mask)  # line 7
        self.optimizer.step(loss)  # line 8
        H = (entropy.detach().reshape(batch.shape) * batch.mask).sum() / batch.mask.sum()
        return {"loss": float(loss.detach()), "entropy": float(H)}, {}

    def equation(self) -> str:
        return "A_i = R_i - 1/(k-1) sum_{j != i} R_j;  g = 1/k sum_i A_i sum_t grad log pi(a_t|s_t)"
