"""``gridrl app --run-for S --frame-report F`` and the fps / units-per-second readout."""

from __future__ import annotations

import json

import pytest

from gridrl.cli import main
from gui_helpers import scene

KEYS = {"level", "agent", "unit", "seconds", "frames", "p50_ms", "p95_ms", "max_ms", "mean_ms", "fps",
        "units", "updates_per_second", "window_size", "video_driver", "errors"}  # fmt: skip


pytestmark = pytest.mark.usefixtures("user_folders")


def test_run_for_plays_and_writes_the_frame_report(tmp_path, capsys):
    report = tmp_path / "frames.json"
    code = main(["app", "four_rooms", "--agent", "q-learning", "--headless", "--size", "1024x768",
                 "--run-for", "1", "--frame-report", str(report)])  # fmt: skip
    assert code == 0
    data = json.loads(report.read_text())
    assert set(data) == KEYS
    assert (data["level"], data["agent"], data["unit"]) == ("four_rooms", "q-learning", "step")
    assert data["window_size"] == [1024, 768] and data["video_driver"] == "dummy" and data["errors"] == []
    assert data["frames"] > 0 and data["seconds"] >= 1.0
    assert 0 < data["p50_ms"] <= data["p95_ms"] <= data["max_ms"]
    assert data["units"] > 0 and data["updates_per_second"] == pytest.approx(data["units"] / data["seconds"], rel=0.01)
    assert data["fps"] == pytest.approx(data["frames"] / data["seconds"], rel=0.01)
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"gridrl: {data['frames']} frames in ") and f"p95 {data['p95_ms']:.1f} ms" in first
    assert not list(tmp_path.glob(".frames.json.*"))  # written atomically: no temporary file left


def test_a_frame_time_is_the_frame_s_work_not_the_wait_for_the_next_tick(app, monkeypatch):
    """The 60 Hz wait is not part of a frame's time (else every frame looked like 16 ms and
    the training budget, which subtracts the last frame's time, shrank to its minimum)."""
    from gridrl.gui import window as app_module

    now = [0.0]

    class FakeTime:
        @staticmethod
        def perf_counter() -> float:
            return now[0]

    class FakeClock:
        @staticmethod
        def tick(fps: int) -> int:  # the wait: a whole second passes on the fake clock
            now[0] += 1.0
            return 1000 // fps

    monkeypatch.setattr(app_module, "time", FakeTime)
    monkeypatch.setattr(app, "clock", FakeClock)
    app.tick()
    assert app.frame_times[-1] == 0.0  # only the wait moved the fake clock


def test_the_readout_shows_frames_and_units_per_second(app):
    sc = scene(app)
    sc.trainer.speed_index = 3  # 10 units a second
    sc.trainer.playing = True
    app.run_frames(180)  # three seconds at 60 frames per second
    assert sc.readout() == ["60 fps", "10 steps/s"]  # 8.5 / s before the credit was rounded


def test_the_readout_is_drawn_at_the_right_of_the_status_line(app):
    sc = scene(app)
    sc.status_text = ""
    r = sc.panels.status_rect
    app.run_frames(2)
    colours = {app.screen.get_at((x, y))[:3] for x in range(r.right - 40, r.right) for y in range(r.top, r.bottom)}
    assert len(colours) > 4  # text, anti-aliased, on the panel colour


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--run-for", "-1"], "--run-for takes a positive number of seconds, got -1"),
        (["--run-for", "0"], "--run-for takes a positive number of seconds, got 0"),
        (["--run-for", "nan"], "--run-for takes a positive number of seconds"),
        (["--frame-report", "x.json"], "--frame-report needs --run-for"),
        (["--run-for", "1", "--frames", "5"], "use --run-for or --frames, not both"),
        (["--run-for", "1", "--frame-report", "/no/such/folder/x.json"], "--frame-report: no folder"),
    ],
)
def test_bad_run_for_and_frame_report_are_a_message_and_exit_2(argv, message, capsys):
    assert main(["app", "four_rooms", "--headless", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("gridrl: ") and message in err and "Traceback" not in err
