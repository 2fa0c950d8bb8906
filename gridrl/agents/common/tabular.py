"""Machinery shared by the tabular agents that learn from experience: the environment loop
(:class:`TabularEpisodes`, also under the prediction agents of :mod:`.prediction`), and for
the control agents (Monte Carlo, Sarsa, Expected Sarsa, Q-learning) the Q table and the
epsilon schedule (:class:`TabularControl`).

A subclass writes only its learning rule, :meth:`TabularEpisodes.learn`, which sees one
transition and returns the Event of its update; :meth:`TabularEpisodes.choose` is the
behaviour policy (Sarsa overrides it to reuse the action it already committed to).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import PROGRESS_EVERY, Agent, Event, Insight, hp
from gridrl.agents.common.exploration import decayed, epsilon_greedy, epsilon_greedy_probs
from gridrl.envs import GridWorldEnv
from gridrl.levels import Level


@dataclass(frozen=True)
class TabularControlConfig:
    """The hyperparameters every tabular control agent has; each agent's Config extends it."""

    alpha: float = hp(0.5, "step size alpha of the TD update", low=0.0, high=1.0, low_open=True)
    epsilon: float = hp(0.1, "exploration: probability of a random action", low=0.0, high=1.0)
    epsilon_decay: float = hp(1.0, "epsilon is multiplied by this after every episode", low=0.0, high=1.0)
    epsilon_min: float = hp(0.0, "epsilon never decays below this", low=0.0, high=1.0)
    gamma: float | None = hp(None, "discount gamma; none = the level's", low=0.0, high=1.0, optional=True)
    q_init: float = hp(0.0, "Q(s, a) of every pair before learning; above what the level can pay it is "
                       "optimistic, and even a greedy agent tries every action (§2.6)")  # fmt: skip


class TabularEpisodes(Agent):
    """The loop of an agent acting in a gridworld episode by episode: one env, visit counts,
    the episode in progress. Its Config has ``gamma`` (None = the level's discount)."""

    level_kinds = ("gridworld",)
    #: True for agents that learn nothing before the episode ends: an update is an episode.
    learns_at_episode_end = False

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.env = GridWorldEnv(level)
        self.n_states = self.env.model.n_states
        self.n_actions = self.env.model.n_actions
        self.gamma = self.discount()
        self.visits = np.zeros(self.n_states, dtype=np.int64)
        self.episodes_done = 0
        self.s: int | None = None  # state the agent is in; None between episodes
        self.episode_return = 0.0
        self.episode_steps = 0
        self.first_action: int | None = None  # of the episode in progress
        self._seeded = False

    # ------------------------------------------------------------------ hooks

    def discount(self) -> float:
        """gamma: the Config's, or the level's where the Config says None."""
        return self.level.dynamics.gamma if self.config.gamma is None else self.config.gamma

    def choose(self, s: int) -> int:
        """The behaviour policy: the action taken in ``s``."""
        raise NotImplementedError

    def learn(
        self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool
    ) -> Event:
        """Update from one transition; return the Event describing the update."""
        raise NotImplementedError

    def begin_episode(self, s: int) -> None:
        """Called after each reset (Sarsa picks its first action here)."""

    # ------------------------------------------------------------------ units

    def _reset(self) -> None:
        seed = None if self._seeded else self.seed
        self._seeded = True
        s, _ = self.env.reset(seed=seed)
        self.s, self.episode_return, self.episode_steps = int(s), 0.0, 0
        self.begin_episode(self.s)

    def step(self) -> Event:
        if self.s is None:
            self._reset()
        s = self.s
        a = self.choose(s)
        if self.episode_steps == 0:
            self.first_action = a
        s_next, r, terminated, truncated, _ = self.env.step(a)
        self.visits[s] += 1
        self.episode_return += r
        self.episode_steps += 1
        event = self.learn(s, a, float(r), int(s_next), terminated, truncated)
        event.unit, event.steps = "step", 1
        event.state, event.action, event.reward, event.next_state = s, a, float(r), int(s_next)
        self.s = int(s_next)
        if terminated or truncated:
            event.done = True
            event.episode_return, event.episode_length = self.episode_return, self.episode_steps
            event.first_action = self.first_action
            self.episodes_done += 1
            self.s = None
        return event

    def episode(self) -> Event:
        """Steps until the current episode ends; ``changed`` collects every updated state (in a
        mask over the states: an episode of millions of steps must not hold an array per step)."""
        changed = np.zeros(self.n_states, dtype=bool)
        steps = 0
        while True:
            event = self.step()
            changed[event.changed] = True
            steps += 1
            if event.done:
                break
            if self.on_progress is not None and steps % PROGRESS_EVERY == 0:
                self.on_progress(steps, "steps")
        event.unit, event.steps = "episode", steps
        event.changed = np.flatnonzero(changed)
        return event

    def update(self) -> Event:
        """One learning update: for one-step TD methods, one step; a whole episode for those
        that learn only when it ends (``learns_at_episode_end``: Monte Carlo)."""
        event = self.episode() if self.learns_at_episode_end else self.step()
        event.unit = "update"
        return event


class TabularControl(TabularEpisodes):
    """Epsilon-greedy control with a table Q(s, a) on a gridworld (Sutton & Barto ch. 5-6).

    Config is a :class:`TabularControlConfig` (``gamma=None`` = the level's discount).
    """

    #: True for agents that learn q* (Q-learning): V(s) shown as max_a Q(s, a).
    #: Otherwise V(s) = sum_a pi(a|s) Q(s, a), the value of the policy actually followed.
    greedy_values = False

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.Q = self.initial_q()

    def initial_q(self) -> np.ndarray:
        """Q_1: ``q_init`` everywhere but at terminal states and walls, whose values are 0.

        Where every return is positive (a maze paying +1 at its goal), 0 is pessimistic: the
        first path found looks better than any untried action, and an on-policy agent keeps
        to it (Sarsa on dyna_maze: 3 of 5 seeds on a path 2 steps long after 200,000 steps).
        q_init = 1, the most a return there can be, makes every untried action look better
        than what was tried (optimistic initial values, §2.6): the shortest path in ~4,000."""
        model = self.env.model
        Q = np.full((self.n_states, self.n_actions), float(self.config.q_init))
        Q[model.terminal | model.wall] = 0.0
        return Q

    def rebuild_environment(self) -> None:
        """A new env with the edited dynamics; Q, visits and the agent's position stay, except
        in cells that became walls: a wall has no values, so its Q goes back to the initial 0
        (and, should it become floor again, is learned afresh rather than resurrected)."""
        state = self.env.s
        self.env = GridWorldEnv(self.level)
        self.env.reset(seed=int(self.rng.integers(2**31)))
        self.forget(self.env.model.wall)
        if self.s is not None:
            if self.env.model.wall[self.s] or self.env.model.terminal[self.s]:
                self.s = None  # the agent stood where a wall/goal now is: start a new episode
            else:
                self.env.s = state
                self.env.t = self.episode_steps

    def forget(self, cells: np.ndarray) -> None:
        """Back to the initial estimates in ``cells`` (a boolean mask over states)."""
        self.Q[cells] = 0.0

    @property
    def epsilon(self) -> float:
        c = self.config
        return decayed(c.epsilon, c.epsilon_decay, c.epsilon_min, self.episodes_done)

    # ------------------------------------------------------------------ hooks

    def choose(self, s: int) -> int:
        """The behaviour policy: epsilon-greedy in Q."""
        return epsilon_greedy(self.rng, self.Q[s], self.epsilon)

    def td_update(
        self, s: int, a: int, r: float, s_next: int, next_value: float, equation: str,
        **terms: Any,
    ) -> Event:  # fmt: skip
        """The one-step TD update the three TD agents share, given their bootstrap term:

            delta_t = r + gamma * next_value - Q(s, a);   Q(s, a) <- Q(s, a) + alpha * delta_t

        ``next_value`` is max_a' Q(s', a') for Q-learning, Q(s', a') for Sarsa, the expectation
        under pi for Expected Sarsa, and 0 when s' is terminal. ``terms`` are the agent's own
        numbers for the inspector (e.g. ``a_next``).
        """
        alpha, Q = self.config.alpha, self.Q
        target = r + self.gamma * next_value
        q_old = float(Q[s, a])
        td_error = target - q_old  # delta_t
        Q[s, a] = q_old + alpha * td_error
        backup = {"s": s, "a": a, "r": r, "s_next": s_next, "alpha": alpha, "gamma": self.gamma,
                  "Q_old": q_old, **terms, "target": target, "td_error": td_error,
                  "Q_new": float(Q[s, a])}  # fmt: skip
        return Event(
            unit="step", td_error=td_error, changed=np.array([s]), equation=equation, backup=backup
        )

    def insight(self) -> Insight:
        pi = epsilon_greedy_probs(self.Q, self.epsilon)
        V = self.Q.max(axis=1) if self.greedy_values else (pi * self.Q).sum(axis=1)
        terminal_or_wall = self.env.model.terminal | self.env.model.wall
        V = np.where(terminal_or_wall, 0.0, V)
        return Insight(
            V=V, Q=self.Q.copy(), pi=pi, visits=self.visits.copy(),
            extras={"epsilon": self.epsilon, "episodes": self.episodes_done},
        )  # fmt: skip

    def _learned(self) -> dict[str, Any]:
        return {"Q": self.Q, "visits": self.visits, "episodes_done": self.episodes_done}
