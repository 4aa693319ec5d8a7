"""Prepaid bookings move real money through the payments function: router → booking → payments, each a
real Lambda Invoke served in-process over one moto. The hold is placed at creation (the reservation id
is its key), captured on confirmation, refunded (less the fee due) on cancel, exactly once."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from booking import sandbox_data as data
from booking.handler import lambda_handler as booking
from cockpit.money import Money
from cockpit_dev.template import Template
from payments.ports import ProcessorFailed, ProcessorPayment, ProcessorRefund
from payments.sandbox import SandboxProcessor
from tests.functional.booking.test_booking_tools import HERE, call, ok, remaining
from tests.support import events as ev
from tests.support.aws import snapshot
from tests.support.wiring import wire

VISA = "pm_card_visa"


def prepaid_parking() -> dict[str, Any]:
    found = ok(call("booking_search_availability", {"kind": "parking", "location": HERE, "limit": 50}))
    return next(s for s in found["slots"] if s["requires_prepayment"] and s["remaining"] > 0)


def payment(payment_id: str) -> dict[str, Any]:
    return ok(call("payments_get_payment", {"payment_id": payment_id}))["payment"]  # type: ignore[no-any-return]


def confirmed(args: dict[str, Any], key: str, **kw: Any) -> dict[str, Any]:
    asked = ev.body(call("booking_create_reservation", args, key=key, **kw))
    assert asked["status"] == "confirmation_required", asked
    token = asked["confirmation"]["token"]
    return call("booking_create_reservation", args, key=key, body={"confirmation_token": token}, **kw)


def table(gateway: Template, name: str) -> list[dict[str, Any]]:
    return snapshot(gateway)[gateway.tables[name].name]


def test_the_question_names_the_amount_and_the_card_in_both_languages(gateway: Template) -> None:
    slot = prepaid_parking()
    args = {"slot_id": slot["slot_id"], "payment_method_id": VISA}
    price = f"{slot['price']['amount'] / 100:.2f}"
    en = ev.body(call("booking_create_reservation", args, key="q-en"))["confirmation"]["summary"]
    assert f"prepaid ¥{price}, charged to your Visa ending 4242" in en, en
    zh = ev.body(call("booking_create_reservation", args, key="q-zh", headers={"Accept-Language": "zh-CN"}))
    assert f"需预付¥{price}，将从Visa 尾号4242扣款" in zh["confirmation"]["summary"], zh


def test_a_prepaid_booking_is_captured_and_a_cancel_refunds_once(gateway: Template) -> None:
    slot = prepaid_parking()
    made = ok(confirmed({"slot_id": slot["slot_id"], "payment_method_id": VISA}, "pay-1"))["reservation"]
    paid = made["payment"]
    assert made["status"] == "confirmed"
    assert paid["status"] == "captured" and paid["amount"] == slot["price"] and paid["method_id"] == VISA
    there = payment(paid["id"])
    assert there["status"] == "succeeded" and there["merchant"] == "booking"
    assert there["captured"] == slot["price"] and there["reference"] == made["id"]
    assert remaining(slot["slot_id"], "parking") == slot["remaining"] - 1

    out = ok(call("booking_cancel_reservation", {"reservation_id": made["id"]}, key="pay-2"))["reservation"]
    assert out["status"] == "cancelled" and "cancellation_fee_due" not in out  # parking: no fee
    assert out["payment"]["status"] == "refunded" and out["payment"]["refunded"] == slot["price"]
    assert out["payment"]["refund_id"]
    assert payment(paid["id"])["refunded"] == slot["price"]
    assert remaining(slot["slot_id"], "parking") == slot["remaining"]

    before = snapshot(gateway)
    again = call("booking_cancel_reservation", {"reservation_id": made["id"]}, key="pay-3")
    assert "already cancelled" in ev.is_problem(again, 409)["detail"]
    assert snapshot(gateway) == before  # no second refund, nothing written
    assert payment(paid["id"])["refunded"] == slot["price"]


def test_the_same_confirmed_create_twice_holds_and_captures_once(gateway: Template) -> None:
    slot = prepaid_parking()
    args = {"slot_id": slot["slot_id"], "payment_method_id": VISA}
    first = ok(confirmed(args, "twice"))["reservation"]
    # The same key again answers the first outcome at once, without a second question or hold.
    again = ok(call("booking_create_reservation", args, key="twice"))["reservation"]
    assert first == again
    payments = [i for i in table(gateway, "PaymentsTable") if i["sk"]["S"] == "PAYMENT"]
    assert len(payments) == 1
    assert remaining(slot["slot_id"], "parking") == slot["remaining"] - 1


def test_a_declined_prepayment_confirms_nothing_and_frees_the_units(gateway: Template) -> None:
    # the sandbox's one declining slot a day: ¥104.02, the payments sandbox's magic decline amount
    day = (datetime.now(UTC).astimezone(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date()
    slot = next(
        s
        for s in data.day_schedule(data.venues()[data.DECLINING_VENUE], day)
        if s.start.time() == data.DECLINING_TIME
    )
    assert slot.price.amount == 10402 and slot.requires_prepayment
    left = remaining(slot.id, "parking")
    bookings = table(gateway, "BookingTable")
    doc = ev.is_problem(confirmed({"slot_id": slot.id, "payment_method_id": VISA}, "declined"), 402)
    assert doc["type"].endswith("payment-declined") and "declined" in doc["detail"]
    assert table(gateway, "BookingTable") == bookings  # no reservation, no held unit
    assert remaining(slot.id, "parking") == left
    assert ok(call("booking_list_reservations", {"include_past": True}))["reservations"] == []
    failed = [i for i in table(gateway, "PaymentsTable") if i["sk"]["S"] == "PAYMENT"]
    assert [i["state"]["S"] for i in failed] == ["failed"]  # the payments trail keeps the decline


def test_an_unknown_method_is_refused_at_the_question_without_a_write(gateway: Template) -> None:
    slot = prepaid_parking()
    before = snapshot(gateway)
    args = {"slot_id": slot["slot_id"], "payment_method_id": "pm_nobody"}
    doc = ev.is_problem(call("booking_create_reservation", args, key="unknown-method"), 422)
    assert [e["pointer"] for e in doc["errors"]] == ["/arguments/payment_method_id"]
    assert snapshot(gateway) == before


class Flaky(SandboxProcessor):
    """The sandbox processor, failing (its own error: nothing moved) the first call of each named kind."""

    def __init__(self, *failing: str) -> None:
        self.failing = set(failing)

    def _maybe_fail(self, what: str) -> None:
        if what in self.failing:
            self.failing.discard(what)
            raise ProcessorFailed(f"the processor could not {what} just now")

    def capture(self, ref: str, amount: Money, idempotency_key: str) -> ProcessorPayment:
        self._maybe_fail("capture")
        return super().capture(ref, amount, idempotency_key)

    def refund(self, ref: str, amount: Money, idempotency_key: str) -> ProcessorRefund:
        self._maybe_fail("refund")
        return super().refund(ref, amount, idempotency_key)


def payment_state(gateway: Template, payment_id: str) -> str:
    item = next(i for i in table(gateway, "PaymentsTable") if i["pk"]["S"] == f"PAY#{payment_id}")
    return item["state"]["S"]  # type: ignore[no-any-return]


def test_a_failed_capture_stays_authorized_and_the_same_create_again_captures(
    gateway: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire("payments", processor=Flaky("capture"))
    slot = prepaid_parking()
    event = json.loads(json.dumps(ev.sample("booking/create_reservation.json")))
    event["arguments"] = {"slot_id": slot["slot_id"], "payment_method_id": VISA}
    first = booking(event, None)["result"]["reservation"]
    assert first["status"] == "confirmed" and first["payment"]["status"] == "authorized"
    assert payment_state(gateway, first["payment"]["id"]) == "requires_capture"
    again = booking(event, None)["result"]["reservation"]  # the duplicated invocation settles it
    assert again["id"] == first["id"] and again["payment"] == {**first["payment"], "status": "captured"}
    assert payment_state(gateway, first["payment"]["id"]) == "succeeded"
    assert remaining(slot["slot_id"], "parking") == slot["remaining"] - 1


def test_cancelling_a_booking_whose_capture_failed_voids_the_hold(
    gateway: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire("payments", processor=Flaky("capture"))
    slot = prepaid_parking()
    made = ok(confirmed({"slot_id": slot["slot_id"], "payment_method_id": VISA}, "void-1"))["reservation"]
    assert made["payment"]["status"] == "authorized"
    out = ok(call("booking_cancel_reservation", {"reservation_id": made["id"]}, key="void-2"))["reservation"]
    assert out["status"] == "cancelled" and out["payment"]["status"] == "voided"
    assert payment(made["payment"]["id"])["status"] == "canceled"
    assert payment(made["payment"]["id"])["captured"]["amount"] == 0


def test_a_cancel_whose_refund_failed_is_finished_by_the_next_cancel_refunding_once(
    gateway: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    wire("payments", processor=Flaky("refund"))
    slot = prepaid_parking()
    made = ok(confirmed({"slot_id": slot["slot_id"], "payment_method_id": VISA}, "rf-1"))["reservation"]
    failed = call("booking_cancel_reservation", {"reservation_id": made["id"]}, key="rf-2")
    assert "could not refund" in ev.is_problem(failed, 502)["detail"]  # the processor's error: nothing moved
    listed = ok(call("booking_list_reservations", {}))["reservations"]
    assert [(r["status"], r["payment"]["status"]) for r in listed] == [("cancelled", "captured")]
    assert remaining(slot["slot_id"], "parking") == slot["remaining"]  # the units are back already
    out = ok(call("booking_cancel_reservation", {"reservation_id": made["id"]}, key="rf-3"))["reservation"]
    assert out["payment"]["status"] == "refunded" and out["payment"]["refunded"] == slot["price"]
    again = call("booking_cancel_reservation", {"reservation_id": made["id"]}, key="rf-4")
    assert "already cancelled" in ev.is_problem(again, 409)["detail"]
    assert payment(made["payment"]["id"])["refunded"] == slot["price"]  # once
