"""Booking's payment rules without AWS: what a cancel refunds, when a cancelled reservation still owes
money, how the question names the card, and that a declined hold leaves nothing behind (the port and
the store here are in-memory recorders; the functional tests run the real ones)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from booking import presenter
from booking import sandbox_data as data
from booking.models import CreateArgs, Payment, Reservation, ReservationStatus, VenueView
from booking.ports import Slot
from booking.sandbox import _slot
from booking.service import BookingService, _owed, _refund_due
from cockpit.errors import PaymentDeclined
from cockpit.money import Money
from cockpit.tools.model import Caller, Role, ToolInvocation

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


def cny(amount: int) -> Money:
    return Money(amount=amount, currency="CNY")


def reservation(status: str, price: int, fee: int | None, paid: str = "captured") -> Reservation:
    venue = data.venues()["SHA-P02"]
    return Reservation(
        id="rs_" + "a" * 24, owner="vin-1", status=ReservationStatus(status), slot_id="SHA-P02.20261202T0900",
        venue=VenueView.of(venue), start=NOW + timedelta(days=1), end=NOW + timedelta(days=1, hours=2),
        party_size=1, units=1, price=cny(price), requires_prepayment=True, created_at=NOW,
        payment=Payment(status=paid, id="pay_" + "b" * 24, method_id="pm_card_visa", amount=cny(price)),  # type: ignore[arg-type]
        cancellation_fee_due=None if fee is None else cny(fee),
    )  # fmt: skip


def test_a_cancel_refunds_the_price_less_the_fee_due_and_never_below_zero() -> None:
    assert _refund_due(reservation("cancelled", 63000, None)) == cny(63000)
    assert _refund_due(reservation("cancelled", 63000, 14000)) == cny(49000)
    assert _refund_due(reservation("cancelled", 63000, 63000)) == cny(0)
    assert _refund_due(reservation("cancelled", 63000, 90000)) == cny(0)


def test_only_a_cancelled_reservation_with_money_to_give_back_owes_it() -> None:
    assert _owed(reservation("cancelled", 2100, None))
    assert _owed(reservation("cancelled", 2100, None, paid="authorized"))  # an open hold to void
    assert not _owed(reservation("cancelled", 2100, 2100))  # the fee keeps all of it
    assert not _owed(reservation("cancelled", 2100, None, paid="refunded"))  # refunded once already
    assert not _owed(reservation("confirmed", 2100, None))


def test_the_question_names_the_amount_and_the_card() -> None:
    venue = data.venues()["SHA-P02"]
    spec = next(s for s in data.day_schedule(venue, date(2026, 12, 1)) if s.requires_prepayment)
    slot = _slot(spec, venue, 3)
    price = slot.price.text("en-US")
    assert f"prepaid {price}, charged to your Visa ending 4242" in presenter.question(
        slot, 1, "Visa ending 4242", "en-US"
    )
    assert f"需预付{slot.price.text('zh-CN')}，将从Visa 尾号4242扣款" in presenter.question(
        slot, 1, "Visa 尾号4242", "zh-CN"
    )


def test_the_sandbox_has_one_declining_prepaid_slot_a_day() -> None:
    found = [
        s
        for v in data.by_kind(data.Kind.PARKING)
        for s in data.day_schedule(v, date(2026, 12, 3))
        if s.price.amount % 10_000 == 402
    ]
    assert [(s.venue_id, s.start.time(), s.requires_prepayment) for s in found] == [
        (data.DECLINING_VENUE, data.DECLINING_TIME, True)
    ]


class Recorder:
    """An in-memory store and provider that record what the service did to them."""

    def __init__(self, slot: Slot) -> None:
        self.the_slot, self.calls, self.rows = slot, list[tuple[str, Any]](), dict[str, Reservation]()

    def slot(self, slot_id: str, *, with_remaining: bool = True) -> Slot | None:
        return self.the_slot

    def hold(self, slot: Slot, rid: str, units: int, owner: str) -> bool:
        self.calls.append(("hold", rid))
        return True

    def release(self, slot_id: str, rid: str) -> int:
        self.calls.append(("release", rid))
        return 1

    def create(self, r: Reservation) -> bool:
        self.rows[r.id] = r
        return True

    def forget(self, r: Reservation) -> None:
        self.calls.append(("forget", r.id))
        self.rows.pop(r.id)

    def transition(self, new: Reservation, expected: ReservationStatus) -> bool:
        raise AssertionError("a declined reservation is never confirmed")


class DecliningPayments:
    def authorize(self, caller: Caller, domain: str, key: str, amount: Money, *_a: Any, **_k: Any) -> Any:
        assert (domain, amount.amount) == ("booking", 2100)
        raise PaymentDeclined("the card was declined")


def test_a_declined_hold_gives_the_units_back_and_forgets_the_reservation() -> None:
    venue = data.venues()["SHA-P02"]
    spec = next(s for s in data.day_schedule(venue, date(2026, 12, 2)) if s.requires_prepayment)
    slot = _slot(spec, venue, None).model_copy(update={"price": cny(2100)})
    fake = Recorder(slot)
    service = BookingService(fake, fake, clock=lambda: NOW, payments=DecliningPayments())  # type: ignore[arg-type]
    car = Caller(sub="vin-1", role=Role.VEHICLE)
    inv = ToolInvocation(invocation_id="i", tool="booking_create_reservation", arguments={},
                         caller=car, idempotency_key="k", confirmed=True)  # fmt: skip
    with pytest.raises(PaymentDeclined):
        service.create(inv, CreateArgs(slot_id=spec.id, payment_method_id="pm_card_visa"))
    rid = next(iter(c[1] for c in fake.calls))
    assert fake.calls == [("hold", rid), ("release", rid), ("forget", rid)] and fake.rows == {}
