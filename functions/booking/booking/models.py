"""The booking tools' arguments and results (the JSON Schemas in the catalog say the same)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

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


PARTY_SIZE = "guests (restaurants, hotels); ignored for parking and service appointments"
ServiceItem = Annotated[str, Field(min_length=1, max_length=40)]


class SearchArgs(Args):
    kind: Kind = Field(description="what to book")
    location: Point | None = Field(
        default=None, description="Search around this point (default: the car's location)."
    )
    venue_id: str | None = Field(default=None, pattern=ID, description="only this venue")
    start: AwareDatetime | None = Field(
        default=None, description="window start, RFC 3339 (default: now) with an offset"
    )
    end: AwareDatetime | None = Field(default=None, description="window end, RFC 3339 with an offset")
    party_size: int = Field(default=1, ge=1, le=50, description=PARTY_SIZE)
    nights: int = Field(
        default=1,
        ge=1,
        le=MAX_NIGHTS,
        description="hotel: nights in a row, 1 to 30; each slot offered is a stay that checks in at its "
        "start, with a room free every night and the price of all nights",
    )
    service_items: list[ServiceItem] | None = Field(
        default=None,
        min_length=1,
        max_length=10,
        description="service_appointment: what the car needs (e.g. oil_change, brakes, tyres, hv_battery, "
        "diagnostics); default: the vehicle's reported needs",
    )
    radius_km: float = Field(default=10, gt=0, le=50)
    limit: int = Field(default=10, ge=1, le=50)


class CreateArgs(Args):
    slot_id: str = Field(pattern=SLOT_ID, description="a slot_id from booking_search_availability")
    party_size: int = Field(default=1, ge=1, le=50, description=PARTY_SIZE)
    nights: int = Field(
        default=1,
        ge=1,
        le=MAX_NIGHTS,
        description="hotel: nights in a row from the slot's check-in, as the search offered them (1 to 30)",
    )
    name: str | None = Field(
        default=None, min_length=1, max_length=80, description="name the booking is under"
    )
    payment_method_id: str | None = Field(
        default=None, pattern=ID, description="payments_list_methods id, for prepaid slots"
    )


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
    remaining: int = Field(ge=0)
    price: Money = Field(
        description="what booking costs (a parking slot, a hotel night); zero when the booking itself is free"
    )
    requires_prepayment: bool
    cancellation_fee: Money | None = Field(
        default=None, description="charged when cancelled late or not used"
    )
    free_cancellation_until: datetime | None = None
    requires_confirmation: bool = Field(description="booking it asks the driver first")
    nights: int = Field(default=1, ge=1, description="hotel: nights of the stay; else 1")

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

    status: PaymentStatus = Field(
        default="pending",
        description="not_required: a free booking; pending: being made; authorized: the price is held; "
        "captured: paid; refunded: given back on cancel, less any fee due; voided: a hold released, nothing "
        "taken",
    )
    id: str | None = Field(
        default=None, pattern=r"^pay_[a-f0-9]{24}$", description="the payment (payments_get_payment)"
    )
    method_id: str | None = None
    amount: Money | None = Field(default=None, description="the prepaid price")
    refunded: Money | None = Field(default=None, description="what the cancel gave back")
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
    nights: int = Field(default=1, ge=1, description="hotel: nights of the stay; else 1")
    name: str | None
    price: Money = Field(description="what the booking costs")
    requires_prepayment: bool
    cancellation_fee: Money | None = Field(description="what cancelling late or not showing up costs")
    free_cancellation_until: datetime | None
    payment: Payment = Field(description="what happened to the money, through the payments function")
    created_at: datetime
    cancelled_at: datetime | None
    cancellation_fee_due: Money | None = Field(description="the fee this cancellation incurs")

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
