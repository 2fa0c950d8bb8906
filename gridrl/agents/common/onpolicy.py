"""Rollout collection shared by the on-policy actor-critics PPO and TRPO.

:class:`OnPolicyAgent` samples a ~ pi_old(.|s) in N environments for T steps, records
s, a, log pi_old(a|s), V_old(s), r, terminated, truncated (and V of the state a truncated
episode was cut in, for the bootstrap) in a :class:`~gridrl.agents.common.rollout.Rollout`,
turns it into GAE advantages, and hands the batch as tensors (:class:`Samples`) to the
method's own update. This module imports torch; only the deep agents import it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import torch
from torch import nn

from gridrl.agents.base import Event, HyperparameterError
from gridrl.agents.common.deep import DeepAgent
from gridrl.agents.common.policy import CategoricalPolicy, entropy, explained_variance, sample_actions
from gridrl.agents.common.rollout import Batch, Rollout
from gridrl.levels import Level

#: Added to std(A_hat) when normalising advantages (a numerical guard only).
EPS_STD = 1e-8


def check_minibatches(config: Any) -> None:
    """A Config's ``num_minibatches`` must fit in its batch of ``num_envs * num_steps`` samples."""
    batch = config.num_envs * config.num_steps
    if config.num_minibatches > batch:
        raise HyperparameterError(
            f"num_minibatches ({config.num_minibatches}) must be at most the batch size num_envs * num_steps = {batch}"
        )


@dataclass
class Samples:
    """A batch as tensors, one row per sample t: what the losses read.

    ``logp_old_all`` is log pi_old(.|s_t) over all actions (for the exact KL), ``A_hat`` the
    advantage the loss uses (normalised if ``norm_adv``), ``returns`` the lambda-return
    target A_hat_t + V_old(s_t) of the critic.
    """

    actions: torch.Tensor
    logp_old: torch.Tensor
    logp_old_all: torch.Tensor
    A_hat: torch.Tensor
    returns: torch.Tensor
    V_old: torch.Tensor

    def __getitem__(self, idx: Any) -> Samples:
        return Samples(*(getattr(self, f.name)[idx] for f in fields(self)))

    def __len__(self) -> int:
        return len(self.actions)


class OnPolicyAgent(DeepAgent):
    """Rollout collection shared by PPO and TRPO (PPO's lines 2-5, TRPO's lines 4-6).

    Every step samples a ~ pi(.|s) in all N environments and records s, a, log pi_old(a|s),
    V_old(s), r, terminated, truncated (and V of the state a truncated episode was cut in,
    for the bootstrap) in a :class:`Rollout`. When it holds T steps, GAE turns it into
    advantages and :meth:`learn` updates the networks. The Config needs ``num_envs``,
    ``num_steps``, ``num_minibatches``, ``lam``, ``hidden``, ``norm_adv``, ``obs`` and ``gamma``.
    """

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        c = self.config
        self.actor = CategoricalPolicy(self.obs_dim, self.n_actions, c.hidden, one_hot=self.one_hot)  # near-uniform pi
        self.critic = self.mlp(1, out_gain=1.0)
        self.rollout = Rollout(c.num_steps, self.num_envs)
        # pi_old and V_old between updates, for acting: see StateTable.
        self.logp_table = self.state_table(self.actor.log_probs)
        self.V_table = self.state_table(lambda obs: self.critic(obs).squeeze(-1))
        #: A(s,a) of the last update's batch (see Batch.pair_means), for the app's overlay.
        self.advantage_table = np.full((self.n_states, self.n_actions), np.nan)

    # ------------------------------------------------------------------ hooks

    def learn(self, batch: Batch, obs: torch.Tensor, mb: Samples) -> tuple[dict[str, Any], torch.Tensor]:
        """Update from one rollout; returns the diagnostics and rho of every sample afterwards."""
        raise NotImplementedError

    #: Text of the inspector's equation for the last transition.
    equation = ""

    def explain_sample(self, rho: torch.Tensor, A_hat: torch.Tensor, info: dict[str, Any]) -> dict[str, Any]:
        """The method's own numbers for the inspector's sample (e.g. whether PPO's clip was on)."""
        return {}

    # ------------------------------------------------------------------ acting

    def act_and_learn(self) -> Event:
        s = self.states.copy()
        actions, logp = sample_actions(self.rng, self.logp_table[s])  # line 3: run pi_old
        V = self.V_table[s]
        result = self.env_step(actions)
        terminated, truncated = self.learning_ends(result)
        # A time limit is not a terminal state: bootstrap from V of the state it was cut in.
        final_values = self.V_table[result["final_states"]] if truncated.any() else np.zeros(self.num_envs)
        self.rollout.add(s, actions, logp, V, result["rewards"], terminated, truncated, final_values)
        event = self.step_event(s, actions, result)
        if self.rollout.full:
            self._update(event)
        return event

    def _update(self, event: Event) -> None:
        """Lines 4-7: GAE over the rollout, then the subclass's update; fills ``event``."""
        c = self.config
        batch = self.rollout.flat(self.V_table[self.states], self.gamma, c.lam)  # line 4
        self.rollout.clear()
        self.advantage_table = batch.pair_means(self.n_states, self.n_actions)
        obs = self.obs_all_t[torch.as_tensor(batch.states)]
        with torch.no_grad():
            logp_old_all = self.actor.log_probs(obs)
        A_hat = batch.advantages
        if c.norm_adv:
            A_hat = (A_hat - A_hat.mean()) / (A_hat.std() + EPS_STD)
        mb = Samples(
            actions=torch.as_tensor(batch.actions), logp_old=torch.as_tensor(batch.logp_old, dtype=torch.float32),
            logp_old_all=logp_old_all, A_hat=torch.as_tensor(A_hat, dtype=torch.float32),
            returns=torch.as_tensor(batch.returns, dtype=torch.float32),
            V_old=torch.as_tensor(batch.values_old, dtype=torch.float32),
        )  # fmt: skip
        info, rho = self.learn(batch, obs, mb)
        self.updates_done += 1
        info["explained_variance"] = explained_variance(batch.values_old, batch.returns)
        event.info = {"updated": True, **info}
        # The inspector: environment 0's last transition of the batch (row (T-1) * N + 0),
        # with rho = pi_theta / pi_old measured after the update and the A_hat the loss used.
        i = len(batch.states) - self.num_envs
        event.backup = {
            "s": int(batch.states[i]), "a": int(batch.actions[i]), "rho": float(rho[i]),
            "A_hat": float(mb.A_hat[i]), "A_gae": float(batch.advantages[i]),
            "V_old": float(batch.values_old[i]), "return": float(batch.returns[i]),
        }  # fmt: skip
        event.backup.update(self.explain_sample(rho[i], mb.A_hat[i], info))
        event.equation = self.equation
        event.changed = np.unique(batch.states)

    def minibatches(self, n: int) -> list[torch.Tensor | slice]:
        """One epoch's minibatches: a random split of the n samples into ``num_minibatches``
        parts (one part: the whole batch as it is, since its order does not matter)."""
        if self.config.num_minibatches == 1:
            return [slice(None)]
        return [torch.as_tensor(idx) for idx in np.array_split(self.rng.permutation(n), self.config.num_minibatches)]

    # ------------------------------------------------------------------ insight, save

    def evaluate_states(self, obs: torch.Tensor) -> dict[str, Any]:
        """pi(.|s) and V(s) for every state, one batched forward pass of each network."""
        logp_all = self.actor.log_probs(obs)
        return {
            "pi": logp_all.exp().double().numpy(),
            "V": self.critic(obs).squeeze(-1).double().numpy(),
            "extras": {"entropy": entropy(logp_all).double().numpy(), "advantage": self.advantage_table.copy()},
        }

    def networks(self) -> dict[str, nn.Module]:
        return {"actor": self.actor, "critic": self.critic}
