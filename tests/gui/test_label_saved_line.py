"""When the labelling closes, one line says how many pairs went to which file and the command
that trains DPO on them (``--set pairs_file=FILE``): in the training view's status, and printed
by ``gridrl label`` when its window closes."""

from __future__ import annotations

import shlex
from pathlib import Path

import pygame

from gridrl.cli import build_parser, parse_sets
from gridrl.gui.scene_label import LabelScene, train_command

from gui_helpers import key

SIZE = (1024, 768)


def test_the_command_is_what_gridrl_train_parses_even_with_a_space_in_the_path():
    path = Path("/tmp/my labels/pairs.jsonl")
    command = train_command("small_gridworld", path)
    assert command == "gridrl train small_gridworld --agent dpo --set 'pairs_file=/tmp/my labels/pairs.jsonl'"
    words = shlex.split(command)
    args = build_parser().parse_args(words[1:])
    assert words[0] == "gridrl" and (args.command, args.level, args.agent) == ("train", "small_gridworld", "dpo")
    assert parse_sets(args.set) == {"pairs_file": str(path)}


def test_closing_the_labelling_tells_the_training_view_what_was_saved(make_app):
    app = make_app("small_gridworld", size=SIZE)
    key(app, pygame.K_l, mod=pygame.KMOD_CTRL)
    sc = app.top
    assert isinstance(sc, LabelScene) and sc.saved_line() == f"Nothing labelled: {sc.path} was not written."
    sc.answer("left")
    sc.answer("skip")
    sc.answer("tie")
    key(app, pygame.K_ESCAPE)
    train = app.top
    assert train.name == "train" and not train.status_error
    assert train.status_text == (f"Saved 2 pairs to {sc.path} (2 in the file). Train on them: gridrl train "
                                 f"small_gridworld --agent dpo --set pairs_file={sc.path}")  # fmt: skip
    key(app, pygame.K_l, mod=pygame.KMOD_CTRL)  # a second session counts its own pairs
    again = app.top
    again.answer("right")
    assert again.saved_line().startswith(f"Saved 1 pair to {sc.path} (3 in the file). Train on them: ")


def test_gridrl_label_prints_the_line_when_its_window_closes(make_app, tmp_path, monkeypatch, capsys):
    from gridrl.cli import main

    def open_window(level, size, prepare, **options):  # the user answers one pair and closes the window
        app = make_app(level, size=size)
        prepare(app.scenes[0])
        app.top.answer("left")
        return 0

    monkeypatch.setattr("gridrl.gui.launch.open_window", open_window)
    out = tmp_path / "pairs.jsonl"
    assert main(["label", "small_gridworld", "--out", str(out), "--headless"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"gridrl label: Saved 1 pair to {out} (1 in the file). Train on them: gridrl train small_gridworld "
        f"--agent dpo --set pairs_file={out}"
    )
