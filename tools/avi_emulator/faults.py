"""Injected faults: latency, 5xx answers before a change, dropped connections after one."""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from enum import Enum


class Fault(Enum):
    """What happens to one request."""

    NONE = "none"
    ERROR_BEFORE = "error-before"  # answer 502/503/504, change not applied
    DROP_AFTER = "drop-after"      # apply the change, then close the socket without answering


@dataclass
class FaultPlan:
    """Decides per API request whether to inject a fault; ``rate`` is the probability of one."""

    rate: float = 0.0
    latency_ms: int = 0
    seed: int | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self.injected: dict[Fault, int] = {Fault.ERROR_BEFORE: 0, Fault.DROP_AFTER: 0}

    def delay(self) -> None:
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000.0)

    def decide(self) -> tuple[Fault, int]:
        with self._lock:
            if self.rate <= 0 or self._rng.random() >= self.rate:
                return Fault.NONE, 0
            fault = Fault.ERROR_BEFORE if self._rng.random() < 0.5 else Fault.DROP_AFTER
            self.injected[fault] += 1
            return fault, self._rng.choice((502, 503, 504))
