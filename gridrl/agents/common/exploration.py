"""Action selection shared by the value-based agents: greedy with fair ties, epsilon-greedy."""

from __future__ import annotations

import numpy as np


def greedy_probs(Q: np.ndarray) -> np.ndarray:
    """The greedy policy of ``Q`` (..., A), splitting probability evenly between tied maxima.

    Ties matter: with Q initialised to zero every action is tied, and always picking the
    first would make a "greedy" agent walk into the top wall forever.
    """
    best = Q == Q.max(axis=-1, keepdims=True)
    return best / best.sum(axis=-1, keepdims=True)


def epsilon_greedy_probs(Q: np.ndarray, epsilon: float) -> np.ndarray:
    """pi(a|s) of epsilon-greedy (Sutton & Barto §5.4): epsilon/|A| + (1 - epsilon) * greedy."""
    n_actions = Q.shape[-1]
    return epsilon / n_actions + (1.0 - epsilon) * greedy_probs(Q)


def epsilon_greedy(rng: np.random.Generator, Q_s: np.ndarray, epsilon: float) -> int:
    """Sample an action for one state: random with probability epsilon, else greedy (ties at random)."""
    n = len(Q_s)
    if rng.random() < epsilon:
        return int(rng.integers(n))
    # Plain Python beats numpy on four numbers; this runs once per environment step.
    q = Q_s.tolist()
    top = max(q)
    best = [a for a in range(n) if q[a] == top]
    return best[0] if len(best) == 1 else best[int(rng.integers(len(best)))]


def decayed(epsilon: float, decay: float, minimum: float, episodes: int) -> float:
    """epsilon after ``episodes`` multiplicative decays, never below ``minimum``."""
    return max(minimum, epsilon * decay**episodes)
