"""Where an agent's plain defaults are *meant* not to find the optimal policy: the lesson.

Every learning agent should reach the optimal greedy policy on every bundled level with its
defaults (bench/defaults_matrix.py measures it), except the pairs below, whose failure is
what the book teaches (or a limit the book states, as the Dyna model's determinism). Each of
them, except Monte Carlo's, solves the level with the level's recommended settings (tests/test_defaults_matrix.py checks both halves). No setting
tried made MC solve these two: epsilon 0 loops to the step cap; decaying epsilon (multiplicative,
or a GLIE prototype, by episode or by visit count) and constant alpha leave it on a longer
path or looping.
"""

from __future__ import annotations

_SAFE_PATH = ("learns the value of the epsilon-greedy policy it follows, and with epsilon fixed at 0.1 "
              "a step along the cliff edge risks -100: it keeps to a safe path (-15 to -19; v* = -13), and near-ties "
              "flickering under a constant alpha can leave its greedy policy looping for a while.")  # fmt: skip

_LAST_OUTCOME = ("the model keeps the last (R, S') of each (S, A), 'assuming deterministic environment', and on "
                 "the slippery lake it is wrong two times in three: planning replays one outcome as if certain and "
                 "the greedy policy never settles. The level recommends model: expected (counts, expected updates).")

#: (agent, level) -> why the defaults fail there.
LESSONS: dict[tuple[str, str], str] = {
    ("sarsa", "cliff_walking"): f"Figure 6.4: on-policy Sarsa {_SAFE_PATH}",
    ("expected-sarsa", "cliff_walking"): f"Figure 6.4 (and §6.6): Expected Sarsa is on-policy too; it {_SAFE_PATH}",
    ("n-step-sarsa", "cliff_walking"): f"Figure 6.4 and §7.2: n-step Sarsa is on-policy; it {_SAFE_PATH} Greedy, "
                                       "each optimistic try of a cliff step sends its -100 back over the n - 1 "
                                       "steps before it, and the edge is never tried again.",
    ("sarsa-lambda", "cliff_walking"): f"Figure 6.4 and §12.7: Sarsa(lambda) is on-policy; it {_SAFE_PATH} Greedy, "
                                       "the trace carries each optimistic try's -100 back along the path.",
    ("dyna-q", "frozen_lake_8x8"): f"§8.2-8.3: {_LAST_OUTCOME}",
    ("dyna-q-plus", "frozen_lake_8x8"): f"§8.2-8.3: {_LAST_OUTCOME}",
    ("prioritized-sweeping", "frozen_lake_8x8"): f"§8.4: the box is 'for a deterministic environment'; "
                                                 f"{_LAST_OUTCOME}",
    ("monte-carlo", "cliff_walking"): "§5.4: on-policy MC control looks for the best epsilon-soft policy, which "
                                      "keeps away from the edge; its greedy policy ends on a safe path (-17, -23) "
                                      "or, as the averages of whole returns shift, in a loop (v* = -13).",
    ("monte-carlo", "windy_gridworld"): "Example 6.5: 'Monte Carlo methods cannot easily be used here because "
                                        "termination is not guaranteed for all policies'; Sarsa learns during the "
                                        "episode that a looping policy is poor, MC only at its end (greedy path "
                                        "-18 to -22, or a loop; v* = -15).",
    ("reinforce", "frozen_lake_8x8"): "§13.4-13.5: REINFORCE learns from whole returns alone, and a uniformly random "
                                      "policy reaches the goal, the only reward, in 0.19% of its episodes (1 in 525). A "
                                      "batch of 16 episodes almost never holds a success; with no critic to remember "
                                      "where a return came from, each success teaches once and is gone (the book's "
                                      "case for actor-critic). The level recommends 256 episodes a batch.",
}


_RANDOM_WALK = ("gamma = 1 and the only reward is at the right exit, so in every state but the leftmost "
                "q*(s, left) = q*(s, right) = 1: greedy policies that break that tie both ways loop forever (value 0), "
                "and a learner's two estimates differ only by noise. The level is for prediction (Example 6.2).")

#: Levels made for prediction agents, where control agents have no optimal policy to find: level -> why.
PREDICTION_LEVELS: dict[str, str] = {"random_walk_5": _RANDOM_WALK, "random_walk_19": _RANDOM_WALK}


def lesson(agent: str, level: str) -> str | None:
    """Why ``agent`` with its defaults is expected not to solve bundled level ``level``, or None."""
    return LESSONS.get((agent, level))
