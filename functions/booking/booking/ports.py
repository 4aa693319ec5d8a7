"""The booking provider port and its domain: venues, the slots they offer, and the inventory behind them.

Adapters: `sandbox` (venues generated deterministically in code, slot capacity kept in DynamoDB). The
service speaks only to this port. A venue belongs to one kind; a slot is one bookable time at one
venue, with a capacity in units (covers for a restaurant, spaces, bays or rooms otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Protocol

from pydantic import BaseModel, ConfigDict, Field

from cockpit.money import Money
from cockpit.vehicle import Point

if TYPE_CHECKING:
    from booking.models import Reservation, ReservationStatus


class Kind(StrEnum):
    PARKING = "parking"
    RESTAURANT = "restaurant"
    SERVICE_APPOINTMENT = "service_appointment"
    HOTEL = "hotel"


class Outcome(StrEnum):
    """What the venue reports after a slot: the guest came (fulfilled) or did not (no_show)."""

    FULFILLED = "fulfilled"
    NO_SHOW = "no_show"


class Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Venue(Model):
    id: str
    kind: Kind
    name: str
    name_zh: str | None = None  # its name for zh-CN sessions, where it has one
    address: str
    city: str
    location: Point
    time_zone: str
    currency: str
    # restaurants: the largest party one table takes; hotels: guests per room; else 1
    max_party: int = Field(ge=1)
    # service centres: the service items they do (ServiceItem values)
    services: tuple[str, ...] = ()
    brand: str | None = None

    def display_name(self, locale: str) -> str:
        """The name in the session's language: the Chinese name where the venue has one."""
        return (self.name_zh or self.name) if locale == "zh-CN" else self.name


class Slot(Model):
    """One bookable time at a venue, with what is left of its capacity."""

    id: str
    venue: Venue
    start: datetime
    end: datetime
    capacity: int = Field(ge=1)
    remaining: int | None = Field(default=None, ge=0, description="None: not read (terms only)")
    price: Money  # zero when the booking itself costs nothing (a table, a workshop slot)
    requires_prepayment: bool = False
    cancellation_fee: Money | None = None
    # cancelling before this moment is free even when the slot carries a fee
    free_cancellation_until: datetime | None = None


class BookingProvider(Protocol):
    """The port: everything the booking service needs from whoever holds the inventory."""

    def venues(self, kind: Kind) -> Sequence[Venue]:
        """Every venue of this kind."""
        ...

    def venue(self, venue_id: str) -> Venue | None: ...

    def slots(self, venues: Sequence[Venue], start: datetime, end: datetime) -> list[Slot]:
        """The slots of these venues that start within [start, end), with their remaining capacity."""
        ...

    def slot(self, slot_id: str, *, with_remaining: bool = True) -> Slot | None:
        """One slot by id, or None when the id names no slot. Booking needs only its terms (time,
        price, fees): without `with_remaining` its capacity is not read."""
        ...

    def next_night(self, slot_id: str) -> str | None:
        """A hotel slot's next night: the same venue's slot a day later, or None where there is none."""
        ...

    def hold(self, slot: Slot, reservation_id: str, units: int, owner: str) -> bool:
        """Take `units` of the slot's capacity for this reservation of `owner`'s; False (and nothing
        taken) when too few are left; BookingLimitExceeded when the vehicle holds as many bookings of
        the slot as it may. A reservation resumed after a crash keeps what it holds and takes only the
        rest (the reservation is written first, exactly once)."""
        ...

    def release(self, slot_id: str, reservation_id: str) -> int:
        """Give back what the reservation holds, exactly once; how many units this call freed."""
        ...

    def outcome(self, slot_id: str, reservation_id: str, now: datetime) -> Outcome | None:
        """How a confirmed booking ended (the guest came, or did not), once the venue knows; else None."""
        ...


class ReservationRecords(Protocol):
    """The reservations table (store.ReservationStore; an in-memory fake in tests). Every write is
    conditional: the booleans say whether this caller's write won."""

    def get(self, owner: str, reservation_id: str) -> Reservation | None: ...

    def list(self, owner: str) -> list[Reservation]: ...

    def stuck(self) -> tuple[Reservation, ...]:
        """Pending ones, confirmed ones whose payment is only held, cancelled ones whose money is not back."""
        ...

    def create(self, reservation: Reservation) -> bool:
        """Write the reservation once; False when it already exists (a duplicated invocation)."""
        ...

    def forget(self, reservation: Reservation) -> None:
        """Remove a reservation that never got its capacity (still pending)."""
        ...

    def restart(self, old: Reservation, new: Reservation) -> bool:
        """Take over a pending reservation a stopped call left behind; True for exactly one taker."""
        ...

    def transition(self, new: Reservation, expected: ReservationStatus) -> bool:
        """Write the reservation's new state if it is still `expected`; False when it no longer is."""
        ...

    def record_payment(self, new: Reservation, was: str) -> bool:
        """Write what happened to the money if the reservation is still in `new.status` and its payment
        still `was`; False when another call moved either first."""
        ...
