"""The GUI's modules import each other in one direction only, and none grows past ~500 lines.

Read with ``ast`` (nothing is imported): every ``import`` of a ``gridrl.gui`` module, at module
level or inside a function, counts; only ``if TYPE_CHECKING:`` blocks (annotations) do not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

GUI = Path(__file__).resolve().parents[2] / "gridrl" / "gui"
MAX_LINES = 500
#: The window core: the loop and the scene stack know no scene (scenes are opened by name).
CORE = {"window", "scene"}


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _gui_imports(path: Path) -> set[str]:
    """Names (``app``, ``scene_train``, ...) of the gridrl.gui modules ``path`` imports."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("gridrl.gui."):
                    found.add(alias.name.split(".")[2])
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            if node.module.startswith("gridrl.gui."):
                found.add(node.module.split(".")[2])
            elif node.module == "gridrl.gui":  # from gridrl.gui import catalog, edits
                found.update(alias.name for alias in node.names if (GUI / f"{alias.name}.py").exists())
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    found.discard(path.stem)
    return found


def _graph() -> dict[str, set[str]]:
    return {path.stem: _gui_imports(path) for path in sorted(GUI.glob("*.py")) if path.stem != "__init__"}


def _scene_modules() -> set[str]:
    """Modules that define a scene (a class deriving from ``Scene``)."""
    out = set()
    for path in GUI.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef) and any(
                    getattr(base, "id", getattr(base, "attr", "")) == "Scene" for base in node.bases):  # fmt: skip
                out.add(path.stem)
    return out


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as ``[a, b, ..., a]``, or None (depth-first search, three colours)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)) is not None:
                return cycle
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)) is not None:
            return cycle
    return None


def test_find_cycle_reports_the_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_a_function_level_import_counts_and_type_checking_does_not(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from gridrl.gui.app import App\n"
                      "def f():\n    from gridrl.gui.overlays import HelpScene  # noqa: PLC0415\n"
                      "from gridrl.gui import catalog\n")  # fmt: skip
    assert _gui_imports(module) == {"overlays", "catalog"}


def test_no_gui_module_imports_one_that_imports_it_back():
    cycle = find_cycle(_graph())
    assert cycle is None, "import cycle among gridrl.gui modules: " + " -> ".join(cycle or [])


def test_the_window_core_imports_no_scene():
    graph, scenes = _graph(), _scene_modules()
    assert scenes, "no scene module found"
    for core in sorted(CORE):
        assert core in graph, f"gridrl/gui/{core}.py is missing"
        assert not graph[core] & scenes, f"{core}.py imports the scene module(s) {sorted(graph[core] & scenes)}"


def test_scenes_do_not_import_each_other():
    """Scenes open each other through the app's scene stack (``app.open_scene(name, ...)``)."""
    graph, scenes = _graph(), _scene_modules()
    for scene in sorted(scenes):
        assert not graph[scene] & scenes, f"{scene}.py imports the scene module(s) {sorted(graph[scene] & scenes)}"


@pytest.mark.parametrize("path", sorted(GUI.glob("*.py")), ids=lambda p: p.name)
def test_no_gui_file_is_over_500_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.name} has {lines} lines (at most {MAX_LINES})"
