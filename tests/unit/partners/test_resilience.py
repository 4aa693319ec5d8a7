"""Circuit breaker per partner and the retry policy."""

from __future__ import annotations

from cockpit.partners.resilience import CircuitBreaker, RetryPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_consecutive_failures_and_half_opens_after_the_cool_down() -> None:
    clock = Clock()
    breaker = CircuitBreaker(threshold=3, cool_down_s=30, clock=clock)
    for _ in range(2):
        assert breaker.allow("acme")
        breaker.failed("acme")
    breaker.succeeded("acme")  # a success resets the count
    for _ in range(3):
        assert breaker.allow("acme")
        breaker.failed("acme")
    assert breaker.is_open("acme") and not breaker.allow("acme") and breaker.allow("other-partner")
    assert breaker.retry_after("acme") == 30
    clock.now += 30
    assert breaker.allow("acme")  # the probe
    assert not breaker.allow("acme")  # only one probe at a time
    breaker.failed("acme")  # the probe failed: open again for a full cool-down
    assert not breaker.allow("acme")
    clock.now += 30
    assert breaker.allow("acme")
    breaker.succeeded("acme")
    assert not breaker.is_open("acme") and breaker.allow("acme") and breaker.retry_after("acme") == 0


def test_retries_only_for_idempotent_methods_with_bounded_jitter() -> None:
    policy = RetryPolicy(attempts=3, base_s=0.1, cap_s=0.3)
    assert all(policy.may_retry(m) for m in ("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "get"))
    assert not any(policy.may_retry(m) for m in ("POST", "PATCH"))
    assert policy.backoff(1, rng=lambda: 1.0) == 0.1
    assert policy.backoff(2, rng=lambda: 1.0) == 0.2
    assert policy.backoff(5, rng=lambda: 1.0) == 0.3  # capped
    assert policy.backoff(3, rng=lambda: 0.0) == 0.0  # full jitter reaches zero
