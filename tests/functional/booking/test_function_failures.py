"""When the booking function itself fails the router (times out, crashes, answers malformed data), the
car gets 504 / 502 problem documents and nothing is written: no reservation, no Idempotency-Key."""

from __future__ import annotations

from typing import Any

import pytest

import booking.handler
from cockpit_dev.template import Template
from router.handler import lambda_handler as router
from tests.support import events as ev
from tests.support.aws import snapshot

HERE = {"lat": 31.2304, "lon": 121.4737}
# What Lambda reports when a function runs past its timeout (the in-process Invoke names the error type)
Timedout = type("Sandbox.Timedout", (Exception,), {})


def timed_out(_event: Any, _context: Any) -> Any:
    raise Timedout("Task timed out after 10.00 seconds")


def crashed(_event: Any, _context: Any) -> Any:
    raise MemoryError


def malformed(_event: Any, _context: Any) -> Any:
    return {"status": "booked, probably"}


def breaks_the_schema(_event: Any, _context: Any) -> Any:
    return {"status": "succeeded", "result": {"reservation": 1, "slots": "none"}}


def free_then_timed_out(event: Any, _context: Any) -> Any:
    """Answers the preview (no confirmation needed), then times out executing: the key is released."""
    if event.get("phase") == "preview":
        return {"status": "succeeded", "result": {"confirmation_required": False}}
    raise Timedout("Task timed out after 10.00 seconds")


CASES = {
    "timed out executing after a free preview": (free_then_timed_out, 504, "upstream-timeout"),
    "timed out": (timed_out, 504, "upstream-timeout"),
    "crashed": (crashed, 502, "upstream-bad-response"),
    "malformed answer": (malformed, 502, "upstream-bad-response"),
    "a result that breaks the schema": (breaks_the_schema, 502, "upstream-bad-response"),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_a_failing_booking_function_is_a_problem_and_writes_nothing(
    gateway: Template, monkeypatch: pytest.MonkeyPatch, case: str
) -> None:
    fake, status, slug = CASES[case]
    monkeypatch.setattr(booking.handler, "lambda_handler", fake)
    before = snapshot(gateway)
    create = ev.invoke("booking_create_reservation", {"slot_id": "SHA-R01.20261201T1900"}, key="fail-1")
    ev.is_problem(router(create, None), status, slug)
    search = ev.invoke("booking_search_availability", {"kind": "parking", "location": HERE})
    ev.is_problem(router(search, None), status, slug)
    assert snapshot(gateway) == before
    # the key was not kept: the same call again reaches the function again (and fails the same way)
    ev.is_problem(router(create, None), status, slug)
