"""Rollout storage for the on-policy agents (actor-critic, PPO, TRPO): T steps of N envs.

Stores what the update needs, step by step, as numpy arrays of shape (T, N): the state
index, action, log pi_old(a|s), reward, terminated, truncated, V_old(s) and, where an episode
was truncated, V_old of the state it was cut in (``final_values``, for the bootstrap; see
:mod:`gridrl.agents.common.gae`). :meth:`Rollout.advantages` runs GAE over it, and
:meth:`Rollout.flat` gives the (T*N,) batch the losses read.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gridrl.agents.common.gae import compute_gae


@dataclass
class Batch:
    """A flattened rollout: every array has T*N rows."""

    states: np.ndarray
    actions: np.ndarray
    logp_old: np.ndarray
    values_old: np.ndarray
    advantages: np.ndarray
    returns: np.ndarray

    def pair_means(self, n_states: int, n_actions: int) -> np.ndarray:
        """(S, A): the mean advantage estimate A(s,a) of each state-action pair in the batch,
        NaN for pairs not in it -- what the update pushed each action's log-probability along
        (the app's A(s,a) overlay: a model-free critic gives no A(s,a) for pairs not tried)."""
        pair = self.states * n_actions + self.actions
        total = np.bincount(pair, weights=self.advantages, minlength=n_states * n_actions)
        count = np.bincount(pair, minlength=n_states * n_actions)
        with np.errstate(invalid="ignore"):
            return (total / count).reshape(n_states, n_actions)


class Rollout:
    """A fixed-size buffer of ``num_steps`` steps of ``num_envs`` environments."""

    def __init__(self, num_steps: int, num_envs: int) -> None:
        self.num_steps, self.num_envs = num_steps, num_envs
        shape = (num_steps, num_envs)
        self.states = np.zeros(shape, dtype=np.int64)
        self.actions = np.zeros(shape, dtype=np.int64)
        self.logp = np.zeros(shape)
        self.rewards = np.zeros(shape)
        self.terminated = np.zeros(shape, dtype=bool)
        self.truncated = np.zeros(shape, dtype=bool)
        self.values = np.zeros(shape)
        self.final_values = np.zeros(shape)
        self.t = 0

    @property
    def full(self) -> bool:
        return self.t == self.num_steps

    def add(
        self,
        states: np.ndarray,
        actions: np.ndarray,
        logp: np.ndarray,
        values: np.ndarray,
        rewards: np.ndarray,
        terminated: np.ndarray,
        truncated: np.ndarray,
        final_values: np.ndarray,
    ) -> None:
        """Record one step of every environment (``final_values`` is read where truncated)."""
        t = self.t
        if t >= self.num_steps:
            raise IndexError("the rollout is full; compute advantages and clear it first")
        self.states[t], self.actions[t], self.logp[t], self.values[t] = states, actions, logp, values
        self.rewards[t], self.terminated[t], self.truncated[t] = rewards, terminated, truncated
        self.final_values[t] = final_values
        self.t += 1

    def advantages(self, last_value: np.ndarray, gamma: float, lam: float) -> tuple[np.ndarray, np.ndarray]:
        """GAE(gamma, lam) advantages and lambda-returns, (T, N) each."""
        return compute_gae(
            self.rewards, self.values, self.terminated, self.truncated, last_value,
            gamma, lam, final_values=self.final_values,
        )  # fmt: skip

    def flat(self, last_value: np.ndarray, gamma: float, lam: float) -> Batch:
        """The whole rollout with its advantages, flattened to T*N rows."""
        advantages, returns = self.advantages(last_value, gamma, lam)
        return Batch(
            states=self.states.reshape(-1), actions=self.actions.reshape(-1),
            logp_old=self.logp.reshape(-1), values_old=self.values.reshape(-1),
            advantages=advantages.reshape(-1), returns=returns.reshape(-1),
        )  # fmt: skip

    def clear(self) -> None:
        self.t = 0
