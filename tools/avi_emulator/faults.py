"""Injected faults: latency, error answers before a change, and answers lost or late after one.

Two ways to ask for faults, which combine:

- ``FaultPlan(rate=0.1)`` (CLI ``--fail-rate 0.1``): each ``/api`` call has that chance of a
  fault, half ``error-before`` (502/503/504) and half ``drop-after``.
- Rules, ``FaultPlan(rules=[FaultRule.parse("error-after:0.1,method=POST,path=/api/vsvip*")])``
  (CLI ``--fault SPEC``, repeatable). A spec is ``KIND[:RATE][,key=value...]`` with keys
  ``method`` (``PUT`` or ``POST|PUT``; any method when absent), ``path`` (a shell pattern
  matched against the path without its query, default ``/api/*``), ``status``,
  ``retry_after`` (seconds, for ``429``) and ``delay_ms`` (for ``slow-after``). Rules are tried
  in order; the first whose method and path match and whose draw falls under its rate fires.

Kinds (``FaultKind``): ``error-before`` (502/503/504 or ``status``, nothing applied), ``500``
(500, nothing applied), ``429`` (429 with ``Retry-After``, nothing applied), ``drop-after``
(applied, connection closed without an answer), ``error-after`` (applied, then 500 or
``status``), ``slow-after`` (applied, answer sent after ``delay_ms``). Every fired fault is
counted: ``FaultPlan.counts()`` by kind, and by kind and whether the call had committed a
change; the emulator also serves them at ``GET /api/_emulator/faults``.
"""

from __future__ import annotations

import fnmatch
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import Enum
from typing import TypedDict, TypeVar


class FaultKind(Enum):
    """What an injected fault does to one request."""

    NONE = "none"
    ERROR_BEFORE = "error-before"
    SERVER_ERROR = "500"
    TOO_MANY = "429"
    DROP_AFTER = "drop-after"
    ERROR_AFTER = "error-after"
    SLOW_AFTER = "slow-after"

    @property
    def after_commit(self) -> bool:
        """The controller applies the request before this fault acts."""
        return self in (FaultKind.DROP_AFTER, FaultKind.ERROR_AFTER, FaultKind.SLOW_AFTER)


Fault = FaultKind  # the name earlier callers import

_DEFAULT_STATUS = {FaultKind.SERVER_ERROR: 500, FaultKind.TOO_MANY: 429, FaultKind.ERROR_AFTER: 500}
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"})


class FaultSpecError(ValueError):
    """A ``--fault`` spec that cannot be read; the message names the part and what is valid."""


_T = TypeVar("_T")


class _RuleFields(TypedDict, total=False):
    """`FaultRule`'s fields as `FaultRule.parse` reads them from a spec, before the checks."""

    kind: FaultKind
    rate: float
    methods: frozenset[str]
    path: str
    status: int
    retry_after: float
    delay_ms: int


@dataclass(frozen=True)
class FaultRule:
    """One kind of fault at a rate, for the requests whose method and path match."""

    kind: FaultKind
    rate: float = 1.0
    methods: frozenset[str] = frozenset()  # empty: every method
    path: str = "/api/*"
    status: int | None = None
    retry_after: float = 1.0
    delay_ms: int = 0

    def __post_init__(self) -> None:
        if self.kind is FaultKind.NONE:
            raise FaultSpecError("fault kind: 'none' is not a fault")
        if not 0.0 <= self.rate <= 1.0:
            raise FaultSpecError(f"fault rate: {self.rate} is not between 0 and 1")
        unknown = set(self.methods) - _METHODS
        if unknown:
            raise FaultSpecError(
                f"fault method: {', '.join(sorted(unknown))} is not one of {', '.join(sorted(_METHODS))}"
            )
        if self.status is not None and not 400 <= self.status <= 599:
            raise FaultSpecError(f"fault status: {self.status} is not an error status (400-599)")
        if self.retry_after < 0 or self.delay_ms < 0:
            raise FaultSpecError("fault retry_after / delay_ms: must not be negative")

    @classmethod
    def parse(cls, spec: str) -> FaultRule:
        """``KIND[:RATE][,method=M|M][,path=GLOB][,status=N][,retry_after=S][,delay_ms=MS]``."""
        head, *options = [part.strip() for part in spec.split(",")]
        kind_text, _, rate_text = head.partition(":")
        kinds = {k.value: k for k in FaultKind if k is not FaultKind.NONE}
        if kind_text not in kinds:
            raise FaultSpecError(f"fault kind: {kind_text!r} is not one of {', '.join(kinds)}")
        values: _RuleFields = {"kind": kinds[kind_text]}
        if rate_text:
            values["rate"] = _number(rate_text, "rate", float)
        for option in options:
            key, sep, value = option.partition("=")
            if not sep:
                raise FaultSpecError(f"fault option: {option!r} is not key=value")
            if key == "method":
                values["methods"] = frozenset(m.upper() for m in value.split("|") if m)
            elif key == "path":
                values["path"] = value
            elif key == "status":
                values["status"] = _number(value, "status", int)
            elif key == "retry_after":
                values["retry_after"] = _number(value, "retry_after", float)
            elif key == "delay_ms":
                values["delay_ms"] = _number(value, "delay_ms", int)
            else:
                raise FaultSpecError(f"fault option: {key!r} is not one of method, path, status, retry_after, delay_ms")
        return cls(**values)

    def matches(self, method: str, path: str) -> bool:
        return (not self.methods or method in self.methods) and fnmatch.fnmatchcase(path, self.path)

    @property
    def label(self) -> str:
        methods = "|".join(sorted(self.methods)) or "*"
        return f"{self.kind.value} {methods} {self.path}"


def _number(text: str, what: str, kind: Callable[[str], _T]) -> _T:
    try:
        return kind(text)
    except ValueError:
        raise FaultSpecError(f"fault {what}: {text!r} is not a number") from None


@dataclass(frozen=True)
class Decision:
    """The fault chosen for one request (``kind`` NONE: none)."""

    kind: FaultKind
    status: int = 0
    retry_after: float = 0.0
    delay_ms: int = 0
    rule: FaultRule | None = None

    def __iter__(self) -> Iterator[FaultKind | int]:  # `fault, status = plan.decide(...)` as before
        return iter((self.kind, self.status))


NO_FAULT = Decision(FaultKind.NONE)


@dataclass
class FaultPlan:
    """Decides per API request whether to inject a fault, and counts what it injected."""

    rate: float = 0.0
    latency_ms: int = 0
    seed: int | None = None
    rules: Iterable[FaultRule] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        self.rules = tuple(self.rules)
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        # the --fail-rate kinds are always listed; a rule's kind from its first firing on
        self.injected: dict[FaultKind, int] = {FaultKind.ERROR_BEFORE: 0, FaultKind.DROP_AFTER: 0}
        self._committed: dict[FaultKind, int] = {k: 0 for k in FaultKind if k.after_commit}
        self._by_rule: dict[str, int] = {r.label: 0 for r in self.rules}

    def delay(self) -> None:
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000.0)

    def decide(self, method: str = "GET", path: str = "/api/") -> Decision:
        """The fault for one request (NO_FAULT most of the time)."""
        with self._lock:
            if self.rate > 0 and self._rng.random() < self.rate:
                kind = FaultKind.ERROR_BEFORE if self._rng.random() < 0.5 else FaultKind.DROP_AFTER
                self.injected[kind] += 1
                return Decision(kind, self._rng.choice((502, 503, 504)))
            for rule in self.rules:
                if not rule.matches(method, path) or self._rng.random() >= rule.rate:
                    continue
                self.injected[rule.kind] = self.injected.get(rule.kind, 0) + 1
                self._by_rule[rule.label] += 1
                status = rule.status or _DEFAULT_STATUS.get(rule.kind) or self._rng.choice((502, 503, 504))
                return Decision(rule.kind, status, rule.retry_after, rule.delay_ms, rule)
            return NO_FAULT

    @staticmethod
    def as_decision(value: Decision | tuple[FaultKind, int]) -> Decision:
        """A Decision from ``decide``'s answer, also from a ``(kind, status)`` pair that a test's
        stand-in for ``decide`` returns."""
        if isinstance(value, Decision):
            return value
        kind, status = value
        return Decision(kind, status)

    def record_commit(self, decision: Decision, committed: bool) -> None:
        """Note whether an after-commit fault hit a request that had changed something."""
        if committed and decision.kind.after_commit:
            with self._lock:
                self._committed[decision.kind] += 1

    def counts(self) -> dict[str, dict[str, int]]:
        """``{"injected": {kind: n}, "after_commit": {kind: n}, "rules": {label: n}}``."""
        with self._lock:
            return {
                "injected": {k.value: n for k, n in self.injected.items()},
                "after_commit": {k.value: n for k, n in self._committed.items()},
                "rules": dict(self._by_rule),
            }


__all__ = ["Decision", "Fault", "FaultKind", "FaultPlan", "FaultRule", "FaultSpecError", "NO_FAULT"]
