"""Dyna-Q: Q-learning plus planning on a learnt model (Sutton & Barto §8.2, Figure 8.2).

    Tabular Dyna-Q
       Initialize Q(s, a) and Model(s, a) for all s in S and a in A(s)
       Loop forever:
    (a)    S <- current (nonterminal) state
    (b)    A <- epsilon-greedy(S, Q)
    (c)    Take action A; observe resultant reward, R, and state, S'
    (d)    Q(S, A) <- Q(S, A) + alpha [R + gamma max_a Q(S', a) - Q(S, A)]
    (e)    Model(S, A) <- R, S' (assuming deterministic environment)
    (f)    Loop repeat n times:
               S <- random previously observed state
               A <- random action previously taken in S
               R, S' <- Model(S, A)
               Q(S, A) <- Q(S, A) + alpha [R + gamma max_a Q(S', a) - Q(S, A)]

Each real step is followed by n simulated ones, so one reward at the goal spreads back n
cells per step instead of one cell per episode: on the Dyna maze n = 50 walks the 14-step
path by the third episode, where plain Q-learning (n = 0) still wanders for hundreds of
steps. Planning draws its states and actions from a random stream of its own, so the agent's
exploration draws the same numbers whatever n is, and n = 0 is Q-learning update for update.

The model is the book's tabular one: the last (R, S') seen after each (S, A). On a slippery
level it keeps only the last outcome, so planning replays that one as if it were certain.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import Event, Insight, hp
from gridrl.agents.q_learning import Config as QLearningConfig
from gridrl.agents.q_learning import QLearning
from gridrl.levels import Level

#: Mixed into the seed of planning's own random stream (see the module docstring).
PLANNING_STREAM = 0xD1A
#: n's bound: at ~20 us an update, 10,000 of them make one real step take a fifth of a second.
MAX_PLANNING_STEPS = 10_000
PLANNING_EQUATION = "Q(s,a) <- Q(s,a) + alpha [r + gamma max_a' Q(s',a') - Q(s,a)]  (r, s' from the model)"


@dataclass(frozen=True)
class Config(QLearningConfig):
    """Q-learning's hyperparameters and n, the planning updates per real step."""

    # 10: enough that the values visibly race back from the goal after the first episode
    # (Figure 8.2 shows n = 5 already halving the episodes to the short path) while a step
    # stays cheap enough to watch live.
    planning_steps: int = hp(10, "n: simulated updates from the model after each real step",
                             low=0, high=MAX_PLANNING_STEPS)


class DynaQ(QLearning):
    name = "dyna-q"
    Config = Config
    summary = "Q-learning plus n simulated updates per step from a learnt model: planning"
    diagnostics = {
        "planning_updates": ("planning updates", "simulated updates made from the model in this unit: n per "
                             "real step for Dyna-Q; for prioritized sweeping, fewer when the queue runs dry.",
                             "Q(S,A) <- Q(S,A) + alpha [R + gamma max_a Q(S',a) - Q(S,A)], (R, S') = Model(S,A)"),
    }  # fmt: skip

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        self.planning_rng = np.random.default_rng([seed, PLANNING_STREAM])
        shape = (self.n_states, self.n_actions)
        self.model_next = np.full(shape, -1, dtype=np.int64)  # S' last seen after (S, A); -1: never tried
        self.model_reward = np.zeros(shape)
        self.model_terminal = np.zeros(shape, dtype=bool)
        self.planning_updates_done = 0
        self._planned = np.zeros(self.n_states, dtype=bool)  # cells planning changed this episode
        self._pairs: list[int] = []  # s * n_actions + a of each simulated update since the last report
        self.planned = np.zeros(0, dtype=np.int64)  # the pairs the last step's planning updated

    def forget(self, cells: np.ndarray) -> None:
        """A cell that became a wall is never left again: drop its model rows too, or planning
        would keep backing up its Q. Transitions *into* it stay until experience corrects them
        (the stale model of the book's blocking maze)."""
        super().forget(cells)
        self.model_next[cells] = -1

    # ------------------------------------------------------------------ the model

    def model_update(self, s: int, a: int, r: float, s_next: int, terminated: bool) -> None:
        """Model(S, A) <- R, S' (line e); a time limit is not a terminal state, so only a
        termination makes the simulated target R alone."""
        self.model_next[s, a], self.model_reward[s, a], self.model_terminal[s, a] = s_next, r, terminated

    def planning_reward(self, s: int, a: int) -> float:
        """The reward a simulated update uses: the model's R (Dyna-Q+ adds its bonus)."""
        return float(self.model_reward[s, a])

    def simulated(self, s: int, a: int) -> tuple[float, int, float]:
        """(R, S', max_a Q(S', a)) with R, S' <- Model(S, A); the max is 0 if S' is terminal."""
        s_next = int(self.model_next[s, a])
        max_next = 0.0 if self.model_terminal[s, a] else max(self.Q[s_next].tolist())
        return self.planning_reward(s, a), s_next, max_next

    def simulated_update(self, s: int, a: int) -> Event:
        """One Q-learning update on the model's (R, S') for (S, A), the last line of (f)."""
        r, s_next, max_next = self.simulated(s, a)
        self._pairs.append(s * self.n_actions + a)
        return self.td_update(s, a, r, s_next, max_next, PLANNING_EQUATION, max_Q_next=max_next, simulated=True)

    def plan(self) -> list[int]:
        """Line (f): n updates of random previously tried pairs; the states they updated.

        The model does not change while planning, so the n states are drawn at once, and
        each with a uniform number that picks one of the actions tried in it."""
        known = self.model_next >= 0
        observed = np.flatnonzero(known.any(axis=1))
        draws = self.planning_rng.random((self.config.planning_steps, 2))
        states = observed[(draws[:, 0] * observed.size).astype(np.int64)].tolist()  # random observed S
        tried: dict[int, list[int]] = {}
        for s, u in zip(states, draws[:, 1].tolist()):
            actions = tried.get(s) or tried.setdefault(s, [a for a, k in enumerate(known[s].tolist()) if k])
            self.simulated_update(s, actions[int(u * len(actions))])  # random A taken in S
        return states

    def with_planning(self, event: Event, updated: list[int]) -> Event:
        """Report planning apart from the real step: ``changed`` holds every state whose Q moved,
        ``info`` the number of simulated updates and the states they changed, for the app to
        show them differently from the real step (``event.state``, ``event.backup``)."""
        cells = np.unique(np.asarray(updated, dtype=np.int64))
        self.planned, self._pairs = np.unique(np.asarray(self._pairs, dtype=np.int64)), []
        self._planned[cells] = True
        self.planning_updates_done += len(updated)
        event.changed = np.union1d(event.changed, cells)
        event.info.update(planning_updates=len(updated), planning_changed=cells)
        return event

    # ------------------------------------------------------------------ the agent

    def learn(
        self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool
    ) -> Event:
        """Lines (d)-(f) after the real step (a)-(c) that :meth:`TabularControl.step` took."""
        event = super().learn(s, a, r, s_next, terminated, truncated)  # line (d): direct RL
        self.model_update(s, a, r, s_next, terminated)  # line (e)
        return self.with_planning(event, self.plan())  # line (f)

    def episode(self) -> Event:
        """The episode's Event counts the planning of all its steps, not just the last one's."""
        self._planned[:] = False
        done = self.planning_updates_done
        event = super().episode()
        event.info.update(planning_updates=self.planning_updates_done - done,
                          planning_changed=np.flatnonzero(self._planned))  # fmt: skip
        return event

    def insight(self) -> Insight:
        """Also, for the app: the model's S' of each (S, A) (-1: never tried) and ``planned``,
        the pairs (flat, s * 4 + a) the last step's simulated updates backed up."""
        insight = super().insight()
        insight.extras.update(planning_updates=self.planning_updates_done, model_next=self.model_next.copy(),
                              planned=self.planned.copy())  # fmt: skip
        return insight

    def _learned(self) -> dict[str, Any]:
        return {**super()._learned(), "model_next": self.model_next, "model_reward": self.model_reward,
                "model_terminal": self.model_terminal, "planning_updates_done": self.planning_updates_done}
