"""The trail follower: walked steps extend it, jumps (teleports, exits) restart it."""

from __future__ import annotations

from dataclasses import replace

from gridrl.agents import Event
from gridrl.envs import GridWorldEnv
from gridrl.levels import load_level
from gridrl.render.board import TRAIL_LENGTH
from gridrl.render.trail import Trail

UP, RIGHT, DOWN, LEFT = range(4)
CLIFF_START = 36  # row 3, col 0 of Cliff Walking's 4 x 12 grid


def walk(level_name: str, start: int, actions: list[int]) -> tuple[Trail, list[int]]:
    """The env walks ``actions`` from ``start``; the trail follows every step it took."""
    env = GridWorldEnv(level_name)
    s, _ = env.reset(seed=0, options={"state": start})
    trail = Trail(env.level)
    trail.start(s)
    visited = [int(s)]
    for a in actions:
        s_next, _, terminated, truncated, _ = env.step(a)
        trail.step(visited[-1], s_next, terminated or truncated)
        visited.append(int(s_next))
    return trail, visited


def test_a_walk_appends_every_cell():
    trail, visited = walk("cliff_walking", CLIFF_START, [UP, RIGHT, RIGHT])
    assert visited == [36, 24, 25, 26]
    assert trail.cells == visited and trail.agent == 26 and trail.steps == 3


def test_falling_off_the_cliff_restarts_the_trail_at_the_start():
    """Down from (2, 2) enters the cliff, which teleports back to S: a jump, not a line."""
    trail, visited = walk("cliff_walking", CLIFF_START, [UP, RIGHT, RIGHT, DOWN])
    assert visited == [36, 24, 25, 26, CLIFF_START]
    assert trail.cells == [CLIFF_START] and trail.agent == CLIFF_START
    assert trail.steps == 4, "the episode goes on: its steps still count"
    trail.step(CLIFF_START, 24)
    assert trail.cells == [CLIFF_START, 24]


def test_walking_along_the_bottom_row_into_the_cliff_restarts_at_the_start():
    """Right from S enters the cliff and lands back on S: the trail is [S], not [S, S]."""
    trail, visited = walk("cliff_walking", CLIFF_START, [RIGHT, RIGHT])
    assert visited == [CLIFF_START] * 3
    assert trail.cells == [CLIFF_START] and trail.steps == 2


def test_a_bump_into_the_border_is_a_walk():
    trail, visited = walk("cliff_walking", 24, [LEFT])
    assert visited == [24, 24]
    assert trail.cells == [24, 24]


def test_an_exit_restarts_the_trail():
    """ab_gridworld: right from (0, 0) walks onto A (0, 1); any action from A jumps to A' (4, 1)."""
    trail, visited = walk("ab_gridworld", 0, [RIGHT, UP])
    assert visited == [0, 1, 21]
    assert trail.cells == [21] and trail.steps == 2
    assert not trail.walked(1, 21) and trail.walked(0, 1)


def test_wind_pushes_still_count_as_walked():
    """windy_gridworld: right from (3, 3) (wind 1) lands on (2, 4); right from (3, 6) (wind 2)
    lands on (1, 7). Both are walks, so both join the trail."""
    trail, visited = walk("windy_gridworld", 33, [RIGHT])
    assert visited == [33, 24]
    assert trail.cells == [33, 24]
    trail, visited = walk("windy_gridworld", 36, [RIGHT])
    assert visited == [36, 17]
    assert trail.cells == [36, 17]
    assert not trail.walked(36, 37), "the wind always blows: (3, 7) is no walk from (3, 6)"


def test_the_trail_keeps_the_last_trail_length_cells():
    trail = Trail(load_level("cliff_walking"))
    trail.start(24)
    cells = [24]
    for i in range(TRAIL_LENGTH + 25):
        s_next = 25 if i % 2 == 0 else 24
        trail.step(cells[-1], s_next)
        cells.append(s_next)
    assert len(trail.cells) == TRAIL_LENGTH == 80
    assert trail.cells == cells[-TRAIL_LENGTH:]
    assert trail.steps == TRAIL_LENGTH + 25


def test_follow_events_and_episodes():
    trail = Trail(load_level("cliff_walking"))
    assert trail.cells == [] and trail.agent is None
    trail.follow(Event(unit="step", state=36, next_state=24))
    trail.follow(Event(unit="step", state=24, next_state=25))
    assert trail.cells == [36, 24, 25] and trail.agent == 25
    trail.follow(Event(unit="step", state=25, next_state=13, done=True))
    assert trail.cells == [36, 24, 25, 13], "the finished episode stays in view"
    trail.follow(Event(unit="step", state=36, next_state=24))
    assert trail.cells == [36, 24] and trail.steps == 1, "the next step starts a new episode"
    trail.follow(Event(unit="episode", state=None, next_state=None, done=True))
    assert trail.cells == [] and trail.agent is None and trail.steps == 0
    trail.follow(Event(unit="step", state=36, next_state=24))
    trail.follow(Event(unit="step", state=None, next_state=None))  # not a single step
    assert trail.cells == [] and trail.agent is None


def test_a_step_from_elsewhere_than_the_agent_restarts_the_trail():
    trail = Trail(load_level("cliff_walking"))
    trail.start(24)
    trail.step(24, 25)
    trail.step(12, 13)  # a step not from the trail's end: no line from 25 to 13
    assert trail.cells == [13]


def test_a_live_edit_keeps_the_agent_and_restarts_its_trail():
    level = load_level("cliff_walking")
    trail = Trail(level)
    trail.start(24)
    trail.step(24, 25)
    walled = replace(level, layout=(*level.layout[:2], "..#.........", level.layout[3]))  # a wall on 26
    trail.set_level(walled)
    assert trail.cells == [25] and trail.steps == 1
    assert not trail.walked(25, 26)  # now a wall: a move right bumps
    trail.step(25, 25)
    assert trail.cells == [25, 25]
