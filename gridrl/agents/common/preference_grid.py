"""What the preference agents on a gridworld share (DPO, RLHF-PPO): the reference policy, pairs
of whole episodes, a tabular soft-max policy started at pi_ref, and its distances to the exact
optimum.

On a gridworld the labeller compares two episodes x, y of pi_ref by their undiscounted true
returns R(x) = sum_t r(s_t, a_t), P(x > y) = sigmoid((R(x) - R(y)) / tau), and every method
aims at the maximiser of the KL-regularised return with a KL penalty at every step,

    J(pi) = E_pi[sum_t r(s_t, a_t) / tau - beta log(pi(a_t|s_t) / pi_ref(a_t|s_t))],

the soft-optimal policy of soft value iteration on the model with gamma = 1
(:func:`gridrl.preferences.optimum.soft_optimal_policy`):

    Q(s, a) = r(s, a) / tau + sum_s' p(s'|s, a) V(s'),   V(s) = beta log sum_a pi_ref(a|s) exp(Q(s, a) / beta),
    pi*(a|s) = pi_ref(a|s) exp((Q(s, a) - V(s)) / beta).

It exists where V is finite: where every cell can reach a terminal one and no loop pays more
than 0 (a per-step cost, rewards <= 0 except entering the goal, as on ``garden``). Elsewhere
the agents still learn, and the distances to pi* are NaN. pi* is stationary: it ignores the
level's step cap (``max_steps``), which cuts some of pi_ref's episodes short; V(s_T) of the
cell an episode is cut in is then missing from its return, and the pairs' labels are not quite
those pi* answers. On ``garden`` the SFT reference's episodes (15.3 steps on average) reached
the cap of 100 in none of 100,000 samples; the uniform reference's (70 steps) are cut in 40%,
which is why garden recommends ``reference: sft``.

The policy is a table of logits theta(s, a), pi_theta(.|s) = softmax(theta(s, .)) (eq. 2.11), started
at theta = log pi_ref. As on a bandit, neither agent acts to learn: every unit makes one
update and one display step of pi in the level's environment, whose reward never reaches the
update, so the app's episode returns show what the policy earns.

Distances, with d_pi(s) the expected number of steps an episode of pi takes from s
(:func:`gridrl.preferences.optimum.expected_visits`):

    kl_to_optimum = KL(P_pi(episode) || P_pi*(episode)) = sum_s d_pi(s) KL(pi(.|s) || pi*(.|s)),
    tv_to_optimum = sum_s d_pi(s) TV(pi(.|s), pi*(.|s)) / sum_s d_pi(s)   (per step, under pi),
    kl_ref        = sum_s d_pi(s) KL(pi(.|s) || pi_ref(.|s))              (what beta penalises).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gridrl.agents.base import Event, HyperparameterError, Insight
from gridrl.agents.common.bandit import softmax
from gridrl.agents.common.preference import DATA_STREAM, PreferenceConfig, load_pairs_file, n_pairs
from gridrl.agents.common.tabular import TabularEpisodes
from gridrl.envs.evaluation import MAX_SOLVED_STATES
from gridrl.levels import Level, compile_grid
from gridrl.preferences.data import PreferenceData
from gridrl.preferences.labeller import sft_policy, trajectory_pairs
from gridrl.preferences.optimum import (
    episode_return,
    expected_visits,
    kl,
    regularised_values,
    soft_optimal_policy,
    total_variation,
)

REFERENCES = ("auto", "uniform", "sft")
#: Soft value iteration at gamma = 1 converges geometrically where pi* exists; past this many
#: sweeps it is taken not to (a loop that pays, a cell that never ends).
OPTIMUM_SWEEPS = 20_000

#: The diagnostics every preference agent on a gridworld reports, by :meth:`PreferenceGrid.measure`.
GRID_DIAGNOSTICS = {
    "kl_to_optimum": ("KL to the optimum", "KL between whole episodes of π and of the exact soft optimum π* "
                      "for the labels' reward r/τ: 0 at π*; NaN where π* does not exist.",
                      "Σ_s d_π(s) KL(π(·|s) ‖ π*(·|s))"),
    "tv_to_optimum": ("distance to the optimum", "Total variation between π and π*, per step, averaged over "
                      "the cells an episode of π visits.", "Σ_s d_π(s) TV(s) / Σ_s d_π(s)"),
    "expected_return": ("expected true return", "What an episode of π earns on the true reward the labeller "
                        "knows, exactly (undiscounted, no step cap).", "E_π[Σ_t r(s_t, a_t)]"),
    "kl_ref": ("KL to the reference", "KL between whole episodes of π and of π_ref: how far the policy moved "
               "from where it started.", "Σ_s d_π(s) KL(π(·|s) ‖ π_ref(·|s))"),
}  # fmt: skip


def grid_reference(text: str, model: Any) -> np.ndarray:
    """(S, A) pi_ref from ``reference`` on a gridworld: uniform, or sft (the shortest-path
    policy mixed half and half with the uniform one, :func:`gridrl.preferences.labeller.sft_policy`).

    ``auto``, the default, is sft: a fine-tuned model starts from a policy that already does the
    task, and the uniform walker's episodes on a maze run to hundreds of steps (four_rooms: the
    2,000 pairs took 10 s to sample and label)."""
    choice = text.strip().lower()
    if choice not in REFERENCES:
        raise HyperparameterError(f"reference on a gridworld must be 'auto', 'uniform' or 'sft' (a shortest-path "
                                  f"walker mixed with uniform moves), got {text!r}; per-arm probabilities are for "
                                  "bandits")  # fmt: skip
    if choice == "uniform":
        return np.full((model.n_states, model.n_actions), 1.0 / model.n_actions)
    return sft_policy(model)


def reward_counts(data: PreferenceData, n_states: int, n_actions: int) -> np.ndarray:
    """(S, A) how many times each (s, a) occurs in the pairs, chosen and rejected sides together."""
    counts = np.zeros(n_states * n_actions)
    cells = [s * n_actions + a for pair in data.pairs for segment in (pair.chosen, pair.rejected) for s, a in segment]
    np.add.at(counts, np.array(cells, dtype=np.int64), 1.0)
    return counts.reshape(n_states, n_actions)


class PreferenceGrid(TabularEpisodes):
    """A tabular soft-max policy on a gridworld, learned from pairs of episodes, against the
    exact pi*. A subclass gives :meth:`improve` (one update: its backup, and its diagnostics
    in ``self.info``), :meth:`display_values` (the V and Q the board shows) and ``equation``."""

    Config = PreferenceConfig

    @classmethod
    def resource_limit(cls, level: Level, config: Any) -> str | None:
        """The agent is measured against the exact pi*, and its distances need one dense solve of an
        equation per open cell at every update: up to :data:`MAX_SOLVED_STATES` open cells."""
        grid = compile_grid(level)
        cells = int((~(grid.wall | grid.terminal)).sum())
        if cells <= MAX_SOLVED_STATES:
            return None
        return (f"{cls.name} measures its policy against the exact soft optimum at every update, a dense solve of "
                f"one equation per open cell, up to {MAX_SOLVED_STATES:,}; this level has {cells:,} open cells. "
                "Use a smaller level (e.g. garden).")

    def discount(self) -> float:
        """gamma = 1: the labels compare undiscounted returns, and pi* maximises one."""
        return 1.0

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        super().__init__(level, config, seed)
        c, model = self.config, self.env.model
        if c.labeller_bias.strip().lower() != "none":
            raise HyperparameterError("labeller_bias gives one bias per arm of a bandit; on a gridworld it must be "
                                      f"'none', got {c.labeller_bias!r}")  # fmt: skip
        self.model = model
        self.r = model.R  # what the labeller knows: the expected reward r(s, a)
        self.pi_ref = grid_reference(c.reference, model)
        self.log_pi_ref = np.log(self.pi_ref)
        self.theta = self.log_pi_ref.copy()  # the policy starts as the reference
        self.data, self.data_warnings = self.preference_data()
        self.counts = reward_counts(self.data, self.n_states, self.n_actions)
        self.updates_done = 0
        self.info: dict[str, float] = {}
        self._optima: dict[tuple[str, float], tuple[np.ndarray, np.ndarray, np.ndarray] | None] = {}

    def preference_data(self) -> tuple[PreferenceData, list[str]]:
        """(pairs, warnings): the ``pairs_file``'s, else ``pairs`` pairs of episodes of pi_ref on the
        exact model labelled by their true returns (``temperature``, ``noise``), from the data
        stream, so both agents with one seed learn from one data set."""
        c = self.config
        if c.pairs_file:
            return load_pairs_file(c.pairs_file, self.level)
        data_rng = np.random.default_rng([self.seed, DATA_STREAM])
        return trajectory_pairs(self.level, n_pairs(c, "gridworld"), data_rng, policy=self.pi_ref,
                                temperature=c.temperature, noise=c.noise), []  # fmt: skip

    # ------------------------------------------------------------------ the exact answer

    def soft_optimum(self, key: str, reward_sa: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(pi, V, Q) soft-optimal for ``reward_sa`` at gamma = 1 and the current beta, or None where
        soft value iteration finds no finite V; cached under ``key`` and beta (a live parameter)."""
        beta = self.config.beta
        if (key, beta) not in self._optima:
            try:
                pi, V = soft_optimal_policy(self.model, reward_sa, self.pi_ref, beta, 1.0, max_iters=OPTIMUM_SWEEPS)
            except ValueError:
                self._optima[(key, beta)] = None
            else:
                still = (self.model.terminal | self.model.wall)[:, None]  # reward 0 there, as in the solve
                Q = np.where(still, 0.0, reward_sa) + self.model.expected_next(V)
                self._optima[(key, beta)] = (pi, V, Q)
        return self._optima[(key, beta)]

    def optimum(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """(pi*, V*, Q*) for the reward the labels reveal, r / tau; None where pi* does not exist."""
        return self.soft_optimum("true", self.r / self.config.temperature)

    @property
    def pi_star(self) -> np.ndarray:
        """(S, A) pi*; NaN where it does not exist."""
        optimum = self.optimum()
        return np.full_like(self.pi_ref, math.nan) if optimum is None else optimum[0]

    def policy_values(self, reward_sa: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(V, Q) of the policy now for the KL-regularised return of ``reward_sa`` at gamma = 1
        (:func:`gridrl.preferences.optimum.regularised_values`): the soft V and Q of the optimum
        once pi reaches it; NaN where pi never ends an episode."""
        values = regularised_values(self.model, self.pi_now(), reward_sa, self.pi_ref, self.config.beta)
        if values is None:
            return np.full(self.n_states, math.nan), np.full((self.n_states, self.n_actions), math.nan)
        return values

    # ------------------------------------------------------------------ hooks

    def improve(self) -> dict[str, Any]:
        """One update of theta; returns its backup for the inspector and sets ``self.info``."""
        raise NotImplementedError

    def display_values(self) -> tuple[np.ndarray, np.ndarray]:
        """(V (S,), Q (S, A)) for the board."""
        raise NotImplementedError

    # ------------------------------------------------------------------ units

    def pi_now(self) -> np.ndarray:
        """(S, A) the policy now, softmax(theta(s, .)) in every cell."""
        return softmax(self.theta)

    def choose(self, s: int) -> int:
        """The display step: A ~ pi(.|s), by inverting the cumulative distribution."""
        cdf = np.cumsum(self.pi_now()[s])
        return min(int(np.searchsorted(cdf, self.rng.random(), side="right")), self.n_actions - 1)

    def learn(self, s: int, a: int, r: float, s_next: int, terminated: bool, truncated: bool) -> Event:
        """One update (the display step's transition never reaches it)."""
        theta_old = self.theta.copy()
        backup = self.improve()
        self.updates_done += 1
        changed = np.flatnonzero(np.any(self.theta != theta_old, axis=1))
        return Event(unit="step", changed=changed, equation=self.equation, backup=backup, info=dict(self.info))

    def measure(self) -> dict[str, float]:
        """The per-episode distances of pi to pi* and pi_ref, and its expected true return."""
        pi, pi_star = self.pi_now(), self.pi_star
        d = expected_visits(self.model, pi)
        if d is None:
            return {"kl_to_optimum": math.nan, "tv_to_optimum": math.nan, "expected_return": math.nan,
                    "kl_ref": math.nan}  # fmt: skip
        return {"kl_to_optimum": float(d @ kl(pi, pi_star)),
                "tv_to_optimum": float(d @ total_variation(pi, pi_star) / d.sum()),
                "expected_return": episode_return(self.model, pi, self.r),
                "kl_ref": float(d @ kl(pi, self.pi_ref))}  # fmt: skip

    # ------------------------------------------------------------------ inspection

    def agent_extras(self) -> dict[str, Any]:
        """pi*, pi_ref, the per-cell distances (NaN on walls and terminal cells), the true reward
        r / tau and how often each (s, a) occurs in the pairs."""
        pi, pi_star = self.pi_now(), self.pi_star
        still = self.model.terminal | self.model.wall
        return {"pi_star": pi_star, "pi_ref": self.pi_ref.copy(),
                "kl_per_cell": np.where(still, math.nan, kl(pi, pi_star)),
                "tv_per_cell": np.where(still, math.nan, total_variation(pi, pi_star)),
                "reward_true": self.r / self.config.temperature, "reward_counts": self.counts.copy(),
                "theta": self.theta.copy(), "updates": self.updates_done, "pairs": len(self.data.pairs),
                "data_warnings": list(self.data_warnings)}  # fmt: skip

    def insight(self) -> Insight:
        V, Q = self.display_values()
        return Insight(V=V, Q=Q, pi=self.pi_now(), visits=self.visits.copy(), extras=self.agent_extras())

    def _learned(self) -> dict[str, Any]:
        return {"theta": self.theta, "visits": self.visits, "episodes_done": self.episodes_done,
                "updates_done": self.updates_done}  # fmt: skip
