"""What the preference agents on a bandit share (DPO, RLHF-PPO): the reference policy, the
synthetic pairs, a soft-max policy started at pi_ref, and its distances to the exact optimum.

Both agents maximise, one way or another, the KL-regularised objective

    J(pi) = E_pi[r] - beta KL(pi || pi_ref),   maximised by   pi*(a) = pi_ref(a) exp(r(a) / beta) / Z

(:func:`gridrl.preferences.optimum.kl_regularised_bandit`), where r is the reward the pairs
reveal. Both hold the policy as logits theta, pi_theta = softmax(theta) (eq. 2.11), started at
theta = log pi_ref as a fine-tuned model starts from its SFT model, and report how far pi is
from pi* and from pi_ref after every update.

Neither agent acts to learn. Every unit (``step``, ``update``, an ``episode`` of ``steps``
units) makes one update and pulls one arm drawn from pi in the level's environment, so that the
app's reward curves show what the policy earns; that reward never reaches the update. ``Q`` is
the sample average of those pulls (display only, as for the gradient bandit).

The pairs are synthetic (a Bradley-Terry labeller on the true means), or read from a preference
file (``pairs_file``, e.g. labelled in the app): ``gridrl train LEVEL --agent dpo --set
pairs_file=pairs.jsonl``. On a gridworld the same names run :mod:`.preference_grid`'s agents.
"""

from __future__ import annotations

import re
import warnings
from abc import abstractmethod
from dataclasses import dataclass
from typing import Any

import numpy as np

from gridrl.agents.base import Agent, Event, HyperparameterError, LevelMismatchError, hp
from gridrl.agents.common.bandit import BanditAgent, softmax
from gridrl.levels import Level, LevelError, load_level
from gridrl.preferences.data import PreferenceData, PreferenceError, level_size, load_preferences, validate_pairs
from gridrl.preferences.labeller import bandit_pair_arrays, true_reward
from gridrl.preferences.optimum import kl, total_variation
from gridrl.preferences.reward_model import PreferenceWarning, bandit_arrays

#: Mixed into the seed for the synthetic pairs, so the data does not change with how the agent
#: uses its own stream (minibatches, samples) and two agents with one seed see one data set:
#: DPO and RLHF-PPO with the same seed and ``pairs`` learn from the very same pairs.
DATA_STREAM = 0xD9_0
#: Synthetic pairs when ``pairs`` is none, by level kind: a gridworld pair is two whole
#: episodes, each many steps to sample and to hold.
DEFAULT_PAIRS = {"bandit": 20000, "gridworld": 2000}
#: How :func:`gridrl.preferences.validate_pairs` starts its warning about segments compared only
#: within separate groups.
SEPARATE_GROUPS = "the segments fall into"


@dataclass(frozen=True)
class PreferenceConfig:
    """The hyperparameters of the objective and of the data, shared by every preference agent."""

    beta: float = hp(0.5, "beta: weight of the KL to pi_ref; the optimum is pi_ref exp(r / beta) / Z",
                     low=0.0, high=100.0, low_open=True)  # fmt: skip
    pairs: int | None = hp(None, "n: synthetic pairs made once, at the start, from the true reward; none = "
                           f"{DEFAULT_PAIRS['bandit']:,} on a bandit (two pulls each), "
                           f"{DEFAULT_PAIRS['gridworld']:,} on a gridworld (two whole episodes each)",
                           low=1, high=1_000_000, optional=True)  # fmt: skip
    temperature: float = hp(1.0, "tau of the Bradley-Terry labeller: P(w > l) = sigmoid((r(w) - r(l)) / tau)",
                            low=0.0, high=100.0, low_open=True)  # fmt: skip
    noise: float = hp(0.0, "e: probability that each label is flipped after Bradley-Terry", low=0.0, high=0.5)
    reference: str = hp("auto", "pi_ref, the reference policy the KL is measured against; theta starts at it "
                        "(sft on a gridworld: a shortest-path walker mixed half and half with uniform moves; "
                        "auto: uniform on a bandit, sft on a gridworld)",
                        takes="auto, uniform, sft, or p per arm: 0.2,0.6")  # fmt: skip
    labeller_bias: str = hp("none", "b: the labeller compares r(a) + b(a), not r(a) (an annotator fooled by some "
                            "arms); the true means still score the policy",
                            takes="none, or b per arm: 2,0,0")  # fmt: skip
    pairs_file: str = hp("", "learn from this preference file instead of synthetic pairs (made by e.g. 'gridrl label "
                         "LEVEL --out pairs.jsonl'); empty = synthetic",
                         takes="empty, or a .jsonl/.yaml path")  # fmt: skip


def n_pairs(config: PreferenceConfig, kind: str) -> int:
    """n, the synthetic pairs to make: ``pairs``, or the default for the level's kind."""
    return DEFAULT_PAIRS[kind] if config.pairs is None else config.pairs


def load_pairs_file(path: str, level: Level) -> tuple[PreferenceData, list[str]]:
    """(pairs, warnings) of a ``pairs_file``: every problem with the file, or a file labelled on
    another level, is a :class:`HyperparameterError` saying what is wrong and how to fix it; data
    that is legal but teaches little (a single pair, all ties, a cycle) gives warnings, also
    issued as :class:`PreferenceWarning` so the command line shows them."""
    try:
        data = load_preferences(path, level)
        problems = validate_pairs(data, *level_size(level))
    except PreferenceError as exc:
        raise HyperparameterError(f"pairs_file: {exc}") from None
    try:
        named = load_level(data.level_name)
    except (LevelError, OSError):
        raise HyperparameterError(
            f"pairs_file: {path} names its level '{data.level_name}', which is neither a bundled level nor a level "
            f"file; its first line must name the level it was labelled on (e.g. {{\"level\": \"garden\"}})") from None
    if named.name != level.name:
        raise HyperparameterError(
            f"pairs_file: {path} holds pairs labelled on '{data.level_name}' ({named.name}), not on this level "
            f"({level.name}); label this level with 'gridrl label LEVEL --out FILE.jsonl' or pick the file's level")
    if level.kind == "gridworld":  # whole episodes are seldom compared twice, so each pair is its own group;
        # the reward model joins them through the (s, a) they share, and the warning would only mislead
        problems = [p for p in problems if not p.startswith(SEPARATE_GROUPS)]
    for problem in problems:
        warnings.warn(f"pairs_file {path}: {problem}", PreferenceWarning, stacklevel=2)
    return data, problems


def split_numbers(text: str) -> list[str]:
    """The numbers of a per-arm text field, separated by commas, semicolons or spaces, brackets allowed."""
    return [p for p in re.split(r"[\s,;]+", text.strip().strip("[]()")) if p]


def _numbers(text: str, expected: str) -> np.ndarray:
    """The numbers of a per-arm field; ``expected`` (what it must be) starts the message otherwise."""
    try:
        return np.array([float(x) for x in split_numbers(text)])
    except ValueError:
        raise HyperparameterError(f"{expected}, got {text!r}") from None


def parse_labeller_bias(text: str, k: int) -> np.ndarray:
    """b from ``labeller_bias``: "none" (all 0) or k numbers (commas or spaces, brackets allowed)."""
    if text.strip().lower() == "none":
        return np.zeros(k)
    b = _numbers(text, f"labeller_bias must be 'none' or {k} numbers separated by commas")
    if b.size != k or not np.all(np.isfinite(b)):
        raise HyperparameterError(f"labeller_bias must give one finite number per arm: this level has {k} "
                                  f"arms, got {text!r} (e.g. '2{',0' * (k - 1)}' fools it about arm 0)")  # fmt: skip
    return b


def parse_reference(text: str, k: int) -> np.ndarray:
    """pi_ref from ``reference``: "uniform" (or "auto"), or k probabilities (commas or spaces, brackets allowed)."""
    if text.strip().lower() in ("uniform", "auto"):
        return np.full(k, 1.0 / k)
    p = _numbers(text, f"reference must be 'uniform' or {k} probabilities separated by commas")
    if p.size != k:
        raise HyperparameterError(f"reference must give one probability per arm: this level has {k} arms, "
                                  f"got {p.size} numbers in {text!r}")  # fmt: skip
    if not np.all(np.isfinite(p)) or np.any(p < 0):
        raise HyperparameterError(f"reference probabilities must be numbers >= 0, got {text!r}")
    if np.any(p == 0):
        raise HyperparameterError(
            f"reference gives arm {int(np.argmin(p))} probability 0: log pi_ref = -inf there, so DPO's margin of "
            "any pair with that arm, and RLHF's KL penalty on it, are infinite. Give every arm a small probability "
            "(e.g. 0.01) instead."
        )
    if abs(p.sum() - 1.0) > 1e-6:
        raise HyperparameterError(f"reference probabilities must sum to 1, got {p.sum():.6g} from {text!r}; "
                                  f"divide each by {p.sum():.6g}")  # fmt: skip
    return p / p.sum()


def fixed_reward(level: Level, agent: str) -> np.ndarray:
    """The arm means r(a) the labeller compares; a testbed (new means every run) or a
    nonstationary level (means that walk) has none a fixed data set could describe."""
    try:
        return true_reward(level)
    except ValueError as exc:
        raise LevelMismatchError(f"agent '{agent}' labels its pairs once, from fixed arm means: {exc} "
                                 "(e.g. preference_bandit or bernoulli_3)") from None


#: The diagnostics every preference agent reports, by :meth:`PreferenceBandit.measure`.
POLICY_DIAGNOSTICS = {
    "tv_to_optimum": ("distance to the optimum", "Total variation between π and π*: the largest difference "
                      "in probability either gives to any set of arms.", "½ Σ_a |π(a) − π*(a)|"),
    "expected_reward": ("expected true reward", "What π earns on the true arm means; π* earns a little less "
                        "than the best arm, by the KL it pays.", "Σ_a π(a) r(a)"),
    "kl_ref": ("KL to the reference", "KL(π ‖ π_ref): how far the policy moved from where it started.",
               "Σ_a π(a) log(π(a)/π_ref(a))"),
}  # fmt: skip


class PreferenceBandit(BanditAgent):
    """A soft-max policy over fixed arms, learned from preferences, against the exact pi*.

    A subclass gives :attr:`pi_star` (the optimum it is measured against) and ``learn``
    (one update, which sets ``self.info``), and calls :meth:`measure` for the shared numbers.

    One registered name runs on both kinds of level: built on a gridworld, the class makes
    its :attr:`grid_class` instead (same name, Config and loss; see
    :mod:`gridrl.agents.common.preference_grid`), so the user picks "dpo" on either.
    """

    level_kinds = ("bandit", "gridworld")
    vectorized_runs = False  # one data set and one policy; a run is only the display pulls

    @staticmethod
    @abstractmethod
    def grid_class() -> type[Agent]:
        """The agent's class on gridworlds."""

    def __new__(cls, level: Level, *args: Any, **kwargs: Any) -> Any:
        if level.kind == "gridworld":
            return cls.grid_class()(level, *args, **kwargs)  # not a cls instance: Python skips __init__
        return super().__new__(cls)

    @classmethod
    def resource_limit(cls, level: Level, config: Any) -> str | None:
        return cls.grid_class().resource_limit(level, config) if level.kind == "gridworld" else None

    def __init__(self, level: Level, config: Any = None, seed: int = 0, runs: int = 1) -> None:
        if int(runs) != 1:
            raise ValueError(f"agent '{self.name}' runs one run at a time; loop over seeds instead")
        super().__init__(level, config, seed, runs=1)

    def init_state(self) -> None:
        self.r = fixed_reward(self.level, self.name)
        self.pi_ref = parse_reference(self.config.reference, self.k)
        self.log_pi_ref = np.log(self.pi_ref)
        self.labeller_bias = parse_labeller_bias(self.config.labeller_bias, self.k)
        self.theta = self.log_pi_ref.copy()  # the policy starts as the reference
        self.updates_done = 0
        self.data_warnings: list[str] = []  # what a pairs_file's data cannot teach well
        self.info: dict[str, float] = {}

    def preference_pairs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(chosen, rejected, tie) arms: the ``pairs_file``'s, else ``pairs`` synthetic pairs, two
        arms drawn uniformly, labelled by Bradley-Terry on the true means plus the
        ``labeller_bias`` (``temperature``, ``noise``), from the data stream (no ties). A bias
        misspecifies every reward fitted to the labels: r_phi estimates (r + b) / tau, whose
        optimum the policy then chases (reward over-optimisation)."""
        c = self.config
        if c.pairs_file:
            data, self.data_warnings = load_pairs_file(c.pairs_file, self.level)
            try:
                return bandit_arrays(data)
            except ValueError:
                raise HyperparameterError(f"pairs_file: {c.pairs_file} compares segments of several steps; on a "
                                          "bandit each side of a pair is one pull, e.g. chosen: [[0, 3]]") from None
        data_rng = np.random.default_rng([self.seed, DATA_STREAM])
        w, l = bandit_pair_arrays(self.r + self.labeller_bias, n_pairs(c, "bandit"), data_rng,
                                  temperature=c.temperature, noise=c.noise)  # fmt: skip
        return np.asarray(w, dtype=np.int64), np.asarray(l, dtype=np.int64), np.zeros(len(w), dtype=bool)

    def rebuild_environment(self) -> None:
        """An edit of the arms: new display runs and a new pi*; the pairs stay as labelled (an
        offline data set does not follow the world), so KL to the new optimum shows them go stale."""
        super().rebuild_environment()
        self.r = fixed_reward(self.level, self.name)

    @property
    @abstractmethod
    def pi_star(self) -> np.ndarray:
        """The closed-form optimum the agent is measured against (``kl_to_optimum``)."""

    def pi_now(self) -> np.ndarray:
        """The policy now, softmax(theta)."""
        return softmax(self.theta)

    def select(self) -> np.ndarray:
        """The display pull: A ~ pi, by inverting the cumulative distribution."""
        cdf = np.cumsum(self.pi_now())
        return np.array([min(int(np.searchsorted(cdf, self.rng.random(), side="right")), self.k - 1)])

    def measure(self) -> dict[str, float]:
        """Distances of pi to pi* and pi_ref, and its expected true reward."""
        pi, pi_star = self.pi_now(), self.pi_star
        return {"kl_to_optimum": kl(pi, pi_star), "tv_to_optimum": total_variation(pi, pi_star),
                "expected_reward": float(pi @ self.r), "kl_ref": kl(pi, self.pi_ref)}  # fmt: skip

    def step(self) -> Event:
        """One update and one display pull; ``info`` adds the update's diagnostics to the pull's."""
        event = super().step()
        event.info.update(self.info)
        return event

    def policy(self) -> np.ndarray:
        return self.pi_now()[None, :]

    def agent_extras(self) -> dict[str, Any]:
        """pi*, pi_ref, the true means, the logits and the pairs_file's warnings."""
        return {"pi_star": self.pi_star, "pi_ref": self.pi_ref.copy(), "true_reward": self.r.copy(),
                "theta": self.theta.copy(), "updates": self.updates_done,
                "data_warnings": list(self.data_warnings)}  # fmt: skip

    def _learned(self) -> dict[str, Any]:
        return {**super()._learned(), "theta": self.theta, "updates_done": self.updates_done}
