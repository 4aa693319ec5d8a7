"""The booking tools through the router (validation, policy, idempotency, confirmation), the booking
function behind real Lambda Invoke payloads (served in-process) and DynamoDB from moto. Every refusal is
a problem document and writes nothing."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from booking.handler import lambda_handler as booking
from cockpit_dev.template import Template
from router.handler import lambda_handler as router
from tests.support import events as ev
from tests.support.aws import snapshot

HERE = {"lat": 31.2304, "lon": 121.4737}  # People's Square
MUNICH = {"lat": 48.1374, "lon": 11.5755}


def call(tool: str, arguments: Any, **kw: Any) -> dict[str, Any]:
    return router(ev.invoke(tool, arguments, **kw), None)


def ok(response: dict[str, Any]) -> dict[str, Any]:
    assert response["statusCode"] == 200, response
    doc = ev.body(response)
    assert doc["status"] == "succeeded", doc
    return doc["result"]  # type: ignore[no-any-return]


def search(kind: str, **args: Any) -> list[dict[str, Any]]:
    return ok(call("booking_search_availability", {"kind": kind, "location": HERE, **args}))["slots"]  # type: ignore[no-any-return]


def free_slot(kind: str = "restaurant", **args: Any) -> dict[str, Any]:
    return next(s for s in search(kind, limit=50, **args) if not s["requires_confirmation"])


def remaining(slot_id: str, kind: str = "restaurant") -> int:
    venue = slot_id.split(".")[0]
    start = datetime.strptime(slot_id.split(".")[1], "%Y%m%dT%H%M")
    window = {
        "start": (start - timedelta(hours=9)).isoformat() + "+00:00",
        "end": (start + timedelta(hours=1)).isoformat() + "+00:00",
    }
    slots = ok(call("booking_search_availability", {"kind": kind, "venue_id": venue, **window, "limit": 50}))[
        "slots"
    ]
    found = [s["remaining"] for s in slots if s["slot_id"] == slot_id]
    return found[0] if found else 0


@pytest.fixture
def unchanged(gateway: Template) -> Any:
    """Asserts at the end of the test that no table changed."""
    before = snapshot(gateway)
    yield
    assert snapshot(gateway) == before


# -- search -----------------------------------------------------------------------------------------


def test_search_restaurants_near_peoples_square(gateway: Template) -> None:
    slots = search("restaurant", party_size=4, radius_km=5, limit=20)
    assert 5 <= len(slots) <= 20
    now = datetime.now(UTC)
    starts = [datetime.fromisoformat(s["start"]) for s in slots]
    assert starts == sorted(starts) and all(now < t <= now + timedelta(hours=24) for t in starts)
    for s in slots:
        assert s["venue"]["kind"] == "restaurant" and s["venue"]["distance_km"] <= 5
        assert s["remaining"] >= 4 and s["price"]["currency"] == "CNY"
        assert s["requires_confirmation"] == (s["requires_prepayment"] or "cancellation_fee" in s)


def test_search_one_venue_in_munich_over_two_days(gateway: Template) -> None:
    start = datetime.now(UTC) + timedelta(days=1)
    args = {
        "kind": "parking",
        "venue_id": "MUC-P01",
        "start": start.isoformat(),
        "end": (start + timedelta(days=2)).isoformat(),
        "limit": 50,
    }
    slots = ok(call("booking_search_availability", args))["slots"]
    assert {s["venue"]["id"] for s in slots} == {"MUC-P01"} and len(slots) >= 12
    assert all(s["price"]["currency"] == "EUR" and s["price"]["amount"] > 0 for s in slots)
    assert "+01:00" in slots[0]["start"] or "+02:00" in slots[0]["start"]


def test_service_appointment_from_explicit_items(gateway: Template) -> None:
    out = ok(
        call(
            "booking_search_availability",
            {
                "kind": "service_appointment",
                "location": HERE,
                "service_items": ["hv_battery", "Tires"],
                "radius_km": 30,
                "start": datetime.now(UTC).isoformat(),
                "end": (datetime.now(UTC) + timedelta(days=3)).isoformat(),
            },
        )
    )
    assert out["service_items"] == ["hv_battery", "tyres"]
    assert out["slots"]
    for s in out["slots"]:
        assert {"hv_battery", "tyres"} <= set(s["venue"]["services"])


def test_service_appointment_from_the_vehicles_reported_needs(gateway: Template) -> None:
    """The 'Car Genius' case: the session's vehicle context says what is due; the sample event carries it."""
    event = json.loads(json.dumps(ev.sample("booking/search_availability.json")))
    event["arguments"]["end"] = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    out = booking(event, None)
    assert out["status"] == "succeeded", out
    result = out["result"]
    assert result["service_items"] == ["oil_change", "brakes", "diagnostics", "hv_battery"]
    assert result["slots"] and all(
        {"oil_change", "brakes", "diagnostics", "hv_battery"} <= set(s["venue"]["services"])
        for s in result["slots"]
    )


def test_service_appointment_reports_needs_it_cannot_match(gateway: Template) -> None:
    out = ok(
        call(
            "booking_search_availability",
            {"kind": "service_appointment", "location": HERE, "service_items": ["oil", "flux capacitor"]},
        )
    )
    assert out["service_items"] == ["oil_change"] and out["unknown_needs"] == ["flux capacitor"]


# -- create, list, cancel ---------------------------------------------------------------------------


def test_a_free_booking_is_made_at_once_and_takes_its_covers(gateway: Template) -> None:
    slot = free_slot(party_size=3)
    before = slot["remaining"]
    out = call(
        "booking_create_reservation",
        {"slot_id": slot["slot_id"], "party_size": 3, "name": "Li"},
        key="free-1",
    )
    reservation = ok(out)["reservation"]
    assert reservation["status"] == "confirmed" and reservation["slot_id"] == slot["slot_id"]
    assert reservation["id"].startswith("rs_") and reservation["payment"] == {"status": "not_required"}
    assert reservation["venue"]["id"] == slot["venue"]["id"] and reservation["name"] == "Li"
    assert remaining(slot["slot_id"]) == before - 3
    listed = ok(call("booking_list_reservations", {}))["reservations"]
    assert [r["id"] for r in listed] == [reservation["id"]]
    assert ok(call("booking_list_reservations", {}, sub="vin-someone-else"))["reservations"] == []


def test_the_same_idempotency_key_books_once(gateway: Template) -> None:
    slot = free_slot(party_size=2)
    first = call("booking_create_reservation", {"slot_id": slot["slot_id"], "party_size": 2}, key="same-1")
    again = call("booking_create_reservation", {"slot_id": slot["slot_id"], "party_size": 2}, key="same-1")
    assert ev.body(again) == ev.body(first)
    assert remaining(slot["slot_id"]) == slot["remaining"] - 2
    other = call("booking_create_reservation", {"slot_id": slot["slot_id"], "party_size": 3}, key="same-1")
    ev.is_problem(other, 409, "idempotency-conflict")


def test_a_duplicated_lambda_invocation_finds_its_own_reservation(gateway: Template) -> None:
    slot = free_slot(party_size=2)
    event = json.loads(json.dumps(ev.sample("booking/create_reservation.json")))
    event["arguments"] = {"slot_id": slot["slot_id"], "party_size": 2}
    first, second = booking(event, None), booking(event, None)
    assert first["status"] == second["status"] == "succeeded"
    assert first["result"]["reservation"]["id"] == second["result"]["reservation"]["id"]
    assert remaining(slot["slot_id"]) == slot["remaining"] - 2


def test_a_prepaid_hotel_night_asks_first_then_books_and_pays(gateway: Template) -> None:
    night = next(s for s in search("hotel", limit=50) if s["requires_prepayment"])
    args = {"slot_id": night["slot_id"], "party_size": 2, "payment_method_id": "pm_card_visa"}
    asked = ev.body(call("booking_create_reservation", args, key="hotel-1"))
    assert asked["status"] == "confirmation_required"
    assert (
        night["venue"]["name"] in asked["confirmation"]["summary"]
        and "prepaid" in asked["confirmation"]["summary"]
    )
    assert ok(call("booking_list_reservations", {}))["reservations"] == []  # nothing happened yet
    done = ok(
        call(
            "booking_create_reservation",
            args,
            key="hotel-1",
            body={"confirmation_token": asked["confirmation"]["token"]},
        )
    )
    r = done["reservation"]
    assert r["status"] == "confirmed" and r["requires_prepayment"] is True
    assert r["payment"]["status"] == "captured" and r["payment"]["id"].startswith("pay_")
    assert {k: r["payment"][k] for k in ("method_id", "amount")} == {
        "method_id": "pm_card_visa",
        "amount": night["price"],
    }
    assert r["cancellation_fee"] == night["price"]


def test_a_hotel_stay_of_several_nights_is_searched_booked_and_cancelled_as_one(gateway: Template) -> None:
    """`nights` end to end: the search offers stays (a room free every night, the nights' prices added, the
    check-out after the last night); booking one holds a room on each night and prepays the whole stay;
    cancelling gives every night back."""
    one = {s["slot_id"]: s for s in search("hotel", limit=50)}
    stays = search("hotel", nights=2, limit=50)
    assert stays and all(s["nights"] == 2 for s in stays)
    # prepaid, within the per-payment limit (¥2,000: a longer stay is refused with payment-limit-exceeded)
    stay = next(s for s in stays if s["requires_prepayment"] and s["price"]["amount"] <= 200_000)
    start, end = datetime.fromisoformat(stay["start"]), datetime.fromisoformat(stay["end"])
    assert end - start == timedelta(days=1, hours=20)  # in 15:00, two nights, out 11:00
    first_night = one.get(stay["slot_id"])
    if first_night is not None:
        assert stay["price"]["amount"] == 2 * first_night["price"]["amount"] and first_night["nights"] == 1
    venue, day = stay["slot_id"].split(".")
    nights = [
        f"{venue}.{(datetime.strptime(day, '%Y%m%dT%H%M') + timedelta(days=k)):%Y%m%dT%H%M}" for k in range(2)
    ]
    before = [remaining(n, "hotel") for n in nights]
    args = {"slot_id": stay["slot_id"], "nights": 2, "payment_method_id": "pm_card_visa"}
    asked = ev.body(
        call("booking_create_reservation", args, key="stay-1", headers={"Accept-Language": "zh-CN"})
    )
    summary = asked["confirmation"]["summary"]
    assert "共2晚" in summary and stay["venue"]["name"] not in summary  # the Chinese name, not the English
    token = asked["confirmation"]["token"]
    made = ok(call("booking_create_reservation", args, key="stay-1", body={"confirmation_token": token}))
    r = made["reservation"]
    assert r["nights"] == 2 and r["end"] == stay["end"] and r["payment"]["amount"] == stay["price"]
    assert [remaining(n, "hotel") for n in nights] == [b - 1 for b in before]
    listed = ok(call("booking_list_reservations", {}))["reservations"]
    assert [x["nights"] for x in listed] == [2]
    ok(call("booking_cancel_reservation", {"reservation_id": r["id"]}, key="stay-2"))
    assert [remaining(n, "hotel") for n in nights] == before


def _book_confirmed(args: dict[str, Any], who: str) -> None:
    got = call("booking_create_reservation", args, key=who, sub=f"vin-{who}")
    body = ev.body(got)
    if body.get("status") == "confirmation_required":
        token = {"confirmation_token": body["confirmation"]["token"]}
        got = call("booking_create_reservation", args, key=who, sub=f"vin-{who}", body=token)
    assert got["statusCode"] == 200, got


def test_a_stay_with_one_full_night_holds_nothing(gateway: Template) -> None:
    """A stay is all its nights or none: if a later night is full, the nights already held go back."""
    stay = next(s for s in search("hotel", nights=2, limit=50) if s["price"]["amount"] <= 200_000)
    venue, day = stay["slot_id"].split(".")
    second = f"{venue}.{(datetime.strptime(day, '%Y%m%dT%H%M') + timedelta(days=1)):%Y%m%dT%H%M}"
    taken = 0
    while remaining(second, "hotel") > 0:  # other drivers fill the second night
        _book_confirmed({"slot_id": second, "payment_method_id": "pm_card_visa"}, f"fill-{taken}")
        taken += 1
    first_before = remaining(stay["slot_id"], "hotel")
    assert stay["slot_id"] not in {s["slot_id"] for s in search("hotel", nights=2, limit=50)}
    args = {"slot_id": stay["slot_id"], "nights": 2, "payment_method_id": "pm_card_visa"}
    asked = ev.body(call("booking_create_reservation", args, key="full-1"))
    assert asked["status"] == "confirmation_required", asked
    out = call("booking_create_reservation", args, key="full-1",
               body={"confirmation_token": asked["confirmation"]["token"]})  # fmt: skip
    assert out["statusCode"] == 409, out
    assert remaining(stay["slot_id"], "hotel") == first_before
    assert ok(call("booking_list_reservations", {}))["reservations"] == []


def test_a_booking_with_a_no_show_fee_asks_first_in_chinese(gateway: Template) -> None:
    slot = next(
        s
        for s in search("restaurant", limit=50, radius_km=10)
        if "cancellation_fee" in s and not s["requires_prepayment"]
    )
    asked = ev.body(
        call(
            "booking_create_reservation",
            {"slot_id": slot["slot_id"]},
            key="fee-1",
            headers={"Accept-Language": "zh-CN"},
        )
    )
    assert asked["status"] == "confirmation_required" and "确认预订吗" in asked["confirmation"]["summary"]


def test_cancel_frees_the_slot_once_and_a_second_cancel_is_409(gateway: Template) -> None:
    slot = free_slot(party_size=2)
    r = ok(call("booking_create_reservation", {"slot_id": slot["slot_id"], "party_size": 2}, key="c-1"))[
        "reservation"
    ]
    out = ok(call("booking_cancel_reservation", {"reservation_id": r["id"]}, key="c-2"))["reservation"]
    assert out["status"] == "cancelled" and out["cancelled_at"] and "cancellation_fee_due" not in out
    assert remaining(slot["slot_id"]) == slot["remaining"]
    before = snapshot(gateway)
    again = call("booking_cancel_reservation", {"reservation_id": r["id"]}, key="c-3")
    assert "already cancelled" in ev.is_problem(again, 409)["detail"]
    assert snapshot(gateway) == before and remaining(slot["slot_id"]) == slot["remaining"]
    assert ok(call("booking_list_reservations", {}))["reservations"][0]["status"] == "cancelled"


def test_cancelling_someone_elses_reservation_is_404_and_changes_nothing(gateway: Template) -> None:
    slot = free_slot()
    r = ok(call("booking_create_reservation", {"slot_id": slot["slot_id"]}, key="o-1"))["reservation"]
    before = snapshot(gateway)
    out = call("booking_cancel_reservation", {"reservation_id": r["id"]}, key="o-2", sub="vin-intruder")
    assert ev.is_problem(out, 404, "not-found")["detail"] == "reservation not found"
    assert snapshot(gateway) == before


def test_the_last_unit_goes_to_one_booking_then_409(gateway: Template) -> None:
    slot = next(
        s
        for s in search("service_appointment", service_items=["diagnostics"], limit=50)
        if s["remaining"] == 1
    )
    ok(call("booking_create_reservation", {"slot_id": slot["slot_id"]}, key="last-1"))
    before = snapshot(gateway)
    out = call("booking_create_reservation", {"slot_id": slot["slot_id"]}, key="last-2", sub="vin-late")
    assert "no room left" in ev.is_problem(out, 409, "unavailable")["detail"]
    assert snapshot(gateway) == before


# -- bad input: each its own problem, nothing written -----------------------------------------------


def _window(start: datetime, end: datetime) -> dict[str, Any]:
    return {"kind": "restaurant", "location": HERE, "start": start.isoformat(), "end": end.isoformat()}


NOW = datetime.now(UTC)
BAD_SEARCHES = {
    "window ends before it starts": (
        _window(NOW + timedelta(hours=5), NOW + timedelta(hours=2)),
        422,
        "/arguments/end",
    ),
    "window in the past": (_window(NOW - timedelta(days=2), NOW - timedelta(days=1)), 422, "/arguments/end"),
    "only an end, in the past": (
        {"kind": "hotel", "location": HERE, "end": (NOW - timedelta(hours=1)).isoformat()},
        422,
        "/arguments/end",
    ),
    "window longer than a week": (_window(NOW, NOW + timedelta(days=9)), 422, "/arguments/end"),
    "window beyond the horizon": (
        _window(NOW + timedelta(days=40), NOW + timedelta(days=41)),
        422,
        "/arguments/start",
    ),
    "party size 0": ({"kind": "restaurant", "location": HERE, "party_size": 0}, 422, "/arguments/party_size"),
    "party size 1000": (
        {"kind": "restaurant", "location": HERE, "party_size": 1000},
        422,
        "/arguments/party_size",
    ),
    "unknown kind": ({"kind": "spa", "location": HERE}, 422, "/arguments/kind"),
    "time without offset": (
        {"kind": "hotel", "location": HERE, "start": "2026-12-01T10:00:00"},
        422,
        "/arguments/start",
    ),
    "no place at all": ({"kind": "parking"}, 422, "/arguments/location"),
    "service needs unknown": (
        {"kind": "service_appointment", "location": HERE},
        422,
        "/arguments/service_items",
    ),
    "needs that match nothing": (
        {"kind": "service_appointment", "location": HERE, "service_items": ["teleporter"]},
        422,
        "/arguments/service_items",
    ),
    "nights 0": ({"kind": "hotel", "location": HERE, "nights": 0}, 422, "/arguments/nights"),
    "nights negative": ({"kind": "hotel", "location": HERE, "nights": -2}, 422, "/arguments/nights"),
    "nights 31": ({"kind": "hotel", "location": HERE, "nights": 31}, 422, "/arguments/nights"),
    "nights 2.5": ({"kind": "hotel", "location": HERE, "nights": 2.5}, 422, "/arguments/nights"),
    "nights as text": ({"kind": "hotel", "location": HERE, "nights": "2"}, 422, "/arguments/nights"),
    "nights of a table": ({"kind": "restaurant", "location": HERE, "nights": 2}, 422, "/arguments/nights"),
    "unknown venue": ({"kind": "parking", "venue_id": "SHA-P99"}, 404, None),
    "venue of another kind": ({"kind": "parking", "venue_id": "SHA-R01"}, 404, None),
}


@pytest.mark.parametrize("case", BAD_SEARCHES, ids=list(BAD_SEARCHES))
def test_bad_searches(case: str, unchanged: None) -> None:
    args, status, pointer = BAD_SEARCHES[case]
    doc = ev.is_problem(call("booking_search_availability", args), status)
    if pointer:
        assert pointer in [e["pointer"] for e in doc["errors"]], doc
    if case.startswith("window") or case.startswith("only"):
        why = {"ends before": "ends before it starts", "in the past": "lies in the past"}
        expected = next((v for k, v in why.items() if k in case), None)
        assert expected is None or expected in doc["detail"], doc


def test_bad_bookings(gateway: Template) -> None:
    hotel = next(s for s in search("hotel", limit=50) if s["requires_prepayment"])
    before = snapshot(gateway)
    cases = [
        ({"slot_id": hotel["slot_id"]}, 422, "/arguments/payment_method_id"),  # prepaid without a method
        (
            {"slot_id": hotel["slot_id"], "party_size": 9, "payment_method_id": "pm_card_visa"},
            422,
            "/arguments/party_size",
        ),
        ({"slot_id": "SHA-R01.20261201T1915"}, 404, None),  # no slot at that time
        ({"slot_id": "SHA-R01.20200101T1900"}, 409, None),  # long past
        ({"slot_id": "not a slot"}, 422, "/arguments/slot_id"),
        ({"slot_id": hotel["slot_id"], "party_size": 0}, 422, "/arguments/party_size"),
        *(
            (
                {"slot_id": hotel["slot_id"], "nights": n, "payment_method_id": "pm_card_visa"},
                422,
                "/arguments/nights",
            )
            for n in (0, -1, 31, 1.5, "3", True)
        ),
        ({"slot_id": "SHA-H01.20261201T1915", "nights": 2}, 404, None),  # no hotel slot at that time
        (
            {"slot_id": hotel["slot_id"], "nights": 30, "payment_method_id": "pm_card_visa"},
            422,
            "/arguments/nights",
        ),
    ]
    table = free_slot()
    cases.append(({"slot_id": table["slot_id"], "nights": 2}, 422, "/arguments/nights"))
    for i, (args, status, pointer) in enumerate(cases):
        doc = ev.is_problem(call("booking_create_reservation", args, key=f"bad-{i}"), status)
        if pointer:
            assert pointer in [e["pointer"] for e in doc["errors"]], doc
    assert snapshot(gateway) == before


def test_bad_cancellations(unchanged: None) -> None:
    ev.is_problem(call("booking_cancel_reservation", {"reservation_id": "rs_" + "0" * 24}, key="x-1"), 404)
    ev.is_problem(call("booking_cancel_reservation", {"reservation_id": "someone's"}, key="x-2"), 422)
    ev.is_problem(
        call("booking_cancel_reservation", {"reservation_id": "rs_" + "0" * 24}),
        400,
        "idempotency-key-required",
    )
