"""Read `Pulumi.<stack>.yaml` and `Pulumi.yaml` strictly, the way the Pulumi CLI accepts them.

Each of these raises `StackFileError`, whose message is one line:
`<file>:<line>:<column>: <what is wrong>` (the line and column where known):

- a path that is not a readable regular file, a file over `MAX_BYTES`, bytes that are not
  UTF-8, or a character no setting means (`bounds.FORBIDDEN`: NUL, other control
  characters, bidirectional overrides), written as itself or as an escape;
- a YAML syntax error, a key given twice in one mapping (the CLI refuses those; plain
  PyYAML would silently keep the last), a key that is a list or mapping, a tag with no
  JSON equivalent (`!!binary`, `!!set`, ...), a number too long to convert;
- nesting deeper than `MAX_DEPTH`, more than `MAX_VALUES` values once aliases are
  expanded (a "billion laughs" is refused while composing, before anything is built),
  an alias used inside the collection it names;
- a document that is not a mapping, or a `config:` that is not a mapping.

Mapping keys are the text as written and timestamps stay text, as the CLI's YAML decoder
(go-yaml v3 into `interface{}`) hands them over.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self, TypeVar

import yaml
from yaml.events import AliasEvent, Event, MappingStartEvent, SequenceStartEvent
from yaml.nodes import MappingNode, Node, ScalarNode

from components.config.bounds import (
    MAX_BYTES,
    MAX_DEPTH,
    MAX_VALUES,
    describe_character,
    first_forbidden,
    line_and_column,
)


class StackFileError(Exception):
    """A stack or project file that cannot be read as one; the message names file, line and column."""

    def __init__(self, path: Path, mark: Any, problem: str):
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        super().__init__(f"{where}: {problem}")

    @classmethod
    def listing(cls, lines: list[str]) -> StackFileError:
        """One error for several problems of one file, each already a `<file>:<line>:<column>: ...` line."""
        error = cls.__new__(cls)
        Exception.__init__(error, "\n".join(lines))
        return error


class _Refused(yaml.MarkedYAMLError):
    """A problem this reader finds itself (not a YAML syntax error): reported as it is worded."""

    def __init__(self, problem: str, mark: Any):
        super().__init__(problem=problem, problem_mark=mark)


def _short(tag: str) -> str:
    return tag.replace("tag:yaml.org,2002:", "!!")


class _Position:
    """A 0-based line and column, shaped like a YAML mark."""

    def __init__(self, line: int, column: int):
        self.line, self.column = line, column


class _StrictConstructor(yaml.constructor.SafeConstructor):
    """How both loaders build values: keys once each and as text, timestamps as text, tags
    without a JSON form refused, unconvertible scalars refused with their position."""

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        if not isinstance(node, MappingNode):  # PyYAML's own refusal (ConstructorError)
            return super().construct_mapping(node, deep=deep)  # type: ignore[arg-type]
        seen: dict[str, Any] = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            if not isinstance(key_node, ScalarNode):
                raise _Refused("a key must be a single value, not a list or mapping", key_node.start_mark)
            if key_node.value in seen:
                raise _Refused(
                    f"key {_shown(key_node.value)} is given twice (first on line "
                    f"{seen[key_node.value].line + 1}); keep one",
                    key_node.start_mark,
                )
            seen[key_node.value] = key_node.start_mark
        self.flatten_mapping(node)  # merged (`<<: *base`) pairs first, so the written ones win
        mapping: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise _Refused("a key must be a single value, not a list or mapping", key_node.start_mark)
            mapping[key_node.value] = self.construct_object(value_node, deep=deep)
        return mapping

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, TypeError, LookupError, ArithmeticError) as error:
            # A scalar its tag's constructor cannot convert: `!!float x`, `!!bool maybe`, 5000 digits.
            if "limit" in str(error) and node.tag.endswith(":int"):
                raise _Refused("a number too long to read; quote it if it is text", node.start_mark) from None
            raise _Refused(
                f"this value cannot be read as {_short(node.tag)}; quote it if it is text", node.start_mark
            ) from None

    # `Self`: added as a constructor of each loader class, the method takes that loader
    def construct_as_text(self: Self, node: Node) -> str:
        # any node but a scalar (or a merged mapping) gets PyYAML's own ConstructorError
        return self.construct_scalar(node)  # type: ignore[arg-type]

    def refuse_tag(self: Self, node: Node) -> None:
        raise _Refused(
            f"the tag {_short(node.tag)} is not accepted in a stack file; write text, numbers, lists and mappings",
            node.start_mark,
        )


class UniqueKeyLoader(_StrictConstructor, yaml.SafeLoader):
    """A SafeLoader that refuses a mapping key given twice and every input beyond the bounds
    (depth, expanded size, forbidden characters in a scalar), with the position of each."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0
        self._expanded = 0
        self._sizes: dict[int, int] = {}  # id(node) -> values it expands to, once composed

    def _count(self, values: int, mark: Any) -> None:
        self._expanded += values
        if self._expanded > MAX_VALUES:
            raise _Refused(
                f"more than {MAX_VALUES} values, counting each use of an alias in full (a stack needs a few hundred)",
                mark,
            )

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event: Event = self.peek_event()  # type: ignore[no-untyped-call]  # unannotated in types-PyYAML
        if isinstance(event, AliasEvent):
            node = super().compose_node(parent, index)
            if id(node) not in self._sizes:
                raise _Refused(f"alias *{event.anchor} is used inside the collection it names", event.start_mark)
            self._count(self._sizes[id(node)], event.start_mark)
            return node
        collection = isinstance(event, (SequenceStartEvent, MappingStartEvent))
        if collection:
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _Refused(
                    f"nested more than {MAX_DEPTH} levels deep; no setting nests more than a few", event.start_mark
                )
        before = self._expanded
        self._count(1, event.start_mark)
        node = super().compose_node(parent, index)
        if collection:
            self._depth -= 1
        self._sizes[id(node)] = self._expanded - before
        if isinstance(node, ScalarNode):
            position = first_forbidden(node.value)
            if position is not None:
                raise _Refused(
                    f"this value holds an escape for {describe_character(node.value[position])} "
                    f"at character {position + 1}; remove it",
                    node.start_mark,
                )
        return node


# the type checker reads the libyaml variant (a base class must be one class to it)
if TYPE_CHECKING or yaml.__with_libyaml__:
    _ComposingLoader = yaml.CSafeLoader
else:  # PyYAML built without libyaml: the pure-Python parser and composer, same results
    _ComposingLoader = yaml.SafeLoader


class _LibyamlLoader(_StrictConstructor, _ComposingLoader):
    """libyaml's parser and composer with the same constructor: several times faster on a large
    stack. It words errors less well and bounds nothing while composing, so `read_mapping` uses
    it only for a file whose composed graph `_within_bounds` passes, and reads any other file
    again with `UniqueKeyLoader`, which words the refusal."""


_Strict = TypeVar("_Strict", UniqueKeyLoader, _LibyamlLoader)


def _take_tags_strictly(loader: type[_Strict]) -> None:
    """Timestamps as text; the tags without a JSON form refused."""
    loader.add_constructor("tag:yaml.org,2002:timestamp", loader.construct_as_text)
    for tag in ("binary", "set", "omap", "pairs"):
        loader.add_constructor(f"tag:yaml.org,2002:{tag}", loader.refuse_tag)


_take_tags_strictly(UniqueKeyLoader)
_take_tags_strictly(_LibyamlLoader)


def _within_bounds(root: Node) -> bool:
    """Whether a composed graph keeps every bound `UniqueKeyLoader` enforces while composing:
    no alias inside the collection it names, at most MAX_DEPTH levels (counted through
    aliases, so at least as strict), at most MAX_VALUES values with each alias use counted in
    full, no forbidden character in a scalar. Iterative and once per node, so a bomb of shared
    nodes costs what its text costs."""
    values: dict[int, int] = {}
    height: dict[int, int] = {}
    open_nodes: set[int] = set()
    pending: list[tuple[Node, bool]] = [(root, False)]
    while pending:
        node, finished = pending.pop()
        key = id(node)
        if isinstance(node, ScalarNode):
            if key not in values:
                if first_forbidden(node.value) is not None:
                    return False
                values[key], height[key] = 1, 0
            continue
        children = [item for pair in node.value for item in pair] if isinstance(node, MappingNode) else list(node.value)
        if finished:
            open_nodes.discard(key)
            values[key] = 1 + sum(values[id(child)] for child in children)
            height[key] = 1 + max((height[id(child)] for child in children), default=0)
            if values[key] > MAX_VALUES or height[key] > MAX_DEPTH:
                return False
            continue
        if key in values:
            continue
        if key in open_nodes:  # reached again inside itself: an alias within its own collection
            return False
        open_nodes.add(key)
        pending.append((node, True))
        pending.extend((child, False) for child in children)
    return True


def _opened_on(error: yaml.MarkedYAMLError) -> str:
    mark = error.context_mark
    return f" (opened on line {mark.line + 1})" if mark is not None else ""


def _in_words(error: yaml.MarkedYAMLError) -> str:
    """A YAML syntax error as what to change, not the parser's token names (`found '?'`)."""
    context, problem = str(error.context or ""), str(error.problem or "")
    if "'\\t'" in problem:
        return "a tab character; YAML indents with spaces only"
    if "cannot start any token" in problem:
        character = problem.split("'")[1] if problem.count("'") >= 2 else "this character"
        return f'a value cannot start with {character}; quote it ("{character}...")'
    if "mapping values are not allowed" in problem:
        return (
            "a `: ` where no key can start: quote the value if it holds `: `, or indent this key like the keys above it"
        )
    if "expected ',' or ']'" in problem:
        return f"a list in [ ] is not closed{_opened_on(error)}; add the ]"
    if "expected ',' or '}'" in problem:
        return f"a mapping in {{ }} is not closed{_opened_on(error)}; add the }}"
    if "quoted scalar" in context:
        return f"a quoted value is not closed{_opened_on(error)}; add the closing quote"
    if "undefined alias" in problem:
        name = problem.removeprefix("found undefined alias ").strip("'")
        return f"the alias *{name} names no anchor &{name} above it; define the anchor or write the value"
    if "block collection" in context or "block sequence start" in problem:
        return (
            "a list item and a key mixed at one indentation: give each list item its `- ` and "
            f"each key its own indentation{_opened_on(error)}"
        )
    if "block mapping" in context:
        where = f" of the mapping on line {error.context_mark.line + 1}" if error.context_mark else " before it"
        return f"this line is indented differently from the keys{where}; align them"
    if "could not find expected ':'" in problem:
        return "a key without `:`; write `key: value`"
    words = {"'<block mapping start>'": "a new key", "'<block end>'": "the end of the block", "'?'": "a key"}
    text = " ".join(part for part in (context, problem) if part)
    for token, word in words.items():
        text = text.replace(token, word)
    return text.replace("'<stream end>'", "the end of the file")


def _shown(key: str) -> str:
    """A key in quotes on one line (line breaks as escapes), cut short when long."""
    quoted = json.dumps(key, ensure_ascii=False)
    return quoted if len(quoted) <= 80 else quoted[:76] + '..."'


def _kind_of(node: Node) -> str:
    return {"SequenceNode": "a list", "ScalarNode": "a single value"}.get(type(node).__name__, "something else")


_AT_MOST = f"a stack file may hold at most {MAX_BYTES} (1 MiB)"


def read_text(path: Path) -> str:
    """The file's text, refused (`StackFileError`) when it is not a readable regular file, is
    larger than `MAX_BYTES`, is not UTF-8, or holds a forbidden character."""
    try:
        if not path.is_file():
            raise StackFileError(path, None, "not a regular file" if path.exists() else "no such file")
        if path.stat().st_size > MAX_BYTES:
            raise StackFileError(path, None, f"{path.stat().st_size} bytes; {_AT_MOST}")
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
    except OSError as error:
        raise StackFileError(path, None, f"cannot read: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise StackFileError(path, None, f"more than {MAX_BYTES} bytes; {_AT_MOST}")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        prefix = data[: error.start]
        line = prefix.count(b"\n") + 1
        column = len(prefix[prefix.rfind(b"\n") + 1 :].decode("utf-8")) + 1
        raise StackFileError(
            path,
            _Position(line - 1, column - 1),
            f"not valid UTF-8 (byte 0x{data[error.start]:02x}); save the file as UTF-8",
        ) from None
    index = first_forbidden(text)
    if index is not None:
        line, column = line_and_column(text, index)
        raise StackFileError(
            path, _Position(line - 1, column - 1), f"contains {describe_character(text[index])}; remove it"
        )
    return text


def read_mapping(path: Path, section: str = "config") -> dict[str, Any]:
    """The file's top-level mapping; its `section` key, when present, must be a mapping too."""
    path = Path(path)
    return parse_mapping(path, read_text(path), section)


def parse_mapping(path: Path, text: str, section: str = "config") -> dict[str, Any]:
    """`read_mapping` for text `read_text` has already read and checked from `path` (named in
    the errors), for a caller that needs the text as well."""
    fast = _read_fast(text, section)
    return fast if fast is not None else _read_strict(path, text, section)


def _read_fast(text: str, section: str) -> dict[str, Any] | None:
    """The mapping through libyaml when the file is plainly fine; None for anything else (a
    syntax error, a bound, a shape or a value the strict reader refuses and words)."""
    loader = _LibyamlLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}
        if (
            not isinstance(node, MappingNode)
            or not _within_bounds(node)
            or any(
                getattr(key_node, "value", None) == section and not isinstance(value_node, MappingNode)
                for key_node, value_node in node.value
            )
        ):
            return None
        mapping = loader.construct_document(node)
        return mapping if isinstance(mapping, dict) else None
    except (yaml.YAMLError, RecursionError):
        return None
    finally:
        loader.dispose()


def _read_strict(path: Path, text: str, section: str) -> dict[str, Any]:
    loader = UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return {}
        if not isinstance(node, MappingNode):
            raise StackFileError(
                path, node.start_mark, f"expected a mapping of keys (such as `{section}:`); got {_kind_of(node)}"
            )
        for key_node, value_node in node.value:
            if (
                getattr(key_node, "value", None) == section
                and not isinstance(value_node, MappingNode)
                and not (value_node.tag.endswith(":null"))
            ):
                raise StackFileError(
                    path,
                    value_node.start_mark,
                    f"`{section}:` must be a mapping of keys to values; got {_kind_of(value_node)}",
                )
        return loader.construct_document(node) or {}
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = " ".join(str(part) for part in (error.context, error.problem) if part)
        raise StackFileError(
            path, mark, problem if isinstance(error, _Refused) else f"invalid YAML: {_in_words(error)}"
        ) from None
    except yaml.YAMLError as error:
        raise StackFileError(path, None, f"invalid YAML: {error}") from None
    except RecursionError:  # the depth bound keeps every real and fuzzed file well away from this
        raise StackFileError(path, None, f"nested too deeply; at most {MAX_DEPTH} levels are accepted") from None
    finally:
        loader.dispose()


def mark_at(line: int, column: int) -> _Position:
    """A 0-based line and column as a mark `StackFileError` takes."""
    return _Position(line, column)


def shown(text: str) -> str:
    """Text in quotes on one line, cut short when long (as keys are shown)."""
    return _shown(text)
