"""Where an agent's plain defaults are *meant* not to find the optimal policy: the lesson.

Every learning agent should reach the optimal greedy policy on every bundled level with its
defaults (bench/defaults_matrix.py measures it), except the pairs below, whose failure is
what the book teaches. Each of them, except Monte Carlo's, solves the level with the
level's recommended settings (tests/test_defaults_matrix.py checks both halves). No setting
tried made MC solve these two: epsilon 0 loops to the step cap; decaying epsilon (multiplicative,
or a GLIE prototype, by episode or by visit count) and constant alpha leave it on a longer
path or looping.
"""

from __future__ import annotations

_SAFE_PATH = ("learns the value of the epsilon-greedy policy it follows, and with epsilon fixed at 0.1 "
              "a step along the cliff edge risks -100: it keeps to the safe path (-15 or -17; v* = -13).")  # fmt: skip

#: (agent, level) -> why the defaults fail there.
LESSONS: dict[tuple[str, str], str] = {
    ("sarsa", "cliff_walking"): f"Figure 6.4: on-policy Sarsa {_SAFE_PATH}",
    ("expected-sarsa", "cliff_walking"): f"Figure 6.4 (and §6.6): Expected Sarsa is on-policy too; it {_SAFE_PATH}",
    ("monte-carlo", "cliff_walking"): "§5.4: on-policy MC control looks for the best epsilon-soft policy, which "
                                      "keeps away from the edge; its greedy policy ends on a safe path (-17, -23) "
                                      "or, as the averages of whole returns shift, in a loop (v* = -13).",
    ("monte-carlo", "windy_gridworld"): "Example 6.5: 'Monte Carlo methods cannot easily be used here because "
                                        "termination is not guaranteed for all policies'; Sarsa learns during the "
                                        "episode that a looping policy is poor, MC only at its end (greedy path "
                                        "-18 to -22, or a loop; v* = -15).",
}


def lesson(agent: str, level: str) -> str | None:
    """Why ``agent`` with its defaults is expected not to solve bundled level ``level``, or None."""
    return LESSONS.get((agent, level))
