"""Figure 6.2's y-axis as a lesson records it: ``update:rms_error``, one point per walk, is the RMS
error of V over the five states against the true values 1/6 ... 5/6 of Example 6.2."""

from __future__ import annotations

import numpy as np
import pytest

from gridrl.lessons.runner import Task, execute
from gridrl.levels import load_level
from gridrl.session import Session

TRUE_V = np.arange(1, 6) / 6  # Example 6.2: the chance of leaving on the right from A ... E


@pytest.mark.parametrize("agent, params", [
    ("td-prediction", {"policy": "moves", "v0": 0.5, "alpha": 0.1}),
    ("mc-prediction", {"policy": "moves", "v0": 0.5, "alpha": 0.02, "visits": "every"}),
])  # fmt: skip
def test_the_curve_is_the_rms_error_against_the_book_s_true_values(agent, params):
    level = load_level("random_walk_5")
    task = Task(index=0, label="x", agent=agent, params=params, level=level, seed=4, runs=1,
                unit="episode", count=30, update_keys=("rms_error",))  # fmt: skip
    curve = execute(task)["curves"]["update:rms_error"]
    session = Session(level, agent, params, seed=4)
    expected = []
    for _ in range(30):
        session.advance("episode")
        V = np.asarray(session.agent.insight().V, dtype=np.float64).ravel()[1:6]  # X A B C D E G
        expected.append(np.sqrt(np.mean((V - TRUE_V) ** 2)))
    assert curve.shape == (30,)
    np.testing.assert_allclose(curve, expected, rtol=1e-12)
    assert curve[-1] < np.sqrt(np.mean((0.5 - TRUE_V) ** 2))  # below the start's 0.236 after 30 walks
