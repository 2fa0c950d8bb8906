"""The one interface every agent has: typed hyperparameters, stepping units, events, insight.

* Hyperparameters are a ``Config`` dataclass per agent; each field carries its range and a
  one-line help in its metadata (:func:`hp`). :func:`hyperparameters` turns that into the
  spec the CLI and the GUI draw from, and :func:`make_config` validates user values.
* Training advances in units: ``step`` (one environment step), ``episode``, ``update``
  (one learning update or one DP sweep). Each returns an :class:`Event` saying what changed.
* :meth:`Agent.insight` gives V, Q, pi and visit counts for every state at once.
"""

from __future__ import annotations

import difflib
import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import MISSING, dataclass, field, fields
from typing import Any, ClassVar

import numpy as np

from gridrl.levels import Level

UNITS = ("step", "episode", "update")
#: Steps of a long unit between two :attr:`Agent.on_progress` calls: milliseconds of work.
PROGRESS_EVERY = 1024
#: Mixed into the agent's seed so its random stream (exploration, tie-breaking, sampling
#: actions) is independent of the environment's, which is seeded with the bare seed. Two
#: generators seeded alike draw the same numbers: on slippery ice a policy that samples its
#: action from the same uniform the env slips by can learn to steer the slip, and scores
#: above v* while training and far below it once the streams part.
AGENT_STREAM = 0x6A11D


class HyperparameterError(ValueError):
    """A hyperparameter value or name is wrong; the message names the valid range."""


class LevelMismatchError(ValueError):
    """The agent cannot run on this kind of level (e.g. a bandit agent on a grid)."""


class LevelTooLargeError(LevelMismatchError):
    """The agent, with these settings, would exceed its stated memory or time on this level
    (see :meth:`Agent.resource_limit`); the message names the limit and what to do instead."""


#: The most environment steps an agent that learns from whole episodes may hold at once
#: (Monte Carlo: one episode; REINFORCE, GRPO: a batch of them): at a hundred-odd bytes a
#: step, about 1 GB. A level whose episodes could add up to more is refused up front.
MAX_HELD_STEPS = 2**23


def held_steps_limit(agent: str, episodes: int, cap: int, instead: str) -> str | None:
    """The refusal of ``agent``, which holds ``episodes`` whole episodes of up to ``cap`` steps
    before it learns, when together they may pass :data:`MAX_HELD_STEPS`; else None."""
    if episodes * cap <= MAX_HELD_STEPS:
        return None
    held = "each episode" if episodes == 1 else f"{episodes} whole episodes"
    return (f"{agent} holds {held} in memory before it learns, and on this level an episode may run to "
            f"{cap:,} steps: up to {episodes * cap:,} steps at once, past its limit of {MAX_HELD_STEPS:,} "
            f"(about 1 GB). {instead}")


# --------------------------------------------------------------------------- hyperparameters


def hp(
    default: Any,
    help: str,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    choices: tuple[str, ...] | None = None,
    optional: bool = False,
    takes: str | None = None,
) -> Any:
    """A Config field with its range and help text (``low_open`` excludes ``low`` itself).

    ``optional=True`` allows ``None`` (e.g. ``gamma=None`` means "the level's gamma").
    ``takes`` says what a free-text field takes (e.g. "uniform, or a snapshot.json path");
    without it the range text is just "text".
    """
    meta = {"help": help, "low": low, "high": high, "low_open": low_open, "choices": choices,
            "optional": optional, "takes": takes}  # fmt: skip
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class Hyperparameter:
    """One entry of an agent's hyperparameter spec."""

    name: str
    type: type
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    choices: tuple[str, ...] | None = None
    optional: bool = False
    takes: str | None = None

    def range_text(self) -> str:
        if self.choices:
            return "one of " + ", ".join(self.choices)
        if self.type is bool:
            return "true or false"
        if self.type is str:
            return (self.takes or "text") + (" (or none)" if self.optional else "")
        kind = "a whole number" if self.type is int else "a number"
        if self.low is not None and self.high is not None:
            bounds = f"in {'(' if self.low_open else '['}{self.low:g}, {self.high:g}]"
        elif self.low is not None:
            bounds = f"{'>' if self.low_open else '>='} {self.low:g}"
        elif self.high is not None:
            bounds = f"<= {self.high:g}"
        else:
            bounds = ""
        return f"{kind} {bounds}".strip() + (" (or none)" if self.optional else "")

    def parse(self, value: Any) -> Any:
        """``value`` (a Python value or command-line text) checked and converted, or an error."""
        if self.optional and (value is None or (isinstance(value, str) and value.lower() in ("none", ""))):
            return None
        try:
            converted = self._convert(value)
        except (TypeError, ValueError):
            raise HyperparameterError(
                f"{self.name} must be {self.range_text()}, got {value!r}"
            ) from None
        if self.type in (int, float):
            bad = not math.isfinite(converted)
            bad |= self.low is not None and (
                converted <= self.low if self.low_open else converted < self.low
            )
            bad |= self.high is not None and converted > self.high
            if bad:
                raise HyperparameterError(f"{self.name} must be {self.range_text()}, got {value!r}")
        if self.choices and converted not in self.choices:
            hint = difflib.get_close_matches(str(converted), self.choices, n=1)
            raise HyperparameterError(
                f"{self.name} must be {self.range_text()}, got {value!r}"
                + (f". Did you mean '{hint[0]}'?" if hint else "")
            )
        return converted

    def _convert(self, value: Any) -> Any:
        if self.type is bool:
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in ("true", "yes", "on", "1"):
                return True
            if text in ("false", "no", "off", "0"):
                return False
            raise ValueError(value)
        if isinstance(value, bool):
            raise TypeError(value)
        if self.type is int:
            number = float(value)
            if not number.is_integer():
                raise ValueError(value)
            return int(number)
        if self.type is float:
            return float(value)
        return str(value)


def hyperparameters(config_class: type) -> tuple[Hyperparameter, ...]:
    """The spec of a Config dataclass: name, type, default, range, help for every field."""
    spec = []
    for f in fields(config_class):
        meta = f.metadata
        kind = f.type if isinstance(f.type, type) else _type_from_annotation(str(f.type))
        default = None if f.default is MISSING else f.default
        spec.append(
            Hyperparameter(
                name=f.name, type=kind, default=default, help=meta.get("help", ""),
                low=meta.get("low"), high=meta.get("high"), low_open=meta.get("low_open", False),
                choices=meta.get("choices"), optional=meta.get("optional", False), takes=meta.get("takes"),
            )  # fmt: skip
        )
    return tuple(spec)


def _type_from_annotation(annotation: str) -> type:
    """``"float | None"`` -> float (annotations are strings under ``from __future__``)."""
    for name, kind in (("bool", bool), ("int", int), ("float", float), ("str", str)):
        if annotation.split("|")[0].strip() == name:
            return kind
    raise TypeError(f"unsupported hyperparameter annotation {annotation!r}")


def make_config(config_class: type, values: dict[str, Any] | None = None) -> Any:
    """A validated Config from user ``values`` (missing ones take their defaults)."""
    spec = {h.name: h for h in hyperparameters(config_class)}
    values = dict(values or {})
    for name in values:
        if name not in spec:
            hint = difflib.get_close_matches(name, list(spec), n=1)
            raise HyperparameterError(
                f"unknown hyperparameter '{name}'"
                + (f"; did you mean '{hint[0]}'?" if hint else "")
                + f" Valid: {', '.join(spec) or 'none'}."
            )
    return config_class(**{name: spec[name].parse(value) for name, value in values.items()})


# --------------------------------------------------------------------------- events, insight


@dataclass
class Event:
    """What one unit of training did, for the GUI to highlight and the inspector to explain.

    ``changed`` lists the states whose values changed. ``backup`` holds the numbers of the
    last update's equation (e.g. ``{"s": 5, "a": 1, "r": -1.0, "target": ..., "td_error": ...}``)
    and ``equation`` its text, so the cell inspector can write it out with those numbers.
    """

    unit: str
    steps: int = 0
    state: int | None = None
    action: int | None = None
    reward: float | None = None
    next_state: int | None = None
    done: bool = False
    episode_return: float | None = None
    episode_length: int | None = None
    #: Where the unit ended an episode: the action the episode's first step took (Figure 6.5
    #: counts the episodes that begin by going left); None where the agent does not tell.
    first_action: int | None = None
    td_error: float | None = None
    max_delta: float | None = None
    changed: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    equation: str = ""
    backup: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    #: Every episode that ended during this unit, as (return, length), across all parallel
    #: environments (agents with one environment may leave it empty and set episode_return).
    episodes: list[tuple[float, int]] = field(default_factory=list)
    #: Per-step series from inside a longer unit (a bandit episode's reward per pull), so
    #: curves keep one point per step whatever unit drove them.
    curves: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Insight:
    """Everything an agent knows, for every state at once.

    ``V`` (S,), ``Q`` (S, A), ``pi`` (S, A) the agent's actual action distribution (e.g.
    epsilon-greedy's), ``visits`` (S,) state visit counts; ``extras`` holds agent-specific
    arrays (e.g. bandit pulls, DP's last max |delta V|). Bandits have S = 1, A = arms.
    """

    V: np.ndarray
    Q: np.ndarray
    pi: np.ndarray
    visits: np.ndarray
    extras: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- the agent


class Agent(ABC):
    """Base class of every agent. Subclasses set the class attributes and implement the units."""

    name: ClassVar[str]
    Config: ClassVar[type]
    #: Level kinds the agent runs on: "gridworld", "bandit" or both.
    level_kinds: ClassVar[tuple[str, ...]] = ("gridworld",)
    #: One line: what the agent teaches.
    summary: ClassVar[str] = ""
    #: True if the constructor takes ``runs=R`` and steps R independent runs at once.
    vectorized_runs: ClassVar[bool] = False
    #: What the numbers in ``Event.info`` mean: key -> (chart title, one sentence on what it
    #: is and what a healthy value looks like, its equation), most telling first. The app's
    #: chart picker, tooltips and inspector read this; the agent is the one place that knows
    #: its diagnostics.
    diagnostics: ClassVar[dict[str, tuple[str, str, str]]] = {}
    #: Told ``(count, what)``, e.g. ``(40960, "steps")``, every so often inside a long unit (an
    #: episode of millions of steps, a run to convergence of many sweeps) so that a caller can
    #: show how far it got; it must not touch the agent. None: nobody listens.
    on_progress: Callable[[int, str], None] | None = None

    @classmethod
    def resource_limit(cls, level: Level, config: Any) -> str | None:
        """Why this agent with ``config`` would exceed its stated memory or time per unit on
        ``level`` (what to do instead included), or None if it runs within them. The one place
        an agent states its limit; :func:`gridrl.agents.make_agent` refuses up front with it."""
        return None

    def __init__(self, level: Level, config: Any = None, seed: int = 0) -> None:
        if level.kind not in self.level_kinds:
            raise LevelMismatchError(
                f"agent '{self.name}' runs on {' and '.join(self.level_kinds)} levels; "
                f"'{level.name}' is a {level.kind}"
            )
        self.level = level
        self.config = config if config is not None else self.Config()
        self.seed = seed
        self.rng = np.random.default_rng([seed, AGENT_STREAM])

    @classmethod
    def spec(cls) -> tuple[Hyperparameter, ...]:
        return hyperparameters(cls.Config)

    @abstractmethod
    def step(self) -> Event:
        """One environment step (for DP: one state's backup)."""

    @abstractmethod
    def episode(self) -> Event:
        """Run to the end of the current episode."""

    @abstractmethod
    def update(self) -> Event:
        """One learning update (for DP: one full sweep)."""

    @abstractmethod
    def insight(self) -> Insight:
        """V, Q, pi, visits for every state."""

    def changes_made(self) -> int:
        """How many of the level's scheduled changes (``GridLevel.changes``) the agent's
        environment has made: it now plays ``level.after_changes(k)``. 0 for an agent without
        an environment (DP plans on the model of the level as it starts)."""
        env = getattr(self, "env", None) or getattr(self, "envs", None)
        schedule = getattr(env, "schedule", None)
        return schedule.made if schedule is not None else 0

    def set_level(self, level: Level) -> None:
        """Swap in an edited version of the level (same kind and size) without forgetting what
        was learned: the GUI's live edits, so students watch the agent adapt."""
        size = {"gridworld": lambda lv: lv.shape, "bandit": lambda lv: lv.n_arms}[level.kind]
        if level.kind != self.level.kind or size(level) != size(self.level):
            raise LevelMismatchError("a live edit must keep the level's kind and size")
        self.level = level
        self.rebuild_environment()

    def rebuild_environment(self) -> None:
        """Rebuild whatever the agent derived from ``self.level`` (env, model); keep learning."""
        raise NotImplementedError(f"agent '{self.name}' does not support live level edits")

    def default_budget(self) -> tuple[str, int]:
        """What ``gridrl train`` runs when no --steps/--episodes/--updates is given."""
        if self.level.kind == "bandit":
            return "step", self.level.steps
        return "episode", 500

    def advance(self, unit: str) -> Event:
        """Dispatch on a unit name: ``step``, ``episode`` or ``update``."""
        if unit not in UNITS:
            raise ValueError(f"unit must be one of {', '.join(UNITS)}, got {unit!r}")
        return getattr(self, unit)()

    def state_dict(self) -> dict[str, Any]:
        """The learned state, as arrays and plain numbers (see :meth:`load_state_dict`)."""
        return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in self._learned().items()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for key, value in state.items():
            if key not in self._learned():
                raise KeyError(f"agent '{self.name}' has no learned state '{key}'")
            setattr(self, key, np.array(value) if isinstance(self._learned()[key], np.ndarray) else value)

    def _learned(self) -> dict[str, Any]:
        """Attribute names and values that make up the learned state; subclasses extend."""
        return {}
