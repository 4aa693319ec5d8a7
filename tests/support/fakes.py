"""In-memory fakes of the ports, for unit tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from booking.models import TRANSITIONS, ReservationStatus
from charging.models import SessionStatus
from charging.ports import EvseStatus
from cockpit.errors import Conflict, Problem
from cockpit.operations import Operation, OperationStatus
from payments.store import Ledger

if TYPE_CHECKING:
    from booking.models import Reservation
    from charging.models import ChargingSession
    from navigation.models import Destination
    from payments.models import Payment, Refund, RefundStatus, TrailEntry


class InMemoryEvseStates:
    """`EvseStates` in a dict: EVSE uid -> the session holding it. Atomic like a conditional write."""

    def __init__(self) -> None:
        self.held: dict[str, str] = {}
        self.overrides_calls = 0
        self._lock = threading.Lock()

    def overrides(self) -> dict[str, EvseStatus]:
        with self._lock:
            self.overrides_calls += 1
            return dict.fromkeys(self.held, EvseStatus.CHARGING)

    def occupy(self, evse_uid: str, session_id: str) -> bool:
        with self._lock:
            if evse_uid in self.held:
                return False
            self.held[evse_uid] = session_id
            return True

    def holder(self, evse_uid: str) -> str | None:
        with self._lock:
            return self.held.get(evse_uid)

    def release(self, evse_uid: str, session_id: str) -> bool:
        with self._lock:
            if self.held.get(evse_uid) != session_id:
                return False
            del self.held[evse_uid]
            return True


class InMemoryReservations:
    """`booking.ports.ReservationRecords` in a dict keyed by (owner, id). Each write checks the condition
    ReservationStore's DynamoDB write carries, under one lock, so racing writers see one winner."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, str], Reservation] = {}
        self._lock = threading.Lock()

    def get(self, owner: str, reservation_id: str) -> Reservation | None:
        with self._lock:
            return self.items.get((owner, reservation_id))

    def list(self, owner: str) -> list[Reservation]:
        with self._lock:
            return [r for (o, rid), r in sorted(self.items.items()) if o == owner]

    def stuck(self) -> tuple[Reservation, ...]:
        def settling(r: Reservation) -> bool:
            pay = r.payment.status
            return (
                r.status is ReservationStatus.PENDING
                or (r.status is ReservationStatus.CONFIRMED and pay == "authorized")
                or (r.status is ReservationStatus.CANCELLED and pay in ("authorized", "captured"))
            )

        with self._lock:
            return tuple(r for r in self.items.values() if settling(r))

    def create(self, reservation: Reservation) -> bool:
        with self._lock:
            if (reservation.owner, reservation.id) in self.items:
                return False
            self.items[reservation.owner, reservation.id] = reservation
            return True

    def forget(self, reservation: Reservation) -> None:
        with self._lock:
            found = self.items.get((reservation.owner, reservation.id))
            if found is not None and found.status is ReservationStatus.PENDING:
                del self.items[reservation.owner, reservation.id]

    def restart(self, old: Reservation, new: Reservation) -> bool:
        with self._lock:
            found = self.items.get((old.owner, old.id))
            if found is None or found.status is not ReservationStatus.PENDING:
                return False
            if found.created_at != old.created_at:
                return False
            self.items[old.owner, old.id] = new
            return True

    def transition(self, new: Reservation, expected: ReservationStatus) -> bool:
        if new.status not in TRANSITIONS[expected]:
            raise ValueError(f"a reservation cannot go from {expected.value} to {new.status.value}")
        return self._write_if(new, lambda found: found.status is expected)

    def record_payment(self, new: Reservation, was: str) -> bool:
        return self._write_if(new, lambda found: found.status is new.status and found.payment.status == was)

    def _write_if(self, new: Reservation, holds: Callable[[Reservation], bool]) -> bool:
        with self._lock:
            found = self.items.get((new.owner, new.id))
            if found is None or not holds(found):
                return False
            self.items[new.owner, new.id] = new
            return True


class InMemoryDestinations:
    """`navigation.ports.Destinations` in dicts: each vehicle's current destination, and each request's
    (by destination id) recorded once, so a repeated request answers what it recorded the first time."""

    def __init__(self) -> None:
        self.items: dict[str, Destination] = {}
        self.requests: dict[tuple[str, str], Destination] = {}

    def current(self, sub: str) -> Destination | None:
        return self.items.get(sub)

    def set(self, sub: str, destination: Destination) -> Destination:
        recorded = self.requests.setdefault((sub, destination.id), destination)
        if recorded is destination:
            self.items[sub] = destination
        return recorded


class InMemoryPayments:
    """`payments.ports.PaymentRecords` in dicts. The item builders return writes that carry their condition
    (the same conditions PaymentStore's DynamoDB items carry); `write` checks them all, then applies them
    all, under one lock, so a transaction is all or nothing and racing writers see one winner."""

    def __init__(self) -> None:
        self.payments: dict[str, Payment] = {}
        self.trails: dict[str, dict[int, TrailEntry]] = {}
        self.refund_items: dict[tuple[str, str], Refund] = {}
        self.ledgers: dict[tuple[str, str], Ledger] = {}
        self._lock = TRANSACTIONS

    # reads

    def get(self, payment_id: str) -> Payment | None:
        return self.payments.get(payment_id)

    def refund(self, payment_id: str, refund_id: str) -> Refund | None:
        return self.refund_items.get((payment_id, refund_id))

    def trail(self, payment_id: str) -> list[TrailEntry]:
        return [e for _seq, e in sorted(self.trails.get(payment_id, {}).items())]

    def refunds(self, payment_id: str) -> list[Refund]:
        return [r for (pid, _rid), r in sorted(self.refund_items.items()) if pid == payment_id]

    def ledger(self, owner: str, currency: str) -> Ledger:
        return self.ledgers.get((currency, owner)) or Ledger(owner=owner, currency=currency)

    def stuck(self) -> tuple[list[Payment], list[Refund]]:
        payments = [p for p in self.payments.values() if p.status.value == "processing"]
        refunds = [r for r in self.refund_items.values() if r.status.value == "pending"]
        return payments, refunds

    # writes: {"InMemory": (condition, apply)}

    def new_payment(self, p: Payment) -> dict[str, Any]:
        return _write(lambda: p.id not in self.payments, lambda: self.payments.__setitem__(p.id, p))

    def next_payment(self, p: Payment, expected: Payment) -> dict[str, Any]:
        def unchanged() -> bool:
            found = self.payments.get(p.id)
            return found is not None and found.status is expected.status and found.version == expected.version

        return _write(unchanged, lambda: self.payments.__setitem__(p.id, p))

    def trail_item(self, e: TrailEntry) -> dict[str, Any]:
        return _write(
            lambda: e.seq not in self.trails.get(e.payment_id, {}),
            lambda: self.trails.setdefault(e.payment_id, {}).__setitem__(e.seq, e),
        )

    def new_refund(self, r: Refund) -> dict[str, Any]:
        key = (r.payment_id, r.id)
        return _write(lambda: key not in self.refund_items, lambda: self.refund_items.__setitem__(key, r))

    def next_refund(self, r: Refund, expected: RefundStatus) -> dict[str, Any]:
        key = (r.payment_id, r.id)

        def still() -> bool:
            found = self.refund_items.get(key)
            return found is not None and found.status is expected

        return _write(still, lambda: self.refund_items.__setitem__(key, r))

    def ledger_item(self, ledger: Ledger) -> dict[str, Any]:
        key = (ledger.currency, ledger.owner)

        def read_version_still() -> bool:
            found = self.ledgers.get(key)
            return (found.version if found else 0) == ledger.version - 1

        return _write(read_version_still, lambda: self.ledgers.__setitem__(key, ledger))

    def lock(self, p: Payment, locked_until: float, now: float) -> bool:
        with self._lock:
            found = self.payments.get(p.id)
            if found is None or found.status is not p.status or found.version != p.version:
                return False
            if not found.locked_until < now:
                return False
            self.payments[p.id] = p.model_copy(update={"locked_until": locked_until})
            return True

    def unlock(self, p: Payment) -> None:
        with self._lock:
            found = self.payments.get(p.id)
            if found is not None and found.version == p.version and found.locked_until == p.locked_until:
                self.payments[p.id] = p.model_copy(update={"locked_until": 0})

    def write(self, items: list[dict[str, Any]]) -> bool:
        return _transact(items)


def _write(condition: Callable[[], bool], apply: Callable[[], object]) -> dict[str, Any]:
    return {"InMemory": (condition, apply)}


TRANSACTIONS = threading.RLock()  # one lock for every fake's all-or-nothing write, as one DynamoDB


def _transact(items: list[dict[str, Any]]) -> bool:
    writes = [item["InMemory"] for item in items]
    with TRANSACTIONS:
        if not all(condition() for condition, _apply in writes):
            return False
        for _condition, apply in writes:
            apply()
        return True


class InMemoryOperations:
    """`cockpit.operations.Operations` in a dict; its `*_request` writes go into the same transaction as an
    `InMemoryChargingSessions` write, with the conditions OperationStore's items carry."""

    def __init__(self) -> None:
        self.items: dict[str, Operation] = {}

    def new(self, operation_id: str, owner: str, tool: str) -> Operation:
        at = datetime.now(UTC)
        return Operation(id=operation_id, owner=owner, tool=tool, created_at=at, updated_at=at)

    def put_request(self, op: Operation) -> dict[str, Any]:
        return _write(lambda: op.id not in self.items, lambda: self.items.__setitem__(op.id, op))

    def complete_request(
        self, op: Operation, *, result: dict[str, Any] | None = None, error: Problem | None = None
    ) -> dict[str, Any]:
        status = OperationStatus.FAILED if error is not None else OperationStatus.SUCCEEDED
        done = op.model_copy(
            update={"status": status, "result": result, "error": error, "updated_at": datetime.now(UTC)}
        )

        def pending() -> bool:
            found = self.items.get(op.id)
            return found is not None and found.status is OperationStatus.PENDING

        return _write(pending, lambda: self.items.__setitem__(op.id, done))

    def delete_request(self, op: Operation) -> dict[str, Any]:
        return _write(lambda: True, lambda: self.items.pop(op.id, None))

    def get(self, operation_id: str) -> Operation | None:
        return self.items.get(operation_id)

    def complete(
        self, op: Operation, *, result: dict[str, Any] | None = None, error: Problem | None = None
    ) -> None:
        if not _transact([self.complete_request(op, result=result, error=error)]):
            raise Conflict(f"operation {op.id} is already complete")


class InMemoryChargingSessions:
    """`charging.ports.ChargingSessions` in a dict; `also` are other fakes' writes (InMemoryOperations),
    applied with the session's write or not at all."""

    def __init__(self) -> None:
        self.items: dict[str, ChargingSession] = {}

    def get(self, session_id: str) -> ChargingSession | None:
        return self.items.get(session_id)

    def stuck(self) -> tuple[ChargingSession, ...]:
        def held(s: ChargingSession) -> bool:
            return s.payment is not None and s.payment.status == "requires_capture"

        settled_later = (SessionStatus.FAILED, SessionStatus.COMPLETED)
        return tuple(
            s
            for s in self.items.values()
            if s.status is SessionStatus.PENDING or (s.status in settled_later and held(s))
        )

    def create(self, session: ChargingSession, *also: dict[str, Any]) -> bool:
        put = _write(
            lambda: session.id not in self.items, lambda: self.items.__setitem__(session.id, session)
        )
        return _transact([put, *also])

    def transition(self, session: ChargingSession, expected: SessionStatus, *also: dict[str, Any]) -> None:
        def still() -> bool:
            found = self.items.get(session.id)
            return found is not None and found.status is expected

        if not _transact([_write(still, lambda: self.items.__setitem__(session.id, session)), *also]):
            raise Conflict(f"charging session {session.id} is no longer {expected.value.lower()}")

    def forget(self, session: ChargingSession, *also: dict[str, Any]) -> None:
        _transact([_write(lambda: True, lambda: self.items.pop(session.id, None)), *also])
