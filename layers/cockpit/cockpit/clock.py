"""The time, in one place (services take a clock so that tests can move it)."""

from __future__ import annotations

from datetime import UTC, datetime

# How long after a token's `exp` it is still accepted (clock skew), by the verifier and by every check
# of a cached authorization alike.
TOKEN_LEEWAY_SECONDS = 30


def utcnow() -> datetime:
    return datetime.now(UTC)
