"""A total deadline for everything one partner exchange reads and writes, headers and body alike.

httpx's timeouts bound each socket operation, not the exchange: a server dripping a byte every few
seconds never trips a 5 s read timeout and holds the caller as long as it likes. Inside `within(s)`,
every connect, read and write on a partner socket (cockpit.partners.transport) gets at most the time
left, and none once it is gone, so the exchange ends within `s` (plus one scheduling slice) whatever
the server does. Real time (`time.monotonic`): socket timeouts are real.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_DEADLINE: ContextVar[float | None] = ContextVar("cockpit_partner_deadline", default=None)


@contextmanager
def within(seconds: float) -> Iterator[None]:
    """Everything sent and read in this block ends within `seconds` (an outer, earlier deadline holds)."""
    end = time.monotonic() + max(seconds, 0.0)
    outer = _DEADLINE.get()
    token = _DEADLINE.set(end if outer is None else min(end, outer))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def clamp(timeout: float | None) -> float | None:
    """The socket timeout to use now: `timeout`, cut to the time left; 0.0 when none is left."""
    end = _DEADLINE.get()
    if end is None:
        return timeout
    left = max(end - time.monotonic(), 0.0)
    return left if timeout is None else min(timeout, left)
