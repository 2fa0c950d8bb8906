"""Actor-critic: synchronous advantage actor-critic, A2C (Mnih et al. 2016; course notes §5-6).

    A2C with generalised advantage estimation
    1  Initialise the actor pi_theta and the critic V_phi
    2  Loop (one update per T steps of N environments):
    3      for t = 0 .. T-1, in every environment at once:               (T = num_steps)
    4          a_t ~ pi_theta(.|s_t); step; observe r_t, s_{t+1}, terminated_t, truncated_t
    5      delta_t = r_t + gamma V_phi(s_{t+1}) (1 - terminated_t) - V_phi(s_t)    (GAE eq. 11)
    6      A_t = delta_t + gamma lam (1 - done_t) A_{t+1},  R_t = A_t + V_phi(s_t)  (GAE eq. 16)
    7      L_pi(theta) = -1/NT sum_t log pi_theta(a_t|s_t) A_t                     (the actor)
    8      L_V(phi) = 1/NT sum_t (V_phi(s_t) - R_t)^2 / 2                          (the critic)
    9      L = L_pi + vf_coef L_V - ent_coef H(pi_theta)
    10     one gradient step on L (theta and phi together)

It is REINFORCE with a learned baseline whose returns are *bootstrapped*: the critic's
V_phi(s_{t+1}) stands in for the rewards after step t+1, so the agent learns every T steps
instead of waiting for episodes to end, and A_t varies far less than G_t - b. lam trades the
two: lam = 0 gives the one-step TD error A_t = delta_t (low variance, biased by V_phi's
errors); lam = 1 gives A_t = G_t - V_phi(s_t) up to the rollout's end, where it bootstraps:
the A2C paper's n-step return, n = T - t.

The two ends of an episode are kept apart (see :mod:`gridrl.agents.common.gae`): at a
terminal state the future is 0; when the time limit cuts an episode off the future exists,
so line 5 bootstraps from V_phi of the state it was cut in (``final_values``), never from
the next episode's start state.

Choices made here: actor and critic are separate networks (no shared torso, so the critic's
loss cannot disturb the policy's features); Adam instead of the paper's RMSProp. Departures
from the textbook, each a flag: ``normalize_advantages``, ``max_grad_norm``, ``ent_coef``.

On a bandit level every pull is a one-step episode (a pull does not change later pulls), so
A_t = r_t - V_phi and the critic learns the mean reward: a gradient bandit (S&B §2.8).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from gridrl.agents.base import Event, hp
from gridrl.agents.common.deep import DeepAgent, diagnostics_of
from gridrl.agents.common.policy import CategoricalPolicy, explained_variance, sample_actions
from gridrl.agents.common.rollout import Batch, Rollout
from gridrl.levels import Level


@dataclass(frozen=True)
class Config:
    """A2C's hyperparameters (names as in CleanRL and Stable-Baselines3)."""

    lr: float = hp(0.003, "Adam step size of actor and critic (line 10)", low=0.0, high=1.0, low_open=True)
    num_envs: int = hp(8, "N: environments stepped side by side", low=1, high=1024)
    num_steps: int = hp(8, "T: steps of every environment per update (line 3)", low=1, high=4096)
    lam: float = hp(0.95, "GAE lambda: 0 = one-step TD error, 1 = Monte Carlo return minus V (line 6)",
                    low=0.0, high=1.0)  # fmt: skip
    vf_coef: float = hp(0.5, "weight of the critic's loss L_V in L (line 9)", low=0.0, high=100.0)
    ent_coef: float = hp(0.01, "entropy bonus: L -= ent_coef * H(pi) (keeps exploring; 0 = textbook)",
                         low=0.0, high=1.0)  # fmt: skip
    max_grad_norm: float | None = hp(
        0.5, "clip the gradient's norm to this (one bad batch cannot wreck the policy); none = off",
        low=0.0, low_open=True, optional=True,
    )  # fmt: skip
    normalize_advantages: bool = hp(
        False, "rescale A_t to mean 0, std 1 per batch (the step size stops depending on the reward scale)"
    )  # fmt: skip
    gamma: float | None = hp(None, "discount; none = the level's", low=0.0, high=1.0, optional=True)
    hidden: int = hp(64, "units in each of the two hidden layers", low=1, high=1024)
    obs: str = hp("onehot", "what the networks see of a cell: one-hot or (row, col)",
                  choices=("onehot", "coords"))  # fmt: skip


class ActorCritic(DeepAgent):
    name = "actor-critic"
    Config = Config
    summary = "A2C: a policy (actor) steered by a learned value function's advantage estimates (critic)"
    diagnostics = diagnostics_of(
        "mean_advantage", "entropy", "explained_variance", "value_loss", "policy_loss", "loss", "grad_norm",
        mean_advantage=("mean advantage", "Mean of the batch's advantage estimates A = G − V(s). Near 0 "
                                          "when the critic is right on average; far from 0 means V is "
                                          "biased (too low if positive).",
                        "mean_t Â_t,  Â = GAE(λ) of δ_t = r_t + γ V(s_t+1) − V(s_t)"),
    )

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        c = self.config
        self.actor = CategoricalPolicy(self.obs_dim, self.n_actions, hidden=c.hidden, one_hot=self.one_hot)
        self.critic = self.mlp(1, out_gain=1.0)
        self.optimizer = self.adam("actor_critic", [self.actor, self.critic], lr=c.lr)
        self.rollout = Rollout(c.num_steps, self.num_envs)
        # log pi_theta(.|s) and V_phi(s) between updates, for acting: see StateTable.
        self.logp_table = self.state_table(self.actor.log_probs)
        self.V_table = self.state_table(lambda obs: self.critic(obs).squeeze(1))
        #: A(s,a) of the last update's batch (see Batch.pair_means), for the app's overlay.
        self.advantage_table = np.full((self.n_states, self.n_actions), np.nan)

    def rebuild_environment(self) -> None:
        """A live edit of the level restarts every environment: to the rollout, the episodes
        under way were cut off (truncated) in the states they had reached, and bootstrap there."""
        t = self.rollout.t
        if t > 0:
            cut = ~(self.rollout.terminated[t - 1] | self.rollout.truncated[t - 1])
            self.rollout.truncated[t - 1] |= cut
            final = self.rollout.final_values[t - 1]
            self.rollout.final_values[t - 1] = np.where(cut, self.V_table[self.states], final)
        super().rebuild_environment()

    # ------------------------------------------------------------------ acting (lines 3-4)

    def act_and_learn(self) -> Event:
        before = self.states
        actions, logp = sample_actions(self.rng, self.logp_table[before])
        values = self.V_table[before]
        result = self.env_step(actions)
        terminated, truncated = self.learning_ends(result)
        # V of the state an episode was cut off in (read by GAE only where truncated).
        final_values = self.V_table[result["final_states"]] if truncated.any() else np.zeros(self.num_envs)
        self.rollout.add(before, actions, logp, values, result["rewards"], terminated, truncated,
                         final_values)  # fmt: skip
        event = self.step_event(before, actions, result)
        if self.rollout.full:
            batch = self.rollout.flat(self.V_table[self.states], self.gamma, self.config.lam)  # lines 5-6
            self.rollout.clear()
            self.advantage_table = batch.pair_means(self.n_states, self.n_actions)
            event.info = self.learn(batch)
            event.changed = np.arange(self.n_states)
            event.equation = "L = -mean log pi(a_t|s_t) A_t + vf_coef mean (V(s_t) - R_t)^2 / 2 - ent_coef H"
        return event

    # ------------------------------------------------------------------ loss and update (lines 7-10)

    def loss(self, batch: Batch) -> tuple[torch.Tensor, dict[str, float]]:
        """L = L_pi + vf_coef L_V - ent_coef H (lines 7-9), and its diagnostics."""
        obs = self.obs_all_t[torch.as_tensor(batch.states)]
        A = torch.as_tensor(batch.advantages, dtype=torch.float32)
        R = torch.as_tensor(batch.returns, dtype=torch.float32)
        if self.config.normalize_advantages and len(A) > 1:
            A = (A - A.mean()) / (A.std() + 1e-8)
        logp, entropy = self.actor.evaluate(obs, torch.as_tensor(batch.actions))
        policy_loss = -(logp * A).mean()  # line 7
        V = self.critic(obs).squeeze(1)
        value_loss = 0.5 * ((V - R) ** 2).mean()  # line 8
        H = entropy.mean()
        loss = policy_loss + self.config.vf_coef * value_loss - self.config.ent_coef * H  # line 9
        return loss, {
            "loss": loss.item(), "policy_loss": policy_loss.item(), "value_loss": value_loss.item(),
            "entropy": H.item(), "explained_variance": explained_variance(batch.values_old, batch.returns),
            "mean_advantage": float(np.mean(batch.advantages)),
        }  # fmt: skip

    def learn(self, batch: Batch) -> dict[str, Any]:
        """One gradient step on L over the rollout (line 10)."""
        loss, info = self.loss(batch)
        grad_norm = self.optimizer.step(loss, self.config.max_grad_norm)
        self.updates_done += 1
        return info | {"updated": True, "grad_norm": grad_norm}

    # ------------------------------------------------------------------ insight, save

    def evaluate_states(self, obs: torch.Tensor) -> dict[str, Any]:
        return {"pi": self.actor.probs(obs).numpy(), "V": self.critic(obs).squeeze(1).numpy(),
                "extras": {"advantage": self.advantage_table.copy()}}

    def networks(self) -> dict[str, nn.Module]:
        return {"actor": self.actor, "critic": self.critic}
