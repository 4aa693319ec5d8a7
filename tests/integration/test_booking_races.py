"""Booking races that only real concurrency shows, against a real AWS endpoint (moto server by default):
two vehicles for the last unit of a slot, a double cancel, racing first bookings of a fresh slot."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import boto3
import pytest

from booking import sandbox_data as data
from booking.models import CreateArgs, ListArgs, OneReservation, ReservationArgs, ReservationStatus
from booking.ports import Kind
from booking.sandbox import SandboxProvider, initial, partition
from booking.service import BookingService
from booking.store import ReservationStore
from cockpit.errors import BookingLimitExceeded, Conflict, Unavailable
from cockpit.tools.model import Caller, Role, ToolInvocation
from cockpit_dev.template import Template

T = TypeVar("T")


def race(n: int, attempt: Callable[[int], T]) -> list[T | Exception]:
    """Run `attempt(i)` for i in range(n) at the same moment; each result or the exception it raised."""
    gate = threading.Barrier(n)

    def run(i: int) -> T | Exception:
        gate.wait()
        try:
            return attempt(i)
        except Exception as exc:  # collected and asserted on by the test
            return exc

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(run, range(n)))


@pytest.fixture
def service(stack: Template) -> BookingService:
    table = stack.tables["BookingTable"].name
    return BookingService(SandboxProvider(table), ReservationStore(table))


def invocation(tool: str, args: Any, sub: str, key: str | None = None) -> ToolInvocation:
    return ToolInvocation(
        invocation_id=uuid.uuid4().hex,
        tool=tool,
        arguments=args.model_dump(),
        caller=Caller(sub=sub, role=Role.VEHICLE),
        idempotency_key=key or uuid.uuid4().hex,
        confirmed=True,
    )


def book(service: BookingService, slot_id: str, sub: str, key: str | None = None) -> OneReservation:
    args = CreateArgs(slot_id=slot_id)
    return service.create(invocation("booking_create_reservation", args, sub, key), args)


def last_unit_slot(service: BookingService, day_offset: int) -> str:
    """A workshop slot a few days ahead, filled by other drivers until exactly one bay is left."""
    venue = data.venues()["HGH-S01"]
    day = (datetime.now(UTC) + timedelta(days=day_offset)).date()
    spec = data.day_schedule(venue, day)[-1]
    slot = service.provider.slot(spec.id)
    assert slot is not None
    for i in range(slot.remaining - 1):
        book(service, spec.id, f"vin-earlier-{i}")
    final = service.provider.slot(spec.id)
    assert final is not None and final.remaining == 1
    return spec.id


def test_two_vehicles_racing_for_the_last_bay(service: BookingService) -> None:
    slot_id = last_unit_slot(service, 3)
    results = race(2, lambda i: book(service, slot_id, f"vin-racer-{i}"))
    won = [r for r in results if isinstance(r, OneReservation)]
    lost = [r for r in results if isinstance(r, Exception)]
    assert len(won) == 1 and len(lost) == 1, results
    assert won[0].reservation.status is ReservationStatus.CONFIRMED
    assert isinstance(lost[0], Unavailable) and lost[0].status == 409
    after = service.provider.slot(slot_id)
    assert after is not None and after.remaining == 0


def test_ten_vehicles_racing_for_the_last_bay_one_wins(service: BookingService) -> None:
    slot_id = last_unit_slot(service, 4)
    results = race(10, lambda i: book(service, slot_id, f"vin-crowd-{i}"))
    assert sum(isinstance(r, OneReservation) for r in results) == 1
    assert all(isinstance(r, Unavailable) for r in results if not isinstance(r, OneReservation))


def test_a_duplicated_invocation_raced_books_once(service: BookingService) -> None:
    venue = data.venues()["PEK-P01"]
    spec = data.day_schedule(venue, (datetime.now(UTC) + timedelta(days=2)).date())[0]
    before = service.provider.slot(spec.id)
    assert before is not None
    results = race(5, lambda _i: book(service, spec.id, "vin-dup", key="one-key"))
    ids = {r.reservation.id for r in results if isinstance(r, OneReservation)}
    assert len(ids) == 1 and all(isinstance(r, OneReservation) for r in results), results
    after = service.provider.slot(spec.id)
    assert after is not None and after.remaining == before.remaining - 1


def test_a_double_cancel_frees_the_slot_exactly_once(service: BookingService) -> None:
    venue = data.venues()["SZX-P01"]
    spec = data.day_schedule(venue, (datetime.now(UTC) + timedelta(days=2)).date())[1]
    before = service.provider.slot(spec.id)
    assert before is not None
    made = book(service, spec.id, "vin-cancel")
    args = ReservationArgs(reservation_id=made.reservation.id)

    def cancel(_i: int) -> OneReservation:
        return service.cancel(invocation("booking_cancel_reservation", args, "vin-cancel"), args)

    results = race(6, cancel)
    assert sum(isinstance(r, OneReservation) for r in results) == 1, results
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, OneReservation))
    after = service.provider.slot(spec.id)
    assert after is not None and after.remaining == before.remaining
    listed = service.list(invocation("booking_list_reservations", ListArgs(), "vin-cancel"), ListArgs())
    assert [r.status for r in listed.reservations] == [ReservationStatus.CANCELLED]


def test_twelve_vehicles_racing_for_a_fresh_slot_never_oversell(
    service: BookingService, stack: Template
) -> None:
    """Nobody booked this slot before; twelve vehicles race for it: exactly as many win as it has units."""
    venue = data.venues()["MUC-R03"]
    spec = data.day_schedule(venue, (datetime.now(UTC) + timedelta(days=5)).date())[4]
    table = stack.tables["BookingTable"].name

    def units() -> list[dict[str, Any]]:
        return boto3.client("dynamodb").query(
            TableName=table,
            KeyConditionExpression="pk = :pk AND begins_with(sk, :u)",
            ExpressionAttributeValues={
                ":pk": {"S": partition(venue, spec.start.date())},
                ":u": {"S": f"UNIT#{spec.id}#"},
            },
            ConsistentRead=True,
        )["Items"]

    assert units() == []
    first = initial(spec)
    results = race(12, lambda i: book(service, spec.id, f"vin-fresh-{i}"))
    won = [r for r in results if isinstance(r, OneReservation)]
    assert len(won) == min(12, first), (len(won), first)
    assert all(isinstance(r, Unavailable) for r in results if not isinstance(r, OneReservation))
    held = units()
    assert len(held) == len(won) and {i["holder"]["S"] for i in held} == {r.reservation.id for r in won}


def test_a_prepaid_booking_duplicated_ten_times_holds_and_captures_once(
    stack: Template, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ten copies of one confirmed prepaid create (a duplicated invocation) reach booking at once, and
    booking reaches payments over Lambda Invoke: one reservation, one unit, one hold, one capture. The
    reservation is written first and once, so only its writer asks payments at all."""
    from collections import Counter

    from booking.handler import lambda_handler as booking
    from cockpit.money import Money
    from cockpit.settings import reset_container
    from payments.ports import ChargeRequest, ProcessorPayment
    from payments.sandbox import SandboxProcessor
    from payments.store import PaymentStore
    from tests.support.aws import serve_lambda_in_process
    from tests.support.wiring import wire

    class Counting(SandboxProcessor):
        def __init__(self) -> None:
            self.calls: Counter[str] = Counter()
            self.lock = threading.Lock()

        def charge(self, request: ChargeRequest) -> ProcessorPayment:
            with self.lock:
                self.calls["charge"] += 1
            return super().charge(request)

        def capture(self, ref: str, amount: Money, idempotency_key: str) -> ProcessorPayment:
            with self.lock:
                self.calls["capture"] += 1
            return super().capture(ref, amount, idempotency_key)

    one_at_a_time = threading.Lock()  # DynamoDB isolates a transaction; moto's server does not
    write = PaymentStore.write

    def isolated(self: PaymentStore, items: list[dict[str, Any]]) -> bool:
        with one_at_a_time:
            return write(self, items)

    monkeypatch.setattr(PaymentStore, "write", isolated)
    for logical in ("BookingFunction", "PaymentsFunction"):
        fn = stack.function_named(logical)
        assert fn is not None
        for name, value in fn.environment.items():
            monkeypatch.setenv(name, value)
    reset_container()
    processor = Counting()
    wire("payments", processor=processor)
    serve_lambda_in_process(stack)

    provider = SandboxProvider(stack.tables["BookingTable"].name)
    day = (datetime.now(UTC) + timedelta(days=5)).date()
    spec = next(s for s in data.day_schedule(data.venues()["SHA-P04"], day) if s.requires_prepayment)
    slot = provider.slot(spec.id)
    assert slot is not None and slot.remaining
    car = f"vin-{uuid.uuid4().hex[:8]}"
    args = CreateArgs(slot_id=spec.id, payment_method_id="pm_card_visa")
    event = invocation("booking_create_reservation", args, car, "prepaid-once").model_dump(mode="json")
    answers = race(10, lambda _i: booking(event, None))
    assert processor.calls == Counter({"charge": 1, "capture": 1})
    done = [a for a in answers if isinstance(a, dict) and a["status"] == "succeeded"]
    assert len(done) == 10, answers
    assert len({a["result"]["reservation"]["id"] for a in done}) == 1
    after = provider.slot(spec.id)
    assert after is not None and after.remaining == slot.remaining - 1
    mine = ReservationStore(stack.tables["BookingTable"].name).list(car)
    assert len(mine) == 1 and mine[0].status is ReservationStatus.CONFIRMED
    assert mine[0].payment.status == "captured" and mine[0].payment.id is not None
    payments = PaymentStore(stack.tables["PaymentsTable"].name)
    assert [e.event for e in payments.trail(mine[0].payment.id)] == ["created", "authorized", "captured"]


def test_one_vehicle_with_seven_keys_racing_for_a_slot_holds_its_cap(service: BookingService) -> None:
    """The issue's "one vehicle took all 7 units with 7 keys": raced, it gets its cap (2) and no more."""
    day = datetime.now(UTC) + timedelta(days=6)
    spec = next(
        s
        for v in data.venues().values()
        for s in data.day_schedule(v, day.date())
        if s.capacity - data.already_taken(s) >= 7 and not s.requires_prepayment
        and s.cancellation_fee is None and v.kind is Kind.PARKING
    )  # fmt: skip
    before = service.provider.slot(spec.id)
    assert before is not None and before.remaining is not None
    results = race(7, lambda _i: book(service, spec.id, "vin-greedy"))
    won = [r for r in results if isinstance(r, OneReservation)]
    assert len(won) == 2, results
    assert all(isinstance(r, BookingLimitExceeded) for r in results if not isinstance(r, OneReservation))
    after = service.provider.slot(spec.id)
    assert after is not None and after.remaining == before.remaining - sum(
        r.reservation.party_size for r in won
    )
