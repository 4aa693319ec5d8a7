"""Booking: its own search handler warm (used by the router's table), and DynamoDB calls per function
while the router calls booking and booking calls payments (all served in process)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from typing import Any

from bench.harness import (
    CONTEXT,
    FIND_STATIONS,
    Rounds,
    Table,
    ZeroCostDynamo,
    in_process_aws,
    ok,
    quiet,
    raw_call,
    router_call,
    signed_in,
)

EMPTY_QUERY = b'{"Items": [], "Count": 0, "ScannedCount": 0}'
SEARCH = {"kind": "restaurant", "location": FIND_STATIONS["location"], "party_size": 2}


@contextlib.contextmanager
def search_call() -> Iterator[Callable[[], Any]]:
    """A warm call of the booking function's handler (booking_search_availability, restaurants near
    People's Square), its DynamoDB queries answered in process at zero cost (no counters yet). The caller
    sets the booking function's environment (`function_env("BookingFunction")`)."""
    from booking.handler import lambda_handler
    from cockpit import aws
    from tests.support import events

    event = json.loads(json.dumps(events.sample("booking/search_availability.json")))
    event.update(tool="booking_search_availability", vehicle=None, arguments=SEARCH)
    with quiet():
        answered = ZeroCostDynamo(aws.client("dynamodb"), "Query", EMPTY_QUERY)
        try:
            yield lambda: lambda_handler(event, CONTEXT)
        finally:
            answered.close()


def raw_with_queries() -> Callable[[], Any]:
    """The raw handler plus the two DynamoDB Query calls a booking search makes (inside `search_call`
    they are answered in process at zero cost): what boto3 alone costs."""
    from cockpit import aws

    raw = raw_call()
    request = {"TableName": "bench-booking", "KeyConditionExpression": "pk = :pk", "ConsistentRead": True}

    def call() -> Any:
        client = aws.client("dynamodb")
        for day in ("2026-12-01", "2026-12-02"):
            client.query(**request, ExpressionAttributeValues={":pk": {"S": f"INV#SHA#R#{day}"}})
        return raw()

    return call


def tables(_rounds: Rounds) -> Iterator[Table]:
    from tests.support import events

    rows: list[tuple[str, str]] = []
    with in_process_aws("RouterFunction", "BookingFunction", "PaymentsFunction") as (_, aws_calls):

        def measure(label: str, tool: str, arguments: dict[str, Any], **kw: Any) -> dict[str, Any]:
            call = router_call(signed_in(events.invoke(tool, arguments, **kw)))
            answer, detail = aws_calls.measure("router", call, ("router", "booking", "payments"))
            rows.append((label, detail))
            return ok(answer)

        here = {**SEARCH, "limit": 50}
        slots = measure("booking_search_availability (read)", "booking_search_availability", here)
        free = next(s for s in slots["result"]["slots"] if not s["requires_confirmation"])
        made = measure(
            "booking_create_reservation, free (no confirmation)",
            "booking_create_reservation",
            {"slot_id": free["slot_id"], "party_size": 2},
            key="bk1",
        )
        parking = {"kind": "parking", "location": FIND_STATIONS["location"], "limit": 50}
        lots = measure("booking_search_availability (parking)", "booking_search_availability", parking)
        prepaid_slot = next(s for s in lots["result"]["slots"] if s["requires_prepayment"])
        paid = {"slot_id": prepaid_slot["slot_id"], "payment_method_id": "pm_card_visa"}
        asked = measure(
            "booking_create_reservation, prepaid: ask confirmation",
            "booking_create_reservation",
            paid,
            key="bk3",
        )
        token = {"confirmation_token": asked["confirmation"]["token"]}
        prepaid = measure(
            "booking_create_reservation, prepaid: confirmed (hold + capture)",
            "booking_create_reservation",
            paid,
            key="bk3",
            body=token,
        )
        measure("booking_list_reservations", "booking_list_reservations", {})
        measure(
            "booking_cancel_reservation",
            "booking_cancel_reservation",
            {"reservation_id": made["result"]["reservation"]["id"]},
            key="bk2",
        )
        measure(
            "booking_cancel_reservation, prepaid (refund)",
            "booking_cancel_reservation",
            {"reservation_id": prepaid["result"]["reservation"]["id"]},
            key="bk4",
        )
    yield Table(
        "DynamoDB calls per invoke: booking (router → booking → payments)",
        ("call", "DynamoDB calls"),
        rows,
        formats=("",),
    )
