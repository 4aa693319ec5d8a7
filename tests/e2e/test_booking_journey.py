"""Booking as the car does it, over HTTP with real RS256 tokens: search → book (asked first when prepaid,
paid by card) → list → cancel (refunded), through the authorizer, the router and Lambda Invoke to the
booking function, and from booking over Lambda Invoke to the payments function."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import httpx

PEOPLES_SQUARE = {"lat": 31.2304, "lon": 121.4737}
TokenFactory = Callable[..., str]


def invoke(
    http: httpx.Client, token: str, tool: str, arguments: dict[str, Any], key: str | None = None, **body: Any
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} | ({"Idempotency-Key": key} if key else {})
    return http.post(f"/v1/tools/{tool}/invoke", json={"arguments": arguments, **body}, headers=headers)


def succeeded(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    doc: dict[str, Any] = response.json()
    assert doc["status"] == "succeeded", doc
    return doc["result"]  # type: ignore[no-any-return]


def problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    doc: dict[str, Any] = response.json()
    assert doc["status"] == status and doc["title"] and doc["detail"]
    return doc


def test_prepaid_parking_is_asked_booked_listed_cancelled(http: httpx.Client, token: TokenFactory) -> None:
    car = token("vehicle", f"vin-e2e-{uuid.uuid4().hex[:8]}")
    catalog = http.get("/v1/tools", headers={"Authorization": f"Bearer {car}"}).json()
    names = [t["name"] for t in catalog["tools"]]
    assert {"booking_search_availability", "booking_create_reservation"} <= set(names)

    found = succeeded(
        invoke(
            http,
            car,
            "booking_search_availability",
            {"kind": "parking", "location": PEOPLES_SQUARE, "radius_km": 10, "limit": 50},
        )
    )
    slot = next(s for s in found["slots"] if s["requires_prepayment"])
    args = {"slot_id": slot["slot_id"], "payment_method_id": "pm_card_visa"}
    key = str(uuid.uuid4())

    asked = invoke(http, car, "booking_create_reservation", args, key=key)
    assert asked.status_code == 200 and asked.json()["status"] == "confirmation_required", asked.text
    confirmation = asked.json()["confirmation"]
    assert slot["venue"]["name"] in confirmation["summary"]
    assert (
        f"¥{slot['price']['amount'] / 100:.2f}, charged to your Visa ending 4242" in confirmation["summary"]
    )
    assert succeeded(invoke(http, car, "booking_list_reservations", {}))["reservations"] == []

    booked = succeeded(
        invoke(
            http, car, "booking_create_reservation", args, key=key, confirmation_token=confirmation["token"]
        )
    )["reservation"]
    assert booked["status"] == "confirmed" and booked["payment"]["status"] == "captured"
    assert booked["payment"]["amount"] == slot["price"]
    paid = succeeded(invoke(http, car, "payments_get_payment", {"payment_id": booked["payment"]["id"]}))
    assert paid["payment"]["captured"] == slot["price"] and paid["payment"]["merchant"] == "booking"
    token_ = confirmation["token"]
    again = invoke(http, car, "booking_create_reservation", args, key=key, confirmation_token=token_)
    assert succeeded(again)["reservation"]["id"] == booked["id"]  # replayed, not booked twice

    listed = succeeded(invoke(http, car, "booking_list_reservations", {}))["reservations"]
    assert [r["id"] for r in listed] == [booked["id"]]

    intruder = token("vehicle", f"vin-e2e-{uuid.uuid4().hex[:8]}")
    problem(
        invoke(
            http,
            intruder,
            "booking_cancel_reservation",
            {"reservation_id": booked["id"]},
            key=str(uuid.uuid4()),
        ),
        404,
    )

    cancelled = succeeded(
        invoke(
            http, car, "booking_cancel_reservation", {"reservation_id": booked["id"]}, key=str(uuid.uuid4())
        )
    )["reservation"]
    assert cancelled["status"] == "cancelled"
    assert cancelled["payment"]["status"] == "refunded" and cancelled["payment"]["refunded"] == slot["price"]
    problem(
        invoke(
            http, car, "booking_cancel_reservation", {"reservation_id": booked["id"]}, key=str(uuid.uuid4())
        ),
        409,
    )
    refunded = succeeded(invoke(http, car, "payments_get_payment", {"payment_id": booked["payment"]["id"]}))
    assert refunded["payment"]["refunded"] == slot["price"]  # once, the second cancel refunded nothing


def test_a_free_table_is_booked_at_once(http: httpx.Client, token: TokenFactory) -> None:
    car = token("vehicle", f"vin-e2e-{uuid.uuid4().hex[:8]}")
    found = succeeded(
        invoke(
            http,
            car,
            "booking_search_availability",
            {"kind": "restaurant", "location": PEOPLES_SQUARE, "party_size": 2, "limit": 50},
        )
    )
    slot = next(s for s in found["slots"] if not s["requires_confirmation"])
    booked = succeeded(
        invoke(
            http,
            car,
            "booking_create_reservation",
            {"slot_id": slot["slot_id"], "party_size": 2},
            key=str(uuid.uuid4()),
        )
    )["reservation"]
    assert booked["status"] == "confirmed" and booked["payment"] == {"status": "not_required"}


def test_bad_booking_input_over_http(http: httpx.Client, token: TokenFactory) -> None:
    car = token("vehicle", f"vin-e2e-{uuid.uuid4().hex[:8]}")
    doc = problem(
        invoke(
            http,
            car,
            "booking_search_availability",
            {
                "kind": "restaurant",
                "location": PEOPLES_SQUARE,
                "start": "2030-01-02T10:00:00Z",
                "end": "2030-01-01T10:00:00Z",
            },
        ),
        422,
    )
    assert doc["errors"][0]["pointer"] == "/arguments/end"
    doc = problem(
        invoke(
            http,
            car,
            "booking_search_availability",
            {"kind": "restaurant", "location": PEOPLES_SQUARE, "party_size": 1000},
        ),
        422,
    )
    assert doc["errors"][0]["pointer"] == "/arguments/party_size"
    assert succeeded(invoke(http, car, "booking_list_reservations", {}))["reservations"] == []
