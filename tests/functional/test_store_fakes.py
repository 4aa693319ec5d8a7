"""The in-memory fakes unit tests use behave as the DynamoDB stores they stand for: the same sequence of
writes, against the fake and against the real store over moto, gives the same answers and leaves the same
records. A fake that drifted from its store would let unit tests pass against rules production breaks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from assistant.models import Session, TurnRecord
from assistant.ports import Sessions
from assistant.store import SessionStore as AssistantSessionStore
from booking.models import Payment, Reservation, ReservationStatus, VenueView
from booking.ports import Kind, ReservationRecords
from booking.store import ReservationStore
from charging.models import ChargingSession, SessionPayment, SessionStatus
from charging.ports import ChargingSessions
from charging.store import SessionStore
from cockpit.errors import Conflict, PaymentStateConflict, SessionBusy, UpstreamTimeout
from cockpit.money import Money
from cockpit.operations import Operations, OperationStatus, OperationStore
from cockpit.tools.model import Caller, Role, ToolInvocation
from cockpit.vehicle import Point, VehicleContext
from navigation.models import Destination
from navigation.ports import Destinations
from navigation.store import DestinationStore
from payments.models import AmountArg, CreatePaymentArgs, PaymentArgs, PaymentStatus, RefundArgs
from payments.ports import PaymentRecords
from payments.sandbox import SandboxMethods, SandboxProcessor
from payments.service import Deltas, PaymentsService
from payments.settings import CurrencyLimits
from payments.store import PaymentStore
from tests.support.aws import aws_from_template
from tests.support.fakes import (
    InMemoryChargingSessions,
    InMemoryDestinations,
    InMemoryOperations,
    InMemoryPayments,
    InMemoryReservations,
)
from tests.support.stores import InMemorySessions

T0 = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)


@pytest.fixture(params=["in-memory", "dynamodb"])
def reservations(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[ReservationRecords]:
    if request.param == "in-memory":
        yield InMemoryReservations()
        return
    with aws_from_template(monkeypatch, "BookingFunction") as template:
        yield ReservationStore(template.tables["BookingTable"].name)


@pytest.fixture(params=["in-memory", "dynamodb"])
def destinations(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Destinations]:
    if request.param == "in-memory":
        yield InMemoryDestinations()
        return
    with aws_from_template(monkeypatch, "NavigationFunction") as template:
        yield DestinationStore(template.tables["NavigationTable"].name)


@pytest.fixture(params=["in-memory", "dynamodb"])
def payment_records(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[PaymentRecords]:
    if request.param == "in-memory":
        yield InMemoryPayments()
        return
    with aws_from_template(monkeypatch, "PaymentsFunction") as template:
        yield PaymentStore(template.tables["PaymentsTable"].name)


@pytest.fixture(params=["in-memory", "dynamodb"])
def charging_records(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[ChargingSessions, Operations]]:
    if request.param == "in-memory":
        yield InMemoryChargingSessions(), InMemoryOperations()
        return
    with aws_from_template(monkeypatch, "ChargingFunction") as template:
        yield (
            SessionStore(template.tables["ChargingTable"].name),
            OperationStore(template.tables["OperationsTable"].name),
        )


@pytest.fixture(params=["in-memory", "dynamodb"])
def conversations(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sessions]:
    if request.param == "in-memory":
        yield InMemorySessions()
        return
    with aws_from_template(monkeypatch, "AssistantFunction") as template:
        yield AssistantSessionStore(template.tables["SessionsTable"].name)


def reservation(rid: str, owner: str = "vin-1", **changes: Any) -> Reservation:
    made = Reservation(
        id=rid,
        owner=owner,
        status=ReservationStatus.PENDING,
        slot_id="slot-1",
        venue=VenueView(
            id="v1", name="Lot", kind=Kind.PARKING, address="1 Road", location=Point(lat=31, lon=121)
        ),
        start=T0 + timedelta(hours=2),
        end=T0 + timedelta(hours=3),
        party_size=1,
        units=1,
        price=Money(amount=3000, currency="CNY"),
        payment=Payment(status="authorized"),
        created_at=T0,
    )
    return made.model_copy(update=changes)


def test_a_reservation_is_created_once_and_read_back_by_its_owner_only(
    reservations: ReservationRecords,
) -> None:
    first = reservation("r1")
    assert reservations.create(first) is True
    assert reservations.create(reservation("r1", units=2)) is False  # a duplicated invocation
    assert reservations.get("vin-1", "r1") == first
    assert reservations.get("vin-2", "r1") is None
    assert reservations.create(reservation("r2")) is True
    assert reservations.create(reservation("r9", owner="vin-2")) is True
    assert [r.id for r in reservations.list("vin-1")] == ["r1", "r2"]


def test_transitions_hold_only_from_the_expected_state(reservations: ReservationRecords) -> None:
    reservations.create(reservation("r1"))
    confirmed = reservation("r1", status=ReservationStatus.CONFIRMED)
    assert reservations.transition(confirmed, ReservationStatus.PENDING) is True
    assert reservations.transition(confirmed, ReservationStatus.PENDING) is False  # it is no longer pending
    with pytest.raises(ValueError, match="cannot go from"):
        reservations.transition(
            reservation("r1", status=ReservationStatus.PENDING), ReservationStatus.CONFIRMED
        )
    assert (
        reservations.transition(
            reservation("nobody", status=ReservationStatus.CONFIRMED), ReservationStatus.PENDING
        )
        is False
    )
    stored = reservations.get("vin-1", "r1")
    assert stored is not None and stored.status is ReservationStatus.CONFIRMED


def test_each_payment_step_is_recorded_once(reservations: ReservationRecords) -> None:
    reservations.create(reservation("r1"))
    captured = reservation("r1", payment=Payment(status="captured"))
    assert reservations.record_payment(captured, was="authorized") is True
    assert reservations.record_payment(captured, was="authorized") is False  # the step was recorded already
    moved = reservation("r1", status=ReservationStatus.CONFIRMED, payment=Payment(status="refunded"))
    assert reservations.record_payment(moved, was="captured") is False  # the reservation is in another state
    stored = reservations.get("vin-1", "r1")
    assert stored is not None and stored.payment.status == "captured"


def test_a_stale_pending_reservation_is_restarted_by_one_taker_and_forgotten_only_while_pending(
    reservations: ReservationRecords,
) -> None:
    old = reservation("r1")
    reservations.create(old)
    later = reservation("r1", created_at=T0 + timedelta(minutes=5))
    assert reservations.restart(old, later) is True
    assert reservations.restart(old, reservation("r1", created_at=T0 + timedelta(minutes=6))) is False
    assert reservations.get("vin-1", "r1") == later
    reservations.create(reservation("r2"))
    reservations.transition(reservation("r2", status=ReservationStatus.CONFIRMED), ReservationStatus.PENDING)
    reservations.forget(reservation("r2"))  # confirmed: it stays
    reservations.forget(later)
    assert [r.id for r in reservations.list("vin-1")] == ["r2"]


def test_stuck_lists_what_the_reconciler_settles(reservations: ReservationRecords) -> None:
    reservations.create(reservation("pending"))
    for rid, status, pay in [
        ("held", ReservationStatus.CONFIRMED, "authorized"),
        ("paid", ReservationStatus.CONFIRMED, "captured"),
        ("owed", ReservationStatus.CANCELLED, "captured"),
        ("done", ReservationStatus.CANCELLED, "refunded"),
    ]:
        reservations.create(reservation(rid, status=status, payment=Payment(status=pay)))
    assert sorted(r.id for r in reservations.stuck()) == ["held", "owed", "pending"]


def destination(did: str, name: str) -> Destination:
    return Destination(id=did, destination=Point(lat=31.2, lon=121.4), name=name, waypoints=[], set_at=T0)


def test_a_destination_request_is_recorded_once(destinations: Destinations) -> None:
    assert destinations.current("vin-1") is None
    assert destinations.set("vin-1", destination("d1", "Bund")) == destination("d1", "Bund")
    assert destinations.set("vin-1", destination("d1", "Airport")) == destination("d1", "Bund")  # a retry
    assert destinations.current("vin-1") == destination("d1", "Bund")
    destinations.set("vin-1", destination("d2", "Airport"))
    assert destinations.current("vin-1") == destination("d2", "Airport")
    assert destinations.current("vin-2") is None


def test_a_payment_charged_and_refunded_leaves_the_same_records(payment_records: PaymentRecords) -> None:
    limits = {"CNY": CurrencyLimits(per_payment=50_000, per_day=100_000)}
    payments = PaymentsService(SandboxProcessor(), SandboxMethods(), payment_records, limits)
    car = Caller(sub="vin-1", role=Role.VEHICLE)

    def inv(tool: str, key: str) -> ToolInvocation:
        return ToolInvocation(
            invocation_id=key, tool=tool, arguments={}, caller=car, idempotency_key=key, confirmed=True
        )

    args = CreatePaymentArgs(
        amount=AmountArg(amount=4550, currency="CNY"), merchant="shanghai_star_charging", purpose="charging"
    )
    paid = payments.create_payment(inv("payments_create_payment", "k1"), args).payment
    assert payments.create_payment(inv("payments_create_payment", "k1"), args).payment.id == paid.id  # once
    assert payment_records.ledger("vin-1", "CNY").spent_since(0) == 4550
    refund = RefundArgs(payment_id=paid.id, amount=AmountArg(amount=1000, currency="CNY"))
    payments.refund_payment(inv("payments_refund_payment", "k2"), refund)
    after = payments.get_payment(inv("payments_get_payment", "k3"), PaymentArgs(payment_id=paid.id)).payment
    assert after.status is PaymentStatus.SUCCEEDED
    assert [e.event for e in payment_records.trail(paid.id)] == [
        "created",
        "captured",
        "refund_requested",
        "refunded",
    ]
    assert [r.status.value for r in payment_records.refunds(paid.id)] == ["succeeded"]
    assert payment_records.stuck() == ([], [])


def test_a_stale_copy_and_a_held_payment_are_refused(payment_records: PaymentRecords) -> None:
    limits = {"CNY": CurrencyLimits(per_payment=50_000, per_day=100_000)}
    payments = PaymentsService(SandboxProcessor(), SandboxMethods(), payment_records, limits)
    car = Caller(sub="vin-1", role=Role.VEHICLE)
    inv = ToolInvocation(
        invocation_id="i", tool="t", arguments={}, caller=car, idempotency_key="k", confirmed=True
    )
    args = CreatePaymentArgs(
        amount=AmountArg(amount=2000, currency="CNY"),
        merchant="shanghai_star_charging",
        purpose="charging",
        capture="manual",
    )
    view = payments.create_payment(inv, args).payment
    held = payment_records.get(view.id)
    assert held is not None and held.status is PaymentStatus.REQUIRES_CAPTURE
    assert payment_records.lock(held, 100.0, 50.0) is True
    assert payment_records.lock(held, 200.0, 60.0) is False  # held until 100
    locked = payment_records.get(held.id)
    assert locked is not None and locked.locked_until == 100.0
    payment_records.unlock(held)  # not ours (ours says locked_until 0): it stays held
    assert (payment_records.get(held.id) or held).locked_until == 100.0
    payment_records.unlock(locked)
    assert (payment_records.get(held.id) or held).locked_until == 0
    payments._transition(held, PaymentStatus.CANCELED, "canceled", Deltas())
    with pytest.raises(PaymentStateConflict):
        payments._transition(held, PaymentStatus.SUCCEEDED, "captured", Deltas(captured=2000), captured=2000)
    assert [e.event for e in payment_records.trail(held.id)] == ["created", "authorized", "canceled"]


def charging_session(sid: str, op: str, **changes: Any) -> ChargingSession:
    made = ChargingSession(
        id=sid,
        owner="vin-1",
        status=SessionStatus.PENDING,
        station_id="st-1",
        evse_uid="evse-1",
        connector_id="1",
        operation_id=op,
        created_at=T0,
    )
    return made.model_copy(update=changes)


def test_a_session_and_its_operation_are_written_together_or_not_at_all(
    charging_records: tuple[ChargingSessions, Operations],
) -> None:
    sessions, operations = charging_records
    op = operations.new("op_" + "1" * 24, "vin-1", "charging_start_session")
    pending = charging_session("s1", op.id)
    assert sessions.create(pending, operations.put_request(op)) is True
    assert sessions.create(pending, operations.put_request(op)) is False  # a duplicated invocation
    assert sessions.get("s1") == pending
    stored_op = operations.get(op.id)
    assert stored_op is not None and stored_op.status is OperationStatus.PENDING
    active = charging_session("s1", op.id, status=SessionStatus.ACTIVE)
    with pytest.raises(Conflict):  # not active yet: neither the session nor the operation moves
        sessions.transition(
            charging_session("s1", op.id, status=SessionStatus.STOPPING),
            SessionStatus.ACTIVE,
            operations.complete_request(op, result={"x": 1}),
        )
    assert (operations.get(op.id) or op).status is OperationStatus.PENDING
    sessions.transition(active, SessionStatus.PENDING, operations.complete_request(op, result={"ok": True}))
    done = operations.get(op.id)
    assert done is not None and done.status is OperationStatus.SUCCEEDED and done.result == {"ok": True}
    assert sessions.get("s1") == active
    with pytest.raises(Conflict):
        operations.complete(op, error=UpstreamTimeout("late").problem())  # completed once only


def test_a_session_that_never_started_is_forgotten_with_its_operation_and_stuck_ones_are_listed(
    charging_records: tuple[ChargingSessions, Operations],
) -> None:
    sessions, operations = charging_records
    op = operations.new("op_" + "2" * 24, "vin-1", "charging_start_session")
    never = charging_session("s2", op.id)
    sessions.create(never, operations.put_request(op))
    sessions.forget(never, operations.delete_request(op))
    assert sessions.get("s2") is None and operations.get(op.id) is None
    hold = SessionPayment(id="pay-1", status="requires_capture", hold=Money(amount=10000, currency="CNY"))
    for sid, status, payment in [
        ("pending", SessionStatus.PENDING, None),
        ("held", SessionStatus.COMPLETED, hold),
        ("paid", SessionStatus.COMPLETED, hold.model_copy(update={"status": "succeeded"})),
        ("active", SessionStatus.ACTIVE, hold),
        ("failed", SessionStatus.FAILED, hold),
    ]:
        made = operations.new("op_" + uuid.uuid4().hex[:24], "vin-1", "charging_start_session")
        assert sessions.create(
            charging_session(sid, made.id, status=status, payment=payment), operations.put_request(made)
        )
    assert sorted(s.id for s in sessions.stuck()) == ["failed", "held", "pending"]


def test_a_turn_is_saved_with_its_session_only_over_the_version_it_read(conversations: Sessions) -> None:
    now = datetime.now(UTC)
    session = Session(
        session_id="ses_" + "a" * 24,
        owner="vin-1",
        locale="en-US",
        vehicle=VehicleContext(),
        created_at=now,
        expires_at=now + timedelta(minutes=30),
    )
    assert conversations.load(session.session_id) is None
    conversations.create(session)
    assert conversations.load(session.session_id) == session
    turn = TurnRecord(turn_id="t1", at=now, text="hello", reply="hi", agent="car_genius")
    first = session.model_copy(update={"version": 1, "turns": 1})
    conversations.save_turn(first, 0, turn)
    with pytest.raises(SessionBusy):  # another turn read version 0 too: it loses, nothing is written
        conversations.save_turn(first.model_copy(update={"summary": "late"}), 0, turn)
    with pytest.raises(SessionBusy):
        conversations.save_turn(first.model_copy(update={"session_id": "ses_" + "b" * 24}), 0, turn)
    loaded, turns = conversations.with_turns(session.session_id)
    assert loaded == first and turns == [turn]
    conversations.delete(session.session_id)
    assert conversations.with_turns(session.session_id) == (None, [])
