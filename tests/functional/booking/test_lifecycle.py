"""The reservation lifecycle, pending → confirmed → fulfilled | cancelled | no_show, with the service's
clock moved: every change is a conditional write on the previous state; fees follow the slot's terms."""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from booking import sandbox_data as data
from booking.models import (
    CreateArgs,
    ListArgs,
    OneReservation,
    Payment,
    Reservation,
    ReservationArgs,
    ReservationStatus,
    VenueView,
)
from booking.ports import Kind
from booking.sandbox import SandboxProvider
from booking.service import BookingService, reservation_id
from booking.store import ReservationStore
from cockpit.errors import BookingLimitExceeded, Conflict, IdempotencyInProgress
from cockpit.payments_client import PaymentsClient
from cockpit.tools.model import Caller, Role, ToolInvocation
from cockpit_dev.template import Template

CAR = Caller(sub="vin-life", role=Role.VEHICLE)


def at(stack: Template, when: datetime, twin_wait_s: float = 5.0) -> BookingService:
    table = stack.tables["BookingTable"].name
    clock = lambda: when  # noqa: E731
    payments = PaymentsClient(os.environ["PAYMENTS_FUNCTION"])
    return BookingService(
        SandboxProvider(table, clock=clock), ReservationStore(table), clock=clock, payments=payments,
        twin_wait_s=twin_wait_s,
    )  # fmt: skip


def inv(tool: str, args: dict[str, object]) -> ToolInvocation:
    return ToolInvocation(invocation_id="i", tool=tool, arguments=args, caller=CAR,
                          idempotency_key=uuid.uuid4().hex, confirmed=True)  # fmt: skip


def book(service: BookingService, slot_id: str, **extra: object) -> OneReservation:
    args = CreateArgs(slot_id=slot_id, **extra)  # type: ignore[arg-type]
    return service.create(inv("booking_create_reservation", args.model_dump()), args)


def cancel(service: BookingService, reservation_id: str) -> OneReservation:
    args = ReservationArgs(reservation_id=reservation_id)
    return service.cancel(inv("booking_cancel_reservation", args.model_dump()), args)


def listed(service: BookingService, include_past: bool) -> list[tuple[str, ReservationStatus]]:
    args = ListArgs(include_past=include_past)
    out = service.list(inv("booking_list_reservations", args.model_dump()), args)
    return [(r.id, r.status) for r in out.reservations]


@pytest.fixture
def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def test_a_booking_is_fulfilled_after_its_slot_and_can_no_longer_be_cancelled(
    gateway: Template, now: datetime
) -> None:
    spec = data.day_schedule(data.venues()["SHA-P01"], (now + timedelta(days=2)).date())[0]
    made = book(at(gateway, now), spec.id).reservation
    assert made.status is ReservationStatus.CONFIRMED
    assert listed(at(gateway, now), False) == [(made.id, ReservationStatus.CONFIRMED)]
    later = at(gateway, spec.end + timedelta(minutes=1))
    assert listed(later, False) == []  # over: only with include_past
    assert listed(later, True) == [(made.id, ReservationStatus.FULFILLED)]
    assert listed(later, True) == [(made.id, ReservationStatus.FULFILLED)]  # settled once, stays
    with pytest.raises(Conflict, match="already fulfilled"):
        cancel(later, made.id)


def test_a_started_booking_cannot_be_cancelled(gateway: Template, now: datetime) -> None:
    spec = data.day_schedule(data.venues()["PEK-P02"], (now + timedelta(days=1)).date())[3]
    made = book(at(gateway, now), spec.id, payment_method_id="pm_card_visa").reservation
    with pytest.raises(Conflict, match="already started"):
        cancel(at(gateway, spec.start + timedelta(minutes=5)), made.id)


def test_a_hotel_cancelled_late_owes_its_fee_and_early_owes_nothing(gateway: Template, now: datetime) -> None:
    day = (now + timedelta(days=4)).date()
    night = next(
        n for v in data.by_kind(data.Kind.HOTEL) for n in data.day_schedule(v, day) if n.requires_prepayment
    )
    assert night.cancellation_fee is not None and night.free_cancellation_until is not None
    early = book(at(gateway, now), night.id, party_size=1, payment_method_id="pm_card_visa").reservation
    late = book(at(gateway, now), night.id, party_size=1, payment_method_id="pm_card_visa").reservation
    assert early.payment.status == "captured" and early.payment.amount == night.price
    free = cancel(at(gateway, night.free_cancellation_until - timedelta(hours=1)), early.id).reservation
    assert free.status is ReservationStatus.CANCELLED and free.cancellation_fee_due is None
    assert free.payment.status == "refunded" and free.payment.refunded == night.price  # all of it
    owed = cancel(at(gateway, night.start - timedelta(hours=2)), late.id).reservation
    assert owed.cancellation_fee_due == night.cancellation_fee
    # the fee is one night, the whole price: the prepayment is kept and nothing is refunded
    assert owed.payment.status == "captured" and owed.payment.refunded is None
    with pytest.raises(Conflict, match="already cancelled"):
        cancel(at(gateway, night.start - timedelta(hours=1)), late.id)


def test_slots_not_yet_on_sale_and_long_gone_are_refused_without_a_write(
    gateway: Template, now: datetime
) -> None:
    service = at(gateway, now)
    ahead = data.day_schedule(data.venues()["SZX-R01"], (now + timedelta(days=30)).date())[0]
    with pytest.raises(Conflict, match="opens for booking 14 days ahead"):
        book(service, ahead.id)
    assert listed(service, True) == []


def test_the_store_refuses_transitions_the_lifecycle_does_not_have(gateway: Template, now: datetime) -> None:
    spec = data.day_schedule(data.venues()["MUC-P01"], (now + timedelta(days=2)).date())[2]
    made = book(at(gateway, now), spec.id).reservation
    store = ReservationStore(gateway.tables["BookingTable"].name)
    stored = store.get(CAR.sub, made.id)
    assert stored is not None
    pending = stored.model_copy(update={"status": ReservationStatus.PENDING})
    with pytest.raises(ValueError, match="cannot go from confirmed to pending"):
        store.transition(pending, ReservationStatus.CONFIRMED)
    cancelled = stored.model_copy(update={"status": ReservationStatus.CANCELLED})
    assert store.transition(cancelled, ReservationStatus.PENDING) is False  # it is not pending any more
    no_show = stored.model_copy(update={"status": ReservationStatus.NO_SHOW})
    assert store.transition(no_show, ReservationStatus.CONFIRMED) is True
    assert store.transition(no_show, ReservationStatus.CONFIRMED) is False  # once


def test_a_call_that_stopped_before_holding_is_finished_by_its_retry(
    gateway: Template, now: datetime
) -> None:
    """A create that wrote its pending reservation and then stopped (a crash, a timeout) holds nothing.
    A retry with the same key while it might still run is told to come back when it cannot be (409
    in progress, Retry-After: never the pending reservation as the outcome of the driver's yes); once
    it cannot be running any more, the retry holds the units and confirms it, once."""
    spec = data.day_schedule(data.venues()["HGH-P01"], (now + timedelta(days=2)).date())[1]
    venue = data.venues()["HGH-P01"]
    args = CreateArgs(slot_id=spec.id)
    call = ToolInvocation(invocation_id="i", tool="booking_create_reservation", arguments=args.model_dump(),
                          caller=CAR, idempotency_key="stopped-1", confirmed=True)  # fmt: skip
    store = ReservationStore(gateway.tables["BookingTable"].name)
    provider = SandboxProvider(gateway.tables["BookingTable"].name, clock=lambda: now)
    left = provider.slot(spec.id)
    assert left is not None and left.remaining is not None
    stopped = Reservation(
        id=reservation_id(call),
        owner=CAR.sub,
        status=ReservationStatus.PENDING,
        slot_id=spec.id,
        venue=VenueView.of(venue),
        start=spec.start,
        end=spec.end,
        party_size=1,
        units=1,
        price=spec.price,
        payment=Payment(status="not_required"),
        created_at=now,
    )
    assert store.create(stopped)
    with pytest.raises(IdempotencyInProgress) as young:
        at(gateway, now + timedelta(seconds=20), twin_wait_s=0.5).create(call, args)  # nobody settles it
    assert young.value.headers == {"Retry-After": "100"}  # the default 2 minutes from its creation
    assert store.get(CAR.sub, stopped.id) == stopped  # untouched
    assert provider.slot(spec.id).remaining == left.remaining  # type: ignore[union-attr]
    later = at(gateway, now + timedelta(minutes=5))
    finished = later.create(call, args).reservation
    assert finished.status is ReservationStatus.CONFIRMED and finished.id == stopped.id
    assert later.create(call, args).reservation.status is ReservationStatus.CONFIRMED  # once
    assert provider.slot(spec.id).remaining == left.remaining - 1  # type: ignore[union-attr]


def test_a_reservation_cancelled_while_being_made_gives_its_units_back(
    gateway: Template, now: datetime
) -> None:
    """The driver cancels the pending reservation between its write and its hold: the maker finds it
    cancelled when it confirms, and frees what it took."""
    table = gateway.tables["BookingTable"].name
    spec = data.day_schedule(data.venues()["SZX-S01"], (now + timedelta(days=3)).date())[0]

    class CancelledMidway(SandboxProvider):
        def hold(self, slot: Any, reservation_id: str, units: int, owner: str) -> bool:
            cancel(at(gateway, now), reservation_id)
            return super().hold(slot, reservation_id, units, owner)

    clock = lambda: now  # noqa: E731
    provider = CancelledMidway(table, clock=clock)
    before = provider.slot(spec.id)
    assert before is not None
    made = BookingService(provider, ReservationStore(table), clock=clock)
    out = book(made, spec.id).reservation
    assert out.status is ReservationStatus.CANCELLED
    after = provider.slot(spec.id)
    assert after is not None and after.remaining == before.remaining


def test_a_call_that_stopped_after_holding_is_resumed_with_exactly_its_units(
    gateway: Template, now: datetime
) -> None:
    """The crash came after the hold (the runtime was killed before the confirmation was written): the
    retry that takes the stale pending reservation over keeps the unit it holds and takes no second."""
    spec = roomy_free_slot(now + timedelta(days=2), skip=0)
    args = CreateArgs(slot_id=spec.id)
    call = ToolInvocation(invocation_id="i", tool="booking_create_reservation", arguments=args.model_dump(),
                          caller=CAR, idempotency_key="held-then-killed", confirmed=True)  # fmt: skip
    table = gateway.tables["BookingTable"].name
    provider = SandboxProvider(table, clock=lambda: now)
    left = provider.slot(spec.id)
    assert left is not None and left.remaining is not None

    class Killed(BaseException):
        pass

    class DiesAfterHolding(SandboxProvider):
        def hold(self, slot: Any, reservation_id: str, units: int, owner: str) -> bool:
            super().hold(slot, reservation_id, units, owner)
            raise Killed

    clock = lambda: now  # noqa: E731
    dying = BookingService(DiesAfterHolding(table, clock=clock), ReservationStore(table), clock=clock)
    with pytest.raises(Killed):
        dying.create(call, args)
    assert provider.slot(spec.id).remaining == left.remaining - 1  # type: ignore[union-attr]
    finished = at(gateway, now + timedelta(minutes=5)).create(call, args).reservation
    assert finished.status is ReservationStatus.CONFIRMED
    assert provider.slot(spec.id).remaining == left.remaining - 1  # type: ignore[union-attr]
    cancel(at(gateway, now + timedelta(minutes=6)), finished.id)
    assert provider.slot(spec.id).remaining == left.remaining  # type: ignore[union-attr]


def test_one_vehicle_holds_at_most_its_cap_of_one_slot_whatever_its_keys(
    gateway: Template, now: datetime
) -> None:
    """Seven keys from one car: two bookings (the default cap), the rest refused with a problem that
    says why; another car still books; a cancel gives the car its place back."""
    spec = roomy_free_slot(now + timedelta(days=4), skip=1)
    service = at(gateway, now)
    made = []
    for _ in range(2):
        made.append(book(service, spec.id).reservation)
    for _ in range(5):
        with pytest.raises(BookingLimitExceeded) as refused:
            book(service, spec.id)
        assert refused.value.status == 409
    other = Caller(sub="vin-other", role=Role.VEHICLE)
    args = CreateArgs(slot_id=spec.id)
    theirs = ToolInvocation(invocation_id="i", tool="booking_create_reservation", arguments=args.model_dump(),
                            caller=other, idempotency_key="other-1", confirmed=True)  # fmt: skip
    assert service.create(theirs, args).reservation.status is ReservationStatus.CONFIRMED
    cancel(service, made[0].id)
    assert book(service, spec.id).reservation.status is ReservationStatus.CONFIRMED


def roomy_free_slot(day: datetime, skip: int) -> data.SlotSpec:
    """A parking slot of that day with room for four of ours, free and without fees."""
    found = [
        spec
        for venue in data.by_kind(Kind.PARKING)
        for spec in data.day_schedule(venue, day.date())
        if spec.start > day
        and spec.capacity - data.already_taken(spec) >= 4
        and not spec.requires_prepayment
        and spec.cancellation_fee is None
    ]
    return found[skip]
