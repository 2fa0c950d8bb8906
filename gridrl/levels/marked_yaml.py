"""Safe YAML that keeps line numbers, and the checks every gridrl file format shares.

Levels (:mod:`gridrl.levels.parse`) and lessons (:mod:`gridrl.lessons.loader`) both read
YAML and both must say "file:line:column: what is wrong, and what would be right" about any
value. Everything they have in common lives here, once: reading the file (size limit checked
before reading, binary and non-UTF-8 refused), loading it (duplicate keys, tags, syntax
errors, nesting and alias bombs become positioned errors), and the typed accessors (unknown
keys with a did-you-mean, numbers, whole numbers, flags, strings) with their messages. Nothing
here imports the rest of gridrl.
"""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path
from typing import Any, NoReturn

import yaml

#: Values that aliases may add beyond the file's own: ``&a [*b, *b, ...]`` nested nine deep
#: is a few hundred bytes that expand to a billion values ("billion laughs"); any walk over
#: them (a repr in an error message, a copy) would hang. Hand-written files share a legend
#: entry or two; a hundred thousand is far beyond that.
MAX_ALIAS_EXPANSION = 100_000
#: Error messages quote a wrong value up to this many characters.
MAX_QUOTE = 60

# YAML 1.1 (PyYAML) reads 1e-3 as a string: it wants a dot. People write it anyway.
_FLOAT_TEXT = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


class MarkedError(ValueError):
    """A file is wrong at a place: ``file:line:column: problem``.

    ``source`` is the file (or ``"<string>"``), ``line``/``column`` are 1-based where they
    are known, ``problem`` is the plain-words message without the location.
    """

    def __init__(
        self, problem: str, source: str | None = None, line: int | None = None, column: int | None = None
    ) -> None:
        self.problem, self.source, self.line, self.column = problem, source, line, column
        where = source or ""
        if line is not None:
            where += f"{':' if where else 'line '}{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {problem}" if where else problem)


# --------------------------------------------------------------------------- loader


class MarkedMap(dict):
    """A YAML mapping that remembers its node and the node of each key and value."""

    node: yaml.Node
    nodes: dict[Any, yaml.Node]
    key_nodes: dict[Any, yaml.Node]


class MarkedSeq(list):
    """A YAML sequence that remembers its node and each item's node."""

    node: yaml.Node
    nodes: list[yaml.Node]


_BaseLoader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _problem(text: str, node: yaml.Node) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, text, node.start_mark)


class MarkedLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader whose containers keep their nodes, which refuses duplicate keys and
    documents whose aliases expand past :data:`MAX_ALIAS_EXPANSION` values."""

    def get_single_data(self) -> Any:
        node = self.get_single_node()
        if node is None:
            return None
        _check_aliases(node)
        return self.construct_document(node)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # PyYAML's scalar constructors raise plain ValueError/KeyError/... for values such
        # as "2020-13-45" or "!!int abc"; give them the node's position like any YAML error.
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except (ValueError, KeyError, IndexError, AttributeError, TypeError, OverflowError) as exc:
            raise _problem(f"cannot read the value {quote(node.value)} ({exc})", node) from None


def _check_aliases(root: yaml.Node) -> None:
    """Refuse a node graph whose expansion (every alias copied out) exceeds the distinct
    nodes by more than MAX_ALIAS_EXPANSION, or that contains itself.

    expanded(n) = 1 + sum(expanded(child)), memoised per node, so the walk is linear in the
    distinct nodes however large the expansion; iterative, so deep nesting cannot overflow.
    expanded(n) minus the distinct nodes seen so far is at most the document's excess, so
    the check can run at every node.
    """
    expanded: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        children = _children(node)
        if done:
            on_path.discard(id(node))
            expanded[id(node)] = 1 + sum(expanded[id(child)] for child in children)
            # Counted at the innermost value that overflows, so the message points at it.
            extra = expanded[id(node)] - len(expanded)
            if extra > MAX_ALIAS_EXPANSION:
                raise _problem(
                    f"the aliases (*name) repeat {extra:,} values or more; at most "
                    f"{MAX_ALIAS_EXPANSION:,} are allowed: write the values out, or share fewer", node
                )
            continue
        if id(node) in expanded:
            continue
        if id(node) in on_path:
            raise _problem("a value contains itself (an alias of its own anchor)", node)
        on_path.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in children if id(child) not in expanded)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _construct_map(loader: MarkedLoader, node: yaml.MappingNode) -> MarkedMap:
    loader.flatten_mapping(node)
    result = MarkedMap()
    result.node, result.nodes, result.key_nodes = node, {}, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise _problem("a mapping key must be a plain value", key_node) from None
        if key in result:
            raise _problem(f"duplicate key {key!r}", key_node)
        result[key] = loader.construct_object(value_node, deep=True)
        result.nodes[key] = value_node
        result.key_nodes[key] = key_node
    return result


def _construct_seq(loader: MarkedLoader, node: yaml.SequenceNode) -> MarkedSeq:
    result = MarkedSeq(loader.construct_object(child, deep=True) for child in node.value)
    result.node, result.nodes = node, list(node.value)
    return result


MarkedLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
MarkedLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


# --------------------------------------------------------------------------- reading


class Context:
    """The text being read and what to raise, to put file, line and column on every error.

    ``error`` is the format's :class:`MarkedError` subclass; ``what`` names the format in
    messages ("level", "lesson").
    """

    def __init__(self, source: str, text: str, error: type[MarkedError], what: str) -> None:
        self.source, self.text, self.error, self.what = source, text, error, what
        self.lines = text.splitlines()

    def fail(self, problem: str, node: yaml.Node | None = None) -> NoReturn:
        if node is None:
            raise self.error(problem, self.source)
        raise self.error(problem, self.source, node.start_mark.line + 1, node.start_mark.column + 1)

    def fail_at(self, problem: str, line: int | None, column: int | None = None) -> NoReturn:
        raise self.error(problem, self.source, line, column)


def read_text(path: Path, max_bytes: int, error: type[MarkedError], what: str, hint: str = "") -> str:
    """The UTF-8 text of the file at ``path``, its size checked before it is read.

    Missing files, folders, files over ``max_bytes``, binary files (NUL bytes) and other
    encodings raise ``error`` with a message; ``hint`` follows the size limit's message.
    """
    source = str(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise error("no such file", source) from None
    except OSError as exc:
        raise error(f"cannot read the file: {exc.strerror}", source) from None
    if path.is_dir():
        raise error(f"this is a folder, not a {what} file", source)
    if size > max_bytes:
        raise error(
            f"the file is {size / 2**20:.1f} MiB; {what} files are limited to {_size(max_bytes)}{hint}", source
        )
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read the file: {exc.strerror}", source) from None
    return decode_text(data, source, error, what)


def decode_text(data: bytes, source: str, error: type[MarkedError], what: str) -> str:
    """UTF-8 text of a file's bytes (a BOM is dropped), refusing binary files with a clear message."""
    if b"\x00" in data:
        raise error(f"this is a binary file, not a YAML {what} (it contains NUL bytes)", source)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(
            f"the file is not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8", source
        ) from None


def _size(n_bytes: int) -> str:
    return f"{n_bytes // 2**20} MiB" if n_bytes % 2**20 == 0 else f"{n_bytes // 1024} KiB"


def load_mapping(ctx: Context, max_bytes: int, example: str, empty: str) -> MarkedMap:
    """The YAML mapping in ``ctx.text``; every way it can fail is a positioned ``ctx.error``.

    ``example`` shows the format's first keys ("kind: ..., layout: ..."), ``empty`` what a
    file needs at least.
    """
    if not ctx.text.strip():
        ctx.fail(f"the file is empty; {empty}")
    if len(ctx.text) > max_bytes:
        ctx.fail(f"the {ctx.what} text is longer than the {_size(max_bytes)} limit")
    try:
        document = yaml.load(ctx.text, Loader=MarkedLoader)  # noqa: S506 - MarkedLoader is a SafeLoader
    except yaml.constructor.ConstructorError as exc:
        problem = str(exc.problem or exc)
        if "could not determine a constructor for the tag" in problem:
            tag = problem.split("tag", 1)[1].strip()
            problem = (
                f"the YAML tag {tag} is not allowed: {ctx.what} files are plain YAML "
                "(safe loading only); remove the tag"
            )
        _fail_marked(ctx, problem, exc)
    except yaml.MarkedYAMLError as exc:
        detail = exc.problem or "malformed YAML"
        if exc.context:
            detail = f"{detail} ({exc.context})"
        _fail_marked(ctx, f"YAML syntax error: {detail}", exc)
    except yaml.YAMLError as exc:
        ctx.fail(f"YAML error: {exc}")
    except RecursionError:
        ctx.fail("the YAML is nested too deeply")
    except UnicodeError:
        ctx.fail("the text contains characters that are not valid Unicode")
    if not isinstance(document, MarkedMap):
        ctx.fail(f"a {ctx.what} file is a YAML mapping ({example}), but this file holds {describe(document)}")
    return document


def _fail_marked(ctx: Context, problem: str, exc: yaml.MarkedYAMLError) -> NoReturn:
    mark = exc.problem_mark or exc.context_mark
    if mark is None:
        ctx.fail(problem)
    ctx.fail_at(problem, mark.line + 1, mark.column + 1)


# --------------------------------------------------------------------------- messages


def quote(value: Any) -> str:
    """``repr(value)``, cut to MAX_QUOTE characters: a message never carries a whole file."""
    text = repr(value)
    return text if len(text) <= MAX_QUOTE else text[: MAX_QUOTE - 3] + "..."


def describe(value: Any) -> str:
    """What a wrong value is, in words: "a list", "the boolean true", "str 'abc'", "nothing"."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if value is None:
        return "nothing"
    return f"{type(value).__name__} {quote(value)}"


def suggest(word: Any, options: list[str] | tuple[str, ...]) -> str:
    """`` Did you mean 'x'?`` for the closest of ``options``, or nothing."""
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def range_text(low: float | None, high: float | None) -> str:
    """"between 1 and 1,000", "at least 0", "at most 1"."""

    def show(x: float) -> str:
        return f"{int(x):,}" if float(x).is_integer() else f"{x:g}"

    if low is not None and high is not None:
        return f"between {show(low)} and {show(high)}"
    if low is not None:
        return f"at least {show(low)}"
    return f"at most {show(high)}"  # type: ignore[arg-type]


# --------------------------------------------------------------------------- accessors


def check_keys(ctx: Context, mapping: MarkedMap, allowed: tuple[str, ...], what: str) -> None:
    """Refuse a key not in ``allowed``, suggesting the closest and listing them all."""
    for key in mapping:
        if key not in allowed:
            ctx.fail(
                f"unknown key '{key}' in {what}.{suggest(key, allowed)} Allowed keys: {', '.join(allowed)}.",
                mapping.key_nodes[key],
            )


def mapping(ctx: Context, value: Any, node: yaml.Node, what: str, null_is_empty: bool = False) -> MarkedMap:
    """``value`` if it is a mapping; with ``null_is_empty`` an empty one for ``key:`` left blank."""
    if value is None and null_is_empty:
        empty = MarkedMap()
        empty.node, empty.nodes, empty.key_nodes = node, {}, {}
        return empty
    if not isinstance(value, MarkedMap):
        ctx.fail(f"{what} must be a mapping of keys to values, got {describe(value)}", node)
    return value


def plain_number(value: Any) -> Any:
    """``value``, or the float it spells if it is text such as ``1e-3`` (YAML 1.1 wants ``1.0e-3``)."""
    if isinstance(value, str) and _FLOAT_TEXT.match(value.strip()):
        return float(value)
    return value


def number_value(
    ctx: Context, value: Any, node: yaml.Node, what: str, low: float | None = None, high: float | None = None
) -> float:
    """``value`` as a finite float within [low, high]; ``what`` names it in the message."""
    value = plain_number(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        ctx.fail(f"{what} must be a number, got {describe(value)}", node)
    try:
        value = float(value)
    except OverflowError:
        ctx.fail(f"{what} is too large a number", node)
    if not math.isfinite(value):
        ctx.fail(f"{what} must be a finite number, got {value}", node)
    if (low is not None and value < low) or (high is not None and value > high):
        ctx.fail(f"{what} must be {range_text(low, high)}, got {value:g}", node)
    return value


def number(
    ctx: Context, m: MarkedMap, key: str, default: float, low: float | None = None, high: float | None = None
) -> float:
    """A finite number from ``m[key]`` within [low, high]; ``default`` if absent or null."""
    if m.get(key) is None:
        return default
    return number_value(ctx, m[key], m.nodes[key], f"'{key}'", low, high)


def integer(ctx: Context, m: MarkedMap, key: str, default: int | None, low: int, high: int) -> int | None:
    """A whole number from ``m[key]`` within [low, high]; ``default`` if absent or null.

    ``3.0`` and ``1e3`` count as whole numbers (people write budgets that way).
    """
    value = m.get(key)
    if value is None:
        return default
    value = plain_number(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        ctx.fail(f"'{key}' must be a whole number, got {describe(m[key])}", m.nodes[key])
    if not low <= value <= high:
        ctx.fail(f"'{key}' must be {range_text(low, high)}, got {value:,}", m.nodes[key])
    return value


def flag(ctx: Context, m: MarkedMap, key: str, default: bool) -> bool:
    """``true``/``false`` from ``m[key]``; ``default`` if absent or null."""
    value = m.get(key)
    if value is None:
        return default
    if not isinstance(value, bool):
        ctx.fail(f"'{key}' must be true or false, got {describe(value)}", m.nodes[key])
    return value


def string(ctx: Context, m: MarkedMap, key: str, default: str | None = None, what: str = "") -> str:
    """Stripped text from ``m[key]``; ``default`` if absent or null, and with no default
    the key is required ("``what`` needs 'key'").

    A YAML boolean is refused rather than read as "True": ``name: yes`` is YAML 1.1's true.
    """
    value = m.get(key)
    if value is None:
        if default is None:
            ctx.fail(f"{what} needs '{key}'", m.node)
        return default
    if isinstance(value, bool):
        written = raw_scalar(value, m.nodes[key])
        ctx.fail(f"'{key}' must be text, got the boolean {written}; quote it: '{written}'", m.nodes[key])
    if isinstance(value, (dict, list)):
        ctx.fail(f"'{key}' must be text, got {describe(value)}", m.nodes[key])
    return str(value).strip()


BUDGET_KEYS = ("episodes", "steps", "updates")


def budget(ctx: Context, m: MarkedMap, what: str, required: bool, high: int) -> tuple[str, int] | None:
    """``(unit, count)`` from the one of ``episodes: N``, ``steps: N``, ``updates: N`` that ``m``
    has (the units of ``gridrl train``), or None if it has none and none is ``required``."""
    given = [k for k in BUDGET_KEYS if k in m]
    if len(given) > 1:
        ctx.fail(f"{what} takes one budget, got {' and '.join(given)}", m.key_nodes[given[1]])
    if not given:
        if required:
            ctx.fail(f"{what} needs a budget: 'episodes: N', 'steps: N' or 'updates: N'", m.node)
        return None
    count = integer(ctx, m, given[0], None, 1, high)
    if count is None:
        ctx.fail(f"'{given[0]}' needs a number, e.g. '{given[0]}: 500'", m.nodes[given[0]])
    return given[0][:-1], count


def raw_scalar(value: Any, node: yaml.Node | None) -> str:
    """The text as written: ``1`` or ``~`` stay characters instead of becoming 1 or None."""
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return str(value)
