"""Per-container resilience for partner calls: a circuit breaker per partner and jittered retries."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({502, 503, 504})


@dataclass
class _State:
    failures: int = 0
    opened_at: float | None = None
    probing: bool = False


class CircuitBreaker:
    """Opens after `threshold` consecutive failures of one partner; after `cool_down_s` one call is let
    through (half-open): its success closes the breaker, its failure opens it again."""

    def __init__(
        self, *, threshold: int = 5, cool_down_s: float = 30.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.threshold = threshold
        self.cool_down_s = cool_down_s
        self._clock = clock
        self._states: dict[str, _State] = {}

    def allow(self, key: str) -> bool:
        state = self._states.get(key)
        if state is None or state.opened_at is None:
            return True
        if state.probing or self._clock() - state.opened_at < self.cool_down_s:
            return False
        state.probing = True  # half-open: this call is the probe
        return True

    def retry_after(self, key: str) -> int:
        state = self._states.get(key)
        if state is None or state.opened_at is None:
            return 0
        return max(1, int(self.cool_down_s - (self._clock() - state.opened_at) + 0.999))

    def succeeded(self, key: str) -> None:
        self._states.pop(key, None)

    def failed(self, key: str) -> None:
        state = self._states.setdefault(key, _State())
        state.failures += 1
        if state.probing or state.failures >= self.threshold:
            state.opened_at = self._clock()
        state.probing = False

    def release(self, key: str) -> None:
        """The call ended without telling anything about the partner: a half-open probe may go again."""
        state = self._states.get(key)
        if state is not None:
            state.probing = False

    def is_open(self, key: str) -> bool:
        state = self._states.get(key)
        return state is not None and state.opened_at is not None


@dataclass(frozen=True)
class RetryPolicy:
    """Up to `attempts` tries for idempotent methods, full-jitter exponential backoff, within a deadline."""

    attempts: int = 3
    base_s: float = 0.1
    cap_s: float = 1.0

    def may_retry(self, method: str) -> bool:
        return method.upper() in IDEMPOTENT_METHODS

    def backoff(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        return rng() * min(self.cap_s, self.base_s * 2.0 ** (attempt - 1))
