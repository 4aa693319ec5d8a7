"""The booking tools, declared once: `make catalog` writes cockpit/catalog/booking.json from these, and
booking.handler serves each with one handler."""

from __future__ import annotations

from typing import Any

from booking import models as m
from cockpit.tools.declaration import ToolDeclaration
from cockpit.tools.model import Effect

TARGET = "lambda:booking"

SEARCH_AVAILABILITY = ToolDeclaration(
    name="booking_search_availability",
    title="Search bookable slots",
    description="Find free slots to book: parking spaces, restaurant tables, service appointments at "
    "dealers and workshops, hotel rooms. Near a point (or the car's location), or at one "
    "venue, within a time window (default: the next 24 hours, hotels 3 days; at most 7 days)."
    " For service_appointment, slots come from workshops that can do what the car reports it "
    "needs (due items, fault codes) or the service_items given. Each slot says its price and "
    "whether booking it prepays or carries a cancellation fee (then booking asks the driver "
    "first).",
    arguments=m.SearchArgs,
    result=m.Availability,
    effect=Effect.READ,
    target=TARGET,
)
CREATE_RESERVATION = ToolDeclaration(
    name="booking_create_reservation",
    title="Book a slot",
    description="Reserve a slot found by booking_search_availability. Asks the driver to confirm first "
    "when the slot is paid in advance (then payment_method_id is required) or carries a "
    "cancellation fee; free bookings are made at once. The reservation is confirmed when this"
    " returns; payment is recorded, not yet charged.",
    arguments=m.CreateArgs,
    result=m.OneReservation,
    effect=Effect.WRITE,
    target=TARGET,
    requires_confirmation=True,
    destructive=False,
    idempotent=False,
)
CANCEL_RESERVATION = ToolDeclaration(
    name="booking_cancel_reservation",
    title="Cancel a reservation",
    description="Cancel one of the driver's reservations before it starts; its slot is freed. Says "
    "whether a cancellation fee is due.",
    arguments=m.ReservationArgs,
    result=m.OneReservation,
    effect=Effect.WRITE,
    target=TARGET,
    destructive=True,
    idempotent=True,
)
LIST_RESERVATIONS = ToolDeclaration(
    name="booking_list_reservations",
    title="List reservations",
    description="The driver's reservations, soonest first: upcoming ones, or also past ones with "
    "include_past.",
    arguments=m.ListArgs,
    result=m.Reservations,
    effect=Effect.READ,
    target=TARGET,
)

DECLARED: tuple[ToolDeclaration[Any, Any], ...] = (
    SEARCH_AVAILABILITY,
    CREATE_RESERVATION,
    CANCEL_RESERVATION,
    LIST_RESERVATIONS,
)
