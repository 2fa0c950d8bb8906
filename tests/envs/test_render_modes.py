"""Render modes of GridWorldEnv and BanditEnv: "ansi", "rgb_array" (the app's board or arms as
an array) and "human" (that frame in a pygame window), checked by their pixels; gymnasium's
checker in every mode on every bundled level; and the gymnasium tools that consume frames:
``RecordVideo`` (an mp4 decoded back) and ``utils.play.play`` (driven by posted key events).

``play()`` runs in a subprocess: it ends with ``pygame.quit()``, which invalidates the fonts that
:mod:`gridrl.render.text` keeps cached for the rest of the process, and importing it switches
matplotlib to the TkAgg backend; neither must leak into the other tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import warnings

import gymnasium as gym
import numpy as np
import pygame
import pytest
from gymnasium.utils.env_checker import check_env

from gridrl.envs import BanditEnv, GridWorldEnv
from gridrl.levels import GridLevel, bundled_level_names, load_level
from gridrl.render.board import TRAIL_LENGTH
from gridrl.render.colors import THEME
from gridrl.render.frames import frame_size
from custom_levels import DOWN, LEFT, RIGHT, TELEPORT_LEVEL, UP

MODES = ["ansi", "human", "rgb_array"]
LEVELS = bundled_level_names()
CLIFF_START = 36  # row 3, col 0 of Cliff Walking's 4 x 12 grid


@pytest.fixture(autouse=True)
def _dummy_video(monkeypatch):
    """No real window or sound, whatever the caller's environment says."""
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")


def env_id(level: str) -> str:
    return "gridrl/GridWorld-v0" if isinstance(load_level(level), GridLevel) else "gridrl/Bandit-v0"


def agent_pixels(frame: np.ndarray) -> np.ndarray:
    """(row, col) of the pixels in the agent token's amber."""
    distance = np.abs(frame.astype(int) - np.array(THEME["agent"])).sum(axis=2)
    return np.argwhere(distance <= 12)


# ------------------------------------------------------------------ declared modes


@pytest.mark.parametrize("env_class", [GridWorldEnv, BanditEnv])
def test_metadata_declares_the_modes(env_class):
    assert env_class.metadata["render_modes"] == MODES
    assert isinstance(env_class.metadata["render_fps"], int) and env_class.metadata["render_fps"] > 0


@pytest.mark.parametrize("env_class", [GridWorldEnv, BanditEnv])
def test_a_bad_render_mode_names_the_allowed_ones(env_class):
    with pytest.raises(ValueError, match=r"'ansi', 'human', 'rgb_array' or None, got 'rgb'"):
        env_class(render_mode="rgb")


def test_no_render_mode_renders_nothing():
    for env in (GridWorldEnv("corridor"), BanditEnv()):
        env.reset(seed=0)
        assert env.render() is None


# ------------------------------------------------------------------ rgb_array


@pytest.mark.parametrize("level", ["cliff_walking", "four_rooms", "corridor", "bernoulli_3", "ten_armed_testbed"])
def test_rgb_array_frames_are_uint8_images_sized_for_video(level):
    env = gym.make(env_id(level), level=level, render_mode="rgb_array")
    env.reset(seed=0)
    frame = env.render()
    w, h = frame_size(load_level(level))
    assert frame.shape == (h, w, 3) and frame.dtype == np.uint8
    assert w % 16 == 0 and h % 16 == 0 and 320 <= w <= 640 and 160 <= h <= 528
    assert frame.flags.c_contiguous and frame.flags.writeable
    assert frame.std() > 20  # a picture, not a blank
    env.step(env.action_space.sample())
    assert env.render().shape == frame.shape  # every frame of a video has one size
    env.close()


def test_the_agent_token_moves_one_cell_per_step():
    env = GridWorldEnv("cliff_walking", render_mode="rgb_array")
    env.reset(options={"state": CLIFF_START - 12})  # row 2, col 0: above the start
    frames = [env.render()]
    for a in (RIGHT, RIGHT, UP, LEFT):
        env.step(a)
        frames.append(env.render())
    tokens = [agent_pixels(f) for f in frames]
    assert min(len(t) for t in tokens) > 300  # the token is there and big
    assert max(len(t) for t in tokens) - min(len(t) for t in tokens) <= 0.05 * len(tokens[0])
    centres = np.array([t.mean(axis=0) for t in tokens])  # (row, col) in pixels
    cell = centres[1, 1] - centres[0, 1]
    assert 30 < cell < 64
    moves = np.diff(centres, axis=0)  # right, right, up, left
    np.testing.assert_allclose(moves, [[0, cell], [0, cell], [-cell, 0], [0, -cell]], atol=1.0)


def test_a_step_changes_only_the_cells_of_the_episode_and_the_caption():
    """Four Rooms from its start (0, 0): right, down, right. The step redraws the agent on its
    old and new cell and the trail from (0, 0) (whose older part fades): all in cells (0..1, 0..2)."""
    env = GridWorldEnv("four_rooms", render_mode="rgb_array")
    env.reset(seed=0)
    env.step(RIGHT)
    env.step(DOWN)
    before = env.render()
    env.step(RIGHT)
    assert env.s == 13, "four_rooms is deterministic and (1, 2) is open"
    after = env.render()
    old, new = agent_pixels(before).mean(axis=0), agent_pixels(after).mean(axis=0)
    cell = new[1] - old[1]
    assert 30 < cell < 64 and abs(new[0] - old[0]) < 0.5
    top, left = old - 1.5 * cell  # old is the centre of cell (1, 1)
    bottom, right = new + cell / 2  # new is the centre of cell (1, 2)
    rows, cols = np.nonzero(np.any(before != after, axis=2))
    board = rows < bottom + 9 * cell  # the caption line sits under the board's 11 rows
    assert board.sum() > 500
    assert rows[board].min() >= top and rows[board].max() <= bottom
    assert cols[board].min() >= left and cols[board].max() <= right
    assert (~board).sum() > 0, "the caption counts the steps"


def test_a_teleport_is_a_jump_not_a_line():
    """Cliff Walking's cliff sends the agent back to the start: the trail starts anew there, so
    the board looks exactly as after a reset; walked steps do leave a trail."""
    walked = GridWorldEnv("cliff_walking", render_mode="rgb_array")
    walked.reset(seed=0)
    for a in (UP, RIGHT, RIGHT):
        walked.step(a)
    fresh = GridWorldEnv("cliff_walking", render_mode="rgb_array")
    fresh.reset(options={"state": walked.s})
    token_bottom = agent_pixels(fresh.render())[:, 0].max()
    assert np.any(walked.render()[:token_bottom] != fresh.render()[:token_bottom]), "no trail drawn"

    _, reward, terminated, _, _ = walked.step(DOWN)  # into the cliff
    assert (walked.s, reward, terminated) == (CLIFF_START, -100.0, False)
    fresh.reset(options={"state": CLIFF_START})
    jumped, reset = walked.render(), fresh.render()
    token_bottom = agent_pixels(reset)[:, 0].max()
    np.testing.assert_array_equal(jumped[: token_bottom + 1], reset[: token_bottom + 1])
    assert np.any(jumped != reset), "the captions differ (step 4, return -103 vs step 0)"


def test_a_teleport_next_door_is_a_jump_too(make_level):
    """TELEPORT_LEVEL: down from (0, 1) enters T, which sends the agent to a random start, (0, 0)
    among them; a slip left also reaches (0, 0). Either way no line joins (0, 1) and (0, 0): the
    board looks as after a reset at (0, 0). A step that only walking explains, to (0, 2), does
    leave a trail."""
    level = make_level(TELEPORT_LEVEL)
    fresh = GridWorldEnv(level, render_mode="rgb_array")
    fresh.reset(options={"state": 0})
    reset = fresh.render()
    token_bottom = agent_pixels(reset)[:, 0].max()
    arrived = set()
    for seed in range(40):
        env = GridWorldEnv(level, render_mode="rgb_array")
        env.reset(seed=seed, options={"state": 1})
        env.step(DOWN)
        arrived.add(env.s)
        if env.s == 0:
            np.testing.assert_array_equal(env.render()[: token_bottom + 1], reset[: token_bottom + 1])
        elif env.s == 2:
            fresh.reset(options={"state": 2})
            assert np.any(env.render()[: token_bottom + 1] != fresh.render()[: token_bottom + 1])
    assert {0, 2} <= arrived


def test_the_env_keeps_what_the_board_draws_of_the_trail():
    env = GridWorldEnv("cliff_walking", render_mode="rgb_array")
    env.reset(options={"state": 24})
    for i in range(TRAIL_LENGTH + 10):
        env.step(RIGHT if i % 2 == 0 else LEFT)
    assert len(env._trail.cells) == TRAIL_LENGTH


def test_an_env_without_frames_loads_no_trail_nor_pygame():
    code = ("import sys; from gridrl.envs import GridWorldEnv\n"
            "env = GridWorldEnv('cliff_walking', render_mode='ansi'); env.reset(seed=0); env.step(1); env.render()\n"
            "print('gridrl.render.trail' in sys.modules, 'pygame' in sys.modules)")  # fmt: skip
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]


def test_bandit_frame_shows_the_pulls():
    env = BanditEnv("bernoulli_3", render_mode="rgb_array")
    env.reset(seed=0)
    start = env.render()
    for _ in range(5):
        env.step(2)
    pulled = env.render()
    changed = np.any(start != pulled, axis=2)
    assert changed.sum() > 2000  # a bar, a share and a count appeared
    cols = np.nonzero(changed[: int(0.8 * changed.shape[0])])[1]
    # The arms chart spans the width in three slots: pulling arm 2 changed the right one.
    assert np.median(cols) > 2 * changed.shape[1] / 3


# ------------------------------------------------------------------ ansi


def test_bandit_ansi_lists_the_arms():
    env = BanditEnv("bernoulli_3", render_mode="ansi")
    env.reset(seed=0)
    assert env.render().splitlines()[0] == "no pull yet"
    _, reward, *_ = env.step(2)
    lines = env.render().splitlines()
    assert lines[0] == f"pull 1: arm high paid {reward:.4g}"
    assert [line[2:8].strip() for line in lines[1:]] == ["low", "middle", "high"]
    assert lines[3].startswith("> high") and "q* +0.800" in lines[3] and "pulls     1" in lines[3]
    assert "pulls     0" in lines[1] and lines[1].rstrip().endswith("-")


# ------------------------------------------------------------------ gymnasium's checker


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("level", LEVELS)
def test_check_env_in_every_render_mode(level, mode):
    """With a spec, check_env also makes the env in each declared mode and renders after reset."""
    env = gym.make(env_id(level), level=level, render_mode=mode)
    # Human frames of reset and step are paced at render_fps; check_env resets and steps
    # often, so this instance shows them as fast as it can.
    env.unwrapped.metadata = {**env.unwrapped.metadata, "render_fps": 10_000}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_env(env.unwrapped)
    env.close()
    assert pygame.display.get_surface() is None


# ------------------------------------------------------------------ human


@pytest.mark.parametrize("level", ["windy_gridworld", "ten_armed_testbed"])
def test_human_mode_shows_the_frame_in_a_window(level):
    human = gym.make(env_id(level), level=level, render_mode="human")
    pixels = gym.make(env_id(level), level=level, render_mode="rgb_array")
    human.unwrapped.metadata = {**human.unwrapped.metadata, "render_fps": 10_000}
    human.reset(seed=3)
    pixels.reset(seed=3)
    window = pygame.display.get_surface()
    assert window is not None
    w, h = frame_size(load_level(level))
    assert window.get_size() == (w, h)
    assert pygame.display.get_caption()[0] == f"gridrl: {load_level(level).name}"
    shown = pygame.surfarray.array3d(window).swapaxes(0, 1)
    np.testing.assert_array_equal(shown, pixels.render())
    for _ in range(3):
        a = human.action_space.sample()
        assert human.step(a)[:4] == pixels.step(a)[:4]
    updated = pygame.surfarray.array3d(pygame.display.get_surface()).swapaxes(0, 1)
    np.testing.assert_array_equal(updated, pixels.render())
    assert np.any(updated != shown)
    assert human.render() is None
    human.close()
    assert pygame.display.get_surface() is None and not pygame.display.get_init()
    human.close()  # twice is fine
    pixels.close()


def test_human_mode_keeps_each_step_in_view_for_one_frame_time():
    env = GridWorldEnv("corridor", render_mode="human")
    fps = env.metadata["render_fps"]
    start = time.perf_counter()
    env.reset(seed=0)
    for _ in range(3):
        env.step(RIGHT)
    paced = time.perf_counter() - start
    ticks: list[float] = []

    class CountingClock:
        def __init__(self, clock) -> None:
            self.clock = clock

        def tick(self, rate: float) -> int:
            ticks.append(rate)
            return self.clock.tick(rate)

    env._screen.clock = CountingClock(env._screen.clock)
    env.step(RIGHT)
    for _ in range(3):
        env.render()  # shown at once: nothing new to pace
    env.close()
    assert paced >= 0.9 * 3 / fps  # a lower bound: a busy machine only makes it longer
    assert ticks == [fps]  # the step waited for its frame; the renders did not


# ------------------------------------------------------------------ RecordVideo


def test_record_video_writes_a_decodable_mp4(tmp_path):
    imageio = pytest.importorskip("imageio")
    folder = tmp_path / "videos"
    env = gym.wrappers.RecordVideo(
        gym.make("gridrl/GridWorld-v0", level="cliff_walking", render_mode="rgb_array"),
        str(folder), episode_trigger=lambda episode: episode == 0,
    )  # fmt: skip
    env.reset(seed=0)
    first = env.render()
    actions = [UP] + [RIGHT] * 11 + [DOWN]  # along the cliff edge into the goal
    for a in actions:
        *_, terminated, truncated, _ = env.step(a)
    assert terminated and not truncated
    last = env.render()
    env.close()
    video = folder / "rl-video-episode-0.mp4"
    assert video.exists() and video.stat().st_size > 5_000
    reader = imageio.get_reader(str(video), "ffmpeg")
    decoded = [frame for frame in reader]
    assert reader.get_meta_data()["fps"] == GridWorldEnv.metadata["render_fps"]
    reader.close()
    assert len(decoded) == len(actions) + 1  # the reset's frame and one per step
    assert decoded[0].shape == first.shape
    # Lossy, but the same pictures: the first and last frames match what render() gave.
    assert np.abs(decoded[0].astype(int) - first).mean() < 4
    assert np.abs(decoded[-1].astype(int) - last).mean() < 4
    assert np.abs(decoded[-1].astype(int) - first).mean() > 0.5


# ------------------------------------------------------------------ play


PLAY_SCRIPT = """
import json, sys
import gymnasium as gym
import pygame
import gridrl.envs  # noqa: F401 - registers the ids
from gymnasium.utils.play import play

keys, mapping = json.loads(sys.argv[1]), json.loads(sys.argv[2])
env = gym.make("gridrl/GridWorld-v0", level="cliff_walking", render_mode="rgb_array")
steps = []


def post(kind, **fields):
    pygame.event.post(pygame.event.Event(kind, **fields))


def callback(obs, next_obs, action, reward, terminated, truncated, info):
    # play() calls this after each step, then renders and reads the events: release this
    # step's key and press the next one (or quit), and the next step takes that key.
    steps.append([int(next_obs), int(action), float(reward)])
    post(pygame.KEYUP, key=keys[len(steps) - 1])
    if len(steps) < len(keys):
        post(pygame.KEYDOWN, key=keys[len(steps)])
    else:
        post(pygame.QUIT)


pygame.display.init()
post(pygame.KEYDOWN, key=keys[0])  # read after play()'s first reset
play(env, keys_to_action=mapping, callback=callback, seed=0, fps=240, wait_on_player=True)
print(json.dumps(steps))
"""


@pytest.mark.parametrize("mapping", ["default", "explicit"])
def test_play_moves_the_agent_by_the_keys(mapping):
    if mapping == "default":  # GridWorldEnv.get_keys_to_action: arrows and WASD
        keys, keys_to_action = [pygame.K_UP, pygame.K_d, pygame.K_RIGHT, pygame.K_s], None
    else:
        keys, keys_to_action = [ord(k) for k in "ilk"], {"i": UP, "l": RIGHT, "k": DOWN, "j": LEFT}
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    out = subprocess.run([sys.executable, "-c", PLAY_SCRIPT, json.dumps(keys), json.dumps(keys_to_action)],
                         capture_output=True, text=True, timeout=120, env=env)  # fmt: skip
    assert out.returncode == 0, out.stderr
    steps = json.loads(out.stdout.strip().splitlines()[-1])
    if mapping == "default":
        # up, right, right from the start; then down into the cliff, which sends it back.
        assert steps == [[24, UP, -1.0], [25, RIGHT, -1.0], [26, RIGHT, -1.0], [CLIFF_START, DOWN, -100.0]]
    else:
        assert steps == [[24, UP, -1.0], [25, RIGHT, -1.0], [CLIFF_START, DOWN, -100.0]]


def test_keys_to_action():
    keys = GridWorldEnv().get_keys_to_action()
    assert keys[(pygame.K_UP,)] == keys[(pygame.K_w,)] == UP
    assert keys[(pygame.K_RIGHT,)] == keys[(pygame.K_d,)] == RIGHT
    assert keys[(pygame.K_DOWN,)] == keys[(pygame.K_s,)] == DOWN
    assert keys[(pygame.K_LEFT,)] == keys[(pygame.K_a,)] == LEFT
    assert len(keys) == 8
    assert BanditEnv("bernoulli_3").get_keys_to_action() == {(ord("1"),): 0, (ord("2"),): 1, (ord("3"),): 2}
    ten = BanditEnv("ten_armed_testbed").get_keys_to_action()
    assert ten[(ord("0"),)] == 9 and len(ten) == 10


def test_importing_the_envs_loads_no_pygame_or_torch():
    code = "import sys, gridrl.envs; print('pygame' in sys.modules, 'torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["False", "False"]
