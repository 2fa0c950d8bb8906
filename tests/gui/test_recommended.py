"""A level's recommended settings in the app: applied when a level or an agent is picked,
shown in the form with whose they are, and reset to the agent's plain defaults on request."""

from __future__ import annotations

from gui_helpers import choose, press, scene, type_into


def test_picking_an_agent_applies_the_levels_recommended_settings_visibly(app):
    sc = scene(app)
    assert sc.trainer.agent_name == "q-learning" and sc.trainer.params == {}  # cliff_walking has none for it
    assert sc.panels.plain_defaults_button is None and sc.form.note == ""
    choose(app, sc.panels.agent_dropdown, "sarsa")
    assert sc.trainer.params == {"epsilon": 0.0}
    assert sc.trainer.agent.config.epsilon == 0.0 and sc.trainer.agent.config.alpha == 0.5
    assert sc.panels.hp_entries["epsilon"].get_text() == "0"
    assert sc.form.note == "cliff_walking's recommended settings for sarsa: epsilon=0.0, train 1,000 episodes"
    assert sc.panels.plain_defaults_button is not None
    assert app.errors == []


def test_plain_defaults_restarts_the_agent_with_its_own_defaults(app):
    sc = scene(app)
    choose(app, sc.panels.agent_dropdown, "sarsa")
    press(app, sc.panels.step_button)
    press(app, sc.panels.plain_defaults_button)
    assert sc.trainer.agent_name == "sarsa" and sc.trainer.params == {}
    assert sc.trainer.agent.config.epsilon == 0.1 and sc.trainer.session.history.steps == 0
    assert sc.panels.hp_entries["epsilon"].get_text() == "0.1"
    assert sc.panels.plain_defaults_button is None and sc.form.note == "plain defaults of sarsa"
    assert app.errors == []


def test_switching_level_keeps_the_users_values_but_not_the_old_recommendation(make_app):
    app = make_app("frozen_lake_8x8")
    sc = scene(app)
    assert sc.trainer.agent_name == "q-learning" and sc.trainer.params == {"alpha": 0.1}  # applied at start
    type_into(app, sc.panels.hp_entries["epsilon"], "0.2")
    assert sc.trainer.params == {"alpha": 0.1, "epsilon": 0.2}
    choose(app, sc.panels.level_dropdown, "four_rooms")
    assert sc.trainer.params == {"epsilon": 0.2}
    assert sc.trainer.agent.config.alpha == 0.5 and sc.panels.plain_defaults_button is None
    choose(app, sc.panels.level_dropdown, "frozen_lake_8x8")
    assert sc.trainer.params == {"alpha": 0.1, "epsilon": 0.2}
    assert sc.form.note.startswith("frozen_lake_8x8's recommended settings for q-learning: alpha=0.1")
    assert app.errors == []


def test_a_rejected_recommendation_is_reported_and_the_agent_starts_on_its_defaults(make_app, tmp_path):
    level = tmp_path / "typo.yaml"
    level.write_text("kind: gridworld\nname: typo\nlayout: |\n  S..G\n"
                     "recommended:\n  q-learning:\n    hyperparameters: {alpah: 0.1}\n")  # fmt: skip
    app = make_app(str(level))
    sc = scene(app)
    assert sc.trainer.agent_name == "q-learning" and sc.trainer.params == {}
    assert sc.form.note.startswith(f"{level}:7:23: recommended settings for 'q-learning': unknown hyperparameter "
                                   "'alpah'; did you mean 'alpha'?")  # fmt: skip
    assert sc.panels.plain_defaults_button is None and app.errors == []
