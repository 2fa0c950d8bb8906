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

The model (``model``). ``last`` is the book's tabular one: the last (R, S') seen after each
(S, A), "assuming deterministic environment". On a slippery level it keeps only the last
outcome and planning replays it as if it were certain; on Frozen Lake 8x8, where a move goes
where meant a third of the time, that model is wrong two times in three and the greedy
policy never settles. ``expected`` counts every outcome instead (S', its mean reward, whether
it ended the episode) and each simulated update is the expected update over the empirical
distribution p_hat(s' | s, a) = N(s, a, s') / N(s, a), as §8.4 proposes for stochastic
environments (and §8.5 compares with sample updates):

    Q(S, A) <- Q(S, A) + alpha [ sum_s' p_hat(s'|S,A) (r_hat(S,A,s') + gamma max_a Q(s', a)) - Q(S, A) ]

(max_a Q(s', a) = 0 for an s' that ended the episode). On a deterministic level the two
models are the same. Each (S, A) keeps at most ``OUTCOMES`` distinct S' (a gridworld move
has at most five: four neighbours or staying); a further one replaces the rarest.
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
EXPECTED_EQUATION = ("Q(s,a) <- Q(s,a) + alpha [sum_s' p_hat(s'|s,a) (r_hat + gamma max_a' Q(s',a')) - Q(s,a)]"
                     "  (p_hat, r_hat counted by the model)")
#: Distinct outcomes S' an ``expected`` model keeps per (S, A).
OUTCOMES = 8


@dataclass(frozen=True)
class Config(QLearningConfig):
    """Q-learning's hyperparameters and n, the planning updates per real step."""

    # 10: enough that the values visibly race back from the goal after the first episode
    # (Figure 8.2 shows n = 5 already halving the episodes to the short path) while a step
    # stays cheap enough to watch live.
    planning_steps: int = hp(10, "n: simulated updates from the model after each real step",
                             low=0, high=MAX_PLANNING_STEPS)
    model: str = hp("last", "the model planning uses: last = the last R, S' of each (S, A), the book's "
                    "deterministic one; expected = counts of every S', planning makes expected updates",
                    choices=("last", "expected"))  # fmt: skip


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
        # The ``expected`` model: per (S, A), up to OUTCOMES distinct S' with their counts,
        # summed rewards and whether they ended the episode (slot unused: S' = -1).
        self.outcome_next = np.full((*shape, OUTCOMES), -1, dtype=np.int64)
        self.outcome_count = np.zeros((*shape, OUTCOMES))
        self.outcome_reward = np.zeros((*shape, OUTCOMES))
        self.outcome_terminal = np.zeros((*shape, OUTCOMES), dtype=bool)
        self._expected: dict[tuple[int, int], tuple[float, int, list[tuple[float, int]]]] = {}  # cache
        self.led_to: dict[int, set[tuple[int, int]]] = {}  # S' -> the pairs seen leading to it (a cache)
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
        self.outcome_next[cells] = -1
        self.outcome_count[cells] = 0.0
        self.outcome_reward[cells] = 0.0  # expected_outcome sums every slot's rewards
        self.rebuild_expected()

    # ------------------------------------------------------------------ the model

    def model_update(self, s: int, a: int, r: float, s_next: int, terminated: bool) -> None:
        """Model(S, A) <- R, S' (line e); a time limit is not a terminal state, so only a
        termination makes the simulated target R alone."""
        self.model_next[s, a], self.model_reward[s, a], self.model_terminal[s, a] = s_next, r, terminated
        if self.config.model == "expected":
            self.count_outcome(s, a, r, s_next, terminated)

    def count_outcome(self, s: int, a: int, r: float, s_next: int, terminated: bool) -> None:
        """N(S, A, S') += 1 and its reward sum += R, in S''s slot (or a free one, or the rarest's)."""
        slots = self.outcome_next[s, a].tolist()
        if s_next in slots:
            k = slots.index(s_next)
        else:
            k = slots.index(-1) if -1 in slots else int(np.argmin(self.outcome_count[s, a]))
            self.outcome_next[s, a, k], self.outcome_count[s, a, k], self.outcome_reward[s, a, k] = s_next, 0.0, 0.0
        self.outcome_count[s, a, k] += 1.0
        self.outcome_reward[s, a, k] += r
        self.outcome_terminal[s, a, k] = terminated
        self._expected[(s, a)] = self.expected_outcome(s, a)
        self.led_to.setdefault(s_next, set()).add((s, a))

    def expected_outcome(self, s: int, a: int) -> tuple[float, int, list[tuple[float, int]]]:
        """(sum_s' p_hat r_hat, the likeliest S', [(p_hat(s'), s') for the s' that did not end
        the episode]): what a simulated update needs, recomputed only when a count changes."""
        n, nexts = self.outcome_count[s, a].tolist(), self.outcome_next[s, a].tolist()
        ended, total = self.outcome_terminal[s, a].tolist(), sum(n)
        r_total = float(self.outcome_reward[s, a].sum()) / total  # = sum_s' p_hat(s') r_hat(s')
        branches = [(n_k / total, s_k) for n_k, s_k, end in zip(n, nexts, ended) if n_k and not end]
        return r_total, nexts[n.index(max(n))], branches

    def planning_bonus(self, s: int, a: int) -> float:
        """Added to the model's reward in a simulated update: 0 here; Dyna-Q+'s kappa sqrt(tau)."""
        return 0.0

    def simulated(self, s: int, a: int) -> tuple[float, int, float]:
        """(R, S', max_a Q(S', a)) with R, S' <- Model(S, A); the max is 0 if S' is terminal.

        For the ``expected`` model, R and the max are their expectations under p_hat(. | S, A)
        (so R + gamma max is the expected update's target) and S' is the likeliest outcome."""
        outcomes = self._expected.get((s, a)) if self.config.model == "expected" else None
        if outcomes is not None:
            r_hat, likeliest, branches = outcomes
            max_next = sum(p * max(self.Q[s_next].tolist()) for p, s_next in branches)
            return r_hat + self.planning_bonus(s, a), likeliest, max_next
        s_next = int(self.model_next[s, a])
        max_next = 0.0 if self.model_terminal[s, a] else max(self.Q[s_next].tolist())
        return float(self.model_reward[s, a]) + self.planning_bonus(s, a), s_next, max_next

    def simulated_update(self, s: int, a: int) -> Event:
        """One Q-learning update on the model's (R, S') for (S, A), the last line of (f)."""
        r, s_next, max_next = self.simulated(s, a)
        self._pairs.append(s * self.n_actions + a)
        equation = EXPECTED_EQUATION if self.config.model == "expected" else PLANNING_EQUATION
        return self.td_update(s, a, r, s_next, max_next, equation, max_Q_next=max_next, simulated=True)

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

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Also rebuild the expected model's caches from the restored counts."""
        super().load_state_dict(state)
        self.rebuild_expected()

    def rebuild_expected(self) -> None:
        """The caches of the ``expected`` model, from its counts."""
        self._expected, self.led_to = {}, {}
        for s, a, k in zip(*np.nonzero(self.outcome_count)):
            s, a = int(s), int(a)
            self._expected[(s, a)] = self.expected_outcome(s, a)
            self.led_to.setdefault(int(self.outcome_next[s, a, k]), set()).add((s, a))

    def _learned(self) -> dict[str, Any]:
        return {**super()._learned(), "model_next": self.model_next, "model_reward": self.model_reward,
                "model_terminal": self.model_terminal, "outcome_next": self.outcome_next,
                "outcome_count": self.outcome_count, "outcome_reward": self.outcome_reward,
                "outcome_terminal": self.outcome_terminal, "planning_updates_done": self.planning_updates_done}
