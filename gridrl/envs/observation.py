"""Observation encodings of a grid state: its index, a one-hot vector, or (row, col) features.

Tabular agents read the index; neural agents read one-hot (every cell its own input) or
coordinates (lets a network generalise between neighbouring cells).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from gymnasium import spaces

ObsMode = Literal["index", "onehot", "coords"]
OBS_MODES: tuple[str, ...] = ("index", "onehot", "coords")


class ObservationEncoder:
    """Turns state indices ``s = row * cols + col`` into observations of one mode."""

    def __init__(self, mode: ObsMode, rows: int, cols: int) -> None:
        if mode not in OBS_MODES:
            raise ValueError(f"obs must be one of {', '.join(OBS_MODES)}, got {mode!r}")
        self.mode, self.rows, self.cols = mode, rows, cols
        self.n_states = rows * cols
        # Coordinates scaled to [0, 1]; a side of length 1 maps to 0.
        self._scale = np.array([max(rows - 1, 1), max(cols - 1, 1)], dtype=np.float32)

    @property
    def space(self) -> spaces.Space:
        """The observation space of one environment."""
        if self.mode == "index":
            return spaces.Discrete(self.n_states)
        size = self.n_states if self.mode == "onehot" else 2
        return spaces.Box(0.0, 1.0, shape=(size,), dtype=np.float32)

    def one(self, s: int) -> int | np.ndarray:
        """The observation of a single state."""
        if self.mode == "index":
            return int(s)
        return self.batch(np.array([s]))[0]

    def batch(self, states: np.ndarray) -> np.ndarray:
        """Observations of an array of states, stacked along the first axis."""
        states = np.asarray(states, dtype=np.int64)
        if self.mode == "index":
            return states.copy()  # never hand out the caller's state array itself
        if self.mode == "onehot":
            out = np.zeros((states.size, self.n_states), dtype=np.float32)
            out[np.arange(states.size), states.ravel()] = 1.0
            return out.reshape(*states.shape, self.n_states)
        row, col = np.divmod(states, self.cols)
        return np.stack([row, col], axis=-1).astype(np.float32) / self._scale
