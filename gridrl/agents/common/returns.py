"""What the Monte Carlo agents share (control, §5.4, and prediction, §5.1): the count of the
returns averaged into each estimate.

Both keep no list ``Returns(.)``: the average is updated incrementally with its count N
(Sutton & Barto §2.4), Q <- Q + (1/N) (G - Q), which gives the same number. N is then part of
what was learnt: sample averages resume from it after a load, and the inspector shows it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gridrl.agents.base import Insight


class ReturnCounts:
    """Mixin for an agent whose ``N`` counts the returns in each average: ``|Returns(s)|``
    (prediction) or ``|Returns(s, a)|`` (control). List it before the agent's base class."""

    N: np.ndarray

    def insight(self) -> Insight:
        """Also N, the returns averaged into each estimate."""
        insight = super().insight()  # type: ignore[misc]
        insight.extras["N"] = self.N.copy()
        return insight

    def _learned(self) -> dict[str, Any]:
        """Also N: sample averages resume from it after a load (the 1/N step)."""
        return {**super()._learned(), "N": self.N}  # type: ignore[misc]
