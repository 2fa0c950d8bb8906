"""Groups of episodes from one start, compared with each other: what GRPO and RLOO share.

An LLM trainer samples G answers to one question and judges each answer against the others
instead of against a learnt critic. Here the question is a start cell and an answer is an
episode (on a bandit, one pull), so both agents run the same loop:

    Sampling a group (GRPO's lines 4-6, RLOO's lines 3-5)
    1  pi_old <- pi_theta; pick a start cell s_0 (uniformly among the level's start cells)
    2  Sample G episodes o_1 .. o_G ~ pi_old from s_0 in parallel, until all have ended
    3  R_i <- sum_t gamma^t r_{i,t+1}                          (outcome reward of episode i)
    4  A_i <- a baseline-corrected R_i, from the other returns of the group (the agent's own rule)
    5  update pi_theta from the group (the agent's own loss)

:class:`GroupAgent` does lines 1-3 and the bookkeeping around 4-5: the G copies of the
environment all start at s_0, a copy whose episode has ended is masked until the whole group
has ended (its steps are neither learned from nor counted as visits), and the update's
diagnostics, the returns R and advantages A go into the event. A subclass gives
:meth:`GroupAgent.advantages` (line 4) and :meth:`GroupAgent.fit` (line 5).

A group whose returns all tie carries no signal: every rule here gives A = 0 exactly (not a
rounding residue), and ``info["zero_signal"]`` says so.

This module imports torch; only the deep agents import it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import nn

from gridrl.agents.base import MAX_HELD_STEPS, Event
from gridrl.agents.common.deep import DeepAgent
from gridrl.agents.common.policy import CategoricalPolicy, sample_actions
from gridrl.levels import GridLevel, Level

#: Meanings of the diagnostics every group agent reports (for ``diagnostics_of``).
GROUP_DIAGNOSTICS: dict[str, tuple[str, str, str]] = {
    "return_std": ("group reward spread", "Standard deviation of the G returns in the group. Above 0 the "
                                          "group carries a learning signal; 0 means every episode scored "
                                          "alike and the update learns nothing.",
                   "std(R_1, …, R_G)"),
    "mean_return": ("group mean return", "Mean return of the group's G episodes: the baseline each "
                                         "episode's return is compared with. It should rise.",
                    "mean(R_1, …, R_G)"),
    "zero_signal_fraction": ("share of groups without signal", "Fraction of all updates so far whose "
                                                               "group had equal returns (no gradient). "
                                                               "High means rewards are too sparse.",
                             "(updates whose group had std R = 0) / (updates)"),
    "mean_length": ("group mean length", "Average steps of the group's episodes; on a reach-the-goal "
                                         "level it should fall.",
                    "mean_i |o_i|"),
    "group_size": ("group size G", "Episodes per group (a setting, constant).", "G"),
    "start_state": ("start state s₀", "The state index the group started from (the level's start, or "
                                      "a random cell with random starts).",
                    "s₀"),
}  # fmt: skip


def tied(R: np.ndarray) -> bool:
    """Whether every return of the group is the same: the group carries no signal."""
    return bool(np.ptp(R) == 0.0)


@dataclass(frozen=True)
class GroupBatch:
    """A finished group as tensors: step t of episode i at [t, i] of every (T, G) array."""

    states: np.ndarray  #: (T, G) state indices
    obs: torch.Tensor  #: (T*G, ...) what the policy reads of those states
    actions: torch.Tensor  #: (T*G,) a_{i,t}
    logp_old: torch.Tensor  #: (T, G) log pi_old(a_{i,t} | s_{i,t}), as sampled
    mask: torch.Tensor  #: (T, G) 1 while episode i runs, 0 after it ended (|o_i| = sum_t)

    @property
    def shape(self) -> tuple[int, int]:
        return self.states.shape


class GroupAgent(DeepAgent):
    """Base of the agents that learn from a group of G episodes from one start (GRPO, RLOO).

    The Config has ``group_size``, ``lr``, ``hidden``, ``obs``, ``gamma`` and
    ``max_episode_steps``. Units: ``step`` = one vectorised step of the G episodes (finished
    ones are masked until the whole group has ended; then the update runs inside that step
    and ``info["updated"]`` is True); ``update`` = the rest of the group and its update;
    ``episode`` = steps until environment 0's episode ends.
    """

    @classmethod
    def held_episodes(cls, level: GridLevel, config: Any) -> tuple[int, int, str]:
        """The group of G whole episodes (line 2), held until the update."""
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
        #: The longest an episode of a group can be: the sampling cap (one pull on a bandit).
        self.L_max = 1 if self.is_bandit else int(self.envs.max_steps)
        self.policy = CategoricalPolicy(self.obs_dim, self.n_actions, hidden=c.hidden, one_hot=self.one_hot)
        self.optimizer = self.adam("policy", [self.policy], lr=c.lr)
        self.logp_table = self.state_table(self.policy.log_probs)  # pi_old, for acting
        self.zero_signal_groups = 0  # groups whose R_i all tied (A = 0)
        self.last_returns = np.zeros(0)
        self.last_advantages = np.zeros(0)
        self._start_group()

    # ------------------------------------------------------------------ subclass hooks

    def advantages(self, R: np.ndarray) -> tuple[np.ndarray, bool]:
        """Line 4: A_i of every episode from the group's returns R, and whether R all tie."""
        raise NotImplementedError

    def fit(self, batch: GroupBatch, A: torch.Tensor) -> tuple[dict[str, Any], dict[str, Any]]:
        """Line 5 on the finished group, A_i in column i of ``A`` (T, G); returns the update's
        ``info`` (with ``loss``) and what the event's backup shows beyond R, A and lengths."""
        raise NotImplementedError

    def equation(self) -> str:
        """The update as one line of text (the inspector shows it)."""
        raise NotImplementedError

    # ------------------------------------------------------------------ sampling (lines 1-3)

    def _start_group(self) -> None:
        """Line 1: choose s_0 and put all G environments there; clear the group's storage."""
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
        self.R = np.zeros(self.G)  # line 3, accumulated as the episodes run
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
        """Line 2 one step at a time; when every episode of the group has ended, lines 3-5."""
        before = self.states
        actions, logp_old = sample_actions(self.rng, self.logp_table[before])
        active = self.active.copy()
        self.buf_states.append(before.copy())
        self.buf_actions.append(actions)
        self.buf_logp.append(logp_old)  # log pi_old(a|s), for an importance ratio
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
        self.R[active] += self.discount[active] * result["rewards"][active]  # line 3
        self.discount[active] *= self.gamma
        self.active = active & ~done
        event = self.step_event(before, actions, result)
        event.info["env0_active"] = bool(active[0])
        if not self.active.any():
            self._learn(event)
        return event

    # ------------------------------------------------------------------ the update (lines 4-5)

    def _batch(self) -> GroupBatch:
        states = np.stack(self.buf_states)  # (T, G): step t of episode i
        return GroupBatch(
            states=states,
            obs=self.obs_all_t[torch.as_tensor(states.ravel())],
            actions=torch.as_tensor(np.stack(self.buf_actions).ravel()),
            logp_old=torch.as_tensor(np.stack(self.buf_logp), dtype=torch.float32),
            mask=torch.as_tensor(np.stack(self.buf_mask), dtype=torch.float32),
        )

    def _learn(self, event: Event) -> None:
        """Lines 4-5 on the finished group; the diagnostics go into ``event``."""
        batch = self._batch()
        R = self.R.copy()
        A, zero_signal = self.advantages(R)  # line 4
        info, backup = self.fit(batch, torch.as_tensor(A, dtype=torch.float32).expand(batch.shape))  # line 5

        self.updates_done += 1
        self.zero_signal_groups += int(zero_signal)
        self.last_returns, self.last_advantages = R, A
        lengths = batch.mask.sum(0).numpy().astype(np.int64)
        event.info.update(
            updated=True, **info,
            mean_return=float(R.mean()), return_std=float(R.std()), zero_signal=zero_signal,
            zero_signal_fraction=self.zero_signal_groups / self.updates_done,
            group_size=self.G, start_state=self.s0, mean_length=float(lengths.mean()),
        )  # fmt: skip
        event.backup = {"s0": self.s0, "R": R, "A": A, "lengths": lengths, **backup}
        event.equation = self.equation()
        event.changed = np.unique(batch.states[batch.mask.numpy() > 0])
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
        return {"policy": self.policy}

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "zero_signal_groups": self.zero_signal_groups}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        state = dict(state)
        self.zero_signal_groups = int(state.pop("zero_signal_groups", self.zero_signal_groups))
        super().load_state_dict(state)
