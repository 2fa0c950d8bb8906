"""Small custom levels (YAML text) shared by the environment tests."""

UP, RIGHT, DOWN, LEFT = 0, 1, 2, 3

# Slip plus a tile that teleports to a random one of three start cells.
TELEPORT_LEVEL = """
    kind: gridworld
    name: teleport to a random start
    layout: |
      S..S
      .T..
      S..G
    legend:
      T: {reward: -5, teleport: S}
    dynamics:
      step_reward: -1
      slip: 0.3
"""

# No reachable goal: every episode ends by truncation at step 3.
NO_GOAL_LEVEL = """
    kind: gridworld
    name: walled off
    layout: |
      S.#G
    dynamics:
      max_steps: 3
"""
