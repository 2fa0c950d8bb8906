"""Preference files: YAML and JSONL round trips, positioned errors, and warnings about data
a reward model cannot learn much from."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gridrl.preferences import (
    Pair,
    PreferenceData,
    PreferenceError,
    bandit_pairs,
    load_preferences,
    save_preferences,
    validate_pairs,
)

DATA = PreferenceData("corridor", (
    Pair(((0, 1), (1, 1), (2, 3)), ((0, 3),)),
    Pair(((4, 0),), ((5, 2), (6, 1)), tie=True, annotator="ada"),
    Pair(((7, 1),), ((0, 0),), annotator="bob: 2"),
))  # fmt: skip


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".jsonl"])
def test_round_trip(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"prefs{suffix}"
    save_preferences(DATA, path)
    assert load_preferences(path) == DATA
    assert load_preferences(path, level="corridor") == DATA
    save_preferences(DATA, path)  # over the old file, atomically: no temporary left behind
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_yaml_reads_as_written(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    save_preferences(DATA, path)
    assert path.read_text().splitlines()[:3] == [
        'level: "corridor"', "pairs:", "- {chosen: [[0, 1], [1, 1], [2, 3]], rejected: [[0, 3]]}",
    ]


def test_large_bandit_set_round_trips(tmp_path: Path) -> None:
    data = bandit_pairs(np.array([0.0, 1.0, 2.0]), 2000, np.random.default_rng(0), level_name="bernoulli_3")
    for name in ("big.yaml", "big.jsonl"):
        save_preferences(data, tmp_path / name)
        assert load_preferences(tmp_path / name, level="bernoulli_3") == data


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(("name", "text", "message"), [
    ("a.yaml", "level: corridor\npairs:\n- {chosen: [[0, 1]], rejected: [[0, 2]]}\n- {chosen: [[0, 1]], rejectd: [[0, 2]]}\n",
     r"a\.yaml:4:22: unknown key 'rejectd' in a pair\. Did you mean 'rejected'\?"),
    ("b.jsonl", '{"level": "corridor"}\n{"chosen": [[0, 1]], "rejected": [[0, 2]]}\n{"chosen": [[0, 1]], "rejectd": [[0, 2]]}\n',
     r"b\.jsonl:3: unknown key 'rejectd' in a pair\. Did you mean 'rejected'\?"),
    ("c.yaml", "level: corridor\npairs:\n- {chosen: [[0, 1]]}\n",
     r"c\.yaml:3:3: a pair needs 'rejected': a list of \[state, action\] steps"),
    ("d.yaml", "level: corridor\npairs:\n- {chosen: [[0, -1]], rejected: [[0, 2]]}\n",
     r"d\.yaml:3:\d+: step 0 of 'chosen' must be \[state, action\], two whole numbers >= 0"),
    ("e.yaml", "level: corridor\npairs:\n- {chosen: [], rejected: [[0, 2]]}\n",
     r"e\.yaml:3:\d+: 'chosen' must be a non-empty list"),
    ("f.yaml", "level: corridor\npairs: []\n", r"f\.yaml: the file holds no pairs"),
    ("g.yaml", "levl: corridor\npairs: []\n", r"g\.yaml:1:1: unknown key 'levl' in a preference file\. Did you mean 'level'\?"),
    ("h.jsonl", '{"chosen": [[0, 1]], "rejected": [[0, 2]]}\n', r'h\.jsonl:1: the first line must be the header \{"level": "name"\}'),
    ("i.jsonl", '{"level": "corridor"}\n\n{"chosen": [[0, 1]], "rejected": [[0, 2]]\n', r"i\.jsonl:3:\d+: not a JSON object"),
    ("j.yaml", "level: corridor\npairs:\n- {chosen: [[0, 1]], rejected: [[0, 2]], tie: maybe}\n",
     r"j\.yaml:3:\d+: 'tie' must be true or false, got str 'maybe'"),
    ("k.csv", "x", r"k\.csv: unknown preference file type '\.csv': name it \.yaml \(or \.yml\) or \.jsonl"),
    ("l.yaml", "", r"l\.yaml: the file is empty"),
    ("m.yaml", "level: corridor\npairs:\n  - {chosen: [[0, 1]], rejected: [[0, 2]]\n", r"m\.yaml:\d+:\d+: YAML syntax error"),
])  # fmt: skip
def test_bad_files_say_where_and_what(tmp_path: Path, name: str, text: str, message: str) -> None:
    with pytest.raises(PreferenceError, match=message):
        load_preferences(write(tmp_path, name, text))


@pytest.mark.parametrize(("name", "text", "level", "message"), [
    # corridor has 9 cells (states 0..8) and 4 actions.
    ("a.yaml", "level: corridor\npairs:\n- {chosen: [[0, 1]], rejected: [[0, 2]]}\n- {chosen: [[3, 1], [9, 1]], rejected: [[0, 2]]}\n",
     "corridor", r"a\.yaml:4: step 1 of 'chosen' has state 9, which the level does not have: states are 0\.\.8 and actions 0\.\.3"),
    ("b.jsonl", '{"level": "bernoulli_3"}\n{"chosen": [[0, 1]], "rejected": [[0, 3]]}\n',
     "bernoulli_3", r"b\.jsonl:2: step 0 of 'rejected' has action 3, which the level does not have: states are 0\.\.0 and actions 0\.\.2"),
])  # fmt: skip
def test_unknown_states_and_actions_name_their_line(tmp_path: Path, name: str, text: str, level: str,
                                                     message: str) -> None:  # fmt: skip
    path = write(tmp_path, name, text)
    load_preferences(path)  # well formed: only the level can tell
    with pytest.raises(PreferenceError, match=message):
        load_preferences(path, level=level)


def arms(*pairs: tuple[int, int], tie: bool = False) -> PreferenceData:
    return PreferenceData("bandit", tuple(Pair(((0, c),), ((0, r),), tie) for c, r in pairs))


def test_clean_data_has_no_warnings() -> None:
    data = bandit_pairs(np.array([0.0, 0.5, 1.0, 1.5, 2.0]), 2000, np.random.default_rng(0), noise=0.2)
    assert validate_pairs(data, 1, 5) == []


def test_warnings_for_data_that_teaches_little() -> None:
    (single,) = validate_pairs(arms((1, 0)), 1, 3)
    assert single.startswith("there is a single pair")
    assert validate_pairs(arms((1, 0), (2, 1), tie=True), 1, 3) == [
        "every pair is a tie: the data says nothing about which segment is better, so the fitted rewards "
        "are all equal; label pairs where one is preferred"
    ]
    (cycle,) = validate_pairs(arms((0, 1), (1, 2), (2, 0), (0, 1)), 1, 3)
    assert cycle.startswith("the preferences form a cycle: (s=0, a=0) > (s=0, a=1) > (s=0, a=2) > (s=0, a=0)")
    (groups,) = validate_pairs(arms((0, 1), (1, 0), (2, 3), (3, 4)), 1, 5)
    assert groups.startswith("the segments fall into 2 groups never compared with each other (sizes 3, 2)")


def test_noise_alone_makes_no_cycle() -> None:
    # a > b twice and b > a once: the majority says a > b, which is no cycle.
    assert validate_pairs(arms((0, 1), (0, 1), (1, 0), (1, 2), (0, 2)), 1, 3) == []


def test_validate_refuses_unknown_states() -> None:
    with pytest.raises(PreferenceError, match=r"pair 1: step 0 of 'rejected' has action 7, which the level does not have"):
        validate_pairs(arms((0, 1), (2, 7)), 1, 5)
