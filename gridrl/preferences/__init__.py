"""Learning from preferences: pairs as data, a synthetic labeller, the Bradley-Terry reward
model and the exact optimum of the KL-regularised objective every preference method aims at.

The layer sits between envs and agents (docs/ARCHITECTURE.md): it imports levels, envs,
numpy and pyyaml, never torch, pygame or the agents, so agents (DPO, RLHF) build on it and
tests check them against its exact answers.

>>> import numpy as np
>>> from gridrl.preferences import kl_regularised_bandit
>>> kl_regularised_bandit(np.array([0.0, np.log(3.0)]), np.array([0.5, 0.5]), beta=1.0)
array([0.25, 0.75])
"""

from __future__ import annotations

from gridrl.preferences.compare import RewardComparison, actable_states, compare_rewards, pair_counts
from gridrl.preferences.data import (
    Pair,
    PreferenceData,
    PreferenceError,
    Segment,
    comparison_groups,
    level_size,
    load_preferences,
    majority_cycle,
    save_preferences,
    validate_pairs,
)
from gridrl.preferences.labeller import (
    REFERENCE_POLICIES,
    bandit_pair_arrays,
    bandit_pairs,
    reference_policy,
    sample_episodes,
    trajectory_pairs,
    true_reward,
)
from gridrl.preferences.optimum import kl, kl_regularised_bandit, soft_optimal_policy, total_variation
from gridrl.preferences.reward_model import (
    MLPRewardConfig,
    PreferenceWarning,
    bandit_arrays,
    cell_features,
    fit_bradley_terry,
    fit_logistic,
    fit_mlp_rewards,
    fit_segment_rewards,
    segment_features,
)

__all__ = [
    "MLPRewardConfig", "Pair", "PreferenceData", "PreferenceError", "PreferenceWarning", "REFERENCE_POLICIES",
    "RewardComparison", "Segment", "actable_states", "bandit_arrays", "bandit_pair_arrays", "bandit_pairs",
    "cell_features", "compare_rewards", "comparison_groups", "fit_bradley_terry", "fit_logistic", "fit_mlp_rewards",
    "fit_segment_rewards", "kl", "kl_regularised_bandit", "level_size", "load_preferences", "majority_cycle",
    "pair_counts", "reference_policy", "sample_episodes", "save_preferences", "segment_features",
    "soft_optimal_policy", "total_variation", "trajectory_pairs", "true_reward", "validate_pairs",
]  # fmt: skip
