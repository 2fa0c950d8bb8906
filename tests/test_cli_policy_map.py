"""The train summary's policy map fits the terminal: a level wider or taller than it is cropped
to its top-left corner with a line saying so, never printed whole."""

from __future__ import annotations

import numpy as np

from gridrl.cli import main, policy_map
from gridrl.levels import load_level, parse_level


def open_level(rows: int, cols: int) -> str:
    lines = ["." * cols for _ in range(rows)]
    lines[0] = "S" + lines[0][1:]
    lines[-1] = lines[-1][:-1] + "G"
    layout = "\n".join("  " + line for line in lines)
    return f"kind: gridworld\nname: open\nlayout: |\n{layout}\n"


def test_a_level_that_fits_is_shown_whole() -> None:
    level = load_level("four_rooms")  # 11 x 11
    pi = np.tile([0.1, 0.7, 0.1, 0.1], (level.n_cells, 1))
    lines = policy_map(level, pi, terminal=(23, 30)).splitlines()
    assert len(lines) == 11 and max(map(len, lines)) == 23  # "  " + 11 cells and 10 spaces
    assert "cropped" not in "\n".join(lines)


def test_a_wide_and_tall_level_is_cropped_to_the_terminal() -> None:
    level = parse_level(open_level(300, 500))
    pi = np.tile([0.1, 0.1, 0.7, 0.1], (level.n_cells, 1))
    lines = policy_map(level, pi, terminal=(41, 24)).splitlines()
    grid, note = lines[:-1], lines[-1]
    assert len(grid) == 22 and {len(line) for line in grid} == {41}  # 20 cells a line
    assert grid[1] == "  " + " ".join(["\u2193"] * 20)
    assert note == "  (rows 1-22, columns 1-20 of 300 x 500: cropped to the terminal)"


def test_train_on_a_large_level_prints_a_bounded_summary(tmp_path, monkeypatch, capsys) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(open_level(400, 400))
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("LINES", "24")
    assert main(["train", str(path), "--agent", "q-learning", "--steps", "10", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "cropped to the terminal" in out
    assert len(out) < 5_000  # the whole map would be 400 lines of 801 characters
