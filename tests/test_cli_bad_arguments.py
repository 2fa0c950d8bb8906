"""Bad arguments to every subcommand: exit status 2 and one line that says what is wrong,
never a traceback (a user typo is normal input)."""

from __future__ import annotations

import pytest

from gridrl.cli import main

BAD = [
    ["train", "corridor", "--agent", "q-learning", "--episodes", "-3"],
    ["train", "corridor", "--agent", "q-learning", "--episodes", "0"],
    ["train", "corridor", "--agent", "q-learning", "--steps", "nan"],
    ["train", "corridor", "--agent", "q-learning", "--set", "alpah=0.5"],
    ["train", "corridor", "--agent", "q-learning", "--set", "alpha=nan"],
    ["train", "corridor", "--agent", "q-learning", "--set", "alpha=1e400"],
    ["train", "corridor", "--agent", "q-learning", "--set", "epsilon=3"],
    ["train", "corridor", "--agent", "q-learning", "--set", "=0.5"],
    ["train", "corridor", "--agent", "q-learning", "--set", ""],
    ["train", "corridor", "--agent", "q-learning", "--runs", "0"],
    ["train", "corridor", "--agent", ""],
    ["train", "corridor", "--agent", "q-lerning"],
    ["train", "", "--agent", "q-learning"],
    ["train", "no_such_level", "--agent", "q-learning"],
    ["train", "corridor", "--agent", "ucb"],
    ["train", "corridor", "--agent", "q-learning", "--seed", "-1"],
    ["train", "corridor", "--agent", "q-learning", "--seed", "99999999999999999999999"],
    ["render", "corridor", "--out", "x.bmp"],
    ["render", "corridor", "--out", "x.png", "--size", "0x0"],
    ["render", "corridor", "--out", "x.png", "--size", "abc"],
    ["render", "corridor", "--out", "x.gif", "--agent", "q-learning", "--frames", "-1"],
    ["render", "corridor", "--out", "x.gif", "--agent", "q-learning", "--fps", "0"],
    ["render", "corridor", "--out", "x.png", "--overlays", "values,nonsense"],
    ["compare", "corridor", "--agents", "q-learning,nope", "--out", "OUT"],
    ["compare", "corridor", "--agents", "", "--out", "OUT"],
    ["compare", "corridor", "--agents", "q-learning", "--seeds", "0", "--out", "OUT"],
    ["compare", "corridor", "--agents", "q-learning", "--set", "nope.alpha=1", "--out", "OUT"],
    ["compare", "corridor", "--agents", "q-learning", "--workers", "0", "--out", "OUT"],
    ["lesson", "run", "no_such_lesson", "--out", "OUT"],
    ["lesson", "run", "figure_4_1"],
    ["validate"],
    ["app", "corridor", "--agent", "nope"],
    ["app", "corridor", "--size", "10x10"],
    ["app", "corridor", "--run-for", "nan"],
    ["app", "corridor", "--scale", "0"],
    ["app", "corridor", "--frames", "-5"],
    ["edit", "corridor", "--size", "x"],
    ["no-such-command"],
]


@pytest.mark.parametrize("argv", BAD, ids=[" ".join(a) or "(empty)" for a in BAD])
def test_bad_arguments_exit_2_with_a_message(argv, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's own errors
        code = exit_.code
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err and err.strip(), err
    assert not list(tmp_path.iterdir())  # nothing written
