"""GRPO: Group Relative Policy Optimization (Shao et al. 2024, DeepSeekMath §4.1, Algorithm 1).

PPO's clipped surrogate without a critic: the baseline of an episode is the mean outcome of
a *group* of episodes sampled from the same start, the way an LLM samples G answers to one
question. Adapted here to gridworlds (the question is the start cell, an answer is an
episode) and bandits (the question is the bandit, an answer is one pull).

    GRPO, one group per update
    1  Initialise pi_theta; pi_ref <- pi_theta
    2  Loop for each update k = 0, 1, 2, ...:
    3      If ref_update > 0 and k mod ref_update = 0: pi_ref <- pi_theta
    4      pi_old <- pi_theta; pick a start cell s_0 (uniformly among the level's start cells)
    5      Sample G episodes o_1 .. o_G ~ pi_old from s_0 in parallel, until all have ended
    6      R_i <- sum_t gamma^t r_{i,t+1}                      (outcome reward of episode i)
    7      A_i <- (R_i - mean(R)) / (std(R) + eps_std) for every step t of o_i;  0 if std(R) = 0
    8      Repeat update_epochs times:
    9          rho_{i,t} <- pi_theta(a_{i,t} | s_{i,t}) / pi_old(a_{i,t} | s_{i,t})
    10         D_{i,t}   <- pi_ref/pi_theta - log(pi_ref/pi_theta) - 1     (at a_{i,t}, s_{i,t})
    11         J <- 1/G sum_i 1/|o_i| sum_t [min(rho_{i,t} A_i, clip(rho_{i,t}, 1-eps, 1+eps) A_i)
                                              - beta D_{i,t}]
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
* **Per-episode averaging (1/|o_i|).** Each episode weighs the same in J however long it
  is, so a long episode's steps each count less than a short one's.
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

from gridrl.agents.base import MAX_HELD_STEPS, Event, hp
from gridrl.agents.common.deep import DeepAgent, diagnostics_of
from gridrl.agents.common.policy import CategoricalPolicy, sample_actions
from gridrl.levels import GridLevel, Level

#: Added to std(R) in line 7: keeps A finite for nearly-tied groups (a numerical guard only).
EPS_STD = 1e-8


@dataclass(frozen=True)
class Config:
    """GRPO's hyperparameters: group size G, the clipped surrogate, the KL to pi_ref."""

    group_size: int = hp(16, "G: episodes sampled from one start per update (the group)", low=2, high=1024)
    lr: float = hp(0.003, "Adam step size of the policy", low=0.0, high=1.0, low_open=True)
    clip_coef: float = hp(0.2, "eps: rho is clipped to [1 - eps, 1 + eps]", low=0.0, high=1.0, low_open=True)
    beta: float = hp(0.01, "weight of the KL penalty to the reference policy", low=0.0, high=10.0)
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


# --------------------------------------------------------------------------- the math


def group_advantages(R: np.ndarray, eps_std: float = EPS_STD) -> tuple[np.ndarray, bool]:
    """Line 7: A_i = (R_i - mean(R)) / (std(R) + eps_std), and whether the group has no signal.

    std is the population standard deviation of the G returns (ddof 0), so the A_i have mean
    0 and standard deviation 1 (up to eps_std). If every R_i is the same the group carries no
    signal: all A_i = 0 (not 0/eps noise), and the second value is True.
    """
    R = np.asarray(R, dtype=np.float64)
    if np.ptp(R) == 0.0:
        return np.zeros_like(R), True
    return (R - R.mean()) / (R.std() + eps_std), False


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


def grpo_loss(
    logp: torch.Tensor,
    logp_old: torch.Tensor,
    logp_ref: torch.Tensor,
    advantages: torch.Tensor,
    mask: torch.Tensor,
    clip_coef: float,
    beta: float,
    entropy: torch.Tensor | None = None,
    ent_coef: float = 0.0,
) -> tuple[torch.Tensor, dict[str, float]]:
    """Lines 9-11: the loss -J (minus ``ent_coef`` times the mean entropy) and diagnostics.

    Every tensor is (T, G): step t of episode i, ``mask`` 1 where the step belongs to o_i;
    ``advantages`` holds A_i in every step of episode i (column i). Returns ``(loss, info)``
    with J, the surrogate and KL terms, the clip fraction (fraction of steps whose rho left
    [1 - eps, 1 + eps]), the mean KL estimate and the mean entropy, all averaged per episode
    as J is (the clip fraction over steps).
    """
    rho = torch.exp(logp - logp_old)  # line 9: rho = pi / pi_old
    surrogate = torch.min(rho * advantages, torch.clamp(rho, 1 - clip_coef, 1 + clip_coef) * advantages)
    D = kl_estimator(logp, logp_ref)  # line 10
    J = episode_mean(surrogate - beta * D, mask)  # line 11
    loss = -J
    info: dict[str, float] = {}
    if entropy is not None:
        H = episode_mean(entropy, mask)
        loss = loss - ent_coef * H
        info["entropy"] = float(H.detach())
    with torch.no_grad():
        clipped = ((rho - 1.0).abs() > clip_coef).float()
        info.update(
            J=float(J.detach()), surrogate=float(episode_mean(surrogate, mask)),
            kl_ref=float(episode_mean(D, mask)),
            clip_fraction=float((clipped * mask).sum() / mask.sum().clamp(min=1.0)),
        )  # fmt: skip
    return loss, info


# --------------------------------------------------------------------------- the agent


class GRPO(DeepAgent):
    """GRPO on a gridworld or a bandit: G episodes from one start, group-relative advantages.

    Units: ``step`` = one vectorised step of the G episodes (finished ones are masked until
    the whole group has ended; then the update runs inside that step and
    ``info["updated"]`` is True); ``update`` = the rest of the group and its update;
    ``episode`` = steps until environment 0's episode ends.
    """

    name = "grpo"
    Config = Config
    level_kinds = ("gridworld", "bandit")
    summary = "PPO's clipped surrogate without a critic: a group's mean outcome is the baseline"
    diagnostics = diagnostics_of(
        "kl_ref", "return_std", "clip_fraction", "entropy", "mean_return", "zero_signal_fraction", "J",
        "surrogate", "loss", "mean_length", "group_size", "start_state",
        kl_ref=("KL to the reference", "Estimated KL(π ‖ π_ref) to the frozen reference policy, weighted by β "
                                       "in the loss. It grows slowly as the policy learns; a fast climb "
                                       "means β is too small.",
                "mean_i 1/|o_i| Σ_t [π_ref/π − log(π_ref/π) − 1]"),
        return_std=("group reward spread", "Standard deviation of the G returns in the group. Above 0 the "
                                           "group carries a learning signal; 0 means every episode scored "
                                           "alike and the update learns nothing.",
                    "std(R_1, …, R_G)"),
        clip_fraction=("clip fraction", "Share of steps whose ratio ρ = π/π_old left [1−ε, 1+ε]. Healthy: "
                                        "about 0.05–0.2.",
                       "mean_t 1[|ρ_t − 1| > ε],  ρ_t = π(a_t|s_t) / π_old(a_t|s_t)"),
        mean_return=("group mean return", "Mean return of the group's G episodes: the baseline each "
                                          "episode's return is compared with. It should rise.",
                     "mean(R_1, …, R_G)"),
        zero_signal_fraction=("share of groups without signal", "Fraction of all updates so far whose "
                                                                "group had equal returns (no gradient). "
                                                                "High means rewards are too sparse.",
                              "(updates whose group had std R = 0) / (updates)"),
        J=("objective J", "The clipped surrogate minus β times the KL to the reference, averaged per episode: "
                          "what the update maximises.",
           "1/G Σ_i 1/|o_i| Σ_t [min(ρ A_i, clip(ρ, 1−ε, 1+ε) A_i) − β D]"),
        surrogate=("clipped surrogate", "Mean over episodes of min(ρA, clip(ρ)A); near 0 at the start of "
                                        "each update, since ρ = 1 there.",
                   "1/G Σ_i 1/|o_i| Σ_t min(ρ A_i, clip(ρ, 1−ε, 1+ε) A_i)"),
        mean_length=("group mean length", "Average steps of the group's episodes; on a reach-the-goal "
                                          "level it should fall.",
                     "mean_i |o_i|"),
        group_size=("group size G", "Episodes per group (a setting, constant).",
                    "G"),
        start_state=("start state s₀", "The state index the group started from (the level's start, or "
                                       "a random cell with random starts).",
                     "s₀"),
    )

    @classmethod
    def held_episodes(cls, level: GridLevel, config: Any) -> tuple[int, int, str]:
        """The group of G whole episodes (lines 4-5), held until the update."""
        G = config.group_size
        return G, min(level.max_steps, config.max_episode_steps or level.max_steps), (
            f"Set max_episode_steps={MAX_HELD_STEPS // G:,} or less, lower group_size, or use ppo, which "
            "learns from rollouts of a fixed length.")

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        c = self.config
        self.G = c.group_size
        if not self.is_bandit:
            # The env's own time limit becomes the sampling cap (never longer than the level's).
            cap = level.max_steps if c.max_episode_steps is None else c.max_episode_steps
            self.envs.max_steps = min(cap, level.max_steps)
            self.start_cells = np.asarray(self.envs.model.grid.start_cells, dtype=np.int64)
        self.policy = CategoricalPolicy(self.obs_dim, self.n_actions, hidden=c.hidden, one_hot=self.one_hot)
        self.ref_policy = copy.deepcopy(self.policy).requires_grad_(False)  # line 1: pi_ref <- pi
        self.optimizer = self.adam("policy", [self.policy], lr=c.lr)
        self.logp_table = self.state_table(self.policy.log_probs)  # pi_old, for acting
        self.zero_signal_groups = 0  # groups whose R_i all tied (line 7 gave A = 0)
        self.last_returns = np.zeros(0)
        self.last_advantages = np.zeros(0)
        self._start_group()

    # ------------------------------------------------------------------ sampling (lines 4-5)

    def _start_group(self) -> None:
        """Line 4: choose s_0 and put all G environments there; clear the group's storage."""
        if self.is_bandit:
            self.s0 = 0
            self._tie_bandits()
        else:
            self.s0 = int(self.start_cells[self.rng.integers(len(self.start_cells))])
            states, _ = self.envs.reset(options={"state": self.s0})
            self.states = np.asarray(states)
            self.episode_return[:] = 0.0  # copies that ran on past their episode start afresh
            self.episode_length[:] = 0
        self.active = np.ones(self.G, dtype=bool)
        self.R = np.zeros(self.G)  # line 6, accumulated as the episodes run
        self.discount = np.ones(self.G)  # gamma^t of each episode's next reward
        self.buf_states: list[np.ndarray] = []
        self.buf_actions: list[np.ndarray] = []
        self.buf_logp: list[np.ndarray] = []
        self.buf_mask: list[np.ndarray] = []

    def _tie_bandits(self) -> None:
        """On a bandit, the G copies are one bandit: copy env 0's true values to the others.

        (A no-op on a stationary level with explicit arms; on a testbed or a drifting bandit
        each copy would otherwise have its own values and the group would compare apples
        with pears.)
        """
        self.envs.true_means[1:] = self.envs.true_means[0]

    def act_and_learn(self) -> Event:
        """Line 5 one step at a time; when every episode of the group has ended, lines 6-12."""
        before = self.states
        actions, logp_old = sample_actions(self.rng, self.logp_table[before])
        active = self.active.copy()
        self.buf_states.append(before.copy())
        self.buf_actions.append(actions)
        self.buf_logp.append(logp_old)  # log pi_old(a|s), kept for rho in line 9
        self.buf_mask.append(active)

        result = self.env_step(actions)
        env_done = result["terminated"] | result["truncated"]
        # On a bandit an answer is one pull; its env "episode" is the level's run of pulls.
        done = np.ones(self.G, dtype=bool) if self.is_bandit else env_done
        if self.is_bandit:
            self._tie_bandits()
        # Steps of copies whose episode already ended are masked out: they are not part of
        # the group's experience, nor counted as visits, nor reported as episodes.
        np.subtract.at(self.visits, before[~active], 1)
        result["episodes"] = [ep for i, ep in zip(np.flatnonzero(env_done), result["episodes"]) if active[i]]
        result["env0_done"] = bool(active[0] and env_done[0])
        self.R[active] += self.discount[active] * result["rewards"][active]  # line 6
        self.discount[active] *= self.gamma
        self.active = active & ~done
        event = self.step_event(before, actions, result)
        event.info["env0_active"] = bool(active[0])
        if not self.active.any():
            self._learn(event)
        return event

    # ------------------------------------------------------------------ the update (lines 6-12)

    def _learn(self, event: Event) -> None:
        """Lines 3 and 6-12 on the finished group; the diagnostics go into ``event``."""
        c = self.config
        k = self.updates_done
        if c.ref_update > 0 and k % c.ref_update == 0:
            self.ref_policy.load_state_dict(self.policy.state_dict())  # line 3
        states = np.stack(self.buf_states)  # (T, G): step t of episode i
        shape = states.shape
        obs = self.obs_all_t[torch.as_tensor(states.ravel())]  # (T*G, obs_dim)
        actions = torch.as_tensor(np.stack(self.buf_actions).ravel())
        logp_old = torch.as_tensor(np.stack(self.buf_logp), dtype=torch.float32)
        mask = torch.as_tensor(np.stack(self.buf_mask), dtype=torch.float32)
        R = self.R.copy()
        A, zero_signal = group_advantages(R)  # line 7
        A_t = torch.as_tensor(A, dtype=torch.float32).expand(shape)
        with torch.no_grad():
            logp_ref = self.ref_policy.evaluate(obs, actions)[0].reshape(shape)
        for _ in range(c.update_epochs):  # line 8
            logp, entropy = self.policy.evaluate(obs, actions)
            loss, info = grpo_loss(
                logp.reshape(shape), logp_old, logp_ref, A_t, mask, c.clip_coef, c.beta,
                entropy.reshape(shape), c.ent_coef,
            )  # lines 9-11
            self.optimizer.step(loss)  # line 12
        with torch.no_grad():
            logp_new = self.policy.evaluate(obs, actions)[0].reshape(shape)
        rho0 = torch.exp(logp_new - logp_old)[:, 0][mask[:, 0] > 0].numpy().astype(np.float64)

        self.updates_done += 1
        self.zero_signal_groups += int(zero_signal)
        self.last_returns, self.last_advantages = R, A
        lengths = mask.sum(0).numpy().astype(np.int64)
        event.info.update(
            updated=True, loss=float(loss.detach()), **info,
            mean_return=float(R.mean()), return_std=float(R.std()), zero_signal=zero_signal,
            zero_signal_fraction=self.zero_signal_groups / self.updates_done,
            group_size=self.G, start_state=self.s0, mean_length=float(lengths.mean()),
        )  # fmt: skip
        event.backup = {
            "s0": self.s0, "R": R, "A": A, "lengths": lengths,
            "rho": rho0, "clipped": np.abs(rho0 - 1.0) > c.clip_coef, "clip_coef": c.clip_coef,
        }  # fmt: skip
        event.equation = (
            "A_i = (R_i - mean R) / std R;  J = 1/G sum_i 1/|o_i| sum_t "
            "[min(rho A_i, clip(rho, 1-eps, 1+eps) A_i) - beta D_KL]"
        )
        event.changed = np.unique(states[np.stack(self.buf_mask)])
        self._start_group()

    # ------------------------------------------------------------------ insight, save

    def evaluate_states(self, obs: torch.Tensor) -> dict[str, Any]:
        """pi(.|s) for every state from one forward pass; no critic, so no V or Q."""
        pi = self.policy.probs(obs).double().numpy()
        extras = {
            "group_returns": self.last_returns.copy(), "group_advantages": self.last_advantages.copy(),
            "zero_signal_fraction": self.zero_signal_groups / max(self.updates_done, 1),
        }  # fmt: skip
        return {"pi": pi, "extras": extras}

    def networks(self) -> dict[str, nn.Module]:
        """pi_theta and pi_ref (needed to go on training exactly where the run stopped)."""
        return {"policy": self.policy, "ref_policy": self.ref_policy}

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "zero_signal_groups": self.zero_signal_groups}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        state = dict(state)
        self.zero_signal_groups = int(state.pop("zero_signal_groups", self.zero_signal_groups))
        super().load_state_dict(state)
