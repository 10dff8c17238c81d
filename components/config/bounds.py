"""Bounds on configuration input, shared by the stack-file reader and the SDK-config loader.

Each bound sits far above any real stack and far below what makes a parser or a
validator crash or stall: the example stacks nest at most 8 levels, hold a few hundred
values and are under 5 KiB, while Python's parsers give up (RecursionError) at a few
hundred levels and an alias "billion laughs" expands a 1 KiB file to 10^9 values.

- `MAX_DEPTH`: lists and mappings nested inside one another.
- `MAX_VALUES`: every value counted once per place it appears, so aliases count in full.
- `MAX_BYTES`: one file, or one top-level value as the Pulumi SDK hands it over (JSON).
- `FORBIDDEN`: characters no setting means: C0 controls other than tab, line feed and
  carriage return, DEL, C1 controls, the bidirectional embedding / override / isolate
  controls that make text display in an order other than the one it is read in
  ("Trojan Source", CVE-2021-42574), lone surrogates and the non-characters U+FFFE/U+FFFF.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Any

MAX_DEPTH = 64
MAX_VALUES = 100_000
MAX_BYTES = 1024 * 1024

FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")

_C0_NAMES = {0x00: "NUL", 0x1B: "ESC", 0x7F: "DEL", 0x08: "BACKSPACE", 0x0B: "VERTICAL TAB", 0x0C: "FORM FEED"}


def describe_character(character: str) -> str:
    """`U+0000 (NUL)`, `U+0085 (a C1 control character)`, `U+202E (RIGHT-TO-LEFT OVERRIDE, ...)`."""
    code = ord(character)
    label = f"U+{code:04X}"
    if code in _C0_NAMES:
        return f"{label} ({_C0_NAMES[code]}, a control character)"
    if code < 0x20:
        return f"{label} (a control character)"
    if 0x80 <= code <= 0x9F:
        return f"{label} (a C1 control character)"
    if 0xD800 <= code <= 0xDFFF:
        return f"{label} (half a character: bytes that are not UTF-8, or an escape for a lone surrogate)"
    if code in (0xFFFE, 0xFFFF):
        return f"{label} (a non-character)"
    return f"{label} ({unicodedata.name(character, 'unnamed')}, a bidirectional control character)"


def first_forbidden(text: str) -> int | None:
    """The index of the first forbidden character in `text`, or None."""
    match = FORBIDDEN.search(text)
    return match.start() if match else None


def printable(text: str) -> str:
    """`text` with each forbidden character written as its code (`\\u0000`), for messages."""
    return FORBIDDEN.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def line_and_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of `text[index]`."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_BRACKET = re.compile(r"[\[\]{}]")


def json_depth(raw: str) -> int:
    """How deeply lists and objects nest in JSON text, counted without parsing it (a parser
    recurses once per level and gives up with RecursionError a few hundred levels down)."""
    depth = deepest = 0
    for bracket in _JSON_BRACKET.findall(_JSON_STRING.sub("", raw)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _path(parent: str, part: Any) -> str:
    if isinstance(part, int):
        return f"{parent}[{part}]"
    return f"{parent}.{printable(str(part))}" if parent else printable(str(part))


def _walk(value: Any) -> Iterator[tuple[str, Any, int]]:
    """Every value below `value` with its relative key path and nesting depth, iteratively
    (a recursive walk would itself hit the recursion limit on the inputs it has to refuse)."""
    pending: list[tuple[str, Any, int]] = [("", value, 0)]
    while pending:
        path, item, depth = pending.pop()
        yield path, item, depth
        if isinstance(item, dict):
            pending.extend((_path(path, key), child, depth + 1) for key, child in reversed(list(item.items())))
        elif isinstance(item, list):
            pending.extend((_path(path, index), child, depth + 1) for index, child in reversed(list(enumerate(item))))


def problems_in(value: Any) -> list[tuple[str, str]]:
    """Bounds a decoded value breaks, as (relative key path, message) pairs: its depth, its
    number of values, and each forbidden character in a key or a text value."""
    problems: list[tuple[str, str]] = []
    count = 0
    for path, item, depth in _walk(value):
        count += 1
        if count > MAX_VALUES:
            problems.append(("", f"holds more than {MAX_VALUES} values; a stack needs a few hundred"))
            break
        if isinstance(item, (dict, list)) and depth + 1 > MAX_DEPTH:
            problems.append((path, f"nested more than {MAX_DEPTH} levels deep; no setting nests more than a few"))
            break
        if isinstance(item, dict):
            for key in item:
                index = first_forbidden(key) if isinstance(key, str) else None
                if index is not None:
                    problems.append(
                        (
                            _path(path, key),
                            f"the key contains {describe_character(key[index])} at character {index + 1}; remove it",
                        )
                    )
        elif isinstance(item, str):
            index = first_forbidden(item)
            if index is not None:
                problems.append(
                    (path, f"contains {describe_character(item[index])} at character {index + 1}; remove it")
                )
    return problems
