"""The time this invocation has left, for every outbound call.

API Gateway gives up after 29 s and answers a bare 504 while the function keeps working. So each
invocation has one deadline, set by the handler wrappers (`cockpit.api.Api`, `cockpit.tools.handlers`
for tools and internal commands) from `context.get_remaining_time_in_millis()` less `RESERVE_S` to
answer in, and every outbound call (Lambda Invoke, the model, partners, the CPO, map providers, the
payment processor) waits `budget(own cap)`: its own timeout, or less when the invocation has less
left. When too little is left the call is not made: `UpstreamTimeout` (504 problem) answers instead.

One deadline per process, not per thread: Lambda runs one invocation at a time in a container, and the
threads a handler starts (the assistant's parallel reads) must see it too.
"""

from __future__ import annotations

import time
from typing import Any

from cockpit.errors import UpstreamTimeout

RESERVE_S = 0.5  # kept back to answer (the problem document, the log line) before Lambda's own timeout
MIN_CALL_S = 1.0  # a call with less than this left would only time out: answer at once instead

_deadline: float | None = None


def start(context: Any) -> None:
    """Begin an invocation: its deadline from the Lambda context (none without one, e.g. in tests)."""
    global _deadline
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    _deadline = None if remaining_ms is None else time.monotonic() + remaining_ms() / 1000 - RESERVE_S


def remaining() -> float | None:
    """Seconds left before this invocation must answer (None: no deadline known)."""
    return None if _deadline is None else _deadline - time.monotonic()


def budget(cap_s: float, what: str) -> float:
    """Seconds an outbound call may take: `cap_s`, or what the invocation has left when that is less.
    Raises UpstreamTimeout, naming `what`, when less than MIN_CALL_S is left."""
    left = remaining()
    if left is None:
        return cap_s
    if left < MIN_CALL_S:
        raise UpstreamTimeout(f"{what}: no time left in this request to call it")
    return min(cap_s, left)
