"""Safe YAML loading that keeps line numbers: every mapping and sequence remembers its nodes.

Shared by the level parser and the lesson loader, so both can say "file:line:column: what is
wrong" about any value. Duplicate keys are refused (PyYAML would silently keep the last), and
PyYAML's plain Python exceptions for values such as ``2020-13-45`` become positioned errors.
"""

from __future__ import annotations

from typing import Any

import yaml


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


class MarkedLoader(_BaseLoader):  # type: ignore[misc, valid-type]
    """Safe loader whose containers keep their nodes and which refuses duplicate keys."""

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        # PyYAML's scalar constructors raise plain ValueError/KeyError/... for values such
        # as "2020-13-45" or "!!int abc"; give them the node's position like any YAML error.
        try:
            return super().construct_object(node, deep=deep)
        except yaml.YAMLError:
            raise
        except (ValueError, KeyError, IndexError, AttributeError, TypeError, OverflowError) as exc:
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read the value {node.value!r} ({exc})", node.start_mark
            ) from None


def _construct_map(loader: MarkedLoader, node: yaml.MappingNode) -> MarkedMap:
    loader.flatten_mapping(node)
    result = MarkedMap()
    result.node, result.nodes, result.key_nodes = node, {}, {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            ) from None
        if key in result:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
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
