"""Preference data: pairs of segments, one preferred to the other, read from and written to files.

A *segment* is what an annotator compares: a sequence of ``(state, action)`` steps. A bandit
pull is the one-step segment ``((0, arm),)``; a gridworld trajectory is its steps in order.
A :class:`Pair` says which of two segments was preferred (or that they tie), and by whom.

Two file formats, chosen by suffix. YAML (``.yaml``/``.yml``), for reading and hand-writing::

    level: preference_bandit      # the level the states and actions belong to
    pairs:
    - {chosen: [[0, 3]], rejected: [[0, 1]]}
    - {chosen: [[0, 2]], rejected: [[0, 4]], tie: true, annotator: ada}

JSONL (``.jsonl``), one JSON object a line, for large sets and for appending: the first line
is the header ``{"level": "preference_bandit"}``, every later line one pair
``{"chosen": [[0, 3]], "rejected": [[0, 1]], "tie": false, "annotator": "ada"}``.

Every problem in a file raises :class:`PreferenceError` as ``file:line: what is wrong and
how to fix it``. Data that is legal but cannot teach a reward model much (a single pair, all
ties, a preference cycle, items never compared with each other) gives warnings instead, from
:func:`validate_pairs`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from gridrl.levels import BanditLevel, Level, load_level
from gridrl.levels.marked_yaml import (
    Context,
    MarkedError,
    MarkedMap,
    MarkedSeq,
    check_keys,
    describe,
    load_mapping,
    read_text,
    suggest,
)
from gridrl.levels.save import atomic_write_text

Segment = tuple[tuple[int, int], ...]

#: Larger files are refused before reading: 20k pairs of 100-step trajectories fit easily.
MAX_FILE_BYTES = 256 * 1024 * 1024
FILE_KEYS = ("level", "pairs")
PAIR_KEYS = ("chosen", "rejected", "tie", "annotator")
SUFFIXES = (".yaml", ".yml", ".jsonl")
EXAMPLE = "level: preference_bandit, pairs: [{chosen: [[0, 3]], rejected: [[0, 1]]}, ...]"


class PreferenceError(MarkedError):
    """A preference file or dataset is wrong: ``file:line: problem``, saying how to fix it."""


@dataclass(frozen=True)
class Pair:
    """One comparison: ``chosen`` was preferred to ``rejected`` (for a tie: either order)."""

    chosen: Segment
    rejected: Segment
    tie: bool = False
    annotator: str | None = None


@dataclass(frozen=True)
class PreferenceData:
    """The pairs collected on one level (``level_name`` is what :func:`load_level` takes)."""

    level_name: str
    pairs: tuple[Pair, ...]


# --------------------------------------------------------------------------- reading


def load_preferences(path: str | Path, level: Level | str | None = None) -> PreferenceData:
    """The preference file at ``path`` (YAML or JSONL, by suffix), every value checked.

    With ``level`` (a level or its name), each state and action must also exist on it: the
    states of a gridworld are its cells ``0 .. rows*cols - 1``, a bandit has the one state 0
    and its arms as actions.
    """
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise PreferenceError(
            f"unknown preference file type '{path.suffix}': name it .yaml (or .yml) or .jsonl", str(path)
        )
    text = read_text(path, MAX_FILE_BYTES, PreferenceError, "preference")
    parse = _parse_jsonl if path.suffix.lower() == ".jsonl" else _parse_yaml
    data, lines = parse(text, str(path))
    if level is not None:
        n_states, n_actions = level_size(load_level(level))
        _check_ranges(data.pairs, lines, n_states, n_actions, str(path))
    return data


def level_size(level: Level) -> tuple[int, int]:
    """(number of states, number of actions) of a level as segments index them."""
    if isinstance(level, BanditLevel):
        return 1, level.n_arms
    return level.shape[0] * level.shape[1], 4


def _parse_yaml(text: str, source: str) -> tuple[PreferenceData, list[int | None]]:
    ctx = Context(source, text, PreferenceError, "preference")
    document = load_mapping(ctx, MAX_FILE_BYTES, EXAMPLE, "a preference file needs 'level' and 'pairs'")
    check_keys(ctx, document, FILE_KEYS, "a preference file")
    level_name = _level_name(document.get("level"), lambda problem: ctx.fail(problem, document.node))
    items = document.get("pairs")
    if not isinstance(items, MarkedSeq):
        node = document.nodes.get("pairs", document.node)
        ctx.fail(f"'pairs' must be a list of pairs ({EXAMPLE}), got {describe(items)}", node)
    pairs, lines = [], []
    for item, node in zip(items, items.nodes):
        if not isinstance(item, MarkedMap):
            ctx.fail(f"a pair must be a mapping {{chosen: ..., rejected: ...}}, got {describe(item)}", node)
        check_keys(ctx, item, PAIR_KEYS, "a pair")
        pairs.append(_pair(item, lambda problem, key=None, m=item: ctx.fail(problem, m.nodes.get(key, m.node))))
        lines.append(node.start_mark.line + 1)
    return _dataset(level_name, pairs, source), lines


def _parse_jsonl(text: str, source: str) -> tuple[PreferenceData, list[int | None]]:
    records = [(number, line) for number, line in enumerate(text.splitlines(), 1) if line.strip()]
    if not records:
        raise PreferenceError('the file is empty; a JSONL preference file starts with {"level": "name"}', source)
    values = []
    for number, line in records:
        try:
            values.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise PreferenceError(f"not a JSON object: {exc.msg}", source, number, exc.colno) from None
    (first, header), rows = values[0], values[1:]
    if not isinstance(header, dict) or set(header) != {"level"}:
        raise PreferenceError(
            f'the first line must be the header {{"level": "name"}}, got {_shown(header)}', source, first
        )
    level_name = _level_name(header["level"], lambda problem: _raise(problem, source, first))
    pairs = []
    for number, row in rows:
        if not isinstance(row, dict):
            raise PreferenceError(f'each line after the header is one pair {{"chosen": ..., "rejected": ...}}, '
                                  f"got {_shown(row)}", source, number)  # fmt: skip
        for key in row:
            if key not in PAIR_KEYS:
                raise PreferenceError(f"unknown key '{key}' in a pair.{suggest(key, PAIR_KEYS)} "
                                      f"Allowed keys: {', '.join(PAIR_KEYS)}.", source, number)  # fmt: skip
        pairs.append(_pair(row, lambda problem, key=None, n=number: _raise(problem, source, n)))
    return _dataset(level_name, pairs, source), [number for number, _ in rows]


def _raise(problem: str, source: str, line: int) -> Any:
    raise PreferenceError(problem, source, line)


def _shown(value: Any) -> str:
    return describe(value) if not isinstance(value, dict) else f"the object {json.dumps(value)[:60]}"


def _level_name(value: Any, fail: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        fail(f"the file must name its level as text, e.g. 'level: preference_bandit', got {describe(value)}")
    return value.strip()


def _pair(item: dict[str, Any], fail: Any) -> Pair:
    """A :class:`Pair` from a mapping; ``fail(problem, key)`` raises at the key's place."""
    for key in ("chosen", "rejected"):
        if key not in item:
            fail(f"a pair needs '{key}': a list of [state, action] steps, e.g. {key}: [[0, 2]]")
    tie = item.get("tie", False)
    if not isinstance(tie, bool):
        fail(f"'tie' must be true or false, got {describe(tie)}", "tie")
    annotator = item.get("annotator")
    if annotator is not None and not isinstance(annotator, str):
        fail(f"'annotator' must be text (a name or id), got {describe(annotator)}; quote it", "annotator")
    return Pair(_segment(item["chosen"], "chosen", fail), _segment(item["rejected"], "rejected", fail), tie, annotator)


def _segment(value: Any, key: str, fail: Any) -> Segment:
    """A segment from ``[[s, a], ...]``: non-empty, each step two whole numbers >= 0."""
    if not isinstance(value, list) or not value:
        fail(f"'{key}' must be a non-empty list of [state, action] steps, e.g. [[0, 2]] for arm 2 of a bandit, "
             f"got {describe(value)}", key)  # fmt: skip
    steps = []
    for t, step in enumerate(value):
        ok = isinstance(step, list) and len(step) == 2
        ok = ok and all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in step)
        if not ok:
            fail(f"step {t} of '{key}' must be [state, action], two whole numbers >= 0, got {describe(step)} "
                 f"{json.dumps(step, default=str)[:40]}", key)  # fmt: skip
        steps.append((int(step[0]), int(step[1])))
    return tuple(steps)


def _dataset(level_name: str, pairs: list[Pair], source: str) -> PreferenceData:
    if not pairs:
        raise PreferenceError("the file holds no pairs; a reward model needs at least one comparison", source)
    return PreferenceData(level_name, tuple(pairs))


def _check_ranges(pairs: tuple[Pair, ...], lines: list[int | None], n_states: int, n_actions: int,
                  source: str | None) -> None:  # fmt: skip
    """Refuse a step whose state or action the level does not have, at its pair's line."""
    for index, (pair, line) in enumerate(zip(pairs, lines)):
        for key, segment in (("chosen", pair.chosen), ("rejected", pair.rejected)):
            for t, (s, a) in enumerate(segment):
                if s >= n_states or a >= n_actions:
                    what = f"state {s}" if s >= n_states else f"action {a}"
                    where = "" if line is not None else f"pair {index}: "
                    raise PreferenceError(
                        f"{where}step {t} of '{key}' has {what}, which the level does not have: states are "
                        f"0..{n_states - 1} and actions 0..{n_actions - 1}. Is this file for another level?",
                        source, line,
                    )  # fmt: skip


# --------------------------------------------------------------------------- writing


def save_preferences(data: PreferenceData, path: str | Path) -> None:
    """Write ``data`` to ``path`` (YAML or JSONL by suffix) atomically: a crash at any moment
    leaves the old file whole."""
    path = Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise PreferenceError(f"unknown preference file type '{path.suffix}': use .yaml, .yml or .jsonl", str(path))
    rows = [_pair_row(pair) for pair in data.pairs]
    if path.suffix.lower() == ".jsonl":
        lines = [json.dumps({"level": data.level_name})] + [json.dumps(row, separators=(", ", ": ")) for row in rows]
        text = "\n".join(lines) + "\n"
    else:
        text = f"level: {json.dumps(data.level_name)}\npairs:\n" + "".join(
            "- " + yaml.safe_dump(row, default_flow_style=True, width=10**9, sort_keys=False) for row in rows
        )
    atomic_write_text(path, text)


def _pair_row(pair: Pair) -> dict[str, Any]:
    row: dict[str, Any] = {"chosen": [list(step) for step in pair.chosen],
                           "rejected": [list(step) for step in pair.rejected]}  # fmt: skip
    if pair.tie:
        row["tie"] = True
    if pair.annotator is not None:
        row["annotator"] = pair.annotator
    return row


# --------------------------------------------------------------------------- checking


def validate_pairs(data: PreferenceData, n_states: int, n_actions: int) -> list[str]:
    """Warnings about data a reward model can read but not learn much from.

    Raises :class:`PreferenceError` for a state or action outside the level (naming the pair).
    Warns about: a single pair, all ties, segments compared only within separate groups
    (their rewards are fitted up to a separate constant each), and a preference cycle
    A > B > C > A by majority (legal, but no Bradley-Terry reward fits it exactly).
    """
    if not data.pairs:
        raise PreferenceError("there are no pairs; a reward model needs at least one comparison")
    _check_ranges(data.pairs, [None] * len(data.pairs), n_states, n_actions, None)
    warnings = []
    if len(data.pairs) == 1:
        warnings.append("there is a single pair: it fixes one difference of rewards, and only its sign; "
                        "label more pairs")  # fmt: skip
    if all(pair.tie for pair in data.pairs):
        warnings.append("every pair is a tie: the data says nothing about which segment is better, so the "
                        "fitted rewards are all equal; label pairs where one is preferred")  # fmt: skip
    segments = sorted({seg for pair in data.pairs for seg in (pair.chosen, pair.rejected)})
    index = {seg: i for i, seg in enumerate(segments)}
    chosen = np.array([index[p.chosen] for p in data.pairs])
    rejected = np.array([index[p.rejected] for p in data.pairs])
    groups = comparison_groups(chosen, rejected, len(segments))
    if len(groups) > 1:
        warnings.append(
            f"the segments fall into {len(groups)} groups never compared with each other (sizes "
            f"{', '.join(str(len(g)) for g in groups)}): rewards are comparable only within a group; "
            "label pairs that join them"
        )
    tie = np.array([p.tie for p in data.pairs])
    cycle = majority_cycle(chosen[~tie], rejected[~tie], len(segments))
    if cycle:
        names = " > ".join(_segment_name(segments[i]) for i in cycle + cycle[:1])
        warnings.append(f"the preferences form a cycle: {names} (each by a majority of its pairs); no reward "
                        "ranks them so, and a Bradley-Terry model fits them as nearly equal")  # fmt: skip
    return warnings


def _segment_name(segment: Segment) -> str:
    if len(segment) == 1:
        return f"(s={segment[0][0]}, a={segment[0][1]})"
    return f"[{len(segment)} steps from s={segment[0][0]}]"


def comparison_groups(chosen: np.ndarray, rejected: np.ndarray, n_items: int) -> list[list[int]]:
    """The connected components of the comparison graph (an edge per pair), items that appear
    in some pair only, largest first. One group means every reward difference is identified."""
    parent = list(range(n_items))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in set(zip(chosen.tolist(), rejected.tolist())):
        parent[root(i)] = root(j)
    seen = np.zeros(n_items, dtype=bool)
    seen[chosen], seen[rejected] = True, True
    groups: dict[int, list[int]] = {}
    for i in np.flatnonzero(seen).tolist():
        groups.setdefault(root(i), []).append(i)
    return sorted(groups.values(), key=lambda g: (-len(g), g))


def majority_cycle(chosen: np.ndarray, rejected: np.ndarray, n_items: int) -> list[int]:
    """A cycle ``[i, j, k]`` (i > j > k > i) in the majority graph, or ``[]``.

    The majority graph has an edge i -> j when i was chosen over j more often than the
    reverse, so label noise alone (a few reversed pairs) makes no cycle.
    """
    wins: dict[tuple[int, int], int] = {}
    for i, j in zip(chosen.tolist(), rejected.tolist()):
        if i != j:
            wins[i, j] = wins.get((i, j), 0) + 1
    beats: dict[int, list[int]] = {}
    for (i, j), count in sorted(wins.items()):
        if count > wins.get((j, i), 0):
            beats.setdefault(i, []).append(j)
    state = [0] * n_items  # 0 unseen, 1 on the path, 2 done
    for start in sorted(beats):
        if state[start]:
            continue
        path, stack = [start], [iter(beats.get(start, []))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state[nxt] == 1:
                return path[path.index(nxt):]
            elif state[nxt] == 0:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(beats.get(nxt, [])))
    return []
