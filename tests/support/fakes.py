"""In-memory fakes of the ports, for unit tests."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING

from booking.models import TRANSITIONS, ReservationStatus
from charging.ports import EvseStatus

if TYPE_CHECKING:
    from booking.models import Reservation
    from navigation.models import Destination


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
