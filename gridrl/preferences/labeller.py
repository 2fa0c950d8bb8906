"""A synthetic annotator who knows the level's true reward, and the levels' reference policies.

The labeller compares two segments x, y by the Bradley-Terry model with a temperature T,

    P(x preferred to y) = sigmoid((R(x) - R(y)) / T),

and then, with probability ``noise``, reports the opposite (a careless click). T -> 0 is an
annotator who always picks the better one; large T one who can barely tell them apart. A
Bradley-Terry fit to its labels recovers R / T when ``noise`` is 0 (up to a constant); label
noise shrinks the fitted differences, as real disagreement between annotators does.
"""

from __future__ import annotations

import numpy as np

from gridrl.envs.model import TabularModel
from gridrl.levels import BanditLevel, GridLevel, Level, load_level
from gridrl.preferences.data import Pair, PreferenceData, Segment

#: Reference policies the lessons use, by bundled level name. ``preference_bandit``'s
#: reference pulls the mediocre middle arm (mean 0) 60% of the time: the KL penalty then holds
#: the learned policy near an arm that is not the best, and beta decides how far it may leave.
REFERENCE_POLICIES: dict[str, tuple[float, ...]] = {
    "preference_bandit": (0.1, 0.1, 0.6, 0.1, 0.1),
}
#: Gridworlds whose reference is the "SFT" policy of :func:`sft_policy` (a policy that already
#: reaches the goal but knows nothing of what the labeller likes), by bundled level name.
SFT_LEVELS = frozenset({"garden"})
#: The uniform policy's share in the SFT policy: every action keeps probability >= share / 4,
#: so log pi_ref is finite and the pairs visit every (s, a) the level lets them reach.
SFT_UNIFORM_SHARE = 0.5


def reference_policy(level: Level, name: str | None = None) -> np.ndarray:
    """pi_ref for a level: :data:`REFERENCE_POLICIES` under ``name`` (a bundled level's file
    name) if listed, the SFT policy for a gridworld in :data:`SFT_LEVELS`, else uniform; (A,)
    for a bandit, (S, A) for a gridworld."""
    if name in REFERENCE_POLICIES:
        return np.array(REFERENCE_POLICIES[name])
    if isinstance(level, BanditLevel):
        return np.full(level.n_arms, 1.0 / level.n_arms)
    if name in SFT_LEVELS:
        return sft_policy(TabularModel.from_level(level))
    return np.full((level.shape[0] * level.shape[1], 4), 0.25)


def goal_cells(model: TabularModel) -> np.ndarray:
    """(S,) the goals: the terminal cells whose entry pays the most (a hazard is an end, not a goal)."""
    terminal = model.terminal & ~model.wall
    if not terminal.any():
        return terminal
    best = model.grid.reward[terminal].max()
    return terminal & (model.grid.reward >= best)


def shortest_path_policy(model: TabularModel, max_sweeps: int = 100_000) -> np.ndarray:
    """(S, A) uniform over the actions that reach a goal in the fewest expected steps, where

        d(s) = 0 at a goal,   d(s) = min_a [1 + sum_s' p(s' | s, a) d(s')] elsewhere

    (the stochastic shortest path, Bertsekas; value iteration from above). A cell that cannot
    reach a goal, a wall or a terminal cell gets the uniform policy.
    """
    goal, ends = goal_cells(model), model.terminal | model.wall
    far = 10.0 * model.n_states * model.level.max_steps  # farther than any reachable goal
    d = np.where(goal, 0.0, far)
    for _ in range(max_sweeps):
        q = 1.0 + model.expected_next(d)
        d_new = np.where(ends, d, np.minimum(q.min(axis=1), far))
        if np.max(np.abs(d_new - d)) < 1e-12:
            break
        d = d_new
    q = 1.0 + model.expected_next(d)
    best = q <= q.min(axis=1, keepdims=True) + 1e-9
    best[ends | (d >= far)] = True
    return best / best.sum(axis=1, keepdims=True)


def sft_policy(model: TabularModel, uniform_share: float = SFT_UNIFORM_SHARE) -> np.ndarray:
    """(S, A) the "supervised fine-tuned" reference of a gridworld: the shortest-path policy
    mixed with the uniform one, (1 - u) pi_short + u / 4. It reaches the goal, but walks
    through whatever lies on its way: it knows the map, not what the labeller likes."""
    return (1.0 - uniform_share) * shortest_path_policy(model) + uniform_share / model.n_actions


def true_reward(level: Level) -> np.ndarray:
    """What the labeller knows: the arms' means (A,) of a bandit, r(s, a) (S, A) of a gridworld."""
    if isinstance(level, BanditLevel):
        if level.testbed is not None or level.nonstationary is not None:
            raise ValueError("a testbed or drifting bandit has no fixed true reward to label with; use fixed arms")
        return np.array([arm.mean for arm in level.arms], dtype=np.float64)
    return TabularModel.from_level(level).R


def _prefer_first(gap: np.ndarray, rng: np.random.Generator, temperature: float, noise: float) -> np.ndarray:
    """Bradley-Terry choices sigmoid(gap / T), then flipped with probability ``noise``."""
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    if not 0 <= noise <= 1:
        raise ValueError(f"noise is a probability of flipping a label, in [0, 1], got {noise}")
    p_first = np.exp(-np.logaddexp(0.0, -gap / temperature))
    first = rng.random(gap.shape) < p_first
    flip = rng.random(gap.shape) < noise
    return first ^ flip


def bandit_pair_arrays(
    true_reward: np.ndarray, n: int, rng: np.random.Generator, *, temperature: float = 1.0, noise: float = 0.0,
    sample: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(chosen arms, rejected arms), each (n,): two arms drawn i.i.d. from ``sample`` (default
    uniform; e.g. the reference policy, as RLHF samples its comparisons), then labelled.

    Draws, in order: the n first arms, the n second arms, n uniforms for the choice, n for the
    flip. The same arm may be drawn twice; such a pair is a coin flip and teaches nothing.
    """
    r = np.asarray(true_reward, dtype=np.float64)
    K = r.size
    p = np.full(K, 1.0 / K) if sample is None else np.asarray(sample, dtype=np.float64)
    a = rng.choice(K, size=n, p=p)
    b = rng.choice(K, size=n, p=p)
    first = _prefer_first(r[a] - r[b], rng, temperature, noise)
    return np.where(first, a, b), np.where(first, b, a)


def bandit_pairs(
    true_reward: np.ndarray, n: int, rng: np.random.Generator, *, temperature: float = 1.0, noise: float = 0.0,
    sample: np.ndarray | None = None, level_name: str = "",
) -> PreferenceData:
    """:func:`bandit_pair_arrays` as a :class:`PreferenceData` of one-step segments ((0, arm),):
    the same pairs for the same ``rng`` state."""
    chosen, rejected = bandit_pair_arrays(true_reward, n, rng, temperature=temperature, noise=noise, sample=sample)
    pairs = tuple(Pair(((0, int(c)),), ((0, int(r)),)) for c, r in zip(chosen, rejected))
    return PreferenceData(level_name, pairs)


def sample_steps(model: TabularModel, policy: np.ndarray, n: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(states, actions), each (n, T): n episodes of ``policy`` (S, A) on the exact model, from
    the start distribution until a terminal state or the level's step cap; a state of -1 marks
    the steps after an episode ended (T is the longest episode's length)."""
    policy = np.asarray(policy, dtype=np.float64)
    cum_pi = np.cumsum(policy, axis=1)
    cum_p = model.cumulative()
    s = rng.choice(model.n_states, size=n, p=model.start_distribution)
    alive = np.ones(n, dtype=bool)
    states, actions = [], []
    for _ in range(model.level.max_steps):
        a = np.minimum((rng.random(n)[:, None] > cum_pi[s]).sum(axis=1), model.n_actions - 1)
        k = np.minimum((rng.random(n)[:, None] > cum_p[s, a]).sum(axis=1), cum_p.shape[2] - 1)
        states.append(np.where(alive, s, -1))
        actions.append(a)
        s = model.next_state[s, a, k]
        alive &= ~model.terminal[s]
        if not alive.any():
            break
    return np.array(states).T, np.array(actions).T


def sample_episodes(model: TabularModel, policy: np.ndarray, n: int, rng: np.random.Generator) -> list[Segment]:
    """n episodes of ``policy`` (S, A) on the exact model (:func:`sample_steps`), each the tuple
    of its (s, a) steps."""
    S, A = sample_steps(model, policy, n, rng)
    lengths = (S >= 0).sum(axis=1).tolist()  # an episode's steps are a prefix of its row
    S, A = S.tolist(), A.tolist()
    return [tuple(zip(S[i][:T], A[i][:T])) for i, T in enumerate(lengths)]


def trajectory_pairs(level: GridLevel | str, n: int, rng: np.random.Generator, *, policy: np.ndarray,
                     temperature: float = 1.0, noise: float = 0.0, level_name: str = "") -> PreferenceData:  # fmt: skip
    """n pairs of episodes of ``policy`` on the level's exact model, labelled by their true
    returns R(x) = sum_t r(s_t, a_t) (undiscounted, expected rewards): the very model the
    linear Bradley-Terry fit assumes, so it can recover r where the episodes go."""
    name = level_name or (level if isinstance(level, str) else "")
    model = TabularModel.from_level(load_level(level))
    episodes = sample_episodes(model, policy, 2 * n, rng)
    R = model.R
    ret = np.array([R[tuple(np.array(episode).T)].sum() for episode in episodes])
    first = _prefer_first(ret[0::2] - ret[1::2], rng, temperature, noise)
    pairs = tuple(Pair(x, y) if f else Pair(y, x) for x, y, f in zip(episodes[0::2], episodes[1::2], first))
    return PreferenceData(name, pairs)
