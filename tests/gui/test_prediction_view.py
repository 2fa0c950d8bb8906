"""A prediction agent in the app: its V beside the exact v_pi, and Figure 6.2's RMS error."""

from __future__ import annotations


def test_the_inspector_shows_the_exact_v_pi_and_the_chart_its_rms_error(make_app):
    app = make_app("random_walk_5")
    sc = app.scenes[0]
    sc.use_agent("td-prediction", {"policy": "moves", "v0": 0.5}, 0)
    for _ in range(30):
        sc.trainer.advance("episode")
    sc.selected = 3  # C, the middle state: v_pi = 1/2
    app.run_frames(3)
    lines = sc.inspector.report.lines()
    assert "exact v_π(s), from the model = 0.5" in lines
    assert "rms_error" in sc.curves.shown_picks()
    series = sc.curves.curve_values("rms_error")
    assert series.size == 30 and series[-1] < series[0]  # one point per episode, and it learns
