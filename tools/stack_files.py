"""Read `Pulumi.<stack>.yaml` and `Pulumi.yaml` strictly, the way the Pulumi CLI accepts them.

A YAML syntax error, a key given twice in one mapping (the CLI refuses those; plain
PyYAML would silently keep the last), a document that is not a mapping, or a
`config:` that is not a mapping each raise `StackFileError`, whose message is one
line: `<file>:<line>:<column>: <what is wrong>`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node


class StackFileError(Exception):
    """A stack or project file that cannot be read as one; the message names file, line and column."""

    def __init__(self, path: Path, mark: Any, problem: str):
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        super().__init__(f"{where}: {problem}")


class _RefusesRepeatedKeys:
    """Loader mix-in: refuse a mapping key given twice."""

    def construct_mapping(self, node: Node, deep: bool = False) -> dict:
        if isinstance(node, MappingNode):
            seen: dict[Any, Any] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)  # type: ignore[attr-defined]
                if key in seen:
                    raise yaml.MarkedYAMLError(
                        problem=f'key "{key}" is given twice (first on line {seen[key].line + 1}); '
                                "keep one", problem_mark=key_node.start_mark)
                seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class UniqueKeyLoader(_RefusesRepeatedKeys, yaml.SafeLoader):
    """A SafeLoader that refuses a mapping key given twice."""


# libyaml reads a large stack file several times faster; its syntax errors say less (no
# offending character), so a file it refuses is read again by the pure-Python loader for the message.
_FastLoader = type("_FastUniqueKeyLoader", (_RefusesRepeatedKeys, yaml.CSafeLoader), {}) \
    if getattr(yaml, "__with_libyaml__", False) else UniqueKeyLoader


def _kind_of(node: Node) -> str:
    return {"SequenceNode": "a list", "ScalarNode": "a single value"}.get(type(node).__name__, "something else")


def read_mapping(path: Path, section: str = "config") -> dict:
    """The file's top-level mapping; its `section` key, when present, must be a mapping too."""
    path = Path(path)
    text = path.read_text()
    if _FastLoader is not UniqueKeyLoader:
        try:
            return _read(path, text, section, _FastLoader)
        except StackFileError:
            pass
    return _read(path, text, section, UniqueKeyLoader)


def _read(path: Path, text: str, section: str, loader_class: type) -> dict:
    loader = loader_class(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}
        if not isinstance(node, MappingNode):
            raise StackFileError(path, node.start_mark, f"expected a mapping of keys (such as `{section}:`); "
                                                         f"got {_kind_of(node)}")
        for key_node, value_node in node.value:
            if getattr(key_node, "value", None) == section and not isinstance(value_node, MappingNode) and not (
                    value_node.tag.endswith(":null")):
                raise StackFileError(path, value_node.start_mark,
                                     f"`{section}:` must be a mapping of keys to values; got {_kind_of(value_node)}")
        return loader.construct_document(node) or {}
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise StackFileError(path, mark, f"invalid YAML: {problem}" if "given twice" not in problem
                             else problem) from None
    except yaml.YAMLError as error:
        raise StackFileError(path, None, f"invalid YAML: {error}") from None
    finally:
        loader.dispose()
