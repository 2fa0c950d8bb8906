"""The level editor's operations on a bandit level, without pygame: its arms (each
Bernoulli or Gaussian), a k-armed testbed instead, and the number of steps. Like the
gridworld's (:mod:`gridrl.gui.editor_model`), each is a pure function ``level -> level`` that
raises a LevelError saying what a value may be."""

from __future__ import annotations

import math
from dataclasses import replace

from gridrl.levels import BanditLevel, BernoulliArm, GaussianArm, LevelError, Testbed

MAX_ARMS = 50


def new_bandit(name: str = "New bandit") -> BanditLevel:
    return BanditLevel(name=name, arms=(BernoulliArm("arm 1", p=0.3), BernoulliArm("arm 2", p=0.6)))


def add_arm(level: BanditLevel, distribution: str = "bernoulli") -> BanditLevel:
    if len(level.arms) >= MAX_ARMS:
        raise LevelError(f"at most {MAX_ARMS} arms")
    name = f"arm {len(level.arms) + 1}"
    arm = GaussianArm(name) if distribution == "gaussian" else BernoulliArm(name)
    return replace(level, arms=level.arms + (arm,), testbed=None)


def remove_arm(level: BanditLevel, index: int) -> BanditLevel:
    if len(level.arms) <= 1:
        raise LevelError("a bandit needs at least one arm")
    return replace(level, arms=level.arms[:index] + level.arms[index + 1:])


def set_arm(level: BanditLevel, index: int, distribution: str | None = None, **params: object) -> BanditLevel:
    """Arm ``index`` with a new distribution and/or parameters (name, mean, std, p)."""
    arm = level.arms[index]
    distribution = distribution or arm.distribution
    name = str(params.pop("name", arm.name))
    if distribution == "gaussian":
        mean = float(params.pop("mean", getattr(arm, "mean", 0.0)))  # type: ignore[arg-type]
        std = float(params.pop("std", getattr(arm, "std", 1.0)))  # type: ignore[arg-type]
        if not (math.isfinite(mean) and math.isfinite(std) and std >= 0):
            raise LevelError("a gaussian arm needs a finite mean and std >= 0")
        new: GaussianArm | BernoulliArm = GaussianArm(name, mean=mean, std=std)
    elif distribution == "bernoulli":
        p = float(params.pop("p", arm.mean if arm.distribution == "bernoulli" else 0.5))  # type: ignore[arg-type]
        if not 0.0 <= p <= 1.0:
            raise LevelError(f"p must be between 0 and 1, got {p:g}")
        new = BernoulliArm(name, p=p)
    else:
        raise LevelError(f"distribution must be gaussian or bernoulli, got {distribution!r}")
    if params:
        raise LevelError(f"unknown arm parameters: {', '.join(sorted(params))}")
    arms = list(level.arms)
    arms[index] = new
    return replace(level, arms=tuple(arms))


def set_testbed(level: BanditLevel, **params: float) -> BanditLevel:
    """Make the bandit a k-armed testbed (true means drawn per run), or change the testbed's
    ``arms``, ``mean``, ``std`` or ``reward_std``; explicit arms are dropped."""
    tb = level.testbed or Testbed()
    unknown = set(params) - {"arms", "mean", "std", "reward_std"}
    if unknown:
        raise LevelError(f"unknown testbed parameters: {', '.join(sorted(unknown))}")
    arms = params.get("arms", tb.arms)
    if float(arms) != int(arms) or not 1 <= int(arms) <= MAX_ARMS:
        raise LevelError(f"a testbed has between 1 and {MAX_ARMS} arms, got {arms:g}")
    values = {k: float(params.get(k, getattr(tb, k))) for k in ("mean", "std", "reward_std")}
    if not all(math.isfinite(v) for v in values.values()) or values["std"] < 0 or values["reward_std"] < 0:
        raise LevelError("a testbed needs a finite mean and std, reward_std >= 0")
    return replace(level, testbed=Testbed(arms=int(arms), **values), arms=())


def set_steps(level: BanditLevel, steps: int) -> BanditLevel:
    if not 1 <= int(steps) <= 1_000_000:
        raise LevelError("steps must be between 1 and 1000000")
    return replace(level, steps=int(steps))
