"""The booking tools' arguments and results (the JSON Schemas in the catalog say the same)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from booking.ports import Kind, Slot, Venue
from cockpit.money import Money
from cockpit.vehicle import Point

ID = r"^[A-Za-z0-9_.-]{1,64}$"
SLOT_ID = r"^[A-Z]{3}-[A-Z][0-9]{2}\.[0-9]{8}T[0-9]{4}$"
RESERVATION_ID = r"^rs_[a-f0-9]{24}$"
SERVICE_ITEM = r"^[a-z0-9_]{1,40}$"
MAX_NIGHTS = 30


class Args(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SearchArgs(Args):
    kind: Kind
    location: Point | None = None
    venue_id: str | None = Field(default=None, pattern=ID)
    start: AwareDatetime | None = None
    end: AwareDatetime | None = None
    party_size: int = Field(default=1, ge=1, le=50)
    nights: int = Field(default=1, ge=1, le=MAX_NIGHTS)  # hotels: a stay of this many nights
    service_items: list[str] | None = Field(default=None, min_length=1, max_length=10)
    radius_km: float = Field(default=10, gt=0, le=50)
    limit: int = Field(default=10, ge=1, le=50)


class CreateArgs(Args):
    slot_id: str = Field(pattern=SLOT_ID)
    party_size: int = Field(default=1, ge=1, le=50)
    nights: int = Field(default=1, ge=1, le=MAX_NIGHTS)  # hotels: nights from the check-in
    name: str | None = Field(default=None, min_length=1, max_length=80)
    payment_method_id: str | None = Field(default=None, pattern=ID)


class ReservationArgs(Args):
    reservation_id: str = Field(pattern=RESERVATION_ID)


class ListArgs(Args):
    include_past: bool = False


class ReservationStatus(StrEnum):
    """schema.org ReservationStatusType / OCPI 2.3 booking states, as one lifecycle."""

    PENDING = "pending"
    CONFIRMED = "confirmed"
    FULFILLED = "fulfilled"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


# The only transitions a reservation may make; the store writes each conditionally on the old state.
TRANSITIONS: dict[ReservationStatus, frozenset[ReservationStatus]] = {
    ReservationStatus.PENDING: frozenset({ReservationStatus.CONFIRMED, ReservationStatus.CANCELLED}),
    ReservationStatus.CONFIRMED: frozenset(
        {ReservationStatus.FULFILLED, ReservationStatus.CANCELLED, ReservationStatus.NO_SHOW}
    ),
    ReservationStatus.FULFILLED: frozenset(),
    ReservationStatus.CANCELLED: frozenset(),
    ReservationStatus.NO_SHOW: frozenset(),
}


class VenueView(BaseModel):
    id: str
    name: str
    kind: Kind
    address: str
    location: Point
    distance_km: float | None = None
    services: list[str] | None = None

    @classmethod
    def of(cls, v: Venue, distance_km: float | None = None, locale: str = "en-US") -> VenueView:
        """The venue as the caller reads it: `name` in the session's language."""
        services = list(v.services) if v.services else None
        return cls(id=v.id, name=v.display_name(locale), kind=v.kind, address=v.address,
                   location=v.location, distance_km=distance_km, services=services)  # fmt: skip


class SlotView(BaseModel):
    slot_id: str
    venue: VenueView
    start: datetime
    end: datetime
    remaining: int
    price: Money
    requires_prepayment: bool
    cancellation_fee: Money | None = None
    free_cancellation_until: datetime | None = None
    requires_confirmation: bool
    nights: int = 1

    @classmethod
    def of(cls, s: Slot, distance_km: float | None, locale: str = "en-US", nights: int = 1) -> SlotView:
        return cls(
            nights=nights,
            slot_id=s.id,
            venue=VenueView.of(s.venue, distance_km, locale),
            start=s.start,
            end=s.end,
            remaining=s.remaining or 0,
            price=s.price,
            requires_prepayment=s.requires_prepayment,
            cancellation_fee=s.cancellation_fee,
            free_cancellation_until=s.free_cancellation_until,
            requires_confirmation=s.requires_prepayment or s.cancellation_fee is not None,
        )


class Availability(BaseModel):
    slots: list[SlotView]
    service_items: list[str] | None = None
    unknown_needs: list[str] | None = None


PaymentStatus = Literal["not_required", "pending", "authorized", "captured", "refunded", "voided"]


class Payment(BaseModel):
    """What happened to the money of a prepaid booking, through the payments function: `pending` while
    the reservation is being made, `authorized` (held at creation), `captured` (taken when confirmed),
    `refunded` (given back on cancel, the fee kept), `voided` (a hold released without taking money).
    Free bookings: `not_required`."""

    status: PaymentStatus = "pending"
    id: str | None = None
    method_id: str | None = None
    amount: Money | None = None
    refunded: Money | None = None
    refund_id: str | None = None


class Reservation(BaseModel):
    """A driver's reservation as the booking table keeps it."""

    id: str
    owner: str
    status: ReservationStatus
    slot_id: str
    venue: VenueView
    start: datetime
    end: datetime
    party_size: int
    units: int
    nights: int = 1  # hotels: the stay holds a room on each night from the slot's check-in
    name: str | None = None
    price: Money
    requires_prepayment: bool = False
    cancellation_fee: Money | None = None
    free_cancellation_until: datetime | None = None
    payment: Payment
    created_at: datetime
    confirmed_at: datetime | None = None
    cancelled_at: datetime | None = None
    cancellation_fee_due: Money | None = None
    # refunds the processor refused for certain; the next cancel tries again under a key of its own
    refund_attempts: int = 0


class ReservationView(BaseModel):
    id: str
    status: ReservationStatus
    slot_id: str
    venue: VenueView
    start: datetime
    end: datetime
    party_size: int
    nights: int = 1
    name: str | None
    price: Money
    requires_prepayment: bool
    cancellation_fee: Money | None
    free_cancellation_until: datetime | None
    payment: Payment
    created_at: datetime
    cancelled_at: datetime | None
    cancellation_fee_due: Money | None

    @classmethod
    def of(cls, r: Reservation, venue_name: str | None = None) -> ReservationView:
        """`venue_name`: the venue's name in the caller's language (the reservation keeps the English)."""
        view = cls.model_validate(r.model_dump(exclude={"owner", "units", "confirmed_at", "refund_attempts"}))
        if venue_name:
            view.venue = view.venue.model_copy(update={"name": venue_name})
        return view


class OneReservation(BaseModel):
    reservation: ReservationView


class Reservations(BaseModel):
    reservations: list[ReservationView]
