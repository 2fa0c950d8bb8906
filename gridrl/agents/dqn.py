"""DQN: Q-learning with a neural network, experience replay and a target network
(Mnih et al. 2015, "Human-level control through deep reinforcement learning", Algorithm 1),
with Double DQN's target as an option (van Hasselt, Guez & Silver 2016).

    Deep Q-learning with experience replay
    1  Initialize replay memory D to capacity N
    2  Initialize action-value function Q with random weights theta
    3  Initialize target action-value function Q^ with weights theta- = theta
    4  For episode = 1, M do
    5      Initialize state s_1
    6      For t = 1, T do
    7          With probability epsilon select a random action a_t,
    8          otherwise select a_t = argmax_a Q(s_t, a; theta)
    9          Execute action a_t, observe reward r_t and state s_t+1
    10         Store transition (s_t, a_t, r_t, s_t+1) in D
    11         Sample a random minibatch of transitions (s_j, a_j, r_j, s_j+1) from D
    12         Set y_j = r_j                                         if the episode terminates at j+1
    13                   r_j + gamma max_a' Q^(s_j+1, a'; theta-)    otherwise
    14         Perform a gradient descent step on (y_j - Q(s_j, a_j; theta))^2 with respect to theta
    15         Every C steps reset Q^ = Q

It is the Q-learning update of Sutton & Barto eq. 6.8 with a network in place of the table.
The two additions keep that from diverging: replay (line 10-11) breaks the correlation of
consecutive transitions, and the target network (line 13, 15) holds the bootstrap target
still for C steps, so Q is not chasing its own tail at every gradient step.

Double DQN changes only line 13: the online network *chooses* the next action and the target
network *evaluates* it, y = r + gamma Q^(s', argmax_a' Q(s', a'; theta); theta-)
(van Hasselt et al. 2016, eq. 4). The max of noisy estimates is biased upwards; decoupling
choice from evaluation removes most of that bias.

What "step" and "update" mean here: one step is one step of all ``num_envs`` environment
copies (``num_envs`` transitions into D); every ``train_freq`` steps, once
``learning_starts`` steps have passed, an update runs ``gradient_steps`` minibatch steps
(lines 11-14). Every counted period (``train_freq``, ``target_update``, ``learning_starts``,
``exploration_steps``) is in these steps.

Departures from Algorithm 1, each a setting: Adam instead of RMSProp (``lr``); the squared
error of line 14 is replaced by the Huber loss, which is what the paper's "error clipping"
amounts to (``huber``); gradient-norm clipping (``max_grad_norm``); several environments at once
(``num_envs``); and, by default, a soft target update theta- <- tau theta + (1 - tau) theta-
at every step (Lillicrap et al. 2016) instead of line 15's copy every C steps (``tau = 1``,
``target_update = C`` restores it). Why: on the bundled mazes the copy every C steps lets Q
overshoot far above any reachable return once the goal's value starts to spread (a bump
into a wall is a self-loop, y = gamma max_a Q(s, a), and the max picks up every upward
error), and it takes tens of thousands of steps to come back; a slowly following target
damps that. Watch it: V at the start above 1 on a level whose only reward is +1.

A time limit is not a terminal state: line 12 applies only when the episode *terminated*; a
truncated transition still bootstraps from the state it was cut in. On a bandit every pull is
a whole one-step episode, so y = r: Q(a) learns the mean reward of arm a.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from gridrl.agents.base import Event, hp
from gridrl.agents.common.deep import DeepAgent, diagnostics_of, mlp
from gridrl.agents.common.exploration import epsilon_greedy_probs
from gridrl.agents.common.replay import ReplayBuffer
from gridrl.levels import Level


@dataclass(frozen=True)
class Config:
    """DQN's hyperparameters. Every period is counted in steps (one step of all envs)."""

    lr: float = hp(1e-3, "Adam learning rate of the Q-network", low=0.0, high=1.0, low_open=True)
    gamma: float | None = hp(None, "discount gamma; none = the level's", low=0.0, high=1.0, optional=True)
    buffer_size: int = hp(100_000, "replay memory D: the newest transitions kept (line 1)", low=1, high=10_000_000)
    batch_size: int = hp(128, "transitions per minibatch (line 11)", low=1, high=65_536)
    learning_starts: int = hp(100, "steps of pure collection before the first update", low=0)
    train_freq: int = hp(1, "an update every this many steps", low=1)
    gradient_steps: int = hp(1, "minibatch gradient steps per update (lines 11-14)", low=1, high=1000)
    target_update: int = hp(1, "every this many steps the target network moves towards Q (line 15's C)", low=1)
    tau: float = hp(0.02, "theta- <- tau theta + (1-tau) theta-: 1 = the paper's copy, < 1 a slowly following target",
                    low=0.0, high=1.0, low_open=True)  # fmt: skip
    double: bool = hp(False, "Double DQN target: Q chooses a', the target network evaluates it")
    epsilon_start: float = hp(1.0, "exploration: epsilon at the first step (lines 7-8)", low=0.0, high=1.0)
    epsilon_end: float = hp(0.05, "exploration: epsilon after the decay", low=0.0, high=1.0)
    exploration_steps: int = hp(1000, "steps over which epsilon falls linearly from start to end", low=0)
    huber: bool = hp(True, "Huber loss (the paper's error clipping); false = squared error")
    max_grad_norm: float = hp(10.0, "clip the gradient norm to this (stops rare huge TD errors); 0 = off", low=0.0)
    hidden: int = hp(64, "units in each of the two hidden layers", low=1, high=4096)
    num_envs: int = hp(4, "environment copies stepped together", low=1, high=1024)
    obs: str = hp("onehot", "gridworld input: a one-hot cell, or (row, col) coordinates",
                  choices=("onehot", "coords"))  # fmt: skip


#: Q and Q^ change at every step, so on levels of more cells than this only the rows asked for
#: (the N current states, a minibatch's s') are computed, not every cell's.
WHOLE_TABLE = 256


# --------------------------------------------------------------------------- the network


def q_network(obs_dim: int, n_actions: int, hidden: int, one_hot: bool = False) -> nn.Sequential:
    """Q(s, .; theta): an observation in, one value per action out (Mnih et al.'s architecture
    with the convolutions dropped: our states are cells, not Atari frames): two ReLU layers.

    The output layer starts tiny (gain 0.01), so Q starts near 0 everywhere, as the table of
    tabular Q-learning does. With a full-size output the initial Q is random noise of size
    ~1, and max_a' over it, bootstrapped through states that loop on themselves (bumping a
    wall), inflates every value before the first reward is ever seen. ``one_hot``: the input
    is a cell index (see :class:`~gridrl.agents.common.deep.OneHotLinear`).
    """
    return mlp(obs_dim, n_actions, hidden, out_gain=0.01, activation=nn.ReLU, one_hot=one_hot)


def soft_update(target: list[torch.Tensor], online: list[torch.Tensor], tau: float) -> None:
    """theta- <- tau theta + (1 - tau) theta-  (line 15 when tau = 1), on parameter lists."""
    with torch.no_grad():
        if tau == 1.0:
            torch._foreach_copy_(target, online)
        else:
            torch._foreach_lerp_(target, online, tau)


# --------------------------------------------------------------------------- the loss


def td_target(
    r: torch.Tensor,
    Q_next_target: torch.Tensor,
    terminated: torch.Tensor,
    gamma: float,
    Q_next_online: torch.Tensor | None = None,
) -> torch.Tensor:
    """The TD target y of line 12-13, for a batch.

        DQN:         y = r + gamma (1 - terminated) max_a' Q^(s', a')
        Double DQN:  y = r + gamma (1 - terminated) Q^(s', argmax_a' Q(s', a'))   (vH 2016 eq. 4)

    ``Q_next_target`` is Q^(s', .; theta-) (B, A); passing ``Q_next_online`` = Q(s', .; theta)
    selects Double DQN. Only ``terminated`` zeroes the bootstrap: a truncated transition's
    s' is the state the time limit cut it in, and its future is real.
    """
    if Q_next_online is None:
        next_value = Q_next_target.max(dim=1).values
    else:
        a_star = Q_next_online.argmax(dim=1, keepdim=True)
        next_value = Q_next_target.gather(1, a_star).squeeze(1)
    return r + gamma * (1.0 - terminated.float()) * next_value


def dqn_loss(
    q: Callable[[torch.Tensor], torch.Tensor],
    q_target: Callable[[torch.Tensor], torch.Tensor],
    obs: torch.Tensor,
    a: torch.Tensor,
    r: torch.Tensor,
    obs_next: torch.Tensor,
    terminated: torch.Tensor,
    gamma: float,
    double: bool = False,
    huber: bool = True,
    Q_next_target: torch.Tensor | None = None,
) -> tuple[torch.Tensor, dict[str, float]]:
    """The loss of line 14 on a minibatch, and what a student should see of it.

        L(theta) = mean_j  l(y_j - Q(s_j, a_j; theta)),   y_j held fixed (no gradient)

    with l the Huber function (1/2 x^2 for |x| <= 1, |x| - 1/2 beyond) or 1/2 x^2 (``huber``
    false). ``q`` and ``q_target`` map a batch of inputs (``obs``, ``obs_next``) to Q values
    (B, A), e.g. the networks themselves. ``Q_next_target``, if given, is Q^(s', .) already
    computed (the agent looks it up in its table of Q^ over all cells, which changes only
    when the target network moves); else ``q_target(obs_next)`` computes it.

    ``info``: ``loss``; ``q_mean``, the mean Q(s_j, a_j); ``td_error_abs``, the mean
    |delta_j| = |y_j - Q(s_j, a_j)|; ``target_mean``, the mean y_j.
    """
    if double:  # one forward pass for Q(s, .) and Q(s', .)
        Q_both = q(torch.cat([obs, obs_next]))
        Q_s, Q_next_online = Q_both[: len(obs)], Q_both[len(obs) :].detach()
    else:
        Q_s, Q_next_online = q(obs), None
    Q_sa = Q_s.gather(1, a.view(-1, 1)).squeeze(1)
    with torch.no_grad():
        if Q_next_target is None:
            Q_next_target = q_target(obs_next)
        y = td_target(r, Q_next_target, terminated, gamma, Q_next_online)  # lines 12-13
    if huber:
        loss = F.smooth_l1_loss(Q_sa, y)
    else:
        loss = 0.5 * F.mse_loss(Q_sa, y)
    delta = (y - Q_sa).detach()
    info = {
        "loss": float(loss.detach()),
        "q_mean": float(Q_sa.detach().mean()),
        "td_error_abs": float(delta.abs().mean()),
        "target_mean": float(y.mean()),
    }
    return loss, info


# --------------------------------------------------------------------------- the agent


class DQN(DeepAgent):
    name = "dqn"
    Config = Config
    summary = "Q-learning with a network, replay memory and a target network (Mnih et al. 2015)"
    diagnostics = diagnostics_of(
        "td_error_abs", "epsilon", "loss", "q_mean", "target_mean", "grad_norm",
        td_error_abs=("|TD error|", "Mean |y − Q(s,a)| over the minibatch, y = r + γ max Q_target(s′,·). "
                                    "It should fall and level off; steady growth means Q is diverging.",
                      "mean_j |y_j − Q(s_j,a_j)|,  y = r + γ (1 − done) max_a' Q̂(s',a')"),
        epsilon=("exploration ε", "Probability of a random action, decaying by the schedule; the agent "
                                  "exploits more as it falls.",
                 "ε = ε_start + min(1, t / exploration_steps) (ε_end − ε_start)"),
        loss=("loss", "The Huber / squared loss of the TD errors this update; noisy, it should fall.",
              "mean_j ℓ(y_j − Q(s_j,a_j)),  ℓ = Huber or ½ x²"),
        q_mean=("mean Q", "Mean Q(s,a) of the minibatch; it should approach the returns the level pays, "
                          "and not climb without bound (overestimation).",
                "mean_j Q(s_j,a_j)"),
        target_mean=("mean target y", "Mean TD target r + γ max Q_target(s′,·); it tracks mean Q a little "
                                      "ahead of it.",
                     "mean_j y_j"),
    )
    level_kinds = ("gridworld", "bandit")

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)  # seeds torch: the networks below are reproducible
        c = self.config
        self.q = q_network(self.obs_dim, self.n_actions, c.hidden, self.one_hot)  # line 2
        self.q_target = copy.deepcopy(self.q)  # line 3: theta- = theta
        self.q_target.requires_grad_(False)
        self.optimizer = self.adam("q", [self.q], c.lr)
        self.params, self.target_params = list(self.q.parameters()), list(self.q_target.parameters())
        self.replay = ReplayBuffer(c.buffer_size)  # line 1
        self.steps_done = 0
        # Q(s, .) and Q^(s, .) rows, computed after a network changed only for the cells asked
        # for (all at once on a small level): acting, the backup and the targets are lookups.
        self.Q_rows = self.state_table(self.q, WHOLE_TABLE)
        self.Q_target_rows = self.state_table(self.q_target, WHOLE_TABLE)
        self._find_no_value()
        self.equation = (
            "y = r + gamma (1 - terminated) Q^(s', argmax_a' Q(s',a')),  delta = y - Q(s,a)"
            if c.double else
            "y = r + gamma (1 - terminated) max_a' Q^(s',a'),  delta = y - Q(s,a)"
        )  # fmt: skip

    def _find_no_value(self) -> None:
        """The cells whose Q is 0 by definition: terminal cells and walls."""
        if self.is_bandit:
            self.no_value = np.zeros(self.n_states, dtype=bool)
        else:
            model = self.envs.model
            self.no_value = model.terminal | model.wall  # Q(terminal, .) = 0 by definition

    def rebuild_environment(self) -> None:
        """After a live edit, new walls and goals show Q = 0 and former ones the network's Q."""
        super().rebuild_environment()
        self._find_no_value()

    @property
    def epsilon(self) -> float:
        """Linear decay from epsilon_start to epsilon_end over exploration_steps steps."""
        c = self.config
        if c.exploration_steps == 0:
            return c.epsilon_end
        frac = min(1.0, self.steps_done / c.exploration_steps)
        return c.epsilon_start + frac * (c.epsilon_end - c.epsilon_start)

    # ------------------------------------------------------------------ acting and learning

    def Q_table(self) -> np.ndarray:
        """Q(s, a; theta) for every state s, (S, A)."""
        return self.Q_rows[np.arange(self.n_states)]

    def Q_target_table(self) -> np.ndarray:
        """Q^(s, a; theta-) for every state, (S, A)."""
        return self.Q_target_rows[np.arange(self.n_states)]

    def act_and_learn(self) -> Event:
        c = self.config
        s = self.states
        N = self.num_envs
        epsilon = self.epsilon
        # lines 7-8: epsilon-greedy for every copy at once
        explore = self.rng.random(N) < epsilon
        random_a = self.rng.integers(self.n_actions, size=N)
        a = np.where(explore, random_a, self.Q_rows[s].argmax(axis=1))
        result = self.env_step(a)  # line 9
        s_next = result["final_states"]  # where each transition went, before any reset
        terminated, truncated = self.learning_ends(result)
        self.replay.add(s, a, result["rewards"], s_next, terminated, truncated)  # line 10
        self.steps_done += 1

        event = self.step_event(s, a, result)
        event.backup = self._backup(int(s[0]), int(a[0]), float(result["rewards"][0]), int(s_next[0]),
                                    bool(terminated[0]), bool(truncated[0]))  # fmt: skip
        event.backup["epsilon"] = epsilon
        event.td_error = event.backup["td_error"]
        event.equation = self.equation

        learning = self.steps_done >= c.learning_starts
        if learning and self.steps_done % c.train_freq == 0:
            event.info = self.learn()
            event.info["epsilon"] = epsilon
            event.changed = np.arange(self.n_states)  # a network update moves every state's Q
        if learning and self.steps_done % c.target_update == 0:
            soft_update(self.target_params, self.params, c.tau)  # line 15
            self.Q_target_rows.clear()
        return event

    def learn(self) -> dict[str, Any]:
        """One update: ``gradient_steps`` minibatch steps (lines 11-14); the last one's info."""
        c = self.config
        info: dict[str, Any] = {}
        for _ in range(c.gradient_steps):
            batch = self.replay.sample(self.rng, c.batch_size)  # line 11
            s, s_next = torch.from_numpy(batch.s), torch.from_numpy(batch.s_next)
            loss, info = dqn_loss(
                self.q, self.q_target,
                self.obs_all_t[s], torch.from_numpy(batch.a),
                torch.from_numpy(batch.r).float(), self.obs_all_t[s_next],
                torch.from_numpy(batch.terminated), self.gamma, c.double, c.huber,
                Q_next_target=torch.from_numpy(self.Q_target_rows[batch.s_next]).float(),  # float32 as computed
            )  # fmt: skip
            info["grad_norm"] = self.optimizer.step(loss, c.max_grad_norm or None)  # line 14
        self.Q_rows.clear()
        self.updates_done += 1
        info["updated"] = True
        return info

    def _backup(
        self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool
    ) -> dict[str, Any]:
        """Lines 12-13 written out for one transition (environment 0's), for the inspector."""
        Q_target_next = self.Q_target_rows[np.array([s_next])][0]
        if self.config.double:
            a_star = int(self.Q_rows[np.array([s_next])][0].argmax())
            next_value = float(Q_target_next[a_star])
        else:
            a_star = int(Q_target_next.argmax())
            next_value = float(Q_target_next.max())
        y = r + self.gamma * (0.0 if terminated else next_value)  # as td_target() computes it
        Q_sa = float(self.Q_rows[np.array([s])][0, a])
        return {"s": s, "a": a, "r": r, "s_next": s_next, "terminated": terminated,
                "truncated": truncated, "gamma": self.gamma, "a_next": a_star,
                "Q_target_next": next_value, "target": y, "Q": Q_sa, "td_error": y - Q_sa}  # fmt: skip

    # ------------------------------------------------------------------ insight, save, load

    def evaluate_states(self, obs: torch.Tensor) -> dict[str, Any]:
        """Q(s, .) of every state from one forward pass; V = max_a Q; pi = epsilon-greedy in Q."""
        Q = self.q(obs).numpy().astype(np.float64)
        if len(Q) == self.n_states:
            Q[self.no_value] = 0.0  # never trained there: terminal (and wall) cells are worth 0
        epsilon = self.epsilon
        extras: dict[str, Any] = {"epsilon": epsilon, "steps": self.steps_done, "replay_size": len(self.replay)}
        return {"Q": Q, "V": Q.max(axis=1), "pi": epsilon_greedy_probs(Q, epsilon), "extras": extras}

    def networks(self) -> dict[str, nn.Module]:
        return {"q": self.q, "q_target": self.q_target}

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "steps_done": self.steps_done}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        state = dict(state)
        self.steps_done = int(state.pop("steps_done", self.steps_done))
        super().load_state_dict(state)

