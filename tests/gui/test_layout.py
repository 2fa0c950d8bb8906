"""Every supported window size and presentation mode, with each kind of agent after some
training, in the compare view and in the editor: the visible widgets don't overlap, stay inside the window, and
show their whole text (or an elided one with a tooltip); the labels drawn (board legend and
caption, chart titles, ticks and legends, inspector lines) overlap neither each other nor a
widget and stay inside their panel. Issue 13: at 1024 x 768 the agent dropdown covered
"Edit level", the chart pickers cut their texts ("clip fractior"), the bandit table lost
three of its ten arms, "Re…" and "Wall o…" were cut short; presentation mode gave a 1024 x 768
projector 1.07x, the legend's tick labels ran together ("≤ −0.−0.2") when it shared its row
with the visits', and DQN's cell report lost its last lines; the compare view and the editor
stayed at 1.07x there (the editor ignored F5)."""

from __future__ import annotations

import numpy as np
import pygame
import pytest
from pygame_gui.core import UIContainer
from pygame_gui.elements import UIButton, UILabel, UITooltip

from gridrl.gui.layout import PRESENTATION_ROOM, fit_widths, scale_for
from gridrl.gui.scene_compare import CompareScene
from gridrl.gui.scene_edit import EditScene
from gridrl.render import text as rtext

from gui_helpers import key, press, scene

#: (width, height, presentation factor)
SIZES = [(960, 640, 1.0), (1024, 768, 1.0), (1280, 800, 1.0), (1920, 1080, 1.0), (2560, 1440, 1.0),
         (1024, 768, 1.5), (1280, 800, 1.5), (1280, 800, 2.0), (1920, 1080, 2.0)]  # fmt: skip
VIEWS = [("cliff_walking", "q-learning"), ("four_rooms", "ppo"), ("four_rooms", "dqn"), ("ten_armed_testbed", "ucb"),
         ("four_rooms", "editor"), ("cliff_walking", "compare"), ("ten_armed_testbed", "compare")]  # fmt: skip
#: Presentation mode's sizes (width, height, factor).
PRESENTATION_SIZES = [s for s in SIZES if s[2] != 1.0]
#: Units each agent is trained for before the check, so its charts have data (and DQN's cell
#: report its long ΔQ and Δπ lines).
TRAINING = {"q-learning": ("episode", 30), "ppo": ("update", 4), "dqn": ("update", 5), "ucb": ("step", 150)}


def _visible_rect(element, root) -> pygame.Rect:
    """The part of the window ``element``'s containers show (a scrolling form shows a window
    onto its rows)."""
    seen = pygame.Rect(element.rect)
    c = element.ui_container
    while c is not None and c is not root:
        seen = seen.clip(c.rect)
        c = c.ui_container
    return seen


def _shown(app):
    """The visible widgets, without those scrolled (even partly) out of view."""
    root = app.ui.get_root_container()
    for e in app.ui.get_sprite_group().sprites():
        if e is root or isinstance(e, UITooltip) or not getattr(e, "visible", True):
            continue
        if _visible_rect(e, root) != e.rect:
            continue  # a row of a scrolling container, scrolled (partly) away
        yield e


def _owners(element):
    """The widgets ``element`` is part of (a dropdown's button belongs to the dropdown)."""
    root, c = element.ui_manager.get_root_container(), element.ui_container
    while c is not None and c is not root:
        yield c
        if getattr(c, "parent_element", None) is not None:
            yield c.parent_element
        c = c.ui_container


def _text_problems(app) -> list[str]:
    problems = []
    for e in _shown(app):
        if not isinstance(e, (UIButton, UILabel)) or not e.text:
            continue
        width = e.font.size(e.text)[0]
        if e.text.endswith("…"):
            if not (e.tool_tip_text or any(getattr(o, "tool_tip_text", None) for o in _owners(e))):
                problems.append(f"{e.text!r} is elided without a tooltip")
        elif width > e.rect.w - 4:
            problems.append(f"{type(e).__name__} {e.text!r} needs {width} px, has {e.rect.w} at {e.rect}")
    return problems


def _open(make_app, size, zoom, level, agent):
    """The app at ``size`` and presentation factor ``zoom`` on ``level``: ``agent`` trained
    for its :data:`TRAINING` (so every chart has data), or the editor."""
    app = make_app(level, size=size)
    if zoom != 1.0:
        app.set_zoom(zoom)
    sc = scene(app)
    if agent == "editor":
        sc.cmd_edit_mode()
    elif agent == "compare":
        cmp = app.open_scene("compare")
        for _ in range(30 if cmp.unit == "episode" else 150):
            for side in cmp.sides:
                side.trainer.advance(cmp.unit)
        cmp.charts.invalidate()
    else:
        if sc.trainer.agent_name != agent:
            sc.use_agent(agent, {}, 0)
        unit, n = TRAINING[agent]
        for _ in range(n):
            sc.trainer.advance(unit)
        if sc.trainer.is_grid:
            sc.cmd_arrow(0)  # select the start cell: the inspector writes out its numbers
        if agent == "q-learning":
            sc.cmd_overlay("visits")  # the legend shares its row with the visits'
        sc.curves.invalidate()
    app.run_frames(3)
    return app


def _top_widgets(app) -> list:
    """The window's own visible widgets; a slider's or a scrolling form's inner containers
    are their parts."""
    root = app.ui.get_root_container()
    parts = {id(v) for e in root.elements for v in vars(e).values() if isinstance(v, UIContainer) and v is not root}
    return [e for e in root.elements if e.visible and id(e) not in parts]


def _panels(app) -> list[pygame.Rect]:
    """The rects the drawn labels of the screen belong in."""
    editor = app.find(EditScene)
    if editor is not None:
        lay = editor.layout
        return [lay.top, lay.left, lay.center, lay.right]
    compare = app.find(CompareScene)
    if compare is not None:
        lay = compare.layout
        # a short board's legend sits right under its caption, in the board's rect
        return [lay.top, *lay.headers, *(b.union(g) for b, g in zip(lay.boards, lay.legends)), lay.charts]
    sc = scene(app)
    lay = sc.layout
    return [lay.top, lay.left, lay.center, sc.inspector.rect, lay.edit, lay.manual]


def _label_problems(app, fewest: int = 10) -> list[str]:
    """Draw the scene on top (it covers those below) while recording its labels (more than
    ``fewest``), charts redrawn too: none may overlap another, a widget, or the edge of its
    surface, clip or panel."""
    over = app.find(EditScene) or app.find(CompareScene)  # a view over the training scene
    if over is None:
        scene(app).curves.invalidate()
    elif isinstance(over, CompareScene):
        over.charts.invalidate()
    with rtext.recording() as drawn:
        app.top.update(0.0)
        app.top.draw(app.screen)
    assert len(drawn) > fewest
    problems = []
    panels = _panels(app)
    widgets = [e.rect for e in _top_widgets(app)]
    report = None if over else scene(app).inspector.report
    if report is not None and report.update and scene(app).inspector.rect.w:  # the report is shown whole
        last = report.update[-1].split()[-1]
        if not any(d.text.endswith(last) for d in drawn if d.surface is app.screen):
            problems.append(f"the cell report's last line ({report.update[-1]!r}) is cut off")
    by_surface: dict[int, list[rtext.Drawn]] = {}
    for d in drawn:
        if d.rect.w == 0 or d.rect.h == 0:
            continue  # a blank label draws nothing
        by_surface.setdefault(id(d.surface), []).append(d)
        where = d.clip or d.surface.get_rect()
        if not where.contains(d.rect):
            problems.append(f"{d.text!r} at {d.rect} leaves {where}")
        if d.surface is app.screen:
            if not any(p.contains(d.rect) for p in panels):
                problems.append(f"{d.text!r} at {d.rect} is in no panel")
            under = [w for w in widgets if w.colliderect(d.rect)]
            if under:
                problems.append(f"{d.text!r} at {d.rect} is under a widget at {under[0]}")
    for labels in by_surface.values():
        for i, a in enumerate(labels):
            for b in labels[i + 1 :]:
                if a.rect.colliderect(b.rect):
                    problems.append(f"{a.text!r} at {a.rect} overlaps {b.text!r} at {b.rect}")
    return problems


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" + (f"-x{z:g}" if z != 1 else "") for w, h, z in SIZES])
@pytest.mark.parametrize(("level", "agent"), VIEWS, ids=[a for _, a in VIEWS])
def test_widgets_and_labels_do_not_overlap_stay_inside_and_show_their_text(make_app, size, level, agent):
    w, h, zoom = size
    _check(_open(make_app, (w, h), zoom, level, agent), widgets=_fewest_widgets(agent, zoom))


def _fewest_widgets(view: str, zoom: float) -> int:
    """Fewer visible widgets than this means the view was not built. The compare view has 13
    (presentation mode folds its pickers and settings: 7); the editor in presentation mode
    folds its panels to the palette and the top bar's buttons (12)."""
    if view == "compare":
        return 10 if zoom == 1.0 else 6
    return 10 if view == "editor" and zoom != 1.0 else 15


@pytest.mark.parametrize("size", [(1024, 768, 1.5), (1280, 800, 2.0)], ids=["1024x768-x1.5", "1280x800-x2"])
@pytest.mark.parametrize("agent", ["q-learning", "ppo", "ucb"])
def test_presentation_mode_with_the_settings_shown_has_room_for_everything(make_app, size, agent):
    w, h, zoom = size
    level = {"ucb": "ten_armed_testbed", "ppo": "four_rooms"}.get(agent, "cliff_walking")
    app = _open(make_app, (w, h), zoom, level, agent)
    press(app, scene(app).panels.settings_button)
    sc = scene(app)
    assert sc.settings_open and sc.panels.hp_container.alive() and sc.inspector.rect.w == 0
    _check(app)


@pytest.mark.parametrize("size", PRESENTATION_SIZES, ids=[f"{w}x{h}-x{z:g}" for w, h, z in PRESENTATION_SIZES])
@pytest.mark.parametrize(("level", "view"), [("ab_gridworld", "editor"), ("ten_armed_testbed", "editor"),
                                             ("cliff_walking", "compare")], ids=["editor", "bandit-editor", "compare"])  # fmt: skip
def test_presentation_mode_with_the_folded_widgets_shown_has_room_for_everything(make_app, size, level, view):
    """The editor's tile properties, dynamics, grid size and file widgets (on a level with nine
    tile kinds), and the compare view's pickers and settings, each behind a top bar button."""
    w, h, zoom = size
    app = _open(make_app, (w, h), zoom, level, view)
    over = app.top
    if view == "compare":
        press(app, over.widgets.agents_button)
        assert len(over.widgets.agent_dropdowns) == 2 and len(over.widgets.settings_entries) == 2
    else:
        editor = over.widgets
        names = [getattr(e, "text", "") for e in editor.elements]
        if "⚙ Properties" in names:
            press(app, editor.elements[names.index("⚙ Properties")])
            assert "dyn_gamma" in editor.entries and "tile_reward" in editor.entries
        press(app, editor.elements[[getattr(e, "text", "") for e in editor.elements].index("Files")])
        assert "save_as" in editor.entries and "name" in editor.entries
    app.run_frames(2)
    # the editor draws its message and validation (a bandit has no board letters); the compare
    # view has 11 widgets with its pickers and settings
    _check(app, widgets=10, labels=3)


def _check(app, widgets: int = 15, labels: int = 10) -> None:
    """More than ``widgets`` visible widgets, each inside the window, none over another, every
    text whole (or elided with a tooltip), and the drawn labels (more than ``labels``) clear
    (:func:`_label_problems`)."""
    w, h = app.size
    window = pygame.Rect(0, 0, w, h)
    top = _top_widgets(app)
    assert len(top) > widgets
    for e in top:
        assert window.contains(e.rect), f"{_name(e)} at {e.rect} leaves the window"
    for i, a in enumerate(top):
        for b in top[i + 1 :]:
            assert not a.rect.colliderect(b.rect), f"{_name(a)} at {a.rect} overlaps {_name(b)} at {b.rect}"
    assert _text_problems(app) == []
    assert _label_problems(app, labels) == []


def _name(e) -> str:
    return f"{type(e).__name__} {getattr(e, 'text', '')!r}"


@pytest.mark.parametrize("size", [(960, 640), (1024, 768), (1280, 800)], ids=["960", "1024", "1280"])
def test_the_status_line_has_room_at_every_size(make_app, size):
    sc = scene(make_app("four_rooms", size=size))
    r = sc.panels.status_rect
    assert r.w >= 300 and r.h >= 30
    assert not any(r.colliderect(e.rect) for e in sc.panels.elements if e.visible)


def test_a_label_too_long_for_its_box_is_elided_and_its_tooltip_says_it_all(make_app):
    sc = scene(make_app("four_rooms", size=(1024, 768)))
    sc.use_agent("ppo", {}, 0)
    label = next(e for e in sc.panels.elements if isinstance(e, UILabel) and e.text.startswith("num_minib"))
    assert label.text == "num_minibat…"
    assert label.tool_tip_text.startswith("<b>num_minibatches</b><br>")


def test_fit_widths_shrinks_only_the_slack_and_never_below_the_minimum():
    assert fit_widths([200, 100, 300], [100, 100, 0], 600) == [200, 100, 300]  # fits
    assert fit_widths([200, 100, 300], [100, 100, 0], 500) == [175, 100, 225]  # 100 of 400 slack: a quarter each
    assert fit_widths([200, 100, 300], [100, 100, 0], 100) == [100, 100, 0]  # no room: the minimums


def test_scale_for_multiplies_the_window_scale_by_the_factor_as_far_as_the_window_holds():
    assert scale_for((1280, 800)) == 1.0
    assert scale_for((1920, 1080)) == 1.15
    assert scale_for((2560, 1440), 1.2) == pytest.approx(1.62)  # 1.35 x 1.2, within 2560/960 and 1440/640
    assert scale_for((1280, 800), 1.5) == 1.25  # held to 800 / 640 (the normal layouts' room)
    assert scale_for((1920, 1080), 2.0) == pytest.approx(1080 / 640)
    assert scale_for((1280, 800), 0.75) == 0.75
    # the training screen's presentation layouts need less room: a 1024 x 768 projector shows 1.5x
    assert scale_for((1024, 768), 1.5, PRESENTATION_ROOM) == 1.5
    assert scale_for((1280, 800), 2.0, PRESENTATION_ROOM) == pytest.approx(800 / 512)


def test_f5_at_1024x768_gives_the_whole_factor_by_folding_the_left_column_into_a_strip(make_app):
    app = make_app("four_rooms", size=(1024, 768))
    board = scene(app).layout.board.h
    key(app, pygame.K_F5)
    sc = scene(app)
    assert sc.layout.scale == 1.5 and app.font_size == 21
    assert "everything 1.5x larger" in sc.status_text
    assert sc.layout.left.w < 200 and sc.panels.play_button.rect.right <= sc.layout.left.right
    assert not hasattr(sc.panels, "seed_entry") or not sc.panels.seed_entry.alive()  # settings hidden
    assert sc.layout.right.w >= 310 * 1.5  # the inspector keeps its (scaled) width
    assert len(sc.curves.charts) == 2  # the return and one diagnostic, larger
    assert sc.layout.board.h > 0.8 * board
    press(app, sc.panels.settings_button)
    assert sc.panels.seed_entry.alive() and app.font_size == 21
    press(app, sc.panels.settings_button)
    assert not sc.panels.seed_entry.alive()
    editor = sc.cmd_edit_mode()
    assert app.font_size == 21  # the editor's presentation layout needs no more room
    editor.close()
    assert app.font_size == 21 and sc.panels.play_button.alive() and sc.panels.play_button.ui_manager is app.ui


@pytest.mark.parametrize("view", ["compare", "editor"])
def test_f5_at_1024x768_gives_the_compare_view_and_the_editor_the_whole_factor(make_app, view):
    """They were held to the room of a 960 x 640 window: 1.07x. Their presentation layouts
    fold the pickers and settings (compare) or the panels beside the palette (editor); the
    cliff's cells keep their size side by side and grow in the editor. F5 again restores the
    normal layout."""
    app = make_app("cliff_walking", size=(1024, 768))
    over = app.open_scene("compare") if view == "compare" else scene(app).cmd_edit_mode()
    app.run_frames(2)

    def cell() -> int:
        if view == "compare":
            return over.sides[0].board.renderer.layout(over.layout.boards[0]).cell
        return over.renderer.layout(over.layout.board).cell

    def status() -> str:
        return over.status_text if view == "compare" else over.message

    before = cell()
    key(app, pygame.K_F5)
    assert app.zoom == 1.5 and over.layout.scale == 1.5 and app.font_size == 21
    assert "everything 1.5x larger" in status()
    if view == "compare":
        assert over.widgets.agent_dropdowns == [] and over.widgets.play_button.rect.h == round(30 * 1.5)
        assert cell() >= 0.95 * before  # the columns' width holds them (the pad grew 1.5x too)
    else:
        assert "dyn_gamma" not in over.widgets.entries and over.widgets.palette_buttons["#"].rect.h == 45
        assert cell() > 1.4 * before
    key(app, pygame.K_F5)
    assert app.zoom == 1.0 and over.layout.scale == 1.0 and app.font_size == 14 and cell() == before
    assert "Presentation mode off" in status()
    if view == "compare":
        assert len(over.widgets.agent_dropdowns) == 2
    else:
        assert "dyn_gamma" in over.widgets.entries and "save_as" in over.widgets.entries


def test_f5_makes_every_font_row_and_chart_larger_and_f5_again_restores_them(make_app):
    app = make_app("cliff_walking", size=(2560, 1440))
    sc = scene(app)
    before = (app.font_size, sc.layout.row, sc.panels.play_button.rect.h, sc.fs(13))
    board = sc.layout.board.w * sc.layout.board.h
    key(app, pygame.K_F5)
    assert app.zoom == 1.5
    sc = scene(app)
    assert sc.layout.scale == pytest.approx(1.35 * 1.5)
    after = (app.font_size, sc.layout.row, sc.panels.play_button.rect.h, sc.fs(13))
    assert all(a > b for a, b in zip(after, before, strict=True)), (before, after)
    assert sc.layout.board.w * sc.layout.board.h > 0.6 * board  # the board stays the main area
    assert sc.panels.play_button.alive() and sc.panels.play_button.ui_manager is app.ui  # rebuilt
    assert "Presentation mode: everything 1.5x larger" in sc.status_text
    key(app, pygame.K_F5)
    assert app.zoom == 1.0
    assert (app.font_size, sc.layout.row, sc.panels.play_button.rect.h, sc.fs(13)) == before


def test_chart_ticks_and_titles_grow_in_presentation_mode(make_app):
    def chart_labels(app):
        sc = scene(app)
        for _ in range(5):
            sc.trainer.advance("episode")
        sc.curves.invalidate()
        with rtext.recording() as drawn:
            sc.update(0.0)
        return {d.text: d.rect.h for d in drawn if d.surface is sc.curves._chart_surface}

    app = make_app("cliff_walking", size=(1920, 1080))
    plain = chart_labels(app)
    app.set_zoom(2.0)
    large = chart_labels(app)
    title = "Return of each episode"
    assert large[title] > plain[title] * 1.15
    assert max(large.values()) > max(plain.values())


@pytest.mark.parametrize("value", ["5", "0.5", "nan"])
def test_a_scale_out_of_range_is_refused_with_a_message(value, capsys):
    from gridrl.cli import main

    assert main(["app", "--headless", "--frames", "1", "--scale", value]) == 2
    assert "--scale takes a factor from 0.75 to 3" in capsys.readouterr().err


def test_a_chart_note_goes_where_neither_the_curve_nor_a_tick_label_is():
    """Steps per episode falling to the shortest path, one long first episode left out of the
    range: "↑ to 528" used to sit in the bottom right corner, on the curve."""
    from gridrl.render.charts import draw_line_chart
    from gridrl.render.colors import PALETTE

    steps = np.concatenate([[528.0], np.linspace(100, 10, 59)])
    surface = pygame.Surface((300, 160))
    with rtext.recording() as drawn:
        plot = draw_line_chart(surface, surface.get_rect(), {"per episode": steps}, "Steps per episode", robust=True)
    assert plot is not None
    note = next(d for d in drawn if d.text.startswith("↑ to"))
    assert note.text == "↑ to 528"
    curve = pygame.mask.from_threshold(surface, PALETTE[0], (40, 40, 40, 255))
    under = pygame.mask.Mask(note.rect.size, fill=True)
    assert curve.overlap_area(under, note.rect.topleft) == 0
    others = [d.rect for d in drawn if d is not note]
    assert not any(note.rect.colliderect(r) for r in others)
