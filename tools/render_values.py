"""What the offline render writes for a recorded value: secrets hidden, integers as integers,
values the mocks made up marked as such.

- A secret value (a `Secret` marker, at any depth) becomes "[secret]"; a secret map or list keeps
  its shape (see `tools.mockrun.redact`).
- Pulumi's wire format (protobuf `Struct`) carries every number as a double, so a port the program
  declared as `443` comes back as `443.0`. A whole number is written as an integer, as the
  Kubernetes provider does when it encodes the object for the API server (Go's encoding/json
  writes a whole float64 without a fraction).
- A string the mocks made up (`ProgramRun.mock_values`: resource ids, computed outputs such as
  an ALB hostname or an allocated VIP, invoke answers) is written as "<mock: VALUE>", also where
  the program built a longer string around it (`curl --resolve host:80:<mock: 10.10.10.50> ...`).
  A made-up URL is also found without its scheme (an OIDC issuer the program strips of
  `https://`). A match must start and end at a character that is not a letter or digit, so the
  made-up `10.0.0.5` is not found in `10.0.0.53`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from tools.mockrun import Secret

SECRET_MARK = "[secret]"
MOCK_MARK = "<mock: {}>"
MIN_EMBEDDED = 6
"""Shortest made-up value looked for inside a longer string (shorter ones only as whole values)."""

_WORD = re.compile(r"[A-Za-z0-9]+")


def _hidden(value: Any) -> Any:
    if isinstance(value, Secret):
        return _hidden(value.value)
    if isinstance(value, dict):
        return {k: _hidden(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_hidden(v) for v in value]
    return SECRET_MARK


class RenderedValues:
    """Turns recorded values into what the render writes (see the module's docstring)."""

    def __init__(self, mock_values: Iterable[str]):
        made_up = {v for v in mock_values if v}
        made_up |= {v.split("://", 1)[1] for v in made_up if "://" in v and len(v.split("://", 1)[1]) >= MIN_EMBEDDED}
        self._made_up = frozenset(made_up)
        # Embedded values are found from their first word:
        # word -> (offset of that word in the value, length of the value), shortest first.
        by_first_word: dict[str, set[tuple[int, int]]] = {}
        for value in made_up:
            word = _WORD.search(value)
            if word and len(value) >= MIN_EMBEDDED:
                by_first_word.setdefault(word.group(), set()).add((word.start(), len(value)))
        self._by_first_word = {word: sorted(found, key=lambda c: c[1]) for word, found in by_first_word.items()}
        self._first_words = frozenset(self._by_first_word)

    def of(self, value: Any) -> Any:
        """`value` as the render writes it."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.of(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.of(v) for v in value]
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, Secret):
            return _hidden(value.value)
        return value

    def text(self, text: str) -> str:
        """`text` with every made-up value in it marked."""
        if text in self._made_up:
            return MOCK_MARK.format(text)
        if len(text) < MIN_EMBEDDED or self._first_words.isdisjoint(_WORD.findall(text)):
            return text
        spans = self._embedded(text)
        if not spans:
            return text
        parts, at = [], 0
        for start, end in spans:
            parts += [text[at:start], MOCK_MARK.format(text[start:end])]
            at = end
        parts.append(text[at:])
        return "".join(parts)

    def _embedded(self, text: str) -> list[tuple[int, int]]:
        """Non-overlapping (start, end) spans of made-up values in `text`, longest first where
        two start at the same place."""
        spans: list[tuple[int, int]] = []
        taken = 0
        for word in _WORD.finditer(text):
            candidates = self._by_first_word.get(word.group())
            if not candidates:
                continue
            best = None
            for offset, length in candidates:
                start = word.start() - offset
                end = start + length
                if end > len(text):
                    break
                if start >= taken and text[start:end] in self._made_up and _bounded(text, start, end):
                    best = (start, end)
            if best:
                spans.append(best)
                taken = best[1]
        return spans


def _bounded(text: str, start: int, end: int) -> bool:
    """Whether text[start:end] neither continues a word before it nor runs into one after it."""
    before = start == 0 or not (text[start - 1].isalnum() and text[start].isalnum())
    after = end == len(text) or not (text[end].isalnum() and text[end - 1].isalnum())
    return before and after
