"""Shared helpers for the environment tests: custom levels from YAML text, frequency checks,
and breadth-first shortest paths over the exact model. Importing gridrl.envs registers the ids."""

from __future__ import annotations

import textwrap
from collections import Counter, deque

import numpy as np
import pytest

import gridrl.envs  # noqa: F401 - registers the gymnasium ids
from gridrl.levels import parse_level


def level_from_text(text: str):
    """A level parsed from (dedented) YAML text."""
    return parse_level(textwrap.dedent(text), source="<test>")


def assert_frequencies(samples, expected: dict, n_sigma: float = 5.0) -> None:
    """Empirical frequencies of ``samples`` agree with ``expected`` (outcome -> probability).

    Every outcome with probability p must occur n p +- n_sigma sqrt(n p (1 - p)) times (plus one
    for rounding); an outcome that is not in ``expected`` (or has p = 0) must never occur.
    """
    samples = list(samples)
    n = len(samples)
    counts = Counter(samples)
    expected = {k: v for k, v in expected.items() if v > 0}
    unexpected = set(counts) - set(expected)
    assert not unexpected, f"outcomes with probability 0 occurred: {sorted(unexpected)[:10]}"
    assert abs(sum(expected.values()) - 1.0) < 1e-9, f"expected probabilities sum to {sum(expected.values())}"
    for outcome, p in expected.items():
        mean = n * p
        bound = n_sigma * np.sqrt(n * p * (1.0 - p)) + 1.0
        got = counts.get(outcome, 0)
        assert abs(got - mean) <= bound, (
            f"outcome {outcome}: {got} of {n} samples, expected {mean:.1f} +- {bound:.1f} (p={p:.4f})"
        )


def outcome_distribution(model, s: int, a: int) -> dict:
    """The model's distribution over (next_state, reward) pairs for one (s, a)."""
    dist: dict = {}
    for s2, p, r in zip(model.next_state[s, a], model.prob[s, a], model.reward[s, a]):
        if p > 0:
            key = (int(s2), round(float(r), 9))
            dist[key] = dist.get(key, 0.0) + float(p)
    return dist


def shortest_path(model) -> int | None:
    """Fewest actions from the (first) start cell to any terminal cell, over P > 0 (BFS)."""
    P = model.P
    start = int(model.grid.start_cells[0])
    dist = {start: 0}
    queue = deque([start])
    while queue:
        s = queue.popleft()
        if model.terminal[s]:
            return dist[s]
        for a in range(model.n_actions):
            for s2 in np.flatnonzero(P[s, a] > 0):
                s2 = int(s2)
                if s2 not in dist:
                    dist[s2] = dist[s] + 1
                    queue.append(s2)
    return None


# The helpers reach the tests as fixtures (importing from a conftest module is fragile when
# several test directories each have one).


@pytest.fixture
def make_level():
    """``make_level(yaml_text)`` -> a parsed level."""
    return level_from_text


@pytest.fixture
def check_frequencies():
    """``check_frequencies(samples, {outcome: p})``: per-outcome n-sigma bounds."""
    return assert_frequencies


@pytest.fixture
def outcomes_of():
    """``outcomes_of(model, s, a)`` -> {(next_state, reward): probability}."""
    return outcome_distribution


@pytest.fixture
def bfs_steps():
    """``bfs_steps(model)`` -> fewest actions from the start to a terminal cell."""
    return shortest_path
