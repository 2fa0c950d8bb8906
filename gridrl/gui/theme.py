"""The pygame_gui theme, built from :data:`gridrl.render.colors.THEME` so widgets and board
share one palette, and the app's font (DejaVu Sans: it has Greek letters and arrows)."""

from __future__ import annotations

from typing import Any

from gridrl.render.colors import THEME, mix
from gridrl.render.text import FONT_FILES

WHITE = (255, 255, 255)
INVALID = (200, 30, 30)


def hex_colour(rgb: tuple[int, ...]) -> str:
    return "#" + "".join(f"{c:02x}" for c in rgb[:3])


def font_spec(size: int, bold: bool = False) -> dict[str, str]:
    regular = str(FONT_FILES[bold])
    return {
        "name": "dejavu_bold" if bold else "dejavu",
        "size": str(size),
        "bold": "0",
        "italic": "0",
        "regular_path": regular,
        "bold_path": str(FONT_FILES[True]),
        "italic_path": regular,
        "bold_italic_path": str(FONT_FILES[True]),
    }


def theme(font_size: int = 14) -> dict[str, Any]:
    t = THEME
    accent = t["accent"]
    colours = {
        "normal_bg": hex_colour(WHITE),
        "hovered_bg": hex_colour(mix(WHITE, accent, 0.12)),
        "disabled_bg": hex_colour(mix(t["panel"], t["background"], 0.6)),
        "selected_bg": hex_colour(mix(WHITE, accent, 0.28)),
        "active_bg": hex_colour(mix(WHITE, accent, 0.35)),
        "dark_bg": hex_colour(t["panel"]),
        "disabled_dark_bg": hex_colour(t["background"]),
        "normal_text": hex_colour(t["text"]),
        "hovered_text": hex_colour(t["text"]),
        "disabled_text": hex_colour(mix(t["text_muted"], WHITE, 0.35)),
        "selected_text": hex_colour(t["text"]),
        "active_text": hex_colour(t["text"]),
        "normal_border": hex_colour(t["panel_border"]),
        "hovered_border": hex_colour(accent),
        "disabled_border": hex_colour(t["panel_border"]),
        "selected_border": hex_colour(accent),
        "active_border": hex_colour(accent),
        "link_text": hex_colour(accent),
        "link_hover": hex_colour(accent),
        "link_selected": hex_colour(accent),
        "text_shadow": "#00000000",
        "normal_text_shadow": "#00000000",
        "hovered_text_shadow": "#00000000",
        "disabled_text_shadow": "#00000000",
        "selected_text_shadow": "#00000000",
        "active_text_shadow": "#00000000",
        "filled_bar": hex_colour(accent),
        "unfilled_bar": hex_colour(t["panel_border"]),
        "text_cursor": hex_colour(t["text"]),
    }
    flat = {"shape": "rounded_rectangle", "shape_corner_radius": "4", "border_width": "1", "shadow_width": "0"}
    small = font_spec(font_size - 1)
    normal = font_spec(font_size)
    fonts = {kind: {"font": normal} for kind in (
        "button", "label", "text_entry_line", "drop_down_menu", "text_box", "selection_list",
        "check_box", "ui_window", "message_window", "file_dialog")}  # fmt: skip
    themed = {
        "defaults": {"colours": colours, "font": font_spec(font_size)},
        "button": {"misc": {**flat, "text_horiz_alignment_padding": "6"}},
        "#primary": {
            "colours": {"normal_bg": hex_colour(accent), "hovered_bg": hex_colour(mix(accent, (0, 0, 0), 0.15)),
                        "selected_bg": hex_colour(mix(accent, (0, 0, 0), 0.25)),
                        "active_bg": hex_colour(mix(accent, (0, 0, 0), 0.3)),
                        "normal_text": "#ffffff", "hovered_text": "#ffffff", "selected_text": "#ffffff",
                        "active_text": "#ffffff"},
            "font": font_spec(font_size, bold=True),
        },  # fmt: skip
        "@toggle": {"colours": {"selected_bg": hex_colour(mix(WHITE, accent, 0.3)),
                                "selected_border": hex_colour(accent)}},  # fmt: skip
        "drop_down_menu": {"misc": {**flat, "expand_direction": "down"}},
        "text_entry_line": {"misc": {**flat, "padding": "4,2"}},
        "#invalid": {
            "colours": {"normal_text": hex_colour(INVALID), "selected_text": hex_colour(INVALID),
                        "normal_border": hex_colour(INVALID), "selected_border": hex_colour(INVALID),
                        "dark_bg": "#fdecec"},
            "misc": {**flat, "border_width": "2", "padding": "4,2"},
        },  # fmt: skip
        "horizontal_slider": {"misc": {**flat, "sliding_button_width": "14", "enable_arrow_buttons": "0"}},
        "label": {"colours": {"dark_bg": "#00000000", "normal_text": hex_colour(t["text"])},
                  "misc": {"text_horiz_alignment": "left"}},
        "@section": {"font": font_spec(font_size - 1, bold=True),
                     "colours": {"normal_text": hex_colour(t["text_muted"])}},
        "@hp_label": {"font": font_spec(font_size - 1)},
        "@muted": {"font": small, "colours": {"normal_text": hex_colour(t["text_muted"])}},
        "@error": {"font": small, "colours": {"normal_text": hex_colour(INVALID)}},
        "@status": {"font": small, "colours": {"normal_text": hex_colour(t["text"])}},
        "@title": {"font": font_spec(font_size + 4, bold=True),
                   "colours": {"normal_text": hex_colour(t["text"])}},
        "tool_tip": {"misc": {"rect_width": "300"}, "font": small,
                     "colours": {"dark_bg": "#fffbe6", "normal_text": hex_colour(t["text"]),
                                 "normal_border": hex_colour(t["panel_border"])}},
        "check_box": {"misc": {"border_width": "1"}},
        "window": {"misc": {"shape": "rounded_rectangle", "shape_corner_radius": "6", "shadow_width": "8",
                            "border_width": "1", "title_bar_height": "30"}},
        "window.#title_bar": {"font": font_spec(font_size, bold=True),
                              "colours": {"normal_bg": hex_colour(t["board_border"]),
                                          "hovered_bg": hex_colour(t["board_border"]),
                                          "normal_text": "#ffffff", "hovered_text": "#ffffff"}},
        "text_box": {"misc": {**flat, "padding": "8,8"}, "colours": {"dark_bg": "#ffffff"}},
        "scrolling_container": {"misc": {"border_width": "0", "shadow_width": "0"}},
        "panel": {"misc": {**flat}, "colours": {"dark_bg": hex_colour(t["panel"])}},
        # the file dialog's list: light rows, dark text (its defaults are for a dark theme)
        "file_dialog.#file_display_list.#file_list_item": {
            "colours": {"normal_bg": "#ffffff", "normal_text": hex_colour(t["text"]),
                        "hovered_bg": hex_colour(mix(WHITE, accent, 0.12)),
                        "selected_bg": hex_colour(mix(WHITE, accent, 0.3))}},
        "file_dialog.#file_display_list.#directory_list_item": {
            "colours": {"normal_bg": hex_colour(t["panel"]), "normal_text": hex_colour(accent),
                        "hovered_bg": hex_colour(mix(WHITE, accent, 0.12))},
            "font": font_spec(font_size, bold=True)},
        "selection_list": {"colours": {"dark_bg": "#ffffff"}},
    }  # fmt: skip
    for kind, block in fonts.items():
        themed.setdefault(kind, {}).setdefault("font", block["font"])
    return themed
